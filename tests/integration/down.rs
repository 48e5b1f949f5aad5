//! `down` against kube-sim: the real binary, each test with a simulator of its own.
//! Environments are namespaces created through the simulator's store with qaenv's labels and
//! annotations (one test makes them with `up --ttl`); results are checked in the store and in
//! the simulator's request log.

use std::{
    path::Path,
    process::Output,
    time::{Duration, Instant},
};

use jiff::{SignedDuration, Timestamp};
use kube_sim::{Sim, SimConfig, TokenSpec};
use kubectl_qaenv::{
    client::{connect, ConnectOptions},
    commands::down::delete_namespace,
    error::ExitCode,
    teardown::{Outcome, Target},
};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::common::{
    assert_exit, calls, from_plugin, json_stdout, kubeconfig_with_token, qaenv, stderr, stdout,
    writes,
};

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

    fn create(&self, object: Value) {
        self.sim
            .create(object.clone())
            .unwrap_or_else(|e| panic!("create {object}: {e:?}"));
    }

    /// A namespace as `up` leaves it: managed-by and environment labels (plus `labels`),
    /// owner and creation annotations, and an expiry `expires` from now (none: never).
    fn environment(&self, name: &str, expires: Option<SignedDuration>, labels: Value) {
        let mut all = json!({
            "app.kubernetes.io/managed-by": "kubectl-qaenv",
            "qaenv.dev/env": name,
        });
        for (k, v) in labels.as_object().into_iter().flatten() {
            all[k] = v.clone();
        }
        let mut annotations = json!({
            "qaenv.dev/owner": "alice",
            "qaenv.dev/created-at": rfc3339(Timestamp::now()),
        });
        if let Some(offset) = expires {
            annotations["qaenv.dev/expires-at"] = json!(rfc3339(Timestamp::now() + offset));
        }
        self.create(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": format!("qa-{name}"), "labels": all, "annotations": annotations}
        }));
    }

    /// A namespace qaenv did not create.
    fn foreign(&self, name: &str, labels: Value, annotations: Value) {
        self.create(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": labels, "annotations": annotations}
        }));
    }

    fn namespace(&self, name: &str) -> Option<Value> {
        self.sim.get("v1", "Namespace", "", name)
    }

    /// Whether the namespace exists and nobody asked to delete it.
    fn intact(&self, name: &str) -> bool {
        self.namespace(name)
            .is_some_and(|ns| ns["metadata"]["deletionTimestamp"].is_null())
    }

    /// Whether the namespace is being deleted or gone.
    fn going(&self, name: &str) -> bool {
        self.namespace(name)
            .is_none_or(|ns| !ns["metadata"]["deletionTimestamp"].is_null())
    }

    fn qaenv(&self, args: &[&str]) -> Output {
        self.qaenv_with(self.sim.kubeconfig_path(), args)
    }

    fn qaenv_with(&self, kubeconfig: &Path, args: &[&str]) -> Output {
        qaenv(self.home.path())
            .current_dir(self.home.path())
            .args(args)
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .output()
            .unwrap_or_else(|e| panic!("run kubectl-qaenv: {e}"))
    }

    /// The requests the plugin sent, as `METHOD path`.
    fn calls(&self) -> Vec<String> {
        calls(&from_plugin(&self.sim.requests()))
    }

    fn writes(&self) -> Vec<String> {
        writes(&from_plugin(&self.sim.requests()))
    }

    /// A kubeconfig for the simulator's plain-HTTP URL with this bearer token.
    fn token_kubeconfig(&self, token: &str) -> std::path::PathBuf {
        kubeconfig_with_token(
            self.home.path(),
            &format!("{token}.kubeconfig"),
            self.sim.url(),
            token,
        )
    }
}

