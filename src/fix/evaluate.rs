//! The clients `fix` works on: every client `check` finds on this machine,
//! with its predicted outcome for the target (discovery, trust sources and
//! the per-client rules, as `check` evaluates them), and — for the Python
//! clients of the venvs found — what they did when run.
//!
//! Owns joining those two views for `fix`; decides no outcome itself. After
//! a fix, discovery reads the files again (a new `sitecustomize.py`, a
//! config key) and sees the variables the profile block sets.

use std::path::PathBuf;

use time::OffsetDateTime;

use crate::diagnose::clients::Outcome;
use crate::machine::clients::{discover, ClientFacts, DiscoveryInputs};
use crate::pipeline::Judged;
use crate::trust::verify::Stores;

use super::command::{Evaluator, VenvRunner};
use super::prove::{ClientRun, PythonSite};

/// Predicted outcomes for every client found, corrected by real runs.
pub struct CheckedClients<'a> {
    pub judged: &'a Judged,
    pub stores: &'a Stores,
    pub pythons: Vec<PathBuf>,
    pub runner: VenvRunner,
}

fn site(facts: &ClientFacts) -> Option<PythonSite> {
    let py = facts.python.as_ref()?;
    Some(PythonSite {
        version: py.major_minor(),
        venv: py.venv.then(|| py.prefix.clone()),
        site_packages: py.site_packages.first().cloned(),
        externally_managed: false,
    })
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Trusts => "trusts",
        Outcome::Fails => "fails",
        Outcome::Unknown => "unknown",
    }
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
                    python: facts.and_then(site),
                }
            })
            .collect()
    }
}

impl Evaluator for CheckedClients<'_> {
    fn evaluate(&self, extra_env: &[(String, String)]) -> Vec<ClientRun> {
        let mut out = self.predicted(extra_env);
        // A client that was run: what it did is the outcome.
        for run in self.runner.evaluate(extra_env) {
            let same = |c: &ClientRun| {
                c.client == run.client
                    && (c.executable == run.executable
                        || run
                            .python
                            .as_ref()
                            .and_then(|p| p.venv.as_ref())
                            .is_some_and(|v| c.executable.starts_with(v)))
            };
            match out.iter_mut().find(|c| same(c)) {
                Some(c) if run.outcome == "trusts" || run.outcome == "fails" => {
                    c.outcome = run.outcome.clone();
                    c.error = run.error.clone();
                    if c.python.is_none() {
                        c.python = run.python.clone();
                    }
                }
                Some(_) => {}
                None => out.push(run),
            }
        }
        out
    }

    fn venvs(&self) -> Vec<PathBuf> {
        self.runner.venvs()
    }

    fn notes(&self) -> Vec<String> {
        self.runner.notes()
    }
}
