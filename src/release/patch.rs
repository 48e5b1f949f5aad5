//! The JSON patches that apply a plan, each guarded by `test` operations on the values the
//! plan was made from.
//!
//! A JSON patch is applied atomically: if a `test` fails the API server answers 422 and
//! changes nothing. So a selector someone changed after qaenv read it makes the switch fail
//! instead of silently overwriting theirs (Argo Rollouts sends its selector patch without
//! any precondition). Only the selector and the replica count are tested, not the
//! resourceVersion, so the controllers' constant status updates do not make switches fail.

use json_patch::{
    jsonptr::PointerBuf, AddOperation, Patch, PatchOperation, RemoveOperation, ReplaceOperation,
    TestOperation,
};
use serde_json::{json, Value};

use super::{
    model::Labels,
    plan::{CanaryChange, Scale, Switch},
};
use crate::labels;

fn pointer(tokens: &[&str]) -> PointerBuf {
    PointerBuf::from_tokens(tokens.iter().copied())
}

fn test(tokens: &[&str], value: Value) -> PatchOperation {
    PatchOperation::Test(TestOperation {
        path: pointer(tokens),
        value,
    })
}

fn add(tokens: &[&str], value: Value) -> PatchOperation {
    PatchOperation::Add(AddOperation {
        path: pointer(tokens),
        value,
    })
}

fn replace(tokens: &[&str], value: Value) -> PatchOperation {
    PatchOperation::Replace(ReplaceOperation {
        path: pointer(tokens),
        value,
    })
}

/// Operations that set and remove annotations, given the annotations as read.
///
/// `add` on `/metadata/annotations/KEY` fails when the object has no annotations map, so then
/// the map is added whole. (JSON patch cannot test for absence portably, so annotations
/// someone adds between the read and this write would be replaced; only the selector and
/// replica count are guarded.) Removing is only asked for keys that were there: removing a
/// missing key fails the patch, which then reports a concurrent change.
fn annotation_ops(
    read: Option<&Labels>,
    set: Vec<(&str, String)>,
    remove: &[&str],
) -> Vec<PatchOperation> {
    let Some(read) = read else {
        if set.is_empty() {
            return Vec::new();
        }
        let map: serde_json::Map<String, Value> = set
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::String(v)))
            .collect();
        return vec![add(&["metadata", "annotations"], Value::Object(map))];
    };
    let mut ops: Vec<PatchOperation> = set
        .into_iter()
        .map(|(k, v)| add(&["metadata", "annotations", k], Value::String(v)))
        .collect();
    ops.extend(remove.iter().filter(|k| read.contains_key(**k)).map(|k| {
        PatchOperation::Remove(RemoveOperation {
            path: pointer(&["metadata", "annotations", k]),
        })
    }));
    ops
}

/// The JSON text of a selector, as stored in annotations.
fn selector_json(selector: &Labels) -> String {
    serde_json::to_string(selector).unwrap_or_default()
}

/// The Service patch of a switch: `test` the selector as read, replace it, and record the
/// previous selector and the canary state in the same atomic write.
pub fn switch_patch(switch: &Switch) -> Patch {
    let mut ops = vec![test(&["spec", "selector"], json!(switch.from))];
    let mut set = Vec::new();
    if switch.from != switch.to {
        ops.push(replace(&["spec", "selector"], json!(switch.to)));
        set.push((labels::PREVIOUS_SELECTOR, selector_json(&switch.previous)));
    }
    let mut remove = Vec::new();
    match &switch.canary {
        CanaryChange::Keep => {}
        CanaryChange::Set(state) => {
            set.push((
                labels::CANARY,
                serde_json::to_string(state).unwrap_or_default(),
            ));
        }
        CanaryChange::Clear => remove.push(labels::CANARY),
    }
    ops.extend(annotation_ops(switch.annotations.as_ref(), set, &remove));
    Patch(ops)
}

