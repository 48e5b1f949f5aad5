//! The gates a selector switch must pass, checked before anything is written.
//!
//! They are Argo Rollouts' blue/green gates without a Rollout (`ReadyForPause` and
//! `IsSaturated`: every desired replica of the target is updated and available, and the
//! controller has seen the latest spec), plus what Argo's users asked for after traffic
//! blackouts (argo-rollouts #4750): the new selector must match at least one Ready pod, and no
//! fewer Ready pods than the selector it replaces. `--force` skips only that last comparison.

use std::fmt;

use serde::Serialize;

use super::model::{format_selector, DeploymentState, Inventory, Labels};

/// Why a switch may not happen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "gate", rename_all = "camelCase")]
pub enum Blocker {
    /// No Deployment makes pods the new selector would pick.
    NoDeployment { selector: String },
    /// The Deployment controller has not acted on the latest spec yet.
    NotObserved {
        deployment: String,
        generation: i64,
        observed: i64,
    },
    /// Not every desired replica is updated and available.
    NotRolledOut {
        deployment: String,
        desired: i32,
        updated: i32,
        available: i32,
    },
    /// The new selector matches no Ready pod: switching would black out the Service.
    NoReadyPods { selector: String },
    /// The new selector matches fewer Ready pods than the current one.
    FewerReadyPods {
        selector: String,
        ready: usize,
        current: usize,
    },
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocker::NoDeployment { selector } => {
                write!(f, "no Deployment makes pods with labels {selector}")
            }
            Blocker::NotObserved {
                deployment,
                generation,
                observed,
            } => write!(
                f,
                "deployment {deployment} is being updated (generation {generation}, observed {observed})"
            ),
            Blocker::NotRolledOut {
                deployment,
                desired,
                updated,
                available,
            } => write!(
                f,
                "deployment {deployment} has {available} of {desired} replicas available ({updated} updated)"
            ),
            Blocker::NoReadyPods { selector } => {
                write!(f, "no Ready pod has labels {selector}")
            }
            Blocker::FewerReadyPods {
                selector,
                ready,
                current,
            } => write!(
                f,
                "{selector} has {ready} Ready pods, fewer than the {current} the Service has now"
            ),
        }
    }
}

/// Ready pods behind the new and the current selector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Readiness {
    /// Ready pods the new selector matches: the endpoints the Service will have.
    pub target: usize,
    /// Ready pods the comparison baseline matches (normally the current selector).
    pub current: usize,
}

/// The deployment gates for the Deployments behind `target`: they exist, their controller has
/// seen the latest spec and, when `complete`, every desired replica is updated and available.
pub fn deployment_blockers(inventory: &Inventory, target: &Labels, complete: bool) -> Vec<Blocker> {
    let deployments = inventory.deployments_behind(target);
    if deployments.is_empty() {
        return vec![Blocker::NoDeployment {
            selector: format_selector(target),
        }];
    }
    deployments
        .into_iter()
        .filter_map(|d| rollout_blocker(d, complete))
        .collect()
}

/// Why one Deployment is not ready to take traffic, if it is not.
pub fn rollout_blocker(deployment: &DeploymentState, complete: bool) -> Option<Blocker> {
    if deployment.observed_generation < deployment.generation {
        return Some(Blocker::NotObserved {
            deployment: deployment.name.clone(),
            generation: deployment.generation,
            observed: deployment.observed_generation,
        });
    }
    (complete && !deployment.rolled_out()).then(|| Blocker::NotRolledOut {
        deployment: deployment.name.clone(),
        desired: deployment.desired(),
        updated: deployment.updated,
        available: deployment.available,
    })
}

/// The ready-pod gates: `target` matches at least one Ready pod and, unless `force`, no fewer
/// than `baseline`.
pub fn pod_blockers(
    inventory: &Inventory,
    target: &Labels,
    baseline: &Labels,
    force: bool,
) -> (Readiness, Vec<Blocker>) {
    let readiness = Readiness {
        target: inventory.ready_pods(target),
        current: inventory.ready_pods(baseline),
    };
    let mut blockers = Vec::new();
    if readiness.target == 0 {
        blockers.push(Blocker::NoReadyPods {
            selector: format_selector(target),
        });
    } else if !force && readiness.target < readiness.current {
        blockers.push(Blocker::FewerReadyPods {
            selector: format_selector(target),
            ready: readiness.target,
            current: readiness.current,
        });
    }
    (readiness, blockers)
}

