//! The Deployment and ReplicaSet controllers, following the upstream algorithms: one
//! ReplicaSet per pod template (named by pod-template-hash), rolling updates bounded by
//! maxSurge/maxUnavailable, Recreate, revision annotations, history cleanup, the Available and
//! Progressing conditions with the progress deadline, and ReplicaSets keeping their pod count.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::events::{self, DEPLOYMENT_CONTROLLER, REPLICASET_CONTROLLER};
use super::{Clock, Ctx};
use crate::api::{self, DeleteOpts, WriteOpts};
use crate::obj;
use crate::registry::ids;
use crate::store::ObjRef;

const MANAGER: &str = "kube-controller-manager";
const REVISION: &str = "deployment.kubernetes.io/revision";
const HASH_LABEL: &str = "pod-template-hash";

/// When each Deployment last made progress (precise, unlike the conditions' timestamps).
pub type DeploymentClock = Clock<(Instant, String)>;

/// JSON with object keys sorted, so equal templates hash equally.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&m[*k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// The pod-template-hash of a template: FNV-32a, rendered with the API machinery's safe
/// alphabet (no vowels, so no words).
pub fn pod_template_hash(template: &Value, collision_count: i64) -> String {
    let mut h: u32 = 0x811c9dc5;
    let text = canonical(&strip_hash(template));
    for b in text.bytes().chain(collision_count.to_string().bytes()) {
        h ^= b as u32;
        h = h.wrapping_mul(0x01000193);
    }
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    h.to_string()
        .bytes()
        .map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char)
        .collect()
}

fn strip_hash(template: &Value) -> Value {
    let mut t = template.clone();
    obj::remove_path(&mut t, "metadata.labels.pod-template-hash");
    if obj::path(&t, "metadata.labels")
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        obj::remove_path(&mut t, "metadata.labels");
    }
    t
}

fn int(v: &Value, path: &str) -> i64 {
    obj::path_i64(v, path).unwrap_or(0)
}

/// Resolves an int-or-percent against a total (percentages round up for surge, down for
/// unavailable, as upstream).
fn int_or_percent(v: Option<&Value>, total: i64, round_up: bool) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(p) if round_up => (p * total + 99) / 100,
            Some(p) => p * total / 100,
            None => s.parse().unwrap_or(0),
        },
        _ => 0,
    }
}

fn owned_by(object: &Value, uid: &str) -> bool {
    obj::controller_ref(object)
        .and_then(|r| r.get("uid"))
        .and_then(Value::as_str)
        == Some(uid)
}

