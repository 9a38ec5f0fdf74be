//! The validate operation: the installed objects and their permissions, then Prometheus itself (health,
//! targets, probes, rules, alerting, every replica, remote_write queues and the store behind them).

use std::time::Duration;

use serde::Serialize;

use super::Checked;
use super::reach::{Route, reach_prometheus, replica_links};
use crate::cluster::{self, ClusterOptions};
use crate::error::Failure;
use crate::progress::{Emit, Progress, Tone};
use crate::prometheus::{JobExpectation, JobHealth, PrometheusApi};
use crate::rules::AlertMatcher;
use crate::validation::{
    Check, InstalledAlertmanager, Probe, ReplicaUnderTest, RulesReport, TargetsProgress, alertmanager_checks,
    cluster_checks, default_probes, engine_checks, judge_target_nodes, prometheus_checks, remote_write_checks,
    replica_checks, rules_checks, target_pods,
};
use crate::values::Values;

/// The longest validate waits for rules that were not evaluated yet.
const RULES_WAIT: Duration = Duration::from_secs(10);

/// `--expect-job NAME[=MIN]`: a job validate must find with at least `min_targets` targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedJob {
    pub job: String,
    pub min_targets: usize,
}

impl std::str::FromStr for ExpectedJob {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, String> {
        let (job, min_targets) = match spec.split_once('=') {
            Some((job, min)) => {
                let min = min
                    .parse::<usize>()
                    .map_err(|_| format!("{spec:?}: MIN must be a whole number, e.g. --expect-job django=2"))?;
                (job, min)
            }
            None => (spec, 1),
        };
        if job.is_empty() {
            return Err(format!("{spec:?}: name the job, e.g. --expect-job django or django=2"));
        }
        Ok(ExpectedJob { job: job.to_string(), min_targets })
    }
}

/// A Service in the cluster reached through the API server: `NAMESPACE/SERVICE:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAddress {
    pub namespace: String,
    pub service: String,
    pub port: u16,
}

impl std::str::FromStr for ServiceAddress {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, String> {
        let bad = || format!("{spec:?}: write NAMESPACE/SERVICE:PORT, e.g. monitoring/thanos-query:9090");
        let (namespace, rest) = spec.split_once('/').ok_or_else(bad)?;
        let (service, port) = rest.rsplit_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        if namespace.is_empty() || service.is_empty() {
            return Err(bad());
        }
        Ok(ServiceAddress { namespace: namespace.into(), service: service.into(), port })
    }
}

/// The long-term store behind remote_write, whose query API validate asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    Url(String),
    Service(ServiceAddress),
}

#[derive(Debug, Clone)]
pub struct ValidateOptions {
    pub cluster: ClusterOptions,
    pub route: Route,
    /// Only the Prometheus checks: no cluster needed.
    pub prometheus_only: bool,
    pub expect_jobs: Vec<ExpectedJob>,
    pub skip_jobs: Vec<String>,
    /// How long targets still `unknown` are waited for; None: twice the longest scrape interval.
    pub wait_targets: Option<Duration>,
    /// PromQL that must return something (already parsed); empty: the default probes.
    pub queries: Vec<String>,
    pub fail_on_alerts: Vec<AlertMatcher>,
    pub engine: Option<Engine>,
}

#[derive(Debug, Default, Serialize)]
pub struct ValidateReport {
    pub checks: Vec<Check>,
    pub jobs: Vec<JobHealth>,
    pub rules: RulesReport,
}

impl ValidateReport {
    pub fn failed(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.passed).collect()
    }

    /// Ok when every check passed; otherwise the failure naming them: unreachable (exit 3) when every
    /// failed check is one that could not reach what it checks, a failed check (exit 1) otherwise.
    pub fn verdict(&self) -> Result<(), Failure> {
        let failed = self.failed();
        if failed.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = failed.iter().map(|c| c.name.as_str()).collect();
        let message = format!("{} of {} checks failed: {}", failed.len(), self.checks.len(), names.join(", "));
        if failed.iter().all(|c| c.unreachable) {
            return Err(Failure::unreachable(message));
        }
        Err(Failure::check_failed(message))
    }
}

