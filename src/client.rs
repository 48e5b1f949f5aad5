//! The one place that finds the cluster and builds the `kube::Client`.
//!
//! It follows kubectl: `--kubeconfig PATH` replaces `$KUBECONFIG`; `$KUBECONFIG` may list several
//! files, merged with the first file winning and missing files skipped; otherwise
//! `~/.kube/config`; with no kubeconfig at all, the pod's service account when running in a
//! cluster. `--context` picks a context, the context's namespace is the default namespace
//! (`default` when it has none), and `--request-timeout` bounds every request. Exec credential
//! plugins, tokens and client certificates work as kube-rs supports them; TLS is rustls.
//!
//! Resolution is split into pure steps ([`kubeconfig_paths`], [`load_kubeconfig`],
//! [`select_context`], [`parse_request_timeout`]) that tests drive with temporary files, and
//! [`connect`], which does the rest.

use std::{
    ffi::OsStr,
    future::Future,
    path::{Path, PathBuf},
    pin::Pin,
    task::{Context as TaskContext, Poll},
    time::{Duration, Instant},
};

use http::{HeaderName, HeaderValue, Request, Response};
use kube::{
    client::{Body, ClientBuilder},
    config::{KubeConfigOptions, Kubeconfig, KubeconfigError},
    Config,
};
use tower::{BoxError, Layer, Service};

use crate::error::{format_duration, Endpoint, Error, RequestTimedOut, Result};

/// The connection flags shared by every command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `--request-timeout`; `None` or zero means no limit.
    pub request_timeout: Option<Duration>,
    /// `-v`: log every request on stderr.
    pub verbose: bool,
}

/// A ready client and what it points at.
#[derive(Clone)]
pub struct Connection {
    /// The client every API call goes through.
    pub client: kube::Client,
    /// Server and context, for error messages.
    pub endpoint: Endpoint,
    /// The current context's namespace (`default` when it names none); `-n` defaults to it.
    pub namespace: String,
    /// The kubeconfig user (auth-info name) of the context; `None` in a cluster. `up` records
    /// it as the environment's owner when `--owner` is not given.
    pub user: Option<String>,
}

impl Connection {
    /// Turns a kube-rs error met while doing `what` into the plugin's error.
    pub fn error(&self, what: impl Into<String>, err: &kube::Error) -> Error {
        Error::api(what, err, &self.endpoint)
    }
}

/// Which kubeconfig files to read, and how strict to be about them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KubeconfigPaths {
    /// `--kubeconfig PATH`: the file must exist.
    Flag(PathBuf),
    /// `$KUBECONFIG`: files merged in order, missing ones skipped (as client-go does).
    Env(Vec<PathBuf>),
    /// `~/.kube/config`, which may be absent (then in-cluster configuration is tried).
    Default(PathBuf),
    /// No home directory and no `$KUBECONFIG`.
    None,
}

