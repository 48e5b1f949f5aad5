//! The resource types the simulator serves: their names, scope, verbs and subresources.
//!
//! Everything that depends on "which resources exist" (discovery, OpenAPI, routing, the store's
//! tables, the namespace controller's content sweep) reads this one table.

/// Index of a resource in [`RESOURCES`]; used as the store's table key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId(pub usize);

/// A subresource served below an object path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sub {
    Status,
    Scale,
    Log,
    Finalize,
}

impl Sub {
    pub fn name(self) -> &'static str {
        match self {
            Sub::Status => "status",
            Sub::Scale => "scale",
            Sub::Log => "log",
            Sub::Finalize => "finalize",
        }
    }

    pub fn parse(s: &str) -> Option<Sub> {
        Some(match s {
            "status" => Sub::Status,
            "scale" => Sub::Scale,
            "log" => Sub::Log,
            "finalize" => Sub::Finalize,
            _ => return None,
        })
    }
}

/// How object names of a resource are validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// RFC 1123 label (namespaces).
    Dns1123Label,
    /// RFC 1035 label (services).
    Dns1035Label,
    /// RFC 1123 subdomain (most kinds).
    Dns1123Subdomain,
    /// Any path segment without `/` or `%` (RBAC objects such as `system:foo`).
    PathSegment,
}

/// A served resource type.
#[derive(Debug)]
pub struct ResourceDef {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub list_kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub verbs: &'static [&'static str],
    pub subresources: &'static [Sub],
    pub name_rule: NameRule,
    /// Whether `metadata.generation` is maintained (kinds with a spec/status split).
    pub generation: bool,
    /// Whether the object has a status that main-resource writes must not change.
    pub status_split: bool,
    /// Virtual resources are computed on read (metrics) or are create-only reviews; they have
    /// no table in the store.
    pub virtual_kind: bool,
}

const CRUD: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const CRUD_NO_COLLECTION_DELETE: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
const READ_ONLY: &[&str] = &["get", "list"];
const CREATE_ONLY: &[&str] = &["create"];

macro_rules! res {
    ($group:expr, $version:expr, $plural:expr, $singular:expr, $kind:expr, $namespaced:expr,
     short: [$($short:expr),*], cats: [$($cat:expr),*], verbs: $verbs:expr, subs: [$($sub:expr),*],
     names: $rule:expr, generation: $gen:expr, status_split: $split:expr, virtual_kind: $virt:expr) => {
        ResourceDef {
            group: $group,
            version: $version,
            plural: $plural,
            singular: $singular,
            kind: $kind,
            list_kind: concat!($kind, "List"),
            namespaced: $namespaced,
            short_names: &[$($short),*],
            categories: &[$($cat),*],
            verbs: $verbs,
            subresources: &[$($sub),*],
            name_rule: $rule,
            generation: $gen,
            status_split: $split,
            virtual_kind: $virt,
        }
    };
}

use NameRule::*;
use Sub::*;

