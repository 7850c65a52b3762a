//! `tlsdoctor bundle`'s report: what was written (or why nothing was), and
//! the exact lines that use the bundle, per shell.
//!
//! Words an [`Outcome`] only; must not decide which root or write files.

use super::paint::Paint;
use crate::bundle::Outcome;
use crate::untrusted::escape;

/// The human text for a bundle outcome.
pub fn render_human(outcome: &Outcome, color: bool) -> String {
    let p = Paint(color);
    let mut text = String::new();
    match outcome {
        Outcome::NoChain { target, why, .. } => {
            text.push_str(&format!(
                "{} no certificate chain from {}, so no bundle was written.\n  {}\n",
                p.bold("✗"),
                escape(target),
                escape(why)
            ));
        }
        Outcome::NotNeeded {
            target,
            bundled_source,
            problem,
        } => {
            let target = escape(target);
            text.push_str(&format!(
                "{} the bundled roots ({}) already trust {target}'s chain: no extra root is needed, nothing was written.\n",
                p.bold("✓"),
                escape(bundled_source)
            ));
            if let Some(problem) = problem {
                text.push_str(&format!(
                    "  But {target} has another problem that a CA bundle cannot fix:\n  {}\n",
                    escape(problem)
                ));
            }
        }
        Outcome::RootNotFound { why, remedies } => {
            text.push_str(&format!(
                "{} no bundle was written.\n  {}\n",
                p.bold("✗"),
                escape(why)
            ));
            for r in remedies {
                text.push_str(&format!("\n  {}: {}\n", r.ecosystem, escape(&r.action)));
                for c in &r.commands {
                    text.push_str(&format!("    {}\n", escape(c)));
                }
            }
        }
        Outcome::Written { .. } => written(&mut text, outcome, &p),
    }
    text
}

fn written(text: &mut String, outcome: &Outcome, p: &Paint) {
    let Outcome::Written {
        path,
        root_name,
        root_sha256,
        from,
        count,
        bundled_source,
        shells,
        alternative,
    } = outcome
    else {
        return;
    };
    text.push_str(&format!(
        "{} wrote {}\n  {} (from {from}, SHA-256 {root_sha256})\n  + {count} roots from {}\n",
        p.bold("✓"),
        escape(path),
        escape(root_name),
        escape(bundled_source)
    ));
    text.push_str(&format!(
        "\n{}\n",
        p.bold("Use it (this shell session; add the lines to your profile to keep them):")
    ));
    for (label, lines) in shells {
        text.push_str(&format!("  {label}:\n"));
        for line in lines {
            text.push_str(&format!("    {}\n", escape(line)));
        }
    }
    text.push_str(&format!(
        "\n{}\n  {}\n",
        p.bold(&format!("{}:", alternative.ecosystem)),
        alternative.action
    ));
    for c in &alternative.commands {
        text.push_str(&format!("    {c}\n"));
    }
}
