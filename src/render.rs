//! Rendering: from manifest text to the exact objects `up` applies. Pure; every rule of
//! DESIGN.md's "Safety rules" that concerns content is enforced here.
//!
//! 1. [`substitute`]: `${VAR}` from the built-ins (`QAENV_NAME`, `QAENV_NAMESPACE`,
//!    `QAENV_HOST`), `[vars]` and `--set`, on the text before it is parsed (envsubst's rule, so
//!    `replicas: ${REPLICAS}` stays a number). An undefined variable is an error listing every
//!    undefined name; `$${VAR}` is the literal `${VAR}` (shell and nginx configs); a `${` that
//!    does not open a variable name (`${1}`, `${a:-b}`) is left as it is.
//! 2. [`render`]: Namespace objects are skipped and objects naming another namespace moved into
//!    the environment (both with a warning); cluster-scoped kinds are refused unless allowed;
//!    `--image` overrides by container name or image repository; the environment label on
//!    every object and pod template; server-owned fields dropped; and the hash of the result,
//!    recorded in the `qaenv.dev/applied-hash` annotation, by which a re-`up` recognises
//!    unchanged objects.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::{
    env::EnvName,
    error::{Error, ExitCode, Result},
    kinds::ResourceType,
    labels,
    manifest::Document,
};

/// Replaces `${NAME}` with `vars[NAME]`; `$${NAME}` becomes `${NAME}`; an undefined name in
/// `keep` stays `${NAME}`. Returns the other undefined names on failure.
pub fn substitute(
    text: &str,
    vars: &BTreeMap<String, String>,
    keep: &BTreeSet<String>,
) -> std::result::Result<String, BTreeSet<String>> {
    let mut out = String::with_capacity(text.len());
    let mut undefined = BTreeSet::new();
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos..];
        if let Some(escaped) = after.strip_prefix("$${") {
            if let Some(len) = variable_len(escaped) {
                out.push_str("${");
                out.push_str(&escaped[..=len]);
                rest = &escaped[len + 1..];
                continue;
            }
        }
        if let Some(open) = after.strip_prefix("${") {
            if let Some(len) = variable_len(open) {
                let name = &open[..len];
                match vars.get(name) {
                    Some(value) => out.push_str(value),
                    None if keep.contains(name) => out.push_str(&after[..len + 3]),
                    None => {
                        undefined.insert(name.to_string());
                    }
                }
                rest = &open[len + 1..];
                continue;
            }
        }
        out.push('$');
        rest = &after[1..];
    }
    out.push_str(rest);
    if undefined.is_empty() {
        Ok(out)
    } else {
        Err(undefined)
    }
}

/// The length of `NAME` when `text` starts with `NAME}` and NAME is a variable name.
fn variable_len(text: &str) -> Option<usize> {
    let end = text.find('}')?;
    let name = &text[..end];
    let mut chars = name.chars();
    let first = chars.next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    chars
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(end)
}

/// The `${NAME}` references inside container `command` and `args` strings. Kubernetes does
/// not expand `${}` there (its own syntax is `$(NAME)`), so they are the shell's variables
/// (Online Boutique's load generator pings `${FRONTEND_ADDR}`): `up` substitutes them when
/// defined and otherwise leaves them as they are, with a warning, instead of failing.
pub fn shell_variables(value: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect_shell_variables(value, false, &mut out);
    out
}

fn collect_shell_variables(value: &Value, in_command: bool, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                collect_shell_variables(child, key == "command" || key == "args", out);
            }
        }
        Value::Array(items) => {
            for item in items {
                if in_command {
                    if let Value::String(text) = item {
                        references(text, out);
                    }
                } else {
                    collect_shell_variables(item, false, out);
                }
            }
        }
        _ => {}
    }
}

/// Adds the names of the `${NAME}` references in `text` to `out`.
fn references(text: &str, out: &mut BTreeSet<String>) {
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        let after = &rest[pos + 2..];
        if let Some(len) = variable_len(after) {
            out.insert(after[..len].to_string());
        }
        rest = after;
    }
}

/// The variables of a run: the user's, then the built-ins (which win).
pub fn variables(
    user: &BTreeMap<String, String>,
    env: &EnvName,
    host: Option<&str>,
) -> BTreeMap<String, String> {
    let mut vars = user.clone();
    vars.insert("QAENV_NAME".into(), env.name.clone());
    vars.insert("QAENV_NAMESPACE".into(), env.namespace.clone());
    if let Some(host) = host {
        vars.insert("QAENV_HOST".into(), host.to_string());
    }
    vars
}

