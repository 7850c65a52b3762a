//! Which change fixes each failing client, as data ([`CONFIG_KEYS`]) and one
//! pure function ([`plan`]).
//!
//! Owns the choice, never the writing: no I/O, no environment reads. The
//! caller (the Machine stage and the command) says which clients fail,
//! which root they need, where the home, profiles and venvs are.
//!
//! Order of preference: the OS store when the root is in it (truststore in
//! a venv, Node's `--use-system-ca`), else the tool's own config key or one
//! variable pointing at the combined bundle. Never: verification turned
//! off, a root whose key is public, a self-signed server certificate
//! unless asked, a command run with sudo (printed instead).

use std::path::{Path, PathBuf};

use crate::cert::CertFacts;
use crate::knowledge::clients::major_minor;
use crate::knowledge::{Os, Shell};

use super::text::{KeySetting, Syntax};
use super::{bundle, Change, FileChange, FileKind, FixPlan, PlanItem, Refusal};

/// A client that fails for the target, as the Machine stage found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailingClient {
    /// Stable id (`python-httpx`, `node`, `pip`, …).
    pub client: String,
    pub executable: PathBuf,
    /// The client's own version (node's, pip's), when known.
    pub version: Option<String>,
    /// For the Python family and pip: the interpreter.
    pub interpreter: Option<PathBuf>,
    /// That interpreter's `major.minor`, when known.
    pub python_version: Option<(u32, u32)>,
    /// The venv the interpreter belongs to, when it is one.
    pub venv: Option<PathBuf>,
    /// That venv's site-packages, when read (else derived from the version).
    pub site_packages: Option<PathBuf>,
    /// A base interpreter's prefix (not a venv): when it lies in the home and
    /// is not externally managed (pyenv, asdf, a Python built by the user),
    /// it is fixed as a venv is.
    pub base_prefix: Option<PathBuf>,
    /// The base interpreter refuses installs (PEP 668 `EXTERNALLY-MANAGED`).
    pub externally_managed: bool,
}

/// The root the failing clients need, and what is known about it.
#[derive(Debug, Clone)]
pub struct NeededRoot<'a> {
    pub facts: &'a CertFacts,
    /// The OS store holds it (so OS-store switches fix clients).
    pub in_os_store: bool,
    /// It is the server's own self-signed certificate.
    pub self_signed_leaf: bool,
    /// Its private key is public: the name of the known root.
    pub public_key: Option<String>,
    /// The chain breaks Python 3.13's `VERIFY_X509_STRICT` profile.
    pub breaks_strict: bool,
}

/// Everything the choice depends on.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The target as the user typed it (for comments).
    pub target: &'a str,
    pub home: &'a Path,
    /// Where the combined bundle goes (the XDG data directory).
    pub data_dir: &'a Path,
    pub os: Os,
    /// The shell profiles to hold the variables block: (shell, file).
    pub profiles: Vec<(Shell, PathBuf)>,
    /// None: the root is on no store here (it must be obtained first).
    pub root: Option<NeededRoot<'a>>,
    pub include_self_signed: bool,
    /// Roots an earlier `fix` added to the bundle for other targets (kept).
    pub kept_roots: Vec<Vec<u8>>,
    /// Mozilla's roots (DER) and where they came from.
    pub mozilla: &'a [&'a [u8]],
    pub mozilla_source: &'a str,
    /// `NODE_OPTIONS` as it is set now (a flag is added to it, never over it).
    pub node_options: Option<String>,
}

impl Context<'_> {
    fn bundle_path(&self) -> PathBuf {
        self.data_dir.join(bundle::BUNDLE_FILE)
    }
}

