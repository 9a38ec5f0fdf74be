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
        kube::Error::InferConfig(_) | kube::Error::Auth(_) => FailureKind::Unreachable,
        kube::Error::HyperError(_) | kube::Error::Service(_) => FailureKind::Unreachable,
        _ => FailureKind::CheckFailed,
    }
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
}
