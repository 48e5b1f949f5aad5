//! The workload health layer (`kubectl_qaenv::wait` and `health`) against kube-sim, called as a
//! library the way `up`, `status` and `promote --wait` call it. Each test starts its own
//! simulator with `SimConfig::fast()` (simulated time 100x faster) and waits with short
//! timeouts; the waits themselves are the synchronisation.

use std::time::Duration;

use kube_sim::{RequestRecord, Sim, SimConfig};
use kubectl_qaenv::{
    client::{connect, ConnectOptions, Connection},
    error::ExitCode,
    health::{self, Reason, State, WorkloadHealth, WorkloadKind, WorkloadRef},
    labels,
    wait::{self, Progress, WaitEnd, WaitOutcome},
};
use serde_json::{json, Value};

use crate::common::{closed_port, kubeconfig};

/// The environment every test deploys into.
const ENV: &str = "health";
const NS: &str = "qa-health";
/// Long enough for a healthy rollout on a loaded CI machine, short enough for the failures
/// the tests expect to time out.
const FAILING_TIMEOUT: Duration = Duration::from_millis(1500);
const HEALTHY_TIMEOUT: Duration = Duration::from_secs(20);

/// A simulator with the environment's namespace, and a connection to it.
async fn start() -> (Sim, Connection) {
    let sim = Sim::start(SimConfig::fast()).unwrap_or_else(|e| panic!("start kube-sim: {e:#}"));
    create(
        &sim,
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}),
    );
    let options = ConnectOptions {
        kubeconfig: Some(sim.kubeconfig_path().to_path_buf()),
        ..ConnectOptions::default()
    };
    let conn = connect(&options)
        .await
        .unwrap_or_else(|e| panic!("connect: {}", e.report()));
    (sim, conn)
}

fn create(sim: &Sim, object: Value) {
    if let Err(e) = sim.create(object.clone()) {
        panic!("create {object}: {e:?}");
    }
}

/// A pod template labelled as qaenv labels every template.
fn template(app: &str, container: Value) -> Value {
    json!({
        "metadata": {"labels": {"app": app, labels::ENV: ENV}},
        "spec": {"containers": [container]}
    })
}

fn deployment(name: &str, replicas: i32, container: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS, "labels": {labels::ENV: ENV}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": template(name, container),
        }
    })
}

fn container(image: &str) -> Value {
    json!({"name": "app", "image": image})
}

fn target(name: &str) -> Vec<WorkloadRef> {
    vec![WorkloadRef::new(WorkloadKind::Deployment, name)]
}

async fn wait_for(conn: &Connection, targets: &[WorkloadRef], timeout: Duration) -> WaitOutcome {
    let selector = labels::env_selector(ENV);
    wait::wait_ready(
        conn,
        NS,
        Some(&selector),
        targets,
        timeout,
        Progress::Silent,
    )
    .await
    .unwrap_or_else(|e| panic!("wait: {}", e.report()))
}

/// The one workload of an outcome.
fn only(outcome: &WaitOutcome) -> &WorkloadHealth {
    match outcome.workloads.as_slice() {
        [one] => one,
        other => panic!("expected one workload, got {other:#?}"),
    }
}

fn diagnosis(outcome: &WaitOutcome) -> String {
    let mut out = Vec::new();
    health::render_diagnosis(&mut out, NS, &outcome.workloads).unwrap_or_default();
    String::from_utf8_lossy(&out).into_owned()
}

fn is_watch(r: &RequestRecord) -> bool {
    r.query
        .split('&')
        .any(|p| p == "watch=true" || p == "watch=1")
}

