//! A PersistentVolumeClaim binder standing in for the PV controller and a dynamic provisioner:
//! a Pending claim is bound at once, as if a volume `pvc-<claim uid>` had been provisioned for
//! it (`spec.volumeName`, the bind annotations, then status Bound with the requested capacity
//! and access modes). The simulator serves no PersistentVolume resource: the volume a claim
//! names exists only in that name.

use std::time::Duration;

use serde_json::{json, Value};

use super::owned;
use super::Ctx;
use crate::obj;
use crate::registry::ids;
use crate::store::ObjRef;

/// The annotations the PV controller leaves on a claim it bound to a provisioned volume.
const BIND_ANNOTATIONS: [(&str, &str); 2] = [
    ("pv.kubernetes.io/bind-completed", "yes"),
    ("pv.kubernetes.io/bound-by-controller", "yes"),
];

/// The claim's spec once bound: its volume named (unless it named one itself).
fn bound_claim(claim: &Value) -> Value {
    let mut next = claim.clone();
    if obj::path_str(claim, "spec.volumeName").is_empty() {
        obj::set_path(
            &mut next,
            "spec.volumeName",
            json!(format!("pvc-{}", obj::uid(claim))),
        );
    }
    let annotations = obj::meta_mut(&mut next)
        .entry("annotations")
        .or_insert_with(|| json!({}));
    if !annotations.is_object() {
        *annotations = json!({});
    }
    if let Some(a) = annotations.as_object_mut() {
        for (k, v) in BIND_ANNOTATIONS {
            a.insert(k.into(), json!(v));
        }
    }
    next
}

/// The status of a bound claim: what it asked for is what it got.
fn bound_status(claim: &Value) -> Value {
    let mut status = json!({"phase": "Bound"});
    if let Some(modes) = obj::path(claim, "spec.accessModes") {
        status["accessModes"] = modes.clone();
    }
    if let Some(storage) = obj::path(claim, "spec.resources.requests.storage") {
        status["capacity"] = json!({"storage": storage});
    }
    status
}

/// Binds one claim if it is still Pending.
pub fn reconcile(ctx: &mut Ctx, r: &ObjRef) -> Option<Duration> {
    let claim = ctx.get(r)?;
    if obj::is_deleting(&claim) || obj::path_str(&claim, "status.phase") != "Pending" {
        return None;
    }
    let next = bound_claim(&claim);
    let claim = if next == *claim {
        claim
    } else {
        owned::update(ctx, ids::persistentvolumeclaims(), next).ok()?
    };
    let status = bound_status(&claim);
    ctx.write_status(
        ids::persistentvolumeclaims(),
        &claim,
        status,
        owned::MANAGER,
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_claim_binds_to_a_volume_named_after_it() {
        let claim = json!({"metadata": {"name": "data", "uid": "1234"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            "status": {"phase": "Pending"}});
        let next = bound_claim(&claim);
        assert_eq!(next["spec"]["volumeName"], "pvc-1234");
        assert_eq!(
            next["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"],
            "yes"
        );
        assert_eq!(
            bound_status(&next),
            json!({"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}})
        );
        let named = json!({"metadata": {"uid": "1"}, "spec": {"volumeName": "mine"}});
        assert_eq!(bound_claim(&named)["spec"]["volumeName"], "mine");
    }
}
