//! The one error type of the plugin, its exit codes, and the translation of kube-rs errors
//! into sentences a user can act on.
//!
//! Every failure is reported as exactly one line, `error: <what failed>: <cause>`, followed by
//! a `hint: …` line when a fix is known (see `DESIGN.md`, "Exit codes"). Commands build an
//! [`Error`] with the verb phrase of what they were doing ("list namespaces") and the cause;
//! API failures go through [`Error::api`], which names the server and context for network
//! failures and the verb and resource for authorisation failures.

use std::{fmt, io, time::Duration};

/// The process exit codes of `DESIGN.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// 0: success.
    Success,
    /// 1: an API, input or I/O error.
    Error,
    /// 2: a usage error (clap reports these itself).
    Usage,
    /// 3: timed out waiting for a condition.
    TimedOut,
    /// 4: refused by a safety rule, a failed precondition or a concurrent change.
    Refused,
    /// 130: interrupted (Ctrl-C).
    Interrupted,
}

impl ExitCode {
    /// The numeric process exit status.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Error => 1,
            ExitCode::Usage => 2,
            ExitCode::TimedOut => 3,
            ExitCode::Refused => 4,
            ExitCode::Interrupted => 130,
        }
    }
}

/// What kind of failure an API call met, as far as the user needs to know.
///
/// Commands branch on this (doctor turns `Forbidden` into a failed check instead of an error;
/// later commands treat `NotFound` as "nothing to do").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiFailure {
    /// Nothing answered at the server's address (connection refused, unknown host).
    Unreachable(String),
    /// The request got no answer within `--request-timeout` or the connect timeout.
    TimedOut(String),
    /// The TLS handshake failed (unknown CA, wrong server name, bad client certificate).
    Tls(String),
    /// 401: the server did not accept the credentials.
    Unauthorized(String),
    /// 403: the credentials may not do this.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 409 Conflict or AlreadyExists.
    Conflict(String),
    /// 422 Invalid, 400 BadRequest.
    Invalid(String),
    /// Anything else, with the server's or the transport's words.
    Other(String),
}

impl ApiFailure {
    /// Classifies a kube-rs error. The message is the server's own when it sent a Status,
    /// otherwise the innermost transport cause.
    pub fn classify(err: &kube::Error) -> ApiFailure {
        if let kube::Error::Api(status) = err {
            let message = if status.message.is_empty() {
                status.reason.clone()
            } else {
                status.message.clone()
            };
            return match status.code {
                401 => ApiFailure::Unauthorized(message),
                403 => ApiFailure::Forbidden(message),
                404 => ApiFailure::NotFound(message),
                409 => ApiFailure::Conflict(message),
                400 | 422 => ApiFailure::Invalid(message),
                504 => ApiFailure::TimedOut(message),
                _ => ApiFailure::Other(format!("{} ({})", message, status.code)),
            };
        }
        let chain = error_chain(err);
        let innermost = chain.last().cloned().unwrap_or_default();
        let lower = chain.join(": ").to_lowercase();
        if let Some(after) = request_timeout_in(err) {
            return ApiFailure::TimedOut(format!("no answer within {}", format_duration(after)));
        }
        if io_kind_in(err, io::ErrorKind::TimedOut)
            || lower.contains("timed out")
            || lower.contains("deadline has elapsed")
        {
            return ApiFailure::TimedOut(innermost);
        }
        if io_kind_in(err, io::ErrorKind::ConnectionRefused) || lower.contains("connection refused")
        {
            return ApiFailure::Unreachable("connection refused".to_string());
        }
        if lower.contains("dns error") || lower.contains("failed to lookup address") {
            return ApiFailure::Unreachable(innermost);
        }
        if matches!(err, kube::Error::RustlsTls(_))
            || lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
        {
            return ApiFailure::Tls(innermost);
        }
        if matches!(err, kube::Error::Auth(_)) {
            return ApiFailure::Unauthorized(innermost);
        }
        if io_kind_in(err, io::ErrorKind::ConnectionReset)
            || io_kind_in(err, io::ErrorKind::ConnectionAborted)
            || lower.contains("connection closed")
        {
            return ApiFailure::Unreachable(innermost);
        }
        ApiFailure::Other(innermost)
    }

