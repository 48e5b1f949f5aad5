//! Workload health: is each workload of a namespace ready, and if not, why not.
//!
//! `up` (waiting, and its timeout diagnosis), `status` and `promote`/`bump --wait` all answer
//! the same question, so they share this module. It is pure: [`assess`] takes a [`Snapshot`]
//! of typed objects (listed or watched by [`crate::wait`]) and returns one [`WorkloadHealth`]
//! per workload, with the evidence a user needs to fix what is wrong. Nothing here does I/O
//! except writing to the `impl Write` it is given, so every rule is unit-tested with
//! hand-built objects.
//!
//! Readiness follows `kubectl rollout status` kind by kind (observed generation, updated,
//! available and old replicas; StatefulSet partitions and revisions; DaemonSet scheduling;
//! Job conditions). The reasons come from the pods of the workload's current revision (a
//! Deployment's newest ReplicaSet), their container statuses and conditions, the ReplicaSet's
//! `ReplicaFailure` condition and the namespace's Warning events.

use std::{
    fmt,
    io::{self, Write},
};

use k8s_openapi::{
    api::{
        apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet},
        batch::v1::Job,
        core::v1::{ContainerStatus, Event, Pod, PodTemplateSpec},
    },
    apimachinery::pkg::apis::meta::v1::ObjectMeta,
};
use serde::Serialize;

use crate::output::{self, Cell, Table, Tone};

/// The Deployment and ReplicaSet annotation holding the rollout revision.
const REVISION: &str = "deployment.kubernetes.io/revision";
/// The label the StatefulSet and DaemonSet controllers put on pods: their template revision.
const REVISION_HASH: &str = "controller-revision-hash";
/// Container waiting reasons that mean the kubelet cannot get the image.
const IMAGE_PULL_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "ImageInspectError",
];
/// How many pod names a diagnosis lists before it says "and N more".
const PODS_SHOWN: usize = 3;

/// Everything [`assess`] looks at, for one namespace.
///
/// The I/O side fills it from one list (or watch) per kind; tests build it by hand. Events may
/// be all of the namespace's events or only its Warnings: only Warnings are used.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub deployments: Vec<Deployment>,
    pub stateful_sets: Vec<StatefulSet>,
    pub daemon_sets: Vec<DaemonSet>,
    pub jobs: Vec<Job>,
    pub replica_sets: Vec<ReplicaSet>,
    pub pods: Vec<Pod>,
    pub events: Vec<Event>,
}

/// The workload kinds qaenv waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
}

impl WorkloadKind {
    /// Every kind, in the order workloads are listed.
    pub const ALL: [WorkloadKind; 4] = [
        WorkloadKind::Deployment,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
        WorkloadKind::Job,
    ];

    /// The kind of an object's `kind` field, if it is a workload (`up` picks its targets
    /// from the objects it applied this way).
    pub fn from_kind(kind: &str) -> Option<WorkloadKind> {
        WorkloadKind::ALL.into_iter().find(|k| k.kind() == kind)
    }

    /// The `kind` field's value: `Deployment`.
    pub fn kind(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
        }
    }

    /// kubectl's lower-case spelling in `deployment/web`.
    pub fn resource(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deployment",
            WorkloadKind::StatefulSet => "statefulset",
            WorkloadKind::DaemonSet => "daemonset",
            WorkloadKind::Job => "job",
        }
    }
}

/// One workload: kind and name. Displays as kubectl's `deployment/web`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct WorkloadRef {
    pub kind: WorkloadKind,
    pub name: String,
}

impl WorkloadRef {
    pub fn new(kind: WorkloadKind, name: impl Into<String>) -> WorkloadRef {
        WorkloadRef {
            kind,
            name: name.into(),
        }
    }
}

impl fmt::Display for WorkloadRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.resource(), self.name)
    }
}

/// Where a workload stands. Ordered from best to worst, so the worst reason wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum State {
    /// Rolled out (a Job: complete).
    Ready,
    /// Moving towards Ready with nothing wrong found (pods starting, old pods terminating).
    Progressing,
    /// Blocked by something outside its pods that may clear by itself or by an admin: no
    /// capacity, a quota, a paused rollout, the workload missing.
    Waiting,
    /// Something in the workload itself is wrong (image, crash, deadline, failed Job); it will
    /// not become Ready without a change.
    Failed,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Ready => "Ready",
            State::Progressing => "Progressing",
            State::Waiting => "Waiting",
            State::Failed => "Failed",
        })
    }
}

/// Why a workload is not ready, with the evidence. Pod-level reasons name every pod they
/// were seen on (`pods`, sorted; the first one's details are shown).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all_fields = "camelCase")]
pub enum Reason {
    /// The kubelet cannot pull a container's image (`ErrImagePull`, `ImagePullBackOff`,
    /// `InvalidImageName`, …).
    ImagePull {
        pods: Vec<String>,
        container: String,
        /// The image as the pod spec names it.
        image: String,
        /// The container's waiting reason.
        status: String,
        /// The kubelet's message (registry error).
        message: String,
    },
    /// A container keeps exiting and being restarted (`CrashLoopBackOff`, or restarted and not
    /// ready after a failed run).
    CrashLoop {
        pods: Vec<String>,
        container: String,
        restarts: i32,
        /// Exit code of the last terminated run.
        exit_code: Option<i32>,
        /// Reason of the last termination (`Error`, `OOMKilled`).
        termination: Option<String>,
        /// The termination message, when the container wrote one.
        message: Option<String>,
        /// The last lines of the previous run's log; filled by [`crate::wait::attach_crash_logs`].
        logs: Vec<String>,
    },
    /// The scheduler finds no node for a pod; `message` is its own (`0/3 nodes are available:
    /// 3 Insufficient cpu. …`).
    Unschedulable { pods: Vec<String>, message: String },
    /// A ResourceQuota rejects new pods; `object` is what failed to create them
    /// (`replicaset/web-5d4f8`), `message` the API server's.
    QuotaExceeded { object: String, message: String },
    /// The controller cannot create pods for another reason (LimitRange, admission, …).
    FailedCreate { object: String, message: String },
    /// The Deployment's `Progressing` condition says it exceeded `progressDeadlineSeconds`.
    ProgressDeadlineExceeded { message: String },
    /// The Job's `Failed` condition (`cause` is its reason, `BackoffLimitExceeded`).
    JobFailed { cause: String, message: String },
    /// A pod is not ready and nothing above explains it: still starting, a container waiting
    /// (`CreateContainerConfigError: secret "db" not found`) or a failing readiness probe.
    PodNotReady {
        pods: Vec<String>,
        phase: String,
        detail: Option<String>,
    },
    /// The Deployment's rollout is paused (`spec.paused`).
    Paused,
    /// The Job is suspended (`spec.suspend`).
    Suspended,
    /// A workload waited for does not exist.
    NotFound,
}

