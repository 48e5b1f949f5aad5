//! What `promote`, `rollback` and `canary` will do to each Service and Deployment, decided
//! from an [`Inventory`] before anything is written.
//!
//! A plan records the values it was made from (the selector, the replica counts), and the
//! writes carry them as JSON-patch `test` operations ([`super::patch`]): if anything changed
//! between this read and the write, the write fails instead of racing.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{
    canary::{resolve_max_surge, Split},
    gates::{self, Blocker, Readiness},
    model::{
        format_selector, selects, with_colour, without_colour, CanaryState, DeploymentState,
        Inventory, Labels, ServiceState,
    },
};
use crate::{
    error::{Error, Result},
    labels,
};

/// What the user asked for, for the Services in scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    /// `promote COLOR [--label KEY] [--force]`.
    Promote {
        key: String,
        colour: String,
        force: bool,
    },
    /// `rollback`.
    Rollback,
}

impl Intent {
    /// The command's words for messages: `promote to green`, `rollback`.
    pub fn describe(&self) -> String {
        match self {
            Intent::Promote { colour, .. } => format!("promote to {colour}"),
            Intent::Rollback => "rollback".to_string(),
        }
    }

    /// The command name, as in reports.
    pub fn command(&self) -> &'static str {
        match self {
            Intent::Promote { .. } => "promote",
            Intent::Rollback => "rollback",
        }
    }

    /// The reason of the Event a switch records.
    pub fn event_reason(&self) -> &'static str {
        match self {
            Intent::Promote { .. } => labels::REASON_PROMOTED,
            Intent::Rollback => labels::REASON_ROLLED_BACK,
        }
    }
}

/// How a switch changes the Service's canary annotation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CanaryChange {
    /// Leave it as it is.
    Keep,
    /// Start a canary or change its weight.
    Set(CanaryState),
    /// End the canary.
    Clear,
}

/// A change of one Deployment's replica count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scale {
    pub deployment: String,
    pub colour: String,
    /// `spec.replicas` as read (`None`: not set, the API default of 1).
    pub from: Option<i32>,
    pub to: i32,
    /// Record this count as the one before the canary (not recorded yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_original: Option<i32>,
    /// Remove the recorded count (the canary ends).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub clear_original: bool,
    /// The annotations as read; the patch must create the map when there is none.
    #[serde(skip)]
    pub annotations: Option<Labels>,
}

impl Scale {
    /// Whether the patch would change nothing.
    pub fn is_noop(&self) -> bool {
        self.from == Some(self.to) && self.record_original.is_none() && !self.clear_original
    }

    /// `3 -> 1`.
    pub fn describe(&self) -> String {
        format!("{} -> {}", self.from.unwrap_or(1), self.to)
    }
}

/// A change of one Service's selector (and of the annotations that go with it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Switch {
    pub service: String,
    #[serde(skip)]
    pub uid: Option<String>,
    /// The selector as read: the patch's `test`.
    pub from: Labels,
    pub to: Labels,
    /// Recorded in the previous-selector annotation, for `rollback`.
    #[serde(skip)]
    pub previous: Labels,
    #[serde(skip)]
    pub canary: CanaryChange,
    /// The annotations as read.
    #[serde(skip)]
    pub annotations: Option<Labels>,
    /// Ready pods behind the new selector and the baseline.
    pub readiness: Readiness,
    /// Deployments scaled back to their pre-canary counts before the switch.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub restore: Vec<Scale>,
    /// Pods that leave the Service's endpoints (for `--wait`).
    #[serde(skip)]
    pub leaving: Vec<String>,
    /// Why it may not happen; empty when every gate passed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<Blocker>,
}

impl Switch {
    /// Whether the switch writes nothing: the Service already selects the target.
    pub fn is_noop(&self) -> bool {
        self.from == self.to && self.canary == CanaryChange::Keep && self.restore.is_empty()
    }
}

