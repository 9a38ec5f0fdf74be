use std::time::Duration;

use promctl::error::Failure;
use promctl::prometheus::JobExpectation;
use promctl::prometheus::PrometheusApi;
use promctl::report::{Reporter, Tone, alerts_table, job_table, junit_xml, rules_table};
use promctl::rules::AlertMatcher;
use promctl::validation::{
    Check, InstalledAlertmanager, Probe, ReplicaUnderTest, RulesReport, TargetsProgress, alertmanager_checks,
    cluster_checks, default_probes, engine_checks, prometheus_checks, remote_write_checks, replica_checks,
    rules_checks,
};
use serde_json::json;

use super::{alertmanager_api, connect, load_values, reach_prometheus, render_checked};
use crate::cli::{GlobalArgs, ValidateArgs};

/// The longest validate waits for rules that were not evaluated yet.
const RULES_WAIT: Duration = Duration::from_secs(10);

pub async fn exec(global: &GlobalArgs, args: &ValidateArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    promctl::promql::check_queries(&args.query)?;
    let fail_on: Vec<AlertMatcher> =
        args.fail_on_alert.iter().map(|m| AlertMatcher::parse(m)).collect::<Result<_, _>>()?;
    let values = load_values(global, &args.values)?;
    let checked = render_checked(&values, &args.values)?;
    let (rendered, summary) = (&checked.rendered, &checked.config);
    let expected = expected_jobs(summary.jobs.iter().map(|j| j.name.as_str()), &args.expect_job, &args.skip_job)?;
    let longest = summary.jobs.iter().map(|j| j.scrape_interval).max().unwrap_or(Duration::from_secs(30));
    let wait_targets = args.wait_targets.unwrap_or(longest * 2);

    let mut checks = Vec::new();
    // The cluster client, kept for the checks that read from the cluster beside Prometheus.
    let mut cluster_client = None;
    if !args.prometheus_only {
        let cluster = async {
            let client = connect(global).await?;
            reporter.step(&format!("checking the installed objects in namespace {}", values.namespace));
            let checks = cluster_checks(&client, &values, rendered).await?;
            cluster_client = Some(client);
            anyhow::Ok(checks)
        };
        checks.extend(cluster.await.map_err(|e| {
            if args.access.prometheus_url.is_some() {
                e.context("the object and RBAC checks need the cluster; add --prometheus-only to validate the Prometheus at --prometheus-url alone")
            } else {
                e
            }
        })?);
    }
    let link = reach_prometheus(global, &args.access, &values).await?;
    // Without the cluster (--prometheus-only), or with --prometheus-url (the Prometheus the user names),
    // every replica is the one behind the link.
    let replica_client = cluster_client.as_ref().filter(|_| args.access.prometheus_url.is_none());
    let links = super::replica_links(replica_client, &link, rendered, &values).await?;
    // An HA set is judged through one replica's pod: through the Service each request may land on
    // another replica, whose targets were scraped at other moments.
    let prometheus = links.iter().find_map(|l| l.api.as_ref().ok()).filter(|_| links.len() > 1).unwrap_or(&link.api);
    reporter.step(&format!("checking Prometheus through {}", prometheus.describe()));
    let probes = if args.query.is_empty() {
        default_probes(&values, &args.skip_job)
    } else {
        args.query.iter().map(|expr| Probe { expr: expr.clone(), job: None }).collect()
    };
    let progress = |p: TargetsProgress| match p {
        TargetsProgress::Waiting { not_scraped, not_discovered } => reporter.resource(
            "targets",
            Tone::Waiting,
            "waiting",
            &format!(
                "not scraped yet: [{}]; not discovered yet: [{}]",
                not_scraped.join(", "),
                not_discovered.join(", ")
            ),
        ),
        TargetsProgress::Settled { jobs } => {
            reporter.resource("targets", Tone::Good, "settled", &format!("{jobs} jobs"))
        }
    };
    let (from_prometheus, jobs) =
        prometheus_checks(prometheus, &rendered.prometheus_yml, &expected, wait_targets, &probes, progress).await;
    let reachable = !from_prometheus.iter().any(|c| c.unreachable);
    checks.extend(from_prometheus);
    let mut rules = RulesReport::default();
    if reachable {
        // A group evaluates once per interval: a just-loaded one gets a little of that to show its
        // health (not all of it: validate right after install would wait 30 s for nothing).
        let evaluation = promctl::duration::parse_duration(&values.scrape.evaluation_interval).unwrap_or_default();
        let wait_rules = (evaluation + Duration::from_secs(2)).min(RULES_WAIT);
        let (rule_checks, report) = rules_checks(prometheus, &checked.rule_groups, wait_rules, &fail_on).await;
        checks.extend(rule_checks);
        rules = report;
        // The installed Alertmanager is reached through the API server, like Prometheus by default.
        let installed = match (&cluster_client, rendered.alertmanager()?) {
            (Some(client), Some(workload)) => {
                rendered.service_of(&workload).zip(rendered.alertmanager_yml()).map(|(service, config)| {
                    InstalledAlertmanager { api: alertmanager_api(client, &values, service), config }
                })
            }
            _ => None,
        };
        checks.extend(alertmanager_checks(prometheus, &values, installed.as_ref(), Duration::from_secs(30)).await);
        if links.len() > 1 {
            let replicas: Vec<ReplicaUnderTest> =
                links.iter().map(|l| l.under_test(l.workload.deployment.clone())).collect();
            checks.extend(replica_checks(&replicas, &rendered.prometheus_yml, &expected, &checked.rule_groups).await);
        }
        // Each replica sends on its own queue. A refused remote write is logged with the receiver's HTTP
        // status: read the replica's pods' recent log.
        for replica in links.iter().filter(|_| !summary.remote_writes.is_empty()) {
            let Ok(api) = &replica.api else { continue };
            let log = match &cluster_client {
                Some(client) => Some(recent_log(client, &values.namespace, &replica.workload).await),
                None => None,
            };
            let mut queue_checks = remote_write_checks(api, &summary.remote_writes, log.as_deref()).await;
            if links.len() > 1 {
                for check in &mut queue_checks {
                    check.name = format!("{} ({})", check.name, replica.workload.deployment);
                }
            }
            checks.extend(queue_checks);
        }
        if let Some(engine) = engine_api(args, cluster_client.as_ref())? {
            checks.extend(engine_checks(&engine, prometheus, &values, wait_targets).await);
        }
    }
    reporter.finish();

    for check in &checks {
        let (tone, mark) = if check.passed { (Tone::Good, "ok  ") } else { (Tone::Bad, "FAIL") };
        reporter.text(&format!("{} {}: {}", reporter.paint(tone, mark), check.name, check.detail));
    }
    if !jobs.is_empty() {
        reporter.text("");
        reporter.text(&job_table(&jobs));
    }
    if !rules.groups.is_empty() {
        reporter.text("");
        reporter.text(&rules_table(&rules.groups));
    }
    if !rules.alerts.is_empty() {
        reporter.text("");
        reporter.text(&alerts_table(&rules.alerts));
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, junit_xml(&checks))
            .map_err(|e| Failure::bad_input(format!("cannot write --junit {}: {e}", path.display())))?;
    }
    let failed: Vec<&Check> = checks.iter().filter(|c| !c.passed).collect();
    // Built only when asked for: with every down target listed it can be megabytes.
    if reporter.format().is_document() {
        reporter.document(&json!({
            "command": "validate",
            "passed": failed.is_empty(),
            "checks": checks,
            "jobs": jobs,
            "rules": rules.groups,
            "alerts": rules.alerts,
        }));
    }
    if failed.is_empty() {
        reporter.text(&format!("all {} checks passed", checks.len()));
        return Ok(0);
    }
    let names: Vec<&str> = failed.iter().map(|c| c.name.as_str()).collect();
    let message = format!("{} of {} checks failed: {}", failed.len(), checks.len(), names.join(", "));
    if failed.iter().all(|c| c.unreachable) {
        return Err(Failure::unreachable(message).into());
    }
    Err(Failure::check_failed(message).into())
}

