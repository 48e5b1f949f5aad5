//! Guard rails every environment gets from `qaenv.toml`: a ResourceQuota, a LimitRange, a
//! NetworkPolicy isolating the environment, and image-pull secrets copied from another
//! namespace and attached to the environment's `default` ServiceAccount.
//!
//! Each is built here as a plain manifest ([`Document`]) and then goes through rendering,
//! planning and apply like the user's manifests (labels, applied hash, pruning when the section
//! is removed). Pure; reading the source secrets is the caller's I/O. Secret values are copied
//! byte for byte and never printed.

use serde_json::{json, Map, Value};

use crate::{
    config::{IsolationConfig, LimitRangeConfig, Settings},
    labels,
    manifest::Document,
};

/// The origin generated objects are reported with.
pub const ORIGIN: &str = "qaenv.toml";

fn document(index: usize, object: Value) -> Document {
    Document {
        origin: ORIGIN.into(),
        index,
        object,
    }
}

/// The ResourceQuota of `[quota]`.
pub fn quota(hard: &std::collections::BTreeMap<String, String>) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": labels::QUOTA_NAME},
        "spec": {"hard": hard},
    })
}

/// The LimitRange of `[limit_range]` (one `Container` limit).
pub fn limit_range(config: &LimitRangeConfig) -> Value {
    let mut limit = Map::new();
    limit.insert("type".into(), json!("Container"));
    for (field, values) in [
        ("default", &config.default),
        ("defaultRequest", &config.default_request),
        ("max", &config.max),
        ("min", &config.min),
    ] {
        if !values.is_empty() {
            limit.insert(field.into(), json!(values));
        }
    }
    json!({
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": labels::LIMIT_RANGE_NAME},
        "spec": {"limits": [Value::Object(limit)]},
    })
}

/// The NetworkPolicy of `[isolation]`: the environment's pods accept traffic only from pods of
/// the same namespace and from the ingress controller's namespaces, so no other environment
/// (and no other namespace) reaches them. Egress is not restricted.
pub fn network_policy(config: &IsolationConfig) -> Value {
    let mut from = vec![json!({"podSelector": {}})];
    if !config.ingress_namespaces.is_empty() {
        from.push(json!({"namespaceSelector": {"matchExpressions": [{
            "key": "kubernetes.io/metadata.name",
            "operator": "In",
            "values": config.ingress_namespaces,
        }]}}));
    }
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": labels::NETWORK_POLICY_NAME},
        "spec": {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": from}],
        },
    })
}

/// A copy of a pull secret read from its source namespace: its type and data, none of its
/// metadata but the name.
pub fn secret_copy(source: &Value) -> Value {
    let mut copy = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": source.pointer("/metadata/name").cloned().unwrap_or(Value::Null)},
    });
    for field in ["type", "data"] {
        if let Some(value) = source.get(field) {
            copy[field] = value.clone();
        }
    }
    copy
}

/// The `default` ServiceAccount with the pull secrets attached.
pub fn default_service_account(secrets: &[String]) -> Value {
    let refs: Vec<Value> = secrets.iter().map(|name| json!({"name": name})).collect();
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "default"},
        "imagePullSecrets": refs,
    })
}

/// Every guard-rail manifest of the settings; `secrets` are the pull secrets as read from
/// their source namespaces.
pub fn documents(settings: &Settings, secrets: &[Value]) -> Vec<Document> {
    let mut objects = Vec::new();
    if let Some(hard) = &settings.quota {
        objects.push(quota(hard));
    }
    if let Some(config) = &settings.limit_range {
        objects.push(limit_range(config));
    }
    if let Some(config) = &settings.isolation {
        objects.push(network_policy(config));
    }
    if !secrets.is_empty() {
        objects.extend(secrets.iter().map(secret_copy));
        let names: Vec<String> = settings
            .pull_secrets
            .iter()
            .map(|p| p.name.clone())
            .collect();
        objects.push(default_service_account(&names));
    }
    objects
        .into_iter()
        .enumerate()
        .map(|(i, o)| document(i + 1, o))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Overrides};
    use std::path::Path;

    #[test]
    fn builds_every_guard_rail() {
        let config = parse(
            r#"
sources = ["deploy"]
[quota]
"requests.cpu" = "4"
[limit_range]
default_request = { cpu = "100m" }
max = { memory = "1Gi" }
[isolation]
ingress_namespaces = ["ingress-nginx"]
[[pull_secrets]]
name = "regcred"
from_namespace = "ci"
"#,
            "qaenv.toml",
        )
        .unwrap();
        let settings = Settings::resolve(&config, Path::new("."), &Overrides::default()).unwrap();
        let source = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "regcred", "namespace": "ci", "uid": "u", "resourceVersion": "5"},
            "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": "e30="}});
        let docs = documents(&settings, &[source]);
        let kinds: Vec<&str> = docs
            .iter()
            .map(|d| d.object["kind"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            kinds,
            vec![
                "ResourceQuota",
                "LimitRange",
                "NetworkPolicy",
                "Secret",
                "ServiceAccount"
            ]
        );
        assert_eq!(docs[0].object["spec"]["hard"]["requests.cpu"], "4");
        let limit = &docs[1].object["spec"]["limits"][0];
        assert_eq!(limit["defaultRequest"]["cpu"], "100m");
        assert_eq!(limit["max"]["memory"], "1Gi");
        assert!(limit.get("default").is_none());
        let from = &docs[2].object["spec"]["ingress"][0]["from"];
        assert_eq!(from[0], json!({"podSelector": {}}));
        assert_eq!(
            from[1]["namespaceSelector"]["matchExpressions"][0]["values"],
            json!(["ingress-nginx"])
        );
        let secret = &docs[3].object;
        assert_eq!(secret["metadata"], json!({"name": "regcred"}));
        assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson");
        assert_eq!(
            docs[4].object["imagePullSecrets"],
            json!([{"name": "regcred"}])
        );
        assert_eq!(docs[4].origin, "qaenv.toml");
    }

    #[test]
    fn nothing_configured_adds_nothing() {
        let config = parse("sources = [\"x\"]", "qaenv.toml").unwrap();
        let settings = Settings::resolve(&config, Path::new("."), &Overrides::default()).unwrap();
        assert!(documents(&settings, &[]).is_empty());
    }
}
