//! The colour model: what `promote`, `rollback` and `canary` read from the cluster.
//!
//! Deployments come in colours told apart by one pod label (`color` unless `--label` says
//! otherwise); a Service selects one colour through that label. The API objects are reduced to
//! the few fields the gates and plans need ([`ServiceState`], [`DeploymentState`],
//! [`PodState`]), so everything downstream is pure and tested with hand-built values.

use std::collections::BTreeMap;

use k8s_openapi::{
    api::{
        apps::v1::{Deployment, DeploymentStrategy},
        core::v1::{Endpoints, Pod, Service},
    },
    apimachinery::pkg::util::intstr::IntOrString,
};
use serde::{Deserialize, Serialize};

use crate::{
    error::{Error, ExitCode, Result},
    labels,
};

/// A label selector or a label set: `{"app": "web", "color": "blue"}`.
pub type Labels = BTreeMap<String, String>;

/// `app=web,color=blue`, as kubectl prints selectors; `<none>` for an empty one.
pub fn format_selector(selector: &Labels) -> String {
    if selector.is_empty() {
        return "<none>".to_string();
    }
    selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether a Service selector picks pods with these labels. An empty selector picks nothing,
/// as for Services (a selector-less Service has no managed endpoints).
pub fn selects(selector: &Labels, labels: &Labels) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// `selector` with the colour label set to `colour`.
pub fn with_colour(selector: &Labels, key: &str, colour: &str) -> Labels {
    let mut out = selector.clone();
    out.insert(key.to_string(), colour.to_string());
    out
}

/// `selector` without the colour label: both colours behind one Service.
pub fn without_colour(selector: &Labels, key: &str) -> Labels {
    let mut out = selector.clone();
    out.remove(key);
    out
}

/// Whether `text` is a label value or the name part of a label key: at most 63 characters of
/// `[A-Za-z0-9._-]`, alphanumeric at both ends.
fn is_label_name(text: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    !text.is_empty()
        && text.len() <= 63
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && alnum(text.chars().next())
        && alnum(text.chars().last())
}

/// Checks a colour the user typed: it becomes a label value, so it must be one. Caught here,
/// it is a usage error instead of the API server's 422 halfway through (which the guarded
/// writes would report as a concurrent change).
pub fn validate_colour(colour: &str) -> Result<()> {
    if is_label_name(colour) {
        return Ok(());
    }
    Err(Error::new(
        format!("invalid colour {colour:?}"),
        "a colour is a label value: up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    )
    .with_exit(ExitCode::Usage))
}

/// Checks a `--label` key: `[prefix/]name`, the prefix a lowercase DNS subdomain.
pub fn validate_label_key(key: &str) -> Result<()> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|part| {
                is_label_name(part)
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
    });
    if prefix_ok && is_label_name(name) {
        return Ok(());
    }
    Err(Error::new(
        format!("invalid label key {key:?}"),
        "a label key is [prefix/]name: name up to 63 letters, digits, '-', '_' or '.', prefix a DNS subdomain",
    )
    .with_exit(ExitCode::Usage))
}

/// A canary in progress, kept as JSON in the Service's [`labels::CANARY`] annotation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanaryState {
    /// The colour label key.
    pub label: String,
    /// The colour the Service selected before the canary.
    pub stable: String,
    /// The colour being tried.
    pub canary: String,
    /// The requested weight in percent.
    pub weight: u8,
    /// The Service's selector before the canary (it selects `stable`).
    pub selector: Labels,
}

/// The fields of a Service that releases use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceState {
    pub name: String,
    pub uid: Option<String>,
    pub selector: Labels,
    /// `None` when the Service has no annotations map at all (a JSON patch must create it).
    pub annotations: Option<Labels>,
}

impl ServiceState {
    /// The selector recorded by the last switch, if any.
    pub fn previous_selector(&self) -> Result<Option<Labels>> {
        self.annotation_json(labels::PREVIOUS_SELECTOR)
    }

    /// The canary in progress, if any.
    pub fn canary(&self) -> Result<Option<CanaryState>> {
        self.annotation_json(labels::CANARY)
    }

    /// Whether this Service takes part in releases by `key`: it selects by that label, or a
    /// canary by that label is in progress (the label is then absent from the selector).
    pub fn uses_colour_label(&self, key: &str) -> bool {
        self.selector.contains_key(key)
            || matches!(self.canary(), Ok(Some(canary)) if canary.label == key)
    }

