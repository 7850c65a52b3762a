//! The markdown report: a self-contained ticket body for the network team.
//! Tool version, OS, time, each target with its address, TLS parameters,
//! chain with SHA-256 fingerprints, per-store results, diagnosis and fix.
//! Secrets never reach it: the report it renders holds none. Every server
//! or file string goes through [`crate::untrusted::markdown`]: escaped as
//! text, or in a code span or fence sized to its content, so that nothing a
//! server sends becomes a heading, a link, HTML, a comment or a command.

use std::fmt::Write;

use super::stream::Header;
use super::{
    ConnectionReport, DestinationReport, EnvironmentReport, Report, StoreReport, TargetReport,
    TrustReport,
};
use crate::cert::format_time;
use crate::findings::Severity;
use crate::untrusted::markdown as md;

/// Render the report as GitHub-flavoured markdown.
pub fn render(report: &Report) -> String {
    super::stream::render_all(report, super::Format::Markdown, false)
}

/// The title, the run's line, and the summary `lines` (for many targets).
pub fn opening(header: &Header, lines: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# tlsdoctor report\n");
    let _ = writeln!(
        out,
        "tlsdoctor {} · {} · {}{}\n",
        header.tool_version,
        header.os,
        header.generated_at,
        header
            .at
            .as_ref()
            .map(|a| format!(" · judged as of {a}"))
            .unwrap_or_default()
    );
    if !lines.is_empty() {
        for line in lines {
            let _ = writeln!(out, "- {}", md::prose(line));
        }
        out.push('\n');
    }
    out
}

/// One target's section.
pub fn target(t: &TargetReport) -> String {
    let mut out = String::new();
    render_target(&mut out, t);
    out
}

/// The environment section, after the targets.
pub fn closing(env: &EnvironmentReport) -> String {
    let mut out = String::new();
    if !env.variables.is_empty() || !env.warnings.is_empty() {
        let _ = writeln!(out, "## Environment\n");
        for (k, v) in &env.variables {
            let _ = writeln!(out, "- {}", md::code_span(&format!("{k}={v}")));
        }
        for f in &env.warnings {
            let _ = writeln!(out, "- **warning**: {}", md::prose(&f.detail));
        }
        out.push('\n');
    }
    out
}

fn render_target(out: &mut String, t: &TargetReport) {
    let allowed = if t.allowed { " (allowed)" } else { "" };
    let _ = writeln!(
        out,
        "## {} — **{}**{allowed}\n",
        md::code_span(&crate::untrusted::cut(
            &t.input,
            crate::untrusted::terminal::MAX_SHOWN
        )),
        t.verdict
    );
    if let Some(f) = t.findings.iter().find(|f| f.severity == Severity::Error) {
        let _ = writeln!(out, "{}\n", md::prose(&f.summary));
    }
    target_table(out, t);
    chain_and_stores(out, &t.chain, &t.trust, "###");
    http(out, t);
    if let Some(d) = t.http.as_ref().and_then(|h| h.destination.as_deref()) {
        destination(out, d);
    }
    attempts(out, t);
    your_tools(out, t);
    diagnosis(out, t);
    clients_run(out, t);
    fixes(out, t);
}

/// One row per client found here.
fn your_tools(out: &mut String, t: &TargetReport) {
    use crate::diagnose::clients::{label, Outcome};
    if t.clients.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Your tools\n");
    let _ = writeln!(
        out,
        "| | client | trust source | why | error |\n|---|---|---|---|---|"
    );
    for c in &t.clients {
        let mark = match c.outcome {
            Outcome::Trusts => "✓ trusts",
            Outcome::Fails => "✗ fails",
            Outcome::Unknown => "? unknown",
        };
        let _ = writeln!(
            out,
            "| {mark} | {} | {} | {} | {} |",
            cell(&label(c)),
            cell(&c.trust_source),
            md::prose(&c.reason),
            c.error.as_deref().map(cell).unwrap_or_default()
        );
    }
    out.push('\n');
}

fn target_table(out: &mut String, t: &TargetReport) {
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| target | {} port {} path {} |",
        code_cell(&t.host),
        t.port,
        code_cell(&t.path)
    );
    if let Some(c) = &t.connection {
        connection_rows(out, c);
    }
    out.push('\n');
}

