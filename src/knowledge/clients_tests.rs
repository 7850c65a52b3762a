//! Trust-source resolution per client, on hand-built facts.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::client_facts::{ClientFacts, ClientId, FoundClient, PythonFacts, Setting};

fn py(version: &str, packages: &[(&str, &str)]) -> PythonFacts {
    PythonFacts {
        interpreter: "/venv/bin/python3".into(),
        version: Some(version.into()),
        certifi: Some("/venv/certifi/cacert.pem".into()),
        pip_certifi: Some("/venv/pip/_vendor/certifi/cacert.pem".into()),
        packages: packages
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..PythonFacts::default()
    }
}

fn client(id: ClientId, version: Option<&str>, python: Option<PythonFacts>) -> ClientFacts {
    ClientFacts {
        found: FoundClient {
            client: id,
            executable: "/usr/bin/x".into(),
            version: version.map(str::to_string),
            interpreter: None,
        },
        python,
        settings: Vec::new(),
        unknown: Vec::new(),
    }
}

fn with_setting(mut c: ClientFacts, key: &str, value: &str) -> ClientFacts {
    c.settings.push(Setting {
        key: key.into(),
        value: value.into(),
        source: "test".into(),
    });
    c
}

fn resolve(c: &ClientFacts, vars: &[(&str, &str)]) -> ClientTrust {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let ctx = Context {
        platform: Platform::Linux,
        vars: &vars,
        platform_bundle: Some("/etc/ssl/certs/ca-certificates.crt".into()),
        java_cacerts_from_os: true,
        node_version: Some("20.20.2".into()),
        url: "https://api.example.com:443/".into(),
    };
    trust_source(c, &ctx)
}

fn path(p: &str) -> Source {
    Source::Path(PathBuf::from(p))
}

#[test]
fn requests_takes_its_variables_then_certifi_and_ignores_empty_ones() {
    let c = client(
        ClientId::PythonRequests,
        Some("2.32.3"),
        Some(py("3.12", &[])),
    );
    assert_eq!(
        resolve(&c, &[]).sources,
        vec![path("/venv/certifi/cacert.pem")]
    );
    let t = resolve(
        &c,
        &[("REQUESTS_CA_BUNDLE", ""), ("CURL_CA_BUNDLE", "/c.pem")],
    );
    assert_eq!(t.label, "CURL_CA_BUNDLE=/c.pem");
    let t = resolve(
        &c,
        &[
            ("REQUESTS_CA_BUNDLE", "/r.pem"),
            ("CURL_CA_BUNDLE", "/c.pem"),
        ],
    );
    assert_eq!(t.sources, vec![path("/r.pem")]);
    // SSL_CERT_FILE is not requests' variable.
    let t = resolve(&c, &[("SSL_CERT_FILE", "/s.pem")]);
    assert!(t.label.starts_with("certifi"), "{}", t.label);
}

#[test]
fn httpx_takes_ssl_cert_file_then_dir_then_certifi() {
    let c = client(ClientId::PythonHttpx, Some("0.28.1"), Some(py("3.11", &[])));
    let t = resolve(&c, &[("SSL_CERT_FILE", "/s.pem"), ("SSL_CERT_DIR", "/d")]);
    assert_eq!(t.sources, vec![path("/s.pem")]);
    let t = resolve(&c, &[("SSL_CERT_FILE", ""), ("SSL_CERT_DIR", "/d")]);
    assert_eq!(t.sources, vec![Source::Dir("/d".into())]);
    assert!(t.notes.iter().any(|n| n.contains("treats it as unset")));
    let t = resolve(&c, &[("SSL_CERT_FILE", "")]);
    assert_eq!(t.sources, vec![path("/venv/certifi/cacert.pem")]);
}

