//! Typed configuration, read once at start from the environment and an
//! optional `.env` file. Every problem is reported as one [`ConfigError`]
//! that names the variable and the fix.

use crate::domain::usage::ModelPrice;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A configuration problem: which variable, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn bad(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { var, message: message.into() }
}

/// A value that must never be printed (tokens, keys, passwords).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Which engine plans, converses and summarises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AiConfig {
    /// The built-in deterministic offline engine.
    Rules,
    /// Any OpenAI-compatible chat-completions server.
    OpenAi {
        api_key: Option<Secret>,
        base_url: Option<String>,
        model: String,
        /// Whether the rules engine answers when the model fails.
        fallback_to_rules: bool,
        /// How long one model request may take.
        timeout_secs: u64,
    },
}

/// Which phone network places the calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TelephonyConfig {
    /// The built-in sandbox network of simulated businesses.
    Sandbox,
    /// Twilio's REST API and ConversationRelay.
    Twilio { account_sid: String, auth_token: Secret, phone_number: String, api_base: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The whole server configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub site_addr: SocketAddr,
    /// Base URL the outside world reaches this server at, without a trailing
    /// slash, when configured; otherwise the bound address is used (see
    /// `AppState::public_url`). Webhook URLs and signature checks use it.
    pub public_url: Option<String>,
    pub ai: AiConfig,
    pub telephony: TelephonyConfig,
    pub data_dir: PathBuf,
    /// Base64 of the 32-byte data-at-rest key; generated into `data_dir`
    /// when absent.
    pub data_key: Option<Secret>,
    /// Whether anyone may sign up. When false, only the first account can be
    /// created (the owner of a self-hosted instance).
    pub allow_signup: bool,
    /// Whether the client's address is the last `X-Forwarded-For` entry (set
    /// only behind a reverse proxy that writes it), else the socket's peer.
    pub trust_proxy_headers: bool,
    pub limits: Limits,
    pub calls: CallSettings,
    /// Connections per database pool (there are two: requests and system work).
    pub pool_size: u32,
    pub log_format: LogFormat,
    /// `MODEL_PRICES`: US dollars per million prompt and completion tokens,
    /// by model name. A model not listed shows tokens without a price.
    pub model_prices: Vec<(String, ModelPrice)>,
}

impl Config {
    /// The configured price of `model`, if any.
    pub fn model_price(&self, model: &str) -> Option<ModelPrice> {
        self.model_prices.iter().find(|(name, _)| name == model).map(|(_, p)| *p)
    }
}

/// How live calls are bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSettings {
    /// How long the assistant waits for the user's approval mid-call.
    pub approval_timeout_secs: u64,
    /// Hard cap on a call's length.
    pub max_call_secs: u64,
    /// Calls one user may have live at once.
    pub max_concurrent_per_user: u32,
    /// The first retry of a failed call waits this long; each next one twice as long.
    pub retry_base_secs: u64,
    /// A live call whose server process has not reported for this long is
    /// recovered as failed.
    pub heartbeat_stale_secs: u64,
    /// After repeated failures of Twilio, how long calls are refused at once
    /// before one is tried again.
    pub breaker_pause_secs: u64,
    /// How long the sandbox's businesses take to say each character, so a
    /// call unfolds at a watchable pace (0: as fast as possible).
    pub sandbox_ms_per_char: u64,
    /// How long after a call ends Twilio is first asked what it cost; each
    /// next time (it had not priced it yet) twice as long.
    pub price_poll_secs: u64,
}

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            approval_timeout_secs: 120,
            max_call_secs: 600,
            max_concurrent_per_user: 3,
            retry_base_secs: 60,
            heartbeat_stale_secs: 30,
            breaker_pause_secs: 30,
            sandbox_ms_per_char: 40,
            price_poll_secs: 30,
        }
    }
}

