//! `tlsdoctor fix` reports as human text, JSON or markdown. Renderers only
//! arrange what `fix::command` decided; untrusted text (certificate names,
//! client error lines, paths) goes through [`crate::untrusted`]: `escape`
//! for the terminal, `markdown` (text, code spans, fences) for markdown.

use std::fmt::Write as _;

use super::Format;
use crate::fix::command::{FixReport, UndoReport};
use crate::fix::prove::ClientRun;

/// Untrusted text (certificate names, client errors, file contents) made
/// safe for the terminal: the one untrusted-text module's escape.
fn esc(s: &str) -> String {
    crate::untrusted::escape(s).into_owned()
}

fn mark(outcome: &str) -> &'static str {
    match outcome {
        "trusts" => "✓",
        "unknown" => "?",
        _ => "✗",
    }
}

fn run_text(r: &ClientRun, md: bool) -> String {
    let word = format!("{}{}", r.outcome, how(r));
    match &r.error {
        Some(e) => format!("{word}: {}", t(e, md)),
        None => word,
    }
}

/// " (run)" for a client that was run, nothing for a prediction.
fn how(r: &ClientRun) -> &'static str {
    if r.how == "run" {
        " (run)"
    } else {
        ""
    }
}

/// Render a fix report.
pub fn fix(report: &FixReport, format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report)?;
            s.push('\n');
            s
        }
        Format::Human => human(report, false),
        Format::Markdown => human(report, true),
    })
}

/// Text for the chosen format: escaped for the terminal, and for markdown
/// and HTML too when `md`.
fn t(s: &str, md: bool) -> String {
    if md {
        crate::untrusted::markdown::prose(s)
    } else {
        esc(s)
    }
}

/// A local path, as code in markdown.
fn p(path: &std::path::Path, md: bool) -> String {
    let shown = path.display().to_string();
    if md {
        crate::untrusted::markdown::code_span(&shown)
    } else {
        crate::untrusted::for_terminal(&shown)
    }
}

/// Human text; `md` makes headings, escapes untrusted text and fences file lines.
fn human(r: &FixReport, md: bool) -> String {
    let mut o = String::new();
    let head = if md { "## " } else { "" };
    let _ = writeln!(
        o,
        "{head}tlsdoctor fix {} — {}",
        t(&r.target, md),
        r.verdict
    );
    if let Some(problem) = &r.problem {
        let _ = writeln!(o, "\n{}", t(problem, md));
        return o;
    }
    if let Some(root) = &r.root {
        let _ = writeln!(
            o,
            "\nroot needed: {} (SHA-256 {}), from {}",
            t(&root.subject, md),
            root.sha256,
            t(&root.from, md)
        );
    }
    let sub = if md { "### " } else { "" };
    if r.plan.is_empty() && r.refused.is_empty() && !r.before.iter().any(|c| c.outcome == "fails") {
        let _ = writeln!(
            o,
            "\n✓ nothing to fix: no client found fails for {}.",
            t(&r.target, md)
        );
        for c in &r.before {
            let _ = writeln!(
                o,
                "  {} {} ({})",
                mark(&c.outcome),
                c.client,
                p(&c.executable, md)
            );
        }
        notes(&mut o, r, md);
        return o;
    }
    if r.after.is_empty() {
        before_after(&mut o, r, sub, md);
    }
    let dry = r.mode == "dry_run";
    let title = if dry {
        "Plan (dry run: nothing was changed; run again with --apply to make these changes)"
    } else {
        "Changes"
    };
    let _ = writeln!(o, "\n{sub}{title}");
    plan_groups(&mut o, r, md);
    for refusal in &r.refused {
        let _ = writeln!(
            o,
            "  ✗ {} ({}): no change made — {}",
            refusal.client,
            p(&refusal.executable, md),
            t(&refusal.reason, md)
        );
        for option in &refusal.options {
            let _ = writeln!(o, "    - {}", t(option, md));
        }
    }
    if !r.after.is_empty() {
        before_after(&mut o, r, sub, md);
    }
    notes(&mut o, r, md);
    if !dry && r.plan.iter().any(|l| l.applied) {
        let _ = writeln!(o, "\nUndo every change above with: tlsdoctor fix --undo");
    }
    o
}

