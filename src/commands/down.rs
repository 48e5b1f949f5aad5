//! `kubectl qaenv down`: delete environments, and only namespaces qaenv created.
//!
//! What a run sends:
//!
//! 1. `down NAME...`: one GET per NAME (a second when the environment's namespace does not
//!    exist and NAME is a namespace name of its own); `--expired` / `--all`: one
//!    label-selected list of namespaces. Nothing is written until every NAME checked out
//!    ([`teardown::named_targets`]) and the user confirmed (a terminal) or passed `--yes`;
//! 2. one DELETE per environment not already being deleted, carrying the UID read in step 1
//!    as a precondition, at most [`apply::PARALLELISM`] at once;
//! 3. `--wait`: one watch of namespaces (a list, then a watch) until each deleted namespace is
//!    gone or `--timeout` passes, with progress on stderr.
//!
//! The decisions and the report are pure, in [`crate::teardown`].

use std::{
    collections::HashMap,
    io::{self, Write},
    time::Duration,
};

use futures_util::{stream, StreamExt};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Namespace;
use kube::{
    api::{Api, DeleteParams, Preconditions},
    runtime::{watcher, WatchStreamExt},
};
use tokio::time::Instant;

use crate::{
    apply,
    cli::{DownArgs, ReportFormat},
    client::{connect, ConnectOptions, Connection},
    env, environment,
    error::{ApiFailure, Error, ExitCode, Result},
    output::{self, TableOptions, Terminal},
    prompt::{self, Decision},
    teardown::{self, Departure, Departures, DownReport, Lookup, Outcome, Selection, Target},
    wait::Progress,
};

