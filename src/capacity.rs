//! The capacity pre-flight: will the environment fit? Pure arithmetic on manifests, nodes and
//! pods (exact quantities from `k8s-quantity`).
//!
//! The environment needs the sum of its workloads' pod requests times their replicas (a
//! DaemonSet once per node, a CronJob nothing until it runs). A container without requests
//! requests its limits, as the API server defaults it, or the LimitRange's default request.
//! The cluster offers the allocatable of its schedulable nodes minus the requests of scheduled,
//! unfinished pods outside the environment (the environment's own pods are replaced by the new
//! ones). When the need exceeds the offer, `up` warns with both figures, or refuses with
//! `--strict-capacity`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::{kinds::ResourceType, quantity, render};

/// CPU and memory, exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    /// CPU in millicores.
    pub cpu_millis: i128,
    /// Memory in bytes.
    pub memory_bytes: i128,
}

impl Resources {
    /// Adds `other` to these.
    pub fn add(&mut self, other: Resources) {
        self.cpu_millis += other.cpu_millis;
        self.memory_bytes += other.memory_bytes;
    }

    fn max(self, other: Resources) -> Resources {
        Resources {
            cpu_millis: self.cpu_millis.max(other.cpu_millis),
            memory_bytes: self.memory_bytes.max(other.memory_bytes),
        }
    }

    fn times(self, n: i128) -> Resources {
        Resources {
            cpu_millis: self.cpu_millis * n,
            memory_bytes: self.memory_bytes * n,
        }
    }

    /// `cpu 1.5, memory 3Gi`.
    pub fn describe(&self) -> String {
        format!(
            "cpu {}, memory {}",
            quantity::format_cpu(self.cpu_millis as f64 / 1000.0),
            quantity::format_memory(self.memory_bytes as f64)
        )
    }
}

fn quantity_at(map: Option<&Value>, name: &str) -> Option<k8s_quantity::Quantity> {
    let text = map?.get(name)?;
    let text = match text {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    k8s_quantity::Quantity::parse(text.trim()).ok()
}

fn container_requests(container: &Value, defaults: Resources) -> Resources {
    let requests = container.pointer("/resources/requests");
    let limits = container.pointer("/resources/limits");
    let cpu = quantity_at(requests, "cpu")
        .or_else(|| quantity_at(limits, "cpu"))
        .map(|q| q.millis())
        .unwrap_or(defaults.cpu_millis);
    let memory = quantity_at(requests, "memory")
        .or_else(|| quantity_at(limits, "memory"))
        .map(|q| q.value())
        .unwrap_or(defaults.memory_bytes);
    Resources {
        cpu_millis: cpu,
        memory_bytes: memory,
    }
}

/// What one pod of this spec requests: the larger of its containers' sum and its largest init
/// container, as the scheduler counts.
pub fn pod_requests(spec: &Value, defaults: Resources) -> Resources {
    let list = |name: &str| -> Vec<Resources> {
        spec.get(name)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| container_requests(c, defaults))
            .collect()
    };
    let mut sum = Resources::default();
    for r in list("containers") {
        sum.add(r);
    }
    let init = list("initContainers")
        .into_iter()
        .fold(Resources::default(), Resources::max);
    sum.max(init)
}

/// How many pods of a workload run at once.
fn pod_count(object: &Value, resource: &ResourceType, nodes: usize) -> i128 {
    let number = |pointer: &str, default: i128| {
        object
            .pointer(pointer)
            .and_then(Value::as_i64)
            .map(i128::from)
            .unwrap_or(default)
    };
    match (resource.group.as_str(), resource.kind.as_str()) {
        ("apps", "DaemonSet") => nodes as i128,
        ("batch", "Job") => number("/spec/parallelism", 1),
        ("batch", "CronJob") => 0,
        ("", "Pod") => 1,
        _ => number("/spec/replicas", 1),
    }
}

/// The requests of everything rendered.
pub fn environment_requests<'a>(
    objects: impl IntoIterator<Item = (&'a ResourceType, &'a Value)>,
    defaults: Resources,
    nodes: usize,
) -> Resources {
    let mut total = Resources::default();
    for (resource, object) in objects {
        let count = pod_count(object, resource, nodes);
        for spec in render::pod_specs(object, resource) {
            total.add(pod_requests(&spec, defaults).times(count));
        }
    }
    total
}

/// Default requests from a `[limit_range]` `default_request` (then `default`) table.
pub fn limit_range_defaults(
    default_request: &BTreeMap<String, String>,
    default: &BTreeMap<String, String>,
) -> Resources {
    let get = |name: &str| {
        default_request
            .get(name)
            .or_else(|| default.get(name))
            .and_then(|t| k8s_quantity::Quantity::parse(t).ok())
    };
    Resources {
        cpu_millis: get("cpu").map(|q| q.millis()).unwrap_or(0),
        memory_bytes: get("memory").map(|q| q.value()).unwrap_or(0),
    }
}

