//! Decoding as the API server does: every written object goes through its typed schema
//! (k8s-openapi), which rejects wrong types, drops fields the schema does not know, and lets
//! `fieldValidation=Strict` name the unknown fields.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::quantity;
use crate::registry::{self, ResourceId};

/// The typed round trip of one object.
pub struct Decoded {
    /// The object as the schema keeps it (unknown fields gone).
    pub object: Value,
    /// Paths of fields the schema does not know, like `spec.template.spec.containers[0].foo`.
    pub unknown: Vec<String>,
}

fn round_trip<T: DeserializeOwned + Serialize>(obj: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(obj.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

macro_rules! typed {
    ($group:expr, $kind:expr, $obj:expr, { $($g:literal $k:literal => $t:ty),* $(,)? }) => {
        match ($group, $kind) {
            $(($g, $k) => Some(round_trip::<$t>($obj)),)*
            _ => None,
        }
    };
}

fn typed_round_trip(group: &str, kind: &str, obj: &Value) -> Option<Result<Value, String>> {
    use k8s_openapi::api::{
        apps::v1 as apps, authorization::v1 as authz, autoscaling::v2 as autoscaling,
        batch::v1 as batch, core::v1 as core, networking::v1 as net, policy::v1 as policy,
        rbac::v1 as rbac,
    };
    typed!(group, kind, obj, {
        "" "Namespace" => core::Namespace,
        "" "Node" => core::Node,
        "" "Pod" => core::Pod,
        "" "Service" => core::Service,
        "" "Endpoints" => core::Endpoints,
        "" "ConfigMap" => core::ConfigMap,
        "" "Secret" => core::Secret,
        "" "ServiceAccount" => core::ServiceAccount,
        "" "Event" => core::Event,
        "" "ResourceQuota" => core::ResourceQuota,
        "" "LimitRange" => core::LimitRange,
        "" "PersistentVolumeClaim" => core::PersistentVolumeClaim,
        "apps" "Deployment" => apps::Deployment,
        "apps" "ReplicaSet" => apps::ReplicaSet,
        "apps" "StatefulSet" => apps::StatefulSet,
        "apps" "DaemonSet" => apps::DaemonSet,
        "batch" "Job" => batch::Job,
        "batch" "CronJob" => batch::CronJob,
        "networking.k8s.io" "Ingress" => net::Ingress,
        "networking.k8s.io" "NetworkPolicy" => net::NetworkPolicy,
        "policy" "PodDisruptionBudget" => policy::PodDisruptionBudget,
        "autoscaling" "HorizontalPodAutoscaler" => autoscaling::HorizontalPodAutoscaler,
        "rbac.authorization.k8s.io" "Role" => rbac::Role,
        "rbac.authorization.k8s.io" "RoleBinding" => rbac::RoleBinding,
        "rbac.authorization.k8s.io" "ClusterRole" => rbac::ClusterRole,
        "rbac.authorization.k8s.io" "ClusterRoleBinding" => rbac::ClusterRoleBinding,
        "authorization.k8s.io" "SelfSubjectAccessReview" => authz::SelfSubjectAccessReview,
        "authorization.k8s.io" "SelfSubjectRulesReview" => authz::SelfSubjectRulesReview,
    })
}

/// Decodes `obj` (which must carry the resource's apiVersion and kind) through its schema.
/// `Err` carries the API server's "cannot be handled" message (a 400).
pub fn decode(res: ResourceId, obj: &Value) -> Result<Decoded, String> {
    let def = registry::def(res);
    match typed_round_trip(def.group, def.kind, obj) {
        None => Ok(Decoded {
            object: obj.clone(),
            unknown: Vec::new(),
        }),
        Some(Err(e)) => Err(format!(
            "{kind} in version {v:?} cannot be handled as a {kind}: {e}",
            kind = def.kind,
            v = def.version
        )),
        Some(Ok(mut object)) => {
            let mut unknown = Vec::new();
            unknown_fields(obj, &object, &mut String::new(), &mut unknown);
            canonical_quantities(&mut object)?;
            Ok(Decoded { object, unknown })
        }
    }
}

/// Maps of quantities, by the key that holds them: the API server stores each quantity in its
/// canonical form (`1000m` becomes `1`, `0.5Gi` becomes `512Mi`).
const QUANTITY_MAPS: &[&str] = &[
    "requests",
    "limits",
    "hard",
    "used",
    "capacity",
    "allocatable",
    "max",
    "min",
    "default",
    "defaultRequest",
    "maxLimitRequestRatio",
];

/// Canonicalises every quantity in the maps named by `QUANTITY_MAPS`; a malformed quantity is
/// the API server's 400.
fn canonical_quantities(v: &mut Value) -> Result<(), String> {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match child {
                    Value::Object(q) if QUANTITY_MAPS.contains(&k.as_str()) => {
                        for (name, value) in q.iter_mut() {
                            if let Value::String(text) = value {
                                *text = quantity::canonicalize(text)
                                    .map_err(|e| format!("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' ({name}: {e})"))?;
                            }
                        }
                    }
                    other => canonical_quantities(other)?,
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                canonical_quantities(item)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Collects paths present (and not null) in `input` but absent from `decoded`.
fn unknown_fields(input: &Value, decoded: &Value, path: &mut String, out: &mut Vec<String>) {
    match (input, decoded) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                if v.is_null() {
                    continue;
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                match b.get(k) {
                    None => out.push(path.clone()),
                    Some(d) => unknown_fields(v, d, path, out),
                }
                path.truncate(len);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (v, d)) in a.iter().zip(b.iter()).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                unknown_fields(v, d, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::ids;
    use serde_json::json;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "creationTimestamp": null},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}
        })
    }

    #[test]
    fn known_objects_survive_unchanged() {
        let d = decode(ids::deployments(), &deployment()).unwrap();
        assert!(d.unknown.is_empty(), "{:?}", d.unknown);
        assert_eq!(
            d.object["spec"]["template"]["spec"]["containers"][0]["image"],
            "nginx"
        );
        assert!(d.object["metadata"].get("creationTimestamp").is_none());
    }

    #[test]
    fn unknown_fields_are_named_and_dropped() {
        let mut obj = deployment();
        obj["spec"]["foo"] = json!(1);
        obj["spec"]["template"]["spec"]["containers"][0]["imagee"] = json!("x");
        let d = decode(ids::deployments(), &obj).unwrap();
        // In the order of the input, as Go's decoder meets them.
        assert_eq!(
            d.unknown,
            vec!["spec.template.spec.containers[0].imagee", "spec.foo"]
        );
        assert!(d.object["spec"].get("foo").is_none());
    }

    #[test]
    fn wrong_types_cannot_be_handled() {
        let mut obj = deployment();
        obj["spec"]["replicas"] = json!("two");
        let e = decode(ids::deployments(), &obj).err().unwrap();
        assert!(
            e.starts_with("Deployment in version \"v1\" cannot be handled as a Deployment:"),
            "{e}"
        );
    }

    #[test]
    fn quantities_are_stored_canonically() {
        let obj = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
            "spec": {"hard": {"requests.cpu": "1000m", "requests.memory": "0.5Gi", "pods": "10"}}});
        let d = decode(crate::registry::ids::resourcequotas(), &obj).unwrap();
        assert_eq!(
            d.object["spec"]["hard"],
            json!({"requests.cpu": "1", "requests.memory": "512Mi", "pods": "10"})
        );
        let bad = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
            "spec": {"hard": {"pods": "ten"}}});
        assert!(decode(crate::registry::ids::resourcequotas(), &bad).is_err());
    }

    #[test]
    fn timestamps_and_quantities_keep_their_form() {
        let obj = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "creationTimestamp": "2026-11-22T02:46:56Z"},
            "spec": {"containers": [{"name": "c", "image": "i",
                "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}},
                "ports": [{"containerPort": 80, "name": "http"}]}]}});
        let d = decode(ids::pods(), &obj).unwrap();
        assert_eq!(
            d.object["metadata"]["creationTimestamp"],
            "2026-11-22T02:46:56Z"
        );
        assert_eq!(
            d.object["spec"]["containers"][0]["resources"]["requests"]["cpu"],
            "250m"
        );
        assert!(d.unknown.is_empty());
    }
}
