//! Machine: the only code besides Probe that does I/O on this machine — the
//! environment variables, the tools' configuration files, and every CA file
//! or directory they name (bounded in size and count). It returns one plain
//! [`MachineFacts`] value; nothing is judged here (the rules live in
//! [`crate::audit`]).
//!
//! Owns reading; must not decide, warn or render. Client discovery
//! (installed interpreters and tools) plugs in here as more fields of
//! [`MachineFacts`]. The one exception to "reads only": [`run`] starts the
//! clients found, when the user asks (`--run-clients`), and records what
//! they did.

pub mod clients;
pub mod config;
pub mod configs;
pub mod elf;
pub mod files;
pub mod fix;
pub mod memo;
pub mod python;
pub mod run;
mod run_clients;
mod run_replay;
mod run_scripts;
pub mod settings;
pub mod shims;
pub mod stores;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::knowledge::audited_names;
use files::DirRead;

pub use crate::machine_facts::{ConfigFile, MachineFacts, PathState, PemFile};

/// The CA, TLS and proxy variables set for this process (any value, even
/// empty), in [`audited_names`] order.
pub fn environment_variables() -> Vec<(String, String)> {
    audited_names()
        .into_iter()
        .filter_map(|name| {
            std::env::var(name)
                .ok()
                .map(|value| (name.to_string(), value))
        })
        .collect()
}

/// Read the environment, the configuration files and every file they name.
pub fn collect() -> MachineFacts {
    let getenv = |name: &str| std::env::var(name).ok();
    let vars = audited_names()
        .into_iter()
        .filter_map(|n| getenv(n).map(|v| (n.to_string(), v)))
        .collect();
    let home = getenv("HOME")
        .or_else(|| getenv("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let configs = configs::config_locations(home.as_deref(), &getenv)
        .into_iter()
        .map(|(tool, path)| ConfigFile {
            tool,
            contents: files::read_config(&path),
            path,
        })
        .collect();
    let mut inputs = MachineFacts {
        vars,
        configs,
        paths: BTreeMap::new(),
        home,
    };
    read_referenced_paths(&mut inputs);
    inputs
}

/// MachineFacts for `check`: the given variables and the files they name, no
/// configuration files. A directory is read only until it shows a Mozilla
/// root: `check` needs its warnings (which fire on none), not its counts.
pub fn collect_for_check(vars: &[(String, String)]) -> MachineFacts {
    let mut inputs = MachineFacts {
        vars: vars.to_vec(),
        ..MachineFacts::default()
    };
    for path in settings::referenced_paths(&inputs) {
        let state = files::read_path_with(&path, DirRead::UntilMozillaRoot);
        inputs.paths.insert(path, state);
    }
    inputs
}

fn read_referenced_paths(inputs: &mut MachineFacts) {
    for path in settings::referenced_paths(inputs) {
        let state = files::read_path(&path);
        inputs.paths.insert(path, state);
    }
}