/// The store behind remote_write, when --engine-url or --engine-service names it.
fn engine_api(args: &ValidateArgs, client: Option<&kube::Client>) -> anyhow::Result<Option<PrometheusApi>> {
    if let Some(url) = &args.engine_url {
        return Ok(Some(PrometheusApi::direct(url)?));
    }
    let Some(spec) = &args.engine_service else {
        return Ok(None);
    };
    let bad = || {
        Failure::bad_input(format!(
            "--engine-service {spec:?}: write NAMESPACE/SERVICE:PORT, e.g. monitoring/thanos-query:9090"
        ))
    };
    let (namespace, rest) = spec.split_once('/').ok_or_else(bad)?;
    let (service, port) = rest.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let client = client.ok_or_else(|| {
        Failure::bad_input("--engine-service needs the cluster; use --engine-url with --prometheus-only")
    })?;
    Ok(Some(PrometheusApi::via_service_proxy(client.clone(), namespace, service, port)))
}

/// The last lines of every Prometheus pod's log; empty when they cannot be read.
async fn recent_log(client: &kube::Client, namespace: &str, workload: &promctl::render::Workload) -> String {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Api, ListParams, LogParams};
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let Ok(list) = pods.list(&ListParams::default().labels(&workload.pod_selector)).await else {
        return String::new();
    };
    let mut log = String::new();
    for pod in list.items {
        let params =
            LogParams { container: Some(workload.container_name.clone()), tail_lines: Some(300), ..Default::default() };
        if let Ok(text) = pods.logs(&kube::ResourceExt::name_any(&pod), &params).await {
            log.push_str(&text);
        }
    }
    log
}

