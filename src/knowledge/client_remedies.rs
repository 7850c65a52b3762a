//! Knowledge: the fix for one failing client, fitted to its version and
//! platform, preferring the OS store to bundle files, and never repeating a
//! setting already in place (a variable that points at a file lacking the
//! root is named, with the fix for that file).
//!
//! Pure: built from the facts and the CA files Diagnose found trusting the
//! chain; it never weighs a verdict itself.

use std::path::PathBuf;

use crate::client_facts::{ClientFacts, ClientId};
use crate::findings::Remedy;
use crate::knowledge::clients::{version_at_least, ClientTrust, PLATFORM_BUNDLES};

/// What kind of refusal a remedy answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    NoRoots,
    RootMissing,
    RootExpired,
    PartialChain,
    Strict,
    /// The server's to fix (expired leaf, bad signature, …): no client change helps.
    ServerSide,
}

fn remedy(client: &ClientFacts, action: impl Into<String>, commands: Vec<String>) -> Remedy {
    Remedy {
        ecosystem: client.found.client.to_string(),
        action: action.into(),
        commands,
        avoid: false,
    }
}

/// Of the CA files that trust the chain, the one to point a client at:
/// the OS bundle first.
fn trusting_file(trusting: &[PathBuf]) -> Option<PathBuf> {
    trusting
        .iter()
        .find(|p| PLATFORM_BUNDLES.iter().any(|b| p.as_os_str() == *b))
        .or_else(|| trusting.first())
        .cloned()
}

/// `REQUESTS_CA_BUNDLE=/x` → ("REQUESTS_CA_BUNDLE", "/x") when the trust
/// source is a variable.
fn variable_in_place(trust: &ClientTrust) -> Option<(&str, &str)> {
    let (name, value) = trust.label.split_once('=')?;
    (name.chars().all(|c| c.is_ascii_uppercase() || c == '_') && !name.is_empty())
        .then_some((name, value))
}

/// The remedies for one failing client. `trusting`: the CA files (any
/// client's sources, in their order) that Diagnose found trusting the chain.
pub fn for_client(
    client: &ClientFacts,
    trust: &ClientTrust,
    trusting: &[PathBuf],
    kind: &FailureKind,
) -> Vec<Remedy> {
    match kind {
        FailureKind::ServerSide => Vec::new(),
        FailureKind::RootExpired => vec![remedy(
            client,
            "The root has expired and this client's TLS library refuses an expired root whatever you configure: the server (or, for an inspection root, IT) must issue from a current root",
            Vec::new(),
        )],
        FailureKind::PartialChain => vec![remedy(
            client,
            "Install the self-signed root that issued this CA, not the intermediate: this client needs the root itself (Python 3.13, rustls and Java accept an intermediate)",
            Vec::new(),
        )],
        FailureKind::Strict => strict(client),
        FailureKind::NoRoots | FailureKind::RootMissing => root_missing(client, trust, trusting),
    }
}

fn strict(client: &ClientFacts) -> Vec<Remedy> {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return vec![remedy(
            client,
            "Use the OS verifier through truststore (it does not apply Python 3.13's strict profile here)",
            vec!["python -m pip install truststore".into(), "import truststore; truststore.inject_into_ssl()".into()],
        )];
    }
    vec![remedy(
        client,
        "On Linux truststore is OpenSSL too and keeps the strict profile: ask the vendor or IT for a root that meets RFC 5280 (critical basicConstraints, keyUsage, key identifiers), or clear the flag in the application",
        vec!["ctx = ssl.create_default_context(); ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT".into()],
    )]
}

