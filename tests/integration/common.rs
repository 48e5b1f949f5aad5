//! Helpers shared by the integration tests: a command with a pinned environment, kubeconfigs,
//! and servers that refuse or never answer.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    time::Duration,
};

use assert_cmd::Command;
use kube_sim::RequestRecord;

/// The built binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_kubectl-qaenv");

/// `kubectl-qaenv` with an environment that cannot leak the developer's cluster into the
/// test: HOME is `home`, no KUBECONFIG, no NO_COLOR, not in a pod.
pub fn qaenv(home: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("HOME", home)
        .env_remove("KUBECONFIG")
        .env_remove("NO_COLOR")
        .env_remove("TERM")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("RUST_LOG")
        .timeout(Duration::from_secs(60));
    cmd
}

/// The directory holding the built binary, for PATH.
pub fn bin_dir() -> PathBuf {
    Path::new(BIN)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// PATH with the binary's directory and the repository root (for `kubectl_complete-qaenv`)
/// in front.
pub fn path_with_plugin() -> std::ffi::OsString {
    let mut dirs = vec![bin_dir(), PathBuf::from(env!("CARGO_MANIFEST_DIR"))];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// Writes a kubeconfig with one context `test` pointing at `server`.
pub fn kubeconfig(dir: &Path, name: &str, server: &str) -> PathBuf {
    kubeconfig_with_token(dir, name, server, "not-a-real-token")
}

/// Writes a kubeconfig with one context `test` pointing at `server`, authenticating with the
/// bearer `token` (kube-rs sends it over plain HTTP too, unlike kubectl).
pub fn kubeconfig_with_token(dir: &Path, name: &str, server: &str, token: &str) -> PathBuf {
    let path = dir.join(name);
    let text = format!(
        "apiVersion: v1
kind: Config
current-context: test
clusters:
- name: c
  cluster: {{server: \"{server}\"}}
contexts:
- name: test
  context: {{cluster: c, user: u, namespace: team-a}}
users:
- name: u
  user: {{token: {token}}}
"
    );
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

/// A 127.0.0.1 port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    listener.local_addr().map(|a| a.port()).unwrap_or_default()
}

/// A server that accepts connections and never answers; it lives as long as the test
/// process.
pub fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

/// stdout of an assertion as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr of an assertion as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The requests kubectl-qaenv sent (not kubectl's, not the simulator's own).
pub fn from_plugin(requests: &[RequestRecord]) -> Vec<RequestRecord> {
    requests
        .iter()
        .filter(|r| r.user_agent.starts_with("kubectl-qaenv/"))
        .cloned()
        .collect()
}

/// `METHOD path` of each request, for readable assertions.
pub fn calls(requests: &[RequestRecord]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// `METHOD path` of each write (POST, PUT, PATCH, DELETE).
pub fn writes(requests: &[RequestRecord]) -> Vec<String> {
    calls(
        &requests
            .iter()
            .filter(|r| r.is_write())
            .cloned()
            .collect::<Vec<_>>(),
    )
}

/// A Deployment `name` of one container `name` running `image`, selecting `app: name`, its
/// container requesting `cpu` and `memory`.
pub fn deployment_yaml(name: &str, image: &str, replicas: u32, cpu: &str, memory: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: {name}
        image: {image}
        resources:
          requests: {{cpu: {cpu}, memory: {memory}}}
"
    )
}

/// Asserts the exit code, showing both streams when it differs.
pub fn assert_exit(output: &std::process::Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// Standard output parsed as JSON.
pub fn json_stdout(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", stdout(output)))
}
