//! `bump` against kube-sim: the real binary, each test with a simulator of its own and an
//! environment deployed with `up`; results are checked in the simulator's store and request
//! log.

use std::process::Output;

use kube_sim::{Sim, SimConfig};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::common::{
    assert_exit, calls, deployment_yaml, from_plugin, json_stdout, qaenv, stderr, stdout, writes,
};

const NS: &str = "qa-feature-shop";

struct Cluster {
    sim: Sim,
    home: TempDir,
}

impl Cluster {
    /// A simulator with environment `feature/shop` deployed and Ready: Deployment `web`
    /// (`web_image`, 2 replicas), Deployment `api`, StatefulSet `db` and DaemonSet `agent`.
    fn start(web_image: &str) -> Cluster {
        let sim = Sim::start(SimConfig::fast()).unwrap_or_else(|e| panic!("start kube-sim: {e:#}"));
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let cluster = Cluster { sim, home };
        let manifest = format!(
            "{}---\n{}---\n{}",
            deployment("web", web_image, 2),
            deployment("api", "registry.local/api:1.0", 1),
            "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: registry.local/db:1.0}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: registry.local/agent:1.0}]}
"
        );
        std::fs::write(cluster.home.path().join("shop.yaml"), manifest)
            .unwrap_or_else(|e| panic!("write: {e}"));
        let wait = if web_image.contains("crashloop") {
            "--no-wait"
        } else {
            "--wait"
        };
        let output = cluster.qaenv(&["up", "feature/shop", "-f", "shop.yaml", wait]);
        assert_exit(&output, 0);
        cluster
    }

    fn qaenv(&self, args: &[&str]) -> Output {
        qaenv(self.home.path())
            .current_dir(self.home.path())
            .args(args)
            .arg("--kubeconfig")
            .arg(self.sim.kubeconfig_path())
            .output()
            .unwrap_or_else(|e| panic!("run kubectl-qaenv: {e}"))
    }

    fn get(&self, api_version: &str, kind: &str, ns: &str, name: &str) -> Value {
        self.sim
            .get(api_version, kind, ns, name)
            .unwrap_or(Value::Null)
    }

    fn deployment(&self, name: &str) -> Value {
        self.get("apps/v1", "Deployment", NS, name)
    }

