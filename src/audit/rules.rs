//! The audit's rules, one function per kind of thing judged: a variable's
//! value, proxy spellings, a configuration setting, a CA file, a directory.
//!
//! Pure; must not read the machine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{FileReport, Level, Warning};
use crate::cert::CertName;
use crate::knowledge::interceptors;
use crate::knowledge::{
    env_variable, is_proxy_variable, CaFileUse, ConfigSetting, OffWhen, OPENSSL_PATH_VARIABLES,
    PROXY_PAIRS,
};
use crate::machine::files::MozillaDers;
use crate::machine::settings::Setting;
use crate::machine::PathState;
use crate::machine_facts::PemFile;
use crate::proxy_url::ProxyUrl;

fn warn(level: Level, source: &str, message: impl Into<String>, fix: Option<&str>) -> Warning {
    Warning {
        level,
        source: source.to_string(),
        message: message.into(),
        fix: fix.map(str::to_string),
    }
}

/// Warnings about a variable's value itself (not the file it names), from
/// the variable's entry in [`crate::knowledge::ENV_VARIABLES`].
pub(super) fn variable_warnings(
    name: &str,
    value: &str,
    set: &BTreeMap<&str, &str>,
) -> Vec<Warning> {
    let mut out = Vec::new();
    let v = value.trim();
    let entry = env_variable(name);
    if let Some(off) = entry.and_then(|e| e.turns_off_verification) {
        if off.when.matches(v) {
            let is = match off.when {
                OffWhen::Zero => "is 0".to_string(),
                OffWhen::AnyValue if v.is_empty() => "is set (empty)".to_string(),
                OffWhen::AnyValue => "is set".to_string(),
            };
            out.push(warn(
                Level::Danger,
                name,
                format!("{is}: {}", off.effect),
                Some(off.fix),
            ));
        }
    }
    let ca_file = entry.and_then(|e| e.ca_file);
    match ca_file {
        Some(_) if v.is_empty() && OPENSSL_PATH_VARIABLES.contains(&name) => {
            out.push(warn(
                Level::Danger,
                name,
                "is set but empty: Python's ssl loads no file from it (only OpenSSL's certificate directory), httpx falls through to SSL_CERT_DIR and certifi, curl, git and pip ignore it, and rustls-native-certs errors and skips the OS store",
                Some("unset it rather than setting it empty"),
            ))
        }
        Some(_) if v.is_empty() => out.push(warn(
            Level::Warning,
            name,
            "is set but empty: most clients treat it as unset, some as a file name that does not exist",
            Some("unset it"),
        )),
        _ => {}
    }
    if OPENSSL_PATH_VARIABLES.contains(&name) && !v.is_empty() {
        let both = OPENSSL_PATH_VARIABLES.iter().all(|n| set.contains_key(n));
        if name == "SSL_CERT_FILE" || !both {
            out.push(warn(
                Level::Info,
                name,
                "rustls-native-certs (and tlsdoctor's OS store) then read only SSL_CERT_FILE/SSL_CERT_DIR and skip the platform store",
                None,
            ));
        }
    }
    out.extend(proxy_value_warnings(name, v));
    out
}

fn proxy_value_warnings(name: &str, v: &str) -> Vec<Warning> {
    if !is_proxy_variable(name) || name.eq_ignore_ascii_case("no_proxy") || v.is_empty() {
        return Vec::new();
    }
    match ProxyUrl::parse(v) {
        Err(e) => vec![warn(Level::Warning, name, e.to_string(), None)],
        Ok(p) if p.scheme != "http" => vec![warn(
            Level::Info,
            name,
            format!("a {} proxy: clients differ in support (tlsdoctor check speaks only http:// proxies)", p.scheme),
            None,
        )],
        Ok(_) => Vec::new(),
    }
}

