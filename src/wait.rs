//! The I/O edge of [`crate::health`]: listing a namespace's workloads, and waiting for them to
//! become ready.
//!
//! [`snapshot`] lists each kind once, concurrently (for `status`). [`wait_ready`] (for `up`,
//! `promote --wait`, `bump --wait`) watches instead: one reflector per kind involved, their
//! events merged into one stream, and a re-assessment after every burst of events until every
//! target is Ready, every unready target has failed for good, or the deadline passes. No
//! polling: a wait costs one list and one watch per kind however many pods there are, plus at
//! most [`MAX_LOG_REQUESTS`] log requests for the diagnosis on timeout. Progress goes to
//! stderr only ([`Progress`]).
//!
//! [`wait_ready`] is cancel-safe: it spawns nothing, so dropping its future (Ctrl-C in
//! `main`'s `select!`) closes the watches and leaves the progress display as it was.

use std::{
    collections::HashMap,
    fmt::Debug,
    io::{self, IsTerminal, Write},
    time::Duration,
};

use futures_util::{
    future::join_all,
    stream::{self, BoxStream, ReadyChunks, SelectAll},
    StreamExt,
};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use k8s_openapi::{
    api::{
        apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet},
        batch::v1::Job,
        core::v1::{Event, Pod},
    },
    NamespaceResourceScope,
};
use kube::{
    api::{Api, ListParams, LogParams},
    runtime::{
        reflector::{self, Store},
        watcher, WatchStreamExt,
    },
    Resource,
};
use serde::{de::DeserializeOwned, Serialize};
use tokio::time::Instant;

use crate::{
    client::Connection,
    error::{format_duration, ApiFailure, Error, ExitCode, Result},
    health::{
        assess_targets, render_diagnosis, Reason, Snapshot, State, WorkloadHealth, WorkloadKind,
        WorkloadRef,
    },
    output::Terminal,
};

/// Events are only read for their Warnings, so only Warnings are fetched.
const WARNINGS: &str = "type=Warning";
/// At most this many log requests for a diagnosis, whatever the number of crash loops.
pub const MAX_LOG_REQUESTS: usize = 5;
/// Log lines kept per crash-looping container.
pub const LOG_LINES: i64 = 10;
/// Bytes read at most per log request (a container may log megabytes on one line).
const LOG_BYTES: i64 = 16 * 1024;
/// Watch events handled before each re-assessment, when they arrive in a burst.
const BURST: usize = 256;

/// Lists the namespace's workloads, ReplicaSets, pods (those matching `label_selector`) and
/// Warning events (all: events carry no labels), one request per kind, concurrently.
///
/// # Errors
///
/// The first failed list, as an API error naming the resource and namespace.
pub async fn snapshot(
    conn: &Connection,
    namespace: &str,
    label_selector: Option<&str>,
) -> Result<Snapshot> {
    let mut params = ListParams::default();
    if let Some(selector) = label_selector {
        params = params.labels(selector);
    }
    let warnings = ListParams::default().fields(WARNINGS);
    let (deployments, stateful_sets, daemon_sets, jobs, replica_sets, pods, events) = tokio::try_join!(
        list::<Deployment>(conn, namespace, &params),
        list::<StatefulSet>(conn, namespace, &params),
        list::<DaemonSet>(conn, namespace, &params),
        list::<Job>(conn, namespace, &params),
        list::<ReplicaSet>(conn, namespace, &params),
        list::<Pod>(conn, namespace, &params),
        list::<Event>(conn, namespace, &warnings),
    )?;
    Ok(Snapshot {
        deployments,
        stateful_sets,
        daemon_sets,
        jobs,
        replica_sets,
        pods,
        events,
    })
}

