//! The Thanos sidecar beside each Prometheus replica (values thanos.sidecar), judged from the
//! sidecar's own metrics (its HTTP port, through the API server's pod proxy): connected to its
//! Prometheus, and, with an object store, uploading without failures.

use super::Check;

/// The sidecar's container and its HTTP port (metrics, /-/ready) in templates/deployment.yaml (a test
/// in render.rs holds them against the rendered Deployment).
pub const SIDECAR_CONTAINER: &str = "thanos-sidecar";
pub const SIDECAR_HTTP_PORT: u16 = 10902;

/// The sum of every series of `name` in a text-format exposition; None when it has none.
pub fn metric(text: &str, name: &str) -> Option<f64> {
    let values: Vec<f64> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let rest = line.strip_prefix(name)?;
            let rest = match rest.strip_prefix('{') {
                Some(labelled) => &labelled[labelled.find('}')? + 1..],
                None => rest,
            };
            rest.starts_with(' ').then(|| rest.split_whitespace().next()?.parse().ok())?
        })
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

/// The last error a sidecar logged (`err="..."` of its last warn or error line), unquoted.
fn last_logged_error(log: &str) -> Option<String> {
    let line = log.lines().rfind(|l| l.contains("level=warn") || l.contains("level=error"))?;
    let quoted = &line[line.find("err=\"")? + 5..];
    let mut error = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => error.extend(chars.next()),
            '"' => return Some(error),
            c => error.push(c),
        }
    }
    None
}

/// What to change for an object store's refusal, from the words it answered with (S3's error messages
/// as minio-go reports them; the sidecar logs them as they are). The sidecar reads its objstore config
/// at start only, so each fix ends with restarting the pods.
fn objstore_fix(error: Option<&str>) -> String {
    // Stores word the same refusal differently ("Access Key Id", "access key ID"): compared in lower case.
    let error = error.unwrap_or_default().to_lowercase();
    let said = |words: &[&str]| words.iter().any(|w| error.contains(w));
    let what = if said(&["signature we calculated does not match", "signaturedoesnotmatch"]) {
        "the object store refuses the secret_key given for this access_key: correct secret_key"
    } else if said(&["access key id you provided does not exist", "invalidaccesskeyid"]) {
        "the object store knows no such access_key: correct access_key (and its secret_key)"
    } else if said(&["bucket does not exist", "nosuchbucket"]) {
        "the bucket does not exist: create it in the object store, or correct bucket"
    } else if said(&["access denied", "accessdenied"]) {
        "the object store's identity for this access_key may not read and write the bucket: grant it, or use another key with its secret_key"
    } else if said(&["connection refused", "no such host", "i/o timeout", "dial tcp", "server misbehaving"]) {
        "the object store cannot be reached from the pod: correct endpoint (host:port as the pod reaches it) and insecure"
    } else {
        "check endpoint, bucket, access_key and secret_key"
    };
    format!(
        "{what} in the objstore config of the Secret thanos.sidecar.objstoreSecret names, and restart the Prometheus pods (the sidecar reads it at start only)"
    )
}

/// A sidecar's state in one line, and the fix when something is wrong: validate shows it as a check,
/// doctor as a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct SidecarVerdict {
    /// "Thanos sidecar (POD)".
    pub name: String,
    pub state: String,
    pub fix: Option<String>,
}

impl SidecarVerdict {
    pub fn check(&self) -> Check {
        match &self.fix {
            Some(fix) => Check::fail(self.name.clone(), format!("{}; {fix}", self.state)),
            None => Check::pass(self.name.clone(), self.state.clone()),
        }
    }
}