#[tokio::test]
async fn healthy_deployment_becomes_ready_with_a_constant_number_of_requests() {
    let (sim, conn) = start().await;
    create(&sim, deployment("web", 4, container("nginx:1.27")));
    sim.clear_requests();

    let outcome = wait_for(&conn, &target("web"), HEALTHY_TIMEOUT).await;

    assert_eq!(outcome.end, WaitEnd::Ready, "{outcome:#?}");
    let web = only(&outcome);
    assert_eq!((web.ready, web.desired, web.state), (4, 4, State::Ready));
    assert_eq!(web.images, vec!["nginx:1.27".to_string()]);
    assert!(web.reasons.is_empty());
    assert!(outcome.finish("wait", &mut Vec::new()).is_ok());

    // Deployments, ReplicaSets, pods and Warning events: one list and at most one watch each
    // (a watch may not have started when the last pod became ready), whatever the number of
    // pods; nothing written. Measured: 4 lists and 4 watches.
    let requests = sim.requests();
    let lists = requests.iter().filter(|r| !is_watch(r)).count();
    let watches = requests.iter().filter(|r| is_watch(r)).count();
    assert!(
        lists == 4 && watches <= 4,
        "{lists} lists and {watches} watches: {requests:#?}"
    );
    assert!(requests.iter().all(|r| !r.is_write()), "{requests:#?}");
    assert!(
        requests.iter().all(|r| r.path.contains(NS)),
        "{requests:#?}"
    );
}

#[tokio::test]
async fn crash_loop_times_out_with_restarts_and_the_panic_line() {
    let (sim, conn) = start().await;
    create(
        &sim,
        deployment("api", 1, container("registry.example/api:crashloop")),
    );

    let outcome = wait_for(&conn, &target("api"), FAILING_TIMEOUT).await;

    assert_eq!(outcome.end, WaitEnd::TimedOut);
    let api = only(&outcome);
    assert_eq!(api.state, State::Failed);
    let Some(Reason::CrashLoop {
        container,
        restarts,
        exit_code,
        logs,
        ..
    }) = api.reasons.first()
    else {
        panic!("no crash loop: {api:#?}");
    };
    assert_eq!(container, "app");
    assert!(*restarts >= 1, "{api:#?}");
    assert_eq!(*exit_code, Some(1));
    assert!(
        logs.iter().any(|l| l.starts_with("panic: simulated crash")),
        "{logs:?}"
    );
    let logs_read: Vec<RequestRecord> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log"))
        .collect();
    assert_eq!(logs_read.len(), 1, "{logs_read:#?}");
    assert!(
        logs_read[0].query.contains("previous=true"),
        "{logs_read:#?}"
    );

    let error = outcome
        .error("wait for environment health")
        .unwrap_or_else(|| panic!("no error"));
    assert_eq!(error.exit_code(), ExitCode::TimedOut);
    assert_eq!(
        error.to_string(),
        "wait for environment health timed out after 1500ms: 1 of 1 workloads not ready"
    );
    let text = diagnosis(&outcome);
    assert!(text.starts_with("deployment/api is not ready (0/1 ready, Failed):\n  CrashLoopBackOff: container app keeps crashing"), "{text}");
    assert!(text.contains("| panic: simulated crash"), "{text}");
}

#[tokio::test]
async fn image_pull_failure_names_the_image() {
    let (sim, conn) = start().await;
    let image = "registry.example/shop:pullfail";
    create(&sim, deployment("shop", 2, container(image)));

    let outcome = wait_for(&conn, &target("shop"), FAILING_TIMEOUT).await;

    assert_eq!(outcome.end, WaitEnd::TimedOut);
    let shop = only(&outcome);
    assert_eq!(shop.state, State::Failed);
    let Some(Reason::ImagePull {
        pods,
        image: named,
        message,
        ..
    }) = shop.reasons.first()
    else {
        panic!("no image pull failure: {shop:#?}");
    };
    assert_eq!(named, image);
    assert_eq!(pods.len(), 2, "both pods, one reason: {shop:#?}");
    assert!(message.contains("not found"), "{message}");
    assert_eq!(shop.reasons.len(), 1, "{shop:#?}");
    let mut stderr = Vec::new();
    let error = outcome
        .finish("wait", &mut stderr)
        .err()
        .unwrap_or_else(|| panic!("no error"));
    assert_eq!(error.exit_code(), ExitCode::TimedOut);
    let text = String::from_utf8_lossy(&stderr);
    assert!(
        text.contains(&format!("cannot pull image {image:?}")),
        "{text}"
    );
    assert!(text.contains("hint: check the image name"), "{text}");
}

