//! What the patch strategies need to know about built-in types: for each list field, whether
//! it merges by key (and which), is a set, or is atomic; for maps, granular or atomic;
//! `$retainKeys` fields.
//!
//! The two strategies read different markers of the same Go types, and they disagree in places:
//! strategic merge patch (SMP) follows the `patchStrategy`/`patchMergeKey` struct tags, while
//! server-side apply (SSA) follows `listType`/`listMapKey`/`mapType`/`structType`. For example
//! container ports merge by `containerPort` under SMP but are keyed by `[containerPort, protocol]`
//! under SSA, `spec.selector` of a Service is merged key by key by SMP but is atomic for SSA, and
//! Job conditions merge by `type` under SMP but are atomic for SSA. The tables below transcribe
//! those markers from `k8s.io/api` (v1.32/v1.33) for the kinds the simulator serves.
//!
//! Anything not described is "unknown": SMP replaces unknown lists and merges unknown maps; SSA
//! treats unknown lists as atomic and unknown maps as granular. That is also why kinds whose
//! lists are all atomic (Endpoints `subsets`, LimitRange `limits`, Role `rules`, Ingress
//! `rules`/`tls`, NetworkPolicy `ingress`/`egress`, tolerations, ...) need no entry here.

/// How strategic merge patch treats a list field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmpList {
    /// No `patchStrategy: merge`: the patch's list replaces the live one.
    Replace,
    /// `patchStrategy: merge` on a list of scalars (e.g. `finalizers`): set union.
    Primitive,
    /// `patchStrategy: merge` with `patchMergeKey`: entries merge by that key.
    MergeByKey(&'static str),
}

/// One key field of an SSA `listType=map` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapKey {
    pub name: &'static str,
    /// Value assumed when an item omits the key. The API server defaults it before SSA sees the
    /// item (e.g. a port's `protocol` is `TCP`), so a config without it must still match the live
    /// item.
    pub default: Option<&'static str>,
}

/// How server-side apply treats a list field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SsaList {
    /// `listType=atomic` (and every unknown list): owned and replaced as a whole.
    Atomic,
    /// `listType=set`: a set of scalars; each value is owned separately.
    Set,
    /// `listType=map`: items identified by these key fields.
    Map(&'static [MapKey]),
}

/// Where a field's value (or, for a list, each item) sits in the type graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    /// Not described: lists atomic/replace, maps granular.
    Unknown,
    /// A `structType=atomic` struct (LabelSelector, OwnerReference, LocalObjectReference,
    /// ObjectReference, RoleRef, the key selectors of env `valueFrom`, NodeSelector, ...).
    /// SSA owns it as a whole; SMP still merges it key by key.
    AtomicStruct,
    // Top-level kinds.
    Object,
    Pod,
    PodTemplate,
    Deployment,
    Workload,
    Job,
    CronJob,
    Service,
    ConfigMap,
    Secret,
    ServiceAccount,
    Namespace,
    Node,
    Event,
    ResourceQuota,
    Pvc,
    Ingress,
    NetworkPolicy,
    Pdb,
    Hpa,
    RoleBinding,
    // Nested types.
    ObjectMeta,
    PodTemplateSpec,
    PodSpec,
    Container,
    EnvVar,
    EnvVarSource,
    Resources,
    Affinity,
    NodeAffinity,
    TopologySpread,
    PodStatus,
    DeploymentSpec,
    WorkloadSpec,
    ConditionsStatus,
    JobSpec,
    JobStatus,
    UncountedPods,
    JobTemplateSpec,
    CronJobSpec,
    ServiceSpec,
    NodeSpec,
    NodeStatus,
    QuotaSpec,
    QuotaStatus,
    PvcSpec,
    PvcStatus,
    IngressSpec,
    IngressBackend,
    IngressServiceBackend,
    NetworkPolicySpec,
    PdbSpec,
    PdbStatus,
}

