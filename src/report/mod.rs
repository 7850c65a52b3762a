//! Report: one [`Report`] value, three renderers.
//!
//! The report is assembled from what the earlier stages produced; it adds
//! no judgement. Renderers ([`human`], [`json`], [`markdown`]) only format
//! it — they never compute a diagnosis — and none of them sees a secret:
//! targets are already redacted, proxy credentials never enter.

pub mod attempts;
pub mod bundle;
pub mod env;
pub mod fix;
pub mod human;
pub mod json;
pub mod markdown;
pub mod output;
pub mod paint;
pub mod stream;

pub use output::{write_stdout, Format, Stdout};

use std::collections::BTreeMap;

use serde::Serialize;

pub use attempts::AttemptsReport;

use crate::cert::CertFacts;
use crate::diagnose::Diagnosis;
use crate::findings::{Finding, Verdict};
use crate::observation::{
    printable_prefix, starts_like_non_tls, AddressSource, HttpObservation, HttpStop, Observation,
};
use crate::target::Target;
use crate::trust::verify::{StoreVerdict, Verification};
use crate::untrusted::redact_url as redact;

/// The report of `check` or `inspect` in `format`: the one function shape
/// every output has (`report::env::render` for `env`).
pub fn render(report: &Report, format: Format, color: bool) -> String {
    stream::render_all(report, format, color)
}

/// The JSON schema version (DESIGN.md).
pub const SCHEMA_VERSION: u32 = 1;

/// Everything one run found, for every target.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool_version: &'static str,
    /// When the run happened (RFC 3339).
    pub generated_at: String,
    /// The time validity was judged at, when `--at` moved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    pub targets: Vec<TargetReport>,
    pub environment: EnvironmentReport,
}

/// One target's diagnosis and the facts behind it.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub input: String,
    pub host: String,
    pub port: u16,
    pub path: String,
    pub verdict: Verdict,
    /// The verdict was accepted with `--allow`.
    pub allowed: bool,
    pub findings: Vec<Finding>,
    pub connection: Option<ConnectionReport>,
    pub chain: Vec<CertFacts>,
    pub trust: TrustReport,
    /// The HTTP probe, when it ran.
    pub http: Option<HttpReport>,
    /// With `--repeat`: every attempt added up.
    pub attempts: Option<AttemptsReport>,
    /// Every client found on this machine: does it trust this server?
    pub clients: Vec<crate::diagnose::clients::ClientOutcome>,
}

/// What the HTTP probe saw (URLs redacted).
#[derive(Debug, Clone, Serialize)]
pub struct HttpReport {
    /// The last response's status.
    pub status: Option<u16>,
    /// Every redirect, in order.
    pub redirects: Vec<RedirectReport>,
    /// Every request made, in order.
    pub hops: Vec<HopReport>,
    /// Why the probe stopped: final, not_https, port_changed, other_scheme,
    /// not_followed, loop, too_many_redirects, bad_location, failed.
    pub stop: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The protocol that answered the first request: `h2` or `http/1.1`.
    pub protocol: &'static str,
    /// The HTTP/2 exchange, when `h2` was negotiated.
    pub h2: Option<H2Report>,
    /// Where the redirects ended, on another host or port, diagnosed like a
    /// target (DESIGN.md, Redirects).
    pub destination: Option<Box<DestinationReport>>,
}

/// How the HTTP/2 exchange ended.
#[derive(Debug, Clone, Serialize)]
pub struct H2Report {
    /// ok, stall, goaway, reset or protocol_error.
    pub outcome: &'static str,
    pub detail: String,
}

/// A redirect's destination, diagnosed.
#[derive(Debug, Clone, Serialize)]
pub struct DestinationReport {
    pub host: String,
    pub port: u16,
    pub verdict: Verdict,
    pub connection: Option<ConnectionReport>,
    pub chain: Vec<CertFacts>,
    pub trust: TrustReport,
}