/// Expands a host template: `{name}` is the environment name, `{namespace}` its namespace.
pub fn host(template: &str, env: &EnvName) -> String {
    template
        .replace("{name}", &env.name)
        .replace("{namespace}", &env.namespace)
}

/// The error for undefined variables, naming every one and where it is used.
pub fn undefined_error(undefined: &BTreeMap<String, BTreeSet<String>>) -> Error {
    let names: Vec<&str> = undefined.keys().map(String::as_str).collect();
    let mut origins: BTreeSet<&str> = BTreeSet::new();
    for used_in in undefined.values() {
        origins.extend(used_in.iter().map(String::as_str));
    }
    let builtin_host = names.contains(&"QAENV_HOST");
    let what = if names.len() == 1 {
        "undefined variable"
    } else {
        "undefined variables"
    };
    let mut error = Error::new(
        format!("{what} {}", names.join(", ")),
        format!(
            "used in {}",
            origins.into_iter().collect::<Vec<_>>().join(", ")
        ),
    );
    error = if builtin_host {
        error.with_hint("QAENV_HOST needs `host = \"{name}.qa.example.com\"` in qaenv.toml")
    } else {
        error.with_hint(
            "define them with --set NAME=VALUE or in [vars] of qaenv.toml; write $${NAME} for a literal ${NAME}",
        )
    };
    error
}

/// What rendering needs to know besides the documents.
#[derive(Clone, Debug)]
pub struct RenderContext<'a> {
    /// The environment.
    pub env: &'a EnvName,
    /// Image overrides `(container name or repository, reference)`.
    pub images: &'a [(String, String)],
    /// `--allow-cluster-scoped`.
    pub allow_cluster_scoped: bool,
}

/// An object ready to be applied.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderedObject {
    /// Index of the stage it belongs to.
    pub stage: usize,
    /// Its kind's resource.
    pub resource: ResourceType,
    /// `metadata.name`.
    pub name: String,
    /// The environment's namespace, `None` for an allowed cluster-scoped object.
    pub namespace: Option<String>,
    /// The full object, with labels and the applied-hash annotation.
    pub object: Value,
    /// The applied hash.
    pub hash: String,
    /// Where it came from (`file document N`), or `qaenv` for generated objects.
    pub origin: String,
}

impl RenderedObject {
    /// `deployment.apps/web`, as kubectl prints objects.
    pub fn display(&self) -> String {
        format!("{}/{}", self.resource.display(), self.name)
    }
}

/// The objects of a run and what rendering had to say about them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    /// The objects, in input order.
    pub objects: Vec<RenderedObject>,
    /// Warnings for stderr (skipped Namespaces, moved objects, unused overrides).
    pub warnings: Vec<String>,
}

