//! Output of `suggest-limits`: a krr-style table (`current -> suggested`), `-o wide` with
//! usage sparklines, JSON/YAML documents, and `-o patch` with ready-to-run `kubectl patch`
//! commands. Everything writes to `impl Write`.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::colours::ColourDiff;
use super::patch::{self, cpu, memory};
use super::report::{Row, Strategy, Verdict};
use super::workload::{Resources, Role};
use super::Report;
use crate::error::format_duration;
use crate::output::{Cell, Table, TableOptions, Tone};

/// The table, or with `wide` the table plus usage sparklines; then the blue/green comparison,
/// the quota snippet and notes.
pub fn table(out: &mut impl Write, report: &Report, wide: bool, color: bool) -> io::Result<()> {
    let options = TableOptions {
        no_headers: false,
        color,
    };
    let mut headers = vec![
        "workload",
        "container",
        "pods",
        "cpu request",
        "cpu limit",
        "memory request",
        "memory limit",
        "samples",
        "severity",
    ];
    if wide {
        headers.extend(["cpu usage", "memory usage"]);
    }
    let mut rows = Table::new(headers);
    for row in &report.rows {
        rows.row(cells(row, wide));
    }
    rows.render(out, options)?;
    if !report.colours.is_empty() {
        writeln!(out, "\nGreen compared with blue (CPU p95, memory peak):")?;
        colour_table(&report.colours).render(out, options)?;
    }
    if !report.quota.hard.is_empty() {
        writeln!(
            out,
            "\nFor qaenv.toml (replicas plus rolling-update surge at the suggested values):"
        )?;
        write!(out, "{}", super::quota::to_toml(&report.quota))?;
    }
    for note in notes(report) {
        writeln!(out, "\nnote: {note}")?;
    }
    Ok(())
}

/// One table row.
fn cells(row: &Row, wide: bool) -> Vec<Cell> {
    let suggested = row.suggested();
    let change = |current: Option<i128>, new: Option<Option<i128>>, show: fn(i128) -> String| {
        let from = current.map_or("unset".to_string(), show);
        let to = match new {
            Some(value) => value.map_or("unset".to_string(), show),
            None => "?".to_string(),
        };
        format!("{from} -> {to}")
    };
    let pick = |get: fn(&Resources) -> Option<i128>| suggested.map(get);
    let container = match (row.role, row.oom_killed) {
        (Role::Container, false) => row.container.clone(),
        (Role::Container, true) => format!("{} (OOMKilled)", row.container),
        (role, oom) => format!(
            "{} ({}{})",
            row.container,
            role_name(role),
            if oom { ", OOMKilled" } else { "" }
        ),
    };
    let (samples, severity) = match row.verdict {
        Verdict::Suggested { severity, .. } => (
            row.samples.to_string(),
            Cell::toned(severity.as_str(), tone(severity)),
        ),
        Verdict::Insufficient { needed } => (
            format!("{}/{needed}", row.samples),
            Cell::toned("insufficient data", Tone::Dim),
        ),
        Verdict::NoData => ("0".to_string(), Cell::toned("no data", Tone::Dim)),
    };
    let mut cells = vec![
        Cell::new(row.workload.to_string()),
        Cell::new(container),
        Cell::new(row.pods.to_string()),
        Cell::new(change(
            row.current.cpu_request,
            pick(|r| r.cpu_request),
            cpu,
        )),
        Cell::new(change(row.current.cpu_limit, pick(|r| r.cpu_limit), cpu)),
        Cell::new(change(
            row.current.memory_request,
            pick(|r| r.memory_request),
            memory,
        )),
        Cell::new(change(
            row.current.memory_limit,
            pick(|r| r.memory_limit),
            memory,
        )),
        Cell::new(samples),
        severity,
    ];
    if wide {
        let (cpu_usage, memory_usage) = row.observed.as_ref().map_or_else(
            || (String::new(), String::new()),
            |o| {
                (
                    format!("{} max {}", o.cpu_sparkline, cpu_usage(o.cpu_max)),
                    format!("{} max {}", o.memory_sparkline, memory_usage(o.memory_max)),
                )
            },
        );
        cells.extend([Cell::new(cpu_usage), Cell::new(memory_usage)]);
    }
    cells
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Container => "container",
        Role::Sidecar => "sidecar",
        Role::Init => "init",
    }
}

