//! What the API server does to an object between decoding and storing it: defaulting, the
//! initial status of new objects, validation, and admission (ResourceQuota, LimitRange,
//! namespace bookkeeping).

use serde_json::{json, Map, Value};

use crate::api::Env;
use crate::obj;
use crate::quantity::{self, Quantity};
use crate::registry::{self, ids, NameRule, ResourceId};
use crate::status::{ApiError, ApiResult, Cause};
use crate::store::Inner;

// ---------------------------------------------------------------------------------------------
// Initial status and defaults

/// Status of a freshly created object (clients cannot set it on create).
pub fn initial_status(res: ResourceId, obj: &mut Value) {
    let def = registry::def(res);
    if !def.status_split || res == ids::nodes() {
        return;
    }
    let status = if res == ids::namespaces() {
        json!({"phase": "Active"})
    } else if res == ids::pods() {
        json!({"phase": "Pending"})
    } else if res == ids::services() || res == ids::ingresses() {
        json!({"loadBalancer": {}})
    } else if res == ids::persistentvolumeclaims() {
        json!({"phase": "Pending"})
    } else {
        json!({})
    };
    obj["status"] = status;
}

fn set_default(map: &mut Map<String, Value>, key: &str, value: Value) {
    if map.get(key).is_none_or(Value::is_null) {
        map.insert(key.to_string(), value);
    }
}

/// Applies the API server's defaults for the kind.
pub fn defaults(res: ResourceId, obj: &mut Value, old: Option<&Value>, env: &Env) {
    if res == ids::namespaces() {
        let name = obj::name(obj).to_string();
        let labels = obj::meta_mut(obj)
            .entry("labels")
            .or_insert_with(|| json!({}));
        if !labels.is_object() {
            *labels = json!({});
        }
        if let Some(l) = labels.as_object_mut() {
            l.insert("kubernetes.io/metadata.name".into(), json!(name));
        }
        let spec = obj::ensure_object(obj, "spec");
        set_default(spec, "finalizers", json!(["kubernetes"]));
    } else if res == ids::pods() {
        if let Some(spec) = obj.get_mut("spec") {
            pod_spec_defaults(spec, true);
        }
    } else if res == ids::deployments() {
        let spec = obj::ensure_object(obj, "spec");
        set_default(spec, "replicas", json!(1));
        set_default(
            spec,
            "strategy",
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
        );
        if let Some(strategy) = spec.get_mut("strategy").and_then(Value::as_object_mut) {
            set_default(strategy, "type", json!("RollingUpdate"));
            if strategy.get("type") == Some(&json!("RollingUpdate")) {
                let ru = strategy.entry("rollingUpdate").or_insert_with(|| json!({}));
                if let Some(ru) = ru.as_object_mut() {
                    set_default(ru, "maxSurge", json!("25%"));
                    set_default(ru, "maxUnavailable", json!("25%"));
                }
            }
        }
        set_default(spec, "revisionHistoryLimit", json!(10));
        set_default(spec, "progressDeadlineSeconds", json!(600));
        template_defaults(obj);
    } else if res == ids::replicasets() {
        set_default(obj::ensure_object(obj, "spec"), "replicas", json!(1));
        template_defaults(obj);
    } else if res == ids::statefulsets() {
        let spec = obj::ensure_object(obj, "spec");
        set_default(spec, "replicas", json!(1));
        set_default(spec, "podManagementPolicy", json!("OrderedReady"));
        set_default(
            spec,
            "updateStrategy",
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
        );
        set_default(spec, "revisionHistoryLimit", json!(10));
        set_default(
            spec,
            "persistentVolumeClaimRetentionPolicy",
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
        );
        template_defaults(obj);
    } else if res == ids::daemonsets() {
        let spec = obj::ensure_object(obj, "spec");
        set_default(
            spec,
            "updateStrategy",
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
        );
        set_default(spec, "revisionHistoryLimit", json!(10));
        template_defaults(obj);
    } else if res == ids::jobs() {
        job_defaults(obj, old);
    } else if res == ids::cronjobs() {
        let spec = obj::ensure_object(obj, "spec");
        set_default(spec, "concurrencyPolicy", json!("Allow"));
        set_default(spec, "suspend", json!(false));
        set_default(spec, "successfulJobsHistoryLimit", json!(3));
        set_default(spec, "failedJobsHistoryLimit", json!(1));
        if let Some(t) = obj::path_mut(obj, "spec.jobTemplate.spec.template.spec") {
            pod_spec_defaults(t, false);
        }
    } else if res == ids::services() {
        service_defaults(obj, old, env);
    } else if res == ids::secrets() {
        set_default(
            obj.as_object_mut().expect("object"),
            "type",
            json!("Opaque"),
        );
    } else if res == ids::persistentvolumeclaims() {
        let spec = obj::ensure_object(obj, "spec");
        set_default(spec, "volumeMode", json!("Filesystem"));
        set_default(spec, "storageClassName", json!("standard"));
    } else if res == ids::networkpolicies() {
        let spec = obj::ensure_object(obj, "spec");
        if spec.get("policyTypes").is_none() {
            let mut types = vec![json!("Ingress")];
            if spec.get("egress").is_some_and(|e| !e.is_null()) {
                types.push(json!("Egress"));
            }
            spec.insert("policyTypes".into(), json!(types));
        }
    }
}

