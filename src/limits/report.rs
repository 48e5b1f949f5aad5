//! From samples and workloads to one row per workload and container: what was observed, what
//! the chosen strategy suggests, and how far that is from today's values.
//!
//! A suggestion needs at least `min_samples` samples (summed over the workload's pods, like
//! krr's `points_required`); below that the row says "insufficient data" with the count and
//! carries no number at all.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::krr::{self, KrrSettings};
use super::sample::{Samples, Usage};
use super::severity::{self, Severity};
use super::stats::{ceil_units, percentile_r7, Percent};
use super::vpa::{self, ContainerObservations, OomKill};
use super::workload::{ContainerSpec, Resources, Role, Workload, WorkloadId};

/// The recommendation algorithm (`--strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// krr's `simple` strategy with its knobs.
    Krr(KrrSettings),
    /// The VPA recommender's target, bounds scaled by confidence.
    Vpa,
}

impl Strategy {
    /// `krr` or `vpa`.
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Krr(_) => "krr",
            Strategy::Vpa => "vpa",
        }
    }
}

/// How suggestions are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    pub strategy: Strategy,
    /// Fewer samples than this (over all pods of a workload) give "insufficient data".
    pub min_samples: usize,
}

/// The outcome for one container.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// A suggestion and its distance from today's values.
    Suggested {
        resources: Resources,
        severity: Severity,
    },
    /// Some samples, fewer than needed.
    Insufficient { needed: usize },
    /// No sample at all (an init container, or pods that never ran while sampled).
    NoData,
}

/// VPA's bounds for a container (requests only) and the confidence they were scaled by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VpaBounds {
    pub lower: Resources,
    pub upper: Resources,
    pub confidence: f64,
}

/// What was measured, whatever the strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    /// The largest per-pod 95th percentile of CPU, nanocores rounded up.
    pub cpu_p95: i128,
    /// The largest CPU sample, nanocores.
    pub cpu_max: i128,
    /// The largest working set, bytes.
    pub memory_max: i128,
    /// CPU over the sampling window, max over pods per time slot.
    pub cpu_sparkline: String,
    /// Memory over the sampling window.
    pub memory_sparkline: String,
}

/// One workload container.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub workload: WorkloadId,
    pub container: String,
    pub role: Role,
    /// Pods that contributed samples.
    pub pods: usize,
    /// Distinct samples over all pods.
    pub samples: usize,
    pub current: Resources,
    pub verdict: Verdict,
    /// Its last termination in some pod was an OOM kill (the memory suggestion is bumped).
    pub oom_killed: bool,
    pub observed: Option<Observed>,
    /// Only with `--strategy vpa`.
    pub vpa: Option<VpaBounds>,
}

impl Row {
    /// The suggested resources, if there is a suggestion.
    pub fn suggested(&self) -> Option<&Resources> {
        match &self.verdict {
            Verdict::Suggested { resources, .. } => Some(resources),
            _ => None,
        }
    }
}

/// Width of the usage sparklines in `-o wide`.
pub const SPARKLINE_WIDTH: usize = 12;

/// One pod's samples of one container, in time order.
type PodSeries = Vec<(Timestamp, Usage)>;

/// A row per container of every workload, in workload order.
pub fn rows(
    workloads: &BTreeMap<WorkloadId, Workload>,
    samples: &Samples,
    settings: &Settings,
) -> Vec<Row> {
    let mut by_pod: BTreeMap<(&str, &str), PodSeries> = BTreeMap::new();
    for (pod, container, points) in samples.series() {
        by_pod.insert(
            (pod, container),
            points.iter().map(|(t, u)| (*t, *u)).collect(),
        );
    }
    let mut out = Vec::new();
    for workload in workloads.values() {
        let running = workload
            .containers
            .iter()
            .filter(|c| c.role != Role::Init)
            .count();
        for spec in &workload.containers {
            let series: Vec<&PodSeries> = workload
                .pods
                .iter()
                .filter_map(|pod| by_pod.get(&(pod.as_str(), spec.name.as_str())))
                .filter(|s| !s.is_empty())
                .collect();
            out.push(row(workload, spec, &series, running, settings));
        }
    }
    out
}

