//! What the attempts of `--repeat` add up to: per attempt its verdict,
//! address, anchor and per-stage latency ([`AttemptRecord`]), and over all of
//! them the counts and the latency percentiles ([`Attempts`]).
//!
//! Pure arithmetic over values already judged: no I/O, no clock. The
//! percentiles are computed from every sample (nearest rank), not
//! estimated. Judging what the numbers mean is Diagnose's
//! ([`crate::diagnose::attempts`]).

use std::time::Duration;

use crate::cert::CertFacts;
use crate::findings::{Diagnosis, Verdict};
use crate::observation::Observation;
use crate::trust::verify::Verification;

/// The top of the chain one attempt saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The root's subject, or, when no store verified the chain, the issuer
    /// named by the last certificate sent.
    pub subject: String,
    /// The same, as a short display name (the CN or the like).
    pub name: String,
    /// The root's SHA-256 when a store holds it; unknown otherwise.
    pub sha256: Option<String>,
    /// The bundled (Mozilla) roots verified to it.
    pub in_bundled: bool,
    /// The OS store verified to it.
    pub in_os: bool,
}

/// One attempt, judged.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    pub verdict: Verdict,
    /// The first error finding's summary (what this outcome looked like).
    pub summary: String,
    pub address: Option<String>,
    /// `None` when no chain was seen.
    pub anchor: Option<Anchor>,
    /// Per stage, when the stage completed.
    pub dns: Option<Duration>,
    pub connect: Option<Duration>,
    pub tls: Option<Duration>,
    pub http: Option<Duration>,
}

impl AttemptRecord {
    /// Record one judged attempt.
    pub fn new(
        obs: &Observation,
        facts: &[CertFacts],
        verification: Option<&Verification>,
        diagnosis: &Diagnosis,
    ) -> AttemptRecord {
        let summary = diagnosis
            .findings
            .iter()
            .find(|f| f.verdict().is_some())
            .map(|f| f.summary.clone())
            .unwrap_or_default();
        AttemptRecord {
            verdict: diagnosis.verdict,
            summary,
            address: obs.connected.map(|a| a.to_string()),
            anchor: anchor(facts, verification),
            dns: (!obs.resolution.addresses.is_empty()).then_some(obs.timings.resolve),
            connect: obs.connected.map(|_| obs.timings.connect),
            tls: obs.tls.as_ref().map(|_| obs.timings.handshake),
            http: obs.http.as_ref().map(|_| obs.timings.http),
        }
    }
}

fn anchor(facts: &[CertFacts], verification: Option<&Verification>) -> Option<Anchor> {
    let last = facts.last()?;
    let v = verification;
    let verified = v.into_iter().flat_map(|v| {
        [Some(&v.bundled), Some(&v.os), v.custom.as_ref()]
            .into_iter()
            .flatten()
            .filter(|s| s.trust_result().is_ok())
            .filter_map(|s| s.anchor.as_ref())
    });
    let found = verified.into_iter().next();
    let sha = found.map(|a| a.sha256.clone());
    let in_store = |pick: fn(&Verification) -> &crate::trust::verify::StoreVerdict| {
        v.is_some_and(|v| {
            let s = pick(v);
            s.trust_result().is_ok() && s.anchor.as_ref().map(|a| &a.sha256) == sha.as_ref()
        })
    };
    Some(Anchor {
        subject: found.map_or_else(|| last.issuer.clone(), |a| a.subject.clone()),
        name: found.map_or_else(
            || last.issuer_display_name.clone(),
            |a| a.display_name.clone(),
        ),
        sha256: sha.clone(),
        in_bundled: in_store(|v| &v.bundled),
        in_os: in_store(|v| &v.os),
    })
}

/// Percentiles of one stage, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
    /// How many attempts completed the stage.
    pub count: usize,
}

/// Nearest-rank percentiles over every sample; `None` for no samples.
pub fn percentiles(samples: &[Duration]) -> Option<Percentiles> {
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let rank = |p: f64| {
        let r = (p / 100.0 * ms.len() as f64).ceil() as usize;
        ms.get(r.saturating_sub(1)).copied()
    };
    Some(Percentiles {
        p50: rank(50.0)?,
        p95: rank(95.0)?,
        max: *ms.last()?,
        count: ms.len(),
    })
}

