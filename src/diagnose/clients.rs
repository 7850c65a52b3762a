//! Diagnose, per client: from each client's trust source (as its version
//! resolves it here) and what every source said about the chain, weighed
//! by that client's engine, whether it trusts the server, why, in the words
//! it prints when it refuses, and what fixes it.
//!
//! Pure: no I/O, no clock, no environment. The facts come from Machine and
//! Verify; the knowledge of each client from `knowledge::clients`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use crate::cert::CertFacts;
use crate::client_facts::{ClientFacts, ClientId};
use crate::diagnose::lint::{self, Role};
use crate::findings::{Finding, FindingKind, Remedy, Verdict};
use crate::knowledge::clients::{ClientTrust, Engine, KeyFloor, Semantics, Source};
use crate::trust::client_stores::SourceVerdict;
use crate::trust::verify::ChainError;

/// `trusts`, `fails` or `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Trusts,
    Fails,
    Unknown,
}

/// One client's outcome for one target (JSON `targets[].clients[]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientOutcome {
    pub client: ClientId,
    pub executable: PathBuf,
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<PathBuf>,
    pub trust_source: String,
    pub outcome: Outcome,
    pub reason: String,
    /// What the client prints when it refuses.
    pub error: Option<String>,
    /// What the client did when `--run-clients` ran it; null when not run.
    pub observed: Option<crate::observation::Observed>,
    /// Why `--run-clients` did not run it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_run_reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remedies: Vec<Remedy>,
}

/// Why an engine refused the chain through one source.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    /// The source holds no roots at all.
    NoRoots(String),
    UnknownIssuer,
    /// Only the leaf was sent and its issuer is not in the source.
    LeafOnly,
    SelfSignedLeaf,
    SelfSignedInChain,
    Expired(String),
    NotYetValid(String),
    RootExpired(String),
    /// The anchor is not self-signed and the engine needs a root.
    PartialChain(String),
    Strict(String),
    /// An RSA key on the path is under the engine's floor: (where the
    /// certificate sits on the path, its name, its bits, the floor).
    WeakKey(Role, String, usize, KeyFloor),
    Other(String),
}

impl Failure {
    /// How much this failure says (more specific wins across sources).
    fn weight(&self) -> u8 {
        match self {
            Failure::NoRoots(_) => 0,
            Failure::UnknownIssuer | Failure::LeafOnly => 1,
            Failure::SelfSignedLeaf | Failure::SelfSignedInChain => 2,
            _ => 3,
        }
    }

    /// The reason in plain words (the trust source is shown beside it).
    fn reason(&self) -> String {
        match self {
            Failure::NoRoots(why) => format!("its trust source has no roots: {why}"),
            Failure::UnknownIssuer => "the root this chain needs is not in its trust source".into(),
            Failure::LeafOnly => "only the leaf was sent and its issuer is not in its trust source".into(),
            Failure::SelfSignedLeaf => "the self-signed server certificate is not in its trust source".into(),
            Failure::SelfSignedInChain => "the root the server sent is not in its trust source".into(),
            Failure::Expired(which) => format!("{which} has expired"),
            Failure::NotYetValid(which) => format!("{which} is not valid yet"),
            Failure::RootExpired(root) => format!("the root '{root}' has expired; this client's TLS library rejects an expired root (rustls and Java do not)"),
            Failure::PartialChain(anchor) => format!("the chain ends at '{anchor}', which is not a root; this client needs the root itself"),
            Failure::Strict(msg) => format!("Python 3.13's strict verification rejects it: {msg}"),
            Failure::WeakKey(role, name, bits, floor) => {
                let role = match role {
                    Role::Leaf => "the server certificate",
                    Role::Intermediate => "the intermediate",
                    Role::Anchor => "the root",
                };
                format!("{role} '{name}' has a {bits}-bit RSA key; {} needs {}", floor.by, floor.bits)
            }
            Failure::Other(msg) => msg.clone(),
        }
    }