impl Reason {
    /// The short word for tables and progress lines, kubectl's where it has one.
    pub fn label(&self) -> &'static str {
        match self {
            Reason::ImagePull { .. } => "ImagePullBackOff",
            Reason::CrashLoop { .. } => "CrashLoopBackOff",
            Reason::Unschedulable { .. } => "Unschedulable",
            Reason::QuotaExceeded { .. } => "QuotaExceeded",
            Reason::FailedCreate { .. } => "FailedCreate",
            Reason::ProgressDeadlineExceeded { .. } => "ProgressDeadlineExceeded",
            Reason::JobFailed { .. } => "JobFailed",
            Reason::PodNotReady { .. } => "PodNotReady",
            Reason::Paused => "Paused",
            Reason::Suspended => "Suspended",
            Reason::NotFound => "NotFound",
        }
    }

    /// What the reason makes of the workload's state.
    pub fn severity(&self) -> State {
        match self {
            Reason::ImagePull { .. }
            | Reason::CrashLoop { .. }
            | Reason::ProgressDeadlineExceeded { .. }
            | Reason::JobFailed { .. } => State::Failed,
            Reason::Unschedulable { .. }
            | Reason::QuotaExceeded { .. }
            | Reason::FailedCreate { .. }
            | Reason::Paused
            | Reason::Suspended
            | Reason::NotFound => State::Waiting,
            Reason::PodNotReady { .. } => State::Progressing,
        }
    }

    /// Whether waiting longer cannot help: Kubernetes itself gave up (a failed Job, an
    /// exceeded progress deadline), as `kubectl rollout status` treats them.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Reason::JobFailed { .. } | Reason::ProgressDeadlineExceeded { .. }
        )
    }

    /// One line saying what is wrong.
    pub fn summary(&self) -> String {
        match self {
            Reason::ImagePull {
                pods,
                container,
                image,
                status,
                ..
            } => format!(
                "container {container} cannot pull image {image:?} ({status}) in {}",
                pod_list(pods)
            ),
            Reason::CrashLoop {
                pods,
                container,
                restarts,
                exit_code,
                termination,
                ..
            } => {
                let mut text = format!(
                    "container {container} keeps crashing in {}: {restarts} restart{}",
                    pod_list(pods),
                    plural(*restarts)
                );
                if let Some(code) = exit_code {
                    text.push_str(&format!(", last exit code {code}"));
                }
                if let Some(termination) = termination {
                    text.push_str(&format!(" ({termination})"));
                }
                text
            }
            Reason::Unschedulable { pods, .. } => {
                format!("{} cannot be scheduled", pod_list(pods))
            }
            Reason::QuotaExceeded { object, .. } => {
                format!("a ResourceQuota keeps {object} from creating pods")
            }
            Reason::FailedCreate { object, .. } => format!("{object} cannot create pods"),
            Reason::ProgressDeadlineExceeded { .. } => {
                "the rollout exceeded its progress deadline".to_string()
            }
            Reason::JobFailed { cause, .. } => format!("the job failed ({cause})"),
            Reason::PodNotReady { pods, phase, .. } => {
                let verb = if pods.len() == 1 { "is" } else { "are" };
                format!("{} {verb} not ready ({phase})", pod_list(pods))
            }
            Reason::Paused => "the rollout is paused".to_string(),
            Reason::Suspended => "the job is suspended".to_string(),
            Reason::NotFound => "it does not exist".to_string(),
        }
    }

    /// The evidence under the summary: the cluster's own words, and log lines.
    pub fn evidence(&self) -> Vec<String> {
        match self {
            Reason::ImagePull { message, .. }
            | Reason::Unschedulable { message, .. }
            | Reason::QuotaExceeded { message, .. }
            | Reason::FailedCreate { message, .. }
            | Reason::ProgressDeadlineExceeded { message }
            | Reason::JobFailed { message, .. } => non_empty(message).into_iter().collect(),
            Reason::CrashLoop { message, logs, .. } => {
                let mut lines: Vec<String> = message.iter().flat_map(|m| non_empty(m)).collect();
                if !logs.is_empty() {
                    lines.push("last log lines of the previous run:".to_string());
                    lines.extend(logs.iter().map(|line| format!("| {line}")));
                }
                lines
            }
            Reason::PodNotReady { detail, .. } => {
                detail.iter().flat_map(|d| non_empty(d)).collect()
            }
            Reason::Paused | Reason::Suspended | Reason::NotFound => Vec::new(),
        }
    }

    /// How to fix it, with commands that name `namespace` and `workload`.
    pub fn hint(&self, namespace: &str, workload: &WorkloadRef) -> String {
        match self {
            Reason::ImagePull { .. } => "check the image name and tag, and that the namespace has the registry's pull secret (imagePullSecrets)".to_string(),
            Reason::CrashLoop {
                pods,
                container,
                termination,
                ..
            } => {
                if termination.as_deref() == Some("OOMKilled") {
                    "the container ran out of memory: raise its memory limit (`kubectl qaenv suggest-limits` measures real usage)".to_string()
                } else {
                    let pod = pods.first().map(String::as_str).unwrap_or("POD");
                    format!("fix the crash the log shows; `kubectl logs -n {namespace} {pod} -c {container} --previous` shows the whole previous run")
                }
            }
            Reason::Unschedulable { message, .. } => {
                if message.contains("didn't match") {
                    "check the pod's nodeSelector against the nodes' labels (`kubectl get nodes --show-labels`)".to_string()
                } else {
                    "lower the requests or add nodes (`kubectl qaenv doctor` shows free capacity)".to_string()
                }
            }
            Reason::QuotaExceeded { .. } => format!("raise the quota or lower the requests; `kubectl describe resourcequota -n {namespace}` shows use and limits"),
            Reason::FailedCreate { object, .. } => format!("`kubectl describe {object} -n {namespace}` shows why the API server rejects the pods"),
            Reason::ProgressDeadlineExceeded { .. } => format!("`kubectl describe {workload} -n {namespace}` shows the rollout's events"),
            Reason::JobFailed { .. } => format!("`kubectl logs -n {namespace} {workload}` shows the output of one of its pods"),
            Reason::PodNotReady { pods, .. } => {
                let pod = pods.first().map(String::as_str).unwrap_or("POD");
                format!("`kubectl describe pod {pod} -n {namespace}` shows its conditions and events")
            }
            Reason::Paused => format!("resume it with `kubectl rollout resume {workload} -n {namespace}`"),
            Reason::Suspended => format!("resume it with `kubectl patch {workload} -n {namespace} -p '{{\"spec\":{{\"suspend\":false}}}}'`"),
            Reason::NotFound => "it was deleted, or never created; apply the environment again".to_string(),
        }
    }

    /// The pods a pod-level reason was seen on.
    fn pods_mut(&mut self) -> Option<&mut Vec<String>> {
        match self {
            Reason::ImagePull { pods, .. }
            | Reason::CrashLoop { pods, .. }
            | Reason::Unschedulable { pods, .. }
            | Reason::PodNotReady { pods, .. } => Some(pods),
            _ => None,
        }
    }

    /// Whether two reasons found on different pods are the same problem, so the diagnosis
    /// says it once for all of them.
    fn same_problem(&self, other: &Reason) -> bool {
        match (self, other) {
            (
                Reason::ImagePull {
                    container: a,
                    image: ai,
                    ..
                },
                Reason::ImagePull {
                    container: b,
                    image: bi,
                    ..
                },
            ) => a == b && ai == bi,
            (Reason::CrashLoop { container: a, .. }, Reason::CrashLoop { container: b, .. }) => {
                a == b
            }
            (
                Reason::Unschedulable { message: a, .. },
                Reason::Unschedulable { message: b, .. },
            ) => a == b,
            (
                Reason::PodNotReady {
                    phase: a,
                    detail: ad,
                    ..
                },
                Reason::PodNotReady {
                    phase: b,
                    detail: bd,
                    ..
                },
            ) => a == b && ad == bd,
            (a, b) => a == b,
        }
    }

    /// Root causes first: what is wrong with the pods, then what blocks their creation, then
    /// the consequences (deadline, failed Job), then pods that are merely not ready yet.
    fn rank(&self) -> u8 {
        match self {
            Reason::ImagePull { .. } => 0,
            Reason::CrashLoop { .. } => 1,
            Reason::Unschedulable { .. } => 2,
            Reason::QuotaExceeded { .. } => 3,
            Reason::FailedCreate { .. } => 4,
            Reason::JobFailed { .. } => 5,
            Reason::ProgressDeadlineExceeded { .. } => 6,
            Reason::Paused | Reason::Suspended => 7,
            Reason::NotFound => 8,
            Reason::PodNotReady { .. } => 9,
        }
    }
}

/// The health of one workload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadHealth {
    #[serde(flatten)]
    pub workload: WorkloadRef,
    pub state: State,
    /// Replicas wanted (a DaemonSet: nodes it should run on; a Job: completions).
    pub desired: i32,
    /// Ready replicas (a Job: succeeded pods).
    pub ready: i32,
    /// Replicas of the current template (a Job: succeeded pods).
    pub updated: i32,
    /// Available replicas (a Job: succeeded pods).
    pub available: i32,
    /// The pod template's images, init containers first, without repeats.
    pub images: Vec<String>,
    /// Container restarts summed over the workload's live pods.
    pub restarts: i32,
    /// Why it is not ready, root causes first; empty when Ready.
    pub reasons: Vec<Reason>,
}

impl WorkloadHealth {
    pub fn is_ready(&self) -> bool {
        self.state == State::Ready
    }

    /// Whether it failed for good (see [`Reason::is_terminal`]).
    pub fn is_terminal(&self) -> bool {
        self.reasons.iter().any(Reason::is_terminal)
    }

    /// `1/2`.
    pub fn ready_text(&self) -> String {
        format!("{}/{}", self.ready, self.desired)
    }

    /// For tables and progress lines: the main reason's label (`CrashLoopBackOff`) when
    /// something is wrong (Waiting, Failed), else the state (`Ready`, `Progressing`: pods that
    /// are merely starting are not news).
    pub fn headline(&self) -> String {
        match self.reasons.first() {
            Some(reason) if self.state > State::Progressing => reason.label().to_string(),
            _ => self.state.to_string(),
        }
    }

    /// Why it is not ready, in one line (the main reason's summary).
    pub fn why(&self) -> Option<String> {
        self.reasons.first().map(Reason::summary)
    }

    /// A health for a workload that was waited for and does not exist.
    fn not_found(workload: WorkloadRef) -> WorkloadHealth {
        WorkloadHealth {
            workload,
            state: State::Waiting,
            desired: 0,
            ready: 0,
            updated: 0,
            available: 0,
            images: Vec::new(),
            restarts: 0,
            reasons: vec![Reason::NotFound],
        }
    }
}

/// The health of every workload in the snapshot, ordered by kind then name.
pub fn assess(snapshot: &Snapshot) -> Vec<WorkloadHealth> {
    let mut out: Vec<WorkloadHealth> = Vec::new();
    out.extend(
        snapshot
            .deployments
            .iter()
            .map(|d| deployment_health(snapshot, d)),
    );
    out.extend(
        snapshot
            .stateful_sets
            .iter()
            .map(|s| stateful_set_health(snapshot, s)),
    );
    out.extend(
        snapshot
            .daemon_sets
            .iter()
            .map(|d| daemon_set_health(snapshot, d)),
    );
    out.extend(snapshot.jobs.iter().map(|j| job_health(snapshot, j)));
    out.sort_by(|a, b| a.workload.cmp(&b.workload));
    out
}

/// The health of `targets`, in their order; a target missing from the snapshot is
/// [`Reason::NotFound`]. No targets means every workload in the snapshot.
pub fn assess_targets(snapshot: &Snapshot, targets: &[WorkloadRef]) -> Vec<WorkloadHealth> {
    let all = assess(snapshot);
    if targets.is_empty() {
        return all;
    }
    targets
        .iter()
        .map(|target| {
            all.iter()
                .find(|h| &h.workload == target)
                .cloned()
                .unwrap_or_else(|| WorkloadHealth::not_found(target.clone()))
        })
        .collect()
}

/// Counts and readiness of one workload, before the reasons are looked for.
struct Rollout {
    desired: i32,
    ready: i32,
    updated: i32,
    available: i32,
    complete: bool,
}

/// Puts counts, reasons and the state together. A complete rollout is Ready whatever its
/// pods say (as `kubectl rollout status`); otherwise the worst reason sets the state.
fn health(
    workload: WorkloadRef,
    rollout: Rollout,
    template: Option<&PodTemplateSpec>,
    pods: &[&Pod],
    reasons: Vec<Reason>,
) -> WorkloadHealth {
    let reasons = if rollout.complete {
        Vec::new()
    } else {
        sorted(merge(reasons))
    };
    let state = if rollout.complete {
        State::Ready
    } else {
        reasons
            .iter()
            .map(Reason::severity)
            .max()
            .unwrap_or(State::Progressing)
    };
    WorkloadHealth {
        workload,
        state,
        desired: rollout.desired,
        ready: rollout.ready,
        updated: rollout.updated,
        available: rollout.available,
        images: template.map(template_images).unwrap_or_default(),
        restarts: pods.iter().map(|p| pod_restarts(p)).sum(),
        reasons,
    }
}

