//! `kubectl qaenv canary COLOR --weight PERCENT`: both colours behind the Services, replicas
//! split so the canary gets about PERCENT of the requests.
//!
//! Per Service, in this order: the canary colour's Deployment is scaled (so a colour that ran
//! at full size shrinks before it gets traffic), the selector loses the colour label in a
//! guarded patch that also records the canary, and the stable colour's Deployment is scaled.
//! Each Deployment records its count from before the canary, so `promote` and `rollback` can
//! scale it back.

use std::io::Write;

use crate::{
    cli::CanaryArgs,
    client::{connect, ConnectOptions, Connection},
    error::{Error, Result},
    labels,
    output::Terminal,
    prompt,
    release::{
        model::{validate_colour, validate_label_key},
        plan::{self, CanaryPlan},
        report::{
            achievable_notice, canary_event_message, render_canaries, CanaryReport, CanaryRow,
            Outcome,
        },
    },
};

use super::promote::{apply_scale, apply_switch, gather, record_event, scope_namespace};

/// Runs `canary`. What was applied is printed even when a later Service fails.
pub async fn run(
    args: &CanaryArgs,
    options: &ConnectOptions,
    out: &mut impl Write,
    terminal: &Terminal,
) -> Result<()> {
    validate_colour(&args.colour)?;
    validate_label_key(&args.label)?;
    let conn = connect(options).await?;
    let mut report = CanaryReport {
        namespace: scope_namespace(&conn, &args.scope)?,
        dry_run: args.dry_run,
        services: Vec::new(),
    };
    let result = split(&conn, args, terminal.interactive, &mut report).await;
    if result.is_ok() || !report.services.is_empty() {
        render_canaries(&report, args.output.into(), out).map_err(Error::output)?;
    }
    result
}

async fn split(
    conn: &Connection,
    args: &CanaryArgs,
    interactive: bool,
    report: &mut CanaryReport,
) -> Result<()> {
    let ns = report.namespace.clone();
    let inventory = gather(conn, &ns).await?;
    let plans = plan::canaries(
        &inventory,
        &args.label,
        &args.colour,
        args.weight,
        &args.scope.services,
    )?;
    for plan in &plans {
        eprintln!("{}", achievable_notice(plan));
    }
    let what = format!("canary {} at {}%", args.colour, args.weight);
    if let Some(refusal) = plan::refusal(&what, plans.iter().map(|p| &p.switch), &ns) {
        return Err(refusal);
    }
    if args.dry_run {
        report.services = plans
            .iter()
            .map(|p| CanaryRow::new(p, Outcome::DryRun))
            .collect();
        return Ok(());
    }
    let services: Vec<&str> = plans.iter().map(|p| p.switch.service.as_str()).collect();
    prompt::confirm(
        &format!(
            "{what} in namespace {ns}: split service {}",
            services.join(", ")
        ),
        args.yes,
        interactive,
    )?;
    for plan in &plans {
        apply(conn, &ns, plan).await?;
        report.services.push(CanaryRow::new(plan, Outcome::Applied));
    }
    Ok(())
}

/// One Service's canary step: canary scale, guarded selector switch, Event, stable scale.
async fn apply(conn: &Connection, ns: &str, plan: &CanaryPlan) -> Result<()> {
    apply_scale(conn, ns, &plan.canary).await?;
    let unfinished = |err: Error| {
        if plan.canary.is_noop() {
            return err;
        }
        err.with_hint(format!(
            "deployment {} is already scaled to {} (its count before the canary is recorded); \
             run the canary again to finish, or promote to end it",
            plan.canary.deployment, plan.canary.to
        ))
    };
    apply_switch(conn, ns, &plan.switch)
        .await
        .map_err(unfinished)?;
    record_event(
        conn,
        ns,
        &plan.switch,
        labels::REASON_CANARY,
        canary_event_message(plan),
    )
    .await;
    apply_scale(conn, ns, &plan.stable).await
}
