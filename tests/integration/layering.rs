//! The shape of `src/` (issue 10): no import cycle among the top-level
//! modules, and Diagnose and Report import nothing from Probe or Machine.
//!
//! An edge A → B means that some file of module A (its own `a.rs`, or any
//! file under `a/`, test files included) names `crate::B` outside comments
//! and string literals: a `use`, a path in code, a re-export, or a group
//! (`use crate::{b, c::d}` gives B and C). Doc links are comments and do not
//! count. `super::` paths are not followed: none climbs out of its top-level
//! module today.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules that must not import from `FORBIDDEN_TARGETS` (pure stages).
const PURE: &[&str] = &["diagnose", "report"];
const FORBIDDEN_TARGETS: &[&str] = &["probe", "machine"];

type Edges = BTreeMap<(String, String), BTreeSet<String>>;

/// `source` with comments removed and string and char literals emptied,
/// so that only code is left to search.
fn code_only(source: &str) -> String {
    let s: Vec<char> = source.chars().collect();
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < s.len() {
        let c = at(i);
        if c == '/' && at(i + 1) == '/' {
            while i < s.len() && at(i) != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < s.len() {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && matches!(at(i + 1), '"' | '#') && starts_token(&s, i) {
            // A raw string r"…", r#"…"#, br"…" (or a raw identifier, r#try).
            let mut j = i + 1;
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) != '"' {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= s.len() {
                    break;
                }
                if at(j) == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < s.len() && at(i) != '"' {
                i += if at(i) == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A char literal ('x', '\n', '\u{..}'); a lifetime has no closing quote.
            i += 2;
            while i < s.len() && at(i) != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `r` at `i` begins a token (`r"…"`), or follows a `b` that does (`br"…"`).
fn starts_token(s: &[char], i: usize) -> bool {
    let ident = |k: usize| s.get(k).is_some_and(|c| c.is_alphanumeric() || *c == '_');
    match i.checked_sub(1) {
        None => true,
        Some(p) if s.get(p) == Some(&'b') => p == 0 || !ident(p - 1),
        Some(p) => !ident(p),
    }
}

/// The first names after each `crate::` in `code` (each name of a group).
fn crate_names(code: &str) -> Vec<String> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate") {
        let before = rest[..at].chars().next_back();
        let after = rest[at + "crate".len()..].trim_start();
        rest = &rest[at + "crate".len()..];
        if before.is_some_and(ident) {
            continue;
        }
        let Some(path) = after.strip_prefix("::") else {
            continue;
        };
        let path = path.trim_start();
        if let Some(group) = path.strip_prefix('{') {
            let mut depth = 0;
            let mut part_start = true;
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => part_start = true,
                    c if part_start && ident(c) => {
                        let name: String = group[k..].chars().take_while(|&c| ident(c)).collect();
                        names.push(name);
                        part_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            names.push(path.chars().take_while(|&c| ident(c)).collect());
        }
    }
    names
}

/// The top-level modules `src/lib.rs` declares.
fn top_modules(src: &Path) -> BTreeSet<String> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    code_only(&lib)
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line
                .strip_prefix("pub(crate) ")
                .or_else(|| line.strip_prefix("pub "))
                .unwrap_or(line);
            let name = line.strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.trim().to_string())
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every edge between top-level modules, with the files that make it.
fn module_edges(src: &Path) -> (BTreeSet<String>, Edges) {
    let modules = top_modules(src);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut edges = Edges::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src");
        let first = rel.components().next().expect("a component");
        let first = first.as_os_str().to_string_lossy();
        let from = first.strip_suffix(".rs").unwrap_or(&first).to_string();
        if !modules.contains(&from) {
            continue; // lib.rs, main.rs
        }
        let code = code_only(&std::fs::read_to_string(&file).expect("read a source file"));
        for to in crate_names(&code) {
            if to != from && modules.contains(&to) {
                let shown = format!("src/{}", rel.display());
                edges.entry((from.clone(), to)).or_default().insert(shown);
            }
        }
    }
    (modules, edges)
}

/// The shortest path of edges from `from` to `to`, if there is one.
fn path_between(edges: &Edges, from: &str, to: &str) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from]);
    while let Some(at) = queue.pop_front() {
        if at == to {
            let mut path = vec![to.to_string()];
            let mut cur = to;
            while cur != from {
                cur = came_from[cur];
                path.push(cur.to_string());
            }
            path.reverse();
            return Some(path);
        }
        for (a, b) in edges.keys().filter(|(a, _)| a == at) {
            if b != from && !came_from.contains_key(b.as_str()) {
                came_from.insert(b, a);
                queue.push_back(b);
            }
        }
    }
    None
}

