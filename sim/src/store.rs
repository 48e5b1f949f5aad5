//! The object store: one table per resource, one global resourceVersion, an event history for
//! watches and an owner index for garbage collection.
//!
//! All writes happen inside [`Store::write`], under one lock, so every write gets the next
//! resourceVersion and watchers see events in resourceVersion order. Reads clone `Arc`s of the
//! stored objects and serialise outside the lock.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::broadcast;

use crate::obj;
use crate::registry::{self, ResourceId};

/// The kind of a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Added,
    Modified,
    Deleted,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Added => "ADDED",
            EventKind::Modified => "MODIFIED",
            EventKind::Deleted => "DELETED",
        }
    }
}

/// One committed change.
#[derive(Debug)]
pub struct Event {
    pub kind: EventKind,
    pub res: ResourceId,
    pub rv: u64,
    /// The object after the change (for Deleted: its last state, stamped with the new RV).
    pub object: Arc<Value>,
    /// The object before the change, for selector transitions.
    pub prev: Option<Arc<Value>>,
}

/// Identifies one stored object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    pub res: ResourceId,
    pub ns: String,
    pub name: String,
}

impl ObjRef {
    pub fn new(res: ResourceId, ns: &str, name: &str) -> ObjRef {
        ObjRef {
            res,
            ns: ns.to_string(),
            name: name.to_string(),
        }
    }

    pub fn of(res: ResourceId, obj: &Value) -> ObjRef {
        ObjRef::new(res, obj::namespace(obj), obj::name(obj))
    }
}

type Table = BTreeMap<(String, String), Arc<Value>>;

/// The store's state; reachable only through [`Store::read`] and [`Store::write`].
pub struct Inner {
    rv: u64,
    tables: Vec<Table>,
    history: VecDeque<Arc<Event>>,
    history_cap: usize,
    /// Watches from a resourceVersion below this one get 410 Expired.
    compacted: u64,
    owners: HashMap<String, BTreeSet<ObjRef>>,
    events: broadcast::Sender<Arc<Event>>,
}

/// The shared store.
pub struct Store {
    inner: Mutex<Inner>,
    events: broadcast::Sender<Arc<Event>>,
}

/// The first resourceVersion handed out, as on a fresh cluster (never 0, which means "any").
const FIRST_RV: u64 = 1000;

impl Store {
    pub fn new(history_cap: usize) -> Store {
        let (events, _) = broadcast::channel(65_536);
        let tables = registry::all().map(|_| Table::new()).collect();
        Store {
            inner: Mutex::new(Inner {
                rv: FIRST_RV,
                tables,
                history: VecDeque::new(),
                history_cap: history_cap.max(1),
                compacted: FIRST_RV,
                owners: HashMap::new(),
                events: events.clone(),
            }),
            events,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (writes are single inserts), so
        // keep serving rather than poisoning every later request.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` with a consistent view of the store.
    pub fn read<R>(&self, f: impl FnOnce(&Inner) -> R) -> R {
        f(&self.lock())
    }

    /// Runs `f` with exclusive access; every write gets the next resourceVersion.
    pub fn write<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.lock())
    }

    /// Subscribes to all future events. Call inside [`Store::read`] (via [`Inner::subscribe`])
    /// when the subscription must start exactly where a snapshot ends.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    /// The current resourceVersion.
    pub fn rv(&self) -> u64 {
        self.lock().rv
    }
}

/// Result of looking up the event history for a watch.
pub enum History {
    /// Every event after the requested resourceVersion (possibly none).
    Events(Vec<Arc<Event>>),
    /// The requested resourceVersion is older than the retained history.
    TooOld { current: u64 },
}

impl Inner {
    /// The current (last written) resourceVersion.
    pub fn rv(&self) -> u64 {
        self.rv
    }

    pub fn get(&self, res: ResourceId, ns: &str, name: &str) -> Option<&Arc<Value>> {
        self.tables[res.0].get(&(ns.to_string(), name.to_string()))
    }

    pub fn get_ref(&self, r: &ObjRef) -> Option<&Arc<Value>> {
        self.get(r.res, &r.ns, &r.name)
    }

