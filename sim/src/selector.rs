//! Label and field selectors, as the API server parses and matches them.
//!
//! Label selectors follow apimachinery `labels.Parse` (query strings such as
//! `env in (a,b),!canary`) and `metav1.LabelSelectorAsSelector` (`matchLabels` and
//! `matchExpressions` objects). Parse errors use the upstream wording, which was checked against
//! kubectl v1.32 (it runs the same parser for `create poddisruptionbudget --selector`).
//!
//! Field selectors follow `fields.ParseSelector`, including backslash escapes in values, and
//! [`field_value`] knows the selectable fields each served kind has upstream
//! (`pkg/apis/*/v1/conversion.go` for which labels are accepted, the registries'
//! `ToSelectableFields` for their values).

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::obj;
use crate::registry::{self, ResourceId};

/// The operator of one label requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Equals,
    DoubleEquals,
    NotEquals,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// One `key <op> values` term of a label selector.
#[derive(Clone, Debug, PartialEq)]
pub struct Requirement {
    key: String,
    op: Operator,
    values: Vec<String>,
}

/// A conjunction of label requirements; the empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses the query-string form (`?labelSelector=`). Errors carry `labels.Parse`'s text,
    /// which the API server returns as a 400.
    pub fn parse(s: &str) -> Result<LabelSelector, String> {
        let mut requirements = Parser::new(s).parse()?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSelector { requirements })
    }

    /// Builds a selector from a `metav1.LabelSelector` JSON object. A missing (`null`) or empty
    /// selector matches everything. (Go's `LabelSelectorAsSelector(nil)` matches nothing; a
    /// caller that needs that, such as a PodDisruptionBudget without a selector, checks for
    /// `null` first.)
    pub fn from_json(v: &Value) -> Result<LabelSelector, String> {
        let sel = match v {
            Value::Null => return Ok(LabelSelector::default()),
            Value::Object(sel) => sel,
            other => return Err(format!("a label selector must be an object, not {other}")),
        };
        let mut requirements = Vec::new();
        for (key, value) in json_object(sel.get("matchLabels"), "matchLabels")? {
            let value = json_string(value, "matchLabels values")?;
            requirements.push(Requirement::new(key, Operator::Equals, vec![value])?);
        }
        for expr in json_array(sel.get("matchExpressions"), "matchExpressions")? {
            requirements.push(Requirement::from_expression(expr)?);
        }
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSelector { requirements })
    }

    /// A selector requiring every `key=value` of a plain label map (a Service's or
    /// ReplicationController's `spec.selector`), unvalidated like Go's
    /// `SelectorFromValidatedSet`. Non-string values are skipped.
    pub fn from_map(labels: &Map<String, Value>) -> LabelSelector {
        let mut requirements: Vec<Requirement> = labels
            .iter()
            .filter_map(|(k, v)| {
                Some(Requirement {
                    key: k.clone(),
                    op: Operator::Equals,
                    values: vec![v.as_str()?.to_string()],
                })
            })
            .collect();
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        LabelSelector { requirements }
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether an object's `metadata.labels` satisfy every requirement.
    pub fn matches(&self, labels: &Map<String, Value>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

/// The canonical string form (Go's `Selector.String()`), as used in a scale subresource's
/// `status.selector`: `app=web,tier in (a,b)`.
impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl Requirement {
    /// Validates like Go's `labels.NewRequirement` (key, value count per operator, values).
    fn new(key: &str, op: Operator, values: Vec<String>) -> Result<Requirement, String> {
        let mut errs = Vec::new();
        let key_errs = qualified_name_errors(key);
        if !key_errs.is_empty() {
            errs.push(invalid("key", &go_quote(key), &key_errs.join("; ")));
        }
        errs.extend(value_count_error(op, &values));
        for (i, value) in values.iter().enumerate() {
            if matches!(op, Operator::GreaterThan | Operator::LessThan)
                && value.parse::<i64>().is_err()
            {
                let detail = "for 'Gt', 'Lt' operators, the value must be an integer";
                errs.push(invalid(&format!("values[{i}]"), &go_quote(value), detail));
            }
        }
        for (i, value) in values.iter().enumerate() {
            let value_errs = label_value_errors(value);
            if !value_errs.is_empty() {
                let path = format!("values[{i}][{key}]");
                errs.push(invalid(&path, &go_quote(value), &value_errs.join("; ")));
            }
        }
        if errs.is_empty() {
            Ok(Requirement {
                key: key.to_string(),
                op,
                values,
            })
        } else {
            Err(aggregate(errs))
        }
    }

    /// One `matchExpressions` entry: `{key, operator: In|NotIn|Exists|DoesNotExist, values}`.
    fn from_expression(expr: &Value) -> Result<Requirement, String> {
        let key = json_string(expr.get("key").unwrap_or(&Value::Null), "key")?;
        let op = json_string(expr.get("operator").unwrap_or(&Value::Null), "operator")?;
        let op = match op.as_str() {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            other => {
                return Err(format!(
                    "{} is not a valid label selector operator",
                    go_quote(other)
                ))
            }
        };
        let values = json_array(expr.get("values"), "values")?
            .iter()
            .map(|v| json_string(v, "values"))
            .collect::<Result<Vec<_>, _>>()?;
        Requirement::new(&key, op, values)
    }

    fn matches(&self, labels: &Map<String, Value>) -> bool {
        let value = labels.get(&self.key).and_then(Value::as_str);
        let has = |v: &str| self.values.iter().any(|x| x == v);
        match self.op {
            Operator::In | Operator::Equals | Operator::DoubleEquals => value.is_some_and(has),
            Operator::NotIn | Operator::NotEquals => !value.is_some_and(has),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let (Some(actual), [bound]) = (value, self.values.as_slice()) else {
                    return false;
                };
                match (actual.parse::<i64>(), bound.parse::<i64>()) {
                    (Ok(a), Ok(b)) if self.op == Operator::GreaterThan => a > b,
                    (Ok(a), Ok(b)) => a < b,
                    _ => false,
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Operator::Exists => return f.write_str(&self.key),
            Operator::DoesNotExist => return write!(f, "!{}", self.key),
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
        };
        let mut values = self.values.clone();
        values.sort();
        let values = values.join(",");
        match self.op {
            Operator::In | Operator::NotIn => write!(f, "{}{op}({values})", self.key),
            _ => write!(f, "{}{op}{values}", self.key),
        }
    }
}

/// `NewRequirement`'s check of how many values an operator takes.
fn value_count_error(op: Operator, values: &[String]) -> Option<String> {
    let detail = match op {
        Operator::In | Operator::NotIn if values.is_empty() => {
            "for 'in', 'notin' operators, values set can't be empty"
        }
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals if values.len() != 1 => {
            "exact-match compatibility requires one single value"
        }
        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
            "values set must be empty for exists and does not exist"
        }
        Operator::GreaterThan | Operator::LessThan if values.len() != 1 => {
            "for 'Gt', 'Lt' operators, exactly one value is required"
        }
        _ => return None,
    };
    Some(invalid("values", &go_slice(values), detail))
}

// ---------------------------------------------------------------------------------------------
// The query-string parser: a port of the lexer and recursive-descent parser in labels/selector.go,
// kept token for token so that error messages name the same offending token.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    End,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

/// Whether `in`/`notin` are keywords (after a key) or plain values (inside a value list).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

struct Parser {
    items: Vec<(Token, String)>,
    position: usize,
}

const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

impl Parser {
    fn new(s: &str) -> Parser {
        Parser {
            items: lex(s),
            position: 0,
        }
    }

    fn lookahead(&self, context: Context) -> (Token, String) {
        let (tok, lit) = self
            .items
            .get(self.position)
            .cloned()
            .unwrap_or((Token::End, String::new()));
        match tok {
            Token::In | Token::NotIn if context == Context::Values => (Token::Identifier, lit),
            _ => (tok, lit),
        }
    }

    fn consume(&mut self, context: Context) -> (Token, String) {
        let item = self.lookahead(context);
        self.position += 1;
        item
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut requirements = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Context::Values);
            match tok {
                Token::Identifier | Token::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    requirements.push(r);
                    let (tok, lit) = self.consume(Context::Values);
                    match tok {
                        Token::End => return Ok(requirements),
                        Token::Comma => {
                            let (next, lit) = self.lookahead(Context::Values);
                            if next != Token::Identifier && next != Token::DoesNotExist {
                                return Err(format!(
                                    "found '{lit}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => {
                            return Err(format!("found '{lit}', expected: ',' or 'end of string'"))
                        }
                    }
                }
                Token::End => return Ok(requirements),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ))
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, inferred) = self.parse_key_and_infer_operator()?;
        if let Some(op) = inferred {
            return Requirement::new(&key, op, Vec::new());
        }
        let op = self.parse_operator()?;
        let values = match op {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        Requirement::new(&key, op, values.into_iter().collect())
    }

    /// Reads `[!]key`; a key followed by `,` or the end means Exists.
    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Operator>), String> {
        let (mut tok, mut key) = self.consume(Context::Values);
        let mut op = None;
        if tok == Token::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            (tok, key) = self.consume(Context::Values);
        }
        if tok != Token::Identifier {
            return Err(format!("found '{key}', expected: identifier"));
        }
        let key_errs = qualified_name_errors(&key);
        if !key_errs.is_empty() {
            // The parser validates with a nil field path, which Go prints as "<nil>".
            return Err(invalid("<nil>", &go_quote(&key), &key_errs.join("; ")));
        }
        let (next, _) = self.lookahead(Context::Values);
        if op.is_none() && matches!(next, Token::End | Token::Comma) {
            op = Some(Operator::Exists);
        }
        Ok((key, op))
    }

    fn parse_operator(&mut self) -> Result<Operator, String> {
        let (tok, lit) = self.consume(Context::KeyAndOperator);
        Ok(match tok {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => return Err(format!("found '{lit}', expected: {BINARY_OPERATORS}")),
        })
    }

    /// `( v1, v2, ... )`; empty entries (`()`, `(a,,b)`) stand for the empty value.
    fn parse_values(&mut self) -> Result<BTreeSet<String>, String> {
        let (tok, lit) = self.consume(Context::Values);
        if tok != Token::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(Context::Values);
        match tok {
            Token::Identifier | Token::Comma => self.parse_identifiers_list(),
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([String::new()]))
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    /// The list inside parentheses, consuming the closing one.
    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, String> {
        let mut values = BTreeSet::new();
        loop {
            let (tok, lit) = self.consume(Context::Values);
            match tok {
                Token::Identifier => {
                    values.insert(lit);
                    let (next, lit) = self.lookahead(Context::Values);
                    match next {
                        Token::Comma => continue,
                        Token::ClosedPar => {
                            self.consume(Context::Values);
                            return Ok(values);
                        }
                        _ => return Err(format!("found '{lit}', expected: ',' or ')'")),
                    }
                }
                Token::Comma => {
                    // A comma with nothing before or after it contributes the empty value.
                    if values.is_empty() {
                        values.insert(String::new());
                    }
                    let (next, _) = self.lookahead(Context::Values);
                    if next == Token::ClosedPar {
                        values.insert(String::new());
                        self.consume(Context::Values);
                        return Ok(values);
                    }
                    if next == Token::Comma {
                        self.consume(Context::Values);
                        values.insert(String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    /// The single value after `=`, `==`, `!=`, `>` or `<` (empty when nothing follows).
    fn parse_exact_value(&mut self) -> Result<BTreeSet<String>, String> {
        let (next, _) = self.lookahead(Context::Values);
        if matches!(next, Token::End | Token::Comma) {
            return Ok(BTreeSet::from([String::new()]));
        }
        match self.consume(Context::Values) {
            (Token::Identifier, lit) => Ok(BTreeSet::from([lit])),
            (_, lit) => Err(format!("found '{lit}', expected: identifier")),
        }
    }
}

fn is_special(c: u8) -> bool {
    matches!(c, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn is_whitespace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Splits a selector into tokens, ending with [`Token::End`]. Works on bytes like Go's lexer;
/// every split point is ASCII, so the slices stay valid UTF-8.
fn lex(s: &str) -> Vec<(Token, String)> {
    let b = s.as_bytes();
    let mut items = Vec::new();
    let mut pos = 0;
    loop {
        while pos < b.len() && is_whitespace(b[pos]) {
            pos += 1;
        }
        if pos == b.len() {
            items.push((Token::End, String::new()));
            return items;
        }
        let start = pos;
        let tok = if is_special(b[pos]) {
            // Two-character operators first, as Go's greedy special-symbol scan does.
            let (tok, len) = match b.get(pos..pos + 2) {
                Some(b"!=") => (Token::NotEquals, 2),
                Some(b"==") => (Token::DoubleEquals, 2),
                _ => (single_symbol(b[pos]), 1),
            };
            pos += len;
            tok
        } else {
            while pos < b.len() && !is_special(b[pos]) && !is_whitespace(b[pos]) {
                pos += 1;
            }
            match &s[start..pos] {
                "in" => Token::In,
                "notin" => Token::NotIn,
                _ => Token::Identifier,
            }
        };
        items.push((tok, s[start..pos].to_string()));
    }
}

fn single_symbol(c: u8) -> Token {
    match c {
        b'=' => Token::Equals,
        b'!' => Token::DoesNotExist,
        b'(' => Token::OpenPar,
        b')' => Token::ClosedPar,
        b',' => Token::Comma,
        b'>' => Token::GreaterThan,
        _ => Token::LessThan,
    }
}

// ---------------------------------------------------------------------------------------------
// Validation messages of apimachinery's util/validation, verbatim.

const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and \
    must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or \
    '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case \
    alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character \
    (e.g. 'example.com', regex used for validation is \
    '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric \
    characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. \
    'MyValue',  or 'my_value',  or '12345', regex used for validation is \
    '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/// Go's `IsQualifiedName`: an optional DNS-subdomain prefix and `/`, then a name of at most 63
/// characters.
fn qualified_name_errors(key: &str) -> Vec<String> {
    let parts: Vec<&str> = key.split('/').collect();
    let mut errs = Vec::new();
    let name = match parts.as_slice() {
        [name] => name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(
                    dns1123_subdomain_errors(prefix)
                        .into_iter()
                        .map(|e| format!("prefix part {e}")),
                );
            }
            name
        }
        _ => {
            return vec![format!(
                "a qualified name {QUALIFIED_NAME_MSG} with an optional DNS subdomain prefix \
                 and '/' (e.g. 'example.com/MyName')"
            )]
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 characters".to_string());
    }
    if !is_qualified_name_part(name) {
        errs.push(format!("name part {QUALIFIED_NAME_MSG}"));
    }
    errs
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    let inner_ok = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.');
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() && b.iter().all(inner_ok)
        }
        _ => false,
    }
}

fn dns1123_subdomain_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        let edge = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        b.first().is_some_and(edge)
            && b.last().is_some_and(edge)
            && b.iter().all(|c| edge(c) || *c == b'-')
    };
    if !s.split('.').all(label_ok) {
        errs.push(DNS1123_SUBDOMAIN_MSG.to_string());
    }
    errs
}

/// Go's `IsValidLabelValue`: empty, or a qualified-name part of at most 63 characters.
fn label_value_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !value.is_empty() && !is_qualified_name_part(value) {
        errs.push(LABEL_VALUE_MSG.to_string());
    }
    errs
}

/// A `field.Invalid` error's text: `<path>: Invalid value: <value>: <detail>`.
fn invalid(path: &str, value: &str, detail: &str) -> String {
    format!("{path}: Invalid value: {value}: {detail}")
}

/// Go's `%q` for the strings that show up in these messages (close enough for non-ASCII).
fn go_quote(s: &str) -> String {
    format!("{s:?}")
}

/// Go's `%#v` of a `[]string`, as `field.Invalid` prints a slice value.
fn go_slice(values: &[String]) -> String {
    if values.is_empty() {
        return "[]string(nil)".to_string();
    }
    let quoted: Vec<String> = values.iter().map(|v| go_quote(v)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// Go's `utilerrors.Aggregate` text: one message alone, several deduplicated in brackets.
fn aggregate(errs: Vec<String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for e in errs {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    match seen.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

fn json_object<'a>(v: Option<&'a Value>, what: &str) -> Result<Vec<(&'a str, &'a Value)>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => Ok(m.iter().map(|(k, v)| (k.as_str(), v)).collect()),
        Some(other) => Err(format!(
            "label selector {what} must be an object, not {other}"
        )),
    }
}

fn json_array<'a>(v: Option<&'a Value>, what: &str) -> Result<&'a [Value], String> {
    match v {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(format!("label selector {what} must be a list, not {other}")),
    }
}

/// A string field of a selector object; `null` reads as "" like Go's zero value.
fn json_string(v: &Value, what: &str) -> Result<String, String> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        other => Err(format!(
            "label selector {what} must be strings, not {other}"
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Field selectors.

/// One `field=value` (or `field!=value`) term.
#[derive(Clone, Debug, PartialEq)]
struct FieldTerm {
    field: String,
    value: String,
    negated: bool,
}

/// A conjunction of field terms; the empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

impl FieldSelector {
    /// Parses `f=v`, `f==v`, `f!=v` terms joined by commas. In values, `\,` `\=` and `\\` are
    /// escapes; an unescaped `,` splits terms and an unescaped `=` is an error, as upstream.
    pub fn parse(s: &str) -> Result<FieldSelector, String> {
        let mut parts = split_terms(s);
        parts.sort_unstable();
        let mut terms = Vec::new();
        for part in parts.into_iter().filter(|p| !p.is_empty()) {
            let Some((field, op, raw)) = split_term(part) else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            terms.push(FieldTerm {
                field: field.to_string(),
                value: unescape_value(raw)?,
                negated: op == "!=",
            });
        }
        Ok(FieldSelector { terms })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The field names used, to check they are supported before matching.
    pub fn fields(&self) -> Vec<&str> {
        self.terms.iter().map(|t| t.field.as_str()).collect()
    }

    /// Whether every term holds; `get` returns a field's value, and a field it does not know
    /// reads as "" (Go's `fields.Set.Get`).
    pub fn matches(&self, get: impl Fn(&str) -> Option<String>) -> bool {
        self.terms.iter().all(|t| {
            let actual = get(&t.field).unwrap_or_default();
            (actual == t.value) != t.negated
        })
    }
}

/// Splits on commas that are not escaped; escapes are kept for [`unescape_value`].
fn split_terms(s: &str) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if in_slash => in_slash = false,
            '\\' => in_slash = true,
            ',' => {
                terms.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&s[start..]);
    terms
}

/// Splits at the first operator; `!=` and `==` win over `=` at the same position.
fn split_term(term: &str) -> Option<(&str, &'static str, &str)> {
    term.char_indices().find_map(|(i, _)| {
        ["!=", "==", "="]
            .into_iter()
            .find(|op| term[i..].starts_with(op))
            .map(|op| (&term[..i], op, &term[i + op.len()..]))
    })
}

fn unescape_value(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(format!(
                    "invalid field selector: invalid escape sequence: \\{c}"
                ));
            }
            out.push(c);
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v, which is its code point.
            ',' | '=' => {
                return Err(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                ))
            }
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".to_string());
    }
    Ok(out)
}

/// Which upstream field-label table a served kind uses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldTable {
    Pod,
    Node,
    Namespace,
    Event,
    Secret,
    Service,
    Job,
    /// Kinds without their own conversion function: only `metadata.name`/`metadata.namespace`.
    /// That includes apps/v1 ReplicaSets, whose documented `status.replicas` upstream rejects
    /// (kubernetes/kubernetes#135136).
    MetaOnly,
}

