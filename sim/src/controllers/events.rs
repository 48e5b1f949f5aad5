//! Recording core/v1 Events the way client-go's recorder does: one Event per (object, reason,
//! message), its `count` and `lastTimestamp` bumped on repeats.

use serde_json::{json, Value};

use crate::api::{self, Env, WriteOpts};
use crate::obj;
use crate::registry::{self, ids};
use crate::store::Inner;

/// Who reports an event.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub component: &'a str,
    pub host: Option<&'a str>,
}

pub const DEPLOYMENT_CONTROLLER: Source = Source {
    component: "deployment-controller",
    host: None,
};
pub const REPLICASET_CONTROLLER: Source = Source {
    component: "replicaset-controller",
    host: None,
};
pub const SCHEDULER: Source = Source {
    component: "default-scheduler",
    host: None,
};

/// The involvedObject reference of an object.
fn reference(res: registry::ResourceId, object: &Value) -> Value {
    let def = registry::def(res);
    json!({
        "kind": def.kind,
        "namespace": obj::namespace(object),
        "name": obj::name(object),
        "uid": obj::uid(object),
        "apiVersion": def.api_version(),
        "resourceVersion": obj::meta_str(object, "resourceVersion"),
    })
}

/// Records an event about `object` (of resource `res`).
#[allow(clippy::too_many_arguments)]
pub fn record(
    inner: &mut Inner,
    env: &Env,
    res: registry::ResourceId,
    object: &Value,
    warning: bool,
    reason: &str,
    message: &str,
    source: Source,
) {
    let ns = match obj::namespace(object) {
        "" => "default",
        ns => ns,
    }
    .to_string();
    let uid = obj::uid(object).to_string();
    let now = env.now_str();
    let existing = inner
        .list(ids::events(), Some(&ns))
        .find(|e| {
            obj::path_str(e, "involvedObject.uid") == uid
                && obj::path_str(e, "reason") == reason
                && obj::path_str(e, "message") == message
        })
        .cloned();
    let opts = WriteOpts::controller(source.component);
    match existing {
        Some(e) => {
            let mut next = (*e).clone();
            let count = obj::path_i64(&e, "count").unwrap_or(1);
            next["count"] = json!(count + 1);
            next["lastTimestamp"] = json!(now);
            let name = obj::name(&e).to_string();
            let _ = api::update(
                inner,
                env,
                ids::events(),
                Some(&ns),
                &name,
                next,
                None,
                &opts,
            );
        }
        None => {
            let suffix = format!("{:x}", env.now().as_nanosecond() as u64);
            let mut src = json!({"component": source.component});
            if let Some(h) = source.host {
                src["host"] = json!(h);
            }
            let event = json!({
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": format!("{}.{suffix}", obj::name(object)), "namespace": ns},
                "involvedObject": reference(res, object),
                "reason": reason,
                "message": message,
                "source": src,
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
                "type": if warning { "Warning" } else { "Normal" },
                "eventTime": null,
                "reportingComponent": source.component,
                "reportingInstance": source.host.unwrap_or(""),
            });
            let _ = api::create(inner, env, ids::events(), Some(&ns), event, &opts);
        }
    }
}
