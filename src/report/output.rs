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
    let mut out = Stdout::default();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) => Err(OutputError {
            what: "cannot write the output".to_string(),
            source: e,
        }
        .into()),
        Ok(()) => Ok(()),
    }
}

/// stdout for output written in pieces: once the pipe is closed (`| head`)
/// the rest is dropped without an error; any other failure is returned.
#[derive(Debug, Default)]
pub struct Stdout {
    closed: bool,
}

impl Stdout {
    fn unless_closed(
        &mut self,
        done: usize,
        op: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<usize>,
    ) -> std::io::Result<usize> {
        if self.closed {
            return Ok(done);
        }
        match op(&mut std::io::stdout().lock()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(done)
            }
            other => other,
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.unless_closed(buf.len(), |out| out.write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.unless_closed(0, |out| out.flush().map(|_| 0))
            .map(|_| ())
    }
}
