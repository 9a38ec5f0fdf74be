use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ListParams};
use promctl::doctor::{self, Diagnosis};
use promctl::error::Failure;
use promctl::report::{Reporter, Tone};
use promctl::validation::ReplicaUnderTest;
use serde_json::json;

use super::{connect, load_values, reach_prometheus, render_checked, replica_links};
use crate::cli::{DoctorArgs, GlobalArgs};

/// The annotation jobs, whose targets come from annotated Services and pods anywhere in the cluster.
const SERVICE_ANNOTATION_JOB: &str = "kubernetes-service-endpoints";
const POD_ANNOTATION_JOB: &str = "kubernetes-pods";

pub async fn exec(global: &GlobalArgs, args: &DoctorArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let checked = render_checked(&values, &args.values)?;
    let rendered = &checked.rendered;
    let client = connect(global).await?;
    let ns = values.namespace.as_str();
    let replicas = rendered.replicas()?;
    let mut diagnosis = Diagnosis::default();

    reporter.step(&format!("looking at the Prometheus pods in namespace {ns}"));
    doctor::pods(&client, ns, &replicas, &mut diagnosis).await?;
    reporter.step("looking at the claims and the StorageClass");
    doctor::storage(&client, ns, &values, &replicas, &mut diagnosis).await?;
    reporter.step("asking the API server what the ServiceAccount may do (SubjectAccessReviews)");
    doctor::permissions(
        &client,
        ns,
        &values.name,
        &rendered.prometheus_yml,
        &values.rbac.cluster_role_name,
        &mut diagnosis,
    )
    .await?;
    let jobs: Vec<&str> = checked.config.jobs.iter().map(|j| j.name.as_str()).collect();
    // Every pod of the cluster: annotated pods, the pods behind annotated Services, and the pod a
    // down target's IP belongs to.
    let all_pods = Api::<Pod>::all(client.clone()).list(&ListParams::default()).await?.items;
    if jobs.contains(&SERVICE_ANNOTATION_JOB) || jobs.contains(&POD_ANNOTATION_JOB) {
        reporter.step("looking at the prometheus.io annotations of Services and pods");
        let services = if jobs.contains(&SERVICE_ANNOTATION_JOB) {
            Api::<Service>::all(client.clone()).list(&ListParams::default()).await?.items
        } else {
            Vec::new()
        };
        let found = doctor::annotation_problems(&services, &all_pods, jobs.contains(&POD_ANNOTATION_JOB));
        if found.is_empty() {
            diagnosis.fine.push("every prometheus.io annotation is complete and names a port that exists".into());
        }
        diagnosis.findings.extend(found);
    }

    let link = reach_prometheus(global, &args.access, &values).await?;
    // --prometheus-url names the one Prometheus to ask.
    let replica_client = Some(&client).filter(|_| args.access.prometheus_url.is_none());
    let links = replica_links(replica_client, &link, rendered, &values).await?;
    reporter.step("asking Prometheus for its targets and its config");
    let first = links.iter().find_map(|l| l.api.as_ref().ok().map(|api| (l, api)));
    match first {
        Some((replica, api)) => match api.targets().await {
            Ok(targets) => {
                let pod = match &replica.pod {
                    Some(pod) => Some(pod.clone()),
                    None => promctl::cluster::inspect::ready_pod(&client, ns, &replica.workload.pod_selector)
                        .await?
                        .ok()
                        .map(|p| p.metadata.name.unwrap_or_default()),
                };
                let from = pod.as_deref().map(|p| (&client, ns, p, replica.workload.container_name.as_str()));
                doctor::down_targets(&targets, &all_pods, from, &mut diagnosis).await;
            }
            Err(e) => diagnosis.findings.push(doctor::Finding {
                area: "targets",
                object: "Prometheus".into(),
                problem: format!("its targets cannot be read: {e:#}"),
                fix: "see the pods above; is it Ready?".into(),
            }),
        },
        None => diagnosis.findings.push(doctor::Finding {
            area: "targets",
            object: "Prometheus".into(),
            problem: "no replica has a Ready pod to ask".into(),
            fix: "see the pods above".into(),
        }),
    }
    let apis: Vec<ReplicaUnderTest> = links.iter().map(|l| l.under_test(l.describe())).collect();
    doctor::config_drift(&apis, &rendered.prometheus_yml, &mut diagnosis).await;
    reporter.finish();

    for fine in &diagnosis.fine {
        reporter.text(&format!("{} {fine}", reporter.paint(Tone::Good, "ok  ")));
    }
    for finding in &diagnosis.findings {
        reporter.text(&format!(
            "{} [{}] {}: {}\n     fix: {}",
            reporter.paint(Tone::Bad, "PROBLEM"),
            finding.area,
            finding.object,
            finding.problem.replace('\n', "\n     "),
            finding.fix
        ));
    }
    reporter.document(&json!({
        "command": "doctor",
        "namespace": ns,
        "healthy": diagnosis.findings.is_empty(),
        "findings": diagnosis.findings,
        "fine": diagnosis.fine,
    }));
    if diagnosis.findings.is_empty() {
        reporter.text(&format!("no problems found ({} things looked at)", diagnosis.fine.len()));
        return Ok(0);
    }
    let areas: std::collections::BTreeSet<&str> = diagnosis.findings.iter().map(|f| f.area).collect();
    Err(Failure::check_failed(format!(
        "{} problems found ({})",
        diagnosis.findings.len(),
        areas.into_iter().collect::<Vec<_>>().join(", ")
    ))
    .into())
}
