//! tlsdoctor's end-to-end tests: one crate (one link step), a module per
//! area, the shared harness in `support/`.
//!
//! A test that needs an outside program (nginx, openssl, mitmproxy, a Python
//! interpreter, node, …) or the x509-limbo corpus is marked
//! `#[cfg_attr(not(tool_NAME), ignore = "…")]`: `build.rs` looks for each
//! one when the tests are built, so a missing program shows as *ignored*,
//! with its reason, in `cargo test`'s summary — never as passed. With
//! `TLSDOCTOR_REQUIRE_TOOLS=1` (set by `.ci/run`) nothing is ignored, and a
//! missing program fails its test.

mod support;

mod bundle;
mod check;
mod cli;
mod clients;
mod conformance;
mod diagnosis;
mod diagnosis_formats;
mod env;
mod fix;
mod fix_base;
mod fix_clients;
mod fuzz_corpus;
mod harness;
mod hostile;
mod http;
mod http2;
mod inspect;
mod key_floors;
mod large_hello;
mod layering;
mod many;
mod mitmproxy;
mod nginx;
mod output;
mod proxy;
mod real_clients;
mod repeat;
mod untrusted;
mod untrusted_display;
