//! The fuzz corpora as regression tests on the stable toolchain.
//!
//! cargo-fuzz needs nightly flags, which CI does not have; this replays
//! every file in `fuzz/corpus/<target>/` through the very function the fuzz
//! target calls (`fuzz/src/lib.rs`, included below), so an input that once
//! crashed a target keeps being run. See docs/fuzzing.md.

#[allow(dead_code)]
#[path = "../../fuzz/src/lib.rs"]
mod bodies;

use std::path::{Path, PathBuf};

/// The fuzz targets, by the name of their corpus directory.
const TARGETS: [&str; 6] = [
    "target_parse",
    "chain_read",
    "cert_facts",
    "http_head",
    "diagnose",
    "untrusted_text",
];

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str, body: fn(&[u8])) {
    let files = corpus(target);
    assert!(!files.is_empty(), "fuzz/corpus/{target} is empty");
    for file in files {
        let data = std::fs::read(&file).expect("read corpus file");
        let result = std::panic::catch_unwind(|| body(&data));
        assert!(
            result.is_ok(),
            "{target} panicked on {} (replay: cargo fuzz run {target} {})",
            file.display(),
            file.display()
        );
    }
}

#[test]
fn every_target_has_a_corpus() {
    let dirs: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus"))
            .expect("fuzz/corpus")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
    for target in TARGETS {
        assert!(dirs.iter().any(|d| d == target), "no corpus for {target}");
    }
    assert_eq!(
        dirs.len(),
        TARGETS.len(),
        "a corpus without a target: {dirs:?}"
    );
}

#[test]
fn target_parse_corpus() {
    replay("target_parse", bodies::target_parse);
}

#[test]
fn chain_read_corpus() {
    replay("chain_read", bodies::chain_read);
}

#[test]
fn cert_facts_corpus() {
    replay("cert_facts", bodies::cert_facts);
}

#[test]
fn http_head_corpus() {
    replay("http_head", bodies::http_head);
}

#[test]
fn untrusted_text_corpus() {
    replay("untrusted_text", bodies::untrusted_text);
}

#[test]
fn diagnose_corpus() {
    replay("diagnose", bodies::diagnose);
}

/// The seeds are real certificates (made with openssl), so the fuzzers
/// mutate structure rather than search for it: the seed chain reads and is
/// in order.
#[test]
fn the_seed_chain_is_a_real_chain() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/chain_read");
    let chain = std::fs::read(dir.join("chain.der")).expect("chain.der seed");
    let parsed = tlsdoctor::inspect::parse_chain_bytes(&chain).expect("seed chain parses");
    assert_eq!(parsed.certs.len(), 3);
    assert!(parsed.file_order.is_none(), "the seed chain is in order");
}

/// The diagnose seeds reach the verdicts they are named after, so the
/// fuzzer starts from inputs that get deep into Verify and Diagnose.
#[test]
fn diagnose_seeds_reach_their_verdicts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/diagnose");
    for (seed, verdict) in [
        ("clean-chain", "clean"),
        ("untrusted", "incomplete_chain"),
        ("selfsigned", "self_signed"),
        ("misordered", "invalid_certificate"),
        ("expired", "expired"),
        ("not-tls", "not_tls"),
        ("http-400", "not_tls"),
        ("timeout", "handshake_failed"),
        ("proxy-407", "unreachable"),
        ("redirect-loss", "redirect_scheme_loss"),
        ("http-failed", "clean"),
        ("alert", "handshake_failed"),
    ] {
        let data = std::fs::read(dir.join(seed)).expect("seed");
        assert_eq!(bodies::diagnose_verdict(&data).as_str(), verdict, "{seed}");
    }
}