fn rfc3339(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn hours(n: i64) -> Option<SignedDuration> {
    Some(SignedDuration::from_hours(n))
}

/// The rows of a table on stdout, by their NAMESPACE column: namespace → RESULT.
fn results(output: &Output) -> Vec<(String, String)> {
    let text = stdout(output);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let column = |name: &str| header.find(name).unwrap_or(0);
    let (ns, owner, result, detail) = (
        column("NAMESPACE"),
        column("OWNER"),
        column("RESULT"),
        header.find("DETAIL").unwrap_or(usize::MAX),
    );
    lines
        .map(|line| {
            let cell = |from: usize, to: usize| {
                line.get(from..to.min(line.len()))
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            };
            (cell(ns, owner), cell(result, detail))
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn namespaces_qaenv_did_not_create_are_refused_and_untouched() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.environment("ok", hours(-1), json!({}));
    cluster.foreign("team-a", json!({"team": "a"}), json!({}));
    for name in ["default", "kube-system", "team-a"] {
        let output = cluster.qaenv(&["down", name, "--yes"]);
        assert_exit(&output, 4);
        assert_eq!(
            stderr(&output),
            format!(
                "error: refusing to delete {name}: namespace {name} is not a qaenv environment \
                 (it has no app.kubernetes.io/managed-by=kubectl-qaenv label)\n\
                 hint: nothing was deleted; qaenv only deletes namespaces it created, which \
                 `kubectl qaenv ls` lists\n"
            )
        );
        assert!(stdout(&output).is_empty());
    }
    // A mixed list deletes nothing, not even the environment in it.
    let output = cluster.qaenv(&["down", "ok", "kube-system", "default", "--yes"]);
    assert_exit(&output, 4);
    assert!(
        stderr(&output).starts_with("error: refusing to delete kube-system, default: they are"),
        "{}",
        stderr(&output)
    );
    // So does a list with a name that does not exist (exit 1).
    let output = cluster.qaenv(&["down", "ok", "feature/nope", "--yes"]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).starts_with(
            "error: cannot delete environment feature/nope: not found: no namespace qa-feature-nope\n"
        ),
        "{}",
        stderr(&output)
    );
    for name in ["default", "kube-system", "team-a", "qa-ok"] {
        assert!(cluster.intact(name), "{name} was touched");
    }
    assert!(cluster.writes().is_empty(), "{:?}", cluster.writes());
}

#[test]
fn without_a_terminal_down_needs_yes() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.environment("login", None, json!({}));
    let output = cluster.qaenv(&["down", "login"]);
    assert_exit(&output, 4);
    assert_eq!(
        stderr(&output),
        "error: delete environment login (namespace qa-login and everything in it): \
         confirmation needed and there is no terminal to ask on\nhint: pass --yes to confirm\n"
    );
    let output = cluster.qaenv(&["down", "--all"]);
    assert_exit(&output, 4);
    assert!(cluster.intact("qa-login"));
    assert!(cluster.writes().is_empty(), "{:?}", cluster.writes());
}

#[test]
fn a_named_environment_is_deleted_with_two_requests() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.environment("feature-login", hours(24), json!({}));
    cluster.environment("other", hours(24), json!({}));
    cluster.sim.clear_requests();
    let output = cluster.qaenv(&["down", "feature/Login", "--yes"]);
    assert_exit(&output, 0);
    assert_eq!(
        cluster.calls(),
        [
            "GET /api/v1/namespaces/qa-feature-login",
            "DELETE /api/v1/namespaces/qa-feature-login",
        ]
    );
    assert!(cluster.going("qa-feature-login"));
    assert!(cluster.intact("qa-other"));
    assert_eq!(results(&output), pairs(&[("qa-feature-login", "deleting")]));
    assert!(
        stdout(&output).contains("feature-login   qa-feature-login   alice   in 2"),
        "{}",
        stdout(&output)
    );
    assert_eq!(stderr(&output), "1 environment: 1 deleting\n");

    // The namespace itself, as `ls` prints it, names an environment too.
    cluster.sim.clear_requests();
    let other = cluster.qaenv(&["down", "qa-other", "--yes", "-o", "json"]);
    assert_exit(&other, 0);
    let report = json_stdout(&other);
    assert_eq!(report["selection"], "names");
    assert_eq!(report["environments"][0]["name"], "other");
    assert_eq!(report["environments"][0]["namespace"], "qa-other");
    assert_eq!(report["environments"][0]["result"], "deleting");
    assert!(cluster.going("qa-other"));
    // Tried as an environment name first (qa-qa-other), then as the namespace.
    assert_eq!(
        cluster.calls(),
        [
            "GET /api/v1/namespaces/qa-qa-other",
            "GET /api/v1/namespaces/qa-other",
            "DELETE /api/v1/namespaces/qa-other",
        ]
    );
}