fn revision(rs: &Value) -> i64 {
    obj::annotation(rs, REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn scale_rs(ctx: &Ctx, deploy: &Value, rs: &Value, replicas: i64) {
    let current = int(rs, "spec.replicas");
    if current == replicas {
        return;
    }
    let mut next = rs.clone();
    next["spec"]["replicas"] = json!(replicas);
    obj::set_annotation(
        &mut next,
        "deployment.kubernetes.io/desired-replicas",
        &int(deploy, "spec.replicas").to_string(),
    );
    let env = &ctx.state.env;
    let ns = obj::namespace(rs).to_string();
    let name = obj::name(rs).to_string();
    ctx.state.store.write(|s| {
        if api::update(
            s,
            env,
            ids::replicasets(),
            Some(&ns),
            &name,
            next,
            None,
            &WriteOpts::controller(MANAGER),
        )
        .is_ok()
        {
            let verb = if replicas > current { "up" } else { "down" };
            events::record(
                s,
                env,
                ids::deployments(),
                deploy,
                false,
                "ScalingReplicaSet",
                &format!("Scaled {verb} replica set {name} from {current} to {replicas}"),
                DEPLOYMENT_CONTROLLER,
            );
        }
    });
}

/// Reconciles one Deployment.
pub fn deployment(ctx: &mut Ctx, r: &ObjRef) -> Option<Duration> {
    let deploy = ctx.get(r)?;
    if obj::is_deleting(&deploy) {
        return None;
    }
    let uid = obj::uid(&deploy).to_string();
    let ns = r.ns.clone();
    let mut rss: Vec<Arc<Value>> = ctx.state.store.read(|s| {
        s.list(ids::replicasets(), Some(&ns))
            .filter(|rs| owned_by(rs, &uid))
            .cloned()
            .collect()
    });
    rss.sort_by(|a, b| {
        obj::meta_str(a, "creationTimestamp")
            .cmp(obj::meta_str(b, "creationTimestamp"))
            .then(obj::name(a).cmp(obj::name(b)))
    });
    let template = obj::path(&deploy, "spec.template")
        .cloned()
        .unwrap_or(json!({}));
    let wanted = canonical(&strip_hash(&template));
    let desired = int(&deploy, "spec.replicas");
    let paused = obj::path(&deploy, "spec.paused").and_then(Value::as_bool) == Some(true);
    let max_revision = rss.iter().map(|rs| revision(rs)).max().unwrap_or(0);
    let mut new_rs = rss
        .iter()
        .find(|rs| {
            obj::path(rs, "spec.template").is_some_and(|t| canonical(&strip_hash(t)) == wanted)
        })
        .cloned();
    let mut created_new = false;
    if new_rs.is_none() && !paused {
        new_rs = create_rs(ctx, &deploy, &template, max_revision + 1);
        created_new = new_rs.is_some();
        if let Some(rs) = &new_rs {
            rss.push(rs.clone());
        }
    } else if let Some(rs) = &new_rs {
        if revision(rs) < max_revision {
            // A rollback to an older template makes that ReplicaSet the newest revision.
            let mut next = (**rs).clone();
            obj::set_annotation(&mut next, REVISION, &(max_revision + 1).to_string());
            let env = &ctx.state.env;
            if let Ok(w) = ctx.state.store.write(|s| {
                api::update(
                    s,
                    env,
                    ids::replicasets(),
                    Some(&ns),
                    obj::name(rs),
                    next,
                    None,
                    &WriteOpts::controller(MANAGER),
                )
            }) {
                new_rs = Some(w.object);
            }
        }
    }
    let new_rs = new_rs?;
    set_revision_annotation(ctx, &deploy, revision(&new_rs).max(max_revision));
    let olds: Vec<Arc<Value>> = rss
        .iter()
        .filter(|rs| obj::uid(rs) != obj::uid(&new_rs))
        .cloned()
        .collect();
    if !paused {
        rollout(ctx, &deploy, &new_rs, &olds, desired);
        cleanup_history(ctx, &deploy, &olds);
    }
    update_status(ctx, r, created_new)
}

fn create_rs(ctx: &Ctx, deploy: &Value, template: &Value, revision: i64) -> Option<Arc<Value>> {
    let collision = int(deploy, "status.collisionCount");
    let hash = pod_template_hash(template, collision);
    let name = format!("{}-{hash}", obj::name(deploy));
    let mut labels = obj::path(template, "metadata.labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    labels.insert(HASH_LABEL.into(), json!(hash));
    let mut rs_template = template.clone();
    obj::set_path(
        &mut rs_template,
        "metadata.labels",
        Value::Object(labels.clone()),
    );
    let mut selector = obj::path(deploy, "spec.selector")
        .cloned()
        .unwrap_or(json!({}));
    obj::ensure_object(&mut selector, "matchLabels").insert(HASH_LABEL.into(), json!(hash));
    let desired = int(deploy, "spec.replicas");
    let max_surge = int_or_percent(
        obj::path(deploy, "spec.strategy.rollingUpdate.maxSurge"),
        desired,
        true,
    );
    let rs = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": obj::namespace(deploy),
            "labels": labels,
            "annotations": {
                REVISION: revision.to_string(),
                "deployment.kubernetes.io/desired-replicas": desired.to_string(),
                "deployment.kubernetes.io/max-replicas": (desired + max_surge).to_string(),
            },
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "Deployment", "name": obj::name(deploy),
                "uid": obj::uid(deploy), "controller": true, "blockOwnerDeletion": true,
            }],
        },
        // Created empty; rollout() grows it within maxSurge.
        "spec": {
            "replicas": 0,
            "minReadySeconds": int(deploy, "spec.minReadySeconds"),
            "selector": selector,
            "template": rs_template,
        },
    });
    let env = &ctx.state.env;
    let ns = obj::namespace(deploy).to_string();
    ctx.state.store.write(|s| {
        match api::create(
            s,
            env,
            ids::replicasets(),
            Some(&ns),
            rs,
            &WriteOpts::controller(MANAGER),
        ) {
            Ok(w) => Some(w.object),
            // Someone else created it first (or a hash collision): use what exists.
            Err(_) => s.get(ids::replicasets(), &ns, &name).cloned(),
        }
    })
}

