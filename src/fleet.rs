//! Every environment at a glance: the pure side of `ls`, and the STATUS rule `status` shares.
//!
//! `ls` reads three lists, whatever the number of environments: the managed namespaces, every
//! pod of the cluster and the nodes. An environment's pods are the pods in its namespace;
//! the other pods count only towards what the cluster has requested. From those lists this
//! module builds one [`EnvRow`] per environment (READY, RESTARTS, requests, images and the
//! STATUS), the cluster's [`CapacityView`] and the renderings (table, wide, the capacity line).
//!
//! STATUS, strongest first ([`env_status`]): `Terminating` (the namespace is being deleted) >
//! `Expired` (past its expiry) > `Degraded` (a pod crash-loops, cannot pull its image or
//! cannot be scheduled, or a workload failed) > `Progressing` (a pod is not ready yet) >
//! `Ready`. An environment without pods is Ready. `ls` judges from pods alone (what one list
//! can tell); `status` adds its workloads ([`Findings::from_workloads`]), so it also sees a
//! Deployment that cannot create its pods (a quota, an admission rule) or is past its
//! progress deadline.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};
use serde::Serialize;
use serde_json::{json, Value};

use crate::{
    capacity::{self, ClusterCapacity, Resources},
    environment::Environment,
    health::{self, Reason, State, WorkloadHealth},
    output::{self, Cell, Table, Tone},
    quantity,
};

/// An environment's STATUS column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum EnvStatus {
    /// Every pod is ready (or there are none).
    Ready,
    /// Pods are on their way: not ready yet, nothing wrong found.
    Progressing,
    /// Something will not get better by waiting: a crash loop, an image that cannot be
    /// pulled, a pod no node can take, a failed workload.
    Degraded,
    /// Past its expiry (`down --expired` deletes it).
    Expired,
    /// The namespace is being deleted.
    Terminating,
}

impl std::fmt::Display for EnvStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EnvStatus::Ready => "Ready",
            EnvStatus::Progressing => "Progressing",
            EnvStatus::Degraded => "Degraded",
            EnvStatus::Expired => "Expired",
            EnvStatus::Terminating => "Terminating",
        })
    }
}

impl EnvStatus {
    /// The colour of the STATUS cell (the text says the same).
    pub fn tone(self) -> Tone {
        match self {
            EnvStatus::Ready => Tone::Good,
            EnvStatus::Progressing => Tone::Plain,
            EnvStatus::Degraded => Tone::Bad,
            EnvStatus::Expired => Tone::Warn,
            EnvStatus::Terminating => Tone::Dim,
        }
    }
}

/// What an environment's pods (and, for `status`, workloads) say is wrong or unfinished, in
/// words, most important first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Problems that waiting will not fix.
    pub degraded: Vec<String>,
    /// Things still on their way.
    pub progressing: Vec<String>,
}

impl Findings {
    /// What the pods of one environment say (one list of pods, no events). Pods being deleted
    /// and pods that succeeded are history. A failed pod matters when its Job (or the bare
    /// pod itself) has nothing left running and nothing that succeeded: a Job out of retries,
    /// a pod that exited; a ReplicaSet's failed (evicted) pod is replaced, so it does not.
    pub fn from_pods<'a>(pods: impl IntoIterator<Item = &'a Pod>) -> Findings {
        let mut pods: Vec<&Pod> = pods.into_iter().collect();
        pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        let mut findings = Findings::default();
        // Jobs and bare pods: (failed pods, pods running or succeeded).
        let mut runs: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for pod in pods {
            if pod.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let phase = health::phase_of(pod);
            if let Some(owner) = run_owner(pod) {
                let entry = runs.entry(owner).or_default();
                if phase == "Failed" {
                    entry.0 += 1;
                } else {
                    entry.1 += 1;
                }
            }
            if matches!(phase, "Succeeded" | "Failed") {
                continue;
            }
            for reason in health::pod_problems(pod) {
                let text = reason.summary();
                if degrades(&reason) {
                    findings.degraded.push(text);
                } else {
                    findings.progressing.push(text);
                }
            }
        }
        for (owner, (failed, other)) in runs {
            if failed > 0 && other == 0 {
                findings.degraded.push(format!("{owner} failed"));
            }
        }
        findings
    }

    /// What the health of an environment's workloads says (`status`): a Failed workload, or
    /// one blocked by its pods' scheduling or creation, is degraded; any other unready one is
    /// progressing.
    pub fn from_workloads(workloads: &[WorkloadHealth]) -> Findings {
        let mut findings = Findings::default();
        for workload in workloads.iter().filter(|w| !w.is_ready()) {
            let why = workload
                .why()
                .unwrap_or_else(|| "the rollout is in progress".to_string());
            let text = format!("{}: {why}", workload.workload);
            if workload.state == State::Failed || workload.reasons.iter().any(degrades) {
                findings.degraded.push(text);
            } else {
                findings.progressing.push(text);
            }
        }
        findings
    }

    /// These findings followed by `other`'s.
    pub fn and(mut self, other: Findings) -> Findings {
        self.degraded.extend(other.degraded);
        self.progressing.extend(other.progressing);
        self
    }
}

