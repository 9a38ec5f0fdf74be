//! The remote_write queues as Prometheus's own metrics show them, and the long-term store behind
//! them (the engine), asked through its Prometheus-compatible query API.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Check;
use crate::promconfig::RemoteWriteSummary;
use crate::prometheus::PrometheusApi;
use crate::render::REPLICA_LABEL;
use crate::values::Values;

/// One series of an instant query: its labels and value.
pub type Sample = (BTreeMap<String, String>, f64);

/// How far a remote-write queue may lag behind the newest sample before validate calls it failing.
pub const REMOTE_WRITE_LAG_LIMIT: Duration = Duration::from_secs(120);

/// A lag of decades: the queue sent nothing yet, so its highest sent timestamp is still 0 (Prometheus
/// 3.x, recorded with a remote_write to a port nothing listens on).
const NEVER_SENT: f64 = 1e9;

/// How far back validate looks to see whether a queue's lag grows: sending that stalled for the whole
/// window fell about that much further behind.
pub const LAG_GROWTH_WINDOW: Duration = Duration::from_secs(30);

/// The instant queries about the queues, each with the name its answer is kept under in
/// [`QueueMetrics`]: Prometheus's own metrics, scraped by the `prometheus` job.
pub fn queue_queries() -> [(&'static str, String); 8] {
    let own = r#"{job="prometheus"}"#;
    let lag = |offset: &str| {
        format!(
            "prometheus_remote_storage_highest_timestamp_in_seconds{own}{offset} - ignoring(remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds{own}{offset}"
        )
    };
    [
        ("failed", format!("increase(prometheus_remote_storage_samples_failed_total{own}[2m])")),
        ("failed_total", format!("prometheus_remote_storage_samples_failed_total{own}")),
        ("dropped", format!("increase(prometheus_remote_storage_samples_dropped_total{own}[2m])")),
        ("retried", format!("increase(prometheus_remote_storage_samples_retried_total{own}[2m])")),
        ("pending", format!("prometheus_remote_storage_samples_pending{own}")),
        ("shards", format!("prometheus_remote_storage_shards{own}")),
        ("lag", lag("")),
        ("lag_before", lag(&format!(" offset {}s", LAG_GROWTH_WINDOW.as_secs()))),
    ]
}

/// The answers to [`queue_queries`], by name.
#[derive(Debug, Clone, Default)]
pub struct QueueMetrics {
    pub series: BTreeMap<String, Vec<Sample>>,
}

impl QueueMetrics {
    /// The value of the series of `what` whose `url` label is `url`.
    fn value(&self, what: &str, url: &str) -> Option<f64> {
        self.series.get(what)?.iter().find(|(labels, _)| labels.get("url").is_some_and(|u| u == url)).map(|(_, v)| *v)
    }
}

/// Each remote_write queue as Prometheus's own metrics show it (scraped by the `prometheus` job):
/// samples failed (non-recoverable: the receiver refused them) or dropped in the last 2 minutes,
/// shards, and how far sending lags behind the newest sample. A failing queue is named with its URL
/// and, from `log` (Prometheus's recent log), the HTTP status the receiver answered.
pub async fn remote_write_checks(
    api: &PrometheusApi,
    endpoints: &[RemoteWriteSummary],
    log: Option<&str>,
) -> Vec<Check> {
    if endpoints.is_empty() {
        return Vec::new();
    }
    let mut queues = QueueMetrics::default();
    for (what, expr) in queue_queries() {
        match api.query_vector(&expr).await {
            Ok(found) => {
                queues.series.insert(what.to_string(), found);
            }
            Err(e) => return vec![Check::from_error("remote_write", &e)],
        }
    }
    judge_remote_write(&queues, endpoints, log)
}

/// One check per endpoint: Prometheus has a queue for it, no sample failed or was dropped in the last
/// 2 minutes, sending has not stalled (its lag grows: the receiver is down or refusing) and lags less
/// than [`REMOTE_WRITE_LAG_LIMIT`] behind the newest sample. Every problem names the write URL, and the
/// last error Prometheus logged about it when `log` (its recent log) has one.
pub fn judge_remote_write(queues: &QueueMetrics, endpoints: &[RemoteWriteSummary], log: Option<&str>) -> Vec<Check> {
    endpoints.iter().map(|endpoint| judge_queue(queues, endpoint, log)).collect()
}

fn judge_queue(queues: &QueueMetrics, endpoint: &RemoteWriteSummary, log: Option<&str>) -> Check {
    let name = format!("remote_write {}", endpoint.name.as_deref().unwrap_or(&endpoint.url));
    let url = endpoint.url.as_str();
    let Some(shards) = queues.value("shards", url) else {
        return Check::fail(
            name,
            format!(
                "Prometheus reports no queue for {url} yet; its queue metrics come from the `prometheus` job (scrape.jobs.prometheus), scraped every interval"
            ),
        );
    };
    let failed = queues.value("failed", url).or(queues.value("failed_total", url)).unwrap_or(0.0);
    let dropped = queues.value("dropped", url).unwrap_or(0.0);
    let retried = queues.value("retried", url).unwrap_or(0.0);
    let pending = queues.value("pending", url).unwrap_or(0.0);
    // Prometheus 2.x reports no sent timestamp (so no lag) before the first successful send;
    // 3.x reports 0, a lag of the newest sample's own age.
    let lag = queues.value("lag", url);
    let never_sent = lag.is_none_or(|lag| lag >= NEVER_SENT) && (retried > 0.0 || lag.is_some());
    let lag = lag.unwrap_or(0.0).max(0.0);
    let growth = queues.value("lag_before", url).filter(|before| *before < NEVER_SENT).map(|before| lag - before);
    let last_error = log.and_then(|log| last_send_error(log, url));
    let retries = if retried > 0.0 { format!("{retried:.0} samples retried in the last 2m") } else { String::new() };
    let error_seen = last_error.as_deref().map(|e| format!("its last error: {e}")).unwrap_or_default();
    let why = [retries.as_str(), error_seen.as_str()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();

    let mut problems = Vec::new();
    if failed > 0.0 {
        let seen = last_error
            .as_deref()
            .and_then(http_status)
            .map(|s| format!(": the receiver answered HTTP {s}"))
            .unwrap_or_default();
        problems.push(format!("{failed:.0} samples failed to send to {url} in the last 2m{seen}"));
    }
    if dropped > 0.0 {
        problems.push(format!("{dropped:.0} samples for {url} dropped in the last 2m"));
    }
    // Sending that stopped falls behind as fast as time passes; a queue catching up falls back.
    let window = LAG_GROWTH_WINDOW.as_secs_f64();
    let stalled = growth.is_some_and(|g| g >= window / 2.0) && lag >= window / 2.0;
    if never_sent {
        let why = if why.is_empty() { String::new() } else { format!(" ({})", why.join("; ")) };
        problems.push(format!("nothing sent to {url} yet{why}: is the receiver listening there?"));
    } else if stalled {
        let growth = growth.unwrap_or_default();
        let why = if why.is_empty() { String::new() } else { format!("; {}", why.join("; ")) };
        problems.push(format!(
            "sending to {url} stalled: {lag:.0}s behind the newest sample, {growth:.0}s further behind than {window:.0}s ago, {pending:.0} samples pending{why}: is the receiver up?"
        ));
    } else if lag > REMOTE_WRITE_LAG_LIMIT.as_secs_f64() {
        problems.push(format!("sending to {url} lags {lag:.0}s behind the newest sample"));
    }
    if !problems.is_empty() {
        return Check::fail(name, problems.join("; "));
    }
    let recovered =
        if retried > 0.0 { format!("; {retries}: it failed for a while and recovered") } else { String::new() };
    Check::pass(name, format!("{url}: {shards:.0} shards, {lag:.0}s behind the newest sample, 0 failed{recovered}"))
}

/// The error of the last line of Prometheus's log about `url` that has one (logfmt in 2.x, slog's
/// text in 3.x: both write `url=...` and `err="..."`), without the `Post "URL": ` that repeats the URL.
pub fn last_send_error(log: &str, url: &str) -> Option<String> {
    log.lines().rev().filter(|line| line.contains(url)).find_map(|line| {
        let quoted = &line[line.find(" err=\"")? + " err=\"".len()..];
        let mut error = String::new();
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => error.extend(chars.next()),
                c => error.push(c),
            }
        }
        let repeated = format!("Post \"{url}\": ");
        Some(error.strip_prefix(&repeated).map(str::to_string).unwrap_or(error))
    })
}