/// Per-user rate limits. Counters live in PostgreSQL, so they hold across
/// server processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub tasks_per_minute: u32,
    /// Plan previews planned afresh (not reused) per user per minute.
    pub previews_per_minute: u32,
    pub calls_per_day: u32,
    /// Failed and successful sign-in attempts per e-mail and client address
    /// per 15 minutes (a stranger's guesses never lock the owner out).
    pub logins_per_quarter_hour: u32,
    /// Sign-in attempts per client address per 15 minutes, whatever e-mail.
    pub logins_per_client: u32,
    /// Sign-ups per client address per hour.
    pub signups_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            tasks_per_minute: 10,
            previews_per_minute: 30,
            calls_per_day: 50,
            logins_per_quarter_hour: 10,
            logins_per_client: 30,
            signups_per_hour: 20,
        }
    }
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/callwright";
pub const DEFAULT_SITE_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_OPENAI_MODEL: &str = "gpt-4o-mini";
/// Gemini's OpenAI-compatible endpoint, and the model asked there by default.
pub const GEMINI_BASE_URL: &str = "https://generativelanguage.googleapis.com/v1beta/openai/";
pub const DEFAULT_GEMINI_MODEL: &str = "gemini-2.5-flash";
pub const DEFAULT_TWILIO_API_BASE: &str = "https://api.twilio.com";

