//! The apply plan: what `up` does to each object, and in which order. Pure.
//!
//! The live state is read with one metadata-only list per kind (the environment label as
//! selector); an object whose `qaenv.dev/applied-hash` equals the rendered hash is unchanged
//! and costs no request. Objects that carry the environment label and the applied-hash
//! annotation, are not owned by a controller (so never a Deployment's pods) and are no longer
//! rendered are pruned, only inside the environment's namespace.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::{
    kinds::{ApplyClass, ResourceType},
    render::RenderedObject,
};

/// What happens to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// It does not exist yet.
    Create,
    /// It exists with another applied hash (or none).
    Configure,
    /// It exists with the same applied hash: no request.
    Unchanged,
    /// It exists, carries the environment label and is no longer rendered: deleted.
    Prune,
}

impl Action {
    /// The past tense kubectl prints (`created`, `configured`, `unchanged`, `pruned`).
    pub fn done(self) -> &'static str {
        match self {
            Action::Create => "created",
            Action::Configure => "configured",
            Action::Unchanged => "unchanged",
            Action::Prune => "pruned",
        }
    }

    /// What a dry run prints (`create`, `configure`, `unchanged`, `prune`).
    pub fn planned(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Configure => "configure",
            Action::Unchanged => "unchanged",
            Action::Prune => "prune",
        }
    }
}

/// An object found in the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveObject {
    /// Its kind's resource.
    pub resource: ResourceType,
    /// Its name.
    pub name: String,
    /// Its namespace (`None` for cluster-scoped objects).
    pub namespace: Option<String>,
    /// The applied-hash annotation, if any.
    pub hash: Option<String>,
    /// Whether a controller owns it (a ReplicaSet's pods, a Job's pods).
    pub controlled: bool,
    /// Whether it is being deleted.
    pub deleting: bool,
}

/// One step of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The action.
    pub action: Action,
    /// Index into the rendered objects (`None` for prunes).
    pub object: Option<usize>,
    /// The kind.
    pub resource: ResourceType,
    /// The name.
    pub name: String,
    /// The namespace.
    pub namespace: Option<String>,
    /// Stage index (prunes: after the last stage).
    pub stage: usize,
}

impl Step {
    /// `deployment.apps/web`.
    pub fn display(&self) -> String {
        format!("{}/{}", self.resource.display(), self.name)
    }
}

/// The plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Every step: rendered objects in apply order, then prunes.
    pub steps: Vec<Step>,
}

/// Objects are matched by group, kind and name: the version an object was applied with does not
/// matter (the server serves it under every version).
fn key(resource: &ResourceType, name: &str) -> (String, String, String) {
    (
        resource.group.clone(),
        resource.kind.clone(),
        name.to_string(),
    )
}

/// Compares the rendered objects with the live ones.
pub fn plan(objects: &[RenderedObject], live: &[LiveObject], namespace: &str) -> Plan {
    let live_by_key: HashMap<_, &LiveObject> = live
        .iter()
        .map(|l| (key(&l.resource, &l.name), l))
        .collect();
    let mut order: Vec<usize> = (0..objects.len()).collect();
    order.sort_by_key(|&i| (objects[i].stage, objects[i].resource.class(), i));
    let mut steps = Vec::new();
    for index in order {
        let object = &objects[index];
        let action = match live_by_key.get(&key(&object.resource, &object.name)) {
            None => Action::Create,
            Some(l) if l.deleting => Action::Create,
            Some(l) if l.hash.as_deref() == Some(object.hash.as_str()) => Action::Unchanged,
            Some(_) => Action::Configure,
        };
        steps.push(Step {
            action,
            object: Some(index),
            resource: object.resource.clone(),
            name: object.name.clone(),
            namespace: object.namespace.clone(),
            stage: object.stage,
        });
    }
    let rendered: std::collections::HashSet<_> =
        objects.iter().map(|o| key(&o.resource, &o.name)).collect();
    let last_stage = objects.iter().map(|o| o.stage).max().unwrap_or(0);
    let mut prunes: Vec<&LiveObject> = live
        .iter()
        .filter(|l| {
            l.hash.is_some()
                && !l.controlled
                && !l.deleting
                && l.namespace.as_deref() == Some(namespace)
                && !rendered.contains(&key(&l.resource, &l.name))
                && !protected(l)
        })
        .collect();
    // Delete what points at workloads first, configuration last: the reverse apply order.
    prunes.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.resource.class()),
            &a.resource.kind,
            &a.name,
        )
            .cmp(&(
                std::cmp::Reverse(b.resource.class()),
                &b.resource.kind,
                &b.name,
            ))
    });
    steps.extend(prunes.into_iter().map(|l| Step {
        action: Action::Prune,
        object: None,
        resource: l.resource.clone(),
        name: l.name.clone(),
        namespace: l.namespace.clone(),
        stage: last_stage,
    }));
    Plan { steps }
}

/// Objects the namespace itself needs, never pruned even if they carry our label: the
/// `default` ServiceAccount (which `up` patches with pull secrets) and the root CA ConfigMap.
fn protected(live: &LiveObject) -> bool {
    matches!(
        (
            live.resource.group.as_str(),
            live.resource.kind.as_str(),
            live.name.as_str()
        ),
        ("", "ServiceAccount", "default") | ("", "ConfigMap", "kube-root-ca.crt")
    )
}

impl Plan {
    /// The steps that write, of one stage, grouped by apply class in order.
    pub fn batches(&self, stage: usize) -> Vec<(ApplyClass, Vec<&Step>)> {
        let mut by_class: BTreeMap<ApplyClass, Vec<&Step>> = BTreeMap::new();
        for step in &self.steps {
            if step.stage == stage && matches!(step.action, Action::Create | Action::Configure) {
                by_class
                    .entry(step.resource.class())
                    .or_default()
                    .push(step);
            }
        }
        by_class.into_iter().collect()
    }

