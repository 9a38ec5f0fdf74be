//! Errors that decide promctl's exit code. Callers branch on `Failure`; everything else is context.

use std::process::ExitCode;

/// What went wrong, in the terms of the exit-code contract (see README "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// A check failed or a resource failed to become ready (exit 1).
    CheckFailed,
    /// Bad usage or bad input: values, flags, config (exit 2).
    BadInput,
    /// Cannot reach or authenticate to the cluster or Prometheus, or permission denied (exit 3).
    Unreachable,
    /// Timed out waiting (exit 4).
    TimedOut,
    /// The cluster refused the change (a quota, a LimitRange, an admission policy, a field conflict)
    /// in the dry run before anything was written: nothing changed (exit 5). Not 1, which `diff` uses
    /// for "there are changes" and install for "did not become ready"; not 3, which is RBAC's.
    Refused,
    /// Interrupted by the user (exit 130).
    Interrupted,
    /// An error nobody classified: a bug in promctl, not a failed check (exit 101, as cargo does).
    Internal,
}

impl FailureKind {
    pub fn exit_code(self) -> u8 {
        match self {
            FailureKind::CheckFailed => 1,
            FailureKind::BadInput => 2,
            FailureKind::Unreachable => 3,
            FailureKind::TimedOut => 4,
            FailureKind::Refused => 5,
            FailureKind::Interrupted => 130,
            FailureKind::Internal => 101,
        }
    }
}

/// An error whose kind fixes the exit code. `message` names the problem and, where there is one, the fix.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure { kind, message: message.into() }
    }
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(FailureKind::BadInput, message)
    }
    pub fn check_failed(message: impl Into<String>) -> Self {
        Self::new(FailureKind::CheckFailed, message)
    }
    pub fn unreachable(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Unreachable, message)
    }
    pub fn timed_out(message: impl Into<String>) -> Self {
        Self::new(FailureKind::TimedOut, message)
    }
    /// Something promctl's own templates or code got wrong (exit 101), never the user's input.
    pub fn bug(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Internal, message)
    }
}

/// The kind of an arbitrary error chain: a `Failure` anywhere in it wins; Kubernetes and Prometheus
/// errors are classified by what they say; anything else was not foreseen, which is promctl's bug
/// (exit 101), never "a check failed".
pub fn kind_of(err: &anyhow::Error) -> FailureKind {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.kind;
        }
        if let Some(k) = cause.downcast_ref::<kube::Error>() {
            return kube_error_kind(k);
        }
        if let Some(r) = cause.downcast_ref::<reqwest::Error>() {
            return if r.is_connect() || r.is_timeout() { FailureKind::Unreachable } else { FailureKind::CheckFailed };
        }
        if cause.downcast_ref::<std::io::Error>().is_some() {
            return FailureKind::Unreachable;
        }
    }
    FailureKind::Internal
}

pub fn kube_error_kind(err: &kube::Error) -> FailureKind {
    match err {
        kube::Error::Api(status) => Refusal::of(status).failure_kind(),
        // The client's own credentials or TLS setup: it cannot authenticate (the local check in
        // cluster::credentials says why first, where it can).
        kube::Error::InferConfig(_)
        | kube::Error::InferKubeconfig(_)
        | kube::Error::Auth(_)
        | kube::Error::RustlsTls(_) => FailureKind::Unreachable,
        kube::Error::HyperError(_) | kube::Error::Service(_) => FailureKind::Unreachable,
        _ => FailureKind::CheckFailed,
    }
}