fn template_defaults(obj: &mut Value) {
    if let Some(spec) = obj::path_mut(obj, "spec.template.spec") {
        pod_spec_defaults(spec, false);
    }
}

fn job_defaults(obj: &mut Value, old: Option<&Value>) {
    let uid = match old {
        Some(o) => obj::uid(o).to_string(),
        None => obj::uid(obj).to_string(),
    };
    let name = obj::name(obj).to_string();
    let spec = obj::ensure_object(obj, "spec");
    set_default(spec, "parallelism", json!(1));
    set_default(spec, "completions", json!(1));
    set_default(spec, "backoffLimit", json!(6));
    set_default(spec, "completionMode", json!("NonIndexed"));
    set_default(spec, "suspend", json!(false));
    set_default(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    set_default(spec, "manualSelector", json!(false));
    // The Job API generates a selector on the job's uid and labels the template with it.
    if spec.get("selector").is_none() && !uid.is_empty() {
        spec.insert(
            "selector".into(),
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}),
        );
    }
    if let Some(meta) =
        obj::path_mut(obj, "spec.template").map(|t| obj::ensure_object(t, "metadata"))
    {
        let labels = meta.entry("labels").or_insert_with(|| json!({}));
        if let Some(labels) = labels.as_object_mut() {
            if !uid.is_empty() {
                labels.insert("batch.kubernetes.io/controller-uid".into(), json!(uid));
                labels.insert("controller-uid".into(), json!(uid));
            }
            labels.insert("batch.kubernetes.io/job-name".into(), json!(name));
            labels.insert("job-name".into(), json!(name));
        }
    }
    if let Some(spec) = obj::path_mut(obj, "spec.template.spec") {
        pod_spec_defaults(spec, false);
    }
}

/// Defaults of a PodSpec, in a Pod (`pod == true`) or a template.
fn pod_spec_defaults(spec: &mut Value, pod: bool) {
    let Some(map) = spec.as_object_mut() else {
        return;
    };
    set_default(map, "restartPolicy", json!("Always"));
    set_default(map, "terminationGracePeriodSeconds", json!(30));
    set_default(map, "dnsPolicy", json!("ClusterFirst"));
    set_default(map, "securityContext", json!({}));
    set_default(map, "schedulerName", json!("default-scheduler"));
    if pod {
        set_default(map, "serviceAccountName", json!("default"));
        let sa = map["serviceAccountName"].clone();
        set_default(map, "serviceAccount", sa);
        set_default(map, "enableServiceLinks", json!(true));
        set_default(map, "priority", json!(0));
        set_default(map, "preemptionPolicy", json!("PreemptLowerPriority"));
        set_default(
            map,
            "tolerations",
            json!([
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            ]),
        );
    }
    for list in ["containers", "initContainers"] {
        if let Some(containers) = map.get_mut(list).and_then(Value::as_array_mut) {
            for c in containers.iter_mut().filter_map(Value::as_object_mut) {
                container_defaults(c);
            }
        }
    }
}

fn container_defaults(c: &mut Map<String, Value>) {
    set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
    set_default(c, "terminationMessagePolicy", json!("File"));
    set_default(c, "resources", json!({}));
    let image = c.get("image").and_then(Value::as_str).unwrap_or("");
    let policy = if image_tag_is_latest(image) {
        "Always"
    } else {
        "IfNotPresent"
    };
    set_default(c, "imagePullPolicy", json!(policy));
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            set_default(p, "protocol", json!("TCP"));
        }
    }
}

/// `nginx`, `nginx:latest` → Always; `nginx:1.27` and digests → IfNotPresent.
fn image_tag_is_latest(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        None => true,
        Some((_, tag)) => tag == "latest",
    }
}