pub async fn validate(
    checked: &Checked,
    values: &Values,
    options: &ValidateOptions,
    emit: Emit<'_>,
) -> anyhow::Result<ValidateReport> {
    let (rendered, summary) = (&checked.rendered, &checked.config);
    let expected =
        expected_jobs(summary.jobs.iter().map(|j| j.name.as_str()), &options.expect_jobs, &options.skip_jobs)?;
    let longest = summary.jobs.iter().map(|j| j.scrape_interval).max().unwrap_or(Duration::from_secs(30));
    let wait_targets = options.wait_targets.unwrap_or(longest * 2);
    let by_url = matches!(options.route, Route::Url(_));
    if matches!(options.engine, Some(Engine::Service(_))) && options.prometheus_only {
        return Err(
            Failure::bad_input("--engine-service needs the cluster; use --engine-url with --prometheus-only").into()
        );
    }

    let mut report = ValidateReport::default();
    // The cluster client, kept for the checks that read from the cluster beside Prometheus.
    let mut cluster_client = None;
    if !options.prometheus_only {
        let cluster = async {
            let client = cluster::connect(&options.cluster).await?;
            emit(Progress::Step(format!("checking the installed objects in namespace {}", values.namespace)));
            let checks = cluster_checks(&client, values, rendered).await?;
            cluster_client = Some(client);
            anyhow::Ok(checks)
        };
        report.checks.extend(cluster.await.map_err(|e| {
            if by_url {
                e.context("the object and RBAC checks need the cluster; add --prometheus-only to validate the Prometheus at --prometheus-url alone")
            } else {
                e
            }
        })?);
    }
    let link = reach_prometheus(&options.cluster, &options.route, values).await?;
    // Without the cluster (--prometheus-only), or with --prometheus-url (the Prometheus the user names),
    // every replica is the one behind the link.
    let replica_client = cluster_client.as_ref().filter(|_| !by_url);
    let links = replica_links(replica_client, &link, rendered, values).await?;
    // An HA set is judged through one replica's pod: through the Service each request may land on
    // another replica, whose targets were scraped at other moments.
    let prometheus = links.iter().find_map(|l| l.api.as_ref().ok()).filter(|_| links.len() > 1).unwrap_or(&link.api);
    emit(Progress::Step(format!("checking Prometheus through {}", prometheus.describe())));
    let probes = if options.queries.is_empty() {
        default_probes(values, &options.skip_jobs)
    } else {
        if crate::release::prometheus_major(&values.image.tag) >= 3 {
            for change in options.queries.iter().flat_map(|expr| crate::promql::prometheus3_changes(expr)) {
                emit(Progress::Warning(format!("--query: {change}")));
            }
        }
        options.queries.iter().map(|expr| Probe { expr: expr.clone(), job: None }).collect()
    };
    let progress = |p: TargetsProgress| match p {
        TargetsProgress::Waiting { not_scraped, not_discovered } => emit(Progress::resource(
            "targets",
            Tone::Waiting,
            "waiting",
            format!(
                "not scraped yet: [{}]; not discovered yet: [{}]",
                not_scraped.join(", "),
                not_discovered.join(", ")
            ),
        )),
        TargetsProgress::Settled { jobs } => {
            emit(Progress::resource("targets", Tone::Good, "settled", format!("{jobs} jobs")))
        }
    };
    let (mut from_prometheus, jobs) =
        prometheus_checks(prometheus, &rendered.prometheus_yml, &expected, wait_targets, &probes, progress).await;
    // A down target's node may be the cause (a kubelet that stopped): name it in the job's check.
    if let Some(client) = &cluster_client
        && jobs.iter().any(|j| !j.down_errors.is_empty())
    {
        let nodes = cluster::inspect::node_view(client).await;
        let pod_nodes = cluster::inspect::nodes_of_pods(client, target_pods(&jobs)).await;
        judge_target_nodes(&mut from_prometheus, &jobs, &nodes, &pod_nodes);
    }
    report.jobs = jobs;
    let reachable = !from_prometheus.iter().any(|c| c.unreachable);
    report.checks.extend(from_prometheus);
    if reachable {
        // A group evaluates once per interval: a just-loaded one gets a little of that to show its
        // health (not all of it: validate right after install would wait 30 s for nothing).
        let evaluation = values.scrape.evaluation_interval.duration();
        let wait_rules = (evaluation + Duration::from_secs(2)).min(RULES_WAIT);
        let (rule_checks, rules) =
            rules_checks(prometheus, &checked.rule_groups, wait_rules, &options.fail_on_alerts).await;
        report.checks.extend(rule_checks);
        report.rules = rules;
        // The installed Alertmanager is reached through the API server, like Prometheus by default.
        let installed = match (&cluster_client, rendered.alertmanager()?) {
            (Some(client), Some(workload)) => match rendered.service_of(&workload).zip(rendered.alertmanager_yml()) {
                Some((service, config)) => Some(InstalledAlertmanager {
                    api: super::reload::alertmanager_api(client, values, service)?.with_pods(&workload.pod_selector),
                    config,
                }),
                None => None,
            },
            _ => None,
        };
        report
            .checks
            .extend(alertmanager_checks(prometheus, values, installed.as_ref(), Duration::from_secs(30)).await);
        if links.len() > 1 {
            let replicas: Vec<ReplicaUnderTest> =
                links.iter().map(|l| l.under_test(l.workload.deployment.clone())).collect();
            report
                .checks
                .extend(replica_checks(&replicas, &rendered.prometheus_yml, &expected, &checked.rule_groups).await);
        }
        // Each replica sends on its own queue. A refused remote write is logged with the receiver's HTTP
        // status: read the replica's pods' recent log.
        for replica in links.iter().filter(|_| !summary.remote_writes.is_empty()) {
            let Ok(api) = &replica.api else { continue };
            let log = match &cluster_client {
                Some(client) => Some(
                    cluster::inspect::recent_logs(
                        client,
                        &values.namespace,
                        &replica.workload.pod_selector,
                        &replica.workload.container_name,
                    )
                    .await,
                ),
                None => None,
            };
            let mut queue_checks = remote_write_checks(api, &summary.remote_writes, log.as_deref()).await;
            if links.len() > 1 {
                for check in &mut queue_checks {
                    check.name = format!("{} ({})", check.name, replica.workload.deployment);
                }
            }
            report.checks.extend(queue_checks);
        }
        if let Some(engine) = engine_api(options.engine.as_ref(), cluster_client.as_ref())? {
            report.checks.extend(engine_checks(&engine, prometheus, values, wait_targets).await);
        }
        report.checks.push(crate::validation::capacity::capacity_checks(prometheus, values).await);
        if let Some(client) = cluster_client.as_ref().filter(|_| values.thanos.sidecar.enabled) {
            report
                .checks
                .extend(super::thanos::sidecar_verdicts(client, values, &links).await?.iter().map(|v| v.check()));
        }
    }
    emit(Progress::PhaseDone);
    Ok(report)
}

