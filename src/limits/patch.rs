//! JSON patches that set the suggested resources on workload pod templates.
//!
//! Each container's change is three operations: `test` that the container at the index still
//! has its name, `test` that its `resources` are still what was read, then `add` (replace)
//! the new `resources`. A concurrent edit makes a `test` fail, the server refuses the whole
//! patch with 422, and nothing changes. Keys other than CPU and memory (ephemeral storage,
//! claims) are kept; a suggested "unset" removes that limit.

use std::collections::BTreeMap;

use k8s_quantity::{format_bytes, Quantity};
use serde_json::{json, Map, Value};

use super::report::Row;
use super::workload::{Resources, Workload, WorkloadId};

/// The patch of one workload.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadPatch {
    pub workload: WorkloadId,
    /// The JSON patch operations.
    pub ops: Vec<Value>,
    /// Whether applying it replaces running pods.
    pub rolls: bool,
    /// Pods it would replace (those seen).
    pub pods: usize,
    /// The containers it changes.
    pub containers: Vec<String>,
}

/// A workload left alone, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub workload: WorkloadId,
    pub reason: &'static str,
}

/// Patches for every workload with a changed suggestion, and the workloads that cannot be
/// patched although they have one.
pub fn plan(
    workloads: &BTreeMap<WorkloadId, Workload>,
    rows: &[Row],
) -> (Vec<WorkloadPatch>, Vec<Skipped>) {
    let mut patches = Vec::new();
    let mut skipped = Vec::new();
    for workload in workloads.values() {
        let changed: Vec<(&Row, &Resources)> = rows
            .iter()
            .filter(|r| r.workload == workload.id)
            .filter_map(|r| r.suggested().map(|s| (r, s)))
            .filter(|(r, s)| r.current != **s)
            .collect();
        if changed.is_empty() {
            continue;
        }
        let Some(base) = workload.pod_spec_path else {
            skipped.push(Skipped {
                workload: workload.id.clone(),
                reason: reason_not_patchable(&workload.id.kind),
            });
            continue;
        };
        let mut ops = Vec::new();
        let mut containers = Vec::new();
        for (row, suggested) in changed {
            let Some(spec) = workload.containers.iter().find(|c| c.name == row.container) else {
                continue;
            };
            let path = format!("{base}/{}/{}", spec.role.field(), spec.index);
            ops.push(json!({"op": "test", "path": format!("{path}/name"), "value": spec.name}));
            if let Some(resources) = &spec.resources {
                ops.push(
                    json!({"op": "test", "path": format!("{path}/resources"), "value": resources}),
                );
            }
            ops.push(json!({
                "op": "add",
                "path": format!("{path}/resources"),
                "value": updated(spec.resources.as_ref(), suggested),
            }));
            containers.push(spec.name.clone());
        }
        patches.push(WorkloadPatch {
            workload: workload.id.clone(),
            ops,
            rolls: workload.rolls(),
            pods: workload.pods.len(),
            containers,
        });
    }
    (patches, skipped)
}

fn reason_not_patchable(kind: &str) -> &'static str {
    match kind {
        "Job" => "a Job's pod template cannot be changed; change its manifest",
        "Pod" => "a bare pod's resources cannot be changed; change its manifest",
        "ReplicaSet" => "patching a ReplicaSet without a Deployment would not replace its pods",
        _ => "qaenv does not patch this kind; change its manifest",
    }
}

/// The `resources` object with the suggested CPU and memory, other keys kept.
fn updated(current: Option<&Value>, suggested: &Resources) -> Value {
    let mut resources = current
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    set(
        &mut resources,
        "requests",
        "cpu",
        suggested.cpu_request.map(cpu),
    );
    set(
        &mut resources,
        "requests",
        "memory",
        suggested.memory_request.map(memory),
    );
    set(
        &mut resources,
        "limits",
        "cpu",
        suggested.cpu_limit.map(cpu),
    );
    set(
        &mut resources,
        "limits",
        "memory",
        suggested.memory_limit.map(memory),
    );
    Value::Object(resources)
}

/// Sets or removes `resources[section][resource]`, dropping a section left empty.
fn set(resources: &mut Map<String, Value>, section: &str, resource: &str, value: Option<String>) {
    let mut map = resources
        .remove(section)
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    match value {
        Some(value) => {
            map.insert(resource.to_string(), Value::String(value));
        }
        None => {
            map.remove(resource);
        }
    }
    if !map.is_empty() {
        resources.insert(section.to_string(), Value::Object(map));
    }
}

/// CPU as the API server would store it: `24m`, `1`, `1500m`.
pub fn cpu(nanos: i128) -> String {
    Quantity::from_nanos(nanos).canonical()
}

/// Memory as the API server would store it: `230Mi`, `248153480`.
pub fn memory(bytes: i128) -> String {
    format_bytes(bytes)
}

