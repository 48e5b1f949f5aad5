//! `kubectl qaenv doctor`: what the cluster and your credentials allow.
//!
//! The command gathers [`Facts`] from the API (the only I/O, in [`gather`]; the access reviews
//! run concurrently), turns them into [`Check`]s with the pure [`checks`], and renders them.
//! Tests build facts by hand, so every verdict and hint is covered without a server.

use std::io::Write;

use futures_util::future::join_all;
use k8s_openapi::api::{
    authentication::v1::SelfSubjectReview,
    authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec},
    core::v1::{Namespace, Node, Pod},
};
use kube::api::{Api, ListParams, PostParams};
use serde::Serialize;

use crate::{
    cli::DoctorArgs,
    client::{connect, ConnectOptions, Connection},
    error::{ApiFailure, Endpoint, Error, Result},
    labels,
    output::{self, Cell, Format, Table, TableOptions, Terminal, Tone},
    quantity,
};

/// One permission qaenv needs: verbs on a resource, cluster-wide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessNeed {
    /// API group, `""` for the core group.
    pub group: &'static str,
    /// Plural resource name.
    pub resource: &'static str,
    /// Subresource (`log`), or `""`.
    pub subresource: &'static str,
    /// The verbs qaenv uses.
    pub verbs: &'static [&'static str],
    /// Which commands use it, for the hint.
    pub needed_by: &'static str,
    /// Whether a missing verb fails doctor (otherwise it warns: only an optional feature
    /// suffers).
    pub required: bool,
}

impl AccessNeed {
    /// kubectl's spelling: `deployments.apps`, `pods/log`.
    pub fn name(&self) -> String {
        let mut name = self.resource.to_string();
        if !self.subresource.is_empty() {
            name = format!("{name}/{}", self.subresource);
        }
        if !self.group.is_empty() {
            name = format!("{name}.{}", self.group);
        }
        name
    }

    /// The `--resource` argument of `kubectl create clusterrole`.
    fn rbac_resource(&self) -> String {
        let mut name = self.resource.to_string();
        if !self.group.is_empty() {
            name = format!("{name}.{}", self.group);
        }
        if !self.subresource.is_empty() {
            name = format!("{name}/{}", self.subresource);
        }
        name
    }
}

const READ: &[&str] = &["get", "list", "watch"];
const MANAGE: &[&str] = &["get", "list", "watch", "create", "patch", "delete"];

/// Every permission qaenv's commands use. Environments live in namespaces qaenv creates, so
/// the reviews ask about all namespaces.
pub static NEEDS: &[AccessNeed] = &[
    AccessNeed {
        group: "",
        resource: "namespaces",
        subresource: "",
        verbs: MANAGE,
        needed_by: "up, down, ls, status",
        required: true,
    },
    AccessNeed {
        group: "apps",
        resource: "deployments",
        subresource: "",
        verbs: MANAGE,
        needed_by: "up, status, bump, promote, canary",
        required: true,
    },
    AccessNeed {
        group: "apps",
        resource: "statefulsets",
        subresource: "",
        verbs: MANAGE,
        needed_by: "up, status, bump",
        required: true,
    },
    AccessNeed {
        group: "apps",
        resource: "daemonsets",
        subresource: "",
        verbs: MANAGE,
        needed_by: "up, status, bump",
        required: true,
    },
    AccessNeed {
        group: "apps",
        resource: "replicasets",
        subresource: "",
        verbs: READ,
        needed_by: "up --wait, status, bump",
        required: true,
    },
    AccessNeed {
        group: "",
        resource: "pods",
        subresource: "",
        verbs: READ,
        needed_by: "up --wait, ls, status",
        required: true,
    },
    AccessNeed {
        group: "",
        resource: "pods",
        subresource: "log",
        verbs: &["get"],
        needed_by: "up --wait, status (logs of crash-looping pods)",
        required: false,
    },
    AccessNeed {
        group: "",
        resource: "services",
        subresource: "",
        verbs: MANAGE,
        needed_by: "up, status, promote, rollback, canary",
        required: true,
    },
    AccessNeed {
        group: "",
        resource: "configmaps",
        subresource: "",
        verbs: MANAGE,
        needed_by: "up",
        required: true,
    },
    AccessNeed {
        group: "",
        resource: "secrets",
        subresource: "",
        verbs: MANAGE,
        needed_by: "up (pull secrets)",
        required: true,
    },
    AccessNeed {
        group: "networking.k8s.io",
        resource: "ingresses",
        subresource: "",
        verbs: MANAGE,
        needed_by: "up (per-branch URLs), status",
        required: true,
    },
    AccessNeed {
        group: "batch",
        resource: "jobs",
        subresource: "",
        verbs: MANAGE,
        needed_by: "up (stages), status",
        required: true,
    },
    AccessNeed {
        group: "batch",
        resource: "cronjobs",
        subresource: "",
        verbs: &["list"],
        needed_by: "suggest-limits (CronJobs' pods)",
        required: false,
    },
    AccessNeed {
        group: "",
        resource: "resourcequotas",
        subresource: "",
        verbs: &["get", "list", "create", "patch"],
        needed_by: "up (quota), status",
        required: true,
    },
    AccessNeed {
        group: "",
        resource: "limitranges",
        subresource: "",
        verbs: &["get", "create", "patch"],
        needed_by: "up (limit range)",
        required: true,
    },
    AccessNeed {
        group: "networking.k8s.io",
        resource: "networkpolicies",
        subresource: "",
        verbs: &["get", "create", "patch"],
        needed_by: "up (isolation)",
        required: true,
    },
    AccessNeed {
        group: "",
        resource: "endpoints",
        subresource: "",
        verbs: READ,
        needed_by: "promote --wait",
        required: false,
    },
    AccessNeed {
        group: "",
        resource: "events",
        subresource: "",
        verbs: &["create", "list", "watch"],
        needed_by: "up --wait, status (reading); promote, rollback, canary (recording)",
        required: false,
    },
    AccessNeed {
        group: "metrics.k8s.io",
        resource: "pods",
        subresource: "",
        verbs: &["get", "list"],
        needed_by: "suggest-limits",
        required: false,
    },
    AccessNeed {
        group: "",
        resource: "nodes",
        subresource: "",
        verbs: &["list"],
        needed_by: "ls, status and doctor (capacity), suggest-limits",
        required: false,
    },
];

