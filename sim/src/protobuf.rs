//! Decoding of protobuf request bodies (`application/vnd.kubernetes.protobuf`), which
//! `kubectl create <generator>` and `kubectl autoscale` send with no JSON fallback.
//!
//! A body is the magic `k8s\0` followed by a `runtime.Unknown` envelope
//! (1 typeMeta{1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType); `raw` is the
//! typed object, decoded here with a hand-written schema table taken from the upstream
//! `generated.proto` files (field number, JSON name, type).
//!
//! The output is the JSON kubectl itself would have sent for the same object: every fixture in
//! the tests equals, byte for byte, what `kubectl create ... --dry-run=client -o json` prints.
//! That requires Go's view of presence rather than the wire's. Go's protobuf encoder writes
//! every non-pointer field, so an empty `uid`, `generation: 0` and `status.phase: ""` are on
//! the wire of every object although the client never set them, while its JSON encoder drops
//! such zeros from `omitempty` fields. So a scalar is emitted when it is non-zero, or when its
//! Go field is a pointer or lacks `omitempty` (`keep()` in the table, which also makes an
//! absent list `null`, as a nil slice prints). Messages, lists and maps are emitted whenever
//! they are on the wire, which matches Go too (`"strategy": {}`, `"creationTimestamp": null`).
//!
//! Unknown field numbers are skipped by wire type, so bodies from newer clients still decode;
//! a kind missing from the table is an error that names it. The table covers the kinds
//! kubectl v1.32 sends as protobuf plus Pod; within them, the deprecated and cloud-provider
//! volume sources, ephemeral containers and `managedFields` are skipped.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::quantity;

/// `k8s\0`, the prefix of every Kubernetes protobuf body.
const MAGIC: &[u8] = b"k8s\x00";

/// Decodes a protobuf request body into the object's JSON, with `kind` and `apiVersion` set.
///
/// # Errors
/// A body without the magic prefix, a truncated or malformed message, a kind the schema table
/// does not cover, or a value Go would reject (an invalid quantity, an impossible time).
pub fn decode(body: &[u8]) -> Result<Value, String> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or("a protobuf body must start with the 'k8s\\x00' magic prefix")?;
    let unknown = Envelope::read(envelope)
        .map_err(|e| format!("invalid protobuf envelope (runtime.Unknown): {e}"))?;
    if !unknown.content_encoding.is_empty() {
        return Err(format!(
            "unsupported protobuf contentEncoding {:?}",
            unknown.content_encoding
        ));
    }
    let (api_version, kind) = (unknown.api_version, unknown.kind);
    let fields = schema_for(&api_version, &kind).ok_or_else(|| {
        format!(
            "cannot decode a protobuf {kind} ({api_version}): the simulator decodes only the \
             kinds kubectl create sends as protobuf; send this object as JSON"
        )
    })?;
    let body = decode_message(unknown.raw, fields)
        .map_err(|e| format!("invalid protobuf {kind} ({api_version}) body: {e}"))?;
    let mut object = Map::new();
    object.insert("kind".into(), Value::String(kind));
    object.insert("apiVersion".into(), Value::String(api_version));
    object.extend(body);
    Ok(Value::Object(object))
}

// ---------------------------------------------------------------------------------------------
// Wire format.

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const START_GROUP: u8 = 3;
const END_GROUP: u8 = 4;
const FIXED32: u8 = 5;

/// An error with the JSON path of the field it happened in, innermost last.
#[derive(Debug)]
struct DecodeError {
    path: Vec<&'static str>,
    msg: String,
}

impl DecodeError {
    fn new(msg: impl Into<String>) -> DecodeError {
        DecodeError {
            path: Vec::new(),
            msg: msg.into(),
        }
    }

    fn within(mut self, field: &'static str) -> DecodeError {
        self.path.insert(0, field);
        self
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.msg)
        } else {
            write!(f, "{}: {}", self.path.join("."), self.msg)
        }
    }
}

type Result<T, E = DecodeError> = std::result::Result<T, E>;

/// A cursor over one message's bytes; every read is bounds-checked.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = *self
                .buf
                .get(self.pos)
                .ok_or_else(|| DecodeError::new("truncated varint"))?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(DecodeError::new("varint longer than 10 bytes"))
    }

    /// A field key: its number and wire type.
    fn key(&mut self) -> Result<(u64, u8)> {
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 {
            return Err(DecodeError::new("field number 0 is invalid"));
        }
        Ok((number, (key & 7) as u8))
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.buf.len())
            .ok_or_else(|| {
                DecodeError::new(format!(
                    "a length of {len} bytes runs past the end of the message"
                ))
            })?;
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    /// A length-delimited payload.
    fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.varint()?;
        let len = usize::try_from(len).map_err(|_| DecodeError::new("length out of range"))?;
        self.take(len)
    }

    /// Skips one field's value; groups (deprecated, unused by Kubernetes) are skipped whole.
    fn skip(&mut self, wire_type: u8) -> Result<()> {
        let mut open_groups = 0usize;
        let mut wire_type = wire_type;
        loop {
            match wire_type {
                VARINT => drop(self.varint()?),
                FIXED64 => drop(self.take(8)?),
                LEN => drop(self.bytes()?),
                FIXED32 => drop(self.take(4)?),
                START_GROUP => open_groups += 1,
                END_GROUP if open_groups > 0 => open_groups -= 1,
                other => return Err(DecodeError::new(format!("invalid wire type {other}"))),
            }
            if open_groups == 0 {
                return Ok(());
            }
            wire_type = self.key()?.1;
        }
    }
}

/// The `runtime.Unknown` envelope.
struct Envelope<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
    content_encoding: String,
}