impl Config {
    /// Reads `.env` (if present; real environment variables win) and then the
    /// environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(bad(".env", format!("cannot read the .env file ({e}); fix or remove it"))),
        }
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from a variable look-up (the environment in
    /// production, a map in tests). Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(bad("DATABASE_URL", "must be a PostgreSQL URL such as postgres://user:password@host:5432/callwright"));
        }

        let addr_text = get("LEPTOS_SITE_ADDR").unwrap_or_else(|| DEFAULT_SITE_ADDR.to_owned());
        let site_addr: SocketAddr = addr_text.parse().map_err(|_| {
            bad("LEPTOS_SITE_ADDR", format!("`{addr_text}` is not an address; use IP:PORT such as 127.0.0.1:3000"))
        })?;

        let public_url = get("PUBLIC_URL").map(|url| parse_base_url("PUBLIC_URL", &url)).transpose()?;

        let fallback_to_rules = || match get("AI_FALLBACK").as_deref().unwrap_or("rules") {
            "rules" => Ok(true),
            "none" => Ok(false),
            other => Err(bad("AI_FALLBACK", format!("`{other}` is not supported; use `rules` or `none`"))),
        };
        let ai = match get("AI_BACKEND").as_deref().unwrap_or("rules") {
            "rules" => AiConfig::Rules,
            // Gemini by name: its OpenAI-compatible endpoint, through the same client.
            "gemini" => {
                let api_key = get("GEMINI_API_KEY")
                    .map(Secret)
                    .ok_or_else(|| bad("GEMINI_API_KEY", "is required with AI_BACKEND=gemini (a key from Google AI Studio)"))?;
                let base_url =
                    parse_base_url("GEMINI_BASE_URL", &get("GEMINI_BASE_URL").unwrap_or_else(|| GEMINI_BASE_URL.into()))?;
                AiConfig::OpenAi {
                    api_key: Some(api_key),
                    base_url: Some(base_url),
                    model: get("GEMINI_MODEL").unwrap_or_else(|| DEFAULT_GEMINI_MODEL.to_owned()),
                    fallback_to_rules: fallback_to_rules()?,
                    timeout_secs: parse_limit("GEMINI_TIMEOUT_SECS", get("GEMINI_TIMEOUT_SECS"), 20)? as u64,
                }
            }
            "openai" => {
                let base_url = get("OPENAI_BASE_URL").map(|u| parse_base_url("OPENAI_BASE_URL", &u)).transpose()?;
                let api_key = get("OPENAI_API_KEY").map(Secret);
                if api_key.is_none() && base_url.is_none() {
                    return Err(bad(
                        "OPENAI_API_KEY",
                        "is required with AI_BACKEND=openai (or set OPENAI_BASE_URL to a local OpenAI-compatible server)",
                    ));
                }
                AiConfig::OpenAi {
                    api_key,
                    base_url,
                    model: get("OPENAI_MODEL").unwrap_or_else(|| DEFAULT_OPENAI_MODEL.to_owned()),
                    fallback_to_rules: fallback_to_rules()?,
                    timeout_secs: parse_limit("OPENAI_TIMEOUT_SECS", get("OPENAI_TIMEOUT_SECS"), 20)? as u64,
                }
            }
            other => return Err(bad("AI_BACKEND", format!("`{other}` is not supported; use `rules`, `openai` or `gemini`"))),
        };

        let telephony = match get("TELEPHONY").as_deref().unwrap_or("sandbox") {
            "sandbox" => TelephonyConfig::Sandbox,
            "twilio" => {
                let required = |name: &'static str, what: &str| {
                    get(name).ok_or_else(|| bad(name, format!("is required with TELEPHONY=twilio ({what})")))
                };
                let account_sid = required("TWILIO_ACCOUNT_SID", "your Account SID, AC...")?;
                if !(account_sid.len() == 34 && account_sid.starts_with("AC")) {
                    return Err(bad("TWILIO_ACCOUNT_SID", "must be the 34-character Account SID starting with AC"));
                }
                let auth_token = Secret(required("TWILIO_AUTH_TOKEN", "the account's Auth Token")?);
                let phone_number = required("TWILIO_PHONE_NUMBER", "the Twilio number to call from, in E.164 form")?;
                if !is_e164(&phone_number) {
                    return Err(bad("TWILIO_PHONE_NUMBER", format!("`{phone_number}` is not E.164; write it like +14155550100")));
                }
                if get("PUBLIC_URL").is_none() {
                    return Err(bad(
                        "PUBLIC_URL",
                        "is required with TELEPHONY=twilio: the https URL at which Twilio reaches this server",
                    ));
                }
                let api_base = match get("TWILIO_API_BASE") {
                    Some(url) => parse_base_url("TWILIO_API_BASE", &url)?,
                    None => DEFAULT_TWILIO_API_BASE.to_owned(),
                };
                TelephonyConfig::Twilio { account_sid, auth_token, phone_number, api_base }
            }
            other => return Err(bad("TELEPHONY", format!("`{other}` is not supported; use `sandbox` or `twilio`"))),
        };

        let data_dir = PathBuf::from(get("CALLWRIGHT_DATA_DIR").unwrap_or_else(|| "./.data".to_owned()));

        let data_key = get("CALLWRIGHT_DATA_KEY").map(Secret);
        let allow_signup = parse_bool("ALLOW_SIGNUP", get("ALLOW_SIGNUP"), true)?;
        let defaults = Limits::default();
        let limits = Limits {
            tasks_per_minute: parse_limit(
                "RATE_LIMIT_TASKS_PER_MINUTE",
                get("RATE_LIMIT_TASKS_PER_MINUTE"),
                defaults.tasks_per_minute,
            )?,
            previews_per_minute: parse_limit(
                "RATE_LIMIT_PREVIEWS_PER_MINUTE",
                get("RATE_LIMIT_PREVIEWS_PER_MINUTE"),
                defaults.previews_per_minute,
            )?,
            calls_per_day: parse_limit("RATE_LIMIT_CALLS_PER_DAY", get("RATE_LIMIT_CALLS_PER_DAY"), defaults.calls_per_day)?,
            logins_per_quarter_hour: parse_limit(
                "RATE_LIMIT_LOGINS_PER_15_MIN",
                get("RATE_LIMIT_LOGINS_PER_15_MIN"),
                defaults.logins_per_quarter_hour,
            )?,
            logins_per_client: parse_limit(
                "RATE_LIMIT_LOGINS_PER_CLIENT_15_MIN",
                get("RATE_LIMIT_LOGINS_PER_CLIENT_15_MIN"),
                defaults.logins_per_client,
            )?,
            signups_per_hour: parse_limit(
                "RATE_LIMIT_SIGNUPS_PER_CLIENT_HOUR",
                get("RATE_LIMIT_SIGNUPS_PER_CLIENT_HOUR"),
                defaults.signups_per_hour,
            )?,
        };

        let call_defaults = CallSettings::default();
        let calls = CallSettings {
            approval_timeout_secs: parse_limit(
                "APPROVAL_TIMEOUT_SECS",
                get("APPROVAL_TIMEOUT_SECS"),
                call_defaults.approval_timeout_secs as u32,
            )? as u64,
            max_call_secs: parse_limit("MAX_CALL_SECS", get("MAX_CALL_SECS"), call_defaults.max_call_secs as u32)? as u64,
            max_concurrent_per_user: parse_limit(
                "MAX_CONCURRENT_CALLS",
                get("MAX_CONCURRENT_CALLS"),
                call_defaults.max_concurrent_per_user,
            )?,
            retry_base_secs: parse_limit("RETRY_BACKOFF_SECS", get("RETRY_BACKOFF_SECS"), call_defaults.retry_base_secs as u32)?
                as u64,
            heartbeat_stale_secs: parse_limit(
                "CALL_HEARTBEAT_STALE_SECS",
                get("CALL_HEARTBEAT_STALE_SECS"),
                call_defaults.heartbeat_stale_secs as u32,
            )? as u64,
            breaker_pause_secs: parse_limit(
                "BREAKER_PAUSE_SECS",
                get("BREAKER_PAUSE_SECS"),
                call_defaults.breaker_pause_secs as u32,
            )? as u64,
            price_poll_secs: parse_limit(
                "TWILIO_PRICE_POLL_SECS",
                get("TWILIO_PRICE_POLL_SECS"),
                call_defaults.price_poll_secs as u32,
            )? as u64,
            sandbox_ms_per_char: match get("SANDBOX_SPEECH_MS_PER_CHAR") {
                Some(v) => v
                    .trim()
                    .parse::<u16>()
                    .map_err(|_| {
                        bad("SANDBOX_SPEECH_MS_PER_CHAR", format!("`{v}` is not a whole number of milliseconds (0 to 65535)"))
                    })?
                    .into(),
                None => call_defaults.sandbox_ms_per_char,
            },
        };

        let log_format = match get("LOG_FORMAT").as_deref().unwrap_or("text") {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => return Err(bad("LOG_FORMAT", format!("`{other}` is not supported; use `text` or `json`"))),
        };

        Ok(Config {
            database_url,
            site_addr,
            public_url,
            ai,
            telephony,
            data_dir,
            data_key,
            allow_signup,
            trust_proxy_headers: parse_bool("TRUST_PROXY_HEADERS", get("TRUST_PROXY_HEADERS"), false)?,
            limits,
            calls,
            pool_size: parse_limit("DATABASE_POOL_SIZE", get("DATABASE_POOL_SIZE"), default_pool_size())?,
            log_format,
            model_prices: get("MODEL_PRICES").map(|v| parse_prices(&v)).transpose()?.unwrap_or_default(),
        })
    }
}

