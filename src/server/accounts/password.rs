//! Argon2id password hashing, run off the async threads, a few at a time.
//!
//! Each hash costs 19 MiB and most of a core: a flood of sign-ins must not
//! exhaust the machine. At most as many hashes run as there are cores; a
//! request waits a few seconds for its turn, then is told to come back.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use std::sync::LazyLock;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Password hashes running at once, in this process.
static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()).max(1)));

/// How long a request waits for a turn to hash.
const WAIT: Duration = Duration::from_secs(5);

/// Every hashing slot stayed busy for [`WAIT`]: try again shortly.
#[derive(Debug)]
pub struct Busy;

pub(crate) const BUSY_RETRY_SECS: u64 = 5;

async fn turn() -> Result<SemaphorePermit<'static>, Busy> {
    match tokio::time::timeout(WAIT, HASHING.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(Busy),
    }
}

/// A PHC-format argon2id hash of `password`.
pub async fn hash(password: String) -> Result<String, String> {
    let _turn = turn().await.map_err(|_| "busy".to_owned())?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Whether `password` matches `stored`. With no stored hash (unknown user) a
/// dummy hash is checked, so both cases take the same time.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, Busy> {
    let _turn = turn().await?;
    Ok(tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        match PasswordHash::new(&stored) {
            Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && stored != DUMMY_HASH,
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false))
}

/// An argon2id hash (default parameters) of a random password nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$JLD4Y9Sch5PBm7pNl0YoVqEsJ7dzS3L+q2gR2bJrJ0A";

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = super::hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("correct horse".into(), Some(h.clone())).await.unwrap());
        assert!(!super::verify("wrong horse".into(), Some(h)).await.unwrap());
        assert!(!super::verify("anything".into(), None).await.unwrap());
    }
}