fn recreate(deploy: &Value) -> bool {
    obj::path_str(deploy, "spec.strategy.type") == "Recreate"
}

fn set_revision_annotation(ctx: &Ctx, deploy: &Value, rev: i64) {
    let want = rev.to_string();
    if obj::annotation(deploy, REVISION) == Some(want.as_str()) {
        return;
    }
    let mut next = deploy.clone();
    obj::set_annotation(&mut next, REVISION, &want);
    let env = &ctx.state.env;
    let ns = obj::namespace(deploy).to_string();
    let name = obj::name(deploy).to_string();
    let _ = ctx.state.store.write(|s| {
        api::update(
            s,
            env,
            ids::deployments(),
            Some(&ns),
            &name,
            next,
            None,
            &WriteOpts::controller(MANAGER),
        )
    });
}

/// Scales the new and old ReplicaSets one step towards the desired state.
fn rollout(ctx: &Ctx, deploy: &Value, new_rs: &Value, olds: &[Arc<Value>], desired: i64) {
    let old_spec: i64 = olds.iter().map(|rs| int(rs, "spec.replicas")).sum();
    if recreate(deploy) {
        if old_spec > 0 {
            for rs in olds {
                scale_rs(ctx, deploy, rs, 0);
            }
            return;
        }
        let old_pods: i64 = olds.iter().map(|rs| int(rs, "status.replicas")).sum();
        if old_pods == 0 {
            scale_rs(ctx, deploy, new_rs, desired);
        }
        return;
    }
    let max_surge = int_or_percent(
        obj::path(deploy, "spec.strategy.rollingUpdate.maxSurge"),
        desired,
        true,
    );
    let mut max_unavailable = int_or_percent(
        obj::path(deploy, "spec.strategy.rollingUpdate.maxUnavailable"),
        desired,
        false,
    );
    if max_surge == 0 && max_unavailable == 0 {
        max_unavailable = 1;
    }
    let new_spec = int(new_rs, "spec.replicas");
    // Scale up the new ReplicaSet within the surge.
    if new_spec > desired {
        scale_rs(ctx, deploy, new_rs, desired);
        return;
    }
    let all_spec = old_spec + new_spec;
    let allowed = desired + max_surge;
    let mut new_target = new_spec;
    if allowed > all_spec && new_spec < desired {
        new_target = (new_spec + allowed - all_spec).min(desired);
        scale_rs(ctx, deploy, new_rs, new_target);
    }
    if old_spec == 0 {
        return;
    }
    // Scale down old ReplicaSets without going below minAvailable.
    let all_pods = old_spec + new_target;
    let min_available = desired - max_unavailable;
    let new_unavailable = new_target - int(new_rs, "status.availableReplicas");
    let max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return;
    }
    let mut remaining: Vec<(Arc<Value>, i64)> = olds
        .iter()
        .map(|rs| (rs.clone(), int(rs, "spec.replicas")))
        .collect();
    // First remove old replicas that are not available anyway.
    let mut cleaned = 0;
    for (rs, spec) in remaining.iter_mut() {
        if cleaned >= max_scaled_down {
            break;
        }
        let available = int(rs, "status.availableReplicas");
        if *spec <= available {
            continue;
        }
        let n = (max_scaled_down - cleaned).min(*spec - available);
        *spec -= n;
        cleaned += n;
    }
    // Then scale down available ones while enough stay available.
    let available_all: i64 = olds
        .iter()
        .map(|rs| int(rs, "status.availableReplicas"))
        .sum::<i64>()
        + int(new_rs, "status.availableReplicas");
    let mut budget = (available_all - min_available)
        .max(0)
        .min(max_scaled_down - cleaned);
    for (_, spec) in remaining.iter_mut() {
        if budget <= 0 {
            break;
        }
        let n = budget.min(*spec);
        *spec -= n;
        budget -= n;
    }
    for (rs, spec) in remaining {
        scale_rs(ctx, deploy, &rs, spec);
    }
}