    /// The colour the Service selects by `key`, if it selects one.
    pub fn colour(&self, key: &str) -> Option<&str> {
        self.selector.get(key).map(String::as_str)
    }

    fn annotation_json<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Result<Option<T>> {
        let Some(text) = self.annotations.as_ref().and_then(|a| a.get(key)) else {
            return Ok(None);
        };
        serde_json::from_str(text).map(Some).map_err(|e| {
            Error::refused(
                format!("cannot read annotation {key} of service {}", self.name),
                e,
            )
            .with_hint(format!(
                "fix or remove it: kubectl annotate service {} {key}-",
                self.name
            ))
        })
    }
}

impl From<&Service> for ServiceState {
    fn from(service: &Service) -> ServiceState {
        ServiceState {
            name: service.metadata.name.clone().unwrap_or_default(),
            uid: service.metadata.uid.clone(),
            selector: service
                .spec
                .as_ref()
                .and_then(|s| s.selector.clone())
                .unwrap_or_default(),
            annotations: service.metadata.annotations.clone(),
        }
    }
}

/// The fields of a Deployment that releases use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeploymentState {
    pub name: String,
    /// Labels of the pods it makes: what Service selectors are matched against.
    pub template_labels: Labels,
    /// `spec.replicas`; `None` only for objects not yet defaulted by the API server.
    pub replicas: Option<i32>,
    pub generation: i64,
    pub observed_generation: i64,
    pub updated: i32,
    pub available: i32,
    /// `maxSurge` of a RollingUpdate strategy (`None`: the default, 25%); `Some(0)` for
    /// Recreate, which never runs extra pods.
    pub max_surge: Option<IntOrString>,
    pub annotations: Option<Labels>,
}

impl DeploymentState {
    /// `spec.replicas` with the API's default of 1.
    pub fn desired(&self) -> i32 {
        self.replicas.unwrap_or(1)
    }

    /// The replica count recorded before a canary scaled this Deployment, if any. A garbled
    /// value reads as absent: the current count is then the best guess.
    pub fn replicas_before_canary(&self) -> Option<i32> {
        self.annotations
            .as_ref()?
            .get(labels::REPLICAS_BEFORE_CANARY)?
            .parse()
            .ok()
    }

    /// Whether the controller has acted on the latest spec and every desired replica is
    /// updated and available (Argo's `IsSaturated`, without a Rollout).
    pub fn rolled_out(&self) -> bool {
        self.observed_generation >= self.generation
            && self.updated == self.desired()
            && self.available == self.desired()
    }
}

fn max_surge_of(strategy: Option<&DeploymentStrategy>) -> Option<IntOrString> {
    match strategy {
        Some(s) if s.type_.as_deref() == Some("Recreate") => Some(IntOrString::Int(0)),
        Some(s) => s.rolling_update.as_ref().and_then(|r| r.max_surge.clone()),
        None => None,
    }
}

impl From<&Deployment> for DeploymentState {
    fn from(deployment: &Deployment) -> DeploymentState {
        let spec = deployment.spec.as_ref();
        let status = deployment.status.as_ref();
        DeploymentState {
            name: deployment.metadata.name.clone().unwrap_or_default(),
            template_labels: spec
                .and_then(|s| s.template.metadata.as_ref())
                .and_then(|m| m.labels.clone())
                .unwrap_or_default(),
            replicas: spec.and_then(|s| s.replicas),
            generation: deployment.metadata.generation.unwrap_or_default(),
            observed_generation: status
                .and_then(|s| s.observed_generation)
                .unwrap_or_default(),
            updated: status.and_then(|s| s.updated_replicas).unwrap_or_default(),
            available: status
                .and_then(|s| s.available_replicas)
                .unwrap_or_default(),
            max_surge: max_surge_of(spec.and_then(|s| s.strategy.as_ref())),
            annotations: deployment.metadata.annotations.clone(),
        }
    }
}

/// The fields of a Pod that releases use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodState {
    pub name: String,
    pub labels: Labels,
    /// Ready and not being deleted: what the endpoints controller puts in `addresses`.
    pub ready: bool,
}

impl From<&Pod> for PodState {
    fn from(pod: &Pod) -> PodState {
        let ready_condition = pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        PodState {
            name: pod.metadata.name.clone().unwrap_or_default(),
            labels: pod.metadata.labels.clone().unwrap_or_default(),
            ready: ready_condition && pod.metadata.deletion_timestamp.is_none(),
        }
    }
}

