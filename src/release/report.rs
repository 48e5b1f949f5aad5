//! What `promote`, `rollback` and `canary` print: a kubectl-style table, JSON or YAML, all
//! written to `impl Write` so tests snapshot the exact bytes.

use std::io::{self, Write};

use serde::Serialize;

use super::{
    canary::format_percent,
    model::{format_selector, Labels},
    plan::{CanaryChange, CanaryPlan, Scale, Switch},
};
use crate::output::{self, Format, Table, TableOptions};

/// What happened to one Service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The selector was switched.
    Switched,
    /// The canary split was applied.
    Applied,
    /// It already selected the target: nothing was written.
    Unchanged,
    /// `--dry-run`: this is what would be written.
    DryRun,
}

impl Outcome {
    fn text(self) -> &'static str {
        match self {
            Outcome::Switched => "switched",
            Outcome::Applied => "applied",
            Outcome::Unchanged => "unchanged",
            Outcome::DryRun => "dry run",
        }
    }
}

/// One Service's row of a `promote` or `rollback` report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SwitchRow {
    pub service: String,
    pub from: Labels,
    pub to: Labels,
    /// Ready pods behind the new selector (with `--wait`, the Endpoints' ready addresses).
    pub ready_endpoints: usize,
    pub result: Outcome,
    /// Deployments scaled back to their pre-canary counts (ending a canary).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub restored: Vec<Scale>,
}

impl SwitchRow {
    /// The row for a planned switch with its outcome.
    pub fn new(switch: &Switch, result: Outcome) -> SwitchRow {
        SwitchRow {
            service: switch.service.clone(),
            from: switch.from.clone(),
            to: switch.to.clone(),
            ready_endpoints: switch.readiness.target,
            result,
            restored: switch.restore.clone(),
        }
    }
}

/// The report of `promote` or `rollback`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SwitchReport {
    pub namespace: String,
    /// `promote` or `rollback`.
    pub command: &'static str,
    pub dry_run: bool,
    pub services: Vec<SwitchRow>,
}

/// `app=web,color=blue -> app=web,color=green`, or the one selector when unchanged.
fn selector_change(from: &Labels, to: &Labels) -> String {
    if from == to {
        format_selector(to)
    } else {
        format!("{} -> {}", format_selector(from), format_selector(to))
    }
}

/// Writes a switch report: SERVICE, SELECTOR old -> new, READY ENDPOINTS, RESULT.
pub fn render_switches(
    report: &SwitchReport,
    format: Format,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Json => output::write_json(out, report),
        Format::Yaml => output::write_yaml(out, report),
        _ => {
            let mut table = Table::new(["service", "selector", "ready endpoints", "result"]);
            for row in &report.services {
                let mut result = row.result.text().to_string();
                if !row.restored.is_empty() {
                    let scaled: Vec<String> = row
                        .restored
                        .iter()
                        .map(|s| format!("{} {}", s.deployment, s.describe()))
                        .collect();
                    let ended = if row.result == Outcome::DryRun {
                        "would end the canary"
                    } else {
                        "canary ended"
                    };
                    result = format!("{result}, {ended} ({})", scaled.join(", "));
                }
                table.row([
                    row.service.clone(),
                    selector_change(&row.from, &row.to),
                    row.ready_endpoints.to_string(),
                    result,
                ]);
            }
            table.render(out, TableOptions::default())
        }
    }
}

/// One Service's row of a `canary` report.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryRow {
    pub service: String,
    pub from: Labels,
    pub to: Labels,
    /// The requested weight and the replica split that approximates it.
    pub split: super::canary::Split,
    pub canary: Scale,
    pub stable: Scale,
    pub result: Outcome,
}

impl CanaryRow {
    /// The row for a canary plan with its outcome.
    pub fn new(plan: &CanaryPlan, result: Outcome) -> CanaryRow {
        CanaryRow {
            service: plan.switch.service.clone(),
            from: plan.switch.from.clone(),
            to: plan.switch.to.clone(),
            split: plan.split,
            canary: plan.canary.clone(),
            stable: plan.stable.clone(),
            result,
        }
    }
}

