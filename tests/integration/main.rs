//! Integration tests: the real `kubectl-qaenv` binary, run as users run it.
//!
//! - `cli`: no cluster needed: help, version, usage errors, kubeconfig problems, unreachable
//!   and silent servers, colours, broken pipes, completion, kubectl's plugin discovery;
//! - `krew`: the krew manifest against krew-index's validation rules;
//! - `janitor`: deploy/janitor.yaml parses, kubectl applies it, its RBAC is exactly enough;
//! - `health`: the workload health layer (`wait`, `health`) against kube-sim, as a library;
//! - `sim`: `doctor` against kube-sim with the full-access and the restricted token;
//! - `limits`: `suggest-limits` against kube-sim's synthetic usage;
//! - `ls`: `ls` and `status` against kube-sim: request budget, every STATUS, filters, URLs;
//! - `promote`: `promote`, `rollback` and `canary` against kube-sim;
//! - `bump`: `bump` against kube-sim: new ReplicaSets of the same images, refusals, waits;
//! - `down`: `down` against kube-sim: refusals, --expired, --all -l, --wait, RBAC failures;
//! - `up`: `up` against kube-sim: corpus environments, no-change and partial updates, prunes,
//!   redeploy, stages, wait diagnoses, safety refusals, dry run, concurrency, guard rails.

mod bump;
mod cli;
mod common;
mod down;
mod health;
mod janitor;
mod krew;
mod limits;
mod ls;
mod promote;
mod sim;
mod up;
