//! `deploy/janitor.yaml` and the `Dockerfile` of its image: the manifest parses into the
//! Kubernetes types, real kubectl applies it to kube-sim, and its ClusterRole is exactly what
//! `down --expired --yes` needs: the binary, given a token with the role's rules, deletes an
//! expired environment; the verbs it used are exactly the role's verbs (an over-broad role
//! fails that comparison); and without any one of them the run fails with a forbidden error.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use k8s_openapi::api::{
    batch::v1::CronJob,
    core::v1::{Namespace, ServiceAccount},
    rbac::v1::{ClusterRole, ClusterRoleBinding},
};
use kube_sim::{RequestRecord, Sim, SimConfig, TokenSpec};
use serde_json::{json, Value};

use crate::common::{kubeconfig_with_token, qaenv, stderr, stdout};

const TOKEN: &str = "janitor-token";
const USER: &str = "system:serviceaccount:qaenv-system:qaenv-janitor";

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The manifest's documents.
fn documents() -> Vec<Value> {
    let path = repo_file("deploy/janitor.yaml");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn document(kind: &str) -> Value {
    documents()
        .into_iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in deploy/janitor.yaml"))
}

fn typed<T: serde::de::DeserializeOwned>(kind: &str) -> T {
    serde_json::from_value(document(kind))
        .unwrap_or_else(|e| panic!("{kind} of deploy/janitor.yaml: {e}"))
}

/// The ClusterRole's rules, as the simulator's token takes them.
fn role_rules() -> Vec<Value> {
    document("ClusterRole")["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Every (apiGroup, resource, verb) the rules grant, wildcards kept as written.
fn granted(rules: &[Value]) -> BTreeSet<(String, String, String)> {
    let strings = |rule: &Value, key: &str| -> Vec<String> {
        rule[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let mut out = BTreeSet::new();
    for rule in rules {
        for group in strings(rule, "apiGroups") {
            for resource in strings(rule, "resources") {
                for verb in strings(rule, "verbs") {
                    out.insert((group.clone(), resource.clone(), verb));
                }
            }
        }
    }
    out
}

/// The (apiGroup, resource, verb) of a request, as the API server's request info reads it.
fn used(request: &RequestRecord) -> (String, String, String) {
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let (group, rest) = match segments.as_slice() {
        ["api", _version, rest @ ..] => ("", rest),
        ["apis", group, _version, rest @ ..] => (*group, rest),
        _ => panic!("not a resource request: {}", request.path),
    };
    let (resource, named) = match rest {
        ["namespaces"] => ("namespaces", false),
        ["namespaces", _name] => ("namespaces", true),
        ["namespaces", _ns, resource] => (*resource, false),
        ["namespaces", _ns, resource, _name, ..] => (*resource, true),
        [resource] => (*resource, false),
        [resource, _name, ..] => (*resource, true),
        [] => panic!("no resource in {}", request.path),
    };
    let verb = match (request.method.as_str(), named) {
        ("GET", false) if request.is_watch() => "watch",
        ("GET", false) => "list",
        ("GET", true) => "get",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        (method, _) => panic!("unexpected {method} {}", request.path),
    };
    (group.to_string(), resource.to_string(), verb.to_string())
}

/// A simulator whose janitor token has `rules`, with an expired environment `qa-old`, a
/// fresh one `qa-new`, and `legacy`, an expired-looking namespace qaenv did not create; and
/// the run of `down --expired --yes` with that token.
fn run_janitor(rules: Vec<Value>) -> (Sim, tempfile::TempDir, Output) {
    let mut config = SimConfig::fast();
    config.tokens.push(TokenSpec {
        token: TOKEN.into(),
        user: USER.into(),
        rules: Some(rules),
    });
    let sim = Sim::start(config).unwrap_or_else(|e| panic!("start kube-sim: {e:#}"));
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let managed = json!({"app.kubernetes.io/managed-by": "kubectl-qaenv"});
    for (name, labels, expires) in [
        ("qa-old", managed.clone(), "2020-01-01T00:00:00Z"),
        ("qa-new", managed, "2999-01-01T00:00:00Z"),
        ("legacy", json!({}), "2020-01-01T00:00:00Z"),
    ] {
        sim.create(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": name, "labels": labels,
            "annotations": {"qaenv.dev/expires-at": expires}}}),
        )
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"));
    }
    let kubeconfig = kubeconfig_with_token(home.path(), "janitor.kubeconfig", sim.url(), TOKEN);
    let output = qaenv(home.path())
        .args(["down", "--expired", "--yes", "--kubeconfig"])
        .arg(kubeconfig)
        .output()
        .unwrap_or_else(|e| panic!("run kubectl-qaenv: {e}"));
    (sim, home, output)
}

fn deleting(sim: &Sim, name: &str) -> bool {
    sim.get("v1", "Namespace", "", name)
        .is_none_or(|ns| !ns["metadata"]["deletionTimestamp"].is_null())
}

fn show(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        stdout(output),
        stderr(output)
    )
}

#[test]
fn the_manifest_parses_into_the_kubernetes_types() {
    let kinds: Vec<String> = documents()
        .iter()
        .map(|d| {
            format!(
                "{}/{}",
                d["kind"].as_str().unwrap_or("?"),
                d["metadata"]["name"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Namespace/qaenv-system",
            "ServiceAccount/qaenv-janitor",
            "ClusterRole/qaenv-janitor",
            "ClusterRoleBinding/qaenv-janitor",
            "CronJob/qaenv-janitor",
        ]
    );
    let namespace: Namespace = typed("Namespace");
    let account: ServiceAccount = typed("ServiceAccount");
    assert_eq!(account.metadata.namespace, namespace.metadata.name);
    let role: ClusterRole = typed("ClusterRole");
    let binding: ClusterRoleBinding = typed("ClusterRoleBinding");
    assert_eq!(binding.role_ref.kind, "ClusterRole");
    assert_eq!(Some(binding.role_ref.name), role.metadata.name);
    let subjects = binding.subjects.unwrap_or_default();
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0].kind, "ServiceAccount");
    assert_eq!(Some(subjects[0].name.clone()), account.metadata.name);
    assert_eq!(subjects[0].namespace, account.metadata.namespace);

    let cron: CronJob = typed("CronJob");
    assert_eq!(cron.metadata.namespace, namespace.metadata.name);
    let spec = cron.spec.unwrap_or_default();
    let fields: Vec<&str> = spec.schedule.split_whitespace().collect();
    assert!(
        fields.len() == 5
            && fields[0].parse::<u8>().is_ok_and(|m| m < 60)
            && fields[1..] == ["*"; 4],
        "hourly: {}",
        spec.schedule
    );
    assert_eq!(spec.concurrency_policy.as_deref(), Some("Forbid"));
    assert!(spec
        .successful_jobs_history_limit
        .is_some_and(|n| (1..=5).contains(&n)));
    assert!(spec
        .failed_jobs_history_limit
        .is_some_and(|n| (1..=5).contains(&n)));
    let pod = spec
        .job_template
        .spec
        .and_then(|j| j.template.spec)
        .unwrap_or_default();
    assert_eq!(pod.service_account_name, account.metadata.name);
    assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
    let pod_security = pod.security_context.unwrap_or_default();
    assert_eq!(pod_security.run_as_non_root, Some(true));
    let uid = pod_security.run_as_user.unwrap_or(0);
    assert!(uid > 0);
    let [container] = pod.containers.as_slice() else {
        panic!("one container: {:?}", pod.containers);
    };
    assert_eq!(
        container.command.as_deref().unwrap_or_default()[..5],
        ["kubectl", "qaenv", "down", "--expired", "--yes"]
    );
    let security = container.security_context.clone().unwrap_or_default();
    assert_eq!(security.allow_privilege_escalation, Some(false));
    assert_eq!(security.read_only_root_filesystem, Some(true));
    assert_eq!(
        security.capabilities.and_then(|c| c.drop),
        Some(vec!["ALL".to_string()])
    );
    let resources = container.resources.clone().unwrap_or_default();
    for (what, map) in [
        ("requests", &resources.requests),
        ("limits", &resources.limits),
    ] {
        let map = map.clone().unwrap_or_default();
        assert!(
            map.contains_key("cpu") && map.contains_key("memory"),
            "{what}: {map:?}"
        );
    }

    // The image the CronJob runs: kubectl and the plugin, as the user the pod runs as.
    let dockerfile = std::fs::read_to_string(repo_file("Dockerfile"))
        .unwrap_or_else(|e| panic!("read Dockerfile: {e}"));
    assert!(
        dockerfile.contains(&format!("\nUSER {uid}:{uid}\n")),
        "{dockerfile}"
    );
    for needed in [
        "ARG KUBECTL_VERSION=v1.",
        "cargo build --release --locked --bin kubectl-qaenv",
        "sha256sum --check",
        "/usr/local/bin/kubectl-qaenv",
        "ENTRYPOINT [\"kubectl\", \"qaenv\"]",
    ] {
        assert!(
            dockerfile.contains(needed),
            "{needed} missing:\n{dockerfile}"
        );
    }
}

#[test]
fn the_role_is_exactly_what_down_expired_needs() {
    let rules = role_rules();
    let (sim, _home, output) = run_janitor(rules.clone());
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(deleting(&sim, "qa-old"), "the expired environment stays");
    assert!(!deleting(&sim, "qa-new"));
    assert!(!deleting(&sim, "legacy"));
    assert!(stdout(&output).contains("qa-old"), "{}", show(&output));

    // Every request the janitor sent, in RBAC terms, is exactly what the role grants: a verb
    // it grants but never used (or a wildcard) fails here.
    let requests: Vec<RequestRecord> = sim
        .requests()
        .into_iter()
        .filter(|r| r.user_agent.starts_with("kubectl-qaenv/"))
        .collect();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    let used: BTreeSet<(String, String, String)> = requests.iter().map(used).collect();
    assert_eq!(used, granted(&rules));
    assert!(rules.iter().all(|r| r.get("resourceNames").is_none()));

    // Without any one of those verbs, the run fails with a forbidden error.
    for (index, rule) in rules.iter().enumerate() {
        for verb in rule["verbs"].as_array().cloned().unwrap_or_default() {
            let mut fewer = rules.clone();
            let verbs: Vec<Value> = rule["verbs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| **v != verb)
                .cloned()
                .collect();
            if verbs.is_empty() {
                fewer.remove(index);
            } else {
                fewer[index]["verbs"] = json!(verbs);
            }
            let (sim, _home, output) = run_janitor(fewer);
            assert_eq!(
                output.status.code(),
                Some(1),
                "without {verb}: {}",
                show(&output)
            );
            let err = stderr(&output);
            assert!(
                err.contains(&format!(
                    "forbidden: user \"{USER}\" may not {}",
                    verb.as_str().unwrap_or_default()
                )),
                "without {verb}: {err}"
            );
            assert!(!deleting(&sim, "legacy") && !deleting(&sim, "qa-new"));
            if verb == "delete" {
                assert!(!deleting(&sim, "qa-old"));
            }
        }
    }
}

#[test]
fn kubectl_applies_the_manifest() {
    let sim = Sim::start(SimConfig::fast()).unwrap_or_else(|e| panic!("start kube-sim: {e:#}"));
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let kubectl = |args: &[&str]| {
        Command::new("kubectl")
            .args(args)
            .arg("-f")
            .arg(repo_file("deploy/janitor.yaml"))
            .env("KUBECONFIG", sim.kubeconfig_path())
            .env("HOME", home.path())
            .env("KUBECACHEDIR", home.path().join("kube-cache"))
            .output()
            .unwrap_or_else(|e| panic!("run kubectl: {e}"))
    };
    let applied = kubectl(&["apply"]);
    assert_eq!(applied.status.code(), Some(0), "{}", show(&applied));
    assert_eq!(
        stdout(&applied),
        "namespace/qaenv-system created\n\
         serviceaccount/qaenv-janitor created\n\
         clusterrole.rbac.authorization.k8s.io/qaenv-janitor created\n\
         clusterrolebinding.rbac.authorization.k8s.io/qaenv-janitor created\n\
         cronjob.batch/qaenv-janitor created\n"
    );
    // The server validates it again without storing anything.
    let dry = kubectl(&["apply", "--dry-run=server"]);
    assert_eq!(dry.status.code(), Some(0), "{}", show(&dry));
    assert_eq!(
        stdout(&dry).matches("(server dry run)").count(),
        5,
        "{}",
        show(&dry)
    );
    let cron = sim
        .get("batch/v1", "CronJob", "qaenv-system", "qaenv-janitor")
        .unwrap_or_default();
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    assert_eq!(
        cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["serviceAccountName"],
        "qaenv-janitor"
    );
    let role = sim
        .get(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            "",
            "qaenv-janitor",
        )
        .unwrap_or_default();
    assert_eq!(role["rules"], json!(role_rules()));
}
