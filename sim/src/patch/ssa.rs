//! Server-side apply and managed fields.
//!
//! Every write records who set which field in `metadata.managedFields`: [`apply`] for
//! `application/apply-patch+yaml` (an `Apply` entry holding exactly the fields of the applied
//! configuration) and [`record_update`] for every other write (an `Update` entry accumulating
//! the fields the manager changed). Ownership is what lets apply remove a field its manager
//! stopped applying, and refuse to overwrite another manager's field without `force`.
//!
//! Fields are tracked like structured-merge-diff tracks them: leaves (scalars, and atomic
//! lists/maps/structs as a whole), items of `listType=map` lists (`k:{"name":"nginx"}`) and of
//! sets (`v:"value"`), and, in update entries only, the granular maps and lists an update
//! creates (the `.` entry). Structs are never owned themselves, only their fields.
//!
//! Managers are identified like the API server identifies them: by name, operation and
//! subresource. So `kubectl` applying and `kubectl` updating (e.g. `kubectl edit`) are two
//! managers, and applying over a field the same name set by an update is a conflict reported
//! against that name, as it is upstream.
//!
//! Also as upstream: an object without managed fields is first attributed to
//! `before-first-apply`; the `kubectl` manager may take over fields whose live value still
//! matches the `kubectl.kubernetes.io/last-applied-configuration` annotation (client-side to
//! server-side apply migration) and keeps that annotation up to date; entries are sorted by
//! operation, time and manager; a manager's `time` moves only when its write changed something.
//!
//! Known differences: `null` in an applied configuration is ignored (upstream treats it as an
//! explicit value), list items that cannot be keyed in a stored object make the list atomic, the
//! `.` entries of update entries follow the schema (the maps and keyed lists an update creates)
//! rather than Go zero values (so a new pointer struct gets none and a new `containers` list gets
//! one), entry identities ignore `apiVersion` (the simulator serves one version per kind), and
//! update entries are not capped at 10.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Bound;

use serde_json::{json, Map, Value};

use super::schema::{self, Field, MapKey, SsaList};
use crate::obj;

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
const BEFORE_FIRST_APPLY: &str = "before-first-apply";

#[derive(Debug, PartialEq)]
pub enum ApplyError {
    /// (manager as the API server prints it, e.g. `"kubectl"` or `"x" using apps/v1`;
    /// field path such as `.spec.replicas`)
    Conflicts(Vec<(String, String)>),
    Invalid(String),
}

/// Server-side apply: merges the applied configuration `config` into `live` (or builds the
/// object from it when `live` is `None`) and updates `metadata.managedFields`.
///
/// Maps and structs merge field by field, `listType=map` lists by key, sets by value, and
/// atomic values are replaced. Fields `manager` applied last time but no longer applies are
/// removed unless another manager also owns them (or something below them).
///
/// # Errors
///
/// [`ApplyError::Conflicts`] when, without `force`, the apply changes fields other managers own,
/// one `(manager, path)` per field; [`ApplyError::Invalid`] when the configuration is not an
/// object, carries `metadata.managedFields`, or has list items SSA cannot key.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    group: &str,
    kind: &str,
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    api_version: &str,
    force: bool,
    now: &str,
) -> Result<Value, ApplyError> {
    if !config.is_object() {
        return Err(ApplyError::Invalid(
            "the applied configuration must be an object".to_string(),
        ));
    }
    let carries_managed_fields = config
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .is_some_and(|v| !v.is_null());
    if carries_managed_fields {
        return Err(ApplyError::Invalid(
            "metadata.managedFields must be nil".to_string(),
        ));
    }
    let root = schema::root(group, kind);
    let config_nodes = nodes(root, config, Mode::Strict).map_err(|e| {
        ApplyError::Invalid(format!(
            "failed to create typed patch object ({api_version}, Kind={kind}): {e}"
        ))
    })?;
    let applied = applied_set(&config_nodes);

    let live_obj = live.map_or_else(|| json!({}), without_managed_fields);
    let live_nodes = lenient_nodes(root, &live_obj);
    let mut entries = live.map(managed_of).unwrap_or_default();
    if live.is_some() && entries.is_empty() {
        entries.push(Entry {
            fields: recordable_set(&live_nodes),
            time: Some(now.to_string()),
            ..Entry::new(BEFORE_FIRST_APPLY, Operation::Update, None, api_version)
        });
    }
    let is_mine = |e: &Entry| e.is(manager, Operation::Apply, None);
    let previous = entries.iter().find(|e| is_mine(e)).map(|e| &e.fields);
    let existed = previous.is_some();

    let mut merged = live_obj.clone();
    merge_into(root, &mut merged, config);
    if let Some(previous) = previous {
        let doomed = removable(previous, &applied, entries.iter().filter(|e| !is_mine(e)));
        remove_all(root, &mut merged, &mut Vec::new(), &doomed, &[]);
    }

    let diff = compare(&live_nodes, &lenient_nodes(root, &merged));
    let conflicts = conflicts(entries.iter().filter(|e| !is_mine(e)), &diff.changed);
    if !conflicts.is_empty() && !force {
        let allowed = match manager {
            "kubectl" => last_applied_fields(root, &live_obj, &live_nodes, api_version),
            _ => None,
        };
        let remaining: Vec<(String, String)> = conflicts
            .into_iter()
            .filter(|(_, path)| !allowed.as_ref().is_some_and(|a| a.contains(path)))
            .map(|(m, path)| (m, display(&path)))
            .collect();
        if !remaining.is_empty() {
            return Err(ApplyError::Conflicts(remaining));
        }
    }

    let changed_object = merged != live_obj;
    for entry in entries.iter_mut().filter(|e| !is_mine(e)) {
        entry.release(&diff);
    }
    let entry = entry_mut(&mut entries, manager, Operation::Apply, None, api_version);
    entry.fields = applied;
    if changed_object || !existed {
        entry.time = Some(now.to_string());
    }
    store_managed(&mut merged, entries);
    if manager == "kubectl" {
        sync_last_applied(&mut merged, config);
    }
    Ok(merged)
}

/// Records an `Update` by `manager` (POST, PUT, non-apply PATCH, controller writes): the fields
/// whose value the write set or changed between `old` and `new` go to the manager's
/// `(manager, Update, subresource)` entry and are taken from every other entry; entries left
/// empty are dropped. On create (`old` is `None`) every field of `new` goes to the manager.
///
/// Managed fields the client put in `new` are honoured, as upstream: a write that replaces
/// them (the CSA to SSA migration patch) decides the starting point, and `[{}]` resets them.
/// Subresource writes always start from `old`'s.
#[allow(clippy::too_many_arguments)]
pub fn record_update(
    group: &str,
    kind: &str,
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    subresource: Option<&str>,
    now: &str,
) {
    if !new.is_object() {
        return;
    }
    let root = schema::root(group, kind);
    let mut entries = managed_for_update(old, new, subresource.is_some());
    let nothing = json!({});
    let old_nodes = lenient_nodes(root, old.unwrap_or(&nothing));
    let new_nodes = lenient_nodes(root, new);
    let diff = compare(&old_nodes, &new_nodes);
    let recorded: FieldSet = diff
        .changed
        .iter()
        .filter(|p| {
            new_nodes
                .get(*p)
                .is_some_and(|n| n.kind.recorded_by_update())
        })
        .cloned()
        .collect();
    for entry in &mut entries {
        entry.release(&diff);
    }
    if !recorded.is_empty() {
        let entry = entry_mut(
            &mut entries,
            manager,
            Operation::Update,
            subresource,
            api_version,
        );
        entry.fields.extend(recorded);
        entry.time = Some(now.to_string());
    }
    store_managed(new, entries);
}

