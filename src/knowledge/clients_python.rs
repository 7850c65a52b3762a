//! Knowledge of the Python family's trust sources: ssl/urllib, requests,
//! httpx, pip and the AWS CLI/boto3, at their versions, with truststore
//! injected or not; and where a venv keeps its site-packages. Pure, like
//! the rest of `knowledge::clients`.

use std::path::{Path, PathBuf};

use super::clients::{
    named, openssl, openssl_default, plain, py_at_least, setting, version_at_least, ClientTrust,
    Context, Engine, Semantics, Source,
};
use crate::client_facts::{ClientFacts, PythonFacts};
use crate::knowledge::Platform;

/// Python's strict flags on 3.13+ when the context is Python's default one.
pub(crate) fn python_flags(py: &PythonFacts, default_context: bool) -> Semantics {
    let new = py_at_least(py, 13) && default_context;
    openssl(new, new)
}

/// truststore injected: the OS verifier on macOS/Windows; on Linux OpenSSL
/// with its default paths plus what the library loads itself.
pub(crate) fn injected(
    py: &PythonFacts,
    ctx: &Context<'_>,
    extra: Option<(Vec<Source>, String)>,
    semantics: Semantics,
) -> Option<ClientTrust> {
    let by = py.truststore_injected_by.as_ref()?;
    let via = format!("truststore (injected by {})", by.display());
    if matches!(ctx.platform, Platform::MacOs | Platform::Windows) {
        return Some(ClientTrust::new(
            vec![Source::OsVerifier],
            format!("OS verifier via {via}"),
            plain(Engine::Rustls),
        ));
    }
    let mut notes = Vec::new();
    let (mut sources, label) = openssl_default(ctx, &mut notes);
    let mut label = format!("{label} via {via}");
    if let Some((more, more_label)) = extra {
        sources.extend(more);
        label = format!("{label} + {more_label}");
    }
    let mut t = ClientTrust::new(sources, label, semantics);
    t.notes = notes;
    Some(t)
}

pub(crate) fn python_ssl(py: &PythonFacts, ctx: &Context<'_>) -> ClientTrust {
    let semantics = python_flags(py, true);
    let mut notes = Vec::new();
    let (sources, label) = openssl_default(ctx, &mut notes);
    let mut t = injected(py, ctx, None, semantics)
        .unwrap_or_else(|| ClientTrust::new(sources, label, semantics));
    t.notes.extend(notes);
    if ctx.var("PYTHONHTTPSVERIFY") == Some("0") {
        t.notes.push("PYTHONHTTPSVERIFY=0 switches verification off only in some distributions' builds (RHEL's); it is not a fix".into());
    }
    t
}

pub(crate) fn certifi(py: &PythonFacts, pip_vendored: bool) -> Option<(Vec<Source>, String)> {
    let path = if pip_vendored {
        py.pip_certifi.as_ref()
    } else {
        py.certifi.as_ref()
    }?;
    let what = if pip_vendored {
        "pip's vendored certifi"
    } else {
        "certifi"
    };
    Some((
        vec![Source::Path(path.clone())],
        format!("{what} ({})", path.display()),
    ))
}

pub(crate) fn requests(py: &PythonFacts, ctx: &Context<'_>) -> ClientTrust {
    // urllib3 2.3+ sets Python 3.13's strict flags too.
    let strict = version_at_least(py.package("urllib3"), (2, 3)).unwrap_or(false);
    let semantics = python_flags(py, strict);
    let chosen = ctx
        .nonempty("REQUESTS_CA_BUNDLE")
        .map(|v| named("REQUESTS_CA_BUNDLE", v))
        .or_else(|| {
            ctx.nonempty("CURL_CA_BUNDLE")
                .map(|v| named("CURL_CA_BUNDLE", v))
        })
        .or_else(|| certifi(py, false));
    if let Some(t) = injected(py, ctx, chosen.clone(), semantics) {
        return t;
    }
    match chosen {
        Some((sources, label)) => ClientTrust::new(sources, label, semantics),
        None => ClientTrust::unknown(
            "certifi",
            semantics,
            "requests is installed but certifi's cacert.pem was not found",
        ),
    }
}