fn cleanup_history(ctx: &Ctx, deploy: &Value, olds: &[Arc<Value>]) {
    let limit = obj::path_i64(deploy, "spec.revisionHistoryLimit")
        .unwrap_or(10)
        .max(0) as usize;
    let mut idle: Vec<&Arc<Value>> = olds
        .iter()
        .filter(|rs| int(rs, "spec.replicas") == 0 && int(rs, "status.replicas") == 0)
        .collect();
    if idle.len() <= limit {
        return;
    }
    idle.sort_by_key(|rs| revision(rs));
    let env = &ctx.state.env;
    for rs in &idle[..idle.len() - limit] {
        let ns = obj::namespace(rs).to_string();
        let name = obj::name(rs).to_string();
        let _ = ctx.state.store.write(|s| {
            api::delete(
                s,
                env,
                ids::replicasets(),
                Some(&ns),
                &name,
                &DeleteOpts::default(),
            )
        });
    }
}

fn condition(
    t: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: &str,
    previous: Option<&Value>,
) -> Value {
    let same_status =
        previous.is_some_and(|p| p.get("status").and_then(Value::as_str) == Some(status));
    let transition = match previous {
        Some(p) if same_status => p.get("lastTransitionTime").cloned().unwrap_or(json!(now)),
        _ => json!(now),
    };
    let same = previous.is_some_and(|p| {
        same_status
            && p.get("reason").and_then(Value::as_str) == Some(reason)
            && p.get("message").and_then(Value::as_str) == Some(message)
    });
    let update = match previous {
        Some(p) if same => p.get("lastUpdateTime").cloned().unwrap_or(json!(now)),
        _ => json!(now),
    };
    json!({"type": t, "status": status, "lastUpdateTime": update, "lastTransitionTime": transition,
           "reason": reason, "message": message})
}

fn find_condition<'a>(status: &'a Value, t: &str) -> Option<&'a Value> {
    status
        .get("conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(t))
}

