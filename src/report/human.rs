//! The human report: verdict first, one coloured line; then the connection,
//! the chain as a small table, what each store said, why, and the fix.
//! One target fits one screen. Every server or file string goes through
//! [`crate::untrusted::escape`]; the trust sentence comes from the per-store
//! results, never from the verdict.

use std::fmt::Write;

use super::paint::Paint;
use super::stream::Header;
use super::{
    ConnectionReport, DestinationReport, EnvironmentReport, Report, StoreReport, TargetReport,
    TrustReport,
};
use crate::cert::format_date;
use crate::diagnose::clients::Outcome;
use crate::findings::{Finding, Severity, Verdict};
use crate::untrusted::{escape, for_terminal as shown};

/// Text width for wrapped paragraphs.
const WIDTH: usize = 100;
/// Width of the left label column.
const LABEL: usize = 12;

/// Render the whole report. `color` decides ANSI colours.
pub fn render(report: &Report, color: bool) -> String {
    super::stream::render_all(report, super::Format::Human, color)
}

/// One target's lines.
pub fn target(t: &TargetReport, color: bool) -> String {
    let mut out = String::new();
    render_target(&mut out, t, &Paint(color));
    out
}

/// What follows the targets: the summary `lines` (for many targets), the
/// environment's warnings, and the time validity was judged at.
pub fn closing(
    lines: &[String],
    environment: &EnvironmentReport,
    header: &Header,
    color: bool,
) -> String {
    let p = Paint(color);
    let mut out = String::new();
    if !lines.is_empty() {
        out.push('\n');
        for line in lines {
            let _ = writeln!(out, "{}", escape(line));
        }
    }
    if !environment.warnings.is_empty() {
        out.push('\n');
        for (i, f) in environment.warnings.iter().enumerate() {
            let text = format!("{} {}", p.warn("!"), escape(&f.detail));
            wrapped(&mut out, &p, if i == 0 { "environment" } else { "" }, &text);
        }
    }
    if let Some(at) = &header.at {
        let _ = writeln!(out, "{}", p.dim(&format!("(validity judged as of {at})")));
    }
    out
}

fn render_target(out: &mut String, t: &TargetReport, p: &Paint) {
    headline(out, t, p);
    if let Some(c) = &t.connection {
        row(out, p, "connection", &connection_line(c));
    }
    chain(out, &t.chain, p, "chain");
    stores(out, &t.trust, p, "trust");
    http(out, t, p);
    if let Some(d) = t.http.as_ref().and_then(|h| h.destination.as_deref()) {
        destination(out, d, p);
    }
    attempts(out, t, p);
    findings(out, t, p);
    your_tools(out, t, p);
    fixes(out, t, p);
}

/// The verdict line and one sentence: the first error, or which stores
/// trust the chain (from the per-store results, never from the verdict).
fn headline(out: &mut String, t: &TargetReport, p: &Paint) {
    let headline = t
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .map(|f| f.summary.as_str());
    let (mark, verdict) = match (t.verdict, t.allowed) {
        (Verdict::Clean, _) => (p.good("✓"), p.good(&p.bold("clean"))),
        (v, true) => (p.warn("~"), p.warn(&p.bold(&format!("{v} (allowed)")))),
        (v, false) => (p.bad("✗"), p.bad(&p.bold(v.as_str()))),
    };
    let _ = writeln!(out, "{mark} {verdict}  {}", p.bold(&shown(&t.input)));
    match headline {
        Some(h) => {
            let _ = writeln!(out, "  {}", escape(h));
        }
        None if t.verdict == Verdict::Clean => {
            if let Some(trusted_by) = t.trust.trusted_by() {
                let _ = writeln!(out, "  {trusted_by}; valid for {}", shown(&t.host));
            }
        }
        None => {}
    }
    if let Some(line) = failing_tools_line(t) {
        let _ = writeln!(out, "  {}", p.warn(&line));
    }
    out.push('\n');
}

/// "but 2 of your tools fail here: curl, python-requests" for a clean target.
fn failing_tools_line(t: &TargetReport) -> Option<String> {
    let failing: Vec<String> = t
        .clients
        .iter()
        .filter(|c| c.outcome == Outcome::Fails)
        .map(|c| shown(&crate::diagnose::clients::label(c)))
        .collect();
    (t.verdict == Verdict::Clean && !failing.is_empty()).then(|| {
        format!(
            "but {} of your tools fail here: {}",
            failing.len(),
            failing.join(", ")
        )
    })
}