/// What the cluster offers the environment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClusterCapacity {
    /// Allocatable of schedulable nodes.
    pub allocatable: Resources,
    /// Requests of scheduled, unfinished pods outside the environment.
    pub requested: Resources,
    /// Schedulable nodes.
    pub nodes: usize,
}

impl ClusterCapacity {
    /// Allocatable minus requested.
    pub fn free(&self) -> Resources {
        Resources {
            cpu_millis: self.allocatable.cpu_millis - self.requested.cpu_millis,
            memory_bytes: self.allocatable.memory_bytes - self.requested.memory_bytes,
        }
    }
}

/// Sums nodes and pods (as listed from the API) for an environment in `namespace`.
pub fn cluster_capacity(nodes: &[Value], pods: &[Value], namespace: &str) -> ClusterCapacity {
    capacity_excluding(nodes, pods, Some(namespace))
}

/// Sums nodes and pods (as listed from the API) for the whole cluster: what `ls -o wide` and
/// `status` show as free (every environment's pods count as requested).
pub fn cluster_free(nodes: &[Value], pods: &[Value]) -> ClusterCapacity {
    capacity_excluding(nodes, pods, None)
}

/// How many more environments that each request `each` fit into `free`: the smaller of the
/// CPU and the memory quotient, ignoring a resource `each` does not request. `None` when
/// `each` requests nothing (any number fits, so there is nothing to tell).
pub fn how_many_fit(free: Resources, each: Resources) -> Option<i128> {
    let quotient = |free: i128, each: i128| (each > 0).then(|| free.max(0) / each);
    match (
        quotient(free.cpu_millis, each.cpu_millis),
        quotient(free.memory_bytes, each.memory_bytes),
    ) {
        (Some(cpu), Some(memory)) => Some(cpu.min(memory)),
        (one, other) => one.or(other),
    }
}

fn capacity_excluding(nodes: &[Value], pods: &[Value], exclude: Option<&str>) -> ClusterCapacity {
    let mut capacity = ClusterCapacity::default();
    for node in nodes {
        if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        capacity.nodes += 1;
        let allocatable = node.pointer("/status/allocatable");
        capacity.allocatable.add(Resources {
            cpu_millis: quantity_at(allocatable, "cpu")
                .map(|q| q.millis())
                .unwrap_or(0),
            memory_bytes: quantity_at(allocatable, "memory")
                .map(|q| q.value())
                .unwrap_or(0),
        });
    }
    for pod in pods {
        let scheduled = pod
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        let phase = pod
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let in_env = exclude.is_some()
            && pod.pointer("/metadata/namespace").and_then(Value::as_str) == exclude;
        if !scheduled || in_env || matches!(phase, "Succeeded" | "Failed") {
            continue;
        }
        if let Some(spec) = pod.get("spec") {
            capacity
                .requested
                .add(pod_requests(spec, Resources::default()));
        }
    }
    capacity
}

