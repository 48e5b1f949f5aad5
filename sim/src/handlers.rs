//! Resource endpoints: get, list, create, update, patch, delete, deletecollection, and the
//! scale, status, finalize and log subresources. Watches are in `watch`.

use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use http::{header, HeaderMap, Method, Response};
use serde_json::{json, Value};

use crate::api::{self, DeleteOpts, Deleted, FieldValidation, WriteOpts, Written};
use crate::auth::{self, Attributes, User};
use crate::logs;
use crate::metrics;
use crate::negotiate::{self, BodyType, Output};
use crate::obj;
use crate::protobuf;
use crate::query::Query;
use crate::registry::{self, ids, ResourceDef, ResourceId, Sub};
use crate::route::ResourcePath;
use crate::selector::{self, FieldSelector, LabelSelector};
use crate::server::{authorize, bytes_response, error_response, json_response, Body, State};
use crate::status::{ApiError, ApiResult};
use crate::table::{self, IncludeObject};
use crate::watch;

/// Dispatches a request on a resource path.
pub async fn resource(
    state: &Arc<State>,
    user: &User,
    method: &Method,
    headers: &HeaderMap,
    p: ResourcePath,
    query: &Query,
    body: Bytes,
) -> Response<Body> {
    match resource_inner(state, user, method, headers, p, query, body).await {
        Ok(r) => r,
        Err(e) => error_response(&e),
    }
}

fn verb_of(method: &Method, p: &ResourcePath, query: &Query) -> Option<&'static str> {
    Some(match (method, p.name.is_some()) {
        (&Method::GET, false) if query.flag("watch") => "watch",
        (&Method::GET, false) => "list",
        (&Method::GET, true) => "get",
        (&Method::POST, false) => "create",
        (&Method::PUT, true) => "update",
        (&Method::PATCH, true) => "patch",
        (&Method::DELETE, true) => "delete",
        (&Method::DELETE, false) => "deletecollection",
        _ => return None,
    })
}

async fn resource_inner(
    state: &Arc<State>,
    user: &User,
    method: &Method,
    headers: &HeaderMap,
    p: ResourcePath,
    query: &Query,
    body: Bytes,
) -> ApiResult<Response<Body>> {
    let def = registry::def(p.res);
    let Some(verb) = verb_of(method, &p, query) else {
        return Err(ApiError::method_not_allowed(method.as_str(), def.plural));
    };
    let sub_verb_ok = match p.sub {
        None => def.allows(verb),
        Some(Sub::Log) => verb == "get",
        Some(Sub::Finalize) => verb == "update",
        Some(Sub::Status | Sub::Scale) => matches!(verb, "get" | "update" | "patch"),
    };
    if !sub_verb_ok {
        return Err(ApiError::method_not_allowed(verb, def.plural));
    }
    // A namespaced resource without a namespace is only a cross-namespace read.
    if def.namespaced && p.ns.is_none() && !matches!(verb, "list" | "watch") {
        return Err(ApiError::no_such_path());
    }
    let attrs = Attributes {
        verb,
        group: def.group,
        resource: def.plural,
        subresource: p.sub.map(Sub::name),
        namespace: auth::request_namespace(
            def.group,
            def.plural,
            p.ns.as_deref(),
            p.name.as_deref(),
        ),
        name: p.name.as_deref(),
    };
    authorize(user, &attrs, &def.qualified())?;
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ns = p.ns.as_deref();
    match verb {
        "watch" => watch::serve(state.clone(), p, query, accept),
        "list" => list(state, &p, query, accept),
        "get" => get(state, &p, query, accept),
        "create" => create(state, user, &p, query, content_type, user_agent, &body),
        "update" => {
            let opts = write_opts(query, user_agent, false)?;
            let obj = parse_body(content_type, &body)?;
            let name = p.name.as_deref().unwrap_or("");
            let env = &state.env;
            let written = match p.sub {
                Some(Sub::Scale) => state
                    .store
                    .write(|s| api::update_scale(s, env, p.res, ns, name, obj, &opts))?,
                sub => state
                    .store
                    .write(|s| api::update(s, env, p.res, ns, name, obj, sub, &opts))?,
            };
            Ok(written_response(200, &written))
        }
        "patch" => {
            let kind = negotiate::body_type(content_type)
                .filter(|k| {
                    matches!(
                        k,
                        BodyType::JsonPatch
                            | BodyType::MergePatch
                            | BodyType::StrategicMergePatch
                            | BodyType::ApplyPatch
                    )
                })
                .ok_or_else(|| {
                    ApiError::unsupported_media_type(
                        content_type.unwrap_or(""),
                        &[
                            "application/json-patch+json",
                            "application/merge-patch+json",
                            "application/apply-patch+yaml",
                            "application/strategic-merge-patch+json",
                        ],
                    )
                })?;
            let opts = write_opts(query, user_agent, kind == BodyType::ApplyPatch)?;
            let name = p.name.as_deref().unwrap_or("");
            let env = &state.env;
            let written = state
                .store
                .write(|s| api::patch(s, env, p.res, ns, name, kind, &body, p.sub, &opts))?;
            Ok(written_response(
                if written.created { 201 } else { 200 },
                &written,
            ))
        }
        "delete" => {
            let opts = delete_opts(query, &body)?;
            let name = p.name.as_deref().unwrap_or("");
            let env = &state.env;
            let deleted = state
                .store
                .write(|s| api::delete(s, env, p.res, ns, name, &opts))?;
            Ok(deleted_response(def, &deleted))
        }
        "deletecollection" => delete_collection(state, &p, query, &body),
        _ => Err(ApiError::method_not_allowed(verb, def.plural)),
    }
}