    /// The error text the client prints.
    fn error(&self, client: ClientId, engine: Engine) -> String {
        let (openssl, node_code) = match self {
            Failure::NoRoots(_) | Failure::UnknownIssuer => (
                "unable to get local issuer certificate",
                "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
            ),
            // OpenSSL stops at error 20; Node lets verification go on and
            // reports the last error, 21, for a lone leaf.
            Failure::LeafOnly => (
                "unable to get local issuer certificate",
                "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
            ),
            Failure::SelfSignedLeaf => ("self-signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT"),
            Failure::SelfSignedInChain => (
                "self-signed certificate in certificate chain",
                "SELF_SIGNED_CERT_IN_CHAIN",
            ),
            Failure::Expired(_) | Failure::RootExpired(_) => {
                ("certificate has expired", "CERT_HAS_EXPIRED")
            }
            Failure::NotYetValid(_) => ("certificate is not yet valid", "CERT_NOT_YET_VALID"),
            Failure::PartialChain(_) => (
                "unable to get issuer certificate",
                "UNABLE_TO_GET_ISSUER_CERT",
            ),
            Failure::Strict(msg) => (msg.as_str(), "CERT_UNTRUSTED"),
            // Node 24 prints OpenSSL's words (its code is UNSPECIFIED).
            Failure::WeakKey(Role::Leaf, ..) => {
                ("EE certificate key too weak", "EE certificate key too weak")
            }
            Failure::WeakKey(..) => ("CA certificate key too weak", "CA certificate key too weak"),
            Failure::Other(msg) => (msg.as_str(), "UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
        };
        match (client, engine) {
            (ClientId::Node | ClientId::Npm, _) => node_code.to_string(),
            (ClientId::Curl, _) => format!("curl: (60) SSL certificate problem: {openssl}"),
            (ClientId::Git, Engine::GnuTls) => "server certificate verification failed. CAfile: … CRLfile: none".to_string(),
            (ClientId::Git | ClientId::Cargo, _) => format!("SSL certificate problem: {openssl}"),
            (_, Engine::Java) => "PKIX path building failed: unable to find valid certification path to requested target".to_string(),
            (_, Engine::Go) => match self {
                Failure::Expired(_) | Failure::RootExpired(_) | Failure::NotYetValid(_) => "x509: certificate has expired or is not yet valid".to_string(),
                _ => "x509: certificate signed by unknown authority".to_string(),
            },
            (_, Engine::Rustls) => format!("invalid peer certificate: {}", match self {
                Failure::Expired(_) => "Expired",
                Failure::NotYetValid(_) => "NotValidYet",
                Failure::SelfSignedLeaf => "CaUsedAsEndEntity",
                _ => "UnknownIssuer",
            }),
            _ => format!("CERTIFICATE_VERIFY_FAILED: {openssl}"),
        }
    }
}

/// What one source gave.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    /// Trusted, through this anchor (a name).
    Trusts(String),
    Fails(Failure),
}

/// Everything the per-client evaluation looks at.
#[derive(Debug, Clone, Copy)]
pub struct ClientEvidence<'a> {
    pub clients: &'a [(ClientFacts, ClientTrust)],
    pub sources: &'a BTreeMap<Source, SourceVerdict>,
    pub chain: &'a [CertFacts],
    /// Is the leaf valid for the name asked.
    pub name: &'a Result<(), ChainError>,
    pub host: &'a str,
    pub now: OffsetDateTime,
    pub verdict: Verdict,
}