fn connection_rows(out: &mut String, c: &ConnectionReport) {
    let _ = writeln!(
        out,
        "| address | {} ({}) |",
        cell(c.address.as_deref().unwrap_or("-")),
        c.address_source
    );
    let _ = writeln!(
        out,
        "| proxy | {} |",
        cell(c.proxy.as_deref().unwrap_or("none"))
    );
    let tls = [&c.tls_version, &c.cipher_suite, &c.key_exchange]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "| TLS | {} |",
        if tls.is_empty() { "-".into() } else { tls }
    );
    let _ = writeln!(
        out,
        "| ALPN | {} |",
        cell(c.alpn.as_deref().unwrap_or("none"))
    );
    if let Some(first) = &c.first_bytes {
        let _ = writeln!(out, "| server sent | {} |", code_cell(first));
    }
}

/// The chain with fingerprints and the per-store results, under headings of
/// `level` (`###` for a target, `####` for its redirect's destination).
fn chain_and_stores(
    out: &mut String,
    chain: &[crate::cert::CertFacts],
    trust: &TrustReport,
    level: &str,
) {
    if chain.is_empty() {
        return;
    }
    let _ = writeln!(out, "{level} Chain as sent\n");
    let _ = writeln!(
        out,
        "| # | subject | issuer | valid | SHA-256 |\n|---|---|---|---|---|"
    );
    for (i, c) in chain.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {i} | {} | {} | {} – {} | `{}` |",
            cell(&c.subject),
            cell(&c.issuer),
            format_time(c.not_before),
            format_time(c.not_after),
            c.sha256
        );
    }
    out.push('\n');
    let _ = writeln!(out, "{level} Trust stores\n");
    let _ = writeln!(
        out,
        "| store | result | anchor | source |\n|---|---|---|---|"
    );
    for (name, s) in [
        ("bundled", &trust.bundled),
        ("os", &trust.os),
        ("custom", &trust.custom),
    ] {
        if let Some(s) = s {
            store_row(out, name, s);
        }
    }
    out.push('\n');
}

/// Where the redirects ended on another host or port, judged like a target
/// (JSON `http.destination`): its verdict, connection, chain and stores.
fn destination(out: &mut String, d: &DestinationReport) {
    let _ = writeln!(
        out,
        "### Redirect destination {} — **{}**\n",
        md::code_span(&short(&d.authority())),
        d.verdict
    );
    if let Some(c) = &d.connection {
        let _ = writeln!(out, "| | |\n|---|---|");
        connection_rows(out, c);
        out.push('\n');
    }
    chain_and_stores(out, &d.chain, &d.trust, "####");
}

fn http(out: &mut String, t: &TargetReport) {
    let Some(http) = &t.http else {
        return;
    };
    let _ = writeln!(out, "### HTTP\n");
    for hop in &http.hops {
        let status = hop
            .status
            .map_or("no response".to_string(), |s| s.to_string());
        let location = hop
            .location
            .as_ref()
            .map(|l| format!(" → {}", md::code_span(&short(l))))
            .unwrap_or_default();
        let get = md::code_span(&format!("GET {}", short(&hop.url)));
        let _ = writeln!(out, "- {get} → {status}{location}");
    }
    if let Some(error) = &http.error {
        let _ = writeln!(out, "- stopped: {}", md::prose(error));
    }
    let _ = writeln!(out, "- protocol: {}", http.protocol);
    if let Some(h2) = &http.h2 {
        let _ = writeln!(out, "- HTTP/2: {} ({})", h2.outcome, md::prose(&h2.detail));
    }
    out.push('\n');
}

/// With `--repeat`: numbers and verdict names only, nothing a server sent.
fn attempts(out: &mut String, t: &TargetReport) {
    let Some(attempts) = &t.attempts else {
        return;
    };
    let _ = writeln!(out, "### Attempts\n\n```");
    for line in attempts.human_lines() {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "```\n");
}

