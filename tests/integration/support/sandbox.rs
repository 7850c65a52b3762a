//! A private mount namespace for real clients: the OS store, `/etc/hosts`
//! and the machine-wide client configs are replaced there, so curl, git,
//! node, Python and pip read a test root from the real platform paths
//! (`/etc/ssl/certs/ca-certificates.crt` and its hashed directory) and
//! resolve test names to 127.0.0.1 — without touching the machine.
//!
//! Every command run here gets an environment built whole: `HOME` (a
//! scratch directory), `PATH` with only the clients the test names, and no
//! other variable unless the test sets it (so no CA or proxy variable of
//! the machine leaks in; `no_ca_variable_leaks` checks it against the
//! library's own list). Runs `unshare -m` as root, `unshare -rm` otherwise.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::{tool, Cert, Scratch};

/// Machine-wide client configs that bear on trust: hidden (bound over with
/// an empty file) when they exist, so the machine's own settings (this one
/// has `cert = …` in /etc/pip.conf) do not decide a test.
const MACHINE_CONFIGS: &[&str] = &[
    "/etc/pip.conf",
    "/etc/xdg/pip/pip.conf",
    "/etc/gitconfig",
    "/usr/local/etc/gitconfig",
    "/etc/npmrc",
    "/usr/etc/npmrc",
    "/etc/curlrc",
];

/// The script run by `sh` inside the namespace: mount, then exec the command.
/// The platform bundle and its hashed directory are `/etc/ssl/certs` (Debian;
/// `/usr/lib/ssl/certs` links there).
const MOUNT_SCRIPT: &str = r#"
set -e
certs=$1; hosts=$2; empty=$3; configs=$4; shift 4
/bin/mount --bind "$certs" /etc/ssl/certs
/bin/mount --bind "$hosts" /etc/hosts
for f in $configs; do
    if [ -f "$f" ]; then /bin/mount --bind "$empty" "$f"; fi
done
exec "$@"
"#;

/// A scratch machine view for one test.
pub struct Sandbox {
    scratch: Scratch,
    os_certs: Vec<String>,
    hosts: Vec<String>,
    path: Vec<PathBuf>,
    env: BTreeMap<String, OsString>,
    java: bool,
}

