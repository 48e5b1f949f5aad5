//! Requests per second the simulator serves: GET of one object, and a 10,000-pod list.
//!
//! `cargo bench -p kube-sim --bench api` prints a table. It measures the simulator alone so
//! that plugin benchmarks can show the simulator is not what they measure.

use std::time::{Duration, Instant};

use futures_util::{stream, StreamExt};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube_sim::{Sim, SimConfig};
use serde_json::json;

const PODS: usize = 10_000;
const GETS: usize = 20_000;
const LISTS: usize = 20;
const CONCURRENCY: usize = 16;

fn pod(i: usize) -> serde_json::Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("pod-{i:05}"), "namespace": "bench",
                     "labels": {"app": format!("app-{}", i % 50), "qaenv.dev/env": "bench"}},
        // An unknown scheduler keeps the pods Pending, so no controller work disturbs the run.
        "spec": {"schedulerName": "none",
                 "containers": [{"name": "app", "image": "shop/api:1.0",
                                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                                 "ports": [{"containerPort": 8080}]}]},
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn timed(client: &kube::Client, path: &str) -> (Duration, usize) {
    let req = http::Request::get(path).body(Vec::new()).unwrap();
    let start = Instant::now();
    let body = client.request_text(req).await.expect("request succeeds");
    (start.elapsed(), body.len())
}

fn main() {
    let sim = Sim::start(SimConfig::fast()).expect("kube-sim starts");
    sim.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}}))
        .unwrap();
    sim.create(json!({"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": {"name": "c", "namespace": "bench"}, "data": {"k": "v"}}))
        .unwrap();
    let seed = Instant::now();
    for i in 0..PODS {
        sim.create(pod(i)).unwrap();
    }
    let seeded = seed.elapsed();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let kubeconfig = Kubeconfig::read_from(sim.kubeconfig_path()).unwrap();
        let config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .unwrap();
        let client = kube::Client::try_from(config).unwrap();

        let start = Instant::now();
        let mut gets: Vec<Duration> = stream::iter(0..GETS)
            .map(|_| {
                let c = client.clone();
                async move { timed(&c, "/api/v1/namespaces/bench/configmaps/c").await.0 }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let get_wall = start.elapsed();
        gets.sort();

        let start = Instant::now();
        let mut lists = Vec::new();
        let mut bytes = 0;
        for _ in 0..LISTS {
            let (d, n) = timed(&client, "/api/v1/namespaces/bench/pods").await;
            lists.push(d);
            bytes = n;
        }
        let list_wall = start.elapsed();
        lists.sort();

        let (selected, _) = timed(&client, "/api/v1/pods?labelSelector=app%3Dapp-7").await;

        println!(
            "kube-sim API benchmark (debug={}, {} cores)",
            cfg!(debug_assertions),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!("seeded {PODS} pods directly in {:.2?}", seeded);
        println!();
        println!(
            "{:<38} {:>10} {:>12} {:>10} {:>10}",
            "REQUEST", "COUNT", "REQ/S", "P50", "P99"
        );
        println!(
            "{:<38} {:>10} {:>12.0} {:>10.2?} {:>10.2?}",
            format!("GET configmap (concurrency {CONCURRENCY})"),
            GETS,
            GETS as f64 / get_wall.as_secs_f64(),
            percentile(&gets, 0.5),
            percentile(&gets, 0.99)
        );
        println!(
            "{:<38} {:>10} {:>12.1} {:>10.2?} {:>10.2?}",
            format!("LIST {PODS} pods ({:.1} MB)", bytes as f64 / 1e6),
            LISTS,
            LISTS as f64 / list_wall.as_secs_f64(),
            percentile(&lists, 0.5),
            percentile(&lists, 0.99)
        );
        println!(
            "{:<38} {:>10} {:>12} {:>10.2?} {:>10}",
            "LIST by label across namespaces (200)", 1, "-", selected, "-"
        );
    });
}
