//! Prometheus itself: healthy and ready, running the rendered config, every expected job's targets
//! up, and the PromQL probes answering. Each async function fetches; the `judge_*` functions decide
//! from what was fetched, and are what the unit tests run on recorded answers.

use std::time::{Duration, Instant, SystemTime};

use super::{Check, DISCOVERY_GRACE, ERROR_GROUPS_SHOWN, Probe};
use crate::prometheus::{JobExpectation, JobHealth, JobVerdict, PrometheusApi, all_settled, evaluate_jobs};
use crate::reload::ConfigSignature;

/// What `prometheus_checks` is waiting for, for progress lines. Core modules never print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetsProgress {
    Waiting { not_scraped: Vec<String>, not_discovered: Vec<String> },
    Settled { jobs: usize },
}

/// Prometheus itself: healthy, ready, running the rendered config, every expected job's targets
/// (waiting up to `wait_targets` for those not scraped or discovered yet), then the probes.
pub async fn prometheus_checks(
    api: &PrometheusApi,
    rendered: &str,
    expected: &[JobExpectation],
    wait_targets: Duration,
    queries: &[Probe],
    mut on_progress: impl FnMut(TargetsProgress),
) -> (Vec<Check>, Vec<JobHealth>) {
    let mut checks = Vec::new();
    for (name, result) in [("Prometheus healthy", api.healthy().await), ("Prometheus ready", api.ready().await)] {
        checks.push(match result {
            Ok(()) => Check::pass(name, "200 OK"),
            Err(e) => Check::from_error(name, &e),
        });
    }
    if checks.iter().any(|c| !c.passed) {
        return (checks, Vec::new());
    }
    checks.push(match api.config().await {
        Ok(running) => judge_config_drift(rendered, &running),
        Err(e) => Check::from_error(CONFIG_DRIFT, &e),
    });

    // Targets still `unknown` have not been scraped yet: wait for them, up to a bound.
    let started = Instant::now();
    let jobs = loop {
        let jobs = match api.target_tally().await {
            Ok(targets) => evaluate_jobs(&targets, expected, SystemTime::now()),
            Err(e) => {
                checks.push(Check::from_error("targets", &e));
                return (checks, Vec::new());
            }
        };
        match targets_progress(&jobs, started.elapsed(), wait_targets) {
            None => break jobs,
            Some(waiting) => on_progress(waiting),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    on_progress(TargetsProgress::Settled { jobs: jobs.len() });
    checks.extend(judge_jobs(&jobs, wait_targets));
    for probe in queries.iter().filter(|probe| !probe_skipped(probe, &jobs)) {
        // An instant vector is counted by Prometheus: validate's memory stays that of one number.
        let series = match crate::promql::series_count_query(&probe.expr) {
            Some(count) => api.query_vector(&count).await.map(|found| found.first().map_or(0, |(_, n)| *n as usize)),
            None => api.query(&probe.expr).await.map(|result| result.series),
        };
        checks.push(match series {
            Ok(series) => judge_probe(&probe.expr, series),
            Err(e) => Check::from_error(format!("query {}", probe.expr), &e),
        });
    }
    (checks, jobs)
}

const CONFIG_DRIFT: &str = "running config is the rendered one";

/// The config Prometheus runs (`running`, as `/api/v1/status/config` serves it) is the one promctl
/// renders: an interrupted reload, or a ConfigMap changed by hand, leaves a Prometheus that every other
/// check calls fine while it runs something else.
pub fn judge_config_drift(rendered: &str, running: &str) -> Check {
    let differences = crate::promconfig::drift(rendered, running);
    if differences.is_empty() {
        let jobs = ConfigSignature::of(rendered).map(|r| r.jobs.len()).unwrap_or_default();
        return Check::pass(CONFIG_DRIFT, format!("{jobs} jobs as rendered"));
    }
    Check::fail(
        CONFIG_DRIFT,
        format!(
            "Prometheus runs another config than the rendered one ({}); `promctl reload` (or `promctl install`) loads the rendered one",
            differences.join("; ")
        ),
    )
}

/// `None` when the jobs are settled (or `wait_targets` is over): judge them. Otherwise what is still
/// awaited: targets not scraped yet, and, within the discovery grace, jobs with too few targets.
pub fn targets_progress(jobs: &[JobHealth], elapsed: Duration, wait_targets: Duration) -> Option<TargetsProgress> {
    let pending: Vec<String> =
        jobs.iter().filter(|j| j.verdict == JobVerdict::Pending).map(|j| j.job.clone()).collect();
    let missing: Vec<String> = jobs
        .iter()
        .filter(|j| matches!(j.verdict, JobVerdict::NoTargets | JobVerdict::TooFewTargets))
        .map(|j| j.job.clone())
        .collect();
    let still_discovering = !missing.is_empty() && elapsed < DISCOVERY_GRACE.min(wait_targets);
    if (all_settled(jobs) && !still_discovering) || elapsed >= wait_targets {
        return None;
    }
    Some(TargetsProgress::Waiting { not_scraped: pending, not_discovered: missing })
}

/// One check per job: all its targets up and at least as many as expected; a down target is named
/// with its error (grouped by error, a few examples each).
pub fn judge_jobs(jobs: &[JobHealth], wait_targets: Duration) -> Vec<Check> {
    jobs.iter()
        .map(|job| {
            let name = format!("job {}", job.job);
            let counts = format!("{}/{} targets up", job.up, job.up + job.down + job.unknown);
            match job.verdict {
                JobVerdict::Healthy => Check::pass(name, counts),
                JobVerdict::NoTargets => Check::fail(name, "0 targets: nothing discovered for this job"),
                JobVerdict::TooFewTargets => {
                    Check::fail(name, format!("{counts}, at least {} expected", job.min_targets))
                }
                JobVerdict::Pending => {
                    Check::fail(name, format!("{counts}; still not scraped after {}s", wait_targets.as_secs()))
                }
                JobVerdict::TargetsDown => Check::fail(name, format!("{counts}; {}", down_summary(job))),
            }
        })
        .collect()
}

/// A probe reading a job that already failed is not asked: the failure is reported once, where it is
/// caused.
pub fn probe_skipped(probe: &Probe, jobs: &[JobHealth]) -> bool {
    probe.job.as_deref().is_some_and(|job| jobs.iter().any(|j| j.job == job && j.verdict != JobVerdict::Healthy))
}

/// A probe passes when its query answers at least one series.
pub fn judge_probe(expr: &str, series: usize) -> Check {
    let name = format!("query {expr}");
    if series > 0 {
        Check::pass(name, format!("{series} series"))
    } else {
        Check::fail(name, format!("empty result{}", empty_result_hint(expr)))
    }
}

/// Where a default probe's metric comes from, for a failure message that says what to look at.
fn empty_result_hint(expr: &str) -> &'static str {
    if expr.starts_with("kube_") {
        "; kube_* metrics come from kube-state-metrics: is it running, its Service annotated prometheus.io/scrape: \"true\"? (--skip-job kubernetes-service-endpoints drops these probes)"
    } else if expr.starts_with("container_") {
        "; container_* metrics come from the kubelets' /metrics/cadvisor (the kubernetes-cadvisor job)"
    } else {
        ""
    }
}

/// "N down: ERROR (e.g. URL, URL); M down: ERROR2 ..." for a check's one line.
fn down_summary(job: &JobHealth) -> String {
    let groups = &job.down_errors;
    let mut parts: Vec<String> = groups
        .iter()
        .take(ERROR_GROUPS_SHOWN)
        .map(|g| {
            let examples: Vec<&str> = g.examples.iter().map(|e| e.scrape_url.as_str()).collect();
            format!("{} down: {} (e.g. {})", g.count, g.error, examples.join(", "))
        })
        .collect();
    if groups.len() > ERROR_GROUPS_SHOWN {
        parts.push(format!("{} more kinds of error", groups.len() - ERROR_GROUPS_SHOWN));
    }
    if job.down_other_errors > 0 {
        parts.push(format!("{} more down with yet other errors", job.down_other_errors));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prometheus::parse_rfc3339;
    use crate::validation::recorded::{self, PROMETHEUS};

    /// The main scenario's jobs as validate evaluates them, with every job of its config expected,
    /// at the time of its newest scrape.
    fn main_jobs(version: &str) -> Vec<JobHealth> {
        let path = format!("{version}/main/targets.json");
        let targets = recorded::tally(&path);
        let now = recorded::targets(&path)
            .iter()
            .filter_map(|t| parse_rfc3339(&t.last_scrape))
            .max()
            .expect("a scraped target");
        let expected: Vec<JobExpectation> =
            ["prometheus", "alertmanager", "refused", "not-found", "not-scraped-yet", "shop-pods"]
                .into_iter()
                .map(JobExpectation::new)
                .collect();
        evaluate_jobs(&targets, &expected, now)
    }

    fn check_named<'a>(checks: &'a [Check], name: &str) -> &'a Check {
        checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no check {name} in {checks:?}"))
    }

    #[test]
    fn jobs_whose_targets_are_all_up_pass_with_their_counts() {
        for version in PROMETHEUS {
            let checks = judge_jobs(&main_jobs(version), Duration::from_secs(30));
            for job in ["job prometheus", "job alertmanager"] {
                let check = check_named(&checks, job);
                assert!(check.passed, "{version} {job}: {}", check.detail);
                assert_eq!(check.detail, "1/1 targets up", "{version} {job}");
            }
        }
    }

    #[test]
    fn a_target_refusing_the_connection_fails_its_job_naming_the_url_and_error() {
        for version in PROMETHEUS {
            let check = check_named(&judge_jobs(&main_jobs(version), Duration::from_secs(30)), "job refused").clone();
            assert!(!check.passed, "{version}");
            assert_eq!(
                check.detail,
                "0/1 targets up; 1 down: Get \"<target>\": dial tcp <target>: connect: connection refused (e.g. http://127.0.0.1:19999/metrics)",
                "{version}"
            );
        }
    }

    #[test]
    fn a_target_answering_404_fails_its_job_naming_the_status() {
        for version in PROMETHEUS {
            let check = check_named(&judge_jobs(&main_jobs(version), Duration::from_secs(30)), "job not-found").clone();
            assert!(!check.passed, "{version}");
            assert_eq!(
                check.detail,
                "0/1 targets up; 1 down: server returned HTTP status 404 Not Found (e.g. http://127.0.0.1:19300/no-metrics-here)",
                "{version}"
            );
        }
    }

    #[test]
    fn a_target_not_scraped_yet_is_waited_for_then_fails_as_not_scraped() {
        for version in PROMETHEUS {
            let jobs = main_jobs(version);
            let wait = Duration::from_secs(30);
            match targets_progress(&jobs, Duration::from_secs(1), wait) {
                Some(TargetsProgress::Waiting { not_scraped, .. }) => {
                    assert_eq!(not_scraped, ["not-scraped-yet"], "{version}")
                }
                other => panic!("{version}: still waiting expected, got {other:?}"),
            }
            assert_eq!(targets_progress(&jobs, wait, wait), None, "{version}: the wait is over");
            let check = check_named(&judge_jobs(&jobs, wait), "job not-scraped-yet").clone();
            assert!(!check.passed, "{version}");
            assert_eq!(check.detail, "0/1 targets up; still not scraped after 30s", "{version}");
        }
    }

    #[test]
    fn an_expected_job_without_targets_fails_as_nothing_discovered() {
        for version in PROMETHEUS {
            let check = check_named(&judge_jobs(&main_jobs(version), Duration::from_secs(30)), "job shop-pods").clone();
            assert!(!check.passed, "{version}");
            assert_eq!(check.detail, "0 targets: nothing discovered for this job", "{version}");
        }
    }

    #[test]
    fn the_running_config_matching_the_rendered_file_passes_and_another_fails_naming_the_job() {
        for version in PROMETHEUS {
            let running = recorded::config(&format!("{version}/healthy-1/config.json"));
            let rendered = recorded::text(&format!("{version}/healthy-1/prometheus.yml"));
            let same = judge_config_drift(&rendered, &running);
            assert!(same.passed, "{version}: {}", same.detail);
            assert_eq!(same.detail, "2 jobs as rendered", "{version}");

            // The healthy replicas run a config without the main scenario's other jobs.
            let rendered = recorded::text(&format!("{version}/main/prometheus.yml"));
            let drift = judge_config_drift(&rendered, &running);
            assert!(!drift.passed, "{version}");
            assert!(drift.detail.contains("job refused: rendered, not running"), "{version}: {}", drift.detail);
            assert!(
                drift.detail.ends_with("`promctl reload` (or `promctl install`) loads the rendered one"),
                "{version}"
            );
        }
    }

    #[test]
    fn a_probe_answering_series_passes_and_an_empty_answer_fails() {
        for version in PROMETHEUS {
            let up = recorded::vector(&format!("{version}/main/query-count-up.json"));
            let check = judge_probe("count(up)", up.len());
            assert!(check.passed, "{version}");
            assert_eq!((check.name.as_str(), check.detail.as_str()), ("query count(up)", "1 series"));

            let none = recorded::vector(&format!("{version}/main/query-kube-pod-status-phase.json"));
            let check = judge_probe("kube_pod_status_phase", none.len());
            assert!(!check.passed, "{version}");
            assert!(check.detail.starts_with("empty result; kube_* metrics come from kube-state-metrics"), "{version}");
        }
    }

    #[test]
    fn a_probe_of_a_failed_job_is_not_asked() {
        let jobs = main_jobs(PROMETHEUS[0]);
        let probe = |job: &str| Probe { expr: "up".into(), job: Some(job.into()) };
        assert!(probe_skipped(&probe("refused"), &jobs));
        assert!(!probe_skipped(&probe("prometheus"), &jobs));
        assert!(!probe_skipped(&Probe { expr: "up".into(), job: None }, &jobs));
    }
}