#[tokio::test]
async fn hundred_cpus_are_unschedulable_and_show_in_warnings() {
    let (sim, conn) = start().await;
    let greedy =
        json!({"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "100"}}});
    create(&sim, deployment("greedy", 1, greedy));

    let outcome = wait_for(&conn, &target("greedy"), FAILING_TIMEOUT).await;

    assert_eq!(outcome.end, WaitEnd::TimedOut);
    let greedy = only(&outcome);
    assert_eq!(greedy.state, State::Waiting);
    let Some(Reason::Unschedulable { message, .. }) = greedy.reasons.first() else {
        panic!("not unschedulable: {greedy:#?}");
    };
    assert!(message.contains("Insufficient cpu"), "{message}");
    assert!(diagnosis(&outcome).contains("hint: lower the requests or add nodes"));

    // `status` reads the same through one snapshot.
    let snapshot = wait::snapshot(&conn, NS, Some(&labels::env_selector(ENV)))
        .await
        .unwrap_or_else(|e| panic!("snapshot: {}", e.report()));
    let warnings = health::last_warnings(&snapshot, 5);
    assert!(
        warnings
            .iter()
            .any(|w| w.reason == "FailedScheduling" && w.message.contains("Insufficient cpu")),
        "{warnings:#?}"
    );
    assert_eq!(health::assess(&snapshot)[0].reasons, greedy.reasons);
}

#[tokio::test]
async fn resource_quota_blocking_pods_is_reported_with_the_api_message() {
    let (sim, conn) = start().await;
    create(
        &sim,
        json!({"apiVersion": "v1", "kind": "ResourceQuota",
               "metadata": {"name": "compute", "namespace": NS},
               "spec": {"hard": {"pods": "1"}}}),
    );
    create(&sim, deployment("queue", 2, container("rabbitmq:4")));

    let outcome = wait_for(&conn, &target("queue"), FAILING_TIMEOUT).await;

    assert_eq!(outcome.end, WaitEnd::TimedOut);
    let queue = only(&outcome);
    assert_eq!((queue.ready, queue.desired), (1, 2), "{queue:#?}");
    let Some(Reason::QuotaExceeded { object, message }) = queue.reasons.first() else {
        panic!("no quota reason: {queue:#?}");
    };
    assert!(object.starts_with("replicaset/queue-"), "{object}");
    assert!(
        message
            .contains("exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1"),
        "{message}"
    );
}

#[tokio::test]
async fn exceeded_progress_deadline_ends_the_wait_early() {
    let (sim, conn) = start().await;
    let mut stuck = deployment("stuck", 1, container("registry.example/stuck:pullfail"));
    stuck["spec"]["progressDeadlineSeconds"] = json!(1);
    create(&sim, stuck);

    // The deadline (1 s, 10 ms simulated) passes long before the wait's own timeout.
    let outcome = wait_for(&conn, &target("stuck"), HEALTHY_TIMEOUT).await;

    assert_eq!(outcome.end, WaitEnd::Failed, "{outcome:#?}");
    assert!(
        outcome.elapsed < HEALTHY_TIMEOUT / 2,
        "{:?}",
        outcome.elapsed
    );
    let stuck = only(&outcome);
    assert!(
        stuck
            .reasons
            .iter()
            .any(|r| matches!(r, Reason::ProgressDeadlineExceeded { message } if message.contains("has timed out progressing"))),
        "{stuck:#?}"
    );
    assert!(
        matches!(stuck.reasons.first(), Some(Reason::ImagePull { .. })),
        "the root cause comes first: {stuck:#?}"
    );
    let error = outcome.error("wait").unwrap_or_else(|| panic!("no error"));
    // A Deployment past its progress deadline timed out by Kubernetes' own clock: exit 3.
    assert_eq!(error.exit_code(), ExitCode::TimedOut);
    assert_eq!(
        error.to_string(),
        "wait failed: 1 of 1 workloads failed and cannot become ready"
    );
}

#[tokio::test]
async fn every_workload_kind_becomes_ready_without_targets() {
    let (sim, conn) = start().await;
    create(&sim, deployment("web", 1, container("nginx")));
    create(
        &sim,
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "db", "namespace": NS, "labels": {labels::ENV: ENV}},
               "spec": {"replicas": 2, "serviceName": "db",
                        "selector": {"matchLabels": {"app": "db"}},
                        "template": template("db", container("postgres:17"))}}),
    );
    create(
        &sim,
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
               "metadata": {"name": "agent", "namespace": NS, "labels": {labels::ENV: ENV}},
               "spec": {"selector": {"matchLabels": {"app": "agent"}},
                        "template": template("agent", container("fluent-bit"))}}),
    );
    let mut migrate = template("migrate", container("migrate:1"));
    migrate["spec"]["restartPolicy"] = json!("Never");
    create(
        &sim,
        json!({"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": "migrate", "namespace": NS, "labels": {labels::ENV: ENV}},
               "spec": {"template": migrate}}),
    );

    let outcome = wait_for(&conn, &[], HEALTHY_TIMEOUT).await;

    assert_eq!(outcome.end, WaitEnd::Ready, "{outcome:#?}");
    let names: Vec<String> = outcome
        .workloads
        .iter()
        .map(|w| format!("{} {}", w.workload, w.ready_text()))
        .collect();
    assert_eq!(
        names,
        [
            "deployment/web 1/1",
            "statefulset/db 2/2",
            "daemonset/agent 3/3",
            "job/migrate 1/1"
        ]
    );
}