/// What one command did in the sandbox.
#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Sandbox {
    /// An empty OS store, only `localhost` in `/etc/hosts`, an empty `PATH`.
    pub fn new() -> Sandbox {
        let scratch = Scratch::new();
        std::fs::create_dir_all(scratch.path().join("home")).expect("home");
        std::fs::create_dir_all(scratch.path().join("bin")).expect("bin");
        let mut sandbox = Sandbox {
            scratch,
            os_certs: Vec::new(),
            hosts: Vec::new(),
            path: Vec::new(),
            env: BTreeMap::new(),
            java: false,
        };
        let home = sandbox.home();
        sandbox.env.insert("HOME".into(), home.into());
        sandbox.env.insert("LANG".into(), "C.UTF-8".into());
        sandbox
    }

    pub fn home(&self) -> PathBuf {
        self.scratch.path().join("home")
    }

    pub fn scratch(&self) -> &Scratch {
        &self.scratch
    }

    /// The OS store holds exactly `certs` (bundle file and hashed directory).
    pub fn os_store(mut self, certs: &[&Cert]) -> Sandbox {
        self.os_certs = certs.iter().map(|c| c.pem.clone()).collect();
        self
    }

    /// The OS store holds exactly these PEM certificates (made outside
    /// rcgen, e.g. by openssl with a key rcgen cannot make).
    pub fn os_store_pem(mut self, pems: &[String]) -> Sandbox {
        self.os_certs = pems.to_vec();
        self
    }

    /// Also lay out Java's store as Debian's ca-certificates-java builds it
    /// from the OS store (`/etc/ssl/certs/java/cacerts`, JKS, readable without a password).
    pub fn java_store(mut self) -> Sandbox {
        self.java = true;
        self
    }

    /// `name` resolves to 127.0.0.1.
    pub fn host(mut self, name: &str) -> Sandbox {
        self.hosts.push(name.to_string());
        self
    }

    /// Put `program` on `PATH` under its own file name (a symlink in the
    /// sandbox's `bin`).
    pub fn program(self, program: &Path) -> Sandbox {
        let name = program.file_name().expect("a program file name");
        self.program_as(program, &name.to_string_lossy())
    }

    /// Put `program` on `PATH` as `name`.
    pub fn program_as(self, program: &Path, name: &str) -> Sandbox {
        let link = self.scratch.path().join("bin").join(name);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(program, &link).expect("symlink a program");
        self
    }

    /// Put a whole directory on `PATH` (a venv's `bin`: a symlink to a venv's
    /// interpreter would run the base interpreter).
    pub fn path_dir(mut self, dir: &Path) -> Sandbox {
        self.path.push(dir.to_path_buf());
        self
    }

    /// Put the venv of `python` (`…/bin/python`) on `PATH`, first.
    pub fn venv(self, python: &Path) -> Sandbox {
        let bin = python.parent().expect("a venv's bin").to_path_buf();
        self.path_dir(&bin)
    }

    pub fn env(mut self, name: &str, value: impl Into<OsString>) -> Sandbox {
        self.env.insert(name.to_string(), value.into());
        self
    }

    /// Writes the store, hosts and empty files, fresh for each command (two
    /// may start at once); returns their paths.
    fn lay_out(&self) -> (PathBuf, PathBuf, PathBuf) {
        static LAID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = LAID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = self.scratch.path().join(format!("etc-ssl-certs-{n}"));
        std::fs::create_dir_all(&dir).expect("certs dir");
        std::fs::write(dir.join("ca-certificates.crt"), self.os_certs.concat()).expect("bundle");
        for (i, pem) in self.os_certs.iter().enumerate() {
            let file = self.scratch.write(&format!("os-{n}-{i}.pem"), pem);
            let hash = subject_hash(&file);
            let mut n = 0;
            while dir.join(format!("{hash}.{n}")).exists() {
                n += 1;
            }
            std::fs::write(dir.join(format!("{hash}.{n}")), pem).expect("hashed cert");
        }
        if self.java {
            java_cacerts(&dir.join("java"), &self.os_certs, &self.scratch);
        }
        let mut hosts = String::from("127.0.0.1 localhost\n::1 localhost ip6-localhost\n");
        for name in &self.hosts {
            hosts.push_str(&format!("127.0.0.1 {name}\n"));
        }
        let hosts_file = self.scratch.write(&format!("hosts-{n}"), hosts);
        let empty = self.scratch.write("empty", "");
        (dir, hosts_file, empty)
    }

    fn path_var(&self) -> OsString {
        let mut dirs = self.path.clone();
        dirs.push(self.scratch.path().join("bin"));
        std::env::join_paths(dirs).expect("PATH")
    }

    /// `program ARGS` inside the namespace, with the sandbox's environment.
    pub fn command<I, S>(&self, program: &Path, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let (certs, hosts, empty) = self.lay_out();
        let mut cmd = Command::new(tool("unshare"));
        if !is_root() {
            cmd.arg("-r");
        }
        cmd.args([
            "-m",
            "--propagation",
            "private",
            "/bin/sh",
            "-c",
            MOUNT_SCRIPT,
            "sandbox",
        ]);
        cmd.arg(certs)
            .arg(hosts)
            .arg(empty)
            .arg(MACHINE_CONFIGS.join(" "));
        cmd.arg(program);
        cmd.args(args.into_iter().map(Into::into));
        cmd.env_clear().envs(&self.env).env("PATH", self.path_var());
        cmd.current_dir(self.home());
        cmd
    }

    /// Runs `program ARGS` to completion (at most a minute).
    pub fn run<I, S>(&self, program: &Path, args: I) -> Ran
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        run_bounded(self.command(program, args), Duration::from_secs(60))
    }

    /// `tlsdoctor check TARGET --run-clients --format json ARGS` in the sandbox.
    pub fn check_run_clients(&self, target: &str, args: &[&str]) -> ClientsRun {
        let mut all = vec![
            "check",
            target,
            "--run-clients",
            "--format",
            "json",
            "--timeout",
            "20",
        ];
        all.extend(args);
        let ran = self.run(Path::new(env!("CARGO_BIN_EXE_tlsdoctor")), all);
        ClientsRun::parse(ran)
    }

    /// The same, with `PATH` holding exactly `path` (tlsdoctor, like a user,
    /// finds only the first `node` or `python3` on `PATH`).
    pub fn check_run_clients_on(
        &self,
        path: &[PathBuf],
        target: &str,
        args: &[&str],
    ) -> ClientsRun {
        let mut all = vec![
            "check",
            target,
            "--run-clients",
            "--format",
            "json",
            "--timeout",
            "20",
        ];
        all.extend(args);
        let mut cmd = self.command(Path::new(env!("CARGO_BIN_EXE_tlsdoctor")), all);
        cmd.env("PATH", std::env::join_paths(path).expect("PATH"));
        ClientsRun::parse(run_bounded(cmd, Duration::from_secs(60)))
    }

    /// The sandbox's own `bin` (the programs put there with [`Sandbox::program`]).
    pub fn bin(&self) -> PathBuf {
        self.scratch.path().join("bin")
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// `DIR/cacerts` holding `certs`, made with keytool.
fn java_cacerts(dir: &Path, certs: &[String], scratch: &Scratch) {
    std::fs::create_dir_all(dir).expect("java dir");
    for (i, pem) in certs.iter().enumerate() {
        let file = scratch.write(&format!("java-{i}.pem"), pem);
        let out = Command::new(tool("keytool"))
            .args([
                "-importcert",
                "-noprompt",
                "-storetype",
                "JKS",
                "-storepass",
            ])
            .args(["changeit", "-alias", &format!("test{i}"), "-keystore"])
            .arg(dir.join("cacerts"))
            .arg("-file")
            .arg(&file)
            .output()
            .expect("run keytool");
        assert!(out.status.success(), "keytool: {out:?}");
    }
}

/// OpenSSL's subject-name hash of a PEM file (`openssl x509 -hash`).
fn subject_hash(pem: &Path) -> String {
    let out = Command::new(tool("openssl"))
        .args(["x509", "-hash", "-noout", "-in"])
        .arg(pem)
        .output()
        .expect("run openssl x509 -hash");
    assert!(out.status.success(), "openssl x509 -hash failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs `cmd`, killing it after `limit`.
pub fn run_bounded(mut cmd: Command, limit: Duration) -> Ran {
    use std::process::Stdio;
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn in the sandbox");
    let out = child.stdout.take().expect("stdout");
    let err = child.stderr.take().expect("stderr");
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let (out, err) = (read(Box::new(out)), read(Box::new(err)));
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ran {
        code,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        elapsed: start.elapsed(),
    }
}

/// One or more parsed `check --run-clients --format json` runs of the same
/// target (clients are looked up in all of them).
pub struct ClientsRun {
    pub ran: Ran,
    /// The first run's `targets[0]`.
    pub target: serde_json::Value,
    more: Vec<ClientsRun>,
}

impl ClientsRun {
    fn parse(ran: Ran) -> ClientsRun {
        let report: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e})\n{ran:#?}");
        });
        let target = report["targets"][0].clone();
        ClientsRun {
            ran,
            target,
            more: Vec::new(),
        }
    }

    /// Both runs' clients, for lookups.
    pub fn and(mut self, other: ClientsRun) -> ClientsRun {
        self.more.push(other);
        self
    }

    fn all_clients(&self) -> impl Iterator<Item = &serde_json::Value> {
        std::iter::once(self)
            .chain(&self.more)
            .filter_map(|r| r.target["clients"].as_array())
            .flatten()
    }

    /// The `clients[]` entry for `client` run by `executable` (a path prefix).
    pub fn client(&self, client: &str, executable: &Path) -> &serde_json::Value {
        let exe = executable.to_string_lossy();
        self.all_clients()
            .find(|c| {
                c["client"] == client
                    && c["executable"]
                        .as_str()
                        .is_some_and(|e| e.starts_with(&*exe))
            })
            .unwrap_or_else(|| panic!("no client {client} at {exe}\n{}", self.dump()))
    }

    /// `observed.outcome` of that client ("not run" when it was not).
    pub fn observed(&self, client: &str, executable: &Path) -> String {
        let c = self.client(client, executable);
        c["observed"]["outcome"]
            .as_str()
            .map_or_else(|| "not run".to_string(), str::to_string)
    }

    /// Asserts what the client really did, and — where tlsdoctor predicted
    /// an outcome (`clients[].outcome`) — that the prediction agrees.
    #[track_caller]
    pub fn assert_client(&self, client: &str, executable: &Path, outcome: &str) {
        let c = self.client(client, executable);
        assert_eq!(
            self.observed(client, executable),
            outcome,
            "{client} ({}) observed\n{}",
            executable.display(),
            self.dump()
        );
        // A prediction is about trust: a run that stopped for another
        // reason (error, timeout) cannot confirm or refute it.
        let about_trust = outcome == "trusts" || outcome == "fails";
        if let Some(predicted) = c
            .get("outcome")
            .and_then(|o| o.as_str())
            .filter(|_| about_trust)
        {
            assert_eq!(
                predicted,
                outcome,
                "{client} ({}): tlsdoctor's prediction differs from the real run\n{}",
                executable.display(),
                self.dump()
            );
        }
    }

    pub fn dump(&self) -> String {
        let mut text = format!(
            "exit {:?} in {:?}\n--- clients ---\n{:#}\n--- findings ---\n{:#}\n--- stderr ---\n{}",
            self.ran.code,
            self.ran.elapsed,
            self.target["clients"],
            self.target["findings"],
            self.ran.stderr
        );
        for more in &self.more {
            text.push_str("\n=== and ===\n");
            text.push_str(&more.dump());
        }
        text
    }
}
