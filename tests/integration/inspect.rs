//! `tlsdoctor inspect`: chain files judged offline by the same Verify and
//! Diagnose as `check`. Every test passes its trust stores explicitly.

use crate::support::*;
use serde_json::Value;

/// Runs `tlsdoctor inspect ARGS --format json` with `roots` as both stores;
/// returns (exit code, the target's JSON, stderr).
fn inspect(args: &[&str], roots: &std::path::Path, stdin: Option<Vec<u8>>) -> (i32, Value, String) {
    let mut cmd = tlsdoctor();
    cmd.arg("inspect").args(args);
    cmd.arg("--bundled-roots")
        .arg(roots)
        .arg("--os-roots")
        .arg(roots);
    cmd.args(["--format", "json"]);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = run(cmd);
    let json: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    (out.code, json["targets"][0].clone(), out.stderr)
}

fn kinds(target: &Value) -> Vec<String> {
    target["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| {
                    format!(
                        "{}:{}",
                        f["severity"].as_str().unwrap_or(""),
                        f["kind"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

struct Pki {
    root: Cert,
    ica: Cert,
    leaf: Cert,
}

fn pki() -> Pki {
    let root = root_ca("Inspect Test Root", "Inspect Co");
    let ica = intermediate_ca("Inspect Test Intermediate", &root);
    let leaf = leaf(&["api.example.com"], &ica);
    Pki { root, ica, leaf }
}

#[test]
fn an_ordered_chain_is_clean_with_its_validity_horizon() {
    let p = pki();
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[&p.root]);
    let chain = dir.pem_file("chain.pem", &[&p.leaf, &p.ica]);
    let (code, t, err) = inspect(
        &[chain.to_str().unwrap(), "--host", "api.example.com"],
        &roots,
        None,
    );
    assert_eq!(
        (code, t["verdict"].as_str()),
        (0, Some("clean")),
        "{t:#}\n{err}"
    );
    assert!(
        !kinds(&t).iter().any(|k| k.ends_with("chain_order")),
        "{t:#}"
    );
    let horizon = t["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["severity"] == "info" && f["summary"].as_str().unwrap().contains("expires on"))
        .unwrap_or_else(|| panic!("a validity horizon note: {t:#}"));
    assert!(
        horizon["summary"]
            .as_str()
            .unwrap()
            .contains("the server certificate 'api.example.com'"),
        "{horizon:#}"
    );
}

#[test]
fn a_reversed_pasted_chain_is_put_in_order_and_the_order_reported() {
    let p = pki();
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[&p.root]);
    // As pasted from `openssl s_client -showcerts` or a ticket: CRLF,
    // chatter between blocks, indentation, CA first.
    let mut text = String::from("CONNECTED(00000003)\r\n---\r\nCertificate chain\r\n");
    for (i, c) in [&p.root, &p.ica, &p.leaf].iter().enumerate() {
        text.push_str(&format!(" {i} s:CN = {}\r\n", c.cn));
        for line in c.pem.lines() {
            text.push_str(&format!("  {line}\r\n"));
        }
    }
    text.push_str("---\r\nServer certificate\r\n");
    let chain = dir.write("pasted.txt", text);
    let (code, t, err) = inspect(
        &[chain.to_str().unwrap(), "--host", "api.example.com"],
        &roots,
        None,
    );
    assert_eq!(
        (code, t["verdict"].as_str()),
        (0, Some("clean")),
        "{t:#}\n{err}"
    );
    let order = t["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "chain_order")
        .unwrap_or_else(|| panic!("a chain_order warning: {t:#}"));
    assert_eq!(order["severity"], "warning");
    let detail = order["detail"].as_str().unwrap();
    assert!(
        detail.contains("'Inspect Test Root', 'Inspect Test Intermediate', 'api.example.com'"),
        "the file's order: {detail}"
    );
    assert_eq!(
        t["chain"][0]["subject"]
            .as_str()
            .map(|s| s.contains("api.example.com")),
        Some(true),
        "{t:#}"
    );
}

#[test]
fn der_and_stdin_are_read() {
    let p = pki();
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[&p.root]);
    let mut der = p.leaf.der.to_vec();
    der.extend_from_slice(&p.ica.der);
    let file = dir.write("chain.der", &der);
    let (code, t, err) = inspect(
        &[file.to_str().unwrap(), "--host", "api.example.com"],
        &roots,
        None,
    );
    assert_eq!(
        (code, t["verdict"].as_str()),
        (0, Some("clean")),
        "{t:#}\n{err}"
    );
    let (code, t, err) = inspect(
        &["-", "--host", "api.example.com"],
        &roots,
        Some(pem_bundle(&[&p.leaf, &p.ica]).into_bytes()),
    );
    assert_eq!(
        (code, t["verdict"].as_str()),
        (0, Some("clean")),
        "{t:#}\n{err}"
    );
}

#[test]
fn same_verdicts_and_exit_codes_as_check() {
    let p = pki();
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[&p.root]);
    let leaf_only = dir.pem_file("leaf.pem", &[&p.leaf]);
    let chain = dir.pem_file("chain.pem", &[&p.leaf, &p.ica]);
    let (code, t, _) = inspect(
        &[chain.to_str().unwrap(), "--host", "other.example.com"],
        &roots,
        None,
    );
    assert_eq!(
        (code, t["verdict"].as_str()),
        (1, Some("hostname_mismatch")),
        "{t:#}"
    );
    let (code, t, _) = inspect(
        &[leaf_only.to_str().unwrap(), "--host", "api.example.com"],
        &roots,
        None,
    );
    assert_eq!(
        (code, t["verdict"].as_str()),
        (1, Some("incomplete_chain")),
        "{t:#}"
    );
    // Two files make one chain.
    let ica = dir.pem_file("ica.pem", &[&p.ica]);
    let (code, t, _) = inspect(
        &[
            leaf_only.to_str().unwrap(),
            ica.to_str().unwrap(),
            "--host",
            "api.example.com",
        ],
        &roots,
        None,
    );
    assert_eq!((code, t["verdict"].as_str()), (0, Some("clean")), "{t:#}");
}

#[test]
fn at_says_when_the_chain_stops_being_valid_and_which_certificate_goes_first() {
    let root = root_ca("Horizon Root", "Horizon Co");
    let ica = CertSpec::ca("Horizon Intermediate")
        .validity(date(2024, 1, 1), date(2027, 1, 3))
        .signed_by(&root);
    let leaf = CertSpec::leaf("api.example.com")
        .dns(&["api.example.com"])
        .validity(date(2026, 6, 1), date(2027, 6, 1))
        .signed_by(&ica);
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[&root]);
    let chain = dir.pem_file("chain.pem", &[&leaf, &ica]);
    let args = |at: &'static str| {
        [
            chain.to_str().unwrap().to_string(),
            "--host".into(),
            "api.example.com".into(),
            "--at".into(),
            at.into(),
        ]
    };
    let a = args("2026-11-22T00:00:00Z");
    let (code, t, _) = inspect(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        &roots,
        None,
    );
    assert_eq!((code, t["verdict"].as_str()), (0, Some("clean")), "{t:#}");
    let text = t["findings"].to_string();
    assert!(text.contains("the intermediate 'Horizon Intermediate' expires on 2027-01-03, before the server certificate"), "{text}");
    let a = args("2027-02-01T00:00:00Z");
    let (code, t, _) = inspect(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        &roots,
        None,
    );
    assert_eq!((code, t["verdict"].as_str()), (1, Some("expired")), "{t:#}");
    assert!(
        t["findings"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("Horizon Intermediate"),
        "{t:#}"
    );
}

#[test]
fn bad_input_is_exit_2_with_one_line() {
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[unrelated_root()]);
    let p = pki();
    let truncated: String = p
        .leaf
        .pem
        .lines()
        .take(4)
        .map(|l| format!("{l}\n"))
        .collect();
    let big = dir.path().join("big.pem");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(50 << 20).unwrap(); // sparse: 50 MB without writing them
    let cases: Vec<(std::path::PathBuf, &str)> = vec![
        (
            dir.write("text.pem", "this is not a certificate\n"),
            "no certificate",
        ),
        (dir.write("truncated.pem", truncated), "truncated"),
        (
            dir.write("junk.bin", [0x00u8, 0xff, 0x13, 0x37, 0x42, 0x99, 0x01]),
            "not a certificate",
        ),
        (dir.write("empty.pem", ""), "empty"),
        (dir.write("key.pem", p.leaf.key_pem()), "private key"),
        (big, "larger than"),
        (dir.path().join("missing.pem"), "no such file"),
    ];
    for (file, expect) in cases {
        let mut cmd = tlsdoctor();
        cmd.arg("inspect")
            .arg(&file)
            .args(["--host", "api.example.com", "--bundled-roots"])
            .arg(&roots)
            .arg("--os-roots")
            .arg(&roots);
        let out = run(cmd);
        assert_eq!(out.code, 2, "{}: {out:?}", file.display());
        assert_eq!(
            out.stderr.trim_end().lines().count(),
            1,
            "one line: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(expect),
            "{}: {}",
            file.display(),
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }
    // stdin is bounded too.
    let mut cmd = tlsdoctor();
    cmd.args([
        "inspect",
        "-",
        "--host",
        "api.example.com",
        "--bundled-roots",
    ])
    .arg(&roots)
    .arg("--os-roots")
    .arg(&roots);
    cmd.write_stdin(vec![b'A'; 6 << 20]);
    let out = run(cmd);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("stdin is larger than"),
        "{}",
        out.stderr
    );
}

