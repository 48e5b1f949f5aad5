//! krr's severity (`core/models/severity.py`): how far a suggestion is from what is set.
//!
//! CPU: |current - suggested| >= 0.5 core CRITICAL, >= 0.25 WARNING, >= 0.1 OK, else GOOD.
//! Memory: >= 500 MiB CRITICAL, >= 250 MiB WARNING, >= 100 MiB OK, else GOOD. Exactly one side
//! unset is WARNING; both unset is GOOD. A container takes the worst of its four values.

use serde::Serialize;

use super::workload::Resources;

/// krr's four levels, ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Good,
    Ok,
    Warning,
    Critical,
}

impl Severity {
    /// `GOOD`, `OK`, `WARNING`, `CRITICAL`, as krr prints them.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Good => "GOOD",
            Severity::Ok => "OK",
            Severity::Warning => "WARNING",
            Severity::Critical => "CRITICAL",
        }
    }
}

const MIB: i128 = 1 << 20;
const CPU_THRESHOLDS: [i128; 3] = [500_000_000, 250_000_000, 100_000_000];
const MEMORY_THRESHOLDS: [i128; 3] = [500 * MIB, 250 * MIB, 100 * MIB];

/// The severity of one value against its thresholds (critical, warning, ok).
fn of_value(current: Option<i128>, suggested: Option<i128>, thresholds: [i128; 3]) -> Severity {
    let (current, suggested) = match (current, suggested) {
        (None, None) => return Severity::Good,
        (Some(c), Some(s)) => (c, s),
        _ => return Severity::Warning,
    };
    let diff = (current - suggested).abs();
    if diff >= thresholds[0] {
        Severity::Critical
    } else if diff >= thresholds[1] {
        Severity::Warning
    } else if diff >= thresholds[2] {
        Severity::Ok
    } else {
        Severity::Good
    }
}

/// The worst severity over CPU and memory requests and limits.
pub fn of(current: &Resources, suggested: &Resources) -> Severity {
    [
        of_value(current.cpu_request, suggested.cpu_request, CPU_THRESHOLDS),
        of_value(current.cpu_limit, suggested.cpu_limit, CPU_THRESHOLDS),
        of_value(
            current.memory_request,
            suggested.memory_request,
            MEMORY_THRESHOLDS,
        ),
        of_value(
            current.memory_limit,
            suggested.memory_limit,
            MEMORY_THRESHOLDS,
        ),
    ]
    .into_iter()
    .max()
    .unwrap_or(Severity::Good)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Part C: 500m vs 24m (0.476 core apart) is WARNING.
    #[test]
    fn cpu_vector() {
        assert_eq!(
            of_value(Some(500_000_000), Some(24_000_000), CPU_THRESHOLDS),
            Severity::Warning
        );
        assert_eq!(
            of_value(Some(600_000_000), Some(100_000_000), CPU_THRESHOLDS),
            Severity::Critical
        );
        assert_eq!(
            of_value(Some(200_000_000), Some(100_000_000), CPU_THRESHOLDS),
            Severity::Ok
        );
        assert_eq!(
            of_value(Some(150_000_000), Some(100_000_000), CPU_THRESHOLDS),
            Severity::Good
        );
    }

    /// Part C: 1Gi vs 230Mi (794 MiB apart) is CRITICAL.
    #[test]
    fn memory_vector() {
        assert_eq!(
            of_value(Some(1024 * MIB), Some(230 * MIB), MEMORY_THRESHOLDS),
            Severity::Critical
        );
        assert_eq!(
            of_value(Some(500 * MIB), Some(230 * MIB), MEMORY_THRESHOLDS),
            Severity::Warning
        );
    }

    #[test]
    fn unset_sides() {
        assert_eq!(of_value(None, None, CPU_THRESHOLDS), Severity::Good);
        assert_eq!(of_value(Some(1), None, CPU_THRESHOLDS), Severity::Warning);
        assert_eq!(
            of_value(None, Some(1), MEMORY_THRESHOLDS),
            Severity::Warning
        );
    }

    #[test]
    fn a_container_takes_the_worst_value() {
        let current = Resources {
            cpu_request: Some(500_000_000),
            cpu_limit: Some(1_000_000_000),
            memory_request: Some(1024 * MIB),
            memory_limit: Some(1024 * MIB),
        };
        let suggested = Resources {
            cpu_request: Some(24_000_000),
            cpu_limit: None,
            memory_request: Some(230 * MIB),
            memory_limit: Some(230 * MIB),
        };
        assert_eq!(of(&current, &suggested), Severity::Critical);
        assert_eq!(of(&current, &current), Severity::Good);
        assert_eq!(Severity::Warning.as_str(), "WARNING");
    }
}