fn service_defaults(obj: &mut Value, old: Option<&Value>, env: &Env) {
    let spec = obj::ensure_object(obj, "spec");
    set_default(spec, "type", json!("ClusterIP"));
    set_default(spec, "sessionAffinity", json!("None"));
    let svc_type = spec["type"].as_str().unwrap_or("ClusterIP").to_string();
    if svc_type != "ExternalName" {
        // ClusterIP is allocated once and then immutable.
        let old_ip = old.and_then(|o| obj::path(o, "spec.clusterIP")).cloned();
        match (spec.get("clusterIP").and_then(Value::as_str), old_ip) {
            (Some("None"), _) => {}
            (None | Some(""), Some(ip)) => {
                spec.insert("clusterIP".into(), ip);
            }
            (None | Some(""), None) => {
                spec.insert("clusterIP".into(), json!(env.alloc_cluster_ip()));
            }
            _ => {}
        }
        let ip = spec["clusterIP"].clone();
        if spec
            .get("clusterIPs")
            .is_none_or(|v| v.as_array().is_none_or(Vec::is_empty))
        {
            spec.insert("clusterIPs".into(), json!([ip]));
        }
        set_default(spec, "ipFamilies", json!(["IPv4"]));
        set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
        set_default(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    let node_ports = svc_type == "NodePort" || svc_type == "LoadBalancer";
    if node_ports {
        set_default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    let old_ports: Vec<Value> = old
        .and_then(|o| obj::path(o, "spec.ports"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            set_default(p, "protocol", json!("TCP"));
            let port = p.get("port").cloned().unwrap_or(Value::Null);
            set_default(p, "targetPort", port.clone());
            if node_ports && p.get("nodePort").is_none_or(Value::is_null) {
                let keep = old_ports
                    .iter()
                    .find(|o| o.get("port") == Some(&port))
                    .and_then(|o| o.get("nodePort"))
                    .cloned();
                p.insert(
                    "nodePort".into(),
                    keep.unwrap_or_else(|| json!(env.alloc_node_port())),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

const LABEL_RE_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_RE_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_RE_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/// RFC 1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.as_bytes()[0].is_ascii_lowercase()
}

fn name_error(rule: NameRule, name: &str) -> Option<String> {
    match rule {
        NameRule::Dns1123Label if !is_dns1123_label(name) => Some(if name.len() > 63 {
            "must be no more than 63 characters".into()
        } else {
            LABEL_RE_MSG.into()
        }),
        NameRule::Dns1123Subdomain if !is_dns1123_subdomain(name) => Some(if name.len() > 253 {
            "must be no more than 253 characters".into()
        } else {
            SUBDOMAIN_RE_MSG.into()
        }),
        NameRule::Dns1035Label if !is_dns1035_label(name) => Some(if name.len() > 63 {
            "must be no more than 63 characters".into()
        } else {
            DNS1035_RE_MSG.into()
        }),
        NameRule::PathSegment
            if name == "." || name == ".." || name.contains('/') || name.contains('%') =>
        {
            Some("may not contain '/' or '%', and may not be '.' or '..'".to_string())
        }
        _ => None,
    }
}

/// A label value: at most 63 characters, alphanumerics with `-_.` inside.
fn is_label_value(v: &str) -> bool {
    let b = v.as_bytes();
    b.is_empty()
        || (b.len() <= 63
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric())
}

/// A qualified name (label or annotation key): optional DNS-subdomain prefix and `/`, then a
/// name of at most 63 characters.
fn is_qualified_name(k: &str) -> bool {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let name_ok = is_label_value(name) && !name.is_empty();
    name_ok && prefix.is_none_or(|p| !p.is_empty() && is_dns1123_subdomain(p))
}

fn validate_meta(res: ResourceId, obj: &Value, causes: &mut Vec<Cause>) {
    let def = registry::def(res);
    let name = obj::name(obj);
    if let Some(msg) = name_error(def.name_rule, name) {
        causes.push(Cause::invalid("metadata.name", &json!(name), &msg));
    }
    for (k, v) in obj::labels(obj) {
        if !is_qualified_name(k) {
            causes.push(Cause::invalid(
                "metadata.labels",
                &json!(k),
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            ));
        }
        let value = v.as_str().unwrap_or("");
        if !is_label_value(value) {
            let msg = if value.len() > 63 {
                "must be no more than 63 characters".to_string()
            } else {
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_string()
            };
            causes.push(Cause::invalid("metadata.labels", &json!(value), &msg));
        }
    }
    if let Some(ann) = obj
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object)
    {
        let mut total = 0;
        for (k, v) in ann {
            total += k.len() + v.as_str().map_or(0, str::len);
            if !is_qualified_name(k) {
                causes.push(Cause::invalid(
                    "metadata.annotations",
                    &json!(k),
                    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                ));
            }
        }
        if total > 256 * 1024 {
            causes.push(Cause::new(
                "FieldValueTooLong",
                "metadata.annotations",
                "Too long: must have at most 262144 bytes",
            ));
        }
    }
}

fn validate_pod_spec(spec: Option<&Value>, field: &str, causes: &mut Vec<Cause>) {
    let containers = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array);
    let Some(containers) = containers.filter(|c| !c.is_empty()) else {
        causes.push(Cause::required(&format!("{field}.containers")));
        return;
    };
    let mut seen = std::collections::HashSet::new();
    for (i, c) in containers.iter().enumerate() {
        let name = c.get("name").and_then(Value::as_str).unwrap_or("");
        let path = format!("{field}.containers[{i}]");
        if name.is_empty() {
            causes.push(Cause::required(&format!("{path}.name")));
        } else if !is_dns1123_label(name) {
            causes.push(Cause::invalid(
                &format!("{path}.name"),
                &json!(name),
                LABEL_RE_MSG,
            ));
        } else if !seen.insert(name) {
            causes.push(Cause::new(
                "FieldValueDuplicate",
                format!("{path}.name"),
                format!("Duplicate value: {name:?}"),
            ));
        }
        if c.get("image")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            causes.push(Cause::required(&format!("{path}.image")));
        }
        if let Some(ports) = c.get("ports").and_then(Value::as_array) {
            for (j, p) in ports.iter().enumerate() {
                let port = p.get("containerPort").and_then(Value::as_i64).unwrap_or(0);
                if !(1..=65535).contains(&port) {
                    causes.push(Cause::invalid(
                        &format!("{path}.ports[{j}].containerPort"),
                        &json!(port),
                        "must be between 1 and 65535, inclusive",
                    ));
                }
            }
        }
        for kind in ["requests", "limits"] {
            if let Some(r) = c
                .get("resources")
                .and_then(|r| r.get(kind))
                .and_then(Value::as_object)
            {
                for (rk, rv) in r {
                    let text = rv
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| rv.to_string());
                    if Quantity::parse(&text).is_err() {
                        causes.push(Cause::invalid(
                            &format!("{path}.resources.{kind}[{rk}]"),
                            &json!(text),
                            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                        ));
                    }
                }
            }
        }
    }
}

/// A workload's selector must select its own template.
fn validate_workload(obj: &Value, old: Option<&Value>, causes: &mut Vec<Cause>) {
    let selector = obj::path(obj, "spec.selector");
    match selector {
        None => causes.push(Cause::required("spec.selector")),
        Some(sel) => {
            let template_labels = obj::path(obj, "spec.template.metadata.labels")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            match crate::selector::LabelSelector::from_json(sel) {
                Ok(s) if s.is_empty() => causes.push(Cause::invalid(
                    "spec.selector",
                    &json!(crate::api::label_selector_string(sel)),
                    "empty selector is invalid for deployment",
                )),
                Ok(s) if !s.matches(&template_labels) => causes.push(Cause::invalid(
                    "spec.template.metadata.labels",
                    &json!(go_map(&template_labels)),
                    "`selector` does not match template `labels`",
                )),
                Ok(_) => {}
                Err(e) => causes.push(Cause::invalid("spec.selector", sel, &e)),
            }
            if let Some(old) = old {
                if obj::path(old, "spec.selector") != Some(sel) {
                    causes.push(Cause::invalid("spec.selector", sel, "field is immutable"));
                }
            }
        }
    }
    if let Some(r) = obj::path_i64(obj, "spec.replicas") {
        if r < 0 {
            causes.push(Cause::invalid(
                "spec.replicas",
                &json!(r),
                "must be greater than or equal to 0",
            ));
        }
    }
    validate_pod_spec(
        obj::path(obj, "spec.template.spec"),
        "spec.template.spec",
        causes,
    );
}

/// Go's `%v` of a map[string]string, as validation messages print label maps.
fn go_map(m: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    let inner: Vec<String> = keys
        .iter()
        .map(|k| format!("{k}:{}", m[*k].as_str().unwrap_or("")))
        .collect();
    format!("map[{}]", inner.join(" "))
}

/// Validates an object (422 Invalid listing every problem).
pub fn validate(res: ResourceId, obj: &Value, old: Option<&Value>) -> ApiResult<()> {
    let mut causes = Vec::new();
    validate_meta(res, obj, &mut causes);
    if res == ids::pods() {
        validate_pod_spec(obj.get("spec"), "spec", &mut causes);
    } else if res == ids::deployments()
        || res == ids::replicasets()
        || res == ids::statefulsets()
        || res == ids::daemonsets()
    {
        validate_workload(obj, old, &mut causes);
    } else if res == ids::jobs() {
        let policy = obj::path_str(obj, "spec.template.spec.restartPolicy");
        if policy != "Never" && policy != "OnFailure" {
            causes.push(Cause::new(
                "FieldValueNotSupported",
                "spec.template.spec.restartPolicy",
                format!(
                    "Unsupported value: {policy:?}: supported values: \"OnFailure\", \"Never\""
                ),
            ));
        }
        validate_pod_spec(
            obj::path(obj, "spec.template.spec"),
            "spec.template.spec",
            &mut causes,
        );
    } else if res == ids::services() {
        validate_service(obj, old, &mut causes);
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(
            registry::def(res),
            obj::name(obj),
            causes,
        ))
    }
}

fn validate_service(obj: &Value, old: Option<&Value>, causes: &mut Vec<Cause>) {
    let svc_type = obj::path_str(obj, "spec.type");
    let headless = obj::path_str(obj, "spec.clusterIP") == "None";
    let ports = obj::path(obj, "spec.ports").and_then(Value::as_array);
    if svc_type != "ExternalName" && !headless && ports.is_none_or(Vec::is_empty) {
        causes.push(Cause::required("spec.ports"));
    }
    for (i, p) in ports.into_iter().flatten().enumerate() {
        let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=65535).contains(&port) {
            causes.push(Cause::invalid(
                &format!("spec.ports[{i}].port"),
                &json!(port),
                "must be between 1 and 65535, inclusive",
            ));
        }
    }
    if let Some(old) = old {
        let before = obj::path_str(old, "spec.clusterIP");
        let after = obj::path_str(obj, "spec.clusterIP");
        if !before.is_empty() && before != after && svc_type != "ExternalName" {
            causes.push(Cause::invalid(
                "spec.clusterIPs[0]",
                &json!(after),
                "may not change once set",
            ));
        }
    }
}

/// Whether a write changes what bumps `metadata.generation`: the spec, and for Deployments
/// also the annotations (the Deployment strategy counts them).
pub fn spec_changed(res: ResourceId, old: &Value, new: &Value) -> bool {
    if old.get("spec") != new.get("spec") {
        return true;
    }
    res == ids::deployments()
        && obj::path(old, "metadata.annotations") != obj::path(new, "metadata.annotations")
}

// ---------------------------------------------------------------------------------------------
// Admission

/// Admission for creates: LimitRange defaulting and limits, then ResourceQuota.
pub fn admit_create(inner: &Inner, res: ResourceId, obj: &mut Value) -> ApiResult<()> {
    if res == ids::pods() {
        limit_ranges(inner, obj)?;
    }
    quota(inner, res, obj)
}

/// Admission for updates (nothing the simulator checks beyond validation).
pub fn admit_update(
    _inner: &Inner,
    _res: ResourceId,
    _new: &mut Value,
    _old: &Value,
) -> ApiResult<()> {
    Ok(())
}

/// Bookkeeping that the API server's controllers do right after a create; done in the same
/// write here so a namespace is immediately usable (no ServiceAccount race).
pub fn after_create(inner: &mut Inner, env: &Env, res: ResourceId, object: &Value) {
    if res != ids::namespaces() {
        return;
    }
    let ns = obj::name(object);
    let now = env.now_str();
    if inner.get(ids::serviceaccounts(), ns, "default").is_none() {
        inner.put(
            ids::serviceaccounts(),
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": "default", "namespace": ns,
                                "uid": uuid::Uuid::new_v4().to_string(), "creationTimestamp": now}}),
        );
    }
    if inner
        .get(ids::configmaps(), ns, "kube-root-ca.crt")
        .is_none()
    {
        inner.put(
            ids::configmaps(),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "kube-root-ca.crt", "namespace": ns,
                                "uid": uuid::Uuid::new_v4().to_string(), "creationTimestamp": now,
                                "annotations": {"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."}},
                   "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nkube-sim\n-----END CERTIFICATE-----\n"}}),
        );
    }
}