#[test]
fn an_already_terminating_environment_is_reported_not_an_error() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.environment("held", None, json!({}));
    // A finalizer nobody removes keeps the namespace Terminating.
    cluster.create(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "held", "namespace": "qa-held", "finalizers": ["example.com/hold"]}
    }));
    assert_exit(&cluster.qaenv(&["down", "held", "--yes"]), 0);
    assert!(cluster.going("qa-held"));
    cluster.sim.clear_requests();
    let output = cluster.qaenv(&["down", "held", "--yes"]);
    assert_exit(&output, 0);
    assert_eq!(results(&output), pairs(&[("qa-held", "already deleting")]));
    assert_eq!(cluster.calls(), ["GET /api/v1/namespaces/qa-held"]);

    // --wait on it gives up at the deadline: exit 3, with what holds it.
    let output = cluster.qaenv(&["down", "held", "--yes", "--wait", "--timeout", "1s"]);
    assert_exit(&output, 3);
    assert_eq!(results(&output), pairs(&[("qa-held", "still terminating")]));
    let err = stderr(&output);
    assert!(
        err.contains("error: wait for deletion timed out after 1s: 1 of 1 namespaces still terminating: qa-held (Terminating: "),
        "{err}"
    );
    assert!(err.contains("finalizers"), "{err}");
    assert!(err.contains("hint: "), "{err}");
    assert!(cluster.namespace("qa-held").is_some());
}

#[test]
fn expired_deletes_exactly_the_expired_environments() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.environment("old-1", hours(-48), json!({}));
    cluster.environment("old-2", Some(SignedDuration::from_secs(-5)), json!({}));
    cluster.environment("fresh", hours(1), json!({}));
    cluster.environment("pinned", None, json!({}));
    cluster.foreign(
        "legacy",
        json!({}),
        json!({"qaenv.dev/expires-at": "2020-01-01T00:00:00Z"}),
    );
    cluster.sim.clear_requests();
    let output = cluster.qaenv(&["down", "--expired", "--yes", "-o", "json"]);
    assert_exit(&output, 0);
    let report = json_stdout(&output);
    assert_eq!(report["selection"], "expired");
    let rows = report["environments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let deleted: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["namespace"].as_str())
        .collect();
    assert_eq!(deleted, ["qa-old-1", "qa-old-2"]);
    assert!(rows.iter().all(|r| r["result"] == "deleting"), "{rows:?}");
    assert_eq!(rows[0]["owner"], "alice");
    assert!(rows[0]["expiresAt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(report["summary"], json!({"deleting": 2}));
    for gone in ["qa-old-1", "qa-old-2"] {
        assert!(cluster.going(gone), "{gone}");
    }
    for kept in ["qa-fresh", "qa-pinned", "legacy"] {
        assert!(cluster.intact(kept), "{kept}");
    }
    // One label-selected list, one DELETE per expired environment (sent concurrently).
    let mut calls = cluster.calls();
    calls[1..].sort();
    assert_eq!(
        calls,
        [
            "GET /api/v1/namespaces",
            "DELETE /api/v1/namespaces/qa-old-1",
            "DELETE /api/v1/namespaces/qa-old-2",
        ]
    );
    assert!(from_plugin(&cluster.sim.requests())[0]
        .query
        .contains("labelSelector=app.kubernetes.io%2Fmanaged-by%3Dkubectl-qaenv"));

    // Nothing left to do: a message on stderr, exit 0, nothing on stdout.
    cluster.sim.clear_requests();
    let output = cluster.qaenv(&["down", "--expired", "--yes"]);
    assert_exit(&output, 0);
    let err = stderr(&output);
    // The two being deleted may still be listed (and reported), or gone by now.
    if !stdout(&output).is_empty() {
        assert!(
            results(&output)
                .iter()
                .all(|(_, r)| r == "already deleting"),
            "{}",
            stdout(&output)
        );
    } else {
        assert_eq!(err, "no environment has expired; nothing to delete\n");
    }
    assert!(cluster.writes().is_empty(), "{:?}", cluster.writes());
}

#[test]
fn all_with_a_selector_deletes_only_the_matching_environments() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.environment("pay-1", hours(24), json!({"team": "pay"}));
    cluster.environment("pay-2", None, json!({"team": "pay"}));
    cluster.environment("web-1", hours(-1), json!({"team": "web"}));
    cluster.foreign("pay-legacy", json!({"team": "pay"}), json!({}));
    let output = cluster.qaenv(&["down", "--all", "-l", "team=pay", "--yes"]);
    assert_exit(&output, 0);
    assert_eq!(
        results(&output),
        pairs(&[("qa-pay-1", "deleting"), ("qa-pay-2", "deleting")])
    );
    assert!(cluster.going("qa-pay-1") && cluster.going("qa-pay-2"));
    assert!(cluster.intact("qa-web-1") && cluster.intact("pay-legacy"));

    let none = cluster.qaenv(&["down", "--all", "-l", "team=nobody", "--yes", "-o", "json"]);
    assert_exit(&none, 0);
    assert_eq!(
        stderr(&none),
        "no environments matching team=nobody; nothing to delete\n"
    );
    assert_eq!(json_stdout(&none)["environments"], json!([]));
}

#[test]
fn wait_returns_once_the_namespace_is_gone() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.environment("shop", None, json!({}));
    cluster.create(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "qa-shop", "labels": {"qaenv.dev/env": "shop"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web", "qaenv.dev/env": "shop"}},
                              "spec": {"containers": [{"name": "web", "image": "registry.local/web:1"}]}}}
    }));
    // The pods exist, so the namespace has content to remove before it goes.
    let deadline = Instant::now() + Duration::from_secs(20);
    while cluster.sim.list("v1", "Pod", Some("qa-shop")).len() < 2 {
        assert!(Instant::now() < deadline, "the pods never came");
        std::thread::sleep(Duration::from_millis(10));
    }
    cluster.sim.clear_requests();
    let output = cluster.qaenv(&["down", "shop", "--yes", "--wait", "--timeout", "30s"]);
    assert_exit(&output, 0);
    assert!(
        cluster.namespace("qa-shop").is_none(),
        "still there after --wait"
    );
    assert_eq!(results(&output), pairs(&[("qa-shop", "deleted")]));
    let err = stderr(&output);
    assert!(err.contains("namespace qa-shop: gone\n"), "{err}");
    assert!(err.ends_with("1 environment: 1 deleted\n"), "{err}");
    // kubectl agrees: the namespace is NotFound.
    let kubectl = std::process::Command::new("kubectl")
        .args(["get", "namespace", "qa-shop"])
        .env("KUBECONFIG", cluster.sim.kubeconfig_path())
        .env("HOME", cluster.home.path())
        .env("KUBECACHEDIR", cluster.home.path().join("kube-cache"))
        .output()
        .unwrap_or_else(|e| panic!("run kubectl: {e}"));
    assert_eq!(kubectl.status.code(), Some(1));
    assert!(
        stderr(&kubectl).contains(r#"namespaces "qa-shop" not found"#),
        "{}",
        stderr(&kubectl)
    );
    // GET, DELETE, then one watch of that one namespace: its list and the watch itself.
    let calls = cluster.calls();
    assert_eq!(
        calls[..3],
        [
            "GET /api/v1/namespaces/qa-shop",
            "DELETE /api/v1/namespaces/qa-shop",
            "GET /api/v1/namespaces",
        ],
        "{calls:?}"
    );
    assert!(calls.len() <= 4, "{calls:?}");
    let requests = from_plugin(&cluster.sim.requests());
    assert!(requests[2]
        .query
        .contains("fieldSelector=metadata.name%3Dqa-shop"));
}

