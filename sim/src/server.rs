//! The HTTP(S) server: connection handling, the request log, latency and fault injection,
//! authentication, and dispatch to discovery, OpenAPI and resource handlers.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{header, HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full};
use hyper::body::Incoming;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::api::Env;
use crate::auth::{self, User};
use crate::discovery;
use crate::handlers;
use crate::negotiate;
use crate::query::Query;
use crate::route::{self, Route};
use crate::status::ApiError;
use crate::store::Store;

/// Response bodies: whole documents or watch/log streams.
pub type Body = UnsyncBoxBody<Bytes, std::io::Error>;

/// One API request as the simulator saw it.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: String,
    pub user_agent: String,
    pub status: u16,
    /// kubectl's `Kubectl-Command` header, when sent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kubectl_command: String,
}

impl RequestRecord {
    /// Whether the request could change state (anything but GET/HEAD/OPTIONS).
    pub fn is_write(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD" | "OPTIONS")
    }

    /// Whether the request is a watch.
    pub fn is_watch(&self) -> bool {
        self.query
            .split('&')
            .any(|p| p == "watch=true" || p == "watch=1")
    }
}

/// Everything request handlers share.
pub struct State {
    pub env: Env,
    pub store: Store,
    pub log: Mutex<Vec<RequestRecord>>,
    rng: Mutex<StdRng>,
    /// `host:port` clients reach the server at.
    pub address: String,
    /// Flips to true when the simulator stops, ending long-running streams.
    pub stopping: watch::Receiver<bool>,
    /// The latest metrics scrape.
    pub metrics: crate::metrics::Samples,
    /// Bumped to end every open watch (as an API server restart does).
    pub watch_reset: watch::Sender<u64>,
}

impl State {
    pub fn new(env: Env, address: String, stopping: watch::Receiver<bool>) -> State {
        let seed = env.config.seed;
        let history = env.config.watch_history;
        State {
            env,
            store: Store::new(history),
            log: Mutex::new(Vec::new()),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            address,
            stopping,
            metrics: crate::metrics::Samples::default(),
            watch_reset: watch::channel(0).0,
        }
    }

    /// Drops the watch history and closes every open watch, so clients re-watch from
    /// resourceVersions that are gone, get an in-stream 410 and must re-list.
    pub fn compact(&self) {
        self.store.write(|s| s.compact());
        self.watch_reset.send_modify(|n| *n += 1);
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn clear_requests(&self) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn record(&self, r: RequestRecord) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(r);
    }

    /// Decides whether to inject a failure into this request.
    fn injected_failure(&self) -> Option<ApiError> {
        let cfg = &self.env.config;
        if cfg.fail_rate <= 0.0 || cfg.fail_codes.is_empty() {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        if rng.random::<f64>() >= cfg.fail_rate {
            return None;
        }
        let code = cfg.fail_codes[rng.random_range(0..cfg.fail_codes.len())];
        Some(match code {
            429 => ApiError::too_many_requests(1),
            503 => ApiError::service_unavailable("kube-sim: injected fault"),
            _ => ApiError::internal("kube-sim: injected fault"),
        })
    }
}

/// A whole-document response.
pub fn bytes_response(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(
        Full::new(body.into())
            .map_err(|never: Infallible| match never {})
            .boxed_unsync(),
    );
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_str(content_type)
            .unwrap_or(header::HeaderValue::from_static("application/json")),
    );
    r
}

pub fn json_response(status: u16, value: &Value) -> Response<Body> {
    bytes_response(status, "application/json", value.to_string())
}

pub fn error_response(e: &ApiError) -> Response<Body> {
    let mut r = json_response(e.code, &e.to_status());
    if let Some(secs) = e.retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    }
    r
}

fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Handles one request; never fails at the HTTP level.
pub async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let route = route::parse(&path);
    match route {
        Route::SimRequests => return Ok(sim_requests(&state, &parts.method)),
        Route::SimCompact => {
            state.compact();
            return Ok(json_response(
                200,
                &serde_json::json!({"compacted": state.store.rv()}),
            ));
        }
        _ => {}
    }
    let latency = state.env.config.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let err = ApiError::bad_request(format!("error reading the request body: {e}"));
            return Ok(error_response(&err));
        }
    };
    let response = respond(
        &state,
        &parts.method,
        &parts.headers,
        route,
        &path,
        &raw_query,
        body,
    )
    .await;
    state.record(RequestRecord {
        method: parts.method.to_string(),
        path,
        query: raw_query,
        user_agent: header_str(&parts.headers, header::USER_AGENT)
            .unwrap_or("")
            .to_string(),
        status: response.status().as_u16(),
        kubectl_command: header_str(&parts.headers, "kubectl-command")
            .unwrap_or("")
            .to_string(),
    });
    Ok(response)
}