/// Warnings about one configuration setting's value.
pub(super) fn setting_warnings(s: &Setting, table: &ConfigSetting, source: &str) -> Vec<Warning> {
    let mut out = Vec::new();
    let lower = s.value.trim().to_ascii_lowercase();
    if table.disabling_values.contains(&lower.as_str()) {
        out.push(Warning {
            level: Level::Danger,
            source: source.to_string(),
            message: format!("{} = {}: {}", s.key, s.value, table.meaning),
            fix: Some(
                "remove it and trust the CA instead (tlsdoctor bundle writes a combined bundle)"
                    .into(),
            ),
        });
    }
    if s.table_key == "trusted-host" {
        out.push(Warning {
            level: Level::Warning,
            source: source.to_string(),
            message: format!("trusted-host = {}: {}", s.value, table.meaning),
            fix: Some(
                "use cert = a combined bundle, or pip 24.2+ (which uses the OS store)".into(),
            ),
        });
    }
    out
}

pub(super) fn proxy_pair_warnings(set: &BTreeMap<&str, &str>) -> Vec<Warning> {
    let mut out = Vec::new();
    for &(upper, lower) in PROXY_PAIRS {
        if let (Some(u), Some(l)) = (set.get(upper), set.get(lower)) {
            if u.trim() != l.trim() {
                out.push(warn(
                    Level::Warning,
                    upper,
                    format!("{upper} and {lower} differ: curl and Python prefer {lower}, other clients may read {upper}"),
                    Some("set both to the same value, or unset one"),
                ));
            }
        }
    }
    out
}

/// File reports by path: several variables often name the same bundle.
pub(super) struct Reports {
    by_path: BTreeMap<PathBuf, FileReport>,
    /// Name notable CAs (interception products, public-key roots): only
    /// informational lines say them, which `check` does not show.
    names: bool,
}

impl Reports {
    pub(super) fn new(names: bool) -> Reports {
        Reports {
            by_path: BTreeMap::new(),
            names,
        }
    }

    pub(super) fn get(
        &mut self,
        path: &Path,
        paths: &BTreeMap<PathBuf, PathState>,
        mozilla: &MozillaDers,
    ) -> FileReport {
        let names = self.names;
        self.by_path
            .entry(path.to_path_buf())
            .or_insert_with(|| file_report(path, paths, mozilla, names))
            .clone()
    }
}

/// What `path` holds, from the collected state.
fn file_report(
    path: &Path,
    paths: &BTreeMap<PathBuf, PathState>,
    mozilla: &MozillaDers,
    names: bool,
) -> FileReport {
    let mut report = FileReport {
        path: path.display().to_string(),
        kind: "missing",
        exists: false,
        parses: false,
        certificates: 0,
        mozilla_roots: 0,
        notable: Vec::new(),
        error: None,
    };
    let files: Vec<&PemFile> = match paths.get(path) {
        None | Some(PathState::Missing) => return report,
        Some(PathState::Unreadable(e)) => {
            report.kind = "unreadable";
            report.exists = true;
            report.error = Some(e.clone());
            return report;
        }
        Some(PathState::File(file)) => {
            report.kind = "file";
            vec![file.as_ref()]
        }
        Some(PathState::Dir(files)) => {
            report.kind = "directory";
            files.iter().map(AsRef::as_ref).collect()
        }
    };
    report.exists = true;
    let mut malformed = None;
    let mut seen = BTreeSet::new();
    for file in files {
        for block in &file.blocks {
            match block {
                Ok(der) => {
                    if !seen.insert(der.as_ref()) {
                        continue; // hashed directories hold each root more than once
                    }
                    if mozilla.contains(der.as_ref()) {
                        report.certificates += 1;
                        report.mozilla_roots += 1;
                        continue;
                    }
                    // Names only: checking signatures of a whole bundle costs
                    // tens of milliseconds, and `check` runs this too.
                    if !names {
                        match crate::cert::is_certificate(der.as_ref()) {
                            Ok(()) => report.certificates += 1,
                            Err(e) => {
                                malformed =
                                    Some(format!("a PEM block that is not a certificate ({e})"))
                            }
                        }
                        continue;
                    }
                    let facts = match CertName::from_der(der.as_ref()) {
                        Ok(facts) => facts,
                        Err(e) => {
                            malformed =
                                Some(format!("a PEM block that is not a certificate ({e})"));
                            continue;
                        }
                    };
                    report.certificates += 1;
                    if let Some(note) = notable(&facts) {
                        report.notable.push(note);
                    }
                }
                Err(e) => {
                    malformed = Some(format!("malformed PEM: {e}"));
                    if report.kind == "file" {
                        break;
                    }
                }
            }
        }
    }
    report.parses = report.certificates > 0 && (malformed.is_none() || report.kind == "directory");
    if report.kind == "file" {
        report.error = malformed;
    }
    report
}

