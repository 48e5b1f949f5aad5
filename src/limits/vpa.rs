//! The Kubernetes VPA recommender's estimate (kubernetes/autoscaler
//! `vertical-pod-autoscaler/pkg/recommender`), fed with the metrics-server samples we polled:
//!
//! - CPU: every sample (ceil to millicores) enters a decaying histogram with weight 0.1
//!   (`minSampleWeight`, VPA >= 1.4); memory: one peak per pod and 24 h window, weight 1;
//! - histograms have exponential buckets growing by 5 % (CPU from 10m to 1000 cores, memory
//!   from 10 MB to 1 TB, 176 buckets each) and decay with a 24 h half-life;
//! - target = P90 + 15 %, lower bound = P50 + 15 % × (1 + 0.001/confidence)^-2, upper bound =
//!   P95 + 15 % × (1 + 1/confidence), where confidence = min(days between first and last CPU
//!   sample, CPU samples / 1440);
//! - every value is at least the pod minimum (25m, 250 MiB) split equally across containers;
//! - an OOM kill adds a peak of max(used + 100 MiB, used × 1.2), used = max(request, peak);
//! - limits keep their original ratio to requests (`GetProportionalLimit`).
//!
//! VPA keeps amounts as int64 millicores and bytes and truncates at every step; so do we.

use jiff::Timestamp;

/// A bucket below this weight counts as empty (`epsilon = 0.001 * minSampleWeight`).
const EPSILON: f64 = 1e-4;
/// The weight of a CPU sample (`minSampleWeight`).
const CPU_SAMPLE_WEIGHT: f64 = 0.1;
/// Both histograms halve old weights every 24 hours.
const HALF_LIFE_SECONDS: f64 = 24.0 * 3600.0;
/// The reference time moves forward once samples are 100 half-lives past it (`maxDecayExponent`).
const MAX_DECAY_EXPONENT: f64 = 100.0;
/// Memory peaks are kept per 24 h window (`MemoryAggregationInterval`).
const MEMORY_WINDOW_SECONDS: i64 = 24 * 3600;
/// `--recommendation-margin-fraction`.
const SAFETY_MARGIN: f64 = 0.15;
/// `--pod-recommendation-min-cpu-millicores`.
const POD_MIN_CPU_MILLIS: f64 = 25.0;
/// `--pod-recommendation-min-memory-mb`, applied as MiB.
const POD_MIN_MEMORY_BYTES: f64 = 250.0 * 1024.0 * 1024.0;
/// OOM bump: at least 100 MiB more, or 20 % more.
const OOM_MIN_BUMP_BYTES: i64 = 100 * 1024 * 1024;
const OOM_BUMP_RATIO: f64 = 1.2;
/// `MaxResourceAmount`: what an infinite scale (no history) saturates to.
const MAX_RESOURCE_AMOUNT: i64 = 100_000_000_000_000;

/// The bucket layout of an exponential histogram (`NewExponentialHistogramOptions`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistogramOptions {
    first_bucket_size: f64,
    ratio: f64,
    num_buckets: usize,
}

impl HistogramOptions {
    /// Buckets `[0, first)`, then each 5 % larger than the one before, up to `max`.
    fn exponential(max: f64, first_bucket_size: f64, ratio: f64) -> HistogramOptions {
        let num_buckets =
            ((max * (ratio - 1.0) / first_bucket_size + 1.0).ln() / ratio.ln()).ceil() as usize + 1;
        HistogramOptions {
            first_bucket_size,
            ratio,
            num_buckets,
        }
    }

    /// CPU in cores: 10m first bucket, 1000 cores max.
    pub fn cpu() -> HistogramOptions {
        HistogramOptions::exponential(1000.0, 0.01, 1.05)
    }

    /// Memory in bytes: 10 MB first bucket, 1 TB max.
    pub fn memory() -> HistogramOptions {
        HistogramOptions::exponential(1e12, 1e7, 1.05)
    }

    /// How many buckets there are (176 for both).
    pub fn num_buckets(&self) -> usize {
        self.num_buckets
    }

