//! Wiring: runs a validated [`Plan`] through the stages — Machine, the
//! target pipeline, Report — and turns the verdicts into an exit code.
//!
//! Owns the order of the stages per command; must not parse the command
//! line (that is `plan`), probe, judge or format text itself.
//! Only `main` imports this module.

use anyhow::Context;
use time::OffsetDateTime;

use crate::exit::ExitCode;
use crate::findings::Finding;
use crate::findings::Verdict;
use crate::knowledge::Platform;
use crate::observation::Observation;
use crate::pipeline::{
    complete_os_store, judge, probe_and_judge, probe_and_judge_each, start_os_store, Judged,
};
use crate::plan::{BundlePlan, CheckPlan, EnvPlan, InspectPlan, OutputPlan, Plan};
use crate::probe::repeat::Repeat;
use crate::report::stream::Stream;
use crate::report::{self, write_stdout, Stdout, TargetReport};
use crate::tools::TargetClients;
use crate::trust::verify::Stores;
use crate::{audit, machine};

/// Run a plan. Errors are usage errors or I/O errors writing output.
pub fn run(plan: Plan) -> anyhow::Result<ExitCode> {
    match plan {
        Plan::Check(plan) => check(plan),
        Plan::Inspect(plan) => inspect(plan),
        Plan::Env(plan) => env(plan),
        Plan::Bundle(plan) => bundle(plan),
        Plan::Fix(plan) => fix(plan),
        Plan::Completions(text) | Plan::Man(text) => {
            write_stdout(&text)?;
            Ok(ExitCode::Clean)
        }
    }
}

/// Work done on the background worker, or at once when there is too little
/// of it to pay for the hand-over.
enum Background<T> {
    Running(crate::background::Handle<T>),
    Done(T),
}

impl<T: Send + 'static> Background<T> {
    fn start(on_a_thread: bool, work: impl FnOnce() -> T + Send + 'static) -> Background<T> {
        if on_a_thread {
            Background::Running(crate::background::spawn(work))
        } else {
            Background::Done(work())
        }
    }

    /// Its result (`None` when the thread failed).
    fn finish(self) -> Option<T> {
        match self {
            Background::Running(handle) => handle.join(),
            Background::Done(value) => Some(value),
        }
    }
}

fn check(plan: CheckPlan) -> anyhow::Result<ExitCode> {
    let CheckPlan {
        targets,
        connect,
        repeat,
        trust,
        output,
        clients,
    } = plan;
    if output.quiet && !clients.require {
        // Only the exit code is wanted, and no client decides it: keep each
        // target's verdict alone.
        let mut verdicts = Vec::with_capacity(targets.len());
        let os_loader = start_os_store(&trust);
        probe_and_judge_each(
            &targets,
            &connect.probe,
            repeat,
            trust,
            os_loader,
            output.at,
            true,
            &mut |_, j, _| {
                let verdict = j.diagnosis.verdict;
                let allowed = verdict != Verdict::Clean && output.allow.contains(&verdict);
                verdicts.push((verdict, allowed));
            },
        );
        return Ok(ExitCode::for_verdicts(verdicts));
    }
    // Background work, in the order it is needed: the OS store (to judge the
    // first target), the clients, the environment audit (for the closing).
    let os_loader = start_os_store(&trust);
    // The environment audit reads the files CA variables name: off the hot path.
    let vars = machine::environment_variables();
    // The clients on this machine are found while the probes run.
    let urls = targets.iter().map(crate::tools::target_url).collect();
    let os_store_reads_bundle = trust.os.is_none()
        && !vars
            .iter()
            .any(|(n, _)| n == "SSL_CERT_FILE" || n == "SSL_CERT_DIR");
    let discovery =
        crate::tools::Discovery::start(clients.pythons.clone(), urls, os_store_reads_bundle);
    let audit_vars = vars.clone();
    let env_audit = Background::start(!vars.is_empty(), move || {
        let facts = machine::collect_for_check(&audit_vars);
        audit::findings_for_check(&facts, Platform::current())
    });
    let mut run = Streamed::start(&output, vars, Some(discovery), clients.run);
    probe_and_judge_each(
        &targets,
        &connect.probe,
        repeat,
        trust,
        os_loader,
        output.at,
        output.quiet,
        &mut |i, j, stores| run.judged(i, j, stores),
    );
    if clients.run {
        run.run_held_clients(connect.probe.timeout);
    }
    let warnings = env_audit.finish().unwrap_or_default();
    let (code, any_fails) = run.finish(warnings)?;
    Ok(if clients.require && any_fails {
        ExitCode::Diagnosis
    } else {
        code
    })
}