fn deployment_health(snapshot: &Snapshot, deployment: &Deployment) -> WorkloadHealth {
    let meta = &deployment.metadata;
    let spec = deployment.spec.as_ref();
    let status = deployment.status.as_ref();
    let desired = spec.and_then(|s| s.replicas).unwrap_or(1);
    let updated = status.and_then(|s| s.updated_replicas).unwrap_or(0);
    let replicas = status.and_then(|s| s.replicas).unwrap_or(0);
    let available = status.and_then(|s| s.available_replicas).unwrap_or(0);
    let observed =
        meta.generation.unwrap_or(0) <= status.and_then(|s| s.observed_generation).unwrap_or(0);
    // Only a status that describes the current spec counts: a new rollout starts afresh.
    let deadline = status
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .find(|c| {
            c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
        })
        .filter(|_| observed);
    let rollout = Rollout {
        desired,
        ready: status.and_then(|s| s.ready_replicas).unwrap_or(0),
        updated,
        available,
        complete: observed
            && deadline.is_none()
            && updated >= desired
            && replicas <= updated
            && available >= updated,
    };

    let mut reasons = Vec::new();
    if spec.and_then(|s| s.paused) == Some(true) {
        reasons.push(Reason::Paused);
    }
    if let Some(condition) = deadline {
        reasons.push(Reason::ProgressDeadlineExceeded {
            message: condition.message.clone().unwrap_or_default(),
        });
    }
    let sets: Vec<&ReplicaSet> = snapshot
        .replica_sets
        .iter()
        .filter(|rs| owned_by(&rs.metadata, "Deployment", meta))
        .collect();
    let all_pods: Vec<&Pod> = live_pods(snapshot, |pod| {
        sets.iter()
            .any(|rs| owned_by(&pod.metadata, "ReplicaSet", &rs.metadata))
    });
    if let Some(current) = current_replica_set(meta, &sets) {
        reasons.extend(replica_set_failure(snapshot, current));
        let pods: Vec<&Pod> = all_pods
            .iter()
            .copied()
            .filter(|pod| owned_by(&pod.metadata, "ReplicaSet", &current.metadata))
            .collect();
        reasons.extend(pods.iter().flat_map(|pod| pod_reasons(snapshot, pod)));
    }
    health(
        WorkloadRef::new(WorkloadKind::Deployment, name(meta)),
        rollout,
        spec.map(|s| &s.template),
        &all_pods,
        reasons,
    )
}

/// The Deployment's current ReplicaSet: the one with the Deployment's revision, else the
/// highest revision, else the newest.
fn current_replica_set<'a>(
    deployment: &ObjectMeta,
    sets: &[&'a ReplicaSet],
) -> Option<&'a ReplicaSet> {
    let revision = |meta: &ObjectMeta| -> Option<i64> {
        meta.annotations.as_ref()?.get(REVISION)?.parse().ok()
    };
    if let Some(wanted) = revision(deployment) {
        if let Some(rs) = sets
            .iter()
            .find(|rs| revision(&rs.metadata) == Some(wanted))
        {
            return Some(rs);
        }
    }
    sets.iter()
        .max_by_key(|rs| {
            (
                revision(&rs.metadata),
                rs.metadata.creation_timestamp.as_ref().map(|t| t.0),
            )
        })
        .copied()
}

/// Why a ReplicaSet cannot create its pods: its `ReplicaFailure` condition, else its latest
/// `FailedCreate` event while it still lacks pods (an old event of a full set is history).
fn replica_set_failure(snapshot: &Snapshot, rs: &ReplicaSet) -> Option<Reason> {
    let object = format!("replicaset/{}", name(&rs.metadata));
    let condition = rs
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .find(|c| c.type_ == "ReplicaFailure" && c.status == "True")
        .and_then(|c| c.message.clone());
    let lacking = rs.status.as_ref().map(|s| s.replicas).unwrap_or(0)
        < rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let message = condition.or_else(|| {
        lacking
            .then(|| latest_event(snapshot, "ReplicaSet", &rs.metadata, "FailedCreate"))
            .flatten()
            .and_then(|e| e.message.clone())
    })?;
    Some(creation_failure(object, &message))
}

/// A `FailedCreate` event on a workload that creates its pods itself (StatefulSet,
/// DaemonSet, Job), while it lacks pods.
fn own_creation_failure(
    snapshot: &Snapshot,
    kind: WorkloadKind,
    meta: &ObjectMeta,
    lacking: bool,
) -> Option<Reason> {
    if !lacking {
        return None;
    }
    let event = latest_event(snapshot, kind.kind(), meta, "FailedCreate")?;
    let message = event.message.clone()?;
    Some(creation_failure(
        WorkloadRef::new(kind, name(meta)).to_string(),
        &message,
    ))
}

/// Quota rejections (`exceeded quota`, `failed quota: … must specify`) are told apart from
/// other creation failures because their fix is different.
fn creation_failure(object: String, message: &str) -> Reason {
    let message = message
        .strip_prefix("Error creating: ")
        .unwrap_or(message)
        .to_string();
    if message.contains("exceeded quota") || message.contains("failed quota") {
        Reason::QuotaExceeded { object, message }
    } else {
        Reason::FailedCreate { object, message }
    }
}

fn stateful_set_health(snapshot: &Snapshot, set: &StatefulSet) -> WorkloadHealth {
    let meta = &set.metadata;
    let spec = set.spec.as_ref();
    let status = set.status.as_ref();
    let desired = spec.and_then(|s| s.replicas).unwrap_or(1);
    let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
    let updated = status.and_then(|s| s.updated_replicas).unwrap_or(0);
    let observed_generation = status.and_then(|s| s.observed_generation).unwrap_or(0);
    let observed = observed_generation != 0 && meta.generation.unwrap_or(0) <= observed_generation;
    let strategy = spec.and_then(|s| s.update_strategy.as_ref());
    let on_delete = strategy.and_then(|s| s.type_.as_deref()) == Some("OnDelete");
    let rolled_out = match strategy.and_then(|s| s.rolling_update.as_ref()) {
        _ if on_delete => true,
        Some(rolling) => updated >= desired - rolling.partition.unwrap_or(0),
        None => {
            status.and_then(|s| s.update_revision.as_ref())
                == status.and_then(|s| s.current_revision.as_ref())
        }
    };
    let rollout = Rollout {
        desired,
        ready,
        updated,
        available: status.and_then(|s| s.available_replicas).unwrap_or(0),
        complete: observed && ready >= desired && rolled_out,
    };
    let all_pods = live_pods(snapshot, |pod| owned_by(&pod.metadata, "StatefulSet", meta));
    let update_revision = status.and_then(|s| s.update_revision.as_deref());
    let current: Vec<&Pod> = all_pods
        .iter()
        .copied()
        .filter(|pod| {
            update_revision.is_none() || label(&pod.metadata, REVISION_HASH) == update_revision
        })
        .collect();
    let lacking = status.map(|s| s.replicas).unwrap_or(0) < desired;
    let mut reasons: Vec<Reason> =
        own_creation_failure(snapshot, WorkloadKind::StatefulSet, meta, lacking)
            .into_iter()
            .collect();
    reasons.extend(current.iter().flat_map(|pod| pod_reasons(snapshot, pod)));
    health(
        WorkloadRef::new(WorkloadKind::StatefulSet, name(meta)),
        rollout,
        spec.map(|s| &s.template),
        &all_pods,
        reasons,
    )
}

fn daemon_set_health(snapshot: &Snapshot, set: &DaemonSet) -> WorkloadHealth {
    let meta = &set.metadata;
    let status = set.status.as_ref();
    let desired = status.map(|s| s.desired_number_scheduled).unwrap_or(0);
    let updated = status.and_then(|s| s.updated_number_scheduled).unwrap_or(0);
    let available = status.and_then(|s| s.number_available).unwrap_or(0);
    let observed = status.and_then(|s| s.observed_generation).is_some()
        && meta.generation.unwrap_or(0) <= status.and_then(|s| s.observed_generation).unwrap_or(0);
    let rollout = Rollout {
        desired,
        ready: status.map(|s| s.number_ready).unwrap_or(0),
        updated,
        available,
        complete: observed && updated >= desired && available >= desired,
    };
    let pods = live_pods(snapshot, |pod| owned_by(&pod.metadata, "DaemonSet", meta));
    let lacking = status.map(|s| s.current_number_scheduled).unwrap_or(0) < desired;
    let mut reasons: Vec<Reason> =
        own_creation_failure(snapshot, WorkloadKind::DaemonSet, meta, lacking)
            .into_iter()
            .collect();
    reasons.extend(pods.iter().flat_map(|pod| pod_reasons(snapshot, pod)));
    health(
        WorkloadRef::new(WorkloadKind::DaemonSet, name(meta)),
        rollout,
        set.spec.as_ref().map(|s| &s.template),
        &pods,
        reasons,
    )
}

fn job_health(snapshot: &Snapshot, job: &Job) -> WorkloadHealth {
    let meta = &job.metadata;
    let spec = job.spec.as_ref();
    let status = job.status.as_ref();
    let condition = |kind: &str| {
        status
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .find(|c| c.type_ == kind && c.status == "True")
    };
    let succeeded = status.and_then(|s| s.succeeded).unwrap_or(0);
    let rollout = Rollout {
        desired: spec.and_then(|s| s.completions).unwrap_or(1),
        ready: succeeded,
        updated: succeeded,
        available: succeeded,
        complete: condition("Complete").is_some(),
    };
    let mut reasons = Vec::new();
    if spec.and_then(|s| s.suspend) == Some(true) {
        reasons.push(Reason::Suspended);
    }
    if let Some(failed) = condition("Failed") {
        reasons.push(Reason::JobFailed {
            cause: failed
                .reason
                .clone()
                .unwrap_or_else(|| "Failed".to_string()),
            message: failed.message.clone().unwrap_or_default(),
        });
    }
    let pods = live_pods(snapshot, |pod| owned_by(&pod.metadata, "Job", meta));
    let finished = rollout.complete || condition("Failed").is_some();
    let lacking = !finished && spec.and_then(|s| s.suspend) != Some(true) && pods.is_empty();
    reasons.extend(own_creation_failure(
        snapshot,
        WorkloadKind::Job,
        meta,
        lacking,
    ));
    reasons.extend(pods.iter().flat_map(|pod| pod_reasons(snapshot, pod)));
    health(
        WorkloadRef::new(WorkloadKind::Job, name(meta)),
        rollout,
        spec.map(|s| &s.template),
        &pods,
        reasons,
    )
}

/// The pods that can still become ready (not terminating, not finished), sorted by name so
/// diagnoses are stable.
fn live_pods(snapshot: &Snapshot, belongs: impl Fn(&Pod) -> bool) -> Vec<&Pod> {
    let mut pods: Vec<&Pod> = snapshot
        .pods
        .iter()
        .filter(|pod| pod.metadata.deletion_timestamp.is_none())
        .filter(|pod| !matches!(phase(pod), "Succeeded" | "Failed"))
        .filter(|pod| belongs(pod))
        .collect();
    pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    pods
}

/// Why one pod is not ready: unschedulable, image pulls, crash loops; else that it is not
/// ready, with the best detail there is.
fn pod_reasons(snapshot: &Snapshot, pod: &Pod) -> Vec<Reason> {
    if pod_ready(pod) {
        return Vec::new();
    }
    let pod_name = name(&pod.metadata);
    let mut reasons: Vec<Reason> = unschedulable_message(snapshot, pod)
        .map(|message| Reason::Unschedulable {
            pods: vec![pod_name.clone()],
            message,
        })
        .into_iter()
        .collect();
    reasons.extend(
        container_statuses(pod).filter_map(|status| container_reason(pod, &pod_name, status)),
    );
    if reasons.is_empty() {
        reasons.push(Reason::PodNotReady {
            pods: vec![pod_name],
            phase: phase(pod).to_string(),
            detail: not_ready_detail(snapshot, pod),
        });
    }
    reasons
}