fn field_table(res: ResourceId) -> FieldTable {
    let def = registry::def(res);
    match (def.group, def.kind) {
        ("", "Pod") => FieldTable::Pod,
        ("", "Node") => FieldTable::Node,
        ("", "Namespace") => FieldTable::Namespace,
        ("", "Event") => FieldTable::Event,
        ("", "Secret") => FieldTable::Secret,
        ("", "Service") => FieldTable::Service,
        ("batch", "Job") => FieldTable::Job,
        _ => FieldTable::MetaOnly,
    }
}

/// Whether the API server accepts `field` in a field selector for this resource.
pub fn supports_field(res: ResourceId, field: &str) -> bool {
    let extra: &[&str] = match field_table(res) {
        FieldTable::Pod => &[
            "metadata.namespace",
            "spec.nodeName",
            "spec.host",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ],
        FieldTable::Node => &["spec.unschedulable"],
        FieldTable::Namespace => &["status.phase"],
        FieldTable::Event => &[
            "metadata.namespace",
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        FieldTable::Secret => &["metadata.namespace", "type"],
        FieldTable::Service => &["metadata.namespace", "spec.clusterIP", "spec.type"],
        FieldTable::Job => &["metadata.namespace", "status.successful"],
        FieldTable::MetaOnly => &["metadata.namespace"],
    };
    field == "metadata.name" || extra.contains(&field)
}

/// The API server's 400 message for a field label the resource does not support; its wording
/// differs between kinds with their own table, Jobs, and everything else.
pub fn unsupported_field_message(res: ResourceId, field: &str) -> String {
    match field_table(res) {
        FieldTable::Job => format!(
            "field label {} not supported for batchv1.Job",
            go_quote(field)
        ),
        FieldTable::MetaOnly => format!(
            "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
            go_quote(field)
        ),
        _ => format!("field label not supported: {field}"),
    }
}

/// The value of a selectable field of `obj`, or `None` when the resource does not support the
/// field (the caller answers 400 with [`unsupported_field_message`]). Absent fields read as
/// their Go zero value: "" for strings, and as upstream formats them `"false"` for
/// `spec.hostNetwork`/`spec.unschedulable` and `"0"` for a Job's `status.successful`.
pub fn field_value(res: ResourceId, obj: &Value, field: &str) -> Option<String> {
    if !supports_field(res, field) {
        return None;
    }
    let text = |path: &str| obj::path_str(obj, path).to_string();
    let flag = |path: &str| {
        let set = obj::path(obj, path).and_then(Value::as_bool) == Some(true);
        set.to_string()
    };
    Some(match field {
        "metadata.name" => obj::name(obj).to_string(),
        "metadata.namespace" => obj::namespace(obj).to_string(),
        "spec.host" => text("spec.nodeName"),
        "spec.hostNetwork" | "spec.unschedulable" => flag(field),
        "status.podIP" => pod_ip(obj),
        // Accepted upstream but never filled into the selectable set, so it reads as "".
        "status.podIPs" => String::new(),
        "status.successful" => obj::path_i64(obj, "status.succeeded")
            .unwrap_or(0)
            .to_string(),
        // Events: `source` falls back to the reporting controller, as upstream.
        "source" => match obj::path_str(obj, "source.component") {
            "" => text("reportingComponent"),
            component => component.to_string(),
        },
        _ => text(field),
    })
}

/// `status.podIP` is the first of `status.podIPs` upstream, falling back to the scalar.
fn pod_ip(pod: &Value) -> String {
    obj::path(pod, "status.podIPs")
        .and_then(|ips| ips.get(0)?.get("ip")?.as_str())
        .unwrap_or_else(|| obj::path_str(pod, "status.podIP"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::ids;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("object")
    }

    fn parse(s: &str) -> LabelSelector {
        LabelSelector::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_every_operator_and_prints_canonically() {
        let sel =
            parse(" tier notin (b,,a) , !canary,env in (prod,dev),app=web,x==1,y!=2,v>3,w<4,z");
        assert_eq!(
            sel.to_string(),
            "app=web,!canary,env in (dev,prod),tier notin (,a,b),v>3,w<4,x==1,y!=2,z"
        );
        assert!(parse("").is_empty());
        assert!(parse("  ").is_empty());
        assert_eq!(parse("a in ()").to_string(), "a in ()");
        assert_eq!(parse("a in (,)").to_string(), "a in ()");
        // `in`/`notin` are plain values inside a value list and after `=`.
        assert_eq!(parse("in in (notin)").to_string(), "in in (notin)");
        assert_eq!(parse("a=in").to_string(), "a=in");
        assert_eq!(parse("a=").to_string(), "a=");
        assert_eq!(parse("example.com/a=b").to_string(), "example.com/a=b");
    }

    /// Messages produced by kubectl v1.32's copy of labels.Parse.
    #[test]
    fn syntax_errors_match_upstream() {
        let cases = [
            (
                "a in (b",
                "unable to parse requirement: found '', expected: ',' or ')'",
            ),
            (
                "a b",
                "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
            ),
            ("a=b c", "found 'c', expected: ',' or 'end of string'"),
            ("a=b,", "found '', expected: identifier after ','"),
            (
                ",a",
                "found ',', expected: !, identifier, or 'end of string'",
            ),
            ("!a=b", "found '=', expected: ',' or 'end of string'"),
            (
                "a in (b c)",
                "unable to parse requirement: found 'c', expected: ',' or ')'",
            ),
            ("a,,b", "found ',', expected: identifier after ','"),
            (
                "a=(b)",
                "unable to parse requirement: found '(', expected: identifier",
            ),
            (
                "a=!",
                "unable to parse requirement: found '!', expected: identifier",
            ),
            (
                "a)",
                "unable to parse requirement: found ')', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "a in b",
                "unable to parse requirement: found 'b' expected: '('",
            ),
            (
                "a<x",
                "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' \
                 operators, the value must be an integer",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                LabelSelector::parse(input),
                Err(want.to_string()),
                "{input}"
            );
        }
    }

    #[test]
    fn keys_and_values_are_validated_like_the_api_server() {
        let err = LabelSelector::parse("/a").unwrap_err();
        assert_eq!(
            err,
            "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty"
        );
        let err = LabelSelector::parse("a/").unwrap_err();
        assert_eq!(
            err,
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be \
                 non-empty; name part {QUALIFIED_NAME_MSG}"
            )
        );
        let err = LabelSelector::parse("Foo.com/a").unwrap_err();
        assert!(err.ends_with(&format!(
            "\"Foo.com/a\": prefix part {DNS1123_SUBDOMAIN_MSG}"
        )));
        let err = LabelSelector::parse("x/y/z").unwrap_err();
        assert!(err.contains("a qualified name must consist of"), "{err}");
        let long = "a".repeat(64);
        assert_eq!(
            LabelSelector::parse(&long).unwrap_err(),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"{long}\": name part must \
                 be no more than 63 characters"
            )
        );
        assert!(LabelSelector::parse(&"a".repeat(63)).is_ok());
        assert_eq!(
            LabelSelector::parse(&format!("a={}", "b".repeat(64))).unwrap_err(),
            format!(
                "unable to parse requirement: values[0][a]: Invalid value: \"{}\": must be no \
                 more than 63 characters",
                "b".repeat(64)
            )
        );
        assert_eq!(
            LabelSelector::parse("a=b@").unwrap_err(),
            format!(
                "unable to parse requirement: values[0][a]: Invalid value: \"b@\": {LABEL_VALUE_MSG}"
            )
        );
        // Two bad values aggregate in brackets.
        let err = LabelSelector::parse("a in (-x,y-)").unwrap_err();
        assert!(
            err.starts_with("unable to parse requirement: [values[0][a]"),
            "{err}"
        );
    }

    #[test]
    fn matching_follows_set_semantics() {
        let l = labels(json!({"app": "web", "env": "prod", "n": "7"}));
        let yes = [
            "app=web",
            "app==web",
            "app!=db",
            "missing!=x",
            "env in (prod,dev)",
            "env notin (dev)",
            "missing notin (x)",
            "app",
            "!missing",
            "n>5",
            "n<8",
            "",
        ];
        for s in yes {
            assert!(parse(s).matches(&l), "{s} should match");
        }
        let no = [
            "app=db",
            "app!=web",
            "env in (dev)",
            "env notin (prod)",
            "missing",
            "!app",
            "missing in (x)",
            "n>7",
            "app>1",
            "missing<1",
            "app=web,env=dev",
        ];
        for s in no {
            assert!(!parse(s).matches(&l), "{s} should not match");
        }
    }

    #[test]
    fn from_json_reads_match_labels_and_expressions() {
        let sel = LabelSelector::from_json(&json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["fe", "be"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "team", "operator": "Exists", "values": []}
            ]
        }))
        .expect("valid");
        assert_eq!(
            sel.to_string(),
            "app=web,!canary,env notin (dev),team,tier in (be,fe)"
        );
        assert!(sel.matches(&labels(json!({"app": "web", "tier": "fe", "team": "a"}))));
        assert!(!sel.matches(&labels(json!({"app": "web", "tier": "fe"}))));
        assert!(LabelSelector::from_json(&Value::Null)
            .expect("ok")
            .is_empty());
        assert!(LabelSelector::from_json(&json!({})).expect("ok").is_empty());
        assert!(LabelSelector::from_json(&json!({"matchLabels": {}}))
            .expect("ok")
            .matches(&Map::new()));
    }

    #[test]
    fn from_json_rejects_what_the_api_server_rejects() {
        let bad_op = json!({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]});
        assert_eq!(
            LabelSelector::from_json(&bad_op),
            Err("\"Gt\" is not a valid label selector operator".to_string())
        );
        let empty_in = json!({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]});
        assert_eq!(
            LabelSelector::from_json(&empty_in),
            Err(
                "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set \
                 can't be empty"
                    .to_string()
            )
        );
        let exists_values =
            json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x", "y"]}]});
        assert_eq!(
            LabelSelector::from_json(&exists_values),
            Err(
                "values: Invalid value: []string{\"x\", \"y\"}: values set must be empty for \
                 exists and does not exist"
                    .to_string()
            )
        );
        let bad_key = json!({"matchLabels": {"-a": "b"}});
        assert_eq!(
            LabelSelector::from_json(&bad_key),
            Err(format!(
                "key: Invalid value: \"-a\": name part {QUALIFIED_NAME_MSG}"
            ))
        );
        assert!(LabelSelector::from_json(&json!({"matchLabels": {"a": 1}})).is_err());
        assert!(LabelSelector::from_json(&json!("app=web")).is_err());
    }

    #[test]
    fn from_map_selects_on_every_pair() {
        let sel = LabelSelector::from_map(&labels(json!({"b": "2", "a": "1"})));
        assert_eq!(sel.to_string(), "a=1,b=2");
        assert!(sel.matches(&labels(json!({"a": "1", "b": "2", "c": "3"}))));
        assert!(!sel.matches(&labels(json!({"a": "1"}))));
        assert!(LabelSelector::from_map(&Map::new()).is_empty());
    }

    #[test]
    fn field_selectors_parse_operators_and_escapes() {
        let sel =
            FieldSelector::parse("status.phase!=Running,metadata.name==a\\,b,spec.x=").expect("ok");
        assert_eq!(
            sel.fields(),
            vec!["metadata.name", "spec.x", "status.phase"]
        );
        let get = |phase: &'static str| {
            move |f: &str| match f {
                "metadata.name" => Some("a,b".to_string()),
                "status.phase" => Some(phase.to_string()),
                _ => None,
            }
        };
        assert!(sel.matches(get("Pending")));
        assert!(!sel.matches(get("Running")));
        assert_eq!(
            FieldSelector::parse("a=b\\=c\\\\").expect("ok").terms[0].value,
            "b=c\\"
        );
        assert!(FieldSelector::parse("").expect("ok").is_empty());
        assert!(FieldSelector::parse(",,").expect("ok").is_empty());
        // No trimming: the field is "a " exactly, as upstream.
        assert_eq!(
            FieldSelector::parse("a =b").expect("ok").fields(),
            vec!["a "]
        );
    }

    #[test]
    fn field_selector_errors_match_upstream() {
        assert_eq!(
            FieldSelector::parse("a=b,oops"),
            Err("invalid selector: 'a=b,oops'; can't understand 'oops'".to_string())
        );
        assert_eq!(
            FieldSelector::parse("a=b=c"),
            Err("invalid field selector: unescaped character in value: 61".to_string())
        );
        assert_eq!(
            FieldSelector::parse("a=b\\x"),
            Err("invalid field selector: invalid escape sequence: \\x".to_string())
        );
        assert_eq!(
            FieldSelector::parse("a=b\\"),
            Err("invalid field selector: invalid escape sequence: \\".to_string())
        );
    }

    #[test]
    fn pod_fields_read_values_and_defaults() {
        let pod = json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"nodeName": "n1", "restartPolicy": "Always", "hostNetwork": true},
            "status": {"phase": "Running", "podIP": "10.0.0.9", "podIPs": [{"ip": "10.0.0.1"}]}
        });
        let pods = ids::pods();
        let v = |f: &str| field_value(pods, &pod, f);
        assert_eq!(v("metadata.name").as_deref(), Some("p"));
        assert_eq!(v("metadata.namespace").as_deref(), Some("ns"));
        assert_eq!(v("spec.nodeName").as_deref(), Some("n1"));
        assert_eq!(v("spec.host").as_deref(), Some("n1"));
        assert_eq!(v("spec.hostNetwork").as_deref(), Some("true"));
        assert_eq!(v("status.phase").as_deref(), Some("Running"));
        assert_eq!(v("status.podIP").as_deref(), Some("10.0.0.1"));
        assert_eq!(v("status.podIPs").as_deref(), Some(""));
        assert_eq!(v("spec.schedulerName").as_deref(), Some(""));
        assert_eq!(v("status.nominatedNodeName").as_deref(), Some(""));
        assert_eq!(v("spec.containers"), None);
        let bare = json!({"metadata": {"name": "q"}});
        assert_eq!(
            field_value(pods, &bare, "spec.hostNetwork").as_deref(),
            Some("false")
        );
        assert_eq!(
            field_value(pods, &bare, "status.podIP").as_deref(),
            Some("")
        );
    }

    #[test]
    fn field_tables_follow_upstream_per_kind() {
        let event = json!({
            "metadata": {"name": "e", "namespace": "ns"},
            "involvedObject": {"kind": "Pod", "name": "p", "uid": "u1"},
            "reason": "Scheduled", "type": "Normal", "reportingComponent": "kubelet"
        });
        let events = ids::events();
        assert_eq!(
            field_value(events, &event, "involvedObject.kind").as_deref(),
            Some("Pod")
        );
        assert_eq!(
            field_value(events, &event, "involvedObject.uid").as_deref(),
            Some("u1")
        );
        assert_eq!(
            field_value(events, &event, "involvedObject.fieldPath").as_deref(),
            Some("")
        );
        assert_eq!(
            field_value(events, &event, "source").as_deref(),
            Some("kubelet")
        );
        assert_eq!(
            field_value(events, &event, "reportingComponent").as_deref(),
            Some("kubelet")
        );

        let ns = json!({"metadata": {"name": "x"}, "status": {"phase": "Active"}});
        assert_eq!(
            field_value(ids::namespaces(), &ns, "status.phase").as_deref(),
            Some("Active")
        );
        assert_eq!(
            field_value(ids::namespaces(), &ns, "metadata.namespace"),
            None
        );
        let node = json!({"metadata": {"name": "n"}, "spec": {"unschedulable": true}});
        assert_eq!(
            field_value(ids::nodes(), &node, "spec.unschedulable").as_deref(),
            Some("true")
        );
        let secret = json!({"metadata": {"name": "s"}, "type": "Opaque"});
        assert_eq!(
            field_value(ids::secrets(), &secret, "type").as_deref(),
            Some("Opaque")
        );
        let svc =
            json!({"metadata": {"name": "s"}, "spec": {"type": "ClusterIP", "clusterIP": "None"}});
        assert_eq!(
            field_value(ids::services(), &svc, "spec.clusterIP").as_deref(),
            Some("None")
        );
        let job = json!({"metadata": {"name": "j"}, "status": {"succeeded": 2}});
        assert_eq!(
            field_value(ids::jobs(), &job, "status.successful").as_deref(),
            Some("2")
        );
        assert_eq!(
            field_value(ids::jobs(), &json!({}), "status.successful").as_deref(),
            Some("0")
        );
        let rs = json!({"metadata": {"name": "r", "namespace": "d"}, "status": {"replicas": 1}});
        assert_eq!(
            field_value(ids::replicasets(), &rs, "metadata.namespace").as_deref(),
            Some("d")
        );
        assert_eq!(
            field_value(ids::replicasets(), &rs, "status.replicas"),
            None
        );
        // Cluster-scoped kinds without a table accept metadata.namespace and read "".
        let cr = registry::find("rbac.authorization.k8s.io", "v1", "clusterroles").expect("served");
        assert_eq!(
            field_value(
                cr,
                &json!({"metadata": {"name": "c"}}),
                "metadata.namespace"
            )
            .as_deref(),
            Some("")
        );
    }

    #[test]
    fn unsupported_field_messages_differ_by_kind() {
        assert_eq!(
            unsupported_field_message(ids::pods(), "spec.foo"),
            "field label not supported: spec.foo"
        );
        assert_eq!(
            unsupported_field_message(ids::jobs(), "spec.foo"),
            "field label \"spec.foo\" not supported for batchv1.Job"
        );
        assert_eq!(
            unsupported_field_message(ids::replicasets(), "status.replicas"),
            "\"status.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
    }
}
