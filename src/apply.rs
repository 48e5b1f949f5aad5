//! The API calls of `up`, kept thin: discovery of unknown kinds, the environment's namespace,
//! one metadata-only list per kind, server-side apply (field manager `kubectl-qaenv`,
//! `force`), prunes, JSON patches, and what the capacity pre-flight reads.
//!
//! Writes are retried with exponential back-off (100 ms doubling, 5 attempts) when the server
//! answers 409 (a concurrent writer), 429 or 5xx; kube-rs already retries 429/503/504 at the
//! transport. Every failure names the object and keeps the API server's message.

use std::{
    collections::{BTreeSet, HashMap},
    future::Future,
    time::Duration,
};

use futures_util::{future::join_all, stream, StreamExt};
use k8s_openapi::api::core::v1::{Node, Pod, Secret};
use kube::{
    api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams},
    core::GroupVersionKind,
    discovery::Discovery,
};
use serde_json::Value;

use crate::{
    capacity::{self, ClusterCapacity},
    client::Connection,
    error::{Error, Result},
    kinds::{self, ResourceType},
    labels,
    plan::LiveObject,
    render::RenderedObject,
};

/// How many writes of one apply class run at once.
pub const PARALLELISM: usize = 16;

const ATTEMPTS: u32 = 5;

fn retryable(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(status) if matches!(status.code, 409 | 429 | 500 | 502 | 503 | 504))
}

