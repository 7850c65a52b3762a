//! The choice for the Python family (ssl, requests, httpx): truststore
//! with `sitecustomize.py` where tlsdoctor may install it (a venv, or a base
//! interpreter of the user's own in the home), else the combined bundle
//! through variables; Python 3.13's strict profile refused on Linux; an
//! externally managed interpreter (PEP 668) gets a printed venv command,
//! never an install. Pure, as the rest of the choice.

use std::path::{Path, PathBuf};

use super::{plan_variables, refusal, Context, FailingClient, NeededRoot, Value};
use crate::fix::{python, Change, FixPlan, PlanItem};
use crate::knowledge::clients_python::site_packages;
use crate::knowledge::Os;

pub(super) fn plan_python(ctx: &Context, root: &NeededRoot, c: &FailingClient, plan: &mut FixPlan) {
    let version = c.python_version;
    let strict = version.is_some_and(|v| v >= (3, 13));
    if strict && root.breaks_strict && ctx.os == Os::Linux {
        plan.refusals.push(refusal(
            c,
            "Python 3.13+ on Linux verifies with VERIFY_X509_STRICT (through truststore too, which is OpenSSL here), and this chain breaks that profile: no change keeps verification whole",
            vec![
                "ask the vendor or IT for a root that meets the strict profile (basicConstraints critical, keyUsage, an authority key identifier); then every client works unchanged".into(),
                "in your application, clear the flag on its own context: `ctx = ssl.create_default_context(); ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT` (verification stays on, but the checks Python 3.13 added are skipped for every server it talks to)".into(),
            ],
        ));
        return;
    }
    let modern = version.is_some_and(|v| v >= (3, 10));
    let os_route = modern && root.in_os_store;
    match (own_prefix(ctx, c), version) {
        (Some(prefix), Some(v)) if os_route => plan_truststore(ctx, c, &prefix, v, plan),
        _ => {
            let why = if c.venv.is_some() && !modern {
                "Python before 3.10 cannot use truststore: SSL_CERT_FILE and REQUESTS_CA_BUNDLE point it at the combined bundle"
            } else {
                "SSL_CERT_FILE (ssl, httpx) and REQUESTS_CA_BUNDLE (requests) point it at the combined bundle"
            };
            plan_variables(
                ctx,
                root,
                c,
                &[
                    ("SSL_CERT_FILE", Value::Bundle),
                    ("REQUESTS_CA_BUNDLE", Value::Bundle),
                ],
                why,
                plan,
            );
            if os_route && c.venv.is_none() && c.externally_managed {
                plan_pep668(ctx, c, plan);
            }
        }
    }
}

/// Where truststore and `sitecustomize.py` may go for `c`: its venv, or a
/// base interpreter's prefix in the home that is not externally managed.
fn own_prefix(ctx: &Context, c: &FailingClient) -> Option<PathBuf> {
    if let Some(venv) = &c.venv {
        return Some(venv.clone());
    }
    c.base_prefix
        .clone()
        .filter(|p| !c.externally_managed && p.starts_with(ctx.home))
}

/// `sitecustomize.py` that injects truststore in `prefix`'s site-packages,
/// and truststore installed there with the interpreter's own pip (once).
fn plan_truststore(
    ctx: &Context,
    c: &FailingClient,
    prefix: &Path,
    v: (u32, u32),
    plan: &mut FixPlan,
) {
    let windows = ctx.os == Os::Windows;
    let site = c
        .site_packages
        .clone()
        .unwrap_or_else(|| site_packages(prefix, v, windows));
    let change = python::sitecustomize_change(&site, ctx.target);
    let lines = change.lines();
    let file = plan.add_file(change);
    let whose = if c.venv.is_some() {
        "this venv's Python"
    } else {
        "this Python (installed in your home)"
    };
    plan.items.push(PlanItem {
        client: c.client.clone(),
        executable: c.executable.clone(),
        change: Change::File { file, lines },
        why: format!("truststore makes {whose} verify with the OS store, which holds the root; sitecustomize.py loads it at every start"),
    });
    let python = c
        .interpreter
        .clone()
        .unwrap_or_else(|| c.executable.clone());
    let installed = plan
        .items
        .iter()
        .any(|i| matches!(&i.change, Change::PipInstall { python: p, .. } if *p == python));
    if !installed {
        plan.items.push(PlanItem {
            client: c.client.clone(),
            executable: c.executable.clone(),
            change: Change::PipInstall {
                python,
                requirement: python::TRUSTSTORE_REQUIREMENT.into(),
            },
            why: "truststore installed with the interpreter's own pip, through the OS store the fix relies on".into(),
        });
    }
}

/// An externally managed interpreter (PEP 668): pip refuses to install
/// into it, and tlsdoctor does not override that (never
/// `--break-system-packages`, never sudo). The OS-store route goes through
/// a venv: printed for the user to run, once per interpreter.
fn plan_pep668(ctx: &Context, c: &FailingClient, plan: &mut FixPlan) {
    let python = c
        .interpreter
        .clone()
        .unwrap_or_else(|| c.executable.clone());
    let printed = plan
        .items
        .iter()
        .any(|i| i.executable == c.executable && matches!(i.change, Change::Command { .. }));
    if printed {
        return;
    }
    let venv_python = if ctx.os == Os::Windows {
        r".venv\Scripts\python"
    } else {
        ".venv/bin/python"
    };
    let command = format!(
        "{} -m venv .venv && {venv_python} -m pip install {} && tlsdoctor fix {} --python .venv --apply",
        sh_quote(&python.display().to_string()),
        sh_quote(python::TRUSTSTORE_REQUIREMENT),
        sh_quote(ctx.target),
    );
    plan.items.push(PlanItem {
        client: c.client.clone(),
        executable: c.executable.clone(),
        change: Change::Command {
            command,
            why: "run by you: a venv for your project".into(),
        },
        why: format!(
            "{} is externally managed (PEP 668): pip refuses to install truststore into it and tlsdoctor does not override that; the variables above fix it now, and a venv with truststore verifies with the OS store instead",
            python.display()
        ),
    });
}

/// A POSIX shell word: as is when plain, else single-quoted.
pub(super) fn sh_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:+=@%,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