// ---------------------------------------------------------------------------------------------
// Field paths and sets.

/// One step of a field path. The variant order is structured-merge-diff's, which FieldsV1
/// output follows.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Pe {
    /// `f:<name>`: an object field.
    Field(String),
    /// `k:{...}`: a `listType=map` item, as the canonical JSON of its key fields.
    Key(String),
    /// `v:<json>`: a set item, as canonical JSON.
    Value(String),
    /// `i:<n>`: a list index (only ever read from client-provided managed fields).
    Index(u64),
}

type Path = Vec<Pe>;
type FieldSet = BTreeSet<Path>;

impl Pe {
    fn encode(&self) -> String {
        match self {
            Pe::Field(name) => format!("f:{name}"),
            Pe::Key(key) => format!("k:{key}"),
            Pe::Value(value) => format!("v:{value}"),
            Pe::Index(i) => format!("i:{i}"),
        }
    }

    fn decode(s: &str) -> Result<Pe, String> {
        let json = |text: &str| {
            serde_json::from_str::<Value>(text)
                .map_err(|e| format!("invalid path element {s:?}: {e}"))
        };
        if let Some(name) = s.strip_prefix("f:") {
            Ok(Pe::Field(name.to_string()))
        } else if let Some(key) = s.strip_prefix("k:") {
            match json(key)? {
                key @ Value::Object(_) => Ok(Pe::Key(canonical(&key))),
                _ => Err(format!("invalid path element {s:?}: keys must be objects")),
            }
        } else if let Some(value) = s.strip_prefix("v:") {
            Ok(Pe::Value(canonical(&json(value)?)))
        } else if let Some(index) = s.strip_prefix("i:") {
            index
                .parse()
                .map(Pe::Index)
                .map_err(|e| format!("invalid path element {s:?}: {e}"))
        } else {
            Err(format!("invalid path element {s:?}"))
        }
    }
}

/// A path the way the API server prints it in conflicts:
/// `.spec.template.spec.containers[name="nginx"].image`.
fn display(path: &[Pe]) -> String {
    let mut out = String::new();
    for pe in path {
        match pe {
            Pe::Field(name) => {
                out.push('.');
                out.push_str(name);
            }
            Pe::Key(key) => {
                let parts: Vec<String> = match serde_json::from_str::<Value>(key) {
                    Ok(Value::Object(fields)) => {
                        fields.iter().map(|(k, v)| format!("{k}={v}")).collect()
                    }
                    _ => vec![key.clone()],
                };
                out.push_str(&format!("[{}]", parts.join(",")));
            }
            Pe::Value(value) => out.push_str(&format!("[={value}]")),
            Pe::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Compact JSON with object keys sorted, so equal values always spell the same.
fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut fields: Vec<(&String, &Value)> = map.iter().collect();
                fields.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    fields
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sorted(v)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// The identity of a `listType=map` item: its key fields (defaults filled in) as canonical
/// JSON, or `None` when it is not an object or misses a key without a default.
fn item_key(keys: &[MapKey], item: &Value) -> Option<String> {
    let fields = item.as_object()?;
    let mut key = Map::new();
    for k in keys {
        let value = match fields.get(k.name) {
            Some(v) if !v.is_null() => v.clone(),
            _ => Value::String(k.default?.to_string()),
        };
        key.insert(k.name.to_string(), value);
    }
    Some(canonical(&Value::Object(key)))
}

/// Whether `set` holds `path` or a path below it.
fn owns_within(set: &FieldSet, path: &Path) -> bool {
    set.range::<Path, _>((Bound::Included(path), Bound::Unbounded))
        .next()
        .is_some_and(|p| p.starts_with(path))
}

// ---------------------------------------------------------------------------------------------
// The nodes of an object: every path in it, classified.

/// What a path in an object is, which decides who may own it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Owned and compared as a whole: a scalar, an atomic list/map/struct, a set item.
    Leaf,
    /// An empty granular map or list: compared as a leaf, but applying `{}` claims nothing.
    Empty,
    /// A `listType=map` item: owned itself (`.`) as well as through its fields.
    Item,
    /// A granular map or a set/map list: owned itself only by the update that creates it.
    Container,
    /// A struct: only its fields are ever owned.
    Struct,
}

impl Kind {
    fn applied(self) -> bool {
        matches!(self, Kind::Leaf | Kind::Item)
    }

    fn recorded_by_update(self) -> bool {
        !matches!(self, Kind::Struct)
    }
}

#[derive(Clone, Copy, Debug)]
struct Node<'a> {
    kind: Kind,
    value: &'a Value,
}

type Nodes<'a> = BTreeMap<Path, Node<'a>>;

/// What to do with list items the schema cannot key (missing or duplicate keys).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// An applied configuration: refuse it, as the API server does.
    Strict,
    /// A stored object: treat the list as atomic.
    Lenient,
}

fn nodes<'a>(root: Field, obj: &'a Value, mode: Mode) -> Result<Nodes<'a>, String> {
    let mut walker = Walker {
        nodes: BTreeMap::new(),
        mode,
        path: Vec::new(),
    };
    if let Value::Object(fields) = obj {
        walker.fields(root, fields)?;
    }
    Ok(walker.nodes)
}

fn lenient_nodes(root: Field, obj: &Value) -> Nodes<'_> {
    nodes(root, obj, Mode::Lenient).unwrap_or_default()
}

/// Fields an apply configuration claims.
fn applied_set(nodes: &Nodes) -> FieldSet {
    nodes
        .iter()
        .filter(|(_, n)| n.kind.applied())
        .map(|(p, _)| p.clone())
        .collect()
}

/// Fields an update that created the whole object would claim.
fn recordable_set(nodes: &Nodes) -> FieldSet {
    nodes
        .iter()
        .filter(|(_, n)| n.kind.recorded_by_update())
        .map(|(p, _)| p.clone())
        .collect()
}

/// Server-maintained fields nobody owns.
fn ignored(parent: &[Pe], name: &str) -> bool {
    match parent {
        [] => matches!(name, "apiVersion" | "kind"),
        [Pe::Field(metadata)] if metadata == "metadata" => matches!(
            name,
            "name"
                | "namespace"
                | "uid"
                | "resourceVersion"
                | "generation"
                | "creationTimestamp"
                | "managedFields"
                | "deletionTimestamp"
                | "selfLink"
        ),
        _ => false,
    }
}

struct Walker<'a> {
    nodes: Nodes<'a>,
    mode: Mode,
    path: Path,
}

impl<'a> Walker<'a> {
    fn add(&mut self, kind: Kind, value: &'a Value) {
        self.nodes.insert(self.path.clone(), Node { kind, value });
    }

    fn fields(&mut self, field: Field, fields: &'a Map<String, Value>) -> Result<(), String> {
        for (name, value) in fields {
            if value.is_null() || ignored(&self.path, name) {
                continue;
            }
            self.path.push(Pe::Field(name.clone()));
            self.value(field.child(name), value)?;
            self.path.pop();
        }
        Ok(())
    }

    fn value(&mut self, field: Field, value: &'a Value) -> Result<(), String> {
        match value {
            Value::Object(_) if field.ssa_atomic() => self.add(Kind::Leaf, value),
            Value::Object(fields) if fields.is_empty() => self.add(Kind::Empty, value),
            Value::Object(fields) => {
                let kind = if field.is_map() {
                    Kind::Container
                } else {
                    Kind::Struct
                };
                self.add(kind, value);
                self.fields(field, fields)?;
            }
            Value::Array(items) => self.list(field, value, items)?,
            _ => self.add(Kind::Leaf, value),
        }
        Ok(())
    }

