//! The `attempts` part of a target's report (`--repeat`): counts, anchors,
//! addresses and per-stage latency percentiles, as numbers already added
//! up by [`crate::attempts`]; and its compact human lines. No judgement.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::attempts::{Attempts, Percentiles};
use crate::findings::Verdict;

/// JSON `attempts`.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptsReport {
    pub count: usize,
    /// Attempts whose verdict is clean or allowed.
    pub ok: usize,
    /// Verdict → how many attempts ended with it.
    pub verdicts: BTreeMap<&'static str, usize>,
    pub anchors: Vec<AnchorCount>,
    pub addresses: Vec<AddressCount>,
    pub latency_ms: Latency,
}

/// One distinct top of the chain.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorCount {
    pub subject: String,
    pub sha256: Option<String>,
    pub count: usize,
}

/// One address connected to.
#[derive(Debug, Clone, Serialize)]
pub struct AddressCount {
    pub address: String,
    pub count: usize,
}

/// Per stage; `null` when no attempt completed the stage.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub dns: Option<Stage>,
    pub connect: Option<Stage>,
    pub tls: Option<Stage>,
    pub http: Option<Stage>,
}

/// Percentiles of one stage, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Stage {
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
    /// Attempts that completed the stage.
    pub count: usize,
}

fn round(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

impl From<Percentiles> for Stage {
    fn from(p: Percentiles) -> Stage {
        Stage {
            p50: round(p.p50),
            p95: round(p.p95),
            max: round(p.max),
            count: p.count,
        }
    }
}

impl AttemptsReport {
    pub fn new(a: &Attempts, allowed: &[Verdict]) -> AttemptsReport {
        AttemptsReport {
            count: a.count(),
            ok: a.ok(allowed),
            verdicts: a.verdicts.iter().map(|(v, n)| (v.as_str(), *n)).collect(),
            anchors: a
                .anchors
                .iter()
                .map(|(anchor, count)| AnchorCount {
                    subject: anchor.subject.clone(),
                    sha256: anchor.sha256.clone(),
                    count: *count,
                })
                .collect(),
            addresses: a
                .addresses
                .iter()
                .map(|(address, count)| AddressCount {
                    address: address.clone(),
                    count: *count,
                })
                .collect(),
            latency_ms: Latency {
                dns: a.dns.map(Into::into),
                connect: a.connect.map(Into::into),
                tls: a.tls.map(Into::into),
                http: a.http.map(Into::into),
            },
        }
    }

    /// Compact lines: the success count, then one line per stage.
    pub fn human_lines(&self) -> Vec<String> {
        let verdicts: Vec<String> = self
            .verdicts
            .iter()
            .map(|(v, n)| format!("{v} {n}"))
            .collect();
        let mut lines = vec![format!(
            "{} of {} ok ({})",
            self.ok,
            self.count,
            verdicts.join(", ")
        )];
        let l = &self.latency_ms;
        for (name, stage) in [
            ("dns", l.dns),
            ("connect", l.connect),
            ("tls", l.tls),
            ("http", l.http),
        ] {
            if let Some(s) = stage {
                lines.push(format!(
                    "{name:<8}p50 {:>8.2} ms  p95 {:>8.2} ms  max {:>8.2} ms  ({} of {})",
                    s.p50, s.p95, s.max, s.count, self.count
                ));
            }
        }
        lines
    }
}
