//! Diagnose: the expertise. A pure function from evidence to a verdict and
//! findings.
//!
//! [`diagnose`] reads what Probe observed, the certificate facts, and what
//! each trust store said (all in [`Evidence`]), and applies the rules of
//! DESIGN.md. It does no I/O and reads no clock — the time is an input — so
//! every rule is tested here with hand-built evidence.
//!
//! The verdict is the highest-precedence error finding ([`Verdict`] order).
//! Findings explain; remedies come from [`crate::knowledge`], the one place
//! that knows the client tools.

pub mod attempts;
pub mod clients;
pub mod connection;
mod failure;
mod http;
pub mod lint;
pub mod observed;
mod rejection;
mod trust;
mod validity;

use time::OffsetDateTime;

use crate::cert::chain::{self, Role};
use crate::cert::CertFacts;
pub use crate::findings::Diagnosis;
use crate::findings::{Finding, FindingKind, Remedy, Verdict};
use crate::knowledge::{self as ecosystems, Platform, TrustGap};
use crate::observation::Observation;
use crate::target::Target;
use crate::trust::verify::Verification;
use failure::failure_finding;
use http::http_findings;

/// A certificate that expires within this many days gets a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

/// Everything Diagnose may look at.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    pub target: &'a Target,
    pub observation: &'a Observation,
    /// Facts of the presented chain, in the order sent.
    pub chain: &'a [CertFacts],
    /// What each store said; `None` when no chain was captured.
    pub verification: Option<&'a Verification>,
    /// The time to judge validity at (now, or `--at`).
    pub now: OffsetDateTime,
    pub platform: Platform,
    /// The connection went through a proxy.
    pub via_proxy: bool,
}

/// Apply the rules. Pure.
pub fn diagnose(e: &Evidence<'_>) -> Diagnosis {
    let mut findings = Vec::new();
    if let Some(failure) = &e.observation.failure {
        findings.push(failure_finding(e, failure));
    }
    let chain_judged = !e.chain.is_empty()
        && !matches!(
            findings.first().and_then(Finding::verdict),
            Some(Verdict::NotTls)
        );
    if chain_judged {
        findings.extend(file_order_finding(e));
        match chain_order_problem(e.chain) {
            Some(order) => {
                // A misordered chain makes every client fail in its own way
                // (bad signature, unknown issuer, wrong name): the order is the cause.
                findings.retain(|f| f.verdict() != Some(Verdict::HandshakeFailed));
                findings.push(order);
            }
            None => {
                if let Some(v) = e.verification {
                    findings.extend(chain_findings(e, v));
                }
            }
        }
    }
    findings.extend(http_findings(e));
    findings.extend(connection::findings(e.target, e.observation));
    finish(findings)
}

/// The target's diagnosis with its redirect destination's (DESIGN.md,
/// Redirects): the verdict is the more severe of the two by precedence, and
/// every error at the destination says that it is there. Pure.
pub fn with_destination(target: Diagnosis, authority: &str, destination: &Diagnosis) -> Diagnosis {
    let mut findings = target.findings;
    for f in destination
        .findings
        .iter()
        .filter(|f| f.severity == crate::findings::Severity::Error)
    {
        let mut f = f.clone();
        f.summary = format!("at the redirect's destination {authority}: {}", f.summary);
        f.detail = format!(
            "The target redirects to {authority}; the failure is there, not at the target itself. {}",
            f.detail
        );
        findings.push(f);
    }
    finish(findings)
}

/// Sort findings (errors first, by verdict precedence) and pick the verdict.
pub(crate) fn finish(mut findings: Vec<Finding>) -> Diagnosis {
    findings.sort_by_key(|f| (f.severity, f.verdict().unwrap_or(Verdict::Clean)));
    let verdict = findings
        .iter()
        .find_map(Finding::verdict)
        .unwrap_or(Verdict::Clean);
    Diagnosis { verdict, findings }
}

// ---------------------------------------------------------------------------
// Chain order

/// DESIGN.md: the leaf not first, or a CA first. The first certificate is a
/// CA that issued another certificate in the chain.
fn chain_order_problem(chain: &[CertFacts]) -> Option<Finding> {
    let first = chain.first()?;
    let issued_another = chain.iter().skip(1).any(|c| c.names_issuer(first));
    if !(first.is_ca && issued_another) {
        return None;
    }
    let leaf = chain
        .iter()
        .find(|c| {
            !c.is_ca
                && !chain
                    .iter()
                    .any(|other| other.names_issuer(c) && other.sha256 != c.sha256)
        })
        .or_else(|| chain.iter().find(|c| !c.is_ca));
    let should = leaf.map_or("the server certificate".to_string(), |l| {
        format!("'{}'", l.name())
    });
    let mut f = Finding::error(
        Verdict::InvalidCertificate,
        format!("certificates sent in the wrong order: {should} must come first, not '{}'", first.name()),
        format!(
            "TLS requires the server's own certificate first, then each issuer. This server sends the CA '{}' first, so clients check the handshake against the wrong key and report a bad signature, an unknown issuer or a name mismatch. Fix the order in the server's certificate file (leaf, then intermediates).",
            first.name()
        ),
    );
    f.kind = FindingKind::ChainOrder;
    Some(f)
}

