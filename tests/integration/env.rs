//! End-to-end tests of `tlsdoctor env`: each variable's warnings, the exit
//! code, proxy redaction, unreadable files, and configuration files under a
//! temporary HOME. Every variable the audit reads is removed or set for the
//! process, so the machine's own settings never leak in.

use std::path::Path;

use crate::support::*;
use serde_json::Value;

/// Every variable `env` reads, plus the ones that move configuration files:
/// the library's own lists, so they cannot drift.
fn all_vars() -> Vec<&'static str> {
    let mut vars = tlsdoctor::knowledge::audited_names();
    vars.extend(tlsdoctor::knowledge::location_variables());
    vars
}

/// `tlsdoctor env --format json` with HOME = `home` and only `vars` set.
fn env_json(home: &Path, vars: &[(&str, &str)]) -> (i32, Value, Output) {
    let mut cmd = env_cmd(home, vars);
    cmd.args(["--format", "json"]);
    let out = run(cmd);
    let v: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", out.stdout, out.stderr));
    (out.code, v, out)
}

fn env_cmd(home: &Path, vars: &[(&str, &str)]) -> assert_cmd::Command {
    let mut cmd = tlsdoctor();
    cmd.arg("env");
    for v in all_vars() {
        cmd.env_remove(v);
    }
    cmd.env("HOME", home);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

fn warnings_of<'a>(report: &'a Value, source: &str) -> Vec<&'a Value> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["source"].as_str().unwrap_or("").starts_with(source))
        .collect()
}

fn worst(report: &Value, source: &str) -> Option<String> {
    let order = ["danger", "warning", "info"];
    warnings_of(report, source)
        .iter()
        .filter_map(|w| w["level"].as_str())
        .min_by_key(|l| order.iter().position(|o| o == l))
        .map(str::to_string)
}