/// Writes the Deployment's status from its ReplicaSets; returns when to check the progress
/// deadline again.
fn update_status(ctx: &mut Ctx, r: &ObjRef, created_new: bool) -> Option<Duration> {
    let deploy = ctx.get(r)?;
    let uid = obj::uid(&deploy).to_string();
    let rss: Vec<Arc<Value>> = ctx.state.store.read(|s| {
        s.list(ids::replicasets(), Some(&r.ns))
            .filter(|rs| owned_by(rs, &uid))
            .cloned()
            .collect()
    });
    let template = obj::path(&deploy, "spec.template")
        .cloned()
        .unwrap_or(json!({}));
    let wanted = canonical(&strip_hash(&template));
    let new_rs = rss.iter().find(|rs| {
        obj::path(rs, "spec.template").is_some_and(|t| canonical(&strip_hash(t)) == wanted)
    });
    let desired = int(&deploy, "spec.replicas");
    let sum = |p: &str| rss.iter().map(|rs| int(rs, p)).sum::<i64>();
    let replicas = sum("status.replicas");
    let updated = new_rs.map(|rs| int(rs, "status.replicas")).unwrap_or(0);
    let ready = sum("status.readyReplicas");
    let available = sum("status.availableReplicas");
    let total_spec = sum("spec.replicas");
    let max_unavailable = if recreate(&deploy) {
        0
    } else {
        int_or_percent(
            obj::path(&deploy, "spec.strategy.rollingUpdate.maxUnavailable"),
            desired,
            false,
        )
    };
    let old_status = deploy.get("status").cloned().unwrap_or(json!({}));
    let now = ctx.now_str();
    let rs_name = new_rs
        .map(|rs| obj::name(rs).to_string())
        .unwrap_or_default();
    let generation = int(&deploy, "metadata.generation");

    let available_cond = if available >= desired - max_unavailable {
        condition(
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            &now,
            find_condition(&old_status, "Available"),
        )
    } else {
        condition(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            &now,
            find_condition(&old_status, "Available"),
        )
    };
    let complete = updated == desired
        && replicas == desired
        && available == desired
        && new_rs.is_some_and(|rs| int(rs, "spec.replicas") == desired);
    let deadline_secs = obj::path_i64(&deploy, "spec.progressDeadlineSeconds").unwrap_or(600);
    let progress_key = format!("{updated}/{ready}/{available}/{replicas}/{rs_name}");
    let progressed = match ctx.deployments.get(&uid) {
        Some((_, key)) => *key != progress_key,
        None => true,
    };
    if progressed || created_new {
        ctx.deployments
            .insert(uid.clone(), (Instant::now(), progress_key));
    }
    let since = ctx
        .deployments
        .get(&uid)
        .map(|(t, _)| *t)
        .unwrap_or_else(Instant::now);
    let deadline = since + ctx.scaled(Duration::from_secs(deadline_secs.max(0) as u64));
    let prev_progressing = find_condition(&old_status, "Progressing");
    let already_failed = prev_progressing.is_some_and(|c| {
        c.get("reason").and_then(Value::as_str) == Some("ProgressDeadlineExceeded")
    });
    let paused = obj::path(&deploy, "spec.paused").and_then(Value::as_bool) == Some(true);
    let mut requeue = None;
    let progressing_cond = if paused {
        condition(
            "Progressing",
            "Unknown",
            "DeploymentPaused",
            "Deployment is paused",
            &now,
            prev_progressing,
        )
    } else if complete {
        condition(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            &format!("ReplicaSet {rs_name:?} has successfully progressed."),
            &now,
            prev_progressing,
        )
    } else if created_new {
        condition(
            "Progressing",
            "True",
            "NewReplicaSetCreated",
            &format!("Created new replica set {rs_name:?}"),
            &now,
            prev_progressing,
        )
    } else if (already_failed && !progressed) || Instant::now() >= deadline {
        condition(
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            &format!("ReplicaSet {rs_name:?} has timed out progressing."),
            &now,
            prev_progressing,
        )
    } else {
        requeue =
            Some(deadline.saturating_duration_since(Instant::now()) + Duration::from_millis(1));
        if progressed || prev_progressing.is_none() {
            condition(
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                &format!("ReplicaSet {rs_name:?} is progressing."),
                &now,
                prev_progressing,
            )
        } else {
            prev_progressing.cloned().unwrap_or(json!({}))
        }
    };
    let mut status = json!({
        "observedGeneration": generation,
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "unavailableReplicas": (total_spec - available).max(0),
        "conditions": [available_cond, progressing_cond],
    });
    if let Some(c) = old_status.get("collisionCount") {
        status["collisionCount"] = c.clone();
    }
    // The API server omits zero counts (omitempty).
    if let Some(m) = status.as_object_mut() {
        m.retain(|k, v| k == "observedGeneration" || k == "conditions" || v != &json!(0));
    }
    ctx.write_status(ids::deployments(), &deploy, status, MANAGER);
    requeue
}

