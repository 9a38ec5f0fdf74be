//! How full the claim is and how fast it fills: the TSDB on disk (blocks, WAL, head chunks, from
//! Prometheus's own `prometheus_tsdb_*` metrics) against the claim's `storage.size`, its growth over
//! the last hour and the time left at that pace, the head series and the metrics with most series,
//! and the scrapes refused over a scrape limit in the last hour (their samples are lost).
//! validate shows it as a check, doctor as a finding or a fine line.

use std::collections::BTreeMap;

use super::Check;
use crate::prometheus::PrometheusApi;
use crate::values::Values;

/// The instant queries about the TSDB's size, each with the name its answer is kept under in
/// [`CapacityAnswers`]: Prometheus's own metrics, scraped by the `prometheus` job.
pub fn capacity_queries() -> [(&'static str, &'static str); 7] {
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
        ("limits", LIMITS_QUERY.as_str()),
    ]
}

/// Prometheus's counters of scrapes (and scrape pools) refused over a limit of the scrape config,
/// each named by the limit: increase() drops the metric's name, so each is labelled `limit` first.
const LIMIT_COUNTERS: [(&str, &str); 5] = [
    ("sample_limit", "prometheus_target_scrapes_exceeded_sample_limit_total"),
    ("body_size_limit", "prometheus_target_scrapes_exceeded_body_size_limit_total"),
    ("native_histogram_bucket_limit", "prometheus_target_scrapes_exceeded_native_histogram_bucket_limit_total"),
    ("target_limit", "prometheus_target_scrape_pool_exceeded_target_limit_total"),
    ("label_limit", "prometheus_target_scrape_pool_exceeded_label_limits_total"),
];

/// The increase of each of [`LIMIT_COUNTERS`] over the last hour, labelled `limit` (one query).
static LIMITS_QUERY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let each = LIMIT_COUNTERS.iter().map(|(limit, counter)| {
        format!(r#"label_replace(increase({counter}{{job="prometheus"}}[1h]), "limit", "{limit}", "", "")"#)
    });
    each.collect::<Vec<_>>().join(" or ")
});

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
const FILLING_FIX: &str = "raise storage.size (the claim grows only if its StorageClass allows expansion), lower retention.size or retention.time, or drop series from the metrics above (relabelling)";

/// A share of the claim from which the claim is filling; and the days of growth left below which it
/// is once a quarter is used (a young Prometheus's WAL grows fast for its first two hours, until the
/// head is compacted: on a nearly empty claim that growth says little).
const FULL_SHARE: f64 = 0.8;
const DAYS_LEFT: f64 = 7.0;
const GROWTH_COUNTS_FROM: f64 = 0.25;

/// What to do about scrapes refused over a limit.
const LIMITS_FIX: &str = "raise the limit on the job that breaches it (doctor's targets section names the targets it marked down), or drop series with metric_relabel_configs";

/// The claim's state in one line, and the fix when it is a problem (filling, or scrapes refused over
/// a limit).
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityVerdict {
    pub state: String,
    pub fix: Option<String>,
}

/// The filesystem the TSDB is on, as `df -k -P` in the Prometheus container reports it (bytes). A
/// claim's size is a request: a hostPath or local-path volume shares the node's disk, and a volume can
/// be smaller than its claim, so what is really left is read from the filesystem itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Filesystem {
    pub size: f64,
    pub available: f64,
}

/// The command that reads the filesystem under `path` (busybox's df, in the official images).
pub fn df_command(path: &str) -> [&str; 4] {
    ["df", "-k", "-P", path]
}

/// The filesystem in `df -k -P`'s output (POSIX format: a header, then one line per filesystem whose
/// fields end with 1024-blocks, used, available, capacity% and the mount point); None when it is not
/// that.
pub fn read_df(stdout: &str) -> Option<Filesystem> {
    let line = stdout.lines().skip(1).filter(|l| !l.trim().is_empty()).last()?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let capacity = fields.iter().rposition(|f| f.ends_with('%'))?;
    let kib = |i: usize| -> Option<f64> { Some(fields.get(i)?.parse::<f64>().ok()? * 1024.0) };
    Some(Filesystem { size: kib(capacity.checked_sub(3)?)?, available: kib(capacity - 1)? })
}

