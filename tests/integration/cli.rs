//! Bad input: every case exits 2 with one line on stderr, quickly, without a
//! panic and without opening a connection.
//!
//! Targets that are valid point at a [`RawServer`] that counts connections, so a
//! probe made before the input was rejected is seen directly (and would also
//! show as exit 1, not 2).

use std::time::Duration;

use crate::support::*;

/// One bad invocation. In `args`, `{port}` is the counting server's port and
/// `{garbage}` a file of text that is not PEM. Unless the case passes them
/// itself, valid `--bundled-roots` and `--os-roots` files and `--no-http` are
/// added (`--no-http` for `check` only), so the case's mistake is the only one.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    /// Something of the user's input that the error line should quote.
    quotes: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        name: "empty target",
        args: &["check", ""],
        quotes: None,
    },
    Case {
        name: "port 0",
        args: &["check", "127.0.0.1:0"],
        quotes: None,
    },
    Case {
        name: "port out of range",
        args: &["check", "127.0.0.1:65536"],
        quotes: Some("65536"),
    },
    Case {
        name: "ftp scheme",
        args: &["check", "ftp://127.0.0.1:{port}"],
        quotes: Some("ftp"),
    },
    Case {
        name: "http scheme",
        args: &["check", "http://127.0.0.1:{port}"],
        quotes: Some("http"),
    },
    Case {
        name: "space in host",
        args: &["check", "ho st"],
        quotes: Some("ho st"),
    },
    Case {
        name: "unknown flag",
        args: &["check", "127.0.0.1:{port}", "--bogus"],
        quotes: Some("--bogus"),
    },
    Case {
        name: "missing bundled roots file",
        args: &[
            "check",
            "127.0.0.1:{port}",
            "--bundled-roots",
            "/nonexistent.pem",
        ],
        quotes: Some("/nonexistent.pem"),
    },
    Case {
        name: "os roots file of garbage",
        args: &["check", "127.0.0.1:{port}", "--os-roots", "{garbage}"],
        quotes: Some("{garbage}"),
    },
    Case {
        name: "unknown verdict to allow",
        args: &["check", "127.0.0.1:{port}", "--allow", "fine"],
        quotes: Some("fine"),
    },
    Case {
        name: "negative timeout",
        args: &["check", "127.0.0.1:{port}", "--timeout", "-1"],
        quotes: Some("-1"),
    },
    Case {
        name: "non-numeric timeout",
        args: &["check", "127.0.0.1:{port}", "--timeout", "abc"],
        quotes: Some("abc"),
    },
    Case {
        name: "malformed resolve",
        args: &["check", "127.0.0.1:{port}", "--resolve", "garbage"],
        quotes: Some("garbage"),
    },
    Case {
        name: "unsupported proxy scheme",
        args: &["check", "127.0.0.1:{port}", "--proxy", "ftp://proxy:21"],
        quotes: Some("ftp"),
    },
    Case {
        name: "inspect a file that is not a certificate",
        args: &["inspect", "{garbage}", "--host", "example.com"],
        quotes: None,
    },
];

