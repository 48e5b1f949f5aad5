//! Strategic merge patch (`application/strategic-merge-patch+json`), as the API server applies
//! it (apimachinery `strategicpatch.StrategicMergeMapPatch`).
//!
//! Maps merge key by key and `null` deletes a key. Lists follow the schema: merge-by-key lists
//! update matching entries recursively and add new ones, primitive merge lists are unions, all
//! other lists are replaced. The directives:
//! - `$patch: replace` replaces a map (or, as a list element, the whole list) instead of merging;
//! - `$patch: delete` deletes a map (or, as a list element carrying the merge key, that entry);
//! - `$patch: merge` asks for the default merge;
//! - `$setElementOrder/<list>` gives the final order of the listed entries; entries only the
//!   server has keep their place relative to them. kubectl apply sends it on every apply;
//! - `$deleteFromPrimitiveList/<list>` removes values from a primitive merge list;
//! - `$retainKeys` clears every key of the live map that it does not list (union types such as
//!   Deployment `spec.strategy`).
//!
//! Ordering follows upstream exactly, including its surprise: without `$setElementOrder`, entries
//! new to a merge list go *before* the live ones.
//!
//! Deliberate differences from upstream, all for inputs real clients do not send: directives
//! never leak into the result (upstream copies a patch value verbatim when the live object lacks
//! the field, directives included), `$patch: delete` on a map removes the key instead of leaving
//! `{}`, and `$patch: merge` is accepted as a no-op where upstream rejects it.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::schema::{self, Field, SmpList};

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ELEMENT_ORDER: &str = "$setElementOrder";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";

const BAD_RETAIN_KEYS: &str = "invalid patch format of retainKeys";
const BAD_PRIMITIVE_LIST: &str = "invalid patch format of primitive list";
const BAD_SET_ELEMENT_ORDER: &str = "invalid patch format of setElementOrder list";

/// Applies a strategic merge patch to `original`, an object of kind `kind` in API group `group`.
///
/// # Errors
///
/// A malformed patch (not an object, a merge-list entry without its merge key, a bad directive)
/// gives the API server's message; the caller answers 400.
pub fn strategic_merge(
    group: &str,
    kind: &str,
    original: &Value,
    patch: &Value,
) -> Result<Value, String> {
    let patch = match patch {
        Value::Object(patch) => patch,
        // Go unmarshals `null` into an empty map: a no-op patch.
        Value::Null => return Ok(original.clone()),
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_type(other)
            ))
        }
    };
    let original = original.as_object().cloned().unwrap_or_default();
    merge_map(schema::root(group, kind), original, patch)?
        .map(Value::Object)
        .ok_or_else(|| "the object itself cannot be deleted with \"$patch: delete\"".to_string())
}

/// A `$patch` directive.
enum Directive {
    Replace,
    Delete,
    Merge,
}

fn directive(map: &Map<String, Value>) -> Result<Option<Directive>, String> {
    match map.get(PATCH) {
        None => Ok(None),
        Some(Value::String(s)) if s == "replace" => Ok(Some(Directive::Replace)),
        Some(Value::String(s)) if s == "delete" => Ok(Some(Directive::Delete)),
        Some(Value::String(s)) if s == "merge" => Ok(Some(Directive::Merge)),
        Some(other) => Err(format!(
            "unknown patch type: {} in map: {}",
            go_fmt(other),
            go_fmt_map(map)
        )),
    }
}

/// Whether `key` is a directive rather than a field name.
fn is_directive(key: &str) -> bool {
    key == PATCH
        || key == RETAIN_KEYS
        || key.starts_with(SET_ELEMENT_ORDER)
        || key.starts_with(DELETE_FROM_PRIMITIVE_LIST)
}

/// The list a `$setElementOrder/<list>` or `$deleteFromPrimitiveList/<list>` key names.
fn directive_target<'a>(key: &'a str, prefix: &str, error: &str) -> Result<&'a str, String> {
    key.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('/'))
        .ok_or_else(|| error.to_string())
}

