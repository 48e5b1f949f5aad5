//! The metrics pipeline behind `metrics.k8s.io/v1beta1`: every `metrics_interval` a scrape
//! takes one usage sample per running container, as metrics-server does, and the API serves the
//! latest scrape.
//!
//! Usage model: a pod annotation `kube-sim/usage` (`{"CONTAINER": {"cpu": ["100m","150m"],
//! "memory": ["100Mi","120Mi"]}}`) gives each container's series; each scrape takes the next
//! value of each list, cycling, starting with the first value at the pod's first scrape.
//! Without it, usage is a function of requests: CPU 30% of the CPU request (5m without one) and
//! memory 60% of the memory request (32Mi without one), each varied by a deterministic factor
//! (CPU 0.8..1.2, memory 0.95..1.05) from the pod uid, container name and sample number.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};

use crate::obj;
use crate::quantity::{format_bytes, format_cpu_nanos, Quantity};
use crate::registry::{self, ids, ResourceId};
use crate::server::State;
use crate::status::{ApiError, ApiResult};

/// Pod annotation with the synthetic usage series.
pub const USAGE_ANNOTATION: &str = "kube-sim/usage";

/// Per-node usage of everything that is not a pod (kubelet, runtime, system daemons).
const NODE_OVERHEAD_CPU_NANOS: i128 = 100_000_000;
const NODE_OVERHEAD_BYTES: i128 = 512 * 1024 * 1024;

/// One container's usage at a scrape.
#[derive(Clone, Debug, PartialEq)]
pub struct Usage {
    pub cpu_nanos: i128,
    pub memory_bytes: i128,
}

/// One pod's latest scrape.
#[derive(Clone, Debug)]
struct PodSample {
    ns: String,
    name: String,
    node: String,
    labels: Value,
    containers: Vec<(String, Usage)>,
}

/// The latest scrape of every pod, and how many samples each pod has had.
#[derive(Default)]
pub struct Samples {
    inner: Mutex<SamplesInner>,
}

#[derive(Default)]
struct SamplesInner {
    /// When the latest scrape happened; `None` before the first.
    at: Option<jiff::Timestamp>,
    pods: Vec<PodSample>,
    /// Sample number per pod uid.
    counts: HashMap<String, u64>,
}

/// The usage of a container at its `n`-th sample.
pub fn container_usage(pod: &Value, container: &Value, n: u64) -> Usage {
    let cname = container.get("name").and_then(Value::as_str).unwrap_or("");
    let series = obj::annotation(pod, USAGE_ANNOTATION)
        .and_then(|a| serde_json::from_str::<Value>(a).ok())
        .and_then(|m| m.get(cname).cloned());
    let pick = |key: &str| -> Option<i128> {
        let list = series.as_ref()?.get(key)?.as_array()?;
        if list.is_empty() {
            return None;
        }
        let v = &list[(n % list.len() as u64) as usize];
        let text = v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string());
        Quantity::parse(&text).ok().map(|q| q.nanos())
    };
    let request = |key: &str| -> Option<i128> {
        let v = container.get("resources")?.get("requests")?.get(key)?;
        Quantity::parse(v.as_str()?).ok().map(|q| q.nanos())
    };
    let jitter = factor(obj::uid(pod), cname, n);
    let cpu_nanos = pick("cpu").unwrap_or_else(|| {
        let base = request("cpu").map(|r| r * 3 / 10).unwrap_or(5_000_000);
        base * (800 + (jitter % 401)) as i128 / 1000
    });
    let memory_bytes = match pick("memory") {
        Some(nanos) => nanos / 1_000_000_000,
        None => {
            let base = request("memory")
                .map(|r| r / 1_000_000_000 * 6 / 10)
                .unwrap_or(32 * 1024 * 1024);
            base * (950 + (jitter % 101)) as i128 / 1000
        }
    };
    Usage {
        cpu_nanos,
        memory_bytes,
    }
}

