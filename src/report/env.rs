//! `tlsdoctor env`'s renderers: the audit as human text, JSON or markdown.
//!
//! Formats an [`Audit`] only; must not judge (that is [`crate::audit`]) or
//! read the machine. Every string from the machine goes through
//! [`crate::untrusted::escape`].

use owo_colors::Style;

use super::paint::Paint;
use super::Format;
use crate::audit::{Audit, FileReport, Level};
use crate::untrusted::escape;
use crate::untrusted::markdown as md;

/// The audit in `format`.
pub fn render(audit: &Audit, format: Format, color: bool) -> String {
    match format {
        Format::Json => super::json::to_json(audit),
        Format::Human => render_human(audit, color),
        Format::Markdown => render_markdown(audit),
    }
}

fn describe_file(f: &FileReport) -> String {
    match f.kind {
        "missing" => "does not exist".into(),
        "unreadable" => format!(
            "cannot be read ({})",
            escape(f.error.as_deref().unwrap_or("error"))
        ),
        kind => {
            let mut s = format!(
                "{kind}, {} certificate(s), {} Mozilla root(s)",
                f.certificates, f.mozilla_roots
            );
            if !f.notable.is_empty() {
                s.push_str(&format!("; notable: {}", escape(&f.notable.join(", "))));
            }
            s
        }
    }
}

/// The human report: verdict line, set variables, settings, warnings.
pub fn render_human(a: &Audit, color: bool) -> String {
    let p = Paint(color);
    let mut out = String::new();
    headline(&mut out, a, &p);
    variables(&mut out, a, &p);
    config_files(&mut out, a, &p);
    warnings(&mut out, a, &p);
    clients(&mut out, a, &p);
    out
}

fn level(p: &Paint, level: Level) -> String {
    match level {
        Level::Danger => p.style("✗ danger ", Style::new().red().bold()),
        Level::Warning => p.style("! warning", Style::new().yellow()),
        Level::Info => p.style("· info   ", Style::new().dimmed()),
    }
}

fn headline(out: &mut String, a: &Audit, p: &Paint) {
    let dangers = a
        .warnings
        .iter()
        .filter(|w| w.level == Level::Danger)
        .count();
    let warnings = a
        .warnings
        .iter()
        .filter(|w| w.level == Level::Warning)
        .count();
    let headline = if dangers > 0 {
        p.style(
            &format!("✗ {dangers} setting(s) turn verification off or break it"),
            Style::new().red().bold(),
        )
    } else if warnings > 0 {
        p.style(
            &format!("! {warnings} warning(s); verification is on"),
            Style::new().yellow().bold(),
        )
    } else {
        p.style(
            "✓ nothing turns verification off",
            Style::new().green().bold(),
        )
    };
    out.push_str(&format!("{headline}  (tlsdoctor env, {})\n", a.os));
}

fn variables(out: &mut String, a: &Audit, p: &Paint) {
    out.push_str(&format!("\n{}\n", p.bold("Variables set")));
    let mut any = false;
    for v in a.variables.iter().filter(|v| v.set) {
        any = true;
        out.push_str(&format!(
            "  {} = {}\n",
            p.bold(&v.name),
            escape(v.value.as_deref().unwrap_or(""))
        ));
        for f in &v.files {
            out.push_str(&format!(
                "      {}: {}\n",
                escape(&f.path),
                describe_file(f)
            ));
        }
        out.push_str(&format!(
            "      {}\n",
            p.dim(&format!("honoured by: {}", v.honoured_by.join(", ")))
        ));
        out.push_str(&format!(
            "      {}\n",
            p.dim(&format!("ignored by: {}", v.ignored_by.join(", ")))
        ));
    }
    if !any {
        out.push_str("  none of the CA, TLS or proxy variables\n");
    }
    let unset: Vec<&str> = a
        .variables
        .iter()
        .filter(|v| !v.set)
        .map(|v| v.name.as_str())
        .collect();
    if !unset.is_empty() {
        out.push_str(&format!(
            "  {}\n",
            p.dim(&format!("not set: {}", unset.join(", ")))
        ));
    }
}

