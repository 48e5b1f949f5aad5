//! The environment's quota from the suggestions: what a ResourceQuota (`[quota]` in
//! qaenv.toml) and a LimitRange (`[limit_range]`) should say so that six environments fit.
//!
//! A pod counts `max(sum of its containers and sidecars, largest init container)`, as the
//! scheduler and quota admission count it, times the most pods its workload runs at once
//! (replicas plus rolling-update surge; a quota without room for the surge blocks every
//! rollout, including the one `--apply` starts). Containers without a suggestion count at
//! their current values, and the result says which. A `limits.*` key is left out when some
//! container has no such limit, because such a quota would refuse those pods.

use std::collections::BTreeMap;

use k8s_quantity::{format_bytes, Quantity};
use serde::Serialize;

use super::report::Row;
use super::stats::ceil_units;
use super::workload::{Resources, Role, Workload, WorkloadId};

const MIB: i128 = 1 << 20;

/// A ResourceQuota's `hard` and a LimitRange's container defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaSuggestion {
    /// `requests.cpu`, `requests.memory`, `limits.cpu`, `limits.memory`.
    pub hard: BTreeMap<String, String>,
    /// LimitRange `default` (limits for containers that set none): the largest suggestion.
    pub default: BTreeMap<String, String>,
    /// LimitRange `defaultRequest`: the largest suggested request.
    pub default_request: BTreeMap<String, String>,
    /// Containers counted at their current values for lack of a suggestion.
    pub at_current_values: Vec<String>,
}

/// One of the four quota resources.
struct Key {
    quota: &'static str,
    resource: &'static str,
    get: fn(&Resources) -> Option<i128>,
    is_limit: bool,
}

const KEYS: [Key; 4] = [
    Key {
        quota: "requests.cpu",
        resource: "cpu",
        get: |r| r.cpu_request,
        is_limit: false,
    },
    Key {
        quota: "requests.memory",
        resource: "memory",
        get: |r| r.memory_request,
        is_limit: false,
    },
    Key {
        quota: "limits.cpu",
        resource: "cpu",
        get: |r| r.cpu_limit,
        is_limit: true,
    },
    Key {
        quota: "limits.memory",
        resource: "memory",
        get: |r| r.memory_limit,
        is_limit: true,
    },
];

/// The quota and limit-range suggestion for the workloads' rows.
pub fn suggest(workloads: &BTreeMap<WorkloadId, Workload>, rows: &[Row]) -> QuotaSuggestion {
    let mut out = QuotaSuggestion::default();
    let values: Vec<(&Row, Resources)> = rows
        .iter()
        .map(|row| (row, row.suggested().copied().unwrap_or(row.current)))
        .collect();
    out.at_current_values = rows
        .iter()
        .filter(|r| r.suggested().is_none() && r.current != Resources::default())
        .map(|r| format!("{} {}", r.workload, r.container))
        .collect();
    for key in &KEYS {
        let mut total = 0i128;
        let mut complete = true;
        for workload in workloads.values() {
            let mut running = 0i128;
            let mut init = 0i128;
            for (row, resources) in values.iter().filter(|(r, _)| r.workload == workload.id) {
                let value = (key.get)(resources);
                if row.role == Role::Init {
                    init = init.max(value.unwrap_or(0));
                } else {
                    complete &= value.is_some();
                    running += value.unwrap_or(0);
                }
            }
            total += running.max(init) * i128::from(workload.peak_pods);
        }
        let largest = rows
            .iter()
            .filter_map(|r| r.suggested().and_then(key.get))
            .max();
        if let Some(largest) = largest {
            let defaults = if key.is_limit {
                &mut out.default
            } else {
                &mut out.default_request
            };
            defaults.insert(key.resource.to_string(), format(key.resource, largest));
        }
        if total > 0 && (complete || !key.is_limit) {
            out.hard
                .insert(key.quota.to_string(), format(key.resource, total));
        }
    }
    out
}

/// CPU rounded up to millicores, memory up to MiB, in canonical quantity form.
fn format(resource: &str, value: i128) -> String {
    if resource == "cpu" {
        Quantity::from_millis(ceil_units((value, 1), 1_000_000)).canonical()
    } else {
        format_bytes(ceil_units((value, 1), MIB) * MIB)
    }
}

