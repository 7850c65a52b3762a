//! What tlsdoctor knows about client ecosystems: which trust store each tool
//! uses, which environment variables each honours, the safe fix per tool when
//! a chain ends at a CA the tool does not trust, and the tempting fixes to
//! avoid (and why).
//!
//! This module owns that knowledge as plain data and pure functions, so that
//! `check` (fix text), `env` (the variable audit) and `bundle` can share it.
//! It must not do I/O, print, read the environment or the clock, or decide a
//! verdict: callers pass the [`Platform`] and the facts in a [`TrustGap`], and
//! get [`Remedy`] values back for the renderers to print.
//!
//! Sources for the facts are named next to the data that relies on them.

use crate::findings::Remedy;

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
    /// The host checked, for example commands.
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

/// The command that writes Mozilla's roots plus the root `host` needs, as PEM.
pub fn bundle_command(host: &str, out: &str) -> String {
    format!("tlsdoctor bundle {host} --out \"{out}\"")
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

/// An environment variable that changes CA, TLS or proxy behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVariable {
    pub name: &'static str,
    /// What it does, in one or two short sentences.
    pub meaning: &'static str,
    /// Short client names, with the condition when there is one.
    pub honoured_by: &'static [&'static str],
    pub ignored_by: &'static [&'static str],
    /// True when setting it (to the value people use) turns verification off.
    pub disables_verification: bool,
}

