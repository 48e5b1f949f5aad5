//! Which workload each pod belongs to, and what its containers ask for today.
//!
//! Suggestions are per workload and container, because that is what a patch changes: owner
//! references lead Pod -> ReplicaSet -> Deployment, Pod -> StatefulSet or DaemonSet, and
//! Pod -> Job -> CronJob. Current resources come from the workload's pod template (what a
//! patch would change and a rollout would apply), not from whichever pods happen to run.
//! Init containers and native sidecars (init containers with `restartPolicy: Always`) are
//! told apart because they sit in `initContainers` and count differently in a pod's total.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::api::{
    apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet},
    batch::v1::{CronJob, Job},
    core::v1::{Container, Pod, PodSpec, PodTemplateSpec, ResourceRequirements},
};
use k8s_openapi::apimachinery::pkg::{apis::meta::v1::ObjectMeta, util::intstr::IntOrString};
use k8s_quantity::Quantity;
use serde::Serialize;
use serde_json::Value;

/// A workload: `Deployment/web`, or a bare `Pod/debug`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct WorkloadId {
    pub kind: String,
    pub name: String,
}

impl WorkloadId {
    fn new(kind: &str, name: &str) -> WorkloadId {
        WorkloadId {
            kind: kind.to_string(),
            name: name.to_string(),
        }
    }

    /// Whether `--workload PATTERN` selects it: the name, or `kind/name` with kubectl's kind
    /// spellings (`deployment/web`, `deploy/web`, `sts/db`).
    pub fn matches(&self, pattern: &str) -> bool {
        match pattern.split_once('/') {
            None => pattern == self.name,
            Some((kind, name)) => {
                name == self.name
                    && kind_aliases(&self.kind).contains(&kind.to_lowercase().as_str())
            }
        }
    }
}

/// The spellings kubectl accepts for a kind.
fn kind_aliases(kind: &str) -> Vec<&'static str> {
    match kind {
        "Deployment" => vec!["deployment", "deployments", "deploy", "deployment.apps"],
        "StatefulSet" => vec!["statefulset", "statefulsets", "sts", "statefulset.apps"],
        "DaemonSet" => vec!["daemonset", "daemonsets", "ds", "daemonset.apps"],
        "ReplicaSet" => vec!["replicaset", "replicasets", "rs", "replicaset.apps"],
        "Job" => vec!["job", "jobs", "job.batch"],
        "CronJob" => vec!["cronjob", "cronjobs", "cj", "cronjob.batch"],
        "Pod" => vec!["pod", "pods", "po"],
        _ => vec![],
    }
}

impl fmt::Display for WorkloadId {
    /// `deployment/web`, as kubectl names objects.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.to_lowercase(), self.name)
    }
}

/// Where a container sits in the pod spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// `spec.containers`.
    Container,
    /// `spec.initContainers` with `restartPolicy: Always` (runs beside the containers).
    Sidecar,
    /// `spec.initContainers` that run to completion before the containers start.
    Init,
}

impl Role {
    /// The pod-spec field holding containers of this role.
    pub fn field(self) -> &'static str {
        match self {
            Role::Container => "containers",
            Role::Sidecar | Role::Init => "initContainers",
        }
    }
}

/// Requests and limits: CPU in nanocores, memory in bytes; `None` is unset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    pub cpu_request: Option<i128>,
    pub cpu_limit: Option<i128>,
    pub memory_request: Option<i128>,
    pub memory_limit: Option<i128>,
}

impl Resources {
    fn read(resources: Option<&ResourceRequirements>) -> Resources {
        let get = |map: Option<&BTreeMap<String, _>>, key: &str| -> Option<Quantity> {
            let text: &k8s_openapi::apimachinery::pkg::api::resource::Quantity = map?.get(key)?;
            Quantity::parse(&text.0).ok()
        };
        let requests = resources.and_then(|r| r.requests.as_ref());
        let limits = resources.and_then(|r| r.limits.as_ref());
        Resources {
            cpu_request: get(requests, "cpu").map(|q| q.nanos()),
            cpu_limit: get(limits, "cpu").map(|q| q.nanos()),
            memory_request: get(requests, "memory").map(|q| q.value()),
            memory_limit: get(limits, "memory").map(|q| q.value()),
        }
    }
}

