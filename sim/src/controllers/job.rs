//! The Job controller, following upstream `pkg/controller/job` (1.31+ behaviour): pods up to
//! `parallelism` while completions remain (NonIndexed, or Indexed with one pod per completion
//! index), finished pods counted once through the `batch.kubernetes.io/job-tracking`
//! finalizer, creation back-off after failures, `backoffLimit` (failed pods, or container
//! restarts with restartPolicy OnFailure) and `activeDeadlineSeconds`, `suspend`, and
//! `ttlSecondsAfterFinished`. A finished Job first gets the interim condition
//! (`SuccessCriteriaMet` or `FailureTarget`) and, once none of its pods is still running or
//! terminating, the terminal one (`Complete` or `Failed`).
//!
//! Durations (deadline, TTL, back-off) are simulated durations, scaled by the time scale; the
//! controller keeps their start instants in memory because API timestamps have whole seconds.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::events::Source;
use super::owned;
use super::workloads::pod_ready;
use super::{Clock, Ctx};
use crate::obj;
use crate::registry::ids;
use crate::store::ObjRef;

const SOURCE: Source = Source {
    component: "job-controller",
    host: None,
};
const TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
const INDEX_KEY: &str = "batch.kubernetes.io/job-completion-index";
/// Upstream creates at most this many pods in one sync.
const MAX_CREATES: i64 = 500;

/// What the controller times at simulated precision.
#[derive(Default)]
pub struct JobTimes {
    /// When `status.startTime` was (last) set.
    started: Option<Instant>,
    /// When the terminal condition was written (for `ttlSecondsAfterFinished`).
    finished: Option<Instant>,
    /// Pod failures since the last success, and when the last one was counted.
    failures: u32,
    last_failure: Option<Instant>,
}

/// Per Job uid.
pub type JobClock = Clock<JobTimes>;

/// The Job's spec as the controller reads it.
#[derive(Clone, Debug)]
struct Spec {
    completions: Option<i64>,
    parallelism: i64,
    backoff_limit: i64,
    indexed: bool,
}

impl Spec {
    fn of(job: &Value) -> Spec {
        Spec {
            completions: obj::path_i64(job, "spec.completions"),
            parallelism: obj::path_i64(job, "spec.parallelism").unwrap_or(1).max(0),
            backoff_limit: obj::path_i64(job, "spec.backoffLimit").unwrap_or(6),
            indexed: obj::path_str(job, "spec.completionMode") == "Indexed"
                && obj::path_i64(job, "spec.completions").is_some(),
        }
    }
}

/// How a Job ends.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Success,
    Failure {
        reason: &'static str,
        message: &'static str,
    },
}

const BACKOFF_EXCEEDED: Outcome = Outcome::Failure {
    reason: "BackoffLimitExceeded",
    message: "Job has reached the specified backoff limit",
};
const DEADLINE_EXCEEDED: Outcome = Outcome::Failure {
    reason: "DeadlineExceeded",
    message: "Job was active longer than specified deadline",
};
const SUCCESS_REASON: &str = "CompletionsReached";
const SUCCESS_MESSAGE: &str = "Reached expected number of succeeded pods";

/// Whether the failures exhaust `backoffLimit`: more failed pods than the limit, or (for
/// restartPolicy OnFailure, where containers restart in place) as many restarts as the limit.
fn past_backoff_limit(spec: &Spec, failed: i64, restarts: Option<i64>) -> bool {
    if failed > spec.backoff_limit {
        return true;
    }
    match restarts {
        Some(r) if spec.backoff_limit == 0 => r > 0,
        Some(r) => r >= spec.backoff_limit,
        None => false,
    }
}

/// Whether the Job has succeeded: enough completions (or, without `completions`, one success),
/// with no pod still active.
fn succeeded_all(spec: &Spec, succeeded: i64, active: i64) -> bool {
    active == 0
        && match spec.completions {
            Some(c) => succeeded >= c,
            None => succeeded > 0,
        }
}

/// How many pods should be active (upstream `manageJob`): never more than the completions
/// left, and none added once a Job without `completions` has a success.
fn want_active(spec: &Spec, succeeded: i64, active: i64) -> i64 {
    match spec.completions {
        None if succeeded > 0 => active,
        None => spec.parallelism,
        Some(c) => (c - succeeded).clamp(0, spec.parallelism),
    }
}

