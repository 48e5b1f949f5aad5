//! The StatefulSet, DaemonSet, Job and PersistentVolumeClaim controllers against a running
//! simulator: objects are created through the library handle (API semantics, no HTTP), watched
//! until the controllers settle, and, where kubectl is installed, judged by `kubectl rollout
//! status` and `kubectl wait` as a user would.

#[allow(dead_code)]
#[path = "conformance/common.rs"]
mod common;

use std::fmt::Debug;
use std::time::{Duration, Instant};

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::ApiResource;
use kube_sim::{Sim, SimConfig};
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(10);

fn sim() -> Sim {
    Sim::start(SimConfig::fast()).expect("kube-sim starts")
}

/// Observes every 20 ms until `done` holds; fails after 10 s showing the last observation.
fn eventually<T: Debug>(
    what: &str,
    mut observe: impl FnMut() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let seen = observe();
        if done(&seen) {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {TIMEOUT:?} waiting for {what}; last observed: {seen:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A runtime and a dynamic client for one kind in `default`, for the writes the library handle
/// does not offer.
fn dynamic_api(
    sim: &Sim,
    group: &str,
    kind: &str,
    plural: &str,
) -> (tokio::runtime::Runtime, Api<DynamicObject>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let api = runtime.block_on(async {
        let kubeconfig = Kubeconfig::read_from(sim.kubeconfig_path()).expect("kubeconfig");
        let config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .expect("config");
        let client = kube::Client::try_from(config).expect("client");
        let resource = ApiResource {
            group: group.into(),
            version: "v1".into(),
            api_version: format!("{group}/v1"),
            kind: kind.into(),
            plural: plural.into(),
        };
        Api::namespaced_with(client, "default", &resource)
    });
    (runtime, api)
}

/// Merge-patches an object through the HTTP API.
fn merge_patch(sim: &Sim, group: &str, kind: &str, plural: &str, name: &str, patch: Value) {
    let (runtime, api) = dynamic_api(sim, group, kind, plural);
    runtime
        .block_on(api.patch(name, &PatchParams::default(), &Patch::Merge(patch)))
        .expect("merge patch");
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn int_at(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

/// The status of a condition of `type`, if present.
fn condition<'a>(object: &'a Value, t: &str) -> Option<&'a Value> {
    object
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c["type"] == t)
}

fn condition_true(object: &Value, t: &str) -> bool {
    condition(object, t).is_some_and(|c| c["status"] == "True")
}

fn pod_ready(pod: &Value) -> bool {
    condition_true(pod, "Ready")
}

/// The pods in `default` whose names start with `prefix`, by name.
fn pods(sim: &Sim, prefix: &str) -> Vec<Value> {
    let mut list: Vec<Value> = sim
        .list("v1", "Pod", Some("default"))
        .into_iter()
        .filter(|p| str_at(p, "/metadata/name").starts_with(prefix))
        .collect();
    list.sort_by(|a, b| str_at(a, "/metadata/name").cmp(str_at(b, "/metadata/name")));
    list
}

fn names(list: &[Value]) -> Vec<&str> {
    list.iter().map(|p| str_at(p, "/metadata/name")).collect()
}

/// The reasons of the Events about an object.
fn event_reasons(sim: &Sim, name: &str) -> Vec<String> {
    sim.list("v1", "Event", Some("default"))
        .into_iter()
        .filter(|e| str_at(e, "/involvedObject/name") == name)
        .map(|e| str_at(&e, "/reason").to_string())
        .collect()
}

fn stateful_set(name: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "serviceName": "nginx",
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "www"},
                "spec": {"accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "1Gi"}}},
            }],
        },
    })
}

fn get_sts(sim: &Sim, name: &str) -> Value {
    sim.get("apps/v1", "StatefulSet", "default", name)
        .expect("the StatefulSet exists")
}

fn job(name: &str, image: &str, spec: Value) -> Value {
    let mut job = json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"template": {"spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "work", "image": image}],
        }}},
    });
    if let (Some(spec), Some(extra)) = (job["spec"].as_object_mut(), spec.as_object()) {
        spec.extend(extra.clone());
    }
    job
}

fn get_job(sim: &Sim, name: &str) -> Value {
    sim.get("batch/v1", "Job", "default", name)
        .expect("the Job exists")
}

