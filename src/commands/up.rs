//! `kubectl qaenv up NAME`: render, apply only what changed, wait with a diagnosis.
//!
//! The order of a run, and what each step costs:
//!
//! 1. settings (qaenv.toml and flags), sources, `${VAR}` substitution and parsing: no request,
//!    so bad input never reaches the cluster;
//! 2. pull secrets read from their source namespaces (one GET each, only when configured);
//! 3. the namespace: one GET; a namespace without qaenv's managed-by label is refused unless
//!    `--adopt`;
//! 4. kinds resolved from the built-in table (discovery only for unknown kinds), rendering;
//! 5. the live state: one metadata-only list per kind rendered or applied before (none for a
//!    new namespace), then the plan;
//! 6. the capacity pre-flight (nodes and pods, two lists), only when workloads change;
//! 7. the namespace written when its labels or annotations change (on a re-`up`, the expiry);
//! 8. each stage: its objects applied class by class (configuration, Services, workloads, the
//!    rest), each class concurrently, unchanged objects skipped; between stages, a wait until
//!    the stage's workloads are Ready;
//! 9. `--redeploy`: a JSON patch of the deployment id of every workload not just created;
//! 10. prunes, the namespace's applied kinds, the final wait and the report.
//!
//! A no-change re-`up` therefore reads the namespace and one list per kind, and writes only
//! the namespace's expiry annotation.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{self, Write},
    time::Instant,
};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{json, Value};

use crate::{
    apply, capacity,
    cli::{UpArgs, UpFormat},
    client::{connect, ConnectOptions, Connection},
    config::{self, Overrides, Settings, Ttl},
    env::EnvName,
    error::{Error, Result},
    guard,
    health::{WorkloadKind, WorkloadRef},
    kinds::{self, ResourceType},
    labels,
    manifest::{self, Document, Source},
    output::{self, Table, TableOptions, Terminal},
    plan::{self, Action, Plan},
    redeploy,
    render::{self, RenderContext, Rendered, RenderedObject},
    wait::{self, Progress},
};

/// The report of a run: what `-o json|yaml` prints, and what the table shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpReport {
    /// The normalised environment name.
    pub environment: String,
    /// Its namespace.
    pub namespace: String,
    /// The owner annotation.
    pub owner: String,
    /// The expiry (RFC 3339), `None` for `never`.
    pub expires_at: Option<String>,
    /// Whether this was a dry run (actions are then what would happen).
    pub dry_run: bool,
    /// The namespace's action.
    pub namespace_action: String,
    /// Every object and what happened to it, in apply order, prunes last.
    pub objects: Vec<ObjectReport>,
    /// The environment's URLs (from its Ingress hosts).
    pub urls: Vec<String>,
    /// How many objects had each action.
    pub summary: BTreeMap<String, usize>,
}

/// One object of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReport {
    /// The stage it belongs to.
    pub stage: String,
    /// `apps/v1`.
    pub api_version: String,
    /// `Deployment`.
    pub kind: String,
    /// `web`.
    pub name: String,
    /// `created`, `configured`, `unchanged`, `pruned` (dry run: `create`, `configure`, …).
    pub action: String,
    /// kubectl's spelling, `deployment.apps/web`.
    #[serde(skip)]
    pub display: String,
}