/// Picks the Services to act on: the ones named with `--service`, or every eligible one.
fn pick<'a>(
    inventory: &'a Inventory,
    names: &[String],
    eligible: impl Fn(&ServiceState) -> bool,
    requirement: &str,
    hint: &str,
) -> Result<Vec<&'a ServiceState>> {
    let ns = &inventory.namespace;
    if names.is_empty() {
        let found: Vec<&ServiceState> = inventory.services.iter().filter(|s| eligible(s)).collect();
        if found.is_empty() {
            return Err(Error::new(
                format!("no Service in namespace {ns} {requirement}"),
                format!("{} Services looked at", inventory.services.len()),
            )
            .with_hint(hint));
        }
        return Ok(found);
    }
    let unique: BTreeSet<&String> = names.iter().collect();
    unique
        .into_iter()
        .map(|name| {
            let service = inventory
                .services
                .iter()
                .find(|s| &s.name == name)
                .ok_or_else(|| {
                    Error::new(
                        format!("service {name} not found"),
                        format!("no Service \"{name}\" in namespace {ns}"),
                    )
                })?;
            if eligible(service) {
                Ok(service)
            } else {
                Err(Error::refused(
                    format!("cannot act on service {name}"),
                    format!(
                        "it {}",
                        requirement.replacen("selects", "does not select", 1)
                    ),
                )
                .with_hint(hint))
            }
        })
        .collect()
}

/// The switches for `promote` or `rollback` on the Services in scope, with their gates
/// checked (a switch with blockers must not be applied: see [`refusal`]).
pub fn switches(inventory: &Inventory, intent: &Intent, names: &[String]) -> Result<Vec<Switch>> {
    match intent {
        Intent::Promote { key, colour, force } => {
            let services = pick(
                inventory,
                names,
                |s| s.uses_colour_label(key),
                &format!("selects pods by label {key}"),
                "name the colour label with --label KEY, or the Services with --service",
            )?;
            services
                .into_iter()
                .map(|s| promote_switch(inventory, s, key, colour, *force))
                .collect()
        }
        Intent::Rollback => {
            let services = pick(
                inventory,
                names,
                |s| {
                    s.annotations.as_ref().is_some_and(|a| {
                        a.contains_key(labels::PREVIOUS_SELECTOR) || a.contains_key(labels::CANARY)
                    })
                },
                "selects pods by a selector recorded by promote or canary",
                "rollback returns to the selector a qaenv promote or canary replaced",
            )?;
            services
                .into_iter()
                .map(|s| rollback_switch(inventory, s))
                .collect()
        }
    }
}

/// `promote COLOR` for one Service: a blue/green switch, or the end of a canary.
fn promote_switch(
    inventory: &Inventory,
    service: &ServiceState,
    key: &str,
    colour: &str,
    force: bool,
) -> Result<Switch> {
    if let Some(canary) = service.canary()?.filter(|c| c.label == key) {
        if colour != canary.canary && colour != canary.stable {
            return Err(Error::refused(
                format!("cannot promote service {} to {colour}", service.name),
                format!(
                    "a canary of {} over {} is running",
                    canary.canary, canary.stable
                ),
            )
            .with_hint(format!(
                "end it first: kubectl qaenv promote {} (or {})",
                canary.canary, canary.stable
            )));
        }
        return Ok(end_canary(inventory, service, &canary, colour, force));
    }
    let target = with_colour(&service.selector, key, colour);
    Ok(blue_green(inventory, service, target, force))
}

/// `rollback` for one Service: back to the recorded selector, or the end of a canary on its
/// stable colour (Argo's abort).
fn rollback_switch(inventory: &Inventory, service: &ServiceState) -> Result<Switch> {
    if let Some(canary) = service.canary()? {
        return Ok(end_canary(
            inventory,
            service,
            &canary,
            &canary.stable,
            false,
        ));
    }
    let previous = service.previous_selector()?.unwrap_or_default();
    if previous.is_empty() {
        return Err(Error::refused(
            format!("cannot roll back service {}", service.name),
            "its recorded previous selector is empty",
        ));
    }
    Ok(blue_green(inventory, service, previous, false))
}

/// A plain switch from the Service's selector to `target`, gated on `target`'s Deployments
/// and Ready pods.
fn blue_green(
    inventory: &Inventory,
    service: &ServiceState,
    target: Labels,
    force: bool,
) -> Switch {
    let from = service.selector.clone();
    let (readiness, blockers) = if target == from {
        // Nothing to gate: the Service already selects it.
        (
            Readiness {
                target: inventory.ready_pods(&target),
                current: inventory.ready_pods(&from),
            },
            Vec::new(),
        )
    } else {
        gates::check(inventory, &target, &from, force)
    };
    Switch {
        service: service.name.clone(),
        uid: service.uid.clone(),
        leaving: leaving(inventory, &from, &target),
        previous: from.clone(),
        from,
        to: target,
        canary: CanaryChange::Keep,
        annotations: service.annotations.clone(),
        readiness,
        restore: Vec::new(),
        blockers,
    }
}