/// The report of `canary`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryReport {
    pub namespace: String,
    pub dry_run: bool,
    pub services: Vec<CanaryRow>,
}

/// Writes a canary report: SERVICE, SELECTOR, CANARY and STABLE replicas, the weights.
pub fn render_canaries(
    report: &CanaryReport,
    format: Format,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Json => output::write_json(out, report),
        Format::Yaml => output::write_yaml(out, report),
        _ => {
            let mut table = Table::new([
                "service",
                "selector",
                "canary",
                "stable",
                "requested",
                "achievable",
                "result",
            ]);
            for row in &report.services {
                table.row([
                    row.service.clone(),
                    selector_change(&row.from, &row.to),
                    format!("{} {}", row.canary.deployment, row.canary.describe()),
                    format!("{} {}", row.stable.deployment, row.stable.describe()),
                    format_percent(f64::from(row.split.requested)),
                    row.split.to_string(),
                    row.result.text().to_string(),
                ]);
            }
            table.render(out, TableOptions::default())
        }
    }
}

/// The line printed before a canary acts, saying which weight replicas can really give:
/// `service web: 10% of 3 replicas is not achievable; nearest is 25% (1 green and 3 blue,
/// one pod more than before)`.
pub fn achievable_notice(plan: &CanaryPlan) -> String {
    let split = &plan.split;
    let pods = format!(
        "{} {} and {} {}{}",
        split.canary,
        plan.canary.colour,
        split.stable,
        plan.stable.colour,
        if split.surges() {
            ", one pod more than before"
        } else {
            ""
        }
    );
    let requested = format_percent(f64::from(split.requested));
    if split.exact() {
        format!(
            "service {}: {requested} of {} replicas is {pods}",
            plan.switch.service, split.replicas
        )
    } else {
        format!(
            "service {}: {requested} of {} replicas is not achievable; nearest is {} ({pods})",
            plan.switch.service,
            split.replicas,
            format_percent(split.achieved)
        )
    }
}

/// The Event message of a switch, worded like Argo Rollouts' `SwitchService` event.
pub fn switch_event_message(switch: &Switch) -> String {
    let ended = if switch.restore.is_empty() && switch.canary != CanaryChange::Clear {
        ""
    } else {
        "Ended the canary: "
    };
    format!(
        "{ended}Switched selector for service '{}' from '{}' to '{}'",
        switch.service,
        format_selector(&switch.from),
        format_selector(&switch.to)
    )
}

