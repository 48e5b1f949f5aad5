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
    config::{parse_key_value, parse_timeout, parse_ttl, Ttl},
    labels,
    limits::stats::Percent,
    output::{ColorChoice, Format},
};

const EXAMPLES: &str = "\
Examples:
  # Deploy a branch's environment from a directory of manifests, and wait until it is Ready
  kubectl qaenv up feature/ABC-12_login -f deploy/

  # Roll out new pods of the same images (a deployment-id bump), and wait until Ready
  kubectl qaenv bump feature/ABC-12_login --wait

  # Delete a branch's environment, and every environment past its expiry
  kubectl qaenv down feature/ABC-12_login --yes
  kubectl qaenv down --expired --yes

  # Check what the cluster and your credentials allow
  kubectl qaenv doctor

  # The same against another context, as JSON
  kubectl qaenv doctor --context staging -o json

  # Print the plugin's version and git commit
  kubectl qaenv version

  # Suggest requests and limits for an environment from 10 minutes of usage
  kubectl qaenv suggest-limits feature/ABC-12_login

  # Switch this namespace's Services from the blue to the green Deployments
  kubectl qaenv promote green

  # Every environment, with its status, expiry and URL; then one in depth
  kubectl qaenv ls
  kubectl qaenv status feature/ABC-12_login

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
    /// Create or update an environment: render, apply only what changed, wait until Ready
    #[command(after_help = UP_HELP)]
    Up(UpArgs),

    /// Delete environments: by name, every expired one, or all (only namespaces qaenv created)
    #[command(after_help = DOWN_HELP)]
    Down(DownArgs),

    /// List every environment: status, pods, expiry, URL; -o wide adds requests and capacity
    #[command(after_help = LS_HELP)]
    Ls(LsArgs),

    /// Show one environment: workloads and why they are not ready, events, quota, colours
    #[command(visible_alias = "describe", after_help = STATUS_HELP)]
    Status(StatusArgs),

    /// Roll out new pods of an environment's workloads without changing images
    #[command(after_help = BUMP_HELP)]
    Bump(BumpArgs),

    /// Sample real usage from the metrics API and suggest requests and limits
    #[command(name = "suggest-limits", after_help = SUGGEST_LIMITS_HELP)]
    SuggestLimits(SuggestLimitsArgs),

    /// Switch Services to another colour of Deployments (blue/green), gated on its readiness
    #[command(after_help = PROMOTE_HELP)]
    Promote(PromoteArgs),

    /// Switch Services back to the selector the last promote or canary replaced
    #[command(after_help = ROLLBACK_HELP)]
    Rollback(RollbackArgs),

    /// Put two colours behind Services and split their replicas to a traffic weight
    #[command(after_help = CANARY_HELP)]
    Canary(CanaryArgs),

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

/// Where `promote`, `rollback` and `canary` act, and on which Services.
#[derive(Clone, Debug, Default, Args)]
pub struct ReleaseScope {
    /// Act in this environment's namespace (a branch name is fine)
    #[arg(
        short = 'e',
        long = "env",
        value_name = "NAME",
        conflicts_with = "namespace"
    )]
    pub env: Option<String>,

    /// Act in this namespace (default: the current context's namespace)
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Only this Service (repeatable; default: every Service the command applies to)
    #[arg(long = "service", value_name = "SVC")]
    pub services: Vec<String>,
}

/// The formats `promote`, `rollback` and `canary` print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReleaseFormat {
    /// One row per Service.
    Table,
    /// The report as a JSON document.
    Json,
    /// The report as a YAML document.
    Yaml,
}

impl From<ReleaseFormat> for Format {
    fn from(format: ReleaseFormat) -> Format {
        match format {
            ReleaseFormat::Table => Format::Table,
            ReleaseFormat::Json => Format::Json,
            ReleaseFormat::Yaml => Format::Yaml,
        }
    }
}

const PROMOTE_HELP: &str = "\
Deployments come in colours told apart by a pod label (--label, default `color`); a Service
selects one colour through it. For every Service whose selector has that label (or each
--service), promote first checks the gates: the colour's Deployments exist, their controller
has seen the latest spec, every desired replica is updated and available, and the new
selector matches at least one Ready pod and no fewer than the current one (--force skips only
this comparison). Then it switches the selector with a JSON patch that tests the current
value, so a concurrent change fails the switch instead of being overwritten, records the
previous selector for rollback and emits an Event. On a Service running a canary, promote
scales both colours back to their counts from before the canary, waits for the colour to be
available (--timeout) and switches to it.

