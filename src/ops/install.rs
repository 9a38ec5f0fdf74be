//! The install operation: preflight checks, the apply in safe order, readiness of every rendered
//! workload (each Prometheus replica in turn, then the Alertmanager), the reload a running Prometheus
//! needs when only its config changed, and the proofs that rules and configs are loaded.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::Serialize;
use tokio::time::Instant;

use super::Checked;
use super::reach::{PrometheusLink, ReplicaLink, replica_links};
use super::reload::{RulesProof, prove_rules_loaded, reload_alertmanager, verified_reload};
use crate::cluster::apply::{Applied, ApplyOptions, Change, apply_all, apply_manifest};
use crate::cluster::readiness::Readiness;
use crate::cluster::wait::{ClaimSpec, ResourceStatus, WaitOutcome, WaitSpec, wait_ready};
use crate::error::Failure;
use crate::manifest::Manifest;
use crate::progress::{Emit, Progress, Tone};
use crate::reload::{AlertmanagerReload, ReloadReport};
use crate::render::{Rendered, Workload};
use crate::values::Values;

/// How long a pod may stay Unschedulable before install calls it a failure (the scheduler retries
/// meanwhile, e.g. while a volume binds).
const UNSCHEDULABLE_GRACE: Duration = Duration::from_secs(30);

/// How long a timed-out install waits for the API server to answer a version request.
const API_PROBE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy)]
pub struct InstallOptions {
    /// Server-side dry run: validated by the API server, nothing changed.
    pub dry_run: bool,
    pub force_conflicts: bool,
    /// Apply only, do not wait for readiness.
    pub no_wait: bool,
    /// Bounds the whole install: preflight, apply and readiness.
    pub timeout: Duration,
}

/// What install did; `failure` is set when it did not end with everything ready.
#[derive(Debug, Serialize)]
pub struct InstallReport {
    pub namespace: String,
    pub objects: Vec<Applied>,
    pub changed: usize,
    /// None with --dry-run or --no-wait.
    pub readiness: Option<WaitOutcome>,
    pub reload: Option<ReloadReport>,
    pub rules: Option<RulesProof>,
    pub alertmanager: Option<AlertmanagerReload>,
    pub apply_seconds: f64,
    pub total_seconds: f64,
    /// Why the install did not end ready (a failed resource or a timeout), with the fix.
    #[serde(skip)]
    pub failure: Option<Failure>,
}

impl InstallReport {
    /// "2 created, 6 unchanged": each kind of change with its count, in the order first seen.
    pub fn change_summary(&self) -> String {
        let mut counts: Vec<(Change, usize)> = Vec::new();
        for a in &self.objects {
            match counts.iter_mut().find(|(c, _)| *c == a.change) {
                Some((_, n)) => *n += 1,
                None => counts.push((a.change, 1)),
            }
        }
        counts.iter().map(|(c, n)| format!("{n} {}", c.as_str())).collect::<Vec<_>>().join(", ")
    }
}

