//! `kubectl qaenv version`: the plugin's version and the git commit it was built from.

use std::io::Write;

use crate::error::{Error, Result};

/// The version line: `kubectl-qaenv v0.1.0 (commit 0123456789ab)`.
///
/// The commit comes from `build.rs` (`git rev-parse`, or `QAENV_GIT_COMMIT` for builds outside
/// a checkout) and reads `unknown` when neither is available.
pub fn version_line() -> String {
    format!("kubectl-qaenv {}", env!("QAENV_VERSION"))
}

/// Prints the version line on stdout.
pub fn run(out: &mut impl Write) -> Result<()> {
    writeln!(out, "{}", version_line()).map_err(Error::output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_line_has_version_and_commit() {
        let line = version_line();
        assert!(
            line.starts_with(&format!(
                "kubectl-qaenv v{} (commit ",
                env!("CARGO_PKG_VERSION")
            )),
            "{line}"
        );
        assert!(line.ends_with(')'), "{line}");
    }
}