Exits 4 when a gate fails, the Service changed meanwhile, or confirmation is needed and there
is no terminal (pass --yes); 3 when --wait or a canary's scale-back times out.

Examples:
  # Switch every colour-selecting Service in the current namespace to green
  kubectl qaenv promote green --yes

  # Only the web Service of environment feature/login, and wait for its endpoints
  kubectl qaenv promote green -e feature/login --service web --wait --yes

  # What would happen, as JSON
  kubectl qaenv promote green -n shop --dry-run -o json";

const ROLLBACK_HELP: &str = "\
Switches each Service back to the selector recorded by the last promote (the previous-selector
annotation), with the same gates and the same guarded patch. On a Service running a canary it
aborts the canary: both colours back to their counts, the selector back on the stable colour.

Examples:
  kubectl qaenv rollback --yes
  kubectl qaenv rollback -e feature/login --service web --dry-run";

const CANARY_HELP: &str = "\
Puts both colours behind each Service (its selector loses the colour label) and splits the
replicas of the stable colour (the one the Service selected) so the canary gets about PERCENT
of the pods, and so of the requests: Argo Rollouts' basic-canary split, using at most one
extra pod when the stable Deployment's maxSurge allows it. The weight actually achievable is
printed before anything changes. Run it again to change the weight; end it with
`promote COLOR` (either colour) or `rollback`.

The replica counts are written with field manager kubectl-qaenv; a later `kubectl qaenv up`
applies the manifests' replica counts again.

Examples:
  # 10% of the web traffic to green
  kubectl qaenv canary green --weight 10 --service web --yes

  # Show the split for 3 replicas without changing anything
  kubectl qaenv canary green --weight 10 -n shop --dry-run";

/// `kubectl qaenv promote`.
#[derive(Clone, Debug, Args)]
pub struct PromoteArgs {
    /// The colour to switch to (a value of the colour label)
    #[arg(value_name = "COLOR")]
    pub colour: String,

    #[command(flatten)]
    pub scope: ReleaseScope,

    /// The pod label that tells colours apart
    #[arg(long, value_name = "KEY", default_value = labels::DEFAULT_COLOR_LABEL)]
    pub label: String,

    /// Show what would change without changing anything
    #[arg(long)]
    pub dry_run: bool,

    /// Switch even if the colour has fewer Ready pods than the current one (never to none)
    #[arg(long)]
    pub force: bool,

    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,

    /// Return once every Service's endpoints hold only the new colour's pods
    #[arg(long)]
    pub wait: bool,

    /// How long to wait (--wait, ending a canary), e.g. 90s, 5m; 0 means no limit
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_request_timeout)]
    pub timeout: Duration,

    /// Output format
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = ReleaseFormat::Table)]
    pub output: ReleaseFormat,
}

/// `kubectl qaenv rollback`.
#[derive(Clone, Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub scope: ReleaseScope,

    /// Show what would change without changing anything
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,

    /// How long to wait for a colour to scale back when aborting a canary; 0 means no limit
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_request_timeout)]
    pub timeout: Duration,

    /// Output format
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = ReleaseFormat::Table)]
    pub output: ReleaseFormat,
}

/// A weight: `10` or `10%`, from 0 to 100.
fn parse_percent(text: &str) -> std::result::Result<u8, String> {
    text.trim()
        .trim_end_matches('%')
        .parse::<u8>()
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| format!("invalid weight {text:?}: use a whole percentage from 0 to 100"))
}

/// `kubectl qaenv canary`.
#[derive(Clone, Debug, Args)]
pub struct CanaryArgs {
    /// The colour to try (a value of the colour label)
    #[arg(value_name = "COLOR")]
    pub colour: String,

    /// The share of pods, and so of requests, for the canary colour (0-100, `%` optional)
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    pub weight: u8,

    #[command(flatten)]
    pub scope: ReleaseScope,

    /// The pod label that tells colours apart
    #[arg(long, value_name = "KEY", default_value = labels::DEFAULT_COLOR_LABEL)]
    pub label: String,

    /// Show the split without changing anything
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,

    /// Output format
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = ReleaseFormat::Table)]
    pub output: ReleaseFormat,
}

