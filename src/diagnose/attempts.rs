//! Diagnose, `--repeat`: when the attempts did not all end the same way,
//! the verdict is `intermittent`, with one finding per distinct outcome
//! (its count and an example) and `chain_varies` when different anchors
//! were seen. Pure: it reads the added-up attempts only.
//!
//! Roots are named by their own subject, with the store that holds them;
//! a name that no store holds is said to be unverified. No vendor is
//! inferred here.

use crate::attempts::{Anchor, Attempts};
use crate::findings::{Finding, FindingKind, Severity, Verdict};

use super::Diagnosis;

/// Add the attempts' findings to the first attempt's diagnosis.
pub fn merge(first: Diagnosis, attempts: &Attempts) -> Diagnosis {
    let mut findings = first.findings;
    findings.extend(findings_for(attempts));
    super::finish(findings)
}

/// The findings the attempts add (none when they all agree).
pub fn findings_for(a: &Attempts) -> Vec<Finding> {
    if !a.disagree() {
        return Vec::new();
    }
    let n = a.count();
    let counts: Vec<String> = a.verdicts.iter().map(|(v, c)| format!("{c} {v}")).collect();
    let mut out = vec![Finding::error(
        Verdict::Intermittent,
        format!("the {n} attempts did not all end the same way: {}", counts.join(", ")),
        format!(
            "tlsdoctor probed the target {n} times, each attempt a full probe on new connections. {}Outcomes that come and go point at something between here and the server that treats connections differently: a load balancer with one bad member, TLS inspection applied to some connections only (by policy or by load), or a path that drops some connections. The findings below give each outcome with its count and an example.",
            clustering(a)
        ),
    )];
    for (verdict, count) in &a.verdicts {
        out.push(outcome_finding(a, *verdict, *count));
    }
    if a.anchors.len() > 1 {
        out.push(chain_varies(a));
    }
    out
}

/// One distinct outcome: its count, and the first attempt that had it.
fn outcome_finding(a: &Attempts, verdict: Verdict, count: usize) -> Finding {
    let n = a.count();
    let example = a
        .records
        .iter()
        .enumerate()
        .find(|(_, r)| r.verdict == verdict);
    let (summary, detail) = match example {
        Some((i, r)) if !r.summary.is_empty() => (
            format!(
                "{count} of {n} attempts: {verdict} (attempt {}: {})",
                i + 1,
                r.summary
            ),
            format!("Example, attempt {}: {}.", i + 1, r.summary),
        ),
        Some((i, _)) => (
            format!("{count} of {n} attempts: {verdict}"),
            format!("Example: attempt {}.", i + 1),
        ),
        None => (format!("{count} of {n} attempts: {verdict}"), String::new()),
    };
    let severity = if verdict == Verdict::Clean {
        Severity::Info
    } else {
        Severity::Warning
    };
    Finding::new(FindingKind::Attempts, severity, summary, detail)
}

fn anchor_phrase(anchor: &Anchor, count: usize, n: usize) -> String {
    let name = &anchor.name;
    if anchor.in_bundled {
        format!("{count} of {n} got the public chain (ending at '{name}', in the bundled Mozilla roots)")
    } else if anchor.in_os {
        format!("{count} of {n} connections were re-signed by '{name}' (in the OS store)")
    } else if anchor.sha256.is_some() {
        format!("{count} of {n} connections ended at '{name}' (a root given with --ca-file)")
    } else {
        format!("{count} of {n} connections got a chain whose top names '{name}' as its issuer, which no trust store holds (the name is unverified)")
    }
}

fn chain_varies(a: &Attempts) -> Finding {
    let n = a.count();
    let phrases: Vec<String> = a
        .anchors
        .iter()
        .map(|(anchor, count)| anchor_phrase(anchor, *count, n))
        .collect();
    Finding::warning(
        FindingKind::ChainVaries,
        format!("the chain varies: {}", phrases.join("; ")),
        format!(
            "{} different roots in {n} attempts. A chain that changes between connections to the same name means some connections are re-signed on the way (TLS inspection applied to some only) or the name leads to differently configured servers. A client that pins or caches one chain, or whose trust store holds only one of the roots, fails some of the time.",
            a.anchors.len()
        ),
    )
}

