//! Simulated kubelets: run a bound pod's containers through pull, start, readiness, crash
//! loops and completion, write the pod status as a kubelet does, emit its events, and finish
//! graceful deletion after the (scaled) grace period.
//!
//! Image markers: a reference containing `pullfail` never pulls (ErrImagePull, then
//! ImagePullBackOff with growing back-off); one containing `crashloop` starts, exits with code
//! 1 after half the readiness delay, and restarts with CrashLoopBackOff back-off (10s doubling
//! to 5m, scaled). Containers of pods that do not restart always (Jobs) complete with exit code
//! 0 after the readiness delay.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use super::events::{self, Source};
use super::Ctx;
use crate::api::{self, DeleteOpts};
use crate::obj;
use crate::registry::ids;
use crate::store::ObjRef;

const MANAGER: &str = "kubelet";

/// Per-pod run state the kubelets keep in memory.
#[derive(Default)]
pub struct Kubelet {
    pods: HashMap<String, PodRun>,
    next_ip: HashMap<String, u32>,
}

struct PodRun {
    key: (String, String),
    node: String,
    ip: String,
    start_time: String,
    init: Vec<Run>,
    main: Vec<Run>,
    restart_policy: String,
    deleting_since: Option<Instant>,
}

struct Run {
    name: String,
    image: String,
    crash: bool,
    pull_fail: bool,
    /// Init containers and containers of pods that do not restart always run to completion.
    completes: bool,
    phase: Phase,
    restarts: u32,
    last_terminated: Option<Value>,
    started_at: String,
    container_id: String,
}

#[derive(Clone, Debug)]
enum Phase {
    NotStarted,
    /// `backoff` false: ErrImagePull; true: ImagePullBackOff.
    PullFailing {
        attempts: u32,
        next: Instant,
        backoff: bool,
    },
    Running {
        ready_at: Instant,
        end_at: Option<Instant>,
        ready: bool,
    },
    CrashBackOff {
        until: Instant,
        backoff: Duration,
    },
    Terminated {
        exit_code: i64,
        finished: String,
    },
}

/// What happened during one step, to be recorded as events.
struct Note {
    warning: bool,
    reason: &'static str,
    message: String,
}

impl Run {
    fn new(c: &Value, completes: bool) -> Run {
        let image = c
            .get("image")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        Run {
            name: c
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            crash: image.contains("crashloop"),
            pull_fail: image.contains("pullfail"),
            image,
            completes,
            phase: Phase::NotStarted,
            restarts: 0,
            last_terminated: None,
            started_at: String::new(),
            container_id: String::new(),
        }
    }

    fn done(&self) -> bool {
        matches!(self.phase, Phase::Terminated { exit_code: 0, .. })
    }

    fn ready(&self) -> bool {
        matches!(self.phase, Phase::Running { ready: true, .. })
    }
}

fn image_not_found(image: &str) -> String {
    format!(
        "rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"
    )
}

fn pull_backoff(ctx: &Ctx, attempts: u32) -> Duration {
    let secs = (10u64 << attempts.saturating_sub(1).min(5)).min(300);
    ctx.scaled(Duration::from_secs(secs))
}

/// The events of one failed pull attempt.
fn pull_failed(run: &Run, notes: &mut Vec<Note>) {
    notes.push(Note {
        warning: false,
        reason: "Pulling",
        message: format!("Pulling image {:?}", run.image),
    });
    notes.push(Note {
        warning: true,
        reason: "Failed",
        message: format!(
            "Failed to pull image {:?}: {}",
            run.image,
            image_not_found(&run.image)
        ),
    });
    notes.push(Note {
        warning: true,
        reason: "Failed",
        message: "Error: ErrImagePull".into(),
    });
}

/// Starts (or restarts) a container.
fn start(ctx: &Ctx, run: &mut Run, now: Instant, notes: &mut Vec<Note>) {
    let pod_ready = ctx.state.env.config.pod_ready;
    if run.pull_fail {
        pull_failed(run, notes);
        run.phase = Phase::PullFailing {
            attempts: 1,
            next: now + ctx.scaled(Duration::from_secs(1)),
            backoff: false,
        };
        return;
    }
    if run.restarts == 0 {
        notes.push(Note {
            warning: false,
            reason: "Pulling",
            message: format!("Pulling image {:?}", run.image),
        });
        notes.push(Note {
            warning: false,
            reason: "Pulled",
            message: format!("Successfully pulled image {:?} in 1.2s (1.2s including waiting). Image size: 18874368 bytes.", run.image),
        });
    } else {
        notes.push(Note {
            warning: false,
            reason: "Pulled",
            message: format!("Container image {:?} already present on machine", run.image),
        });
    }
    notes.push(Note {
        warning: false,
        reason: "Created",
        message: format!("Created container: {}", run.name),
    });
    notes.push(Note {
        warning: false,
        reason: "Started",
        message: format!("Started container {}", run.name),
    });
    run.started_at = ctx.now_str();
    run.container_id = format!("containerd://{:064x}", rand::random::<u128>());
    let end_at = if run.crash {
        Some(now + (pod_ready / 2).max(Duration::from_millis(1)))
    } else if run.completes {
        Some(now + pod_ready)
    } else {
        None
    };
    run.phase = Phase::Running {
        ready_at: now + pod_ready,
        end_at,
        ready: false,
    };
}