/// The HTTP status of a send error: "401 Unauthorized" from `server returned HTTP status 401
/// Unauthorized: ...`.
pub fn http_status(error: &str) -> Option<&str> {
    let status = error.strip_prefix("server returned HTTP status ")?;
    Some(status.split(':').next().unwrap_or(status).trim())
}

/// Which `up` series of the engine are this install's: the external labels but the replica's
/// (`up{cluster="prod"}`), and how a message names that scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineScope {
    /// The selector, `up{...}`.
    pub up: String,
    /// " (up{...})", or why the whole `up` is compared.
    pub shown: String,
}

impl EngineScope {
    pub fn of(external_labels: &BTreeMap<String, String>) -> Self {
        let selector: Vec<String> = external_labels
            .iter()
            .filter(|(k, _)| k.as_str() != REPLICA_LABEL)
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        let up = format!("up{{{}}}", selector.join(","));
        let shown = if selector.is_empty() {
            " (no external labels: the engine's whole `up` is compared; set scrape.externalLabels to scope it)"
                .to_string()
        } else {
            format!(" ({up})")
        };
        EngineScope { up, shown }
    }

    /// Asked of the engine: how many series of `up` it holds in this scope.
    pub fn stored_query(&self) -> String {
        format!("count({})", self.up)
    }

