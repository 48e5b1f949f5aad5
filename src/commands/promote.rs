//! `kubectl qaenv promote COLOR`: switch Services to another colour, after the gates.
//!
//! This module also holds the cluster I/O that `rollback` and `canary` share: reading the
//! [`Inventory`], the guarded Service and Deployment patches, Events and the waits. What to
//! write is decided by the pure [`crate::release`] modules; here it is only read and written.

use std::{
    future::Future,
    io::Write,
    time::{Duration, Instant},
};

use k8s_openapi::{
    api::{
        apps::v1::Deployment,
        core::v1::{Endpoints, Event, EventSource, ObjectReference, Pod, Service},
    },
    apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time},
};
use kube::{
    api::{Api, ListParams, Patch, PatchParams, PostParams},
    runtime::wait::await_condition,
};

use crate::{
    cli::{PromoteArgs, ReleaseScope},
    client::{connect, ConnectOptions, Connection},
    env::resolve_scope,
    error::{format_duration, ApiFailure, Error, ExitCode, Result},
    health::{WorkloadKind, WorkloadRef},
    labels,
    output::{Format, Terminal},
    prompt,
    release::{
        model::{
            format_selector, validate_colour, validate_label_key, DeploymentState, EndpointsState,
            Inventory, PodState, ServiceState,
        },
        patch::{scale_patch, switch_patch},
        plan::{self, Intent, Scale, Switch},
        report::{render_switches, switch_event_message, Outcome, SwitchReport, SwitchRow},
    },
    wait::{wait_ready, Progress},
};

/// Runs `promote`.
pub async fn run(
    args: &PromoteArgs,
    options: &ConnectOptions,
    out: &mut impl Write,
    terminal: &Terminal,
) -> Result<()> {
    validate_colour(&args.colour)?;
    validate_label_key(&args.label)?;
    let intent = Intent::Promote {
        key: args.label.clone(),
        colour: args.colour.clone(),
        force: args.force,
    };
    let switch = SwitchOptions {
        dry_run: args.dry_run,
        yes: args.yes,
        interactive: terminal.interactive,
        progress: Progress::detect(terminal),
        wait: args.wait,
        timeout: args.timeout,
    };
    run_switches(
        &intent,
        &args.scope,
        &switch,
        options,
        args.output.into(),
        out,
    )
    .await
}

/// How `promote` and `rollback` run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SwitchOptions {
    pub dry_run: bool,
    pub yes: bool,
    pub interactive: bool,
    /// How to show the wait for a colour to scale back when a canary ends.
    pub progress: Progress,
    /// `--wait`: return once the endpoints hold only the new colour's pods.
    pub wait: bool,
    /// `--timeout`, for every wait of the command; zero means none.
    pub timeout: Duration,
}

/// `promote` and `rollback`: plan, gate, confirm, switch, report. What was switched is printed
/// even when a later Service fails.
pub(crate) async fn run_switches(
    intent: &Intent,
    scope: &ReleaseScope,
    options: &SwitchOptions,
    connect_options: &ConnectOptions,
    format: Format,
    out: &mut impl Write,
) -> Result<()> {
    let conn = connect(connect_options).await?;
    let mut report = SwitchReport {
        namespace: scope_namespace(&conn, scope)?,
        command: intent.command(),
        dry_run: options.dry_run,
        services: Vec::new(),
    };
    let result = switch_services(&conn, intent, scope, options, &mut report).await;
    if result.is_ok() || !report.services.is_empty() {
        render_switches(&report, format, out).map_err(Error::output)?;
    }
    result
}

/// The namespace of `-e NAME` / `-n NS`, or the current context's.
pub(crate) fn scope_namespace(conn: &Connection, scope: &ReleaseScope) -> Result<String> {
    resolve_scope(
        scope.env.as_deref(),
        scope.namespace.as_deref(),
        &conn.namespace,
    )
    .map(|s| s.namespace)
}

