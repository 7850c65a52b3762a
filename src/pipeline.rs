//! The pipeline for targets: Probe (concurrently, with the OS store
//! loading on the side) or a chain file, then Verify and Diagnose, giving
//! one [`Judged`] value per target.
//!
//! Owns running the stages in order; must not read the command line,
//! render, or decide an exit code.

use std::time::Duration;

use time::OffsetDateTime;

use crate::attempts::{AttemptRecord, Attempts};
use crate::cert::CertFacts;
use crate::diagnose::{diagnose, Diagnosis, Evidence};
use crate::knowledge::Platform;
use crate::observation::Observation;
use crate::probe::repeat::{probe_repeated, Repeat};
use crate::probe::ProbeOptions;
use crate::target::Target;
use crate::trust::verify::{verify_all, Stores, Verification};
use crate::trust::{StoreKind, TrustStore};

/// At most this many probes run at once: enough that 100 slow endpoints
/// take two round trips of time, not four; few enough for any file limit.
const MAX_CONCURRENT_PROBES: usize = 64;

/// Probes start at most this many targets after the earliest one still
/// running: a report in input order holds the targets that ended after it.
const AHEAD: usize = 4096;

/// Progress goes to stderr only on a terminal, and only for more targets than this.
const PROGRESS_ABOVE: usize = 3;

/// Which roots to verify against; user files already read.
#[derive(Debug)]
pub struct TrustPlan {
    pub bundled: TrustStore,
    /// `None`: load the OS store (in the background).
    pub os: Option<TrustStore>,
    pub custom: Option<TrustStore>,
}

/// One target, judged: what was seen, what each store said, the diagnosis.
#[derive(Debug)]
pub struct Judged {
    pub target: Target,
    pub observation: Observation,
    pub facts: Vec<CertFacts>,
    /// Boxed: it is large, and a check of many targets holds one per target.
    pub verification: Option<Box<Verification>>,
    pub diagnosis: Diagnosis,
    /// With `--repeat`: every attempt added up (this is the first attempt).
    pub attempts: Option<Attempts>,
    /// The redirect's destination on another host or port, judged like a
    /// target (its verdict is already merged into `diagnosis`).
    pub destination: Option<Box<Judged>>,
}

/// Verify and diagnose what was observed for `target` (from a probe or a file).
pub fn judge(
    target: Target,
    observation: Observation,
    stores: &Stores,
    at: OffsetDateTime,
) -> Judged {
    let facts: Vec<CertFacts> = observation
        .chain
        .iter()
        .map(|c| CertFacts::from_der(c))
        .collect();
    let verification =
        verify_all(stores, &observation.chain, &facts, &target.host, at).map(Box::new);
    let diagnosis = diagnose(&Evidence {
        target: &target,
        observation: &observation,
        chain: &facts,
        verification: verification.as_deref(),
        now: at,
        platform: Platform::current(),
        via_proxy: observation.proxy.is_some(),
    });
    let destination = observation
        .http
        .as_ref()
        .and_then(|h| h.destination.as_ref())
        .and_then(|d| {
            let target = Target::parse(&d.url).ok()?;
            Some(Box::new(judge(target, d.observation.clone(), stores, at)))
        });
    let diagnosis = match &destination {
        Some(d) => {
            crate::diagnose::with_destination(diagnosis, &d.target.authority(), &d.diagnosis)
        }
        None => diagnosis,
    };
    Judged {
        target,
        observation,
        facts,
        verification,
        diagnosis,
        attempts: None,
        destination,
    }
}

/// Probe every target (the OS store loads meanwhile), then judge each at
/// `at` (default: now). Results are in input order.
pub fn probe_and_judge(
    targets: Vec<Target>,
    options: &ProbeOptions,
    repeat: Repeat,
    trust: TrustPlan,
    at: Option<OffsetDateTime>,
    quiet: bool,
) -> (Vec<Judged>, Stores) {
    // The OS store is the largest single cost of a local check: load it
    // while the connections are being made.
    let os_loader = start_os_store(&trust);
    let progress = progress_bar(targets.len() * repeat.count as usize, quiet);
    let mut observations: Vec<Option<Vec<Observation>>> = vec![None; targets.len()];
    run_probes(&targets, options, repeat, &progress, &mut |i, attempts| {
        if let Some(slot) = observations.get_mut(i) {
            *slot = Some(attempts);
        }
    });
    let observations: Vec<Vec<Observation>> = observations
        .into_iter()
        .map(|r| r.unwrap_or_else(|| vec![Observation::default()]))
        .collect();
    let stores = stores_from(trust, os_loader);
    let at = at.unwrap_or_else(OffsetDateTime::now_utc);
    // Every attempt is judged (and completed against the OS store) on its
    // own, then the attempts of each target are added up.
    let per_target: Vec<usize> = observations.iter().map(Vec::len).collect();
    let judged = targets
        .into_iter()
        .zip(observations)
        .flat_map(|(target, attempts)| attempts.into_iter().map(move |obs| (target.clone(), obs)))
        .map(|(target, obs)| judge(target, obs, &stores, at))
        .collect();
    let (judged, stores) = complete_os_store(judged, stores, at);
    (add_up_attempts(judged, &per_target), stores)
}

