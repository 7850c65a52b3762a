//! Machine stage: the trust settings in each client's own config files
//! (git, npm, curl, pip, aws, cargo, uv, conda) and where Java's keystore is.
//!
//! Reads files only, bounded; an unreadable file is recorded as unknown,
//! never an error. Knows where each tool looks and what its keys are
//! called — not what they mean for trust (that is Diagnose).

use std::path::{Path, PathBuf};

use crate::machine::clients::{ClientFacts, ClientId, DiscoveryInputs, Setting};
use crate::machine::python::read_small;

/// Add the settings that bear on trust for `facts.found.client`.
pub fn read_settings(inputs: &DiscoveryInputs, facts: &mut ClientFacts) {
    let home = inputs.home.clone();
    let env_path = |name: &str| inputs.nonempty(name).map(PathBuf::from);
    let xdg = env_path("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config")));
    let in_home = |rel: &str| home.as_ref().map(|h| h.join(rel));
    let files: Vec<PathBuf> = match facts.found.client {
        ClientId::Git => {
            git_tls_library(facts);
            let mut f = Vec::new();
            if inputs.nonempty("GIT_CONFIG_NOSYSTEM").is_none() {
                f.push(PathBuf::from("/etc/gitconfig"));
            }
            match env_path("GIT_CONFIG_GLOBAL") {
                Some(p) => f.push(p),
                None => {
                    f.extend(xdg.as_ref().map(|x| x.join("git/config")));
                    f.extend(in_home(".gitconfig"));
                }
            }
            f
        }
        ClientId::Npm => {
            let mut f: Vec<PathBuf> = env_path("NPM_CONFIG_USERCONFIG")
                .or_else(|| in_home(".npmrc"))
                .into_iter()
                .collect();
            f.push(inputs.cwd.join(".npmrc"));
            f
        }
        ClientId::Curl => {
            curl_tls_library(facts);
            env_path("CURL_HOME")
                .map(|h| h.join(".curlrc"))
                .or_else(|| in_home(".curlrc"))
                .into_iter()
                .collect()
        }
        ClientId::Pip => match env_path("PIP_CONFIG_FILE") {
            Some(p) => vec![p],
            None => [
                Some(PathBuf::from("/etc/pip.conf")),
                in_home(".pip/pip.conf"),
                xdg.as_ref().map(|x| x.join("pip/pip.conf")),
            ]
            .into_iter()
            .flatten()
            .collect(),
        },
        ClientId::Aws => env_path("AWS_CONFIG_FILE")
            .or_else(|| in_home(".aws/config"))
            .into_iter()
            .collect(),
        ClientId::Cargo => {
            let cargo_home = env_path("CARGO_HOME").or_else(|| in_home(".cargo"));
            cargo_home
                .map(|c| vec![c.join("config"), c.join("config.toml")])
                .unwrap_or_default()
        }
        ClientId::Uv => [
            xdg.as_ref().map(|x| x.join("uv/uv.toml")),
            Some(inputs.cwd.join("uv.toml")),
        ]
        .into_iter()
        .flatten()
        .collect(),
        ClientId::Conda => env_path("CONDARC")
            .or_else(|| in_home(".condarc"))
            .into_iter()
            .collect(),
        ClientId::Java => {
            java_cacerts(inputs, facts);
            Vec::new()
        }
        _ => Vec::new(),
    };
    let profile = inputs
        .nonempty("AWS_PROFILE")
        .unwrap_or("default")
        .to_string();
    for file in files {
        match read_small(&file) {
            Ok(text) => {
                let found = parse(facts.found.client, &text, &profile);
                facts
                    .settings
                    .extend(found.into_iter().map(|(key, value)| Setting {
                        key,
                        value: expand_home(&value, inputs.home.as_deref()),
                        source: file.display().to_string(),
                    }));
            }
            // Missing is what `stat` says (`Path::exists`); read_small's
            // own stat is remembered, so this asks the file system nothing.
            Err(e) if crate::machine::memo::meta(&file).is_some() => facts.unknown.push(e),
            Err(_) => {}
        }
    }
}

/// `~/x` → `$HOME/x`.
fn expand_home(value: &str, home: Option<&Path>) -> String {
    match (value.strip_prefix("~/"), home) {
        (Some(rest), Some(h)) => h.join(rest).display().to_string(),
        _ => value.to_string(),
    }
}

/// The trust keys in one config file, as (key, value), in file order.
fn parse(client: ClientId, text: &str, aws_profile: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            section = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            continue;
        }
        let (key, value) = split_key_value(client, line);
        if let Some(key) = trust_key(client, &section, key, aws_profile) {
            out.push((key, value));
        }
    }
    out
}