/// Everything the attempts add up to.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempts {
    pub records: Vec<AttemptRecord>,
    /// Each verdict seen, with its count, most frequent first.
    pub verdicts: Vec<(Verdict, usize)>,
    /// Each distinct anchor, with its count, most frequent first.
    pub anchors: Vec<(Anchor, usize)>,
    /// Each address connected to, with its count, most frequent first.
    pub addresses: Vec<(String, usize)>,
    pub dns: Option<Percentiles>,
    pub connect: Option<Percentiles>,
    pub tls: Option<Percentiles>,
    pub http: Option<Percentiles>,
}

/// Count `items`, keeping first-seen order among equal counts.
fn tally<T: PartialEq + Clone>(items: impl Iterator<Item = T>) -> Vec<(T, usize)> {
    let mut out: Vec<(T, usize)> = Vec::new();
    for item in items {
        match out.iter_mut().find(|(seen, _)| *seen == item) {
            Some((_, n)) => *n += 1,
            None => out.push((item, 1)),
        }
    }
    out.sort_by_key(|item| std::cmp::Reverse(item.1));
    out
}

impl Attempts {
    /// Add up the attempts.
    pub fn from_records(records: Vec<AttemptRecord>) -> Attempts {
        let stage = |pick: fn(&AttemptRecord) -> Option<Duration>| {
            percentiles(&records.iter().filter_map(pick).collect::<Vec<_>>())
        };
        Attempts {
            verdicts: tally(records.iter().map(|r| r.verdict)),
            anchors: tally(records.iter().filter_map(|r| r.anchor.clone())),
            addresses: tally(records.iter().filter_map(|r| r.address.clone())),
            dns: stage(|r| r.dns),
            connect: stage(|r| r.connect),
            tls: stage(|r| r.tls),
            http: stage(|r| r.http),
            records,
        }
    }

    pub fn count(&self) -> usize {
        self.records.len()
    }

    /// Attempts whose verdict is clean or in `allowed`.
    pub fn ok(&self, allowed: &[Verdict]) -> usize {
        self.verdicts
            .iter()
            .filter(|(v, _)| *v == Verdict::Clean || allowed.contains(v))
            .map(|(_, n)| n)
            .sum()
    }

    /// The attempts did not all end the same way.
    pub fn disagree(&self) -> bool {
        self.verdicts.len() > 1 || self.anchors.len() > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn percentiles_are_nearest_rank_over_every_sample() {
        let samples: Vec<Duration> = (1..=20).map(ms).collect();
        let p = percentiles(&samples).unwrap();
        assert_eq!((p.p50, p.p95, p.max, p.count), (10.0, 19.0, 20.0, 20));
        let p = percentiles(&[ms(7)]).unwrap();
        assert_eq!((p.p50, p.p95, p.max), (7.0, 7.0, 7.0));
        let p = percentiles(&[ms(3), ms(1), ms(2)]).unwrap();
        assert_eq!((p.p50, p.p95, p.max), (2.0, 3.0, 3.0));
        assert!(percentiles(&[]).is_none());
    }

    fn record(verdict: Verdict, root: &str) -> AttemptRecord {
        AttemptRecord {
            verdict,
            summary: String::new(),
            address: Some("127.0.0.1:443".into()),
            anchor: Some(Anchor {
                subject: root.into(),
                name: root.into(),
                sha256: None,
                in_bundled: false,
                in_os: false,
            }),
            dns: Some(ms(1)),
            connect: Some(ms(2)),
            tls: (verdict == Verdict::Clean).then_some(ms(3)),
            http: None,
        }
    }

    #[test]
    fn counts_verdicts_anchors_and_ok() {
        let a = Attempts::from_records(vec![
            record(Verdict::Clean, "A"),
            record(Verdict::HandshakeFailed, "A"),
            record(Verdict::Clean, "A"),
        ]);
        assert_eq!(a.count(), 3);
        assert_eq!(
            a.verdicts,
            [(Verdict::Clean, 2), (Verdict::HandshakeFailed, 1)]
        );
        assert_eq!(a.ok(&[]), 2);
        assert_eq!(a.ok(&[Verdict::HandshakeFailed]), 3);
        assert_eq!(a.anchors.len(), 1);
        assert_eq!(a.tls.unwrap().count, 2);
        assert!(a.http.is_none());
        assert!(a.disagree());
        let same = Attempts::from_records(vec![record(Verdict::Clean, "A"); 4]);
        assert!(!same.disagree());
        let varies = Attempts::from_records(vec![
            record(Verdict::Clean, "A"),
            record(Verdict::Clean, "B"),
        ]);
        assert!(varies.disagree());
    }
}
