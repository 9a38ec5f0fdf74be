//! The installed objects and their RBAC, asked of the API server: the ServiceAccount, the ClusterRole
//! and its binding, what the account may effectively do, each replica's Deployment, pods and claim,
//! the Service's endpoints and Alertmanager's Deployment.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, PersistentVolumeClaim, Pod, ServiceAccount};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::api::{Api, ListParams};

use super::Check;
use crate::cluster::permissions::Access;
use crate::cluster::readiness::{self, Readiness};
use crate::render::Rendered;
use crate::values::Values;

/// The rules of the rendered ClusterRole: what Prometheus's ServiceAccount must be allowed to do.
pub fn rendered_rules(rendered: &Rendered) -> anyhow::Result<Vec<PolicyRule>> {
    let role = rendered.cluster_role()?;
    let role: ClusterRole = serde_json::from_value(serde_json::to_value(&role.object)?)?;
    Ok(role.rules.unwrap_or_default())
}

pub async fn cluster_checks(client: &Client, values: &Values, rendered: &Rendered) -> anyhow::Result<Vec<Check>> {
    let rules = rendered_rules(rendered)?;
    let ns = values.namespace.as_str();
    let mut checks = Vec::new();
    let account = rendered.service_account()?.name.as_str();
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), ns);
    checks.push(match accounts.get_opt(account).await? {
        Some(_) => Check::pass("ServiceAccount", format!("{ns}/{account} exists")),
        None => Check::fail("ServiceAccount", format!("{ns}/{account} is missing; run promctl install")),
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
    checks.push(discovery_permissions(client, ns, account, &rules).await?);

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
        let now = Timestamp::now();
        // A pod that is not Ready may sit on a NotReady node: the nodes are read only then.
        let unready = pods.items.iter().any(|p| !readiness::pod(p, now, Duration::ZERO).is_ready());
        let nodes = if unready { crate::cluster::inspect::nodes(client).await } else { Vec::new() };
        checks.push(judge_pods(&named("Pod Ready"), &pods.items, &nodes, selector, now));
        if let Some(claim_name) = &replica.claim {
            let claim = Api::<PersistentVolumeClaim>::namespaced(client.clone(), ns).get_opt(claim_name).await?;
            let requested = Quantity(values.storage.size.to_string());
            checks.push(Check::from_readiness(
                named("PVC Bound"),
                readiness::persistent_volume_claim(claim.as_ref(), &requested, false, true),
            ));
        }
    }
    let slices = Api::<EndpointSlice>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(&crate::cluster::endpoint_slices_of(&values.service.name)))
        .await?;
    checks.push(Check::from_readiness("Service has ready endpoints", readiness::service_endpoints(&slices.items)));
    // Every other workload the templates render (the Alertmanager, ...), by its role.
    for workload in rendered.workloads()?.iter().filter(|w| w.role != "prometheus") {
        let deployment = Api::<Deployment>::namespaced(client.clone(), ns).get_opt(&workload.deployment).await?;
        let name = format!("{} rolled out", workload.role_name());
        checks.push(Check::from_readiness(name, readiness::deployment(deployment.as_ref())));
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
    let wanted = access_reviews(rules);
    let allowed = crate::cluster::permissions::review(client, Some(&user), &wanted).await;
    let answers = wanted
        .iter()
        .zip(allowed)
        .map(|(access, allowed)| Ok((access.describe(), allowed?)))
        .collect::<Result<Vec<_>, kube::Error>>()?;
    Ok(judge_permissions(&user, &answers))
}

/// The verdict on the SubjectAccessReviews' answers: `(what, allowed)` per review, as
/// [`access_reviews`] names them.
pub fn judge_permissions(user: &str, answers: &[(String, bool)]) -> Check {
    let denied: Vec<String> = answers.iter().filter(|(_, allowed)| !allowed).map(|(what, _)| what.clone()).collect();
    if denied.is_empty() {
        Check::pass(
            "RBAC effective",
            format!("{user} may {}", answers.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>().join(", ")),
        )
    } else {
        Check::fail(
            "RBAC effective",
            format!("{user} may not {}; check the ClusterRoleBinding's subject", denied.join(", ")),
        )
    }
}