/// Every CA/TLS/proxy variable the `env` audit knows.
///
/// Facts: OpenSSL reads `SSL_CERT_FILE` whenever it is set, even empty
/// (`by_file_ctrl`: `if (file)`); httpx reads `SSL_CERT_FILE`, else
/// `SSL_CERT_DIR` (python-httpx.org/environment_variables); requests reads
/// `REQUESTS_CA_BUNDLE` then `CURL_CA_BUNDLE` (sessions.py); botocore falls back
/// to `REQUESTS_CA_BUNDLE` (endpoint.py); Go reads the pair only in
/// `root_unix.go` (golang/go#37907); rustls-native-certs 0.8 loads only the
/// variables' paths when either is set; curl reads `CURL_CA_BUNDLE` except with
/// Schannel and `http_proxy` only in lower case (curl man page); Node's
/// `NODE_EXTRA_CA_CERTS` and `NODE_USE_SYSTEM_CA` from nodejs.org/api/cli.
pub static ENV_VARIABLES: &[EnvVariable] = &[
    EnvVariable {
        name: "SSL_CERT_FILE",
        meaning: "PEM file of trusted roots that replaces (does not extend) the default CA file. \
                  Set but empty, OpenSSL loads no roots from it.",
        honoured_by: &[
            "OpenSSL default paths (Python ssl, urllib)",
            "curl (OpenSSL builds)",
            "httpx",
            "Go on Linux/BSD",
            "rustls-native-certs (then skips the OS store)",
            "Node.js with --use-openssl-ca",
        ],
        ignored_by: &[
            "requests",
            "boto3",
            "Node.js (default)",
            "Go on macOS/Windows",
            "Java",
            "browsers",
        ],
        disables_verification: false,
    },
    EnvVariable {
        name: "SSL_CERT_DIR",
        meaning: "Directory of hashed (c_rehash) root certificates that replaces the default directory; \
                  Go and rustls-native-certs accept a ':'-separated list.",
        honoured_by: &[
            "OpenSSL default paths (Python ssl, urllib)",
            "httpx (when SSL_CERT_FILE is unset)",
            "Go on Linux/BSD",
            "rustls-native-certs (then skips the OS store)",
        ],
        ignored_by: &[
            "requests",
            "boto3",
            "Node.js (default)",
            "Go on macOS/Windows",
            "curl (when SSL_CERT_FILE is also set)",
        ],
        disables_verification: false,
    },
    EnvVariable {
        name: "REQUESTS_CA_BUNDLE",
        meaning: "CA bundle (file or c_rehash directory) for requests; it replaces certifi, \
                  so it must hold the public roots too.",
        honoured_by: &["requests", "pip", "botocore (when AWS_CA_BUNDLE is unset)"],
        ignored_by: &["httpx", "urllib", "Node.js", "curl", "Go"],
        disables_verification: false,
    },
    EnvVariable {
        name: "CURL_CA_BUNDLE",
        meaning: "CA bundle for the curl tool, replacing its default; requests reads it too \
                  (after REQUESTS_CA_BUNDLE).",
        honoured_by: &["curl (not with Schannel)", "requests", "pip"],
        ignored_by: &["curl.exe with Schannel", "libcurl users (git, cargo)", "httpx", "Node.js"],
        disables_verification: false,
    },
    EnvVariable {
        name: "AWS_CA_BUNDLE",
        meaning: "CA bundle for AWS clients, same as ca_bundle in ~/.aws/config; it replaces certifi.",
        honoured_by: &["AWS CLI", "boto3/botocore", "AWS SDK for Go v2"],
        ignored_by: &["requests", "httpx", "curl"],
        disables_verification: false,
    },
    EnvVariable {
        name: "NODE_EXTRA_CA_CERTS",
        meaning: "PEM file added to Node's bundled roots; read once at process start, and unused \
                  by connections that pass an explicit `ca` option.",
        honoured_by: &["Node.js", "npm", "yarn"],
        ignored_by: &["Node.js run setuid root", "Python", "curl", "Go"],
        disables_verification: false,
    },
    EnvVariable {
        name: "NODE_TLS_REJECT_UNAUTHORIZED",
        meaning: "'0' turns off certificate validation for every TLS connection of the Node process.",
        honoured_by: &["Node.js", "npm", "yarn"],
        ignored_by: &["every non-Node client"],
        disables_verification: true,
    },
    EnvVariable {
        name: "NODE_USE_SYSTEM_CA",
        meaning: "'1' makes Node also trust the OS store, like --use-system-ca.",
        honoured_by: &["Node.js 22.19+ and 24.6+"],
        ignored_by: &["older Node.js"],
        disables_verification: false,
    },
    EnvVariable {
        name: "PYTHONHTTPSVERIFY",
        meaning: "'0' makes urllib/http.client skip verification, only in Python 2.7 (PEP 493) \
                  and distro builds that patch it in.",
        honoured_by: &["Python 2.7 stdlib", "some distro Python 3 builds (stdlib only)"],
        ignored_by: &["upstream CPython 3", "requests", "httpx", "pip", "boto3"],
        disables_verification: true,
    },
    EnvVariable {
        name: "PIP_CERT",
        meaning: "CA bundle for pip, same as --cert or `pip config set global.cert`; \
                  it replaces certifi for pip.",
        honoured_by: &["pip"],
        ignored_by: &["every other client"],
        disables_verification: false,
    },
    EnvVariable {
        name: "GIT_SSL_CAINFO",
        meaning: "CA file for git over HTTPS (overrides http.sslCAInfo); it replaces git's default bundle.",
        honoured_by: &["git (OpenSSL/GnuTLS backends)"],
        ignored_by: &["git with http.sslBackend=schannel (unless http.schannelUseSSLCAInfo)"],
        disables_verification: false,
    },
    EnvVariable {
        name: "GIT_SSL_NO_VERIFY",
        meaning: "When set (any value), git skips server certificate verification.",
        honoured_by: &["git"],
        ignored_by: &["every other client"],
        disables_verification: true,
    },
    EnvVariable {
        name: "CARGO_HTTP_CAINFO",
        meaning: "CA bundle for cargo's own HTTPS (registries, git fetches), same as http.cainfo.",
        honoured_by: &["cargo"],
        ignored_by: &["programs cargo builds (reqwest, ureq, ...)"],
        disables_verification: false,
    },
    EnvVariable {
        name: "HTTPS_PROXY",
        meaning: "Proxy for https:// URLs; where both cases are set, curl prefers https_proxy.",
        honoured_by: &[
            "curl",
            "requests",
            "httpx",
            "pip",
            "boto3",
            "Go",
            "git",
            "Node.js with NODE_USE_ENV_PROXY=1 (22.21+, 24.5+)",
        ],
        ignored_by: &["Node.js (default)", "Java (uses -Dhttps.proxyHost)"],
        disables_verification: false,
    },
    EnvVariable {
        name: "https_proxy",
        meaning: "Lower-case form of HTTPS_PROXY; curl checks it first.",
        honoured_by: &["curl", "requests", "httpx", "pip", "Go", "git"],
        ignored_by: &["Node.js (default)", "Java"],
        disables_verification: false,
    },
    EnvVariable {
        name: "HTTP_PROXY",
        meaning: "Proxy for http:// URLs; ignored where CGI could set it from a request header (httpoxy).",
        honoured_by: &["requests", "httpx", "pip", "Go (not under CGI)"],
        ignored_by: &["curl (reads http_proxy only)", "Node.js (default)", "Java"],
        disables_verification: false,
    },
    EnvVariable {
        name: "http_proxy",
        meaning: "Lower-case form of HTTP_PROXY, the only form curl reads.",
        honoured_by: &["curl", "git", "requests", "httpx", "pip", "Go"],
        ignored_by: &["Node.js (default)", "Java"],
        disables_verification: false,
    },
    EnvVariable {
        name: "ALL_PROXY",
        meaning: "Proxy for every scheme without its own variable (socks5:// allowed by some clients).",
        honoured_by: &["curl", "git", "requests", "httpx"],
        ignored_by: &["Go", "Node.js"],
        disables_verification: false,
    },
    EnvVariable {
        name: "NO_PROXY",
        meaning: "Comma-separated hosts or domains that bypass the proxy; matching rules \
                  (leading dot, '*', CIDR) differ between clients.",
        honoured_by: &["curl", "requests", "httpx", "pip", "Go", "git"],
        ignored_by: &["Java (uses -Dhttp.nonProxyHosts)"],
        disables_verification: false,
    },
];