/// Runs `up`.
pub async fn run(
    args: &UpArgs,
    options: &ConnectOptions,
    out: &mut impl Write,
    terminal: &Terminal,
) -> Result<()> {
    let started = Instant::now();
    let cwd =
        std::env::current_dir().map_err(|e| Error::io("cannot read the working directory", e))?;
    let (project, dir) = config::load(args.config.as_deref(), &cwd)?;
    let settings = Settings::resolve(&project, &dir, &overrides(args))?;
    let env = EnvName::with_prefix(&args.name, &settings.namespace_prefix)?;
    let host = settings.host.as_deref().map(|t| render::host(t, &env));
    let vars = render::variables(&settings.vars, &env, host.as_deref());
    let mut stdin = io::stdin().lock();
    let mut stages = read_stages(&settings, &vars, &mut stdin)?;
    drop(stdin);
    if stages.iter().all(Vec::is_empty) {
        return Err(
            Error::new("no objects to apply", "the sources hold no manifests")
                .with_hint("check the paths given with -f/-k or in qaenv.toml"),
        );
    }

    let conn = connect(options).await?;
    let mut secrets = Vec::new();
    for pull in &settings.pull_secrets {
        secrets.push(apply::get_secret(&conn, &pull.from_namespace, &pull.name).await?);
    }
    stages[0].splice(0..0, guard::documents(&settings, &secrets));

    let existing = apply::get_namespace(&conn, &env.namespace).await?;
    check_namespace(existing.as_ref(), &env, args.adopt)?;
    let previous_kinds = applied_kinds(existing.as_ref());
    let mut wanted: BTreeSet<(String, String)> = stages
        .iter()
        .flatten()
        .map(|d| (text(&d.object, "/apiVersion"), text(&d.object, "/kind")))
        .collect();
    wanted.extend(previous_kinds.iter().cloned());
    let (kind_map, _discovered) = apply::resolve_kinds(&conn, &wanted).await?;
    let context = RenderContext {
        env: &env,
        images: &settings.images,
        allow_cluster_scoped: args.allow_cluster_scoped,
    };
    let rendered = render::render(&stages, &kind_map, &context)?;
    for warning in &rendered.warnings {
        eprintln!("warning: {warning}");
    }

    let list_kinds = kinds_to_list(&rendered, &previous_kinds, &kind_map);
    let live = if existing.is_some() {
        apply::list_live(&conn, &list_kinds, &env.namespace, &env.name).await?
    } else {
        Vec::new()
    };
    let plan = plan::plan(&rendered.objects, &live, &env.namespace);

    preflight(
        &conn,
        &settings,
        &rendered,
        &plan,
        &env,
        args.strict_capacity,
    )
    .await?;

    let now = Timestamp::now();
    let owner = args
        .owner
        .clone()
        .or_else(|| annotation(existing.as_ref(), labels::OWNER))
        .or_else(|| conn.user.clone())
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".to_string());
    let rendered_kinds: BTreeSet<String> = rendered
        .objects
        .iter()
        .filter(|o| o.resource.namespaced)
        .map(|o| o.resource.key())
        .collect();
    let mut recorded_kinds = rendered_kinds.clone();
    recorded_kinds.extend(previous_kinds.iter().map(|(v, k)| format!("{v}/{k}")));
    let namespace_meta = NamespaceMeta {
        owner: owner.clone(),
        created_at: annotation(existing.as_ref(), labels::CREATED_AT)
            .unwrap_or_else(|| rfc3339(now)),
        expires_at: match settings.ttl {
            Ttl::After(ttl) => Some(rfc3339(
                now.checked_add(ttl)
                    .map_err(|e| Error::new("invalid --ttl", e))?,
            )),
            Ttl::Never => None,
        },
        source: settings.source.clone(),
        spec_hash: render::spec_hash(&rendered.objects),
        kinds: recorded_kinds,
        urls: render::urls(&rendered.objects),
    };
    let namespace_object = namespace_manifest(&env, &namespace_meta);
    let namespace_action = match &existing {
        None => Action::Create,
        Some(live) if namespace_changed(live, &namespace_object) => Action::Configure,
        Some(_) => Action::Unchanged,
    };

    let progress = if args.output == UpFormat::Table {
        Progress::detect(terminal)
    } else {
        Progress::Lines
    };
    let mut run = Run {
        conn: &conn,
        env: &env,
        rendered: &rendered,
        plan: &plan,
        dry_run: args.dry_run,
        applied: Vec::new(),
        redeployed: BTreeSet::new(),
        progress,
        timeout: args.timeout,
        started,
    };

    if args.dry_run {
        run.dry_run(&namespace_object, namespace_action, existing.is_some())
            .await?;
    } else {
        if namespace_action != Action::Unchanged {
            run.apply_namespace(&namespace_object, namespace_action)
                .await?;
        }
        let last = stages.len() - 1;
        for stage in 0..stages.len() {
            run.apply_stage(stage).await?;
            // A stage is waited for only when a later stage has something to apply.
            if stage < last && plan.writes_after(stage) {
                let waited = run.wait_stage(stage, &settings.stages[stage].name).await;
                waited.map_err(|e| run.failed(e))?;
            }
        }
        if args.redeploy {
            run.redeploy().await?;
        }
        run.prune().await?;
        if rendered_kinds != namespace_meta.kinds {
            let meta = NamespaceMeta {
                kinds: rendered_kinds,
                ..namespace_meta.clone()
            };
            apply::apply(
                &conn,
                &kinds::namespace(),
                None,
                &env.namespace,
                &namespace_manifest(&env, &meta),
                false,
            )
            .await
            .map_err(|e| {
                conn.error(
                    format!("record applied kinds on namespace {}", env.namespace),
                    &e,
                )
            })?;
        }
    }

    let redeployed = match (args.redeploy, args.dry_run) {
        (false, _) => BTreeSet::new(),
        (true, true) => plan.redeploy_targets(),
        (true, false) => std::mem::take(&mut run.redeployed),
    };
    let report = report(
        &env,
        &settings,
        &rendered,
        &plan,
        &namespace_meta,
        &Outcome {
            namespace_action,
            redeployed: &redeployed,
            dry_run: args.dry_run,
        },
    );
    let wait_last = !args.dry_run && !args.no_wait;
    let summary = summary_line(&report, started.elapsed());
    if wait_last {
        eprintln!("{summary}; waiting for workloads to be Ready");
        let last = stages.len() - 1;
        write_report(out, &report, args.output, terminal)?;
        out.flush().map_err(Error::output)?;
        run.wait_stage(last, &settings.stages[last].name).await?;
        eprintln!(
            "environment {} is ready ({:.1}s)",
            env.name,
            started.elapsed().as_secs_f64()
        );
    } else {
        eprintln!("{summary}");
        write_report(out, &report, args.output, terminal)?;
    }
    Ok(())
}