/// The plan, one group per file or command, naming the clients it fixes.
fn plan_groups(o: &mut String, r: &FixReport, md: bool) {
    let mut seen: Vec<String> = Vec::new();
    for line in &r.plan {
        let key = line
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .or_else(|| line.command.clone())
            .unwrap_or_default();
        if seen.contains(&key) {
            continue;
        }
        seen.push(key.clone());
        let group: Vec<_> = r
            .plan
            .iter()
            .filter(|l| {
                l.path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .or_else(|| l.command.clone())
                    .unwrap_or_default()
                    == key
            })
            .collect();
        let mut by_exe: Vec<(String, Vec<&str>)> = Vec::new();
        for l in &group {
            let exe = p(&l.executable, md);
            match by_exe.iter_mut().find(|(e, _)| *e == exe) {
                Some((_, names)) if !names.contains(&l.client.as_str()) => names.push(&l.client),
                Some(_) => {}
                None => by_exe.push((exe, vec![&l.client])),
            }
        }
        let clients: Vec<String> = by_exe
            .iter()
            .map(|(exe, names)| format!("{} ({exe})", names.join(", ")))
            .collect();
        let state = match (&line.skipped, line.applied) {
            (Some(why), _) => format!(" — not applied: {}", t(why, md)),
            (None, true) => " — applied".to_string(),
            _ => String::new(),
        };
        let _ = writeln!(o, "\n  for {}{state}", clients.join(", "));
        if let Some(path) = &line.path {
            let _ = writeln!(o, "    file {}:", p(path, md));
            // The first client's lines as they are; others add only what is new.
            let mut lines: Vec<String> = line.lines.clone().unwrap_or_default();
            for l in group.iter().skip(1) {
                for text in l.lines.iter().flatten() {
                    if !lines.contains(text) {
                        lines.push(text.clone());
                    }
                }
            }
            fenced(o, &lines, md, "      ");
        }
        if let Some(cmd) = &line.command {
            let who = if line.run_by == Some("you") {
                "run it yourself (tlsdoctor never runs sudo or changes the system store)"
            } else {
                "run (by tlsdoctor, with --apply)"
            };
            let _ = writeln!(o, "    {who}:");
            fenced(o, std::slice::from_ref(cmd), md, "      ");
        }
        let mut whys: Vec<&str> = Vec::new();
        for l in &group {
            if !whys.contains(&l.why.as_str()) {
                whys.push(&l.why);
            }
        }
        for why in whys {
            let _ = writeln!(o, "    why: {why}");
        }
    }
}

fn fenced(o: &mut String, lines: &[String], md: bool, indent: &str) {
    if md {
        // A fence sized to the lines, so no line can close it.
        let fence = crate::untrusted::markdown::fence(&lines.join("\n"), "");
        for l in fence.lines() {
            let _ = writeln!(o, "{indent}{l}");
        }
    } else {
        for l in lines {
            let _ = writeln!(o, "{indent}{}", esc(l));
        }
    }
}

fn before_after(o: &mut String, r: &FixReport, sub: &str, md: bool) {
    if r.after.is_empty() {
        let _ = writeln!(
            o,
            "\n{sub}Clients now (\"run\": the client was run against the target)"
        );
        for c in &r.before {
            let _ = writeln!(
                o,
                "  {} {} ({}): {}",
                mark(&c.outcome),
                c.client,
                p(&c.executable, md),
                run_text(c, md)
            );
        }
        return;
    }
    let _ = writeln!(
        o,
        "\n{sub}Before → after (evaluated again; \"run\": the client was run against the target)"
    );
    for b in &r.before {
        let after = r
            .after
            .iter()
            .find(|a| a.client == b.client && a.executable == b.executable);
        let a_text = after
            .map(|a| run_text(a, md))
            .unwrap_or_else(|| "not run".into());
        let a_mark = after.map(|a| mark(&a.outcome)).unwrap_or("?");
        let _ = writeln!(
            o,
            "  {a_mark} {} ({}): {}{} → {a_text}",
            b.client,
            p(&b.executable, md),
            b.outcome,
            how(b)
        );
    }
}

