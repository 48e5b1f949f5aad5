//! The resource quota controller: keeps each ResourceQuota's `status.hard` and `status.used`
//! current.

use serde_json::{json, Map, Value};

use super::Ctx;
use crate::admission::namespace_usage;
use crate::obj;
use crate::quantity::{format_bytes, Quantity};
use crate::registry::ids;

/// Formats a usage figure in the style of the quota's own hard value.
fn show(key: &str, hard: &Value, nanos: i128) -> String {
    let binary = hard.as_str().is_some_and(|h| h.ends_with('i'))
        || key.contains("memory")
        || key.contains("storage");
    if binary && nanos % 1_000_000_000 == 0 {
        let bytes = nanos / 1_000_000_000;
        return if bytes == 0 {
            "0".into()
        } else {
            format_bytes(bytes)
        };
    }
    Quantity::from_nanos(nanos).canonical()
}

pub fn reconcile(ctx: &mut Ctx, ns: &str) {
    let quotas: Vec<std::sync::Arc<Value>> = ctx
        .state
        .store
        .read(|s| s.list(ids::resourcequotas(), Some(ns)).cloned().collect());
    for q in quotas {
        let hard = obj::path(&q, "spec.hard")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let names: Vec<String> = hard.keys().cloned().collect();
        let usage = ctx.state.store.read(|s| namespace_usage(s, ns, &names));
        let mut used = Map::new();
        for (k, n) in usage {
            let shown = show(&k, &hard[&k], n);
            used.insert(k, json!(shown));
        }
        let status = json!({"hard": hard, "used": used});
        ctx.write_status(
            ids::resourcequotas(),
            &q,
            status,
            "resourcequota-controller",
        );
    }
}