fn split_key_value(client: ClientId, line: &str) -> (&str, String) {
    let (k, v) = match client {
        ClientId::Conda => line.split_once(':').unwrap_or((line, "")),
        ClientId::Curl => {
            let word = line.trim_start_matches('-');
            word.split_once(|c: char| c == '=' || c == ':' || c.is_whitespace())
                .unwrap_or((word, ""))
        }
        _ => line.split_once('=').unwrap_or((line, "true")),
    };
    let v = v.split(" #").next().unwrap_or(v).trim();
    let v = v.trim_start_matches(['=', ':']).trim();
    let v = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v);
    (k.trim(), v.to_string())
}

/// The reported key when (`section`, `key`) bears on trust for `client`.
fn trust_key(client: ClientId, section: &str, key: &str, aws_profile: &str) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    match client {
        ClientId::Git => {
            let (name, sub) = match section.split_once(char::is_whitespace) {
                Some((n, s)) => (n, Some(s.trim().trim_matches('"'))),
                None => (section, None),
            };
            let known = ["sslcainfo", "sslcapath", "sslbackend", "sslverify"];
            let canonical = ["sslCAInfo", "sslCAPath", "sslBackend", "sslVerify"];
            let i = known.iter().position(|k| *k == lower)?;
            let canon = canonical.get(i)?;
            name.eq_ignore_ascii_case("http").then(|| match sub {
                Some(url) => format!("http.{url}.{canon}"),
                None => format!("http.{canon}"),
            })
        }
        ClientId::Npm => {
            let k = lower.rsplit(':').next().unwrap_or(&lower).to_string();
            ["cafile", "ca", "strict-ssl"]
                .contains(&k.as_str())
                .then_some(k)
        }
        ClientId::Curl => match lower.as_str() {
            "cacert" | "capath" | "insecure" => Some(lower),
            "k" => Some("insecure".into()),
            _ => None,
        },
        ClientId::Pip => (lower == "cert").then_some(lower),
        ClientId::Aws => {
            let wanted = if aws_profile == "default" {
                "default".to_string()
            } else {
                format!("profile {aws_profile}")
            };
            (lower == "ca_bundle" && section == wanted).then_some(lower)
        }
        ClientId::Cargo => (section == "http" && lower == "cainfo").then(|| "http.cainfo".into()),
        ClientId::Uv => ["system-certs", "native-tls"]
            .contains(&lower.as_str())
            .then_some(lower),
        ClientId::Conda => (lower == "ssl_verify").then_some(lower),
        _ => None,
    }
}

/// The keystore the JDK that `java` belongs to reads.
fn java_cacerts(inputs: &DiscoveryInputs, facts: &mut ClientFacts) {
    let home = inputs.nonempty("JAVA_HOME").map(PathBuf::from).or_else(|| {
        let real = crate::machine::memo::real(&facts.found.executable)?;
        Some(real.parent()?.parent()?.to_path_buf())
    });
    let Some(home) = home else {
        facts.unknown.push("where this Java's home is".into());
        return;
    };
    let cacerts = home.join("lib/security/cacerts");
    match crate::machine::memo::real(&cacerts).ok_or("no such file") {
        Ok(real) => facts.settings.push(Setting {
            key: "cacerts".into(),
            value: real.display().to_string(),
            source: cacerts.display().to_string(),
        }),
        Err(e) => facts
            .unknown
            .push(format!("cannot read {}: {e}", cacerts.display())),
    }
}

/// The TLS library a linked library's name stands for, most specific first.
const TLS_LIBRARIES: &[(&str, &str)] = &[
    ("libcurl-gnutls.so", "gnutls"),
    ("libcurl-nss.so", "nss"),
    ("libgnutls.so", "gnutls"),
    ("libssl.so", "openssl"),
    ("libwolfssl.so", "wolfssl"),
    ("libmbedtls.so", "mbedtls"),
    ("libnss3.so", "nss"),
];

/// Which TLS library git's HTTPS helper uses, through the libcurl it links
/// (Debian's `libcurl-gnutls.so.4` or the OpenSSL `libcurl.so.4`). The
/// helper is in `PREFIX/libexec/git-core` (git's default, Homebrew, Fedora)
/// or `PREFIX/lib/git-core` (Debian and Ubuntu).
fn git_tls_library(facts: &mut ClientFacts) {
    let Some(real) = crate::machine::memo::real(&facts.found.executable) else {
        return;
    };
    let Some(prefix) = real.parent().and_then(Path::parent) else {
        return;
    };
    let helper = |dir: &str| prefix.join(dir).join("git-core/git-remote-https");
    let libexec = helper("libexec");
    let found = [libexec.clone(), helper("lib")]
        .into_iter()
        .find(|h| crate::machine::memo::is_file(h));
    record_tls_library(facts, "git", &found.unwrap_or(libexec));
}

