//! Real kubectl (v1.32) against the simulator: each test is one row of the conformance matrix.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::common::{corpus, kubectl_available, row, sim, table, wait_for, Kubectl};

const WAIT: Duration = Duration::from_secs(30);

const WEB: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
        resources:
          requests: {cpu: 100m, memory: 64Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web, color: blue}
  ports:
  - port: 80
    targetPort: 80
"#;

fn web(k: &Kubectl) {
    k.ok_stdin(&["apply", "-f", "-"], WEB);
    k.ok(&["rollout", "status", "deployment/web", "--timeout=30s"]);
}

#[test]
fn version_and_discovery() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    let v = k.json(&["version", "-o", "json"]);
    assert_eq!(v["serverVersion"]["minor"], "33", "{v}");
    let resources = table(&k.ok(&["api-resources"]));
    let deploy = row(&resources, "NAME", "deployments").expect("deployments listed");
    assert_eq!(deploy["SHORTNAMES"], "deploy");
    assert_eq!(deploy["APIVERSION"], "apps/v1");
    assert_eq!(deploy["NAMESPACED"], "true");
    assert!(row(&resources, "NAME", "selfsubjectaccessreviews").is_some());
}

#[test]
fn apply_creates_then_reports_unchanged_then_configured() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    let first = k.ok_stdin(&["apply", "-f", "-"], WEB);
    assert_eq!(first, "deployment.apps/web created\nservice/web created\n");
    let second = k.ok_stdin(&["apply", "-f", "-"], WEB);
    assert_eq!(
        second,
        "deployment.apps/web unchanged\nservice/web unchanged\n"
    );
    let changed = k.ok_stdin(
        &["apply", "-f", "-"],
        &WEB.replace("nginx:1.27", "nginx:1.28"),
    );
    assert_eq!(
        changed,
        "deployment.apps/web configured\nservice/web unchanged\n"
    );
    let image = k.ok(&[
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "nginx:1.28");
}

#[test]
fn rollout_status_succeeds() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    k.ok_stdin(&["apply", "-f", "-"], WEB);
    let out = k.ok(&["rollout", "status", "deployment/web", "--timeout=30s"]);
    assert!(
        out.ends_with("deployment \"web\" successfully rolled out\n"),
        "{out}"
    );
    let d = k.json(&["get", "deploy", "web", "-o", "json"]);
    assert_eq!(d["status"]["availableReplicas"], 2);
    assert_eq!(
        d["status"]["observedGeneration"],
        d["metadata"]["generation"]
    );
}

#[test]
fn rollout_status_reports_an_exceeded_progress_deadline() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    let broken = WEB.replace("nginx:1.27", "shop/api:crashloop").replace(
        "  replicas: 2\n",
        "  replicas: 2\n  progressDeadlineSeconds: 5\n",
    );
    k.ok_stdin(&["apply", "-f", "-"], &broken);
    let r = k.run(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    assert_eq!(r.code, 1, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("error: deployment \"web\" exceeded its progress deadline"),
        "{}",
        r.stderr
    );
    let pods = table(&k.ok(&["get", "pods", "-l", "app=web"]));
    assert!(pods.len() > 1);
    for p in &pods[1..] {
        assert!(
            p[2] == "CrashLoopBackOff" || p[2] == "Error" || p[2] == "Running",
            "{p:?}"
        );
    }
}