/// The TSDB on disk against the claim `values` asks for, the time until it is full at the last hour's
/// growth, the head series and the metrics with most series: filling from 80% full, or with under 7
/// days left once a quarter is used. With the filesystem under it (`fs`, doctor reads it), the room
/// left is also what the filesystem has free: a volume smaller than its claim, or a node disk shared
/// with others, fills first. No answer yet (not scraped, or the self-scrape is off) is not filling.
pub fn judge_capacity(answers: &CapacityAnswers, values: &Values, fs: Option<Filesystem>) -> CapacityVerdict {
    let claim_bytes = values.storage.size.bytes() as f64;
    let claim = values.storage.size.to_string();
    let first = |what: &str| answers.get(what).and_then(|v| v.first()).map(|(_, value)| *value);
    let (Some(blocks), Some(wal)) = (first("blocks"), first("wal")) else {
        return CapacityVerdict {
            state: "the TSDB's size is not known yet: it comes from Prometheus's own `prometheus` job (scrape.jobs.prometheus), whose first scrape brings it".into(),
            fix: None,
        };
    };
    let head_chunks = first("head_chunks").unwrap_or(0.0);
    let used = blocks + wal + head_chunks;
    // The room left: the claim's, or the filesystem's free space when that is less; and the room
    // there is in all, against which "80% full" is judged.
    let claim_left = (claim_bytes - used).max(0.0);
    let (left, room) = match fs {
        Some(fs) => (claim_left.min(fs.available), claim_bytes.min(fs.size)),
        None => (claim_left, claim_bytes),
    };
    let share = 1.0 - left / room;
    let growth = first("growth").filter(|g| *g > 0.0);
    let days_left = growth.map(|g| left / g / 86_400.0);
    let series = first("head_series").unwrap_or(0.0);
    let mut top: Vec<(String, f64)> = answers
        .get("top_metrics")
        .into_iter()
        .flatten()
        .map(|(labels, n)| (labels.get("__name__").cloned().unwrap_or_default(), *n))
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let most: Vec<String> = top.iter().map(|(name, n)| format!("{name} ({n:.0})")).collect();
    let mib = |bytes: f64| match bytes / 1_048_576.0 {
        mib if mib >= 1024.0 => format!("{:.1} GiB", mib / 1024.0),
        mib => format!("{mib:.1} MiB"),
    };
    let mut state = format!(
        "the TSDB uses {} of the {claim} claim ({:.0}%): blocks {}, WAL {}, head chunks {}",
        mib(used),
        used / claim_bytes * 100.0,
        mib(blocks),
        mib(wal),
        mib(head_chunks)
    );
    if let Some(fs) = fs {
        state.push_str(&format!("; its filesystem has {} free of {}", mib(fs.available), mib(fs.size)));
        // Prometheus keeps a few files beside its TSDB (the lock, queries.active) and a filesystem
        // keeps a little for itself: only a shortfall beyond 5% of the room is another cause.
        if fs.available < claim_left - 0.05 * room {
            let why = match fs.size < claim_bytes {
                true => "the volume is smaller than the claim",
                false => {
                    "the volume shares its disk with others (a hostPath or local-path claim's size is not enforced)"
                }
            };
            state.push_str(&format!(", less than the claim leaves: {why}"));
        }
    }
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
    // increase() extrapolates: 0.9 is a refusal seen near the window's edge, counted as one.
    let breached: Vec<String> = LIMIT_COUNTERS
        .iter()
        .filter_map(|(limit, _)| {
            let refused =
                answers.get("limits")?.iter().find(|(l, _)| l.get("limit").map(String::as_str) == Some(limit))?.1;
            (refused >= 0.5).then(|| format!("{:.0} over {limit}", refused.round()))
        })
        .collect();
    if !breached.is_empty() {
        state.push_str(&format!(
            "; scrapes refused over a scrape limit in the last hour (their samples are lost): {}",
            breached.join(", ")
        ));
    }
    let fix = match (filling, breached.is_empty()) {
        (false, true) => None,
        (true, true) => Some(FILLING_FIX.to_string()),
        (false, false) => Some(LIMITS_FIX.to_string()),
        (true, false) => Some(format!("{FILLING_FIX}; {LIMITS_FIX}")),
    };
    CapacityVerdict { state, fix }
}

const CAPACITY: &str = "TSDB capacity";