/// The entry for `name`: exact match first, then (for `*_PROXY` variables,
/// whose case varies) a case-insensitive one.
pub fn env_variable(name: &str) -> Option<&'static EnvVariable> {
    ENV_VARIABLES.iter().find(|v| v.name == name).or_else(|| {
        if name.to_ascii_uppercase().ends_with("_PROXY") {
            ENV_VARIABLES
                .iter()
                .find(|v| v.name.eq_ignore_ascii_case(name))
        } else {
            None
        }
    })
}

fn remedy(ecosystem: &str, action: String, commands: Vec<String>) -> Remedy {
    Remedy {
        ecosystem: ecosystem.to_string(),
        action,
        commands,
        avoid: false,
    }
}

fn avoid(ecosystem: &str, action: &str, commands: &[&str]) -> Remedy {
    Remedy {
        ecosystem: ecosystem.to_string(),
        action: action.to_string(),
        commands: commands.iter().map(|c| c.to_string()).collect(),
        avoid: true,
    }
}

/// A file name for the CA's PEM: "Zscaler Root CA" → "zscaler-root-ca".
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "ca".to_string()
    } else {
        out.chars().take(48).collect()
    }
}

/// Single-quoted literal for the platform's shell.
fn quote(platform: Platform, s: &str) -> String {
    if platform.powershell() {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `host:port` for `openssl s_client`: 443 unless the host names a port.
fn connect_target(host: &str) -> String {
    if host.starts_with('[') {
        if host.contains("]:") {
            host.to_string()
        } else {
            format!("{host}:443")
        }
    } else if host.matches(':').count() > 1 {
        format!("[{host}]:443")
    } else if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:443")
    }
}

/// How a set of commands is spelled on one platform, and where files go.
struct Ctx<'g, 'a> {
    gap: &'g TrustGap<'a>,
    p: Platform,
    /// The OS store trusts the CA, or will once the first remedy is done.
    os_ok: bool,
    /// The CA's PEM alone.
    root: String,
    /// Public roots plus the CA, as one PEM.
    bundle: String,
    /// On Linux the system bundle already is the combined bundle.
    system_bundle: bool,
    slug: String,
}

impl<'g, 'a> Ctx<'g, 'a> {
    fn new(gap: &'g TrustGap<'a>) -> Self {
        let p = gap.platform;
        let self_signed = gap.situation == Situation::SelfSigned;
        let os_ok = gap.in_os_store || !self_signed;
        let slug = slug(gap.ca_name);
        let sep = if p.powershell() { '\\' } else { '/' };
        let mkcert = gap.ca_name.to_ascii_lowercase().starts_with("mkcert");
        let root = if mkcert && gap.in_os_store {
            format!("$(mkcert -CAROOT){sep}rootCA.pem")
        } else {
            format!("$HOME{sep}certs{sep}{slug}.pem")
        };
        let system_bundle = p == Platform::Linux && os_ok;
        let bundle = if system_bundle {
            DEBIAN_SYSTEM_BUNDLE.to_string()
        } else {
            format!("$HOME{sep}certs{sep}ca-bundle.pem")
        };
        Ctx {
            gap,
            p,
            os_ok,
            root,
            bundle,
            system_bundle,
            slug,
        }
    }

    fn set_env(&self, name: &str, value: &str) -> String {
        if self.p.powershell() {
            format!("$env:{name} = \"{value}\"")
        } else {
            format!("export {name}=\"{value}\"")
        }
    }

    fn python(&self) -> &'static str {
        if self.p.powershell() {
            "python"
        } else {
            "python3"
        }
    }

    fn mkdir_certs(&self) -> String {
        if self.p.powershell() {
            "New-Item -ItemType Directory -Force \"$HOME\\certs\" | Out-Null".to_string()
        } else {
            "mkdir -p \"$HOME/certs\"".to_string()
        }
    }

    fn ca(&self) -> &str {
        self.gap.ca_name
    }

    /// Commands that add the root to the OS store.
    fn install_commands(&self) -> Vec<String> {
        let root = &self.root;
        match self.p {
            Platform::Linux => vec![
                format!(
                    "sudo cp \"{root}\" /usr/local/share/ca-certificates/{}.crt && sudo update-ca-certificates",
                    self.slug
                ),
                format!(
                    "# RHEL/Fedora: sudo cp \"{root}\" /etc/pki/ca-trust/source/anchors/ && sudo update-ca-trust"
                ),
            ],
            Platform::MacOs => vec![format!(
                "sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain \"{root}\""
            )],
            Platform::Windows => vec![format!("certutil -addstore Root \"{root}\"  # elevated PowerShell")],
            Platform::Other => vec![format!("# add \"{root}\" to the system trust store")],
        }
    }

    /// Commands that write the CA's PEM, exported from the OS store, to `root`.
    fn export_commands(&self) -> Vec<String> {
        let root = &self.root;
        let name = self.ca();
        match self.p {
            Platform::Linux => vec![
                self.mkdir_certs(),
                format!(
                    "openssl crl2pkcs7 -nocrl -certfile {DEBIAN_SYSTEM_BUNDLE} | openssl pkcs7 -print_certs \
                     | awk -v cn={} '/^subject=/ && (index($0, \"CN = \" cn) || index($0, \"CN=\" cn)) {{p=1}} \
                     p && /BEGIN CERT/ {{q=1}} q; q && /END CERT/ {{exit}}' > \"{root}\"",
                    quote(self.p, name)
                ),
            ],
            Platform::MacOs => vec![
                self.mkdir_certs(),
                format!(
                    "security find-certificate -a -p -c {} /Library/Keychains/System.keychain > \"{root}\"",
                    quote(self.p, name)
                ),
            ],
            Platform::Windows => vec![
                self.mkdir_certs(),
                format!(
                    "$c = Get-ChildItem Cert:\\LocalMachine\\Root, Cert:\\CurrentUser\\Root \
                     | Where-Object {{ $_.Subject.Contains({}) }} | Select-Object -First 1",
                    quote(self.p, &format!("CN={name}"))
                ),
                format!(
                    "Set-Content -Encoding ascii \"{root}\" (\"-----BEGIN CERTIFICATE-----`n\" + \
                     [Convert]::ToBase64String($c.RawData, 'InsertLineBreaks') + \"`n-----END CERTIFICATE-----\")"
                ),
            ],
            Platform::Other => vec![format!("# export {name} from the OS store as PEM to \"{root}\"")],
        }
    }

    /// Commands that save the server's self-signed certificate to `root`.
    fn fetch_leaf_commands(&self) -> Vec<String> {
        let host = self.gap.host;
        let target = connect_target(host);
        let sni = host
            .trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or(host);
        let sni = if host.starts_with('[') || host.matches(':').count() > 1 {
            sni.to_string()
        } else {
            sni.split(':').next().unwrap_or(sni).to_string()
        };
        let fetch = if self.p.powershell() {
            format!(
                "$null | openssl s_client -connect {target} -servername {sni} 2>$null | openssl x509 -out \"{}\"",
                self.root
            )
        } else {
            format!(
                "openssl s_client -connect {target} -servername {sni} </dev/null 2>/dev/null | openssl x509 -out \"{}\"",
                self.root
            )
        };
        vec![self.mkdir_certs(), fetch]
    }
}

