//! Knowledge of clients: where each client, at its version and on this
//! platform, gets its roots from this environment (its trust source), which
//! verification engine it uses, and the words it prints when it refuses.
//!
//! Pure: it reads the facts discovery gathered, never the machine. It says
//! nothing about any particular chain (that is Diagnose).

use std::path::PathBuf;

pub use crate::client_facts::Source;
use crate::client_facts::{ClientFacts, ClientId, PythonFacts};
use crate::knowledge::Platform;

use super::clients_python as python;

/// How a client verifies, where engines differ (DESIGN.md, Your tools).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// OpenSSL: rejects an expired root, accepts a leaf that is itself in the store.
    OpenSsl,
    /// GnuTLS (Debian's git): rejects an expired root, stops at any trusted certificate.
    GnuTls,
    /// rustls/webpki: ignores a root's dates, refuses a CA certificate as leaf.
    Rustls,
    /// Java PKIX: ignores a root's dates, stops at any trusted certificate.
    Java,
    /// Go crypto/x509: checks every certificate's dates, stops at any trusted one.
    Go,
}

/// An engine and the flags the client sets on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Semantics {
    pub engine: Engine,
    /// Python 3.13+ `VERIFY_X509_STRICT`.
    pub strict: bool,
    /// `VERIFY_X509_PARTIAL_CHAIN` (or the engine's own equivalent).
    pub partial_chain: bool,
}

/// How one client gets its roots here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientTrust {
    pub sources: Vec<Source>,
    /// The trust source in words, e.g. `REQUESTS_CA_BUNDLE=/etc/ssl/ca.pem`.
    pub label: String,
    pub semantics: Semantics,
    /// Verification is switched off, and by what.
    pub disabled: Option<String>,
    /// The trust source cannot be told from files, and why.
    pub unknown: Option<String>,
    /// What a setting in place really does for this client.
    pub notes: Vec<String>,
}

/// Where the platform keeps its bundle file (the first that exists is used).
pub const PLATFORM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// Debian's `ca-certificates-java` keystore, built from the OS store.
pub const DEBIAN_JAVA_CACERTS: &str = "/etc/ssl/certs/java/cacerts";

/// The platform's hashed certificate directory.
pub const PLATFORM_CERT_DIR: &str = "/etc/ssl/certs";

/// Facts trust resolution needs beyond the client's own.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub platform: Platform,
    pub vars: &'a std::collections::BTreeMap<String, String>,
    /// The platform bundle file, when one exists.
    pub platform_bundle: Option<PathBuf>,
    /// Debian's Java keystore is built from the OS store.
    pub java_cacerts_from_os: bool,
    /// The node found on PATH (its version), for npm.
    pub node_version: Option<String>,
    /// The URL being checked, for git's per-URL sections.
    pub url: String,
}

impl Context<'_> {
    pub(crate) fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
    pub(crate) fn nonempty(&self, name: &str) -> Option<&str> {
        self.var(name).filter(|v| !v.is_empty())
    }
}

pub(crate) fn openssl(strict: bool, partial_chain: bool) -> Semantics {
    Semantics {
        engine: Engine::OpenSsl,
        strict,
        partial_chain,
    }
}

pub(crate) fn plain(engine: Engine) -> Semantics {
    Semantics {
        engine,
        strict: false,
        partial_chain: matches!(
            engine,
            Engine::GnuTls | Engine::Java | Engine::Go | Engine::Rustls
        ),
    }
}

impl ClientTrust {
    pub(crate) fn new(
        sources: Vec<Source>,
        label: impl Into<String>,
        semantics: Semantics,
    ) -> Self {
        ClientTrust {
            sources,
            label: label.into(),
            semantics,
            disabled: None,
            unknown: None,
            notes: Vec::new(),
        }
    }

    pub(crate) fn unknown(
        label: impl Into<String>,
        semantics: Semantics,
        why: impl Into<String>,
    ) -> Self {
        let mut t = ClientTrust::new(Vec::new(), label, semantics);
        t.unknown = Some(why.into());
        t
    }
}