#[test]
fn an_ordered_stateful_set_comes_up_in_order_with_bound_claims() {
    let s = sim();
    s.create(stateful_set("web", 3)).expect("create");
    let set = eventually(
        "three ready replicas, each created after its predecessor was ready",
        || {
            let pods = pods(&s, "web-");
            for (i, p) in pods.iter().enumerate().skip(1) {
                assert_eq!(str_at(p, "/metadata/name"), format!("web-{i}"));
                assert!(
                    pod_ready(&pods[i - 1]),
                    "web-{i} exists while web-{} is not ready: {pods:#?}",
                    i - 1
                );
            }
            get_sts(&s, "web")
        },
        |set| int_at(set, "/status/readyReplicas") == 3,
    );
    let status = &set["status"];
    assert_eq!(status["replicas"], 3);
    assert_eq!(status["currentReplicas"], 3);
    assert_eq!(status["updatedReplicas"], 3);
    assert_eq!(status["availableReplicas"], 3);
    assert_eq!(status["observedGeneration"], 1);
    assert_eq!(status["collisionCount"], 0);
    assert_eq!(status["currentRevision"], status["updateRevision"]);
    assert!(str_at(&set, "/status/updateRevision").starts_with("web-"));

    let pods = pods(&s, "web-");
    assert_eq!(names(&pods), ["web-0", "web-1", "web-2"]);
    let web1 = &pods[1];
    assert_eq!(web1["spec"]["hostname"], "web-1");
    assert_eq!(web1["spec"]["subdomain"], "nginx");
    assert_eq!(web1["metadata"]["labels"]["app"], "web");
    assert_eq!(
        web1["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"],
        "web-1"
    );
    assert_eq!(
        web1["metadata"]["labels"]["apps.kubernetes.io/pod-index"],
        "1"
    );
    assert_eq!(
        web1["metadata"]["labels"]["controller-revision-hash"],
        status["updateRevision"]
    );
    assert_eq!(
        web1["metadata"]["ownerReferences"][0]["kind"],
        "StatefulSet"
    );
    assert_eq!(
        web1["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "www-web-1"
    );

    for i in 0..3 {
        let claim = eventually(
            "the claim to bind",
            || {
                s.get(
                    "v1",
                    "PersistentVolumeClaim",
                    "default",
                    &format!("www-web-{i}"),
                )
            },
            |c| c.as_ref().is_some_and(|c| c["status"]["phase"] == "Bound"),
        )
        .expect("the claim exists");
        assert_eq!(claim["status"]["capacity"]["storage"], "1Gi");
        assert_eq!(claim["metadata"]["labels"]["app"], "web");
        assert!(claim["metadata"].get("ownerReferences").is_none());
    }
    let reasons = event_reasons(&s, "web");
    assert!(reasons.iter().filter(|r| *r == "SuccessfulCreate").count() >= 6);
}

#[test]
fn scaling_a_stateful_set_down_removes_the_highest_ordinal() {
    let s = sim();
    s.create(stateful_set("db", 3)).expect("create");
    eventually(
        "three ready replicas",
        || get_sts(&s, "db"),
        |set| int_at(set, "/status/readyReplicas") == 3,
    );
    let before: Vec<String> = pods(&s, "db-")
        .iter()
        .map(|p| str_at(p, "/metadata/uid").to_string())
        .collect();
    merge_patch(
        &s,
        "apps",
        "StatefulSet",
        "statefulsets",
        "db",
        json!({"spec": {"replicas": 2}}),
    );
    let (set, left) = eventually(
        "db-2 to go",
        || (get_sts(&s, "db"), pods(&s, "db-")),
        |(set, pods)| pods.len() == 2 && int_at(set, "/status/replicas") == 2,
    );
    assert_eq!(names(&left), ["db-0", "db-1"]);
    let uids: Vec<&str> = left.iter().map(|p| str_at(p, "/metadata/uid")).collect();
    assert_eq!(uids, [before[0].as_str(), before[1].as_str()]);
    assert_eq!(set["status"]["readyReplicas"], 2);
    assert_eq!(set["status"]["observedGeneration"], 2);
    // The default retention policy keeps the claim of the removed replica.
    assert!(s
        .get("v1", "PersistentVolumeClaim", "default", "www-db-2")
        .is_some());
}

#[test]
fn a_rolling_update_replaces_pods_from_the_highest_ordinal() {
    let s = sim();
    s.create(stateful_set("app", 3)).expect("create");
    let first = eventually(
        "three ready replicas",
        || get_sts(&s, "app"),
        |set| int_at(set, "/status/readyReplicas") == 3,
    );
    let old_revision = str_at(&first, "/status/currentRevision").to_string();
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}});
    merge_patch(&s, "apps", "StatefulSet", "statefulsets", "app", patch);
    let mut order: Vec<String> = Vec::new();
    let set = eventually(
        "the rollout to complete",
        || {
            let set = get_sts(&s, "app");
            let update = str_at(&set, "/status/updateRevision").to_string();
            for p in pods(&s, "app-") {
                let name = str_at(&p, "/metadata/name").to_string();
                let rev = str_at(&p, "/metadata/labels/controller-revision-hash");
                if rev == update && update != old_revision && !order.contains(&name) {
                    order.push(name);
                }
            }
            set
        },
        |set| {
            str_at(set, "/status/updateRevision") != old_revision
                && int_at(set, "/status/updatedReplicas") == 3
                && int_at(set, "/status/readyReplicas") == 3
                && set["status"]["currentRevision"] == set["status"]["updateRevision"]
        },
    );
    assert_ne!(str_at(&set, "/status/currentRevision"), old_revision);
    assert_eq!(order, ["app-2", "app-1", "app-0"]);
    for p in pods(&s, "app-") {
        assert_eq!(p["spec"]["containers"][0]["image"], "nginx:1.28");
    }
}

