//! `Status` errors as the API server writes them: exact `reason` strings, codes and messages.
//!
//! Clients branch on `reason` (kube-rs treats a 404 as NotFound only when `reason` is exactly
//! `"NotFound"`), so every error the simulator returns is built here.

use serde_json::{json, Value};

use crate::registry::ResourceDef;

/// An API error, rendered as a `Status` object.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    /// Boxed: errors travel in every `Result` of the write path, so keep them small.
    pub details: Option<Box<Value>>,
    /// Seconds for a `Retry-After` header (429/503).
    pub retry_after: Option<u64>,
}

/// One entry of `details.causes`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cause {
    pub reason: &'static str,
    pub message: String,
    pub field: String,
}

impl Cause {
    pub fn new(
        reason: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Cause {
        Cause {
            reason,
            message: message.into(),
            field: field.into(),
        }
    }

    /// `FieldValueInvalid` with the API server's `Invalid value: <v>: <msg>` wording.
    pub fn invalid(field: &str, value: &Value, detail: &str) -> Cause {
        let shown = match value {
            Value::String(s) => format!("{s:?}"),
            other => other.to_string(),
        };
        Cause::new(
            "FieldValueInvalid",
            field,
            format!("Invalid value: {shown}: {detail}"),
        )
    }

    /// `FieldValueRequired`.
    pub fn required(field: &str) -> Cause {
        Cause::new("FieldValueRequired", field, "Required value")
    }

    fn to_json(&self) -> Value {
        json!({"reason": self.reason, "message": self.message, "field": self.field})
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(Box::new(details));
        self
    }

    /// The body of the error response.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            status["details"] = (**details).clone();
        }
        status
    }

    /// 404 for an object that does not exist.
    pub fn not_found(res: &ResourceDef, name: &str) -> ApiError {
        ApiError::new(
            404,
            "NotFound",
            format!("{} {name:?} not found", res.qualified()),
        )
        .with_details(json!({"name": name, "group": res.group, "kind": res.plural}))
    }

    /// 404 for a URL that names nothing the server serves.
    pub fn no_such_path() -> ApiError {
        ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    /// 404 for a namespaced write into a namespace that does not exist.
    pub fn namespace_not_found(ns: &str) -> ApiError {
        ApiError::new(404, "NotFound", format!("namespaces {ns:?} not found"))
            .with_details(json!({"name": ns, "kind": "namespaces"}))
    }

    /// 409 AlreadyExists for a create of an existing name.
    pub fn already_exists(res: &ResourceDef, name: &str) -> ApiError {
        ApiError::new(
            409,
            "AlreadyExists",
            format!("{} {name:?} already exists", res.qualified()),
        )
        .with_details(json!({"name": name, "group": res.group, "kind": res.plural}))
    }

    /// 409 Conflict for a write against a stale resourceVersion.
    pub fn conflict(res: &ResourceDef, name: &str) -> ApiError {
        ApiError::conflict_with(
            res,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 409 Conflict with a specific explanation.
    pub fn conflict_with(res: &ResourceDef, name: &str, why: &str) -> ApiError {
        ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} {name:?}: {why}",
                res.qualified()
            ),
        )
        .with_details(json!({"name": name, "group": res.group, "kind": res.plural}))
    }

    /// 409 Conflict from server-side apply: one cause per conflicting field. Managers come
    /// printed as the API server prints them (`"kubectl"`, `"x" using apps/v1`).
    pub fn apply_conflicts(conflicts: &[(String, String)]) -> ApiError {
        let message = match conflicts {
            [(manager, field)] => {
                format!("Apply failed with 1 conflict: conflict with {manager}: {field}")
            }
            _ => {
                let mut by_manager: Vec<(&str, Vec<&str>)> = Vec::new();
                for (manager, field) in conflicts {
                    match by_manager.iter_mut().find(|(m, _)| m == manager) {
                        Some((_, fields)) => fields.push(field),
                        None => by_manager.push((manager, vec![field])),
                    }
                }
                by_manager.sort();
                let parts: Vec<String> = by_manager
                    .iter()
                    .flat_map(|(m, fields)| {
                        std::iter::once(format!("conflicts with {m}:"))
                            .chain(fields.iter().map(|f| format!("- {f}")))
                    })
                    .collect();
                format!(
                    "Apply failed with {} conflicts: {}",
                    conflicts.len(),
                    parts.join("\n")
                )
            }
        };
        let causes: Vec<Value> = conflicts
            .iter()
            .map(|(manager, field)| {
                json!({
                    "reason": "FieldManagerConflict",
                    "message": format!("conflict with {manager}"),
                    "field": field,
                })
            })
            .collect();
        ApiError::new(409, "Conflict", message).with_details(json!({"causes": causes}))
    }

    /// 422 Invalid, with `kind` being the Kind (not the plural) as the API server writes it.
    pub fn invalid(res: &ResourceDef, name: &str, causes: Vec<Cause>) -> ApiError {
        ApiError::invalid_kind(res.kind, res.group, name, causes)
    }

    /// 422 Invalid for a named kind in a group (also used for option kinds such as `PatchOptions`).
    pub fn invalid_kind(kind: &str, group: &str, name: &str, causes: Vec<Cause>) -> ApiError {
        let qualified = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let what: Vec<String> = causes
            .iter()
            .map(|c| {
                if c.field.is_empty() {
                    c.message.clone()
                } else {
                    format!("{}: {}", c.field, c.message)
                }
            })
            .collect();
        let message = if what.len() == 1 {
            format!("{qualified} {name:?} is invalid: {}", what[0])
        } else {
            format!("{qualified} {name:?} is invalid: [{}]", what.join(", "))
        };
        ApiError::new(422, "Invalid", message).with_details(json!({
            "name": name,
            "group": group,
            "kind": kind,
            "causes": causes.iter().map(Cause::to_json).collect::<Vec<_>>(),
        }))
    }

    /// 422 for a JSON patch that cannot be applied (a failed `test`, a missing path). The API
    /// server answers with a generic message and drops the patch library's detail
    /// (`NewGenericServerResponse`), so clients see only that the request was invalid.
    pub fn unprocessable_patch(_detail: impl Into<String>) -> ApiError {
        ApiError::new(
            422,
            "Invalid",
            "the server rejected our request due to an error in our request",
        )
        .with_details(json!({}))
    }

    /// 400 BadRequest.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "BadRequest", message)
    }

    /// 401 Unauthorized.
    pub fn unauthorized() -> ApiError {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }

    /// 403 from authorization, with the authorizer's message already worded.
    pub fn forbidden_access(message: String, name: &str, group: &str, plural: &str) -> ApiError {
        ApiError::new(403, "Forbidden", message).with_details(json!({
            "name": name,
            "group": group,
            "kind": plural,
        }))
    }

    /// 403 Forbidden with a free-form message about an object.
    pub fn forbidden(res: &ResourceDef, name: &str, why: impl AsRef<str>) -> ApiError {
        ApiError::new(
            403,
            "Forbidden",
            format!(
                "{} {name:?} is forbidden: {}",
                res.qualified(),
                why.as_ref()
            ),
        )
        .with_details(json!({"name": name, "group": res.group, "kind": res.plural}))
    }

    /// 403 for a create inside a namespace that is being deleted.
    pub fn namespace_terminating(res: &ResourceDef, name: &str, ns: &str) -> ApiError {
        ApiError::new(
            403,
            "Forbidden",
            format!(
                "{} {name:?} is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                res.qualified()
            ),
        )
        .with_details(json!({
            "name": name,
            "group": res.group,
            "kind": res.plural,
            "causes": [{
                "reason": "NamespaceTerminating",
                "message": format!("namespace {ns} is being terminated"),
                "field": "metadata.namespace",
            }],
        }))
    }

    /// 405 for a verb the resource does not support.
    pub fn method_not_allowed(verb: &str, plural: &str) -> ApiError {
        ApiError::new(
            405,
            "MethodNotAllowed",
            format!("{verb} is not supported on resources of kind {plural:?}"),
        )
        .with_details(json!({}))
    }

    /// 406 for an Accept header the server cannot satisfy.
    pub fn not_acceptable(accept: &str) -> ApiError {
        ApiError::new(
            406,
            "NotAcceptable",
            format!("the server was unable to respond with a content type that the client supports ({accept})"),
        )
    }

    /// 415 for a request body type the endpoint does not take.
    pub fn unsupported_media_type(content_type: &str, accepted: &[&str]) -> ApiError {
        let message = if accepted.is_empty() {
            format!("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got {content_type:?})")
        } else {
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            )
        };
        ApiError::new(415, "UnsupportedMediaType", message)
    }

    /// 410 Expired (too old resource version, expired continue token).
    pub fn expired(message: impl Into<String>) -> ApiError {
        ApiError::new(410, "Expired", message)
    }

    /// 410 for a watch or list from a compacted resourceVersion.
    pub fn too_old_resource_version(requested: u64, current: u64) -> ApiError {
        ApiError::expired(format!("too old resource version: {requested} ({current})"))
    }

    /// 429 with a Retry-After.
    pub fn too_many_requests(retry_after: u64) -> ApiError {
        let mut e = ApiError::new(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.",
        )
        .with_details(json!({"retryAfterSeconds": retry_after}));
        e.retry_after = Some(retry_after);
        e
    }

    /// 503 ServiceUnavailable.
    pub fn service_unavailable(message: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(503, "ServiceUnavailable", message)
            .with_details(json!({"retryAfterSeconds": 1}));
        e.retry_after = Some(1);
        e
    }

    /// 500 InternalError.
    pub fn internal(message: impl AsRef<str>) -> ApiError {
        ApiError::new(
            500,
            "InternalError",
            format!("Internal error occurred: {}", message.as_ref()),
        )
        .with_details(json!({"causes": [{"message": message.as_ref()}]}))
    }

    /// 504 Timeout.
    pub fn timeout(message: impl Into<String>) -> ApiError {
        ApiError::new(504, "Timeout", message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{def, ids};

    #[test]
    fn not_found_uses_the_qualified_plural() {
        let e = ApiError::not_found(def(ids::deployments()), "web");
        let s = e.to_status();
        assert_eq!(s["message"], "deployments.apps \"web\" not found");
        assert_eq!(s["reason"], "NotFound");
        assert_eq!(s["details"]["kind"], "deployments");
        assert_eq!(s["code"], 404);
    }

    #[test]
    fn invalid_names_the_kind_and_the_field() {
        let e = ApiError::invalid(
            def(ids::namespaces()),
            "Bad",
            vec![Cause::invalid(
                "metadata.name",
                &json!("Bad"),
                "must be lowercase",
            )],
        );
        assert_eq!(
            e.message,
            "Namespace \"Bad\" is invalid: metadata.name: Invalid value: \"Bad\": must be lowercase"
        );
        assert_eq!(e.to_status()["details"]["kind"], "Namespace");
    }

    #[test]
    fn apply_conflicts_group_fields_by_manager() {
        let e = ApiError::apply_conflicts(&[
            ("\"b\"".into(), ".spec.replicas".into()),
            ("\"a\"".into(), ".metadata.labels.x".into()),
            ("\"b\"".into(), ".spec.paused".into()),
        ]);
        assert_eq!(
            e.message,
            "Apply failed with 3 conflicts: conflicts with \"a\":\n- .metadata.labels.x\nconflicts with \"b\":\n- .spec.replicas\n- .spec.paused"
        );
    }

    #[test]
    fn apply_conflict_lists_each_field() {
        let e = ApiError::apply_conflicts(&[(
            "\"kubectl-client-side-apply\" using apps/v1".into(),
            ".spec.replicas".into(),
        )]);
        assert_eq!(
            e.message,
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
        );
        assert_eq!(
            e.to_status()["details"]["causes"][0]["reason"],
            "FieldManagerConflict"
        );
    }
}
