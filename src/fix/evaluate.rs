//! The clients `fix` works on: every client `check` finds on this machine,
//! with its predicted outcome for the target (discovery, trust sources and
//! the per-client rules, as `check` evaluates them), and — for the clients
//! it runs — what they did, through the `--run-clients` runner
//! (`machine::run`) pinned to the address the probe connected to.
//!
//! Which clients run: those of the venvs found (always), every client found
//! with `--run-clients`, and after `--apply` every client the plan changed
//! (the proof). Owns joining predictions and runs for `fix`; decides no
//! outcome itself. After a fix, discovery reads the files again (a new
//! `sitecustomize.py`, a config key) and both discovery and the runs see the
//! variables the profile block sets.

use std::path::{Path, PathBuf};
use std::time::Duration;

use time::OffsetDateTime;

use crate::diagnose::clients::Outcome;
use crate::machine::clients::{discover, ClientFacts, DiscoveryInputs};
use crate::machine::fix::{self as locate, EnvVars, Venv};
use crate::machine::run::{self, Destination, ObservedOutcome, RunClient, RunRequest, RunResult};
use crate::pipeline::Judged;
use crate::trust::verify::Stores;

use super::command::Evaluator;
use super::prove::{ClientRun, PythonSite};

/// Predicted outcomes for every client found, corrected by real runs.
pub struct CheckedClients<'a> {
    judged: &'a Judged,
    stores: &'a Stores,
    pythons: Vec<PathBuf>,
    venvs: Vec<Venv>,
    problems: Vec<String>,
    /// `--run-clients`: run every client found, not only the venvs'.
    run_every: bool,
    timeout: Duration,
}

impl<'a> CheckedClients<'a> {
    pub fn new(
        judged: &'a Judged,
        stores: &'a Stores,
        env: &EnvVars,
        options: &super::command::FixOptions,
    ) -> CheckedClients<'a> {
        let (venvs, problems) = locate::venvs(env, &options.pythons);
        CheckedClients {
            judged,
            stores,
            pythons: options.pythons.clone(),
            venvs,
            problems,
            run_every: options.run_clients,
            timeout: options.timeout,
        }
    }
}

fn site(facts: &ClientFacts) -> Option<PythonSite> {
    let py = facts.python.as_ref()?;
    Some(PythonSite {
        version: py.major_minor(),
        venv: py.venv.then(|| py.prefix.clone()),
        // A base interpreter's first site directory may be the user's own;
        // its sitecustomize.py belongs in the prefix's (derived by choose).
        site_packages: py.venv.then(|| py.site_packages.first().cloned()).flatten(),
        base_prefix: (!py.venv).then(|| py.prefix.clone()),
        externally_managed: locate::externally_managed(py),
    })
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Trusts => "trusts",
        Outcome::Fails => "fails",
        Outcome::Unknown => "unknown",
    }
}

fn observed_word(o: ObservedOutcome) -> &'static str {
    match o {
        ObservedOutcome::Trusts => "trusts",
        ObservedOutcome::Fails => "fails",
        ObservedOutcome::Timeout => "timeout",
        ObservedOutcome::Error => "error",
    }
}

/// `path` lies in `dir` (both as given, or with links resolved).
fn inside(path: &Path, dir: &Path) -> bool {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    path.starts_with(dir) || real(path).starts_with(real(dir))
}

impl CheckedClients<'_> {
    /// What `check` predicts for each client found, with `extra_env` set.
    fn predicted(&self, extra_env: &[(String, String)]) -> Vec<ClientRun> {
        let mut inputs = DiscoveryInputs::from_process(self.pythons.clone());
        inputs.vars.extend(extra_env.iter().cloned());
        let facts = discover(&inputs);
        let url = crate::tools::target_url(&self.judged.target);
        let prepared = crate::tools::prepare(facts, &[url], false);
        let now = OffsetDateTime::now_utc();
        let evaluated = crate::tools::evaluate(
            &prepared,
            std::slice::from_ref(self.judged),
            self.stores,
            now,
        );
        let outcomes = evaluated
            .per_target
            .into_iter()
            .next()
            .map(|(o, _)| o)
            .unwrap_or_default();
        outcomes
            .into_iter()
            .map(|o| {
                let facts = prepared
                    .facts
                    .clients
                    .iter()
                    .find(|c| c.found.client == o.client && c.found.executable == o.executable);
                ClientRun {
                    client: o.client.to_string(),
                    executable: o.executable.clone(),
                    version: o.version.clone(),
                    outcome: outcome_word(o.outcome).to_string(),
                    error: o.error.clone(),
                    how: "predicted",
                    interpreter: o.interpreter.clone(),
                    python: facts.and_then(site),
                }
            })
            .collect()
    }

    /// Where clients are sent: the target, pinned to the address the probe
    /// connected to (none through a proxy: clients use their own settings).
    fn destination(&self) -> Option<Destination> {
        let j = self.judged;
        let pinned = match (&j.observation.proxy, j.observation.connected) {
            (Some(_), _) => None,
            (None, Some(addr)) => Some(addr.ip()),
            (None, None) => return None,
        };
        Some(Destination {
            host: j.target.host.clone(),
            port: j.target.port,
            path: j.target.path().to_string(),
            pinned,
        })
    }

    /// Is `c` run: a client of a venv found, one the caller names, or any
    /// with `--run-clients`; and one the runner can pin.
    fn runs(&self, c: &ClientRun, also: &[(String, PathBuf)]) -> bool {
        let of_venv = c
            .interpreter
            .as_deref()
            .is_some_and(|i| self.venvs.iter().any(|v| inside(i, &v.dir)));
        let named = also
            .iter()
            .any(|(id, exe)| *id == c.client && *exe == c.executable);
        (self.run_every || of_venv || named) && run::runnable(&c.client).is_ok()
    }
}

impl Evaluator for CheckedClients<'_> {
    fn evaluate(
        &self,
        extra_env: &[(String, String)],
        also: &[(String, PathBuf)],
    ) -> Vec<ClientRun> {
        let mut out = self.predicted(extra_env);
        let Some(to) = self.destination() else {
            return out;
        };
        let chosen: Vec<usize> = (0..out.len())
            .filter(|&i| out.get(i).is_some_and(|c| self.runs(c, also)))
            .collect();
        let requests: Vec<RunRequest> = chosen
            .iter()
            .filter_map(|&i| out.get(i))
            .map(|c| RunRequest {
                client: RunClient {
                    client: c.client.clone(),
                    executable: c.executable.clone(),
                    interpreter: c.interpreter.clone(),
                },
                to: to.clone(),
            })
            .collect();
        let results = run::run_all_with_env(&requests, self.timeout, extra_env);
        for (i, result) in chosen.into_iter().zip(results) {
            // A client that could not be run this way keeps its prediction.
            if let (Some(c), RunResult::Observed(seen)) = (out.get_mut(i), result) {
                c.outcome = observed_word(seen.outcome).to_string();
                c.error = seen.error;
                c.how = "run";
            }
        }
        out
    }

    fn venvs(&self) -> Vec<PathBuf> {
        self.venvs.iter().map(|v| v.dir.clone()).collect()
    }

    fn notes(&self) -> Vec<String> {
        let mut notes = self.problems.clone();
        if self.venvs.is_empty() {
            notes.push(
                "no venv found (--python PATH, VIRTUAL_ENV, or a .venv here): fix writes to no venv"
                    .into(),
            );
        }
        notes
    }
}
