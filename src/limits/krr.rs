//! krr's `simple` strategy (robusta-dev/krr `strategies/simple.py` and `runner._round_value`),
//! exactly, on metrics-server samples instead of Prometheus series:
//!
//! - CPU request = the maximum over pods of each pod's 95th percentile, ceil to 1m,
//!   at least 10m; no CPU limit;
//! - memory request = memory limit = the maximum working set over all pods × 1.15 (or, after
//!   an OOM kill, the memory limit at the kill × 1.25 when that is larger), ceil to 1Mi, at
//!   least 100Mi.
//!
//! Everything is integer nanocores and bytes (see [`super::stats`]).

use super::stats::{ceil_units, percentile_r7, Percent};

/// krr's `cpu_min_value`: 10m.
pub const CPU_MIN_MILLIS: i128 = 10;
/// krr's `memory_min_value`: applied as 100 MiB although the flag says MB.
pub const MEMORY_MIN_BYTES: i128 = 100 * MIB;
/// One MiB, krr's memory rounding unit.
pub const MIB: i128 = 1 << 20;
const NANOS_PER_MILLI: i128 = 1_000_000;

/// krr's knobs that `suggest-limits` exposes (`--cpu-percentile`, `--memory-buffer`) and the
/// OOM buffer it applies whenever a container was OOM-killed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KrrSettings {
    /// `cpu_percentile`, default 95.
    pub cpu_percentile: Percent,
    /// `memory_buffer_percentage`, default 15.
    pub memory_buffer: Percent,
    /// `oom_memory_buffer_percentage`, 25.
    pub oom_buffer: Percent,
}

impl Default for KrrSettings {
    fn default() -> KrrSettings {
        KrrSettings {
            cpu_percentile: Percent::whole(95),
            memory_buffer: Percent::whole(15),
            oom_buffer: Percent::whole(25),
        }
    }
}

/// What krr suggests for one container: requests and limits in millicores and bytes; `None`
/// is "unset".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KrrSuggestion {
    pub cpu_request_millis: i128,
    pub cpu_limit_millis: Option<i128>,
    pub memory_request_bytes: i128,
    pub memory_limit_bytes: i128,
}

/// One pod's percentile of its CPU samples (nanocores), ceil to whole millicores.
///
/// Ceiling each pod first and then taking the maximum equals krr's ceiling of the maximum,
/// because the ceiling is monotonic.
pub fn pod_cpu_percentile_millis(samples: &[i128], percentile: Percent) -> Option<i128> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    percentile_r7(&sorted, percentile).map(|value| ceil_units(value, NANOS_PER_MILLI))
}

/// The CPU request: the largest per-pod percentile, at least 10m.
pub fn cpu_request_millis(per_pod: &[Vec<i128>], percentile: Percent) -> Option<i128> {
    per_pod
        .iter()
        .filter_map(|samples| pod_cpu_percentile_millis(samples, percentile))
        .max()
        .map(|millis| millis.max(CPU_MIN_MILLIS))
}

/// The memory request and limit: `max(peak × (1 + buffer), oom_limit × 1.25)`, ceil to 1Mi,
/// at least 100Mi.
pub fn memory_bytes(peak: i128, oom_limit: Option<i128>, settings: &KrrSettings) -> i128 {
    let buffered = ceil_units(settings.memory_buffer.on_top_of(peak), MIB);
    let after_oom = oom_limit.map_or(0, |limit| {
        ceil_units(settings.oom_buffer.on_top_of(limit), MIB)
    });
    buffered
        .max(after_oom)
        .saturating_mul(MIB)
        .max(MEMORY_MIN_BYTES)
}

