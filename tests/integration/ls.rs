//! `ls` and `status` against kube-sim: the real binary, each test with a simulator of its own.
//! Environments are made by `up` or, for numbers, created directly with the labels and
//! annotations `up` writes. Waits are on the simulator's state, with a deadline.

use std::{
    path::PathBuf,
    process::Output,
    time::{Duration, Instant},
};

use kube_sim::{RequestRecord, Sim, SimConfig};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::common::{deployment_yaml, qaenv, stderr, stdout};

struct Cluster {
    sim: Sim,
    home: TempDir,
}

impl Cluster {
    fn start(config: SimConfig) -> Cluster {
        let sim = Sim::start(config).unwrap_or_else(|e| panic!("start kube-sim: {e:#}"));
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        Cluster { sim, home }
    }

    /// `kubectl-qaenv ARGS… --kubeconfig SIM` in the home directory.
    fn qaenv(&self, args: &[&str]) -> Output {
        qaenv(self.home.path())
            .current_dir(self.home.path())
            .args(args)
            .arg("--kubeconfig")
            .arg(self.sim.kubeconfig_path())
            .output()
            .unwrap_or_else(|e| panic!("run kubectl-qaenv: {e}"))
    }

    /// `up NAME -f FILE ARGS…` with a manifest written to the home directory.
    fn up(&self, name: &str, manifest: &str, args: &[&str]) -> Output {
        let path = self.write(&format!("{}.yaml", name.replace('/', "-")), manifest);
        let path = path.to_string_lossy().to_string();
        let mut all = vec!["up", name, "-f", &path];
        all.extend(args);
        self.qaenv(&all)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.home.path().join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    fn create(&self, object: Value) {
        self.sim
            .create(object)
            .unwrap_or_else(|e| panic!("create: {e:?}"));
    }

    /// A namespace as `up` leaves it, created directly.
    fn environment(
        &self,
        name: &str,
        owner: &str,
        expires_at: Option<&str>,
        extra: &[(&str, &str)],
    ) {
        let mut annotations = json!({
            "qaenv.dev/owner": owner,
            "qaenv.dev/created-at": "2026-01-01T00:00:00Z",
            "qaenv.dev/source": "deploy/",
            "qaenv.dev/urls": format!("https://{name}.qa.example.com/"),
        });
        if let Some(at) = expires_at {
            annotations["qaenv.dev/expires-at"] = json!(at);
        }
        let mut labels = json!({
            "app.kubernetes.io/managed-by": "kubectl-qaenv",
            "qaenv.dev/env": name,
        });
        for (k, v) in extra {
            labels[*k] = json!(v);
        }
        self.create(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": format!("qa-{name}"), "labels": labels, "annotations": annotations}
        }));
    }

    /// A pod of an environment, as a Deployment of `up` would make it.
    fn pod(&self, env: &str, name: &str, image: &str) {
        self.create(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": format!("qa-{env}"),
                         "labels": {"qaenv.dev/env": env, "app": "web"}},
            "spec": {"containers": [{"name": "app", "image": image,
                     "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}
        }));
    }

    /// The requests the plugin sent.
    fn plugin_requests(&self) -> Vec<RequestRecord> {
        self.sim
            .requests()
            .into_iter()
            .filter(|r| r.user_agent.starts_with("kubectl-qaenv/"))
            .collect()
    }

    /// Polls the simulator until `condition` holds; panics after 30 seconds.
    fn wait_until(&self, what: &str, condition: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !condition() {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn pods(&self, ns: &str) -> Vec<Value> {
        self.sim.list("v1", "Pod", Some(ns))
    }

    /// `kubectl ARGS… ` against the simulator, with a fresh cache.
    fn kubectl(&self, args: &[&str]) -> Output {
        std::process::Command::new("kubectl")
            .args(args)
            .env("KUBECONFIG", self.sim.kubeconfig_path())
            .env("KUBECACHEDIR", self.home.path().join("kube-cache"))
            .env("HOME", self.home.path())
            .output()
            .unwrap_or_else(|e| panic!("run kubectl: {e}"))
    }
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

fn show(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        stdout(output),
        stderr(output)
    )
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", show(output)))
}

fn deployment(name: &str, image: &str, replicas: u32) -> String {
    deployment_yaml(name, image, replicas, "50m", "32Mi")
}

const INGRESS: &str = "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  tls:
  - hosts: [login.qa.example.com]
  rules:
  - host: login.qa.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: web, port: {number: 80}}}
