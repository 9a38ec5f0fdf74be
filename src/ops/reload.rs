//! The reload operation: push the rendered config, prove every replica loaded it, prove the rules
//! loaded, and make an installed Alertmanager load its config. `promctl reload` is all of it; install
//! ends with the parts it needs.

use std::time::Duration;

use serde::Serialize;

use super::Checked;
use super::reach::ReplicaLink;
use crate::error::Failure;
use crate::manifest::Manifest;
use crate::poll::{self, Polled};
use crate::progress::{Emit, Progress, Tone};
use crate::prometheus::PrometheusApi;
use crate::reload::{AlertmanagerReload, ReloadEvent, ReloadReplica, ReloadReport, ReloadTarget};
use crate::render::Rendered;
use crate::rules::{self, GroupSummary};
use crate::values::Values;

/// What `promctl reload` did: its JSON document's body.
#[derive(Debug, Serialize)]
pub struct ReloadOutcome {
    pub reload: ReloadReport,
    pub rules: RulesProof,
    pub alertmanager: Option<AlertmanagerReload>,
}

/// Everything `promctl reload` does, on every replica in `links`. `direct`: Prometheus is reached by
/// URL, so the pods' files cannot be watched.
pub async fn reload_everything(
    client: &kube::Client,
    links: &[ReplicaLink],
    checked: &Checked,
    values: &Values,
    direct: bool,
    timeout: Duration,
    emit: Emit<'_>,
) -> anyhow::Result<ReloadOutcome> {
    let rendered = &checked.rendered;
    let reload = verified_reload(client, links, rendered, values, direct, timeout, emit).await?;
    let rules = prove_rules_loaded(links, &checked.rule_groups, timeout, emit).await?;
    let alertmanager = reload_alertmanager(client, rendered, values, true, timeout, emit).await?;
    Ok(ReloadOutcome { reload, rules, alertmanager })
}

/// The verified reload with its progress: `reload` is this, and `install` ends with it when the
/// running config is not the rendered one. Every replica is reloaded and verified.
pub async fn verified_reload(
    client: &kube::Client,
    links: &[ReplicaLink],
    rendered: &Rendered,
    values: &Values,
    direct: bool,
    timeout: Duration,
    emit: Emit<'_>,
) -> anyhow::Result<ReloadReport> {
    let workload = rendered.workload()?;
    let target = ReloadTarget {
        namespace: &values.namespace,
        pod_selector: workload.pod_selector.clone(),
        container: &workload.container_name,
        config_path: workload
            .config_path
            .as_deref()
            .ok_or_else(|| Failure::bug("the Prometheus Deployment renders no --config.file"))?,
        direct,
        timeout,
    };
    let mut replicas = Vec::with_capacity(links.len());
    for replica in links {
        replicas.push(ReloadReplica {
            name: replica.describe(),
            api: replica.api()?,
            pod_selector: replica.workload.pod_selector.clone(),
        });
    }
    let configmap = describe(rendered.prometheus_configmap()?);
    let several = replicas.len() > 1;
    let report = crate::reload::reload(client, rendered, &target, &replicas, |event| match event {
        ReloadEvent::Applied(change) => emit(Progress::resource(&configmap, Tone::Good, change.as_str(), "")),
        ReloadEvent::WaitingForFile { pod } => emit(Progress::resource(
            format!("pod {pod}"),
            Tone::Waiting,
            "waiting",
            "for the kubelet to project the new prometheus.yml",
        )),
        ReloadEvent::FileSeen { pod, seconds } => emit(Progress::resource(
            format!("pod {pod}"),
            Tone::Good,
            "sees the new file",
            format!("{seconds:.1}s after the apply"),
        )),
        ReloadEvent::Triggered { how } => emit(Progress::Detail(format!("reload triggered ({how})"))),
        ReloadEvent::Verified { replica } if several => emit(Progress::resource(replica, Tone::Good, "verified", "")),
        ReloadEvent::Verified { .. } => {}
    })
    .await?;
    emit(Progress::PhaseDone);
    if report.reloaded {
        let who = if several { format!("all {} replicas", report.replicas.len()) } else { "Prometheus".into() };
        emit(Progress::Outcome(format!(
            "reloaded and verified: {who} loaded the new config at {} with {} jobs ({:.1}s from apply to verified)",
            report.last_config_time,
            report.jobs.len(),
            report.verified_seconds
        )));
    } else {
        emit(Progress::Outcome("config unchanged and already loaded; nothing to reload".into()));
    }
    Ok(report)
}

