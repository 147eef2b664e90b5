//! Encryption at rest (AES-256-GCM) for phone numbers, notes and
//! transcripts, and the random tokens and digests used for sessions.

use aes_gcm::aead::{Aead, KeyInit, OsRng};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Marks a value written by [`Cipher::encrypt`]; the version allows key or
/// algorithm rotation later.
const PREFIX: &str = "enc:v1:";
const KEY_FILE: &str = "data.key";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("CALLWRIGHT_DATA_KEY: must be 32 bytes in base64 (generate one with `openssl rand -base64 32`)")]
    BadKey,
    #[error("CALLWRIGHT_DATA_DIR: cannot read or create the data key in {dir}: {source}")]
    Io { dir: String, source: std::io::Error },
    #[error("CALLWRIGHT_DATA_DIR: {path} does not hold a valid 32-byte base64 key; restore it or set CALLWRIGHT_DATA_KEY")]
    BadKeyFile { path: String },
}

/// The data-at-rest cipher. Cheap to clone.
#[derive(Clone)]
pub struct Cipher(Aes256Gcm, [u8; 32]);

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(***)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("stored value cannot be decrypted with the configured key")]
pub struct DecryptError;

impl Cipher {
    pub fn from_key(key: &[u8; 32]) -> Cipher {
        Cipher(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)), *key)
    }

    /// The key from `CALLWRIGHT_DATA_KEY`, else from `<data dir>/data.key`,
    /// generated there (mode 0600) on first run.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> Result<Cipher, KeyError> {
        if let Some(b64) = configured {
            return decode_key(b64).map(|k| Cipher::from_key(&k)).ok_or(KeyError::BadKey);
        }
        let io = |source| KeyError::Io { dir: data_dir.display().to_string(), source };
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => decode_key(text.trim())
                .map(|k| Cipher::from_key(&k))
                .ok_or_else(|| KeyError::BadKeyFile { path: path.display().to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir).map_err(io)?;
                let key = Aes256Gcm::generate_key(OsRng);
                write_private(&path, STANDARD.encode(key).as_bytes()).map_err(io)?;
                tracing::info!(path = %path.display(), "generated a new data encryption key; back it up");
                Ok(Cipher::from_key(&key.into()))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// A secret derived from the data key for `purpose` (the same on every
    /// server process sharing the key), e.g. the sandbox's auth token.
    pub fn derive_secret(&self, purpose: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.1).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    pub fn encrypt(&self, plaintext: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        // Encryption with a valid key and nonce cannot fail for in-memory data.
        let ciphertext = self.0.encrypt(&nonce, plaintext.as_bytes()).unwrap_or_default();
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}", STANDARD.encode(blob))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, DecryptError> {
        let b64 = stored.strip_prefix(PREFIX).ok_or(DecryptError)?;
        let blob = STANDARD.decode(b64).map_err(|_| DecryptError)?;
        if blob.len() < 12 {
            return Err(DecryptError);
        }
        let (nonce, ciphertext) = blob.split_at(12);
        let plain = self.0.decrypt(Nonce::from_slice(nonce), ciphertext).map_err(|_| DecryptError)?;
        String::from_utf8(plain).map_err(|_| DecryptError)
    }

    pub fn encrypt_opt(&self, plaintext: Option<&str>) -> Option<String> {
        plaintext.map(|p| self.encrypt(p))
    }

    pub fn decrypt_opt(&self, stored: Option<&str>) -> Result<Option<String>, DecryptError> {
        stored.map(|s| self.decrypt(s)).transpose()
    }
}

fn decode_key(b64: &str) -> Option<[u8; 32]> {
    STANDARD.decode(b64.trim()).ok()?.try_into().ok()
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A new random secret: `prefix` + 32 random bytes in URL-safe base64.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is unrecoverable for a server.
    getrandom::getrandom(&mut bytes).expect("the operating system's random source is unavailable");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The digest under which a token is stored (tokens are never stored).
pub fn token_digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Installs the process-wide TLS crypto provider (ring) used by every
/// outgoing HTTPS connection (Twilio, OpenAI). Idempotent.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypts_with_fresh_nonces_and_round_trips() {
        let c = Cipher::from_key(&[7u8; 32]);
        let a = c.encrypt("+14155550199");
        let b = c.encrypt("+14155550199");
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX) && !a.contains("4155550199"));
        assert_eq!(c.decrypt(&a).unwrap(), "+14155550199");
        assert!(Cipher::from_key(&[8u8; 32]).decrypt(&a).is_err(), "another key cannot read it");
        assert!(c.decrypt("plain text").is_err());
    }

    #[test]
    fn a_key_is_generated_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("cw-key-{}", uuid::Uuid::new_v4()));
        let first = Cipher::load(None, &dir).unwrap();
        let sealed = first.encrypt("secret");
        let second = Cipher::load(None, &dir).unwrap();
        assert_eq!(second.decrypt(&sealed).unwrap(), "secret");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(Cipher::load(Some("short"), &dir), Err(KeyError::BadKey)));
    }

    #[test]
    fn tokens_are_random_and_digested() {
        let t = random_token("cw_");
        assert!(t.starts_with("cw_") && t.len() > 40);
        assert_ne!(t, random_token("cw_"));
        assert_eq!(token_digest(&t).len(), 32);
    }
}