impl<'a> Envelope<'a> {
    fn read(buf: &'a [u8]) -> Result<Envelope<'a>> {
        let mut envelope = Envelope {
            api_version: String::new(),
            kind: String::new(),
            raw: &[],
            content_encoding: String::new(),
        };
        let mut r = Reader::new(buf);
        while !r.done() {
            match r.key()? {
                (1, LEN) => {
                    let mut meta = Reader::new(r.bytes()?);
                    while !meta.done() {
                        match meta.key()? {
                            (1, LEN) => envelope.api_version = text(meta.bytes()?),
                            (2, LEN) => envelope.kind = text(meta.bytes()?),
                            (_, wire_type) => meta.skip(wire_type)?,
                        }
                    }
                }
                (2, LEN) => envelope.raw = r.bytes()?,
                (3, LEN) => envelope.content_encoding = text(r.bytes()?),
                (_, wire_type) => r.skip(wire_type)?,
            }
        }
        if envelope.kind.is_empty() {
            return Err(DecodeError::new("typeMeta.kind is missing"));
        }
        Ok(envelope)
    }
}

/// Go strings may hold any bytes; its JSON encoder replaces invalid UTF-8 the same way.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Schema table types.

/// The type of one value.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    I32,
    I64,
    Bool,
    /// `[]byte`, rendered as base64 like Go's JSON.
    Bytes,
    /// `resource.Quantity` {1 string}, rendered in Go's canonical form.
    Quantity,
    /// `intstr.IntOrString` {1 type, 2 intVal, 3 strVal}.
    IntOrString,
    /// `metav1.Time` {1 seconds, 2 nanos}, rendered as RFC 3339 (or null when zero).
    Time,
    Msg(&'static [Field]),
}

/// How a field holds values of its kind.
#[derive(Clone, Copy)]
enum Shape {
    One(Kind),
    List(Kind),
    /// `map<string, V>`: repeated {1 key, 2 value} entries.
    Map(Kind),
    /// A Go struct embedded with `json:",inline"`: its fields join the parent object.
    Inline(&'static [Field]),
}

/// How Go's JSON encoder treats a field's zero value. `Omit`: an `omitempty` value field, so a
/// zero scalar is dropped. `Keep`: a pointer field or one without `omitempty`, so a zero scalar
/// is written, and a list absent from the wire (a nil slice) is written as `null`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Zero {
    Omit,
    Keep,
}

#[derive(Clone, Copy)]
struct Field {
    num: u64,
    name: &'static str,
    shape: Shape,
    zero: Zero,
}

impl Field {
    const fn keep(self) -> Field {
        Field {
            zero: Zero::Keep,
            ..self
        }
    }
}

const fn one(num: u64, name: &'static str, kind: Kind) -> Field {
    Field {
        num,
        name,
        shape: Shape::One(kind),
        zero: Zero::Omit,
    }
}

const fn list(num: u64, name: &'static str, kind: Kind) -> Field {
    Field {
        num,
        name,
        shape: Shape::List(kind),
        zero: Zero::Omit,
    }
}

const fn map(num: u64, name: &'static str, kind: Kind) -> Field {
    Field {
        num,
        name,
        shape: Shape::Map(kind),
        zero: Zero::Omit,
    }
}

const fn inline(num: u64, fields: &'static [Field]) -> Field {
    Field {
        num,
        name: "",
        shape: Shape::Inline(fields),
        zero: Zero::Omit,
    }
}

/// A field holding one nested message.
const fn msg(num: u64, name: &'static str, fields: &'static [Field]) -> Field {
    one(num, name, Kind::Msg(fields))
}

/// A repeated message field.
const fn msgs(num: u64, name: &'static str, fields: &'static [Field]) -> Field {
    list(num, name, Kind::Msg(fields))
}

use Kind::{Bool, Bytes, IntOrString as IOS, Quantity as QTY, Str, Time, I32, I64};

// ---------------------------------------------------------------------------------------------
// Decoding against the schema.

/// Decodes one message into JSON members in Go's struct order (the table's order).
fn decode_message(buf: &[u8], fields: &'static [Field]) -> Result<Map<String, Value>> {
    let mut slots: Vec<Option<Value>> = vec![None; fields.len()];
    let mut r = Reader::new(buf);
    while !r.done() {
        let (num, wire_type) = r.key()?;
        match fields.iter().position(|f| f.num == num) {
            Some(i) => {
                let field = &fields[i];
                read_field(&mut r, wire_type, field, &mut slots[i])
                    .map_err(|e| e.within(field.name))?;
            }
            None => r.skip(wire_type)?,
        }
    }
    let mut out = Map::new();
    for (field, slot) in fields.iter().zip(slots) {
        match (field.shape, slot) {
            (Shape::Inline(_), Some(Value::Object(members))) => out.extend(members),
            (_, Some(value)) if !is_dropped_zero(field, &value) => {
                out.insert(field.name.to_string(), value);
            }
            (Shape::List(_), None) if field.zero == Zero::Keep => {
                out.insert(field.name.to_string(), Value::Null);
            }
            _ => {}
        }
    }
    Ok(out)
}

fn is_dropped_zero(field: &Field, value: &Value) -> bool {
    let scalar = matches!(field.shape, Shape::One(Str | I32 | I64 | Bool | Bytes));
    let zero = match value {
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_i64() == Some(0),
        Value::Bool(b) => !b,
        _ => false,
    };
    field.zero == Zero::Omit && scalar && zero
}

fn read_field(
    r: &mut Reader<'_>,
    wire_type: u8,
    field: &Field,
    slot: &mut Option<Value>,
) -> Result<()> {
    match field.shape {
        Shape::One(kind) => {
            let value = read_value(r, wire_type, kind)?;
            *slot = Some(match (slot.take(), value) {
                // A repeated occurrence of a message merges into the first, as in protobuf.
                (Some(Value::Object(mut first)), Value::Object(next)) => {
                    merge(&mut first, next);
                    Value::Object(first)
                }
                (_, value) => value,
            });
        }
        Shape::Inline(fields) => {
            expect(wire_type, LEN, "an embedded message")?;
            let members = decode_message(r.bytes()?, fields)?;
            match slot {
                Some(Value::Object(first)) => merge(first, members),
                _ => *slot = Some(Value::Object(members)),
            }
        }
        Shape::List(kind) => {
            let Value::Array(items) = slot.get_or_insert_with(|| Value::Array(Vec::new())) else {
                return Err(DecodeError::new("a list field was read as a value"));
            };
            if wire_type == LEN && matches!(kind, I32 | I64 | Bool) {
                // Packed encoding of repeated varints.
                let mut packed = Reader::new(r.bytes()?);
                while !packed.done() {
                    items.push(varint_value(packed.varint()?, kind));
                }
            } else {
                items.push(read_value(r, wire_type, kind)?);
            }
        }
        Shape::Map(kind) => {
            expect(wire_type, LEN, "a map entry")?;
            let (key, value) = read_map_entry(r.bytes()?, kind)?;
            let Value::Object(entries) = slot.get_or_insert_with(|| Value::Object(Map::new()))
            else {
                return Err(DecodeError::new("a map field was read as a value"));
            };
            entries.insert(key, value);
        }
    }
    Ok(())
}

fn expect(wire_type: u8, wanted: u8, what: &str) -> Result<()> {
    if wire_type == wanted {
        Ok(())
    } else {
        Err(DecodeError::new(format!(
            "wire type {wire_type} where {what} (wire type {wanted}) was expected"
        )))
    }
}

fn read_value(r: &mut Reader<'_>, wire_type: u8, kind: Kind) -> Result<Value> {
    match kind {
        I32 | I64 | Bool => {
            expect(wire_type, VARINT, "a varint")?;
            Ok(varint_value(r.varint()?, kind))
        }
        Str => {
            expect(wire_type, LEN, "a string")?;
            Ok(Value::String(text(r.bytes()?)))
        }
        Bytes => {
            expect(wire_type, LEN, "bytes")?;
            Ok(Value::String(base64_text(r.bytes()?)))
        }
        QTY => {
            expect(wire_type, LEN, "a quantity")?;
            quantity_value(r.bytes()?)
        }
        IOS => {
            expect(wire_type, LEN, "an int-or-string")?;
            int_or_string_value(r.bytes()?)
        }
        Time => {
            expect(wire_type, LEN, "a time")?;
            time_value(r.bytes()?)
        }
        Kind::Msg(fields) => {
            expect(wire_type, LEN, "an embedded message")?;
            Ok(Value::Object(decode_message(r.bytes()?, fields)?))
        }
    }
}

/// Go truncates an int32 field's varint to 32 bits; int64 takes all 64 as two's complement.
fn varint_value(raw: u64, kind: Kind) -> Value {
    match kind {
        Bool => Value::Bool(raw != 0),
        I32 => Value::from(raw as i32),
        _ => Value::from(raw as i64),
    }
}

fn base64_text(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A map entry {1 key, 2 value}; a missing part is its type's zero value.
fn read_map_entry(buf: &[u8], kind: Kind) -> Result<(String, Value)> {
    let mut key = String::new();
    let mut value = None;
    let mut r = Reader::new(buf);
    while !r.done() {
        match r.key()? {
            (1, wire_type) => {
                expect(wire_type, LEN, "a map key")?;
                key = text(r.bytes()?);
            }
            (2, wire_type) => value = Some(read_value(&mut r, wire_type, kind)?),
            (_, wire_type) => r.skip(wire_type)?,
        }
    }
    let value = match (value, kind) {
        (Some(value), _) => value,
        (None, Str | Bytes) => Value::String(String::new()),
        (None, QTY) => Value::String("0".into()),
        (None, Kind::Msg(_)) => Value::Object(Map::new()),
        (None, Time) => Value::Null,
        (None, I32 | I64) => Value::from(0),
        (None, Bool) => Value::Bool(false),
        (None, IOS) => Value::from(0),
    };
    Ok((key, value))
}

/// Go parses the string (rejecting invalid ones) and prints it back canonically.
fn quantity_value(buf: &[u8]) -> Result<Value> {
    let mut raw = None;
    let mut r = Reader::new(buf);
    while !r.done() {
        match r.key()? {
            (1, LEN) => raw = Some(text(r.bytes()?)),
            (_, wire_type) => r.skip(wire_type)?,
        }
    }
    match raw {
        None => Ok(Value::String("0".into())),
        Some(s) => quantity::canonicalize(&s)
            .map(Value::String)
            .map_err(|e| DecodeError::new(format!("quantity {s:?}: {e}"))),
    }
}

fn int_or_string_value(buf: &[u8]) -> Result<Value> {
    let (mut is_string, mut int_val, mut str_val) = (0u64, 0i32, String::new());
    let mut r = Reader::new(buf);
    while !r.done() {
        match r.key()? {
            (1, VARINT) => is_string = r.varint()?,
            (2, VARINT) => int_val = r.varint()? as i32,
            (3, LEN) => str_val = text(r.bytes()?),
            (_, wire_type) => r.skip(wire_type)?,
        }
    }
    match is_string {
        0 => Ok(Value::from(int_val)),
        1 => Ok(Value::String(str_val)),
        other => Err(DecodeError::new(format!(
            "impossible IntOrString type {other}"
        ))),
    }
}

/// `metav1.Time`: an empty message is the zero time (JSON null); otherwise Go's RFC 3339 with
/// second precision in UTC.
fn time_value(buf: &[u8]) -> Result<Value> {
    if buf.is_empty() {
        return Ok(Value::Null);
    }
    let (mut seconds, mut nanos) = (0i64, 0i32);
    let mut r = Reader::new(buf);
    while !r.done() {
        match r.key()? {
            (1, VARINT) => seconds = r.varint()? as i64,
            (2, VARINT) => nanos = r.varint()? as i32,
            (_, wire_type) => r.skip(wire_type)?,
        }
    }
    let ts = jiff::Timestamp::new(seconds, nanos)
        .map_err(|e| DecodeError::new(format!("time out of range: {e}")))?;
    Ok(Value::String(ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()))
}

/// Protobuf merge of a repeated singular message: nested messages merge, lists append, other
/// values are replaced.
fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            (Some(Value::Array(a)), Value::Array(b)) => a.extend(b),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The schema table. Field numbers are from upstream generated.proto; each message lists its
// fields in Go struct order, which is the order Go's JSON encoder uses.

fn schema_for(api_version: &str, kind: &str) -> Option<&'static [Field]> {
    Some(match (api_version, kind) {
        ("v1", "Namespace") => NAMESPACE,
        ("v1", "ConfigMap") => CONFIG_MAP,
        ("v1", "Secret") => SECRET,
        ("v1", "ServiceAccount") => SERVICE_ACCOUNT,
        ("v1", "Service") => SERVICE,
        ("v1", "ResourceQuota") => RESOURCE_QUOTA,
        ("v1", "Pod") => POD,
        ("apps/v1", "Deployment") => DEPLOYMENT,
        ("batch/v1", "Job") => JOB,
        ("batch/v1", "CronJob") => CRON_JOB,
        ("policy/v1", "PodDisruptionBudget") => POD_DISRUPTION_BUDGET,
        ("autoscaling/v1", "HorizontalPodAutoscaler") => HORIZONTAL_POD_AUTOSCALER_V1,
        ("networking.k8s.io/v1", "Ingress") => INGRESS,
        ("rbac.authorization.k8s.io/v1", "Role") => ROLE,
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => CLUSTER_ROLE,
        ("rbac.authorization.k8s.io/v1", "RoleBinding" | "ClusterRoleBinding") => ROLE_BINDING,
        // `kubectl auth can-i` sends its reviews as protobuf too.
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => SELF_SUBJECT_ACCESS_REVIEW,
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview") => SELF_SUBJECT_RULES_REVIEW,
        _ => return None,
    })
}

// authorization.k8s.io/v1

const SELF_SUBJECT_ACCESS_REVIEW: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(
        2,
        "spec",
        &[
            msg(1, "resourceAttributes", RESOURCE_ATTRIBUTES),
            msg(
                2,
                "nonResourceAttributes",
                &[one(1, "path", Str), one(2, "verb", Str)],
            ),
        ],
    ),
];

const RESOURCE_ATTRIBUTES: &[Field] = &[
    one(1, "namespace", Str),
    one(2, "verb", Str),
    one(3, "group", Str),
    one(4, "version", Str),
    one(5, "resource", Str),
    one(6, "subresource", Str),
    one(7, "name", Str),
    msg(8, "fieldSelector", SELECTOR_ATTRIBUTES),
    msg(9, "labelSelector", SELECTOR_ATTRIBUTES),
];

/// FieldSelectorAttributes and LabelSelectorAttributes share this layout.
const SELECTOR_ATTRIBUTES: &[Field] = &[
    one(1, "rawSelector", Str),
    msgs(2, "requirements", SELECTOR_REQUIREMENT),
];

const SELF_SUBJECT_RULES_REVIEW: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(2, "spec", &[one(1, "namespace", Str)]),
];

// meta/v1

/// ObjectMeta without managedFields (17), which clients do not send on create.
const OBJECT_META: &[Field] = &[
    one(1, "name", Str),
    one(2, "generateName", Str),
    one(3, "namespace", Str),
    one(4, "selfLink", Str),
    one(5, "uid", Str),
    one(6, "resourceVersion", Str),
    one(7, "generation", I64),
    one(8, "creationTimestamp", Time),
    one(9, "deletionTimestamp", Time),
    one(10, "deletionGracePeriodSeconds", I64).keep(),
    map(11, "labels", Str),
    map(12, "annotations", Str),
    msgs(13, "ownerReferences", OWNER_REFERENCE),
    list(14, "finalizers", Str),
];

