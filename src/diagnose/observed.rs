//! A client's predicted outcome against what it did when `--run-clients`
//! ran it. Pure: no I/O. A trust outcome the run contradicts is a gap in
//! tlsdoctor's knowledge, reported as a `client_prediction_mismatch`
//! warning that asks the user to report it; a run that timed out or failed
//! for a reason unrelated to trust says nothing about the prediction.

use crate::diagnose::clients::{ClientOutcome, Outcome};
use crate::findings::{Finding, FindingKind};
use crate::observation::ObservedOutcome;

/// A warning per client whose run contradicts its trust prediction.
pub fn prediction_mismatches(clients: &[ClientOutcome]) -> Vec<Finding> {
    clients.iter().filter_map(mismatch).collect()
}

fn mismatch(c: &ClientOutcome) -> Option<Finding> {
    let observed = c.observed.as_ref()?;
    let predicted = match (c.outcome, observed.outcome) {
        (Outcome::Trusts, ObservedOutcome::Fails) => "trusts",
        (Outcome::Fails, ObservedOutcome::Trusts) => "fails",
        _ => return None,
    };
    let name = match &c.version {
        Some(v) => format!("{} {v}", c.client),
        None => c.client.to_string(),
    };
    let error = observed
        .error
        .as_deref()
        .map(|e| format!(" It said: {e}."))
        .unwrap_or_default();
    Some(Finding::warning(
        FindingKind::ClientPredictionMismatch,
        format!(
            "{name}: tlsdoctor predicted it {predicted}, but run it {}",
            observed.outcome.as_str()
        ),
        format!(
            "tlsdoctor's knowledge of {} ({}) does not match what it really did on this \
             machine, so its per-client verdicts here may be wrong.{error} Please report it \
             to tlsdoctor's maintainers with this report (--format markdown): it is a bug.",
            c.client,
            c.executable.display()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client_facts::ClientId;
    use crate::observation::Observed;

    fn observed(outcome: ObservedOutcome) -> Observed {
        Observed {
            outcome,
            error: Some("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed".into()),
            ms: 120,
        }
    }

    fn run(predicted: Outcome, observed: Option<Observed>) -> ClientOutcome {
        ClientOutcome {
            client: ClientId::PythonRequests,
            executable: "/usr/bin/python3".into(),
            version: Some("2.32.3".into()),
            interpreter: None,
            trust_source: String::new(),
            outcome: predicted,
            reason: String::new(),
            error: None,
            observed,
            not_run_reason: None,
            notes: Vec::new(),
            remedies: Vec::new(),
        }
    }

    #[test]
    fn a_contradicted_trust_prediction_is_a_warning_asking_for_a_report() {
        let fails = observed(ObservedOutcome::Fails);
        let found = prediction_mismatches(&[run(Outcome::Trusts, Some(fails))]);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.kind, FindingKind::ClientPredictionMismatch);
        assert_eq!(f.severity, crate::findings::Severity::Warning);
        assert!(
            f.summary.contains("python-requests 2.32.3"),
            "{}",
            f.summary
        );
        assert!(
            f.summary.contains("predicted it trusts, but run it fails"),
            "{}",
            f.summary
        );
        assert!(f.detail.contains("report it"), "{}", f.detail);
        assert!(
            f.detail.contains("CERTIFICATE_VERIFY_FAILED"),
            "{}",
            f.detail
        );
        let trusts = observed(ObservedOutcome::Trusts);
        assert_eq!(
            prediction_mismatches(&[run(Outcome::Fails, Some(trusts))]).len(),
            1
        );
    }

    #[test]
    fn agreement_unknowns_timeouts_and_errors_say_nothing() {
        let all = [
            ObservedOutcome::Trusts,
            ObservedOutcome::Fails,
            ObservedOutcome::Timeout,
            ObservedOutcome::Error,
        ];
        for o in all {
            assert!(prediction_mismatches(&[run(Outcome::Unknown, Some(observed(o)))]).is_empty());
        }
        assert!(prediction_mismatches(&[run(Outcome::Trusts, None)]).is_empty());
        for (p, o) in [
            (Outcome::Trusts, ObservedOutcome::Trusts),
            (Outcome::Fails, ObservedOutcome::Fails),
            (Outcome::Trusts, ObservedOutcome::Timeout),
            (Outcome::Fails, ObservedOutcome::Error),
        ] {
            assert!(prediction_mismatches(&[run(p, Some(observed(o)))]).is_empty());
        }
    }
}