";

/// The data rows of a table (no header), split into cells.
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn ls_of_thirty_environments_costs_three_requests_in_every_format() {
    let cluster = Cluster::start(SimConfig::fast());
    for i in 0..30 {
        let name = format!("env-{i:02}");
        let owner = if i % 3 == 0 { "alice" } else { "bob" };
        cluster.environment(&name, owner, Some("2099-01-01T00:00:00Z"), &[]);
        for p in 0..2 {
            cluster.pod(&name, &format!("web-{p}"), "registry.local/web:1.0");
        }
    }
    // Pods outside environments count only towards the cluster's requests.
    cluster.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}));
    cluster.create(json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big", "namespace": "other"},
        "spec": {"containers": [{"name": "app", "image": "registry.local/big:1",
                 "resources": {"requests": {"cpu": "2", "memory": "4Gi"}}}]}
    }));
    cluster.wait_until("every pod is ready", || {
        let pods = cluster.sim.list("v1", "Pod", None);
        pods.len() >= 61
            && pods.iter().all(|p| {
                p["status"]["conditions"].as_array().is_some_and(|c| {
                    c.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
            })
    });

    let mut tables = Vec::new();
    for format in ["table", "wide", "json", "yaml"] {
        cluster.sim.clear_requests();
        let output = cluster.qaenv(&["ls", "-o", format]);
        assert_eq!(code(&output), Some(0), "{}", show(&output));
        let requests = cluster.plugin_requests();
        assert!(requests.len() <= 3, "{format}: {requests:#?}");
        assert!(requests.iter().all(|r| !r.is_write() && !r.is_watch()));
        tables.push(output);
    }
    let (table, wide, json) = (&tables[0], &tables[1], &tables[2]);
    let table_rows = rows(&stdout(table));
    assert_eq!(table_rows.len(), 30, "{}", show(table));
    let first = &table_rows[0];
    assert_eq!(
        first[..6],
        ["env-00", "qa-env-00", "alice", "Ready", "2/2", "0"]
    );
    // EXPIRES reads `in 72y`, two words; URL is last.
    assert_eq!(first[first.len() - 1], "https://env-00.qa.example.com/");
    let header: Vec<String> = stdout(table)
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "NAME",
            "NAMESPACE",
            "OWNER",
            "STATUS",
            "READY",
            "RESTARTS",
            "AGE",
            "EXPIRES",
            "URL"
        ]
    );
    // 3 nodes of 4 cpu and 16Gi; 60 pods of 10m/16Mi and one of 2 cpu/4Gi.
    assert!(
        stderr(table).contains("capacity: cpu 9.4 of 12, memory 43.1Gi of 48Gi free on 3 nodes; 30 environments request cpu 600m, memory 960Mi; about 470 more of their average size (cpu 20m, memory 32Mi) fit"),
        "{}",
        show(table)
    );
    let wide_rows = rows(&stdout(wide));
    let cells = &wide_rows[5];
    assert_eq!(
        cells[cells.len() - 3..],
        ["20m", "32Mi", "registry.local/web:1.0"]
    );

    let value = json_of(json);
    let envs = value["environments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(envs.len(), 30);
    for (env, row) in envs.iter().zip(&table_rows) {
        assert_eq!(env["name"], row[0].as_str());
        assert_eq!(env["namespace"], row[1].as_str());
        assert_eq!(env["owner"], row[2].as_str());
        assert_eq!(env["status"], row[3].as_str());
        assert_eq!(format!("{}/{}", env["ready"], env["pods"]), row[4]);
        assert_eq!(env["urls"][0], row[row.len() - 1].as_str());
        assert_eq!(
            env["requests"],
            json!({"cpuMillicores": 20, "memoryBytes": 32 * 1024 * 1024})
        );
    }
    assert_eq!(value["capacity"]["nodes"], 3);
    assert_eq!(
        value["capacity"]["free"]["cpuMillicores"],
        12000 - 2000 - 600
    );
    assert_eq!(value["capacity"]["moreFit"], 470);

    // -o name needs only the namespaces.
    cluster.sim.clear_requests();
    let names = cluster.qaenv(&["ls", "-o", "name", "--owner", "alice"]);
    assert_eq!(code(&names), Some(0), "{}", show(&names));
    assert_eq!(cluster.plugin_requests().len(), 1);
    let expected: Vec<String> = (0..30).step_by(3).map(|i| format!("env-{i:02}")).collect();
    assert_eq!(stdout(&names).lines().collect::<Vec<_>>(), expected);
}

