//! `--run-clients`: start every requested client at once, each pinned to the
//! probe's address (or through its own proxy settings when the probe used a
//! proxy), and record what it did — [`Observed`]. Every client is bounded by
//! the timeout and killed, with its whole process group, when it expires;
//! what a client that exits leaves in its group is killed with it; nothing
//! here can hang the check.
//!
//! This module spawns and times processes only; what each client's command
//! is and how its output reads live in `run_clients`, and judging an
//! observation against a prediction is Diagnose's.

use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::run_clients::{self, Classified, Invocation};
use super::run_replay;
pub use crate::observation::{Observed, ObservedOutcome};

/// At most this many clients run at the same time.
const MAX_AT_ONCE: usize = 32;
/// How often running clients are looked at.
const POLL: Duration = Duration::from_millis(2);
/// Output kept per stream; the rest is read and dropped.
const MAX_OUTPUT: u64 = 64 * 1024;

/// A client to run: its id (`python-requests`, `curl`, …), its executable,
/// and for the Python family and pip the interpreter that imports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunClient {
    pub client: String,
    pub executable: PathBuf,
    pub interpreter: Option<PathBuf>,
}

/// Where a client is sent: the target, and the address the probe connected
/// to (`None` when the probe went through a proxy: the client then uses its
/// own proxy settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub host: String,
    pub port: u16,
    pub path: String,
    pub pinned: Option<IpAddr>,
}

/// One client run against one destination.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub client: RunClient,
    pub to: Destination,
}

/// A run's result: what the client did, or why it was not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunResult {
    Observed(Observed),
    NotRun(String),
}

/// Whether tlsdoctor can pin `client` to an address (else the reason).
pub fn runnable(client: &str) -> Result<(), String> {
    if run_clients::RUNNABLE.contains(&client) {
        Ok(())
    } else {
        Err(format!("tlsdoctor cannot yet pin {client} to an address"))
    }
}

/// For each destination (`None`: the probe reached nothing, so nothing is
/// run) its clients, all at once. Per destination, per client, in order.
pub fn run_for_targets(
    jobs: &[(Option<Destination>, Vec<RunClient>)],
    timeout: Duration,
) -> Vec<Vec<RunResult>> {
    let requests: Vec<RunRequest> = jobs
        .iter()
        .filter_map(|(to, clients)| Some((to.as_ref()?, clients)))
        .flat_map(|(to, clients)| {
            clients.iter().map(|c| RunRequest {
                client: c.clone(),
                to: to.clone(),
            })
        })
        .collect();
    let mut results = run_all(&requests, timeout).into_iter();
    jobs.iter()
        .map(|(to, clients)| {
            clients
                .iter()
                .map(|_| {
                    let result = if to.is_some() { results.next() } else { None };
                    result.unwrap_or_else(|| {
                        RunResult::NotRun("the probe did not reach the target".into())
                    })
                })
                .collect()
        })
        .collect()
}

/// Run every request at once (at most [`MAX_AT_ONCE`] at a time), each
/// bounded by `timeout` from its start. Results are in request order.
pub fn run_all(requests: &[RunRequest], timeout: Duration) -> Vec<RunResult> {
    run_all_with_env(requests, timeout, &[])
}

/// [`run_all`] with `env` set for every client on top of this process's
/// environment (`fix` runs clients as a new shell would, with the variables
/// its profile block sets).
pub fn run_all_with_env(
    requests: &[RunRequest],
    timeout: Duration,
    env: &[(String, String)],
) -> Vec<RunResult> {
    let scratch = match Scratch::create() {
        Ok(s) => s,
        Err(e) => {
            let why = format!("cannot create a temporary directory: {e}");
            return requests
                .iter()
                .map(|_| RunResult::NotRun(why.clone()))
                .collect();
        }
    };
    let mut slots: Vec<Slot> = requests
        .iter()
        .enumerate()
        .map(|(i, r)| prepare(r, &scratch.dir.join(i.to_string()), timeout))
        .collect();
    let ready: Vec<&Invocation> = slots
        .iter()
        .filter_map(|s| match s {
            Slot::Ready(inv) => Some(inv),
            _ => None,
        })
        .collect();
    run_replay::write_if_asked(&ready, env, &scratch.dir);
    loop {
        let running = slots
            .iter()
            .filter(|s| matches!(s, Slot::Running(_)))
            .count();
        let mut room = MAX_AT_ONCE.saturating_sub(running);
        for slot in slots.iter_mut() {
            if room == 0 {
                break;
            }
            if matches!(slot, Slot::Ready(_)) {
                start(slot, env);
                room -= 1;
            }
        }
        let mut busy = false;
        for slot in slots.iter_mut() {
            busy |= poll(slot, timeout);
        }
        if !busy && !slots.iter().any(|s| matches!(s, Slot::Ready(_))) {
            break;
        }
        std::thread::sleep(POLL);
    }
    slots
        .into_iter()
        .map(|s| match s {
            Slot::Done(r) => r,
            _ => RunResult::NotRun("not run".into()),
        })
        .collect()
}