/// Safe fixes, one [`Remedy`] per ecosystem (after one or two shared first
/// steps: get the CA's PEM, build a combined bundle), most common first.
/// None has `avoid` set; see [`fixes_to_avoid`] for those.
pub fn trust_remedies(gap: &TrustGap) -> Vec<Remedy> {
    let c = Ctx::new(gap);
    let mut out = Vec::new();
    if gap.situation == Situation::SelfSigned {
        out.push(mkcert_instead(&c));
    }
    out.push(first_step(&c));
    if !c.system_bundle {
        out.push(combined_bundle(&c));
    }
    out.push(python(&c));
    if gap.strict_x509_breaks_python {
        out.push(python_strict(&c));
    }
    out.push(node(&c));
    out.push(curl(&c));
    out.push(git(&c));
    out.push(aws(&c));
    out.push(pip(&c));
    out.push(java(&c));
    out.push(go(&c));
    out.push(rust(&c));
    out.push(docker(&c));
    out
}

fn mkcert_instead(c: &Ctx) -> Remedy {
    let host = c.gap.host;
    let sep = if c.p.powershell() { '\\' } else { '/' };
    remedy(
        "Better fix",
        "Issue the server's certificate from a local CA instead (mkcert) and trust that CA once: \
         pinning a self-signed certificate in every tool breaks again at each renewal."
            .to_string(),
        vec![
            "mkcert -install".to_string(),
            format!("mkcert {host}  # serve {host}.pem with {host}-key.pem"),
            c.set_env(
                "NODE_EXTRA_CA_CERTS",
                &format!("$(mkcert -CAROOT){sep}rootCA.pem"),
            ),
        ],
    )
}