/// Derives the field manager the way the API server does when none is given: the user agent
/// up to its first `/`.
fn manager_from(query: &Query, user_agent: &str) -> String {
    match query.non_empty("fieldManager") {
        Some(m) => m.to_string(),
        None => {
            let prefix = user_agent.split('/').next().unwrap_or("");
            if prefix.is_empty() {
                "unknown".into()
            } else {
                prefix.to_string()
            }
        }
    }
}

fn write_opts(query: &Query, user_agent: &str, apply: bool) -> ApiResult<WriteOpts> {
    let manager = if apply {
        query.non_empty("fieldManager").unwrap_or("").to_string()
    } else {
        manager_from(query, user_agent)
    };
    if manager.len() > 128 {
        return Err(ApiError::invalid_kind(
            "PatchOptions",
            "meta.k8s.io",
            "",
            vec![crate::status::Cause::new(
                "FieldValueTooLong",
                "fieldManager",
                "Too long: may not be more than 128 bytes",
            )],
        ));
    }
    Ok(WriteOpts {
        dry_run: query.dry_run().map_err(ApiError::bad_request)?,
        manager,
        validation: FieldValidation::parse(query.get("fieldValidation"))?,
        force: query.bool_opt("force"),
    })
}

fn parse_body(content_type: Option<&str>, body: &[u8]) -> ApiResult<Value> {
    match negotiate::body_type(content_type) {
        Some(BodyType::Json) => serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        }),
        Some(BodyType::Yaml) => api::parse_yaml_or_json(body),
        Some(BodyType::Protobuf) => protobuf::decode(body).map_err(ApiError::bad_request),
        _ => Err(ApiError::unsupported_media_type(
            content_type.unwrap_or(""),
            &[],
        )),
    }
}

fn written_response(status: u16, w: &Written) -> Response<Body> {
    let mut r = json_response(status, &w.object);
    for warning in &w.warnings {
        if let Ok(v) = header::HeaderValue::from_str(&format!("299 - {:?}", warning)) {
            r.headers_mut().append(header::WARNING, v);
        }
    }
    r
}

fn deleted_response(def: &ResourceDef, d: &Deleted) -> Response<Body> {
    match d {
        // Pods and services return the deleted object, as their registries do.
        Deleted::Removed(o) if def.plural != "pods" && def.plural != "services" => json_response(
            200,
            &json!({
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": {"name": obj::name(o), "group": def.group, "kind": def.plural, "uid": obj::uid(o)},
            }),
        ),
        other => json_response(200, other.object()),
    }
}

