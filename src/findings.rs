//! The vocabulary of a diagnosis: verdicts, findings and remedies.
//!
//! These are plain values shared by Diagnose (which builds them), the
//! ecosystem knowledge (which writes remedies) and the renderers (which only
//! print them). Their serde names are part of the JSON contract in
//! `DESIGN.md`; never rename a variant's string.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A diagnosis: one verdict, every finding (errors first). Diagnose builds
/// it ([`crate::diagnose`]); attempts and renderers read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
}

/// The one root cause for a target, in precedence order: when several error
/// findings exist, the verdict is the first of them in this list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Intermittent,
    Unreachable,
    NotTls,
    HandshakeFailed,
    LargeHelloDropped,
    CorporateInterception,
    SelfSigned,
    PrivateCa,
    IncompleteChain,
    Expired,
    NotYetValid,
    HostnameMismatch,
    InvalidCertificate,
    Http2Failure,
    RedirectSchemeLoss,
    Clean,
}

impl Verdict {
    /// Every verdict, in precedence order.
    pub const ALL: [Verdict; 16] = [
        Verdict::Intermittent,
        Verdict::Unreachable,
        Verdict::NotTls,
        Verdict::HandshakeFailed,
        Verdict::LargeHelloDropped,
        Verdict::CorporateInterception,
        Verdict::SelfSigned,
        Verdict::PrivateCa,
        Verdict::IncompleteChain,
        Verdict::Expired,
        Verdict::NotYetValid,
        Verdict::HostnameMismatch,
        Verdict::InvalidCertificate,
        Verdict::Http2Failure,
        Verdict::RedirectSchemeLoss,
        Verdict::Clean,
    ];

    /// The contract name, as in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Intermittent => "intermittent",
            Verdict::Unreachable => "unreachable",
            Verdict::NotTls => "not_tls",
            Verdict::HandshakeFailed => "handshake_failed",
            Verdict::LargeHelloDropped => "large_hello_dropped",
            Verdict::CorporateInterception => "corporate_interception",
            Verdict::SelfSigned => "self_signed",
            Verdict::PrivateCa => "private_ca",
            Verdict::IncompleteChain => "incomplete_chain",
            Verdict::Expired => "expired",
            Verdict::NotYetValid => "not_yet_valid",
            Verdict::HostnameMismatch => "hostname_mismatch",
            Verdict::InvalidCertificate => "invalid_certificate",
            Verdict::Http2Failure => "http2_failure",
            Verdict::RedirectSchemeLoss => "redirect_scheme_loss",
            Verdict::Clean => "clean",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned for a verdict name that does not exist.
#[derive(Debug, thiserror::Error)]
#[error("unknown verdict '{0}' (expected one of: {list})", list = Verdict::ALL.map(Verdict::as_str).join(", "))]
pub struct UnknownVerdict(pub String);

impl FromStr for Verdict {
    type Err = UnknownVerdict;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownVerdict(s.to_string()))
    }
}

/// How much a finding matters. Only errors can become the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// What kind of fact a finding states. Error findings use the verdict names;
/// warnings and notes have kinds of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The certificates came in the wrong order.
    ChainOrder,
    /// Trusted by the bundled roots but not by this machine's OS store.
    OsStoreOutdated,
    /// A certificate on the path expires soon.
    ExpiresSoon,
    /// When the chain stops being valid, and which certificate goes first.
    Validity,
    /// A stricter validator (Python 3.13, OpenSSL -x509_strict) rejects this.
    StrictX509,
    /// Trusted only through a CA the user declared with `--ca-file`.
    DeclaredCa,
    /// A CA whose private key is public: anyone can forge under it.
    CompromisedRoot,
    /// The OS store or another trust source could not be read completely.
    TrustStore,
    /// Which clients trust this chain and which do not.
    ClientImpact,
    /// A client found on this machine refuses a chain that is otherwise clean.
    ClientFails,
    /// A CA, TLS or proxy setting in the environment that bears on trust.
    Environment,
    /// The connection succeeded but something about it is worth knowing.
    Connection,
    /// An HTTP anomaly that does not change a TLS verdict.
    Http,
    /// With `--repeat`: different attempts saw different chain anchors.
    ChainVaries,
    /// With `--repeat`: one distinct outcome of the attempts, with its count.
    Attempts,
    /// A client run with `--run-clients` contradicted its predicted outcome.
    ClientPredictionMismatch,
    /// An error finding whose kind is a verdict name (untagged variants
    /// must come last for serde).
    #[serde(untagged)]
    Verdict(Verdict),
}

