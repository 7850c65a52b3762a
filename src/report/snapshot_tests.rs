//! Snapshot tests of the three renderers on one hand-built report, so any
//! change to what a user sees shows up in review (`cargo insta review`).

use std::collections::BTreeMap;

use super::*;
use crate::client_facts::ClientId;
use crate::diagnose::clients::{ClientOutcome, Outcome};
use crate::findings::{Finding, FindingKind, Remedy, Verdict};

/// A real certificate (stable across runs): ISRG Root X1 from the Mozilla list.
fn isrg_root() -> CertFacts {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| CertFacts::from_der(der))
        .find(|f| f.display_name == "ISRG Root X1")
        .expect("ISRG Root X1")
}

fn store(
    trusted: bool,
    error: Option<&str>,
    source: &str,
    anchor: Option<&CertFacts>,
) -> StoreReport {
    StoreReport {
        trusted,
        error: error.map(str::to_string),
        error_words: error.map(|e| match e {
            "unknown_issuer" => "no path to a trusted root (unknown issuer)".to_string(),
            other => other.to_string(),
        }),
        trusted_ignoring_time: trusted,
        source: source.into(),
        roots: 146,
        anchor: anchor.map(|a| AnchorReport {
            subject: a.subject.clone(),
            sha256: a.sha256.clone(),
        }),
        load_errors: Vec::new(),
    }
}

fn connection() -> ConnectionReport {
    ConnectionReport {
        address: Some("127.0.0.1:8443".into()),
        addresses: vec!["127.0.0.1:8443".into()],
        address_source: "resolve_override",
        proxy: Some("http://proxy.corp:8080 (credentials removed)".into()),
        tls_version: Some("TLSv1.3".into()),
        cipher_suite: Some("TLS13_AES_256_GCM_SHA384".into()),
        key_exchange: Some("X25519".into()),
        alpn: Some("h2".into()),
        sni: true,
        first_bytes: None,
        timings_ms: Timings {
            resolve: 0.0,
            connect: 0.1,
            handshake: 1.5,
        },
    }
}

