//! Canary by replica ratio: how many pods of each colour give a requested traffic weight.
//!
//! Without a traffic router a Service spreads requests evenly over its ready endpoints, so the
//! canary's share of traffic is its share of pods. [`weighted_counts`] is Argo Rollouts'
//! `approximateWeightedCanaryStableReplicaCounts` (utils/replicaset/canary.go), so a weight
//! means the same split here as in a Rollout; [`Split`] adds what the user is shown.

use std::fmt;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

/// The canary and stable replica counts that best approximate `weight` percent of
/// `replicas`, possibly using one surge pod (total `replicas + 1`) when `max_surge > 0`.
///
/// Argo's rules: with a weight of 1–99 and two or more pods, neither side gets 0; of the
/// candidates (ceil and floor of `replicas × weight / 100`, over `replicas` and, with surge,
/// `replicas + 1`) the one closest to the weight wins, the earlier on a tie, and an exact
/// half prefers the larger canary. Argo computes in float64; here the same comparisons are
/// exact integer arithmetic (they agree for every input up to 100 replicas).
///
/// One deliberate difference: when the product is exactly half a pod short of `replicas`
/// and there is no surge (2 replicas at 75%, 10 at 95%), every candidate is excluded and
/// Argo falls back to no canary at all; here the floor is kept (1 of 2, 9 of 10), the
/// nearest split that leaves both colours running.
pub fn weighted_counts(replicas: i32, weight: u8, max_surge: i32) -> (i32, i32) {
    if replicas <= 0 {
        return (0, 0);
    }
    let replicas = i64::from(replicas);
    let weight = i64::from(weight.min(100));
    let product = replicas * weight; // in hundredths of a pod
    let ceil = (product + 99) / 100;
    let floor = product / 100;
    let tied = |total: i64| (total * weight) % 100 == 50;
    let zero_allowed = weight == 100 || weight == 0 || (replicas == 1 && max_surge == 0);

    // (canary, total) candidates in Argo's order.
    let mut options: Vec<(i64, i64)> = Vec::with_capacity(4);
    if ceil < replicas || zero_allowed {
        options.push((ceil, replicas));
    }
    if !tied(replicas) && (floor != 0 || zero_allowed) {
        options.push((floor, replicas));
    }
    if max_surge > 0 {
        options.push((ceil, replicas + 1));
        if !tied(replicas + 1) && (floor != 0 || zero_allowed) {
            options.push((floor, replicas + 1));
        }
    }
    // |canary × 100 / total − weight| as the fraction (numerator, total).
    let delta = |(canary, total): (i64, i64)| ((canary * 100 - weight * total).abs(), total);
    let closer = |a: (i64, i64), b: (i64, i64)| {
        let ((na, ta), (nb, tb)) = (delta(a), delta(b));
        na * tb < nb * ta
    };
    let best = options
        .iter()
        .copied()
        .reduce(|best, option| if closer(option, best) { option } else { best })
        .unwrap_or((floor, replicas));
    (best.0 as i32, (best.1 - best.0) as i32)
}

/// A Deployment's `maxSurge` as a pod count for `replicas` (the default 25% when unset),
/// rounded up as the Deployment controller does. A canary is a kind of rollout, so the surge
/// its owner allows for rollouts is the surge the split may use.
pub fn resolve_max_surge(max_surge: Option<&IntOrString>, replicas: i32) -> i32 {
    let percent = |p: i64| ((p * i64::from(replicas.max(0)) + 99) / 100) as i32;
    match max_surge {
        None => percent(25),
        Some(IntOrString::Int(n)) => (*n).max(0),
        Some(IntOrString::String(s)) => s
            .strip_suffix('%')
            .and_then(|p| p.parse::<i64>().ok())
            .map_or(0, |p| percent(p.max(0))),
    }
}

/// A replica split for a requested weight, and the weight it actually gives.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Split {
    /// The stable colour's replica count before the canary (Argo's `spec.replicas`).
    pub replicas: i32,
    /// The requested weight in percent.
    pub requested: u8,
    /// Extra pods allowed (the stable Deployment's maxSurge).
    pub max_surge: i32,
    /// Canary pods.
    pub canary: i32,
    /// Stable pods.
    pub stable: i32,
    /// The canary's share of pods in percent: the weight actually achievable.
    pub achieved: f64,
}

impl Split {
    /// Splits `replicas` for `weight` percent.
    pub fn new(replicas: i32, weight: u8, max_surge: i32) -> Split {
        let (canary, stable) = weighted_counts(replicas, weight, max_surge);
        let total = canary + stable;
        let achieved = if total == 0 {
            0.0
        } else {
            f64::from(canary) * 100.0 / f64::from(total)
        };
        Split {
            replicas,
            requested: weight,
            max_surge,
            canary,
            stable,
            achieved,
        }
    }