/// `gpt-4o-mini=0.15/0.60,gemini-2.5-flash=0.30/2.50`: per model, US
/// dollars per million prompt tokens / completion tokens.
fn parse_prices(text: &str) -> Result<Vec<(String, ModelPrice)>, ConfigError> {
    let mut prices: Vec<(String, ModelPrice)> = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let wrong = || {
            bad(
                "MODEL_PRICES",
                format!("`{entry}` is not MODEL=PROMPT/COMPLETION (US dollars per million tokens, e.g. gpt-4o-mini=0.15/0.60)"),
            )
        };
        let (model, rates) = entry.split_once('=').ok_or_else(wrong)?;
        let (prompt, completion) = rates.split_once('/').ok_or_else(wrong)?;
        let rate = |r: &str| r.trim().parse::<f64>().ok().filter(|r| r.is_finite() && *r >= 0.0 && *r < 1e6);
        let (Some(prompt), Some(completion)) = (rate(prompt), rate(completion)) else { return Err(wrong()) };
        let model = model.trim();
        if model.is_empty() || prices.iter().any(|(m, _)| m == model) {
            return Err(bad("MODEL_PRICES", format!("`{model}` is empty or listed twice")));
        }
        prices.push((model.to_owned(), ModelPrice { prompt_per_million: prompt, completion_per_million: completion }));
    }
    Ok(prices)
}