#[tokio::test]
async fn a_missing_target_is_not_found() {
    let (_sim, conn) = start().await;
    let outcome = wait_for(&conn, &target("ghost"), Duration::from_millis(300)).await;
    assert_eq!(outcome.end, WaitEnd::TimedOut);
    assert_eq!(only(&outcome).reasons, vec![Reason::NotFound]);
}

#[tokio::test]
async fn dropping_a_wait_ends_it_at_once() {
    let (sim, conn) = start().await;
    create(
        &sim,
        deployment("slow", 1, container("registry.example/slow:pullfail")),
    );
    // What `main` does on Ctrl-C: the wait's future is dropped wherever it is.
    let targets = target("slow");
    let wait = wait_for(&conn, &targets, Duration::from_secs(600));
    let cancelled = tokio::time::timeout(Duration::from_millis(300), wait).await;
    assert!(cancelled.is_err(), "the wait cannot have ended by itself");
    // The connection is still usable afterwards.
    let outcome = wait_for(&conn, &target("slow"), Duration::from_millis(300)).await;
    assert_eq!(outcome.end, WaitEnd::TimedOut);
}

#[tokio::test]
async fn an_unreachable_server_fails_the_wait_at_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let server = format!("http://127.0.0.1:{}", closed_port());
    let options = ConnectOptions {
        kubeconfig: Some(kubeconfig(dir.path(), "kubeconfig", &server)),
        ..ConnectOptions::default()
    };
    let conn = connect(&options)
        .await
        .unwrap_or_else(|e| panic!("connect: {}", e.report()));
    let result = wait::wait_ready(
        &conn,
        NS,
        None,
        &target("web"),
        Duration::from_secs(600),
        Progress::Silent,
    )
    .await;
    let error = result.err().unwrap_or_else(|| panic!("no error"));
    assert_eq!(error.exit_code(), ExitCode::Error);
    assert!(
        error.to_string().starts_with("watch ")
            && error
                .to_string()
                .contains("in namespace qa-health: cannot reach the API server"),
        "{}",
        error.report()
    );
}
