//! The pure half of `kubectl qaenv down`: what a command line selects, the checks that refuse
//! before anything is deleted, what each deletion came to, the report, and the bookkeeping of
//! `--wait` (which namespaces are gone, from the events of one watch).
//!
//! The safety rules it encodes (DESIGN.md, "Safety rules"):
//! - only namespaces carrying qaenv's managed-by label are ever targets;
//! - NAMEs are checked together before anything is deleted: if one is not an environment or
//!   does not exist, nothing is deleted (never a partial deletion from bad input);
//! - every target keeps the UID it was read with, which the DELETE sends as a precondition, so
//!   a namespace deleted and re-created meanwhile is left alone;
//! - `--expired` and `--all` delete what they can and report every result.
//!
//! The I/O (the GETs, the list, the DELETEs, the watch) is in `commands/down.rs`.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{self, Write},
    time::Duration,
};

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Namespace;
use kube::runtime::watcher;
use serde::Serialize;

use crate::{
    environment::{self, Environment},
    error::{format_duration, Error, ExitCode, Result},
    labels,
    output::{Cell, Table, TableOptions, Tone},
};

/// How many namespaces a one-line message names before it says "and N more".
const NAMED: usize = 5;

/// What the command line selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Selection {
    /// The environments named on the command line.
    Names,
    /// Every environment past its expiry (`--expired`).
    Expired,
    /// Every environment (`--all`).
    All,
}

/// A namespace to delete: its environment and the UID it was read with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub env: Environment,
    pub uid: Option<String>,
}

impl Target {
    /// The target for a namespace, `None` when the namespace is not an environment.
    pub fn from_namespace(namespace: &Namespace) -> Option<Target> {
        Some(Target {
            env: Environment::from_namespace(namespace)?,
            uid: namespace.metadata.uid.clone(),
        })
    }
}

/// A NAME from the command line and what was found for it.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// As typed.
    pub name: String,
    /// The namespaces tried, in order (for the message when none exists).
    pub tried: Vec<String>,
    /// The first of them that exists.
    pub found: Option<Namespace>,
}

/// The targets of `down NAME...`: every NAME's namespace, or an error when any NAME is not an
/// environment (exit 4) or does not exist (exit 1). A namespace named twice is deleted once.
pub fn named_targets(lookups: &[Lookup]) -> Result<Vec<Target>> {
    let mut targets: Vec<Target> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    let mut missing: Vec<&Lookup> = Vec::new();
    for lookup in lookups {
        let Some(namespace) = &lookup.found else {
            missing.push(lookup);
            continue;
        };
        match Target::from_namespace(namespace) {
            None => {
                let name = namespace.metadata.name.clone().unwrap_or_default();
                if !refused.contains(&name) {
                    refused.push(name);
                }
            }
            Some(target) => {
                if !targets
                    .iter()
                    .any(|t| t.env.namespace == target.env.namespace)
                {
                    targets.push(target);
                }
            }
        }
    }
    if !refused.is_empty() {
        return Err(refusal(&refused, &missing));
    }
    if !missing.is_empty() {
        return Err(not_found(&missing));
    }
    Ok(targets)
}

/// Exit 4: NAMEs that are namespaces but not environments.
fn refusal(refused: &[String], missing: &[&Lookup]) -> Error {
    let also = if missing.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = missing.iter().map(|l| l.name.as_str()).collect();
        format!(" (and not found: {})", names.join(", "))
    };
    let hint = format!(
        "nothing was deleted{also}; qaenv only deletes namespaces it created, which `kubectl qaenv ls` lists"
    );
    match refused {
        [one] => environment::not_managed("refusing to delete", one).with_hint(hint),
        many => Error::refused(
            format!("refusing to delete {}", many.join(", ")),
            format!(
                "they are not qaenv environments (no {} label)",
                labels::MANAGED_BY_SELECTOR
            ),
        )
        .with_hint(hint),
    }
}

