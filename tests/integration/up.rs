//! `up` against kube-sim: the real binary, each test with a simulator of its own; results are
//! checked through the simulator's store and its request log.

use std::{
    path::{Path, PathBuf},
    process::Output,
    time::{Duration, Instant},
};

use kube_sim::{RequestRecord, Sim, SimConfig};
use serde_json::{json, Value};

use crate::common::{deployment_yaml, from_plugin, qaenv, stderr, stdout, writes};

fn start(config: SimConfig) -> Sim {
    Sim::start(config).unwrap_or_else(|e| panic!("start kube-sim: {e:#}"))
}

/// `kubectl-qaenv up NAME ARGS…` in `dir` (the working directory, where qaenv.toml is read).
fn up(sim: &Sim, dir: &Path, name: &str, args: &[&str]) -> Output {
    qaenv(dir)
        .current_dir(dir)
        .env("KUBECACHEDIR", dir.join(".kube-cache"))
        .arg("up")
        .arg(name)
        .arg("--kubeconfig")
        .arg(sim.kubeconfig_path())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run up: {e}"))
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

fn corpus(file: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(file);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "skipped: {} not found (the shared corpus is not beside the repository)",
            path.display()
        );
        None
    }
}

/// Requests the plugin sent (not kubectl's, not the simulator's own).
fn ours(sim: &Sim) -> Vec<RequestRecord> {
    from_plugin(&sim.requests())
}

fn deployment(name: &str, image: &str, replicas: u32) -> String {
    deployment_yaml(name, image, replicas, "10m", "16Mi")
}