/// Get the PEM, and install it in the OS store when it is not there yet.
fn first_step(c: &Ctx) -> Remedy {
    let ca = c.ca();
    let gap = c.gap;
    let owner = match gap.situation {
        Situation::Interception { vendor: Some(v) } => format!("IT (it runs {v})"),
        Situation::Interception { vendor: None } => "IT (whoever runs the proxy)".to_string(),
        _ if ca.to_ascii_lowercase().starts_with("mkcert") => {
            "the machine that issued the certificate (`mkcert -CAROOT`; there `mkcert -install` is enough)"
                .to_string()
        }
        _ => "whoever runs the CA".to_string(),
    };
    match (gap.situation, gap.in_os_store) {
        (Situation::SelfSigned, _) => remedy(
            "Certificate file",
            format!(
                "Save the server's self-signed certificate ({ca}); each tool below trusts it like a CA root."
            ),
            c.fetch_leaf_commands(),
        ),
        (_, false) => {
            let mut cmds = vec![c.mkdir_certs()];
            cmds.extend(c.install_commands());
            remedy(
                "OS trust store",
                format!(
                    "Get {ca} (PEM) from {owner}, save it as \"{}\", and install it in the OS store.",
                    c.root
                ),
                cmds,
            )
        }
        (_, true) => {
            let action = match c.p {
                Platform::Linux => format!(
                    "{ca} is in the system bundle {DEBIAN_SYSTEM_BUNDLE} (RHEL: {RHEL_SYSTEM_BUNDLE}), \
                     which also holds the public roots. Tools that need the root alone (keytool) can extract it with the command below."
                ),
                Platform::MacOs => format!("Export {ca} from the System keychain as PEM:"),
                Platform::Windows => format!("Export {ca} from the Windows store as PEM:"),
                Platform::Other => format!("Export {ca} from the OS store as PEM:"),
            };
            let cmds = if c.root.starts_with("$(mkcert") {
                vec!["mkcert -CAROOT  # rootCA.pem there is the root".to_string()]
            } else {
                c.export_commands()
            };
            remedy("Certificate file", action, cmds)
        }
    }
}

fn combined_bundle(c: &Ctx) -> Remedy {
    let root = &c.root;
    let bundle = &c.bundle;
    let append = if c.p.powershell() {
        format!("Get-Content (python -m certifi), \"{root}\" | Set-Content -Encoding ascii \"{bundle}\"")
    } else {
        format!("cat \"$(python3 -m certifi)\" \"{root}\" > \"{bundle}\"")
    };
    remedy(
        "Combined bundle",
        format!(
            "Tools whose CA file replaces their roots (requests, pip, AWS CLI, git) need Mozilla's roots plus {} \
             in one PEM: `tlsdoctor bundle` writes it, or append the root to certifi's copy.",
            c.ca()
        ),
        vec![bundle_command(c.gap.host, bundle), append],
    )
}

fn python(c: &Ctx) -> Remedy {
    let py = c.python();
    let mut cmds = Vec::new();
    let action = if c.os_ok {
        cmds.push(format!(
            "{py} -m pip install --cert \"{}\" truststore",
            c.bundle
        ));
        cmds.push("# at startup: import truststore; truststore.inject_into_ssl()".to_string());
        "On Python 3.10+ use the OS store with truststore; or set REQUESTS_CA_BUNDLE (requests) and \
         SSL_CERT_FILE (httpx, urllib) to the combined bundle, never the root alone: each replaces certifi."
    } else {
        "Set REQUESTS_CA_BUNDLE (requests) and SSL_CERT_FILE (httpx, urllib) to the combined bundle, \
         never the certificate alone: each replaces certifi."
    };
    cmds.push(c.set_env("REQUESTS_CA_BUNDLE", &c.bundle));
    cmds.push(c.set_env("SSL_CERT_FILE", &c.bundle));
    remedy("Python (requests, httpx, pip)", action.to_string(), cmds)
}

fn python_strict(c: &Ctx) -> Remedy {
    remedy(
        "Python 3.13+",
        format!(
            "{} breaks VERIFY_X509_STRICT, which ssl.create_default_context() (and urllib3) enable since \
             Python 3.13, so trusting it is not enough: use truststore, or clear the flag (your context then \
             also accepts other non-RFC 5280 certificates), or ask its owner for a compliant root.",
            c.ca()
        ),
        vec![
            "ctx = ssl.create_default_context(); ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT  # roots: SSL_CERT_FILE"
                .to_string(),
            "httpx.Client(verify=ctx)  # requests: an HTTPAdapter that passes ssl_context=ctx".to_string(),
        ],
    )
}

fn node(c: &Ctx) -> Remedy {
    // On Linux the system bundle is a valid NODE_EXTRA_CA_CERTS file (it only adds roots).
    let extra = if c.system_bundle { &c.bundle } else { &c.root };
    let mut cmds = vec![c.set_env("NODE_EXTRA_CA_CERTS", extra)];
    let action = if c.os_ok {
        cmds.push(format!(
            "{}  # Node 22.19+/24.6+, or node --use-system-ca",
            c.set_env("NODE_USE_SYSTEM_CA", "1")
        ));
        format!(
            "Add {} with NODE_EXTRA_CA_CERTS (read at start, added to Node's roots; npm too), \
             or make Node trust the OS store with NODE_USE_SYSTEM_CA=1.",
            c.ca()
        )
    } else {
        format!(
            "Add {} with NODE_EXTRA_CA_CERTS (read at start, added to Node's roots; npm too).",
            c.ca()
        )
    };
    remedy("Node.js (npm)", action, cmds)
}