/// The pod-creation back-off after `failures` (at least one) consecutive failures: 10s
/// doubling to 10m.
fn backoff(failures: u32) -> Duration {
    let secs = 10u64.saturating_mul(1 << failures.saturating_sub(1).min(16));
    Duration::from_secs(secs.min(600))
}

/// Parses `status.completedIndexes` ("1,3-5,7").
fn parse_indexes(s: &str) -> BTreeSet<i64> {
    let mut set = BTreeSet::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        if let (Ok(a), Ok(b)) = (a.trim().parse::<i64>(), b.trim().parse::<i64>()) {
            if a <= b && b - a <= 1_000_000 {
                set.extend(a..=b);
            }
        }
    }
    set
}

/// Formats indexes as upstream does: ascending intervals, ranges of two or more joined by '-'.
fn format_indexes(set: &BTreeSet<i64>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut iter = set.iter().copied().peekable();
    while let Some(first) = iter.next() {
        let mut last = first;
        while iter.peek() == Some(&(last + 1)) {
            last += 1;
            iter.next();
        }
        parts.push(if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        });
    }
    parts.join(",")
}

/// The completion index of an Indexed Job's pod.
fn pod_index(pod: &Value) -> Option<i64> {
    obj::annotation(pod, INDEX_KEY)?.parse().ok()
}

fn tracked(pod: &Value) -> bool {
    obj::path(pod, "metadata.finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|x| x == TRACKING_FINALIZER))
}

/// A pod that stopped without succeeding: Failed, or deleted before it finished (upstream
/// `isPodFailed` for podReplacementPolicy TerminatingOrFailed).
fn pod_failed(pod: &Value) -> bool {
    let phase = obj::path_str(pod, "status.phase");
    phase == "Failed" || (obj::is_deleting(pod) && phase != "Succeeded")
}

fn active(pod: &Value) -> bool {
    !obj::is_deleting(pod) && !owned::finished(pod)
}

fn restarts(pods: &[&Arc<Value>]) -> i64 {
    pods.iter()
        .flat_map(|p| {
            ["status.containerStatuses", "status.initContainerStatuses"]
                .into_iter()
                .filter_map(|f| obj::path(p, f).and_then(Value::as_array))
                .flatten()
        })
        .filter_map(|c| c.get("restartCount").and_then(Value::as_i64))
        .sum()
}

/// A Job condition as upstream writes it (probe and transition time both now).
fn condition(t: &str, status: &str, reason: &str, message: &str, now: &str) -> Value {
    json!({"type": t, "status": status, "lastProbeTime": now, "lastTransitionTime": now,
           "reason": reason, "message": message})
}

fn has_condition<'a>(conditions: &'a [Value], t: &str) -> Option<&'a Value> {
    conditions
        .iter()
        .find(|c| c["type"] == t && c["status"] == "True")
}

/// Upstream `ensureJobConditionStatus`: updates the condition of that type when it differs,
/// adds it when missing unless it would be False; true when something changed.
fn ensure_condition(
    conditions: &mut Vec<Value>,
    t: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: &str,
) -> bool {
    let next = condition(t, status, reason, message, now);
    match conditions.iter_mut().find(|c| c["type"] == t) {
        Some(c) => {
            let same = c["status"] == status && c["reason"] == reason && c["message"] == message;
            if !same {
                *c = next;
            }
            !same
        }
        None if status != "False" => {
            conditions.push(next);
            true
        }
        None => false,
    }
}

/// Everything one sync decides, written as the status at the end.
struct Sync {
    conditions: Vec<Value>,
    start_time: Option<String>,
    completion_time: Option<String>,
    active: i64,
    ready: i64,
    terminating: i64,
    succeeded: i64,
    failed: i64,
    completed: BTreeSet<i64>,
    indexed: bool,
}

