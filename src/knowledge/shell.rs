//! Shell quoting: how to set a variable in each shell the user may type
//! into, and the lines that point every client at one bundle.
//!
//! Pure string building; must not run a shell or read the environment.

use super::{Platform, BUNDLE_VARIABLES};

/// A shell the user types environment settings into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shell {
    /// bash, zsh, sh.
    Posix,
    Fish,
    PowerShell,
    /// Windows cmd.exe.
    Cmd,
}

impl Shell {
    /// Every shell, in the order lines are printed.
    pub const ALL: [Shell; 4] = [Shell::Posix, Shell::Fish, Shell::PowerShell, Shell::Cmd];

    /// The heading for its lines.
    pub fn label(self) -> &'static str {
        match self {
            Shell::Posix => "bash/zsh",
            Shell::Fish => "fish",
            Shell::PowerShell => "PowerShell",
            Shell::Cmd => "cmd",
        }
    }

    /// The line that sets `name` to the literal `value` for this session.
    pub fn set_env(self, name: &str, value: &str) -> String {
        match self {
            Shell::Posix => format!("export {name}={}", quote(Platform::Linux, value)),
            Shell::Fish => format!(
                "set -gx {name} '{}'",
                value.replace('\\', "\\\\").replace('\'', "\\'")
            ),
            Shell::PowerShell => format!("$env:{name} = {}", quote(Platform::Windows, value)),
            Shell::Cmd => format!("set \"{name}={value}\""),
        }
    }
}

/// The lines that make `shell`'s tools use the bundle at `path`.
pub fn bundle_lines(shell: Shell, path: &str) -> Vec<String> {
    BUNDLE_VARIABLES
        .iter()
        .map(|name| shell.set_env(name, path))
        .collect()
}

/// Single-quoted literal for the platform's shell.
pub(super) fn quote(platform: Platform, s: &str) -> String {
    if platform.powershell() {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