    fn list(&mut self, field: Field, value: &'a Value, items: &'a [Value]) -> Result<(), String> {
        let keys = match field.ssa_list() {
            SsaList::Atomic => {
                self.add(Kind::Leaf, value);
                return Ok(());
            }
            SsaList::Set => None,
            SsaList::Map(keys) => Some(keys),
        };
        if items.is_empty() {
            self.add(Kind::Empty, value);
            return Ok(());
        }
        let ids = match list_ids(keys, items) {
            Ok(ids) => ids,
            Err(e) if self.mode == Mode::Strict => {
                return Err(format!("{}: {e}", display(&self.path)))
            }
            Err(_) => {
                self.add(Kind::Leaf, value);
                return Ok(());
            }
        };
        self.add(Kind::Container, value);
        let item = field.item();
        for (pe, value) in ids.into_iter().zip(items) {
            self.path.push(pe);
            match value {
                Value::Object(fields) if keys.is_some() && !item.ssa_atomic() => {
                    self.add(Kind::Item, value);
                    self.fields(item, fields)?;
                }
                _ => self.add(Kind::Leaf, value),
            }
            self.path.pop();
        }
        Ok(())
    }
}

/// The path elements of the items of a set (`keys` is `None`) or map list, failing where the
/// API server rejects an applied list.
fn list_ids(keys: Option<&[MapKey]>, items: &[Value]) -> Result<Vec<Pe>, String> {
    let mut seen = HashSet::with_capacity(items.len());
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        let pe = match keys {
            Some(keys) => Pe::Key(item_key(keys, item).ok_or_else(|| missing_key(keys, item))?),
            None if item.is_object() || item.is_array() => {
                return Err(format!("set items must be scalars, got {item}"))
            }
            None => Pe::Value(canonical(item)),
        };
        if !seen.insert(pe.clone()) {
            let shown = display(std::slice::from_ref(&pe));
            return Err(format!("duplicate entries for key {shown}"));
        }
        ids.push(pe);
    }
    Ok(ids)
}

fn missing_key(keys: &[MapKey], item: &Value) -> String {
    let Value::Object(fields) = item else {
        return format!("expected an object in an associative list, got {item}");
    };
    let name = keys
        .iter()
        .find(|k| fields.get(k.name).is_none_or(Value::is_null))
        .map_or("", |k| k.name);
    format!("associative list with keys has an element that omits key field {name:?} (and doesn't have default value)")
}

/// What a write changed: paths that appeared or whose value changed, and paths that went away.
struct Diff {
    changed: FieldSet,
    removed: FieldSet,
}

fn compare(old: &Nodes, new: &Nodes) -> Diff {
    let differs =
        |a: &Node, b: &Node| (a.kind == Kind::Leaf || b.kind == Kind::Leaf) && a.value != b.value;
    let changed = new
        .iter()
        .filter(|(path, n)| old.get(*path).is_none_or(|o| differs(o, n)))
        .map(|(path, _)| path.clone())
        .collect();
    let removed = old
        .keys()
        .filter(|path| !new.contains_key(*path))
        .cloned()
        .collect();
    Diff { changed, removed }
}

// ---------------------------------------------------------------------------------------------
// Merging and pruning values.

/// Merges an applied configuration into a live value, field-wise where the schema is granular.
fn merge_into(field: Field, live: &mut Value, config: &Value) {
    match (live, config) {
        (Value::Object(live), Value::Object(config)) if !field.ssa_atomic() => {
            for (name, value) in config {
                if value.is_null() {
                    continue;
                }
                match live.get_mut(name) {
                    Some(current) => merge_into(field.child(name), current, value),
                    None => {
                        live.insert(name.clone(), without_nulls(value));
                    }
                }
            }
        }
        (Value::Array(live), Value::Array(config)) => match field.ssa_list() {
            SsaList::Map(keys) => merge_items(field.item(), live, config, |v| item_key(keys, v)),
            SsaList::Set => merge_items(field.item(), live, config, |v| Some(canonical(v))),
            SsaList::Atomic => *live = config.iter().map(without_nulls).collect(),
        },
        (live, config) => *live = without_nulls(config),
    }
}

/// Merges a keyed list the way structured-merge-diff orders it: live-only items keep their
/// place, shared items follow the configuration's order, new items go where the
/// configuration puts them.
fn merge_items(
    item: Field,
    live: &mut Vec<Value>,
    config: &[Value],
    id: impl Fn(&Value) -> Option<String>,
) {
    let live_ids: Option<Vec<String>> = live.iter().map(&id).collect();
    let config_ids: Option<Vec<String>> = config.iter().map(&id).collect();
    let (Some(live_ids), Some(config_ids)) = (live_ids, config_ids) else {
        *live = config.iter().map(without_nulls).collect();
        return;
    };
    let mut live_index = HashMap::with_capacity(live_ids.len());
    for (i, id) in live_ids.iter().enumerate() {
        if live_index.insert(id.as_str(), i).is_some() {
            // Duplicate keys in the stored list: it cannot be merged by key.
            *live = config.iter().map(without_nulls).collect();
            return;
        }
    }
    let in_config: HashSet<&str> = config_ids.iter().map(String::as_str).collect();

    let mut old: Vec<Option<Value>> = std::mem::take(live).into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(old.len() + config.len());
    let (mut li, mut ri) = (0, 0);
    while li < old.len() || ri < config.len() {
        if let Some(slot) = old.get_mut(li) {
            if slot.is_none() {
                li += 1;
                continue;
            }
            if !in_config.contains(live_ids[li].as_str()) {
                out.extend(slot.take());
                li += 1;
                continue;
            }
        }
        let Some(wanted) = config.get(ri) else {
            li += 1;
            continue;
        };
        let current = live_index
            .get(config_ids[ri].as_str())
            .and_then(|&j| old.get_mut(j))
            .and_then(Option::take);
        out.push(match current {
            Some(mut current) => {
                merge_into(item, &mut current, wanted);
                current
            }
            None => without_nulls(wanted),
        });
        ri += 1;
    }
    *live = out;
}

fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn without_managed_fields(obj: &Value) -> Value {
    let mut obj = obj.clone();
    if let Some(Value::Object(meta)) = obj.get_mut("metadata") {
        meta.shift_remove("managedFields");
    }
    obj
}

/// Fields the applier owned and no longer applies, that nobody else owns (at or below them).
fn removable<'e>(
    previous: &FieldSet,
    applied: &FieldSet,
    others: impl Iterator<Item = &'e Entry>,
) -> FieldSet {
    let keepers: Vec<&FieldSet> = std::iter::once(applied)
        .chain(others.map(|e| &e.fields))
        .collect();
    previous
        .difference(applied)
        .filter(|path| !keepers.iter().any(|set| owns_within(set, path)))
        .cloned()
        .collect()
}

