//! `ls` against the kubectl commands a user would run instead, on the same server: kube-sim
//! with 20 ms of latency per request (a remote cluster), 200 environments of 10 pods each.
//! Not a timed test: it prints a table.
//!
//! Run with `scripts/bench-ls` (or `cargo bench -p kubectl-qaenv --bench ls`); needs kubectl
//! on PATH; `/usr/bin/time` for the peak memory column (`-` without it).
//!
//! The environments are created directly in the simulator's store (namespaces with the labels
//! and annotations `up` writes, bare pods with the environment label), then the benchmark
//! waits until every pod is scheduled and Ready. Each tool runs once to warm up, then [`RUNS`]
//! times; the table shows the median wall time, the requests of one run and the largest peak
//! RSS of a process.
//! kubectl gets a warm discovery cache first, so its figures are its best case.

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use kube_sim::{Sim, SimConfig};
use serde_json::json;

const QAENV: &str = env!("CARGO_BIN_EXE_kubectl-qaenv");
const LATENCY_MS: u64 = 20;
const ENVIRONMENTS: usize = 200;
const PODS_PER_ENVIRONMENT: usize = 10;
const RUNS: usize = 5;

/// One command of a tool: program and arguments.
type Step = (&'static str, Vec<String>);

struct Measure {
    tool: String,
    requests: usize,
    wall: Duration,
    /// Peak resident set of the largest process, in KiB.
    peak_kib: Option<u64>,
}

/// Runs one command, under `/usr/bin/time -f %M` when it exists; returns the wall time, the
/// peak RSS in KiB and stdout.
fn run(
    sim: &Sim,
    cache: &Path,
    program: &str,
    args: &[String],
) -> (Duration, Option<u64>, Vec<u8>) {
    let time = Path::new("/usr/bin/time");
    let rss_file = cache.join("rss");
    let mut command = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(program);
        c
    } else {
        Command::new(program)
    };
    let started = Instant::now();
    let output = command
        .args(args)
        .env("KUBECONFIG", sim.kubeconfig_path())
        .env("KUBECACHEDIR", cache)
        .env("NO_COLOR", "1")
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
    let peak = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()));
    let _ = std::fs::remove_file(&rss_file);
    (wall, peak, output.stdout)
}

fn measure(sim: &Sim, cache: &Path, tool: &str, steps: &[Step]) -> Measure {
    let mut walls = Vec::new();
    let mut requests = 0;
    let mut peak_kib = None;
    // One run more than measured: the first warms the page cache and the simulator.
    for run_index in 0..=RUNS {
        sim.clear_requests();
        let mut wall = Duration::ZERO;
        for (program, args) in steps {
            let (w, peak, _) = run(sim, cache, program, args);
            wall += w;
            peak_kib = peak_kib.max(peak);
        }
        requests = sim.requests().len();
        if run_index > 0 {
            walls.push(wall);
        }
    }
    walls.sort();
    Measure {
        tool: tool.to_string(),
        requests,
        wall: walls[walls.len() / 2],
        peak_kib,
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_string()).collect()
}

fn seed(sim: &Sim) {
    for e in 0..ENVIRONMENTS {
        let name = format!("bench-{e:03}");
        let ns = format!("qa-{name}");
        sim.create(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns,
                "labels": {"app.kubernetes.io/managed-by": "kubectl-qaenv", "qaenv.dev/env": name},
                "annotations": {
                    "qaenv.dev/owner": if e % 2 == 0 { "alice" } else { "bob" },
                    "qaenv.dev/created-at": "2026-01-01T00:00:00Z",
                    "qaenv.dev/expires-at": "2099-01-01T00:00:00Z",
                    "qaenv.dev/source": "deploy/",
                    "qaenv.dev/urls": format!("https://{name}.qa.example.com/")
                }}
        }))
        .unwrap_or_else(|err| panic!("create namespace {ns}: {err:?}"));
        for p in 0..PODS_PER_ENVIRONMENT {
            sim.create(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("web-{p}"), "namespace": ns,
                             "labels": {"qaenv.dev/env": name, "app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "registry.local/web:1.0",
                         "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}
            }))
            .unwrap_or_else(|err| panic!("create pod in {ns}: {err:?}"));
        }
    }
}

fn all_ready(sim: &Sim) -> usize {
    sim.list("v1", "Pod", None)
        .iter()
        .filter(|p| {
            p["status"]["conditions"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
        })
        .count()
}

fn main() {
    let sim = Sim::start(SimConfig {
        latency: Duration::from_millis(LATENCY_MS),
        pod_ready: Duration::from_millis(100),
        time_scale: 0.1,
        nodes: 20,
        ..SimConfig::default()
    })
    .unwrap_or_else(|e| panic!("start kube-sim: {e:#}"));
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let cache = cache.path().to_path_buf();

    let started = Instant::now();
    seed(&sim);
    let total = ENVIRONMENTS * PODS_PER_ENVIRONMENT;
    let deadline = Instant::now() + Duration::from_secs(300);
    while all_ready(&sim) < total {
        assert!(
            Instant::now() < deadline,
            "pods not ready after 5 minutes: {}/{total}",
            all_ready(&sim)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!(
        "seeded {ENVIRONMENTS} environments, {total} pods Ready in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    // Warm kubectl's discovery cache.
    run(&sim, &cache, "kubectl", &strings(&["api-resources"]));

    let ls = |args: &[&str]| -> Vec<Step> {
        let mut all = vec!["ls"];
        all.extend(args);
        vec![(QAENV, strings(&all))]
    };
    let kubectl = vec![
        (
            "kubectl",
            strings(&[
                "get",
                "ns",
                "-l",
                "app.kubernetes.io/managed-by=kubectl-qaenv",
            ]),
        ),
        (
            "kubectl",
            strings(&["get", "pods", "-A", "-l", "qaenv.dev/env"]),
        ),
    ];
    let results = [
        measure(&sim, &cache, "kubectl qaenv ls", &ls(&[])),
        measure(
            &sim,
            &cache,
            "kubectl qaenv ls -o wide",
            &ls(&["-o", "wide"]),
        ),
        measure(
            &sim,
            &cache,
            "kubectl qaenv ls -o json",
            &ls(&["-o", "json"]),
        ),
        measure(
            &sim,
            &cache,
            "kubectl get ns -l … && kubectl get pods -A -l …",
            &kubectl,
        ),
    ];

    println!(
        "{ENVIRONMENTS} environments x {PODS_PER_ENVIRONMENT} pods, kube-sim with {LATENCY_MS} ms latency per request, median of {RUNS} runs\n"
    );
    println!(
        "{:<50} {:>8} {:>9} {:>10}",
        "TOOL", "REQUESTS", "WALL", "PEAK RSS"
    );
    for r in &results {
        let peak = r
            .peak_kib
            .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<50} {:>8} {:>8.3}s {:>10}",
            r.tool,
            r.requests,
            r.wall.as_secs_f64(),
            peak
        );
    }
    println!();
    for r in &results[..3] {
        let ok = r.requests <= 3 && r.wall < Duration::from_secs(1);
        println!(
            "{}: {} requests, {:.3}s (targets: at most 3 requests, under 1 s) {}",
            r.tool,
            r.requests,
            r.wall.as_secs_f64(),
            if ok { "ok" } else { "MISSED" }
        );
    }
}
