//! Container logs (`pods/{name}/log`): synthetic lines, or the text of the pod annotation
//! `kube-sim/logs` (`{"CONTAINER": "line\nline"}`).

use serde_json::Value;

use crate::obj;
use crate::query::Query;
use crate::status::{ApiError, ApiResult};

/// Pod annotation with per-container log text.
pub const LOGS_ANNOTATION: &str = "kube-sim/logs";

fn container_names(pod: &Value, field: &str) -> Vec<String> {
    obj::path(pod, field)
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn container_field<'a>(pod: &'a Value, container: &str, field: &str) -> Option<&'a Value> {
    ["spec.containers", "spec.initContainers"]
        .iter()
        .filter_map(|f| obj::path(pod, f).and_then(Value::as_array))
        .flatten()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(container))
        .and_then(|c| c.get(field))
}

fn container_status<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    ["status.containerStatuses", "status.initContainerStatuses"]
        .iter()
        .filter_map(|f| obj::path(pod, f).and_then(Value::as_array))
        .flatten()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(container))
}

/// The synthetic log of a container run.
pub fn synthetic(pod: &Value, container: &str) -> String {
    if let Some(text) = obj::annotation(pod, LOGS_ANNOTATION)
        .and_then(|a| serde_json::from_str::<Value>(a).ok())
        .and_then(|m| m.get(container).and_then(Value::as_str).map(str::to_string))
    {
        return if text.ends_with('\n') {
            text
        } else {
            text + "\n"
        };
    }
    let image = container_field(pod, container, "image")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut out = format!("kube-sim: container {container} started from image {image}\n");
    if image.contains("crashloop") {
        out.push_str("loading configuration from /etc/app/config.yaml\n");
        out.push_str("panic: simulated crash: the image reference contains \"crashloop\"\n");
        out.push_str("exit status 1\n");
    } else {
        let port = container_field(pod, container, "ports")
            .and_then(Value::as_array)
            .and_then(|p| p.first())
            .and_then(|p| p.get("containerPort"))
            .and_then(Value::as_i64);
        if let Some(port) = port {
            out.push_str(&format!("listening on :{port}\n"));
        }
        out.push_str("ready\n");
    }
    out
}

/// Answers a log request for a pod.
pub fn read(pod: &Value, query: &Query, now: jiff::Timestamp) -> ApiResult<String> {
    let name = obj::name(pod);
    let containers = container_names(pod, "spec.containers");
    let init = container_names(pod, "spec.initContainers");
    let container = match query.non_empty("container") {
        Some(c) => {
            if !containers.iter().chain(init.iter()).any(|n| n == c) {
                return Err(ApiError::bad_request(format!(
                    "container {c} is not valid for pod {name}"
                )));
            }
            c.to_string()
        }
        None if containers.len() == 1 => containers[0].clone(),
        None => {
            let mut msg = format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            );
            if !init.is_empty() {
                msg.push_str(&format!(
                    " or one of the init containers: [{}]",
                    init.join(" ")
                ));
            }
            return Err(ApiError::bad_request(msg));
        }
    };
    let status = container_status(pod, &container);
    let previous = query.flag("previous");
    let ran_before = status
        .and_then(|s| s.get("lastState"))
        .and_then(|l| l.get("terminated"))
        .is_some();
    if previous && !ran_before {
        return Err(ApiError::bad_request(format!(
            "previous terminated container {container:?} in pod {name:?} not found"
        )));
    }
    let waiting = status
        .and_then(|s| s.get("state"))
        .and_then(|s| s.get("waiting"));
    let started = status
        .and_then(|s| s.get("state"))
        .is_some_and(|s| s.get("running").is_some() || s.get("terminated").is_some());
    if !previous && !started && !ran_before {
        let reason = waiting
            .and_then(|w| w.get("reason"))
            .and_then(Value::as_str)
            .unwrap_or("ContainerCreating");
        return Err(ApiError::bad_request(format!(
            "container {container:?} in pod {name:?} is waiting to start: {reason}"
        )));
    }
    let mut lines: Vec<String> = synthetic(pod, &container)
        .lines()
        .map(str::to_string)
        .collect();
    if let Some(n) = query.u64_opt("tailLines").map_err(ApiError::bad_request)? {
        let skip = lines.len().saturating_sub(n as usize);
        lines.drain(..skip);
    }
    if query.flag("timestamps") {
        let ts = now.strftime("%Y-%m-%dT%H:%M:%S%.9fZ").to_string();
        for l in &mut lines {
            *l = format!("{ts} {l}");
        }
    }
    let mut text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    if let Some(limit) = query.u64_opt("limitBytes").map_err(ApiError::bad_request)? {
        let mut cut = (limit as usize).min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(image: &str, state: Value) -> Value {
        json!({"metadata": {"name": "web-1"},
               "spec": {"containers": [{"name": "app", "image": image, "ports": [{"containerPort": 8080}]}]},
               "status": {"containerStatuses": [{"name": "app", "state": state, "restartCount": 0}]}})
    }

    #[test]
    fn running_containers_log_their_start() {
        let p = pod(
            "shop/api:1.0",
            json!({"running": {"startedAt": "2026-11-22T00:00:00Z"}}),
        );
        let text = read(&p, &Query::parse(None), jiff::Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(
            text,
            "kube-sim: container app started from image shop/api:1.0\nlistening on :8080\nready\n"
        );
    }

    #[test]
    fn crash_loops_explain_themselves_and_tail_works() {
        let mut p = pod(
            "shop/api:crashloop",
            json!({"waiting": {"reason": "CrashLoopBackOff"}}),
        );
        p["status"]["containerStatuses"][0]["lastState"] = json!({"terminated": {"exitCode": 1}});
        let text = read(
            &p,
            &Query::parse(Some("previous=true&tailLines=2")),
            jiff::Timestamp::UNIX_EPOCH,
        )
        .unwrap();
        assert_eq!(
            text,
            "panic: simulated crash: the image reference contains \"crashloop\"\nexit status 1\n"
        );
    }

    #[test]
    fn waiting_containers_have_no_logs_yet() {
        let p = pod(
            "x:pullfail",
            json!({"waiting": {"reason": "ImagePullBackOff"}}),
        );
        let e = read(&p, &Query::parse(None), jiff::Timestamp::UNIX_EPOCH).unwrap_err();
        assert_eq!(e.code, 400);
        assert_eq!(
            e.message,
            "container \"app\" in pod \"web-1\" is waiting to start: ImagePullBackOff"
        );
    }

    #[test]
    fn annotation_overrides_the_text() {
        let mut p = pod("x:1", json!({"running": {}}));
        p["metadata"]["annotations"] = json!({LOGS_ANNOTATION: "{\"app\": \"hello\"}"});
        assert_eq!(
            read(&p, &Query::parse(None), jiff::Timestamp::UNIX_EPOCH).unwrap(),
            "hello\n"
        );
    }
}
