//! Tolerant query-string parsing.
//!
//! kube-rs builds URLs like `path?&limit=1` (an empty first pair) and kubectl adds parameters the
//! simulator ignores (`timeout=32s`, `pretty`), so empty pairs and unknown keys are skipped.

use std::collections::HashMap;

/// Decoded query parameters (last value wins for repeated keys).
#[derive(Clone, Debug, Default)]
pub struct Query {
    params: HashMap<String, String>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let mut params = HashMap::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            params.insert(decode(k), decode(v));
        }
        Query { params }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(String::as_str)
    }

    /// A parameter that is present and not empty.
    pub fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// Boolean parameters: `true`/`1` are true; presence without a value is true too.
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1" | ""))
    }

    /// An optional boolean: `None` when absent.
    pub fn bool_opt(&self, key: &str) -> Option<bool> {
        self.get(key).map(|v| matches!(v, "true" | "1" | ""))
    }

    /// An unsigned integer parameter; `Err` names the parameter when it does not parse.
    pub fn u64_opt(&self, key: &str) -> Result<Option<u64>, String> {
        match self.non_empty(key) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| format!("invalid value for {key}: {v:?}")),
        }
    }

    /// A signed integer parameter.
    pub fn i64_opt(&self, key: &str) -> Result<Option<i64>, String> {
        match self.non_empty(key) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| format!("invalid value for {key}: {v:?}")),
        }
    }

    /// `dryRun=All` (the only value the API server accepts).
    pub fn dry_run(&self) -> Result<bool, String> {
        match self.get("dryRun") {
            None | Some("") => Ok(false),
            Some("All") => Ok(true),
            Some(other) => Err(format!(
                "Invalid dry run value: {other:?}, supported values: All"
            )),
        }
    }
}

/// Percent-decodes a query component (`+` is a space).
pub fn decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

/// Percent-decodes a path segment (`+` stays).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_rs_empty_first_pair_is_ignored() {
        let q = Query::parse(Some("&limit=1&force=true&fieldManager=probe"));
        assert_eq!(q.u64_opt("limit"), Ok(Some(1)));
        assert!(q.flag("force"));
        assert_eq!(q.get("fieldManager"), Some("probe"));
        assert_eq!(q.get("missing"), None);
    }

    #[test]
    fn selectors_are_percent_decoded() {
        let q = Query::parse(Some(
            "fieldSelector=status.phase%3DRunning&labelSelector=app%3Dweb%2Ctier%21%3Ddb&limit=500",
        ));
        assert_eq!(q.get("fieldSelector"), Some("status.phase=Running"));
        assert_eq!(q.get("labelSelector"), Some("app=web,tier!=db"));
    }

    #[test]
    fn bad_escapes_are_kept_literally() {
        assert_eq!(percent_decode("a%zzb%"), "a%zzb%");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(decode("a+b%20c"), "a b c");
    }

    #[test]
    fn dry_run_accepts_only_all() {
        assert_eq!(Query::parse(Some("dryRun=All")).dry_run(), Ok(true));
        assert_eq!(Query::parse(None).dry_run(), Ok(false));
        assert!(Query::parse(Some("dryRun=Some")).dry_run().is_err());
    }
}