/// The end of a canary: both colours back to their recorded counts, then the selector on
/// `colour`. While Deployments still have counts to restore, only the gates that hold before
/// scaling are checked (the target exists, is not mid-update and has a Ready pod); once they
/// are restored, the full gates, against the selector from before the canary.
fn end_canary(
    inventory: &Inventory,
    service: &ServiceState,
    canary: &CanaryState,
    colour: &str,
    force: bool,
) -> Switch {
    let key = &canary.label;
    let base = without_colour(&canary.selector, key);
    let target = with_colour(&base, key, colour);
    let restore: Vec<Scale> = inventory
        .deployments_behind(&base)
        .into_iter()
        .filter_map(|d| {
            let original = d.replicas_before_canary()?;
            Some(Scale {
                deployment: d.name.clone(),
                colour: d.template_labels.get(key).cloned().unwrap_or_default(),
                from: d.replicas,
                to: original,
                record_original: None,
                clear_original: true,
                annotations: d.annotations.clone(),
            })
        })
        .collect();
    let (readiness, blockers) = if restore.is_empty() {
        gates::check(inventory, &target, &canary.selector, force)
    } else {
        let mut blockers = gates::deployment_blockers(inventory, &target, false);
        let (readiness, pods) = gates::pod_blockers(inventory, &target, &target, true);
        blockers.extend(pods);
        (readiness, blockers)
    };
    Switch {
        service: service.name.clone(),
        uid: service.uid.clone(),
        leaving: leaving(inventory, &service.selector, &target),
        from: service.selector.clone(),
        to: target,
        previous: canary.selector.clone(),
        canary: CanaryChange::Clear,
        annotations: service.annotations.clone(),
        readiness,
        restore,
        blockers,
    }
}

/// Pods `from` selects that `to` does not: they must leave the endpoints.
fn leaving(inventory: &Inventory, from: &Labels, to: &Labels) -> Vec<String> {
    inventory
        .pods
        .iter()
        .filter(|p| selects(from, &p.labels) && !selects(to, &p.labels))
        .map(|p| p.name.clone())
        .collect()
}