async fn list<K>(conn: &Connection, namespace: &str, params: &ListParams) -> Result<Vec<K>>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + Debug,
{
    let api: Api<K> = Api::namespaced(conn.client.clone(), namespace);
    api.list(params).await.map(|list| list.items).map_err(|e| {
        conn.error(
            format!("list {} in namespace {namespace}", K::plural(&())),
            &e,
        )
    })
}

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum WaitEnd {
    /// Every target is Ready.
    Ready,
    /// Every target that is not Ready failed for good (a failed Job, an exceeded progress
    /// deadline), so waiting longer could not help.
    Failed,
    /// The deadline passed.
    TimedOut,
}

/// The result of [`wait_ready`]: how it ended and the last health of every target, with the
/// crash-looping containers' last log lines when it did not end Ready.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitOutcome {
    pub namespace: String,
    pub end: WaitEnd,
    pub workloads: Vec<WorkloadHealth>,
    #[serde(skip)]
    pub elapsed: Duration,
    #[serde(skip)]
    pub timeout: Duration,
}

impl WaitOutcome {
    pub fn is_ready(&self) -> bool {
        self.end == WaitEnd::Ready
    }

    /// The targets that are not Ready.
    pub fn unready(&self) -> impl Iterator<Item = &WorkloadHealth> {
        self.workloads.iter().filter(|w| !w.is_ready())
    }

    /// The error for a wait that did not end Ready, `None` otherwise. `what` is the verb
    /// phrase of the caller ("wait for environment feature-x"):
    /// `wait for environment feature-x timed out after 10m: 2 of 5 workloads not ready`
    /// (exit code 3), or `… failed: 1 of 5 workloads failed and cannot become ready` (exit 3
    /// when a Deployment exceeded its progress deadline, exit 1 for a failed Job).
    pub fn error(&self, what: &str) -> Option<Error> {
        let total = self.workloads.len();
        let unready = self.unready().count();
        match self.end {
            WaitEnd::Ready => None,
            WaitEnd::TimedOut => Some(
                Error::new(
                    format!("{what} timed out after {}", format_duration(self.timeout)),
                    format!("{unready} of {total} workloads not ready"),
                )
                .with_exit(ExitCode::TimedOut)
                .with_hint(
                    "the diagnosis above says why; fix it and run the command again, or allow \
                     longer with --timeout",
                ),
            ),
            WaitEnd::Failed => {
                let error = Error::new(
                    format!("{what} failed"),
                    format!("{unready} of {total} workloads failed and cannot become ready"),
                )
                .with_hint("the diagnosis above says why; fix it and run the command again");
                // A Deployment past its progressDeadlineSeconds timed out by Kubernetes' own
                // clock: exit 3, as a wait that ran out of time. Only a failed Job is an error.
                let deadline = self.unready().any(|w| {
                    w.reasons
                        .iter()
                        .any(|r| matches!(r, Reason::ProgressDeadlineExceeded { .. }))
                });
                Some(if deadline {
                    error.with_exit(ExitCode::TimedOut)
                } else {
                    error
                })
            }
        }
    }

    /// Ends a command's wait the way every command does: `Ok` when Ready; otherwise writes the
    /// diagnosis to `diagnostics` (stderr) and returns [`WaitOutcome::error`].
    pub fn finish(&self, what: &str, diagnostics: &mut impl Write) -> Result<()> {
        let Some(error) = self.error(what) else {
            return Ok(());
        };
        render_diagnosis(diagnostics, &self.namespace, &self.workloads)
            .map_err(|e| Error::io("cannot write the diagnosis", e))?;
        Err(error)
    }
}

/// How [`wait_ready`] shows progress. Progress always goes to stderr, never stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Nothing (JSON output, tests).
    Silent,
    /// A plain line whenever a workload's state changes (stderr is not a terminal: CI logs).
    Lines,
    /// A live line per workload with a spinner (stderr is a terminal); the spinner is coloured
    /// when `color`.
    Bars { color: bool },
}