/// Runs `call` until it succeeds, fails for good, or the attempts are used up.
pub async fn with_retry<T, F, Fut>(mut call: F) -> std::result::Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, kube::Error>>,
{
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        match call().await {
            Err(err) if attempt < ATTEMPTS && retryable(&err) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn to_values<T: serde::Serialize>(items: Vec<T>) -> Vec<Value> {
    items
        .into_iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

fn dynamic_api(
    conn: &Connection,
    resource: &ResourceType,
    namespace: Option<&str>,
) -> Api<DynamicObject> {
    let ar = resource.api_resource();
    match namespace {
        Some(ns) if resource.namespaced => Api::namespaced_with(conn.client.clone(), ns, &ar),
        _ => Api::all_with(conn.client.clone(), &ar),
    }
}

/// Resolves every `(apiVersion, kind)`: the built-in table first, discovery (once) for the
/// rest. Returns the map and whether discovery ran.
pub async fn resolve_kinds(
    conn: &Connection,
    wanted: &BTreeSet<(String, String)>,
) -> Result<(HashMap<(String, String), ResourceType>, bool)> {
    let mut resolved = HashMap::new();
    let mut unknown = Vec::new();
    for (api_version, kind) in wanted {
        match kinds::builtin(api_version, kind) {
            Some(resource) => {
                resolved.insert((api_version.clone(), kind.clone()), resource);
            }
            None => unknown.push((api_version.clone(), kind.clone())),
        }
    }
    if unknown.is_empty() {
        return Ok((resolved, false));
    }
    let discovery = match Discovery::new(conn.client.clone()).run_aggregated().await {
        Ok(discovery) => discovery,
        Err(_) => Discovery::new(conn.client.clone())
            .run()
            .await
            .map_err(|e| conn.error("discover the API server's kinds", &e))?,
    };
    for (api_version, kind) in unknown {
        let (group, version) = kinds::split_api_version(&api_version);
        let gvk = GroupVersionKind::gvk(group, version, &kind);
        if let Some((ar, caps)) = discovery.resolve_gvk(&gvk) {
            resolved.insert(
                (api_version.clone(), kind.clone()),
                ResourceType {
                    group: ar.group,
                    version: ar.version,
                    kind: ar.kind,
                    plural: ar.plural,
                    namespaced: caps.scope == kube::discovery::Scope::Namespaced,
                },
            );
        }
    }
    Ok((resolved, true))
}

/// The namespace as it is, or `None`.
pub async fn get_namespace(conn: &Connection, name: &str) -> Result<Option<Value>> {
    let api = dynamic_api(conn, &kinds::namespace(), None);
    let found = with_retry(|| api.get_opt(name))
        .await
        .map_err(|e| conn.error(format!("get namespace {name}"), &e))?;
    found
        .map(|o| {
            serde_json::to_value(o).map_err(|e| Error::new(format!("read namespace {name}"), e))
        })
        .transpose()
}

/// Applies an object with server-side apply (`force`, field manager `kubectl-qaenv`).
pub async fn apply(
    conn: &Connection,
    resource: &ResourceType,
    namespace: Option<&str>,
    name: &str,
    object: &Value,
    dry_run: bool,
) -> std::result::Result<Value, kube::Error> {
    let api = dynamic_api(conn, resource, namespace);
    let mut params = PatchParams::apply(labels::FIELD_MANAGER).force();
    if dry_run {
        params = params.dry_run();
    }
    let patch = Patch::Apply(object);
    let applied = with_retry(|| api.patch(name, &params, &patch)).await?;
    Ok(serde_json::to_value(applied).unwrap_or(Value::Null))
}

/// Applies objects concurrently (at most [`PARALLELISM`] at once); results in input order.
pub async fn apply_all(
    conn: &Connection,
    objects: &[&RenderedObject],
    dry_run: bool,
) -> Vec<std::result::Result<Value, Error>> {
    let mut results: Vec<(usize, std::result::Result<Value, Error>)> =
        stream::iter(objects.iter().enumerate())
            .map(|(i, object)| async move {
                let result = apply(
                    conn,
                    &object.resource,
                    object.namespace.as_deref(),
                    &object.name,
                    &object.object,
                    dry_run,
                )
                .await
                .map_err(|e| {
                    conn.error(
                        format!("apply {} ({})", object.display(), object.origin),
                        &e,
                    )
                });
                (i, result)
            })
            .buffer_unordered(PARALLELISM)
            .collect()
            .await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Lists the environment's objects of each kind (metadata only, one request per kind, all at
/// once).
pub async fn list_live(
    conn: &Connection,
    kinds: &[ResourceType],
    namespace: &str,
    env: &str,
) -> Result<Vec<LiveObject>> {
    let selector = labels::env_selector(env);
    let lists = join_all(kinds.iter().map(|resource| {
        let selector = selector.clone();
        async move {
            let api = dynamic_api(conn, resource, Some(namespace));
            let params = ListParams::default().labels(&selector);
            let list = match with_retry(|| api.list_metadata(&params)).await {
                Ok(list) => list,
                // A kind applied before that the server no longer serves has nothing to prune.
                Err(kube::Error::Api(status)) if status.code == 404 => return Ok(Vec::new()),
                Err(e) => {
                    return Err(conn.error(format!("list {} in {namespace}", resource.plural), &e))
                }
            };
            Ok::<_, Error>(
                list.items
                    .into_iter()
                    .map(|item| {
                        let meta = item.metadata;
                        LiveObject {
                            resource: resource.clone(),
                            name: meta.name.unwrap_or_default(),
                            namespace: meta.namespace,
                            hash: meta
                                .annotations
                                .as_ref()
                                .and_then(|a| a.get(labels::APPLIED_HASH))
                                .cloned(),
                            controlled: meta
                                .owner_references
                                .unwrap_or_default()
                                .iter()
                                .any(|o| o.controller == Some(true)),
                            deleting: meta.deletion_timestamp.is_some(),
                        }
                    })
                    .collect::<Vec<_>>(),
            )
        }
    }))
    .await;
    let mut out = Vec::new();
    for list in lists {
        out.extend(list?);
    }
    Ok(out)
}

/// Lists the environment's objects of a kind in full (for `--redeploy`).
pub async fn list_full(
    conn: &Connection,
    resource: &ResourceType,
    namespace: &str,
    env: &str,
) -> Result<Vec<Value>> {
    let api = dynamic_api(conn, resource, Some(namespace));
    let params = ListParams::default().labels(&labels::env_selector(env));
    let list = with_retry(|| api.list(&params))
        .await
        .map_err(|e| conn.error(format!("list {} in {namespace}", resource.plural), &e))?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|o| serde_json::to_value(o).ok())
        .collect())
}

/// Deletes an object (background propagation); one already gone is fine.
pub async fn delete(
    conn: &Connection,
    resource: &ResourceType,
    namespace: Option<&str>,
    name: &str,
    dry_run: bool,
) -> std::result::Result<(), kube::Error> {
    let api = dynamic_api(conn, resource, namespace);
    let mut params = DeleteParams::background();
    params.dry_run = dry_run;
    match with_retry(|| api.delete(name, &params)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(err) => Err(err),
    }
}

/// Sends a JSON patch (field manager `kubectl-qaenv`).
pub async fn patch_json(
    conn: &Connection,
    resource: &ResourceType,
    namespace: Option<&str>,
    name: &str,
    patch: json_patch::Patch,
) -> std::result::Result<Value, kube::Error> {
    let api = dynamic_api(conn, resource, namespace);
    let params = PatchParams {
        field_manager: Some(labels::FIELD_MANAGER.into()),
        ..PatchParams::default()
    };
    let patched = api.patch(name, &params, &Patch::<()>::Json(patch)).await?;
    Ok(serde_json::to_value(patched).unwrap_or(Value::Null))
}

/// Reads a pull secret from its source namespace.
pub async fn get_secret(conn: &Connection, namespace: &str, name: &str) -> Result<Value> {
    let api: Api<Secret> = Api::namespaced(conn.client.clone(), namespace);
    let secret = with_retry(|| api.get(name)).await.map_err(|e| {
        conn.error(
            format!("read pull secret {name} in namespace {namespace}"),
            &e,
        )
        .with_hint("check [[pull_secrets]] in qaenv.toml: name and from_namespace")
    })?;
    serde_json::to_value(secret).map_err(|e| Error::new(format!("read pull secret {name}"), e))
}

/// Reads nodes and scheduled pods for the capacity pre-flight (two requests).
pub async fn cluster_capacity(conn: &Connection, namespace: &str) -> Result<ClusterCapacity> {
    let nodes: Api<Node> = Api::all(conn.client.clone());
    let pods: Api<Pod> = Api::all(conn.client.clone());
    let pod_params = ListParams::default().fields("status.phase!=Succeeded,status.phase!=Failed");
    let node_params = ListParams::default();
    let (nodes, pods) = tokio::join!(
        with_retry(|| nodes.list(&node_params)),
        with_retry(|| pods.list(&pod_params))
    );
    let nodes = nodes.map_err(|e| conn.error("list nodes", &e))?;
    let pods = pods.map_err(|e| conn.error("list pods", &e))?;
    Ok(capacity::cluster_capacity(
        &to_values(nodes.items),
        &to_values(pods.items),
        namespace,
    ))
}
