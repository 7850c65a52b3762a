//! The audit's rules on hand-built machine facts.

use std::path::{Path, PathBuf};

use super::*;
use crate::knowledge::Platform;
use crate::machine::settings::{parse_settings, referenced_paths};
use crate::machine::{ConfigFile, PathState};

const ROOT_PEM: &str =
    "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";

fn mozilla_pem(n: usize) -> Vec<u8> {
    let mut out = String::new();
    for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().take(n) {
        out.push_str(&crate::bundle::pem("CERTIFICATE", der.as_ref()));
    }
    out.into_bytes()
}

fn inputs(vars: &[(&str, &str)], paths: &[(&str, PathState)]) -> MachineFacts {
    MachineFacts {
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        configs: Vec::new(),
        paths: paths
            .iter()
            .map(|(p, s)| (PathBuf::from(p), s.clone()))
            .collect(),
        home: Some(PathBuf::from("/home/u")),
    }
}

fn levels(a: &Audit, source: &str) -> Vec<Level> {
    a.warnings
        .iter()
        .filter(|w| w.source == source)
        .map(|w| w.level)
        .collect()
}

#[test]
fn nothing_set_is_clean() {
    let a = audit(&inputs(&[], &[]), Platform::Linux);
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    assert!(!a.verification_off_or_broken);
    assert!(a.variables.iter().all(|v| !v.set));
    assert!(a.variables.iter().any(|v| v.name == "CARGO_HTTP_CAINFO"));
}

#[test]
fn verification_off_variables_are_danger() {
    for (name, value, danger) in [
        ("NODE_TLS_REJECT_UNAUTHORIZED", "0", true),
        ("NODE_TLS_REJECT_UNAUTHORIZED", "1", false),
        ("PYTHONHTTPSVERIFY", "0", true),
        ("PYTHONHTTPSVERIFY", "1", false),
        ("GIT_SSL_NO_VERIFY", "", true),
        ("GIT_SSL_NO_VERIFY", "0", true),
    ] {
        let a = audit(&inputs(&[(name, value)], &[]), Platform::Linux);
        assert_eq!(
            a.verification_off_or_broken, danger,
            "{name}={value}: {:?}",
            a.warnings
        );
    }
}

#[test]
fn ca_file_problems() {
    let good = PathState::file_of(&mozilla_pem(3));
    let cases: Vec<(&str, &str, PathState, Option<Level>)> = vec![
        ("SSL_CERT_FILE", "", PathState::Missing, Some(Level::Danger)),
        (
            "REQUESTS_CA_BUNDLE",
            "",
            PathState::Missing,
            Some(Level::Warning),
        ),
        (
            "AWS_CA_BUNDLE",
            "/dev/null",
            PathState::file_of(&[]),
            Some(Level::Danger),
        ),
        (
            "PIP_CERT",
            "/nope.pem",
            PathState::Missing,
            Some(Level::Danger),
        ),
        (
            "CURL_CA_BUNDLE",
            "/x.pem",
            PathState::Unreadable("permission denied".into()),
            Some(Level::Danger),
        ),
        (
            "GIT_SSL_CAINFO",
            "/x.pem",
            PathState::file_of(b"hello"),
            Some(Level::Danger),
        ),
        (
            "CARGO_HTTP_CAINFO",
            "/x.pem",
            PathState::file_of(ROOT_PEM.as_bytes()),
            Some(Level::Danger),
        ),
        ("SSL_CERT_FILE", "/x.pem", good.clone(), None),
        ("NODE_EXTRA_CA_CERTS", "/x.pem", good.clone(), None),
        (
            "SSL_CERT_FILE",
            "/d",
            PathState::dir_of(&[mozilla_pem(2)]),
            Some(Level::Danger),
        ),
        (
            "REQUESTS_CA_BUNDLE",
            "/d",
            PathState::dir_of(&[mozilla_pem(2)]),
            None,
        ),
    ];
    for (name, value, state, expect) in cases {
        let path = if value.is_empty() { "/unused" } else { value };
        let a = audit(&inputs(&[(name, value)], &[(path, state)]), Platform::Linux);
        let worst = a
            .warnings
            .iter()
            .filter(|w| w.source == name && w.level != Level::Info)
            .map(|w| w.level)
            .min();
        assert_eq!(worst, expect, "{name}={value}: {:?}", a.warnings);
    }
}

#[test]
fn ssl_cert_dir_is_a_path_list() {
    let a = audit(
        &inputs(
            &[("SSL_CERT_DIR", "/a:/b")],
            &[
                ("/a", PathState::dir_of(&[mozilla_pem(2), mozilla_pem(2)])),
                ("/b", PathState::Missing),
            ],
        ),
        Platform::Linux,
    );
    let v = a
        .variables
        .iter()
        .find(|v| v.name == "SSL_CERT_DIR")
        .unwrap();
    assert_eq!(v.files.len(), 2);
    assert_eq!(v.files[0].certificates, 2, "duplicates counted once");
    assert_eq!(levels(&a, "SSL_CERT_DIR"), [Level::Warning, Level::Info]);
    assert!(!a.verification_off_or_broken);
}

