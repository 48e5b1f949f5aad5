//! The binary without a cluster: what a user sees before anything answers.

use std::{
    process::{Command as StdCommand, Stdio},
    time::{Duration, Instant},
};

use crate::common::{
    closed_port, kubeconfig, path_with_plugin, qaenv, silent_server, stderr, stdout, BIN,
};

fn run(cmd: &mut assert_cmd::Command) -> std::process::Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("run kubectl-qaenv: {e}"))
}

fn code(output: &std::process::Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

#[test]
fn help_reads_kubectl_qaenv_and_lists_only_existing_commands() {
    let home = tempfile::tempdir().unwrap();
    let output = run(qaenv(home.path()).arg("--help"));
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    assert!(
        text.contains("Usage: kubectl qaenv [OPTIONS] <COMMAND>"),
        "{text}"
    );
    for command in [
        "doctor",
        "up",
        "down",
        "bump",
        "version",
        "suggest-limits",
        "promote",
        "rollback",
        "canary",
        "ls",
        "status",
    ] {
        assert!(
            text.contains(&format!("\n  {command} ")),
            "{command} missing:\n{text}"
        );
    }
    assert!(
        !text.contains("__complete"),
        "the completion backend is hidden:\n{text}"
    );
}

#[test]
fn an_unknown_command_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let output = run(qaenv(home.path()).args(["deploy"]));
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("unrecognized subcommand 'deploy'"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn down_and_bump_help_show_examples() {
    let home = tempfile::tempdir().unwrap();
    for (command, example) in [
        ("down", "kubectl qaenv down --expired --yes"),
        ("bump", "kubectl qaenv bump login deployment/web --wait"),
    ] {
        let output = run(qaenv(home.path()).args([command, "--help"]));
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let text = stdout(&output);
        assert!(
            text.contains(&format!("Usage: kubectl qaenv {command} [OPTIONS]")),
            "{text}"
        );
        assert!(
            text.contains("Examples:") && text.contains(example),
            "{text}"
        );
    }
}

#[test]
fn version_prints_version_and_commit() {
    let home = tempfile::tempdir().unwrap();
    let command = run(qaenv(home.path()).arg("version"));
    let flag = run(qaenv(home.path()).arg("--version"));
    assert_eq!(code(&command), 0);
    assert_eq!(code(&flag), 0);
    let line = stdout(&command);
    assert!(
        line.starts_with(&format!(
            "kubectl-qaenv v{} (commit ",
            env!("CARGO_PKG_VERSION")
        )),
        "{line}"
    );
    assert_eq!(line, stdout(&flag));
}

#[test]
fn usage_errors_exit_2() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["doctor", "--request-timeout", "soon"][..],
        &["doctor", "-o", "yaml"],
        &["doctor", "--color", "sometimes"],
        &[],
    ] {
        let output = run(qaenv(home.path()).args(args));
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        assert!(stdout(&output).is_empty() || args.is_empty(), "{args:?}");
    }
}

/// Asserts the error format of DESIGN.md: `error: …` then at most a `hint: …` line.
fn assert_error(output: &std::process::Output, starts: &str) {
    let err = stderr(output);
    let lines: Vec<&str> = err.lines().collect();
    assert!(!lines.is_empty() && lines.len() <= 2, "{err}");
    assert!(lines[0].starts_with(&format!("error: {starts}")), "{err}");
    if let Some(hint) = lines.get(1) {
        assert!(hint.starts_with("hint: "), "{err}");
    }
    assert_eq!(code(output), 1, "{err}");
    assert!(
        stdout(output).is_empty(),
        "stdout must stay clean: {}",
        stdout(output)
    );
}

#[test]
fn missing_kubeconfig_file() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("nope.yaml");
    let output = run(qaenv(home.path())
        .arg("doctor")
        .arg("--kubeconfig")
        .arg(&path));
    assert_error(
        &output,
        &format!("cannot read kubeconfig {}: ", path.display()),
    );
}

#[test]
fn garbled_kubeconfig() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("garbled");
    std::fs::write(&path, "clusters: [ {name: x\n  ::: \u{0}\u{7f} nope").unwrap();
    let output = run(qaenv(home.path())
        .arg("doctor")
        .arg("--kubeconfig")
        .arg(&path));
    assert_error(
        &output,
        &format!("cannot parse kubeconfig {}: ", path.display()),
    );
}

