//! The scheduler: binds pending pods to Ready nodes whose free allocatable (allocatable minus
//! the requests of the pods already bound there) fits the pod's requests, preferring the least
//! allocated node; otherwise marks the pod Unschedulable with a FailedScheduling event worded as
//! the real scheduler's ("0/3 nodes are available: 3 Insufficient cpu. ...").

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::events::{self, SCHEDULER};
use super::Ctx;
use crate::api::{self, WriteOpts};
use crate::obj;
use crate::quantity::Quantity;
use crate::registry::{ids, Sub};

/// What a node has left.
#[derive(Clone, Debug)]
struct Free {
    name: String,
    labels: serde_json::Map<String, Value>,
    cpu: i128,
    memory: i128,
    pods: i128,
    ready: bool,
}

fn qty(v: Option<&Value>) -> i128 {
    v.and_then(Value::as_str)
        .and_then(|s| Quantity::parse(s).ok())
        .map(|q| q.nanos())
        .unwrap_or(0)
}

/// A pod's effective requests (cpu and memory in nano-units): the sum over containers, or the
/// largest init container if that is bigger, as the scheduler computes them.
pub fn pod_requests(pod: &Value) -> (i128, i128) {
    let sum = |field: &str| -> (i128, i128) {
        obj::path(pod, field)
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter().fold((0, 0), |(c, m), x| {
                    let r = x.get("resources").and_then(|r| r.get("requests"));
                    (
                        c + qty(r.and_then(|r| r.get("cpu"))),
                        m + qty(r.and_then(|r| r.get("memory"))),
                    )
                })
            })
            .unwrap_or((0, 0))
    };
    let max_init = obj::path(pod, "spec.initContainers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter().fold((0, 0), |(c, m), x| {
                let r = x.get("resources").and_then(|r| r.get("requests"));
                (
                    c.max(qty(r.and_then(|r| r.get("cpu")))),
                    m.max(qty(r.and_then(|r| r.get("memory")))),
                )
            })
        })
        .unwrap_or((0, 0));
    let main = sum("spec.containers");
    (main.0.max(max_init.0), main.1.max(max_init.1))
}

fn terminal(pod: &Value) -> bool {
    let phase = obj::path_str(pod, "status.phase");
    phase == "Succeeded" || phase == "Failed"
}

/// One scheduling pass over every pending, unbound pod (oldest first).
pub fn schedule(ctx: &mut Ctx) -> Option<Duration> {
    let (mut nodes, mut pending) = ctx.state.store.read(|s| {
        let mut nodes: BTreeMap<String, Free> = s
            .list(ids::nodes(), None)
            .map(|n| {
                let ready = obj::path(n, "status.conditions")
                    .and_then(Value::as_array)
                    .is_some_and(|cs| {
                        cs.iter()
                            .any(|c| c["type"] == "Ready" && c["status"] == "True")
                    })
                    && obj::path(n, "spec.unschedulable").and_then(Value::as_bool) != Some(true);
                let alloc = obj::path(n, "status.allocatable");
                (
                    obj::name(n).to_string(),
                    Free {
                        name: obj::name(n).to_string(),
                        labels: obj::labels(n).clone(),
                        cpu: qty(alloc.and_then(|a| a.get("cpu"))),
                        memory: qty(alloc.and_then(|a| a.get("memory"))),
                        pods: qty(alloc.and_then(|a| a.get("pods"))),
                        ready,
                    },
                )
            })
            .collect();
        let mut pending: Vec<Arc<Value>> = Vec::new();
        for p in s.list(ids::pods(), None) {
            let node = obj::path_str(p, "spec.nodeName");
            if node.is_empty() {
                if !obj::is_deleting(p) && !terminal(p) {
                    pending.push(p.clone());
                }
            } else if !terminal(p) {
                if let Some(f) = nodes.get_mut(node) {
                    let (cpu, mem) = pod_requests(p);
                    f.cpu -= cpu;
                    f.memory -= mem;
                    f.pods -= 1_000_000_000;
                }
            }
        }
        (nodes, pending)
    });
    pending.sort_by(|a, b| {
        obj::meta_str(a, "creationTimestamp")
            .cmp(obj::meta_str(b, "creationTimestamp"))
            .then(obj::name(a).cmp(obj::name(b)))
    });
    for pod in pending {
        let scheduler = obj::path_str(&pod, "spec.schedulerName");
        if !scheduler.is_empty() && scheduler != "default-scheduler" {
            continue;
        }
        let (cpu, mem) = pod_requests(&pod);
        let selector = obj::path(&pod, "spec.nodeSelector")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut reasons: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut best: Option<&mut Free> = None;
        for f in nodes.values_mut() {
            let mut fits = true;
            if !f.ready {
                *reasons
                    .entry("node(s) had untolerated taint {node.kubernetes.io/not-ready: }")
                    .or_default() += 1;
                continue;
            }
            if !selector.iter().all(|(k, v)| f.labels.get(k) == Some(v)) {
                *reasons
                    .entry("node(s) didn't match Pod's node affinity/selector")
                    .or_default() += 1;
                continue;
            }
            if f.pods < 1_000_000_000 {
                *reasons.entry("Too many pods").or_default() += 1;
                fits = false;
            }
            if cpu > f.cpu {
                *reasons.entry("Insufficient cpu").or_default() += 1;
                fits = false;
            }
            if mem > f.memory {
                *reasons.entry("Insufficient memory").or_default() += 1;
                fits = false;
            }
            if fits
                && best
                    .as_ref()
                    .is_none_or(|b| f.cpu > b.cpu || (f.cpu == b.cpu && f.memory > b.memory))
            {
                best = Some(f);
            }
        }
        match best {
            Some(f) => {
                f.cpu -= cpu;
                f.memory -= mem;
                f.pods -= 1_000_000_000;
                let node = f.name.clone();
                bind(ctx, &pod, &node);
            }
            None => unschedulable(ctx, &pod, nodes.len(), &reasons),
        }
    }
    None
}

