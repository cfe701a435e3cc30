//! Terminal facts: whether to colour diagnostics.

use std::io::IsTerminal;

/// Colours on stderr only for a terminal, and never when `NO_COLOR` is set.
pub fn stderr_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}