    /// The bucket holding `value`.
    pub fn find_bucket(&self, value: f64) -> usize {
        if value < self.first_bucket_size {
            return 0;
        }
        let bucket = ((value * (self.ratio - 1.0) / self.first_bucket_size + 1.0).ln()
            / self.ratio.ln()) as usize;
        bucket.min(self.num_buckets - 1)
    }

    /// Where bucket `bucket` starts.
    pub fn bucket_start(&self, bucket: usize) -> f64 {
        if bucket == 0 {
            return 0.0;
        }
        self.first_bucket_size * (self.ratio.powi(bucket as i32) - 1.0) / (self.ratio - 1.0)
    }

    /// The end of the bucket holding `value`: what a percentile landing there returns.
    pub fn bucket_end(&self, value: f64) -> f64 {
        let bucket = self.find_bucket(value);
        if bucket + 1 < self.num_buckets {
            self.bucket_start(bucket + 1)
        } else {
            self.bucket_start(bucket)
        }
    }
}

/// A histogram whose samples weigh `2^((t - reference) / 24h)` (`decayingHistogram`).
#[derive(Clone, Debug)]
pub struct DecayingHistogram {
    options: HistogramOptions,
    weights: Vec<f64>,
    total_weight: f64,
    reference: Option<Timestamp>,
}

impl DecayingHistogram {
    /// An empty histogram with these buckets.
    pub fn new(options: HistogramOptions) -> DecayingHistogram {
        DecayingHistogram {
            options,
            weights: vec![0.0; options.num_buckets],
            total_weight: 0.0,
            reference: None,
        }
    }

    /// Adds a sample measured at `at`.
    pub fn add(&mut self, value: f64, weight: f64, at: Timestamp) {
        let weight = weight * self.decay_factor(at);
        let bucket = self.options.find_bucket(value);
        self.weights[bucket] += weight;
        self.total_weight += weight;
    }

    /// The weight multiplier of a sample at `at`. Go starts with a zero reference time, so
    /// the first sample moves the reference to its own time rounded to the half-life; the
    /// same happens whenever a sample lies 100 half-lives past the reference, rescaling what
    /// is already there so the exponent never overflows.
    fn decay_factor(&mut self, at: Timestamp) -> f64 {
        let overdue = self.reference.is_none_or(|reference| {
            seconds_between(reference, at) > HALF_LIFE_SECONDS * MAX_DECAY_EXPONENT
        });
        if overdue {
            let rounded = round_to_half_life(at);
            if let Some(old) = self.reference {
                let scale = (seconds_between(rounded, old) / HALF_LIFE_SECONDS).exp2();
                self.weights.iter_mut().for_each(|w| *w *= scale);
                self.total_weight *= scale;
            }
            self.reference = Some(rounded);
        }
        let reference = self.reference.unwrap_or(at);
        (seconds_between(reference, at) / HALF_LIFE_SECONDS).exp2()
    }

    /// Whether no bucket holds weight (`IsEmpty`).
    pub fn is_empty(&self) -> bool {
        self.weights.iter().all(|w| *w < EPSILON)
    }

    /// VPA's percentile: the end of the first bucket where the running weight reaches
    /// `p × total`; no interpolation; 0 when empty.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.is_empty() {
            return 0.0;
        }
        let min_bucket = self.weights.iter().position(|w| *w >= EPSILON).unwrap_or(0);
        let max_bucket = self
            .weights
            .iter()
            .rposition(|w| *w >= EPSILON)
            .unwrap_or(min_bucket);
        let threshold = p * self.total_weight;
        let mut partial = 0.0;
        let mut bucket = min_bucket;
        while bucket < max_bucket {
            partial += self.weights[bucket];
            if partial >= threshold {
                break;
            }
            bucket += 1;
        }
        if bucket + 1 < self.options.num_buckets {
            self.options.bucket_start(bucket + 1)
        } else {
            self.options.bucket_start(bucket)
        }
    }
}

/// Seconds from `from` to `to` (negative when `to` is earlier).
fn seconds_between(from: Timestamp, to: Timestamp) -> f64 {
    to.duration_since(from).as_secs_f64()
}

