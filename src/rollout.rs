//! The pure half of `kubectl qaenv bump`: which of an environment's workloads a command line
//! selects, which ReplicaSet a bumped Deployment rolled out, and the report.
//!
//! The patch itself is [`crate::redeploy::deployment_id_patch`], the one `up --redeploy`
//! sends; the I/O (three lists, the patches, a watch of ReplicaSets, the optional wait) is in
//! `commands/bump.rs`.

use std::{
    collections::BTreeMap,
    io::{self, Write},
};

use k8s_openapi::api::apps::v1::ReplicaSet;
use serde::Serialize;
use serde_json::Value;

use crate::{
    error::{Error, ExitCode, Result},
    health::{WorkloadKind, WorkloadRef},
    labels,
    limits::workload::WorkloadId,
    output::{Cell, Table, TableOptions, Tone},
    redeploy,
};

/// The kinds `bump` rolls out: those whose controller replaces pods when the pod template
/// changes and that qaenv waits for.
pub const KINDS: [WorkloadKind; 3] = [
    WorkloadKind::Deployment,
    WorkloadKind::StatefulSet,
    WorkloadKind::DaemonSet,
];

/// One workload of the environment, as listed.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    pub workload: WorkloadRef,
    pub uid: Option<String>,
    /// The object as listed: the patch is built against it.
    pub object: Value,
}

impl Workload {
    /// A listed object of `kind`.
    pub fn new(kind: WorkloadKind, object: Value) -> Workload {
        let text = |pointer: &str| {
            object
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Workload {
            workload: WorkloadRef::new(kind, text("/metadata/name").unwrap_or_default()),
            uid: text("/metadata/uid"),
            object,
        }
    }

    /// The pod template's deployment id, if it has one.
    pub fn deployment_id(&self) -> Option<String> {
        let pointer = format!(
            "{}/metadata/annotations",
            redeploy::template_pointer(&self.object)
        );
        self.object
            .pointer(&pointer)
            .and_then(|a| a.get(labels::DEPLOYMENT_ID))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// The pod template's images, init containers first, without repeats.
    pub fn images(&self) -> Vec<String> {
        let spec = format!("{}/spec", redeploy::template_pointer(&self.object));
        let mut out: Vec<String> = Vec::new();
        for field in ["initContainers", "containers"] {
            let containers = self
                .object
                .pointer(&format!("{spec}/{field}"))
                .and_then(Value::as_array);
            for image in containers
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("image").and_then(Value::as_str))
            {
                if !out.iter().any(|i| i == image) {
                    out.push(image.to_string());
                }
            }
        }
        out
    }
}

/// The workloads to bump: every listed one when `patterns` is empty, else those the patterns
/// name (`web`, or `deployment/web` with kubectl's kind spellings), in listing order.
///
/// # Errors
///
/// A pattern that names none of them: exit 1, naming every such pattern and what the
/// environment has, before anything is patched.
pub fn select<'a>(
    workloads: &'a [Workload],
    patterns: &[String],
    env: &str,
    namespace: &str,
) -> Result<Vec<&'a Workload>> {
    let id = |w: &Workload| WorkloadId {
        kind: w.workload.kind.kind().to_string(),
        name: w.workload.name.clone(),
    };
    let unknown: Vec<&str> = patterns
        .iter()
        .filter(|p| !workloads.iter().any(|w| id(w).matches(p)))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let has: Vec<String> = workloads.iter().map(|w| w.workload.to_string()).collect();
        let has = if has.is_empty() {
            "it has none".to_string()
        } else {
            format!("it has {}", has.join(", "))
        };
        return Err(Error::new(
            format!("cannot bump environment {env}"),
            format!(
                "no Deployment, StatefulSet or DaemonSet {} with label {} in namespace {namespace}",
                unknown.join(", "),
                labels::env_selector(env)
            ),
        )
        .with_hint(format!("nothing was patched; {has}")));
    }
    let selected: Vec<&Workload> = workloads
        .iter()
        .filter(|w| patterns.is_empty() || patterns.iter().any(|p| id(w).matches(p)))
        .collect();
    if selected.is_empty() {
        return Err(Error::new(
            format!("cannot bump environment {env}"),
            format!(
                "it has no Deployment, StatefulSet or DaemonSet with label {} in namespace {namespace}",
                labels::env_selector(env)
            ),
        )
        .with_hint("deploy it first with `kubectl qaenv up`"));
    }
    Ok(selected)
}