/// Group each target's attempts: the first attempt carries the sum of all,
/// and its diagnosis the attempts' findings.
fn add_up_attempts(judged: Vec<Judged>, per_target: &[usize]) -> Vec<Judged> {
    let mut judged = judged.into_iter();
    let mut out = Vec::with_capacity(per_target.len());
    for &n in per_target {
        let group: Vec<Judged> = judged.by_ref().take(n).collect();
        let records: Vec<AttemptRecord> = group
            .iter()
            .map(|j| {
                AttemptRecord::new(
                    &j.observation,
                    &j.facts,
                    j.verification.as_deref(),
                    &j.diagnosis,
                )
            })
            .collect();
        let Some(mut first) = group.into_iter().next() else {
            continue;
        };
        if n > 1 {
            let attempts = Attempts::from_records(records);
            first.diagnosis = crate::diagnose::attempts::merge(first.diagnosis, &attempts);
            first.attempts = Some(attempts);
        }
        out.push(first);
    }
    out
}

/// The OS store, loading on the background worker while the probes run.
pub struct OsLoader(crate::background::Handle<TrustStore>);

impl OsLoader {
    fn start() -> OsLoader {
        OsLoader(crate::background::spawn(os_store))
    }

    /// The store, once loaded.
    fn store(self) -> TrustStore {
        self.0.join().unwrap_or_else(|| {
            TrustStore::from_certs(StoreKind::Os, "OS store (failed to load)", Vec::new())
        })
    }
}

/// Start loading the OS store, unless the user named its file: the first
/// job of the background worker, since judging the first target needs it.
pub fn start_os_store(trust: &TrustPlan) -> Option<OsLoader> {
    trust.os.is_none().then(OsLoader::start)
}

/// Probe every target as [`probe_and_judge`] does, but hand each judged
/// target, with its index and the stores it was judged against, to `each`
/// as soon as its probes end, keeping none: memory follows the
/// concurrency, not the number of targets. The OS store (from
/// [`start_os_store`]) loads while the first probes run.
#[allow(clippy::too_many_arguments)]
pub fn probe_and_judge_each(
    targets: &[Target],
    options: &ProbeOptions,
    repeat: Repeat,
    trust: TrustPlan,
    os_loader: Option<OsLoader>,
    at: Option<OffsetDateTime>,
    quiet: bool,
    each: &mut dyn FnMut(usize, Judged, &Stores),
) {
    let mut pending = Some((trust, os_loader));
    let mut stores: Option<Stores> = None;
    let at = at.unwrap_or_else(OffsetDateTime::now_utc);
    let progress = progress_bar(targets.len() * repeat.count as usize, quiet);
    run_probes(targets, options, repeat, &progress, &mut |i, attempts| {
        let Some(target) = targets.get(i) else {
            return;
        };
        if let Some((trust, loader)) = pending.take() {
            stores = Some(stores_from(trust, loader));
        }
        let Some(stores) = stores.as_mut() else {
            return;
        };
        let n = attempts.len();
        let mut judged: Vec<Judged> = attempts
            .into_iter()
            .map(|obs| judge(target.clone(), obs, stores, at))
            .collect();
        if !stores.os.deferred.is_empty()
            && judged.iter().any(os_untrusted)
            && load_deferred_for(stores, &judged)
        {
            judged = judged
                .into_iter()
                .map(|j| judge(j.target, j.observation, stores, at))
                .collect();
        }
        for j in add_up_attempts(judged, &[n]) {
            each(i, j, stores);
        }
    });
}

