//! The command line, as clap sees it. Nothing below `app` ever sees these
//! types: `app` turns them once into a validated plan.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Why does my client not trust this server, and what exactly do I change?
///
/// tlsdoctor connects once, keeps the certificate chain the server presented,
/// verifies it against Mozilla's roots (what certifi, httpx, Node and most
/// SDKs trust) and against the OS store (what curl and browsers trust), and
/// says what is wrong, who is doing it, and the fix for your tools.
#[derive(Debug, Parser)]
#[command(
    name = "tlsdoctor",
    version,
    about,
    long_about,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose TLS endpoints (no TARGET: a built-in list of common developer endpoints).
    Check(CheckArgs),
}

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// host, host:port, [v6]:port or https://host[:port][/path]
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read more targets from FILE, one a line (# starts a comment).
    #[arg(long, value_name = "FILE")]
    pub targets_file: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Connect to ADDR for HOST:PORT, still sending SNI and verifying for HOST (as curl).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,

    /// Replace the built-in Mozilla roots with the roots in this PEM file (e.g. `python -m certifi`).
    #[arg(long, value_name = "PEM")]
    pub bundled_roots: Option<PathBuf>,

    /// Replace the OS store with the roots in this PEM file.
    #[arg(long, value_name = "PEM")]
    pub os_roots: Option<PathBuf>,

    /// Roots you declare as expected (repeatable): trusted by them is not a trust problem.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Vec<PathBuf>,

    /// Seconds allowed per stage (DNS, connect, handshake).
    #[arg(
        long,
        value_name = "SECS",
        default_value = "10",
        allow_hyphen_values = true
    )]
    pub timeout: String,

    /// Skip the HTTP probe.
    #[arg(long)]
    pub no_http: bool,

    /// Treat this verdict as passing for the exit code (repeatable).
    #[arg(long, value_name = "VERDICT")]
    pub allow: Vec<String>,

    /// Verify and diagnose as of this time (RFC 3339, e.g. 2027-01-01T00:00:00Z).
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,

    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print nothing; the exit code says it all.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Markdown,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
