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
        kube::Error::Api(status) if status.code == 401 || status.code == 403 => FailureKind::Unreachable,
        kube::Error::Api(_) => FailureKind::CheckFailed,
        kube::Error::InferConfig(_) | kube::Error::Auth(_) => FailureKind::Unreachable,
        kube::Error::HyperError(_) | kube::Error::Service(_) => FailureKind::Unreachable,
        _ => FailureKind::CheckFailed,
    }
}

/// Whether the API server refused something for lack of permission (403) somewhere in the chain.
pub fn is_forbidden(err: &anyhow::Error) -> bool {
    kube_status(err).is_some_and(|status| status.code == 403)
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
