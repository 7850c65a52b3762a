//! Time client discovery alone (`machine::clients::discover`, files only),
//! as `check` and `env` run it for this process's environment:
//! `cargo run --release --example discovery_bench [RUNS]`.
//! Prints the median and the fastest run, and the clients found.

use std::time::Instant;

use tlsdoctor::machine::clients::{discover, DiscoveryInputs};

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    let mut times = Vec::with_capacity(runs);
    let mut found = 0;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let facts = discover(&DiscoveryInputs::from_process(Vec::new()));
        times.push(start.elapsed());
        found = facts.clients.len();
    }
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let min = times.first().copied().unwrap_or_default();
    println!(
        "discovery: median {:.3} ms, min {:.3} ms over {} runs; {found} clients",
        median.as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        times.len()
    );
}