/// The Event message of a canary step.
pub fn canary_event_message(plan: &CanaryPlan) -> String {
    format!(
        "Canary {} at {} over {} (requested {}); selector '{}'",
        plan.canary.colour,
        plan.split,
        plan.stable.colour,
        format_percent(f64::from(plan.split.requested)),
        format_selector(&plan.switch.to)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{
        model::tests::{blue_green, deployment},
        plan::{canaries, switches, Intent},
    };

    fn render_text(render: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        render(&mut out).unwrap_or_default();
        String::from_utf8_lossy(&out).into_owned()
    }

    fn promote_report(result: Outcome) -> SwitchReport {
        let intent = Intent::Promote {
            key: "color".into(),
            colour: "green".into(),
            force: false,
        };
        let plans = switches(&blue_green(), &intent, &[]).unwrap();
        SwitchReport {
            namespace: "shop".into(),
            command: "promote",
            dry_run: result == Outcome::DryRun,
            services: plans.iter().map(|s| SwitchRow::new(s, result)).collect(),
        }
    }

    #[test]
    fn switch_table() {
        let report = promote_report(Outcome::Switched);
        insta::assert_snapshot!(render_text(|o| render_switches(&report, Format::Table, o)), @r"
        SERVICE   SELECTOR                                    READY ENDPOINTS   RESULT
        web       app=web,color=blue -> app=web,color=green   3                 switched
        ");
    }

    #[test]
    fn ending_a_canary_shows_what_is_scaled_back() {
        let mut report = promote_report(Outcome::DryRun);
        report.services[0].restored = vec![Scale {
            deployment: "web-green".into(),
            colour: "green".into(),
            from: Some(1),
            to: 3,
            record_original: None,
            clear_original: true,
            annotations: None,
        }];
        let table = render_text(|o| render_switches(&report, Format::Table, o));
        assert!(
            table.contains("dry run, would end the canary (web-green 1 -> 3)"),
            "{table}"
        );
        report.services[0].result = Outcome::Switched;
        let table = render_text(|o| render_switches(&report, Format::Table, o));
        assert!(
            table.contains("switched, canary ended (web-green 1 -> 3)"),
            "{table}"
        );
    }

    #[test]
    fn switch_event_reads_like_argo() {
        let report = promote_report(Outcome::Switched);
        let intent = Intent::Promote {
            key: "color".into(),
            colour: "green".into(),
            force: false,
        };
        let mut switch = switches(&blue_green(), &intent, &[]).unwrap().remove(0);
        assert_eq!(report.services[0].service, switch.service);
        assert_eq!(
            switch_event_message(&switch),
            "Switched selector for service 'web' from 'app=web,color=blue' to 'app=web,color=green'"
        );
        switch.canary = CanaryChange::Clear;
        assert!(switch_event_message(&switch).starts_with("Ended the canary: "));
    }

    #[test]
    fn switch_json() {
        let report = promote_report(Outcome::DryRun);
        insta::assert_snapshot!(render_text(|o| render_switches(&report, Format::Json, o)), @r#"
        {
            "namespace": "shop",
            "command": "promote",
            "dryRun": true,
            "services": [
                {
                    "service": "web",
                    "from": {
                        "app": "web",
                        "color": "blue"
                    },
                    "to": {
                        "app": "web",
                        "color": "green"
                    },
                    "readyEndpoints": 3,
                    "result": "dry-run"
                }
            ]
        }
        "#);
    }

    fn canary_plan() -> CanaryPlan {
        let mut inv = blue_green();
        inv.deployments[1] = deployment("green", 0);
        canaries(&inv, "color", "green", 10, &[]).unwrap().remove(0)
    }

    #[test]
    fn canary_table_and_notice() {
        let plan = canary_plan();
        let report = CanaryReport {
            namespace: "shop".into(),
            dry_run: false,
            services: vec![CanaryRow::new(&plan, Outcome::Applied)],
        };
        insta::assert_snapshot!(render_text(|o| render_canaries(&report, Format::Table, o)), @r"
        SERVICE   SELECTOR                        CANARY             STABLE            REQUESTED   ACHIEVABLE          RESULT
        web       app=web,color=blue -> app=web   web-green 0 -> 1   web-blue 3 -> 3   10%         25% (1 of 4 pods)   applied
        ");
        assert_eq!(
            canary_event_message(&plan),
            "Canary green at 25% (1 of 4 pods) over blue (requested 10%); selector 'app=web'"
        );
        assert_eq!(
            achievable_notice(&plan),
            "service web: 10% of 3 replicas is not achievable; nearest is 25% (1 green and 3 blue, one pod more than before)"
        );
    }

    #[test]
    fn canary_json_carries_the_split() {
        let plan = canary_plan();
        let report = CanaryReport {
            namespace: "shop".into(),
            dry_run: true,
            services: vec![CanaryRow::new(&plan, Outcome::DryRun)],
        };
        let text = render_text(|o| render_canaries(&report, Format::Json, o));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let row = &json["services"][0];
        assert_eq!(row["split"]["requested"], 10);
        assert_eq!(row["split"]["achieved"], 25.0);
        assert_eq!(row["canary"]["to"], 1);
        assert_eq!(row["stable"]["deployment"], "web-blue");
        let yaml = render_text(|o| render_canaries(&report, Format::Yaml, o));
        assert!(yaml.contains("requested: 10"), "{yaml}");
    }
}