#[test]
fn a_daemon_set_runs_one_pod_per_node() {
    let s = sim();
    s.create(json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {"metadata": {"labels": {"app": "agent"}},
                         "spec": {"containers": [{"name": "agent", "image": "fluent-bit:3"}]}},
        },
    }))
    .expect("create");
    let ds = eventually(
        "a ready pod on every node",
        || {
            s.get("apps/v1", "DaemonSet", "default", "agent")
                .expect("exists")
        },
        |ds| int_at(ds, "/status/numberReady") == 3,
    );
    let status = &ds["status"];
    assert_eq!(status["desiredNumberScheduled"], 3);
    assert_eq!(status["currentNumberScheduled"], 3);
    assert_eq!(status["updatedNumberScheduled"], 3);
    assert_eq!(status["numberAvailable"], 3);
    assert_eq!(status["numberMisscheduled"], 0);
    assert!(status.get("numberUnavailable").is_none());
    assert_eq!(status["observedGeneration"], 1);
    let pods = pods(&s, "agent-");
    let mut nodes: Vec<&str> = pods.iter().map(|p| str_at(p, "/spec/nodeName")).collect();
    nodes.sort_unstable();
    assert_eq!(
        nodes,
        ["kube-sim-node-1", "kube-sim-node-2", "kube-sim-node-3"]
    );
    for p in &pods {
        assert_eq!(p["metadata"]["ownerReferences"][0]["kind"], "DaemonSet");
        assert_eq!(p["metadata"]["labels"]["pod-template-generation"], "1");
    }
}

