//! A minimal CronJob controller, following upstream `pkg/controller/cronjob`: at each time the
//! 5-field schedule (or `@hourly`-style descriptor) names, it creates the Job
//! `<cronjob>-<scheduled minutes since the epoch>` from `jobTemplate`, honouring `suspend`,
//! `concurrencyPolicy`, `startingDeadlineSeconds` and `timeZone`; it tracks `status.active`,
//! `lastScheduleTime` and `lastSuccessfulTime`, and keeps `successfulJobsHistoryLimit` and
//! `failedJobsHistoryLimit` finished Jobs.
//!
//! Schedules run on the wall clock: the time scale does not apply to them (a schedule names
//! times of day, not durations), so a test wanting a Job from a CronJob waits for the next
//! minute boundary or creates the Job itself. Without `timeZone` schedules are read in UTC.

use std::sync::Arc;
use std::time::Duration;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde_json::{json, Map, Value};

use super::events::Source;
use super::owned;
use super::Ctx;
use crate::obj;
use crate::registry::ids;
use crate::store::ObjRef;

const SOURCE: Source = Source {
    component: "cronjob-controller",
    host: None,
};
const SCHEDULED_ANNOTATION: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/// A parsed schedule: one bit per allowed value of each field, as robfig/cron (which upstream
/// uses) holds it. `*`/`?` in day-of-month or day-of-week changes how the two combine.
#[derive(Clone, Debug, PartialEq)]
struct Schedule {
    minute: u64,
    hour: u64,
    dom: u64,
    month: u64,
    dow: u64,
    dom_star: bool,
    dow_star: bool,
}

struct Bounds {
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DOMS: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
const DOWS: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

impl Schedule {
    /// Parses a schedule as robfig/cron's standard parser does, with its error messages.
    fn parse(spec: &str) -> Result<Schedule, String> {
        let spec = spec.trim();
        let expanded = match spec {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            s if s.starts_with('@') => return Err(format!("unrecognized descriptor: {s}")),
            s => s,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "expected exactly 5 fields, found {}: [{}]",
                fields.len(),
                fields.join(" ")
            ));
        }
        let (dom, dom_star) = field(fields[2], &DOMS)?;
        let (dow, dow_star) = field(fields[4], &DOWS)?;
        Ok(Schedule {
            minute: field(fields[0], &MINUTES)?.0,
            hour: field(fields[1], &HOURS)?.0,
            dom,
            month: field(fields[3], &MONTHS)?.0,
            dow,
            dom_star,
            dow_star,
        })
    }

    fn day_matches(&self, dt: DateTime) -> bool {
        let dom = has(self.dom, dt.day() as u32);
        let dow = has(self.dow, dt.weekday().to_sunday_zero_offset() as u32);
        if self.dom_star || self.dow_star {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// The first time strictly after `after` that the schedule names (searching five years).
    fn next(&self, after: DateTime) -> Option<DateTime> {
        let start = after.date().at(after.hour(), after.minute(), 0, 0);
        let mut t = start.checked_add(1.minute()).ok()?;
        let last_year = t.year().saturating_add(5);
        while t.year() <= last_year {
            if !has(self.month, t.month() as u32) {
                t = t
                    .date()
                    .first_of_month()
                    .checked_add(1.month())
                    .ok()?
                    .at(0, 0, 0, 0);
            } else if !self.day_matches(t) {
                t = t.date().tomorrow().ok()?.at(0, 0, 0, 0);
            } else if !has(self.hour, t.hour() as u32) {
                t = t.date().at(t.hour(), 0, 0, 0).checked_add(1.hour()).ok()?;
            } else if !has(self.minute, t.minute() as u32) {
                t = t.checked_add(1.minute()).ok()?;
            } else {
                return Some(t);
            }
        }
        None
    }
}

fn has(bits: u64, value: u32) -> bool {
    value < 64 && bits & (1 << value) != 0
}

/// One comma-separated field; the flag says it was `*` or `?` without a step.
fn field(text: &str, bounds: &Bounds) -> Result<(u64, bool), String> {
    let mut bits = 0;
    let mut star = false;
    for part in text.split(',') {
        let (b, s) = range(part, bounds)?;
        bits |= b;
        star |= s;
    }
    Ok((bits, star))
}

/// `*`, `?`, `a`, `a-b`, each optionally `/step` (`a/step` meaning `a-max/step`).
fn range(expr: &str, bounds: &Bounds) -> Result<(u64, bool), String> {
    let steps: Vec<&str> = expr.split('/').collect();
    let ends: Vec<&str> = steps[0].split('-').collect();
    let any = ends[0] == "*" || ends[0] == "?";
    let (start, mut end) = match (any, ends.as_slice()) {
        (true, _) => (bounds.min, bounds.max),
        (false, [one]) => {
            let v = value(one, bounds)?;
            (v, v)
        }
        (false, [a, b]) => (value(a, bounds)?, value(b, bounds)?),
        _ => return Err(format!("too many hyphens: {expr}")),
    };
    let step = match steps.as_slice() {
        [_] => 1,
        [_, step] => {
            let step = number(step)?;
            if ends.len() == 1 {
                end = bounds.max;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < bounds.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            bounds.min
        ));
    }
    if end > bounds.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            bounds.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    let bits = (start..=end)
        .step_by(step as usize)
        .fold(0u64, |b, v| b | (1 << v));
    Ok((bits, any && step == 1))
}

fn value(text: &str, bounds: &Bounds) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    match bounds.names.iter().position(|n| *n == lower) {
        Some(i) => Ok(bounds.min + i as u32),
        None => number(text),
    }
}

