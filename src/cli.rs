//! The command line, defined with clap derive.
//!
//! Usage lines read `kubectl qaenv …` because users reach the binary through kubectl's plugin
//! discovery. The global flags mirror kubectl's connection flags and may stand before or after
//! the subcommand (`kubectl` passes everything after the plugin name through verbatim).
//! Commands appear here as their issues land; there are no stubs.

use std::{path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{
    client::{parse_request_timeout, ConnectOptions},
    output::{ColorChoice, Format},
};

const EXAMPLES: &str = "\
Examples:
  # Check what the cluster and your credentials allow
  kubectl qaenv doctor

  # The same against another context, as JSON
  kubectl qaenv doctor --context staging -o json

  # Print the plugin's version and git commit
  kubectl qaenv version

Exit codes: 0 ok, 1 error, 2 usage, 3 timed out, 4 refused, 130 interrupted.";

/// Per-branch QA environments on a shared Kubernetes cluster.
///
/// kubectl qaenv gives every feature branch its own namespace-backed QA environment and the
/// deployment operations QA teams need around it. It talks only to the Kubernetes API.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-qaenv",
    bin_name = "kubectl qaenv",
    version = env!("QAENV_VERSION"),
    after_help = EXAMPLES,
    max_term_width = 100,
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// Flags every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// kubectl's connection flags and the output switches shared by every command.
#[derive(Clone, Debug, Default, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file to use (replaces KUBECONFIG)
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// The name of the kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// Time to wait for a single request, e.g. 5s, 1m; 0 means no timeout
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_request_timeout)]
    pub request_timeout: Option<Duration>,

    /// When to colour output (NO_COLOR disables colour)
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Log every API request on stderr (never credentials)
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

impl GlobalArgs {
    /// The options the client is built from.
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            request_timeout: self.request_timeout,
            verbose: self.verbose,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check what the cluster and your credentials allow
    #[command(after_help = DOCTOR_HELP)]
    Doctor(DoctorArgs),

    /// Print the plugin's version and git commit
    Version,

    /// Shell-completion backend for kubectl (cobra protocol); see kubectl_complete-qaenv
    #[command(name = "__complete", hide = true, disable_help_flag = true)]
    Complete {
        /// The words typed after `kubectl qaenv`, the last one being completed.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}

const DOCTOR_HELP: &str = "\
Checks, each pass, warn or fail with a hint: the API server is reachable and its version;
your credentials are accepted; every verb qaenv needs on every resource it uses
(SelfSubjectAccessReviews); the metrics API (needed by suggest-limits); nodes and free
allocatable capacity; existing qaenv environments.

Exits 1 when a check fails.

Examples:
  kubectl qaenv doctor
  kubectl qaenv doctor --context kube-sim-restricted -o json";

/// `kubectl qaenv doctor`.
#[derive(Clone, Debug, Args)]
pub struct DoctorArgs {
    /// Output format
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = DoctorFormat::Table)]
    pub output: DoctorFormat,
}

/// The formats `doctor` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    /// One row per check.
    Table,
    /// The checks as a JSON document.
    Json,
}

impl From<DoctorFormat> for Format {
    fn from(format: DoctorFormat) -> Format {
        match format {
            DoctorFormat::Table => Format::Table,
            DoctorFormat::Json => Format::Json,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_work_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "kubectl-qaenv",
            "doctor",
            "--context",
            "dev",
            "--request-timeout",
            "5s",
            "-o",
            "json",
            "--color",
            "never",
            "-v",
        ])
        .unwrap();
        assert_eq!(cli.global.context.as_deref(), Some("dev"));
        assert_eq!(cli.global.request_timeout, Some(Duration::from_secs(5)));
        assert_eq!(cli.global.color, ColorChoice::Never);
        assert!(cli.global.verbose);
        let Command::Doctor(args) = cli.command else {
            panic!("expected doctor");
        };
        assert_eq!(args.output, DoctorFormat::Json);
    }

    #[test]
    fn bad_timeout_is_a_usage_error() {
        let err = Cli::try_parse_from(["kubectl-qaenv", "doctor", "--request-timeout", "soon"])
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("invalid timeout value"), "{err}");
    }

    #[test]
    fn usage_reads_kubectl_qaenv() {
        let help = Cli::command().render_help().to_string();
        assert!(help.contains("Usage: kubectl qaenv"), "{help}");
        assert!(!help.contains("__complete"), "{help}");
    }

    #[test]
    fn doctor_rejects_formats_it_does_not_print() {
        let err = Cli::try_parse_from(["kubectl-qaenv", "doctor", "-o", "yaml"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
