//! Small accessors for objects held as JSON values.

use serde_json::{Map, Value};

/// Reads `metadata.<field>` as a string, or "".
pub fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

pub fn name(obj: &Value) -> &str {
    meta_str(obj, "name")
}

pub fn namespace(obj: &Value) -> &str {
    meta_str(obj, "namespace")
}

pub fn uid(obj: &Value) -> &str {
    meta_str(obj, "uid")
}

/// `metadata.resourceVersion` as a number (0 when absent or not numeric).
pub fn resource_version(obj: &Value) -> u64 {
    meta_str(obj, "resourceVersion").parse().unwrap_or(0)
}

/// `metadata.labels`, or an empty map.
pub fn labels(obj: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    obj.get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// `metadata.annotations.<key>`.
pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

/// Sets `metadata.annotations.<key>`, creating the map if needed.
pub fn set_annotation(obj: &mut Value, key: &str, value: &str) {
    let annotations = meta_mut(obj)
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !annotations.is_object() {
        *annotations = Value::Object(Map::new());
    }
    if let Some(a) = annotations.as_object_mut() {
        a.insert(key.to_string(), Value::String(value.to_string()));
    }
}

/// Whether `metadata.deletionTimestamp` is set.
pub fn is_deleting(obj: &Value) -> bool {
    obj.get("metadata")
        .and_then(|m| m.get("deletionTimestamp"))
        .is_some_and(|v| !v.is_null())
}

/// The `metadata` object, created if missing.
pub fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    ensure_object(obj, "metadata")
}

/// `obj[key]` as an object, created (replacing any non-object) if missing.
pub fn ensure_object<'a>(obj: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    if !obj.is_object() {
        *obj = Value::Object(Map::new());
    }
    let map = obj.as_object_mut().expect("object");
    let entry = map
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut().expect("object")
}

/// Follows a dotted path of object keys.
pub fn path<'a>(obj: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(obj, |v, k| v.get(k))
}

/// A string at a dotted path, or "".
pub fn path_str<'a>(obj: &'a Value, dotted: &str) -> &'a str {
    path(obj, dotted).and_then(Value::as_str).unwrap_or("")
}

/// An integer at a dotted path.
pub fn path_i64(obj: &Value, dotted: &str) -> Option<i64> {
    path(obj, dotted).and_then(Value::as_i64)
}

/// Sets a value at a dotted path, creating intermediate objects.
pub fn set_path(obj: &mut Value, dotted: &str, value: Value) {
    let (parents, last) = match dotted.rsplit_once('.') {
        Some((p, l)) => (Some(p), l),
        None => (None, dotted),
    };
    let mut cur = obj;
    for key in parents.into_iter().flat_map(|p| p.split('.')) {
        ensure_object(cur, key);
        cur = cur.get_mut(key).expect("created above");
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    cur.as_object_mut()
        .expect("object")
        .insert(last.to_string(), value);
}

/// Removes the value at a dotted path, if present.
pub fn remove_path(obj: &mut Value, dotted: &str) -> Option<Value> {
    let (parent, last) = match dotted.rsplit_once('.') {
        Some((p, l)) => (path_mut(obj, p)?, l),
        None => (obj, dotted),
    };
    parent.as_object_mut()?.remove(last)
}

/// Mutable access along a dotted path of object keys.
pub fn path_mut<'a>(obj: &'a mut Value, dotted: &str) -> Option<&'a mut Value> {
    dotted.split('.').try_fold(obj, |v, k| v.get_mut(k))
}

/// Owner references' uids.
pub fn owner_uids(obj: &Value) -> Vec<String> {
    obj.get("metadata")
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Value::as_array)
        .map(|refs| {
            refs.iter()
                .filter_map(|r| r.get("uid").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The owner references.
pub fn owner_refs(obj: &Value) -> &[Value] {
    obj.get("metadata")
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The controller owner reference (`controller: true`), if any.
pub fn controller_ref(obj: &Value) -> Option<&Value> {
    obj.get("metadata")?
        .get("ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_path_creates_intermediate_objects() {
        let mut v = json!({"a": 1});
        set_path(&mut v, "spec.template.metadata.labels", json!({"x": "y"}));
        assert_eq!(v["spec"]["template"]["metadata"]["labels"]["x"], "y");
        set_path(&mut v, "spec.replicas", json!(3));
        assert_eq!(v["spec"]["replicas"], 3);
        assert_eq!(v["spec"]["template"]["metadata"]["labels"]["x"], "y");
    }

    #[test]
    fn remove_path_removes_a_leaf() {
        let mut v = json!({"metadata": {"annotations": {"a": "1", "b": "2"}}});
        assert_eq!(
            remove_path(&mut v, "metadata.annotations.a"),
            Some(json!("1"))
        );
        assert_eq!(v, json!({"metadata": {"annotations": {"b": "2"}}}));
        assert_eq!(remove_path(&mut v, "missing.path"), None);
    }
}