#[test]
fn get_prints_tables_json_yaml_names_and_filters_by_label() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    web(&k);
    let pods = table(&k.ok(&["get", "pods"]));
    assert_eq!(pods[0], vec!["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert_eq!(pods.len(), 3, "{pods:?}");
    for p in &pods[1..] {
        assert!(p[0].starts_with("web-"));
        assert_eq!(
            (p[1].as_str(), p[2].as_str(), p[3].as_str()),
            ("1/1", "Running", "0")
        );
    }
    let deploys = table(&k.ok(&["get", "deploy"]));
    assert_eq!(
        deploys[0],
        vec!["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    );
    let web = row(&deploys, "NAME", "web").unwrap();
    assert_eq!(
        (web["READY"], web["UP-TO-DATE"], web["AVAILABLE"]),
        ("2/2", "2", "2")
    );

    let services = table(&k.ok(&["get", "svc", "-o", "wide"]));
    assert_eq!(
        services[0],
        vec![
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE",
            "SELECTOR"
        ]
    );
    let svc = row(&services, "NAME", "web").unwrap();
    assert_eq!(svc["TYPE"], "ClusterIP");
    assert_eq!(svc["PORT(S)"], "80/TCP");
    assert_eq!(svc["SELECTOR"], "app=web,color=blue");

    let wide = table(&k.ok(&["get", "pods", "-o", "wide"]));
    assert_eq!(
        &wide[0][..7],
        &["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    );
    assert!(wide[1][6].starts_with("kube-sim-node-"), "{wide:?}");

    let all = table(&k.ok(&["get", "pods", "-A"]));
    assert_eq!(all[0][0], "NAMESPACE");
    assert!(all[1..].iter().all(|r| r[0] == "default"));

    let names = k.ok(&["get", "pods", "-l", "app=web", "-o", "name"]);
    assert_eq!(names.lines().count(), 2);
    assert!(names.lines().all(|l| l.starts_with("pod/web-")));

    let none = k.run(&["get", "pods", "-l", "app in (nope,other)"]);
    assert_eq!(none.code, 0);
    assert_eq!(none.stdout, "");
    assert_eq!(none.stderr, "No resources found in default namespace.\n");

    let d = k.json(&["get", "deploy", "web", "-o", "json"]);
    assert_eq!(d["kind"], "Deployment");
    assert_eq!(d["spec"]["replicas"], 2);
    assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
    let y = k.ok(&["get", "deploy", "web", "-o", "yaml"]);
    assert!(
        y.contains("kind: Deployment\n") && y.contains("  replicas: 2\n"),
        "{y}"
    );

    let list = k.json(&["get", "pods", "-o", "json"]);
    assert_eq!(list["kind"], "List");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    let nf = k.run(&["get", "deploy", "nope"]);
    assert_eq!(nf.code, 1);
    assert_eq!(
        nf.stderr,
        "Error from server (NotFound): deployments.apps \"nope\" not found\n"
    );
}

#[test]
fn get_watch_streams_changes() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    web(&k);
    let mut child = k
        .command(&["get", "deploy", "web", "-w", "--no-headers"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let first = rx.recv_timeout(WAIT).expect("the current state first");
    assert!(first.starts_with("web") && first.contains("2/2"), "{first}");
    k.ok(&["scale", "deploy/web", "--replicas=3"]);
    let scaled = wait_for("a watch row with 3/3", WAIT, || {
        rx.recv_timeout(Duration::from_millis(100))
            .ok()
            .filter(|l| l.contains("3/3"))
    });
    assert!(scaled.starts_with("web"));
    child.kill().ok();
    child.wait().ok();
}

#[test]
fn patches_of_every_type() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    k.ok_stdin(&["apply", "-f", "-"], WEB);
    let selector = |k: &Kubectl| k.ok(&["get", "svc", "web", "-o", "jsonpath={.spec.selector}"]);

    let out = k.ok(&[
        "patch",
        "svc",
        "web",
        "-p",
        r#"{"spec":{"selector":{"color":"green"}}}"#,
    ]);
    assert_eq!(out, "service/web patched\n");
    assert_eq!(selector(&k), r#"{"app":"web","color":"green"}"#);

    let out = k.ok(&[
        "patch",
        "svc",
        "web",
        "--type=merge",
        "-p",
        r#"{"metadata":{"labels":{"x":"y"}}}"#,
    ]);
    assert_eq!(out, "service/web patched\n");
    let again = k.ok(&[
        "patch",
        "svc",
        "web",
        "--type=merge",
        "-p",
        r#"{"metadata":{"labels":{"x":"y"}}}"#,
    ]);
    assert_eq!(again, "service/web patched (no change)\n");

    let out = k.ok(&[
        "patch", "svc", "web", "--type=json", "-p",
        r#"[{"op":"test","path":"/spec/selector/color","value":"green"},{"op":"replace","path":"/spec/selector/color","value":"blue"}]"#,
    ]);
    assert_eq!(out, "service/web patched\n");
    assert_eq!(selector(&k), r#"{"app":"web","color":"blue"}"#);

    let failed = k.run(&[
        "patch", "svc", "web", "--type=json", "-p",
        r#"[{"op":"test","path":"/spec/selector/color","value":"green"},{"op":"replace","path":"/spec/selector/color","value":"red"}]"#,
    ]);
    assert_eq!(failed.code, 1, "{}", failed.stdout);
    assert_eq!(
        failed.stderr,
        "The request is invalid: the server rejected our request due to an error in our request\n"
    );
    assert_eq!(
        selector(&k),
        r#"{"app":"web","color":"blue"}"#,
        "a failed test changes nothing"
    );

    // Strategic merge keeps containers merged by name: a sidecar survives a patch of nginx.
    k.ok(&[
        "patch", "deploy", "web", "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}"#,
    ]);
    k.ok(&[
        "patch",
        "deploy",
        "web",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}"#,
    ]);
    let images = k.ok(&[
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.spec.template.spec.containers[*].image}",
    ]);
    // Without $setElementOrder, strategic merge puts new list items before the live ones.
    assert_eq!(images, "busybox:1.36 nginx:1.28");

    let nf = k.run(&["patch", "svc", "nope", "-p", "{}"]);
    assert_eq!(
        nf.stderr,
        "Error from server (NotFound): services \"nope\" not found\n"
    );
}

#[test]
fn server_side_apply_detects_conflicts_and_force_takes_over() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    let out = k.ok_stdin(&["apply", "--server-side", "-f", "-"], WEB);
    assert_eq!(
        out,
        "deployment.apps/web serverside-applied\nservice/web serverside-applied\n"
    );
    let other = WEB.replace("replicas: 2", "replicas: 3");
    let r = k.run_stdin(
        &["apply", "--server-side", "--field-manager=other", "-f", "-"],
        &other,
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains(r#"Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas"#),
        "{}",
        r.stderr
    );
    assert_eq!(
        k.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]),
        "2"
    );
    k.ok_stdin(
        &[
            "apply",
            "--server-side",
            "--field-manager=other",
            "--force-conflicts",
            "-f",
            "-",
        ],
        &other,
    );
    assert_eq!(
        k.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]),
        "3"
    );
    let managers = k.ok(&[
        "get",
        "deploy",
        "web",
        "--show-managed-fields",
        "-o",
        "jsonpath={.metadata.managedFields[*].manager}",
    ]);
    assert!(
        managers.contains("other") && managers.contains("kubectl"),
        "{managers}"
    );
    // Re-applying the same configuration changes nothing.
    let rv = k.ok(&[
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.metadata.resourceVersion}",
    ]);
    k.ok_stdin(
        &["apply", "--server-side", "--field-manager=other", "-f", "-"],
        &other,
    );
    let rv2 = k.ok(&[
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.metadata.resourceVersion}",
    ]);
    assert_eq!(rv, rv2);
}