/// The row of one container from its pods' series.
fn row(
    workload: &Workload,
    spec: &ContainerSpec,
    series: &[&PodSeries],
    running_containers: usize,
    settings: &Settings,
) -> Row {
    let samples: usize = series.iter().map(|s| s.len()).sum();
    let oom_killed = workload.oom_killed.contains(&spec.name);
    let observed = observe(series);
    let mut vpa_bounds = None;
    let verdict = if samples == 0 {
        Verdict::NoData
    } else if samples < settings.min_samples {
        Verdict::Insufficient {
            needed: settings.min_samples,
        }
    } else {
        let suggested = match settings.strategy {
            Strategy::Krr(krr_settings) => suggest_krr(spec, series, oom_killed, &krr_settings),
            Strategy::Vpa => {
                let (suggested, bounds) = suggest_vpa(spec, series, oom_killed, running_containers);
                vpa_bounds = bounds;
                suggested
            }
        };
        match suggested {
            Some(resources) => Verdict::Suggested {
                resources,
                severity: severity::of(&spec.current, &resources),
            },
            None => Verdict::NoData,
        }
    };
    Row {
        workload: workload.id.clone(),
        container: spec.name.clone(),
        role: spec.role,
        pods: series.len(),
        samples,
        current: spec.current,
        verdict,
        oom_killed,
        observed,
        vpa: vpa_bounds,
    }
}

/// krr: CPU request from per-pod percentiles, memory from the overall peak; after an OOM kill
/// the memory limit at the kill (or, without a limit, the peak) gets krr's 25 % buffer.
fn suggest_krr(
    spec: &ContainerSpec,
    series: &[&PodSeries],
    oom_killed: bool,
    settings: &KrrSettings,
) -> Option<Resources> {
    let cpu: Vec<Vec<i128>> = series
        .iter()
        .map(|s| s.iter().map(|(_, u)| u.cpu_nanos).collect())
        .collect();
    let peak = memory_peak(series);
    let oom_limit = oom_killed.then(|| spec.current.memory_limit.unwrap_or(peak));
    let s = krr::suggest(&cpu, peak, oom_limit, settings)?;
    Some(Resources {
        cpu_request: Some(s.cpu_request_millis * 1_000_000),
        cpu_limit: s.cpu_limit_millis.map(|m| m * 1_000_000),
        memory_request: Some(s.memory_request_bytes),
        memory_limit: Some(s.memory_limit_bytes),
    })
}

/// VPA: the target as requests, limits kept proportional; also the bounds.
fn suggest_vpa(
    spec: &ContainerSpec,
    series: &[&PodSeries],
    oom_killed: bool,
    running_containers: usize,
) -> (Option<Resources>, Option<VpaBounds>) {
    let observations = ContainerObservations {
        pods: series
            .iter()
            .map(|s| {
                s.iter()
                    .map(|(t, u)| (*t, u.cpu_nanos, u.memory_bytes))
                    .collect()
            })
            .collect(),
        oom_kill: oom_killed.then_some(OomKill {
            memory_request: spec.current.memory_request,
        }),
    };
    let Some(estimate) = vpa::estimate(&observations, running_containers) else {
        return (None, None);
    };
    let cpu = i128::from(estimate.target.cpu_millis) * 1_000_000;
    let memory = i128::from(estimate.target.memory_bytes);
    let current = &spec.current;
    let cpu_limit_millis = vpa::proportional_limit(
        current.cpu_limit.map(to_millis),
        current.cpu_request.map(to_millis),
        i128::from(estimate.target.cpu_millis),
    );
    let suggested = Resources {
        cpu_request: Some(cpu),
        cpu_limit: cpu_limit_millis.map(|m| m * 1_000_000),
        memory_request: Some(memory),
        memory_limit: vpa::proportional_limit(current.memory_limit, current.memory_request, memory),
    };
    let requests = |a: vpa::Amounts| Resources {
        cpu_request: Some(i128::from(a.cpu_millis) * 1_000_000),
        memory_request: Some(i128::from(a.memory_bytes)),
        ..Resources::default()
    };
    let bounds = VpaBounds {
        lower: requests(estimate.lower_bound),
        upper: requests(estimate.upper_bound),
        confidence: estimate.confidence,
    };
    (Some(suggested), Some(bounds))
}

/// Go's `MilliValue()`: nanocores rounded up to millicores.
fn to_millis(nanos: i128) -> i128 {
    ceil_units((nanos, 1), 1_000_000)
}