fn delete_opts(query: &Query, body: &[u8]) -> ApiResult<DeleteOpts> {
    let mut opts = DeleteOpts::default();
    if !body.iter().all(u8::is_ascii_whitespace) {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding DeleteOptions: {e}")))?;
        opts.propagation = v
            .get("propagationPolicy")
            .and_then(Value::as_str)
            .map(str::to_string);
        opts.grace_period = v.get("gracePeriodSeconds").and_then(Value::as_i64);
        opts.orphan_dependents = v.get("orphanDependents").and_then(Value::as_bool);
        opts.precondition_uid = obj::path(&v, "preconditions.uid")
            .and_then(Value::as_str)
            .map(str::to_string);
        opts.precondition_rv = obj::path(&v, "preconditions.resourceVersion")
            .and_then(Value::as_str)
            .map(str::to_string);
        opts.dry_run = v
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|x| x == "All"));
    }
    if let Some(p) = query.non_empty("propagationPolicy") {
        opts.propagation = Some(p.to_string());
    }
    if let Some(g) = query
        .i64_opt("gracePeriodSeconds")
        .map_err(ApiError::bad_request)?
    {
        opts.grace_period = Some(g);
    }
    if let Some(o) = query.bool_opt("orphanDependents") {
        opts.orphan_dependents = Some(o);
    }
    if query.dry_run().map_err(ApiError::bad_request)? {
        opts.dry_run = true;
    }
    if let Some(p) = &opts.propagation {
        if !matches!(p.as_str(), "Orphan" | "Background" | "Foreground") {
            return Err(ApiError::invalid_kind(
                "DeleteOptions",
                "meta.k8s.io",
                "",
                vec![crate::status::Cause::new(
                    "FieldValueNotSupported",
                    "propagationPolicy",
                    format!("Unsupported value: {p:?}: supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""),
                )],
            ));
        }
    }
    Ok(opts)
}

fn create(
    state: &Arc<State>,
    user: &User,
    p: &ResourcePath,
    query: &Query,
    content_type: Option<&str>,
    user_agent: &str,
    body: &[u8],
) -> ApiResult<Response<Body>> {
    let obj = parse_body(content_type, body)?;
    if p.res == ids::selfsubjectaccessreviews() || p.res == ids::selfsubjectrulesreviews() {
        return Ok(review(p.res, user, obj));
    }
    let opts = write_opts(query, user_agent, false)?;
    let env = &state.env;
    let written = state
        .store
        .write(|s| api::create(s, env, p.res, p.ns.as_deref(), obj, &opts))?;
    Ok(written_response(201, &written))
}

fn review(res: ResourceId, user: &User, mut obj: Value) -> Response<Body> {
    let def = registry::def(res);
    obj["apiVersion"] = json!(def.api_version());
    obj["kind"] = json!(def.kind);
    let spec = obj.get("spec").cloned().unwrap_or(json!({}));
    obj["status"] = if res == ids::selfsubjectaccessreviews() {
        auth::access_review(user, &spec)
    } else {
        auth::rules_review(user)
    };
    if obj.get("metadata").is_none() {
        obj["metadata"] = json!({});
    }
    json_response(201, &obj)
}

/// Parsed list/watch filters.
pub struct Filters {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Filters {
    pub fn parse(res: ResourceId, query: &Query) -> ApiResult<Filters> {
        let labels = LabelSelector::parse(query.get("labelSelector").unwrap_or(""))
            .map_err(ApiError::bad_request)?;
        let fields = FieldSelector::parse(query.get("fieldSelector").unwrap_or(""))
            .map_err(ApiError::bad_request)?;
        let probe = json!({});
        for f in fields.fields() {
            if selector::field_value(res, &probe, f).is_none() {
                return Err(ApiError::bad_request(format!(
                    "field label not supported: {f}"
                )));
            }
        }
        Ok(Filters { labels, fields })
    }

    pub fn matches(&self, res: ResourceId, o: &Value) -> bool {
        (self.labels.is_empty() || self.labels.matches(obj::labels(o)))
            && (self.fields.is_empty() || self.fields.matches(|f| selector::field_value(res, o, f)))
    }
}

/// Checks the resourceVersion parameters of a list or watch.
pub fn check_list_options(query: &Query) -> ApiResult<()> {
    let rv = query.non_empty("resourceVersion");
    if query.non_empty("resourceVersionMatch").is_some() && rv.is_none() {
        return Err(ApiError::invalid_kind(
            "ListOptions",
            "meta.k8s.io",
            "",
            vec![crate::status::Cause::new(
                "FieldValueForbidden",
                "resourceVersionMatch",
                "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
            )],
        ));
    }
    if query.non_empty("continue").is_some() && rv.is_some_and(|v| v != "0") {
        return Err(ApiError::bad_request(
            "specifying resource version is not allowed when using continue",
        ));
    }
    Ok(())
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    rv: u64,
    ns: String,
    name: String,
}

fn encode_continue(rv: u64, last: &Value) -> String {
    let t = ContinueToken {
        rv,
        ns: obj::namespace(last).to_string(),
        name: obj::name(last).to_string(),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&t).unwrap_or_default())
}