pub async fn install(
    client: &kube::Client,
    checked: &Checked,
    values: &Values,
    options: InstallOptions,
    emit: Emit<'_>,
) -> anyhow::Result<InstallReport> {
    let started = Instant::now();
    let rendered = &checked.rendered;
    let deadline = started + options.timeout;
    preflight(client, values, rendered, (deadline, options.timeout), emit).await?;

    let verb = if options.dry_run { "dry run: applying" } else { "applying" };
    emit(Progress::Step(format!(
        "{verb} {} objects to namespace {} (from {}; server-side apply, field manager promctl)",
        rendered.manifests.len(),
        values.namespace,
        values.namespace_source
    )));
    let apply_options = ApplyOptions { dry_run: options.dry_run, force_conflicts: options.force_conflicts };
    // An HA set rolls one replica at a time, as a StatefulSet would: the others' Deployments are
    // applied only once the replica before them is Ready, so a changed pod template never takes
    // every Prometheus down at once. A dry run or --no-wait applies them all now.
    let replicas = rendered.replicas()?;
    let one_by_one = !(options.dry_run || options.no_wait);
    let (now, later): (Vec<Manifest>, Vec<Manifest>) = rendered.manifests.iter().cloned().partition(|m| {
        !one_by_one || m.kind != "Deployment" || !replicas.iter().skip(1).any(|r| r.deployment == m.name)
    });
    // Lines are shown once the apply is done (tens of ms): meanwhile the operation says whether the
    // API server is slow, and the timeout bounds the apply phase too.
    let instance = values.instance();
    let applying = apply_all(client, &now, &later, &values.namespace, &instance, apply_options, |_| {});
    let mut applied = match bounded(applying, (deadline, options.timeout), emit, "applying").await {
        Err(e) if crate::error::is_forbidden(&e) => return Err(permission_denied(client, rendered, values, e).await),
        other => other?,
    };
    for a in &applied {
        emit(applied_line(a));
    }
    emit(Progress::PhaseDone);
    let mut report = InstallReport {
        namespace: values.namespace.clone(),
        changed: 0,
        objects: Vec::new(),
        readiness: None,
        reload: None,
        rules: None,
        alertmanager: None,
        apply_seconds: started.elapsed().as_secs_f64(),
        total_seconds: 0.0,
        failure: None,
    };
    if options.dry_run || options.no_wait {
        report.changed = applied.iter().filter(|a| a.change != Change::Unchanged).count();
        report.objects = applied;
        report.total_seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }

    let mut outcome = None;
    for (index, replica) in replicas.iter().enumerate() {
        if let Some(manifest) = later.iter().find(|m| m.name == replica.deployment) {
            let applied_now = apply_manifest(client, manifest, apply_options).await?;
            emit(applied_line(&applied_now));
            emit(Progress::PhaseDone);
            applied.push(applied_now);
        }
        let which = if replicas.len() > 1 {
            format!("replica {} of {} (Deployment {})", index + 1, replicas.len(), replica.deployment)
        } else {
            "the Deployment".to_string()
        };
        emit(Progress::Step(format!("waiting for readiness of {which}, its pods, the claim and the Service")));
        let service = rendered
            .service_of(replica)
            .ok_or_else(|| Failure::bug(format!("the templates render no Service for {}", replica.deployment)))?;
        let spec = wait_spec(values, replica, Some(&service.name), wait_budget(deadline));
        let replica_outcome = wait_ready(client, &spec, |status| emit(status_line(status))).await?;
        emit(Progress::PhaseDone);
        let ready = matches!(replica_outcome, WaitOutcome::Ready { .. });
        outcome = Some(replica_outcome);
        if !ready {
            break;
        }
    }
    let mut outcome = outcome.ok_or_else(|| Failure::bug("the templates render no Prometheus Deployment"))?;
    // Then every other workload the templates render (the Alertmanager, and what comes next), each
    // as Prometheus: its Deployment, pods and Service.
    for workload in rendered.workloads()?.iter().filter(|w| w.role != "prometheus") {
        if !matches!(outcome, WaitOutcome::Ready { .. }) {
            break;
        }
        let service = rendered.service_of(workload).map(|s| s.name.as_str());
        emit(Progress::Step(format!(
            "waiting for the {} (Deployment {}, its pods{})",
            workload.role_name(),
            workload.deployment,
            if service.is_some() { " and Service" } else { "" }
        )));
        let spec = WaitSpec { claim: None, ..wait_spec(values, workload, service, wait_budget(deadline)) };
        outcome = wait_ready(client, &spec, |status| emit(status_line(status))).await?;
        emit(Progress::PhaseDone);
    }
    report.changed = applied.iter().filter(|a| a.change != Change::Unchanged).count();
    if matches!(outcome, WaitOutcome::Ready { .. }) {
        finish_when_ready(client, checked, values, &applied, &replicas, deadline, options.timeout, &mut report, emit)
            .await?;
    } else {
        report.failure = Some(not_ready(client, &outcome, options.timeout).await);
    }
    report.objects = applied;
    report.readiness = Some(outcome);
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The refusals that need the cluster but nothing applied: a claim for a StorageClass that does not
/// exist stays Pending forever, a pod whose Secret is missing never starts, and a Prometheus older than
/// 2.55 cannot open the TSDB a running 3.x wrote on the claim it keeps.
async fn preflight(
    client: &kube::Client,
    values: &Values,
    rendered: &Rendered,
    bound: (Instant, Duration),
    emit: Emit<'_>,
) -> anyhow::Result<()> {
    let check = async { Ok(running_tags(client, values, rendered).await) };
    let running = bounded(check, bound, emit, "reading the running Prometheus's version").await?;
    for running in &running {
        if let Some(problem) = crate::upgrade::tsdb_downgrade_refusal(running, &values.image.tag) {
            return Err(Failure::bad_input(problem).into());
        }
    }
    if let Some(from) = running.iter().find(|r| crate::upgrade::crosses_to_3(r, &values.image.tag)) {
        targets_3_would_refuse(client, values, rendered, from, bound, emit).await?;
    }
    if let Some(class) = Some(values.storage.storage_class.as_str()).filter(|c| !c.is_empty()) {
        let check = async { Ok(crate::cluster::inspect::missing_storage_class(client, class).await) };
        if let Some(problem) = bounded(check, bound, emit, "checking the storage class").await? {
            return Err(Failure::bad_input(format!("{problem}; nothing was applied")).into());
        }
    }
    let secrets = values.secret_names();
    if !secrets.is_empty() {
        let check = async { Ok(crate::cluster::inspect::missing_secrets(client, &values.namespace, &secrets).await) };
        if let Some(problem) = bounded(check, bound, emit, "checking the Secrets").await? {
            return Err(Failure::bad_input(format!("{problem}; nothing was applied")).into());
        }
    }
    Ok(())
}

/// Before a running Prometheus 2 becomes a 3: the targets of the team's jobs that Prometheus 3 would
/// refuse by their Content-Type, refused here with the fix (nothing applied). Targets that cannot be
/// read are warnings: the upgrade goes on, saying what was not proven.
async fn targets_3_would_refuse(
    client: &kube::Client,
    values: &Values,
    rendered: &Rendered,
    from: &str,
    bound: (Instant, Duration),
    emit: Emit<'_>,
) -> anyhow::Result<()> {
    let jobs = crate::upgrade::jobs_without_fallback(values);
    if jobs.is_empty() {
        return Ok(());
    }
    let to = &values.image.tag;
    emit(Progress::Step(format!(
        "Prometheus {from} -> {to}: reading the Content-Type of the targets of scrape.extraJobs without fallback_scrape_protocol (Prometheus 3 refuses a missing or unknown one)"
    )));
    let read = async { Ok(crate::ops::upgrade::read_team_targets(client, values, rendered, &jobs).await) };
    let verdict = match bounded(read, bound, emit, "reading the targets' Content-Type").await? {
        Ok(read) => crate::upgrade::judge_content_types(&read),
        Err(e) => {
            emit(Progress::Warning(format!(
                "the Content-Type of the targets of scrape.extraJobs was not read ({}): Prometheus {to} may refuse some of them; `promctl validate` after the upgrade names any down",
                crate::error::message(&e)
            )));
            return Ok(());
        }
    };
    for not_read in &verdict.not_read {
        emit(Progress::Warning(format!("{not_read}: Prometheus {to} may refuse it")));
    }
    if verdict.refused.is_empty() {
        return Ok(());
    }
    Err(Failure::bad_input(format!(
        "Prometheus {to} would refuse {} target(s) that Prometheus {from} scrapes now:\n  {}\nnothing was applied",
        verdict.refused.len(),
        verdict.refused.join("\n  ")
    ))
    .into())
}

/// The image tag each Prometheus replica's Deployment runs now (none before the first install).
async fn running_tags(client: &kube::Client, values: &Values, rendered: &Rendered) -> Vec<String> {
    use k8s_openapi::api::apps::v1::Deployment;
    let api: kube::Api<Deployment> = kube::Api::namespaced(client.clone(), &values.namespace);
    let mut tags = Vec::new();
    for replica in rendered.replicas().unwrap_or_default() {
        let Ok(Some(deployment)) = api.get_opt(&replica.deployment).await else { continue };
        let containers = deployment.spec.and_then(|s| s.template.spec).map(|s| s.containers).unwrap_or_default();
        let image = containers.into_iter().find(|c| c.name == replica.container_name).and_then(|c| c.image);
        tags.extend(image.as_deref().and_then(crate::release::image_tag).map(str::to_string));
    }
    tags
}

/// Once every workload is Ready: the reload a kept pod needs, then the rules and Alertmanager proofs.
#[allow(clippy::too_many_arguments)]
async fn finish_when_ready(
    client: &kube::Client,
    checked: &Checked,
    values: &Values,
    applied: &[Applied],
    replicas: &[Workload],
    deadline: Instant,
    timeout: Duration,
    report: &mut InstallReport,
    emit: Emit<'_>,
) -> anyhow::Result<()> {
    let rendered = &checked.rendered;
    // The pod kept running when only the config changed, or an earlier reload was interrupted after
    // its apply: prove that Prometheus loads the rendered config. A new pod reads it at start.
    // The install's own client (no new TLS handshake): once the pod is Ready, the proxy answers.
    let link = PrometheusLink::through_service_proxy(client, values);
    let links = replica_links(Some(client), &link, rendered, values).await?;
    if pods_kept(applied, replicas) {
        let why = if config_changed(applied) {
            Some("the config changed under a running Prometheus: reloading it".to_string())
        } else {
            running_config_drift(&links, &rendered.prometheus_yml, emit).await
        };
        if let Some(why) = why {
            emit(Progress::Step(why));
            report.reload = Some(verified_reload(client, &links, rendered, values, false, timeout, emit).await?);
        }
    }
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(10));
    report.rules = Some(prove_rules_loaded(&links, &checked.rule_groups, left, emit).await?);
    // A running Alertmanager keeps its config when only the config changed: make it load it.
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(10));
    report.alertmanager = reload_alertmanager(client, rendered, values, false, left, emit).await?;
    Ok(())
}