impl Progress {
    /// Bars on a terminal stderr (unless `TERM=dumb`), coloured as `terminal` says
    /// (`--color`, `NO_COLOR`); plain lines otherwise.
    pub fn detect(terminal: &Terminal) -> Progress {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if io::stderr().is_terminal() && !dumb {
            Progress::Bars {
                color: terminal.color_stderr,
            }
        } else {
            Progress::Lines
        }
    }
}

/// Waits until every target workload in `namespace` is Ready, watching the kinds involved
/// (the targets' kinds, ReplicaSets for Deployments, pods and Warning events; with no targets,
/// every workload kind and every workload matching `selector`). `selector` narrows the
/// workloads, ReplicaSets and pods watched (an environment's label).
///
/// Returns when every target is Ready, when every unready target failed for good, or at
/// `timeout`; then, unless Ready, with the last lines of up to [`MAX_LOG_REQUESTS`]
/// crash-looping containers. Turn the outcome into the command's result with
/// [`WaitOutcome::finish`].
///
/// # Errors
///
/// A list or watch that fails before the first complete picture (unreachable server, no
/// permission), or a permission error later.
pub async fn wait_ready(
    conn: &Connection,
    namespace: &str,
    selector: Option<&str>,
    targets: &[WorkloadRef],
    timeout: Duration,
    progress: Progress,
) -> Result<WaitOutcome> {
    let started = Instant::now();
    let deadline = started + timeout;
    let mut watches = Watches::start(conn, namespace, selector, &watched_kinds(targets));
    let mut reporter = Reporter::new(progress);
    let mut workloads = Vec::new();
    let end = loop {
        let burst = match tokio::time::timeout_at(deadline, watches.stream.next()).await {
            Err(_elapsed) => break WaitEnd::TimedOut,
            Ok(None) => {
                return Err(Error::new(
                    format!("watch workloads in namespace {namespace}"),
                    "the watch ended unexpectedly",
                ))
            }
            Ok(Some(burst)) => burst,
        };
        watches.record(burst, conn, namespace)?;
        if !watches.is_synced() {
            continue;
        }
        workloads = assess_targets(&watches.snapshot(), targets);
        reporter.update(&workloads);
        if workloads.iter().all(WorkloadHealth::is_ready) {
            break WaitEnd::Ready;
        }
        if workloads
            .iter()
            .filter(|w| !w.is_ready())
            .all(WorkloadHealth::is_terminal)
        {
            break WaitEnd::Failed;
        }
    };
    if !watches.is_synced() {
        workloads = assess_targets(&watches.snapshot(), targets);
    }
    reporter.finish(&workloads);
    drop(watches);
    if end != WaitEnd::Ready {
        attach_crash_logs(conn, namespace, &mut workloads).await;
    }
    Ok(WaitOutcome {
        namespace: namespace.to_string(),
        end,
        workloads,
        elapsed: started.elapsed(),
        timeout,
    })
}

/// The workload kinds a wait watches: the targets' kinds, or all of them.
fn watched_kinds(targets: &[WorkloadRef]) -> Vec<WorkloadKind> {
    if targets.is_empty() {
        return WorkloadKind::ALL.to_vec();
    }
    WorkloadKind::ALL
        .into_iter()
        .filter(|kind| targets.iter().any(|t| t.kind == *kind))
        .collect()
}

/// What one watch stream reports: `Ok(Some(i))` when watch `i` has its complete initial list,
/// `Ok(None)` for any other change, `Err` with the watch's index on failure.
type Signal = std::result::Result<Option<usize>, (usize, watcher::Error)>;

/// The reflectors of one wait: a store per kind and their merged event stream.
struct Watches {
    deployments: Option<Store<Deployment>>,
    stateful_sets: Option<Store<StatefulSet>>,
    daemon_sets: Option<Store<DaemonSet>>,
    jobs: Option<Store<Job>>,
    replica_sets: Option<Store<ReplicaSet>>,
    pods: Store<Pod>,
    events: Store<Event>,
    /// The plural resource of each watch, by index, for errors.
    resources: Vec<String>,
    /// Whether each watch has delivered its complete initial list.
    synced: Vec<bool>,
    stream: ReadyChunks<SelectAll<BoxStream<'static, Signal>>>,
}