/// An http(s) base URL without a trailing slash.
fn parse_base_url(var: &'static str, url: &str) -> Result<String, ConfigError> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') && !url.contains(char::is_whitespace) => {
            Ok(url.trim_end_matches('/').to_owned())
        }
        _ => Err(bad(var, format!("`{url}` is not an http(s) URL; write it like https://example.com"))),
    }
}

fn parse_bool(var: &'static str, value: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(other) => Err(bad(var, format!("`{other}` is not a boolean; use true or false"))),
    }
}

/// Connections per pool: three per core, from 4 to 16. Fewer, busier
/// connections served 1,000 live calls on two cores with less PostgreSQL
/// CPU and lower latency than 16 did (`callwright bench --relay`, README).
fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
    (cores * 3).clamp(4, 16)
}

fn parse_limit(var: &'static str, value: Option<String>, default: u32) -> Result<u32, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(bad(var, format!("`{v}` is not a positive whole number"))),
        },
    }
}

fn is_e164(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or("");
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_account() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_url, None);
        assert_eq!(c.ai, AiConfig::Rules);
        assert_eq!(c.telephony, TelephonyConfig::Sandbox);
        assert_eq!(c.data_dir, PathBuf::from("./.data"));
        assert!(c.allow_signup);
        assert_eq!(c.limits, Limits::default());
        assert!(c.data_key.is_none());
    }

    #[test]
    fn model_prices_are_read_per_model() {
        let c = config(&[("MODEL_PRICES", " gpt-4o-mini=0.15/0.60 , local=0/0,")]).unwrap();
        assert_eq!(c.model_price("gpt-4o-mini"), Some(ModelPrice { prompt_per_million: 0.15, completion_per_million: 0.6 }));
        assert_eq!(c.model_price("local").map(|p| p.prompt_per_million), Some(0.0));
        assert_eq!(c.model_price("gpt-4o"), None);
        assert!(config(&[]).unwrap().model_prices.is_empty());
        for wrong in ["gpt", "gpt=1", "gpt=a/b", "gpt=-1/2", "=1/2", "a=1/2,a=2/3", "gpt=NaN/1", "gpt=inf/1"] {
            let e = config(&[("MODEL_PRICES", wrong)]).unwrap_err();
            assert_eq!(e.var, "MODEL_PRICES", "{wrong}");
        }
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (&[("LEPTOS_SITE_ADDR", "localhost")], "LEPTOS_SITE_ADDR"),
            (&[("PUBLIC_URL", "example.com")], "PUBLIC_URL"),
            (&[("AI_BACKEND", "gpt")], "AI_BACKEND"),
            (&[("AI_BACKEND", "openai")], "OPENAI_API_KEY"),
            (&[("AI_BACKEND", "openai"), ("OPENAI_API_KEY", "k"), ("AI_FALLBACK", "maybe")], "AI_FALLBACK"),
            (&[("AI_BACKEND", "openai"), ("OPENAI_BASE_URL", "localhost:11434")], "OPENAI_BASE_URL"),
            (&[("AI_BACKEND", "gemini")], "GEMINI_API_KEY"),
            (&[("AI_BACKEND", "gemini"), ("GEMINI_API_KEY", "k"), ("GEMINI_BASE_URL", "gemini.local")], "GEMINI_BASE_URL"),
            (&[("AI_BACKEND", "gemini"), ("GEMINI_API_KEY", "k"), ("AI_FALLBACK", "maybe")], "AI_FALLBACK"),
            (&[("TELEPHONY", "pots")], "TELEPHONY"),
            (&[("TELEPHONY", "twilio")], "TWILIO_ACCOUNT_SID"),
            (&[("TELEPHONY", "twilio"), ("TWILIO_ACCOUNT_SID", "XY123")], "TWILIO_ACCOUNT_SID"),
            (&[("LOG_FORMAT", "xml")], "LOG_FORMAT"),
            (&[("ALLOW_SIGNUP", "maybe")], "ALLOW_SIGNUP"),
            (&[("RATE_LIMIT_TASKS_PER_MINUTE", "0")], "RATE_LIMIT_TASKS_PER_MINUTE"),
            (&[("RATE_LIMIT_CALLS_PER_DAY", "many")], "RATE_LIMIT_CALLS_PER_DAY"),
        ];
        for (vars, var) in cases {
            let err = config(vars).expect_err(var);
            assert_eq!(err.var, *var, "{vars:?} → {err}");
            assert!(!err.message.is_empty());
        }
    }

    #[test]
    fn twilio_needs_every_credential_and_a_public_url() {
        let sid = "AC0123456789abcdef0123456789abcdef";
        let base: Vec<(&str, &str)> = vec![("TELEPHONY", "twilio"), ("TWILIO_ACCOUNT_SID", sid)];
        assert_eq!(config(&base).unwrap_err().var, "TWILIO_AUTH_TOKEN");
        let mut v = base.clone();
        v.push(("TWILIO_AUTH_TOKEN", "secret-token"));
        assert_eq!(config(&v).unwrap_err().var, "TWILIO_PHONE_NUMBER");
        v.push(("TWILIO_PHONE_NUMBER", "415-555-0100"));
        assert_eq!(config(&v).unwrap_err().var, "TWILIO_PHONE_NUMBER");
        v.pop();
        v.push(("TWILIO_PHONE_NUMBER", "+14155550100"));
        assert_eq!(config(&v).unwrap_err().var, "PUBLIC_URL");
        v.push(("PUBLIC_URL", "https://calls.example.com/"));
        let c = config(&v).unwrap();
        assert_eq!(c.public_url.as_deref(), Some("https://calls.example.com"));
        match c.telephony {
            TelephonyConfig::Twilio { api_base, auth_token, .. } => {
                assert_eq!(api_base, DEFAULT_TWILIO_API_BASE);
                assert_eq!(format!("{auth_token:?}"), "Secret(***)");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn openai_accepts_a_local_server_without_key() {
        let c = config(&[("AI_BACKEND", "openai"), ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1/")]).unwrap();
        assert_eq!(
            c.ai,
            AiConfig::OpenAi {
                api_key: None,
                base_url: Some("http://127.0.0.1:11434/v1".into()),
                model: DEFAULT_OPENAI_MODEL.into(),
                fallback_to_rules: true,
                timeout_secs: 20,
            }
        );
    }

    #[test]
    fn gemini_by_name_is_its_openai_compatible_endpoint() {
        let c = config(&[("AI_BACKEND", "gemini"), ("GEMINI_API_KEY", "g-secret")]).unwrap();
        match &c.ai {
            AiConfig::OpenAi { api_key, base_url, model, fallback_to_rules, timeout_secs } => {
                assert_eq!(api_key.as_ref().map(|k| k.expose()), Some("g-secret"));
                assert_eq!(base_url.as_deref(), Some("https://generativelanguage.googleapis.com/v1beta/openai"));
                assert_eq!((model.as_str(), *fallback_to_rules, *timeout_secs), (DEFAULT_GEMINI_MODEL, true, 20));
            }
            other => panic!("{other:?}"),
        }
        assert!(!format!("{c:?}").contains("g-secret"));
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let c = config(&[("AI_BACKEND", "openai"), ("OPENAI_API_KEY", "sk-very-secret")]).unwrap();
        assert!(!format!("{c:?}").contains("sk-very-secret"));
    }
}