/// The time left for a readiness wait, less what a silent API server's probe takes at the end.
fn wait_budget(deadline: Instant) -> Duration {
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining > 2 * API_PROBE { remaining - API_PROBE } else { remaining }
}

/// Why the workloads did not become ready: the failed resource and its reason, or every resource
/// still waiting at the timeout (and whether the API server stopped answering).
async fn not_ready(client: &kube::Client, outcome: &WaitOutcome, timeout: Duration) -> Failure {
    match outcome {
        WaitOutcome::Ready { .. } => Failure::bug("not_ready called on a ready outcome"),
        WaitOutcome::Failed { failed, .. } => {
            Failure::check_failed(format!("{}: {}", failed.resource, failed.readiness.reason()))
        }
        WaitOutcome::TimedOut { resources, api_error } => {
            let waiting: Vec<String> = resources
                .iter()
                .filter(|r| !r.readiness.is_ready())
                .map(|r| format!("  {}: {}", r.resource, r.readiness.reason()))
                .collect();
            // A paused or dead API server leaves the watches silent, not failing: ask it directly.
            let api_error = match api_error {
                Some(error) => Some(error.clone()),
                None => api_server_silent(client).await,
            };
            if let Some(api_error) = api_error {
                return Failure::timed_out(format!(
                    "not ready after {}s, and the API server at {} stopped answering ({api_error}); the last states seen, which may be stale:\n{}\ncheck the API server, then run install again",
                    timeout.as_secs(),
                    crate::cluster::api_server_url(),
                    waiting.join("\n")
                ));
            }
            // What Kubernetes last said about each object still waiting (a claim's provisioner that
            // never answers says so only in its events), bounded: evidence, not a second wait.
            let mut waiting = waiting;
            let events = async {
                for (line, r) in waiting.iter_mut().zip(resources.iter().filter(|r| !r.readiness.is_ready())) {
                    let Some((kind, namespace, name)) = crate::cluster::wait::object_of(&r.resource) else { continue };
                    let said = crate::cluster::inspect::object_events(client, namespace, kind, name).await;
                    for event in said.iter().rev().take(2).rev() {
                        line.push_str(&format!("\n    event: {event}"));
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(5), events).await;
            Failure::timed_out(format!(
                "not ready after {}s; still waiting for:\n{}\nraise --timeout, or look at `kubectl describe` of these",
                timeout.as_secs(),
                waiting.join("\n")
            ))
        }
    }
}

/// A 403 during the apply, turned into the whole list of what is missing (one run, not one
/// permission per run) and the fix. Exit 3, as every permission problem.
async fn permission_denied(
    client: &kube::Client,
    rendered: &Rendered,
    values: &Values,
    error: anyhow::Error,
) -> anyhow::Error {
    let kinds: Vec<&str> = rendered.manifests.iter().map(|m| m.kind.as_str()).collect();
    let missing = crate::cluster::permissions::missing(client, &kinds, &values.namespace).await;
    let who = crate::cluster::permissions::who_am_i(client).await.unwrap_or_else(|| "this kubeconfig's user".into());
    let refused = match crate::error::kube_status(&error) {
        Some(status) => status.message.clone(),
        None => crate::error::message(&error),
    };
    if missing.is_empty() {
        return Failure::unreachable(format!("permission denied: {refused}")).into();
    }
    Failure::unreachable(format!(
        "permission denied: {refused}\n{who} may not:\n  {}\nnothing more was applied; ask a cluster admin to grant these (a ClusterRole with these verbs on these resources, bound to {who}), or run promctl with a kubeconfig that has them",
        missing.join("\n  ")
    ))
    .into()
}

/// Why the API server did not answer a version request within `API_PROBE`, or None when it did.
async fn api_server_silent(client: &kube::Client) -> Option<String> {
    match tokio::time::timeout(API_PROBE, client.apiserver_version()).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(format!("GET /version: {}", crate::error::kube_message(&e))),
        Err(_) => Some(format!("GET /version: no answer within {}s", API_PROBE.as_secs())),
    }
}

/// Runs `work` until `deadline`; every 5 s without an answer it says that it is still waiting for the
/// API server. At the deadline: timed out (exit 4), naming the server.
async fn bounded<T>(
    work: impl std::future::Future<Output = anyhow::Result<T>>,
    (deadline, timeout): (Instant, Duration),
    emit: Emit<'_>,
    doing: &str,
) -> anyhow::Result<T> {
    let started = Instant::now();
    let mut work = std::pin::pin!(work);
    let mut ticks = tokio::time::interval_at(started + Duration::from_secs(5), Duration::from_secs(5));
    loop {
        tokio::select! {
            result = &mut work => return result,
            _ = ticks.tick() => emit(Progress::Step(format!(
                "{doing}: still waiting for the API server at {} ({}s)",
                crate::cluster::api_server_url(),
                started.elapsed().as_secs()
            ))),
            _ = tokio::time::sleep_until(deadline) => {
                return Err(Failure::timed_out(format!(
                    "{doing} did not finish within --timeout ({}s): the API server at {} is not answering; run install again once it does (applying again is safe)",
                    timeout.as_secs(),
                    crate::cluster::api_server_url()
                ))
                .into());
            }
        }
    }
}

/// What the install must reach for one workload, from the same values the manifests were rendered
/// from: its Deployment, pods, claim (if it has one) and the Service `service`.
pub fn wait_spec(values: &Values, workload: &Workload, service: Option<&str>, timeout: Duration) -> WaitSpec {
    WaitSpec {
        namespace: values.namespace.clone(),
        deployment: workload.deployment.clone(),
        pod_selector: workload.pod_selector.clone(),
        claim: workload.claim.as_ref().map(|name| ClaimSpec {
            name: name.clone(),
            requested: Quantity(values.storage.size.to_string()),
            storage_class: Some(values.storage.storage_class.clone()).filter(|c| !c.is_empty()),
        }),
        service: service.map(str::to_string),
        timeout,
        unschedulable_grace: UNSCHEDULABLE_GRACE,
    }
}

/// No replica's Deployment changed, so their pods keep running with the config they have loaded.
fn pods_kept(applied: &[Applied], replicas: &[Workload]) -> bool {
    replicas.iter().all(|replica| {
        applied.iter().any(|a| a.kind == "Deployment" && a.name == replica.deployment && a.change == Change::Unchanged)
    })
}

fn config_changed(applied: &[Applied]) -> bool {
    applied.iter().find(|a| a.kind == "ConfigMap").map(|a| a.change) == Some(Change::Configured)
}

/// Why the running Prometheus must reload although nothing was applied now: it runs another config
/// than the rendered one (an interrupted reload). None when it runs the rendered one, or when that
/// cannot be read (then a warning says so; validate will tell).
async fn running_config_drift(links: &[ReplicaLink], rendered: &str, emit: Emit<'_>) -> Option<String> {
    for link in links {
        let drift = match link.api() {
            Ok(api) => crate::reload::config_drift(api, rendered).await,
            Err(e) => Err(e),
        };
        match drift {
            Ok(differences) if differences.is_empty() => {}
            Ok(differences) => {
                return Some(format!(
                    "{} runs another config than the rendered one ({}): finishing the reload",
                    link.describe(),
                    differences.join("; ")
                ));
            }
            Err(e) => {
                emit(Progress::Warning(format!(
                    "could not compare the running config with the rendered one: {}",
                    crate::error::message(&e)
                )));
                return None;
            }
        }
    }
    None
}

fn applied_line(applied: &Applied) -> Progress {
    let tone = match applied.change {
        Change::Unchanged | Change::Kept => Tone::Plain,
        _ => Tone::Good,
    };
    let detail = match applied.adopted_claim() {
        Some(adopted) => adopted,
        None if applied.change == Change::Kept => "no longer rendered; kept because it holds data".to_string(),
        None => String::new(),
    };
    Progress::resource(applied.describe(), tone, applied.change.as_str(), detail)
}

fn status_line(status: &ResourceStatus) -> Progress {
    let tone = match status.readiness {
        Readiness::Ready(_) => Tone::Good,
        Readiness::Progressing(_) => Tone::Waiting,
        Readiness::Failed(_) => Tone::Bad,
    };
    Progress::resource(&status.resource, tone, status.readiness.label(), status.readiness.reason())
}