#[test]
fn rollout_restart_and_scale() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    web(&k);
    assert_eq!(
        k.ok(&["rollout", "restart", "deploy/web"]),
        "deployment.apps/web restarted\n"
    );
    k.ok(&["rollout", "status", "deploy/web", "--timeout=30s"]);
    let rs = table(&k.ok(&["get", "rs", "-l", "app=web"]));
    assert_eq!(rs.len(), 3, "two ReplicaSets after a restart: {rs:?}");
    let restarted = k.ok(&[
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
    ]);
    assert!(!restarted.is_empty());
    assert_eq!(
        k.ok(&["scale", "deploy/web", "--replicas=4"]),
        "deployment.apps/web scaled\n"
    );
    k.ok(&["rollout", "status", "deploy/web", "--timeout=30s"]);
    let d = table(&k.ok(&["get", "deploy", "web"]));
    assert_eq!(row(&d, "NAME", "web").unwrap()["READY"], "4/4");
    let history = k.ok(&["rollout", "history", "deploy/web"]);
    assert!(
        history.contains("1 ") && history.contains("2 "),
        "{history}"
    );
}

#[test]
fn create_with_protobuf_bodies() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    assert_eq!(
        k.ok(&["create", "namespace", "qa-x"]),
        "namespace/qa-x created\n"
    );
    let again = k.run(&["create", "namespace", "qa-x"]);
    assert_eq!(again.code, 1);
    assert_eq!(
        again.stderr,
        "Error from server (AlreadyExists): namespaces \"qa-x\" already exists\n"
    );
    let ns = k.json(&["get", "ns", "qa-x", "-o", "json"]);
    assert_eq!(ns["status"]["phase"], "Active");
    assert_eq!(
        ns["metadata"]["labels"]["kubernetes.io/metadata.name"],
        "qa-x"
    );
    assert_eq!(
        k.ok(&[
            "create",
            "configmap",
            "c",
            "-n",
            "qa-x",
            "--from-literal=a=1"
        ]),
        "configmap/c created\n"
    );
    assert_eq!(
        k.ok(&["get", "cm", "c", "-n", "qa-x", "-o", "jsonpath={.data.a}"]),
        "1"
    );
    assert_eq!(
        k.ok(&[
            "create",
            "deployment",
            "api",
            "-n",
            "qa-x",
            "--image=shop/api:1.0",
            "--replicas=2"
        ]),
        "deployment.apps/api created\n"
    );
    k.ok(&[
        "rollout",
        "status",
        "deploy/api",
        "-n",
        "qa-x",
        "--timeout=30s",
    ]);
}

