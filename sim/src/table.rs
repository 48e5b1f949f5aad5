//! `meta.k8s.io/v1` Table rendering with the real columns of each kind, for `kubectl get`.
//!
//! CONTRACT (to be implemented): `columns(res)` gives the column definitions (name, type,
//! format, description, priority) kubectl's server-side printers use for that resource, or
//! Name + "Created At" for kinds without a printer; `cells(res, obj, now)` gives the row cells
//! (strings / integers, Age as kubectl's HumanDuration). `human_duration` formats a duration
//! like apimachinery's HumanDuration.

use serde_json::Value;

use crate::registry::ResourceId;

pub fn columns(_res: ResourceId) -> Vec<Value> {
    unimplemented!()
}

pub fn cells(_res: ResourceId, _obj: &Value, _now: jiff::Timestamp) -> Vec<Value> {
    unimplemented!()
}

pub fn human_duration(_d: std::time::Duration) -> String {
    unimplemented!()
}

/// What a Table row embeds as `object`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

#[allow(clippy::too_many_arguments)]
pub fn table(
    _res: ResourceId,
    _rows: &[&Value],
    _include_object: IncludeObject,
    _with_column_definitions: bool,
    _resource_version: &str,
    _continue_token: Option<&str>,
    _remaining: Option<u64>,
    _now: jiff::Timestamp,
) -> Value {
    unimplemented!()
}