impl Sync {
    fn status(&self) -> Value {
        let mut s = Map::new();
        if !self.conditions.is_empty() {
            s.insert("conditions".into(), json!(self.conditions));
        }
        if let Some(t) = &self.start_time {
            s.insert("startTime".into(), json!(t));
        }
        if let Some(t) = &self.completion_time {
            s.insert("completionTime".into(), json!(t));
        }
        for (key, n) in [
            ("active", self.active),
            ("succeeded", self.succeeded),
            ("failed", self.failed),
        ] {
            if n != 0 {
                s.insert(key.into(), json!(n));
            }
        }
        s.insert("terminating".into(), json!(self.terminating));
        if self.indexed && !self.completed.is_empty() {
            s.insert(
                "completedIndexes".into(),
                json!(format_indexes(&self.completed)),
            );
        }
        s.insert("uncountedTerminatedPods".into(), json!({}));
        s.insert("ready".into(), json!(self.ready));
        Value::Object(s)
    }
}

/// Pods whose controller reference names this Job (of any uid: a Job recreated under the same
/// name must release its predecessor's pods), and tracked pods no controller owns any more
/// (orphaned by `--cascade=orphan`), which upstream releases too.
fn related_pods(ctx: &Ctx, r: &ObjRef) -> Vec<Arc<Value>> {
    let names_job = |c: &Value| {
        c["kind"] == "Job"
            && c["name"] == r.name.as_str()
            && c["apiVersion"]
                .as_str()
                .is_some_and(|a| a.starts_with("batch/"))
    };
    ctx.state.store.read(|s| {
        s.list(ids::pods(), Some(&r.ns))
            .filter(|p| match obj::controller_ref(p) {
                Some(c) => names_job(c),
                None => tracked(p),
            })
            .cloned()
            .collect()
    })
}

fn release(ctx: &Ctx, pods: &[&Arc<Value>]) {
    for p in pods {
        owned::remove_finalizer(ctx, ids::pods(), p, TRACKING_FINALIZER);
    }
}