impl DestinationReport {
    /// `host:port`, an IPv6 address in brackets.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// The destination part of a target report made for a redirect's destination.
pub fn destination_report(t: TargetReport) -> DestinationReport {
    DestinationReport {
        host: t.host,
        port: t.port,
        verdict: t.verdict,
        connection: t.connection,
        chain: t.chain,
        trust: t.trust,
    }
}

/// One redirect.
#[derive(Debug, Clone, Serialize)]
pub struct RedirectReport {
    pub status: u16,
    /// The Location, resolved against the request URL.
    pub location: String,
}

/// One request.
#[derive(Debug, Clone, Serialize)]
pub struct HopReport {
    pub url: String,
    pub status: Option<u16>,
    pub location: Option<String>,
}

impl From<&HttpObservation> for HttpReport {
    fn from(h: &HttpObservation) -> Self {
        let (stop, error) = match &h.stop {
            HttpStop::Final => ("final", None),
            HttpStop::NotHttps => ("not_https", None),
            HttpStop::PortChanged => ("port_changed", None),
            HttpStop::OtherScheme(scheme) => ("other_scheme", Some(scheme.clone())),
            HttpStop::NotFollowed(why) => ("not_followed", Some(why.clone())),
            HttpStop::Loop => ("loop", None),
            HttpStop::TooManyRedirects { .. } => ("too_many_redirects", None),
            HttpStop::BadLocation(why) => ("bad_location", Some(why.clone())),
            HttpStop::Failed(why) => ("failed", Some(why.clone())),
        };
        HttpReport {
            status: h.hops.last().and_then(|hop| hop.status),
            redirects: h
                .hops
                .iter()
                .filter_map(|hop| {
                    Some(RedirectReport {
                        status: hop.status?,
                        location: redact(hop.location.as_deref()?),
                    })
                })
                .collect(),
            hops: h
                .hops
                .iter()
                .map(|hop| HopReport {
                    url: redact(&hop.url),
                    status: hop.status,
                    location: hop.location.as_deref().map(redact),
                })
                .collect(),
            stop,
            error,
            protocol: h.protocol.as_str(),
            h2: h.h2.as_ref().map(|h2| H2Report {
                outcome: h2.outcome.as_str(),
                detail: h2.detail.clone(),
            }),
            destination: None,
        }
    }
}

/// How the connection went.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionReport {
    /// The address connected to.
    pub address: Option<String>,
    /// Every address considered, and where they came from.
    pub addresses: Vec<String>,
    pub address_source: &'static str,
    /// The proxy used, credentials removed.
    pub proxy: Option<String>,
    pub tls_version: Option<String>,
    pub cipher_suite: Option<String>,
    pub key_exchange: Option<String>,
    pub alpn: Option<String>,
    pub sni: bool,
    /// The server's first bytes, printable only, when they were not TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bytes: Option<String>,
    pub timings_ms: Timings,
}

/// Milliseconds per stage.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Timings {
    pub resolve: f64,
    pub connect: f64,
    pub handshake: f64,
}

/// Per-store results.
#[derive(Debug, Clone, Serialize, Default)]
pub struct TrustReport {
    pub bundled: Option<StoreReport>,
    pub os: Option<StoreReport>,
    pub custom: Option<StoreReport>,
}

impl TrustReport {
    /// Which stores trust the chain, in words, from their results alone
    /// (never from the verdict): "trusted by the bundled roots and the OS
    /// store", or "trusted by your --ca-file roots (not by the bundled roots
    /// or the OS store)". `None` when no store trusts it.
    pub fn trusted_by(&self) -> Option<String> {
        let trusts = |s: &Option<StoreReport>| s.as_ref().is_some_and(|s| s.trusted);
        let (bundled, os, custom) = (
            trusts(&self.bundled),
            trusts(&self.os),
            trusts(&self.custom),
        );
        let public = match (bundled, os) {
            (true, true) => Some("the bundled roots and the OS store"),
            (true, false) => Some("the bundled roots (not the OS store)"),
            (false, true) => Some("the OS store (not the bundled roots)"),
            (false, false) => None,
        };
        match (public, custom) {
            (Some(p), _) => Some(format!("trusted by {p}")),
            (None, true) => Some(
                "trusted by your --ca-file roots (not by the bundled roots or the OS store)".into(),
            ),
            (None, false) => None,
        }
    }
}

