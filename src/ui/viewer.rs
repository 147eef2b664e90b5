//! Who is reading: the signed-in user as the whole app knows them, and
//! the version that resources keyed on the account refetch on.

use leptos::prelude::*;

/// Who is signed in, fetched once per [`AuthVersion`] and shared by the
/// header, the live connection and every page.
pub type Viewer = Resource<Result<Option<crate::domain::account::User>, crate::domain::error::ApiError>>;

/// Whether someone is signed in, as far as the browser knows (always
/// `false` while rendering on the server); readable anywhere, unlike the
/// [`Viewer`] resource, which belongs inside `<Suspense/>`.
#[derive(Clone, Copy)]
pub struct SignedIn(pub RwSignal<bool>);

/// Provides [`AuthVersion`], [`Viewer`] and [`SignedIn`].
pub fn provide_viewer() -> SignedIn {
    let auth = AuthVersion(RwSignal::new(0));
    provide_context(auth);
    let viewer: Viewer = Resource::new(move || auth.0.get(), |_| crate::api::accounts::current_user());
    provide_context(viewer);
    let signed_in = SignedIn(RwSignal::new(false));
    Effect::new(move |_| signed_in.0.set(matches!(viewer.get(), Some(Ok(Some(_))))));
    provide_context(signed_in);
    signed_in
}

/// Runs `fetch` only for a signed-in viewer; a visitor gets `Unauthorized`
/// at once, without a request that could only fail.
pub async fn when_signed_in<T, F>(viewer: Viewer, fetch: impl FnOnce() -> F) -> Result<T, crate::domain::error::ApiError>
where
    F: std::future::Future<Output = Result<T, crate::domain::error::ApiError>>,
{
    match viewer.await {
        Ok(Some(_)) => fetch().await,
        Ok(None) => Err(crate::domain::error::ApiError::new(crate::domain::error::ErrorCode::Unauthorized, "Sign in first.")),
        Err(e) => Err(e),
    }
}

/// Bumped whenever who is signed in may have changed; resources that
/// depend on the user read it.
#[derive(Clone, Copy)]
pub struct AuthVersion(pub RwSignal<u32>);

impl AuthVersion {
    pub fn bump(self) {
        self.0.update(|v| *v += 1);
    }
}

/// This page signed someone in (`Some`) or out (`None`): the viewer shows it
/// at once, then everything keyed on the account refetches. Setting the
/// viewer first means no refetch can still see the previous account and ask
/// the server with a session cookie that is already gone.
pub fn now_signed_in_as(user: Option<crate::domain::account::User>) {
    expect_context::<Viewer>().set(Some(Ok(user)));
    expect_context::<AuthVersion>().bump();
}