/// krr's suggestion from each pod's CPU samples and the memory peak over all pods; `None`
/// when there is no CPU sample.
pub fn suggest(
    cpu_per_pod: &[Vec<i128>],
    memory_peak: i128,
    oom_limit: Option<i128>,
    settings: &KrrSettings,
) -> Option<KrrSuggestion> {
    let cpu = cpu_request_millis(cpu_per_pod, settings.cpu_percentile)?;
    let memory = memory_bytes(memory_peak, oom_limit, settings);
    Some(KrrSuggestion {
        cpu_request_millis: cpu,
        cpu_limit_millis: None,
        memory_request_bytes: memory,
        memory_limit_bytes: memory,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: i128 = 1_000_000;

    /// A pod whose samples have the given R-7 p95 in nanocores: 20 equal samples.
    fn pod_with_p95(nanos: i128) -> Vec<i128> {
        vec![nanos; 20]
    }

    /// Part C: per-pod p95 {pod-a: 0.0234, pod-b: 0.0190} -> 24m, limit unset.
    #[test]
    fn cpu_is_the_max_of_per_pod_p95_ceil_to_millicores() {
        let pods = [pod_with_p95(23_400_000), pod_with_p95(19_000_000)];
        let s = suggest(&pods, 200 * MIB, None, &KrrSettings::default());
        assert_eq!(s.map(|s| s.cpu_request_millis), Some(24));
        assert_eq!(s.and_then(|s| s.cpu_limit_millis), None);
    }

    /// Part C: p95 of 0.004 core -> 4m, clamped to 10m.
    #[test]
    fn cpu_has_a_10m_floor() {
        let pods = [pod_with_p95(4 * M)];
        assert_eq!(cpu_request_millis(&pods, Percent::whole(95)), Some(10));
    }

    /// It is the maximum of per-pod percentiles, not a percentile of pooled samples.
    #[test]
    fn cpu_is_not_a_pooled_percentile() {
        let mut busy = vec![100 * M; 19];
        busy.push(900 * M);
        let idle = vec![10 * M; 100];
        let pods = [busy, idle];
        // busy's own p95: rank 18.05 -> 100m + 0.05 * 800m = 140m. Pooled it would be 100m.
        assert_eq!(cpu_request_millis(&pods, Percent::whole(95)), Some(140));
        assert_eq!(cpu_request_millis(&[], Percent::whole(95)), None);
    }

    /// Part C: 200 MiB -> 230Mi; 50 MiB -> 58 MiB -> 100Mi; 333,000,000 B -> 366Mi.
    #[test]
    fn memory_vectors() {
        let krr = KrrSettings::default();
        assert_eq!(memory_bytes(200 * MIB, None, &krr), 230 * MIB);
        assert_eq!(memory_bytes(50 * MIB, None, &krr), 100 * MIB);
        assert_eq!(memory_bytes(333_000_000, None, &krr), 366 * MIB);
        assert_eq!(366 * MIB, 383_778_816);
    }

    /// Part C: a 256Mi limit at OOM gives 320Mi; the request is the larger of both terms.
    #[test]
    fn oom_kill_buffers_the_limit_by_25_percent() {
        let krr = KrrSettings::default();
        assert_eq!(memory_bytes(100 * MIB, Some(256 * MIB), &krr), 320 * MIB);
        assert_eq!(memory_bytes(300 * MIB, Some(256 * MIB), &krr), 345 * MIB);
    }

    #[test]
    fn knobs_change_percentile_and_buffer() {
        let samples: Vec<i128> = (1..=100).map(|m| m * M).collect();
        // R-7 p50 of 1..=100m is 50.5m -> 51m; p99 is 99.01m -> 100m.
        assert_eq!(
            cpu_request_millis(std::slice::from_ref(&samples), Percent::whole(50)),
            Some(51)
        );
        assert_eq!(
            cpu_request_millis(&[samples], Percent::whole(99)),
            Some(100)
        );
        let krr = KrrSettings {
            memory_buffer: Percent::whole(50),
            ..KrrSettings::default()
        };
        assert_eq!(memory_bytes(200 * MIB, None, &krr), 300 * MIB);
    }
}