const OWNER_REFERENCE: &[Field] = &[
    one(5, "apiVersion", Str).keep(),
    one(1, "kind", Str).keep(),
    one(3, "name", Str).keep(),
    one(4, "uid", Str).keep(),
    one(6, "controller", Bool).keep(),
    one(7, "blockOwnerDeletion", Bool).keep(),
];

const LABEL_SELECTOR: &[Field] = &[
    map(1, "matchLabels", Str),
    msgs(2, "matchExpressions", SELECTOR_REQUIREMENT),
];

/// LabelSelectorRequirement and NodeSelectorRequirement share this layout.
const SELECTOR_REQUIREMENT: &[Field] = &[
    one(1, "key", Str).keep(),
    one(2, "operator", Str).keep(),
    list(3, "values", Str),
];

/// metav1.Condition.
const CONDITION: &[Field] = &[
    one(1, "type", Str).keep(),
    one(2, "status", Str).keep(),
    one(3, "observedGeneration", I64),
    one(4, "lastTransitionTime", Time),
    one(5, "reason", Str).keep(),
    one(6, "message", Str).keep(),
];

/// PodCondition and JobCondition share this layout.
const PROBED_CONDITION: &[Field] = &[
    one(1, "type", Str).keep(),
    one(2, "status", Str).keep(),
    one(3, "lastProbeTime", Time),
    one(4, "lastTransitionTime", Time),
    one(5, "reason", Str),
    one(6, "message", Str),
];

// core/v1: simple kinds

const NAMESPACE: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(2, "spec", &[list(1, "finalizers", Str)]),
    msg(3, "status", NAMESPACE_STATUS),
];

const NAMESPACE_STATUS: &[Field] = &[
    one(1, "phase", Str),
    msgs(2, "conditions", NAMESPACE_CONDITION),
];

const NAMESPACE_CONDITION: &[Field] = &[
    one(1, "type", Str).keep(),
    one(2, "status", Str).keep(),
    one(4, "lastTransitionTime", Time),
    one(5, "reason", Str),
    one(6, "message", Str),
];

const CONFIG_MAP: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    one(4, "immutable", Bool).keep(),
    map(2, "data", Str),
    map(3, "binaryData", Bytes),
];

const SECRET: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    one(5, "immutable", Bool).keep(),
    map(2, "data", Bytes),
    map(4, "stringData", Str),
    one(3, "type", Str),
];

const SERVICE_ACCOUNT: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msgs(2, "secrets", OBJECT_REFERENCE),
    msgs(3, "imagePullSecrets", LOCAL_OBJECT_REFERENCE),
    one(4, "automountServiceAccountToken", Bool).keep(),
];

const OBJECT_REFERENCE: &[Field] = &[
    one(1, "kind", Str),
    one(2, "namespace", Str),
    one(3, "name", Str),
    one(4, "uid", Str),
    one(5, "apiVersion", Str),
    one(6, "resourceVersion", Str),
    one(7, "fieldPath", Str),
];

const LOCAL_OBJECT_REFERENCE: &[Field] = &[one(1, "name", Str)];

const RESOURCE_QUOTA: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(2, "spec", RESOURCE_QUOTA_SPEC),
    msg(3, "status", &[map(1, "hard", QTY), map(2, "used", QTY)]),
];

const RESOURCE_QUOTA_SPEC: &[Field] = &[
    map(1, "hard", QTY),
    list(2, "scopes", Str),
    msg(
        3,
        "scopeSelector",
        &[msgs(1, "matchExpressions", SCOPE_REQUIREMENT)],
    ),
];

const SCOPE_REQUIREMENT: &[Field] = &[
    one(1, "scopeName", Str).keep(),
    one(2, "operator", Str).keep(),
    list(3, "values", Str),
];

// core/v1: Service

const SERVICE: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(2, "spec", SERVICE_SPEC),
    msg(3, "status", SERVICE_STATUS),
];

const SERVICE_SPEC: &[Field] = &[
    msgs(1, "ports", SERVICE_PORT),
    map(2, "selector", Str),
    one(3, "clusterIP", Str),
    list(18, "clusterIPs", Str),
    one(4, "type", Str),
    list(5, "externalIPs", Str),
    one(7, "sessionAffinity", Str),
    one(8, "loadBalancerIP", Str),
    list(9, "loadBalancerSourceRanges", Str),
    one(10, "externalName", Str),
    one(11, "externalTrafficPolicy", Str),
    one(12, "healthCheckNodePort", I32),
    one(13, "publishNotReadyAddresses", Bool),
    msg(14, "sessionAffinityConfig", SESSION_AFFINITY_CONFIG),
    list(19, "ipFamilies", Str),
    one(17, "ipFamilyPolicy", Str).keep(),
    one(20, "allocateLoadBalancerNodePorts", Bool).keep(),
    one(21, "loadBalancerClass", Str).keep(),
    one(22, "internalTrafficPolicy", Str).keep(),
    one(23, "trafficDistribution", Str).keep(),
];

const SERVICE_PORT: &[Field] = &[
    one(1, "name", Str),
    one(2, "protocol", Str),
    one(6, "appProtocol", Str).keep(),
    one(3, "port", I32).keep(),
    one(4, "targetPort", IOS),
    one(5, "nodePort", I32),
];

const SESSION_AFFINITY_CONFIG: &[Field] =
    &[msg(1, "clientIP", &[one(1, "timeoutSeconds", I32).keep()])];

const SERVICE_STATUS: &[Field] = &[
    msg(
        1,
        "loadBalancer",
        &[msgs(1, "ingress", LOAD_BALANCER_INGRESS)],
    ),
    msgs(2, "conditions", CONDITION),
];

const LOAD_BALANCER_INGRESS: &[Field] = &[
    one(1, "ip", Str),
    one(2, "hostname", Str),
    one(3, "ipMode", Str).keep(),
    msgs(4, "ports", PORT_STATUS),
];

const PORT_STATUS: &[Field] = &[
    one(1, "port", I32).keep(),
    one(2, "protocol", Str).keep(),
    one(3, "error", Str).keep(),
];

// core/v1: Pod and its template

const POD: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(2, "spec", POD_SPEC),
    msg(3, "status", POD_STATUS),
];

/// The status fields a client may send; the API server resets a new pod's status anyway.
const POD_STATUS: &[Field] = &[
    one(1, "phase", Str),
    msgs(2, "conditions", PROBED_CONDITION),
    one(3, "message", Str),
    one(4, "reason", Str),
    one(11, "nominatedNodeName", Str),
    one(5, "hostIP", Str),
    msgs(16, "hostIPs", &[one(1, "ip", Str).keep()]),
    one(6, "podIP", Str),
    msgs(12, "podIPs", &[one(1, "ip", Str).keep()]),
    one(7, "startTime", Time),
    one(9, "qosClass", Str),
];

const POD_TEMPLATE_SPEC: &[Field] = &[msg(1, "metadata", OBJECT_META), msg(2, "spec", POD_SPEC)];

const POD_SPEC: &[Field] = &[
    msgs(1, "volumes", VOLUME),
    msgs(20, "initContainers", CONTAINER),
    msgs(2, "containers", CONTAINER).keep(),
    one(3, "restartPolicy", Str),
    one(4, "terminationGracePeriodSeconds", I64).keep(),
    one(5, "activeDeadlineSeconds", I64).keep(),
    one(6, "dnsPolicy", Str),
    map(7, "nodeSelector", Str),
    one(8, "serviceAccountName", Str),
    one(9, "serviceAccount", Str),
    one(21, "automountServiceAccountToken", Bool).keep(),
    one(10, "nodeName", Str),
    one(11, "hostNetwork", Bool),
    one(12, "hostPID", Bool),
    one(13, "hostIPC", Bool),
    one(27, "shareProcessNamespace", Bool).keep(),
    msg(14, "securityContext", POD_SECURITY_CONTEXT),
    msgs(15, "imagePullSecrets", LOCAL_OBJECT_REFERENCE),
    one(16, "hostname", Str),
    one(17, "subdomain", Str),
    msg(18, "affinity", AFFINITY),
    one(19, "schedulerName", Str),
    msgs(22, "tolerations", TOLERATION),
    msgs(23, "hostAliases", HOST_ALIAS),
    one(24, "priorityClassName", Str),
    one(25, "priority", I32).keep(),
    msg(26, "dnsConfig", POD_DNS_CONFIG),
    msgs(28, "readinessGates", &[one(1, "conditionType", Str).keep()]),
    one(29, "runtimeClassName", Str).keep(),
    one(30, "enableServiceLinks", Bool).keep(),
    one(31, "preemptionPolicy", Str).keep(),
    map(32, "overhead", QTY),
    msgs(33, "topologySpreadConstraints", TOPOLOGY_SPREAD_CONSTRAINT),
    one(35, "setHostnameAsFQDN", Bool).keep(),
    msg(36, "os", &[one(1, "name", Str).keep()]),
    one(37, "hostUsers", Bool).keep(),
    msgs(38, "schedulingGates", &[one(1, "name", Str).keep()]),
    msgs(39, "resourceClaims", POD_RESOURCE_CLAIM),
    msg(40, "resources", RESOURCE_REQUIREMENTS),
];

const POD_RESOURCE_CLAIM: &[Field] = &[
    one(1, "name", Str).keep(),
    one(3, "resourceClaimName", Str).keep(),
    one(4, "resourceClaimTemplateName", Str).keep(),
];

const POD_SECURITY_CONTEXT: &[Field] = &[
    msg(1, "seLinuxOptions", SE_LINUX_OPTIONS),
    msg(8, "windowsOptions", WINDOWS_OPTIONS),
    one(2, "runAsUser", I64).keep(),
    one(6, "runAsGroup", I64).keep(),
    one(3, "runAsNonRoot", Bool).keep(),
    list(4, "supplementalGroups", I64),
    one(12, "supplementalGroupsPolicy", Str).keep(),
    one(5, "fsGroup", I64).keep(),
    msgs(
        7,
        "sysctls",
        &[one(1, "name", Str).keep(), one(2, "value", Str).keep()],
    ),
    one(9, "fsGroupChangePolicy", Str).keep(),
    msg(10, "seccompProfile", PROFILE),
    msg(11, "appArmorProfile", PROFILE),
    one(13, "seLinuxChangePolicy", Str).keep(),
];

