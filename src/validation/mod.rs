//! The checks of `promctl validate`: the installed objects and their RBAC (asked of the API server),
//! then Prometheus itself (health, the running config, every expected job's targets, PromQL
//! probes). Each check is a named verdict; the command layer shows them (table, JUnit, JSON).

use std::collections::BTreeMap;
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
use serde::Serialize;

use crate::cluster::readiness::{self, Readiness};
use crate::error::{FailureKind, kind_of};
use crate::promconfig::RemoteWriteSummary;
use crate::prometheus::{
    ActiveAlert, DownTarget, JobExpectation, JobHealth, JobVerdict, PrometheusApi, all_settled, evaluate_jobs,
    group_down_targets,
};
use crate::reload::{ConfigSignature, config_drift};
use crate::render::{REPLICA_LABEL, Rendered};
use crate::rules::{AlertMatcher, GroupHealth, GroupSummary, compare_loaded, group_health};
use crate::values::Values;

/// Service discovery reaches Prometheus's scrape manager at most every 5 s: a job whose pods appeared
/// just now may show no targets for that long. Missing targets are looked for again within this window.
pub const DISCOVERY_GRACE: Duration = Duration::from_secs(10);

/// One named check with its verdict: a line of the report and a JUnit test case.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub detail: String,
    /// Failed because something could not be reached (exit 3 when nothing else failed).
    #[serde(skip)]
    pub unreachable: bool,
}

impl Check {
    pub fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check { name: name.into(), passed: true, detail: detail.into(), unreachable: false }
    }
    pub fn fail(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check { name: name.into(), passed: false, detail: detail.into(), unreachable: false }
    }
    pub fn from_error(name: impl Into<String>, error: &anyhow::Error) -> Self {
        let unreachable = kind_of(error) == FailureKind::Unreachable;
        Check { name: name.into(), passed: false, detail: format!("{error:#}"), unreachable }
    }
    pub fn from_readiness(name: impl Into<String>, readiness: Readiness) -> Self {
        match readiness {
            Readiness::Ready(why) => Check::pass(name, why),
            Readiness::Progressing(why) | Readiness::Failed(why) => Check::fail(name, why),
        }
    }
}

/// A PromQL probe, and the job whose metric it reads (skipped when that job already failed, so a
/// failure is reported once, where it is caused).
pub struct Probe {
    pub expr: String,
    pub job: Option<String>,
}

/// The probes of the seed's README (and its Kubernetes metrics), for the jobs that are configured
/// and not skipped.
pub fn default_probes(values: &Values, skipped: &[String]) -> Vec<Probe> {
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
        if enabled.iter().any(|j| j == job) && !skipped.iter().any(|s| s == job) {
            queries.push(Probe { expr: query.to_string(), job: Some(job.to_string()) });
        }
    }
    queries
}

/// The rules of the rendered ClusterRole: what Prometheus's ServiceAccount must be allowed to do.
pub fn rendered_rules(rendered: &Rendered) -> anyhow::Result<Vec<PolicyRule>> {
    let role = rendered.get("ClusterRole").ok_or_else(|| anyhow::anyhow!("the templates render no ClusterRole"))?;
    let role: ClusterRole = serde_json::from_value(serde_json::to_value(&role.object)?)?;
    Ok(role.rules.unwrap_or_default())
}