fn quantity_nanos(v: &Value) -> Option<i128> {
    let text = v
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string());
    Quantity::parse(&text).ok().map(|q| q.nanos())
}

/// Renders a quantity for a quota/limit message, binary units for memory-like resources.
fn show(resource: &str, nanos: i128) -> String {
    if (resource.contains("memory") || resource.contains("storage")) && nanos % 1_000_000_000 == 0 {
        return quantity::format_bytes(nanos / 1_000_000_000);
    }
    Quantity::from_nanos(nanos).canonical()
}

fn container_resources(obj: &Value) -> Vec<&Map<String, Value>> {
    obj::path(obj, "spec.containers")
        .and_then(Value::as_array)
        .map(|cs| cs.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}

/// LimitRange: default requests/limits for containers that have none, then min/max checks.
fn limit_ranges(inner: &Inner, pod: &mut Value) -> ApiResult<()> {
    let ns = obj::namespace(pod).to_string();
    let name = obj::name(pod).to_string();
    let ranges: Vec<Value> = inner
        .list(ids::limitranges(), Some(&ns))
        .flat_map(|lr| {
            obj::path(lr, "spec.limits")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter(|l| l.get("type").and_then(Value::as_str) == Some("Container"))
        .collect();
    if ranges.is_empty() {
        return Ok(());
    }
    let def = registry::def(ids::pods());
    let Some(containers) = obj::path_mut(pod, "spec.containers").and_then(Value::as_array_mut)
    else {
        return Ok(());
    };
    for c in containers.iter_mut() {
        for range in &ranges {
            let resources = obj::ensure_object(c, "resources");
            for (field, source) in [("limits", "default"), ("requests", "defaultRequest")] {
                let Some(defaults) = range.get(source).and_then(Value::as_object) else {
                    continue;
                };
                let target = resources
                    .entry(field)
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("object");
                for (k, v) in defaults {
                    target.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            // A request defaults to the limit when only a default limit is given.
            let limits = resources
                .get("limits")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let requests = resources
                .entry("requests")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("object");
            for (k, v) in &limits {
                requests.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        for range in &ranges {
            for (bound, field, word, over) in [
                ("max", "limits", "maximum", true),
                ("min", "requests", "minimum", false),
            ] {
                let Some(bounds) = range.get(bound).and_then(Value::as_object) else {
                    continue;
                };
                for (resource, limit) in bounds {
                    let Some(limit_n) = quantity_nanos(limit) else {
                        continue;
                    };
                    let actual = obj::path(c, &format!("resources.{field}"))
                        .and_then(|m| m.get(resource))
                        .and_then(quantity_nanos);
                    let violated = match actual {
                        Some(a) => (over && a > limit_n) || (!over && a < limit_n),
                        None => over,
                    };
                    if violated {
                        let what = if over { "limit" } else { "request" };
                        let shown = actual
                            .map(|a| show(resource, a))
                            .unwrap_or_else(|| "unbounded".into());
                        return Err(ApiError::forbidden(
                            def,
                            &name,
                            format!(
                                "{word} {resource} usage per Container is {}, but {what} is {shown}",
                                show(resource, limit_n)
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// What an object adds to each quota resource.
fn usage_of(res: ResourceId, obj: &Value) -> Vec<(String, i128)> {
    let def = registry::def(res);
    let mut out = vec![(
        if def.group.is_empty() {
            format!("count/{}", def.plural)
        } else {
            format!("count/{}.{}", def.plural, def.group)
        },
        1_000_000_000,
    )];
    let one = 1_000_000_000;
    if res == ids::pods() {
        let phase = obj::path_str(obj, "status.phase");
        if phase == "Succeeded" || phase == "Failed" {
            return Vec::new();
        }
        out.push(("pods".into(), one));
        let mut sums: Vec<(String, i128)> = Vec::new();
        for c in container_resources(obj) {
            for (field, prefix) in [("requests", "requests."), ("limits", "limits.")] {
                if let Some(m) = c
                    .get("resources")
                    .and_then(|r| r.get(field))
                    .and_then(Value::as_object)
                {
                    for (k, v) in m {
                        if let Some(n) = quantity_nanos(v) {
                            let key = format!("{prefix}{k}");
                            match sums.iter_mut().find(|(name, _)| *name == key) {
                                Some((_, total)) => *total += n,
                                None => sums.push((key, n)),
                            }
                        }
                    }
                }
            }
        }
        for (k, v) in &sums {
            if let Some(plain) = k.strip_prefix("requests.") {
                out.push((plain.to_string(), *v));
            }
        }
        out.extend(sums);
    } else if res == ids::services() {
        out.push(("services".into(), one));
        match obj::path_str(obj, "spec.type") {
            "LoadBalancer" => {
                out.push(("services.loadbalancers".into(), one));
                out.push(("services.nodeports".into(), one));
            }
            "NodePort" => out.push(("services.nodeports".into(), one)),
            _ => {}
        }
    } else if res == ids::configmaps() {
        out.push(("configmaps".into(), one));
    } else if res == ids::secrets() {
        out.push(("secrets".into(), one));
    } else if res == ids::persistentvolumeclaims() {
        out.push(("persistentvolumeclaims".into(), one));
        if let Some(n) = obj::path(obj, "spec.resources.requests.storage").and_then(quantity_nanos)
        {
            out.push(("requests.storage".into(), n));
        }
    } else if res == ids::resourcequotas() {
        out.push(("resourcequotas".into(), one));
    }
    out
}

/// Current usage of a namespace for the given quota resource names.
pub fn namespace_usage(inner: &Inner, ns: &str, names: &[String]) -> Vec<(String, i128)> {
    let mut totals: Vec<(String, i128)> = names.iter().map(|n| (n.clone(), 0)).collect();
    for res in registry::all().filter(|r| {
        let d = registry::def(*r);
        d.namespaced && !d.virtual_kind
    }) {
        for o in inner.list(res, Some(ns)) {
            for (k, v) in usage_of(res, o) {
                if let Some((_, t)) = totals.iter_mut().find(|(n, _)| *n == k) {
                    *t += v;
                }
            }
        }
    }
    totals
}

/// (resource, requested, used, limit) of a quota the create would exceed.
type Exceeded = (String, i128, i128, i128);

/// ResourceQuota admission: refuse a create that would exceed any quota in the namespace.
fn quota(inner: &Inner, res: ResourceId, obj: &Value) -> ApiResult<()> {
    let ns = obj::namespace(obj);
    if ns.is_empty() {
        return Ok(());
    }
    let quotas: Vec<std::sync::Arc<Value>> = inner
        .list(ids::resourcequotas(), Some(ns))
        .cloned()
        .collect();
    if quotas.is_empty() {
        return Ok(());
    }
    let def = registry::def(res);
    let name = obj::name(obj);
    let requested = usage_of(res, obj);
    for q in quotas {
        let Some(hard) = obj::path(&q, "spec.hard").and_then(Value::as_object) else {
            continue;
        };
        let hard: Vec<(String, i128)> = hard
            .iter()
            .filter_map(|(k, v)| quantity_nanos(v).map(|n| (k.clone(), n)))
            .collect();
        // Pods must state requests/limits for every compute resource the quota constrains.
        if res == ids::pods() {
            let mut missing = Vec::new();
            for (key, _) in &hard {
                let (field, resource) = match key.split_once('.') {
                    Some(("requests", r)) => ("requests", r),
                    Some(("limits", r)) => ("limits", r),
                    _ if key == "cpu" || key == "memory" => ("requests", key.as_str()),
                    _ => continue,
                };
                if resource != "cpu" && resource != "memory" {
                    continue;
                }
                let lacking: Vec<&str> = container_resources(obj)
                    .into_iter()
                    .filter(|c| {
                        c.get("resources")
                            .and_then(|r| r.get(field))
                            .and_then(|m| m.get(resource))
                            .is_none()
                    })
                    .map(|c| c.get("name").and_then(Value::as_str).unwrap_or(""))
                    .collect();
                if !lacking.is_empty() {
                    missing.push(format!("{field}.{resource} for: {}", lacking.join(",")));
                }
            }
            if !missing.is_empty() {
                missing.sort();
                missing.dedup();
                return Err(ApiError::forbidden(
                    def,
                    name,
                    format!(
                        "failed quota: {}: must specify {}",
                        obj::name(&q),
                        missing.join("; ")
                    ),
                ));
            }
        }
        let names: Vec<String> = hard.iter().map(|(k, _)| k.clone()).collect();
        let used = namespace_usage(inner, ns, &names);
        let mut exceeded = Vec::new();
        for (key, limit) in &hard {
            let add: i128 = requested
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v)
                .sum();
            if add == 0 {
                continue;
            }
            let now_used = used.iter().find(|(k, _)| k == key).map_or(0, |(_, v)| *v);
            if now_used + add > *limit {
                exceeded.push((key.clone(), add, now_used, *limit));
            }
        }
        if !exceeded.is_empty() {
            exceeded.sort();
            let part = |pick: fn(&Exceeded) -> i128| {
                exceeded
                    .iter()
                    .map(|e| format!("{}={}", e.0, show(&e.0, pick(e))))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            return Err(ApiError::forbidden(
                def,
                name,
                format!(
                    "exceeded quota: {}, requested: {}, used: {}, limited: {}",
                    obj::name(&q),
                    part(|e| e.1),
                    part(|e| e.2),
                    part(|e| e.3),
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use crate::store::Store;

    fn env() -> Env {
        Env::new(SimConfig::fast())
    }

    #[test]
    fn deployment_defaults_match_the_api_server() {
        let mut d = json!({"metadata": {"name": "web"}, "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "c", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}}}});
        defaults(ids::deployments(), &mut d, None, &env());
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["imagePullPolicy"], "IfNotPresent");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(d["spec"]["template"]["spec"]["restartPolicy"], "Always");
        assert!(d["spec"]["template"]["spec"]
            .get("serviceAccountName")
            .is_none());
    }

    #[test]
    fn latest_images_are_always_pulled() {
        assert!(image_tag_is_latest("nginx"));
        assert!(image_tag_is_latest("registry:5000/app:latest"));
        assert!(image_tag_is_latest("registry:5000/app"));
        assert!(!image_tag_is_latest("nginx:1.27"));
        assert!(!image_tag_is_latest("nginx@sha256:abc"));
    }

    #[test]
    fn services_get_a_cluster_ip_that_sticks() {
        let e = env();
        let mut s = json!({"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}});
        defaults(ids::services(), &mut s, None, &e);
        let ip = s["spec"]["clusterIP"].clone();
        assert!(ip.as_str().unwrap().starts_with("10.96."));
        assert_eq!(s["spec"]["ports"][0]["targetPort"], 80);
        let mut again = json!({"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}});
        defaults(ids::services(), &mut again, Some(&s), &e);
        assert_eq!(again["spec"]["clusterIP"], ip);
    }

    #[test]
    fn invalid_names_and_selectors_are_rejected() {
        let bad = json!({"metadata": {"name": "Bad_Name"}});
        let e = validate(ids::namespaces(), &bad, None).unwrap_err();
        assert_eq!(e.code, 422);
        assert!(e.message.starts_with("Namespace \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label"), "{}", e.message);

        let d = json!({"metadata": {"name": "web"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "other"}},
                         "spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        let e = validate(ids::deployments(), &d, None).unwrap_err();
        assert!(
            e.message
                .contains("`selector` does not match template `labels`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn label_values_are_checked() {
        assert!(is_label_value("feature-abc-12_login"));
        assert!(!is_label_value("feature/abc"));
        assert!(!is_label_value(&"a".repeat(64)));
        assert!(is_qualified_name("qaenv.dev/env"));
        assert!(!is_qualified_name("/env"));
    }

    fn ns_with_quota(store: &Store, hard: Value) {
        store.write(|s| {
            s.put(ids::namespaces(), json!({"metadata": {"name": "q"}}));
            s.put(
                ids::resourcequotas(),
                json!({"metadata": {"name": "compute", "namespace": "q"}, "spec": {"hard": hard}}),
            );
        });
    }

    fn pod(name: &str, cpu: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "q"}, "spec": {"containers": [
            {"name": "app", "image": "i", "resources": {"requests": {"cpu": cpu}, "limits": {"cpu": cpu}}}]}})
    }

    #[test]
    fn quota_refuses_what_does_not_fit() {
        let store = Store::new(100);
        ns_with_quota(&store, json!({"requests.cpu": "1", "pods": "10"}));
        store.write(|s| s.put(ids::pods(), pod("a", "600m")));
        let mut b = pod("b", "500m");
        let e = store
            .read(|s| admit_create(s, ids::pods(), &mut b))
            .unwrap_err();
        assert_eq!(e.code, 403);
        assert_eq!(
            e.message,
            "pods \"b\" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1"
        );
        let mut c = pod("c", "400m");
        assert!(store.read(|s| admit_create(s, ids::pods(), &mut c)).is_ok());
    }

    #[test]
    fn quota_requires_requests_for_constrained_resources() {
        let store = Store::new(100);
        ns_with_quota(&store, json!({"requests.memory": "1Gi"}));
        let mut p = json!({"metadata": {"name": "p", "namespace": "q"},
            "spec": {"containers": [{"name": "app", "image": "i"}]}});
        let e = store
            .read(|s| admit_create(s, ids::pods(), &mut p))
            .unwrap_err();
        assert_eq!(
            e.message,
            "pods \"p\" is forbidden: failed quota: compute: must specify requests.memory for: app"
        );
    }

    #[test]
    fn limit_range_defaults_and_bounds() {
        let store = Store::new(100);
        store.write(|s| {
            s.put(
                ids::limitranges(),
                json!({"metadata": {"name": "lr", "namespace": "q"}, "spec": {"limits": [{
                    "type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"},
                    "max": {"cpu": "1"}}]}}),
            );
        });
        let mut p = json!({"metadata": {"name": "p", "namespace": "q"},
            "spec": {"containers": [{"name": "app", "image": "i"}]}});
        store
            .read(|s| admit_create(s, ids::pods(), &mut p))
            .unwrap();
        assert_eq!(
            p["spec"]["containers"][0]["resources"]["requests"]["cpu"],
            "100m"
        );
        assert_eq!(
            p["spec"]["containers"][0]["resources"]["limits"]["cpu"],
            "500m"
        );
        let mut big = pod("big", "2");
        let e = store
            .read(|s| admit_create(s, ids::pods(), &mut big))
            .unwrap_err();
        assert_eq!(
            e.message,
            "pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2"
        );
    }
}
