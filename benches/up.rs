//! `up` against `kubectl apply`, on the same manifests and the same server: kube-sim with 20 ms
//! of latency per request (a remote cluster). Not a timed test: it prints a table.
//!
//! Run with `scripts/bench` (or `cargo bench -p kubectl-qaenv --bench up`). It needs the shared
//! corpus beside the repository (`../shared/corpus/online-boutique.yaml`) and kubectl on PATH.
//!
//! Scenarios, each on a fresh namespace of the same simulator:
//! - cold, apply phase: `kubectl apply -f` vs `kubectl qaenv up --no-wait`;
//! - cold, until Ready: `kubectl apply -f` then `kubectl rollout status` for each Deployment
//!   (what a CI script does) vs `kubectl qaenv up` (waits by default);
//! - no change: `kubectl apply -f` again vs `kubectl qaenv up --no-wait` again.
//!
//! kubectl gets a warm discovery and OpenAPI cache (one `kubectl api-resources` first), so its
//! figures are its best case.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use kube_sim::{RequestRecord, Sim, SimConfig};

const QAENV: &str = env!("CARGO_BIN_EXE_kubectl-qaenv");
const LATENCY_MS: u64 = 20;

struct Measure {
    scenario: &'static str,
    tool: String,
    requests: Vec<RequestRecord>,
    wall: Duration,
}

impl Measure {
    fn reads(&self) -> usize {
        self.requests.iter().filter(|r| !r.is_write()).count()
    }
    fn writes(&self) -> usize {
        self.requests.iter().filter(|r| r.is_write()).count()
    }
}

fn run(sim: &Sim, cache: &Path, program: &str, args: &[&str]) -> Duration {
    let started = Instant::now();
    let output = Command::new(program)
        .args(args)
        .env("KUBECONFIG", sim.kubeconfig_path())
        .env("KUBECACHEDIR", cache)
        .env_remove("NO_COLOR")
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    let wall = started.elapsed();
    if !output.status.success() {
        panic!(
            "{program} {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    wall
}

fn measure(
    sim: &Sim,
    scenario: &'static str,
    tool: &str,
    steps: &[(&str, Vec<String>)],
    cache: &Path,
) -> Measure {
    sim.clear_requests();
    let mut wall = Duration::ZERO;
    for (program, args) in steps {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        wall += run(sim, cache, program, &args);
    }
    Measure {
        scenario,
        tool: tool.to_string(),
        requests: sim.requests(),
        wall,
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_string()).collect()
}

fn deployments(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap_or_default();
    let mut names = Vec::new();
    for doc in text.split("\n---") {
        if doc.contains("\nkind: Deployment") {
            if let Some(name) = doc
                .lines()
                .skip_while(|l| !l.starts_with("metadata:"))
                .find_map(|l| l.trim().strip_prefix("name: "))
            {
                names.push(name.trim().to_string());
            }
        }
    }
    names
}

fn main() {
    let manifest: PathBuf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/online-boutique.yaml");
    if !manifest.exists() {
        println!("skipped: {} not found", manifest.display());
        return;
    }
    let m = manifest.to_string_lossy().to_string();
    let sim = Sim::start(SimConfig {
        latency: Duration::from_millis(LATENCY_MS),
        pod_ready: Duration::from_millis(1000),
        time_scale: 0.1,
        ..SimConfig::default()
    })
    .unwrap_or_else(|e| panic!("start kube-sim: {e:#}"));
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let cache = cache.path().to_path_buf();
    // Warm kubectl's discovery cache; create the namespaces kubectl applies into.
    run(&sim, &cache, "kubectl", &["api-resources"]);
    for ns in ["kubectl-cold", "kubectl-ready"] {
        run(&sim, &cache, "kubectl", &["create", "namespace", ns]);
    }
    let names = deployments(&manifest);

    let mut results = Vec::new();
    results.push(measure(
        &sim,
        "cold, apply phase",
        "kubectl apply -f",
        &[(
            "kubectl",
            strings(&["apply", "-n", "kubectl-cold", "-f", &m]),
        )],
        &cache,
    ));
    results.push(measure(
        &sim,
        "cold, apply phase",
        "kubectl qaenv up --no-wait",
        &[(QAENV, strings(&["up", "bench-cold", "-f", &m, "--no-wait"]))],
        &cache,
    ));
    let mut kubectl_ready = vec![(
        "kubectl",
        strings(&["apply", "-n", "kubectl-ready", "-f", &m]),
    )];
    for name in &names {
        kubectl_ready.push((
            "kubectl",
            strings(&[
                "rollout",
                "status",
                "-n",
                "kubectl-ready",
                &format!("deployment/{name}"),
            ]),
        ));
    }
    results.push(measure(
        &sim,
        "cold, until Ready",
        &format!("kubectl apply -f + rollout status x{}", names.len()),
        &kubectl_ready,
        &cache,
    ));
    results.push(measure(
        &sim,
        "cold, until Ready",
        "kubectl qaenv up",
        &[(QAENV, strings(&["up", "bench-ready", "-f", &m]))],
        &cache,
    ));
    // The expiry has a resolution of one second: make sure it moves.
    std::thread::sleep(Duration::from_millis(1100));
    results.push(measure(
        &sim,
        "no change",
        "kubectl apply -f",
        &[(
            "kubectl",
            strings(&["apply", "-n", "kubectl-cold", "-f", &m]),
        )],
        &cache,
    ));
    results.push(measure(
        &sim,
        "no change",
        "kubectl qaenv up --no-wait",
        &[(QAENV, strings(&["up", "bench-cold", "-f", &m, "--no-wait"]))],
        &cache,
    ));

    println!(
        "Online Boutique ({} objects), kube-sim with {LATENCY_MS} ms latency per request\n",
        35
    );
    println!(
        "{:<20} {:<42} {:>8} {:>6} {:>7} {:>9}",
        "SCENARIO", "TOOL", "REQUESTS", "READS", "WRITES", "WALL"
    );
    for r in &results {
        println!(
            "{:<20} {:<42} {:>8} {:>6} {:>7} {:>8.2}s",
            r.scenario,
            r.tool,
            r.requests.len(),
            r.reads(),
            r.writes(),
            r.wall.as_secs_f64()
        );
    }
    println!();
    let ratio = results[1].wall.as_secs_f64() / results[0].wall.as_secs_f64();
    println!(
        "cold apply phase: up takes {:.0}% of kubectl apply's wall time (target: at most 20%) {}",
        ratio * 100.0,
        if ratio <= 0.2 { "ok" } else { "MISSED" }
    );
    let no_change = &results[5];
    let writes: Vec<String> = no_change
        .requests
        .iter()
        .filter(|r| r.is_write())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let expected_writes = vec!["PATCH /api/v1/namespaces/qa-bench-cold".to_string()];
    println!(
        "no-change up writes: {writes:?} (target: only the namespace's expiry) {}",
        if writes == expected_writes {
            "ok"
        } else {
            "MISSED"
        }
    );
    let reads: Vec<String> = no_change
        .requests
        .iter()
        .filter(|r| !r.is_write())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    println!(
        "no-change up reads: {} (target: at most 1 per kind present + the namespace = 4) {}",
        reads.len(),
        if reads.len() <= 4 { "ok" } else { "MISSED" }
    );
    for read in reads {
        println!("  {read}");
    }
}
