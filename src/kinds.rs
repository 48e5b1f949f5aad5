//! Kinds and the resources that serve them: `apps/v1 Deployment` → `deployments`, namespaced.
//!
//! Applying an arbitrary manifest needs its kind resolved to a resource (the URL path) and a
//! scope. The API server's discovery answers that, at a price: aggregated discovery is two
//! requests (`/api`, `/apis`), legacy discovery one per group version (about 20 on a small
//! cluster). Almost every manifest a QA environment is made of uses the built-in kinds below,
//! whose resource names and scopes are fixed by Kubernetes itself, so `up` resolves kinds from
//! this table and runs discovery (aggregated, once per run) only when a manifest uses a kind
//! the table does not know, such as a custom resource. Measured against kube-sim with 20 ms of
//! latency per request: a run that needs discovery sends `/apis` and `/api` one after the other,
//! 2 requests and about 50 ms more than the same run resolved from the table (85 ms in all for a
//! one-ConfigMap environment); more on a real cluster, whose aggregated discovery documents are
//! larger. A kind the server does not serve still fails
//! clearly: the apply request answers 404 and the error names the object.
//!
//! The table also fixes the order objects are applied in ([`ApplyClass`]).

use std::fmt;

use kube::discovery::ApiResource;
use serde::Serialize;

/// When, inside a stage, objects of a kind are applied: namespace-level configuration and
/// identities first, then Services (so DNS names exist when pods start), then workloads, then
/// everything that points at them (Ingress, autoscalers, disruption budgets, custom resources).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplyClass {
    /// ResourceQuota, LimitRange, NetworkPolicy, ServiceAccount, Secret, ConfigMap, RBAC, claims.
    Config,
    /// Service, Endpoints.
    Services,
    /// Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet, Pod.
    Workloads,
    /// Ingress and everything else.
    Rest,
}

impl ApplyClass {
    /// Every class, in apply order.
    pub const ALL: [ApplyClass; 4] = [
        ApplyClass::Config,
        ApplyClass::Services,
        ApplyClass::Workloads,
        ApplyClass::Rest,
    ];
}

/// A resolved kind: where its objects live in the API.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResourceType {
    /// API group, `""` for the core group.
    pub group: String,
    /// API version, e.g. `v1`.
    pub version: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Plural resource name, e.g. `deployments`.
    pub plural: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

impl ResourceType {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        api_version(&self.group, &self.version)
    }

    /// kube-rs' description of the resource, for `Api<DynamicObject>`.
    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: self.api_version(),
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }

    /// The key recorded in the namespace's applied-kinds annotation: `apps/v1/Deployment`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.api_version(), self.kind)
    }

    /// kubectl's name for the resource in output: `deployment.apps`, `service`.
    pub fn display(&self) -> String {
        let singular = self.kind.to_lowercase();
        if self.group.is_empty() {
            singular
        } else {
            format!("{singular}.{}", self.group)
        }
    }

    /// When objects of this kind are applied inside a stage.
    pub fn class(&self) -> ApplyClass {
        class_of(&self.group, &self.kind)
    }

    /// Whether objects of this kind run pods that `up` waits for and counts in the capacity
    /// pre-flight.
    pub fn is_workload(&self) -> bool {
        matches!(
            (self.group.as_str(), self.kind.as_str()),
            (
                "apps",
                "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
            ) | ("batch", "Job" | "CronJob")
                | ("", "Pod")
        )
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// `group/version`, or the version alone for the core group.
pub fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// Splits `apps/v1` into (`apps`, `v1`) and `v1` into (`""`, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

/// Parses an applied-kinds key (`apps/v1/Deployment`, `v1/Service`) into api version and kind.
pub fn parse_key(key: &str) -> Option<(String, String)> {
    let (api_version, kind) = key.trim().rsplit_once('/')?;
    if api_version.is_empty() || kind.is_empty() {
        return None;
    }
    Some((api_version.to_string(), kind.to_string()))
}

fn class_of(group: &str, kind: &str) -> ApplyClass {
    match (group, kind) {
        (
            "",
            "ResourceQuota"
            | "LimitRange"
            | "ServiceAccount"
            | "Secret"
            | "ConfigMap"
            | "PersistentVolumeClaim",
        )
        | ("networking.k8s.io", "NetworkPolicy")
        | ("rbac.authorization.k8s.io", _)
        | ("scheduling.k8s.io", "PriorityClass")
        | ("storage.k8s.io", "StorageClass") => ApplyClass::Config,
        ("", "Service" | "Endpoints") => ApplyClass::Services,
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
        | ("batch", "Job" | "CronJob")
        | ("", "Pod" | "ReplicationController") => ApplyClass::Workloads,
        _ => ApplyClass::Rest,
    }
}

/// (group, version, kind, plural, namespaced) of the kinds Kubernetes itself serves.
const BUILTIN: &[(&str, &str, &str, &str, bool)] = &[
    ("", "v1", "ConfigMap", "configmaps", true),
    ("", "v1", "Endpoints", "endpoints", true),
    ("", "v1", "LimitRange", "limitranges", true),
    ("", "v1", "Namespace", "namespaces", false),
    ("", "v1", "Node", "nodes", false),
    ("", "v1", "PersistentVolume", "persistentvolumes", false),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
    ),
    ("", "v1", "Pod", "pods", true),
    (
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
    ),
    ("", "v1", "ResourceQuota", "resourcequotas", true),
    ("", "v1", "Secret", "secrets", true),
    ("", "v1", "Service", "services", true),
    ("", "v1", "ServiceAccount", "serviceaccounts", true),
    ("apps", "v1", "DaemonSet", "daemonsets", true),
    ("apps", "v1", "Deployment", "deployments", true),
    ("apps", "v1", "ReplicaSet", "replicasets", true),
    ("apps", "v1", "StatefulSet", "statefulsets", true),
    (
        "autoscaling",
        "v1",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    ("batch", "v1", "CronJob", "cronjobs", true),
    ("batch", "v1", "Job", "jobs", true),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", true),
    (
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        false,
    ),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    (
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        "priorityclasses",
        false,
    ),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        false,
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    ),
];

