//! Wiring for "your tools": discovery (Machine) runs on its own thread
//! while the probes run; then each client's trust source is resolved,
//! every CA file the clients read is loaded once and verified against each
//! target's chain (Verify), and each client is evaluated (Diagnose).
//!
//! It owns no rule and renders nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;
use time::OffsetDateTime;

use crate::app::Judged;
use crate::diagnose::clients::{evaluate as evaluate_clients, ClientEvidence, ClientOutcome};
use crate::ecosystems::Platform;
use crate::findings::Finding;
use crate::knowledge::clients::{trust_source, ClientTrust, Context, Source};
use crate::machine::clients::{ClientFacts, ClientId, ClientsFacts, DiscoveryInputs, Setting};
use crate::trust::client_stores::{verify_sources, CaFiles};
use crate::trust::verify::Stores;

/// Discovery, started before the probes.
pub struct Discovery(std::thread::JoinHandle<ClientsFacts>);

impl Discovery {
    /// Read this process's environment and find the clients, on a thread.
    pub fn start(pythons: Vec<PathBuf>) -> Discovery {
        Discovery(std::thread::spawn(move || {
            crate::machine::clients::discover(&DiscoveryInputs::from_process(pythons))
        }))
    }

    /// The clients found (none when discovery failed).
    pub fn finish(self) -> ClientsFacts {
        self.0.join().unwrap_or_default()
    }
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

/// Per target: every client's outcome and the `client_fails` findings.
#[derive(Debug, Clone, Default)]
pub struct Evaluated {
    pub per_target: Vec<(Vec<ClientOutcome>, Vec<Finding>)>,
    pub environment: Vec<EnvClient>,
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

/// Evaluate every client for every judged target.
pub fn evaluate(
    facts: &ClientsFacts,
    judged: &[Judged],
    stores: &Stores,
    at: OffsetDateTime,
) -> Evaluated {
    let planned: Vec<Vec<(ClientFacts, ClientTrust)>> = judged
        .iter()
        .map(|j| {
            let url = format!(
                "https://{}:{}{}",
                j.target.host,
                j.target.port,
                j.target.path()
            );
            let ctx = context(facts, url);
            facts
                .clients
                .iter()
                .map(|c| (c.clone(), trust_source(c, &ctx)))
                .collect()
        })
        .collect();
    let all: BTreeSet<Source> = planned
        .iter()
        .flatten()
        .flat_map(|(_, t)| t.sources.iter().cloned())
        .collect();
    // The OS store was already read from the platform bundle: reuse it.
    let preloaded = facts
        .platform_bundle
        .as_deref()
        .filter(|b| stores.os.source.starts_with(&b.display().to_string()))
        .map(|b| (b, &stores.os));
    let files = CaFiles::load(all.iter(), preloaded.map(|(b, s): (&Path, _)| (b, s)));
    let per_target = judged
        .iter()
        .zip(&planned)
        .map(|(j, clients)| {
            let wanted: BTreeSet<Source> = clients
                .iter()
                .flat_map(|(_, t)| t.sources.iter().cloned())
                .collect();
            let sources = verify_sources(
                &files,
                &wanted,
                &j.observation.chain,
                &j.facts,
                at,
                &stores.bundled,
                &stores.os,
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
        })
        .collect();
    Evaluated {
        per_target,
        environment: environment(facts),
    }
}