pub async fn cluster_checks(client: &Client, values: &Values, rendered: &Rendered) -> anyhow::Result<Vec<Check>> {
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

    let replicas = rendered.replicas()?;
    for replica in &replicas {
        // One Prometheus keeps the checks' plain names; an HA set's name the replica.
        let named = |check: &str| {
            if replicas.len() > 1 { format!("{check} ({})", replica.deployment) } else { check.to_string() }
        };
        let deployment = Api::<Deployment>::namespaced(client.clone(), ns).get_opt(&replica.deployment).await?;
        checks.push(Check::from_readiness(named("Deployment rolled out"), readiness::deployment(deployment.as_ref())));
        let selector = &replica.pod_selector;
        let pods = Api::<Pod>::namespaced(client.clone(), ns).list(&ListParams::default().labels(selector)).await?;
        let verdicts: Vec<Readiness> = pods
            .items
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .map(|p| readiness::pod(p, Timestamp::now(), Duration::ZERO))
            .collect();
        checks.push(match verdicts.iter().find(|r| r.is_ready()) {
            Some(ready) => Check::pass(named("Pod Ready"), ready.reason()),
            None => Check::fail(
                named("Pod Ready"),
                verdicts
                    .first()
                    .map(|r| r.reason().to_string())
                    .unwrap_or_else(|| format!("no pod with labels {selector}")),
            ),
        });
        if let Some(claim_name) = &replica.claim {
            let claim = Api::<PersistentVolumeClaim>::namespaced(client.clone(), ns).get_opt(claim_name).await?;
            let requested = Quantity(values.storage.size.clone());
            checks.push(Check::from_readiness(
                named("PVC Bound"),
                readiness::persistent_volume_claim(claim.as_ref(), &requested, false, true),
            ));
        }
    }
    let slices = Api::<EndpointSlice>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(&format!("kubernetes.io/service-name={}", values.service.name)))
        .await?;
    checks.push(Check::from_readiness("Service has ready endpoints", readiness::service_endpoints(&slices.items)));
    if let Some(alertmanager) = rendered.alertmanager()? {
        let deployment = Api::<Deployment>::namespaced(client.clone(), ns).get_opt(&alertmanager.deployment).await?;
        checks.push(Check::from_readiness("Alertmanager rolled out", readiness::deployment(deployment.as_ref())));
    }
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

pub type AccessReview = (String, Option<ResourceAttributes>, Option<NonResourceAttributes>);

