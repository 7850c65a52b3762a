//! Tool configuration files: where each tool's user configuration lives
//! ([`CONFIG_LOCATIONS`]) and which keys in it decide trust ([`CONFIG_SETTINGS`]).
//!
//! Data and lookups only; must not read files or the environment.

use super::CaFileUse;

/// A setting in a tool's configuration file that decides trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigSetting {
    /// The tool, e.g. "git".
    pub tool: &'static str,
    /// The key as the audit reports it, e.g. "http.sslVerify".
    pub key: &'static str,
    pub meaning: &'static str,
    /// For a CA file setting, how the file is used.
    pub ca_file: Option<CaFileUse>,
    /// Values (lower case) that turn verification off.
    pub disabling_values: &'static [&'static str],
}

/// The configuration settings the `env` audit reads.
///
/// Facts: git-config(1) (http.sslVerify, http.sslCAInfo, `~` expanded);
/// pip's configuration docs (`cert`, `trusted-host`); npm's config docs
/// (`cafile` replaces Node's roots for npm, `strict-ssl`); the AWS CLI's
/// `ca_bundle`; conda's `ssl_verify` (false, or a CA bundle path); curl's
/// `.curlrc` (`insecure`, `cacert`).
pub static CONFIG_SETTINGS: &[ConfigSetting] = &[
    ConfigSetting {
        tool: "git",
        key: "http.sslCAInfo",
        meaning: "CA file for git over HTTPS; replaces git's default bundle (GIT_SSL_CAINFO overrides it).",
        ca_file: Some(CaFileUse::Replaces),
        disabling_values: &[],
    },
    ConfigSetting {
        tool: "git",
        key: "http.sslVerify",
        meaning: "false makes git accept any server certificate.",
        ca_file: None,
        disabling_values: &["false", "no", "off", "0"],
    },
    ConfigSetting {
        tool: "pip",
        key: "cert",
        meaning: "CA bundle for pip (PIP_CERT); replaces certifi for pip.",
        ca_file: Some(CaFileUse::Replaces),
        disabling_values: &[],
    },
    ConfigSetting {
        tool: "pip",
        key: "trusted-host",
        meaning: "Hosts pip talks to even without valid HTTPS: a package can be swapped in transit.",
        ca_file: None,
        disabling_values: &[],
    },
    ConfigSetting {
        tool: "npm",
        key: "cafile",
        meaning: "CA file for npm; replaces Node's bundled roots for npm (unlike NODE_EXTRA_CA_CERTS).",
        ca_file: Some(CaFileUse::Replaces),
        disabling_values: &[],
    },
    ConfigSetting {
        tool: "npm",
        key: "strict-ssl",
        meaning: "false makes npm accept any registry certificate.",
        ca_file: None,
        disabling_values: &["false"],
    },
    ConfigSetting {
        tool: "aws",
        key: "ca_bundle",
        meaning: "CA bundle for the AWS CLI and boto3 (AWS_CA_BUNDLE); replaces certifi.",
        ca_file: Some(CaFileUse::Replaces),
        disabling_values: &[],
    },
    ConfigSetting {
        tool: "conda",
        key: "ssl_verify",
        meaning: "false turns verification off for conda; a path replaces conda's CA bundle.",
        ca_file: Some(CaFileUse::Replaces),
        disabling_values: &["false", "no", "off", "0"],
    },
    ConfigSetting {
        tool: "curl",
        key: "insecure",
        meaning: "insecure (or -k) in .curlrc skips verification for every curl call.",
        ca_file: None,
        disabling_values: &["insecure"],
    },
    ConfigSetting {
        tool: "curl",
        key: "cacert",
        meaning: "CA bundle for every curl call; replaces curl's default.",
        ca_file: Some(CaFileUse::Replaces),
        disabling_values: &[],
    },
];

/// The entry for `tool`'s `key` (ASCII case-insensitive key).
pub fn config_setting(tool: &str, key: &str) -> Option<&'static ConfigSetting> {
    CONFIG_SETTINGS
        .iter()
        .find(|s| s.tool == tool && s.key.eq_ignore_ascii_case(key))
}

/// The directory a default configuration path starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// The user's home.
    Home,
    /// `XDG_CONFIG_HOME`, else `HOME/.config`.
    XdgConfig,
    /// `APPDATA` (Windows), when set.
    AppData,
}

/// Where one tool looks for its user configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigLocation {
    pub tool: &'static str,
    /// A variable that, set and non-empty, replaces the default locations.
    pub override_var: &'static str,
    /// When set, the variable names a directory and the file is this name in it.
    pub override_file: Option<&'static str>,
    /// The default locations, in the order the tool reads them.
    pub defaults: &'static [(Base, &'static [&'static str])],
}

/// Each tool's user configuration file.
///
/// Facts: git-config(1) (`GIT_CONFIG_GLOBAL`, `~/.gitconfig`,
/// `$XDG_CONFIG_HOME/git/config`); pip's configuration docs (`PIP_CONFIG_FILE`,
/// `$XDG_CONFIG_HOME/pip/pip.conf`, `~/.pip/pip.conf`, `%APPDATA%\pip\pip.ini`);
/// npm's `NPM_CONFIG_USERCONFIG`; the AWS CLI's `AWS_CONFIG_FILE`; conda's
/// `CONDARC`; curl's `CURL_HOME`.
pub static CONFIG_LOCATIONS: &[ConfigLocation] = &[
    ConfigLocation {
        tool: "git",
        override_var: "GIT_CONFIG_GLOBAL",
        override_file: None,
        defaults: &[
            (Base::Home, &[".gitconfig"]),
            (Base::XdgConfig, &["git", "config"]),
        ],
    },
    ConfigLocation {
        tool: "pip",
        override_var: "PIP_CONFIG_FILE",
        override_file: None,
        defaults: &[
            (Base::XdgConfig, &["pip", "pip.conf"]),
            (Base::Home, &[".pip", "pip.conf"]),
            (Base::AppData, &["pip", "pip.ini"]),
        ],
    },
    ConfigLocation {
        tool: "npm",
        override_var: "NPM_CONFIG_USERCONFIG",
        override_file: None,
        defaults: &[(Base::Home, &[".npmrc"])],
    },
    ConfigLocation {
        tool: "aws",
        override_var: "AWS_CONFIG_FILE",
        override_file: None,
        defaults: &[(Base::Home, &[".aws", "config"])],
    },
    ConfigLocation {
        tool: "conda",
        override_var: "CONDARC",
        override_file: None,
        defaults: &[(Base::Home, &[".condarc"])],
    },
    ConfigLocation {
        tool: "curl",
        override_var: "CURL_HOME",
        override_file: Some(".curlrc"),
        defaults: &[(Base::Home, &[".curlrc"])],
    },
];

/// The variables that move configuration files or the directories they are
/// found from (`HOME` aside): tests scrub these with [`super::audited_names`].
pub fn location_variables() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = CONFIG_LOCATIONS.iter().map(|l| l.override_var).collect();
    names.extend(["XDG_CONFIG_HOME", "APPDATA", "USERPROFILE"]);
    names
}