/// Reconciles one Job.
pub fn reconcile(ctx: &mut Ctx, r: &ObjRef) -> Option<Duration> {
    let pods = related_pods(ctx, r);
    let job = ctx.get(r).filter(|j| !obj::is_deleting(j));
    let Some(job) = job else {
        // A Job that is gone or going tracks nothing any more.
        release(ctx, &pods.iter().collect::<Vec<_>>());
        forget_removed(ctx);
        return None;
    };
    let uid = obj::uid(&job).to_string();
    let (mine, strays): (Vec<&Arc<Value>>, Vec<&Arc<Value>>) = pods
        .iter()
        .partition(|p| obj::controller_ref(p).and_then(|c| c["uid"].as_str()) == Some(&uid));
    release(ctx, &strays);
    let spec = Spec::of(&job);
    let mut sync = count(&job, &spec, &mine);
    let newly_failed = sync.failed - obj::path_i64(&job, "status.failed").unwrap_or(0);
    let newly_succeeded = sync.succeeded - obj::path_i64(&job, "status.succeeded").unwrap_or(0);
    let now = Instant::now();
    let times = ctx.jobs.entry(uid.clone()).or_default();
    if newly_succeeded > 0 {
        times.failures = 0;
    }
    if newly_failed > 0 {
        times.failures = times.failures.saturating_add(newly_failed as u32);
        times.last_failure = Some(now);
    }
    let finished = has_condition(&sync.conditions, "Complete").is_some()
        || has_condition(&sync.conditions, "Failed").is_some();
    let requeue = if finished {
        None
    } else {
        progress(ctx, &job, &spec, &mine, &mut sync)
    };
    ctx.write_status(ids::jobs(), &job, sync.status(), owned::MANAGER);
    // Counted in the status just written: the pods may go now.
    let counted: Vec<&Arc<Value>> = mine
        .iter()
        .copied()
        .filter(|p| !active(p) || finished)
        .collect();
    release(ctx, &counted);
    let ttl = expire(ctx, &job, &sync);
    match (requeue, ttl) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The counts from the previous status plus the finished pods not yet counted.
fn count(job: &Value, spec: &Spec, pods: &[&Arc<Value>]) -> Sync {
    let mut completed = parse_indexes(obj::path_str(job, "status.completedIndexes"));
    let mut succeeded = obj::path_i64(job, "status.succeeded").unwrap_or(0);
    let mut failed = obj::path_i64(job, "status.failed").unwrap_or(0);
    for p in pods.iter().filter(|p| tracked(p)) {
        if obj::path_str(p, "status.phase") == "Succeeded" {
            match (spec.indexed, pod_index(p)) {
                (false, _) => succeeded += 1,
                (true, Some(i)) if i >= 0 && Some(i) < spec.completions => {
                    completed.insert(i);
                }
                (true, _) => {}
            }
        } else if pod_failed(p) {
            failed += 1;
        }
    }
    if spec.indexed {
        succeeded = completed.len() as i64;
    }
    let running: Vec<&&Arc<Value>> = pods.iter().filter(|p| active(p)).collect();
    Sync {
        conditions: obj::path(job, "status.conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        start_time: obj::path(job, "status.startTime")
            .and_then(Value::as_str)
            .map(str::to_string),
        completion_time: obj::path(job, "status.completionTime")
            .and_then(Value::as_str)
            .map(str::to_string),
        active: running.len() as i64,
        ready: running.iter().filter(|p| pod_ready(p)).count() as i64,
        terminating: pods
            .iter()
            .filter(|p| obj::is_deleting(p) && !owned::finished(p))
            .count() as i64,
        succeeded,
        failed,
        completed,
        indexed: spec.indexed,
    }
}

/// Moves an unfinished Job along: finish it, hold it suspended, or keep its pods running.
fn progress(
    ctx: &mut Ctx,
    job: &Value,
    spec: &Spec,
    pods: &[&Arc<Value>],
    sync: &mut Sync,
) -> Option<Duration> {
    let now = ctx.now_str();
    let suspended = obj::path(job, "spec.suspend").and_then(Value::as_bool) == Some(true);
    let running: Vec<&Arc<Value>> = pods.iter().copied().filter(|p| active(p)).collect();
    if let Some(outcome) = outcome(ctx, job, spec, &running, sync, suspended) {
        finish(ctx, job, &running, sync, &outcome, &now);
        return None;
    }
    if suspended {
        suspend(ctx, job, &running, sync, &now);
        return None;
    }
    resume(ctx, job, sync, &now);
    let deadline = deadline_left(ctx, job);
    manage(ctx, job, spec, &running, sync).map_or(deadline, |d| Some(min_delay(deadline, d)))
}

/// A suspended Job runs no pods, and says so once.
fn suspend(ctx: &Ctx, job: &Value, running: &[&Arc<Value>], sync: &mut Sync, now: &str) {
    let (reason, message) = ("JobSuspended", "Job suspended");
    if ensure_condition(
        &mut sync.conditions,
        "Suspended",
        "True",
        reason,
        message,
        now,
    ) {
        owned::record(ctx, ids::jobs(), job, false, "Suspended", message, SOURCE);
    }
    remove_pods(ctx, job, running, running.len(), sync);
}

/// Starts the clock of a Job starting, or (afresh) of one resumed, as upstream resets
/// `startTime` on resume so that `activeDeadlineSeconds` counts running time only.
fn resume(ctx: &mut Ctx, job: &Value, sync: &mut Sync, now: &str) {
    let (reason, message) = ("JobResumed", "Job resumed");
    let resumed = ensure_condition(
        &mut sync.conditions,
        "Suspended",
        "False",
        reason,
        message,
        now,
    );
    if resumed {
        owned::record(ctx, ids::jobs(), job, false, "Resumed", message, SOURCE);
    }
    if sync.start_time.is_none() || resumed {
        sync.start_time = Some(now.to_string());
        let times = ctx.jobs.entry(obj::uid(job).to_string()).or_default();
        times.started = Some(Instant::now());
    }
}

/// Upstream `manageJob`: removes excess pods, or creates the missing ones once the failure
/// back-off has passed; returns when to try again if it had to wait or a create failed.
fn manage(
    ctx: &mut Ctx,
    job: &Value,
    spec: &Spec,
    running: &[&Arc<Value>],
    sync: &mut Sync,
) -> Option<Duration> {
    let want = want_active(spec, sync.succeeded, sync.active);
    if sync.active > want {
        let excess = (sync.active - want) as usize;
        remove_pods(ctx, job, running, excess, sync);
        return None;
    }
    let wait = backoff_left(ctx, job);
    if sync.active < want && !wait.is_zero() {
        return Some(wait + Duration::from_millis(1));
    }
    let missing = (want - sync.active).min(MAX_CREATES);
    let indexes: Vec<Option<i64>> = if spec.indexed {
        free_indexes(spec, running, sync, missing)
            .into_iter()
            .map(Some)
            .collect()
    } else {
        (0..missing).map(|_| None).collect()
    };
    for index in indexes {
        if !create_pod(ctx, job, index) {
            return Some(
                ctx.scaled(Duration::from_secs(10))
                    .max(Duration::from_millis(50)),
            );
        }
        sync.active += 1;
    }
    None
}

/// What is left of the pod-creation back-off after the last counted failure.
fn backoff_left(ctx: &mut Ctx, job: &Value) -> Duration {
    let times = ctx.jobs.entry(obj::uid(job).to_string()).or_default();
    let (failures, last_failure) = (times.failures, times.last_failure);
    match (failures, last_failure) {
        (0, _) | (_, None) => Duration::ZERO,
        (n, Some(at)) => (at + ctx.scaled(backoff(n))).saturating_duration_since(Instant::now()),
    }
}

fn min_delay(a: Option<Duration>, b: Duration) -> Duration {
    a.map_or(b, |a| a.min(b))
}

/// The outcome, if the Job has one: an interim condition already written decides; otherwise
/// the back-off limit, the deadline, then success, in upstream's order.
fn outcome(
    ctx: &mut Ctx,
    job: &Value,
    spec: &Spec,
    running: &[&Arc<Value>],
    sync: &Sync,
    suspended: bool,
) -> Option<Outcome> {
    if let Some(c) = has_condition(&sync.conditions, "FailureTarget") {
        return Some(match c["reason"].as_str() {
            Some("DeadlineExceeded") => DEADLINE_EXCEEDED,
            _ => BACKOFF_EXCEEDED,
        });
    }
    if has_condition(&sync.conditions, "SuccessCriteriaMet").is_some() {
        return Some(Outcome::Success);
    }
    let on_failure = obj::path_str(job, "spec.template.spec.restartPolicy") == "OnFailure";
    let restarts = on_failure.then(|| restarts(running));
    if past_backoff_limit(spec, sync.failed, restarts) {
        return Some(BACKOFF_EXCEEDED);
    }
    // The deadline runs while the Job runs: not while suspended, and afresh once resumed.
    let resuming = has_condition(&sync.conditions, "Suspended").is_some();
    if !suspended && !resuming && deadline_left(ctx, job).is_some_and(|d| d.is_zero()) {
        return Some(DEADLINE_EXCEEDED);
    }
    succeeded_all(spec, sync.succeeded, sync.active).then_some(Outcome::Success)
}

/// Time left before `activeDeadlineSeconds` (scaled) runs out, counted from the start.
fn deadline_left(ctx: &mut Ctx, job: &Value) -> Option<Duration> {
    let seconds = obj::path_i64(job, "spec.activeDeadlineSeconds")?;
    obj::path(job, "status.startTime")?;
    let allowed = ctx.scaled(Duration::from_secs(seconds.max(0) as u64));
    let times = ctx.jobs.entry(obj::uid(job).to_string()).or_default();
    let started = *times.started.get_or_insert_with(Instant::now);
    Some((started + allowed).saturating_duration_since(Instant::now()))
}

/// Writes the interim condition, stops the running pods, and once none is left running or
/// terminating writes the terminal condition with its Event.
fn finish(
    ctx: &mut Ctx,
    job: &Value,
    running: &[&Arc<Value>],
    sync: &mut Sync,
    outcome: &Outcome,
    now: &str,
) {
    let (interim, terminal, reason, message) = match outcome {
        Outcome::Success => (
            "SuccessCriteriaMet",
            "Complete",
            SUCCESS_REASON,
            SUCCESS_MESSAGE,
        ),
        Outcome::Failure { reason, message } => ("FailureTarget", "Failed", *reason, *message),
    };
    ensure_condition(&mut sync.conditions, interim, "True", reason, message, now);
    remove_pods(ctx, job, running, running.len(), sync);
    if sync.active > 0 || sync.terminating > 0 {
        return;
    }
    ensure_condition(&mut sync.conditions, terminal, "True", reason, message, now);
    match outcome {
        Outcome::Success => {
            sync.completion_time = Some(now.to_string());
            owned::record(
                ctx,
                ids::jobs(),
                job,
                false,
                "Completed",
                "Job completed",
                SOURCE,
            );
        }
        Outcome::Failure { reason, message } => {
            owned::record(ctx, ids::jobs(), job, true, reason, message, SOURCE);
        }
    }
    ctx.jobs
        .entry(obj::uid(job).to_string())
        .or_default()
        .finished = Some(Instant::now());
}

/// Deletes up to `n` running pods, the least advanced first (unscheduled, pending, not ready,
/// newest), as upstream's `activePodsForRemoval`.
fn remove_pods(ctx: &Ctx, job: &Value, running: &[&Arc<Value>], n: usize, sync: &mut Sync) {
    let mut victims: Vec<&Arc<Value>> = running.to_vec();
    victims.sort_by_key(|p| {
        (
            !obj::path_str(p, "spec.nodeName").is_empty(),
            obj::path_str(p, "status.phase") != "Pending",
            pod_ready(p),
            std::cmp::Reverse(obj::meta_str(p, "creationTimestamp").to_string()),
        )
    });
    for p in victims.into_iter().take(n) {
        let name = obj::name(p).to_string();
        if owned::delete(ctx, ids::pods(), obj::namespace(p), &name, None) {
            let message = format!("Deleted pod: {name}");
            owned::record(
                ctx,
                ids::jobs(),
                job,
                false,
                "SuccessfulDelete",
                &message,
                SOURCE,
            );
            sync.active -= 1;
            sync.ready -= i64::from(pod_ready(p));
            sync.terminating += i64::from(!owned::finished(p));
        }
    }
}

/// The lowest completion indexes neither completed nor running (Indexed Jobs).
fn free_indexes(spec: &Spec, running: &[&Arc<Value>], sync: &Sync, n: i64) -> Vec<i64> {
    let Some(completions) = spec.completions.filter(|_| spec.indexed) else {
        return Vec::new();
    };
    let busy: BTreeSet<i64> = running.iter().filter_map(|p| pod_index(p)).collect();
    (0..completions)
        .filter(|i| !sync.completed.contains(i) && !busy.contains(i))
        .take(n.max(0) as usize)
        .collect()
}

/// The Job's pod: the template, tracked by the finalizer, and for an Indexed Job its index
/// (annotation, label, hostname and `JOB_COMPLETION_INDEX`).
fn new_pod(job: &Value, index: Option<i64>) -> Value {
    let template = obj::path(job, "spec.template")
        .cloned()
        .unwrap_or(json!({}));
    let mut pod = owned::pod_from_template(&template, ids::jobs(), job);
    let name = obj::name(job);
    let meta = obj::meta_mut(&mut pod);
    meta.insert("finalizers".into(), json!([TRACKING_FINALIZER]));
    let Some(i) = index else {
        meta.insert("generateName".into(), json!(format!("{name}-")));
        return pod;
    };
    meta.insert("generateName".into(), json!(format!("{name}-{i}-")));
    let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
    if !annotations.is_object() {
        *annotations = json!({});
    }
    annotations[INDEX_KEY] = json!(i.to_string());
    owned::set_label(&mut pod, INDEX_KEY, &i.to_string());
    let spec = obj::ensure_object(&mut pod, "spec");
    spec.insert("hostname".into(), json!(format!("{name}-{i}")));
    let env = json!({"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
        "fieldPath": format!("metadata.annotations['{INDEX_KEY}']")}}});
    for list in ["containers", "initContainers"] {
        for c in spec
            .get_mut(list)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let Some(c) = c.as_object_mut() else { continue };
            let vars = c.entry("env").or_insert_with(|| json!([]));
            if !vars.is_array() {
                *vars = json!([]);
            }
            if let Some(vars) = vars.as_array_mut() {
                vars.push(env.clone());
            }
        }
    }
    pod
}

