//! Kubernetes resource quantities: exact parsing and canonical formatting.
//!
//! CONTRACT (to be implemented): `Quantity::parse` accepts `<signedNumber><suffix>` with
//! suffixes binarySI (Ki Mi Gi Ti Pi Ei), decimalSI (n u m "" k M G T P E) and decimal
//! exponents (e3, E-2); the value is held exactly (nano units in an i128). Accessors give
//! `millis()` (ceil, as Go's MilliValue), `nanos()`, `value()` (ceil to an integer, as Go's
//! Value). Formatting: `format_cpu_nanos(n)` -> canonical decimalSI like metrics-server
//! (`429151n`, `5m`, `2`, `0`); `format_bytes(b)` -> canonical binarySI (`408Ki`, `1536Mi`,
//! plain bytes when not divisible by 1024); `Quantity::canonical()` -> Go's canonical string
//! for the quantity's own format (`1.5` -> `1500m`, `1.5Gi` -> `1536Mi`, `1e3` -> `1e3`).

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity {
    nanos: i128,
}

impl Quantity {
    pub fn parse(_s: &str) -> Result<Quantity, String> {
        unimplemented!()
    }
    pub fn from_nanos(nanos: i128) -> Quantity {
        Quantity { nanos }
    }
    pub fn nanos(&self) -> i128 {
        self.nanos
    }
    pub fn millis(&self) -> i128 {
        unimplemented!()
    }
    pub fn value(&self) -> i128 {
        unimplemented!()
    }
    pub fn canonical(&self) -> String {
        unimplemented!()
    }
}

pub fn format_cpu_nanos(_nanos: i128) -> String {
    unimplemented!()
}

pub fn format_bytes(_bytes: i128) -> String {
    unimplemented!()
}