async fn switch_services(
    conn: &Connection,
    intent: &Intent,
    scope: &ReleaseScope,
    options: &SwitchOptions,
    report: &mut SwitchReport,
) -> Result<()> {
    let ns = report.namespace.clone();
    let inventory = gather(conn, &ns).await?;
    let plans = plan::switches(&inventory, intent, &scope.services)?;
    if let Some(refusal) = plan::refusal(&intent.describe(), &plans, &ns) {
        return Err(refusal);
    }
    let changing: Vec<&Switch> = plans.iter().filter(|s| !s.is_noop()).collect();
    if options.dry_run || changing.is_empty() {
        report.services = plans
            .iter()
            .map(|s| {
                let outcome = if s.is_noop() {
                    Outcome::Unchanged
                } else {
                    Outcome::DryRun
                };
                SwitchRow::new(s, outcome)
            })
            .collect();
        return Ok(());
    }
    prompt::confirm(
        &confirmation(intent, &ns, &changing),
        options.yes,
        options.interactive,
    )?;
    let deadline = Deadline::new(options.timeout);
    let plans = end_canaries(conn, intent, scope, options, &inventory, plans, &deadline).await?;
    for switch in &plans {
        if switch.is_noop() {
            report
                .services
                .push(SwitchRow::new(switch, Outcome::Unchanged));
            continue;
        }
        apply_switch(conn, &ns, switch).await?;
        record_event(
            conn,
            &ns,
            switch,
            intent.event_reason(),
            switch_event_message(switch),
        )
        .await;
        report
            .services
            .push(SwitchRow::new(switch, Outcome::Switched));
    }
    if options.wait {
        for (row, switch) in report.services.iter_mut().zip(&plans) {
            if row.result == Outcome::Switched {
                row.ready_endpoints = wait_for_endpoints(conn, &ns, switch, &deadline).await?;
            }
        }
    }
    Ok(())
}

/// The question asked before switching: `promote to green in namespace shop: switch service
/// web (app=web,color=blue -> app=web,color=green)`.
fn confirmation(intent: &Intent, namespace: &str, changing: &[&Switch]) -> String {
    let services: Vec<String> = changing
        .iter()
        .map(|s| {
            format!(
                "{} ({} -> {})",
                s.service,
                format_selector(&s.from),
                format_selector(&s.to)
            )
        })
        .collect();
    format!(
        "{} in namespace {namespace}: switch service {}",
        intent.describe(),
        services.join(", ")
    )
}

/// Ends the canaries among `plans`: scales their Deployments back to the recorded counts,
/// waits for the target colour to be ready (with the shared workload wait, which explains a
/// colour that cannot get there), then re-reads the namespace and re-checks the full gates.
/// Returns the plans to switch with (keeping what was scaled back, for the report); without
/// canaries, `plans` unchanged.
async fn end_canaries(
    conn: &Connection,
    intent: &Intent,
    scope: &ReleaseScope,
    options: &SwitchOptions,
    inventory: &Inventory,
    plans: Vec<Switch>,
    deadline: &Deadline,
) -> Result<Vec<Switch>> {
    let ending: Vec<&Switch> = plans.iter().filter(|s| !s.restore.is_empty()).collect();
    if ending.is_empty() {
        return Ok(plans);
    }
    let ns = &inventory.namespace;
    for switch in &ending {
        for scale in &switch.restore {
            apply_scale(conn, ns, scale).await?;
            eprintln!(
                "scaled deployment {} back to {} replicas",
                scale.deployment, scale.to
            );
        }
    }
    let targets: Vec<WorkloadRef> = ending
        .iter()
        .flat_map(|s| inventory.deployments_behind(&s.to))
        .map(|d| WorkloadRef::new(WorkloadKind::Deployment, &d.name))
        .collect();
    let outcome = wait_ready(
        conn,
        ns,
        None,
        &targets,
        deadline.remaining(),
        options.progress,
    )
    .await?;
    outcome.finish(
        &format!("wait for {} after ending the canary", intent.describe()),
        &mut std::io::stderr().lock(),
    )?;
    let mut replanned = plan::switches(&gather(conn, ns).await?, intent, &scope.services)?;
    if let Some(refusal) = plan::refusal(&intent.describe(), &replanned, ns) {
        return Err(refusal.with_hint(
            "the Deployments are back at their counts from before the canary and the Services \
             still select both colours; run the command again once the gate passes",
        ));
    }
    for switch in &mut replanned {
        if let Some(ended) = ending.iter().find(|e| e.service == switch.service) {
            switch.restore = ended.restore.clone();
        }
    }
    Ok(replanned)
}

