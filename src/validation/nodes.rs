//! The nodes behind down targets. A kubelet that stops takes its node's targets (the kubelet, its
//! cAdvisor, the pods on it) down with it, and Prometheus only says "context deadline exceeded" or
//! "connection refused": the node and its condition are the cause a person needs.

use std::collections::BTreeMap;

use super::Check;
use crate::cluster::readiness::NodeView;
use crate::prometheus::JobHealth;

/// The pods (`namespace/name`) that down targets belong to, as validate's examples name them: whose
/// nodes to read.
pub fn target_pods(jobs: &[JobHealth]) -> Vec<&str> {
    let mut pods: Vec<&str> = jobs
        .iter()
        .flat_map(|j| j.down_errors.iter().flat_map(|g| &g.examples))
        .filter_map(|e| e.owner.as_deref())
        .collect();
    pods.sort_unstable();
    pods.dedup();
    pods
}

/// Each job's check, when one of its down targets (the examples kept) sits on a NotReady node or one
/// whose kubelet stopped renewing its lease, with that node named with its condition and the fix (once
/// per node). `pod_nodes` maps a target's pod (`namespace/name`) to its node; a target scraping a
/// node's address is that node's.
pub fn judge_target_nodes(
    checks: &mut [Check],
    jobs: &[JobHealth],
    nodes: &NodeView,
    pod_nodes: &BTreeMap<String, String>,
) {
    for job in jobs {
        let mut causes: Vec<String> = Vec::new();
        for example in job.down_errors.iter().flat_map(|g| &g.examples) {
            let pod_node = example.owner.as_ref().and_then(|pod| pod_nodes.get(pod)).map(String::as_str);
            if let Some(why) = nodes.trouble_behind(&example.scrape_url, pod_node)
                && !causes.contains(&why)
            {
                causes.push(why);
            }
        }
        let name = format!("job {}", job.job);
        if let Some(check) = checks.iter_mut().find(|c| c.name == name && !causes.is_empty()) {
            check.detail = format!("{}; {}", check.detail, causes.join("; "));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use k8s_openapi::api::core::v1::Node;

    use super::*;
    use crate::prometheus::{JobExpectation, evaluate_jobs, parse_rfc3339};
    use crate::validation::recorded;
    use crate::validation::targets::judge_jobs;

    const TARGETS: &str = "kubernetes/targets-kubelet-stopped.json";

    pub fn stopped_node() -> Node {
        serde_json::from_str(include_str!("../../tests/fixtures/kubernetes/node-kubelet-stopped.json")).unwrap()
    }

    fn view(nodes: Vec<Node>) -> NodeView {
        NodeView { nodes, ..NodeView::default() }
    }

    /// The recorded jobs as validate judges them, at the time of the newest scrape.
    fn judged() -> (Vec<JobHealth>, Vec<Check>) {
        let now = recorded::targets(TARGETS).iter().filter_map(|t| parse_rfc3339(&t.last_scrape)).max();
        let expected: Vec<JobExpectation> =
            ["kubernetes-nodes", "kubernetes-cadvisor", "prometheus"].into_iter().map(JobExpectation::new).collect();
        let jobs = evaluate_jobs(&recorded::tally(TARGETS), &expected, now.unwrap_or(SystemTime::now()));
        let checks = judge_jobs(&jobs, std::time::Duration::from_secs(60));
        (jobs, checks)
    }

    fn detail<'a>(checks: &'a [Check], name: &str) -> &'a str {
        &checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no {name}")).detail
    }

    #[test]
    fn targets_down_behind_a_stopped_kubelet_name_the_node_and_its_condition() {
        let (jobs, mut checks) = judged();
        judge_target_nodes(&mut checks, &jobs, &view(vec![stopped_node()]), &BTreeMap::new());
        let cause = "the node promctl-node is NotReady (Unknown) since 2026-12-03T12:28:31Z: NodeStatusUnknown Kubelet stopped posting node status.; fix the node (kubelet), or cordon and drain it so the pod moves";
        for job in ["job kubernetes-nodes", "job kubernetes-cadvisor"] {
            let detail = detail(&checks, job);
            assert!(detail.starts_with("0/1 targets up; 1 down: "), "{detail}");
            // Prometheus's error first, then the node once.
            assert!(detail.ends_with(&format!("; {cause}")), "{detail}");
            assert_eq!(detail.matches("promctl-node").count(), 1, "{detail}");
        }
        assert_eq!(detail(&checks, "job prometheus"), "1/1 targets up");
    }

    #[test]
    fn within_the_first_40_s_the_kubelets_stale_lease_is_the_named_cause() {
        let (jobs, mut checks) = judged();
        let node: Node =
            serde_json::from_str(include_str!("../../tests/fixtures/kubernetes/node-kubelet-stopped-30s.json"))
                .unwrap();
        let lease =
            serde_json::from_str(include_str!("../../tests/fixtures/kubernetes/lease-kubelet-stopped.json")).unwrap();
        let view = NodeView { nodes: vec![node], leases: vec![lease], now: "2026-12-03T13:09:41Z".parse().unwrap() };
        judge_target_nodes(&mut checks, &jobs, &view, &BTreeMap::new());
        let detail = detail(&checks, "job kubernetes-nodes");
        assert!(detail.contains("; the kubelet of node promctl-node last renewed its lease 32s ago"), "{detail}");
    }

    #[test]
    fn a_down_target_on_a_ready_node_or_with_no_node_read_keeps_prometheus_error_alone() {
        let (jobs, checks) = judged();
        let mut ready = stopped_node();
        for condition in ready.status.as_mut().unwrap().conditions.as_mut().unwrap() {
            if condition.type_ == "Ready" {
                condition.status = "True".into();
            }
        }
        for nodes in [vec![], vec![ready]] {
            let mut judged = checks.clone();
            judge_target_nodes(&mut judged, &jobs, &view(nodes), &BTreeMap::new());
            assert_eq!(judged, checks);
        }
    }

    #[test]
    fn a_pods_target_is_on_the_node_its_pod_runs_on() {
        let (jobs, mut checks) = judged();
        let mut elsewhere = stopped_node();
        // The node no longer has the address the targets scrape: only the pod map leads to it.
        elsewhere.status.as_mut().unwrap().addresses = None;
        judge_target_nodes(&mut checks, &jobs, &view(vec![elsewhere]), &BTreeMap::new());
        assert!(!detail(&checks, "job kubernetes-nodes").contains("promctl-node"));
        assert!(target_pods(&jobs).is_empty(), "a kubelet's target belongs to no pod");
    }
}