/// Every gate of a switch from `baseline` to `target`.
pub fn check(
    inventory: &Inventory,
    target: &Labels,
    baseline: &Labels,
    force: bool,
) -> (Readiness, Vec<Blocker>) {
    let mut blockers = deployment_blockers(inventory, target, true);
    let (readiness, pods) = pod_blockers(inventory, target, baseline, force);
    blockers.extend(pods);
    (readiness, blockers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::model::tests::{blue_green, labels, pods};

    fn green() -> Labels {
        labels(&[("app", "web"), ("color", "green")])
    }

    fn blue() -> Labels {
        labels(&[("app", "web"), ("color", "blue")])
    }

    #[test]
    fn a_ready_colour_passes() {
        let (readiness, blockers) = check(&blue_green(), &green(), &blue(), false);
        assert_eq!(blockers, []);
        assert_eq!(
            readiness,
            Readiness {
                target: 3,
                current: 3
            }
        );
    }

    #[test]
    fn missing_colour_is_blocked() {
        let target = labels(&[("app", "web"), ("color", "red")]);
        let (_, blockers) = check(&blue_green(), &target, &blue(), false);
        assert_eq!(
            blockers[0].to_string(),
            "no Deployment makes pods with labels app=web,color=red"
        );
        assert_eq!(
            blockers[1].to_string(),
            "no Ready pod has labels app=web,color=red"
        );
    }

    #[test]
    fn crash_looping_colour_is_blocked_twice() {
        let mut inv = blue_green();
        inv.deployments[1].available = 0;
        inv.pods.retain(|p| !p.name.starts_with("web-green"));
        inv.pods.extend(pods("green", 3, 0));
        let (readiness, blockers) = check(&inv, &green(), &blue(), false);
        assert_eq!(readiness.target, 0);
        let text: Vec<String> = blockers.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "deployment web-green has 0 of 3 replicas available (3 updated)",
                "no Ready pod has labels app=web,color=green"
            ]
        );
    }

    #[test]
    fn unobserved_spec_is_blocked_even_when_pods_are_ready() {
        let mut inv = blue_green();
        inv.deployments[1].generation = 3;
        let (_, blockers) = check(&inv, &green(), &blue(), false);
        assert_eq!(
            blockers,
            [Blocker::NotObserved {
                deployment: "web-green".into(),
                generation: 3,
                observed: 2
            }]
        );
    }

    #[test]
    fn fewer_ready_pods_is_blocked_unless_forced() {
        let mut inv = blue_green();
        inv.deployments[1] = crate::release::model::tests::deployment("green", 2);
        inv.pods.retain(|p| p.name != "web-green-2");
        let (_, blockers) = check(&inv, &green(), &blue(), false);
        assert_eq!(
            blockers.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["app=web,color=green has 2 Ready pods, fewer than the 3 the Service has now"]
        );
        let (_, forced) = check(&inv, &green(), &blue(), true);
        assert_eq!(forced, []);
    }

    #[test]
    fn force_never_allows_a_blackout() {
        let mut inv = blue_green();
        inv.pods.retain(|p| !p.name.starts_with("web-green"));
        inv.deployments[1] = crate::release::model::tests::deployment("green", 0);
        let (_, blockers) = check(&inv, &green(), &blue(), true);
        assert!(matches!(blockers[..], [Blocker::NoReadyPods { .. }]));
    }

    #[test]
    fn incomplete_rollouts_pass_when_completeness_is_not_asked() {
        let mut inv = blue_green();
        inv.deployments[1].available = 1;
        assert_eq!(deployment_blockers(&inv, &green(), false), []);
        assert_eq!(deployment_blockers(&inv, &green(), true).len(), 1);
    }
}
