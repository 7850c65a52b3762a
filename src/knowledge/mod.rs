//! What tlsdoctor knows about client tools, as data: which trust store each
//! tool uses ([`BUNDLED_ROOT_CLIENTS`], [`OS_STORE_CLIENTS`]), which
//! environment variables each honours ([`variables`]), which configuration
//! files and keys decide trust ([`configs`]), the safe fix per tool when a
//! chain ends at a CA the tool does not trust and the tempting fixes to
//! avoid ([`remedies`]), how to spell a setting in each shell ([`shell`]),
//! and the TLS-inspecting products and compromised roots ([`interceptors`]).
//!
//! This module owns that knowledge as plain data and pure functions, so that
//! `check` (fix text), `env` (the variable audit) and `bundle` share one copy.
//! It must not do I/O, print, read the environment or the clock, or decide a
//! verdict: callers pass the [`Platform`] and the facts in a [`TrustGap`], and
//! get [`Remedy`](crate::findings::Remedy) values back for the renderers to print.
//!
//! Sources for the facts are named next to the data that relies on them.

pub mod client_remedies;
pub mod clients;
pub mod clients_python;
pub mod configs;
pub mod connection;
pub mod interceptors;
pub mod remedies;
pub mod shell;
pub mod variables;

pub use configs::{
    config_setting, location_variables, ConfigLocation, ConfigSetting, CONFIG_LOCATIONS,
    CONFIG_SETTINGS,
};
pub use remedies::{fixes_to_avoid, obtain_root, trust_remedies, truststore_alternative};
pub use shell::{bundle_lines, Shell};
pub use variables::{
    audited_names, ca_file_use, env_variable, is_proxy_variable, CaFileUse, EnvVariable, OffWhen,
    VerificationOff, BUNDLE_VARIABLES, ENV_VARIABLES, OPENSSL_PATH_VARIABLES, PROXY_PAIRS,
};

/// The platform the user runs on: remedy commands differ (bash/zsh on Linux,
/// macOS and others; PowerShell on Windows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Linux,
    MacOs,
    Windows,
    Other,
}

impl Platform {
    /// The platform this binary was built for.
    pub fn current() -> Self {
        if cfg!(target_os = "linux") {
            Platform::Linux
        } else if cfg!(target_os = "macos") {
            Platform::MacOs
        } else if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Other
        }
    }

    /// The contract name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Linux => "linux",
            Platform::MacOs => "mac_os",
            Platform::Windows => "windows",
            Platform::Other => "other",
        }
    }

    fn powershell(self) -> bool {
        self == Platform::Windows
    }
}

/// The operating system, as far as `fix`'s choice depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

/// Why the user's tools do not trust the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Situation<'a> {
    /// A TLS-inspecting product re-signed the chain (vendor when known, e.g. "Zscaler").
    Interception { vendor: Option<&'a str> },
    /// A private CA (mkcert, company CA, docker dev CA).
    PrivateCa,
    /// The server's certificate signs itself.
    SelfSigned,
}

/// What the user's tools need to trust, and where it stands now.
#[derive(Debug, Clone)]
pub struct TrustGap<'a> {
    pub situation: Situation<'a>,
    /// Common name of the CA (or self-signed leaf) to add, e.g. "Zscaler Root CA".
    pub ca_name: &'a str,
    /// True when the OS store already trusts it (IT installed the root; `mkcert -install` was run).
    pub in_os_store: bool,
    /// The target for example commands: the host, with its port when it
    /// is not 443 (`host:9443`, `[::1]:9443`), so every command runs as printed.
    pub host: &'a str,
    pub platform: Platform,
    /// True when that CA breaks Python 3.13's `VERIFY_X509_STRICT` (e.g. a root
    /// whose basicConstraints is not critical, or without AKI).
    pub strict_x509_breaks_python: bool,
}

/// The combined bundle (OS roots, including any the admin added) on Debian,
/// Ubuntu and Alpine.
pub const DEBIAN_SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
/// The same on RHEL, Fedora and CentOS.
pub const RHEL_SYSTEM_BUNDLE: &str = "/etc/pki/tls/certs/ca-bundle.crt";

/// The command that writes Mozilla's roots plus the root `host` needs, as
/// PEM. `host` keeps its port when it is not 443; a server whose own
/// certificate is the root needs `--include-self-signed`.
pub fn bundle_command(host: &str, out: &str, self_signed: bool) -> String {
    let flag = if self_signed {
        " --include-self-signed"
    } else {
        ""
    };
    format!("tlsdoctor bundle {host}{flag} --out \"{out}\"")
}

/// Clients that carry their own root list (Mozilla's, via certifi, Node's
/// built-in copy or webpki-roots; for Java, the JDK's `cacerts`): they fail on
/// a chain only the OS store trusts.
pub const BUNDLED_ROOT_CLIENTS: &[&str] = &[
    "certifi",
    "requests",
    "httpx",
    "pip before 24.2",
    "Node.js",
    "npm",
    "boto3",
    "AWS CLI",
    "Java",
    "webpki-roots",
];

/// Clients that verify against the OS store (on Linux: the system bundle).
pub const OS_STORE_CLIENTS: &[&str] = &[
    "curl",
    "browsers",
    "Go",
    "PowerShell",
    ".NET",
    "pip 24.2+",
    "truststore",
    "wget",
];

#[cfg(test)]
mod tests;
