//! `fix` reports as human text, JSON or markdown. Renderers only arrange
//! what [`super::command`] decided; untrusted text (certificate names,
//! client error lines) is escaped.

use std::fmt::Write as _;

use super::command::{FixReport, UndoReport};
use super::prove::ClientRun;

/// Output format (mirrors the command line's, without clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixFormat {
    Human,
    Json,
    Markdown,
}

/// Control, format and non-ASCII characters written as `\u{…}`.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
        {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

fn mark(outcome: &str) -> &'static str {
    if outcome == "trusts" {
        "✓"
    } else {
        "✗"
    }
}

fn run_text(r: &ClientRun) -> String {
    match &r.error {
        Some(e) => format!("{}: {}", r.outcome, esc(e)),
        None => r.outcome.clone(),
    }
}

/// Render a fix report.
pub fn fix(report: &FixReport, format: FixFormat) -> anyhow::Result<String> {
    Ok(match format {
        FixFormat::Json => {
            let mut s = serde_json::to_string_pretty(report)?;
            s.push('\n');
            s
        }
        FixFormat::Human => human(report, false),
        FixFormat::Markdown => human(report, true),
    })
}

/// Human text; `md` wraps file contents and commands in fences.
fn human(r: &FixReport, md: bool) -> String {
    let mut o = String::new();
    let head = if md { "## " } else { "" };
    let _ = writeln!(o, "{head}tlsdoctor fix {} — {}", esc(&r.target), r.verdict);
    if let Some(problem) = &r.problem {
        let _ = writeln!(o, "\n{}", esc(problem));
        return o;
    }
    if let Some(root) = &r.root {
        let _ = writeln!(
            o,
            "root needed: {} (SHA-256 {}), from {}",
            esc(&root.subject),
            root.sha256,
            esc(&root.from)
        );
    }
    let sub = if md { "### " } else { "" };
    if r.before.iter().all(|c| c.outcome == "trusts") && r.refused.is_empty() {
        let _ = writeln!(
            o,
            "\n✓ nothing to fix: every client found trusts {}.",
            esc(&r.target)
        );
        for c in &r.before {
            let _ = writeln!(
                o,
                "  {} {} ({})",
                mark(&c.outcome),
                c.client,
                c.executable.display()
            );
        }
        notes(&mut o, r);
        return o;
    }
    let dry = r.mode == "dry_run";
    let title = if dry {
        "Plan (dry run: nothing was changed; run again with --apply to make these changes)"
    } else {
        "Changes"
    };
    let _ = writeln!(o, "\n{sub}{title}");
    for line in &r.plan {
        let state = match (&line.skipped, line.applied, dry) {
            (Some(why), _, _) => format!(" — not applied: {}", esc(why)),
            (None, true, _) => " — applied".to_string(),
            _ => String::new(),
        };
        let _ = writeln!(
            o,
            "  {} ({}){state}",
            line.client,
            line.executable.display()
        );
        if let (Some(path), Some(lines)) = (&line.path, &line.lines) {
            let _ = writeln!(o, "    file {}:", path.display());
            fenced(&mut o, lines, md, "      ");
        }
        if let Some(cmd) = &line.command {
            let _ = writeln!(o, "    run:");
            fenced(&mut o, std::slice::from_ref(cmd), md, "      ");
        }
        let _ = writeln!(o, "    why: {}", line.why);
    }
    for refusal in &r.refused {
        let _ = writeln!(
            o,
            "  ✗ {} ({}): no change made — {}",
            refusal.client,
            refusal.executable.display(),
            refusal.reason
        );
        for option in &refusal.options {
            let _ = writeln!(o, "    - {option}");
        }
    }
    before_after(&mut o, r, sub);
    notes(&mut o, r);
    if !dry && r.plan.iter().any(|l| l.applied) {
        let _ = writeln!(o, "\nUndo every change above with: tlsdoctor fix --undo");
    }
    o
}

fn fenced(o: &mut String, lines: &[String], md: bool, indent: &str) {
    if md {
        let longest = lines
            .iter()
            .map(|l| l.matches('`').count())
            .max()
            .unwrap_or(0);
        let fence = "`".repeat(3.max(longest + 1));
        let _ = writeln!(o, "{indent}{fence}");
        for l in lines {
            let _ = writeln!(o, "{indent}{}", esc(l));
        }
        let _ = writeln!(o, "{indent}{fence}");
    } else {
        for l in lines {
            let _ = writeln!(o, "{indent}{}", esc(l));
        }
    }
}

fn before_after(o: &mut String, r: &FixReport, sub: &str) {
    if r.after.is_empty() {
        let _ = writeln!(o, "\n{sub}Clients now");
        for c in &r.before {
            let _ = writeln!(
                o,
                "  {} {} ({}): {}",
                mark(&c.outcome),
                c.client,
                c.executable.display(),
                run_text(c)
            );
        }
        return;
    }
    let _ = writeln!(o, "\n{sub}Before → after (each client run again)");
    for b in &r.before {
        let after = r
            .after
            .iter()
            .find(|a| a.client == b.client && a.executable == b.executable);
        let a_text = after.map(run_text).unwrap_or_else(|| "not run".into());
        let a_mark = after.map(|a| mark(&a.outcome)).unwrap_or("?");
        let _ = writeln!(
            o,
            "  {a_mark} {} ({}): {} → {a_text}",
            b.client,
            b.executable.display(),
            b.outcome
        );
    }
}

fn notes(o: &mut String, r: &FixReport) {
    for n in &r.notes {
        let _ = writeln!(o, "\nnote: {}", esc(n));
    }
}

/// Render an undo report.
pub fn undo(report: &UndoReport, format: FixFormat) -> anyhow::Result<String> {
    if format == FixFormat::Json {
        let mut s = serde_json::to_string_pretty(report)?;
        s.push('\n');
        return Ok(s);
    }
    let mut o = String::new();
    let head = if format == FixFormat::Markdown {
        "## "
    } else {
        ""
    };
    let _ = writeln!(o, "{head}tlsdoctor fix --undo");
    if report.files.is_empty() {
        let _ = writeln!(
            o,
            "nothing to undo: no manifest at {}",
            report.manifest.display()
        );
        return Ok(o);
    }
    for f in &report.files {
        let text = match f.outcome {
            "restored" => "✓ restored as it was before",
            "removed" => "✓ removed (tlsdoctor created it)",
            "already_gone" => "✓ already as before",
            _ => "✗ changed since tlsdoctor wrote it: left as it is, still in the manifest; remove tlsdoctor's lines by hand",
        };
        let _ = writeln!(o, "  {} — {text}", f.path.display());
    }
    Ok(o)
}