/// Merges `patch` into the map `original`; `None` means the patch deletes the map.
fn merge_map(
    field: Field,
    original: Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<Option<Map<String, Value>>, String> {
    match directive(patch)? {
        Some(Directive::Delete) => Ok(None),
        // Merging into nothing drops the nulls and directives of the replacement.
        Some(Directive::Replace) => merge_fields(field, Map::new(), patch).map(Some),
        Some(Directive::Merge) | None => merge_fields(field, original, patch).map(Some),
    }
}

/// Merges the fields of `patch` (whose `$patch` directive has been handled) into `original`.
fn merge_fields(
    field: Field,
    mut original: Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    apply_retain_keys(&mut original, patch)?;
    apply_primitive_deletions(&mut original, patch)?;
    let ordered = apply_element_orders(field, &mut original, patch)?;
    for (key, value) in patch {
        if is_directive(key) || ordered.contains(key.as_str()) {
            continue;
        }
        merge_key(field.child(key), &mut original, key, value)?;
    }
    Ok(original)
}

/// Merges one patch entry into `original[key]`.
fn merge_key(
    field: Field,
    original: &mut Map<String, Value>,
    key: &str,
    patch: &Value,
) -> Result<(), String> {
    if patch.is_null() {
        original.shift_remove(key);
        return Ok(());
    }
    let merged = match (original.get_mut(key), patch) {
        (Some(Value::Object(live)), Value::Object(p)) if !field.smp_replace() => {
            merge_map(field, std::mem::take(live), p)?.map(Value::Object)
        }
        (Some(Value::Array(live)), Value::Array(p)) => {
            Some(Value::Array(merge_list(field, std::mem::take(live), p)?))
        }
        // New fields, scalars, type changes and `patchStrategy: replace` fields take the patch
        // value.
        _ => fresh(field, patch)?,
    };
    match merged {
        Some(value) => {
            original.insert(key.to_string(), value);
        }
        None => {
            original.shift_remove(key);
        }
    }
    Ok(())
}

/// A patch value with nothing to merge into, with its nulls and directives resolved;
/// `None` when it deletes itself.
fn fresh(field: Field, patch: &Value) -> Result<Option<Value>, String> {
    Ok(match patch {
        Value::Object(p) => merge_map(field, Map::new(), p)?.map(Value::Object),
        Value::Array(p) => Some(Value::Array(merge_list(field, Vec::new(), p)?)),
        scalar => Some(scalar.clone()),
    })
}

/// `$retainKeys`: drop every live key the list does not name. Every field the patch sets must be
/// named, or the patch contradicts itself.
fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<(), String> {
    let Some(retain) = patch.get(RETAIN_KEYS) else {
        return Ok(());
    };
    let Value::Array(retain) = retain else {
        return Err(BAD_RETAIN_KEYS.to_string());
    };
    let keep: HashSet<&str> = retain.iter().filter_map(Value::as_str).collect();
    let unlisted = patch
        .iter()
        .any(|(k, v)| !v.is_null() && !is_directive(k) && !keep.contains(k.as_str()));
    if unlisted {
        return Err(BAD_RETAIN_KEYS.to_string());
    }
    original.retain(|k, _| keep.contains(k.as_str()));
    Ok(())
}

/// `$deleteFromPrimitiveList/<list>`: remove the given values from a live primitive list.
fn apply_primitive_deletions(
    original: &mut Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<(), String> {
    for (key, value) in patch {
        if !key.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
            continue;
        }
        let target = directive_target(key, DELETE_FROM_PRIMITIVE_LIST, BAD_PRIMITIVE_LIST)?;
        let Value::Array(doomed) = value else {
            return Err(BAD_PRIMITIVE_LIST.to_string());
        };
        let doomed: HashSet<String> = doomed.iter().map(Value::to_string).collect();
        if let Some(Value::Array(list)) = original.get_mut(target) {
            list.retain(|v| !doomed.contains(&v.to_string()));
        }
    }
    Ok(())
}

/// `$setElementOrder/<list>`: merges each such list together with its ordering directive and
/// returns the names of the lists it merged, so the caller skips them.
fn apply_element_orders<'p>(
    field: Field,
    original: &mut Map<String, Value>,
    patch: &'p Map<String, Value>,
) -> Result<HashSet<&'p str>, String> {
    let mut merged_lists = HashSet::new();
    for (key, order) in patch {
        if !key.starts_with(SET_ELEMENT_ORDER) {
            continue;
        }
        let target = directive_target(key, SET_ELEMENT_ORDER, BAD_SET_ELEMENT_ORDER)?;
        let Value::Array(order) = order else {
            return Err(BAD_SET_ELEMENT_ORDER.to_string());
        };
        let list = field.child(target);
        let merge_key = match list.smp_list() {
            SmpList::MergeByKey(key) => Some(key),
            SmpList::Primitive => None,
            // Order is meaningless for a replaced list: the patch's own order wins.
            SmpList::Replace => continue,
        };
        let patch_list = match patch.get(target) {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => Some(items.as_slice()),
            Some(_) => return Err(BAD_SET_ELEMENT_ORDER.to_string()),
        };
        let live = match original.get_mut(target) {
            None => None,
            Some(Value::Array(items)) => Some(std::mem::take(items)),
            Some(_) => return Err(BAD_SET_ELEMENT_ORDER.to_string()),
        };
        if let Some(patch_list) = patch_list {
            validate_order(patch_list, order, merge_key)?;
        }
        let merged = match (live, patch_list) {
            (None, None) => continue,
            (Some(live), None) => Ordered::new(live, merge_key),
            (live, Some(patch_list)) => {
                let live = live.unwrap_or_default();
                let server_order = Ordered::ids(&live, merge_key);
                let merged = merge_list(list, live, patch_list)?;
                Ordered {
                    items: Ordered::new(merged, merge_key).items,
                    server_order,
                }
            }
        };
        let order_ids = Ordered::ids(order, merge_key);
        original.insert(target.to_string(), Value::Array(merged.sort_by(&order_ids)));
        if patch_list.is_some() {
            merged_lists.insert(target);
        }
    }
    Ok(merged_lists)
}