fn number(text: &str) -> Result<u32, String> {
    text.parse::<u32>().map_err(|_| {
        format!("failed to parse int from {text}: strconv.Atoi: parsing {text:?}: invalid syntax")
    })
}

/// The next scheduled instant strictly after `after`, in the schedule's time zone.
fn next_time(s: &Schedule, tz: &TimeZone, after: Timestamp) -> Option<Timestamp> {
    let local = s.next(after.to_zoned(tz.clone()).datetime())?;
    tz.to_ambiguous_timestamp(local).compatible().ok()
}

/// The latest scheduled instant in `(earliest, now]`, as upstream `mostRecentScheduleTime`.
fn most_recent(
    s: &Schedule,
    tz: &TimeZone,
    earliest: Timestamp,
    now: Timestamp,
) -> Option<Timestamp> {
    let mut found = None;
    let mut at = earliest;
    let mut steps = 0;
    // Each step must move forward: a wall time repeated by a DST change maps back.
    while let Some(t) = next_time(s, tz, at).filter(|t| *t > at && *t <= now) {
        found = Some(t);
        at = t;
        steps += 1;
        // A schedule missed this often runs often: the most recent time lies in the last days.
        if steps == 10_000 {
            let recent = now.checked_sub(jiff::SignedDuration::from_hours(48));
            at = at.max(recent.unwrap_or(at));
        }
    }
    found
}

fn timestamp(v: &Value, path: &str) -> Option<Timestamp> {
    obj::path(v, path)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

/// The finished state of a Job: its terminal condition type.
fn job_finished(job: &Value) -> Option<&'static str> {
    let conditions = obj::path(job, "status.conditions").and_then(Value::as_array)?;
    ["Complete", "Failed"].into_iter().find(|t| {
        conditions
            .iter()
            .any(|c| c["type"] == *t && c["status"] == "True")
    })
}

fn reference(job: &Value) -> Value {
    json!({"kind": "Job", "namespace": obj::namespace(job), "name": obj::name(job),
           "uid": obj::uid(job), "apiVersion": "batch/v1",
           "resourceVersion": obj::meta_str(job, "resourceVersion")})
}

/// Reconciles one CronJob; asks to run again at the next scheduled time.
pub fn reconcile(ctx: &mut Ctx, r: &ObjRef) -> Option<Duration> {
    let cj = ctx.get(r)?;
    if obj::is_deleting(&cj) {
        return None;
    }
    let jobs = owned::children(ctx, ids::jobs(), &r.ns, obj::uid(&cj));
    let mut status = obj::path(&cj, "status")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut active = note_finished(ctx, &cj, &jobs, &mut status);
    clean_history(ctx, &cj, &jobs);
    let requeue = schedule(ctx, &cj, &mut active, &mut status);
    if active.is_empty() {
        status.remove("active");
    } else {
        status.insert("active".into(), json!(active));
    }
    ctx.write_status(ids::cronjobs(), &cj, Value::Object(status), owned::MANAGER);
    requeue
}

