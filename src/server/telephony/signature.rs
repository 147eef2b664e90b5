//! `X-Twilio-Signature`: HMAC-SHA1 over the URL and the sorted form
//! parameters, keyed by the auth token, in base64.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The signature Twilio sends for a request to `url` with form `params`
/// (empty for GET and websocket upgrades).
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(mac(auth_token, url, params).finalize().into_bytes())
}

fn mac(auth_token: &str, url: &str, params: &[(String, String)]) -> Hmac<Sha1> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut message = url.to_owned();
    for (name, value) in sorted {
        message.push_str(name);
        message.push_str(value);
    }
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    mac
}

/// Whether `signature` is valid for any accepted spelling of `url`: with
/// and without the default port, and (for websockets) `ws(s)` or `http(s)`.
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    let Ok(given) = STANDARD.decode(signature.trim()) else { return false };
    // verify_slice compares in constant time.
    spellings(url).iter().any(|u| mac(auth_token, u, params).verify_slice(&given).is_ok())
}

fn spellings(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    let swaps = [("wss://", "https://"), ("ws://", "http://"), ("https://", "wss://"), ("http://", "ws://")];
    for (from, to) in swaps {
        if let Some(rest) = url.strip_prefix(from) {
            out.push(format!("{to}{rest}"));
        }
    }
    let mut with_ports = Vec::new();
    for u in &out {
        for (scheme, port) in [("https://", ":443"), ("wss://", ":443"), ("http://", ":80"), ("ws://", ":80")] {
            if let Some(rest) = u.strip_prefix(scheme) {
                let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, String::new()));
                if let Some(bare) = host.strip_suffix(port) {
                    with_ports.push(format!("{scheme}{bare}{path}"));
                } else if !host.contains(':') {
                    with_ports.push(format!("{scheme}{host}{port}{path}"));
                }
            }
        }
    }
    out.extend(with_ports);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    /// The worked example from Twilio's security documentation.
    #[test]
    fn matches_twilios_documented_example() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let p = params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ]);
        let sig = sign("12345", url, &p);
        assert_eq!(sig, "GvWf1cFY/Q7PnoempGyD5oXAezc=");
        assert!(verify("12345", url, &p, &sig));
        assert!(!verify("wrong", url, &p, &sig));
        assert!(!verify("12345", url, &params(&[("CallSid", "CA1")]), &sig));
        assert!(!verify("12345", url, &p, "not base64!"));
    }

    #[test]
    fn accepts_the_other_spellings_of_the_url() {
        let sig = sign("tok", "wss://calls.example.com/api/relay", &[]);
        assert!(verify("tok", "https://calls.example.com/api/relay", &[], &sig));
        assert!(verify("tok", "wss://calls.example.com:443/api/relay", &[], &sig));
        let sig = sign("tok", "https://calls.example.com:443/api/webhooks/call-status", &[]);
        assert!(verify("tok", "https://calls.example.com/api/webhooks/call-status", &[], &sig));
    }
}
