//! Server-side apply and managed fields.
//!
//! CONTRACT (to be implemented):
//! - `apply(group, kind, live, config, manager, api_version, force, now)` merges the applied
//!   configuration into the live object (or builds it from scratch when `live` is None) using
//!   the schema's list types; removes fields this manager applied before but no longer applies
//!   (unless another manager owns them); detects conflicts with other managers' fields
//!   (returns `Err(ApplyError::Conflicts(vec![(manager, ".spec.replicas")]))` unless `force`,
//!   which transfers ownership); updates `metadata.managedFields`.
//! - `record_update(group, kind, old, new, manager, api_version, subresource, now)` records
//!   an Update operation for every field whose value the write changed, taking those fields
//!   away from other managers.

use serde_json::Value;

#[derive(Debug, PartialEq)]
pub enum ApplyError {
    /// (manager, field path such as `.spec.replicas`)
    Conflicts(Vec<(String, String)>),
    Invalid(String),
}

#[allow(clippy::too_many_arguments)]
pub fn apply(
    _group: &str,
    _kind: &str,
    _live: Option<&Value>,
    _config: &Value,
    _manager: &str,
    _api_version: &str,
    _force: bool,
    _now: &str,
) -> Result<Value, ApplyError> {
    unimplemented!()
}

#[allow(clippy::too_many_arguments)]
pub fn record_update(
    _group: &str,
    _kind: &str,
    _old: Option<&Value>,
    _new: &mut Value,
    _manager: &str,
    _api_version: &str,
    _subresource: Option<&str>,
    _now: &str,
) {
    unimplemented!()
}