pub(super) fn report() -> Report {
    let root = isrg_root();
    let mut interception = Finding::error(
        Verdict::CorporateInterception,
        "api.example.com's certificate is re-signed by Zscaler ('ISRG Root X1')",
        "The chain ends at a root in the OS store that Mozilla's list does not hold.",
    )
    .with_vendor("Zscaler")
    .with_remedies(vec![
        Remedy {
            ecosystem: "Python (requests, httpx, pip)".into(),
            action: "Use truststore. Or point REQUESTS_CA_BUNDLE at a combined bundle.".into(),
            commands: vec!["python3 -m pip install truststore".into()],
            avoid: false,
        },
        Remedy {
            ecosystem: "Node.js".into(),
            action: "NODE_TLS_REJECT_UNAUTHORIZED=0 turns verification off for the whole process."
                .into(),
            commands: vec!["export NODE_TLS_REJECT_UNAUTHORIZED=0".into()],
            avoid: true,
        },
    ]);
    interception
        .detail
        .push_str(" curl trusts it; certifi does not.");
    let mut lint = Finding::warning(
        FindingKind::StrictX509,
        "ISRG Root X1: example lint",
        "Why it matters.",
    );
    lint.rule = Some("RFC 5280 §4.2.1.9".into());
    lint.rejected_by = vec!["Python 3.13+".into()];
    let intercepted = TargetReport {
        input: "https://api.example.com:8443/v1?token=REDACTED".into(),
        host: "api.example.com".into(),
        port: 8443,
        path: "/v1".into(),
        verdict: Verdict::CorporateInterception,
        allowed: false,
        findings: vec![interception, lint],
        connection: Some(connection()),
        chain: vec![root.clone()],
        trust: TrustReport {
            bundled: Some(store(
                false,
                Some("unknown_issuer"),
                "Mozilla roots built in",
                None,
            )),
            os: Some(store(
                true,
                None,
                "/etc/ssl/certs/ca-certificates.crt",
                Some(&root),
            )),
            custom: None,
        },
        http: Some(HttpReport {
            status: Some(307),
            redirects: vec![RedirectReport {
                status: 307,
                location: "https://api.example.com:8443/v1/".into(),
            }],
            hops: vec![HopReport {
                url: "https://api.example.com:8443/v1?token=REDACTED".into(),
                status: Some(307),
                location: Some("https://api.example.com:8443/v1/".into()),
            }],
            stop: "final",
            error: None,
            protocol: "h2",
            h2: Some(H2Report {
                outcome: "ok",
                detail: "response headers arrived (status 307)".into(),
            }),
            destination: None,
        }),
        attempts: Some(attempts::AttemptsReport {
            count: 10,
            ok: 7,
            verdicts: [("clean", 7), ("corporate_interception", 3)].into(),
            anchors: vec![attempts::AnchorCount {
                subject: "CN=ISRG Root X1".into(),
                sha256: None,
                count: 10,
            }],
            addresses: vec![attempts::AddressCount {
                address: "203.0.113.7:8443".into(),
                count: 10,
            }],
            latency_ms: attempts::Latency {
                dns: Some(attempts::Stage {
                    p50: 0.1,
                    p95: 0.3,
                    max: 0.4,
                    count: 10,
                }),
                connect: Some(attempts::Stage {
                    p50: 0.2,
                    p95: 0.5,
                    max: 0.9,
                    count: 10,
                }),
                tls: Some(attempts::Stage {
                    p50: 1.5,
                    p95: 2.5,
                    max: 3.0,
                    count: 10,
                }),
                http: None,
            },
        }),
        clients: vec![
            client(
                ClientId::PythonHttpx,
                "0.28.1",
                Outcome::Fails,
                "certifi (/venv/lib/python3.11/site-packages/certifi/cacert.pem)",
                "the root this chain needs is not in certifi",
                Some("CERTIFICATE_VERIFY_FAILED: unable to get local issuer certificate"),
            ),
            client(
                ClientId::Curl,
                "8.5.0",
                Outcome::Trusts,
                "OS store (curl's built-in bundle path)",
                "'ISRG Root X1' is in /etc/ssl/certs/ca-certificates.crt",
                None,
            ),
        ],
    };
    let unreachable = TargetReport {
        input: "localhost:1".into(),
        host: "localhost".into(),
        port: 1,
        path: "/".into(),
        verdict: Verdict::Unreachable,
        allowed: false,
        findings: vec![Finding::error(
            Verdict::Unreachable,
            "connection to localhost:1 refused",
            "Nothing listens on that port.",
        )],
        connection: None,
        chain: Vec::new(),
        trust: TrustReport::default(),
        http: None,
        attempts: None,
        clients: Vec::new(),
    };
    Report {
        schema_version: SCHEMA_VERSION,
        tool_version: "0.1.0",
        generated_at: "2026-11-22T12:00:00Z".into(),
        at: None,
        targets: vec![intercepted, unreachable],
        environment: EnvironmentReport {
            os: "linux".into(),
            variables: BTreeMap::from([(
                "HTTPS_PROXY".into(),
                "http://proxy.corp:8080 (credentials removed)".into(),
            )]),
            warnings: vec![Finding::warning(
                FindingKind::Environment,
                "SSL_CERT_FILE is empty",
                "An empty SSL_CERT_FILE loads no roots at all. Fix: unset it.",
            )],
            clients: Vec::new(),
        },
    }
}

fn client(
    id: ClientId,
    version: &str,
    outcome: Outcome,
    source: &str,
    reason: &str,
    error: Option<&str>,
) -> ClientOutcome {
    ClientOutcome {
        client: id,
        executable: "/usr/bin/x".into(),
        version: Some(version.into()),
        interpreter: None,
        trust_source: source.into(),
        outcome,
        reason: reason.into(),
        error: error.map(str::to_string),
        observed: None,
        not_run_reason: None,
        notes: Vec::new(),
        remedies: Vec::new(),
    }
}

