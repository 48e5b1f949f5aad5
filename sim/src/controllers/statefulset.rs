//! The StatefulSet controller, following upstream `pkg/controller/statefulset`: pods named by
//! ordinal with a stable identity (hostname, subdomain, pod-name and pod-index labels); claims
//! from `volumeClaimTemplates`, created before their pod and owned as the retention policy
//! says; OrderedReady management (create an ordinal only once its predecessors are Running and
//! Ready, remove from the highest ordinal) or Parallel; RollingUpdate by deleting the
//! highest-ordinal pod of an old revision at or above the partition (OnDelete leaves pods
//! alone).
//!
//! Revisions are named `<set>-<hash of the pod template>`, as upstream names its
//! ControllerRevisions. The simulator serves no ControllerRevision resource, so the controller
//! remembers past templates in memory, to recreate pods below the partition at their revision.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::events::Source;
use super::owned;
use super::workloads::{availability_recheck, pod_available, pod_ready, pod_template_hash};
use super::Ctx;
use crate::obj;
use crate::registry::ids;
use crate::store::ObjRef;

const SOURCE: Source = Source {
    component: "statefulset-controller",
    host: None,
};
const REVISION_LABEL: &str = "controller-revision-hash";
const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// Upstream creates at most this many pods of a Parallel set in one pass.
const MAX_BATCH: usize = 500;

/// Pod templates by revision name, per StatefulSet uid (what ControllerRevisions hold upstream).
pub type RevisionHistory = HashMap<String, HashMap<String, Value>>;

/// One pod as the planner sees it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Member {
    ordinal: i64,
    revision: String,
    /// Running with its Ready condition True.
    ready: bool,
    /// Ready for at least minReadySeconds.
    available: bool,
    terminating: bool,
    /// Succeeded or Failed: upstream deletes such a pod so that it is recreated.
    finished: bool,
}

impl Member {
    fn unavailable(&self) -> bool {
        self.terminating || !self.ready || !self.available
    }
}

/// What the spec asks of the planner.
struct Target<'a> {
    /// `spec.ordinals.start`.
    start: i64,
    replicas: i64,
    /// OrderedReady: one change at a time, each waiting for healthy predecessors.
    monotonic: bool,
    /// RollingUpdate (rather than OnDelete).
    rolling: bool,
    partition: i64,
    current_revision: &'a str,
    update_revision: &'a str,
}

#[derive(Debug, PartialEq)]
enum Action {
    /// Create the pod of an ordinal; `current`: at the current revision (below the partition).
    Create { ordinal: i64, current: bool },
    /// Delete the pod of an ordinal; `condemned`: it is out of range (scale down).
    Delete { ordinal: i64, condemned: bool },
}

/// The pods to create and delete in this pass, as upstream's `updateStatefulSet` decides them:
/// replace finished pods and create missing ordinals (stopping at the first unhealthy one when
/// monotonic), then remove condemned pods from the highest ordinal, then roll one outdated pod.
fn plan(t: &Target, members: &[Member]) -> Vec<Action> {
    let end = t.start.saturating_add(t.replicas.max(0));
    let by_ordinal: HashMap<i64, &Member> = members.iter().map(|m| (m.ordinal, m)).collect();
    let slot = |o: i64| by_ordinal.get(&o).copied();
    let mut condemned: Vec<&Member> = members
        .iter()
        .filter(|m| m.ordinal < t.start || m.ordinal >= end)
        .collect();
    condemned.sort_by_key(|m| std::cmp::Reverse(m.ordinal));
    let first_unhealthy = (t.start..end)
        .find(|o| slot(*o).is_none_or(Member::unavailable))
        .or_else(|| {
            condemned
                .iter()
                .rev()
                .find(|m| m.unavailable())
                .map(|m| m.ordinal)
        });
    let mut actions = Vec::new();
    for ordinal in t.start..end {
        match slot(ordinal) {
            None => {
                let current = t.rolling
                    && ordinal < t.start.saturating_add(t.partition)
                    && t.current_revision != t.update_revision;
                actions.push(Action::Create { ordinal, current });
                if t.monotonic || actions.len() >= MAX_BATCH {
                    return actions;
                }
            }
            Some(m) if m.finished => {
                if !m.terminating {
                    actions.push(Action::Delete {
                        ordinal,
                        condemned: false,
                    });
                }
                if t.monotonic {
                    return actions;
                }
            }
            Some(m) if t.monotonic && m.unavailable() => return actions,
            Some(_) => {}
        }
    }
    for m in &condemned {
        if m.terminating {
            if t.monotonic {
                return actions;
            }
            continue;
        }
        if t.monotonic && m.unavailable() && Some(m.ordinal) != first_unhealthy {
            return actions;
        }
        actions.push(Action::Delete {
            ordinal: m.ordinal,
            condemned: true,
        });
        if t.monotonic {
            return actions;
        }
    }
    if !t.rolling {
        return actions;
    }
    for ordinal in (t.start.saturating_add(t.partition.max(0))..end).rev() {
        let Some(m) = slot(ordinal) else {
            return actions;
        };
        if m.revision != t.update_revision && !m.terminating {
            actions.push(Action::Delete {
                ordinal,
                condemned: false,
            });
            return actions;
        }
        if m.unavailable() {
            return actions;
        }
    }
    actions
}

