//! What a judged target asks of `fix`: a root for the failing clients, or
//! nothing a client-side change can give (the server's problem, no chain).
//!
//! Pure: reads the verdict, the verification and the chain's facts only.
//! It decides which root is needed and whether it may be added (a root
//! whose key is public never); [`super::choose`] decides the change per client.

use crate::cert::CertFacts;
use crate::diagnose::lint::PYTHON_STRICT;
use crate::findings::{FindingKind, Verdict};
use crate::knowledge::interceptors;
use crate::pipeline::Judged;

/// What the target needs.
#[derive(Debug, Clone)]
pub enum Needs<'a> {
    /// A root the clients should trust.
    Root {
        root: &'a CertFacts,
        /// Where it came from ("the OS store (…)", "--ca-file", "the server").
        from: String,
        in_os_store: bool,
        self_signed_leaf: bool,
        public_key: Option<String>,
        breaks_strict: bool,
    },
    /// The chain needs a root that no store here holds.
    NoRoot { why: String },
    /// Nothing a client can change: the server must be fixed.
    ServerProblem { verdict: Verdict, summary: String },
    /// The target was not reached.
    Unreachable { why: String },
}

/// Verdicts that are the server's to fix: no client-side trust change is right.
fn servers_problem(verdict: Verdict) -> bool {
    !matches!(
        verdict,
        Verdict::Clean
            | Verdict::CorporateInterception
            | Verdict::PrivateCa
            | Verdict::SelfSigned
            | Verdict::Unreachable
    )
}

/// The first error finding's summary, for the report.
fn first_error(judged: &Judged) -> String {
    judged
        .diagnosis
        .findings
        .iter()
        .find(|f| f.verdict().is_some())
        .map(|f| f.summary.clone())
        .unwrap_or_else(|| judged.diagnosis.verdict.to_string())
}

/// Decide what `judged` needs. Pure.
pub fn needs(judged: &Judged) -> Needs<'_> {
    let verdict = judged.diagnosis.verdict;
    if verdict == Verdict::Unreachable {
        return Needs::Unreachable {
            why: first_error(judged),
        };
    }
    if servers_problem(verdict) {
        return Needs::ServerProblem {
            verdict,
            summary: first_error(judged),
        };
    }
    let public_key = judged
        .facts
        .iter()
        .chain(judged.verification.iter().flat_map(|v| v.os.anchor.iter()))
        .find_map(|c| interceptors::match_spki(&c.spki_sha256))
        .map(|r| r.name.to_string());
    let breaks_strict = judged.diagnosis.findings.iter().any(|f| {
        f.kind == FindingKind::StrictX509 && f.rejected_by.iter().any(|r| r == PYTHON_STRICT)
    });
    let Some(v) = judged.verification.as_ref() else {
        return Needs::NoRoot {
            why: "no certificate chain was received".into(),
        };
    };
    let in_os_store = v.os.trusted_ignoring_time();
    let stores = [
        (v.custom.as_ref(), "--ca-file"),
        (Some(&v.os), "the OS store"),
        (Some(&v.bundled), "the bundled roots"),
    ];
    for (store, name) in stores {
        if let Some(store) = store.filter(|s| s.trusted_ignoring_time()) {
            if let Some(anchor) = &store.anchor {
                return Needs::Root {
                    root: anchor,
                    from: format!("{name} ({})", store.source),
                    in_os_store,
                    self_signed_leaf: false,
                    public_key,
                    breaks_strict,
                };
            }
        }
    }
    if let Some(leaf) = judged.facts.first().filter(|l| l.self_signed) {
        return Needs::Root {
            root: leaf,
            from: "the server's own self-signed certificate".into(),
            in_os_store,
            self_signed_leaf: true,
            public_key,
            breaks_strict,
        };
    }
    if let Some(name) = public_key {
        // Never added, but the refusal must say why even when no store has it.
        if let Some(top) = judged.facts.last() {
            return Needs::Root {
                root: top,
                from: "the server".into(),
                in_os_store,
                self_signed_leaf: false,
                public_key: Some(name),
                breaks_strict,
            };
        }
    }
    let ca = judged
        .facts
        .last()
        .map(|t| t.root_display_name().to_string())
        .unwrap_or_else(|| "the issuing CA".into());
    Needs::NoRoot {
        why: format!(
            "no trust store here holds {ca}, the root {}'s chain needs (verdict: {verdict})",
            judged.target.host
        ),
    }
}