fn create_pod(ctx: &Ctx, job: &Value, index: Option<i64>) -> bool {
    match owned::create(ctx, ids::pods(), new_pod(job, index)) {
        Ok(p) => {
            let message = format!("Created pod: {}", obj::name(&p));
            owned::record(
                ctx,
                ids::jobs(),
                job,
                false,
                "SuccessfulCreate",
                &message,
                SOURCE,
            );
            true
        }
        Err(e) => {
            let message = format!("Error creating: {}", e.message);
            owned::record(
                ctx,
                ids::jobs(),
                job,
                true,
                "FailedCreate",
                &message,
                SOURCE,
            );
            false
        }
    }
}

/// `ttlSecondsAfterFinished` (scaled): deletes a finished Job in the foreground once it has
/// passed, as the TTL-after-finished controller does; otherwise when to look again.
fn expire(ctx: &mut Ctx, job: &Value, sync: &Sync) -> Option<Duration> {
    let ttl = obj::path_i64(job, "spec.ttlSecondsAfterFinished")?;
    let done = has_condition(&sync.conditions, "Complete").is_some()
        || has_condition(&sync.conditions, "Failed").is_some();
    if !done {
        return None;
    }
    let allowed = ctx.scaled(Duration::from_secs(ttl.max(0) as u64));
    let times = ctx.jobs.entry(obj::uid(job).to_string()).or_default();
    let finished = *times.finished.get_or_insert_with(Instant::now);
    let left = (finished + allowed).saturating_duration_since(Instant::now());
    if !left.is_zero() {
        return Some(left + Duration::from_millis(1));
    }
    owned::delete(
        ctx,
        ids::jobs(),
        obj::namespace(job),
        obj::name(job),
        Some("Foreground"),
    );
    None
}