const LS_HELP: &str = "\
One table of every environment in the cluster, from three requests however many there are:
the namespaces qaenv manages, every pod and the nodes.

STATUS is the strongest of: Terminating (the namespace is being deleted), Expired (past its
expiry), Degraded (a pod crash-loops, cannot pull its image or cannot be scheduled, or a Job
failed), Progressing (a pod is not ready yet), Ready. ls judges from pods; `status NAME` also
looks at the workloads (a Deployment that cannot create pods). READY counts ready pods.
Under the table, on stderr: the cluster's free allocatable (nodes' allocatable minus the
requests of scheduled pods), what the environments request, and how many more of their
average size fit. -o wide adds each environment's CPU and memory requests and images.
-o name prints environment names, one per line, for other qaenv commands.

Examples:
  # Every environment
  kubectl qaenv ls

  # Mine, with requests and images
  kubectl qaenv ls --owner alice -o wide

  # Expired environments, as names for a clean-up script
  kubectl qaenv ls --expired -o name

  # Environments whose namespace carries a label, as JSON
  kubectl qaenv ls -l team=payments -o json";

const STATUS_HELP: &str = "\
Everything about one environment: owner, created, expiry, source and URLs; each workload with
ready/desired, images, restarts and why it is not ready (with the evidence and a hint); the
last Warning events; ResourceQuota usage against its limits; which colour each blue/green
Service selects (label `color`), a canary's weight and the selector rollback would return to;
the environment's requests against the cluster's free allocatable.

NAME is the environment (a branch name is normalised, as for up) or its namespace as `ls`
prints it. Exits 1 when its namespace does not exist, 4 when the namespace is not managed by
qaenv.

Examples:
  kubectl qaenv status feature/ABC-12_login
  kubectl qaenv describe login -o json";

/// `kubectl qaenv ls`.
#[derive(Clone, Debug, Args)]
pub struct LsArgs {
    /// Only environments whose namespace matches this label selector (e.g. team=payments)
    #[arg(short = 'l', long = "selector", value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Only environments of this owner
    #[arg(long, value_name = "WHO")]
    pub owner: Option<String>,

    /// Only environments past their expiry
    #[arg(long)]
    pub expired: bool,

    /// Output format
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = Format::Table)]
    pub output: Format,

    /// Do not print the header line nor the capacity line (table and wide)
    #[arg(long)]
    pub no_headers: bool,
}

/// `kubectl qaenv status`.
#[derive(Clone, Debug, Args)]
pub struct StatusArgs {
    /// Environment name (a branch name such as feature/ABC-12_login is fine) or its namespace
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Output format
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = StatusFormat::Table)]
    pub output: StatusFormat,
}

/// The formats `status` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// Sections, as kubectl describe.
    Table,
    /// The report as a JSON document.
    Json,
    /// The report as a YAML document.
    Yaml,
}

impl From<StatusFormat> for Format {
    fn from(format: StatusFormat) -> Format {
        match format {
            StatusFormat::Table => Format::Table,
            StatusFormat::Json => Format::Json,
            StatusFormat::Yaml => Format::Yaml,
        }
    }
}

const DOWN_HELP: &str = "\
Deletes the namespaces of environments, and so everything in them. Only namespaces carrying
the label app.kubernetes.io/managed-by=kubectl-qaenv are deleted; any other (default,
kube-system, a namespace created by hand) is refused with exit code 4 and left untouched.

NAME is an environment (a branch name is fine) or its namespace as `ls` prints it. Every NAME
is checked before anything is deleted: if one is not an environment or does not exist,
nothing is deleted. --expired deletes every environment whose qaenv.dev/expires-at has passed
(set by `up --ttl`, default 7 days); --all deletes every environment; -l narrows either by
the namespaces' labels. These go on past an environment they cannot delete and report each
result. Each deletion carries the namespace's UID as a precondition, so a namespace deleted
and re-created meanwhile is not deleted. One already being deleted is reported as such.

On a terminal, down lists what will go and asks; without one it needs --yes.

Exit codes: 0 ok (also when nothing matched), 1 error (a deletion failed, a NAME not found),
3 --wait timed out, 4 refused (not an environment, no --yes without a terminal, the namespace
was re-created).