    /// Asked of the engine: how old its newest `up` sample in this scope is, in seconds.
    pub fn age_query(&self) -> String {
        format!("time() - max(timestamp({}))", self.up)
    }
}

/// Asked of Prometheus: how many targets it scrapes.
pub const SCRAPED_QUERY: &str = "count(up)";

/// What [`engine_checks`] reads: Prometheus's targets, the engine's `up` series in scope, and the age
/// of the engine's newest `up` sample (`None`: it has none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineCounts {
    pub scraped: f64,
    pub stored: f64,
    pub newest_age: Option<f64>,
}

impl EngineCounts {
    /// From the three queries' answers: the first series' value of each (an empty answer is 0, or
    /// no age).
    pub fn from_answers(scraped: &[Sample], stored: &[Sample], age: &[Sample]) -> Self {
        EngineCounts {
            scraped: scraped.first().map_or(0.0, |(_, v)| *v),
            stored: stored.first().map_or(0.0, |(_, v)| *v),
            newest_age: age.first().map(|(_, v)| *v),
        }
    }
}

/// The long-term store behind remote_write, asked through its Prometheus-compatible query API
/// (Thanos Query, Mimir, VictoriaMetrics): it holds one series of `up` per target this Prometheus
/// scrapes (replicas deduplicated), and its newest sample is recent. Series are scoped by the install's
/// external labels, which is how a store tells Prometheuses apart.
pub async fn engine_checks(
    engine: &PrometheusApi,
    prometheus: &PrometheusApi,
    values: &Values,
    wait: Duration,
) -> Vec<Check> {
    let scope = EngineScope::of(&values.scrape.external_labels);
    // A target scraped just now reaches the store with the next batch: look again, up to `wait`.
    let deadline = tokio::time::Instant::now() + wait;
    let judged = crate::poll::until(deadline, Duration::from_secs(1), async || {
        let scraped = prometheus.query_vector(SCRAPED_QUERY).await?;
        let stored = engine.query_vector(&scope.stored_query()).await?;
        let age = engine.query_vector(&scope.age_query()).await?;
        let check = judge_engine(&EngineCounts::from_answers(&scraped, &stored, &age), &scope);
        Ok(if check.passed { Ok(check) } else { Err(check) })
    })
    .await;
    vec![match judged {
        Ok(crate::poll::Polled::Done(check) | crate::poll::Polled::TimedOut(check)) => check,
        Err(e) => Check::from_error(ENGINE, &e),
    }]
}

const ENGINE: &str = "engine receives";

