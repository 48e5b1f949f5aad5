//! `kubectl qaenv suggest-limits`: sample usage from the metrics API and suggest requests and
//! limits, print them, and optionally patch the workloads.
//!
//! This is the I/O edge: list the namespace's pods and their owners, poll PodMetrics (one
//! list request per tick, whatever the pod count) until `--duration` or Ctrl-C, list again,
//! and hand everything to the pure [`crate::limits`] modules. Progress goes to stderr (a bar
//! on a terminal, periodic lines otherwise); data goes to `out`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use k8s_openapi::api::{
    apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet},
    batch::v1::{CronJob, Job},
    core::v1::Pod,
};
use k8s_openapi::NamespaceResourceScope;
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::Resource;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::{
    cli::{Interval, LimitsFormat, StrategyName, SuggestLimitsArgs},
    client::{connect, ConnectOptions, Connection},
    env::resolve_scope,
    error::{format_duration, ApiFailure, Error, ExitCode, Result},
    labels::FIELD_MANAGER,
    limits::{
        self,
        krr::KrrSettings,
        patch::WorkloadPatch,
        render,
        report::{Settings, Strategy},
        sample::{PodMetricsList, Samples},
        workload::{inventory, owner_kinds, Objects, Workload, WorkloadId},
        Report, Sampling,
    },
    output::{write_json, write_yaml, Terminal},
    prompt,
};

/// Polling interval with `--interval auto` until the metrics API has told its window.
const AUTO_INTERVAL_BEFORE_WINDOW: Duration = Duration::from_secs(1);

/// Runs the command.
pub async fn run(
    args: &SuggestLimitsArgs,
    options: &ConnectOptions,
    out: &mut impl Write,
    terminal: &Terminal,
) -> Result<()> {
    let settings = settings(args)?;
    let conn = connect(options).await?;
    let scope = resolve_scope(
        args.name.as_deref(),
        args.namespace.as_deref(),
        &conn.namespace,
    )?;
    let namespace = scope.namespace;
    let before = list_objects(&conn, &namespace).await?;
    select(inventory(&before), &args.workloads, &namespace)?;

    let (samples, sampling) = sample(&conn, &namespace, args).await?;

    // Sampling took Ctrl-C for itself; from here on Ctrl-C interrupts as everywhere else.
    tokio::select! {
        result = finish(&conn, &namespace, args, options, settings, before, samples, sampling, out, terminal) => result,
        _ = tokio::signal::ctrl_c() => Err(Error::new("interrupted", "").with_exit(ExitCode::Interrupted)),
    }
}

/// The strategy and thresholds from the flags; krr's knobs make no sense with `vpa`.
fn settings(args: &SuggestLimitsArgs) -> Result<Settings> {
    let strategy = match args.strategy {
        StrategyName::Krr => {
            let defaults = KrrSettings::default();
            Strategy::Krr(KrrSettings {
                cpu_percentile: args.cpu_percentile.unwrap_or(defaults.cpu_percentile),
                memory_buffer: args.memory_buffer.unwrap_or(defaults.memory_buffer),
                ..defaults
            })
        }
        StrategyName::Vpa if args.cpu_percentile.is_some() || args.memory_buffer.is_some() => {
            return Err(Error::new(
                "invalid flags",
                "--cpu-percentile and --memory-buffer tune the krr strategy, not vpa",
            )
            .with_exit(ExitCode::Usage))
        }
        StrategyName::Vpa => Strategy::Vpa,
    };
    Ok(Settings {
        strategy,
        min_samples: args.min_samples as usize,
    })
}

/// Lists again after sampling (pods come and go), builds the report, prints it, applies it.
#[allow(clippy::too_many_arguments)]
async fn finish(
    conn: &Connection,
    namespace: &str,
    args: &SuggestLimitsArgs,
    options: &ConnectOptions,
    settings: Settings,
    before: Objects,
    samples: Samples,
    sampling: Sampling,
    out: &mut impl Write,
    terminal: &Terminal,
) -> Result<()> {
    let mut objects = list_objects(conn, namespace).await?;
    // Pods deleted while sampling still explain their samples.
    let known: Vec<String> = objects
        .pods
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    objects.pods.extend(
        before
            .pods
            .into_iter()
            .filter(|p| !p.metadata.name.as_ref().is_some_and(|n| known.contains(n))),
    );
    let workloads = select(inventory(&objects), &args.workloads, namespace)?;
    let report = limits::analyse(namespace, &workloads, &samples, settings, sampling);
    print(out, &report, args.output, terminal, options).map_err(Error::output)?;
    out.flush().map_err(Error::output)?;
    if args.apply {
        apply(conn, &report, args.yes, terminal.interactive).await?;
    }
    Ok(())
}