#[test]
fn python_3_13_sets_strict_and_partial_chain_for_the_default_context() {
    let c = client(ClientId::Python, Some("3.13.1"), Some(py("3.13.1", &[])));
    let t = resolve(&c, &[]);
    assert!(t.semantics.strict && t.semantics.partial_chain);
    let c = client(ClientId::Python, Some("3.11.9"), Some(py("3.11.9", &[])));
    assert!(!resolve(&c, &[]).semantics.strict);
    // requests sets them only through urllib3 2.3+.
    let old = client(
        ClientId::PythonRequests,
        None,
        Some(py("3.13", &[("urllib3", "2.2.3")])),
    );
    assert!(!resolve(&old, &[]).semantics.strict);
    let new = client(
        ClientId::PythonRequests,
        None,
        Some(py("3.13", &[("urllib3", "2.3.0")])),
    );
    assert!(resolve(&new, &[]).semantics.strict);
}

#[test]
fn openssl_default_paths_follow_the_variables() {
    let c = client(ClientId::Python, None, Some(py("3.12", &[])));
    let t = resolve(&c, &[]);
    assert_eq!(
        t.sources,
        vec![
            path("/etc/ssl/certs/ca-certificates.crt"),
            Source::Dir("/etc/ssl/certs".into())
        ]
    );
    let t = resolve(&c, &[("SSL_CERT_FILE", "")]);
    assert_eq!(t.sources, vec![Source::Dir("/etc/ssl/certs".into())]);
    assert!(t.notes.iter().any(|n| n.contains("does not mean")));
}

#[test]
fn truststore_injected_reads_openssl_default_paths_on_linux() {
    let mut facts = py("3.12", &[("truststore", "0.10.1")]);
    facts.truststore_injected_by = Some("/venv/sitecustomize.py".into());
    let c = client(ClientId::PythonHttpx, Some("0.28.1"), Some(facts));
    let t = resolve(&c, &[]);
    assert!(
        t.label
            .contains("truststore (injected by /venv/sitecustomize.py)"),
        "{}",
        t.label
    );
    assert!(t
        .sources
        .contains(&path("/etc/ssl/certs/ca-certificates.crt")));
    assert!(t.sources.contains(&path("/venv/certifi/cacert.pem")));
}

#[test]
fn pip_uses_truststore_from_24_2_on_python_3_10() {
    let facts = py("3.12", &[]);
    let new = client(ClientId::Pip, Some("24.2"), Some(facts.clone()));
    let t = resolve(&new, &[]);
    assert!(t.label.starts_with("truststore"), "{}", t.label);
    assert!(t
        .sources
        .contains(&path("/etc/ssl/certs/ca-certificates.crt")));
    let old = client(ClientId::Pip, Some("24.1.2"), Some(facts.clone()));
    assert_eq!(
        resolve(&old, &[]).sources,
        vec![path("/venv/pip/_vendor/certifi/cacert.pem")]
    );
    let on_39 = client(ClientId::Pip, Some("24.3"), Some(py("3.9", &[])));
    assert!(!resolve(&on_39, &[]).label.starts_with("truststore"));
    let cert = with_setting(new, "cert", "/p.pem");
    assert_eq!(resolve(&cert, &[]).label, "pip.conf cert=/p.pem");
    assert_eq!(
        resolve(&cert, &[("PIP_CERT", "/e.pem")]).label,
        "PIP_CERT=/e.pem"
    );
}

#[test]
fn node_switches_depend_on_the_version() {
    let t = |v: &str, vars: &[(&str, &str)]| resolve(&client(ClientId::Node, Some(v), None), vars);
    let flag = [("NODE_OPTIONS", "--use-system-ca")];
    let env = [("NODE_USE_SYSTEM_CA", "1")];
    let uses_os = |t: &ClientTrust| t.sources.contains(&Source::Dir("/etc/ssl/certs".into()));
    assert!(!uses_os(&t("20.20.2", &flag)));
    assert!(t("20.20.2", &flag)
        .notes
        .iter()
        .any(|n| n.contains("ignored")));
    assert!(uses_os(&t("22.15.0", &flag)));
    assert!(
        !uses_os(&t("23.8.0", &flag)),
        "23.8 has it on macOS/Windows only"
    );
    assert!(uses_os(&t("23.9.0", &flag)));
    assert!(!uses_os(&t("22.18.0", &env)));
    assert!(uses_os(&t("22.19.0", &env)));
    assert!(!uses_os(&t("24.5.0", &env)));
    assert!(uses_os(&t("24.6.0", &env)));
    let unknown = resolve(&client(ClientId::Node, None, None), &flag);
    assert!(unknown.unknown.is_some());
    let off = t("20.20.2", &[("NODE_TLS_REJECT_UNAUTHORIZED", "0")]);
    assert!(off.disabled.is_some());
}

