//! The output layer every command prints through.
//!
//! Users compare qaenv with kubectl line by line, so tables look like kubectl's: no borders,
//! upper-case headers, columns separated by at least three spaces (kubectl's tabwriter uses a
//! minimum cell width of 6 and padding 3), an AGE column in kubectl's `HumanDuration`.
//! Machine formats (`-o json|yaml|name`) carry data only. Everything writes to a
//! `&mut impl Write`, so tests snapshot the exact bytes; only [`Terminal`] looks at the real
//! process (TTY, `NO_COLOR`, `TERM`).

use std::{
    ffi::OsStr,
    io::{self, IsTerminal, Write},
};

use comfy_table::{Cell as TableCell, Color, ContentArrangement, Table as ComfyTable, TableStyle};
use serde::Serialize;

/// `-o/--output` formats. Each command accepts a subset and says which in its help.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Human-readable table (the default).
    Table,
    /// Table with additional columns.
    Wide,
    /// JSON document.
    Json,
    /// YAML document.
    Yaml,
    /// One `kind/name` per line.
    Name,
}

/// `--color`: when to colour output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal, unless NO_COLOR is set or TERM is `dumb`.
    #[default]
    Auto,
    /// Always colour, unless NO_COLOR is set.
    Always,
    /// Never colour.
    Never,
}

/// Whether to emit ANSI colours.
///
/// `NO_COLOR` (set and non-empty, see <https://no-color.org>) wins over everything, as the
/// README promises; `auto` colours only on a terminal whose `TERM` is not `dumb`.
pub fn use_color(
    choice: ColorChoice,
    is_terminal: bool,
    no_color: Option<&OsStr>,
    term: Option<&OsStr>,
) -> bool {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    match choice {
        ColorChoice::Never => false,
        ColorChoice::Always => true,
        ColorChoice::Auto => is_terminal && term.is_none_or(|t| t != "dumb"),
    }
}

/// What the output layer learned about the real process's streams.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Terminal {
    /// Colour on stdout.
    pub color_stdout: bool,
    /// Colour on stderr (the `error:` prefix).
    pub color_stderr: bool,
    /// Whether stdin and stdout are both terminals (prompts are allowed).
    pub interactive: bool,
}

impl Terminal {
    /// Inspects the process: TTYs, `NO_COLOR`, `TERM`.
    pub fn detect(choice: ColorChoice) -> Terminal {
        let no_color = std::env::var_os("NO_COLOR");
        let term = std::env::var_os("TERM");
        let stdout_tty = io::stdout().is_terminal();
        Terminal {
            color_stdout: use_color(choice, stdout_tty, no_color.as_deref(), term.as_deref()),
            color_stderr: use_color(
                choice,
                io::stderr().is_terminal(),
                no_color.as_deref(),
                term.as_deref(),
            ),
            interactive: stdout_tty && io::stdin().is_terminal(),
        }
    }
}

/// The meaning of a cell, shown as a colour when colours are on (never the only carrier of
/// information: the text says the same).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tone {
    /// No colour.
    #[default]
    Plain,
    /// Green: healthy, passed.
    Good,
    /// Yellow: degraded, needs attention.
    Warn,
    /// Red: failed.
    Bad,
    /// Grey: skipped, unknown.
    Dim,
}

/// One table cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    text: String,
    tone: Tone,
}

impl Cell {
    /// A plain cell.
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            tone: Tone::Plain,
        }
    }

    /// A cell with a meaning colour.
    pub fn toned(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::new(text)
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::new(text)
    }
}

/// How to print a table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// `--no-headers`.
    pub no_headers: bool,
    /// Emit ANSI colours for toned cells.
    pub color: bool,
}

/// A kubectl-style table: upper-case headers, no borders.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

/// kubectl's tabwriter: cells are at least 6 wide including padding, padding is 3.
const MIN_CELL_WIDTH: u16 = 6;
const PADDING: u16 = 3;

