//! The one stdout writer and the report formats (the report layer's own
//! `Format`; clap's stays in `cli`).
//!
//! Owns writing finished text to stdout; must not build or decide any text.

use std::io::Write;

use crate::error::OutputError;

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Markdown,
}

/// Write to stdout; a closed pipe (`| head`) is not an error, any other
/// failure is an [`OutputError`] (exit 4).
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(OutputError {
            what: "cannot write the output".to_string(),
            source: e,
        }
        .into()),
        Ok(()) => Ok(()),
    }
}
