//! Tests of the client-tool knowledge.

use super::remedies::{connect_target, slug};
use super::*;
use crate::findings::Remedy;

fn gap(situation: Situation<'static>, platform: Platform, in_os_store: bool) -> TrustGap<'static> {
    TrustGap {
        situation,
        ca_name: "Zscaler Root CA",
        in_os_store,
        host: "api.openai.com",
        platform,
        strict_x509_breaks_python: false,
    }
}

const ALL_PLATFORMS: [Platform; 4] = [
    Platform::Linux,
    Platform::MacOs,
    Platform::Windows,
    Platform::Other,
];

fn all_gaps() -> Vec<TrustGap<'static>> {
    let situations = [
        Situation::Interception {
            vendor: Some("Zscaler"),
        },
        Situation::Interception { vendor: None },
        Situation::PrivateCa,
        Situation::SelfSigned,
    ];
    let mut out = Vec::new();
    for s in situations {
        for p in ALL_PLATFORMS {
            for in_os in [false, true] {
                for strict in [false, true] {
                    let mut g = gap(s, p, in_os);
                    g.strict_x509_breaks_python = strict;
                    out.push(g);
                }
            }
        }
    }
    out
}

fn text(r: &[Remedy]) -> String {
    r.iter()
        .map(|r| format!("{}\n{}\n{}\n", r.ecosystem, r.action, r.commands.join("\n")))
        .collect()
}

#[test]
fn interception_on_macos_exports_from_the_keychain_by_name() {
    let r = trust_remedies(&gap(
        Situation::Interception {
            vendor: Some("Zscaler"),
        },
        Platform::MacOs,
        true,
    ));
    let t = text(&r);
    assert!(
        t.contains(
            "security find-certificate -a -p -c 'Zscaler Root CA' /Library/Keychains/System.keychain > \"$HOME/certs/zscaler-root-ca.pem\""
        ),
        "{t}"
    );
    assert!(t.contains("tlsdoctor bundle api.openai.com --out"), "{t}");
}

#[test]
fn no_trust_remedy_is_marked_avoid_and_every_one_says_something() {
    for g in all_gaps() {
        for r in trust_remedies(&g) {
            assert!(!r.avoid, "{r:?}");
            assert!(!r.ecosystem.is_empty() && !r.action.is_empty(), "{r:?}");
        }
    }
}

#[test]
fn every_fix_to_avoid_is_marked_and_explained() {
    let f = fixes_to_avoid();
    assert!(f.len() >= 9);
    for r in &f {
        assert!(r.avoid, "{r:?}");
        assert!(r.action.len() > 40 && !r.commands.is_empty(), "{r:?}");
    }
    let t = text(&f);
    for needle in [
        "verify=False",
        "PYTHONHTTPSVERIFY",
        "SSL_CERT_FILE=\"\"",
        "AWS_CA_BUNDLE=/dev/null",
        "NODE_TLS_REJECT_UNAUTHORIZED=0",
        "curl -k",
        "http.sslVerify false",
        "GIT_SSL_NO_VERIFY",
        "--trusted-host",
        "strict-ssl false",
    ] {
        assert!(t.contains(needle), "missing {needle}");
    }
}

#[test]
fn python_strict_note_appears_iff_flagged() {
    for g in all_gaps() {
        let has = trust_remedies(&g)
            .iter()
            .any(|r| r.action.contains("VERIFY_X509_STRICT"));
        assert_eq!(has, g.strict_x509_breaks_python, "{g:?}");
    }
}

#[test]
fn windows_uses_powershell_and_unix_uses_export() {
    for g in all_gaps() {
        let r = trust_remedies(&g);
        let cmds: Vec<&String> = r.iter().flat_map(|r| &r.commands).collect();
        if g.platform == Platform::Windows {
            assert!(
                cmds.iter()
                    .any(|c| c.starts_with("$env:REQUESTS_CA_BUNDLE = \"")),
                "{g:?}"
            );
            assert!(!cmds.iter().any(|c| c.starts_with("export ")), "{g:?}");
            assert!(!cmds.iter().any(|c| c.contains("$HOME/")), "{g:?}");
        } else {
            assert!(
                cmds.iter()
                    .any(|c| c.starts_with("export REQUESTS_CA_BUNDLE=\"")),
                "{g:?}"
            );
            assert!(!cmds.iter().any(|c| c.contains("$env:")), "{g:?}");
        }
    }
}

#[test]
fn windows_export_reads_the_root_store() {
    let t = text(&trust_remedies(&gap(
        Situation::PrivateCa,
        Platform::Windows,
        true,
    )));
    assert!(t.contains("Cert:\\LocalMachine\\Root"), "{t}");
    assert!(t.contains("'CN=Zscaler Root CA'"), "{t}");
    assert!(t.contains("http.sslBackend schannel"), "{t}");
}

