//! Watch streams: newline-delimited JSON events over a chunked response, from a
//! resourceVersion (or with synthetic ADDED events for the current state), with selector
//! transitions, bookmarks, `timeoutSeconds`, in-stream 410 for compacted history, the
//! watch-list protocol (`sendInitialEvents`), and Table/metadata-only encodings.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc};

use crate::handlers::{check_list_options, include_object, partial_metadata, Filters};
use crate::negotiate::{self, Output};
use crate::obj;
use crate::query::Query;
use crate::registry::{self, ResourceId};
use crate::route::ResourcePath;
use crate::server::{Body, State};
use crate::status::{ApiError, ApiResult, Cause};
use crate::store::{Event, EventKind, History};
use crate::table::{self, IncludeObject};

/// Without `timeoutSeconds` the API server closes a watch after 30 to 60 minutes.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// What a single watch needs to turn store events into its own stream.
struct Watcher {
    res: ResourceId,
    ns: Option<String>,
    filters: Filters,
    output: Output,
    include: IncludeObject,
    /// Tables carry column definitions only in the first event.
    sent_columns: bool,
}

impl Watcher {
    /// The event this watcher sees for a store event, if any (selector transitions turn
    /// MODIFIED into ADDED or DELETED).
    fn view<'a>(&self, ev: &'a Event) -> Option<(&'static str, &'a Value)> {
        if ev.res != self.res {
            return None;
        }
        if let Some(ns) = &self.ns {
            if obj::namespace(&ev.object) != ns {
                return None;
            }
        }
        let now = self.filters.matches(self.res, &ev.object);
        let before = ev
            .prev
            .as_deref()
            .is_some_and(|p| self.filters.matches(self.res, p));
        let kind = match (ev.kind, before, now) {
            (EventKind::Added, _, true) => "ADDED",
            (EventKind::Modified, true, true) => "MODIFIED",
            (EventKind::Modified, false, true) => "ADDED",
            (EventKind::Modified, true, false) => "DELETED",
            (EventKind::Deleted, b, n) if b || n => "DELETED",
            _ => return None,
        };
        Some((kind, &ev.object))
    }

    fn encode(&mut self, kind: &str, object: &Value, now: jiff::Timestamp) -> Bytes {
        let wrapped = match self.output {
            Output::Json => {
                let mut line = Vec::with_capacity(1024);
                line.extend_from_slice(b"{\"type\":");
                serde_json::to_writer(&mut line, kind).ok();
                line.extend_from_slice(b",\"object\":");
                serde_json::to_writer(&mut line, object).ok();
                line.extend_from_slice(b"}\n");
                return Bytes::from(line);
            }
            Output::PartialObjectMetadata { .. } => partial_metadata(object),
            Output::Table { .. } => {
                let rv = obj::meta_str(object, "resourceVersion").to_string();
                let with_columns = !self.sent_columns;
                self.sent_columns = true;
                table::table(
                    self.res,
                    &[object],
                    self.include,
                    with_columns,
                    &rv,
                    None,
                    None,
                    now,
                )
            }
        };
        let mut line = json!({"type": kind, "object": wrapped}).to_string();
        line.push('\n');
        Bytes::from(line)
    }
}

fn line(v: Value) -> Bytes {
    let mut s = v.to_string();
    s.push('\n');
    Bytes::from(s)
}

fn bookmark(res: ResourceId, rv: u64, initial_end: bool) -> Bytes {
    let def = registry::def(res);
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    line(json!({
        "type": "BOOKMARK",
        "object": {"kind": def.kind, "apiVersion": def.api_version(), "metadata": meta},
    }))
}

fn error_event(e: &ApiError) -> Bytes {
    line(json!({"type": "ERROR", "object": e.to_status()}))
}