/// The answer to one access review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessOutcome {
    /// What was asked.
    pub need: &'static AccessNeed,
    /// The verb asked about.
    pub verb: &'static str,
    /// `Ok(allowed)`, or why the review itself failed.
    pub result: Result<bool, ApiFailure>,
}

/// A node as doctor sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeFact {
    /// The node's name.
    pub name: String,
    /// Condition Ready is True.
    pub ready: bool,
    /// Cordoned (`spec.unschedulable`).
    pub unschedulable: bool,
    /// Allocatable CPU in cores.
    pub cpu: Option<f64>,
    /// Allocatable memory in bytes.
    pub memory: Option<f64>,
}

/// Resource requests of the pods running on nodes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Requests {
    /// CPU cores.
    pub cpu: f64,
    /// Memory bytes.
    pub memory: f64,
}

/// A qaenv environment found on the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvironmentFact {
    /// Its namespace.
    pub namespace: String,
    /// `qaenv.dev/expires-at`, when set and valid.
    pub expires_at: Option<jiff::Timestamp>,
}

/// Everything doctor learned from the API. `None` means "not asked" (an earlier check made
/// the question pointless).
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// Server and context.
    pub endpoint: Endpoint,
    /// The server's `gitVersion`.
    pub version: Result<String, ApiFailure>,
    /// The user name from a SelfSubjectReview.
    pub identity: Option<Result<String, ApiFailure>>,
    /// One outcome per need and verb.
    pub access: Vec<AccessOutcome>,
    /// Whether `metrics.k8s.io/v1beta1` is served.
    pub metrics: Option<Result<(), ApiFailure>>,
    /// The nodes.
    pub nodes: Option<Result<Vec<NodeFact>, ApiFailure>>,
    /// Requests of scheduled, running pods.
    pub requested: Option<Result<Requests, ApiFailure>>,
    /// Namespaces labelled as managed by qaenv.
    pub environments: Option<Result<Vec<EnvironmentFact>, ApiFailure>>,
}

/// A check's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Pass,
    /// Works, but something will not (or soon may not).
    Warn,
    /// Something qaenv needs is missing.
    Fail,
    /// Not checked, because an earlier check failed.
    Skip,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }

    fn tone(self) -> Tone {
        match self {
            Status::Pass => Tone::Good,
            Status::Warn => Tone::Warn,
            Status::Fail => Tone::Bad,
            Status::Skip => Tone::Dim,
        }
    }
}

/// One row of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// The verdict.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// How to fix it, for warn and fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Check {
    fn new(name: impl Into<String>, status: Status, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            status,
            detail: detail.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Check {
        self.hint = Some(hint.into());
        self
    }
}

/// The document `-o json` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The kubeconfig context (`null` in a pod).
    pub context: Option<String>,
    /// The server URL.
    pub server: String,
    /// The checks in table order.
    pub checks: Vec<Check>,
    /// How many checks ended how.
    pub summary: Summary,
}

/// Counts per status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Passed.
    pub pass: usize,
    /// Warned.
    pub warn: usize,
    /// Failed.
    pub fail: usize,
    /// Skipped.
    pub skip: usize,
}

impl Report {
    /// Assembles the report from the checks.
    pub fn new(endpoint: &Endpoint, checks: Vec<Check>) -> Report {
        let mut summary = Summary::default();
        for check in &checks {
            match check.status {
                Status::Pass => summary.pass += 1,
                Status::Warn => summary.warn += 1,
                Status::Fail => summary.fail += 1,
                Status::Skip => summary.skip += 1,
            }
        }
        Report {
            context: endpoint.context.clone(),
            server: endpoint.server.clone(),
            checks,
            summary,
        }
    }
}