/// A tool whose fix is one key in its own config file, pointing at the
/// combined bundle (or switching it to the OS store).
#[derive(Debug)]
pub struct ConfigKeyFix {
    pub client: &'static str,
    /// The file, relative to the home directory (Linux/macOS; Windows below).
    pub file: &'static str,
    pub windows_file: &'static str,
    pub syntax: Syntax,
    pub section: Option<&'static str>,
    pub key: &'static str,
    /// `Some(v)`: this literal value, used only when the root is in the OS
    /// store; `None`: the combined bundle's path.
    pub os_store_value: Option<&'static str>,
    pub why: &'static str,
}

/// The config keys `fix` sets, per tool.
pub static CONFIG_KEYS: &[ConfigKeyFix] = &[
    ConfigKeyFix {
        client: "pip",
        file: ".config/pip/pip.conf",
        windows_file: "AppData/Roaming/pip/pip.ini",
        syntax: Syntax::Ini,
        section: Some("global"),
        key: "cert",
        os_store_value: None,
        why: "pip reads `cert` from its user config: a bundle with Mozilla's roots and the one this server needs",
    },
    ConfigKeyFix {
        client: "npm",
        file: ".npmrc",
        windows_file: ".npmrc",
        syntax: Syntax::KeyValue,
        section: None,
        key: "cafile",
        os_store_value: None,
        why: "npm's `cafile` replaces Node's built-in roots, so it points at the combined bundle (Mozilla's roots + this root)",
    },
    ConfigKeyFix {
        client: "git",
        file: ".gitconfig",
        windows_file: ".gitconfig",
        syntax: Syntax::GitConfig,
        section: Some("http"),
        key: "sslCAInfo",
        os_store_value: None,
        why: "git's `http.sslCAInfo` replaces its CA file: the combined bundle keeps every public root",
    },
    ConfigKeyFix {
        client: "curl",
        file: ".curlrc",
        windows_file: "AppData/Roaming/_curlrc",
        syntax: Syntax::KeyValue,
        section: None,
        key: "cacert",
        os_store_value: None,
        why: "curl reads `cacert` from ~/.curlrc before CURL_CA_BUNDLE and its built-in bundle: the combined bundle keeps every public root",
    },
    ConfigKeyFix {
        client: "aws",
        file: ".aws/config",
        windows_file: ".aws/config",
        syntax: Syntax::Ini,
        section: Some("default"),
        key: "ca_bundle",
        os_store_value: None,
        why: "the AWS CLI and boto3 read `ca_bundle` from the default profile",
    },
    ConfigKeyFix {
        client: "cargo",
        file: ".cargo/config.toml",
        windows_file: ".cargo/config.toml",
        syntax: Syntax::Toml,
        section: Some("http"),
        key: "cainfo",
        os_store_value: None,
        why: "cargo's `http.cainfo` replaces its roots: the combined bundle",
    },
    ConfigKeyFix {
        client: "uv",
        file: ".config/uv/uv.toml",
        windows_file: "AppData/Roaming/uv/uv.toml",
        syntax: Syntax::Toml,
        section: None,
        key: "system-certs",
        os_store_value: Some("true"),
        why: "uv uses its bundled Mozilla roots unless `system-certs` makes it read the OS store, which holds the root",
    },
    ConfigKeyFix {
        client: "conda",
        file: ".condarc",
        windows_file: ".condarc",
        syntax: Syntax::Yaml,
        section: None,
        key: "ssl_verify",
        os_store_value: None,
        why: "conda's `ssl_verify` takes a CA bundle path (verification stays on)",
    },
];

/// The Python clients a `sitecustomize.py` with truststore fixes.
const PYTHON_FAMILY: &[&str] = &["python", "python-requests", "python-httpx"];

/// What makes this Node version read the OS store, if anything: (variable, value).
pub fn node_system_ca(version: (u32, u32), os: Os) -> Option<(&'static str, &'static str)> {
    let (major, minor) = version;
    let use_system_ca = matches!((major, minor), (22, 19..) | (24, 6..)) || major >= 25;
    if use_system_ca {
        return Some(("NODE_USE_SYSTEM_CA", "1"));
    }
    let flag_23 = if os == Os::Linux { 9 } else { 8 };
    let flag =
        matches!(major, 22 if minor >= 15) || (major == 23 && minor >= flag_23) || major == 24;
    flag.then_some(("NODE_OPTIONS", "--use-system-ca"))
}

