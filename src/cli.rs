//! The command line, defined with clap derive.
//!
//! Usage lines read `kubectl qaenv …` because users reach the binary through kubectl's plugin
//! discovery. The global flags mirror kubectl's connection flags and may stand before or after
//! the subcommand (`kubectl` passes everything after the plugin name through verbatim).
//! Commands appear here as their issues land; there are no stubs.

use std::{path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{
    client::{parse_go_duration, parse_request_timeout, ConnectOptions},
    limits::stats::Percent,
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

  # Suggest requests and limits for an environment from 10 minutes of usage
  kubectl qaenv suggest-limits feature/ABC-12_login

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

    /// Sample real usage from the metrics API and suggest requests and limits
    #[command(name = "suggest-limits", after_help = SUGGEST_LIMITS_HELP)]
    SuggestLimits(SuggestLimitsArgs),

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

const SUGGEST_LIMITS_HELP: &str = "\
Polls metrics.k8s.io (metrics-server) once per tick for the whole namespace, groups the
samples per workload and container, and suggests requests and limits:
  krr  CPU request = max over pods of each pod's p95, no CPU limit, memory request = limit =
       peak x 1.15; floors 10m and 100Mi (krr's `simple` strategy)
  vpa  the VPA recommender's target (P90 + 15 %); limits keep their ratio to requests
A container with fewer than --min-samples samples gets \"insufficient data\", not a number.
Ctrl-C ends sampling early and reports what was collected.

Examples:
  # Watch the environment of a branch for 10 minutes and print suggestions
  kubectl qaenv suggest-limits feature/ABC-12_login

  # Two minutes of a namespace, as patches to review and pipe to sh
  kubectl qaenv suggest-limits -n shop --duration 2m -o patch

  # Apply the suggestions to two Deployments without asking
  kubectl qaenv suggest-limits login --workload web --workload api --apply --yes";

/// `kubectl qaenv suggest-limits`.
#[derive(Clone, Debug, Args)]
pub struct SuggestLimitsArgs {
    /// Environment (branch) name; its namespace is qa-<name>
    #[arg(value_name = "NAME")]
    pub name: Option<String>,

    /// Namespace to sample instead of an environment (default: the context's namespace)
    #[arg(short, long, value_name = "NS", conflicts_with = "name")]
    pub namespace: Option<String>,

    /// How long to sample, e.g. 30s, 10m, 1h
    #[arg(long, value_name = "D", default_value = "10m", value_parser = parse_sampling_duration)]
    pub duration: Duration,

    /// Time between polls, or `auto` to follow the metrics window
    #[arg(long, value_name = "D|auto", default_value = "auto", value_parser = parse_interval)]
    pub interval: Interval,

    /// Recommendation algorithm
    #[arg(long, value_enum, default_value_t = StrategyName::Krr)]
    pub strategy: StrategyName,

    /// Only this workload (`web` or `deployment/web`); repeatable
    #[arg(long = "workload", value_name = "W")]
    pub workloads: Vec<String>,

    /// krr: the per-pod CPU percentile the request covers [default: 95]
    #[arg(long, value_name = "P", value_parser = parse_percentile)]
    pub cpu_percentile: Option<Percent>,

    /// krr: headroom on top of the memory peak, in percent [default: 15]
    #[arg(long, value_name = "P", value_parser = Percent::parse)]
    pub memory_buffer: Option<Percent>,

    /// Fewer samples than this per workload container give "insufficient data"
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_samples: u32,

    /// Output format
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = LimitsFormat::Table)]
    pub output: LimitsFormat,

    /// Patch the workloads with the suggestions (pods roll)
    #[arg(long)]
    pub apply: bool,

    /// Do not ask before --apply
    #[arg(short, long, requires = "apply")]
    pub yes: bool,
}

/// `--interval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    /// Follow the metrics API's `window` (its scrape resolution).
    Auto,
    /// A fixed time between polls.
    Every(Duration),
}

/// `--strategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StrategyName {
    /// krr's `simple` strategy.
    Krr,
    /// The Vertical Pod Autoscaler's recommender.
    Vpa,
}

/// The formats `suggest-limits` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LimitsFormat {
    /// One row per workload container.
    Table,
    /// The table with usage sparklines.
    Wide,
    /// The report as JSON.
    Json,
    /// The report as YAML.
    Yaml,
    /// `kubectl patch` commands, ready to pipe to sh.
    Patch,
}

/// A positive duration for `--duration`.
fn parse_sampling_duration(text: &str) -> Result<Duration, String> {
    parse_go_duration(text)
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("invalid duration {text:?}: use e.g. 30s, 10m or 1h"))
}

/// `auto` or a positive duration for `--interval`.
fn parse_interval(text: &str) -> Result<Interval, String> {
    if text == "auto" {
        return Ok(Interval::Auto);
    }
    parse_go_duration(text)
        .filter(|d| !d.is_zero())
        .map(Interval::Every)
        .ok_or_else(|| format!("invalid interval {text:?}: use auto or e.g. 15s"))
}

/// A percentile between 0 and 100.
fn parse_percentile(text: &str) -> Result<Percent, String> {
    Percent::parse(text)?.at_most_hundred_or(|| format!("invalid percentile {text:?}: at most 100"))
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

    #[test]
    fn suggest_limits_flags() {
        let cli = Cli::try_parse_from([
            "kubectl-qaenv",
            "suggest-limits",
            "feature/x",
            "--duration",
            "30s",
            "--interval",
            "2s",
            "--strategy",
            "vpa",
            "--workload",
            "web",
            "--workload",
            "deploy/api",
            "-o",
            "patch",
            "--apply",
            "--yes",
        ])
        .unwrap();
        let Command::SuggestLimits(args) = cli.command else {
            panic!("expected suggest-limits");
        };
        assert_eq!(args.name.as_deref(), Some("feature/x"));
        assert_eq!(args.duration, Duration::from_secs(30));
        assert_eq!(args.interval, Interval::Every(Duration::from_secs(2)));
        assert_eq!(args.strategy, StrategyName::Vpa);
        assert_eq!(args.workloads, ["web", "deploy/api"]);
        assert_eq!(args.output, LimitsFormat::Patch);
        assert!(args.apply && args.yes);
        let defaults = Cli::try_parse_from(["kubectl-qaenv", "suggest-limits"]).unwrap();
        let Command::SuggestLimits(args) = defaults.command else {
            panic!("expected suggest-limits");
        };
        assert_eq!(args.duration, Duration::from_secs(600));
        assert_eq!(args.interval, Interval::Auto);
        assert_eq!(args.cpu_percentile, None);
        assert_eq!(args.min_samples, 10);
    }

    #[test]
    fn suggest_limits_rejects_bad_values() {
        for bad in [
            &["--duration", "0s"][..],
            &["--interval", "soon"],
            &["--cpu-percentile", "101"],
            &["--memory-buffer", "-1"],
            &["--min-samples", "0"],
            &["--yes"],
            &["x", "-n", "y"],
        ] {
            let err = Cli::try_parse_from(["kubectl-qaenv", "suggest-limits"].iter().chain(bad))
                .unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
        }
    }
}
