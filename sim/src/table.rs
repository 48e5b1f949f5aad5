//! `meta.k8s.io/v1` Table rendering with the real columns of each kind, for `kubectl get`.
//!
//! CONTRACT: `columns(res)` gives the column definitions (name, type, format, description,
//! priority) kubectl's server-side printers use for that resource, or Name + "Created At" for
//! kinds without a printer; `cells(res, obj, now)` gives the row cells (strings / integers, Age
//! as kubectl's HumanDuration). `human_duration` formats a duration like apimachinery's
//! HumanDuration. `table(..)` assembles the whole Table response.
//!
//! The printers follow upstream `pkg/printers/internalversion/printers.go` (v1.33), the
//! apiserver's default table convertor, and metrics-server's convertor for `metrics.k8s.io`.
//! The real server always prints with `Wide: true`, so every row carries the priority-1 cells
//! too and kubectl drops them unless `-o wide` is given; we do the same.
//!
//! Objects are read as stored JSON. A field the real server always defaults on write
//! (`spec.replicas`, a Service's `type`, a port's `protocol`, ...) is read with that default,
//! so an object stored without it still prints as the real server would print it.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Map, Value};

use crate::registry::{self, ResourceId};

/// What each Table row embeds under `object` (the `includeObject` query parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeObject {
    /// `includeObject=None`: `"object": null`.
    None,
    /// The server default: a `PartialObjectMetadata` with the object's full metadata. kubectl's
    /// `-A` NAMESPACE column and `--show-labels` read it.
    Metadata,
    /// `includeObject=Object`: the full object.
    Object,
}

/// The column definitions the real server sends for `res`.
pub fn columns(res: ResourceId) -> Vec<Value> {
    printer(res).columns()
}

/// One row's cells for `obj`, relative to `now` for the age-like cells.
pub fn cells(res: ResourceId, obj: &Value, now: Timestamp) -> Vec<Value> {
    match printer(res) {
        Printer::Pod => pod_cells(obj, now),
        Printer::Deployment => deployment_cells(obj, now),
        Printer::ReplicaSet => replica_set_cells(obj, now),
        Printer::StatefulSet => stateful_set_cells(obj, now),
        Printer::DaemonSet => daemon_set_cells(obj, now),
        Printer::Job => job_cells(obj, now),
        Printer::CronJob => cron_job_cells(obj, now),
        Printer::Service => service_cells(obj, now),
        Printer::Endpoints => endpoints_cells(obj, now),
        Printer::ConfigMap => config_map_cells(obj, now),
        Printer::Secret => secret_cells(obj, now),
        Printer::ServiceAccount => service_account_cells(obj, now),
        Printer::Event => event_cells(obj, now),
        Printer::ResourceQuota => resource_quota_cells(obj, now),
        Printer::Namespace => namespace_cells(obj, now),
        Printer::Node => node_cells(obj, now),
        Printer::PersistentVolumeClaim => pvc_cells(obj, now),
        Printer::Ingress => ingress_cells(obj, now),
        Printer::NetworkPolicy => network_policy_cells(obj, now),
        Printer::PodDisruptionBudget => pdb_cells(obj, now),
        Printer::HorizontalPodAutoscaler => hpa_cells(obj, now),
        Printer::RoleBinding | Printer::ClusterRoleBinding => role_binding_cells(obj, now),
        Printer::PodMetrics => pod_metrics_cells(obj),
        Printer::NodeMetrics => node_metrics_cells(obj),
        Printer::Default => default_cells(obj),
    }
}

/// Formats a duration like apimachinery's `duration.HumanDuration` (the AGE column).
pub fn human_duration(d: std::time::Duration) -> String {
    human_signed(SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX))
}

/// A whole `meta.k8s.io/v1` Table for `rows` of resource `res`.
///
/// `with_column_definitions` is false for watch events after the first; the real server then
/// writes `"columnDefinitions": null` (the Go field has no `omitempty`). `resource_version`,
/// `continue_token` and `remaining` fill the list metadata and are left out when empty, as Go's
/// `omitempty` does; for a single-object GET the server uses the object's resourceVersion.
#[allow(clippy::too_many_arguments)]
pub fn table(
    res: ResourceId,
    rows: &[&Value],
    include_object: IncludeObject,
    with_column_definitions: bool,
    resource_version: &str,
    continue_token: Option<&str>,
    remaining: Option<u64>,
    now: Timestamp,
) -> Value {
    let p = printer(res);
    let mut metadata = Map::new();
    if !resource_version.is_empty() {
        metadata.insert("resourceVersion".into(), json!(resource_version));
    }
    if let Some(token) = continue_token.filter(|t| !t.is_empty()) {
        metadata.insert("continue".into(), json!(token));
    }
    if let Some(n) = remaining {
        metadata.insert("remainingItemCount".into(), json!(n));
    }
    // metrics-server only sets the columns while adding its first row.
    let definitions = if with_column_definitions && !(p.is_metrics() && rows.is_empty()) {
        Value::Array(p.columns())
    } else {
        Value::Null
    };
    // The printers start from an empty slice (`[]`); the default and metrics convertors
    // append to a nil one (`null`) and so leave it nil for an empty list.
    let rows = if rows.is_empty() && (p.is_metrics() || p == Printer::Default) {
        Value::Null
    } else {
        Value::Array(
            rows.iter()
                .map(|obj| table_row(res, obj, include_object, now))
                .collect(),
        )
    };
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": definitions,
        "rows": rows,
    })
}

/// One `TableRow`: cells, the printer's row conditions (omitted when none), and the embedded
/// object.
fn table_row(res: ResourceId, obj: &Value, include: IncludeObject, now: Timestamp) -> Value {
    let mut row = Map::new();
    row.insert("cells".into(), Value::Array(cells(res, obj, now)));
    if let Some(conditions) = row_conditions(res, obj) {
        row.insert("conditions".into(), conditions);
    }
    row.insert("object".into(), embedded_object(res, obj, include));
    Value::Object(row)
}

/// Finished pods carry a `Completed` row condition, which clients may use to dim or hide them.
fn row_conditions(res: ResourceId, obj: &Value) -> Option<Value> {
    if printer(res) != Printer::Pod {
        return None;
    }
    let (reason, message) = match str_at(obj, "status.phase") {
        "Succeeded" => ("Succeeded", "The pod has completed successfully."),
        "Failed" => ("Failed", "The pod failed."),
        _ => return None,
    };
    Some(json!([{
        "type": "Completed",
        "status": "True",
        "reason": reason,
        "message": message,
    }]))
}

fn embedded_object(res: ResourceId, obj: &Value, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
        }),
        IncludeObject::Object => with_type_meta(res, obj),
    }
}