/// Build the plan for `clients`. Pure.
pub fn plan(ctx: &Context, clients: &[FailingClient]) -> FixPlan {
    let mut plan = FixPlan::default();
    let Some(root) = ctx.root.as_ref() else {
        for c in clients {
            plan.refusals.push(refusal(
                c,
                "the root this server's chain needs is in no trust store on this machine, so tlsdoctor has nothing to add",
                vec![
                    "get the root from whoever runs the CA (IT, the proxy's vendor), check its fingerprint with them, install it in the OS store, then run `tlsdoctor fix` again".into(),
                ],
            ));
        }
        return plan;
    };
    if let Some(name) = &root.public_key {
        for c in clients {
            plan.refusals.push(refusal(
                c,
                &format!(
                    "the root is {name}, whose private key is public: anyone can forge certificates under it, so tlsdoctor will never add it"
                ),
                vec!["remove that root from every trust store that has it; the server (or the software intercepting it) needs a certificate from a CA whose key is private".into()],
            ));
        }
        return plan;
    }
    if root.self_signed_leaf && !ctx.include_self_signed {
        for c in clients {
            plan.refusals.push(refusal(
                c,
                "the server's certificate signs itself; there is no CA to trust",
                vec![
                    "run again with --include-self-signed to trust that certificate itself (redo at every renewal)".into(),
                    "better: issue the server's certificate from a local CA (mkcert) and trust that CA".into(),
                ],
            ));
        }
        return plan;
    }
    for c in clients {
        plan_client(ctx, root, c, &mut plan);
    }
    plan
}

pub(super) fn refusal(c: &FailingClient, reason: &str, options: Vec<String>) -> Refusal {
    Refusal {
        client: c.client.clone(),
        executable: c.executable.clone(),
        reason: reason.to_string(),
        options,
    }
}

fn plan_client(ctx: &Context, root: &NeededRoot, c: &FailingClient, plan: &mut FixPlan) {
    let id = c.client.as_str();
    if PYTHON_FAMILY.contains(&id) {
        return plan_python(ctx, root, c, plan);
    }
    if id == "node" {
        return plan_node(ctx, root, c, plan);
    }
    if let Some(fix) = CONFIG_KEYS.iter().find(|k| k.client == id) {
        return plan_config_key(ctx, root, fix, c, plan);
    }
    plan.refusals.push(refusal(
        c,
        &format!("tlsdoctor has no automatic change for {id} yet"),
        vec![format!(
            "point {id} at the combined bundle (`tlsdoctor bundle {} --out FILE`) or install the root in the OS store",
            ctx.target
        )],
    ));
}

fn plan_node(ctx: &Context, root: &NeededRoot, c: &FailingClient, plan: &mut FixPlan) {
    let system = c
        .version
        .as_deref()
        .and_then(major_minor)
        .and_then(|v| node_system_ca(v, ctx.os))
        .filter(|_| root.in_os_store);
    match system {
        Some((name, value)) => {
            let value = if name == "NODE_OPTIONS" {
                Value::AppendFlag(value)
            } else {
                Value::Literal(value)
            };
            plan_variables(
                ctx,
                root,
                c,
                &[(name, value)],
                "this Node version reads the OS store, which holds the root, when told to",
                plan,
            )
        }
        None => plan_variables(
            ctx,
            root,
            c,
            &[("NODE_EXTRA_CA_CERTS", Value::Bundle)],
            "NODE_EXTRA_CA_CERTS adds the bundle's roots to Node's own (its version cannot read the OS store, or the root is not there)",
            plan,
        ),
    }
}