const SE_LINUX_OPTIONS: &[Field] = &[
    one(1, "user", Str),
    one(2, "role", Str),
    one(3, "type", Str),
    one(4, "level", Str),
];

const WINDOWS_OPTIONS: &[Field] = &[
    one(1, "gmsaCredentialSpecName", Str).keep(),
    one(2, "gmsaCredentialSpec", Str).keep(),
    one(3, "runAsUserName", Str).keep(),
    one(4, "hostProcess", Bool).keep(),
];

/// SeccompProfile and AppArmorProfile share this layout.
const PROFILE: &[Field] = &[
    one(1, "type", Str).keep(),
    one(2, "localhostProfile", Str).keep(),
];

const AFFINITY: &[Field] = &[
    msg(1, "nodeAffinity", NODE_AFFINITY),
    msg(2, "podAffinity", POD_AFFINITY),
    msg(3, "podAntiAffinity", POD_AFFINITY),
];

const NODE_AFFINITY: &[Field] = &[
    msg(
        1,
        "requiredDuringSchedulingIgnoredDuringExecution",
        &[msgs(1, "nodeSelectorTerms", NODE_SELECTOR_TERM).keep()],
    ),
    msgs(
        2,
        "preferredDuringSchedulingIgnoredDuringExecution",
        &[
            one(1, "weight", I32).keep(),
            msg(2, "preference", NODE_SELECTOR_TERM),
        ],
    ),
];

const NODE_SELECTOR_TERM: &[Field] = &[
    msgs(1, "matchExpressions", SELECTOR_REQUIREMENT),
    msgs(2, "matchFields", SELECTOR_REQUIREMENT),
];

/// PodAffinity and PodAntiAffinity share this layout.
const POD_AFFINITY: &[Field] = &[
    msgs(
        1,
        "requiredDuringSchedulingIgnoredDuringExecution",
        POD_AFFINITY_TERM,
    ),
    msgs(
        2,
        "preferredDuringSchedulingIgnoredDuringExecution",
        &[
            one(1, "weight", I32).keep(),
            msg(2, "podAffinityTerm", POD_AFFINITY_TERM),
        ],
    ),
];

const POD_AFFINITY_TERM: &[Field] = &[
    msg(1, "labelSelector", LABEL_SELECTOR),
    list(2, "namespaces", Str),
    one(3, "topologyKey", Str).keep(),
    msg(4, "namespaceSelector", LABEL_SELECTOR),
    list(5, "matchLabelKeys", Str),
    list(6, "mismatchLabelKeys", Str),
];

const TOLERATION: &[Field] = &[
    one(1, "key", Str),
    one(2, "operator", Str),
    one(3, "value", Str),
    one(4, "effect", Str),
    one(5, "tolerationSeconds", I64).keep(),
];

const HOST_ALIAS: &[Field] = &[one(1, "ip", Str).keep(), list(2, "hostnames", Str)];

const POD_DNS_CONFIG: &[Field] = &[
    list(1, "nameservers", Str),
    list(2, "searches", Str),
    msgs(
        3,
        "options",
        &[one(1, "name", Str), one(2, "value", Str).keep()],
    ),
];

const TOPOLOGY_SPREAD_CONSTRAINT: &[Field] = &[
    one(1, "maxSkew", I32).keep(),
    one(2, "topologyKey", Str).keep(),
    one(3, "whenUnsatisfiable", Str).keep(),
    msg(4, "labelSelector", LABEL_SELECTOR),
    one(5, "minDomains", I32).keep(),
    one(6, "nodeAffinityPolicy", Str).keep(),
    one(7, "nodeTaintsPolicy", Str).keep(),
    list(8, "matchLabelKeys", Str),
];

const CONTAINER: &[Field] = &[
    one(1, "name", Str).keep(),
    one(2, "image", Str),
    list(3, "command", Str),
    list(4, "args", Str),
    one(5, "workingDir", Str),
    msgs(6, "ports", CONTAINER_PORT),
    msgs(19, "envFrom", ENV_FROM_SOURCE),
    msgs(7, "env", ENV_VAR),
    msg(8, "resources", RESOURCE_REQUIREMENTS),
    msgs(
        23,
        "resizePolicy",
        &[
            one(1, "resourceName", Str).keep(),
            one(2, "restartPolicy", Str).keep(),
        ],
    ),
    one(24, "restartPolicy", Str).keep(),
    msgs(9, "volumeMounts", VOLUME_MOUNT),
    msgs(
        21,
        "volumeDevices",
        &[one(1, "name", Str).keep(), one(2, "devicePath", Str).keep()],
    ),
    msg(10, "livenessProbe", PROBE),
    msg(11, "readinessProbe", PROBE),
    msg(22, "startupProbe", PROBE),
    msg(12, "lifecycle", LIFECYCLE),
    one(13, "terminationMessagePath", Str),
    one(20, "terminationMessagePolicy", Str),
    one(14, "imagePullPolicy", Str),
    msg(15, "securityContext", SECURITY_CONTEXT),
    one(16, "stdin", Bool),
    one(17, "stdinOnce", Bool),
    one(18, "tty", Bool),
];

const CONTAINER_PORT: &[Field] = &[
    one(1, "name", Str),
    one(2, "hostPort", I32),
    one(3, "containerPort", I32).keep(),
    one(4, "protocol", Str),
    one(5, "hostIP", Str),
];

const ENV_FROM_SOURCE: &[Field] = &[
    one(1, "prefix", Str),
    msg(2, "configMapRef", OPTIONAL_REFERENCE),
    msg(3, "secretRef", OPTIONAL_REFERENCE),
];

/// ConfigMapEnvSource and SecretEnvSource: an inlined LocalObjectReference plus `optional`.
const OPTIONAL_REFERENCE: &[Field] = &[
    inline(1, LOCAL_OBJECT_REFERENCE),
    one(2, "optional", Bool).keep(),
];

const ENV_VAR: &[Field] = &[
    one(1, "name", Str).keep(),
    one(2, "value", Str),
    msg(3, "valueFrom", ENV_VAR_SOURCE),
];

const ENV_VAR_SOURCE: &[Field] = &[
    msg(1, "fieldRef", OBJECT_FIELD_SELECTOR),
    msg(2, "resourceFieldRef", RESOURCE_FIELD_SELECTOR),
    msg(3, "configMapKeyRef", KEY_SELECTOR),
    msg(4, "secretKeyRef", KEY_SELECTOR),
];

const OBJECT_FIELD_SELECTOR: &[Field] =
    &[one(1, "apiVersion", Str), one(2, "fieldPath", Str).keep()];

const RESOURCE_FIELD_SELECTOR: &[Field] = &[
    one(1, "containerName", Str),
    one(2, "resource", Str).keep(),
    one(3, "divisor", QTY),
];

/// ConfigMapKeySelector and SecretKeySelector.
const KEY_SELECTOR: &[Field] = &[
    inline(1, LOCAL_OBJECT_REFERENCE),
    one(2, "key", Str).keep(),
    one(3, "optional", Bool).keep(),
];

const RESOURCE_REQUIREMENTS: &[Field] = &[
    map(1, "limits", QTY),
    map(2, "requests", QTY),
    msgs(
        3,
        "claims",
        &[one(1, "name", Str).keep(), one(2, "request", Str)],
    ),
];

const VOLUME_MOUNT: &[Field] = &[
    one(1, "name", Str).keep(),
    one(2, "readOnly", Bool),
    one(7, "recursiveReadOnly", Str).keep(),
    one(3, "mountPath", Str).keep(),
    one(4, "subPath", Str),
    one(5, "mountPropagation", Str).keep(),
    one(6, "subPathExpr", Str),
];

const PROBE: &[Field] = &[
    inline(1, PROBE_HANDLER),
    one(2, "initialDelaySeconds", I32),
    one(3, "timeoutSeconds", I32),
    one(4, "periodSeconds", I32),
    one(5, "successThreshold", I32),
    one(6, "failureThreshold", I32),
    one(7, "terminationGracePeriodSeconds", I64).keep(),
];

const PROBE_HANDLER: &[Field] = &[
    msg(1, "exec", EXEC_ACTION),
    msg(2, "httpGet", HTTP_GET_ACTION),
    msg(3, "tcpSocket", TCP_SOCKET_ACTION),
    msg(
        4,
        "grpc",
        &[one(1, "port", I32).keep(), one(2, "service", Str).keep()],
    ),
];

const EXEC_ACTION: &[Field] = &[list(1, "command", Str)];

const HTTP_GET_ACTION: &[Field] = &[
    one(1, "path", Str),
    one(2, "port", IOS),
    one(3, "host", Str),
    one(4, "scheme", Str),
    msgs(
        5,
        "httpHeaders",
        &[one(1, "name", Str).keep(), one(2, "value", Str).keep()],
    ),
];

const TCP_SOCKET_ACTION: &[Field] = &[one(1, "port", IOS), one(2, "host", Str)];

const LIFECYCLE: &[Field] = &[
    msg(1, "postStart", LIFECYCLE_HANDLER),
    msg(2, "preStop", LIFECYCLE_HANDLER),
    one(3, "stopSignal", Str).keep(),
];

const LIFECYCLE_HANDLER: &[Field] = &[
    msg(1, "exec", EXEC_ACTION),
    msg(2, "httpGet", HTTP_GET_ACTION),
    msg(3, "tcpSocket", TCP_SOCKET_ACTION),
    msg(4, "sleep", &[one(1, "seconds", I64).keep()]),
];

const SECURITY_CONTEXT: &[Field] = &[
    msg(
        1,
        "capabilities",
        &[list(1, "add", Str), list(2, "drop", Str)],
    ),
    one(2, "privileged", Bool).keep(),
    msg(3, "seLinuxOptions", SE_LINUX_OPTIONS),
    msg(10, "windowsOptions", WINDOWS_OPTIONS),
    one(4, "runAsUser", I64).keep(),
    one(8, "runAsGroup", I64).keep(),
    one(5, "runAsNonRoot", Bool).keep(),
    one(6, "readOnlyRootFilesystem", Bool).keep(),
    one(7, "allowPrivilegeEscalation", Bool).keep(),
    one(9, "procMount", Str).keep(),
    msg(11, "seccompProfile", PROFILE),
    msg(12, "appArmorProfile", PROFILE),
];

/// Volumes with the sources a workload template commonly uses; the cloud-provider and
/// deprecated in-tree sources are not decoded.
const VOLUME: &[Field] = &[one(1, "name", Str).keep(), inline(2, VOLUME_SOURCE)];

