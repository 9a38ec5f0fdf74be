use std::time::Duration;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use promctl::cluster::apply::{Applied, ApplyOptions, Change, apply_all};
use promctl::cluster::inspect::PodDiagnostics;
use promctl::cluster::readiness::Readiness;
use promctl::cluster::wait::{ClaimSpec, ResourceStatus, WaitOutcome, WaitSpec, wait_ready};
use promctl::error::Failure;
use promctl::render::{Manifest, Workload};
use promctl::report::{Reporter, Tone};
use promctl::values::Values;
use serde_json::json;

use super::{connect, load_values, render_checked};
use crate::cli::{GlobalArgs, InstallArgs};

/// How long a pod may stay Unschedulable before install calls it a failure (the scheduler retries
/// meanwhile, e.g. while a volume binds).
const UNSCHEDULABLE_GRACE: Duration = Duration::from_secs(30);

pub async fn exec(global: &GlobalArgs, args: &InstallArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let checked = render_checked(&values, &args.values)?;
    let rendered = &checked.rendered;
    reporter.detail(&format!(
        "prometheus.yml and the rules pass the static check ({} jobs, {} rule groups)",
        checked.config.jobs.len(),
        checked.rule_groups.len()
    ));
    let client = connect(global).await?;
    let deadline = tokio::time::Instant::now() + global.timeout;
    // A claim for a class that does not exist stays Pending forever: refuse before anything is applied.
    if let Some(class) = Some(values.storage.storage_class.as_str()).filter(|c| !c.is_empty()) {
        let check = async { Ok(promctl::cluster::inspect::missing_storage_class(&client, class).await) };
        if let Some(problem) =
            bounded(check, (deadline, global.timeout), reporter, "checking the storage class").await?
        {
            return Err(Failure::bad_input(format!("{problem}; nothing was applied")).into());
        }
    }
    let mut secrets: Vec<&str> = values.secrets.iter().map(String::as_str).collect();
    if values.alertmanager.enabled && !values.alertmanager.secret_name.is_empty() {
        secrets.push(&values.alertmanager.secret_name);
    }
    if !secrets.is_empty() {
        let check =
            async { Ok(promctl::cluster::inspect::missing_secrets(&client, &values.namespace, &secrets).await) };
        if let Some(problem) = bounded(check, (deadline, global.timeout), reporter, "checking the Secrets").await? {
            return Err(Failure::bad_input(format!("{problem}; nothing was applied")).into());
        }
    }

    let verb = if args.dry_run { "dry run: applying" } else { "applying" };
    reporter.step(&format!(
        "{verb} {} objects to namespace {} (from {}; server-side apply, field manager promctl)",
        rendered.manifests.len(),
        values.namespace,
        values.namespace_source
    ));
    let options = ApplyOptions { dry_run: args.dry_run, force_conflicts: args.force_conflicts };
    let instance = values.instance();
    // An HA set rolls one replica at a time, as a StatefulSet would: the others' Deployments are
    // applied only once the replica before them is Ready, so a changed pod template never takes
    // every Prometheus down at once. A dry run or --no-wait applies them all now.
    let replicas = rendered.replicas()?;
    let one_by_one = !(args.dry_run || args.no_wait);
    let (now, later): (Vec<Manifest>, Vec<Manifest>) = rendered.manifests.iter().cloned().partition(|m| {
        !one_by_one || m.kind != "Deployment" || !replicas.iter().skip(1).any(|r| r.deployment == m.name)
    });
    // Lines are shown once the apply is done (tens of ms): meanwhile the reporter says whether the
    // API server is slow, and --timeout bounds the apply phase too.
    let applying = apply_all(&client, &now, &later, &values.namespace, &instance, options, |_| {});
    let mut applied = match bounded(applying, (deadline, global.timeout), reporter, "applying").await {
        Err(e) if promctl::error::is_forbidden(&e) => {
            return Err(permission_denied(&client, rendered, &values, e).await);
        }
        other => other?,
    };
    for a in &applied {
        show_applied(reporter, a);
    }
    reporter.finish();
    let changed = applied.iter().filter(|a| a.change != Change::Unchanged).count();
    let apply_seconds = reporter.elapsed().as_secs_f64();

    if args.dry_run || args.no_wait {
        let what = if args.dry_run { "dry run: nothing was changed" } else { "applied; not waiting (--no-wait)" };
        reporter.text(&format!("{what}; {}", change_summary(&applied)));
        reporter.document(&json!({"command": "install", "dry_run": args.dry_run, "objects": applied,
            "apply_seconds": apply_seconds}));
        return Ok(0);
    }

    let mut outcome = None;
    for (index, replica) in replicas.iter().enumerate() {
        if let Some(manifest) = later.iter().find(|m| m.name == replica.deployment) {
            let applied_now = promctl::cluster::apply::apply_manifest(&client, manifest, options).await?;
            show_applied(reporter, &applied_now);
            reporter.finish();
            applied.push(applied_now);
        }
        let which = if replicas.len() > 1 {
            format!("replica {} of {} (Deployment {})", index + 1, replicas.len(), replica.deployment)
        } else {
            "the Deployment".to_string()
        };
        reporter.step(&format!("waiting for readiness of {which}, its pods, the claim and the Service"));
        // Kept back from the wait: the time to ask a silent API server whether it is there at all.
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let remaining = if remaining > 2 * API_PROBE { remaining - API_PROBE } else { remaining };
        let spec = wait_spec(&values, replica, remaining);
        let replica_outcome = wait_ready(&client, &spec, |status| show_status(reporter, status)).await?;
        reporter.finish();
        let ready = matches!(replica_outcome, WaitOutcome::Ready { .. });
        outcome = Some(replica_outcome);
        if !ready {
            break;
        }
    }
    let mut outcome = outcome.expect("the templates render at least one replica");
    if matches!(outcome, WaitOutcome::Ready { .. })
        && let Some(alertmanager) = rendered.alertmanager()?
    {
        reporter.step("waiting for the Alertmanager (its Deployment, pod and Service)");
        let service = rendered.service_of(&alertmanager).map(|s| s.name.clone()).unwrap_or_default();
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let spec = WaitSpec {
            namespace: values.namespace.clone(),
            deployment: alertmanager.deployment.clone(),
            pod_selector: alertmanager.pod_selector.clone(),
            claim: None,
            service,
            timeout: if left > 2 * API_PROBE { left - API_PROBE } else { left },
            unschedulable_grace: UNSCHEDULABLE_GRACE,
        };
        let alertmanager_outcome = wait_ready(&client, &spec, |status| show_status(reporter, status)).await?;
        reporter.finish();
        if !matches!(alertmanager_outcome, WaitOutcome::Ready { .. }) {
            outcome = alertmanager_outcome;
        }
    }
    // The pod kept running when only the config changed, or an earlier reload was interrupted after
    // its apply: prove that Prometheus loads the rendered config. A new pod reads it at start.
    // The install's own client (no new TLS handshake): once the pod is Ready, the proxy answers.
    let link = super::PrometheusLink::through_service_proxy(&client, &values);
    let links = match outcome {
        WaitOutcome::Ready { .. } => super::replica_links(Some(&client), &link, rendered, &values).await?,
        _ => Vec::new(),
    };
    let reload = if matches!(outcome, WaitOutcome::Ready { .. }) && pods_kept(&applied, &replicas) {
        let why = if config_changed(&applied) {
            Some("the config changed under a running Prometheus: reloading it".to_string())
        } else {
            running_config_drift(&links, &rendered.prometheus_yml, reporter).await
        };
        match why {
            Some(why) => {
                reporter.step(&why);
                Some(super::verified_reload(&client, &links, rendered, &values, false, global.timeout, reporter).await?)
            }
            None => None,
        }
    } else {
        None
    };
    let (rules, alertmanager) = match outcome {
        WaitOutcome::Ready { .. } => {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now()).max(Duration::from_secs(10));
            let rules = super::prove_rules_loaded(&links, &checked.rule_groups, left, reporter).await?;
            // A running Alertmanager keeps its config when only the config changed: make it load it.
            let left = deadline.saturating_duration_since(tokio::time::Instant::now()).max(Duration::from_secs(10));
            let alertmanager = super::reload_alertmanager(&client, rendered, &values, false, left, reporter).await?;
            (Some(rules), alertmanager)
        }
        _ => (None, None),
    };
    let total_seconds = reporter.elapsed().as_secs_f64();
    reporter.document(&json!({
        "command": "install",
        "namespace": values.namespace,
        "objects": applied,
        "changed": changed,
        "readiness": outcome,
        "reload": reload,
        "rules": rules,
        "alertmanager": alertmanager,
        "apply_seconds": apply_seconds,
        "total_seconds": total_seconds,
    }));
    match outcome {
        WaitOutcome::Ready { .. } => {
            let verdict = if changed == 0 { "nothing to change, and" } else { "installed, and" };
            reporter.text(&format!(
                "{verdict} Prometheus is ready in namespace {} ({}; {total_seconds:.1}s)",
                values.namespace,
                change_summary(&applied)
            ));
            Ok(0)
        }
        WaitOutcome::Failed { failed, diagnostics, .. } => {
            if let Some(d) = &diagnostics {
                show_diagnostics(reporter, d);
            }
            Err(Failure::check_failed(format!("{}: {}", failed.resource, failed.readiness.reason())).into())
        }
        WaitOutcome::TimedOut { resources, api_error } => {
            let waiting: Vec<String> = resources
                .iter()
                .filter(|r| !r.readiness.is_ready())
                .map(|r| format!("  {}: {}", r.resource, r.readiness.reason()))
                .collect();
            // A paused or dead API server leaves the watches silent, not failing: ask it directly.
            let api_error = match api_error {
                Some(error) => Some(error),
                None => api_server_silent(&client).await,
            };
            if let Some(api_error) = api_error {
                return Err(Failure::timed_out(format!(
                    "not ready after {}s, and the API server at {} stopped answering ({api_error}); the last states seen, which may be stale:\n{}\ncheck the API server, then run install again",
                    global.timeout.as_secs(),
                    promctl::cluster::api_server_url(),
                    waiting.join("\n")
                ))
                .into());
            }
            Err(Failure::timed_out(format!(
                "not ready after {}s; still waiting for:\n{}\nraise --timeout, or look at `kubectl describe` of these",
                global.timeout.as_secs(),
                waiting.join("\n")
            ))
            .into())
        }
    }
}