/// One line per client found here: ✓/✗/?, client and version, its trust
/// source, and why; failing ones first (Diagnose sorted them).
fn your_tools(out: &mut String, t: &TargetReport, p: &Paint) {
    for (i, c) in t.clients.iter().enumerate() {
        let mark = match c.outcome {
            Outcome::Trusts => p.good("✓"),
            Outcome::Fails => p.bad("✗"),
            Outcome::Unknown => p.warn("?"),
        };
        let text = format!(
            "{mark} {} {}: {}{}",
            p.bold(&shown(&crate::diagnose::clients::label(c))),
            p.dim(&format!("[{}]", escape(&c.trust_source))),
            escape(&c.reason),
            ran(c, p),
        );
        wrapped(out, p, if i == 0 { "your tools" } else { "" }, &text);
    }
}

/// Address, TLS parameters, ALPN and proxy on one line.
fn connection_line(c: &ConnectionReport) -> String {
    let mut address = c.address.clone().unwrap_or_default();
    if c.address_source == "resolve_override" {
        address.push_str(" (--resolve)");
    }
    let mut parts = vec![address];
    parts.extend(c.tls_version.clone());
    parts.extend(c.cipher_suite.clone());
    parts.extend(c.key_exchange.clone());
    if let Some(alpn) = &c.alpn {
        parts.push(format!("ALPN {alpn}"));
    }
    if let Some(proxy) = &c.proxy {
        parts.push(format!("via {proxy}"));
    }
    escape(&parts.join(" · ")).into_owned()
}

/// The chain as a small table, the first row under `label`.
fn chain(out: &mut String, chain: &[crate::cert::CertFacts], p: &Paint, label: &str) {
    for (i, cert) in chain.iter().enumerate() {
        let label = if i == 0 { label } else { "" };
        let issuer = if cert.self_signed {
            "self-signed".to_string()
        } else {
            format!("← {}", shown(&cert.issuer_display_name))
        };
        let dates = format!(
            "{} → {}",
            format_date(cert.not_before),
            format_date(cert.not_after)
        );
        let line = format!(
            "{i}  {}  {}  {}",
            shown(cert.name()),
            p.dim(&issuer),
            p.dim(&dates)
        );
        row(out, p, label, &line);
    }
}

/// One line per store, the first under `label`.
fn stores(out: &mut String, trust: &TrustReport, p: &Paint, label: &str) {
    let stores = [
        ("bundled", &trust.bundled),
        ("os", &trust.os),
        ("custom", &trust.custom),
    ];
    let mut first = true;
    for (name, store) in stores {
        if let Some(s) = store {
            row(
                out,
                p,
                if first { label } else { "" },
                &store_line(name, s, p),
            );
            first = false;
        }
    }
}

/// Where the redirects ended on another host or port, judged like a target
/// (JSON `http.destination`): its verdict, connection, chain and stores.
fn destination(out: &mut String, d: &DestinationReport, p: &Paint) {
    let mark = if d.verdict == Verdict::Clean {
        p.good(&format!("✓ {}", d.verdict))
    } else {
        p.bad(&format!("✗ {}", d.verdict))
    };
    let authority = shown(&d.authority());
    row(
        out,
        p,
        "destination",
        &format!("{} {mark}", p.bold(&authority)),
    );
    if let Some(c) = &d.connection {
        row(out, p, "", &format!("connection  {}", connection_line(c)));
    }
    chain(out, &d.chain, p, "");
    stores(out, &d.trust, p, "");
}

fn http(out: &mut String, t: &TargetReport, p: &Paint) {
    let Some(http) = &t.http else {
        return;
    };
    for (i, hop) in http.hops.iter().enumerate() {
        let status = hop
            .status
            .map_or("no response".to_string(), |s| s.to_string());
        let to = hop
            .location
            .as_ref()
            .map(|l| format!(" {}", shown(l)))
            .unwrap_or_default();
        let protocol = if i == 0 {
            format!(" ({})", http.protocol)
        } else {
            String::new()
        };
        row(
            out,
            p,
            if i == 0 { "http" } else { "" },
            &format!("GET {} → {status}{to}{protocol}", shown(&hop.url)),
        );
    }
    if let Some(h2) = http.h2.as_ref().filter(|h2| h2.outcome != "ok") {
        row(
            out,
            p,
            "h2",
            &format!("{}: {}", h2.outcome, escape(&h2.detail)),
        );
    }
}

/// With `--repeat`: the success count, then one line per stage.
fn attempts(out: &mut String, t: &TargetReport, p: &Paint) {
    let Some(attempts) = &t.attempts else {
        return;
    };
    for (i, line) in attempts.human_lines().iter().enumerate() {
        row(out, p, if i == 0 { "attempts" } else { "" }, line);
    }
}