/// Go's `Time.Round(24h)`: the nearest UTC midnight, halves rounding up.
fn round_to_half_life(at: Timestamp) -> Timestamp {
    let day = HALF_LIFE_SECONDS as i64;
    let seconds = at.as_second();
    let into_day = seconds.rem_euclid(day);
    let start = seconds - into_day;
    let rounded = if into_day * 2 >= day {
        start + day
    } else {
        start
    };
    Timestamp::from_second(rounded).unwrap_or(at)
}

/// VPA's `resourceAmountFromFloat`: truncation, clamped to `[0, MaxResourceAmount]`.
fn amount_from_float(value: f64) -> i64 {
    if value.is_nan() || value < 0.0 {
        0
    } else if value > MAX_RESOURCE_AMOUNT as f64 {
        MAX_RESOURCE_AMOUNT
    } else {
        value as i64
    }
}

/// VPA's `ScaleResource`.
fn scale(amount: i64, factor: f64) -> i64 {
    amount_from_float(amount as f64 * factor)
}

/// What VPA saw of one container across its pods.
#[derive(Clone, Debug, Default)]
pub struct ContainerObservations {
    /// Each pod's samples: time, CPU in nanocores, memory working set in bytes.
    pub pods: Vec<Vec<(Timestamp, i128, i128)>>,
    /// Set when the container's last termination was an OOM kill.
    pub oom_kill: Option<OomKill>,
}

/// An OOM kill of a container, as VPA records it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OomKill {
    /// The container's memory request in bytes at the kill, if it had one.
    pub memory_request: Option<i128>,
}

/// Requests in millicores and bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Amounts {
    pub cpu_millis: i64,
    pub memory_bytes: i64,
}

/// The recommender's output for one container.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub target: Amounts,
    pub lower_bound: Amounts,
    pub upper_bound: Amounts,
    /// min(days of history, samples / 1440); VPA trusts a day of per-minute samples as 1.
    pub confidence: f64,
}

/// The histograms and counters VPA aggregates for one container (`AggregateContainerState`).
struct Aggregate {
    cpu: DecayingHistogram,
    memory_peaks: DecayingHistogram,
    first_cpu_sample: Option<Timestamp>,
    last_cpu_sample: Option<Timestamp>,
    cpu_samples: u64,
}

impl Aggregate {
    fn new() -> Aggregate {
        Aggregate {
            cpu: DecayingHistogram::new(HistogramOptions::cpu()),
            memory_peaks: DecayingHistogram::new(HistogramOptions::memory()),
            first_cpu_sample: None,
            last_cpu_sample: None,
            cpu_samples: 0,
        }
    }

    /// One CPU sample: `MilliValue()` rounds nanocores up to millicores.
    fn add_cpu(&mut self, at: Timestamp, nanos: i128) {
        let millis = (nanos.max(0) + 999_999) / 1_000_000;
        self.cpu.add(millis as f64 / 1000.0, CPU_SAMPLE_WEIGHT, at);
        self.first_cpu_sample = Some(self.first_cpu_sample.map_or(at, |t| t.min(at)));
        self.last_cpu_sample = Some(self.last_cpu_sample.map_or(at, |t| t.max(at)));
        self.cpu_samples += 1;
    }

    /// One pod's memory: the peak of each 24 h window, stamped with the window's end; after
    /// an OOM kill the last window's peak is at least the OOM bump.
    fn add_memory(&mut self, samples: &[(Timestamp, i128, i128)], oom: Option<OomKill>) {
        let Some(first) = samples.first().map(|s| s.0) else {
            return;
        };
        let mut windows: Vec<(Timestamp, i64)> = Vec::new();
        for &(at, _, bytes) in samples {
            let elapsed = at.as_second() - first.as_second();
            let index = elapsed.div_euclid(MEMORY_WINDOW_SECONDS) + 1;
            let end = first
                .checked_add(jiff::SignedDuration::from_secs(
                    index * MEMORY_WINDOW_SECONDS,
                ))
                .unwrap_or(at);
            let bytes = i64::try_from(bytes.max(0)).unwrap_or(i64::MAX);
            match windows.last_mut() {
                Some((window_end, peak)) if *window_end == end => *peak = (*peak).max(bytes),
                _ => windows.push((end, bytes)),
            }
        }
        if let (Some(kill), Some((_, peak))) = (oom, windows.last_mut()) {
            *peak = (*peak).max(oom_bump(kill.memory_request, *peak));
        }
        for (end, peak) in windows {
            self.memory_peaks.add(peak as f64, 1.0, end);
        }
    }