/// Decides which kubeconfig files to read from the flag, `$KUBECONFIG` and the home directory.
pub fn kubeconfig_paths(
    flag: Option<&Path>,
    env: Option<&OsStr>,
    home: Option<&Path>,
) -> KubeconfigPaths {
    if let Some(path) = flag {
        return KubeconfigPaths::Flag(path.to_path_buf());
    }
    if let Some(value) = env {
        let paths: Vec<PathBuf> = std::env::split_paths(value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !paths.is_empty() {
            return KubeconfigPaths::Env(paths);
        }
    }
    match home {
        Some(home) => KubeconfigPaths::Default(home.join(".kube").join("config")),
        None => KubeconfigPaths::None,
    }
}

/// A kubeconfig merged from the files that were read.
#[derive(Clone, Debug)]
pub struct LoadedKubeconfig {
    /// The merged configuration.
    pub config: Kubeconfig,
    /// The files it came from, for messages.
    pub files: Vec<PathBuf>,
}

impl LoadedKubeconfig {
    fn describe_files(&self) -> String {
        self.files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Reads and merges the kubeconfig files. `Ok(None)` means there is no kubeconfig at all, so
/// the caller may fall back to in-cluster configuration.
pub fn load_kubeconfig(paths: &KubeconfigPaths) -> Result<Option<LoadedKubeconfig>> {
    let candidates: Vec<PathBuf> = match paths {
        KubeconfigPaths::Flag(path) => {
            let config = read_one(path)?;
            return Ok(Some(LoadedKubeconfig {
                config,
                files: vec![path.clone()],
            }));
        }
        KubeconfigPaths::Env(paths) => paths.clone(),
        KubeconfigPaths::Default(path) => vec![path.clone()],
        KubeconfigPaths::None => Vec::new(),
    };
    let mut merged: Option<Kubeconfig> = None;
    let mut files = Vec::new();
    for path in candidates {
        if !path.exists() {
            continue;
        }
        let next = read_one(&path)?;
        merged = Some(match merged {
            None => next,
            Some(first) => first.merge(next).map_err(|e| {
                Error::new(format!("cannot merge kubeconfig {}", path.display()), e)
            })?,
        });
        files.push(path);
    }
    Ok(merged.map(|config| LoadedKubeconfig { config, files }))
}

fn read_one(path: &Path) -> Result<Kubeconfig> {
    Kubeconfig::read_from(path).map_err(|e| match e {
        KubeconfigError::ReadConfig(io, _) => {
            Error::new(format!("cannot read kubeconfig {}", path.display()), io)
                .with_hint("check the path given to --kubeconfig or listed in KUBECONFIG")
        }
        KubeconfigError::Parse(parse) => {
            Error::new(format!("cannot parse kubeconfig {}", path.display()), parse).with_hint(
                "the file is not a valid kubeconfig; check it with `kubectl config view`",
            )
        }
        other => Error::new(format!("cannot load kubeconfig {}", path.display()), other),
    })
}

/// The context a command will use, checked before kube-rs builds the configuration so the
/// errors can say what is wrong and which contexts exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectedContext {
    /// The context's name.
    pub name: String,
    /// The context's namespace, or `default`.
    pub namespace: String,
    /// The cluster's server URL.
    pub server: String,
    /// The context's user (auth-info name), if it names one.
    pub user: Option<String>,
}

/// Picks `--context` or the current context and checks that its cluster exists and has a
/// server.
pub fn select_context(loaded: &LoadedKubeconfig, context: Option<&str>) -> Result<SelectedContext> {
    let config = &loaded.config;
    let known: Vec<&str> = config.contexts.iter().map(|c| c.name.as_str()).collect();
    let known_text = if known.is_empty() {
        "it defines no contexts".to_string()
    } else {
        format!("known contexts: {}", known.join(", "))
    };
    let name = match context
        .or(config.current_context.as_deref())
        .filter(|n| !n.is_empty())
    {
        Some(name) => name.to_string(),
        None => {
            return Err(Error::new(
                format!(
                    "no current context in kubeconfig {}",
                    loaded.describe_files()
                ),
                known_text,
            )
            .with_hint("pass --context NAME or run `kubectl config use-context NAME`"));
        }
    };
    let Some(ctx) = config
        .contexts
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.context.as_ref())
    else {
        return Err(Error::new(
            format!(
                "context \"{name}\" not found in kubeconfig {}",
                loaded.describe_files()
            ),
            known_text,
        )
        .with_hint("list the contexts with `kubectl config get-contexts`"));
    };
    let Some(cluster) = config
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.as_ref())
    else {
        return Err(Error::new(
            format!("context \"{name}\" cannot be used"),
            format!(
                "its cluster \"{}\" is not defined in the kubeconfig",
                ctx.cluster
            ),
        ));
    };
    let Some(server) = cluster.server.clone().filter(|s| !s.is_empty()) else {
        return Err(Error::new(
            format!("context \"{name}\" cannot be used"),
            format!("its cluster \"{}\" has no server URL", ctx.cluster),
        ));
    };
    Ok(SelectedContext {
        name,
        namespace: ctx
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".into()),
        server,
        user: ctx.user.clone().filter(|u| !u.is_empty()),
    })
}

/// Parses `--request-timeout` the way kubectl does: a bare integer is seconds, otherwise a Go
/// duration (`500ms`, `5s`, `1m30s`, `1.5h`); `0` means no timeout.
pub fn parse_request_timeout(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    parse_go_duration(text).ok_or_else(|| {
        format!(
            "invalid timeout value {text:?}: use a number of seconds or a number with a unit (e.g. 1s, 2m, 3h); 0 means no timeout"
        )
    })
}

/// Parses a Go duration (`time.ParseDuration` without sign): `500ms`, `5s`, `1m30s`, `1.5h`,
/// `34.475s`. Every duration flag and the metrics API's `window` go through it, so one
/// grammar serves them all; `None` for anything else.
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return None;
        }
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * seconds_per_unit;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// Where the configuration came from, for `-v` and for errors.
fn in_cluster_available() -> bool {
    std::env::var_os("KUBERNETES_SERVICE_HOST").is_some_and(|v| !v.is_empty())
}