#[test]
fn deleting_a_deployment_removes_its_replicasets_and_pods() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    web(&k);
    assert_eq!(
        k.ok(&["delete", "deploy", "web"]),
        "deployment.apps \"web\" deleted\n"
    );
    wait_for("ReplicaSets and Pods gone", WAIT, || {
        let rs = k.ok(&["get", "rs", "-o", "name"]);
        let pods = k.ok(&["get", "pods", "-o", "name"]);
        (rs.is_empty() && pods.is_empty()).then_some(())
    });
}

const SLOW_POD: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: slow
spec:
  terminationGracePeriodSeconds: 3000
  containers:
  - name: app
    image: shop/worker:1.0
"#;

#[test]
fn namespace_deletion_terminates_then_removes_and_refuses_new_content() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    k.ok(&["create", "ns", "y"]);
    k.ok_stdin(&["apply", "-n", "y", "-f", "-"], SLOW_POD);
    k.ok(&[
        "wait",
        "-n",
        "y",
        "--for=condition=Ready",
        "pod/slow",
        "--timeout=30s",
    ]);
    assert_eq!(
        k.ok(&["delete", "ns", "y", "--wait=false"]),
        "namespace \"y\" deleted\n"
    );
    let ns = table(&k.ok(&["get", "ns", "y"]));
    assert_eq!(row(&ns, "NAME", "y").unwrap()["STATUS"], "Terminating");

    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-x\ndata:\n  a: \"1\"\n";
    let refused = k.run_stdin(&["apply", "-n", "y", "-f", "-"], cm);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains(
            "configmaps \"cm-x\" is forbidden: unable to create new content in namespace y because it is being terminated"
        ),
        "{}",
        refused.stderr
    );
    let conditions = k.ok(&[
        "get",
        "ns",
        "y",
        "-o",
        "jsonpath={.status.conditions[?(@.type==\"NamespaceContentRemaining\")].status}",
    ]);
    assert_eq!(conditions, "True");

    // The pod is still in its (scaled) 30 s grace period; cut it short and the namespace goes.
    k.ok(&[
        "delete",
        "pod",
        "slow",
        "-n",
        "y",
        "--grace-period=0",
        "--force",
    ]);
    k.ok(&["wait", "--for=delete", "namespace/y", "--timeout=30s"]);
    let gone = k.run(&["get", "ns", "y"]);
    assert_eq!(
        gone.stderr,
        "Error from server (NotFound): namespaces \"y\" not found\n"
    );
}

#[test]
fn top_pods_and_nodes() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    web(&k);
    let pods = wait_for("pod metrics", WAIT, || {
        let r = k.run(&["top", "pods"]);
        (r.code == 0 && r.stdout.lines().count() == 3).then_some(r.stdout)
    });
    let rows = table(&pods);
    assert_eq!(rows[0], vec!["NAME", "CPU(cores)", "MEMORY(bytes)"]);
    for r in &rows[1..] {
        assert!(r[1].ends_with('m'), "{r:?}");
        assert!(r[2].ends_with("Mi"), "{r:?}");
    }
    let nodes = table(&k.ok(&["top", "nodes"]));
    assert_eq!(
        nodes[0],
        vec!["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
    );
    assert_eq!(nodes.len(), 4);
    assert!(nodes[1][2].ends_with('%'));
}

