//! Kubernetes resource quantities: exact parsing and canonical formatting.
//!
//! A [`Quantity`] holds its value exactly as nano-units in an `i128`, plus the [`Format`] its
//! text used, because Go's `resource.Quantity` prints a value back in the family of suffixes it
//! was written in (`1.5Gi` -> `1536Mi`, `1.5` -> `1500m`, `1e3` -> `1e3`).
//!
//! The behaviour follows apimachinery's `pkg/api/resource` as vendored by kubectl v1.32, which
//! was checked value by value through `kubectl create quota --dry-run=client -o json`:
//! - parsing accepts `<sign?><digits?>[.<digits?>]<suffix>` with the suffixes `n u m "" k M G
//!   T P E`, `Ki Mi Gi Ti Pi Ei` and `e<int>`/`E<int>`; anything finer than a nano-unit is
//!   rounded away from zero (`0.9n` -> `1n`); binarySI values are capped at 2^63-1 units;
//! - the accessors [`Quantity::millis`] and [`Quantity::value`] round away from zero like
//!   `MilliValue()`/`Value()`;
//! - [`canonicalize`] reproduces what the API server echoes for a quantity string, including
//!   Go's habit of keeping an already-short spelling verbatim (`+1`, `01`, `1E-3` stay as they
//!   are), while [`Quantity::canonical`] always computes the canonical form.
//!
//! Known deviation: values beyond about 1.7e29 units (the `i128` nano range) are rejected,
//! where Go keeps arbitrary precision for decimal quantities.

use std::cmp::Ordering;
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

const NANOS_PER_UNIT: i128 = 1_000_000_000;

/// Go caps a parsed binarySI quantity at 2^63-1 units, silently (`8Ei` parses as that).
const MAX_BINARY_NANOS: i128 = i64::MAX as i128 * NANOS_PER_UNIT;

/// Go's error texts, kept verbatim because the API server puts them in its 400/422 messages.
const ERR_FORMAT: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const ERR_SUFFIX: &str = "unable to parse quantity's suffix";
const ERR_TOO_LARGE: &str =
    "quantity is too large: the simulator holds quantities up to about 1.7e29 exactly";

/// The suffix family a quantity was written in; it decides how the quantity is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `12M`, `250m`, plain integers.
    DecimalSI,
    /// `12Mi` (powers of 1024).
    BinarySI,
    /// `12e6`.
    DecimalExponent,
}

/// An exact resource quantity. Equality and ordering compare values only (like Go's `Cmp`), so
/// `1Ki == 1024`.
#[derive(Clone, Copy, Debug)]
pub struct Quantity {
    nanos: i128,
    format: Format,
}

impl Quantity {
    /// Parses a quantity string exactly as Go's `resource.ParseQuantity` does (no whitespace
    /// trimming). Errors carry Go's messages.
    pub fn parse(s: &str) -> Result<Quantity, String> {
        parse_text(s).map(|(q, _)| q).map_err(str::to_string)
    }

    /// A decimalSI quantity of `nanos` nano-units (the form metrics-server uses for CPU).
    pub fn from_nanos(nanos: i128) -> Quantity {
        Quantity {
            nanos,
            format: Format::DecimalSI,
        }
    }

    /// A decimalSI quantity of `millis` thousandths (`250` -> `250m`), saturating.
    pub fn from_millis(millis: i128) -> Quantity {
        Quantity::from_nanos(millis.saturating_mul(1_000_000))
    }

    /// A binarySI quantity of `bytes` (`1048576` -> `1Mi`), saturating.
    pub fn from_bytes(bytes: i128) -> Quantity {
        Quantity {
            nanos: bytes.saturating_mul(NANOS_PER_UNIT),
            format: Format::BinarySI,
        }
    }

    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// Thousandths, rounded away from zero like Go's `MilliValue()` (`429151n` -> 1).
    pub fn millis(&self) -> i128 {
        div_away_from_zero(self.nanos, 1_000_000)
    }

