//! Discovery documents (legacy and aggregated), `/version` and the minimal OpenAPI v3 that
//! makes `kubectl apply` trust server-side field validation.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::registry::{self, ResourceDef, ResourceId};

/// The Kubernetes version the simulator claims to be.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "emulationMajor": "1",
        "emulationMinor": "33",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "32",
        "gitVersion": "v1.33.0-kube-sim",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-11-01T00:00:00Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

/// `GET /api` (legacy).
pub fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
    })
}

fn group_json(name: &str, versions: &[&str]) -> Value {
    let gvs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
        .collect();
    json!({
        "name": name,
        "versions": gvs,
        "preferredVersion": gvs.first().cloned().unwrap_or(Value::Null),
    })
}

/// The served groups; `metrics.k8s.io` only when the metrics API is on.
fn served_groups(metrics: bool) -> Vec<(&'static str, Vec<&'static str>)> {
    registry::groups()
        .into_iter()
        .filter(|(g, _)| metrics || *g != METRICS_GROUP)
        .collect()
}

const METRICS_GROUP: &str = "metrics.k8s.io";

/// `GET /apis` (legacy).
pub fn group_list(metrics: bool) -> Value {
    let groups: Vec<Value> = served_groups(metrics)
        .iter()
        .map(|(name, versions)| group_json(name, versions))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /apis/{group}`.
pub fn group(name: &str, metrics: bool) -> Option<Value> {
    let groups = served_groups(metrics);
    let (_, versions) = groups.iter().find(|(g, _)| *g == name)?;
    let mut g = group_json(name, versions);
    g["kind"] = json!("APIGroup");
    g["apiVersion"] = json!("v1");
    Some(g)
}

/// `GET /api/v1` or `GET /apis/{g}/{v}`: an APIResourceList, or `None` if not served.
pub fn resource_list(group: &str, version: &str, metrics: bool) -> Option<Value> {
    if !metrics && group == METRICS_GROUP {
        return None;
    }
    let ids = registry::in_group_version(group, version);
    if ids.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for id in ids {
        let r = registry::def(id);
        let mut entry = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        resources.push(entry);
        for sub in r.subresources {
            let (kind, group_override, verbs) = sub_meta(r, *sub);
            let mut e = json!({
                "name": format!("{}/{}", r.plural, sub.name()),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": kind,
                "verbs": verbs,
            });
            if let Some((g, v)) = group_override {
                e["group"] = json!(g);
                e["version"] = json!(v);
            }
            resources.push(e);
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }))
}

/// (response kind, group/version override, verbs) of a subresource.
fn sub_meta(
    r: &ResourceDef,
    sub: registry::Sub,
) -> (
    &'static str,
    Option<(&'static str, &'static str)>,
    Vec<&'static str>,
) {
    use registry::Sub::*;
    match sub {
        Status => (r.kind, None, vec!["get", "patch", "update"]),
        Scale => (
            "Scale",
            Some(("autoscaling", "v1")),
            vec!["get", "patch", "update"],
        ),
        Log => ("Pod", None, vec!["get"]),
        Finalize => ("Namespace", None, vec!["update"]),
    }
}

fn aggregated_resource(r: &ResourceDef) -> Value {
    let mut entry = json!({
        "resource": r.plural,
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        entry["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        entry["categories"] = json!(r.categories);
    }
    if !r.subresources.is_empty() {
        let subs: Vec<Value> = r
            .subresources
            .iter()
            .map(|s| {
                let (kind, gv, verbs) = sub_meta(r, *s);
                let (g, v) = gv.unwrap_or((r.group, r.version));
                json!({
                    "subresource": s.name(),
                    "responseKind": {"group": g, "version": v, "kind": kind},
                    "verbs": verbs,
                })
            })
            .collect();
        entry["subresources"] = json!(subs);
    }
    entry
}

fn aggregated_group(name: &str, versions: &[&str]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| {
            let resources: Vec<Value> = registry::in_group_version(name, v)
                .into_iter()
                .map(|id| aggregated_resource(registry::def(id)))
                .collect();
            json!({"version": v, "resources": resources, "freshness": "Current"})
        })
        .collect();
    json!({"metadata": {"name": name, "creationTimestamp": null}, "versions": versions})
}

/// Aggregated discovery for `/api` (core) or `/apis` (all groups).
pub fn aggregated(core: bool, v2beta1: bool, metrics: bool) -> Value {
    let items: Vec<Value> = if core {
        vec![aggregated_group("", &["v1"])]
    } else {
        served_groups(metrics)
            .iter()
            .map(|(name, versions)| aggregated_group(name, versions))
            .collect()
    };
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": if v2beta1 { "apidiscovery.k8s.io/v2beta1" } else { "apidiscovery.k8s.io/v2" },
        "metadata": {},
        "items": items,
    })
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `GET /openapi/v3`: one entry per served group version, each with a content hash.
pub fn openapi_root(metrics: bool) -> Value {
    let mut paths = Map::new();
    let mut gvs: Vec<(String, String)> = vec![(String::new(), "v1".into())];
    for (g, versions) in served_groups(metrics) {
        for v in versions {
            gvs.push((g.to_string(), v.to_string()));
        }
    }
    for (g, v) in gvs {
        let doc = openapi_group_version(&g, &v, metrics).unwrap_or(Value::Null);
        let hash = Sha256::digest(doc.to_string().as_bytes());
        let hex: String = hash.iter().map(|b| format!("{b:02X}")).collect();
        let p = gv_path(&g, &v);
        paths.insert(
            p.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={hex}")}),
        );
    }
    json!({"paths": paths})
}

fn operation(action: &str, r: &ResourceDef, op_id: String) -> Value {
    json!({
        "operationId": op_id,
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
        "parameters": [
            {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
        ],
        "responses": {"200": {"description": "OK"}, "201": {"description": "Created"}},
    })
}

/// `GET /openapi/v3/{gv}`: every kind's collection and item paths, with the write operations
/// declaring `fieldValidation` (kubectl validates server-side only when they do).
pub fn openapi_group_version(group: &str, version: &str, metrics: bool) -> Option<Value> {
    if !metrics && group == METRICS_GROUP {
        return None;
    }
    let ids: Vec<ResourceId> = registry::in_group_version(group, version);
    if ids.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    for id in ids {
        let r = registry::def(id);
        let base = if r.namespaced {
            format!("{}/namespaces/{{namespace}}/{}", r.prefix(), r.plural)
        } else {
            format!("{}/{}", r.prefix(), r.plural)
        };
        let op = |action: &str| operation(action, r, format!("{action}{}", r.kind));
        let mut collection = Map::new();
        if r.allows("create") {
            collection.insert("post".into(), op("post"));
        }
        if r.allows("list") {
            collection.insert("get".into(), op("list"));
        }
        paths.insert(base.clone(), Value::Object(collection));
        if r.allows("get") || r.allows("patch") {
            let mut item = Map::new();
            item.insert(
                "parameters".into(),
                json!([{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}]),
            );
            for (method, action) in [
                ("get", "get"),
                ("put", "update"),
                ("patch", "patch"),
                ("delete", "delete"),
            ] {
                if r.allows(action) {
                    item.insert(
                        method.into(),
                        op(if action == "update" { "put" } else { action }),
                    );
                }
            }
            paths.insert(format!("{base}/{{name}}"), Value::Object(item));
        }
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_core_has_pods_with_subresources() {
        let doc = aggregated(true, false, true);
        let pods = doc["items"][0]["versions"][0]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "pods")
            .unwrap()
            .clone();
        assert_eq!(pods["scope"], "Namespaced");
        assert_eq!(pods["shortNames"], json!(["po"]));
        assert!(pods["subresources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["subresource"] == "log"));
    }

    #[test]
    fn scale_answers_as_autoscaling_v1() {
        let list = resource_list("apps", "v1", true).unwrap();
        let scale = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "deployments/scale")
            .unwrap()
            .clone();
        assert_eq!(scale["kind"], "Scale");
        assert_eq!(scale["group"], "autoscaling");
    }

    #[test]
    fn metrics_are_not_in_category_all() {
        assert!(!aggregated(false, false, false)
            .to_string()
            .contains("metrics.k8s.io"));
        let doc = aggregated(false, false, true);
        let metrics = doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["metadata"]["name"] == "metrics.k8s.io")
            .unwrap()
            .clone();
        for r in metrics["versions"][0]["resources"].as_array().unwrap() {
            assert!(r.get("categories").is_none());
        }
    }

    #[test]
    fn openapi_patch_ops_declare_field_validation() {
        let doc = openapi_group_version("apps", "v1", true).unwrap();
        let item = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
        assert_eq!(
            item["patch"]["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        assert!(item["patch"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "fieldValidation"));
        let root = openapi_root(true);
        assert!(root["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap()
            .starts_with("/openapi/v3/apis/apps/v1?hash="));
    }
}