    /// The exit code a command ends with when this failure is fatal.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            ApiFailure::Conflict(_) => ExitCode::Refused,
            _ => ExitCode::Error,
        }
    }
}

/// Where requests go: used to name the server and the context in error messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoint {
    /// The server URL, e.g. `https://10.0.0.1:6443`.
    pub server: String,
    /// The kubeconfig context, `None` for in-cluster configuration.
    pub context: Option<String>,
}

impl Endpoint {
    fn describe(&self) -> String {
        match &self.context {
            Some(context) => format!("{} (context \"{}\")", self.server, context),
            None => format!("{} (in-cluster service account)", self.server),
        }
    }
}

/// The plugin's error: what failed, why, an optional hint and the exit code.
#[derive(Debug)]
pub struct Error {
    what: String,
    cause: String,
    hint: Option<String>,
    exit: ExitCode,
    api: Option<ApiFailure>,
    io_kind: Option<io::ErrorKind>,
}

/// The result type used throughout the plugin.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A general error (exit code 1): `what` is the failed step, `cause` why it failed.
    pub fn new(what: impl Into<String>, cause: impl fmt::Display) -> Error {
        Error {
            what: what.into(),
            cause: one_line(&cause.to_string()),
            hint: None,
            exit: ExitCode::Error,
            api: None,
            io_kind: None,
        }
    }

    /// An I/O error while doing `what`; a broken pipe among them is recognised by `main`.
    pub fn io(what: impl Into<String>, err: io::Error) -> Error {
        let kind = err.kind();
        let mut error = Error::new(what, err);
        error.io_kind = Some(kind);
        error
    }

    /// Writing output failed (typically a closed pipe, which `main` treats as success).
    pub fn output(err: io::Error) -> Error {
        Error::io("cannot write output", err)
    }

    /// A failed API request while doing `what` (a verb phrase like "list namespaces"),
    /// against `endpoint`. Adds the hint that fits the failure.
    pub fn api(what: impl Into<String>, err: &kube::Error, endpoint: &Endpoint) -> Error {
        let failure = ApiFailure::classify(err);
        Error::from_failure(what, failure, endpoint)
    }

    /// Like [`Error::api`] for a failure that was already classified.
    pub fn from_failure(
        what: impl Into<String>,
        failure: ApiFailure,
        endpoint: &Endpoint,
    ) -> Error {
        let what = what.into();
        let (cause, hint) = explain(&what, &failure, endpoint);
        let mut error = Error::new(what, cause).with_exit(failure.exit_code());
        error.hint = hint;
        error.api = Some(failure);
        error
    }

    /// Attaches a hint: how the user can fix this.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(one_line(&hint.into()));
        self
    }

    /// Sets the exit code.
    pub fn with_exit(mut self, exit: ExitCode) -> Error {
        self.exit = exit;
        self
    }

    /// A refusal by a safety rule or a failed precondition (exit code 4).
    pub fn refused(what: impl Into<String>, cause: impl fmt::Display) -> Error {
        Error::new(what, cause).with_exit(ExitCode::Refused)
    }

    /// The exit code to end the process with.
    pub fn exit_code(&self) -> ExitCode {
        self.exit
    }

    /// Why it failed, without the "what failed" part.
    pub fn cause(&self) -> &str {
        &self.cause
    }

    /// The hint, if a fix is known.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The classified API failure, if this error came from the API.
    pub fn api_failure(&self) -> Option<&ApiFailure> {
        self.api.as_ref()
    }

    /// Whether the error is a write into a closed pipe (`kubectl qaenv ls | head`).
    pub fn is_broken_pipe(&self) -> bool {
        self.io_kind == Some(io::ErrorKind::BrokenPipe)
    }

    /// The lines printed on stderr: `error: …` and, when known, `hint: …`.
    pub fn report(&self) -> String {
        let mut out = format!("error: {}", self);
        if let Some(hint) = &self.hint {
            out.push_str("\nhint: ");
            out.push_str(hint);
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cause.is_empty() {
            write!(f, "{}", self.what)
        } else {
            write!(f, "{}: {}", self.what, self.cause)
        }
    }
}