#[test]
fn top_without_a_metrics_api() {
    if !kubectl_available() {
        return;
    }
    let s = kube_sim::Sim::start(kube_sim::SimConfig {
        metrics_api: false,
        ..kube_sim::SimConfig::fast()
    })
    .unwrap();
    let k = Kubectl::new(&s);
    let r = k.run(&["top", "pods"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "error: Metrics API not available\n");
}

#[test]
fn restricted_token_can_read_but_not_write() {
    if !kubectl_available() {
        return;
    }
    // kubectl sends bearer tokens only over TLS.
    let s = kube_sim::Sim::start(kube_sim::SimConfig {
        tls: true,
        ..kube_sim::SimConfig::fast()
    })
    .unwrap();
    let k = Kubectl::with_context(&s, kube_sim::RESTRICTED_CONTEXT);
    assert_eq!(k.ok(&["auth", "can-i", "list", "pods"]), "yes\n");
    let no = k.run(&["auth", "can-i", "create", "deployments"]);
    assert_eq!((no.code, no.stdout.as_str()), (1, "no\n"));
    let secrets = k.run(&["get", "secrets"]);
    assert_eq!(secrets.code, 1);
    assert!(
        secrets.stderr.contains(
            "secrets is forbidden: User \"kube-sim-restricted\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\""
        ),
        "{}",
        secrets.stderr
    );
    let create = k.run(&["create", "ns", "x"]);
    assert_eq!(create.code, 1);
    assert!(create.stderr.contains("Forbidden"), "{}", create.stderr);

    let admin = Kubectl::new(&s);
    assert_eq!(
        admin.ok(&["auth", "can-i", "delete", "namespaces"]),
        "yes\n"
    );
}

#[test]
fn logs_of_running_and_crashing_containers() {
    if !kubectl_available() {
        return;
    }
    let s = sim();
    let k = Kubectl::new(&s);
    web(&k);
    let logs = k.ok(&["logs", "deploy/web"]);
    assert!(
        logs.starts_with("kube-sim: container nginx started from image nginx:1.27\n"),
        "{logs}"
    );
    let crashing = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: crash\nspec:\n  containers:\n  - name: app\n    image: shop/api:crashloop\n";
    k.ok_stdin(&["apply", "-f", "-"], crashing);
    wait_for("a restart", WAIT, || {
        let n = k.ok(&[
            "get",
            "pod",
            "crash",
            "-o",
            "jsonpath={.status.containerStatuses[0].restartCount}",
        ]);
        (n.trim().parse::<i64>().unwrap_or(0) >= 1).then_some(())
    });
    let previous = k.ok(&["logs", "crash", "--previous"]);
    assert!(previous.contains("panic: simulated crash"), "{previous}");
    let status = table(&k.ok(&["get", "pod", "crash"]));
    let crash = row(&status, "NAME", "crash").unwrap();
    assert!(
        matches!(crash["STATUS"], "CrashLoopBackOff" | "Error" | "Running"),
        "{crash:?}"
    );
    let events = k.ok(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=crash",
    ]);
    assert!(
        events.contains("BackOff") || events.contains("Started"),
        "{events}"
    );
}

fn deployments_available(k: &Kubectl, ns: &str) -> Vec<Value> {
    k.ok(&[
        "wait",
        "-n",
        ns,
        "--for=condition=Available",
        "deployment",
        "--all",
        "--timeout=60s",
    ]);
    let list = k.json(&["get", "deploy", "-n", ns, "-o", "json"]);
    list["items"].as_array().cloned().unwrap_or_default()
}

#[test]
fn corpus_online_boutique_comes_up() {
    if !kubectl_available() {
        return;
    }
    let Some(file) = corpus("online-boutique.yaml") else {
        return;
    };
    let s = sim();
    let k = Kubectl::new(&s);
    k.ok(&["create", "ns", "boutique"]);
    let out = k.ok(&["apply", "-n", "boutique", "-f", file.to_str().unwrap()]);
    assert!(out.contains("deployment.apps/frontend created"), "{out}");
    let deploys = deployments_available(&k, "boutique");
    assert_eq!(deploys.len(), 12);
    for d in &deploys {
        assert_eq!(
            d["status"]["availableReplicas"], d["spec"]["replicas"],
            "{}",
            d["metadata"]["name"]
        );
    }
    let services = table(&k.ok(&["get", "svc", "-n", "boutique"]));
    assert_eq!(services.len(), 13);
    let fe = row(&services, "NAME", "frontend-external").unwrap();
    assert_eq!(fe["TYPE"], "LoadBalancer");
    let again = k.ok(&["apply", "-n", "boutique", "-f", file.to_str().unwrap()]);
    assert!(again.lines().all(|l| l.ends_with(" unchanged")), "{again}");
}

#[test]
fn corpus_sock_shop_comes_up_in_its_own_namespace() {
    if !kubectl_available() {
        return;
    }
    let Some(file) = corpus("sock-shop.yaml") else {
        return;
    };
    let s = sim();
    let k = Kubectl::new(&s);
    let out = k.ok(&["apply", "-f", file.to_str().unwrap()]);
    assert!(out.starts_with("namespace/sock-shop created\n"), "{out}");
    let deploys = deployments_available(&k, "sock-shop");
    assert_eq!(deploys.len(), 14);
    let all = k.ok(&["get", "all", "-n", "sock-shop"]);
    assert!(all.contains("deployment.apps/front-end "), "{all}");
    let elsewhere = k.ok(&["get", "deploy", "-n", "default", "-o", "name"]);
    assert_eq!(elsewhere, "");
}