fn diagnosis(out: &mut String, t: &TargetReport) {
    let _ = writeln!(out, "### Diagnosis\n");
    if t.findings.is_empty() {
        let _ = writeln!(out, "No problem found.\n");
    }
    for f in &t.findings {
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let vendor = f
            .vendor
            .as_ref()
            .map(|v| format!(" (vendor: {})", md::text(&short(v))))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- **{sev}** `{}`{vendor}: {}",
            kind_name(f),
            md::prose(&f.summary)
        );
        if !f.detail.is_empty() {
            let _ = writeln!(out, "  {}", md::prose(&f.detail));
        }
    }
    out.push('\n');
}

/// `--run-clients`: what each client did when run.
fn clients_run(out: &mut String, t: &TargetReport) {
    let ran = |c: &&crate::diagnose::clients::ClientOutcome| {
        c.observed.is_some() || c.not_run_reason.is_some()
    };
    if !t.clients.iter().any(|c| ran(&c)) {
        return;
    }
    let _ = writeln!(out, "### Clients run (`--run-clients`)\n");
    let _ = writeln!(
        out,
        "| client | executable | predicted | observed | ms | error |\n|---|---|---|---|---|---|"
    );
    for c in t.clients.iter().filter(ran) {
        let (observed, ms, error) = match &c.observed {
            Some(o) => (
                o.outcome.as_str().to_string(),
                o.ms.to_string(),
                o.error.clone().unwrap_or_default(),
            ),
            None => (
                "not run".to_string(),
                "-".to_string(),
                c.not_run_reason.clone().unwrap_or_default(),
            ),
        };
        let predicted = serde_json::to_value(c.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {predicted} | {observed} | {ms} | {} |",
            c.client,
            code_cell(&c.executable.display().to_string()),
            cell(&error)
        );
    }
    out.push('\n');
}

fn fixes(out: &mut String, t: &TargetReport) {
    let remedies: Vec<_> = t.findings.iter().flat_map(|f| &f.remedies).collect();
    if remedies.iter().any(|r| !r.avoid) {
        let _ = writeln!(out, "### Fix\n");
        for r in remedies.iter().filter(|r| !r.avoid) {
            let _ = writeln!(out, "- **{}**: {}", r.ecosystem, md::prose(&r.action));
            if !r.commands.is_empty() {
                // A fence sized to the commands, indented into the list item.
                let fence = md::fence(&r.commands.join("\n"), "");
                for line in fence.lines() {
                    let _ = writeln!(out, "  {line}");
                }
            }
        }
        out.push('\n');
    }
    if remedies.iter().any(|r| r.avoid) {
        let _ = writeln!(out, "### Do not\n");
        for r in remedies.iter().filter(|r| r.avoid) {
            let _ = writeln!(out, "- **{}**: {}", r.ecosystem, md::prose(&r.action));
        }
        out.push('\n');
    }
}

fn store_row(out: &mut String, name: &str, s: &StoreReport) {
    let result = if s.trusted {
        "trusted".to_string()
    } else {
        cell(
            s.error_words
                .as_deref()
                .or(s.error.as_deref())
                .unwrap_or("not trusted"),
        )
    };
    let anchor = s
        .anchor
        .as_ref()
        .map(|a| format!("{} {}", cell(&a.subject), code_cell(&a.sha256)))
        .unwrap_or_else(|| "-".into());
    let _ = writeln!(
        out,
        "| {name} | {result} | {anchor} | {} ({} roots) |",
        cell(&s.source),
        s.roots
    );
}

fn kind_name(f: &crate::findings::Finding) -> String {
    serde_json::to_value(f.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A server or file name, cut at [`crate::untrusted::terminal::MAX_SHOWN`].
fn short(text: &str) -> String {
    crate::untrusted::cut(text, crate::untrusted::terminal::MAX_SHOWN).into_owned()
}

/// Untrusted text in a table cell: escaped as Markdown text (`|` included),
/// cut.
fn cell(text: &str) -> String {
    md::text(&short(text))
}

/// Untrusted text in a table cell as code: a code span sized to it (or
/// escaped text when it holds a `|`), cut.
fn code_cell(text: &str) -> String {
    md::code_span_in_table(&short(text))
}
