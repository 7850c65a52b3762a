//! Writing the output: a full disk is an I/O error with its own exit code
//! (4) and one line on stderr, not "bad usage"; a closed pipe is success.

use std::process::{Command, Stdio};

use crate::support::*;

/// Runs the binary (scrubbed as [`tlsdoctor`] scrubs it) with stdout on
/// `/dev/full`; returns (exit code, stderr).
fn to_dev_full(args: &[&std::ffi::OsStr], home: Option<&std::path::Path>) -> (i32, String) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tlsdoctor"));
    for var in ambient_vars() {
        cmd.env_remove(var);
    }
    for var in tlsdoctor::knowledge::location_variables() {
        cmd.env_remove(var);
    }
    if let Some(home) = home {
        cmd.env("HOME", home);
    }
    cmd.env("NO_COLOR", "1")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(full))
        .stderr(Stdio::piped());
    let out = cmd.output().expect("run tlsdoctor");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_io_error(code: i32, stderr: &str) {
    assert_eq!(code, 4, "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains("cannot write the output"), "{stderr}");
    // The cause once, not twice.
    assert_eq!(stderr.matches("No space left").count(), 1, "{stderr}");
    assert!(!stderr.contains("usage"), "{stderr}");
}

#[test]
fn inspect_to_a_full_disk_exits_4_with_one_line() {
    let root = root_ca("Output Test Root", "Output Co");
    let leaf = leaf(&["api.example.com"], &root);
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[&root]);
    let chain = dir.pem_file("chain.pem", &[&leaf]);
    for format in ["human", "json", "markdown"] {
        let (code, stderr) = to_dev_full(
            &[
                "inspect".as_ref(),
                chain.as_os_str(),
                "--host".as_ref(),
                "api.example.com".as_ref(),
                "--bundled-roots".as_ref(),
                roots.as_os_str(),
                "--os-roots".as_ref(),
                roots.as_os_str(),
                "--format".as_ref(),
                format.as_ref(),
            ],
            None,
        );
        assert_io_error(code, &stderr);
    }
}

#[test]
fn check_to_a_full_disk_exits_4_with_one_line() {
    let root = root_ca("Output Test Root", "Output Co");
    let leaf = leaf(&["localhost"], &root);
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[&root]);
    let server = TlsServer::start(&[&leaf], &leaf);
    let target = format!("localhost:{}", server.port());
    let (code, stderr) = to_dev_full(
        &[
            "check".as_ref(),
            target.as_ref(),
            "--no-http".as_ref(),
            "--bundled-roots".as_ref(),
            roots.as_os_str(),
            "--os-roots".as_ref(),
            roots.as_os_str(),
        ],
        None,
    );
    assert_io_error(code, &stderr);
}

#[test]
fn env_to_a_full_disk_exits_4_with_one_line() {
    let home = Scratch::new();
    let (code, stderr) = to_dev_full(&["env".as_ref()], Some(home.path()));
    assert_io_error(code, &stderr);
}

/// `tlsdoctor man | head -1`: the reader goes away before the writer is done;
/// that is success, with nothing on stderr.
#[test]
fn a_closed_pipe_is_success() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tlsdoctor"));
    cmd.arg("man")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run tlsdoctor");
    drop(child.stdout.take()); // close the read end before the man page is written
    let out = child.wait_with_output().expect("wait for tlsdoctor");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