    /// `getConfidence`.
    fn confidence(&self) -> f64 {
        let days = match (self.first_cpu_sample, self.last_cpu_sample) {
            (Some(first), Some(last)) => seconds_between(first, last) / (24.0 * 3600.0),
            _ => 0.0,
        };
        days.min(self.cpu_samples as f64 / (60.0 * 24.0))
    }

    /// A percentile estimate with the safety margin, before confidence and minimums.
    fn with_margin(&self, cpu_percentile: f64, memory_percentile: f64) -> Amounts {
        let cpu = amount_from_float(self.cpu.percentile(cpu_percentile) * 1000.0);
        let memory = amount_from_float(self.memory_peaks.percentile(memory_percentile));
        Amounts {
            cpu_millis: cpu + scale(cpu, SAFETY_MARGIN),
            memory_bytes: memory + scale(memory, SAFETY_MARGIN),
        }
    }
}

/// The memory an OOM-killed container needed: max(used + 100 MiB, used × 1.2) with used =
/// max(request, peak) (`RecordOOM`).
pub fn oom_bump(request: Option<i128>, peak: i64) -> i64 {
    let request = request.map_or(0, |r| i64::try_from(r).unwrap_or(i64::MAX));
    let used = request.max(peak);
    used.saturating_add(OOM_MIN_BUMP_BYTES)
        .max(scale(used, OOM_BUMP_RATIO))
}

/// Scales both amounts by `factor`.
fn scale_amounts(amounts: Amounts, factor: f64) -> Amounts {
    Amounts {
        cpu_millis: scale(amounts.cpu_millis, factor),
        memory_bytes: scale(amounts.memory_bytes, factor),
    }
}

/// Raises both amounts to at least `min`.
fn at_least(amounts: Amounts, min: Amounts) -> Amounts {
    Amounts {
        cpu_millis: amounts.cpu_millis.max(min.cpu_millis),
        memory_bytes: amounts.memory_bytes.max(min.memory_bytes),
    }
}

/// The pod minimum split equally across `containers` containers.
pub fn container_minimum(containers: usize) -> Amounts {
    let fraction = 1.0 / containers.max(1) as f64;
    Amounts {
        cpu_millis: scale(amount_from_float(POD_MIN_CPU_MILLIS), fraction),
        memory_bytes: scale(amount_from_float(POD_MIN_MEMORY_BYTES), fraction),
    }
}

/// VPA's recommendation for a container whose pods have `containers` containers; `None`
/// without any sample.
pub fn estimate(observations: &ContainerObservations, containers: usize) -> Option<Estimate> {
    let mut aggregate = Aggregate::new();
    for pod in &observations.pods {
        for &(at, cpu, _) in pod {
            aggregate.add_cpu(at, cpu);
        }
        aggregate.add_memory(pod, observations.oom_kill);
    }
    if aggregate.cpu_samples == 0 {
        return None;
    }
    let confidence = aggregate.confidence();
    let minimum = container_minimum(containers);
    let target = aggregate.with_margin(0.9, 0.9);
    let lower = scale_amounts(
        aggregate.with_margin(0.5, 0.5),
        (1.0 + 0.001 / confidence).powf(-2.0),
    );
    let upper = scale_amounts(aggregate.with_margin(0.95, 0.95), 1.0 + 1.0 / confidence);
    Some(Estimate {
        target: at_least(target, minimum),
        lower_bound: at_least(lower, minimum),
        upper_bound: at_least(upper, minimum),
        confidence,
    })
}