/// Keeps the workloads `--workload` names (all without it); a name matching nothing is an
/// error before any waiting, and so is a namespace without pods.
fn select(
    workloads: BTreeMap<WorkloadId, Workload>,
    patterns: &[String],
    namespace: &str,
) -> Result<BTreeMap<WorkloadId, Workload>> {
    if workloads.is_empty() {
        return Err(Error::new(
            format!("nothing to sample in namespace {namespace}"),
            "it has no pods",
        )
        .with_hint("deploy first (kubectl qaenv up NAME), or pick another namespace with -n"));
    }
    if let Some(missing) = patterns
        .iter()
        .find(|p| !workloads.keys().any(|id| id.matches(p)))
    {
        let known: Vec<String> = workloads.keys().map(ToString::to_string).collect();
        return Err(Error::new(
            format!("no workload {missing:?} in namespace {namespace}"),
            format!("its pods belong to {}", known.join(", ")),
        ));
    }
    Ok(workloads
        .into_iter()
        .filter(|(id, _)| patterns.is_empty() || patterns.iter().any(|p| id.matches(p)))
        .collect())
}

/// Pods, then only the owner kinds they name (and those kinds' owners).
async fn list_objects(conn: &Connection, namespace: &str) -> Result<Objects> {
    let pods: Vec<Pod> = list(conn, namespace, true).await?;
    let kinds = owner_kinds(pods.iter().map(|p| &p.metadata));
    let wanted = |kind: &str| kinds.contains(kind);
    let (replica_sets, stateful_sets, daemon_sets, jobs) = tokio::try_join!(
        list::<ReplicaSet>(conn, namespace, wanted("ReplicaSet")),
        list::<StatefulSet>(conn, namespace, wanted("StatefulSet")),
        list::<DaemonSet>(conn, namespace, wanted("DaemonSet")),
        list::<Job>(conn, namespace, wanted("Job")),
    )?;
    let parents = owner_kinds(
        replica_sets
            .iter()
            .map(|r| &r.metadata)
            .chain(jobs.iter().map(|j| &j.metadata)),
    );
    let (deployments, cron_jobs) = tokio::try_join!(
        list::<Deployment>(conn, namespace, parents.contains("Deployment")),
        list::<CronJob>(conn, namespace, parents.contains("CronJob")),
    )?;
    Ok(Objects {
        pods,
        replica_sets,
        deployments,
        stateful_sets,
        daemon_sets,
        jobs,
        cron_jobs,
    })
}

/// Lists every `K` in the namespace when `wanted`, else nothing (no request).
async fn list<K>(conn: &Connection, namespace: &str, wanted: bool) -> Result<Vec<K>>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    if !wanted {
        return Ok(Vec::new());
    }
    Api::<K>::namespaced(conn.client.clone(), namespace)
        .list(&ListParams::default())
        .await
        .map(|list| list.items)
        .map_err(|e| {
            conn.error(
                format!("list {} in namespace {namespace}", K::plural(&())),
                &e,
            )
        })
}

/// Polls PodMetrics until `--duration` has passed or Ctrl-C, once per tick.
async fn sample(
    conn: &Connection,
    namespace: &str,
    args: &SuggestLimitsArgs,
) -> Result<(Samples, Sampling)> {
    let started = Instant::now();
    let deadline = started + args.duration;
    let mut progress = Progress::start(namespace, args);
    let mut samples = Samples::default();
    let mut polls = 0;
    let mut interrupted = false;
    let mut interval = match args.interval {
        Interval::Every(every) => every,
        Interval::Auto => AUTO_INTERVAL_BEFORE_WINDOW,
    };
    let mut next = started;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let polled = tokio::select! {
            polled = poll(conn, namespace) => polled,
            _ = &mut ctrl_c => { interrupted = true; break; }
        };
        polls += 1;
        match polled {
            Ok(list) => {
                samples.ingest(&list);
            }
            Err(err) if polls == 1 => return Err(err),
            Err(err) => progress.warn(&err),
        }
        if let (Interval::Auto, Some(window)) = (args.interval, samples.window()) {
            interval = window;
        }
        let now = Instant::now();
        progress.update(&samples, polls, deadline.saturating_duration_since(now));
        if now >= deadline {
            break;
        }
        next = (next + interval).max(now).min(deadline);
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = &mut ctrl_c => { interrupted = true; break; }
        }
    }
    let sampling = Sampling {
        elapsed: readable(started.elapsed()),
        interval,
        polls,
        samples: samples.len(),
        duplicates: samples.duplicates(),
        pods: samples.pod_count(),
        interrupted,
    };
    progress.finish(&sampling, samples.unreadable());
    Ok((samples, sampling))
}