/// The ReplicaSet a Deployment rolled out for deployment id `id`: one it controls whose pod
/// template carries the id.
pub fn new_replica_set<'a>(
    replica_sets: impl IntoIterator<Item = &'a ReplicaSet>,
    deployment_uid: &str,
    id: &str,
) -> Option<String> {
    replica_sets
        .into_iter()
        .filter(|rs| {
            rs.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == deployment_uid && o.controller == Some(true))
        })
        .filter(|rs| {
            rs.spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .and_then(|t| t.metadata.as_ref())
                .and_then(|m| m.annotations.as_ref())
                .and_then(|a| a.get(labels::DEPLOYMENT_ID))
                .is_some_and(|v| v == id)
        })
        .filter_map(|rs| rs.metadata.name.clone())
        .min()
}

/// What became of one workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bumped {
    /// Patched; a Deployment's new ReplicaSet once seen.
    Patched { replica_set: Option<String> },
    /// The patch failed.
    Failed { cause: String, exit: ExitCode },
}

/// What `bump` prints: the table's rows and `-o json`'s document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BumpReport {
    pub environment: String,
    pub namespace: String,
    /// The deployment id every bumped workload's pod template now carries.
    pub deployment_id: String,
    pub workloads: Vec<BumpRow>,
    /// How many workloads had each result.
    pub summary: BTreeMap<String, usize>,
}

/// One workload of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BumpRow {
    pub kind: String,
    pub name: String,
    /// Its images, unchanged by the bump.
    pub images: Vec<String>,
    /// The deployment id before (none for a workload never bumped).
    pub previous_id: Option<String>,
    /// A Deployment's new ReplicaSet.
    pub replica_set: Option<String>,
    /// `bumped` or `failed`.
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip)]
    pub workload: String,
    #[serde(skip)]
    exit: Option<ExitCode>,
}

/// Builds the report; `results` are in the order of `selected`.
pub fn report(
    env: &str,
    namespace: &str,
    id: &str,
    selected: &[&Workload],
    results: &[Bumped],
) -> BumpReport {
    let workloads: Vec<BumpRow> = selected
        .iter()
        .zip(results)
        .map(|(w, result)| {
            let (replica_set, word, error, exit) = match result {
                Bumped::Patched { replica_set } => (replica_set.clone(), "bumped", None, None),
                Bumped::Failed { cause, exit } => {
                    (None, "failed", Some(cause.clone()), Some(*exit))
                }
            };
            BumpRow {
                kind: w.workload.kind.kind().to_string(),
                name: w.workload.name.clone(),
                images: w.images(),
                previous_id: w.deployment_id(),
                replica_set,
                result: word.to_string(),
                error,
                workload: w.workload.to_string(),
                exit,
            }
        })
        .collect();
    let mut summary = BTreeMap::new();
    for row in &workloads {
        *summary.entry(row.result.clone()).or_insert(0) += 1;
    }
    BumpReport {
        environment: env.to_string(),
        namespace: namespace.to_string(),
        deployment_id: id.to_string(),
        workloads,
        summary,
    }
}

/// The table: one row per workload, with an ERROR column when a patch failed.
pub fn write_table(
    out: &mut impl Write,
    report: &BumpReport,
    options: TableOptions,
) -> io::Result<()> {
    let with_error = report.workloads.iter().any(|r| r.error.is_some());
    let mut headers = vec![
        "workload",
        "deployment id",
        "replicaset",
        "images",
        "result",
    ];
    if with_error {
        headers.push("error");
    }
    let mut table = Table::new(headers);
    for row in &report.workloads {
        let bumped = row.error.is_none();
        table.row([
            Cell::new(row.workload.clone()),
            Cell::new(if bumped {
                report.deployment_id.clone()
            } else {
                row.previous_id.clone().unwrap_or_else(|| "<none>".into())
            }),
            Cell::new(row.replica_set.clone().unwrap_or_else(|| "<none>".into())),
            Cell::new(row.images.join(",")),
            Cell::toned(
                row.result.clone(),
                if bumped { Tone::Good } else { Tone::Bad },
            ),
            Cell::new(row.error.clone().unwrap_or_default()),
        ]);
    }
    table.render(out, options)
}

