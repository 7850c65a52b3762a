/*!
Untrusted text and untrusted files: everything a server or a file gives
tlsdoctor is data, never markup or control (DESIGN.md, "Untrusted input").

This module owns the one way each kind of untrusted input becomes safe:

- [`terminal`]: text for a terminal — C0/C1 controls, DEL and bidi/format
  characters shown escaped (`\x1b`, `\u{202e}`), long strings cut saying how
  much was cut;
- [`markdown`]: text for a Markdown ticket — escaped for Markdown and HTML,
  code spans and fences sized to their content;
- [`redact`]: the one redactor for URLs, proxy URLs, config keys and
  `Authorization` values (secrets never reach any output);
- [`files`]: reading a file the user named through a byte limit.

It decides nothing about TLS and prints nothing; renderers call it. A leaf
module: every stage may use it, it imports no stage.
*/

use std::borrow::Cow;

pub mod files;
pub mod markdown;
pub mod redact;
pub mod terminal;

pub use files::{read_limited, strip_bom, ReadLimitError};
pub use redact::{redact_config_key, redact_header_value, redact_proxy, redact_url};
pub use terminal::{cut, for_terminal, for_terminal_max};

/// The one entry point for a server or file string shown on a terminal
/// (renderers call it for every such string, alone or inside a sentence):
/// control and format characters escaped, and cut at
/// [`terminal::MAX_TEXT`] characters saying how much was cut. Ordinary text
/// comes back borrowed.
pub fn escape(text: &str) -> Cow<'_, str> {
    match terminal::cut(text, terminal::MAX_TEXT) {
        Cow::Borrowed(t) => terminal::escape(t),
        Cow::Owned(t) => Cow::Owned(terminal::escape(&t).into_owned()),
    }
}