impl Watches {
    fn start(
        conn: &Connection,
        namespace: &str,
        selector: Option<&str>,
        kinds: &[WorkloadKind],
    ) -> Watches {
        let mut config = watcher::Config::default();
        if let Some(selector) = selector {
            config = config.labels(selector);
        }
        let mut builder = Builder {
            conn,
            namespace,
            streams: Vec::new(),
            resources: Vec::new(),
        };
        let has = |kind| kinds.contains(&kind);
        let deployments = has(WorkloadKind::Deployment).then(|| builder.watch(config.clone()));
        let stateful_sets = has(WorkloadKind::StatefulSet).then(|| builder.watch(config.clone()));
        let daemon_sets = has(WorkloadKind::DaemonSet).then(|| builder.watch(config.clone()));
        let jobs = has(WorkloadKind::Job).then(|| builder.watch(config.clone()));
        let replica_sets = has(WorkloadKind::Deployment).then(|| builder.watch(config.clone()));
        let pods = builder.watch(config);
        let events = builder.watch(watcher::Config::default().fields(WARNINGS));
        Watches {
            deployments,
            stateful_sets,
            daemon_sets,
            jobs,
            replica_sets,
            pods,
            events,
            synced: vec![false; builder.resources.len()],
            resources: builder.resources,
            stream: stream::select_all(builder.streams).ready_chunks(BURST),
        }
    }

    /// Notes which watches are synced. Failures before a watch's first complete list, and
    /// permission failures at any time, end the wait; others are retried by the watcher
    /// (with back-off) and the wait goes on with what it has.
    fn record(&mut self, burst: Vec<Signal>, conn: &Connection, namespace: &str) -> Result<()> {
        for signal in burst {
            match signal {
                Ok(Some(index)) => {
                    if let Some(synced) = self.synced.get_mut(index) {
                        *synced = true;
                    }
                }
                Ok(None) => {}
                Err((index, err)) => {
                    let synced = self.synced.get(index).copied().unwrap_or(false);
                    let resource = self.resources.get(index).map_or("", String::as_str);
                    let error = watch_error(conn, resource, namespace, err);
                    let denied = matches!(
                        error.api_failure(),
                        Some(ApiFailure::Forbidden(_) | ApiFailure::Unauthorized(_))
                    );
                    if !synced || denied {
                        return Err(error);
                    }
                }
            }
        }
        Ok(())
    }

    fn is_synced(&self) -> bool {
        self.synced.iter().all(|s| *s)
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            deployments: contents(self.deployments.as_ref()),
            stateful_sets: contents(self.stateful_sets.as_ref()),
            daemon_sets: contents(self.daemon_sets.as_ref()),
            jobs: contents(self.jobs.as_ref()),
            replica_sets: contents(self.replica_sets.as_ref()),
            pods: contents(Some(&self.pods)),
            events: contents(Some(&self.events)),
        }
    }
}

/// Collects the reflector streams while [`Watches::start`] creates them.
struct Builder<'a> {
    conn: &'a Connection,
    namespace: &'a str,
    streams: Vec<BoxStream<'static, Signal>>,
    resources: Vec<String>,
}

impl Builder<'_> {
    /// Starts a reflector on kind `K` (lazily: nothing is sent until the stream is polled).
    fn watch<K>(&mut self, config: watcher::Config) -> Store<K>
    where
        K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
            + Clone
            + DeserializeOwned
            + Debug
            + Send
            + Sync
            + 'static,
    {
        let index = self.streams.len();
        self.resources.push(K::plural(&()).to_string());
        let api: Api<K> = Api::namespaced(self.conn.client.clone(), self.namespace);
        let (store, writer) = reflector::store();
        let stream = reflector::reflector(writer, watcher(api, config).default_backoff())
            .map(move |item| match item {
                Ok(event) => Ok(matches!(event, watcher::Event::InitDone).then_some(index)),
                Err(err) => Err((index, err)),
            })
            .boxed();
        self.streams.push(stream);
        store
    }
}