/// Why one pod is not ready, judged from the pod alone (no events): what `ls` can tell from
/// one list of pods across namespaces. Empty when the pod is Ready. Unschedulable pods are
/// found by their `PodScheduled=False` condition, crash loops and image pulls by their
/// container statuses; anything else is [`Reason::PodNotReady`].
pub fn pod_problems(pod: &Pod) -> Vec<Reason> {
    pod_reasons(&Snapshot::default(), pod)
}

/// Whether the pod's `Ready` condition is true.
pub fn is_pod_ready(pod: &Pod) -> bool {
    pod_ready(pod)
}

/// Container restarts of a pod, init containers included.
pub fn restarts_of(pod: &Pod) -> i32 {
    pod_restarts(pod)
}

/// The pod's phase (`Pending` when it has none yet).
pub fn phase_of(pod: &Pod) -> &str {
    phase(pod)
}

/// The scheduler's message: the `PodScheduled=False` condition's, else the latest
/// `FailedScheduling` event's while the pod has no node.
fn unschedulable_message(snapshot: &Snapshot, pod: &Pod) -> Option<String> {
    let condition = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .find(|c| {
            c.type_ == "PodScheduled"
                && c.status == "False"
                && c.reason.as_deref() == Some("Unschedulable")
        });
    if let Some(condition) = condition {
        return Some(condition.message.clone().unwrap_or_default());
    }
    let scheduled = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_ref())
        .is_some_and(|n| !n.is_empty());
    if scheduled {
        return None;
    }
    latest_event(snapshot, "Pod", &pod.metadata, "FailedScheduling")?
        .message
        .clone()
}

/// Init containers first (they block the others), then the app containers.
fn container_statuses(pod: &Pod) -> impl Iterator<Item = &ContainerStatus> {
    let status = pod.status.as_ref();
    let init = status.and_then(|s| s.init_container_statuses.as_ref());
    let regular = status.and_then(|s| s.container_statuses.as_ref());
    init.into_iter()
        .flatten()
        .chain(regular.into_iter().flatten())
}

/// An image pull failure or a crash loop of one container.
fn container_reason(pod: &Pod, pod_name: &str, status: &ContainerStatus) -> Option<Reason> {
    let state = status.state.as_ref();
    let waiting = state.and_then(|s| s.waiting.as_ref());
    let waiting_reason = waiting.and_then(|w| w.reason.as_deref()).unwrap_or("");
    if IMAGE_PULL_REASONS.contains(&waiting_reason) {
        return Some(Reason::ImagePull {
            pods: vec![pod_name.to_string()],
            container: status.name.clone(),
            image: spec_image(pod, &status.name).unwrap_or_else(|| status.image.clone()),
            status: waiting_reason.to_string(),
            message: waiting.and_then(|w| w.message.clone()).unwrap_or_default(),
        });
    }
    let last = status
        .last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref());
    let finished = state.and_then(|s| s.terminated.as_ref()).is_some();
    let crashing = waiting_reason == "CrashLoopBackOff"
        || (!status.ready
            && !finished
            && status.restart_count > 0
            && last.is_some_and(|t| t.exit_code != 0));
    if !crashing {
        return None;
    }
    Some(Reason::CrashLoop {
        pods: vec![pod_name.to_string()],
        container: status.name.clone(),
        restarts: status.restart_count,
        exit_code: last.map(|t| t.exit_code),
        termination: last.and_then(|t| t.reason.clone()),
        message: last
            .and_then(|t| t.message.clone())
            .filter(|m| !m.trim().is_empty()),
        logs: Vec::new(),
    })
}

/// The image a container's spec names (the status may show a resolved reference).
fn spec_image(pod: &Pod, container: &str) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    spec.init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .find(|c| c.name == container)
        .and_then(|c| c.image.clone())
}

/// What a not-ready pod is waiting for: a container's waiting reason and message, else its
/// latest failed probe (`Unhealthy` event).
fn not_ready_detail(snapshot: &Snapshot, pod: &Pod) -> Option<String> {
    let waiting = container_statuses(pod)
        .filter_map(|s| s.state.as_ref()?.waiting.as_ref())
        .find_map(|w| {
            let reason = w.reason.as_deref().filter(|r| !r.is_empty())?;
            Some(match w.message.as_deref().filter(|m| !m.is_empty()) {
                Some(message) => format!("{reason}: {message}"),
                None => reason.to_string(),
            })
        });
    waiting.or_else(|| {
        latest_event(snapshot, "Pod", &pod.metadata, "Unhealthy")?
            .message
            .clone()
    })
}

fn pod_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

fn pod_restarts(pod: &Pod) -> i32 {
    container_statuses(pod)
        .map(|s| s.restart_count.max(0))
        .sum()
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

fn template_images(template: &PodTemplateSpec) -> Vec<String> {
    let mut images: Vec<String> = Vec::new();
    let containers = template.spec.iter().flat_map(|spec| {
        spec.init_containers
            .iter()
            .flatten()
            .chain(spec.containers.iter())
    });
    for image in containers.filter_map(|c| c.image.as_ref()) {
        if !images.contains(image) {
            images.push(image.clone());
        }
    }
    images
}

/// Folds reasons found on several pods into one per problem, listing the pods.
fn merge(reasons: Vec<Reason>) -> Vec<Reason> {
    let mut out: Vec<Reason> = Vec::new();
    for mut reason in reasons {
        match out.iter_mut().find(|r| r.same_problem(&reason)) {
            Some(existing) => {
                let more = reason.pods_mut().map(std::mem::take).unwrap_or_default();
                if let Some(pods) = existing.pods_mut() {
                    for pod in more {
                        if !pods.contains(&pod) {
                            pods.push(pod);
                        }
                    }
                }
            }
            None => out.push(reason),
        }
    }
    out
}

fn sorted(mut reasons: Vec<Reason>) -> Vec<Reason> {
    reasons.sort_by_key(Reason::rank);
    reasons
}

/// Whether `meta`'s owner references name the object `owner` of kind `kind` (by uid when both
/// sides have one, else by name).
fn owned_by(meta: &ObjectMeta, kind: &str, owner: &ObjectMeta) -> bool {
    let owner_uid = owner.uid.as_deref().filter(|u| !u.is_empty());
    meta.owner_references.iter().flatten().any(|r| {
        r.kind == kind
            && match owner_uid {
                Some(uid) if !r.uid.is_empty() => r.uid == uid,
                _ => owner.name.as_deref() == Some(r.name.as_str()),
            }
    })
}

fn name(meta: &ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

fn label<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.labels.as_ref()?.get(key).map(String::as_str)
}

/// Whether an event is about the object (kind and name, and uid when both have one).
fn is_about(event: &Event, kind: &str, meta: &ObjectMeta) -> bool {
    let object = &event.involved_object;
    let uid_matches = match (object.uid.as_deref(), meta.uid.as_deref()) {
        (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => a == b,
        _ => true,
    };
    object.kind.as_deref() == Some(kind)
        && object.name.is_some()
        && object.name == meta.name
        && uid_matches
}

/// The latest Warning event with `reason` about an object.
fn latest_event<'a>(
    snapshot: &'a Snapshot,
    kind: &str,
    meta: &ObjectMeta,
    reason: &str,
) -> Option<&'a Event> {
    snapshot
        .events
        .iter()
        .filter(|e| is_warning(e) && e.reason.as_deref() == Some(reason) && is_about(e, kind, meta))
        .max_by_key(|e| last_seen(e))
}

fn is_warning(event: &Event) -> bool {
    event.type_.as_deref() == Some("Warning")
}

/// When an event was last seen, from the newest field that is set (core/v1 events carry
/// `lastTimestamp`; events.k8s.io-style ones `series` or `eventTime`).
fn last_seen(event: &Event) -> Option<jiff::Timestamp> {
    event
        .series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref())
        .map(|t| t.0)
        .or_else(|| event.last_timestamp.as_ref().map(|t| t.0))
        .or_else(|| event.event_time.as_ref().map(|t| t.0))
        .or_else(|| event.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| event.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// One Warning event, for `status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// `pod/web-5d4f8-x2x9z`.
    pub object: String,
    pub reason: String,
    pub message: String,
    /// How many times it happened.
    pub count: i32,
    pub last_seen: Option<jiff::Timestamp>,
}

/// The `n` latest Warning events of the snapshot, oldest first (as `kubectl get events`).
pub fn last_warnings(snapshot: &Snapshot, n: usize) -> Vec<Warning> {
    let mut warnings: Vec<&Event> = snapshot.events.iter().filter(|e| is_warning(e)).collect();
    warnings.sort_by_key(|e| last_seen(e));
    let skip = warnings.len().saturating_sub(n);
    warnings
        .into_iter()
        .skip(skip)
        .map(|e| {
            let object = &e.involved_object;
            Warning {
                object: format!(
                    "{}/{}",
                    object.kind.as_deref().unwrap_or_default().to_lowercase(),
                    object.name.as_deref().unwrap_or_default()
                ),
                reason: e.reason.clone().unwrap_or_default(),
                message: e.message.clone().unwrap_or_default(),
                count: e
                    .series
                    .as_ref()
                    .and_then(|s| s.count)
                    .or(e.count)
                    .unwrap_or(1),
                last_seen: last_seen(e),
            }
        })
        .collect()
}

/// Writes one block per workload that is not ready: what it is, why, the evidence and a
/// hint. Ready workloads write nothing. Cluster text is escaped (it may hold terminal
/// control characters), so this is safe to print on a terminal.
pub fn render_diagnosis(
    out: &mut impl Write,
    namespace: &str,
    workloads: &[WorkloadHealth],
) -> io::Result<()> {
    for workload in workloads.iter().filter(|w| !w.is_ready()) {
        writeln!(
            out,
            "{} is not ready ({} ready, {}):",
            workload.workload,
            workload.ready_text(),
            workload.state
        )?;
        if workload.reasons.is_empty() {
            writeln!(out, "  no problem found: the rollout is still in progress")?;
        }
        let mut hints: Vec<String> = Vec::new();
        for reason in &workload.reasons {
            writeln!(
                out,
                "  {}: {}",
                reason.label(),
                output::escape_terminal(&reason.summary())
            )?;
            for line in reason.evidence() {
                writeln!(out, "    {}", output::escape_terminal(&line))?;
            }
            let hint = reason.hint(namespace, &workload.workload);
            if !hints.contains(&hint) {
                hints.push(hint);
            }
        }
        for hint in hints {
            writeln!(out, "  hint: {}", output::escape_terminal(&hint))?;
        }
    }
    Ok(())
}