/// OpenSSL's default verify paths: `SSL_CERT_FILE` (or the platform bundle)
/// and `SSL_CERT_DIR` (or the platform directory).
pub(crate) fn openssl_default(ctx: &Context<'_>, notes: &mut Vec<String>) -> (Vec<Source>, String) {
    let mut sources = Vec::new();
    let mut label = Vec::new();
    match ctx.var("SSL_CERT_FILE") {
        Some("") => notes.push(
            "SSL_CERT_FILE is set but empty: OpenSSL loads no file from it (it does not mean \"use the OS store\") and still searches its certificate directory".into(),
        ),
        Some(f) => {
            sources.push(Source::Path(PathBuf::from(f)));
            label.push(format!("SSL_CERT_FILE={f}"));
        }
        None => {
            if let Some(b) = &ctx.platform_bundle {
                sources.push(Source::Path(b.clone()));
                label.push(b.display().to_string());
            }
        }
    }
    match ctx.nonempty("SSL_CERT_DIR") {
        Some(dirs) => {
            sources.extend(
                dirs.split(':')
                    .filter(|d| !d.is_empty())
                    .map(|d| Source::Dir(d.into())),
            );
            label.push(format!("SSL_CERT_DIR={dirs}"));
        }
        None => {
            sources.push(Source::Dir(PLATFORM_CERT_DIR.into()));
            label.push(PLATFORM_CERT_DIR.to_string());
        }
    }
    (
        sources,
        format!("OS store via OpenSSL ({})", label.join(" + ")),
    )
}

/// A CA path a variable or setting names.
pub(crate) fn named(name: &str, value: &str) -> (Vec<Source>, String) {
    (
        vec![Source::Path(PathBuf::from(value))],
        format!("{name}={value}"),
    )
}

/// How `client` gets its roots in this environment.
pub fn trust_source(client: &ClientFacts, ctx: &Context<'_>) -> ClientTrust {
    match (client.found.client, client.python.as_ref()) {
        (ClientId::Python, Some(py)) => python::python_ssl(py, ctx),
        (ClientId::PythonRequests, Some(py)) => python::requests(py, ctx),
        (ClientId::PythonHttpx, Some(py)) => python::httpx(py, ctx),
        (ClientId::Pip, Some(py)) => python::pip(client, py, ctx),
        (ClientId::Aws, _) => python::aws(client, ctx),
        (ClientId::Node, _) => node(client.found.version.as_deref(), ctx, None),
        (ClientId::Npm, _) => npm(client, ctx),
        (ClientId::Curl, _) => curl(client, ctx),
        (ClientId::Git, _) => git(client, ctx),
        (ClientId::Java, _) => java(client, ctx),
        (ClientId::Go, _) => go(ctx),
        (ClientId::Cargo, _) => cargo(client, ctx),
        (ClientId::Uv, _) => uv(client, ctx),
        (ClientId::Conda, _) => conda(client),
        _ => ClientTrust::unknown("unknown", plain(Engine::Rustls), "no interpreter facts"),
    }
}

pub(crate) fn setting<'a>(client: &'a ClientFacts, key: &str) -> Option<&'a str> {
    client
        .settings
        .iter()
        .rev()
        .find(|s| s.key == key)
        .map(|s| s.value.as_str())
}

pub(crate) fn is_false(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "false" | "0" | "no" | "off"
    )
}

pub(crate) fn is_true(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on")
}

pub(crate) fn py_at_least(py: &PythonFacts, minor: u32) -> bool {
    py.major_minor()
        .is_some_and(|(a, b)| a > 3 || (a == 3 && b >= minor))
}

/// Parse `v22.19.0` / `22.19.0` into (major, minor).
pub fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.trim().trim_start_matches('v').split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