fn contents<K: Resource<DynamicType = ()> + Clone>(store: Option<&Store<K>>) -> Vec<K> {
    store
        .map(|s| s.state().iter().map(|o| K::clone(o)).collect())
        .unwrap_or_default()
}

/// A watcher's failure as the plugin's error: `watch <resource> in namespace <ns>: …`.
pub fn watch_error(
    conn: &Connection,
    resource: &str,
    namespace: &str,
    err: watcher::Error,
) -> Error {
    let what = format!("watch {resource} in namespace {namespace}");
    match err {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => conn.error(what, &e),
        watcher::Error::WatchError(status) => conn.error(what, &kube::Error::Api(status)),
        other => Error::new(what, other),
    }
}

/// Fills the `logs` of [`Reason::CrashLoop`]s with the last [`LOG_LINES`] lines of each
/// container's previous run (`previous=true`): at most [`MAX_LOG_REQUESTS`] requests, sent
/// concurrently. A log that cannot be read stays empty: it is evidence, not a requirement.
pub async fn attach_crash_logs(
    conn: &Connection,
    namespace: &str,
    workloads: &mut [WorkloadHealth],
) {
    let wanted: Vec<(usize, usize, String, String)> = workloads
        .iter()
        .enumerate()
        .flat_map(|(w, health)| {
            health
                .reasons
                .iter()
                .enumerate()
                .filter_map(move |(r, reason)| match reason {
                    Reason::CrashLoop {
                        pods, container, ..
                    } => Some((w, r, pods.first()?.clone(), container.clone())),
                    _ => None,
                })
        })
        .take(MAX_LOG_REQUESTS)
        .collect();
    let api: Api<Pod> = Api::namespaced(conn.client.clone(), namespace);
    let fetched = join_all(
        wanted
            .iter()
            .map(|(_, _, pod, container)| previous_log(&api, pod, container)),
    )
    .await;
    for ((w, r, _, _), lines) in wanted.iter().zip(fetched) {
        let reason = workloads
            .get_mut(*w)
            .and_then(|health| health.reasons.get_mut(*r));
        if let Some(Reason::CrashLoop { logs, .. }) = reason {
            *logs = lines;
        }
    }
}

async fn previous_log(api: &Api<Pod>, pod: &str, container: &str) -> Vec<String> {
    let params = LogParams {
        container: Some(container.to_string()),
        previous: true,
        tail_lines: Some(LOG_LINES),
        limit_bytes: Some(LOG_BYTES),
        ..LogParams::default()
    };
    match api.logs(pod, &params).await {
        Ok(text) => last_lines(&text),
        Err(_) => Vec::new(),
    }
}

