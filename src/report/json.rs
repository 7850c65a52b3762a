//! The JSON output (`--format json`, schema_version 1) of every command:
//! one object, stable field names (DESIGN.md). Serde does the work; this
//! module only decides the layout (pretty, trailing newline).

use serde::Serialize;

use super::Report;

/// Render the report as pretty JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    to_json(report)
}

/// Any serializable output value as pretty JSON with a trailing newline.
pub fn to_json<T: Serialize>(value: &T) -> String {
    let mut out =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
