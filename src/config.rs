//! `qaenv.toml`: the project file that gives `up` its defaults, and the settings `up` runs with
//! once the command line has overridden them.
//!
//! [`parse`] reads the file's text (pure, unit-tested); [`load`] finds and reads the file (the
//! only I/O); [`Settings::resolve`] merges it with the flags: flags win, paths in the file are
//! relative to the file's directory. The schema is documented in the README.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::Deserialize;

use crate::{
    error::{Error, ExitCode, Result},
    labels,
};

/// The contents of `qaenv.toml`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// Prefix of environment namespaces (default `qa-`).
    pub namespace_prefix: Option<String>,
    /// Manifest files or directories: one stage. Exclusive with `stages`.
    #[serde(default)]
    pub sources: Vec<String>,
    /// A kustomization directory rendered with `kubectl kustomize`, part of the same stage.
    pub kustomize: Option<String>,
    /// Ordered stages: each is applied and waited Ready before the next starts.
    #[serde(default)]
    pub stages: Vec<StageConfig>,
    /// `${NAME}` variables for the manifests (`--set` overrides).
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Image overrides by container name or image repository (`--image` overrides).
    #[serde(default)]
    pub images: BTreeMap<String, String>,
    /// Time to live (`7d`, `36h`, `never`); default 7 days.
    pub ttl: Option<String>,
    /// Host template of the environment's URL, e.g. `{name}.qa.example.com`.
    pub host: Option<String>,
    /// `spec.hard` of a ResourceQuota applied into every environment.
    pub quota: Option<BTreeMap<String, String>>,
    /// Container defaults and bounds of a LimitRange applied into every environment.
    pub limit_range: Option<LimitRangeConfig>,
    /// A NetworkPolicy that isolates the environment.
    pub isolation: Option<IsolationConfig>,
    /// Image-pull secrets copied into the environment and attached to its default
    /// ServiceAccount.
    #[serde(default)]
    pub pull_secrets: Vec<PullSecretConfig>,
}

/// One `[[stages]]` entry.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StageConfig {
    /// The stage's name, shown in progress and output.
    pub name: String,
    /// Manifest files or directories.
    #[serde(default)]
    pub sources: Vec<String>,
    /// A kustomization directory.
    pub kustomize: Option<String>,
}

/// `[limit_range]`: per-container values, each a map of resource name to quantity.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LimitRangeConfig {
    /// Limits given to containers that set none.
    #[serde(default)]
    pub default: BTreeMap<String, String>,
    /// Requests given to containers that set none.
    #[serde(default)]
    pub default_request: BTreeMap<String, String>,
    /// Largest allowed limits.
    #[serde(default)]
    pub max: BTreeMap<String, String>,
    /// Smallest allowed requests.
    #[serde(default)]
    pub min: BTreeMap<String, String>,
}

/// `[isolation]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IsolationConfig {
    /// Whether to apply the NetworkPolicy (default true once the section exists).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Namespaces whose pods may reach the environment: the ingress controller's (k3s runs
    /// Traefik in `kube-system`, the default; ingress-nginx runs in `ingress-nginx`).
    #[serde(default = "default_ingress_namespaces")]
    pub ingress_namespaces: Vec<String>,
}

fn yes() -> bool {
    true
}

fn default_ingress_namespaces() -> Vec<String> {
    vec!["kube-system".to_string()]
}

/// One `[[pull_secrets]]` entry.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PullSecretConfig {
    /// The secret's name, in the source namespace and in the environment.
    pub name: String,
    /// The namespace to copy it from (default `default`).
    #[serde(default = "default_namespace")]
    pub from_namespace: String,
}

fn default_namespace() -> String {
    "default".to_string()
}

/// Parses the text of a `qaenv.toml` (`origin` names it in errors).
pub fn parse(text: &str, origin: &str) -> Result<ProjectConfig> {
    let config: ProjectConfig = toml::from_str(text).map_err(|e| {
        Error::new(format!("invalid {origin}"), e.to_string().trim())
            .with_hint("the schema of qaenv.toml is in the README (section qaenv.toml)")
    })?;
    if !config.stages.is_empty() && (!config.sources.is_empty() || config.kustomize.is_some()) {
        return Err(Error::new(
            format!("invalid {origin}"),
            "both `sources` and `[[stages]]` are set",
        )
        .with_hint("put every source into a stage, or use `sources` alone for one stage"));
    }
    for (index, stage) in config.stages.iter().enumerate() {
        if stage.name.trim().is_empty() {
            return Err(Error::new(
                format!("invalid {origin}"),
                format!("stage {} has no name", index + 1),
            ));
        }
        if stage.sources.is_empty() && stage.kustomize.is_none() {
            return Err(Error::new(
                format!("invalid {origin}"),
                format!("stage {:?} has no sources and no kustomize", stage.name),
            ));
        }
    }
    if let Some(ttl) = &config.ttl {
        parse_ttl(ttl).map_err(|e| Error::new(format!("invalid {origin}"), format!("ttl: {e}")))?;
    }
    Ok(config)
}

