//! Text from a server or a file, made safe for a terminal: every character
//! that could move the cursor, change colours, set the window title, write
//! the clipboard (OSC 52), make a link (OSC 8), or reorder what is shown
//! (bidi overrides) is written as a visible escape instead; a long string is
//! cut, saying how many characters were left out. Pure; prints nothing.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The most characters of one untrusted name (a subject, a host, a path)
/// shown on a terminal line.
pub const MAX_SHOWN: usize = 256;

/// The most characters of one sentence that quotes untrusted names (a
/// finding's summary or detail): long enough for any of tlsdoctor's own.
pub const MAX_TEXT: usize = 2_000;

/// Whether `c` must not reach a terminal as itself: C0 controls, DEL, C1
/// controls (U+0080–U+009F, e.g. U+009B, an 8-bit CSI), and the invisible
/// format characters that reorder or hide text (bidi marks, embeddings,
/// overrides and isolates, zero-width characters, line and paragraph
/// separators, the byte-order mark, interlinear annotations).
pub fn must_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{ad}'
        | '\u{61c}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
    )
}

/// Write `c` as a visible escape: `\n`, `\r`, `\t`, `\x1b`, `\u{202e}`.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `text` with every character [`must_escape`] finds written as a visible
/// escape. Borrowed when nothing needed escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(must_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if must_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` cut to at most `max` characters (counted in `char`s), ending with
/// `… (N more characters)` when something was left out.
pub fn cut(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => {
            let (kept, rest) = text.split_at(end);
            let more = rest.chars().count();
            Cow::Owned(format!("{kept}… ({more} more characters)"))
        }
    }
}

/// One untrusted string for a terminal: escaped, then cut at [`MAX_SHOWN`].
pub fn for_terminal(text: &str) -> String {
    for_terminal_max(text, MAX_SHOWN)
}

/// [`for_terminal`] with another limit (a headline, a list of names).
/// The cut is made before escaping so that an escape is never split.
pub fn for_terminal_max(text: &str, max: usize) -> String {
    let cut_text = cut(text, max);
    escape(&cut_text).into_owned()
}

/// A list of untrusted names joined with `", "`, showing at most `max`
/// names and saying how many more there are.
pub fn list(names: &[String], max: usize) -> String {
    let mut shown: Vec<String> = names.iter().take(max).map(|n| for_terminal(n)).collect();
    if names.len() > max {
        shown.push(format!("and {} more", names.len() - max));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        assert_eq!(escape("a\x1b]0;title\x07b"), "a\\x1b]0;title\\x07b");
        assert_eq!(escape("x\u{9b}31m"), "x\\u{9b}31m");
        assert_eq!(escape("evil\u{202e}gpj.exe"), "evil\\u{202e}gpj.exe");
        assert_eq!(escape("a\r\nb\x08\x7f"), "a\\r\\nb\\x08\\x7f");
        assert_eq!(escape("\u{feff}x\u{2066}"), "\\u{feff}x\\u{2066}");
        assert!(matches!(escape("plain café ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn cut_says_how_much_was_left_out() {
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdef", 4), "abcd… (2 more characters)");
        assert_eq!(cut("ééé", 1), "é… (2 more characters)");
        let long = "x".repeat(100_000);
        assert!(for_terminal(&long).len() < MAX_SHOWN + 40);
    }

    #[test]
    fn list_says_how_many_more() {
        let names: Vec<String> = (0..1700).map(|i| format!("n{i}.example")).collect();
        let shown = list(&names, 3);
        assert_eq!(shown, "n0.example, n1.example, n2.example, and 1697 more");
    }

    proptest! {
        #[test]
        fn no_control_or_format_character_survives(text in any::<String>()) {
            let shown = for_terminal(&text);
            prop_assert!(!shown.chars().any(must_escape), "{shown:?}");
        }

        #[test]
        fn escaping_keeps_every_other_character(text in any::<String>()) {
            let kept: String = text.chars().filter(|c| !must_escape(*c)).collect();
            let shown = escape(&text);
            let visible: String = shown.chars().filter(|c| !must_escape(*c)).collect();
            // What was printable is still there, in order.
            let mut rest = visible.as_str();
            for c in kept.chars() {
                let at = rest.find(c);
                prop_assert!(at.is_some());
                rest = &rest[at.unwrap_or(0) + c.len_utf8()..];
            }
        }
    }
}