fn notes(o: &mut String, r: &FixReport, md: bool) {
    for n in &r.notes {
        let _ = writeln!(o, "\nnote: {}", t(n, md));
    }
}

/// Render an undo report.
pub fn undo(report: &UndoReport, format: Format) -> anyhow::Result<String> {
    if format == Format::Json {
        let mut s = serde_json::to_string_pretty(report)?;
        s.push('\n');
        return Ok(s);
    }
    let mut o = String::new();
    let head = if format == Format::Markdown {
        "## "
    } else {
        ""
    };
    let _ = writeln!(o, "{head}tlsdoctor fix --undo");
    if report.files.is_empty() && report.packages.is_empty() {
        let _ = writeln!(
            o,
            "nothing to undo: no manifest at {}",
            report.manifest.display()
        );
        return Ok(o);
    }
    for f in &report.files {
        let text = match f.outcome {
            "restored" => "✓ restored as it was before",
            "removed" => "✓ removed (tlsdoctor created it)",
            "already_gone" => "✓ already as before",
            _ => "✗ changed since tlsdoctor wrote it: left as it is, still in the manifest; remove tlsdoctor's lines by hand",
        };
        let _ = writeln!(o, "  {} — {text}", f.path.display());
    }
    for pkg in &report.packages {
        let text = match pkg.outcome {
            "removed" => "✓ uninstalled (tlsdoctor installed it)".to_string(),
            "already_gone" => "✓ already uninstalled".to_string(),
            "changed_since" => "✗ upgraded or reinstalled since tlsdoctor installed it: left installed, still in the manifest".to_string(),
            _ => format!(
                "✗ could not be uninstalled ({}): still in the manifest",
                t(pkg.error.as_deref().unwrap_or("no message"), format == Format::Markdown)
            ),
        };
        let _ = writeln!(o, "  {} in {} — {text}", pkg.package, pkg.python.display());
    }
    Ok(o)
}

#[cfg(test)]
mod snapshot_tests {
    //! Every format of `fix`'s reports on hand-built values, hostile strings included.

    use std::path::PathBuf;

    use super::*;
    use crate::findings::Verdict;
    use crate::fix::command::{PackageUndoLine, PlanLine, RootLine, UndoLine};
    use crate::fix::Refusal;

    fn run(client: &str, outcome: &str, error: Option<&str>) -> ClientRun {
        ClientRun {
            client: client.into(),
            executable: PathBuf::from("/p/.venv/bin/python"),
            version: None,
            outcome: outcome.into(),
            error: error.map(str::to_string),
            how: "run",
            interpreter: None,
            python: None,
        }
    }

    fn report(mode: &'static str) -> FixReport {
        let applied = mode == "apply";
        let site = PathBuf::from("/p/.venv/lib/python3.12/site-packages/sitecustomize.py");
        let block = vec![
            "# >>> tlsdoctor >>>".to_string(),
            "import truststore".to_string(),
            "# <<< tlsdoctor <<<".to_string(),
        ];
        let line = |client: &str| PlanLine {
            client: client.into(),
            executable: PathBuf::from("/p/.venv/bin/python"),
            change: "file",
            path: Some(site.clone()),
            lines: Some(block.clone()),
            command: None,
            run_by: None,
            why: "truststore makes this venv's Python verify with the OS store".into(),
            applied,
            skipped: None,
        };
        let install = PlanLine {
            change: "command",
            path: None,
            lines: None,
            command: Some("/p/.venv/bin/python -m pip install 'truststore>=0.10.1,<1'".into()),
            run_by: Some("tlsdoctor"),
            why: "truststore installed with the venv's own pip".into(),
            ..line("python-httpx")
        };
        FixReport {
            schema_version: 1,
            target: "api.example.com:8443".into(),
            verdict: Verdict::CorporateInterception,
            mode,
            root: Some(RootLine {
                subject: "CN=Evil\u{1b}[31m Root\u{202e}".into(),
                sha256: "ab".repeat(32),
                from: "the OS store (/etc/ssl/certs/ca-certificates.crt)".into(),
            }),
            problem: None,
            plan: vec![line("python-httpx"), line("python-requests"), install],
            refused: vec![Refusal {
                client: "python".into(),
                executable: PathBuf::from("/usr/bin/python3.13"),
                reason: "Python 3.13+ on Linux verifies with VERIFY_X509_STRICT".into(),
                options: vec![
                    "a compliant root from IT".into(),
                    "clear VERIFY_X509_STRICT in the app".into(),
                ],
            }],
            before: vec![
                run(
                    "python-httpx",
                    "fails",
                    Some("[SSL: CERTIFICATE_VERIFY_FAILED] <b>*x*</b>"),
                ),
                run(
                    "python-requests",
                    "fails",
                    Some("CERTIFICATE_VERIFY_FAILED"),
                ),
            ],
            after: if applied {
                vec![
                    run("python-httpx", "trusts", None),
                    run("python-requests", "trusts", None),
                ]
            } else {
                Vec::new()
            },
            notes: vec!["the variables take effect in new terminals".into()],
        }
    }

