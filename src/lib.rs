//! kubectl-qaenv: per-branch QA environments on a shared Kubernetes cluster.
//!
//! The binary (`src/main.rs`) only parses, runs and maps errors to exit codes; everything
//! else lives here so it can be unit-tested:
//!
//! - [`cli`]: the clap definition of the command line;
//! - [`client`]: finding the cluster (kubeconfig, context, in-cluster) and building the client;
//! - [`output`]: tables, AGE, colours, JSON/YAML, all writing to `impl Write`;
//! - [`error`]: the one error type, exit codes, API failures in a user's words;
//! - [`labels`]: every label, annotation and fixed name qaenv writes;
//! - [`env`]: environment names (branch name -> label -> namespace);
//! - [`environment`]: what a namespace says about its environment (owner, expiry), listing them;
//! - [`fleet`]: every environment at a glance (`ls`): STATUS, pods, requests, free capacity;
//! - [`describe`]: one environment in depth (`status`): workloads, events, quotas, colours;
//! - [`health`]: is each workload ready, and if not why (pure, shared by up/status/promote);
//! - [`wait`]: listing and watching workloads until they are ready (the I/O side of `health`);
//! - [`quantity`]: resource quantities;
//! - [`limits`]: resource suggestions from metrics samples (`suggest-limits`);
//! - [`prompt`]: confirmation of destructive actions;
//! - [`release`]: blue/green and canary planning (colours, gates, replica splits, patches);
//! - [`complete`]: shell completion through kubectl (`kubectl_complete-qaenv`);
//! - [`teardown`]: what `down` deletes, its refusals, report and the bookkeeping of `--wait`;
//! - [`rollout`]: what `bump` rolls out, the new ReplicaSet of a Deployment, its report;
//! - `up`'s pure steps: [`config`] (qaenv.toml and flags), [`manifest`] (sources and
//!   documents), [`render`] (variables, images, safety rules, labels, applied hash), [`kinds`]
//!   (kind → resource, apply order), [`plan`] (create/configure/unchanged/prune), [`capacity`]
//!   (the pre-flight), [`guard`] (quota, limit range, isolation, pull secrets), [`redeploy`]
//!   (the deployment-id JSON patch, shared with `bump`); and its thin API calls, [`apply`];
//! - [`commands`]: one module per subcommand.

pub mod apply;
pub mod capacity;
pub mod cli;
pub mod client;
pub mod commands;
pub mod complete;
pub mod config;
pub mod describe;
pub mod env;
pub mod environment;
pub mod error;
pub mod fleet;
pub mod guard;
pub mod health;
pub mod kinds;
pub mod labels;
pub mod limits;
pub mod manifest;
pub mod output;
pub mod plan;
pub mod prompt;
pub mod quantity;
pub mod redeploy;
pub mod release;
pub mod render;
pub mod rollout;
pub mod teardown;
pub mod wait;

use std::io::Write;

use cli::{Cli, Command};
use error::Result;
use output::Terminal;

/// Runs a parsed command line, writing data to `out`.
pub async fn run(cli: Cli, out: &mut impl Write, terminal: &Terminal) -> Result<()> {
    let options = cli.global.connect_options();
    match cli.command {
        Command::Up(args) => commands::up::run(&args, &options, out, terminal).await,
        Command::Down(args) => commands::down::run(&args, &options, out, terminal).await,
        Command::Bump(args) => commands::bump::run(&args, &options, out, terminal).await,
        Command::Doctor(args) => commands::doctor::run(&args, &options, out, terminal).await,
        Command::Version => commands::version::run(out),
        Command::SuggestLimits(args) => {
            commands::suggest_limits::run(&args, &options, out, terminal).await
        }
        Command::Promote(args) => commands::promote::run(&args, &options, out, terminal).await,
        Command::Rollback(args) => commands::rollback::run(&args, &options, out, terminal).await,
        Command::Canary(args) => commands::canary::run(&args, &options, out, terminal).await,
        Command::Ls(args) => commands::ls::run(&args, &options, out, terminal).await,
        Command::Status(args) => commands::status::run(&args, &options, out, terminal).await,
        Command::Complete { words } => run_completion(&words, out),
    }
}

/// Whether the command handles Ctrl-C itself (`suggest-limits` ends its sampling and still
/// reports); `main` then leaves the signal to it instead of ending the run.
pub fn handles_interrupt(command: &Command) -> bool {
    matches!(command, Command::SuggestLimits(_))
}

/// Answers a completion request (`kubectl-qaenv __complete WORD...`).
pub fn run_completion(words: &[String], out: &mut impl Write) -> Result<()> {
    use clap::CommandFactory;
    let completion = complete::complete(&Cli::command(), words, complete::kubeconfig_contexts);
    completion.write(out).map_err(error::Error::output)
}