/// `GetProportionalLimit`: a limit keeps its ratio to the request. No original limit, no
/// limit; a limit without a request, or equal to it, follows the new request.
pub fn proportional_limit(
    original_limit: Option<i128>,
    original_request: Option<i128>,
    new_request: i128,
) -> Option<i128> {
    let limit = original_limit.filter(|l| *l != 0)?;
    if new_request == 0 {
        return None;
    }
    match original_request.filter(|r| *r != 0) {
        None => Some(new_request),
        Some(request) if request == limit => Some(new_request),
        Some(request) => Some(limit.saturating_mul(new_request).div_euclid(request)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: i128 = 1 << 20;

    fn t(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + seconds).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// One sample per minute for `minutes`, constant usage.
    fn steady(minutes: i64, cpu_nanos: i128, memory: i128) -> ContainerObservations {
        ContainerObservations {
            pods: vec![(0..minutes)
                .map(|m| (t(m * 60), cpu_nanos, memory))
                .collect()],
            oom_kill: None,
        }
    }

    const EIGHT_DAYS: i64 = 8 * 24 * 60;

    #[test]
    fn bucket_layout() {
        assert_eq!(HistogramOptions::cpu().num_buckets(), 176);
        assert_eq!(HistogramOptions::memory().num_buckets(), 176);
        let last = HistogramOptions::cpu().bucket_start(175);
        assert!((last - 1021.1).abs() < 0.1, "{last}");
    }

    /// Part C: bucket ends.
    #[test]
    fn bucket_ends_match_the_published_vectors() {
        let cpu = HistogramOptions::cpu();
        for (value, end) in [
            (0.005, 0.010),
            (0.02, 0.0205),
            (0.1, 0.110266),
            (0.5, 0.511135),
            (1.0, 1.016281),
            (2.0, 2.093480),
        ] {
            let got = cpu.bucket_end(value);
            assert!((got - end).abs() < 1e-6, "cpu {value}: {got} != {end}");
        }
        let memory = HistogramOptions::memory();
        for (mib, end) in [
            (100.0, 110_265_643.0),
            (200.0, 215_785_636.0),
            (512.0, 546_691_264.0),
            (1024.0, 1_077_095_458.0),
        ] {
            let got = memory.bucket_end(mib * 1024.0 * 1024.0);
            assert!((got - end).abs() < 1.0, "memory {mib}Mi: {got} != {end}");
        }
    }

    /// Part C: constant 0.5 core -> 511m + 76m = 587m.
    #[test]
    fn cpu_target_of_half_a_core() {
        let e = estimate(&steady(EIGHT_DAYS, 500_000_000, 512 * MIB), 1);
        assert_eq!(e.map(|e| e.target.cpu_millis), Some(587));
    }

    /// Part C: exactly one day of per-minute samples: upper 1174m, lower 585m.
    #[test]
    fn bounds_after_one_day() {
        let e = estimate(&steady(24 * 60, 500_000_000, 512 * MIB), 1);
        let e = e.unwrap_or(Estimate {
            target: Amounts::default(),
            lower_bound: Amounts::default(),
            upper_bound: Amounts::default(),
            confidence: 0.0,
        });
        assert!((e.confidence - 0.9993).abs() < 1e-4, "{}", e.confidence);
        assert_eq!(e.target.cpu_millis, 587);
        assert_eq!(e.upper_bound.cpu_millis, 1174);
        assert_eq!(e.lower_bound.cpu_millis, 585);
    }

    /// Part C: constant 5m -> 10m + 1m = 11m -> 25m for one container, 12m each for two.
    #[test]
    fn cpu_pod_minimum_is_split_across_containers() {
        let one = estimate(&steady(EIGHT_DAYS, 5_000_000, 512 * MIB), 1);
        assert_eq!(one.map(|e| e.target.cpu_millis), Some(25));
        assert_eq!(container_minimum(2).cpu_millis, 12);
        let two = estimate(&steady(EIGHT_DAYS, 5_000_000, 512 * MIB), 2);
        assert_eq!(two.map(|e| e.target.cpu_millis), Some(12));
    }

    /// Part C: constant 200 MiB peak -> 248,153,480 B -> 250Mi (1 container); stays with 2.
    #[test]
    fn memory_target_of_200_mib() {
        let one = estimate(&steady(EIGHT_DAYS, 500_000_000, 200 * MIB), 1);
        assert_eq!(one.map(|e| e.target.memory_bytes), Some(262_144_000));
        let two = estimate(&steady(EIGHT_DAYS, 500_000_000, 200 * MIB), 2);
        assert_eq!(two.map(|e| e.target.memory_bytes), Some(248_153_480));
    }

    /// Part C: constant 512 MiB peak -> 628,694,953 B.
    #[test]
    fn memory_target_of_512_mib() {
        let e = estimate(&steady(EIGHT_DAYS, 500_000_000, 512 * MIB), 1);
        assert_eq!(e.map(|e| e.target.memory_bytes), Some(628_694_953));
    }

    /// Part C: OOM with request 256 MiB and peak 200 MiB -> a 356 MiB sample.
    #[test]
    fn oom_bump_vector() {
        assert_eq!(
            oom_bump(Some(256 * MIB), 200 * MIB as i64),
            356 * MIB as i64
        );
        assert_eq!(oom_bump(None, 1000 * MIB as i64), 1200 * MIB as i64);
    }

    #[test]
    fn oom_kill_raises_the_memory_target() {
        let mut observations = steady(60, 500_000_000, 200 * MIB);
        let before = estimate(&observations, 2).map(|e| e.target.memory_bytes);
        observations.oom_kill = Some(OomKill {
            memory_request: Some(256 * MIB),
        });
        let after = estimate(&observations, 2).map(|e| e.target.memory_bytes);
        // 356 MiB lands in the bucket ending at 391,263,296 B; + 15 %.
        let end = HistogramOptions::memory().bucket_end(356.0 * 1024.0 * 1024.0) as i64;
        assert_eq!(after, Some(end + (end as f64 * 0.15) as i64));
        assert!(after > before);
    }

    /// Part C: the confidence multipliers for 5 min, 30 min, 1 h, 12 h, 1 d, 7 d, 8 d.
    #[test]
    fn confidence_multipliers() {
        for (minutes, upper, lower) in [
            (5.0, 289.0, Some(0.603)),
            (30.0, 49.0, Some(0.911)),
            (60.0, 25.0, Some(0.954)),
            (720.0, 3.0, None),
            (1440.0, 2.0, None),
            (7.0 * 1440.0, 1.143, None),
            (8.0 * 1440.0, 1.125, None),
        ] {
            let confidence: f64 = minutes / 1440.0;
            let up = 1.0 + 1.0 / confidence;
            assert!((up - upper).abs() < 1e-3, "{minutes} min: upper {up}");
            if let Some(lower) = lower {
                let down = (1.0 + 0.001 / confidence).powf(-2.0);
                assert!((down - lower).abs() < 1e-3, "{minutes} min: lower {down}");
            }
        }
    }

    #[test]
    fn a_single_sample_has_no_confidence_and_an_unbounded_upper_bound() {
        let e = estimate(&steady(1, 500_000_000, 512 * MIB), 1);
        assert_eq!(e.map(|e| e.confidence), Some(0.0));
        assert_eq!(
            e.map(|e| e.upper_bound.cpu_millis),
            Some(MAX_RESOURCE_AMOUNT)
        );
        assert_eq!(e.map(|e| e.lower_bound.cpu_millis), Some(25));
        assert!(estimate(&ContainerObservations::default(), 1).is_none());
    }

    #[test]
    fn limits_keep_their_ratio() {
        assert_eq!(proportional_limit(None, Some(100), 50), None);
        assert_eq!(proportional_limit(Some(200), Some(100), 50), Some(100));
        assert_eq!(proportional_limit(Some(200), Some(200), 587), Some(587));
        assert_eq!(proportional_limit(Some(200), None, 587), Some(587));
        assert_eq!(proportional_limit(Some(300), Some(200), 587), Some(880));
    }

    #[test]
    fn rounding_to_the_half_life_is_to_the_nearest_midnight() {
        let day = 86_400;
        let base = 19_000 * day;
        let at = |s| Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(round_to_half_life(at(base + 3600)), at(base));
        assert_eq!(round_to_half_life(at(base + 13 * 3600)), at(base + day));
        assert_eq!(round_to_half_life(at(base + 12 * 3600)), at(base + day));
    }
}
