//! `promote`, `rollback` and `canary` against kube-sim: the real binary, each test with a
//! simulator of its own, blue and green Deployments of `web` and a Service `web` selecting
//! `app=web,color=blue`.

use std::{
    process::Output,
    time::{Duration, Instant},
};

use kube_sim::{RequestRecord, Sim, SimConfig};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::common::{assert_exit, calls, json_stdout, qaenv, stderr, stdout};

/// A simulator with the blue/green fixture and a home directory for the binary.
struct Cluster {
    sim: Sim,
    home: TempDir,
}

impl Cluster {
    fn start(config: SimConfig) -> Cluster {
        let sim = Sim::start(config).unwrap_or_else(|e| panic!("start kube-sim: {e:#}"));
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        Cluster { sim, home }
    }

    /// Blue and green `web` Deployments (green with `green_image`) behind Service `web`
    /// selecting blue, in `ns`; returns once blue is available and green has its pods.
    fn blue_green(&self, ns: &str, replicas: i64, green_image: &str) {
        if ns != "default" {
            self.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        }
        self.deploy(ns, "blue", replicas, "registry.local/web:1.0");
        self.deploy(ns, "green", replicas, green_image);
        self.create(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": ns},
            "spec": {"selector": {"app": "web", "color": "blue"},
                     "ports": [{"port": 80, "targetPort": 8080}]}
        }));
        self.wait_until("web-blue is available", || {
            self.available(ns, "web-blue") == replicas
        });
        self.wait_until("web-green has its pods", || {
            self.pods(ns, "green") == replicas as usize
        });
    }

    fn create(&self, object: Value) {
        self.sim
            .create(object)
            .unwrap_or_else(|e| panic!("create: {e:?}"));
    }

    fn deploy(&self, ns: &str, colour: &str, replicas: i64, image: &str) {
        let labels = json!({"app": "web", "color": colour});
        self.create(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": format!("web-{colour}"), "namespace": ns},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "web", "image": image,
                                                           "ports": [{"containerPort": 8080}]}]}}}
        }));
    }

    /// Polls the simulator's state until `condition` holds; panics after 30 seconds.
    fn wait_until(&self, what: &str, condition: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !condition() {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn get(&self, api_version: &str, kind: &str, ns: &str, name: &str) -> Value {
        self.sim
            .get(api_version, kind, ns, name)
            .unwrap_or(Value::Null)
    }

    fn available(&self, ns: &str, name: &str) -> i64 {
        let d = self.get("apps/v1", "Deployment", ns, name);
        let generation = d["metadata"]["generation"].as_i64().unwrap_or(-1);
        if d["status"]["observedGeneration"].as_i64() != Some(generation) {
            return -1;
        }
        d["status"]["availableReplicas"].as_i64().unwrap_or(0)
    }

    fn replicas(&self, ns: &str, name: &str) -> i64 {
        self.get("apps/v1", "Deployment", ns, name)["spec"]["replicas"]
            .as_i64()
            .unwrap_or(-1)
    }

    /// Pods of a colour that are not being deleted.
    fn pods(&self, ns: &str, colour: &str) -> usize {
        self.sim
            .list("v1", "Pod", Some(ns))
            .iter()
            .filter(|p| p["metadata"]["labels"]["color"] == colour)
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .count()
    }

    fn selector(&self, ns: &str) -> Value {
        self.get("v1", "Service", ns, "web")["spec"]["selector"].clone()
    }

    /// Runs the binary against the simulator.
    fn qaenv(&self, args: &[&str]) -> Output {
        qaenv(self.home.path())
            .args(args)
            .arg("--kubeconfig")
            .arg(self.sim.kubeconfig_path())
            .output()
            .unwrap_or_else(|e| panic!("run kubectl-qaenv: {e}"))
    }

    /// The requests the plugin sent (not the test's own).
    fn plugin_requests(&self) -> Vec<RequestRecord> {
        self.sim
            .requests()
            .into_iter()
            .filter(|r| r.user_agent.starts_with("kubectl-qaenv/"))
            .collect()
    }

    /// The names of the pods the Service's Endpoints list as ready.
    fn endpoint_pods(&self, ns: &str) -> Vec<String> {
        let endpoints = self.get("v1", "Endpoints", ns, "web");
        endpoints["subsets"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["addresses"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a["targetRef"]["name"].as_str().map(str::to_string))
            .collect()
    }
}

fn kubectl_jsonpath(cluster: &Cluster, path: &str) -> String {
    let output = std::process::Command::new("kubectl")
        .args(["get", "svc", "web", "-o", &format!("jsonpath={path}")])
        .env("KUBECONFIG", cluster.sim.kubeconfig_path())
        .env("HOME", cluster.home.path())
        .env("KUBECACHEDIR", cluster.home.path().join("kube-cache"))
        .output()
        .unwrap_or_else(|e| panic!("run kubectl: {e}"));
    assert_exit(&output, 0);
    stdout(&output)
}

#[test]
fn promote_flips_the_selector_in_the_current_namespace() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.blue_green("default", 3, "registry.local/web:2.0");
    cluster.wait_until("web-green is available", || {
        cluster.available("default", "web-green") == 3
    });
    cluster.sim.clear_requests();

    let output = cluster.qaenv(&["promote", "green", "--yes"]);
    assert_exit(&output, 0);
    insta::assert_snapshot!(stdout(&output), @r"
    SERVICE   SELECTOR                                    READY ENDPOINTS   RESULT
    web       app=web,color=blue -> app=web,color=green   3                 switched
    ");
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    // Three reads, one guarded patch, one Event.
    assert_eq!(
        calls(&cluster.plugin_requests()),
        [
            "GET /api/v1/namespaces/default/services",
            "GET /apis/apps/v1/namespaces/default/deployments",
            "GET /api/v1/namespaces/default/pods",
            "PATCH /api/v1/namespaces/default/services/web",
            "POST /api/v1/namespaces/default/events",
        ]
    );

    assert_eq!(
        kubectl_jsonpath(&cluster, "{.spec.selector.color}"),
        "green"
    );
    assert_eq!(
        kubectl_jsonpath(
            &cluster,
            r"{.metadata.annotations.qaenv\.dev/previous-selector}"
        ),
        r#"{"app":"web","color":"blue"}"#
    );
    let events = cluster.sim.list("v1", "Event", Some("default"));
    let promoted = events
        .iter()
        .find(|e| e["reason"] == "Promoted")
        .unwrap_or_else(|| panic!("no Promoted event in {events:?}"));
    assert_eq!(promoted["involvedObject"]["name"], "web");
    assert_eq!(promoted["reportingComponent"], "kubectl-qaenv");
    assert_eq!(
        promoted["message"],
        "Switched selector for service 'web' from 'app=web,color=blue' to 'app=web,color=green'"
    );

    // Promoting again changes nothing and writes nothing.
    cluster.sim.clear_requests();
    let again = cluster.qaenv(&["promote", "green", "-o", "json"]);
    assert_exit(&again, 0);
    assert_eq!(json_stdout(&again)["services"][0]["result"], "unchanged");
    assert!(cluster.plugin_requests().iter().all(|r| !r.is_write()));
}

#[test]
fn promote_to_a_colour_whose_pods_are_not_ready_is_refused() {
    for image in [
        "registry.local/web:crashloop",
        "registry.local/web:pullfail",
    ] {
        let cluster = Cluster::start(SimConfig::fast());
        cluster.blue_green("shop", 2, image);
        cluster.sim.clear_requests();

        let output = cluster.qaenv(&["promote", "green", "-n", "shop", "--yes", "--force"]);
        assert_exit(&output, 4);
        let err = stderr(&output);
        assert!(
            err.starts_with(
                "error: promote to green in namespace shop: gate failed: service web: deployment web-green has 0 of 2 replicas available"
            ),
            "{image}: {err}"
        );
        assert!(
            err.contains("no Ready pod has labels app=web,color=green"),
            "{err}"
        );
        assert!(err.contains("\nhint: no Service was changed"), "{err}");
        assert_eq!(
            cluster.selector("shop"),
            json!({"app": "web", "color": "blue"})
        );
        let writes: Vec<String> = calls(&cluster.plugin_requests())
            .into_iter()
            .filter(|c| !c.starts_with("GET"))
            .collect();
        assert_eq!(writes, Vec::<String>::new(), "{image}");
    }
}

#[test]
fn a_selector_changed_between_read_and_write_fails_the_switch() {
    // Every request waits 300 ms in the simulator. The plugin reads Services, then
    // Deployments, then Pods, then patches; once its Service list is answered, the test's
    // own write is sent at once and is served two round trips before the plugin's patch
    // arrives. The request log shows the plugin's progress; no sleep decides the order.
    let config = SimConfig {
        latency: Duration::from_millis(300),
        ..SimConfig::fast()
    };
    let cluster = Cluster::start(config);
    cluster.blue_green("shop", 2, "registry.local/web:2.0");
    cluster.wait_until("web-green is available", || {
        cluster.available("shop", "web-green") == 2
    });
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let services = runtime.block_on(async {
        let kubeconfig = kube::config::Kubeconfig::read_from(cluster.sim.kubeconfig_path())
            .unwrap_or_else(|e| panic!("kubeconfig: {e}"));
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .unwrap_or_else(|e| panic!("config: {e}"));
        let client = kube::Client::try_from(config).unwrap_or_else(|e| panic!("client: {e}"));
        kube::Api::<k8s_openapi::api::core::v1::Service>::namespaced(client, "shop")
    });
    cluster.sim.clear_requests();

    let child = std::process::Command::new(crate::common::BIN)
        .args(["promote", "green", "-n", "shop", "--yes", "--kubeconfig"])
        .arg(cluster.sim.kubeconfig_path())
        .env("HOME", cluster.home.path())
        .env_remove("KUBECONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    cluster.wait_until("the plugin has read the Services", || {
        calls(&cluster.plugin_requests())
            .contains(&"GET /api/v1/namespaces/shop/services".to_string())
    });
    runtime.block_on(async {
        let patch = json!({"spec": {"selector": {"color": "blue-hotfix"}}});
        services
            .patch(
                "web",
                &kube::api::PatchParams::default(),
                &kube::api::Patch::Merge(&patch),
            )
            .await
            .unwrap_or_else(|e| panic!("concurrent patch: {e}"));
    });
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));

    assert_exit(&output, 4);
    let err = stderr(&output);
    assert!(
        err.starts_with(
            "error: switch service web: it changed after qaenv read it, so nothing was written"
        ),
        "{err}"
    );
    assert!(err.contains("\nhint: someone else changed it"), "{err}");
    assert_eq!(
        cluster.selector("shop"),
        json!({"app": "web", "color": "blue-hotfix"}),
        "the concurrent change stands"
    );
    let patches: Vec<RequestRecord> = cluster
        .plugin_requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1);
    assert_eq!(patches[0].status, 422, "a failed JSON-patch test");
}