#[test]
fn linux_in_os_store_uses_the_system_bundle_without_a_bundle_step() {
    let r = trust_remedies(&gap(
        Situation::Interception { vendor: None },
        Platform::Linux,
        true,
    ));
    let t = text(&r);
    assert!(!r.iter().any(|r| r.ecosystem == "Combined bundle"), "{t}");
    assert!(
        t.contains(&format!(
            "export REQUESTS_CA_BUNDLE=\"{DEBIAN_SYSTEM_BUNDLE}\""
        )),
        "{t}"
    );
    assert!(t.contains(RHEL_SYSTEM_BUNDLE), "{t}");
    assert!(t.contains("curl reads the system bundle"), "{t}");
}

#[test]
fn private_ca_not_installed_says_to_get_and_install_it() {
    for p in ALL_PLATFORMS {
        let r = trust_remedies(&gap(Situation::PrivateCa, p, false));
        let first = &r[0];
        assert!(first.action.contains("whoever runs the CA"), "{first:?}");
        assert!(
            first.action.contains("install it in the OS store"),
            "{first:?}"
        );
        let t = first.commands.join("\n");
        let expect = match p {
            Platform::Linux => "update-ca-certificates",
            Platform::MacOs => "security add-trusted-cert",
            Platform::Windows => "certutil -addstore Root",
            Platform::Other => "system trust store",
        };
        assert!(t.contains(expect), "{p:?}: {t}");
    }
}

#[test]
fn interception_not_installed_names_the_vendor() {
    let r = trust_remedies(&gap(
        Situation::Interception {
            vendor: Some("Zscaler"),
        },
        Platform::Linux,
        false,
    ));
    assert!(r[0].action.contains("it runs Zscaler"), "{:?}", r[0]);
}

#[test]
fn self_signed_recommends_mkcert_first_and_pins_per_tool() {
    let r = trust_remedies(&gap(Situation::SelfSigned, Platform::Linux, false));
    assert_eq!(r[0].ecosystem, "Better fix");
    assert!(r[0].commands.iter().any(|c| c == "mkcert -install"));
    let t = text(&r);
    assert!(
        t.contains("openssl s_client -connect api.openai.com:443 -servername api.openai.com"),
        "{t}"
    );
    assert!(t.contains("curl --cacert"), "{t}");
    assert!(!t.contains("truststore.inject_into_ssl"), "{t}");
}

#[test]
fn mkcert_root_in_store_uses_caroot() {
    let mut g = gap(Situation::PrivateCa, Platform::MacOs, true);
    g.ca_name = "mkcert dev@laptop (Dev)";
    let t = text(&trust_remedies(&g));
    assert!(
        t.contains("export NODE_EXTRA_CA_CERTS=\"$(mkcert -CAROOT)/rootCA.pem\""),
        "{t}"
    );
}

#[test]
fn ca_names_are_quoted_for_the_shell() {
    let mut g = gap(Situation::PrivateCa, Platform::MacOs, true);
    g.ca_name = "O'Brien CA";
    let t = text(&trust_remedies(&g));
    assert!(t.contains(r"-c 'O'\''Brien CA'"), "{t}");
    g.platform = Platform::Windows;
    let t = text(&trust_remedies(&g));
    assert!(t.contains("'CN=O''Brien CA'"), "{t}");
}

#[test]
fn node_offers_system_ca_with_versions() {
    let t = text(&trust_remedies(&gap(
        Situation::PrivateCa,
        Platform::MacOs,
        true,
    )));
    assert!(
        t.contains("NODE_USE_SYSTEM_CA=\"1\"  # Node 22.19+/24.6+"),
        "{t}"
    );
}

#[test]
fn helpers() {
    assert_eq!(slug("Zscaler Root CA"), "zscaler-root-ca");
    assert_eq!(slug("  ** "), "ca");
    assert_eq!(connect_target("example.com"), "example.com:443");
    assert_eq!(connect_target("example.com:8443"), "example.com:8443");
    assert_eq!(connect_target("::1"), "[::1]:443");
    assert_eq!(connect_target("[::1]:8443"), "[::1]:8443");
    assert_eq!(
        bundle_command("h", "o.pem", false),
        "tlsdoctor bundle h --out \"o.pem\""
    );
    assert_eq!(
        bundle_command("h:9444", "o.pem", true),
        "tlsdoctor bundle h:9444 --include-self-signed --out \"o.pem\""
    );
}

