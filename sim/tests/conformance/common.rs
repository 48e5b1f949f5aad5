//! Test helpers: a simulator per test, a real kubectl pointed at it with a fresh cache, and
//! waiting on conditions with a deadline.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use kube_sim::{Sim, SimConfig};

/// Starts a simulator tuned for tests.
pub fn sim() -> Sim {
    Sim::start(SimConfig::fast()).expect("kube-sim starts")
}

/// Whether a kubectl binary is on PATH; tests that need it print a notice and skip otherwise.
pub fn kubectl_available() -> bool {
    let found = Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("notice: kubectl not found on PATH; skipping a kubectl conformance test");
    }
    found
}

/// The shared corpus of real manifests, if present (absent on a user's machine).
pub fn corpus(file: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(file);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("notice: {} not found; skipping a corpus test", p.display());
        None
    }
}

/// Real kubectl against one simulator, with its own discovery cache.
pub struct Kubectl {
    kubeconfig: PathBuf,
    cache: tempfile::TempDir,
    context: Option<String>,
}

/// What a kubectl run printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Kubectl {
    pub fn new(sim: &Sim) -> Kubectl {
        Kubectl {
            kubeconfig: sim.kubeconfig_path().to_path_buf(),
            cache: tempfile::tempdir().expect("temp dir"),
            context: None,
        }
    }

    /// The same kubectl with another kubeconfig context.
    pub fn with_context(sim: &Sim, context: &str) -> Kubectl {
        Kubectl {
            context: Some(context.to_string()),
            ..Kubectl::new(sim)
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new("kubectl");
        c.env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", self.cache.path())
            .env_remove("KUBECTL_EXTERNAL_DIFF");
        if let Some(ctx) = &self.context {
            c.arg("--context").arg(ctx);
        }
        c.args(args);
        c
    }

    fn finish(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Kubectl::finish(self.command(args).output().expect("kubectl runs"))
    }

    /// Runs with `input` on stdin.
    pub fn run_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        Kubectl::finish(child.wait_with_output().expect("kubectl finishes"))
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(
            r.code, 0,
            "kubectl {args:?} failed ({}):\nstdout: {}\nstderr: {}",
            r.code, r.stdout, r.stderr
        );
        r.stdout
    }

    pub fn ok_stdin(&self, args: &[&str], input: &str) -> String {
        let r = self.run_stdin(args, input);
        assert_eq!(
            r.code, 0,
            "kubectl {args:?} failed ({}):\nstdout: {}\nstderr: {}",
            r.code, r.stdout, r.stderr
        );
        r.stdout
    }

    /// Runs and parses stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.ok(args);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("kubectl {args:?}: not JSON ({e}): {out}"))
    }
}

/// Polls `f` every 20 ms until it returns Some, failing after `timeout` with `what`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Splits a kubectl table into rows of cells, cutting each line at the header's column
/// offsets (cells may contain spaces, like `3 (5s ago)`). Includes the header row.
pub fn table(text: &str) -> Vec<Vec<String>> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let mut starts = Vec::new();
    let bytes = header.as_bytes();
    for i in 0..bytes.len() {
        // Columns are separated by at least two spaces; headers like `NOMINATED NODE` by one.
        if bytes[i] != b' ' && (i == 0 || (i >= 2 && bytes[i - 1] == b' ' && bytes[i - 2] == b' '))
        {
            starts.push(i);
        }
    }
    let cut = |line: &str| -> Vec<String> {
        starts
            .iter()
            .enumerate()
            .map(|(n, &start)| {
                let end = starts
                    .get(n + 1)
                    .copied()
                    .unwrap_or(line.len())
                    .min(line.len());
                line.get(start.min(line.len())..end)
                    .unwrap_or("")
                    .trim()
                    .to_string()
            })
            .collect()
    };
    std::iter::once(header).chain(lines).map(cut).collect()
}

/// The cells of the row whose column `key` equals `value`, by header name.
pub fn row<'a>(
    rows: &'a [Vec<String>],
    key: &str,
    value: &str,
) -> Option<std::collections::HashMap<&'a str, &'a str>> {
    let header = rows.first()?;
    let k = header.iter().position(|h| h == key)?;
    rows.iter()
        .skip(1)
        .find(|r| r.get(k).map(String::as_str) == Some(value))
        .map(|r| {
            header
                .iter()
                .map(String::as_str)
                .zip(r.iter().map(String::as_str))
                .collect()
        })
}