/// Every resource the simulator serves, in discovery order.
pub static RESOURCES: &[ResourceDef] = &[
    // core/v1
    res!("", "v1", "namespaces", "namespace", "Namespace", false, short: ["ns"], cats: [],
         verbs: CRUD_NO_COLLECTION_DELETE, subs: [Status, Finalize], names: Dns1123Label,
         generation: false, status_split: true, virtual_kind: false),
    res!("", "v1", "nodes", "node", "Node", false, short: ["no"], cats: [],
         verbs: CRUD, subs: [Status], names: Dns1123Subdomain,
         generation: false, status_split: true, virtual_kind: false),
    res!("", "v1", "pods", "pod", "Pod", true, short: ["po"], cats: ["all"],
         verbs: CRUD, subs: [Status, Log], names: Dns1123Subdomain,
         generation: false, status_split: true, virtual_kind: false),
    res!("", "v1", "services", "service", "Service", true, short: ["svc"], cats: ["all"],
         verbs: CRUD, subs: [Status], names: Dns1035Label,
         generation: false, status_split: true, virtual_kind: false),
    res!("", "v1", "endpoints", "endpoints", "Endpoints", true, short: ["ep"], cats: [],
         verbs: CRUD, subs: [], names: Dns1123Subdomain,
         generation: false, status_split: false, virtual_kind: false),
    res!("", "v1", "configmaps", "configmap", "ConfigMap", true, short: ["cm"], cats: [],
         verbs: CRUD, subs: [], names: Dns1123Subdomain,
         generation: false, status_split: false, virtual_kind: false),
    res!("", "v1", "secrets", "secret", "Secret", true, short: [], cats: [],
         verbs: CRUD, subs: [], names: Dns1123Subdomain,
         generation: false, status_split: false, virtual_kind: false),
    res!("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, short: ["sa"], cats: [],
         verbs: CRUD, subs: [], names: Dns1123Subdomain,
         generation: false, status_split: false, virtual_kind: false),
    res!("", "v1", "events", "event", "Event", true, short: ["ev"], cats: [],
         verbs: CRUD, subs: [], names: Dns1123Subdomain,
         generation: false, status_split: false, virtual_kind: false),
    res!("", "v1", "resourcequotas", "resourcequota", "ResourceQuota", true, short: ["quota"], cats: [],
         verbs: CRUD, subs: [Status], names: Dns1123Subdomain,
         generation: false, status_split: true, virtual_kind: false),
    res!("", "v1", "limitranges", "limitrange", "LimitRange", true, short: ["limits"], cats: [],
         verbs: CRUD, subs: [], names: Dns1123Subdomain,
         generation: false, status_split: false, virtual_kind: false),
    res!("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true,
         short: ["pvc"], cats: [], verbs: CRUD, subs: [Status], names: Dns1123Subdomain,
         generation: false, status_split: true, virtual_kind: false),
    // apps/v1
    res!("apps", "v1", "deployments", "deployment", "Deployment", true, short: ["deploy"], cats: ["all"],
         verbs: CRUD, subs: [Status, Scale], names: Dns1123Subdomain,
         generation: true, status_split: true, virtual_kind: false),
    res!("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, short: ["rs"], cats: ["all"],
         verbs: CRUD, subs: [Status, Scale], names: Dns1123Subdomain,
         generation: true, status_split: true, virtual_kind: false),
    res!("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, short: ["sts"], cats: ["all"],
         verbs: CRUD, subs: [Status, Scale], names: Dns1123Subdomain,
         generation: true, status_split: true, virtual_kind: false),
    res!("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, short: ["ds"], cats: ["all"],
         verbs: CRUD, subs: [Status], names: Dns1123Subdomain,
         generation: true, status_split: true, virtual_kind: false),
    // batch/v1
    res!("batch", "v1", "jobs", "job", "Job", true, short: [], cats: ["all"],
         verbs: CRUD, subs: [Status], names: Dns1123Subdomain,
         generation: true, status_split: true, virtual_kind: false),
    res!("batch", "v1", "cronjobs", "cronjob", "CronJob", true, short: ["cj"], cats: ["all"],
         verbs: CRUD, subs: [Status], names: Dns1123Subdomain,
         generation: true, status_split: true, virtual_kind: false),
    // networking.k8s.io/v1
    res!("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, short: ["ing"], cats: [],
         verbs: CRUD, subs: [Status], names: Dns1123Subdomain,
         generation: true, status_split: true, virtual_kind: false),
    res!("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true,
         short: ["netpol"], cats: [], verbs: CRUD, subs: [], names: Dns1123Subdomain,
         generation: true, status_split: false, virtual_kind: false),
    // policy/v1
    res!("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true,
         short: ["pdb"], cats: [], verbs: CRUD, subs: [Status], names: Dns1123Subdomain,
         generation: true, status_split: true, virtual_kind: false),
    // autoscaling/v2
    res!("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler",
         "HorizontalPodAutoscaler", true, short: ["hpa"], cats: ["all"], verbs: CRUD, subs: [Status],
         names: Dns1123Subdomain, generation: false, status_split: true, virtual_kind: false),
    // rbac.authorization.k8s.io/v1 (stored, not enforced: access is decided by the bearer token)
    res!("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, short: [], cats: [],
         verbs: CRUD, subs: [], names: PathSegment,
         generation: false, status_split: false, virtual_kind: false),
    res!("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true,
         short: [], cats: [], verbs: CRUD, subs: [], names: PathSegment,
         generation: false, status_split: false, virtual_kind: false),
    res!("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false,
         short: [], cats: [], verbs: CRUD, subs: [], names: PathSegment,
         generation: false, status_split: false, virtual_kind: false),
    res!("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding",
         "ClusterRoleBinding", false, short: [], cats: [], verbs: CRUD, subs: [], names: PathSegment,
         generation: false, status_split: false, virtual_kind: false),
    // authorization.k8s.io/v1
    res!("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "selfsubjectaccessreview",
         "SelfSubjectAccessReview", false, short: [], cats: [], verbs: CREATE_ONLY, subs: [],
         names: PathSegment, generation: false, status_split: false, virtual_kind: true),
    res!("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "selfsubjectrulesreview",
         "SelfSubjectRulesReview", false, short: [], cats: [], verbs: CREATE_ONLY, subs: [],
         names: PathSegment, generation: false, status_split: false, virtual_kind: true),
    // metrics.k8s.io/v1beta1 (computed from the usage model on every read)
    res!("metrics.k8s.io", "v1beta1", "pods", "", "PodMetrics", true, short: [], cats: [],
         verbs: READ_ONLY, subs: [], names: Dns1123Subdomain,
         generation: false, status_split: false, virtual_kind: true),
    res!("metrics.k8s.io", "v1beta1", "nodes", "", "NodeMetrics", false, short: [], cats: [],
         verbs: READ_ONLY, subs: [], names: Dns1123Subdomain,
         generation: false, status_split: false, virtual_kind: true),
];

impl ResourceDef {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, or `pods` for the core group, as the API server names a resource in
    /// its error messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// The URL prefix of the resource's group version: `/api/v1` or `/apis/apps/v1`.
    pub fn prefix(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }

