//! Records the git commit the binary is built from, for `kubectl qaenv version`.
//!
//! Release builds from a source archive have no `.git`; they may set `QAENV_GIT_COMMIT`, and
//! otherwise the commit reads `unknown`. A failing `git` never fails the build.

use std::{path::Path, process::Command};

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-env-changed=QAENV_GIT_COMMIT");
    let commit = std::env::var("QAENV_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_string());
    // Rebuild when HEAD moves: HEAD itself (branch switches) and the ref it points at (commits).
    for name in ["HEAD", "packed-refs"] {
        if let Some(path) = git(&["rev-parse", "--git-path", name]) {
            if Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(path) = git(&["rev-parse", "--git-path", &reference]) {
            if Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
    println!("cargo:rustc-env=QAENV_GIT_COMMIT={commit}");
    println!(
        "cargo:rustc-env=QAENV_VERSION=v{} (commit {commit})",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default()
    );
}