/// When every failure came from addresses no success came from, name them.
fn clustering(a: &Attempts) -> String {
    let ok = |v: Verdict| v == Verdict::Clean;
    let addresses = |pass: bool| {
        let mut list: Vec<&str> = a
            .records
            .iter()
            .filter(|r| ok(r.verdict) == pass)
            .filter_map(|r| r.address.as_deref())
            .collect();
        list.sort_unstable();
        list.dedup();
        list
    };
    let (good, bad) = (addresses(true), addresses(false));
    if good.is_empty() || bad.is_empty() || bad.iter().any(|b| good.contains(b)) {
        return String::new();
    }
    format!(
        "Every failure came from {} and every success from {}: suspect the server or path behind the failing address. ",
        bad.join(", "),
        good.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attempts::AttemptRecord;

    fn record(verdict: Verdict, address: &str, anchor: Anchor) -> AttemptRecord {
        AttemptRecord {
            verdict,
            summary: format!("{verdict} happened"),
            address: Some(address.into()),
            anchor: Some(anchor),
            dns: None,
            connect: None,
            tls: None,
            http: None,
        }
    }

    fn anchor(name: &str, in_bundled: bool, in_os: bool) -> Anchor {
        Anchor {
            subject: format!("CN={name}"),
            name: name.into(),
            sha256: Some(format!("{name}-sha")),
            in_bundled,
            in_os,
        }
    }

    #[test]
    fn agreeing_attempts_add_nothing() {
        let public = anchor("ISRG Root X1", true, true);
        let a = Attempts::from_records(vec![record(Verdict::Clean, "a:1", public); 3]);
        assert!(findings_for(&a).is_empty());
        let first = super::super::finish(Vec::new());
        assert_eq!(merge(first, &a).verdict, Verdict::Clean);
    }

    #[test]
    fn disagreeing_attempts_are_intermittent_with_one_finding_per_outcome() {
        let public = anchor("ISRG Root X1", true, true);
        let a = Attempts::from_records(vec![
            record(Verdict::Clean, "10.0.0.1:443", public.clone()),
            record(Verdict::HandshakeFailed, "10.0.0.2:443", public.clone()),
            record(Verdict::Clean, "10.0.0.1:443", public),
        ]);
        let d = merge(super::super::finish(Vec::new()), &a);
        assert_eq!(d.verdict, Verdict::Intermittent);
        let outcomes: Vec<&str> = d
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Attempts)
            .map(|f| f.summary.as_str())
            .collect();
        assert_eq!(
            outcomes,
            [
                "1 of 3 attempts: handshake_failed (attempt 2: handshake_failed happened)",
                "2 of 3 attempts: clean (attempt 1: clean happened)"
            ]
        );
        assert!(d.findings.iter().any(|f| f
            .detail
            .contains("Example, attempt 2: handshake_failed happened")));
        assert!(
            d.findings[0]
                .detail
                .contains("Every failure came from 10.0.0.2:443"),
            "{}",
            d.findings[0].detail
        );
    }

    #[test]
    fn a_varying_chain_names_each_root_with_its_store() {
        let public = anchor("Public Root", true, true);
        let inspect = anchor("Corp Inspection Root", false, true);
        let mut records = vec![record(Verdict::Clean, "a:1", public); 7];
        records.extend(vec![
            record(Verdict::CorporateInterception, "a:1", inspect);
            3
        ]);
        let a = Attempts::from_records(records);
        let f = findings_for(&a);
        let varies = f
            .iter()
            .find(|f| f.kind == FindingKind::ChainVaries)
            .unwrap();
        assert!(
            varies.summary.contains(
                "3 of 10 connections were re-signed by 'Corp Inspection Root' (in the OS store)"
            ),
            "{}",
            varies.summary
        );
        assert!(
            varies.summary.contains("7 of 10 got the public chain"),
            "{}",
            varies.summary
        );
        assert!(varies.vendor.is_none());
    }
}