/// Builds the client from the connection flags and the environment.
///
/// # Errors
///
/// Missing, unreadable or garbled kubeconfig files, an unknown context, a context without a
/// usable cluster, or credentials that cannot be loaded (certificate files, exec plugins). No
/// request is sent here; network failures surface on the first API call.
pub async fn connect(options: &ConnectOptions) -> Result<Connection> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let kubeconfig_env = std::env::var_os("KUBECONFIG");
    let paths = kubeconfig_paths(
        options.kubeconfig.as_deref(),
        kubeconfig_env.as_deref(),
        home.as_deref(),
    );
    let loaded = load_kubeconfig(&paths)?;

    let mut user = None;
    let (mut config, endpoint) = match loaded {
        Some(loaded) => {
            let selected = select_context(&loaded, options.context.as_deref())?;
            if options.verbose {
                eprintln!(
                    "using context \"{}\" from {} (server {}, namespace {})",
                    selected.name,
                    loaded.describe_files(),
                    selected.server,
                    selected.namespace
                );
            }
            let kube_options = KubeConfigOptions {
                context: Some(selected.name.clone()),
                ..KubeConfigOptions::default()
            };
            let config = Config::from_custom_kubeconfig(loaded.config, &kube_options)
                .await
                .map_err(|e| {
                    Error::new(format!("cannot use context \"{}\"", selected.name), e)
                        .with_hint("check the cluster and user entries of this context (`kubectl config view`)")
                })?;
            user = selected.user.clone();
            let endpoint = Endpoint {
                server: selected.server,
                context: Some(selected.name),
            };
            (config, endpoint)
        }
        None if options.context.is_none() && in_cluster_available() => {
            let config = Config::incluster().map_err(|e| {
                Error::new("cannot use the in-cluster service account", e)
                    .with_hint("mount the service account token or pass --kubeconfig")
            })?;
            if options.verbose {
                eprintln!(
                    "using the in-cluster service account (server {})",
                    config.cluster_url
                );
            }
            let endpoint = Endpoint {
                server: config.cluster_url.to_string(),
                context: None,
            };
            (config, endpoint)
        }
        None => return Err(no_kubeconfig_error(&paths, options.context.as_deref())),
    };

    match options.request_timeout {
        Some(timeout) if !timeout.is_zero() => {
            config.connect_timeout = Some(timeout);
            config.read_timeout = Some(timeout);
            config.write_timeout = Some(timeout);
        }
        _ => {}
    }
    config.headers.push((
        HeaderName::from_static("user-agent"),
        HeaderValue::from_str(&user_agent()).unwrap_or(HeaderValue::from_static("kubectl-qaenv")),
    ));
    let namespace = config.default_namespace.clone();
    let layer = RequestLayer {
        timeout: options.request_timeout.filter(|t| !t.is_zero()),
        log: options
            .verbose
            .then(|| endpoint.server.trim_end_matches('/').to_string()),
    };
    let client = ClientBuilder::try_from(config)
        .map_err(|e| Error::new("cannot build the API client", e))?
        .with_layer(&layer)
        .build();
    Ok(Connection {
        client,
        endpoint,
        namespace,
        user,
    })
}