/// Reconciles one ReplicaSet: create or delete pods to match `spec.replicas`, then status.
pub fn replica_set(ctx: &mut Ctx, r: &ObjRef) -> Option<Duration> {
    let rs = ctx.get(r)?;
    let uid = obj::uid(&rs).to_string();
    let pods: Vec<Arc<Value>> = ctx.state.store.read(|s| {
        s.list(ids::pods(), Some(&r.ns))
            .filter(|p| owned_by(p, &uid))
            .cloned()
            .collect()
    });
    let active: Vec<&Arc<Value>> = pods
        .iter()
        .filter(|p| {
            let phase = obj::path_str(p, "status.phase");
            !obj::is_deleting(p) && phase != "Succeeded" && phase != "Failed"
        })
        .collect();
    let desired = if obj::is_deleting(&rs) {
        0
    } else {
        int(&rs, "spec.replicas")
    };
    let diff = active.len() as i64 - desired;
    let mut failure: Option<String> = None;
    let mut requeue = None;
    if diff < 0 && !obj::is_deleting(&rs) {
        for _ in 0..(-diff) {
            if let Err(e) = create_pod(ctx, &rs) {
                let message = e.message.clone();
                let env = &ctx.state.env;
                ctx.state.store.write(|s| {
                    events::record(
                        s,
                        env,
                        ids::replicasets(),
                        &rs,
                        true,
                        "FailedCreate",
                        &format!("Error creating: {message}"),
                        REPLICASET_CONTROLLER,
                    )
                });
                failure = Some(message);
                requeue = Some(
                    ctx.scaled(Duration::from_secs(10))
                        .max(Duration::from_millis(50)),
                );
                break;
            }
        }
    } else if diff > 0 {
        let mut victims = active.clone();
        // Delete the least useful first: unscheduled, then pending, then not ready, newest first.
        victims.sort_by_key(|p| {
            let unscheduled = obj::path_str(p, "spec.nodeName").is_empty();
            let pending = obj::path_str(p, "status.phase") == "Pending";
            let ready = pod_ready(p);
            (
                !unscheduled,
                !pending,
                ready,
                std::cmp::Reverse(obj::meta_str(p, "creationTimestamp").to_string()),
            )
        });
        let env = &ctx.state.env;
        for p in victims.iter().take(diff as usize) {
            let ns = obj::namespace(p).to_string();
            let name = obj::name(p).to_string();
            let deleted = ctx.state.store.write(|s| {
                api::delete(
                    s,
                    env,
                    ids::pods(),
                    Some(&ns),
                    &name,
                    &DeleteOpts::default(),
                )
            });
            if deleted.is_ok() {
                ctx.state.store.write(|s| {
                    events::record(
                        s,
                        env,
                        ids::replicasets(),
                        &rs,
                        false,
                        "SuccessfulDelete",
                        &format!("Deleted pod: {name}"),
                        REPLICASET_CONTROLLER,
                    )
                });
            }
        }
    }
    replica_set_status(ctx, r, failure);
    requeue.or_else(|| availability_recheck(ctx, &rs, &pods))
}

/// When a pod becomes available after minReadySeconds, nothing else happens: wake up then.
fn availability_recheck(ctx: &Ctx, rs: &Value, pods: &[Arc<Value>]) -> Option<Duration> {
    let min_ready = int(rs, "spec.minReadySeconds");
    if min_ready <= 0 {
        return None;
    }
    let pending = pods
        .iter()
        .any(|p| pod_ready(p) && !pod_available(p, min_ready));
    pending.then(|| ctx.scaled(Duration::from_secs(min_ready as u64)))
}

fn create_pod(ctx: &Ctx, rs: &Value) -> Result<(), crate::status::ApiError> {
    let template = obj::path(rs, "spec.template").cloned().unwrap_or(json!({}));
    let mut meta = template
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    meta.insert("generateName".into(), json!(format!("{}-", obj::name(rs))));
    meta.insert("namespace".into(), json!(obj::namespace(rs)));
    meta.insert(
        "ownerReferences".into(),
        json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": obj::name(rs),
                "uid": obj::uid(rs), "controller": true, "blockOwnerDeletion": true}]),
    );
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": template.get("spec").cloned().unwrap_or(json!({})),
    });
    let env = &ctx.state.env;
    let ns = obj::namespace(rs).to_string();
    ctx.state.store.write(|s| {
        let w = api::create(
            s,
            env,
            ids::pods(),
            Some(&ns),
            pod,
            &WriteOpts::controller(MANAGER),
        )?;
        events::record(
            s,
            env,
            ids::replicasets(),
            rs,
            false,
            "SuccessfulCreate",
            &format!("Created pod: {}", obj::name(&w.object)),
            REPLICASET_CONTROLLER,
        );
        Ok(())
    })
}

/// Whether a pod's Ready condition is True.
pub fn pod_ready(p: &Value) -> bool {
    obj::path(p, "status.conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some("Ready")
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        })
}

