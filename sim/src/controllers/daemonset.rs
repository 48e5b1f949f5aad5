//! The DaemonSet controller, following upstream `pkg/controller/daemon`: one pod per node that
//! should run it (Ready, matching `nodeSelector`, every NoSchedule/NoExecute taint tolerated),
//! bound to its node when created (the scheduler leaves bound pods alone), failed and duplicate
//! pods replaced, pods removed from nodes they may no longer run on, and RollingUpdate by
//! deleting outdated pods within `maxUnavailable` (OnDelete leaves them).
//!
//! A NotReady node counts as tainted `node.kubernetes.io/not-ready:NoSchedule`, as the node
//! lifecycle controller taints it: no new daemon pod goes there, the ones there keep running.
//! A cordoned node still gets its daemon pod, since daemon pods tolerate `unschedulable`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::events::{self, Source};
use super::owned;
use super::workloads::{
    availability_recheck, int_or_percent, pod_available, pod_ready, pod_template_hash,
};
use super::Ctx;
use crate::obj;
use crate::registry::ids;
use crate::store::ObjRef;

const SOURCE: Source = Source {
    component: "daemonset-controller",
    host: None,
};
const HASH_LABEL: &str = "controller-revision-hash";
const GENERATION_LABEL: &str = "pod-template-generation";

/// Whether a node should run the daemon pod, and whether one already there may stay.
#[derive(Clone, Debug, PartialEq)]
struct Fit {
    node: String,
    should_run: bool,
    should_continue: bool,
}

/// One daemon pod as the planner sees it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Daemon {
    name: String,
    node: String,
    created: String,
    failed: bool,
    succeeded: bool,
    deleting: bool,
    /// At the current template hash.
    updated: bool,
    available: bool,
}

#[derive(Debug, PartialEq)]
enum Action {
    Create(String),
    /// Delete a pod; `failed`: report it as a failed daemon pod.
    Delete {
        pod: String,
        failed: bool,
    },
}

/// The tolerations the controller adds to every daemon pod, so that it keeps running through
/// node trouble and on cordoned nodes.
fn daemon_tolerations() -> Vec<Value> {
    let t = |key: &str, effect: &str| json!({"key": format!("node.kubernetes.io/{key}"), "operator": "Exists", "effect": effect});
    vec![
        t("not-ready", "NoExecute"),
        t("unreachable", "NoExecute"),
        t("disk-pressure", "NoSchedule"),
        t("memory-pressure", "NoSchedule"),
        t("pid-pressure", "NoSchedule"),
        t("unschedulable", "NoSchedule"),
    ]
}

/// Whether a toleration tolerates a taint (core/v1 `Toleration.ToleratesTaint`).
fn tolerates(toleration: &Value, taint: &Value) -> bool {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let effect = s(toleration, "effect");
    if !effect.is_empty() && effect != s(taint, "effect") {
        return false;
    }
    let key = s(toleration, "key");
    if !key.is_empty() && key != s(taint, "key") {
        return false;
    }
    match s(toleration, "operator").as_str() {
        "Exists" => true,
        "" | "Equal" => !key.is_empty() && s(toleration, "value") == s(taint, "value"),
        _ => false,
    }
}

/// A node's taints, with the not-ready taint the node lifecycle controller would add.
fn taints(node: &Value) -> Vec<Value> {
    let mut list = obj::path(node, "spec.taints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ready = obj::path(node, "status.conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        });
    if !ready {
        list.push(json!({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}));
    }
    list
}