#[test]
fn npm_cafile_replaces_nodes_roots_and_strict_ssl_false_is_off() {
    let npm = with_setting(client(ClientId::Npm, None, None), "cafile", "/n.pem");
    let t = resolve(&npm, &[]);
    assert_eq!(t.sources, vec![path("/n.pem")]);
    let off = with_setting(client(ClientId::Npm, None, None), "strict-ssl", "false");
    assert!(resolve(&off, &[]).disabled.is_some());
}

#[test]
fn curl_reads_ssl_cert_dir_before_ssl_cert_file() {
    let curl = client(ClientId::Curl, None, None);
    let t = resolve(
        &curl,
        &[("SSL_CERT_FILE", "/f.pem"), ("SSL_CERT_DIR", "/d")],
    );
    assert_eq!(t.label, "SSL_CERT_DIR=/d");
    assert!(!t.sources.contains(&path("/f.pem")));
    let t = resolve(&curl, &[("SSL_CERT_FILE", "/f.pem")]);
    assert_eq!(t.sources, vec![path("/f.pem")]);
    let t = resolve(
        &curl,
        &[("CURL_CA_BUNDLE", "/c.pem"), ("SSL_CERT_DIR", "/d")],
    );
    assert_eq!(t.sources, vec![path("/c.pem")]);
    let insecure = with_setting(client(ClientId::Curl, None, None), "insecure", "insecure");
    assert!(resolve(&insecure, &[]).disabled.is_some());
}

#[test]
fn git_takes_the_longest_matching_url_section() {
    let git = with_setting(
        with_setting(
            client(ClientId::Git, None, None),
            "http.sslCAInfo",
            "/all.pem",
        ),
        "http.https://api.example.com/.sslCAInfo",
        "/api.pem",
    );
    assert_eq!(resolve(&git, &[]).sources, vec![path("/api.pem")]);
    let other = with_setting(
        client(ClientId::Git, None, None),
        "http.https://other.example/.sslCAInfo",
        "/other.pem",
    );
    assert_eq!(
        resolve(&other, &[]).sources,
        vec![path("/etc/ssl/certs/ca-certificates.crt")]
    );
    assert_eq!(
        resolve(&git, &[("GIT_SSL_CAINFO", "/env.pem")]).sources,
        vec![path("/env.pem")]
    );
    let gnutls = with_setting(client(ClientId::Git, None, None), "tls-library", "gnutls");
    assert_eq!(resolve(&gnutls, &[]).semantics.engine, Engine::GnuTls);
}

#[test]
fn uv_keeps_its_roots_unless_told() {
    let uv = client(ClientId::Uv, None, None);
    assert_eq!(resolve(&uv, &[]).sources, vec![Source::Bundled]);
    assert!(resolve(&uv, &[("UV_SYSTEM_CERTS", "1")])
        .sources
        .contains(&Source::Dir("/etc/ssl/certs".into())));
    let cfg = with_setting(uv.clone(), "system-certs", "true");
    assert!(resolve(&cfg, &[]).label.contains("system certificates"));
    assert_eq!(
        resolve(&uv, &[("SSL_CERT_FILE", "/s.pem")]).sources,
        vec![path("/s.pem")]
    );
}