/// Exit 1: NAMEs whose namespace does not exist.
fn not_found(missing: &[&Lookup]) -> Error {
    let (what, cause) = match missing {
        [one] => (
            format!("cannot delete environment {}", one.name),
            format!("not found: no namespace {}", one.tried.join(" or ")),
        ),
        many => {
            let names: Vec<&str> = many.iter().map(|l| l.name.as_str()).collect();
            let each: Vec<String> = many
                .iter()
                .map(|l| format!("{} (no namespace {})", l.name, l.tried.join(" or ")))
                .collect();
            (
                format!("cannot delete environments {}", names.join(", ")),
                format!("not found: {}", each.join(", ")),
            )
        }
    };
    Error::new(what, cause)
        .with_hint("nothing was deleted; `kubectl qaenv ls` lists the environments")
}

/// The targets of `--expired` (`expired_only`) or `--all` among the listed environments.
/// Environments already being deleted stay in, to be reported.
pub fn listed_targets(
    listed: &[(Environment, Namespace)],
    expired_only: bool,
    now: Timestamp,
) -> Vec<Target> {
    listed
        .iter()
        .filter(|(env, _)| !expired_only || env.is_expired(now))
        .map(|(env, ns)| Target {
            env: env.clone(),
            uid: ns.metadata.uid.clone(),
        })
        .collect()
}

/// The message when there is nothing to delete (exit 0).
pub fn nothing_to_delete(selection: Selection, selector: Option<&str>) -> String {
    let matching = selector
        .map(|s| format!(" matching {s}"))
        .unwrap_or_default();
    match selection {
        Selection::Expired => format!("no environment{matching} has expired; nothing to delete"),
        Selection::All | Selection::Names => {
            format!("no environments{matching}; nothing to delete")
        }
    }
}

/// What the confirmation asks about: `delete environment login (namespace qa-login and
/// everything in it)`.
pub fn confirmation(targets: &[Target]) -> String {
    match targets {
        [one] => format!(
            "delete environment {} (namespace {} and everything in it)",
            one.env.name, one.env.namespace
        ),
        many => format!(
            "delete {} environments ({}) and everything in them",
            many.len(),
            named(many.iter().map(|t| t.env.namespace.as_str()))
        ),
    }
}

/// `a, b, c, d, e and 2 more`.
fn named<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    let shown = names[..names.len().min(NAMED)].join(", ");
    match names.len().saturating_sub(NAMED) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// What the list shown before the confirmation looks like.
pub fn targets_table(targets: &[Target], now: Timestamp) -> Table {
    let mut table = Table::new(["environment", "namespace", "owner", "expires"]);
    for target in targets {
        table.row([
            target.env.name.clone(),
            target.env.namespace.clone(),
            owner_text(target.env.owner.as_deref()),
            target.env.expires_text(now),
        ]);
    }
    table
}

fn owner_text(owner: Option<&str>) -> String {
    owner.unwrap_or("<none>").to_string()
}

/// What became of one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The DELETE was accepted; the namespace is terminating (not waited for).
    Deleting,
    /// It was being deleted already; no request was sent.
    AlreadyDeleting,
    /// It is gone (`--wait` saw it go).
    Deleted,
    /// It was gone when the DELETE arrived (someone else deleted it).
    AlreadyGone,
    /// `--wait` ended before it was gone; `status` says what holds it.
    StillTerminating { status: String },
    /// The DELETE failed.
    Failed {
        cause: String,
        exit: ExitCode,
        hint: Option<String>,
    },
}