/// A shortfall, in words, when `needed` does not fit into what `capacity` offers.
pub fn shortfall(needed: Resources, capacity: &ClusterCapacity) -> Option<String> {
    let free = capacity.free();
    let mut short = Vec::new();
    if needed.cpu_millis > free.cpu_millis {
        short.push("cpu");
    }
    if needed.memory_bytes > free.memory_bytes {
        short.push("memory");
    }
    if short.is_empty() {
        return None;
    }
    Some(format!(
        "not enough {}: the environment requests {}; the cluster has {} free ({} allocatable on {} nodes, {} requested by other pods)",
        short.join(" and "),
        needed.describe(),
        Resources {
            cpu_millis: free.cpu_millis.max(0),
            memory_bytes: free.memory_bytes.max(0)
        }
        .describe(),
        capacity.allocatable.describe(),
        capacity.nodes,
        capacity.requested.describe(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::builtin;
    use serde_json::json;

    fn deployment(replicas: i64, cpu: &str, memory: &str) -> Value {
        json!({"spec": {"replicas": replicas, "template": {"spec": {
        "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "2"}}}],
        "containers": [
            {"name": "a", "resources": {"requests": {"cpu": cpu, "memory": memory}}},
            {"name": "b", "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}}},
            {"name": "c"}
        ]}}}})
    }

    #[test]
    fn sums_pods_times_replicas() {
        let deploy = builtin("apps/v1", "Deployment").unwrap();
        let ds = builtin("apps/v1", "DaemonSet").unwrap();
        let cron = builtin("batch/v1", "CronJob").unwrap();
        let d = deployment(3, "250m", "128Mi");
        let defaults = Resources {
            cpu_millis: 10,
            memory_bytes: 1024,
        };
        let pod = pod_requests(&d["spec"]["template"]["spec"], defaults);
        // init container (2 cores) outweighs the containers' sum (360m)
        assert_eq!(pod.cpu_millis, 2000);
        assert_eq!(pod.memory_bytes, (128 + 64) * 1024 * 1024 + 1024);
        let small = deployment(2, "100m", "1Gi");
        let total = environment_requests(
            [(&deploy, &small), (&ds, &small), (&cron, &small)],
            Resources::default(),
            3,
        );
        // 2 replicas + 3 nodes = 5 pods of 2 cores (init), cron none
        assert_eq!(total.cpu_millis, 5 * 2000);
        assert_eq!(total.memory_bytes, 5 * (1024 + 64) * 1024 * 1024);
    }

    #[test]
    fn free_capacity_excludes_the_environment_and_finished_pods() {
        let nodes = vec![
            json!({"status": {"allocatable": {"cpu": "4", "memory": "16Gi"}}}),
            json!({"status": {"allocatable": {"cpu": "4", "memory": "16Gi"}}}),
            json!({"spec": {"unschedulable": true}, "status": {"allocatable": {"cpu": "4", "memory": "16Gi"}}}),
        ];
        let pod = |ns: &str, node: &str, phase: &str| {
            json!({
                "metadata": {"namespace": ns},
                "spec": {"nodeName": node, "containers": [{"resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]},
                "status": {"phase": phase}
            })
        };
        let pods = vec![
            pod("other", "n1", "Running"),
            pod("qa-a", "n1", "Running"),
            pod("other", "n2", "Succeeded"),
            pod("other", "", "Pending"),
        ];
        let capacity = cluster_capacity(&nodes, &pods, "qa-a");
        assert_eq!(capacity.nodes, 2);
        assert_eq!(capacity.allocatable.cpu_millis, 8000);
        assert_eq!(capacity.requested.cpu_millis, 1000);
        assert_eq!(capacity.free().memory_bytes, 31 * 1024 * 1024 * 1024);
        assert_eq!(
            shortfall(
                Resources {
                    cpu_millis: 7000,
                    memory_bytes: 0
                },
                &capacity
            ),
            None
        );
        let text = shortfall(
            Resources {
                cpu_millis: 7500,
                memory_bytes: 1024,
            },
            &capacity,
        )
        .unwrap();
        assert_eq!(
            text,
            "not enough cpu: the environment requests cpu 7.5, memory 1Ki; the cluster has cpu 7, memory 31Gi free (cpu 8, memory 32Gi allocatable on 2 nodes, cpu 1, memory 1Gi requested by other pods)"
        );
    }

    #[test]
    fn the_whole_cluster_counts_every_scheduled_pod() {
        let nodes = vec![json!({"status": {"allocatable": {"cpu": "4", "memory": "8Gi"}}})];
        let pod = |ns: &str| {
            json!({
                "metadata": {"namespace": ns},
                "spec": {"nodeName": "n1", "containers": [{"resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}]},
                "status": {"phase": "Running"}
            })
        };
        let capacity = cluster_free(&nodes, &[pod("qa-a"), pod("other")]);
        assert_eq!(capacity.requested.cpu_millis, 1000);
        assert_eq!(
            capacity.free(),
            Resources {
                cpu_millis: 3000,
                memory_bytes: 6 * 1024 * 1024 * 1024
            }
        );
    }

    #[test]
    fn environments_that_fit_take_the_scarcer_resource() {
        let gi = 1024 * 1024 * 1024;
        let free = Resources {
            cpu_millis: 3000,
            memory_bytes: 6 * gi,
        };
        let each = |cpu_millis, memory_bytes| Resources {
            cpu_millis,
            memory_bytes,
        };
        assert_eq!(how_many_fit(free, each(1000, gi)), Some(3));
        assert_eq!(how_many_fit(free, each(500, 4 * gi)), Some(1));
        assert_eq!(how_many_fit(free, each(0, 2 * gi)), Some(3));
        assert_eq!(how_many_fit(free, each(4000, gi)), Some(0));
        assert_eq!(how_many_fit(free, each(0, 0)), None);
        let overcommitted = each(-500, gi);
        assert_eq!(how_many_fit(overcommitted, each(100, 1)), Some(0));
    }

    #[test]
    fn limit_range_defaults_fill_missing_requests() {
        let mut req = BTreeMap::new();
        req.insert("cpu".to_string(), "100m".to_string());
        let mut def = BTreeMap::new();
        def.insert("memory".to_string(), "256Mi".to_string());
        let d = limit_range_defaults(&req, &def);
        assert_eq!(d.cpu_millis, 100);
        assert_eq!(d.memory_bytes, 256 * 1024 * 1024);
    }
}