const VOLUME_SOURCE: &[Field] = &[
    msg(
        1,
        "hostPath",
        &[one(1, "path", Str).keep(), one(2, "type", Str).keep()],
    ),
    msg(
        2,
        "emptyDir",
        &[one(1, "medium", Str), one(2, "sizeLimit", QTY)],
    ),
    msg(6, "secret", SECRET_VOLUME_SOURCE),
    msg(
        7,
        "nfs",
        &[
            one(1, "server", Str).keep(),
            one(2, "path", Str).keep(),
            one(3, "readOnly", Bool),
        ],
    ),
    msg(
        10,
        "persistentVolumeClaim",
        &[one(1, "claimName", Str).keep(), one(2, "readOnly", Bool)],
    ),
    msg(16, "downwardAPI", DOWNWARD_API_VOLUME_SOURCE),
    msg(19, "configMap", CONFIG_MAP_VOLUME_SOURCE),
    msg(26, "projected", PROJECTED_VOLUME_SOURCE),
    msg(28, "csi", CSI_VOLUME_SOURCE),
    msg(
        30,
        "image",
        &[one(1, "reference", Str), one(2, "pullPolicy", Str)],
    ),
];

const SECRET_VOLUME_SOURCE: &[Field] = &[
    one(1, "secretName", Str),
    msgs(2, "items", KEY_TO_PATH),
    one(3, "defaultMode", I32).keep(),
    one(4, "optional", Bool).keep(),
];

const CONFIG_MAP_VOLUME_SOURCE: &[Field] = &[
    inline(1, LOCAL_OBJECT_REFERENCE),
    msgs(2, "items", KEY_TO_PATH),
    one(3, "defaultMode", I32).keep(),
    one(4, "optional", Bool).keep(),
];

const KEY_TO_PATH: &[Field] = &[
    one(1, "key", Str).keep(),
    one(2, "path", Str).keep(),
    one(3, "mode", I32).keep(),
];

const DOWNWARD_API_VOLUME_SOURCE: &[Field] = &[
    msgs(1, "items", DOWNWARD_API_FILE),
    one(2, "defaultMode", I32).keep(),
];

const DOWNWARD_API_FILE: &[Field] = &[
    one(1, "path", Str).keep(),
    msg(2, "fieldRef", OBJECT_FIELD_SELECTOR),
    msg(3, "resourceFieldRef", RESOURCE_FIELD_SELECTOR),
    one(4, "mode", I32).keep(),
];

const PROJECTED_VOLUME_SOURCE: &[Field] = &[
    msgs(1, "sources", VOLUME_PROJECTION).keep(),
    one(2, "defaultMode", I32).keep(),
];

const VOLUME_PROJECTION: &[Field] = &[
    msg(1, "secret", PROJECTION),
    msg(2, "downwardAPI", &[msgs(1, "items", DOWNWARD_API_FILE)]),
    msg(3, "configMap", PROJECTION),
    msg(
        4,
        "serviceAccountToken",
        &[
            one(1, "audience", Str),
            one(2, "expirationSeconds", I64).keep(),
            one(3, "path", Str).keep(),
        ],
    ),
];

/// SecretProjection and ConfigMapProjection.
const PROJECTION: &[Field] = &[
    inline(1, LOCAL_OBJECT_REFERENCE),
    msgs(2, "items", KEY_TO_PATH),
    one(4, "optional", Bool).keep(),
];

const CSI_VOLUME_SOURCE: &[Field] = &[
    one(1, "driver", Str).keep(),
    one(2, "readOnly", Bool).keep(),
    one(3, "fsType", Str).keep(),
    map(4, "volumeAttributes", Str),
    msg(5, "nodePublishSecretRef", LOCAL_OBJECT_REFERENCE),
];

// apps/v1

const DEPLOYMENT: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(2, "spec", DEPLOYMENT_SPEC),
    msg(3, "status", DEPLOYMENT_STATUS),
];

const DEPLOYMENT_SPEC: &[Field] = &[
    one(1, "replicas", I32).keep(),
    msg(2, "selector", LABEL_SELECTOR),
    msg(3, "template", POD_TEMPLATE_SPEC),
    msg(4, "strategy", DEPLOYMENT_STRATEGY),
    one(5, "minReadySeconds", I32),
    one(6, "revisionHistoryLimit", I32).keep(),
    one(7, "paused", Bool),
    one(9, "progressDeadlineSeconds", I32).keep(),
];

const DEPLOYMENT_STRATEGY: &[Field] = &[
    one(1, "type", Str),
    msg(
        2,
        "rollingUpdate",
        &[one(1, "maxUnavailable", IOS), one(2, "maxSurge", IOS)],
    ),
];

const DEPLOYMENT_STATUS: &[Field] = &[
    one(1, "observedGeneration", I64),
    one(2, "replicas", I32),
    one(3, "updatedReplicas", I32),
    one(7, "readyReplicas", I32),
    one(4, "availableReplicas", I32),
    one(5, "unavailableReplicas", I32),
    one(9, "terminatingReplicas", I32).keep(),
    msgs(6, "conditions", DEPLOYMENT_CONDITION),
    one(8, "collisionCount", I32).keep(),
];

const DEPLOYMENT_CONDITION: &[Field] = &[
    one(1, "type", Str).keep(),
    one(2, "status", Str).keep(),
    one(6, "lastUpdateTime", Time),
    one(7, "lastTransitionTime", Time),
    one(4, "reason", Str),
    one(5, "message", Str),
];

// batch/v1

const JOB: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(2, "spec", JOB_SPEC),
    msg(3, "status", JOB_STATUS),
];

const JOB_SPEC: &[Field] = &[
    one(1, "parallelism", I32).keep(),
    one(2, "completions", I32).keep(),
    one(3, "activeDeadlineSeconds", I64).keep(),
    msg(
        11,
        "podFailurePolicy",
        &[msgs(1, "rules", POD_FAILURE_POLICY_RULE).keep()],
    ),
    msg(
        16,
        "successPolicy",
        &[msgs(1, "rules", SUCCESS_POLICY_RULE).keep()],
    ),
    one(7, "backoffLimit", I32).keep(),
    one(12, "backoffLimitPerIndex", I32).keep(),
    one(13, "maxFailedIndexes", I32).keep(),
    msg(4, "selector", LABEL_SELECTOR),
    one(5, "manualSelector", Bool).keep(),
    msg(6, "template", POD_TEMPLATE_SPEC),
    one(8, "ttlSecondsAfterFinished", I32).keep(),
    one(9, "completionMode", Str).keep(),
    one(10, "suspend", Bool).keep(),
    one(14, "podReplacementPolicy", Str).keep(),
    one(15, "managedBy", Str).keep(),
];

const POD_FAILURE_POLICY_RULE: &[Field] = &[
    one(1, "action", Str).keep(),
    msg(
        2,
        "onExitCodes",
        &[
            one(1, "containerName", Str).keep(),
            one(2, "operator", Str).keep(),
            list(3, "values", I32).keep(),
        ],
    ),
    msgs(
        3,
        "onPodConditions",
        &[one(1, "type", Str).keep(), one(2, "status", Str).keep()],
    ),
];

const SUCCESS_POLICY_RULE: &[Field] = &[
    one(1, "succeededIndexes", Str).keep(),
    one(2, "succeededCount", I32).keep(),
];

const JOB_STATUS: &[Field] = &[
    msgs(1, "conditions", PROBED_CONDITION),
    one(2, "startTime", Time),
    one(3, "completionTime", Time),
    one(4, "active", I32),
    one(5, "succeeded", I32),
    one(6, "failed", I32),
    one(11, "terminating", I32).keep(),
    one(7, "completedIndexes", Str),
    one(10, "failedIndexes", Str).keep(),
    msg(
        8,
        "uncountedTerminatedPods",
        &[list(1, "succeeded", Str), list(2, "failed", Str)],
    ),
    one(9, "ready", I32).keep(),
];

const CRON_JOB: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(2, "spec", CRON_JOB_SPEC),
    msg(3, "status", CRON_JOB_STATUS),
];

const CRON_JOB_SPEC: &[Field] = &[
    one(1, "schedule", Str).keep(),
    one(8, "timeZone", Str).keep(),
    one(2, "startingDeadlineSeconds", I64).keep(),
    one(3, "concurrencyPolicy", Str),
    one(4, "suspend", Bool).keep(),
    msg(
        5,
        "jobTemplate",
        &[msg(1, "metadata", OBJECT_META), msg(2, "spec", JOB_SPEC)],
    ),
    one(6, "successfulJobsHistoryLimit", I32).keep(),
    one(7, "failedJobsHistoryLimit", I32).keep(),
];

const CRON_JOB_STATUS: &[Field] = &[
    msgs(1, "active", OBJECT_REFERENCE),
    one(4, "lastScheduleTime", Time),
    one(5, "lastSuccessfulTime", Time),
];

// policy/v1

const POD_DISRUPTION_BUDGET: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(
        2,
        "spec",
        &[
            one(1, "minAvailable", IOS),
            msg(2, "selector", LABEL_SELECTOR),
            one(3, "maxUnavailable", IOS),
            one(4, "unhealthyPodEvictionPolicy", Str).keep(),
        ],
    ),
    msg(3, "status", POD_DISRUPTION_BUDGET_STATUS),
];

const POD_DISRUPTION_BUDGET_STATUS: &[Field] = &[
    one(1, "observedGeneration", I64),
    map(2, "disruptedPods", Time),
    one(3, "disruptionsAllowed", I32).keep(),
    one(4, "currentHealthy", I32).keep(),
    one(5, "desiredHealthy", I32).keep(),
    one(6, "expectedPods", I32).keep(),
    msgs(7, "conditions", CONDITION),
];

// autoscaling/v1, which `kubectl autoscale` (v1.32) sends

const HORIZONTAL_POD_AUTOSCALER_V1: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(
        2,
        "spec",
        &[
            msg(
                1,
                "scaleTargetRef",
                &[
                    one(1, "kind", Str).keep(),
                    one(2, "name", Str).keep(),
                    one(3, "apiVersion", Str),
                ],
            ),
            one(2, "minReplicas", I32).keep(),
            one(3, "maxReplicas", I32).keep(),
            one(4, "targetCPUUtilizationPercentage", I32).keep(),
        ],
    ),
    msg(
        3,
        "status",
        &[
            one(1, "observedGeneration", I64).keep(),
            one(2, "lastScaleTime", Time),
            one(3, "currentReplicas", I32).keep(),
            one(4, "desiredReplicas", I32).keep(),
            one(5, "currentCPUUtilizationPercentage", I32).keep(),
        ],
    ),
];

// networking.k8s.io/v1