#[test]
fn human() {
    insta::assert_snapshot!(human::render(&report(), false));
}

#[test]
fn human_colour_only_when_asked() {
    assert!(!human::render(&report(), false).contains('\u{1b}'));
    assert!(human::render(&report(), true).contains('\u{1b}'));
}

#[test]
fn json() {
    insta::assert_snapshot!(json::render(&report()));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(markdown::render(&report()));
}

// ---------------------------------------------------------------------------
// One target per kind, every format: clean, allowed, declared CA
// (`--ca-file`), interception and unreachable.

fn clean_target() -> TargetReport {
    let root = isrg_root();
    TargetReport {
        input: "api.example.com".into(),
        host: "api.example.com".into(),
        port: 443,
        path: "/".into(),
        verdict: Verdict::Clean,
        allowed: false,
        findings: vec![Finding::info(
            FindingKind::Validity,
            "valid now; the server certificate 'ISRG Root X1' expires on 2035-06-04",
            "",
        )],
        connection: Some(ConnectionReport {
            proxy: None,
            ..connection()
        }),
        chain: vec![root.clone()],
        trust: TrustReport {
            bundled: Some(store(true, None, "Mozilla roots built in", Some(&root))),
            os: Some(store(
                true,
                None,
                "/etc/ssl/certs/ca-certificates.crt",
                Some(&root),
            )),
            custom: None,
        },
        http: None,
        attempts: None,
        clients: Vec::new(),
    }
}

/// Clean, but a client found here refuses it (an expired root for curl).
fn clean_with_failing_client() -> TargetReport {
    let mut t = clean_target();
    let mut curl = client(
        ClientId::Curl,
        "8.5.0",
        Outcome::Fails,
        "OS store (curl's built-in bundle path)",
        "the root 'Old Root' has expired; this client's TLS library rejects an expired root (rustls and Java do not)",
        Some("curl: (60) SSL certificate problem: certificate has expired"),
    );
    curl.remedies = vec![Remedy {
        ecosystem: "curl".into(),
        action: "The root has expired: the server must issue from a current root".into(),
        commands: Vec::new(),
        avoid: false,
    }];
    t.findings.push(
        Finding::warning(
            FindingKind::ClientFails,
            "curl 8.5.0 fails here: the root 'Old Root' has expired",
            "The server's chain is trusted by the bundled and OS roots, but curl refuses it.",
        )
        .with_remedies(curl.remedies.clone()),
    );
    t.clients = vec![
        curl,
        client(
            ClientId::PythonRequests,
            "2.32.3",
            Outcome::Trusts,
            "REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt",
            "'Old Root' is in /etc/ssl/certs/ca-certificates.crt",
            None,
        ),
        client(
            ClientId::Java,
            "",
            Outcome::Unknown,
            "Java keystore /opt/jdk/lib/security/cacerts",
            "Java's keystore contents are not read (a binary keystore); --run-clients settles it",
            None,
        ),
    ];
    t
}

fn declared_ca_target() -> TargetReport {
    let root = isrg_root();
    let mut t = clean_target();
    t.input = "api.internal.test".into();
    t.host = "api.internal.test".into();
    t.connection = None;
    t.findings = vec![Finding::info(
        FindingKind::DeclaredCa,
        "trusted through the CA you declared ('ISRG Root X1'), not through public roots",
        "",
    )];
    t.trust = TrustReport {
        bundled: Some(store(
            false,
            Some("unknown_issuer"),
            "Mozilla roots built in",
            None,
        )),
        os: Some(store(
            false,
            Some("unknown_issuer"),
            "/etc/ssl/certs/ca-certificates.crt",
            None,
        )),
        custom: Some(store(true, None, "ca.pem", Some(&root))),
    };
    t
}

