//! The TwiML that connects a call to the ConversationRelay websocket.

use crate::server::markup::escape;

/// Voices by the settings' `voice_preference` (Google voices via ConversationRelay).
pub fn voice_for(preference: &str, language: &str) -> String {
    let variant = match preference {
        "professional_female" | "friendly_female" => "Chirp3-HD-Aoede",
        "calm_neutral" => "Chirp3-HD-Kore",
        _ => "Chirp3-HD-Charon",
    };
    format!("{language}-{variant}")
}

pub struct Relay<'a> {
    /// `wss://host/api/relay`.
    pub relay_url: &'a str,
    /// Where Twilio posts when the relay session ends.
    pub action_url: &'a str,
    pub language: &'a str,
    pub voice: &'a str,
    pub session_id: &'a str,
}

pub fn conversation_relay(r: &Relay<'_>) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n  <Connect action=\"{}\">\n    <ConversationRelay url=\"{}\" language=\"{}\" voice=\"{}\" ttsProvider=\"Google\" interruptible=\"any\" dtmfDetection=\"true\">\n      <Parameter name=\"session_id\" value=\"{}\"/>\n    </ConversationRelay>\n  </Connect>\n</Response>\n",
        escape(r.action_url),
        escape(r.relay_url),
        escape(r.language),
        escape(r.voice),
        escape(r.session_id)
    )
}

/// The value of `attr` on the first `<tag ...>` in `xml` (for the sandbox,
/// which reads the TwiML like Twilio does).
pub fn attribute(xml: &str, tag: &str, attr: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag} "))?;
    let element = &xml[start..start + xml[start..].find('>')?];
    let key = format!(" {attr}=\"");
    let at = element.find(&key)? + key.len();
    let value = &element[at..at + element[at..].find('"')?];
    Some(value.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&apos;", "'").replace("&amp;", "&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_twiml_round_trips_through_the_reader() {
        let xml = conversation_relay(&Relay {
            relay_url: "wss://calls.example.com/api/relay",
            action_url: "https://calls.example.com/api/webhooks/relay-ended?a=1&b=2",
            language: "en-US",
            voice: "en-US-Chirp3-HD-Charon",
            session_id: "5b4f",
        });
        assert!(xml.contains("&amp;b=2"));
        assert_eq!(attribute(&xml, "ConversationRelay", "url").as_deref(), Some("wss://calls.example.com/api/relay"));
        assert_eq!(
            attribute(&xml, "Connect", "action").as_deref(),
            Some("https://calls.example.com/api/webhooks/relay-ended?a=1&b=2")
        );
        assert_eq!(attribute(&xml, "Parameter", "value").as_deref(), Some("5b4f"));
    }
}
