//! `kubectl qaenv rollback`: switch Services back to the selector the last `promote` (or
//! `canary`) replaced, with the same gates and the same guarded patch as `promote`. On a
//! Service running a canary it aborts the canary, as Argo Rollouts' `abort` does.

use std::io::Write;

use crate::{
    cli::RollbackArgs, client::ConnectOptions, error::Result, output::Terminal,
    release::plan::Intent, wait::Progress,
};

use super::promote::{run_switches, SwitchOptions};

/// Runs `rollback`.
pub async fn run(
    args: &RollbackArgs,
    options: &ConnectOptions,
    out: &mut impl Write,
    terminal: &Terminal,
) -> Result<()> {
    let switch = SwitchOptions {
        dry_run: args.dry_run,
        yes: args.yes,
        interactive: terminal.interactive,
        progress: Progress::detect(terminal),
        wait: false,
        timeout: args.timeout,
    };
    run_switches(
        &Intent::Rollback,
        &args.scope,
        &switch,
        options,
        args.output.into(),
        out,
    )
    .await
}
