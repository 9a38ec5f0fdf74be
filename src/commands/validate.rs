use std::time::{Duration, Instant, SystemTime};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::authorization::v1::{
    NonResourceAttributes, ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, ServiceAccount};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::api::{Api, ListParams, PostParams};
use promctl::cluster::readiness::{self, Readiness};
use promctl::error::{Failure, FailureKind, kind_of};
use promctl::prometheus::{JobExpectation, JobHealth, JobVerdict, all_settled, evaluate_jobs, group_down_targets};
use promctl::reload::ConfigSignature;
use promctl::report::{Reporter, Tone};
use promctl::values::Values;
use serde::Serialize;
use serde_json::json;

use super::{PrometheusLink, connect, load_values, reach_prometheus, render_checked};
use crate::cli::{GlobalArgs, ValidateArgs};

/// Service discovery reaches Prometheus's scrape manager at most every 5 s: a job whose pods appeared
/// just now may show no targets for that long. Missing targets are looked for again within this window.
const DISCOVERY_GRACE: Duration = Duration::from_secs(10);

/// One named check with its verdict: a line of the report and a JUnit test case.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub detail: String,
    /// Failed because something could not be reached (exit 3 when nothing else failed).
    #[serde(skip)]
    unreachable: bool,
}

impl Check {
    fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check { name: name.into(), passed: true, detail: detail.into(), unreachable: false }
    }
    fn fail(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check { name: name.into(), passed: false, detail: detail.into(), unreachable: false }
    }
    fn from_error(name: impl Into<String>, error: &anyhow::Error) -> Self {
        let unreachable = kind_of(error) == FailureKind::Unreachable;
        Check { name: name.into(), passed: false, detail: format!("{error:#}"), unreachable }
    }
    fn from_readiness(name: impl Into<String>, readiness: Readiness) -> Self {
        match readiness {
            Readiness::Ready(why) => Check::pass(name, why),
            Readiness::Progressing(why) | Readiness::Failed(why) => Check::fail(name, why),
        }
    }
}