impl std::error::Error for Error {}

/// The words and the hint for a classified failure.
fn explain(what: &str, failure: &ApiFailure, endpoint: &Endpoint) -> (String, Option<String>) {
    let at = endpoint.describe();
    match failure {
        ApiFailure::Unreachable(cause) => (
            format!("cannot reach the API server at {at}: {cause}"),
            Some(
                "check that the cluster is running and that --context/--kubeconfig select the right \
                 one (kubectl config get-contexts)"
                    .to_string(),
            ),
        ),
        ApiFailure::TimedOut(cause) => (
            format!("the API server at {at} did not answer in time: {cause}"),
            Some("retry, or allow longer with --request-timeout (e.g. --request-timeout 1m)".into()),
        ),
        ApiFailure::Tls(cause) => (
            format!("TLS handshake with {at} failed: {cause}"),
            Some(
                "check the cluster's certificate-authority data in your kubeconfig and the server \
                 name it is issued for"
                    .into(),
            ),
        ),
        ApiFailure::Unauthorized(_) => (
            format!("the API server at {at} rejected the credentials (401 Unauthorized)"),
            Some(
                "your token or certificate has expired or is wrong; log in again or refresh the \
                 kubeconfig of this context"
                    .into(),
            ),
        ),
        ApiFailure::Forbidden(message) => {
            let denied = forbidden_phrase(message).unwrap_or_else(|| format!("may not {what}"));
            (
                format!("forbidden: {denied}"),
                Some(
                    "ask a cluster admin for this permission; `kubectl qaenv doctor` lists every \
                     permission qaenv needs"
                        .into(),
                ),
            )
        }
        ApiFailure::NotFound(message) => (format!("not found: {message}"), None),
        ApiFailure::Conflict(message) => (
            format!("conflict: {message}"),
            Some("someone changed it at the same time; run the command again".into()),
        ),
        ApiFailure::Invalid(message) => (format!("rejected as invalid: {message}"), None),
        ApiFailure::Other(message) => (format!("{message} (server {at})"), None),
    }
}

/// Turns the API server's RBAC message into "user "x" may not <verb> <resource> <scope>".
///
/// The server writes `namespaces is forbidden: User "bob" cannot create resource "namespaces"
/// in API group "" at the cluster scope`; we keep the user, the verb, the resource and the
/// scope, which is what the user needs to ask an admin for.
pub fn forbidden_phrase(message: &str) -> Option<String> {
    let user_start = message.find("User \"")? + "User \"".len();
    let user_end = user_start + message[user_start..].find('"')?;
    let user = &message[user_start..user_end];
    let rest = &message[user_end + 1..];
    let rest = rest.trim_start().strip_prefix("cannot ")?;
    let verb_end = rest.find(' ')?;
    let verb = &rest[..verb_end];
    let rest = &rest[verb_end..];
    let resource = quoted_after(rest, "resource ")?;
    let group = quoted_after(rest, "API group ").unwrap_or_default();
    let resource = if group.is_empty() {
        resource
    } else {
        format!("{resource}.{group}")
    };
    let scope = if let Some(ns) = quoted_after(rest, "namespace ") {
        if resource == "namespaces" {
            // A request on one namespace is authorized in that namespace itself.
            return Some(format!("user \"{user}\" may not {verb} namespace \"{ns}\""));
        }
        format!("in namespace \"{ns}\"")
    } else {
        "cluster-wide".to_string()
    };
    Some(format!("user \"{user}\" may not {verb} {resource} {scope}"))
}

