//! Shell completion the way kubectl plugins do it (kubectl 1.26+).
//!
//! When the user presses TAB after `kubectl qaenv`, kubectl runs `kubectl_complete-qaenv`
//! from PATH with the words typed so far plus the word being completed (empty when a new
//! word starts) and expects cobra's protocol back: one candidate per line, optionally
//! `value<TAB>description`, then a directive line `:N` (4 = do not fall back to file names,
//! 0 = default file completion). The script in the repository root execs
//! `kubectl-qaenv __complete "$@"`, which lands here.
//!
//! Candidates come from the clap definition, so new commands and flags complete without
//! changes here; `--context` completes the kubeconfig's contexts.

use std::{io::Write, path::PathBuf};

use clap::{Arg, Command};

use crate::client::{kubeconfig_paths, load_kubeconfig};

/// cobra's `ShellCompDirectiveDefault`: let the shell complete file names.
pub const DIRECTIVE_FILES: u32 = 0;
/// cobra's `ShellCompDirectiveNoFileComp`.
pub const DIRECTIVE_NO_FILES: u32 = 4;

/// The answer to one completion request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    /// `(value, description)` pairs.
    pub candidates: Vec<(String, String)>,
    /// The cobra directive.
    pub directive: u32,
}

impl Completion {
    /// Writes the candidates and the directive in cobra's format.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        for (value, description) in &self.candidates {
            let description = description.lines().next().unwrap_or_default();
            if description.is_empty() {
                writeln!(out, "{value}")?;
            } else {
                writeln!(out, "{value}\t{description}")?;
            }
        }
        writeln!(out, ":{}", self.directive)
    }
}

/// Computes candidates for `words` (everything after `kubectl qaenv`, the last being the word
/// under the cursor). `contexts` lists kubeconfig contexts given the `--kubeconfig` typed so
/// far; it is only called when a context name is being completed.
pub fn complete(
    root: &Command,
    words: &[String],
    contexts: impl Fn(Option<PathBuf>) -> Vec<String>,
) -> Completion {
    let mut root = root.clone();
    root.build();
    let (current, before) = match words.split_last() {
        Some((last, before)) => (last.as_str(), before),
        None => ("", &[][..]),
    };

    let mut command = &root;
    let mut pending: Option<&Arg> = None;
    let mut kubeconfig: Option<PathBuf> = None;
    for word in before {
        if let Some(arg) = pending.take() {
            if arg.get_id() == "kubeconfig" {
                kubeconfig = Some(PathBuf::from(word));
            }
            continue;
        }
        if word == "--" {
            break;
        }
        if let Some(flag) = word.strip_prefix("--") {
            let (name, value) = match flag.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (flag, None),
            };
            if let Some(arg) = command.get_arguments().find(|a| a.get_long() == Some(name)) {
                if arg.get_id() == "kubeconfig" {
                    kubeconfig = value.map(PathBuf::from);
                }
                if value.is_none() && takes_value(arg) {
                    pending = Some(arg);
                }
            }
        } else if let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            // `-o` takes the next word; `-ojson` carries its value.
            let mut chars = shorts.chars();
            if let (Some(short), None) = (chars.next(), chars.next()) {
                if let Some(arg) = command
                    .get_arguments()
                    .find(|a| a.get_short() == Some(short))
                {
                    if takes_value(arg) {
                        pending = Some(arg);
                    }
                }
            }
        } else if let Some(sub) = command.find_subcommand(word) {
            command = sub;
        }
    }

    if let Some(arg) = pending {
        return values_of(arg, current, "", &contexts, kubeconfig);
    }
    if let Some(flag) = current.strip_prefix("--") {
        if let Some((name, _)) = flag.split_once('=') {
            return match command.get_arguments().find(|a| a.get_long() == Some(name)) {
                Some(arg) => values_of(arg, current, &format!("--{name}="), &contexts, kubeconfig),
                None => Completion {
                    candidates: Vec::new(),
                    directive: DIRECTIVE_NO_FILES,
                },
            };
        }
    }
    if current.starts_with('-') {
        let mut candidates: Vec<(String, String)> = command
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_positional())
            .filter_map(|a| {
                let long = format!("--{}", a.get_long()?);
                let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                Some((long, help))
            })
            .filter(|(long, _)| long.starts_with(current))
            .collect();
        candidates.sort();
        return Completion {
            candidates,
            directive: DIRECTIVE_NO_FILES,
        };
    }
    let candidates = command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .filter(|s| s.get_name().starts_with(current))
        .map(|s| {
            let about = s.get_about().map(|a| a.to_string()).unwrap_or_default();
            (s.get_name().to_string(), about)
        })
        .collect();
    Completion {
        candidates,
        directive: DIRECTIVE_NO_FILES,
    }
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