/// The stores, once the OS store (when it is not a user's file) is loaded.
fn stores_from(trust: TrustPlan, loader: Option<OsLoader>) -> Stores {
    let os = match (trust.os, loader) {
        (Some(os), _) => os,
        (None, Some(loader)) => loader.store(),
        (None, None) => TrustStore::from_certs(StoreKind::Os, "none", Vec::new()),
    };
    Stores {
        bundled: trust.bundled,
        os,
        custom: trust.custom,
    }
}

/// Whether the OS store does not trust a judged chain (so its deferred
/// directories could change the result).
fn os_untrusted(j: &Judged) -> bool {
    j.verification
        .as_ref()
        .is_some_and(|v| !v.os.trusted_ignoring_time())
}

/// Search the OS store's directories by the issuer names the chains it does
/// not trust need (one lookup each, as OpenSSL does); read them whole only
/// when a name cannot be hashed. `false` when the store did not change.
fn load_deferred_for(stores: &mut Stores, judged: &[Judged]) -> bool {
    let mut names: Vec<Vec<u8>> = judged
        .iter()
        .filter(|j| os_untrusted(j))
        .flat_map(|j| j.facts.iter().map(|c| c.issuer_raw.clone()))
        .filter(|name| !name.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    let names: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
    search_deferred(&mut stores.os, &names)
}

/// This machine's OS store (its directories deferred where it has a bundle file).
pub fn os_store() -> TrustStore {
    let roots = crate::machine::stores::os_roots();
    TrustStore::os(roots.source, roots.certs, roots.errors, roots.deferred)
}

/// Add the CAs the OS store's deferred directories hold under `names`
/// (DER Names), looked up by subject hash as OpenSSL does; the directories
/// stay deferred for other names. When a name cannot be hashed, only
/// reading them whole is faithful: they are read, and deferred no more.
/// `false` when the store did not change.
fn search_deferred(os: &mut TrustStore, names: &[&[u8]]) -> bool {
    use crate::machine::stores::{dir_roots, hashed_roots};
    let found = match TrustStore::deferred_lookups(names) {
        Some(hashes) => hashed_roots(&os.deferred, &hashes),
        None => dir_roots(&os.take_deferred()),
    };
    os.add_roots(found.certs, found.errors)
}

/// When the OS store's deferred directories could change a result (some
/// chain its bundle file does not trust), search them and judge those again.
pub fn complete_os_store(
    judged: Vec<Judged>,
    mut stores: Stores,
    at: OffsetDateTime,
) -> (Vec<Judged>, Stores) {
    if stores.os.deferred.is_empty()
        || !judged.iter().any(os_untrusted)
        || !load_deferred_for(&mut stores, &judged)
    {
        return (judged, stores);
    }
    let judged = judged
        .into_iter()
        .map(|j| {
            if os_untrusted(&j) {
                judge(j.target, j.observation, &stores, at)
            } else {
                j
            }
        })
        .collect();
    (judged, stores)
}

/// Probe every target (`repeat` times), at most [`MAX_CONCURRENT_PROBES`]
/// at once (fewer when the open-files limit is low), handing each target's
/// attempts with its index to `done` as they end. A probe is spawned only
/// when a slot is free, and never [`AHEAD`] or more targets after the
/// earliest one still running, so memory follows the concurrency, not the
/// number of targets (a report in input order holds what ended after the
/// earliest one). A probe task that dies gives its target an empty
/// observation.
async fn probe_all(
    targets: &[Target],
    options: &ProbeOptions,
    repeat: Repeat,
    progress: &indicatif::ProgressBar,
    done: &mut dyn FnMut(usize, Vec<Observation>),
) {
    use crate::probe::limits;
    use std::collections::{BTreeSet, HashMap};
    let slots = limits::concurrency(MAX_CONCURRENT_PROBES, limits::open_files_limit());
    let mut set = tokio::task::JoinSet::new();
    let mut running: BTreeSet<usize> = BTreeSet::new();
    let mut index_of = HashMap::new();
    let mut pending = targets.iter().enumerate().peekable();
    loop {
        while let Some(&(i, target)) = pending.peek() {
            let earliest = running.first().copied().unwrap_or(i);
            if set.len() >= slots || i >= earliest + AHEAD {
                break;
            }
            pending.next();
            let (target, options, progress) = (target.clone(), options.clone(), progress.clone());
            let task = set.spawn(async move {
                probe_repeated(&target, &options, repeat, || progress.inc(1)).await
            });
            index_of.insert(task.id(), i);
            running.insert(i);
        }
        let (id, attempts) = match set.join_next_with_id().await {
            None => break,
            Some(Ok((id, attempts))) => (id, attempts),
            Some(Err(e)) => (e.id(), vec![Observation::default()]),
        };
        if let Some(i) = index_of.remove(&id) {
            running.remove(&i);
            done(i, attempts);
        }
    }
    progress.finish_and_clear();
}

/// Run [`probe_all`] on a current-thread runtime. When no runtime can be
/// made, every target gets that as its failure.
fn run_probes(
    targets: &[Target],
    options: &ProbeOptions,
    repeat: Repeat,
    progress: &indicatif::ProgressBar,
    done: &mut dyn FnMut(usize, Vec<Observation>),
) {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => {
            runtime.block_on(probe_all(targets, options, repeat, progress, done));
            // A getaddrinfo still running past its deadline (on tokio's
            // blocking pool) must not hold the process: do not wait for it.
            runtime.shutdown_background();
        }
        Err(e) => {
            let failure = crate::observation::Failure::Connect {
                kind: crate::observation::ConnectErrorKind::Other,
                message: format!("cannot start the async runtime: {e}"),
            };
            for i in 0..targets.len() {
                let observation = Observation {
                    failure: Some(failure.clone()),
                    ..Observation::default()
                };
                done(i, vec![observation]);
            }
        }
    }
}