fn tone(severity: super::severity::Severity) -> Tone {
    use super::severity::Severity;
    match severity {
        Severity::Good => Tone::Good,
        Severity::Ok => Tone::Plain,
        Severity::Warning => Tone::Warn,
        Severity::Critical => Tone::Bad,
    }
}

/// The blue/green comparison table.
fn colour_table(diffs: &[ColourDiff]) -> Table {
    let mut table = Table::new([
        "workload",
        "container",
        "cpu p95 blue -> green",
        "cpu diff",
        "memory peak blue -> green",
        "memory diff",
    ]);
    for d in diffs {
        let ((blue_cpu, blue_memory), (green_cpu, green_memory)) = (d.blue_usage, d.green_usage);
        table.row([
            format!("{} / {}", d.blue, d.green.name),
            d.container.clone(),
            format!("{} -> {}", cpu_usage(blue_cpu), cpu_usage(green_cpu)),
            difference(blue_cpu, green_cpu, cpu_usage),
            format!(
                "{} -> {}",
                memory_usage(blue_memory),
                memory_usage(green_memory)
            ),
            difference(blue_memory, green_memory, memory_usage),
        ]);
    }
    table
}

/// Observed CPU (nanocores) for a reader: `15m`, `1.5`; the exact quantity (`15495u`) is
/// in `-o json`.
fn cpu_usage(nanos: i128) -> String {
    crate::quantity::format_cpu(nanos as f64 / 1e9)
}

/// Observed memory (bytes) for a reader: `38.4Mi`, `200Mi`; exact bytes are in `-o json`.
fn memory_usage(bytes: i128) -> String {
    crate::quantity::format_memory(bytes as f64)
}

/// `+14m (+38%)`: green minus blue, and relative to blue.
fn difference(blue: i128, green: i128, show: fn(i128) -> String) -> String {
    let delta = green - blue;
    let sign = if delta < 0 { "-" } else { "+" };
    let percent = if blue == 0 {
        String::new()
    } else {
        format!(" ({sign}{}%)", (delta.abs() * 100 + blue / 2) / blue)
    };
    format!("{sign}{}{percent}", show(delta.abs()))
}

/// What the reader should know beyond the table.
fn notes(report: &Report) -> Vec<String> {
    let mut notes = Vec::new();
    let short: Vec<&Row> = report
        .rows
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Insufficient { .. }))
        .collect();
    if !short.is_empty() {
        notes.push(format!(
            "{} container(s) had fewer than {} samples, so they get no suggestion; sample \
             longer (--duration) or accept fewer (--min-samples)",
            short.len(),
            report.settings.min_samples
        ));
    }
    if report.sampling.interrupted {
        notes.push(format!(
            "sampling was interrupted after {}",
            format_duration(report.sampling.elapsed)
        ));
    }
    if report.settings.strategy == Strategy::Vpa {
        if let Some(confidence) = report.rows.iter().find_map(|r| r.vpa.map(|v| v.confidence)) {
            notes.push(format!(
                "VPA confidence is {confidence:.4} (1.0 is a day of per-minute samples); its \
                 bounds (-o json) are as wide as VPA makes them on this much history"
            ));
        }
    }
    if !report.quota.at_current_values.is_empty() {
        notes.push(format!(
            "the quota counts {} at current values (no suggestion)",
            report.quota.at_current_values.join(", ")
        ));
    }
    for skipped in &report.skipped {
        notes.push(format!(
            "{} is not patched: {}",
            skipped.workload, skipped.reason
        ));
    }
    notes
}

/// The whole report as one JSON value (also the YAML document).
pub fn document(report: &Report) -> Value {
    let settings = match report.settings.strategy {
        Strategy::Krr(krr) => json!({
            "cpuPercentile": krr.cpu_percentile.as_f64(),
            "memoryBufferPercent": krr.memory_buffer.as_f64(),
            "minSamples": report.settings.min_samples,
        }),
        Strategy::Vpa => json!({"minSamples": report.settings.min_samples}),
    };
    let s = &report.sampling;
    json!({
        "namespace": report.namespace,
        "strategy": report.settings.strategy.name(),
        "settings": settings,
        "sampling": {
            "duration": format_duration(s.elapsed),
            "interval": format_duration(s.interval),
            "polls": s.polls,
            "samples": s.samples,
            "duplicates": s.duplicates,
            "pods": s.pods,
            "interrupted": s.interrupted,
        },
        "containers": report.rows.iter().map(row_document).collect::<Vec<_>>(),
        "blueGreen": report.colours.iter().map(colour_document).collect::<Vec<_>>(),
        "quota": {
            "hard": report.quota.hard,
            "limitRange": {
                "default": report.quota.default,
                "defaultRequest": report.quota.default_request,
            },
            "atCurrentValues": report.quota.at_current_values,
        },
        "patches": report.patches.iter().map(|p| json!({
            "workload": p.workload.to_string(),
            "rolls": p.rolls,
            "containers": p.containers,
            "patch": p.ops,
        })).collect::<Vec<_>>(),
    })
}

