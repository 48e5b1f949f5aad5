//! `doctor` against kube-sim, each test with a simulator of its own.

use std::time::{Duration, Instant};

use kube_sim::{Sim, SimConfig};
use serde_json::Value;

use crate::common::{path_with_plugin, qaenv, stderr, stdout};

fn start(config: SimConfig) -> Sim {
    Sim::start(config).unwrap_or_else(|e| panic!("start kube-sim: {e:#}"))
}

fn doctor(sim: &Sim, home: &std::path::Path, extra: &[&str]) -> std::process::Output {
    qaenv(home)
        .arg("doctor")
        .arg("--kubeconfig")
        .arg(sim.kubeconfig_path())
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("run doctor: {e}"))
}

fn rows(table: &str) -> Vec<(String, String, String)> {
    table
        .lines()
        .skip(1)
        .map(|line| {
            // CHECK may contain one space ("access pods", "metrics API"); columns are
            // separated by at least three.
            let cells: Vec<&str> = line
                .split("   ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            (
                cells.first().unwrap_or(&"").to_string(),
                cells.get(1).unwrap_or(&"").to_string(),
                cells.get(2).unwrap_or(&"").to_string(),
            )
        })
        .collect()
}

#[test]
fn doctor_passes_with_full_access() {
    let sim = start(SimConfig::fast());
    let home = tempfile::tempdir().unwrap();
    let output = doctor(&sim, home.path(), &[]);
    let table = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{table}\n{}",
        stderr(&output)
    );
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    let rows = rows(&table);
    assert!(
        rows.iter().all(|(_, status, _)| status == "pass"),
        "{table}"
    );
    let server = &rows[0];
    assert_eq!(server.0, "server");
    assert!(
        server.2.starts_with("Kubernetes v1.33")
            && server.2.contains(sim.url())
            && server.2.contains("(context kube-sim)"),
        "{table}"
    );
    for name in [
        "credentials",
        "access namespaces",
        "access deployments.apps",
        "metrics API",
        "nodes",
        "environments",
    ] {
        assert!(
            rows.iter().any(|(n, _, _)| n == name),
            "{name} missing:\n{table}"
        );
    }
    println!("{table}");
}

#[test]
fn doctor_names_the_verbs_the_restricted_token_may_not_use() {
    let sim = start(SimConfig::fast());
    let home = tempfile::tempdir().unwrap();
    let output = doctor(&sim, home.path(), &["--context", "kube-sim-restricted"]);
    let table = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{table}");
    let rows = rows(&table);
    let find = |name: &str| {
        rows.iter()
            .find(|(n, _, _)| n == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} missing:\n{table}"))
    };
    let namespaces = find("access namespaces");
    assert_eq!(namespaces.1, "fail", "{table}");
    assert!(
        namespaces.2.starts_with("forbidden: create, patch, delete"),
        "{table}"
    );
    assert!(table.contains("kubectl create clusterrole qaenv-namespaces --verb=create,patch,delete --resource=namespaces"), "{table}");
    let deployments = find("access deployments.apps");
    assert!(
        deployments
            .2
            .starts_with("forbidden: create, patch, delete"),
        "{table}"
    );
    // Reading is allowed, so the read-only rows pass.
    assert_eq!(find("access pods").1, "pass", "{table}");
    assert_eq!(find("credentials").1, "pass", "{table}");
    let err = stderr(&output);
    assert!(err.starts_with("error: doctor: "), "{err}");
    assert!(
        err.contains("checks failed: access namespaces, access deployments.apps"),
        "{err}"
    );
}

#[test]
fn doctor_json_parses_and_stays_free_of_log_lines() {
    let sim = start(SimConfig::fast());
    let home = tempfile::tempdir().unwrap();
    let output = doctor(&sim, home.path(), &["-o", "json", "-v"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(&output)));
    assert_eq!(value["context"], "kube-sim");
    assert_eq!(value["server"], sim.url());
    assert_eq!(value["summary"]["fail"], 0);
    let err = stderr(&output);
    assert!(
        err.contains("POST ") && err.contains("selfsubjectaccessreviews 201 Created"),
        "{err}"
    );
    assert!(
        !err.to_lowercase().contains("token"),
        "-v must not log credentials: {err}"
    );
}

