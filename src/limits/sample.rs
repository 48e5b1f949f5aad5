//! Samples from `metrics.k8s.io/v1beta1` PodMetrics lists, kept exactly and deduplicated.
//!
//! metrics-server answers every poll with its latest scrape, so polling faster than its
//! resolution returns the same `timestamp` again; VPA drops such repeats and so do we, keyed
//! by (pod, container, timestamp). CPU is kept as integer nanocores (`429151n` stays 429151,
//! where kubectl-view-allocations truncates it to 0m), memory as integer bytes.

use std::{collections::BTreeMap, time::Duration};

use jiff::Timestamp;
use k8s_quantity::Quantity;
use serde::Deserialize;

use crate::client::parse_go_duration;

/// `PodMetricsList` (k8s-openapi has no metrics types).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PodMetricsList {
    #[serde(default)]
    pub items: Vec<PodMetrics>,
}

/// One pod's usage over `[timestamp - window, timestamp]`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PodMetrics {
    #[serde(default)]
    pub metadata: MetricsMeta,
    #[serde(default)]
    pub timestamp: String,
    #[serde(default)]
    pub window: String,
    #[serde(default)]
    pub containers: Vec<ContainerMetrics>,
}

/// The part of PodMetrics' metadata we use.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MetricsMeta {
    #[serde(default)]
    pub name: String,
}

/// One container's usage: `cpu` and `memory` quantities.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ContainerMetrics {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub usage: BTreeMap<String, String>,
}

/// One container's usage at one scrape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// CPU in nanocores.
    pub cpu_nanos: i128,
    /// Working set in bytes.
    pub memory_bytes: i128,
}

/// What one poll added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ingested {
    /// Container samples not seen before.
    pub new: usize,
    /// Container samples already held (same pod, container and timestamp).
    pub duplicates: usize,
    /// Container samples that could not be read (bad timestamp or quantity).
    pub unreadable: usize,
}

/// Every sample collected so far, per (pod, container), ordered by time.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    series: BTreeMap<(String, String), BTreeMap<Timestamp, Usage>>,
    window: Option<Duration>,
    duplicates: usize,
    unreadable: usize,
}

impl Samples {
    /// Adds a poll's PodMetrics, skipping samples already held.
    pub fn ingest(&mut self, list: &PodMetricsList) -> Ingested {
        let mut result = Ingested::default();
        for pod in &list.items {
            if let Some(window) = parse_go_duration(&pod.window).filter(|w| !w.is_zero()) {
                self.window = Some(window);
            }
            let Ok(at) = pod.timestamp.parse::<Timestamp>() else {
                result.unreadable += pod.containers.len();
                continue;
            };
            for container in &pod.containers {
                let Some(usage) = read_usage(container) else {
                    result.unreadable += 1;
                    continue;
                };
                let key = (pod.metadata.name.clone(), container.name.clone());
                let series = self.series.entry(key).or_default();
                if series.insert(at, usage).is_some() {
                    result.duplicates += 1;
                } else {
                    result.new += 1;
                }
            }
        }
        self.duplicates += result.duplicates;
        self.unreadable += result.unreadable;
        result
    }

    /// The metrics window last reported: the resolution `--interval auto` follows.
    pub fn window(&self) -> Option<Duration> {
        self.window
    }

    /// All distinct container samples held.
    pub fn len(&self) -> usize {
        self.series.values().map(BTreeMap::len).sum()
    }

    /// Whether nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// How many pods were seen.
    pub fn pod_count(&self) -> usize {
        let mut pods: Vec<&str> = self.series.keys().map(|(pod, _)| pod.as_str()).collect();
        pods.dedup();
        pods.len()
    }

    /// Repeated samples dropped so far.
    pub fn duplicates(&self) -> usize {
        self.duplicates
    }

    /// Unreadable samples skipped so far.
    pub fn unreadable(&self) -> usize {
        self.unreadable
    }

    /// Each (pod, container) with its samples in time order.
    pub fn series(&self) -> impl Iterator<Item = (&str, &str, &BTreeMap<Timestamp, Usage>)> {
        self.series
            .iter()
            .map(|((pod, container), points)| (pod.as_str(), container.as_str(), points))
    }

