//! The `callwright` command line.

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The binary is built with the `ssr` feature; the browser build has no `main`.
#[cfg(not(feature = "ssr"))]
fn main() {}

#[cfg(feature = "ssr")]
mod cli {
    use callwright::server::{self, config::Config};
    use std::process::ExitCode;

    const USAGE: &str = "\
callwright: a self-hostable AI calling assistant

Usage:
  callwright [serve]     run the web app (default); the database is created and migrated first
  callwright migrate     create the database if missing, apply migrations, and exit
  callwright --help      show this help
  callwright --version   show the version

Configuration comes from the environment and an optional .env file; see README.md.
";

    enum Command {
        Serve,
        Migrate,
    }

    /// Exit code for configuration and start-up failures.
    const EXIT_CONFIG: u8 = 2;

    pub fn main() -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let command = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [] | ["serve"] => Command::Serve,
            ["migrate"] => Command::Migrate,
            ["-h" | "--help" | "help"] => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            ["-V" | "--version"] => {
                println!("callwright {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("callwright: unknown arguments `{}`\n\n{USAGE}", other.join(" "));
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

        let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("callwright: cannot start the async runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        let result = runtime.block_on(async move {
            match command {
                Command::Serve => server::serve(config).await,
                Command::Migrate => server::migrate(&config).await,
            }
        });
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("callwright: {e}");
                ExitCode::from(EXIT_CONFIG)
            }
        }
    }
}