/// How a CA worth naming is named: an interception product's root, or a
/// root whose private key is public.
fn notable(facts: &CertName) -> Option<String> {
    if let Some(i) = interceptors::match_name(&facts.subject) {
        return Some(format!(
            "{} ({}, {})",
            facts.display_name,
            i.vendor,
            i.kind.label()
        ));
    }
    interceptors::match_spki(&facts.spki_sha256).map(|r| {
        format!(
            "{} ({}: its private key is public)",
            facts.display_name, r.vendor
        )
    })
}

/// Warnings about the file a CA variable or setting names.
pub(super) fn file_warnings(
    source: &str,
    usage: CaFileUse,
    dir_ok: bool,
    f: &FileReport,
) -> Vec<Warning> {
    let combined = Some("point it at a combined bundle: tlsdoctor bundle TARGET --out FILE");
    let mut out = Vec::new();
    if f.path == "/dev/null" {
        out.push(warn(
            Level::Danger,
            source,
            "points at /dev/null: that does not turn verification off; it leaves clients that read it with no roots, so every HTTPS call fails",
            Some("unset it"),
        ));
        return out;
    }
    match f.kind {
        "missing" => out.push(warn(
            Level::Danger,
            source,
            format!(
                "names {}, which does not exist: clients that read it fail every HTTPS call",
                f.path
            ),
            Some("fix the path, or unset it"),
        )),
        "unreadable" => out.push(warn(
            Level::Danger,
            source,
            format!(
                "names {}, which cannot be read ({}): clients that read it fail every HTTPS call",
                f.path,
                f.error.as_deref().unwrap_or("error")
            ),
            Some("fix its permissions, or unset it"),
        )),
        "directory" if !dir_ok => out.push(warn(
            Level::Danger,
            source,
            format!(
                "names {}, which is a directory; a PEM file is expected",
                f.path
            ),
            combined,
        )),
        _ if f.certificates == 0 => out.push(warn(
            Level::Danger,
            source,
            format!(
                "names {}, which holds no certificate{}: clients that read it trust nothing",
                f.path,
                f.error
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ),
            combined,
        )),
        _ => {
            if let Some(e) = &f.error {
                out.push(warn(
                    Level::Warning,
                    source,
                    format!(
                        "{} holds {} certificate(s), then {e}; some clients reject the whole file",
                        f.path, f.certificates
                    ),
                    None,
                ));
            }
            if usage == CaFileUse::Replaces && f.mozilla_roots == 0 {
                let who = if source == "SSL_CERT_FILE" {
                    "httpx, Python's ssl, curl, Go and rustls-native-certs"
                } else {
                    "the clients that read it"
                };
                out.push(warn(
                    Level::Warning,
                    source,
                    format!(
                        "{} holds {} certificate(s) and none of Mozilla's public roots: it replaces the default roots, so {who} trust only these, and every site not re-signed by them fails",
                        f.path, f.certificates
                    ),
                    combined,
                ));
            }
        }
    }
    if !f.notable.is_empty() {
        out.push(warn(
            Level::Info,
            source,
            format!("{} holds {}", f.path, f.notable.join(", ")),
            None,
        ));
    }
    out
}

pub(super) fn dir_warnings(source: &str, f: &FileReport) -> Vec<Warning> {
    match f.kind {
        "missing" => vec![warn(
            Level::Warning,
            source,
            format!("names {}, which does not exist (ignored by OpenSSL)", f.path),
            Some("fix the path, or remove it from the list"),
        )],
        "unreadable" => vec![warn(
            Level::Warning,
            source,
            format!("names {}, which cannot be read", f.path),
            None,
        )],
        "file" => vec![warn(
            Level::Warning,
            source,
            format!("names {}, which is a file: SSL_CERT_DIR takes directories (use SSL_CERT_FILE for a file)", f.path),
            None,
        )],
        _ if f.certificates == 0 => vec![warn(
            Level::Warning,
            source,
            format!("names {}, which holds no certificates", f.path),
            None,
        )],
        _ => Vec::new(),
    }
}