/// One replica's sidecar, from its metrics (`metrics`: `GET /metrics` of the sidecar, or why it could
/// not be read) and its recent log: connected to Prometheus (`thanos_sidecar_prometheus_up`), and with
/// an object store (`uploads`) no failed sync of the block directory, upload or bucket operation (a
/// bucket that cannot be reached fails each sync at its first call: no upload counter moves).
pub fn judge_sidecar(pod: &str, metrics: &anyhow::Result<String>, log: Option<&str>, uploads: bool) -> SidecarVerdict {
    let name = format!("Thanos sidecar ({pod})");
    let see_log = format!("see `kubectl logs {pod} -c {SIDECAR_CONTAINER}`");
    let verdict = |state: String, fix: Option<String>| SidecarVerdict { name: name.clone(), state, fix };
    let text = match metrics {
        Ok(text) => text,
        Err(e) => return verdict(format!("its metrics cannot be read: {}", crate::error::message(e)), Some(see_log)),
    };
    let said = log.and_then(last_logged_error).map(|e| format!("; its last error: {e}")).unwrap_or_default();
    if metric(text, "thanos_sidecar_prometheus_up") != Some(1.0) {
        return verdict(
            format!(
                "it cannot reach Prometheus at localhost:9090 (thanos_sidecar_prometheus_up is not 1), so Thanos Query gets nothing from this replica{said}"
            ),
            Some(see_log),
        );
    }
    let serving = "connected to Prometheus, serving the Store API on :10901";
    if !uploads {
        return verdict(
            format!("{serving}; no object store (thanos.sidecar.objstoreSecret): nothing is uploaded"),
            None,
        );
    }
    let count = |name: &str| metric(text, name).unwrap_or(0.0);
    let failed_syncs = count("thanos_shipper_dir_sync_failures_total");
    let failed_uploads = count("thanos_shipper_upload_failures_total");
    let failed_operations = count("thanos_objstore_bucket_operation_failures_total");
    if failed_syncs + failed_uploads + failed_operations > 0.0 {
        return verdict(
            format!(
                "uploads to the object store fail ({failed_syncs:.0} syncs of the blocks failed, {failed_uploads:.0} uploads, {failed_operations:.0} bucket operations){said}"
            ),
            Some(format!("{}, then {see_log}", objstore_fix(log.and_then(last_logged_error).as_deref()))),
        );
    }
    let blocks = match count("thanos_shipper_uploads_total") {
        1.0 => "1 block".to_string(),
        n => format!("{n:.0} blocks"),
    };
    verdict(format!("{serving}; {blocks} uploaded to the object store, none failed"), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sidecar's `/metrics`, recorded from Thanos 0.42.4 (tests/fixtures/thanos-0.42.4/README.md).
    fn recorded(name: &str) -> anyhow::Result<String> {
        Ok(super::super::recorded::text(&format!("thanos-0.42.4/{name}.txt")))
    }

    #[test]
    fn a_connected_sidecar_passes_and_says_what_it_uploads() {
        let check = judge_sidecar("prometheus-0", &recorded("sidecar-connected"), None, true).check();
        assert!(check.passed, "{check:?}");
        assert_eq!(
            check.detail,
            "connected to Prometheus, serving the Store API on :10901; 0 blocks uploaded to the object store, none failed"
        );
        let check = judge_sidecar("prometheus-0", &recorded("sidecar-connected"), None, false).check();
        assert!(
            check.passed
                && check.detail.ends_with("no object store (thanos.sidecar.objstoreSecret): nothing is uploaded"),
            "{check:?}"
        );
    }

    #[test]
    fn a_sidecar_that_cannot_reach_prometheus_fails_naming_its_log() {
        let check = judge_sidecar("prometheus-0", &recorded("sidecar-no-prometheus"), None, false).check();
        assert!(!check.passed, "{check:?}");
        assert!(check.detail.starts_with("it cannot reach Prometheus at localhost:9090"), "{check:?}");
        assert!(check.detail.contains("kubectl logs prometheus-0 -c thanos-sidecar"), "{check:?}");
        let unread = judge_sidecar("prometheus-0", &Err(anyhow::anyhow!("connection refused")), None, false).check();
        assert!(
            !unread.passed && unread.detail.starts_with("its metrics cannot be read: connection refused"),
            "{unread:?}"
        );
    }

    #[test]
    fn a_bucket_that_cannot_be_reached_fails_naming_the_sidecar_s_own_error() {
        let log = super::super::recorded::text("thanos-0.42.4/sidecar-upload-failing.log");
        let check = judge_sidecar("prometheus-0", &recorded("sidecar-upload-failing"), Some(&log), true).check();
        assert!(!check.passed, "{check:?}");
        assert!(check.detail.starts_with("uploads to the object store fail (9 syncs of the blocks failed, 0 uploads, 9 bucket operations); its last error: check exists: stat s3 object: Get \"http://127.0.0.1:1/thanos/?location=\": dial tcp 127.0.0.1:1: connect: connection refused; the object store cannot be reached from the pod: correct endpoint (host:port as the pod reaches it) and insecure in the objstore config of the Secret thanos.sidecar.objstoreSecret names, and restart the Prometheus pods"), "{}", check.detail);
        assert!(!check.detail.contains("fixture-secret-key"), "no key from the config reaches the report");
    }

    #[test]
    fn a_wrong_key_fails_with_the_object_store_s_own_words() {
        let log = super::super::recorded::text("thanos-0.42.4/sidecar-wrong-key.log");
        let check = judge_sidecar("prometheus-0", &recorded("sidecar-wrong-key"), Some(&log), true).check();
        assert!(!check.passed, "{check:?}");
        assert!(
            check.detail.contains("its last error: check exists: stat s3 object: The request signature we calculated does not match the signature you provided. Check your key and signing method.; the object store refuses the secret_key given for this access_key: correct secret_key in the objstore config of the Secret thanos.sidecar.objstoreSecret names"),
            "{}",
            check.detail
        );
        assert!(!check.detail.contains("not-the-secret-key"), "no key from the config reaches the report");
    }

    /// Each refusal recorded from SeaweedFS's S3 gateway gets the fix for what it refused, in the
    /// objstore config's own field names.
    #[test]
    fn each_refusal_of_the_object_store_names_the_field_to_correct() {
        for (recording, said, fix) in [
            (
                "sidecar-wrong-key",
                "The request signature we calculated does not match",
                "correct secret_key in the objstore config",
            ),
            (
                "sidecar-unknown-access-key",
                "The access key ID you provided does not exist in our records.",
                "the object store knows no such access_key: correct access_key (and its secret_key)",
            ),
            (
                "sidecar-no-bucket",
                "The specified bucket does not exist",
                "the bucket does not exist: create it in the object store, or correct bucket",
            ),
            ("sidecar-upload-failing", "connection refused", "correct endpoint (host:port as the pod reaches it)"),
        ] {
            let log = super::super::recorded::text(&format!("thanos-0.42.4/{recording}.log"));
            let check = judge_sidecar("prometheus-0", &recorded(recording), Some(&log), true).check();
            assert!(!check.passed, "{recording}: {check:?}");
            assert!(check.detail.starts_with("uploads to the object store fail ("), "{recording}: {}", check.detail);
            assert!(check.detail.contains(said) && check.detail.contains(fix), "{recording}: {}", check.detail);
            assert!(
                check.detail.ends_with(
                    "(the sidecar reads it at start only), then see `kubectl logs prometheus-0 -c thanos-sidecar`"
                ),
                "{recording}: {}",
                check.detail
            );
            for key in ["fixture-secret-key", "thanos-secret-key", "not-the-secret-key"] {
                assert!(!check.detail.contains(key), "{recording}: no key from the config: {}", check.detail);
            }
        }
    }

    #[test]
    fn metrics_are_summed_over_their_series_and_other_names_are_not_read() {
        let text = "# HELP x\nthanos_objstore_bucket_operation_failures_total{bucket=\"a\",operation=\"get\"} 2\nthanos_objstore_bucket_operation_failures_total{bucket=\"a\",operation=\"upload\"} 3\nthanos_sidecar_prometheus_up 1\nthanos_sidecar_prometheus_up_other 7\n";
        assert_eq!(metric(text, "thanos_objstore_bucket_operation_failures_total"), Some(5.0));
        assert_eq!(metric(text, "thanos_sidecar_prometheus_up"), Some(1.0));
        assert_eq!(metric(text, "thanos_shipper_uploads_total"), None);
    }
}