/// One review per (verb, resource or URL) of `rules`, named as people read it: "list pods",
/// "watch endpointslices.discovery.k8s.io", "get nodes/metrics", "get /metrics".
pub fn access_reviews(rules: &[PolicyRule]) -> Vec<AccessReview> {
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
async fn config_drift_check(api: &PrometheusApi, rendered: &str) -> Check {
    const NAME: &str = "running config is the rendered one";
    let differences = match config_drift(api, rendered).await {
        Ok(differences) => differences,
        Err(e) => return Check::from_error(NAME, &e),
    };
    if differences.is_empty() {
        return Check::pass(NAME, format!("{} jobs as rendered", ConfigSignature::of(rendered).jobs.len()));
    }
    Check::fail(
        NAME,
        format!(
            "Prometheus runs another config than the rendered one ({}); `promctl reload` (or `promctl install`) loads the rendered one",
            differences.join("; ")
        ),
    )
}

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
        on_progress(TargetsProgress::Waiting {
            not_scraped: pending.iter().map(|j| j.to_string()).collect(),
            not_discovered: missing.iter().map(|j| j.to_string()).collect(),
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    on_progress(TargetsProgress::Settled { jobs: jobs.len() });
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

/// One replica of an HA set as validate sees it: its name, and its own API (or why it has none).
pub struct ReplicaUnderTest<'a> {
    pub name: String,
    pub api: Result<&'a PrometheusApi, String>,
}

/// What a replica serves that its peers must serve too.
#[derive(Debug, PartialEq, Eq)]
struct ReplicaView {
    config: ConfigSignature,
    targets: std::collections::BTreeSet<(String, String)>,
    rule_groups: std::collections::BTreeSet<(String, usize)>,
}

/// Each replica of an HA set on its own (ready, running the rendered config, every expected job's
/// targets up, the rendered rules loaded), then whether they agree: the same jobs with the same
/// targets and the same rules, as two copies of one Prometheus must. Checked through each replica's
/// pod, since the Service answers from either.
pub async fn replica_checks(
    replicas: &[ReplicaUnderTest<'_>],
    rendered: &str,
    expected: &[JobExpectation],
    rule_groups: &[GroupSummary],
) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut views: Vec<(&str, ReplicaView)> = Vec::new();
    let rendered = ConfigSignature::of(rendered);
    for replica in replicas {
        let name = format!("replica {}", replica.name);
        let api = match &replica.api {
            Ok(api) => *api,
            Err(why) => {
                checks.push(Check::fail(name, format!("no Ready pod: {why}")));
                continue;
            }
        };
        let seen = async {
            api.ready().await?;
            let config = ConfigSignature::of(&api.config().await?);
            let targets = api.targets().await?;
            let loaded = api.rules().await?;
            anyhow::Ok((config, targets, loaded))
        };
        let (config, targets, loaded) = match seen.await {
            Ok(seen) => seen,
            Err(e) => {
                checks.push(Check::from_error(name, &e));
                continue;
            }
        };
        let mut problems = rendered.differences(&config);
        let jobs = evaluate_jobs(&targets, expected, SystemTime::now());
        let bad: Vec<String> = jobs
            .iter()
            .filter(|j| !matches!(j.verdict, JobVerdict::Healthy | JobVerdict::Pending))
            .map(|j| format!("job {}: {}/{} targets up", j.job, j.up, j.up + j.down + j.unknown))
            .collect();
        problems.extend(bad);
        if let Err(differences) = compare_loaded(rule_groups, &loaded) {
            problems.extend(differences);
        }
        let up: usize = jobs.iter().map(|j| j.up).sum();
        checks.push(if problems.is_empty() {
            Check::pass(
                name,
                format!(
                    "ready, the rendered config, {} jobs with {up} targets up, {} rule groups loaded",
                    jobs.len(),
                    loaded.len()
                ),
            )
        } else {
            Check::fail(name, problems.join("; "))
        });
        let view = ReplicaView {
            config,
            targets: targets.iter().map(|t| (t.job().to_string(), t.scrape_url.clone())).collect(),
            rule_groups: loaded.iter().map(|g| (g.name.clone(), g.rules.len())).collect(),
        };
        views.push((&replica.name, view));
    }
    if replicas.len() > 1 {
        checks.push(replicas_agree(&views, replicas.len()));
    }
    checks
}

fn replicas_agree(views: &[(&str, ReplicaView)], replicas: usize) -> Check {
    const NAME: &str = "replicas agree";
    let Some(((first, reference), others)) = views.split_first() else {
        return Check::fail(NAME, "no replica could be asked");
    };
    let mut problems = Vec::new();
    for (name, view) in others {
        if view.config != reference.config {
            problems.push(format!("{name} runs another config than {first}"));
        }
        let only_first: Vec<String> =
            reference.targets.difference(&view.targets).map(|(job, url)| format!("{job} {url}")).collect();
        let only_other: Vec<String> =
            view.targets.difference(&reference.targets).map(|(job, url)| format!("{job} {url}")).collect();
        if !only_first.is_empty() || !only_other.is_empty() {
            problems.push(format!(
                "targets differ: only {first} scrapes [{}], only {name} scrapes [{}]",
                only_first.join(", "),
                only_other.join(", ")
            ));
        }
        if view.rule_groups != reference.rule_groups {
            problems.push(format!("{name} and {first} load different rule groups"));
        }
    }
    if views.len() < replicas {
        problems.push(format!("only {} of {replicas} replicas could be compared", views.len()));
    }
    if problems.is_empty() {
        Check::pass(
            NAME,
            format!(
                "{replicas} replicas: the same config, the same {} targets, the same {} rule groups",
                reference.targets.len(),
                reference.rule_groups.len()
            ),
        )
    } else {
        Check::fail(NAME, problems.join("; "))
    }
}

/// What validate shows about rules and alerts beside the checks (its rules and alerts sections).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RulesReport {
    pub groups: Vec<GroupHealth>,
    /// Pending and firing alerts.
    pub alerts: Vec<ActiveAlert>,
}

/// The rules Prometheus loaded against the rendered ones, their health, and the firing alerts that
/// `--fail-on-alert` forbids. Rules not evaluated yet are waited for, up to `wait_evaluation`.
pub async fn rules_checks(
    api: &PrometheusApi,
    expected: &[GroupSummary],
    wait_evaluation: Duration,
    fail_on: &[AlertMatcher],
) -> (Vec<Check>, RulesReport) {
    let mut checks = Vec::new();
    let started = Instant::now();
    let loaded = loop {
        match api.rules().await {
            Ok(loaded) => {
                let unevaluated = loaded.iter().flat_map(|g| &g.rules).any(|r| r.health != "ok" && r.health != "err");
                if !unevaluated || started.elapsed() >= wait_evaluation {
                    break loaded;
                }
            }
            Err(e) => {
                checks.push(Check::from_error("rules loaded", &e));
                return (checks, RulesReport::default());
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    checks.push(match compare_loaded(expected, &loaded) {
        Ok((0, _)) => Check::pass("rules loaded", "no rules configured"),
        Ok((groups, rules)) => {
            Check::pass("rules loaded", format!("{}, as rendered", crate::rules::count_groups_and_rules(groups, rules)))
        }
        Err(differences) => Check::fail("rules loaded", differences.join("; ")),
    });
    let groups = group_health(&loaded);
    let errors: Vec<String> = groups
        .iter()
        .flat_map(|g| g.errors.iter().map(move |e| format!("{}/{}: {}", g.group, e.rule, e.error)))
        .collect();
    let (ok, unknown): (usize, usize) = groups.iter().fold((0, 0), |(o, u), g| (o + g.ok, u + g.unknown));
    if !loaded.is_empty() {
        checks.push(if errors.is_empty() {
            let pending = if unknown > 0 {
                format!(", {unknown} not evaluated after {}s", wait_evaluation.as_secs())
            } else {
                String::new()
            };
            Check::pass("rules evaluate", format!("{ok} rules ok{pending}"))
        } else {
            Check::fail(
                "rules evaluate",
                format!("{} of {} rules fail: {}", errors.len(), ok + unknown + errors.len(), errors.join("; ")),
            )
        });
    }
    let alerts = match api.alerts().await {
        Ok(alerts) => alerts,
        Err(e) => {
            checks.push(Check::from_error("alerts", &e));
            return (checks, RulesReport { groups, alerts: Vec::new() });
        }
    };
    if !fail_on.is_empty() {
        let firing = alerts.iter().filter(|a| a.state == "firing");
        let forbidden: Vec<String> = firing
            .filter(|a| fail_on.iter().any(|m| m.matches(a)))
            .map(|a| format!("{} since {}", describe_alert(a), a.active_at.as_deref().unwrap_or("?")))
            .collect();
        checks.push(if forbidden.is_empty() {
            Check::pass("alerts", "no firing alert matches --fail-on-alert")
        } else {
            Check::fail("alerts", format!("firing and forbidden by --fail-on-alert: {}", forbidden.join("; ")))
        });
    }
    (checks, RulesReport { groups, alerts })
}

/// The installed Alertmanager reached through its Service, and the config it must run.
pub struct InstalledAlertmanager<'a> {
    pub api: PrometheusApi,
    pub config: &'a str,
}

/// Where Prometheus sends alerts: every configured source shows in `/api/v1/alertmanagers` as
/// active (waited for up to `wait`, as discovery takes a few seconds after a start), and the
/// installed Alertmanager is ready and runs the rendered config.
pub async fn alertmanager_checks(
    api: &PrometheusApi,
    values: &Values,
    installed: Option<&InstalledAlertmanager<'_>>,
    wait: Duration,
) -> Vec<Check> {
    let am = &values.alertmanager;
    if !am.any() {
        return Vec::new();
    }
    let mut checks = Vec::new();
    let sources = usize::from(am.enabled) + am.services.len() + am.urls.len();
    let statics: Vec<String> = am
        .urls
        .iter()
        .filter_map(|u| crate::alertmanager::static_alertmanager(u))
        .map(|s| format!("{}://{}{}", s.scheme, s.target, s.path_prefix.trim_end_matches('/')))
        .collect();
    let started = Instant::now();
    let check = loop {
        let targets = match api.alertmanagers().await {
            Ok(targets) => targets,
            Err(e) => break Check::from_error("Prometheus sends to Alertmanager", &e),
        };
        let active: Vec<&str> = targets.active_alertmanagers.iter().map(|a| a.url.as_str()).collect();
        let missing: Vec<&String> =
            statics.iter().filter(|s| !active.iter().any(|a| a.starts_with(s.as_str()))).collect();
        if active.len() >= sources && missing.is_empty() {
            break Check::pass("Prometheus sends to Alertmanager", format!("active: {}", active.join(", ")));
        }
        if started.elapsed() >= wait {
            let dropped: Vec<&str> = targets.dropped_alertmanagers.iter().map(|a| a.url.as_str()).collect();
            break Check::fail(
                "Prometheus sends to Alertmanager",
                format!(
                    "{} active of {sources} configured (active: [{}]; dropped: [{}]){}",
                    active.len(),
                    active.join(", "),
                    dropped.join(", "),
                    if missing.is_empty() {
                        String::new()
                    } else {
                        format!("; not active: {}", missing.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", "))
                    }
                ),
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    checks.push(check);
    if let Some(installed) = installed {
        checks.push(match installed.api.ready().await {
            Ok(()) => Check::pass("Alertmanager ready", "200 OK"),
            Err(e) => Check::from_error("Alertmanager ready", &e),
        });
        let hash = crate::alertmanager::config_hash_metric(installed.config);
        checks.push(match installed.api.metrics_text().await {
            Ok(metrics) if crate::alertmanager::metric_value(&metrics, "alertmanager_config_hash") == Some(hash) => {
                Check::pass("Alertmanager config", "runs the rendered alertmanager.yml")
            }
            Ok(_) => Check::fail(
                "Alertmanager config",
                "runs another config than the rendered one (an edit outside promctl, or a reload that did not finish); run promctl reload",
            ),
            Err(e) => Check::from_error("Alertmanager config", &e),
        });
    }
    checks
}

/// One series of an instant query: its labels and value.
type Sample = (BTreeMap<String, String>, f64);

/// How far a remote-write queue may lag behind the newest sample before validate calls it failing.
pub const REMOTE_WRITE_LAG_LIMIT: Duration = Duration::from_secs(120);

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
    let own = r#"{job="prometheus"}"#;
    let queries = [
        ("failed", format!("increase(prometheus_remote_storage_samples_failed_total{own}[2m])")),
        ("failed_total", format!("prometheus_remote_storage_samples_failed_total{own}")),
        ("dropped", format!("increase(prometheus_remote_storage_samples_dropped_total{own}[2m])")),
        ("shards", format!("prometheus_remote_storage_shards{own}")),
        (
            "lag",
            format!(
                "prometheus_remote_storage_highest_timestamp_in_seconds{own} - ignoring(remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds{own}"
            ),
        ),
    ];
    let mut series: BTreeMap<&str, Vec<Sample>> = BTreeMap::new();
    for (what, expr) in &queries {
        match api.query_vector(expr).await {
            Ok(found) => {
                series.insert(what, found);
            }
            Err(e) => return vec![Check::from_error("remote_write", &e)],
        }
    }
    let value = |what: &str, url: &str| {
        series.get(what)?.iter().find(|(labels, _)| labels.get("url").is_some_and(|u| u == url)).map(|(_, v)| *v)
    };
    endpoints
        .iter()
        .map(|endpoint| {
            let name = format!("remote_write {}", endpoint.name.as_deref().unwrap_or(&endpoint.url));
            let url = endpoint.url.as_str();
            let Some(shards) = value("shards", url) else {
                return Check::fail(
                    name,
                    format!("Prometheus reports no queue for {url} yet; its queue metrics come from the `prometheus` job (scrape.jobs.prometheus), scraped every interval"),
                );
            };
            let failed = value("failed", url).or(value("failed_total", url)).unwrap_or(0.0);
            let dropped = value("dropped", url).unwrap_or(0.0);
            let lag = value("lag", url).unwrap_or(0.0).max(0.0);
            let status = log.and_then(|log| last_http_status(log, url));
            let mut problems = Vec::new();
            if failed > 0.0 {
                let seen = status.as_deref().map(|s| format!(": the receiver answered HTTP {s}")).unwrap_or_default();
                problems.push(format!("{failed:.0} samples failed to send to {url} in the last 2m{seen}"));
            }
            if dropped > 0.0 {
                problems.push(format!("{dropped:.0} samples dropped"));
            }
            if lag > REMOTE_WRITE_LAG_LIMIT.as_secs_f64() {
                problems.push(format!("sending lags {lag:.0}s behind the newest sample"));
            }
            if problems.is_empty() {
                Check::pass(name, format!("{url}: {shards:.0} shards, {lag:.0}s behind the newest sample, 0 failed"))
            } else {
                Check::fail(name, problems.join("; "))
            }
        })
        .collect()
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
    let name = "engine receives";
    let selector: Vec<String> = values
        .scrape
        .external_labels
        .iter()
        .filter(|(k, _)| k.as_str() != REPLICA_LABEL)
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    let up = format!("up{{{}}}", selector.join(","));
    let scope = if selector.is_empty() {
        " (no external labels: the engine's whole `up` is compared; set scrape.externalLabels to scope it)".to_string()
    } else {
        format!(" ({up})")
    };
    // A target scraped just now reaches the store with the next batch: look again, up to `wait`.
    let started = Instant::now();
    loop {
        let counts = async {
            let scraped = prometheus.query_vector("count(up)").await?.first().map_or(0.0, |(_, v)| *v);
            let stored = engine.query_vector(&format!("count({up})")).await?.first().map_or(0.0, |(_, v)| *v);
            let age = engine.query_vector(&format!("time() - max(timestamp({up}))")).await?.first().map(|(_, v)| *v);
            anyhow::Ok((scraped, stored, age))
        };
        let (scraped, stored, age) = match counts.await {
            Ok(counts) => counts,
            Err(e) => return vec![Check::from_error(name, &e)],
        };
        let verdict = match age {
            None => Err(format!("the engine has no recent `up` samples{scope}: are the writes arriving?")),
            Some(age) if age > REMOTE_WRITE_LAG_LIMIT.as_secs_f64() => {
                Err(format!("its newest `up` sample is {age:.0}s old{scope}"))
            }
            Some(_) if stored > scraped => Err(format!(
                "{stored:.0} series of `up` for {scraped:.0} targets{scope}: replicas are not deduplicated (the engine's replica label must be `{REPLICA_LABEL}`)"
            )),
            Some(_) if stored < scraped => Err(format!(
                "{stored:.0} series of `up` for {scraped:.0} targets{scope}: some targets' samples are missing"
            )),
            Some(age) => Ok(format!("{stored:.0} series of `up`, one per target{scope}; newest sample {age:.0}s old")),
        };
        match verdict {
            Ok(detail) => return vec![Check::pass(name, detail)],
            Err(detail) if started.elapsed() >= wait => return vec![Check::fail(name, detail)],
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

/// The HTTP status a receiver answered, from Prometheus's log lines about `url` (logfmt in 2.x,
/// slog's text in 3.x: both write `url=...` and `err="server returned HTTP status 401 Unauthorized: ..."`).
pub fn last_http_status(log: &str, url: &str) -> Option<String> {
    log.lines().rev().filter(|line| line.contains(url)).find_map(|line| {
        let at = line.find("server returned HTTP status ")? + "server returned HTTP status ".len();
        let status: String = line[at..].chars().take_while(|c| *c != ':' && *c != '"').collect();
        Some(status.trim().to_string())
    })
}

/// `Name{label="value", ...}` without the alertname label.
pub fn describe_alert(alert: &ActiveAlert) -> String {
    let labels: Vec<String> =
        alert.labels.iter().filter(|(k, _)| *k != "alertname").map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{}{{{}}}", alert.name(), labels.join(", "))
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

/// On a terminal and in CI logs, down targets are summarised: grouped by error, a few examples
/// each. `--output json` keeps every one.
pub const ERROR_GROUPS_SHOWN: usize = 5;
pub const EXAMPLES_PER_ERROR: usize = 3;

/// "N down: ERROR (e.g. URL, URL); M down: ERROR2 ..." for a check's one line.
fn down_summary(down: &[DownTarget]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_agree_only_with_the_same_config_targets_and_rules() {
        let view = |targets: &[(&str, &str)], groups: &[(&str, usize)]| ReplicaView {
            config: ConfigSignature::of("scrape_configs: [{job_name: django}]"),
            targets: targets.iter().map(|(j, u)| (j.to_string(), u.to_string())).collect(),
            rule_groups: groups.iter().map(|(g, n)| (g.to_string(), *n)).collect(),
        };
        let a = view(&[("django", "http://10.0.0.1:8000/metrics")], &[("starter", 8)]);
        let same = view(&[("django", "http://10.0.0.1:8000/metrics")], &[("starter", 8)]);
        let agree = replicas_agree(&[("prometheus", a), ("prometheus-1", same)], 2);
        assert!(agree.passed, "{}", agree.detail);
        assert_eq!(agree.detail, "2 replicas: the same config, the same 1 targets, the same 1 rule groups");

        let a = view(&[("django", "http://10.0.0.1:8000/metrics")], &[("starter", 8)]);
        let other = view(&[("django", "http://10.0.0.2:8000/metrics")], &[("starter", 7)]);
        let differ = replicas_agree(&[("prometheus", a), ("prometheus-1", other)], 3);
        assert!(!differ.passed);
        assert_eq!(
            differ.detail,
            "targets differ: only prometheus scrapes [django http://10.0.0.1:8000/metrics], only prometheus-1 scrapes [django http://10.0.0.2:8000/metrics]; prometheus-1 and prometheus load different rule groups; only 2 of 3 replicas could be compared"
        );
    }

    #[test]
    fn the_receivers_http_status_is_read_from_either_log_format() {
        let v2 = r#"ts=2026-12-02T00:30:01.002Z caller=dedupe.go:112 component=remote level=error remote_name=thanos url=http://10.96.0.9:19291/api/v1/receive msg="non-recoverable error" count=120 exemplarCount=0 err="server returned HTTP status 401 Unauthorized: Unauthorized""#;
        let v3 = r#"time=2026-12-02T00:30:01.002Z level=ERROR source=queue_manager.go:1621 msg="non-recoverable error" component=remote remote_name=thanos url=http://10.96.0.9:19291/api/v1/receive failedSampleCount=120 err="server returned HTTP status 401 Unauthorized: Unauthorized""#;
        for log in [v2, v3] {
            let log = format!("{log}\nlevel=info msg=\"other\"\n");
            assert_eq!(
                last_http_status(&log, "http://10.96.0.9:19291/api/v1/receive").as_deref(),
                Some("401 Unauthorized")
            );
        }
        assert_eq!(last_http_status(v2, "http://elsewhere/"), None);
    }

    #[test]
    fn access_reviews_follow_the_rendered_cluster_role() {
        let values = crate::values::load(&[], &[], None).unwrap();
        let rendered = crate::render::render(&values, &[]).unwrap();
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
}