fn decode_continue(s: &str) -> ApiResult<ContinueToken> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| ApiError::bad_request("continue key is not valid: invalid continue token"))
}

/// A page of a list: items, the snapshot RV, a continue token, remaining count.
pub struct Page {
    pub items: Vec<Arc<Value>>,
    pub rv: u64,
    pub continue_token: Option<String>,
    pub remaining: Option<u64>,
}

/// Lists objects from the store (or the metrics pipeline) per the query.
pub fn list_page(state: &State, p: &ResourcePath, query: &Query) -> ApiResult<Page> {
    check_list_options(query)?;
    let filters = Filters::parse(p.res, query)?;
    let limit = query
        .u64_opt("limit")
        .map_err(ApiError::bad_request)?
        .filter(|l| *l > 0)
        .map(|l| l as usize);
    let token = query
        .non_empty("continue")
        .map(decode_continue)
        .transpose()?;
    let ns = p.ns.as_deref();
    if registry::def(p.res).virtual_kind {
        let items = metrics::list(state, p.res, ns)?
            .into_iter()
            .filter(|o| filters.matches(p.res, o))
            .map(Arc::new)
            .collect();
        return Ok(Page {
            items,
            rv: 0,
            continue_token: None,
            remaining: None,
        });
    }
    state.store.read(|s| {
        let rv = match &token {
            Some(t) => t.rv,
            None => s.rv(),
        };
        if token.as_ref().is_some_and(|t| s.expired(t.rv)) {
            return Err(ApiError::expired(
                "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
            ));
        }
        let after = token.as_ref().map(|t| (t.ns.clone(), t.name.clone()));
        let mut matching = s
            .list(p.res, ns)
            .filter(|o| match &after {
                Some((tn, tname)) => (obj::namespace(o), obj::name(o)) > (tn.as_str(), tname.as_str()),
                None => true,
            })
            .filter(|o| filters.matches(p.res, o));
        let mut items: Vec<Arc<Value>> = Vec::new();
        let mut more = false;
        for o in matching.by_ref() {
            if limit.is_some_and(|l| items.len() >= l) {
                more = true;
                break;
            }
            items.push(o.clone());
        }
        let continue_token = if more {
            items.last().map(|last| encode_continue(rv, last))
        } else {
            None
        };
        // The API server reports remainingItemCount only for unfiltered lists.
        let unfiltered = filters.labels.is_empty() && filters.fields.is_empty();
        let remaining = (more && unfiltered).then(|| 1 + matching.count() as u64);
        Ok(Page {
            items,
            rv,
            continue_token,
            remaining,
        })
    })
}

fn list(
    state: &State,
    p: &ResourcePath,
    query: &Query,
    accept: Option<&str>,
) -> ApiResult<Response<Body>> {
    let output = negotiate::output(accept)?;
    let page = list_page(state, p, query)?;
    let def = registry::def(p.res);
    let rv = if page.rv == 0 {
        String::new()
    } else {
        page.rv.to_string()
    };
    match output {
        Output::Table { .. } => {
            let rows: Vec<&Value> = page.items.iter().map(|a| a.as_ref()).collect();
            let t = table::table(
                p.res,
                &rows,
                include_object(query),
                true,
                &rv,
                page.continue_token.as_deref(),
                page.remaining,
                state.env.now(),
            );
            Ok(bytes_response(200, output.content_type(), t.to_string()))
        }
        Output::PartialObjectMetadata { .. } => {
            let items: Vec<Value> = page.items.iter().map(|o| partial_metadata(o)).collect();
            let mut meta = json!({"resourceVersion": rv});
            add_page_meta(&mut meta, &page);
            let doc = json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": meta,
                "items": items,
            });
            Ok(bytes_response(200, output.content_type(), doc.to_string()))
        }
        Output::Json => {
            let mut meta = json!({"resourceVersion": rv});
            add_page_meta(&mut meta, &page);
            Ok(bytes_response(
                200,
                "application/json",
                list_json(def, &meta, &page.items),
            ))
        }
    }
}

