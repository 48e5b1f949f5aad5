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
    config::{parse_key_value, parse_timeout, parse_ttl, Ttl},
    output::{ColorChoice, Format},
};

const EXAMPLES: &str = "\
Examples:
  # Deploy a branch's environment from a directory of manifests, and wait until it is Ready
  kubectl qaenv up feature/ABC-12_login -f deploy/

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

    /// Create or update an environment: render, apply only what changed, wait until Ready
    #[command(after_help = UP_HELP)]
    Up(UpArgs),

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

const UP_HELP: &str = "\
Renders the manifests (${VAR} substitution, --image overrides, the environment label on every
object and pod template), creates or updates the namespace qa-<NAME>, applies with server-side
apply (field manager kubectl-qaenv) only the objects whose manifest changed, prunes the objects
no longer rendered, and waits until every workload is Ready, with a diagnosis of each one that
is not. Defaults come from qaenv.toml in the working directory (see the README); flags win.

Exit codes: 0 ok, 1 error, 3 timed out waiting, 4 refused (a namespace qaenv does not manage,
cluster-scoped objects, not enough capacity with --strict-capacity).

Examples:
  kubectl qaenv up feature/ABC-12_login -f deploy/
  kubectl qaenv up login -f app.yaml --set TAG=1.4.2 --image api=registry.example.com/api:pr-12
  kubectl kustomize overlays/qa | kubectl qaenv up login -f - --no-wait
  kubectl qaenv up login --redeploy              # sources from qaenv.toml; new pods, same tags
  kubectl qaenv up login -f deploy/ --dry-run -o yaml";

/// `kubectl qaenv up`.
#[derive(Clone, Debug, Args)]
pub struct UpArgs {
    /// Environment name; a branch name such as feature/ABC-12_login is normalised
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Manifest file, directory (recursive: *.yaml, *.yml, *.json) or - for stdin; repeatable
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub files: Vec<PathBuf>,

    /// Kustomization directory, rendered with `kubectl kustomize`
    #[arg(short = 'k', long, value_name = "DIR")]
    pub kustomize: Option<PathBuf>,

    /// Image for containers of this name or this image repository; REF may be :TAG; repeatable
    #[arg(long = "image", value_name = "CONTAINER_OR_REPO=REF", value_parser = parse_key_value)]
    pub images: Vec<(String, String)>,

    /// Value of a ${KEY} variable in the manifests; repeatable
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub set: Vec<(String, String)>,

    /// Time to live from now (e.g. 12h, 7d) or never [default: 7d, or ttl in qaenv.toml]
    #[arg(long, value_name = "DURATION|never", value_parser = parse_ttl)]
    pub ttl: Option<Ttl>,

    /// Owner recorded on the environment [default: the kubeconfig user, else $USER]
    #[arg(long, value_name = "WHO")]
    pub owner: Option<String>,

    /// Roll out every workload again even where the image tag did not change
    #[arg(long)]
    pub redeploy: bool,

    /// Take over an existing namespace that qaenv did not create
    #[arg(long)]
    pub adopt: bool,

    /// Allow cluster-scoped objects (they are applied outside the environment's namespace)
    #[arg(long)]
    pub allow_cluster_scoped: bool,

    /// Wait until every workload is Ready (the default)
    #[arg(long, overrides_with = "no_wait")]
    pub wait: bool,

    /// Do not wait after the last stage (stages still wait for each other)
    #[arg(long, overrides_with = "wait")]
    pub no_wait: bool,

    /// How long to wait for readiness
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_timeout)]
    pub timeout: Duration,

    /// Show what would change, validated by the server, without writing anything
    #[arg(long)]
    pub dry_run: bool,

    /// Refuse (exit 4) instead of warning when the environment does not fit the free capacity
    #[arg(long)]
    pub strict_capacity: bool,

    /// Project file [default: ./qaenv.toml when it exists]
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Output format
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = UpFormat::Table)]
    pub output: UpFormat,
}

/// The formats `up` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UpFormat {
    /// The objects and their actions, then the environment's URLs.
    Table,
    /// The same as a JSON document.
    Json,
    /// The same as a YAML document.
    Yaml,
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
