//! What a namespace says about the environment it holds: the facts `ls`, `status`, `down` and
//! `doctor` read from the managed-by label and the annotations `up` writes, and the one
//! request that lists every environment.
//!
//! Pure apart from [`list`] and [`get`]; the expiry rule and the relative times are unit-tested.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Namespace;
use kube::{
    api::{ListParams, ObjectMeta},
    Api,
};
use serde::Serialize;

use crate::{
    client::Connection,
    error::{Error, Result},
    labels,
    output::human_duration,
};

/// One environment as its namespace describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    /// The normalised environment name (the namespace's environment label; the namespace
    /// name when the label is missing).
    pub name: String,
    pub namespace: String,
    pub owner: Option<String>,
    /// When `up` first created it (the annotation; the namespace's creation time otherwise).
    pub created_at: Option<Timestamp>,
    /// When it expires; `None` means never.
    pub expires_at: Option<Timestamp>,
    /// Where its manifests came from.
    pub source: Option<String>,
    /// Its URLs as `up` recorded them (empty when it has no Ingress host, or was created by a
    /// qaenv that did not record them).
    pub urls: Vec<String>,
    /// The namespace is being deleted.
    pub terminating: bool,
}

impl Environment {
    /// The environment a namespace holds, or `None` when the namespace does not carry qaenv's
    /// managed-by label (qaenv neither lists nor deletes such a namespace).
    pub fn from_namespace(namespace: &Namespace) -> Option<Environment> {
        let meta = &namespace.metadata;
        if !is_managed(meta) {
            return None;
        }
        let ns = meta.name.clone().unwrap_or_default();
        let annotation = |key: &str| {
            meta.annotations
                .as_ref()
                .and_then(|a| a.get(key))
                .filter(|v| !v.is_empty())
                .cloned()
        };
        let label = meta
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::ENV))
            .cloned();
        Some(Environment {
            name: label.unwrap_or_else(|| ns.clone()),
            namespace: ns,
            owner: annotation(labels::OWNER),
            created_at: annotation(labels::CREATED_AT)
                .and_then(|t| t.parse().ok())
                .or_else(|| meta.creation_timestamp.as_ref().map(|t| t.0)),
            expires_at: annotation(labels::EXPIRES_AT).and_then(|t| t.parse().ok()),
            source: annotation(labels::SOURCE),
            urls: annotation(labels::URLS)
                .map(|text| parse_urls(&text))
                .unwrap_or_default(),
            terminating: meta.deletion_timestamp.is_some()
                || namespace.status.as_ref().and_then(|s| s.phase.as_deref())
                    == Some("Terminating"),
        })
    }

    /// Whether the expiry has passed at `now` (an environment without one never expires).
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// The EXPIRES column: `in 2d`, `3h ago`, or `never`.
    pub fn expires_text(&self, now: Timestamp) -> String {
        match self.expires_at {
            None => "never".to_string(),
            Some(at) => relative(at, now),
        }
    }
}

