//! The HTML shell, the router and the page layout.

use crate::ui::layout::Layout;
use crate::ui::pages::{auth, contacts, home, not_found, notifications, session, settings, task_detail, task_list};
use crate::ui::{live, viewer};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment, path};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    page_document(Some(options), view! { <App/> })
}

/// The document of a page the server renders whole and the browser does
/// not hydrate (see [`Rendered`]).
#[cfg(feature = "ssr")]
pub fn rendered_shell() -> impl IntoView {
    page_document(None, view! { <RenderedApp/> })
}

/// The HTML document: with the hydration scripts when `hydrate` gives the
/// options to find them, else a plain page (whose mobile menu is shown
/// open, as nothing could open it).
fn page_document(hydrate: Option<LeptosOptions>, app: impl IntoView + 'static) -> impl IntoView {
    let plain = hydrate.is_none();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="description" content="Callwright makes phone calls for you: describe the errand, an AI assistant calls, you get the result."/>
                <meta name="theme-color" content="#4338ca"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="icon" href="/favicon.ico" sizes="any"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                <script src="/register-sw.js" defer></script>
                {hydrate.map(|options| view! { <AutoReload options=options.clone()/><HydrationScripts options/> })}
                {plain.then(|| view! { <style>"#primary-nav{display:block}#menu-toggle{display:none}"</style> })}
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                {app}
            </body>
        </html>
    }
}

/// A page the server renders whole, with no browser code of its own (so it
/// costs the browser bundle nothing): its heading and its body as HTML.
/// Links to it leave the hydrated app (`rel="external"`).
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct Rendered {
    pub title: &'static str,
    pub lead: &'static str,
    pub html: String,
}

/// The frame of every page around a [`Rendered`] body.
#[cfg(feature = "ssr")]
#[component]
fn RenderedApp() -> impl IntoView {
    provide_meta_context();
    let signed_in = viewer::provide_viewer();
    live::provide(signed_in.0.into());
    let page = expect_context::<Rendered>();
    view! {
        <Stylesheet id="leptos" href="/pkg/callwright.css"/>
        <Title formatter=|page: String| format!("{page} · Callwright")/>
        <Router>
            <Layout>
                <crate::ui::components::page_header::PageHeader title=page.title lead=page.lead/>
                <div inner_html=page.html></div>
            </Layout>
        </Router>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let signed_in = viewer::provide_viewer();
    live::provide(signed_in.0.into());

    // Marks the document once the browser bundle has taken over, so tests
    // and styles can tell a hydrated page from server-rendered HTML.
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/callwright.css"/>
        <Title formatter=|page: String| if page.is_empty() { "Callwright".to_owned() } else { format!("{page} · Callwright") }/>
        // Every page is rendered whole on the server (`Async`): the HTML is complete
        // without script (reading, the composer and the filters work without it),
        // and a page's <title> can come from its data. The data is a few queries away.
        <Router>
            <Layout>
                <Routes fallback=not_found::NotFound>
                    <Route path=StaticSegment("") view=home::HomePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("tasks") view=task_list::TasksPage ssr=SsrMode::Async/>
                    <Route path=path!("/tasks/:id") view=task_detail::TaskDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/calls/:id") view=session::SessionPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("contacts") view=contacts::ContactsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("notifications") view=notifications::NotificationsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("settings") view=settings::SettingsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("signin") view=auth::SignInPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("signup") view=auth::SignUpPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