#[test]
fn a_job_completes_three_times_two_at_a_time() {
    let s = sim();
    s.create(job(
        "pi",
        "perl:5.34",
        json!({"completions": 3, "parallelism": 2}),
    ))
    .expect("create");
    let done = eventually(
        "the Job to complete, never running more than two pods",
        || {
            let running = pods(&s, "pi-")
                .into_iter()
                .filter(|p| !matches!(str_at(p, "/status/phase"), "Succeeded" | "Failed"))
                .count();
            assert!(running <= 2, "{running} pods run at once");
            get_job(&s, "pi")
        },
        |j| condition_true(j, "Complete"),
    );
    let status = &done["status"];
    assert_eq!(status["succeeded"], 3);
    assert!(status.get("failed").is_none());
    assert!(status.get("active").is_none());
    assert_eq!(status["ready"], 0);
    assert_eq!(status["terminating"], 0);
    assert_eq!(status["uncountedTerminatedPods"], json!({}));
    assert!(status["startTime"].is_string() && status["completionTime"].is_string());
    let types: Vec<&str> = status["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .map(|c| c["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(types, ["SuccessCriteriaMet", "Complete"]);
    let complete = condition(&done, "Complete").expect("Complete");
    assert_eq!(complete["reason"], "CompletionsReached");
    assert_eq!(
        complete["message"],
        "Reached expected number of succeeded pods"
    );

    let pods = eventually(
        "the pods' tracking finalizers to go",
        || pods(&s, "pi-"),
        |pods| {
            pods.iter()
                .all(|p| p["metadata"].get("finalizers").is_none())
        },
    );
    assert_eq!(pods.len(), 3);
    for p in &pods {
        assert_eq!(p["status"]["phase"], "Succeeded");
        assert_eq!(p["metadata"]["labels"]["job-name"], "pi");
        assert_eq!(p["metadata"]["ownerReferences"][0]["controller"], true);
    }
    let reasons = event_reasons(&s, "pi");
    assert_eq!(
        reasons.iter().filter(|r| *r == "SuccessfulCreate").count(),
        3
    );
    assert!(reasons.iter().any(|r| r == "Completed"));
}

#[test]
fn a_crashing_job_fails_at_its_backoff_limit() {
    let s = sim();
    s.create(job(
        "crash",
        "busybox-crashloop",
        json!({"backoffLimit": 1}),
    ))
    .expect("create");
    let failed = eventually(
        "the Job to fail",
        || get_job(&s, "crash"),
        |j| condition_true(j, "Failed"),
    );
    let cond = condition(&failed, "Failed").expect("Failed");
    assert_eq!(cond["reason"], "BackoffLimitExceeded");
    assert_eq!(
        cond["message"],
        "Job has reached the specified backoff limit"
    );
    assert!(condition_true(&failed, "FailureTarget"));
    assert!(condition(&failed, "Complete").is_none());
    assert_eq!(failed["status"]["failed"], 2);
    assert!(failed["status"].get("completionTime").is_none());
    assert_eq!(pods(&s, "crash-").len(), 2);
    assert!(event_reasons(&s, "crash")
        .iter()
        .any(|r| r == "BackoffLimitExceeded"));
}

#[test]
fn a_finished_job_is_deleted_after_its_ttl() {
    let s = sim();
    s.create(job(
        "once",
        "busybox",
        json!({"ttlSecondsAfterFinished": 5}),
    ))
    .expect("create");
    eventually(
        "the Job and its pod to be deleted after completing",
        || {
            (
                s.get("batch/v1", "Job", "default", "once"),
                pods(&s, "once-"),
            )
        },
        |(job, pods)| job.is_none() && pods.is_empty(),
    );
}

#[test]
fn pods_of_a_deleted_job_are_released() {
    let s = sim();
    for name in ["gone", "orphaned"] {
        s.create(job(name, "busybox-pullfail", json!({})))
            .expect("create");
        eventually(
            "a tracked pod",
            || pods(&s, &format!("{name}-")),
            |pods| pods.len() == 1 && pods[0]["metadata"]["finalizers"][0].is_string(),
        );
    }
    let (runtime, api) = dynamic_api(&s, "batch", "Job", "jobs");
    runtime
        .block_on(api.delete("gone", &DeleteParams::background()))
        .expect("delete");
    runtime
        .block_on(api.delete("orphaned", &DeleteParams::orphan()))
        .expect("delete");
    eventually(
        "the pods of the deleted Job to go",
        || pods(&s, "gone-"),
        |pods| pods.is_empty(),
    );
    let orphan = eventually(
        "the orphaned pod to lose its owner and its finalizer",
        || pods(&s, "orphaned-"),
        |pods| {
            pods.len() == 1
                && pods[0]["metadata"].get("finalizers").is_none()
                && pods[0]["metadata"]["ownerReferences"]
                    .as_array()
                    .is_none_or(Vec::is_empty)
        },
    );
    assert_eq!(orphan[0]["metadata"]["labels"]["job-name"], "orphaned");
}

#[test]
fn a_pending_claim_binds() {
    let s = sim();
    let created = s
        .create(json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "5Gi"}}},
        }))
        .expect("create");
    let claim = eventually(
        "the claim to bind",
        || {
            s.get("v1", "PersistentVolumeClaim", "default", "data")
                .expect("exists")
        },
        |c| c["status"]["phase"] == "Bound",
    );
    let uid = str_at(&created, "/metadata/uid");
    assert_eq!(claim["spec"]["volumeName"], format!("pvc-{uid}"));
    assert_eq!(
        claim["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"],
        "yes"
    );
    assert_eq!(claim["status"]["capacity"]["storage"], "5Gi");
    assert_eq!(claim["status"]["accessModes"], json!(["ReadWriteOnce"]));
}

#[test]
fn kubectl_sees_rollouts_finish_and_jobs_complete() {
    if !common::kubectl_available() {
        return;
    }
    let s = sim();
    let kubectl = common::Kubectl::new(&s);
    s.create(stateful_set("web", 2)).expect("create");
    s.create(json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
                 "template": {"metadata": {"labels": {"app": "agent"}},
                              "spec": {"containers": [{"name": "a", "image": "agent:1"}]}}},
    }))
    .expect("create");
    s.create(job("pi", "perl:5.34", json!({"completions": 2})))
        .expect("create");
    let sts = kubectl.ok(&["rollout", "status", "sts/web", "--timeout=20s"]);
    assert!(
        sts.contains("partitioned roll out complete: 2 new pods have been updated..."),
        "{sts}"
    );
    let ds = kubectl.ok(&["rollout", "status", "ds/agent", "--timeout=20s"]);
    assert!(
        ds.contains("daemon set \"agent\" successfully rolled out"),
        "{ds}"
    );
    let waited = kubectl.ok(&[
        "wait",
        "--for=condition=complete",
        "job/pi",
        "--timeout=20s",
    ]);
    assert!(waited.contains("job.batch/pi condition met"), "{waited}");
}
