//! The environment audit's rules (pure): what each CA, TLS and proxy
//! variable and configuration setting read on this machine means, which
//! clients honour or ignore it (from [`crate::knowledge`]), what each file it
//! names holds (certificates, Mozilla roots, notable CAs named through the
//! interception table), and [`Warning`]s for dangerous or useless values.
//!
//! A pure function of [`MachineFacts`]: unit-tested on hand-built facts.
//! Must not read the machine (that is [`crate::machine`]) or render
//! (`report::env`). Exit code of `env`: 1 when a warning says verification is
//! off or broken ([`Level::Danger`]), 0 otherwise. Proxy credentials never
//! enter an [`Audit`]: values of `*_PROXY` variables are redacted first.
//! `check` takes a short version through [`findings_for_check`].

mod rules;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::exit::ExitCode;
use crate::findings::{Finding, FindingKind};
use crate::knowledge::{
    audited_names, config_setting, env_variable, is_proxy_variable, CaFileUse, Platform,
};
use crate::machine::files::{mozilla_ders, MozillaDers};
use crate::machine::settings::{setting_path, settings, split_dirs};
use crate::machine::MachineFacts;
use crate::untrusted::redact_proxy;
use rules::{
    dir_warnings, file_warnings, proxy_pair_warnings, setting_warnings, variable_warnings, Reports,
};

/// How bad a warning is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Verification is off, or broken (clients that read this fail every call).
    Danger,
    /// Useless, surprising or risky, but verification still happens.
    Warning,
    /// Worth knowing.
    Info,
}

/// A dangerous, useless or surprising value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub level: Level,
    /// The variable, or `tool: key` of a setting.
    pub source: String,
    pub message: String,
    /// What to do instead, when there is something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// What a file (or directory) a variable or setting names holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    pub path: String,
    /// file, directory, missing, unreadable.
    pub kind: &'static str,
    pub exists: bool,
    /// At least one certificate, and no malformed PEM.
    pub parses: bool,
    pub certificates: usize,
    /// How many of them are Mozilla roots (as built into tlsdoctor).
    pub mozilla_roots: usize,
    /// Interception products and known-bad roots among them, by vendor.
    pub notable: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One variable of the table, set or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariableReport {
    pub name: String,
    pub set: bool,
    /// The value (proxy credentials removed), when set.
    pub value: Option<String>,
    pub meaning: &'static str,
    pub honoured_by: &'static [&'static str],
    pub ignored_by: &'static [&'static str],
    /// What the file or directories it names hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileReport>,
}

/// One configuration setting found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingReport {
    pub tool: &'static str,
    pub file: String,
    pub key: String,
    pub value: String,
    pub meaning: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<FileReport>,
}

/// A configuration file looked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigReport {
    pub tool: &'static str,
    pub path: String,
    pub exists: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The whole audit.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub schema_version: u32,
    pub tool_version: &'static str,
    pub os: &'static str,
    pub variables: Vec<VariableReport>,
    pub config_files: Vec<ConfigReport>,
    pub settings: Vec<SettingReport>,
    /// Most severe first.
    pub warnings: Vec<Warning>,
    /// A warning says verification is off or broken (exit 1).
    pub verification_off_or_broken: bool,
    /// The clients found on this machine, with their trust sources.
    pub clients: Vec<crate::tools::EnvClient>,
}

impl Audit {
    /// 1 when verification is off or broken somewhere, else 0.
    pub fn exit_code(&self) -> ExitCode {
        if self.verification_off_or_broken {
            ExitCode::Diagnosis
        } else {
            ExitCode::Clean
        }
    }
}

/// Audit what was read on this machine. Pure.
pub fn audit(facts: &MachineFacts, platform: Platform) -> Audit {
    audit_with(facts, platform, Reports::new(true))
}

fn audit_with(facts: &MachineFacts, platform: Platform, mut reports: Reports) -> Audit {
    let mozilla = mozilla_ders();
    let mut warnings = Vec::new();
    let set: BTreeMap<&str, &str> = facts
        .vars
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let variables = audit_variables(facts, &set, &mut reports, mozilla, &mut warnings);
    warnings.extend(proxy_pair_warnings(&set));
    let config_files = audit_config_files(facts, &mut warnings);
    let settings_out = audit_settings(facts, &mut reports, mozilla, &mut warnings);
    warnings.sort_by_key(|w| w.level);
    let broken = warnings.iter().any(|w| w.level == Level::Danger);
    Audit {
        schema_version: 1,
        tool_version: env!("CARGO_PKG_VERSION"),
        os: platform.as_str(),
        variables,
        config_files,
        settings: settings_out,
        warnings,
        verification_off_or_broken: broken,
        clients: Vec::new(),
    }
}