/// Checks that the entries of a patch list appear in `$setElementOrder` in the same relative
/// order (deletions aside).
fn validate_order(patch: &[Value], order: &[Value], merge_key: Option<&str>) -> Result<(), String> {
    let id = |v: &Value| item_id(v, merge_key);
    let mut order_ids = order.iter();
    for item in patch.iter().filter(|v| v.get(PATCH).is_none()) {
        let wanted = id(item)?;
        let mut found = false;
        for candidate in order_ids.by_ref() {
            if id(candidate)? == wanted {
                found = true;
                break;
            }
        }
        if !found {
            return Err(format!(
                "The order in patch list:\n{}\n doesn't match {SET_ELEMENT_ORDER} list:\n{}\n",
                go_fmt_list(patch),
                go_fmt_list(order)
            ));
        }
    }
    Ok(())
}

/// The identity of a list entry: its merge key's value, or the value itself for primitives.
fn item_id(item: &Value, merge_key: Option<&str>) -> Result<String, String> {
    let Some(key) = merge_key else {
        return Ok(item.to_string());
    };
    let Value::Object(map) = item else {
        return Err(format!(
            "expected a map[string]interface {{}}, but received a {}",
            go_type(item)
        ));
    };
    map.get(key).map(Value::to_string).ok_or_else(|| {
        format!(
            "map: {} does not contain declared merge key: {key}",
            go_fmt_map(map)
        )
    })
}

/// Merges a patch list into a live list according to the list's strategy.
fn merge_list(field: Field, live: Vec<Value>, patch: &[Value]) -> Result<Vec<Value>, String> {
    match field.smp_list() {
        SmpList::Replace => {
            let mut out = Vec::with_capacity(patch.len());
            for item in patch {
                out.extend(fresh(field.item(), item)?);
            }
            Ok(out)
        }
        SmpList::Primitive => Ok(merge_primitives(live, patch)),
        SmpList::MergeByKey(key) => merge_by_key(field.item(), key, live, patch),
    }
}

/// Set union of two primitive lists.
fn merge_primitives(live: Vec<Value>, patch: &[Value]) -> Vec<Value> {
    let server_order = Ordered::ids(&live, None);
    let mut seen = HashSet::new();
    let items: Vec<(String, Value)> = live
        .into_iter()
        .chain(patch.iter().cloned())
        .map(|v| (v.to_string(), v))
        .filter(|(id, _)| seen.insert(id.clone()))
        .collect();
    Ordered {
        items,
        server_order,
    }
    .sort_by(&Ordered::ids(patch, None))
}

