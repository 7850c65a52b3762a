//! The JSON report (`--format json`, schema_version 1): one object, stable
//! field names (DESIGN.md). Serde does the work; this module only decides
//! the layout (pretty, trailing newline).

use super::Report;

/// Render the report as pretty JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    let mut out =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
