//! API semantics of writes: create, update, patch and delete as the API server performs them
//! (defaults, validation, admission, generation, managed fields, optimistic concurrency,
//! no-op detection, dry run, graceful and finalizer-aware deletion).
//!
//! HTTP handlers and the in-process controllers both write through these functions, so a
//! controller's write produces exactly the events and resourceVersions a client's would.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};

use crate::admission;
use crate::config::SimConfig;
use crate::negotiate::BodyType;
use crate::obj;
use crate::patch::{smp, ssa};
use crate::registry::{self, ids, ResourceDef, ResourceId, Sub};
use crate::status::{ApiError, ApiResult, Cause};
use crate::store::Inner;
use crate::strict;

/// Process-wide state the write path needs besides the store.
pub struct Env {
    pub config: SimConfig,
    next_service_ip: AtomicU32,
    next_node_port: AtomicU32,
}

impl Env {
    pub fn new(config: SimConfig) -> Env {
        Env {
            config,
            next_service_ip: AtomicU32::new(1),
            next_node_port: AtomicU32::new(30000),
        }
    }

    pub fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }

    /// RFC 3339 with second precision, as metav1.Time serialises.
    pub fn now_str(&self) -> String {
        rfc3339(self.now())
    }

    /// The next ClusterIP from 10.96.0.0/16 (10.96.0.1 is the `kubernetes` Service).
    pub fn alloc_cluster_ip(&self) -> String {
        let n = self.next_service_ip.fetch_add(1, Ordering::Relaxed);
        format!("10.96.{}.{}", (n / 254) % 256, n % 254 + 1)
    }

    pub fn alloc_node_port(&self) -> u32 {
        30000 + (self.next_node_port.fetch_add(1, Ordering::Relaxed) - 30000) % 2768
    }
}