#[test]
fn env_table_covers_the_required_variables() {
    for name in [
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "AWS_CA_BUNDLE",
        "NODE_EXTRA_CA_CERTS",
        "NODE_TLS_REJECT_UNAUTHORIZED",
        "NODE_USE_SYSTEM_CA",
        "PYTHONHTTPSVERIFY",
        "PIP_CERT",
        "GIT_SSL_CAINFO",
        "GIT_SSL_NO_VERIFY",
        "CARGO_HTTP_CAINFO",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
    ] {
        let v = env_variable(name).unwrap_or_else(|| panic!("{name}"));
        assert!(!v.meaning.is_empty() && !v.honoured_by.is_empty(), "{name}");
    }
    assert_eq!(env_variable("no_proxy").unwrap().name, "NO_PROXY");
    assert_eq!(env_variable("http_proxy").unwrap().name, "http_proxy");
    assert!(env_variable("ssl_cert_file").is_none());
    let disabling: Vec<_> = ENV_VARIABLES
        .iter()
        .filter(|v| v.turns_off_verification.is_some())
        .map(|v| v.name)
        .collect();
    assert_eq!(
        disabling,
        [
            "NODE_TLS_REJECT_UNAUTHORIZED",
            "PYTHONHTTPSVERIFY",
            "GIT_SSL_NO_VERIFY"
        ]
    );
    let mut names: Vec<_> = ENV_VARIABLES.iter().map(|v| v.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ENV_VARIABLES.len());
}

#[test]
fn env_facts_from_the_brief() {
    let f = |n| env_variable(n).unwrap();
    assert!(f("SSL_CERT_FILE").ignored_by.contains(&"requests"));
    assert!(f("SSL_CERT_FILE").honoured_by.contains(&"httpx"));
    assert!(f("REQUESTS_CA_BUNDLE").honoured_by.contains(&"requests"));
    assert!(f("CURL_CA_BUNDLE").honoured_by.contains(&"requests"));
    assert!(f("SSL_CERT_DIR").honoured_by.contains(&"Go on Linux/BSD"));
    assert!(f("SSL_CERT_FILE")
        .ignored_by
        .contains(&"Go on macOS/Windows"));
    assert!(f("SSL_CERT_FILE")
        .honoured_by
        .iter()
        .any(|h| h.starts_with("rustls-native-certs") && h.contains("skips the OS store")));
}

#[test]
fn client_lists_are_disjoint_and_short() {
    for b in BUNDLED_ROOT_CLIENTS {
        assert!(!OS_STORE_CLIENTS.contains(b), "{b}");
        assert!(b.len() <= 16, "{b}");
    }
    for o in OS_STORE_CLIENTS {
        assert!(o.len() <= 16, "{o}");
    }
}

#[test]
fn bundle_lines_per_shell() {
    let path = "/home/o'neil/ca bundle.pem";
    let posix = bundle_lines(Shell::Posix, path);
    assert_eq!(posix.len(), BUNDLE_VARIABLES.len());
    assert_eq!(
        posix[0],
        r"export SSL_CERT_FILE='/home/o'\''neil/ca bundle.pem'"
    );
    assert_eq!(
        bundle_lines(Shell::Fish, path)[1],
        r"set -gx REQUESTS_CA_BUNDLE '/home/o\'neil/ca bundle.pem'"
    );
    assert_eq!(
        bundle_lines(Shell::PowerShell, r"C:\certs\b.pem")[2],
        r"$env:NODE_EXTRA_CA_CERTS = 'C:\certs\b.pem'"
    );
    assert_eq!(
        bundle_lines(Shell::Cmd, r"C:\certs\b.pem")[6],
        r#"set "CARGO_HTTP_CAINFO=C:\certs\b.pem""#
    );
    for name in BUNDLE_VARIABLES {
        assert!(env_variable(name).is_some(), "{name}");
        assert!(ca_file_use(name).is_some(), "{name}");
    }
}

#[test]
fn truststore_goes_through_sitecustomize() {
    let r = truststore_alternative(Platform::Linux);
    let t = r.commands.join("\n");
    assert!(
        t.contains("pip install truststore") && t.contains("sitecustomize.py"),
        "{t}"
    );
    assert!(t.contains("truststore.inject_into_ssl()"), "{t}");
}

#[test]
fn obtain_root_says_who_to_ask() {
    let r = obtain_root(&gap(
        Situation::Interception {
            vendor: Some("Zscaler"),
        },
        Platform::Linux,
        true,
    ));
    assert!(r.action.contains("it runs Zscaler"), "{r:?}");
    assert!(
        r.commands.join("\n").contains("update-ca-certificates"),
        "{r:?}"
    );
}

#[test]
fn config_settings_lookup() {
    assert!(config_setting("git", "http.sslverify").is_some());
    assert_eq!(
        config_setting("npm", "cafile").unwrap().ca_file,
        Some(CaFileUse::Replaces)
    );
    assert!(config_setting("npm", "nope").is_none());
    for s in CONFIG_SETTINGS {
        assert!(!s.meaning.is_empty(), "{s:?}");
    }
}

#[test]
fn platform_serializes_snake_case() {
    assert_eq!(serde_json::to_value(Platform::MacOs).unwrap(), "mac_os");
    assert_eq!(
        serde_json::to_value(Platform::current()).unwrap(),
        Platform::current().as_str()
    );
}