/// The TOML snippet for qaenv.toml: `[quota]` with ResourceQuota `hard` keys, `[limit_range]`
/// with `default` and `default_request` tables per resource.
pub fn to_toml(quota: &QuotaSuggestion) -> String {
    let inline = |map: &BTreeMap<String, String>| {
        let pairs: Vec<String> = map.iter().map(|(k, v)| format!("{k} = \"{v}\"")).collect();
        format!("{{ {} }}", pairs.join(", "))
    };
    let mut out = String::from("[quota]\n");
    for (key, value) in &quota.hard {
        out.push_str(&format!("\"{key}\" = \"{value}\"\n"));
    }
    if !quota.default.is_empty() || !quota.default_request.is_empty() {
        out.push_str("\n[limit_range]\n");
        if !quota.default.is_empty() {
            out.push_str(&format!("default = {}\n", inline(&quota.default)));
        }
        if !quota.default_request.is_empty() {
            out.push_str(&format!(
                "default_request = {}\n",
                inline(&quota.default_request)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::report::Verdict;
    use crate::limits::severity::Severity;
    use crate::limits::workload::ContainerSpec;
    use std::collections::BTreeSet;

    fn workload(name: &str, peak_pods: u32, containers: &[(&str, Role)]) -> Workload {
        Workload {
            id: WorkloadId {
                kind: "Deployment".into(),
                name: name.into(),
            },
            labels: BTreeMap::new(),
            containers: containers
                .iter()
                .enumerate()
                .map(|(index, (name, role))| ContainerSpec {
                    name: name.to_string(),
                    role: *role,
                    index,
                    current: Resources::default(),
                    resources: None,
                })
                .collect(),
            peak_pods,
            pod_spec_path: None,
            pods: BTreeSet::new(),
            oom_killed: BTreeSet::new(),
        }
    }

    fn row(w: &Workload, container: &str, role: Role, verdict: Verdict, current: Resources) -> Row {
        Row {
            workload: w.id.clone(),
            container: container.into(),
            role,
            pods: 1,
            samples: 20,
            current,
            verdict,
            oom_killed: false,
            observed: None,
            vpa: None,
        }
    }

    fn suggested(cpu_m: i128, memory_mi: i128) -> Verdict {
        Verdict::Suggested {
            resources: Resources {
                cpu_request: Some(cpu_m * 1_000_000),
                cpu_limit: None,
                memory_request: Some(memory_mi * MIB),
                memory_limit: Some(memory_mi * MIB),
            },
            severity: Severity::Good,
        }
    }

    #[test]
    fn sums_pods_with_surge_and_leaves_out_incomplete_limits() {
        let web = workload(
            "web",
            3,
            &[("app", Role::Container), ("migrate", Role::Init)],
        );
        let api = workload("api", 1, &[("api", Role::Container)]);
        let rows = [
            row(
                &web,
                "app",
                Role::Container,
                suggested(24, 230),
                Resources::default(),
            ),
            row(
                &web,
                "migrate",
                Role::Init,
                Verdict::NoData,
                Resources {
                    memory_request: Some(512 * MIB),
                    ..Resources::default()
                },
            ),
            row(
                &api,
                "api",
                Role::Container,
                suggested(1000, 100),
                Resources::default(),
            ),
        ];
        let workloads: BTreeMap<WorkloadId, Workload> =
            [web, api].into_iter().map(|w| (w.id.clone(), w)).collect();
        let quota = suggest(&workloads, &rows);
        let hard: Vec<(&str, &str)> = quota
            .hard
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // cpu: 3 x 24m + 1; memory: 3 x max(230Mi, 512Mi init) + 100Mi; limits.memory: the
        // init container has no limit, which does not matter for running containers.
        assert_eq!(
            hard,
            [
                ("limits.memory", "790Mi"),
                ("requests.cpu", "1072m"),
                ("requests.memory", "1636Mi"),
            ]
        );
        assert_eq!(quota.at_current_values, ["deployment/web migrate"]);
        assert_eq!(
            to_toml(&quota),
            "[quota]\n\"limits.memory\" = \"790Mi\"\n\"requests.cpu\" = \"1072m\"\n\
             \"requests.memory\" = \"1636Mi\"\n\n[limit_range]\n\
             default = { memory = \"230Mi\" }\n\
             default_request = { cpu = \"1\", memory = \"230Mi\" }\n"
        );
    }

    #[test]
    fn nothing_known_gives_an_empty_quota() {
        let quota = suggest(&BTreeMap::new(), &[]);
        assert_eq!(quota, QuotaSuggestion::default());
        assert_eq!(to_toml(&quota), "[quota]\n");
    }
}