/// What one store said.
#[derive(Debug, Clone, Serialize)]
pub struct StoreReport {
    pub trusted: bool,
    pub error: Option<String>,
    /// The error in words, for people (the JSON keeps the stable name).
    #[serde(skip)]
    pub error_words: Option<String>,
    /// Trusted once time is set aside (the chain's only problem is dates).
    pub trusted_ignoring_time: bool,
    pub source: String,
    pub roots: usize,
    pub anchor: Option<AnchorReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub load_errors: Vec<String>,
}

/// The root a verified path ended at.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorReport {
    pub subject: String,
    pub sha256: String,
}

/// The parts of the environment that decide trust.
#[derive(Debug, Clone, Serialize, Default)]
pub struct EnvironmentReport {
    pub os: String,
    /// CA and proxy variables that are set (proxy credentials removed).
    pub variables: BTreeMap<String, String>,
    /// Settings that bear on the verdicts (from `tlsdoctor env`'s audit).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Finding>,
    /// The clients found on this machine, with their trust sources.
    pub clients: Vec<crate::tools::EnvClient>,
}

impl From<&StoreVerdict> for StoreReport {
    fn from(s: &StoreVerdict) -> Self {
        StoreReport {
            trusted: s.trusted(),
            error: s.at_time.as_ref().err().map(|e| e.as_str().to_string()),
            error_words: s.at_time.as_ref().err().map(|e| e.describe()),
            trusted_ignoring_time: s.trusted_ignoring_time(),
            source: s.source.clone(),
            roots: s.roots,
            anchor: s.anchor.as_ref().map(|a| AnchorReport {
                subject: a.subject.clone(),
                sha256: a.sha256.clone(),
            }),
            load_errors: s.load_errors.clone(),
        }
    }
}

/// Assemble one target's report from the stages' outputs.
pub fn target_report(
    target: &Target,
    observation: &Observation,
    chain: Vec<CertFacts>,
    verification: Option<&Verification>,
    diagnosis: Diagnosis,
    allowed: bool,
) -> TargetReport {
    let connection = observation.connected.map(|addr| {
        let tls = observation.tls.as_ref();
        let ms = |d: std::time::Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
        ConnectionReport {
            address: Some(addr.to_string()),
            addresses: observation
                .resolution
                .addresses
                .iter()
                .map(|a| a.to_string())
                .collect(),
            address_source: match observation.resolution.source {
                AddressSource::Dns => "dns",
                AddressSource::Literal => "literal",
                AddressSource::Override => "resolve_override",
            },
            proxy: observation.proxy.clone(),
            tls_version: tls.map(|t| t.version.clone()),
            cipher_suite: tls.map(|t| t.cipher_suite.clone()),
            key_exchange: tls.and_then(|t| t.key_exchange.clone()),
            alpn: tls.and_then(|t| t.alpn.clone()),
            sni: tls.is_some_and(|t| t.sni),
            first_bytes: starts_like_non_tls(&observation.first_bytes)
                .then(|| printable_prefix(&observation.first_bytes)),
            timings_ms: Timings {
                resolve: ms(observation.timings.resolve),
                connect: ms(observation.timings.connect),
                handshake: ms(observation.timings.handshake),
            },
        }
    });
    let trust = verification.map_or_else(TrustReport::default, |v| TrustReport {
        bundled: Some((&v.bundled).into()),
        os: Some((&v.os).into()),
        custom: v.custom.as_ref().map(Into::into),
    });
    TargetReport {
        input: target.display.clone(),
        host: target.host.clone(),
        port: target.port,
        path: target.path().to_string(),
        verdict: diagnosis.verdict,
        allowed,
        findings: diagnosis.findings,
        connection,
        chain,
        trust,
        http: observation.http.as_ref().map(Into::into),
        attempts: None,
        clients: Vec::new(),
    }
}

/// The variables that decide trust, as this process sees them.
pub fn environment_report(
    os: &str,
    vars: impl IntoIterator<Item = (String, String)>,
    warnings: Vec<Finding>,
) -> EnvironmentReport {
    EnvironmentReport {
        os: os.to_string(),
        variables: vars
            .into_iter()
            .map(|(k, v)| {
                let v = if k.to_ascii_lowercase().contains("proxy") {
                    crate::untrusted::redact_proxy(&v)
                } else {
                    v
                };
                (k, v)
            })
            .collect(),
        warnings,
        clients: Vec::new(),
    }
}

