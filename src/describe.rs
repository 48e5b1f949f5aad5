//! One environment in depth: the pure side of `status NAME`.
//!
//! [`build`] puts together what `status` read (the namespace, a [`Snapshot`] of its workloads,
//! pods and Warning events, its ResourceQuotas and Services, the cluster's capacity) into a
//! [`StatusReport`]; [`render`] writes it as a `kubectl describe`-like page, or as JSON/YAML.
//! The STATUS is [`fleet::env_status`], fed with the workloads' health as well as the pods',
//! so `status` also sees what `ls` cannot: a Deployment that cannot create its pods.

use std::io::{self, Write};

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ResourceQuota, Service};
use serde::Serialize;

use crate::{
    capacity::{self, ClusterCapacity, Resources},
    environment::{relative, Environment},
    fleet::{self, EnvStatus, Figures, Findings},
    health::{self, Snapshot, Warning, WorkloadHealth},
    labels,
    output::{self, escape_terminal, Table, TableOptions},
    quantity,
    release::model::{
        colours_of, format_selector, DeploymentState, Inventory, PodState, Selection,
        ServiceColours, ServiceState,
    },
};

/// How many Warning events `status` shows.
pub const WARNINGS_SHOWN: usize = 10;

/// The pods of the environment, counted as `ls` counts them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodCounts {
    pub ready: usize,
    pub total: usize,
    pub restarts: i32,
}

/// One resource of a ResourceQuota: what is used against its hard limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaUsage {
    pub quota: String,
    /// `requests.cpu`, `pods`.
    pub resource: String,
    pub used: String,
    pub hard: String,
    /// `used / hard` in whole percent, when both are quantities and the limit is not zero.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<u32>,
}

/// A blue/green Service: which colour it selects, and what `rollback` would switch back to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceView {
    #[serde(flatten)]
    pub colours: ServiceColours,
    /// The selector `rollback` returns to: the one before the running canary, else the one
    /// the last `promote` recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_to: Option<String>,
}

/// The cluster's side of the capacity section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterFigures {
    pub nodes: usize,
    pub allocatable: Figures,
    /// Requests of every scheduled, unfinished pod (this environment's included).
    pub requested: Figures,
    pub free: Figures,
}

/// What the environment requests, against what the cluster has free.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CapacitySection {
    /// Requests of the environment's unfinished pods.
    pub requests: Figures,
    /// Absent when the nodes could not be read (`cluster_unknown` says why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterFigures>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_unknown: Option<String>,
    /// How many more environments of this one's size fit into the free capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more_of_this_size_fit: Option<i128>,
}

/// What `status` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    #[serde(flatten)]
    pub environment: Environment,
    pub status: EnvStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub expired: bool,
    pub pods: PodCounts,
    pub workloads: Vec<WorkloadHealth>,
    /// The latest Warning events, oldest first.
    pub warnings: Vec<Warning>,
    pub quotas: Vec<QuotaUsage>,
    /// The pod label that tells colours apart.
    pub colour_label: String,
    pub services: Vec<ServiceView>,
    pub capacity: CapacitySection,
}

/// Everything `status` read.
#[derive(Clone, Debug)]
pub struct Inputs<'a> {
    /// The environment, its URLs filled in from its Ingresses when none are recorded.
    pub environment: Environment,
    pub snapshot: &'a Snapshot,
    /// The health of the snapshot's workloads (with crash logs attached).
    pub workloads: Vec<WorkloadHealth>,
    pub quotas: &'a [ResourceQuota],
    pub services: &'a [Service],
    /// The cluster's capacity, or why it is unknown.
    pub cluster: std::result::Result<ClusterCapacity, String>,
    pub now: Timestamp,
}