fn describe(manifest: &Manifest) -> String {
    crate::cluster::describe(&manifest.kind, manifest.namespace.as_deref(), &manifest.name)
}

/// What `/api/v1/rules` showed: install and reload end with it in their JSON.
#[derive(Debug, Serialize)]
pub struct RulesProof {
    pub groups: usize,
    pub rules: usize,
    /// Seconds until Prometheus showed them as rendered.
    pub seconds: f64,
}

/// Asks `/api/v1/rules` until every rendered group shows with its rules, from the rendered file
/// version: the proof that install and reload end with. A loaded config whose rules never appear
/// (a rule file Prometheus could not read) fails with what differs.
pub async fn prove_rules_loaded(
    links: &[ReplicaLink],
    expected: &[GroupSummary],
    timeout: Duration,
    emit: Emit<'_>,
) -> anyhow::Result<RulesProof> {
    let started = tokio::time::Instant::now();
    let deadline = started + timeout;
    let mut proof = RulesProof { groups: 0, rules: 0, seconds: 0.0 };
    for link in links {
        let api = link.api()?;
        let on = if links.len() > 1 { format!(" on {}", link.describe()) } else { String::new() };
        let shown = poll::until(deadline, Duration::from_millis(500), async || {
            Ok(rules::compare_loaded(expected, &api.rules().await?))
        })
        .await?;
        match shown {
            Polled::Done((groups, rules)) => {
                if groups > 0 {
                    emit(Progress::Outcome(format!(
                        "rules loaded{on}: {}, as rendered (seen in /api/v1/rules)",
                        rules::count_groups_and_rules(groups, rules)
                    )));
                }
                proof = RulesProof { groups, rules, seconds: started.elapsed().as_secs_f64() };
            }
            Polled::TimedOut(differences) => {
                return Err(Failure::check_failed(format!(
                    "Prometheus{on} does not show the rendered rules after {}s: {}; its log says why a rule file was not read",
                    timeout.as_secs(),
                    differences.join("; ")
                ))
                .into());
            }
        }
    }
    Ok(proof)
}

/// The installed Alertmanager's HTTP API through the API server's service proxy, at the port its
/// rendered Service exposes.
pub fn alertmanager_api(client: &kube::Client, values: &Values, service: &Manifest) -> anyhow::Result<PrometheusApi> {
    let port = service.object.data["spec"]["ports"][0]["port"].as_u64().and_then(|p| u16::try_from(p).ok());
    let port =
        port.ok_or_else(|| Failure::bug(format!("the Alertmanager Service {} renders no port", service.name)))?;
    Ok(PrometheusApi::via_service_proxy(client.clone(), &values.namespace, &service.name, port).serving("Alertmanager"))
}

/// The installed Alertmanager's config loaded and proven (`reload::alertmanager`), after applying its
/// ConfigMap when `apply` (reload does; install has applied it already). None when promctl installs
/// no Alertmanager.
pub async fn reload_alertmanager(
    client: &kube::Client,
    rendered: &Rendered,
    values: &Values,
    apply: bool,
    timeout: Duration,
    emit: Emit<'_>,
) -> anyhow::Result<Option<AlertmanagerReload>> {
    let Some(workload) = rendered.alertmanager()? else {
        return Ok(None);
    };
    let (Some(service), Some(wanted)) = (rendered.service_of(&workload), rendered.alertmanager_yml()) else {
        return Err(Failure::bug("the Alertmanager templates render no Service or config").into());
    };
    if apply {
        let configmap = rendered.alertmanager_configmap().expect("alertmanager_yml came from this ConfigMap");
        let applied = crate::cluster::apply::apply_manifest(client, configmap, Default::default()).await?;
        emit(Progress::resource(describe(configmap), Tone::Good, applied.change.as_str(), ""));
    }
    let api = alertmanager_api(client, values, service)?;
    let report = crate::reload::alertmanager(client, &values.namespace, &workload, &api, wanted, timeout).await?;
    emit(Progress::PhaseDone);
    if report.reloaded {
        emit(Progress::Outcome(format!(
            "Alertmanager reloaded and verified: its config hash is the rendered file's ({:.1}s)",
            report.seconds
        )));
    } else {
        emit(Progress::Detail("Alertmanager runs the rendered config".into()));
    }
    Ok(Some(report))
}
