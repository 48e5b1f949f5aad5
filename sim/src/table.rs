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