fn memory_peak(series: &[&PodSeries]) -> i128 {
    series
        .iter()
        .flat_map(|s| s.iter().map(|(_, u)| u.memory_bytes))
        .max()
        .unwrap_or(0)
}

/// Percentile, maxima and sparklines of what was sampled; `None` without samples.
fn observe(series: &[&PodSeries]) -> Option<Observed> {
    let cpu_p95 = series
        .iter()
        .filter_map(|s| {
            let mut cpu: Vec<i128> = s.iter().map(|(_, u)| u.cpu_nanos).collect();
            cpu.sort_unstable();
            percentile_r7(&cpu, Percent::whole(95)).map(|v| ceil_units(v, 1))
        })
        .max()?;
    let all: Vec<(Timestamp, Usage)> = series.iter().flat_map(|s| s.iter().copied()).collect();
    let cpu: Vec<(Timestamp, i128)> = all.iter().map(|(t, u)| (*t, u.cpu_nanos)).collect();
    let memory: Vec<(Timestamp, i128)> = all.iter().map(|(t, u)| (*t, u.memory_bytes)).collect();
    Some(Observed {
        cpu_p95,
        cpu_max: cpu.iter().map(|(_, v)| *v).max().unwrap_or(0),
        memory_max: memory_peak(series),
        cpu_sparkline: sparkline(&cpu, SPARKLINE_WIDTH),
        memory_sparkline: sparkline(&memory, SPARKLINE_WIDTH),
    })
}