    pub fn has_sub(&self, sub: Sub) -> bool {
        self.subresources.contains(&sub)
    }

    pub fn allows(&self, verb: &str) -> bool {
        self.verbs.contains(&verb)
    }
}

/// The resource definition behind an id.
pub fn def(id: ResourceId) -> &'static ResourceDef {
    &RESOURCES[id.0]
}

/// Finds a resource by group, version and plural name.
pub fn find(group: &str, version: &str, plural: &str) -> Option<ResourceId> {
    RESOURCES
        .iter()
        .position(|r| r.group == group && r.version == version && r.plural == plural)
        .map(ResourceId)
}

/// Finds a resource by group and kind (any served version).
pub fn find_kind(group: &str, kind: &str) -> Option<ResourceId> {
    RESOURCES
        .iter()
        .position(|r| r.group == group && r.kind == kind)
        .map(ResourceId)
}

/// Finds the resource for an object's `apiVersion` and `kind`.
pub fn find_api_version_kind(api_version: &str, kind: &str) -> Option<ResourceId> {
    let (group, version) = split_api_version(api_version);
    RESOURCES
        .iter()
        .position(|r| r.group == group && r.version == version && r.kind == kind)
        .map(ResourceId)
}

/// Splits `apps/v1` into (`apps`, `v1`) and `v1` into (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

/// Well-known ids, resolved once, for the controllers and the API layer.
pub mod ids {
    use super::{find, ResourceId};

    macro_rules! id {
        ($name:ident, $group:expr, $version:expr, $plural:expr) => {
            pub fn $name() -> ResourceId {
                find($group, $version, $plural).expect(concat!("resource registered: ", $plural))
            }
        };
    }

    id!(namespaces, "", "v1", "namespaces");
    id!(nodes, "", "v1", "nodes");
    id!(pods, "", "v1", "pods");
    id!(services, "", "v1", "services");
    id!(endpoints, "", "v1", "endpoints");
    id!(configmaps, "", "v1", "configmaps");
    id!(secrets, "", "v1", "secrets");
    id!(serviceaccounts, "", "v1", "serviceaccounts");
    id!(events, "", "v1", "events");
    id!(resourcequotas, "", "v1", "resourcequotas");
    id!(limitranges, "", "v1", "limitranges");
    id!(persistentvolumeclaims, "", "v1", "persistentvolumeclaims");
    id!(deployments, "apps", "v1", "deployments");
    id!(replicasets, "apps", "v1", "replicasets");
    id!(statefulsets, "apps", "v1", "statefulsets");
    id!(daemonsets, "apps", "v1", "daemonsets");
    id!(jobs, "batch", "v1", "jobs");
    id!(cronjobs, "batch", "v1", "cronjobs");
    id!(ingresses, "networking.k8s.io", "v1", "ingresses");
    id!(
        networkpolicies,
        "networking.k8s.io",
        "v1",
        "networkpolicies"
    );
    id!(
        selfsubjectaccessreviews,
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews"
    );
    id!(
        selfsubjectrulesreviews,
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews"
    );
    id!(pod_metrics, "metrics.k8s.io", "v1beta1", "pods");
    id!(node_metrics, "metrics.k8s.io", "v1beta1", "nodes");
}

/// The served API groups (excluding core), in discovery order, each with its versions.
pub fn groups() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        match out.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, versions)) => {
                if !versions.contains(&r.version) {
                    versions.push(r.version)
                }
            }
            None => out.push((r.group, vec![r.version])),
        }
    }
    out
}

/// Resources of one group version, in registry order.
pub fn in_group_version(group: &str, version: &str) -> Vec<ResourceId> {
    RESOURCES
        .iter()
        .enumerate()
        .filter(|(_, r)| r.group == group && r.version == version)
        .map(|(i, _)| ResourceId(i))
        .collect()
}

/// All resource ids.
pub fn all() -> impl Iterator<Item = ResourceId> {
    (0..RESOURCES.len()).map(ResourceId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_resolve_and_are_unique() {
        assert_eq!(def(ids::deployments()).kind, "Deployment");
        assert_eq!(def(ids::pod_metrics()).kind, "PodMetrics");
        let mut seen = std::collections::HashSet::new();
        for r in RESOURCES {
            assert!(
                seen.insert((r.group, r.version, r.plural)),
                "duplicate {}",
                r.plural
            );
        }
    }

    #[test]
    fn qualified_names_follow_the_api_server() {
        assert_eq!(def(ids::pods()).qualified(), "pods");
        assert_eq!(def(ids::deployments()).qualified(), "deployments.apps");
        assert_eq!(def(ids::deployments()).prefix(), "/apis/apps/v1");
    }

    #[test]
    fn groups_are_listed_once() {
        let g = groups();
        assert_eq!(g.iter().filter(|(n, _)| *n == "apps").count(), 1);
        assert!(g
            .iter()
            .any(|(n, v)| *n == "metrics.k8s.io" && v == &vec!["v1beta1"]));
    }
}