fn root_missing(client: &ClientFacts, trust: &ClientTrust, trusting: &[PathBuf]) -> Vec<Remedy> {
    let good = trusting_file(trusting).map(|p| p.display().to_string());
    let good = good.as_deref();
    let mut out = Vec::new();
    if let Some((var, path)) = variable_in_place(trust) {
        out.push(stale_variable(client, var, path, good));
        if !matches!(
            client.found.client,
            ClientId::PythonRequests | ClientId::PythonHttpx
        ) {
            return out;
        }
    }
    out.extend(own_remedies(client, good));
    if out.is_empty()
        || matches!(
            client.found.client,
            ClientId::Python | ClientId::Curl | ClientId::Cargo | ClientId::Go | ClientId::Git
        )
    {
        out.push(remedy(
            client,
            "Install the root in the OS store (as root), which this client reads",
            vec![
                "sudo cp ROOT.pem /usr/local/share/ca-certificates/company-root.crt".into(),
                "sudo update-ca-certificates".into(),
            ],
        ));
    }
    out
}

/// A variable already set to a file or directory that lacks the root.
fn stale_variable(client: &ClientFacts, var: &str, path: &str, good: Option<&str>) -> Remedy {
    if var.ends_with("_DIR") || var.ends_with("CAPATH") {
        return remedy(
            client,
            format!("{var} is set to {path}, which lacks the root this chain needs: add the root there under its hash name"),
            vec![format!("cp ROOT.pem {path}/ && openssl rehash {path}")],
        );
    }
    let fix = match good {
        Some(g) => format!("point it at {g}, which holds the root, or add the root to {path}"),
        None => format!("add the root to {path}, or unset it"),
    };
    remedy(
        client,
        format!("{var} is set to {path}, which lacks the root this chain needs: {fix}"),
        good.iter().map(|g| format!("export {var}={g}")).collect(),
    )
}

/// The client's own ways to trust the root (`good`: a file here that holds it).
fn own_remedies(client: &ClientFacts, good: Option<&str>) -> Vec<Remedy> {
    match client.found.client {
        ClientId::PythonRequests | ClientId::PythonHttpx | ClientId::Aws => {
            python_library_remedies(client, good)
        }
        ClientId::Pip => pip_remedies(client, good),
        ClientId::Node | ClientId::Npm => node_remedies(client, good),
        ClientId::Uv => vec![remedy(
            client,
            "Let uv use the OS store",
            vec!["export UV_SYSTEM_CERTS=1".into()],
        )],
        ClientId::Git => good
            .map(|g| {
                remedy(
                    client,
                    format!("Point git at {g}"),
                    vec![format!("git config --global http.sslCAInfo {g}")],
                )
            })
            .into_iter()
            .collect(),
        ClientId::Java => vec![remedy(
            client,
            "Import the root into the JDK's keystore",
            vec!["keytool -importcert -cacerts -alias company-root -file ROOT.pem".into()],
        )],
        _ => Vec::new(),
    }
}

fn interpreter_or_python(client: &ClientFacts) -> String {
    client
        .python
        .as_ref()
        .map(|p| p.interpreter.display().to_string())
        .unwrap_or_else(|| "python".into())
}

fn python_library_remedies(client: &ClientFacts, good: Option<&str>) -> Vec<Remedy> {
    let mut out = Vec::new();
    let py = client.python.as_ref();
    if let Some(py) =
        py.filter(|p| p.package("truststore").is_some() && p.truststore_injected_by.is_none())
    {
        let site = py
            .site_packages
            .first()
            .map(|s| s.join("sitecustomize.py").display().to_string())
            .unwrap_or_else(|| "sitecustomize.py".into());
        out.push(remedy(
            client,
            format!("truststore is installed but never injected: create {site} so that every program of this interpreter uses the OS store"),
            vec![
                "try:\n    import pip._vendor.truststore  # pip 24.2+ carries its own; load it first\nexcept Exception:\n    pass\nimport truststore\ntruststore.inject_into_ssl()".into(),
            ],
        ));
    } else if client.found.client != ClientId::Aws {
        out.push(remedy(
            client,
            "Use the OS store: install truststore and inject it in a sitecustomize.py of this interpreter",
            vec![format!("{} -m pip install truststore", interpreter_or_python(client))],
        ));
    }
    let var = match client.found.client {
        ClientId::PythonHttpx => "SSL_CERT_FILE",
        ClientId::Aws => "AWS_CA_BUNDLE",
        _ => "REQUESTS_CA_BUNDLE",
    };
    if let Some(g) = good {
        out.push(remedy(
            client,
            format!("Or point {var} at {g}, which holds the root"),
            vec![format!("export {var}={g}")],
        ));
    }
    out
}