/// Whether a reason makes an environment Degraded: it will not clear by waiting for the pods
/// (the scheduler, a quota or an admission rule keeps refusing them too).
fn degrades(reason: &Reason) -> bool {
    reason.severity() == State::Failed
        || matches!(
            reason,
            Reason::Unschedulable { .. }
                | Reason::QuotaExceeded { .. }
                | Reason::FailedCreate { .. }
                | Reason::NotFound
        )
}

/// `job/migrate` for a Job's pod, `pod/debug` for a pod without a controller; `None` for
/// pods of other controllers (they replace failed pods themselves).
fn run_owner(pod: &Pod) -> Option<String> {
    let owners = pod.metadata.owner_references.as_deref().unwrap_or_default();
    match owners.iter().find(|o| o.controller == Some(true)) {
        Some(owner) if owner.kind == "Job" => Some(format!("job/{}", owner.name)),
        Some(_) => None,
        None => Some(format!(
            "pod/{}",
            pod.metadata.name.as_deref().unwrap_or_default()
        )),
    }
}

/// The STATUS rule, and the one-line reason for anything but Ready.
pub fn env_status(
    env: &Environment,
    now: Timestamp,
    findings: &Findings,
) -> (EnvStatus, Option<String>) {
    let first = |list: &[String]| {
        let more = list.len().saturating_sub(1);
        list.first().map(|text| {
            if more > 0 {
                format!("{text} (and {more} more)")
            } else {
                text.clone()
            }
        })
    };
    if env.terminating {
        (
            EnvStatus::Terminating,
            Some(format!("namespace {} is being deleted", env.namespace)),
        )
    } else if env.is_expired(now) {
        (
            EnvStatus::Expired,
            Some(format!("expired {}", env.expires_text(now))),
        )
    } else if !findings.degraded.is_empty() {
        (EnvStatus::Degraded, first(&findings.degraded))
    } else if !findings.progressing.is_empty() {
        (EnvStatus::Progressing, first(&findings.progressing))
    } else {
        (EnvStatus::Ready, None)
    }
}

/// CPU and memory as JSON carries them: exact integers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    pub cpu_millicores: i128,
    pub memory_bytes: i128,
}

impl From<Resources> for Figures {
    fn from(r: Resources) -> Figures {
        Figures {
            cpu_millicores: r.cpu_millis,
            memory_bytes: r.memory_bytes,
        }
    }
}

/// `250m` / `1.5` / `0`.
pub fn cpu_text(r: Resources) -> String {
    if r.cpu_millis == 0 {
        return "0".to_string();
    }
    quantity::format_cpu(r.cpu_millis as f64 / 1000.0)
}

/// `512Mi`.
pub fn memory_text(r: Resources) -> String {
    quantity::format_memory(r.memory_bytes as f64)
}

/// What one environment's pods add up to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodTally {
    /// Ready pods among `total`.
    pub ready: usize,
    /// Pods that can still be ready: not being deleted, not finished.
    pub total: usize,
    /// Container restarts of those pods.
    pub restarts: i32,
    /// Requests of unfinished pods (pending ones included: they want the room).
    pub requests: Resources,
    /// Images of those pods' containers, sorted, each once.
    pub images: Vec<String>,
    pub findings: Findings,
}