impl Outcome {
    /// The RESULT column.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Deleting => "deleting",
            Outcome::AlreadyDeleting => "already deleting",
            Outcome::Deleted => "deleted",
            Outcome::AlreadyGone => "already gone",
            Outcome::StillTerminating { .. } => "still terminating",
            Outcome::Failed { .. } => "failed",
        }
    }

    /// The DETAIL column.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Outcome::StillTerminating { status } => Some(status),
            Outcome::Failed { cause, .. } => Some(cause),
            _ => None,
        }
    }

    /// Whether `--wait` waits for this namespace to go.
    pub fn is_departing(&self) -> bool {
        matches!(self, Outcome::Deleting | Outcome::AlreadyDeleting)
    }

    /// The outcome of a failed DELETE.
    pub fn failed(error: &Error) -> Outcome {
        Outcome::Failed {
            cause: error.cause().to_string(),
            exit: error.exit_code(),
            hint: error.hint().map(str::to_string),
        }
    }

    fn tone(&self) -> Tone {
        match self {
            Outcome::Deleted | Outcome::AlreadyGone => Tone::Good,
            Outcome::Deleting | Outcome::AlreadyDeleting => Tone::Plain,
            Outcome::StillTerminating { .. } => Tone::Warn,
            Outcome::Failed { .. } => Tone::Bad,
        }
    }
}

/// What `down` prints: the table's rows, and `-o json`'s document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownReport {
    pub selection: Selection,
    /// `-l`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Whether `--wait` waited for the namespaces to go.
    pub waited: bool,
    pub environments: Vec<Row>,
    /// How many environments had each result.
    pub summary: BTreeMap<String, usize>,
}

/// One environment of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub name: String,
    pub namespace: String,
    pub owner: Option<String>,
    pub expires_at: Option<Timestamp>,
    /// [`Outcome::word`].
    pub result: String,
    /// Why it failed, or what holds a namespace that is still terminating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip)]
    pub outcome: Outcome,
}

/// Builds the report; `outcomes` are in the order of `targets`.
pub fn report(
    selection: Selection,
    selector: Option<&str>,
    waited: bool,
    targets: &[Target],
    outcomes: &[Outcome],
) -> DownReport {
    let environments: Vec<Row> = targets
        .iter()
        .zip(outcomes)
        .map(|(target, outcome)| Row {
            name: target.env.name.clone(),
            namespace: target.env.namespace.clone(),
            owner: target.env.owner.clone(),
            expires_at: target.env.expires_at,
            result: outcome.word().to_string(),
            detail: outcome.detail().map(str::to_string),
            outcome: outcome.clone(),
        })
        .collect();
    let mut summary = BTreeMap::new();
    for row in &environments {
        *summary.entry(row.result.clone()).or_insert(0) += 1;
    }
    DownReport {
        selection,
        selector: selector.map(str::to_string),
        waited,
        environments,
        summary,
    }
}

/// The table: one row per environment, with a DETAIL column when a row has one.
pub fn write_table(
    out: &mut impl Write,
    report: &DownReport,
    now: Timestamp,
    options: TableOptions,
) -> io::Result<()> {
    let with_detail = report.environments.iter().any(|r| r.detail.is_some());
    let mut headers = vec!["environment", "namespace", "owner", "expires", "result"];
    if with_detail {
        headers.push("detail");
    }
    let mut table = Table::new(headers);
    for row in &report.environments {
        let expires = match row.expires_at {
            Some(at) => environment::relative(at, now),
            None => "never".to_string(),
        };
        table.row([
            Cell::new(row.name.clone()),
            Cell::new(row.namespace.clone()),
            Cell::new(owner_text(row.owner.as_deref())),
            Cell::new(expires),
            Cell::toned(row.result.clone(), row.outcome.tone()),
            Cell::new(row.detail.clone().unwrap_or_default()),
        ]);
    }
    table.render(out, options)
}

/// The line on stderr after a run: `3 environments: 2 deleting, 1 failed`.
pub fn summary_line(report: &DownReport) -> String {
    let total = report.environments.len();
    let counts: Vec<String> = report
        .summary
        .iter()
        .map(|(result, n)| format!("{n} {result}"))
        .collect();
    let noun = if total == 1 {
        "environment"
    } else {
        "environments"
    };
    format!("{total} {noun}: {}", counts.join(", "))
}

