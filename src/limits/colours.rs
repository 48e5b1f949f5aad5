//! Blue/green Deployments side by side: the same sampling loop measures both colours, so the
//! report can say how green differs from blue (CPU p95 and memory peak per container) before
//! anyone promotes it.
//!
//! A workload has a colour when a pod-template label has the value `blue` or `green` (the
//! label key is whatever the team uses: `slot`, `color`, `version`). Two workloads of the
//! same kind form a pair when they differ only in colour: the name without the colour word
//! (`web-blue`/`web-green`), or, when the names do not mention it, the other template labels.

use std::collections::BTreeMap;

use super::report::Row;
use super::workload::{Workload, WorkloadId};

const COLOURS: [&str; 2] = ["blue", "green"];

/// One container compared across colours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColourDiff {
    /// What both colours are (`deployment/web`).
    pub base: String,
    pub container: String,
    pub blue: WorkloadId,
    pub green: WorkloadId,
    /// CPU p95 (nanocores) and memory peak (bytes) of blue, then of green.
    pub blue_usage: (i128, i128),
    pub green_usage: (i128, i128),
}

/// The colour of a workload and the label carrying it.
fn colour_of(workload: &Workload) -> Option<(&'static str, &str)> {
    workload.labels.iter().find_map(|(key, value)| {
        COLOURS
            .iter()
            .find(|c| value.eq_ignore_ascii_case(c))
            .map(|c| (*c, key.as_str()))
    })
}

/// What a coloured workload is apart from its colour.
fn base_of(workload: &Workload, colour: &str, key: &str) -> String {
    let words: Vec<&str> = workload.id.name.split('-').collect();
    let kind = workload.id.kind.to_lowercase();
    if words.iter().any(|w| w.eq_ignore_ascii_case(colour)) {
        let rest: Vec<&str> = words
            .into_iter()
            .filter(|w| !w.eq_ignore_ascii_case(colour))
            .collect();
        return format!("{kind}/{}", rest.join("-"));
    }
    let others: Vec<String> = workload
        .labels
        .iter()
        .filter(|(k, _)| k.as_str() != key)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("{kind}/{{{}}}", others.join(","))
}

/// Pairs blue and green workloads and compares their common containers.
pub fn compare(workloads: &BTreeMap<WorkloadId, Workload>, rows: &[Row]) -> Vec<ColourDiff> {
    let mut pairs: BTreeMap<String, [Option<&WorkloadId>; 2]> = BTreeMap::new();
    for workload in workloads.values() {
        let Some((colour, key)) = colour_of(workload) else {
            continue;
        };
        let slot = usize::from(colour == "green");
        pairs.entry(base_of(workload, colour, key)).or_default()[slot] = Some(&workload.id);
    }
    let usage = |id: &WorkloadId, container: &str| {
        rows.iter()
            .find(|r| &r.workload == id && r.container == container)
            .and_then(|r| r.observed.as_ref())
            .map(|o| (o.cpu_p95, o.memory_max))
    };
    let mut out = Vec::new();
    for (base, pair) in pairs {
        let [Some(blue), Some(green)] = pair else {
            continue;
        };
        let containers: Vec<&str> = workloads
            .get(blue)
            .map(|w| w.containers.iter().map(|c| c.name.as_str()).collect())
            .unwrap_or_default();
        for container in containers {
            if let (Some(blue_usage), Some(green_usage)) =
                (usage(blue, container), usage(green, container))
            {
                out.push(ColourDiff {
                    base: base.clone(),
                    container: container.to_string(),
                    blue: blue.clone(),
                    green: green.clone(),
                    blue_usage,
                    green_usage,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::report::Observed;
    use crate::limits::workload::{Resources, Role};
    use std::collections::BTreeSet;

    fn workload(name: &str, labels: &[(&str, &str)]) -> Workload {
        Workload {
            id: WorkloadId {
                kind: "Deployment".into(),
                name: name.into(),
            },
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            containers: vec![crate::limits::workload::ContainerSpec {
                name: "app".into(),
                role: Role::Container,
                index: 0,
                current: Resources::default(),
                resources: None,
            }],
            peak_pods: 1,
            pod_spec_path: None,
            pods: BTreeSet::new(),
            oom_killed: BTreeSet::new(),
        }
    }

    fn row(w: &Workload, cpu_p95: i128, memory_max: i128) -> Row {
        Row {
            workload: w.id.clone(),
            container: "app".into(),
            role: Role::Container,
            pods: 1,
            samples: 10,
            current: Resources::default(),
            verdict: crate::limits::report::Verdict::NoData,
            oom_killed: false,
            observed: Some(Observed {
                cpu_p95,
                cpu_max: cpu_p95,
                memory_max,
                cpu_sparkline: String::new(),
                memory_sparkline: String::new(),
            }),
            vpa: None,
        }
    }

    fn by_id(list: Vec<Workload>) -> BTreeMap<WorkloadId, Workload> {
        list.into_iter().map(|w| (w.id.clone(), w)).collect()
    }

    #[test]
    fn named_colours_pair_up() {
        let blue = workload("web-blue", &[("app", "web"), ("slot", "blue")]);
        let green = workload("web-green", &[("app", "web"), ("slot", "green")]);
        let other = workload("api", &[("app", "api")]);
        let rows = [
            row(&blue, 100, 200),
            row(&green, 138, 320),
            row(&other, 1, 1),
        ];
        let diffs = compare(&by_id(vec![blue, green, other]), &rows);
        assert_eq!(diffs.len(), 1);
        let d = &diffs[0];
        assert_eq!(d.base, "deployment/web");
        assert_eq!(
            (d.blue.name.as_str(), d.green.name.as_str()),
            ("web-blue", "web-green")
        );
        assert_eq!((d.blue_usage, d.green_usage), ((100, 200), (138, 320)));
    }

    #[test]
    fn unnamed_colours_pair_by_their_other_labels() {
        let a = workload("web-v1", &[("app", "web"), ("color", "Blue")]);
        let b = workload("web-v2", &[("app", "web"), ("color", "green")]);
        let lone = workload("db-blue", &[("app", "db"), ("color", "blue")]);
        let rows = [row(&a, 1, 1), row(&b, 2, 2), row(&lone, 3, 3)];
        let diffs = compare(&by_id(vec![a, b, lone]), &rows);
        assert_eq!(diffs.len(), 1);
        assert_eq!(diffs[0].base, "deployment/{app=web}");
    }
}
