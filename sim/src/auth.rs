//! Authentication by bearer token and authorization by RBAC-style rules.
//!
//! The simulator does not enforce RBAC objects stored in it; each token carries its own rules
//! (see `SimConfig::tokens`), which is enough to test 401/403 paths and minimal-RBAC manifests.

use serde_json::{json, Value};

use crate::config::TokenSpec;
use crate::status::ApiError;

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct User {
    pub name: String,
    /// `None` = full access.
    pub rules: Option<Vec<Value>>,
}

/// What a request asks to do, in authorization terms.
#[derive(Clone, Debug)]
pub struct Attributes<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

/// Finds the user of an `Authorization: Bearer <token>` header.
///
/// kubectl (client-go) never sends a bearer token over plain HTTP, so a request without one is
/// served as the old API server's insecure port served it: as `system:unsecured` with full
/// access. Over TLS (`--tls`) a missing token is 401, as on a cluster without anonymous auth.
/// A token that is present but unknown is 401 either way.
pub fn authenticate(
    tokens: &[TokenSpec],
    header: Option<&str>,
    tls: bool,
) -> Result<User, ApiError> {
    if header.is_none() && !tls {
        return Ok(User {
            name: "system:unsecured".into(),
            rules: None,
        });
    }
    let token = header
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(ApiError::unauthorized)?;
    tokens
        .iter()
        .find(|t| t.token == token)
        .map(|t| User {
            name: t.user.clone(),
            rules: t.rules.clone(),
        })
        .ok_or_else(ApiError::unauthorized)
}

fn list_allows(rule: &Value, key: &str, value: &str) -> bool {
    rule.get(key)
        .and_then(Value::as_array)
        .is_some_and(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .any(|i| i == "*" || i == value)
        })
}

fn rule_allows(rule: &Value, a: &Attributes) -> bool {
    let resource = match a.subresource {
        Some(sub) => format!("{}/{}", a.resource, sub),
        None => a.resource.to_string(),
    };
    let resource_ok = list_allows(rule, "resources", &resource)
        || (a.subresource.is_some()
            && list_allows(rule, "resources", &format!("{}/*", a.resource)))
        || rule
            .get("resources")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|x| x == "*/*" || x == "*"));
    let names_ok = match rule.get("resourceNames").and_then(Value::as_array) {
        None => true,
        Some(names) if names.is_empty() => true,
        Some(names) => a.name.is_some_and(|n| names.iter().any(|x| x == n)),
    };
    let ns_ok = match rule.get("namespaces").and_then(Value::as_array) {
        None => true,
        Some(nss) => a
            .namespace
            .is_some_and(|n| nss.iter().any(|x| x == n || x == "*")),
    };
    list_allows(rule, "verbs", a.verb)
        && list_allows(rule, "apiGroups", a.group)
        && resource_ok
        && names_ok
        && ns_ok
}

/// The namespace a request is authorized in. As kube-apiserver's request info does, a request
/// on one namespace object (`/api/v1/namespaces/NAME`, its `status` or `finalize`) is in
/// that namespace, so a rule limited to namespace `qa-a` may delete namespace `qa-a`; lists
/// and creates of namespaces are cluster-scoped.
pub fn request_namespace<'a>(
    group: &str,
    resource: &str,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
) -> Option<&'a str> {
    if group.is_empty() && resource == "namespaces" {
        name
    } else {
        namespace
    }
}

/// Whether the user may perform the request.
pub fn allowed(user: &User, a: &Attributes) -> bool {
    match &user.rules {
        None => true,
        Some(rules) => rules.iter().any(|r| rule_allows(r, a)),
    }
}

/// The 403 for a denied request, worded as the API server's RBAC authorizer:
/// `deployments.apps "web" is forbidden: User "u" cannot get resource "deployments" in API
/// group "apps" in the namespace "qa"`.
pub fn forbidden(user: &User, a: &Attributes, qualified: &str) -> ApiError {
    let subject = match a.name {
        Some(n) => format!("{qualified} {n:?} is forbidden"),
        None => format!("{qualified} is forbidden"),
    };
    let resource = match a.subresource {
        Some(s) => format!("{}/{s}", a.resource),
        None => a.resource.to_string(),
    };
    let scope = match a.namespace {
        Some(ns) => format!("in the namespace {ns:?}"),
        None => "at the cluster scope".to_string(),
    };
    let message = format!(
        "{subject}: User {:?} cannot {} resource {resource:?} in API group {:?} {scope}",
        user.name, a.verb, a.group
    );
    ApiError::forbidden_access(message, a.name.unwrap_or(""), a.group, a.resource)
}