/// The ordinal of a pod named `<set>-<n>`.
fn ordinal(set_name: &str, pod_name: &str) -> Option<i64> {
    let digits = pod_name.strip_prefix(set_name)?.strip_prefix('-')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn member(set: &Value, pod: &Value) -> Option<Member> {
    let min_ready = obj::path_i64(set, "spec.minReadySeconds").unwrap_or(0);
    let ready = obj::path_str(pod, "status.phase") == "Running" && pod_ready(pod);
    Some(Member {
        ordinal: ordinal(obj::name(set), obj::name(pod))?,
        revision: obj::labels(pod)
            .get(REVISION_LABEL)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        ready,
        available: ready && pod_available(pod, min_ready),
        terminating: obj::is_deleting(pod),
        finished: owned::finished(pod),
    })
}

/// Who owns a claim under `persistentVolumeClaimRetentionPolicy`: (the set, the pod). Deleting
/// with the set makes the set its controller; deleting on scale down makes a condemned pod its
/// controller instead, so the garbage collector removes the claim with the pod.
fn claim_owners(delete_with_set: bool, delete_on_scale: bool, scaled_down: bool) -> (bool, bool) {
    let pod_owns = delete_on_scale && scaled_down;
    (delete_with_set && !pod_owns, pod_owns)
}

fn retention(set: &Value, when: &str) -> bool {
    obj::path_str(
        set,
        &format!("spec.persistentVolumeClaimRetentionPolicy.{when}"),
    ) == "Delete"
}

fn claim_templates(set: &Value) -> Vec<Value> {
    obj::path(set, "spec.volumeClaimTemplates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn claim_name(set: &Value, template: &Value, ordinal: i64) -> String {
    format!("{}-{}-{ordinal}", obj::name(template), obj::name(set))
}

/// A claim of a pod from a volume claim template, labelled with the set's selector labels.
fn new_claim(set: &Value, template: &Value, ordinal: i64) -> Value {
    let mut claim = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": template.get("metadata").cloned().unwrap_or(json!({})),
        "spec": template.get("spec").cloned().unwrap_or(json!({})),
    });
    let meta = obj::meta_mut(&mut claim);
    meta.insert("name".into(), json!(claim_name(set, template, ordinal)));
    meta.insert("namespace".into(), json!(obj::namespace(set)));
    if let Some(selector) = obj::path(set, "spec.selector.matchLabels").and_then(Value::as_object) {
        for (k, v) in selector {
            owned::set_label(&mut claim, k, v.as_str().unwrap_or(""));
        }
    }
    set_claim_owners(&mut claim, set, None, false);
    claim
}