/// Upstream `NodeShouldRunDaemonPod`: the node selector must match, and untolerated taints
/// keep new pods off (NoSchedule) or evict running ones too (NoExecute).
fn fit(node: &Value, selector: &Map<String, Value>, tolerations: &[Value]) -> Fit {
    let labels = obj::labels(node);
    let selected = selector.iter().all(|(k, v)| labels.get(k) == Some(v));
    let untolerated: Vec<Value> = taints(node)
        .into_iter()
        .filter(|t| !tolerations.iter().any(|tol| tolerates(tol, t)))
        .collect();
    let effect = |e: &str| untolerated.iter().any(|t| t["effect"] == e);
    Fit {
        node: obj::name(node).to_string(),
        should_run: selected && !effect("NoSchedule") && !effect("NoExecute"),
        should_continue: selected && !effect("NoExecute"),
    }
}

/// Creates, replaces and removes pods node by node (upstream `podsShouldBeOnNode`); when
/// nothing is left to fix and the strategy is RollingUpdate, rolls outdated pods.
fn plan(fits: &[Fit], pods: &[Daemon], rolling: bool, max_unavailable: i64) -> Vec<Action> {
    let mut actions = Vec::new();
    let delete = |p: &Daemon, failed: bool| Action::Delete {
        pod: p.name.clone(),
        failed,
    };
    for fit in fits {
        let on_node: Vec<&Daemon> = pods.iter().filter(|p| p.node == fit.node).collect();
        if fit.should_run && on_node.is_empty() {
            actions.push(Action::Create(fit.node.clone()));
        } else if fit.should_continue {
            let mut running: Vec<&Daemon> = Vec::new();
            for p in on_node.into_iter().filter(|p| !p.deleting) {
                if p.failed || p.succeeded {
                    actions.push(delete(p, p.failed));
                } else {
                    running.push(p);
                }
            }
            running.sort_by(|a, b| a.created.cmp(&b.created).then(a.name.cmp(&b.name)));
            actions.extend(running.iter().skip(1).map(|p| delete(p, false)));
        } else {
            actions.extend(
                on_node
                    .into_iter()
                    .filter(|p| !p.deleting)
                    .map(|p| delete(p, false)),
            );
        }
    }
    // Pods on nodes that are gone (the pod garbage collector's job upstream).
    actions.extend(
        pods.iter()
            .filter(|p| !p.deleting && !fits.iter().any(|f| f.node == p.node))
            .map(|p| delete(p, false)),
    );
    if actions.is_empty() && rolling {
        actions = roll(pods, max_unavailable);
    }
    actions
}

/// Upstream `rollingUpdate` without surge: replace unavailable outdated pods at once (they
/// count as unavailable), and available ones while fewer than `max_unavailable` pods are.
fn roll(pods: &[Daemon], max_unavailable: i64) -> Vec<Action> {
    let mut nodes: Vec<&str> = pods.iter().map(|p| p.node.as_str()).collect();
    nodes.sort_unstable();
    nodes.dedup();
    let mut unavailable = 0;
    let mut replace = Vec::new();
    let mut candidates = Vec::new();
    for node in nodes {
        let live: Vec<&Daemon> = pods
            .iter()
            .filter(|p| p.node == node && !p.deleting)
            .collect();
        let new = live.iter().filter(|p| p.updated).count();
        let old: Vec<&&Daemon> = live.iter().filter(|p| !p.updated).collect();
        match (new, old.as_slice()) {
            (0, [old]) if !old.available => {
                replace.push(old.name.clone());
                unavailable += 1;
            }
            (0, [old]) => {
                if unavailable < max_unavailable {
                    candidates.push(old.name.clone());
                }
            }
            (1, []) => {
                if !live.iter().any(|p| p.available) {
                    unavailable += 1;
                }
            }
            _ => unavailable += 1,
        }
    }
    let room = (max_unavailable - unavailable).clamp(0, candidates.len() as i64) as usize;
    replace
        .into_iter()
        .chain(candidates.into_iter().take(room))
        .map(|pod| Action::Delete { pod, failed: false })
        .collect()
}

