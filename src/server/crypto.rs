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

    /// Reads a column that held plaintext before it was encrypted: a sealed
    /// value is decrypted (and must decrypt), an older plaintext one is
    /// returned as it is until `server::seal` seals it.
    pub fn open(&self, stored: &str) -> Result<String, DecryptError> {
        if is_sealed(stored) { self.decrypt(stored) } else { Ok(stored.to_owned()) }
    }

    pub fn open_opt(&self, stored: Option<&str>) -> Result<Option<String>, DecryptError> {
        stored.map(|s| self.open(s)).transpose()
    }

    /// A JSON document as stored: encrypted, as a JSON string.
    pub fn seal_json(&self, value: &serde_json::Value) -> serde_json::Value {
        serde_json::Value::String(self.encrypt(&value.to_string()))
    }

    /// A JSON document as read: decrypted when sealed, as it is when it was
    /// written before (any value that is not a sealed string).
    pub fn open_json(&self, stored: serde_json::Value) -> Result<serde_json::Value, DecryptError> {
        match &stored {
            serde_json::Value::String(s) if is_sealed(s) => serde_json::from_str(&self.decrypt(s)?).map_err(|_| DecryptError),
            _ => Ok(stored),
        }
    }

    /// The blind index of `text`: for each word (letters and digits, lower
    /// case), each of its first [`TERM_CHARS`] prefixes, as a keyed 64-bit
    /// digest. The database can match a query's terms against it without
    /// ever holding a word; what it can learn is which rows share a word
    /// (or a word's beginning), and how many distinct ones a row has.
    pub fn terms(&self, text: &str) -> Vec<i64> {
        self.terms_from(text, 1)
    }

    /// Like [`Cipher::terms`], for longer text: only beginnings of at least
    /// `shortest` characters, and whole words shorter than that (so a
    /// transcript's index is not mostly "t", "th", "a"...). A query word
    /// shorter than `shortest` then finds that whole word only.
    pub fn terms_from(&self, text: &str, shortest: usize) -> Vec<i64> {
        let key = self.term_key();
        let mut terms: Vec<i64> = words(text)
            .flat_map(|word| {
                let ends: Vec<usize> = word.char_indices().map(|(i, c)| i + c.len_utf8()).take(TERM_CHARS).collect();
                let last = ends.len();
                ends.into_iter()
                    .enumerate()
                    .filter(|&(n, _)| n + 1 >= shortest || n + 1 == last)
                    .map(|(_, end)| term(&key, &word[..end]))
                    .collect::<Vec<_>>()
            })
            .collect();
        terms.sort_unstable();
        terms.dedup();
        terms
    }

    /// The terms a search for `query` needs a row to hold: each word's
    /// beginning (up to [`TERM_CHARS`] characters), so "dent" finds
    /// "Dentist". Empty when the query has no word.
    pub fn query_terms(&self, query: &str) -> Vec<i64> {
        let key = self.term_key();
        let mut terms: Vec<i64> = words(query)
            .map(|word| {
                let end = word.char_indices().nth(TERM_CHARS).map_or(word.len(), |(i, _)| i);
                term(&key, &word[..end])
            })
            .collect();
        terms.sort_unstable();
        terms.dedup();
        terms
    }

    fn term_key(&self) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.1).expect("HMAC takes any key length");
        mac.update(b"callwright search terms v1");
        mac.finalize().into_bytes().into()
    }
}

/// How many leading characters of a word are indexed (longer words match
/// on their beginning).
pub const TERM_CHARS: usize = 16;

/// Whether `stored` was written by [`Cipher::encrypt`].
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The lower-case words of `text`: runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

