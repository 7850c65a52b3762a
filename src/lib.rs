//! tlsdoctor: why does my client not trust this server, and what exactly do I change?
//!
//! The pipeline (DESIGN.md) flows one way, one module per stage:
//! [`target`] → [`probe`] → [`observation`] → [`trust`] → [`diagnose`] → [`report`],
//! and beside it [`machine`] (reading this machine) → [`audit`] (its rules).
//! [`knowledge`] holds what is known about client tools, as data; [`untrusted`]
//! escapes and redacts text from outside.
//! [`cli`] is the command line as clap sees it; [`plan`] turns it once into a
//! validated [`plan::Plan`]; [`app`] runs the plan through the stages
//! ([`pipeline`] for targets); `main.rs` maps the result to a process exit.

#![forbid(unsafe_code)]
// No panics on input: a diagnostic tool meets hostile data. Unit tests may unwrap.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod app;
pub mod attempts;
pub mod audit;
pub mod background;
pub mod bundle;
pub mod cert;
pub mod cli;
pub mod client_facts;
pub mod diagnose;
pub mod error;
pub mod exit;
pub mod findings;
pub mod fix;
pub mod inspect;
pub mod knowledge;
pub mod machine;
pub mod machine_facts;
pub mod observation;
pub mod pipeline;
pub mod plan;
pub mod probe;
pub mod proxy_url;
pub mod report;
pub mod target;
pub mod tools;
pub mod trust;
pub mod untrusted;