fn overrides(args: &UpArgs) -> Overrides {
    Overrides {
        files: args.files.clone(),
        kustomize: args.kustomize.clone(),
        vars: args.set.clone(),
        images: args.images.clone(),
        ttl: args.ttl,
    }
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn annotation(object: Option<&Value>, key: &str) -> Option<String> {
    object?
        .pointer("/metadata/annotations")?
        .get(key)?
        .as_str()
        .map(str::to_string)
}

fn rfc3339(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reads, substitutes and parses every stage's sources; undefined variables are collected over
/// all sources and reported together.
fn read_stages(
    settings: &Settings,
    vars: &BTreeMap<String, String>,
    stdin: &mut dyn io::Read,
) -> Result<Vec<Vec<Document>>> {
    let mut undefined: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stages = Vec::new();
    for stage in &settings.stages {
        let mut documents = Vec::new();
        for source in manifest::read_stage(stage, stdin)? {
            match substitute_source(&source, vars) {
                Ok(text) => documents.extend(manifest::parse_source(&Source { text, ..source })?),
                Err(names) => {
                    for name in names {
                        undefined
                            .entry(name)
                            .or_default()
                            .insert(source.origin.clone());
                    }
                }
            }
        }
        stages.push(documents);
    }
    if !undefined.is_empty() {
        return Err(render::undefined_error(&undefined));
    }
    Ok(stages)
}

/// Substitutes a source's variables. Undefined names used only as shell variables in
/// container commands are left as they are, with a warning (see [`render::shell_variables`]).
fn substitute_source(
    source: &Source,
    vars: &BTreeMap<String, String>,
) -> std::result::Result<String, BTreeSet<String>> {
    let undefined = match render::substitute(&source.text, vars, &BTreeSet::new()) {
        Ok(text) => return Ok(text),
        Err(undefined) => undefined,
    };
    let Ok(documents) = manifest::parse_source(source) else {
        return Err(undefined);
    };
    let shell: BTreeSet<String> = documents
        .iter()
        .flat_map(|d| render::shell_variables(&d.object))
        .filter(|name| undefined.contains(name))
        .collect();
    if shell.is_empty() {
        return Err(undefined);
    }
    let text = render::substitute(&source.text, vars, &shell)?;
    let names: Vec<String> = shell.iter().map(|n| format!("${{{n}}}")).collect();
    eprintln!(
        "warning: left {} as written in container commands of {} (shell variables; define them to substitute)",
        names.join(", "),
        source.origin
    );
    Ok(text)
}

/// Refuses a namespace qaenv does not manage (unless adopting) and one being deleted.
pub fn check_namespace(existing: Option<&Value>, env: &EnvName, adopt: bool) -> Result<()> {
    let Some(ns) = existing else {
        return Ok(());
    };
    if ns.pointer("/metadata/deletionTimestamp").is_some() {
        return Err(Error::refused(
            format!("cannot update environment {}", env.name),
            format!("namespace {} is being deleted", env.namespace),
        )
        .with_hint("wait until `kubectl get namespace` no longer lists it, then run up again"));
    }
    let managed = ns
        .pointer("/metadata/labels")
        .and_then(|l| l.get(labels::MANAGED_BY))
        .and_then(Value::as_str)
        == Some(labels::MANAGED_BY_VALUE);
    if !managed && !adopt {
        return Err(Error::refused(
            format!("refusing to deploy into namespace {}", env.namespace),
            format!(
                "it exists and is not managed by qaenv (no label {})",
                labels::MANAGED_BY_SELECTOR
            ),
        )
        .with_hint("pick another environment name, or pass --adopt to take the namespace over"));
    }
    if managed {
        let other = ns
            .pointer("/metadata/labels")
            .and_then(|l| l.get(labels::ENV))
            .and_then(Value::as_str);
        if let Some(other) = other.filter(|o| *o != env.name) {
            return Err(Error::refused(
                format!(
                    "refusing to deploy environment {} into namespace {}",
                    env.name, env.namespace
                ),
                format!("the namespace belongs to environment {other}"),
            ));
        }
    }
    Ok(())
}

/// The kinds recorded in the namespace's applied-kinds annotation.
fn applied_kinds(existing: Option<&Value>) -> Vec<(String, String)> {
    annotation(existing, labels::APPLIED_KINDS)
        .unwrap_or_default()
        .split(',')
        .filter_map(kinds::parse_key)
        .collect()
}

/// The namespaced kinds to list: those rendered and those applied before, once per group and
/// kind.
fn kinds_to_list(
    rendered: &Rendered,
    previous: &[(String, String)],
    kind_map: &std::collections::HashMap<(String, String), ResourceType>,
) -> Vec<ResourceType> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let candidates = rendered
        .objects
        .iter()
        .map(|o| o.resource.clone())
        .chain(previous.iter().filter_map(|k| kind_map.get(k).cloned()));
    for resource in candidates {
        if resource.namespaced && seen.insert((resource.group.clone(), resource.kind.clone())) {
            out.push(resource);
        }
    }
    out
}

/// What the namespace records about the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceMeta {
    pub owner: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub source: String,
    pub spec_hash: String,
    /// Applied kinds, as `apps/v1/Deployment`.
    pub kinds: BTreeSet<String>,
    /// The environment's URLs (from its Ingress hosts), for `ls`.
    pub urls: Vec<String>,
}