/// The full object with `kind` and `apiVersion` first, as the server's conversion sets them
/// even when the stored copy lacks them.
fn with_type_meta(res: ResourceId, obj: &Value) -> Value {
    let def = registry::def(res);
    let mut out = Map::new();
    out.insert("kind".into(), json!(def.kind));
    out.insert("apiVersion".into(), json!(def.api_version()));
    if let Some(map) = obj.as_object() {
        for (k, v) in map {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------------
// Which printer serves a resource
// ---------------------------------------------------------------------------------------------

/// The upstream print handler behind a resource. Role, ClusterRole, LimitRange and the review
/// kinds have none upstream and get the apiserver's default convertor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Printer {
    Pod,
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    Service,
    Endpoints,
    ConfigMap,
    Secret,
    ServiceAccount,
    Event,
    ResourceQuota,
    Namespace,
    Node,
    PersistentVolumeClaim,
    Ingress,
    NetworkPolicy,
    PodDisruptionBudget,
    HorizontalPodAutoscaler,
    RoleBinding,
    ClusterRoleBinding,
    PodMetrics,
    NodeMetrics,
    Default,
}

fn printer(res: ResourceId) -> Printer {
    let def = registry::def(res);
    match (def.group, def.kind) {
        ("", "Pod") => Printer::Pod,
        ("apps", "Deployment") => Printer::Deployment,
        ("apps", "ReplicaSet") => Printer::ReplicaSet,
        ("apps", "StatefulSet") => Printer::StatefulSet,
        ("apps", "DaemonSet") => Printer::DaemonSet,
        ("batch", "Job") => Printer::Job,
        ("batch", "CronJob") => Printer::CronJob,
        ("", "Service") => Printer::Service,
        ("", "Endpoints") => Printer::Endpoints,
        ("", "ConfigMap") => Printer::ConfigMap,
        ("", "Secret") => Printer::Secret,
        ("", "ServiceAccount") => Printer::ServiceAccount,
        ("", "Event") => Printer::Event,
        ("", "ResourceQuota") => Printer::ResourceQuota,
        ("", "Namespace") => Printer::Namespace,
        ("", "Node") => Printer::Node,
        ("", "PersistentVolumeClaim") => Printer::PersistentVolumeClaim,
        ("networking.k8s.io", "Ingress") => Printer::Ingress,
        ("networking.k8s.io", "NetworkPolicy") => Printer::NetworkPolicy,
        ("policy", "PodDisruptionBudget") => Printer::PodDisruptionBudget,
        ("autoscaling", "HorizontalPodAutoscaler") => Printer::HorizontalPodAutoscaler,
        ("rbac.authorization.k8s.io", "RoleBinding") => Printer::RoleBinding,
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => Printer::ClusterRoleBinding,
        ("metrics.k8s.io", "PodMetrics") => Printer::PodMetrics,
        ("metrics.k8s.io", "NodeMetrics") => Printer::NodeMetrics,
        _ => Printer::Default,
    }
}

// ---------------------------------------------------------------------------------------------
// Column definitions
// ---------------------------------------------------------------------------------------------

/// A column shown by plain `kubectl get`.
fn col(name: &str, ty: &str, description: &str) -> Value {
    column(name, ty, "", description, 0)
}

/// A column shown only with `-o wide`.
fn wide(name: &str, ty: &str, description: &str) -> Value {
    column(name, ty, "", description, 1)
}

/// The `Name` column, marked `format: name` so clients know which column identifies the row.
fn name_col() -> Value {
    column("Name", "string", "name", desc::OBJECT_NAME, 0)
}

fn age_col() -> Value {
    col("Age", "string", desc::CREATION_TIMESTAMP)
}

fn column(name: &str, ty: &str, format: &str, description: &str, priority: i32) -> Value {
    json!({
        "name": name,
        "type": ty,
        "format": format,
        "description": description,
        "priority": priority,
    })
}

const CONTAINERS_DESC: &str = "Names of each container in the template.";
const IMAGES_DESC: &str = "Images referenced by each container in the template.";

fn containers_images_cols() -> [Value; 2] {
    [
        wide("Containers", "string", CONTAINERS_DESC),
        wide("Images", "string", IMAGES_DESC),
    ]
}

impl Printer {
    fn is_metrics(self) -> bool {
        matches!(self, Printer::PodMetrics | Printer::NodeMetrics)
    }

    fn columns(self) -> Vec<Value> {
        let [containers, images] = containers_images_cols();
        match self {
            Printer::Pod => vec![
                name_col(),
                col("Ready", "string", desc::POD_READY),
                col("Status", "string", desc::POD_STATUS),
                col("Restarts", "string", desc::POD_RESTARTS),
                age_col(),
                wide("IP", "string", desc::POD_IP),
                wide("Node", "string", desc::POD_NODE_NAME),
                wide("Nominated Node", "string", desc::POD_NOMINATED_NODE),
                wide("Readiness Gates", "string", desc::POD_READINESS_GATES),
            ],
            Printer::Deployment => vec![
                name_col(),
                col("Ready", "string", "Number of the pod with ready state"),
                col("Up-to-date", "string", desc::DEPLOY_UPDATED),
                col("Available", "string", desc::DEPLOY_AVAILABLE),
                age_col(),
                containers,
                images,
                wide("Selector", "string", desc::DEPLOY_SELECTOR),
            ],
            Printer::ReplicaSet => vec![
                name_col(),
                col("Desired", "integer", desc::RS_REPLICAS),
                col("Current", "integer", desc::RS_STATUS_REPLICAS),
                col("Ready", "integer", desc::RS_READY),
                age_col(),
                containers,
                images,
                wide("Selector", "string", desc::RS_SELECTOR),
            ],
            Printer::StatefulSet => vec![
                name_col(),
                col("Ready", "string", "Number of the pod with ready state"),
                age_col(),
                containers,
                images,
            ],
            Printer::DaemonSet => vec![
                name_col(),
                col("Desired", "integer", desc::DS_DESIRED),
                col("Current", "integer", desc::DS_CURRENT),
                col("Ready", "integer", desc::DS_READY),
                col("Up-to-date", "integer", desc::DS_UPDATED),
                col("Available", "integer", desc::DS_AVAILABLE),
                col("Node Selector", "string", desc::POD_NODE_SELECTOR),
                age_col(),
                containers,
                images,
                wide("Selector", "string", desc::DS_SELECTOR),
            ],
            Printer::Job => vec![
                name_col(),
                col("Status", "string", "Status of the job."),
                col("Completions", "string", desc::JOB_SUCCEEDED),
                col("Duration", "string", "Time required to complete the job."),
                age_col(),
                containers,
                images,
                wide("Selector", "string", desc::JOB_SELECTOR),
            ],
            Printer::CronJob => vec![
                name_col(),
                col("Schedule", "string", desc::CJ_SCHEDULE),
                col("Timezone", "string", desc::CJ_TIME_ZONE),
                col("Suspend", "boolean", desc::CJ_SUSPEND),
                col("Active", "integer", desc::CJ_ACTIVE),
                col("Last Schedule", "string", desc::CJ_LAST_SCHEDULE),
                age_col(),
                containers,
                images,
                wide("Selector", "string", desc::JOB_SELECTOR),
            ],
            Printer::Service => vec![
                name_col(),
                col("Type", "string", desc::SVC_TYPE),
                col("Cluster-IP", "string", desc::SVC_CLUSTER_IP),
                col("External-IP", "string", desc::SVC_EXTERNAL_IPS),
                col("Port(s)", "string", desc::SVC_PORTS),
                age_col(),
                wide("Selector", "string", desc::SVC_SELECTOR),
            ],
            Printer::Endpoints => vec![
                name_col(),
                col("Endpoints", "string", desc::EP_SUBSETS),
                age_col(),
            ],
            Printer::ConfigMap => vec![name_col(), col("Data", "string", desc::CM_DATA), age_col()],
            Printer::Secret => vec![
                name_col(),
                col("Type", "string", desc::SECRET_TYPE),
                col("Data", "string", desc::SECRET_DATA),
                age_col(),
            ],
            Printer::ServiceAccount => {
                vec![
                    name_col(),
                    col("Secrets", "string", desc::SA_SECRETS),
                    age_col(),
                ]
            }
            Printer::Event => vec![
                col("Last Seen", "string", desc::EV_LAST_TIMESTAMP),
                col("Type", "string", desc::EV_TYPE),
                col("Reason", "string", desc::EV_REASON),
                col("Object", "string", desc::EV_INVOLVED_OBJECT),
                wide("Subobject", "string", desc::EV_FIELD_PATH),
                wide("Source", "string", desc::EV_SOURCE),
                col("Message", "string", desc::EV_MESSAGE),
                wide("First Seen", "string", desc::EV_FIRST_TIMESTAMP),
                wide("Count", "string", desc::EV_COUNT),
                column("Name", "string", "name", desc::OBJECT_NAME, 1),
            ],
            Printer::ResourceQuota => vec![
                name_col(),
                col("Request", "string", desc::QUOTA_REQUEST),
                col("Limit", "string", desc::QUOTA_LIMIT),
                age_col(),
            ],
            Printer::Namespace => vec![
                name_col(),
                col("Status", "string", "The status of the namespace"),
                age_col(),
            ],
            Printer::Node => vec![
                name_col(),
                col("Status", "string", "The status of the node"),
                col("Roles", "string", "The roles of the node"),
                age_col(),
                col("Version", "string", desc::NODE_KUBELET_VERSION),
                wide("Internal-IP", "string", desc::NODE_ADDRESSES),
                wide("External-IP", "string", desc::NODE_ADDRESSES),
                wide("OS-Image", "string", desc::NODE_OS_IMAGE),
                wide("Kernel-Version", "string", desc::NODE_KERNEL_VERSION),
                wide("Container-Runtime", "string", desc::NODE_RUNTIME_VERSION),
            ],
            Printer::PersistentVolumeClaim => vec![
                name_col(),
                col("Status", "string", desc::PVC_PHASE),
                col("Volume", "string", desc::PVC_VOLUME_NAME),
                col("Capacity", "string", desc::PVC_CAPACITY),
                col("Access Modes", "string", desc::PVC_ACCESS_MODES),
                col("StorageClass", "string", "StorageClass of the pvc"),
                col(
                    "VolumeAttributesClass",
                    "string",
                    "VolumeAttributesClass of the pvc",
                ),
                age_col(),
                wide("VolumeMode", "string", desc::PVC_VOLUME_MODE),
            ],
            Printer::Ingress => vec![
                name_col(),
                col("Class", "string", desc::INGRESS_CLASS),
                col("Hosts", "string", desc::INGRESS_HOSTS),
                col("Address", "string", desc::INGRESS_ADDRESS),
                col("Ports", "string", "Ports of TLS configurations that open"),
                age_col(),
            ],
            Printer::NetworkPolicy => vec![
                name_col(),
                col("Pod-Selector", "string", desc::NP_POD_SELECTOR),
                age_col(),
            ],
            Printer::PodDisruptionBudget => vec![
                name_col(),
                col("Min Available", "string", desc::PDB_MIN_AVAILABLE),
                col("Max Unavailable", "string", desc::PDB_MAX_UNAVAILABLE),
                col(
                    "Allowed Disruptions",
                    "integer",
                    desc::PDB_ALLOWED_DISRUPTIONS,
                ),
                age_col(),
            ],
            Printer::HorizontalPodAutoscaler => vec![
                name_col(),
                col("Reference", "string", desc::HPA_TARGET_REF),
                col("Targets", "string", desc::HPA_METRICS),
                col("MinPods", "string", desc::HPA_MIN_REPLICAS),
                col("MaxPods", "string", desc::HPA_MAX_REPLICAS),
                col("Replicas", "string", desc::HPA_CURRENT_REPLICAS),
                age_col(),
            ],
            Printer::RoleBinding => role_binding_columns(desc::RB_ROLE_REF, "roleBinding"),
            Printer::ClusterRoleBinding => {
                role_binding_columns(desc::CRB_ROLE_REF, "clusterRoleBinding")
            }
            Printer::PodMetrics | Printer::NodeMetrics => metrics_columns(),
            Printer::Default => vec![
                name_col(),
                col("Created At", "date", desc::CREATION_TIMESTAMP),
            ],
        }
    }
}

/// RoleBinding and ClusterRoleBinding columns differ only in their descriptions.
fn role_binding_columns(role_ref: &str, kind: &str) -> Vec<Value> {
    vec![
        name_col(),
        col("Role", "string", role_ref),
        age_col(),
        wide("Users", "string", &format!("Users in the {kind}")),
        wide("Groups", "string", &format!("Groups in the {kind}")),
        wide(
            "ServiceAccounts",
            "string",
            &format!("ServiceAccounts in the {kind}"),
        ),
    ]
}

/// metrics-server names one quantity column per usage resource (sorted) of the first row. The
/// simulator's usage model always reports cpu and memory, so those are the columns.
fn metrics_columns() -> Vec<Value> {
    vec![
        column("Name", "string", "name", "Name of the resource", 0),
        column("cpu", "string", "quantity", "", 0),
        column("memory", "string", "quantity", "", 0),
        column("Window", "string", "duration", "", 0),
    ]
}

// ---------------------------------------------------------------------------------------------
// Small readers over stored JSON
// ---------------------------------------------------------------------------------------------

fn str_at<'a>(obj: &'a Value, path: &str) -> &'a str {
    crate::obj::path_str(obj, path)
}

fn int_at(obj: &Value, path: &str) -> i64 {
    crate::obj::path_i64(obj, path).unwrap_or(0)
}

fn array_at<'a>(obj: &'a Value, path: &str) -> &'a [Value] {
    crate::obj::path(obj, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn map_len(obj: &Value, path: &str) -> usize {
    crate::obj::path(obj, path)
        .and_then(Value::as_object)
        .map_or(0, Map::len)
}

fn name(obj: &Value) -> Value {
    json!(crate::obj::name(obj))
}

/// A `metav1.Time` / `MicroTime` field; absent, null or unparsable reads as Go's zero time.
fn time_at(obj: &Value, path: &str) -> Option<Timestamp> {
    str_at(obj, path).parse().ok()
}

/// `translateTimestampSince`: the HumanDuration since `t`, or `<unknown>` for the zero time.
fn since(t: Option<Timestamp>, now: Timestamp) -> String {
    match t {
        Some(t) => human_signed(now.duration_since(t)),
        None => "<unknown>".into(),
    }
}

fn age(obj: &Value, now: Timestamp) -> Value {
    json!(since(time_at(obj, "metadata.creationTimestamp"), now))
}

fn or_placeholder(s: &str, placeholder: &str) -> String {
    if s.is_empty() {
        placeholder.into()
    } else {
        s.into()
    }
}

/// `spec.replicas` of the apps kinds, which the server defaults to 1.
fn replicas(obj: &Value) -> i64 {
    crate::obj::path_i64(obj, "spec.replicas").unwrap_or(1)
}

/// `layoutContainerCells`: container names and images, comma-joined.
fn containers_and_images(containers: &[Value]) -> [Value; 2] {
    let names: Vec<&str> = containers.iter().map(|c| str_at(c, "name")).collect();
    let images: Vec<&str> = containers.iter().map(|c| str_at(c, "image")).collect();
    [json!(names.join(",")), json!(images.join(","))]
}

/// `labels.FormatLabels`: `k=v` pairs sorted by key, or `<none>`.
fn format_labels(map: Option<&Value>) -> String {
    let pairs: Vec<String> = map
        .and_then(Value::as_object)
        .map(|m| {
            let sorted: std::collections::BTreeMap<_, _> = m.iter().collect();
            sorted
                .into_iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    or_placeholder(&pairs.join(","), "<none>")
}

/// `metav1.FormatLabelSelector`: the selector string, `<none>` when it selects nothing or
/// everything, `<error>` when it is invalid.
fn format_label_selector(selector: Option<&Value>) -> String {
    match selector_string(selector) {
        Ok(s) => or_placeholder(&s, "<none>"),
        Err(()) => "<error>".into(),
    }
}

/// `LabelSelectorAsSelector(..).String()`: requirements sorted by key, `k=v`, `k in (a,b)`,
/// `k notin (a,b)`, `k`, `!k`; empty for a null or empty selector.
fn selector_string(selector: Option<&Value>) -> Result<String, ()> {
    let Some(sel) = selector.filter(|s| !s.is_null()) else {
        return Ok(String::new());
    };
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(labels) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in labels {
            reqs.push((k.clone(), format!("{k}={}", v.as_str().ok_or(())?)));
        }
    }
    for expr in array_at(sel, "matchExpressions") {
        let key = str_at(expr, "key");
        let mut values: Vec<&str> = array_at(expr, "values")
            .iter()
            .map(|v| v.as_str().unwrap_or(""))
            .collect();
        values.sort_unstable();
        let req = match (str_at(expr, "operator"), values.is_empty()) {
            ("In", false) => format!("{key} in ({})", values.join(",")),
            ("NotIn", false) => format!("{key} notin ({})", values.join(",")),
            ("Exists", true) => key.to_string(),
            ("DoesNotExist", true) => format!("!{key}"),
            _ => return Err(()),
        };
        reqs.push((key.to_string(), req));
    }
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(reqs
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Vec<_>>()
        .join(","))
}

/// A quantity cell as stored (the server stores quantities in canonical form), or Go's
/// `<nil>` for a nil `*Quantity`.
fn quantity(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "<nil>".into(),
    }
}

/// An `IntOrString` as Go's `String()` prints it.
fn int_or_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn condition<'a>(conditions: &'a [Value], ty: &str) -> Option<&'a Value> {
    conditions.iter().find(|c| str_at(c, "type") == ty)
}

fn condition_true(conditions: &[Value], ty: &str) -> bool {
    condition(conditions, ty).is_some_and(|c| str_at(c, "status") == "True")
}

// ---------------------------------------------------------------------------------------------
// HumanDuration
// ---------------------------------------------------------------------------------------------