fn values_of(
    arg: &Arg,
    current: &str,
    prefix: &str,
    contexts: &impl Fn(Option<PathBuf>) -> Vec<String>,
    kubeconfig: Option<PathBuf>,
) -> Completion {
    let typed = current.strip_prefix(prefix).unwrap_or(current);
    let values: Vec<(String, String)> = match arg.get_id().as_str() {
        "kubeconfig" => {
            return Completion {
                candidates: Vec::new(),
                directive: DIRECTIVE_FILES,
            }
        }
        "context" => contexts(kubeconfig)
            .into_iter()
            .map(|c| (c, String::new()))
            .collect(),
        _ => arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| {
                let help = v.get_help().map(|h| h.to_string()).unwrap_or_default();
                (v.get_name().to_string(), help)
            })
            .collect(),
    };
    Completion {
        candidates: values
            .into_iter()
            .filter(|(value, _)| value.starts_with(typed))
            .map(|(value, help)| (format!("{prefix}{value}"), help))
            .collect(),
        directive: DIRECTIVE_NO_FILES,
    }
}

/// The kubeconfig's context names; empty when there is no readable kubeconfig (completion
/// must never print errors into the shell).
pub fn kubeconfig_contexts(flag: Option<PathBuf>) -> Vec<String> {
    let env = std::env::var_os("KUBECONFIG");
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let paths = kubeconfig_paths(flag.as_deref(), env.as_deref(), home.as_deref());
    match load_kubeconfig(&paths) {
        Ok(Some(loaded)) => loaded.config.contexts.into_iter().map(|c| c.name).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

    fn run(words: &[&str]) -> String {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let completion = complete(&Cli::command(), &words, |path| {
            let mut names = vec!["kube-sim".to_string(), "kube-sim-restricted".to_string()];
            if let Some(path) = path {
                names.push(format!("from-{}", path.display()));
            }
            names
        });
        let mut out = Vec::new();
        completion.write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn completes_subcommands_without_hidden_ones() {
        insta::assert_snapshot!(run(&[""]), @r"
        up	Create or update an environment: render, apply only what changed, wait until Ready
        down	Delete environments: by name, every expired one, or all (only namespaces qaenv created)
        ls	List every environment: status, pods, expiry, URL; -o wide adds requests and capacity
        status	Show one environment: workloads and why they are not ready, events, quota, colours
        bump	Roll out new pods of an environment's workloads without changing images
        suggest-limits	Sample real usage from the metrics API and suggest requests and limits
        promote	Switch Services to another colour of Deployments (blue/green), gated on its readiness
        rollback	Switch Services back to the selector the last promote or canary replaced
        canary	Put two colours behind Services and split their replicas to a traffic weight
        doctor	Check what the cluster and your credentials allow
        version	Print the plugin's version and git commit
        :4
        ");
        assert_eq!(
            run(&["doc"]),
            "doctor\tCheck what the cluster and your credentials allow\n:4\n"
        );
        assert_eq!(run(&["zzz"]), ":4\n");
    }

    #[test]
    fn completes_flags_of_the_subcommand_including_globals() {
        let out = run(&["doctor", "--"]);
        for flag in [
            "--output",
            "--context",
            "--kubeconfig",
            "--request-timeout",
            "--color",
            "--verbose",
            "--help",
        ] {
            assert!(
                out.contains(&format!("{flag}\t")),
                "{flag} missing in {out}"
            );
        }
        assert_eq!(run(&["doctor", "--ou"]), "--output\tOutput format\n:4\n");
        // An alias leads to its command's flags and values.
        assert_eq!(run(&["describe", "--ou"]), "--output\tOutput format\n:4\n");
        assert!(run(&["ls", "-o", ""]).starts_with("table\t"));
        assert!(run(&["ls", "-o", ""]).contains("\nname\t"));
    }

    #[test]
    fn completes_flag_values() {
        assert_eq!(
            run(&["doctor", "-o", ""]),
            "table\tOne row per check\njson\tThe checks as a JSON document\n:4\n"
        );
        assert_eq!(
            run(&["doctor", "--output", "j"]),
            "json\tThe checks as a JSON document\n:4\n"
        );
        assert_eq!(run(&["--color=n"]), "--color=never\tNever colour\n:4\n");
    }

    #[test]
    fn completes_contexts_from_the_kubeconfig_in_use() {
        assert_eq!(
            run(&["doctor", "--context", "kube-sim-r"]),
            "kube-sim-restricted\n:4\n"
        );
        assert_eq!(
            run(&["--kubeconfig", "/tmp/k", "doctor", "--context", "from"]),
            "from-/tmp/k\n:4\n"
        );
    }

    #[test]
    fn kubeconfig_falls_back_to_file_completion() {
        assert_eq!(run(&["doctor", "--kubeconfig", ""]), ":0\n");
    }

    #[test]
    fn no_words_at_all_lists_commands() {
        assert!(run(&[]).starts_with("up\t"));
    }
}
