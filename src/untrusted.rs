//! Untrusted text: everything a server, a file or the user's environment
//! put into a string that tlsdoctor prints. Two entry points, one place to
//! change: [`escape`] before display (renderers call it for every server or
//! file string), and redaction of secrets ([`redact_url`], [`redact_proxy`])
//! before a value enters a report.
//!
//! Owns the escaping and redaction rules; must not decide or render anything
//! else. A leaf module: every stage may use it, it imports no stage.

use std::borrow::Cow;

/// Text from a server or a file, made safe to print on a terminal or in
/// markdown: control characters (escape sequences, carriage returns, NUL…)
/// become visible `\u{..}` escapes. Ordinary text comes back unchanged.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A URL-ish string without what must never be printed: userinfo
/// (`user:password@`) and query values (`?token=…`).
pub fn redact_url(input: &str) -> String {
    crate::target::redact(input)
}

/// Proxy text that may not parse (a `*_PROXY` value, `--proxy`), with its
/// userinfo removed and any path or query cut: a proxy URL needs neither.
pub fn redact_proxy(text: &str) -> String {
    let text = text.trim();
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, text),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (authority, removed) = match authority.rsplit_once('@') {
        Some((_, host)) => (host, true),
        None => (authority, false),
    };
    // A path or query could hold a secret too; a proxy URL needs neither.
    let tail = if tail.is_empty() { "" } else { "/…" };
    let mut out = match scheme {
        Some(s) => format!("{s}://{authority}{tail}"),
        None => format!("{authority}{tail}"),
    };
    if removed {
        out.push_str(" (credentials removed)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_shows_control_characters_and_keeps_text() {
        assert_eq!(escape("api.example.com"), "api.example.com");
        assert_eq!(escape("a\x1b[31mred"), "a\\u{1b}[31mred");
        assert_eq!(escape("line\r\nnext"), "line\\u{d}\\u{a}next");
    }

    #[test]
    fn redact_proxy_drops_userinfo_and_paths() {
        assert_eq!(
            redact_proxy("http://u:p@h:1"),
            "http://h:1 (credentials removed)"
        );
        assert_eq!(
            redact_proxy("u:p@h:1/x?token=1"),
            "h:1/… (credentials removed)"
        );
        assert_eq!(redact_proxy("http://h:1"), "http://h:1");
    }
}