/// Starts a watch and returns the streaming response.
pub fn serve(
    state: Arc<State>,
    p: ResourcePath,
    query: &Query,
    accept: Option<&str>,
) -> ApiResult<Response<Body>> {
    let def = registry::def(p.res);
    if def.virtual_kind || !def.allows("watch") {
        return Err(ApiError::method_not_allowed("watch", def.plural));
    }
    check_list_options(query)?;
    let send_initial = query.bool_opt("sendInitialEvents") == Some(true);
    if send_initial && query.get("resourceVersionMatch") != Some("NotOlderThan") {
        return Err(ApiError::invalid_kind(
            "ListOptions",
            "meta.k8s.io",
            "",
            vec![Cause::new(
                "FieldValueForbidden",
                "sendInitialEvents",
                "Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan",
            )],
        ));
    }
    let output = negotiate::output(accept)?;
    let timeout = query
        .u64_opt("timeoutSeconds")
        .map_err(ApiError::bad_request)?
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);
    let bookmarks = query.flag("allowWatchBookmarks");
    let exact_rv = match query.non_empty("resourceVersion") {
        None | Some("0") => None,
        Some(_) if send_initial => None,
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {v}")))?,
        ),
    };
    let watcher = Watcher {
        res: p.res,
        ns: p.ns.clone(),
        filters: Filters::parse(p.res, query)?,
        output,
        include: include_object(query),
        sent_columns: false,
    };

    // Snapshot and subscribe under one lock: no event is lost or seen twice.
    let (start, rx) = state.store.read(|s| {
        let rx = s.subscribe();
        let start = match exact_rv {
            Some(rv) => match s.history_since(rv) {
                History::Events(events) => Start::History(events, s.rv()),
                History::TooOld { current } => Start::TooOld(rv, current),
            },
            None => {
                let objects: Vec<Arc<Value>> = s
                    .list(p.res, p.ns.as_deref())
                    .filter(|o| watcher.filters.matches(p.res, o))
                    .cloned()
                    .collect();
                Start::Snapshot(objects, s.rv())
            }
        };
        (start, rx)
    });

    let (tx, body_rx) = mpsc::channel::<Bytes>(64);
    let stopping = state.stopping.clone();
    let reset = state.watch_reset.subscribe();
    let bookmark_every = state.env.config.bookmark_interval;
    tokio::spawn(stream(
        state,
        watcher,
        start,
        rx,
        tx,
        stopping,
        reset,
        timeout,
        bookmarks,
        send_initial,
        bookmark_every,
    ));

    let frames = futures_util::stream::unfold(body_rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::io::Error>(Frame::data(b)), rx))
    });
    let mut response = Response::new(StreamBody::new(frames).boxed_unsync());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(output.content_type()),
    );
    Ok(response)
}

/// Where a watch starts.
enum Start {
    /// Synthetic ADDED events for current objects, then everything after the RV.
    Snapshot(Vec<Arc<Value>>, u64),
    /// Retained events after the requested RV, then everything after the second RV.
    History(Vec<Arc<Event>>, u64),
    /// The requested RV is compacted: one ERROR 410 and the end.
    TooOld(u64, u64),
}

#[allow(clippy::too_many_arguments)]
async fn stream(
    state: Arc<State>,
    mut w: Watcher,
    start: Start,
    mut rx: broadcast::Receiver<Arc<Event>>,
    tx: mpsc::Sender<Bytes>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    mut reset: tokio::sync::watch::Receiver<u64>,
    timeout: Duration,
    bookmarks: bool,
    send_initial: bool,
    bookmark_every: Duration,
) {
    let now = || state.env.now();
    let mut last_rv = match start {
        Start::TooOld(requested, current) => {
            let _ = tx
                .send(error_event(&ApiError::too_old_resource_version(
                    requested, current,
                )))
                .await;
            return;
        }
        Start::Snapshot(objects, rv) => {
            for o in objects {
                let b = w.encode("ADDED", &o, now());
                if tx.send(b).await.is_err() {
                    return;
                }
            }
            if send_initial && tx.send(bookmark(w.res, rv, true)).await.is_err() {
                return;
            }
            rv
        }
        Start::History(events, rv) => {
            for ev in &events {
                if let Some((kind, o)) = w.view(ev) {
                    let b = w.encode(kind, o, now());
                    if tx.send(b).await.is_err() {
                        return;
                    }
                }
            }
            rv
        }
    };
    let deadline = tokio::time::Instant::now() + timeout;
    let mut ticker =
        tokio::time::interval_at(tokio::time::Instant::now() + bookmark_every, bookmark_every);
    loop {
        tokio::select! {
            received = rx.recv() => match received {
                Ok(ev) => {
                    if ev.rv <= last_rv {
                        continue; // already delivered through the snapshot or history
                    }
                    last_rv = ev.rv;
                    if let Some((kind, o)) = w.view(&ev) {
                        let b = w.encode(kind, o, now());
                        if tx.send(b).await.is_err() {
                            return;
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let current = state.store.rv();
                    let _ = tx.send(error_event(&ApiError::too_old_resource_version(last_rv, current))).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = ticker.tick(), if bookmarks => {
                if tx.send(bookmark(w.res, last_rv, false)).await.is_err() {
                    return;
                }
            }
            _ = tokio::time::sleep_until(deadline) => return,
            _ = stopping.changed() => return,
            _ = reset.changed() => return,
            _ = tx.closed() => return,
        }
    }
}