/// The line on stderr: `environment login (qa-login): 3 bumped to deployment id …`.
pub fn summary_line(report: &BumpReport) -> String {
    let counts: Vec<String> = report
        .summary
        .iter()
        .map(|(result, n)| format!("{n} {result}"))
        .collect();
    format!(
        "environment {} ({}): {} (deployment id {})",
        report.environment,
        report.namespace,
        counts.join(", "),
        report.deployment_id
    )
}

/// The error for patches that failed (exit 1; 4 when each was refused, e.g. a concurrent
/// bump), `None` when every workload was bumped.
pub fn failure(report: &BumpReport) -> Option<Error> {
    let failed: Vec<&BumpRow> = report
        .workloads
        .iter()
        .filter(|r| r.error.is_some())
        .collect();
    if failed.is_empty() {
        return None;
    }
    let each: Vec<String> = failed
        .iter()
        .map(|r| format!("{} ({})", r.workload, r.error.as_deref().unwrap_or("")))
        .collect();
    let exit = if failed.iter().all(|r| r.exit == Some(ExitCode::Refused)) {
        ExitCode::Refused
    } else {
        ExitCode::Error
    };
    Some(
        Error::new(
            format!("bump environment {}", report.environment),
            format!(
                "{} of {} workloads could not be patched: {}",
                failed.len(),
                report.workloads.len(),
                each.join(", ")
            ),
        )
        .with_exit(exit)
        .with_hint("the table has each workload's result; run the command again to retry"),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn workload(kind: WorkloadKind, name: &str, id: Option<&str>) -> Workload {
        let mut annotations = json!({});
        if let Some(id) = id {
            annotations[labels::DEPLOYMENT_ID] = json!(id);
        }
        Workload::new(
            kind,
            json!({
                "metadata": {"name": name, "uid": format!("uid-{name}")},
                "spec": {"template": {
                    "metadata": {"annotations": annotations},
                    "spec": {
                        "initContainers": [{"name": "init", "image": "busybox:1.36"}],
                        "containers": [{"name": name, "image": format!("registry.local/{name}:1.0")},
                                       {"name": "sidecar", "image": "busybox:1.36"}]
                    }
                }}
            }),
        )
    }

    fn env() -> Vec<Workload> {
        vec![
            workload(
                WorkloadKind::Deployment,
                "api",
                Some("20261122T101500.123Z"),
            ),
            workload(WorkloadKind::Deployment, "web", None),
            workload(WorkloadKind::StatefulSet, "db", None),
            workload(WorkloadKind::StatefulSet, "web", None),
        ]
    }

    fn names(selected: &[&Workload]) -> Vec<String> {
        selected.iter().map(|w| w.workload.to_string()).collect()
    }

    #[test]
    fn workloads_are_selected_by_name_or_kind_and_name() {
        let all = env();
        let every = select(&all, &[], "login", "qa-login").unwrap();
        assert_eq!(every.len(), 4);
        let web = select(&all, &["web".into()], "login", "qa-login").unwrap();
        assert_eq!(names(&web), ["deployment/web", "statefulset/web"]);
        let some = select(
            &all,
            &["sts/db".into(), "deployment/web".into(), "web".into()],
            "login",
            "qa-login",
        )
        .unwrap();
        assert_eq!(
            names(&some),
            ["deployment/web", "statefulset/db", "statefulset/web"]
        );
    }

    #[test]
    fn an_unknown_workload_is_named_and_nothing_is_selected() {
        let all = env();
        let err = select(
            &all,
            &["web".into(), "worker".into(), "daemonset/db".into()],
            "login",
            "qa-login",
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Error);
        assert_eq!(
            err.report(),
            "error: cannot bump environment login: no Deployment, StatefulSet or DaemonSet \
             worker, daemonset/db with label qaenv.dev/env=login in namespace qa-login\n\
             hint: nothing was patched; it has deployment/api, deployment/web, statefulset/db, \
             statefulset/web"
        );
        let err = select(&[], &[], "login", "qa-login").unwrap_err();
        assert!(err.to_string().contains("it has no Deployment"), "{err}");
    }

    #[test]
    fn ids_and_images_come_from_the_pod_template() {
        let all = env();
        assert_eq!(
            all[0].deployment_id().as_deref(),
            Some("20261122T101500.123Z")
        );
        assert_eq!(all[1].deployment_id(), None);
        assert_eq!(
            all[0].images(),
            ["busybox:1.36", "registry.local/api:1.0"],
            "init containers first, no repeats"
        );
        assert_eq!(all[0].uid.as_deref(), Some("uid-api"));
    }

    fn replica_set(name: &str, owner: &str, id: Option<&str>) -> ReplicaSet {
        let mut annotations = json!({});
        if let Some(id) = id {
            annotations[labels::DEPLOYMENT_ID] = json!(id);
        }
        serde_json::from_value(json!({
            "metadata": {"name": name, "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": owner,
                "controller": true}]},
            "spec": {"selector": {}, "template": {"metadata": {"annotations": annotations}}}
        }))
        .unwrap()
    }

    #[test]
    fn the_new_replica_set_carries_the_new_id() {
        let sets = [
            replica_set("web-old", "uid-web", None),
            replica_set("web-prev", "uid-web", Some("1")),
            replica_set("other-new", "uid-other", Some("2")),
            replica_set("web-new", "uid-web", Some("2")),
        ];
        assert_eq!(
            new_replica_set(&sets, "uid-web", "2").as_deref(),
            Some("web-new")
        );
        assert_eq!(new_replica_set(&sets, "uid-web", "3"), None);
        assert_eq!(new_replica_set(&[] as &[ReplicaSet], "uid-web", "2"), None);
    }

    fn sample() -> BumpReport {
        let all = env();
        let selected: Vec<&Workload> = all.iter().take(3).collect();
        report(
            "login",
            "qa-login",
            "20261122T111500.456Z",
            &selected,
            &[
                Bumped::Patched {
                    replica_set: Some("api-5d8f7c9b6".into()),
                },
                Bumped::Failed {
                    cause: "forbidden: user \"qa\" may not patch deployments.apps in namespace \"qa-login\"".into(),
                    exit: ExitCode::Error,
                },
                Bumped::Patched { replica_set: None },
            ],
        )
    }

    #[test]
    fn the_table_shows_ids_replica_sets_and_images() {
        let mut out = Vec::new();
        write_table(&mut out, &sample(), TableOptions::default()).unwrap();
        insta::assert_snapshot!(String::from_utf8_lossy(&out));
        assert_eq!(
            summary_line(&sample()),
            "environment login (qa-login): 2 bumped, 1 failed (deployment id 20261122T111500.456Z)"
        );
    }

    #[test]
    fn the_json_report_holds_the_same_facts() {
        let value = serde_json::to_value(sample()).unwrap();
        assert_eq!(value["deploymentId"], "20261122T111500.456Z");
        let rows = value["workloads"].as_array().unwrap();
        assert_eq!(rows[0]["kind"], "Deployment");
        assert_eq!(rows[0]["name"], "api");
        assert_eq!(rows[0]["previousId"], "20261122T101500.123Z");
        assert_eq!(rows[0]["replicaSet"], "api-5d8f7c9b6");
        assert_eq!(rows[0]["images"][1], "registry.local/api:1.0");
        assert_eq!(rows[0]["result"], "bumped");
        assert!(rows[0].get("error").is_none());
        assert_eq!(rows[1]["result"], "failed");
        assert_eq!(rows[2]["replicaSet"], Value::Null);
        assert_eq!(value["summary"]["bumped"], 2);
    }

    #[test]
    fn failed_patches_are_an_error_after_the_report() {
        let error = failure(&sample()).unwrap();
        assert_eq!(error.exit_code(), ExitCode::Error);
        assert!(error
            .to_string()
            .starts_with("bump environment login: 1 of 3 workloads could not be patched: deployment/web (forbidden"));
        let mut fine = sample();
        fine.workloads.retain(|r| r.error.is_none());
        assert!(failure(&fine).is_none());
    }
}
