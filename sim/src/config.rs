//! The simulator's settings, shared by the binary's flags and the library's `Sim::start`.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

/// Bearer token with full access.
pub const ADMIN_TOKEN: &str = "kube-sim-admin-token";
/// Bearer token whose access is restricted (see [`SimConfig::restricted_rules`]).
pub const RESTRICTED_TOKEN: &str = "kube-sim-restricted-token";
/// User names the two tokens authenticate as.
pub const ADMIN_USER: &str = "kube-sim-admin";
pub const RESTRICTED_USER: &str = "kube-sim-restricted";

/// A bearer token the simulator accepts, and what it may do.
#[derive(Clone, Debug)]
pub struct TokenSpec {
    pub token: String,
    pub user: String,
    /// RBAC-style policy rules (`apiGroups`, `resources`, `verbs`, optional `resourceNames`
    /// and, as a simulator extension, `namespaces`); `None` means full access.
    pub rules: Option<Vec<Value>>,
}

/// Simulator settings. `SimConfig::default()` matches the binary's defaults;
/// [`SimConfig::fast`] suits tests.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Where to write the kubeconfig; `None` writes it into a temporary directory owned by the
    /// running simulator.
    pub kubeconfig: Option<PathBuf>,
    /// Added to every API request before it is answered (models a remote cluster).
    pub latency: Duration,
    /// Multiplies simulated durations (grace periods, back-offs, progress deadlines).
    pub time_scale: f64,
    /// Time from a container's start until its pod is Ready.
    pub pod_ready: Duration,
    pub nodes: usize,
    pub node_cpu: String,
    pub node_memory: String,
    /// How often the metrics pipeline takes a new usage sample.
    pub metrics_interval: Duration,
    /// Probability of answering an API request with an injected failure.
    pub fail_rate: f64,
    /// Status codes to inject (500, 503, 429).
    pub fail_codes: Vec<u16>,
    pub seed: u64,
    /// Serve HTTPS with a generated CA written into the kubeconfig. Needed to test tokens with
    /// kubectl, which sends bearer tokens only over TLS (plain HTTP is served with full access,
    /// like the old insecure port).
    pub tls: bool,
    /// Tokens accepted; the default has the admin and the restricted token.
    pub tokens: Vec<TokenSpec>,
    /// Number of events kept for watches that resume from a resourceVersion.
    pub watch_history: usize,
    /// Interval between BOOKMARK events on watches that allow them.
    pub bookmark_interval: Duration,
    /// Serve `metrics.k8s.io` (as if metrics-server were installed).
    pub metrics_api: bool,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            port: 0,
            kubeconfig: None,
            latency: Duration::ZERO,
            time_scale: 1.0,
            pod_ready: Duration::from_millis(2000),
            nodes: 3,
            node_cpu: "4".into(),
            node_memory: "16Gi".into(),
            metrics_interval: Duration::from_secs(15),
            fail_rate: 0.0,
            fail_codes: vec![500, 503, 429],
            seed: 1,
            tls: false,
            tokens: default_tokens(),
            watch_history: 100_000,
            bookmark_interval: Duration::from_secs(60),
            metrics_api: true,
        }
    }
}

impl SimConfig {
    /// Settings for tests: pods become Ready quickly and simulated time runs 100x faster.
    pub fn fast() -> SimConfig {
        SimConfig {
            time_scale: 0.01,
            pod_ready: Duration::from_millis(50),
            metrics_interval: Duration::from_millis(200),
            ..SimConfig::default()
        }
    }

    /// Scales a simulated duration by `time_scale`.
    pub fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.time_scale.max(0.0))
    }

    /// The rules of the restricted token by default: read everything except secrets, no
    /// writes, and access reviews (so `kubectl auth can-i` works).
    pub fn restricted_rules() -> Vec<Value> {
        serde_json::json!([
            {"apiGroups": ["", "apps", "batch", "networking.k8s.io", "metrics.k8s.io", "policy",
                           "autoscaling", "rbac.authorization.k8s.io"],
             "resources": ["namespaces", "nodes", "pods", "pods/log", "services", "endpoints",
                           "configmaps", "serviceaccounts", "events", "resourcequotas",
                           "limitranges", "persistentvolumeclaims", "deployments", "replicasets",
                           "statefulsets", "daemonsets", "jobs", "cronjobs", "ingresses",
                           "networkpolicies", "poddisruptionbudgets", "horizontalpodautoscalers",
                           "roles", "rolebindings", "clusterroles", "clusterrolebindings"],
             "verbs": ["get", "list", "watch"]},
            {"apiGroups": ["authorization.k8s.io"],
             "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
             "verbs": ["create"]}
        ])
        .as_array()
        .cloned()
        .unwrap_or_default()
    }
}

/// The admin and the restricted token.
pub fn default_tokens() -> Vec<TokenSpec> {
    vec![
        TokenSpec {
            token: ADMIN_TOKEN.into(),
            user: ADMIN_USER.into(),
            rules: None,
        },
        TokenSpec {
            token: RESTRICTED_TOKEN.into(),
            user: RESTRICTED_USER.into(),
            rules: Some(SimConfig::restricted_rules()),
        },
    ]
}
