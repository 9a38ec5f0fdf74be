//! A config reload that is proven, not hoped for: apply the ConfigMap, wait until the running
//! Prometheus can see the new file, trigger the reload, and succeed only when Prometheus reports a
//! successful load newer than before AND serves the config that was applied.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kube::{Client, ResourceExt};
use serde::Serialize;

use crate::cluster::apply::{ApplyOptions, Change, apply_manifest};
use crate::error::Failure;
use crate::poll::{self, Polled};
pub use crate::promconfig::{ConfigSignature, JobSignature};
use crate::prometheus::{PrometheusApi, ReloadError};
use crate::render::{Rendered, Workload};

/// What happened, for progress lines. Core modules never print.
#[derive(Debug, Clone)]
pub enum ReloadEvent {
    Applied(Change),
    WaitingForFile { pod: String },
    FileSeen { pod: String, seconds: f64 },
    Triggered { how: &'static str },
    Verified { replica: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct ReloadReport {
    pub changed: bool,
    pub reloaded: bool,
    /// Seconds from the ConfigMap apply until every pod could see the new file (None: not observable).
    pub file_seen_seconds: Option<f64>,
    /// Seconds from the ConfigMap apply until the reload was verified on every replica.
    pub verified_seconds: f64,
    /// The last replica's.
    pub last_config_time: String,
    pub jobs: Vec<String>,
    /// Each replica, in order, with what it showed once verified.
    pub replicas: Vec<ReplicaReloaded>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplicaReloaded {
    pub name: String,
    pub last_config_time: String,
    pub verified_seconds: f64,
}

pub struct ReloadTarget<'a> {
    pub namespace: &'a str,
    /// Label selector of every Prometheus pod (all replicas').
    pub pod_selector: String,
    pub container: &'a str,
    /// Where the container reads prometheus.yml.
    pub config_path: &'a str,
    /// True when Prometheus is reached directly (--prometheus-url): the pods' files cannot be watched.
    pub direct: bool,
    pub timeout: Duration,
}

/// One Prometheus to reload and verify: a replica of an HA set reached on its own, or the one
/// Prometheus behind the Service or --prometheus-url.
pub struct ReloadReplica<'a> {
    pub name: String,
    pub api: &'a PrometheusApi,
    /// Its pods (for SIGHUP when the lifecycle API is off).
    pub pod_selector: String,
}

pub async fn reload(
    client: &Client,
    rendered: &Rendered,
    target: &ReloadTarget<'_>,
    replicas: &[ReloadReplica<'_>],
    mut on_event: impl FnMut(ReloadEvent),
) -> anyhow::Result<ReloadReport> {
    let configmap = rendered.prometheus_configmap()?;
    let mut before = Vec::with_capacity(replicas.len());
    for replica in replicas {
        before.push(replica.api.runtime_info().await?);
    }
    let started = Instant::now();
    let deadline = started + target.timeout;
    let applied = apply_manifest(client, configmap, ApplyOptions::default()).await?;
    on_event(ReloadEvent::Applied(applied.change));
    let wanted = ConfigSignature::of(&rendered.prometheus_yml).map_err(rendered_unreadable)?;
    let jobs: Vec<String> = wanted.jobs.keys().cloned().collect();
    if applied.change == Change::Unchanged {
        let mut all_loaded = true;
        for replica in replicas {
            all_loaded &= ConfigSignature::of(&replica.api.config().await?).map_err(served_unreadable)? == wanted;
        }
        if all_loaded {
            return Ok(ReloadReport {
                changed: false,
                reloaded: false,
                file_seen_seconds: None,
                verified_seconds: 0.0,
                last_config_time: before.last().map(|b| b.last_config_time.clone()).unwrap_or_default(),
                jobs,
                replicas: Vec::new(),
            });
        }
    }

    let pods: Api<Pod> = Api::namespaced(client.clone(), target.namespace);
    let running = pods.list(&ListParams::default().labels(&target.pod_selector)).await?.items;
    let mut file_seen_seconds = None;
    if !target.direct {
        crate::cluster::pods::touch(&pods, &running, &rendered.prometheus_yml).await;
        if let Some(seconds) =
            wait_for_file(&pods, &running, target, &rendered.prometheus_yml, started, deadline, &mut on_event).await?
        {
            file_seen_seconds = Some(seconds);
        }
    }

    let mut reloaded = Vec::with_capacity(replicas.len());
    for (replica, before) in replicas.iter().zip(&before) {
        let last_config_time = reload_one(replica, before, &pods, target, &wanted, deadline, &mut on_event).await?;
        reloaded.push(ReplicaReloaded {
            name: replica.name.clone(),
            last_config_time,
            verified_seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok(ReloadReport {
        changed: applied.change != Change::Unchanged,
        reloaded: true,
        file_seen_seconds,
        verified_seconds: started.elapsed().as_secs_f64(),
        last_config_time: reloaded.last().map(|r| r.last_config_time.clone()).unwrap_or_default(),
        jobs,
        replicas: reloaded,
    })
}

/// Reloads one Prometheus until it serves the applied config; returns its new lastConfigTime. More
/// than one round only when the file could not be watched: reloading the old file is harmless, and the
/// next round reads the new one.
async fn reload_one(
    replica: &ReloadReplica<'_>,
    before: &crate::prometheus::RuntimeInfo,
    pods: &Api<Pod>,
    target: &ReloadTarget<'_>,
    wanted: &ConfigSignature,
    deadline: Instant,
    on_event: &mut impl FnMut(ReloadEvent),
) -> anyhow::Result<String> {
    let api = replica.api;
    let verified = poll::until(deadline.into(), Duration::from_secs(2), async || {
        let how = trigger(api, pods, &replica.pod_selector, target)
            .await
            .map_err(|e| rejected(e, &replica.name, &before.last_config_time))?;
        on_event(ReloadEvent::Triggered { how });
        let after = api.runtime_info().await?;
        if !after.reload_config_success {
            return Err(Failure::check_failed(format!(
                "{} reports the last reload failed (see its log); the config loaded at {} keeps running",
                replica.name, before.last_config_time
            ))
            .into());
        }
        // lastConfigTime has one-second resolution: equal means "reloaded within the same second".
        let newer = match (after.last_config_time_parsed(), before.last_config_time_parsed()) {
            (Some(a), Some(b)) => a >= b,
            _ => after.last_config_time != before.last_config_time,
        };
        Ok(if newer && ConfigSignature::of(&api.config().await?).map_err(served_unreadable)? == *wanted {
            Ok(after.last_config_time)
        } else {
            Err(())
        })
    })
    .await?;
    match verified {
        Polled::Done(last_config_time) => {
            on_event(ReloadEvent::Verified { replica: replica.name.clone() });
            Ok(last_config_time)
        }
        Polled::TimedOut(()) => Err(Failure::timed_out(format!(
            "{} still serves the previous config {}s after the apply; the kubelet has not projected the \
             new ConfigMap into the pod yet. Run promctl reload again later, or raise --timeout",
            replica.name,
            target.timeout.as_secs()
        ))
        .into()),
    }
}

fn rejected(error: ReloadError, replica: &str, previous: &str) -> anyhow::Error {
    match error {
        ReloadError::Rejected(message) => Failure::check_failed(format!(
            "{replica} rejected the new config: {}\nthe previous config (loaded at {previous}) is still the one running",
            message.trim()
        ))
        .into(),
        ReloadError::LifecycleDisabled => {
            Failure::check_failed(
                "POST /-/reload is refused (Prometheus runs without --web.enable-lifecycle) and SIGHUP through exec failed; \
                 start Prometheus with --web.enable-lifecycle (promctl's templates do), or let this user create pods/exec",
            )
            .into()
        }
        ReloadError::Other(e) => e,
    }
}

/// POST /-/reload; with the lifecycle API off, SIGHUP to PID 1 through exec (no answer, runtimeinfo tells).
async fn trigger(
    api: &PrometheusApi,
    pods: &Api<Pod>,
    pod_selector: &str,
    target: &ReloadTarget<'_>,
) -> Result<&'static str, ReloadError> {
    match api.reload().await {
        Ok(()) => Ok("POST /-/reload"),
        Err(ReloadError::LifecycleDisabled) if !target.direct => {
            let running = pods
                .list(&ListParams::default().labels(pod_selector))
                .await
                .map_err(|e| ReloadError::Other(e.into()))?
                .items;
            for pod in &running {
                exec_output(pods, &pod.name_any(), target.container, &["kill", "-HUP", "1"])
                    .await
                    .map_err(|_| ReloadError::LifecycleDisabled)?;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok("SIGHUP")
        }
        Err(e) => Err(e),
    }
}

/// Waits until every running pod's mounted prometheus.yml is the applied one (read through exec).
/// Returns None when exec is not possible (no permission, no `cat`): then the reload loop decides.
async fn wait_for_file(
    pods: &Api<Pod>,
    running: &[Pod],
    target: &ReloadTarget<'_>,
    wanted: &str,
    started: Instant,
    deadline: Instant,
    on_event: &mut impl FnMut(ReloadEvent),
) -> anyhow::Result<Option<f64>> {
    for pod in running.iter().filter(|p| p.metadata.deletion_timestamp.is_none()) {
        let name = pod.name_any();
        on_event(ReloadEvent::WaitingForFile { pod: name.clone() });
        // Ok(false): the file cannot be read through exec (no permission, no `cat`).
        let seen = poll::until(deadline.into(), Duration::from_millis(500), async || {
            Ok(match exec_output(pods, &name, target.container, &["cat", target.config_path]).await {
                Ok(text) if text == wanted => Ok(true),
                Ok(_) => Err(()),
                Err(_) => Ok(false),
            })
        })
        .await?;
        match seen {
            Polled::Done(true) => {}
            Polled::Done(false) => return Ok(None),
            Polled::TimedOut(()) => {
                return Err(Failure::timed_out(format!(
                    "pod {name} still has the previous {} {}s after the apply (the kubelet projects \
                     ConfigMap updates after its sync period); raise --timeout",
                    target.config_path,
                    target.timeout.as_secs()
                ))
                .into());
            }
        }
        on_event(ReloadEvent::FileSeen { pod: name, seconds: started.elapsed().as_secs_f64() });
    }
    Ok(Some(started.elapsed().as_secs_f64()))
}

/// `command`'s standard output in the container, or a failure naming the command and the pod.
async fn exec_output(pods: &Api<Pod>, pod: &str, container: &str, command: &[&str]) -> anyhow::Result<String> {
    let output = crate::cluster::pods::exec(pods, pod, container, command).await?;
    match output.failure {
        Some(message) => Err(Failure::check_failed(format!("{} in pod {pod}: {message}", command.join(" "))).into()),
        None => Ok(output.stdout),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertmanagerReload {
    /// False when Alertmanager already ran the rendered config.
    pub reloaded: bool,
    pub seconds: f64,
}

/// Alertmanager's verified reload: makes the running Alertmanager load `wanted` (its ConfigMap already applied) and proves it: its
/// `alertmanager_config_hash` equals the hash of the rendered file and the last reload succeeded. A
/// config Alertmanager rejects fails with its own message (the previous config keeps running).
pub async fn alertmanager(
    client: &kube::Client,
    namespace: &str,
    workload: &Workload,
    api: &PrometheusApi,
    wanted: &str,
    timeout: Duration,
) -> anyhow::Result<AlertmanagerReload> {
    let started = Instant::now();
    let hash = crate::alertmanager::config_hash_metric(wanted);
    let loaded = |metrics: &str| {
        crate::alertmanager::metric_value(metrics, "alertmanager_config_hash") == Some(hash)
            && crate::alertmanager::metric_value(metrics, "alertmanager_config_last_reload_successful") == Some(1.0)
    };
    if loaded(&api.metrics_text().await?) {
        return Ok(AlertmanagerReload { reloaded: false, seconds: 0.0 });
    }
    // The kubelet projects a changed ConfigMap on its own schedule; touching the pod makes it look now.
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let running = pods.list(&ListParams::default().labels(&workload.pod_selector)).await?.items;
    crate::cluster::pods::touch(&pods, &running, wanted).await;
    let deadline = tokio::time::Instant::from_std(started) + timeout;
    let reloaded = poll::until(deadline, Duration::from_secs(1), async || {
        match api.reload().await {
            Ok(()) => {}
            Err(ReloadError::Rejected(reason)) => {
                return Err(Failure::check_failed(format!(
                    "Alertmanager rejected the new config: {reason}; the previous config keeps running. Fix values alertmanager.config"
                ))
                .into());
            }
            Err(other) => return Err(alertmanager_reload_failed(other)),
        }
        Ok(if loaded(&api.metrics_text().await?) { Ok(()) } else { Err(()) })
    })
    .await?;
    match reloaded {
        Polled::Done(()) => Ok(AlertmanagerReload { reloaded: true, seconds: started.elapsed().as_secs_f64() }),
        Polled::TimedOut(()) => Err(Failure::timed_out(format!(
            "Alertmanager did not load the rendered config within {}s (its config hash is another one): the kubelet may not have projected the ConfigMap yet; run promctl reload again",
            timeout.as_secs()
        ))
        .into()),
    }
}

/// A reload of Alertmanager that failed other than by rejecting the config: the client's own failure
/// (unreachable: exit 3, naming Alertmanager) stays the cause, never a string (which exited 101).
fn alertmanager_reload_failed(error: ReloadError) -> anyhow::Error {
    anyhow::Error::new(error).context("reloading Alertmanager")
}

/// How the config Prometheus runs differs from the rendered one (`ConfigSignature::differences`);
/// empty when it runs the rendered one. validate reports a drift, install finishes the reload.
pub async fn config_drift(api: &PrometheusApi, rendered: &str) -> anyhow::Result<Vec<String>> {
    let running = ConfigSignature::of(&api.config().await?).map_err(served_unreadable)?;
    Ok(ConfigSignature::of(rendered).map_err(rendered_unreadable)?.differences(&running))
}

/// The rendered prometheus.yml passed the static check, so it parses: if not, the bug is promctl's.
fn rendered_unreadable(why: String) -> Failure {
    Failure::bug(format!("the rendered prometheus.yml does not parse: {why}"))
}

fn served_unreadable(why: String) -> Failure {
    Failure::check_failed(format!("the config Prometheus serves at /api/v1/status/config does not parse: {why}"))
}

#[cfg(test)]
mod tests {
    use super::ConfigSignature;

    #[test]
    fn loaded_config_matches_despite_prometheus_rewriting_it() {
        let applied = "global:\n  scrape_interval: 30s\n  evaluation_interval: 30s\nscrape_configs:\n  - job_name: django\n    scrape_interval: \"15s\"\n  - job_name: redis\n";
        let served = "global:\n  scrape_interval: 30s\n  scrape_timeout: 10s\n  evaluation_interval: 30s\nscrape_configs:\n- job_name: redis\n  honor_timestamps: true\n  scrape_interval: 30s\n  scrape_timeout: 10s\n  metrics_path: /metrics\n  scheme: http\n- job_name: django\n  scrape_interval: 15s\n  scrape_timeout: 10s\n  metrics_path: /metrics\n";
        assert_eq!(ConfigSignature::of(applied).unwrap(), ConfigSignature::of(served).unwrap());
        assert_eq!(ConfigSignature::of(applied).unwrap().jobs.len(), 2);
        assert!(ConfigSignature::of(applied).unwrap().differences(&ConfigSignature::of(served).unwrap()).is_empty());
    }

    #[test]
    fn a_drift_is_described_job_by_job() {
        let rendered = ConfigSignature::of(
            "global: {evaluation_interval: 20s}\nscrape_configs:\n  - {job_name: django, scrape_interval: 15s}\n  - {job_name: extra}\n",
        )
        .unwrap();
        let running = ConfigSignature::of(
            "global: {evaluation_interval: 30s}\nscrape_configs:\n  - {job_name: django, scrape_interval: 20s}\n  - {job_name: gone}\n",
        )
        .unwrap();
        assert_eq!(
            rendered.differences(&running),
            [
                "evaluation_interval: rendered 20s, running 30s",
                "job django: rendered every 15s (timeout 10s, /metrics), running every 20s (timeout 10s, /metrics)",
                "job extra: rendered, not running",
                "job gone: running, no longer rendered",
            ]
        );
    }

    #[tokio::test]
    async fn an_unreachable_alertmanager_during_reload_is_unreachable_naming_it_not_a_bug() {
        // A port nobody listens on, on loopback: the connection is refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let api = super::PrometheusApi::direct(&format!("http://127.0.0.1:{port}")).unwrap().serving("Alertmanager");
        let error = super::alertmanager_reload_failed(api.reload().await.unwrap_err());
        assert_eq!(crate::error::kind_of(&error), crate::error::FailureKind::Unreachable);
        let message = format!("{error:#}");
        assert!(
            message.starts_with("reloading Alertmanager: POST /-/reload failed: cannot reach Alertmanager"),
            "{message}"
        );
        assert!(!message.contains("Prometheus"), "{message}");
    }

    /// Prometheus's default timeout is 10 s or the global interval when that is shorter (found on a
    /// recorded answer: the signature said 10 s where Prometheus serves 1 s, a drift that was not).
    #[test]
    fn an_unset_global_timeout_is_the_global_interval_when_shorter_as_prometheus_has_it() {
        let written = "global: {scrape_interval: 1s}\nscrape_configs:\n  - {job_name: slow, scrape_interval: 30s}\n";
        let served = "global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n  - {job_name: slow, scrape_interval: 30s, scrape_timeout: 1s}\n";
        let (written, served) = (ConfigSignature::of(written).unwrap(), ConfigSignature::of(served).unwrap());
        assert_eq!(written.differences(&served), Vec::<String>::new());
        assert!(ConfigSignature::of("scrape_configs: [").is_err(), "not YAML is an error, not an empty signature");
    }
}
