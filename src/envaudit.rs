//! `tlsdoctor env`: an audit of what decides trust for the tools on this
//! machine. (Placeholder until the corporate-network work lands.)

use crate::cli::Format;
use crate::exit::ExitCode;

/// Audit the environment and print the result.
pub fn run(_format: Format, _color: bool) -> anyhow::Result<ExitCode> {
    Err(crate::app::usage("tlsdoctor env is not implemented yet"))
}
