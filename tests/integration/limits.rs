//! `suggest-limits` against kube-sim: exact suggestions from a known `kube-sim/usage` series,
//! one metrics request per tick, deduplication, insufficient data, a missing metrics API,
//! `--apply` with a concurrent edit, `-o patch` through real kubectl, and Ctrl-C.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kube_sim::{Sim, SimConfig};
use serde_json::{json, Value};

use crate::common::{qaenv, stderr, stdout, BIN};

const NS: &str = "qa-limits";
/// Metrics every 300 ms; the tests poll every 100 ms, so most polls repeat a scrape.
const METRICS_INTERVAL: Duration = Duration::from_millis(300);

/// The usage series: CPU constant at 500m, memory alternating 480Mi and 512Mi. Exact
/// answers (research part C): krr 500m and 512Mi x 1.15 = 589Mi; VPA 511m + 76m = 587m
/// and 546,691,264 B + 15 % = 628,694,953 B.
const USAGE: &str = r#"{"app": {"cpu": ["500m"], "memory": ["480Mi", "512Mi"]}}"#;

fn start(config: SimConfig) -> Sim {
    Sim::start(config).unwrap_or_else(|e| panic!("start kube-sim: {e:#}"))
}

fn sim() -> Sim {
    start(SimConfig {
        metrics_interval: METRICS_INTERVAL,
        ..SimConfig::fast()
    })
}

/// Creates the namespace and a Deployment `name` whose pods report [`USAGE`], then waits
/// until its pods run.
fn deploy(sim: &Sim, name: &str, replicas: usize) {
    let _ = sim.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}));
    sim.create(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}, "annotations": {"kube-sim/usage": USAGE}},
                "spec": {"containers": [{"name": "app", "image": "registry.example/app:1",
                    "resources": {"requests": {"cpu": "1", "memory": "1Gi"},
                                  "limits": {"cpu": "2", "memory": "1Gi"}}}]}
            }
        }
    }))
    .unwrap_or_else(|e| panic!("create deployment: {e:?}"));
    wait_for("pods to run", || running_pods(sim, name) == replicas);
}

fn running_pods(sim: &Sim, deployment: &str) -> usize {
    sim.list("v1", "Pod", Some(NS))
        .iter()
        .filter(|p| p["metadata"]["labels"]["app"] == deployment)
        .filter(|p| p["status"]["phase"] == "Running")
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .count()
}

/// Polls `done` until it holds, failing after 30 s.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn suggest(sim: &Sim, home: &Path, extra: &[&str]) -> std::process::Output {
    qaenv(home)
        .args(["suggest-limits", "-n", NS, "--kubeconfig"])
        .arg(sim.kubeconfig_path())
        .args(["--duration", "3s", "--interval", "100ms"])
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("run suggest-limits: {e}"))
}

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", stdout(output), stderr(output)))
}

fn container<'a>(doc: &'a Value, workload: &str) -> &'a Value {
    doc["containers"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["workload"] == workload))
        .unwrap_or_else(|| panic!("no {workload} in {doc:#}"))
}

fn metrics_polls(sim: &Sim) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/apis/metrics.k8s.io/"))
        .map(|r| r.path)
        .collect()
}

#[test]
fn suggestions_are_exact_for_both_strategies_with_one_request_per_tick() {
    let sim = sim();
    deploy(&sim, "api", 4);
    let home = tempfile::tempdir().unwrap();

    sim.clear_requests();
    let krr = suggest(&sim, home.path(), &["-o", "json"]);
    assert_eq!(krr.status.code(), Some(0), "{}", stderr(&krr));
    let doc = json_of(&krr);
    let api = container(&doc, "deployment/api");
    assert_eq!(api["status"], "suggested", "{doc:#}");
    assert_eq!(
        api["suggested"],
        json!({"requests": {"cpu": "500m", "memory": "589Mi"}, "limits": {"memory": "589Mi"}})
    );
    assert_eq!(
        api["current"]["requests"],
        json!({"cpu": "1", "memory": "1Gi"})
    );
    assert_eq!(api["pods"], 4);

    // One list request per tick for the whole namespace, never one per pod.
    let polls = metrics_polls(&sim);
    let sampling = &doc["sampling"];
    assert_eq!(
        polls.len() as u64,
        sampling["polls"].as_u64().unwrap_or(0),
        "{sampling}"
    );
    let expected = format!("/apis/metrics.k8s.io/v1beta1/namespaces/{NS}/pods");
    assert!(polls.iter().all(|p| *p == expected), "{polls:?}");
    println!("krr: {} polls for 4 pods: {sampling}", polls.len());

    // Polling every 100 ms against 300 ms scrapes repeats scrapes; each is counted once.
    let samples = api["samples"].as_u64().unwrap_or(0);
    assert!(
        sampling["duplicates"].as_u64().unwrap_or(0) > 0,
        "{sampling}"
    );
    assert!(
        samples < 4 * sampling["polls"].as_u64().unwrap_or(0),
        "{sampling}"
    );
    assert!(
        samples >= 4 * 5,
        "at least 5 scrapes of each pod in 3 s: {sampling}"
    );

    let vpa = suggest(&sim, home.path(), &["-o", "json", "--strategy", "vpa"]);
    assert_eq!(vpa.status.code(), Some(0), "{}", stderr(&vpa));
    let doc = json_of(&vpa);
    let api = container(&doc, "deployment/api");
    // VPA limits keep their ratio to the request: cpu 2x, memory 1x.
    assert_eq!(
        api["suggested"],
        json!({"requests": {"cpu": "587m", "memory": "628694953"},
               "limits": {"cpu": "1174m", "memory": "628694953"}})
    );
    assert!(
        api["vpa"]["confidence"].as_f64().unwrap_or(1.0) < 0.001,
        "{api}"
    );
}