fn row_document(row: &Row) -> Value {
    let (status, severity) = match row.verdict {
        Verdict::Suggested { severity, .. } => ("suggested", json!(severity)),
        Verdict::Insufficient { .. } => ("insufficient data", Value::Null),
        Verdict::NoData => ("no data", Value::Null),
    };
    let mut doc = json!({
        "workload": row.workload.to_string(),
        "kind": row.workload.kind,
        "name": row.workload.name,
        "container": row.container,
        "role": row.role,
        "pods": row.pods,
        "samples": row.samples,
        "status": status,
        "severity": severity,
        "oomKilled": row.oom_killed,
        "current": resources_document(&row.current),
        "suggested": row.suggested().map(resources_document),
        "observed": row.observed.as_ref().map(|o| json!({
            "cpuP95": cpu(o.cpu_p95),
            "cpuMax": cpu(o.cpu_max),
            "memoryMax": memory(o.memory_max),
        })),
    });
    if let Verdict::Insufficient { needed } = row.verdict {
        doc["neededSamples"] = json!(needed);
    }
    if let Some(vpa) = row.vpa {
        doc["vpa"] = json!({
            "lowerBound": resources_document(&vpa.lower)["requests"],
            "upperBound": resources_document(&vpa.upper)["requests"],
            "confidence": vpa.confidence,
        });
    }
    doc
}

/// `{"requests": {...}, "limits": {...}}` with unset values left out.
fn resources_document(r: &Resources) -> Value {
    let section = |cpu_value: Option<i128>, memory_value: Option<i128>| {
        let mut map = Map::new();
        if let Some(v) = cpu_value {
            map.insert("cpu".into(), json!(cpu(v)));
        }
        if let Some(v) = memory_value {
            map.insert("memory".into(), json!(memory(v)));
        }
        Value::Object(map)
    };
    json!({
        "requests": section(r.cpu_request, r.memory_request),
        "limits": section(r.cpu_limit, r.memory_limit),
    })
}

fn colour_document(d: &ColourDiff) -> Value {
    json!({
        "workload": d.base,
        "container": d.container,
        "blue": d.blue.to_string(),
        "green": d.green.to_string(),
        "cpuP95": {"blue": cpu(d.blue_usage.0), "green": cpu(d.green_usage.0),
                   "diff": difference(d.blue_usage.0, d.green_usage.0, cpu)},
        "memoryPeak": {"blue": memory(d.blue_usage.1), "green": memory(d.green_usage.1),
                       "diff": difference(d.blue_usage.1, d.green_usage.1, memory)},
    })
}

/// `-o patch`: one `kubectl patch` command per workload, each after a comment saying what it
/// changes and whether pods roll; the output can be piped to `sh`.
pub fn patches(out: &mut impl Write, report: &Report, connection: &[String]) -> io::Result<()> {
    if report.patches.is_empty() {
        writeln!(out, "# nothing to change in namespace {}", report.namespace)?;
    }
    for p in &report.patches {
        writeln!(
            out,
            "# {}: {} ({})",
            p.workload,
            p.containers.join(", "),
            rollout(p)
        )?;
        writeln!(
            out,
            "{}",
            patch::kubectl_command(p, &report.namespace, connection)
        )?;
    }
    for s in &report.skipped {
        writeln!(out, "# {} not patched: {}", s.workload, s.reason)?;
    }
    Ok(())
}