/// Reads `--config PATH` (which must exist) or `./qaenv.toml` (which may be absent).
/// Returns the configuration and the directory its relative paths start from.
pub fn load(flag: Option<&Path>, cwd: &Path) -> Result<(ProjectConfig, PathBuf)> {
    let (path, required) = match flag {
        Some(path) => (path.to_path_buf(), true),
        None => (cwd.join(labels::CONFIG_FILE), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let config = parse(&text, &path.display().to_string())?;
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| cwd.to_path_buf());
            Ok((config, dir))
        }
        Err(err) if !required && err.kind() == std::io::ErrorKind::NotFound => {
            Ok((ProjectConfig::default(), cwd.to_path_buf()))
        }
        Err(err) => Err(Error::io(format!("cannot read {}", path.display()), err)),
    }
}

/// Time to live of an environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ttl {
    /// Expires this long after the latest `up`.
    After(Duration),
    /// Never expires (`never`).
    Never,
}

/// The default time to live: 7 days.
pub const DEFAULT_TTL: Ttl = Ttl::After(Duration::from_secs(7 * 24 * 3600));

/// Parses a TTL: `never`, or a duration with units `s`, `m`, `h`, `d`, `w` (`7d`, `1d12h`,
/// `90m`); a bare number is hours.
pub fn parse_ttl(text: &str) -> std::result::Result<Ttl, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("never") {
        return Ok(Ttl::Never);
    }
    let duration = parse_duration(text, 3600)?;
    if duration.is_zero() {
        return Err("a TTL of zero would expire at once; use `never` to pin".into());
    }
    Ok(Ttl::After(duration))
}

/// Parses `--timeout`: a duration with units `ms`, `s`, `m`, `h`, `d` (`10m`, `1m30s`); a bare
/// number is seconds.
pub fn parse_timeout(text: &str) -> std::result::Result<Duration, String> {
    parse_duration(text.trim(), 1)
}

/// Parses a duration made of `<number><unit>` parts; a bare integer counts `bare_unit` seconds.
fn parse_duration(text: &str, bare_unit: u64) -> std::result::Result<Duration, String> {
    let invalid = || format!("invalid duration {text:?}: use e.g. 30m, 12h, 7d or 1d12h");
    if text.is_empty() {
        return Err(invalid());
    }
    if let Ok(n) = text.parse::<u64>() {
        return n
            .checked_mul(bare_unit)
            .map(Duration::from_secs)
            .ok_or_else(invalid);
    }
    let mut rest = text;
    let mut total = 0f64;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(invalid());
        }
        let number: f64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "w" => 7.0 * 86400.0,
            _ => return Err(invalid()),
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    Duration::try_from_secs_f64(total).map_err(|_| invalid())
}

/// Where one stage's manifests come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StageSources {
    /// The stage's name (`main` for the single stage of `-f`/`-k`/`sources`).
    pub name: String,
    /// Files and directories; `-` is stdin.
    pub paths: Vec<PathBuf>,
    /// A kustomization directory.
    pub kustomize: Option<PathBuf>,
}

/// What the command line of `up` contributes to the settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `-f`.
    pub files: Vec<PathBuf>,
    /// `-k`.
    pub kustomize: Option<PathBuf>,
    /// `--set KEY=VALUE`, in order.
    pub vars: Vec<(String, String)>,
    /// `--image KEY=REF`, in order.
    pub images: Vec<(String, String)>,
    /// `--ttl`.
    pub ttl: Option<Ttl>,
}