/// Advances one container through every transition due by `now`; returns its next deadline.
fn advance(
    ctx: &Ctx,
    run: &mut Run,
    now: Instant,
    pod: &Value,
    restart_policy: &str,
    notes: &mut Vec<Note>,
) -> Option<Instant> {
    loop {
        match run.phase.clone() {
            Phase::NotStarted => {
                start(ctx, run, now, notes);
            }
            Phase::PullFailing {
                attempts,
                next,
                backoff,
            } => {
                if now < next {
                    return Some(next);
                }
                if backoff {
                    pull_failed(run, notes);
                    run.phase = Phase::PullFailing {
                        attempts: attempts + 1,
                        next: now + ctx.scaled(Duration::from_secs(1)),
                        backoff: false,
                    };
                } else {
                    notes.push(Note {
                        warning: false,
                        reason: "BackOff",
                        message: format!("Back-off pulling image {:?}", run.image),
                    });
                    notes.push(Note {
                        warning: true,
                        reason: "Failed",
                        message: "Error: ImagePullBackOff".into(),
                    });
                    run.phase = Phase::PullFailing {
                        attempts,
                        next: now + pull_backoff(ctx, attempts),
                        backoff: true,
                    };
                }
            }
            Phase::Running {
                ready_at,
                end_at,
                ready,
            } => {
                if let Some(end) = end_at {
                    if now >= end {
                        let exit_code = if run.crash { 1 } else { 0 };
                        let finished = ctx.now_str();
                        let terminated = json!({"exitCode": exit_code, "reason": if exit_code == 0 { "Completed" } else { "Error" },
                            "startedAt": run.started_at, "finishedAt": finished, "containerID": run.container_id});
                        let restart = exit_code != 0 && restart_policy != "Never";
                        if restart {
                            run.restarts += 1;
                            run.last_terminated = Some(terminated);
                            let backoff = ctx.scaled(Duration::from_secs(
                                (10u64 << (run.restarts - 1).min(5)).min(300),
                            ));
                            notes.push(Note {
                                warning: true,
                                reason: "BackOff",
                                message: format!(
                                    "Back-off restarting failed container {} in pod {}_{}({})",
                                    run.name,
                                    obj::name(pod),
                                    obj::namespace(pod),
                                    obj::uid(pod)
                                ),
                            });
                            run.phase = Phase::CrashBackOff {
                                until: now + backoff,
                                backoff,
                            };
                        } else {
                            run.phase = Phase::Terminated {
                                exit_code,
                                finished,
                            };
                            return None;
                        }
                        continue;
                    }
                }
                if !ready && !run.crash && !run.completes && now >= ready_at {
                    run.phase = Phase::Running {
                        ready_at,
                        end_at,
                        ready: true,
                    };
                }
                let ready_now = matches!(run.phase, Phase::Running { ready: true, .. });
                let next_ready = (!ready_now && !run.crash && !run.completes).then_some(ready_at);
                return match (next_ready, end_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            Phase::CrashBackOff { until, .. } => {
                if now < until {
                    return Some(until);
                }
                start(ctx, run, now, notes);
            }
            Phase::Terminated { .. } => return None,
        }
    }
}

fn container_status(run: &Run, pod: &Value, waiting_reason: &str) -> Value {
    let state = match &run.phase {
        Phase::NotStarted => json!({"waiting": {"reason": waiting_reason}}),
        Phase::PullFailing { backoff: false, .. } => {
            json!({"waiting": {"reason": "ErrImagePull", "message": image_not_found(&run.image)}})
        }
        Phase::PullFailing { backoff: true, .. } => {
            json!({"waiting": {"reason": "ImagePullBackOff",
            "message": format!("Back-off pulling image {:?}: ErrImagePull: {}", run.image, image_not_found(&run.image))}})
        }
        Phase::Running { .. } => json!({"running": {"startedAt": run.started_at}}),
        Phase::CrashBackOff { backoff, .. } => json!({"waiting": {"reason": "CrashLoopBackOff",
            "message": format!("back-off {} restarting failed container={} pod={}_{}({})",
                crate::metrics::go_duration(*backoff), run.name, obj::name(pod), obj::namespace(pod), obj::uid(pod))}}),
        Phase::Terminated {
            exit_code,
            finished,
        } => json!({"terminated": {
            "exitCode": exit_code, "reason": if *exit_code == 0 { "Completed" } else { "Error" },
            "startedAt": run.started_at, "finishedAt": finished, "containerID": run.container_id}}),
    };
    let started = matches!(run.phase, Phase::Running { .. });
    let mut s = json!({
        "name": run.name,
        "image": run.image,
        "imageID": "",
        "ready": run.ready(),
        "restartCount": run.restarts,
        "started": started,
        "state": state,
        "lastState": run.last_terminated.as_ref().map(|t| json!({"terminated": t})).unwrap_or(json!({})),
    });
    if !run.container_id.is_empty() {
        s["containerID"] = json!(run.container_id);
        s["imageID"] = json!(format!(
            "docker.io/library/{}@sha256:{:064x}",
            run.image.split(':').next().unwrap_or(""),
            fnv(&run.image)
        ));
    }
    s
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// Guaranteed, Burstable or BestEffort, from the containers' requests and limits.
pub fn qos_class(pod: &Value) -> &'static str {
    let containers: Vec<&Value> = ["spec.containers", "spec.initContainers"]
        .iter()
        .filter_map(|f| obj::path(pod, f).and_then(Value::as_array))
        .flatten()
        .collect();
    let get = |c: &Value, kind: &str, r: &str| {
        c.get("resources")
            .and_then(|x| x.get(kind))
            .and_then(|x| x.get(r))
            .cloned()
    };
    let any = containers.iter().any(|c| {
        ["requests", "limits"].iter().any(|k| {
            c.get("resources")
                .and_then(|x| x.get(*k))
                .and_then(Value::as_object)
                .is_some_and(|m| !m.is_empty())
        })
    });
    if !any {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        ["cpu", "memory"].iter().all(|r| {
            let limit = get(c, "limits", r);
            let request = get(c, "requests", r).or_else(|| limit.clone());
            limit.is_some() && limit == request
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn condition(
    t: &str,
    ok: bool,
    reason: Option<&str>,
    message: Option<String>,
    now: &str,
    old: &Value,
) -> Value {
    let status = if ok { "True" } else { "False" };
    let previous = obj::path(old, "status.conditions")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some(t))
        });
    let transition = match previous {
        Some(p) if p.get("status").and_then(Value::as_str) == Some(status) => {
            p.get("lastTransitionTime").cloned().unwrap_or(json!(now))
        }
        _ => json!(now),
    };
    let mut c = json!({"type": t, "status": status, "lastProbeTime": null, "lastTransitionTime": transition});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    if let Some(m) = message {
        c["message"] = json!(m);
    }
    c
}

/// The pod status from the run state.
fn status(ctx: &Ctx, run: &PodRun, pod: &Value) -> Value {
    let now = ctx.now_str();
    let init_done = run.init.iter().all(Run::done);
    let waiting = if init_done {
        "ContainerCreating"
    } else {
        "PodInitializing"
    };
    let mains_done = !run.main.is_empty() && run.main.iter().all(Run::done);
    let failed = run
        .main
        .iter()
        .any(|r| matches!(r.phase, Phase::Terminated { exit_code, .. } if exit_code != 0))
        || run
            .init
            .iter()
            .any(|r| matches!(r.phase, Phase::Terminated { exit_code, .. } if exit_code != 0));
    let any_started = run
        .main
        .iter()
        .any(|r| !matches!(r.phase, Phase::NotStarted | Phase::PullFailing { .. }));
    let phase = if failed {
        "Failed"
    } else if mains_done {
        "Succeeded"
    } else if init_done && any_started {
        "Running"
    } else {
        "Pending"
    };
    let unready: Vec<&str> = run
        .main
        .iter()
        .filter(|r| !r.ready())
        .map(|r| r.name.as_str())
        .collect();
    let incomplete: Vec<&str> = run
        .init
        .iter()
        .filter(|r| !r.done())
        .map(|r| r.name.as_str())
        .collect();
    let all_ready = unready.is_empty();
    let terminal = phase == "Succeeded" || phase == "Failed";
    let (ready_reason, ready_message) = if terminal {
        (Some("PodCompleted"), None)
    } else if all_ready {
        (None, None)
    } else {
        (
            Some("ContainersNotReady"),
            Some(format!(
                "containers with unready status: [{}]",
                unready.join(" ")
            )),
        )
    };
    let init_cond = if init_done {
        condition(
            "Initialized",
            true,
            if terminal && !run.init.is_empty() {
                Some("PodCompleted")
            } else {
                None
            },
            None,
            &now,
            pod,
        )
    } else {
        condition(
            "Initialized",
            false,
            Some("ContainersNotInitialized"),
            Some(format!(
                "containers with incomplete status: [{}]",
                incomplete.join(" ")
            )),
            &now,
            pod,
        )
    };
    let scheduled = obj::path(pod, "status.conditions")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("PodScheduled"))
                .cloned()
        })
        .unwrap_or_else(|| condition("PodScheduled", true, None, None, &now, pod));
    let mut s = json!({
        "phase": phase,
        "conditions": [
            condition("PodReadyToStartContainers", !terminal, None, None, &now, pod),
            init_cond,
            condition("Ready", all_ready && !terminal, ready_reason, ready_message.clone(), &now, pod),
            condition("ContainersReady", all_ready && !terminal, ready_reason, ready_message, &now, pod),
            scheduled,
        ],
        "hostIP": host_ip(ctx, &run.node),
        "hostIPs": [{"ip": host_ip(ctx, &run.node)}],
        "podIP": run.ip,
        "podIPs": [{"ip": run.ip}],
        "startTime": run.start_time,
        "containerStatuses": run.main.iter().map(|r| container_status(r, pod, waiting)).collect::<Vec<_>>(),
        "qosClass": qos_class(pod),
    });
    if !run.init.is_empty() {
        s["initContainerStatuses"] = json!(run
            .init
            .iter()
            .map(|r| container_status(r, pod, "PodInitializing"))
            .collect::<Vec<_>>());
    }
    s
}