Examples:
  # Delete a branch's environment and wait until its namespace is gone
  kubectl qaenv down feature/ABC-12_login --yes --wait

  # What the janitor CronJob runs every hour (deploy/janitor.yaml)
  kubectl qaenv down --expired --yes

  # Every environment of one team, as JSON
  kubectl qaenv down --all -l team=payments --yes -o json";

/// `kubectl qaenv down`.
#[derive(Clone, Debug, Args)]
#[command(group(
    clap::ArgGroup::new("which")
        .required(true)
        .args(["names", "expired", "all"])
))]
pub struct DownArgs {
    /// Environments to delete: names (a branch name is fine) or their namespaces
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    /// Delete every environment past its expiry (qaenv.dev/expires-at)
    #[arg(long)]
    pub expired: bool,

    /// Delete every environment
    #[arg(long)]
    pub all: bool,

    /// Only environments whose namespace matches this label selector (with --all or --expired)
    #[arg(
        short = 'l',
        long = "selector",
        value_name = "SELECTOR",
        conflicts_with = "names"
    )]
    pub selector: Option<String>,

    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,

    /// Return once every deleted namespace is gone
    #[arg(long)]
    pub wait: bool,

    /// How long --wait waits, e.g. 90s, 10m
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_timeout)]
    pub timeout: Duration,

    /// Output format
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

const BUMP_HELP: &str = "\
Forces a rollout when no image tag changed (a tag such as :latest or :main was pushed again):
writes a new qaenv.dev/deployment-id annotation into the pod template of every Deployment,
StatefulSet and DaemonSet of the environment (or only the WORKLOADs named), with the same JSON
patch `up --redeploy` uses. The controllers replace the pods, pulling the tag again; nothing
else changes, images included. For each Deployment, bump reports the new ReplicaSet (it waits
for it, up to --timeout); --wait then waits until every bumped workload is Ready.

WORKLOAD is a name (`web`: every kind of that name) or kind/name (`deployment/web`, `sts/db`).
An unknown WORKLOAD is an error (exit 1) and nothing is patched.

Exit codes: 0 ok, 1 error, 3 timed out (with a diagnosis of what is not Ready), 4 refused (the
namespace is not a qaenv environment, or is being deleted).

Examples:
  # New pods for every workload of a branch's environment
  kubectl qaenv bump feature/ABC-12_login

  # Only the web Deployment, and wait until it is Ready again
  kubectl qaenv bump login deployment/web --wait

  # As JSON, for a CI step
  kubectl qaenv bump login web api -o json";

/// `kubectl qaenv bump`.
#[derive(Clone, Debug, Args)]
pub struct BumpArgs {
    /// Environment name (a branch name is fine) or its namespace
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Only these workloads: `web` or `deployment/web` [default: every Deployment, StatefulSet
    /// and DaemonSet of the environment]
    #[arg(value_name = "WORKLOAD")]
    pub workloads: Vec<String>,

    /// Wait until the bumped workloads are Ready
    #[arg(long)]
    pub wait: bool,

    /// How long to wait for the new ReplicaSets and, with --wait, for readiness
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_timeout)]
    pub timeout: Duration,

    /// Output format
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

