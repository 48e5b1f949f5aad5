//! Forcing a rollout without a new image tag: a fresh `qaenv.dev/deployment-id` annotation in a
//! workload's pod template, written as a JSON patch (RFC 6902). The pod template changes, so
//! the controller rolls out new pods pulling the tag again; nothing else is touched.
//!
//! `up --redeploy` and `bump` build their patches here. The patch adds what is missing (the
//! template's metadata, its annotations) and replaces an existing id, so it applies to any
//! workload as it is on the server; a `test` of the old value guards against a concurrent
//! bump.

use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, Patch, PatchOperation, ReplaceOperation, TestOperation};
use serde_json::{json, Value};

use crate::labels;

/// Whether changing a pod template of this kind rolls out new pods: Deployments, StatefulSets,
/// DaemonSets, and CronJobs (their next Jobs). Not bare ReplicaSets, Jobs or Pods.
pub fn rolls_out(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet") | ("batch", "CronJob")
    )
}

/// The pointer to the pod template inside a workload: `/spec/template`, or a CronJob's
/// `/spec/jobTemplate/spec/template`.
pub fn template_pointer(workload: &Value) -> &'static str {
    if workload.pointer("/spec/jobTemplate").is_some() {
        "/spec/jobTemplate/spec/template"
    } else {
        "/spec/template"
    }
}

/// The JSON patch that sets the pod template's deployment id to `id`, for `workload` as it is
/// on the server.
pub fn deployment_id_patch(workload: &Value, id: &str) -> Patch {
    let template = template_pointer(workload);
    let metadata = format!("{template}/metadata");
    let annotations = format!("{metadata}/annotations");
    let key = labels::DEPLOYMENT_ID.replace('~', "~0").replace('/', "~1");
    let annotation = format!("{annotations}/{key}");
    let operations = match workload.pointer(&annotations) {
        Some(Value::Object(map)) => match map.get(labels::DEPLOYMENT_ID) {
            Some(old) => vec![
                PatchOperation::Test(TestOperation {
                    path: pointer(&annotation),
                    value: old.clone(),
                }),
                PatchOperation::Replace(ReplaceOperation {
                    path: pointer(&annotation),
                    value: json!(id),
                }),
            ],
            None => vec![add(&annotation, json!(id))],
        },
        _ if matches!(workload.pointer(&metadata), Some(Value::Object(_))) => {
            vec![add(&annotations, json!({ labels::DEPLOYMENT_ID: id }))]
        }
        _ => vec![add(
            &metadata,
            json!({ "annotations": { labels::DEPLOYMENT_ID: id } }),
        )],
    };
    Patch(operations)
}

fn pointer(path: &str) -> PointerBuf {
    PointerBuf::parse(path).unwrap_or_default()
}

fn add(path: &str, value: Value) -> PatchOperation {
    PatchOperation::Add(AddOperation {
        path: pointer(path),
        value,
    })
}

/// A new deployment id: the time in UTC, to the millisecond (`20261122T101500.123Z`), readable
/// in `kubectl describe` and increasing.
pub fn new_id(now: jiff::Timestamp) -> String {
    now.strftime("%Y%m%dT%H%M%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(mut doc: Value, patch: &Patch) -> Value {
        json_patch::patch(&mut doc, patch).unwrap();
        doc
    }

    #[test]
    fn replaces_an_existing_id_after_testing_it() {
        let w = json!({"spec": {"template": {"metadata": {"annotations": {
            "qaenv.dev/deployment-id": "old", "other": "x"}}}}});
        let patch = deployment_id_patch(&w, "new");
        let ops = serde_json::to_value(&patch).unwrap();
        assert_eq!(
            ops,
            json!([
                {"op": "test", "path": "/spec/template/metadata/annotations/qaenv.dev~1deployment-id", "value": "old"},
                {"op": "replace", "path": "/spec/template/metadata/annotations/qaenv.dev~1deployment-id", "value": "new"}
            ])
        );
        let out = apply(w, &patch);
        assert_eq!(
            out["spec"]["template"]["metadata"]["annotations"]["other"],
            "x"
        );
        assert_eq!(
            out["spec"]["template"]["metadata"]["annotations"]["qaenv.dev/deployment-id"],
            "new"
        );
    }

    #[test]
    fn adds_what_is_missing() {
        let with_annotations =
            json!({"spec": {"template": {"metadata": {"annotations": {"a": "b"}}}}});
        let patch = deployment_id_patch(&with_annotations, "1");
        assert_eq!(
            serde_json::to_value(&patch).unwrap(),
            json!([{"op": "add", "path": "/spec/template/metadata/annotations/qaenv.dev~1deployment-id", "value": "1"}])
        );
        let out = apply(with_annotations, &patch);
        assert_eq!(out["spec"]["template"]["metadata"]["annotations"]["a"], "b");

        let labels_only = json!({"spec": {"template": {"metadata": {"labels": {"app": "web"}}}}});
        let out = apply(labels_only.clone(), &deployment_id_patch(&labels_only, "2"));
        assert_eq!(out["spec"]["template"]["metadata"]["labels"]["app"], "web");
        assert_eq!(
            out["spec"]["template"]["metadata"]["annotations"]["qaenv.dev/deployment-id"],
            "2"
        );

        let bare = json!({"spec": {"template": {"spec": {}}}});
        let out = apply(bare.clone(), &deployment_id_patch(&bare, "3"));
        assert_eq!(
            out["spec"]["template"]["metadata"]["annotations"]["qaenv.dev/deployment-id"],
            "3"
        );
    }

    #[test]
    fn cronjobs_patch_their_job_template() {
        let cron = json!({"spec": {"jobTemplate": {"spec": {"template": {"metadata": {}}}}}});
        let out = apply(cron.clone(), &deployment_id_patch(&cron, "4"));
        assert_eq!(
            out["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["annotations"]
                ["qaenv.dev/deployment-id"],
            "4"
        );
    }

    #[test]
    fn only_controllers_that_roll_out_are_redeployed() {
        assert!(rolls_out("apps", "Deployment"));
        assert!(rolls_out("batch", "CronJob"));
        assert!(!rolls_out("apps", "ReplicaSet"));
        assert!(!rolls_out("batch", "Job"));
        assert!(!rolls_out("", "Pod"));
    }

    #[test]
    fn ids_are_readable_timestamps() {
        let ts: jiff::Timestamp = "2026-11-22T10:15:00.123Z".parse().unwrap();
        assert_eq!(new_id(ts), "20261122T101500.123Z");
    }
}