/// Merges a list of maps by `key`: `$patch` elements first, then each entry into the live entry
/// with the same key, or appended.
fn merge_by_key(
    item: Field,
    key: &str,
    live: Vec<Value>,
    patch: &[Value],
) -> Result<Vec<Value>, String> {
    let mut entries = Vec::with_capacity(patch.len());
    let mut deleted = HashSet::new();
    let mut replace = false;
    for element in patch {
        let Value::Object(map) = element else {
            return Err(format!(
                "expected a map[string]interface {{}}, but received a {}",
                go_type(element)
            ));
        };
        let id = item_id(element, Some(key));
        match directive(map)? {
            None => entries.push((id?, map)),
            Some(Directive::Delete) => {
                deleted.insert(id?);
            }
            Some(Directive::Replace) => replace = true,
            Some(Directive::Merge) => {}
        }
    }
    if replace {
        return entries
            .into_iter()
            .map(|(_, map)| merge_fields(item, Map::new(), map).map(Value::Object))
            .collect();
    }

    let mut merged: Vec<(String, Value)> = Vec::with_capacity(live.len() + entries.len());
    for (i, value) in live.into_iter().enumerate() {
        let Value::Object(map) = &value else {
            return Err(format!("value for key {i} is not a map."));
        };
        // A live entry without the key can match nothing; give it an id no key can have.
        let id = map
            .get(key)
            .map_or_else(|| format!("#{i}"), Value::to_string);
        if !deleted.contains(&id) {
            merged.push((id, value));
        }
    }
    let server_order = merged.iter().map(|(id, _)| id.clone()).collect();
    let mut index: HashMap<String, usize> = HashMap::with_capacity(merged.len());
    for (i, (id, _)) in merged.iter().enumerate() {
        index.entry(id.clone()).or_insert(i);
    }
    let mut patch_order = Vec::with_capacity(entries.len());
    for (id, entry) in entries {
        patch_order.push(id.clone());
        match index.get(&id) {
            Some(&i) => {
                let live = match &mut merged[i].1 {
                    Value::Object(live) => std::mem::take(live),
                    _ => Map::new(),
                };
                merged[i].1 = Value::Object(merge_fields(item, live, entry)?);
            }
            None => {
                index.insert(id.clone(), merged.len());
                merged.push((id, Value::Object(merge_fields(item, Map::new(), entry)?)));
            }
        }
    }
    Ok(Ordered {
        items: merged,
        server_order,
    }
    .sort_by(&patch_order))
}

/// A merged list about to be put in order: each item with its identity, plus the identities
/// of the live list, whose order server-only items keep.
struct Ordered {
    items: Vec<(String, Value)>,
    server_order: Vec<String>,
}

impl Ordered {
    fn new(items: Vec<Value>, merge_key: Option<&str>) -> Ordered {
        let server_order = Ordered::ids(&items, merge_key);
        let items = server_order.iter().cloned().zip(items).collect();
        Ordered {
            items,
            server_order,
        }
    }

    /// Identities of list items (unkeyed items get one that matches nothing).
    fn ids(items: &[Value], merge_key: Option<&str>) -> Vec<String> {
        items
            .iter()
            .enumerate()
            .map(|(i, v)| item_id(v, merge_key).unwrap_or_else(|_| format!("#{i}")))
            .collect()
    }

    /// Upstream's `normalizeElementOrder`: the items `patch_order` names go in that order, the
    /// others keep their live order, and the two runs interleave by live position, the patch's
    /// items winning whenever either has no live position.
    fn sort_by(self, patch_order: &[String]) -> Vec<Value> {
        let patch_index = first_positions(patch_order);
        let server_index = first_positions(&self.server_order);
        let (mut from_patch, mut server_only): (Vec<_>, Vec<_>) = self
            .items
            .into_iter()
            .partition(|(id, _)| patch_index.contains_key(id.as_str()));
        let position = |index: &HashMap<&str, usize>, id: &str| index.get(id).copied();
        from_patch.sort_by_key(|(id, _)| position(&patch_index, id).unwrap_or(usize::MAX));
        server_only.sort_by_key(|(id, _)| position(&server_index, id).unwrap_or(usize::MAX));

        let mut out = Vec::with_capacity(from_patch.len() + server_only.len());
        let mut left = server_only.into_iter().peekable();
        let mut right = from_patch.into_iter().peekable();
        loop {
            let take_left = match (left.peek(), right.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some((l, _)), Some((r, _))) => {
                    match (position(&server_index, l), position(&server_index, r)) {
                        (Some(l), Some(r)) => l < r,
                        _ => false,
                    }
                }
            };
            let next = if take_left { left.next() } else { right.next() };
            out.extend(next.map(|(_, v)| v));
        }
        out
    }
}