/// Every configured job, plus --expect-job NAME[=MIN] (adds a job or raises its minimum), minus --skip-job.
fn expected_jobs<'a>(
    configured: impl Iterator<Item = &'a str>,
    expect: &[String],
    skip: &[String],
) -> anyhow::Result<Vec<JobExpectation>> {
    let mut jobs: Vec<JobExpectation> = configured.map(JobExpectation::new).collect();
    for spec in expect {
        let (name, min) = match spec.split_once('=') {
            Some((name, min)) => (
                name,
                min.parse::<usize>().map_err(|_| {
                    Failure::bad_input(format!(
                        "--expect-job {spec}: MIN must be a whole number, e.g. --expect-job django=2"
                    ))
                })?,
            ),
            None => (spec.as_str(), 1),
        };
        match jobs.iter_mut().find(|j| j.job == name) {
            Some(job) => job.min_targets = job.min_targets.max(min),
            None => jobs.push(JobExpectation { job: name.to_string(), min_targets: min }),
        }
    }
    for name in skip {
        if !jobs.iter().any(|j| &j.job == name) {
            let known: Vec<&str> = jobs.iter().map(|j| j.job.as_str()).collect();
            return Err(
                Failure::bad_input(format!("--skip-job {name}: no such job; jobs are {}", known.join(", "))).into()
            );
        }
        jobs.retain(|j| &j.job != name);
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use promctl::error::{FailureKind, kind_of};

    use super::*;

    #[test]
    fn expected_jobs_add_tighten_and_skip() {
        let configured = ["django", "redis"].into_iter();
        let jobs = expected_jobs(configured, &["redis=2".into(), "extra".into()], &["django".into()]).unwrap();
        let got: Vec<(&str, usize)> = jobs.iter().map(|j| (j.job.as_str(), j.min_targets)).collect();
        assert_eq!(got, [("redis", 2), ("extra", 1)]);
    }

    #[test]
    fn skipping_an_unknown_job_is_bad_input() {
        let err = expected_jobs(["django"].into_iter(), &[], &["djnago".into()]).unwrap_err();
        assert_eq!(kind_of(&err), FailureKind::BadInput);
        assert!(err.to_string().contains("django"), "{err}");
    }
}
