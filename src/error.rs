//! The two kinds of error a run can end with, so `main` can map each to its
//! exit code: bad usage or input (2) and a failure writing the output (4).
//!
//! Owns only the error types; must not print, exit or decide anything.

/// Bad usage or bad input: the message says what to change. Exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A usage error as an `anyhow::Error`.
pub fn usage(msg: impl std::fmt::Display) -> anyhow::Error {
    UsageError(msg.to_string()).into()
}

/// The output could not be written (a full disk, a closed file): exit 4.
/// A closed pipe is not one of these: it is success.
#[derive(Debug, thiserror::Error)]
#[error("{what}")]
pub struct OutputError {
    pub what: String,
    #[source]
    pub source: std::io::Error,
}

/// How a failed run ends: which [`crate::exit::ExitCode`] its error maps to.
pub fn exit_code_of(error: &anyhow::Error) -> crate::exit::ExitCode {
    if error.chain().any(|e| e.is::<OutputError>()) {
        crate::exit::ExitCode::IoError
    } else {
        crate::exit::ExitCode::Usage
    }
}