/// The formats `down` and `bump` print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One row per environment or workload.
    Table,
    /// The report as a JSON document.
    Json,
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
    fn release_commands_parse_the_fixed_surface() {
        let cli = Cli::try_parse_from([
            "kubectl-qaenv",
            "promote",
            "green",
            "-e",
            "feature/login",
            "--service",
            "web",
            "--service",
            "api",
            "--label",
            "qaenv.dev/color",
            "--dry-run",
            "--force",
            "--yes",
            "--wait",
            "-o",
            "json",
        ])
        .unwrap();
        let Command::Promote(args) = cli.command else {
            panic!("expected promote");
        };
        assert_eq!(args.colour, "green");
        assert_eq!(args.scope.env.as_deref(), Some("feature/login"));
        assert_eq!(args.scope.services, ["web", "api"]);
        assert_eq!(args.label, "qaenv.dev/color");
        assert!(args.dry_run && args.force && args.yes && args.wait);
        assert_eq!(args.timeout, Duration::from_secs(300));
        assert_eq!(args.output, ReleaseFormat::Json);

        let cli = Cli::try_parse_from(["kubectl-qaenv", "rollback", "-n", "shop"]).unwrap();
        let Command::Rollback(args) = cli.command else {
            panic!("expected rollback");
        };
        assert_eq!(args.scope.namespace.as_deref(), Some("shop"));

        let cli =
            Cli::try_parse_from(["kubectl-qaenv", "canary", "green", "--weight", "10%"]).unwrap();
        let Command::Canary(args) = cli.command else {
            panic!("expected canary");
        };
        assert_eq!((args.weight, args.label.as_str()), (10, "color"));
    }

    #[test]
    fn release_usage_errors() {
        for line in [
            &["promote", "green", "-e", "x", "-n", "y"][..],
            &["promote"],
            &["canary", "green"],
            &["canary", "green", "--weight", "101"],
            &["canary", "green", "--weight", "ten"],
            &["rollback", "-o", "wide"],
        ] {
            let err = Cli::try_parse_from(["kubectl-qaenv"].iter().chain(line)).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{line:?}");
        }
    }

    #[test]
    fn ls_and_status_parse_the_fixed_surface() {
        let cli = Cli::try_parse_from([
            "kubectl-qaenv",
            "ls",
            "-l",
            "team=pay",
            "--owner",
            "alice",
            "--expired",
            "-o",
            "wide",
            "--no-headers",
        ])
        .unwrap();
        let Command::Ls(args) = cli.command else {
            panic!("expected ls");
        };
        assert_eq!(args.selector.as_deref(), Some("team=pay"));
        assert_eq!(args.owner.as_deref(), Some("alice"));
        assert!(args.expired && args.no_headers);
        assert_eq!(args.output, Format::Wide);
        for alias in ["status", "describe"] {
            let cli =
                Cli::try_parse_from(["kubectl-qaenv", alias, "feature/x", "-o", "yaml"]).unwrap();
            let Command::Status(args) = cli.command else {
                panic!("expected status");
            };
            assert_eq!(args.name, "feature/x");
            assert_eq!(args.output, StatusFormat::Yaml);
        }
        for bad in [
            &["status"][..],
            &["status", "x", "-o", "wide"],
            &["ls", "-o", "csv"],
            &["ls", "extra"],
        ] {
            let err = Cli::try_parse_from(["kubectl-qaenv"].iter().chain(bad)).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn down_takes_names_or_expired_or_all() {
        let cli = Cli::try_parse_from([
            "kubectl-qaenv",
            "down",
            "feature/a",
            "qa-b",
            "--yes",
            "--wait",
            "--timeout",
            "90s",
            "-o",
            "json",
        ])
        .unwrap();
        let Command::Down(args) = cli.command else {
            panic!("expected down");
        };
        assert_eq!(args.names, ["feature/a", "qa-b"]);
        assert!(args.yes && args.wait && !args.expired && !args.all);
        assert_eq!(args.timeout, Duration::from_secs(90));
        assert_eq!(args.output, ReportFormat::Json);

        let cli =
            Cli::try_parse_from(["kubectl-qaenv", "down", "--all", "-l", "team=pay"]).unwrap();
        let Command::Down(args) = cli.command else {
            panic!("expected down");
        };
        assert!(args.all && args.names.is_empty());
        assert_eq!(args.selector.as_deref(), Some("team=pay"));
        assert_eq!(args.timeout, Duration::from_secs(300));

        for bad in [
            &[][..],
            &["-l", "team=pay"],
            &["a", "--expired"],
            &["--expired", "--all"],
            &["a", "-l", "x=y"],
            &["--all", "-o", "yaml"],
            &["--all", "--timeout", "soon"],
        ] {
            let err = Cli::try_parse_from(["kubectl-qaenv", "down"].iter().chain(bad)).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
        }
    }

    #[test]
    fn bump_takes_a_name_and_workloads() {
        let cli = Cli::try_parse_from([
            "kubectl-qaenv",
            "bump",
            "login",
            "web",
            "deployment/api",
            "--wait",
        ])
        .unwrap();
        let Command::Bump(args) = cli.command else {
            panic!("expected bump");
        };
        assert_eq!(args.name, "login");
        assert_eq!(args.workloads, ["web", "deployment/api"]);
        assert!(args.wait);
        assert_eq!(args.output, ReportFormat::Table);
        assert_eq!(
            Cli::try_parse_from(["kubectl-qaenv", "bump"])
                .unwrap_err()
                .exit_code(),
            2
        );
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
