//! The namespace controller: empties a Terminating namespace, reports what remains in its
//! conditions, and removes the `kubernetes` finalizer once it is empty (which deletes it).

use std::time::Duration;

use serde_json::{json, Value};

use super::Ctx;
use crate::api::{self, DeleteOpts, WriteOpts};
use crate::obj;
use crate::registry::{self, ids, Sub};

pub fn reconcile(ctx: &mut Ctx, ns: &str) -> Option<Duration> {
    let namespace = ctx
        .state
        .store
        .read(|s| s.get(ids::namespaces(), "", ns).cloned())?;
    if !obj::is_deleting(&namespace) {
        return None;
    }
    let env = &ctx.state.env;
    let kinds: Vec<registry::ResourceId> = registry::all()
        .filter(|r| {
            let d = registry::def(*r);
            d.namespaced && !d.virtual_kind
        })
        .collect();
    // Delete everything that is not already going away.
    let mut remaining: Vec<(String, usize)> = Vec::new();
    let mut with_finalizers: Vec<String> = Vec::new();
    for res in &kinds {
        let names: Vec<(String, bool, bool)> = ctx.state.store.read(|s| {
            s.list(*res, Some(ns))
                .map(|o| {
                    let finalizers = obj::path(o, "metadata.finalizers")
                        .and_then(Value::as_array)
                        .is_some_and(|f| !f.is_empty());
                    (obj::name(o).to_string(), obj::is_deleting(o), finalizers)
                })
                .collect()
        });
        if names.is_empty() {
            continue;
        }
        let def = registry::def(*res);
        for (name, deleting, finalizers) in &names {
            if *finalizers {
                with_finalizers.push(format!("{} in {}", name, def.qualified()));
            }
            if !*deleting {
                let opts = DeleteOpts {
                    propagation: Some("Background".into()),
                    ..DeleteOpts::default()
                };
                let _ = ctx
                    .state
                    .store
                    .write(|s| api::delete(s, env, *res, Some(ns), name, &opts));
            }
        }
        let left = ctx.state.store.read(|s| s.count(*res, Some(ns)));
        if left > 0 {
            remaining.push((def.qualified(), left));
        }
    }
    let now = ctx.now_str();
    let cond = |t: &str, status: bool, reason: &str, message: String| {
        json!({"type": t, "status": if status { "True" } else { "False" },
               "lastTransitionTime": now, "reason": reason, "message": message})
    };
    let content = if remaining.is_empty() {
        cond(
            "NamespaceContentRemaining",
            false,
            "ContentRemoved",
            "All content successfully removed".into(),
        )
    } else {
        let parts: Vec<String> = remaining
            .iter()
            .map(|(r, n)| format!("{r} has {n} resource instances"))
            .collect();
        cond(
            "NamespaceContentRemaining",
            true,
            "SomeResourcesRemain",
            format!("Some resources are remaining: {}", parts.join(", ")),
        )
    };
    let finalizers = if with_finalizers.is_empty() {
        cond(
            "NamespaceFinalizersRemaining",
            false,
            "ContentHasNoFinalizers",
            "All content-preserving finalizers finished".into(),
        )
    } else {
        cond(
            "NamespaceFinalizersRemaining",
            true,
            "SomeFinalizersRemain",
            format!(
                "Some content in the namespace has finalizers remaining: {}",
                with_finalizers.join(", ")
            ),
        )
    };
    let mut status = json!({
        "phase": "Terminating",
        "conditions": [
            cond("NamespaceDeletionDiscoveryFailure", false, "ResourcesDiscovered", "All resources successfully discovered".into()),
            cond("NamespaceDeletionGroupVersionParsingFailure", false, "ParsedGroupVersions", "All legacy kube types successfully parsed".into()),
            cond("NamespaceDeletionContentFailure", false, "ContentDeleted", "All content successfully deleted, may be waiting on finalization".into()),
            content,
            finalizers,
        ],
    });
    // Keep transition times stable when nothing changed, so the status write is a no-op.
    if let Some(old) = obj::path(&namespace, "status.conditions").and_then(Value::as_array) {
        if let Some(list) = status["conditions"].as_array_mut() {
            for c in list.iter_mut() {
                if let Some(o) = old
                    .iter()
                    .find(|o| o["type"] == c["type"] && o["status"] == c["status"])
                {
                    c["lastTransitionTime"] = o["lastTransitionTime"].clone();
                }
            }
        }
    }
    ctx.write_status(
        ids::namespaces(),
        &namespace,
        status,
        "namespace-controller",
    );
    if !remaining.is_empty() {
        return None; // the deletions' events wake this up again
    }
    let current = ctx
        .state
        .store
        .read(|s| s.get(ids::namespaces(), "", ns).cloned())?;
    let mut body = (*current).clone();
    let finalizers: Vec<Value> = obj::path(&current, "spec.finalizers")
        .and_then(Value::as_array)
        .map(|f| f.iter().filter(|x| *x != "kubernetes").cloned().collect())
        .unwrap_or_default();
    obj::set_path(&mut body, "spec.finalizers", json!(finalizers));
    let _ = ctx.state.store.write(|s| {
        api::update(
            s,
            env,
            ids::namespaces(),
            None,
            ns,
            body,
            Some(Sub::Finalize),
            &WriteOpts::controller("namespace-controller"),
        )
    });
    None
}