/// The oldest minor version qaenv supports: server-side apply is GA from 1.22.
const MIN_MINOR: u32 = 22;

/// Turns facts into checks. Pure: `now` decides which environments have expired.
pub fn checks(facts: &Facts, now: jiff::Timestamp) -> Vec<Check> {
    let mut out = Vec::new();
    let endpoint = &facts.endpoint;
    let at = describe_endpoint(endpoint);

    // 1. The server.
    let server_reached = match &facts.version {
        Ok(version) => {
            let check = Check::new(
                "server",
                Status::Pass,
                format!("Kubernetes {version} at {at}"),
            );
            out.push(match minor_version(version) {
                Some(minor) if minor < MIN_MINOR => Check {
                    status: Status::Warn,
                    ..check
                }
                .hint(format!(
                    "qaenv needs Kubernetes 1.{MIN_MINOR} or newer (server-side apply)"
                )),
                _ => check,
            });
            true
        }
        // Some servers hide /version from unauthenticated users: the server answered.
        Err(ApiFailure::Unauthorized(_)) => {
            out.push(Check::new(
                "server",
                Status::Pass,
                format!("reachable at {at}, version hidden"),
            ));
            true
        }
        Err(failure) => {
            let (cause, hint) = words("get the server version", failure, endpoint);
            out.push(Check::new("server", Status::Fail, cause).hint(hint.unwrap_or_default()));
            false
        }
    };
    if !server_reached {
        out.extend(skipped_rest("the server is not reachable"));
        return out;
    }

    // 2. Credentials.
    let credentials = credentials_check(facts, endpoint);
    let accepted = credentials.status != Status::Fail;
    out.push(credentials);
    if !accepted {
        out.extend(
            skipped_rest("the credentials were rejected")
                .into_iter()
                .skip(1),
        );
        return out;
    }

    // 3. Access, one row per resource.
    for need in NEEDS {
        let outcomes: Vec<&AccessOutcome> = facts
            .access
            .iter()
            .filter(|o| std::ptr::eq(o.need, need))
            .collect();
        if let Some(check) = access_check(need, &outcomes, endpoint) {
            out.push(check);
        }
    }

    // 4. Metrics API.
    out.push(match &facts.metrics {
        None => Check::new("metrics API", Status::Skip, "not checked"),
        Some(Ok(())) => Check::new("metrics API", Status::Pass, "metrics.k8s.io/v1beta1 is served"),
        Some(Err(ApiFailure::NotFound(_))) => Check::new(
            "metrics API",
            Status::Warn,
            "metrics.k8s.io is not served; suggest-limits needs it",
        )
        .hint(
            "install metrics-server: kubectl apply -f \
             https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml",
        ),
        Some(Err(failure)) => {
            let (cause, hint) = words("discover metrics.k8s.io", failure, endpoint);
            warn_check("metrics API", cause, hint)
        }
    });

    // 5. Nodes and free capacity.
    out.push(nodes_check(
        facts.nodes.as_ref(),
        facts.requested.as_ref(),
        endpoint,
    ));

    // 6. Existing environments.
    out.push(environments_check(
        facts.environments.as_ref(),
        now,
        endpoint,
    ));
    out
}

fn describe_endpoint(endpoint: &Endpoint) -> String {
    match &endpoint.context {
        Some(context) => format!("{} (context {context})", endpoint.server),
        None => format!("{} (in-cluster)", endpoint.server),
    }
}

/// The cause and hint the error layer would print for this failure.
fn words(what: &str, failure: &ApiFailure, endpoint: &Endpoint) -> (String, Option<String>) {
    let error = Error::from_failure(what, failure.clone(), endpoint);
    (error.cause().to_string(), error.hint().map(str::to_string))
}

fn warn_check(name: &str, cause: String, hint: Option<String>) -> Check {
    let check = Check::new(name, Status::Warn, cause);
    match hint {
        Some(hint) => check.hint(hint),
        None => check,
    }
}

fn skipped_rest(reason: &str) -> Vec<Check> {
    [
        "credentials",
        "access",
        "metrics API",
        "nodes",
        "environments",
    ]
    .iter()
    .map(|name| Check::new(*name, Status::Skip, format!("not checked: {reason}")))
    .collect()
}

