//! What the StatefulSet, DaemonSet, Job and CronJob controllers share: finding the objects they
//! control, building a pod from a template, and creating or deleting children through the API
//! semantics (so every write produces the events a client's would), with the owner's Events.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::events::{self, Source};
use super::workloads::owned_by;
use super::Ctx;
use crate::api::{self, DeleteOpts, WriteOpts};
use crate::obj;
use crate::registry::{self, ResourceId};
use crate::status::ApiError;

/// The field manager of every kube-controller-manager controller.
pub const MANAGER: &str = "kube-controller-manager";

/// Why a write failed: all a controller reports of the API's error.
#[derive(Debug)]
pub struct Failure {
    pub code: u16,
    pub message: String,
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        Failure {
            code: e.code,
            message: e.message,
        }
    }
}

/// An owner reference marking `owner` as the controller of a child.
pub fn controller_ref(owner_res: ResourceId, owner: &Value) -> Value {
    let def = registry::def(owner_res);
    json!({
        "apiVersion": def.api_version(), "kind": def.kind, "name": obj::name(owner),
        "uid": obj::uid(owner), "controller": true, "blockOwnerDeletion": true,
    })
}

/// The objects of `res` in `ns` whose controller is the object with `owner_uid`.
pub fn children(ctx: &Ctx, res: ResourceId, ns: &str, owner_uid: &str) -> Vec<Arc<Value>> {
    ctx.state.store.read(|s| {
        s.list(res, Some(ns))
            .filter(|o| owned_by(o, owner_uid))
            .cloned()
            .collect()
    })
}

/// A pod from a template (`metadata` and `spec`), controlled by `owner`. The caller names it
/// (`name` or `generateName`) and adds what its controller adds.
pub fn pod_from_template(template: &Value, owner_res: ResourceId, owner: &Value) -> Value {
    let mut meta: Map<String, Value> = template
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    meta.insert("namespace".into(), json!(obj::namespace(owner)));
    meta.insert(
        "ownerReferences".into(),
        json!([controller_ref(owner_res, owner)]),
    );
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": template.get("spec").cloned().unwrap_or(json!({})),
    })
}

/// Sets `metadata.labels.<key>`, creating the map when needed.
pub fn set_label(object: &mut Value, key: &str, value: &str) {
    let labels = obj::meta_mut(object)
        .entry("labels")
        .or_insert_with(|| json!({}));
    if !labels.is_object() {
        *labels = json!({});
    }
    if let Some(l) = labels.as_object_mut() {
        l.insert(key.into(), json!(value));
    }
}

/// Whether a pod has finished (Succeeded or Failed).
pub fn finished(pod: &Value) -> bool {
    matches!(obj::path_str(pod, "status.phase"), "Succeeded" | "Failed")
}

/// Creates `object` as a controller would.
pub fn create(ctx: &Ctx, res: ResourceId, object: Value) -> Result<Arc<Value>, Failure> {
    let env = &ctx.state.env;
    let ns = obj::namespace(&object).to_string();
    let ns = registry::def(res).namespaced.then_some(ns.as_str());
    ctx.state.store.write(|s| {
        api::create(s, env, res, ns, object, &WriteOpts::controller(MANAGER))
            .map(|w| w.object)
            .map_err(Failure::from)
    })
}

/// Replaces `object` (its main resource) as a controller would.
pub fn update(ctx: &Ctx, res: ResourceId, object: Value) -> Result<Arc<Value>, Failure> {
    let env = &ctx.state.env;
    let ns = obj::namespace(&object).to_string();
    let ns = registry::def(res).namespaced.then_some(ns.as_str());
    let name = obj::name(&object).to_string();
    ctx.state.store.write(|s| {
        api::update(
            s,
            env,
            res,
            ns,
            &name,
            object,
            None,
            &WriteOpts::controller(MANAGER),
        )
        .map(|w| w.object)
        .map_err(Failure::from)
    })
}

/// Deletes an object (graceful for pods, `propagation` for owners); true when it was found.
pub fn delete(ctx: &Ctx, res: ResourceId, ns: &str, name: &str, propagation: Option<&str>) -> bool {
    let env = &ctx.state.env;
    let opts = DeleteOpts {
        propagation: propagation.map(str::to_string),
        ..DeleteOpts::default()
    };
    let ns = registry::def(res).namespaced.then_some(ns);
    ctx.state
        .store
        .write(|s| api::delete(s, env, res, ns, name, &opts).is_ok())
}

/// Records an Event on `owner` (of resource `owner_res`).
pub fn record(
    ctx: &Ctx,
    owner_res: ResourceId,
    owner: &Value,
    warning: bool,
    reason: &str,
    message: &str,
    source: Source,
) {
    let env = &ctx.state.env;
    ctx.state
        .store
        .write(|s| events::record(s, env, owner_res, owner, warning, reason, message, source));
}

/// Removes one finalizer from an object if it has it (a no-op write is skipped).
pub fn remove_finalizer(ctx: &Ctx, res: ResourceId, object: &Value, finalizer: &str) {
    let has = obj::path(object, "metadata.finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|x| x == finalizer));
    if !has {
        return;
    }
    let mut next = object.clone();
    let meta = obj::meta_mut(&mut next);
    let emptied = meta
        .get_mut("finalizers")
        .and_then(Value::as_array_mut)
        .is_some_and(|list| {
            list.retain(|x| x != finalizer);
            list.is_empty()
        });
    // An empty list is not serialised (omitempty).
    if emptied {
        meta.remove("finalizers");
    }
    let _ = update(ctx, res, next);
}