/// Renders documents, grouped by stage, into objects. `kinds` resolves every
/// `(apiVersion, kind)` the documents use.
pub fn render(
    stages: &[Vec<Document>],
    kinds: &HashMap<(String, String), ResourceType>,
    context: &RenderContext<'_>,
) -> Result<Rendered> {
    let mut rendered = Rendered::default();
    let mut moved: BTreeMap<String, usize> = BTreeMap::new();
    let mut cluster_scoped = Vec::new();
    let mut used_images = vec![false; context.images.len()];
    let mut seen: HashMap<(String, String, String), String> = HashMap::new();
    for (stage, documents) in stages.iter().enumerate() {
        for doc in documents {
            let mut object = doc.object.clone();
            let api_version = text_at(&object, "/apiVersion");
            let kind = text_at(&object, "/kind");
            let name = text_at(&object, "/metadata/name");
            let Some(resource) = kinds.get(&(api_version.clone(), kind.clone())).cloned() else {
                return Err(Error::new(
                    format!("cannot apply {kind} {name} ({})", doc.location()),
                    format!("the cluster does not serve kind {kind} in {api_version}"),
                ));
            };
            if resource.group.is_empty() && resource.kind == "Namespace" {
                rendered.warnings.push(format!(
                    "skipped Namespace {name} ({}): objects go into the environment's namespace {}",
                    doc.location(),
                    context.env.namespace
                ));
                continue;
            }
            let namespace = if resource.namespaced {
                let declared = text_at(&object, "/metadata/namespace");
                if !declared.is_empty() && declared != context.env.namespace {
                    *moved.entry(declared).or_default() += 1;
                }
                Some(context.env.namespace.clone())
            } else {
                if !context.allow_cluster_scoped {
                    cluster_scoped.push(format!("{}/{name}", resource.display()));
                    continue;
                }
                None
            };
            let key = (resource.group.clone(), resource.kind.clone(), name.clone());
            if let Some(first) = seen.insert(key, doc.location()) {
                return Err(Error::new(
                    format!("duplicate object {}/{name}", resource.display()),
                    format!("defined in {first} and in {}", doc.location()),
                ));
            }
            prepare(&mut object, namespace.as_deref(), &context.env.name);
            for spec in pod_specs_mut(&mut object, &resource) {
                override_images(spec, context.images, &mut used_images);
            }
            let hash = hash(&object);
            set_path(
                &mut object,
                &["metadata", "annotations", labels::APPLIED_HASH],
                Value::String(hash.clone()),
            );
            rendered.objects.push(RenderedObject {
                stage,
                name,
                namespace,
                object,
                hash,
                origin: doc.location(),
                resource,
            });
        }
    }
    if !cluster_scoped.is_empty() {
        return Err(Error::refused(
            "refusing cluster-scoped objects",
            format!(
                "{} would be written outside the environment's namespace",
                cluster_scoped.join(", ")
            ),
        )
        .with_hint("remove them from the manifests, or pass --allow-cluster-scoped if the environment really needs them")
        .with_exit(ExitCode::Refused));
    }
    for (namespace, count) in moved {
        let objects = if count == 1 {
            "object names"
        } else {
            "objects name"
        };
        rendered.warnings.push(format!(
            "{count} {objects} namespace {namespace}: applied into {} instead",
            context.env.namespace
        ));
    }
    for ((key, reference), used) in context.images.iter().zip(used_images) {
        if !used {
            rendered.warnings.push(format!(
                "image override {key}={reference} matches no container name or image repository"
            ));
        }
    }
    Ok(rendered)
}

fn text_at(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Sets the namespace and the environment label, and drops what the server owns.
fn prepare(object: &mut Value, namespace: Option<&str>, env: &str) {
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
            "deletionTimestamp",
        ] {
            meta.remove(field);
        }
        match namespace {
            Some(ns) => {
                meta.insert("namespace".into(), Value::String(ns.to_string()));
            }
            None => {
                meta.remove("namespace");
            }
        }
        if let Some(Value::Object(annotations)) = meta.get_mut("annotations") {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    set_path(object, &["metadata", "labels", labels::ENV], env.into());
    for template in template_metadata_paths(object) {
        let mut path: Vec<&str> = template.to_vec();
        path.extend(["labels", labels::ENV]);
        set_path(object, &path, env.into());
    }
}

/// Paths of the metadata of pod templates (and a CronJob's job template) inside a workload.
fn template_metadata_paths(object: &Value) -> Vec<&'static [&'static str]> {
    let mut out: Vec<&'static [&'static str]> = Vec::new();
    if object.pointer("/spec/template").is_some() {
        out.push(&["spec", "template", "metadata"]);
    }
    if object.pointer("/spec/jobTemplate").is_some() {
        out.push(&["spec", "jobTemplate", "metadata"]);
        out.push(&["spec", "jobTemplate", "spec", "template", "metadata"]);
    }
    out
}

/// Sets `value` at `path`, creating objects on the way (replacing non-objects).
pub fn set_path(object: &mut Value, path: &[&str], value: Value) {
    let mut current = object;
    for (i, key) in path.iter().enumerate() {
        if !current.is_object() {
            *current = Value::Object(Map::new());
        }
        let Some(map) = current.as_object_mut() else {
            return;
        };
        if i + 1 == path.len() {
            map.insert((*key).to_string(), value);
            return;
        }
        current = map
            .entry((*key).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

/// The pod specs inside a workload (none for other kinds).
pub fn pod_specs(object: &Value, resource: &ResourceType) -> Vec<Value> {
    pod_spec_pointer(resource)
        .and_then(|p| object.pointer(p))
        .cloned()
        .into_iter()
        .collect()
}

fn pod_specs_mut<'a>(object: &'a mut Value, resource: &ResourceType) -> Vec<&'a mut Value> {
    pod_spec_pointer(resource)
        .and_then(|p| object.pointer_mut(p))
        .into_iter()
        .collect()
}

fn pod_spec_pointer(resource: &ResourceType) -> Option<&'static str> {
    match (resource.group.as_str(), resource.kind.as_str()) {
        ("", "Pod") => Some("/spec"),
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
        | ("batch", "Job")
        | ("", "ReplicationController") => Some("/spec/template/spec"),
        ("batch", "CronJob") => Some("/spec/jobTemplate/spec/template/spec"),
        _ => None,
    }
}