fn minor_version(version: &str) -> Option<u32> {
    let rest = version.strip_prefix('v').unwrap_or(version);
    let minor = rest.split('.').nth(1)?;
    let digits: String = minor.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn credentials_check(facts: &Facts, endpoint: &Endpoint) -> Check {
    let rejected = |failure: &ApiFailure| {
        let (cause, hint) = words("authenticate", failure, endpoint);
        Check::new("credentials", Status::Fail, cause).hint(hint.unwrap_or_default())
    };
    if let Err(failure @ ApiFailure::Unauthorized(_)) = &facts.version {
        // /version is open to anonymous users on most clusters; a 401 there means the
        // credentials were sent and refused.
        return rejected(failure);
    }
    match &facts.identity {
        Some(Ok(user)) => {
            return Check::new("credentials", Status::Pass, format!("accepted as {user}"))
        }
        Some(Err(failure @ ApiFailure::Unauthorized(_))) => return rejected(failure),
        _ => {}
    }
    // Without SelfSubjectReview (older servers), the access reviews tell.
    if let Some(failure) = facts.access.iter().find_map(|o| match &o.result {
        Err(failure @ ApiFailure::Unauthorized(_)) => Some(failure),
        _ => None,
    }) {
        return rejected(failure);
    }
    if facts.access.iter().any(|o| o.result.is_ok()) {
        return Check::new("credentials", Status::Pass, "accepted");
    }
    match facts.access.iter().find_map(|o| o.result.as_ref().err()) {
        Some(failure) => {
            let (cause, hint) = words("review access", failure, endpoint);
            warn_check("credentials", format!("could not verify: {cause}"), hint)
        }
        None => Check::new("credentials", Status::Pass, "accepted"),
    }
}

fn access_check(
    need: &AccessNeed,
    outcomes: &[&AccessOutcome],
    endpoint: &Endpoint,
) -> Option<Check> {
    if outcomes.is_empty() {
        return None;
    }
    let name = format!("access {}", need.name());
    let allowed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.result == Ok(true))
        .map(|o| o.verb)
        .collect();
    let denied: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.result == Ok(false))
        .map(|o| o.verb)
        .collect();
    if !denied.is_empty() {
        let mut detail = format!("forbidden: {}", denied.join(", "));
        if !allowed.is_empty() {
            detail.push_str(&format!(" (allowed: {})", allowed.join(", ")));
        }
        let status = if need.required {
            Status::Fail
        } else {
            Status::Warn
        };
        let hint = format!(
            "needed by {}; an admin can grant it: kubectl create clusterrole qaenv-{} --verb={} --resource={}",
            need.needed_by,
            need.name().replace('/', "-"),
            denied.join(","),
            need.rbac_resource()
        );
        return Some(Check::new(name, status, detail).hint(hint));
    }
    if let Some(failure) = outcomes.iter().find_map(|o| o.result.as_ref().err()) {
        let (cause, hint) = words("review access", failure, endpoint);
        return Some(warn_check(&name, format!("could not check: {cause}"), hint));
    }
    Some(Check::new(name, Status::Pass, allowed.join(", ")))
}

fn nodes_check(
    nodes: Option<&Result<Vec<NodeFact>, ApiFailure>>,
    requested: Option<&Result<Requests, ApiFailure>>,
    endpoint: &Endpoint,
) -> Check {
    let nodes = match nodes {
        None => return Check::new("nodes", Status::Skip, "not checked"),
        Some(Err(failure)) => {
            let (cause, hint) = words("list nodes", failure, endpoint);
            return warn_check("nodes", format!("capacity unknown: {cause}"), hint);
        }
        Some(Ok(nodes)) => nodes,
    };
    let usable: Vec<&NodeFact> = nodes
        .iter()
        .filter(|n| n.ready && !n.unschedulable)
        .collect();
    let ready = nodes.iter().filter(|n| n.ready).count();
    if usable.is_empty() {
        return Check::new(
            "nodes",
            Status::Fail,
            format!("{} nodes, none ready and schedulable", nodes.len()),
        )
        .hint("pods cannot be scheduled; check `kubectl get nodes`");
    }
    let cpu: f64 = usable.iter().filter_map(|n| n.cpu).sum();
    let memory: f64 = usable.iter().filter_map(|n| n.memory).sum();
    let mut detail = format!("{ready} of {} ready", nodes.len());
    let cordoned = nodes.iter().filter(|n| n.unschedulable).count();
    if cordoned > 0 {
        detail.push_str(&format!(", {cordoned} cordoned"));
    }
    let mut status = if ready < nodes.len() {
        Status::Warn
    } else {
        Status::Pass
    };
    let mut hint = (ready < nodes.len())
        .then(|| "some nodes are not ready; check `kubectl get nodes`".to_string());
    match requested {
        Some(Ok(requests)) => {
            let free_cpu = (cpu - requests.cpu).max(0.0);
            let free_memory = (memory - requests.memory).max(0.0);
            detail.push_str(&format!(
                "; free allocatable: cpu {} of {}, memory {} of {}",
                quantity::format_cpu(free_cpu),
                quantity::format_cpu(cpu),
                quantity::format_memory(free_memory),
                quantity::format_memory(memory)
            ));
            if free_cpu < cpu * 0.1 || free_memory < memory * 0.1 {
                status = Status::Warn;
                hint = Some(
                    "less than 10% of the cluster is free: new environments may stay Pending; \
                     delete stale environments or add nodes"
                        .to_string(),
                );
            }
        }
        Some(Err(failure)) => {
            let (cause, _) = words("list pods", failure, endpoint);
            detail.push_str(&format!(
                "; allocatable: cpu {}, memory {} (requests unknown: {cause})",
                quantity::format_cpu(cpu),
                quantity::format_memory(memory)
            ));
        }
        None => {}
    }
    let check = Check::new("nodes", status, detail);
    match hint {
        Some(hint) => check.hint(hint),
        None => check,
    }
}