fn config_files(out: &mut String, a: &Audit, p: &Paint) {
    out.push_str(&format!("\n{}\n", p.bold("Configuration files")));
    for c in a.config_files.iter().filter(|c| c.exists) {
        let settings: Vec<String> = a
            .settings
            .iter()
            .filter(|s| s.file == c.path)
            .map(|s| match &s.ca_file {
                Some(f) => format!(
                    "{} = {} ({})",
                    escape(&s.key),
                    escape(&s.value),
                    describe_file(f)
                ),
                None => format!("{} = {}", escape(&s.key), escape(&s.value)),
            })
            .collect();
        let what = match (&c.error, settings.is_empty()) {
            (Some(e), _) => format!("cannot be read: {}", escape(e)),
            (None, true) => "no trust settings".to_string(),
            (None, false) => settings.join("; "),
        };
        out.push_str(&format!("  {} ({}): {what}\n", escape(&c.path), c.tool));
    }
    let absent = a.config_files.iter().filter(|c| !c.exists).count();
    if absent > 0 {
        out.push_str(&format!(
            "  {}\n",
            p.dim(&format!(
                "{absent} other location(s) looked at do not exist"
            ))
        ));
    }
}

fn warnings(out: &mut String, a: &Audit, p: &Paint) {
    if a.warnings.is_empty() {
        return;
    }
    out.push_str(&format!("\n{}\n", p.bold("Warnings")));
    for w in &a.warnings {
        out.push_str(&format!(
            "  {} {}: {}\n",
            level(p, w.level),
            escape(&w.source),
            escape(&w.message)
        ));
        if let Some(fix) = &w.fix {
            out.push_str(&format!("            fix: {}\n", escape(fix)));
        }
    }
}

/// A markdown list, for a ticket.
pub fn render_markdown(a: &Audit) -> String {
    let mut out = format!(
        "## tlsdoctor env ({}, tlsdoctor {})\n\n### Variables set\n\n",
        a.os, a.tool_version
    );
    for v in a.variables.iter().filter(|v| v.set) {
        out.push_str(&format!(
            "- `{}` = {}\n",
            v.name,
            md::code_span(&short(v.value.as_deref().unwrap_or("")))
        ));
        for f in &v.files {
            out.push_str(&format!(
                "  - {}: {}\n",
                md::code_span(&short(&f.path)),
                md::prose(&describe_file(f))
            ));
        }
    }
    out.push_str("\n### Configuration settings\n\n");
    for s in &a.settings {
        out.push_str(&format!(
            "- {} {}: {} = {}\n",
            s.tool,
            md::code_span(&short(&s.file)),
            md::code_span(&short(&s.key)),
            md::code_span(&short(&s.value))
        ));
    }
    out.push_str("\n### Warnings\n\n");
    if a.warnings.is_empty() {
        out.push_str("- none\n");
    }
    for w in &a.warnings {
        let level = serde_json::to_value(w.level)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "- **{level}** {}: {}",
            md::code_span(&short(&w.source)),
            md::prose(&w.message)
        ));
        if let Some(fix) = &w.fix {
            out.push_str(&format!(" (fix: {})", md::prose(fix)));
        }
        out.push('\n');
    }
    out.push_str("\n### Your tools\n\n| client | executable | trust source |\n|---|---|---|\n");
    for c in &a.clients {
        out.push_str(&format!(
            "| {}{} | {} | {} |\n",
            c.client,
            c.version
                .as_deref()
                .map(|v| md::text(&format!(" {v}")))
                .unwrap_or_default(),
            md::code_span_in_table(&c.executable.display().to_string()),
            md::text(&c.trust_source)
        ));
    }
    out
}

/// A client's version as shown after its name (` 8.5.0`), escaped; empty when unknown.
fn version_suffix(c: &crate::tools::EnvClient) -> String {
    c.version
        .as_deref()
        .map(|v| escape(&format!(" {v}")).into_owned())
        .unwrap_or_default()
}

/// The clients found, each with what it trusts through.
fn clients(out: &mut String, a: &Audit, p: &Paint) {
    use owo_colors::Style;
    out.push_str(&format!(
        "\n{}\n",
        p.style("Your tools", Style::new().bold())
    ));
    if a.clients.is_empty() {
        out.push_str("  no TLS client found on PATH\n");
    }
    for c in &a.clients {
        out.push_str(&format!(
            "  {}{} ({}): {}\n",
            c.client,
            version_suffix(c),
            escape(&c.executable.display().to_string()),
            escape(&c.trust_source)
        ));
        if let Some(off) = &c.verification_off {
            out.push_str(&format!(
                "      {} {}\n",
                level(p, Level::Danger),
                escape(off)
            ));
        }
        for note in &c.notes {
            out.push_str(&format!("      {}\n", escape(note)));
        }
    }
}

/// A path, key or value from this machine, cut for display.
fn short(text: &str) -> String {
    crate::untrusted::cut(text, crate::untrusted::terminal::MAX_SHOWN).into_owned()
}