/// A wall-clock span as people read it: whole seconds from a second on, else milliseconds.
fn readable(elapsed: Duration) -> Duration {
    if elapsed >= Duration::from_secs(1) {
        Duration::from_secs(elapsed.as_secs_f64().round() as u64)
    } else {
        Duration::from_millis(u64::try_from(elapsed.as_millis()).unwrap_or(0))
    }
}

/// One list of the namespace's PodMetrics; a missing metrics API says how to get one.
async fn poll(conn: &Connection, namespace: &str) -> Result<PodMetricsList> {
    let url = format!("/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods");
    let request = http::Request::get(&url)
        .body(Vec::new())
        .map_err(|e| Error::new("build the metrics request", e))?;
    conn.client
        .request::<PodMetricsList>(request)
        .await
        .map_err(|e| {
            let what = format!("read pod metrics in namespace {namespace}");
            let unavailable = match &e {
                kube::Error::Api(status) => status.code == 404 || status.code == 503,
                _ => false,
            };
            if unavailable {
                Error::new(
                    what,
                    "the metrics API (metrics.k8s.io/v1beta1) is not available",
                )
                .with_hint(
                    "install metrics-server (kubectl apply -f https://github.com/kubernetes-sigs/\
                         metrics-server/releases/latest/download/components.yaml); k3s ships it; \
                         `kubectl qaenv doctor` checks it",
                )
            } else {
                conn.error(what, &e)
            }
        })
}

/// Prints the report in the chosen format.
fn print(
    out: &mut impl Write,
    report: &Report,
    format: LimitsFormat,
    terminal: &Terminal,
    options: &ConnectOptions,
) -> std::io::Result<()> {
    match format {
        LimitsFormat::Table => render::table(out, report, false, terminal.color_stdout),
        LimitsFormat::Wide => render::table(out, report, true, terminal.color_stdout),
        LimitsFormat::Json => write_json(out, &render::document(report)),
        LimitsFormat::Yaml => write_yaml(out, &render::document(report)),
        LimitsFormat::Patch => render::patches(out, report, &connection_flags(options)),
    }
}

/// The connection flags the user gave, repeated in printed `kubectl` commands.
fn connection_flags(options: &ConnectOptions) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(path) = &options.kubeconfig {
        flags.extend(["--kubeconfig".to_string(), path.display().to_string()]);
    }
    if let Some(context) = &options.context {
        flags.extend(["--context".to_string(), context.clone()]);
    }
    flags
}

/// Says which workloads will roll, confirms, and patches them one by one.
async fn apply(conn: &Connection, report: &Report, yes: bool, interactive: bool) -> Result<()> {
    let namespace = &report.namespace;
    if report.patches.is_empty() {
        eprintln!("nothing to apply in namespace {namespace}");
        return Ok(());
    }
    eprintln!("--apply patches in namespace {namespace}:");
    for p in &report.patches {
        eprintln!(
            "  {} ({}): {}",
            p.workload,
            render::rollout(p),
            p.containers.join(", ")
        );
    }
    let count = report.patches.len();
    prompt::confirm(
        &format!("patch the resources of {count} workload(s) in namespace {namespace}"),
        yes,
        interactive,
    )?;
    for p in &report.patches {
        patch_workload(conn, namespace, p).await?;
        eprintln!("{} patched ({})", p.workload, render::rollout(p));
    }
    Ok(())
}