#[test]
fn no_kubeconfig_anywhere() {
    let home = tempfile::tempdir().unwrap();
    let output = run(qaenv(home.path()).arg("doctor"));
    assert_error(&output, "no kubeconfig found: ");
    assert!(
        stderr(&output).contains("hint: pass --kubeconfig PATH"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_context_names_the_known_ones_across_merged_files() {
    let home = tempfile::tempdir().unwrap();
    let first = kubeconfig(home.path(), "first", "https://127.0.0.1:1");
    let second = home.path().join("second");
    std::fs::write(
        &second,
        "apiVersion: v1\nkind: Config\nclusters: [{name: c2, cluster: {server: 'https://127.0.0.1:2'}}]\n\
         contexts: [{name: other, context: {cluster: c2, user: u2}}]\nusers: [{name: u2, user: {token: t}}]\n",
    )
    .unwrap();
    let missing = home.path().join("missing");
    let list = std::env::join_paths([&missing, &first, &second]).unwrap();
    let output =
        run(qaenv(home.path())
            .env("KUBECONFIG", &list)
            .args(["doctor", "--context", "prod"]));
    assert_error(&output, "context \"prod\" not found in kubeconfig ");
    assert!(
        stderr(&output).contains("known contexts: test, other"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn kubeconfig_flag_replaces_kubeconfig_env() {
    let home = tempfile::tempdir().unwrap();
    let env_file = kubeconfig(home.path(), "env", "https://127.0.0.1:1");
    let flag_file = home.path().join("flag");
    std::fs::write(&flag_file, "apiVersion: v1\nkind: Config\n").unwrap();
    let output = run(qaenv(home.path())
        .env("KUBECONFIG", &env_file)
        .arg("doctor")
        .arg("--kubeconfig")
        .arg(&flag_file)
        .args(["--context", "test"]));
    assert_error(&output, "context \"test\" not found in kubeconfig ");
}

fn unreachable_doctor(home: &std::path::Path, extra: &[&str]) -> (std::process::Output, u16) {
    let port = closed_port();
    let config = kubeconfig(home, "kc", &format!("http://127.0.0.1:{port}"));
    let output = run(qaenv(home)
        .arg("doctor")
        .arg("--kubeconfig")
        .arg(&config)
        .args(extra));
    (output, port)
}

#[test]
fn unreachable_server_is_named_with_its_context() {
    let home = tempfile::tempdir().unwrap();
    let (output, port) = unreachable_doctor(home.path(), &[]);
    assert_eq!(code(&output), 1);
    let table = stdout(&output);
    let server_row = table.lines().nth(1).unwrap_or_default();
    assert!(server_row.starts_with("server "), "{table}");
    assert!(
        server_row.contains(&format!(
            "fail     cannot reach the API server at http://127.0.0.1:{port} (context \"test\"): connection refused"
        )),
        "{table}"
    );
    assert!(
        table.lines().skip(2).all(|l| l.contains(" skip ")),
        "{table}"
    );
    assert_eq!(
        stderr(&output).trim_end(),
        "error: doctor: 1 of 6 checks failed: server"
    );
}

#[test]
fn json_output_parses_and_holds_no_log_lines() {
    let home = tempfile::tempdir().unwrap();
    let (output, port) = unreachable_doctor(home.path(), &["-o", "json", "-v"]);
    assert_eq!(code(&output), 1);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", stdout(&output)));
    assert_eq!(value["checks"][0]["name"], "server");
    assert_eq!(value["checks"][0]["status"], "fail");
    assert_eq!(value["context"], "test");
    assert_eq!(value["summary"]["fail"], 1);
    // -v logs the request, on stderr only.
    let err = stderr(&output);
    assert!(
        err.contains(&format!("GET http://127.0.0.1:{port}/version failed after")),
        "{err}"
    );
    assert!(!stdout(&output).contains("GET "), "{}", stdout(&output));
}

#[test]
fn request_timeout_is_honoured() {
    let home = tempfile::tempdir().unwrap();
    let port = silent_server();
    let config = kubeconfig(home.path(), "kc", &format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    let output = run(qaenv(home.path())
        .arg("doctor")
        .arg("--kubeconfig")
        .arg(&config)
        .args(["--request-timeout", "300ms", "-o", "json"]));
    let elapsed = started.elapsed();
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let detail = value["checks"][0]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.ends_with("did not answer in time: no answer within 300ms"),
        "{detail}"
    );
    assert!(value["checks"][0]["hint"]
        .as_str()
        .unwrap_or_default()
        .contains("--request-timeout"));
}

#[test]
fn colours_only_when_allowed() {
    let home = tempfile::tempdir().unwrap();
    let (always, _) = unreachable_doctor(home.path(), &["--color", "always"]);
    assert!(
        stdout(&always).contains("\x1b["),
        "--color always colours: {:?}",
        stdout(&always)
    );
    let (auto, _) = unreachable_doctor(home.path(), &[]);
    assert!(
        !stdout(&auto).contains('\x1b'),
        "not a terminal: {:?}",
        stdout(&auto)
    );
    assert!(!stderr(&auto).contains('\x1b'));
    let (never, _) = unreachable_doctor(home.path(), &["--color", "never"]);
    assert!(!stdout(&never).contains('\x1b'));

    let port = closed_port();
    let config = kubeconfig(home.path(), "kc2", &format!("http://127.0.0.1:{port}"));
    let no_color = run(qaenv(home.path())
        .env("NO_COLOR", "1")
        .arg("doctor")
        .arg("--kubeconfig")
        .arg(&config)
        .args(["--color", "always"]));
    assert!(
        !stdout(&no_color).contains('\x1b'),
        "NO_COLOR wins: {:?}",
        stdout(&no_color)
    );
    assert!(!stderr(&no_color).contains('\x1b'));
}

#[test]
fn broken_pipe_exits_0() {
    let home = tempfile::tempdir().unwrap();
    let mut child = StdCommand::new(BIN)
        .arg("version")
        .env("HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the binary writes.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn completion_backend_speaks_cobra() {
    let home = tempfile::tempdir().unwrap();
    let output = run(qaenv(home.path()).args(["__complete", "doc"]));
    assert_eq!(code(&output), 0);
    assert_eq!(
        stdout(&output),
        "doctor\tCheck what the cluster and your credentials allow\n:4\n"
    );
    let config = kubeconfig(home.path(), "kc", "https://127.0.0.1:1");
    let output = run(qaenv(home.path()).env("KUBECONFIG", &config).args([
        "__complete",
        "doctor",
        "--context",
        "",
    ]));
    assert_eq!(stdout(&output), "test\n:4\n");
    let output = run(qaenv(home.path()).args(["__complete", "doctor", "--ou"]));
    assert_eq!(stdout(&output), "--output\tOutput format\n:4\n");
}

#[test]
fn completion_script_execs_the_backend() {
    let home = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/kubectl_complete-qaenv");
    let output = StdCommand::new(script)
        .args(["ver"])
        .env("PATH", path_with_plugin())
        .env("HOME", home.path())
        .output()
        .unwrap_or_else(|e| panic!("run {script}: {e}"));
    assert_eq!(
        stdout(&output),
        "version\tPrint the plugin's version and git commit\n:4\n",
        "{}",
        stderr(&output)
    );
}

fn kubectl(home: &std::path::Path) -> StdCommand {
    let mut cmd = StdCommand::new("kubectl");
    cmd.env("PATH", path_with_plugin())
        .env("HOME", home)
        .env("KUBECACHEDIR", home.join("kube-cache"))
        .env_remove("KUBECONFIG")
        .env_remove("NO_COLOR");
    cmd
}

#[test]
fn kubectl_finds_the_plugin_on_path() {
    let home = tempfile::tempdir().unwrap();
    let output = kubectl(home.path())
        .args(["qaenv", "--help"])
        .output()
        .unwrap_or_else(|e| panic!("run kubectl: {e}"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Usage: kubectl qaenv"),
        "{}",
        stdout(&output)
    );

    // kubectl execs the plugin, so its exit code and error lines come through unchanged.
    let output = kubectl(home.path())
        .args(["qaenv", "doctor", "--kubeconfig", "/nonexistent/kubeconfig"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("error: cannot read kubeconfig"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn kubectl_completes_through_the_plugin_shim() {
    let home = tempfile::tempdir().unwrap();
    let output = kubectl(home.path())
        .args(["__complete", "qaenv", "doc"])
        .output()
        .unwrap_or_else(|e| panic!("run kubectl: {e}"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("doctor\t"), "{text}\n{}", stderr(&output));
    assert!(text.trim_end().ends_with(":4"), "{text}");
}