/// The error that ends a run that did not delete everything: failed DELETEs (exit 1, or 4 when
/// every failure was a refusal such as a changed UID), else namespaces `--wait` saw no end of
/// within `timeout` (exit 3). `None` when every environment is deleted or deleting.
pub fn failure(report: &DownReport, timeout: Duration) -> Option<Error> {
    let total = report.environments.len();
    let failed: Vec<&Row> = report
        .environments
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
        .collect();
    if let Some(first) = failed.first() {
        let (exit, hint) = match &first.outcome {
            Outcome::Failed { hint, .. } => {
                let all_refused = failed.iter().all(|r| {
                    matches!(
                        r.outcome,
                        Outcome::Failed {
                            exit: ExitCode::Refused,
                            ..
                        }
                    )
                });
                let exit = if all_refused {
                    ExitCode::Refused
                } else {
                    ExitCode::Error
                };
                (exit, hint.clone())
            }
            _ => (ExitCode::Error, None),
        };
        let error = if total == 1 {
            Error::new(
                format!("delete environment {}", first.name),
                first.detail.clone().unwrap_or_default(),
            )
        } else {
            let each: Vec<String> = failed
                .iter()
                .map(|r| format!("{} ({})", r.namespace, r.detail.as_deref().unwrap_or("")))
                .collect();
            Error::new(
                "delete environments",
                format!(
                    "{} of {total} could not be deleted: {}",
                    failed.len(),
                    each.join(", ")
                ),
            )
        };
        let hint = hint.unwrap_or_else(|| {
            "the table has each environment's result; run the command again to retry".into()
        });
        return Some(error.with_exit(exit).with_hint(hint));
    }
    let stuck: Vec<&Row> = report
        .environments
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::StillTerminating { .. }))
        .collect();
    if stuck.is_empty() {
        return None;
    }
    let each: Vec<String> = stuck
        .iter()
        .map(|r| format!("{} ({})", r.namespace, r.detail.as_deref().unwrap_or("")))
        .collect();
    let first = stuck.first().map(|r| r.namespace.as_str()).unwrap_or("");
    Some(
        Error::new(
            format!(
                "wait for deletion timed out after {}",
                format_duration(timeout)
            ),
            format!(
                "{} of {total} namespaces still terminating: {}",
                stuck.len(),
                each.join(", ")
            ),
        )
        .with_exit(ExitCode::TimedOut)
        .with_hint(format!(
            "the namespaces are being deleted and will go once their content is gone; \
             `kubectl get namespace {first} -o yaml` shows what remains (status.conditions), \
             and `kubectl qaenv down --wait` waits again"
        )),
    )
}

/// What holds a terminating namespace, from the conditions the namespace controller sets:
/// `Terminating: Some resources are remaining: pods. has 2 resource instances`.
pub fn departure_status(namespace: &Namespace) -> String {
    let held: Vec<String> = namespace
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .filter(|c| c.status == "True" && c.type_.starts_with("Namespace"))
        .filter_map(|c| c.message.clone().filter(|m| !m.is_empty()))
        .collect();
    if held.is_empty() {
        "Terminating".to_string()
    } else {
        format!("Terminating: {}", held.join("; "))
    }
}

/// A change `--wait` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Departure {
    /// Still there, now with this status.
    Status { namespace: String, status: String },
    /// Gone.
    Gone { namespace: String },
}

/// What a `--wait` knows about the namespaces it waits for, fed with the events of one watch of
/// namespaces. A namespace is gone when the watch reports it deleted, when a complete list no
/// longer holds it, or when it comes back with another UID (the one deleted is gone; the new
/// one is not ours to wait for).
#[derive(Clone, Debug, Default)]
pub struct Departures {
    /// Namespace → the UID deleted (if known) and its last status.
    waiting: BTreeMap<String, (Option<String>, String)>,
    /// Names listed since the watch (re)started its list, until the list is complete.
    listing: Option<BTreeSet<String>>,
}