/// The active Jobs; finished ones leave the list with an Event, and successful ones advance
/// `lastSuccessfulTime`.
fn note_finished(
    ctx: &Ctx,
    cj: &Value,
    jobs: &[Arc<Value>],
    status: &mut Map<String, Value>,
) -> Vec<Value> {
    let listed = |job: &Value| {
        obj::path(cj, "status.active")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x["uid"] == obj::uid(job)))
    };
    let mut active = Vec::new();
    for job in jobs {
        let Some(state) = job_finished(job) else {
            active.push(reference(job));
            continue;
        };
        if listed(job) {
            let message = format!("Saw completed job: {}, status: {state}", obj::name(job));
            owned::record(
                ctx,
                ids::cronjobs(),
                cj,
                false,
                "SawCompletedJob",
                &message,
                SOURCE,
            );
        }
        let completed = timestamp(job, "status.completionTime");
        let last = status
            .get("lastSuccessfulTime")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Timestamp>().ok());
        if let (Some(done), true) = (completed, state == "Complete") {
            if last.is_none_or(|l| done > l) {
                status.insert(
                    "lastSuccessfulTime".into(),
                    json!(crate::api::rfc3339(done)),
                );
            }
        }
    }
    active
}

/// Deletes the oldest finished Jobs beyond the history limits.
fn clean_history(ctx: &Ctx, cj: &Value, jobs: &[Arc<Value>]) {
    for (state, limit) in [
        ("Complete", "spec.successfulJobsHistoryLimit"),
        ("Failed", "spec.failedJobsHistoryLimit"),
    ] {
        let Some(limit) = obj::path_i64(cj, limit) else {
            continue;
        };
        let mut done: Vec<&Arc<Value>> = jobs
            .iter()
            .filter(|j| job_finished(j) == Some(state) && !obj::is_deleting(j))
            .collect();
        // Oldest first, by start time (creation time for a Job that never started).
        done.sort_by_key(|j| match obj::path_str(j, "status.startTime") {
            "" => obj::meta_str(j, "creationTimestamp").to_string(),
            started => started.to_string(),
        });
        let excess = done.len().saturating_sub(limit.max(0) as usize);
        for job in done.into_iter().take(excess) {
            delete_job(ctx, cj, job);
        }
    }
}

fn delete_job(ctx: &Ctx, cj: &Value, job: &Value) {
    let name = obj::name(job);
    if owned::delete(
        ctx,
        ids::jobs(),
        obj::namespace(job),
        name,
        Some("Background"),
    ) {
        let message = format!("Deleted job {name}");
        owned::record(
            ctx,
            ids::cronjobs(),
            cj,
            false,
            "SuccessfulDelete",
            &message,
            SOURCE,
        );
    }
}