/// Removes every node of `value` whose path is in `doomed`, in one pass, plus the maps and lists
/// those removals leave empty. `protected` are the key fields of the item being visited: an item
/// keeps them as long as it exists. Returns whether anything was removed.
fn remove_all(
    field: Field,
    value: &mut Value,
    path: &mut Path,
    doomed: &FieldSet,
    protected: &[MapKey],
) -> bool {
    match value {
        Value::Object(fields) => {
            let names: Vec<String> = fields.keys().cloned().collect();
            let mut removed = false;
            for name in names {
                if protected.iter().any(|k| k.name == name) {
                    continue;
                }
                path.push(Pe::Field(name.clone()));
                if doomed.contains(path) {
                    fields.shift_remove(&name);
                    removed = true;
                } else if owns_within(doomed, path) {
                    if let Some(child) = fields.get_mut(&name) {
                        if remove_all(field.child(&name), child, path, doomed, &[]) {
                            removed = true;
                            if is_empty_container(child) {
                                fields.shift_remove(&name);
                            }
                        }
                    }
                }
                path.pop();
            }
            removed
        }
        Value::Array(items) => {
            let keys = match field.ssa_list() {
                SsaList::Map(keys) => keys,
                _ => &[],
            };
            let ssa = field.ssa_list();
            let mut removed = false;
            let mut kept = Vec::with_capacity(items.len());
            for (i, mut item) in std::mem::take(items).into_iter().enumerate() {
                let pe = match ssa {
                    SsaList::Map(keys) => item_key(keys, &item).map(Pe::Key),
                    SsaList::Set => Some(Pe::Value(canonical(&item))),
                    SsaList::Atomic => u64::try_from(i).ok().map(Pe::Index),
                };
                let Some(pe) = pe else {
                    kept.push(item);
                    continue;
                };
                path.push(pe);
                if doomed.contains(path) {
                    removed = true;
                } else {
                    if owns_within(doomed, path) {
                        removed |= remove_all(field.item(), &mut item, path, doomed, keys);
                    }
                    kept.push(item);
                }
                path.pop();
            }
            *items = kept;
            removed
        }
        _ => false,
    }
}

fn is_empty_container(value: &Value) -> bool {
    match value {
        Value::Object(fields) => fields.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Managed fields entries.

/// Ordered as the API server orders entries (`"Apply"` before `"Update"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Operation {
    Apply,
    Update,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    manager: String,
    operation: Operation,
    api_version: String,
    time: Option<String>,
    subresource: Option<String>,
    fields: FieldSet,
}

impl Entry {
    fn new(
        manager: &str,
        operation: Operation,
        subresource: Option<&str>,
        api_version: &str,
    ) -> Entry {
        Entry {
            manager: manager.to_string(),
            operation,
            api_version: api_version.to_string(),
            time: None,
            subresource: subresource.map(str::to_string),
            fields: FieldSet::new(),
        }
    }

    /// The manager as conflict messages print it: `"kubectl"` for appliers,
    /// `"kubectl-client-side-apply" using apps/v1` for updaters, with `with subresource "status"`
    /// when the entry is a subresource's.
    fn printed(&self) -> String {
        let mut out = format!("{:?}", self.manager);
        if let Some(sub) = &self.subresource {
            out.push_str(&format!(" with subresource {sub:?}"));
        }
        if self.operation == Operation::Update {
            out.push_str(&format!(" using {}", self.api_version));
        }
        out
    }

    /// Whether this is the entry of that manager identity.
    fn is(&self, manager: &str, operation: Operation, subresource: Option<&str>) -> bool {
        self.manager == manager
            && self.operation == operation
            && self.subresource.as_deref() == subresource
    }

    /// The API server's order: operation, time (RFC 3339 in UTC sorts as text), manager,
    /// apiVersion, subresource.
    fn sort_key(&self) -> (Operation, &str, &str, &str, &str) {
        (
            self.operation,
            self.time.as_deref().unwrap_or_default(),
            &self.manager,
            &self.api_version,
            self.subresource.as_deref().unwrap_or_default(),
        )
    }

    /// Gives up the fields a write changed or removed: the writer now owns them, or nobody.
    fn release(&mut self, diff: &Diff) {
        self.fields
            .retain(|p| !diff.changed.contains(p) && !diff.removed.contains(p));
    }

    fn decode(value: &Value) -> Result<Entry, String> {
        let fields = value
            .as_object()
            .ok_or("managedFields entries must be objects")?;
        let text = |name: &str| fields.get(name).and_then(Value::as_str);
        let operation = match text("operation") {
            Some("Apply") => Operation::Apply,
            Some("Update") => Operation::Update,
            other => return Err(format!("invalid managedFields operation {other:?}")),
        };
        let set = match fields.get("fieldsV1") {
            None | Some(Value::Null) => FieldSet::new(),
            Some(v) if text("fieldsType") == Some("FieldsV1") => decode_fields(v)?,
            Some(_) => return Err(format!("invalid fieldsType {:?}", text("fieldsType"))),
        };
        Ok(Entry {
            manager: text("manager").unwrap_or_default().to_string(),
            operation,
            api_version: text("apiVersion").unwrap_or_default().to_string(),
            time: text("time").map(str::to_string),
            subresource: text("subresource")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            fields: set,
        })
    }

    fn encode(&self) -> Value {
        let mut out = Map::new();
        out.insert("manager".into(), json!(self.manager));
        out.insert("operation".into(), json!(self.operation.as_str()));
        out.insert("apiVersion".into(), json!(self.api_version));
        if let Some(time) = &self.time {
            out.insert("time".into(), json!(time));
        }
        out.insert("fieldsType".into(), json!("FieldsV1"));
        out.insert("fieldsV1".into(), encode_fields(&self.fields));
        if let Some(subresource) = &self.subresource {
            out.insert("subresource".into(), json!(subresource));
        }
        Value::Object(out)
    }
}

fn entry_mut<'e>(
    entries: &'e mut Vec<Entry>,
    manager: &str,
    operation: Operation,
    subresource: Option<&str>,
    api_version: &str,
) -> &'e mut Entry {
    let index = match entries
        .iter()
        .position(|e| e.is(manager, operation, subresource))
    {
        Some(i) => i,
        None => {
            entries.push(Entry::new(manager, operation, subresource, api_version));
            entries.len() - 1
        }
    };
    let entry = &mut entries[index];
    entry.api_version = api_version.to_string();
    entry
}

/// Decodes `metadata.managedFields`; entries of the same identity are merged.
fn decode_managed(list: &Value) -> Result<Vec<Entry>, String> {
    let items = match list {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err("managedFields must be a list".to_string()),
    };
    let mut entries: Vec<Entry> = Vec::with_capacity(items.len());
    for item in items {
        let entry = Entry::decode(item)?;
        let subresource = entry.subresource.clone();
        match entries
            .iter_mut()
            .find(|e| e.is(&entry.manager, entry.operation, subresource.as_deref()))
        {
            Some(existing) => existing.fields.extend(entry.fields),
            None => entries.push(entry),
        }
    }
    Ok(entries)
}

/// The managed fields of a stored object; unreadable ones count as none.
fn managed_of(obj: &Value) -> Vec<Entry> {
    obj.get("metadata")
        .and_then(|m| m.get("managedFields"))
        .map_or_else(|| Ok(Vec::new()), decode_managed)
        .unwrap_or_default()
}

/// The entries an update starts from: the ones the client sent unless they are missing,
/// unreadable or ignored (subresources), in which case the stored ones.
fn managed_for_update(old: Option<&Value>, new: &Value, subresource: bool) -> Vec<Entry> {
    let stored = || old.map(managed_of).unwrap_or_default();
    if subresource {
        return stored();
    }
    match new.get("metadata").and_then(|m| m.get("managedFields")) {
        Some(Value::Array(list))
            if list.len() == 1 && list[0].as_object().is_some_and(Map::is_empty) =>
        {
            Vec::new()
        }
        Some(list) => match decode_managed(list) {
            Ok(entries) if !entries.is_empty() => entries,
            _ => stored(),
        },
        None => stored(),
    }
}