#[test]
fn rollback_restores_the_previous_selector_in_an_environment() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.blue_green("qa-feature-login", 2, "registry.local/web:2.0");
    cluster.wait_until("web-green is available", || {
        cluster.available("qa-feature-login", "web-green") == 2
    });
    assert_exit(
        &cluster.qaenv(&["promote", "green", "-e", "feature/login", "--yes"]),
        0,
    );

    let output = cluster.qaenv(&["rollback", "-e", "feature/login", "--yes", "-o", "json"]);
    assert_exit(&output, 0);
    let report = json_stdout(&output);
    assert_eq!(report["command"], "rollback");
    assert_eq!(
        report["services"][0]["to"],
        json!({"app": "web", "color": "blue"})
    );
    assert_eq!(report["services"][0]["result"], "switched");
    assert_eq!(
        cluster.selector("qa-feature-login"),
        json!({"app": "web", "color": "blue"})
    );
    let service = cluster.get("v1", "Service", "qa-feature-login", "web");
    assert_eq!(
        service["metadata"]["annotations"]["qaenv.dev/previous-selector"],
        r#"{"app":"web","color":"green"}"#,
        "a second rollback returns to green"
    );
    let events = cluster.sim.list("v1", "Event", Some("qa-feature-login"));
    assert!(
        events.iter().any(|e| e["reason"] == "RolledBack"),
        "{events:?}"
    );
}