/// The root alone as a PEM file under the data directory (for the OS-store
/// command), added once; returns its path.
fn add_root_file(ctx: &Context, root: &NeededRoot, plan: &mut FixPlan) -> PathBuf {
    let short = root.facts.sha256.get(..12).unwrap_or(&root.facts.sha256);
    let path = ctx.data_dir.join(format!("root-{short}.pem"));
    let der = root.facts.der.clone();
    plan.add_file(FileChange {
        path: path.clone(),
        kind: FileKind::CreateFile {
            contents: bundle::render(ctx.target, std::slice::from_ref(&der), "none"),
            shown: vec![format!(
                "# {} (SHA-256 {})",
                bundle::escape_comment(&root.facts.display_name),
                root.facts.sha256
            )],
            certificates: Some(vec![der]),
        },
    });
    path
}

/// The command that adds `file` to this platform's system store (printed only).
pub fn system_store_command(os: Os, file: &Path) -> String {
    let f = file.display();
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tlsdoctor-root".into());
    match os {
        Os::Linux => format!(
            "sudo cp '{f}' '/usr/local/share/ca-certificates/tlsdoctor-{name}.crt' && sudo update-ca-certificates"
        ),
        Os::MacOs => format!(
            "sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain '{f}'"
        ),
        Os::Windows => format!("certutil -addstore -user Root '{f}'"),
    }
}

/// The bundle's file change, added once, and shown as part of `c`'s fix.
fn add_bundle(ctx: &Context, root: &NeededRoot, c: &FailingClient, plan: &mut FixPlan) -> PathBuf {
    let path = ctx.bundle_path();
    let change = bundle::change(
        &path,
        ctx.target,
        root.facts,
        &ctx.kept_roots,
        ctx.mozilla,
        ctx.mozilla_source,
    );
    let lines = change.lines();
    let file = plan.add_file(change);
    let listed = plan.items.iter().any(|i| {
        i.client == c.client
            && i.executable == c.executable
            && matches!(i.change, Change::File { file: f, .. } if f == file)
    });
    if !listed {
        plan.items.push(PlanItem {
            client: c.client.clone(),
            executable: c.executable.clone(),
            change: Change::File { file, lines },
            why: "the combined bundle: Mozilla's roots and the root this server needs, in one file"
                .into(),
        });
    }
    path
}

/// What a variable of the profile block is set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Value<'v> {
    /// The combined bundle's path.
    Bundle,
    /// This literal value.
    Literal(&'v str),
    /// A flag added to what the variable holds when the shell starts
    /// (`NODE_OPTIONS`): what the user set stays, the flag is added once, and
    /// removing the block gives back exactly the value before.
    AppendFlag(&'v str),
}

/// `current` with `flag` added at the end unless it is there already.
pub fn with_flag(current: Option<&str>, flag: &str) -> String {
    match current.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) if c.split_whitespace().any(|w| w == flag) => c.to_string(),
        Some(c) => format!("{c} {flag}"),
        None => flag.to_string(),
    }
}

/// The profile line that adds `flag` to `name` when it is not there yet.
/// `flag` is tlsdoctor's own constant (no quoting needed beyond the shell's).
pub fn append_flag_line(shell: Shell, name: &str, flag: &str) -> String {
    match shell {
        Shell::Posix => format!(
            "case \" ${{{name}-}} \" in *\" {flag} \"*) ;; *) export {name}=\"${{{name}:+${name} }}{flag}\" ;; esac"
        ),
        Shell::Fish => format!(
            "contains -- {flag} (string split ' ' -- \"${name}\"); or set -gx {name} (string trim -- \"${name} {flag}\")"
        ),
        Shell::PowerShell => format!(
            "if (\" $env:{name} \" -notlike '* {flag} *') {{ $env:{name} = \"$env:{name} {flag}\".Trim() }}"
        ),
        Shell::Cmd => format!("set \"{name}=%{name}% {flag}\""),
    }
}