/// A 403 during the apply, turned into the whole list of what is missing (one run, not one
/// permission per run) and the fix. Exit 3, as every permission problem.
async fn permission_denied(
    client: &kube::Client,
    rendered: &promctl::render::Rendered,
    values: &Values,
    error: anyhow::Error,
) -> anyhow::Error {
    let kinds: Vec<&str> = rendered.manifests.iter().map(|m| m.kind.as_str()).collect();
    let missing = promctl::cluster::permissions::missing(client, &kinds, &values.namespace).await;
    let who = promctl::cluster::permissions::who_am_i(client).await.unwrap_or_else(|| "this kubeconfig's user".into());
    let refused = match promctl::error::kube_status(&error) {
        Some(status) => status.message.clone(),
        None => format!("{error:#}"),
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

/// How long a timed-out install waits for the API server to answer a version request.
const API_PROBE: Duration = Duration::from_secs(2);

/// Why the API server did not answer a version request within `API_PROBE`, or None when it did.
async fn api_server_silent(client: &kube::Client) -> Option<String> {
    match tokio::time::timeout(API_PROBE, client.apiserver_version()).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(format!("GET /version: {e}")),
        Err(_) => Some(format!("GET /version: no answer within {}s", API_PROBE.as_secs())),
    }
}

/// Runs `work` until `deadline`; every 5 s without an answer it says that it is still waiting for the
/// API server. At the deadline: timed out (exit 4), naming the server.
async fn bounded<T>(
    work: impl std::future::Future<Output = anyhow::Result<T>>,
    (deadline, timeout): (tokio::time::Instant, Duration),
    reporter: &Reporter,
    doing: &str,
) -> anyhow::Result<T> {
    let started = tokio::time::Instant::now();
    let mut work = std::pin::pin!(work);
    let mut ticks = tokio::time::interval_at(started + Duration::from_secs(5), Duration::from_secs(5));
    loop {
        tokio::select! {
            result = &mut work => return result,
            _ = ticks.tick() => reporter.step(&format!(
                "{doing}: still waiting for the API server at {} ({}s)",
                promctl::cluster::api_server_url(),
                started.elapsed().as_secs()
            )),
            _ = tokio::time::sleep_until(deadline) => {
                return Err(Failure::timed_out(format!(
                    "{doing} did not finish within --timeout ({}s): the API server at {} is not answering; run install again once it does (applying again is safe)",
                    timeout.as_secs(),
                    promctl::cluster::api_server_url()
                ))
                .into());
            }
        }
    }
}

/// What the install must reach, from the same values the manifests were rendered from.
/// One replica's: its Deployment, pods and claim.
pub fn wait_spec(values: &Values, replica: &Workload, timeout: Duration) -> WaitSpec {
    WaitSpec {
        namespace: values.namespace.clone(),
        deployment: replica.deployment.clone(),
        pod_selector: replica.pod_selector.clone(),
        claim: replica.claim.as_ref().map(|name| ClaimSpec {
            name: name.clone(),
            requested: Quantity(values.storage.size.clone()),
            storage_class: Some(values.storage.storage_class.clone()).filter(|c| !c.is_empty()),
        }),
        service: values.service.name.clone(),
        timeout,
        unschedulable_grace: UNSCHEDULABLE_GRACE,
    }
}

fn change_of(applied: &[Applied], kind: &str) -> Option<Change> {
    applied.iter().find(|a| a.kind == kind).map(|a| a.change)
}

/// No replica's Deployment changed, so their pods keep running with the config they have loaded.
fn pods_kept(applied: &[Applied], replicas: &[Workload]) -> bool {
    replicas.iter().all(|replica| {
        applied.iter().any(|a| a.kind == "Deployment" && a.name == replica.deployment && a.change == Change::Unchanged)
    })
}

fn config_changed(applied: &[Applied]) -> bool {
    change_of(applied, "ConfigMap") == Some(Change::Configured)
}

/// Why the running Prometheus must reload although nothing was applied now: it runs another config
/// than the rendered one (an interrupted reload). None when it runs the rendered one, or when that
/// cannot be read (then a warning says so; validate will tell).
async fn running_config_drift(links: &[super::ReplicaLink], rendered: &str, reporter: &Reporter) -> Option<String> {
    for link in links {
        let drift = match link.api() {
            Ok(api) => promctl::reload::config_drift(api, rendered).await,
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
                reporter.warn(&format!("could not compare the running config with the rendered one: {e:#}"));
                return None;
            }
        }
    }
    None
}