#[test]
fn aws_dev_null_is_an_empty_bundle_and_java_on_debian_reads_the_os_bundle() {
    let aws = client(ClientId::Aws, None, Some(py("3.11", &[])));
    let t = resolve(&aws, &[("AWS_CA_BUNDLE", "/dev/null")]);
    assert_eq!(t.sources, vec![path("/dev/null")]);
    assert!(t.notes.iter().any(|n| n.contains("empty bundle")));
    let java = with_setting(
        client(ClientId::Java, None, None),
        "cacerts",
        "/etc/ssl/certs/java/cacerts",
    );
    assert_eq!(
        resolve(&java, &[]).sources,
        vec![path("/etc/ssl/certs/ca-certificates.crt")]
    );
    let other = with_setting(
        client(ClientId::Java, None, None),
        "cacerts",
        "/opt/jdk/cacerts",
    );
    assert!(resolve(&other, &[]).unknown.is_some());
}

#[test]
fn versions_compare_by_major_and_minor() {
    assert_eq!(version_at_least(Some("24.2"), (24, 2)), Some(true));
    assert_eq!(version_at_least(Some("24.1.2"), (24, 2)), Some(false));
    assert_eq!(version_at_least(Some("v22.19.0"), (22, 19)), Some(true));
    assert_eq!(version_at_least(Some("2.3.0rc1"), (2, 3)), Some(true));
    assert_eq!(version_at_least(None, (1, 0)), None);
    assert_eq!(version_at_least(Some("x"), (1, 0)), None);
}

#[test]
fn curl_s_engine_follows_the_tls_library_its_binary_links() {
    let curl = client(ClientId::Curl, None, None);
    let unread = resolve(&curl, &[]);
    assert_eq!(unread.semantics.engine, Engine::OpenSsl);
    assert!(unread.notes.iter().any(|n| n.contains("could not be read")));
    let openssl = resolve(&with_setting(curl.clone(), "tls-library", "openssl"), &[]);
    assert_eq!(openssl.semantics.engine, Engine::OpenSsl);
    assert!(openssl.notes.iter().all(|n| !n.contains("TLS library")));
    assert!(openssl.unknown.is_none());
    let gnutls = resolve(&with_setting(curl.clone(), "tls-library", "gnutls"), &[]);
    assert_eq!(gnutls.semantics.engine, Engine::GnuTls);
    let nss = resolve(&with_setting(curl, "tls-library", "nss"), &[]);
    assert!(nss.unknown.as_deref().is_some_and(|u| u.contains("nss")));
}

#[test]
fn rsa_floors_follow_the_engine_and_node_s_version() {
    let floor = |c: &ClientFacts| rsa_floor(c, resolve(c, &[]).semantics).map(|f| f.bits);
    let py313 = |id| client(id, None, Some(py("3.13.0", &[])));
    assert_eq!(floor(&py313(ClientId::Python)), Ok(2048));
    assert_eq!(floor(&py313(ClientId::Pip)), Ok(2048));
    assert!(floor(&client(ClientId::Python, None, Some(py("3.9", &[])))).is_err());
    assert_eq!(floor(&client(ClientId::Curl, None, None)), Ok(2048));
    // Node switched its OpenSSL to security level 2 in 24.5 (OpenSSL 3.5);
    // 22.x kept level 1 with OpenSSL 3.5 (tests/integration/key_floors.rs).
    for (node, bits) in [
        ("20.20.2", 1024),
        ("22.23.5", 1024),
        ("23.11.1", 1024),
        ("24.0.0", 1024),
        ("24.4.1", 1024),
        ("24.5.0", 2048),
        ("24.19.0", 2048),
        ("25.1.0", 2048),
    ] {
        assert_eq!(
            floor(&client(ClientId::Node, Some(node), None)),
            Ok(bits),
            "Node {node}"
        );
    }
    assert!(floor(&client(ClientId::Node, None, None)).is_err());
    let git = with_setting(client(ClientId::Git, None, None), "tls-library", "gnutls");
    assert_eq!(floor(&git), Ok(1024));
    let java = with_setting(client(ClientId::Java, None, None), "cacerts", "/c");
    assert_eq!(floor(&java), Ok(1024));
    assert_eq!(floor(&client(ClientId::Uv, None, None)), Ok(2048));
    let curl = rsa_floor(&client(ClientId::Curl, None, None), openssl(false, false));
    assert_eq!(curl.map(|f| f.by), Ok("OpenSSL at security level 2"));
}