fn environments_check(
    environments: Option<&Result<Vec<EnvironmentFact>, ApiFailure>>,
    now: jiff::Timestamp,
    endpoint: &Endpoint,
) -> Check {
    let environments = match environments {
        None => return Check::new("environments", Status::Skip, "not checked"),
        Some(Err(failure)) => {
            let (cause, hint) = words("list qaenv namespaces", failure, endpoint);
            return warn_check("environments", cause, hint);
        }
        Some(Ok(environments)) => environments,
    };
    if environments.is_empty() {
        return Check::new(
            "environments",
            Status::Pass,
            format!(
                "none yet (no namespace labelled {})",
                labels::MANAGED_BY_SELECTOR
            ),
        );
    }
    let names: Vec<&str> = environments.iter().map(|e| e.namespace.as_str()).collect();
    let expired: Vec<&str> = environments
        .iter()
        .filter(|e| e.expires_at.is_some_and(|t| t <= now))
        .map(|e| e.namespace.as_str())
        .collect();
    let mut detail = format!("{} found: {}", names.len(), abbreviate(&names));
    if expired.is_empty() {
        return Check::new("environments", Status::Pass, detail);
    }
    detail.push_str(&format!(
        "; {} expired: {}",
        expired.len(),
        abbreviate(&expired)
    ));
    Check::new("environments", Status::Warn, detail).hint(
        "expired environments still use capacity; delete them (kubectl delete namespace NAME)",
    )
}

fn abbreviate(names: &[&str]) -> String {
    const SHOWN: usize = 5;
    if names.len() <= SHOWN {
        names.join(", ")
    } else {
        format!(
            "{}, and {} more",
            names[..SHOWN].join(", "),
            names.len() - SHOWN
        )
    }
}

/// Asks the API everything the checks need. Never fails: each failure becomes a fact.
pub async fn gather(connection: &Connection) -> Facts {
    let client = &connection.client;
    let endpoint = connection.endpoint.clone();
    let version = client
        .apiserver_version()
        .await
        .map(|info| info.git_version)
        .map_err(|e| ApiFailure::classify(&e));
    let reachable = !matches!(
        version,
        Err(ApiFailure::Unreachable(_)
            | ApiFailure::TimedOut(_)
            | ApiFailure::Tls(_)
            | ApiFailure::Other(_))
    );
    if !reachable {
        return Facts {
            endpoint,
            version,
            identity: None,
            access: Vec::new(),
            metrics: None,
            nodes: None,
            requested: None,
            environments: None,
        };
    }
    let (identity, access, metrics, nodes, requested, environments) = tokio::join!(
        identity(client),
        access(client),
        async {
            client
                .list_api_group_resources("metrics.k8s.io/v1beta1")
                .await
                .map(|_| ())
                .map_err(|e| ApiFailure::classify(&e))
        },
        nodes(client),
        requested(client),
        environments(client),
    );
    Facts {
        endpoint,
        version,
        identity: Some(identity),
        access,
        metrics: Some(metrics),
        nodes: Some(nodes),
        requested: Some(requested),
        environments: Some(environments),
    }
}

async fn identity(client: &kube::Client) -> Result<String, ApiFailure> {
    let api: Api<SelfSubjectReview> = Api::all(client.clone());
    let review = api
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
        .map_err(|e| ApiFailure::classify(&e))?;
    Ok(review
        .status
        .and_then(|s| s.user_info)
        .and_then(|u| u.username)
        .unwrap_or_else(|| "an unnamed user".to_string()))
}

/// One SelfSubjectAccessReview per need and verb, all in flight at once.
async fn access(client: &kube::Client) -> Vec<AccessOutcome> {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let reviews = NEEDS.iter().flat_map(|need| {
        let api = api.clone();
        need.verbs.iter().map(move |verb| {
            let api = api.clone();
            async move {
                let review = SelfSubjectAccessReview {
                    spec: SelfSubjectAccessReviewSpec {
                        resource_attributes: Some(ResourceAttributes {
                            group: Some(need.group.to_string()),
                            resource: Some(need.resource.to_string()),
                            subresource: (!need.subresource.is_empty())
                                .then(|| need.subresource.to_string()),
                            verb: Some(verb.to_string()),
                            ..ResourceAttributes::default()
                        }),
                        ..SelfSubjectAccessReviewSpec::default()
                    },
                    ..SelfSubjectAccessReview::default()
                };
                let result = api
                    .create(&PostParams::default(), &review)
                    .await
                    .map(|r| r.status.is_some_and(|s| s.allowed))
                    .map_err(|e| ApiFailure::classify(&e));
                AccessOutcome { need, verb, result }
            }
        })
    });
    join_all(reviews).await
}

async fn nodes(client: &kube::Client) -> Result<Vec<NodeFact>, ApiFailure> {
    let api: Api<Node> = Api::all(client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| ApiFailure::classify(&e))?;
    Ok(list.items.iter().map(node_fact).collect())
}