/// One container of a workload's pod template.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerSpec {
    pub name: String,
    pub role: Role,
    /// Its index in `containers` or `initContainers`, for JSON patch paths.
    pub index: usize,
    pub current: Resources,
    /// The `resources` object as the server returned it, for the patch's `test`.
    pub resources: Option<Value>,
}

/// A workload with the pods seen and what a patch needs to know.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    pub id: WorkloadId,
    /// The pod template's labels (blue/green detection).
    pub labels: BTreeMap<String, String>,
    pub containers: Vec<ContainerSpec>,
    /// Pods at once at most: replicas plus rolling-update surge (for the quota).
    pub peak_pods: u32,
    /// JSON pointer of the pod spec inside the workload, `None` when it cannot be patched
    /// (Jobs and Pods are immutable; a bare ReplicaSet would not replace its pods).
    pub pod_spec_path: Option<&'static str>,
    /// Names of its pods.
    pub pods: BTreeSet<String>,
    /// Containers whose last termination in some pod was an OOM kill.
    pub oom_killed: BTreeSet<String>,
}

impl Workload {
    /// Whether changing its template replaces running pods.
    pub fn rolls(&self) -> bool {
        matches!(
            self.id.kind.as_str(),
            "Deployment" | "StatefulSet" | "DaemonSet"
        )
    }
}

/// The namespace's objects that matter, as listed.
#[derive(Clone, Debug, Default)]
pub struct Objects {
    pub pods: Vec<Pod>,
    pub replica_sets: Vec<ReplicaSet>,
    pub deployments: Vec<Deployment>,
    pub stateful_sets: Vec<StatefulSet>,
    pub daemon_sets: Vec<DaemonSet>,
    pub jobs: Vec<Job>,
    pub cron_jobs: Vec<CronJob>,
}

/// The kinds that own `metas` (through their controller reference), so only those are listed.
pub fn owner_kinds<'a>(metas: impl IntoIterator<Item = &'a ObjectMeta>) -> BTreeSet<String> {
    metas
        .into_iter()
        .filter_map(|meta| controller_of(meta).map(|(kind, _)| kind.to_string()))
        .collect()
}

/// The controlling owner (`controller: true`, else the first owner) as (kind, name).
fn controller_of(meta: &ObjectMeta) -> Option<(&str, &str)> {
    let owners = meta.owner_references.as_ref()?;
    owners
        .iter()
        .find(|o| o.controller == Some(true))
        .or_else(|| owners.first())
        .map(|o| (o.kind.as_str(), o.name.as_str()))
}

fn name_of(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or_default()
}

/// Groups pods by workload and reads each workload's template.
pub fn inventory(objects: &Objects) -> BTreeMap<WorkloadId, Workload> {
    let mut workloads: BTreeMap<WorkloadId, Workload> = BTreeMap::new();
    for pod in &objects.pods {
        let id = workload_of(&pod.metadata, objects);
        let workload = workloads
            .entry(id.clone())
            .or_insert_with(|| describe(&id, pod, objects));
        workload.pods.insert(name_of(&pod.metadata).to_string());
        workload.oom_killed.extend(oom_killed(pod));
    }
    workloads
}

/// The workload a pod belongs to: its controller, followed up one more level where
/// ReplicaSets belong to Deployments and Jobs to CronJobs.
fn workload_of(pod: &ObjectMeta, objects: &Objects) -> WorkloadId {
    let Some((kind, name)) = controller_of(pod) else {
        return WorkloadId::new("Pod", name_of(pod));
    };
    let lifted = match kind {
        "ReplicaSet" => owner_of_named(objects.replica_sets.iter().map(|r| &r.metadata), name)
            .filter(|id| id.kind == "Deployment"),
        "Job" => owner_of_named(objects.jobs.iter().map(|j| &j.metadata), name)
            .filter(|id| id.kind == "CronJob"),
        _ => None,
    };
    lifted.unwrap_or_else(|| WorkloadId::new(kind, name))
}