/// Writes the non-empty entries, in the API server's order, to `metadata.managedFields`.
fn store_managed(obj: &mut Value, mut entries: Vec<Entry>) {
    entries.retain(|e| !e.fields.is_empty());
    entries.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    if entries.is_empty() {
        if let Some(Value::Object(meta)) = obj.get_mut("metadata") {
            meta.shift_remove("managedFields");
        }
        return;
    }
    let list = entries.iter().map(Entry::encode).collect();
    obj::meta_mut(obj).insert("managedFields".into(), Value::Array(list));
}

/// FieldsV1: a tree of `f:`/`k:`/`v:`/`i:` keys, `{}` for a member leaf and `".": {}` for a
/// member that also has members below it.
fn encode_fields(set: &FieldSet) -> Value {
    #[derive(Default)]
    struct Tree {
        member: bool,
        children: BTreeMap<Pe, Tree>,
    }
    fn render(tree: &Tree) -> Value {
        let mut out = Map::new();
        if tree.member && !tree.children.is_empty() {
            out.insert(".".into(), json!({}));
        }
        for (pe, child) in &tree.children {
            out.insert(pe.encode(), render(child));
        }
        Value::Object(out)
    }
    let mut root = Tree::default();
    for path in set {
        let node = path.iter().fold(&mut root, |node, pe| {
            node.children.entry(pe.clone()).or_default()
        });
        node.member = true;
    }
    render(&root)
}

fn decode_fields(value: &Value) -> Result<FieldSet, String> {
    fn walk(value: &Value, path: &mut Path, set: &mut FieldSet) -> Result<(), String> {
        let fields = value.as_object().ok_or("fieldsV1 nodes must be objects")?;
        for (key, child) in fields {
            if key == "." {
                if !path.is_empty() {
                    set.insert(path.clone());
                }
                continue;
            }
            path.push(Pe::decode(key)?);
            match child.as_object() {
                Some(grandchildren) if grandchildren.is_empty() => {
                    set.insert(path.clone());
                }
                _ => walk(child, path, set)?,
            }
            path.pop();
        }
        Ok(())
    }
    let mut set = FieldSet::new();
    walk(value, &mut Vec::new(), &mut set)?;
    Ok(set)
}

// ---------------------------------------------------------------------------------------------
// Conflicts and the client-side apply annotation.

/// `(manager, path)` for every field another manager owns that the apply changes, sorted; the
/// manager as the API server prints it in conflicts.
fn conflicts<'e>(
    others: impl Iterator<Item = &'e Entry>,
    changed: &FieldSet,
) -> Vec<(String, Path)> {
    let mut found = BTreeSet::new();
    for entry in others {
        for path in entry.fields.intersection(changed) {
            found.insert((entry.printed(), path.clone()));
        }
    }
    found.into_iter().collect()
}

/// Fields of the last-applied-configuration annotation whose live value still matches it: the
/// `kubectl` manager may take them over from the client-side apply manager without a conflict.
fn last_applied_fields(
    root: Field,
    live: &Value,
    live_nodes: &Nodes,
    api_version: &str,
) -> Option<FieldSet> {
    let text = live
        .get("metadata")?
        .get("annotations")?
        .get(LAST_APPLIED)?
        .as_str()?;
    let last: Value = serde_json::from_str(text).ok()?;
    if last.get("apiVersion")?.as_str()? != api_version {
        return None;
    }
    let last_nodes = lenient_nodes(root, &last);
    let diff = compare(&last_nodes, live_nodes);
    Some(
        applied_set(&last_nodes)
            .into_iter()
            .filter(|p| !diff.changed.contains(p) && !diff.removed.contains(p))
            .collect(),
    )
}

