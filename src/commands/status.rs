//! `kubectl qaenv status NAME` (alias `describe`): one environment in depth.
//!
//! Reads the namespace first (one GET: missing is exit 1, unmanaged is refused with exit 4),
//! then, concurrently: the namespace's workloads, ReplicaSets, pods and Warning events
//! ([`wait::snapshot`]), its ResourceQuotas and Services, its Ingresses when `up` recorded no
//! URLs, and the nodes and every pod for the cluster's free capacity; at most
//! [`wait::MAX_LOG_REQUESTS`] log requests for crash-looping containers. The report is built
//! and rendered by [`crate::describe`], pure.

use std::io::Write;

use jiff::Timestamp;
use k8s_openapi::api::{
    core::v1::{Node, Pod, ResourceQuota, Service},
    networking::v1::Ingress,
};
use kube::api::{Api, ListParams};
use serde_json::Value;

use crate::{
    capacity::{self, ClusterCapacity},
    cli::StatusArgs,
    client::{connect, ConnectOptions, Connection},
    describe::{self, Inputs},
    env,
    environment::{self, Environment},
    error::{Error, Result},
    health,
    output::{TableOptions, Terminal},
    render, wait,
};

/// Runs `status`.
pub async fn run(
    args: &StatusArgs,
    options: &ConnectOptions,
    out: &mut impl Write,
    terminal: &Terminal,
) -> Result<()> {
    let name = env::EnvName::parse(&args.name)?;
    let tried = env::candidate_namespaces(&args.name)?;
    let conn = connect(options).await?;
    let Some(namespace) = environment::find(&conn, &args.name).await? else {
        return Err(Error::new(
            format!("environment {} not found", name.name),
            format!("namespace {} does not exist", tried.join(" or ")),
        )
        .with_hint("`kubectl qaenv ls` lists the environments"));
    };
    let namespace_name = namespace.metadata.name.clone().unwrap_or_default();
    let Some(mut env) = Environment::from_namespace(&namespace) else {
        return Err(environment::not_managed(
            "cannot show the status of namespace",
            &namespace_name,
        ));
    };
    let ns = &namespace_name;

    let (snapshot, quotas, services, urls, cluster) = tokio::join!(
        wait::snapshot(&conn, ns, None),
        list::<ResourceQuota>(&conn, ns, "resourcequotas"),
        list::<Service>(&conn, ns, "services"),
        ingress_urls(&conn, ns, env.urls.is_empty()),
        cluster_capacity(&conn),
    );
    let (snapshot, quotas, services) = (snapshot?, quotas?, services?);
    if env.urls.is_empty() {
        env.urls = urls?;
    }
    let mut workloads = health::assess(&snapshot);
    wait::attach_crash_logs(&conn, ns, &mut workloads).await;
    let now = Timestamp::now();
    let report = describe::build(Inputs {
        environment: env,
        snapshot: &snapshot,
        workloads,
        quotas: &quotas,
        services: &services,
        cluster,
        now,
    });
    let options = TableOptions {
        no_headers: false,
        color: terminal.color_stdout,
    };
    describe::write(out, &report, args.output.into(), options, now).map_err(Error::output)
}

async fn list<K>(conn: &Connection, namespace: &str, plural: &str) -> Result<Vec<K>>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    Api::<K>::namespaced(conn.client.clone(), namespace)
        .list(&ListParams::default())
        .await
        .map(|list| list.items)
        .map_err(|e| conn.error(format!("list {plural} in namespace {namespace}"), &e))
}

/// The URLs of the namespace's Ingresses, when `wanted` (no request otherwise).
async fn ingress_urls(conn: &Connection, namespace: &str, wanted: bool) -> Result<Vec<String>> {
    if !wanted {
        return Ok(Vec::new());
    }
    let ingresses: Vec<Ingress> = list(conn, namespace, "ingresses").await?;
    let values: Vec<Value> = ingresses
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect();
    Ok(render::ingress_urls(&values))
}

fn to_values<T: serde::Serialize>(items: Vec<T>) -> Vec<Value> {
    items
        .into_iter()
        .filter_map(|item| serde_json::to_value(item).ok())
        .collect()
}

/// The cluster's free capacity (nodes and every pod), or why it is unknown: a user who may
/// not list nodes still gets the rest of the status.
async fn cluster_capacity(conn: &Connection) -> std::result::Result<ClusterCapacity, String> {
    let nodes = Api::<Node>::all(conn.client.clone());
    let pods = Api::<Pod>::all(conn.client.clone());
    let pod_params = ListParams::default().fields("status.phase!=Succeeded,status.phase!=Failed");
    let node_params = ListParams::default();
    let (nodes, pods) = tokio::join!(nodes.list(&node_params), pods.list(&pod_params));
    let nodes = nodes.map_err(|e| conn.error("cannot list nodes", &e).to_string())?;
    let pods = pods.map_err(|e| {
        conn.error("cannot list pods in all namespaces", &e)
            .to_string()
    })?;
    Ok(capacity::cluster_free(
        &to_values(nodes.items),
        &to_values(pods.items),
    ))
}