#[test]
fn proxy_values_are_redacted_and_checked() {
    let a = audit(
        &inputs(
            &[
                ("HTTPS_PROXY", "http://u:hunter2@proxy:8080"),
                ("https_proxy", "http://other:3128"),
                ("ALL_PROXY", "socks5://p:1080"),
                ("no_proxy", "localhost"),
            ],
            &[],
        ),
        Platform::Linux,
    );
    let json = serde_json::to_string(&a).unwrap();
    assert!(!json.contains("hunter2"), "{json}");
    assert!(
        json.contains("http://proxy:8080 (credentials removed)"),
        "{json}"
    );
    assert!(levels(&a, "HTTPS_PROXY").contains(&Level::Warning));
    assert_eq!(levels(&a, "ALL_PROXY"), [Level::Info]);
    assert!(a.variables.iter().any(|v| v.name == "no_proxy" && v.set));
}

#[test]
fn config_files_parse_simply() {
    let git = "[user]\n\tname = x\n[http]\n\tsslVerify = false ; comment\n\tsslCAInfo = ~/certs/b.pem\n[http \"https://git.corp/\"]\n\tsslVerify = true\n";
    let s = parse_settings("git", Path::new("/h/.gitconfig"), git);
    let keys: Vec<(&str, &str)> = s
        .iter()
        .map(|s| (s.key.as_str(), s.value.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("http.sslVerify", "false"),
            ("http.sslCAInfo", "~/certs/b.pem"),
            ("http.https://git.corp/.sslVerify", "true")
        ]
    );
    let npm = "registry=https://r/\nstrict-ssl=false\n//r/:cafile=/c.pem\n";
    let s = parse_settings("npm", Path::new("/h/.npmrc"), npm);
    assert_eq!(s.len(), 2);
    let pip = "[global]\ncert = /etc/ca.pem\ntrusted-host = pypi.org\n";
    assert_eq!(parse_settings("pip", Path::new("p"), pip).len(), 2);
    let aws = "[profile dev]\nregion = x\nca_bundle = /a.pem\n";
    assert_eq!(
        parse_settings("aws", Path::new("a"), aws)[0].key,
        "[profile dev] ca_bundle"
    );
    let conda = "channels:\n  - defaults\nssl_verify: false # no\n";
    assert_eq!(
        parse_settings("conda", Path::new("c"), conda)[0].value,
        "false"
    );
    let curl = "# c\n-k\ncacert = \"/c.pem\"\n";
    let s = parse_settings("curl", Path::new("c"), curl);
    assert_eq!(
        (s[0].key.as_str(), s[1].value.as_str()),
        ("insecure", "/c.pem")
    );
}

#[test]
fn config_settings_are_audited() {
    let mut i = inputs(&[], &[("/home/u/certs/b.pem", PathState::Missing)]);
    i.configs = vec![
        ConfigFile {
            tool: "git",
            path: PathBuf::from("/home/u/.gitconfig"),
            contents: Ok(Some(
                "[http]\nsslVerify = no\nsslCAInfo = ~/certs/b.pem\n".into(),
            )),
        },
        ConfigFile {
            tool: "npm",
            path: PathBuf::from("/home/u/.npmrc"),
            contents: Err("permission denied".into()),
        },
    ];
    assert_eq!(referenced_paths(&i), [PathBuf::from("/home/u/certs/b.pem")]);
    let a = audit(&i, Platform::Linux);
    assert!(a.verification_off_or_broken);
    let danger: Vec<&str> = a
        .warnings
        .iter()
        .filter(|w| w.level == Level::Danger)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(danger.len(), 2, "{danger:?}");
    assert!(a
        .warnings
        .iter()
        .any(|w| w.message.contains("cannot read it")));
    assert_eq!(a.settings[1].ca_file.as_ref().unwrap().kind, "missing");
}

#[test]
fn check_gets_warnings_not_errors() {
    let i = inputs(
        &[("SSL_CERT_FILE", ""), ("NODE_TLS_REJECT_UNAUTHORIZED", "0")],
        &[],
    );
    let f = findings_for_check(&i, Platform::Linux);
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f.iter().all(|f| f.verdict().is_none()));
    assert!(f[0].summary.starts_with("SSL_CERT_FILE") || f[1].summary.starts_with("SSL_CERT_FILE"));
    assert!(f.iter().all(|f| f.detail.contains("Fix: ")), "{f:?}");
}