fn bind(ctx: &Ctx, pod: &Value, node: &str) {
    let mut next = pod.clone();
    next["spec"]["nodeName"] = json!(node);
    let env = &ctx.state.env;
    let ns = obj::namespace(pod).to_string();
    let name = obj::name(pod).to_string();
    let now = ctx.now_str();
    let opts = WriteOpts::controller("kube-scheduler");
    ctx.state.store.write(|s| {
        let Ok(bound) = api::update(s, env, ids::pods(), Some(&ns), &name, next, None, &opts) else {
            return;
        };
        let mut with_condition = (*bound.object).clone();
        set_scheduled(&mut with_condition, json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now}));
        let _ = api::update(s, env, ids::pods(), Some(&ns), &name, with_condition, Some(Sub::Status), &opts);
        events::record(s, env, ids::pods(), pod, false, "Scheduled", &format!("Successfully assigned {ns}/{name} to {node}"), SCHEDULER);
    });
}

fn set_scheduled(pod: &mut Value, condition: Value) {
    let conditions = obj::ensure_object(pod, "status")
        .entry("conditions")
        .or_insert_with(|| json!([]));
    if let Some(list) = conditions.as_array_mut() {
        list.retain(|c| c.get("type").and_then(Value::as_str) != Some("PodScheduled"));
        list.push(condition);
    }
}

/// The scheduler's message: `0/N nodes are available: <count> <reason>, ... preemption: ...`.
fn message(total: usize, reasons: &BTreeMap<&'static str, usize>) -> String {
    let mut parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
    parts.sort();
    format!(
        "0/{total} nodes are available: {}. preemption: 0/{total} nodes are available: {total} No preemption victims found for incoming pod.",
        parts.join(", ")
    )
}

fn unschedulable(ctx: &Ctx, pod: &Value, total: usize, reasons: &BTreeMap<&'static str, usize>) {
    let msg = if total == 0 {
        "no nodes available to schedule pods".to_string()
    } else {
        message(total, reasons)
    };
    let already = obj::path(pod, "status.conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "PodScheduled" && c["message"] == json!(msg))
        });
    if already {
        return;
    }
    let mut next = pod.clone();
    set_scheduled(
        &mut next,
        json!({"type": "PodScheduled", "status": "False", "lastProbeTime": null,
               "lastTransitionTime": ctx.now_str(), "reason": "Unschedulable", "message": msg}),
    );
    let env = &ctx.state.env;
    let ns = obj::namespace(pod).to_string();
    let name = obj::name(pod).to_string();
    let opts = WriteOpts::controller("kube-scheduler");
    ctx.state.store.write(|s| {
        let _ = api::update(
            s,
            env,
            ids::pods(),
            Some(&ns),
            &name,
            next,
            Some(Sub::Status),
            &opts,
        );
        events::record(
            s,
            env,
            ids::pods(),
            pod,
            true,
            "FailedScheduling",
            &msg,
            SCHEDULER,
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_take_the_larger_of_containers_and_init() {
        let pod = json!({"spec": {
            "initContainers": [{"resources": {"requests": {"cpu": "2"}}}],
            "containers": [{"resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
                           {"resources": {"requests": {"cpu": "250m"}}}]}});
        let (cpu, mem) = pod_requests(&pod);
        assert_eq!(cpu, 2_000_000_000);
        assert_eq!(mem, 1024 * 1024 * 1024 * 1_000_000_000);
    }

    #[test]
    fn message_matches_the_scheduler() {
        let mut reasons = BTreeMap::new();
        reasons.insert("Insufficient cpu", 3);
        assert_eq!(
            message(3, &reasons),
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
        );
    }
}