/// The last [`LOG_LINES`] non-empty lines of a log, without trailing whitespace.
fn last_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    let keep = usize::try_from(LOG_LINES).unwrap_or(usize::MAX);
    lines[lines.len().saturating_sub(keep)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

/// One workload's progress, as printed: `deployment/web: Progressing (1/2 ready)`.
pub fn progress_line(workload: &WorkloadHealth) -> String {
    format!(
        "{}: {} ({} ready)",
        workload.workload,
        workload.headline(),
        workload.ready_text()
    )
}

/// The progress lines of the workloads whose state or headline changed since `shown`, which
/// is updated: CI logs get a line per change, not per watch event.
fn changed_lines(
    shown: &mut HashMap<WorkloadRef, (State, String)>,
    workloads: &[WorkloadHealth],
) -> Vec<String> {
    let mut lines = Vec::new();
    for workload in workloads {
        let key = (workload.state, workload.headline());
        if shown.get(&workload.workload) != Some(&key) {
            lines.push(progress_line(workload));
            shown.insert(workload.workload.clone(), key);
        }
    }
    lines
}

/// A spinner whose last frame, shown once finished, is a check mark.
const TICKS_READY: &str = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏✓";
/// The same, ending in a cross: for workloads the wait ended without.
const TICKS_UNREADY: &str = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏✗";

/// Draws progress on stderr as [`Progress`] asks.
enum Reporter {
    Silent,
    /// The last state and headline printed per workload; a line is printed when it changes.
    Lines(HashMap<WorkloadRef, (State, String)>),
    Bars {
        multi: MultiProgress,
        bars: HashMap<WorkloadRef, ProgressBar>,
        /// The template; the ticks are [`TICKS_READY`] or, at the end, [`TICKS_UNREADY`].
        style: ProgressStyle,
    },
}

impl Reporter {
    fn new(progress: Progress) -> Reporter {
        match progress {
            Progress::Silent => Reporter::Silent,
            Progress::Lines => Reporter::Lines(HashMap::new()),
            Progress::Bars { color } => {
                let template = if color {
                    "{spinner:.cyan} {msg}"
                } else {
                    "{spinner} {msg}"
                };
                Reporter::Bars {
                    multi: MultiProgress::new(),
                    bars: HashMap::new(),
                    style: ProgressStyle::with_template(template)
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                }
            }
        }
    }

    fn update(&mut self, workloads: &[WorkloadHealth]) {
        match self {
            Reporter::Silent => {}
            Reporter::Lines(shown) => {
                let mut stderr = io::stderr().lock();
                for line in changed_lines(shown, workloads) {
                    // Progress is best effort: a closed stderr must not end the wait.
                    let _ = writeln!(stderr, "{line}");
                }
            }
            Reporter::Bars { multi, bars, style } => {
                for workload in workloads {
                    let bar = bars.entry(workload.workload.clone()).or_insert_with(|| {
                        let bar = multi.add(
                            ProgressBar::new_spinner()
                                .with_style(style.clone().tick_chars(TICKS_READY)),
                        );
                        bar.enable_steady_tick(Duration::from_millis(120));
                        bar
                    });
                    bar.set_message(progress_line(workload));
                    if workload.is_ready() {
                        bar.finish();
                    }
                }
            }
        }
    }

    /// Leaves every line showing its final state.
    fn finish(&mut self, workloads: &[WorkloadHealth]) {
        if let Reporter::Bars { bars, style, .. } = self {
            for workload in workloads {
                if let Some(bar) = bars.get(&workload.workload) {
                    if !workload.is_ready() {
                        bar.set_style(style.clone().tick_chars(TICKS_UNREADY));
                    }
                    bar.abandon_with_message(progress_line(workload));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn health(name: &str, state: State, reasons: Vec<Reason>) -> WorkloadHealth {
        WorkloadHealth {
            workload: WorkloadRef::new(WorkloadKind::Deployment, name),
            state,
            desired: 2,
            ready: if state == State::Ready { 2 } else { 1 },
            updated: 2,
            available: 1,
            images: vec!["web:1".into()],
            restarts: 0,
            reasons,
        }
    }

    fn outcome(end: WaitEnd) -> WaitOutcome {
        let stuck = Reason::Unschedulable {
            pods: vec!["api-1".into()],
            message: "0/3 nodes are available: 3 Insufficient cpu.".into(),
        };
        WaitOutcome {
            namespace: "qa-x".into(),
            end,
            workloads: vec![
                health("web", State::Ready, Vec::new()),
                health("api", State::Waiting, vec![stuck]),
            ],
            elapsed: Duration::from_secs(600),
            timeout: Duration::from_secs(600),
        }
    }

    #[test]
    fn a_timeout_is_exit_code_3_after_the_diagnosis() {
        let mut stderr = Vec::new();
        let error = outcome(WaitEnd::TimedOut)
            .finish("wait for environment feature-x", &mut stderr)
            .unwrap_err();
        assert_eq!(error.exit_code(), ExitCode::TimedOut);
        insta::assert_snapshot!(String::from_utf8_lossy(&stderr).to_string() + &error.report(), @r"
        deployment/api is not ready (1/2 ready, Waiting):
          Unschedulable: pod api-1 cannot be scheduled
            0/3 nodes are available: 3 Insufficient cpu.
          hint: lower the requests or add nodes (`kubectl qaenv doctor` shows free capacity)
        error: wait for environment feature-x timed out after 10m: 1 of 2 workloads not ready
        hint: the diagnosis above says why; fix it and run the command again, or allow longer with --timeout
        ");
    }

    #[test]
    fn a_terminal_failure_is_an_error_and_ready_is_silent() {
        let error = outcome(WaitEnd::Failed).error("wait").unwrap();
        assert_eq!(error.exit_code(), ExitCode::Error);
        assert_eq!(
            error.to_string(),
            "wait failed: 1 of 2 workloads failed and cannot become ready"
        );
        let mut deadline = outcome(WaitEnd::Failed);
        deadline.workloads[1].reasons = vec![Reason::ProgressDeadlineExceeded {
            message: "ReplicaSet \"api-1\" has timed out progressing.".into(),
        }];
        let error = deadline.error("wait").unwrap();
        assert_eq!(error.exit_code(), ExitCode::TimedOut);
        let mut ready = outcome(WaitEnd::Ready);
        ready.workloads.truncate(1);
        let mut stderr = Vec::new();
        assert!(ready.finish("wait", &mut stderr).is_ok());
        assert!(stderr.is_empty());
        assert!(ready.is_ready());
        assert_eq!(ready.unready().count(), 0);
    }

    #[test]
    fn progress_lines_name_the_workload_its_headline_and_counts() {
        let [web, api] = outcome(WaitEnd::TimedOut).workloads.try_into().unwrap();
        assert_eq!(progress_line(&web), "deployment/web: Ready (2/2 ready)");
        assert_eq!(
            progress_line(&api),
            "deployment/api: Unschedulable (1/2 ready)"
        );
    }

    #[test]
    fn waits_watch_only_the_kinds_they_need() {
        assert_eq!(watched_kinds(&[]), WorkloadKind::ALL.to_vec());
        let targets = [
            WorkloadRef::new(WorkloadKind::Job, "b"),
            WorkloadRef::new(WorkloadKind::Deployment, "a"),
            WorkloadRef::new(WorkloadKind::Job, "c"),
        ];
        assert_eq!(
            watched_kinds(&targets),
            vec![WorkloadKind::Deployment, WorkloadKind::Job]
        );
    }

    #[test]
    fn logs_keep_their_last_non_empty_lines() {
        let text: String = (1..=15).map(|i| format!("line {i}  \n\n")).collect();
        let lines = last_lines(&text);
        assert_eq!(lines.len(), 10);
        assert_eq!(lines.first().map(String::as_str), Some("line 6"));
        assert_eq!(lines.last().map(String::as_str), Some("line 15"));
        assert!(last_lines("").is_empty());
    }

    #[test]
    fn plain_progress_prints_a_line_only_when_a_state_changes() {
        let mut shown = HashMap::new();
        let [web, api] = outcome(WaitEnd::TimedOut).workloads.try_into().unwrap();
        let mut starting = api.clone();
        starting.state = State::Progressing;
        starting.reasons.clear();
        assert_eq!(
            changed_lines(&mut shown, &[starting.clone(), web.clone()]),
            [
                "deployment/api: Progressing (1/2 ready)",
                "deployment/web: Ready (2/2 ready)"
            ]
        );
        let mut more_ready = starting.clone();
        more_ready.ready = 2;
        assert!(changed_lines(&mut shown, &[more_ready, web.clone()]).is_empty());
        assert_eq!(
            changed_lines(&mut shown, &[api, web]),
            ["deployment/api: Unschedulable (1/2 ready)"]
        );
    }
}