/// The pods an Endpoints object lists, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointsState {
    /// Ready addresses: where the Service sends traffic.
    pub ready: Vec<String>,
    /// Addresses of pods that are not ready (yet, or any more).
    pub not_ready: Vec<String>,
}

impl EndpointsState {
    /// Whether the switch has taken effect: the Service has a ready endpoint and none of its
    /// addresses, ready or not, is a pod that was to leave.
    pub fn settled(&self, leaving: &[String]) -> bool {
        !self.ready.is_empty()
            && self
                .ready
                .iter()
                .chain(&self.not_ready)
                .all(|name| !leaving.contains(name))
    }
}

impl From<&Endpoints> for EndpointsState {
    fn from(endpoints: &Endpoints) -> EndpointsState {
        let mut state = EndpointsState::default();
        for subset in endpoints.subsets.iter().flatten() {
            let names = |addresses: &Option<Vec<_>>| -> Vec<String> {
                addresses
                    .iter()
                    .flatten()
                    .filter_map(|a: &k8s_openapi::api::core::v1::EndpointAddress| {
                        a.target_ref.as_ref()?.name.clone()
                    })
                    .collect()
            };
            state.ready.extend(names(&subset.addresses));
            state.not_ready.extend(names(&subset.not_ready_addresses));
        }
        state
    }
}

/// Everything in one namespace that a release decision depends on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    pub namespace: String,
    pub services: Vec<ServiceState>,
    pub deployments: Vec<DeploymentState>,
    pub pods: Vec<PodState>,
}

impl Inventory {
    /// The Deployments whose pods `selector` picks.
    pub fn deployments_behind(&self, selector: &Labels) -> Vec<&DeploymentState> {
        self.deployments
            .iter()
            .filter(|d| selects(selector, &d.template_labels))
            .collect()
    }

    /// How many Ready pods `selector` picks: the addresses its Endpoints would hold.
    pub fn ready_pods(&self, selector: &Labels) -> usize {
        self.pods
            .iter()
            .filter(|p| p.ready && selects(selector, &p.labels))
            .count()
    }
}

/// What a Service selects, as `status` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Selection {
    /// One colour.
    Colour { colour: String },
    /// A canary: both colours behind the Service.
    Canary {
        stable: String,
        canary: String,
        weight: u8,
    },
}

/// A Deployment of one colour behind a Service, as `status` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColourDeployment {
    pub name: String,
    pub colour: String,
    pub desired: i32,
    pub available: i32,
    /// Whether the Service currently sends it traffic.
    pub selected: bool,
}

/// One Service's colours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceColours {
    pub service: String,
    pub selector: String,
    #[serde(flatten)]
    pub selection: Selection,
    /// The selector `rollback` would return to, if one is recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    pub deployments: Vec<ColourDeployment>,
}