/// The store behind remote_write, when --engine-url or --engine-service names it.
fn engine_api(engine: Option<&Engine>, client: Option<&kube::Client>) -> anyhow::Result<Option<PrometheusApi>> {
    let api = match engine {
        None => return Ok(None),
        Some(Engine::Url(url)) => PrometheusApi::direct(url)?,
        Some(Engine::Service(address)) => {
            let client = client.ok_or_else(|| {
                Failure::bad_input("--engine-service needs the cluster; use --engine-url with --prometheus-only")
            })?;
            PrometheusApi::via_service_proxy(client.clone(), &address.namespace, &address.service, address.port)
        }
    };
    Ok(Some(api.serving("the storage engine")))
}

/// Every configured job, plus --expect-job NAME[=MIN] (adds a job or raises its minimum), minus --skip-job.
fn expected_jobs<'a>(
    configured: impl Iterator<Item = &'a str>,
    expect: &[ExpectedJob],
    skip: &[String],
) -> Result<Vec<JobExpectation>, Failure> {
    let mut jobs: Vec<JobExpectation> = configured.map(JobExpectation::new).collect();
    for wanted in expect {
        match jobs.iter_mut().find(|j| j.job == wanted.job) {
            Some(job) => job.min_targets = job.min_targets.max(wanted.min_targets),
            None => jobs.push(JobExpectation { job: wanted.job.clone(), min_targets: wanted.min_targets }),
        }
    }
    for name in skip {
        if !jobs.iter().any(|j| &j.job == name) {
            let known: Vec<&str> = jobs.iter().map(|j| j.job.as_str()).collect();
            return Err(Failure::bad_input(format!("--skip-job {name}: no such job; jobs are {}", known.join(", "))));
        }
        jobs.retain(|j| &j.job != name);
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FailureKind;

    #[test]
    fn expected_jobs_add_tighten_and_skip() {
        let expect: Vec<ExpectedJob> = ["redis=2", "extra"].iter().map(|s| s.parse().unwrap()).collect();
        let jobs = expected_jobs(["django", "redis"].into_iter(), &expect, &["django".into()]).unwrap();
        let got: Vec<(&str, usize)> = jobs.iter().map(|j| (j.job.as_str(), j.min_targets)).collect();
        assert_eq!(got, [("redis", 2), ("extra", 1)]);
    }

    #[test]
    fn skipping_an_unknown_job_is_bad_input_naming_the_jobs() {
        let err = expected_jobs(["django"].into_iter(), &[], &["djnago".into()]).unwrap_err();
        assert_eq!(err.kind, FailureKind::BadInput);
        assert!(err.message.contains("jobs are django"), "{err}");
    }

    #[test]
    fn expect_job_and_engine_service_are_typed_when_parsed() {
        assert_eq!("django=2".parse(), Ok(ExpectedJob { job: "django".into(), min_targets: 2 }));
        assert!("django=two".parse::<ExpectedJob>().unwrap_err().contains("MIN must be a whole number"));
        assert!("=2".parse::<ExpectedJob>().is_err());
        assert_eq!(
            "monitoring/vm:8428".parse(),
            Ok(ServiceAddress { namespace: "monitoring".into(), service: "vm".into(), port: 8428 })
        );
        for bad in ["vm:8428", "monitoring/vm", "monitoring/vm:port", "/vm:1", "monitoring/:1"] {
            assert!(bad.parse::<ServiceAddress>().unwrap_err().contains("NAMESPACE/SERVICE:PORT"), "{bad}");
        }
    }

    #[test]
    fn the_verdict_is_unreachable_only_when_every_failure_is() {
        let mut report = ValidateReport::default();
        assert!(report.verdict().is_ok());
        let mut unreachable = Check::fail("Prometheus healthy", "cannot reach");
        unreachable.unreachable = true;
        report.checks = vec![Check::pass("ServiceAccount", "exists"), unreachable];
        assert_eq!(report.verdict().unwrap_err().kind, FailureKind::Unreachable);
        report.checks.push(Check::fail("job django", "0 of 1 up"));
        let failure = report.verdict().unwrap_err();
        assert_eq!(failure.kind, FailureKind::CheckFailed);
        assert_eq!(failure.message, "2 of 3 checks failed: Prometheus healthy, job django");
    }
}
