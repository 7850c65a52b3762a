//! `tlsdoctor bundle`: Mozilla's roots plus the root a target needs, as one
//! PEM file. (Placeholder until the corporate-network work lands.)

use std::path::PathBuf;

use crate::app::Judged;
use crate::exit::ExitCode;
use crate::trust::verify::Stores;

/// Where and how to write the bundle.
#[derive(Debug, Clone)]
pub struct BundleOptions {
    pub out: PathBuf,
    pub force: bool,
    pub include_self_signed: bool,
}

/// Refuse an existing destination without `--force` (before probing).
pub fn check_destination(options: &BundleOptions) -> anyhow::Result<()> {
    if options.out.exists() && !options.force {
        return Err(crate::app::usage(format!(
            "{} exists; use --force to replace it",
            options.out.display()
        )));
    }
    Ok(())
}

/// Write the bundle for a judged target.
pub fn run(
    _judged: &Judged,
    _stores: &Stores,
    _options: &BundleOptions,
    _color: bool,
) -> anyhow::Result<ExitCode> {
    Err(crate::app::usage("tlsdoctor bundle is not implemented yet"))
}