impl Departures {
    /// Waits for these targets.
    pub fn new<'a>(targets: impl IntoIterator<Item = &'a Target>) -> Departures {
        Departures {
            waiting: targets
                .into_iter()
                .map(|t| {
                    (
                        t.env.namespace.clone(),
                        (t.uid.clone(), "Terminating".to_string()),
                    )
                })
                .collect(),
            listing: None,
        }
    }

    /// Takes one watch event; returns what changed.
    pub fn observe(&mut self, event: watcher::Event<Namespace>) -> Vec<Departure> {
        match event {
            watcher::Event::Init => {
                self.listing = Some(BTreeSet::new());
                Vec::new()
            }
            watcher::Event::InitApply(namespace) => {
                if let Some(listing) = &mut self.listing {
                    listing.insert(namespace.metadata.name.clone().unwrap_or_default());
                }
                self.seen(&namespace)
            }
            watcher::Event::InitDone => {
                let listed = self.listing.take().unwrap_or_default();
                let vanished: Vec<String> = self
                    .waiting
                    .keys()
                    .filter(|name| !listed.contains(*name))
                    .cloned()
                    .collect();
                vanished.into_iter().map(|n| self.depart(n)).collect()
            }
            watcher::Event::Apply(namespace) => self.seen(&namespace),
            watcher::Event::Delete(namespace) => {
                let name = namespace.metadata.name.clone().unwrap_or_default();
                match self.waiting.get(&name) {
                    Some((uid, _)) if same_uid(uid.as_deref(), &namespace) => {
                        vec![self.depart(name)]
                    }
                    _ => Vec::new(),
                }
            }
        }
    }

    fn seen(&mut self, namespace: &Namespace) -> Vec<Departure> {
        let name = namespace.metadata.name.clone().unwrap_or_default();
        let Some((uid, status)) = self.waiting.get_mut(&name) else {
            return Vec::new();
        };
        if !same_uid(uid.as_deref(), namespace) {
            return vec![self.depart(name)];
        }
        let now = departure_status(namespace);
        if *status == now {
            return Vec::new();
        }
        status.clone_from(&now);
        vec![Departure::Status {
            namespace: name,
            status: now,
        }]
    }

    fn depart(&mut self, namespace: String) -> Departure {
        self.waiting.remove(&namespace);
        Departure::Gone { namespace }
    }

    /// Whether every namespace is gone.
    pub fn is_done(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Whether `namespace` is still awaited.
    pub fn is_waiting(&self, namespace: &str) -> bool {
        self.waiting.contains_key(namespace)
    }

    /// The last status of a namespace still awaited.
    pub fn status(&self, namespace: &str) -> Option<&str> {
        self.waiting.get(namespace).map(|(_, s)| s.as_str())
    }
}

fn same_uid(expected: Option<&str>, namespace: &Namespace) -> bool {
    match (expected, namespace.metadata.uid.as_deref()) {
        (Some(expected), Some(actual)) => expected == actual,
        _ => true,
    }
}