fn show_applied(reporter: &mut Reporter, applied: &Applied) {
    let tone = match applied.change {
        Change::Unchanged | Change::Kept => Tone::Plain,
        _ => Tone::Good,
    };
    let detail = if applied.change == Change::Kept { "no longer rendered; kept because it holds data" } else { "" };
    reporter.resource(&applied.describe(), tone, applied.change.as_str(), detail);
}

fn show_status(reporter: &mut Reporter, status: &ResourceStatus) {
    let tone = match status.readiness {
        Readiness::Ready(_) => Tone::Good,
        Readiness::Progressing(_) => Tone::Waiting,
        Readiness::Failed(_) => Tone::Bad,
    };
    reporter.resource(&status.resource, tone, status.readiness.label(), status.readiness.reason());
}

pub fn show_diagnostics(reporter: &Reporter, diagnostics: &PodDiagnostics) {
    if diagnostics.events.is_empty() {
        reporter.step(&format!("no events recorded for pod {}", diagnostics.pod));
    } else {
        reporter.step(&format!(
            "events of pod {} (oldest first):\n  {}",
            diagnostics.pod,
            diagnostics.events.join("\n  ")
        ));
    }
    for tail in &diagnostics.logs {
        let which = if tail.previous { "previous container" } else { "container" };
        reporter.step(&format!(
            "last log lines of {which} {} in pod {}:\n  {}",
            tail.container,
            diagnostics.pod,
            tail.text.trim_end().replace('\n', "\n  ")
        ));
    }
}

fn change_summary(applied: &[Applied]) -> String {
    let mut counts: Vec<(Change, usize)> = Vec::new();
    for a in applied {
        match counts.iter_mut().find(|(c, _)| *c == a.change) {
            Some((_, n)) => *n += 1,
            None => counts.push((a.change, 1)),
        }
    }
    counts.iter().map(|(c, n)| format!("{n} {}", c.as_str())).collect::<Vec<_>>().join(", ")
}