/// One report per variable of the table (lower-case spellings only when set).
fn audit_variables(
    facts: &MachineFacts,
    set: &BTreeMap<&str, &str>,
    reports: &mut Reports,
    mozilla: &MozillaDers,
    warnings: &mut Vec<Warning>,
) -> Vec<VariableReport> {
    let mut variables = Vec::new();
    for name in audited_names() {
        let Some(entry) = env_variable(name) else {
            continue;
        };
        let value = set.get(name).copied();
        if value.is_none() && entry.name != name {
            // Lower-case spellings are listed only when set.
            continue;
        }
        let mut files = Vec::new();
        if let Some(value) = value {
            warnings.extend(variable_warnings(name, value, set));
            match entry.ca_file {
                Some(CaFileUse::Directory) => {
                    for dir in split_dirs(value) {
                        let report = reports.get(Path::new(dir), &facts.paths, mozilla);
                        warnings.extend(dir_warnings(name, &report));
                        files.push(report);
                    }
                }
                Some(usage) if !value.is_empty() => {
                    let report = reports.get(Path::new(value), &facts.paths, mozilla);
                    warnings.extend(file_warnings(name, usage, entry.ca_dir_accepted, &report));
                    files.push(report);
                }
                _ => {}
            }
        }
        variables.push(VariableReport {
            name: name.to_string(),
            set: value.is_some(),
            value: value.map(|v| {
                if is_proxy_variable(name) {
                    redact_proxy(v)
                } else {
                    v.to_string()
                }
            }),
            meaning: entry.meaning,
            honoured_by: entry.honoured_by,
            ignored_by: entry.ignored_by,
            files,
        });
    }
    variables
}

/// The configuration files looked for; a warning for each unreadable one.
fn audit_config_files(facts: &MachineFacts, warnings: &mut Vec<Warning>) -> Vec<ConfigReport> {
    for c in &facts.configs {
        if let Err(e) = &c.contents {
            warnings.push(Warning {
                level: Level::Warning,
                source: format!("{}: {}", c.tool, c.path.display()),
                message: format!("cannot read it ({e}), so its trust settings are unknown"),
                fix: None,
            });
        }
    }
    facts
        .configs
        .iter()
        .map(|c| ConfigReport {
            tool: c.tool,
            path: c.path.display().to_string(),
            exists: !matches!(c.contents, Ok(None)),
            error: c.contents.as_ref().err().cloned(),
        })
        .collect()
}

/// The trust settings found, with warnings for those that turn verification
/// off and for the files they name.
fn audit_settings(
    facts: &MachineFacts,
    reports: &mut Reports,
    mozilla: &MozillaDers,
    warnings: &mut Vec<Warning>,
) -> Vec<SettingReport> {
    let mut settings_out = Vec::new();
    for s in settings(facts) {
        let Some(table) = config_setting(s.tool, s.table_key) else {
            continue;
        };
        let source = format!("{} {}: {}", s.tool, s.file.display(), s.key);
        warnings.extend(setting_warnings(&s, table, &source));
        let ca_file = setting_path(&s, facts.home.as_deref()).map(|path| {
            let report = reports.get(&path, &facts.paths, mozilla);
            let usage = table.ca_file.unwrap_or(CaFileUse::Replaces);
            warnings.extend(file_warnings(&source, usage, false, &report));
            report
        });
        settings_out.push(SettingReport {
            tool: s.tool,
            file: s.file.display().to_string(),
            key: s.key,
            value: s.value,
            meaning: table.meaning,
            ca_file,
        });
    }
    settings_out
}

/// The environment warnings that bear on a `check` verdict, as warning
/// findings (never errors: they do not change the verdict). Pure.
///
/// Only variables are considered (no configuration files), and only what is
/// off, broken or surprising: CA variables with bad values or files, and
/// variables that turn verification off.
pub fn findings_for_check(facts: &MachineFacts, platform: Platform) -> Vec<Finding> {
    let facts = MachineFacts {
        configs: Vec::new(),
        ..facts.clone()
    };
    // Informational lines are left out: the notable CAs they name need
    // every certificate of a bundle read, which `check` would pay for.
    audit_with(&facts, platform, Reports::new(false))
        .warnings
        .into_iter()
        .filter(|w| w.level != Level::Info)
        .map(|w| {
            let summary = format!("{} {}", w.source, first_clause(&w.message));
            let detail = match &w.fix {
                Some(fix) => format!("{} {}. Fix: {fix}.", w.source, w.message),
                None => format!("{} {}.", w.source, w.message),
            };
            Finding::warning(FindingKind::Environment, summary, detail)
        })
        .collect()
}

fn first_clause(message: &str) -> &str {
    message.split(": ").next().unwrap_or(message)
}

#[cfg(test)]
mod tests;