/// Every client's outcome, and the `client_fails` warnings for a target
/// whose verdict is clean.
pub fn evaluate(e: &ClientEvidence<'_>) -> (Vec<ClientOutcome>, Vec<Finding>) {
    let mut outcomes: Vec<ClientOutcome> = e
        .clients
        .iter()
        .map(|(facts, trust)| one_client(e, facts, trust))
        .collect();
    // Failing first, then unknown, then trusting; stable otherwise.
    outcomes.sort_by_key(|o| match o.outcome {
        Outcome::Fails => 0,
        Outcome::Unknown => 1,
        Outcome::Trusts => 2,
    });
    let findings = if e.verdict == Verdict::Clean {
        outcomes
            .iter()
            .filter(|o| o.outcome == Outcome::Fails)
            .map(|o| {
                Finding::warning(
                    FindingKind::ClientFails,
                    format!("{} fails here: {}", label(o), o.reason),
                    format!(
                        "The server's chain is trusted by the bundled and OS roots, but {} on this machine refuses it ({}). It prints: {}",
                        label(o),
                        o.trust_source,
                        o.error.as_deref().unwrap_or("?")
                    ),
                )
                .with_remedies(o.remedies.clone())
            })
            .collect()
    } else {
        Vec::new()
    };
    (outcomes, findings)
}

/// `python-requests 2.32.3`.
pub fn label(o: &ClientOutcome) -> String {
    match &o.version {
        Some(v) => format!("{} {v}", o.client),
        None => o.client.to_string(),
    }
}

fn one_client(e: &ClientEvidence<'_>, facts: &ClientFacts, trust: &ClientTrust) -> ClientOutcome {
    let mut out = ClientOutcome {
        client: facts.found.client,
        executable: facts.found.executable.clone(),
        version: facts.found.version.clone(),
        interpreter: facts.found.interpreter.clone(),
        trust_source: trust.label.clone(),
        outcome: Outcome::Unknown,
        reason: String::new(),
        error: None,
        observed: None,
        not_run_reason: None,
        notes: trust.notes.clone(),
        remedies: Vec::new(),
    };
    if let Some(off) = &trust.disabled {
        out.outcome = Outcome::Trusts;
        out.reason = format!("verification is switched off: {off}");
        return out;
    }
    if let Some(why) = &trust.unknown {
        out.reason = why.clone();
        return out;
    }
    if e.chain.is_empty() {
        out.reason = "no certificate chain was captured".into();
        return out;
    }
    let floor = match crate::knowledge::clients::rsa_floor(facts, trust.semantics) {
        Ok(bits) => Some(bits),
        Err(why) if weakest_rsa(e).is_some_and(|b| b < 2048) => {
            out.reason = why;
            return out;
        }
        Err(_) => None,
    };
    let decisions: Vec<(&Source, Decision)> = trust
        .sources
        .iter()
        .filter_map(|s| {
            let decision = decide(e, e.sources.get(s)?, trust.semantics);
            Some((s, weak_key(e, e.sources.get(s)?, decision, floor)))
        })
        .collect();
    if decisions.is_empty() {
        out.reason = "its trust source could not be read".into();
        return out;
    }
    if let Some((source, Decision::Trusts(anchor))) = decisions
        .iter()
        .find(|(_, d)| matches!(d, Decision::Trusts(_)))
    {
        if let Err(err) = e.name {
            out.outcome = Outcome::Fails;
            out.reason = format!(
                "the certificate is not valid for {} ({})",
                e.host,
                err.describe()
            );
            out.error = Some(name_error(
                facts.found.client,
                trust.semantics.engine,
                e.host,
            ));
            return out;
        }
        out.outcome = Outcome::Trusts;
        let user_named = e.sources.get(source).is_some_and(|v| v.store.user_named);
        out.reason = format!("'{anchor}' is in {}", source_name(source, user_named));
        return out;
    }
    let failure = decisions
        .iter()
        .filter_map(|(_, d)| match d {
            Decision::Fails(f) => Some(f.clone()),
            Decision::Trusts(_) => None,
        })
        .max_by_key(Failure::weight)
        .unwrap_or(Failure::UnknownIssuer);
    out.outcome = Outcome::Fails;
    out.reason = failure.reason();
    out.error = Some(failure.error(facts.found.client, trust.semantics.engine));
    out.remedies = crate::knowledge::client_remedies::for_client(
        facts,
        trust,
        &trusting_files(e.sources),
        &failure_kind(&failure),
    );
    out
}

