//! The Thanos sidecar beside each Prometheus replica (values thanos.sidecar), judged from the
//! sidecar's own metrics (its HTTP port, through the API server's pod proxy): connected to its
//! Prometheus, and, with an object store, uploading without failures.

use super::Check;

/// The sidecar's HTTP port (metrics, /-/ready) in templates/deployment.yaml.
pub const SIDECAR_HTTP_PORT: u16 = 10902;

/// The sum of every series of `name` in a text-format exposition; None when it has none.
fn metric(text: &str, name: &str) -> Option<f64> {
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

/// One replica's sidecar, from its metrics (`metrics`: `GET /metrics` of the sidecar, or why it could
/// not be read): connected to Prometheus (`thanos_sidecar_prometheus_up`), and with an object store
/// (`uploads`) no failed bucket operation or upload.
pub fn judge_sidecar(pod: &str, metrics: &anyhow::Result<String>, uploads: bool) -> Check {
    let name = format!("Thanos sidecar ({pod})");
    let text = match metrics {
        Ok(text) => text,
        Err(e) => {
            return Check::fail(
                name,
                format!(
                    "its metrics cannot be read: {}; see `kubectl logs {pod} -c thanos-sidecar`",
                    crate::error::message(e)
                ),
            );
        }
    };
    if metric(text, "thanos_sidecar_prometheus_up") != Some(1.0) {
        return Check::fail(
            name,
            format!(
                "it cannot reach Prometheus at localhost:9090 (thanos_sidecar_prometheus_up is not 1), so Thanos Query gets nothing from this replica; see `kubectl logs {pod} -c thanos-sidecar`"
            ),
        );
    }
    let serving = "connected to Prometheus, serving the Store API on :10901";
    if !uploads {
        return Check::pass(
            name,
            format!("{serving}; no object store (thanos.sidecar.objstoreSecret): nothing is uploaded"),
        );
    }
    let failed_operations = metric(text, "thanos_objstore_bucket_operation_failures_total").unwrap_or(0.0);
    let failed_uploads = metric(text, "thanos_shipper_upload_failures_total").unwrap_or(0.0);
    let uploaded = metric(text, "thanos_shipper_uploads_total").unwrap_or(0.0);
    if failed_operations > 0.0 || failed_uploads > 0.0 {
        return Check::fail(
            name,
            format!(
                "uploads to the object store fail: {failed_uploads:.0} blocks not uploaded, {failed_operations:.0} bucket operations failed; check the objstore config in the Secret (bucket, endpoint, keys) and `kubectl logs {pod} -c thanos-sidecar`"
            ),
        );
    }
    Check::pass(name, format!("{serving}; {uploaded:.0} blocks uploaded to the object store, none failed"))
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
        let check = judge_sidecar("prometheus-0", &recorded("sidecar-connected"), true);
        assert!(check.passed, "{check:?}");
        assert_eq!(
            check.detail,
            "connected to Prometheus, serving the Store API on :10901; 0 blocks uploaded to the object store, none failed"
        );
        let check = judge_sidecar("prometheus-0", &recorded("sidecar-connected"), false);
        assert!(
            check.passed
                && check.detail.ends_with("no object store (thanos.sidecar.objstoreSecret): nothing is uploaded"),
            "{check:?}"
        );
    }

    #[test]
    fn a_sidecar_that_cannot_reach_prometheus_fails_naming_its_log() {
        let check = judge_sidecar("prometheus-0", &recorded("sidecar-no-prometheus"), false);
        assert!(!check.passed, "{check:?}");
        assert!(check.detail.starts_with("it cannot reach Prometheus at localhost:9090"), "{check:?}");
        assert!(check.detail.contains("kubectl logs prometheus-0 -c thanos-sidecar"), "{check:?}");
        let unread = judge_sidecar("prometheus-0", &Err(anyhow::anyhow!("connection refused")), false);
        assert!(
            !unread.passed && unread.detail.starts_with("its metrics cannot be read: connection refused"),
            "{unread:?}"
        );
    }

    #[test]
    fn metrics_are_summed_over_their_series_and_other_names_are_not_read() {
        let text = "# HELP x\nthanos_objstore_bucket_operation_failures_total{bucket=\"a\",operation=\"get\"} 2\nthanos_objstore_bucket_operation_failures_total{bucket=\"a\",operation=\"upload\"} 3\nthanos_sidecar_prometheus_up 1\nthanos_sidecar_prometheus_up_other 7\n";
        assert_eq!(metric(text, "thanos_objstore_bucket_operation_failures_total"), Some(5.0));
        assert_eq!(metric(text, "thanos_sidecar_prometheus_up"), Some(1.0));
        assert_eq!(metric(text, "thanos_shipper_uploads_total"), None);
    }
}
