//! Wiring: runs a validated [`Plan`] through the stages — Machine, the
//! target pipeline, Report — and turns the verdicts into an exit code.
//!
//! Owns the order of the stages per command; must not parse the command
//! line (that is `plan`), probe, judge or format text itself.
//! Only `main` imports this module.

use anyhow::Context;
use time::OffsetDateTime;

use crate::exit::ExitCode;
use crate::findings::Verdict;
use crate::knowledge::Platform;
use crate::observation::Observation;
use crate::pipeline::{complete_os_store, judge, probe_and_judge, probe_and_judge_each, Judged};
use crate::plan::{BundlePlan, CheckPlan, EnvPlan, InspectPlan, OutputPlan, Plan};
use crate::probe::repeat::Repeat;
use crate::report::{self, write_stdout, Report, TargetReport};
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
        probe_and_judge_each(
            &targets,
            &connect.probe,
            repeat,
            trust,
            output.at,
            &mut |j| {
                let verdict = j.diagnosis.verdict;
                let allowed = verdict != Verdict::Clean && output.allow.contains(&verdict);
                verdicts.push((verdict, allowed));
            },
        );
        return Ok(ExitCode::for_verdicts(verdicts));
    }
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
    let env_audit = std::thread::spawn(move || {
        let facts = machine::collect_for_check(&audit_vars);
        audit::findings_for_check(&facts, Platform::current())
    });
    let (mut judged, stores) = probe_and_judge(
        targets,
        &connect.probe,
        repeat,
        trust,
        output.at,
        output.quiet,
    );
    let warnings = env_audit.join().unwrap_or_default();
    let at = output.at.unwrap_or_else(OffsetDateTime::now_utc);
    let mut tools = crate::tools::evaluate(&discovery.finish(), &judged, &stores, at);
    if clients.run {
        run_found_clients(&judged, &mut tools.per_target, connect.probe.timeout);
    }
    for (j, (outcomes, findings)) in judged.iter_mut().zip(&tools.per_target) {
        crate::diagnose::clients::fit_remedies(&mut j.diagnosis.findings, outcomes);
        j.diagnosis.findings.extend(findings.iter().cloned());
        j.diagnosis
            .findings
            .extend(crate::diagnose::observed::prediction_mismatches(outcomes));
    }
    let code = emit(judged, &output, vars, warnings, Some(&tools))?;
    Ok(if clients.require && tools.any_fails() {
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
    let (judged, _) = complete_os_store(vec![judge(target, observation, &stores, at)], stores, at);
    // A chain file does not depend on this machine's settings: no audit.
    emit(
        judged,
        &output,
        machine::environment_variables(),
        Vec::new(),
        None,
    )
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
fn run_found_clients(
    judged: &[Judged],
    per_target: &mut [(
        Vec<crate::diagnose::clients::ClientOutcome>,
        Vec<crate::findings::Finding>,
    )],
    timeout: std::time::Duration,
) {
    use machine::run::{self, Destination, RunClient, RunResult};
    let jobs: Vec<(Option<Destination>, Vec<RunClient>)> = judged
        .iter()
        .zip(per_target.iter())
        .map(|(j, (outcomes, _))| {
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
    for ((outcomes, _), results) in per_target.iter_mut().zip(results) {
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

/// Render the report and compute the exit code.
fn emit(
    judged: Vec<Judged>,
    output: &OutputPlan,
    vars: Vec<(String, String)>,
    env_warnings: Vec<crate::findings::Finding>,
    tools: Option<&crate::tools::Evaluated>,
) -> anyhow::Result<ExitCode> {
    // Whole seconds: a report is read by people.
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::now_utc());
    let targets: Vec<TargetReport> = judged
        .into_iter()
        .map(|j| {
            let allowed = j.diagnosis.verdict != Verdict::Clean
                && output.allow.contains(&j.diagnosis.verdict);
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
                .map(|a| report::AttemptsReport::new(a, &output.allow));
            if let Some(http) = t.http.as_mut() {
                http.destination = destination.map(Box::new);
            }
            t
        })
        .collect();
    let mut targets = targets;
    if let Some(tools) = tools {
        for (t, (outcomes, _)) in targets.iter_mut().zip(&tools.per_target) {
            t.clients = outcomes.clone();
        }
    }
    let mut environment =
        report::environment_report(Platform::current().as_str(), vars, env_warnings);
    environment.clients = tools.map(|t| t.environment.clone()).unwrap_or_default();
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION"),
        generated_at: crate::cert::format_time(now),
        at: output.at.map(crate::cert::format_time),
        targets,
        environment,
    };
    let code = ExitCode::for_verdicts(report.targets.iter().map(|t| (t.verdict, t.allowed)));
    if !output.quiet {
        write_stdout(&report::render(&report, output.format, output.color))?;
    }
    Ok(code)
}