/// `2.32.3` ≥ (2, 32)?
pub fn version_at_least(v: Option<&str>, want: (u64, u64)) -> Option<bool> {
    let mut parts = v?.split(['.', '-', '+']);
    let major: u64 = parts.next()?.trim_start_matches('v').parse().ok()?;
    let minor: u64 = parts
        .next()
        .map(|m| {
            m.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    Some((major, minor) >= want)
}

/// Does this Node version have the OS-store switches (DESIGN.md)?
fn node_system_ca(version: Option<&str>, platform: Platform, env_switch: bool) -> Option<bool> {
    let v = version?;
    let at = |a, b| version_at_least(Some(v), (a, b)).unwrap_or(false);
    let major = version_at_least(Some(v), (23, 0)).map(|x| if x { 23 } else { 22 });
    Some(if env_switch {
        (at(22, 19) && !at(23, 0)) || at(24, 6)
    } else {
        let linux = platform == Platform::Linux;
        match major {
            Some(22) => at(22, 15),
            _ => at(23, if linux { 9 } else { 8 }),
        }
    })
}

fn node(
    version: Option<&str>,
    ctx: &Context<'_>,
    npm_ca: Option<(Vec<Source>, String)>,
) -> ClientTrust {
    let semantics = openssl(false, false);
    let options = ctx.var("NODE_OPTIONS").unwrap_or("");
    let flag = options.split_whitespace().any(|w| w == "--use-system-ca");
    let env = ctx.var("NODE_USE_SYSTEM_CA") == Some("1");
    let mut notes = Vec::new();
    let (mut sources, mut label) = match npm_ca {
        Some(ca) => ca,
        None => (
            vec![Source::Bundled],
            "Node's built-in Mozilla roots".to_string(),
        ),
    };
    if options.split_whitespace().any(|w| w == "--use-openssl-ca") {
        let (s, l) = openssl_default(ctx, &mut notes);
        sources = s;
        label = l;
    }
    if flag || env {
        let switch = if flag {
            "--use-system-ca (NODE_OPTIONS)"
        } else {
            "NODE_USE_SYSTEM_CA=1"
        };
        match node_system_ca(version, ctx.platform, !flag) {
            Some(true) => {
                let (s, l) = openssl_default(ctx, &mut notes);
                sources.extend(s);
                label = format!("{label} + {l} ({switch})");
            }
            Some(false) => notes.push(format!(
                "{switch} is set, but this Node ({}) does not have it: it is ignored",
                version.unwrap_or("?")
            )),
            None => {
                let mut t = ClientTrust::unknown(label, semantics, format!("{switch} is set and Node's version is unknown (it decides whether the switch works)"));
                t.notes = notes;
                return t;
            }
        }
    }
    if let Some(extra) = ctx.nonempty("NODE_EXTRA_CA_CERTS") {
        sources.push(Source::Path(extra.into()));
        label = format!("{label} + NODE_EXTRA_CA_CERTS={extra}");
    }
    let mut t = ClientTrust::new(sources, label, semantics);
    t.notes = notes;
    if ctx.var("NODE_TLS_REJECT_UNAUTHORIZED") == Some("0") {
        t.disabled = Some("NODE_TLS_REJECT_UNAUTHORIZED=0 switches certificate verification off for every Node program: anyone on the path can read and change the traffic".into());
    }
    t
}

fn npm(client: &ClientFacts, ctx: &Context<'_>) -> ClientTrust {
    let cafile = ctx
        .nonempty("NPM_CONFIG_CAFILE")
        .or_else(|| ctx.nonempty("npm_config_cafile"))
        .map(|v| named("npm cafile", v))
        .or_else(|| setting(client, "cafile").map(|v| named("npm cafile", v)));
    let mut t = node(ctx.node_version.as_deref(), ctx, cafile);
    let strict = ctx
        .nonempty("NPM_CONFIG_STRICT_SSL")
        .or_else(|| ctx.nonempty("npm_config_strict_ssl"))
        .or_else(|| setting(client, "strict-ssl"));
    if strict.is_some_and(is_false) {
        t.disabled = Some("strict-ssl=false switches npm's certificate verification off".into());
    }
    t
}

/// The TLS library discovery read from a binary's linked libraries.
fn tls_library(client: &ClientFacts) -> Option<&str> {
    setting(client, "tls-library")
}

fn curl(client: &ClientFacts, ctx: &Context<'_>) -> ClientTrust {
    let library = tls_library(client);
    let semantics = match library {
        Some("gnutls") => plain(Engine::GnuTls),
        _ => openssl(false, false),
    };
    let mut notes = Vec::new();
    let default_file = ctx.platform_bundle.clone().map(Source::Path);
    let (sources, label) = if let Some(v) = setting(client, "cacert") {
        named(".curlrc cacert", v)
    } else if let Some(v) = ctx.nonempty("CURL_CA_BUNDLE") {
        named("CURL_CA_BUNDLE", v)
    } else if let Some(v) = ctx.nonempty("SSL_CERT_DIR") {
        let mut s: Vec<Source> = default_file.into_iter().collect();
        s.extend(
            v.split(':')
                .filter(|d| !d.is_empty())
                .map(|d| Source::Dir(d.into())),
        );
        notes.push("curl reads its built-in bundle path too".into());
        if ctx.nonempty("SSL_CERT_FILE").is_some() {
            notes.push("curl reads SSL_CERT_DIR here and then ignores SSL_CERT_FILE".into());
        }
        (s, format!("SSL_CERT_DIR={v}"))
    } else if let Some(v) = ctx.nonempty("SSL_CERT_FILE") {
        named("SSL_CERT_FILE", v)
    } else {
        let mut s: Vec<Source> = default_file.into_iter().collect();
        s.push(Source::Dir(PLATFORM_CERT_DIR.into()));
        (s, "OS store (curl's built-in bundle path)".to_string())
    };
    if ctx.var("SSL_CERT_FILE") == Some("") {
        notes.push("SSL_CERT_FILE is empty: curl ignores it and uses its built-in bundle".into());
    }
    let mut t = ClientTrust::new(sources, label, semantics);
    t.notes = notes;
    match library {
        Some("openssl" | "gnutls") => {}
        Some(other) => {
            t.unknown = Some(format!(
                "curl uses {other}, whose verification rules tlsdoctor does not model"
            ));
        }
        None => t
            .notes
            .push("curl's TLS library could not be read; OpenSSL's rules are assumed".into()),
    }
    if setting(client, "insecure").is_some() {
        t.disabled =
            Some("--insecure in .curlrc switches curl's certificate verification off".into());
    }
    t
}

/// The git setting that applies to `url`: the longest matching per-URL key wins.
fn git_setting<'a>(client: &'a ClientFacts, name: &str, url: &str) -> Option<&'a str> {
    let per_url = client
        .settings
        .iter()
        .filter_map(|s| {
            let rest = s.key.strip_prefix("http.")?;
            let prefix = rest.strip_suffix(&format!(".{name}"))?;
            // git compares URLs with the scheme's default port removed.
            let prefix = without_default_port(prefix);
            without_default_port(url)
                .starts_with(&prefix)
                .then_some((prefix.len(), s.value.as_str()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, v)| v);
    per_url.or_else(|| setting(client, &format!("http.{name}")))
}

/// `https://h:443/x` → `https://h/x`.
fn without_default_port(url: &str) -> String {
    match url.strip_suffix(":443") {
        Some(bare) => bare.to_string(),
        None => url.replacen(":443/", "/", 1),
    }
}

fn git(client: &ClientFacts, ctx: &Context<'_>) -> ClientTrust {
    let gnutls = tls_library(client) == Some("gnutls");
    let openssl_lib = tls_library(client) == Some("openssl");
    let semantics = if gnutls {
        plain(Engine::GnuTls)
    } else {
        openssl(false, false)
    };
    let (sources, label) = if let Some(v) = ctx.nonempty("GIT_SSL_CAINFO") {
        named("GIT_SSL_CAINFO", v)
    } else if let Some(v) = git_setting(client, "sslCAInfo", &ctx.url) {
        named("http.sslCAInfo", v)
    } else {
        let s: Vec<Source> = ctx
            .platform_bundle
            .clone()
            .map(Source::Path)
            .into_iter()
            .collect();
        (s, "OS store (libcurl's built-in bundle path)".to_string())
    };
    let mut t = ClientTrust::new(sources, label, semantics);
    if !gnutls && !openssl_lib {
        t.notes
            .push("git's TLS library could not be read; OpenSSL's rules are assumed".into());
    }
    let off = ctx
        .nonempty("GIT_SSL_NO_VERIFY")
        .map(|_| "GIT_SSL_NO_VERIFY")
        .or_else(|| {
            git_setting(client, "sslVerify", &ctx.url)
                .filter(|v| is_false(v))
                .map(|_| "http.sslVerify=false")
        });
    if let Some(what) = off {
        t.disabled = Some(format!(
            "{what} switches git's certificate verification off"
        ));
    }
    t
}

fn java(client: &ClientFacts, ctx: &Context<'_>) -> ClientTrust {
    let semantics = plain(Engine::Java);
    let cacerts = setting(client, "cacerts");
    let debian = cacerts == Some(DEBIAN_JAVA_CACERTS) && ctx.java_cacerts_from_os;
    match (debian, &ctx.platform_bundle) {
        (true, Some(bundle)) => ClientTrust::new(
            vec![Source::Path(bundle.clone())],
            format!("{} (built from the OS store)", DEBIAN_JAVA_CACERTS),
            semantics,
        ),
        _ => ClientTrust::unknown(
            format!("Java keystore {}", cacerts.unwrap_or("(not found)")),
            semantics,
            "Java's keystore contents are not read (a binary keystore); --run-clients settles it",
        ),
    }
}

fn go(ctx: &Context<'_>) -> ClientTrust {
    let semantics = plain(Engine::Go);
    let mut sources = Vec::new();
    let mut label = Vec::new();
    match ctx.nonempty("SSL_CERT_FILE") {
        Some(f) => {
            sources.push(Source::Path(f.into()));
            label.push(format!("SSL_CERT_FILE={f}"));
        }
        None => {
            sources.extend(ctx.platform_bundle.clone().map(Source::Path));
            label.push("the platform bundle".to_string());
        }
    }
    match ctx.nonempty("SSL_CERT_DIR") {
        Some(d) => {
            sources.extend(
                d.split(':')
                    .filter(|x| !x.is_empty())
                    .map(|x| Source::Dir(x.into())),
            );
            label.push(format!("SSL_CERT_DIR={d}"));
        }
        None => sources.push(Source::Dir(PLATFORM_CERT_DIR.into())),
    }
    ClientTrust::new(
        sources,
        format!("OS store via Go ({})", label.join(" + ")),
        semantics,
    )
}

fn cargo(client: &ClientFacts, ctx: &Context<'_>) -> ClientTrust {
    let semantics = openssl(false, false);
    if let Some(v) = ctx.nonempty("CARGO_HTTP_CAINFO") {
        let (s, l) = named("CARGO_HTTP_CAINFO", v);
        return ClientTrust::new(s, l, semantics);
    }
    if let Some(v) = setting(client, "http.cainfo") {
        let (s, l) = named("http.cainfo", v);
        return ClientTrust::new(s, l, semantics);
    }
    let mut notes = Vec::new();
    let (s, l) = openssl_default(ctx, &mut notes);
    let mut t = ClientTrust::new(s, l, semantics);
    t.notes = notes;
    t
}

fn uv(client: &ClientFacts, ctx: &Context<'_>) -> ClientTrust {
    let semantics = plain(Engine::Rustls);
    let system = ctx.nonempty("UV_SYSTEM_CERTS").is_some_and(is_true)
        || ctx.nonempty("UV_NATIVE_TLS").is_some_and(is_true)
        || setting(client, "system-certs").is_some_and(is_true)
        || setting(client, "native-tls").is_some_and(is_true);
    if system {
        let mut notes = Vec::new();
        let (s, l) = openssl_default(ctx, &mut notes);
        return ClientTrust::new(
            s,
            format!("{l} (system certificates switched on)"),
            semantics,
        );
    }
    if let Some(f) = ctx.nonempty("SSL_CERT_FILE") {
        let (s, l) = named("SSL_CERT_FILE", f);
        return ClientTrust::new(s, l, semantics);
    }
    ClientTrust::new(
        vec![Source::Bundled],
        "uv's built-in Mozilla roots (webpki-roots)",
        semantics,
    )
}

fn conda(client: &ClientFacts) -> ClientTrust {
    let semantics = openssl(false, false);
    match setting(client, "ssl_verify") {
        Some(v) if is_false(v) => {
            let mut t = ClientTrust::new(Vec::new(), "ssl_verify: false", semantics);
            t.disabled =
                Some("ssl_verify: false switches conda's certificate verification off".into());
            t
        }
        Some(v) if !is_true(v) => {
            let (s, l) = named("ssl_verify", v);
            ClientTrust::new(s, l, semantics)
        }
        _ => ClientTrust::unknown(
            "conda's certifi (or truststore)",
            semantics,
            "conda's own Python and its trust settings are not read yet",
        ),
    }
}

#[cfg(test)]
#[path = "clients_tests.rs"]
mod tests;

/// The smallest RSA key an engine accepts, and which engine at which
/// setting says so (for the reason a client fails: "OpenSSL at security
/// level 2 needs 2048").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFloor {
    pub bits: u32,
    pub by: &'static str,
}

const OPENSSL_LEVEL_2: KeyFloor = KeyFloor {
    bits: 2048,
    by: "OpenSSL at security level 2",
};

/// Node's bundled OpenSSL ran at security level 1 until Node 24.5 (OpenSSL
/// 3.5, whose default is level 2); Node 22 kept level 1 with OpenSSL 3.5.
const NODE_LEVEL_2_FROM: (u64, u64) = (24, 5);

const NODE_FLOORS: &str = "1024 bits before Node 24.5, 2048 from 24.5";

/// The smallest RSA key a client accepts anywhere on the path it builds —
/// the anchor included (OpenSSL checks the trust anchor's key too, and says
/// "CA certificate key too weak" for a 1024-bit root) — or why it cannot be
/// told. As the real clients behaved (tests/integration/real_clients.rs and
/// key_floors.rs): OpenSSL at security level 2 (Debian's and Python ≥
/// 3.10's default, Node ≥ 24.5) refuses RSA under 2048 bits; Node 22.x,
/// 23.x and 24.0–24.4 run their OpenSSL at level 1 (1024); Debian's git
/// (GnuTLS) takes 1024; rustls refuses under 2048; Java
/// (`jdk.certpath.disabledAlgorithms`) and Go under 1024.
pub fn rsa_floor(client: &ClientFacts, semantics: Semantics) -> Result<KeyFloor, String> {
    let floor = |bits, by| Ok(KeyFloor { bits, by });
    match (client.found.client, semantics.engine) {
        (ClientId::Node, Engine::OpenSsl) => {
            match version_at_least(client.found.version.as_deref(), NODE_LEVEL_2_FROM) {
                Some(true) => floor(2048, "Node's OpenSSL (security level 2 from Node 24.5)"),
                Some(false) => floor(1024, "Node's OpenSSL (security level 1 before Node 24.5)"),
                None => Err(format!("Node's version is unknown, and it decides the smallest RSA key Node accepts ({NODE_FLOORS})")),
            }
        }
        (ClientId::Npm, Engine::OpenSsl) => Err(format!(
            "the smallest RSA key npm accepts depends on the Node that runs it ({NODE_FLOORS})"
        )),
        (_, Engine::OpenSsl) => match client.python.as_ref() {
            Some(py) if !py_at_least(py, 10) => Err(
                "Python before 3.10 takes OpenSSL's security level from the system: the smallest RSA key it accepts is not known".into(),
            ),
            _ => Ok(OPENSSL_LEVEL_2),
        },
        (_, Engine::GnuTls) => floor(1024, "GnuTLS"),
        (_, Engine::Java) => floor(1024, "Java (jdk.certpath.disabledAlgorithms)"),
        (_, Engine::Go) => floor(1024, "Go's crypto/x509"),
        (_, Engine::Rustls) => floor(2048, "rustls"),
    }
}