/// The closing lines for a run over many targets, e.g. "7 of 11 targets
/// re-signed by Zscaler (Zscaler Root CA)". Counting, not judging: the
/// verdicts and vendors come from Diagnose.
pub fn summary_lines(targets: &[TargetReport]) -> Vec<String> {
    let mut summary = stream::Summary::default();
    for t in targets {
        summary.add(t);
    }
    summary.lines()
}

/// `C=US, O=Zscaler Inc., CN=Zscaler Root CA` → `Zscaler Root CA`.
pub fn common_name(subject: &str) -> String {
    subject
        .split(", ")
        .find_map(|part| part.strip_prefix("CN="))
        .unwrap_or(subject)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(trusted: bool) -> Option<StoreReport> {
        Some(StoreReport {
            trusted,
            error: (!trusted).then(|| "unknown_issuer".into()),
            error_words: None,
            trusted_ignoring_time: trusted,
            source: "test".into(),
            roots: 1,
            anchor: None,
            load_errors: Vec::new(),
        })
    }

    #[test]
    fn trusted_by_names_exactly_the_stores_that_trust() {
        let cases = [
            (
                true,
                true,
                None,
                Some("trusted by the bundled roots and the OS store"),
            ),
            (
                true,
                false,
                None,
                Some("trusted by the bundled roots (not the OS store)"),
            ),
            (
                false,
                true,
                None,
                Some("trusted by the OS store (not the bundled roots)"),
            ),
            (
                false,
                false,
                Some(true),
                Some("trusted by your --ca-file roots (not by the bundled roots or the OS store)"),
            ),
            (false, false, Some(false), None),
            (false, false, None, None),
        ];
        for (bundled, os, custom, want) in cases {
            let trust = TrustReport {
                bundled: store(bundled),
                os: store(os),
                custom: custom.and_then(store),
            };
            assert_eq!(
                trust.trusted_by().as_deref(),
                want,
                "{bundled} {os} {custom:?}"
            );
        }
    }

    #[test]
    fn common_name_takes_the_cn() {
        assert_eq!(
            common_name("C=US, O=Zscaler Inc., CN=Zscaler Root CA"),
            "Zscaler Root CA"
        );
        assert_eq!(common_name("O=No CN"), "O=No CN");
    }

    #[test]
    fn summary_counts_interceptors_and_verdicts() {
        let target = |verdict, vendor: Option<&str>| TargetReport {
            input: String::new(),
            host: String::new(),
            port: 443,
            path: "/".into(),
            verdict,
            allowed: false,
            findings: vendor
                .map(|v| vec![Finding::error(verdict, "", "").with_vendor(v)])
                .unwrap_or_default(),
            connection: None,
            chain: Vec::new(),
            trust: TrustReport::default(),
            http: None,
            attempts: None,
            clients: Vec::new(),
        };
        let targets = [
            target(Verdict::CorporateInterception, Some("Zscaler")),
            target(Verdict::CorporateInterception, Some("Zscaler")),
            target(Verdict::Clean, None),
            target(Verdict::Unreachable, None),
        ];
        assert_eq!(
            summary_lines(&targets),
            [
                "1 of 4 targets clean",
                "2 of 4 targets re-signed by Zscaler",
                "1 of 4 targets unreachable"
            ]
        );
    }

    #[test]
    fn proxy_credentials_never_survive() {
        let env = environment_report(
            "linux",
            [
                ("HTTPS_PROXY".to_string(), "http://a:b@p:1".to_string()),
                (
                    "ALL_PROXY".to_string(),
                    "http://p:2/?token=s3cret".to_string(),
                ),
                ("SSL_CERT_FILE".to_string(), "/etc/ssl/x.pem".to_string()),
            ],
            Vec::new(),
        );
        let json = serde_json::to_string(&env).unwrap();
        assert!(!json.contains("a:b") && !json.contains("s3cret"), "{json}");
        assert_eq!(
            env.variables["HTTPS_PROXY"],
            "http://p:1 (credentials removed)"
        );
        assert_eq!(env.variables["SSL_CERT_FILE"], "/etc/ssl/x.pem");
    }
}

#[cfg(test)]
mod snapshot_tests;
