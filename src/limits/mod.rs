//! Resource suggestions from metrics-server samples (`kubectl qaenv suggest-limits`).
//!
//! Everything here is pure and unit-tested; `commands::suggest_limits` does the I/O.
//!
//! - [`sample`]: PodMetrics lists -> exact, deduplicated samples;
//! - [`workload`]: pods -> workloads (owner references) and their current resources;
//! - [`stats`], [`krr`], [`vpa`]: the two strategies, on the published test vectors;
//! - [`severity`]: krr's thresholds;
//! - [`report`]: one row per workload container;
//! - [`colours`]: blue vs green side by side;
//! - [`quota`]: a ResourceQuota and LimitRange for qaenv.toml;
//! - [`patch`]: JSON patches with `test` preconditions;
//! - [`render`]: table, wide, JSON, YAML and patch output.

pub mod colours;
pub mod krr;
pub mod patch;
pub mod quota;
pub mod render;
pub mod report;
pub mod sample;
pub mod severity;
pub mod stats;
pub mod vpa;
pub mod workload;

use std::collections::BTreeMap;
use std::time::Duration;

use colours::ColourDiff;
use patch::{Skipped, WorkloadPatch};
use quota::QuotaSuggestion;
use report::{Row, Settings};
use sample::Samples;
use workload::{Workload, WorkloadId};

/// How the sampling went, for the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sampling {
    /// Wall time spent sampling.
    pub elapsed: Duration,
    /// Time between polls (the metrics window with `--interval auto`).
    pub interval: Duration,
    /// List requests sent: one per tick.
    pub polls: usize,
    /// Distinct container samples.
    pub samples: usize,
    /// Repeats of samples already held (polling faster than the metrics resolution).
    pub duplicates: usize,
    /// Pods seen in the metrics.
    pub pods: usize,
    /// Ctrl-C ended the sampling before `--duration`.
    pub interrupted: bool,
}

/// Everything `suggest-limits` reports.
#[derive(Clone, Debug)]
pub struct Report {
    pub namespace: String,
    pub settings: Settings,
    pub sampling: Sampling,
    pub rows: Vec<Row>,
    pub colours: Vec<ColourDiff>,
    pub quota: QuotaSuggestion,
    pub patches: Vec<WorkloadPatch>,
    pub skipped: Vec<Skipped>,
}

/// Builds the report of the selected workloads from what was sampled.
pub fn analyse(
    namespace: &str,
    workloads: &BTreeMap<WorkloadId, Workload>,
    samples: &Samples,
    settings: Settings,
    sampling: Sampling,
) -> Report {
    let rows = report::rows(workloads, samples, &settings);
    let (patches, skipped) = patch::plan(workloads, &rows);
    Report {
        namespace: namespace.to_string(),
        settings,
        sampling,
        colours: colours::compare(workloads, &rows),
        quota: quota::suggest(workloads, &rows),
        rows,
        patches,
        skipped,
    }
}