/// apimachinery's `HumanDuration`: about two significant figures. Up to 2s in the future
/// (clock skew) reads as `0s`; further is `<invalid>`.
fn human_signed(d: SignedDuration) -> String {
    let seconds = d.as_secs();
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        return match seconds % 60 {
            0 => format!("{minutes}m"),
            s => format!("{minutes}m{s}s"),
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return match hours % 24 {
            0 => format!("{}d", hours / 24),
            h => format!("{}d{h}h", hours / 24),
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return match (hours / 24) % 365 {
            0 => format!("{}y", hours / 24 / 365),
            dy => format!("{}y{dy}d", hours / 24 / 365),
        };
    }
    format!("{}y", hours / 24 / 365)
}

// ---------------------------------------------------------------------------------------------
// Pods
// ---------------------------------------------------------------------------------------------

/// The running tally `printPod` keeps while walking container statuses.
#[derive(Default)]
struct Restarts {
    count: i64,
    last: Option<Timestamp>,
}

impl Restarts {
    /// Adds a status's restart count and remembers its last termination time.
    fn add(&mut self, status: &Value) {
        self.count += int_at(status, "restartCount");
        if let Some(finished) = time_at(status, "lastState.terminated.finishedAt") {
            self.last = Some(self.last.map_or(finished, |l| l.max(finished)));
        }
    }

    /// `3`, or `3 (5m ago)` when a restart time is known.
    fn cell(&self, now: Timestamp) -> String {
        match self.last {
            Some(last) if self.count != 0 => {
                format!("{} ({} ago)", self.count, since(Some(last), now))
            }
            _ => self.count.to_string(),
        }
    }
}

/// A sidecar is an init container with `restartPolicy: Always`; it counts towards READY and
/// keeps running after initialisation.
fn is_sidecar(init_specs: &[Value], container_name: &str) -> bool {
    init_specs
        .iter()
        .rev()
        .find(|c| str_at(c, "name") == container_name)
        .is_some_and(|c| str_at(c, "restartPolicy") == "Always")
}

fn terminated_reason(terminated: &Value, prefix: &str) -> String {
    let reason = str_at(terminated, "reason");
    if !reason.is_empty() {
        return format!("{prefix}{reason}");
    }
    match int_at(terminated, "signal") {
        0 => format!("{prefix}ExitCode:{}", int_at(terminated, "exitCode")),
        signal => format!("{prefix}Signal:{signal}"),
    }
}

/// `printPod`: READY counts ready containers (and started sidecars); STATUS is the most telling
/// reason among the pod reason, init container states (`Init:1/2`, `Init:CrashLoopBackOff`),
/// container states (`CrashLoopBackOff`, `ImagePullBackOff`, `Completed`), and deletion
/// (`Terminating`, or `Unknown` for a pod on a lost node).
fn pod_cells(pod: &Value, now: Timestamp) -> Vec<Value> {
    let phase = str_at(pod, "status.phase");
    let conditions = array_at(pod, "status.conditions");
    let init_specs = array_at(pod, "spec.initContainers");
    let mut reason = or_placeholder(str_at(pod, "status.reason"), phase);
    let gated = conditions
        .iter()
        .any(|c| str_at(c, "type") == "PodScheduled" && str_at(c, "reason") == "SchedulingGated");
    if gated {
        reason = "SchedulingGated".into();
    }

    let sidecar_count = init_specs
        .iter()
        .filter(|c| str_at(c, "restartPolicy") == "Always")
        .count();
    let total = array_at(pod, "spec.containers").len() + sidecar_count;
    let mut ready = 0;
    let mut restarts = Restarts::default();
    let mut sidecar_restarts = Restarts::default();
    let mut initializing = false;

    for (i, status) in array_at(pod, "status.initContainerStatuses")
        .iter()
        .enumerate()
    {
        restarts.add(status);
        let sidecar = is_sidecar(init_specs, str_at(status, "name"));
        if sidecar {
            sidecar_restarts.add(status);
        }
        let terminated = crate::obj::path(status, "state.terminated").filter(|t| t.is_object());
        let waiting_reason = str_at(status, "state.waiting.reason");
        if terminated.is_some_and(|t| int_at(t, "exitCode") == 0) {
            continue;
        }
        if sidecar && status.get("started").and_then(Value::as_bool) == Some(true) {
            if status.get("ready").and_then(Value::as_bool) == Some(true) {
                ready += 1;
            }
            continue;
        }
        reason = match terminated {
            Some(t) => terminated_reason(t, "Init:"),
            None if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" => {
                format!("Init:{waiting_reason}")
            }
            None => format!("Init:{i}/{}", init_specs.len()),
        };
        initializing = true;
        break;
    }

    if !initializing || condition_true(conditions, "Initialized") {
        restarts = sidecar_restarts;
        let mut has_running = false;
        // Walked backwards so the first container's state has the last word.
        for status in array_at(pod, "status.containerStatuses").iter().rev() {
            restarts.add(status);
            let waiting_reason = str_at(status, "state.waiting.reason");
            let terminated = crate::obj::path(status, "state.terminated").filter(|t| t.is_object());
            let running = crate::obj::path(status, "state.running").is_some_and(Value::is_object);
            let is_ready = status.get("ready").and_then(Value::as_bool) == Some(true);
            if !waiting_reason.is_empty() {
                reason = waiting_reason.into();
            } else if let Some(t) = terminated {
                reason = terminated_reason(t, "");
            } else if is_ready && running {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(conditions, "Ready") {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }

    if crate::obj::is_deleting(pod) {
        if str_at(pod, "status.reason") == "NodeLost" {
            reason = "Unknown".into();
        } else if phase != "Failed" && phase != "Succeeded" {
            reason = "Terminating".into();
        }
    }

    vec![
        name(pod),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts.cell(now)),
        age(pod, now),
        json!(or_placeholder(pod_ip(pod), "<none>")),
        json!(or_placeholder(str_at(pod, "spec.nodeName"), "<none>")),
        json!(or_placeholder(
            str_at(pod, "status.nominatedNodeName"),
            "<none>"
        )),
        json!(readiness_gates(pod)),
    ]
}

/// The pod's first IP: `status.podIP` wins over `status.podIPs[0]`, as in the v1 conversion.
fn pod_ip(pod: &Value) -> &str {
    let ip = str_at(pod, "status.podIP");
    if !ip.is_empty() {
        return ip;
    }
    array_at(pod, "status.podIPs")
        .first()
        .map_or("", |first| str_at(first, "ip"))
}

/// `true-gates/all-gates`, or `<none>` without readiness gates.
fn readiness_gates(pod: &Value) -> String {
    let gates = array_at(pod, "spec.readinessGates");
    if gates.is_empty() {
        return "<none>".into();
    }
    let conditions = array_at(pod, "status.conditions");
    let met = gates
        .iter()
        .filter(|g| condition_true(conditions, str_at(g, "conditionType")))
        .count();
    format!("{met}/{}", gates.len())
}

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

fn deployment_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let selector = match selector_string(crate::obj::path(obj, "spec.selector")) {
        Ok(s) => s,
        Err(()) => "<invalid>".into(),
    };
    let [containers, images] =
        containers_and_images(array_at(obj, "spec.template.spec.containers"));
    vec![
        name(obj),
        json!(format!(
            "{}/{}",
            int_at(obj, "status.readyReplicas"),
            replicas(obj)
        )),
        json!(int_at(obj, "status.updatedReplicas")),
        json!(int_at(obj, "status.availableReplicas")),
        age(obj, now),
        containers,
        images,
        json!(selector),
    ]
}

fn replica_set_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let [containers, images] =
        containers_and_images(array_at(obj, "spec.template.spec.containers"));
    vec![
        name(obj),
        json!(replicas(obj)),
        json!(int_at(obj, "status.replicas")),
        json!(int_at(obj, "status.readyReplicas")),
        age(obj, now),
        containers,
        images,
        json!(format_label_selector(crate::obj::path(
            obj,
            "spec.selector"
        ))),
    ]
}

fn stateful_set_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let [containers, images] =
        containers_and_images(array_at(obj, "spec.template.spec.containers"));
    vec![
        name(obj),
        json!(format!(
            "{}/{}",
            int_at(obj, "status.readyReplicas"),
            replicas(obj)
        )),
        age(obj, now),
        containers,
        images,
    ]
}

fn daemon_set_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let [containers, images] =
        containers_and_images(array_at(obj, "spec.template.spec.containers"));
    vec![
        name(obj),
        json!(int_at(obj, "status.desiredNumberScheduled")),
        json!(int_at(obj, "status.currentNumberScheduled")),
        json!(int_at(obj, "status.numberReady")),
        json!(int_at(obj, "status.updatedNumberScheduled")),
        json!(int_at(obj, "status.numberAvailable")),
        json!(format_labels(crate::obj::path(
            obj,
            "spec.template.spec.nodeSelector"
        ))),
        age(obj, now),
        containers,
        images,
        json!(format_label_selector(crate::obj::path(
            obj,
            "spec.selector"
        ))),
    ]
}

/// `printJob`: STATUS from the conditions (since 1.30), COMPLETIONS as `succeeded/completions`
/// (`n/1 of p` for a parallel job without completions), DURATION from start to completion or
/// to now.
fn job_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let succeeded = int_at(obj, "status.succeeded");
    let completions = match crate::obj::path_i64(obj, "spec.completions") {
        Some(c) => format!("{succeeded}/{c}"),
        None => match int_at(obj, "spec.parallelism") {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let duration = match (
        time_at(obj, "status.startTime"),
        time_at(obj, "status.completionTime"),
    ) {
        (None, _) => String::new(),
        (Some(start), None) => human_signed(now.duration_since(start)),
        (Some(start), Some(end)) => human_signed(end.duration_since(start)),
    };
    let [containers, images] =
        containers_and_images(array_at(obj, "spec.template.spec.containers"));
    vec![
        name(obj),
        json!(job_status(obj)),
        json!(completions),
        json!(duration),
        age(obj, now),
        containers,
        images,
        json!(format_label_selector(crate::obj::path(
            obj,
            "spec.selector"
        ))),
    ]
}

fn job_status(obj: &Value) -> &'static str {
    let conditions = array_at(obj, "status.conditions");
    if condition_true(conditions, "Complete") {
        "Complete"
    } else if condition_true(conditions, "Failed") {
        "Failed"
    } else if crate::obj::is_deleting(obj) {
        "Terminating"
    } else if condition_true(conditions, "Suspended") {
        "Suspended"
    } else if condition_true(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    }
}

fn cron_job_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let last_schedule = match crate::obj::path(obj, "status.lastScheduleTime") {
        Some(v) if !v.is_null() => since(time_at(obj, "status.lastScheduleTime"), now),
        _ => "<none>".into(),
    };
    // The server defaults `suspend` to false.
    let suspend = match crate::obj::path(obj, "spec.suspend").and_then(Value::as_bool) {
        Some(true) => "True",
        _ => "False",
    };
    let template = "spec.jobTemplate.spec.template.spec.containers";
    let [containers, images] = containers_and_images(array_at(obj, template));
    vec![
        name(obj),
        json!(str_at(obj, "spec.schedule")),
        json!(or_placeholder(str_at(obj, "spec.timeZone"), "<none>")),
        json!(suspend),
        json!(array_at(obj, "status.active").len()),
        json!(last_schedule),
        age(obj, now),
        containers,
        images,
        json!(format_label_selector(crate::obj::path(
            obj,
            "spec.jobTemplate.spec.selector"
        ))),
    ]
}

// ---------------------------------------------------------------------------------------------
// Services and networking
// ---------------------------------------------------------------------------------------------

/// `printService`. The server defaults `type` to ClusterIP and each port's protocol to TCP.
fn service_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let svc_type = or_placeholder(str_at(obj, "spec.type"), "ClusterIP");
    let ports: Vec<String> = array_at(obj, "spec.ports")
        .iter()
        .map(|p| {
            let protocol = or_placeholder(str_at(p, "protocol"), "TCP");
            match int_at(p, "nodePort") {
                n if n > 0 => format!("{}:{n}/{protocol}", int_at(p, "port")),
                _ => format!("{}/{protocol}", int_at(p, "port")),
            }
        })
        .collect();
    vec![
        name(obj),
        json!(svc_type),
        json!(or_placeholder(cluster_ip(obj), "<none>")),
        json!(service_external_ip(obj, &svc_type)),
        json!(or_placeholder(&ports.join(","), "<none>")),
        age(obj, now),
        json!(format_labels(crate::obj::path(obj, "spec.selector"))),
    ]
}

/// The primary cluster IP: `spec.clusterIP`, else `spec.clusterIPs[0]`.
fn cluster_ip(obj: &Value) -> &str {
    let ip = str_at(obj, "spec.clusterIP");
    if !ip.is_empty() {
        return ip;
    }
    array_at(obj, "spec.clusterIPs")
        .first()
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn service_external_ip(obj: &Value, svc_type: &str) -> String {
    let external: Vec<&str> = array_at(obj, "spec.externalIPs")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    match svc_type {
        "ClusterIP" | "NodePort" => or_placeholder(&external.join(","), "<none>"),
        "LoadBalancer" => {
            let lb = load_balancer_addresses(obj);
            if !external.is_empty() {
                let mut all: Vec<&str> = lb.iter().map(String::as_str).collect();
                all.extend(external);
                all.join(",")
            } else if !lb.is_empty() {
                lb.join(",")
            } else {
                "<pending>".into()
            }
        }
        "ExternalName" => str_at(obj, "spec.externalName").into(),
        _ => "<unknown>".into(),
    }
}

/// `status.loadBalancer.ingress` IPs (or hostnames), sorted and deduplicated. The server
/// prints wide, so the 16-character clipping of narrow output never applies.
fn load_balancer_addresses(obj: &Value) -> Vec<String> {
    let set: BTreeSet<&str> = array_at(obj, "status.loadBalancer.ingress")
        .iter()
        .map(|i| or_empty(str_at(i, "ip"), str_at(i, "hostname")))
        .filter(|a| !a.is_empty())
        .collect();
    set.into_iter().map(str::to_string).collect()
}

fn or_empty<'a>(first: &'a str, second: &'a str) -> &'a str {
    if first.is_empty() {
        second
    } else {
        first
    }
}

/// `formatEndpoints`: up to three `ip:port` (or bare IPs for port-less subsets), then
/// ` + N more...`; `<none>` without subsets.
fn endpoints_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![name(obj), json!(format_endpoints(obj)), age(obj, now)]
}