#[test]
fn filters_no_headers_and_an_empty_list() {
    let cluster = Cluster::start(SimConfig::fast());
    let empty = cluster.qaenv(&["ls"]);
    assert_eq!(code(&empty), Some(0), "{}", show(&empty));
    assert_eq!(stdout(&empty), "");
    assert_eq!(stderr(&empty), "No environments found.\n");

    cluster.environment(
        "login",
        "alice",
        Some("2099-01-01T00:00:00Z"),
        &[("team", "pay")],
    );
    cluster.environment("search", "bob", Some("2020-01-01T00:00:00Z"), &[]);
    cluster.environment("cart", "bob", None, &[("team", "pay")]);
    // A namespace with the environment label but not the managed-by label is no environment.
    cluster.create(json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "qa-fake", "labels": {"qaenv.dev/env": "fake"}}}));

    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["ls", "-o", "name"];
        all.extend(args);
        let output = cluster.qaenv(&all);
        assert_eq!(code(&output), Some(0), "{}", show(&output));
        stdout(&output).lines().map(str::to_string).collect()
    };
    assert_eq!(names(&[]), ["cart", "login", "search"]);
    assert_eq!(names(&["--owner", "bob"]), ["cart", "search"]);
    assert_eq!(names(&["-l", "team=pay"]), ["cart", "login"]);
    assert_eq!(names(&["-l", "team=pay", "--owner", "bob"]), ["cart"]);
    assert_eq!(names(&["--expired"]), ["search"]);

    let expired = cluster.qaenv(&["ls", "--expired", "--no-headers"]);
    assert_eq!(code(&expired), Some(0), "{}", show(&expired));
    let text = stdout(&expired);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with("search   qa-search   bob   Expired   0/0"),
        "{text}"
    );
    assert!(
        !stderr(&expired).contains("capacity:"),
        "{}",
        show(&expired)
    );

    let none = cluster.qaenv(&["ls", "--owner", "carol", "-o", "json"]);
    assert_eq!(code(&none), Some(0), "{}", show(&none));
    assert_eq!(stdout(&none), "");
    assert_eq!(stderr(&none), "No environments found.\n");

    let bad = cluster.qaenv(&["ls", "-l", "team in pay"]);
    assert_eq!(code(&bad), Some(1), "{}", show(&bad));
    let err = stderr(&bad);
    assert!(
        err.starts_with("error: cannot list environments: "),
        "{err}"
    );
    assert!(err.contains("\nhint: check the -l selector"), "{err}");
}