/// The URLs of the [`labels::URLS`] annotation: comma-separated, blanks dropped.
pub fn parse_urls(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether an object's metadata carries qaenv's managed-by label.
pub fn is_managed(meta: &ObjectMeta) -> bool {
    meta.labels
        .as_ref()
        .and_then(|l| l.get(labels::MANAGED_BY))
        .is_some_and(|v| v == labels::MANAGED_BY_VALUE)
}

/// A time relative to `now`, as kubectl's ages: `in 2d`, `3h ago`, `now` within a second.
pub fn relative(at: Timestamp, now: Timestamp) -> String {
    let seconds = at.as_second() - now.as_second();
    match seconds {
        0 => "now".to_string(),
        s if s > 0 => format!("in {}", human_duration(s)),
        s => format!("{} ago", human_duration(-s)),
    }
}

/// The label selector that finds environments, narrowed by the user's `-l` selector.
pub fn selector(extra: Option<&str>) -> String {
    match extra.map(str::trim).filter(|s| !s.is_empty()) {
        Some(extra) => format!("{},{extra}", labels::MANAGED_BY_SELECTOR),
        None => labels::MANAGED_BY_SELECTOR.to_string(),
    }
}

/// Every environment in the cluster (one label-selected list of namespaces), sorted by name.
pub async fn list(conn: &Connection, extra_selector: Option<&str>) -> Result<Vec<Environment>> {
    let listed = list_namespaces(conn, extra_selector).await?;
    Ok(listed.into_iter().map(|(env, _)| env).collect())
}

/// [`list`] with each environment's namespace as listed, for callers that need more than the
/// environment says (`down` deletes with the namespace's UID as a precondition).
pub async fn list_namespaces(
    conn: &Connection,
    extra_selector: Option<&str>,
) -> Result<Vec<(Environment, Namespace)>> {
    let api: Api<Namespace> = Api::all(conn.client.clone());
    let list = api
        .list(&ListParams::default().labels(&selector(extra_selector)))
        .await
        .map_err(|e| conn.error("cannot list environments", &e))?;
    let mut envs: Vec<(Environment, Namespace)> = list
        .items
        .into_iter()
        .filter_map(|ns| Environment::from_namespace(&ns).map(|env| (env, ns)))
        .collect();
    envs.sort_by(|(a, _), (b, _)| a.name.cmp(&b.name));
    Ok(envs)
}

/// The namespace `namespace`, or `None` when it does not exist (one GET).
pub async fn get(conn: &Connection, namespace: &str) -> Result<Option<Namespace>> {
    let api: Api<Namespace> = Api::all(conn.client.clone());
    api.get_opt(namespace)
        .await
        .map_err(|e| conn.error(format!("cannot read namespace {namespace}"), &e))
}

/// The namespace a NAME typed for `down` or `bump` stands for (see
/// [`crate::env::candidate_namespaces`]), or `None` when none of its candidates exists: one
/// GET, a second only when the environment's namespace does not exist.
pub async fn find(conn: &Connection, name: &str) -> Result<Option<Namespace>> {
    for candidate in crate::env::candidate_namespaces(name)? {
        if let Some(namespace) = get(conn, &candidate).await? {
            return Ok(Some(namespace));
        }
    }
    Ok(None)
}

/// The refusal for a namespace qaenv does not manage (exit 4).
pub fn not_managed(what: &str, namespace: &str) -> Error {
    Error::refused(
        format!("{what} {namespace}"),
        format!(
            "namespace {namespace} is not a qaenv environment (it has no {} label)",
            labels::MANAGED_BY_SELECTOR
        ),
    )
    .with_hint("qaenv only acts on namespaces it created; `kubectl qaenv ls` lists them")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    use super::*;

    fn namespace(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Namespace {
        let map = |pairs: &[(&str, &str)]| {
            Some(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<BTreeMap<_, _>>(),
            )
        };
        Namespace {
            metadata: ObjectMeta {
                name: Some("qa-login".into()),
                labels: map(labels),
                annotations: map(annotations),
                creation_timestamp: Some(Time("2026-11-20T10:00:00Z".parse().unwrap())),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        }
    }

    fn managed(annotations: &[(&str, &str)]) -> Namespace {
        namespace(
            &[
                (labels::MANAGED_BY, labels::MANAGED_BY_VALUE),
                (labels::ENV, "login"),
            ],
            annotations,
        )
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn reads_the_annotations_up_writes() {
        let env = Environment::from_namespace(&managed(&[
            (labels::OWNER, "alice"),
            (labels::CREATED_AT, "2026-11-21T09:00:00Z"),
            (labels::EXPIRES_AT, "2026-11-28T09:00:00Z"),
            (labels::SOURCE, "git@example.com:shop.git"),
            (
                labels::URLS,
                "https://login.qa.example.com/, http://api.login.qa.example.com/",
            ),
        ]))
        .unwrap();
        assert_eq!(env.name, "login");
        assert_eq!(env.namespace, "qa-login");
        assert_eq!(env.owner.as_deref(), Some("alice"));
        assert_eq!(env.created_at, Some(ts("2026-11-21T09:00:00Z")));
        assert_eq!(env.expires_at, Some(ts("2026-11-28T09:00:00Z")));
        assert_eq!(
            env.urls,
            [
                "https://login.qa.example.com/",
                "http://api.login.qa.example.com/"
            ]
        );
        assert!(!env.terminating);
    }

    #[test]
    fn an_unlabelled_namespace_is_no_environment() {
        assert!(Environment::from_namespace(&namespace(&[], &[])).is_none());
        let other = namespace(&[(labels::MANAGED_BY, "helm")], &[]);
        assert!(Environment::from_namespace(&other).is_none());
    }

    #[test]
    fn missing_annotations_fall_back_or_stay_empty() {
        let env =
            Environment::from_namespace(&managed(&[(labels::EXPIRES_AT, "garbage")])).unwrap();
        assert_eq!(env.created_at, Some(ts("2026-11-20T10:00:00Z")));
        assert_eq!(env.expires_at, None, "an unreadable expiry never expires");
        assert_eq!(env.owner, None);
        assert!(env.urls.is_empty());
        assert_eq!(parse_urls(" , http://a/ ,"), ["http://a/"]);
    }

    #[test]
    fn expiry_is_inclusive_and_never_means_never() {
        let now = ts("2026-11-22T12:00:00Z");
        let mut env = Environment::from_namespace(&managed(&[])).unwrap();
        assert!(!env.is_expired(now));
        assert_eq!(env.expires_text(now), "never");
        env.expires_at = Some(now);
        assert!(env.is_expired(now));
        env.expires_at = Some(ts("2026-11-24T12:00:00Z"));
        assert!(!env.is_expired(now));
        assert_eq!(env.expires_text(now), "in 2d");
        env.expires_at = Some(ts("2026-11-22T09:00:00Z"));
        assert!(env.is_expired(now));
        assert_eq!(env.expires_text(now), "3h ago");
    }

    #[test]
    fn terminating_namespaces_are_marked() {
        let mut ns = managed(&[]);
        ns.metadata.deletion_timestamp = Some(Time(ts("2026-11-22T12:00:00Z")));
        assert!(Environment::from_namespace(&ns).unwrap().terminating);
    }

    #[test]
    fn selectors_narrow_the_managed_by_label() {
        assert_eq!(selector(None), labels::MANAGED_BY_SELECTOR);
        assert_eq!(selector(Some(" ")), labels::MANAGED_BY_SELECTOR);
        assert_eq!(
            selector(Some("team=pay")),
            format!("{},team=pay", labels::MANAGED_BY_SELECTOR)
        );
    }
}
