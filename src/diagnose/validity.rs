//! Time and name: which certificate on the path is out of its validity,
//! when the chain stops being valid, and which names the leaf is valid for.
//!
//! Pure: the time is an input.

use super::{Evidence, EXPIRY_WARNING_DAYS};
use crate::cert::{format_date, CertFacts};
use crate::findings::{Finding, FindingKind, Verdict};
use crate::trust::verify::{ChainError, Verification};

pub(super) fn path_certs<'a>(chain: &'a [CertFacts], v: &Verification) -> Vec<&'a CertFacts> {
    let built = [Some(&v.bundled), Some(&v.os), v.custom.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|s| s.trust_result().as_ref().ok());
    let indices = match built {
        Some(path) => path.chain_indices.clone(),
        None => crate::cert::chain::linked(chain),
    };
    indices.into_iter().filter_map(|i| chain.get(i)).collect()
}

pub(super) fn role(cert: &CertFacts, chain: &[CertFacts]) -> &'static str {
    if chain.first().is_some_and(|l| l.sha256 == cert.sha256) {
        "the server certificate"
    } else if cert.self_signed {
        "the root"
    } else {
        "the intermediate"
    }
}

pub(super) fn time_findings(e: &Evidence<'_>, path: &[&CertFacts]) -> Vec<Finding> {
    let mut out = Vec::new();
    // Validity is encoded in whole seconds; compare at that granularity, as
    // webpki does (x509-limbo: notafter-fractional).
    let now = e.now.replace_nanosecond(0).unwrap_or(e.now);
    for cert in path {
        let role = role(cert, e.chain);
        if now > cert.not_after {
            let days = (now - cert.not_after).whole_days();
            out.push(Finding::error(
                Verdict::Expired,
                format!("{role} '{}' expired on {} ({} ago)", cert.name(), format_date(cert.not_after), ago(days)),
                format!(
                    "It was valid from {} to {}. Every client rejects it; the server needs a renewed certificate{}.",
                    format_date(cert.not_before),
                    format_date(cert.not_after),
                    if role == "the server certificate" { "" } else { " chain (a current intermediate)" }
                ),
            ));
        } else if now < cert.not_before {
            let days = (cert.not_before - now).whole_days();
            out.push(Finding::error(
                Verdict::NotYetValid,
                format!("{role} '{}' is not valid until {} (in {days} days)", cert.name(), format_date(cert.not_before)),
                "Either the certificate was issued with a future start date, or this machine's clock is wrong: check the clock first.".to_string(),
            ));
        } else if (cert.not_after - now).whole_days() < EXPIRY_WARNING_DAYS {
            out.push(Finding::warning(
                FindingKind::ExpiresSoon,
                format!("{role} '{}' expires on {}", cert.name(), format_date(cert.not_after)),
                format!("Less than {EXPIRY_WARNING_DAYS} days left: renew it before clients start failing."),
            ));
        }
    }
    out
}

fn ago(days: i64) -> String {
    match days {
        0 => "less than a day".into(),
        1 => "1 day".into(),
        d if d < 60 => format!("{d} days"),
        d if d < 730 => format!("{} months", d / 30),
        d => format!("{} years", d / 365),
    }
}

pub(super) fn validity_horizon(
    e: &Evidence<'_>,
    v: &Verification,
    path: &[&CertFacts],
) -> Option<Finding> {
    let built = [Some(&v.bundled), Some(&v.os), v.custom.as_ref()]
        .into_iter()
        .flatten()
        .any(|s| s.trust_result().is_ok());
    if !built {
        return None;
    }
    let first = path.iter().min_by_key(|c| c.not_after)?;
    let leaf = path.first()?;
    let role = role(first, e.chain);
    let date = format_date(first.not_after);
    let before_leaf = if first.sha256 != leaf.sha256 && first.not_after < leaf.not_after {
        format!(
            ", before the server certificate (valid until {})",
            format_date(leaf.not_after)
        )
    } else {
        String::new()
    };
    let now = e.now.replace_nanosecond(0).unwrap_or(e.now);
    let summary = if now > first.not_after {
        format!(
            "the chain stopped being valid on {date}: {role} '{}' expired first{before_leaf}",
            first.name()
        )
    } else {
        let state = if now < first.not_before {
            "not valid yet"
        } else {
            "valid now"
        };
        format!(
            "{state}; {role} '{}' expires on {date}{before_leaf}",
            first.name()
        )
    };
    Some(Finding::info(
        FindingKind::Validity,
        summary,
        format!(
            "The earliest notAfter on the verified path (the trust anchor aside) is {} ({role} '{}'). From then on every client rejects the chain unless that certificate is replaced. Use --at to judge the chain at another time.",
            crate::cert::format_time(first.not_after),
            first.name()
        ),
    ))
}

/// The certificates that can make a target expired: those on the path a
/// verifier built, or the issuer chain linked from the leaf (DESIGN.md, Time).
pub(super) fn name_finding(e: &Evidence<'_>, err: &ChainError) -> Finding {
    let Some(leaf) = e.chain.first() else {
        return Finding::error(Verdict::HostnameMismatch, "no certificate", "");
    };
    let names: Vec<&str> = leaf
        .dns_names
        .iter()
        .chain(&leaf.ip_addresses)
        .map(String::as_str)
        .collect();
    if *err != ChainError::NotValidForName {
        return Finding::error(
            Verdict::InvalidCertificate,
            format!(
                "the server certificate's names cannot be checked: {}",
                err.describe()
            ),
            "",
        );
    }
    let (summary, detail) = if names.is_empty() {
        (
            format!("the certificate has no subjectAltName, so it is valid for no name (asked: {})", e.target.host),
            format!(
                "Its subject is '{}'. Clients stopped reading the common name years ago (RFC 6125; Chrome 58, rustls, Python 3.7+): the name must be in subjectAltName.",
                crate::untrusted::cut(&leaf.subject, crate::untrusted::terminal::MAX_SHOWN)
            ),
        )
    } else {
        (
            format!("the certificate is valid for {}, not {}", first_names(&names), e.target.host),
            format!(
                "Clients compare the name they asked for with the certificate's subjectAltName. Either the target name is not the server's canonical name (try one of: {}), or the server presents the wrong certificate for this name (check its SNI configuration).",
                first_names(&names)
            ),
        )
    };
    Finding::error(Verdict::HostnameMismatch, summary, detail)
}

/// At most ten of a certificate's names, each cut, then how many more
/// there are: 1,700 names must not make a 135 KB headline.
pub(super) fn first_names(names: &[&str]) -> String {
    const NAMES_LISTED: usize = 10;
    let mut shown: Vec<String> = names
        .iter()
        .take(NAMES_LISTED)
        .map(|n| crate::untrusted::cut(n, crate::untrusted::terminal::MAX_SHOWN).into_owned())
        .collect();
    if names.len() > NAMES_LISTED {
        shown.push(format!("and {} more", names.len() - NAMES_LISTED));
    }
    shown.join(", ")
}