fn format_endpoints(obj: &Value) -> String {
    const MAX: usize = 3;
    let subsets = array_at(obj, "subsets");
    if subsets.is_empty() {
        return "<none>".into();
    }
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    for subset in subsets {
        let addresses = array_at(subset, "addresses");
        let ports = array_at(subset, "ports");
        // A headless service's subsets may have no ports: list bare IPs once.
        let port_numbers: Vec<Option<i64>> = if ports.is_empty() {
            vec![None]
        } else {
            ports.iter().map(|p| Some(int_at(p, "port"))).collect()
        };
        for port in port_numbers {
            count += addresses.len();
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                let ip = str_at(address, "ip");
                list.push(match port {
                    Some(port) => join_host_port(ip, port),
                    None => ip.to_string(),
                });
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

/// Go's `net.JoinHostPort`: IPv6 hosts are bracketed.
fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `printIngress`: CLASS, the first three HOSTS (`*` when none), ADDRESS from the load
/// balancer status, and PORTS `80` or `80, 443` with TLS.
fn ingress_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let ports = if array_at(obj, "spec.tls").is_empty() {
        "80"
    } else {
        "80, 443"
    };
    vec![
        name(obj),
        json!(or_placeholder(
            str_at(obj, "spec.ingressClassName"),
            "<none>"
        )),
        json!(ingress_hosts(array_at(obj, "spec.rules"))),
        json!(load_balancer_addresses(obj).join(",")),
        json!(ports),
        age(obj, now),
    ]
}

fn ingress_hosts(rules: &[Value]) -> String {
    const MAX: usize = 3;
    let mut list: Vec<&str> = Vec::new();
    let mut more = false;
    for rule in rules {
        if list.len() == MAX {
            more = true;
        }
        let host = str_at(rule, "host");
        if !more && !host.is_empty() {
            list.push(host);
        }
    }
    if list.is_empty() {
        return "*".into();
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", rules.len() - MAX)
    } else {
        joined
    }
}

fn network_policy_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj),
        json!(format_label_selector(crate::obj::path(
            obj,
            "spec.podSelector"
        ))),
        age(obj, now),
    ]
}

// ---------------------------------------------------------------------------------------------
// Configuration and accounts
// ---------------------------------------------------------------------------------------------

fn config_map_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let data = map_len(obj, "data") + map_len(obj, "binaryData");
    vec![name(obj), json!(data), age(obj, now)]
}

/// The server defaults a Secret's type to `Opaque`.
fn secret_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj),
        json!(or_placeholder(str_at(obj, "type"), "Opaque")),
        json!(map_len(obj, "data")),
        age(obj, now),
    ]
}

fn service_account_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj),
        json!(array_at(obj, "secrets").len()),
        age(obj, now),
    ]
}

fn role_binding_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut service_accounts = Vec::new();
    for subject in array_at(obj, "subjects") {
        let subject_name = str_at(subject, "name");
        match str_at(subject, "kind") {
            "ServiceAccount" => {
                service_accounts.push(format!("{}/{subject_name}", str_at(subject, "namespace")))
            }
            "User" => users.push(subject_name.to_string()),
            "Group" => groups.push(subject_name.to_string()),
            _ => {}
        }
    }
    vec![
        name(obj),
        json!(format!(
            "{}/{}",
            str_at(obj, "roleRef.kind"),
            str_at(obj, "roleRef.name")
        )),
        age(obj, now),
        json!(users.join(", ")),
        json!(groups.join(", ")),
        json!(service_accounts.join(", ")),
    ]
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/// `printEvent`: LAST SEEN falls back to the first sighting and then to `eventTime`; events of
/// the new API carry their count and last time in `series`.
fn event_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let first = match time_at(obj, "firstTimestamp") {
        Some(t) => since(Some(t), now),
        None => since(time_at(obj, "eventTime"), now),
    };
    let mut last = match time_at(obj, "lastTimestamp") {
        Some(t) => since(Some(t), now),
        None => first.clone(),
    };
    let mut count = int_at(obj, "count");
    match obj.get("series").filter(|s| s.is_object()) {
        Some(series) => {
            last = since(time_at(series, "lastObservedTime"), now);
            count = int_at(series, "count");
        }
        None if count == 0 => count = 1,
        None => {}
    }
    let kind = str_at(obj, "involvedObject.kind").to_lowercase();
    let involved_name = str_at(obj, "involvedObject.name");
    let target = if involved_name.is_empty() {
        kind
    } else {
        format!("{kind}/{involved_name}")
    };
    vec![
        json!(last),
        json!(str_at(obj, "type")),
        json!(str_at(obj, "reason")),
        json!(target),
        json!(str_at(obj, "involvedObject.fieldPath")),
        json!(event_source(obj)),
        json!(str_at(obj, "message").trim()),
        json!(first),
        json!(count),
        name(obj),
    ]
}

/// `component, host`, falling back to the new API's reporting controller and instance.
fn event_source(obj: &Value) -> String {
    let component = or_empty(
        str_at(obj, "source.component"),
        str_at(obj, "reportingComponent"),
    );
    let instance = or_empty(str_at(obj, "source.host"), str_at(obj, "reportingInstance"));
    if instance.is_empty() {
        component.into()
    } else {
        format!("{component}, {instance}")
    }
}

// ---------------------------------------------------------------------------------------------
// Cluster and storage
// ---------------------------------------------------------------------------------------------

/// `printResourceQuota`: `resource: used/hard` for each hard limit, sorted by name; the
/// `limits.*` ones go to LIMIT, the rest to REQUEST.
fn resource_quota_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let hard = crate::obj::path(obj, "status.hard").and_then(Value::as_object);
    let used = crate::obj::path(obj, "status.used");
    let mut resources: Vec<&String> = hard.map(|h| h.keys().collect()).unwrap_or_default();
    resources.sort();
    let mut requests = Vec::new();
    let mut limits = Vec::new();
    for resource in resources {
        let hard_qty = quantity(hard.and_then(|h| h.get(resource.as_str())));
        // A resource without usage yet prints Go's zero quantity.
        let used_qty = match used.and_then(|u| u.get(resource.as_str())) {
            Some(v) => quantity(Some(v)),
            None => "0".into(),
        };
        let entry = format!("{resource}: {used_qty}/{hard_qty}");
        if resource.split('.').count() > 1 && resource.starts_with("limits.") {
            limits.push(entry);
        } else {
            requests.push(entry);
        }
    }
    vec![
        name(obj),
        json!(requests.join(", ")),
        json!(limits.join(", ")),
        age(obj, now),
    ]
}

/// The server defaults a namespace's phase to `Active`.
fn namespace_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj),
        json!(or_placeholder(str_at(obj, "status.phase"), "Active")),
        age(obj, now),
    ]
}

/// `printNode`: STATUS from the Ready condition (`Unknown` without one) plus
/// `SchedulingDisabled` when cordoned; ROLES from `node-role.kubernetes.io/<role>` and
/// `kubernetes.io/role` labels.
fn node_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let conditions = array_at(obj, "status.conditions");
    // Upstream indexes conditions by type, so the last Ready condition counts.
    let ready = conditions
        .iter()
        .rev()
        .find(|c| str_at(c, "type") == "Ready");
    let mut status = vec![match ready {
        Some(c) if str_at(c, "status") == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }];
    if crate::obj::path(obj, "spec.unschedulable").and_then(Value::as_bool) == Some(true) {
        status.push("SchedulingDisabled");
    }
    let info = |field: &str| {
        json!(or_placeholder(
            str_at(obj, &format!("status.nodeInfo.{field}")),
            "<unknown>"
        ))
    };
    vec![
        name(obj),
        json!(status.join(",")),
        json!(or_placeholder(&node_roles(obj).join(","), "<none>")),
        age(obj, now),
        json!(str_at(obj, "status.nodeInfo.kubeletVersion")),
        json!(node_address(obj, "InternalIP")),
        json!(node_address(obj, "ExternalIP")),
        info("osImage"),
        info("kernelVersion"),
        info("containerRuntimeVersion"),
    ]
}

fn node_roles(obj: &Value) -> Vec<String> {
    let roles: BTreeSet<String> = crate::obj::labels(obj)
        .iter()
        .filter_map(|(key, value)| {
            if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
                Some(role.to_string())
            } else if key == "kubernetes.io/role" {
                value.as_str().map(str::to_string)
            } else {
                None
            }
        })
        .filter(|role| !role.is_empty())
        .collect();
    roles.into_iter().collect()
}

/// The node's first address of `ty`, or `<none>`.
fn node_address(obj: &Value, ty: &str) -> String {
    array_at(obj, "status.addresses")
        .iter()
        .find(|a| str_at(a, "type") == ty)
        .map_or_else(|| "<none>".into(), |a| str_at(a, "address").to_string())
}

/// `printPersistentVolumeClaim`. Capacity and access modes come from the status once the
/// claim is bound to a volume. The server defaults the phase to `Pending` and the volume mode
/// to `Filesystem`.
fn pvc_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let phase = if crate::obj::is_deleting(obj) {
        "Terminating".to_string()
    } else {
        or_placeholder(str_at(obj, "status.phase"), "Pending")
    };
    let volume = str_at(obj, "spec.volumeName");
    let (capacity, access_modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        let storage = crate::obj::path(obj, "status.capacity.storage");
        let capacity = storage.map_or_else(|| "0".into(), |s| quantity(Some(s)));
        (
            capacity,
            access_modes_string(array_at(obj, "status.accessModes")),
        )
    };
    let class = crate::obj::annotation(obj, "volume.beta.kubernetes.io/storage-class")
        .unwrap_or_else(|| str_at(obj, "spec.storageClassName"));
    vec![
        name(obj),
        json!(phase),
        json!(volume),
        json!(capacity),
        json!(access_modes),
        json!(class),
        json!(or_placeholder(
            str_at(obj, "spec.volumeAttributesClassName"),
            "<unset>"
        )),
        age(obj, now),
        json!(or_placeholder(str_at(obj, "spec.volumeMode"), "Filesystem")),
    ]
}

/// `GetAccessModesAsString`: the short names in a fixed order, each once.
fn access_modes_string(modes: &[Value]) -> String {
    let has = |mode: &str| modes.iter().any(|m| m.as_str() == Some(mode));
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| has(mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

// ---------------------------------------------------------------------------------------------
// Policy and autoscaling
// ---------------------------------------------------------------------------------------------

fn pdb_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let bound = |path: &str| {
        crate::obj::path(obj, path)
            .filter(|v| !v.is_null())
            .map_or_else(|| "N/A".into(), int_or_string)
    };
    vec![
        name(obj),
        json!(bound("spec.minAvailable")),
        json!(bound("spec.maxUnavailable")),
        json!(int_at(obj, "status.disruptionsAllowed")),
        age(obj, now),
    ]
}

/// `printHorizontalPodAutoscaler`. The server defaults `minReplicas` to 1.
fn hpa_cells(obj: &Value, now: Timestamp) -> Vec<Value> {
    let reference = format!(
        "{}/{}",
        str_at(obj, "spec.scaleTargetRef.kind"),
        str_at(obj, "spec.scaleTargetRef.name")
    );
    let min_pods = crate::obj::path_i64(obj, "spec.minReplicas").unwrap_or(1);
    vec![
        name(obj),
        json!(reference),
        json!(hpa_targets(
            array_at(obj, "spec.metrics"),
            array_at(obj, "status.currentMetrics")
        )),
        json!(min_pods.to_string()),
        json!(int_at(obj, "spec.maxReplicas")),
        json!(int_at(obj, "status.currentReplicas")),
        age(obj, now),
    ]
}

/// `formatHPAMetrics`: `current/target` per metric spec (paired with the status at the same
/// index), at most two, then ` + N more...`.
fn hpa_targets(specs: &[Value], statuses: &[Value]) -> String {
    const MAX: usize = 2;
    if specs.is_empty() {
        return "<none>".into();
    }
    let list: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| hpa_metric(spec, statuses.get(i)))
        .collect();
    if list.len() > MAX {
        format!("{} + {} more...", list[..MAX].join(", "), list.len() - MAX)
    } else {
        list.join(", ")
    }
}