/// Builds the report.
pub fn build(inputs: Inputs<'_>) -> StatusReport {
    let Inputs {
        environment,
        snapshot,
        workloads,
        quotas,
        services,
        cluster,
        now,
    } = inputs;
    let tally = fleet::tally(snapshot.pods.iter());
    // Pods of the workloads assessed are judged through their workload's health; the others
    // (bare pods, other controllers') as `ls` judges them.
    let others = snapshot.pods.iter().filter(|pod| !assessed_controller(pod));
    let findings = Findings::from_workloads(&workloads).and(Findings::from_pods(others));
    let (status, reason) = fleet::env_status(&environment, now, &findings);
    let inventory = Inventory {
        namespace: environment.namespace.clone(),
        services: services.iter().map(ServiceState::from).collect(),
        deployments: snapshot
            .deployments
            .iter()
            .map(DeploymentState::from)
            .collect(),
        pods: snapshot.pods.iter().map(PodState::from).collect(),
    };
    let key = labels::DEFAULT_COLOR_LABEL;
    let services = colours_of(&inventory, key)
        .into_iter()
        .map(|colours| {
            let state = inventory
                .services
                .iter()
                .find(|s| s.name == colours.service);
            let canary = state.and_then(|s| s.canary().ok().flatten());
            let rollback_to = match canary {
                Some(canary) => Some(format_selector(&canary.selector)),
                None => colours.previous.clone(),
            };
            ServiceView {
                colours,
                rollback_to,
            }
        })
        .collect();
    let capacity = match cluster {
        Ok(cluster) => CapacitySection {
            requests: tally.requests.into(),
            cluster: Some(ClusterFigures {
                nodes: cluster.nodes,
                allocatable: cluster.allocatable.into(),
                requested: cluster.requested.into(),
                free: cluster.free().into(),
            }),
            cluster_unknown: None,
            more_of_this_size_fit: capacity::how_many_fit(cluster.free(), tally.requests),
        },
        Err(why) => CapacitySection {
            requests: tally.requests.into(),
            cluster: None,
            cluster_unknown: Some(why),
            more_of_this_size_fit: None,
        },
    };
    StatusReport {
        expired: environment.is_expired(now),
        status,
        reason,
        pods: PodCounts {
            ready: tally.ready,
            total: tally.total,
            restarts: tally.restarts,
        },
        workloads,
        warnings: health::last_warnings(snapshot, WARNINGS_SHOWN),
        quotas: quota_usage(quotas),
        colour_label: key.to_string(),
        services,
        capacity,
        environment,
    }
}

/// Whether the pod's controller is a kind whose health [`health::assess`] judges (a
/// Deployment's pods belong to its ReplicaSets).
fn assessed_controller(pod: &k8s_openapi::api::core::v1::Pod) -> bool {
    pod.metadata.owner_references.iter().flatten().any(|o| {
        o.controller == Some(true)
            && matches!(
                o.kind.as_str(),
                "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job"
            )
    })
}

/// Each quota's resources, in the order of the quotas and, within one, by resource name.
/// The enforced limits are the status's `hard` (the spec's before the controller has
/// written a status); a resource not yet counted is used `0`.
pub fn quota_usage(quotas: &[ResourceQuota]) -> Vec<QuotaUsage> {
    let mut out = Vec::new();
    for quota in quotas {
        let name = quota.metadata.name.clone().unwrap_or_default();
        let status = quota.status.as_ref();
        let hard = status
            .and_then(|s| s.hard.as_ref())
            .or_else(|| quota.spec.as_ref().and_then(|s| s.hard.as_ref()));
        let used = status.and_then(|s| s.used.as_ref());
        for (resource, limit) in hard.into_iter().flatten() {
            let used = used
                .and_then(|u| u.get(resource))
                .map(|q| q.0.clone())
                .unwrap_or_else(|| "0".to_string());
            let percent = match (quantity::parse(&used), quantity::parse(&limit.0)) {
                (Some(u), Some(h)) if h > 0.0 => Some((u / h * 100.0).round() as u32),
                _ => None,
            };
            out.push(QuotaUsage {
                quota: name.clone(),
                resource: resource.clone(),
                used,
                hard: limit.0.clone(),
                percent,
            });
        }
    }
    out
}