fn quoted_after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(&format!("{marker}\""))? + marker.len() + 1;
    let end = start + text[start..].find('"')?;
    Some(text[start..end].to_string())
}

/// The messages of an error and its sources, outermost first, without kube-rs' variant
/// prefixes ("ServiceError: ", "HyperError: ").
fn error_chain(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        let text = ["ServiceError: ", "HyperError: ", "client error (Connect): "]
            .iter()
            .fold(text, |t, prefix| {
                t.strip_prefix(prefix).map(str::to_string).unwrap_or(t)
            });
        out.push(text);
        current = e.source();
    }
    out
}

fn io_kind_in(err: &(dyn std::error::Error + 'static), kind: io::ErrorKind) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io_err) = e.downcast_ref::<io::Error>() {
            if io_err.kind() == kind {
                return true;
            }
        }
        current = e.source();
    }
    false
}

/// The marker error the client's request layer returns when `--request-timeout` expires.
#[derive(Debug, thiserror::Error)]
#[error("request timed out after {}", format_duration(*.0))]
pub struct RequestTimedOut(pub Duration);

fn request_timeout_in(err: &(dyn std::error::Error + 'static)) -> Option<Duration> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(timed_out) = e.downcast_ref::<RequestTimedOut>() {
            return Some(timed_out.0);
        }
        current = e.source();
    }
    None
}