/// Which TLS library curl uses: the libcurl flavour it links, or the TLS
/// library that libcurl (or a static curl) links.
fn curl_tls_library(facts: &mut ClientFacts) {
    let Some(real) = crate::machine::memo::real(&facts.found.executable) else {
        return;
    };
    record_tls_library(facts, "curl", &real);
}

/// Read `binary`'s linked libraries and record the TLS library as the
/// `tls-library` setting, or why it cannot be told as unknown.
fn record_tls_library(facts: &mut ClientFacts, tool: &str, binary: &Path) {
    match tls_library(binary) {
        Ok((library, source)) => facts.settings.push(Setting {
            key: "tls-library".into(),
            value: library.into(),
            source: source.display().to_string(),
        }),
        Err(why) => facts.unknown.push(format!("{tool}'s TLS library ({why})")),
    }
}

/// The TLS library `binary` uses, and the file that says so.
pub fn tls_library(binary: &Path) -> Result<(&'static str, PathBuf), String> {
    let names = crate::machine::elf::needed(binary)?;
    if let Some(lib) = linked_tls(&names) {
        return Ok((lib, binary.to_path_buf()));
    }
    let Some(soname) = linked_name(&names, "libcurl.so") else {
        return Err(format!("{} links no TLS library", binary.display()));
    };
    let libcurl = library_dirs(binary)
        .into_iter()
        .map(|d| d.join(soname))
        .find(|p| crate::machine::memo::is_file(p))
        .ok_or_else(|| format!("{soname}, which {} links, not found", binary.display()))?;
    let real = crate::machine::memo::real(&libcurl).unwrap_or(libcurl);
    match linked_tls(&crate::machine::elf::needed(&real)?) {
        Some(lib) => Ok((lib, real)),
        None => Err(format!("{} links no TLS library", real.display())),
    }
}

/// The TLS library the first matching linked name stands for.
fn linked_tls(names: &[String]) -> Option<&'static str> {
    TLS_LIBRARIES
        .iter()
        .find(|(prefix, _)| linked_name(names, prefix).is_some())
        .map(|(_, lib)| *lib)
}

/// The linked library `prefix` names: `libcurl.so` names `libcurl.so.4`
/// (the prefix, then only the version: digits and dots).
fn linked_name<'a>(names: &'a [String], prefix: &str) -> Option<&'a str> {
    names
        .iter()
        .find(|n| {
            n.strip_prefix(prefix)
                .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        })
        .map(String::as_str)
}

