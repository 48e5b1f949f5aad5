//! kube-sim: an in-memory Kubernetes API server simulator that real kubectl (v1.32) and
//! kube-rs accept.
//!
//! It serves discovery, OpenAPI, CRUD, watch, the four patch types, deletion with garbage
//! collection, namespace lifecycle, a Deployment/ReplicaSet/Pod controller chain with a
//! scheduler and simulated kubelets, and the metrics API, on 127.0.0.1. See `sim/README.md`
//! for what is faithful and what is knowingly not.
//!
//! ```no_run
//! let sim = kube_sim::Sim::start(kube_sim::SimConfig::fast())?;
//! println!("{} ({})", sim.url(), sim.kubeconfig_path().display());
//! # Ok::<(), anyhow::Error>(())
//! ```

mod admission;
pub mod api;
mod auth;
pub mod config;
mod controllers;
mod discovery;
mod handlers;
mod kubeconfig;
mod logs;
mod metrics;
mod negotiate;
pub mod obj;
pub mod patch;
/// Quantities live in their own crate, shared with the plugin.
pub use k8s_quantity as quantity;
pub mod protobuf;
mod query;
pub mod registry;
mod route;
pub mod selector;
mod server;
pub mod status;
pub mod store;
mod strict;
pub mod table;
mod tls;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde_json::{json, Value};

pub use config::{SimConfig, TokenSpec, ADMIN_TOKEN, RESTRICTED_TOKEN};
pub use kubeconfig::{CONTEXT, RESTRICTED_CONTEXT};
pub use logs::LOGS_ANNOTATION;
pub use metrics::USAGE_ANNOTATION;
pub use server::RequestRecord;

use crate::api::{Env, WriteOpts};
use crate::registry::ids;
use crate::server::State;
use crate::status::ApiError;

/// A running simulator. Dropping it shuts the server down.
pub struct Sim {
    url: String,
    port: u16,
    kubeconfig: PathBuf,
    _dir: Option<tempfile::TempDir>,
    state: Arc<State>,
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sim {
    /// Binds 127.0.0.1 (`config.port`, 0 for any free port), writes the kubeconfig, seeds the
    /// cluster (namespaces, nodes, the `kubernetes` Service) and serves on a thread of its own,
    /// so it can be started from synchronous and asynchronous code alike.
    pub fn start(config: SimConfig) -> anyhow::Result<Sim> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", config.port))
            .with_context(|| format!("failed to bind 127.0.0.1:{}", config.port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let tls = if config.tls {
            Some(tls::generate()?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://127.0.0.1:{port}");

        let (dir, kubeconfig) = match &config.kubeconfig {
            Some(path) => (None, path.clone()),
            None => {
                let dir = tempfile::tempdir().context("failed to create a temporary directory")?;
                let path = dir.path().join("kubeconfig");
                (Some(dir), path)
            }
        };
        std::fs::write(
            &kubeconfig,
            kubeconfig::render(&url, tls.as_ref().map(|t| t.ca_pem.as_str())),
        )
        .with_context(|| format!("failed to write the kubeconfig to {}", kubeconfig.display()))?;

        let (stop, stopping) = tokio::sync::watch::channel(false);
        let env = Env::new(config);
        let state = Arc::new(State::new(
            env,
            format!("127.0.0.1:{port}"),
            stopping.clone(),
        ));
        bootstrap(&state).map_err(|e| anyhow::anyhow!("failed to seed the cluster: {e}"))?;

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kube-sim")
            .enable_all()
            .build()
            .context("failed to start the simulator's runtime")?;
        let serve_state = state.clone();
        let acceptor = tls.map(|t| t.acceptor);
        let thread = std::thread::Builder::new()
            .name("kube-sim".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            eprintln!("kube-sim: failed to listen: {e}");
                            return;
                        }
                    };
                    controllers::spawn(serve_state.clone());
                    server::serve(listener, serve_state, acceptor, stopping).await;
                });
                runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            })
            .context("failed to start the simulator's thread")?;
        Ok(Sim {
            url,
            port,
            kubeconfig,
            _dir: dir,
            state,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT` (or `https://` with TLS).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The kubeconfig with contexts `kube-sim` (full access, current) and
    /// `kube-sim-restricted`.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    pub fn config(&self) -> &SimConfig {
        &self.state.env.config
    }

    /// Every API request so far (not counting `/sim/*`).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.requests()
    }