/// The settings `up` runs with.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Namespace prefix.
    pub namespace_prefix: String,
    /// Stages in order; never empty.
    pub stages: Vec<StageSources>,
    /// Variables from the file, then `--set` (later wins).
    pub vars: BTreeMap<String, String>,
    /// Image overrides from the file, then `--image` (later wins).
    pub images: Vec<(String, String)>,
    /// Time to live.
    pub ttl: Ttl,
    /// Host template.
    pub host: Option<String>,
    /// ResourceQuota `spec.hard`.
    pub quota: Option<BTreeMap<String, String>>,
    /// LimitRange.
    pub limit_range: Option<LimitRangeConfig>,
    /// NetworkPolicy, when enabled.
    pub isolation: Option<IsolationConfig>,
    /// Pull secrets to copy.
    pub pull_secrets: Vec<PullSecretConfig>,
    /// Where the settings came from, for the namespace's source annotation.
    pub source: String,
}

/// The name of the single stage of `-f`/`-k`/`sources`.
pub const MAIN_STAGE: &str = "main";

impl Settings {
    /// Merges the file (`config`, whose relative paths start at `dir`) and the flags. `-f` and
    /// `-k` replace the file's sources and stages.
    pub fn resolve(config: &ProjectConfig, dir: &Path, flags: &Overrides) -> Result<Settings> {
        let relative = |p: &str| -> PathBuf {
            let path = PathBuf::from(p);
            if p == "-" || path.is_absolute() {
                path
            } else {
                dir.join(path)
            }
        };
        let (stages, source) = if !flags.files.is_empty() || flags.kustomize.is_some() {
            let mut parts: Vec<String> = flags
                .files
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            if let Some(k) = &flags.kustomize {
                parts.push(format!("-k {}", k.display()));
            }
            (
                vec![StageSources {
                    name: MAIN_STAGE.into(),
                    paths: flags.files.clone(),
                    kustomize: flags.kustomize.clone(),
                }],
                parts.join(","),
            )
        } else if !config.stages.is_empty() {
            let stages: Vec<StageSources> = config
                .stages
                .iter()
                .map(|s| StageSources {
                    name: s.name.clone(),
                    paths: s.sources.iter().map(|p| relative(p)).collect(),
                    kustomize: s.kustomize.as_deref().map(relative),
                })
                .collect();
            (stages, labels::CONFIG_FILE.to_string())
        } else if !config.sources.is_empty() || config.kustomize.is_some() {
            (
                vec![StageSources {
                    name: MAIN_STAGE.into(),
                    paths: config.sources.iter().map(|p| relative(p)).collect(),
                    kustomize: config.kustomize.as_deref().map(relative),
                }],
                labels::CONFIG_FILE.to_string(),
            )
        } else {
            return Err(Error::new("no manifests to apply", "no -f, -k or qaenv.toml sources")
                .with_hint(
                    "pass -f PATH (a file, a directory or - for stdin) or -k DIR, or list `sources` in qaenv.toml",
                )
                .with_exit(ExitCode::Usage));
        };
        let mut vars = config.vars.clone();
        for (key, value) in &flags.vars {
            vars.insert(key.clone(), value.clone());
        }
        let mut images: Vec<(String, String)> = config
            .images
            .iter()
            .filter(|(k, _)| !flags.images.iter().any(|(fk, _)| fk == *k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        images.extend(flags.images.iter().cloned());
        let ttl = match (flags.ttl, &config.ttl) {
            (Some(ttl), _) => ttl,
            (None, Some(text)) => parse_ttl(text)
                .map_err(|e| Error::new("invalid qaenv.toml", format!("ttl: {e}")))?,
            (None, None) => DEFAULT_TTL,
        };
        Ok(Settings {
            namespace_prefix: config
                .namespace_prefix
                .clone()
                .unwrap_or_else(|| labels::NAMESPACE_PREFIX.to_string()),
            stages,
            vars,
            images,
            ttl,
            host: config.host.clone(),
            quota: config.quota.clone().filter(|q| !q.is_empty()),
            limit_range: config.limit_range.clone(),
            isolation: config.isolation.clone().filter(|i| i.enabled),
            pull_secrets: config.pull_secrets.clone(),
            source,
        })
    }
}

/// Parses `KEY=VALUE` (`--set`, `--image`).
pub fn parse_key_value(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("expected KEY=VALUE, got {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
namespace_prefix = "review-"
ttl = "3d"
host = "{name}.qa.example.com"

[vars]
REGISTRY = "registry.example.com"

[images]
api = "registry.example.com/shop/api:main"

[[stages]]
name = "queue"
sources = ["deploy/queue.yaml"]

[[stages]]
name = "app"
sources = ["deploy/app"]

[quota]
"requests.cpu" = "4"
pods = "30"

[limit_range]
default_request = { cpu = "100m", memory = "128Mi" }
default = { cpu = "500m", memory = "256Mi" }

[isolation]
ingress_namespaces = ["ingress-nginx"]

[[pull_secrets]]
name = "registry-credentials"
"#;

    #[test]
    fn parses_every_section() {
        let config = parse(FULL, "qaenv.toml").unwrap();
        assert_eq!(config.namespace_prefix.as_deref(), Some("review-"));
        assert_eq!(config.stages.len(), 2);
        assert_eq!(config.stages[1].sources, vec!["deploy/app"]);
        assert_eq!(config.vars["REGISTRY"], "registry.example.com");
        assert_eq!(config.quota.as_ref().unwrap()["pods"], "30");
        let lr = config.limit_range.as_ref().unwrap();
        assert_eq!(lr.default_request["cpu"], "100m");
        let iso = config.isolation.as_ref().unwrap();
        assert!(iso.enabled);
        assert_eq!(iso.ingress_namespaces, vec!["ingress-nginx"]);
        assert_eq!(config.pull_secrets[0].from_namespace, "default");
    }

    #[test]
    fn rejects_unknown_keys_and_mixed_sources() {
        let err = parse("sorces = [\"a\"]", "qaenv.toml").unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        let err = parse(
            "sources = [\"a\"]\n[[stages]]\nname = \"x\"\nsources = [\"b\"]\n",
            "qaenv.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("both `sources` and `[[stages]]`"));
        let err = parse("[[stages]]\nname = \"x\"\n", "qaenv.toml").unwrap_err();
        assert!(err.to_string().contains("no sources"), "{err}");
        let err = parse("ttl = \"soon\"", "qaenv.toml").unwrap_err();
        assert!(err.to_string().contains("ttl: invalid duration"), "{err}");
    }

    #[test]
    fn ttls_and_timeouts() {
        assert_eq!(
            parse_ttl("7d"),
            Ok(Ttl::After(Duration::from_secs(7 * 86400)))
        );
        assert_eq!(
            parse_ttl("1d12h"),
            Ok(Ttl::After(Duration::from_secs(36 * 3600)))
        );
        assert_eq!(parse_ttl("never"), Ok(Ttl::Never));
        assert_eq!(
            parse_ttl("48"),
            Ok(Ttl::After(Duration::from_secs(48 * 3600)))
        );
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("3 days").is_err());
        assert_eq!(parse_timeout("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_timeout("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout("500ms"), Ok(Duration::from_millis(500)));
    }

    #[test]
    fn flags_override_the_file() {
        let config = parse(FULL, "qaenv.toml").unwrap();
        let dir = Path::new("/repo");
        let settings = Settings::resolve(&config, dir, &Overrides::default()).unwrap();
        assert_eq!(settings.stages.len(), 2);
        assert_eq!(
            settings.stages[0].paths,
            vec![PathBuf::from("/repo/deploy/queue.yaml")]
        );
        assert_eq!(settings.namespace_prefix, "review-");
        assert_eq!(settings.ttl, Ttl::After(Duration::from_secs(3 * 86400)));

        let flags = Overrides {
            files: vec![PathBuf::from("other.yaml")],
            vars: vec![("REGISTRY".into(), "local".into())],
            images: vec![("api".into(), "api:dev".into())],
            ttl: Some(Ttl::Never),
            ..Overrides::default()
        };
        let settings = Settings::resolve(&config, dir, &flags).unwrap();
        assert_eq!(settings.stages.len(), 1);
        assert_eq!(settings.stages[0].name, MAIN_STAGE);
        assert_eq!(settings.stages[0].paths, vec![PathBuf::from("other.yaml")]);
        assert_eq!(settings.vars["REGISTRY"], "local");
        assert_eq!(settings.images, vec![("api".into(), "api:dev".into())]);
        assert_eq!(settings.ttl, Ttl::Never);
        assert_eq!(settings.source, "other.yaml");
    }

    #[test]
    fn nothing_to_apply_is_a_usage_error() {
        let err = Settings::resolve(
            &ProjectConfig::default(),
            Path::new("."),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::Usage);
    }

    #[test]
    fn key_values() {
        assert_eq!(parse_key_value("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert_eq!(parse_key_value("A="), Ok(("A".into(), String::new())));
        assert!(parse_key_value("=x").is_err());
        assert!(parse_key_value("novalue").is_err());
    }
}