/// The parts of a Node doctor reads.
pub fn node_fact(node: &Node) -> NodeFact {
    let status = node.status.as_ref();
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True")
        });
    let allocatable = status.and_then(|s| s.allocatable.as_ref());
    let amount = |key: &str| {
        allocatable
            .and_then(|a| a.get(key))
            .and_then(|q| quantity::parse(&q.0))
    };
    NodeFact {
        name: node.metadata.name.clone().unwrap_or_default(),
        ready,
        unschedulable: node
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false),
        cpu: amount("cpu"),
        memory: amount("memory"),
    }
}

async fn requested(client: &kube::Client) -> Result<Requests, ApiFailure> {
    let api: Api<Pod> = Api::all(client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| ApiFailure::classify(&e))?;
    Ok(sum_requests(&list.items))
}

/// Sums the container requests of pods that are scheduled and not finished, as the scheduler
/// counts them against allocatable.
pub fn sum_requests(pods: &[Pod]) -> Requests {
    let mut total = Requests::default();
    for pod in pods {
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .unwrap_or("");
        let Some(spec) = pod.spec.as_ref() else {
            continue;
        };
        if spec.node_name.is_none() || phase == "Succeeded" || phase == "Failed" {
            continue;
        }
        for container in &spec.containers {
            let requests = container
                .resources
                .as_ref()
                .and_then(|r| r.requests.as_ref());
            let amount = |key: &str| {
                requests
                    .and_then(|r| r.get(key))
                    .and_then(|q| quantity::parse(&q.0))
            };
            total.cpu += amount("cpu").unwrap_or(0.0);
            total.memory += amount("memory").unwrap_or(0.0);
        }
    }
    total
}

async fn environments(client: &kube::Client) -> Result<Vec<EnvironmentFact>, ApiFailure> {
    let api: Api<Namespace> = Api::all(client.clone());
    let list = api
        .list(&ListParams::default().labels(labels::MANAGED_BY_SELECTOR))
        .await
        .map_err(|e| ApiFailure::classify(&e))?;
    Ok(list
        .items
        .iter()
        .map(|ns| EnvironmentFact {
            namespace: ns.metadata.name.clone().unwrap_or_default(),
            expires_at: ns
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(labels::EXPIRES_AT))
                .and_then(|t| t.parse().ok()),
        })
        .collect())
}

/// Writes the report as a table (CHECK, STATUS, DETAIL, HINT) or JSON.
pub fn render(
    report: &Report,
    format: Format,
    out: &mut impl Write,
    color: bool,
) -> std::io::Result<()> {
    match format {
        Format::Json => output::write_json(out, report),
        Format::Yaml => output::write_yaml(out, report),
        _ => {
            // The HINT column only appears when there is something to fix.
            let hints = report.checks.iter().any(|c| c.hint.is_some());
            let headers: &[&str] = if hints {
                &["check", "status", "detail", "hint"]
            } else {
                &["check", "status", "detail"]
            };
            let mut table = Table::new(headers.iter().copied());
            for check in &report.checks {
                table.row([
                    Cell::new(check.name.clone()),
                    Cell::toned(check.status.as_str(), check.status.tone()),
                    Cell::new(check.detail.clone()),
                    Cell::new(check.hint.clone().unwrap_or_default()),
                ]);
            }
            table.render(
                out,
                TableOptions {
                    no_headers: false,
                    color,
                },
            )
        }
    }
}

