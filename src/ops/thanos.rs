//! Each Prometheus replica's Thanos sidecar (values thanos.sidecar), read through the API server's
//! pod proxy and judged by validation::thanos: validate's checks, doctor's findings.

use super::reach::ReplicaLink;
use crate::cluster;
use crate::prometheus::PrometheusApi;
use crate::values::Values;

/// Each replica's Thanos sidecar, judged from its metrics (through the API server's pod proxy) and log.
pub async fn sidecar_verdicts(
    client: &kube::Client,
    values: &Values,
    links: &[ReplicaLink],
) -> anyhow::Result<Vec<crate::validation::thanos::SidecarVerdict>> {
    use crate::validation::thanos::{SIDECAR_CONTAINER, SIDECAR_HTTP_PORT, judge_sidecar};
    let uploads = !values.thanos.sidecar.objstore_secret.is_empty();
    let mut verdicts = Vec::new();
    for replica in links {
        let pod = match &replica.pod {
            Some(pod) => Ok(pod.clone()),
            None => cluster::inspect::ready_pod(client, &values.namespace, &replica.workload.pod_selector)
                .await?
                .map(|p| p.metadata.name.unwrap_or_default()),
        };
        verdicts.push(match pod {
            Ok(pod) => {
                let sidecar = PrometheusApi::via_pod_proxy(client.clone(), &values.namespace, &pod, SIDECAR_HTTP_PORT)
                    .serving("the Thanos sidecar");
                let selector = &replica.workload.pod_selector;
                let log = cluster::inspect::recent_logs(client, &values.namespace, selector, SIDECAR_CONTAINER).await;
                judge_sidecar(&pod, &sidecar.metrics_text().await, Some(&log), uploads)
            }
            Err(why) => crate::validation::thanos::SidecarVerdict {
                name: format!("Thanos sidecar ({})", replica.workload.deployment),
                state: format!("no Ready pod to ask: {why}"),
                fix: Some("see the pods above".into()),
            },
        });
    }
    Ok(verdicts)
}
