//! The doctor operation: read-only, it looks at the pods, claims, permissions, annotations, down
//! targets and config drift, and returns each problem with its fix.

use super::Checked;
use super::reach::{Route, reach_prometheus, replica_links};
use crate::cluster::{self, ClusterOptions};
use crate::doctor::{self, Diagnosis, Finding};
use crate::error::Failure;
use crate::progress::{Emit, Progress};
use crate::validation::ReplicaUnderTest;
use crate::values::{JobRole, Values};

impl Diagnosis {
    /// Ok when nothing is wrong; otherwise a failed check (exit 1) counting the problems by area.
    pub fn verdict(&self) -> Result<(), Failure> {
        if self.findings.is_empty() {
            return Ok(());
        }
        let areas: std::collections::BTreeSet<&str> = self.findings.iter().map(|f| f.area).collect();
        let count = match self.findings.len() {
            1 => "1 problem".to_string(),
            n => format!("{n} problems"),
        };
        Err(Failure::check_failed(format!("{count} found ({})", areas.into_iter().collect::<Vec<_>>().join(", "))))
    }
}

pub async fn diagnose(
    client: &kube::Client,
    cluster_options: &ClusterOptions,
    route: &Route,
    checked: &Checked,
    values: &Values,
    emit: Emit<'_>,
) -> anyhow::Result<Diagnosis> {
    let rendered = &checked.rendered;
    let ns = values.namespace.as_str();
    let replicas = rendered.replicas()?;
    let mut diagnosis = Diagnosis::default();

    emit(Progress::Step(format!("looking at the pods of every workload in namespace {ns}")));
    doctor::pods(client, ns, &rendered.workloads()?, &mut diagnosis).await?;
    emit(Progress::Step("looking at the claims and the StorageClass".into()));
    doctor::storage(client, ns, values, &replicas, &mut diagnosis).await?;
    emit(Progress::Step("asking the API server what the ServiceAccount may do (SubjectAccessReviews)".into()));
    let account = rendered.service_account()?.name.as_str();
    let role = rendered.cluster_role()?.name.as_str();
    doctor::permissions(client, ns, account, &rendered.prometheus_yml, role, &mut diagnosis).await?;
    // The annotation jobs (by their role in values.yaml), whose targets come from annotated Services
    // and pods anywhere in the cluster.
    let annotated_services = values.job_with_role(JobRole::AnnotatedServices).is_some();
    let annotated_pods = values.job_with_role(JobRole::AnnotatedPods).is_some();
    // Every pod of the cluster: annotated pods, the pods behind annotated Services, and the pod a
    // down target's IP belongs to.
    let all_pods = cluster::inspect::all_pods(client).await?;
    if annotated_services || annotated_pods {
        emit(Progress::Step("looking at the prometheus.io annotations of Services and pods".into()));
        let services = if annotated_services { cluster::inspect::all_services(client).await? } else { Vec::new() };
        let found = doctor::annotation_problems(&services, &all_pods, annotated_pods);
        if found.is_empty() {
            diagnosis.fine.push("every prometheus.io annotation is complete and names a port that exists".into());
        }
        diagnosis.findings.extend(found);
    }

    let link = reach_prometheus(cluster_options, route, values).await?;
    // --prometheus-url names the one Prometheus to ask.
    let replica_client = Some(client).filter(|_| !matches!(route, Route::Url(_)));
    let links = replica_links(replica_client, &link, rendered, values).await?;
    emit(Progress::Step("asking Prometheus for its targets and its config".into()));
    let first = links.iter().find_map(|l| l.api.as_ref().ok().map(|api| (l, api)));
    match first {
        Some((replica, api)) => match api.target_tally().await {
            Ok(targets) => {
                let pod = match &replica.pod {
                    Some(pod) => Some(pod.clone()),
                    None => cluster::inspect::ready_pod(client, ns, &replica.workload.pod_selector)
                        .await?
                        .ok()
                        .map(|p| p.metadata.name.unwrap_or_default()),
                };
                let from = pod.as_deref().map(|p| (client, ns, p, replica.workload.container_name.as_str()));
                // A down target's node may be the cause: read the nodes when any is down.
                let nodes = match targets.down_errors().next() {
                    Some(_) => cluster::inspect::node_view(client).await,
                    None => Default::default(),
                };
                doctor::down_targets(&targets, &all_pods, &nodes, from, &mut diagnosis).await;
                let fs = match (pod.as_deref(), replica.workload.data_path.as_deref()) {
                    (Some(pod), Some(path)) => {
                        doctor::filesystem(client, ns, pod, &replica.workload.container_name, path).await
                    }
                    _ => Err("no Ready pod to read it in".to_string()),
                };
                doctor::capacity(api, values, fs, &mut diagnosis).await;
            }
            Err(e) => diagnosis.findings.push(Finding {
                area: "targets",
                object: "Prometheus".into(),
                problem: format!("its targets cannot be read: {}", crate::error::message(&e)),
                fix: "see the pods above; is it Ready?".into(),
            }),
        },
        None => diagnosis.findings.push(Finding {
            area: "targets",
            object: "Prometheus".into(),
            problem: "no replica has a Ready pod to ask".into(),
            fix: "see the pods above".into(),
        }),
    }
    if values.thanos.sidecar.enabled {
        emit(Progress::Step("asking each Thanos sidecar how it is (its metrics and log)".into()));
        for sidecar in super::thanos::sidecar_verdicts(client, values, &links).await? {
            match sidecar.fix {
                Some(fix) => diagnosis.found("thanos", sidecar.name, sidecar.state, fix),
                None => diagnosis.fine.push(format!("{}: {}", sidecar.name, sidecar.state)),
            }
        }
    }
    let apis: Vec<ReplicaUnderTest> = links.iter().map(|l| l.under_test(l.describe())).collect();
    doctor::config_drift(&apis, &rendered.prometheus_yml, &mut diagnosis).await;
    emit(Progress::PhaseDone);
    Ok(diagnosis)
}