    /// Objects of a resource, in (namespace, name) order; one namespace when `ns` is given.
    pub fn list<'a>(
        &'a self,
        res: ResourceId,
        ns: Option<&'a str>,
    ) -> Box<dyn Iterator<Item = &'a Arc<Value>> + 'a> {
        let table = &self.tables[res.0];
        match ns {
            None => Box::new(table.values()),
            Some(ns) => Box::new(
                table
                    .range((ns.to_string(), String::new())..)
                    .take_while(move |((n, _), _)| n == ns)
                    .map(|(_, v)| v),
            ),
        }
    }

    /// Number of objects of a resource in a namespace (or everywhere).
    pub fn count(&self, res: ResourceId, ns: Option<&str>) -> usize {
        match ns {
            None => self.tables[res.0].len(),
            Some(_) => self.list(res, ns).count(),
        }
    }

    /// Objects whose ownerReferences name this uid.
    pub fn dependents(&self, owner_uid: &str) -> Vec<ObjRef> {
        self.owners
            .get(owner_uid)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Subscribes to events after the current resourceVersion (no gap, no overlap).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    /// Events after `rv`, for a watch that starts at an exact resourceVersion.
    pub fn history_since(&self, rv: u64) -> History {
        if rv < self.compacted {
            return History::TooOld { current: self.rv };
        }
        let start = self.history.partition_point(|e| e.rv <= rv);
        History::Events(self.history.iter().skip(start).cloned().collect())
    }

    /// Whether events after `rv` are no longer retained (a watch or continue from it expired).
    pub fn expired(&self, rv: u64) -> bool {
        rv < self.compacted
    }

    /// Drops the event history, as an etcd compaction does: watches from any earlier
    /// resourceVersion get 410 Expired and must re-list.
    pub fn compact(&mut self) {
        self.history.clear();
        self.compacted = self.rv;
    }

    /// Stores an object (insert or replace), stamping the next resourceVersion. Emits ADDED or
    /// MODIFIED. The caller has already decided that the write is not a no-op.
    pub fn put(&mut self, res: ResourceId, mut object: Value) -> Arc<Value> {
        self.rv += 1;
        let rv = self.rv;
        obj::meta_mut(&mut object).insert("resourceVersion".into(), Value::String(rv.to_string()));
        let key = (
            obj::namespace(&object).to_string(),
            obj::name(&object).to_string(),
        );
        let object = Arc::new(object);
        let prev = self.tables[res.0].insert(key.clone(), object.clone());
        let r = ObjRef {
            res,
            ns: key.0,
            name: key.1,
        };
        if let Some(p) = &prev {
            for uid in obj::owner_uids(p) {
                self.unindex_owner(&uid, &r);
            }
        }
        for uid in obj::owner_uids(&object) {
            self.owners.entry(uid).or_default().insert(r.clone());
        }
        let kind = if prev.is_some() {
            EventKind::Modified
        } else {
            EventKind::Added
        };
        self.emit(Event {
            kind,
            res,
            rv,
            object: object.clone(),
            prev,
        });
        object
    }

    /// Removes an object. Emits DELETED carrying the last state with a new resourceVersion.
    pub fn remove(&mut self, res: ResourceId, ns: &str, name: &str) -> Option<Arc<Value>> {
        let prev = self.tables[res.0].remove(&(ns.to_string(), name.to_string()))?;
        let r = ObjRef::new(res, ns, name);
        for uid in obj::owner_uids(&prev) {
            self.unindex_owner(&uid, &r);
        }
        self.rv += 1;
        let rv = self.rv;
        let mut last = (*prev).clone();
        obj::meta_mut(&mut last).insert("resourceVersion".into(), Value::String(rv.to_string()));
        let last = Arc::new(last);
        self.emit(Event {
            kind: EventKind::Deleted,
            res,
            rv,
            object: last.clone(),
            prev: Some(prev),
        });
        Some(last)
    }

    fn unindex_owner(&mut self, uid: &str, r: &ObjRef) {
        if let Some(set) = self.owners.get_mut(uid) {
            set.remove(r);
            if set.is_empty() {
                self.owners.remove(uid);
            }
        }
    }

    fn emit(&mut self, event: Event) {
        let event = Arc::new(event);
        self.history.push_back(event.clone());
        while self.history.len() > self.history_cap {
            if let Some(old) = self.history.pop_front() {
                self.compacted = old.rv;
            }
        }
        // No receivers is fine: nobody is watching.
        let _ = self.events.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::ids;
    use serde_json::json;

    fn cm(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}})
    }

    #[test]
    fn every_write_gets_the_next_resource_version() {
        let store = Store::new(100);
        let a = store.write(|s| s.put(ids::configmaps(), cm("a")));
        let b = store.write(|s| s.put(ids::configmaps(), cm("b")));
        assert_eq!(obj::resource_version(&a) + 1, obj::resource_version(&b));
        assert_eq!(store.rv(), obj::resource_version(&b));
        let gone = store
            .write(|s| s.remove(ids::configmaps(), "default", "a"))
            .unwrap();
        assert_eq!(obj::resource_version(&gone), store.rv());
    }

    #[test]
    fn list_is_ordered_and_scoped_to_a_namespace() {
        let store = Store::new(100);
        store.write(|s| {
            s.put(ids::configmaps(), cm("b"));
            s.put(ids::configmaps(), cm("a"));
            let mut other = cm("c");
            other["metadata"]["namespace"] = json!("other");
            s.put(ids::configmaps(), other);
        });
        let names: Vec<String> = store.read(|s| {
            s.list(ids::configmaps(), Some("default"))
                .map(|o| obj::name(o).to_string())
                .collect()
        });
        assert_eq!(names, vec!["a", "b"]);
        assert_eq!(store.read(|s| s.count(ids::configmaps(), None)), 3);
    }

    #[test]
    fn history_answers_watches_and_compaction_expires_them() {
        let store = Store::new(100);
        let start = store.rv();
        store.write(|s| s.put(ids::configmaps(), cm("a")));
        store.write(|s| s.put(ids::configmaps(), cm("b")));
        match store.read(|s| s.history_since(start)) {
            History::Events(e) => assert_eq!(e.len(), 2),
            History::TooOld { .. } => panic!("history should cover the start"),
        }
        store.write(|s| s.compact());
        assert!(matches!(
            store.read(|s| s.history_since(start)),
            History::TooOld { .. }
        ));
        match store.read(|s| s.history_since(s.rv())) {
            History::Events(e) => assert!(e.is_empty()),
            History::TooOld { .. } => panic!("current rv is never too old"),
        }
    }

    #[test]
    fn owner_index_follows_writes() {
        let store = Store::new(100);
        let mut pod = json!({"metadata": {"name": "p", "namespace": "default",
            "ownerReferences": [{"uid": "u1", "controller": true}]}});
        store.write(|s| s.put(ids::pods(), pod.clone()));
        assert_eq!(store.read(|s| s.dependents("u1")).len(), 1);
        pod["metadata"]["ownerReferences"] = json!([]);
        store.write(|s| s.put(ids::pods(), pod));
        assert!(store.read(|s| s.dependents("u1")).is_empty());
    }
}