pub async fn exec(global: &GlobalArgs, args: &ValidateArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    promctl::promql::check_queries(&args.query)?;
    let values = load_values(global, &args.values)?;
    let (rendered, summary) = render_checked(&values)?;
    let expected = expected_jobs(summary.jobs.iter().map(|j| j.name.as_str()), &args.expect_job, &args.skip_job)?;
    let longest = summary.jobs.iter().map(|j| j.scrape_interval).max().unwrap_or(Duration::from_secs(30));
    let wait_targets = args.wait_targets.unwrap_or(longest * 2);

    let mut checks = Vec::new();
    if !args.prometheus_only {
        let cluster = async {
            let client = connect(global).await?;
            reporter.step(&format!("checking the installed objects in namespace {}", values.namespace));
            cluster_checks(&client, &values, &rendered).await
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
    reporter.step(&format!("checking Prometheus through {}", link.api.describe()));
    let (prometheus_checks, jobs) =
        prometheus_checks(&link, &rendered.prometheus_yml, &expected, wait_targets, &queries(args, &values), reporter)
            .await;
    checks.extend(prometheus_checks);
    reporter.finish();

    for check in &checks {
        let (tone, mark) = if check.passed { (Tone::Good, "ok  ") } else { (Tone::Bad, "FAIL") };
        reporter.text(&format!("{} {}: {}", reporter.paint(tone, mark), check.name, check.detail));
    }
    if !jobs.is_empty() {
        reporter.text("");
        reporter.text(&job_table(&jobs));
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, junit_xml(&checks))
            .map_err(|e| Failure::bad_input(format!("cannot write --junit {}: {e}", path.display())))?;
    }
    let failed: Vec<&Check> = checks.iter().filter(|c| !c.passed).collect();
    // Built only when asked for: with every down target listed it can be megabytes.
    if reporter.format() == promctl::report::OutputFormat::Json {
        reporter.json(&json!({"command": "validate", "passed": failed.is_empty(), "checks": checks, "jobs": jobs}));
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

/// A PromQL probe, and the job whose metric it reads (skipped when that job already failed, so a
/// failure is reported once, where it is caused).
struct Probe {
    expr: String,
    job: Option<String>,
}

/// The probes of the seed's README, for the jobs that are configured; --query replaces them.
fn queries(args: &ValidateArgs, values: &Values) -> Vec<Probe> {
    if !args.query.is_empty() {
        return args.query.iter().map(|expr| Probe { expr: expr.clone(), job: None }).collect();
    }
    let enabled: Vec<String> = values.enabled_jobs().into_iter().map(|(name, _)| name).collect();
    let mut queries = vec![Probe { expr: "up".into(), job: None }];
    for (job, query) in [
        // django-prometheus names its request counters django_http_requests_total_by_*.
        ("django", r#"{__name__=~"django_http_requests_total.*"}"#),
        ("postgresql", "pg_up == 1"),
        ("redis", "redis_up == 1"),
        ("nginx", "nginx_up == 1"),
        // The seed's Kubernetes metrics: kube-state-metrics (found through its annotated Service) ...
        ("kubernetes-service-endpoints", "kube_pod_status_phase"),
        ("kubernetes-service-endpoints", "kube_deployment_status_replicas"),
        ("kubernetes-service-endpoints", "kube_node_status_condition"),
        // ... and the kubelets' cAdvisor.
        ("kubernetes-cadvisor", "container_cpu_usage_seconds_total"),
        ("kubernetes-cadvisor", "container_memory_usage_bytes"),
    ] {
        if enabled.iter().any(|j| j == job) && !args.skip_job.iter().any(|skipped| skipped == job) {
            queries.push(Probe { expr: query.to_string(), job: Some(job.to_string()) });
        }
    }
    queries
}

/// The rules of the rendered ClusterRole: what Prometheus's ServiceAccount must be allowed to do.
fn rendered_rules(rendered: &promctl::render::Rendered) -> anyhow::Result<Vec<PolicyRule>> {
    let role = rendered.get("ClusterRole").ok_or_else(|| anyhow::anyhow!("the templates render no ClusterRole"))?;
    let role: ClusterRole = serde_json::from_value(serde_json::to_value(&role.object)?)?;
    Ok(role.rules.unwrap_or_default())
}

async fn cluster_checks(
    client: &Client,
    values: &Values,
    rendered: &promctl::render::Rendered,
) -> anyhow::Result<Vec<Check>> {
    let rules = rendered_rules(rendered)?;
    let ns = values.namespace.as_str();
    let mut checks = Vec::new();
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), ns);
    checks.push(match accounts.get_opt(&values.name).await? {
        Some(_) => Check::pass("ServiceAccount", format!("{ns}/{} exists", values.name)),
        None => Check::fail("ServiceAccount", format!("{ns}/{} is missing; run promctl install", values.name)),
    });
    let role_name = &values.rbac.cluster_role_name;
    let role = Api::<ClusterRole>::all(client.clone()).get_opt(role_name).await?;
    let binding = Api::<ClusterRoleBinding>::all(client.clone()).get_opt(role_name).await?;
    checks.push(match (role, binding) {
        (Some(_), Some(_)) => Check::pass("ClusterRole and binding", format!("{role_name} exist")),
        (r, b) => Check::fail(
            "ClusterRole and binding",
            format!(
                "{}{}; run promctl install",
                if r.is_none() { format!("ClusterRole {role_name} is missing ") } else { String::new() },
                if b.is_none() { format!("ClusterRoleBinding {role_name} is missing") } else { String::new() }
            ),
        ),
    });
    checks.push(discovery_permissions(client, ns, &values.name, &rules).await?);

    let deployment = Api::<Deployment>::namespaced(client.clone(), ns).get_opt(&values.name).await?;
    checks.push(Check::from_readiness("Deployment rolled out", readiness::deployment(deployment.as_ref())));
    let selector = &rendered.workload()?.pod_selector;
    let pods = Api::<Pod>::namespaced(client.clone(), ns).list(&ListParams::default().labels(selector)).await?;
    let verdicts: Vec<Readiness> = pods
        .items
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .map(|p| readiness::pod(p, Timestamp::now(), Duration::ZERO))
        .collect();
    checks.push(match verdicts.iter().find(|r| r.is_ready()) {
        Some(ready) => Check::pass("Pod Ready", ready.reason()),
        None => Check::fail(
            "Pod Ready",
            verdicts
                .first()
                .map(|r| r.reason().to_string())
                .unwrap_or_else(|| format!("no pod with labels {selector}")),
        ),
    });
    let slices = Api::<EndpointSlice>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(&format!("kubernetes.io/service-name={}", values.service.name)))
        .await?;
    checks.push(Check::from_readiness("Service has ready endpoints", readiness::service_endpoints(&slices.items)));
    let claim =
        Api::<PersistentVolumeClaim>::namespaced(client.clone(), ns).get_opt(&values.storage.claim_name).await?;
    let requested = Quantity(values.storage.size.clone());
    checks.push(Check::from_readiness(
        "PVC Bound",
        readiness::persistent_volume_claim(claim.as_ref(), &requested, false, true),
    ));
    Ok(checks)
}

/// Asks the API server whether Prometheus's ServiceAccount may do everything the rendered ClusterRole
/// grants (one SubjectAccessReview per verb and resource): a binding to the wrong account or a
/// narrowed role passes an existence check. The list follows the template, never a copy of it.
async fn discovery_permissions(
    client: &Client,
    ns: &str,
    account: &str,
    rules: &[PolicyRule],
) -> anyhow::Result<Check> {
    let user = format!("system:serviceaccount:{ns}:{account}");
    let wanted: Vec<(String, SubjectAccessReviewSpec)> = access_reviews(rules)
        .into_iter()
        .map(|(what, resource_attributes, non_resource_attributes)| {
            let spec = SubjectAccessReviewSpec {
                user: Some(user.clone()),
                resource_attributes,
                non_resource_attributes,
                ..Default::default()
            };
            (what, spec)
        })
        .collect();
    let reviews: Api<SubjectAccessReview> = Api::all(client.clone());
    let answers = futures::future::try_join_all(wanted.into_iter().map(|(what, spec)| {
        let reviews = reviews.clone();
        async move {
            let review = SubjectAccessReview { spec, ..Default::default() };
            let answer = reviews.create(&PostParams::default(), &review).await?;
            anyhow::Ok((what, answer.status.is_some_and(|s| s.allowed)))
        }
    }))
    .await?;
    let denied: Vec<String> = answers.iter().filter(|(_, allowed)| !allowed).map(|(what, _)| what.clone()).collect();
    Ok(if denied.is_empty() {
        Check::pass(
            "RBAC effective",
            format!("{user} may {}", answers.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>().join(", ")),
        )
    } else {
        Check::fail(
            "RBAC effective",
            format!("{user} may not {}; check the ClusterRoleBinding's subject", denied.join(", ")),
        )
    })
}

type AccessReview = (String, Option<ResourceAttributes>, Option<NonResourceAttributes>);

/// One review per (verb, resource or URL) of `rules`, named as people read it: "list pods",
/// "watch endpointslices.discovery.k8s.io", "get nodes/metrics", "get /metrics".
fn access_reviews(rules: &[PolicyRule]) -> Vec<AccessReview> {
    let mut reviews = Vec::new();
    for rule in rules {
        for verb in &rule.verbs {
            for url in rule.non_resource_urls.iter().flatten() {
                let attributes = NonResourceAttributes { verb: Some(verb.clone()), path: Some(url.clone()) };
                reviews.push((format!("{verb} {url}"), None, Some(attributes)));
            }
            for group in rule.api_groups.iter().flatten() {
                for resource in rule.resources.iter().flatten() {
                    let (resource, subresource) = match resource.split_once('/') {
                        Some((r, sub)) => (r.to_string(), Some(sub.to_string())),
                        None => (resource.clone(), None),
                    };
                    let shown = match (&subresource, group.as_str()) {
                        (Some(sub), "") => format!("{resource}/{sub}"),
                        (Some(sub), g) => format!("{resource}.{g}/{sub}"),
                        (None, "") => resource.clone(),
                        (None, g) => format!("{resource}.{g}"),
                    };
                    let attributes = ResourceAttributes {
                        verb: Some(verb.clone()),
                        group: Some(group.clone()),
                        resource: Some(resource),
                        subresource,
                        ..Default::default()
                    };
                    reviews.push((format!("{verb} {shown}"), Some(attributes), None));
                }
            }
        }
    }
    reviews
}

/// The config Prometheus runs is the one promctl renders: an interrupted reload, or a ConfigMap
/// changed by hand, leaves a Prometheus that every other check calls fine while it runs something else.
async fn config_drift_check(api: &promctl::prometheus::PrometheusApi, rendered: &str) -> Check {
    const NAME: &str = "running config is the rendered one";
    let running = match api.config().await {
        Ok(text) => ConfigSignature::of(&text),
        Err(e) => return Check::from_error(NAME, &e),
    };
    let differences = ConfigSignature::of(rendered).differences(&running);
    if differences.is_empty() {
        return Check::pass(NAME, format!("{} jobs as rendered", running.jobs.len()));
    }
    Check::fail(
        NAME,
        format!(
            "Prometheus runs another config than the rendered one ({}); `promctl reload` (or `promctl install`) loads the rendered one",
            differences.join("; ")
        ),
    )
}

async fn prometheus_checks(
    link: &PrometheusLink,
    rendered: &str,
    expected: &[JobExpectation],
    wait_targets: Duration,
    queries: &[Probe],
    reporter: &mut Reporter,
) -> (Vec<Check>, Vec<JobHealth>) {
    let api = &link.api;
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
    checks.push(config_drift_check(api, rendered).await);

    // Targets still `unknown` have not been scraped yet: wait for them, up to a bound.
    let started = Instant::now();
    let jobs = loop {
        let jobs = match api.targets().await {
            Ok(targets) => evaluate_jobs(&targets, expected, SystemTime::now()),
            Err(e) => {
                checks.push(Check::from_error("targets", &e));
                return (checks, Vec::new());
            }
        };
        let pending: Vec<&str> =
            jobs.iter().filter(|j| j.verdict == JobVerdict::Pending).map(|j| j.job.as_str()).collect();
        let missing: Vec<&str> = jobs
            .iter()
            .filter(|j| matches!(j.verdict, JobVerdict::NoTargets | JobVerdict::TooFewTargets))
            .map(|j| j.job.as_str())
            .collect();
        let still_discovering = !missing.is_empty() && started.elapsed() < DISCOVERY_GRACE.min(wait_targets);
        if (all_settled(&jobs) && !still_discovering) || started.elapsed() >= wait_targets {
            break jobs;
        }
        reporter.resource(
            "targets",
            Tone::Waiting,
            "waiting",
            &format!("not scraped yet: [{}]; not discovered yet: [{}]", pending.join(", "), missing.join(", ")),
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    reporter.resource("targets", Tone::Good, "settled", &format!("{} jobs", jobs.len()));
    for job in &jobs {
        let name = format!("job {}", job.job);
        let counts = format!("{}/{} targets up", job.up, job.up + job.down + job.unknown);
        checks.push(match job.verdict {
            JobVerdict::Healthy => Check::pass(name, counts),
            JobVerdict::NoTargets => Check::fail(name, "0 targets: nothing discovered for this job"),
            JobVerdict::TooFewTargets => Check::fail(name, format!("{counts}, at least {} expected", job.min_targets)),
            JobVerdict::Pending => {
                Check::fail(name, format!("{counts}; still not scraped after {}s", wait_targets.as_secs()))
            }
            JobVerdict::TargetsDown => Check::fail(name, format!("{counts}; {}", down_summary(&job.down_targets))),
        });
    }
    let failed_jobs: Vec<&str> =
        jobs.iter().filter(|j| j.verdict != JobVerdict::Healthy).map(|j| j.job.as_str()).collect();
    for probe in queries {
        if probe.job.as_deref().is_some_and(|job| failed_jobs.contains(&job)) {
            continue;
        }
        let name = format!("query {}", probe.expr);
        checks.push(match api.query(&probe.expr).await {
            Ok(result) if result.series > 0 => Check::pass(name, format!("{} series", result.series)),
            Ok(_) => Check::fail(name, format!("empty result{}", empty_result_hint(&probe.expr))),
            Err(e) => Check::from_error(name, &e),
        });
    }
    (checks, jobs)
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

fn job_table(jobs: &[JobHealth]) -> String {
    let mut lines =
        vec![format!("{:<30} {:>9} {:>9} {:>12}  {}", "JOB", "UP/TOTAL", "INTERVAL", "LAST SCRAPE", "STATUS")];
    for job in jobs {
        let age = job.last_scrape_age.map(|a| format!("{:.0}s ago", a.as_secs_f64())).unwrap_or_else(|| "-".into());
        lines.push(format!(
            "{:<30} {:>9} {:>9} {:>12}  {}",
            job.job,
            format!("{}/{}", job.up, job.up + job.down + job.unknown),
            job.scrape_interval.as_deref().unwrap_or("-"),
            age,
            job.verdict
        ));
        let groups = group_down_targets(&job.down_targets, EXAMPLES_PER_ERROR);
        for group in groups.iter().take(ERROR_GROUPS_SHOWN) {
            lines.push(format!("    {} down: {}", group.count, group.error));
            for example in &group.examples {
                lines.push(format!("      e.g. {example}"));
            }
        }
        if groups.len() > ERROR_GROUPS_SHOWN {
            lines.push(format!(
                "    ... {} more kinds of error (--output json lists every target)",
                groups.len() - ERROR_GROUPS_SHOWN
            ));
        }
    }
    lines.join("\n")
}

/// On a terminal and in CI logs, down targets are summarised: grouped by error, a few examples
/// each. `--output json` keeps every one.
const ERROR_GROUPS_SHOWN: usize = 5;
const EXAMPLES_PER_ERROR: usize = 3;

/// "N down: ERROR (e.g. URL, URL); M down: ERROR2 ..." for a check's one line.
fn down_summary(down: &[promctl::prometheus::DownTarget]) -> String {
    let groups = group_down_targets(down, EXAMPLES_PER_ERROR);
    let mut parts: Vec<String> = groups
        .iter()
        .take(ERROR_GROUPS_SHOWN)
        .map(|g| format!("{} down: {} (e.g. {})", g.count, g.error, g.examples.join(", ")))
        .collect();
    if groups.len() > ERROR_GROUPS_SHOWN {
        parts.push(format!("{} more kinds of error", groups.len() - ERROR_GROUPS_SHOWN));
    }
    parts.join("; ")
}

/// JUnit XML as CI dashboards read it (quick-junit writes it, escaping and dropping characters XML
/// cannot carry): one test case per check; a failed check is a <failure>, one that could not reach
/// what it checks an <error>.
fn junit_xml(checks: &[Check]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new("promctl validate");
    suite.add_test_cases(checks.iter().map(|check| {
        let status = if check.passed {
            TestCaseStatus::success()
        } else {
            let kind = if check.unreachable { NonSuccessKind::Error } else { NonSuccessKind::Failure };
            let mut status = TestCaseStatus::non_success(kind);
            status.set_message(check.detail.as_str()).set_description(check.detail.as_str());
            status
        };
        let mut case = TestCase::new(check.name.as_str(), status);
        case.set_classname("promctl.validate");
        case
    }));
    let mut report = Report::new("promctl");
    report.add_test_suite(suite);
    report.to_string().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_jobs_add_tighten_and_skip() {
        let configured = ["django", "redis"].into_iter();
        let jobs = expected_jobs(configured, &["redis=2".into(), "extra".into()], &["django".into()]).unwrap();
        let got: Vec<(&str, usize)> = jobs.iter().map(|j| (j.job.as_str(), j.min_targets)).collect();
        assert_eq!(got, [("redis", 2), ("extra", 1)]);
    }

    #[test]
    fn access_reviews_follow_the_rendered_cluster_role() {
        let values = promctl::values::load(&[], &[], None).unwrap();
        let rendered = promctl::render::render(&values).unwrap();
        let reviews = access_reviews(&rendered_rules(&rendered).unwrap());
        let names: Vec<&str> = reviews.iter().map(|(name, _, _)| name.as_str()).collect();
        for wanted in [
            "list pods",
            "watch nodes",
            "get nodes/metrics",
            "list endpointslices.discovery.k8s.io",
            "watch endpointslices.discovery.k8s.io",
            "get /metrics",
        ] {
            assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
        }
        assert!(!names.iter().any(|n| n.ends_with(" endpoints")), "core/v1 Endpoints are not used: {names:?}");
        let (_, slices, _) = reviews.iter().find(|(n, _, _)| n == "list endpointslices.discovery.k8s.io").unwrap();
        let slices = slices.as_ref().unwrap();
        assert_eq!(
            (slices.group.as_deref(), slices.resource.as_deref()),
            (Some("discovery.k8s.io"), Some("endpointslices"))
        );
        let (_, metrics, _) = reviews.iter().find(|(n, _, _)| n == "get nodes/metrics").unwrap();
        assert_eq!(metrics.as_ref().unwrap().subresource.as_deref(), Some("metrics"));
    }

    #[test]
    fn skipping_an_unknown_job_is_bad_input() {
        let err = expected_jobs(["django"].into_iter(), &[], &["djnago".into()]).unwrap_err();
        assert_eq!(kind_of(&err), FailureKind::BadInput);
        assert!(err.to_string().contains("django"), "{err}");
    }

    #[test]
    fn junit_has_one_case_per_check_and_escapes_details() {
        let mut unreachable = Check::fail("Prometheus ready", "cannot reach it");
        unreachable.unreachable = true;
        let xml = junit_xml(&[
            Check::pass("job django", "1/1"),
            Check::fail("job redis", "Get \"http://x\": <refused> & gone\u{1b}[0m"),
            unreachable,
        ]);
        assert!(xml.contains(r#"tests="3" skipped="0" errors="1" failures="1""#), "{xml}");
        assert_eq!(xml.matches("<testcase ").count(), 3);
        assert_eq!(xml.matches("<failure ").count(), 1);
        assert_eq!(xml.matches("<error ").count(), 1, "an unreachable target is an error, not a failure: {xml}");
        assert!(xml.contains("&lt;refused&gt; &amp; gone") && xml.contains("&quot;http://x&quot;"), "{xml}");
        assert!(!xml.contains('\u{1b}'), "no character XML cannot carry: {xml}");
    }
}