/// The environment `name` of an `ls -o json` output: (status, reason).
fn status_in(value: &Value, name: &str) -> (String, String) {
    let env = value["environments"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == name)
        .cloned()
        .unwrap_or_default();
    (
        env["status"].as_str().unwrap_or_default().to_string(),
        env["reason"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn each_status_comes_from_a_real_situation() {
    // Pods that take a minute to become ready: a fresh environment is Progressing.
    let slow = Cluster::start(SimConfig {
        pod_ready: Duration::from_secs(60),
        ..SimConfig::fast()
    });
    let fresh = slow.up(
        "fresh",
        &deployment("web", "registry.local/web:1.0", 2),
        &["--no-wait"],
    );
    assert_eq!(code(&fresh), Some(0), "{}", show(&fresh));
    slow.wait_until("fresh has its pods", || slow.pods("qa-fresh").len() == 2);
    let output = slow.qaenv(&["ls", "-o", "json"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let (status, reason) = status_in(&json_of(&output), "fresh");
    assert_eq!(status, "Progressing", "{}", show(&output));
    assert!(reason.contains("is not ready"), "{reason}");
    let table = slow.qaenv(&["ls"]);
    assert!(
        stdout(&table).contains("Progressing   0/2"),
        "{}",
        show(&table)
    );

    let cluster = Cluster::start(SimConfig::fast());
    let crash = cluster.up(
        "crash",
        &deployment("web", "registry.local/crashloop:1", 1),
        &["--no-wait"],
    );
    assert_eq!(code(&crash), Some(0), "{}", show(&crash));
    let old = cluster.up(
        "old",
        &deployment("web", "registry.local/web:1.0", 1),
        &["--ttl", "1s"],
    );
    assert_eq!(code(&old), Some(0), "{}", show(&old));
    // A namespace being deleted stays Terminating while its pod takes its grace period
    // (3000 s, scaled to 30 s).
    cluster.environment("leaving", "alice", None, &[]);
    cluster.create(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "slow", "namespace": "qa-leaving"},
        "spec": {"terminationGracePeriodSeconds": 3000,
                 "containers": [{"name": "app", "image": "registry.local/web:1.0"}]}
    }));
    let deleted = cluster.kubectl(&["delete", "namespace", "qa-leaving", "--wait=false"]);
    assert!(deleted.status.success(), "{}", show(&deleted));

    cluster.wait_until("crash has restarted", || {
        cluster.pods("qa-crash").iter().any(|p| {
            p["status"]["containerStatuses"][0]["restartCount"]
                .as_i64()
                .unwrap_or(0)
                >= 1
        })
    });
    cluster.wait_until("old has expired", || {
        let ns = cluster
            .sim
            .get("v1", "Namespace", "", "qa-old")
            .unwrap_or_default();
        let at = ns["metadata"]["annotations"]["qaenv.dev/expires-at"]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok());
        at.is_some_and(|at| at < jiff::Timestamp::now())
    });
    cluster.wait_until("leaving is being deleted", || {
        cluster
            .sim
            .get("v1", "Namespace", "", "qa-leaving")
            .is_some_and(|ns| !ns["metadata"]["deletionTimestamp"].is_null())
    });

    let output = cluster.qaenv(&["ls", "-o", "json"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let value = json_of(&output);
    let (status, reason) = status_in(&value, "crash");
    assert_eq!(status, "Degraded", "{}", show(&output));
    assert!(reason.contains("container web keeps crashing"), "{reason}");
    let (status, reason) = status_in(&value, "old");
    assert_eq!(status, "Expired", "{}", show(&output));
    assert!(reason.starts_with("expired "), "{reason}");
    let (status, reason) = status_in(&value, "leaving");
    assert_eq!(status, "Terminating", "{}", show(&output));
    assert_eq!(reason, "namespace qa-leaving is being deleted");

    // The table says the same.
    let table = cluster.qaenv(&["ls"]);
    let by_name: Vec<(String, String)> = rows(&stdout(&table))
        .into_iter()
        .map(|r| (r[0].clone(), r[3].clone()))
        .collect();
    assert_eq!(
        by_name,
        [
            ("crash".to_string(), "Degraded".to_string()),
            ("leaving".into(), "Terminating".into()),
            ("old".into(), "Expired".into()),
        ],
        "{}",
        show(&table)
    );
}

#[test]
fn up_records_urls_that_ls_and_status_show() {
    let cluster = Cluster::start(SimConfig::fast());
    let manifest = format!(
        "{}---\n{INGRESS}",
        deployment("web", "registry.local/web:1.0", 1)
    );
    let up = cluster.up("feature/Login", &manifest, &["--owner", "alice"]);
    assert_eq!(code(&up), Some(0), "{}", show(&up));
    let ns = cluster
        .sim
        .get("v1", "Namespace", "", "qa-feature-login")
        .unwrap_or_default();
    assert_eq!(
        ns["metadata"]["annotations"]["qaenv.dev/urls"],
        "https://login.qa.example.com/"
    );

    let ls = cluster.qaenv(&["ls"]);
    assert!(
        stdout(&ls).contains("feature-login   qa-feature-login   alice   Ready    1/1"),
        "{}",
        show(&ls)
    );
    assert!(
        stdout(&ls).contains("https://login.qa.example.com/"),
        "{}",
        show(&ls)
    );
    let status = cluster.qaenv(&["status", "feature/Login"]);
    assert_eq!(code(&status), Some(0), "{}", show(&status));
    assert!(
        stdout(&status).contains("URLs:      https://login.qa.example.com/"),
        "{}",
        show(&status)
    );

    // Without the annotation (an environment of an older qaenv), status reads the Ingresses.
    let removed = cluster.kubectl(&[
        "annotate",
        "namespace",
        "qa-feature-login",
        "qaenv.dev/urls-",
    ]);
    assert!(removed.status.success(), "{}", show(&removed));
    let status = cluster.qaenv(&["describe", "feature-login", "-o", "json"]);
    assert_eq!(
        json_of(&status)["urls"],
        json!(["https://login.qa.example.com/"])
    );

    // An up without the Ingress drops the recorded URLs.
    let again = cluster.up(
        "feature/Login",
        &deployment("web", "registry.local/web:1.0", 1),
        &[],
    );
    assert_eq!(code(&again), Some(0), "{}", show(&again));
    let ns = cluster
        .sim
        .get("v1", "Namespace", "", "qa-feature-login")
        .unwrap_or_default();
    assert!(
        ns["metadata"]["annotations"]
            .get("qaenv.dev/urls")
            .is_none(),
        "{ns:#}"
    );
}

#[test]
fn status_of_a_crash_loop_shows_its_reason_events_and_quota() {
    let cluster = Cluster::start(SimConfig::fast());
    let manifest = format!(
        "{}---\n{}",
        deployment("web", "registry.local/web:1.0", 2),
        deployment("worker", "registry.local/crashloop:1", 1)
    );
    let up = cluster.up("login", &manifest, &["--no-wait"]);
    assert_eq!(code(&up), Some(0), "{}", show(&up));
    cluster.create(json!({
        "apiVersion": "v1", "kind": "ResourceQuota",
        "metadata": {"name": "qaenv-quota", "namespace": "qa-login"},
        "spec": {"hard": {"pods": "10", "requests.cpu": "1"}}
    }));
    cluster.wait_until(
        "web is available, the worker restarted, the quota counts 3 pods",
        || {
            let restarted = cluster.pods("qa-login").iter().any(|p| {
                p["status"]["containerStatuses"][0]["restartCount"]
                    .as_i64()
                    .unwrap_or(0)
                    >= 1
            });
            let quota = cluster
                .sim
                .get("v1", "ResourceQuota", "qa-login", "qaenv-quota")
                .unwrap_or_default();
            let web = cluster
                .sim
                .get("apps/v1", "Deployment", "qa-login", "web")
                .unwrap_or_default();
            restarted
                && quota["status"]["used"]["pods"] == "3"
                && web["status"]["availableReplicas"] == 2
        },
    );

    let output = cluster.qaenv(&["status", "login"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let text = stdout(&output);
    for expected in [
        "Name:      login\n",
        "Namespace: qa-login\n",
        "Status:    Degraded (deployment/worker: container worker keeps crashing in pod worker-",
        "Source:    ",
        "deployment/worker   0/1     CrashLoopBackOff",
        "registry.local/crashloop:1",
        "Not ready:\n  deployment/worker is not ready (0/1 ready, Failed):",
        "last log lines of the previous run:",
        "hint: fix the crash the log shows",
        "Warning events:\n  LAST SEEN",
        "BackOff",
        "Resource quotas:\n  QUOTA",
        "qaenv-quota   pods           3      10     30%",
        "qaenv-quota   requests.cpu   150m   1      15%",
        "Capacity:\n  Requests:  cpu 150m, memory 96Mi\n  Cluster:   cpu 11.8 of 12",
    ] {
        assert!(
            text.contains(expected),
            "missing {expected:?}:\n{}",
            show(&output)
        );
    }
    let deployment_web = text
        .lines()
        .find(|l| l.contains("deployment/web "))
        .unwrap_or_default();
    assert!(deployment_web.contains("2/2     Ready"), "{text}");

    let json = cluster.qaenv(&["status", "login", "-o", "json"]);
    assert_eq!(code(&json), Some(0), "{}", show(&json));
    let value = json_of(&json);
    assert_eq!(value["status"], "Degraded");
    assert_eq!(
        value["owner"],
        stdout(&output)
            .lines()
            .find(|l| l.starts_with("Owner:"))
            .unwrap_or_default()["Owner:".len()..]
            .trim()
    );
    let worker = value["workloads"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|w| w["name"] == "worker")
        .cloned()
        .unwrap_or_default();
    assert_eq!(worker["state"], "Failed");
    assert_eq!(worker["reasons"][0]["reason"], "CrashLoop");
    assert!(value["warnings"]
        .as_array()
        .is_some_and(|w| w.iter().any(|w| w["reason"] == "BackOff")));
    let pods_quota = value["quotas"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|q| q["resource"] == "pods")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (pods_quota["used"].as_str(), pods_quota["hard"].as_str()),
        (Some("3"), Some("10"))
    );
    assert_eq!(value["capacity"]["requests"]["cpuMillicores"], 150);
    assert_eq!(value["capacity"]["cluster"]["nodes"], 3);

    let yaml = cluster.qaenv(&["status", "login", "-o", "yaml"]);
    assert_eq!(code(&yaml), Some(0), "{}", show(&yaml));
    assert!(
        stdout(&yaml).contains("status: Degraded"),
        "{}",
        show(&yaml)
    );
}

#[test]
fn status_shows_which_colour_each_service_selects() {
    let cluster = Cluster::start(SimConfig::fast());
    let colour = |c: &str| {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web-{c}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web, color: {c}}}}}
  template:
    metadata: {{labels: {{app: web, color: {c}}}}}
    spec: {{containers: [{{name: web, image: 'registry.local/web:{c}'}}]}}
"
        )
    };
    let service = "apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web, color: blue}
  ports: [{port: 80}]