/// What applying a patch does to running pods.
pub fn rollout(p: &patch::WorkloadPatch) -> String {
    if p.rolls {
        format!("rolls {} pod{}", p.pods, if p.pods == 1 { "" } else { "s" })
    } else {
        "applies to the next runs".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::krr::KrrSettings;
    use crate::limits::report::Settings;
    use crate::limits::sample::{PodMetricsList, Samples};
    use crate::limits::workload::{inventory, tests::objects};
    use crate::limits::{analyse, Sampling};
    use std::time::Duration;

    fn report(scrapes: usize) -> Report {
        let mut samples = Samples::default();
        for n in 0..scrapes {
            let at = format!("2024-11-30T13:00:{n:02}Z");
            let app_cpu = ["20m", "24m"][n % 2];
            let list: PodMetricsList = serde_json::from_value(json!({"items": [
                {"metadata": {"name": "web-abc-1"}, "timestamp": at,
                 "containers": [{"name": "app", "usage": {"cpu": app_cpu, "memory": "200Mi"}},
                                {"name": "proxy", "usage": {"cpu": "1m", "memory": "20Mi"}}]},
                {"metadata": {"name": "db-0"}, "timestamp": at,
                 "containers": [{"name": "db", "usage": {"cpu": "429151n", "memory": "408Ki"}}]}
            ]}))
            .unwrap_or_default();
            samples.ingest(&list);
        }
        let settings = Settings {
            strategy: Strategy::Krr(KrrSettings::default()),
            min_samples: 10,
        };
        let sampling = Sampling {
            elapsed: Duration::from_secs(12),
            interval: Duration::from_secs(1),
            polls: scrapes,
            samples: samples.len(),
            duplicates: 0,
            pods: samples.pod_count(),
            interrupted: false,
        };
        analyse("qa-x", &inventory(&objects()), &samples, settings, sampling)
    }

    fn text(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap_or_else(|e| panic!("render: {e}"));
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn table_shows_current_to_suggested() {
        let report = report(12);
        insta::assert_snapshot!(text(|out| table(out, &report, false, false)));
    }

    #[test]
    fn wide_adds_sparklines() {
        let report = report(12);
        let wide = text(|out| table(out, &report, true, false));
        assert!(wide.contains("CPU USAGE"), "{wide}");
        assert!(wide.contains("▇█▇█"), "20m and 24m alternate: {wide}");
        assert!(wide.contains("max 24m"), "{wide}");
    }

    #[test]
    fn insufficient_data_shows_the_count_and_no_number() {
        let report = report(4);
        let table_text = text(|out| table(out, &report, false, false));
        let db = table_text
            .lines()
            .find(|l| l.starts_with("statefulset/db"))
            .unwrap_or_default();
        assert!(db.contains("4/10"), "{table_text}");
        assert!(db.contains("insufficient data"), "{table_text}");
        assert!(db.contains("unset -> ?"), "{table_text}");
        let doc = document(&report);
        let db = &doc["containers"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["workload"] == "statefulset/db"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(db["status"], "insufficient data");
        assert_eq!(db["samples"], 4);
        assert_eq!(db["neededSamples"], 10);
        assert_eq!(db["suggested"], Value::Null);
    }

    #[test]
    fn json_keeps_exact_quantities() {
        let doc = document(&report(12));
        let db = doc["containers"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["workload"] == "statefulset/db"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(db["observed"]["cpuP95"], "429151n");
        assert_eq!(db["observed"]["memoryMax"], "408Ki");
        assert_eq!(
            db["suggested"],
            json!({"requests": {"cpu": "10m", "memory": "100Mi"}, "limits": {"memory": "100Mi"}})
        );
        assert_eq!(doc["strategy"], "krr");
        assert!(doc["quota"]["hard"]["requests.cpu"].is_string(), "{doc}");
    }

    #[test]
    fn patch_output_is_a_script() {
        let report = report(12);
        let script = text(|out| patches(out, &report, &[]));
        let lines: Vec<&str> = script.lines().collect();
        assert!(
            lines[0].starts_with("# deployment/web: proxy, app (rolls 2 pods)"),
            "{script}"
        );
        assert!(
            lines[1].starts_with(
                "kubectl patch deployment 'web' --namespace 'qa-x' --type=json -p '[{"
            ),
            "{script}"
        );
    }

    #[test]
    fn differences_are_signed_with_percentages() {
        assert_eq!(difference(100_000_000, 138_000_000, cpu), "+38m (+38%)");
        assert_eq!(difference(200 << 20, 80 << 20, memory), "-120Mi (-60%)");
        assert_eq!(difference(0, 5, cpu), "+5n");
        // What metrics-server reports is not round; the tables show it as a reader would.
        assert_eq!(difference(15_495_000, 16_830_000, cpu_usage), "+1m (+9%)");
        assert_eq!(cpu_usage(16_830_000), "17m");
        assert_eq!(
            difference(40_265_318, 40_063_991, memory_usage),
            "-196.6Ki (-1%)"
        );
        assert_eq!(memory_usage(40_265_318), "38.4Mi");
    }
}
