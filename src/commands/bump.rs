//! `kubectl qaenv bump NAME [WORKLOAD]...`: roll out new pods without changing images.
//!
//! What a run sends:
//!
//! 1. the environment's namespace: one GET (a second when NAME is a namespace name of its
//!    own); a namespace without qaenv's managed-by label is refused (exit 4);
//! 2. its Deployments, StatefulSets and DaemonSets carrying the environment label: one list
//!    each, concurrently. An unknown WORKLOAD stops the run here, before any write;
//! 3. one JSON patch per workload ([`redeploy::deployment_id_patch`], as `up --redeploy`);
//! 4. for the Deployments: one watch of the namespace's ReplicaSets (a list, and a watch only
//!    if the new ReplicaSets are not listed yet) until each Deployment's new ReplicaSet shows,
//!    bounded by `--timeout`;
//! 5. `--wait`: the shared watch-driven wait ([`wait::wait_ready`]) for the bumped workloads.
//!
//! The selection and the report are pure, in [`crate::rollout`].

use std::{
    collections::{BTreeMap, HashMap},
    io::{self, Write},
};

use futures_util::{stream, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::ReplicaSet;
use kube::{
    api::Api,
    runtime::{watcher, WatchStreamExt},
};
use tokio::time::Instant;

use crate::{
    apply,
    cli::{BumpArgs, ReportFormat},
    client::{connect, ConnectOptions, Connection},
    env,
    environment::{self, Environment},
    error::{format_duration, Error, ExitCode, Result},
    health::{WorkloadKind, WorkloadRef},
    kinds, labels,
    output::{self, TableOptions, Terminal},
    redeploy,
    rollout::{self, BumpReport, Bumped, Workload},
    wait::{self, Progress},
};

/// Runs `bump`.
pub async fn run(
    args: &BumpArgs,
    options: &ConnectOptions,
    out: &mut impl Write,
    terminal: &Terminal,
) -> Result<()> {
    let started = Instant::now();
    let deadline = started + args.timeout;
    let tried = env::candidate_namespaces(&args.name)?;
    let conn = connect(options).await?;
    let env = environment_of(&conn, &args.name, &tried).await?;
    let workloads = list_workloads(&conn, &env).await?;
    let selected = rollout::select(&workloads, &args.workloads, &env.name, &env.namespace)?;

    let id = redeploy::new_id(Timestamp::now());
    let patched: Vec<Result<()>> = stream::iter(&selected)
        .map(|workload| patch(&conn, &env.namespace, workload, &id))
        .buffered(apply::PARALLELISM)
        .collect()
        .await;
    let deployments: Vec<String> = selected
        .iter()
        .zip(&patched)
        .filter(|(w, result)| w.workload.kind == WorkloadKind::Deployment && result.is_ok())
        .filter_map(|(w, _)| w.uid.clone())
        .collect();
    let replica_sets = if deployments.is_empty() {
        HashMap::new()
    } else {
        new_replica_sets(&conn, &env.namespace, &deployments, &id, deadline).await?
    };
    let results: Vec<Bumped> = selected
        .iter()
        .zip(patched)
        .map(|(w, result)| match result {
            Ok(()) => Bumped::Patched {
                replica_set: w
                    .uid
                    .as_ref()
                    .and_then(|uid| replica_sets.get(uid).cloned()),
            },
            Err(error) => Bumped::Failed {
                cause: error.cause().to_string(),
                exit: error.exit_code(),
            },
        })
        .collect();
    let report = rollout::report(&env.name, &env.namespace, &id, &selected, &results);
    eprintln!("{}", rollout::summary_line(&report));
    write_report(out, &report, args.output, terminal)?;
    out.flush().map_err(Error::output)?;
    if let Some(error) = rollout::failure(&report) {
        return Err(error);
    }
    let unseen: Vec<&str> = report
        .workloads
        .iter()
        .filter(|r| r.kind == WorkloadKind::Deployment.kind() && r.replica_set.is_none())
        .map(|r| r.workload.as_str())
        .collect();
    if let Some(first) = unseen.first() {
        let name = first.trim_start_matches("deployment/");
        return Err(Error::new(
            format!(
                "wait for the new ReplicaSet timed out after {}",
                format_duration(args.timeout)
            ),
            format!(
                "no ReplicaSet with deployment id {id} for {}",
                unseen.join(", ")
            ),
        )
        .with_exit(ExitCode::TimedOut)
        .with_hint(format!(
            "the pod templates were patched but the Deployment controller has not rolled out; \
             check `kubectl describe deployment {name} -n {}` (is it paused?)",
            env.namespace
        )));
    }

    if args.wait {
        let targets: Vec<WorkloadRef> = selected.iter().map(|w| w.workload.clone()).collect();
        let progress = match args.output {
            ReportFormat::Table => Progress::detect(terminal),
            ReportFormat::Json => Progress::Lines,
        };
        let selector = labels::env_selector(&env.name);
        let remaining = deadline.saturating_duration_since(Instant::now());
        let mut outcome = wait::wait_ready(
            &conn,
            &env.namespace,
            Some(&selector),
            &targets,
            remaining,
            progress,
        )
        .await?;
        outcome.timeout = args.timeout;
        let what = format!("wait for the bumped workloads of environment {}", env.name);
        outcome.finish(&what, &mut io::stderr().lock())?;
        eprintln!(
            "environment {} is ready ({:.1}s)",
            env.name,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// The environment NAME stands for; refuses a namespace qaenv does not manage and one being
/// deleted (exit 4).
async fn environment_of(conn: &Connection, name: &str, tried: &[String]) -> Result<Environment> {
    let namespace = environment::find(conn, name).await?.ok_or_else(|| {
        Error::new(
            format!("cannot bump environment {name}"),
            format!("not found: no namespace {}", tried.join(" or ")),
        )
        .with_hint("`kubectl qaenv ls` lists the environments")
    })?;
    let namespace_name = namespace.metadata.name.clone().unwrap_or_default();
    let env = Environment::from_namespace(&namespace)
        .ok_or_else(|| environment::not_managed("refusing to bump", &namespace_name))?;
    if env.terminating {
        return Err(Error::refused(
            format!("cannot bump environment {}", env.name),
            format!("namespace {namespace_name} is being deleted"),
        )
        .with_hint("deploy it again with `kubectl qaenv up` once it is gone"));
    }
    Ok(env)
}

/// The environment's Deployments, StatefulSets and DaemonSets: one list per kind, at once.
async fn list_workloads(conn: &Connection, env: &Environment) -> Result<Vec<Workload>> {
    let lists = futures_util::future::try_join_all(rollout::KINDS.iter().map(|kind| async {
        let resource = resource(*kind)?;
        let objects = apply::list_full(conn, &resource, &env.namespace, &env.name).await?;
        let mut workloads: Vec<Workload> = objects
            .into_iter()
            .map(|object| Workload::new(*kind, object))
            .collect();
        workloads.sort_by(|a, b| a.workload.cmp(&b.workload));
        Ok::<_, Error>(workloads)
    }))
    .await?;
    Ok(lists.into_iter().flatten().collect())
}

fn resource(kind: WorkloadKind) -> Result<kinds::ResourceType> {
    kinds::builtin("apps/v1", kind.kind()).ok_or_else(|| {
        Error::new(
            "bump",
            format!("apps/v1 {} is not a known kind", kind.kind()),
        )
    })
}

/// Patches a new deployment id into one workload's pod template.
async fn patch(conn: &Connection, namespace: &str, workload: &Workload, id: &str) -> Result<()> {
    let resource = resource(workload.workload.kind)?;
    let patch = redeploy::deployment_id_patch(&workload.object, id);
    apply::patch_json(
        conn,
        &resource,
        Some(namespace),
        &workload.workload.name,
        patch,
    )
    .await
    .map(|_| ())
    .map_err(|e| conn.error(format!("patch {}", workload.workload), &e))
}

/// Watches the namespace's ReplicaSets until each Deployment (by UID) has one carrying `id`,
/// or `deadline` passes; returns the ones seen (Deployment UID → ReplicaSet name).
async fn new_replica_sets(
    conn: &Connection,
    namespace: &str,
    deployments: &[String],
    id: &str,
    deadline: Instant,
) -> Result<HashMap<String, String>> {
    let api: Api<ReplicaSet> = Api::namespaced(conn.client.clone(), namespace);
    let mut events = watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut sets: BTreeMap<String, ReplicaSet> = BTreeMap::new();
    let mut found: HashMap<String, String> = HashMap::new();
    let mut synced = false;
    loop {
        for uid in deployments {
            if !found.contains_key(uid) {
                if let Some(name) = rollout::new_replica_set(sets.values(), uid, id) {
                    found.insert(uid.clone(), name);
                }
            }
        }
        if found.len() == deployments.len() {
            return Ok(found);
        }
        let event = match tokio::time::timeout_at(deadline, events.next()).await {
            Err(_) | Ok(None) => return Ok(found),
            Ok(Some(Ok(event))) => event,
            Ok(Some(Err(err))) if !synced => {
                return Err(wait::watch_error(conn, "replicasets", namespace, err));
            }
            Ok(Some(Err(_))) => continue,
        };
        match event {
            watcher::Event::Init => sets.clear(),
            watcher::Event::InitDone => synced = true,
            watcher::Event::InitApply(rs) | watcher::Event::Apply(rs) => {
                sets.insert(rs.metadata.name.clone().unwrap_or_default(), rs);
            }
            watcher::Event::Delete(rs) => {
                sets.remove(&rs.metadata.name.clone().unwrap_or_default());
            }
        }
    }
}

fn write_report(
    out: &mut impl Write,
    report: &BumpReport,
    format: ReportFormat,
    terminal: &Terminal,
) -> Result<()> {
    match format {
        ReportFormat::Json => output::write_json(out, report),
        ReportFormat::Table => rollout::write_table(
            out,
            report,
            TableOptions {
                no_headers: false,
                color: terminal.color_stdout,
            },
        ),
    }
    .map_err(Error::output)
}