fn host_ip(ctx: &Ctx, node: &str) -> String {
    ctx.state
        .store
        .read(|s| {
            s.get(ids::nodes(), "", node).and_then(|n| {
                obj::path(n, "status.addresses")
                    .and_then(Value::as_array)
                    .cloned()
            })
        })
        .and_then(|addrs| {
            addrs
                .iter()
                .find(|a| a.get("type").and_then(Value::as_str) == Some("InternalIP"))
                .and_then(|a| a.get("address").and_then(Value::as_str).map(str::to_string))
        })
        .unwrap_or_default()
}

fn record(ctx: &Ctx, pod: &Value, node: &str, notes: Vec<Note>) {
    if notes.is_empty() {
        return;
    }
    let env = &ctx.state.env;
    let source = Source {
        component: "kubelet",
        host: Some(node),
    };
    ctx.state.store.write(|s| {
        for n in notes {
            events::record(
                s,
                env,
                ids::pods(),
                pod,
                n.warning,
                n.reason,
                &n.message,
                source,
            );
        }
    });
}

impl Kubelet {
    /// The next pod IP from the node's pod CIDR.
    fn allocate_ip(&mut self, cidr: &str, node: &str) -> String {
        let base = cidr.trim_end_matches("0/24").to_string();
        let n = self.next_ip.entry(node.to_string()).or_insert(1);
        *n = *n % 253 + 1;
        if base.is_empty() {
            format!("10.244.0.{n}")
        } else {
            format!("{base}{n}")
        }
    }
}