/// The controller of the object called `name` among `metas`.
fn owner_of_named<'a>(
    mut metas: impl Iterator<Item = &'a ObjectMeta>,
    name: &str,
) -> Option<WorkloadId> {
    metas
        .find(|m| name_of(m) == name)
        .and_then(controller_of)
        .map(|(kind, name)| WorkloadId::new(kind, name))
}

/// A workload's template, surge and patch path; falls back to the pod's own spec when the
/// workload object was not listed (an unknown controller kind).
fn describe(id: &WorkloadId, pod: &Pod, objects: &Objects) -> Workload {
    let named = |meta: &ObjectMeta| name_of(meta) == id.name;
    let found: Option<(Option<&PodTemplateSpec>, u32, Option<&'static str>)> =
        match id.kind.as_str() {
            "Deployment" => objects
                .deployments
                .iter()
                .find(|d| named(&d.metadata))
                .map(|d| {
                    let spec = d.spec.as_ref();
                    let replicas = spec.and_then(|s| s.replicas).unwrap_or(1).max(0) as u32;
                    (
                        spec.map(|s| &s.template),
                        replicas + deployment_surge(d, replicas),
                        Some("/spec/template/spec"),
                    )
                }),
            "StatefulSet" => objects
                .stateful_sets
                .iter()
                .find(|s| named(&s.metadata))
                .map(|s| {
                    let spec = s.spec.as_ref();
                    let replicas = spec.and_then(|s| s.replicas).unwrap_or(1).max(0) as u32;
                    (
                        spec.map(|s| &s.template),
                        replicas,
                        Some("/spec/template/spec"),
                    )
                }),
            "DaemonSet" => objects
                .daemon_sets
                .iter()
                .find(|d| named(&d.metadata))
                .map(|d| {
                    let scheduled = d
                        .status
                        .as_ref()
                        .map_or(0, |s| s.desired_number_scheduled.max(0) as u32);
                    (
                        d.spec.as_ref().map(|s| &s.template),
                        scheduled,
                        Some("/spec/template/spec"),
                    )
                }),
            "CronJob" => objects
                .cron_jobs
                .iter()
                .find(|c| named(&c.metadata))
                .map(|c| {
                    let job = c.spec.as_ref().and_then(|s| s.job_template.spec.as_ref());
                    let parallelism = job.and_then(|j| j.parallelism).unwrap_or(1).max(0) as u32;
                    (
                        job.map(|j| &j.template),
                        parallelism,
                        Some("/spec/jobTemplate/spec/template/spec"),
                    )
                }),
            "Job" => objects.jobs.iter().find(|j| named(&j.metadata)).map(|j| {
                let spec = j.spec.as_ref();
                let parallelism = spec.and_then(|s| s.parallelism).unwrap_or(1).max(0) as u32;
                (spec.map(|s| &s.template), parallelism, None)
            }),
            _ => None,
        };
    let (template, peak_pods, pod_spec_path) = found.unwrap_or((None, 1, None));
    let labels = template
        .and_then(|t| t.metadata.as_ref())
        .or(Some(&pod.metadata))
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let spec = template.and_then(|t| t.spec.as_ref()).or(pod.spec.as_ref());
    Workload {
        id: id.clone(),
        labels,
        containers: spec.map(containers_of).unwrap_or_default(),
        peak_pods,
        pod_spec_path,
        pods: BTreeSet::new(),
        oom_killed: BTreeSet::new(),
    }
}

/// Extra pods a rolling update of a Deployment may create (`maxSurge`, default 25 % rounded
/// up); none for `Recreate`.
fn deployment_surge(deployment: &Deployment, replicas: u32) -> u32 {
    let strategy = deployment.spec.as_ref().and_then(|s| s.strategy.as_ref());
    if strategy.and_then(|s| s.type_.as_deref()) == Some("Recreate") {
        return 0;
    }
    let surge = strategy
        .and_then(|s| s.rolling_update.as_ref())
        .and_then(|r| r.max_surge.clone())
        .unwrap_or(IntOrString::String("25%".into()));
    match surge {
        IntOrString::Int(n) => n.max(0) as u32,
        IntOrString::String(text) => {
            let percent: u32 = text.trim_end_matches('%').parse().unwrap_or(25);
            (replicas * percent).div_ceil(100)
        }
    }
}

/// The containers of a pod spec with their roles and indices.
fn containers_of(spec: &PodSpec) -> Vec<ContainerSpec> {
    let entry = |role: Role, index: usize, c: &Container| ContainerSpec {
        name: c.name.clone(),
        role,
        index,
        current: Resources::read(c.resources.as_ref()),
        resources: c
            .resources
            .as_ref()
            .and_then(|r| serde_json::to_value(r).ok()),
    };
    let init = spec
        .init_containers
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| {
            let role = if c.restart_policy.as_deref() == Some("Always") {
                Role::Sidecar
            } else {
                Role::Init
            };
            entry(role, i, c)
        });
    let main = spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| entry(Role::Container, i, c));
    init.chain(main).collect()
}