    /// Whole units, rounded away from zero like Go's `Value()` (`1500m` -> 2).
    pub fn value(&self) -> i128 {
        div_away_from_zero(self.nanos, NANOS_PER_UNIT)
    }

    /// Go's canonical string for this value in this quantity's format: the largest suffix that
    /// keeps the number integral (`1536Mi`, `1500m`, `1e3`, `0`).
    pub fn canonical(&self) -> String {
        if self.nanos == 0 {
            return "0".to_string();
        }
        let whole_units = self.nanos % NANOS_PER_UNIT == 0;
        match self.format {
            // Below 1Ki, or with a fraction, binary suffixes would round; Go prints decimalSI.
            Format::BinarySI
                if whole_units && self.nanos.unsigned_abs() >= 1024 * NANOS_PER_UNIT as u128 =>
            {
                binary_string(self.nanos / NANOS_PER_UNIT)
            }
            Format::DecimalExponent => decimal_string(self.nanos, -9, Format::DecimalExponent),
            _ => decimal_string(self.nanos, -9, Format::DecimalSI),
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl FromStr for Quantity {
    type Err = String;

    fn from_str(s: &str) -> Result<Quantity, String> {
        Quantity::parse(s)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Quantity) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Quantity) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Quantity) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl Default for Quantity {
    fn default() -> Quantity {
        Quantity::from_nanos(0)
    }
}

/// Like Go's `Add`: a zero left-hand side adopts the right-hand side's format, so a sum of
/// `Mi` quantities prints in `Mi`. Saturates instead of overflowing.
impl Add for Quantity {
    type Output = Quantity;

    fn add(self, rhs: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos.saturating_add(rhs.nanos),
            format: if self.is_zero() {
                rhs.format
            } else {
                self.format
            },
        }
    }
}

impl AddAssign for Quantity {
    fn add_assign(&mut self, rhs: Quantity) {
        *self = *self + rhs;
    }
}

/// Like Go's `Sub` (format rule as for [`Add`]). Saturates instead of overflowing.
impl Sub for Quantity {
    type Output = Quantity;

    fn sub(self, rhs: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos.saturating_sub(rhs.nanos),
            format: if self.is_zero() {
                rhs.format
            } else {
                self.format
            },
        }
    }
}

impl SubAssign for Quantity {
    fn sub_assign(&mut self, rhs: Quantity) {
        *self = *self - rhs;
    }
}

impl Neg for Quantity {
    type Output = Quantity;

    fn neg(self) -> Quantity {
        Quantity {
            nanos: self.nanos.saturating_neg(),
            format: self.format,
        }
    }
}

impl Sum for Quantity {
    fn sum<I: Iterator<Item = Quantity>>(iter: I) -> Quantity {
        iter.fold(Quantity::default(), Add::add)
    }
}

impl<'a> Sum<&'a Quantity> for Quantity {
    fn sum<I: Iterator<Item = &'a Quantity>>(iter: I) -> Quantity {
        iter.copied().sum()
    }
}

/// The string the API server stores and echoes for a quantity the client sent: Go keeps the
/// client's spelling when its fast parser finds it already canonical in shape (`+1`, `01`,
/// `1E-3`, `100m`), otherwise it prints the canonical form (`1.5` -> `1500m`).
pub fn canonicalize(s: &str) -> Result<String, String> {
    let (q, keep) = parse_text(s).map_err(str::to_string)?;
    Ok(if keep { s.to_string() } else { q.canonical() })
}

/// CPU usage as metrics-server emits it (`NewScaledQuantity(n, -9)`, decimalSI):
/// `429151n`, `5m` when whole millicores, `2` for whole cores, `0`.
pub fn format_cpu_nanos(nanos: i128) -> String {
    Quantity::from_nanos(nanos).canonical()
}

/// Memory as metrics-server emits it (`NewQuantity(b, BinarySI)`): `408Ki`, `1536Mi`, `1Gi`,
/// plain bytes when not divisible by 1024, and decimalSI below 1024 bytes (so `1000` -> `1k`).
pub fn format_bytes(bytes: i128) -> String {
    match bytes {
        0 => "0".to_string(),
        b if b.unsigned_abs() < 1024 => decimal_string(b, 0, Format::DecimalSI),
        b => binary_string(b),
    }
}