/// A sparkline of `width` time slots from the first to the last sample; each slot shows its
/// largest value, scaled from zero to the overall maximum; an empty slot is a space.
pub fn sparkline(points: &[(Timestamp, i128)], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let (Some(first), Some(last)) = (
        points.iter().map(|(t, _)| *t).min(),
        points.iter().map(|(t, _)| *t).max(),
    ) else {
        return String::new();
    };
    let span = last.duration_since(first).as_nanos().max(1);
    let width = width.max(1);
    let mut slots: Vec<Option<i128>> = vec![None; width];
    for (t, value) in points {
        let offset = t.duration_since(first).as_nanos();
        let slot = usize::try_from(offset * (width as i128 - 1) / span).unwrap_or(0);
        let cell = &mut slots[slot.min(width - 1)];
        *cell = Some(cell.map_or(*value, |v| v.max(*value)));
    }
    let max = slots.iter().flatten().copied().max().unwrap_or(0).max(1);
    slots
        .iter()
        .map(|slot| match slot {
            None => ' ',
            Some(v) => {
                let level = (v.max(&0) * (BARS.len() as i128 - 1) + max / 2) / max;
                BARS[usize::try_from(level).unwrap_or(0).min(BARS.len() - 1)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::sample::PodMetricsList;
    use crate::limits::workload::{inventory, tests::objects};
    use serde_json::json;

    const MIB: i128 = 1 << 20;

    /// Scrapes of `web-abc-1`/`web-abc-2` (container `app`) and `db-0` (container `db`).
    fn sampled(scrapes: usize) -> Samples {
        let mut samples = Samples::default();
        for n in 0..scrapes {
            let at = format!("2024-11-30T13:{:02}:{:02}Z", n / 4, (n % 4) * 15);
            let cpu = ["20m", "24m"][n % 2];
            let list: PodMetricsList = serde_json::from_value(json!({"items": [
                {"metadata": {"name": "web-abc-1"}, "timestamp": at, "window": "15s",
                 "containers": [{"name": "app", "usage": {"cpu": cpu, "memory": "200Mi"}},
                                {"name": "proxy", "usage": {"cpu": "1m", "memory": "20Mi"}}]},
                {"metadata": {"name": "web-abc-2"}, "timestamp": at, "window": "15s",
                 "containers": [{"name": "app", "usage": {"cpu": "10m", "memory": "150Mi"}},
                                {"name": "proxy", "usage": {"cpu": "1m", "memory": "20Mi"}}]},
                {"metadata": {"name": "db-0"}, "timestamp": at, "window": "15s",
                 "containers": [{"name": "db", "usage": {"cpu": "500m", "memory": "512Mi"}}]}
            ]}))
            .unwrap_or_default();
            samples.ingest(&list);
        }
        samples
    }

    fn find<'a>(rows: &'a [Row], workload: &str, container: &str) -> &'a Row {
        rows.iter()
            .find(|r| r.workload.to_string() == workload && r.container == container)
            .unwrap_or_else(|| panic!("no row {workload} {container}"))
    }

    fn krr() -> Settings {
        Settings {
            strategy: Strategy::Krr(KrrSettings::default()),
            min_samples: 10,
        }
    }

    #[test]
    fn krr_rows_carry_exact_suggestions() {
        let rows = rows(&inventory(&objects()), &sampled(20), &krr());
        let app = find(&rows, "deployment/web", "app");
        assert_eq!((app.pods, app.samples), (2, 40));
        assert!(app.oom_killed);
        let Verdict::Suggested {
            resources,
            severity,
        } = app.verdict
        else {
            panic!("{:?}", app.verdict);
        };
        assert_eq!(resources.cpu_request, Some(24_000_000));
        assert_eq!(resources.cpu_limit, None);
        // OOM-killed with a 1Gi limit: max(200Mi x 1.15, 1Gi x 1.25) = 1280Mi.
        assert_eq!(resources.memory_request, Some(1280 * MIB));
        assert_eq!(severity, Severity::Warning);
        let db = find(&rows, "statefulset/db", "db");
        let db_suggested = db.suggested().copied().unwrap_or_default();
        assert_eq!(db_suggested.cpu_request, Some(500_000_000));
        assert_eq!(db_suggested.memory_limit, Some(589 * MIB));
        assert_eq!(
            db.observed
                .as_ref()
                .map(|o| o.cpu_sparkline.chars().count()),
            Some(SPARKLINE_WIDTH)
        );
    }

    #[test]
    fn init_containers_have_no_data_and_sidecars_their_own_row() {
        let rows = rows(&inventory(&objects()), &sampled(20), &krr());
        assert_eq!(
            find(&rows, "deployment/web", "migrate").verdict,
            Verdict::NoData
        );
        let proxy = find(&rows, "deployment/web", "proxy");
        assert_eq!(proxy.role, Role::Sidecar);
        assert_eq!(
            proxy.suggested().and_then(|r| r.cpu_request),
            Some(10_000_000),
            "1m is floored at 10m"
        );
    }

    #[test]
    fn too_few_samples_give_no_number() {
        let rows = rows(&inventory(&objects()), &sampled(4), &krr());
        let db = find(&rows, "statefulset/db", "db");
        assert_eq!(db.samples, 4);
        assert_eq!(db.verdict, Verdict::Insufficient { needed: 10 });
        assert_eq!(db.suggested(), None);
        let app = find(&rows, "deployment/web", "app");
        assert_eq!(app.samples, 8);
        assert_eq!(app.verdict, Verdict::Insufficient { needed: 10 });
    }

    #[test]
    fn vpa_rows_use_the_target_and_keep_limit_ratios() {
        let settings = Settings {
            strategy: Strategy::Vpa,
            min_samples: 10,
        };
        let rows = rows(&inventory(&objects()), &sampled(20), &settings);
        let db = find(&rows, "statefulset/db", "db");
        let s = db.suggested().copied().unwrap_or_default();
        // Part C: constant 0.5 core -> 587m; constant 512 MiB -> 628,694,953 B.
        assert_eq!(s.cpu_request, Some(587_000_000));
        assert_eq!(s.memory_request, Some(628_694_953));
        assert_eq!((s.cpu_limit, s.memory_limit), (None, None));
        let bounds = db.vpa.unwrap_or(VpaBounds {
            lower: Resources::default(),
            upper: Resources::default(),
            confidence: 1.0,
        });
        assert!(bounds.confidence < 0.01, "{}", bounds.confidence);
        assert!(bounds.upper.cpu_request > s.cpu_request);
        // web's app had request 500m and limit 1: the limit stays twice the request.
        let app = find(&rows, "deployment/web", "app");
        let a = app.suggested().copied().unwrap_or_default();
        assert_eq!(a.cpu_limit.zip(a.cpu_request).map(|(l, r)| l / r), Some(2));
    }

    #[test]
    fn sparklines_scale_to_the_maximum() {
        let t = |s: i64| Timestamp::from_second(1_700_000_000 + s).unwrap_or(Timestamp::UNIX_EPOCH);
        let points: Vec<(Timestamp, i128)> = (0i64..8).map(|i| (t(i), i128::from(i))).collect();
        assert_eq!(sparkline(&points, 8), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(&points[..1], 3), "▁  ");
        assert_eq!(sparkline(&[], 3), "");
    }
}