/// Containers of the pod whose last termination was `OOMKilled`.
fn oom_killed(pod: &Pod) -> Vec<String> {
    let Some(status) = pod.status.as_ref() else {
        return Vec::new();
    };
    status
        .container_statuses
        .iter()
        .flatten()
        .chain(status.init_container_statuses.iter().flatten())
        .filter(|s| {
            s.last_state
                .as_ref()
                .and_then(|l| l.terminated.as_ref())
                .and_then(|t| t.reason.as_deref())
                == Some("OOMKilled")
        })
        .map(|s| s.name.clone())
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn from<T: serde::de::DeserializeOwned>(value: Value) -> T {
        serde_json::from_value(value).unwrap_or_else(|e| panic!("test object: {e}"))
    }

    fn owner(kind: &str, name: &str) -> Value {
        json!([{"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": "u", "controller": true}])
    }

    pub(crate) fn objects() -> Objects {
        Objects {
            pods: vec![
                from(json!({
                    "metadata": {"name": "web-abc-1", "ownerReferences": owner("ReplicaSet", "web-abc")},
                    "spec": {"containers": [{"name": "app"}]},
                    "status": {"containerStatuses": [{"name": "app", "ready": true, "restartCount": 1,
                        "image": "i", "imageID": "", "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}
                })),
                from(json!({
                    "metadata": {"name": "web-abc-2", "ownerReferences": owner("ReplicaSet", "web-abc")},
                    "spec": {"containers": [{"name": "app"}]}
                })),
                from(json!({
                    "metadata": {"name": "db-0", "ownerReferences": owner("StatefulSet", "db")},
                    "spec": {"containers": [{"name": "db"}]}
                })),
                from(json!({
                    "metadata": {"name": "report-1-x", "ownerReferences": owner("Job", "report-1")},
                    "spec": {"containers": [{"name": "run"}]}
                })),
                from(
                    json!({"metadata": {"name": "debug"}, "spec": {"containers": [{"name": "sh",
                    "resources": {"requests": {"cpu": "1"}}}]}}),
                ),
            ],
            replica_sets: vec![from(json!({
                "metadata": {"name": "web-abc", "ownerReferences": owner("Deployment", "web")}
            }))],
            deployments: vec![from(json!({
                "metadata": {"name": "web"},
                "spec": {"replicas": 2, "selector": {},
                    "template": {"metadata": {"labels": {"app": "web", "slot": "blue"}},
                    "spec": {
                        "initContainers": [
                            {"name": "migrate"},
                            {"name": "proxy", "restartPolicy": "Always",
                             "resources": {"requests": {"cpu": "50m"}}}
                        ],
                        "containers": [{"name": "app", "resources": {
                            "requests": {"cpu": "500m", "memory": "1Gi"},
                            "limits": {"cpu": "1", "memory": "1Gi"}}}]
                    }}}
            }))],
            stateful_sets: vec![from(json!({
                "metadata": {"name": "db"},
                "spec": {"replicas": 1, "selector": {}, "serviceName": "db",
                    "template": {"spec": {"containers": [{"name": "db", "resources": {}}]}}}
            }))],
            jobs: vec![from(json!({
                "metadata": {"name": "report-1", "ownerReferences": owner("CronJob", "report")},
                "spec": {"template": {"spec": {"containers": [{"name": "run"}]}}}
            }))],
            cron_jobs: vec![from(json!({
                "metadata": {"name": "report"},
                "spec": {"schedule": "@daily", "jobTemplate": {"spec": {
                    "template": {"spec": {"containers": [{"name": "run"}]}}}}}
            }))],
            daemon_sets: vec![],
        }
    }

    #[test]
    fn pods_are_grouped_by_their_top_controller() {
        let workloads = inventory(&objects());
        let ids: Vec<String> = workloads.keys().map(ToString::to_string).collect();
        assert_eq!(
            ids,
            [
                "cronjob/report",
                "deployment/web",
                "pod/debug",
                "statefulset/db"
            ]
        );
        let web = &workloads[&WorkloadId::new("Deployment", "web")];
        assert_eq!(web.pods.len(), 2);
        assert_eq!(web.peak_pods, 3, "2 replicas + 25 % surge rounded up");
        assert_eq!(web.pod_spec_path, Some("/spec/template/spec"));
        assert!(web.rolls());
        assert_eq!(web.oom_killed, BTreeSet::from(["app".to_string()]));
        assert_eq!(web.labels.get("slot").map(String::as_str), Some("blue"));
        let cron = &workloads[&WorkloadId::new("CronJob", "report")];
        assert_eq!(
            cron.pod_spec_path,
            Some("/spec/jobTemplate/spec/template/spec")
        );
        assert!(!cron.rolls());
        let debug = &workloads[&WorkloadId::new("Pod", "debug")];
        assert_eq!(debug.pod_spec_path, None);
        assert_eq!(debug.containers[0].current.cpu_request, Some(1_000_000_000));
    }

    #[test]
    fn init_containers_and_sidecars_are_told_apart() {
        let workloads = inventory(&objects());
        let web = &workloads[&WorkloadId::new("Deployment", "web")];
        let roles: Vec<(&str, Role, usize)> = web
            .containers
            .iter()
            .map(|c| (c.name.as_str(), c.role, c.index))
            .collect();
        assert_eq!(
            roles,
            [
                ("migrate", Role::Init, 0),
                ("proxy", Role::Sidecar, 1),
                ("app", Role::Container, 0)
            ]
        );
        let app = &web.containers[2];
        assert_eq!(
            app.current,
            Resources {
                cpu_request: Some(500_000_000),
                cpu_limit: Some(1_000_000_000),
                memory_request: Some(1 << 30),
                memory_limit: Some(1 << 30),
            }
        );
        assert_eq!(
            app.resources,
            Some(json!({"requests": {"cpu": "500m", "memory": "1Gi"},
                        "limits": {"cpu": "1", "memory": "1Gi"}}))
        );
    }

    #[test]
    fn only_owner_kinds_in_use_are_listed() {
        let objects = objects();
        let kinds = owner_kinds(objects.pods.iter().map(|p| &p.metadata));
        assert_eq!(
            kinds,
            BTreeSet::from(["Job".into(), "ReplicaSet".into(), "StatefulSet".into()])
        );
    }

    #[test]
    fn workload_patterns_follow_kubectl_spellings() {
        let web = WorkloadId::new("Deployment", "web");
        for yes in ["web", "deployment/web", "deploy/web", "Deployment/web"] {
            assert!(web.matches(yes), "{yes}");
        }
        for no in ["we", "sts/web", "deploy/api", "web/"] {
            assert!(!web.matches(no), "{no}");
        }
    }

    #[test]
    fn surge_follows_the_strategy() {
        let d = |strategy: Value| -> Deployment {
            from(
                json!({"metadata": {"name": "d"}, "spec": {"selector": {}, "template": {},
                "strategy": strategy}}),
            )
        };
        assert_eq!(deployment_surge(&d(json!({"type": "Recreate"})), 4), 0);
        assert_eq!(
            deployment_surge(&d(json!({"rollingUpdate": {"maxSurge": 2}})), 4),
            2
        );
        assert_eq!(
            deployment_surge(&d(json!({"rollingUpdate": {"maxSurge": "50%"}})), 3),
            2
        );
        assert_eq!(deployment_surge(&d(json!({})), 4), 1);
    }
}
