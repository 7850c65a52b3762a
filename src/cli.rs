//! The command line, as clap sees it. Nothing below `plan` ever sees these
//! types: `plan::from_cli` turns them once into a validated plan.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Why does my client not trust this server, and what exactly do I change?
///
/// tlsdoctor connects once, keeps the certificate chain the server presented,
/// verifies it against Mozilla's roots (what certifi, httpx, Node and most
/// SDKs trust) and against the OS store (what curl and browsers trust), and
/// says what is wrong, who is doing it, and the fix for your tools.
///
/// Exit codes: 0 clean (or allowed), 1 a diagnosis, 2 bad usage or input,
/// 3 unreachable, 4 the output could not be written.
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
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Diagnose a certificate chain file offline (PEM or DER; - reads stdin).
    Inspect(InspectArgs),
    /// Audit the CA, TLS and proxy settings that decide trust for the tools on this machine.
    Env(EnvArgs),
    /// Write Mozilla's roots plus the root TARGET's chain needs, as one PEM bundle for every tool.
    Bundle(BundleArgs),
    /// Make the clients that fail for TARGET trust it (without turning verification off), prove it, and undo it.
    Fix(FixArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    #[command(hide = true)]
    Man,
}

/// The end of `check --help`, as curl's and ripgrep's help end.
const CHECK_EXAMPLES: &str = "\
Examples:
  tlsdoctor check api.openai.com
      Why does Python or Node not trust this endpoint here?
  tlsdoctor check pypi.org registry.npmjs.org --format json --allow corporate_interception
      In CI: one JSON report; exit 0 when the only problem is the known company proxy.
  tlsdoctor check api.example.com:8443 --resolve api.example.com:8443:127.0.0.1
      A local server: connect to 127.0.0.1, but send SNI and verify for api.example.com.";

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// host, host:port, [v6]:port or https://host[:port][/path]
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read more targets from FILE, one a line (# starts a comment).
    #[arg(long, value_name = "FILE")]
    pub targets_file: Option<PathBuf>,

    /// Skip the HTTP probe.
    #[arg(long)]
    pub no_http: bool,

    /// Probe each target N times (1-1000) and report how the attempts went.
    #[arg(
        long,
        value_name = "N",
        default_value = "1",
        allow_hyphen_values = true
    )]
    pub repeat: String,

    /// Seconds from the start of one attempt to the start of the next
    /// (fractions allowed; an attempt is never overlapped).
    #[arg(
        long,
        value_name = "SECS",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub interval: String,
    /// Another Python interpreter or venv directory to evaluate (repeatable).
    #[arg(long, value_name = "PATH")]
    pub python: Vec<PathBuf>,

    /// Exit 1 when any client found on this machine fails, even when the verdict is clean.
    #[arg(long)]
    pub require_clients: bool,
    /// Also run each client found here (curl, git, node, Python, pip, Java)
    /// against the target, once, and record what it did.
    #[arg(long)]
    pub run_clients: bool,

    #[command(flatten)]
    pub connect: ConnectArgs,

    #[command(flatten)]
    pub trust: TrustArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options of `inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Chain files: PEM (any order, text between blocks) or DER; - reads stdin.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// The name the chain must be valid for. Without it the chain is still
    /// diagnosed, and the report says the name was not checked.
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,

    #[command(flatten)]
    pub trust: TrustArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options of `env`.
#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Options of `fix`.
#[derive(Debug, Args)]
pub struct FixArgs {
    /// host, host:port, [v6addr]:port or https://host[:port]/path (not with --undo).
    #[arg(
        value_name = "TARGET",
        required_unless_present = "undo",
        conflicts_with = "undo"
    )]
    pub target: Option<String>,

    /// Make the changes (without it: print the plan and change nothing).
    #[arg(long, conflicts_with = "undo")]
    pub apply: bool,

    /// Revert exactly what earlier `fix --apply` runs recorded in the manifest.
    #[arg(long)]
    pub undo: bool,

    /// Another interpreter or venv directory to fix (repeatable).
    #[arg(long, value_name = "PATH")]
    pub python: Vec<PathBuf>,

    /// Also trust a self-signed server certificate itself (redo at every renewal).
    #[arg(long)]
    pub include_self_signed: bool,

    /// Run every client found against the target, before and after (the
    /// venvs' clients and every client a change touches are always run).
    #[arg(long, conflicts_with = "undo")]
    pub run_clients: bool,

    #[command(flatten)]
    pub connect: ConnectArgs,

    #[command(flatten)]
    pub trust: TrustArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Options of `bundle`.
#[derive(Debug, Args)]
pub struct BundleArgs {
    /// The endpoint whose root the bundle must include.
    #[arg(value_name = "TARGET")]
    pub target: String,

    /// Where to write the PEM bundle.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,

    /// Also accept a self-signed server certificate as the root to add.
    #[arg(long)]
    pub include_self_signed: bool,

    #[command(flatten)]
    pub connect: ConnectArgs,

    #[command(flatten)]
    pub trust: TrustArgs,

    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// How to reach targets.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Connect to ADDR for HOST:PORT, still sending SNI and verifying for HOST (as curl).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,

    /// Seconds allowed per stage (DNS, connect, proxy CONNECT, handshake, HTTP).
    #[arg(
        long,
        value_name = "SECS",
        default_value = "10",
        allow_hyphen_values = true
    )]
    pub timeout: String,

    /// Use this proxy (http://[user:pass@]host:port), overriding HTTPS_PROXY/ALL_PROXY/NO_PROXY.
    #[arg(long, value_name = "URL", conflicts_with = "no_proxy")]
    pub proxy: Option<String>,

    /// Connect directly, ignoring proxy variables.
    #[arg(long)]
    pub no_proxy: bool,
}

/// Which roots to verify against.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// Replace the built-in Mozilla roots with the roots in this PEM file (e.g. `python -m certifi`).
    #[arg(long, value_name = "PEM")]
    pub bundled_roots: Option<PathBuf>,

    /// Replace the OS store with the roots in this PEM file.
    #[arg(long, value_name = "PEM")]
    pub os_roots: Option<PathBuf>,

    /// Roots you declare as expected (repeatable): trusted by them is not a trust problem.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Vec<PathBuf>,
}

/// How to report, and what passes.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

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

impl ColorChoice {
    /// Whether to colour stdout: `--color`, then `NO_COLOR`, then whether it is a terminal.
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}