#[test]
fn rollback_without_a_promote_is_an_error() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.blue_green("shop", 1, "registry.local/web:2.0");
    let output = cluster.qaenv(&["rollback", "-n", "shop", "--yes"]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).starts_with("error: no Service in namespace shop selects pods by a selector recorded by promote or canary"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn dry_runs_send_no_write() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.blue_green("shop", 3, "registry.local/web:2.0");
    cluster.wait_until("web-green is available", || {
        cluster.available("shop", "web-green") == 3
    });
    cluster.sim.clear_requests();

    let promote = cluster.qaenv(&["promote", "green", "-n", "shop", "--dry-run", "-o", "json"]);
    assert_exit(&promote, 0);
    let report = json_stdout(&promote);
    assert_eq!(report["dryRun"], true);
    assert_eq!(report["services"][0]["result"], "dry-run");
    assert_eq!(report["services"][0]["readyEndpoints"], 3);

    let canary = cluster.qaenv(&[
        "canary",
        "green",
        "--weight",
        "10",
        "-n",
        "shop",
        "--dry-run",
        "-o",
        "yaml",
    ]);
    assert_exit(&canary, 0);
    assert!(
        stdout(&canary).contains("achieved: 25.0"),
        "{}",
        stdout(&canary)
    );
    assert_eq!(
        stderr(&canary),
        "service web: 10% of 3 replicas is not achievable; nearest is 25% (1 green and 3 blue, one pod more than before)\n"
    );

    let writes: Vec<String> = cluster
        .plugin_requests()
        .iter()
        .filter(|r| r.is_write())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(writes, Vec::<String>::new());
    assert_eq!(
        cluster.selector("shop"),
        json!({"app": "web", "color": "blue"})
    );
    assert_eq!(cluster.replicas("shop", "web-green"), 3);
}