#[test]
fn bad_input_exits_2_with_one_line_and_probes_nothing() {
    let scratch = Scratch::new();
    let roots = scratch.pem_file("roots.pem", &[unrelated_root()]);
    let garbage = scratch.write("garbage.pem", "this is not a certificate\nnor PEM\n");
    let garbage = garbage.to_str().expect("utf-8 temp path");
    let server = RawServer::start(raw::close_after_read());
    let port = server.port().to_string();
    let fill = |s: &str| s.replace("{port}", &port).replace("{garbage}", garbage);

    let mut failures = Vec::new();
    for case in CASES {
        let args: Vec<String> = case.args.iter().map(|a| fill(a)).collect();
        let mut cmd = tlsdoctor();
        cmd.env("RUST_BACKTRACE", "1").args(&args);
        for flag in ["--bundled-roots", "--os-roots"] {
            if !case.args.contains(&flag) {
                cmd.arg(flag).arg(&roots);
            }
        }
        if case.args.first() == Some(&"check") {
            cmd.arg("--no-http");
        }
        let before = server.connections();
        let out = run(cmd);

        let mut wrong = Vec::new();
        if out.code != 2 {
            wrong.push(format!("exit code {} instead of 2", out.code));
        }
        let lines: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        if lines.len() != 1 {
            wrong.push(format!(
                "{} non-empty stderr lines instead of 1",
                lines.len()
            ));
        }
        let lower = out.stderr.to_lowercase();
        if lower.contains("panicked") || lower.contains("backtrace") {
            wrong.push("stderr shows a panic".to_string());
        }
        if let Some(quote) = case.quotes.map(fill) {
            if !out.stderr.contains(&quote) {
                wrong.push(format!("stderr does not quote {quote:?}"));
            }
        }
        if out.elapsed > Duration::from_secs(5) {
            wrong.push(format!("took {:?}", out.elapsed));
        }
        if server.connections() != before {
            wrong.push("opened a connection".to_string());
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{} ({:?}): {}\n  --- stdout ---\n{}\n  --- stderr ---\n{}",
                case.name,
                args,
                wrong.join("; "),
                out.stdout,
                out.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases are wrong:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn help_exits_0() {
    let out = run({
        let mut cmd = tlsdoctor();
        cmd.arg("--help");
        cmd
    });
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(out.stdout.contains("check"), "{}", out.stdout);
}

#[test]
fn check_help_lists_the_contract_options() {
    let out = run({
        let mut cmd = tlsdoctor();
        cmd.args(["check", "--help"]);
        cmd
    });
    assert_eq!(out.code, 0, "{out:#?}");
    for option in [
        "--format",
        "--resolve",
        "--bundled-roots",
        "--os-roots",
        "--timeout",
        "--no-http",
        "--allow",
        "--at",
    ] {
        assert!(
            out.stdout.contains(option),
            "no {option} in:\n{}",
            out.stdout
        );
    }
}

#[test]
fn a_panic_is_one_line_asking_for_a_bug_report_not_a_backtrace() {
    let mut cmd = tlsdoctor();
    cmd.env("TLSDOCTOR_TEST_PANIC", "1")
        .env("RUST_BACKTRACE", "1");
    cmd.args(["check", "127.0.0.1:1"]);
    let out = run(cmd);
    assert_eq!(out.code, 101, "{}", out.stderr);
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(
        lines[0].contains("internal error") && lines[0].contains("bug"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("backtrace") && !out.stderr.contains("panicked"),
        "{}",
        out.stderr
    );
}

#[test]
fn check_help_ends_with_examples() {
    let out = run({
        let mut cmd = tlsdoctor();
        cmd.args(["check", "--help"]);
        cmd
    });
    assert_eq!(out.code, 0, "{out:#?}");
    let examples = out
        .stdout
        .split_once("\nExamples:\n")
        .map(|(_, tail)| tail)
        .unwrap_or_else(|| panic!("no Examples section at the end of:\n{}", out.stdout));
    for example in [
        "tlsdoctor check api.openai.com\n",
        "--format json --allow corporate_interception",
        "--resolve api.example.com:8443:127.0.0.1",
    ] {
        assert!(examples.contains(example), "no {example:?} in:\n{examples}");
    }
}

/// A mistyped subcommand, flag or value: still one line and exit 2, now
/// naming the nearest valid one.
#[test]
fn a_typo_suggests_the_nearest_subcommand_flag_or_value() {
    for (args, suggestion) in [
        (&["chek", "example.com"][..], "'check'"),
        (
            &["check", "127.0.0.1:1", "--formt", "json"][..],
            "'--format'",
        ),
        (&["check", "127.0.0.1:1", "--format", "jsn"][..], "'json'"),
        (&["inspct", "chain.pem"][..], "'inspect'"),
    ] {
        let out = run({
            let mut cmd = tlsdoctor();
            cmd.args(args);
            cmd
        });
        assert_eq!(out.code, 2, "{args:?}: {out:#?}");
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {}", out.stderr);
        assert!(
            lines[0].contains("similar") && lines[0].contains(suggestion),
            "{args:?}: no {suggestion} in {}",
            out.stderr
        );
    }
}
