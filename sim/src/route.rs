//! Maps a request path to what it names.

use crate::query::percent_decode;
use crate::registry::{self, ResourceId, Sub};

/// A resource path: a collection, an object, or an object's subresource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourcePath {
    pub res: ResourceId,
    /// The namespace from the URL (`None` for cluster-scoped or all-namespaces paths).
    pub ns: Option<String>,
    pub name: Option<String>,
    pub sub: Option<Sub>,
}

/// Everything the server answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Version,
    Health,
    /// `/api`
    CoreGroup,
    /// `/apis`
    Groups,
    /// `/apis/{group}`
    Group(String),
    /// `/api/v1` or `/apis/{group}/{version}`
    GroupVersion(String, String),
    OpenApiV3Root,
    /// `/openapi/v3/api/v1` or `/openapi/v3/apis/{g}/{v}`
    OpenApiV3(String, String),
    Resource(ResourcePath),
    SimRequests,
    SimCompact,
    NotFound,
}

/// Parses a request path.
pub fn parse(path: &str) -> Route {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["sim", "requests"] => Route::SimRequests,
        ["sim", "compact"] => Route::SimCompact,
        ["openapi", "v3"] => Route::OpenApiV3Root,
        ["openapi", "v3", "api", v] => Route::OpenApiV3(String::new(), v.to_string()),
        ["openapi", "v3", "apis", g, v] => Route::OpenApiV3(g.to_string(), v.to_string()),
        ["api"] => Route::CoreGroup,
        ["api", v] => Route::GroupVersion(String::new(), v.to_string()),
        ["api", v, rest @ ..] => resource("", v, rest),
        ["apis"] => Route::Groups,
        ["apis", g] => Route::Group(g.to_string()),
        ["apis", g, v] => Route::GroupVersion(g.to_string(), v.to_string()),
        ["apis", g, v, rest @ ..] => resource(g, v, rest),
        _ => Route::NotFound,
    }
}

fn resource(group: &str, version: &str, rest: &[&str]) -> Route {
    let found = |plural: &str| registry::find(group, version, plural);
    let path = match rest {
        // `namespaces/{ns}/status|finalize` are namespace subresources, not collections.
        ["namespaces", ns, sub] if group.is_empty() && Sub::parse(sub).is_some() => {
            found("namespaces").map(|res| ResourcePath {
                res,
                ns: None,
                name: Some(ns.to_string()),
                sub: Sub::parse(sub),
            })
        }
        ["namespaces", ns, plural, tail @ ..] => {
            found(plural).and_then(|res| namespaced(res, ns, tail))
        }
        [plural, tail @ ..] => found(plural).and_then(|res| cluster(res, tail)),
        [] => None,
    };
    match path {
        Some(p) => Route::Resource(p),
        None => Route::NotFound,
    }
}

fn namespaced(res: ResourceId, ns: &str, tail: &[&str]) -> Option<ResourcePath> {
    let def = registry::def(res);
    if !def.namespaced {
        return None;
    }
    let (name, sub) = name_and_sub(def, tail)?;
    Some(ResourcePath {
        res,
        ns: Some(ns.to_string()),
        name,
        sub,
    })
}

fn cluster(res: ResourceId, tail: &[&str]) -> Option<ResourcePath> {
    let def = registry::def(res);
    // A namespaced resource is reachable without a namespace only as a whole collection.
    if def.namespaced && !tail.is_empty() {
        return None;
    }
    let (name, sub) = name_and_sub(def, tail)?;
    Some(ResourcePath {
        res,
        ns: None,
        name,
        sub,
    })
}

fn name_and_sub(
    def: &registry::ResourceDef,
    tail: &[&str],
) -> Option<(Option<String>, Option<Sub>)> {
    match tail {
        [] => Some((None, None)),
        [name] => Some((Some(name.to_string()), None)),
        [name, sub] => {
            let sub = Sub::parse(sub).filter(|s| def.has_sub(*s))?;
            Some((Some(name.to_string()), Some(sub)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::ids;

    fn res(path: &str) -> ResourcePath {
        match parse(path) {
            Route::Resource(p) => p,
            other => panic!("{path} parsed as {other:?}"),
        }
    }

    #[test]
    fn collections_objects_and_subresources() {
        let p = res("/api/v1/namespaces/default/pods");
        assert_eq!(
            (p.res, p.ns.as_deref(), p.name),
            (ids::pods(), Some("default"), None)
        );
        let p = res("/apis/apps/v1/namespaces/qa/deployments/web/scale");
        assert_eq!(p.res, ids::deployments());
        assert_eq!(p.name.as_deref(), Some("web"));
        assert_eq!(p.sub, Some(Sub::Scale));
        let p = res("/api/v1/pods");
        assert_eq!((p.res, p.ns), (ids::pods(), None));
    }

    #[test]
    fn namespace_subresources_are_not_collections() {
        let p = res("/api/v1/namespaces/x/finalize");
        assert_eq!(p.res, ids::namespaces());
        assert_eq!(p.name.as_deref(), Some("x"));
        assert_eq!(p.sub, Some(Sub::Finalize));
        let p = res("/api/v1/namespaces/x");
        assert_eq!((p.res, p.name.as_deref()), (ids::namespaces(), Some("x")));
    }

    #[test]
    fn unknown_things_are_not_found() {
        assert_eq!(parse("/api/v1/namespaces/x/widgets"), Route::NotFound);
        assert_eq!(parse("/apis/apps/v1/deployments/web"), Route::NotFound);
        assert_eq!(parse("/api/v1/namespaces/x/pods/p/exec"), Route::NotFound);
        assert_eq!(parse("/api/v1/namespaces/x/nodes"), Route::NotFound);
        assert_eq!(parse("/nope"), Route::NotFound);
    }

    #[test]
    fn discovery_and_openapi() {
        assert_eq!(parse("/api"), Route::CoreGroup);
        assert_eq!(
            parse("/apis/apps/v1"),
            Route::GroupVersion("apps".into(), "v1".into())
        );
        assert_eq!(
            parse("/openapi/v3/apis/apps/v1"),
            Route::OpenApiV3("apps".into(), "v1".into())
        );
        assert_eq!(parse("/readyz/ping"), Route::Health);
    }
}