/// Resolves a kind from the built-in table, without asking the server.
pub fn builtin(api_version: &str, kind: &str) -> Option<ResourceType> {
    let (group, version) = split_api_version(api_version);
    BUILTIN
        .iter()
        .find(|(g, v, k, _, _)| *g == group && *v == version && *k == kind)
        .map(|(g, v, k, plural, namespaced)| ResourceType {
            group: (*g).to_string(),
            version: (*v).to_string(),
            kind: (*k).to_string(),
            plural: (*plural).to_string(),
            namespaced: *namespaced,
        })
}

/// The built-in Namespace kind.
pub fn namespace() -> ResourceType {
    ResourceType {
        group: String::new(),
        version: "v1".into(),
        kind: "Namespace".into(),
        plural: "namespaces".into(),
        namespaced: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_kinds_resolve_with_scope() {
        let deploy = builtin("apps/v1", "Deployment").unwrap();
        assert_eq!(deploy.plural, "deployments");
        assert!(deploy.namespaced);
        assert_eq!(deploy.key(), "apps/v1/Deployment");
        assert_eq!(deploy.display(), "deployment.apps");
        assert!(deploy.is_workload());
        let svc = builtin("v1", "Service").unwrap();
        assert_eq!(svc.display(), "service");
        assert_eq!(svc.api_resource().api_version, "v1");
        assert!(
            !builtin("rbac.authorization.k8s.io/v1", "ClusterRole")
                .unwrap()
                .namespaced
        );
        assert!(builtin("example.com/v1", "Widget").is_none());
        assert!(builtin("apps/v1beta1", "Deployment").is_none());
    }

    #[test]
    fn classes_order_config_services_workloads_rest() {
        let class = |v: &str, k: &str| builtin(v, k).unwrap().class();
        assert_eq!(class("v1", "ServiceAccount"), ApplyClass::Config);
        assert_eq!(class("v1", "ResourceQuota"), ApplyClass::Config);
        assert_eq!(
            class("networking.k8s.io/v1", "NetworkPolicy"),
            ApplyClass::Config
        );
        assert_eq!(class("v1", "Service"), ApplyClass::Services);
        assert_eq!(class("apps/v1", "StatefulSet"), ApplyClass::Workloads);
        assert_eq!(class("batch/v1", "Job"), ApplyClass::Workloads);
        assert_eq!(class("networking.k8s.io/v1", "Ingress"), ApplyClass::Rest);
        assert!(ApplyClass::Config < ApplyClass::Services);
        assert!(ApplyClass::Workloads < ApplyClass::Rest);
    }

    #[test]
    fn keys_round_trip() {
        assert_eq!(
            parse_key("apps/v1/Deployment"),
            Some(("apps/v1".into(), "Deployment".into()))
        );
        assert_eq!(
            parse_key("v1/Service"),
            Some(("v1".into(), "Service".into()))
        );
        assert_eq!(parse_key("Service"), None);
        assert_eq!(split_api_version("v1"), ("", "v1"));
        assert_eq!(split_api_version("apps/v1"), ("apps", "v1"));
    }
}