/// A shell-quoted word (`'…'`), so printed commands paste and pipe to `sh` safely.
pub fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The `kubectl patch` command applying `patch` in `namespace`, with the connection flags the
/// user gave (`--context`, `--kubeconfig`).
pub fn kubectl_command(patch: &WorkloadPatch, namespace: &str, connection: &[String]) -> String {
    let body = serde_json::to_string(&patch.ops).unwrap_or_default();
    let mut words = vec![
        "kubectl".to_string(),
        "patch".to_string(),
        patch.workload.kind.to_lowercase(),
        shell_quote(&patch.workload.name),
        "--namespace".to_string(),
        shell_quote(namespace),
    ];
    words.extend(connection.iter().map(|w| shell_quote(w)));
    words.extend([
        "--type=json".to_string(),
        "-p".to_string(),
        shell_quote(&body),
    ]);
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::krr::KrrSettings;
    use crate::limits::report::{rows, Settings, Strategy, Verdict};
    use crate::limits::sample::{PodMetricsList, Samples};
    use crate::limits::workload::{inventory, tests::objects};

    fn sampled() -> Samples {
        let mut samples = Samples::default();
        for n in 0..12 {
            let list: PodMetricsList = serde_json::from_value(json!({"items": [
                {"metadata": {"name": "web-abc-1"}, "timestamp": format!("2024-11-30T13:00:{n:02}Z"),
                 "containers": [{"name": "app", "usage": {"cpu": "20m", "memory": "200Mi"}},
                                {"name": "proxy", "usage": {"cpu": "1m", "memory": "20Mi"}}]},
                {"metadata": {"name": "report-1-x"}, "timestamp": format!("2024-11-30T13:00:{n:02}Z"),
                 "containers": [{"name": "run", "usage": {"cpu": "1m", "memory": "20Mi"}}]},
                {"metadata": {"name": "debug"}, "timestamp": format!("2024-11-30T13:00:{n:02}Z"),
                 "containers": [{"name": "sh", "usage": {"cpu": "1m", "memory": "20Mi"}}]}
            ]}))
            .unwrap_or_default();
            samples.ingest(&list);
        }
        samples
    }

    fn planned() -> (Vec<WorkloadPatch>, Vec<Skipped>) {
        let workloads = inventory(&objects());
        let settings = Settings {
            strategy: Strategy::Krr(KrrSettings::default()),
            min_samples: 10,
        };
        let rows = rows(&workloads, &sampled(), &settings);
        plan(&workloads, &rows)
    }

    #[test]
    fn patches_test_current_values_before_replacing_them() {
        let (patches, _) = planned();
        let web = patches
            .iter()
            .find(|p| p.workload.name == "web")
            .cloned()
            .unwrap_or_else(|| panic!("no web patch in {patches:?}"));
        assert!(web.rolls);
        assert_eq!(web.containers, ["proxy", "app"]);
        let app = "/spec/template/spec/containers/0";
        assert_eq!(
            &web.ops[3..],
            [
                json!({"op": "test", "path": format!("{app}/name"), "value": "app"}),
                json!({"op": "test", "path": format!("{app}/resources"), "value":
                    {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}}),
                json!({"op": "add", "path": format!("{app}/resources"), "value":
                    {"requests": {"cpu": "20m", "memory": "1280Mi"}, "limits": {"memory": "1280Mi"}}}),
            ]
        );
        assert_eq!(
            web.ops[0],
            json!({"op": "test", "path": "/spec/template/spec/initContainers/1/name", "value": "proxy"})
        );
        let cron = patches.iter().find(|p| p.workload.kind == "CronJob");
        assert_eq!(
            cron.map(|p| p.ops[0]["path"].clone()),
            Some(json!(
                "/spec/jobTemplate/spec/template/spec/containers/0/name"
            ))
        );
        assert_eq!(cron.map(|p| p.rolls), Some(false));
    }

    #[test]
    fn immutable_workloads_are_skipped_with_a_reason() {
        let (patches, skipped) = planned();
        assert!(patches.iter().all(|p| p.workload.kind != "Pod"));
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].workload.name, "debug");
        assert!(skipped[0].reason.contains("bare pod"));
    }

    #[test]
    fn unchanged_suggestions_need_no_patch() {
        let workloads = inventory(&objects());
        let mut rows = rows(
            &workloads,
            &sampled(),
            &Settings {
                strategy: Strategy::Krr(KrrSettings::default()),
                min_samples: 10,
            },
        );
        for row in &mut rows {
            if let Verdict::Suggested { resources, .. } = row.verdict {
                row.current = resources;
            }
        }
        assert_eq!(plan(&workloads, &rows), (vec![], vec![]));
    }

    #[test]
    fn other_resource_keys_survive() {
        let current =
            json!({"requests": {"ephemeral-storage": "1Gi", "cpu": "1"}, "limits": {"cpu": "2"}});
        let suggested = Resources {
            cpu_request: Some(24_000_000),
            cpu_limit: None,
            memory_request: Some(230 << 20),
            memory_limit: Some(230 << 20),
        };
        assert_eq!(
            updated(Some(&current), &suggested),
            json!({"requests": {"ephemeral-storage": "1Gi", "cpu": "24m", "memory": "230Mi"},
                   "limits": {"memory": "230Mi"}})
        );
    }

    #[test]
    fn commands_are_shell_safe() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        let patch = WorkloadPatch {
            workload: WorkloadId {
                kind: "Deployment".into(),
                name: "web".into(),
            },
            ops: vec![json!({"op": "test", "path": "/a", "value": 1})],
            rolls: true,
            pods: 1,
            containers: vec![],
        };
        assert_eq!(
            kubectl_command(&patch, "qa-x", &["--context".into(), "kind".into()]),
            r#"kubectl patch deployment 'web' --namespace 'qa-x' '--context' 'kind' --type=json -p '[{"op":"test","path":"/a","value":1}]'"#
        );
    }
}