impl Table {
    /// A table with these column headers (upper-cased when printed).
    pub fn new<I, S>(headers: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; missing cells are left empty, extra cells are dropped.
    pub fn row<I, C>(&mut self, cells: I) -> &mut Table
    where
        I: IntoIterator<Item = C>,
        C: Into<Cell>,
    {
        let mut row: Vec<Cell> = cells.into_iter().map(Into::into).collect();
        row.resize(self.headers.len(), Cell::default());
        self.rows.push(row);
        self
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the table.
    pub fn render(&self, out: &mut impl Write, options: TableOptions) -> io::Result<()> {
        if self.headers.is_empty() {
            return Ok(());
        }
        let mut table = ComfyTable::new();
        table
            .load_style(TableStyle::new())
            .set_content_arrangement(ContentArrangement::Disabled);
        if options.color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        if !options.no_headers {
            table.set_header(
                self.headers
                    .iter()
                    .map(|h| TableCell::new(h.to_uppercase())),
            );
        }
        for row in &self.rows {
            table.add_row(row.iter().map(|cell| {
                let styled = TableCell::new(escape_terminal(&cell.text));
                match (options.color, color_of(cell.tone)) {
                    (true, Some(color)) => styled.fg(color),
                    _ => styled,
                }
            }));
        }
        if table.row_count() == 0 && options.no_headers {
            return Ok(());
        }
        let widths = table.column_max_content_widths();
        let last = widths.len().saturating_sub(1);
        for (index, width) in widths.iter().enumerate() {
            if let Some(column) = table.column_mut(index) {
                let right = if index == last {
                    0
                } else {
                    PADDING.max(MIN_CELL_WIDTH.saturating_sub(*width))
                };
                column.set_padding((0, right));
            }
        }
        for line in table.lines() {
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

fn color_of(tone: Tone) -> Option<Color> {
    match tone {
        Tone::Plain => None,
        Tone::Good => Some(Color::Green),
        Tone::Warn => Some(Color::Yellow),
        Tone::Bad => Some(Color::Red),
        Tone::Dim => Some(Color::DarkGrey),
    }
}

/// Neutralises terminal control characters in data, as kubectl's `EscapeTerminal` does, so a
/// label value cannot rewrite the user's terminal.
pub fn escape_terminal(text: &str) -> String {
    text.replace('\x1b', "^[").replace('\r', "\\r")
}

/// kubectl's `HumanDuration` (apimachinery `duration.go`), for the AGE column.
///
/// Takes whole seconds; a clock skew of up to two seconds into the future reads as `0s`.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{}h", hours / 24, h)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{}d", hours / 24 / 365, days)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// The AGE of an object created at `created`, or `<unknown>` as kubectl prints it.
pub fn age(created: Option<jiff::Timestamp>, now: jiff::Timestamp) -> String {
    match created {
        Some(created) => human_duration(now.as_second() - created.as_second()),
        None => "<unknown>".to_string(),
    }
}

/// Writes a value as JSON, indented like `kubectl -o json`, with a final newline.
pub fn write_json(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let mut buffer = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
    value.serialize(&mut serializer).map_err(io::Error::other)?;
    buffer.push(b'\n');
    out.write_all(&buffer)
}

/// Writes a value as YAML (serde-saphyr, the YAML crate kube-rs uses).
pub fn write_yaml(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let text = serde_saphyr::to_string(value).map_err(io::Error::other)?;
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes `kind/name` lines for `-o name`.
pub fn write_names<'a>(
    out: &mut impl Write,
    names: impl IntoIterator<Item = &'a str>,
) -> io::Result<()> {
    for name in names {
        writeln!(out, "{name}")?;
    }
    Ok(())
}

/// kubectl's message for an empty list, printed on stderr (the exit code stays 0).
pub fn no_resources_found(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("No resources found in {ns} namespace."),
        None => "No resources found".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(table: &Table, options: TableOptions) -> String {
        let mut out = Vec::new();
        table.render(&mut out, options).unwrap_or_default();
        String::from_utf8_lossy(&out).into_owned()
    }

    fn sample() -> Table {
        let mut table = Table::new(["name", "status", "ok", "age"]);
        table.row(["qa-feature-login", "Active", "1", "5m"]);
        table.row(["qa-x", "Terminating", "12", "3d4h"]);
        table
    }

    #[test]
    fn tables_look_like_kubectl() {
        insta::assert_snapshot!(render(&sample(), TableOptions::default()), @r"
        NAME               STATUS        OK    AGE
        qa-feature-login   Active        1     5m
        qa-x               Terminating   12    3d4h
        ");
    }

    #[test]
    fn no_headers_drops_the_header_line() {
        let options = TableOptions {
            no_headers: true,
            ..TableOptions::default()
        };
        insta::assert_snapshot!(render(&sample(), options), @r"
        qa-feature-login   Active        1     5m
        qa-x               Terminating   12    3d4h
        ");
    }

    #[test]
    fn empty_table_prints_headers_only_or_nothing() {
        let table = Table::new(["name", "age"]);
        assert_eq!(render(&table, TableOptions::default()), "NAME   AGE\n");
        let options = TableOptions {
            no_headers: true,
            color: false,
        };
        assert_eq!(render(&table, options), "");
    }

    #[test]
    fn colours_only_when_asked() {
        let mut table = Table::new(["check", "status"]);
        table.row([Cell::new("server"), Cell::toned("pass", Tone::Good)]);
        let plain = render(&table, TableOptions::default());
        assert!(!plain.contains('\x1b'), "{plain:?}");
        let coloured = render(
            &table,
            TableOptions {
                color: true,
                no_headers: false,
            },
        );
        assert!(coloured.contains("\x1b["), "{coloured:?}");
        assert!(coloured.contains("pass"));
    }

    #[test]
    fn short_rows_are_padded_and_control_characters_escaped() {
        let mut table = Table::new(["a", "b"]);
        table.row(["x\x1b[31mred\r"]);
        insta::assert_snapshot!(render(&table, TableOptions::default()), @r"
        A              B
        x^[[31mred\r
        ");
    }

    #[test]
    fn human_duration_matches_apimachinery() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (125, "2m5s"),
            (9 * 60 + 59, "9m59s"),
            (10 * 60, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 30 * 60, "3h30m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (48 * 3600, "2d"),
            (50 * 3600, "2d2h"),
            (8 * 86400, "8d"),
            (729 * 86400, "729d"),
            (730 * 86400, "2y"),
            (731 * 86400, "2y1d"),
            (8 * 365 * 86400, "8y"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(human_duration(seconds), expected, "{seconds}s");
        }
    }

    #[test]
    fn age_of_missing_timestamp_is_unknown() {
        let now = jiff::Timestamp::from_second(1_000_000).unwrap_or_default();
        let created = jiff::Timestamp::from_second(1_000_000 - 300).ok();
        assert_eq!(age(created, now), "5m");
        assert_eq!(age(None, now), "<unknown>");
    }

    #[test]
    fn colour_decision() {
        let on = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        let dumb = Some(OsStr::new("dumb"));
        assert!(use_color(ColorChoice::Auto, true, None, None));
        assert!(!use_color(ColorChoice::Auto, false, None, None));
        assert!(!use_color(ColorChoice::Auto, true, on, None));
        assert!(
            use_color(ColorChoice::Auto, true, empty, None),
            "empty NO_COLOR is unset"
        );
        assert!(!use_color(ColorChoice::Auto, true, None, dumb));
        assert!(use_color(ColorChoice::Always, false, None, None));
        assert!(
            !use_color(ColorChoice::Always, true, on, None),
            "NO_COLOR wins"
        );
        assert!(!use_color(ColorChoice::Never, true, None, None));
    }

    #[test]
    fn json_is_indented_like_kubectl() {
        let mut out = Vec::new();
        write_json(&mut out, &serde_json::json!({"a": [1], "b": "x"})).unwrap_or_default();
        insta::assert_snapshot!(String::from_utf8_lossy(&out), @r#"
        {
            "a": [
                1
            ],
            "b": "x"
        }
        "#);
    }

    #[test]
    fn yaml_round_trips() {
        let mut out = Vec::new();
        write_yaml(
            &mut out,
            &serde_json::json!({"checks": [{"name": "server", "status": "pass"}]}),
        )
        .unwrap_or_default();
        let text = String::from_utf8_lossy(&out);
        let back: serde_json::Value = serde_saphyr::from_str(&text).unwrap_or_default();
        assert_eq!(back["checks"][0]["status"], "pass", "{text}");
    }

    #[test]
    fn names_one_per_line() {
        let mut out = Vec::new();
        write_names(&mut out, ["namespace/qa-a", "namespace/qa-b"]).unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&out),
            "namespace/qa-a\nnamespace/qa-b\n"
        );
    }

    #[test]
    fn empty_list_message() {
        assert_eq!(
            no_resources_found(Some("qa-a")),
            "No resources found in qa-a namespace."
        );
        assert_eq!(no_resources_found(None), "No resources found");
    }
}
