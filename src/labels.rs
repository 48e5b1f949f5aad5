//! Every label, annotation and fixed name qaenv writes into the cluster, in one place.
//!
//! Other tools, scripts and later versions of qaenv find environments through these names, so
//! they are part of the contract of `DESIGN.md` ("Names, labels, annotations") and must not be
//! spelled anywhere else.

/// The domain of qaenv's own labels and annotations.
pub const DOMAIN: &str = "qaenv.dev";

/// Recommended Kubernetes label naming the tool that manages an object.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The value of [`MANAGED_BY`] on every namespace qaenv creates.
pub const MANAGED_BY_VALUE: &str = "kubectl-qaenv";
/// The selector that finds every qaenv namespace.
pub const MANAGED_BY_SELECTOR: &str = "app.kubernetes.io/managed-by=kubectl-qaenv";

/// Label with the normalised environment name: on namespaces, every applied object and every
/// pod template.
pub const ENV: &str = "qaenv.dev/env";

/// Namespace annotation: who owns the environment.
pub const OWNER: &str = "qaenv.dev/owner";
/// Namespace annotation: when the environment was created (RFC 3339).
pub const CREATED_AT: &str = "qaenv.dev/created-at";
/// Namespace annotation: when the environment expires (RFC 3339); absent means never.
pub const EXPIRES_AT: &str = "qaenv.dev/expires-at";
/// Namespace annotation: where the environment's manifests came from.
pub const SOURCE: &str = "qaenv.dev/source";
/// Namespace annotation: hash of the applied specification.
pub const SPEC_HASH: &str = "qaenv.dev/spec-hash";
/// Namespace annotation: the environment's URLs (from its Ingress hosts), comma-separated, so
/// `ls` shows them without reading every namespace's Ingresses.
pub const URLS: &str = "qaenv.dev/urls";
/// Pod-template annotation that `bump` changes to force a rollout.
pub const DEPLOYMENT_ID: &str = "qaenv.dev/deployment-id";
/// Service annotation keeping the selector before a `promote`, for `rollback`.
pub const PREVIOUS_SELECTOR: &str = "qaenv.dev/previous-selector";
/// Service annotation describing a running canary (JSON: label key, stable and canary colours,
/// weight, the selector before the canary), so `promote` and `rollback` can end it.
pub const CANARY: &str = "qaenv.dev/canary";
/// Deployment annotation keeping its replica count before a `canary` scaled it, so ending the
/// canary can scale it back.
pub const REPLICAS_BEFORE_CANARY: &str = "qaenv.dev/replicas-before-canary";

/// The pod label that tells colours apart unless `--label` names another.
pub const DEFAULT_COLOR_LABEL: &str = "color";
/// Event reason when `promote` switches a Service's selector.
pub const REASON_PROMOTED: &str = "Promoted";
/// Event reason when `rollback` switches a Service's selector back.
pub const REASON_ROLLED_BACK: &str = "RolledBack";
/// Event reason when `canary` puts two colours behind a Service or changes the weight.
pub const REASON_CANARY: &str = "Canary";

/// Object annotation: hash of the manifest `up` last applied to the object. A re-`up` whose
/// rendered manifest hashes the same sends no request for the object; `up` prunes only objects
/// that carry it.
pub const APPLIED_HASH: &str = "qaenv.dev/applied-hash";
/// Namespace annotation: the kinds `up` has applied into the environment (`apps/v1/Deployment`,
/// comma-separated), so a kind that is no longer rendered at all is still listed for pruning.
pub const APPLIED_KINDS: &str = "qaenv.dev/applied-kinds";

/// The ResourceQuota `up` applies from `[quota]` in qaenv.toml.
pub const QUOTA_NAME: &str = "qaenv-quota";
/// The LimitRange `up` applies from `[limit_range]` in qaenv.toml.
pub const LIMIT_RANGE_NAME: &str = "qaenv-limits";
/// The NetworkPolicy `up` applies from `[isolation]` in qaenv.toml.
pub const NETWORK_POLICY_NAME: &str = "qaenv-isolation";

/// The project file `up` reads defaults from.
pub const CONFIG_FILE: &str = "qaenv.toml";

/// Field manager for server-side apply and patches.
pub const FIELD_MANAGER: &str = "kubectl-qaenv";

/// Default prefix of environment namespaces (`qa-<name>`).
pub const NAMESPACE_PREFIX: &str = "qa-";

/// A label selector for one environment's objects.
pub fn env_selector(env: &str) -> String {
    format!("{ENV}={env}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_share_one_domain() {
        for name in [
            ENV,
            OWNER,
            CREATED_AT,
            EXPIRES_AT,
            SOURCE,
            SPEC_HASH,
            URLS,
            DEPLOYMENT_ID,
            PREVIOUS_SELECTOR,
            CANARY,
            REPLICAS_BEFORE_CANARY,
            APPLIED_HASH,
            APPLIED_KINDS,
        ] {
            assert!(name.starts_with(&format!("{DOMAIN}/")), "{name}");
        }
        assert_eq!(
            MANAGED_BY_SELECTOR,
            format!("{MANAGED_BY}={MANAGED_BY_VALUE}")
        );
        assert_eq!(env_selector("abc-12"), "qaenv.dev/env=abc-12");
    }
}
