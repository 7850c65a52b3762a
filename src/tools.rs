//! Wiring for "your tools": discovery (Machine) runs on the background
//! worker while the probes run; then each client's trust source is resolved,
//! every CA file the clients read is loaded once and verified against each
//! target's chain (Verify), and each client is evaluated (Diagnose).
//!
//! It owns no rule and renders nothing.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use crate::diagnose::clients::{evaluate as evaluate_clients, ClientEvidence, ClientOutcome};
use crate::findings::Finding;
use crate::knowledge::clients::{trust_source, ClientTrust, Context, Source};
use crate::knowledge::Platform;
use crate::machine::clients::{ClientFacts, ClientId, ClientsFacts, DiscoveryInputs, Setting};
use crate::pipeline::Judged;
use crate::trust::client_stores::{verify_sources, CaFiles, Known, Readers};
use crate::trust::verify::Stores;
use crate::trust::{StoreKind, TrustStore};

/// Discovery, started before the probes: it finds the clients, resolves
/// each one's trust source for every target, and reads every CA file they
/// name, while the connections are being made.
pub struct Discovery(crate::background::Handle<Prepared>);

/// What discovery prepared: the clients, their trust sources per target,
/// and the CA files read once.
#[derive(Debug, Default)]
pub struct Prepared {
    pub facts: ClientsFacts,
    /// Each distinct resolution of the clients' trust sources: usually one,
    /// since only git's per-URL settings tell targets apart. Kept once, not
    /// per target, so that many targets cost an index each.
    distinct: Vec<Vec<(ClientFacts, ClientTrust)>>,
    /// Per target (in the order of the URLs), its entry in `distinct`.
    planned: Vec<usize>,
    files: CaFiles,
}

impl Discovery {
    /// Read this process's environment and find the clients, on the
    /// background worker.
    /// `urls` are the targets' URLs (git's per-URL settings depend on them).
    /// `os_store_reads_bundle`: the OS store will load the platform bundle
    /// itself (then it is not read twice).
    pub fn start(
        pythons: Vec<PathBuf>,
        urls: Vec<String>,
        os_store_reads_bundle: bool,
    ) -> Discovery {
        Discovery(crate::background::spawn(move || {
            let facts = crate::machine::clients::discover(&DiscoveryInputs::from_process(pythons));
            prepare(facts, &urls, os_store_reads_bundle)
        }))
    }

    /// The prepared clients (none when discovery failed).
    pub fn finish(self) -> Prepared {
        self.0.join().unwrap_or_default()
    }
}

/// Resolve trust sources per target and read the CA files they name.
pub fn prepare(facts: ClientsFacts, urls: &[String], os_store_reads_bundle: bool) -> Prepared {
    let mut distinct: Vec<Vec<(ClientFacts, ClientTrust)>> = Vec::new();
    let planned = urls
        .iter()
        .map(|url| {
            let ctx = context(&facts, url.clone());
            let trusts: Vec<ClientTrust> = facts
                .clients
                .iter()
                .map(|c| trust_source(c, &ctx))
                .collect();
            let same = |known: &Vec<(ClientFacts, ClientTrust)>| {
                known.iter().map(|(_, t)| t).eq(trusts.iter())
            };
            distinct.iter().position(same).unwrap_or_else(|| {
                distinct.push(facts.clients.iter().cloned().zip(trusts).collect());
                distinct.len() - 1
            })
        })
        .collect();
    let all: BTreeSet<Source> = distinct
        .iter()
        .flatten()
        .flat_map(|(_, t)| t.sources.iter().cloned())
        .collect();
    let os_bundle = facts
        .platform_bundle
        .as_deref()
        .filter(|_| os_store_reads_bundle);
    let files = CaFiles::load(all.iter(), os_bundle, READERS.file);
    Prepared {
        facts,
        distinct,
        planned,
        files,
    }
}

/// Clients' CA files and directories, read through Machine.
const READERS: Readers = Readers {
    file: &read_ca_file,
    look_up: &look_up_in_dir,
};

/// A CA file a client reads, as a store (problems in its `load_errors`).
fn read_ca_file(path: &std::path::Path) -> TrustStore {
    let roots = crate::machine::stores::ca_file_roots(path);
    let mut store = TrustStore::from_certs(StoreKind::Custom, roots.source, roots.certs);
    store.load_errors.extend(roots.errors);
    store
}

/// The CAs in hashed directory `dir` under any of `names` (DER Names), as
/// OpenSSL finds them.
fn look_up_in_dir(dir: &std::path::Path, names: &[&[u8]]) -> TrustStore {
    let hashes: Vec<u32> = names
        .iter()
        .filter_map(|n| crate::trust::subject_hash::openssl_name_hash(n))
        .collect();
    let roots = crate::machine::stores::hashed_roots(&[dir.to_path_buf()], &hashes);
    let mut store =
        TrustStore::from_certs(StoreKind::Custom, dir.display().to_string(), Vec::new());
    store.add_roots(roots.certs, roots.errors);
    store
}