pub fn access_reviews(rules: &[PolicyRule]) -> Vec<Access> {
    let mut reviews = Vec::new();
    for rule in rules {
        for verb in &rule.verbs {
            for url in rule.non_resource_urls.iter().flatten() {
                reviews.push(Access::on_url(verb, url));
            }
            for group in rule.api_groups.iter().flatten() {
                for resource in rule.resources.iter().flatten() {
                    let (resource, subresource) = match resource.split_once('/') {
                        Some((r, sub)) => (r, Some(sub)),
                        None => (resource.as_str(), None),
                    };
                    reviews.push(Access::on_resource(verb, group, resource, subresource, None));
                }
            }
        }
    }
    reviews
}

/// A replica passes when one of its pods (not being deleted) is Ready at `now`; otherwise the first
/// pod's reason, or that no pod has its labels.
pub fn judge_pods(name: &str, pods: &[Pod], nodes: &[Node], selector: &str, now: Timestamp) -> Check {
    let live: Vec<&Pod> = pods.iter().filter(|p| p.metadata.deletion_timestamp.is_none()).collect();
    let verdicts: Vec<Readiness> = live.iter().map(|p| readiness::pod(p, now, Duration::ZERO)).collect();
    if let Some(ready) = verdicts.iter().find(|r| r.is_ready()) {
        return Check::pass(name, ready.reason());
    }
    let Some((pod, verdict)) = live.first().zip(verdicts.first()) else {
        return Check::fail(name, format!("no pod with labels {selector}"));
    };
    // A pod on a NotReady node is not Ready because of its node: that is the cause to name.
    let on = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
    let node = nodes.iter().find(|n| n.metadata.name.as_deref() == on).and_then(readiness::node_not_ready);
    match node {
        Some(node) => Check::fail(name, format!("{}; {node}", verdict.reason())),
        None => Check::fail(name, verdict.reason()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_not_ready_on_a_node_whose_kubelet_stopped_names_the_node_and_its_condition() {
        let list: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/kubernetes/pods-on-stopped-node.json")).unwrap();
        let pods: Vec<Pod> = serde_json::from_value(list["items"].clone()).unwrap();
        let node: Node =
            serde_json::from_str(include_str!("../../tests/fixtures/kubernetes/node-kubelet-stopped.json")).unwrap();
        let now: Timestamp = "2026-12-03T12:29:20Z".parse().unwrap();
        let check = judge_pods("Pod Ready", &pods, std::slice::from_ref(&node), "app=prometheus", now);
        assert!(!check.passed);
        assert!(check.detail.starts_with("pod prometheus-68d844f878-lsrsz Running, not Ready yet; the node promctl-node is NotReady (Unknown) since 2026-12-03T12:28:31Z: NodeStatusUnknown Kubelet stopped posting node status.; fix the node (kubelet)"), "{}", check.detail);
        // Without the nodes (not readable), the pod's own state alone.
        let check = judge_pods("Pod Ready", &pods, &[], "app=prometheus", now);
        assert_eq!(check.detail, "pod prometheus-68d844f878-lsrsz Running, not Ready yet");
    }

    #[test]
    fn access_reviews_follow_the_rendered_cluster_role() {
        let values = crate::values::load(&[], &[], None).unwrap();
        let rendered = crate::render::render(&values, &[]).unwrap();
        let reviews = access_reviews(&rendered_rules(&rendered).unwrap());
        let names: Vec<String> = reviews.iter().map(Access::describe).collect();
        for wanted in [
            "list pods",
            "watch nodes",
            "get nodes/metrics",
            "list endpointslices.discovery.k8s.io",
            "watch endpointslices.discovery.k8s.io",
            "get /metrics",
        ] {
            assert!(names.iter().any(|n| n == wanted), "{wanted} missing from {names:?}");
        }
        assert!(!names.iter().any(|n| n.ends_with(" endpoints")), "core/v1 Endpoints are not used: {names:?}");
        let slices = reviews.iter().find(|a| a.describe() == "list endpointslices.discovery.k8s.io").unwrap();
        let slices = slices.resource.as_ref().unwrap();
        assert_eq!(
            (slices.group.as_deref(), slices.resource.as_deref()),
            (Some("discovery.k8s.io"), Some("endpointslices"))
        );
        let metrics = reviews.iter().find(|a| a.describe() == "get nodes/metrics").unwrap();
        assert_eq!(metrics.resource.as_ref().unwrap().subresource.as_deref(), Some("metrics"));
    }
}