/// The pieces of a quantity string, as Go's `parseQuantityString` splits them.
struct Parts<'a> {
    negative: bool,
    /// Integer digits without leading zeros (`"0"` when there are none).
    num: &'a str,
    /// Fraction digits, possibly empty.
    denom: &'a str,
    suffix: &'a str,
}

/// What a suffix means: a power of ten (decimalSI or exponent) or a power of two (binarySI).
#[derive(Clone, Copy)]
enum Scale {
    Ten(i64, Format),
    Two(u32),
}

/// Parses `s`, also telling whether Go would keep `s` verbatim as its string form.
fn parse_text(s: &str) -> Result<(Quantity, bool), &'static str> {
    if s.is_empty() {
        return Err(ERR_FORMAT);
    }
    if s == "0" {
        return Ok((Quantity::from_nanos(0), true));
    }
    let parts = split(s)?;
    let scale = interpret_suffix(parts.suffix).ok_or(ERR_SUFFIX)?;
    let magnitude = magnitude_nanos(&parts, scale)?;
    let nanos = if parts.negative {
        -magnitude
    } else {
        magnitude
    };
    let format = match scale {
        Scale::Ten(_, format) => format,
        // A non-zero binary value below one unit would round; Go switches it to decimalSI.
        Scale::Two(_) if magnitude > 0 && magnitude < NANOS_PER_UNIT => Format::DecimalSI,
        Scale::Two(_) => Format::BinarySI,
    };
    Ok((Quantity { nanos, format }, keeps_spelling(&parts, scale)))
}

/// Splits a quantity string the way Go's scanner does, including its leniencies (`.`, `-`,
/// `1.G` are accepted).
fn split(s: &str) -> Result<Parts<'_>, &'static str> {
    let b = s.as_bytes();
    let negative = b[0] == b'-';
    let mut pos = usize::from(matches!(b[0], b'-' | b'+'));
    while pos < b.len() && b[pos] == b'0' {
        pos += 1;
    }
    let num_start = pos;
    pos = skip_digits(b, pos);
    let num = if pos == num_start {
        "0"
    } else {
        &s[num_start..pos]
    };
    let mut denom = "";
    if pos < b.len() && b[pos] == b'.' {
        let denom_start = pos + 1;
        pos = skip_digits(b, denom_start);
        denom = &s[denom_start..pos];
    }
    let suffix_start = pos;
    while pos < b.len() && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos < b.len() && matches!(b[pos], b'-' | b'+') {
        pos += 1;
    }
    if skip_digits(b, pos) != b.len() {
        return Err(ERR_FORMAT);
    }
    Ok(Parts {
        negative,
        num,
        denom,
        suffix: &s[suffix_start..],
    })
}

fn skip_digits(b: &[u8], mut pos: usize) -> usize {
    while pos < b.len() && b[pos].is_ascii_digit() {
        pos += 1;
    }
    pos
}

fn interpret_suffix(suffix: &str) -> Option<Scale> {
    let decimal = |exp| Some(Scale::Ten(exp, Format::DecimalSI));
    match suffix {
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "" => decimal(0),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => Some(Scale::Two(10)),
        "Mi" => Some(Scale::Two(20)),
        "Gi" => Some(Scale::Two(30)),
        "Ti" => Some(Scale::Two(40)),
        "Pi" => Some(Scale::Two(50)),
        "Ei" => Some(Scale::Two(60)),
        _ => {
            let exp = suffix.strip_prefix(['e', 'E'])?.parse::<i32>().ok()?;
            Some(Scale::Ten(i64::from(exp), Format::DecimalExponent))
        }
    }
}