    /// The prune steps.
    pub fn prunes(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.action == Action::Prune)
    }

    /// How many steps have each action.
    pub fn counts(&self) -> BTreeMap<Action, usize> {
        let mut counts = BTreeMap::new();
        for step in &self.steps {
            *counts.entry(step.action).or_default() += 1;
        }
        counts
    }

    /// The workloads `--redeploy` patches, as (kind, name): those that already exist and roll
    /// out when their pod template changes (a created one rolls out anyway).
    pub fn redeploy_targets(&self) -> std::collections::BTreeSet<(String, String)> {
        self.steps
            .iter()
            .filter(|s| matches!(s.action, Action::Configure | Action::Unchanged))
            .filter(|s| crate::redeploy::rolls_out(&s.resource.group, &s.resource.kind))
            .map(|s| (s.resource.kind.clone(), s.name.clone()))
            .collect()
    }

    /// Whether a stage after `stage` creates or configures anything.
    pub fn writes_after(&self, stage: usize) -> bool {
        self.steps
            .iter()
            .any(|s| s.stage > stage && matches!(s.action, Action::Create | Action::Configure))
    }

    /// Whether anything is written (apart from the namespace).
    pub fn writes(&self) -> bool {
        self.steps.iter().any(|s| s.action != Action::Unchanged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::builtin;
    use serde_json::json;

    fn object(
        stage: usize,
        api_version: &str,
        kind: &str,
        name: &str,
        hash: &str,
    ) -> RenderedObject {
        RenderedObject {
            stage,
            resource: builtin(api_version, kind).unwrap(),
            name: name.into(),
            namespace: Some("qa-a".into()),
            object: json!({}),
            hash: hash.into(),
            origin: "test".into(),
        }
    }

    fn live(api_version: &str, kind: &str, name: &str, hash: Option<&str>) -> LiveObject {
        LiveObject {
            resource: builtin(api_version, kind).unwrap(),
            name: name.into(),
            namespace: Some("qa-a".into()),
            hash: hash.map(str::to_string),
            controlled: false,
            deleting: false,
        }
    }

    #[test]
    fn create_configure_unchanged_prune() {
        let objects = vec![
            object(0, "apps/v1", "Deployment", "web", "h1"),
            object(0, "v1", "Service", "web", "h2"),
            object(0, "v1", "ConfigMap", "web", "h3"),
        ];
        let mut controlled = live("v1", "Pod", "web-abc", Some("x"));
        controlled.controlled = true;
        let live = vec![
            live("apps/v1", "Deployment", "web", Some("old")),
            live("v1", "Service", "web", Some("h2")),
            live("v1", "Service", "gone", Some("h9")),
            live("v1", "Service", "foreign", None),
            live("v1", "ServiceAccount", "default", Some("h")),
            controlled,
        ];
        let plan = plan(&objects, &live, "qa-a");
        let summary: Vec<(String, Action)> =
            plan.steps.iter().map(|s| (s.display(), s.action)).collect();
        assert_eq!(
            summary,
            vec![
                ("configmap/web".to_string(), Action::Create),
                ("service/web".to_string(), Action::Unchanged),
                ("deployment.apps/web".to_string(), Action::Configure),
                ("service/gone".to_string(), Action::Prune),
            ]
        );
        assert!(plan.writes());
        assert_eq!(
            plan.redeploy_targets().into_iter().collect::<Vec<_>>(),
            vec![("Deployment".to_string(), "web".to_string())]
        );
        let counts = plan.counts();
        assert_eq!(counts[&Action::Prune], 1);
        let batches = plan.batches(0);
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[0].0, ApplyClass::Config);
        assert_eq!(batches[1].0, ApplyClass::Workloads);
    }

    #[test]
    fn stages_come_first_then_classes() {
        let objects = vec![
            object(1, "v1", "ServiceAccount", "app", "a"),
            object(0, "apps/v1", "Deployment", "queue", "b"),
            object(0, "v1", "Service", "queue", "c"),
            object(1, "networking.k8s.io/v1", "Ingress", "app", "d"),
        ];
        let plan = plan(&objects, &[], "qa-a");
        let order: Vec<String> = plan.steps.iter().map(Step::display).collect();
        assert_eq!(
            order,
            vec![
                "service/queue",
                "deployment.apps/queue",
                "serviceaccount/app",
                "ingress.networking.k8s.io/app"
            ]
        );
        assert!(plan.steps.iter().all(|s| s.action == Action::Create));
        assert_eq!(plan.batches(1).len(), 2);
        assert!(plan.writes_after(0));
        assert!(!plan.writes_after(1));
    }

    #[test]
    fn nothing_changed_writes_nothing() {
        let objects = vec![object(0, "v1", "Service", "web", "h")];
        let plan = plan(&objects, &[live("v1", "Service", "web", Some("h"))], "qa-a");
        assert!(!plan.writes());
        assert!(plan.batches(0).is_empty());
    }

    #[test]
    fn prunes_only_in_the_namespace_and_recreates_deleting_objects() {
        let mut other = live("v1", "Service", "elsewhere", Some("h"));
        other.namespace = Some("qa-b".into());
        let mut deleting = live("v1", "Service", "web", Some("h"));
        deleting.deleting = true;
        let plan = plan(
            &[object(0, "v1", "Service", "web", "h")],
            &[other, deleting],
            "qa-a",
        );
        assert_eq!(plan.steps.len(), 1);
        assert_eq!(plan.steps[0].action, Action::Create);
    }
}
