//! `kubectl qaenv ls`: every environment in one table.
//!
//! Three requests, sent together, however many environments exist: the label-selected list of
//! managed namespaces, every pod of the cluster (an environment's pods are those in its
//! namespace; the others count towards the cluster's requests) and the nodes. `-o name` needs
//! only the namespaces. Nodes that may not be listed leave the capacity out, with a note;
//! everything else is [`crate::fleet`], pure.

use std::io::Write;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams};
use serde_json::Value;

use crate::{
    capacity,
    cli::LsArgs,
    client::{connect, ConnectOptions, Connection},
    environment::{self, Environment},
    error::{ApiFailure, Error, Result},
    fleet::{self, Filter, LsReport},
    output::{self, Format, TableOptions, Terminal},
};

/// What `ls` prints when nothing matches (on stderr; the exit code stays 0).
pub const NONE_FOUND: &str = "No environments found.";

/// Runs `ls`.
pub async fn run(
    args: &LsArgs,
    options: &ConnectOptions,
    out: &mut impl Write,
    terminal: &Terminal,
) -> Result<()> {
    let conn = connect(options).await?;
    let filter = Filter {
        owner: args.owner.clone(),
        expired: args.expired,
    };
    let selector = args.selector.as_deref();

    if args.output == Format::Name {
        let now = Timestamp::now();
        let environments = list_environments(&conn, selector).await?;
        let names: Vec<&str> = environments
            .iter()
            .filter(|e| filter.keeps(e, now))
            .map(|e| e.name.as_str())
            .collect();
        if names.is_empty() {
            eprintln!("{NONE_FOUND}");
        }
        return output::write_names(out, names).map_err(Error::output);
    }

    let (environments, pods, nodes) = tokio::join!(
        list_environments(&conn, selector),
        list_pods(&conn),
        list_nodes(&conn),
    );
    let (environments, pods) = (environments?, pods?);
    let now = Timestamp::now();
    let kept: Vec<Environment> = environments
        .into_iter()
        .filter(|e| filter.keeps(e, now))
        .collect();
    if kept.is_empty() {
        eprintln!("{NONE_FOUND}");
        return Ok(());
    }
    let rows = fleet::rows(kept, &pods, now);
    let capacity = match nodes {
        Ok(nodes) => {
            let pods: Vec<Value> = pods.iter().map(fleet::capacity_fields).collect();
            Some(fleet::capacity_view(
                &capacity::cluster_free(&nodes, &pods),
                &rows,
            ))
        }
        Err(why) => {
            eprintln!("note: capacity not shown: {why}");
            None
        }
    };

    match args.output {
        Format::Json => output::write_json(
            out,
            &LsReport {
                environments: rows,
                capacity,
            },
        ),
        Format::Yaml => output::write_yaml(
            out,
            &LsReport {
                environments: rows,
                capacity,
            },
        ),
        _ => {
            let table = fleet::table(&rows, args.output == Format::Wide, now);
            let rendered = table.render(
                out,
                TableOptions {
                    no_headers: args.no_headers,
                    color: terminal.color_stdout,
                },
            );
            if rendered.is_ok() && !args.no_headers {
                if let Some(view) = &capacity {
                    // After the table, in order, even though stdout is buffered.
                    out.flush().map_err(Error::output)?;
                    eprintln!("{}", fleet::capacity_line(view, rows.len()));
                }
            }
            rendered
        }
    }
    .map_err(Error::output)
}

/// The managed namespaces, narrowed by `-l`; a selector the server rejects is the user's to
/// fix.
async fn list_environments(conn: &Connection, selector: Option<&str>) -> Result<Vec<Environment>> {
    environment::list(conn, selector).await.map_err(|e| {
        let bad_selector = selector.is_some()
            && matches!(
                e.api_failure(),
                Some(ApiFailure::Other(_) | ApiFailure::Invalid(_))
            );
        if bad_selector {
            e.with_hint("check the -l selector: key=value, key!=value, key in (a,b), key, !key; comma-separated")
        } else {
            e
        }
    })
}

/// Every pod of the cluster (one request).
async fn list_pods(conn: &Connection) -> Result<Vec<Pod>> {
    Api::<Pod>::all(conn.client.clone())
        .list(&ListParams::default())
        .await
        .map(|list| list.items)
        .map_err(|e| conn.error("cannot list pods in all namespaces", &e))
}

/// The nodes, as JSON for [`capacity::cluster_free`]; `Err` says why they are unknown (a
/// user who may not list nodes still gets the table).
async fn list_nodes(conn: &Connection) -> std::result::Result<Vec<Value>, String> {
    match Api::<Node>::all(conn.client.clone())
        .list(&ListParams::default())
        .await
    {
        Ok(list) => Ok(list
            .items
            .iter()
            .filter_map(|n| serde_json::to_value(n).ok())
            .collect()),
        Err(e) => Err(conn.error("cannot list nodes", &e).to_string()),
    }
}