fn hpa_metric(spec: &Value, status: Option<&Value>) -> String {
    let unknown = || "<unknown>".to_string();
    // The status block of the same source type, if the status at this index has one.
    let current = |source: &str| status.and_then(|s| s.get(source)).filter(|v| v.is_object());
    match str_at(spec, "type") {
        "External" | "Object" => {
            let source = if str_at(spec, "type") == "External" {
                "external"
            } else {
                "object"
            };
            let target = crate::obj::path(spec, &format!("{source}.target"));
            match target
                .and_then(|t| t.get("averageValue"))
                .filter(|v| !v.is_null())
            {
                Some(avg) => {
                    let now = current(source)
                        .and_then(|c| crate::obj::path(c, "current.averageValue"))
                        .map_or_else(unknown, |v| quantity(Some(v)));
                    format!("{now}/{} (avg)", quantity(Some(avg)))
                }
                None => {
                    let now = current(source)
                        .map_or_else(unknown, |c| quantity(crate::obj::path(c, "current.value")));
                    format!("{now}/{}", quantity(target.and_then(|t| t.get("value"))))
                }
            }
        }
        "Pods" => {
            let now = current("pods").map_or_else(unknown, |c| {
                quantity(crate::obj::path(c, "current.averageValue"))
            });
            let target = quantity(crate::obj::path(spec, "pods.target.averageValue"));
            format!("{now}/{target}")
        }
        "Resource" | "ContainerResource" => {
            let source = if str_at(spec, "type") == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let resource = str_at(spec, &format!("{source}.name"));
            let target = crate::obj::path(spec, &format!("{source}.target"));
            match target
                .and_then(|t| t.get("averageValue"))
                .filter(|v| !v.is_null())
            {
                Some(avg) => {
                    let now = current(source).map_or_else(unknown, |c| {
                        quantity(crate::obj::path(c, "current.averageValue"))
                    });
                    format!("{resource}: {now}/{}", quantity(Some(avg)))
                }
                None => {
                    let now = current(source)
                        .and_then(|c| crate::obj::path_i64(c, "current.averageUtilization"))
                        .map_or_else(unknown, |u| format!("{u}%"));
                    let goal = target
                        .and_then(|t| t.get("averageUtilization"))
                        .and_then(Value::as_i64)
                        .map_or_else(|| "<auto>".into(), |u| format!("{u}%"));
                    format!("{resource}: {now}/{goal}")
                }
            }
        }
        _ => "<unknown type>".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Metrics and the default convertor
// ---------------------------------------------------------------------------------------------

/// metrics-server's pod row: usage summed over containers, then the window.
fn pod_metrics_cells(obj: &Value) -> Vec<Value> {
    let containers = array_at(obj, "containers");
    let sum = |resource: &str| {
        let values: Vec<&Value> = containers
            .iter()
            .filter_map(|c| crate::obj::path(c, &format!("usage.{resource}")))
            .collect();
        usage_sum(&values, resource)
    };
    vec![
        name(obj),
        json!(sum("cpu")),
        json!(sum("memory")),
        window(obj),
    ]
}

fn node_metrics_cells(obj: &Value) -> Vec<Value> {
    let usage = |resource: &str| {
        let value = crate::obj::path(obj, &format!("usage.{resource}"));
        usage_sum(value.as_slice(), resource)
    };
    vec![
        name(obj),
        json!(usage("cpu")),
        json!(usage("memory")),
        window(obj),
    ]
}

/// Go's zero quantity for no usage; a single (already canonical) value as is; several added
/// up and printed in the canonical form metrics-server uses for that resource.
fn usage_sum(values: &[&Value], resource: &str) -> String {
    match values {
        [] => "0".into(),
        [one] => quantity(Some(one)),
        many => {
            let nanos: i128 = many
                .iter()
                .filter_map(|v| crate::quantity::Quantity::parse(&quantity(Some(v))).ok())
                .map(|q| q.nanos())
                .sum();
            if resource == "cpu" {
                crate::quantity::format_cpu_nanos(nanos)
            } else {
                crate::quantity::format_bytes(nanos / 1_000_000_000)
            }
        }
    }
}

/// The metrics window as stored: the JSON form of a `metav1.Duration` is already Go's
/// `Duration.String()`.
fn window(obj: &Value) -> Value {
    json!(or_placeholder(str_at(obj, "window"), "0s"))
}

/// The apiserver's default convertor: the name and the creation time in RFC 3339 (UTC,
/// seconds), Go's zero time when unset.
fn default_cells(obj: &Value) -> Vec<Value> {
    let created = time_at(obj, "metadata.creationTimestamp").map_or_else(
        || "0001-01-01T00:00:00Z".to_string(),
        |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    );
    vec![name(obj), json!(created)]
}

/// Column descriptions: the printers' own wording, and the API types' documentation as
/// published in the v1.33 OpenAPI schema (upstream reads the same text from SwaggerDoc).
mod desc {
    // The printers' own wording.
    pub const POD_READY: &str = "The aggregate readiness state of this pod for accepting traffic.";
    pub const POD_STATUS: &str = "The aggregate status of the containers in this pod.";
    pub const POD_RESTARTS: &str = "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.";
    pub const QUOTA_REQUEST: &str =
        "Request represents a minimum amount of cpu/memory that a container may consume.";
    pub const QUOTA_LIMIT: &str = "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.";
    pub const INGRESS_CLASS: &str =
        "The name of the IngressClass resource that should be used for additional configuration";
    pub const INGRESS_HOSTS: &str =
        "Hosts that incoming requests are matched against before the ingress rule";
    pub const INGRESS_ADDRESS: &str =
        "Address is a list containing ingress points for the load-balancer";
    pub const PDB_MIN_AVAILABLE: &str = "The minimum number of pods that must be available.";
    pub const PDB_MAX_UNAVAILABLE: &str = "The maximum number of pods that may be unavailable.";
    pub const PDB_ALLOWED_DISRUPTIONS: &str =
        "Calculated number of pods that may be disrupted at this time.";

    // From the API types' documentation.
    pub const OBJECT_NAME: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    pub const CREATION_TIMESTAMP: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
    pub const POD_IP: &str = "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.";
    pub const POD_NOMINATED_NODE: &str = "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.";
    pub const POD_NODE_NAME: &str = "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename";
    pub const POD_READINESS_GATES: &str = "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates";
    pub const POD_NODE_SELECTOR: &str = "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/";
    pub const RS_REPLICAS: &str = "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset";
    pub const RS_SELECTOR: &str = "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
    pub const RS_STATUS_REPLICAS: &str = "Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset";
    pub const RS_READY: &str =
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.";
    pub const DS_DESIRED: &str = "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/";
    pub const DS_CURRENT: &str = "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/";
    pub const DS_READY: &str = "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.";
    pub const DS_UPDATED: &str = "The total number of nodes that are running updated daemon pod";
    pub const DS_AVAILABLE: &str = "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)";
    pub const DS_SELECTOR: &str = "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
    pub const DEPLOY_UPDATED: &str = "Total number of non-terminating pods targeted by this deployment that have the desired template spec.";
    pub const DEPLOY_AVAILABLE: &str = "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.";
    pub const DEPLOY_SELECTOR: &str = "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.";
    pub const JOB_SUCCEEDED: &str = "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.";
    pub const JOB_SELECTOR: &str = "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
    pub const CJ_SCHEDULE: &str =
        "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.";
    pub const CJ_TIME_ZONE: &str = "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones";
    pub const CJ_SUSPEND: &str = "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.";
    pub const CJ_ACTIVE: &str = "A list of pointers to currently running jobs.";
    pub const CJ_LAST_SCHEDULE: &str =
        "Information when was the last time the job was successfully scheduled.";
    pub const SVC_TYPE: &str = "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types";
    pub const SVC_CLUSTER_IP: &str = "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies";
    pub const SVC_EXTERNAL_IPS: &str = "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.";
    pub const SVC_PORTS: &str = "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies";
    pub const SVC_SELECTOR: &str = "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/";
    pub const EP_SUBSETS: &str = "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.";
    pub const NODE_KUBELET_VERSION: &str = "Kubelet Version reported by the node.";
    pub const NODE_OS_IMAGE: &str =
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).";
    pub const NODE_KERNEL_VERSION: &str =
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).";
    pub const NODE_RUNTIME_VERSION: &str = "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).";
    pub const NODE_ADDRESSES: &str = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";
    pub const EV_LAST_TIMESTAMP: &str =
        "The time at which the most recent occurrence of this event was recorded.";
    pub const EV_TYPE: &str =
        "Type of this event (Normal, Warning), new types could be added in the future";
    pub const EV_REASON: &str = "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.";
    pub const EV_INVOLVED_OBJECT: &str = "The object that this event is about.";
    pub const EV_FIELD_PATH: &str = "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.";
    pub const EV_SOURCE: &str =
        "The component reporting this event. Should be a short machine understandable string.";
    pub const EV_MESSAGE: &str = "A human-readable description of the status of this operation.";
    pub const EV_FIRST_TIMESTAMP: &str =
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)";
    pub const EV_COUNT: &str = "The number of times this event has occurred.";
    pub const SECRET_TYPE: &str = "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types";
    pub const SECRET_DATA: &str = "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4";
    pub const SA_SECRETS: &str = "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret";
    pub const PVC_PHASE: &str = "phase represents the current phase of PersistentVolumeClaim.";
    pub const PVC_VOLUME_NAME: &str =
        "volumeName is the binding reference to the PersistentVolume backing this claim.";
    pub const PVC_CAPACITY: &str =
        "capacity represents the actual resources of the underlying volume.";
    pub const PVC_ACCESS_MODES: &str = "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1";
    pub const PVC_VOLUME_MODE: &str = "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.";
    pub const HPA_TARGET_REF: &str = "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.";
    pub const HPA_METRICS: &str = "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.";
    pub const HPA_MIN_REPLICAS: &str = "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.";
    pub const HPA_MAX_REPLICAS: &str = "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.";
    pub const HPA_CURRENT_REPLICAS: &str = "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.";
    pub const CM_DATA: &str = "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.";
    pub const NP_POD_SELECTOR: &str = "podSelector selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.";
    pub const RB_ROLE_REF: &str = "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.";
    pub const CRB_ROLE_REF: &str = "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::ids;
    use std::time::Duration;

    /// The fixed "now" every test renders against.
    fn now() -> Timestamp {
        "2025-06-01T12:00:00Z".parse().unwrap()
    }

    /// An RFC 3339 time `secs` seconds before `now()`.
    fn ago(secs: i64) -> String {
        (now() - SignedDuration::from_secs(secs))
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    fn res(group: &str, version: &str, plural: &str) -> ResourceId {
        registry::find(group, version, plural).unwrap()
    }

    fn row(res: ResourceId, obj: &Value) -> Value {
        Value::Array(cells(res, obj, now()))
    }

    fn meta(name: &str, created_secs_ago: i64) -> Value {
        json!({
            "name": name,
            "namespace": "default",
            "uid": "7a1c9c9e-0000-4000-8000-000000000001",
            "resourceVersion": "1042",
            "creationTimestamp": ago(created_secs_ago),
            "labels": {"app": name},
        })
    }

    fn column_names(res: ResourceId) -> Vec<String> {
        columns(res)
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    }

    // --- HumanDuration -------------------------------------------------------------------

    #[test]
    fn human_duration_follows_apimachinery_at_every_threshold() {
        let cases: &[(u64, &str)] = &[
            (0, "0s"),
            (1, "1s"),
            (119, "119s"),
            (120, "2m"),
            (121, "2m1s"),
            (599, "9m59s"),
            (600, "10m"),
            (601, "10m"),
            (3 * 3600 - 1, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 60, "3h1m"),
            (8 * 3600 - 1, "7h59m"),
            (8 * 3600, "8h"),
            (48 * 3600 - 1, "47h"),
            (48 * 3600, "2d"),
            (49 * 3600, "2d1h"),
            (8 * 86400 - 1, "7d23h"),
            (8 * 86400, "8d"),
            (2 * 365 * 86400 - 1, "729d"),
            (2 * 365 * 86400, "2y"),
            (2 * 365 * 86400 + 86400, "2y1d"),
            (8 * 365 * 86400 - 1, "7y364d"),
            (8 * 365 * 86400, "8y"),
            (100 * 365 * 86400, "100y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(Duration::from_secs(*secs)), *want, "{secs}s");
        }
        assert_eq!(human_duration(Duration::from_millis(119_999)), "119s");
        // Far beyond Go's ~292-year Duration range: still whole years, no overflow.
        assert!(human_duration(Duration::MAX).ends_with('y'));
    }

    #[test]
    fn times_slightly_in_the_future_read_as_now_and_further_as_invalid() {
        let future = |ms: i64| Some(now() + SignedDuration::from_millis(ms));
        assert_eq!(since(future(500), now()), "0s");
        assert_eq!(since(future(1_999), now()), "0s");
        assert_eq!(since(future(2_000), now()), "<invalid>");
        assert_eq!(since(None, now()), "<unknown>");
    }

    // --- Pods ----------------------------------------------------------------------------

    fn pod(status: Value) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta("web-7d4b9c5f6-x2x9k", 3600),
            "spec": {
                "nodeName": "node-1",
                "containers": [{"name": "nginx", "image": "nginx:1.27"}],
            },
            "status": status,
        })
    }

    fn running_container(restarts: i64) -> Value {
        json!({
            "name": "nginx", "image": "nginx:1.27", "ready": true, "started": true,
            "restartCount": restarts,
            "state": {"running": {"startedAt": ago(600)}},
        })
    }

    #[test]
    fn running_pod() {
        let p = pod(json!({
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "podIP": "10.244.1.5",
            "podIPs": [{"ip": "10.244.1.5"}],
            "containerStatuses": [running_container(0)],
        }));
        assert_eq!(
            row(ids::pods(), &p),
            json!([
                "web-7d4b9c5f6-x2x9k",
                "1/1",
                "Running",
                "0",
                "60m",
                "10.244.1.5",
                "node-1",
                "<none>",
                "<none>"
            ])
        );
        assert_eq!(row_conditions(ids::pods(), &p), None);
    }

    #[test]
    fn crash_looping_pod_shows_restarts_with_the_last_one() {
        let p = pod(json!({
            "phase": "Running",
            "podIPs": [{"ip": "10.244.1.6"}],
            "containerStatuses": [{
                "name": "nginx", "ready": false, "started": false, "restartCount": 5,
                "state": {"waiting": {"reason": "CrashLoopBackOff",
                    "message": "back-off 2m40s restarting failed container"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                    "startedAt": ago(95), "finishedAt": ago(90)}},
            }],
        }));
        assert_eq!(
            row(ids::pods(), &p),
            json!([
                "web-7d4b9c5f6-x2x9k",
                "0/1",
                "CrashLoopBackOff",
                "5 (90s ago)",
                "60m",
                "10.244.1.6",
                "node-1",
                "<none>",
                "<none>"
            ])
        );
    }

    #[test]
    fn image_pull_back_off_pod() {
        let p = pod(json!({
            "phase": "Pending",
            "containerStatuses": [{
                "name": "nginx", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff",
                    "message": "Back-off pulling image \"nginx:nope\""}},
            }],
        }));
        let cells = row(ids::pods(), &p);
        assert_eq!(cells[1], "0/1");
        assert_eq!(cells[2], "ImagePullBackOff");
        assert_eq!(cells[3], "0");
    }

    #[test]
    fn pending_unscheduled_pod_has_placeholders() {
        let mut p = pod(json!({
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}],
        }));
        p["spec"].as_object_mut().unwrap().remove("nodeName");
        assert_eq!(
            row(ids::pods(), &p),
            json!([
                "web-7d4b9c5f6-x2x9k",
                "0/1",
                "Pending",
                "0",
                "60m",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ])
        );
    }

    #[test]
    fn scheduling_gated_pod() {
        let p = pod(json!({
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}],
        }));
        assert_eq!(row(ids::pods(), &p)[2], "SchedulingGated");
    }

    #[test]
    fn deleted_pods_are_terminating_or_unknown_on_a_lost_node() {
        let mut p = pod(json!({
            "phase": "Running",
            "containerStatuses": [running_container(0)],
        }));
        p["metadata"]["deletionTimestamp"] = json!(ago(-30));
        assert_eq!(row(ids::pods(), &p)[2], "Terminating");

        p["status"]["reason"] = json!("NodeLost");
        assert_eq!(row(ids::pods(), &p)[2], "Unknown");

        // A finished pod keeps its final status while being deleted.
        let mut done = completed_pod();
        done["metadata"]["deletionTimestamp"] = json!(ago(-30));
        assert_eq!(row(ids::pods(), &done)[2], "Completed");
    }

    fn completed_pod() -> Value {
        pod(json!({
            "phase": "Succeeded",
            "conditions": [{"type": "Ready", "status": "False", "reason": "PodCompleted"}],
            "containerStatuses": [{
                "name": "nginx", "ready": false, "restartCount": 0,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                    "startedAt": ago(3500), "finishedAt": ago(3400)}},
            }],
        }))
    }

    #[test]
    fn completed_job_pod_carries_the_completed_row_condition() {
        let p = completed_pod();
        let cells = row(ids::pods(), &p);
        assert_eq!(cells[1], "0/1");
        assert_eq!(cells[2], "Completed");
        assert_eq!(cells[3], "0");
        assert_eq!(
            row_conditions(ids::pods(), &p),
            Some(
                json!([{"type": "Completed", "status": "True", "reason": "Succeeded",
                "message": "The pod has completed successfully."}])
            )
        );
        let mut failed = p.clone();
        failed["status"]["phase"] = json!("Failed");
        assert_eq!(
            row_conditions(ids::pods(), &failed).unwrap()[0]["message"],
            "The pod failed."
        );
    }

    #[test]
    fn terminated_container_without_reason_shows_exit_code_or_signal() {
        let mut p = pod(json!({
            "phase": "Running",
            "containerStatuses": [{"name": "nginx", "restartCount": 0,
                "state": {"terminated": {"exitCode": 137}}}],
        }));
        assert_eq!(row(ids::pods(), &p)[2], "ExitCode:137");
        p["status"]["containerStatuses"][0]["state"]["terminated"]["signal"] = json!(9);
        assert_eq!(row(ids::pods(), &p)[2], "Signal:9");
    }

    #[test]
    fn completed_container_next_to_a_running_one_reads_running_or_not_ready() {
        let mut p = pod(json!({
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {"name": "setup", "restartCount": 0,
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                running_container(0),
            ],
        }));
        p["spec"]["containers"] = json!([{"name": "setup"}, {"name": "nginx"}]);
        assert_eq!(row(ids::pods(), &p)[1], "1/2");
        assert_eq!(row(ids::pods(), &p)[2], "Running");
        p["status"]["conditions"][0]["status"] = json!("False");
        assert_eq!(row(ids::pods(), &p)[2], "NotReady");
    }

    fn pod_with_init(init_statuses: Value) -> Value {
        let mut p = pod(json!({
            "phase": "Pending",
            "conditions": [{"type": "Initialized", "status": "False"}],
            "initContainerStatuses": init_statuses,
            "containerStatuses": [{"name": "nginx", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "PodInitializing"}}}],
        }));
        p["spec"]["initContainers"] = json!([
            {"name": "migrate", "image": "migrate:1"},
            {"name": "warm", "image": "warm:1"},
        ]);
        p
    }

    #[test]
    fn init_container_progress_and_failures() {
        let done = json!({"name": "migrate", "restartCount": 0,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}});
        let running = json!({"name": "warm", "restartCount": 0,
            "state": {"running": {"startedAt": ago(10)}}});
        let p = pod_with_init(json!([done, running]));
        assert_eq!(row(ids::pods(), &p)[1], "0/1");
        assert_eq!(row(ids::pods(), &p)[2], "Init:1/2");

        let waiting = json!({"name": "migrate", "restartCount": 0,
            "state": {"waiting": {"reason": "PodInitializing"}}});
        assert_eq!(
            row(ids::pods(), &pod_with_init(json!([waiting])))[2],
            "Init:0/2"
        );

        let crashing = json!({"name": "migrate", "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                "finishedAt": ago(30)}}});
        let cells = row(ids::pods(), &pod_with_init(json!([crashing])));
        assert_eq!(cells[2], "Init:CrashLoopBackOff");
        // While initialising, init container restarts are what count.
        assert_eq!(cells[3], "3 (30s ago)");

        let failed = json!({"name": "migrate", "restartCount": 0,
            "state": {"terminated": {"exitCode": 1, "reason": "Error"}}});
        assert_eq!(
            row(ids::pods(), &pod_with_init(json!([failed])))[2],
            "Init:Error"
        );

        let no_reason = json!({"name": "migrate", "restartCount": 0,
            "state": {"terminated": {"exitCode": 2}}});
        assert_eq!(
            row(ids::pods(), &pod_with_init(json!([no_reason])))[2],
            "Init:ExitCode:2"
        );

        let signalled = json!({"name": "migrate", "restartCount": 0,
            "state": {"terminated": {"exitCode": 137, "signal": 9}}});
        assert_eq!(
            row(ids::pods(), &pod_with_init(json!([signalled])))[2],
            "Init:Signal:9"
        );
    }

    #[test]
    fn started_sidecar_counts_towards_ready_and_restarts() {
        let mut p = pod(json!({
            "phase": "Running",
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True"},
            ],
            "initContainerStatuses": [{"name": "proxy", "ready": true, "started": true,
                "restartCount": 2,
                "state": {"running": {"startedAt": ago(300)}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(301)}}}],
            "containerStatuses": [running_container(0)],
        }));
        p["spec"]["initContainers"] = json!([{"name": "proxy", "restartPolicy": "Always"}]);
        let cells = row(ids::pods(), &p);
        assert_eq!(cells[1], "2/2");
        assert_eq!(cells[2], "Running");
        assert_eq!(cells[3], "2 (5m1s ago)");
    }

    #[test]
    fn readiness_gates_count_true_conditions() {
        let mut p = pod(json!({
            "phase": "Running",
            "conditions": [{"type": "example.com/lb", "status": "True"}],
            "containerStatuses": [running_container(1)],
        }));
        p["spec"]["readinessGates"] =
            json!([{"conditionType": "example.com/lb"}, {"conditionType": "example.com/dns"}]);
        let cells = row(ids::pods(), &p);
        assert_eq!(cells[8], "1/2");
        // A restart without a recorded termination time shows the bare count.
        assert_eq!(cells[3], "1");
    }

    #[test]
    fn pod_ip_comes_from_pod_ips_when_pod_ip_is_absent() {
        let p = pod(json!({"phase": "Running", "podIPs": [{"ip": "fd00::5"}, {"ip": "10.0.0.5"}]}));
        assert_eq!(row(ids::pods(), &p)[5], "fd00::5");
    }

    // --- Workloads -----------------------------------------------------------------------

    fn template() -> Value {
        json!({
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [
                {"name": "nginx", "image": "nginx:1.27"},
                {"name": "exporter", "image": "nginx/exporter:1.4"},
            ]},
        })
    }

    #[test]
    fn deployment_mid_rollout() {
        let d = json!({
            "metadata": meta("web", 4 * 3600),
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": template()},
            "status": {"replicas": 4, "updatedReplicas": 1, "readyReplicas": 2,
                "availableReplicas": 2, "unavailableReplicas": 2},
        });
        assert_eq!(
            row(ids::deployments(), &d),
            json!([
                "web",
                "2/3",
                1,
                2,
                "4h",
                "nginx,exporter",
                "nginx:1.27,nginx/exporter:1.4",
                "app=web"
            ])
        );
        let mut no_replicas = d.clone();
        no_replicas["spec"]
            .as_object_mut()
            .unwrap()
            .remove("replicas");
        assert_eq!(row(ids::deployments(), &no_replicas)[1], "2/1");
        let mut bad = d.clone();
        bad["spec"]["selector"] = json!({"matchExpressions": [{"key": "app", "operator": "Near"}]});
        assert_eq!(row(ids::deployments(), &bad)[7], "<invalid>");
    }

    #[test]
    fn replica_set_stateful_set_and_daemon_set() {
        let rs = json!({
            "metadata": meta("web-7d4b9c5f6", 600),
            "spec": {"replicas": 3, "template": template(), "selector": {
                "matchLabels": {"app": "web", "pod-template-hash": "7d4b9c5f6"}}},
            "status": {"replicas": 3, "readyReplicas": 2},
        });
        assert_eq!(
            row(ids::replicasets(), &rs),
            json!([
                "web-7d4b9c5f6",
                3,
                3,
                2,
                "10m",
                "nginx,exporter",
                "nginx:1.27,nginx/exporter:1.4",
                "app=web,pod-template-hash=7d4b9c5f6"
            ])
        );

        let sts = json!({
            "metadata": meta("db", 86400 * 3),
            "spec": {"replicas": 3, "template": template()},
            "status": {"replicas": 3, "readyReplicas": 1},
        });
        assert_eq!(
            row(ids::statefulsets(), &sts),
            json!([
                "db",
                "1/3",
                "3d",
                "nginx,exporter",
                "nginx:1.27,nginx/exporter:1.4"
            ])
        );

        let mut ds_template = template();
        ds_template["spec"]["nodeSelector"] = json!({"kubernetes.io/os": "linux", "disk": "ssd"});
        let ds = json!({
            "metadata": meta("agent", 45),
            "spec": {"template": ds_template, "selector": {"matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["node", "edge"]},
                {"key": "app", "operator": "Exists"}]}},
            "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3,
                "numberReady": 2, "updatedNumberScheduled": 3, "numberAvailable": 2},
        });
        assert_eq!(
            row(ids::daemonsets(), &ds),
            json!([
                "agent",
                3,
                3,
                2,
                3,
                2,
                "disk=ssd,kubernetes.io/os=linux",
                "45s",
                "nginx,exporter",
                "nginx:1.27,nginx/exporter:1.4",
                "app,tier in (edge,node)"
            ])
        );
    }

    fn job(status: Value) -> Value {
        json!({
            "metadata": meta("backup-29145600", 900),
            "spec": {"completions": 1, "parallelism": 1, "template": template(),
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "abc"}}},
            "status": status,
        })
    }

    #[test]
    fn jobs_running_complete_failed_and_parallel() {
        let running = job(json!({"startTime": ago(125), "active": 1}));
        assert_eq!(
            row(ids::jobs(), &running),
            json!([
                "backup-29145600",
                "Running",
                "0/1",
                "2m5s",
                "15m",
                "nginx,exporter",
                "nginx:1.27,nginx/exporter:1.4",
                "batch.kubernetes.io/controller-uid=abc"
            ])
        );

        let complete = job(json!({"startTime": ago(800), "completionTime": ago(770),
            "succeeded": 1,
            "conditions": [{"type": "SuccessCriteriaMet", "status": "True"},
                {"type": "Complete", "status": "True"}]}));
        let cells = row(ids::jobs(), &complete);
        assert_eq!(
            (&cells[1], &cells[2], &cells[3]),
            (&json!("Complete"), &json!("1/1"), &json!("30s"))
        );

        let failed = job(json!({"startTime": ago(800), "failed": 6,
            "conditions": [{"type": "FailureTarget", "status": "True"},
                {"type": "Failed", "status": "True"}]}));
        assert_eq!(row(ids::jobs(), &failed)[1], "Failed");

        let suspended = job(json!({"conditions": [{"type": "Suspended", "status": "True"}]}));
        let cells = row(ids::jobs(), &suspended);
        assert_eq!((&cells[1], &cells[3]), (&json!("Suspended"), &json!("")));

        let mut parallel = job(json!({"succeeded": 0}));
        parallel["spec"] = json!({"parallelism": 3, "template": template()});
        let cells = row(ids::jobs(), &parallel);
        assert_eq!(
            (&cells[2], &cells[7]),
            (&json!("0/1 of 3"), &json!("<none>"))
        );
    }

    #[test]
    fn cron_job() {
        let cj = json!({
            "metadata": meta("backup", 86400 * 10),
            "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": template()}}},
            "status": {"active": [{"kind": "Job", "name": "backup-29145600"}],
                "lastScheduleTime": ago(900)},
        });
        assert_eq!(
            row(ids::cronjobs(), &cj),
            json!([
                "backup",
                "0 * * * *",
                "<none>",
                "False",
                1,
                "15m",
                "10d",
                "nginx,exporter",
                "nginx:1.27,nginx/exporter:1.4",
                "<none>"
            ])
        );
        let mut suspended = cj.clone();
        suspended["spec"]["suspend"] = json!(true);
        suspended["spec"]["timeZone"] = json!("Etc/UTC");
        suspended["status"] = json!({});
        let cells = row(ids::cronjobs(), &suspended);
        assert_eq!(
            (&cells[2], &cells[3], &cells[4], &cells[5]),
            (
                &json!("Etc/UTC"),
                &json!("True"),
                &json!(0),
                &json!("<none>")
            )
        );
    }

    // --- Services and networking ---------------------------------------------------------

    fn service(spec: Value, status: Value) -> Value {
        json!({"metadata": meta("web", 300), "spec": spec, "status": status})
    }

    #[test]
    fn cluster_ip_service() {
        let svc = service(
            json!({"type": "ClusterIP", "clusterIP": "10.96.12.7", "clusterIPs": ["10.96.12.7"],
                "selector": {"app": "web", "tier": "frontend"},
                "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080},
                    {"name": "dns", "port": 53, "protocol": "UDP"}]}),
            json!({"loadBalancer": {}}),
        );
        assert_eq!(
            row(ids::services(), &svc),
            json!([
                "web",
                "ClusterIP",
                "10.96.12.7",
                "<none>",
                "80/TCP,53/UDP",
                "5m",
                "app=web,tier=frontend"
            ])
        );
        // Type and protocol take the server's defaults; no ports and no selector are <none>.
        let bare = service(json!({"clusterIP": "10.96.0.1"}), json!({}));
        assert_eq!(
            row(ids::services(), &bare),
            json!([
                "web",
                "ClusterIP",
                "10.96.0.1",
                "<none>",
                "<none>",
                "5m",
                "<none>"
            ])
        );
        let headless = service(
            json!({"clusterIP": "None", "ports": [{"port": 5432}], "externalIPs": ["192.0.2.1"]}),
            json!({}),
        );
        let cells = row(ids::services(), &headless);
        assert_eq!(
            (&cells[2], &cells[3], &cells[4]),
            (&json!("None"), &json!("192.0.2.1"), &json!("5432/TCP"))
        );
    }

    #[test]
    fn load_balancer_and_other_service_types() {
        let spec = json!({"type": "LoadBalancer", "clusterIP": "10.96.40.2",
            "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP"}]});
        let pending = service(spec.clone(), json!({"loadBalancer": {}}));
        assert_eq!(
            row(ids::services(), &pending),
            json!([
                "web",
                "LoadBalancer",
                "10.96.40.2",
                "<pending>",
                "443:31443/TCP",
                "5m",
                "<none>"
            ])
        );
        let ready = service(
            spec.clone(),
            json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.9"},
                {"hostname": "a1b2.elb.example.com"}, {"ip": "203.0.113.10"}]}}),
        );
        assert_eq!(
            row(ids::services(), &ready)[3],
            "203.0.113.10,203.0.113.9,a1b2.elb.example.com"
        );
        let mut with_external = ready.clone();
        with_external["spec"]["externalIPs"] = json!(["198.51.100.1"]);
        assert_eq!(
            row(ids::services(), &with_external)[3],
            "203.0.113.10,203.0.113.9,a1b2.elb.example.com,198.51.100.1"
        );
        let external_name = service(
            json!({"type": "ExternalName", "externalName": "db.example.com"}),
            json!({}),
        );
        let cells = row(ids::services(), &external_name);
        assert_eq!(
            (&cells[2], &cells[3]),
            (&json!("<none>"), &json!("db.example.com"))
        );
        let node_port = service(
            json!({"type": "NodePort", "clusterIP": "10.96.1.1",
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}),
            json!({}),
        );
        let cells = row(ids::services(), &node_port);
        assert_eq!(
            (&cells[3], &cells[4]),
            (&json!("<none>"), &json!("80:30080/TCP"))
        );
        let odd = service(json!({"type": "Weird"}), json!({}));
        assert_eq!(row(ids::services(), &odd)[3], "<unknown>");
    }

    #[test]
    fn endpoints_list_three_then_count_the_rest() {
        let addresses =
            |ips: &[&str]| -> Value { ips.iter().map(|ip| json!({"ip": ip})).collect() };
        let ep = json!({
            "metadata": meta("web", 300),
            "subsets": [{
                "addresses": addresses(&["10.244.1.5", "10.244.2.7", "10.244.3.2", "10.244.1.9"]),
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            }],
        });
        assert_eq!(
            row(ids::endpoints(), &ep),
            json!([
                "web",
                "10.244.1.5:8080,10.244.2.7:8080,10.244.3.2:8080 + 1 more...",
                "5m"
            ])
        );
        let two_ports = json!({"metadata": meta("web", 300), "subsets": [{
            "addresses": addresses(&["10.244.1.5", "fd00::7"]),
            "ports": [{"port": 80}, {"port": 443}]}]});
        assert_eq!(
            row(ids::endpoints(), &two_ports)[1],
            "10.244.1.5:80,[fd00::7]:80,10.244.1.5:443 + 1 more..."
        );
        let headless = json!({"metadata": meta("db", 300), "subsets": [{
            "addresses": addresses(&["10.244.1.5", "10.244.2.6"])}]});
        assert_eq!(row(ids::endpoints(), &headless)[1], "10.244.1.5,10.244.2.6");
        let empty = json!({"metadata": meta("web", 300)});
        assert_eq!(row(ids::endpoints(), &empty)[1], "<none>");
    }

    #[test]
    fn ingress_hosts_address_and_ports() {
        let ing = json!({
            "metadata": meta("web", 600),
            "spec": {"ingressClassName": "nginx",
                "rules": [{"host": "a.example.com"}, {"host": "b.example.com"},
                    {}, {"host": "c.example.com"}, {"host": "d.example.com"}],
                "tls": [{"hosts": ["a.example.com"], "secretName": "tls"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.20"}]}},
        });
        assert_eq!(
            row(ids::ingresses(), &ing),
            json!([
                "web",
                "nginx",
                "a.example.com,b.example.com,c.example.com + 2 more...",
                "203.0.113.20",
                "80, 443",
                "10m"
            ])
        );
        let catch_all = json!({"metadata": meta("web", 600), "spec": {"defaultBackend": {}}});
        assert_eq!(
            row(ids::ingresses(), &catch_all),
            json!(["web", "<none>", "*", "", "80", "10m"])
        );
    }

    #[test]
    fn network_policy_pod_selector() {
        let np = json!({"metadata": meta("deny-all", 60), "spec": {"podSelector": {},
            "policyTypes": ["Ingress"]}});
        assert_eq!(
            row(ids::networkpolicies(), &np),
            json!(["deny-all", "<none>", "60s"])
        );
        let web = json!({"metadata": meta("web", 60), "spec": {"podSelector": {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod", "dev"]},
                {"key": "canary", "operator": "DoesNotExist"}]}}});
        assert_eq!(
            row(ids::networkpolicies(), &web)[1],
            "app=web,!canary,env notin (dev,prod)"
        );
    }

    // --- Configuration and accounts ------------------------------------------------------

    #[test]
    fn config_maps_secrets_and_service_accounts_count_their_entries() {
        let cm = json!({"metadata": meta("settings", 20),
            "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AAE="}});
        assert_eq!(row(ids::configmaps(), &cm), json!(["settings", 3, "20s"]));

        let secret = json!({"metadata": meta("tls", 20), "type": "kubernetes.io/tls",
            "data": {"tls.crt": "LS0t", "tls.key": "LS0t"}});
        assert_eq!(
            row(ids::secrets(), &secret),
            json!(["tls", "kubernetes.io/tls", 2, "20s"])
        );
        let opaque = json!({"metadata": meta("creds", 20)});
        assert_eq!(
            row(ids::secrets(), &opaque),
            json!(["creds", "Opaque", 0, "20s"])
        );

        let sa = json!({"metadata": meta("default", 20)});
        assert_eq!(
            row(ids::serviceaccounts(), &sa),
            json!(["default", 0, "20s"])
        );
    }

    #[test]
    fn role_bindings_list_subjects_by_kind() {
        let rb = json!({
            "metadata": meta("edit-team", 120),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [
                {"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"},
                {"kind": "Group", "name": "devs"},
                {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"},
            ],
        });
        let want = json!([
            "edit-team",
            "ClusterRole/edit",
            "2m",
            "alice, bob",
            "devs",
            "tools/ci"
        ]);
        assert_eq!(
            row(res("rbac.authorization.k8s.io", "v1", "rolebindings"), &rb),
            want
        );
        let crb = res("rbac.authorization.k8s.io", "v1", "clusterrolebindings");
        assert_eq!(row(crb, &rb), want);
        assert_eq!(
            columns(crb)[3]["description"],
            "Users in the clusterRoleBinding"
        );
    }

    // --- Events --------------------------------------------------------------------------

    #[test]
    fn core_event_row() {
        let ev = json!({
            "metadata": {"name": "web-7d4b9c5f6-x2x9k.17f0a1b2c3d4e5f6", "namespace": "default",
                "creationTimestamp": ago(400)},
            "involvedObject": {"kind": "Pod", "name": "web-7d4b9c5f6-x2x9k", "namespace": "default",
                "fieldPath": "spec.containers{nginx}"},
            "reason": "BackOff", "type": "Warning",
            "message": "Back-off restarting failed container nginx\n",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": ago(400), "lastTimestamp": ago(30), "count": 7,
        });
        assert_eq!(
            row(ids::events(), &ev),
            json!([
                "30s",
                "Warning",
                "BackOff",
                "pod/web-7d4b9c5f6-x2x9k",
                "spec.containers{nginx}",
                "kubelet, node-1",
                "Back-off restarting failed container nginx",
                "6m40s",
                7,
                "web-7d4b9c5f6-x2x9k.17f0a1b2c3d4e5f6"
            ])
        );
        assert_eq!(
            column_names(ids::events()),
            [
                "Last Seen",
                "Type",
                "Reason",
                "Object",
                "Subobject",
                "Source",
                "Message",
                "First Seen",
                "Count",
                "Name"
            ]
        );
    }

    #[test]
    fn new_api_events_use_event_time_series_and_reporting_controller() {
        let ev = json!({
            "metadata": {"name": "web.1", "namespace": "default"},
            "involvedObject": {"kind": "Deployment"},
            "reason": "ScalingReplicaSet", "type": "Normal", "message": "Scaled up",
            "eventTime": "2025-06-01T11:57:59.500000Z",
            "reportingComponent": "deployment-controller",
            "reportingInstance": "kube-controller-manager-cp-1",
        });
        assert_eq!(
            row(ids::events(), &ev),
            json!([
                "2m",
                "Normal",
                "ScalingReplicaSet",
                "deployment",
                "",
                "deployment-controller, kube-controller-manager-cp-1",
                "Scaled up",
                "2m",
                1,
                "web.1"
            ])
        );
        let mut series = ev.clone();
        series["series"] = json!({"count": 4, "lastObservedTime": ago(5)});
        let cells = row(ids::events(), &series);
        assert_eq!((&cells[0], &cells[8]), (&json!("5s"), &json!(4)));
        let bare = json!({"metadata": {"name": "x"}});
        let cells = row(ids::events(), &bare);
        assert_eq!(
            (&cells[0], &cells[7], &cells[8]),
            (&json!("<unknown>"), &json!("<unknown>"), &json!(1))
        );
    }

    // --- Cluster and storage -------------------------------------------------------------

    #[test]
    fn resource_quota_splits_requests_and_limits() {
        let quota = json!({
            "metadata": meta("compute", 3600 * 5),
            "spec": {"hard": {"pods": "10", "requests.cpu": "4", "limits.memory": "8Gi"}},
            "status": {
                "hard": {"pods": "10", "requests.cpu": "4", "requests.memory": "4Gi",
                    "limits.memory": "8Gi", "limits.cpu": "8"},
                "used": {"pods": "1", "requests.cpu": "500m", "requests.memory": "128Mi",
                    "limits.cpu": "1"},
            },
        });
        assert_eq!(
            row(ids::resourcequotas(), &quota),
            json!([
                "compute",
                "pods: 1/10, requests.cpu: 500m/4, requests.memory: 128Mi/4Gi",
                "limits.cpu: 1/8, limits.memory: 0/8Gi",
                "5h"
            ])
        );
        let fresh = json!({"metadata": meta("compute", 5), "spec": {"hard": {"pods": "10"}}});
        assert_eq!(
            row(ids::resourcequotas(), &fresh),
            json!(["compute", "", "", "5s"])
        );
    }

    #[test]
    fn namespaces() {
        let ns = json!({"metadata": {"name": "team-a", "creationTimestamp": ago(86400 * 40)},
            "status": {"phase": "Terminating"}});
        assert_eq!(
            row(ids::namespaces(), &ns),
            json!(["team-a", "Terminating", "40d"])
        );
        let fresh = json!({"metadata": {"name": "team-b", "creationTimestamp": ago(5)}});
        assert_eq!(
            row(ids::namespaces(), &fresh),
            json!(["team-b", "Active", "5s"])
        );
    }

    fn node(labels: Value, conditions: Value) -> Value {
        json!({
            "metadata": {"name": "cp-1", "creationTimestamp": ago(86400 * 3 + 3600 * 4),
                "labels": labels},
            "spec": {},
            "status": {
                "conditions": conditions,
                "addresses": [{"type": "InternalIP", "address": "172.18.0.2"},
                    {"type": "Hostname", "address": "cp-1"}],
                "nodeInfo": {"kubeletVersion": "v1.33.1", "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "kernelVersion": "6.1.0-21-amd64", "containerRuntimeVersion": "containerd://1.7.18"},
            },
        })
    }

    #[test]
    fn node_with_roles() {
        let n = node(
            json!({"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/etcd": "",
                "kubernetes.io/role": "master", "kubernetes.io/hostname": "cp-1"}),
            json!([{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}]),
        );
        assert_eq!(
            row(ids::nodes(), &n),
            json!([
                "cp-1",
                "Ready",
                "control-plane,etcd,master",
                "3d4h",
                "v1.33.1",
                "172.18.0.2",
                "<none>",
                "Debian GNU/Linux 12 (bookworm)",
                "6.1.0-21-amd64",
                "containerd://1.7.18"
            ])
        );
    }

    #[test]
    fn node_status_variants() {
        let mut cordoned = node(json!({}), json!([{"type": "Ready", "status": "Unknown"}]));
        cordoned["spec"]["unschedulable"] = json!(true);
        let cells = row(ids::nodes(), &cordoned);
        assert_eq!(
            (&cells[1], &cells[2]),
            (&json!("NotReady,SchedulingDisabled"), &json!("<none>"))
        );

        let mut blank = node(json!({}), json!([]));
        blank["status"]["nodeInfo"] = json!({});
        assert_eq!(
            row(ids::nodes(), &blank),
            json!([
                "cp-1",
                "Unknown",
                "<none>",
                "3d4h",
                "",
                "172.18.0.2",
                "<none>",
                "<unknown>",
                "<unknown>",
                "<unknown>"
            ])
        );
    }

    #[test]
    fn persistent_volume_claims_bound_pending_and_terminating() {
        let bound = json!({
            "metadata": meta("data", 600),
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                "volumeName": "pvc-1f2e", "resources": {"requests": {"storage": "1Gi"}}},
            "status": {"phase": "Bound", "capacity": {"storage": "2Gi"},
                "accessModes": ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"]},
        });
        assert_eq!(
            row(ids::persistentvolumeclaims(), &bound),
            json!([
                "data",
                "Bound",
                "pvc-1f2e",
                "2Gi",
                "RWO,RWX",
                "standard",
                "<unset>",
                "10m",
                "Filesystem"
            ])
        );
        let pending = json!({"metadata": meta("scratch", 10),
            "spec": {"volumeMode": "Block", "volumeAttributesClassName": "gold",
                "resources": {"requests": {"storage": "1Gi"}}}});
        assert_eq!(
            row(ids::persistentvolumeclaims(), &pending),
            json!(["scratch", "Pending", "", "", "", "", "gold", "10s", "Block"])
        );
        let mut legacy = bound.clone();
        legacy["metadata"]["annotations"] =
            json!({"volume.beta.kubernetes.io/storage-class": "legacy"});
        legacy["metadata"]["deletionTimestamp"] = json!(ago(0));
        let cells = row(ids::persistentvolumeclaims(), &legacy);
        assert_eq!(
            (&cells[1], &cells[5]),
            (&json!("Terminating"), &json!("legacy"))
        );
    }

    // --- Policy and autoscaling ----------------------------------------------------------

    #[test]
    fn pod_disruption_budgets() {
        let pdb = res("policy", "v1", "poddisruptionbudgets");
        let min = json!({"metadata": meta("web", 60), "spec": {"minAvailable": 2},
            "status": {"disruptionsAllowed": 1}});
        assert_eq!(row(pdb, &min), json!(["web", "2", "N/A", 1, "60s"]));
        let max = json!({"metadata": meta("web", 60), "spec": {"maxUnavailable": "25%"}});
        assert_eq!(row(pdb, &max), json!(["web", "N/A", "25%", 0, "60s"]));
    }

    #[test]
    fn horizontal_pod_autoscalers() {
        let hpa_res = res("autoscaling", "v2", "horizontalpodautoscalers");
        let hpa = json!({
            "metadata": meta("web", 3600),
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 2, "maxReplicas": 10,
                "metrics": [
                    {"type": "Resource", "resource": {"name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 60}}},
                    {"type": "Resource", "resource": {"name": "memory",
                        "target": {"type": "AverageValue", "averageValue": "500Mi"}}},
                    {"type": "Pods", "pods": {"metric": {"name": "rps"},
                        "target": {"type": "AverageValue", "averageValue": "100"}}},
                ],
            },
            "status": {"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu",
                    "current": {"averageUtilization": 45, "averageValue": "90m"}}},
            ]},
        });
        assert_eq!(
            row(hpa_res, &hpa),
            json!([
                "web",
                "Deployment/web",
                "cpu: 45%/60%, memory: <unknown>/500Mi + 1 more...",
                "2",
                10,
                3,
                "60m"
            ])
        );
        let fresh = json!({"metadata": meta("web", 10), "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5}});
        assert_eq!(
            row(hpa_res, &fresh),
            json!(["web", "Deployment/web", "<none>", "1", 5, 0, "10s"])
        );
    }

    #[test]
    fn hpa_metric_sources() {
        let status = json!({"pods": {"current": {"averageValue": "42"}},
            "object": {"current": {"value": "7"}},
            "external": {"current": {"averageValue": "3"}},
            "containerResource": {"current": {"averageUtilization": 80}}});
        let cases = [
            (
                json!({"type": "Pods", "pods": {"target": {"averageValue": "100"}}}),
                "42/100",
            ),
            (
                json!({"type": "Object", "object": {"target": {"value": "10"}}}),
                "7/10",
            ),
            (
                json!({"type": "External", "external": {"target": {"averageValue": "5"}}}),
                "3/5 (avg)",
            ),
            (
                json!({"type": "ContainerResource", "containerResource": {"name": "cpu",
                "container": "app", "target": {"averageUtilization": 70}}}),
                "cpu: 80%/70%",
            ),
            (
                json!({"type": "Resource", "resource": {"name": "cpu", "target": {}}}),
                "cpu: <unknown>/<auto>",
            ),
            (json!({"type": "Future"}), "<unknown type>"),
        ];
        for (spec, want) in cases {
            assert_eq!(hpa_metric(&spec, Some(&status)), want, "{spec}");
        }
        let object = json!({"type": "Object", "object": {"target": {"value": "10"}}});
        assert_eq!(hpa_metric(&object, None), "<unknown>/10");
    }

    // --- Default convertor and metrics ---------------------------------------------------

    #[test]
    fn kinds_without_printers_get_name_and_created_at() {
        for plural in ["roles", "clusterroles"] {
            let r = res("rbac.authorization.k8s.io", "v1", plural);
            assert_eq!(column_names(r), ["Name", "Created At"]);
            assert_eq!(columns(r)[1]["type"], "date");
        }
        let lr = json!({"metadata": {"name": "defaults",
            "creationTimestamp": "2025-05-30T08:15:00Z"}});
        assert_eq!(
            row(ids::limitranges(), &lr),
            json!(["defaults", "2025-05-30T08:15:00Z"])
        );
        assert_eq!(
            row(ids::limitranges(), &json!({})),
            json!(["", "0001-01-01T00:00:00Z"])
        );
    }

    #[test]
    fn metrics_follow_metrics_server() {
        assert_eq!(
            column_names(ids::pod_metrics()),
            ["Name", "cpu", "memory", "Window"]
        );
        assert_eq!(columns(ids::node_metrics())[1]["format"], "quantity");
        let pm = json!({"metadata": {"name": "web-1", "namespace": "default"},
            "timestamp": ago(10), "window": "10.5s",
            "containers": [{"name": "nginx", "usage": {"cpu": "429151n", "memory": "2068Ki"}}]});
        assert_eq!(
            row(ids::pod_metrics(), &pm),
            json!(["web-1", "429151n", "2068Ki", "10.5s"])
        );
        let idle = json!({"metadata": {"name": "web-2"}, "containers": []});
        assert_eq!(
            row(ids::pod_metrics(), &idle),
            json!(["web-2", "0", "0", "0s"])
        );
        let nm = json!({"metadata": {"name": "node-1"}, "window": "20s",
            "usage": {"cpu": "250m", "memory": "1024Mi"}});
        assert_eq!(
            row(ids::node_metrics(), &nm),
            json!(["node-1", "250m", "1024Mi", "20s"])
        );
    }

    // --- Columns and the whole Table -----------------------------------------------------

    #[test]
    fn pod_columns_match_upstream() {
        let cols = columns(ids::pods());
        assert_eq!(
            cols[0],
            json!({"name": "Name", "type": "string", "format": "name",
                "description": desc::OBJECT_NAME, "priority": 0})
        );
        assert_eq!(
            column_names(ids::pods()),
            [
                "Name",
                "Ready",
                "Status",
                "Restarts",
                "Age",
                "IP",
                "Node",
                "Nominated Node",
                "Readiness Gates"
            ]
        );
        let priorities: Vec<i64> = cols
            .iter()
            .map(|c| c["priority"].as_i64().unwrap())
            .collect();
        assert_eq!(priorities, [0, 0, 0, 0, 0, 1, 1, 1, 1]);
        assert!(cols.iter().skip(1).all(|c| c["format"] == ""));
        assert_eq!(
            column_names(ids::deployments()),
            [
                "Name",
                "Ready",
                "Up-to-date",
                "Available",
                "Age",
                "Containers",
                "Images",
                "Selector"
            ]
        );
    }

    #[test]
    fn every_resource_has_one_cell_per_column_even_for_empty_objects() {
        for id in registry::all() {
            let want = columns(id).len();
            assert_eq!(
                cells(id, &json!({}), now()).len(),
                want,
                "{}",
                registry::def(id).plural
            );
            assert_eq!(cells(id, &json!(null), now()).len(), want);
            let garbage = json!({"metadata": 5, "spec": [], "status": "x", "subsets": {}});
            assert_eq!(cells(id, &garbage, now()).len(), want);
        }
    }

    #[test]
    fn table_embeds_partial_object_metadata_by_default() {
        let ns = json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "default", "uid": "u1", "resourceVersion": "12",
                "creationTimestamp": ago(5), "labels": {"kubernetes.io/metadata.name": "default"}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}});
        let t = table(
            ids::namespaces(),
            &[&ns],
            IncludeObject::Metadata,
            true,
            "1004",
            None,
            None,
            now(),
        );
        let keys: Vec<&String> = t.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "kind",
                "apiVersion",
                "metadata",
                "columnDefinitions",
                "rows"
            ]
        );
        assert_eq!(t["kind"], "Table");
        assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(t["metadata"], json!({"resourceVersion": "1004"}));
        assert_eq!(t["columnDefinitions"].as_array().unwrap().len(), 3);
        assert_eq!(
            t["rows"],
            json!([{"cells": ["default", "Active", "5s"], "object": {
                "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                "metadata": ns["metadata"]}}])
        );
    }

    #[test]
    fn table_object_none_conditions_and_list_metadata() {
        let p = completed_pod();
        let mut stored = p.clone();
        stored.as_object_mut().unwrap().remove("kind");
        stored.as_object_mut().unwrap().remove("apiVersion");
        let t = table(
            ids::pods(),
            &[&stored],
            IncludeObject::Object,
            false,
            "77",
            Some("eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"),
            Some(12),
            now(),
        );
        assert_eq!(
            t["metadata"],
            json!({"resourceVersion": "77", "continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ",
                "remainingItemCount": 12})
        );
        assert_eq!(t["columnDefinitions"], Value::Null);
        let row = &t["rows"][0];
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["cells", "conditions", "object"]);
        assert_eq!(row["conditions"][0]["reason"], "Succeeded");
        assert_eq!(row["object"]["kind"], "Pod");
        assert_eq!(row["object"]["apiVersion"], "v1");
        assert_eq!(row["object"]["status"], p["status"]);

        let t = table(
            ids::pods(),
            &[&p],
            IncludeObject::None,
            true,
            "",
            Some(""),
            None,
            now(),
        );
        assert_eq!(t["metadata"], json!({}));
        assert_eq!(t["rows"][0]["object"], Value::Null);
    }

    #[test]
    fn empty_tables_match_each_convertor() {
        let empty = |id| {
            table(
                id,
                &[],
                IncludeObject::Metadata,
                true,
                "5",
                None,
                None,
                now(),
            )
        };
        // Printers start from an empty slice; the default convertor and metrics-server from nil.
        assert_eq!(empty(ids::pods())["rows"], json!([]));
        assert_eq!(empty(ids::limitranges())["rows"], Value::Null);
        assert_eq!(
            empty(ids::limitranges())["columnDefinitions"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let metrics = empty(ids::pod_metrics());
        assert_eq!(
            (&metrics["rows"], &metrics["columnDefinitions"]),
            (&Value::Null, &Value::Null)
        );
    }
}