pub(crate) fn httpx(py: &PythonFacts, ctx: &Context<'_>) -> ClientTrust {
    let semantics = python_flags(py, true);
    let mut notes = Vec::new();
    if ctx.var("SSL_CERT_FILE") == Some("") {
        notes.push("SSL_CERT_FILE is empty: httpx treats it as unset and falls through to SSL_CERT_DIR, then certifi".into());
    }
    let chosen = ctx
        .nonempty("SSL_CERT_FILE")
        .map(|v| named("SSL_CERT_FILE", v))
        .or_else(|| {
            ctx.nonempty("SSL_CERT_DIR")
                .map(|v| (vec![Source::Dir(v.into())], format!("SSL_CERT_DIR={v}")))
        })
        .or_else(|| certifi(py, false));
    let mut t = match injected(py, ctx, chosen.clone(), semantics) {
        Some(t) => t,
        None => match chosen {
            Some((sources, label)) => ClientTrust::new(sources, label, semantics),
            None => ClientTrust::unknown(
                "certifi",
                semantics,
                "httpx is installed but certifi's cacert.pem was not found",
            ),
        },
    };
    t.notes.extend(notes);
    t
}

pub(crate) fn pip(client: &ClientFacts, py: &PythonFacts, ctx: &Context<'_>) -> ClientTrust {
    let semantics = openssl(false, false);
    let cert = ctx
        .nonempty("PIP_CERT")
        .map(|v| named("PIP_CERT", v))
        .or_else(|| setting(client, "cert").map(|v| named("pip.conf cert", v)));
    if let Some((sources, label)) = cert {
        return ClientTrust::new(sources, label, semantics);
    }
    let env_bundle = ctx
        .nonempty("REQUESTS_CA_BUNDLE")
        .map(|v| named("REQUESTS_CA_BUNDLE", v))
        .or_else(|| {
            ctx.nonempty("CURL_CA_BUNDLE")
                .map(|v| named("CURL_CA_BUNDLE", v))
        });
    let bundle = env_bundle.or_else(|| certifi(py, true));
    let truststore = version_at_least(client.found.version.as_deref(), (24, 2)).unwrap_or(false)
        && py_at_least(py, 10);
    // Before 24.2, truststore injected into `ssl` (sitecustomize) still
    // reaches pip: its vendored urllib3 builds `ssl.SSLContext`, which is
    // truststore's then (seen with pip 24.0 and truststore 0.10.5).
    if !truststore {
        if let Some(t) = injected(py, ctx, bundle.clone(), semantics) {
            return t;
        }
    }
    if truststore {
        let mut notes = Vec::new();
        let (mut sources, os_label) = if matches!(ctx.platform, Platform::MacOs | Platform::Windows)
        {
            (vec![Source::OsVerifier], "OS verifier".to_string())
        } else {
            openssl_default(ctx, &mut notes)
        };
        let mut label = format!("truststore: {os_label}");
        if let Some((more, more_label)) = bundle {
            sources.extend(more);
            label = format!("{label} + {more_label}");
        }
        let mut t = ClientTrust::new(sources, label, semantics);
        t.notes = notes;
        return t;
    }
    match bundle {
        Some((sources, label)) => ClientTrust::new(sources, label, semantics),
        None => ClientTrust::unknown(
            "pip's certifi",
            semantics,
            "pip's vendored certifi bundle was not found",
        ),
    }
}

pub(crate) fn aws(client: &ClientFacts, ctx: &Context<'_>) -> ClientTrust {
    let semantics = openssl(false, false);
    if let Some(v) = ctx.var("AWS_CA_BUNDLE").filter(|v| !v.is_empty()) {
        let (sources, label) = named("AWS_CA_BUNDLE", v);
        let mut t = ClientTrust::new(sources, label, semantics);
        if v == "/dev/null" {
            t.notes.push("AWS_CA_BUNDLE=/dev/null is an empty bundle: it does not switch verification off, it makes the AWS CLI and boto3 trust nothing".into());
        }
        return t;
    }
    if let Some(v) = setting(client, "ca_bundle") {
        let (sources, _) = named("ca_bundle", v);
        return ClientTrust::new(sources, format!("ca_bundle={v} (AWS config)"), semantics);
    }
    match client.python.as_ref().and_then(|py| certifi(py, false)) {
        Some((sources, label)) => ClientTrust::new(sources, label, semantics),
        None => ClientTrust::unknown(
            "botocore's certifi",
            semantics,
            "the certifi bundle the AWS CLI carries was not found",
        ),
    }
}

/// The site-packages directory of a venv for a Python `major.minor`
/// (`Lib/site-packages` on Windows).
pub fn site_packages(venv: &Path, version: (u32, u32), windows: bool) -> PathBuf {
    if windows {
        venv.join("Lib").join("site-packages")
    } else {
        venv.join("lib")
            .join(format!("python{}.{}", version.0, version.1))
            .join("site-packages")
    }
}