/// Writes the report as a page of sections.
pub fn render(
    out: &mut impl Write,
    report: &StatusReport,
    options: TableOptions,
    now: Timestamp,
) -> io::Result<()> {
    let env = &report.environment;
    let status = match &report.reason {
        Some(reason) => format!("{} ({reason})", report.status),
        None => report.status.to_string(),
    };
    let when = |at: Option<Timestamp>, none: &str| match at {
        Some(at) => format!(
            "{} ({})",
            at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            relative(at, now)
        ),
        None => none.to_string(),
    };
    let fields = [
        ("Name", env.name.clone()),
        ("Namespace", env.namespace.clone()),
        ("Status", status),
        (
            "Owner",
            env.owner.clone().unwrap_or_else(|| "<none>".into()),
        ),
        ("Created", when(env.created_at, "<unknown>")),
        ("Expires", when(env.expires_at, "never")),
        (
            "Source",
            env.source.clone().unwrap_or_else(|| "<none>".into()),
        ),
        (
            "URLs",
            if env.urls.is_empty() {
                "<none>".to_string()
            } else {
                env.urls.join(", ")
            },
        ),
        (
            "Pods",
            format!(
                "{}/{} ready, {} restart{}",
                report.pods.ready,
                report.pods.total,
                report.pods.restarts,
                if report.pods.restarts == 1 { "" } else { "s" }
            ),
        ),
    ];
    for (name, value) in fields {
        writeln!(out, "{:<11}{}", format!("{name}:"), escape_terminal(&value))?;
    }

    section(
        out,
        "Workloads",
        &health::workloads_table(&report.workloads),
        options,
    )?;
    if report.workloads.iter().any(|w| !w.is_ready()) {
        let mut diagnosis = Vec::new();
        health::render_diagnosis(&mut diagnosis, &env.namespace, &report.workloads)?;
        writeln!(out, "\nNot ready:")?;
        indent(out, &diagnosis)?;
    }

    section(
        out,
        "Warning events",
        &health::warnings_table(&report.warnings, now),
        options,
    )?;

    let mut quotas = Table::new(["quota", "resource", "used", "hard", "use"]);
    for q in &report.quotas {
        quotas.row([
            q.quota.clone(),
            q.resource.clone(),
            q.used.clone(),
            q.hard.clone(),
            q.percent
                .map(|p| format!("{p}%"))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    section(out, "Resource quotas", &quotas, options)?;

    section(
        out,
        &format!("Blue/green services (label {})", report.colour_label),
        &services_table(&report.services),
        options,
    )?;

    writeln!(out, "\nCapacity:")?;
    let capacity = &report.capacity;
    let requests = resources(capacity.requests);
    writeln!(out, "  Requests:  {}", requests.describe())?;
    match (&capacity.cluster, &capacity.cluster_unknown) {
        (Some(cluster), _) => {
            let view = fleet::CapacityView {
                nodes: cluster.nodes,
                allocatable: cluster.allocatable,
                requested: cluster.requested,
                free: cluster.free,
                environments: capacity.requests,
                average_environment: capacity.requests,
                more_fit: capacity.more_of_this_size_fit,
            };
            writeln!(out, "  Cluster:   {}", fleet::free_text(&view))?;
            match capacity.more_of_this_size_fit {
                Some(0) => writeln!(out, "  Room:      no further environment of this size fits")?,
                Some(n) => writeln!(
                    out,
                    "  Room:      about {n} more environments of this size fit"
                )?,
                None => {}
            }
        }
        (None, Some(why)) => writeln!(out, "  Cluster:   unknown ({why})")?,
        (None, None) => {}
    }
    Ok(())
}

fn resources(figures: Figures) -> Resources {
    Resources {
        cpu_millis: figures.cpu_millicores,
        memory_bytes: figures.memory_bytes,
    }
}

/// One row per Deployment behind each blue/green Service: its colour, availability, weight.
fn services_table(services: &[ServiceView]) -> Table {
    let mut table = Table::new([
        "service",
        "selector",
        "deployment",
        "color",
        "available",
        "weight",
        "rollback to",
    ]);
    for view in services {
        let colours = &view.colours;
        let rollback = view.rollback_to.clone().unwrap_or_else(|| "<none>".into());
        let weight = |colour: &str, selected: bool| match &colours.selection {
            Selection::Colour { .. } => if selected { "100%" } else { "0%" }.to_string(),
            Selection::Canary {
                stable,
                canary,
                weight,
            } => {
                if colour == canary {
                    format!("{weight}% (canary)")
                } else if colour == stable {
                    format!("{}%", 100 - u32::from(*weight))
                } else {
                    "0%".to_string()
                }
            }
        };
        if colours.deployments.is_empty() {
            table.row([
                colours.service.clone(),
                colours.selector.clone(),
                "<none>".into(),
                String::new(),
                String::new(),
                String::new(),
                rollback.clone(),
            ]);
        }
        for d in &colours.deployments {
            table.row([
                colours.service.clone(),
                colours.selector.clone(),
                d.name.clone(),
                d.colour.clone(),
                format!("{}/{}", d.available, d.desired),
                weight(&d.colour, d.selected),
                rollback.clone(),
            ]);
        }
    }
    table
}

/// `Title:` and the table indented under it, or `Title: <none>`.
fn section(
    out: &mut impl Write,
    title: &str,
    table: &Table,
    options: TableOptions,
) -> io::Result<()> {
    if table.is_empty() {
        return writeln!(out, "\n{title}: <none>");
    }
    writeln!(out, "\n{title}:")?;
    let mut buffer = Vec::new();
    table.render(&mut buffer, options)?;
    indent(out, &buffer)
}

fn indent(out: &mut impl Write, text: &[u8]) -> io::Result<()> {
    for line in String::from_utf8_lossy(text).lines() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

/// Writes the report in `format` (table, JSON or YAML).
pub fn write(
    out: &mut impl Write,
    report: &StatusReport,
    format: output::Format,
    options: TableOptions,
    now: Timestamp,
) -> io::Result<()> {
    match format {
        output::Format::Json => output::write_json(out, report),
        output::Format::Yaml => output::write_yaml(out, report),
        _ => render(out, report, options, now),
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Namespace;
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::*;
    use crate::health::assess;

    fn from<T: DeserializeOwned>(value: serde_json::Value) -> T {
        serde_json::from_value(value).unwrap()
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const NOW: &str = "2026-11-22T12:00:00Z";

    fn environment() -> Environment {
        let ns: Namespace = from(json!({"metadata": {
            "name": "qa-login",
            "labels": {labels::MANAGED_BY: labels::MANAGED_BY_VALUE, labels::ENV: "login"},
            "annotations": {
                labels::OWNER: "alice",
                labels::CREATED_AT: "2026-11-22T09:00:00Z",
                labels::EXPIRES_AT: "2026-11-29T09:00:00Z",
                labels::SOURCE: "deploy/",
                labels::URLS: "https://login.qa.example.com/"
            }
        }}));
        Environment::from_namespace(&ns).unwrap()
    }

    fn deployment(name: &str, colour: &str, replicas: i32, available: i32) -> serde_json::Value {
        json!({
            "metadata": {"name": name, "namespace": "qa-login", "uid": format!("uid-{name}"),
                         "generation": 1, "annotations": {"deployment.kubernetes.io/revision": "1"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web", "color": colour}},
                     "template": {"metadata": {"labels": {"app": "web", "color": colour}},
                                  "spec": {"containers": [{"name": "web", "image": format!("registry.local/web:{colour}"),
                                           "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}}},
            "status": {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                       "readyReplicas": available, "availableReplicas": available}
        })
    }

    fn replica_set(deployment: &str) -> serde_json::Value {
        json!({"metadata": {"name": format!("{deployment}-1"), "namespace": "qa-login", "uid": format!("uid-{deployment}-1"),
                            "annotations": {"deployment.kubernetes.io/revision": "1"},
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment,
                                                 "uid": format!("uid-{deployment}"), "controller": true}]}})
    }

    fn pod(deployment: &str, colour: &str, index: usize, crashing: bool) -> serde_json::Value {
        let container = if crashing {
            json!({"name": "web", "ready": false, "restartCount": 3, "image": "x",  "imageID": "",
                   "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                   "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}})
        } else {
            json!({"name": "web", "ready": true, "restartCount": 0, "image": "x", "imageID": "",
                   "state": {"running": {}}})
        };
        json!({
            "metadata": {"name": format!("{deployment}-1-{index}"), "namespace": "qa-login",
                         "labels": {"app": "web", "color": colour},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{deployment}-1"),
                                              "uid": format!("uid-{deployment}-1"), "controller": true}]},
            "spec": {"nodeName": "node-1", "containers": [{"name": "web", "image": format!("registry.local/web:{colour}"),
                     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]},
            "status": {"phase": "Running",
                       "conditions": [{"type": "Ready", "status": if crashing { "False" } else { "True" }}],
                       "containerStatuses": [container]}
        })
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            deployments: vec![
                from(deployment("web-blue", "blue", 2, 2)),
                from(deployment("web-green", "green", 1, 0)),
            ],
            replica_sets: vec![
                from(replica_set("web-blue")),
                from(replica_set("web-green")),
            ],
            pods: vec![
                from(pod("web-blue", "blue", 0, false)),
                from(pod("web-blue", "blue", 1, false)),
                from(pod("web-green", "green", 0, true)),
            ],
            events: vec![from(json!({
                "metadata": {"name": "e1", "namespace": "qa-login"},
                "involvedObject": {"kind": "Pod", "name": "web-green-1-0"},
                "reason": "BackOff", "message": "Back-off restarting failed container web",
                "type": "Warning", "count": 5, "lastTimestamp": "2026-11-22T11:58:00Z"
            }))],
            ..Snapshot::default()
        }
    }

    fn quota() -> ResourceQuota {
        from(json!({
            "metadata": {"name": "qaenv-quota", "namespace": "qa-login"},
            "spec": {"hard": {"requests.cpu": "1", "pods": "10"}},
            "status": {"hard": {"requests.cpu": "1", "pods": "10", "requests.memory": "0"},
                       "used": {"requests.cpu": "300m", "pods": "3"}}
        }))
    }

    fn services(canary: bool) -> Vec<Service> {
        let web = if canary {
            json!({"metadata": {"name": "web", "annotations": {
                       labels::CANARY: r#"{"label":"color","stable":"blue","canary":"green","weight":30,"selector":{"app":"web","color":"blue"}}"#}},
                   "spec": {"selector": {"app": "web"}}})
        } else {
            json!({"metadata": {"name": "web", "annotations": {
                       labels::PREVIOUS_SELECTOR: r#"{"app":"web","color":"green"}"#}},
                   "spec": {"selector": {"app": "web", "color": "blue"}}})
        };
        vec![
            from(web),
            from(json!({"metadata": {"name": "db"}, "spec": {"selector": {"app": "db"}}})),
        ]
    }

    fn report(canary: bool, cluster: std::result::Result<ClusterCapacity, String>) -> StatusReport {
        let snapshot = snapshot();
        let quotas = [quota()];
        let services = services(canary);
        build(Inputs {
            environment: environment(),
            workloads: assess(&snapshot),
            snapshot: &snapshot,
            quotas: &quotas,
            services: &services,
            cluster,
            now: ts(NOW),
        })
    }

    fn cluster() -> ClusterCapacity {
        ClusterCapacity {
            allocatable: Resources {
                cpu_millis: 2000,
                memory_bytes: 4 * 1024 * 1024 * 1024,
            },
            requested: Resources {
                cpu_millis: 1100,
                memory_bytes: 1024 * 1024 * 1024,
            },
            nodes: 1,
        }
    }

    fn page(report: &StatusReport) -> String {
        let mut out = Vec::new();
        render(&mut out, report, TableOptions::default(), ts(NOW)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn status_page_has_every_section() {
        insta::assert_snapshot!(page(&report(false, Ok(cluster()))), @r"
        Name:      login
        Namespace: qa-login
        Status:    Degraded (deployment/web-green: container web keeps crashing in pod web-green-1-0: 3 restarts, last exit code 1 (Error))
        Owner:     alice
        Created:   2026-11-22T09:00:00Z (3h ago)
        Expires:   2026-11-29T09:00:00Z (in 6d21h)
        Source:    deploy/
        URLs:      https://login.qa.example.com/
        Pods:      2/3 ready, 3 restarts

        Workloads:
          NAME                   READY   STATUS             RESTARTS   IMAGES                     REASON
          deployment/web-blue    2/2     Ready              0          registry.local/web:blue
          deployment/web-green   0/1     CrashLoopBackOff   3          registry.local/web:green   container web keeps crashing in pod web-green-1-0: 3 restarts, last exit code 1 (Error)

        Not ready:
          deployment/web-green is not ready (0/1 ready, Failed):
            CrashLoopBackOff: container web keeps crashing in pod web-green-1-0: 3 restarts, last exit code 1 (Error)
            hint: fix the crash the log shows; `kubectl logs -n qa-login web-green-1-0 -c web --previous` shows the whole previous run

        Warning events:
          LAST SEEN   REASON    OBJECT              MESSAGE
          2m          BackOff   pod/web-green-1-0   Back-off restarting failed container web

        Resource quotas:
          QUOTA         RESOURCE          USED   HARD   USE
          qaenv-quota   pods              3      10     30%
          qaenv-quota   requests.cpu      300m   1      30%
          qaenv-quota   requests.memory   0      0      -

        Blue/green services (label color):
          SERVICE   SELECTOR             DEPLOYMENT   COLOR   AVAILABLE   WEIGHT   ROLLBACK TO
          web       app=web,color=blue   web-blue     blue    2/2         100%     app=web,color=green
          web       app=web,color=blue   web-green    green   0/1         0%       app=web,color=green

        Capacity:
          Requests:  cpu 300m, memory 192Mi
          Cluster:   cpu 900m of 2, memory 3Gi of 4Gi free on 1 node
          Room:      about 3 more environments of this size fit
        ");
    }

    #[test]
    fn a_canary_shows_its_weights_and_where_rollback_goes() {
        let report = report(true, Err("cannot list nodes: forbidden".into()));
        let text = page(&report);
        assert!(
            text.contains("web       app=web    web-blue     blue    2/2         70%"),
            "{text}"
        );
        assert!(
            text.contains("web-green    green   0/1         30% (canary)   app=web,color=blue"),
            "{text}"
        );
        assert!(
            text.contains("  Cluster:   unknown (cannot list nodes: forbidden)"),
            "{text}"
        );
        assert_eq!(report.services.len(), 1, "db does not select by colour");
        assert_eq!(
            report.services[0].rollback_to.as_deref(),
            Some("app=web,color=blue")
        );
    }

    #[test]
    fn json_holds_the_same_facts() {
        let report = report(false, Ok(cluster()));
        let value = serde_json::to_value(&report).unwrap();
        assert_eq!(value["name"], "login");
        assert_eq!(value["status"], "Degraded");
        assert_eq!(
            value["pods"],
            json!({"ready": 2, "total": 3, "restarts": 3})
        );
        assert_eq!(value["workloads"][1]["name"], "web-green");
        assert_eq!(value["workloads"][1]["state"], "Failed");
        assert_eq!(value["workloads"][1]["reasons"][0]["reason"], "CrashLoop");
        assert_eq!(value["warnings"][0]["reason"], "BackOff");
        assert_eq!(value["quotas"][0]["resource"], "pods");
        assert_eq!(value["quotas"][0]["percent"], 30);
        assert_eq!(value["services"][0]["colour"], "blue");
        assert_eq!(value["services"][0]["rollbackTo"], "app=web,color=green");
        assert_eq!(value["capacity"]["requests"]["cpuMillicores"], 300);
        assert_eq!(value["capacity"]["cluster"]["free"]["cpuMillicores"], 900);
        assert_eq!(value["capacity"]["moreOfThisSizeFit"], 3);
    }

    #[test]
    fn quota_usage_reads_status_then_spec() {
        let usage = quota_usage(&[quota()]);
        let rows: Vec<(&str, &str, &str, Option<u32>)> = usage
            .iter()
            .map(|u| {
                (
                    u.resource.as_str(),
                    u.used.as_str(),
                    u.hard.as_str(),
                    u.percent,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("pods", "3", "10", Some(30)),
                ("requests.cpu", "300m", "1", Some(30)),
                ("requests.memory", "0", "0", None),
            ]
        );
        let fresh: ResourceQuota =
            from(json!({"metadata": {"name": "q"}, "spec": {"hard": {"pods": "4"}}}));
        let usage = quota_usage(&[fresh]);
        assert_eq!((usage[0].used.as_str(), usage[0].percent), ("0", Some(0)));
    }
}