/// A progress bar on stderr for many probes (targets × attempts) on a terminal; hidden otherwise
/// (pipes, CI logs, `--quiet`), and when the report itself goes to the terminal: it is
/// written there as the targets end.
fn progress_bar(targets: usize, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet
        || targets <= PROGRESS_ABOVE
        || !std::io::stderr().is_terminal()
        || std::io::stdout().is_terminal()
    {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(targets as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} probed {pos}/{len} {wide_bar}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_directories_add_their_roots_once() {
        let dir = std::env::temp_dir().join(format!("tlsdoctor-deferred-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let roots = &webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        let pem = |der: &[u8]| pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
        // The directory holds one root the store has and one it lacks.
        std::fs::write(dir.join("a.pem"), pem(&roots[0])).unwrap();
        std::fs::write(dir.join("b.pem"), pem(&roots[1])).unwrap();
        let mut store = TrustStore::from_certs(StoreKind::Os, "test", vec![roots[0].clone()]);
        store.deferred = vec![dir.clone()];
        search_deferred(&mut store, &[b"not a name".as_slice()]);
        assert_eq!(store.usable_roots(), 2, "{:?}", store.load_errors);
        assert!(store.deferred.is_empty());
        search_deferred(&mut store, &[b"not a name".as_slice()]);
        assert_eq!(store.usable_roots(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn deferred_directories_are_searched_by_subject_hash() {
        let dir = std::env::temp_dir().join(format!("tlsdoctor-hashed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let roots = &webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        let facts: Vec<_> = roots
            .iter()
            .take(3)
            .map(|c| crate::cert::CertFacts::from_der(c))
            .collect();
        let pem = |der: &[u8]| pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
        let hash = |f: &crate::cert::CertFacts| {
            crate::trust::subject_hash::openssl_name_hash(&f.subject_raw).unwrap()
        };
        // Root 1 under its hash name; root 2 under a name OpenSSL never looks up.
        std::fs::write(
            dir.join(format!("{:08x}.0", hash(&facts[1]))),
            pem(&roots[1]),
        )
        .unwrap();
        std::fs::write(dir.join("unhashed.pem"), pem(&roots[2])).unwrap();
        let mut store = TrustStore::from_certs(StoreKind::Os, "test", vec![roots[0].clone()]);
        store.deferred = vec![dir.clone()];

        search_deferred(&mut store, &[facts[1].subject_raw.as_slice()]);
        assert_eq!(store.usable_roots(), 2);
        search_deferred(&mut store, &[facts[2].subject_raw.as_slice()]);
        assert_eq!(
            store.usable_roots(),
            2,
            "a file without its hash name is not found by name"
        );
        assert_eq!(
            store.deferred,
            vec![dir.clone()],
            "still deferred for other names"
        );
        search_deferred(&mut store, &[b"not a name".as_slice()]);
        assert_eq!(
            store.usable_roots(),
            3,
            "an unhashable name reads them whole"
        );
        assert!(store.deferred.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