#[test]
fn all_goes_on_past_a_forbidden_environment_and_reports_each() {
    // May list namespaces, and delete only qa-a and qa-c (RBAC resourceNames).
    let rules = vec![
        json!({"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list"]}),
        json!({"apiGroups": [""], "resources": ["namespaces"], "verbs": ["delete"],
               "resourceNames": ["qa-a", "qa-c"]}),
    ];
    let mut config = SimConfig::fast();
    config.tokens.push(TokenSpec {
        token: "partial".into(),
        user: "partial-deleter".into(),
        rules: Some(rules),
    });
    let cluster = Cluster::start(config);
    for name in ["a", "b", "c"] {
        cluster.environment(name, hours(-1), json!({}));
    }
    let kubeconfig = cluster.token_kubeconfig("partial");
    let output = cluster.qaenv_with(&kubeconfig, &["down", "--expired", "--yes"]);
    assert_exit(&output, 1);
    assert_eq!(
        results(&output),
        pairs(&[
            ("qa-a", "deleting"),
            ("qa-b", "failed"),
            ("qa-c", "deleting")
        ])
    );
    assert!(stdout(&output)
        .contains(r#"forbidden: user "partial-deleter" may not delete namespace "qa-b""#));
    let err = stderr(&output);
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "3 environments: 2 deleting, 1 failed",
            r#"error: delete environments: 1 of 3 could not be deleted: qa-b (forbidden: user "partial-deleter" may not delete namespace "qa-b")"#,
            "hint: ask a cluster admin for this permission; `kubectl qaenv doctor` lists every permission qaenv needs",
        ]
    );
    assert!(cluster.going("qa-a") && cluster.going("qa-c"));
    assert!(cluster.intact("qa-b"));

    // The JSON report holds the same facts.
    let output = cluster.qaenv_with(&kubeconfig, &["down", "--all", "--yes", "-o", "json"]);
    assert_exit(&output, 1);
    let report = json_stdout(&output);
    let b = report["environments"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["namespace"] == "qa-b")
        .cloned()
        .unwrap_or_default();
    assert_eq!(b["result"], "failed");
    assert_eq!(
        b["detail"],
        r#"forbidden: user "partial-deleter" may not delete namespace "qa-b""#
    );
    assert_eq!(report["summary"]["failed"], 1);
}