/// Namespace annotations `up` sets only sometimes (an expiry unless `--ttl never`, URLs when an
/// Ingress has a host): one that is no longer set is a change, so the apply removes it.
const OPTIONAL_ANNOTATIONS: [&str; 2] = [labels::EXPIRES_AT, labels::URLS];

/// The namespace as `up` applies it.
pub fn namespace_manifest(env: &EnvName, meta: &NamespaceMeta) -> Value {
    let mut annotations = serde_json::Map::new();
    annotations.insert(labels::OWNER.into(), json!(meta.owner));
    annotations.insert(labels::CREATED_AT.into(), json!(meta.created_at));
    if let Some(expires) = &meta.expires_at {
        annotations.insert(labels::EXPIRES_AT.into(), json!(expires));
    }
    annotations.insert(labels::SOURCE.into(), json!(meta.source));
    annotations.insert(labels::SPEC_HASH.into(), json!(meta.spec_hash));
    annotations.insert(
        labels::APPLIED_KINDS.into(),
        json!(meta.kinds.iter().cloned().collect::<Vec<_>>().join(",")),
    );
    if !meta.urls.is_empty() {
        annotations.insert(labels::URLS.into(), json!(meta.urls.join(",")));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": env.namespace,
            "labels": {
                labels::MANAGED_BY: labels::MANAGED_BY_VALUE,
                labels::ENV: env.name,
            },
            "annotations": annotations,
        }
    })
}

/// Whether applying `desired` would change the live namespace's labels or annotations (an
/// annotation qaenv no longer sets, such as the expiry after `--ttl never`, counts).
pub fn namespace_changed(live: &Value, desired: &Value) -> bool {
    for field in ["labels", "annotations"] {
        let want = desired.pointer(&format!("/metadata/{field}"));
        let have = live.pointer(&format!("/metadata/{field}"));
        if let Some(Value::Object(want)) = want {
            for (key, value) in want {
                if have.and_then(|h| h.get(key)) != Some(value) {
                    return true;
                }
            }
        }
    }
    // `never` drops the expiry qaenv set before; an environment without Ingress hosts any
    // more drops its URLs.
    OPTIONAL_ANNOTATIONS.iter().any(|key| {
        let pointer = format!("/metadata/annotations/{}", key.replace('/', "~1"));
        desired.pointer(&pointer).is_none() && live.pointer(&pointer).is_some()
    })
}

