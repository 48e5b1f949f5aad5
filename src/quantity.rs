//! Kubernetes resource quantities as approximate numbers for human summaries (`cpu 11.5 of 12`,
//! `memory 47.5Gi`), on top of the exact `k8s-quantity` crate shared with the simulator.

/// Parses a quantity into its base unit (cores for CPU, bytes for memory).
///
/// Returns `None` for text that is not a quantity; callers treat that as unknown rather than
/// failing, since one odd node must not break a report.
pub fn parse(text: &str) -> Option<f64> {
    let q = k8s_quantity::Quantity::parse(text.trim()).ok()?;
    Some(q.nanos() as f64 / 1e9)
}

/// CPU cores as kubectl users write them: `250m` below one core, otherwise `1.5`.
pub fn format_cpu(cores: f64) -> String {
    if cores.abs() < 1.0 {
        format!("{}m", (cores * 1000.0).round())
    } else {
        let text = format!("{cores:.1}");
        text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
    }
}

/// Bytes in binary units: `512Mi`, `15.5Gi`.
pub fn format_memory(bytes: f64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("Ti", 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Ki", 1024.0),
    ];
    for (unit, size) in UNITS {
        if bytes.abs() >= size {
            let text = format!("{:.1}", bytes / size);
            let text = text.strip_suffix(".0").map(str::to_string).unwrap_or(text);
            return format!("{text}{unit}");
        }
    }
    format!("{}", bytes.round())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpu_and_memory() {
        let cases = [
            ("4", 4.0),
            ("500m", 0.5),
            ("1.5", 1.5),
            ("16Gi", 16.0 * 1024.0 * 1024.0 * 1024.0),
            ("100Mi", 100.0 * 1024.0 * 1024.0),
            ("1k", 1000.0),
            ("1e3", 1000.0),
            ("250000n", 0.00025),
        ];
        for (text, expected) in cases {
            let got = parse(text).unwrap_or(f64::NAN);
            assert!((got - expected).abs() < 1e-9, "{text}: {got}");
        }
        for bad in ["", "abc", "1x", "1e999"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_for_humans() {
        assert_eq!(format_cpu(0.25), "250m");
        assert_eq!(format_cpu(12.0), "12");
        assert_eq!(format_cpu(11.25), "11.2");
        assert_eq!(format_memory(48.0 * 1024.0 * 1024.0 * 1024.0), "48Gi");
        assert_eq!(format_memory(512.0 * 1024.0 * 1024.0), "512Mi");
        assert_eq!(format_memory(100.0), "100");
    }
}