/// The URL git matches its per-URL sections against.
pub fn target_url(target: &crate::target::Target) -> String {
    format!("https://{}:{}{}", target.host, target.port, target.path())
}

/// A client as `tlsdoctor env` and JSON `environment.clients` list it.
#[derive(Debug, Clone, Serialize)]
pub struct EnvClient {
    pub client: ClientId,
    pub executable: PathBuf,
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<PathBuf>,
    pub trust_source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_off: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<Setting>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One target's clients: every client's outcome and the `client_fails`
/// findings.
pub type TargetClients = (Vec<ClientOutcome>, Vec<Finding>);

/// Per target: every client's outcome and the `client_fails` findings.
#[derive(Debug, Clone, Default)]
pub struct Evaluated {
    pub per_target: Vec<TargetClients>,
    pub environment: Vec<EnvClient>,
}

/// Some client fails (`--require-clients`).
pub fn any_fails(outcomes: &[ClientOutcome]) -> bool {
    outcomes
        .iter()
        .any(|o| o.outcome == crate::diagnose::clients::Outcome::Fails)
}

impl Evaluated {
    /// Some client fails on some target (`--require-clients`).
    pub fn any_fails(&self) -> bool {
        self.per_target
            .iter()
            .any(|(outcomes, _)| any_fails(outcomes))
    }
}

fn context<'a>(facts: &'a ClientsFacts, url: String) -> Context<'a> {
    let node_version = facts
        .clients
        .iter()
        .find(|c| c.found.client == ClientId::Node)
        .and_then(|c| c.found.version.clone());
    Context {
        platform: Platform::current(),
        vars: &facts.vars,
        platform_bundle: facts.platform_bundle.clone(),
        java_cacerts_from_os: facts.java_cacerts_from_os,
        node_version,
        url,
    }
}

/// The clients as the environment shows them, without a target.
pub fn environment(facts: &ClientsFacts) -> Vec<EnvClient> {
    let ctx = context(facts, String::new());
    facts
        .clients
        .iter()
        .map(|c| env_client(c, &trust_source(c, &ctx)))
        .collect()
}

fn env_client(c: &ClientFacts, t: &ClientTrust) -> EnvClient {
    let mut notes = t.notes.clone();
    notes.extend(c.unknown.iter().map(|u| format!("unknown: {u}")));
    notes.extend(t.unknown.iter().map(|u| format!("unknown: {u}")));
    EnvClient {
        client: c.found.client,
        executable: c.found.executable.clone(),
        version: c.found.version.clone(),
        interpreter: c.found.interpreter.clone(),
        trust_source: t.label.clone(),
        verification_off: t.disabled.clone(),
        settings: c.settings.clone(),
        notes,
    }
}

/// Evaluate every client for every judged target (in the order the URLs
/// were given to [`Discovery::start`]).
pub fn evaluate(
    prepared: &Prepared,
    judged: &[Judged],
    stores: &Stores,
    at: OffsetDateTime,
) -> Evaluated {
    let per_target = judged
        .iter()
        .enumerate()
        .map(|(i, j)| evaluate_one(prepared, i, j, stores, at))
        .collect();
    Evaluated {
        per_target,
        environment: environment(&prepared.facts),
    }
}

/// Evaluate every client for the judged target whose URL was the
/// `index`-th given to [`Discovery::start`].
pub fn evaluate_one(
    prepared: &Prepared,
    index: usize,
    j: &Judged,
    stores: &Stores,
    at: OffsetDateTime,
) -> TargetClients {
    let clients = prepared
        .planned
        .get(index)
        .and_then(|&k| prepared.distinct.get(k))
        .map_or(&[][..], Vec::as_slice);
    let wanted: BTreeSet<Source> = clients
        .iter()
        .flat_map(|(_, t)| t.sources.iter().cloned())
        .collect();
    let sources = verify_sources(
        &prepared.files,
        READERS,
        &wanted,
        &j.observation.chain,
        &j.facts,
        at,
        Known {
            bundled: &stores.bundled,
            os: &stores.os,
            verified: j.verification.as_deref(),
        },
    );
    let name = j
        .verification
        .as_ref()
        .map(|v| v.name.clone())
        .unwrap_or(Ok(()));
    evaluate_clients(&ClientEvidence {
        clients,
        sources: &sources,
        chain: &j.facts,
        name: &name,
        host: &j.target.host,
        now: at,
        verdict: j.diagnosis.verdict,
    })
}