/// The pod for one node: the template with its hash and generation labels, bound to the node
/// (and, as upstream, required to run there by node affinity), with the daemon tolerations.
fn new_pod(ds: &Value, template: &Value, hash: &str, node: &str) -> Value {
    let mut pod = owned::pod_from_template(template, ids::daemonsets(), ds);
    obj::meta_mut(&mut pod).insert("generateName".into(), json!(format!("{}-", obj::name(ds))));
    owned::set_label(&mut pod, HASH_LABEL, hash);
    let generation = obj::path_i64(ds, "metadata.generation").unwrap_or(1);
    owned::set_label(&mut pod, GENERATION_LABEL, &generation.to_string());
    let spec = obj::ensure_object(&mut pod, "spec");
    spec.insert("nodeName".into(), json!(node));
    let affinity = json!({"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}});
    let affinities = spec.entry("affinity").or_insert_with(|| json!({}));
    if !affinities.is_object() {
        *affinities = json!({});
    }
    affinities["nodeAffinity"] = affinity;
    let mut tolerations = spec
        .get("tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for t in daemon_tolerations() {
        if !tolerations
            .iter()
            .any(|x| x.get("key") == t.get("key") && x.get("effect") == t.get("effect"))
        {
            tolerations.push(t);
        }
    }
    spec.insert("tolerations".into(), json!(tolerations));
    pod
}

fn daemon(pod: &Value, hash: &str, min_ready: i64) -> Daemon {
    let phase = obj::path_str(pod, "status.phase");
    Daemon {
        name: obj::name(pod).to_string(),
        node: obj::path_str(pod, "spec.nodeName").to_string(),
        created: obj::meta_str(pod, "creationTimestamp").to_string(),
        failed: phase == "Failed",
        succeeded: phase == "Succeeded",
        deleting: obj::is_deleting(pod),
        updated: obj::labels(pod).get(HASH_LABEL) == Some(&json!(hash)),
        available: pod_available(pod, min_ready),
    }
}

/// Reconciles every DaemonSet (a node changed); returns the earliest recheck any asks for.
pub fn reconcile_all(ctx: &mut Ctx) -> Option<Duration> {
    let sets: Vec<ObjRef> = ctx.state.store.read(|s| {
        s.list(ids::daemonsets(), None)
            .map(|o| ObjRef::of(ids::daemonsets(), o))
            .collect()
    });
    sets.iter().filter_map(|r| reconcile(ctx, r)).min()
}

/// Reconciles one DaemonSet.
pub fn reconcile(ctx: &mut Ctx, r: &ObjRef) -> Option<Duration> {
    let ds = ctx.get(r)?;
    let template = obj::path(&ds, "spec.template")
        .cloned()
        .unwrap_or(json!({}));
    let collisions = obj::path_i64(&ds, "status.collisionCount").unwrap_or(0);
    let hash = pod_template_hash(&template, collisions);
    let min_ready = obj::path_i64(&ds, "spec.minReadySeconds").unwrap_or(0);
    let fits = node_fits(ctx, &template);
    let uid = obj::uid(&ds).to_string();
    let pods = owned::children(ctx, ids::pods(), &r.ns, &uid);
    let mut failed = false;
    if !obj::is_deleting(&ds) {
        let daemons: Vec<Daemon> = pods.iter().map(|p| daemon(p, &hash, min_ready)).collect();
        let desired = fits.iter().filter(|f| f.should_run).count() as i64;
        let mut max_unavailable = int_or_percent(
            obj::path(&ds, "spec.updateStrategy.rollingUpdate.maxUnavailable"),
            desired,
            true,
        );
        if max_unavailable <= 0 {
            max_unavailable = 1;
        }
        let rolling = obj::path_str(&ds, "spec.updateStrategy.type") != "OnDelete";
        for action in plan(&fits, &daemons, rolling, max_unavailable) {
            failed |= !apply(ctx, &ds, &template, &hash, action);
        }
    }
    let pods = owned::children(ctx, ids::pods(), &r.ns, &uid);
    let status = status(&ds, &fits, &pods, &hash);
    ctx.write_status(ids::daemonsets(), &ds, status, owned::MANAGER);
    if failed {
        return Some(
            ctx.scaled(Duration::from_secs(10))
                .max(Duration::from_millis(50)),
        );
    }
    availability_recheck(ctx, &ds, &pods)
}

fn node_fits(ctx: &Ctx, template: &Value) -> Vec<Fit> {
    let selector = obj::path(template, "spec.nodeSelector")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut tolerations = obj::path(template, "spec.tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    tolerations.extend(daemon_tolerations());
    ctx.state.store.read(|s| {
        s.list(ids::nodes(), None)
            .map(|n| fit(n, &selector, &tolerations))
            .collect()
    })
}

/// Carries out one action with its Event; false when a create failed.
fn apply(ctx: &Ctx, ds: &Value, template: &Value, hash: &str, action: Action) -> bool {
    match action {
        Action::Create(node) => {
            let pod = new_pod(ds, template, hash, &node);
            match owned::create(ctx, ids::pods(), pod) {
                Ok(p) => {
                    let name = obj::name(&p);
                    let message = format!("Created pod: {name}");
                    owned::record(
                        ctx,
                        ids::daemonsets(),
                        ds,
                        false,
                        "SuccessfulCreate",
                        &message,
                        SOURCE,
                    );
                    let message = format!(
                        "Successfully assigned {}/{name} to {node}",
                        obj::namespace(&p)
                    );
                    owned::record(
                        ctx,
                        ids::pods(),
                        &p,
                        false,
                        "Scheduled",
                        &message,
                        events::SCHEDULER,
                    );
                    true
                }
                Err(e) => {
                    let message = format!("Error creating: {}", e.message);
                    owned::record(
                        ctx,
                        ids::daemonsets(),
                        ds,
                        true,
                        "FailedCreate",
                        &message,
                        SOURCE,
                    );
                    false
                }
            }
        }
        Action::Delete { pod, failed } => {
            let ns = obj::namespace(ds);
            if failed {
                let node = ctx
                    .state
                    .store
                    .read(|s| {
                        s.get(ids::pods(), ns, &pod)
                            .map(|p| obj::path_str(p, "spec.nodeName").to_string())
                    })
                    .unwrap_or_default();
                let message = format!(
                    "Found failed daemon pod {ns}/{pod} on node {node}, will try to kill it"
                );
                owned::record(
                    ctx,
                    ids::daemonsets(),
                    ds,
                    true,
                    "FailedDaemonPod",
                    &message,
                    SOURCE,
                );
            }
            if owned::delete(ctx, ids::pods(), ns, &pod, None) {
                let message = format!("Deleted pod: {pod}");
                owned::record(
                    ctx,
                    ids::daemonsets(),
                    ds,
                    false,
                    "SuccessfulDelete",
                    &message,
                    SOURCE,
                );
            }
            true
        }
    }
}

/// The status upstream writes, node by node: the oldest pod on each node that should run one
/// counts as scheduled, ready, available and updated; pods elsewhere are misscheduled.
fn status(ds: &Value, fits: &[Fit], pods: &[Arc<Value>], hash: &str) -> Value {
    let min_ready = obj::path_i64(ds, "spec.minReadySeconds").unwrap_or(0);
    let (mut desired, mut current, mut ready, mut available, mut updated, mut misscheduled) =
        (0, 0, 0, 0, 0, 0);
    for fit in fits {
        let mut on_node: Vec<&Arc<Value>> = pods
            .iter()
            .filter(|p| obj::path_str(p, "spec.nodeName") == fit.node)
            .filter(|p| !(obj::is_deleting(p) && owned::finished(p)))
            .collect();
        if !fit.should_run {
            misscheduled += i64::from(!on_node.is_empty());
            continue;
        }
        desired += 1;
        on_node.sort_by(|a, b| {
            obj::meta_str(a, "creationTimestamp").cmp(obj::meta_str(b, "creationTimestamp"))
        });
        let Some(pod) = on_node.first() else { continue };
        current += 1;
        if pod_ready(pod) {
            ready += 1;
            available += i64::from(pod_available(pod, min_ready));
        }
        updated += i64::from(obj::labels(pod).get(HASH_LABEL) == Some(&json!(hash)));
    }
    let mut status = json!({
        "currentNumberScheduled": current,
        "numberMisscheduled": misscheduled,
        "desiredNumberScheduled": desired,
        "numberReady": ready,
    });
    let generation = obj::path_i64(ds, "metadata.generation").unwrap_or(0);
    // Zero values are omitted (omitempty) for these.
    for (key, n) in [
        ("observedGeneration", generation),
        ("updatedNumberScheduled", updated),
        ("numberAvailable", available),
        ("numberUnavailable", desired - available),
    ] {
        if n != 0 {
            status[key] = json!(n);
        }
    }
    if let Some(c) = obj::path(ds, "status.collisionCount") {
        status["collisionCount"] = c.clone();
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, ready: bool, labels: Value, taints: Value) -> Value {
        json!({"metadata": {"name": name, "labels": labels},
               "spec": {"taints": taints},
               "status": {"conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}})
    }

    fn fits(names: &[&str]) -> Vec<Fit> {
        names
            .iter()
            .map(|n| Fit {
                node: n.to_string(),
                should_run: true,
                should_continue: true,
            })
            .collect()
    }

    fn running(name: &str, node: &str, updated: bool) -> Daemon {
        Daemon {
            name: name.into(),
            node: node.into(),
            created: "2026-01-01T00:00:00Z".into(),
            updated,
            available: true,
            ..Daemon::default()
        }
    }

    fn delete(pod: &str) -> Action {
        Action::Delete {
            pod: pod.into(),
            failed: false,
        }
    }

    #[test]
    fn nodes_are_chosen_by_readiness_selector_and_taints() {
        let tolerations = daemon_tolerations();
        let none = Map::new();
        let ok = fit(&node("a", true, json!({}), json!([])), &none, &tolerations);
        assert!(ok.should_run && ok.should_continue);
        let not_ready = fit(&node("b", false, json!({}), json!([])), &none, &tolerations);
        assert!(!not_ready.should_run && not_ready.should_continue);
        let cordoned = fit(
            &node(
                "c",
                true,
                json!({}),
                json!([{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]),
            ),
            &none,
            &tolerations,
        );
        assert!(cordoned.should_run);
        let evicting = fit(
            &node(
                "d",
                true,
                json!({}),
                json!([{"key": "dedicated", "value": "db", "effect": "NoExecute"}]),
            ),
            &none,
            &tolerations,
        );
        assert!(!evicting.should_run && !evicting.should_continue);
        let mut with = tolerations.clone();
        with.push(json!({"key": "dedicated", "operator": "Equal", "value": "db"}));
        let tolerated = fit(
            &node(
                "d",
                true,
                json!({}),
                json!([{"key": "dedicated", "value": "db", "effect": "NoExecute"}]),
            ),
            &none,
            &with,
        );
        assert!(tolerated.should_run);
        let mut selector = Map::new();
        selector.insert("disk".into(), json!("ssd"));
        let unselected = fit(
            &node("e", true, json!({"disk": "hdd"}), json!([])),
            &selector,
            &tolerations,
        );
        assert!(!unselected.should_run && !unselected.should_continue);
    }

    #[test]
    fn one_pod_per_node() {
        let f = fits(&["a", "b"]);
        assert_eq!(
            plan(&f, &[running("p1", "a", true)], true, 1),
            vec![Action::Create("b".into())]
        );
        let mut dup = running("p2", "a", true);
        dup.created = "2026-01-01T00:00:05Z".into();
        assert_eq!(
            plan(
                &f,
                &[running("p1", "a", true), dup, running("p3", "b", true)],
                true,
                1
            ),
            vec![delete("p2")]
        );
        let failed = Daemon {
            failed: true,
            ..running("p1", "a", true)
        };
        assert_eq!(
            plan(&f, &[failed, running("p3", "b", true)], true, 1),
            vec![Action::Delete {
                pod: "p1".into(),
                failed: true
            }]
        );
        assert_eq!(
            plan(&fits(&["b"]), &[running("p1", "gone", true)], true, 1),
            vec![Action::Create("b".into()), delete("p1")]
        );
    }

    #[test]
    fn rolling_update_stays_within_max_unavailable() {
        let f = fits(&["a", "b", "c"]);
        let old = [
            running("p1", "a", false),
            running("p2", "b", false),
            running("p3", "c", false),
        ];
        assert_eq!(plan(&f, &old, true, 1), vec![delete("p1")]);
        assert_eq!(plan(&f, &old, true, 2), vec![delete("p1"), delete("p2")]);
        assert_eq!(plan(&f, &old, false, 1), vec![]);
        let starting = Daemon {
            available: false,
            ..running("p4", "a", true)
        };
        assert_eq!(
            plan(
                &f,
                &[
                    starting,
                    running("p2", "b", false),
                    running("p3", "c", false)
                ],
                true,
                1
            ),
            vec![]
        );
        let broken = Daemon {
            available: false,
            ..running("p2", "b", false)
        };
        assert_eq!(
            plan(
                &f,
                &[running("p4", "a", true), broken, running("p3", "c", false)],
                true,
                1
            ),
            vec![delete("p2")]
        );
    }

    #[test]
    fn pods_are_bound_and_tolerant() {
        let ds =
            json!({"metadata": {"name": "agent", "namespace": "ns", "uid": "u", "generation": 3}});
        let template = json!({"metadata": {"labels": {"app": "agent"}},
            "spec": {"containers": [{"name": "c", "image": "i"}],
                     "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}]}});
        let pod = new_pod(&ds, &template, "abc", "node-1");
        assert_eq!(pod["metadata"]["generateName"], "agent-");
        assert_eq!(pod["metadata"]["labels"][HASH_LABEL], "abc");
        assert_eq!(pod["metadata"]["labels"][GENERATION_LABEL], "3");
        assert_eq!(pod["spec"]["nodeName"], "node-1");
        assert_eq!(
            pod["spec"]["affinity"]["nodeAffinity"]
                ["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
                ["matchFields"][0]["values"][0],
            "node-1"
        );
        assert_eq!(pod["spec"]["tolerations"].as_array().map(Vec::len), Some(6));
    }

    #[test]
    fn status_counts_per_node() {
        let ds = json!({"metadata": {"generation": 1}, "spec": {}});
        let pod = |name: &str, node: &str, hash: &str, ready: bool| {
            Arc::new(
                json!({"metadata": {"name": name, "labels": {HASH_LABEL: hash}},
                "spec": {"nodeName": node},
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}}),
            )
        };
        let mut f = fits(&["a", "b", "c"]);
        f.push(Fit {
            node: "d".into(),
            should_run: false,
            should_continue: true,
        });
        let pods = [
            pod("p1", "a", "h", true),
            pod("p2", "b", "old", false),
            pod("p4", "d", "h", true),
        ];
        let s = status(&ds, &f, &pods, "h");
        assert_eq!(s["desiredNumberScheduled"], 3);
        assert_eq!(s["currentNumberScheduled"], 2);
        assert_eq!(s["numberReady"], 1);
        assert_eq!(s["numberAvailable"], 1);
        assert_eq!(s["numberUnavailable"], 2);
        assert_eq!(s["updatedNumberScheduled"], 1);
        assert_eq!(s["numberMisscheduled"], 1);
        assert_eq!(s["observedGeneration"], 1);
    }
}