/// Runs the kubelet for one pod.
pub fn reconcile(ctx: &mut Ctx, r: &ObjRef) -> Option<Duration> {
    let key = (r.ns.clone(), r.name.clone());
    let Some(pod) = ctx.get(r) else {
        ctx.kubelet.pods.retain(|_, run| run.key != key);
        return None;
    };
    let uid = obj::uid(&pod).to_string();
    // A pod recreated under the same name is a new pod.
    ctx.kubelet
        .pods
        .retain(|u, run| run.key != key || *u == uid);
    let node = obj::path_str(&pod, "spec.nodeName").to_string();
    if node.is_empty() {
        return None;
    }
    let now = Instant::now();
    if obj::is_deleting(&pod) {
        return terminate(ctx, &pod, &uid, &node, now);
    }
    let phase = obj::path_str(&pod, "status.phase");
    if !ctx.kubelet.pods.contains_key(&uid) {
        if phase == "Succeeded" || phase == "Failed" {
            return None;
        }
        let cidr = ctx
            .state
            .store
            .read(|s| {
                s.get(ids::nodes(), "", &node)
                    .map(|n| obj::path_str(n, "spec.podCIDR").to_string())
            })
            .unwrap_or_default();
        let ip = ctx.kubelet.allocate_ip(&cidr, &node);
        let restart_policy = obj::path_str(&pod, "spec.restartPolicy").to_string();
        let completes = restart_policy != "Always";
        let containers = |f: &str, completes: bool| -> Vec<Run> {
            obj::path(&pod, f)
                .and_then(Value::as_array)
                .map(|cs| cs.iter().map(|c| Run::new(c, completes)).collect())
                .unwrap_or_default()
        };
        let run = PodRun {
            key: key.clone(),
            node: node.clone(),
            ip,
            start_time: ctx.now_str(),
            init: containers("spec.initContainers", true),
            main: containers("spec.containers", completes),
            restart_policy,
            deleting_since: None,
        };
        ctx.kubelet.pods.insert(uid.clone(), run);
    }
    let mut run = ctx.kubelet.pods.remove(&uid)?;
    let mut notes = Vec::new();
    let mut next: Option<Instant> = None;
    let policy = run.restart_policy.clone();
    let mut blocked = false;
    for c in run.init.iter_mut() {
        if blocked {
            break;
        }
        let n = advance(ctx, c, now, &pod, &policy, &mut notes);
        next = earliest(next, n);
        if !c.done() {
            blocked = true;
        }
    }
    if !blocked {
        for c in run.main.iter_mut() {
            let n = advance(ctx, c, now, &pod, &policy, &mut notes);
            next = earliest(next, n);
        }
    }
    let status = status(ctx, &run, &pod);
    let node_name = run.node.clone();
    ctx.kubelet.pods.insert(uid, run);
    ctx.write_status(ids::pods(), &pod, status, MANAGER);
    record(ctx, &pod, &node_name, notes);
    next.map(|at| at.saturating_duration_since(Instant::now()) + Duration::from_millis(1))
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// Graceful termination: `Killing` events once, then removal after the scaled grace period.
fn terminate(ctx: &mut Ctx, pod: &Value, uid: &str, node: &str, now: Instant) -> Option<Duration> {
    let grace = obj::path_i64(pod, "metadata.deletionGracePeriodSeconds")
        .unwrap_or(30)
        .max(0) as u64;
    let since = match ctx.kubelet.pods.get_mut(uid) {
        Some(run) => match run.deleting_since {
            Some(t) => t,
            None => {
                run.deleting_since = Some(now);
                let notes: Vec<Note> = run
                    .main
                    .iter()
                    .filter(|c| matches!(c.phase, Phase::Running { .. }))
                    .map(|c| Note {
                        warning: false,
                        reason: "Killing",
                        message: format!("Stopping container {}", c.name),
                    })
                    .collect();
                record(ctx, pod, node, notes);
                now
            }
        },
        None => {
            ctx.kubelet.pods.insert(
                uid.to_string(),
                PodRun {
                    key: (obj::namespace(pod).to_string(), obj::name(pod).to_string()),
                    node: node.to_string(),
                    ip: String::new(),
                    start_time: String::new(),
                    init: Vec::new(),
                    main: Vec::new(),
                    restart_policy: String::new(),
                    deleting_since: Some(now),
                },
            );
            now
        }
    };
    let due = since + ctx.scaled(Duration::from_secs(grace));
    if now < due {
        return Some(due - now + Duration::from_millis(1));
    }
    let env = &ctx.state.env;
    let ns = obj::namespace(pod).to_string();
    let name = obj::name(pod).to_string();
    let opts = DeleteOpts {
        grace_period: Some(0),
        ..DeleteOpts::default()
    };
    let _ = ctx
        .state
        .store
        .write(|s| api::delete(s, env, ids::pods(), Some(&ns), &name, &opts));
    ctx.kubelet.pods.remove(uid);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qos_classes() {
        let pod = |res: Value| json!({"spec": {"containers": [{"name": "a", "resources": res}]}});
        assert_eq!(qos_class(&pod(json!({}))), "BestEffort");
        assert_eq!(
            qos_class(&pod(json!({"requests": {"cpu": "100m"}}))),
            "Burstable"
        );
        assert_eq!(
            qos_class(&pod(json!({"limits": {"cpu": "1", "memory": "1Gi"}}))),
            "Guaranteed"
        );
        assert_eq!(
            qos_class(&pod(
                json!({"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}})
            )),
            "Burstable"
        );
    }
}