const INGRESS: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msg(2, "spec", INGRESS_SPEC),
    msg(
        3,
        "status",
        &[msg(
            1,
            "loadBalancer",
            &[msgs(1, "ingress", INGRESS_LOAD_BALANCER_INGRESS)],
        )],
    ),
];

const INGRESS_SPEC: &[Field] = &[
    one(4, "ingressClassName", Str).keep(),
    msg(1, "defaultBackend", INGRESS_BACKEND),
    msgs(
        2,
        "tls",
        &[list(1, "hosts", Str), one(2, "secretName", Str)],
    ),
    msgs(3, "rules", INGRESS_RULE),
];

const INGRESS_BACKEND: &[Field] = &[
    msg(
        4,
        "service",
        &[
            one(1, "name", Str).keep(),
            msg(2, "port", &[one(1, "name", Str), one(2, "number", I32)]),
        ],
    ),
    msg(
        3,
        "resource",
        &[
            one(1, "apiGroup", Str).keep(),
            one(2, "kind", Str).keep(),
            one(3, "name", Str).keep(),
        ],
    ),
];

const INGRESS_RULE: &[Field] = &[
    one(1, "host", Str),
    inline(
        2,
        &[msg(
            1,
            "http",
            &[msgs(1, "paths", HTTP_INGRESS_PATH).keep()],
        )],
    ),
];

const HTTP_INGRESS_PATH: &[Field] = &[
    one(1, "path", Str),
    one(3, "pathType", Str).keep(),
    msg(2, "backend", INGRESS_BACKEND),
];

const INGRESS_LOAD_BALANCER_INGRESS: &[Field] = &[
    one(1, "ip", Str),
    one(2, "hostname", Str),
    msgs(4, "ports", PORT_STATUS),
];

// rbac.authorization.k8s.io/v1

const ROLE: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msgs(2, "rules", POLICY_RULE).keep(),
];

const CLUSTER_ROLE: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msgs(2, "rules", POLICY_RULE).keep(),
    msg(
        3,
        "aggregationRule",
        &[msgs(1, "clusterRoleSelectors", LABEL_SELECTOR)],
    ),
];

const POLICY_RULE: &[Field] = &[
    list(1, "verbs", Str).keep(),
    list(2, "apiGroups", Str),
    list(3, "resources", Str),
    list(4, "resourceNames", Str),
    list(5, "nonResourceURLs", Str),
];