    /// The earliest and latest sample time.
    pub fn span(&self) -> Option<(Timestamp, Timestamp)> {
        let first = self.series.values().filter_map(|s| s.keys().next()).min()?;
        let last = self
            .series
            .values()
            .filter_map(|s| s.keys().next_back())
            .max()?;
        Some((*first, *last))
    }
}

/// Reads a container's `cpu` and `memory` exactly; `None` when either is missing or garbled.
fn read_usage(container: &ContainerMetrics) -> Option<Usage> {
    let read = |key: &str| {
        container
            .usage
            .get(key)
            .and_then(|text| Quantity::parse(text).ok())
    };
    let cpu = read("cpu")?;
    let memory = read("memory")?;
    Some(Usage {
        cpu_nanos: cpu.nanos(),
        memory_bytes: memory.value(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list(timestamp: &str, cpu: &str, memory: &str) -> PodMetricsList {
        serde_json::from_value(json!({
            "kind": "PodMetricsList",
            "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": {},
            "items": [{
                "metadata": {"name": "web-7d9f", "namespace": "qa", "creationTimestamp": "2024-11-30T13:18:50Z"},
                "timestamp": timestamp,
                "window": "34.475s",
                "containers": [{"name": "app", "usage": {"cpu": cpu, "memory": memory}}]
            }]
        }))
        .unwrap_or_default()
    }

    /// Part C quantities, as metrics-server writes them.
    #[test]
    fn quantities_are_exact() {
        let mut samples = Samples::default();
        samples.ingest(&list("2024-11-30T13:18:49Z", "429151n", "408Ki"));
        samples.ingest(&list("2024-11-30T13:19:49Z", "2540734n", "13964Ki"));
        samples.ingest(&list("2024-11-30T13:20:49Z", "1500m", "1536Mi"));
        samples.ingest(&list("2024-11-30T13:21:49Z", "1e3", "0"));
        let points: Vec<Usage> = samples
            .series()
            .flat_map(|(_, _, s)| s.values().copied())
            .collect();
        let cpu: Vec<i128> = points.iter().map(|u| u.cpu_nanos).collect();
        let memory: Vec<i128> = points.iter().map(|u| u.memory_bytes).collect();
        assert_eq!(cpu, [429_151, 2_540_734, 1_500_000_000, 1_000_000_000_000]);
        assert_eq!(memory, [417_792, 14_299_136, 1_610_612_736, 0]);
        // VPA's MilliValue() rounds up: 429151n -> 1m, 2540734n -> 3m.
        assert_eq!(Quantity::from_nanos(429_151).millis(), 1);
        assert_eq!(Quantity::from_nanos(2_540_734).millis(), 3);
        assert_eq!(samples.window(), Some(Duration::from_millis(34_475)));
    }

    #[test]
    fn repeated_timestamps_are_dropped() {
        let mut samples = Samples::default();
        let first = samples.ingest(&list("2024-11-30T13:18:49Z", "5m", "1Mi"));
        let again = samples.ingest(&list("2024-11-30T13:18:49Z", "5m", "1Mi"));
        let next = samples.ingest(&list("2024-11-30T13:19:04Z", "6m", "1Mi"));
        assert_eq!(first.new, 1);
        assert_eq!((again.new, again.duplicates), (0, 1));
        assert_eq!(next.new, 1);
        assert_eq!(samples.len(), 2);
        assert_eq!(samples.duplicates(), 1);
        assert_eq!(samples.pod_count(), 1);
    }

    #[test]
    fn unreadable_samples_are_counted_not_fatal() {
        let mut samples = Samples::default();
        let bad_time = samples.ingest(&list("yesterday", "5m", "1Mi"));
        let bad_cpu = samples.ingest(&list("2024-11-30T13:18:49Z", "lots", "1Mi"));
        assert_eq!(bad_time.unreadable, 1);
        assert_eq!(bad_cpu.unreadable, 1);
        assert!(samples.is_empty());
        assert_eq!(samples.unreadable(), 2);
        assert_eq!(samples.span(), None);
    }
}