/// A deterministic pseudo-random number from the pod, container and sample number (FNV-1a).
fn factor(uid: &str, container: &str, n: u64) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in uid.bytes().chain(container.bytes()).chain(n.to_le_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Whether every container of the pod is running (metrics-server reports only such pods).
fn all_running(pod: &Value) -> bool {
    if obj::path_str(pod, "status.phase") != "Running" || obj::is_deleting(pod) {
        return false;
    }
    let statuses = obj::path(pod, "status.containerStatuses").and_then(Value::as_array);
    let containers = obj::path(pod, "spec.containers").and_then(Value::as_array);
    match (statuses, containers) {
        (Some(s), Some(c)) => {
            s.len() == c.len()
                && s.iter()
                    .all(|cs| cs.get("state").and_then(|st| st.get("running")).is_some())
        }
        _ => false,
    }
}

/// Takes one scrape of every running pod.
pub fn scrape(state: &State) {
    let now = state.env.now();
    let pods: Vec<std::sync::Arc<Value>> = state.store.read(|s| {
        s.list(ids::pods(), None)
            .filter(|p| all_running(p))
            .cloned()
            .collect()
    });
    let mut inner = state
        .metrics
        .inner
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let mut samples = Vec::with_capacity(pods.len());
    let mut counts = HashMap::with_capacity(pods.len());
    for pod in pods {
        let uid = obj::uid(&pod).to_string();
        let n = inner.counts.get(&uid).copied().unwrap_or(0);
        let containers = obj::path(&pod, "spec.containers")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        let name = c
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string();
                        (name, container_usage(&pod, c, n))
                    })
                    .collect()
            })
            .unwrap_or_default();
        samples.push(PodSample {
            ns: obj::namespace(&pod).to_string(),
            name: obj::name(&pod).to_string(),
            node: obj::path_str(&pod, "spec.nodeName").to_string(),
            labels: obj::path(&pod, "metadata.labels")
                .cloned()
                .unwrap_or(json!({})),
            containers,
        });
        counts.insert(uid, n + 1);
    }
    inner.pods = samples;
    inner.counts = counts;
    inner.at = Some(now);
}

/// Runs the scrape loop until the simulator stops.
pub async fn run(state: std::sync::Arc<State>) {
    let every = state
        .env
        .config
        .metrics_interval
        .max(Duration::from_millis(10));
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stopping = state.stopping.clone();
    loop {
        tokio::select! {
            _ = ticker.tick() => scrape(&state),
            _ = stopping.changed() => return,
        }
    }
}

/// A Go duration string (`15s`, `200ms`, `1m0s`, `1.5s`), as metrics windows are written.
pub fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let frac = d.subsec_millis();
    let sec_part = if frac == 0 {
        format!("{}s", secs % 60)
    } else {
        let s = format!("{}.{:03}", secs % 60, frac);
        format!("{}s", s.trim_end_matches('0'))
    };
    match (secs / 3600, (secs / 60) % 60) {
        (0, 0) => sec_part,
        (0, m) => format!("{m}m{sec_part}"),
        (h, m) => format!("{h}h{m}m{sec_part}"),
    }
}

/// Scrape timestamps: whole seconds as metrics-server writes them, with milliseconds when the
/// interval is shorter than a second (so fast test scrapes stay distinguishable).
fn timestamp(state: &State, at: jiff::Timestamp) -> String {
    if state.env.config.metrics_interval.subsec_millis() == 0 {
        crate::api::rfc3339(at)
    } else {
        at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

fn pod_metrics(state: &State, at: jiff::Timestamp, p: &PodSample) -> Value {
    let containers: Vec<Value> = p
        .containers
        .iter()
        .map(|(name, u)| {
            json!({"name": name, "usage": {
                "cpu": format_cpu_nanos(u.cpu_nanos),
                "memory": format_bytes(u.memory_bytes),
            }})
        })
        .collect();
    json!({
        "kind": "PodMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {
            "name": p.name,
            "namespace": p.ns,
            "creationTimestamp": state.env.now_str(),
            "labels": p.labels,
        },
        "timestamp": timestamp(state, at),
        "window": go_duration(state.env.config.metrics_interval),
        "containers": containers,
    })
}

fn node_metrics(state: &State, at: jiff::Timestamp, node: &Value, pods: &[PodSample]) -> Value {
    let name = obj::name(node);
    let (cpu, mem) = pods
        .iter()
        .filter(|p| p.node == name)
        .flat_map(|p| p.containers.iter())
        .fold(
            (NODE_OVERHEAD_CPU_NANOS, NODE_OVERHEAD_BYTES),
            |(c, m), (_, u)| (c + u.cpu_nanos, m + u.memory_bytes),
        );
    json!({
        "kind": "NodeMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {
            "name": name,
            "creationTimestamp": state.env.now_str(),
            "labels": obj::path(node, "metadata.labels").cloned().unwrap_or(json!({})),
        },
        "timestamp": timestamp(state, at),
        "window": go_duration(state.env.config.metrics_interval),
        "usage": {"cpu": format_cpu_nanos(cpu), "memory": format_bytes(mem)},
    })
}