/// Where the dynamic loader looks for a library `binary` links: next to
/// its own prefix, then the system's directories.
fn library_dirs(binary: &Path) -> Vec<PathBuf> {
    let multiarch = format!("{}-linux-gnu", std::env::consts::ARCH);
    let mut prefixes: Vec<PathBuf> = binary
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .into_iter()
        .collect();
    for p in ["/usr", "/", "/usr/local"] {
        if !prefixes.iter().any(|q| q == Path::new(p)) {
            prefixes.push(PathBuf::from(p));
        }
    }
    prefixes
        .iter()
        .flat_map(|p| {
            [
                p.join("lib").join(&multiarch),
                p.join("lib64"),
                p.join("lib"),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_names_stand_for_their_tls_library() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let curl = names(&["libc.so.6", "libcurl.so.4"]);
        assert_eq!(linked_name(&curl, "libcurl.so"), Some("libcurl.so.4"));
        assert_eq!(linked_tls(&curl), None);
        assert_eq!(linked_name(&names(&["libssl.so.3x"]), "libssl.so"), None);
        assert_eq!(
            linked_tls(&names(&["libcurl-gnutls.so.4", "libssl.so.3"])),
            Some("gnutls")
        );
        assert_eq!(
            linked_tls(&names(&["libssl.so.3", "libcrypto.so.3"])),
            Some("openssl")
        );
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn this_machine_s_curl_agrees_with_the_dynamic_loader() {
        // The real curl, when there is one: what its files say is what
        // `ldd` (the loader itself) resolves.
        let Some(curl) = ["/usr/bin/curl", "/bin/curl"]
            .iter()
            .map(Path::new)
            .find(|p| p.is_file())
        else {
            return;
        };
        let Ok(out) = std::process::Command::new("ldd").arg(curl).output() else {
            return;
        };
        let ldd = String::from_utf8_lossy(&out.stdout);
        let (lib, _) = tls_library(curl).unwrap();
        let flavour = if ldd.contains("libcurl-gnutls.so") {
            "gnutls"
        } else if ldd.contains("libcurl.so") && ldd.contains("libssl.so") {
            "openssl"
        } else {
            return;
        };
        assert_eq!(lib, flavour, "{ldd}");
    }

    /// What reading `client`'s config files under `inputs` gives, with the
    /// memo on (as discovery runs) or off.
    fn settings_of(client: ClientId, inputs: &DiscoveryInputs, scoped: bool) -> ClientFacts {
        let run = || {
            let mut facts = ClientFacts {
                found: crate::client_facts::FoundClient {
                    client,
                    executable: PathBuf::from("/nonexistent/bin/tool"),
                    version: None,
                    interpreter: None,
                },
                python: None,
                settings: Vec::new(),
                unknown: Vec::new(),
            };
            read_settings(inputs, &mut facts);
            facts
        };
        if scoped {
            crate::machine::memo::scope(run)
        } else {
            run()
        }
    }

    #[test]
    fn missing_config_files_say_nothing_and_unreadable_ones_are_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let cwd = dir.path().join("work");
        std::fs::create_dir_all(home.join(".npmrc")).unwrap(); // a directory
        std::fs::create_dir_all(&cwd).unwrap();
        std::fs::write(cwd.join(".npmrc"), "cafile=/n.pem\n").unwrap();
        std::fs::write(home.join("file"), "").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(home.join("nothing"), home.join("dangling")).unwrap();
        let inputs = |vars: &[(&str, PathBuf)]| DiscoveryInputs {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.display().to_string()))
                .collect(),
            cwd: cwd.clone(),
            home: Some(home.clone()),
            pythons: Vec::new(),
        };
        for scoped in [false, true] {
            let npm = settings_of(ClientId::Npm, &inputs(&[]), scoped);
            assert_eq!(
                npm.unknown,
                vec![format!(
                    "cannot read {}: not a regular file",
                    home.join(".npmrc").display()
                )]
            );
            assert_eq!(npm.settings.len(), 1);
            assert_eq!(npm.settings[0].value, "/n.pem");
            // Missing, a dangling link, and under a file (ENOTDIR): nothing.
            for missing in ["nothing", "dangling", "file/config"] {
                let vars = [("AWS_CONFIG_FILE", home.join(missing))];
                let aws = settings_of(ClientId::Aws, &inputs(&vars), scoped);
                assert_eq!(aws.unknown, Vec::<String>::new(), "{missing}");
                assert!(aws.settings.is_empty(), "{missing}");
            }
            let vars = [("AWS_CONFIG_FILE", home.clone())];
            let aws = settings_of(ClientId::Aws, &inputs(&vars), scoped);
            assert_eq!(
                aws.unknown,
                vec![format!(
                    "cannot read {}: not a regular file",
                    home.display()
                )]
            );
        }
    }

    #[test]
    fn git_sections_and_per_url_keys() {
        let text = "[http]\n\tsslcainfo = /a.pem\n[http \"https://x/\"]\n\tsslVerify = false\n[core]\n\tsslCAInfo = /no\n";
        assert_eq!(
            parse(ClientId::Git, text, "default"),
            vec![
                ("http.sslCAInfo".to_string(), "/a.pem".to_string()),
                ("http.https://x/.sslVerify".to_string(), "false".to_string()),
            ]
        );
    }

    #[test]
    fn aws_reads_the_selected_profile_only() {
        let text = "[default]\nca_bundle = /d.pem\n[profile work]\nca_bundle = /w.pem\n";
        assert_eq!(
            parse(ClientId::Aws, text, "default"),
            vec![("ca_bundle".into(), "/d.pem".into())]
        );
        assert_eq!(
            parse(ClientId::Aws, text, "work"),
            vec![("ca_bundle".into(), "/w.pem".into())]
        );
    }

    #[test]
    fn npm_curl_cargo_uv_conda_keys() {
        assert_eq!(
            parse(
                ClientId::Npm,
                "//registry.example/:cafile=/n.pem\nstrict-ssl=false\n",
                ""
            ),
            vec![
                ("cafile".into(), "/n.pem".into()),
                ("strict-ssl".into(), "false".into())
            ]
        );
        assert_eq!(
            parse(ClientId::Curl, "-k\ncacert = \"/c.pem\"\n", ""),
            vec![
                ("insecure".into(), "".into()),
                ("cacert".into(), "/c.pem".into())
            ]
        );
        assert_eq!(
            parse(ClientId::Cargo, "[http]\ncainfo = \"/cargo.pem\"\n", ""),
            vec![("http.cainfo".into(), "/cargo.pem".into())]
        );
        assert_eq!(
            parse(ClientId::Uv, "system-certs = true\n", ""),
            vec![("system-certs".into(), "true".into())]
        );
        assert_eq!(
            parse(ClientId::Conda, "ssl_verify: /corp.pem\n", ""),
            vec![("ssl_verify".into(), "/corp.pem".into())]
        );
    }
}