/// A line of plain progress: `namespace qa-login: Terminating: …` / `namespace qa-login: gone`.
pub fn progress_line(departure: &Departure) -> String {
    match departure {
        Departure::Status { namespace, status } => format!("namespace {namespace}: {status}"),
        Departure::Gone { namespace } => format!("namespace {namespace}: gone"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::api::core::v1::{NamespaceCondition, NamespaceStatus};
    use kube::api::ObjectMeta;

    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn namespace(name: &str, uid: &str, managed: bool, expires: Option<&str>) -> Namespace {
        let mut labels = BTreeMap::new();
        if managed {
            labels.insert(
                labels::MANAGED_BY.to_string(),
                labels::MANAGED_BY_VALUE.to_string(),
            );
            labels.insert(
                labels::ENV.to_string(),
                name.trim_start_matches("qa-").to_string(),
            );
        }
        let mut annotations = BTreeMap::new();
        annotations.insert(labels::OWNER.to_string(), "alice".to_string());
        if let Some(at) = expires {
            annotations.insert(labels::EXPIRES_AT.to_string(), at.to_string());
        }
        Namespace {
            metadata: ObjectMeta {
                name: Some(name.into()),
                uid: Some(uid.into()),
                labels: Some(labels),
                annotations: Some(annotations),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        }
    }

    fn lookup(name: &str, found: Option<Namespace>) -> Lookup {
        Lookup {
            name: name.into(),
            tried: crate::env::candidate_namespaces(name).unwrap(),
            found,
        }
    }

    fn target(name: &str, uid: &str) -> Target {
        Target::from_namespace(&namespace(name, uid, true, None)).unwrap()
    }

    #[test]
    fn named_environments_are_all_checked_before_any_is_deleted() {
        let ok = lookup("login", Some(namespace("qa-login", "u1", true, None)));
        let again = lookup("qa-login", Some(namespace("qa-login", "u1", true, None)));
        let targets = named_targets(&[ok.clone(), again]).unwrap();
        assert_eq!(targets.len(), 1, "one namespace named twice");
        assert_eq!(targets[0].uid.as_deref(), Some("u1"));

        let default = lookup("default", Some(namespace("default", "d", false, None)));
        let err = named_targets(&[ok.clone(), default.clone()]).unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Refused);
        assert_eq!(
            err.report(),
            "error: refusing to delete default: namespace default is not a qaenv environment \
             (it has no app.kubernetes.io/managed-by=kubectl-qaenv label)\n\
             hint: nothing was deleted; qaenv only deletes namespaces it created, which \
             `kubectl qaenv ls` lists"
        );

        let system = lookup(
            "kube-system",
            Some(namespace("kube-system", "k", false, None)),
        );
        let gone = lookup("feature/x", None);
        let err = named_targets(&[default, system, gone.clone(), ok.clone()]).unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Refused, "a refusal wins");
        assert!(
            err.to_string()
                .starts_with("refusing to delete default, kube-system: they are not"),
            "{err}"
        );
        assert!(
            err.hint().unwrap().contains("(and not found: feature/x)"),
            "{err:?}"
        );

        let err = named_targets(&[ok, gone, lookup("login", None)]).unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Error);
        assert_eq!(
            err.to_string(),
            "cannot delete environments feature/x, login: not found: feature/x (no namespace \
             qa-feature-x), login (no namespace qa-login or login)"
        );
        let err = named_targets(&[lookup("feature/x", None)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot delete environment feature/x: not found: no namespace qa-feature-x"
        );
    }

    #[test]
    fn expired_selects_only_environments_past_their_expiry() {
        let now = ts("2026-11-22T12:00:00Z");
        let listed: Vec<(Environment, Namespace)> = [
            namespace("qa-old", "1", true, Some("2026-11-22T11:59:59Z")),
            namespace("qa-now", "2", true, Some("2026-11-22T12:00:00Z")),
            namespace("qa-new", "3", true, Some("2026-11-22T12:00:01Z")),
            namespace("qa-pinned", "4", true, None),
        ]
        .into_iter()
        .map(|ns| (Environment::from_namespace(&ns).unwrap(), ns))
        .collect();
        let expired: Vec<String> = listed_targets(&listed, true, now)
            .into_iter()
            .map(|t| t.env.namespace)
            .collect();
        assert_eq!(expired, ["qa-old", "qa-now"]);
        let all = listed_targets(&listed, false, now);
        assert_eq!(all.len(), 4);
        assert_eq!(all[3].uid.as_deref(), Some("4"));
        assert_eq!(
            nothing_to_delete(Selection::Expired, None),
            "no environment has expired; nothing to delete"
        );
        assert_eq!(
            nothing_to_delete(Selection::All, Some("team=pay")),
            "no environments matching team=pay; nothing to delete"
        );
    }

    #[test]
    fn the_confirmation_names_what_goes() {
        assert_eq!(
            confirmation(&[target("qa-login", "1")]),
            "delete environment login (namespace qa-login and everything in it)"
        );
        let many: Vec<Target> = (1..=7).map(|i| target(&format!("qa-e{i}"), "u")).collect();
        assert_eq!(
            confirmation(&many),
            "delete 7 environments (qa-e1, qa-e2, qa-e3, qa-e4, qa-e5 and 2 more) and \
             everything in them"
        );
    }

    fn sample() -> DownReport {
        let mut old = target("qa-old", "1");
        old.env.expires_at = Some(ts("2026-11-22T09:00:00Z"));
        let targets = [old, target("qa-busy", "2"), target("qa-locked", "3")];
        let outcomes = [
            Outcome::Deleting,
            Outcome::AlreadyDeleting,
            Outcome::Failed {
                cause: "forbidden: user \"janitor\" may not delete namespaces in namespace \"qa-locked\"".into(),
                exit: ExitCode::Error,
                hint: Some("ask a cluster admin".into()),
            },
        ];
        report(Selection::All, Some("team=pay"), false, &targets, &outcomes)
    }

    #[test]
    fn the_table_shows_each_result_and_why() {
        let mut out = Vec::new();
        write_table(
            &mut out,
            &sample(),
            ts("2026-11-22T12:00:00Z"),
            TableOptions::default(),
        )
        .unwrap();
        insta::assert_snapshot!(String::from_utf8_lossy(&out));
        assert_eq!(
            summary_line(&sample()),
            "3 environments: 1 already deleting, 1 deleting, 1 failed"
        );
    }

    #[test]
    fn the_json_report_holds_the_same_facts() {
        let value = serde_json::to_value(sample()).unwrap();
        assert_eq!(value["selection"], "all");
        assert_eq!(value["selector"], "team=pay");
        assert_eq!(value["waited"], false);
        let rows = value["environments"].as_array().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["namespace"], "qa-old");
        assert_eq!(rows[0]["result"], "deleting");
        assert_eq!(rows[0]["expiresAt"], "2026-11-22T09:00:00Z");
        assert_eq!(rows[0]["owner"], "alice");
        assert!(rows[0].get("detail").is_none());
        assert!(rows[0].get("outcome").is_none());
        assert_eq!(rows[2]["result"], "failed");
        assert!(rows[2]["detail"].as_str().unwrap().starts_with("forbidden"));
        assert_eq!(value["summary"]["failed"], 1);
    }

    #[test]
    fn failures_decide_the_exit_code() {
        let timeout = Duration::from_secs(300);
        let error = failure(&sample(), timeout).unwrap();
        assert_eq!(error.exit_code(), ExitCode::Error);
        assert_eq!(
            error.to_string(),
            "delete environments: 1 of 3 could not be deleted: qa-locked (forbidden: user \
             \"janitor\" may not delete namespaces in namespace \"qa-locked\")"
        );
        assert_eq!(error.hint(), Some("ask a cluster admin"));

        let recreated = Outcome::Failed {
            cause: "it was re-created".into(),
            exit: ExitCode::Refused,
            hint: None,
        };
        let one = report(
            Selection::Names,
            None,
            false,
            &[target("qa-x", "1")],
            &[recreated],
        );
        let error = failure(&one, timeout).unwrap();
        assert_eq!(error.exit_code(), ExitCode::Refused);
        assert_eq!(error.to_string(), "delete environment x: it was re-created");

        let stuck = report(
            Selection::Names,
            None,
            true,
            &[target("qa-x", "1"), target("qa-y", "2")],
            &[
                Outcome::Deleted,
                Outcome::StillTerminating {
                    status:
                        "Terminating: Some resources are remaining: pods. has 2 resource instances"
                            .into(),
                },
            ],
        );
        let error = failure(&stuck, timeout).unwrap();
        assert_eq!(error.exit_code(), ExitCode::TimedOut);
        assert_eq!(
            error.to_string(),
            "wait for deletion timed out after 5m: 1 of 2 namespaces still terminating: qa-y \
             (Terminating: Some resources are remaining: pods. has 2 resource instances)"
        );
        assert!(error.hint().unwrap().contains("kubectl get namespace qa-y"));

        let fine = report(
            Selection::Expired,
            None,
            false,
            &[target("qa-x", "1"), target("qa-y", "2")],
            &[Outcome::Deleting, Outcome::AlreadyGone],
        );
        assert!(failure(&fine, timeout).is_none());
    }

    fn terminating(name: &str, uid: &str, remaining: Option<&str>) -> Namespace {
        let mut ns = namespace(name, uid, true, None);
        ns.status = Some(NamespaceStatus {
            phase: Some("Terminating".into()),
            conditions: remaining.map(|m| {
                vec![NamespaceCondition {
                    type_: "NamespaceContentRemaining".into(),
                    status: "True".into(),
                    message: Some(m.into()),
                    ..NamespaceCondition::default()
                }]
            }),
        });
        ns
    }

    #[test]
    fn departures_follow_the_watch() {
        let targets = [
            target("qa-a", "a1"),
            target("qa-b", "b1"),
            target("qa-c", "c1"),
        ];
        let mut d = Departures::new(&targets);
        assert!(d.observe(watcher::Event::Init).is_empty());
        let pods = "Some resources are remaining: pods. has 2 resource instances";
        assert_eq!(
            d.observe(watcher::Event::InitApply(terminating(
                "qa-a",
                "a1",
                Some(pods)
            ))),
            [Departure::Status {
                namespace: "qa-a".into(),
                status: format!("Terminating: {pods}")
            }]
        );
        // qa-b was re-created meanwhile: the one deleted is gone.
        let recreated = namespace("qa-b", "b2", true, None);
        assert_eq!(
            d.observe(watcher::Event::InitApply(recreated.clone())),
            [Departure::Gone {
                namespace: "qa-b".into()
            }]
        );
        // qa-c was not listed at all.
        assert_eq!(
            d.observe(watcher::Event::InitDone),
            [Departure::Gone {
                namespace: "qa-c".into()
            }]
        );
        assert!(d.is_waiting("qa-a") && !d.is_done());
        assert_eq!(
            d.status("qa-a"),
            Some(format!("Terminating: {pods}").as_str())
        );
        // The same status again is no news; a delete of another UID is not ours.
        assert!(d
            .observe(watcher::Event::Apply(terminating("qa-a", "a1", Some(pods))))
            .is_empty());
        assert!(d
            .observe(watcher::Event::Delete(namespace(
                "qa-a", "other", true, None
            )))
            .is_empty());
        assert_eq!(
            d.observe(watcher::Event::Apply(terminating("qa-a", "a1", None))),
            [Departure::Status {
                namespace: "qa-a".into(),
                status: "Terminating".into()
            }]
        );
        let gone = d.observe(watcher::Event::Delete(terminating("qa-a", "a1", None)));
        assert_eq!(progress_line(&gone[0]), "namespace qa-a: gone");
        assert!(d.is_done());
    }

    #[test]
    fn a_relisting_watch_notices_what_went_while_it_was_away() {
        let mut d = Departures::new(&[target("qa-a", "a1")]);
        d.observe(watcher::Event::Init);
        d.observe(watcher::Event::InitApply(terminating("qa-a", "a1", None)));
        assert!(d.observe(watcher::Event::InitDone).is_empty());
        d.observe(watcher::Event::Init);
        assert_eq!(
            d.observe(watcher::Event::InitDone),
            [Departure::Gone {
                namespace: "qa-a".into()
            }]
        );
    }
}