fn add_page_meta(meta: &mut Value, page: &Page) {
    if let Some(c) = &page.continue_token {
        meta["continue"] = json!(c);
    }
    if let Some(r) = page.remaining {
        meta["remainingItemCount"] = json!(r);
    }
}

/// Serialises a list without copying its items.
fn list_json(def: &ResourceDef, meta: &Value, items: &[Arc<Value>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + items.len() * 2048);
    out.extend_from_slice(b"{\"kind\":");
    serde_json::to_writer(&mut out, def.list_kind).ok();
    out.extend_from_slice(b",\"apiVersion\":");
    serde_json::to_writer(&mut out, &def.api_version()).ok();
    out.extend_from_slice(b",\"metadata\":");
    serde_json::to_writer(&mut out, meta).ok();
    out.extend_from_slice(b",\"items\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, item.as_ref()).ok();
    }
    out.extend_from_slice(b"]}");
    out
}

/// `includeObject` for Tables (the API server's default is Metadata).
pub fn include_object(query: &Query) -> IncludeObject {
    match query.get("includeObject") {
        Some("None") => IncludeObject::None,
        Some("Object") => IncludeObject::Object,
        _ => IncludeObject::Metadata,
    }
}

/// `{"kind":"PartialObjectMetadata",...}` of an object.
pub fn partial_metadata(o: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": o.get("metadata").cloned().unwrap_or(json!({})),
    })
}

fn get(
    state: &State,
    p: &ResourcePath,
    query: &Query,
    accept: Option<&str>,
) -> ApiResult<Response<Body>> {
    let def = registry::def(p.res);
    let name = p.name.as_deref().unwrap_or("");
    let ns = p.ns.as_deref().unwrap_or("");
    if p.sub == Some(Sub::Log) {
        let pod = state
            .store
            .read(|s| s.get(p.res, ns, name).cloned())
            .ok_or_else(|| ApiError::not_found(def, name))?;
        let text = logs::read(&pod, query, state.env.now())?;
        return Ok(bytes_response(200, "text/plain", text));
    }
    let object: Arc<Value> = if def.virtual_kind {
        Arc::new(metrics::get(state, p.res, p.ns.as_deref(), name)?)
    } else {
        state
            .store
            .read(|s| s.get(p.res, ns, name).cloned())
            .ok_or_else(|| ApiError::not_found(def, name))?
    };
    if p.sub == Some(Sub::Scale) {
        return Ok(json_response(200, &api::scale_of(&object)));
    }
    if p.sub.is_some() {
        return Ok(json_response(200, &object));
    }
    let output = negotiate::output(accept)?;
    match output {
        Output::Json => Ok(json_response(200, &object)),
        Output::PartialObjectMetadata { .. } => Ok(bytes_response(
            200,
            output.content_type(),
            partial_metadata(&object).to_string(),
        )),
        Output::Table { .. } => {
            let rv = obj::meta_str(&object, "resourceVersion").to_string();
            let t = table::table(
                p.res,
                &[object.as_ref()],
                include_object(query),
                true,
                &rv,
                None,
                None,
                state.env.now(),
            );
            Ok(bytes_response(200, output.content_type(), t.to_string()))
        }
    }
}

fn delete_collection(
    state: &State,
    p: &ResourcePath,
    query: &Query,
    body: &[u8],
) -> ApiResult<Response<Body>> {
    let def = registry::def(p.res);
    let filters = Filters::parse(p.res, query)?;
    let opts = delete_opts(query, body)?;
    let env = &state.env;
    let ns = p.ns.as_deref();
    let deleted: Vec<Arc<Value>> = state.store.write(|s| {
        let names: Vec<(String, String)> = s
            .list(p.res, ns)
            .filter(|o| filters.matches(p.res, o))
            .map(|o| (obj::namespace(o).to_string(), obj::name(o).to_string()))
            .collect();
        names
            .iter()
            .filter_map(|(n, name)| {
                let ns = (!n.is_empty()).then_some(n.as_str());
                api::delete(s, env, p.res, ns, name, &opts)
                    .ok()
                    .map(|d| d.object().clone())
            })
            .collect()
    });
    let rv = state.store.rv().to_string();
    Ok(bytes_response(
        200,
        "application/json",
        list_json(def, &json!({"resourceVersion": rv}), &deleted),
    ))
}