/// Rewrites the claim's references to the set and `pod` as the retention policy says; a claim
/// controlled by something else is left alone, as upstream does.
fn set_claim_owners(claim: &mut Value, set: &Value, pod: Option<&Value>, scaled_down: bool) {
    let ours = |uid: &str| uid == obj::uid(set) || pod.is_some_and(|p| uid == obj::uid(p));
    let foreign_controller = obj::controller_ref(claim)
        .and_then(|r| r.get("uid"))
        .and_then(Value::as_str)
        .is_some_and(|uid| !ours(uid));
    if foreign_controller {
        return;
    }
    let mut refs: Vec<Value> = obj::owner_refs(claim)
        .iter()
        .filter(|r| !r.get("uid").and_then(Value::as_str).is_some_and(ours))
        .cloned()
        .collect();
    let (set_owns, pod_owns) = claim_owners(
        retention(set, "whenDeleted"),
        retention(set, "whenScaled"),
        scaled_down,
    );
    if set_owns {
        refs.push(owned::controller_ref(ids::statefulsets(), set));
    }
    if let (true, Some(p)) = (pod_owns, pod) {
        refs.push(owned::controller_ref(ids::pods(), p));
    }
    let meta = obj::meta_mut(claim);
    if refs.is_empty() {
        meta.remove("ownerReferences");
    } else {
        meta.insert("ownerReferences".into(), json!(refs));
    }
}

/// Brings the owner references of a pod's existing claims in line with the policy.
fn sync_claim_owners(ctx: &Ctx, set: &Value, pod: &Value, ordinal: i64, scaled_down: bool) {
    for template in claim_templates(set) {
        let name = claim_name(set, &template, ordinal);
        let Some(claim) = ctx.state.store.read(|s| {
            s.get(ids::persistentvolumeclaims(), obj::namespace(set), &name)
                .cloned()
        }) else {
            continue;
        };
        let mut next = (*claim).clone();
        set_claim_owners(&mut next, set, Some(pod), scaled_down);
        if next != *claim {
            let _ = owned::update(ctx, ids::persistentvolumeclaims(), next);
        }
    }
}

/// The pod of an ordinal: the template at `revision`, with its identity and claim volumes.
fn new_pod(set: &Value, template: &Value, revision: &str, ordinal: i64) -> Value {
    let name = format!("{}-{ordinal}", obj::name(set));
    let mut pod = owned::pod_from_template(template, ids::statefulsets(), set);
    obj::meta_mut(&mut pod).insert("name".into(), json!(name));
    owned::set_label(&mut pod, REVISION_LABEL, revision);
    owned::set_label(&mut pod, POD_NAME_LABEL, &name);
    owned::set_label(&mut pod, POD_INDEX_LABEL, &ordinal.to_string());
    let spec = obj::ensure_object(&mut pod, "spec");
    spec.insert("hostname".into(), json!(name));
    let service = obj::path_str(set, "spec.serviceName");
    if !service.is_empty() {
        spec.insert("subdomain".into(), json!(service));
    }
    let templates = claim_templates(set);
    let mut volumes: Vec<Value> = templates
        .iter()
        .map(|t| {
            json!({"name": obj::name(t),
                   "persistentVolumeClaim": {"claimName": claim_name(set, t, ordinal)}})
        })
        .collect();
    let claimed = |v: &Value| {
        templates
            .iter()
            .any(|t| v.get("name").and_then(Value::as_str) == Some(obj::name(t)))
    };
    if let Some(own) = spec.get("volumes").and_then(Value::as_array) {
        volumes.extend(own.iter().filter(|v| !claimed(v)).cloned());
    }
    if !volumes.is_empty() {
        spec.insert("volumes".into(), json!(volumes));
    }
    pod
}

