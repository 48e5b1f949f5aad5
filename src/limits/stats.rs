//! Exact arithmetic the strategies share: percentages as fractions, krr's R-7 percentile over
//! integer nanocores, and ceilings to a unit.
//!
//! krr rounds *up* to 1m and 1Mi after multiplying by 0.95 or 1.15; in floating point a value
//! that is exactly on a boundary (24m) can come out a hair above it and round to 25m. Keeping
//! every step a fraction of integers makes the published vectors hold exactly.

use std::fmt;

/// A percentage written as a decimal (`95`, `99.5`, `15`), held exactly as `num / den`
/// percent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Percent {
    num: i128,
    den: i128,
}

/// The most decimals a percentage may have; more would only pretend precision.
const MAX_DECIMALS: usize = 6;

impl Percent {
    /// A whole percentage.
    pub const fn whole(percent: i128) -> Percent {
        Percent {
            num: percent,
            den: 1,
        }
    }

    /// Parses `95`, `99.5`, `12.50`: a non-negative decimal with at most six decimals.
    pub fn parse(text: &str) -> Result<Percent, String> {
        let invalid = || format!("invalid percentage {text:?}: use a number such as 95 or 12.5");
        let text = text.trim().trim_end_matches('%');
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !digits_only(whole)
            || !digits_only(fraction)
            || fraction.len() > MAX_DECIMALS
            || whole.len() > 12
        {
            return Err(invalid());
        }
        let den = 10i128.pow(fraction.len() as u32);
        let num = format!("{whole}{fraction}")
            .parse::<i128>()
            .map_err(|_| invalid())?;
        Ok(Percent { num, den })
    }

    /// `x * self / 100` as an exact fraction `(numerator, denominator)`.
    pub fn of(&self, x: i128) -> (i128, i128) {
        (x.saturating_mul(self.num), self.den * 100)
    }

    /// `x * (100 + self) / 100`, e.g. a 15 % buffer on top of `x`, as a fraction.
    pub fn on_top_of(&self, x: i128) -> (i128, i128) {
        let den = self.den * 100;
        (x.saturating_mul(den + self.num), den)
    }

    /// The percentage if it is at most 100 (a percentile must be), else `error()`.
    pub fn at_most_hundred_or(self, error: impl FnOnce() -> String) -> Result<Percent, String> {
        if self.num <= 100 * self.den {
            Ok(self)
        } else {
            Err(error())
        }
    }

    /// The value as a float, for output.
    pub fn as_f64(&self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.num / self.den;
        let fraction = self.num % self.den;
        if fraction == 0 {
            return write!(f, "{whole}");
        }
        let width = self.den.ilog10() as usize;
        let digits = format!("{fraction:0width$}");
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// `ceil(num / (den * unit))`, the number of whole `unit`s that cover `num / den`; for
/// non-negative values (usage is never negative).
pub fn ceil_units((num, den): (i128, i128), unit: i128) -> i128 {
    let divisor = den.saturating_mul(unit).max(1);
    let q = num / divisor;
    if num % divisor > 0 {
        q + 1
    } else {
        q
    }
}

/// The percentile of sorted values by R-7 linear interpolation (rank `p * (n - 1)`), the
/// definition of numpy's default and of PromQL's `quantile_over_time`, which krr uses.
/// Returns an exact fraction `(numerator, denominator)`, or `None` for no values.
pub fn percentile_r7(sorted: &[i128], p: Percent) -> Option<(i128, i128)> {
    let last = sorted.len().checked_sub(1)?;
    let (rank_num, den) = p.of(last as i128);
    let low = usize::try_from(rank_num / den)
        .unwrap_or(usize::MAX)
        .min(last);
    if low == last {
        return Some((sorted[last], 1));
    }
    let remainder = rank_num % den;
    let (a, b) = (sorted[low], sorted[low + 1]);
    Some((a * den + remainder * (b - a), den))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cores(millis: &[i128]) -> Vec<i128> {
        let mut v: Vec<i128> = millis.iter().map(|m| m * 1_000_000).collect();
        v.sort_unstable();
        v
    }

    /// Part C: R-7 on `[0.010,0.012,0.011,0.050,0.013,0.012,0.011,0.010,0.200,0.012]`.
    #[test]
    fn r7_matches_the_published_vector() {
        let v = cores(&[10, 12, 11, 50, 13, 12, 11, 10, 200, 12]);
        let at = |p| {
            let (n, d) = percentile_r7(&v, Percent::whole(p)).unwrap_or((0, 1));
            assert_eq!(n % d, 0, "p{p} is a whole number of nanocores");
            n / d
        };
        assert_eq!(at(95), 132_500_000, "p95 = 0.1325");
        assert_eq!(at(90), 65_000_000, "p90 = 0.065");
        assert_eq!(at(50), 12_000_000, "p50 = 0.012");
        assert_eq!(at(100), 200_000_000);
        assert_eq!(at(0), 10_000_000);
    }

    #[test]
    fn r7_of_one_or_no_value() {
        assert_eq!(percentile_r7(&[7], Percent::whole(95)), Some((7, 1)));
        assert_eq!(percentile_r7(&[], Percent::whole(95)), None);
    }

    #[test]
    fn ceilings_are_exact_on_the_boundary() {
        // 0.0234 cores -> 24m; exactly 24m stays 24m.
        assert_eq!(ceil_units((23_400_000, 1), 1_000_000), 24);
        assert_eq!(ceil_units((24_000_000, 1), 1_000_000), 24);
        assert_eq!(ceil_units((0, 1), 1_000_000), 0);
        // 333,000,000 B x 1.15 = 382,950,000 B -> 366 MiB.
        let buffered = Percent::whole(15).on_top_of(333_000_000);
        assert_eq!(ceil_units(buffered, 1 << 20), 366);
    }

    #[test]
    fn percentages_parse_exactly() {
        assert_eq!(Percent::parse("95"), Ok(Percent::whole(95)));
        let p = Percent::parse("99.5").unwrap_or(Percent::whole(0));
        assert_eq!(p.of(1000), (995_000, 1000), "99.5 % of 1000 is 995");
        assert_eq!(p.to_string(), "99.5");
        assert_eq!(
            Percent::parse("12.50%").map(|p| p.to_string()),
            Ok("12.5".into())
        );
        assert_eq!(
            Percent::parse("0.05").map(|p| p.to_string()),
            Ok("0.05".into())
        );
        for bad in ["", "-5", "abc", "1.2.3", ".5", "1.1234567", "1e3"] {
            assert!(Percent::parse(bad).is_err(), "{bad}");
        }
        let error = || "too large".to_string();
        assert!(Percent::whole(100).at_most_hundred_or(error).is_ok());
        assert!(Percent::parse("100.5")
            .and_then(|p| p.at_most_hundred_or(error))
            .is_err());
    }
}
