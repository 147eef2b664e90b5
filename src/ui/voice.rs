//! Dictation through the browser's speech recognition, where it exists
//! (progressive enhancement: without it, the button never appears).

use leptos::prelude::*;

#[component]
pub fn VoiceButton(on_text: Callback<String>) -> impl IntoView {
    let supported = RwSignal::new(false);
    let listening = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| supported.set(imp::constructor().is_some()));
    let toggle = move |_| {
        #[cfg(feature = "hydrate")]
        {
            if listening.get_untracked() {
                imp::stop();
            } else if imp::start(on_text, listening) {
                listening.set(true);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = on_text;
    };
    view! {
        {move || supported.get().then(|| view! {
            <button type="button" id="voice-input" on:click=toggle aria-pressed=move || listening.get().to_string()
                class="inline-flex items-center gap-1.5 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-slate-600 dark:text-slate-100 dark:hover:bg-slate-800">
                <svg aria-hidden="true" viewBox="0 0 20 20" class="h-4 w-4" fill="currentColor"><path d="M10 13a3 3 0 0 0 3-3V5a3 3 0 1 0-6 0v5a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-4 4.9V17h3v2H6v-2h3v-2.1A5 5 0 0 1 5 10h2a3 3 0 0 0 6 0z"/></svg>
                {move || if listening.get() { "Stop dictation" } else { "Dictate" }}
            </button>
        })}
    }
}

#[cfg(feature = "hydrate")]
mod imp {
    use js_sys::{Array, Function, Reflect};
    use leptos::prelude::*;
    use std::cell::RefCell;
    use wasm_bindgen::prelude::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    struct Session {
        recognition: JsValue,
        _on_result: Closure<dyn FnMut(JsValue)>,
        _on_end: Closure<dyn FnMut(JsValue)>,
    }

    thread_local! {
        static ACTIVE: RefCell<Option<Session>> = const { RefCell::new(None) };
    }

    /// The standard constructor, or Chrome's prefixed one.
    pub fn constructor() -> Option<Function> {
        let window: JsValue = window().into();
        ["SpeechRecognition", "webkitSpeechRecognition"]
            .into_iter()
            .filter_map(|name| Reflect::get(&window, &name.into()).ok())
            .find_map(|c| c.dyn_into::<Function>().ok())
    }

    fn call(target: &JsValue, method: &str) {
        if let Ok(f) = Reflect::get(target, &method.into()).and_then(|f| f.dyn_into::<Function>()) {
            let _ = f.call0(target);
        }
    }

    pub fn start(on_text: Callback<String>, listening: RwSignal<bool>) -> bool {
        let Some(ctor) = constructor() else { return false };
        let Ok(recognition) = Reflect::construct(&ctor, &Array::new()) else { return false };
        let lang = document().document_element().and_then(|e| e.get_attribute("lang")).unwrap_or_else(|| "en".into());
        let _ = Reflect::set(&recognition, &"lang".into(), &lang.into());
        let _ = Reflect::set(&recognition, &"interimResults".into(), &false.into());
        let on_result = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            // event.results[event.resultIndex][0].transcript
            let text = (|| {
                let index = Reflect::get(&event, &"resultIndex".into()).ok()?;
                let result = Reflect::get(&Reflect::get(&event, &"results".into()).ok()?, &index).ok()?;
                let best = Reflect::get(&result, &0.into()).ok()?;
                Reflect::get(&best, &"transcript".into()).ok()?.as_string()
            })();
            if let Some(text) = text {
                on_text.run(text);
            }
        });
        let on_end = Closure::<dyn FnMut(JsValue)>::new(move |_| listening.set(false));
        let _ = Reflect::set(&recognition, &"onresult".into(), on_result.as_ref());
        let _ = Reflect::set(&recognition, &"onend".into(), on_end.as_ref());
        let _ = Reflect::set(&recognition, &"onerror".into(), on_end.as_ref());
        call(&recognition, "start");
        // The previous session's closures are no longer called once replaced.
        ACTIVE.with(|a| *a.borrow_mut() = Some(Session { recognition, _on_result: on_result, _on_end: on_end }));
        true
    }

    pub fn stop() {
        ACTIVE.with(|a| {
            if let Some(session) = a.borrow().as_ref() {
                call(&session.recognition, "stop");
            }
        });
    }
}