/// Lists PodMetrics (optionally in one namespace) or NodeMetrics.
pub fn list(state: &State, res: ResourceId, ns: Option<&str>) -> ApiResult<Vec<Value>> {
    let inner = state
        .metrics
        .inner
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let Some(at) = inner.at else {
        return Ok(Vec::new());
    };
    if res == ids::pod_metrics() {
        Ok(inner
            .pods
            .iter()
            .filter(|p| ns.is_none_or(|n| n == p.ns))
            .map(|p| pod_metrics(state, at, p))
            .collect())
    } else {
        let nodes: Vec<std::sync::Arc<Value>> = state
            .store
            .read(|s| s.list(ids::nodes(), None).cloned().collect());
        Ok(nodes
            .iter()
            .map(|n| node_metrics(state, at, n, &inner.pods))
            .collect())
    }
}

/// Gets one PodMetrics or NodeMetrics.
pub fn get(state: &State, res: ResourceId, ns: Option<&str>, name: &str) -> ApiResult<Value> {
    list(state, res, ns)?
        .into_iter()
        .find(|m| obj::name(m) == name)
        .ok_or_else(|| ApiError::not_found(registry::def(res), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(annotation: Option<&str>) -> Value {
        let mut p = json!({"metadata": {"name": "p", "uid": "u-1"},
            "spec": {"containers": [{"name": "app", "image": "i",
                "resources": {"requests": {"cpu": "100m", "memory": "100Mi"}}}]}});
        if let Some(a) = annotation {
            p["metadata"]["annotations"] = json!({USAGE_ANNOTATION: a});
        }
        p
    }

    #[test]
    fn annotated_series_cycle() {
        let p = pod(Some(
            r#"{"app": {"cpu": ["100m", "150m"], "memory": ["100Mi", "120Mi"]}}"#,
        ));
        let c = &p["spec"]["containers"][0];
        let u: Vec<Usage> = (0..3).map(|n| container_usage(&p, c, n)).collect();
        assert_eq!(u[0].cpu_nanos, 100_000_000);
        assert_eq!(u[1].cpu_nanos, 150_000_000);
        assert_eq!(u[2].cpu_nanos, 100_000_000);
        assert_eq!(u[1].memory_bytes, 120 * 1024 * 1024);
    }

    #[test]
    fn default_usage_follows_requests_within_bounds() {
        let p = pod(None);
        let c = &p["spec"]["containers"][0];
        for n in 0..20 {
            let u = container_usage(&p, c, n);
            assert!((24_000_000..=36_000_000).contains(&u.cpu_nanos), "{u:?}");
            let base = 60 * 1024 * 1024;
            assert!(
                u.memory_bytes >= base * 95 / 100 && u.memory_bytes <= base * 105 / 100,
                "{u:?}"
            );
        }
        assert_eq!(container_usage(&p, c, 3), container_usage(&p, c, 3));
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::from_secs(15)), "15s");
        assert_eq!(go_duration(Duration::from_millis(200)), "200ms");
        assert_eq!(go_duration(Duration::from_secs(60)), "1m0s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_secs(3725)), "1h2m5s");
    }
}
