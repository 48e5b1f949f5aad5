//! Confirmation before destructive actions (`DESIGN.md`, "Safety rules"): ask on a terminal;
//! without one, proceed only with `--yes`.

use crate::error::{Error, Result};

/// What to do about a destructive action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// `--yes` was given.
    Proceed,
    /// stdin and stdout are a terminal: ask.
    Ask,
    /// No terminal and no `--yes`: refuse (exit code 4).
    Refuse,
}

/// Decides whether to ask. Pure, so the rule is tested without a terminal.
pub fn decide(yes: bool, interactive: bool) -> Decision {
    match (yes, interactive) {
        (true, _) => Decision::Proceed,
        (false, true) => Decision::Ask,
        (false, false) => Decision::Refuse,
    }
}

/// Confirms `action` (e.g. "delete environment qa-login"): `Ok(())` to go ahead, otherwise a
/// refusal. Like `kubectl delete --interactive`, only an explicit yes proceeds.
pub fn confirm(action: &str, yes: bool, interactive: bool) -> Result<()> {
    match decide(yes, interactive) {
        Decision::Proceed => Ok(()),
        Decision::Refuse => Err(Error::refused(
            action,
            "confirmation needed and there is no terminal to ask on",
        )
        .with_hint("pass --yes to confirm")),
        Decision::Ask => {
            let answer = dialoguer::Confirm::new()
                .with_prompt(format!("{action}?"))
                .default(false)
                .interact()
                .map_err(|e| Error::new(action, e))?;
            if answer {
                Ok(())
            } else {
                Err(Error::refused(action, "not confirmed"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    #[test]
    fn asks_only_on_a_terminal_without_yes() {
        assert_eq!(decide(true, false), Decision::Proceed);
        assert_eq!(decide(true, true), Decision::Proceed);
        assert_eq!(decide(false, true), Decision::Ask);
        assert_eq!(decide(false, false), Decision::Refuse);
    }

    #[test]
    fn refusal_exits_4_with_a_hint() {
        let err = confirm("delete environment qa-x", false, false).unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Refused);
        assert_eq!(err.hint(), Some("pass --yes to confirm"));
        assert!(confirm("delete environment qa-x", true, false).is_ok());
    }
}