/// The Deployment patch of a scale: `test` the replica count as read, set the new one, and
/// record or clear the pre-canary count in the same write.
pub fn scale_patch(scale: &Scale) -> Patch {
    let mut ops = Vec::new();
    match scale.from {
        Some(from) => {
            ops.push(test(&["spec", "replicas"], json!(from)));
            ops.push(replace(&["spec", "replicas"], json!(scale.to)));
        }
        None => ops.push(add(&["spec", "replicas"], json!(scale.to))),
    }
    let set = scale
        .record_original
        .map(|n| (labels::REPLICAS_BEFORE_CANARY, n.to_string()))
        .into_iter()
        .collect();
    let remove: &[&str] = if scale.clear_original {
        &[labels::REPLICAS_BEFORE_CANARY]
    } else {
        &[]
    };
    ops.extend(annotation_ops(scale.annotations.as_ref(), set, remove));
    Patch(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{
        model::tests::{blue_green, labels as label_set},
        plan::{switches, Intent},
    };

    fn render(patch: &Patch) -> String {
        serde_json::to_string(patch).unwrap_or_default()
    }

    fn green_switch() -> Switch {
        let intent = Intent::Promote {
            key: "color".into(),
            colour: "green".into(),
            force: false,
        };
        switches(&blue_green(), &intent, &[]).unwrap().remove(0)
    }

    #[test]
    fn switch_tests_the_selector_and_records_the_previous_one() {
        let mut switch = green_switch();
        switch.annotations = Some(label_set(&[("owner", "qa")]));
        insta::assert_snapshot!(render(&switch_patch(&switch)), @r#"[{"op":"test","path":"/spec/selector","value":{"app":"web","color":"blue"}},{"op":"replace","path":"/spec/selector","value":{"app":"web","color":"green"}},{"op":"add","path":"/metadata/annotations/qaenv.dev~1previous-selector","value":"{\"app\":\"web\",\"color\":\"blue\"}"}]"#);
    }

    #[test]
    fn switch_creates_a_missing_annotations_map() {
        let mut switch = green_switch();
        switch.annotations = None;
        let patch = render(&switch_patch(&switch));
        assert!(
            patch.ends_with(r#"{"op":"add","path":"/metadata/annotations","value":{"qaenv.dev/previous-selector":"{\"app\":\"web\",\"color\":\"blue\"}"}}]"#),
            "{patch}"
        );
    }

    #[test]
    fn a_failed_test_leaves_the_document_untouched() {
        let switch = green_switch();
        let mut doc = json!({"metadata": {"annotations": {}},
                             "spec": {"selector": {"app": "web", "color": "red"}}});
        let before = doc.clone();
        assert!(json_patch::patch(&mut doc, &switch_patch(&switch)).is_err());
        assert_eq!(doc, before);
        let mut doc = json!({"metadata": {"annotations": {}},
                             "spec": {"selector": {"app": "web", "color": "blue"}}});
        json_patch::patch(&mut doc, &switch_patch(&switch)).unwrap();
        assert_eq!(doc["spec"]["selector"]["color"], "green");
    }

    #[test]
    fn ending_a_canary_removes_its_annotation_only_if_present() {
        let mut switch = green_switch();
        switch.canary = CanaryChange::Clear;
        switch.annotations = Some(label_set(&[(labels::CANARY, "{}")]));
        assert!(render(&switch_patch(&switch))
            .contains(r#"{"op":"remove","path":"/metadata/annotations/qaenv.dev~1canary"}"#));
        switch.annotations = Some(Labels::new());
        assert!(!render(&switch_patch(&switch)).contains("remove"));
    }

    #[test]
    fn scale_tests_the_count_and_records_the_original() {
        let scale = Scale {
            deployment: "web-green".into(),
            colour: "green".into(),
            from: Some(3),
            to: 1,
            record_original: Some(3),
            clear_original: false,
            annotations: Some(Labels::new()),
        };
        insta::assert_snapshot!(render(&scale_patch(&scale)), @r#"[{"op":"test","path":"/spec/replicas","value":3},{"op":"replace","path":"/spec/replicas","value":1},{"op":"add","path":"/metadata/annotations/qaenv.dev~1replicas-before-canary","value":"3"}]"#);
        let restore = Scale {
            from: Some(1),
            to: 3,
            record_original: None,
            clear_original: true,
            annotations: Some(label_set(&[(labels::REPLICAS_BEFORE_CANARY, "3")])),
            ..scale
        };
        insta::assert_snapshot!(render(&scale_patch(&restore)), @r#"[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":3},{"op":"remove","path":"/metadata/annotations/qaenv.dev~1replicas-before-canary"}]"#);
    }
}