    pub fn clear_requests(&self) {
        self.state.clear_requests()
    }

    /// Drops the watch history and closes open watches: every watch that resumes from an
    /// earlier resourceVersion gets an in-stream 410 and must re-list.
    pub fn compact(&self) {
        self.state.compact()
    }

    /// Creates an object directly, with the API's semantics but without HTTP (for seeding
    /// benchmarks and tests). The object's `apiVersion` and `kind` pick the resource.
    pub fn create(&self, object: Value) -> Result<Value, ApiError> {
        let av = object
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
        let res = registry::find_api_version_kind(av, kind)
            .ok_or_else(|| ApiError::bad_request(format!("no resource for {av} {kind}")))?;
        let ns = obj::namespace(&object).to_string();
        let ns = registry::def(res).namespaced.then_some(ns.as_str());
        let env = &self.state.env;
        let written = self.state.store.write(|s| {
            api::create(
                s,
                env,
                res,
                ns,
                object.clone(),
                &WriteOpts::controller("kube-sim"),
            )
        })?;
        Ok((*written.object).clone())
    }

    /// Reads an object directly.
    pub fn get(&self, api_version: &str, kind: &str, ns: &str, name: &str) -> Option<Value> {
        let res = registry::find_api_version_kind(api_version, kind)?;
        self.state
            .store
            .read(|s| s.get(res, ns, name).map(|o| (**o).clone()))
    }

    /// Lists objects of a kind directly (all namespaces when `ns` is None).
    pub fn list(&self, api_version: &str, kind: &str, ns: Option<&str>) -> Vec<Value> {
        let Some(res) = registry::find_api_version_kind(api_version, kind) else {
            return Vec::new();
        };
        self.state
            .store
            .read(|s| s.list(res, ns).map(|o| (**o).clone()).collect())
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The objects a fresh cluster has.
fn bootstrap(state: &State) -> Result<(), ApiError> {
    let env = &state.env;
    let opts = WriteOpts::controller("kube-apiserver");
    let cfg = &env.config;
    state.store.write(|s| {
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            api::create(
                s,
                env,
                ids::namespaces(),
                None,
                json!({"metadata": {"name": ns}}),
                &opts,
            )?;
        }
        let now = env.now_str();
        for i in 1..=cfg.nodes {
            let name = format!("kube-sim-node-{i}");
            let resources = json!({
                "cpu": cfg.node_cpu, "memory": cfg.node_memory,
                "pods": "110", "ephemeral-storage": "100Gi",
            });
            let condition = |t: &str, status: &str, reason: &str, message: &str| {
                json!({"type": t, "status": status, "reason": reason, "message": message,
                       "lastHeartbeatTime": now, "lastTransitionTime": now})
            };
            api::create(
                s,
                env,
                ids::nodes(),
                None,
                json!({"metadata": {"name": name, "labels": {
                        "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                        "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                        "beta.kubernetes.io/arch": "amd64"}},
                       "spec": {"podCIDR": format!("10.244.{i}.0/24"), "podCIDRs": [format!("10.244.{i}.0/24")]},
                       "status": {
                        "capacity": resources, "allocatable": resources,
                        "conditions": [
                            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                            condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                        ],
                        "addresses": [{"type": "InternalIP", "address": format!("10.0.0.{}", 10 + i)},
                                      {"type": "Hostname", "address": name}],
                        "nodeInfo": {"kubeletVersion": "v1.33.0", "kubeProxyVersion": "v1.33.0",
                                     "osImage": "kube-sim", "kernelVersion": "6.1.0",
                                     "containerRuntimeVersion": "containerd://2.0.0",
                                     "operatingSystem": "linux", "architecture": "amd64",
                                     "machineID": "", "systemUUID": "", "bootID": ""}}}),
                &opts,
            )?;
        }
        api::create(
            s,
            env,
            ids::services(),
            Some("default"),
            json!({"metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
                   "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "targetPort": 6443}]}}),
            &opts,
        )?;
        Ok(())
    })
}