/// Formats a timestamp as the API server does (seconds, UTC, `Z`).
pub fn rfc3339(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `fieldValidation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FieldValidation {
    Ignore,
    Warn,
    #[default]
    Strict,
}

impl FieldValidation {
    /// Parses the query value; absent means Warn, the API server's default (kubectl always
    /// sends one explicitly).
    pub fn parse(s: Option<&str>) -> Result<FieldValidation, ApiError> {
        match s {
            None | Some("") => Ok(FieldValidation::Warn),
            Some("Ignore") => Ok(FieldValidation::Ignore),
            Some("Warn") => Ok(FieldValidation::Warn),
            Some("Strict") => Ok(FieldValidation::Strict),
            Some(other) => Err(ApiError::bad_request(format!(
                "fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", got {other:?}"
            ))),
        }
    }
}

/// Options of a write.
#[derive(Clone, Debug, Default)]
pub struct WriteOpts {
    pub dry_run: bool,
    /// The field manager recorded in managedFields (empty: not recorded).
    pub manager: String,
    pub validation: FieldValidation,
    /// Server-side apply only.
    pub force: Option<bool>,
}

impl WriteOpts {
    /// Options for writes by the simulator's own controllers.
    pub fn controller(manager: &str) -> WriteOpts {
        WriteOpts {
            manager: manager.to_string(),
            validation: FieldValidation::Ignore,
            ..WriteOpts::default()
        }
    }
}

/// The result of a write.
#[derive(Debug)]
pub struct Written {
    pub object: Arc<Value>,
    /// The write created the object (201).
    pub created: bool,
    /// Something changed (false for no-ops, which keep the resourceVersion).
    pub changed: bool,
    /// `Warning` headers (unknown fields under fieldValidation=Warn).
    pub warnings: Vec<String>,
}

/// Deletion options (`DeleteOptions` body or query parameters).
#[derive(Clone, Debug, Default)]
pub struct DeleteOpts {
    pub propagation: Option<String>,
    pub grace_period: Option<i64>,
    pub orphan_dependents: Option<bool>,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
    pub dry_run: bool,
}

/// What a delete did.
#[derive(Debug)]
pub enum Deleted {
    /// The object is gone; this is its last state.
    Removed(Arc<Value>),
    /// The object is being deleted (finalizers, grace period, namespace content removal).
    Pending(Arc<Value>),
}

impl Deleted {
    pub fn object(&self) -> &Arc<Value> {
        match self {
            Deleted::Removed(o) | Deleted::Pending(o) => o,
        }
    }
}

/// Fills or checks `apiVersion`/`kind` against the endpoint.
fn check_type_meta(def: &ResourceDef, obj: &mut Value) -> ApiResult<()> {
    let Some(map) = obj.as_object_mut() else {
        return Err(ApiError::bad_request(format!(
            "Object '{}' is invalid: the body must be a JSON object",
            def.kind
        )));
    };
    let want_av = def.api_version();
    match map.get("apiVersion").and_then(Value::as_str) {
        None | Some("") => {
            map.insert("apiVersion".into(), json!(want_av));
        }
        Some(av) if av == want_av => {}
        Some(av) => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({av}) does not match the expected API version ({want_av})"
            )))
        }
    }
    match map.get("kind").and_then(Value::as_str) {
        None | Some("") => {
            map.insert("kind".into(), json!(def.kind));
        }
        Some(k) if k == def.kind => {}
        Some(k) => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                def.kind
            )))
        }
    }
    Ok(())
}

/// Sets the namespace from the URL, refusing a different one in the body.
fn check_namespace(def: &ResourceDef, ns: Option<&str>, obj: &mut Value) -> ApiResult<()> {
    let body_ns = obj::namespace(obj).to_string();
    if !def.namespaced {
        obj::meta_mut(obj).remove("namespace");
        return Ok(());
    }
    let Some(ns) = ns else {
        return Err(ApiError::bad_request(
            "the namespace of the object must be set on the request path",
        ));
    };
    if !body_ns.is_empty() && body_ns != ns {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    obj::meta_mut(obj).insert("namespace".into(), json!(ns));
    Ok(())
}

/// Runs the typed decode; Strict rejects unknown fields, Warn reports them.
fn decode(
    res: ResourceId,
    obj: Value,
    validation: FieldValidation,
) -> ApiResult<(Value, Vec<String>)> {
    let decoded = strict::decode(res, &obj).map_err(ApiError::bad_request)?;
    let mut warnings = Vec::new();
    if !decoded.unknown.is_empty() {
        let listed: Vec<String> = decoded
            .unknown
            .iter()
            .map(|f| format!("unknown field {f:?}"))
            .collect();
        match validation {
            FieldValidation::Strict => {
                return Err(ApiError::bad_request(format!(
                    "strict decoding error: {}",
                    listed.join(", ")
                )))
            }
            FieldValidation::Warn => warnings = listed,
            FieldValidation::Ignore => {}
        }
    }
    Ok((decoded.object, warnings))
}

fn generate_suffix() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..5)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Checks that a namespaced write may create content in `ns`.
fn check_namespace_open(inner: &Inner, def: &ResourceDef, name: &str, ns: &str) -> ApiResult<()> {
    match inner.get(ids::namespaces(), "", ns) {
        None => Err(ApiError::namespace_not_found(ns)),
        Some(n) if obj::is_deleting(n) => Err(ApiError::namespace_terminating(def, name, ns)),
        Some(_) => Ok(()),
    }
}

/// Creates an object (POST).
pub fn create(
    inner: &mut Inner,
    env: &Env,
    res: ResourceId,
    ns: Option<&str>,
    obj: Value,
    opts: &WriteOpts,
) -> ApiResult<Written> {
    create_with(inner, env, res, ns, obj, opts, Managed::Record)
}

fn create_with(
    inner: &mut Inner,
    env: &Env,
    res: ResourceId,
    ns: Option<&str>,
    mut obj: Value,
    opts: &WriteOpts,
    managed: Managed,
) -> ApiResult<Written> {
    let def = registry::def(res);
    check_type_meta(def, &mut obj)?;
    check_namespace(def, ns, &mut obj)?;
    if obj::name(&obj).is_empty() {
        let generate = obj::meta_str(&obj, "generateName").to_string();
        if generate.is_empty() {
            return Err(ApiError::invalid(
                def,
                "",
                vec![Cause::new(
                    "FieldValueRequired",
                    "metadata.name",
                    "Required value: name or generateName is required",
                )],
            ));
        }
        let name = format!("{generate}{}", generate_suffix());
        obj::meta_mut(&mut obj).insert("name".into(), json!(name));
    }
    let (mut obj, warnings) = decode(res, obj, opts.validation)?;
    let name = obj::name(&obj).to_string();
    if def.namespaced {
        check_namespace_open(inner, def, &name, obj::namespace(&obj))?;
    }
    if inner.get(res, obj::namespace(&obj), &name).is_some() {
        return Err(ApiError::already_exists(def, &name));
    }
    let now = env.now_str();
    {
        let meta = obj::meta_mut(&mut obj);
        meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
        meta.insert("creationTimestamp".into(), json!(now));
        meta.remove("resourceVersion");
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        if let Managed::Record = managed {
            meta.remove("managedFields");
        }
        meta.remove("selfLink");
        if def.generation {
            meta.insert("generation".into(), json!(1));
        } else {
            meta.remove("generation");
        }
    }
    admission::initial_status(res, &mut obj);
    admission::defaults(res, &mut obj, None, env);
    admission::validate(res, &obj, None)?;
    admission::admit_create(inner, res, &mut obj)?;
    if matches!(managed, Managed::Record) && !opts.manager.is_empty() {
        ssa::record_update(
            def.group,
            def.kind,
            None,
            &mut obj,
            &opts.manager,
            &def.api_version(),
            None,
            &now,
        );
    }
    if opts.dry_run {
        return Ok(Written {
            object: Arc::new(obj),
            created: true,
            changed: true,
            warnings,
        });
    }
    let object = inner.put(res, obj);
    admission::after_create(inner, env, res, &object);
    Ok(Written {
        object,
        created: true,
        changed: true,
        warnings,
    })
}

/// Replaces an object (PUT), or its `status`/`finalize` subresource.
#[allow(clippy::too_many_arguments)]
pub fn update(
    inner: &mut Inner,
    env: &Env,
    res: ResourceId,
    ns: Option<&str>,
    name: &str,
    mut body: Value,
    sub: Option<Sub>,
    opts: &WriteOpts,
) -> ApiResult<Written> {
    let def = registry::def(res);
    let existing = inner
        .get(res, ns.unwrap_or(""), name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(def, name))?;
    check_type_meta(def, &mut body)?;
    check_namespace(def, ns, &mut body)?;
    let body_name = obj::name(&body);
    if !body_name.is_empty() && body_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    obj::meta_mut(&mut body).insert("name".into(), json!(name));
    let (body, warnings) = decode(res, body, opts.validation)?;
    commit(
        inner,
        env,
        res,
        &existing,
        body,
        sub,
        opts,
        Managed::Record,
        warnings,
    )
}

/// How a commit treats managedFields.
enum Managed {
    /// Record an Update operation for the fields the write changed.
    Record,
    /// The candidate already carries the managedFields to store (server-side apply).
    AsIs,
}

/// The shared tail of update and patch: subresource split, defaults, generation, validation,
/// precondition, finalizer completion, no-op detection, managed fields, persistence.
#[allow(clippy::too_many_arguments)]
fn commit(
    inner: &mut Inner,
    env: &Env,
    res: ResourceId,
    existing: &Arc<Value>,
    body: Value,
    sub: Option<Sub>,
    opts: &WriteOpts,
    managed: Managed,
    warnings: Vec<String>,
) -> ApiResult<Written> {
    let def = registry::def(res);
    let name = obj::name(existing).to_string();
    let body_rv = obj::meta_str(&body, "resourceVersion");
    if !body_rv.is_empty() && body_rv != obj::meta_str(existing, "resourceVersion") {
        return Err(ApiError::conflict(def, &name));
    }
    let mut new = match sub {
        None => main_resource_view(def, existing, body),
        Some(Sub::Status) => {
            let mut n = (**existing).clone();
            match body.get("status") {
                Some(s) => n["status"] = s.clone(),
                None => {
                    n.as_object_mut().map(|m| m.remove("status"));
                }
            }
            n
        }
        Some(Sub::Finalize) => {
            let mut n = (**existing).clone();
            let finalizers = obj::path(&body, "spec.finalizers")
                .cloned()
                .unwrap_or(json!([]));
            obj::set_path(&mut n, "spec.finalizers", finalizers);
            n
        }
        Some(other) => {
            return Err(ApiError::method_not_allowed(
                "update",
                &format!("{}/{}", def.plural, other.name()),
            ))
        }
    };
    admission::defaults(res, &mut new, Some(existing), env);
    if def.generation && sub.is_none() && admission::spec_changed(res, existing, &new) {
        let g = obj::path_i64(existing, "metadata.generation").unwrap_or(0);
        obj::meta_mut(&mut new).insert("generation".into(), json!(g + 1));
    }
    admission::validate(res, &new, Some(existing))?;
    admission::admit_update(inner, res, &mut new, existing)?;

    // An object being deleted goes once its last finalizer is gone (a pod only once its
    // kubelet has finished it, which sets the grace period to zero).
    let pod_finished =
        res != ids::pods() || obj::path_i64(&new, "metadata.deletionGracePeriodSeconds") == Some(0);
    if obj::is_deleting(&new) && finalizers_done(res, &new) && pod_finished {
        if opts.dry_run {
            return Ok(Written {
                object: Arc::new(new),
                created: false,
                changed: true,
                warnings,
            });
        }
        let gone = inner
            .remove(res, obj::namespace(&new), &name)
            .unwrap_or_else(|| existing.clone());
        return Ok(Written {
            object: gone,
            created: false,
            changed: true,
            warnings,
        });
    }

    if let Managed::Record = managed {
        if !opts.manager.is_empty() {
            ssa::record_update(
                def.group,
                def.kind,
                Some(existing),
                &mut new,
                &opts.manager,
                &def.api_version(),
                sub.map(Sub::name),
                &env.now_str(),
            );
        }
    }
    if same_object(existing, &new) {
        return Ok(Written {
            object: existing.clone(),
            created: false,
            changed: false,
            warnings,
        });
    }
    if opts.dry_run {
        return Ok(Written {
            object: Arc::new(new),
            created: false,
            changed: true,
            warnings,
        });
    }
    let object = inner.put(res, new);
    Ok(Written {
        object,
        created: false,
        changed: true,
        warnings,
    })
}

/// A main-resource write: the body's spec and metadata, the stored status and server-owned
/// metadata.
fn main_resource_view(def: &ResourceDef, existing: &Value, mut body: Value) -> Value {
    let keep = [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "namespace",
        "name",
    ];
    let body_sets_managed = body
        .get("metadata")
        .is_some_and(|m| m.get("managedFields").is_some());
    let meta = obj::meta_mut(&mut body);
    for key in keep {
        match existing.get("metadata").and_then(|m| m.get(key)) {
            Some(v) => {
                meta.insert(key.into(), v.clone());
            }
            None => {
                meta.remove(key);
            }
        }
    }
    if !body_sets_managed {
        if let Some(mf) = existing
            .get("metadata")
            .and_then(|m| m.get("managedFields"))
        {
            meta.insert("managedFields".into(), mf.clone());
        }
    } else if meta
        .get("managedFields")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        meta.remove("managedFields");
    }
    meta.remove("resourceVersion");
    if def.status_split {
        match existing.get("status") {
            Some(s) => body["status"] = s.clone(),
            None => {
                body.as_object_mut().map(|m| m.remove("status"));
            }
        }
    }
    body
}

fn finalizers_done(res: ResourceId, obj: &Value) -> bool {
    let meta_empty = obj::path(obj, "metadata.finalizers")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    let spec_empty = res != ids::namespaces()
        || obj::path(obj, "spec.finalizers")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
    meta_empty && spec_empty
}

/// Equality that ignores the resourceVersion and the timestamps of managedFields entries.
pub fn same_object(a: &Value, b: &Value) -> bool {
    fn strip(v: &Value) -> Value {
        let mut v = v.clone();
        if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
            if let Some(Value::Array(entries)) = meta.get_mut("managedFields") {
                for e in entries {
                    if let Some(e) = e.as_object_mut() {
                        e.remove("time");
                    }
                }
            }
        }
        v
    }
    strip(a) == strip(b)
}

/// Applies a patch (PATCH) to an object or its status/scale subresource.
#[allow(clippy::too_many_arguments)]
pub fn patch(
    inner: &mut Inner,
    env: &Env,
    res: ResourceId,
    ns: Option<&str>,
    name: &str,
    kind: BodyType,
    body: &[u8],
    sub: Option<Sub>,
    opts: &WriteOpts,
) -> ApiResult<Written> {
    let def = registry::def(res);
    if kind != BodyType::ApplyPatch && opts.force.is_some() {
        return Err(ApiError::invalid_kind(
            "PatchOptions",
            "meta.k8s.io",
            "",
            vec![Cause::new(
                "FieldValueForbidden",
                "force",
                "Forbidden: may not be specified for non-apply patch",
            )],
        ));
    }
    let existing = inner.get(res, ns.unwrap_or(""), name).cloned();
    if kind == BodyType::ApplyPatch {
        return apply(inner, env, res, ns, name, existing, body, sub, opts);
    }
    let existing = existing.ok_or_else(|| ApiError::not_found(def, name))?;
    if sub == Some(Sub::Scale) {
        return patch_scale(inner, env, res, &existing, kind, body, opts);
    }
    let patched = apply_patch_body(def, &existing, kind, body)?;
    let (patched, warnings) = decode(res, patched, opts.validation)?;
    commit(
        inner,
        env,
        res,
        &existing,
        patched,
        sub,
        opts,
        Managed::Record,
        warnings,
    )
}

/// JSON, merge and strategic merge patches against a JSON document.
fn apply_patch_body(
    def: &ResourceDef,
    target: &Value,
    kind: BodyType,
    body: &[u8],
) -> ApiResult<Value> {
    let mut doc = target.clone();
    match kind {
        BodyType::JsonPatch => {
            let p: json_patch::Patch = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            if p.0.len() > 10_000 {
                return Err(ApiError::bad_request(
                    "the allowed maximum operations in a JSON patch is 10000",
                ));
            }
            json_patch::patch(&mut doc, &p)
                .map_err(|e| ApiError::unprocessable_patch(e.to_string()))?;
        }
        BodyType::MergePatch => {
            let p: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            if !p.is_object() {
                return Err(ApiError::bad_request(
                    "error decoding patch: merge patch must be an object",
                ));
            }
            json_patch::merge(&mut doc, &p);
        }
        BodyType::StrategicMergePatch => {
            let p: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            doc = smp::strategic_merge(def.group, def.kind, target, &p)
                .map_err(ApiError::bad_request)?;
        }
        _ => {
            return Err(ApiError::unsupported_media_type(
                "",
                &[
                    "application/json-patch+json",
                    "application/merge-patch+json",
                    "application/apply-patch+yaml",
                    "application/strategic-merge-patch+json",
                ],
            ))
        }
    }
    Ok(doc)
}

/// Server-side apply (`application/apply-patch+yaml`): creates or merges with ownership.
#[allow(clippy::too_many_arguments)]
fn apply(
    inner: &mut Inner,
    env: &Env,
    res: ResourceId,
    ns: Option<&str>,
    name: &str,
    existing: Option<Arc<Value>>,
    body: &[u8],
    sub: Option<Sub>,
    opts: &WriteOpts,
) -> ApiResult<Written> {
    let def = registry::def(res);
    if opts.manager.is_empty() {
        return Err(ApiError::invalid_kind(
            "PatchOptions",
            "meta.k8s.io",
            "",
            vec![Cause::new(
                "FieldValueRequired",
                "fieldManager",
                "Required value: is required for apply patch",
            )],
        ));
    }
    let mut config: Value = parse_yaml_or_json(body)?;
    if config
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .is_some()
    {
        return Err(ApiError::bad_request("metadata.managedFields must be nil"));
    }
    let av = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = config.get("kind").and_then(Value::as_str).unwrap_or("");
    if av.is_empty() || kind.is_empty() {
        return Err(ApiError::bad_request("invalid object type: /, Kind="));
    }
    check_type_meta(def, &mut config)?;
    let config_name = obj::name(&config);
    if config_name.is_empty() {
        obj::meta_mut(&mut config).insert("name".into(), json!(name));
    } else if config_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({config_name}) does not match the name on the URL ({name})"
        )));
    }
    check_namespace(def, ns, &mut config)?;
    let (config, warnings) = decode(res, config, opts.validation)?;
    let force = opts.force.unwrap_or(false);
    let now = env.now_str();
    let merged = ssa::apply(
        def.group,
        def.kind,
        existing.as_deref(),
        &config,
        &opts.manager,
        &def.api_version(),
        force,
        &now,
    )
    .map_err(|e| match e {
        ssa::ApplyError::Conflicts(c) => ApiError::apply_conflicts(&c),
        ssa::ApplyError::Invalid(m) => ApiError::bad_request(m),
    })?;
    match existing {
        None => {
            if sub.is_some() {
                return Err(ApiError::not_found(def, name));
            }
            // A create through apply: the managed fields come from the apply itself.
            let mut created = create_with(inner, env, res, ns, merged, opts, Managed::AsIs)?;
            created.warnings.extend(warnings);
            Ok(created)
        }
        Some(existing) => commit(
            inner,
            env,
            res,
            &existing,
            merged,
            sub,
            opts,
            Managed::AsIs,
            warnings,
        ),
    }
}

/// Parses an apply body: YAML or JSON (JSON is YAML).
pub fn parse_yaml_or_json(body: &[u8]) -> ApiResult<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return Ok(v);
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("error decoding YAML: the body is not UTF-8"))?;
    serde_saphyr::from_str::<Value>(text)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
}

/// The autoscaling/v1 Scale view of a scalable object.
pub fn scale_of(object: &Value) -> Value {
    let selector = obj::path(object, "spec.selector")
        .map(label_selector_string)
        .unwrap_or_default();
    let replicas = obj::path_i64(object, "spec.replicas").unwrap_or(1);
    let status_replicas = obj::path_i64(object, "status.replicas").unwrap_or(0);
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": obj::name(object),
            "namespace": obj::namespace(object),
            "uid": obj::uid(object),
            "resourceVersion": obj::meta_str(object, "resourceVersion"),
            "creationTimestamp": obj::meta_str(object, "creationTimestamp"),
        },
        "spec": {"replicas": replicas},
        "status": {"replicas": status_replicas, "selector": selector},
    })
}

/// A metav1.LabelSelector as a selector string (`app=web,tier in (a,b)`).
pub fn label_selector_string(sel: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
        let mut keys: Vec<&String> = m.keys().collect();
        keys.sort();
        for k in keys {
            parts.push(format!("{k}={}", m[k].as_str().unwrap_or("")));
        }
    }
    if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = e.get("key").and_then(Value::as_str).unwrap_or("");
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            match e.get("operator").and_then(Value::as_str).unwrap_or("") {
                "In" => parts.push(format!("{key} in ({})", values.join(","))),
                "NotIn" => parts.push(format!("{key} notin ({})", values.join(","))),
                "Exists" => parts.push(key.to_string()),
                "DoesNotExist" => parts.push(format!("!{key}")),
                _ => {}
            }
        }
    }
    parts.join(",")
}

/// PUT of a Scale: sets `spec.replicas`.
pub fn update_scale(
    inner: &mut Inner,
    env: &Env,
    res: ResourceId,
    ns: Option<&str>,
    name: &str,
    body: Value,
    opts: &WriteOpts,
) -> ApiResult<Written> {
    let def = registry::def(res);
    let existing = inner
        .get(res, ns.unwrap_or(""), name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(def, name))?;
    let rv = obj::meta_str(&body, "resourceVersion");
    if !rv.is_empty() && rv != obj::meta_str(&existing, "resourceVersion") {
        return Err(ApiError::conflict(def, name));
    }
    set_replicas(inner, env, res, &existing, &body, opts)
}

fn patch_scale(
    inner: &mut Inner,
    env: &Env,
    res: ResourceId,
    existing: &Arc<Value>,
    kind: BodyType,
    body: &[u8],
    opts: &WriteOpts,
) -> ApiResult<Written> {
    let def = registry::def(res);
    let scale = scale_of(existing);
    let patched = apply_patch_body(def, &scale, kind, body)?;
    set_replicas(inner, env, res, existing, &patched, opts)
}

fn set_replicas(
    inner: &mut Inner,
    env: &Env,
    res: ResourceId,
    existing: &Arc<Value>,
    scale: &Value,
    opts: &WriteOpts,
) -> ApiResult<Written> {
    let replicas = obj::path(scale, "spec.replicas")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if replicas < 0 {
        return Err(ApiError::invalid_kind(
            "Scale",
            "autoscaling",
            obj::name(existing),
            vec![Cause::invalid(
                "spec.replicas",
                &json!(replicas),
                "must be greater than or equal to 0",
            )],
        ));
    }
    let mut body = (**existing).clone();
    obj::set_path(&mut body, "spec.replicas", json!(replicas));
    let written = commit(
        inner,
        env,
        res,
        existing,
        body,
        None,
        opts,
        Managed::Record,
        Vec::new(),
    )?;
    Ok(Written {
        object: Arc::new(scale_of(&written.object)),
        ..written
    })
}

/// The namespaces that may never be deleted.
const IMMORTAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

/// Deletes an object (DELETE).
pub fn delete(
    inner: &mut Inner,
    env: &Env,
    res: ResourceId,
    ns: Option<&str>,
    name: &str,
    opts: &DeleteOpts,
) -> ApiResult<Deleted> {
    let def = registry::def(res);
    let existing = inner
        .get(res, ns.unwrap_or(""), name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(def, name))?;
    if let Some(uid) = &opts.precondition_uid {
        if uid != obj::uid(&existing) {
            return Err(ApiError::conflict_with(
                def,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    obj::uid(&existing)
                ),
            ));
        }
    }
    if let Some(rv) = &opts.precondition_rv {
        if rv != obj::meta_str(&existing, "resourceVersion") {
            return Err(ApiError::conflict_with(
                def,
                name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                    obj::meta_str(&existing, "resourceVersion")
                ),
            ));
        }
    }
    if res == ids::namespaces() {
        return delete_namespace(inner, env, &existing, opts);
    }
    if res == ids::pods() {
        return delete_pod(inner, env, &existing, opts);
    }
    let mut finalizers: Vec<Value> = obj::path(&existing, "metadata.finalizers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let orphan =
        opts.propagation.as_deref() == Some("Orphan") || opts.orphan_dependents == Some(true);
    let foreground = opts.propagation.as_deref() == Some("Foreground");
    let has_dependents = !inner.dependents(obj::uid(&existing)).is_empty();
    if orphan && has_dependents && !finalizers.iter().any(|f| f == "orphan") {
        finalizers.push(json!("orphan"));
    }
    if foreground && has_dependents && !finalizers.iter().any(|f| f == "foregroundDeletion") {
        finalizers.push(json!("foregroundDeletion"));
    }
    if finalizers.is_empty() {
        if opts.dry_run {
            return Ok(Deleted::Removed(existing));
        }
        let gone = inner
            .remove(res, ns.unwrap_or(""), name)
            .unwrap_or(existing);
        return Ok(Deleted::Removed(gone));
    }
    if obj::is_deleting(&existing)
        && obj::path(&existing, "metadata.finalizers") == Some(&json!(finalizers))
    {
        return Ok(Deleted::Pending(existing));
    }
    let mut next = (*existing).clone();
    mark_deleting(def, &mut next, env, None);
    obj::meta_mut(&mut next).insert("finalizers".into(), json!(finalizers));
    if opts.dry_run {
        return Ok(Deleted::Pending(Arc::new(next)));
    }
    Ok(Deleted::Pending(inner.put(res, next)))
}

/// Sets deletionTimestamp (once), bumping generation where it is tracked.
fn mark_deleting(def: &ResourceDef, obj: &mut Value, env: &Env, grace: Option<i64>) {
    if obj::is_deleting(obj) {
        return;
    }
    let at = match grace {
        Some(g) => rfc3339(env.now() + jiff::SignedDuration::from_secs(g)),
        None => env.now_str(),
    };
    let generation = obj::path_i64(obj, "metadata.generation");
    let meta = obj::meta_mut(obj);
    meta.insert("deletionTimestamp".into(), json!(at));
    if let Some(g) = grace {
        meta.insert("deletionGracePeriodSeconds".into(), json!(g));
    } else if def.generation {
        meta.insert("deletionGracePeriodSeconds".into(), json!(0));
    }
    if let (true, Some(g)) = (def.generation, generation) {
        meta.insert("generation".into(), json!(g + 1));
    }
}

fn delete_namespace(
    inner: &mut Inner,
    env: &Env,
    existing: &Arc<Value>,
    opts: &DeleteOpts,
) -> ApiResult<Deleted> {
    let name = obj::name(existing);
    if IMMORTAL_NAMESPACES.contains(&name) {
        return Err(ApiError::forbidden(
            registry::def(ids::namespaces()),
            name,
            "this namespace may not be deleted",
        ));
    }
    if obj::is_deleting(existing) {
        return Ok(Deleted::Pending(existing.clone()));
    }
    let mut next = (**existing).clone();
    mark_deleting(registry::def(ids::namespaces()), &mut next, env, None);
    obj::set_path(&mut next, "status.phase", json!("Terminating"));
    if opts.dry_run {
        return Ok(Deleted::Pending(Arc::new(next)));
    }
    Ok(Deleted::Pending(inner.put(ids::namespaces(), next)))
}

fn delete_pod(
    inner: &mut Inner,
    env: &Env,
    existing: &Arc<Value>,
    opts: &DeleteOpts,
) -> ApiResult<Deleted> {
    let spec_grace = obj::path_i64(existing, "spec.terminationGracePeriodSeconds").unwrap_or(30);
    let grace = opts.grace_period.unwrap_or(spec_grace).max(0);
    let phase = obj::path_str(existing, "status.phase");
    let unscheduled = obj::path_str(existing, "spec.nodeName").is_empty();
    let finished = phase == "Succeeded" || phase == "Failed";
    let finalizers_empty = obj::path(existing, "metadata.finalizers")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    if grace == 0 || unscheduled || finished {
        if opts.dry_run {
            return Ok(Deleted::Removed(existing.clone()));
        }
        if finalizers_empty {
            let gone = inner
                .remove(ids::pods(), obj::namespace(existing), obj::name(existing))
                .unwrap_or_else(|| existing.clone());
            return Ok(Deleted::Removed(gone));
        }
        // Finished, but finalizers hold the object until they are removed.
        let mut next = (**existing).clone();
        let meta = obj::meta_mut(&mut next);
        meta.entry("deletionTimestamp")
            .or_insert_with(|| json!(env.now_str()));
        meta.insert("deletionGracePeriodSeconds".into(), json!(0));
        return Ok(Deleted::Pending(inner.put(ids::pods(), next)));
    }
    let current = obj::path_i64(existing, "metadata.deletionGracePeriodSeconds");
    if obj::is_deleting(existing) && current.is_some_and(|c| c <= grace) {
        return Ok(Deleted::Pending(existing.clone()));
    }
    let mut next = (**existing).clone();
    {
        let meta = obj::meta_mut(&mut next);
        meta.remove("deletionTimestamp");
    }
    mark_deleting(registry::def(ids::pods()), &mut next, env, Some(grace));
    if opts.dry_run {
        return Ok(Deleted::Pending(Arc::new(next)));
    }
    Ok(Deleted::Pending(inner.put(ids::pods(), next)))
}

/// Removes a finalizer from an object (used by the garbage collector and the namespace
/// controller); completes the deletion when it was the last one.
pub fn remove_finalizer(
    inner: &mut Inner,
    env: &Env,
    res: ResourceId,
    ns: &str,
    name: &str,
    finalizer: &str,
) {
    let Some(existing) = inner.get(res, ns, name).cloned() else {
        return;
    };
    let mut next = (*existing).clone();
    if let Some(list) =
        obj::path_mut(&mut next, "metadata.finalizers").and_then(Value::as_array_mut)
    {
        list.retain(|f| f != finalizer);
    }
    let _ = commit(
        inner,
        env,
        res,
        &existing,
        next,
        None,
        &WriteOpts::controller("kube-controller-manager"),
        Managed::AsIs,
        Vec::new(),
    );
}
