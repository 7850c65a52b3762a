//! The binary: parse, run, map to the exit codes of DESIGN.md. Nothing else.

#![forbid(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::ExitCode;

use clap::Parser;
use tlsdoctor::{app, cli::Cli, error, exit, plan};

fn main() -> ExitCode {
    // One crypto provider, chosen once: aws-lc-rs (ML-KEM key shares; builds with a C compiler).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    // A bug must not look like a diagnosis: one line, no backtrace, and a request.
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("tlsdoctor: internal error{place}; this is a bug: please report it with the command you ran");
    }));

    // Lets the tests prove the hook above: there is no panic to trigger otherwise.
    if std::env::var_os("TLSDOCTOR_TEST_PANIC").is_some() {
        #[allow(clippy::panic)]
        {
            panic!("panic requested by TLSDOCTOR_TEST_PANIC");
        }
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(e),
    };
    match plan::from_cli(cli).and_then(app::run) {
        Ok(code) => code.into(),
        Err(e) => {
            // Errors quote files and servers: one line, escaped.
            let message = format!("{e:#}");
            eprintln!(
                "tlsdoctor: error: {}",
                tlsdoctor::untrusted::escape(&message)
            );
            error::exit_code_of(&e).into()
        }
    }
}

/// Help and version go to stdout with exit 0; usage errors become one line
/// on stderr with exit 2.
fn clap_exit(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                exit::ExitCode::Usage.into()
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            // clap's first paragraph, folded onto one line ("... not provided: --host <NAME>"),
            // then its tips.
            let rendered = e.render().to_string();
            let first = rendered
                .lines()
                .map(str::trim)
                .skip_while(|l| l.is_empty())
                .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
                .collect::<Vec<_>>()
                .join(" ");
            let first = first.trim_start_matches("error: ");
            // clap's tips carry the nearest subcommand, flag or value ("chek" → 'check').
            let tips: String = rendered
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("tip: "))
                .map(|l| format!("; {l}"))
                .collect();
            // The arguments quoted may hold anything: one line, escaped.
            let line = format!("{first}{tips}");
            let line = tlsdoctor::untrusted::escape(&line);
            eprintln!("tlsdoctor: error: {line} (see 'tlsdoctor --help')");
            exit::ExitCode::Usage.into()
        }
    }
}
