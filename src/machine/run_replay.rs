//! The clients a `--run-clients` run starts, written out as a bash script
//! that starts the very same commands at once and waits for them all: the
//! yardstick `scripts/bench_clients.sh` times the runner against. Written
//! only when `TLSDOCTOR_RUN_CLIENTS_SCRIPT` names a file (a debugging and
//! benchmarking aid, not an interface).
//!
//! This module renders text from the runner's own [`Invocation`]s, so the
//! script cannot drift from what the runner does; it starts and judges
//! nothing.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::run_clients::Invocation;

/// The variable naming the file the script is written to.
pub(super) const VAR: &str = "TLSDOCTOR_RUN_CLIENTS_SCRIPT";

/// Write the script for `invocations` (their files live under `scratch`)
/// to the file `TLSDOCTOR_RUN_CLIENTS_SCRIPT` names, if it is set. A write
/// error is ignored: the run itself must not depend on this aid.
pub(super) fn write_if_asked(
    invocations: &[&Invocation],
    env: &[(String, String)],
    scratch: &Path,
) {
    if let Some(path) = std::env::var_os(VAR).filter(|p| !p.is_empty()) {
        let _ = std::fs::write(path, script(invocations, env, scratch));
    }
}

/// A bash script that makes `scratch` again with each client's files, then
/// starts every command in its own directory with its own variables,
/// output to files there (as the runner reads pipes), all in the
/// background, waits for all of them and removes `scratch`.
pub(super) fn script(
    invocations: &[&Invocation],
    env: &[(String, String)],
    scratch: &Path,
) -> Vec<u8> {
    let mut s = b"#!/usr/bin/env bash\n# Written by tlsdoctor (TLSDOCTOR_RUN_CLIENTS_SCRIPT): the clients its runner starts.\n".to_vec();
    let dir = quote(scratch.as_os_str());
    // One process makes every directory and the files are written by a
    // builtin, so nothing slow stands between one client's start and the
    // next: the script is the fastest way a shell starts them at once.
    s.extend_from_slice(b"mkdir -m 700 -p ");
    s.extend_from_slice(&dir);
    for inv in invocations {
        s.push(b' ');
        s.extend_from_slice(&quote(inv.cwd.as_os_str()));
    }
    line(&mut s, &[b" || exit 1"]);
    for inv in invocations {
        for (name, text) in &inv.files {
            let file = quote(inv.cwd.join(name).as_os_str());
            let text = quote(OsStr::new(text));
            line(&mut s, &[b"printf %s ", &text, b" >", &file]);
        }
    }
    for inv in invocations {
        start(&mut s, inv, env);
    }
    line(&mut s, &[b"wait"]);
    line(&mut s, &[b"rm -rf ", &dir]);
    s
}

/// `(cd DIR && unset … && export … && exec PROGRAM ARGS…) <… >… 2>… &`
fn start(s: &mut Vec<u8>, inv: &Invocation, env: &[(String, String)]) {
    s.extend_from_slice(b"(cd ");
    s.extend_from_slice(&quote(inv.cwd.as_os_str()));
    for var in &inv.remove {
        s.extend_from_slice(b" && unset ");
        s.extend_from_slice(&quote(OsStr::new(var)));
    }
    let set = env.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let set = set.chain(inv.set.iter().map(|(k, v)| (*k, v.as_str())));
    for (var, value) in set {
        s.extend_from_slice(b" && export ");
        s.extend_from_slice(&quote(OsStr::new(&format!("{var}={value}"))));
    }
    s.extend_from_slice(b" && exec ");
    s.extend_from_slice(&quote(inv.program.as_os_str()));
    for arg in &inv.args {
        s.push(b' ');
        s.extend_from_slice(&quote(arg));
    }
    let out = quote(inv.cwd.join(".stdout").as_os_str());
    let err = quote(inv.cwd.join(".stderr").as_os_str());
    line(s, &[b") </dev/null >", &out, b" 2>", &err, b" &"]);
}

fn line(s: &mut Vec<u8>, parts: &[&[u8]]) {
    for part in parts {
        s.extend_from_slice(part);
    }
    s.push(b'\n');
}

/// One shell word: in single quotes, each `'` written as `'\''`.
fn quote(word: &OsStr) -> Vec<u8> {
    let mut q = vec![b'\''];
    for &b in word.as_bytes() {
        if b == b'\'' {
            q.extend_from_slice(b"'\\''");
        } else {
            q.push(b);
        }
    }
    q.push(b'\'');
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::run::{Destination, RunClient};
    use crate::machine::run_clients::invocation;
    use std::time::Duration;

    /// The script, run by bash, starts the runner's exact argument vector
    /// (the Python program's quotes and newlines included), with its
    /// variables, in its directory, with its files.
    #[test]
    fn the_script_starts_the_runners_exact_commands() {
        let tmp = tempfile::tempdir().unwrap();
        let scratch = tmp.path().join("run");
        let record = tmp.path().join("record");
        // Stands in for the interpreter: records argv, one variable, cwd and a file.
        let fake = tmp.path().join("fake-python");
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\nr='{}'\nprintf '%s\\0' \"$@\" >\"$r.args\"\nprintf '%s|%s|%s' \"$GIT_TERMINAL_PROMPT\" \"${{HTTPS_PROXY-unset}}\" \"$EXTRA\" >\"$r.env\"\npwd >\"$r.cwd\"\ncat hosts >\"$r.hosts\"\n",
                record.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let to = Destination {
            host: "it's.test".into(),
            port: 8443,
            path: "/a b".into(),
            pinned: Some("127.0.0.1".parse().unwrap()),
        };
        let client = RunClient {
            client: "python-requests".into(),
            executable: fake.clone(),
            interpreter: None,
        };
        let dir = scratch.join("0");
        let mut inv = invocation(&client, &to, &dir, Duration::from_secs(3)).unwrap();
        inv.cwd = dir.clone();
        inv.set.push(("GIT_TERMINAL_PROMPT", "0".into()));
        inv.files.push(("hosts", "127.0.0.1 it's.test\n".into()));
        let env = vec![("EXTRA".to_string(), "a'b c".to_string())];
        let text = script(&[&inv], &env, &scratch);
        let file = tmp.path().join("replay.sh");
        std::fs::write(&file, &text).unwrap();
        let status = std::process::Command::new("bash")
            .arg(&file)
            .env("HTTPS_PROXY", "http://proxy.invalid:1")
            .status()
            .unwrap();
        assert!(status.success());
        let args = std::fs::read(record.with_extension("args")).unwrap();
        let want: Vec<u8> = inv
            .args
            .iter()
            .flat_map(|a| a.as_bytes().iter().copied().chain([0]))
            .collect();
        assert_eq!(
            String::from_utf8_lossy(&args),
            String::from_utf8_lossy(&want)
        );
        let vars = std::fs::read_to_string(record.with_extension("env")).unwrap();
        assert_eq!(vars, "0|unset|a'b c");
        let cwd = std::fs::read_to_string(record.with_extension("cwd")).unwrap();
        assert_eq!(cwd.trim_end(), dir.to_str().unwrap());
        let hosts = std::fs::read_to_string(record.with_extension("hosts")).unwrap();
        assert_eq!(hosts, "127.0.0.1 it's.test\n");
        // It cleans up after itself, as the runner does.
        assert!(!scratch.exists());
    }
}