#[test]
fn a_clean_environment_exits_0() {
    let home = Scratch::new();
    let (code, v, _) = env_json(home.path(), &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verification_off_or_broken"], false);
    assert!(v["warnings"].as_array().unwrap().is_empty(), "{v:#}");
    let names: Vec<&str> = v["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    for name in [
        "SSL_CERT_FILE",
        "NODE_USE_SYSTEM_CA",
        "CARGO_HTTP_CAINFO",
        "GIT_SSL_NO_VERIFY",
    ] {
        assert!(names.contains(&name), "{name}");
    }
    let ssl = &v["variables"][0];
    assert_eq!(ssl["set"], false);
    assert!(ssl["honoured_by"].as_array().unwrap().len() > 2);
    assert!(ssl["ignored_by"].as_array().unwrap().len() > 2);
}

#[test]
fn each_variable_gets_its_warning() {
    let home = Scratch::new();
    let root = root_ca("Zscaler Root CA", "Zscaler Inc.");
    let root_only = home.pem_file("root-only.pem", &[&root]);
    let root_only = root_only.to_str().unwrap();
    let junk = home.write("junk.pem", "not a certificate\n");
    let junk = junk.to_str().unwrap();
    let dir = home.path().to_str().unwrap();
    let cases: &[(&str, &str, Option<&str>, i32)] = &[
        ("NODE_TLS_REJECT_UNAUTHORIZED", "0", Some("danger"), 1),
        ("NODE_TLS_REJECT_UNAUTHORIZED", "1", None, 0),
        ("PYTHONHTTPSVERIFY", "0", Some("danger"), 1),
        ("GIT_SSL_NO_VERIFY", "1", Some("danger"), 1),
        ("SSL_CERT_FILE", "", Some("danger"), 1),
        ("SSL_CERT_FILE", "/nonexistent/ca.pem", Some("danger"), 1),
        ("SSL_CERT_FILE", root_only, Some("warning"), 0),
        ("SSL_CERT_FILE", dir, Some("danger"), 1),
        ("REQUESTS_CA_BUNDLE", "", Some("warning"), 0),
        ("AWS_CA_BUNDLE", "/dev/null", Some("danger"), 1),
        ("PIP_CERT", junk, Some("danger"), 1),
        ("CURL_CA_BUNDLE", "/nonexistent/ca.pem", Some("danger"), 1),
        ("GIT_SSL_CAINFO", root_only, Some("warning"), 0),
        ("CARGO_HTTP_CAINFO", "/dev/null", Some("danger"), 1),
        ("NODE_EXTRA_CA_CERTS", root_only, Some("info"), 0),
        (
            "NODE_EXTRA_CA_CERTS",
            "/nonexistent/ca.pem",
            Some("danger"),
            1,
        ),
        ("NODE_USE_SYSTEM_CA", "1", None, 0),
        ("SSL_CERT_DIR", "/nonexistent-dir", Some("warning"), 0),
        ("HTTPS_PROXY", "http://proxy:notaport", Some("warning"), 0),
    ];
    for (name, value, level, code) in cases {
        let (got_code, v, _) = env_json(home.path(), &[(name, value)]);
        assert_eq!(
            worst(&v, name).as_deref(),
            *level,
            "{name}={value}\n{:#}",
            v["warnings"]
        );
        assert_eq!(got_code, *code, "{name}={value}\n{:#}", v["warnings"]);
    }
}

#[test]
fn files_are_described_and_interception_roots_named() {
    let home = Scratch::new();
    let root = root_ca("Zscaler Root CA", "Zscaler Inc.");
    let other = root_ca("Some Private CA", "Example");
    let file = home.pem_file("corp.pem", &[&root, &other]);
    let (_, v, _) = env_json(
        home.path(),
        &[("NODE_EXTRA_CA_CERTS", file.to_str().unwrap())],
    );
    let var = v["variables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "NODE_EXTRA_CA_CERTS")
        .unwrap();
    let f = &var["files"][0];
    assert_eq!(f["exists"], true);
    assert_eq!(f["parses"], true);
    assert_eq!(f["certificates"], 2);
    assert_eq!(f["mozilla_roots"], 0);
    let notable = f["notable"].to_string();
    assert!(notable.contains("Zscaler"), "{notable}");
    assert!(!notable.contains("Some Private CA"), "{notable}");
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_danger() {
    use std::os::unix::fs::PermissionsExt;
    let home = Scratch::new();
    let file = home.pem_file("locked.pem", &[unrelated_root()]);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&file).is_ok() {
        eprintln!("skipping: running as root, permissions do not lock the file");
        return;
    }
    let (code, v, _) = env_json(
        home.path(),
        &[("REQUESTS_CA_BUNDLE", file.to_str().unwrap())],
    );
    assert_eq!(code, 1);
    let w = warnings_of(&v, "REQUESTS_CA_BUNDLE");
    assert!(
        w[0]["message"].as_str().unwrap().contains("cannot be read"),
        "{w:?}"
    );
}

#[test]
fn proxy_credentials_are_never_printed() {
    let home = Scratch::new();
    let vars = [
        ("HTTPS_PROXY", "http://alice:hunter2@proxy.corp:8080"),
        ("https_proxy", "http://bob:hunter3@proxy.corp:8080"),
        ("ALL_PROXY", "socks5://carol:hunter4@proxy.corp:1080"),
        ("no_proxy", "localhost,.corp"),
    ];
    for format in ["human", "json", "markdown"] {
        let mut cmd = env_cmd(home.path(), &vars);
        cmd.args(["--format", format, "--color", "never"]);
        let out = run(cmd);
        for secret in ["hunter2", "hunter3", "hunter4", "alice", "bob:"] {
            assert!(!out.stdout.contains(secret), "{format}: {}", out.stdout);
            assert!(!out.stderr.contains(secret), "{format}: {}", out.stderr);
        }
        assert!(
            out.stdout
                .contains("http://proxy.corp:8080 (credentials removed)"),
            "{format}: {}",
            out.stdout
        );
    }
    let (_, v, _) = env_json(home.path(), &vars);
    // The two spellings differ: curl and Python use the lower-case one.
    assert_eq!(
        worst(&v, "HTTPS_PROXY").as_deref(),
        Some("warning"),
        "{v:#}"
    );
}

#[test]
fn config_files_under_home() {
    let home = Scratch::new();
    let h = home.path();
    std::fs::write(
        h.join(".gitconfig"),
        "[user]\n\tname = t\n[http]\n\tsslVerify = false\n\tsslCAInfo = ~/certs/missing.pem\n",
    )
    .unwrap();
    std::fs::create_dir_all(h.join(".config/pip")).unwrap();
    std::fs::write(
        h.join(".config/pip/pip.conf"),
        "[global]\ncert = /dev/null\ntrusted-host = pypi.org\n",
    )
    .unwrap();
    std::fs::write(h.join(".npmrc"), "strict-ssl=false\n").unwrap();
    std::fs::create_dir_all(h.join(".aws")).unwrap();
    let good = home.pem_file("aws.pem", &[unrelated_root()]);
    std::fs::write(
        h.join(".aws/config"),
        format!("[default]\nregion = x\nca_bundle = {}\n", good.display()),
    )
    .unwrap();
    std::fs::write(h.join(".condarc"), "ssl_verify: false\n").unwrap();
    std::fs::write(h.join(".curlrc"), "--insecure\n").unwrap();

    let (code, v, _) = env_json(h, &[]);
    assert_eq!(code, 1);
    let settings: Vec<String> = v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}={}",
                s["tool"].as_str().unwrap(),
                s["key"].as_str().unwrap(),
                s["value"].as_str().unwrap()
            )
        })
        .collect();
    for expect in [
        "git http.sslVerify=false",
        "git http.sslCAInfo=~/certs/missing.pem",
        "pip [global] cert=/dev/null",
        "pip [global] trusted-host=pypi.org",
        "npm strict-ssl=false",
        "aws [default] ca_bundle=",
        "conda ssl_verify=false",
        "curl insecure=insecure",
    ] {
        assert!(
            settings.iter().any(|s| s.starts_with(expect)),
            "{expect}: {settings:?}"
        );
    }
    let dangers: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["level"] == "danger")
        .map(|w| w["source"].as_str().unwrap())
        .collect();
    // sslVerify, the missing sslCAInfo, pip's /dev/null, npm, conda, curl.
    assert_eq!(dangers.len(), 6, "{dangers:?}\n{:#}", v["warnings"]);
    // The AWS bundle exists and holds a root (but no public ones: a warning only).
    let aws = v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["tool"] == "aws")
        .unwrap();
    assert_eq!(aws["ca_file"]["certificates"], 1);

    // The human report shows them, and exits the same.
    let mut cmd = env_cmd(h, &[]);
    cmd.args(["--color", "never"]);
    let out = run(cmd);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("turn verification off or break it"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("http.sslVerify = false"),
        "{}",
        out.stdout
    );
}
