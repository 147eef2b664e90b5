//! The `callwright` command line.

#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The binary is built with the `ssr` feature; the browser build has no `main`.
#[cfg(not(feature = "ssr"))]
fn main() {}

#[cfg(feature = "ssr")]
mod cli {
    use callwright::server::{self, cli::CliError, config::Config};
    use std::process::ExitCode;

    const USAGE: &str = "\
callwright: a self-hostable AI calling assistant

Usage:
  callwright [serve]     run the web app (default); the database is created and migrated first
  callwright migrate     create the database if missing, apply migrations, and exit
  callwright plan \"<instruction>\" [--region US] [--today YYYY-MM-DD]
                         plan a call with the configured AI engine and print JSON (no database)
  callwright summarize --transcript FILE [--plan FILE] [--call-date YYYY-MM-DD]
                         summarise a transcript ([{\"speaker\", \"content\", \"timestamp_ms\"}]) as JSON
  callwright bench [--calls N]
                         run N concurrent sandbox calls on a scratch database and report latencies and memory
  callwright bench --page-tasks N [--requests M]
                         render the task list page with N tasks (at most 100) M times and report its latency
  callwright bench --insights N [--requests M]
                         the Insights numbers over N calls of one user, M times over HTTP
  callwright bench --search N [--requests M]
                         search N finished calls (ten lines, a summary and three facts each) M times over HTTP
  callwright bench --relay N [--turns 5] [--model-ms 200] [--ramp-secs 3]
                         start this server in Twilio mode and drive N concurrent calls over its sockets as
                         Twilio would, with `mock-model` as the model; report overhead, CPU and memory
  callwright mock-model [--addr 127.0.0.1:8089] [--delay-ms 200]
                         an OpenAI-compatible endpoint answering live turns after a fixed delay (benchmarks)
  callwright --help      show this help
  callwright --version   show the version

Configuration comes from the environment and an optional .env file; see README.md.
";

    enum Command {
        Serve,
        Migrate,
        Plan { instruction: String, region: Option<String>, today: Option<String> },
        Summarize { transcript: String, plan: Option<String>, call_date: Option<String> },
        Bench { bench: server::bench::Bench },
        MockModel { addr: std::net::SocketAddr, delay_ms: u64 },
    }

    /// Exit code for usage, configuration and start-up failures.
    const EXIT_CONFIG: u8 = 2;

    /// Positional arguments, and `--flag value` pairs.
    type Parsed = (Vec<String>, Vec<(String, String)>);

    /// `--flag value` pairs after the positional arguments.
    fn flags(args: &[String], allowed: &[&str]) -> Result<Parsed, String> {
        let mut positional = Vec::new();
        let mut pairs = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let (name, value) = match name.split_once('=') {
                    Some((n, v)) => (n.to_owned(), v.to_owned()),
                    None => (name.to_owned(), it.next().ok_or_else(|| format!("--{name} needs a value"))?.clone()),
                };
                if !allowed.contains(&name.as_str()) {
                    return Err(format!("unknown option --{name}"));
                }
                pairs.push((name, value));
            } else {
                positional.push(a.clone());
            }
        }
        Ok((positional, pairs))
    }

    fn parse(args: &[String]) -> Result<Option<Command>, String> {
        let get = |pairs: &[(String, String)], k: &str| pairs.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        match args.first().map(String::as_str) {
            None | Some("serve") if args.len() <= 1 => Ok(Some(Command::Serve)),
            Some("migrate") if args.len() == 1 => Ok(Some(Command::Migrate)),
            Some("-h" | "--help" | "help") => Ok(None),
            Some("plan") => {
                let (pos, pairs) = flags(&args[1..], &["region", "today"])?;
                match pos.as_slice() {
                    [instruction] if !instruction.trim().is_empty() => Ok(Some(Command::Plan {
                        instruction: instruction.clone(),
                        region: get(&pairs, "region"),
                        today: get(&pairs, "today"),
                    })),
                    _ => Err("plan takes one quoted instruction".into()),
                }
            }
            Some("summarize") => {
                let (pos, pairs) = flags(&args[1..], &["transcript", "plan", "call-date"])?;
                if !pos.is_empty() {
                    return Err(format!("unexpected argument `{}`", pos[0]));
                }
                let transcript = get(&pairs, "transcript").ok_or("summarize needs --transcript FILE")?;
                Ok(Some(Command::Summarize { transcript, plan: get(&pairs, "plan"), call_date: get(&pairs, "call-date") }))
            }
            Some("bench") => {
                let (pos, pairs) = flags(
                    &args[1..],
                    &["calls", "page-tasks", "requests", "relay", "turns", "model-ms", "ramp-secs", "search", "insights"],
                )?;
                if !pos.is_empty() {
                    return Err(format!("unexpected argument `{}`", pos[0]));
                }
                let count = |name: &str, default: &str, max: usize| {
                    let text = get(&pairs, name).unwrap_or_else(|| default.into());
                    text.parse::<usize>()
                        .ok()
                        .filter(|n| (1..=max).contains(n))
                        .ok_or(format!("--{name} must be a number from 1 to {max}, not `{text}`"))
                };
                let modes =
                    ["calls", "page-tasks", "relay", "search", "insights"].iter().filter(|m| get(&pairs, m).is_some()).count();
                if modes > 1 {
                    return Err("use one of --calls, --page-tasks, --relay, --search and --insights".into());
                }
                let bench = if get(&pairs, "relay").is_some() {
                    server::bench::Bench::Relay(server::bench::relay::RelayBench {
                        calls: count("relay", "100", 20_000)?,
                        turns: count("turns", "5", 1_000)?,
                        model_ms: count("model-ms", "200", 60_000)? as u64,
                        ramp_secs: count("ramp-secs", "3", 3_600)? as u64,
                    })
                } else if get(&pairs, "search").is_some() {
                    server::bench::Bench::Search {
                        calls: count("search", "10000", 1_000_000)?,
                        requests: count("requests", "500", 100_000)?,
                    }
                } else if get(&pairs, "insights").is_some() {
                    server::bench::Bench::Insights {
                        calls: count("insights", "100000", 1_000_000)?,
                        requests: count("requests", "500", 100_000)?,
                    }
                } else if get(&pairs, "page-tasks").is_some() {
                    server::bench::Bench::TaskPage {
                        tasks: count("page-tasks", "100", 100)?,
                        requests: count("requests", "500", 100_000)?,
                    }
                } else {
                    server::bench::Bench::Calls(count("calls", "100", 100_000)?)
                };
                Ok(Some(Command::Bench { bench }))
            }
            Some("mock-model") => {
                let (pos, pairs) = flags(&args[1..], &["addr", "delay-ms"])?;
                if !pos.is_empty() {
                    return Err(format!("unexpected argument `{}`", pos[0]));
                }
                let addr = get(&pairs, "addr").unwrap_or_else(|| "127.0.0.1:8089".into());
                let addr = addr.parse().map_err(|_| format!("--addr must be an address like 127.0.0.1:8089, not `{addr}`"))?;
                let delay = get(&pairs, "delay-ms").unwrap_or_else(|| "200".into());
                let delay_ms = delay.parse().map_err(|_| format!("--delay-ms must be a whole number, not `{delay}`"))?;
                Ok(Some(Command::MockModel { addr, delay_ms }))
            }
            _ => Err(format!("unknown arguments `{}`", args.join(" "))),
        }
    }

    pub fn main() -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if matches!(args.as_slice(), [a] if a == "-V" || a == "--version") {
            println!("callwright {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        let command = match parse(&args) {
            Ok(Some(c)) => c,
            Ok(None) => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Err(e) => {
                eprintln!("callwright: {e}\n\n{USAGE}");
                return ExitCode::from(EXIT_CONFIG);
            }
        };

        let config = match Config::from_env() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("callwright: configuration error: {e}");
                return ExitCode::from(EXIT_CONFIG);
            }
        };
        server::init_tracing(config.log_format);
        server::crypto::install_tls_provider();