/// Each edge that closes a cycle, or that goes from a pure stage to Probe
/// or Machine, in words.
fn offending_edges(edges: &Edges) -> Vec<String> {
    let mut out = Vec::new();
    for ((a, b), files) in edges {
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        if let Some(back) = path_between(edges, b, a) {
            out.push(format!(
                "cycle {a} -> {}: {a} -> {b} in {}",
                back.join(" -> "),
                files.join(", ")
            ));
        }
        if PURE.contains(&a.as_str()) && FORBIDDEN_TARGETS.contains(&b.as_str()) {
            out.push(format!("{a} must not import {b}: in {}", files.join(", ")));
        }
    }
    out
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_cycle_among_modules_and_pure_stages_import_no_io() {
    let (modules, edges) = module_edges(&src_dir());
    // The parse sees the crate: the pipeline's known arrows are there.
    for (a, b) in [
        ("pipeline", "probe"),
        ("diagnose", "findings"),
        ("report", "findings"),
        ("machine", "knowledge"),
    ] {
        assert!(
            edges.contains_key(&(a.to_string(), b.to_string())),
            "the module graph lost {a} -> {b}: is the parse broken? modules {modules:?}"
        );
    }
    let offending = offending_edges(&edges);
    assert!(
        offending.is_empty(),
        "imports against the pipeline (docs/development.md):\n  {}",
        offending.join("\n  ")
    );
}

#[test]
fn the_graph_reads_code_not_comments_or_strings() {
    let code = code_only(concat!(
        "//! [`crate::probe`] in a doc\n",
        "/* crate::machine /* nested */ crate::machine */\n",
        "let s = \"crate::probe\"; let r = r#\"crate::probe \"quoted\"\"#;\n",
        "let c = '\"'; fn f<'a>(x: &'a str) {}\n",
        "use crate::{findings::{Finding, Verdict}, trust};\n",
        "let v = crate :: knowledge::Platform::Linux; let x = my_crate::report;\n",
    ));
    assert_eq!(crate_names(&code), ["findings", "trust", "knowledge"]);
}

#[test]
fn a_cycle_and_a_forbidden_import_are_reported_with_their_files() {
    let mut edges = Edges::new();
    for (a, b, file) in [
        ("attempts", "diagnose", "src/attempts.rs"),
        ("diagnose", "attempts", "src/diagnose/attempts.rs"),
        ("report", "machine", "src/report/snapshot_tests.rs"),
        ("machine", "knowledge", "src/machine/mod.rs"),
        ("knowledge", "trust", "src/knowledge/x.rs"),
        ("trust", "machine", "src/trust/y.rs"),
    ] {
        edges
            .entry((a.into(), b.into()))
            .or_default()
            .insert(file.into());
    }
    let offending = offending_edges(&edges);
    assert_eq!(
        offending,
        [
            "cycle attempts -> diagnose -> attempts: attempts -> diagnose in src/attempts.rs",
            "cycle diagnose -> attempts -> diagnose: diagnose -> attempts in src/diagnose/attempts.rs",
            "cycle knowledge -> trust -> machine -> knowledge: knowledge -> trust in src/knowledge/x.rs",
            "cycle machine -> knowledge -> trust -> machine: machine -> knowledge in src/machine/mod.rs",
            "report must not import machine: in src/report/snapshot_tests.rs",
            "cycle trust -> machine -> knowledge -> trust: trust -> machine in src/trust/y.rs",
        ]
    );
}