/// Warns, or refuses with `--strict-capacity`, when changed workloads will not fit.
async fn preflight(
    conn: &Connection,
    settings: &Settings,
    rendered: &Rendered,
    plan: &Plan,
    env: &EnvName,
    strict: bool,
) -> Result<()> {
    let workloads_change = plan.steps.iter().any(|s| {
        matches!(s.action, Action::Create | Action::Configure) && s.resource.is_workload()
    });
    if !workloads_change {
        return Ok(());
    }
    let cluster = apply::cluster_capacity(conn, &env.namespace).await?;
    let defaults = settings
        .limit_range
        .as_ref()
        .map(|l| capacity::limit_range_defaults(&l.default_request, &l.default))
        .unwrap_or_default();
    let needed = capacity::environment_requests(
        rendered.objects.iter().map(|o| (&o.resource, &o.object)),
        defaults,
        cluster.nodes,
    );
    let Some(shortfall) = capacity::shortfall(needed, &cluster) else {
        return Ok(());
    };
    if strict {
        return Err(Error::refused(
            format!("environment {} does not fit the cluster", env.name),
            shortfall,
        )
        .with_hint("free capacity (kubectl qaenv down an old environment), lower the requests, or drop --strict-capacity"));
    }
    eprintln!("warning: {shortfall}; pods may stay Pending");
    Ok(())
}

/// The state of a run that applies.
struct Run<'a> {
    conn: &'a Connection,
    env: &'a EnvName,
    rendered: &'a Rendered,
    plan: &'a Plan,
    dry_run: bool,
    /// What was written so far, for the failure report.
    applied: Vec<String>,
    /// The workloads `--redeploy` patched, as (kind, name).
    redeployed: BTreeSet<(String, String)>,
    progress: Progress,
    timeout: std::time::Duration,
    started: Instant,
}

impl Run<'_> {
    /// The error for a failure, after telling what was applied before it.
    fn failed(&self, error: Error) -> Error {
        if self.applied.is_empty() {
            eprintln!("nothing was applied before the failure");
        } else {
            eprintln!(
                "applied before the failure ({}): {}",
                self.applied.len(),
                self.applied.join(", ")
            );
        }
        error
    }

    async fn apply_namespace(&mut self, object: &Value, action: Action) -> Result<()> {
        apply::apply(
            self.conn,
            &kinds::namespace(),
            None,
            &self.env.namespace,
            object,
            self.dry_run,
        )
        .await
        .map_err(|e| {
            let error = self
                .conn
                .error(format!("apply namespace {}", self.env.namespace), &e);
            self.failed(error)
        })?;
        self.applied.push(format!(
            "namespace/{} {}",
            self.env.namespace,
            action.done()
        ));
        Ok(())
    }

    async fn apply_stage(&mut self, stage: usize) -> Result<()> {
        for (_class, steps) in self.plan.batches(stage) {
            let objects: Vec<&RenderedObject> = steps
                .iter()
                .filter_map(|s| s.object.map(|i| &self.rendered.objects[i]))
                .collect();
            let results = apply::apply_all(self.conn, &objects, self.dry_run).await;
            let mut first_error = None;
            for (step, result) in steps.iter().zip(results) {
                match result {
                    Ok(_) => {
                        self.applied
                            .push(format!("{} {}", step.display(), step.action.done()))
                    }
                    Err(error) => {
                        first_error.get_or_insert(error);
                    }
                }
            }
            if let Some(error) = first_error {
                return Err(self.failed(error));
            }
        }
        Ok(())
    }

    /// The workloads of a stage that `wait` can assess.
    fn workload_refs(&self, stage: usize) -> Vec<WorkloadRef> {
        self.rendered
            .objects
            .iter()
            .filter(|o| o.stage == stage && o.resource.is_workload())
            .filter_map(|o| {
                let kind = WorkloadKind::from_kind(&o.resource.kind)?;
                Some(WorkloadRef::new(kind, o.name.clone()))
            })
            .collect()
    }

    async fn wait_stage(&self, stage: usize, name: &str) -> Result<()> {
        let targets = self.workload_refs(stage);
        if targets.is_empty() {
            return Ok(());
        }
        let remaining = self.timeout.saturating_sub(self.started.elapsed());
        let selector = labels::env_selector(&self.env.name);
        let mut outcome = wait::wait_ready(
            self.conn,
            &self.env.namespace,
            Some(&selector),
            &targets,
            remaining,
            self.progress,
        )
        .await?;
        outcome.timeout = self.timeout;
        let what = if name == config::MAIN_STAGE {
            format!("wait for environment {}", self.env.name)
        } else {
            format!("wait for stage {name} of environment {}", self.env.name)
        };
        let mut stderr = io::stderr().lock();
        outcome.finish(&what, &mut stderr)
    }

    /// Patches a new deployment id into every workload of [`Plan::redeploy_targets`], reading
    /// each kind's workloads once (a full list: the patch depends on the live template).
    async fn redeploy(&mut self) -> Result<()> {
        let id = redeploy::new_id(Timestamp::now());
        let targets = self.plan.redeploy_targets();
        let mut seen = BTreeSet::new();
        for object in &self.rendered.objects {
            let resource = &object.resource;
            if !targets.contains(&(resource.kind.clone(), object.name.clone()))
                || !seen.insert(resource.key())
            {
                continue;
            }
            let live = apply::list_full(self.conn, resource, &self.env.namespace, &self.env.name)
                .await
                .map_err(|e| self.failed(e))?;
            for workload in live {
                let name = text(&workload, "/metadata/name");
                let key = (resource.kind.clone(), name.clone());
                if !targets.contains(&key) {
                    continue;
                }
                let patch = redeploy::deployment_id_patch(&workload, &id);
                apply::patch_json(self.conn, resource, Some(&self.env.namespace), &name, patch)
                    .await
                    .map_err(|e| {
                        let error = self
                            .conn
                            .error(format!("redeploy {}/{name}", resource.display()), &e);
                        self.failed(error)
                    })?;
                self.applied
                    .push(format!("{}/{name} redeployed", resource.display()));
                self.redeployed.insert(key);
            }
        }
        Ok(())
    }

    async fn prune(&mut self) -> Result<()> {
        for step in self.plan.prunes() {
            apply::delete(
                self.conn,
                &step.resource,
                step.namespace.as_deref(),
                &step.name,
                self.dry_run,
            )
            .await
            .map_err(|e| {
                let error = self.conn.error(format!("prune {}", step.display()), &e);
                self.failed(error)
            })?;
            self.applied.push(format!("{} pruned", step.display()));
        }
        Ok(())
    }

    /// `--dry-run`: the namespace and every object that would be applied go to the server
    /// with `dryRun=All`, which validates and answers without storing anything. Objects of a
    /// namespace that does not exist yet cannot be validated that way (the server answers
    /// NotFound for the namespace); they are planned as created. Prunes are planned from the
    /// list that found them and not sent at all: a DELETE carries its dry-run flag in the body,
    /// where a server or proxy that ignores it would delete for real.
    async fn dry_run(&mut self, namespace: &Value, action: Action, exists: bool) -> Result<()> {
        if action != Action::Unchanged {
            self.apply_namespace(namespace, action).await?;
        }
        if exists {
            for stage in 0..=self
                .rendered
                .objects
                .iter()
                .map(|o| o.stage)
                .max()
                .unwrap_or(0)
            {
                self.apply_stage(stage).await?;
            }
        } else {
            eprintln!(
                "note: namespace {} does not exist yet, so its objects were not validated by the server",
                self.env.namespace
            );
        }
        Ok(())
    }
}

