//! Integration tests: the real `kubectl-qaenv` binary, run as users run it.
//!
//! - `cli`: no cluster needed: help, version, usage errors, kubeconfig problems, unreachable
//!   and silent servers, colours, broken pipes, completion, kubectl's plugin discovery;
//! - `krew`: the krew manifest against krew-index's validation rules;
//! - `sim`: `doctor` against kube-sim with the full-access and the restricted token;
//! - `up`: `up` against kube-sim: corpus environments, no-change and partial updates, prunes,
//!   redeploy, stages, wait diagnoses, safety refusals, dry run, concurrency, guard rails.

mod cli;
mod common;
mod krew;
mod sim;
mod up;