";
    let manifest = format!("{}---\n{}---\n{service}", colour("blue"), colour("green"));
    let up = cluster.up("shop", &manifest, &[]);
    assert_eq!(code(&up), Some(0), "{}", show(&up));

    let output = cluster.qaenv(&["status", "shop"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let text = stdout(&output);
    assert!(
        text.contains("Blue/green services (label color):"),
        "{text}"
    );
    assert!(
        text.contains(
            "web       app=web,color=blue   web-blue     blue    2/2         100%     <none>"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "web       app=web,color=blue   web-green    green   2/2         0%       <none>"
        ),
        "{text}"
    );

    let canary = cluster.qaenv(&["canary", "green", "--weight", "50", "-e", "shop", "--yes"]);
    assert_eq!(code(&canary), Some(0), "{}", show(&canary));
    let output = cluster.qaenv(&["status", "shop", "-o", "json"]);
    let value = json_of(&output);
    let web = &value["services"][0];
    assert_eq!(web["service"], "web", "{value:#}");
    assert_eq!(web["state"], "canary");
    assert_eq!(
        (web["stable"].as_str(), web["canary"].as_str()),
        (Some("blue"), Some("green"))
    );
    assert_eq!(web["weight"], 50);
    assert_eq!(web["rollbackTo"], "app=web,color=blue");
    let table = stdout(&cluster.qaenv(&["status", "shop"]));
    assert!(table.contains("50% (canary)"), "{table}");
    // The namespace, as `ls` prints it, names the same environment.
    let by_namespace = stdout(&cluster.qaenv(&["status", "qa-shop"]));
    assert_eq!(by_namespace.lines().next(), table.lines().next());
}

#[test]
fn status_refuses_what_is_not_an_environment() {
    let cluster = Cluster::start(SimConfig::fast());
    let missing = cluster.qaenv(&["status", "feature/Nope"]);
    assert_eq!(code(&missing), Some(1), "{}", show(&missing));
    assert_eq!(
        stderr(&missing),
        "error: environment feature-nope not found: namespace qa-feature-nope does not exist\nhint: `kubectl qaenv ls` lists the environments\n"
    );
    assert_eq!(stdout(&missing), "");

    cluster
        .create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "qa-team"}}));
    let foreign = cluster.qaenv(&["describe", "team"]);
    assert_eq!(code(&foreign), Some(4), "{}", show(&foreign));
    let err = stderr(&foreign);
    assert!(err.starts_with("error: cannot show the status of namespace qa-team: namespace qa-team is not a qaenv environment"), "{err}");
    assert!(err.contains("\nhint: "), "{err}");

    // A namespace name as `ls` prints it is accepted, so `default` is refused, not missing.
    let system = cluster.qaenv(&["status", "default"]);
    assert_eq!(code(&system), Some(4), "{}", show(&system));
    assert!(
        stderr(&system).contains("namespace default is not a qaenv environment"),
        "{}",
        show(&system)
    );

    let empty = cluster.qaenv(&["status", "///"]);
    assert_eq!(code(&empty), Some(2), "{}", show(&empty));
}