/// Reads what release decisions depend on: the namespace's Services, Deployments and Pods,
/// in that order, one list each. (The concurrent-change integration test relies on the
/// Services being read first: it changes the selector while the other two are read.)
pub(crate) async fn gather(conn: &Connection, namespace: &str) -> Result<Inventory> {
    let params = ListParams::default();
    let services = Api::<Service>::namespaced(conn.client.clone(), namespace)
        .list(&params)
        .await
        .map_err(|e| conn.error(format!("list services in namespace {namespace}"), &e))?;
    let deployments = Api::<Deployment>::namespaced(conn.client.clone(), namespace)
        .list(&params)
        .await
        .map_err(|e| conn.error(format!("list deployments in namespace {namespace}"), &e))?;
    let pods = Api::<Pod>::namespaced(conn.client.clone(), namespace)
        .list(&params)
        .await
        .map_err(|e| conn.error(format!("list pods in namespace {namespace}"), &e))?;
    Ok(Inventory {
        namespace: namespace.to_string(),
        services: services.items.iter().map(ServiceState::from).collect(),
        deployments: deployments
            .items
            .iter()
            .map(DeploymentState::from)
            .collect(),
        pods: pods.items.iter().map(PodState::from).collect(),
    })
}

fn patch_params() -> PatchParams {
    PatchParams {
        field_manager: Some(labels::FIELD_MANAGER.to_string()),
        ..PatchParams::default()
    }
}

/// The error of a `test`-guarded write. The inputs were validated before, so a 422 (a failed
/// `test`, or an annotation that vanished) or a 409 means the object changed after it was
/// read: a refusal, not a failure, and nothing was written.
fn guarded_write_error(conn: &Connection, what: String, err: &kube::Error) -> Error {
    match ApiFailure::classify(err) {
        ApiFailure::Invalid(message) | ApiFailure::Conflict(message) => Error::refused(
            what,
            format!("it changed after qaenv read it, so nothing was written ({message})"),
        )
        .with_hint("someone else changed it at the same time; run the command again to re-check"),
        _ => conn.error(what, err),
    }
}

/// Switches one Service's selector with its guarded JSON patch.
pub(crate) async fn apply_switch(
    conn: &Connection,
    namespace: &str,
    switch: &Switch,
) -> Result<()> {
    Api::<Service>::namespaced(conn.client.clone(), namespace)
        .patch(
            &switch.service,
            &patch_params(),
            &Patch::Json::<()>(switch_patch(switch)),
        )
        .await
        .map_err(|e| guarded_write_error(conn, format!("switch service {}", switch.service), &e))?;
    Ok(())
}

/// Scales one Deployment with its guarded JSON patch; a no-op scale sends nothing.
pub(crate) async fn apply_scale(conn: &Connection, namespace: &str, scale: &Scale) -> Result<()> {
    if scale.is_noop() {
        return Ok(());
    }
    Api::<Deployment>::namespaced(conn.client.clone(), namespace)
        .patch(
            &scale.deployment,
            &patch_params(),
            &Patch::Json::<()>(scale_patch(scale)),
        )
        .await
        .map_err(|e| {
            guarded_write_error(conn, format!("scale deployment {}", scale.deployment), &e)
        })?;
    Ok(())
}

/// Records a core/v1 Event on the switched Service, so `kubectl describe service` and
/// `kubectl get events` show who switched it and when. The switch has happened by then, so a
/// failure (no permission to create Events) is a warning, not an error.
pub(crate) async fn record_event(
    conn: &Connection,
    namespace: &str,
    switch: &Switch,
    reason: &str,
    message: String,
) {
    let now = jiff::Timestamp::now();
    let event = Event {
        metadata: ObjectMeta {
            // client-go's naming: the object's name and the time in hex nanoseconds.
            name: Some(format!("{}.{:x}", switch.service, now.as_nanosecond())),
            namespace: Some(namespace.to_string()),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            api_version: Some("v1".to_string()),
            kind: Some("Service".to_string()),
            name: Some(switch.service.clone()),
            namespace: Some(namespace.to_string()),
            uid: switch.uid.clone(),
            ..ObjectReference::default()
        },
        reason: Some(reason.to_string()),
        message: Some(message),
        type_: Some("Normal".to_string()),
        source: Some(EventSource {
            component: Some(labels::FIELD_MANAGER.to_string()),
            host: None,
        }),
        reporting_component: Some(labels::FIELD_MANAGER.to_string()),
        first_timestamp: Some(Time(now)),
        last_timestamp: Some(Time(now)),
        count: Some(1),
        ..Event::default()
    };
    let created = Api::<Event>::namespaced(conn.client.clone(), namespace)
        .create(&PostParams::default(), &event)
        .await;
    if let Err(err) = created {
        let error = conn.error(
            format!("record an Event on service {}", switch.service),
            &err,
        );
        eprintln!("warning: {error}");
    }
}