#[test]
fn access_reviews_cover_every_need_and_run_concurrently() {
    // With 150 ms added to every request, ~60 sequential reviews would take 9 s.
    let config = SimConfig {
        latency: Duration::from_millis(150),
        ..SimConfig::fast()
    };
    let sim = start(config);
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = doctor(&sim, home.path(), &[]);
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let expected: usize = kubectl_qaenv::commands::doctor::NEEDS
        .iter()
        .map(|n| n.verbs.len())
        .sum();
    let requests = sim.requests();
    let reviews = requests
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/selfsubjectaccessreviews"))
        .count();
    assert_eq!(reviews, expected);
    assert!(
        requests
            .iter()
            .all(|r| r.user_agent.starts_with("kubectl-qaenv/v")),
        "{:?}",
        requests.iter().map(|r| &r.user_agent).collect::<Vec<_>>()
    );
    assert!(elapsed < Duration::from_secs(5), "doctor took {elapsed:?}");
}

#[test]
fn request_timeout_is_honoured_against_a_slow_server() {
    let config = SimConfig {
        latency: Duration::from_secs(3),
        ..SimConfig::fast()
    };
    let sim = start(config);
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = doctor(&sim, home.path(), &["--request-timeout", "200ms"]);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("did not answer in time: no answer within 200ms"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn wrong_token_is_reported_as_rejected_credentials() {
    let sim = start(SimConfig::fast());
    let home = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sim.kubeconfig_path()).unwrap();
    let forged = home.path().join("forged");
    std::fs::write(&forged, text.replace(kube_sim::ADMIN_TOKEN, "forged-token")).unwrap();
    let output = qaenv(home.path())
        .arg("doctor")
        .arg("--kubeconfig")
        .arg(&forged)
        .output()
        .unwrap();
    let table = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{table}");
    let credentials = rows(&table)
        .into_iter()
        .find(|(n, _, _)| n == "credentials")
        .unwrap_or_default();
    assert_eq!(credentials.1, "fail", "{table}");
    assert!(
        credentials
            .2
            .contains("rejected the credentials (401 Unauthorized)"),
        "{table}"
    );
}

#[test]
fn kubectl_runs_doctor_through_plugin_discovery() {
    let sim = start(SimConfig::fast());
    let home = tempfile::tempdir().unwrap();
    let output = std::process::Command::new("kubectl")
        .args(["qaenv", "doctor", "-o", "json"])
        .env("PATH", path_with_plugin())
        .env("HOME", home.path())
        .env("KUBECACHEDIR", home.path().join("cache"))
        .env("KUBECONFIG", sim.kubeconfig_path())
        .env_remove("NO_COLOR")
        .output()
        .unwrap_or_else(|e| panic!("run kubectl: {e}"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["summary"]["fail"], 0);
}

#[test]
fn exec_credential_plugins_supply_the_token() {
    use std::os::unix::fs::PermissionsExt;
    let sim = start(SimConfig::fast());
    let home = tempfile::tempdir().unwrap();
    let plugin = home.path().join("credential-plugin");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{}\"}}}}'\n",
            kube_sim::ADMIN_TOKEN
        ),
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = home.path().join("exec.kubeconfig");
    std::fs::write(
        &config,
        format!(
            "apiVersion: v1
kind: Config
current-context: exec
clusters: [{{name: sim, cluster: {{server: \"{}\"}}}}]
contexts: [{{name: exec, context: {{cluster: sim, user: exec}}}}]
users:
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: {}
      interactiveMode: Never
",
            sim.url(),
            plugin.display()
        ),
    )
    .unwrap();
    let output = qaenv(home.path())
        .arg("doctor")
        .arg("--kubeconfig")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    let table = stdout(&output);
    let credentials = rows(&table)
        .into_iter()
        .find(|(n, _, _)| n == "credentials")
        .unwrap_or_default();
    assert_eq!(credentials.1, "pass", "{table}");
}