fn sim_requests(state: &State, method: &Method) -> Response<Body> {
    match *method {
        Method::DELETE => {
            state.clear_requests();
            json_response(200, &serde_json::json!([]))
        }
        _ => json_response(
            200,
            &serde_json::to_value(state.requests()).unwrap_or(Value::Null),
        ),
    }
}

async fn respond(
    state: &Arc<State>,
    method: &Method,
    headers: &HeaderMap,
    route: Route,
    path: &str,
    raw_query: &str,
    body: Bytes,
) -> Response<Body> {
    // Health and version are public, as with the API server's public-info-viewer role.
    match route {
        Route::Version => return json_response(200, &discovery::version()),
        Route::Health => return bytes_response(200, "text/plain; charset=utf-8", "ok"),
        _ => {}
    }
    if let Some(e) = state.injected_failure() {
        return error_response(&e);
    }
    let user = match auth::authenticate(
        &state.env.config.tokens,
        header_str(headers, header::AUTHORIZATION),
        state.env.config.tls,
    ) {
        Ok(u) => u,
        Err(e) => return error_response(&e),
    };
    let query = Query::parse(Some(raw_query));
    let accept = header_str(headers, header::ACCEPT);
    let metrics = state.env.config.metrics_api;
    let get_only = |r: Option<Value>, ct: &str| -> Response<Body> {
        if *method != Method::GET {
            return error_response(&ApiError::method_not_allowed(method.as_str(), path));
        }
        match r {
            Some(v) => bytes_response(200, ct, v.to_string()),
            None => error_response(&ApiError::no_such_path()),
        }
    };
    match route {
        Route::CoreGroup => match negotiate::aggregated_discovery(accept) {
            Some(ct) => get_only(
                Some(discovery::aggregated(
                    true,
                    ct == negotiate::AGGREGATED_V2BETA1,
                    metrics,
                )),
                ct,
            ),
            None => get_only(
                Some(discovery::core_versions(&state.address)),
                "application/json",
            ),
        },
        Route::Groups => match negotiate::aggregated_discovery(accept) {
            Some(ct) => get_only(
                Some(discovery::aggregated(
                    false,
                    ct == negotiate::AGGREGATED_V2BETA1,
                    metrics,
                )),
                ct,
            ),
            None => get_only(Some(discovery::group_list(metrics)), "application/json"),
        },
        Route::Group(g) => get_only(discovery::group(&g, metrics), "application/json"),
        Route::GroupVersion(g, v) => get_only(
            discovery::resource_list(&g, &v, metrics),
            "application/json",
        ),
        Route::OpenApiV3Root => {
            get_only(Some(discovery::openapi_root(metrics)), "application/json")
        }
        Route::OpenApiV3(g, v) => get_only(
            discovery::openapi_group_version(&g, &v, metrics),
            "application/json",
        ),
        Route::Resource(p) => {
            if !metrics && crate::registry::def(p.res).group == "metrics.k8s.io" {
                return error_response(&ApiError::no_such_path());
            }
            handlers::resource(state, &user, method, headers, p, &query, body).await
        }
        Route::NotFound => error_response(&ApiError::no_such_path()),
        Route::Version | Route::Health | Route::SimRequests | Route::SimCompact => {
            error_response(&ApiError::no_such_path())
        }
    }
}

/// Authorization check for a resource request.
pub fn authorize(user: &User, a: &auth::Attributes, qualified: &str) -> Result<(), ApiError> {
    if auth::allowed(user, a) {
        Ok(())
    } else {
        Err(auth::forbidden(user, a, qualified))
    }
}

/// Accepts connections until `stop` fires.
pub async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => break,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let tls = tls.clone();
        let mut conn_stop = stop.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
            let builder = hyper::server::conn::http1::Builder::new();
            match tls {
                None => {
                    let conn =
                        builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                    tokio::select! {
                        _ = conn => {},
                        _ = conn_stop.changed() => {},
                    }
                }
                Some(acceptor) => {
                    let Ok(tls_stream) = acceptor.accept(stream).await else {
                        return;
                    };
                    let conn =
                        builder.serve_connection(hyper_util::rt::TokioIo::new(tls_stream), service);
                    tokio::select! {
                        _ = conn => {},
                        _ = conn_stop.changed() => {},
                    }
                }
            }
        });
    }
}