fn no_kubeconfig_error(paths: &KubeconfigPaths, context: Option<&str>) -> Error {
    let cause = match paths {
        KubeconfigPaths::Env(files) => format!(
            "none of the files in KUBECONFIG exist ({})",
            files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        KubeconfigPaths::Default(path) => {
            format!("{} does not exist and this is not a pod", path.display())
        }
        KubeconfigPaths::None | KubeconfigPaths::Flag(_) => {
            "no KUBECONFIG and no home directory".to_string()
        }
    };
    let what = match context {
        Some(name) => format!("context \"{name}\" not found: no kubeconfig"),
        None => "no kubeconfig found".to_string(),
    };
    Error::new(what, cause).with_hint(
        "pass --kubeconfig PATH or set KUBECONFIG; to try qaenv without a cluster, run scripts/demo",
    )
}

/// `kubectl-qaenv/v0.1.0 (linux/x86_64)`, so server audit logs show who called.
pub fn user_agent() -> String {
    format!(
        "kubectl-qaenv/v{} ({}/{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Bounds each request by `--request-timeout` and, with `-v`, logs one line per request on
/// stderr (method, URL, status, time; never headers, so never credentials).
#[derive(Clone, Debug)]
struct RequestLayer {
    timeout: Option<Duration>,
    /// The server URL to prefix logged paths with; `None` when not logging.
    log: Option<String>,
}

impl<S> Layer<S> for RequestLayer {
    type Service = RequestService<S>;

    fn layer(&self, inner: S) -> RequestService<S> {
        RequestService {
            inner,
            timeout: self.timeout,
            log: self.log.clone(),
        }
    }
}

struct RequestService<S> {
    inner: S,
    timeout: Option<Duration>,
    log: Option<String>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<Request<Body>> for RequestService<S>
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response<B>;
    type Error = BoxError;
    type Future = BoxFuture<std::result::Result<Response<B>, BoxError>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<std::result::Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let line = self.log.as_ref().map(|server| {
            let uri = request.uri().to_string();
            format!(
                "{} {}{}",
                request.method(),
                server,
                uri.trim_end_matches('?')
            )
        });
        let timeout = self.timeout;
        let future = self.inner.call(request);
        Box::pin(async move {
            let started = Instant::now();
            let result = match timeout {
                Some(limit) => match tokio::time::timeout(limit, future).await {
                    Ok(result) => result.map_err(Into::into),
                    Err(_) => Err(Box::new(RequestTimedOut(limit)) as BoxError),
                },
                None => future.await.map_err(Into::into),
            };
            if let Some(line) = line {
                let elapsed = started.elapsed().as_millis();
                match &result {
                    Ok(response) => {
                        eprintln!("{line} {} in {elapsed} milliseconds", response.status())
                    }
                    Err(err) => eprintln!("{line} failed after {elapsed} milliseconds: {err}"),
                }
            }
            result
        })
    }
}

/// `5s`, for messages about `--request-timeout`.
pub fn describe_timeout(timeout: Option<Duration>) -> String {
    match timeout {
        Some(t) if !t.is_zero() => format_duration(t),
        _ => "none".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const TWO_CONTEXTS: &str = r#"
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster: {server: "https://dev.example:6443"}
- name: nourl
  cluster: {}
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
- name: plain
  context: {cluster: dev-cluster, user: dev-user}
- name: broken
  context: {cluster: missing, user: dev-user}
- name: nourl
  context: {cluster: nourl, user: dev-user}
users:
- name: dev-user
  user: {token: abc}
"#;

    const OTHER: &str = r#"
apiVersion: v1
kind: Config
current-context: other
clusters:
- name: other-cluster
  cluster: {server: "https://other.example"}
contexts:
- name: other
  context: {cluster: other-cluster, user: u}
- name: dev
  context: {cluster: other-cluster, user: u, namespace: shadowed}
users:
- name: u
  user: {token: x}
"#;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn flag_replaces_kubeconfig_env() {
        let paths = kubeconfig_paths(
            Some(Path::new("/a")),
            Some(OsStr::new("/b:/c")),
            Some(Path::new("/home/u")),
        );
        assert_eq!(paths, KubeconfigPaths::Flag("/a".into()));
    }

    #[test]
    fn env_lists_several_files_and_ignores_empty_entries() {
        let value = std::env::join_paths(["/b", "", "/c"]).unwrap();
        let paths = kubeconfig_paths(None, Some(&value), None);
        assert_eq!(paths, KubeconfigPaths::Env(vec!["/b".into(), "/c".into()]));
    }

    #[test]
    fn default_is_home_kube_config() {
        assert_eq!(
            kubeconfig_paths(None, Some(OsStr::new("")), Some(Path::new("/home/u"))),
            KubeconfigPaths::Default("/home/u/.kube/config".into())
        );
        assert_eq!(kubeconfig_paths(None, None, None), KubeconfigPaths::None);
    }

    #[test]
    fn merged_files_first_wins_and_missing_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let first = write(dir.path(), "first", TWO_CONTEXTS);
        let second = write(dir.path(), "second", OTHER);
        let missing = dir.path().join("missing");
        let paths = KubeconfigPaths::Env(vec![missing, first, second]);
        let loaded = load_kubeconfig(&paths).unwrap().unwrap();
        assert_eq!(loaded.files.len(), 2);
        let current = select_context(&loaded, None).unwrap();
        assert_eq!(current.name, "dev");
        assert_eq!(current.namespace, "team-a", "the first file's `dev` wins");
        let other = select_context(&loaded, Some("other")).unwrap();
        assert_eq!(other.server, "https://other.example");
        assert_eq!(other.namespace, "default");
    }

    #[test]
    fn no_files_at_all_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let paths = KubeconfigPaths::Env(vec![dir.path().join("nope")]);
        assert!(load_kubeconfig(&paths).unwrap().is_none());
        let paths = KubeconfigPaths::Default(dir.path().join("config"));
        assert!(load_kubeconfig(&paths).unwrap().is_none());
        let error = no_kubeconfig_error(&paths, None);
        assert!(
            error.to_string().starts_with("no kubeconfig found: "),
            "{error}"
        );
        assert!(error.hint().unwrap_or_default().contains("--kubeconfig"));
    }

    #[test]
    fn missing_flag_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.yaml");
        let error = load_kubeconfig(&KubeconfigPaths::Flag(path.clone())).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot read kubeconfig {}: ", path.display())),
            "{error}"
        );
    }

    #[test]
    fn garbled_file_is_a_parse_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "bad", "clusters: [ {name: x\n  :: nope");
        let error = load_kubeconfig(&KubeconfigPaths::Flag(path.clone())).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot parse kubeconfig {}: ", path.display())),
            "{error}"
        );
        assert_eq!(error.report().lines().count(), 2, "{}", error.report());
    }

    #[test]
    fn unknown_context_lists_known_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "kc", TWO_CONTEXTS);
        let loaded = load_kubeconfig(&KubeconfigPaths::Flag(path.clone()))
            .unwrap()
            .unwrap();
        let error = select_context(&loaded, Some("prod")).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "context \"prod\" not found in kubeconfig {}: known contexts: dev, plain, broken, nourl",
                path.display()
            )
        );
        assert!(error.hint().unwrap_or_default().contains("get-contexts"));
    }

    #[test]
    fn contexts_without_usable_cluster_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "kc", TWO_CONTEXTS);
        let loaded = load_kubeconfig(&KubeconfigPaths::Flag(path))
            .unwrap()
            .unwrap();
        let broken = select_context(&loaded, Some("broken"))
            .unwrap_err()
            .to_string();
        assert!(
            broken.contains("cluster \"missing\" is not defined"),
            "{broken}"
        );
        let nourl = select_context(&loaded, Some("nourl"))
            .unwrap_err()
            .to_string();
        assert!(nourl.contains("has no server URL"), "{nourl}");
    }

    #[test]
    fn empty_kubeconfig_has_no_current_context() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "empty", "");
        let loaded = load_kubeconfig(&KubeconfigPaths::Flag(path))
            .unwrap()
            .unwrap();
        let error = select_context(&loaded, None).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("no current context in kubeconfig"),
            "{error}"
        );
        assert!(
            error.to_string().ends_with("it defines no contexts"),
            "{error}"
        );
    }

    #[test]
    fn request_timeout_parses_like_kubectl() {
        let ok = [
            ("0", Duration::ZERO),
            ("5", Duration::from_secs(5)),
            ("5s", Duration::from_secs(5)),
            ("1m", Duration::from_secs(60)),
            ("1m30s", Duration::from_secs(90)),
            ("1.5h", Duration::from_secs(5400)),
            ("250ms", Duration::from_millis(250)),
        ];
        for (text, expected) in ok {
            assert_eq!(parse_request_timeout(text), Ok(expected), "{text}");
        }
        for bad in ["", "-1", "5x", "s", "1..2s", "m5"] {
            assert!(parse_request_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn go_durations_parse_like_metrics_windows() {
        let ok = [
            ("34.475s", Duration::from_millis(34_475)),
            ("1m0s", Duration::from_secs(60)),
            ("200ms", Duration::from_millis(200)),
            ("0", Duration::ZERO),
        ];
        for (text, expected) in ok {
            assert_eq!(parse_go_duration(text), Some(expected), "{text}");
        }
        for bad in ["", "15", "-1s", "1d"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn user_agent_names_the_plugin() {
        assert!(user_agent().starts_with("kubectl-qaenv/v"));
    }

    #[test]
    fn timeouts_are_described() {
        assert_eq!(describe_timeout(None), "none");
        assert_eq!(describe_timeout(Some(Duration::ZERO)), "none");
        assert_eq!(describe_timeout(Some(Duration::from_secs(5))), "5s");
    }
}
