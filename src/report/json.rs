//! The JSON output (`--format json`, schema_version 1) of every command:
//! one object, stable field names (DESIGN.md). Serde does the work; this
//! module only decides the layout (pretty, trailing newline). For `check`
//! the document is written in pieces ([`opening`], one [`target`] each,
//! [`closing`]) that join into exactly what serde writes for the whole
//! [`Report`], so many targets never sit in memory at once.

use serde::Serialize;

use super::stream::Header;
use super::{EnvironmentReport, Report, TargetReport};

/// Render the report as pretty JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    super::stream::render_all(report, super::Format::Json, false)
}

/// Any serializable output value as pretty JSON with a trailing newline.
pub fn to_json<T: Serialize>(value: &T) -> String {
    let mut out = pretty(value);
    out.push('\n');
    out
}

fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The document up to the opening of `targets`.
pub fn opening(header: &Header) -> String {
    let field = |name: &str, value: &str| format!("  \"{name}\": {},\n", pretty(&value));
    let mut out = format!("{{\n  \"schema_version\": {},\n", super::SCHEMA_VERSION);
    out.push_str(&field("tool_version", header.tool_version));
    out.push_str(&field("generated_at", &header.generated_at));
    if let Some(at) = &header.at {
        out.push_str(&field("at", at));
    }
    out.push_str("  \"targets\": [");
    out
}

/// One target as an element of `targets` (indented to its depth).
pub fn target(t: &TargetReport) -> String {
    indented(&pretty(t), "    ", true)
}

/// The separator before an element of `targets`, and the element.
pub fn element(target: &str, first: bool) -> String {
    let sep = if first { "\n" } else { ",\n" };
    format!("{sep}{target}")
}

/// The end of `targets`, the environment and the end of the document.
pub fn closing(environment: &EnvironmentReport, any_target: bool) -> String {
    let end = if any_target { "\n  ]" } else { "]" };
    format!(
        "{end},\n  \"environment\": {}\n}}\n",
        indented(&pretty(environment), "  ", false)
    )
}

/// Every line of `text` indented by `by` (the first too, when `first`).
/// Pretty JSON has no newline inside a string, so this only moves lines.
fn indented(text: &str, by: &str, first: bool) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if i > 0 || first {
            out.push_str(by);
        }
        out.push_str(line);
    }
    out
}