/// Set variables in every profile's block.
pub(super) fn plan_variables(
    ctx: &Context,
    root: &NeededRoot,
    c: &FailingClient,
    vars: &[(&str, Value)],
    why: &str,
    plan: &mut FixPlan,
) {
    let needs_bundle = vars.iter().any(|(_, v)| *v == Value::Bundle);
    let bundle = needs_bundle.then(|| add_bundle(ctx, root, c, plan));
    let bundle_text = bundle
        .as_ref()
        .map(|b| b.display().to_string())
        .unwrap_or_default();
    let header = format!(
        "# Added by `tlsdoctor fix` for {}; `tlsdoctor fix --undo` removes it.",
        bundle::escape_comment(ctx.target)
    );
    for (name, value) in vars {
        // What a new shell has: the value the clients are evaluated again with.
        let now = match value {
            Value::Bundle => bundle_text.clone(),
            Value::Literal(v) => v.to_string(),
            Value::AppendFlag(flag) => with_flag(ctx.node_options.as_deref(), flag),
        };
        let pair = (name.to_string(), now);
        if !plan.env.contains(&pair) {
            plan.env.push(pair);
        }
    }
    for (shell, profile) in &ctx.profiles {
        let lines: Vec<String> = vars
            .iter()
            .map(|(name, value)| match value {
                Value::Bundle => shell.set_env(name, &bundle_text),
                Value::Literal(v) => shell.set_env(name, v),
                Value::AppendFlag(flag) => append_flag_line(*shell, name, flag),
            })
            .collect();
        let mut body = vec![header.clone()];
        body.extend(lines.iter().cloned());
        let file = plan.add_file(FileChange {
            path: profile.clone(),
            kind: FileKind::MarkedBlock { body },
        });
        plan.items.push(PlanItem {
            client: c.client.clone(),
            executable: c.executable.clone(),
            change: Change::File { file, lines },
            why: why.to_string(),
        });
    }
}

fn plan_config_key(
    ctx: &Context,
    root: &NeededRoot,
    fix: &ConfigKeyFix,
    c: &FailingClient,
    plan: &mut FixPlan,
) {
    let value = match fix.os_store_value {
        Some(v) if root.in_os_store => v.to_string(),
        Some(_) => {
            // The tool reads only the OS store: adding the root there needs
            // admin rights, so the command is printed, never run.
            let file = add_root_file(ctx, root, plan);
            plan.items.push(PlanItem {
                client: c.client.clone(),
                executable: c.executable.clone(),
                change: Change::Command {
                    command: system_store_command(ctx.os, &file),
                    why: "run by you: it changes the system trust store".into(),
                },
                why: format!(
                    "{} can only read the OS store, which does not hold the root: add it there (as admin), then run `tlsdoctor fix` again to switch {} to it",
                    fix.client, fix.client
                ),
            });
            return;
        }
        None => add_bundle(ctx, root, c, plan).display().to_string(),
    };
    // A path in TOML, and in .curlrc (whose quoted parameters take the
    // same escapes): a space must not end it.
    let quoted = fix.syntax == Syntax::Toml || fix.client == "curl";
    let value = if quoted && fix.os_store_value.is_none() {
        toml_string(&value)
    } else {
        value
    };
    let rel = if ctx.os == Os::Windows {
        fix.windows_file
    } else {
        fix.file
    };
    let setting = KeySetting {
        syntax: fix.syntax,
        section: fix.section.map(str::to_string),
        key: fix.key.to_string(),
        value,
    };
    let lines = setting.shown_lines();
    let file = plan.add_file(FileChange {
        path: ctx.home.join(rel),
        kind: FileKind::ConfigKey(setting),
    });
    plan.items.push(PlanItem {
        client: c.client.clone(),
        executable: c.executable.clone(),
        change: Change::File { file, lines },
        why: fix.why.to_string(),
    });
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[path = "choose_python.rs"]
mod choose_python;
use choose_python::plan_python;

#[cfg(test)]
#[path = "choose_tests.rs"]
mod tests;
