//! The kubeconfig the simulator writes for its clients.

use base64::Engine;

use crate::config::{ADMIN_TOKEN, ADMIN_USER, RESTRICTED_TOKEN, RESTRICTED_USER};

/// Context using the full-access token.
pub const CONTEXT: &str = "kube-sim";
/// Context using the restricted token.
pub const RESTRICTED_CONTEXT: &str = "kube-sim-restricted";

/// A kubeconfig (YAML) with a `kube-sim` and a `kube-sim-restricted` context.
pub fn render(server: &str, ca_pem: Option<&str>) -> String {
    let ca = ca_pem
        .map(|pem| {
            format!(
                "\n    certificate-authority-data: {}",
                base64::engine::general_purpose::STANDARD.encode(pem)
            )
        })
        .unwrap_or_default();
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: kube-sim
  cluster:
    server: {server}{ca}
users:
- name: {ADMIN_USER}
  user:
    token: {ADMIN_TOKEN}
- name: {RESTRICTED_USER}
  user:
    token: {RESTRICTED_TOKEN}
contexts:
- name: {CONTEXT}
  context:
    cluster: kube-sim
    user: {ADMIN_USER}
    namespace: default
- name: {RESTRICTED_CONTEXT}
  context:
    cluster: kube-sim
    user: {RESTRICTED_USER}
    namespace: default
current-context: {CONTEXT}
preferences: {{}}
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_parses_as_yaml_with_both_contexts() {
        let text = render("http://127.0.0.1:1234", Some("PEM"));
        let v: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(v["current-context"], "kube-sim");
        assert_eq!(v["contexts"].as_array().unwrap().len(), 2);
        assert_eq!(
            v["clusters"][0]["cluster"]["server"],
            "http://127.0.0.1:1234"
        );
        assert_eq!(
            v["clusters"][0]["cluster"]["certificate-authority-data"],
            "UEVN"
        );
    }
}