/// An error and its causes on one line, each said once, as promctl shows every error: a layer
/// whose text already holds its cause's (kube's, hyper's and rustls's wrap their cause into their own
/// text) does not repeat it, and a Kubernetes error reads as [`kube_message`].
pub fn message(err: &anyhow::Error) -> String {
    one_line(err.chain().map(|cause| cause as &(dyn std::error::Error + 'static)))
}

/// [`message`] of any error value (a reqwest or kube-runtime error before it joins an anyhow chain).
pub fn message_of(err: &(dyn std::error::Error + 'static)) -> String {
    one_line(std::iter::successors(Some(err), |e| e.source()))
}

/// A Kubernetes client error as people read it: a refusal is the API server's message, reason and
/// code (kube's own text adds the whole Status in Rust's Debug form, `Status { status: ..`), anything
/// else its causes once each.
pub fn kube_message(err: &kube::Error) -> String {
    message_of(err)
}

fn status_message(status: &kube::core::Status) -> String {
    // A 401's message is its reason ("Unauthorized"): say it once.
    let reason = if status.reason == status.message.trim() { "" } else { status.reason.as_str() };
    let code = match (reason, status.code) {
        ("", 0) => String::new(),
        ("", code) => format!("HTTP {code}"),
        (reason, 0) => reason.to_string(),
        (reason, code) => format!("{reason}, HTTP {code}"),
    };
    match (status.message.trim(), code.as_str()) {
        ("", "") => "the API server refused it without a reason".into(),
        ("", code) => format!("the API server refused it ({code})"),
        (message, "") => message.to_string(),
        (message, code) => format!("{message} ({code})"),
    }
}

fn one_line<'a>(causes: impl Iterator<Item = &'a (dyn std::error::Error + 'static)>) -> String {
    let causes: Vec<_> = causes.collect();
    let mut text = String::new();
    for (i, cause) in causes.iter().enumerate() {
        let api_status = |e: &(dyn std::error::Error + 'static)| match e.downcast_ref::<kube::Error>() {
            Some(kube::Error::Api(status)) => Some(status_message(status)),
            _ => None,
        };
        // The API server's refusal ends the story: its one cause is the Status it was just read from.
        if i > 0 && api_status(causes[i - 1]).is_some() {
            break;
        }
        let mut segment = api_status(*cause).unwrap_or_else(|| cause.to_string());
        // A layer that embeds a refusal's text (kube-runtime's watcher errors do) gets the readable one.
        for inner in &causes[i + 1..] {
            if let Some(readable) = api_status(*inner) {
                segment = segment.replace(&inner.to_string(), &readable);
            }
        }
        let segment = segment.trim();
        if segment.is_empty() || text.contains(segment) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(segment);
    }
    text
}

/// The TLS alert the other side sent to end the handshake, if that is how the chain failed: a server
/// that refuses the client certificate says so with an alert (UnknownCA, BadCertificate,
/// CertificateExpired...). rustls's error travels inside an io::Error, whose source skips it.
pub fn tls_alert_received(err: &anyhow::Error) -> Option<rustls::AlertDescription> {
    err.chain().find_map(|cause| {
        let tls = cause.downcast_ref::<rustls::Error>().or_else(|| {
            let io = cause.downcast_ref::<std::io::Error>()?;
            io.get_ref()?.downcast_ref::<rustls::Error>()
        });
        match tls {
            Some(rustls::Error::AlertReceived(alert)) => Some(*alert),
            _ => None,
        }
    })
}

/// Why the API server refused a request, read from its Status: a 403 is RBAC, a quota, a LimitRange or
/// an admission policy, and only RBAC is "permission denied" (exit 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 401: the credentials were not accepted.
    Unauthenticated,
    /// 403 from RBAC: this user may not do it.
    Permission,
    /// A ResourceQuota of the namespace would be exceeded.
    Quota,
    /// A LimitRange of the namespace sets a minimum or maximum the object is outside of.
    LimitRange,
    /// An admission webhook or a ValidatingAdmissionPolicy denied it.
    Admission,
    /// 409: another field manager owns fields the object sets.
    Conflict,
    /// 422/400: the object itself is invalid (a value promctl's checks should have refused).
    Invalid,
    /// Anything else (404, 5xx...).
    Other,
}

impl Refusal {
    pub fn of(status: &kube::core::Status) -> Refusal {
        let message = status.message.as_str();
        let admission = message.contains("admission webhook") || message.contains("ValidatingAdmissionPolicy");
        match status.code {
            _ if admission => Refusal::Admission,
            401 => Refusal::Unauthenticated,
            403 if message.contains("exceeded quota") => Refusal::Quota,
            403 if message.contains("because it is being terminated") => Refusal::Other,
            403 if message.contains(" usage per ") => Refusal::LimitRange,
            403 => Refusal::Permission,
            409 => Refusal::Conflict,
            400 | 422 => Refusal::Invalid,
            _ => Refusal::Other,
        }
    }

    /// The same judgment on a message alone (a ReplicaSet's ReplicaFailure condition carries the
    /// API server's refusal of its pod as text).
    pub fn of_message(message: &str) -> Refusal {
        let status = kube::core::Status { code: 403, message: message.to_string(), ..Default::default() };
        match Refusal::of(&status) {
            Refusal::Permission if !message.contains(" cannot ") => Refusal::Other,
            refusal => refusal,
        }
    }

    /// What to do about it, in values and kubectl terms.
    pub fn fix(self, namespace: &str) -> String {
        match self {
            Refusal::Quota => format!(
                "lower what the quota counts (values resources.*, storage.size, replicas) or have its limit raised; see `kubectl describe resourcequota -n {namespace}`"
            ),
            Refusal::LimitRange => format!(
                "set values within the namespace's LimitRange (resources.*, storage.size); see `kubectl describe limitrange -n {namespace}`"
            ),
            Refusal::Admission => "give the object what the policy requires (labels and annotations: values commonLabels, commonAnnotations), or have the policy's owner exempt it".into(),
            Refusal::Conflict => "another field manager owns these fields; if promctl should own them from now on, re-run with --force-conflicts".into(),
            Refusal::Invalid => "a value the API server refuses got past promctl's checks: fix the value it names, and please report it".into(),
            Refusal::Permission => "ask a cluster admin for the permission named, or use a kubeconfig that has it".into(),
            Refusal::Unauthenticated | Refusal::Other => "see the API server's message".into(),
        }
    }

    pub fn failure_kind(self) -> FailureKind {
        match self {
            Refusal::Unauthenticated | Refusal::Permission => FailureKind::Unreachable,
            Refusal::Invalid => FailureKind::BadInput,
            Refusal::Quota | Refusal::LimitRange | Refusal::Admission | Refusal::Conflict => FailureKind::Refused,
            Refusal::Other => FailureKind::CheckFailed,
        }
    }
}

/// Whether the API server refused something for lack of permission (RBAC's 403) somewhere in the chain.
pub fn is_forbidden(err: &anyhow::Error) -> bool {
    kube_status(err).is_some_and(|status| Refusal::of(status) == Refusal::Permission)
}

/// The API server's Status in the chain, if the error came from it.
pub fn kube_status(err: &anyhow::Error) -> Option<&kube::core::Status> {
    err.chain().find_map(|cause| match cause.downcast_ref::<kube::Error>() {
        Some(kube::Error::Api(status)) => Some(status.as_ref()),
        _ => None,
    })
}

pub fn exit_code(kind: FailureKind) -> ExitCode {
    ExitCode::from(kind.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclassified_error_is_internal_never_a_failed_check() {
        let bug = anyhow::anyhow!("the templates render no ConfigMap");
        assert_eq!(kind_of(&bug), FailureKind::Internal);
        assert_eq!(FailureKind::Internal.exit_code(), 101);
        let classified = anyhow::Error::new(Failure::check_failed("job django: 0 targets")).context("validating");
        assert_eq!(kind_of(&classified), FailureKind::CheckFailed);
    }

    fn forbidden() -> kube::Error {
        kube::Error::Api(
            kube::core::Status {
                status: Some(kube::core::response::StatusSummary::Failure),
                code: 403,
                message: r#"pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the namespace "shop""#
                    .into(),
                reason: "Forbidden".into(),
                ..Default::default()
            }
            .boxed(),
        )
    }

    #[test]
    fn a_refusal_reads_as_the_api_servers_message_never_a_status_dump() {
        let error = forbidden();
        assert!(error.to_string().contains("Status {"), "kube's own text has the dump: {error}");
        assert_eq!(
            kube_message(&error),
            r#"pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the namespace "shop" (Forbidden, HTTP 403)"#
        );
        let chained = anyhow::Error::new(forbidden()).context("listing pods in namespace shop");
        let shown = message(&chained);
        assert!(shown.starts_with("listing pods in namespace shop: pods is forbidden: User \"dev\""), "{shown}");
        assert!(!shown.contains("Status {") && !shown.contains("ApiError"), "{shown}");
        assert_eq!(shown.matches("is forbidden").count(), 1, "{shown}");
        let unauthorized = kube::core::Status {
            code: 401,
            message: "Unauthorized".into(),
            reason: "Unauthorized".into(),
            ..Default::default()
        };
        assert_eq!(kube_message(&kube::Error::Api(unauthorized.boxed())), "Unauthorized (HTTP 401)");
    }

    #[test]
    fn a_watch_failure_embedding_a_refusal_reads_as_the_api_servers_message() {
        let error = kube::runtime::watcher::Error::InitialListFailed(forbidden());
        let shown = message_of(&error);
        assert!(shown.starts_with("failed to perform initial object list: pods is forbidden"), "{shown}");
        assert!(!shown.contains("Status {"), "{shown}");
        assert_eq!(shown.matches("is forbidden").count(), 1, "{shown}");
    }

    /// Layers that each put their cause into their own text (hyper, rustls through io::Error) say it once.
    #[test]
    fn a_cause_that_every_layer_repeats_is_said_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("client error (Connect): {0}")]
        struct Connect(#[source] std::io::Error);
        let tls = std::io::Error::other("received fatal alert: CertificateUnknown");
        let error = anyhow::Error::new(kube::Error::Service(Box::new(Connect(tls))))
            .context("cannot reach the Kubernetes API server at https://10.0.0.1:6443");
        let shown = message(&error);
        assert_eq!(
            shown,
            "cannot reach the Kubernetes API server at https://10.0.0.1:6443: ServiceError: client error (Connect): received fatal alert: CertificateUnknown"
        );
        assert_eq!(kind_of(&error), FailureKind::Unreachable);
        assert_eq!(tls_alert_received(&error), None);
    }

    #[test]
    fn a_server_refusing_the_client_certificate_is_found_inside_the_io_error() {
        let refused = rustls::Error::AlertReceived(rustls::AlertDescription::UnknownCA);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, refused);
        let error = anyhow::Error::new(kube::Error::Service(Box::new(io)));
        assert_eq!(tls_alert_received(&error), Some(rustls::AlertDescription::UnknownCA));
        let shown = message(&error);
        assert_eq!(shown, "ServiceError: received fatal alert: UnknownCA");
    }
}