/// The smallest RSA key the server sent or a path could end at.
fn weakest_rsa(e: &ClientEvidence<'_>) -> Option<usize> {
    let anchors = e
        .sources
        .values()
        .filter_map(|sv| path_of(e, sv))
        .map(|(_, a)| a);
    e.chain
        .iter()
        .chain(anchors)
        .filter_map(CertFacts::rsa_bits)
        .min()
}

/// A trusting decision turned into a failure when an RSA key on the path
/// (the server's certificate, the sent certificates on the path, the
/// anchor) is under the client's floor.
fn weak_key(
    e: &ClientEvidence<'_>,
    sv: &SourceVerdict,
    decision: Decision,
    floor: Option<KeyFloor>,
) -> Decision {
    let (Decision::Trusts(_), Some(floor)) = (&decision, floor) else {
        return decision;
    };
    let mut on_path: Vec<(Role, &CertFacts)> = e
        .chain
        .first()
        .map(|l| (Role::Leaf, l))
        .into_iter()
        .collect();
    if let Some((indices, anchor)) = path_of(e, sv).filter(|_| !sv.leaf_in_store) {
        on_path.extend(
            indices
                .iter()
                .filter(|&&i| i > 0)
                .filter_map(|&i| e.chain.get(i))
                .map(|c| (Role::Intermediate, c)),
        );
        on_path.push((Role::Anchor, anchor));
    }
    let weak = on_path.into_iter().find_map(|(role, c)| {
        let bits = c.rsa_bits()?;
        u32::try_from(bits)
            .is_ok_and(|b| b < floor.bits)
            .then(|| (role, c.display_name.clone(), bits))
    });
    match weak {
        Some((role, name, bits)) => Decision::Fails(Failure::WeakKey(role, name, bits, floor)),
        None => decision,
    }
}

/// The path a source's store builds (indices into the sent chain, leaf
/// first, and the anchor): webpki's; or, when webpki refused a signature
/// only because the signer's RSA key is under its own 2048-bit floor, the
/// sent chain as it links (every signature checked) up to the store's root
/// that signed its top — the path engines with a lower floor build.
fn path_of<'a>(
    e: &ClientEvidence<'a>,
    sv: &'a SourceVerdict,
) -> Option<(Vec<usize>, &'a CertFacts)> {
    let store = &sv.store;
    match &store.at_time {
        Ok(path) => Some((path.chain_indices.clone(), store.anchor.as_ref()?)),
        Err(ChainError::BadSignature) => {
            let mut linked = crate::cert::chain::linked(e.chain);
            let top = e.chain.get(*linked.last()?)?;
            let anchor = match (&store.issuer_in_store, &store.root_in_store) {
                (Some(root), _) if top.is_signed_by(root) => root,
                (_, Some(root)) if top.self_signed && linked.len() > 1 => {
                    linked.pop();
                    root
                }
                _ => return None,
            };
            let signers = linked.iter().skip(1).filter_map(|&i| e.chain.get(i));
            let weak = signers
                .chain([anchor])
                .any(|c| c.rsa_bits().is_some_and(|b| b < 2048));
            weak.then_some((linked, anchor))
        }
        Err(_) => None,
    }
}