fn pip_remedies(client: &ClientFacts, good: Option<&str>) -> Vec<Remedy> {
    if !version_at_least(client.found.version.as_deref(), (24, 2)).unwrap_or(false) {
        let cert = good.map(|g| format!(" --cert {g}")).unwrap_or_default();
        return vec![remedy(
            client,
            "pip 24.2 and later use the OS store (truststore) on Python 3.10+: upgrade pip",
            vec![format!(
                "{} -m pip install --upgrade pip{cert}",
                interpreter_or_python(client)
            )],
        )];
    }
    good.map(|g| {
        remedy(
            client,
            format!("Point pip at {g}"),
            vec![format!("pip config set global.cert {g}")],
        )
    })
    .into_iter()
    .collect()
}

fn node_remedies(client: &ClientFacts, good: Option<&str>) -> Vec<Remedy> {
    let mut out = Vec::new();
    let v = client.found.version.as_deref();
    if version_at_least(v, (23, 9)).unwrap_or(false)
        || (version_at_least(v, (22, 15)).unwrap_or(false)
            && !version_at_least(v, (23, 0)).unwrap_or(false))
    {
        out.push(remedy(
            client,
            "Let Node use the OS store",
            vec!["export NODE_OPTIONS=--use-system-ca".into()],
        ));
    }
    if let Some(g) = good {
        out.push(remedy(
            client,
            format!("Add the roots in {g} to Node's"),
            vec![format!("export NODE_EXTRA_CA_CERTS={g}")],
        ));
    }
    out
}

/// The generic remedies' ecosystems (`knowledge::remedies`) and the clients
/// each one is about: once those clients were found here, their own fitted
/// remedies replace the generic one (or nothing, when they all trust); when
/// none of them is here, the generic one is dropped.
pub const GENERIC_ECOSYSTEMS: &[(&str, &[ClientId])] = &[
    (
        "Python (requests, httpx, pip)",
        &[
            ClientId::PythonRequests,
            ClientId::PythonHttpx,
            ClientId::Pip,
        ],
    ),
    (
        "Python 3.13+",
        &[
            ClientId::Python,
            ClientId::PythonRequests,
            ClientId::PythonHttpx,
        ],
    ),
    ("Node.js (npm)", &[ClientId::Node, ClientId::Npm]),
    ("curl", &[ClientId::Curl]),
    ("git", &[ClientId::Git]),
    ("AWS CLI / boto3", &[ClientId::Aws]),
    ("pip", &[ClientId::Pip]),
    ("Java", &[ClientId::Java]),
    ("Go", &[ClientId::Go]),
    ("Rust (reqwest, cargo)", &[ClientId::Cargo]),
    // Images have their own stores; no client found here is one.
    ("Docker / containers", &[]),
];

/// The clients a generic remedy's ecosystem is about.
pub fn generic_clients(ecosystem: &str) -> Option<&'static [ClientId]> {
    GENERIC_ECOSYSTEMS
        .iter()
        .find(|(e, _)| *e == ecosystem)
        .map(|(_, ids)| *ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{trust_remedies, Platform, Situation, TrustGap};

    #[test]
    fn every_mapped_ecosystem_is_one_the_generic_remedies_use() {
        let gap = TrustGap {
            situation: Situation::Interception { vendor: None },
            ca_name: "Corp Root",
            in_os_store: true,
            host: "api.example.com",
            platform: Platform::Linux,
            strict_x509_breaks_python: true,
        };
        let used: Vec<String> = trust_remedies(&gap)
            .into_iter()
            .map(|r| r.ecosystem)
            .collect();
        for (ecosystem, _) in GENERIC_ECOSYSTEMS {
            assert!(
                used.iter().any(|u| u == ecosystem),
                "{ecosystem} not in {used:?}"
            );
        }
    }
}