/// Starts the Job of the most recent missed time, if any is due; returns when to look again.
fn schedule(
    ctx: &Ctx,
    cj: &Value,
    active: &mut Vec<Value>,
    status: &mut Map<String, Value>,
) -> Option<Duration> {
    if obj::path(cj, "spec.suspend").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let text = obj::path_str(cj, "spec.schedule");
    let sched = match Schedule::parse(text) {
        Ok(s) => s,
        Err(e) => {
            let message = format!("unparseable schedule: {text:?} : {e}");
            owned::record(
                ctx,
                ids::cronjobs(),
                cj,
                true,
                "UnparseableSchedule",
                &message,
                SOURCE,
            );
            return None;
        }
    };
    let tz = match obj::path(cj, "spec.timeZone").and_then(Value::as_str) {
        None => TimeZone::UTC,
        Some(name) => match TimeZone::get(name) {
            Ok(tz) => tz,
            Err(e) => {
                let message = format!("invalid timeZone: {name:?}: {e}");
                owned::record(
                    ctx,
                    ids::cronjobs(),
                    cj,
                    true,
                    "UnknownTimeZone",
                    &message,
                    SOURCE,
                );
                return None;
            }
        },
    };
    let now = ctx.state.env.now();
    let mut earliest = timestamp(cj, "status.lastScheduleTime")
        .or_else(|| timestamp(cj, "metadata.creationTimestamp"))
        .unwrap_or(now);
    if let Some(deadline) = obj::path_i64(cj, "spec.startingDeadlineSeconds") {
        let window = now.checked_sub(jiff::SignedDuration::from_secs(deadline.max(0)));
        earliest = earliest.max(window.unwrap_or(Timestamp::MIN));
    }
    let requeue = next_time(&sched, &tz, now).map(|next| {
        let wait = now.duration_until(next).unsigned_abs();
        wait + Duration::from_millis(100)
    });
    let Some(due) = most_recent(&sched, &tz, earliest, now) else {
        return requeue;
    };
    match obj::path_str(cj, "spec.concurrencyPolicy") {
        "Forbid" if !active.is_empty() => {
            let message = "Not starting job because prior execution is running and concurrency policy is Forbid";
            owned::record(
                ctx,
                ids::cronjobs(),
                cj,
                false,
                "JobAlreadyActive",
                message,
                SOURCE,
            );
            return requeue;
        }
        "Replace" => {
            for job in active.drain(..) {
                let name = job["name"].as_str().unwrap_or("");
                let found = ctx
                    .state
                    .store
                    .read(|s| s.get(ids::jobs(), obj::namespace(cj), name).cloned());
                if let Some(j) = found {
                    delete_job(ctx, cj, &j);
                }
            }
        }
        _ => {}
    }
    if let Some(job) = start_job(ctx, cj, due) {
        active.push(reference(&job));
    }
    status.insert("lastScheduleTime".into(), json!(crate::api::rfc3339(due)));
    requeue
}

/// The Job for one scheduled time: named by it, so it is created once.
fn new_job(cj: &Value, due: Timestamp) -> Value {
    let template = obj::path(cj, "spec.jobTemplate")
        .cloned()
        .unwrap_or(json!({}));
    let mut meta = template
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    meta.insert(
        "name".into(),
        json!(format!(
            "{}-{}",
            obj::name(cj),
            due.as_second().div_euclid(60)
        )),
    );
    meta.insert("namespace".into(), json!(obj::namespace(cj)));
    meta.insert(
        "ownerReferences".into(),
        json!([owned::controller_ref(ids::cronjobs(), cj)]),
    );
    let mut job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": template.get("spec").cloned().unwrap_or(json!({})),
    });
    let annotations = obj::meta_mut(&mut job)
        .entry("annotations")
        .or_insert_with(|| json!({}));
    if !annotations.is_object() {
        *annotations = json!({});
    }
    annotations[SCHEDULED_ANNOTATION] = json!(crate::api::rfc3339(due));
    job
}