/// The CA files among the sources that trust the chain (or hold the leaf
/// itself), in source order: where a failing client could be pointed.
fn trusting_files(sources: &BTreeMap<Source, SourceVerdict>) -> Vec<PathBuf> {
    sources
        .iter()
        .filter(|(_, v)| v.store.trusted() || v.leaf_in_store)
        .filter_map(|(s, _)| match s {
            Source::Path(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

/// The kind of failure, for remedies.
pub use crate::knowledge::client_remedies::FailureKind;

fn failure_kind(f: &Failure) -> FailureKind {
    match f {
        Failure::NoRoots(_) => FailureKind::NoRoots,
        Failure::UnknownIssuer
        | Failure::LeafOnly
        | Failure::SelfSignedLeaf
        | Failure::SelfSignedInChain => FailureKind::RootMissing,
        Failure::RootExpired(_) => FailureKind::RootExpired,
        Failure::PartialChain(_) => FailureKind::PartialChain,
        Failure::Strict(_) => FailureKind::Strict,
        Failure::Expired(_)
        | Failure::NotYetValid(_)
        | Failure::WeakKey(..)
        | Failure::Other(_) => FailureKind::ServerSide,
    }
}

/// How a trust source is named; `user_named`: the user gave its roots
/// (`--bundled-roots`, `--os-roots`), which stand in for the real ones.
fn source_name(s: &Source, user_named: bool) -> String {
    match (s, user_named) {
        (Source::Path(p) | Source::Dir(p), _) => p.display().to_string(),
        (Source::Bundled, false) => "the built-in Mozilla roots".into(),
        (Source::Bundled, true) => {
            "the roots given with --bundled-roots (standing in for the built-in Mozilla roots)"
                .into()
        }
        (Source::OsVerifier, false) => "the OS store".into(),
        (Source::OsVerifier, true) => {
            "the roots given with --os-roots (standing in for the OS store)".into()
        }
    }
}

fn name_error(client: ClientId, engine: Engine, host: &str) -> String {
    match (client, engine) {
        (ClientId::Node | ClientId::Npm, _) => "ERR_TLS_CERT_ALTNAME_INVALID".into(),
        (ClientId::Curl, _) => format!("curl: (60) SSL: no alternative certificate subject name matches target host name '{host}'"),
        (_, Engine::Java) => "No subject alternative DNS name matching found".into(),
        (_, Engine::Go) => format!("x509: certificate is valid for other names, not {host}"),
        (_, Engine::Rustls) => "invalid peer certificate: NotValidForName".into(),
        _ => format!("CERTIFICATE_VERIFY_FAILED: Hostname mismatch, certificate is not valid for '{host}'"),
    }
}

/// One source, weighed by the engine.
fn decide(e: &ClientEvidence<'_>, sv: &SourceVerdict, sem: Semantics) -> Decision {
    let Some(leaf) = e.chain.first() else {
        return Decision::Fails(Failure::Other("no certificate".into()));
    };
    let valid_now = |c: &CertFacts| c.not_before <= e.now && e.now <= c.not_after;
    // OpenSSL, GnuTLS, Go and Java accept a server certificate that is
    // itself in the store (even CA:TRUE), without strict checks.
    if sv.leaf_in_store && sem.engine != Engine::Rustls {
        return if valid_now(leaf) {
            Decision::Trusts(leaf.display_name.clone())
        } else {
            Decision::Fails(Failure::Expired("the server's certificate".into()))
        };
    }
    if let Some(problem) = &sv.problem {
        return Decision::Fails(Failure::NoRoots(problem.clone()));
    }
    if let Some((indices, anchor)) = path_of(e, sv) {
        let checks_root_dates = matches!(sem.engine, Engine::OpenSsl | Engine::GnuTls | Engine::Go);
        if checks_root_dates && !valid_now(anchor) {
            return Decision::Fails(Failure::RootExpired(anchor.display_name.clone()));
        }
        if !anchor.self_signed && !sem.partial_chain {
            return Decision::Fails(Failure::PartialChain(anchor.display_name.clone()));
        }
        if sem.strict {
            if let Some(msg) = strict_failure(e, &indices, anchor) {
                return Decision::Fails(Failure::Strict(msg));
            }
        }
        return Decision::Trusts(anchor.display_name.clone());
    }
    match &sv.store.at_time {
        Ok(_) => Decision::Trusts("?".into()),
        Err(err) if err.is_time() => {
            let which = e
                .chain
                .iter()
                .find(|c| !valid_now(c))
                .map(|c| format!("'{}'", c.display_name))
                .unwrap_or_else(|| "a certificate".into());
            match sv.store.at_valid_time {
                Some(Ok(_)) if *err == ChainError::NotYetValid => {
                    Decision::Fails(Failure::NotYetValid(which))
                }
                Some(Ok(_)) => Decision::Fails(Failure::Expired(which)),
                _ => Decision::Fails(untrusted(e.chain)),
            }
        }
        Err(ChainError::UnknownIssuer | ChainError::CaUsedAsEndEntity | ChainError::NoRoots) => {
            Decision::Fails(untrusted(e.chain))
        }
        Err(other) => Decision::Fails(Failure::Other(other.describe())),
    }
}

/// OpenSSL's words for a chain whose root is not in the store.
fn untrusted(chain: &[CertFacts]) -> Failure {
    let linked = crate::cert::chain::linked(chain);
    let top = linked.last().and_then(|&i| chain.get(i));
    match (chain.first(), top) {
        (Some(leaf), _) if leaf.self_signed => Failure::SelfSignedLeaf,
        (_, Some(top)) if top.self_signed => Failure::SelfSignedInChain,
        _ if linked.len() <= 1 => Failure::LeafOnly,
        _ => Failure::UnknownIssuer,
    }
}

/// The first strict-profile rule Python 3.13 applies that the path breaks.
fn strict_failure(e: &ClientEvidence<'_>, indices: &[usize], anchor: &CertFacts) -> Option<String> {
    let mut path: Vec<(&CertFacts, Role)> = indices
        .iter()
        .enumerate()
        .filter_map(|(n, &i)| {
            Some((
                e.chain.get(i)?,
                if n == 0 {
                    Role::Leaf
                } else {
                    Role::Intermediate
                },
            ))
        })
        .collect();
    path.push((anchor, Role::Anchor));
    if !lint::breaks_python(&path, e.now) {
        return None;
    }
    path.iter().find_map(|(c, role)| {
        lint::violations(c, *role, e.now)
            .into_iter()
            .find(|v| v.rejected_by.contains(&lint::PYTHON_STRICT))
            .map(|v| v.message)
    })
}

/// Fit a target's remedies to the clients found here: a generic remedy for
/// an ecosystem whose clients were found is replaced by the remedies of
/// those that fail (fitted to their version and settings), or dropped when
/// they all trust — never prescribing what already works. A generic remedy
/// for a tool not found here is dropped too (advice is for this machine's
/// tools). Remedies to avoid, and the shared steps (the certificate file,
/// the OS store, the combined bundle), stay. When discovery found no client
/// at all, nothing is known of this machine and every remedy stays.
pub fn fit_remedies(findings: &mut [Finding], outcomes: &[ClientOutcome]) {
    use crate::knowledge::client_remedies::generic_clients;
    if outcomes.is_empty() {
        return;
    }
    // Only trust verdicts carry trust remedies (not http2_failure, …).
    let about_trust = |f: &Finding| {
        matches!(
            f.verdict(),
            Some(
                Verdict::CorporateInterception
                    | Verdict::SelfSigned
                    | Verdict::PrivateCa
                    | Verdict::IncompleteChain
            )
        )
    };
    for finding in findings.iter_mut().filter(|f| about_trust(f)) {
        let mut fitted: Vec<Remedy> = Vec::new();
        for remedy in std::mem::take(&mut finding.remedies) {
            let ids = generic_clients(&remedy.ecosystem).filter(|_| !remedy.avoid);
            let Some(ids) = ids else {
                fitted.push(remedy);
                continue;
            };
            let found: Vec<&ClientOutcome> = outcomes
                .iter()
                .filter(|o| ids.contains(&o.client))
                .collect();
            for o in found.iter().filter(|o| o.outcome == Outcome::Fails) {
                for r in &o.remedies {
                    if !fitted.contains(r) {
                        fitted.push(r.clone());
                    }
                }
            }
        }
        finding.remedies = fitted;
    }
}

#[cfg(test)]
#[path = "clients_tests.rs"]
mod tests;
