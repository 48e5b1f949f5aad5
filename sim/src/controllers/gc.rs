//! The garbage collector: deletes dependents whose owners are all gone (background
//! propagation), deletes dependents first for owners deleted in the foreground, and removes
//! owner references for owners deleted with orphaning.

use std::time::Duration;

use serde_json::Value;

use super::{owner_ref, Ctx};
use crate::api::{self, DeleteOpts, WriteOpts};
use crate::obj;
use crate::store::ObjRef;

/// Whether the owner named by `owner` (a reference held by `dependent`) still exists.
fn owner_alive(ctx: &Ctx, dependent: &Value, owner: &Value) -> bool {
    let uid = owner.get("uid").and_then(Value::as_str).unwrap_or("");
    owner_ref(dependent, owner)
        .and_then(|r| ctx.get(&r))
        .is_some_and(|o| obj::uid(&o) == uid)
}

fn delete(ctx: &Ctx, r: &ObjRef, propagation: Option<&str>) {
    let env = &ctx.state.env;
    let opts = DeleteOpts {
        propagation: propagation.map(str::to_string),
        ..DeleteOpts::default()
    };
    let ns = (!r.ns.is_empty()).then_some(r.ns.as_str());
    let _ = ctx
        .state
        .store
        .write(|s| api::delete(s, env, r.res, ns, &r.name, &opts));
}

/// Dependents of a deleted owner: delete those with no living owner left, drop the dead
/// reference from the others.
pub fn orphans(ctx: &mut Ctx, uid: &str) -> Option<Duration> {
    let dependents = ctx.state.store.read(|s| s.dependents(uid));
    for r in dependents {
        let Some(dep) = ctx.get(&r) else { continue };
        if obj::is_deleting(&dep) && r.res != crate::registry::ids::pods() {
            continue;
        }
        let refs = obj::owner_refs(&dep);
        let alive = refs
            .iter()
            .filter(|o| o.get("uid").and_then(Value::as_str) != Some(uid))
            .any(|o| owner_alive(ctx, &dep, o));
        if alive {
            drop_reference(ctx, &r, &dep, uid);
        } else if !obj::is_deleting(&dep) {
            delete(ctx, &r, Some("Background"));
        }
    }
    None
}

fn drop_reference(ctx: &Ctx, r: &ObjRef, dep: &Value, uid: &str) {
    let mut next = dep.clone();
    if let Some(list) =
        obj::path_mut(&mut next, "metadata.ownerReferences").and_then(Value::as_array_mut)
    {
        list.retain(|o| o.get("uid").and_then(Value::as_str) != Some(uid));
    }
    let env = &ctx.state.env;
    let ns = (!r.ns.is_empty()).then_some(r.ns.as_str());
    let _ = ctx.state.store.write(|s| {
        api::update(
            s,
            env,
            r.res,
            ns,
            &r.name,
            next,
            None,
            &WriteOpts::controller("generic-garbage-collector"),
        )
    });
}

/// An owner being deleted with `foregroundDeletion` or `orphan` finalizers.
pub fn owner(ctx: &mut Ctx, r: &ObjRef) -> Option<Duration> {
    let owner = ctx.get(r)?;
    if !obj::is_deleting(&owner) {
        return None;
    }
    let uid = obj::uid(&owner).to_string();
    let finalizers: Vec<String> = obj::path(&owner, "metadata.finalizers")
        .and_then(Value::as_array)
        .map(|f| {
            f.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let dependents = ctx.state.store.read(|s| s.dependents(&uid));
    let env = &ctx.state.env;
    if finalizers.iter().any(|f| f == "orphan") {
        for d in &dependents {
            if let Some(dep) = ctx.get(d) {
                drop_reference(ctx, d, &dep, &uid);
            }
        }
        let ns = r.ns.clone();
        ctx.state
            .store
            .write(|s| api::remove_finalizer(s, env, r.res, &ns, &r.name, "orphan"));
        return None;
    }
    if finalizers.iter().any(|f| f == "foregroundDeletion") {
        if dependents.is_empty() {
            let ns = r.ns.clone();
            ctx.state.store.write(|s| {
                api::remove_finalizer(s, env, r.res, &ns, &r.name, "foregroundDeletion")
            });
        } else {
            for d in &dependents {
                if ctx.get(d).is_some_and(|dep| !obj::is_deleting(&dep)) {
                    delete(ctx, d, Some("Foreground"));
                }
            }
        }
    }
    None
}