fn start_job(ctx: &Ctx, cj: &Value, due: Timestamp) -> Option<Arc<Value>> {
    let job = new_job(cj, due);
    let name = obj::name(&job).to_string();
    match owned::create(ctx, ids::jobs(), job) {
        Ok(j) => {
            let message = format!("Created job {name}");
            owned::record(
                ctx,
                ids::cronjobs(),
                cj,
                false,
                "SuccessfulCreate",
                &message,
                SOURCE,
            );
            Some(j)
        }
        Err(e) if e.code == 409 => None,
        Err(e) => {
            let message = format!("Error creating job: {}", e.message);
            owned::record(
                ctx,
                ids::cronjobs(),
                cj,
                true,
                "FailedCreate",
                &message,
                SOURCE,
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime {
        s.parse().unwrap()
    }

    #[test]
    fn parses_fields_ranges_steps_and_names() {
        let s = Schedule::parse("*/15 9-17 * JAN,jul mon-fri").unwrap();
        assert_eq!(s.minute, 1 | 1 << 15 | 1 << 30 | 1 << 45);
        assert_eq!(s.hour, (9..=17).fold(0, |b, h| b | 1 << h));
        assert_eq!(s.month, 1 << 1 | 1 << 7);
        assert_eq!(s.dow, (1..=5).fold(0, |b, d| b | 1 << d));
        assert!(s.dom_star && !s.dow_star);
        let a = Schedule::parse("5/20 0 1 * *").unwrap();
        assert_eq!(a.minute, 1 << 5 | 1 << 25 | 1 << 45);
        assert_eq!(Schedule::parse("@hourly"), Schedule::parse("0 * * * *"));
    }

    #[test]
    fn rejects_bad_schedules_with_robfigs_messages() {
        let err = |s: &str| Schedule::parse(s).unwrap_err();
        assert_eq!(
            err("* * * *"),
            "expected exactly 5 fields, found 4: [* * * *]"
        );
        assert_eq!(
            err("60 * * * *"),
            "end of range (60) above maximum (59): 60"
        );
        assert_eq!(
            err("* * 0 * *"),
            "beginning of range (0) below minimum (1): 0"
        );
        assert_eq!(
            err("5-1 * * * *"),
            "beginning of range (5) beyond end of range (1): 5-1"
        );
        assert_eq!(
            err("*/0 * * * *"),
            "step of range should be a positive number: */0"
        );
        assert_eq!(err("1-2-3 * * * *"), "too many hyphens: 1-2-3");
        assert_eq!(err("@often"), "unrecognized descriptor: @often");
        assert!(err("x * * * *").starts_with("failed to parse int from x"));
        assert!(Schedule::parse("* * * * 7").is_err());
    }

    #[test]
    fn next_times() {
        let every5 = Schedule::parse("*/5 * * * *").unwrap();
        assert_eq!(
            every5.next(at("2026-03-01T10:02:30")),
            Some(at("2026-03-01T10:05:00"))
        );
        assert_eq!(
            every5.next(at("2026-03-01T10:05:00")),
            Some(at("2026-03-01T10:10:00"))
        );
        let nightly = Schedule::parse("30 2 * * *").unwrap();
        assert_eq!(
            nightly.next(at("2026-12-31T03:00:00")),
            Some(at("2027-01-01T02:30:00"))
        );
        let monday = Schedule::parse("0 9 * * mon").unwrap();
        // 2026-03-01 is a Sunday.
        assert_eq!(
            monday.next(at("2026-03-01T00:00:00")),
            Some(at("2026-03-02T09:00:00"))
        );
        // Day of month or day of week when both are restricted.
        let either = Schedule::parse("0 0 13 * fri").unwrap();
        assert_eq!(
            either.next(at("2026-03-01T00:00:00")),
            Some(at("2026-03-06T00:00:00"))
        );
        let leap = Schedule::parse("0 0 29 2 *").unwrap();
        assert_eq!(
            leap.next(at("2026-03-01T00:00:00")),
            Some(at("2028-02-29T00:00:00"))
        );
        let never = Schedule::parse("0 0 31 2 *").unwrap();
        assert_eq!(never.next(at("2026-03-01T00:00:00")), None);
    }

    #[test]
    fn most_recent_is_the_latest_missed_time() {
        let s = Schedule::parse("*/10 * * * *").unwrap();
        let ts = |x: &str| x.parse::<Timestamp>().unwrap();
        let tz = TimeZone::UTC;
        assert_eq!(
            most_recent(
                &s,
                &tz,
                ts("2026-03-01T10:01:00Z"),
                ts("2026-03-01T10:35:00Z")
            ),
            Some(ts("2026-03-01T10:30:00Z"))
        );
        assert_eq!(
            most_recent(
                &s,
                &tz,
                ts("2026-03-01T10:30:00Z"),
                ts("2026-03-01T10:35:00Z")
            ),
            None
        );
    }

    #[test]
    fn jobs_are_named_by_their_scheduled_minute() {
        let cj = json!({"metadata": {"name": "backup", "namespace": "ns", "uid": "u"},
            "spec": {"jobTemplate": {"metadata": {"labels": {"app": "b"}},
                                     "spec": {"template": {"spec": {"restartPolicy": "Never"}}}}}});
        let due: Timestamp = "2026-03-01T10:30:00Z".parse().unwrap();
        let job = new_job(&cj, due);
        assert_eq!(obj::name(&job), format!("backup-{}", due.as_second() / 60));
        assert_eq!(job["metadata"]["labels"]["app"], "b");
        assert_eq!(
            job["metadata"]["annotations"][SCHEDULED_ANNOTATION],
            "2026-03-01T10:30:00Z"
        );
        assert_eq!(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
        assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
    }
}