/// Answers a SelfSubjectAccessReview's `spec` for this user.
pub fn access_review(user: &User, spec: &Value) -> Value {
    let ra = spec.get("resourceAttributes");
    let s = |k: &str| {
        ra.and_then(|r| r.get(k))
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let allowed_now = match ra {
        Some(_) => {
            let attrs = Attributes {
                verb: s("verb").unwrap_or(""),
                group: s("group").unwrap_or(""),
                resource: s("resource").unwrap_or(""),
                subresource: s("subresource"),
                namespace: s("namespace"),
                name: s("name"),
            };
            allowed(user, &attrs)
        }
        // Non-resource URLs (discovery, /version, /healthz) are open to every authenticated user.
        None => true,
    };
    let mut status = json!({"allowed": allowed_now});
    if allowed_now && user.rules.is_none() {
        status["reason"] = json!("kube-sim: full-access token");
    } else if allowed_now {
        status["reason"] = json!(format!(
            "kube-sim: allowed by the rules of user {:?}",
            user.name
        ));
    }
    status
}

/// Answers a SelfSubjectRulesReview: the user's rules as resource rules.
pub fn rules_review(user: &User) -> Value {
    let rules = match &user.rules {
        None => vec![json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]})],
        Some(r) => r.clone(),
    };
    json!({
        "resourceRules": rules,
        "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/version", "/healthz", "/livez", "/readyz", "/openapi", "/openapi/*"]}],
        "incomplete": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{default_tokens, ADMIN_TOKEN, RESTRICTED_TOKEN};

    fn attrs<'a>(verb: &'a str, group: &'a str, resource: &'a str) -> Attributes<'a> {
        Attributes {
            verb,
            group,
            resource,
            subresource: None,
            namespace: Some("default"),
            name: None,
        }
    }

    #[test]
    fn tokens_authenticate() {
        let tokens = default_tokens();
        let admin = authenticate(&tokens, Some(&format!("Bearer {ADMIN_TOKEN}")), true).unwrap();
        assert!(admin.rules.is_none());
        let wrong = authenticate(&tokens, Some("Bearer wrong"), false).unwrap_err();
        assert_eq!(wrong.code, 401);
        assert_eq!(authenticate(&tokens, None, true).unwrap_err().code, 401);
        let insecure = authenticate(&tokens, None, false).unwrap();
        assert_eq!(insecure.name, "system:unsecured");
        assert!(insecure.rules.is_none());
    }

    #[test]
    fn restricted_token_reads_but_does_not_write() {
        let user = authenticate(
            &default_tokens(),
            Some(&format!("Bearer {RESTRICTED_TOKEN}")),
            true,
        )
        .unwrap();
        assert!(allowed(&user, &attrs("list", "apps", "deployments")));
        assert!(!allowed(&user, &attrs("create", "apps", "deployments")));
        assert!(!allowed(&user, &attrs("get", "", "secrets")));
        let mut log = attrs("get", "", "pods");
        log.subresource = Some("log");
        assert!(allowed(&user, &log));
        let review = access_review(
            &user,
            &json!({"resourceAttributes": {"verb": "delete", "resource": "namespaces"}}),
        );
        assert_eq!(review["allowed"], false);
    }

    #[test]
    fn forbidden_matches_the_rbac_wording() {
        let user = User {
            name: "restricted".into(),
            rules: Some(Vec::new()),
        };
        let e = forbidden(
            &user,
            &attrs("list", "apps", "deployments"),
            "deployments.apps",
        );
        assert_eq!(
            e.message,
            "deployments.apps is forbidden: User \"restricted\" cannot list resource \"deployments\" in API group \"apps\" in the namespace \"default\""
        );
        assert_eq!(e.code, 403);
    }

    #[test]
    fn resource_names_and_namespaces_narrow_a_rule() {
        let user = User {
            name: "janitor".into(),
            rules: Some(vec![json!({"apiGroups": [""], "resources": ["namespaces"],
                "verbs": ["delete"], "resourceNames": ["qa-a"]})]),
        };
        let mut a = attrs("delete", "", "namespaces");
        a.namespace = None;
        a.name = Some("qa-a");
        assert!(allowed(&user, &a));
        a.name = Some("kube-system");
        assert!(!allowed(&user, &a));
    }

    #[test]
    fn a_namespace_object_is_authorized_in_itself() {
        assert_eq!(
            request_namespace("", "namespaces", None, Some("qa-a")),
            Some("qa-a")
        );
        assert_eq!(request_namespace("", "namespaces", None, None), None);
        assert_eq!(
            request_namespace("apps", "deployments", Some("qa"), Some("web")),
            Some("qa")
        );
        // A rule granted in namespace qa-a only (a RoleBinding there) may delete qa-a.
        let user = User {
            name: "owner".into(),
            rules: Some(vec![json!({"apiGroups": [""], "resources": ["namespaces"],
                "verbs": ["get", "delete"], "namespaces": ["qa-a"]})]),
        };
        let mut a = attrs("delete", "", "namespaces");
        a.namespace = request_namespace("", "namespaces", None, Some("qa-a"));
        a.name = Some("qa-a");
        assert!(allowed(&user, &a));
        a.namespace = request_namespace("", "namespaces", None, Some("qa-b"));
        a.name = Some("qa-b");
        assert!(!allowed(&user, &a));
        assert!(forbidden(&user, &a, "namespaces")
            .to_string()
            .contains("in the namespace \"qa-b\""));
    }
}