/// Runs `down`.
pub async fn run(
    args: &DownArgs,
    options: &ConnectOptions,
    out: &mut impl Write,
    terminal: &Terminal,
) -> Result<()> {
    // A NAME that cannot be an environment is a usage error before anything is sent.
    let tried: Vec<Vec<String>> = args
        .names
        .iter()
        .map(|name| env::candidate_namespaces(name))
        .collect::<Result<_>>()?;
    let conn = connect(options).await?;
    let selector = args.selector.as_deref();
    let (selection, targets) = if args.names.is_empty() {
        let selection = if args.expired {
            Selection::Expired
        } else {
            Selection::All
        };
        let listed = environment::list_namespaces(&conn, selector).await?;
        let targets = teardown::listed_targets(&listed, args.expired, Timestamp::now());
        (selection, targets)
    } else {
        let mut lookups = Vec::with_capacity(args.names.len());
        for (name, tried) in args.names.iter().zip(tried) {
            lookups.push(Lookup {
                name: name.clone(),
                found: environment::find(&conn, name).await?,
                tried,
            });
        }
        (Selection::Names, teardown::named_targets(&lookups)?)
    };

    if targets.is_empty() {
        eprintln!("{}", teardown::nothing_to_delete(selection, selector));
        if args.output == ReportFormat::Json {
            let report = teardown::report(selection, selector, args.wait, &[], &[]);
            output::write_json(out, &report).map_err(Error::output)?;
        }
        return Ok(());
    }

    confirm(&targets, args.yes, terminal)?;
    let mut outcomes: Vec<Outcome> = stream::iter(&targets)
        .map(|target| delete_namespace(&conn, target))
        .buffered(apply::PARALLELISM)
        .collect()
        .await;
    if args.wait {
        let progress = match args.output {
            ReportFormat::Table => Progress::detect(terminal),
            ReportFormat::Json => Progress::Lines,
        };
        wait_gone(&conn, &targets, &mut outcomes, args.timeout, progress).await?;
    }

    let report = teardown::report(selection, selector, args.wait, &targets, &outcomes);
    eprintln!("{}", teardown::summary_line(&report));
    write_report(out, &report, args.output, terminal)?;
    match teardown::failure(&report, args.timeout) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Lists what will go and asks on a terminal; without one, `--yes` is needed (exit 4).
fn confirm(targets: &[Target], yes: bool, terminal: &Terminal) -> Result<()> {
    if prompt::decide(yes, terminal.interactive) == Decision::Ask {
        let options = TableOptions {
            no_headers: false,
            color: terminal.color_stderr,
        };
        teardown::targets_table(targets, Timestamp::now())
            .render(&mut io::stderr().lock(), options)
            .map_err(|e| Error::io("cannot write to stderr", e))?;
    }
    prompt::confirm(&teardown::confirmation(targets), yes, terminal.interactive)
}

/// Deletes one environment's namespace with its UID as a precondition, unless it is being
/// deleted already.
pub async fn delete_namespace(conn: &Connection, target: &Target) -> Outcome {
    if target.env.terminating {
        return Outcome::AlreadyDeleting;
    }
    let namespace = &target.env.namespace;
    let api: Api<Namespace> = Api::all(conn.client.clone());
    let params = DeleteParams {
        preconditions: target.uid.clone().map(|uid| Preconditions {
            uid: Some(uid),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    match api.delete(namespace, &params).await {
        // The namespace answered is terminating; a status means it is gone already.
        Ok(answer) if answer.is_left() => Outcome::Deleting,
        Ok(_) => Outcome::Deleted,
        Err(kube::Error::Api(status)) if status.code == 404 => Outcome::AlreadyGone,
        Err(kube::Error::Api(status))
            if status.code == 409 && status.message.contains("Precondition failed: UID") =>
        {
            Outcome::Failed {
                cause: format!(
                    "namespace {namespace} was deleted and re-created since it was read (its \
                     UID changed), so it was not deleted"
                ),
                exit: ExitCode::Refused,
                hint: Some(
                    "someone re-created it meanwhile; run the command again if the new one \
                     should go too"
                        .into(),
                ),
            }
        }
        Err(err) => Outcome::failed(&conn.error(format!("delete namespace {namespace}"), &err)),
    }
}

/// `--wait`: watches namespaces until every deleted one is gone or `timeout` passes, then
/// turns the outcomes of those gone into [`Outcome::Deleted`] and of the others into
/// [`Outcome::StillTerminating`].
async fn wait_gone(
    conn: &Connection,
    targets: &[Target],
    outcomes: &mut [Outcome],
    timeout: Duration,
    progress: Progress,
) -> Result<()> {
    let departing: Vec<&Target> = targets
        .iter()
        .zip(outcomes.iter())
        .filter(|(_, outcome)| outcome.is_departing())
        .map(|(target, _)| target)
        .collect();
    if departing.is_empty() {
        return Ok(());
    }
    let mut departures = Departures::new(departing.iter().copied());
    // One namespace: a watch of just that name (which RBAC can grant by resourceNames);
    // several: one watch of all namespaces rather than one per namespace.
    let config = match departing.as_slice() {
        [one] => watcher::Config::default().fields(&format!("metadata.name={}", one.env.namespace)),
        _ => watcher::Config::default(),
    };
    let api: Api<Namespace> = Api::all(conn.client.clone());
    let mut events = watcher(api, config).default_backoff().boxed();
    let mut reporter = Reporter::new(progress, &departing);
    let deadline = Instant::now() + timeout;
    let mut synced = false;
    while !departures.is_done() {
        let event = match tokio::time::timeout_at(deadline, events.next()).await {
            Err(_elapsed) => break,
            Ok(None) => {
                return Err(Error::new(
                    "watch namespaces",
                    "the watch ended unexpectedly",
                ))
            }
            Ok(Some(Ok(event))) => event,
            Ok(Some(Err(err))) => {
                let error = watch_error(conn, err);
                let denied = matches!(
                    error.api_failure(),
                    Some(ApiFailure::Forbidden(_) | ApiFailure::Unauthorized(_))
                );
                if !synced || denied {
                    reporter.finish(&departures);
                    return Err(error);
                }
                // The watcher re-lists with back-off; the departures catch up from its list.
                continue;
            }
        };
        synced |= matches!(event, watcher::Event::InitDone);
        for change in departures.observe(event) {
            reporter.show(&change);
        }
    }
    reporter.finish(&departures);
    for (target, outcome) in targets.iter().zip(outcomes.iter_mut()) {
        if outcome.is_departing() {
            *outcome = match departures.status(&target.env.namespace) {
                None => Outcome::Deleted,
                Some(status) => Outcome::StillTerminating {
                    status: status.to_string(),
                },
            };
        }
    }
    Ok(())
}

fn watch_error(conn: &Connection, err: watcher::Error) -> Error {
    let what = "watch namespaces";
    match err {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => conn.error(what, &e),
        watcher::Error::WatchError(status) => conn.error(what, &kube::Error::Api(status)),
        other => Error::new(what, other),
    }
}

fn write_report(
    out: &mut impl Write,
    report: &DownReport,
    format: ReportFormat,
    terminal: &Terminal,
) -> Result<()> {
    match format {
        ReportFormat::Json => output::write_json(out, report),
        ReportFormat::Table => teardown::write_table(
            out,
            report,
            Timestamp::now(),
            TableOptions {
                no_headers: false,
                color: terminal.color_stdout,
            },
        ),
    }
    .map_err(Error::output)
}

/// A spinner whose last frame is a check mark (gone) or a cross (still there at the end).
const TICKS_GONE: &str = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏✓";
const TICKS_STUCK: &str = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏✗";

/// Shows a wait's progress on stderr: a live line per namespace on a terminal, a plain line
/// per change otherwise.
enum Reporter {
    Silent,
    Lines,
    Bars {
        _multi: MultiProgress,
        bars: HashMap<String, ProgressBar>,
        style: ProgressStyle,
    },
}

impl Reporter {
    fn new(progress: Progress, departing: &[&Target]) -> Reporter {
        match progress {
            Progress::Silent => Reporter::Silent,
            Progress::Lines => {
                let mut stderr = io::stderr().lock();
                for target in departing {
                    let _ = writeln!(
                        stderr,
                        "namespace {}: waiting until it is gone",
                        target.env.namespace
                    );
                }
                Reporter::Lines
            }
            Progress::Bars { color } => {
                let template = if color {
                    "{spinner:.cyan} {msg}"
                } else {
                    "{spinner} {msg}"
                };
                let style = ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
                let multi = MultiProgress::new();
                let bars = departing
                    .iter()
                    .map(|target| {
                        let bar = multi.add(
                            ProgressBar::new_spinner()
                                .with_style(style.clone().tick_chars(TICKS_GONE)),
                        );
                        bar.set_message(format!("namespace {}: Terminating", target.env.namespace));
                        bar.enable_steady_tick(Duration::from_millis(120));
                        (target.env.namespace.clone(), bar)
                    })
                    .collect();
                Reporter::Bars {
                    _multi: multi,
                    bars,
                    style,
                }
            }
        }
    }

    fn show(&mut self, change: &Departure) {
        match self {
            Reporter::Silent => {}
            Reporter::Lines => {
                // Progress is best effort: a closed stderr must not end the wait.
                let _ = writeln!(io::stderr().lock(), "{}", teardown::progress_line(change));
            }
            Reporter::Bars { bars, .. } => {
                let namespace = match change {
                    Departure::Status { namespace, .. } | Departure::Gone { namespace } => {
                        namespace
                    }
                };
                if let Some(bar) = bars.get(namespace) {
                    bar.set_message(teardown::progress_line(change));
                    if matches!(change, Departure::Gone { .. }) {
                        bar.finish();
                    }
                }
            }
        }
    }

    /// Leaves every line showing its final state.
    fn finish(&mut self, departures: &Departures) {
        if let Reporter::Bars { bars, style, .. } = self {
            for (namespace, bar) in bars.iter() {
                if departures.is_waiting(namespace) {
                    bar.set_style(style.clone().tick_chars(TICKS_STUCK));
                    bar.abandon();
                }
            }
        }
    }
}