/// The absolute value in nano-units, rounding any finer remainder up (away from zero).
fn magnitude_nanos(p: &Parts<'_>, scale: Scale) -> Result<i128, &'static str> {
    let digits = [p.num, p.denom].concat();
    let fraction_len = p.denom.len() as i64;
    match scale {
        Scale::Ten(exp, _) => {
            // value = digits * 10^(exp - fraction_len) units = digits * 10^shift nanos.
            let shift = exp + 9 - fraction_len;
            if shift >= 0 {
                let mantissa = parse_digits(&digits)?;
                times_pow10(mantissa, shift)
            } else {
                let kept = (digits.len() as i64 + shift).max(0) as usize;
                let (head, tail) = digits.split_at(kept);
                let rounded_up = tail.bytes().any(|d| d != b'0');
                Ok(parse_digits(head)? + i128::from(rounded_up))
            }
        }
        Scale::Two(exp) => {
            let scaled = parse_digits(&digits)?
                .checked_mul(1i128 << exp)
                .ok_or(ERR_TOO_LARGE)?;
            let nanos = if fraction_len <= 9 {
                times_pow10(scaled, 9 - fraction_len)?
            } else {
                let divisor = pow10(fraction_len - 9).ok_or(ERR_TOO_LARGE)?;
                div_away_from_zero(scaled, divisor)
            };
            Ok(nanos.min(MAX_BINARY_NANOS))
        }
    }
}

fn parse_digits(digits: &str) -> Result<i128, &'static str> {
    digits.bytes().try_fold(0i128, |acc, d| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(d - b'0')))
            .ok_or(ERR_TOO_LARGE)
    })
}

fn pow10(exp: i64) -> Option<i128> {
    10i128.checked_pow(u32::try_from(exp).ok()?)
}

fn times_pow10(value: i128, exp: i64) -> Result<i128, &'static str> {
    if value == 0 {
        return Ok(0);
    }
    pow10(exp)
        .and_then(|p| value.checked_mul(p))
        .ok_or(ERR_TOO_LARGE)
}

/// Go's fast parser stores the input text when it is already in a canonical shape, and then
/// prints that text instead of recomputing it. This replays its conditions (quantity.go
/// `ParseQuantity`: precision, scale and the "no trailing 000, no leading 0" checks).
fn keeps_spelling(p: &Parts<'_>, scale: Scale) -> bool {
    match scale {
        Scale::Ten(exp, _) => {
            let digit_count = p.num.len() + p.denom.len();
            let scale = exp - p.denom.len() as i64;
            let shifted = [p.num, p.denom].concat();
            digit_count <= 18
                && scale >= -9
                && scale % 3 == 0
                && !shifted.ends_with("000")
                && !shifted.starts_with('0')
        }
        Scale::Two(exp) => {
            // Go's precision estimate: 15 - digits - exp*3/10 - 1 must stay non-negative.
            let precision = 15 - p.num.len() as i64 - i64::from(exp) * 3 / 10 - 1;
            let Ok(value) = p.num.parse::<i64>() else {
                return false;
            };
            p.denom.is_empty()
                && precision >= 0
                && value.checked_mul(1i64 << exp).is_some()
                && value & 0x07 != 0
        }
    }
}

fn div_away_from_zero(value: i128, divisor: i128) -> i128 {
    let quotient = value / divisor;
    match (value % divisor).signum() {
        1 => quotient + 1,
        -1 => quotient - 1,
        _ => quotient,
    }
}

/// `mantissa * 10^exp` printed with the largest exponent that is a multiple of three and keeps
/// the mantissa integral (Go's `AsCanonicalBytes`), then its suffix.
fn decimal_string(mut mantissa: i128, mut exp: i32, format: Format) -> String {
    while mantissa != 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        exp += 1;
    }
    // Moving down to a multiple of three cannot overflow: it re-adds stripped zeros.
    let down = exp.rem_euclid(3);
    mantissa *= 10i128.pow(down as u32);
    exp -= down;
    let suffix = match (format, exp) {
        (Format::DecimalExponent, 0) => String::new(),
        (Format::DecimalExponent, _) => format!("e{exp}"),
        (_, -9) => "n".into(),
        (_, -6) => "u".into(),
        (_, -3) => "m".into(),
        (_, 0) => String::new(),
        (_, 3) => "k".into(),
        (_, 6) => "M".into(),
        (_, 9) => "G".into(),
        (_, 12) => "T".into(),
        (_, 15) => "P".into(),
        (_, 18) => "E".into(),
        // DecimalSI has no suffix past E; current apimachinery falls back to exponent form
        // (older versions dropped the exponent, corrupting the value).
        _ => format!("e{exp}"),
    };
    format!("{mantissa}{suffix}")
}