fn curl(c: &Ctx) -> Remedy {
    let host = c.gap.host;
    let exe = if c.p.powershell() { "curl.exe" } else { "curl" };
    let null = if c.p.powershell() { "NUL" } else { "/dev/null" };
    let check = format!("{exe} -sS -o {null} -w '%{{http_code}}\\n' https://{host}/");
    if c.os_ok {
        let when = if c.gap.in_os_store {
            "already"
        } else {
            "once it is installed"
        };
        let mut cmds = vec![check];
        let action = match c.p {
            Platform::Linux => format!("curl reads the system bundle, so it trusts it {when}."),
            Platform::Windows => {
                format!("curl.exe uses Schannel and the Windows store, so it trusts it {when}.")
            }
            Platform::MacOs => {
                cmds.push(c.set_env("CURL_CA_BUNDLE", &c.bundle));
                format!(
                    "Apple's /usr/bin/curl trusts the System keychain ({when}); other builds (Homebrew) need CURL_CA_BUNDLE."
                )
            }
            Platform::Other => {
                cmds.push(c.set_env("CURL_CA_BUNDLE", &c.bundle));
                "curl builds that read the OS store trust it; others need CURL_CA_BUNDLE."
                    .to_string()
            }
        };
        remedy("curl", action, cmds)
    } else {
        let mut cmds = vec![format!("{exe} --cacert \"{}\" https://{host}/", c.root)];
        let action = if c.p.powershell() {
            "Pass the certificate with --cacert (Schannel ignores CURL_CA_BUNDLE)."
        } else {
            cmds.push(c.set_env("CURL_CA_BUNDLE", &c.bundle));
            "Pass the certificate with --cacert, or set CURL_CA_BUNDLE to the combined bundle."
        };
        remedy("curl", action.to_string(), cmds)
    }
}

fn git(c: &Ctx) -> Remedy {
    if c.p.powershell() && c.os_ok {
        return remedy(
            "git",
            "Make git use the Windows store (Schannel) instead of its own CA file.".to_string(),
            vec!["git config --global http.sslBackend schannel".to_string()],
        );
    }
    remedy(
        "git",
        "http.sslCAInfo replaces git's CA file, so point it at the combined bundle \
         (GIT_SSL_CAINFO for one command)."
            .to_string(),
        vec![format!(
            "git config --global http.sslCAInfo \"{}\"",
            c.bundle
        )],
    )
}

fn aws(c: &Ctx) -> Remedy {
    remedy(
        "AWS CLI / boto3",
        "AWS_CA_BUNDLE (or ca_bundle in ~/.aws/config) replaces certifi, so give it the combined bundle."
            .to_string(),
        vec![
            c.set_env("AWS_CA_BUNDLE", &c.bundle),
            format!("aws configure set ca_bundle \"{}\"", c.bundle),
        ],
    )
}

fn pip(c: &Ctx) -> Remedy {
    let py = c.python();
    let mut cmds = Vec::new();
    let action = if c.os_ok {
        cmds.push(format!(
            "{py} -m pip install --upgrade --cert \"{}\" pip",
            c.bundle
        ));
        "pip 24.2+ on Python 3.10+ also trusts the OS store (truststore), so upgrading is enough; \
         otherwise set global.cert (PIP_CERT) to the combined bundle."
    } else {
        "Set pip's global.cert (PIP_CERT) to the combined bundle; it replaces certifi for pip."
    };
    cmds.push(format!(
        "{py} -m pip config set global.cert \"{}\"",
        c.bundle
    ));
    remedy("pip", action.to_string(), cmds)
}

fn java(c: &Ctx) -> Remedy {
    let mut cmds = vec![format!(
        "keytool -importcert -cacerts -alias {} -file \"{}\" -storepass changeit -noprompt",
        c.slug, c.root
    )];
    if c.p.powershell() && c.os_ok {
        cmds.push(c.set_env(
            "JAVA_TOOL_OPTIONS",
            "-Djavax.net.ssl.trustStoreType=Windows-ROOT",
        ));
    }
    remedy(
        "Java",
        "Java trusts the JDK's cacerts (distro OpenJDK on Linux: the OS store): import the root with keytool \
         (JDK 9+; needs write access to the JDK, and again after a JDK update)."
            .to_string(),
        cmds,
    )
}

fn go(c: &Ctx) -> Remedy {
    if c.os_ok {
        return remedy(
            "Go",
            "Go verifies with the OS store (the platform verifier on macOS and Windows), \
             so Go programs trust it once the OS does."
                .to_string(),
            Vec::new(),
        );
    }
    match c.p {
        Platform::Linux | Platform::Other => remedy(
            "Go",
            "Go reads SSL_CERT_FILE only on Linux/BSD, and it replaces the system file: use the combined bundle."
                .to_string(),
            vec![c.set_env("SSL_CERT_FILE", &c.bundle)],
        ),
        _ => remedy(
            "Go",
            "Go ignores SSL_CERT_FILE here: add the certificate to the OS store or to tls.Config.RootCAs."
                .to_string(),
            Vec::new(),
        ),
    }
}

fn rust(c: &Ctx) -> Remedy {
    remedy(
        "Rust (reqwest, cargo)",
        "reqwest 0.13's default (rustls-platform-verifier) and 0.12's native-tls or rustls-tls-native-roots \
         use the OS store, webpki-roots never does; cargo takes CARGO_HTTP_CAINFO."
            .to_string(),
        vec![
            "reqwest = \"0.13\"  # Cargo.toml; 0.12: features = [\"rustls-tls-native-roots\"]".to_string(),
            c.set_env("CARGO_HTTP_CAINFO", &c.bundle),
        ],
    )
}