/// Counts one environment's pods.
pub fn tally<'a>(pods: impl IntoIterator<Item = &'a Pod> + Clone) -> PodTally {
    let mut tally = PodTally {
        findings: Findings::from_pods(pods.clone()),
        ..PodTally::default()
    };
    let mut images = BTreeSet::new();
    for pod in pods {
        let phase = health::phase_of(pod);
        if matches!(phase, "Succeeded" | "Failed") {
            continue;
        }
        if let Some(spec) = &pod.spec {
            tally.requests.add(capacity::pod_requests(
                &spec_resources(spec),
                Resources::default(),
            ));
        }
        if pod.metadata.deletion_timestamp.is_some() {
            continue;
        }
        tally.total += 1;
        if health::is_pod_ready(pod) {
            tally.ready += 1;
        }
        tally.restarts += health::restarts_of(pod);
        let containers = pod.spec.iter().flat_map(|s| {
            s.init_containers
                .iter()
                .flatten()
                .chain(s.containers.iter())
        });
        images.extend(containers.filter_map(|c| c.image.clone()));
    }
    tally.images = images.into_iter().collect();
    tally
}

/// The part of a pod spec [`capacity::pod_requests`] reads, as JSON: the containers'
/// resources (a whole spec is many times bigger, and `ls` converts thousands).
fn spec_resources(spec: &PodSpec) -> Value {
    let resources = |containers: &[Container]| -> Vec<Value> {
        containers
            .iter()
            .map(|c| json!({"resources": c.resources}))
            .collect()
    };
    json!({
        "nodeName": spec.node_name,
        "containers": resources(&spec.containers),
        "initContainers": resources(spec.init_containers.as_deref().unwrap_or_default()),
    })
}

/// The fields of a pod [`capacity::cluster_free`] reads, as JSON.
pub fn capacity_fields(pod: &Pod) -> Value {
    json!({
        "metadata": {"namespace": pod.metadata.namespace},
        "spec": pod.spec.as_ref().map(spec_resources),
        "status": {"phase": pod.status.as_ref().and_then(|s| s.phase.as_deref())},
    })
}

/// One line of `ls`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvRow {
    #[serde(flatten)]
    pub environment: Environment,
    pub status: EnvStatus,
    /// Why it is not Ready, in one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub expired: bool,
    /// Ready pods.
    pub ready: usize,
    /// Pods that can be ready (READY is `ready/pods`).
    pub pods: usize,
    pub restarts: i32,
    pub requests: Figures,
    pub images: Vec<String>,
}

impl EnvRow {
    /// The row of an environment with its tallied pods.
    pub fn new(environment: Environment, tally: PodTally, now: Timestamp) -> EnvRow {
        let (status, reason) = env_status(&environment, now, &tally.findings);
        EnvRow {
            expired: environment.is_expired(now),
            environment,
            status,
            reason,
            ready: tally.ready,
            pods: tally.total,
            restarts: tally.restarts,
            requests: tally.requests.into(),
            images: tally.images,
        }
    }

    fn requests(&self) -> Resources {
        Resources {
            cpu_millis: self.requests.cpu_millicores,
            memory_bytes: self.requests.memory_bytes,
        }
    }
}

/// The rows of `environments`, their pods picked from `pods` (every pod of the cluster, or
/// any superset of the environments' pods) by namespace.
pub fn rows(environments: Vec<Environment>, pods: &[Pod], now: Timestamp) -> Vec<EnvRow> {
    let mut by_namespace: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
    for pod in pods {
        if let Some(ns) = pod.metadata.namespace.as_deref() {
            by_namespace.entry(ns).or_default().push(pod);
        }
    }
    environments
        .into_iter()
        .map(|env| {
            let pods = by_namespace
                .get(env.namespace.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let tally = tally(pods.iter().copied());
            EnvRow::new(env, tally, now)
        })
        .collect()
}

/// The `ls` filters that the label selector cannot express.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// `--owner WHO`: the owner annotation, exactly.
    pub owner: Option<String>,
    /// `--expired`: past the expiry.
    pub expired: bool,
}

impl Filter {
    pub fn keeps(&self, env: &Environment, now: Timestamp) -> bool {
        self.owner
            .as_deref()
            .is_none_or(|who| env.owner.as_deref() == Some(who))
            && (!self.expired || env.is_expired(now))
    }
}