/// validate's check: the state line, failing with the fix when the claim is filling.
pub async fn capacity_checks(api: &PrometheusApi, values: &Values) -> Check {
    match capacity_answers(api).await {
        Ok(answers) => {
            let verdict = judge_capacity(&answers, values, None);
            match verdict.fix {
                Some(fix) => Check::fail(CAPACITY, format!("{}; {fix}", verdict.state)),
                None => Check::pass(CAPACITY, verdict.state),
            }
        }
        Err(e) => Check::from_error(CAPACITY, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a real Prometheus answered to the capacity queries (tests/fixtures/<dir>/README.md); a
    /// query recorded before it was asked is left out.
    fn recorded(dir: &str) -> CapacityAnswers {
        capacity_queries()
            .iter()
            .filter(|(what, _)| {
                std::path::Path::new(&format!("{}/tests/fixtures/{dir}/{what}.json", env!("CARGO_MANIFEST_DIR")))
                    .exists()
            })
            .map(|(what, _)| (what.to_string(), super::super::recorded::vector(&format!("{dir}/{what}.json"))))
            .collect()
    }

    /// Prometheus 2.48 a minute after its install on the test bed with a 4Mi claim.
    fn recorded_capacity() -> CapacityAnswers {
        recorded("prometheus-2.48.0/capacity")
    }

    fn claim(size: &str) -> Values {
        let retention = format!("retention.size={}", if size == "20Gi" { "10GB" } else { "3MB" });
        crate::values::load(&[], &[format!("storage.size={size}"), retention], None).unwrap()
    }

    #[test]
    fn a_claim_that_fills_within_days_is_filling_naming_its_size_growth_and_biggest_metrics() {
        let verdict = judge_capacity(&recorded_capacity(), &claim("4Mi"), None);
        assert_eq!(verdict.fix.as_deref(), Some(FILLING_FIX), "{verdict:?}");
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
        assert_eq!(judge_capacity(&recorded_capacity(), &claim("8Mi"), None).fix, None);
        // The same TSDB on the default 20Gi claim: not filling, with the same figures.
        let verdict = judge_capacity(&recorded_capacity(), &claim("20Gi"), None);
        assert!(
            verdict.fix.is_none() && verdict.state.starts_with("the TSDB uses 1.2 MiB of the 20Gi claim (0%)"),
            "{verdict:?}"
        );
    }

    /// Each recorded version with a job over its sample_limit: on a roomy claim, the refused scrapes
    /// are the problem, counted, with the fix for limits, not for the disk.
    #[test]
    fn scrapes_refused_over_a_limit_are_a_problem_counted_by_limit() {
        for (version, refused) in [("prometheus-2.48.0", 12), ("prometheus-3.16.0", 11)] {
            let answers = recorded(&format!("{version}/limits"));
            assert_eq!(answers.len(), capacity_queries().len(), "{version}: every query recorded");
            let verdict = judge_capacity(&answers, &claim("20Gi"), None);
            assert_eq!(verdict.fix.as_deref(), Some(LIMITS_FIX), "{version}: {verdict:?}");
            assert!(
                verdict.state.ends_with(&format!(
                    "; scrapes refused over a scrape limit in the last hour (their samples are lost): {refused} over sample_limit"
                )),
                "{version}: {}",
                verdict.state
            );
        }
    }

    fn recorded_df(name: &str) -> Filesystem {
        read_df(&super::super::recorded::text(&format!("busybox-df/{name}.txt"))).unwrap()
    }

    #[test]
    fn df_is_read_in_bytes() {
        assert_eq!(recorded_df("tmpfs-4m"), Filesystem { size: 4096.0 * 1024.0, available: 1096.0 * 1024.0 });
        assert_eq!(recorded_df("node-disk").size, 264_212_084.0 * 1024.0);
        assert_eq!(read_df("df: /prometheus: No such file or directory\n"), None);
    }

    /// The filesystem under the claim counts: the 4Mi TSDB on a 4 MiB filesystem that something else
    /// filled is judged by what the filesystem has left; on the node's big disk, by the claim.
    #[test]
    fn the_room_left_is_what_the_filesystem_has_free_when_that_is_less_than_the_claim_leaves() {
        let small = judge_capacity(&recorded_capacity(), &claim("4Mi"), Some(recorded_df("tmpfs-4m")));
        assert_eq!(small.fix.as_deref(), Some(FILLING_FIX), "{small:?}");
        assert!(
            small.state.contains("; its filesystem has 1.1 MiB free of 4.0 MiB, less than the claim leaves: the volume shares its disk with others"),
            "{}",
            small.state
        );
        let roomy = judge_capacity(&recorded_capacity(), &claim("20Gi"), Some(recorded_df("node-disk")));
        assert_eq!(roomy.fix, None, "{roomy:?}");
        assert!(roomy.state.contains("; its filesystem has 53.6 GiB free of 252.0 GiB;"), "{}", roomy.state);
        // The same filesystem, its size below the claim's: said so.
        let smaller = Filesystem { size: 2.0 * 1_048_576.0, available: 1_048_576.0 };
        let verdict = judge_capacity(&recorded_capacity(), &claim("4Mi"), Some(smaller));
        assert!(
            verdict.state.contains("less than the claim leaves: the volume is smaller than the claim"),
            "{}",
            verdict.state
        );
    }

    #[test]
    fn a_prometheus_that_has_not_scraped_itself_yet_has_no_size_to_judge_and_nothing_wrong() {
        let verdict = judge_capacity(&CapacityAnswers::new(), &claim("20Gi"), None);
        assert!(verdict.fix.is_none() && verdict.state.starts_with("the TSDB's size is not known yet"), "{verdict:?}");
    }
}