/// The shape of a field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// A struct (or an unknown object): merged field by field.
    Struct,
    /// A granular `map[string]T` (labels, ConfigMap data, resource lists).
    Map,
    /// A `mapType=atomic` map: SSA replaces it, SMP still merges it key by key.
    AtomicMap,
    /// A list; the field's `ty` describes its items.
    List(SmpList, SsaList),
}

/// The schema of one field: what both patch strategies need to merge its value.
///
/// Obtain the top-level one with [`root`] and walk down with [`Field::child`] (object fields)
/// and [`Field::item`] (list items).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    ty: Ty,
    shape: Shape,
    retain_keys: bool,
    smp_replace: bool,
}

const NAME: &[MapKey] = &[MapKey::required("name")];
const TYPE: &[MapKey] = &[MapKey::required("type")];
const IP: &[MapKey] = &[MapKey::required("ip")];
const UID: &[MapKey] = &[MapKey::required("uid")];
const MOUNT_PATH: &[MapKey] = &[MapKey::required("mountPath")];
const DEVICE_PATH: &[MapKey] = &[MapKey::required("devicePath")];
const CONTAINER_PORT: &[MapKey] = &[
    MapKey::required("containerPort"),
    MapKey::defaulted("protocol", "TCP"),
];
const SERVICE_PORT: &[MapKey] = &[
    MapKey::required("port"),
    MapKey::defaulted("protocol", "TCP"),
];
const TOPOLOGY_SPREAD: &[MapKey] = &[
    MapKey::required("topologyKey"),
    MapKey::required("whenUnsatisfiable"),
];

impl MapKey {
    const fn required(name: &'static str) -> MapKey {
        MapKey {
            name,
            default: None,
        }
    }

    const fn defaulted(name: &'static str, default: &'static str) -> MapKey {
        MapKey {
            name,
            default: Some(default),
        }
    }
}

/// The schema of the whole object of a kind. Kinds not listed get one that only knows
/// `metadata`, which is right for kinds whose lists are all atomic.
pub fn root(group: &str, kind: &str) -> Field {
    let ty = match (group, kind) {
        ("", "Pod") => Ty::Pod,
        ("", "PodTemplate") => Ty::PodTemplate,
        ("", "Service") => Ty::Service,
        ("", "ConfigMap") => Ty::ConfigMap,
        ("", "Secret") => Ty::Secret,
        ("", "ServiceAccount") => Ty::ServiceAccount,
        ("", "Namespace") => Ty::Namespace,
        ("", "Node") => Ty::Node,
        ("", "Event") => Ty::Event,
        ("", "ResourceQuota") => Ty::ResourceQuota,
        ("", "PersistentVolumeClaim") => Ty::Pvc,
        ("apps", "Deployment") => Ty::Deployment,
        ("apps", "ReplicaSet" | "StatefulSet" | "DaemonSet") => Ty::Workload,
        ("batch", "Job") => Ty::Job,
        ("batch", "CronJob") => Ty::CronJob,
        ("networking.k8s.io", "Ingress") => Ty::Ingress,
        ("networking.k8s.io", "NetworkPolicy") => Ty::NetworkPolicy,
        ("policy", "PodDisruptionBudget") => Ty::Pdb,
        ("autoscaling", "HorizontalPodAutoscaler") => Ty::Hpa,
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => Ty::RoleBinding,
        _ => Ty::Object,
    };
    Field::of(ty)
}

impl Field {
    /// A field nothing is known about.
    const UNKNOWN: Field = Field::of(Ty::Unknown);

    const fn of(ty: Ty) -> Field {
        Field {
            ty,
            shape: Shape::Struct,
            retain_keys: false,
            smp_replace: false,
        }
    }

    const fn map() -> Field {
        Field {
            shape: Shape::Map,
            ..Field::UNKNOWN
        }
    }

    const fn atomic_map() -> Field {
        Field {
            shape: Shape::AtomicMap,
            ..Field::UNKNOWN
        }
    }

    const fn list(item: Ty, smp: SmpList, ssa: SsaList) -> Field {
        Field {
            shape: Shape::List(smp, ssa),
            ..Field::of(item)
        }
    }