/// Which colour each Service selects by `key`, and the Deployments of every colour behind it:
/// the blue/green part of `status`. Services that do not select by `key` are left out; an
/// unreadable annotation reads as absent (status reports, it does not refuse).
pub fn colours_of(inventory: &Inventory, key: &str) -> Vec<ServiceColours> {
    let mut out = Vec::new();
    for service in &inventory.services {
        let canary = service.canary().ok().flatten().filter(|c| c.label == key);
        let (selection, base) = match (&canary, service.colour(key)) {
            (Some(c), _) => (
                Selection::Canary {
                    stable: c.stable.clone(),
                    canary: c.canary.clone(),
                    weight: c.weight,
                },
                without_colour(&c.selector, key),
            ),
            (None, Some(colour)) => (
                Selection::Colour {
                    colour: colour.to_string(),
                },
                without_colour(&service.selector, key),
            ),
            (None, None) => continue,
        };
        let deployments = inventory
            .deployments_behind(&base)
            .into_iter()
            .filter_map(|d| {
                let colour = d.template_labels.get(key)?;
                Some(ColourDeployment {
                    name: d.name.clone(),
                    colour: colour.clone(),
                    desired: d.desired(),
                    available: d.available,
                    selected: selects(&service.selector, &d.template_labels),
                })
            })
            .collect();
        out.push(ServiceColours {
            service: service.name.clone(),
            selector: format_selector(&service.selector),
            selection,
            previous: service
                .previous_selector()
                .ok()
                .flatten()
                .map(|s| format_selector(&s)),
            deployments,
        });
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `labels(&[("app", "web")])`.
    pub fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    pub fn service(name: &str, selector: &[(&str, &str)]) -> ServiceState {
        ServiceState {
            name: name.into(),
            selector: labels(selector),
            annotations: Some(Labels::new()),
            ..ServiceState::default()
        }
    }

    /// A rolled-out Deployment `web-<colour>` with `replicas` available replicas.
    pub fn deployment(colour: &str, replicas: i32) -> DeploymentState {
        DeploymentState {
            name: format!("web-{colour}"),
            template_labels: labels(&[("app", "web"), ("color", colour)]),
            replicas: Some(replicas),
            generation: 2,
            observed_generation: 2,
            updated: replicas,
            available: replicas,
            max_surge: None,
            annotations: Some(Labels::new()),
        }
    }

    /// `count` pods of `colour`, `ready` of them Ready.
    pub fn pods(colour: &str, count: usize, ready: usize) -> Vec<PodState> {
        (0..count)
            .map(|i| PodState {
                name: format!("web-{colour}-{i}"),
                labels: labels(&[("app", "web"), ("color", colour)]),
                ready: i < ready,
            })
            .collect()
    }

    /// Service `web` selecting blue; blue and green with 3 ready pods each.
    pub fn blue_green() -> Inventory {
        let mut all = pods("blue", 3, 3);
        all.extend(pods("green", 3, 3));
        Inventory {
            namespace: "shop".into(),
            services: vec![service("web", &[("app", "web"), ("color", "blue")])],
            deployments: vec![deployment("blue", 3), deployment("green", 3)],
            pods: all,
        }
    }

    /// Service `web` of `inv` in a canary of green over blue at `weight` percent: its
    /// selector opened to both colours, the canary recorded in its annotation.
    pub fn in_canary(inv: &mut Inventory, weight: u8) {
        let state = CanaryState {
            label: "color".into(),
            stable: "blue".into(),
            canary: "green".into(),
            weight,
            selector: labels(&[("app", "web"), ("color", "blue")]),
        };
        inv.services[0].selector = labels(&[("app", "web")]);
        inv.services[0].annotations = Some(labels(&[(
            labels::CANARY,
            &serde_json::to_string(&state).unwrap(),
        )]));
    }

    #[test]
    fn selectors_read_like_kubectl() {
        assert_eq!(
            format_selector(&labels(&[("color", "blue"), ("app", "web")])),
            "app=web,color=blue"
        );
        assert_eq!(format_selector(&Labels::new()), "<none>");
    }

    #[test]
    fn empty_selector_selects_nothing() {
        let pod = labels(&[("app", "web")]);
        assert!(!selects(&Labels::new(), &pod));
        assert!(selects(&labels(&[("app", "web")]), &pod));
        assert!(!selects(
            &labels(&[("app", "web"), ("color", "blue")]),
            &pod
        ));
    }

    #[test]
    fn colours_must_be_label_values() {
        for ok in ["green", "v2", "blue-1", "a.b_c", &"x".repeat(63)] {
            assert!(validate_colour(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-green", "green-", "gr een", "grün", &"x".repeat(64)] {
            let err = validate_colour(bad).unwrap_err();
            assert_eq!(err.exit_code(), ExitCode::Usage, "{bad}");
        }
    }

    #[test]
    fn label_keys_are_checked() {
        for ok in [
            "color",
            "qaenv.dev/color",
            "app.kubernetes.io/version",
            "a_b.c-d",
        ] {
            assert!(validate_label_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/color",
            "Qaenv.dev/color",
            "a/b/c",
            "col or",
            "-color",
            "x/",
        ] {
            let err = validate_label_key(bad).unwrap_err();
            assert_eq!(err.exit_code(), ExitCode::Usage, "{bad}");
        }
    }

    #[test]
    fn endpoints_settle_when_the_old_pods_are_gone() {
        let endpoints: Endpoints = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web"},
            "subsets": [{
                "addresses": [{"ip": "10.0.0.1", "targetRef": {"kind": "Pod", "name": "web-green-0"}}],
                "notReadyAddresses": [{"ip": "10.0.0.2", "targetRef": {"kind": "Pod", "name": "web-blue-0"}}]
            }]
        }))
        .unwrap();
        let state = EndpointsState::from(&endpoints);
        assert_eq!(state.ready, ["web-green-0"]);
        assert!(
            !state.settled(&["web-blue-0".into()]),
            "a leaving pod is still listed"
        );
        assert!(state.settled(&["web-blue-1".into()]));
        assert!(
            !EndpointsState::default().settled(&[]),
            "no endpoints: not settled"
        );
    }

    #[test]
    fn inventory_counts_ready_pods_behind_a_selector() {
        let mut inv = blue_green();
        inv.pods[0].ready = false;
        let blue = labels(&[("app", "web"), ("color", "blue")]);
        assert_eq!(inv.ready_pods(&blue), 2);
        assert_eq!(inv.ready_pods(&labels(&[("app", "web")])), 5);
        let names: Vec<&str> = inv
            .deployments_behind(&blue)
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(names, ["web-blue"]);
    }

    #[test]
    fn rolled_out_needs_current_generation_and_every_replica() {
        let mut d = deployment("green", 3);
        assert!(d.rolled_out());
        d.observed_generation = 1;
        assert!(!d.rolled_out());
        d.observed_generation = 2;
        d.available = 2;
        assert!(!d.rolled_out());
        d.replicas = None;
        d.available = 1;
        d.updated = 1;
        assert!(d.rolled_out(), "spec.replicas defaults to 1");
    }

    #[test]
    fn garbled_annotations_are_refusals_with_a_fix() {
        let mut svc = service("web", &[("app", "web")]);
        svc.annotations = Some(labels(&[(labels::PREVIOUS_SELECTOR, "{not json")]));
        let err = svc.previous_selector().unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Refused);
        assert!(err
            .hint()
            .unwrap_or_default()
            .contains("kubectl annotate service web qaenv.dev/previous-selector-"));
    }

    #[test]
    fn conversions_read_the_api_objects() {
        let service: Service = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "uid": "u1"},
            "spec": {"selector": {"app": "web", "color": "blue"}}
        }))
        .unwrap();
        let state = ServiceState::from(&service);
        assert_eq!(state.colour("color"), Some("blue"));
        assert_eq!(state.annotations, None);
        let deployment: Deployment = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web-green", "generation": 3,
                         "annotations": {"qaenv.dev/replicas-before-canary": "4"}},
            "spec": {"replicas": 2, "selector": {}, "strategy": {"type": "Recreate"},
                     "template": {"metadata": {"labels": {"app": "web", "color": "green"}}}},
            "status": {"observedGeneration": 3, "updatedReplicas": 2, "availableReplicas": 1}
        }))
        .unwrap();
        let state = DeploymentState::from(&deployment);
        assert_eq!(
            state.template_labels.get("color").map(String::as_str),
            Some("green")
        );
        assert_eq!(state.replicas_before_canary(), Some(4));
        assert_eq!(state.max_surge, Some(IntOrString::Int(0)));
        assert!(!state.rolled_out());
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "labels": {"app": "web"},
                         "deletionTimestamp": "2025-01-01T00:00:00Z"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        }))
        .unwrap();
        assert!(
            !PodState::from(&pod).ready,
            "a terminating pod is not an endpoint"
        );
    }

    #[test]
    fn colours_of_reports_selection_and_deployments() {
        let mut inv = blue_green();
        inv.services.push(service("db", &[("app", "db")]));
        inv.services[0].annotations = Some(labels(&[(
            labels::PREVIOUS_SELECTOR,
            r#"{"app":"web","color":"green"}"#,
        )]));
        let colours = colours_of(&inv, "color");
        assert_eq!(colours.len(), 1, "db does not select by colour");
        let web = &colours[0];
        assert_eq!(
            web.selection,
            Selection::Colour {
                colour: "blue".into()
            }
        );
        assert_eq!(web.previous.as_deref(), Some("app=web,color=green"));
        let selected: Vec<(&str, bool)> = web
            .deployments
            .iter()
            .map(|d| (d.name.as_str(), d.selected))
            .collect();
        assert_eq!(selected, [("web-blue", true), ("web-green", false)]);
        let json = serde_json::to_value(web).unwrap();
        assert_eq!(json["state"], "colour");
        assert_eq!(json["colour"], "blue");
    }

    #[test]
    fn colours_of_reports_a_canary() {
        let mut inv = blue_green();
        in_canary(&mut inv, 25);
        let web = &colours_of(&inv, "color")[0];
        assert_eq!(
            web.selection,
            Selection::Canary {
                stable: "blue".into(),
                canary: "green".into(),
                weight: 25
            }
        );
        assert!(web.deployments.iter().all(|d| d.selected));
        assert!(colours_of(&inv, "tier").is_empty());
    }
}
