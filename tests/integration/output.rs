//! Writing the output: a full disk is an I/O error with its own exit code
//! (4) and one line on stderr, not "bad usage"; a closed pipe is success.

use std::process::{Command, Stdio};

use crate::support::*;

/// Runs the binary (scrubbed as [`tlsdoctor`] scrubs it) with stdout on
/// `/dev/full`; returns (exit code, stderr).
fn to_dev_full(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tlsdoctor"));
    for var in ambient_vars() {
        cmd.env_remove(var);
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
        let (code, stderr) = to_dev_full(&[
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
        ]);
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
    let (code, stderr) = to_dev_full(&[
        "check".as_ref(),
        target.as_ref(),
        "--no-http".as_ref(),
        "--bundled-roots".as_ref(),
        roots.as_os_str(),
        "--os-roots".as_ref(),
        roots.as_os_str(),
    ]);
    assert_io_error(code, &stderr);
}