/// The cluster's capacity next to what the environments request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CapacityView {
    /// Schedulable nodes.
    pub nodes: usize,
    /// Their allocatable.
    pub allocatable: Figures,
    /// Requests of every scheduled, unfinished pod (environments' and others').
    pub requested: Figures,
    /// Allocatable minus requested.
    pub free: Figures,
    /// What the listed environments request together.
    pub environments: Figures,
    /// The mean of the listed environments' requests (those with pods).
    pub average_environment: Figures,
    /// How many more environments of the average size fit into `free`; absent without
    /// environments that request anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more_fit: Option<i128>,
}

/// The capacity view from the cluster's figures and the rows shown.
pub fn capacity_view(cluster: &ClusterCapacity, rows: &[EnvRow]) -> CapacityView {
    let mut total = Resources::default();
    let mut counted = 0i128;
    for row in rows {
        let requests = row.requests();
        if requests != Resources::default() {
            counted += 1;
        }
        total.add(requests);
    }
    let average = if counted > 0 {
        Resources {
            cpu_millis: total.cpu_millis / counted,
            memory_bytes: total.memory_bytes / counted,
        }
    } else {
        Resources::default()
    };
    let free = cluster.free();
    CapacityView {
        nodes: cluster.nodes,
        allocatable: cluster.allocatable.into(),
        requested: cluster.requested.into(),
        free: free.into(),
        environments: total.into(),
        average_environment: average.into(),
        more_fit: capacity::how_many_fit(free, average),
    }
}

fn resources(figures: Figures) -> Resources {
    Resources {
        cpu_millis: figures.cpu_millicores,
        memory_bytes: figures.memory_bytes,
    }
}

/// Free capacity in words: `cpu 4.5 of 12, memory 10Gi of 48Gi free on 3 nodes`.
pub fn free_text(view: &CapacityView) -> String {
    let free = resources(view.free);
    let shown = Resources {
        cpu_millis: free.cpu_millis.max(0),
        memory_bytes: free.memory_bytes.max(0),
    };
    let allocatable = resources(view.allocatable);
    format!(
        "cpu {} of {}, memory {} of {} free on {} node{}",
        cpu_text(shown),
        cpu_text(allocatable),
        memory_text(shown),
        memory_text(allocatable),
        view.nodes,
        if view.nodes == 1 { "" } else { "s" }
    )
}

/// The line under the `ls` table: free capacity, what the environments request, and whether
/// another environment of their average size fits.
pub fn capacity_line(view: &CapacityView, environments: usize) -> String {
    let mut line = format!(
        "capacity: {}; {} environment{} request {}",
        free_text(view),
        environments,
        if environments == 1 { "" } else { "s" },
        resources(view.environments).describe()
    );
    match view.more_fit {
        Some(0) => line.push_str("; no further environment of their average size fits"),
        Some(n) => line.push_str(&format!(
            "; about {n} more of their average size ({}) fit",
            resources(view.average_environment).describe()
        )),
        None => {}
    }
    line
}

/// `<none>` for an empty cell, as kubectl prints it.
fn or_none(text: String) -> String {
    if text.is_empty() {
        "<none>".to_string()
    } else {
        text
    }
}

/// The `ls` table; `wide` adds CPU and MEMORY requests and IMAGES.
pub fn table(rows: &[EnvRow], wide: bool, now: Timestamp) -> Table {
    let mut headers = vec![
        "name",
        "namespace",
        "owner",
        "status",
        "ready",
        "restarts",
        "age",
        "expires",
        "url",
    ];
    if wide {
        headers.extend(["cpu", "memory", "images"]);
    }
    let mut table = Table::new(headers);
    for row in rows {
        let env = &row.environment;
        let mut cells = vec![
            Cell::new(env.name.clone()),
            Cell::new(env.namespace.clone()),
            Cell::new(or_none(env.owner.clone().unwrap_or_default())),
            Cell::toned(row.status.to_string(), row.status.tone()),
            Cell::new(format!("{}/{}", row.ready, row.pods)),
            Cell::new(row.restarts.to_string()),
            Cell::new(output::age(env.created_at, now)),
            Cell::new(env.expires_text(now)),
            Cell::new(or_none(env.urls.join(","))),
        ];
        if wide {
            let requests = row.requests();
            cells.extend([
                Cell::new(cpu_text(requests)),
                Cell::new(memory_text(requests)),
                Cell::new(or_none(row.images.join(","))),
            ]);
        }
        table.row(cells);
    }
    table
}