/// Creates the missing claims of an ordinal, then its pod; false when a write failed.
fn create_member(ctx: &Ctx, set: &Value, template: &Value, revision: &str, ordinal: i64) -> bool {
    let set_name = obj::name(set);
    let pod_name = format!("{set_name}-{ordinal}");
    for t in claim_templates(set) {
        let claim = new_claim(set, &t, ordinal);
        let claim_name = obj::name(&claim).to_string();
        let exists = ctx.state.store.read(|s| {
            s.get(
                ids::persistentvolumeclaims(),
                obj::namespace(set),
                &claim_name,
            )
            .is_some()
        });
        if exists {
            continue;
        }
        let (warning, reason, message) =
            match owned::create(ctx, ids::persistentvolumeclaims(), claim) {
                Ok(_) => (
                    false,
                    "SuccessfulCreate",
                    format!("create Claim {claim_name} Pod {pod_name} in StatefulSet {set_name} success"),
                ),
                Err(e) => (
                    true,
                    "FailedCreate",
                    format!("create Claim {claim_name} for Pod {pod_name} in StatefulSet {set_name} failed error: {}", e.message),
                ),
            };
        owned::record(
            ctx,
            ids::statefulsets(),
            set,
            warning,
            reason,
            &message,
            SOURCE,
        );
        if warning {
            return false;
        }
    }
    let pod = new_pod(set, template, revision, ordinal);
    let result = owned::create(ctx, ids::pods(), pod);
    let (warning, reason, message) = match &result {
        Ok(_) => (
            false,
            "SuccessfulCreate",
            format!("create Pod {pod_name} in StatefulSet {set_name} successful"),
        ),
        Err(e) => (
            true,
            "FailedCreate",
            format!(
                "create Pod {pod_name} in StatefulSet {set_name} failed error: {}",
                e.message
            ),
        ),
    };
    owned::record(
        ctx,
        ids::statefulsets(),
        set,
        warning,
        reason,
        &message,
        SOURCE,
    );
    result.is_ok()
}

fn delete_member(ctx: &Ctx, set: &Value, pod: &Value) {
    let name = obj::name(pod).to_string();
    if owned::delete(ctx, ids::pods(), obj::namespace(pod), &name, None) {
        let message = format!(
            "delete Pod {name} in StatefulSet {} successful",
            obj::name(set)
        );
        owned::record(
            ctx,
            ids::statefulsets(),
            set,
            false,
            "SuccessfulDelete",
            &message,
            SOURCE,
        );
    }
}

/// Reconciles one StatefulSet.
pub fn reconcile(ctx: &mut Ctx, r: &ObjRef) -> Option<Duration> {
    let Some(set) = ctx.get(r) else {
        forget_removed(ctx);
        return None;
    };
    let uid = obj::uid(&set).to_string();
    let template = update_template(&set);
    let collisions = obj::path_i64(&set, "status.collisionCount").unwrap_or(0);
    let update_revision = format!(
        "{}-{}",
        obj::name(&set),
        pod_template_hash(&template, collisions)
    );
    let current_revision = match obj::path_str(&set, "status.currentRevision") {
        "" => update_revision.clone(),
        c => c.to_string(),
    };
    ctx.revisions
        .entry(uid.clone())
        .or_default()
        .insert(update_revision.clone(), template.clone());
    let pods = owned::children(ctx, ids::pods(), &r.ns, &uid);
    let mut failed = false;
    if !obj::is_deleting(&set) {
        failed = sync_members(ctx, &set, &pods, &current_revision, &update_revision);
    }
    let pods = owned::children(ctx, ids::pods(), &r.ns, &uid);
    let status = status(&set, &pods, &current_revision, &update_revision);
    ctx.write_status(ids::statefulsets(), &set, status, owned::MANAGER);
    prune_history(ctx, &uid, &pods, &current_revision, &update_revision);
    if failed {
        return Some(
            ctx.scaled(Duration::from_secs(10))
                .max(Duration::from_millis(50)),
        );
    }
    availability_recheck(ctx, &set, &pods)
}