        let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("callwright: cannot start the async runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        runtime.block_on(async move {
            let printed = match command {
                Command::Serve => return exit(server::serve(config).await),
                Command::Migrate => return exit(server::migrate(&config).await),
                Command::Plan { instruction, region, today } => {
                    server::cli::plan(&config, &instruction, region.as_deref(), today.as_deref()).await
                }
                Command::Summarize { transcript, plan, call_date } => {
                    server::cli::summarize(&config, &transcript, plan.as_deref(), call_date.as_deref()).await
                }
                Command::Bench { bench } => server::bench::run(config, bench).await.map_err(CliError::Failed),
                Command::MockModel { addr, delay_ms } => {
                    server::bench::mock_model::serve(addr, std::time::Duration::from_millis(delay_ms))
                        .await
                        .map(|()| serde_json::Value::Null)
                        .map_err(CliError::Failed)
                }
            };
            match printed {
                Ok(value) => {
                    println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
                    ExitCode::SUCCESS
                }
                Err(CliError::Usage(e)) => {
                    eprintln!("callwright: {e}");
                    ExitCode::from(EXIT_CONFIG)
                }
                Err(CliError::Failed(e)) => {
                    eprintln!("callwright: {e}");
                    ExitCode::FAILURE
                }
            }
        })
    }

    fn exit(result: Result<(), server::StartError>) -> ExitCode {
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("callwright: {e}");
                ExitCode::from(EXIT_CONFIG)
            }
        }
    }
}
