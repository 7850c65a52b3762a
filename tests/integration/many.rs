//! Many targets at once (CI preflight), the markdown ticket report, --quiet,
//! and shell support: completions and the man page.

use std::time::Duration;

use crate::support::*;
use serde_json::Value;

fn trusted_localhost() -> (Cert, Cert) {
    let root = root_ca("Tlsdoctor Many Test Root", "Tlsdoctor Test Trust");
    let leaf = leaf(&["localhost"], &root);
    (root, leaf)
}

/// `check` over several targets, stores given, no HTTP.
fn check_many(root: &Cert, targets: &[String], extra: &[&str]) -> Output {
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[root]);
    let mut cmd = tlsdoctor();
    cmd.arg("check").args(targets);
    cmd.arg("--bundled-roots")
        .arg(&roots)
        .arg("--os-roots")
        .arg(&roots);
    cmd.args(["--no-http", "--timeout", "5"]).args(extra);
    run(cmd)
}

fn localhost(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

/// `--resolve localhost:PORT:127.0.0.1` for each port.
fn resolve_all(ports: &[u16]) -> Vec<String> {
    ports
        .iter()
        .flat_map(|p| ["--resolve".to_string(), format!("localhost:{p}:127.0.0.1")])
        .collect()
}

#[test]
fn results_come_in_input_order_in_one_object_and_the_exit_code_aggregates() {
    let (root, leaf) = trusted_localhost();
    let good = TlsServer::start(&[&leaf], &leaf);
    let selfsigned = self_signed_leaf("127.0.0.1");
    let bad = TlsServer::start(&[&selfsigned], &selfsigned);
    let closed = closed_port();

    // Good and unreachable: exit 3.
    let targets = [
        format!("localhost:{}", good.port()),
        format!("localhost:{closed}"),
    ];
    let mut args = resolve_all(&[good.port(), closed]);
    args.extend(["--format".into(), "json".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = check_many(&root, &targets, &args);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let verdicts: Vec<&str> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["clean", "unreachable"]);

    // A diagnosis outranks unreachable: exit 1; order still the input order.
    let targets = [
        localhost(closed),
        localhost(bad.port()),
        localhost(good.port()),
    ];
    let out = check_many(&root, &targets, &["--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let ports: Vec<u64> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["port"].as_u64().unwrap())
        .collect();
    assert_eq!(
        ports,
        [closed as u64, bad.port() as u64, good.port() as u64]
    );
    assert_eq!(report["targets"][0]["verdict"], "unreachable");
    assert_eq!(report["targets"][1]["verdict"], "self_signed");
}

#[test]
fn slow_targets_are_probed_concurrently() {
    // Twenty servers that wait 400 ms before answering (not TLS, so the
    // verdict is quick to reach once they speak). In sequence this is 8 s.
    let servers: Vec<RawServer> = (0..20)
        .map(|_| {
            RawServer::start(|mut stream| {
                use std::io::Write;
                std::thread::sleep(Duration::from_millis(400));
                let _ = stream.write_all(raw::HTTP_400);
            })
        })
        .collect();
    let (root, _) = trusted_localhost();
    let targets: Vec<String> = servers.iter().map(|s| localhost(s.port())).collect();
    let out = check_many(&root, &targets, &["--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["verdict"] == "not_tls"));
    assert!(
        out.elapsed < Duration::from_secs(4),
        "20 × 400 ms took {:?}: not concurrent",
        out.elapsed
    );
}

#[test]
fn targets_file_with_comments_and_quiet() {
    let (root, leaf) = trusted_localhost();
    let server = TlsServer::start(&[&leaf], &leaf);
    let dir = Scratch::new();
    let file = dir.write(
        "targets.txt",
        format!(
            "# endpoints\n\nlocalhost:{}   # the local one\n  \n",
            server.port()
        ),
    );
    let resolve = format!("localhost:{}:127.0.0.1", server.port());
    let out = check_many(
        &root,
        &[],
        &[
            "--targets-file",
            file.to_str().unwrap(),
            "--resolve",
            &resolve,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["targets"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["targets"][0]["verdict"], "clean");

    let out = check_many(
        &root,
        &[],
        &[
            "--targets-file",
            file.to_str().unwrap(),
            "--resolve",
            &resolve,
            "--quiet",
        ],
    );
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    let closed = format!("127.0.0.1:{}", closed_port());
    let out = check_many(&root, &[closed], &["-q"]);
    assert_eq!((out.code, out.stdout.as_str()), (3, ""));
}

#[test]
fn markdown_report_is_a_complete_ticket_without_secrets() {
    let (root, leaf) = trusted_localhost();
    let server = TlsServer::start(&[&leaf], &leaf);
    let port = server.port();
    let target = format!("https://bob:pa55w0rd@localhost:{port}/v1/models?api_key=sk-live-123&x=1");
    let resolve = format!("localhost:{port}:127.0.0.1");
    let out = check_many(
        &root,
        &[target],
        &["--resolve", &resolve, "--format", "markdown"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let md = &out.stdout;
    for secret in ["pa55w0rd", "bob", "sk-live-123"] {
        assert!(!md.contains(secret), "{secret} leaked:\n{md}");
    }
    for needed in [
        "# tlsdoctor report",
        env!("CARGO_PKG_VERSION"),
        "**clean**",
        "127.0.0.1",
        "TLSv1.3",
        &leaf.sha256_hex(),
        "| bundled | trusted |",
        "| os | trusted |",
        "api_key=REDACTED",
    ] {
        assert!(md.contains(needed), "markdown lacks {needed:?}:\n{md}");
    }
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let mut cmd = tlsdoctor();
        cmd.args(["completions", shell]);
        let out = run(cmd);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(
            out.stdout.contains("tlsdoctor") && out.stdout.contains("bundled-roots"),
            "{shell}"
        );
    }
    let mut cmd = tlsdoctor();
    cmd.arg("man");
    let out = run(cmd);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.starts_with(".ie") || out.stdout.contains(".TH tlsdoctor"),
        "{}",
        &out.stdout[..200.min(out.stdout.len())]
    );

    let mut cmd = tlsdoctor();
    cmd.args(["completions", "tcsh"]);
    assert_eq!(run(cmd).code, 2);
}