/// Runs one pass of the plan; true when a create failed (and should be retried later).
fn sync_members(
    ctx: &Ctx,
    set: &Value,
    pods: &[Arc<Value>],
    current_revision: &str,
    update_revision: &str,
) -> bool {
    let members: Vec<(Member, &Arc<Value>)> = pods
        .iter()
        .filter_map(|p| member(set, p).map(|m| (m, p)))
        .collect();
    let target = Target {
        start: obj::path_i64(set, "spec.ordinals.start").unwrap_or(0),
        replicas: obj::path_i64(set, "spec.replicas").unwrap_or(1),
        monotonic: obj::path_str(set, "spec.podManagementPolicy") != "Parallel",
        rolling: obj::path_str(set, "spec.updateStrategy.type") != "OnDelete",
        partition: obj::path_i64(set, "spec.updateStrategy.rollingUpdate.partition").unwrap_or(0),
        current_revision,
        update_revision,
    };
    let end = target.start.saturating_add(target.replicas);
    if !claim_templates(set).is_empty() {
        for (m, p) in &members {
            if m.ordinal >= target.start && m.ordinal < end {
                sync_claim_owners(ctx, set, p, m.ordinal, false);
            }
        }
    }
    let only: Vec<Member> = members.iter().map(|(m, _)| m.clone()).collect();
    let pod_of = |o: i64| {
        members
            .iter()
            .find(|(m, _)| m.ordinal == o)
            .map(|(_, p)| *p)
    };
    for action in plan(&target, &only) {
        match action {
            Action::Create { ordinal, current } => {
                let (template, revision) = match current {
                    true => revision_template(ctx, set, current_revision, update_revision),
                    false => (update_template(set), update_revision),
                };
                if !create_member(ctx, set, &template, revision, ordinal) {
                    return true;
                }
            }
            Action::Delete { ordinal, condemned } => {
                let Some(pod) = pod_of(ordinal) else { continue };
                if condemned {
                    sync_claim_owners(ctx, set, pod, ordinal, true);
                }
                delete_member(ctx, set, pod);
            }
        }
    }
    false
}

fn update_template(set: &Value) -> Value {
    obj::path(set, "spec.template")
        .cloned()
        .unwrap_or(json!({}))
}

/// The template of the current revision with its name; when it was forgotten (the simulator
/// restarted), the update revision's, so that the pod is created at all.
fn revision_template<'a>(
    ctx: &Ctx,
    set: &Value,
    current: &'a str,
    update: &'a str,
) -> (Value, &'a str) {
    let remembered = ctx
        .revisions
        .get(obj::uid(set))
        .and_then(|h| h.get(current))
        .cloned();
    match remembered {
        Some(t) => (t, current),
        None => (update_template(set), update),
    }
}

/// Forgets revisions no longer current, wanted or worn by a pod.
fn prune_history(ctx: &mut Ctx, uid: &str, pods: &[Arc<Value>], current: &str, update: &str) {
    if let Some(history) = ctx.revisions.get_mut(uid) {
        history.retain(|rev, _| {
            rev == current
                || rev == update
                || pods
                    .iter()
                    .any(|p| obj::labels(p).get(REVISION_LABEL) == Some(&json!(rev)))
        });
    }
}

/// Drops the history of StatefulSets that no longer exist.
fn forget_removed(ctx: &mut Ctx) {
    let live: Vec<String> = ctx.state.store.read(|s| {
        s.list(ids::statefulsets(), None)
            .map(|o| obj::uid(o).to_string())
            .collect()
    });
    ctx.revisions.retain(|uid, _| live.contains(uid));
}

