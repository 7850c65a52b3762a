//! Every CA, TLS and proxy environment variable tlsdoctor knows: what it
//! does, which clients honour or ignore it, whether it names a CA file (and
//! how that file is used), and whether setting it turns verification off.
//!
//! Data and lookups only; must not read the environment.

/// An environment variable that changes CA, TLS or proxy behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVariable {
    pub name: &'static str,
    /// What it does, in one or two short sentences.
    pub meaning: &'static str,
    /// Short client names, with the condition when there is one.
    pub honoured_by: &'static [&'static str],
    pub ignored_by: &'static [&'static str],
    /// Set to the value people use, it turns verification off: when, what
    /// it does, and what to do instead.
    pub turns_off_verification: Option<VerificationOff>,
    /// When it names a CA file or directory: how the client uses it.
    pub ca_file: Option<CaFileUse>,
    /// Its file may also be a c_rehash directory (requests passes it as
    /// `ca_certs_dir`).
    pub ca_dir_accepted: bool,
}

/// Which values of a variable turn verification off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffWhen {
    /// The value is `0` (after trimming).
    Zero,
    /// Any value, even empty or `0`.
    AnyValue,
}

impl OffWhen {
    /// Whether `value` turns verification off.
    pub fn matches(self, value: &str) -> bool {
        match self {
            OffWhen::Zero => value.trim() == "0",
            OffWhen::AnyValue => true,
        }
    }
}