    /// The ReplicaSets a Deployment controls.
    fn replica_sets(&self, deployment: &str) -> Vec<Value> {
        let uid = self.deployment(deployment)["metadata"]["uid"].clone();
        self.sim
            .list("apps/v1", "ReplicaSet", Some(NS))
            .into_iter()
            .filter(|rs| {
                rs["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|o| o["uid"] == uid))
            })
            .collect()
    }

    fn calls(&self) -> Vec<String> {
        calls(&from_plugin(&self.sim.requests()))
    }

    fn writes(&self) -> Vec<String> {
        writes(&from_plugin(&self.sim.requests()))
    }
}

fn deployment(name: &str, image: &str, replicas: u32) -> String {
    deployment_yaml(name, image, replicas, "10m", "16Mi")
}

fn template_id(object: &Value) -> Value {
    object["spec"]["template"]["metadata"]["annotations"]["qaenv.dev/deployment-id"].clone()
}

fn image(object: &Value) -> Value {
    object["spec"]["template"]["spec"]["containers"][0]["image"].clone()
}

#[test]
fn bump_rolls_a_deployment_to_a_new_replica_set_of_the_same_image() {
    let cluster = Cluster::start("registry.local/web:1.0");
    let before = cluster.deployment("web");
    assert_eq!(template_id(&before), Value::Null);
    let sets_before = cluster.replica_sets("web");
    assert_eq!(sets_before.len(), 1);
    cluster.sim.clear_requests();

    let output = cluster.qaenv(&["bump", "feature/shop", "web"]);
    assert_exit(&output, 0);
    let after = cluster.deployment("web");
    let id = template_id(&after);
    assert!(id.as_str().is_some_and(|i| i.ends_with('Z')), "{after}");
    assert_eq!(image(&after), image(&before), "the image never changes");
    assert_eq!(
        after["spec"]["template"]["spec"], before["spec"]["template"]["spec"],
        "only the annotation changes"
    );
    // The new ReplicaSet is the one the report names, carries the id and the same image.
    let sets = cluster.replica_sets("web");
    assert_eq!(sets.len(), 2);
    let new = sets
        .iter()
        .find(|rs| template_id(rs) == id)
        .unwrap_or_else(|| panic!("no ReplicaSet with {id} in {sets:?}"));
    let new_name = new["metadata"]["name"].as_str().unwrap_or_default();
    assert_eq!(image(new), json!("registry.local/web:1.0"));
    let table = stdout(&output);
    let row = table
        .lines()
        .find(|l| l.starts_with("deployment/web "))
        .unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "deployment/web",
            id.as_str().unwrap_or_default(),
            new_name,
            "registry.local/web:1.0",
            "bumped"
        ]
    );
    assert_eq!(table.lines().count(), 2, "only web was named:\n{table}");
    assert_eq!(
        stderr(&output),
        format!(
            "environment feature-shop ({NS}): 1 bumped (deployment id {})\n",
            id.as_str().unwrap_or_default()
        )
    );
    // Nothing else was written; the other workloads are as they were.
    assert_eq!(
        cluster.writes(),
        [format!(
            "PATCH /apis/apps/v1/namespaces/{NS}/deployments/web"
        )]
    );
    assert_eq!(template_id(&cluster.deployment("api")), Value::Null);
    // The namespace, one list per kind (concurrently), the patch, the ReplicaSets (a list,
    // and a watch when the new one was not there yet).
    let mut calls = cluster.calls();
    calls[1..4].sort();
    assert_eq!(
        calls[..4],
        [
            format!("GET /api/v1/namespaces/{NS}"),
            format!("GET /apis/apps/v1/namespaces/{NS}/daemonsets"),
            format!("GET /apis/apps/v1/namespaces/{NS}/deployments"),
            format!("GET /apis/apps/v1/namespaces/{NS}/statefulsets"),
        ],
        "{calls:?}"
    );
    let mut rest = calls[4..].to_vec();
    rest.dedup();
    assert_eq!(
        rest,
        [
            format!("PATCH /apis/apps/v1/namespaces/{NS}/deployments/web"),
            format!("GET /apis/apps/v1/namespaces/{NS}/replicasets"),
        ],
        "{calls:?}"
    );
    assert!(calls.len() <= 7, "{calls:?}");

    // A second bump replaces the id (after testing the old one) and rolls again.
    let again = cluster.qaenv(&["bump", "feature/shop", "deployment/web", "-o", "json"]);
    assert_exit(&again, 0);
    let report = json_stdout(&again);
    let latest = cluster.deployment("web");
    assert_ne!(template_id(&latest), id);
    assert_eq!(report["deploymentId"], template_id(&latest));
    assert_eq!(report["workloads"][0]["previousId"], id);
    assert_eq!(
        report["workloads"][0]["images"],
        json!(["registry.local/web:1.0"])
    );
    let rs = report["workloads"][0]["replicaSet"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        template_id(&cluster.get("apps/v1", "ReplicaSet", NS, rs)),
        template_id(&latest)
    );
    assert_eq!(cluster.replica_sets("web").len(), 3);
}