/// What a run did beyond its plan.
#[derive(Clone, Copy, Debug)]
pub struct Outcome<'a> {
    /// What happened to the namespace.
    pub namespace_action: Action,
    /// The workloads `--redeploy` patched (or would patch), as (kind, name).
    pub redeployed: &'a BTreeSet<(String, String)>,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

/// Builds the report; redeployed workloads read `redeployed` (`redeploy` in a dry run).
pub fn report(
    env: &EnvName,
    settings: &Settings,
    rendered: &Rendered,
    plan: &Plan,
    meta: &NamespaceMeta,
    outcome: &Outcome<'_>,
) -> UpReport {
    let Outcome {
        namespace_action,
        redeployed,
        dry_run,
    } = *outcome;
    let word = |action: Action| {
        if dry_run {
            action.planned().to_string()
        } else {
            action.done().to_string()
        }
    };
    let redeploy_word = if dry_run { "redeploy" } else { "redeployed" };
    let action_of = |step: &plan::Step| {
        if redeployed.contains(&(step.resource.kind.clone(), step.name.clone())) {
            redeploy_word.to_string()
        } else {
            word(step.action)
        }
    };
    let objects: Vec<ObjectReport> = plan
        .steps
        .iter()
        .map(|step| ObjectReport {
            stage: settings
                .stages
                .get(step.stage)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            api_version: step.resource.api_version(),
            kind: step.resource.kind.clone(),
            name: step.name.clone(),
            action: action_of(step),
            display: step.display(),
        })
        .collect();
    let mut summary = BTreeMap::new();
    for object in &objects {
        *summary.entry(object.action.clone()).or_insert(0) += 1;
    }
    UpReport {
        environment: env.name.clone(),
        namespace: env.namespace.clone(),
        owner: meta.owner.clone(),
        expires_at: meta.expires_at.clone(),
        dry_run,
        namespace_action: word(namespace_action),
        objects,
        urls: render::urls(&rendered.objects),
        summary,
    }
}