/// The end of `--timeout`, shared by every wait of one command.
pub(crate) struct Deadline {
    limit: Duration,
    at: Option<Instant>,
}

impl Deadline {
    /// A deadline `limit` from now; zero means none.
    pub fn new(limit: Duration) -> Deadline {
        Deadline {
            limit,
            at: (!limit.is_zero()).then(|| Instant::now() + limit),
        }
    }

    /// The time left; "no limit" reads as a year, for waits that take a duration.
    fn remaining(&self) -> Duration {
        const UNLIMITED: Duration = Duration::from_secs(365 * 24 * 3600);
        self.at
            .map_or(UNLIMITED, |at| at.saturating_duration_since(Instant::now()))
    }

    /// Runs `wait`, failing with exit code 3 if the deadline passes first.
    async fn run<T>(&self, what: &str, wait: impl Future<Output = Result<T>>) -> Result<T> {
        let Some(at) = self.at else {
            return wait.await;
        };
        tokio::time::timeout_at(at.into(), wait)
            .await
            .unwrap_or_else(|_| {
                Err(Error::new(
                    what,
                    format!("timed out after {}", format_duration(self.limit)),
                )
                .with_exit(ExitCode::TimedOut)
                .with_hint("allow longer with --timeout, or look at the pods (kubectl get pods)"))
            })
    }
}

/// Waits, by watching the Service's Endpoints, until they hold a ready address and none of
/// the pods that were to leave. Returns the number of ready addresses.
async fn wait_for_endpoints(
    conn: &Connection,
    namespace: &str,
    switch: &Switch,
    deadline: &Deadline,
) -> Result<usize> {
    eprintln!(
        "waiting for the endpoints of service {} to hold only pods with labels {}",
        switch.service,
        format_selector(&switch.to)
    );
    let what = format!("wait for the endpoints of service {}", switch.service);
    let api = Api::<Endpoints>::namespaced(conn.client.clone(), namespace);
    let leaving = switch.leaving.clone();
    let settled =
        move |e: Option<&Endpoints>| e.is_some_and(|e| EndpointsState::from(e).settled(&leaving));
    let endpoints = deadline
        .run(&what, async {
            await_condition(api, &switch.service, settled)
                .await
                .map_err(|e| Error::new(what.clone(), e))
        })
        .await?;
    Ok(endpoints
        .map(|e| EndpointsState::from(&e).ready.len())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::model::tests::blue_green;

    #[test]
    fn confirmation_names_every_selector_change() {
        let intent = Intent::Promote {
            key: "color".into(),
            colour: "green".into(),
            force: false,
        };
        let plans = plan::switches(&blue_green(), &intent, &[]).unwrap();
        let changing: Vec<&Switch> = plans.iter().collect();
        assert_eq!(
            confirmation(&intent, "shop", &changing),
            "promote to green in namespace shop: switch service web (app=web,color=blue -> app=web,color=green)"
        );
    }

    #[tokio::test]
    async fn deadline_expiry_is_exit_code_3() {
        let deadline = Deadline::new(Duration::from_millis(10));
        let err = deadline
            .run("wait for x", std::future::pending::<Result<()>>())
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::TimedOut);
        assert_eq!(err.to_string(), "wait for x: timed out after 10ms");
        let none = Deadline::new(Duration::ZERO);
        assert_eq!(none.run("x", async { Ok(5) }).await.unwrap(), 5);
        assert!(none.remaining() > Duration::from_secs(3600));
        assert!(deadline.remaining() <= Duration::from_millis(10));
    }
}