/// A chain file (`inspect`) whose certificates were not leaf first, issuer
/// next: the chain was put in order before judging, so the order is a
/// warning about the file, not the cause of a failure. A server configured
/// with that file would send the wrong order, which some clients reject.
fn file_order_finding(e: &Evidence<'_>) -> Option<Finding> {
    let order = e.observation.file_order.as_ref()?;
    // order[i] is the file position of chain[i]; list the file's order.
    let mut by_position: Vec<(usize, &CertFacts)> = order
        .iter()
        .zip(e.chain)
        .map(|(&pos, cert)| (pos, cert))
        .collect();
    by_position.sort_by_key(|(pos, _)| *pos);
    let file_names: Vec<String> = by_position
        .iter()
        .map(|(_, c)| format!("'{}'", c.name()))
        .collect();
    let ordered: Vec<String> = e.chain.iter().map(|c| format!("'{}'", c.name())).collect();
    let mut f = Finding::warning(
        FindingKind::ChainOrder,
        format!(
            "the file's certificates are out of order: {} should come first, not {}",
            ordered.first().map_or("the server certificate", String::as_str),
            file_names.first().map_or("", String::as_str)
        ),
        format!(
            "The file holds {} (in that order); tlsdoctor judged them as {} (leaf first, then each issuer). A server configured with this file sends the wrong order: rustls and browsers cope, but older OpenSSL, Java and embedded clients may fail with a bad signature or an unknown issuer. Reorder the file: the leaf, then each intermediate.",
            name_list(&file_names),
            name_list(&ordered)
        ),
    );
    f.kind = FindingKind::ChainOrder;
    Some(f)
}

/// Names joined with commas; a long list (a hostile file can hold a
/// thousand certificates) keeps its first few and counts the rest.
fn name_list(names: &[String]) -> String {
    const SHOWN: usize = 8;
    if names.len() <= SHOWN {
        return names.join(", ");
    }
    let shown: Vec<&str> = names.iter().take(SHOWN).map(String::as_str).collect();
    format!("{} and {} more", shown.join(", "), names.len() - SHOWN)
}

// ---------------------------------------------------------------------------
// Chain, time, name and trust

fn chain_findings(e: &Evidence<'_>, v: &Verification) -> Vec<Finding> {
    let mut out = Vec::new();
    let path = validity::path_certs(e.chain, v);
    out.extend(validity::time_findings(e, &path));
    match &v.name {
        _ if e.observation.name_unchecked => out.push(name_unchecked_finding(e)),
        Err(err) => out.push(validity::name_finding(e, err)),
        Ok(()) => {}
    }
    let roles = path_with_roles(v, &path);
    out.extend(trust::trust_findings(e, v, &roles));
    out.extend(lint::lint(&roles, e.now));
    // The horizon says nothing new when a time finding already names a date.
    let timed = out.iter().any(|f| {
        f.kind == FindingKind::ExpiresSoon
            || matches!(f.verdict(), Some(Verdict::Expired | Verdict::NotYetValid))
    });
    if !timed {
        out.extend(validity::validity_horizon(e, v, &path));
    }
    out.extend(trust::store_load_findings(v));
    out
}

/// `inspect` without `--host`: the chain is judged, its names are not.
fn name_unchecked_finding(e: &Evidence<'_>) -> Finding {
    let names: Vec<&str> = e
        .chain
        .first()
        .map(|l| {
            l.dns_names
                .iter()
                .chain(&l.ip_addresses)
                .map(String::as_str)
                .collect()
        })
        .unwrap_or_default();
    let valid_for = if names.is_empty() {
        "it names no host in subjectAltName".to_string()
    } else {
        format!("it is valid for {}", validity::first_names(&names))
    };
    Finding::info(
        FindingKind::Validity,
        format!("the host name was not checked (no --host given); {valid_for}"),
        format!("The chain was judged for '{}', the first name the server certificate is issued for, which decides whether it counts as a public or a local name. Give --host NAME to check the name a client will ask for.", e.target.host),
    )
}

/// The one path with roles that both the strict lint and the Python 3.13
/// note read: the verified (or linked) path, and the root a store holds
/// for it — the anchor a verifier ended at, else a root the chain names
/// that a store holds.
fn path_with_roles<'a>(v: &'a Verification, path: &[&'a CertFacts]) -> Vec<(&'a CertFacts, Role)> {
    let stores = [Some(&v.bundled), Some(&v.os), v.custom.as_ref()];
    let anchor = stores
        .iter()
        .flatten()
        .find_map(|s| s.anchor.as_ref())
        .or_else(|| {
            stores
                .iter()
                .flatten()
                .find_map(|s| s.issuer_in_store.as_ref().or(s.root_in_store.as_ref()))
        });
    chain::path_with_roles(path, anchor)
}

fn push_note(f: &mut Finding, note: &str) {
    if !note.is_empty() {
        f.detail.push(' ');
        f.detail.push_str(note);
    }
}

fn remedies(gap: TrustGap<'_>) -> Vec<Remedy> {
    let mut list = ecosystems::trust_remedies(&gap);
    list.extend(ecosystems::fixes_to_avoid());
    list
}

/// `a proxy` → `A proxy`, for a phrase that starts a sentence.
fn capitalized(phrase: &str) -> String {
    let mut chars = phrase.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn join_sentences(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