/// What `ls -o json|yaml` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LsReport {
    pub environments: Vec<EnvRow>,
    /// Absent when the nodes could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<CapacityView>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::{
        api::core::v1::{
            Container, ContainerState, ContainerStateTerminated, ContainerStateWaiting,
            ContainerStatus, Namespace, PodCondition, PodSpec, PodStatus, ResourceRequirements,
        },
        apimachinery::pkg::{
            api::resource::Quantity,
            apis::meta::v1::{ObjectMeta, OwnerReference, Time},
        },
    };

    use super::*;
    use crate::{labels, output::TableOptions};

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const NOW: &str = "2026-11-22T12:00:00Z";

    fn env(name: &str, annotations: &[(&str, &str)]) -> Environment {
        let namespace = Namespace {
            metadata: ObjectMeta {
                name: Some(format!("qa-{name}")),
                labels: Some(BTreeMap::from([
                    (labels::MANAGED_BY.into(), labels::MANAGED_BY_VALUE.into()),
                    (labels::ENV.into(), name.into()),
                ])),
                annotations: Some(
                    annotations
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                creation_timestamp: Some(Time(ts("2026-11-22T09:00:00Z"))),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        };
        Environment::from_namespace(&namespace).unwrap()
    }

    /// A running pod of `ns` with one container `app`.
    fn pod(ns: &str, name: &str, ready: bool) -> Pod {
        let requests = BTreeMap::from([
            ("cpu".to_string(), Quantity("100m".into())),
            ("memory".to_string(), Quantity("128Mi".into())),
        ]);
        Pod {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some(ns.into()),
                owner_references: Some(vec![OwnerReference {
                    kind: "ReplicaSet".into(),
                    name: "web-5d4f8".into(),
                    controller: Some(true),
                    ..OwnerReference::default()
                }]),
                ..ObjectMeta::default()
            },
            spec: Some(PodSpec {
                node_name: Some("node-1".into()),
                containers: vec![Container {
                    name: "app".into(),
                    image: Some("registry.local/web:1.0".into()),
                    resources: Some(ResourceRequirements {
                        requests: Some(requests),
                        ..ResourceRequirements::default()
                    }),
                    ..Container::default()
                }],
                ..PodSpec::default()
            }),
            status: Some(PodStatus {
                phase: Some("Running".into()),
                conditions: Some(vec![PodCondition {
                    type_: "Ready".into(),
                    status: if ready { "True" } else { "False" }.into(),
                    ..PodCondition::default()
                }]),
                container_statuses: Some(vec![ContainerStatus {
                    name: "app".into(),
                    ready,
                    ..ContainerStatus::default()
                }]),
                ..PodStatus::default()
            }),
        }
    }

    fn crash_looping(ns: &str, name: &str) -> Pod {
        let mut pod = pod(ns, name, false);
        let status = pod.status.as_mut().unwrap();
        status.container_statuses = Some(vec![ContainerStatus {
            name: "app".into(),
            restart_count: 4,
            state: Some(ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some("CrashLoopBackOff".into()),
                    ..ContainerStateWaiting::default()
                }),
                ..ContainerState::default()
            }),
            last_state: Some(ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: 1,
                    reason: Some("Error".into()),
                    ..ContainerStateTerminated::default()
                }),
                ..ContainerState::default()
            }),
            ..ContainerStatus::default()
        }]);
        pod
    }

    fn unschedulable(ns: &str, name: &str) -> Pod {
        let mut pod = pod(ns, name, false);
        pod.spec.as_mut().unwrap().node_name = None;
        let status = pod.status.as_mut().unwrap();
        status.phase = Some("Pending".into());
        status.container_statuses = None;
        status.conditions = Some(vec![PodCondition {
            type_: "PodScheduled".into(),
            status: "False".into(),
            reason: Some("Unschedulable".into()),
            message: Some("0/3 nodes are available: 3 Insufficient cpu.".into()),
            ..PodCondition::default()
        }]);
        pod
    }

    fn job_pod(ns: &str, name: &str, phase: &str) -> Pod {
        let mut pod = pod(ns, name, false);
        pod.metadata.owner_references = Some(vec![OwnerReference {
            kind: "Job".into(),
            name: "migrate".into(),
            controller: Some(true),
            ..OwnerReference::default()
        }]);
        pod.status.as_mut().unwrap().phase = Some(phase.into());
        pod
    }

    fn status_of(env: &Environment, pods: &[Pod]) -> (EnvStatus, Option<String>) {
        env_status(env, ts(NOW), &Findings::from_pods(pods))
    }

    #[test]
    fn status_rule_takes_the_strongest_state() {
        let fresh = env("a", &[(labels::EXPIRES_AT, "2026-11-29T12:00:00Z")]);
        let ns = "qa-a";
        assert_eq!(status_of(&fresh, &[]), (EnvStatus::Ready, None));
        assert_eq!(
            status_of(&fresh, &[pod(ns, "web-1", true)]).0,
            EnvStatus::Ready
        );
        let (status, reason) =
            status_of(&fresh, &[pod(ns, "web-1", true), pod(ns, "web-2", false)]);
        assert_eq!(status, EnvStatus::Progressing);
        assert_eq!(reason.as_deref(), Some("pod web-2 is not ready (Running)"));
        let (status, reason) = status_of(
            &fresh,
            &[pod(ns, "web-2", false), crash_looping(ns, "web-1")],
        );
        assert_eq!(status, EnvStatus::Degraded);
        assert_eq!(
            reason.as_deref(),
            Some("container app keeps crashing in pod web-1: 4 restarts, last exit code 1 (Error)")
        );
        assert_eq!(
            status_of(&fresh, &[unschedulable(ns, "web-1")]).0,
            EnvStatus::Degraded
        );

        let expired = env("a", &[(labels::EXPIRES_AT, "2026-11-22T09:00:00Z")]);
        let (status, reason) = status_of(&expired, &[crash_looping(ns, "web-1")]);
        assert_eq!(status, EnvStatus::Expired, "expiry beats a crash loop");
        assert_eq!(reason.as_deref(), Some("expired 3h ago"));

        let mut terminating = expired.clone();
        terminating.terminating = true;
        assert_eq!(
            status_of(&terminating, &[crash_looping(ns, "web-1")]).0,
            EnvStatus::Terminating,
            "deletion beats everything"
        );
    }

    #[test]
    fn failed_pods_count_only_when_nothing_replaces_them() {
        let e = env("a", &[]);
        let ns = "qa-a";
        let failed_job = [
            job_pod(ns, "migrate-1", "Failed"),
            job_pod(ns, "migrate-2", "Failed"),
        ];
        let (status, reason) = status_of(&e, &failed_job);
        assert_eq!(status, EnvStatus::Degraded);
        assert_eq!(reason.as_deref(), Some("job/migrate failed"));
        let retried = [
            job_pod(ns, "migrate-1", "Failed"),
            job_pod(ns, "migrate-2", "Succeeded"),
        ];
        assert_eq!(status_of(&e, &retried).0, EnvStatus::Ready);
        let mut evicted = pod(ns, "web-old", false);
        evicted.status.as_mut().unwrap().phase = Some("Failed".into());
        assert_eq!(
            status_of(&e, &[evicted, pod(ns, "web-new", true)]).0,
            EnvStatus::Ready,
            "a ReplicaSet replaces its failed pods"
        );
        let mut deleting = crash_looping(ns, "web-1");
        deleting.metadata.deletion_timestamp = Some(Time(ts(NOW)));
        assert_eq!(status_of(&e, &[deleting]).0, EnvStatus::Ready);
    }

    #[test]
    fn workloads_that_cannot_create_pods_degrade_status() {
        let quota = WorkloadHealth {
            workload: health::WorkloadRef::new(health::WorkloadKind::Deployment, "web"),
            state: State::Waiting,
            desired: 2,
            ready: 0,
            updated: 0,
            available: 0,
            images: vec![],
            restarts: 0,
            reasons: vec![Reason::QuotaExceeded {
                object: "replicaset/web-1".into(),
                message: "exceeded quota".into(),
            }],
        };
        let paused = WorkloadHealth {
            workload: health::WorkloadRef::new(health::WorkloadKind::Deployment, "api"),
            reasons: vec![Reason::Paused],
            ..quota.clone()
        };
        let findings = Findings::from_workloads(&[quota.clone(), paused.clone()]);
        assert_eq!(
            findings.degraded,
            ["deployment/web: a ResourceQuota keeps replicaset/web-1 from creating pods"]
        );
        assert_eq!(
            findings.progressing,
            ["deployment/api: the rollout is paused"]
        );
        let (status, reason) = env_status(&env("a", &[]), ts(NOW), &findings);
        assert_eq!(status, EnvStatus::Degraded);
        assert_eq!(
            reason.as_deref(),
            Some("deployment/web: a ResourceQuota keeps replicaset/web-1 from creating pods")
        );
        let both = Findings::from_workloads(&[quota.clone(), quota]);
        let (_, reason) = env_status(&env("a", &[]), ts(NOW), &both);
        assert!(reason.unwrap().ends_with("pods (and 1 more)"));
    }

    #[test]
    fn tally_counts_live_pods_and_requests_of_unfinished_ones() {
        let ns = "qa-a";
        let mut terminating = pod(ns, "web-0", true);
        terminating.metadata.deletion_timestamp = Some(Time(ts(NOW)));
        let mut done = job_pod(ns, "migrate-1", "Succeeded");
        done.spec.as_mut().unwrap().containers[0].image = Some("registry.local/migrate:1".into());
        let pods = [
            pod(ns, "web-1", true),
            crash_looping(ns, "web-2"),
            terminating,
            done,
        ];
        let t = tally(pods.iter());
        assert_eq!((t.ready, t.total, t.restarts), (1, 2, 4));
        // The terminating pod still holds its requests; the finished one does not.
        assert_eq!(t.requests.cpu_millis, 300);
        assert_eq!(t.requests.memory_bytes, 3 * 128 * 1024 * 1024);
        assert_eq!(t.images, ["registry.local/web:1.0"]);
    }

    #[test]
    fn capacity_reads_the_same_from_the_slim_fields() {
        let mut pending = pod("qa-a", "web-3", false);
        pending.spec.as_mut().unwrap().node_name = None;
        let pods = [
            pod("qa-a", "web-1", true),
            job_pod("qa-a", "m-1", "Succeeded"),
            pending,
        ];
        let nodes = [json!({"status": {"allocatable": {"cpu": "2", "memory": "1Gi"}}})];
        let whole: Vec<Value> = pods
            .iter()
            .map(|p| serde_json::to_value(p).unwrap())
            .collect();
        let slim: Vec<Value> = pods.iter().map(capacity_fields).collect();
        let capacity = capacity::cluster_free(&nodes, &slim);
        assert_eq!(capacity, capacity::cluster_free(&nodes, &whole));
        assert_eq!(
            capacity.requested.cpu_millis, 100,
            "only the scheduled, unfinished pod"
        );
    }

    fn sample_rows() -> Vec<EnvRow> {
        let envs = vec![
            env(
                "login",
                &[
                    (labels::OWNER, "alice"),
                    (labels::EXPIRES_AT, "2026-11-24T12:00:00Z"),
                    (labels::URLS, "https://login.qa.example.com/"),
                ],
            ),
            env(
                "pay",
                &[
                    (labels::OWNER, "bob"),
                    (labels::EXPIRES_AT, "2026-11-22T09:00:00Z"),
                ],
            ),
            env("search", &[]),
        ];
        let pods = vec![
            pod("qa-login", "web-1", true),
            pod("qa-login", "web-2", true),
            crash_looping("qa-search", "api-1"),
            pod("kube-system", "coredns-1", true),
        ];
        rows(envs, &pods, ts(NOW))
    }

    fn render(table: &Table) -> String {
        let mut out = Vec::new();
        table.render(&mut out, TableOptions::default()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rows_pick_pods_by_namespace() {
        let rows = sample_rows();
        let summary: Vec<(&str, EnvStatus, usize, usize)> = rows
            .iter()
            .map(|r| (r.environment.name.as_str(), r.status, r.ready, r.pods))
            .collect();
        assert_eq!(
            summary,
            [
                ("login", EnvStatus::Ready, 2, 2),
                ("pay", EnvStatus::Expired, 0, 0),
                ("search", EnvStatus::Degraded, 0, 1),
            ]
        );
        assert!(rows[1].expired);
    }

    #[test]
    fn ls_tables_look_like_kubectl() {
        let rows = sample_rows();
        insta::assert_snapshot!(render(&table(&rows, false, ts(NOW))), @r"
        NAME     NAMESPACE   OWNER    STATUS     READY   RESTARTS   AGE   EXPIRES   URL
        login    qa-login    alice    Ready      2/2     0          3h    in 2d     https://login.qa.example.com/
        pay      qa-pay      bob      Expired    0/0     0          3h    3h ago    <none>
        search   qa-search   <none>   Degraded   0/1     4          3h    never     <none>
        ");
        insta::assert_snapshot!(render(&table(&rows, true, ts(NOW))), @r"
        NAME     NAMESPACE   OWNER    STATUS     READY   RESTARTS   AGE   EXPIRES   URL                             CPU    MEMORY   IMAGES
        login    qa-login    alice    Ready      2/2     0          3h    in 2d     https://login.qa.example.com/   200m   256Mi    registry.local/web:1.0
        pay      qa-pay      bob      Expired    0/0     0          3h    3h ago    <none>                          0      0        <none>
        search   qa-search   <none>   Degraded   0/1     4          3h    never     <none>                          100m   128Mi    registry.local/web:1.0
        ");
    }

    #[test]
    fn capacity_says_whether_another_environment_fits() {
        let rows = sample_rows();
        let cluster = ClusterCapacity {
            allocatable: Resources {
                cpu_millis: 1000,
                memory_bytes: 2 * 1024 * 1024 * 1024,
            },
            requested: Resources {
                cpu_millis: 600,
                memory_bytes: 1024 * 1024 * 1024,
            },
            nodes: 1,
        };
        let view = capacity_view(&cluster, &rows);
        assert_eq!(view.environments.cpu_millicores, 300);
        assert_eq!(view.average_environment.cpu_millicores, 150);
        assert_eq!(view.more_fit, Some(2));
        assert_eq!(
            capacity_line(&view, rows.len()),
            "capacity: cpu 400m of 1, memory 1Gi of 2Gi free on 1 node; 3 environments request cpu 300m, memory 384Mi; about 2 more of their average size (cpu 150m, memory 192Mi) fit"
        );
        let full = ClusterCapacity {
            requested: cluster.allocatable,
            nodes: 2,
            ..cluster
        };
        let view = capacity_view(&full, &rows);
        assert_eq!(view.more_fit, Some(0));
        assert!(
            capacity_line(&view, 3).ends_with("free on 2 nodes; 3 environments request cpu 300m, memory 384Mi; no further environment of their average size fits"),
            "{}",
            capacity_line(&view, 3)
        );
        let empty = capacity_view(&cluster, &[]);
        assert_eq!(empty.more_fit, None);
        assert!(!capacity_line(&empty, 0).contains("fit"));
    }

    #[test]
    fn filters_by_owner_and_expiry() {
        let now = ts(NOW);
        let rows = sample_rows();
        let keep = |filter: &Filter| -> Vec<&str> {
            rows.iter()
                .filter(|r| filter.keeps(&r.environment, now))
                .map(|r| r.environment.name.as_str())
                .collect()
        };
        assert_eq!(keep(&Filter::default()), ["login", "pay", "search"]);
        let bob = Filter {
            owner: Some("bob".into()),
            expired: false,
        };
        assert_eq!(keep(&bob), ["pay"]);
        let expired = Filter {
            owner: None,
            expired: true,
        };
        assert_eq!(keep(&expired), ["pay"]);
        let alice_expired = Filter {
            owner: Some("alice".into()),
            expired: true,
        };
        assert!(keep(&alice_expired).is_empty());
    }

    #[test]
    fn json_rows_carry_the_table_facts() {
        let rows = sample_rows();
        let value = serde_json::to_value(&rows[2]).unwrap();
        assert_eq!(value["name"], "search");
        assert_eq!(value["namespace"], "qa-search");
        assert_eq!(value["status"], "Degraded");
        assert_eq!(value["ready"], 0);
        assert_eq!(value["pods"], 1);
        assert_eq!(value["restarts"], 4);
        assert_eq!(value["requests"]["cpuMillicores"], 100);
        assert_eq!(value["expiresAt"], serde_json::Value::Null);
        assert!(value["reason"].as_str().unwrap().contains("keeps crashing"));
        assert!(serde_json::to_value(&rows[0])
            .unwrap()
            .get("reason")
            .is_none());
    }
}