/// The engine holds exactly one recent series of `up` per target Prometheus scrapes: more means the
/// replicas are not deduplicated, fewer that samples are missing, none or old that writes do not
/// arrive.
pub fn judge_engine(counts: &EngineCounts, scope: &EngineScope) -> Check {
    let EngineCounts { scraped, stored, newest_age } = *counts;
    let shown = &scope.shown;
    match newest_age {
        None => Check::fail(ENGINE, format!("the engine has no recent `up` samples{shown}: are the writes arriving?")),
        Some(age) if age > REMOTE_WRITE_LAG_LIMIT.as_secs_f64() => {
            Check::fail(ENGINE, format!("its newest `up` sample is {age:.0}s old{shown}"))
        }
        Some(_) if stored > scraped => Check::fail(
            ENGINE,
            format!(
                "{stored:.0} series of `up` for {scraped:.0} targets{shown}: replicas are not deduplicated (the engine's replica label must be `{REPLICA_LABEL}`)"
            ),
        ),
        Some(_) if stored < scraped => Check::fail(
            ENGINE,
            format!("{stored:.0} series of `up` for {scraped:.0} targets{shown}: some targets' samples are missing"),
        ),
        Some(age) => Check::pass(
            ENGINE,
            format!("{stored:.0} series of `up`, one per target{shown}; newest sample {age:.0}s old"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::recorded::{self, PROMETHEUS};

    const LIVE: &str = "http://127.0.0.1:18428/api/v1/write";
    const UNAUTHORIZED: &str = "http://127.0.0.1:18429/api/v1/write";
    const DEAD: &str = "http://127.0.0.1:19997/api/v1/write";
    const OUTAGE: &str = "http://127.0.0.1:18430/api/v1/write";

    /// The main scenario's queues, as validate fetches them, and its remote_write endpoints as
    /// promctl reads them from the recorded prometheus.yml.
    fn main_queues(version: &str) -> (QueueMetrics, Vec<RemoteWriteSummary>) {
        let mut queues = QueueMetrics::default();
        for (what, _) in queue_queries() {
            queues.series.insert(what.to_string(), recorded::vector(&format!("{version}/main/queue-{what}.json")));
        }
        let config = recorded::text(&format!("{version}/main/prometheus.yml"));
        let endpoints =
            crate::promconfig::check(&config, 3).expect("the recorded config passes promctl's check").remote_writes;
        (queues, endpoints)
    }

    fn check_named<'a>(checks: &'a [Check], name: &str) -> &'a Check {
        checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no check {name} in {checks:?}"))
    }

    #[test]
    fn the_recording_asks_prometheus_the_queries_validate_asks() {
        let script = recorded::text("../../scripts/record-fixtures");
        for (what, expr) in queue_queries() {
            assert!(
                script.contains(&format!("'{what}={expr}'")),
                "scripts/record-fixtures does not record {what}: {expr}"
            );
        }
    }

    #[test]
    fn remote_write_to_a_live_receiver_passes_with_its_shards_and_lag() {
        for version in PROMETHEUS {
            let (queues, endpoints) = main_queues(version);
            let log = recorded::text(&format!("{version}/main/prometheus.log"));
            let checks = judge_remote_write(&queues, &endpoints, Some(&log));
            let live = check_named(&checks, "remote_write live");
            assert!(live.passed, "{version}: {}", live.detail);
            assert!(live.detail.starts_with(&format!("{LIVE}: 1 shards, ")), "{version}: {}", live.detail);
            assert!(live.detail.ends_with("behind the newest sample, 0 failed"), "{version}: {}", live.detail);
        }
    }

    #[test]
    fn remote_write_to_a_receiver_answering_401_fails_naming_the_url_and_status() {
        for version in PROMETHEUS {
            let (queues, endpoints) = main_queues(version);
            let log = recorded::text(&format!("{version}/main/prometheus.log"));
            let checks = judge_remote_write(&queues, &endpoints, Some(&log));
            let refused = check_named(&checks, "remote_write unauthorized");
            assert!(!refused.passed, "{version}: {}", refused.detail);
            assert!(
                refused.detail.contains(&format!("samples failed to send to {UNAUTHORIZED} in the last 2m: the receiver answered HTTP 401 Unauthorized")),
                "{version}: {}",
                refused.detail
            );
            // Without the log, the status is not guessed.
            let checks = judge_remote_write(&queues, &endpoints, None);
            let refused = check_named(&checks, "remote_write unauthorized");
            assert!(!refused.passed && !refused.detail.contains("401"), "{version}: {}", refused.detail);
        }
    }

    #[test]
    fn remote_write_to_a_port_nothing_listens_on_fails_saying_nothing_was_sent() {
        for version in PROMETHEUS {
            let (queues, endpoints) = main_queues(version);
            let checks = judge_remote_write(&queues, &endpoints, None);
            let dead = check_named(&checks, "remote_write dead");
            assert!(!dead.passed, "{version}: {}", dead.detail);
            assert!(dead.detail.starts_with(&format!("nothing sent to {DEAD} yet (")), "{version}: {}", dead.detail);
            assert!(
                dead.detail.ends_with(" samples retried in the last 2m): is the receiver listening there?"),
                "{version}: {}",
                dead.detail
            );
        }
    }

    #[test]
    fn remote_write_to_a_receiver_that_went_away_fails_as_stalled_naming_the_url_and_its_error() {
        for version in PROMETHEUS {
            let (queues, endpoints) = main_queues(version);
            let log = recorded::text(&format!("{version}/main/prometheus.log"));
            let checks = judge_remote_write(&queues, &endpoints, Some(&log));
            let outage = check_named(&checks, "remote_write outage");
            assert!(!outage.passed, "{version}: {}", outage.detail);
            let detail = &outage.detail;
            assert!(detail.starts_with(&format!("sending to {OUTAGE} stalled: ")), "{version}: {detail}");
            assert!(
                detail.contains("s further behind than 30s ago, ") && detail.contains(" samples pending"),
                "{version}: {detail}"
            );
            assert!(detail.contains(" samples retried in the last 2m"), "{version}: {detail}");
            assert!(detail.ends_with(": is the receiver up?"), "{version}: {detail}");
            // The error, when the log has it: 3.x logs one "Failed to send batch" a minute for all
            // queues (a dedupe by message), and the dead queue's came first in this recording.
            match last_send_error(&log, OUTAGE) {
                Some(error) => assert!(detail.contains(&format!("; its last error: {error}")), "{version}: {detail}"),
                None => assert!(!detail.contains("its last error"), "{version}: {detail}"),
            }
            if version == PROMETHEUS[0] {
                assert!(
                    detail.contains("its last error: dial tcp 127.0.0.1:18430: connect: connection refused"),
                    "{detail}"
                );
            }
            // The queues that kept sending are not called stalled.
            assert!(check_named(&checks, "remote_write live").passed, "{version}");
        }
    }

    #[test]
    fn a_queue_whose_lag_does_not_grow_is_not_stalled_whatever_its_retries() {
        let (queues, endpoints) = main_queues(PROMETHEUS[1]);
        let live = endpoints.iter().find(|e| e.url == LIVE).unwrap().clone();
        // The live queue's answers, with retries and a lag that shrank: a receiver that recovered.
        let mut recovered = queues.clone();
        let mut set = |what: &str, value: f64| {
            let series = recovered.series.get_mut(what).unwrap().iter_mut();
            series.filter(|(labels, _)| labels.get("url").is_some_and(|u| u == LIVE)).for_each(|(_, v)| *v = value);
            recovered.clone()
        };
        set("retried", 120.0);
        set("lag", 3.0);
        let queues = set("lag_before", 25.0);
        let check = judge_queue(&queues, &live, None);
        assert!(check.passed, "{}", check.detail);
        assert!(
            check.detail.ends_with("; 120 samples retried in the last 2m: it failed for a while and recovered"),
            "{}",
            check.detail
        );
        // The same lag growing by the whole window is a stall.
        set("lag_before", 3.0);
        let recovered = set("lag", 33.0);
        let check = judge_queue(&recovered, &live, None);
        assert!(
            !check.passed && check.detail.starts_with(&format!("sending to {LIVE} stalled: 33s behind")),
            "{}",
            check.detail
        );
    }

    #[test]
    fn remote_write_without_a_queue_in_prometheus_fails_naming_where_queue_metrics_come_from() {
        let (queues, _) = main_queues(PROMETHEUS[0]);
        let elsewhere = RemoteWriteSummary { url: "http://127.0.0.1:1/api/v1/write".into(), name: None };
        let checks = judge_remote_write(&queues, &[elsewhere], None);
        assert!(!checks[0].passed);
        assert_eq!(checks[0].name, "remote_write http://127.0.0.1:1/api/v1/write");
        assert!(checks[0].detail.contains("Prometheus reports no queue for http://127.0.0.1:1/api/v1/write yet"));
    }

    #[test]
    fn the_receivers_http_status_is_read_from_the_recorded_logs_of_both_versions() {
        for version in PROMETHEUS {
            let log = recorded::text(&format!("{version}/main/prometheus.log"));
            let error = last_send_error(&log, UNAUTHORIZED);
            assert_eq!(error.as_deref().and_then(http_status), Some("401 Unauthorized"), "{version}");
            assert_eq!(last_send_error(&log, LIVE), None, "{version}");
            // A refused connection, without the `Post "URL": ` that repeats the URL.
            let dead = last_send_error(&log, DEAD).unwrap_or_default();
            assert!(
                dead.starts_with("dial tcp 127.0.0.1:19997: ") && dead.ends_with("connection refused"),
                "{version}: {dead}"
            );
        }
    }

    /// The healthy replicas' scope, and what Prometheus and the engine answered about it.
    fn healthy_engine(version: &str, scope: &str) -> (EngineCounts, EngineScope) {
        let release = version.trim_start_matches("prometheus-");
        let labels = BTreeMap::from([
            ("cluster".to_string(), format!("healthy-{release}")),
            (REPLICA_LABEL.to_string(), "0".to_string()),
        ]);
        let engine = EngineScope::of(&labels);
        let counts = EngineCounts::from_answers(
            &recorded::vector(&format!("{version}/healthy-1/query-count-up.json")),
            &recorded::vector(&format!("{version}/engine/stored-{scope}.json")),
            &recorded::vector(&format!("{version}/engine/age-{scope}.json")),
        );
        (counts, engine)
    }

    #[test]
    fn an_engine_holding_one_recent_up_per_target_passes() {
        for version in PROMETHEUS {
            let (counts, scope) = healthy_engine(version, "healthy");
            let release = version.trim_start_matches("prometheus-");
            // The replica label is left out of the scope: replicas write one series.
            assert_eq!(scope.stored_query(), format!("count(up{{cluster=\"healthy-{release}\"}})"));
            let check = judge_engine(&counts, &scope);
            assert!(check.passed, "{version}: {}", check.detail);
            assert!(
                check.detail.starts_with(&format!(
                    "3 series of `up`, one per target (up{{cluster=\"healthy-{release}\"}}); newest sample "
                )),
                "{version}: {}",
                check.detail
            );
        }
    }

    #[test]
    fn an_engine_without_samples_in_scope_fails_asking_whether_writes_arrive() {
        for version in PROMETHEUS {
            let (counts, scope) = healthy_engine(version, "nowhere");
            assert_eq!(counts.newest_age, None, "{version}");
            let check = judge_engine(&counts, &scope);
            assert!(!check.passed, "{version}");
            assert!(check.detail.starts_with("the engine has no recent `up` samples"), "{version}: {}", check.detail);
            assert!(check.detail.ends_with("are the writes arriving?"), "{version}: {}", check.detail);
        }
    }

    #[test]
    fn an_engine_holding_more_up_series_than_targets_fails_naming_the_replica_label() {
        for version in PROMETHEUS {
            let (counts, scope) = healthy_engine(version, "healthy");
            // One replica's targets (its own count(up)) against what both write without a dedup.
            let doubled = EngineCounts { stored: counts.stored * 2.0, ..counts };
            let check = judge_engine(&doubled, &scope);
            assert!(!check.passed, "{version}");
            assert!(check.detail.starts_with("6 series of `up` for 3 targets"), "{version}: {}", check.detail);
            assert!(check.detail.contains("replicas are not deduplicated"), "{version}: {}", check.detail);
        }
    }

    #[test]
    fn the_receivers_http_status_is_read_from_either_log_format() {
        let v2 = r#"ts=2026-12-02T00:30:01.002Z caller=dedupe.go:112 component=remote level=error remote_name=thanos url=http://10.96.0.9:19291/api/v1/receive msg="non-recoverable error" count=120 exemplarCount=0 err="server returned HTTP status 401 Unauthorized: Unauthorized""#;
        let v3 = r#"time=2026-12-02T00:30:01.002Z level=ERROR source=queue_manager.go:1621 msg="non-recoverable error" component=remote remote_name=thanos url=http://10.96.0.9:19291/api/v1/receive failedSampleCount=120 err="server returned HTTP status 401 Unauthorized: Unauthorized""#;
        for log in [v2, v3] {
            let log = format!("{log}\nlevel=info msg=\"other\"\n");
            let error = last_send_error(&log, "http://10.96.0.9:19291/api/v1/receive");
            assert_eq!(error.as_deref(), Some("server returned HTTP status 401 Unauthorized: Unauthorized"));
            assert_eq!(error.as_deref().and_then(http_status), Some("401 Unauthorized"));
        }
        assert_eq!(last_send_error(v2, "http://elsewhere/"), None);
    }
}