/// Redirected to another port whose chain no store trusts: the destination
/// is judged like a target, and every format shows it (JSON
/// `http.destination`, human and markdown a destination block).
fn redirect_destination_target() -> TargetReport {
    let mut t = clean_target();
    t.verdict = Verdict::PrivateCa;
    t.findings = vec![Finding::error(
        Verdict::PrivateCa,
        "at the redirect's destination api.example.com:9443: the chain ends at 'ISRG Root X1', a private CA no store here trusts",
        "The redirect from https://api.example.com/ goes to https://api.example.com:9443/next.",
    )];
    let untrusted = |source: &str| Some(store(false, Some("unknown_issuer"), source, None));
    t.http = Some(HttpReport {
        status: Some(200),
        redirects: vec![RedirectReport {
            status: 302,
            location: "https://api.example.com:9443/next".into(),
        }],
        hops: vec![
            HopReport {
                url: "https://api.example.com/".into(),
                status: Some(302),
                location: Some("https://api.example.com:9443/next".into()),
            },
            HopReport {
                url: "https://api.example.com:9443/next".into(),
                status: Some(200),
                location: None,
            },
        ],
        stop: "final",
        error: None,
        protocol: "http/1.1",
        h2: None,
        destination: Some(Box::new(DestinationReport {
            host: "api.example.com".into(),
            port: 9443,
            verdict: Verdict::PrivateCa,
            connection: Some(ConnectionReport {
                address: Some("127.0.0.1:9443".into()),
                addresses: vec!["127.0.0.1:9443".into()],
                address_source: "dns",
                proxy: None,
                alpn: Some("http/1.1".into()),
                ..connection()
            }),
            chain: vec![isrg_root()],
            trust: TrustReport {
                bundled: untrusted("Mozilla roots built in"),
                os: untrusted("/etc/ssl/certs/ca-certificates.crt"),
                custom: None,
            },
        })),
    });
    t
}

fn one(target: TargetReport) -> Report {
    Report {
        targets: vec![target],
        environment: EnvironmentReport {
            os: "linux".into(),
            ..EnvironmentReport::default()
        },
        ..report()
    }
}

fn cases() -> Vec<(&'static str, Report)> {
    let full = report();
    let intercepted = full.targets[0].clone();
    let unreachable = full.targets[1].clone();
    let mut allowed = intercepted.clone();
    allowed.allowed = true;
    vec![
        ("clean", one(clean_target())),
        ("clean_client_fails", one(clean_with_failing_client())),
        ("allowed", one(allowed)),
        ("declared_ca", one(declared_ca_target())),
        ("interception", one(intercepted)),
        ("unreachable", one(unreachable)),
        ("redirect_destination", one(redirect_destination_target())),
    ]
}

#[test]
fn every_kind_of_target_in_every_format() {
    for (name, report) in cases() {
        for format in [Format::Human, Format::Json, Format::Markdown] {
            let text = render(&report, format, false);
            insta::assert_snapshot!(format!("{name}_{format:?}").to_lowercase(), text);
        }
    }
}

// ---------------------------------------------------------------------------
// `env` and `bundle`, from hand-built values (nothing read from this machine).

fn machine_facts() -> crate::machine_facts::MachineFacts {
    use crate::machine_facts::{ConfigFile, MachineFacts, PathState};
    use std::path::PathBuf;
    let mozilla: String = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .take(2)
        .map(|der| crate::bundle::pem("CERTIFICATE", der.as_ref()))
        .collect();
    MachineFacts {
        vars: vec![
            ("SSL_CERT_FILE".into(), "/home/u/bundle.pem".into()),
            ("NODE_TLS_REJECT_UNAUTHORIZED".into(), "0".into()),
            (
                "HTTPS_PROXY".into(),
                "http://user:secret@proxy.corp:8080".into(),
            ),
        ],
        configs: vec![
            ConfigFile {
                tool: "git",
                path: PathBuf::from("/home/u/.gitconfig"),
                contents: Ok(Some("[http]\n\tsslVerify = false\n".into())),
            },
            ConfigFile {
                tool: "pip",
                path: PathBuf::from("/home/u/.config/pip/pip.conf"),
                contents: Ok(None),
            },
        ],
        paths: BTreeMap::from([(
            PathBuf::from("/home/u/bundle.pem"),
            PathState::file_of(mozilla.as_bytes()),
        )]),
        home: Some(PathBuf::from("/home/u")),
    }
}