/// `environment login (qa-login): 3 created, 30 unchanged in 0.4s`.
fn summary_line(report: &UpReport, elapsed: std::time::Duration) -> String {
    let counts: Vec<String> = report
        .summary
        .iter()
        .map(|(action, count)| format!("{count} {action}"))
        .collect();
    let prefix = if report.dry_run { "dry run: " } else { "" };
    format!(
        "{prefix}environment {} ({}): {} in {:.1}s",
        report.environment,
        report.namespace,
        if counts.is_empty() {
            "no objects".to_string()
        } else {
            counts.join(", ")
        },
        elapsed.as_secs_f64()
    )
}

/// Writes the report: a table of objects and actions and the URLs, or the data.
pub fn write_report(
    out: &mut impl Write,
    report: &UpReport,
    format: UpFormat,
    terminal: &Terminal,
) -> Result<()> {
    match format {
        UpFormat::Json => output::write_json(out, report).map_err(Error::output),
        UpFormat::Yaml => output::write_yaml(out, report).map_err(Error::output),
        UpFormat::Table => write_table(
            out,
            report,
            TableOptions {
                no_headers: false,
                color: terminal.color_stdout,
            },
        )
        .map_err(Error::output),
    }
}

/// The table form of the report.
pub fn write_table(
    out: &mut impl Write,
    report: &UpReport,
    options: TableOptions,
) -> io::Result<()> {
    let stages: BTreeSet<&str> = report.objects.iter().map(|o| o.stage.as_str()).collect();
    let with_stage = stages.len() > 1;
    let mut table = if with_stage {
        Table::new(["stage", "object", "action"])
    } else {
        Table::new(["object", "action"])
    };
    let namespace_row = [
        format!("namespace/{}", report.namespace),
        report.namespace_action.clone(),
    ];
    if with_stage {
        table.row([
            String::new(),
            namespace_row[0].clone(),
            namespace_row[1].clone(),
        ]);
    } else {
        table.row(namespace_row);
    }
    for object in &report.objects {
        if with_stage {
            table.row([
                object.stage.clone(),
                object.display.clone(),
                object.action.clone(),
            ]);
        } else {
            table.row([object.display.clone(), object.action.clone()]);
        }
    }
    table.render(out, options)?;
    if !report.urls.is_empty() {
        writeln!(out)?;
        let mut urls = Table::new(["url"]);
        for url in &report.urls {
            urls.row([url.clone()]);
        }
        urls.render(out, options)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    fn meta() -> NamespaceMeta {
        NamespaceMeta {
            owner: "alice".into(),
            created_at: "2026-11-22T10:00:00Z".into(),
            expires_at: Some("2026-11-29T10:00:00Z".into()),
            source: "deploy/".into(),
            spec_hash: "abc".into(),
            kinds: ["apps/v1/Deployment".to_string(), "v1/Service".to_string()].into(),
            urls: vec!["https://login.qa.example.com/".into()],
        }
    }

    #[test]
    fn namespace_carries_labels_and_annotations() {
        let env = EnvName::parse("feature/Login").unwrap();
        let ns = namespace_manifest(&env, &meta());
        assert_eq!(ns["metadata"]["name"], "qa-feature-login");
        assert_eq!(
            ns["metadata"]["labels"][labels::MANAGED_BY],
            "kubectl-qaenv"
        );
        assert_eq!(ns["metadata"]["labels"][labels::ENV], "feature-login");
        let a = &ns["metadata"]["annotations"];
        assert_eq!(a[labels::OWNER], "alice");
        assert_eq!(a[labels::EXPIRES_AT], "2026-11-29T10:00:00Z");
        assert_eq!(a[labels::APPLIED_KINDS], "apps/v1/Deployment,v1/Service");
        assert_eq!(a[labels::URLS], "https://login.qa.example.com/");
        let never = namespace_manifest(
            &env,
            &NamespaceMeta {
                expires_at: None,
                ..meta()
            },
        );
        assert!(never["metadata"]["annotations"]
            .get(labels::EXPIRES_AT)
            .is_none());
    }

    #[test]
    fn namespace_changes_are_detected() {
        let env = EnvName::parse("login").unwrap();
        let desired = namespace_manifest(&env, &meta());
        let mut live = desired.clone();
        live["metadata"]["labels"]["kubernetes.io/metadata.name"] = json!("qa-login");
        assert!(!namespace_changed(&live, &desired));
        let later = namespace_manifest(
            &env,
            &NamespaceMeta {
                expires_at: Some("2026-11-30T10:00:00Z".into()),
                ..meta()
            },
        );
        assert!(namespace_changed(&live, &later));
        let never = namespace_manifest(
            &env,
            &NamespaceMeta {
                expires_at: None,
                ..meta()
            },
        );
        assert!(namespace_changed(&live, &never));
        assert!(!namespace_changed(&never, &never));
        let no_urls = namespace_manifest(
            &env,
            &NamespaceMeta {
                urls: Vec::new(),
                ..meta()
            },
        );
        assert!(no_urls["metadata"]["annotations"]
            .get(labels::URLS)
            .is_none());
        assert!(
            namespace_changed(&live, &no_urls),
            "dropped URLs are a change"
        );
        assert!(!namespace_changed(&no_urls, &no_urls));
    }

    #[test]
    fn foreign_and_terminating_namespaces_are_refused() {
        let env = EnvName::parse("login").unwrap();
        let foreign = json!({"metadata": {"name": "qa-login", "labels": {"team": "a"}}});
        let err = check_namespace(Some(&foreign), &env, false).unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Refused);
        assert!(err.hint().unwrap_or_default().contains("--adopt"));
        assert!(check_namespace(Some(&foreign), &env, true).is_ok());
        let deleting = json!({"metadata": {"name": "qa-login", "deletionTimestamp": "x",
            "labels": {labels::MANAGED_BY: labels::MANAGED_BY_VALUE}}});
        assert_eq!(
            check_namespace(Some(&deleting), &env, true)
                .unwrap_err()
                .exit_code(),
            ExitCode::Refused
        );
        let other_env = json!({"metadata": {"labels": {labels::MANAGED_BY: labels::MANAGED_BY_VALUE, labels::ENV: "logi-n"}}});
        assert!(check_namespace(Some(&other_env), &env, false).is_err());
        assert!(check_namespace(None, &env, false).is_ok());
    }

    fn sample_report(stages: &[&str]) -> UpReport {
        let objects = stages
            .iter()
            .enumerate()
            .map(|(i, stage)| ObjectReport {
                stage: (*stage).to_string(),
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                name: format!("web{i}"),
                action: if i == 0 { "created" } else { "unchanged" }.into(),
                display: format!("deployment.apps/web{i}"),
            })
            .collect();
        UpReport {
            environment: "login".into(),
            namespace: "qa-login".into(),
            owner: "alice".into(),
            expires_at: Some("2026-11-29T10:00:00Z".into()),
            dry_run: false,
            namespace_action: "configured".into(),
            objects,
            urls: vec!["http://login.qa.example.com/".into()],
            summary: [("created".to_string(), 1), ("unchanged".to_string(), 1)].into(),
        }
    }

    #[test]
    fn table_lists_objects_then_urls() {
        let mut out = Vec::new();
        write_table(
            &mut out,
            &sample_report(&["main", "main"]),
            TableOptions::default(),
        )
        .unwrap();
        insta::assert_snapshot!(String::from_utf8_lossy(&out), @r"
        OBJECT                 ACTION
        namespace/qa-login     configured
        deployment.apps/web0   created
        deployment.apps/web1   unchanged

        URL
        http://login.qa.example.com/
        ");
        let mut out = Vec::new();
        write_table(
            &mut out,
            &sample_report(&["queue", "app"]),
            TableOptions::default(),
        )
        .unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("STAGE"), "{text}");
        assert!(text.contains("queue   deployment.apps/web0"), "{text}");
        assert_eq!(
            summary_line(
                &sample_report(&["main"]),
                std::time::Duration::from_millis(420)
            ),
            "environment login (qa-login): 1 created, 1 unchanged in 0.4s"
        );
    }

    #[test]
    fn json_report_is_data() {
        let mut out = Vec::new();
        write_report(
            &mut out,
            &sample_report(&["main"]),
            UpFormat::Json,
            &Terminal::default(),
        )
        .unwrap();
        let value: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["namespace"], "qa-login");
        assert_eq!(value["objects"][0]["kind"], "Deployment");
        assert_eq!(value["objects"][0]["action"], "created");
        assert!(value["objects"][0].get("display").is_none());
        assert_eq!(value["urls"][0], "http://login.qa.example.com/");
        assert_eq!(value["expiresAt"], "2026-11-29T10:00:00Z");
    }
}