enum Slot {
    Ready(Invocation),
    Running(Running),
    Done(RunResult),
    Taken,
}

struct Running {
    child: Child,
    reader: run_clients::Reader,
    started: Instant,
    out: mpsc::Receiver<(bool, Vec<u8>)>,
}

fn prepare(request: &RunRequest, dir: &Path, timeout: Duration) -> Slot {
    let inv = match run_clients::invocation(&request.client, &request.to, dir, timeout) {
        Ok(inv) => inv,
        Err(why) => return Slot::Done(RunResult::NotRun(why)),
    };
    let mut inv = inv;
    inv.cwd = dir.to_path_buf();
    let written = std::fs::create_dir_all(dir).and_then(|_| {
        inv.files
            .iter()
            .try_for_each(|(name, text)| std::fs::write(dir.join(name), text))
    });
    match written {
        Ok(()) => Slot::Ready(inv),
        Err(e) => Slot::Done(RunResult::NotRun(format!("cannot write its files: {e}"))),
    }
}

fn start(slot: &mut Slot, env: &[(String, String)]) {
    let Slot::Ready(inv) = std::mem::replace(slot, Slot::Taken) else {
        return;
    };
    *slot = match spawn(&inv, env) {
        Ok(running) => Slot::Running(running),
        Err(e) => Slot::Done(RunResult::NotRun(format!(
            "cannot start {}: {e}",
            inv.program.display()
        ))),
    };
}

fn spawn(inv: &Invocation, env: &[(String, String)]) -> std::io::Result<Running> {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(&inv.program);
    cmd.args(&inv.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that expiry kills its children too.
        .process_group(0);
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    for var in &inv.remove {
        cmd.env_remove(var);
    }
    for (var, value) in &inv.set {
        cmd.env(var, value);
    }
    // A script started with `-c` puts the working directory on its import
    // path: start in the client's own empty directory, where nothing can
    // shadow a module.
    cmd.current_dir(&inv.cwd);
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let (tx, rx) = mpsc::channel();
    if let Some(out) = child.stdout.take() {
        drain(out, true, tx.clone());
    }
    if let Some(err) = child.stderr.take() {
        drain(err, false, tx);
    }
    Ok(Running {
        child,
        reader: inv.reader,
        started,
        out: rx,
    })
}

fn drain(mut pipe: impl Read + Send + 'static, stdout: bool, tx: mpsc::Sender<(bool, Vec<u8>)>) {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut pipe).take(MAX_OUTPUT).read_to_end(&mut kept);
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        let _ = tx.send((stdout, kept));
    });
}

/// Look at one slot; true while it is still running.
fn poll(slot: &mut Slot, timeout: Duration) -> bool {
    let Slot::Running(run) = slot else {
        return false;
    };
    let elapsed = run.started.elapsed();
    let status = match exited(&mut run.child) {
        Ok(Some(status)) => Some(status.code()),
        Ok(None) if elapsed < timeout => return true,
        Ok(None) | Err(_) => None,
    };
    let code = match status {
        Some(code) => code,
        None => {
            kill_group(&mut run.child);
            None
        }
    };
    let ms = u64::try_from(run.started.elapsed().as_millis()).unwrap_or(u64::MAX);
    // A client that ended has closed its pipes, and what it left in its
    // group was killed with it: its output is waited for (bounded) even on a
    // loaded machine, where the threads draining the pipes may not have run
    // yet. Only a stray that left the group can make this wait the grace.
    let grace = match status {
        Some(_) => Duration::from_secs(2),
        None => Duration::from_millis(200),
    };
    let (stdout, stderr) = collect(&run.out, grace);
    let result = if status.is_none() {
        RunResult::Observed(run_clients::observed(
            super::run::ObservedOutcome::Timeout,
            Some(format!(
                "no answer within {:.1} s; stopped",
                timeout.as_secs_f64()
            )),
            ms,
        ))
    } else {
        match run_clients::classify(run.reader, code, &stdout, &stderr) {
            Classified::Observed(outcome, error) => {
                RunResult::Observed(run_clients::observed(outcome, error, ms))
            }
            Classified::NotRun(why) => RunResult::NotRun(why),
        }
    };
    *slot = Slot::Done(result);
    false
}