/// Sends one workload's JSON patch; a failed `test` (someone changed the resources since
/// they were read) is a refusal.
async fn patch_workload(conn: &Connection, namespace: &str, p: &WorkloadPatch) -> Result<()> {
    let what = format!("patch {}", p.workload);
    let json_patch: json_patch::Patch =
        serde_json::from_value(serde_json::Value::Array(p.ops.clone()))
            .map_err(|e| Error::new(&what, e))?;
    let patch = Patch::Json::<()>(json_patch);
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..PatchParams::default()
    };
    let client = conn.client.clone();
    let name = p.workload.name.as_str();
    let result = match p.workload.kind.as_str() {
        "Deployment" => Api::<Deployment>::namespaced(client, namespace)
            .patch(name, &params, &patch)
            .await
            .map(drop),
        "StatefulSet" => Api::<StatefulSet>::namespaced(client, namespace)
            .patch(name, &params, &patch)
            .await
            .map(drop),
        "DaemonSet" => Api::<DaemonSet>::namespaced(client, namespace)
            .patch(name, &params, &patch)
            .await
            .map(drop),
        "CronJob" => Api::<CronJob>::namespaced(client, namespace)
            .patch(name, &params, &patch)
            .await
            .map(drop),
        other => return Err(Error::new(what, format!("cannot patch a {other}"))),
    };
    result.map_err(|e| match ApiFailure::classify(&e) {
        ApiFailure::Invalid(_) | ApiFailure::Conflict(_) => Error::refused(
            what,
            "its resources changed since they were read, so the patch's test failed and \
             nothing was changed",
        )
        .with_hint("run suggest-limits again to suggest from the current values"),
        _ => conn.error(what, &e),
    })
}

/// Sampling progress on stderr: a bar on a terminal, a line now and then otherwise.
enum Progress {
    Bar(indicatif::ProgressBar),
    Lines {
        every: Duration,
        last: Option<Instant>,
    },
}

impl Progress {
    fn start(namespace: &str, args: &SuggestLimitsArgs) -> Progress {
        let interval = match args.interval {
            Interval::Auto => "at the metrics resolution".to_string(),
            Interval::Every(every) => format!("every {}", format_duration(every)),
        };
        let intro = format!(
            "sampling pod metrics in namespace {namespace} for {}, {interval} (Ctrl-C reports early)",
            format_duration(args.duration)
        );
        if std::io::stderr().is_terminal() {
            let millis = u64::try_from(args.duration.as_millis()).unwrap_or(u64::MAX);
            let bar = indicatif::ProgressBar::new(millis);
            let style = indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.println(intro);
            bar.enable_steady_tick(Duration::from_millis(250));
            Progress::Bar(bar)
        } else {
            eprintln!("{intro}");
            Progress::Lines {
                every: (args.duration / 10).clamp(Duration::from_secs(1), Duration::from_secs(60)),
                last: None,
            }
        }
    }

    fn update(&mut self, samples: &Samples, polls: usize, left: Duration) {
        let status = format!(
            "{} samples from {} pods in {polls} polls, {} left",
            samples.len(),
            samples.pod_count(),
            format_duration(Duration::from_secs(left.as_secs()))
        );
        match self {
            Progress::Bar(bar) => {
                let total = bar.length().unwrap_or(0);
                let left = u64::try_from(left.as_millis()).unwrap_or(0);
                bar.set_position(total.saturating_sub(left));
                bar.set_message(status);
            }
            Progress::Lines { every, last } => {
                let now = Instant::now();
                if last.is_none_or(|t| now.duration_since(t) >= *every) {
                    eprintln!("{status}");
                    *last = Some(now);
                }
            }
        }
    }

    fn warn(&self, err: &Error) {
        let line = format!("warning: {err}; sampling goes on");
        match self {
            Progress::Bar(bar) => bar.println(line),
            Progress::Lines { .. } => eprintln!("{line}"),
        }
    }

    fn finish(&self, sampling: &Sampling, unreadable: usize) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
        let mut line =
            format!(
            "{}sampled {} samples from {} pods in {} polls over {} (every {}; {} repeats dropped)",
            if sampling.interrupted { "interrupted: " } else { "" },
            sampling.samples,
            sampling.pods,
            sampling.polls,
            format_duration(sampling.elapsed),
            format_duration(sampling.interval),
            sampling.duplicates,
        );
        if unreadable > 0 {
            line.push_str(&format!("; {unreadable} unreadable samples skipped"));
        }
        eprintln!("{line}");
    }
}