    /// A list both strategies merge by key, with the same key.
    const fn keyed(item: Ty, key: &'static str, keys: &'static [MapKey]) -> Field {
        Field::list(item, SmpList::MergeByKey(key), SsaList::Map(keys))
    }

    const fn conditions() -> Field {
        Field::keyed(Ty::Unknown, "type", TYPE)
    }

    const fn with_retain_keys(self) -> Field {
        Field {
            retain_keys: true,
            ..self
        }
    }

    const fn with_smp_replace(self) -> Field {
        Field {
            smp_replace: true,
            ..self
        }
    }

    /// The field `name` of the object this field holds (for a list: of each item).
    pub fn child(self, name: &str) -> Field {
        match self.shape {
            Shape::Map | Shape::AtomicMap => Field::UNKNOWN,
            Shape::Struct | Shape::List(..) => self.ty.field(name),
        }
    }

    /// The schema of one item of this list field (the field itself when it is not a list).
    pub fn item(self) -> Field {
        match self.shape {
            Shape::List(..) => Field::of(self.ty),
            _ => self,
        }
    }

    /// How strategic merge patch merges this list (`Replace` for non-lists).
    pub fn smp_list(self) -> SmpList {
        match self.shape {
            Shape::List(smp, _) => smp,
            _ => SmpList::Replace,
        }
    }

    /// How server-side apply merges this list (`Atomic` for non-lists).
    pub fn ssa_list(self) -> SsaList {
        match self.shape {
            Shape::List(_, ssa) => ssa,
            _ => SsaList::Atomic,
        }
    }

    /// Whether server-side apply owns and replaces this object as a whole
    /// (`mapType=atomic` or `structType=atomic`).
    pub fn ssa_atomic(self) -> bool {
        self.shape == Shape::AtomicMap
            || (self.shape == Shape::Struct && self.ty == Ty::AtomicStruct)
    }

    /// Whether this is a `map[string]T` rather than a struct. The API server records a granular
    /// map itself (the `.` entry of FieldsV1) when an update creates it, but never a struct.
    pub fn is_map(self) -> bool {
        matches!(self.shape, Shape::Map | Shape::AtomicMap)
    }

    /// `patchStrategy: replace` on an object field: SMP replaces instead of merging
    /// (PodDisruptionBudget `spec.selector`).
    pub fn smp_replace(self) -> bool {
        self.smp_replace
    }

    /// `patchStrategy: retainKeys`: kubectl sends `$retainKeys` for this object (or, for a list,
    /// for each item) so that a union member it switches away from is cleared (Deployment
    /// `spec.strategy`, pod `volumes`). The server itself honours `$retainKeys` wherever it
    /// appears, so this only matters to whoever builds patches.
    pub fn retain_keys(self) -> bool {
        self.retain_keys
    }
}

impl Ty {
    fn is_top_level(self) -> bool {
        matches!(
            self,
            Ty::Object
                | Ty::Pod
                | Ty::PodTemplate
                | Ty::Deployment
                | Ty::Workload
                | Ty::Job
                | Ty::CronJob
                | Ty::Service
                | Ty::ConfigMap
                | Ty::Secret
                | Ty::ServiceAccount
                | Ty::Namespace
                | Ty::Node
                | Ty::Event
                | Ty::ResourceQuota
                | Ty::Pvc
                | Ty::Ingress
                | Ty::NetworkPolicy
                | Ty::Pdb
                | Ty::Hpa
                | Ty::RoleBinding
        )
    }

