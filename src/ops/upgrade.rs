//! Reads what src/upgrade.rs judges before a running Prometheus 2 is switched to 3: the Content-Type
//! each target of the team's jobs answers, asked from inside the running Prometheus's pod (where the
//! targets are reachable, with the pod's own credentials files) as Prometheus 3 would ask.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::{Api, ResourceExt};

use crate::prometheus::PrometheusApi;
use crate::render::Rendered;
use crate::upgrade::{JobToRead, ReadTarget, TARGETS_READ_PER_JOB, TargetAnswer, read_wget, wget_command};
use crate::values::Values;

/// One wget's bound: busybox's wget in the test bed's images crashes on -T, so the exec is bounded here.
const READ_BOUND: Duration = Duration::from_secs(10);

/// Up to [`TARGETS_READ_PER_JOB`] active targets of each of `jobs`, in the running Prometheus (its
/// first replica's Ready pod; only those jobs' targets are kept from its answer), each with what its
/// answer's Content-Type was or why it was not read. A job with no active target there is reported
/// as not read.
pub async fn read_team_targets(
    client: &kube::Client,
    values: &Values,
    rendered: &Rendered,
    jobs: &[JobToRead],
) -> anyhow::Result<Vec<ReadTarget>> {
    let replica = rendered.replicas()?.into_iter().next().ok_or_else(|| anyhow::anyhow!("no Prometheus replica"))?;
    let namespace = &values.namespace;
    let pod = match crate::cluster::inspect::ready_pod(client, namespace, &replica.pod_selector).await? {
        Ok(pod) => pod.name_any(),
        Err(why) => anyhow::bail!("there is no Ready Prometheus pod to read them from: {why}"),
    };
    let names = jobs.iter().map(|j| j.name.clone()).collect();
    let api = PrometheusApi::via_pod_proxy(client.clone(), namespace, &pod, replica.port);
    let urls_by_job = api.target_urls_of(names).await?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut read = Vec::new();
    for job in jobs {
        let Some(urls) = urls_by_job.get(&job.name) else {
            let why = format!("the running Prometheus has no active target of job {} to read", job.name);
            read.push(ReadTarget { job: job.clone(), scrape_url: "(none)".into(), answer: TargetAnswer::NotRead(why) });
            continue;
        };
        for url in urls.iter().take(TARGETS_READ_PER_JOB) {
            let command = wget_command(url, job);
            let command: Vec<&str> = command.iter().map(String::as_str).collect();
            let exec = crate::cluster::pods::exec(&pods, &pod, &replica.container_name, &command);
            let answer = match tokio::time::timeout(READ_BOUND, exec).await {
                Ok(Ok(output)) => read_wget(&output.stderr, output.failure.as_deref()),
                Ok(Err(e)) => {
                    TargetAnswer::NotRead(format!("wget could not run in pod {pod}: {}", crate::error::message(&e)))
                }
                Err(_) => TargetAnswer::NotRead(format!("no answer within {}s", READ_BOUND.as_secs())),
            };
            read.push(ReadTarget { job: job.clone(), scrape_url: url.to_string(), answer });
        }
    }
    Ok(read)
}
