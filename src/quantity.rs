//! Kubernetes resource quantities (`500m`, `1.5`, `16Gi`, `1e3`) as numbers, and back into
//! short human text. Used for node capacity in `doctor`; `suggest-limits` will build on it.

/// Parses a quantity into its base unit (cores for CPU, bytes for memory).
///
/// Returns `None` for text that is not a quantity; callers treat that as unknown rather than
/// failing, since one odd node must not break a report.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    // Sub-unit suffixes divide, so `3800m` is exactly 3.8 rather than 3.8000000000000003.
    let divisor = match suffix {
        "n" => 1e9,
        "u" => 1e6,
        "m" => 1e3,
        _ => 1.0,
    };
    let factor = match suffix {
        "" | "n" | "u" | "m" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exponent if exponent.starts_with(['e', 'E']) => 10f64.powi(exponent[1..].parse().ok()?),
        _ => return None,
    };
    let value = number * factor / divisor;
    value.is_finite().then_some(value)
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
        for bad in ["", "abc", "1x", "Gi", "1e999"] {
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