#[test]
fn table_reports_and_suggests_a_quota() {
    let sim = sim();
    deploy(&sim, "api", 2);
    let home = tempfile::tempdir().unwrap();
    let output = suggest(&sim, home.path(), &["-o", "wide"]);
    let table = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{table}\n{}",
        stderr(&output)
    );
    let row = table
        .lines()
        .find(|l| l.starts_with("deployment/api"))
        .unwrap_or_else(|| panic!("no row:\n{table}"));
    for cell in [
        "1 -> 500m",
        "2 -> unset",
        "1Gi -> 589Mi",
        "CRITICAL",
        "max 512Mi",
    ] {
        assert!(row.contains(cell), "{cell}:\n{table}");
    }
    // 2 replicas + 1 surge pod at the suggested values.
    assert!(table.contains("\"requests.cpu\" = \"1500m\""), "{table}");
    assert!(table.contains("\"limits.memory\" = \"1767Mi\""), "{table}");
    assert!(
        stderr(&output).contains("polls over"),
        "{}",
        stderr(&output)
    );
    println!("{table}");
}

#[test]
fn too_few_samples_are_insufficient_data() {
    let sim = sim();
    deploy(&sim, "api", 1);
    let home = tempfile::tempdir().unwrap();
    let output = suggest(&sim, home.path(), &["--min-samples", "1000"]);
    let table = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let row = table
        .lines()
        .find(|l| l.starts_with("deployment/api"))
        .unwrap_or_else(|| panic!("no row:\n{table}"));
    assert!(row.contains("insufficient data"), "{table}");
    assert!(row.contains("/1000"), "{table}");
    assert!(row.contains("1 -> ?"), "no made-up number:\n{table}");
    let doc = json_of(&suggest(
        &sim,
        home.path(),
        &["--min-samples", "1000", "-o", "json"],
    ));
    let api = container(&doc, "deployment/api");
    assert_eq!(api["status"], "insufficient data");
    assert_eq!(api["suggested"], Value::Null);
    assert!(api["samples"].as_u64().unwrap_or(0) > 0, "{api}");
}

#[test]
fn a_missing_metrics_api_says_to_install_metrics_server() {
    let sim = start(SimConfig {
        metrics_api: false,
        ..SimConfig::fast()
    });
    deploy(&sim, "api", 1);
    let home = tempfile::tempdir().unwrap();
    let output = suggest(&sim, home.path(), &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    assert!(
        err.contains("error: read pod metrics in namespace qa-limits: the metrics API (metrics.k8s.io/v1beta1) is not available"),
        "{err}"
    );
    assert!(err.contains("hint: install metrics-server"), "{err}");
}

#[test]
fn apply_patches_the_deployment_and_needs_yes_without_a_terminal() {
    let sim = sim();
    deploy(&sim, "api", 1);
    let home = tempfile::tempdir().unwrap();

    let refused = suggest(&sim, home.path(), &["--apply"]);
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("pass --yes"),
        "{}",
        stderr(&refused)
    );

    let output = suggest(&sim, home.path(), &["--apply", "--yes"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("deployment/api (rolls 1 pod): app"), "{err}");
    assert!(
        err.contains("deployment/api patched (rolls 1 pod)"),
        "{err}"
    );
    let deployment = sim
        .get("apps/v1", "Deployment", NS, "api")
        .unwrap_or_default();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["resources"],
        json!({"requests": {"cpu": "500m", "memory": "589Mi"}, "limits": {"memory": "589Mi"}})
    );
    let patches: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1, "{patches:?}");
}