/// Keeps an existing last-applied-configuration annotation in step with what `kubectl`
/// server-side applies, so a later client-side apply diffs against the right configuration.
fn sync_last_applied(obj: &mut Value, config: &Value) {
    let Some(Value::Object(annotations)) = obj
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    else {
        return;
    };
    let present = annotations
        .get(LAST_APPLIED)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    if !present {
        return;
    }
    let mut applied = config.clone();
    if let Some(Value::Object(own)) = applied
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    {
        own.shift_remove(LAST_APPLIED);
    }
    let text = format!("{}\n", canonical(&applied));
    annotations.insert(LAST_APPLIED.into(), Value::String(text));
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: &str = "2026-11-22T02:44:04Z";
    const T1: &str = "2026-11-22T02:45:00Z";
    const T2: &str = "2026-11-22T02:46:00Z";

    fn config(replicas: u32, image: &str) -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{
                        "name": "nginx",
                        "image": image,
                        "env": [{"name": "A", "value": "1"}],
                        "ports": [{"containerPort": 80}]
                    }]}
                }
            }
        })
    }

    fn ok<T>(r: Result<T, ApplyError>) -> T {
        match r {
            Ok(v) => v,
            Err(e) => panic!("apply failed: {e:?}"),
        }
    }

    fn deploy_apply(
        live: Option<&Value>,
        config: &Value,
        manager: &str,
        force: bool,
        now: &str,
    ) -> Result<Value, ApplyError> {
        apply(
            "apps",
            "Deployment",
            live,
            config,
            manager,
            "apps/v1",
            force,
            now,
        )
    }

    fn managed(obj: &Value) -> Vec<Value> {
        obj.pointer("/metadata/managedFields")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }

    /// `manager/operation[/subresource]` of each entry, in order.
    fn managers(obj: &Value) -> Vec<String> {
        managed(obj)
            .iter()
            .map(|e| {
                let mut id = format!(
                    "{}/{}",
                    e["manager"].as_str().unwrap_or("?"),
                    e["operation"].as_str().unwrap_or("?")
                );
                if let Some(s) = e.get("subresource").and_then(Value::as_str) {
                    id.push('/');
                    id.push_str(s);
                }
                id
            })
            .collect()
    }

    /// The fields of one manager's entry, as display paths.
    fn owned(obj: &Value, manager: &str, operation: &str) -> Vec<String> {
        let entry = managed(obj)
            .into_iter()
            .find(|e| e["manager"] == manager && e["operation"] == operation);
        let Some(entry) = entry else {
            return Vec::new();
        };
        match decode_fields(&entry["fieldsV1"]) {
            Ok(set) => set.iter().map(|p| display(p)).collect(),
            Err(e) => panic!("bad fieldsV1: {e}"),
        }
    }

    fn strip_managed(obj: &Value) -> Value {
        without_managed_fields(obj)
    }

    #[test]
    fn apply_creates_the_object_with_an_apply_entry() {
        let cfg = config(2, "nginx:1.25");
        let out = ok(deploy_apply(None, &cfg, "kubectl", false, T0));
        assert_eq!(strip_managed(&out), cfg);
        assert_eq!(
            managed(&out),
            vec![json!({
                "manager": "kubectl",
                "operation": "Apply",
                "apiVersion": "apps/v1",
                "time": T0,
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {
                        "f:replicas": {},
                        "f:selector": {},
                        "f:template": {
                            "f:metadata": {"f:labels": {"f:app": {}}},
                            "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                                ".": {},
                                "f:env": {"k:{\"name\":\"A\"}": {".": {}, "f:name": {}, "f:value": {}}},
                                "f:image": {},
                                "f:name": {},
                                "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {
                                    ".": {},
                                    "f:containerPort": {}
                                }}
                            }}}
                        }
                    }
                }
            })]
        );
    }

    #[test]
    fn reapplying_the_same_config_changes_nothing() {
        let cfg = config(2, "nginx:1.25");
        let first = ok(deploy_apply(None, &cfg, "kubectl", false, T0));
        let second = ok(deploy_apply(Some(&first), &cfg, "kubectl", false, T1));
        assert_eq!(second, first, "not even the time moves");
        let changed = ok(deploy_apply(
            Some(&first),
            &config(3, "nginx:1.25"),
            "kubectl",
            false,
            T2,
        ));
        assert_eq!(changed["spec"]["replicas"], 3);
        assert_eq!(managed(&changed)[0]["time"], T2);
    }

    #[test]
    fn fields_no_longer_applied_are_removed() {
        let mut cfg = config(2, "nginx:1.25");
        cfg["metadata"]["labels"]["tier"] = json!("front");
        let first = ok(deploy_apply(None, &cfg, "kubectl", false, T0));

        let mut smaller = config(2, "nginx:1.25");
        if let Some(spec) = smaller["spec"].as_object_mut() {
            spec.shift_remove("replicas");
        }
        if let Some(c) = smaller
            .pointer_mut("/spec/template/spec/containers/0")
            .and_then(Value::as_object_mut)
        {
            c.shift_remove("env");
        }
        let out = ok(deploy_apply(Some(&first), &smaller, "kubectl", false, T1));
        assert_eq!(strip_managed(&out), smaller);
        let fields = owned(&out, "kubectl", "Apply");
        assert!(!fields
            .iter()
            .any(|f| f.contains("replicas") || f.contains("env") || f.contains("tier")));
        assert!(
            fields.contains(&".spec.template.spec.containers[name=\"nginx\"].image".to_string())
        );
    }

    #[test]
    fn fields_another_manager_owns_survive_removal() {
        let first = ok(deploy_apply(
            None,
            &config(2, "nginx:1.25"),
            "kubectl",
            false,
            T0,
        ));
        // A controller adds an annotation and sets the same replicas (shared) via update.
        let mut updated = first.clone();
        updated["metadata"]["annotations"] = json!({"deployment.kubernetes.io/revision": "1"});
        record_update(
            "apps",
            "Deployment",
            Some(&first),
            &mut updated,
            "kube-controller-manager",
            "apps/v1",
            None,
            T1,
        );
        // Another applier shares the replicas value.
        let mut other_cfg = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 2}});
        let shared = ok(deploy_apply(Some(&updated), &other_cfg, "helm", false, T1));
        assert!(owned(&shared, "helm", "Apply").contains(&".spec.replicas".to_string()));
        assert!(owned(&shared, "kubectl", "Apply").contains(&".spec.replicas".to_string()));

        // kubectl stops applying replicas: helm still owns it, so it stays.
        let mut cfg = config(2, "nginx:1.25");
        if let Some(spec) = cfg["spec"].as_object_mut() {
            spec.shift_remove("replicas");
        }
        let out = ok(deploy_apply(Some(&shared), &cfg, "kubectl", false, T2));
        assert_eq!(out["spec"]["replicas"], 2);
        assert_eq!(
            out["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "1"
        );
        assert!(!owned(&out, "kubectl", "Apply").contains(&".spec.replicas".to_string()));

        // Once helm lets go too, it goes.
        other_cfg["spec"] = json!({});
        let out = ok(deploy_apply(Some(&out), &other_cfg, "helm", false, T2));
        assert!(out["spec"].get("replicas").is_none());
        assert_eq!(
            managers(&out),
            ["kubectl/Apply", "kube-controller-manager/Update"]
        );
    }

    fn csa_created() -> Value {
        let mut obj = config(2, "nginx:1.25");
        record_update(
            "apps",
            "Deployment",
            None,
            &mut obj,
            "kubectl-client-side-apply",
            "apps/v1",
            None,
            T0,
        );
        obj
    }

    #[test]
    fn conflicting_with_another_manager() {
        let live = csa_created();
        let err = deploy_apply(Some(&live), &config(3, "nginx:1.27"), "argocd", false, T1);
        assert_eq!(
            err,
            Err(ApplyError::Conflicts(vec![
                (
                    "\"kubectl-client-side-apply\" using apps/v1".into(),
                    ".spec.replicas".into()
                ),
                (
                    "\"kubectl-client-side-apply\" using apps/v1".into(),
                    ".spec.template.spec.containers[name=\"nginx\"].image".into()
                ),
            ]))
        );
        // Same values: shared ownership, no conflict.
        let out = ok(deploy_apply(
            Some(&live),
            &config(2, "nginx:1.25"),
            "argocd",
            false,
            T1,
        ));
        assert_eq!(strip_managed(&out), strip_managed(&live));
        assert!(owned(&out, "argocd", "Apply").contains(&".spec.replicas".to_string()));
        assert!(owned(&out, "kubectl-client-side-apply", "Update")
            .contains(&".spec.replicas".to_string()));
    }

    #[test]
    fn force_takes_ownership() {
        let live = csa_created();
        let out = ok(deploy_apply(
            Some(&live),
            &config(3, "nginx:1.25"),
            "argocd",
            true,
            T1,
        ));
        assert_eq!(out["spec"]["replicas"], 3);
        assert!(owned(&out, "argocd", "Apply").contains(&".spec.replicas".to_string()));
        let csa = owned(&out, "kubectl-client-side-apply", "Update");
        assert!(!csa.contains(&".spec.replicas".to_string()));
        assert!(csa.contains(&".spec.template.spec.containers[name=\"nginx\"].image".to_string()));
        assert_eq!(
            managers(&out),
            ["argocd/Apply", "kubectl-client-side-apply/Update"]
        );
    }

    #[test]
    fn kubectl_migrates_from_client_side_apply() {
        // csa_then_ssa: the object carries the annotation of a client-side apply of replicas 2.
        let mut cfg = config(2, "nginx:1.25");
        let mut annotated = cfg.clone();
        annotated["metadata"]["annotations"] =
            json!({LAST_APPLIED: format!("{}\n", canonical(&cfg))});
        record_update(
            "apps",
            "Deployment",
            None,
            &mut annotated,
            "kubectl-client-side-apply",
            "apps/v1",
            None,
            T0,
        );

        cfg["spec"]["replicas"] = json!(3);
        let err = deploy_apply(Some(&annotated), &cfg, "other", false, T1);
        assert!(matches!(err, Err(ApplyError::Conflicts(_))));
        let out = ok(deploy_apply(Some(&annotated), &cfg, "kubectl", false, T1));
        assert_eq!(out["spec"]["replicas"], 3);
        assert_eq!(
            out["metadata"]["annotations"][LAST_APPLIED],
            format!("{}\n", canonical(&cfg))
        );

        // A field changed behind the annotation's back is still a conflict.
        let mut drifted = annotated.clone();
        drifted["spec"]["replicas"] = json!(5);
        record_update(
            "apps",
            "Deployment",
            Some(&annotated),
            &mut drifted,
            "kubectl-scale",
            "apps/v1",
            None,
            T1,
        );
        let err = deploy_apply(Some(&drifted), &cfg, "kubectl", false, T2);
        assert_eq!(
            err,
            Err(ApplyError::Conflicts(vec![(
                "\"kubectl-scale\" using apps/v1".into(),
                ".spec.replicas".into()
            )]))
        );
    }

    #[test]
    fn apply_and_update_by_the_same_name_are_different_managers() {
        let first = ok(deploy_apply(
            None,
            &config(2, "nginx:1.25"),
            "kubectl",
            false,
            T0,
        ));
        let mut edited = first.clone();
        edited["spec"]["replicas"] = json!(4);
        record_update(
            "apps",
            "Deployment",
            Some(&first),
            &mut edited,
            "kubectl",
            "apps/v1",
            None,
            T1,
        );
        assert_eq!(managers(&edited), ["kubectl/Apply", "kubectl/Update"]);
        let err = deploy_apply(
            Some(&edited),
            &config(2, "nginx:1.25"),
            "kubectl",
            false,
            T2,
        );
        assert_eq!(
            err,
            Err(ApplyError::Conflicts(vec![(
                "\"kubectl\" using apps/v1".into(),
                ".spec.replicas".into()
            )]))
        );
    }

    #[test]
    fn objects_without_managed_fields_belong_to_before_first_apply() {
        let live = config(2, "nginx:1.25");
        let err = deploy_apply(Some(&live), &config(3, "nginx:1.25"), "kubectl", false, T1);
        assert_eq!(
            err,
            Err(ApplyError::Conflicts(vec![(
                "\"before-first-apply\" using apps/v1".into(),
                ".spec.replicas".into()
            )]))
        );
        let out = ok(deploy_apply(
            Some(&live),
            &config(2, "nginx:1.25"),
            "kubectl",
            false,
            T1,
        ));
        assert_eq!(
            managers(&out),
            ["kubectl/Apply", "before-first-apply/Update"]
        );
    }

    #[test]
    fn map_lists_merge_by_key_and_keep_other_managers_items() {
        let first = ok(deploy_apply(
            None,
            &config(2, "nginx:1.25"),
            "kubectl",
            false,
            T0,
        ));
        // An injector adds a sidecar with an update.
        let mut injected = first.clone();
        if let Some(c) = injected
            .pointer_mut("/spec/template/spec/containers")
            .and_then(Value::as_array_mut)
        {
            c.push(json!({"name": "sidecar", "image": "envoy:1.30"}));
        }
        record_update(
            "apps",
            "Deployment",
            Some(&first),
            &mut injected,
            "injector",
            "apps/v1",
            None,
            T1,
        );
        assert_eq!(
            owned(&injected, "injector", "Update"),
            [
                ".spec.template.spec.containers[name=\"sidecar\"]",
                ".spec.template.spec.containers[name=\"sidecar\"].image",
                ".spec.template.spec.containers[name=\"sidecar\"].name",
            ]
        );

        // kubectl re-applies with a new image and a second container of its own.
        let mut cfg = config(2, "nginx:1.27");
        if let Some(c) = cfg
            .pointer_mut("/spec/template/spec/containers")
            .and_then(Value::as_array_mut)
        {
            c.push(json!({"name": "logger", "image": "fluentbit"}));
        }
        let out = ok(deploy_apply(Some(&injected), &cfg, "kubectl", false, T2));
        let names: Vec<&Value> = out["spec"]["template"]["spec"]["containers"]
            .as_array()
            .map(|c| c.iter().map(|c| &c["name"]).collect())
            .unwrap_or_default();
        assert_eq!(
            names,
            [&json!("nginx"), &json!("sidecar"), &json!("logger")]
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["image"],
            "nginx:1.27"
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["env"],
            json!([{"name": "A", "value": "1"}])
        );

        // Dropping logger removes it; the sidecar stays.
        let out = ok(deploy_apply(
            Some(&out),
            &config(2, "nginx:1.27"),
            "kubectl",
            false,
            T2,
        ));
        let names: Vec<&Value> = out["spec"]["template"]["spec"]["containers"]
            .as_array()
            .map(|c| c.iter().map(|c| &c["name"]).collect())
            .unwrap_or_default();
        assert_eq!(names, [&json!("nginx"), &json!("sidecar")]);
    }

    #[test]
    fn a_port_without_protocol_matches_the_defaulted_live_port() {
        let mut live = ok(deploy_apply(
            None,
            &config(2, "nginx:1.25"),
            "kubectl",
            false,
            T0,
        ));
        // The API server defaults the protocol.
        live["spec"]["template"]["spec"]["containers"][0]["ports"][0]["protocol"] = json!("TCP");
        let mut cfg = config(2, "nginx:1.25");
        cfg["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"] = json!("http");
        let out = ok(deploy_apply(Some(&live), &cfg, "kubectl", false, T1));
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["ports"],
            json!([{"containerPort": 80, "protocol": "TCP", "name": "http"}])
        );
    }

    #[test]
    fn atomic_values_are_replaced_and_sets_merged() {
        let mut live = ok(deploy_apply(
            None,
            &config(2, "nginx:1.25"),
            "kubectl",
            false,
            T0,
        ));
        live["spec"]["selector"]["matchLabels"]["extra"] = json!("x");
        live["metadata"]["finalizers"] = json!(["a.io/one"]);
        let mut cfg = config(2, "nginx:1.25");
        cfg["metadata"]["finalizers"] = json!(["b.io/two"]);
        let out = ok(deploy_apply(Some(&live), &cfg, "kubectl", true, T1));
        assert_eq!(
            out["spec"]["selector"],
            json!({"matchLabels": {"app": "web"}})
        );
        assert_eq!(
            out["metadata"]["finalizers"],
            json!(["a.io/one", "b.io/two"])
        );
        assert!(owned(&out, "kubectl", "Apply")
            .contains(&".metadata.finalizers[=\"b.io/two\"]".to_string()));
    }

    #[test]
    fn invalid_configurations() {
        let mut cfg = config(2, "nginx:1.25");
        cfg["metadata"]["managedFields"] = json!([]);
        assert_eq!(
            deploy_apply(None, &cfg, "kubectl", false, T0),
            Err(ApplyError::Invalid(
                "metadata.managedFields must be nil".into()
            ))
        );
        let mut cfg = config(2, "nginx:1.25");
        if let Some(c) = cfg
            .pointer_mut("/spec/template/spec/containers")
            .and_then(Value::as_array_mut)
        {
            c.push(json!({"name": "nginx", "image": "again"}));
        }
        assert_eq!(
            deploy_apply(None, &cfg, "kubectl", false, T0),
            Err(ApplyError::Invalid(
                "failed to create typed patch object (apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name=\"nginx\"]".into()
            ))
        );
        let mut cfg = config(2, "nginx:1.25");
        cfg["spec"]["template"]["spec"]["containers"][0]["env"] = json!([{"value": "x"}]);
        assert_eq!(
            deploy_apply(None, &cfg, "kubectl", false, T0),
            Err(ApplyError::Invalid(
                "failed to create typed patch object (apps/v1, Kind=Deployment): .spec.template.spec.containers[name=\"nginx\"].env: associative list with keys has an element that omits key field \"name\" (and doesn't have default value)".into()
            ))
        );
        assert!(matches!(
            deploy_apply(None, &json!([1]), "kubectl", false, T0),
            Err(ApplyError::Invalid(_))
        ));
    }

    #[test]
    fn update_on_create_records_everything() {
        let obj = csa_created();
        assert_eq!(
            managed(&obj)[0]["fieldsV1"],
            json!({
                "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                "f:spec": {
                    "f:replicas": {},
                    "f:selector": {},
                    "f:template": {
                        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                        "f:spec": {"f:containers": {
                            ".": {},
                            "k:{\"name\":\"nginx\"}": {
                                ".": {},
                                "f:env": {".": {}, "k:{\"name\":\"A\"}": {".": {}, "f:name": {}, "f:value": {}}},
                                "f:image": {},
                                "f:name": {},
                                "f:ports": {".": {}, "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {
                                    ".": {},
                                    "f:containerPort": {}
                                }}
                            }
                        }}
                    }
                }
            })
        );
        assert_eq!(managed(&obj)[0]["operation"], "Update");
        assert_eq!(managed(&obj)[0]["time"], T0);
    }

    #[test]
    fn updates_move_ownership() {
        let live = csa_created();
        // kubectl scale through the scale subresource.
        let mut scaled = live.clone();
        scaled["spec"]["replicas"] = json!(5);
        record_update(
            "apps",
            "Deployment",
            Some(&live),
            &mut scaled,
            "kubectl",
            "apps/v1",
            Some("scale"),
            T1,
        );
        assert_eq!(
            managers(&scaled),
            ["kubectl-client-side-apply/Update", "kubectl/Update/scale"]
        );
        assert_eq!(owned(&scaled, "kubectl", "Update"), [".spec.replicas"]);
        assert!(!owned(&scaled, "kubectl-client-side-apply", "Update")
            .contains(&".spec.replicas".to_string()));

        // The controller writes status.
        let mut status = scaled.clone();
        status["status"] =
            json!({"replicas": 5, "conditions": [{"type": "Available", "status": "True"}]});
        record_update(
            "apps",
            "Deployment",
            Some(&scaled),
            &mut status,
            "kube-controller-manager",
            "apps/v1",
            Some("status"),
            T2,
        );
        assert_eq!(
            owned(&status, "kube-controller-manager", "Update"),
            [
                ".status.conditions",
                ".status.conditions[type=\"Available\"]",
                ".status.conditions[type=\"Available\"].status",
                ".status.conditions[type=\"Available\"].type",
                ".status.replicas",
            ]
        );

        // A no-op write changes nothing, not even times.
        let mut again = status.clone();
        record_update(
            "apps",
            "Deployment",
            Some(&status),
            &mut again,
            "kubectl-edit",
            "apps/v1",
            None,
            T2,
        );
        assert_eq!(again, status);

        // Removing a field takes it from its owner, and an emptied entry disappears.
        let mut unscaled = status.clone();
        if let Some(spec) = unscaled["spec"].as_object_mut() {
            spec.shift_remove("replicas");
        }
        record_update(
            "apps",
            "Deployment",
            Some(&status),
            &mut unscaled,
            "kubectl-edit",
            "apps/v1",
            None,
            T2,
        );
        assert_eq!(
            managers(&unscaled),
            [
                "kubectl-client-side-apply/Update",
                "kube-controller-manager/Update/status"
            ]
        );
    }

    #[test]
    fn client_provided_managed_fields() {
        let live = csa_created();
        // The CSA to SSA migration patch rewrites managedFields wholesale.
        let mut migrated = live.clone();
        let mut entry = managed(&live)[0].clone();
        entry["manager"] = json!("kubectl");
        entry["operation"] = json!("Apply");
        migrated["metadata"]["managedFields"] = json!([entry]);
        record_update(
            "apps",
            "Deployment",
            Some(&live),
            &mut migrated,
            "kubectl",
            "apps/v1",
            None,
            T1,
        );
        assert_eq!(managers(&migrated), ["kubectl/Apply"]);
        // `[{}]` resets them; a status write ignores them.
        let mut reset = live.clone();
        reset["metadata"]["managedFields"] = json!([{}]);
        record_update(
            "apps",
            "Deployment",
            Some(&live),
            &mut reset,
            "kubectl",
            "apps/v1",
            None,
            T1,
        );
        assert!(reset["metadata"].get("managedFields").is_none());
        let mut status = migrated.clone();
        status["metadata"]["managedFields"] = json!([{}]);
        record_update(
            "apps",
            "Deployment",
            Some(&migrated),
            &mut status,
            "x",
            "apps/v1",
            Some("status"),
            T1,
        );
        assert_eq!(managers(&status), ["kubectl/Apply"]);
    }

    #[test]
    fn fields_v1_round_trips() {
        let fields = json!({
            "f:metadata": {"f:finalizers": {".": {}, "v:\"a.io/x\"": {}}, "f:ownerReferences": {"k:{\"uid\":\"u-1\"}": {}}},
            "f:spec": {"f:list": {"i:0": {}}, "f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}}}}
        });
        let set = decode_fields(&fields);
        assert_eq!(set.as_ref().map(encode_fields), Ok(fields));
        assert!(decode_fields(&json!({"x:y": {}})).is_err());
        assert!(decode_fields(&json!({"k:[1]": {}})).is_err());
        // Unreadable stored entries count as none rather than failing writes.
        let mut obj = config(2, "x");
        obj["metadata"]["managedFields"] = json!([{"manager": "m", "operation": "Bogus"}]);
        assert!(managed_of(&obj).is_empty());
    }

    #[test]
    fn entries_are_sorted_like_the_api_server() {
        let first = ok(deploy_apply(
            None,
            &config(2, "nginx:1.25"),
            "zeta",
            false,
            T1,
        ));
        let mut updated = first.clone();
        updated["metadata"]["annotations"] = json!({"a": "b"});
        record_update(
            "apps",
            "Deployment",
            Some(&first),
            &mut updated,
            "alpha",
            "apps/v1",
            None,
            T0,
        );
        let shared = ok(deploy_apply(
            Some(&updated),
            &config(2, "nginx:1.25"),
            "beta",
            false,
            T2,
        ));
        assert_eq!(
            managers(&shared),
            ["zeta/Apply", "beta/Apply", "alpha/Update"]
        );
    }

    #[test]
    fn other_kinds_use_their_schema() {
        let svc = json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "s"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}
        });
        let out = ok(apply("", "Service", None, &svc, "kubectl", "v1", false, T0));
        assert_eq!(
            owned(&out, "kubectl", "Apply"),
            [
                ".spec.ports[port=80,protocol=\"TCP\"]",
                ".spec.ports[port=80,protocol=\"TCP\"].port",
                ".spec.ports[port=80,protocol=\"TCP\"].targetPort",
                ".spec.selector",
            ]
        );
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}});
        let out = ok(apply(
            "",
            "ConfigMap",
            None,
            &cm,
            "kubectl",
            "v1",
            false,
            T0,
        ));
        assert_eq!(owned(&out, "kubectl", "Apply"), [".data.k"]);
    }

    #[test]
    fn long_lists_stay_fast() {
        let env: Vec<Value> = (0..1000)
            .map(|i| json!({"name": format!("V{i}"), "value": "x"}))
            .collect();
        let mut cfg = config(2, "nginx:1.25");
        cfg["spec"]["template"]["spec"]["containers"][0]["env"] = json!(env);
        let started = std::time::Instant::now();
        let first = ok(deploy_apply(None, &cfg, "kubectl", false, T0));
        let mut updated = first.clone();
        updated["spec"]["template"]["spec"]["containers"][0]["env"][500]["value"] = json!("y");
        record_update(
            "apps",
            "Deployment",
            Some(&first),
            &mut updated,
            "editor",
            "apps/v1",
            None,
            T1,
        );
        cfg["spec"]["template"]["spec"]["containers"][0]["env"] = json!([]);
        let out = ok(deploy_apply(Some(&updated), &cfg, "kubectl", false, T2));
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
        // Only the item the editor touched survives (its name is its key, kept with it).
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["env"],
            json!([{"name": "V500", "value": "y"}])
        );
    }
}