/// A duration the way a user typed it: `500ms`, `5s`, `1m30s`.
pub fn format_duration(d: Duration) -> String {
    let millis = d.as_millis();
    if !millis.is_multiple_of(1000) {
        return format!("{millis}ms");
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// Keeps an error message on one line, as the error format promises.
fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, reason: &str, message: &str) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status {
            status: Some(kube::core::response::StatusSummary::Failure),
            code,
            message: message.to_string(),
            reason: reason.to_string(),
            metadata: None,
            details: None,
        }))
    }

    fn endpoint() -> Endpoint {
        Endpoint {
            server: "https://10.0.0.1:6443".into(),
            context: Some("prod".into()),
        }
    }

    #[test]
    fn forbidden_names_user_verb_resource_and_scope() {
        let msg = r#"namespaces is forbidden: User "bob" cannot create resource "namespaces" in API group "" at the cluster scope"#;
        assert_eq!(
            forbidden_phrase(msg).as_deref(),
            Some(r#"user "bob" may not create namespaces cluster-wide"#)
        );
        let msg = r#"deployments.apps "web" is forbidden: User "system:serviceaccount:ci:qa" cannot patch resource "deployments" in API group "apps" in the namespace "qa-x""#;
        assert_eq!(
            forbidden_phrase(msg).as_deref(),
            Some(
                r#"user "system:serviceaccount:ci:qa" may not patch deployments.apps in namespace "qa-x""#
            )
        );
        // Deleting one namespace is authorized in that namespace.
        let msg = r#"namespaces "qa-b" is forbidden: User "bob" cannot delete resource "namespaces" in API group "" in the namespace "qa-b""#;
        assert_eq!(
            forbidden_phrase(msg).as_deref(),
            Some(r#"user "bob" may not delete namespace "qa-b""#)
        );
        assert_eq!(forbidden_phrase("forbidden"), None);
    }

    #[test]
    fn forbidden_error_reads_as_one_line_with_hint() {
        let err = status(
            403,
            "Forbidden",
            r#"namespaces is forbidden: User "bob" cannot list resource "namespaces" in API group "" at the cluster scope"#,
        );
        let error = Error::api("list namespaces", &err, &endpoint());
        assert_eq!(
            error.to_string(),
            r#"list namespaces: forbidden: user "bob" may not list namespaces cluster-wide"#
        );
        assert_eq!(error.exit_code(), ExitCode::Error);
        assert!(error.report().contains("\nhint: ask a cluster admin"));
        assert_eq!(error.report().lines().count(), 2);
    }

    #[test]
    fn forbidden_without_rbac_message_falls_back_to_what_failed() {
        let error = Error::api(
            "create namespaces",
            &status(403, "Forbidden", ""),
            &endpoint(),
        );
        assert_eq!(
            error.to_string(),
            "create namespaces: forbidden: may not create namespaces"
        );
    }

    #[test]
    fn unauthorized_says_credentials_were_rejected() {
        let error = Error::api(
            "get server version",
            &status(401, "Unauthorized", "Unauthorized"),
            &endpoint(),
        );
        assert_eq!(
            error.to_string(),
            r#"get server version: the API server at https://10.0.0.1:6443 (context "prod") rejected the credentials (401 Unauthorized)"#
        );
        assert!(error.hint().is_some());
    }

    #[test]
    fn conflict_is_a_refusal() {
        let error = Error::api(
            "patch service web",
            &status(409, "Conflict", "the object has been modified"),
            &endpoint(),
        );
        assert_eq!(error.exit_code(), ExitCode::Refused);
    }

    #[test]
    fn other_statuses_keep_the_server_words() {
        let error = Error::api(
            "list pods",
            &status(500, "InternalError", "etcd is sad"),
            &endpoint(),
        );
        assert_eq!(
            error.to_string(),
            r#"list pods: etcd is sad (500) (server https://10.0.0.1:6443 (context "prod"))"#
        );
    }

    #[test]
    fn connection_refused_names_server_and_context() {
        let io = io::Error::new(
            io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        );
        let err = kube::Error::Service(Box::new(io));
        let error = Error::api("get server version", &err, &endpoint());
        assert_eq!(
            error.to_string(),
            r#"get server version: cannot reach the API server at https://10.0.0.1:6443 (context "prod"): connection refused"#
        );
    }

    #[test]
    fn request_timeout_is_reported_with_its_duration() {
        let err = kube::Error::Service(Box::new(RequestTimedOut(Duration::from_millis(1500))));
        assert_eq!(
            ApiFailure::classify(&err),
            ApiFailure::TimedOut("no answer within 1500ms".into())
        );
        let error = Error::from_failure("list nodes", ApiFailure::classify(&err), &endpoint());
        assert!(error
            .hint()
            .unwrap_or_default()
            .contains("--request-timeout"));
    }

    #[test]
    fn in_cluster_endpoint_is_described() {
        let endpoint = Endpoint {
            server: "https://10.96.0.1".into(),
            context: None,
        };
        let failure = ApiFailure::Unreachable("connection refused".into());
        let error = Error::from_failure("list pods", failure, &endpoint);
        assert!(error.to_string().contains("(in-cluster service account)"));
    }

    #[test]
    fn messages_stay_on_one_line() {
        let error = Error::new("parse kubeconfig", "line 1\n  line 2\r\n").with_hint("a\nb");
        assert_eq!(
            error.report(),
            "error: parse kubeconfig: line 1; line 2\nhint: a; b"
        );
    }

    #[test]
    fn broken_pipe_is_recognised() {
        let error = Error::output(io::Error::new(io::ErrorKind::BrokenPipe, "pipe"));
        assert!(error.is_broken_pipe());
        assert!(!Error::new("x", "y").is_broken_pipe());
    }

    #[test]
    fn durations_format_like_flags() {
        assert_eq!(format_duration(Duration::from_secs(5)), "5s");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn exit_codes_match_the_design() {
        let codes: Vec<u8> = [
            ExitCode::Success,
            ExitCode::Error,
            ExitCode::Usage,
            ExitCode::TimedOut,
            ExitCode::Refused,
            ExitCode::Interrupted,
        ]
        .iter()
        .map(|c| c.code())
        .collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 130]);
    }
}