/// The client's exit status once it has exited, `None` while it runs. What
/// it left behind in its process group (a background child holding its
/// pipes) is killed first: nothing a client starts outlives it, and no
/// stray holds the check. The group is killed before the client is reaped,
/// while its pid (the group's id) cannot yet name another process.
fn exited(child: &mut Child) -> std::io::Result<Option<std::process::ExitStatus>> {
    use rustix::process::{waitid, WaitId, WaitIdOptions};
    if let Some(pid) = pid_of(child) {
        let ask = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
        match waitid(WaitId::Pid(pid), ask) {
            Ok(None) => return Ok(None),
            Ok(Some(_)) => {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
            // Not expected; `try_wait` below still tells exit from running.
            Err(_) => {}
        }
    }
    child.try_wait()
}

fn pid_of(child: &Child) -> Option<rustix::process::Pid> {
    i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw)
}

/// Kill the client's process group (its children too), then reap it.
fn kill_group(child: &mut Child) {
    if let Some(pid) = pid_of(child) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Both streams, waiting at most `grace`: a pipe still held open by a
/// stray grandchild must not hold the check.
fn collect(rx: &mpsc::Receiver<(bool, Vec<u8>)>, grace: Duration) -> (String, String) {
    let (mut stdout, mut stderr) = (String::new(), String::new());
    let until = Instant::now() + grace;
    for _ in 0..2 {
        let left = until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((true, bytes)) => stdout = String::from_utf8_lossy(&bytes).into_owned(),
            Ok((false, bytes)) => stderr = String::from_utf8_lossy(&bytes).into_owned(),
            Err(_) => break,
        }
    }
    (stdout, stderr)
}

/// A private temporary directory for the run, removed when dropped.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn create() -> std::io::Result<Scratch> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("tlsdoctor-run-{}-{nanos}", std::process::id()));
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        Ok(Scratch { dir })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client that exits leaving a background child holding its pipes:
    /// the child is killed with the client's group, so the run neither
    /// waits the grace period for output that is complete nor leaves the
    /// stray behind.
    #[test]
    fn a_stray_left_by_an_exited_client_is_killed_and_never_waited_for() {
        let tmp = tempfile::tempdir().unwrap();
        let pidfile = tmp.path().join("stray.pid");
        let fake = tmp.path().join("fake-curl");
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\nsleep 30 &\necho $! >'{}'\nexit 0\n",
                pidfile.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let request = RunRequest {
            client: RunClient {
                client: "curl".into(),
                executable: fake,
                interpreter: None,
            },
            to: Destination {
                host: "app.test".into(),
                port: 1,
                path: "/".into(),
                pinned: Some("127.0.0.1".parse().unwrap()),
            },
        };
        let started = Instant::now();
        let results = run_all(&[request], Duration::from_secs(20));
        let took = started.elapsed();
        let RunResult::Observed(o) = &results[0] else {
            panic!("{results:?}")
        };
        assert_eq!(o.outcome, ObservedOutcome::Trusts, "{o:?}");
        assert!(took < Duration::from_millis(1500), "took {took:?}");
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        let stat = format!("/proc/{}/stat", pid.trim());
        // Dead: gone, or a zombie until its new parent reaps it.
        let dead = || {
            std::fs::read_to_string(&stat)
                .map(|s| {
                    s.rsplit(')')
                        .next()
                        .unwrap_or("")
                        .trim_start()
                        .starts_with('Z')
                })
                .unwrap_or(true)
        };
        let until = Instant::now() + Duration::from_secs(2);
        while !dead() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(dead(), "the stray {} still runs", pid.trim());
    }
}