#[test]
fn a_namespace_re_created_since_it_was_read_is_not_deleted() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.environment("login", None, json!({}));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let outcome = runtime.block_on(async {
        let options = ConnectOptions {
            kubeconfig: Some(cluster.sim.kubeconfig_path().to_path_buf()),
            ..ConnectOptions::default()
        };
        let conn = connect(&options)
            .await
            .unwrap_or_else(|e| panic!("connect: {}", e.report()));
        let namespace = serde_json::from_value(cluster.namespace("qa-login").unwrap_or_default())
            .unwrap_or_else(|e| panic!("namespace: {e}"));
        // As read before someone deleted and re-created it: another UID.
        let mut target = Target::from_namespace(&namespace).unwrap_or_else(|| panic!("target"));
        target.uid = Some("uid-of-the-namespace-read-earlier".into());
        delete_namespace(&conn, &target).await
    });
    match outcome {
        Outcome::Failed { cause, exit, .. } => {
            assert_eq!(exit, ExitCode::Refused);
            assert!(cause.contains("re-created"), "{cause}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(cluster.intact("qa-login"));
}

#[test]
fn environments_made_by_up_with_a_short_ttl_expire() {
    let cluster = Cluster::start(SimConfig::fast());
    let dir = cluster.home.path();
    std::fs::write(
        dir.join("app.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {a: b}\n",
    )
    .unwrap_or_else(|e| panic!("write: {e}"));
    for (name, ttl) in [("brief", "1s"), ("lasting", "1h")] {
        let output = cluster.qaenv(&["up", name, "-f", "app.yaml", "--ttl", ttl, "--no-wait"]);
        assert_exit(&output, 0);
    }
    let expires: Timestamp = cluster
        .namespace("qa-brief")
        .and_then(|ns| {
            ns["metadata"]["annotations"]["qaenv.dev/expires-at"]
                .as_str()
                .map(str::to_string)
        })
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no expiry on qa-brief"));
    // The condition is the clock passing the expiry (at most about two seconds).
    let deadline = Instant::now() + Duration::from_secs(5);
    while Timestamp::now() <= expires {
        assert!(
            Instant::now() < deadline,
            "the clock never passed {expires}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = cluster.qaenv(&["down", "--expired", "--yes"]);
    assert_exit(&output, 0);
    assert_eq!(results(&output), pairs(&[("qa-brief", "deleting")]));
    assert!(cluster.going("qa-brief"));
    assert!(cluster.intact("qa-lasting"));
}

/// Runs `kubectl-qaenv ARGS` on a pseudo-terminal (util-linux `script`), typing `keys`.
/// `None` when `script` is not installed.
fn on_a_terminal(cluster: &Cluster, args: &[&str], keys: &str) -> Option<Output> {
    let line = std::iter::once(crate::common::BIN.to_string())
        .chain(args.iter().map(|a| a.to_string()))
        .chain([
            "--kubeconfig".to_string(),
            cluster.sim.kubeconfig_path().display().to_string(),
        ])
        .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("HOME", cluster.home.path())
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(keys.as_bytes())
            .unwrap_or_else(|e| panic!("type {keys:?}: {e}"));
    }
    Some(
        child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("run script: {e}")),
    )
}

#[test]
fn on_a_terminal_down_lists_what_goes_and_asks() {
    let cluster = Cluster::start(SimConfig::fast());
    cluster.environment("login", hours(2), json!({}));
    let Some(declined) = on_a_terminal(&cluster, &["down", "login"], "n") else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    assert_exit(&declined, 4);
    // `script` puts the terminal's stdout and stderr on its stdout.
    let screen = stdout(&declined);
    assert!(
        screen.contains("ENVIRONMENT   NAMESPACE   OWNER   EXPIRES")
            && screen.contains("login         qa-login    alice   in 1"),
        "{screen}"
    );
    assert!(
        screen.contains("delete environment login (namespace qa-login and everything in it)? "),
        "{screen}"
    );
    assert!(screen.contains("not confirmed"), "{screen}");
    assert!(cluster.intact("qa-login"));

    let accepted =
        on_a_terminal(&cluster, &["down", "login"], "y").unwrap_or_else(|| panic!("script"));
    assert_exit(&accepted, 0);
    assert!(cluster.going("qa-login"), "{}", stdout(&accepted));
}