    /// Whether the split runs one pod more than before the canary.
    pub fn surges(&self) -> bool {
        self.canary + self.stable > self.replicas
    }

    /// Whether the achieved weight is the requested one.
    pub fn exact(&self) -> bool {
        (self.achieved - f64::from(self.requested)).abs() < 1e-9
    }
}

/// A percentage with at most one decimal: `25%`, `33.3%`.
pub fn format_percent(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}%")
    } else {
        format!("{rounded:.1}%")
    }
}

impl fmt::Display for Split {
    /// `25% (1 of 4 pods)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} of {} pods)",
            format_percent(self.achieved),
            self.canary,
            self.canary + self.stable
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (replicas, weight, maxSurge) and the expected (canary, stable).
    type Vector = ((i32, u8, i32), (i32, i32));

    /// Argo Rollouts' `TestApproximateWeightedNewStableReplicaCounts`
    /// (research/promote_and_limits.md, A1.8).
    const ARGO_VECTORS: &[Vector] = &[
        ((1, 49, 0), (0, 1)),
        ((1, 50, 0), (1, 0)),
        ((1, 1, 1), (1, 1)),
        ((2, 1, 0), (1, 1)),
        ((2, 99, 1), (2, 1)),
        ((3, 10, 0), (1, 2)),
        ((3, 50, 0), (2, 1)),
        ((3, 10, 1), (1, 3)),
        ((3, 49, 1), (2, 2)),
        ((10, 14, 0), (1, 9)),
        ((10, 15, 0), (2, 8)),
        ((10, 99, 0), (9, 1)),
        ((10, 1, 1), (1, 10)),
        ((10, 24, 1), (3, 8)),
        ((10, 100, 1), (10, 0)),
    ];

    #[test]
    fn argo_published_vectors() {
        for &((replicas, weight, surge), expected) in ARGO_VECTORS {
            assert_eq!(
                weighted_counts(replicas, weight, surge),
                expected,
                "replicas {replicas}, weight {weight}, surge {surge}"
            );
        }
    }

    #[test]
    fn edges() {
        assert_eq!(weighted_counts(0, 50, 1), (0, 0));
        assert_eq!(weighted_counts(-3, 50, 1), (0, 0));
        assert_eq!(weighted_counts(10, 0, 1), (0, 10));
        assert_eq!(weighted_counts(10, 100, 0), (10, 0));
        assert_eq!(weighted_counts(1, 100, 0), (1, 0));
        assert_eq!(weighted_counts(1, 0, 0), (0, 1));
    }

    #[test]
    fn weights_one_to_ninety_nine_never_starve_a_side() {
        for replicas in 2..=12 {
            for weight in 1..=99u8 {
                for surge in [0, 1] {
                    let (canary, stable) = weighted_counts(replicas, weight, surge);
                    assert!(canary >= 1 && stable >= 1, "{replicas} {weight} {surge}");
                    assert!(canary + stable <= replicas + surge.min(1));
                }
            }
        }
    }

    #[test]
    fn half_a_pod_short_without_surge_keeps_both_colours() {
        // Argo returns (0, replicas) here: no canary for a 75% request.
        assert_eq!(weighted_counts(2, 75, 0), (1, 1));
        assert_eq!(weighted_counts(10, 95, 0), (9, 1));
        assert_eq!(
            weighted_counts(2, 75, 1),
            (2, 1),
            "with surge Argo has candidates"
        );
    }

    #[test]
    fn max_surge_resolves_like_the_deployment_controller() {
        assert_eq!(resolve_max_surge(None, 10), 3, "25% of 10, rounded up");
        assert_eq!(resolve_max_surge(None, 1), 1);
        assert_eq!(resolve_max_surge(None, 0), 0);
        assert_eq!(resolve_max_surge(Some(&IntOrString::Int(0)), 10), 0);
        assert_eq!(resolve_max_surge(Some(&IntOrString::Int(2)), 10), 2);
        assert_eq!(
            resolve_max_surge(Some(&IntOrString::String("50%".into())), 3),
            2
        );
        assert_eq!(
            resolve_max_surge(Some(&IntOrString::String("bogus".into())), 3),
            0
        );
    }

    #[test]
    fn split_reports_the_achievable_weight() {
        let split = Split::new(3, 10, 1);
        assert_eq!((split.canary, split.stable), (1, 3));
        assert!(split.surges());
        assert!(!split.exact());
        assert_eq!(split.to_string(), "25% (1 of 4 pods)");
        let exact = Split::new(10, 10, 0);
        assert!(exact.exact() && !exact.surges());
        assert_eq!(Split::new(3, 50, 0).to_string(), "66.7% (2 of 3 pods)");
        assert_eq!(Split::new(0, 50, 0).achieved, 0.0);
    }
}
