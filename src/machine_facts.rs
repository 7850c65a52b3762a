//! What Machine read on this machine for the env audit, as plain data:
//! the CA, TLS and proxy variables, the configuration files looked for, and
//! every path they name ([`MachineFacts`]). Machine fills it
//! ([`crate::machine::collect`]); Audit judges it; tests build it by hand.
//!
//! Nothing here reads the machine or decides anything.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// What a path held when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathState {
    Missing,
    Unreadable(String),
    /// A file's bytes (or a character device's, like /dev/null: none).
    File(Vec<u8>),
    /// A directory: the bytes of each regular file in it.
    Dir(Vec<Vec<u8>>),
}

/// A configuration file that was looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// The tool, as in [`crate::knowledge::CONFIG_SETTINGS`].
    pub tool: &'static str,
    pub path: PathBuf,
    /// `Ok(None)`: not there. `Err`: there but unreadable.
    pub contents: Result<Option<String>, String>,
}

/// Everything tlsdoctor read on this machine (besides the OS trust store,
/// which `trust` loads): plain values, no judgement.
#[derive(Debug, Clone, Default)]
pub struct MachineFacts {
    /// Variables that are set (any value, even empty), in [`audited_names`](crate::knowledge::audited_names) order.
    pub vars: Vec<(String, String)>,
    /// Configuration files looked for.
    pub configs: Vec<ConfigFile>,
    /// Every path a variable or setting names, as read.
    pub paths: BTreeMap<PathBuf, PathState>,
    /// The user's home, for `~` in settings.
    pub home: Option<PathBuf>,
}