/// RoleBinding and ClusterRoleBinding.
const ROLE_BINDING: &[Field] = &[
    msg(1, "metadata", OBJECT_META),
    msgs(
        2,
        "subjects",
        &[
            one(1, "kind", Str).keep(),
            one(2, "apiGroup", Str),
            one(3, "name", Str).keep(),
            one(4, "namespace", Str),
        ],
    ),
    msg(
        3,
        "roleRef",
        &[
            one(1, "apiGroup", Str).keep(),
            one(2, "kind", Str).keep(),
            one(3, "name", Str).keep(),
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A body kubectl v1.32 sent, and the JSON the same kubectl prints for the same command
    /// with `--dry-run=client -o json` (Go's own JSON encoding of the object it sent).
    struct Fixture {
        command: &'static str,
        body: &'static str,
        json: &'static str,
    }

    const FIXTURES: &[Fixture] = &[
    Fixture {
        command: "kubectl create namespace x (the body in the research notes)",
        body: "6b3873000a0f0a02763112094e616d65737061636512190a110a017812001a0022002a0032003800\
            420012001a020a001a002200",
        json: r#"{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x",
            "creationTimestamp":null},"spec":{},"status":{}}"#,
    },
    Fixture {
        command: "kubectl create deployment web --image=nginx:1.27 --port=80 --replicas=2",
        body: "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412bd010a1f0a0377656212001a\
            0022002a003200380042005a0a0a036170701203776562128b010802120c0a0a0a03617070120377\
            65621a710a1c0a0012001a0022002a003200380042005a0a0a036170701203776562125112330a05\
            6e67696e78120a6e67696e783a312e32372a00320a0a001000185022002a0042006a007200800100\
            880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a\
            00280038001a0c0800100018002000280038001a002200",
        json: r#"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","creationTimestamp":null,
            "labels":{"app":"web"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
            "template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},
            "spec":{"containers":[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":80}],
            "resources":{}}]}},"strategy":{}},"status":{}}"#,
    },
    Fixture {
        command: "kubectl create deployment zero --image=nginx --replicas=0 -n other",
        body: "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b4010a260a047a65726f1200\
            1a056f7468657222002a003200380042005a0b0a0361707012047a65726f127c0800120d0a0b0a03\
            61707012047a65726f1a610a1d0a0012001a0022002a003200380042005a0b0a0361707012047a65\
            726f124012220a056e67696e7812056e67696e782a0042006a007200800100880100900100a20100\
            1a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800\
            100018002000280038001a002200",
        json: r#"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"zero",
            "namespace":"other","creationTimestamp":null,"labels":{"app":"zero"}},
            "spec":{"replicas":0,"selector":{"matchLabels":{"app":"zero"}},"template":{"metadata":{"creationTimestamp":null,
            "labels":{"app":"zero"}},"spec":{"containers":[{"name":"nginx","image":"nginx",
            "resources":{}}]}},"strategy":{}},"status":{}}"#,
    },
    Fixture {
        command: "kubectl create configmap c2 --from-literal=a=1 --from-literal=b=2 --from-file=bin.dat --from-file=hello.txt",
        body: "6b3873000a0f0a0276311209436f6e6669674d617012490a120a02633212001a0022002a00320038\
            00420012060a016112013112060a016212013212120a0968656c6c6f2e747874120568656c6c6f1a\
            0f0a0762696e2e64617412040001fffe1a002200",
        json: r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c2","creationTimestamp":null},
            "data":{"a":"1","b":"2","hello.txt":"hello"},"binaryData":{"bin.dat":"AAH//g=="}}"#,
    },
    Fixture {
        command: "kubectl create secret generic s2 --from-literal=p=x --type=Opaque --from-file=bin.dat",
        body: "6b3873000a0c0a027631120653656372657412350a120a02733212001a0022002a00320038004200\
            120f0a0762696e2e64617412040001fffe12060a01701201781a064f70617175651a002200",
        json: r#"{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s2","creationTimestamp":null},
            "data":{"bin.dat":"AAH//g==","p":"eA=="},"type":"Opaque"}"#,
    },
    Fixture {
        command: "kubectl create service clusterip multi --tcp=80:8080 --tcp=443:https",
        body: "6b3873000a0d0a0276311207536572766963651293010a230a056d756c746912001a0022002a0032\
            00380042005a0c0a0361707012056d756c746912680a1b0a0738302d383038301203544350185022\
            07080010903f1a0028000a220a093434332d6874747073120354435018bb03220b080110001a0568\
            747470732800120c0a0361707012056d756c74691a002209436c757374657249503a00420052005a\
            00600068001a020a001a002200",
        json: r#"{"kind":"Service","apiVersion":"v1","metadata":{"name":"multi","creationTimestamp":null,
            "labels":{"app":"multi"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP",
            "port":80,"targetPort":8080},{"name":"443-https","protocol":"TCP","port":443,
            "targetPort":"https"}],"selector":{"app":"multi"},"type":"ClusterIP"},
            "status":{"loadBalancer":{}}}"#,
    },
    Fixture {
        command: "kubectl create job fromcj --from=cronjob/nightly",
        body: "6b3873000a0f0a0862617463682f763112034a6f6212d00c0a99010a0666726f6d636a12001a0022\
            002a003200380042005a0e0a036a6f6212076e696768746c79622b0a2163726f6e6a6f622e6b7562\
            65726e657465732e696f2f696e7374616e746961746512066d616e75616c6a440a0743726f6e4a6f\
            621a076e696768746c79222430663663336332652d313131312d323232322d333333332d34343434\
            35353535363636362a0862617463682f7631300112a70b0801100118d80432f50a0a280a0012001a\
            0022002a003200380042005a0e0a036a6f6212076e696768746c7962060a016112016212c80a0a24\
            0a03636667121d9a011a0a040a02636d120d0a01611205612e74787418a40318a40320010a0f0a03\
            736563120832060a01731880020a190a03746d70121212100a064d656d6f727912060a0436344d69\
            0a110a0464617461120952070a0370766310010a1f0a04686f737412170a150a082f7661722f6c6f\
            6712094469726563746f72790a2c0a046461706912248201210a1f0a066c6162656c7312150a0276\
            31120f6d657461646174612e6c6162656c730a2c0a0470726f6a1224d201210a11220f0a03617069\
            10901c1a05746f6b656e0a091a070a050a03636d3210a40312b1040a046d61696e120c6275737962\
            6f783a312e33361a02736822022d63220372756e2a022f7732120a0468747470100018903f220354\
            43502a0032160a0010824718824722035544502a07302e302e302e303a060a01411201313a1c0a01\
            4212001a150a130a027631120d6d657461646174612e6e616d653a130a014312001a0c220a0a030a\
            017312016b18003a120a014412001a0b1a090a040a02636d12016b3a250a014512001a1e121c0a04\
            6d61696e120d6c696d6974732e6d656d6f72791a050a03314d6942430a0d0a0363707512060a0435\
            30306d0a110a066d656d6f727912070a053235364d69120d0a0363707512060a043130306d12100a\
            066d656d6f727912060a0436344d694a110a0363666710011a042f636667220032004a120a03746d\
            7010001a042f746d70220178320052310a2512230a082f6865616c74687a1207080010903f1a001a\
            002204485454502a060a015812017910031801200a280130035a1c0a101a0e0a0a080110001a0468\
            74747012001000180020052800300062220a1212100a022f731206080010501a001a002200120c0a\
            0a0a05736c6565700a01356a142f6465762f7465726d696e6174696f6e2d6c6f67720c49664e6f74\
            50726573656e747a1b0a100a094e45545f41444d494e1203414c4c100020e9073001380080010188\
            01009001019a010c0a02505f12060a040a02636d9a010b0a001a070a030a01731001a2010446696c\
            65b201180a0c0a0a0a036361740a032f6f6b1000180020002800301e1a094f6e4661696c75726520\
            1e28f403320c436c757374657246697273743a0b0a046469736b1203737364420672756e6e65724a\
            0672756e6e65725200580160006800724d10e80718012004200528d00f30b8173a1a0a126e65742e\
            636f72652e736f6d6178636f6e6e1204313032344a0e4f6e526f6f744d69736d6174636852100a0e\
            52756e74696d6544656661756c747a090a0772656763726564820101688a010273649201790a2b0a\
            140a120a100a047a6f6e651202496e1a01611a016212130805120f0a0d0a03677075120645786973\
            747312270a250a0b0a090a03617070120264621a166b756265726e657465732e696f2f686f73746e\
            616d651a21121f080a121b0a10120e0a036170701202496e1a037765621201781a047a6f6e659a01\
            1164656661756c742d7363686564756c6572a201310a04696e6974120762757379626f781a027368\
            1a022d631a04747275652a0042006a007200800100880100900100a20100a80100b201190a016b12\
            05457175616c1a0176220a4e6f5363686564756c65b201190a0012064578697374731a0022094e6f\
            45786563757465283cba01130a0831302e302e302e311207612e6c6f63616cc2010468696768c801\
            e807d2011e0a07312e312e312e311207732e6c6f63616c1a0a0a056e646f7473120132d80101e201\
            090a07782f7265616479ea01027263f00100fa01054e657665728a0229080112047a6f6e651a0d44\
            6f4e6f745363686564756c6522100a0e0a036a6f6212076e696768746c79380240ac024a0a4e6f6e\
            496e6465786564500072135465726d696e6174696e674f724661696c65641a082000280030003a00\
            1a002200",
        json: r#"{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"fromcj","creationTimestamp":null,
            "labels":{"job":"nightly"},"annotations":{"cronjob.kubernetes.io/instantiate":"manual"},
            "ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"nightly",
            "uid":"0f6c3c2e-1111-2222-3333-444455556666","controller":true}]},"spec":{"parallelism":1,
            "completions":1,"activeDeadlineSeconds":600,"backoffLimit":2,"template":{"metadata":{"creationTimestamp":null,
            "labels":{"job":"nightly"},"annotations":{"a":"b"}},"spec":{"volumes":[{"name":"cfg",
            "configMap":{"name":"cm","items":[{"key":"a","path":"a.txt","mode":420}],
            "defaultMode":420,"optional":true}},{"name":"sec","secret":{"secretName":"s",
            "defaultMode":256}},{"name":"tmp","emptyDir":{"medium":"Memory","sizeLimit":"64Mi"}},
            {"name":"data","persistentVolumeClaim":{"claimName":"pvc","readOnly":true}},
            {"name":"host","hostPath":{"path":"/var/log","type":"Directory"}},{"name":"dapi",
            "downwardAPI":{"items":[{"path":"labels","fieldRef":{"apiVersion":"v1",
            "fieldPath":"metadata.labels"}}]}},{"name":"proj","projected":{"sources":[{"serviceAccountToken":{"audience":"api",
            "expirationSeconds":3600,"path":"token"}},{"configMap":{"name":"cm2"}}],
            "defaultMode":420}}],"initContainers":[{"name":"init","image":"busybox",
            "command":["sh","-c","true"],"resources":{}}],"containers":[{"name":"main",
            "image":"busybox:1.36","command":["sh"],"args":["-c","run"],"workingDir":"/w",
            "ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"hostPort":9090,
            "containerPort":9090,"protocol":"UDP","hostIP":"0.0.0.0"}],"envFrom":[{"prefix":"P_",
            "configMapRef":{"name":"cm"}},{"secretRef":{"name":"s","optional":true}}],
            "env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"apiVersion":"v1",
            "fieldPath":"metadata.name"}}},{"name":"C","valueFrom":{"secretKeyRef":{"name":"s",
            "key":"k","optional":false}}},{"name":"D","valueFrom":{"configMapKeyRef":{"name":"cm",
            "key":"k"}}},{"name":"E","valueFrom":{"resourceFieldRef":{"containerName":"main",
            "resource":"limits.memory","divisor":"1Mi"}}}],"resources":{"limits":{"cpu":"500m",
            "memory":"256Mi"},"requests":{"cpu":"100m","memory":"64Mi"}},"volumeMounts":[{"name":"cfg",
            "readOnly":true,"mountPath":"/cfg"},{"name":"tmp","mountPath":"/tmp","subPath":"x"}],
            "livenessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP",
            "httpHeaders":[{"name":"X","value":"y"}]},"initialDelaySeconds":3,"timeoutSeconds":1,
            "periodSeconds":10,"successThreshold":1,"failureThreshold":3},"readinessProbe":{"tcpSocket":{"port":"http"},
            "periodSeconds":5},"startupProbe":{"exec":{"command":["cat","/ok"]},"failureThreshold":30},
            "lifecycle":{"postStart":{"httpGet":{"path":"/s","port":80}},"preStop":{"exec":{"command":["sleep",
            "5"]}}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File",
            "imagePullPolicy":"IfNotPresent","securityContext":{"capabilities":{"add":["NET_ADMIN"],
            "drop":["ALL"]},"privileged":false,"runAsUser":1001,"readOnlyRootFilesystem":true,
            "allowPrivilegeEscalation":false},"stdin":true,"tty":true}],"restartPolicy":"OnFailure",
            "terminationGracePeriodSeconds":30,"activeDeadlineSeconds":500,"dnsPolicy":"ClusterFirst",
            "nodeSelector":{"disk":"ssd"},"serviceAccountName":"runner","serviceAccount":"runner",
            "automountServiceAccountToken":false,"hostNetwork":true,"shareProcessNamespace":true,
            "securityContext":{"runAsUser":1000,"runAsGroup":3000,"runAsNonRoot":true,
            "supplementalGroups":[4,5],"fsGroup":2000,"sysctls":[{"name":"net.core.somaxconn",
            "value":"1024"}],"fsGroupChangePolicy":"OnRootMismatch","seccompProfile":{"type":"RuntimeDefault"}},
            "imagePullSecrets":[{"name":"regcred"}],"hostname":"h","subdomain":"sd",
            "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone",
            "operator":"In","values":["a","b"]}]}]},"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":5,
            "preference":{"matchExpressions":[{"key":"gpu","operator":"Exists"}]}}]},
            "podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"db"}},
            "topologyKey":"kubernetes.io/hostname"}]},"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":10,
            "podAffinityTerm":{"labelSelector":{"matchExpressions":[{"key":"app","operator":"In",
            "values":["web"]}]},"namespaces":["x"],"topologyKey":"zone"}}]}},"schedulerName":"default-scheduler",
            "tolerations":[{"key":"k","operator":"Equal","value":"v","effect":"NoSchedule"},
            {"operator":"Exists","effect":"NoExecute","tolerationSeconds":60}],"hostAliases":[{"ip":"10.0.0.1",
            "hostnames":["a.local"]}],"priorityClassName":"high","priority":1000,"dnsConfig":{"nameservers":["1.1.1.1"],
            "searches":["s.local"],"options":[{"name":"ndots","value":"2"}]},"readinessGates":[{"conditionType":"x/ready"}],
            "runtimeClassName":"rc","enableServiceLinks":false,"preemptionPolicy":"Never",
            "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule",
            "labelSelector":{"matchLabels":{"job":"nightly"}}}]}},"ttlSecondsAfterFinished":300,
            "completionMode":"NonIndexed","suspend":false,"podReplacementPolicy":"TerminatingOrFailed"},
            "status":{}}"#,
    },
    Fixture {
        command: "kubectl create cronjob cj --image=busybox --schedule='*/1 * * * *' --restart=OnFailure -- date",
        body: "6b3873000a130a0862617463682f7631120743726f6e4a6f6212a4010a120a02636a12001a002200\
            2a00320038004200128b010a0b2a2f31202a202a202a202a1a002a7a0a120a02636a12001a002200\
            2a00320038004200126432620a100a0012001a0022002a00320038004200124e12270a02636a1207\
            62757379626f781a04646174652a0042006a007200800100880100900100a201001a094f6e466169\
            6c757265320042004a0052005800600068008201008a01009a0100c201001a001a002200",
        json: r#"{"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"cj","creationTimestamp":null},
            "spec":{"schedule":"*/1 * * * *","jobTemplate":{"metadata":{"name":"cj",
            "creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},
            "spec":{"containers":[{"name":"cj","image":"busybox","command":["date"],
            "resources":{}}],"restartPolicy":"OnFailure"}}}}},"status":{}}"#,
    },
    Fixture {
        command: "kubectl create quota q --hard=pods=10,cpu=1.5,memory=1Gi --scopes=NotTerminating",
        body: "6b3873000a130a027631120d5265736f7572636551756f746112560a110a017112001a0022002a00\
            320038004200123f0a0e0a0363707512070a05313530306d0a0f0a066d656d6f727912050a033147\
            690a0c0a04706f647312040a023130120e4e6f745465726d696e6174696e671a001a002200",
        json: r#"{"kind":"ResourceQuota","apiVersion":"v1","metadata":{"name":"q","creationTimestamp":null},
            "spec":{"hard":{"cpu":"1500m","memory":"1Gi","pods":"10"},"scopes":["NotTerminating"]},
            "status":{}}"#,
    },
    Fixture {
        command: "kubectl create poddisruptionbudget pdb2 --selector=app=web --max-unavailable=50%",
        body: "6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e427564676574123d\
            0a140a047064623212001a0022002a003200380042001219120c0a0a0a0361707012037765621a09\
            080110001a033530251a0a080018002000280030001a002200",
        json: r#"{"kind":"PodDisruptionBudget","apiVersion":"policy/v1","metadata":{"name":"pdb2",
            "creationTimestamp":null},"spec":{"selector":{"matchLabels":{"app":"web"}},
            "maxUnavailable":"50%"},"status":{"disruptionsAllowed":0,"currentHealthy":0,
            "desiredHealthy":0,"expectedPods":0}}"#,
    },
    Fixture {
        command: "kubectl create rolebinding rb --role=r --user=alice --group=devs --serviceaccount=default:sa",
        body: "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f\
            6c6542696e64696e6712b3010a120a02726212001a0022002a00320038004200122a0a0455736572\
            1219726261632e617574686f72697a6174696f6e2e6b38732e696f1a05616c6963652200122a0a05\
            47726f75701219726261632e617574686f72697a6174696f6e2e6b38732e696f1a04646576732200\
            121f0a0e536572766963654163636f756e7412001a027361220764656661756c741a240a19726261\
            632e617574686f72697a6174696f6e2e6b38732e696f1204526f6c651a01721a002200",
        json: r#"{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rb",
            "creationTimestamp":null},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io",
            "name":"alice"},{"kind":"Group","apiGroup":"rbac.authorization.k8s.io",
            "name":"devs"},{"kind":"ServiceAccount","name":"sa","namespace":"default"}],
            "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"}}"#,
    },
    Fixture {
        command: "kubectl create ingress ing --rule='foo.com/bar*=svc:80,tls=my-cert' --class=nginx --default-backend=def:http --annotation=a=b",
        body: "6b3873000a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e6772657373127f0a\
            1b0a03696e6712001a0022002a0032003800420062060a0161120162125c0a11220f0a0364656612\
            080a0468747470100012120a07666f6f2e636f6d12076d792d636572741a2c0a07666f6f2e636f6d\
            12210a1f0a1d0a042f626172120d220b0a0373766312040a0010501a0650726566697822056e6769\
            6e781a020a001a002200",
        json: r#"{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"ing",
            "creationTimestamp":null,"annotations":{"a":"b"}},"spec":{"ingressClassName":"nginx",
            "defaultBackend":{"service":{"name":"def","port":{"name":"http"}}},"tls":[{"hosts":["foo.com"],
            "secretName":"my-cert"}],"rules":[{"host":"foo.com","http":{"paths":[{"path":"/bar",
            "pathType":"Prefix","backend":{"service":{"name":"svc","port":{"number":80}}}}]}}]},
            "status":{"loadBalancer":{}}}"#,
    },
    Fixture {
        command: "kubectl autoscale deployment web --min=2 --max=5 --cpu-percent=80",
        body: "6b3873000a290a0e6175746f7363616c696e672f76311217486f72697a6f6e74616c506f64417574\
            6f7363616c6572123f0a130a0377656212001a0022002a0032003800420012220a1a0a0a4465706c\
            6f796d656e7412037765621a07617070732f76311002180520501a04180020001a002200",
        json: r#"{"kind":"HorizontalPodAutoscaler","apiVersion":"autoscaling/v1","metadata":{"name":"web",
            "creationTimestamp":null},"spec":{"scaleTargetRef":{"kind":"Deployment",
            "name":"web","apiVersion":"apps/v1"},"minReplicas":2,"maxReplicas":5,"targetCPUUtilizationPercentage":80},
            "status":{"currentReplicas":0,"desiredReplicas":0}}"#,
    },
    Fixture {
        command: "kubectl create clusterrole agg --aggregation-rule=rbac.example.com/aggregate=true",
        body: "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c\
            7573746572526f6c65123d0a130a0361676712001a0022002a003200380042001a260a240a220a1a\
            726261632e6578616d706c652e636f6d2f6167677265676174651204747275651a002200",
        json: r#"{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"agg",
            "creationTimestamp":null},"rules":null,"aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"rbac.example.com/aggregate":"true"}}]}}"#,
    },
    ];

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    /// Compares serialized text, so Go's field order is checked as well as the values.
    #[test]
    fn kubectl_bodies_decode_to_kubectls_own_json() {
        for f in FIXTURES {
            let got = decode(&unhex(f.body)).unwrap_or_else(|e| panic!("{}: {e}", f.command));
            let want: Value = serde_json::from_str(f.json).expect("fixture json");
            assert_eq!(got.to_string(), want.to_string(), "{}", f.command);
        }
    }

    #[test]
    fn wire_presence_is_read_the_way_go_reads_it() {
        let namespace = decode(&unhex(FIXTURES[0].body)).expect("decodes");
        // uid "", generation 0 and status.phase "" are on the wire but were never set.
        assert_eq!(namespace["metadata"].get("uid"), None);
        assert_eq!(namespace["status"], json!({}));
        let zero = FIXTURES
            .iter()
            .find(|f| f.command.contains("--replicas=0"))
            .expect("fixture");
        let zero = decode(&unhex(zero.body)).expect("decodes");
        // A pointer field keeps its explicit zero.
        assert_eq!(zero["spec"]["replicas"], json!(0));
        assert_eq!(zero["metadata"]["namespace"], json!("other"));
    }

    // A tiny encoder for hand-made messages.

    fn varint(mut v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
        out
    }

    fn field(num: u64, wire_type: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = varint(num << 3 | u64::from(wire_type));
        if wire_type == LEN {
            out.extend(varint(payload.len() as u64));
        }
        out.extend_from_slice(payload);
        out
    }

    fn len(num: u64, parts: &[Vec<u8>]) -> Vec<u8> {
        field(num, LEN, &parts.concat())
    }

    fn text_field(num: u64, s: &str) -> Vec<u8> {
        field(num, LEN, s.as_bytes())
    }

    fn number(num: u64, v: u64) -> Vec<u8> {
        field(num, VARINT, &varint(v))
    }

    fn body(api_version: &str, kind: &str, raw: &[Vec<u8>]) -> Vec<u8> {
        let type_meta = len(1, &[text_field(1, api_version), text_field(2, kind)]);
        [
            MAGIC.to_vec(),
            type_meta,
            len(2, raw),
            text_field(3, ""),
            text_field(4, ""),
        ]
        .concat()
    }

    fn meta(name: &str) -> Vec<u8> {
        len(1, &[text_field(1, name)])
    }

    #[test]
    fn unknown_fields_are_skipped_by_wire_type() {
        let metadata = len(
            1,
            &[
                number(99, 5),
                field(98, FIXED64, &[0; 8]),
                field(97, FIXED32, &[0; 4]),
                // A group holding a nested group and a varint.
                varint(96 << 3 | u64::from(START_GROUP)),
                varint(95 << 3 | u64::from(START_GROUP)),
                number(1, 1),
                varint(95 << 3 | u64::from(END_GROUP)),
                varint(96 << 3 | u64::from(END_GROUP)),
                text_field(1, "x"),
                len(17, &[text_field(1, "managed-fields-are-dropped")]),
            ],
        );
        let got = decode(&body(
            "v1",
            "ConfigMap",
            &[metadata, text_field(50, "future")],
        ));
        assert_eq!(
            got,
            Ok(json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x"}}))
        );
    }

    #[test]
    fn special_types_render_like_go() {
        let timestamp = len(8, &[number(1, 1_700_000_000), number(2, 5)]);
        let quota = body(
            "v1",
            "ResourceQuota",
            &[
                len(1, &[text_field(1, "q"), timestamp]),
                len(
                    2,
                    &[
                        len(1, &[text_field(1, "cpu"), len(2, &[text_field(1, "1.5")])]),
                        len(
                            1,
                            &[text_field(1, "memory"), len(2, &[text_field(1, "1024Mi")])],
                        ),
                        len(1, &[text_field(1, "pods"), len(2, &[text_field(1, "+10")])]),
                    ],
                ),
            ],
        );
        let got = decode(&quota).expect("decodes");
        assert_eq!(
            got["metadata"]["creationTimestamp"],
            json!("2023-11-14T22:13:20Z")
        );
        assert_eq!(
            got["spec"]["hard"],
            json!({"cpu": "1500m", "memory": "1Gi", "pods": "+10"})
        );

        // Negative int32 (ten-byte varint), IntOrString string, packed repeated int64.
        let pod_spec = len(
            2,
            &[
                len(2, &[text_field(1, "c"), number(16, 0)]),
                number(25, (-1i64) as u64),
                len(14, &[field(4, LEN, &[varint(1), varint(2)].concat())]),
            ],
        );
        let pod = decode(&body("v1", "Pod", &[meta("p"), pod_spec])).expect("decodes");
        assert_eq!(pod["spec"]["priority"], json!(-1));
        assert_eq!(pod["spec"]["containers"], json!([{"name": "c"}]));
        assert_eq!(
            pod["spec"]["securityContext"]["supplementalGroups"],
            json!([1, 2])
        );
        let port = len(
            1,
            &[
                number(3, 80),
                len(4, &[number(1, 1), text_field(3, "http")]),
            ],
        );
        let svc = decode(&body("v1", "Service", &[meta("s"), len(2, &[port])])).expect("decodes");
        assert_eq!(
            svc["spec"]["ports"],
            json!([{"port": 80, "targetPort": "http"}])
        );
    }

    #[test]
    fn repeated_messages_merge_and_absent_required_lists_are_null() {
        let twice = body(
            "rbac.authorization.k8s.io/v1",
            "Role",
            &[
                meta("r"),
                len(1, &[len(11, &[text_field(1, "a"), text_field(2, "b")])]),
            ],
        );
        assert_eq!(
            decode(&twice),
            Ok(
                json!({"kind": "Role", "apiVersion": "rbac.authorization.k8s.io/v1",
                      "metadata": {"name": "r", "labels": {"a": "b"}}, "rules": null})
            )
        );
    }

    #[test]
    fn bad_bodies_are_errors_that_say_what_is_wrong() {
        assert_eq!(
            decode(b"{\"kind\":\"Namespace\"}"),
            Err("a protobuf body must start with the 'k8s\\x00' magic prefix".to_string())
        );
        let unknown = decode(&body("apps/v1", "ReplicaSet", &[meta("r")])).unwrap_err();
        assert!(unknown.contains("ReplicaSet (apps/v1)"), "{unknown}");
        let wrong_type = decode(&body("v1", "Secret", &[len(1, &[number(1, 7)])])).unwrap_err();
        assert_eq!(
            wrong_type,
            "invalid protobuf Secret (v1) body: metadata.name: wire type 0 where a string \
             (wire type 2) was expected"
        );
        let bad_quantity = body(
            "v1",
            "ResourceQuota",
            &[len(
                2,
                &[len(
                    1,
                    &[text_field(1, "cpu"), len(2, &[text_field(1, "lots")])],
                )],
            )],
        );
        let err = decode(&bad_quantity).unwrap_err();
        assert!(
            err.contains("spec.hard: quantity \"lots\": quantities must match"),
            "{err}"
        );
        let no_kind = [MAGIC.to_vec(), len(2, &[meta("x")])].concat();
        assert!(decode(&no_kind)
            .unwrap_err()
            .contains("typeMeta.kind is missing"));
    }

    /// Truncated or corrupted input must produce an error or a value, never a panic.
    #[test]
    fn garbled_input_never_panics() {
        let deployment = unhex(FIXTURES[1].body);
        for cut in 0..deployment.len() {
            let _ = decode(&deployment[..cut]);
        }
        assert!(decode(&deployment[..deployment.len() - 12]).is_err());
        for i in MAGIC.len()..deployment.len() {
            for byte in [0x00, 0x01, 0x07, 0x0a, 0x12, 0x7f, 0x80, 0xff] {
                let mut garbled = deployment.clone();
                garbled[i] = byte;
                let _ = decode(&garbled);
            }
        }
        let overlong = [MAGIC.to_vec(), vec![0x0a], vec![0xff; 11]].concat();
        assert!(decode(&overlong).is_err());
        let huge_len = [MAGIC.to_vec(), vec![0x12], varint(u64::MAX)].concat();
        assert!(decode(&huge_len).is_err());
    }
}