/// The status upstream writes: counts over the pods, the revisions, and the rolling update
/// completed once every replica is updated and ready.
fn status(set: &Value, pods: &[Arc<Value>], current: &str, update: &str) -> Value {
    let min_ready = obj::path_i64(set, "spec.minReadySeconds").unwrap_or(0);
    let desired = obj::path_i64(set, "spec.replicas").unwrap_or(1);
    let replicas = pods.len() as i64;
    let running_ready = |p: &Value| obj::path_str(p, "status.phase") == "Running" && pod_ready(p);
    let ready = pods.iter().filter(|p| running_ready(p)).count() as i64;
    let available = pods
        .iter()
        .filter(|p| running_ready(p) && pod_available(p, min_ready))
        .count() as i64;
    let at = |rev: &str| {
        pods.iter()
            .filter(|p| !obj::is_deleting(p))
            .filter(|p| obj::labels(p).get(REVISION_LABEL) == Some(&json!(rev)))
            .count() as i64
    };
    let updated = at(update);
    let rolled = obj::path_str(set, "spec.updateStrategy.type") != "OnDelete"
        && updated == desired
        && ready == desired
        && replicas == desired;
    let (current, current_count) = if rolled {
        (update, updated)
    } else {
        (current, at(current))
    };
    let mut status = Map::new();
    let generation = obj::path_i64(set, "metadata.generation").unwrap_or(0);
    if generation != 0 {
        status.insert("observedGeneration".into(), json!(generation));
    }
    status.insert("replicas".into(), json!(replicas));
    // Zero counts are omitted (omitempty), except availableReplicas.
    for (key, n) in [
        ("readyReplicas", ready),
        ("currentReplicas", current_count),
        ("updatedReplicas", updated),
    ] {
        if n != 0 {
            status.insert(key.into(), json!(n));
        }
    }
    status.insert("currentRevision".into(), json!(current));
    status.insert("updateRevision".into(), json!(update));
    status.insert(
        "collisionCount".into(),
        json!(obj::path_i64(set, "status.collisionCount").unwrap_or(0)),
    );
    status.insert("availableReplicas".into(), json!(available));
    Value::Object(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(ordinal: i64, revision: &str) -> Member {
        Member {
            ordinal,
            revision: revision.into(),
            ready: true,
            available: true,
            ..Member::default()
        }
    }

    fn target(replicas: i64) -> Target<'static> {
        Target {
            start: 0,
            replicas,
            monotonic: true,
            rolling: true,
            partition: 0,
            current_revision: "web-a",
            update_revision: "web-a",
        }
    }

    fn create(ordinal: i64) -> Action {
        Action::Create {
            ordinal,
            current: false,
        }
    }

    #[test]
    fn ordered_ready_creates_one_ordinal_after_ready_predecessors() {
        let t = target(3);
        assert_eq!(plan(&t, &[]), vec![create(0)]);
        let starting = Member {
            ready: false,
            available: false,
            ..ready(0, "web-a")
        };
        assert_eq!(plan(&t, &[starting]), vec![]);
        assert_eq!(plan(&t, &[ready(0, "web-a")]), vec![create(1)]);
        let all = [ready(0, "web-a"), ready(1, "web-a"), ready(2, "web-a")];
        assert_eq!(plan(&t, &all), vec![]);
    }

    #[test]
    fn parallel_creates_every_missing_ordinal() {
        let t = Target {
            monotonic: false,
            ..target(3)
        };
        assert_eq!(plan(&t, &[ready(1, "web-a")]), vec![create(0), create(2)]);
    }

    #[test]
    fn scale_down_removes_the_highest_ordinal_first() {
        let t = target(1);
        let all = [ready(0, "web-a"), ready(1, "web-a"), ready(2, "web-a")];
        assert_eq!(
            plan(&t, &all),
            vec![Action::Delete {
                ordinal: 2,
                condemned: true
            }]
        );
        let terminating = Member {
            terminating: true,
            ..ready(2, "web-a")
        };
        assert_eq!(
            plan(&t, &[ready(0, "web-a"), ready(1, "web-a"), terminating]),
            vec![]
        );
    }

    #[test]
    fn rolling_update_deletes_the_highest_outdated_pod_above_the_partition() {
        let t = Target {
            update_revision: "web-b",
            ..target(3)
        };
        let all = [ready(0, "web-a"), ready(1, "web-a"), ready(2, "web-a")];
        assert_eq!(
            plan(&t, &all),
            vec![Action::Delete {
                ordinal: 2,
                condemned: false
            }]
        );
        let rolled = [ready(0, "web-a"), ready(1, "web-a"), ready(2, "web-b")];
        assert_eq!(
            plan(&t, &rolled),
            vec![Action::Delete {
                ordinal: 1,
                condemned: false
            }]
        );
        let partitioned = Target { partition: 2, ..t };
        assert_eq!(plan(&partitioned, &rolled), vec![]);
        assert_eq!(
            plan(&partitioned, &[ready(1, "web-a"), ready(2, "web-b")]),
            vec![Action::Create {
                ordinal: 0,
                current: true
            }]
        );
        let on_delete = Target {
            rolling: false,
            partition: 0,
            ..partitioned
        };
        assert_eq!(plan(&on_delete, &all), vec![]);
    }

    #[test]
    fn finished_pods_are_replaced() {
        let failed = Member {
            finished: true,
            ready: false,
            available: false,
            ..ready(0, "web-a")
        };
        assert_eq!(
            plan(&target(2), &[failed]),
            vec![Action::Delete {
                ordinal: 0,
                condemned: false
            }]
        );
    }

    #[test]
    fn ordinals_parse_only_the_sets_own_pods() {
        assert_eq!(ordinal("web", "web-0"), Some(0));
        assert_eq!(ordinal("web", "web-12"), Some(12));
        assert_eq!(ordinal("web", "web-x"), None);
        assert_eq!(ordinal("web", "web-"), None);
        assert_eq!(ordinal("web", "webby-1"), None);
        assert_eq!(ordinal("web", "web-1-2"), None);
    }

    #[test]
    fn retention_policy_decides_claim_owners() {
        assert_eq!(claim_owners(false, false, true), (false, false));
        assert_eq!(claim_owners(true, false, true), (true, false));
        assert_eq!(claim_owners(false, true, false), (false, false));
        assert_eq!(claim_owners(false, true, true), (false, true));
        assert_eq!(claim_owners(true, true, false), (true, false));
        assert_eq!(claim_owners(true, true, true), (false, true));
    }

    #[test]
    fn pods_get_identity_labels_and_claim_volumes() {
        let set = json!({
            "metadata": {"name": "web", "namespace": "ns", "uid": "u1"},
            "spec": {"serviceName": "nginx",
                     "selector": {"matchLabels": {"app": "web"}},
                     "volumeClaimTemplates": [{"metadata": {"name": "www"},
                         "spec": {"resources": {"requests": {"storage": "1Gi"}}}}]}});
        let template = json!({"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}],
                     "volumes": [{"name": "www", "emptyDir": {}}, {"name": "cfg", "emptyDir": {}}]}});
        let pod = new_pod(&set, &template, "web-abc", 2);
        assert_eq!(obj::name(&pod), "web-2");
        assert_eq!(pod["metadata"]["labels"]["app"], "web");
        assert_eq!(pod["metadata"]["labels"][REVISION_LABEL], "web-abc");
        assert_eq!(pod["metadata"]["labels"][POD_NAME_LABEL], "web-2");
        assert_eq!(pod["metadata"]["labels"][POD_INDEX_LABEL], "2");
        assert_eq!(pod["spec"]["hostname"], "web-2");
        assert_eq!(pod["spec"]["subdomain"], "nginx");
        assert_eq!(
            pod["spec"]["volumes"],
            json!([{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-2"}},
                   {"name": "cfg", "emptyDir": {}}])
        );
        assert_eq!(pod["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
        let claim = new_claim(&set, &set["spec"]["volumeClaimTemplates"][0], 2);
        assert_eq!(obj::name(&claim), "www-web-2");
        assert_eq!(claim["metadata"]["labels"]["app"], "web");
        assert!(claim["metadata"].get("ownerReferences").is_none());
    }

    #[test]
    fn status_counts_and_completes_the_rolling_update() {
        let set = json!({"metadata": {"name": "web", "generation": 2},
                         "spec": {"replicas": 2, "updateStrategy": {"type": "RollingUpdate"}}});
        let pod = |name: &str, rev: &str| {
            Arc::new(
                json!({"metadata": {"name": name, "labels": {REVISION_LABEL: rev}},
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}),
            )
        };
        let s = status(
            &set,
            &[pod("web-0", "web-a"), pod("web-1", "web-b")],
            "web-a",
            "web-b",
        );
        assert_eq!(s["replicas"], 2);
        assert_eq!(s["readyReplicas"], 2);
        assert_eq!(s["currentReplicas"], 1);
        assert_eq!(s["updatedReplicas"], 1);
        assert_eq!(s["currentRevision"], "web-a");
        assert_eq!(s["observedGeneration"], 2);
        assert_eq!(s["collisionCount"], 0);
        let done = status(
            &set,
            &[pod("web-0", "web-b"), pod("web-1", "web-b")],
            "web-a",
            "web-b",
        );
        assert_eq!(done["currentRevision"], "web-b");
        assert_eq!(done["currentReplicas"], 2);
        let empty = status(&set, &[], "web-a", "web-a");
        assert!(empty.get("readyReplicas").is_none());
        assert_eq!(empty["availableReplicas"], 0);
    }
}
