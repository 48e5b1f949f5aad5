//! The simulated control plane: controllers, scheduler and kubelets.
//!
//! One task runs every reconciler, level-triggered: store events enqueue keys (deduplicated),
//! reconcilers read the current state and write through the same API semantics as clients, and
//! may ask to be called again after a delay (timers for readiness, back-offs, grace periods and
//! progress deadlines). Because no-op writes produce no events, the loop settles.

mod endpoints;
pub mod events;
mod gc;
mod kubelet;
mod namespace;
mod quota;
mod scheduler;
mod workloads;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::api::{self, WriteOpts};
use crate::obj;
use crate::registry::{self, ids, ResourceId, Sub};
use crate::server::State;
use crate::store::{Event, EventKind, ObjRef};

/// A unit of reconciliation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Deployment(ObjRef),
    ReplicaSet(ObjRef),
    /// Workloads handled by `workloads_extra` (StatefulSet, DaemonSet, Job, CronJob).
    Workload(ObjRef),
    /// The kubelet's view of one pod.
    Pod(ObjRef),
    /// A scheduling pass over every pending pod.
    Schedule,
    Namespace(String),
    Endpoints(String),
    Quota(String),
    /// Dependents of a deleted owner (by uid).
    Orphans(String),
    /// An owner being deleted in the foreground or orphaning its dependents.
    Owner(ObjRef),
    Claim(ObjRef),
}

/// Everything reconcilers share: the state, and the controllers' in-memory bookkeeping (what
/// a real control plane keeps in its informers and kubelets).
pub struct Ctx {
    pub state: Arc<State>,
    pub kubelet: kubelet::Kubelet,
    pub deployments: workloads::DeploymentClock,
}

impl Ctx {
    /// Scales a simulated duration, never below a millisecond.
    pub fn scaled(&self, d: Duration) -> Duration {
        self.state
            .env
            .config
            .scaled(d)
            .max(Duration::from_millis(1))
    }

    pub fn now_str(&self) -> String {
        self.state.env.now_str()
    }

    /// Reads an object.
    pub fn get(&self, r: &ObjRef) -> Option<Arc<Value>> {
        self.state.store.read(|s| s.get_ref(r).cloned())
    }

    /// Replaces an object's status through the status subresource.
    pub fn write_status(&self, res: ResourceId, object: &Value, status: Value, manager: &str) {
        if object.get("status") == Some(&status) {
            return;
        }
        let mut body = object.clone();
        body["status"] = status;
        let env = &self.state.env;
        let ns = obj::namespace(object);
        let ns = (!ns.is_empty()).then_some(ns);
        let name = obj::name(object);
        let _ = self.state.store.write(|s| {
            api::update(
                s,
                env,
                res,
                ns,
                name,
                body,
                Some(Sub::Status),
                &WriteOpts::controller(manager),
            )
        });
    }
}

/// The work queue with delayed items.
#[derive(Default)]
struct Queue {
    ready: VecDeque<Key>,
    queued: HashSet<Key>,
    timers: BinaryHeap<Reverse<(Instant, u64, Key)>>,
    seq: u64,
}

impl Queue {
    fn push(&mut self, key: Key) {
        if self.queued.insert(key.clone()) {
            self.ready.push_back(key);
        }
    }

    fn after(&mut self, delay: Duration, key: Key) {
        self.seq += 1;
        self.timers
            .push(Reverse((Instant::now() + delay, self.seq, key)));
    }

    fn pop(&mut self) -> Option<Key> {
        let key = self.ready.pop_front()?;
        self.queued.remove(&key);
        Some(key)
    }

    fn promote_due(&mut self) {
        let now = Instant::now();
        while let Some(Reverse((at, _, _))) = self.timers.peek() {
            if *at > now {
                break;
            }
            if let Some(Reverse((_, _, key))) = self.timers.pop() {
                self.push(key);
            }
        }
    }