fn term(key: &[u8; 32], word: &str) -> i64 {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(word.as_bytes());
    let digest = mac.finalize().into_bytes();
    i64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"))
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
    fn older_plaintext_reads_as_it_is_and_sealed_documents_round_trip() {
        let c = Cipher::from_key(&[7u8; 32]);
        assert_eq!(c.open("Dr. Lee").unwrap(), "Dr. Lee");
        assert_eq!(c.open(&c.encrypt("Dr. Lee")).unwrap(), "Dr. Lee");
        assert!(c.open("enc:v1:not base64!").is_err(), "a sealed value must decrypt");
        let doc = serde_json::json!({"goal": "Book a cleaning", "steps": ["Greet"]});
        let sealed = c.seal_json(&doc);
        assert!(sealed.is_string() && !sealed.to_string().contains("cleaning"));
        assert_eq!(c.open_json(sealed).unwrap(), doc);
        assert_eq!(c.open_json(doc.clone()).unwrap(), doc, "a document from before is read as it is");
        assert_eq!(c.open_json(serde_json::json!("DC-1234")).unwrap(), serde_json::json!("DC-1234"));
    }

    fn finds(c: &Cipher, text: &str, query: &str) -> bool {
        let terms = c.terms(text);
        let wanted = c.query_terms(query);
        !wanted.is_empty() && wanted.iter().all(|t| terms.contains(t))
    }

    #[test]
    fn search_terms_find_words_by_their_beginning_whatever_the_case() {
        let c = Cipher::from_key(&[7u8; 32]);
        let title = "Book a cleaning at Bright-Smiles Dental (Dr. Łukasz), 2 p.m.";
        for query in ["clean", "CLEANING", "bright smiles", "smiles bright", "dent", "łuk", "ŁUKASZ", "2", "dr"] {
            assert!(finds(&c, title, query), "{query}");
        }
        for query in ["leaning", "miles", "cleanings", "dental x", "", "%", "  "] {
            assert!(!finds(&c, title, query), "{query}");
        }
        let long = "Supercalifragilisticexpialidocious";
        assert!(finds(&c, long, "supercalifragilisticexpialidocious"), "beyond the indexed prefix");
        assert!(finds(&c, long, "supercalifragilisticXXX"), "only the first 16 characters count");
        assert_eq!(c.terms(long).len(), TERM_CHARS);
        // A transcript's index: beginnings of three characters or more, and short whole words.
        let line = "It is $85 on Tuesday";
        let indexed = |q: &str| c.query_terms(q).iter().all(|t| c.terms_from(line, 3).contains(t));
        for found in ["it", "is", "85", "on", "tue", "TUESDAY"] {
            assert!(indexed(found), "{found}");
        }
        for missing in ["t", "tu", "o"] {
            assert!(!indexed(missing), "{missing}");
        }
        assert!(c.terms_from(line, 3).len() < c.terms(line).len());
        // Another key, other terms: the index means nothing without the key.
        let other = Cipher::from_key(&[8u8; 32]);
        assert!(c.terms(title).iter().all(|t| !other.terms(title).contains(t)));
    }

    proptest::proptest! {
        #[test]
        fn any_word_of_any_text_is_found_by_any_of_its_beginnings(
            text in "\\PC{0,200}",
            pick in 0usize..64,
            cut in 1usize..40,
        ) {
            let c = Cipher::from_key(&[9u8; 32]);
            let terms = c.terms(&text);
            let all: Vec<String> = words(&text).collect();
            if let Some(word) = all.get(pick % all.len().max(1)) {
                let prefix: String = word.chars().take(cut).collect();
                let wanted = c.query_terms(&prefix);
                // Lower-casing may split one character into a letter and a mark.
                if words(&prefix).count() == 1 {
                    proptest::prop_assert!(wanted.iter().all(|t| terms.contains(t)), "{prefix:?} in {text:?}");
                }
            }
        }
    }

    #[test]
    fn tokens_are_random_and_digested() {
        let t = random_token("cw_");
        assert!(t.starts_with("cw_") && t.len() > 40);
        assert_ne!(t, random_token("cw_"));
        assert_eq!(token_digest(&t).len(), 32);
    }
}