    fn all_formats(name: &str, r: &FixReport) {
        for format in [Format::Human, Format::Json, Format::Markdown] {
            let text = fix(r, format).unwrap();
            assert!(
                !text.contains('\u{1b}'),
                "{format:?} printed an escape byte"
            );
            insta::assert_snapshot!(format!("fix_{name}_{format:?}").to_lowercase(), text);
        }
    }

    #[test]
    fn dry_run_apply_and_servers_problem_in_every_format() {
        all_formats("dry_run", &report("dry_run"));
        all_formats("apply", &report("apply"));
        let mut server = report("dry_run");
        server.verdict = Verdict::HostnameMismatch;
        server.root = None;
        server.plan.clear();
        server.refused.clear();
        server.before.clear();
        server.problem = Some(
            "api.example.com is not valid for the name asked. This is the server's to fix".into(),
        );
        all_formats("server_problem", &server);
    }

    /// The README's before → after example is this renderer's output: its
    /// headings and lines read as the renderer writes them today.
    #[test]
    fn the_readme_shows_a_before_after_example_in_todays_words() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("$ tlsdoctor fix localhost")
            .expect("a fix example in the README");
        let example = readme.get(start..).unwrap_or_default();
        let example = example.get(..example.find("```").unwrap()).unwrap();
        let apply = human(&report("apply"), false);
        for line in apply.lines().filter(|l| {
            l.starts_with("Before → after") || l.starts_with("Undo every change") || *l == "Changes"
        }) {
            assert!(example.contains(line), "the README lacks {line:?}");
        }
        assert!(example.contains("fails (run) → trusts (run)"), "{example}");
        assert!(example.contains("$ tlsdoctor fix --undo"), "{example}");
        assert!(
            example.contains("uninstalled (tlsdoctor installed it)"),
            "{example}"
        );
    }

    #[test]
    fn undo_in_every_format() {
        let r = UndoReport {
            schema_version: 1,
            manifest: PathBuf::from("/home/u/.local/state/tlsdoctor/manifest.json"),
            files: vec![
                UndoLine {
                    path: PathBuf::from("/home/u/.bashrc"),
                    outcome: "changed_since",
                },
                UndoLine {
                    path: PathBuf::from("/home/u/.npmrc"),
                    outcome: "removed",
                },
                UndoLine {
                    path: PathBuf::from("/home/u/.config/pip/pip.conf"),
                    outcome: "restored",
                },
            ],
            packages: vec![
                PackageUndoLine {
                    python: PathBuf::from("/p/.venv/bin/python"),
                    package: "truststore".into(),
                    outcome: "removed",
                    error: None,
                },
                PackageUndoLine {
                    python: PathBuf::from("/q/.venv/bin/python"),
                    package: "truststore".into(),
                    outcome: "failed",
                    error: Some("pip uninstall -y truststore failed: \u{1b}[31mno".into()),
                },
            ],
        };
        for format in [Format::Human, Format::Json, Format::Markdown] {
            insta::assert_snapshot!(
                format!("fix_undo_{format:?}").to_lowercase(),
                undo(&r, format).unwrap()
            );
        }
    }
}