/// Whole `units` with the largest binary suffix that divides them exactly.
fn binary_string(units: i128) -> String {
    const SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    let mut mantissa = units;
    let mut power = 0;
    while power + 1 < SUFFIXES.len() && mantissa != 0 && mantissa % 1024 == 0 {
        mantissa /= 1024;
        power += 1;
    }
    format!("{mantissa}{}", SUFFIXES[power])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_exact_values() {
        assert_eq!(q("429151n").nanos(), 429_151);
        assert_eq!(q("250m").nanos(), 250_000_000);
        assert_eq!(q("408Ki").value(), 417_792);
        assert_eq!(q("13964Ki").value(), 14_299_136);
        assert_eq!(q("1536Mi").value(), 1_610_612_736);
        assert_eq!(q("1e3").value(), 1000);
        assert_eq!(q("1E-3").millis(), 1);
        assert_eq!(q("1.5").millis(), 1500);
        assert_eq!(q("0.5Gi").value(), 536_870_912);
        assert_eq!(q("+1").value(), 1);
        assert_eq!(q("-2").nanos(), -2_000_000_000);
        assert_eq!(q(".5").millis(), 500);
        assert_eq!(q("5.").value(), 5);
        assert_eq!(q("5000u").millis(), 5);
        assert_eq!(q("0").nanos(), 0);
    }

    #[test]
    fn sub_nano_values_round_away_from_zero() {
        assert_eq!(q("0.9n").nanos(), 1);
        assert_eq!(q("1e-10").nanos(), 1);
        assert_eq!(q("-0.1n").nanos(), -1);
        assert_eq!(q("1.0000000001").nanos(), 1_000_000_001);
        assert_eq!(q("0.000000001Ki").nanos(), 1024);
    }

    #[test]
    fn accessors_round_away_from_zero_like_go() {
        assert_eq!(q("429151n").millis(), 1);
        assert_eq!(q("2540734n").millis(), 3);
        assert_eq!(q("1500m").value(), 2);
        assert_eq!(q("-1500m").value(), -2);
        assert_eq!(q("2").millis(), 2000);
    }

    #[test]
    fn go_leniencies_are_kept() {
        // Go's scanner accepts these; they parse as zero or as written.
        assert_eq!(q(".").nanos(), 0);
        assert_eq!(q("-").nanos(), 0);
        assert_eq!(q("+").nanos(), 0);
        assert_eq!(q("1.G").value(), 1_000_000_000);
        // binarySI is capped at 2^63-1 units.
        assert_eq!(q("8Ei").value(), i64::MAX as i128);
    }

    #[test]
    fn invalid_quantities_are_rejected_with_go_messages() {
        for bad in ["", "abc", "1 ", " 1", "1.5.5", "1Kix"] {
            assert_eq!(Quantity::parse(bad), Err(ERR_FORMAT.to_string()), "{bad:?}");
        }
        for bad in ["1e", "1K", "1m3", "1ki", "--1", "1Mb", "1e3.5x"] {
            let err = Quantity::parse(bad).unwrap_err();
            assert!(err == ERR_SUFFIX || err == ERR_FORMAT, "{bad:?}: {err}");
        }
        assert_eq!(Quantity::parse("1e"), Err(ERR_SUFFIX.to_string()));
        assert_eq!(Quantity::parse("1e99"), Err(ERR_TOO_LARGE.to_string()));
    }

    /// Every pair was produced by kubectl v1.32 (`create quota --hard=cpu=<in> -o json`).
    #[test]
    fn canonicalize_matches_kubectl() {
        let cases = [
            ("+1", "+1"),
            ("01", "01"),
            ("1.5", "1500m"),
            ("1000m", "1"),
            ("1e3", "1e3"),
            ("1E-3", "1E-3"),
            ("0.5Gi", "512Mi"),
            ("1.5Gi", "1536Mi"),
            ("1024Ki", "1Mi"),
            (".", "0"),
            ("-", "0"),
            ("0.9n", "1n"),
            ("1.G", "1.G"),
            ("8Ei", "9223372036854775807"),
            ("1Ki", "1Ki"),
            ("1000", "1k"),
            ("1e21", "1e21"),
            ("0.0001", "100u"),
            ("12e6", "12e6"),
            ("100m", "100m"),
            ("-2", "-2"),
            ("1.2345", "1234500u"),
            ("1.5e0", "1500e-3"),
            ("0.5Ki", "512"),
            ("1100Ki", "1100Ki"),
            ("2048", "2048"),
            ("1.1Ki", "1126400m"),
            ("-1.5Gi", "-1536Mi"),
            ("0e3", "0"),
            ("00.100", "100m"),
            ("1e-10", "1e-9"),
            ("1.0000000001", "1000000001n"),
            ("429151n", "429151n"),
            ("5000u", "5m"),
            ("0.1Mi", "104857600m"),
            ("12E6", "12E6"),
            ("1e+3", "1e+3"),
            ("123456789012345678901234", "123456789012345678901234"),
            ("9223372036854775807Ki", "9223372036854775807"),
            ("0.000000001Ki", "1024n"),
            ("-0.5", "-500m"),
            ("-.5m", "-500u"),
            ("500000000000000000000m", "500P"),
        ];
        for (input, want) in cases {
            assert_eq!(canonicalize(input).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn canonical_recomputes_in_the_input_format() {
        assert_eq!(q("1.5").canonical(), "1500m");
        assert_eq!(q("+1").canonical(), "1");
        assert_eq!(q("1E-3").canonical(), "1e-3");
        assert_eq!(q("1.5Gi").to_string(), "1536Mi");
        assert_eq!(q("1000E").canonical(), "1e21");
    }

    #[test]
    fn metrics_server_cpu_format() {
        assert_eq!(format_cpu_nanos(429_151), "429151n");
        assert_eq!(format_cpu_nanos(5_000_000), "5m");
        assert_eq!(format_cpu_nanos(2_000_000_000), "2");
        assert_eq!(format_cpu_nanos(1_500_000_000), "1500m");
        assert_eq!(format_cpu_nanos(10_000), "10u");
        assert_eq!(format_cpu_nanos(0), "0");
    }

    #[test]
    fn metrics_server_memory_format() {
        assert_eq!(format_bytes(417_792), "408Ki");
        assert_eq!(format_bytes(1_610_612_736), "1536Mi");
        assert_eq!(format_bytes(1 << 30), "1Gi");
        assert_eq!(format_bytes(1025), "1025");
        assert_eq!(format_bytes(500), "500");
        assert_eq!(format_bytes(1000), "1k");
        assert_eq!(format_bytes(0), "0");
        assert_eq!(format_bytes(i128::MAX), i128::MAX.to_string());
    }

    #[test]
    fn arithmetic_compares_values_and_keeps_the_first_non_zero_format() {
        assert_eq!(q("1Ki"), q("1024"));
        assert!(q("500m") < q("1"));
        let total: Quantity = ["256Mi", "256Mi", "512Mi"].iter().map(|s| q(s)).sum();
        assert_eq!(total.to_string(), "1Gi");
        assert_eq!((q("1") - q("250m")).to_string(), "750m");
        let mut used = Quantity::default();
        used += q("100m");
        used -= q("300m");
        assert_eq!(used.to_string(), "-200m");
        assert_eq!((-q("2Gi")).to_string(), "-2Gi");
        assert_eq!(Quantity::from_millis(250).to_string(), "250m");
        assert_eq!(Quantity::from_bytes(3 << 20).to_string(), "3Mi");
    }
}
