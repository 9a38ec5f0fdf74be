//! How full the claim is and how fast it fills: the TSDB on disk (blocks, WAL, head chunks, from
//! Prometheus's own `prometheus_tsdb_*` metrics) against the claim's `storage.size`, its growth over
//! the last hour and the time left at that pace, the head series and the metrics with most series.
//! validate shows it as a check, doctor as a finding or a fine line.

use std::collections::BTreeMap;

use super::Check;
use crate::prometheus::PrometheusApi;
use crate::values::Values;

/// The instant queries about the TSDB's size, each with the name its answer is kept under in
/// [`CapacityAnswers`]: Prometheus's own metrics, scraped by the `prometheus` job.
pub fn capacity_queries() -> [(&'static str, &'static str); 6] {
    [
        ("blocks", r#"prometheus_tsdb_storage_blocks_bytes{job="prometheus"}"#),
        ("wal", r#"prometheus_tsdb_wal_storage_size_bytes{job="prometheus"}"#),
        ("head_chunks", r#"prometheus_tsdb_head_chunks_storage_size_bytes{job="prometheus"}"#),
        // Bytes per second over the last hour (a subquery: the sum is an expression, not a series).
        (
            "growth",
            r#"deriv((prometheus_tsdb_storage_blocks_bytes{job="prometheus"} + prometheus_tsdb_wal_storage_size_bytes{job="prometheus"} + prometheus_tsdb_head_chunks_storage_size_bytes{job="prometheus"})[1h:30s])"#,
        ),
        ("head_series", r#"prometheus_tsdb_head_series{job="prometheus"}"#),
        ("top_metrics", r#"topk(5, count by (__name__) ({__name__=~".+"}))"#),
    ]
}

/// The answers to [`capacity_queries`], by name.
pub type CapacityAnswers = BTreeMap<String, Vec<super::Sample>>;

/// Asks Prometheus every query of [`capacity_queries`].
pub async fn capacity_answers(api: &PrometheusApi) -> anyhow::Result<CapacityAnswers> {
    let mut answers = CapacityAnswers::new();
    for (what, expr) in capacity_queries() {
        answers.insert(what.to_string(), api.query_vector(expr).await?);
    }
    Ok(answers)
}

/// What to do about a claim that fills.
pub const CAPACITY_FIX: &str = "raise storage.size (the claim grows only if its StorageClass allows expansion), lower retention.size or retention.time, or drop series from the metrics above (relabelling)";

/// A share of the claim from which the claim is filling; and the days of growth left below which it
/// is once a quarter is used (a young Prometheus's WAL grows fast for its first two hours, until the
/// head is compacted: on a nearly empty claim that growth says little).
const FULL_SHARE: f64 = 0.8;
const DAYS_LEFT: f64 = 7.0;
const GROWTH_COUNTS_FROM: f64 = 0.25;

/// The claim's state in one line, and whether it is filling.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityVerdict {
    pub state: String,
    pub filling: bool,
}

/// The TSDB on disk against the claim `values` asks for, the time until it is full at the last hour's
/// growth, the head series and the metrics with most series: filling from 80% full, or with under 7
/// days left once a quarter is used. No answer yet (not scraped, or the self-scrape is off) is not
/// filling.
pub fn judge_capacity(answers: &CapacityAnswers, values: &Values) -> CapacityVerdict {
    let claim_bytes = values.storage.size.bytes() as f64;
    let claim = values.storage.size.to_string();
    let first = |what: &str| answers.get(what).and_then(|v| v.first()).map(|(_, value)| *value);
    let (Some(blocks), Some(wal)) = (first("blocks"), first("wal")) else {
        return CapacityVerdict {
            state: "the TSDB's size is not known yet: it comes from Prometheus's own `prometheus` job (scrape.jobs.prometheus), whose first scrape brings it".into(),
            filling: false,
        };
    };
    let head_chunks = first("head_chunks").unwrap_or(0.0);
    let used = blocks + wal + head_chunks;
    let share = used / claim_bytes;
    let growth = first("growth").filter(|g| *g > 0.0);
    let days_left = growth.map(|g| (claim_bytes - used).max(0.0) / g / 86_400.0);
    let series = first("head_series").unwrap_or(0.0);
    let mut top: Vec<(String, f64)> = answers
        .get("top_metrics")
        .into_iter()
        .flatten()
        .map(|(labels, n)| (labels.get("__name__").cloned().unwrap_or_default(), *n))
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let most: Vec<String> = top.iter().map(|(name, n)| format!("{name} ({n:.0})")).collect();
    let mib = |bytes: f64| format!("{:.1} MiB", bytes / 1_048_576.0);
    let mut state = format!(
        "the TSDB uses {} of the {claim} claim ({:.0}%): blocks {}, WAL {}, head chunks {}",
        mib(used),
        share * 100.0,
        mib(blocks),
        mib(wal),
        mib(head_chunks)
    );
    match (growth, days_left) {
        (Some(g), Some(days)) => {
            let left = match days * 24.0 {
                hours if hours < 1.0 => format!("{:.0} minutes", (hours * 60.0).max(1.0)),
                hours if hours < 48.0 => format!("{hours:.0} hours"),
                _ => format!("{days:.0} days"),
            };
            state.push_str(&format!("; growing {}/day over the last hour: full in about {left}", mib(g * 86_400.0)))
        }
        _ => state.push_str("; not growing over the last hour"),
    }
    state.push_str(&format!("; {series:.0} head series, most in: {}", most.join(", ")));
    let filling = share >= FULL_SHARE || (share >= GROWTH_COUNTS_FROM && days_left.is_some_and(|d| d < DAYS_LEFT));
    CapacityVerdict { state, filling }
}

const CAPACITY: &str = "TSDB capacity";

/// validate's check: the state line, failing with the fix when the claim is filling.
pub async fn capacity_checks(api: &PrometheusApi, values: &Values) -> Check {
    match capacity_answers(api).await {
        Ok(answers) => {
            let verdict = judge_capacity(&answers, values);
            match verdict.filling {
                true => Check::fail(CAPACITY, format!("{}; {CAPACITY_FIX}", verdict.state)),
                false => Check::pass(CAPACITY, verdict.state),
            }
        }
        Err(e) => Check::from_error(CAPACITY, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Prometheus 2.48 answered to the capacity queries a minute after its install on the test bed
    /// with a 4Mi claim (tests/fixtures/prometheus-2.48.0/capacity/README.md).
    fn recorded_capacity() -> CapacityAnswers {
        capacity_queries()
            .iter()
            .map(|(what, _)| {
                let answer = super::super::recorded::vector(&format!("prometheus-2.48.0/capacity/{what}.json"));
                (what.to_string(), answer)
            })
            .collect()
    }

    fn claim(size: &str) -> Values {
        let retention = format!("retention.size={}", if size == "20Gi" { "10GB" } else { "3MB" });
        crate::values::load(&[], &[format!("storage.size={size}"), retention], None).unwrap()
    }

    #[test]
    fn a_claim_that_fills_within_days_is_filling_naming_its_size_growth_and_biggest_metrics() {
        let verdict = judge_capacity(&recorded_capacity(), &claim("4Mi"));
        assert!(verdict.filling, "{verdict:?}");
        let state = &verdict.state;
        assert!(
            state.starts_with("the TSDB uses 1.2 MiB of the 4Mi claim (30%): blocks 0.0 MiB, WAL 1.2 MiB"),
            "{state}"
        );
        assert!(state.contains("/day over the last hour: full in about ") && state.contains(" minutes"), "{state}");
        assert!(
            state.contains("44263 head series, most in: apiserver_request_duration_seconds_bucket (7272), "),
            "{state}"
        );
        // On an 8Mi claim (15% used) the same growth is a young WAL's, not yet filling.
        assert!(!judge_capacity(&recorded_capacity(), &claim("8Mi")).filling);
        // The same TSDB on the default 20Gi claim: not filling, with the same figures.
        let verdict = judge_capacity(&recorded_capacity(), &claim("20Gi"));
        assert!(
            !verdict.filling && verdict.state.starts_with("the TSDB uses 1.2 MiB of the 20Gi claim (0%)"),
            "{verdict:?}"
        );
    }

    #[test]
    fn a_prometheus_that_has_not_scraped_itself_yet_has_no_size_to_judge_and_nothing_wrong() {
        let verdict = judge_capacity(&CapacityAnswers::new(), &claim("20Gi"));
        assert!(!verdict.filling && verdict.state.starts_with("the TSDB's size is not known yet"), "{verdict:?}");
    }
}