#[test]
fn canary_splits_replicas_live_and_promote_ends_it() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.blue_green("shop", 3, "registry.local/web:2.0");
    cluster.wait_until("web-green is available", || {
        cluster.available("shop", "web-green") == 3
    });

    // Argo's vector (3 replicas, 10%, surge 1) -> 1 canary, 3 stable.
    let output = cluster.qaenv(&["canary", "green", "--weight", "10", "-n", "shop", "--yes"]);
    assert_exit(&output, 0);
    insta::assert_snapshot!(stdout(&output), @r"
    SERVICE   SELECTOR                        CANARY             STABLE            REQUESTED   ACHIEVABLE          RESULT
    web       app=web,color=blue -> app=web   web-green 3 -> 1   web-blue 3 -> 3   10%         25% (1 of 4 pods)   applied
    ");
    assert_eq!(cluster.selector("shop"), json!({"app": "web"}));
    cluster.wait_until("1 green and 3 blue pods serve web", || {
        cluster.pods("shop", "green") == 1
            && cluster.pods("shop", "blue") == 3
            && cluster.endpoint_pods("shop").len() == 4
    });

    // Argo's (3, 50%, surge 1) -> 2 and 2.
    let output = cluster.qaenv(&[
        "canary", "green", "--weight", "50", "-n", "shop", "--yes", "-o", "json",
    ]);
    assert_exit(&output, 0);
    let report = json_stdout(&output);
    let row = &report["services"][0];
    assert_eq!(
        (
            row["split"]["canary"].clone(),
            row["split"]["stable"].clone()
        ),
        (json!(2), json!(2))
    );
    assert_eq!(row["canary"]["from"], 1);
    assert_eq!(row["stable"]["recordOriginal"], 3);
    cluster.wait_until("2 green and 2 blue pods serve web", || {
        cluster.pods("shop", "green") == 2
            && cluster.pods("shop", "blue") == 2
            && cluster.endpoint_pods("shop").len() == 4
    });

    // promote ends the canary: both colours back to 3, the selector on green, only green
    // pods in the endpoints when --wait returns.
    let output = cluster.qaenv(&["promote", "green", "-n", "shop", "--yes", "--wait"]);
    assert_exit(&output, 0);
    assert!(
        stdout(&output).contains("switched, canary ended (web-blue 2 -> 3, web-green 2 -> 3)"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        cluster.selector("shop"),
        json!({"app": "web", "color": "green"})
    );
    let endpoints = cluster.endpoint_pods("shop");
    assert_eq!(endpoints.len(), 3, "{endpoints:?}");
    assert!(
        endpoints.iter().all(|p| p.starts_with("web-green-")),
        "{endpoints:?}"
    );
    assert_eq!(cluster.replicas("shop", "web-blue"), 3);
    assert_eq!(cluster.replicas("shop", "web-green"), 3);
    let service = cluster.get("v1", "Service", "shop", "web");
    assert!(service["metadata"]["annotations"]["qaenv.dev/canary"].is_null());
    for name in ["web-blue", "web-green"] {
        let d = cluster.get("apps/v1", "Deployment", "shop", name);
        assert!(
            d["metadata"]["annotations"]["qaenv.dev/replicas-before-canary"].is_null(),
            "{name}: {d}"
        );
    }
}

#[test]
fn release_commands_without_a_terminal_need_yes() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.blue_green("shop", 1, "registry.local/web:2.0");
    cluster.wait_until("web-green is available", || {
        cluster.available("shop", "web-green") == 1
    });
    let output = cluster.qaenv(&["canary", "green", "--weight", "50", "-n", "shop"]);
    assert_exit(&output, 4);
    assert!(
        stderr(&output).ends_with(
            "confirmation needed and there is no terminal to ask on\nhint: pass --yes to confirm\n"
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        cluster.selector("shop"),
        json!({"app": "web", "color": "blue"})
    );
}

#[test]
fn a_crash_looping_canary_cannot_be_promoted_and_rollback_aborts_it() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.blue_green("shop", 2, "registry.local/web:crashloop");
    // (2 replicas, 50%, maxSurge 25% of 2 = 1) -> 1 green, 1 blue.
    let output = cluster.qaenv(&["canary", "green", "--weight", "50", "-n", "shop", "--yes"]);
    assert_exit(&output, 0);
    cluster.wait_until("1 green and 1 blue pod", || {
        cluster.pods("shop", "green") == 1 && cluster.pods("shop", "blue") == 1
    });

    let output = cluster.qaenv(&["promote", "green", "-n", "shop", "--yes"]);
    assert_exit(&output, 4);
    assert!(
        stderr(&output).contains("no Ready pod has labels app=web,color=green"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        cluster.replicas("shop", "web-green"),
        1,
        "nothing was scaled"
    );

    let output = cluster.qaenv(&["rollback", "-n", "shop", "--yes"]);
    assert_exit(&output, 0);
    assert!(
        stdout(&output).contains("switched, canary ended (web-blue 1 -> 2, web-green 1 -> 2)"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        cluster.selector("shop"),
        json!({"app": "web", "color": "blue"})
    );
    assert_eq!(cluster.replicas("shop", "web-blue"), 2);
    assert_eq!(cluster.replicas("shop", "web-green"), 2);
}
