//! The browser's live connection to `/ws`: one websocket per tab, opened
//! while someone is signed in, reconnected with backoff, and a `Resync` to
//! every listener after each (re)connect, since events may have been missed
//! meanwhile (including between the server render and the first connect).
//!
//! Components listen with [`on_event`]; on the server it does nothing.

use crate::domain::events::ServerEvent;
use leptos::prelude::*;

/// Whether the live connection is up (for a "reconnecting…" hint).
#[derive(Clone, Copy)]
pub struct Live {
    pub connected: RwSignal<bool>,
}

/// Provides [`Live`] and keeps the socket open exactly while `signed_in`.
pub fn provide(signed_in: Signal<bool>) -> Live {
    let live = Live { connected: RwSignal::new(false) };
    provide_context(live);
    Effect::new(move |_| {
        let wanted = signed_in.get();
        #[cfg(feature = "hydrate")]
        {
            if wanted { imp::open(live.connected) } else { imp::close(live.connected) }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = wanted;
    });
    live
}

/// Calls `handler` with every live event for as long as the calling
/// component lives.
pub fn on_event(handler: impl Fn(&ServerEvent) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        let id = imp::subscribe(std::rc::Rc::new(handler));
        on_cleanup(move || imp::unsubscribe(id));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = handler;
}

/// A counter for resources to key on: a page bumps it after its own
/// changes, and [`refresh_on`] after the live events that concern it.
#[derive(Clone, Copy, Default)]
pub struct Refresh(RwSignal<u32>);

impl Refresh {
    /// Reads (and so subscribes to) the counter.
    pub fn track(self) -> u32 {
        self.0.get()
    }

    /// Makes every resource keyed on this refetch.
    pub fn bump(self) {
        self.0.update(|t| *t = t.wrapping_add(1));
    }
}

/// A [`Refresh`] bumped whenever `matters` says an event changes what the
/// caller shows, and after every reconnect.
pub fn refresh_on(matters: impl Fn(&ServerEvent) -> bool + 'static) -> Refresh {
    let refresh = Refresh::default();
    on_event(move |event| {
        if matches!(event, ServerEvent::Resync) || matters(event) {
            refresh.bump();
        }
    });
    refresh
}

/// Reconnect delay after `attempts` failures in a row: 0.5 s doubling to
/// 30 s, with up to a quarter of random spread so tabs do not stampede.
pub fn backoff_ms(attempts: u32, jitter: f64) -> u32 {
    let base = 500u32.saturating_mul(1 << attempts.min(6)).min(30_000);
    base + (f64::from(base) * 0.25 * jitter.clamp(0.0, 1.0)) as u32
}

#[cfg(feature = "hydrate")]
mod imp {
    use super::backoff_ms;
    use crate::domain::events::ServerEvent;
    use leptos::prelude::*;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::time::Duration;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    type Handler = Rc<dyn Fn(&ServerEvent)>;

    struct Conn {
        socket: WebSocket,
        _on_open: Closure<dyn FnMut()>,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
        _on_close: Closure<dyn FnMut(CloseEvent)>,
    }

    thread_local! {
        static HANDLERS: RefCell<Vec<(u64, Handler)>> = const { RefCell::new(Vec::new()) };
        static NEXT_ID: Cell<u64> = const { Cell::new(0) };
        static CONN: RefCell<Option<Conn>> = const { RefCell::new(None) };
        static WANTED: Cell<bool> = const { Cell::new(false) };
        static FAILURES: Cell<u32> = const { Cell::new(0) };
    }

    pub fn subscribe(handler: Handler) -> u64 {
        let id = NEXT_ID.with(|n| {
            n.set(n.get() + 1);
            n.get()
        });
        HANDLERS.with(|h| h.borrow_mut().push((id, handler)));
        id
    }

    pub fn unsubscribe(id: u64) {
        HANDLERS.with(|h| h.borrow_mut().retain(|(i, _)| *i != id));
    }

    fn dispatch(event: &ServerEvent) {
        // A handler may unmount components (and so unsubscribe): call a copy.
        let handlers: Vec<Handler> = HANDLERS.with(|h| h.borrow().iter().map(|(_, f)| f.clone()).collect());
        for handler in handlers {
            handler(event);
        }
    }

    pub fn open(connected: RwSignal<bool>) {
        WANTED.with(|w| w.set(true));
        if CONN.with(|c| c.borrow().is_some()) {
            return;
        }
        let location = window().location();
        let scheme = if location.protocol().as_deref() == Ok("https:") { "wss" } else { "ws" };
        let url = format!("{scheme}://{}/ws", location.host().unwrap_or_default());
        let Ok(socket) = WebSocket::new(&url) else {
            FAILURES.with(|f| f.set(f.get().saturating_add(1)));
            retry_later(connected);
            return;
        };
        let on_open = Closure::<dyn FnMut()>::new(move || {
            FAILURES.with(|f| f.set(0));
            connected.set(true);
            dispatch(&ServerEvent::Resync);
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(text) = e.data().as_string() {
                match serde_json::from_str::<ServerEvent>(&text) {
                    Ok(event) => dispatch(&event),
                    // A newer server may send kinds this bundle does not know: refetch.
                    Err(_) => dispatch(&ServerEvent::Resync),
                }
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| {
            connected.set(false);
            FAILURES.with(|f| f.set(f.get().saturating_add(1)));
            // Dropping the closures must not happen inside one of them.
            retry_later(connected);
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        CONN.with(|c| *c.borrow_mut() = Some(Conn { socket, _on_open: on_open, _on_message: on_message, _on_close: on_close }));
    }

    fn retry_later(connected: RwSignal<bool>) {
        let delay = backoff_ms(FAILURES.with(Cell::get), js_sys::Math::random());
        set_timeout(
            move || {
                CONN.with(|c| c.borrow_mut().take());
                if WANTED.with(Cell::get) {
                    open(connected);
                }
            },
            Duration::from_millis(u64::from(delay)),
        );
    }

    pub fn close(connected: RwSignal<bool>) {
        WANTED.with(|w| w.set(false));
        if let Some(conn) = CONN.with(|c| c.borrow_mut().take()) {
            conn.socket.set_onclose(None);
            let _ = conn.socket.close();
        }
        connected.set(false);
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_doubles_to_a_ceiling_with_bounded_jitter() {
        assert_eq!(backoff_ms(0, 0.0), 500);
        assert_eq!(backoff_ms(1, 0.0), 1000);
        assert_eq!(backoff_ms(3, 0.0), 4000);
        assert_eq!(backoff_ms(6, 0.0), 30_000);
        assert_eq!(backoff_ms(40, 0.0), 30_000);
        assert_eq!(backoff_ms(0, 1.0), 625);
        assert_eq!(backoff_ms(40, 7.0), 37_500);
    }
}