fn docker(c: &Ctx) -> Remedy {
    let s = &c.slug;
    let copy = if c.p.powershell() {
        format!(
            "Copy-Item \"{}\" .\\{s}.crt  # into the build context",
            c.root
        )
    } else {
        format!("cp \"{}\" ./{s}.crt  # into the build context", c.root)
    };
    remedy(
        "Docker / containers",
        "An image has its own store: copy the root in as .crt, run update-ca-certificates \
         (Alpine: apk add ca-certificates), and point certifi and Node users at it."
            .to_string(),
        vec![
            copy,
            format!("COPY {s}.crt /usr/local/share/ca-certificates/{s}.crt"),
            "RUN update-ca-certificates".to_string(),
            format!(
                "ENV REQUESTS_CA_BUNDLE={DEBIAN_SYSTEM_BUNDLE} NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/{s}.crt"
            ),
        ],
    )
}

/// How a CA-file variable or setting uses its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaFileUse {
    /// The file replaces the tool's default roots: it must hold the public roots too.
    Replaces,
    /// The file is added to the tool's default roots: the extra root alone is right.
    Adds,
    /// A directory (or path list) of hashed certificates that replaces the default one.
    Directory,
}

/// How the variable `name` uses the file it names, when it names one.
///
/// Facts: as for [`ENV_VARIABLES`]; `REQUESTS_CA_BUNDLE` may also name a
/// c_rehash directory (requests passes it as `ca_certs_dir`), which the audit
/// accepts.
pub fn ca_file_use(name: &str) -> Option<CaFileUse> {
    match name {
        "SSL_CERT_FILE" | "REQUESTS_CA_BUNDLE" | "CURL_CA_BUNDLE" | "AWS_CA_BUNDLE"
        | "PIP_CERT" | "GIT_SSL_CAINFO" | "CARGO_HTTP_CAINFO" => Some(CaFileUse::Replaces),
        "NODE_EXTRA_CA_CERTS" => Some(CaFileUse::Adds),
        "SSL_CERT_DIR" => Some(CaFileUse::Directory),
        _ => None,
    }
}

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

/// A shell the user types environment settings into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shell {
    /// bash, zsh, sh.
    Posix,
    Fish,
    PowerShell,
    /// Windows cmd.exe.
    Cmd,
}

impl Shell {
    /// Every shell, in the order lines are printed.
    pub const ALL: [Shell; 4] = [Shell::Posix, Shell::Fish, Shell::PowerShell, Shell::Cmd];

    /// The heading for its lines.
    pub fn label(self) -> &'static str {
        match self {
            Shell::Posix => "bash/zsh",
            Shell::Fish => "fish",
            Shell::PowerShell => "PowerShell",
            Shell::Cmd => "cmd",
        }
    }

    /// The line that sets `name` to the literal `value` for this session.
    pub fn set_env(self, name: &str, value: &str) -> String {
        match self {
            Shell::Posix => format!("export {name}={}", quote(Platform::Linux, value)),
            Shell::Fish => format!(
                "set -gx {name} '{}'",
                value.replace('\\', "\\\\").replace('\'', "\\'")
            ),
            Shell::PowerShell => format!("$env:{name} = {}", quote(Platform::Windows, value)),
            Shell::Cmd => format!("set \"{name}={value}\""),
        }
    }
}

/// The variables that point the common clients at one combined bundle
/// (Mozilla's roots plus the extra root), in the order printed: OpenSSL and
/// httpx, requests, Node, AWS, git, pip, cargo.
pub const BUNDLE_VARIABLES: &[&str] = &[
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "AWS_CA_BUNDLE",
    "GIT_SSL_CAINFO",
    "PIP_CERT",
    "CARGO_HTTP_CAINFO",
];

/// The lines that make `shell`'s tools use the bundle at `path`.
pub fn bundle_lines(shell: Shell, path: &str) -> Vec<String> {
    BUNDLE_VARIABLES
        .iter()
        .map(|name| shell.set_env(name, path))
        .collect()
}

/// Python's alternative to a bundle file: truststore makes `ssl` (requests,
/// httpx, pip, urllib3) verify with the OS store, injected at every start
/// through `sitecustomize.py`. It needs the root in the OS store and Python 3.10+.
pub fn truststore_alternative(platform: Platform) -> Remedy {
    let py = if platform.powershell() {
        "python"
    } else {
        "python3"
    };
    remedy(
        "Python (instead of a bundle)",
        "On Python 3.10+, truststore makes every ssl client (requests, httpx, pip, urllib3) use the OS store, \
         which already holds the root; sitecustomize.py runs it at every start of that Python."
            .to_string(),
        vec![
            format!("{py} -m pip install truststore"),
            format!(
                "{py} -c \"import sysconfig, pathlib; p = pathlib.Path(sysconfig.get_paths()['purelib'], 'sitecustomize.py'); \
                 p.open('a').write('\\nimport truststore\\ntruststore.inject_into_ssl()\\n'); print(p)\""
            ),
        ],
    )
}