fn service(name: &str) -> String {
    format!(
        "apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports:
  - port: 80
"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

fn available(sim: &Sim, ns: &str, name: &str) -> bool {
    sim.get("apps/v1", "Deployment", ns, name)
        .and_then(|d| {
            d.pointer("/status/availableReplicas")
                .and_then(Value::as_i64)
        })
        .unwrap_or(0)
        >= 1
}

/// The whole-second wall clock, as the RFC 3339 annotations record it.
fn second() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Waits (at most 2 s) until the wall clock enters a new second, so a re-`up` computes another
/// expiry than the one before.
fn next_second() {
    let start = second();
    let deadline = Instant::now() + Duration::from_secs(2);
    while second() == start && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn online_boutique_comes_up_ready_and_a_second_up_writes_only_the_expiry() {
    let Some(manifest) = corpus("online-boutique.yaml") else {
        return;
    };
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    let m = manifest.to_string_lossy().to_string();
    let output = up(
        &sim,
        dir.path(),
        "feature/OB-1",
        &["-f", &m, "--timeout", "60s"],
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let ns = "qa-feature-ob-1";
    for name in ["frontend", "cartservice", "redis-cart", "loadgenerator"] {
        assert!(
            available(&sim, ns, name),
            "{name} not available\n{}",
            show(&output)
        );
    }
    let deployments = sim.list("apps/v1", "Deployment", Some(ns));
    assert_eq!(deployments.len(), 12);
    for d in &deployments {
        assert_eq!(d["metadata"]["labels"]["qaenv.dev/env"], "feature-ob-1");
        assert_eq!(
            d["spec"]["template"]["metadata"]["labels"]["qaenv.dev/env"],
            "feature-ob-1"
        );
    }
    let table = stdout(&output);
    assert!(table.starts_with("OBJECT"), "{table}");
    assert!(table.contains("deployment.apps/frontend"), "{table}");
    assert!(
        stderr(&output).contains("environment feature-ob-1 is ready"),
        "{}",
        show(&output)
    );
    let namespace = sim.get("v1", "Namespace", "", ns).unwrap_or_default();
    let expiry_before = namespace["metadata"]["annotations"]["qaenv.dev/expires-at"].clone();
    assert_eq!(
        namespace["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "kubectl-qaenv"
    );
    assert_eq!(
        namespace["metadata"]["annotations"]["qaenv.dev/applied-kinds"],
        "apps/v1/Deployment,v1/Service,v1/ServiceAccount"
    );

    next_second();
    sim.clear_requests();
    let again = up(&sim, dir.path(), "feature/OB-1", &["-f", &m, "--no-wait"]);
    assert_eq!(code(&again), Some(0), "{}", show(&again));
    let requests = ours(&sim);
    assert_eq!(
        writes(&requests),
        vec![format!("PATCH /api/v1/namespaces/{ns}")],
        "{requests:#?}"
    );
    let reads: Vec<&RequestRecord> = requests.iter().filter(|r| !r.is_write()).collect();
    // The namespace, then one list per kind: ServiceAccounts, Services, Deployments.
    assert_eq!(reads.len(), 4, "{reads:#?}");
    assert!(stderr(&again).contains("35 unchanged"), "{}", show(&again));
    let namespace = sim.get("v1", "Namespace", "", ns).unwrap_or_default();
    let expiry_after = namespace["metadata"]["annotations"]["qaenv.dev/expires-at"].clone();
    assert!(
        expiry_after.as_str() > expiry_before.as_str(),
        "{expiry_before} -> {expiry_after}"
    );
}

/// The namespace's expiry annotation, as a timestamp.
fn expiry(sim: &Sim, ns: &str) -> Option<jiff::Timestamp> {
    sim.get("v1", "Namespace", "", ns)?
        .pointer("/metadata/annotations/qaenv.dev~1expires-at")?
        .as_str()?
        .parse()
        .ok()
}

/// The expiry `down --expired` acts on: `--ttl` from now, extended by every `up` (also one
/// that changes nothing else), removed by `--ttl never`. Needs no corpus.
#[test]
fn every_up_extends_the_expiry_and_never_removes_it() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.yaml", &service("web"));
    let ns = "qa-ttl";
    let before = jiff::Timestamp::now();
    let output = up(&sim, dir.path(), "ttl", &["-f", "app.yaml", "--ttl", "2h"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let first = expiry(&sim, ns).unwrap_or_else(|| panic!("no expiry\n{}", show(&output)));
    let two_hours = jiff::SignedDuration::from_hours(2);
    // Written to the second: between (before + 2h) rounded down and now + 2h.
    assert!(
        first.as_second() >= (before + two_hours).as_second()
            && first <= jiff::Timestamp::now() + two_hours,
        "{before} + 2h -> {first}"
    );

    next_second();
    sim.clear_requests();
    let again = up(&sim, dir.path(), "ttl", &["-f", "app.yaml", "--ttl", "2h"]);
    assert_eq!(code(&again), Some(0), "{}", show(&again));
    let second = expiry(&sim, ns).unwrap_or_else(|| panic!("no expiry\n{}", show(&again)));
    assert!(second > first, "{first} -> {second}");
    // Nothing else changed, so the expiry is the only write.
    assert_eq!(
        writes(&ours(&sim)),
        vec![format!("PATCH /api/v1/namespaces/{ns}")]
    );

    // The default is 7 days.
    let default = up(&sim, dir.path(), "ttl", &["-f", "app.yaml"]);
    assert_eq!(code(&default), Some(0), "{}", show(&default));
    let week = expiry(&sim, ns).unwrap_or_else(|| panic!("no expiry"));
    let left = week.as_second() - jiff::Timestamp::now().as_second();
    assert!(
        (7 * 86_400 - 10..=7 * 86_400).contains(&left),
        "7 days from the up: {week} ({left}s from now)"
    );

    let pinned = up(
        &sim,
        dir.path(),
        "ttl",
        &["-f", "app.yaml", "--ttl", "never"],
    );
    assert_eq!(code(&pinned), Some(0), "{}", show(&pinned));
    assert_eq!(expiry(&sim, ns), None);
    let annotations = sim
        .get("v1", "Namespace", "", ns)
        .map(|n| n["metadata"]["annotations"].clone())
        .unwrap_or_default();
    assert!(
        annotations.get("qaenv.dev/expires-at").is_none(),
        "{annotations}"
    );
}

#[test]
fn sock_shop_lands_in_the_environment_namespace_only() {
    let Some(manifest) = corpus("sock-shop.yaml") else {
        return;
    };
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    let m = manifest.to_string_lossy().to_string();
    let output = up(&sim, dir.path(), "socks", &["-f", &m, "--timeout", "60s"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    assert!(sim.get("v1", "Namespace", "", "sock-shop").is_none());
    assert!(sim
        .list("apps/v1", "Deployment", Some("sock-shop"))
        .is_empty());
    assert!(sim.list("v1", "Service", Some("sock-shop")).is_empty());
    assert_eq!(
        sim.list("apps/v1", "Deployment", Some("qa-socks")).len(),
        14
    );
    assert_eq!(sim.list("v1", "Service", Some("qa-socks")).len(), 14);
    assert!(available(&sim, "qa-socks", "front-end"));
    let err = stderr(&output);
    assert!(
        err.contains("warning: skipped Namespace sock-shop"),
        "{err}"
    );
    assert!(
        err.contains("warning: 28 objects name namespace sock-shop: applied into qa-socks instead"),
        "{err}"
    );
    // Nothing was ever sent for the sock-shop namespace.
    assert!(
        ours(&sim).iter().all(|r| !r.path.contains("sock-shop")),
        "{:#?}",
        ours(&sim)
    );
}

#[test]
fn changing_one_deployment_writes_only_it_and_removing_a_file_prunes() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    let deploy = dir.path().join("deploy");
    write(
        &deploy,
        "api.yaml",
        &format!(
            "{}---\n{}",
            deployment("api", "shop/api:1", 1),
            service("api")
        ),
    );
    write(&deploy, "web.yaml", &deployment("web", "shop/web:1", 1));
    write(
        &deploy,
        "nested/cache.yml",
        &format!(
            "{}---\n{}",
            deployment("cache", "redis:7", 1),
            service("cache")
        ),
    );
    let output = up(&sim, dir.path(), "shop", &["-f", "deploy", "--no-wait"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    assert!(stderr(&output).contains("5 created"), "{}", show(&output));

    write(&deploy, "web.yaml", &deployment("web", "shop/web:1", 2));
    sim.clear_requests();
    let output = up(&sim, dir.path(), "shop", &["-f", "deploy", "--no-wait"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    assert_eq!(
        writes(&ours(&sim)),
        vec![
            "PATCH /api/v1/namespaces/qa-shop".to_string(),
            "PATCH /apis/apps/v1/namespaces/qa-shop/deployments/web".to_string(),
        ]
    );
    assert!(
        stdout(&output).contains("deployment.apps/web     configured"),
        "{}",
        show(&output)
    );
    let web = sim
        .get("apps/v1", "Deployment", "qa-shop", "web")
        .unwrap_or_default();
    assert_eq!(web["spec"]["replicas"], 2);

    std::fs::remove_file(deploy.join("nested/cache.yml")).unwrap();
    sim.clear_requests();
    let output = up(
        &sim,
        dir.path(),
        "shop",
        &["-f", "deploy", "--no-wait", "-o", "json"],
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap_or_default();
    assert_eq!(
        report["summary"],
        json!({"pruned": 2, "unchanged": 3}),
        "{report}"
    );
    let mut deletes: Vec<String> = writes(&ours(&sim))
        .into_iter()
        .filter(|w| w.starts_with("DELETE"))
        .collect();
    deletes.sort();
    assert_eq!(
        deletes,
        vec![
            "DELETE /api/v1/namespaces/qa-shop/services/cache".to_string(),
            "DELETE /apis/apps/v1/namespaces/qa-shop/deployments/cache".to_string(),
        ]
    );
    assert!(sim.get("v1", "Service", "qa-shop", "cache").is_none());
    assert!(sim.get("v1", "Service", "qa-shop", "api").is_some());
}

#[test]
fn a_kind_no_longer_rendered_is_still_pruned() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n";
    write(
        dir.path(),
        "a.yaml",
        &format!("{}---\n{cm}", service("api")),
    );
    assert_eq!(
        code(&up(
            &sim,
            dir.path(),
            "kinds",
            &["-f", "a.yaml", "--no-wait"]
        )),
        Some(0)
    );
    write(dir.path(), "a.yaml", &service("api"));
    let output = up(&sim, dir.path(), "kinds", &["-f", "a.yaml", "--no-wait"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    assert!(sim.get("v1", "ConfigMap", "qa-kinds", "settings").is_none());
    // kube-root-ca.crt is the namespace's own and stays.
    assert!(sim
        .get("v1", "ConfigMap", "qa-kinds", "kube-root-ca.crt")
        .is_some());
    let ns = sim
        .get("v1", "Namespace", "", "qa-kinds")
        .unwrap_or_default();
    assert_eq!(
        ns["metadata"]["annotations"]["qaenv.dev/applied-kinds"],
        "v1/Service"
    );
}

#[test]
fn redeploy_rolls_out_a_new_replica_set_with_the_same_image() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "web.yaml",
        &deployment("web", "shop/web:latest", 1),
    );
    let output = up(
        &sim,
        dir.path(),
        "rd",
        &["-f", "web.yaml", "--timeout", "30s"],
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    assert_eq!(sim.list("apps/v1", "ReplicaSet", Some("qa-rd")).len(), 1);
    sim.clear_requests();
    let output = up(
        &sim,
        dir.path(),
        "rd",
        &["-f", "web.yaml", "--redeploy", "--dry-run"],
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    assert!(
        stdout(&output).contains("deployment.apps/web   redeploy\n"),
        "{}",
        show(&output)
    );
    assert_eq!(sim.list("apps/v1", "ReplicaSet", Some("qa-rd")).len(), 1);
    sim.clear_requests();
    let output = up(
        &sim,
        dir.path(),
        "rd",
        &["-f", "web.yaml", "--redeploy", "--timeout", "30s"],
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    assert!(
        stdout(&output).contains("deployment.apps/web   redeployed\n"),
        "{}",
        show(&output)
    );
    let requests = ours(&sim);
    let patches: Vec<&RequestRecord> = requests
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with("/deployments/web"))
        .collect();
    assert_eq!(patches.len(), 1, "{patches:#?}");
    let sets = sim.list("apps/v1", "ReplicaSet", Some("qa-rd"));
    assert_eq!(sets.len(), 2, "{sets:#?}");
    for set in &sets {
        assert_eq!(
            set["spec"]["template"]["spec"]["containers"][0]["image"],
            "shop/web:latest"
        );
    }
    let web = sim
        .get("apps/v1", "Deployment", "qa-rd", "web")
        .unwrap_or_default();
    let id = web["spec"]["template"]["metadata"]["annotations"]["qaenv.dev/deployment-id"].clone();
    assert!(id.is_string(), "{web}");
    // A later plain up keeps the id: no second rollout.
    sim.clear_requests();
    let output = up(&sim, dir.path(), "rd", &["-f", "web.yaml", "--no-wait"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    assert!(writes(&ours(&sim))
        .iter()
        .all(|w| w.contains("/namespaces/qa-rd") && !w.contains("deployments")));
    let web = sim
        .get("apps/v1", "Deployment", "qa-rd", "web")
        .unwrap_or_default();
    assert_eq!(
        web["spec"]["template"]["metadata"]["annotations"]["qaenv.dev/deployment-id"],
        id
    );
}

#[test]
fn stages_wait_for_the_previous_stage_to_be_ready() {
    let sim = start(SimConfig {
        pod_ready: Duration::from_millis(1500),
        ..SimConfig::fast()
    });
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "queue/queue.yaml",
        &format!(
            "{}---\n{}",
            deployment("queue", "rabbitmq:3", 1),
            service("queue")
        ),
    );
    write(
        dir.path(),
        "app/worker.yaml",
        &deployment("worker", "shop/worker:1", 1),
    );
    write(
        dir.path(),
        "qaenv.toml",
        "[[stages]]\nname = \"queue\"\nsources = [\"queue\"]\n\n[[stages]]\nname = \"app\"\nsources = [\"app\"]\n",
    );
    let output = up(&sim, dir.path(), "staged", &["--timeout", "60s"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let created = |name: &str| -> i64 {
        let d = sim
            .get("apps/v1", "Deployment", "qa-staged", name)
            .unwrap_or_default();
        let text = d["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        text.parse::<jiff::Timestamp>()
            .map(|t| t.as_second())
            .unwrap_or_default()
    };
    // The queue's pod needs 1.5 s to be Ready; the worker is created only after that.
    assert!(created("worker") > created("queue"), "{}", show(&output));
    let table = stdout(&output);
    assert!(table.starts_with("STAGE"), "{table}");
    assert!(table.contains("queue   deployment.apps/queue"), "{table}");
    assert!(table.contains("app     deployment.apps/worker"), "{table}");
}

fn broken(sim: &Sim, dir: &Path, image: &str, cpu: &str) -> Output {
    write(
        dir,
        "bad.yaml",
        &deployment("bad", image, 1).replace("cpu: 10m", &format!("cpu: {cpu}")),
    );
    up(sim, dir, "broken", &["-f", "bad.yaml", "--timeout", "3s"])
}

#[test]
fn a_crash_loop_times_out_with_restarts_and_log_lines() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    let output = broken(&sim, dir.path(), "shop/api:crashloop", "10m");
    assert_eq!(code(&output), Some(3), "{}", show(&output));
    let err = stderr(&output);
    assert!(err.contains("deployment/bad is not ready"), "{err}");
    assert!(err.contains("CrashLoopBackOff"), "{err}");
    assert!(err.contains(" restart"), "{err}");
    assert!(err.contains("| panic: simulated crash"), "{err}");
    assert!(
        err.contains("error: wait for environment broken timed out after 3s"),
        "{err}"
    );
}

#[test]
fn a_failed_pull_times_out_naming_the_image() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    let output = broken(
        &sim,
        dir.path(),
        "registry.example.com/shop/pullfail:1",
        "10m",
    );
    assert_eq!(code(&output), Some(3), "{}", show(&output));
    let err = stderr(&output);
    assert!(err.contains("ImagePullBackOff"), "{err}");
    assert!(
        err.contains("registry.example.com/shop/pullfail:1"),
        "{err}"
    );
}

#[test]
fn an_unschedulable_workload_is_warned_about_and_times_out() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    let output = broken(&sim, dir.path(), "shop/big:1", "64");
    assert_eq!(code(&output), Some(3), "{}", show(&output));
    let err = stderr(&output);
    assert!(
        err.contains("warning: not enough cpu: the environment requests cpu 64"),
        "{err}"
    );
    assert!(err.contains("Insufficient cpu"), "{err}");

    // With --strict-capacity nothing is applied.
    let sim = start(SimConfig::fast());
    sim.clear_requests();
    let output = up(
        &sim,
        dir.path(),
        "strict",
        &["-f", "bad.yaml", "--strict-capacity"],
    );
    assert_eq!(code(&output), Some(4), "{}", show(&output));
    assert!(writes(&ours(&sim)).is_empty(), "{:#?}", ours(&sim));
    assert!(stderr(&output)
        .contains("error: environment strict does not fit the cluster: not enough cpu"));
}

#[test]
fn a_foreign_namespace_is_refused_and_left_untouched() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    sim.create(json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "qa-team", "labels": {"owner": "team-a"}}}))
        .unwrap_or_else(|e| panic!("create: {e:?}"));
    write(dir.path(), "web.yaml", &deployment("web", "shop/web:1", 1));
    sim.clear_requests();
    let output = up(&sim, dir.path(), "team", &["-f", "web.yaml"]);
    assert_eq!(code(&output), Some(4), "{}", show(&output));
    assert!(writes(&ours(&sim)).is_empty(), "{:#?}", ours(&sim));
    let err = stderr(&output);
    assert!(
        err.starts_with("error: refusing to deploy into namespace qa-team: it exists and is not managed by qaenv"),
        "{err}"
    );
    assert!(
        err.contains("hint: pick another environment name, or pass --adopt"),
        "{err}"
    );
    let ns = sim
        .get("v1", "Namespace", "", "qa-team")
        .unwrap_or_default();
    assert!(ns["metadata"]["labels"]
        .get("app.kubernetes.io/managed-by")
        .is_none());

    let output = up(
        &sim,
        dir.path(),
        "team",
        &["-f", "web.yaml", "--adopt", "--no-wait"],
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let ns = sim
        .get("v1", "Namespace", "", "qa-team")
        .unwrap_or_default();
    assert_eq!(
        ns["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "kubectl-qaenv"
    );
    assert_eq!(ns["metadata"]["labels"]["owner"], "team-a");
}

#[test]
fn undefined_variables_are_listed_and_nothing_is_sent() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.yaml",
        &deployment("web", "shop/web:${TAG}", 1).replace("replicas: 1", "replicas: ${REPLICAS}"),
    );
    write(dir.path(), "b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  nginx: \"proxy_pass $${UPSTREAM}; host ${QAENV_NAME}; ${MISSING}\"\n");
    sim.clear_requests();
    let output = up(
        &sim,
        dir.path(),
        "vars",
        &["-f", "a.yaml", "-f", "b.yaml", "--set", "TAG=2"],
    );
    assert_eq!(code(&output), Some(1), "{}", show(&output));
    let err = stderr(&output);
    assert!(
        err.starts_with("error: undefined variables MISSING, REPLICAS: used in a.yaml, b.yaml\nhint: define them with --set NAME=VALUE"),
        "{err}"
    );
    assert!(ours(&sim).is_empty());

    let output = up(
        &sim,
        dir.path(),
        "vars",
        &[
            "-f",
            "a.yaml",
            "-f",
            "b.yaml",
            "--set",
            "TAG=2",
            "--set",
            "REPLICAS=2",
            "--set",
            "MISSING=x",
            "--no-wait",
        ],
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let cm = sim
        .get("v1", "ConfigMap", "qa-vars", "c")
        .unwrap_or_default();
    assert_eq!(cm["data"]["nginx"], "proxy_pass ${UPSTREAM}; host vars; x");
    let web = sim
        .get("apps/v1", "Deployment", "qa-vars", "web")
        .unwrap_or_default();
    assert_eq!(web["spec"]["replicas"], 2);
    assert_eq!(
        web["spec"]["template"]["spec"]["containers"][0]["image"],
        "shop/web:2"
    );
}

#[test]
fn malformed_yaml_names_the_file_and_document() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(SimConfig::fast());
    write(dir.path(), "ok.yaml", &service("a"));
    write(
        dir.path(),
        "bad.yaml",
        &format!(
            "{}---\n{}---\nkind: Service\nmetadata:\n  name: [oops\n",
            service("b"),
            service("c")
        ),
    );
    sim.clear_requests();
    let output = up(
        &sim,
        dir.path(),
        "bad",
        &["-f", "ok.yaml", "-f", "bad.yaml"],
    );
    assert_eq!(code(&output), Some(1), "{}", show(&output));
    let err = stderr(&output);
    assert!(
        err.starts_with("error: invalid manifest bad.yaml: document 3 (line"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(ours(&sim).is_empty());
}

#[test]
fn dry_run_shows_the_plan_and_writes_nothing() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.yaml",
        &format!(
            "{}---\n{}",
            deployment("web", "shop/web:1", 1),
            service("web")
        ),
    );
    // A new environment: only the namespace can be checked by the server.
    let output = up(
        &sim,
        dir.path(),
        "dry",
        &["-f", "a.yaml", "--dry-run", "-o", "json"],
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap_or_default();
    assert_eq!(report["dryRun"], true);
    assert_eq!(report["namespaceAction"], "create");
    assert_eq!(report["summary"], json!({"create": 2}));
    assert!(sim.get("v1", "Namespace", "", "qa-dry").is_none());

    assert_eq!(
        code(&up(&sim, dir.path(), "dry", &["-f", "a.yaml", "--no-wait"])),
        Some(0)
    );
    write(dir.path(), "a.yaml", &deployment("web", "shop/web:2", 1));
    sim.clear_requests();
    let output = up(&sim, dir.path(), "dry", &["-f", "a.yaml", "--dry-run"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let table = stdout(&output);
    assert!(table.contains("deployment.apps/web   configure"), "{table}");
    assert!(table.contains("service/web           prune"), "{table}");
    let requests = ours(&sim);
    let writes: Vec<&RequestRecord> = requests.iter().filter(|r| r.is_write()).collect();
    assert!(!writes.is_empty());
    assert!(
        writes.iter().all(|r| r.query.contains("dryRun=All")),
        "{writes:#?}"
    );
    let web = sim
        .get("apps/v1", "Deployment", "qa-dry", "web")
        .unwrap_or_default();
    assert_eq!(
        web["spec"]["template"]["spec"]["containers"][0]["image"],
        "shop/web:1"
    );
    assert!(sim.get("v1", "Service", "qa-dry", "web").is_some());
}

#[test]
fn two_concurrent_ups_of_one_environment_agree() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..8 {
        text.push_str(&deployment(&format!("svc{i}"), "shop/app:1", 1));
        text.push_str("---\n");
        text.push_str(&service(&format!("svc{i}")));
        text.push_str("---\n");
    }
    write(dir.path(), "all.yaml", &text);
    let spawn = || {
        qaenv(dir.path())
            .current_dir(dir.path())
            .arg("up")
            .arg("race")
            .arg("--kubeconfig")
            .arg(sim.kubeconfig_path())
            .args(["-f", "all.yaml", "--timeout", "60s"])
            .output()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join(), b.join())
    });
    let a = a
        .unwrap_or_else(|_| panic!("thread"))
        .unwrap_or_else(|e| panic!("run: {e}"));
    let b = b
        .unwrap_or_else(|_| panic!("thread"))
        .unwrap_or_else(|e| panic!("run: {e}"));
    assert_eq!(code(&a), Some(0), "{}", show(&a));
    assert_eq!(code(&b), Some(0), "{}", show(&b));
    assert_eq!(sim.list("apps/v1", "Deployment", Some("qa-race")).len(), 8);
    for i in 0..8 {
        assert!(available(&sim, "qa-race", &format!("svc{i}")));
    }
    // Consistent: a third up finds nothing to do.
    next_second();
    sim.clear_requests();
    let c = up(&sim, dir.path(), "race", &["-f", "all.yaml", "--no-wait"]);
    assert_eq!(code(&c), Some(0), "{}", show(&c));
    assert_eq!(
        writes(&ours(&sim)),
        vec!["PATCH /api/v1/namespaces/qa-race".to_string()]
    );
}

#[test]
fn guard_rails_come_from_qaenv_toml_and_secrets_are_never_printed() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    let secret_json = r#"{"auths":{"registry.example.com":{"auth":"c2VjcmV0LXZhbHVl"}}}"#;
    let encoded = base64_encode(secret_json.as_bytes());
    sim.create(json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "regcred", "namespace": "default"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": encoded}}))
        .unwrap_or_else(|e| panic!("create: {e:?}"));
    write(
        dir.path(),
        "deploy/web.yaml",
        &deployment("web", "registry.example.com/web:1", 1),
    );
    write(
        dir.path(),
        "deploy/ingress.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  rules:\n  - host: ${QAENV_HOST}\n    http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n",
    );
    write(
        dir.path(),
        "qaenv.toml",
        r#"sources = ["deploy"]
host = "{name}.qa.example.com"
ttl = "2d"

[quota]
"requests.cpu" = "2"
pods = "20"

[limit_range]
default_request = { cpu = "50m", memory = "64Mi" }

[isolation]
ingress_namespaces = ["ingress-nginx"]

[[pull_secrets]]
name = "regcred"
"#,
    );
    let output = up(
        &sim,
        dir.path(),
        "guarded",
        &["-v", "--no-wait", "--owner", "qa-team"],
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let all = format!("{}{}", stdout(&output), stderr(&output));
    assert!(!all.contains(&encoded), "secret data printed");
    assert!(!all.contains("c2VjcmV0LXZhbHVl") && !all.contains("secret-value"));
    let ns = "qa-guarded";
    let quota = sim
        .get("v1", "ResourceQuota", ns, "qaenv-quota")
        .unwrap_or_default();
    assert_eq!(quota["spec"]["hard"]["pods"], "20");
    assert!(sim.get("v1", "LimitRange", ns, "qaenv-limits").is_some());
    let policy = sim
        .get(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            ns,
            "qaenv-isolation",
        )
        .unwrap_or_default();
    assert_eq!(policy["spec"]["podSelector"], json!({}));
    let copy = sim.get("v1", "Secret", ns, "regcred").unwrap_or_default();
    assert_eq!(copy["data"][".dockerconfigjson"], encoded.as_str());
    let sa = sim
        .get("v1", "ServiceAccount", ns, "default")
        .unwrap_or_default();
    assert_eq!(sa["imagePullSecrets"], json!([{"name": "regcred"}]));
    let namespace = sim.get("v1", "Namespace", "", ns).unwrap_or_default();
    assert_eq!(
        namespace["metadata"]["annotations"]["qaenv.dev/owner"],
        "qa-team"
    );
    assert_eq!(
        namespace["metadata"]["annotations"]["qaenv.dev/source"],
        "qaenv.toml"
    );
    let ingress = sim
        .get("networking.k8s.io/v1", "Ingress", ns, "web")
        .unwrap_or_default();
    assert_eq!(
        ingress["spec"]["rules"][0]["host"],
        "guarded.qa.example.com"
    );
    assert!(
        stdout(&output).contains("URL\nhttp://guarded.qa.example.com/"),
        "{}",
        show(&output)
    );
}

fn base64_encode(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn cluster_scoped_objects_are_refused_unless_allowed() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &format!("{}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: reader}}\nrules: []\n", service("web")));
    sim.clear_requests();
    let output = up(&sim, dir.path(), "cs", &["-f", "a.yaml"]);
    assert_eq!(code(&output), Some(4), "{}", show(&output));
    assert!(writes(&ours(&sim)).is_empty());
    assert!(stderr(&output)
        .contains("clusterrole.rbac.authorization.k8s.io/reader would be written outside"));
    let output = up(
        &sim,
        dir.path(),
        "cs",
        &["-f", "a.yaml", "--allow-cluster-scoped", "--no-wait"],
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let role = sim
        .get("rbac.authorization.k8s.io/v1", "ClusterRole", "", "reader")
        .unwrap_or_default();
    assert_eq!(role["metadata"]["labels"]["qaenv.dev/env"], "cs");
}

#[test]
fn stdin_kustomize_and_image_overrides() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "base/web.yaml",
        &deployment("web", "shop/web:1", 1),
    );
    write(
        dir.path(),
        "base/kustomization.yaml",
        "resources:\n- web.yaml\ncommonLabels:\n  tier: front\n",
    );
    let output = qaenv(dir.path())
        .current_dir(dir.path())
        .env("KUBECACHEDIR", dir.path().join(".kube-cache"))
        .args([
            "up",
            "mix",
            "-k",
            "base",
            "-f",
            "-",
            "--no-wait",
            "--image",
            "shop/web=:2",
            "--image",
            "api=shop/api:pr-7",
        ])
        .arg("--kubeconfig")
        .arg(sim.kubeconfig_path())
        .write_stdin(deployment("api", "shop/api:1", 1))
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let web = sim
        .get("apps/v1", "Deployment", "qa-mix", "web")
        .unwrap_or_default();
    assert_eq!(web["metadata"]["labels"]["tier"], "front");
    assert_eq!(
        web["spec"]["template"]["spec"]["containers"][0]["image"],
        "shop/web:2"
    );
    let api = sim
        .get("apps/v1", "Deployment", "qa-mix", "api")
        .unwrap_or_default();
    assert_eq!(
        api["spec"]["template"]["spec"]["containers"][0]["image"],
        "shop/api:pr-7"
    );
}

#[test]
fn the_example_shop_comes_up_with_its_url_and_guard_rails() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop/qaenv.toml");
    let config = config.to_string_lossy().to_string();
    let output = up(
        &sim,
        dir.path(),
        "feature/ABC-12_login",
        &["--config", &config, "--timeout", "60s"],
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let ns = "qa-feature-abc-12-login";
    for name in [
        "rabbitmq",
        "api",
        "worker",
        "frontend-blue",
        "frontend-green",
    ] {
        assert!(available(&sim, ns, name), "{name}\n{}", show(&output));
    }
    let table = stdout(&output);
    assert!(
        table.contains("URL\nhttp://feature-abc-12-login.shop.example.com/"),
        "{table}"
    );
    let api = sim
        .get("apps/v1", "Deployment", ns, "api")
        .unwrap_or_default();
    assert_eq!(
        api["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example.com/shop/api:1.4.2"
    );
    let cm = sim.get("v1", "ConfigMap", ns, "api").unwrap_or_default();
    assert!(cm["data"]["healthcheck.sh"]
        .as_str()
        .unwrap_or_default()
        .contains("from=${HOSTNAME}"));
    assert!(sim.get("v1", "ResourceQuota", ns, "qaenv-quota").is_some());
}

#[test]
fn an_exceeded_quota_times_out_with_the_quota_named() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.yaml", &deployment("web", "shop/web:1", 3));
    write(
        dir.path(),
        "qaenv.toml",
        "sources = [\"app.yaml\"]\n[quota]\npods = \"1\"\n",
    );
    let output = up(&sim, dir.path(), "quota", &["--timeout", "3s"]);
    assert_eq!(code(&output), Some(3), "{}", show(&output));
    let err = stderr(&output);
    assert!(err.contains("QuotaExceeded"), "{err}");
    assert!(err.contains("exceeded quota: qaenv-quota"), "{err}");
}

#[test]
fn a_rejected_object_is_named_with_what_was_applied_before() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    let bad = service("bad").replace("port: 80", "port: 700000");
    write(
        dir.path(),
        "a.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: settings}}\n---\n{bad}---\n{}",
            deployment("web", "shop/web:1", 1)
        ),
    );
    let output = up(&sim, dir.path(), "reject", &["-f", "a.yaml"]);
    assert_eq!(code(&output), Some(1), "{}", show(&output));
    let err = stderr(&output);
    assert!(
        err.contains("applied before the failure (2): namespace/qa-reject created, configmap/settings created"),
        "{err}"
    );
    assert!(
        err.contains("error: apply service/bad (a.yaml document 2): rejected as invalid:"),
        "{err}"
    );
    // Workloads come after Services: the Deployment was not applied.
    assert!(sim
        .get("apps/v1", "Deployment", "qa-reject", "web")
        .is_none());
}

#[test]
fn failed_requests_are_retried() {
    let sim = start(SimConfig {
        fail_rate: 0.1,
        fail_codes: vec![500, 502],
        seed: 7,
        ..SimConfig::fast()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..10 {
        text.push_str(&format!(
            "{}---\n{}---\n",
            deployment(&format!("s{i}"), "shop/app:1", 1),
            service(&format!("s{i}"))
        ));
    }
    write(dir.path(), "all.yaml", &text);
    let output = up(&sim, dir.path(), "flaky", &["-f", "all.yaml", "--no-wait"]);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    assert_eq!(
        sim.list("apps/v1", "Deployment", Some("qa-flaky")).len(),
        10
    );
    assert_eq!(sim.list("v1", "Service", Some("qa-flaky")).len(), 10);
    assert!(
        sim.requests().iter().any(|r| r.status >= 500),
        "no fault was injected"
    );
}

#[test]
fn a_stage_that_never_gets_ready_stops_the_later_stages() {
    let sim = start(SimConfig::fast());
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "queue.yaml",
        &deployment("queue", "shop/queue:crashloop", 1),
    );
    write(
        dir.path(),
        "app.yaml",
        &deployment("worker", "shop/worker:1", 1),
    );
    write(
        dir.path(),
        "qaenv.toml",
        "[[stages]]\nname = \"queue\"\nsources = [\"queue.yaml\"]\n[[stages]]\nname = \"app\"\nsources = [\"app.yaml\"]\n",
    );
    let output = up(&sim, dir.path(), "stuck", &["--timeout", "3s"]);
    assert_eq!(code(&output), Some(3), "{}", show(&output));
    let err = stderr(&output);
    assert!(err.contains("deployment/queue is not ready"), "{err}");
    assert!(
        err.contains("applied before the failure (2): namespace/qa-stuck created, deployment.apps/queue created"),
        "{err}"
    );
    assert!(
        err.contains("error: wait for stage queue of environment stuck timed out after 3s"),
        "{err}"
    );
    assert!(sim
        .get("apps/v1", "Deployment", "qa-stuck", "worker")
        .is_none());
}