    fn next_timer(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((at, _, _))| *at)
    }
}

/// Starts the control plane and the metrics pipeline; both stop with the simulator.
pub fn spawn(state: Arc<State>) {
    tokio::spawn(crate::metrics::run(state.clone()));
    tokio::spawn(run(state));
}

async fn run(state: Arc<State>) {
    let mut rx = state.store.subscribe();
    let mut stopping = state.stopping.clone();
    let mut ctx = Ctx {
        state: state.clone(),
        kubelet: kubelet::Kubelet::default(),
        deployments: workloads::DeploymentClock::default(),
    };
    let mut queue = Queue::default();
    resync(&ctx, &mut queue);
    loop {
        let mut processed = 0;
        while let Some(key) = queue.pop() {
            if let Some(delay) = reconcile(&mut ctx, &key) {
                queue.after(delay, key);
            }
            processed += 1;
            if processed % 64 == 0 {
                drain_events(&mut rx, &mut queue, &ctx);
                tokio::task::yield_now().await;
            }
        }
        let sleep = async {
            match queue.next_timer() {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            received = rx.recv() => match received {
                Ok(ev) => {
                    enqueue(&ev, &mut queue);
                    drain_events(&mut rx, &mut queue, &ctx);
                }
                Err(broadcast::error::RecvError::Lagged(_)) => resync(&ctx, &mut queue),
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = sleep => queue.promote_due(),
            _ = stopping.changed() => return,
        }
        queue.promote_due();
    }
}

fn drain_events(rx: &mut broadcast::Receiver<Arc<Event>>, queue: &mut Queue, ctx: &Ctx) {
    loop {
        match rx.try_recv() {
            Ok(ev) => enqueue(&ev, queue),
            Err(broadcast::error::TryRecvError::Lagged(_)) => resync(ctx, queue),
            Err(_) => return,
        }
    }
}

/// Enqueues every object a controller owns (startup, or after missing events).
fn resync(ctx: &Ctx, queue: &mut Queue) {
    let keys: Vec<Key> = ctx.state.store.read(|s| {
        let mut keys = Vec::new();
        for res in [
            ids::deployments(),
            ids::replicasets(),
            ids::pods(),
            ids::statefulsets(),
            ids::daemonsets(),
            ids::jobs(),
            ids::persistentvolumeclaims(),
        ] {
            for o in s.list(res, None) {
                keys.push(key_of(res, ObjRef::of(res, o)));
            }
        }
        for n in s.list(ids::namespaces(), None) {
            let ns = obj::name(n).to_string();
            keys.push(Key::Namespace(ns.clone()));
            keys.push(Key::Endpoints(ns.clone()));
            keys.push(Key::Quota(ns));
        }
        keys.push(Key::Schedule);
        keys
    });
    for k in keys {
        queue.push(k);
    }
}

fn key_of(res: ResourceId, r: ObjRef) -> Key {
    if res == ids::deployments() {
        Key::Deployment(r)
    } else if res == ids::replicasets() {
        Key::ReplicaSet(r)
    } else if res == ids::pods() {
        Key::Pod(r)
    } else if res == ids::persistentvolumeclaims() {
        Key::Claim(r)
    } else {
        Key::Workload(r)
    }
}

/// The owner of an object named by its controller reference.
fn controller_owner(object: &Value) -> Option<ObjRef> {
    let owner = obj::controller_ref(object)?;
    let av = owner.get("apiVersion").and_then(Value::as_str)?;
    let kind = owner.get("kind").and_then(Value::as_str)?;
    let name = owner.get("name").and_then(Value::as_str)?;
    let res = registry::find_api_version_kind(av, kind)?;
    let ns = if registry::def(res).namespaced {
        obj::namespace(object)
    } else {
        ""
    };
    Some(ObjRef::new(res, ns, name))
}

/// Maps a store event to the keys it concerns.
fn enqueue(ev: &Event, queue: &mut Queue) {
    let res = ev.res;
    let object = &ev.object;
    let r = ObjRef::of(res, object);
    let ns = obj::namespace(object).to_string();
    let deleted = ev.kind == EventKind::Deleted;
    if res == ids::events() {
        return;
    }
    if deleted {
        queue.push(Key::Orphans(obj::uid(object).to_string()));
        if !ns.is_empty() {
            queue.push(Key::Namespace(ns.clone()));
        }
    }
    for owner in obj::owner_refs(object) {
        if let Some(o) = owner_ref(object, owner) {
            if deleted {
                queue.push(Key::Owner(o.clone()));
            }
        }
    }
    if !deleted && obj::is_deleting(object) && has_gc_finalizer(object) {
        queue.push(Key::Owner(r.clone()));
    }
    if let Some(owner) = controller_owner(object) {
        queue.push(key_of(owner.res, owner));
    }
    if res == ids::deployments()
        || res == ids::replicasets()
        || res == ids::statefulsets()
        || res == ids::daemonsets()
        || res == ids::jobs()
        || res == ids::cronjobs()
        || res == ids::persistentvolumeclaims()
    {
        queue.push(key_of(res, r.clone()));
    }
    if res == ids::pods() {
        queue.push(Key::Pod(r.clone()));
        if deleted || obj::path_str(object, "spec.nodeName").is_empty() {
            queue.push(Key::Schedule);
        }
        queue.push(Key::Endpoints(ns.clone()));
        queue.push(Key::Quota(ns.clone()));
    }
    if res == ids::nodes() {
        queue.push(Key::Schedule);
    }
    if res == ids::services() {
        queue.push(Key::Endpoints(ns.clone()));
        queue.push(Key::Quota(ns.clone()));
    }
    if res == ids::resourcequotas() || res == ids::configmaps() || res == ids::secrets() {
        queue.push(Key::Quota(ns.clone()));
    }
    if res == ids::namespaces() && obj::is_deleting(object) {
        queue.push(Key::Namespace(obj::name(object).to_string()));
    }
}

fn has_gc_finalizer(object: &Value) -> bool {
    obj::path(object, "metadata.finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|x| x == "foregroundDeletion" || x == "orphan"))
}

/// Resolves one owner reference of `object` to an ObjRef.
fn owner_ref(object: &Value, owner: &Value) -> Option<ObjRef> {
    let av = owner.get("apiVersion").and_then(Value::as_str)?;
    let kind = owner.get("kind").and_then(Value::as_str)?;
    let name = owner.get("name").and_then(Value::as_str)?;
    let res = registry::find_api_version_kind(av, kind)?;
    let ns = if registry::def(res).namespaced {
        obj::namespace(object)
    } else {
        ""
    };
    Some(ObjRef::new(res, ns, name))
}

/// Runs one key's reconciler; `Some(delay)` asks to run it again later.
fn reconcile(ctx: &mut Ctx, key: &Key) -> Option<Duration> {
    match key {
        Key::Deployment(r) => workloads::deployment(ctx, r),
        Key::ReplicaSet(r) => workloads::replica_set(ctx, r),
        Key::Workload(_) => None,
        Key::Claim(_) => None,
        Key::Pod(r) => kubelet::reconcile(ctx, r),
        Key::Schedule => scheduler::schedule(ctx),
        Key::Namespace(ns) => namespace::reconcile(ctx, ns),
        Key::Endpoints(ns) => {
            endpoints::reconcile(ctx, ns);
            None
        }
        Key::Quota(ns) => {
            quota::reconcile(ctx, ns);
            None
        }
        Key::Orphans(uid) => gc::orphans(ctx, uid),
        Key::Owner(r) => gc::owner(ctx, r),
    }
}

/// Map of small per-object timers the controllers keep (uid -> value).
pub type Clock<T> = HashMap<String, T>;