/// The error for switches that failed their gates (exit code 4), or `None` when all passed.
/// `what` is the command's words (`promote to green`).
pub fn refusal<'a>(
    what: &str,
    switches: impl IntoIterator<Item = &'a Switch>,
    namespace: &str,
) -> Option<Error> {
    let blocked: Vec<&Switch> = switches
        .into_iter()
        .filter(|s| !s.blockers.is_empty())
        .collect();
    let first = blocked.first()?;
    let cause = blocked
        .iter()
        .map(|s| {
            let reasons: Vec<String> = s.blockers.iter().map(ToString::to_string).collect();
            format!("service {}: {}", s.service, reasons.join("; "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let only_fewer = blocked
        .iter()
        .flat_map(|s| &s.blockers)
        .all(|b| matches!(b, Blocker::FewerReadyPods { .. }));
    let hint = if only_fewer {
        "no Service was changed; wait for more pods to become Ready, or pass --force to switch \
         anyway"
            .to_string()
    } else {
        format!(
            "no Service was changed; check the rollout and its pods: kubectl get deployments,pods \
             -n {namespace} -l {}",
            format_selector(&first.to)
        )
    };
    Some(
        Error::refused(
            format!("{what} in namespace {namespace}"),
            format!("gate failed: {cause}"),
        )
        .with_hint(hint),
    )
}

/// A canary step for one Service: the canary colour's Deployment scaled, the selector
/// opened to both colours, the stable colour's Deployment scaled, in that order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryPlan {
    pub switch: Switch,
    pub split: Split,
    /// Applied before the selector changes.
    pub canary: Scale,
    /// Applied after it.
    pub stable: Scale,
}

/// The canary plans for `canary COLOR --weight WEIGHT` on the Services in scope.
pub fn canaries(
    inventory: &Inventory,
    key: &str,
    colour: &str,
    weight: u8,
    names: &[String],
) -> Result<Vec<CanaryPlan>> {
    let services = pick(
        inventory,
        names,
        |s| s.uses_colour_label(key),
        &format!("selects pods by label {key}"),
        "name the colour label with --label KEY, or the Services with --service",
    )?;
    services
        .into_iter()
        .map(|s| canary_plan(inventory, s, key, colour, weight))
        .collect()
}

fn canary_plan(
    inventory: &Inventory,
    service: &ServiceState,
    key: &str,
    colour: &str,
    weight: u8,
) -> Result<CanaryPlan> {
    let refuse = |cause: String| {
        Error::refused(
            format!(
                "cannot start a canary of {colour} on service {}",
                service.name
            ),
            cause,
        )
    };
    let running = service.canary()?.filter(|c| c.label == key);
    let before = match &running {
        Some(c) if c.canary != colour => {
            return Err(refuse(format!(
                "a canary of {} over {} is running",
                c.canary, c.stable
            ))
            .with_hint(format!(
                "end it first: kubectl qaenv promote {} (or {})",
                c.canary, c.stable
            )))
        }
        Some(c) => c.selector.clone(),
        None => service.selector.clone(),
    };
    let stable_colour = before.get(key).cloned().unwrap_or_default();
    if stable_colour == colour {
        return Err(refuse(format!("it already selects {colour}")));
    }
    let opened = without_colour(&before, key);
    if opened.is_empty() {
        return Err(refuse(format!(
            "its selector has no label but {key}; without it the Service would select no pods"
        ))
        .with_hint("add a label shared by both colours (such as app=NAME) to the selector"));
    }
    let stable = only_deployment(inventory, &before, &stable_colour, service).map_err(refuse)?;
    let candidate = only_deployment(
        inventory,
        &with_colour(&opened, key, colour),
        colour,
        service,
    )
    .map_err(refuse)?;

    let replicas = stable.replicas_before_canary().unwrap_or(stable.desired());
    let max_surge = resolve_max_surge(stable.max_surge.as_ref(), replicas);
    let split = Split::new(replicas, weight, max_surge);
    let starting = running.is_none();
    let blockers: Vec<Blocker> = [
        gates::rollout_blocker(candidate, false),
        gates::rollout_blocker(stable, starting),
    ]
    .into_iter()
    .flatten()
    .collect();
    let state = CanaryState {
        label: key.to_string(),
        stable: stable_colour,
        canary: colour.to_string(),
        weight,
        selector: before.clone(),
    };
    let switch = Switch {
        service: service.name.clone(),
        uid: service.uid.clone(),
        from: service.selector.clone(),
        to: opened.clone(),
        previous: before,
        canary: CanaryChange::Set(state),
        annotations: service.annotations.clone(),
        readiness: Readiness {
            target: inventory.ready_pods(&opened),
            current: inventory.ready_pods(&service.selector),
        },
        restore: Vec::new(),
        leaving: Vec::new(),
        blockers,
    };
    Ok(CanaryPlan {
        canary: scale_for_canary(candidate, key, split.canary),
        stable: scale_for_canary(stable, key, split.stable),
        switch,
        split,
    })
}

/// The one Deployment of `colour` behind a Service; a canary splits exactly two.
fn only_deployment<'a>(
    inventory: &'a Inventory,
    selector: &Labels,
    colour: &str,
    service: &ServiceState,
) -> std::result::Result<&'a DeploymentState, String> {
    match inventory.deployments_behind(selector)[..] {
        [one] => Ok(one),
        [] => Err(format!(
            "no Deployment of {colour} makes pods for service {} (labels {})",
            service.name,
            format_selector(selector)
        )),
        ref many => Err(format!(
            "{} Deployments of {colour} make pods for service {} ({}); a canary splits exactly one of each colour",
            many.len(),
            service.name,
            many.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Scaling a Deployment for a canary, recording its count first if no canary has yet.
fn scale_for_canary(deployment: &DeploymentState, key: &str, to: i32) -> Scale {
    let recorded = deployment.replicas_before_canary();
    Scale {
        deployment: deployment.name.clone(),
        colour: deployment
            .template_labels
            .get(key)
            .cloned()
            .unwrap_or_default(),
        from: deployment.replicas,
        to,
        record_original: recorded
            .is_none()
            .then(|| deployment.desired())
            .filter(|&original| original != to),
        clear_original: false,
        annotations: deployment.annotations.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;
    use crate::release::model::tests::{blue_green, deployment, in_canary, labels, pods, service};

    fn promote(colour: &str) -> Intent {
        Intent::Promote {
            key: "color".into(),
            colour: colour.into(),
            force: false,
        }
    }

    #[test]
    fn promote_switches_the_colour_label_only() {
        let plans = switches(&blue_green(), &promote("green"), &[]).unwrap();
        let [web] = &plans[..] else {
            panic!("{plans:?}")
        };
        assert_eq!(format_selector(&web.from), "app=web,color=blue");
        assert_eq!(format_selector(&web.to), "app=web,color=green");
        assert_eq!(web.previous, web.from);
        assert_eq!(web.blockers, []);
        assert_eq!(web.readiness.target, 3);
        assert_eq!(web.leaving.len(), 3, "the blue pods leave");
        assert!(!web.is_noop());
    }

    #[test]
    fn promote_to_the_selected_colour_is_a_noop() {
        let plans = switches(&blue_green(), &promote("blue"), &[]).unwrap();
        assert!(plans[0].is_noop());
        assert_eq!(plans[0].blockers, []);
    }

    #[test]
    fn services_without_the_colour_label_are_skipped_or_refused() {
        let mut inv = blue_green();
        inv.services.push(service("db", &[("app", "db")]));
        assert_eq!(switches(&inv, &promote("green"), &[]).unwrap().len(), 1);
        let err = switches(&inv, &promote("green"), &["db".into()]).unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Refused);
        assert_eq!(
            err.to_string(),
            "cannot act on service db: it does not select pods by label color"
        );
        let err = switches(&inv, &promote("green"), &["nope".into()]).unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Error);
        let other = Intent::Promote {
            key: "tier".into(),
            colour: "green".into(),
            force: false,
        };
        let err = switches(&inv, &other, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no Service in namespace shop selects pods by label tier: 2 Services looked at"
        );
        assert!(err.hint().unwrap_or_default().contains("--label"));
    }

    #[test]
    fn refusal_names_every_blocked_service_and_suggests_a_fix() {
        let mut inv = blue_green();
        inv.deployments[1].available = 0;
        inv.pods.retain(|p| !p.name.starts_with("web-green"));
        inv.pods.extend(pods("green", 3, 0));
        let intent = promote("green");
        let plans = switches(&inv, &intent, &[]).unwrap();
        let err = refusal(&intent.describe(), &plans, "shop").unwrap();
        assert_eq!(err.exit_code(), ExitCode::Refused);
        assert_eq!(
            err.to_string(),
            "promote to green in namespace shop: gate failed: service web: deployment web-green \
             has 0 of 3 replicas available (3 updated); no Ready pod has labels app=web,color=green"
        );
        assert!(err
            .hint()
            .unwrap_or_default()
            .contains("kubectl get deployments,pods -n shop -l app=web,color=green"));
        let fine = switches(&blue_green(), &intent, &[]).unwrap();
        assert!(refusal(&intent.describe(), &fine, "shop").is_none());
    }

    #[test]
    fn rollback_returns_to_the_recorded_selector() {
        let mut inv = blue_green();
        inv.services[0].selector = labels(&[("app", "web"), ("color", "green")]);
        inv.services[0].annotations = Some(labels(&[(
            labels::PREVIOUS_SELECTOR,
            r#"{"app":"web","color":"blue"}"#,
        )]));
        let plans = switches(&inv, &Intent::Rollback, &[]).unwrap();
        assert_eq!(format_selector(&plans[0].to), "app=web,color=blue");
        assert_eq!(format_selector(&plans[0].previous), "app=web,color=green");
        assert_eq!(plans[0].blockers, []);
    }

    #[test]
    fn rollback_without_a_record_finds_nothing() {
        let err = switches(&blue_green(), &Intent::Rollback, &[]).unwrap_err();
        assert!(
            err.to_string().starts_with("no Service in namespace shop"),
            "{err}"
        );
        let err = switches(&blue_green(), &Intent::Rollback, &["web".into()]).unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Refused);
    }

    #[test]
    fn canary_splits_by_argo_and_opens_the_selector() {
        let mut inv = blue_green();
        inv.deployments[1] = deployment("green", 0);
        inv.pods.retain(|p| !p.name.starts_with("web-green"));
        let plans = canaries(&inv, "color", "green", 10, &[]).unwrap();
        let plan = &plans[0];
        // 3 replicas at 10% with the default maxSurge (25% of 3 = 1): 1 green + 3 blue.
        assert_eq!((plan.split.canary, plan.split.stable), (1, 3));
        assert_eq!(plan.split.to_string(), "25% (1 of 4 pods)");
        assert_eq!(format_selector(&plan.switch.to), "app=web");
        assert_eq!(plan.canary.describe(), "0 -> 1");
        assert_eq!(plan.canary.record_original, Some(0));
        assert!(plan.stable.is_noop(), "blue stays at 3: {:?}", plan.stable);
        let CanaryChange::Set(state) = &plan.switch.canary else {
            panic!("{:?}", plan.switch.canary)
        };
        assert_eq!((state.stable.as_str(), state.weight), ("blue", 10));
        assert_eq!(plan.switch.blockers, []);
    }

    #[test]
    fn canary_reweight_keeps_the_original_counts() {
        let mut inv = blue_green();
        in_canary(&mut inv, 10);
        // After a 10% canary of 10: 1 green (was 10), 9 blue (was 10).
        inv.deployments = vec![deployment("blue", 9), deployment("green", 1)];
        for (d, original) in inv.deployments.iter_mut().zip(["10", "10"]) {
            d.annotations = Some(labels(&[(labels::REPLICAS_BEFORE_CANARY, original)]));
            d.max_surge = Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(0));
        }
        let plan = &canaries(&inv, "color", "green", 50, &[]).unwrap()[0];
        assert_eq!((plan.split.canary, plan.split.stable), (5, 5));
        assert_eq!(plan.canary.describe(), "1 -> 5");
        assert_eq!(plan.canary.record_original, None, "10 is already recorded");
        assert_eq!(plan.stable.describe(), "9 -> 5");
        assert_eq!(plan.switch.from, plan.switch.to, "the selector stays open");
        let err = canaries(&inv, "color", "red", 50, &[]).unwrap_err();
        assert!(
            err.to_string()
                .contains("a canary of green over blue is running"),
            "{err}"
        );
    }

    #[test]
    fn canary_refusals() {
        let inv = blue_green();
        let err = canaries(&inv, "color", "blue", 10, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot start a canary of blue on service web: it already selects blue"
        );
        let err = canaries(&inv, "color", "red", 10, &[]).unwrap_err();
        assert!(err.to_string().contains("no Deployment of red"), "{err}");
        let mut lonely = blue_green();
        lonely.services[0].selector = labels(&[("color", "blue")]);
        let err = canaries(&lonely, "color", "green", 10, &[]).unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Refused);
        assert!(err.to_string().contains("would select no pods"), "{err}");
        let mut twins = blue_green();
        let mut extra = deployment("green", 1);
        extra.name = "web-green-2".into();
        twins.deployments.push(extra);
        let err = canaries(&twins, "color", "green", 10, &[]).unwrap_err();
        assert!(err.to_string().contains("2 Deployments of green"), "{err}");
    }

    #[test]
    fn promote_ends_a_canary_by_restoring_counts_first() {
        let mut inv = blue_green();
        in_canary(&mut inv, 25);
        inv.deployments = vec![deployment("blue", 3), deployment("green", 1)];
        inv.deployments[1].annotations = Some(labels(&[(labels::REPLICAS_BEFORE_CANARY, "3")]));
        inv.pods = pods("blue", 3, 3);
        inv.pods.extend(pods("green", 1, 1));

        let plans = switches(&inv, &promote("green"), &[]).unwrap();
        let web = &plans[0];
        assert_eq!(format_selector(&web.to), "app=web,color=green");
        assert_eq!(format_selector(&web.previous), "app=web,color=blue");
        assert_eq!(web.canary, CanaryChange::Clear);
        assert_eq!(web.restore.len(), 1);
        assert_eq!(web.restore[0].describe(), "1 -> 3");
        assert_eq!(
            web.blockers,
            [],
            "1 Ready green pod passes the pre-scaling gates"
        );
        assert_eq!(web.leaving.len(), 3);

        // Once restored, the full gates apply against the selector from before the canary.
        inv.deployments[1] = deployment("green", 3);
        inv.pods.extend(pods("green", 3, 1).into_iter().skip(1));
        let plans = switches(&inv, &promote("green"), &[]).unwrap();
        assert!(plans[0].restore.is_empty());
        assert_eq!(plans[0].readiness.current, 3, "baseline: the blue pods");
        assert!(matches!(
            plans[0].blockers[..],
            [Blocker::FewerReadyPods {
                ready: 1,
                current: 3,
                ..
            }]
        ));

        // rollback aborts: back to blue.
        let plans = switches(&inv, &Intent::Rollback, &[]).unwrap();
        assert_eq!(format_selector(&plans[0].to), "app=web,color=blue");
        assert_eq!(plans[0].blockers, []);
        let err = switches(&inv, &promote("red"), &[]).unwrap_err();
        assert!(err
            .hint()
            .unwrap_or_default()
            .contains("kubectl qaenv promote green"));
    }
}