#[test]
fn env_in_every_format() {
    let audit = crate::audit::audit(&machine_facts(), crate::knowledge::Platform::Linux);
    assert!(!serde_json::to_string(&audit).unwrap().contains("secret"));
    for format in [Format::Human, Format::Json, Format::Markdown] {
        let text = env::render(&audit, format, false);
        insta::assert_snapshot!(format!("env_{format:?}").to_lowercase(), text);
    }
}

#[test]
fn bundle_outcomes() {
    use crate::bundle::Outcome;
    use crate::knowledge::{bundle_lines, truststore_alternative, Platform, Shell};
    let path = "/home/u/ca-bundle.pem";
    let root = isrg_root();
    let outcomes = [
        (
            "written",
            Outcome::Written {
                path: path.into(),
                root_name: root.display_name.clone(),
                root_sha256: root.sha256.clone(),
                from: "the OS store".into(),
                count: 145,
                bundled_source: "Mozilla roots built in".into(),
                shells: Shell::ALL
                    .iter()
                    .map(|&s| (s.label().to_string(), bundle_lines(s, path)))
                    .collect(),
                alternative: truststore_alternative(Platform::Linux),
            },
        ),
        (
            "not_needed",
            Outcome::NotNeeded {
                target: "api.example.com".into(),
                bundled_source: "Mozilla roots built in".into(),
                problem: Some("api.example.com's certificate expired on 2026-01-01".into()),
            },
        ),
        (
            "root_not_found",
            Outcome::RootNotFound {
                why: "the chain ends at 'Corp Root', which is not on this machine".into(),
                remedies: vec![Remedy {
                    ecosystem: "Get the root".into(),
                    action: "Ask your IT team for 'Corp Root' as a PEM file.".into(),
                    commands: vec!["tlsdoctor bundle api.example.com --out ca.pem".into()],
                    avoid: false,
                }],
            },
        ),
        (
            "no_chain",
            Outcome::NoChain {
                target: "localhost:1".into(),
                why: "connection to localhost:1 refused".into(),
                unreachable: true,
            },
        ),
    ];
    for (name, outcome) in outcomes {
        let text = bundle::render_human(&outcome, false);
        insta::assert_snapshot!(format!("bundle_{name}"), text);
    }
}

#[test]
fn env_markdown_keeps_a_clients_hostile_names_inside_their_cells() {
    let mut audit = crate::audit::audit(&machine_facts(), crate::knowledge::Platform::Linux);
    audit.clients = vec![crate::tools::EnvClient {
        client: ClientId::Curl,
        executable: "/opt/a|b`c/curl".into(),
        version: Some("8 *bold* [x](https://e.test)".into()),
        interpreter: None,
        trust_source: "CURL_CA_BUNDLE=[x](https://e.test) | <b>".into(),
        verification_off: None,
        settings: Vec::new(),
        notes: Vec::new(),
    }];
    let text = env::render(&audit, Format::Markdown, false);
    let row = text
        .lines()
        .find(|l| l.starts_with("| curl"))
        .unwrap_or_else(|| panic!("no curl row\n{text}"));
    assert!(
        !row.contains(" [x]") && !row.contains("=[x]"),
        "a link opens: {row}"
    );
    assert!(!row.contains("<b>"), "HTML opens: {row}");
    assert!(!row.contains(" *bold*"), "emphasis opens: {row}");
    // Four cell borders; every other pipe escaped.
    assert_eq!(
        row.matches('|').count() - row.matches("\\|").count(),
        4,
        "{row}"
    );
}