/// The repository of an image reference: without tag and digest.
pub fn image_repository(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    match without_digest.rfind(':') {
        Some(colon) if !without_digest[colon..].contains('/') => &without_digest[..colon],
        _ => without_digest,
    }
}

fn override_images(spec: &mut Value, overrides: &[(String, String)], used: &mut [bool]) {
    for list in ["initContainers", "containers"] {
        let Some(Value::Array(containers)) = spec.get_mut(list) else {
            continue;
        };
        for container in containers {
            let name = text_at(container, "/name");
            let image = text_at(container, "/image");
            let repository = image_repository(&image).to_string();
            // The last matching override wins, as later flags override earlier ones.
            let chosen = overrides
                .iter()
                .enumerate()
                .rev()
                .find(|(_, (key, _))| *key == name || *key == repository);
            if let Some((index, (_, reference))) = chosen {
                used[index] = true;
                let new = if reference.starts_with(':') || reference.starts_with('@') {
                    format!("{repository}{reference}")
                } else {
                    reference.clone()
                };
                container["image"] = Value::String(new);
            }
        }
    }
}

/// The hash of an object: sha256 of its canonical JSON (keys sorted), 32 hex digits.
pub fn hash(object: &Value) -> String {
    let mut text = String::new();
    canonical(object, &mut text);
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The environment's spec hash: over the hashes of every object, in a stable order.
pub fn spec_hash(objects: &[RenderedObject]) -> String {
    let mut parts: Vec<String> = objects
        .iter()
        .map(|o| format!("{}/{}={}", o.resource.key(), o.name, o.hash))
        .collect();
    parts.sort();
    hash(&Value::from(parts))
}

/// The URLs of the environment: each Ingress rule's host, `https` when a TLS entry names it.
pub fn urls(objects: &[RenderedObject]) -> Vec<String> {
    ingress_urls(
        objects
            .iter()
            .filter(|o| o.resource.kind == "Ingress")
            .map(|o| &o.object),
    )
}

/// The URLs of Ingresses (as rendered or as listed from the cluster): `https://HOST/` for a
/// rule's host that a TLS entry covers, `http://HOST/` otherwise, each once, in order.
pub fn ingress_urls<'a>(ingresses: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    let mut out = Vec::new();
    for object in ingresses {
        let tls_hosts: BTreeSet<&str> = object
            .pointer("/spec/tls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("hosts").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let rules = object
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for rule in rules {
            let Some(host) = rule.get("host").and_then(Value::as_str) else {
                continue;
            };
            let scheme = if tls_hosts.contains(host) {
                "https"
            } else {
                "http"
            };
            let url = format!("{scheme}://{host}/");
            if !out.contains(&url) {
                out.push(url);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds;
    use serde_json::json;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    fn none() -> BTreeSet<String> {
        BTreeSet::new()
    }

    #[test]
    fn finds_shell_variables_in_commands_only() {
        let pod = json!({"spec": {"containers": [{
            "command": ["/bin/sh", "-c", "wget http://${FRONTEND_ADDR}; echo ${CODE} $${X}"],
            "args": ["${ARG}"],
            "env": [{"name": "A", "value": "${NOT_SHELL}"}]}]}});
        let found: Vec<String> = shell_variables(&pod).into_iter().collect();
        assert_eq!(found, vec!["ARG", "CODE", "FRONTEND_ADDR", "X"]);
    }

    #[test]
    fn substitutes_and_escapes() {
        let v = vars(&[("TAG", "v2"), ("N", "3")]);
        assert_eq!(
            substitute("image: web:${TAG}\nreplicas: ${N}", &v, &none()).unwrap(),
            "image: web:v2\nreplicas: 3"
        );
        assert_eq!(
            substitute("echo $${HOME} $$ $HOME ${1} ${a:-b} $", &v, &none()).unwrap(),
            "echo ${HOME} $$ $HOME ${1} ${a:-b} $"
        );
        assert_eq!(substitute("${TAG}${TAG}", &v, &none()).unwrap(), "v2v2");
        assert_eq!(
            substitute("unicode é ${TAG} ü", &v, &none()).unwrap(),
            "unicode é v2 ü"
        );
        let keep = BTreeSet::from(["ADDR".to_string()]);
        assert_eq!(
            substitute("ping ${ADDR} ${TAG}", &v, &keep).unwrap(),
            "ping ${ADDR} v2"
        );
    }

    #[test]
    fn lists_every_undefined_variable() {
        let undefined =
            substitute("${A} ${B} ${A} ${TAG}", &vars(&[("TAG", "x")]), &none()).unwrap_err();
        assert_eq!(undefined.into_iter().collect::<Vec<_>>(), vec!["A", "B"]);
        let mut all = BTreeMap::new();
        all.insert("A".to_string(), BTreeSet::from(["a.yaml".to_string()]));
        all.insert("B".to_string(), BTreeSet::from(["b.yaml".to_string()]));
        let err = undefined_error(&all);
        assert_eq!(
            err.report(),
            "error: undefined variables A, B: used in a.yaml, b.yaml\nhint: define them with --set NAME=VALUE or in [vars] of qaenv.toml; write $${NAME} for a literal ${NAME}"
        );
    }

    #[test]
    fn builtins_win_and_hosts_expand() {
        let env = EnvName::parse("feature/Login").unwrap();
        let h = host("{name}.qa.example.com", &env);
        assert_eq!(h, "feature-login.qa.example.com");
        let v = variables(&vars(&[("QAENV_NAME", "mine"), ("X", "1")]), &env, Some(&h));
        assert_eq!(v["QAENV_NAME"], "feature-login");
        assert_eq!(v["QAENV_NAMESPACE"], "qa-feature-login");
        assert_eq!(v["QAENV_HOST"], "feature-login.qa.example.com");
        assert_eq!(v["X"], "1");
        assert!(!variables(&BTreeMap::new(), &env, None).contains_key("QAENV_HOST"));
    }

    #[test]
    fn repositories() {
        assert_eq!(image_repository("nginx"), "nginx");
        assert_eq!(image_repository("nginx:1.27"), "nginx");
        assert_eq!(
            image_repository("registry:5000/team/app:v1"),
            "registry:5000/team/app"
        );
        assert_eq!(
            image_repository("registry:5000/team/app"),
            "registry:5000/team/app"
        );
        assert_eq!(image_repository("app@sha256:abc"), "app");
        assert_eq!(image_repository("app:v1@sha256:abc"), "app");
    }

    fn kind_map() -> HashMap<(String, String), ResourceType> {
        let mut map = HashMap::new();
        for (v, k) in [
            ("v1", "Namespace"),
            ("v1", "Service"),
            ("apps/v1", "Deployment"),
            ("batch/v1", "CronJob"),
            ("rbac.authorization.k8s.io/v1", "ClusterRole"),
            ("networking.k8s.io/v1", "Ingress"),
        ] {
            map.insert(
                (v.to_string(), k.to_string()),
                kinds::builtin(v, k).unwrap(),
            );
        }
        map
    }

    fn doc(index: usize, object: Value) -> Document {
        Document {
            origin: "shop.yaml".into(),
            index,
            object,
        }
    }

    fn deployment(name: &str, namespace: Option<&str>) -> Value {
        let mut d = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "resourceVersion": "12", "uid": "x"},
            "spec": {"selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                    "spec": {
                        "initContainers": [{"name": "migrate", "image": "registry.local/shop/api:v1"}],
                        "containers": [{"name": name, "image": "registry.local/shop/api:v1"},
                                       {"name": "sidecar", "image": "envoy:1.30"}]}}},
            "status": {"replicas": 1}
        });
        if let Some(ns) = namespace {
            d["metadata"]["namespace"] = json!(ns);
        }
        d
    }

    #[test]
    fn renders_labels_namespaces_and_images() {
        let env = EnvName::parse("login").unwrap();
        let images = vec![
            ("registry.local/shop/api".to_string(), ":v2".to_string()),
            ("sidecar".to_string(), "envoy:1.31".to_string()),
            ("unused".to_string(), "x:y".to_string()),
        ];
        let context = RenderContext {
            env: &env,
            images: &images,
            allow_cluster_scoped: false,
        };
        let docs = vec![vec![
            doc(
                1,
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
            ),
            doc(2, deployment("api", Some("shop"))),
            doc(
                3,
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "shop"}, "spec": {}}),
            ),
            doc(
                4,
                json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "report"},
                "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "r", "image": "r:1"}]}}}}}}),
            ),
        ]];
        let rendered = render(&docs, &kind_map(), &context).unwrap();
        assert_eq!(rendered.objects.len(), 3);
        let api = &rendered.objects[0];
        assert_eq!(api.display(), "deployment.apps/api");
        assert_eq!(api.namespace.as_deref(), Some("qa-login"));
        let o = &api.object;
        assert_eq!(o["metadata"]["namespace"], "qa-login");
        assert_eq!(o["metadata"]["labels"][labels::ENV], "login");
        assert_eq!(
            o["spec"]["template"]["metadata"]["labels"][labels::ENV],
            "login"
        );
        assert_eq!(
            o["metadata"]["annotations"][labels::APPLIED_HASH],
            api.hash.as_str()
        );
        assert!(o["metadata"].get("resourceVersion").is_none());
        assert!(o.get("status").is_none());
        let spec = &o["spec"]["template"]["spec"];
        assert_eq!(
            spec["initContainers"][0]["image"],
            "registry.local/shop/api:v2"
        );
        assert_eq!(spec["containers"][0]["image"], "registry.local/shop/api:v2");
        assert_eq!(spec["containers"][1]["image"], "envoy:1.31");
        let cron = &rendered.objects[2].object;
        assert_eq!(
            cron["spec"]["jobTemplate"]["metadata"]["labels"][labels::ENV],
            "login"
        );
        assert_eq!(
            cron["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"][labels::ENV],
            "login"
        );
        assert_eq!(
            rendered.warnings,
            vec![
                "skipped Namespace shop (shop.yaml document 1): objects go into the environment's namespace qa-login".to_string(),
                "2 objects name namespace shop: applied into qa-login instead".to_string(),
                "image override unused=x:y matches no container name or image repository".to_string(),
            ]
        );
    }

    #[test]
    fn hashes_ignore_key_order_and_see_changes() {
        let env = EnvName::parse("a").unwrap();
        let context = RenderContext {
            env: &env,
            images: &[],
            allow_cluster_scoped: false,
        };
        let one = render(
            &[vec![doc(1, deployment("web", None))]],
            &kind_map(),
            &context,
        )
        .unwrap();
        let reordered: Value =
            serde_json::from_str(&serde_json::to_string(&deployment("web", None)).unwrap())
                .unwrap();
        let mut reversed = Map::new();
        for (k, v) in reordered.as_object().unwrap().iter().rev() {
            reversed.insert(k.clone(), v.clone());
        }
        let two = render(
            &[vec![doc(1, Value::Object(reversed))]],
            &kind_map(),
            &context,
        )
        .unwrap();
        assert_eq!(one.objects[0].hash, two.objects[0].hash);
        let mut changed = deployment("web", None);
        changed["spec"]["replicas"] = json!(2);
        let three = render(&[vec![doc(1, changed)]], &kind_map(), &context).unwrap();
        assert_ne!(one.objects[0].hash, three.objects[0].hash);
        assert_eq!(one.objects[0].hash.len(), 32);
    }

    #[test]
    fn refuses_cluster_scoped_unless_allowed_and_duplicates() {
        let env = EnvName::parse("a").unwrap();
        let mut context = RenderContext {
            env: &env,
            images: &[],
            allow_cluster_scoped: false,
        };
        let docs = vec![vec![doc(
            1,
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"}}),
        )]];
        let err = render(&docs, &kind_map(), &context).unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Refused);
        assert!(
            err.to_string()
                .contains("clusterrole.rbac.authorization.k8s.io/reader"),
            "{err}"
        );
        context.allow_cluster_scoped = true;
        let ok = render(&docs, &kind_map(), &context).unwrap();
        assert_eq!(ok.objects[0].namespace, None);

        let dup = vec![vec![
            doc(1, deployment("web", None)),
            doc(2, deployment("web", None)),
        ]];
        let err = render(&dup, &kind_map(), &context).unwrap_err();
        assert!(
            err.to_string()
                .contains("defined in shop.yaml document 1 and in shop.yaml document 2"),
            "{err}"
        );
    }

    #[test]
    fn ingress_hosts_become_urls() {
        let env = EnvName::parse("a").unwrap();
        let context = RenderContext {
            env: &env,
            images: &[],
            allow_cluster_scoped: false,
        };
        let docs = vec![vec![doc(
            1,
            json!({
                "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"},
                "spec": {"tls": [{"hosts": ["a.qa.example.com"]}],
                    "rules": [{"host": "a.qa.example.com"}, {"host": "api.a.qa.example.com"}, {}]}
            }),
        )]];
        let rendered = render(&docs, &kind_map(), &context).unwrap();
        assert_eq!(
            urls(&rendered.objects),
            vec!["https://a.qa.example.com/", "http://api.a.qa.example.com/"]
        );
    }
}