/// A table of workloads: NAME, READY, STATUS, RESTARTS, IMAGES, REASON.
pub fn workloads_table(workloads: &[WorkloadHealth]) -> Table {
    let mut table = Table::new(["name", "ready", "status", "restarts", "images", "reason"]);
    for w in workloads {
        let tone = match w.state {
            State::Ready => Tone::Good,
            State::Progressing => Tone::Plain,
            State::Waiting => Tone::Warn,
            State::Failed => Tone::Bad,
        };
        table.row([
            Cell::new(w.workload.to_string()),
            Cell::new(w.ready_text()),
            Cell::toned(w.headline(), tone),
            Cell::new(w.restarts.to_string()),
            Cell::new(w.images.join(",")),
            Cell::new(w.why().unwrap_or_default()),
        ]);
    }
    table
}

/// A table of warnings like `kubectl get events`: LAST SEEN, REASON, OBJECT, MESSAGE.
pub fn warnings_table(warnings: &[Warning], now: jiff::Timestamp) -> Table {
    let mut table = Table::new(["last seen", "reason", "object", "message"]);
    for w in warnings {
        table.row([
            output::age(w.last_seen, now),
            w.reason.clone(),
            w.object.clone(),
            w.message.clone(),
        ]);
    }
    table
}

/// `pod web-1`, `pods web-1, web-2`, `pods web-1, web-2, web-3 and 2 more`.
fn pod_list(pods: &[String]) -> String {
    let shown: Vec<&str> = pods.iter().take(PODS_SHOWN).map(String::as_str).collect();
    let more = pods.len().saturating_sub(PODS_SHOWN);
    let noun = if pods.len() == 1 { "pod" } else { "pods" };
    if more > 0 {
        format!("{noun} {} and {more} more", shown.join(", "))
    } else {
        format!("{noun} {}", shown.join(", "))
    }
}