/// Drops the timings of Jobs that no longer exist.
fn forget_removed(ctx: &mut Ctx) {
    let live: BTreeSet<String> = ctx.state.store.read(|s| {
        s.list(ids::jobs(), None)
            .map(|o| obj::uid(o).to_string())
            .collect()
    });
    ctx.jobs.retain(|uid, _| live.contains(uid));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(completions: Option<i64>, parallelism: i64, backoff_limit: i64) -> Spec {
        Spec {
            completions,
            parallelism,
            backoff_limit,
            indexed: false,
        }
    }

    fn pod(phase: &str, tracked: bool, deleting: bool) -> Arc<Value> {
        let mut p = json!({"metadata": {"name": "p"}, "status": {"phase": phase}});
        if tracked {
            p["metadata"]["finalizers"] = json!([TRACKING_FINALIZER]);
        }
        if deleting {
            p["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        }
        Arc::new(p)
    }

    #[test]
    fn active_pods_never_exceed_parallelism_or_the_completions_left() {
        assert_eq!(want_active(&spec(Some(3), 2, 6), 0, 0), 2);
        assert_eq!(want_active(&spec(Some(3), 2, 6), 2, 1), 1);
        assert_eq!(want_active(&spec(Some(3), 2, 6), 3, 0), 0);
        assert_eq!(want_active(&spec(None, 2, 6), 0, 0), 2);
        assert_eq!(want_active(&spec(None, 2, 6), 1, 1), 1);
    }

    #[test]
    fn success_and_failure_criteria() {
        let s = spec(Some(3), 2, 1);
        assert!(!succeeded_all(&s, 2, 0));
        assert!(!succeeded_all(&s, 3, 1));
        assert!(succeeded_all(&s, 3, 0));
        assert!(succeeded_all(&spec(None, 2, 1), 1, 0));
        assert!(!past_backoff_limit(&s, 1, None));
        assert!(past_backoff_limit(&s, 2, None));
        assert!(past_backoff_limit(&s, 0, Some(1)));
        assert!(!past_backoff_limit(&spec(Some(1), 1, 0), 0, Some(0)));
        assert!(past_backoff_limit(&spec(Some(1), 1, 0), 0, Some(1)));
    }

    #[test]
    fn creation_backs_off_exponentially_to_ten_minutes() {
        assert_eq!(backoff(1), Duration::from_secs(10));
        assert_eq!(backoff(3), Duration::from_secs(40));
        assert_eq!(backoff(40), Duration::from_secs(600));
    }

    #[test]
    fn completed_indexes_round_trip_as_intervals() {
        let set = parse_indexes("0,2-4, 7");
        assert_eq!(set.iter().copied().collect::<Vec<_>>(), vec![0, 2, 3, 4, 7]);
        assert_eq!(format_indexes(&set), "0,2-4,7");
        assert_eq!(format_indexes(&parse_indexes("1,2")), "1-2");
        assert!(parse_indexes("x,5-3").is_empty());
    }

    #[test]
    fn only_tracked_finished_pods_are_counted() {
        let job = json!({"status": {"succeeded": 1, "failed": 1}});
        let pods = [
            pod("Succeeded", true, false),
            pod("Succeeded", false, false),
            pod("Failed", true, false),
            pod("Running", true, true),
            pod("Running", true, false),
        ];
        let refs: Vec<&Arc<Value>> = pods.iter().collect();
        let sync = count(&job, &spec(Some(5), 2, 6), &refs);
        assert_eq!(sync.succeeded, 2);
        assert_eq!(sync.failed, 3);
        assert_eq!(sync.active, 1);
        assert_eq!(sync.terminating, 1);
    }

    #[test]
    fn indexed_jobs_count_distinct_completed_indexes() {
        let job = json!({"status": {"completedIndexes": "0"}});
        let indexed = |i: &str| {
            let p = pod("Succeeded", true, false);
            let mut v = (*p).clone();
            v["metadata"]["annotations"] = json!({INDEX_KEY: i});
            Arc::new(v)
        };
        let pods = [indexed("0"), indexed("2"), indexed("9")];
        let refs: Vec<&Arc<Value>> = pods.iter().collect();
        let s = Spec {
            indexed: true,
            ..spec(Some(3), 3, 6)
        };
        let sync = count(&job, &s, &refs);
        assert_eq!(sync.succeeded, 2);
        assert_eq!(sync.status()["completedIndexes"], "0,2");
        assert_eq!(free_indexes(&s, &[], &sync, 5), vec![1]);
    }

    #[test]
    fn conditions_are_added_once_and_false_ones_only_updated() {
        let mut cs = Vec::new();
        assert!(!ensure_condition(
            &mut cs,
            "Suspended",
            "False",
            "JobResumed",
            "Job resumed",
            "t0"
        ));
        assert!(cs.is_empty());
        assert!(ensure_condition(
            &mut cs,
            "Suspended",
            "True",
            "JobSuspended",
            "Job suspended",
            "t1"
        ));
        assert!(!ensure_condition(
            &mut cs,
            "Suspended",
            "True",
            "JobSuspended",
            "Job suspended",
            "t2"
        ));
        assert!(ensure_condition(
            &mut cs,
            "Suspended",
            "False",
            "JobResumed",
            "Job resumed",
            "t3"
        ));
        assert_eq!(
            cs,
            vec![
                json!({"type": "Suspended", "status": "False", "lastProbeTime": "t3",
                        "lastTransitionTime": "t3", "reason": "JobResumed", "message": "Job resumed"})
            ]
        );
    }

    #[test]
    fn status_has_the_fields_upstream_always_writes() {
        let sync = count(&json!({}), &spec(Some(1), 1, 6), &[]);
        assert_eq!(
            sync.status(),
            json!({"terminating": 0, "uncountedTerminatedPods": {}, "ready": 0})
        );
    }

    #[test]
    fn pods_are_tracked_and_indexed_pods_know_their_index() {
        let job = json!({"metadata": {"name": "pi", "namespace": "ns", "uid": "u"},
            "spec": {"template": {"metadata": {"labels": {"job-name": "pi"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "perl"}]}}}});
        let plain = new_pod(&job, None);
        assert_eq!(plain["metadata"]["generateName"], "pi-");
        assert_eq!(plain["metadata"]["finalizers"], json!([TRACKING_FINALIZER]));
        assert_eq!(plain["metadata"]["ownerReferences"][0]["kind"], "Job");
        assert_eq!(plain["metadata"]["labels"]["job-name"], "pi");
        let indexed = new_pod(&job, Some(2));
        assert_eq!(indexed["metadata"]["generateName"], "pi-2-");
        assert_eq!(indexed["metadata"]["annotations"][INDEX_KEY], "2");
        assert_eq!(indexed["metadata"]["labels"][INDEX_KEY], "2");
        assert_eq!(indexed["spec"]["hostname"], "pi-2");
        assert_eq!(
            indexed["spec"]["containers"][0]["env"][0]["name"],
            "JOB_COMPLETION_INDEX"
        );
    }
}