#[test]
fn a_user_who_may_not_list_nodes_gets_everything_but_the_capacity() {
    let rules: Vec<Value> = json!([
        {"apiGroups": ["", "apps", "batch", "networking.k8s.io"],
         "resources": ["namespaces", "pods", "pods/log", "services", "events", "resourcequotas",
                       "deployments", "replicasets", "statefulsets", "daemonsets", "jobs",
                       "ingresses"],
         "verbs": ["get", "list", "watch"]}
    ])
    .as_array()
    .cloned()
    .unwrap_or_default();
    let mut tokens = kube_sim::config::default_tokens();
    tokens.retain(|t| t.token != kube_sim::RESTRICTED_TOKEN);
    tokens.push(kube_sim::TokenSpec {
        token: kube_sim::RESTRICTED_TOKEN.into(),
        user: kube_sim::config::RESTRICTED_USER.into(),
        rules: Some(rules),
    });
    let cluster = Cluster::start(SimConfig {
        tokens,
        ..SimConfig::fast()
    });
    cluster.environment("login", "alice", None, &[]);
    cluster.pod("login", "web-0", "registry.local/web:1.0");

    let ls = cluster.qaenv(&["ls", "--context", "kube-sim-restricted"]);
    assert_eq!(code(&ls), Some(0), "{}", show(&ls));
    assert!(stdout(&ls).contains("login   qa-login"), "{}", show(&ls));
    let err = stderr(&ls);
    assert!(
        err.starts_with("note: capacity not shown: cannot list nodes: forbidden: user \"kube-sim-restricted\" may not list nodes cluster-wide"),
        "{err}"
    );
    let json = cluster.qaenv(&["ls", "--context", "kube-sim-restricted", "-o", "json"]);
    let value = json_of(&json);
    assert_eq!(value["environments"][0]["name"], "login");
    assert!(value.get("capacity").is_none(), "{value:#}");

    let status = cluster.qaenv(&["status", "login", "--context", "kube-sim-restricted"]);
    assert_eq!(code(&status), Some(0), "{}", show(&status));
    assert!(
        stdout(&status).contains("  Cluster:   unknown (cannot list nodes: forbidden"),
        "{}",
        show(&status)
    );
}