#[test]
fn bump_without_workloads_rolls_every_workload_and_waits_for_ready() {
    let cluster = Cluster::start("registry.local/web:1.0");
    let output = cluster.qaenv(&["bump", "feature/shop", "--wait", "--timeout", "30s"]);
    assert_exit(&output, 0);
    let table = stdout(&output);
    let workloads: Vec<&str> = table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        workloads,
        [
            "deployment/api",
            "deployment/web",
            "statefulset/db",
            "daemonset/agent"
        ]
    );
    let db = cluster.get("apps/v1", "StatefulSet", NS, "db");
    let id = template_id(&db);
    assert!(id.is_string(), "{db}");
    assert_eq!(image(&db), json!("registry.local/db:1.0"));
    let agent = cluster.get("apps/v1", "DaemonSet", NS, "agent");
    assert_eq!(template_id(&agent), id, "{agent}");
    assert_eq!(image(&agent), json!("registry.local/agent:1.0"));
    for name in ["web", "api"] {
        let d = cluster.deployment(name);
        assert_eq!(template_id(&d), id, "one id for the whole run");
        // --wait returned after the rollout: every replica is of the new template.
        let status = &d["status"];
        assert_eq!(d["metadata"]["generation"], status["observedGeneration"]);
        assert_eq!(status["updatedReplicas"], d["spec"]["replicas"], "{d}");
        assert_eq!(status["availableReplicas"], d["spec"]["replicas"], "{d}");
        assert_eq!(status["replicas"], d["spec"]["replicas"], "{d}");
    }
    assert!(
        stderr(&output).contains("environment feature-shop is ready"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unknown_workload_is_named_and_nothing_is_patched() {
    let cluster = Cluster::start("registry.local/web:1.0");
    cluster.sim.clear_requests();
    let output = cluster.qaenv(&["bump", "feature/shop", "web", "worker", "sts/web"]);
    assert_exit(&output, 1);
    assert_eq!(
        stderr(&output),
        format!(
            "error: cannot bump environment feature-shop: no Deployment, StatefulSet or \
             DaemonSet worker, sts/web with label qaenv.dev/env=feature-shop in namespace {NS}\n\
             hint: nothing was patched; it has deployment/api, deployment/web, statefulset/db, \
             daemonset/agent\n"
        )
    );
    assert!(stdout(&output).is_empty());
    assert!(cluster.writes().is_empty(), "{:?}", cluster.writes());
    assert_eq!(template_id(&cluster.deployment("web")), Value::Null);
}

#[test]
fn namespaces_qaenv_does_not_manage_are_refused() {
    let cluster = Cluster::start("registry.local/web:1.0");
    cluster
        .sim
        .create(json!({"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": "qa-handmade"}}))
        .unwrap_or_else(|e| panic!("create: {e:?}"));
    cluster.sim.clear_requests();
    for (name, namespace) in [("default", "default"), ("handmade", "qa-handmade")] {
        let output = cluster.qaenv(&["bump", name]);
        assert_exit(&output, 4);
        assert!(
            stderr(&output).starts_with(&format!(
                "error: refusing to bump {namespace}: namespace {namespace} is not a qaenv environment"
            )),
            "{}",
            stderr(&output)
        );
    }
    let output = cluster.qaenv(&["bump", "feature/none"]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).starts_with(
            "error: cannot bump environment feature/none: not found: no namespace qa-feature-none\n"
        ),
        "{}",
        stderr(&output)
    );
    assert!(cluster.writes().is_empty(), "{:?}", cluster.writes());
}

#[test]
fn a_bumped_workload_that_never_gets_ready_times_out_with_a_diagnosis() {
    let cluster = Cluster::start("registry.local/web:crashloop");
    let output = cluster.qaenv(&["bump", "feature/shop", "web", "--wait", "--timeout", "2s"]);
    assert_exit(&output, 3);
    // The report (with the new ReplicaSet) comes first, then the diagnosis and the error.
    assert!(stdout(&output).contains("bumped"), "{}", stdout(&output));
    let err = stderr(&output);
    assert!(err.contains("deployment/web is not ready"), "{err}");
    assert!(err.contains("CrashLoopBackOff"), "{err}");
    assert!(
        err.contains(
            "error: wait for the bumped workloads of environment feature-shop timed out after 2s"
        ),
        "{err}"
    );
    assert_eq!(
        image(&cluster.deployment("web")),
        json!("registry.local/web:crashloop")
    );
}