/// kubectl's environment for the sim: its kubeconfig and a fresh discovery cache.
fn kubectl(sim: &Sim, cache: &Path) -> Process {
    let mut cmd = Process::new("kubectl");
    cmd.env("KUBECONFIG", sim.kubeconfig_path())
        .env("KUBECACHEDIR", cache);
    cmd
}

/// `sh -c SCRIPT` with kubectl's environment for the sim.
fn shell(sim: &Sim, cache: &Path, script: &str) -> Process {
    let mut cmd = Process::new("sh");
    cmd.args(["-c", script])
        .env("KUBECONFIG", sim.kubeconfig_path())
        .env("KUBECACHEDIR", cache);
    cmd
}

#[test]
fn a_concurrent_edit_makes_apply_refuse() {
    let sim = sim();
    deploy(&sim, "api", 1);
    let home = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    // `script` gives the command a terminal, so it asks; while it waits for the answer,
    // someone else changes the Deployment.
    let command = format!(
        "{BIN} suggest-limits -n {NS} --kubeconfig {} --duration 3s --interval 100ms --min-samples 2 --apply --color never",
        sim.kubeconfig_path().display()
    );
    let mut child = Process::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("HOME", home.path())
        .env("TERM", "xterm")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run script: {e}"));
    let mut terminal = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let (lines, seen) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = terminal.read(&mut buffer) {
            if n == 0 || lines.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !screen.contains("in namespace qa-limits?") {
        let chunk = seen
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no prompt:\n{screen}"));
        screen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let edit = kubectl(&sim, cache.path())
        .args([
            "-n",
            NS,
            "set",
            "resources",
            "deployment/api",
            "--requests=cpu=900m",
        ])
        .output()
        .unwrap_or_else(|e| panic!("kubectl: {e}"));
    assert!(
        edit.status.success(),
        "{}",
        String::from_utf8_lossy(&edit.stderr)
    );
    let mut answer = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    answer.write_all(b"y").unwrap_or_default();
    let status = child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
    while let Ok(chunk) = seen.recv_timeout(Duration::from_secs(1)) {
        screen.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(answer);
    assert_eq!(status.code(), Some(4), "{screen}");
    assert!(
        screen.contains("error: patch deployment/api: its resources changed since they were read"),
        "{screen}"
    );
    let deployment = sim
        .get("apps/v1", "Deployment", NS, "api")
        .unwrap_or_default();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"],
        "900m",
        "the other edit stands"
    );
}

#[test]
fn patch_output_applies_with_kubectl() {
    let sim = sim();
    deploy(&sim, "api", 1);
    let home = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let output = suggest(&sim, home.path(), &["-o", "patch"]);
    let script = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        script.starts_with("# deployment/api: app (rolls 1 pod)\nkubectl patch deployment 'api'"),
        "{script}"
    );
    let applied = shell(&sim, cache.path(), &script)
        .output()
        .unwrap_or_else(|e| panic!("sh: {e}"));
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&applied.stdout).trim(),
        "deployment.apps/api patched"
    );
    let deployment = sim
        .get("apps/v1", "Deployment", NS, "api")
        .unwrap_or_default();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["resources"],
        json!({"requests": {"cpu": "500m", "memory": "589Mi"}, "limits": {"memory": "589Mi"}})
    );
    // The same script again fails its test: the values it expects are gone.
    let again = shell(&sim, cache.path(), &script)
        .output()
        .unwrap_or_else(|e| panic!("sh: {e}"));
    assert!(!again.status.success());
}

#[test]
fn ctrl_c_ends_sampling_and_still_reports() {
    let sim = sim();
    deploy(&sim, "api", 1);
    let home = tempfile::tempdir().unwrap();
    sim.clear_requests();
    let child = std::process::Command::new(BIN)
        .args(["suggest-limits", "-n", NS, "--kubeconfig"])
        .arg(sim.kubeconfig_path())
        .args([
            "--duration",
            "1h",
            "--interval",
            "100ms",
            "--min-samples",
            "2",
        ])
        .env("HOME", home.path())
        .env_remove("KUBECONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    wait_for("a few polls", || metrics_polls(&sim).len() >= 8);
    let killed = Process::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(killed.success());
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("interrupted: sampled"), "{err}");
    let table = stdout(&output);
    assert!(table.contains("1 -> 500m"), "{table}");
    assert!(
        table.contains("note: sampling was interrupted after"),
        "{table}"
    );
}