fn plural(n: i32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::{json, Value};

    fn typed<T: DeserializeOwned>(value: Value) -> T {
        serde_json::from_value(value).unwrap()
    }

    /// Test objects' uids are `Kind/name`, so owner references can name them.
    fn meta(kind: &str, name: &str, extra: Value) -> Value {
        let mut meta = json!({"name": name, "namespace": "qa-x", "uid": format!("{kind}/{name}"), "generation": 1});
        if let (Some(m), Some(e)) = (meta.as_object_mut(), extra.as_object()) {
            m.extend(e.clone());
        }
        meta
    }

    fn owner(kind: &str, name: &str) -> Value {
        json!([{"apiVersion": "apps/v1", "kind": kind, "name": name,
                "uid": format!("{kind}/{name}"), "controller": true}])
    }

    fn template(images: &[&str]) -> Value {
        let containers: Vec<Value> = images
            .iter()
            .enumerate()
            .map(|(i, image)| json!({"name": if i == 0 { "app".to_string() } else { format!("c{i}") }, "image": image}))
            .collect();
        json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": containers}})
    }

    fn deployment(name: &str, replicas: i32, status: Value) -> Deployment {
        typed(json!({
            "metadata": meta("Deployment", name, json!({"annotations": {REVISION: "2"}})),
            "spec": {"replicas": replicas, "selector": {}, "template": template(&["web:2"])},
            "status": status,
        }))
    }

    /// A Deployment status in the middle of a rollout: observed, nothing available.
    fn rolling(updated: i32, replicas: i32, available: i32) -> Value {
        json!({"observedGeneration": 1, "replicas": replicas, "updatedReplicas": updated,
               "readyReplicas": available, "availableReplicas": available})
    }

    fn replica_set(
        name: &str,
        deployment: &str,
        revision: &str,
        replicas: i32,
        status: Value,
    ) -> ReplicaSet {
        typed(json!({
            "metadata": meta("ReplicaSet", name, json!({
                "annotations": {REVISION: revision}, "ownerReferences": owner("Deployment", deployment)})),
            "spec": {"replicas": replicas, "selector": {}},
            "status": status,
        }))
    }

    fn pod(name: &str, owner_kind: &str, owner_name: &str, status: Value) -> Pod {
        typed(json!({
            "metadata": meta("Pod", name, json!({"ownerReferences": owner(owner_kind, owner_name)})),
            "spec": {"containers": [{"name": "app", "image": "web:2"}], "nodeName": "node-1"},
            "status": status,
        }))
    }

    fn container(name: &str, ready: bool, restarts: i32, state: Value, last: Value) -> Value {
        json!({"name": name, "image": "docker.io/library/web:2", "imageID": "", "ready": ready,
               "restartCount": restarts, "state": state, "lastState": last})
    }

    fn ready_pod_status() -> Value {
        json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
               "containerStatuses": [container("app", true, 0, json!({"running": {}}), json!({}))]})
    }

    fn waiting_status(reason: &str, message: &str) -> Value {
        json!({"phase": "Pending", "conditions": [{"type": "Ready", "status": "False"}],
               "containerStatuses": [container("app", false, 0,
                   json!({"waiting": {"reason": reason, "message": message}}), json!({}))]})
    }

    fn crash_status(restarts: i32, termination: &str) -> Value {
        json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
               "containerStatuses": [container("app", false, restarts,
                   json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}}),
                   json!({"terminated": {"exitCode": 137, "reason": termination}}))]})
    }

    fn event(kind: &str, name: &str, reason: &str, message: &str, at: &str) -> Event {
        typed(json!({
            "metadata": {"name": format!("{name}.{reason}.{at}"), "namespace": "qa-x"},
            "involvedObject": {"kind": kind, "name": name, "uid": format!("{kind}/{name}")},
            "type": "Warning", "reason": reason, "message": message, "count": 2,
            "lastTimestamp": format!("2025-01-01T00:00:{at}Z"),
        }))
    }

    /// A Deployment `web` rolling out revision 2 (ReplicaSet `web-new`) over revision 1
    /// (`web-old`), with these pods of the new revision.
    fn rollout_with(new_pods: Vec<Pod>) -> Snapshot {
        let mut pods = new_pods;
        pods.push(pod(
            "web-old-a",
            "ReplicaSet",
            "web-old",
            crash_status(9, "Error"),
        ));
        Snapshot {
            deployments: vec![deployment("web", 2, rolling(2, 3, 0))],
            replica_sets: vec![
                replica_set("web-old", "web", "1", 1, json!({"replicas": 1})),
                replica_set("web-new", "web", "2", 2, json!({"replicas": 2})),
            ],
            pods,
            ..Snapshot::default()
        }
    }

    fn only(snapshot: &Snapshot) -> WorkloadHealth {
        let mut all = assess(snapshot);
        assert_eq!(all.len(), 1, "{all:#?}");
        all.remove(0)
    }

    #[test]
    fn deployment_readiness_follows_rollout_status() {
        let cases = [
            (
                "complete",
                2,
                json!({"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2}),
                true,
            ),
            (
                "spec not observed",
                2,
                json!({"observedGeneration": 0, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}),
                false,
            ),
            ("new replicas not updated", 2, rolling(1, 2, 1), false),
            (
                "old replicas pending termination",
                2,
                json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 2}),
                false,
            ),
            ("updated not available", 2, rolling(2, 2, 1), false),
            ("scaled to zero", 0, json!({"observedGeneration": 1}), true),
            ("no status yet", 1, json!(null), false),
        ];
        for (case, replicas, status, ready) in cases {
            let snapshot = Snapshot {
                deployments: vec![deployment("web", replicas, status)],
                ..Snapshot::default()
            };
            let health = only(&snapshot);
            assert_eq!(health.is_ready(), ready, "{case}: {health:#?}");
            let expected = if ready {
                State::Ready
            } else {
                State::Progressing
            };
            assert_eq!(health.state, expected, "{case}");
        }
    }

    #[test]
    fn counts_images_and_restarts() {
        let mut snapshot = rollout_with(vec![pod(
            "web-new-a",
            "ReplicaSet",
            "web-new",
            crash_status(3, "Error"),
        )]);
        snapshot.deployments[0] = typed(json!({
            "metadata": meta("Deployment", "web", json!({"annotations": {REVISION: "2"}})),
            "spec": {"selector": {}, "template": {"spec": {
                "initContainers": [{"name": "init", "image": "busybox"}],
                "containers": [{"name": "app", "image": "web:2"}, {"name": "side", "image": "busybox"}]}}},
            "status": rolling(1, 2, 0),
        }));
        let health = only(&snapshot);
        assert_eq!(health.desired, 1, "spec.replicas defaults to 1");
        assert_eq!((health.ready, health.updated, health.available), (0, 1, 0));
        assert_eq!(
            health.images,
            vec!["busybox".to_string(), "web:2".to_string()]
        );
        assert_eq!(health.restarts, 12, "old and new pods count");
    }

    #[test]
    fn only_the_current_replica_sets_pods_give_reasons() {
        let snapshot = rollout_with(vec![pod(
            "web-new-a",
            "ReplicaSet",
            "web-new",
            waiting_status("ContainerCreating", ""),
        )]);
        let health = only(&snapshot);
        assert_eq!(health.state, State::Progressing);
        assert_eq!(
            health.headline(),
            "Progressing",
            "starting pods are not news"
        );
        assert_eq!(
            health.reasons,
            vec![Reason::PodNotReady {
                pods: vec!["web-new-a".into()],
                phase: "Pending".into(),
                detail: Some("ContainerCreating".into()),
            }],
            "the old ReplicaSet's crash loop is being replaced, not a reason"
        );
    }

    #[test]
    fn current_replica_set_falls_back_to_the_highest_revision() {
        let mut snapshot = rollout_with(vec![pod(
            "web-new-a",
            "ReplicaSet",
            "web-new",
            crash_status(2, "Error"),
        )]);
        snapshot.deployments[0].metadata.annotations = None;
        let health = only(&snapshot);
        assert!(
            matches!(&health.reasons[..], [Reason::CrashLoop { pods, .. }] if pods == &["web-new-a"]),
            "{health:#?}"
        );
    }

    #[test]
    fn image_pull_failures_name_container_image_and_message_once_for_all_pods() {
        let message = "Back-off pulling image \"web:2\": not found";
        let snapshot = rollout_with(vec![
            pod(
                "web-new-b",
                "ReplicaSet",
                "web-new",
                waiting_status("ImagePullBackOff", message),
            ),
            pod(
                "web-new-a",
                "ReplicaSet",
                "web-new",
                waiting_status("ErrImagePull", "rpc error"),
            ),
        ]);
        let health = only(&snapshot);
        assert_eq!(health.state, State::Failed);
        assert_eq!(health.headline(), "ImagePullBackOff");
        assert_eq!(
            health.reasons,
            vec![Reason::ImagePull {
                pods: vec!["web-new-a".into(), "web-new-b".into()],
                container: "app".into(),
                image: "web:2".into(),
                status: "ErrImagePull".into(),
                message: "rpc error".into(),
            }]
        );
        assert_eq!(
            health.why().unwrap_or_default(),
            "container app cannot pull image \"web:2\" (ErrImagePull) in pods web-new-a, web-new-b"
        );
    }

    #[test]
    fn invalid_image_names_of_init_containers_count_as_pull_failures() {
        let mut status = waiting_status("PodInitializing", "");
        status["initContainerStatuses"] = json!([container(
            "init",
            false,
            0,
            json!({"waiting": {"reason": "InvalidImageName", "message": "couldn't parse image name"}}),
            json!({})
        )]);
        let snapshot = rollout_with(vec![pod("web-new-a", "ReplicaSet", "web-new", status)]);
        let health = only(&snapshot);
        assert!(
            matches!(&health.reasons[..], [Reason::ImagePull { container, status, image, .. }]
            if container == "init" && status == "InvalidImageName" && image == "docker.io/library/web:2"),
            "no spec container named init: the status's image: {health:#?}"
        );
    }

    #[test]
    fn crash_loops_carry_restarts_and_the_last_termination() {
        let snapshot = rollout_with(vec![pod(
            "web-new-a",
            "ReplicaSet",
            "web-new",
            crash_status(4, "OOMKilled"),
        )]);
        let health = only(&snapshot);
        assert_eq!(health.state, State::Failed);
        let reason = &health.reasons[0];
        assert_eq!(
            reason,
            &Reason::CrashLoop {
                pods: vec!["web-new-a".into()],
                container: "app".into(),
                restarts: 4,
                exit_code: Some(137),
                termination: Some("OOMKilled".into()),
                message: None,
                logs: Vec::new(),
            }
        );
        assert_eq!(reason.summary(), "container app keeps crashing in pod web-new-a: 4 restarts, last exit code 137 (OOMKilled)");
        assert!(reason
            .hint("qa-x", &health.workload)
            .contains("raise its memory limit"));
    }

    #[test]
    fn a_restarted_container_running_again_after_a_failure_is_still_crash_looping() {
        let status = json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [container("app", false, 1, json!({"running": {}}),
                json!({"terminated": {"exitCode": 1, "reason": "Error", "message": "config missing\n"}}))]});
        let snapshot = rollout_with(vec![pod("web-new-a", "ReplicaSet", "web-new", status)]);
        let health = only(&snapshot);
        assert!(
            matches!(&health.reasons[..], [Reason::CrashLoop { restarts: 1, message: Some(m), .. }] if m == "config missing\n"),
            "{health:#?}"
        );
        assert_eq!(
            health.reasons[0].evidence(),
            vec!["config missing".to_string()]
        );
        let hint = health.reasons[0].hint("qa-x", &health.workload);
        assert_eq!(hint, "fix the crash the log shows; `kubectl logs -n qa-x web-new-a -c app --previous` shows the whole previous run");
    }

    #[test]
    fn a_completed_init_container_that_once_failed_is_not_a_crash_loop() {
        let mut status = ready_pod_status();
        status["conditions"] = json!([{"type": "Ready", "status": "False"}]);
        status["initContainerStatuses"] = json!([container(
            "init",
            false,
            2,
            json!({"terminated": {"exitCode": 0, "reason": "Completed"}}),
            json!({"terminated": {"exitCode": 1, "reason": "Error"}})
        )]);
        let snapshot = rollout_with(vec![pod("web-new-a", "ReplicaSet", "web-new", status)]);
        assert!(matches!(
            &only(&snapshot).reasons[..],
            [Reason::PodNotReady { .. }]
        ));
    }

    fn unscheduled_pod(name: &str, condition: Option<&str>) -> Pod {
        let mut status = json!({"phase": "Pending"});
        if let Some(message) = condition {
            status["conditions"] = json!([{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}]);
        }
        let mut pod = pod(name, "ReplicaSet", "web-new", status);
        if let Some(spec) = pod.spec.as_mut() {
            spec.node_name = None;
        }
        pod
    }

    #[test]
    fn unschedulable_pods_carry_the_schedulers_message() {
        let message = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
        let snapshot = rollout_with(vec![
            unscheduled_pod("web-new-a", Some(message)),
            unscheduled_pod("web-new-b", Some(message)),
        ]);
        let health = only(&snapshot);
        assert_eq!(health.state, State::Waiting);
        assert_eq!(
            health.reasons,
            vec![Reason::Unschedulable {
                pods: vec!["web-new-a".into(), "web-new-b".into()],
                message: message.into()
            }]
        );
        assert!(health.reasons[0]
            .hint("qa-x", &health.workload)
            .contains("`kubectl qaenv doctor` shows free capacity"));
    }

    #[test]
    fn failed_scheduling_events_explain_pods_without_a_condition() {
        let mut snapshot = rollout_with(vec![unscheduled_pod("web-new-a", None)]);
        snapshot.events = vec![
            event(
                "Pod",
                "web-new-a",
                "FailedScheduling",
                "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
                "05",
            ),
            event("Pod", "web-new-a", "FailedScheduling", "older", "01"),
        ];
        let health = only(&snapshot);
        let [Reason::Unschedulable { message, .. }] = &health.reasons[..] else {
            panic!("{health:#?}")
        };
        assert!(
            message.contains("didn't match"),
            "the latest event: {message}"
        );
        assert!(health.reasons[0]
            .hint("qa-x", &health.workload)
            .contains("nodeSelector"));
    }

    #[test]
    fn a_failed_scheduling_event_of_a_scheduled_pod_is_history() {
        let mut snapshot = rollout_with(vec![pod(
            "web-new-a",
            "ReplicaSet",
            "web-new",
            waiting_status("ContainerCreating", ""),
        )]);
        snapshot.events = vec![event(
            "Pod",
            "web-new-a",
            "FailedScheduling",
            "0/3 nodes",
            "05",
        )];
        assert!(matches!(
            &only(&snapshot).reasons[..],
            [Reason::PodNotReady { .. }]
        ));
    }

    #[test]
    fn quota_rejections_come_from_the_replica_failure_condition() {
        let message = "pods \"web-new-x\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1";
        let mut snapshot = rollout_with(vec![pod(
            "web-new-a",
            "ReplicaSet",
            "web-new",
            ready_pod_status(),
        )]);
        snapshot.replica_sets[1] = replica_set(
            "web-new",
            "web",
            "2",
            2,
            json!({"replicas": 1,
            "conditions": [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": message}]}),
        );
        let health = only(&snapshot);
        assert_eq!(health.state, State::Waiting);
        assert_eq!(
            health.reasons,
            vec![Reason::QuotaExceeded {
                object: "replicaset/web-new".into(),
                message: message.into()
            }]
        );
        assert!(health.reasons[0]
            .hint("qa-x", &health.workload)
            .contains("kubectl describe resourcequota -n qa-x"));
    }

    #[test]
    fn failed_create_events_count_only_while_pods_are_missing() {
        let quota = "Error creating: pods \"web-new-x\" is forbidden: failed quota: compute: must specify requests.memory for: app";
        let other = "Error creating: pods \"web-new-x\" is forbidden: maximum cpu usage per Container is 1, but limit is 2";
        for (message, lacking, expected) in [
            (quota, true, Some("QuotaExceeded")),
            (other, true, Some("FailedCreate")),
            (quota, false, None),
        ] {
            let mut snapshot = rollout_with(Vec::new());
            let replicas = if lacking { 0 } else { 2 };
            snapshot.replica_sets[1] =
                replica_set("web-new", "web", "2", 2, json!({"replicas": replicas}));
            snapshot.events = vec![event(
                "ReplicaSet",
                "web-new",
                "FailedCreate",
                message,
                "03",
            )];
            let health = only(&snapshot);
            assert_eq!(
                health.reasons.first().map(Reason::label),
                expected,
                "{message}: {health:#?}"
            );
            if let Some(
                Reason::QuotaExceeded { message, .. } | Reason::FailedCreate { message, .. },
            ) = health.reasons.first()
            {
                assert!(
                    message.starts_with("pods \"web-new-x\" is forbidden"),
                    "prefix stripped: {message}"
                );
            }
        }
    }

    #[test]
    fn an_exceeded_progress_deadline_fails_the_workload_for_good() {
        let mut status = rolling(2, 2, 0);
        status["conditions"] = json!([{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
            "message": "ReplicaSet \"web-new\" has timed out progressing."}]);
        let mut snapshot = rollout_with(vec![pod(
            "web-new-a",
            "ReplicaSet",
            "web-new",
            crash_status(5, "Error"),
        )]);
        snapshot.deployments[0] = deployment("web", 2, status);
        let health = only(&snapshot);
        assert_eq!(health.state, State::Failed);
        assert!(health.is_terminal());
        let labels: Vec<&str> = health.reasons.iter().map(Reason::label).collect();
        assert_eq!(
            labels,
            ["CrashLoopBackOff", "ProgressDeadlineExceeded"],
            "root cause first"
        );
    }

    #[test]
    fn a_complete_rollout_with_an_old_deadline_condition_is_not_ready() {
        // kubectl rollout status fails on the condition whatever the counts say.
        let mut status = json!({"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2});
        status["conditions"] = json!([{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]);
        let snapshot = Snapshot {
            deployments: vec![deployment("web", 2, status)],
            ..Snapshot::default()
        };
        assert_eq!(only(&snapshot).state, State::Failed);
    }

    #[test]
    fn a_deadline_of_the_previous_spec_does_not_fail_a_new_rollout() {
        let mut status = rolling(2, 2, 0);
        status["observedGeneration"] = json!(0);
        status["conditions"] = json!([{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]);
        let snapshot = Snapshot {
            deployments: vec![deployment("web", 2, status)],
            ..Snapshot::default()
        };
        let health = only(&snapshot);
        assert_eq!(
            (health.state, health.is_terminal()),
            (State::Progressing, false)
        );
    }

    #[test]
    fn not_ready_pods_say_what_they_wait_for() {
        let config = waiting_status("CreateContainerConfigError", "secret \"db\" not found");
        let mut probing = ready_pod_status();
        probing["conditions"] = json!([{"type": "Ready", "status": "False"}]);
        probing["containerStatuses"][0]["ready"] = json!(false);
        let mut snapshot = rollout_with(vec![
            pod("web-new-a", "ReplicaSet", "web-new", config),
            pod("web-new-b", "ReplicaSet", "web-new", probing),
        ]);
        snapshot.events = vec![event(
            "Pod",
            "web-new-b",
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
            "09",
        )];
        let health = only(&snapshot);
        assert_eq!(health.state, State::Progressing);
        let details: Vec<Option<String>> = health
            .reasons
            .iter()
            .map(|r| match r {
                Reason::PodNotReady { detail, .. } => detail.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(
            details,
            vec![
                Some("CreateContainerConfigError: secret \"db\" not found".to_string()),
                Some("Readiness probe failed: HTTP probe failed with statuscode: 503".to_string()),
            ]
        );
    }

    #[test]
    fn events_about_a_recreated_object_of_the_same_name_are_ignored() {
        let mut snapshot = rollout_with(vec![unscheduled_pod("web-new-a", None)]);
        let mut stale = event(
            "Pod",
            "web-new-a",
            "FailedScheduling",
            "old pod's problem",
            "05",
        );
        stale.involved_object.uid = Some("another-uid".into());
        snapshot.events = vec![stale];
        assert!(matches!(
            &only(&snapshot).reasons[..],
            [Reason::PodNotReady { detail: None, .. }]
        ));
    }

    #[test]
    fn paused_deployments_wait() {
        let mut snapshot = rollout_with(Vec::new());
        if let Some(spec) = snapshot.deployments[0].spec.as_mut() {
            spec.paused = Some(true);
        }
        let health = only(&snapshot);
        assert_eq!(
            (health.state, health.reasons.clone()),
            (State::Waiting, vec![Reason::Paused])
        );
        assert_eq!(
            health.reasons[0].hint("qa-x", &health.workload),
            "resume it with `kubectl rollout resume deployment/web -n qa-x`"
        );
    }

    fn stateful_set(strategy: Value, status: Value) -> StatefulSet {
        typed(json!({
            "metadata": meta("StatefulSet", "db", json!({"generation": 2})),
            "spec": {"replicas": 3, "selector": {}, "serviceName": "db", "template": template(&["postgres:17"]),
                     "updateStrategy": strategy},
            "status": status,
        }))
    }

    #[test]
    fn stateful_set_readiness_follows_rollout_status() {
        let rolling = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}});
        let partitioned = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}});
        let plain = json!({"type": "RollingUpdate"});
        let status = |observed: i64, ready: i32, updated: i32, current: &str| {
            json!({"observedGeneration": observed, "replicas": 3,
            "readyReplicas": ready, "updatedReplicas": updated, "currentRevision": current, "updateRevision": "db-2"})
        };
        let cases = [
            ("complete", rolling.clone(), status(2, 3, 3, "db-2"), true),
            (
                "not observed",
                rolling.clone(),
                status(1, 3, 3, "db-2"),
                false,
            ),
            (
                "never observed",
                rolling.clone(),
                json!({"replicas": 0}),
                false,
            ),
            (
                "pods not ready",
                rolling.clone(),
                status(2, 2, 3, "db-2"),
                false,
            ),
            (
                "partition not rolled",
                rolling,
                status(2, 3, 2, "db-1"),
                false,
            ),
            (
                "partition rolled",
                partitioned,
                status(2, 3, 1, "db-1"),
                true,
            ),
            (
                "revision pending",
                plain.clone(),
                status(2, 3, 3, "db-1"),
                false,
            ),
            ("revision done", plain, status(2, 3, 3, "db-2"), true),
            (
                "on delete",
                json!({"type": "OnDelete"}),
                status(2, 3, 0, "db-1"),
                true,
            ),
        ];
        for (case, strategy, status, ready) in cases {
            let snapshot = Snapshot {
                stateful_sets: vec![stateful_set(strategy, status)],
                ..Snapshot::default()
            };
            assert_eq!(only(&snapshot).is_ready(), ready, "{case}");
        }
    }

    #[test]
    fn stateful_set_reasons_come_from_pods_of_the_update_revision() {
        let status = json!({"observedGeneration": 2, "replicas": 3, "readyReplicas": 1, "updatedReplicas": 1,
            "currentRevision": "db-1", "updateRevision": "db-2"});
        let mut old = pod("db-2", "StatefulSet", "db", crash_status(7, "Error"));
        old.metadata.labels = Some([(REVISION_HASH.to_string(), "db-1".to_string())].into());
        let mut new = pod(
            "db-1",
            "StatefulSet",
            "db",
            waiting_status("ImagePullBackOff", "not found"),
        );
        new.metadata.labels = Some([(REVISION_HASH.to_string(), "db-2".to_string())].into());
        let snapshot = Snapshot {
            stateful_sets: vec![stateful_set(json!({"type": "RollingUpdate"}), status)],
            pods: vec![old, new],
            ..Snapshot::default()
        };
        let health = only(&snapshot);
        assert_eq!(health.workload.to_string(), "statefulset/db");
        assert!(
            matches!(&health.reasons[..], [Reason::ImagePull { pods, .. }] if pods == &["db-1"]),
            "{health:#?}"
        );
        assert_eq!(health.restarts, 7);
    }

    #[test]
    fn stateful_set_creation_failures_come_from_its_events() {
        let status = json!({"observedGeneration": 2, "replicas": 1, "updateRevision": "db-2"});
        let mut snapshot = Snapshot {
            stateful_sets: vec![stateful_set(json!({"type": "RollingUpdate"}), status)],
            ..Snapshot::default()
        };
        snapshot.events = vec![event("StatefulSet", "db", "FailedCreate",
            "create Pod db-1 in StatefulSet db failed error: pods \"db-1\" is forbidden: exceeded quota: q", "02")];
        let health = only(&snapshot);
        assert!(
            matches!(&health.reasons[..], [Reason::QuotaExceeded { object, .. }] if object == "statefulset/db"),
            "{health:#?}"
        );
    }

    fn daemon_set(status: Value) -> DaemonSet {
        typed(json!({
            "metadata": meta("DaemonSet", "agent", json!({})),
            "spec": {"selector": {}, "template": template(&["fluent-bit"])},
            "status": status,
        }))
    }

    #[test]
    fn daemon_set_readiness_follows_rollout_status() {
        let status = |observed: i64, scheduled: i32, updated: i32, available: i32| {
            json!({"observedGeneration": observed,
            "currentNumberScheduled": scheduled, "desiredNumberScheduled": 3, "numberMisscheduled": 0, "numberReady": available,
            "updatedNumberScheduled": updated, "numberAvailable": available})
        };
        for (case, status, ready) in [
            ("complete", status(1, 3, 3, 3), true),
            ("not observed", status(0, 3, 3, 3), false),
            ("not updated", status(1, 3, 2, 3), false),
            ("not available", status(1, 3, 3, 2), false),
        ] {
            let snapshot = Snapshot {
                daemon_sets: vec![daemon_set(status)],
                ..Snapshot::default()
            };
            let health = only(&snapshot);
            assert_eq!(health.is_ready(), ready, "{case}");
            assert_eq!(health.desired, 3);
        }
        let mut snapshot = Snapshot {
            daemon_sets: vec![daemon_set(status(1, 2, 2, 2))],
            ..Snapshot::default()
        };
        snapshot.events = vec![event(
            "DaemonSet",
            "agent",
            "FailedCreate",
            "Error creating: admission webhook denied",
            "01",
        )];
        assert!(
            matches!(&only(&snapshot).reasons[..], [Reason::FailedCreate { object, .. }] if object == "daemonset/agent")
        );
    }

    fn job(spec: Value, status: Value) -> Job {
        let mut full = json!({"template": template(&["migrate:1"])});
        if let (Some(f), Some(s)) = (full.as_object_mut(), spec.as_object()) {
            f.extend(s.clone());
        }
        typed(
            json!({"metadata": meta("Job", "migrate", json!({})), "spec": full, "status": status}),
        )
    }

    #[test]
    fn jobs_are_ready_when_complete_and_fail_for_good() {
        let complete = job(
            json!({"completions": 2}),
            json!({"succeeded": 2, "conditions": [{"type": "Complete", "status": "True"}]}),
        );
        let health = only(&Snapshot {
            jobs: vec![complete],
            ..Snapshot::default()
        });
        assert_eq!(
            (health.state, health.ready_text()),
            (State::Ready, "2/2".to_string())
        );

        let failed = job(
            json!({}),
            json!({"failed": 1, "conditions": [{"type": "Failed", "status": "True",
            "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}),
        );
        let health = only(&Snapshot {
            jobs: vec![failed],
            ..Snapshot::default()
        });
        assert_eq!(health.state, State::Failed);
        assert!(health.is_terminal());
        assert_eq!(
            health.reasons,
            vec![Reason::JobFailed {
                cause: "BackoffLimitExceeded".into(),
                message: "Job has reached the specified backoff limit".into()
            }]
        );

        let suspended = job(json!({"suspend": true}), json!({}));
        let health = only(&Snapshot {
            jobs: vec![suspended],
            ..Snapshot::default()
        });
        assert_eq!(
            (health.state, health.reasons.clone()),
            (State::Waiting, vec![Reason::Suspended])
        );
        assert!(!health.is_terminal());
    }

    #[test]
    fn running_jobs_show_their_pods_problems() {
        let running = job(json!({}), json!({"active": 1}));
        let mut crashing = pod("migrate-x", "Job", "migrate", crash_status(2, "Error"));
        crashing.metadata.owner_references = Some(typed(
            json!([{"apiVersion": "batch/v1", "kind": "Job", "name": "migrate",
            "uid": "Job/migrate", "controller": true}]),
        ));
        let done = pod("migrate-old", "Job", "migrate", json!({"phase": "Failed"}));
        let snapshot = Snapshot {
            jobs: vec![running],
            pods: vec![crashing, done],
            ..Snapshot::default()
        };
        let health = only(&snapshot);
        assert!(
            matches!(&health.reasons[..], [Reason::CrashLoop { pods, .. }] if pods == &["migrate-x"]),
            "{health:#?}"
        );
    }

    #[test]
    fn targets_keep_their_order_and_missing_ones_are_not_found() {
        let snapshot = Snapshot {
            deployments: vec![
                deployment("web", 0, json!({})),
                deployment("api", 0, json!({})),
            ],
            jobs: vec![job(json!({}), json!({}))],
            ..Snapshot::default()
        };
        let names = |all: Vec<WorkloadHealth>| {
            all.iter()
                .map(|h| h.workload.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(assess(&snapshot)),
            ["deployment/api", "deployment/web", "job/migrate"]
        );
        assert_eq!(
            names(assess_targets(&snapshot, &[])),
            ["deployment/api", "deployment/web", "job/migrate"]
        );
        let targets = [
            WorkloadRef::new(WorkloadKind::Job, "migrate"),
            WorkloadRef::new(WorkloadKind::StatefulSet, "web"),
            WorkloadRef::new(WorkloadKind::Deployment, "web"),
        ];
        let health = assess_targets(&snapshot, &targets);
        assert_eq!(
            names(health.clone()),
            ["job/migrate", "statefulset/web", "deployment/web"]
        );
        assert_eq!(
            (health[1].state, health[1].reasons.clone()),
            (State::Waiting, vec![Reason::NotFound])
        );
    }

    #[test]
    fn kinds_parse_and_display_like_kubectl() {
        assert_eq!(
            WorkloadKind::from_kind("StatefulSet"),
            Some(WorkloadKind::StatefulSet)
        );
        assert_eq!(WorkloadKind::from_kind("ReplicaSet"), None);
        assert_eq!(
            WorkloadKind::from_kind("deployment"),
            None,
            "kind fields are case-sensitive"
        );
        assert_eq!(
            WorkloadRef::new(WorkloadKind::DaemonSet, "agent").to_string(),
            "daemonset/agent"
        );
    }

    #[test]
    fn empty_objects_do_not_panic() {
        let snapshot = Snapshot {
            deployments: vec![Deployment::default()],
            stateful_sets: vec![StatefulSet::default()],
            daemon_sets: vec![DaemonSet::default()],
            jobs: vec![Job::default()],
            replica_sets: vec![ReplicaSet::default()],
            pods: vec![Pod::default()],
            events: vec![Event::default()],
        };
        let all = assess(&snapshot);
        assert_eq!(all.len(), 4);
        assert!(all
            .iter()
            .all(|h| !h.is_ready() || h.workload.kind == WorkloadKind::Deployment));
        let mut out = Vec::new();
        render_diagnosis(&mut out, "", &all).unwrap();
        assert_eq!(
            last_warnings(&snapshot, 3),
            Vec::new(),
            "an event without a type is no warning"
        );
    }

    #[test]
    fn last_warnings_are_the_latest_oldest_first() {
        let mut normal = event("Pod", "a", "Pulled", "pulled", "08");
        normal.type_ = Some("Normal".into());
        let mut series = event(
            "Pod",
            "b",
            "BackOff",
            "Back-off restarting failed container",
            "02",
        );
        series.series = Some(typed(
            json!({"count": 12, "lastObservedTime": "2025-01-01T00:00:09.500000Z"}),
        ));
        let snapshot = Snapshot {
            events: vec![
                event("Pod", "a", "FailedScheduling", "no", "01"),
                series,
                normal,
                event("ReplicaSet", "web-new", "FailedCreate", "quota", "05"),
            ],
            ..Snapshot::default()
        };
        let warnings = last_warnings(&snapshot, 2);
        let summary: Vec<(String, String, i32)> = warnings
            .iter()
            .map(|w| (w.object.clone(), w.reason.clone(), w.count))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "replicaset/web-new".to_string(),
                    "FailedCreate".to_string(),
                    2
                ),
                ("pod/b".to_string(), "BackOff".to_string(), 12),
            ]
        );
        assert_eq!(last_warnings(&snapshot, 10).len(), 3);
    }

    fn render(workloads: &[WorkloadHealth]) -> String {
        let mut out = Vec::new();
        render_diagnosis(&mut out, "qa-x", workloads).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn diagnosis_reads_as_blocks_with_evidence_and_hints() {
        let mut crashing = rollout_with(vec![
            pod(
                "web-new-a",
                "ReplicaSet",
                "web-new",
                crash_status(4, "Error"),
            ),
            pod(
                "web-new-b",
                "ReplicaSet",
                "web-new",
                crash_status(2, "Error"),
            ),
        ]);
        crashing
            .deployments
            .push(deployment("ok", 0, json!({"observedGeneration": 1})));
        let mut health = assess(&crashing);
        if let Some(Reason::CrashLoop { logs, .. }) =
            health.get_mut(1).and_then(|h| h.reasons.get_mut(0))
        {
            *logs = vec!["loading config".into(), "panic: \x1b[31mboom".into()];
        }
        let unschedulable = rollout_with(vec![unscheduled_pod(
            "web-new-a",
            Some("0/3 nodes are available: 3 Insufficient cpu."),
        )]);
        health.extend(assess(&unschedulable));
        insta::assert_snapshot!(render(&health), @r"
        deployment/web is not ready (0/2 ready, Failed):
          CrashLoopBackOff: container app keeps crashing in pods web-new-a, web-new-b: 4 restarts, last exit code 137 (Error)
            last log lines of the previous run:
            | loading config
            | panic: ^[[31mboom
          hint: fix the crash the log shows; `kubectl logs -n qa-x web-new-a -c app --previous` shows the whole previous run
        deployment/web is not ready (0/2 ready, Waiting):
          Unschedulable: pod web-new-a cannot be scheduled
            0/3 nodes are available: 3 Insufficient cpu.
          hint: lower the requests or add nodes (`kubectl qaenv doctor` shows free capacity)
        ");
    }

    #[test]
    fn diagnosis_of_a_rollout_without_problems_says_so() {
        let snapshot = Snapshot {
            deployments: vec![deployment("web", 2, json!({"observedGeneration": 0}))],
            ..Snapshot::default()
        };
        insta::assert_snapshot!(render(&assess(&snapshot)), @r"
        deployment/web is not ready (0/2 ready, Progressing):
          no problem found: the rollout is still in progress
        ");
    }

    #[test]
    fn every_reason_has_a_summary_and_a_hint() {
        let workload = WorkloadRef::new(WorkloadKind::Job, "migrate");
        let pods = vec![
            "p1".to_string(),
            "p2".into(),
            "p3".into(),
            "p4".into(),
            "p5".into(),
        ];
        let reasons = [
            Reason::ImagePull {
                pods: pods.clone(),
                container: "c".into(),
                image: "i".into(),
                status: "ErrImagePull".into(),
                message: "m".into(),
            },
            Reason::CrashLoop {
                pods: pods.clone(),
                container: "c".into(),
                restarts: 1,
                exit_code: None,
                termination: None,
                message: None,
                logs: Vec::new(),
            },
            Reason::Unschedulable {
                pods: pods.clone(),
                message: "m".into(),
            },
            Reason::QuotaExceeded {
                object: "job/migrate".into(),
                message: "m".into(),
            },
            Reason::FailedCreate {
                object: "job/migrate".into(),
                message: "m".into(),
            },
            Reason::ProgressDeadlineExceeded {
                message: "m".into(),
            },
            Reason::JobFailed {
                cause: "DeadlineExceeded".into(),
                message: String::new(),
            },
            Reason::PodNotReady {
                pods: pods.clone(),
                phase: "Running".into(),
                detail: None,
            },
            Reason::Paused,
            Reason::Suspended,
            Reason::NotFound,
        ];
        let lines: Vec<String> = reasons
            .iter()
            .map(|r| {
                format!(
                    "{}: {} | {}",
                    r.label(),
                    r.summary(),
                    r.hint("ns", &workload)
                )
            })
            .collect();
        insta::assert_snapshot!(lines.join("\n"), @r#"
        ImagePullBackOff: container c cannot pull image "i" (ErrImagePull) in pods p1, p2, p3 and 2 more | check the image name and tag, and that the namespace has the registry's pull secret (imagePullSecrets)
        CrashLoopBackOff: container c keeps crashing in pods p1, p2, p3 and 2 more: 1 restart | fix the crash the log shows; `kubectl logs -n ns p1 -c c --previous` shows the whole previous run
        Unschedulable: pods p1, p2, p3 and 2 more cannot be scheduled | lower the requests or add nodes (`kubectl qaenv doctor` shows free capacity)
        QuotaExceeded: a ResourceQuota keeps job/migrate from creating pods | raise the quota or lower the requests; `kubectl describe resourcequota -n ns` shows use and limits
        FailedCreate: job/migrate cannot create pods | `kubectl describe job/migrate -n ns` shows why the API server rejects the pods
        ProgressDeadlineExceeded: the rollout exceeded its progress deadline | `kubectl describe job/migrate -n ns` shows the rollout's events
        JobFailed: the job failed (DeadlineExceeded) | `kubectl logs -n ns job/migrate` shows the output of one of its pods
        PodNotReady: pods p1, p2, p3 and 2 more are not ready (Running) | `kubectl describe pod p1 -n ns` shows its conditions and events
        Paused: the rollout is paused | resume it with `kubectl rollout resume job/migrate -n ns`
        Suspended: the job is suspended | resume it with `kubectl patch job/migrate -n ns -p '{"spec":{"suspend":false}}'`
        NotFound: it does not exist | it was deleted, or never created; apply the environment again
        "#);
        assert!(reasons.iter().all(|r| r.evidence().len() <= 1));
    }

    #[test]
    fn json_is_camel_case_with_a_reason_tag() {
        let snapshot = rollout_with(vec![pod(
            "web-new-a",
            "ReplicaSet",
            "web-new",
            crash_status(4, "Error"),
        )]);
        let value = serde_json::to_value(assess(&snapshot)).unwrap();
        assert_eq!(value[0]["kind"], "Deployment");
        assert_eq!(value[0]["name"], "web");
        assert_eq!(value[0]["state"], "Failed");
        assert_eq!(value[0]["desired"], 2);
        let reason = &value[0]["reasons"][0];
        assert_eq!(reason["reason"], "CrashLoop");
        assert_eq!(reason["exitCode"], 137);
        assert_eq!(reason["pods"], json!(["web-new-a"]));
    }

    #[test]
    fn tables_for_status() {
        let mut snapshot = rollout_with(vec![pod(
            "web-new-a",
            "ReplicaSet",
            "web-new",
            crash_status(4, "Error"),
        )]);
        snapshot
            .deployments
            .push(deployment("ok", 0, json!({"observedGeneration": 1})));
        snapshot.events = vec![event(
            "Pod",
            "web-new-a",
            "BackOff",
            "Back-off restarting failed container",
            "30",
        )];
        let mut out = Vec::new();
        workloads_table(&assess(&snapshot))
            .render(&mut out, output::TableOptions::default())
            .unwrap();
        let now = jiff::Timestamp::from_second(1_735_689_690).unwrap();
        warnings_table(&last_warnings(&snapshot, 5), now)
            .render(&mut out, output::TableOptions::default())
            .unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r"
        NAME             READY   STATUS             RESTARTS   IMAGES   REASON
        deployment/ok    0/0     Ready              0          web:2
        deployment/web   0/2     CrashLoopBackOff   13         web:2    container app keeps crashing in pod web-new-a: 4 restarts, last exit code 137 (Error)
        LAST SEEN   REASON    OBJECT          MESSAGE
        60s         BackOff   pod/web-new-a   Back-off restarting failed container
        ");
    }
}
