//! The endpoints controller: one Endpoints object per Service with a selector, listing the
//! ready pods as `addresses` and the others as `notReadyAddresses`.

use std::sync::Arc;

use serde_json::{json, Value};

use super::workloads::pod_ready;
use super::Ctx;
use crate::api::{self, WriteOpts};
use crate::obj;
use crate::registry::ids;

const MANAGER: &str = "endpoint-controller";

/// Resolves a Service port's targetPort against a pod (named ports look up container ports).
fn target_port(port: &Value, pod: Option<&Value>) -> Option<i64> {
    match port.get("targetPort") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(name)) => pod.and_then(|p| {
            obj::path(p, "spec.containers")
                .and_then(Value::as_array)?
                .iter()
                .flat_map(|c| {
                    c.get("ports")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                })
                .find(|cp| cp.get("name").and_then(Value::as_str) == Some(name.as_str()))
                .and_then(|cp| cp.get("containerPort").and_then(Value::as_i64))
        }),
        _ => port.get("port").and_then(Value::as_i64),
    }
}

/// The Endpoints a Service should have.
pub fn desired(svc: &Value, pods: &[Arc<Value>]) -> Value {
    let selector = obj::path(svc, "spec.selector")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let matching: Vec<&Arc<Value>> = pods
        .iter()
        .filter(|p| !obj::path_str(p, "status.podIP").is_empty())
        .filter(|p| {
            let phase = obj::path_str(p, "status.phase");
            phase != "Succeeded" && phase != "Failed"
        })
        .filter(|p| {
            selector
                .iter()
                .all(|(k, v)| obj::labels(p).get(k) == Some(v))
        })
        .collect();
    let address = |p: &Value| {
        json!({"ip": obj::path_str(p, "status.podIP"), "nodeName": obj::path_str(p, "spec.nodeName"),
               "targetRef": {"kind": "Pod", "namespace": obj::namespace(p), "name": obj::name(p), "uid": obj::uid(p)}})
    };
    let ready: Vec<Value> = matching
        .iter()
        .filter(|p| pod_ready(p) && !obj::is_deleting(p))
        .map(|p| address(p))
        .collect();
    let not_ready: Vec<Value> = matching
        .iter()
        .filter(|p| !pod_ready(p) || obj::is_deleting(p))
        .map(|p| address(p))
        .collect();
    let ports: Vec<Value> = obj::path(svc, "spec.ports")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    let port = target_port(p, matching.first().map(|a| a.as_ref()))?;
                    let mut e = json!({"port": port, "protocol": p.get("protocol").cloned().unwrap_or(json!("TCP"))});
                    if let Some(n) = p.get("name").filter(|n| n.as_str().is_some_and(|s| !s.is_empty())) {
                        e["name"] = n.clone();
                    }
                    Some(e)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut ep = json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": obj::name(svc), "namespace": obj::namespace(svc),
                     "labels": obj::path(svc, "metadata.labels").cloned().unwrap_or(json!({}))},
    });
    if !matching.is_empty() {
        let mut subset = json!({"ports": ports});
        if !ready.is_empty() {
            subset["addresses"] = json!(ready);
        }
        if !not_ready.is_empty() {
            subset["notReadyAddresses"] = json!(not_ready);
        }
        ep["subsets"] = json!([subset]);
    }
    ep
}

/// Brings every selector Service's Endpoints in a namespace up to date.
pub fn reconcile(ctx: &mut Ctx, ns: &str) {
    let (services, pods, existing) = ctx.state.store.read(|s| {
        let services: Vec<Arc<Value>> = s
            .list(ids::services(), Some(ns))
            .filter(|svc| {
                obj::path(svc, "spec.selector")
                    .and_then(Value::as_object)
                    .is_some_and(|m| !m.is_empty())
            })
            .cloned()
            .collect();
        let pods: Vec<Arc<Value>> = s.list(ids::pods(), Some(ns)).cloned().collect();
        let existing: Vec<Arc<Value>> = s.list(ids::endpoints(), Some(ns)).cloned().collect();
        (services, pods, existing)
    });
    let env = &ctx.state.env;
    let opts = WriteOpts::controller(MANAGER);
    for svc in services {
        let want = desired(&svc, &pods);
        let current = existing.iter().find(|e| obj::name(e) == obj::name(&svc));
        let _ = ctx.state.store.write(|s| match current {
            None => api::create(s, env, ids::endpoints(), Some(ns), want, &opts).map(|_| ()),
            Some(cur) => {
                if cur.get("subsets") == want.get("subsets")
                    && cur.get("metadata").and_then(|m| m.get("labels"))
                        == want.get("metadata").and_then(|m| m.get("labels"))
                {
                    return Ok(());
                }
                let mut next = (**cur).clone();
                match want.get("subsets") {
                    Some(sub) => next["subsets"] = sub.clone(),
                    None => {
                        next.as_object_mut().map(|m| m.remove("subsets"));
                    }
                }
                next["metadata"]["labels"] = want["metadata"]["labels"].clone();
                api::update(
                    s,
                    env,
                    ids::endpoints(),
                    Some(ns),
                    obj::name(&svc),
                    next,
                    None,
                    &opts,
                )
                .map(|_| ())
            }
        });
    }
}