/// One step a user can take, for one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remedy {
    /// Who this is for, e.g. "Python (requests, httpx, pip)".
    pub ecosystem: String,
    /// What to do, in one sentence.
    pub action: String,
    /// Exact commands or settings, ready to copy; may be empty.
    pub commands: Vec<String>,
    /// True for a fix people try that is wrong or dangerous: it is listed
    /// so the report can say "do not", with the reason in `action`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub avoid: bool,
}

/// A fact worth saying about a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// One line, suitable for the verdict line.
    pub summary: String,
    /// The why, in plain words; may span a few sentences.
    pub detail: String,
    pub remedies: Vec<Remedy>,
    /// The inspection product or vendor, when one was recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// For `strict_x509`: the rule broken (with its RFC or CA/B Forum section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// For `strict_x509`: the clients that reject the chain because of it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rejected_by: Vec<String>,
}

impl Finding {
    /// A finding with no remedies and no extra fields.
    pub fn new(
        kind: FindingKind,
        severity: Severity,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Finding {
            kind,
            severity,
            summary: summary.into(),
            detail: detail.into(),
            remedies: Vec::new(),
            vendor: None,
            rule: None,
            rejected_by: Vec::new(),
        }
    }

    /// An error finding whose kind is `verdict`.
    pub fn error(verdict: Verdict, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Finding::new(
            FindingKind::Verdict(verdict),
            Severity::Error,
            summary,
            detail,
        )
    }

    /// A warning finding.
    pub fn warning(
        kind: FindingKind,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Finding::new(kind, Severity::Warning, summary, detail)
    }

    /// An informational finding.
    pub fn info(kind: FindingKind, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Finding::new(kind, Severity::Info, summary, detail)
    }

    /// Attach remedies.
    pub fn with_remedies(mut self, remedies: Vec<Remedy>) -> Self {
        self.remedies.extend(remedies);
        self
    }

    /// Name the vendor.
    pub fn with_vendor(mut self, vendor: impl Into<String>) -> Self {
        self.vendor = Some(vendor.into());
        self
    }

    /// The verdict this finding stands for, when it is an error finding.
    pub fn verdict(&self) -> Option<Verdict> {
        match (self.severity, self.kind) {
            (Severity::Error, FindingKind::Verdict(v)) => Some(v),
            // A misordered chain is an invalid certificate chain (DESIGN.md).
            (Severity::Error, FindingKind::ChainOrder) => Some(Verdict::InvalidCertificate),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_names_round_trip() {
        for v in Verdict::ALL {
            assert_eq!(v.as_str().parse::<Verdict>().unwrap(), v);
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
    }

    #[test]
    fn unknown_verdict_lists_the_names() {
        let err = "fine".parse::<Verdict>().unwrap_err().to_string();
        assert!(
            err.contains("'fine'") && err.contains("corporate_interception"),
            "{err}"
        );
    }

    #[test]
    fn finding_kind_serializes_as_plain_string() {
        let kind = FindingKind::Verdict(Verdict::SelfSigned);
        assert_eq!(serde_json::to_value(kind).unwrap(), "self_signed");
        assert_eq!(
            serde_json::to_value(FindingKind::StrictX509).unwrap(),
            "strict_x509"
        );
    }
}