fn inspect(plan: InspectPlan) -> anyhow::Result<ExitCode> {
    let InspectPlan {
        target,
        host_given,
        chain,
        trust,
        output,
    } = plan;
    let stores = Stores {
        bundled: trust.bundled,
        os: trust.os.unwrap_or_else(crate::pipeline::os_store),
        custom: trust.custom,
    };
    let observation = Observation {
        chain: chain.certs,
        file_order: chain.file_order,
        name_unchecked: !host_given,
        ..Observation::default()
    };
    let at = output.at.unwrap_or_else(OffsetDateTime::now_utc);
    let (judged, stores) =
        complete_os_store(vec![judge(target, observation, &stores, at)], stores, at);
    // A chain file does not depend on this machine's settings: no audit.
    let mut run = Streamed::start(&output, machine::environment_variables(), None, false);
    for (i, j) in judged.into_iter().enumerate() {
        run.judged(i, j, &stores);
    }
    Ok(run.finish(Vec::new())?.0)
}

fn env(plan: EnvPlan) -> anyhow::Result<ExitCode> {
    let discovery = std::thread::spawn(|| {
        machine::clients::discover(&machine::clients::DiscoveryInputs::from_process(Vec::new()))
    });
    let mut audit = audit::audit(&machine::collect(), Platform::current());
    if let Ok(found) = discovery.join() {
        audit.clients = crate::tools::environment(&found);
    }
    write_stdout(&report::env::render(&audit, plan.format, plan.color))?;
    Ok(audit.exit_code())
}

fn bundle(plan: BundlePlan) -> anyhow::Result<ExitCode> {
    let (mut judged, stores) = probe_and_judge(
        vec![plan.target],
        &plan.connect.probe,
        Repeat::ONCE,
        plan.trust,
        None,
        false,
    );
    let judged = judged.pop().context("no result")?;
    let outcome = crate::bundle::run(&judged, &stores, &plan.options)?;
    write_stdout(&report::bundle::render_human(&outcome, plan.color))?;
    Ok(outcome.exit_code())
}

/// `--run-clients`: every client found, against every target the probe
/// reached (pinned to the address it connected to, or through the client's
/// own proxy settings when the probe used a proxy), all at once; what each
/// did becomes its `observed`.
fn run_found_clients(held: &mut [(usize, Judged, TargetClients)], timeout: std::time::Duration) {
    use machine::run::{self, Destination, RunClient, RunResult};
    let jobs: Vec<(Option<Destination>, Vec<RunClient>)> = held
        .iter()
        .map(|(_, j, (outcomes, _))| {
            let pinned = match (&j.observation.proxy, j.observation.connected) {
                (Some(_), _) => Some(None),
                (None, Some(addr)) => Some(Some(addr.ip())),
                (None, None) => None,
            };
            let to = pinned.map(|pinned| Destination {
                host: j.target.host.clone(),
                port: j.target.port,
                path: j.target.path().to_string(),
                pinned,
            });
            let clients = outcomes
                .iter()
                .map(|o| RunClient {
                    client: o.client.as_str().to_string(),
                    executable: o.executable.clone(),
                    interpreter: o.interpreter.clone(),
                })
                .collect();
            (to, clients)
        })
        .collect();
    let results = run::run_for_targets(&jobs, timeout);
    for ((_, _, (outcomes, _)), results) in held.iter_mut().zip(results) {
        for (outcome, result) in outcomes.iter_mut().zip(results) {
            match result {
                RunResult::Observed(o) => outcome.observed = Some(o),
                RunResult::NotRun(why) => outcome.not_run_reason = Some(why),
            }
        }
    }
}

/// `fix`: undo, or probe one target and plan (dry run) or apply the changes.
fn fix(plan: crate::plan::FixCommandPlan) -> anyhow::Result<ExitCode> {
    use crate::fix::command;
    use crate::plan::FixAction;
    let env = machine::fix::EnvVars::from_process();
    match plan.action {
        FixAction::Undo => {
            let (outcome, code) = command::undo(&env)?;
            write_stdout(&report::fix::undo(&outcome, plan.format)?)?;
            Ok(code)
        }
        FixAction::Fix(run) => {
            let crate::plan::FixRun {
                target,
                connect,
                trust,
                options,
            } = *run;
            let (mut judged, stores) = probe_and_judge(
                vec![target],
                &connect.probe,
                Repeat::ONCE,
                trust,
                None,
                true,
            );
            let judged = judged.pop().context("no result")?;
            let mozilla: Vec<&[u8]> = stores.bundled.certs.iter().map(|c| c.as_ref()).collect();
            let clients =
                crate::fix::evaluate::CheckedClients::new(&judged, &stores, &env, &options);
            let (outcome, code) = command::run(
                &judged,
                &mozilla,
                &stores.bundled.source,
                &options,
                &env,
                &clients,
            )?;
            write_stdout(&report::fix::fix(&outcome, plan.format)?)?;
            Ok(code)
        }
    }
}