/// Ready for at least `min_ready` seconds.
fn pod_available(p: &Value, min_ready: i64) -> bool {
    if !pod_ready(p) {
        return false;
    }
    if min_ready <= 0 {
        return true;
    }
    let since = obj::path(p, "status.conditions")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        })
        .and_then(|c| c.get("lastTransitionTime"))
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    since.is_some_and(|t| jiff::Timestamp::now().duration_since(t).as_secs() >= min_ready)
}

fn replica_set_status(ctx: &Ctx, r: &ObjRef, failure: Option<String>) {
    let Some(rs) = ctx.get(r) else { return };
    let uid = obj::uid(&rs).to_string();
    let min_ready = int(&rs, "spec.minReadySeconds");
    let selector = obj::path(&rs, "spec.template.metadata.labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let pods: Vec<Arc<Value>> = ctx.state.store.read(|s| {
        s.list(ids::pods(), Some(&r.ns))
            .filter(|p| owned_by(p, &uid))
            .filter(|p| {
                let phase = obj::path_str(p, "status.phase");
                !obj::is_deleting(p) && phase != "Succeeded" && phase != "Failed"
            })
            .cloned()
            .collect()
    });
    let fully_labeled = pods
        .iter()
        .filter(|p| {
            selector
                .iter()
                .all(|(k, v)| obj::labels(p).get(k) == Some(v))
        })
        .count();
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let available = pods.iter().filter(|p| pod_available(p, min_ready)).count();
    let old = rs.get("status").cloned().unwrap_or(json!({}));
    let mut status = json!({
        "replicas": pods.len(),
        "fullyLabeledReplicas": fully_labeled,
        "readyReplicas": ready,
        "availableReplicas": available,
        "observedGeneration": int(&rs, "metadata.generation"),
    });
    match failure {
        Some(message) => {
            let now = ctx.now_str();
            let prev = find_condition(&old, "ReplicaFailure");
            let mut c = condition(
                "ReplicaFailure",
                "True",
                "FailedCreate",
                &message,
                &now,
                prev,
            );
            if let Some(m) = c.as_object_mut() {
                m.remove("lastUpdateTime");
            }
            status["conditions"] = json!([c]);
        }
        None => {
            if let Some(c) = find_condition(&old, "ReplicaFailure") {
                if int(&rs, "spec.replicas") > pods.len() as i64 {
                    status["conditions"] = json!([c]);
                }
            }
        }
    }
    if let Some(m) = status.as_object_mut() {
        m.retain(|k, v| {
            k == "replicas" || k == "observedGeneration" || k == "conditions" || v != &json!(0)
        });
    }
    ctx.write_status(ids::replicasets(), &rs, status, MANAGER);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ignores_key_order_and_the_hash_label() {
        let a = json!({"metadata": {"labels": {"app": "web", "tier": "fe"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        let b = json!({"spec": {"containers": [{"image": "i", "name": "c"}]}, "metadata": {"labels": {"tier": "fe", "app": "web", "pod-template-hash": "x"}}});
        assert_eq!(pod_template_hash(&a, 0), pod_template_hash(&b, 0));
        let c = json!({"metadata": {"labels": {"app": "web", "tier": "fe"}}, "spec": {"containers": [{"name": "c", "image": "j"}]}});
        assert_ne!(pod_template_hash(&a, 0), pod_template_hash(&c, 0));
        assert_ne!(pod_template_hash(&a, 0), pod_template_hash(&a, 1));
        assert!(pod_template_hash(&a, 0)
            .chars()
            .all(|ch| "bcdfghjklmnpqrstvwxz2456789".contains(ch)));
    }

    #[test]
    fn surge_rounds_up_and_unavailable_rounds_down() {
        assert_eq!(int_or_percent(Some(&json!("25%")), 3, true), 1);
        assert_eq!(int_or_percent(Some(&json!("25%")), 3, false), 0);
        assert_eq!(int_or_percent(Some(&json!("25%")), 10, true), 3);
        assert_eq!(int_or_percent(Some(&json!(2)), 10, false), 2);
    }
}