/// A "verification off" variable: when it is off, what that does, the fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerificationOff {
    pub when: OffWhen,
    /// Follows "is 0: " or "is set: " in the audit's warning.
    pub effect: &'static str,
    pub fix: &'static str,
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
        turns_off_verification: None,
        ca_file: Some(CaFileUse::Replaces),
        ca_dir_accepted: false,
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
        turns_off_verification: None,
        ca_file: Some(CaFileUse::Directory),
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "REQUESTS_CA_BUNDLE",
        meaning: "CA bundle (file or c_rehash directory) for requests; it replaces certifi, \
                  so it must hold the public roots too.",
        honoured_by: &["requests", "pip", "botocore (when AWS_CA_BUNDLE is unset)"],
        ignored_by: &["httpx", "urllib", "Node.js", "curl", "Go"],
        turns_off_verification: None,
        ca_file: Some(CaFileUse::Replaces),
        ca_dir_accepted: true,
    },
    EnvVariable {
        name: "CURL_CA_BUNDLE",
        meaning: "CA bundle for the curl tool, replacing its default; requests reads it too \
                  (after REQUESTS_CA_BUNDLE).",
        honoured_by: &["curl (not with Schannel)", "requests", "pip"],
        ignored_by: &["curl.exe with Schannel", "libcurl users (git, cargo)", "httpx", "Node.js"],
        turns_off_verification: None,
        ca_file: Some(CaFileUse::Replaces),
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "AWS_CA_BUNDLE",
        meaning: "CA bundle for AWS clients, same as ca_bundle in ~/.aws/config; it replaces certifi.",
        honoured_by: &["AWS CLI", "boto3/botocore", "AWS SDK for Go v2"],
        ignored_by: &["requests", "httpx", "curl"],
        turns_off_verification: None,
        ca_file: Some(CaFileUse::Replaces),
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "NODE_EXTRA_CA_CERTS",
        meaning: "PEM file added to Node's bundled roots; read once at process start, and unused \
                  by connections that pass an explicit `ca` option.",
        honoured_by: &["Node.js", "npm", "yarn"],
        ignored_by: &["Node.js run setuid root", "Python", "curl", "Go"],
        turns_off_verification: None,
        ca_file: Some(CaFileUse::Adds),
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "NODE_TLS_REJECT_UNAUTHORIZED",
        meaning: "'0' turns off certificate validation for every TLS connection of the Node process.",
        honoured_by: &["Node.js", "npm", "yarn"],
        ignored_by: &["every non-Node client"],
        turns_off_verification: Some(VerificationOff {
            when: OffWhen::Zero,
            effect: "certificate validation is off for every TLS connection of every Node.js process (npm, yarn included)",
            fix: "unset it; add the CA with NODE_EXTRA_CA_CERTS instead",
        }),
        ca_file: None,
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "NODE_USE_SYSTEM_CA",
        meaning: "'1' makes Node also trust the OS store, like --use-system-ca.",
        honoured_by: &["Node.js 22.19+ and 24.6+"],
        ignored_by: &["older Node.js"],
        turns_off_verification: None,
        ca_file: None,
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "PYTHONHTTPSVERIFY",
        meaning: "'0' makes urllib/http.client skip verification, only in Python 2.7 (PEP 493) \
                  and distro builds that patch it in.",
        honoured_by: &["Python 2.7 stdlib", "some distro Python 3 builds (stdlib only)"],
        ignored_by: &["upstream CPython 3", "requests", "httpx", "pip", "boto3"],
        turns_off_verification: Some(VerificationOff {
            when: OffWhen::Zero,
            effect: "Python 2.7 and some distro Pythons skip verification in urllib/http.client; requests, httpx, pip and boto3 ignore it",
            fix: "unset it; set REQUESTS_CA_BUNDLE/SSL_CERT_FILE to a combined bundle instead",
        }),
        ca_file: None,
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "PIP_CERT",
        meaning: "CA bundle for pip, same as --cert or `pip config set global.cert`; \
                  it replaces certifi for pip.",
        honoured_by: &["pip"],
        ignored_by: &["every other client"],
        turns_off_verification: None,
        ca_file: Some(CaFileUse::Replaces),
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "GIT_SSL_CAINFO",
        meaning: "CA file for git over HTTPS (overrides http.sslCAInfo); it replaces git's default bundle.",
        honoured_by: &["git (OpenSSL/GnuTLS backends)"],
        ignored_by: &["git with http.sslBackend=schannel (unless http.schannelUseSSLCAInfo)"],
        turns_off_verification: None,
        ca_file: Some(CaFileUse::Replaces),
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "GIT_SSL_NO_VERIFY",
        meaning: "When set (any value), git skips server certificate verification.",
        honoured_by: &["git"],
        ignored_by: &["every other client"],
        turns_off_verification: Some(VerificationOff {
            when: OffWhen::AnyValue,
            effect: "git accepts any server certificate (any value, even empty or 0, turns verification off)",
            fix: "unset it; point http.sslCAInfo or GIT_SSL_CAINFO at a combined bundle",
        }),
        ca_file: None,
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "CARGO_HTTP_CAINFO",
        meaning: "CA bundle for cargo's own HTTPS (registries, git fetches), same as http.cainfo.",
        honoured_by: &["cargo"],
        ignored_by: &["programs cargo builds (reqwest, ureq, ...)"],
        turns_off_verification: None,
        ca_file: Some(CaFileUse::Replaces),
        ca_dir_accepted: false,
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
        turns_off_verification: None,
        ca_file: None,
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "https_proxy",
        meaning: "Lower-case form of HTTPS_PROXY; curl checks it first.",
        honoured_by: &["curl", "requests", "httpx", "pip", "Go", "git"],
        ignored_by: &["Node.js (default)", "Java"],
        turns_off_verification: None,
        ca_file: None,
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "HTTP_PROXY",
        meaning: "Proxy for http:// URLs; ignored where CGI could set it from a request header (httpoxy).",
        honoured_by: &["requests", "httpx", "pip", "Go (not under CGI)"],
        ignored_by: &["curl (reads http_proxy only)", "Node.js (default)", "Java"],
        turns_off_verification: None,
        ca_file: None,
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "http_proxy",
        meaning: "Lower-case form of HTTP_PROXY, the only form curl reads.",
        honoured_by: &["curl", "git", "requests", "httpx", "pip", "Go"],
        ignored_by: &["Node.js (default)", "Java"],
        turns_off_verification: None,
        ca_file: None,
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "ALL_PROXY",
        meaning: "Proxy for every scheme without its own variable (socks5:// allowed by some clients).",
        honoured_by: &["curl", "git", "requests", "httpx"],
        ignored_by: &["Go", "Node.js"],
        turns_off_verification: None,
        ca_file: None,
        ca_dir_accepted: false,
    },
    EnvVariable {
        name: "NO_PROXY",
        meaning: "Comma-separated hosts or domains that bypass the proxy; matching rules \
                  (leading dot, '*', CIDR) differ between clients.",
        honoured_by: &["curl", "requests", "httpx", "pip", "Go", "git"],
        ignored_by: &["Java (uses -Dhttp.nonProxyHosts)"],
        turns_off_verification: None,
        ca_file: None,
        ca_dir_accepted: false,
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

/// How the variable `name` uses the file it names, when it names one (from
/// [`ENV_VARIABLES`]).
pub fn ca_file_use(name: &str) -> Option<CaFileUse> {
    ENV_VARIABLES
        .iter()
        .find(|v| v.name == name)
        .and_then(|v| v.ca_file)
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

/// Proxy variables clients read in both spellings: (upper case, lower case).
/// curl and Python prefer the lower-case one.
pub const PROXY_PAIRS: &[(&str, &str)] = &[
    ("HTTPS_PROXY", "https_proxy"),
    ("HTTP_PROXY", "http_proxy"),
    ("ALL_PROXY", "all_proxy"),
    ("NO_PROXY", "no_proxy"),
];

/// Whether `name` is a proxy variable (its value may hold credentials).
pub fn is_proxy_variable(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with("_proxy")
}

/// Every variable tlsdoctor reads and reports, in the table's order: the
/// table's, plus the lower-case proxy spellings it lists only under the
/// upper-case entry. Tests scrub exactly these from a child's environment.
pub fn audited_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = ENV_VARIABLES.iter().map(|v| v.name).collect();
    for (_, lower) in PROXY_PAIRS {
        if !names.contains(lower) {
            names.push(lower);
        }
    }
    names
}

/// The variables OpenSSL's default verify paths come from (also read by
/// rustls-native-certs, which then skips the platform store).
pub const OPENSSL_PATH_VARIABLES: &[&str] = &["SSL_CERT_FILE", "SSL_CERT_DIR"];
