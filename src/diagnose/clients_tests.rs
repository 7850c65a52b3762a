//! Tests of the per-client outcomes (`clients.rs`).

use super::*;

#[test]
fn roots_the_user_gave_are_named_as_stand_ins() {
    assert_eq!(
        source_name(&Source::Bundled, false),
        "the built-in Mozilla roots"
    );
    assert!(source_name(&Source::Bundled, true).contains("--bundled-roots"));
    assert!(source_name(&Source::OsVerifier, true).contains("--os-roots"));
}

fn remedy(ecosystem: &str, action: &str, avoid: bool) -> Remedy {
    Remedy {
        ecosystem: ecosystem.into(),
        action: action.into(),
        commands: Vec::new(),
        avoid,
    }
}

fn outcome(client: ClientId, outcome: Outcome, remedies: Vec<Remedy>) -> ClientOutcome {
    ClientOutcome {
        client,
        executable: "/usr/bin/x".into(),
        version: None,
        interpreter: None,
        trust_source: String::new(),
        outcome,
        reason: String::new(),
        error: None,
        observed: None,
        not_run_reason: None,
        notes: Vec::new(),
        remedies,
    }
}

fn findings() -> Vec<Finding> {
    vec![
        Finding::error(Verdict::CorporateInterception, "", "").with_remedies(vec![
            remedy("curl", "generic curl", false),
            remedy("git", "generic git", false),
            remedy("Node.js (npm)", "generic node", false),
            remedy("Go", "generic go", false),
            remedy("Docker / containers", "generic docker", false),
            remedy("Better fix", "keep", false),
            remedy("curl", "do not -k", true),
        ]),
        Finding::warning(FindingKind::Http, "", "").with_remedies(vec![remedy(
            "curl",
            "--http1.1",
            false,
        )]),
    ]
}

#[test]
fn generic_remedies_give_way_to_the_clients_found() {
    let mut f = findings();
    let own = remedy("git", "point git at the bundle", false);
    fit_remedies(
        &mut f,
        &[
            outcome(ClientId::Curl, Outcome::Trusts, Vec::new()),
            outcome(ClientId::Git, Outcome::Fails, vec![own.clone()]),
        ],
    );
    let actions: Vec<&str> = f[0].remedies.iter().map(|r| r.action.as_str()).collect();
    // curl trusts: nothing prescribed; git fails: its own fix; node, Go
    // and Docker not found here: no advice for them; avoid and general
    // ones stay.
    assert_eq!(actions, ["point git at the bundle", "keep", "do not -k"]);
    // A finding that is not about trust keeps its remedies.
    assert_eq!(f[1].remedies.len(), 1);
}

#[test]
fn no_clients_found_changes_nothing() {
    let mut f = findings();
    fit_remedies(&mut f, &[]);
    assert_eq!(f, findings());
}
