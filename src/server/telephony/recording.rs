//! Call recordings as the networks keep them. A recording is known by the
//! URL its status callback gave (`{api}/2010-04-01/Accounts/{AC…}/Recordings/{RE…}`);
//! the account in it says which network holds the audio (Twilio, or the
//! sandbox's files). The URL's host is never trusted: audio is fetched, and
//! deleted, only from the configured network's own API, with its own
//! credentials.

use super::is_sid;
use crate::server::error::{ApiError, ErrorCode};

/// A recording's account and id, read from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub account_sid: String,
    pub sid: String,
}

/// Whether `sid` is a recording SID (`RE` + 32 letters or digits).
pub fn is_recording_sid(sid: &str) -> bool {
    is_sid(sid, "RE")
}

impl Reference {
    /// The account and recording of a recording URL, with or without a
    /// file extension; `None` for anything else.
    pub fn parse(url: &str) -> Option<Reference> {
        let path = url.split(['?', '#']).next()?;
        let (_, rest) = path.split_once("/Accounts/")?;
        let (account, rest) = rest.split_once("/Recordings/")?;
        let sid = rest.split('.').next()?;
        (is_sid(account, "AC") && is_recording_sid(sid) && !rest.contains('/'))
            .then(|| Reference { account_sid: account.to_owned(), sid: sid.to_owned() })
    }
}

/// A recording's audio, as the network gave it.
pub struct Audio {
    pub content_type: String,
    /// 206 when only `content_range` of it is sent.
    pub partial: bool,
    pub content_range: Option<String>,
    pub length: Option<u64>,
    pub body: axum::body::Body,
}

/// The one byte range (first, last, inclusive) a `Range` header asks of a
/// `len`-byte file, when it asks for one that exists; a header asking
/// for several ranges, or one past the end, is answered with the whole
/// file (which HTTP allows).
pub fn byte_range(header: Option<&str>, len: u64) -> Option<(u64, u64)> {
    let spec = header?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    let (from, to) = if first.is_empty() {
        // The last `n` bytes.
        let n: u64 = last.parse().ok()?;
        if n == 0 {
            return None;
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let from: u64 = first.parse().ok()?;
        let to = if last.is_empty() { len - 1 } else { last.parse::<u64>().ok()?.min(len - 1) };
        (from, to)
    };
    (from <= to && from < len).then_some((from, to))
}

/// `bytes` answered for `range`: all of it, or the part asked for.
pub fn from_bytes(bytes: Vec<u8>, content_type: &str, range: Option<&str>) -> Audio {
    let len = bytes.len() as u64;
    match byte_range(range, len) {
        Some((from, to)) => {
            let part = bytes[from as usize..=to as usize].to_vec();
            Audio {
                content_type: content_type.to_owned(),
                partial: true,
                content_range: Some(format!("bytes {from}-{to}/{len}")),
                length: Some(part.len() as u64),
                body: part.into(),
            }
        }
        None => Audio {
            content_type: content_type.to_owned(),
            partial: false,
            content_range: None,
            length: Some(len),
            body: bytes.into(),
        },
    }
}

/// The recording is kept by a network this server is no longer set up for.
pub fn elsewhere() -> ApiError {
    ApiError::new(ErrorCode::Unavailable, "This recording is kept by a phone network this server is not configured for.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const AC: &str = "AC0123456789abcdef0123456789abcdef";
    const RE: &str = "RE0123456789abcdef0123456789abcdef";

    #[test]
    fn a_recording_url_names_its_account_and_recording_or_nothing() {
        let want = Some(Reference { account_sid: AC.into(), sid: RE.into() });
        for url in [
            format!("https://api.twilio.com/2010-04-01/Accounts/{AC}/Recordings/{RE}"),
            format!("https://api.twilio.com/2010-04-01/Accounts/{AC}/Recordings/{RE}.mp3"),
            format!("https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/{AC}/Recordings/{RE}.wav?Download=true"),
            format!("https://sandbox.callwright.invalid/2010-04-01/Accounts/{AC}/Recordings/{RE}"),
        ] {
            assert_eq!(Reference::parse(&url), want, "{url}");
        }
        for url in [
            String::new(),
            format!("https://api.twilio.com/2010-04-01/Accounts/{AC}/Calls/{RE}"),
            format!("https://api.twilio.com/2010-04-01/Accounts/{AC}/Recordings/../../{RE}"),
            format!("https://api.twilio.com/2010-04-01/Accounts/{AC}/Recordings/{RE}/Transcriptions"),
            format!("https://api.twilio.com/2010-04-01/Accounts/{AC}/Recordings/RE0123456789abcdef0123456789abcde"),
            format!("https://api.twilio.com/2010-04-01/Accounts/{AC}/Recordings/RE0123456789abcdef0123456789abcd%2F"),
            format!("https://api.twilio.com/2010-04-01/Accounts/CA0123456789abcdef0123456789abcdef/Recordings/{RE}"),
            format!("file:///etc/Accounts/{AC}/Recordings/RE../../../../etc/passwd"),
        ] {
            assert_eq!(Reference::parse(&url), None, "{url}");
        }
    }

    #[test]
    fn ranges_are_served_when_they_exist_and_the_whole_file_otherwise() {
        assert_eq!(byte_range(Some("bytes=0-99"), 1000), Some((0, 99)));
        assert_eq!(byte_range(Some("bytes=500-"), 1000), Some((500, 999)));
        assert_eq!(byte_range(Some("bytes=-100"), 1000), Some((900, 999)));
        assert_eq!(byte_range(Some("bytes=-5000"), 1000), Some((0, 999)));
        assert_eq!(byte_range(Some("bytes=900-5000"), 1000), Some((900, 999)));
        for whole in [
            None,
            Some(""),
            Some("bytes=1000-"),
            Some("bytes=5-2"),
            Some("bytes=0-1,5-6"),
            Some("items=0-1"),
            Some("bytes=-0"),
            Some("bytes=x-"),
        ] {
            assert_eq!(byte_range(whole, 1000), None, "{whole:?}");
        }
        assert_eq!(byte_range(Some("bytes=0-"), 0), None);
    }

    proptest! {
        #[test]
        fn any_range_header_is_read_without_panic_and_stays_inside_the_file(
            header in prop_oneof!["\\PC{0,40}", "bytes=[0-9 ,-]{0,16}"],
            len in 0u64..5000,
        ) {
            if let Some((from, to)) = byte_range(Some(&header), len) {
                prop_assert!(from <= to && to < len);
            }
            let _ = Reference::parse(&header);
        }
    }
}
