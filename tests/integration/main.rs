//! Integration tests: the real `kubectl-qaenv` binary, run as users run it.
//!
//! - `cli`: no cluster needed: help, version, usage errors, kubeconfig problems, unreachable
//!   and silent servers, colours, broken pipes, completion, kubectl's plugin discovery;
//! - `krew`: the krew manifest against krew-index's validation rules;
//! - `sim`: `doctor` against kube-sim with the full-access and the restricted token;
//! - `promote`: `promote`, `rollback` and `canary` against kube-sim.

mod cli;
mod common;
mod krew;
mod promote;
mod sim;