/// The report of `check` or `inspect`, made and written target by target
/// as each is judged (in input order), keeping per target only its verdict
/// and whether a client fails: what the exit code needs.
struct Streamed<'a> {
    output: &'a OutputPlan,
    at: OffsetDateTime,
    vars: Vec<(String, String)>,
    /// Your tools: discovery until the first target needs it, then its result.
    discovery: Option<crate::tools::Discovery>,
    prepared: Option<crate::tools::Prepared>,
    stream: Stream<Stdout>,
    verdicts: Vec<(Verdict, bool)>,
    any_client_fails: bool,
    /// `--run-clients`: the targets wait for their clients to run.
    held: Option<Vec<(usize, Judged, TargetClients)>>,
}

impl<'a> Streamed<'a> {
    fn start(
        output: &'a OutputPlan,
        vars: Vec<(String, String)>,
        discovery: Option<crate::tools::Discovery>,
        run_clients: bool,
    ) -> Streamed<'a> {
        let at = output.at.unwrap_or_else(OffsetDateTime::now_utc);
        // Whole seconds: a report is read by people.
        let now = OffsetDateTime::now_utc();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let header = report::stream::Header {
            tool_version: env!("CARGO_PKG_VERSION"),
            generated_at: crate::cert::format_time(now),
            at: output.at.map(crate::cert::format_time),
            os: Platform::current().as_str().to_string(),
        };
        let format = (!output.quiet).then_some(output.format);
        Streamed {
            output,
            at,
            vars,
            discovery,
            prepared: None,
            stream: Stream::start(Stdout::default(), format, output.color, header),
            verdicts: Vec::new(),
            any_client_fails: false,
            held: run_clients.then(Vec::new),
        }
    }

    /// The clients found (discovery ends here the first time).
    fn prepared(&mut self) -> Option<&crate::tools::Prepared> {
        if let Some(discovery) = self.discovery.take() {
            self.prepared = Some(discovery.finish());
        }
        self.prepared.as_ref()
    }

    /// Target `i` is judged: evaluate its clients, then report it (or hold
    /// it until the clients have run).
    fn judged(&mut self, i: usize, j: Judged, stores: &Stores) {
        let at = self.at;
        let tools = self
            .prepared()
            .map(|p| crate::tools::evaluate_one(p, i, &j, stores, at))
            .unwrap_or_default();
        match self.held.as_mut() {
            Some(held) => held.push((i, j, tools)),
            None => self.report(i, j, tools),
        }
    }

    /// `--run-clients`: run the clients for every held target, then report them.
    fn run_held_clients(&mut self, timeout: std::time::Duration) {
        let Some(mut held) = self.held.take() else {
            return;
        };
        run_found_clients(&mut held, timeout);
        for (i, j, tools) in held {
            self.report(i, j, tools);
        }
    }

    fn report(&mut self, i: usize, mut j: Judged, (outcomes, findings): TargetClients) {
        crate::diagnose::clients::fit_remedies(&mut j.diagnosis.findings, &outcomes);
        j.diagnosis.findings.extend(findings);
        j.diagnosis
            .findings
            .extend(crate::diagnose::observed::prediction_mismatches(&outcomes));
        self.any_client_fails |= crate::tools::any_fails(&outcomes);
        let mut t = target_report(j, &self.output.allow);
        t.clients = outcomes;
        self.verdicts.push((t.verdict, t.allowed));
        self.stream.target(i, &t);
    }

    /// The closing of the report; the exit code by the verdicts, and
    /// whether any client fails.
    fn finish(mut self, env_warnings: Vec<Finding>) -> anyhow::Result<(ExitCode, bool)> {
        let vars = std::mem::take(&mut self.vars);
        let mut environment =
            report::environment_report(Platform::current().as_str(), vars, env_warnings);
        if let Some(p) = self.prepared() {
            environment.clients = crate::tools::environment(&p.facts);
        }
        self.stream.finish(&environment)?;
        Ok((ExitCode::for_verdicts(self.verdicts), self.any_client_fails))
    }
}

/// One judged target as the report shows it (its clients not yet added).
fn target_report(j: Judged, allow: &[Verdict]) -> TargetReport {
    let allowed = j.diagnosis.verdict != Verdict::Clean && allow.contains(&j.diagnosis.verdict);
    let destination = j.destination.map(|d| {
        report::destination_report(report::target_report(
            &d.target,
            &d.observation,
            d.facts,
            d.verification.as_deref(),
            d.diagnosis,
            false,
        ))
    });
    let mut t = report::target_report(
        &j.target,
        &j.observation,
        j.facts,
        j.verification.as_deref(),
        j.diagnosis,
        allowed,
    );
    t.attempts = j
        .attempts
        .as_ref()
        .map(|a| report::AttemptsReport::new(a, allow));
    if let Some(http) = t.http.as_mut() {
        http.destination = destination.map(Box::new);
    }
    t
}