/// The headline of the human report says which stores trust the chain, from
/// the report's per-store results: a chain only `--ca-file` trusts must not
/// be called "trusted by the bundled roots and the OS store" above lines
/// saying those stores do not trust it.
#[test]
fn the_human_headline_names_only_the_stores_that_trust() {
    let private = root_ca("Declared Private Root", "Internal Co");
    let leaf = leaf(&["api.internal.test"], &private);
    let public = root_ca("Unrelated Public Root", "Public Co");
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[&public]);
    let ca = dir.pem_file("ca.pem", &[&private]);
    let chain = dir.pem_file("leaf.pem", &[&leaf]);
    let mut cmd = tlsdoctor();
    cmd.arg("inspect")
        .arg(&chain)
        .args(["--host", "api.internal.test", "--ca-file"])
        .arg(&ca)
        .arg("--bundled-roots")
        .arg(&roots)
        .arg("--os-roots")
        .arg(&roots);
    let out = run(cmd);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let head: Vec<&str> = out.stdout.lines().take(2).collect();
    assert!(head[0].contains("clean"), "{}", out.stdout);
    assert!(
        !head[1].contains("bundled roots and the OS store"),
        "{}",
        out.stdout
    );
    assert!(head[1].contains("--ca-file"), "{}", out.stdout);
    assert!(
        head[1].contains("not by the bundled roots or the OS store"),
        "{}",
        out.stdout
    );

    // And with the public roots trusting it, the headline says so.
    let both = dir.pem_file("both.pem", &[&private]);
    let mut cmd = tlsdoctor();
    cmd.arg("inspect")
        .arg(&chain)
        .args(["--host", "api.internal.test", "--bundled-roots"])
        .arg(&both)
        .arg("--os-roots")
        .arg(&both);
    let out = run(cmd);
    let second = out.stdout.lines().nth(1).unwrap_or("").to_string();
    assert!(
        second.contains("trusted by the bundled roots and the OS store"),
        "{}",
        out.stdout
    );
}