/// Why (the errors' details), then the notes (warnings and information).
fn findings(out: &mut String, t: &TargetReport, p: &Paint) {
    let errors: Vec<&Finding> = t
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    for (i, f) in errors.iter().enumerate() {
        if i > 0 {
            row(out, p, "", &p.bold(&escape(&f.summary)));
        }
        if !f.detail.is_empty() {
            wrapped(out, p, if i == 0 { "why" } else { "" }, &escape(&f.detail));
        }
    }
    let others = t.findings.iter().filter(|f| f.severity != Severity::Error);
    for (i, f) in others.enumerate() {
        let mark = if f.severity == Severity::Warning {
            p.warn("!")
        } else {
            p.dim("i")
        };
        wrapped(
            out,
            p,
            if i == 0 { "notes" } else { "" },
            &format!("{mark} {}", escape(&f.summary)),
        );
    }
}

/// The first step per tool, and the fixes not to use.
fn fixes(out: &mut String, t: &TargetReport, p: &Paint) {
    let remedies: Vec<_> = t.findings.iter().flat_map(|f| &f.remedies).collect();
    // One screen: per tool, the first step only; every step is in markdown and JSON.
    let fixes: Vec<_> = remedies.iter().filter(|r| !r.avoid).collect();
    for (i, r) in fixes.iter().take(MAX_FIXES).enumerate() {
        let step = escape(first_sentence(&r.action));
        wrapped(
            out,
            p,
            if i == 0 { "fix" } else { "" },
            &format!("{}: {step}", p.bold(&r.ecosystem)),
        );
    }
    if !fixes.is_empty() {
        row(
            out,
            p,
            "",
            &p.dim("exact commands for every tool: --format markdown"),
        );
    }
    let avoid: Vec<String> = remedies
        .iter()
        .filter(|r| r.avoid)
        .filter_map(|r| r.commands.first())
        .map(|c| c.trim_start_matches("export ").to_string())
        .collect();
    if !avoid.is_empty() {
        wrapped(
            out,
            p,
            "don't",
            &format!(
                "{} (each turns verification off or breaks it)",
                escape(&avoid.join(" · "))
            ),
        );
    }
}

/// `--run-clients`: what the client did when run, for its line.
fn ran(c: &crate::diagnose::clients::ClientOutcome, p: &Paint) -> String {
    use crate::observation::ObservedOutcome;
    match (&c.observed, &c.not_run_reason) {
        (Some(o), _) => {
            let mark = match o.outcome {
                ObservedOutcome::Trusts => p.good("✓"),
                ObservedOutcome::Fails => p.bad("✗"),
                ObservedOutcome::Timeout | ObservedOutcome::Error => p.warn("?"),
            };
            let error = o
                .error
                .as_deref()
                .map(|e| format!(": {}", escape(e)))
                .unwrap_or_default();
            format!(" — ran: {mark} {} ({} ms){error}", o.outcome.as_str(), o.ms)
        }
        (None, Some(why)) => p.dim(&format!(" — not run: {}", escape(why))),
        (None, None) => String::new(),
    }
}

/// How many tools the human report gives a fix for.
const MAX_FIXES: usize = 8;

fn first_sentence(text: &str) -> &str {
    text.split_once(". ").map_or(text, |(first, _)| first)
}

fn store_line(name: &str, s: &StoreReport, p: &Paint) -> String {
    let result = if s.trusted {
        let anchor = s
            .anchor
            .as_ref()
            .map(|a| super::common_name(&a.subject))
            .unwrap_or_default();
        let anchor = shown(&anchor);
        p.good(&format!("✓ trusted → {anchor}"))
    } else {
        let err = escape(
            s.error_words
                .as_deref()
                .or(s.error.as_deref())
                .unwrap_or_default(),
        )
        .into_owned();
        let extra = if s.trusted_ignoring_time {
            " (trusted apart from dates)"
        } else {
            ""
        };
        p.bad(&format!("✗ {err}{extra}"))
    };
    let roots = if s.roots == 1 {
        "1 root".to_string()
    } else {
        format!("{} roots", s.roots)
    };
    format!(
        "{name:<8} {result}  {}",
        p.dim(&format!("{} ({roots})", escape(&s.source)))
    )
}

fn row(out: &mut String, p: &Paint, label: &str, text: &str) {
    let _ = writeln!(out, "  {}{text}", p.dim(&format!("{label:<LABEL$}")));
}

fn wrapped(out: &mut String, p: &Paint, label: &str, text: &str) {
    let mut first = true;
    for line in wrap(text, WIDTH - LABEL - 2) {
        row(out, p, if first { label } else { "" }, &line);
        first = false;
    }
}

/// Greedy word wrap; words longer than the width stay whole.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_on_words() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("", 5), Vec::<String>::new());
        assert_eq!(wrap("abcdefgh ij", 4), vec!["abcdefgh", "ij"]);
    }
}