/// `kubectl qaenv doctor`.
pub async fn run(
    args: &DoctorArgs,
    options: &ConnectOptions,
    out: &mut impl Write,
    terminal: &Terminal,
) -> Result<()> {
    let connection = connect(options).await?;
    let facts = gather(&connection).await;
    let report = Report::new(&connection.endpoint, checks(&facts, jiff::Timestamp::now()));
    render(&report, args.output.into(), out, terminal.color_stdout).map_err(Error::output)?;
    if report.summary.fail > 0 {
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.name.as_str())
            .collect();
        return Err(Error::new(
            "doctor",
            format!(
                "{} of {} checks failed: {}",
                report.summary.fail,
                report.checks.len(),
                abbreviate(&failed)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Endpoint {
        Endpoint {
            server: "http://127.0.0.1:6443".into(),
            context: Some("kube-sim".into()),
        }
    }

    fn gib(n: f64) -> f64 {
        n * 1024.0 * 1024.0 * 1024.0
    }

    fn node(name: &str, ready: bool) -> NodeFact {
        NodeFact {
            name: name.into(),
            ready,
            unschedulable: false,
            cpu: Some(4.0),
            memory: Some(gib(16.0)),
        }
    }

    fn all_access(allowed: impl Fn(&AccessNeed, &str) -> bool) -> Vec<AccessOutcome> {
        NEEDS
            .iter()
            .flat_map(|need| {
                let allowed = &allowed;
                need.verbs.iter().map(move |verb| AccessOutcome {
                    need,
                    verb,
                    result: Ok(allowed(need, verb)),
                })
            })
            .collect()
    }

    fn healthy() -> Facts {
        Facts {
            endpoint: endpoint(),
            version: Ok("v1.33.0".into()),
            identity: Some(Ok("kube-sim-admin".into())),
            access: all_access(|_, _| true),
            metrics: Some(Ok(())),
            nodes: Some(Ok(vec![
                node("node-1", true),
                node("node-2", true),
                node("node-3", true),
            ])),
            requested: Some(Ok(Requests {
                cpu: 0.5,
                memory: gib(1.0),
            })),
            environments: Some(Ok(Vec::new())),
        }
    }

    fn now() -> jiff::Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    fn table(facts: &Facts) -> String {
        let report = Report::new(&facts.endpoint, checks(facts, now()));
        let mut out = Vec::new();
        render(&report, Format::Table, &mut out, false).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn find<'a>(checks: &'a [Check], name: &str) -> &'a Check {
        checks.iter().find(|c| c.name == name).unwrap()
    }

    #[test]
    fn healthy_cluster_passes_everything() {
        let checks = checks(&healthy(), now());
        assert!(
            checks.iter().all(|c| c.status == Status::Pass),
            "{checks:#?}"
        );
        assert_eq!(checks.len(), 2 + NEEDS.len() + 3);
        insta::assert_snapshot!(table(&healthy()));
    }

    #[test]
    fn restricted_token_names_the_forbidden_verbs() {
        let mut facts = healthy();
        facts.identity = Some(Ok("kube-sim-restricted".into()));
        facts.access =
            all_access(|need, verb| READ.contains(&verb) && need.group != "metrics.k8s.io");
        let checks = checks(&facts, now());
        let namespaces = find(&checks, "access namespaces");
        assert_eq!(namespaces.status, Status::Fail);
        assert_eq!(
            namespaces.detail,
            "forbidden: create, patch, delete (allowed: get, list, watch)"
        );
        assert_eq!(
            namespaces.hint.as_deref(),
            Some(
                "needed by up, down, ls, status; an admin can grant it: kubectl create clusterrole \
                 qaenv-namespaces --verb=create,patch,delete --resource=namespaces"
            )
        );
        let deployments = find(&checks, "access deployments.apps");
        assert!(deployments
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains("--resource=deployments.apps"));
        // Optional features only warn.
        let metrics = find(&checks, "access pods.metrics.k8s.io");
        assert_eq!(metrics.status, Status::Warn);
        assert_eq!(
            find(&checks, "access replicasets.apps").status,
            Status::Pass
        );
        insta::assert_snapshot!(table(&facts));
    }

    #[test]
    fn unreachable_server_fails_and_skips_the_rest() {
        let mut facts = healthy();
        facts.version = Err(ApiFailure::Unreachable("connection refused".into()));
        let checks = checks(&facts, now());
        assert_eq!(checks[0].status, Status::Fail);
        assert_eq!(
            checks[0].detail,
            "cannot reach the API server at http://127.0.0.1:6443 (context \"kube-sim\"): connection refused"
        );
        assert!(checks[0].hint.is_some());
        assert!(
            checks[1..].iter().all(|c| c.status == Status::Skip),
            "{checks:#?}"
        );
    }

    #[test]
    fn rejected_credentials_fail_and_skip_the_rest() {
        let mut facts = healthy();
        facts.identity = Some(Err(ApiFailure::Unauthorized("Unauthorized".into())));
        let checks = checks(&facts, now());
        assert_eq!(checks[0].status, Status::Pass);
        assert_eq!(checks[1].name, "credentials");
        assert_eq!(checks[1].status, Status::Fail);
        assert!(
            checks[1].detail.contains("rejected the credentials"),
            "{}",
            checks[1].detail
        );
        assert!(checks[2..].iter().all(|c| c.status == Status::Skip));
        assert_eq!(checks.len(), 6);
    }

    #[test]
    fn credentials_fall_back_to_access_reviews_without_self_subject_review() {
        let mut facts = healthy();
        facts.identity = Some(Err(ApiFailure::NotFound("404".into())));
        assert_eq!(
            find(&checks(&facts, now()), "credentials").detail,
            "accepted"
        );
        facts.access = all_access(|_, _| true)
            .into_iter()
            .map(|o| AccessOutcome {
                result: Err(ApiFailure::Unauthorized("Unauthorized".into())),
                ..o
            })
            .collect();
        assert_eq!(
            find(&checks(&facts, now()), "credentials").status,
            Status::Fail
        );
    }

    #[test]
    fn failed_reviews_warn_instead_of_guessing() {
        let mut facts = healthy();
        for outcome in facts
            .access
            .iter_mut()
            .filter(|o| o.need.resource == "secrets")
        {
            outcome.result = Err(ApiFailure::Other("boom".into()));
        }
        let check = find(&checks(&facts, now()), "access secrets").clone();
        assert_eq!(check.status, Status::Warn);
        assert!(
            check.detail.starts_with("could not check: boom"),
            "{}",
            check.detail
        );
    }

    #[test]
    fn missing_metrics_api_warns_with_install_hint() {
        let mut facts = healthy();
        facts.metrics = Some(Err(ApiFailure::NotFound("not found".into())));
        let check = find(&checks(&facts, now()), "metrics API").clone();
        assert_eq!(check.status, Status::Warn);
        assert!(check.hint.unwrap_or_default().contains("metrics-server"));
    }

    #[test]
    fn nodes_report_free_capacity() {
        let check = find(&checks(&healthy(), now()), "nodes").clone();
        assert_eq!(
            check.detail,
            "3 of 3 ready; free allocatable: cpu 11.5 of 12, memory 47Gi of 48Gi"
        );
    }

    #[test]
    fn nearly_full_cluster_warns() {
        let mut facts = healthy();
        facts.requested = Some(Ok(Requests {
            cpu: 11.0,
            memory: gib(10.0),
        }));
        let check = find(&checks(&facts, now()), "nodes").clone();
        assert_eq!(check.status, Status::Warn);
        assert!(check.hint.unwrap_or_default().contains("less than 10%"));
    }

    #[test]
    fn no_ready_node_fails() {
        let mut facts = healthy();
        facts.nodes = Some(Ok(vec![node("a", false)]));
        assert_eq!(find(&checks(&facts, now()), "nodes").status, Status::Fail);
        let mut cordoned = node("b", true);
        cordoned.unschedulable = true;
        facts.nodes = Some(Ok(vec![cordoned]));
        assert_eq!(find(&checks(&facts, now()), "nodes").status, Status::Fail);
    }

    #[test]
    fn unready_node_warns_and_forbidden_pods_leave_requests_unknown() {
        let mut facts = healthy();
        facts.nodes = Some(Ok(vec![node("a", true), node("b", false)]));
        facts.requested = Some(Err(ApiFailure::Forbidden(String::new())));
        let check = find(&checks(&facts, now()), "nodes").clone();
        assert_eq!(check.status, Status::Warn);
        assert!(
            check.detail.starts_with(
                "1 of 2 ready; allocatable: cpu 4, memory 16Gi (requests unknown: forbidden"
            ),
            "{}",
            check.detail
        );
    }

    #[test]
    fn environments_are_counted_and_expired_ones_warned() {
        let mut facts = healthy();
        let env = |name: &str, expires: Option<&str>| EnvironmentFact {
            namespace: name.into(),
            expires_at: expires.and_then(|t| t.parse().ok()),
        };
        facts.environments = Some(Ok(vec![
            env("qa-a", None),
            env("qa-b", Some("2025-12-31T00:00:00Z")),
            env("qa-c", Some("2026-02-01T00:00:00Z")),
        ]));
        let check = find(&checks(&facts, now()), "environments").clone();
        assert_eq!(check.status, Status::Warn);
        assert_eq!(check.detail, "3 found: qa-a, qa-b, qa-c; 1 expired: qa-b");
        let names: Vec<String> = (0..7).map(|i| format!("qa-{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(
            abbreviate(&refs),
            "qa-0, qa-1, qa-2, qa-3, qa-4, and 2 more"
        );
    }

    #[test]
    fn old_servers_warn() {
        let mut facts = healthy();
        facts.version = Ok("v1.21.14+k3s1".into());
        assert_eq!(checks(&facts, now())[0].status, Status::Warn);
        assert_eq!(minor_version("v1.33.0"), Some(33));
        assert_eq!(minor_version("garbage"), None);
    }

    #[test]
    fn json_report_has_summary_and_hints() {
        let mut facts = healthy();
        facts.access = all_access(|need, _| need.resource != "secrets");
        let report = Report::new(&facts.endpoint, checks(&facts, now()));
        let mut out = Vec::new();
        render(&report, Format::Json, &mut out, false).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["context"], "kube-sim");
        assert_eq!(value["summary"]["fail"], 1);
        let secrets = value["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "access secrets")
            .unwrap();
        assert_eq!(secrets["status"], "fail");
        assert!(secrets["hint"].is_string());
        assert!(value["checks"][0].get("hint").is_none());
    }

    #[test]
    fn node_and_pod_facts_are_read_from_objects() {
        let node: Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "n1"},
            "spec": {"unschedulable": true},
            "status": {
                "allocatable": {"cpu": "3800m", "memory": "15Gi"},
                "conditions": [{"type": "Ready", "status": "True"}]
            }
        }))
        .unwrap();
        let fact = node_fact(&node);
        assert!(fact.ready && fact.unschedulable);
        assert_eq!(fact.cpu, Some(3.8));
        let pod = |node: Option<&str>, phase: &str| -> Pod {
            serde_json::from_value(serde_json::json!({
                "spec": {"nodeName": node, "containers": [
                    {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
                    {"name": "b"}
                ]},
                "status": {"phase": phase}
            }))
            .unwrap()
        };
        let total = sum_requests(&[
            pod(Some("n1"), "Running"),
            pod(None, "Pending"),
            pod(Some("n1"), "Succeeded"),
        ]);
        assert_eq!(total.cpu, 0.25);
        assert_eq!(total.memory, 64.0 * 1024.0 * 1024.0);
    }
}