fn first_positions(ids: &[String]) -> HashMap<&str, usize> {
    let mut index = HashMap::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        index.entry(id.as_str()).or_insert(i);
    }
    index
}

/// The JSON type name Go's decoder uses in its errors.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The Go type a decoded JSON value has, for error messages.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// A value the way Go's `%v` prints a decoded JSON value, for error messages.
fn go_fmt(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => go_fmt_list(items),
        Value::Object(map) => go_fmt_map(map),
        other => other.to_string(),
    }
}

fn go_fmt_list(items: &[Value]) -> String {
    let parts: Vec<String> = items.iter().map(go_fmt).collect();
    format!("[{}]", parts.join(" "))
}

fn go_fmt_map(map: &Map<String, Value>) -> String {
    let mut parts: Vec<(&String, String)> = map.iter().map(|(k, v)| (k, go_fmt(v))).collect();
    parts.sort();
    let parts: Vec<String> = parts.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!("map[{}]", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn deploy_patch(original: &Value, patch: Value) -> Value {
        match strategic_merge("apps", "Deployment", original, &patch) {
            Ok(v) => v,
            Err(e) => panic!("patch failed: {e}"),
        }
    }

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "web",
                "namespace": "default",
                "labels": {"app": "web"},
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}
            },
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}
                },
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "nginx",
                                "image": "nginx:1.25",
                                "imagePullPolicy": "IfNotPresent",
                                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                                "ports": [{"containerPort": 80, "protocol": "TCP"}]
                            },
                            {"name": "sidecar", "image": "envoy:1.30"}
                        ],
                        "tolerations": [{"key": "a", "operator": "Exists"}]
                    }
                }
            }
        })
    }

    fn containers(obj: &Value) -> &Vec<Value> {
        match obj.pointer("/spec/template/spec/containers") {
            Some(Value::Array(c)) => c,
            other => panic!("no containers: {other:?}"),
        }
    }

    fn names(list: &[Value]) -> Vec<&str> {
        list.iter()
            .map(|c| c.get("name").and_then(Value::as_str).unwrap_or("?"))
            .collect()
    }

    fn assert_no_directives(v: &Value) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    assert!(!k.starts_with('$'), "directive {k} leaked");
                    assert_no_directives(v);
                }
            }
            Value::Array(items) => items.iter().for_each(assert_no_directives),
            _ => {}
        }
    }

    #[test]
    fn kubectl_apply_patch_keeps_the_sidecar() {
        // The body kubectl apply sent in the apply2 trace (annotation shortened).
        let patch = json!({
            "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"x\":1}"}},
            "spec": {"replicas": 3, "template": {"spec": {
                "$setElementOrder/containers": [{"name": "nginx"}],
                "containers": [{"image": "nginx:1.27", "name": "nginx"}]
            }}}
        });
        let out = deploy_patch(&deployment(), patch);
        assert_no_directives(&out);
        assert_eq!(out["spec"]["replicas"], 3);
        assert_eq!(
            out["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
            "{\"x\":1}"
        );
        let c = containers(&out);
        assert_eq!(names(c), ["nginx", "sidecar"]);
        assert_eq!(
            c[0],
            json!({
                "name": "nginx",
                "image": "nginx:1.27",
                "imagePullPolicy": "IfNotPresent",
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                "ports": [{"containerPort": 80, "protocol": "TCP"}]
            })
        );
        assert_eq!(c[1], json!({"name": "sidecar", "image": "envoy:1.30"}));
        // Everything else is untouched.
        let mut expected = deployment();
        expected["spec"]["replicas"] = json!(3);
        expected["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] =
            json!("{\"x\":1}");
        expected["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.27");
        assert_eq!(out, expected);
    }

    #[test]
    fn set_element_order_places_new_and_server_only_entries() {
        // A sidecar injected first stays first; a container added by the manifest goes where
        // the manifest puts it.
        let mut live = deployment();
        live["spec"]["template"]["spec"]["containers"] = json!([
            {"name": "sidecar", "image": "envoy"},
            {"name": "nginx", "image": "nginx:1.25"}
        ]);
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}, {"name": "logger"}],
            "containers": [{"name": "logger", "image": "fluentbit"}]
        }}}});
        let out = deploy_patch(&live, patch);
        assert_eq!(names(containers(&out)), ["sidecar", "nginx", "logger"]);

        // Reordering alone.
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}]
        }}}});
        let out = deploy_patch(&live, patch);
        assert_eq!(names(containers(&out)), ["nginx", "sidecar"]);
    }

    #[test]
    fn patch_delete_removes_a_container() {
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}],
            "containers": [{"$patch": "delete", "name": "sidecar"}]
        }}}});
        let out = deploy_patch(&deployment(), patch);
        assert_eq!(names(containers(&out)), ["nginx"]);
        assert_eq!(containers(&out)[0]["image"], "nginx:1.25");

        // Without the order directive too.
        let patch = json!({"spec": {"template": {"spec": {
            "containers": [{"name": "nginx", "$patch": "delete"}]
        }}}});
        let out = deploy_patch(&deployment(), patch);
        assert_eq!(names(containers(&out)), ["sidecar"]);
    }

    #[test]
    fn entry_without_merge_key_is_rejected() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}});
        let err = strategic_merge("apps", "Deployment", &deployment(), &patch);
        assert_eq!(
            err,
            Err("map: map[image:x] does not contain declared merge key: name".to_string())
        );
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"$patch": "delete"}]}}}});
        let err = strategic_merge("apps", "Deployment", &deployment(), &patch);
        assert_eq!(
            err,
            Err("map: map[$patch:delete] does not contain declared merge key: name".to_string())
        );
        let patch = json!({"spec": {"template": {"spec": {"containers": ["nginx"]}}}});
        let err = strategic_merge("apps", "Deployment", &deployment(), &patch);
        assert_eq!(
            err,
            Err("expected a map[string]interface {}, but received a string".to_string())
        );
    }

    #[test]
    fn retain_keys_clears_the_other_union_member() {
        let patch = json!({"spec": {"strategy": {
            "$retainKeys": ["type"],
            "type": "Recreate",
            "rollingUpdate": null
        }}});
        let out = deploy_patch(&deployment(), patch);
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
        // The directive alone clears it, without an explicit null.
        let patch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}});
        let out = deploy_patch(&deployment(), patch);
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));

        // Without the directive, the old member would survive a plain merge.
        let patch = json!({"spec": {"strategy": {"type": "Recreate"}}});
        let out = deploy_patch(&deployment(), patch);
        assert_eq!(out["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");

        // A field the patch sets must be retained.
        let patch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}});
        let err = strategic_merge("apps", "Deployment", &deployment(), &patch);
        assert_eq!(err, Err("invalid patch format of retainKeys".to_string()));
        let patch = json!({"spec": {"strategy": {"$retainKeys": "type"}}});
        let err = strategic_merge("apps", "Deployment", &deployment(), &patch);
        assert_eq!(err, Err("invalid patch format of retainKeys".to_string()));
    }

    #[test]
    fn env_merges_by_name() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{
            "name": "nginx",
            "env": [{"name": "B", "value": "two"}, {"name": "C", "value": "3"}]
        }]}}}});
        let out = deploy_patch(&deployment(), patch);
        assert_eq!(
            containers(&out)[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "two"}, {"name": "C", "value": "3"}])
        );
        assert_eq!(names(containers(&out)), ["nginx", "sidecar"]);
    }

    #[test]
    fn new_entries_go_first_without_set_element_order() {
        // Upstream's normalizeElementOrder puts entries unknown to the live list ahead of it.
        let patch = json!({"spec": {"template": {"spec": {"containers": [{
            "name": "nginx",
            "env": [{"name": "Z", "value": "26"}]
        }]}}}});
        let out = deploy_patch(&deployment(), patch);
        assert_eq!(
            names(containers(&out)[0]["env"].as_array().unwrap_or(&vec![])),
            ["Z", "A", "B"]
        );
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "new"}]}}}});
        let out = deploy_patch(&deployment(), patch);
        assert_eq!(names(containers(&out)), ["new", "nginx", "sidecar"]);
    }

    #[test]
    fn service_selector_merges_key_by_key() {
        // patch_smp trace: `kubectl patch svc s -p '{"spec":{"selector":{"color":"green"}}}'`.
        let svc = json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "s", "namespace": "default"},
            "spec": {
                "selector": {"app": "web"},
                "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}]
            }
        });
        let patch = json!({"spec": {"selector": {"color": "green"}}});
        let out = strategic_merge("", "Service", &svc, &patch);
        let mut expected = svc.clone();
        expected["spec"]["selector"] = json!({"app": "web", "color": "green"});
        assert_eq!(out, Ok(expected));

        let patch = json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}});
        let out = strategic_merge("", "Service", &svc, &patch);
        assert_eq!(
            out.map(|o| o["spec"]["ports"].clone()),
            Ok(json!([{"port": 80, "protocol": "TCP", "targetPort": 9090}, {"port": 443}]))
        );
    }

    #[test]
    fn null_deletes_and_unknown_lists_are_replaced() {
        let patch = json!({
            "metadata": {"labels": {"app": null, "tier": "front"}},
            "spec": {"template": {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}}}
        });
        let out = deploy_patch(&deployment(), patch);
        assert_eq!(out["metadata"]["labels"], json!({"tier": "front"}));
        assert_eq!(
            out["spec"]["template"]["spec"]["tolerations"],
            json!([{"key": "b", "operator": "Exists"}])
        );
        let patch = json!({"spec": {"strategy": null, "paused": null}});
        let out = deploy_patch(&deployment(), patch);
        assert!(out["spec"].get("strategy").is_none());
        assert!(out["spec"].get("paused").is_none());
    }

    #[test]
    fn finalizers_are_a_set() {
        let cm = json!({"metadata": {"name": "c", "finalizers": ["a", "b"]}});
        let add = json!({"metadata": {"finalizers": ["b", "c"]}});
        let out = strategic_merge("", "ConfigMap", &cm, &add);
        assert_eq!(
            out.map(|o| o["metadata"]["finalizers"].clone()),
            Ok(json!(["a", "b", "c"]))
        );

        let remove = json!({"metadata": {
            "$deleteFromPrimitiveList/finalizers": ["a"],
            "$setElementOrder/finalizers": ["b"]
        }});
        let out = strategic_merge("", "ConfigMap", &cm, &remove);
        assert_eq!(
            out.map(|o| o["metadata"].clone()),
            Ok(json!({"name": "c", "finalizers": ["b"]}))
        );

        let bad = json!({"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}});
        let err = strategic_merge("", "ConfigMap", &cm, &bad);
        assert_eq!(
            err,
            Err("invalid patch format of primitive list".to_string())
        );
    }

    #[test]
    fn patch_replace_on_maps_and_lists() {
        let patch = json!({"spec": {"template": {
            "metadata": {"labels": {"$patch": "replace", "app": "web2", "gone": null}},
            "spec": {"containers": [{"$patch": "replace"}, {"name": "only", "image": "busybox"}]}
        }}});
        let out = deploy_patch(&deployment(), patch);
        assert_no_directives(&out);
        assert_eq!(
            out["spec"]["template"]["metadata"]["labels"],
            json!({"app": "web2"})
        );
        assert_eq!(
            containers(&out),
            &vec![json!({"name": "only", "image": "busybox"})]
        );
    }

    #[test]
    fn patch_delete_on_a_map_and_merge_directive() {
        let patch = json!({"spec": {"strategy": {"$patch": "delete"}}});
        let out = deploy_patch(&deployment(), patch);
        assert!(out["spec"].get("strategy").is_none());
        let patch = json!({"spec": {"strategy": {"$patch": "merge", "type": "Recreate"}}});
        let out = deploy_patch(&deployment(), patch);
        assert_eq!(out["spec"]["strategy"]["type"], "Recreate");
        assert_eq!(out["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
        let patch = json!({"spec": {"strategy": {"$patch": "squash"}}});
        let err = strategic_merge("apps", "Deployment", &deployment(), &patch);
        assert_eq!(
            err,
            Err("unknown patch type: squash in map: map[$patch:squash]".to_string())
        );
    }

    #[test]
    fn directives_in_new_fields_do_not_leak() {
        let live = json!({"metadata": {"name": "p"}, "spec": {}});
        let patch = json!({"spec": {
            "$setElementOrder/containers": [{"name": "a"}],
            "containers": [{"name": "a", "env": [{"name": "X", "value": null}, {"$patch": "delete", "name": "Y"}]}],
            "affinity": {"$patch": "replace", "nodeAffinity": {}},
            "dnsConfig": {"$patch": "delete"}
        }});
        let out = strategic_merge("", "Pod", &live, &patch);
        assert_eq!(
            out,
            Ok(json!({"metadata": {"name": "p"}, "spec": {
                "containers": [{"name": "a", "env": [{"name": "X"}]}],
                "affinity": {"nodeAffinity": {}}
            }}))
        );
    }

    #[test]
    fn set_element_order_must_agree_with_the_patch_list() {
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "nginx"}],
            "containers": [{"name": "nginx", "image": "a"}, {"name": "sidecar", "image": "b"}]
        }}}});
        let err = strategic_merge("apps", "Deployment", &deployment(), &patch);
        assert_eq!(
            err,
            Err("The order in patch list:\n[map[image:a name:nginx] map[image:b name:sidecar]]\n doesn't match $setElementOrder list:\n[map[name:sidecar] map[name:nginx]]\n".to_string())
        );
        let patch = json!({"spec": {"$setElementOrder": []}});
        let err = strategic_merge("apps", "Deployment", &deployment(), &patch);
        assert_eq!(
            err,
            Err("invalid patch format of setElementOrder list".to_string())
        );
    }

    #[test]
    fn malformed_patches() {
        let obj = deployment();
        for (patch, kind) in [
            (json!([]), "array"),
            (json!("x"), "string"),
            (json!(1), "number"),
        ] {
            assert_eq!(
                strategic_merge("apps", "Deployment", &obj, &patch),
                Err(format!(
                    "json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
                ))
            );
        }
        assert_eq!(
            strategic_merge("apps", "Deployment", &obj, &Value::Null),
            Ok(obj.clone())
        );
        // Type changes replace rather than fail.
        let patch = json!({"spec": {"template": {"spec": {"containers": "oops"}}}});
        let out = deploy_patch(&obj, patch);
        assert_eq!(out["spec"]["template"]["spec"]["containers"], "oops");
        assert!(strategic_merge("apps", "Deployment", &obj, &json!({"$patch": "delete"})).is_err());
    }

    #[test]
    fn long_lists_merge_in_reasonable_time() {
        let live: Vec<Value> = (0..5000)
            .map(|i| json!({"name": format!("v{i}"), "value": "x"}))
            .collect();
        let patch: Vec<Value> = (0..5000)
            .map(|i| json!({"name": format!("v{i}"), "value": "y"}))
            .collect();
        let order: Vec<Value> = (0..5000)
            .rev()
            .map(|i| json!({"name": format!("v{i}")}))
            .collect();
        let pod = json!({"spec": {"containers": [{"name": "c", "env": live}]}});
        let started = std::time::Instant::now();
        let merge = json!({"spec": {"containers": [{"name": "c", "env": patch}]}});
        let out = strategic_merge("", "Pod", &pod, &merge).unwrap_or_default();
        let env = out
            .pointer("/spec/containers/0/env")
            .and_then(Value::as_array);
        assert_eq!(env.map(Vec::len), Some(5000));
        assert!(env.is_some_and(|e| e.iter().all(|v| v["value"] == "y")));
        let reorder =
            json!({"spec": {"containers": [{"name": "c", "$setElementOrder/env": order}]}});
        let out = strategic_merge("", "Pod", &pod, &reorder).unwrap_or_default();
        assert_eq!(
            out.pointer("/spec/containers/0/env/0/name"),
            Some(&json!("v4999"))
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