    /// The schema of field `name` inside a value of this type.
    fn field(self, name: &str) -> Field {
        use Field as F;
        use SmpList::{MergeByKey, Primitive, Replace};
        use Ty::*;
        if self.is_top_level() && name == "metadata" {
            return F::of(ObjectMeta);
        }
        match (self, name) {
            (ObjectMeta, "labels" | "annotations") => F::map(),
            (ObjectMeta, "finalizers") => F::list(Unknown, Primitive, SsaList::Set),
            (ObjectMeta, "ownerReferences") => F::keyed(AtomicStruct, "uid", UID),

            (Pod, "spec") => F::of(PodSpec),
            (Pod, "status") => F::of(PodStatus),
            (PodTemplate, "template") => F::of(PodTemplateSpec),
            (Deployment, "spec") => F::of(DeploymentSpec),
            (Workload, "spec") => F::of(WorkloadSpec),
            (Deployment | Workload | Service | Namespace | Hpa, "status") => {
                F::of(ConditionsStatus)
            }
            (Job, "spec") => F::of(JobSpec),
            (Job, "status") => F::of(JobStatus),
            (CronJob, "spec") => F::of(CronJobSpec),
            (Service, "spec") => F::of(ServiceSpec),
            (ConfigMap, "data" | "binaryData") | (Secret, "data" | "stringData") => F::map(),
            // ServiceAccount `imagePullSecrets` is `listType=atomic` without a patch strategy,
            // unlike PodSpec's.
            (ServiceAccount, "secrets") => F::keyed(AtomicStruct, "name", NAME),
            (Node, "spec") => F::of(NodeSpec),
            (Node, "status") => F::of(NodeStatus),
            (Event, "involvedObject" | "related") => F::of(AtomicStruct),
            (ResourceQuota, "spec") => F::of(QuotaSpec),
            (ResourceQuota, "status") => F::of(QuotaStatus),
            (Pvc, "spec") => F::of(PvcSpec),
            (Pvc, "status") => F::of(PvcStatus),
            (Ingress, "spec") => F::of(IngressSpec),
            (NetworkPolicy, "spec") => F::of(NetworkPolicySpec),
            (Pdb, "spec") => F::of(PdbSpec),
            (Pdb, "status") => F::of(PdbStatus),
            (RoleBinding, "roleRef") => F::of(AtomicStruct),

            (PodTemplateSpec, "metadata") | (JobTemplateSpec, "metadata") => F::of(ObjectMeta),
            (PodTemplateSpec, "spec") => F::of(PodSpec),
            (JobTemplateSpec, "spec") => F::of(JobSpec),
            (DeploymentSpec, "strategy") => F::UNKNOWN.with_retain_keys(),
            (DeploymentSpec, _) => WorkloadSpec.field(name),
            (WorkloadSpec | JobSpec, "selector") => F::of(AtomicStruct),
            (WorkloadSpec | JobSpec, "template") => F::of(PodTemplateSpec),
            (CronJobSpec, "jobTemplate") => F::of(JobTemplateSpec),
            (ConditionsStatus, "conditions") => F::conditions(),
            (JobStatus, "conditions") => F::list(Unknown, MergeByKey("type"), SsaList::Atomic),
            (JobStatus, "uncountedTerminatedPods") => F::of(UncountedPods),
            (UncountedPods, "succeeded" | "failed") => F::list(Unknown, Replace, SsaList::Set),

            (PodSpec, "containers" | "initContainers" | "ephemeralContainers") => {
                F::keyed(Container, "name", NAME)
            }
            (PodSpec, "volumes" | "resourceClaims") => {
                F::keyed(Unknown, "name", NAME).with_retain_keys()
            }
            (PodSpec, "imagePullSecrets") => F::keyed(AtomicStruct, "name", NAME),
            (PodSpec, "hostAliases") => F::keyed(Unknown, "ip", IP),
            (PodSpec, "topologySpreadConstraints") => F::list(
                TopologySpread,
                MergeByKey("topologyKey"),
                SsaList::Map(TOPOLOGY_SPREAD),
            ),
            (PodSpec, "schedulingGates") => F::keyed(Unknown, "name", NAME),
            (PodSpec, "nodeSelector") => F::atomic_map(),
            (PodSpec, "overhead") => F::map(),
            (PodSpec, "affinity") => F::of(Affinity),
            (Affinity, "nodeAffinity") => F::of(NodeAffinity),
            (NodeAffinity, "requiredDuringSchedulingIgnoredDuringExecution") => F::of(AtomicStruct),
            (TopologySpread, "labelSelector") => F::of(AtomicStruct),

            (Container, "env") => F::keyed(EnvVar, "name", NAME),
            (Container, "ports") => F::list(
                Unknown,
                MergeByKey("containerPort"),
                SsaList::Map(CONTAINER_PORT),
            ),
            (Container, "volumeMounts") => F::keyed(Unknown, "mountPath", MOUNT_PATH),
            (Container, "volumeDevices") => F::keyed(Unknown, "devicePath", DEVICE_PATH),
            (Container, "resources") | (PvcSpec, "resources") => F::of(Resources),
            (EnvVar, "valueFrom") => F::of(EnvVarSource),
            (
                EnvVarSource,
                "configMapKeyRef" | "secretKeyRef" | "fieldRef" | "resourceFieldRef" | "fileKeyRef",
            ) => F::of(AtomicStruct),
            (Resources, "limits" | "requests") => F::map(),
            (Resources, "claims") => F::list(Unknown, Replace, SsaList::Map(NAME)),

            (PodStatus, "conditions") => F::conditions(),
            (PodStatus, "podIPs") => F::keyed(Unknown, "ip", IP),
            (PodStatus, "hostIPs") => F::list(Unknown, MergeByKey("ip"), SsaList::Atomic),
            (PodStatus, "resourceClaimStatuses") => {
                F::keyed(Unknown, "name", NAME).with_retain_keys()
            }

            (ServiceSpec, "ports") => {
                F::list(Unknown, MergeByKey("port"), SsaList::Map(SERVICE_PORT))
            }
            (ServiceSpec, "selector") => F::atomic_map(),
            (NodeSpec, "podCIDRs") => F::list(Unknown, Primitive, SsaList::Set),
            (NodeStatus, "conditions") => F::conditions(),
            (NodeStatus, "addresses") => F::keyed(Unknown, "type", TYPE),
            (NodeStatus, "capacity" | "allocatable") => F::map(),
            (QuotaSpec, "hard") | (QuotaStatus, "hard" | "used") => F::map(),
            (QuotaSpec, "scopeSelector") => F::of(AtomicStruct),
            (PvcSpec, "selector" | "dataSource") => F::of(AtomicStruct),
            (PvcStatus, "conditions") => F::conditions(),
            (PvcStatus, "capacity" | "allocatedResources" | "allocatedResourceStatuses") => {
                F::map()
            }
            (IngressSpec, "defaultBackend") => F::of(IngressBackend),
            (IngressBackend, "service") => F::of(IngressServiceBackend),
            (IngressBackend, "resource") | (IngressServiceBackend, "port") => F::of(AtomicStruct),
            (NetworkPolicySpec, "podSelector") => F::of(AtomicStruct),
            (PdbSpec, "selector") => F::of(AtomicStruct).with_smp_replace(),
            (PdbStatus, "conditions") => F::conditions(),
            (PdbStatus, "disruptedPods") => F::map(),
            _ => F::UNKNOWN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks a dotted path; `[]` steps into list items.
    fn at(group: &str, kind: &str, path: &str) -> Field {
        path.split('.')
            .fold(root(group, kind), |f, step| match step {
                "[]" => f.item(),
                name => f.child(name),
            })
    }

    #[test]
    fn containers_merge_by_name_in_every_pod_template() {
        let paths = [
            ("", "Pod", "spec.containers"),
            ("", "PodTemplate", "template.spec.initContainers"),
            ("apps", "Deployment", "spec.template.spec.containers"),
            ("apps", "ReplicaSet", "spec.template.spec.containers"),
            ("apps", "StatefulSet", "spec.template.spec.containers"),
            (
                "apps",
                "DaemonSet",
                "spec.template.spec.ephemeralContainers",
            ),
            ("batch", "Job", "spec.template.spec.containers"),
            (
                "batch",
                "CronJob",
                "spec.jobTemplate.spec.template.spec.containers",
            ),
        ];
        for (group, kind, path) in paths {
            let f = at(group, kind, path);
            assert_eq!(f.smp_list(), SmpList::MergeByKey("name"), "{kind} {path}");
            assert_eq!(f.ssa_list(), SsaList::Map(NAME), "{kind} {path}");
        }
    }

    #[test]
    fn container_ports_use_different_keys_for_smp_and_ssa() {
        let ports = at(
            "apps",
            "Deployment",
            "spec.template.spec.containers.[].ports",
        );
        assert_eq!(ports.smp_list(), SmpList::MergeByKey("containerPort"));
        let SsaList::Map(keys) = ports.ssa_list() else {
            panic!("ports must be a map list for SSA");
        };
        let names: Vec<_> = keys.iter().map(|k| (k.name, k.default)).collect();
        assert_eq!(names, [("containerPort", None), ("protocol", Some("TCP"))]);

        let svc = at("", "Service", "spec.ports");
        assert_eq!(svc.smp_list(), SmpList::MergeByKey("port"));
        assert_eq!(svc.ssa_list(), SsaList::Map(SERVICE_PORT));
    }

    #[test]
    fn container_lists_that_are_atomic() {
        for name in ["args", "command", "envFrom", "resizePolicy"] {
            let f = at("", "Pod", &format!("spec.containers.[].{name}"));
            assert_eq!(f.smp_list(), SmpList::Replace, "{name}");
            assert_eq!(f.ssa_list(), SsaList::Atomic, "{name}");
        }
        let tolerations = at("", "Pod", "spec.tolerations");
        assert_eq!(tolerations.smp_list(), SmpList::Replace);
        assert_eq!(tolerations.ssa_list(), SsaList::Atomic);
    }

    #[test]
    fn env_mounts_and_pod_lists_keys() {
        let c = "spec.template.spec.containers.[]";
        let key = |p: &str| at("apps", "Deployment", p).smp_list();
        assert_eq!(key(&format!("{c}.env")), SmpList::MergeByKey("name"));
        assert_eq!(
            key(&format!("{c}.volumeMounts")),
            SmpList::MergeByKey("mountPath")
        );
        assert_eq!(
            key(&format!("{c}.volumeDevices")),
            SmpList::MergeByKey("devicePath")
        );
        assert_eq!(
            key("spec.template.spec.hostAliases"),
            SmpList::MergeByKey("ip")
        );
        assert_eq!(
            key("spec.template.spec.imagePullSecrets"),
            SmpList::MergeByKey("name")
        );
        assert_eq!(
            key("spec.template.spec.topologySpreadConstraints"),
            SmpList::MergeByKey("topologyKey")
        );
        assert_eq!(
            at("", "Pod", "spec.topologySpreadConstraints").ssa_list(),
            SsaList::Map(TOPOLOGY_SPREAD)
        );
    }

    #[test]
    fn metadata_lists_and_maps() {
        for (group, kind) in [
            ("", "ConfigMap"),
            ("apps", "Deployment"),
            ("x.io", "Widget"),
        ] {
            let fin = at(group, kind, "metadata.finalizers");
            assert_eq!(fin.smp_list(), SmpList::Primitive);
            assert_eq!(fin.ssa_list(), SsaList::Set);
            let owners = at(group, kind, "metadata.ownerReferences");
            assert_eq!(owners.smp_list(), SmpList::MergeByKey("uid"));
            assert!(
                owners.item().ssa_atomic(),
                "owner references are atomic structs"
            );
            let labels = at(group, kind, "metadata.labels");
            assert!(labels.is_map() && !labels.ssa_atomic());
        }
        let template_labels = at("apps", "Deployment", "spec.template.metadata.labels");
        assert!(template_labels.is_map());
    }

    #[test]
    fn selectors_atomicity() {
        assert!(at("apps", "Deployment", "spec.selector").ssa_atomic());
        assert!(!at("apps", "Deployment", "spec.selector").smp_replace());
        let svc = at("", "Service", "spec.selector");
        assert!(svc.ssa_atomic(), "ServiceSpec.selector is mapType=atomic");
        assert_eq!(svc.smp_list(), SmpList::Replace, "a map, not a list");
        assert!(at("", "Pod", "spec.nodeSelector").ssa_atomic());
        let pdb = at("policy", "PodDisruptionBudget", "spec.selector");
        assert!(pdb.ssa_atomic() && pdb.smp_replace());
        assert!(at("networking.k8s.io", "NetworkPolicy", "spec.podSelector").ssa_atomic());
        assert!(!at("apps", "Deployment", "spec.template").ssa_atomic());
    }

    #[test]
    fn retain_keys_fields() {
        assert!(at("apps", "Deployment", "spec.strategy").retain_keys());
        assert!(at("apps", "Deployment", "spec.template.spec.volumes").retain_keys());
        assert!(!at("apps", "StatefulSet", "spec.updateStrategy").retain_keys());
        assert!(!at("apps", "Deployment", "spec.template").retain_keys());
    }

    #[test]
    fn status_conditions() {
        let kinds = [
            ("", "Pod"),
            ("", "Namespace"),
            ("", "Node"),
            ("", "Service"),
            ("", "PersistentVolumeClaim"),
            ("apps", "Deployment"),
            ("apps", "ReplicaSet"),
            ("policy", "PodDisruptionBudget"),
            ("autoscaling", "HorizontalPodAutoscaler"),
        ];
        for (group, kind) in kinds {
            let f = at(group, kind, "status.conditions");
            assert_eq!(f.smp_list(), SmpList::MergeByKey("type"), "{kind}");
            assert_eq!(f.ssa_list(), SsaList::Map(TYPE), "{kind}");
        }
        let job = at("batch", "Job", "status.conditions");
        assert_eq!(job.smp_list(), SmpList::MergeByKey("type"));
        assert_eq!(job.ssa_list(), SsaList::Atomic);
        assert_eq!(
            at("", "Node", "status.addresses").smp_list(),
            SmpList::MergeByKey("type")
        );
        assert_eq!(at("", "Pod", "status.podIPs").ssa_list(), SsaList::Map(IP));
        assert_eq!(at("", "Pod", "status.hostIPs").ssa_list(), SsaList::Atomic);
    }

    #[test]
    fn other_kinds() {
        assert!(at("", "ConfigMap", "data").is_map());
        assert!(at("", "Secret", "stringData").is_map());
        assert_eq!(
            at("", "ServiceAccount", "secrets").smp_list(),
            SmpList::MergeByKey("name")
        );
        assert_eq!(
            at("", "ServiceAccount", "imagePullSecrets").smp_list(),
            SmpList::Replace
        );
        assert_eq!(
            at("", "LimitRange", "spec.limits").ssa_list(),
            SsaList::Atomic
        );
        assert_eq!(
            at("networking.k8s.io", "Ingress", "spec.rules").ssa_list(),
            SsaList::Atomic
        );
        assert_eq!(
            at("networking.k8s.io", "Ingress", "spec.tls").smp_list(),
            SmpList::Replace
        );
        assert!(at("rbac.authorization.k8s.io", "ClusterRoleBinding", "roleRef").ssa_atomic());
        assert_eq!(
            at("rbac.authorization.k8s.io", "Role", "rules").ssa_list(),
            SsaList::Atomic
        );
        assert_eq!(
            at("", "Node", "spec.podCIDRs").smp_list(),
            SmpList::Primitive
        );
        assert!(at("", "ResourceQuota", "spec.hard").is_map());
        assert!(at("", "Event", "involvedObject").ssa_atomic());
    }

    #[test]
    fn unknown_paths_default_to_atomic_lists_and_granular_maps() {
        let f = at("apps", "Deployment", "spec.template.spec.somethingNew");
        assert_eq!(f.smp_list(), SmpList::Replace);
        assert_eq!(f.ssa_list(), SsaList::Atomic);
        assert!(!f.ssa_atomic());
        assert!(!f.is_map());
        let deep = at("example.com", "Widget", "spec.items.[].nested.list");
        assert_eq!(deep.ssa_list(), SsaList::Atomic);
        // Children of a map are map values, not struct fields.
        assert_eq!(at("", "ConfigMap", "data.metadata"), Field::UNKNOWN);
    }
}
