//! Environment names: a branch name (`feature/ABC-12_login`) becomes a DNS-1123 label
//! (`feature-abc-12-login`) and a namespace (`qa-feature-abc-12-login`), as DESIGN.md fixes.
//! Every command that takes an environment goes through [`EnvName::parse`].

use sha2::{Digest, Sha256};

use crate::error::{Error, ExitCode, Result};
use crate::labels;

/// The longest DNS-1123 label (and so the longest namespace name).
const MAX_LABEL: usize = 63;

/// A normalised environment: its name (the value of the `qaenv.dev/env` label) and namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvName {
    /// What the user typed.
    pub original: String,
    /// The normalised name, also the environment label's value.
    pub name: String,
    /// `<prefix><name>`.
    pub namespace: String,
}

impl EnvName {
    /// Normalises with the default prefix (`qa-`).
    pub fn parse(original: &str) -> Result<EnvName> {
        EnvName::with_prefix(original, labels::NAMESPACE_PREFIX)
    }

    /// Normalises: lowercase, every run of characters outside `[a-z0-9]` becomes one `-`,
    /// leading and trailing `-` trimmed. When `<prefix><name>` would exceed 63 characters the
    /// name is cut and suffixed with `-` and 6 hex digits of sha256(original), so two long
    /// branch names that share a beginning still get distinct namespaces.
    pub fn with_prefix(original: &str, prefix: &str) -> Result<EnvName> {
        let mut name = String::with_capacity(original.len());
        for c in original.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                name.push(c);
            } else if !name.ends_with('-') {
                name.push('-');
            }
        }
        let name = name.trim_matches('-').to_string();
        if name.is_empty() {
            return Err(Error::new(
                format!("invalid environment name {original:?}"),
                "it has no letters or digits",
            )
            .with_hint("use a branch or ticket name such as feature/ABC-12_login")
            .with_exit(ExitCode::Usage));
        }
        let name = if prefix.len() + name.len() > MAX_LABEL {
            let digest = Sha256::digest(original.as_bytes());
            let suffix: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
            let keep = MAX_LABEL - prefix.len() - 1 - suffix.len();
            format!("{}-{suffix}", name[..keep].trim_end_matches('-'))
        } else {
            name
        };
        Ok(EnvName {
            original: original.to_string(),
            namespace: format!("{prefix}{name}"),
            name,
        })
    }
}

/// The namespaces a NAME typed for `down` or `bump` may stand for, in the order they are
/// tried: the environment's namespace (`qa-<normalised name>`), then NAME itself when it is a
/// namespace name of its own (`qa-login` as `ls` prints it; `default`, which is then refused
/// as not an environment, rather than reported missing).
///
/// # Errors
///
/// A NAME with no letters or digits (a usage error, as for [`EnvName::parse`]).
pub fn candidate_namespaces(original: &str) -> Result<Vec<String>> {
    let env = EnvName::parse(original)?;
    let mut out = vec![env.namespace];
    if is_dns_label(original) && !out.iter().any(|n| n == original) {
        out.push(original.to_string());
    }
    Ok(out)
}

/// Whether `text` is a DNS-1123 label, as namespace names are: 1 to 63 characters of `a-z`,
/// `0-9` and `-`, starting and ending with a letter or digit.
pub fn is_dns_label(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_LABEL
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
}

/// Where a command acts: an environment's namespace, or any namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub namespace: String,
    /// Set when the user named an environment (`NAME` / `-e NAME`).
    pub env: Option<EnvName>,
}

/// Resolves `-e NAME` / `-n NS` the way DESIGN.md fixes it: an environment's namespace, else
/// the given namespace, else the current context's namespace (as kubectl does).
pub fn resolve_scope(env: Option<&str>, namespace: Option<&str>, current: &str) -> Result<Scope> {
    match (env, namespace) {
        (Some(_), Some(_)) => Err(Error::new(
            "conflicting scope",
            "name either an environment or a namespace, not both",
        )
        .with_exit(ExitCode::Usage)),
        (Some(e), None) => {
            let env = EnvName::parse(e)?;
            Ok(Scope {
                namespace: env.namespace.clone(),
                env: Some(env),
            })
        }
        (None, ns) => Ok(Scope {
            namespace: ns.unwrap_or(current).to_string(),
            env: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_become_labels() {
        let e = EnvName::parse("feature/ABC-12_login").unwrap();
        assert_eq!(e.name, "feature-abc-12-login");
        assert_eq!(e.namespace, "qa-feature-abc-12-login");
        assert_eq!(EnvName::parse("--Hot__Fix--").unwrap().name, "hot-fix");
        assert_eq!(EnvName::parse("Ünïcode/ß").unwrap().name, "n-code");
    }

    #[test]
    fn long_names_are_cut_with_a_hash_of_the_original() {
        let long = format!("feature/{}", "x".repeat(80));
        let a = EnvName::parse(&long).unwrap();
        assert_eq!(a.namespace.len(), 63);
        assert!(a.namespace.starts_with("qa-feature-xxx"));
        let b = EnvName::parse(&format!("{long}y")).unwrap();
        assert_ne!(a.namespace, b.namespace, "distinct originals stay distinct");
        let suffix = &a.name[a.name.len() - 6..];
        assert!(suffix.chars().all(|c| c.is_ascii_hexdigit()));
        // A cut that lands on a dash does not leave `--`.
        let dashy = EnvName::parse(&format!("{}-{}", "a".repeat(52), "b".repeat(20))).unwrap();
        assert!(!dashy.name.contains("--"), "{}", dashy.name);
        assert!(dashy.namespace.len() <= 63);
    }

    #[test]
    fn scopes_follow_kubectl() {
        let s = resolve_scope(Some("feature/x"), None, "default").unwrap();
        assert_eq!(s.namespace, "qa-feature-x");
        assert_eq!(s.env.unwrap().name, "feature-x");
        assert_eq!(
            resolve_scope(None, Some("shop"), "default")
                .unwrap()
                .namespace,
            "shop"
        );
        assert_eq!(
            resolve_scope(None, None, "team-a").unwrap().namespace,
            "team-a"
        );
        let both = resolve_scope(Some("x"), Some("y"), "default").unwrap_err();
        assert_eq!(both.exit_code(), ExitCode::Usage);
    }

    #[test]
    fn names_may_stand_for_a_namespace_of_their_own() {
        assert_eq!(
            candidate_namespaces("feature/Login").unwrap(),
            ["qa-feature-login"]
        );
        assert_eq!(
            candidate_namespaces("login").unwrap(),
            ["qa-login", "login"]
        );
        assert_eq!(
            candidate_namespaces("qa-login").unwrap(),
            ["qa-qa-login", "qa-login"]
        );
        assert_eq!(
            candidate_namespaces("kube-system").unwrap(),
            ["qa-kube-system", "kube-system"]
        );
        assert_eq!(
            candidate_namespaces("///").unwrap_err().exit_code(),
            ExitCode::Usage
        );
        for bad in ["", "-a", "a-", "A", "a_b", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
        assert!(is_dns_label("a") && is_dns_label("qa-1") && is_dns_label(&"a".repeat(63)));
    }

    #[test]
    fn empty_names_are_usage_errors() {
        let e = EnvName::parse("///").unwrap_err();
        assert_eq!(e.exit_code(), ExitCode::Usage);
        assert!(
            e.report()
                .starts_with("error: invalid environment name \"///\""),
            "{}",
            e.report()
        );
    }
}