/// How to get the root the user's tools need when no store here has it:
/// the first safe step of [`trust_remedies`] for a root not yet installed.
pub fn obtain_root(gap: &TrustGap) -> Remedy {
    let gap = TrustGap {
        in_os_store: false,
        ..gap.clone()
    };
    first_step(&Ctx::new(&gap))
}

/// The tempting fixes that are wrong or dangerous, each with `avoid: true`
/// and the reason in `action`; `commands` shows what not to run.
///
/// Facts: PEP 493 (PYTHONHTTPSVERIFY is a Python 2.7 feature; CPython 3's
/// ssl.py has no such variable); OpenSSL `by_file_ctrl` (a set-but-empty
/// SSL_CERT_FILE is loaded as a file name); rustls-native-certs 0.8
/// `CertPaths::from_env`; `load_verify_locations("/dev/null")` fails with
/// "no certificate or crl found"; Node's warning text for
/// NODE_TLS_REJECT_UNAUTHORIZED; pip's --trusted-host help ("even though it
/// does not have valid or any HTTPS"); Node's `ca` option replacing the
/// default roots (nodejs.org/api/cli, NODE_EXTRA_CA_CERTS).
pub fn fixes_to_avoid() -> Vec<Remedy> {
    vec![
        avoid(
            "Python (requests, httpx)",
            "verify=False turns off certificate and hostname checks: whoever sits on the path can read and change \
             the traffic; trust the CA instead.",
            &["requests.get(url, verify=False)", "httpx.Client(verify=False)"],
        ),
        avoid(
            "Python",
            "PYTHONHTTPSVERIFY=0 only exists in Python 2.7 (PEP 493) and some distro builds, and there only \
             disables urllib/http.client checks: requests, httpx, pip and boto3 never read it.",
            &["export PYTHONHTTPSVERIFY=0"],
        ),
        avoid(
            "SSL_CERT_FILE",
            "An empty SSL_CERT_FILE does not mean 'default': OpenSSL (Python's ssl, curl) loads no roots from it \
             and rustls-native-certs errors and skips the OS store; unset it instead.",
            &["export SSL_CERT_FILE=\"\""],
        ),
        avoid(
            "SSL_CERT_FILE, REQUESTS_CA_BUNDLE, AWS_CA_BUNDLE",
            "Pointing these at the root alone replaces every public root for the clients that read them \
             (httpx, requests, boto3, Go on Linux), so every other HTTPS site fails; use a combined bundle.",
            &["export REQUESTS_CA_BUNDLE=\"$HOME/certs/root-only.pem\""],
        ),
        avoid(
            "AWS CLI / boto3",
            "AWS_CA_BUNDLE=/dev/null does not disable verification: botocore loads it as the only roots and OpenSSL \
             rejects the empty file, so every call fails (--no-verify-ssl does disable it, which is worse).",
            &["export AWS_CA_BUNDLE=/dev/null"],
        ),
        avoid(
            "Node.js",
            "NODE_TLS_REJECT_UNAUTHORIZED=0 disables certificate validation for every TLS connection of the process \
             (Node warns so); use NODE_EXTRA_CA_CERTS.",
            &["export NODE_TLS_REJECT_UNAUTHORIZED=0"],
        ),
        avoid(
            "curl",
            "-k/--insecure skips verification of the server's certificate and name, so anyone can impersonate the \
             server (and 'insecure' in ~/.curlrc does it for every call); use --cacert.",
            &["curl -k https://example.com/"],
        ),
        avoid(
            "git",
            "http.sslVerify=false or GIT_SSL_NO_VERIFY makes git accept any certificate, so a man in the middle can \
             serve altered code and capture credentials; use http.sslCAInfo or Schannel.",
            &["git config --global http.sslVerify false", "export GIT_SSL_NO_VERIFY=1"],
        ),
        avoid(
            "pip",
            "--trusted-host makes pip trust the host 'even though it does not have valid or any HTTPS', so a package \
             can be swapped in transit; use --cert with a combined bundle or pip 24.2+.",
            &["pip install --trusted-host pypi.org --trusted-host files.pythonhosted.org PACKAGE"],
        ),
        avoid(
            "npm",
            "strict-ssl=false makes npm accept any registry certificate, so a tampered package installs silently; \
             use NODE_EXTRA_CA_CERTS, or cafile with a combined bundle (it replaces Node's roots).",
            &["npm config set strict-ssl false"],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(
        situation: Situation<'static>,
        platform: Platform,
        in_os_store: bool,
    ) -> TrustGap<'static> {
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
            bundle_command("h", "o.pem"),
            "tlsdoctor bundle h --out \"o.pem\""
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
            .filter(|v| v.disables_verification)
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
}
