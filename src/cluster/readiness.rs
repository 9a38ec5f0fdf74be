//! Readiness rules: small pure functions of one API object that say Ready, Progressing (and what it
//! waits for) or Failed (and why). The watcher in `wait.rs` feeds them; tests feed them recorded objects.

use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Event as CoreEvent, Node, PersistentVolumeClaim, Pod};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "lowercase")]
pub enum Readiness {
    Ready(String),
    Progressing(String),
    Failed(String),
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        matches!(self, Readiness::Ready(_))
    }
    pub fn is_failed(&self) -> bool {
        matches!(self, Readiness::Failed(_))
    }
    pub fn reason(&self) -> &str {
        match self {
            Readiness::Ready(r) | Readiness::Progressing(r) | Readiness::Failed(r) => r,
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            Readiness::Ready(_) => "ready",
            Readiness::Progressing(_) => "waiting",
            Readiness::Failed(_) => "failed",
        }
    }
}

/// A Deployment is rolled out when the controller has seen the latest spec (observedGeneration), every
/// replica runs the new template, no old replica is left and every updated replica is available: the
/// checks of `kubectl rollout status`. (kube-runtime's `is_deployment_completed` skips observedGeneration,
/// so it can report the previous rollout as done; Helm's legacy wait can pass with zero pods.)
pub fn deployment(deployment: Option<&Deployment>) -> Readiness {
    let Some(d) = deployment else {
        return Readiness::Progressing("not created yet".into());
    };
    let generation = d.metadata.generation.unwrap_or(0);
    let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let Some(status) = &d.status else {
        return Readiness::Progressing("waiting for the deployment controller".into());
    };
    if d.spec.as_ref().and_then(|s| s.paused) == Some(true) {
        let name = d.metadata.name.as_deref().unwrap_or("?");
        return Readiness::Failed(format!(
            "paused (spec.paused): the template will not roll out; run `kubectl rollout resume deployment/{name}`"
        ));
    }
    if status.observed_generation.unwrap_or(0) < generation {
        return Readiness::Progressing("waiting for the controller to observe the new spec".into());
    }
    if let Some(c) = status.conditions.iter().flatten().find(|c| c.type_ == "Progressing")
        && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    {
        return Readiness::Failed(format!("progress deadline exceeded: {}", c.message.as_deref().unwrap_or("")));
    }
    if let Some(c) = status.conditions.iter().flatten().find(|c| c.type_ == "ReplicaFailure" && c.status == "True") {
        return Readiness::Failed(replica_failure(c.message.as_deref().unwrap_or(""), d.metadata.namespace.as_deref()));
    }
    let updated = status.updated_replicas.unwrap_or(0);
    let total = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    if updated < desired {
        return Readiness::Progressing(format!("{updated} of {desired} replicas updated"));
    }
    if total > updated {
        return Readiness::Progressing(format!("{} old replicas pending termination", total - updated));
    }
    if available < updated {
        return Readiness::Progressing(format!("{available} of {updated} updated replicas available"));
    }
    Readiness::Ready(format!("{available}/{desired} replicas available"))
}

/// The `pod-template-hash` of the Deployment's CURRENT template: that of its ReplicaSet whose pod
/// template equals the Deployment's, ignoring that label (the deployment controller's own test,
/// `EqualIgnoreHash`). None until that ReplicaSet exists. The revision annotation is no guide: during a
/// Recreate rollout the controller reports the new generation as observed while the annotation still
/// names the old ReplicaSet. Pods of older ReplicaSets (a crash-looping pod of the previous template,
/// being replaced) must not decide the verdict of a new rollout.
pub fn current_template_hash<'a>(
    deployment: Option<&Deployment>,
    replica_sets: impl IntoIterator<Item = &'a ReplicaSet>,
) -> Option<String> {
    const HASH: &str = "pod-template-hash";
    let d = deployment?;
    let wanted = serde_json::to_value(&d.spec.as_ref()?.template).ok()?;
    let uid = d.metadata.uid.as_deref();
    replica_sets
        .into_iter()
        .filter(|rs| {
            uid.is_none() || rs.metadata.owner_references.iter().flatten().any(|o| Some(o.uid.as_str()) == uid)
        })
        .find_map(|rs| {
            let mut template = serde_json::to_value(rs.spec.as_ref()?.template.as_ref()?).ok()?;
            let hash = template.pointer_mut("/metadata/labels")?.as_object_mut()?.remove(HASH)?;
            let hash = hash.as_str()?.to_string();
            // An emptied labels map serialises as absent in the Deployment's template.
            if template.pointer("/metadata/labels").and_then(|l| l.as_object()).is_some_and(|l| l.is_empty()) {
                template["metadata"].as_object_mut()?.remove("labels");
            }
            (template == wanted).then_some(hash)
        })
}

/// A ReplicaSet that cannot create its pods (a quota, a LimitRange, an admission policy refused the
/// pod): its `ReplicaFailure` condition carries the API server's refusal from the first attempt, and
/// the controller's retries get the same answer until someone changes the values or the policy.
pub fn replica_set(replica_set: &ReplicaSet) -> Option<Readiness> {
    let conditions = replica_set.status.as_ref()?.conditions.as_ref()?;
    let failure = conditions.iter().find(|c| c.type_ == "ReplicaFailure" && c.status == "True")?;
    let message = failure.message.as_deref().unwrap_or("");
    Some(Readiness::Failed(replica_failure(message, replica_set.metadata.namespace.as_deref())))
}

fn replica_failure(message: &str, namespace: Option<&str>) -> String {
    let refusal = crate::error::Refusal::of_message(message);
    format!("the pod cannot be created: {message}; fix: {}", refusal.fix(namespace.unwrap_or("NAMESPACE")))
}

/// Container waiting reasons that will not fix themselves: report at once instead of waiting out a timeout.
const FATAL_WAITING_REASONS: [&str; 7] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
];

/// A pod is Ready when its Ready condition is True. It has Failed when a container waits for a reason
/// that does not resolve itself, was OOMKilled, or the pod stayed Unschedulable past `unschedulable_grace`.
pub fn pod(pod: &Pod, now: Timestamp, unschedulable_grace: Duration) -> Readiness {
    let name = pod.metadata.name.as_deref().unwrap_or("?");
    let Some(status) = &pod.status else {
        return Readiness::Progressing(format!("pod {name}: no status yet"));
    };
    let containers = status.init_container_statuses.iter().flatten().chain(status.container_statuses.iter().flatten());
    for c in containers {
        if let Some(waiting) = c.state.as_ref().and_then(|s| s.waiting.as_ref()) {
            let reason = waiting.reason.as_deref().unwrap_or("");
            if FATAL_WAITING_REASONS.contains(&reason) {
                let message = waiting.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
                return Readiness::Failed(format!("pod {name} container {}: {reason}{message}", c.name));
            }
        }
        let last_oom = c
            .last_state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .is_some_and(|t| t.reason.as_deref() == Some("OOMKilled"));
        let now_oom = c
            .state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .is_some_and(|t| t.reason.as_deref() == Some("OOMKilled"));
        if last_oom || now_oom {
            return Readiness::Failed(format!(
                "pod {name} container {}: OOMKilled (raise resources.limits.memory)",
                c.name
            ));
        }
    }
    let condition = |type_: &str| status.conditions.iter().flatten().find(|c| c.type_ == type_);
    if let Some(scheduled) = condition("PodScheduled")
        && scheduled.status == "False"
        && scheduled.reason.as_deref() == Some("Unschedulable")
    {
        let message = scheduled.message.as_deref().unwrap_or("");
        let since = scheduled.last_transition_time.as_ref().map(|t| t.0);
        let waited = since.map(|t| now.duration_since(t).as_secs_f64()).unwrap_or(0.0);
        if waited >= unschedulable_grace.as_secs_f64() {
            return Readiness::Failed(format!("pod {name}: Unschedulable for {waited:.0}s: {message}"));
        }
        return Readiness::Progressing(format!("pod {name}: unschedulable: {message}"));
    }
    match condition("Ready") {
        Some(c) if c.status == "True" => Readiness::Ready(format!("pod {name} Ready")),
        _ => {
            let phase = status.phase.as_deref().unwrap_or("Pending");
            let waiting = status
                .container_statuses
                .iter()
                .flatten()
                .find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone());
            match waiting {
                Some(reason) => Readiness::Progressing(format!("pod {name} {phase}: {reason}")),
                None => Readiness::Progressing(format!("pod {name} {phase}, not Ready yet")),
            }
        }
    }
}

/// Why a node cannot run a pod: its Ready condition is not True (Unknown when the kubelet stopped
/// posting status), named with since when, the reason and message, and the fix. None when Ready.
pub fn node_not_ready(node: &Node) -> Option<String> {
    let name = node.metadata.name.as_deref().unwrap_or("?");
    let ready = node.status.as_ref()?.conditions.iter().flatten().find(|c| c.type_ == "Ready");
    let (state, since, reason, message) = match ready {
        Some(c) if c.status == "True" => return None,
        Some(c) => (
            if c.status == "Unknown" { "NotReady (Unknown)" } else { "NotReady" },
            c.last_transition_time.as_ref().map(|t| t.0.to_string()).unwrap_or_else(|| "?".into()),
            c.reason.clone().unwrap_or_default(),
            c.message.clone().unwrap_or_default(),
        ),
        None => ("NotReady (no Ready condition)", "?".into(), String::new(), String::new()),
    };
    Some(format!(
        "the node {name} is {state} since {since}: {reason} {message}; fix the node (kubelet), or cordon and drain it so the pod moves"
    ))
}

/// Why a node's kubelet looks stopped before the node controller says so: its Lease (namespace
/// kube-node-lease) not renewed for more than two renewal periods (a kubelet renews every quarter of
/// the lease's duration, 10 s by default; the node turns NotReady after the whole duration). None
/// while renewed.
pub fn kubelet_lease_stale(lease: &Lease, now: Timestamp) -> Option<String> {
    let name = lease.metadata.name.as_deref().unwrap_or("?");
    let spec = lease.spec.as_ref()?;
    let age = now.duration_since(spec.renew_time.as_ref()?.0).as_secs_f64();
    let duration = f64::from(spec.lease_duration_seconds.unwrap_or(40));
    let period = duration / 4.0;
    (age > 2.0 * period).then(|| {
        format!(
            "the kubelet of node {name} last renewed its lease {age:.0}s ago (every {period:.0}s while it runs): it has stopped or cannot reach the API server, and the node turns NotReady after {duration:.0}s; fix the node's kubelet (running? reaching the API server?)"
        )
    })
}

/// The nodes as read for a judgment: each node, its kubelet's Lease, and when they were read.
#[derive(Debug, Clone, Default)]
pub struct NodeView {
    pub nodes: Vec<Node>,
    pub leases: Vec<Lease>,
    pub now: Timestamp,
}

impl NodeView {
    /// Why the node behind a target (see [`node_of_target`]) cannot serve it: NotReady, or, before the
    /// node controller says so, its kubelet's stale Lease. The cause, then "; " and the fix.
    pub fn trouble_behind(&self, scrape_url: &str, pod_node: Option<&str>) -> Option<String> {
        let node = node_of_target(scrape_url, pod_node, &self.nodes)?;
        node_not_ready(node).or_else(|| {
            let lease = self.leases.iter().find(|l| l.metadata.name == node.metadata.name)?;
            kubelet_lease_stale(lease, self.now)
        })
    }
}

/// The node behind a scrape target: the node whose address (InternalIP, ExternalIP, Hostname) the
/// target's URL names (its kubelet, cAdvisor, a hostNetwork pod), else `pod_node`, the node the
/// target's pod runs on.
pub fn node_of_target<'a>(scrape_url: &str, pod_node: Option<&str>, nodes: &'a [Node]) -> Option<&'a Node> {
    let url = reqwest::Url::parse(scrape_url).ok();
    let host = url.as_ref().and_then(|u| u.host_str()).map(|h| h.trim_matches(['[', ']']));
    let by_address = host.and_then(|host| {
        nodes.iter().find(|n| n.status.iter().flat_map(|s| s.addresses.iter().flatten()).any(|a| a.address == host))
    });
    by_address.or_else(|| pod_node.and_then(|name| nodes.iter().find(|n| n.metadata.name.as_deref() == Some(name))))
}

/// What keeps new pods off a node: cordoned (spec.unschedulable), or a pressure condition True.
pub fn node_pressure(node: &Node) -> Vec<String> {
    let name = node.metadata.name.as_deref().unwrap_or("?");
    let mut problems = Vec::new();
    if node.spec.as_ref().and_then(|s| s.unschedulable) == Some(true) {
        problems.push(format!(
            "the node {name} is cordoned (spec.unschedulable); `kubectl uncordon {name}` when it is fit"
        ));
    }
    let pressures = ["MemoryPressure", "DiskPressure", "PIDPressure"];
    for c in node.status.iter().flat_map(|s| s.conditions.iter().flatten()) {
        if pressures.contains(&c.type_.as_str()) && c.status == "True" {
            let message = c.message.as_deref().unwrap_or("");
            problems.push(format!(
                "the node {name} has {}: {message}; free {} on it or add a node",
                c.type_,
                resource_of(&c.type_)
            ));
        }
    }
    problems
}

fn resource_of(pressure: &str) -> &'static str {
    match pressure {
        "MemoryPressure" => "memory",
        "DiskPressure" => "disk",
        _ => "processes",
    }
}

/// A pod that is not Ready on a node that is not Ready will not start there: Failed with the node's
/// state. `node` is the one named by the pod's spec.nodeName (None: not scheduled, or not read).
pub fn pod_on_node(pod: &Pod, node: Option<&Node>) -> Option<Readiness> {
    let node = node?;
    let on = pod.spec.as_ref()?.node_name.as_deref()?;
    if node.metadata.name.as_deref() != Some(on) {
        return None;
    }
    let ready =
        pod.status.iter().flat_map(|s| s.conditions.iter().flatten()).any(|c| c.type_ == "Ready" && c.status == "True");
    if ready {
        return None;
    }
    let name = pod.metadata.name.as_deref().unwrap_or("?");
    node_not_ready(node).map(|why| Readiness::Failed(format!("pod {name} does not start: {why}")))
}

/// A claim is ready when Bound with at least the capacity asked for. With a WaitForFirstConsumer storage
/// class, Pending is expected until a pod using it is scheduled (Helm hangs here without saying why).
pub fn persistent_volume_claim(
    pvc: Option<&PersistentVolumeClaim>,
    requested: &Quantity,
    wait_for_first_consumer: bool,
    consumer_scheduled: bool,
) -> Readiness {
    let Some(pvc) = pvc else {
        return Readiness::Progressing("not created yet".into());
    };
    let status = pvc.status.as_ref();
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("Pending");
    match phase {
        "Bound" => {
            let capacity = status.and_then(|s| s.capacity.as_ref()).and_then(|c| c.get("storage"));
            match capacity {
                Some(got) if quantity_bytes(got) >= quantity_bytes(requested) => {
                    Readiness::Ready(format!("Bound, {}", got.0))
                }
                Some(got) => Readiness::Failed(format!("Bound with {} but {} was requested", got.0, requested.0)),
                None => Readiness::Progressing("Bound, capacity not reported yet".into()),
            }
        }
        "Lost" => Readiness::Failed("Lost: its PersistentVolume is gone".into()),
        _ if wait_for_first_consumer && !consumer_scheduled && !node_selected(pvc) => {
            Readiness::Progressing("Pending until the pod is scheduled (storage class is WaitForFirstConsumer)".into())
        }
        _ => Readiness::Progressing("Pending: waiting for a volume to be provisioned or bound".into()),
    }
}

/// Whether the scheduler picked a node for the claim's pod (annotation `volume.kubernetes.io/selected-node`):
/// with WaitForFirstConsumer the pod's spec.nodeName stays empty until the claim binds, so this is
/// how a scheduled consumer shows while its claim cannot bind.
pub fn node_selected(pvc: &PersistentVolumeClaim) -> bool {
    pvc.metadata.annotations.as_ref().is_some_and(|a| a.contains_key("volume.kubernetes.io/selected-node"))
}

/// A label selector as `kubectl` writes one: `a=b,c in (d,e)`.
fn describe_selector(selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector) -> String {
    let labels = selector.match_labels.iter().flatten().map(|(k, v)| format!("{k}={v}"));
    let expressions = selector.match_expressions.iter().flatten().map(|e| {
        let values = e.values.as_deref().unwrap_or_default().join(",");
        match e.operator.as_str() {
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            op => format!("{} {} ({values})", e.key, op.to_lowercase()),
        }
    });
    labels.chain(expressions).collect::<Vec<_>>().join(",")
}

/// Why a claim will not bind (the Warning event's reason and message) and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindFailure {
    pub problem: String,
    pub fix: String,
}

impl std::fmt::Display for BindFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; {}", self.problem, self.fix)
    }
}

/// Why a Pending claim will not bind, read from its Warning events, or None while it may still bind.
/// The PersistentVolume controller repeats FailedBinding "no persistent volumes available" while a
/// volume may still appear, so that counts only once the claim no longer waits for its pod (the pod is
/// scheduled, or the class binds at once) and nothing can create a volume: no class, or a class whose
/// provisioner is `kubernetes.io/no-provisioner`. ProvisioningFailed and quota refusals fail at once.
pub fn claim_cannot_bind(
    pvc: &PersistentVolumeClaim,
    class: Option<&StorageClass>,
    events: &[CoreEvent],
    consumer_scheduled: bool,
) -> Option<BindFailure> {
    if pvc.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("Pending") != "Pending" {
        return None;
    }
    let name = pvc.metadata.name.as_deref().unwrap_or("?");
    let ns = pvc.metadata.namespace.as_deref().unwrap_or("default");
    let spec = pvc.spec.as_ref();
    let size = spec
        .and_then(|s| s.resources.as_ref()?.requests.as_ref()?.get("storage"))
        .map(|q| q.0.as_str())
        .unwrap_or("the requested size");
    let modes =
        spec.and_then(|s| s.access_modes.as_ref()).map(|m| m.join(",")).unwrap_or_else(|| "ReadWriteOnce".into());
    let describe = format!("see `kubectl describe pvc {name} -n {ns}`");
    // A claim with a selector is never provisioned dynamically (provisioners refuse it): once the
    // scheduler has picked the node to provision it on, no PersistentVolume matched the selector and
    // none will be made. Nothing may say so: no provisioner runs to refuse it.
    if let Some(selector) = spec.and_then(|s| s.selector.as_ref())
        && node_selected(pvc)
    {
        return Some(BindFailure {
            problem: format!(
                "no PersistentVolume matches its selector ({}), and a claim with a selector is never provisioned dynamically",
                describe_selector(selector)
            ),
            fix: format!(
                "create a PersistentVolume of at least {size} with access mode {modes} and those labels, or delete the claim (it never bound, so it holds no data) and the pod waiting for it, then run install again: it creates the claim without a selector; {describe}"
            ),
        });
    }
    let waits_for_pod = class.and_then(|c| c.volume_binding_mode.as_deref()) == Some("WaitForFirstConsumer");
    let consumer_scheduled = consumer_scheduled || node_selected(pvc);
    let no_provisioner = class.is_none_or(|c| c.provisioner == "kubernetes.io/no-provisioner");
    let latest = events
        .iter()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .filter(|e| e.involved_object.kind.as_deref() == Some("PersistentVolumeClaim"))
        .filter(|e| e.involved_object.name.as_deref() == Some(name))
        .max_by_key(|e| {
            e.last_timestamp
                .as_ref()
                .map(|t| t.0)
                .or(e.event_time.as_ref().map(|t| t.0))
                .or(e.first_timestamp.as_ref().map(|t| t.0))
        })?;
    let reason = latest.reason.as_deref().unwrap_or("");
    let message = latest.message.as_deref().unwrap_or("").trim();
    let problem = format!("{reason}: {message}");
    if message.contains("exceeded quota") {
        let fix = format!("raise the namespace's ResourceQuota or lower values storage.size; {describe}");
        return Some(BindFailure { problem, fix });
    }
    let volume_fix = format!(
        "create a PersistentVolume of at least {size} with access mode {modes}, or set values storage.storageClass to a class with a provisioner; {describe}"
    );
    match reason {
        "ProvisioningFailed" => {
            Some(BindFailure { problem, fix: format!("fix the storage class's provisioner, or {volume_fix}") })
        }
        "FailedBinding" if no_provisioner && (consumer_scheduled || !waits_for_pod) => {
            Some(BindFailure { problem, fix: volume_fix })
        }
        _ => None,
    }
}

/// A Service is usable only with at least one ready endpoint: a selector typo passes every other check.
/// Judged from the Service's EndpointSlices (discovery.k8s.io/v1, label `kubernetes.io/service-name`);
/// core/v1 Endpoints is deprecated from Kubernetes 1.33. An endpoint whose `ready` condition is unset
/// counts as ready, as the API documents.
pub fn service_endpoints<'a>(slices: impl IntoIterator<Item = &'a EndpointSlice>) -> Readiness {
    let (mut ready, mut not_ready) = (0usize, 0usize);
    for endpoint in slices.into_iter().flat_map(|s| s.endpoints.iter()) {
        if endpoint.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true) {
            ready += 1;
        } else {
            not_ready += 1;
        }
    }
    match (ready, not_ready) {
        (0, 0) => Readiness::Progressing("no endpoints: no Ready pod matches the selector yet".into()),
        (0, n) => Readiness::Progressing(format!("{n} endpoint(s), none ready")),
        (n, _) => Readiness::Ready(format!("{n} ready endpoint(s)")),
    }
}

/// Bytes (or cores) in a Kubernetes quantity, for comparing sizes; NaN when it is not a quantity.
pub fn quantity_bytes(q: &Quantity) -> f64 {
    crate::quantity::parse_quantity(q.0.trim()).map_or(f64::NAN, |(thousandths, _)| thousandths as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_yaml<T: serde::de::DeserializeOwned>(yaml: &str) -> T {
        serde_saphyr::from_str(yaml).expect("fixture parses")
    }

    fn now() -> Timestamp {
        "2026-11-24T04:00:00Z".parse().unwrap()
    }

    const ROLLED_OUT: &str = r#"
metadata: {name: prometheus, generation: 2}
spec: {replicas: 1, selector: {matchLabels: {app: prometheus}}, template: {metadata: {labels: {app: prometheus}}}}
status: {observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1}
"#;

    #[test]
    fn deployment_rolled_out_is_ready() {
        let d: Deployment = from_yaml(ROLLED_OUT);
        assert_eq!(deployment(Some(&d)), Readiness::Ready("1/1 replicas available".into()));
    }

    #[test]
    fn deployment_with_stale_observed_generation_is_not_ready_even_if_counts_match() {
        let d: Deployment = from_yaml(&ROLLED_OUT.replace("generation: 2}", "generation: 3}"));
        assert!(matches!(deployment(Some(&d)), Readiness::Progressing(r) if r.contains("observe")));
    }

    #[test]
    fn deployment_with_old_replicas_left_is_progressing() {
        let d: Deployment =
            from_yaml(&ROLLED_OUT.replace("replicas: 1, updatedReplicas", "replicas: 2, updatedReplicas"));
        assert!(matches!(deployment(Some(&d)), Readiness::Progressing(r) if r.contains("old replicas")));
    }

    #[test]
    fn deployment_with_unavailable_replicas_is_progressing() {
        let d: Deployment = from_yaml(&ROLLED_OUT.replace("availableReplicas: 1", "availableReplicas: 0"));
        assert!(matches!(deployment(Some(&d)), Readiness::Progressing(r) if r.contains("0 of 1")));
    }

    #[test]
    fn deployment_past_its_progress_deadline_failed() {
        let d: Deployment = from_yaml(&ROLLED_OUT.replace(
            "availableReplicas: 1}",
            "availableReplicas: 0, conditions: [{type: Progressing, status: 'False', reason: ProgressDeadlineExceeded, message: 'ReplicaSet has timed out'}]}",
        ));
        assert!(deployment(Some(&d)).is_failed());
    }

    fn waiting_pod(reason: &str) -> Pod {
        from_yaml(&format!(
            r#"
metadata: {{name: prometheus-abc}}
status:
  phase: Pending
  conditions: [{{type: PodScheduled, status: "True"}}, {{type: Ready, status: "False"}}]
  containerStatuses:
    - name: prometheus
      ready: false
      restartCount: 3
      image: localhost/nope:1
      imageID: ""
      state: {{waiting: {{reason: {reason}, message: "details from the kubelet"}}}}
"#
        ))
    }

    #[test]
    fn pod_fails_fast_on_each_unrecoverable_waiting_reason() {
        for reason in ["ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "CreateContainerConfigError"] {
            match pod(&waiting_pod(reason), now(), Duration::from_secs(30)) {
                Readiness::Failed(why) => {
                    assert!(why.contains(reason), "{why}");
                    assert!(why.contains("prometheus-abc") && why.contains("container prometheus"), "{why}");
                }
                other => panic!("{reason}: expected Failed, got {other:?}"),
            }
        }
    }

    #[test]
    fn pod_still_creating_its_container_is_progressing() {
        assert!(matches!(
            pod(&waiting_pod("ContainerCreating"), now(), Duration::from_secs(30)),
            Readiness::Progressing(r) if r.contains("ContainerCreating")
        ));
    }

    #[test]
    fn pod_whose_container_was_oom_killed_failed() {
        let p: Pod = from_yaml(
            r#"
metadata: {name: prometheus-abc}
status:
  phase: Running
  containerStatuses:
    - name: prometheus
      ready: false
      restartCount: 1
      image: x
      imageID: ""
      state: {running: {startedAt: "2026-11-24T03:59:00Z"}}
      lastState: {terminated: {exitCode: 137, reason: OOMKilled}}
"#,
        );
        assert!(matches!(pod(&p, now(), Duration::from_secs(30)), Readiness::Failed(r) if r.contains("OOMKilled")));
    }

    fn unschedulable_since(since: &str) -> Pod {
        from_yaml(&format!(
            r#"
metadata: {{name: prometheus-abc}}
status:
  phase: Pending
  conditions:
    - {{type: PodScheduled, status: "False", reason: Unschedulable, lastTransitionTime: "{since}", message: "0/1 nodes are available: 1 Insufficient memory."}}
"#
        ))
    }

    #[test]
    fn pod_unschedulable_fails_only_after_the_grace_window() {
        let grace = Duration::from_secs(30);
        assert!(matches!(pod(&unschedulable_since("2026-11-24T03:59:50Z"), now(), grace), Readiness::Progressing(_)));
        match pod(&unschedulable_since("2026-11-24T03:59:00Z"), now(), grace) {
            Readiness::Failed(why) => assert!(why.contains("Insufficient memory"), "{why}"),
            other => panic!("expected Failed, got {other:?}"),
        }
    }

    #[test]
    fn pod_with_ready_condition_is_ready() {
        let p: Pod =
            from_yaml("metadata: {name: p}\nstatus: {phase: Running, conditions: [{type: Ready, status: 'True'}]}");
        assert!(pod(&p, now(), Duration::from_secs(30)).is_ready());
    }

    fn claim(phase: &str, capacity: Option<&str>) -> PersistentVolumeClaim {
        let capacity = capacity.map(|c| format!(", capacity: {{storage: {c}}}")).unwrap_or_default();
        from_yaml(&format!("metadata: {{name: prometheus-storage}}\nstatus: {{phase: {phase}{capacity}}}"))
    }

    #[test]
    fn claim_bound_with_enough_capacity_is_ready() {
        let q = Quantity("20Gi".into());
        assert!(persistent_volume_claim(Some(&claim("Bound", Some("20Gi"))), &q, false, false).is_ready());
        assert!(persistent_volume_claim(Some(&claim("Bound", Some("50Gi"))), &q, false, false).is_ready());
    }

    #[test]
    fn claim_bound_smaller_than_requested_failed() {
        let q = Quantity("20Gi".into());
        assert!(persistent_volume_claim(Some(&claim("Bound", Some("10Gi"))), &q, false, false).is_failed());
    }

    #[test]
    fn a_claim_whose_node_was_selected_no_longer_waits_for_its_first_consumer() {
        let q = Quantity("20Gi".into());
        let r = persistent_volume_claim(Some(&pending_claim()), &q, true, false);
        assert!(matches!(&r, Readiness::Progressing(why) if !why.contains("WaitForFirstConsumer")), "{r:?}");
    }

    #[test]
    fn claim_pending_on_wait_for_first_consumer_says_so() {
        let q = Quantity("20Gi".into());
        let r = persistent_volume_claim(Some(&claim("Pending", None)), &q, true, false);
        assert!(matches!(&r, Readiness::Progressing(why) if why.contains("WaitForFirstConsumer")), "{r:?}");
        let r = persistent_volume_claim(Some(&claim("Pending", None)), &q, true, true);
        assert!(matches!(&r, Readiness::Progressing(why) if why.contains("provisioned")), "{r:?}");
    }

    #[test]
    fn only_the_current_replica_sets_pods_are_of_the_current_template() {
        // Recreate, mid-rollout: the controller has observed generation 3, but the revision annotation
        // still names the old ReplicaSet; only the template tells which one is current.
        let deployment: Deployment = from_yaml(
            r#"
metadata: {name: prometheus, uid: d1, generation: 3, annotations: {deployment.kubernetes.io/revision: "1"}}
spec:
  selector: {matchLabels: {app: prometheus}}
  template:
    metadata: {labels: {app: prometheus}}
    spec: {containers: [{name: prometheus, image: "prom/prometheus:v2.48.0", args: [--config.file=/etc/prometheus/prometheus.yml]}]}
status: {observedGeneration: 3}
"#,
        );
        let replica_set = |hash: &str, revision: &str, args: &str| -> ReplicaSet {
            from_yaml(&format!(
                r#"
metadata:
  name: prometheus-{hash}
  labels: {{app: prometheus, pod-template-hash: {hash}}}
  annotations: {{deployment.kubernetes.io/revision: "{revision}"}}
  ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: prometheus, uid: d1}}]
spec:
  selector: {{matchLabels: {{app: prometheus, pod-template-hash: {hash}}}}}
  template:
    metadata: {{labels: {{app: prometheus, pod-template-hash: {hash}}}}}
    spec: {{containers: [{{name: prometheus, image: "prom/prometheus:v2.48.0", args: [{args}]}}]}}
"#
            ))
        };
        let old = replica_set("crashy", "1", "--config.file=/etc/prometheus/prometheus.yml, --no-such-flag");
        assert_eq!(current_template_hash(Some(&deployment), [&old]), None, "the new ReplicaSet does not exist yet");
        let new = replica_set("fixed", "2", "--config.file=/etc/prometheus/prometheus.yml");
        assert_eq!(current_template_hash(Some(&deployment), [&old, &new]).as_deref(), Some("fixed"));
        let mut foreign = new.clone();
        foreign.metadata.owner_references.as_mut().unwrap()[0].uid = "other".into();
        assert_eq!(current_template_hash(Some(&deployment), [&old, &foreign]), None, "another Deployment's");
    }

    #[test]
    fn a_paused_deployment_is_failed_with_the_fix() {
        let d: Deployment = from_yaml(
            "metadata: {name: prometheus, generation: 2}\nspec: {paused: true, selector: {}, template: {}}\nstatus: {observedGeneration: 1}",
        );
        match deployment(Some(&d)) {
            Readiness::Failed(why) => assert!(why.contains("kubectl rollout resume deployment/prometheus"), "{why}"),
            other => panic!("expected Failed, got {other:?}"),
        }
    }

    #[test]
    fn service_without_ready_endpoints_is_not_ready() {
        let none: EndpointSlice = from_yaml("metadata: {name: prometheus-x1}\naddressType: IPv4\nendpoints: []");
        assert!(!service_endpoints([&none]).is_ready());
        assert!(!service_endpoints([]).is_ready());
        let not_ready: EndpointSlice = from_yaml(
            "metadata: {name: prometheus-x1}\naddressType: IPv4\nendpoints: [{addresses: [10.88.0.5], conditions: {ready: false, serving: true, terminating: false}}]",
        );
        assert!(matches!(service_endpoints([&not_ready]), Readiness::Progressing(r) if r.contains("none ready")));
        let ready: EndpointSlice = from_yaml(
            "metadata: {name: prometheus-x2}\naddressType: IPv4\nendpoints: [{addresses: [10.88.0.6], conditions: {ready: true}}]",
        );
        assert_eq!(service_endpoints([&not_ready, &ready]), Readiness::Ready("1 ready endpoint(s)".into()));
        // `ready` unset means unknown, which consumers treat as ready.
        let unknown: EndpointSlice =
            from_yaml("metadata: {name: prometheus-x3}\naddressType: IPv4\nendpoints: [{addresses: [10.88.0.7]}]");
        assert!(service_endpoints([&unknown]).is_ready());
    }

    #[test]
    fn quantities_compare_across_suffixes() {
        assert!(quantity_bytes(&Quantity("20Gi".into())) > quantity_bytes(&Quantity("20G".into())));
        assert_eq!(quantity_bytes(&Quantity("1Ki".into())), 1024.0);
    }

    fn pending_claim() -> PersistentVolumeClaim {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "prometheus-storage-1", "namespace": "jewelry-shop",
                "annotations": {"volume.kubernetes.io/selected-node": "worker-2"}},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
                "storageClassName": "local-storage", "volumeMode": "Filesystem"},
            "status": {"phase": "Pending"}
        }))
        .unwrap()
    }

    fn claim_event(reason: &str, message: &str) -> CoreEvent {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "prometheus-storage-1.187d3c1f0a2b", "namespace": "jewelry-shop"},
            "involvedObject": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": "prometheus-storage-1",
                "namespace": "jewelry-shop", "resourceVersion": "5120", "uid": "8f1c2d3e-0000-4000-8000-000000000001"},
            "reason": reason, "message": message, "type": "Warning", "count": 7,
            "firstTimestamp": "2026-12-03T08:00:00Z", "lastTimestamp": "2026-12-03T08:01:30Z",
            "source": {"component": "persistentvolume-controller"}
        }))
        .unwrap()
    }

    fn storage_class(provisioner: &str, mode: &str) -> StorageClass {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "local-storage"},
            "provisioner": provisioner, "reclaimPolicy": "Delete", "volumeBindingMode": mode
        }))
        .unwrap()
    }

    #[test]
    fn a_claim_with_no_volume_and_no_provisioner_fails_once_its_pod_is_scheduled() {
        let class = storage_class("kubernetes.io/no-provisioner", "WaitForFirstConsumer");
        let events = [claim_event(
            "FailedBinding",
            "no persistent volumes available for this claim and no storage class is set",
        )];
        let mut unscheduled = pending_claim();
        unscheduled.metadata.annotations = None;
        assert_eq!(claim_cannot_bind(&unscheduled, Some(&class), &events, false), None);
        // The scheduler picked a node (selected-node): the pod waits for the claim, not the other way.
        assert!(claim_cannot_bind(&pending_claim(), Some(&class), &events, false).is_some());
        let why = claim_cannot_bind(&unscheduled, Some(&class), &events, true).unwrap().to_string();
        assert!(why.starts_with("FailedBinding: no persistent volumes available"), "{why}");
        assert!(why.contains("create a PersistentVolume of at least 20Gi with access mode ReadWriteOnce"), "{why}");
        assert!(why.contains("kubectl describe pvc prometheus-storage-1 -n jewelry-shop"), "{why}");
    }

    #[test]
    fn a_claim_without_a_class_fails_on_no_volumes_even_before_its_pod_is_scheduled() {
        let events = [claim_event(
            "FailedBinding",
            "no persistent volumes available for this claim and no storage class is set",
        )];
        assert!(claim_cannot_bind(&pending_claim(), None, &events, false).is_some());
    }

    #[test]
    fn a_claim_whose_class_has_a_provisioner_keeps_waiting_on_failed_binding() {
        let class = storage_class("rancher.io/local-path", "WaitForFirstConsumer");
        let events = [claim_event("FailedBinding", "no persistent volumes available for this claim")];
        assert_eq!(claim_cannot_bind(&pending_claim(), Some(&class), &events, true), None);
    }

    #[test]
    fn provisioning_failed_and_quota_fail_at_once() {
        let class = storage_class("rancher.io/local-path", "Immediate");
        let failed = [claim_event(
            "ProvisioningFailed",
            "failed to provision volume with StorageClass \"local-storage\": no space left on device",
        )];
        let why = claim_cannot_bind(&pending_claim(), Some(&class), &failed, false).unwrap().to_string();
        assert!(why.contains("no space left on device"), "{why}");
        let quota = [claim_event(
            "ProvisioningFailed",
            "persistentvolumeclaims \"prometheus-storage-1\" is forbidden: exceeded quota: storage, requested: requests.storage=20Gi, used: requests.storage=40Gi, limited: requests.storage=50Gi",
        )];
        let why = claim_cannot_bind(&pending_claim(), Some(&class), &quota, false).unwrap().to_string();
        assert!(why.contains("ResourceQuota"), "{why}");
    }

    #[test]
    fn a_kubelet_that_stopped_renewing_its_lease_is_named_before_its_node_is_not_ready() {
        // Recorded 32 s after the kubelet was paused: the node still says Ready, its Lease is stale.
        let lease: Lease =
            serde_json::from_str(include_str!("../../tests/fixtures/kubernetes/lease-kubelet-stopped.json")).unwrap();
        let node: Node =
            serde_json::from_str(include_str!("../../tests/fixtures/kubernetes/node-kubelet-stopped-30s.json"))
                .unwrap();
        let now: Timestamp = "2026-12-03T13:09:41Z".parse().unwrap();
        assert_eq!(node_not_ready(&node), None, "the node controller has not said it yet");
        let why = kubelet_lease_stale(&lease, now).unwrap();
        assert!(
            why.starts_with(
                "the kubelet of node promctl-node last renewed its lease 32s ago (every 10s while it runs)"
            ),
            "{why}"
        );
        let view = NodeView { nodes: vec![node], leases: vec![lease.clone()], now };
        assert_eq!(view.trouble_behind("https://10.254.0.2:10250/metrics", None), Some(why));
        assert_eq!(view.trouble_behind("http://10.88.0.9:8080/metrics", None), None, "no node at that address");
        // Renewed 15 s ago: within two periods.
        assert_eq!(kubelet_lease_stale(&lease, "2026-12-03T13:09:24Z".parse().unwrap()), None);
    }

    #[test]
    fn a_claim_with_a_selector_that_the_scheduler_sent_to_provisioning_cannot_bind() {
        // Recorded: a claim made before install with a selector no PersistentVolume matches, after
        // the scheduler picked the node (its only events are Normal: ExternalProvisioning).
        let claim: PersistentVolumeClaim =
            serde_json::from_str(include_str!("../../tests/fixtures/kubernetes/claim-with-selector.json")).unwrap();
        let list: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/kubernetes/storageclasses.json")).unwrap();
        let classes: Vec<StorageClass> = serde_json::from_value(list["items"].clone()).unwrap();
        let why = claim_cannot_bind(&claim, classes.first(), &[], true).unwrap().to_string();
        assert!(why.starts_with("no PersistentVolume matches its selector (promctl-e2e=no-such-volume), and a claim with a selector is never provisioned dynamically"), "{why}");
        assert!(why.contains("create a PersistentVolume of at least 20Gi with access mode ReadWriteOnce and those labels, or delete the claim"), "{why}");
        // Before the scheduler has chosen (no selected-node annotation), it may still bind.
        let mut waiting = claim.clone();
        waiting.metadata.annotations.as_mut().unwrap().remove("volume.kubernetes.io/selected-node");
        assert_eq!(claim_cannot_bind(&waiting, classes.first(), &[], false), None);
    }

    #[test]
    fn normal_events_and_bound_claims_are_no_binding_failure() {
        let mut waiting =
            claim_event("WaitForFirstConsumer", "waiting for first consumer to be created before binding");
        waiting.type_ = Some("Normal".into());
        assert_eq!(claim_cannot_bind(&pending_claim(), None, &[waiting], true), None);
        let mut bound = pending_claim();
        bound.status.as_mut().unwrap().phase = Some("Bound".into());
        let events = [claim_event("ProvisioningFailed", "boom")];
        assert_eq!(claim_cannot_bind(&bound, None, &events, true), None);
    }

    fn kubelet_stopped_node() -> Node {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "worker-2", "labels": {"kubernetes.io/hostname": "worker-2"}},
            "spec": {"podCIDR": "10.244.2.0/24", "taints": [
                {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": "2026-12-03T08:00:41Z"}]},
            "status": {"conditions": [
                {"type": "MemoryPressure", "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status.",
                    "lastHeartbeatTime": "2026-12-03T08:00:00Z", "lastTransitionTime": "2026-12-03T08:00:41Z"},
                {"type": "DiskPressure", "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status.",
                    "lastHeartbeatTime": "2026-12-03T08:00:00Z", "lastTransitionTime": "2026-12-03T08:00:41Z"},
                {"type": "PIDPressure", "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status.",
                    "lastHeartbeatTime": "2026-12-03T08:00:00Z", "lastTransitionTime": "2026-12-03T08:00:41Z"},
                {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status.",
                    "lastHeartbeatTime": "2026-12-03T08:00:00Z", "lastTransitionTime": "2026-12-03T08:00:41Z"}]}
        }))
        .unwrap()
    }

    fn pod_on(node: &str) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "prometheus-1-7c9d8b6f5-x2k4q", "namespace": "jewelry-shop"},
            "spec": {"nodeName": node, "containers": [{"name": "prometheus", "image": "prom/prometheus:v2.48.0"}]},
            "status": {"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-12-03T08:01:00Z"},
                {"type": "Ready", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": "2026-12-03T08:01:00Z"}]}
        }))
        .unwrap()
    }

    #[test]
    fn a_pod_on_a_node_whose_kubelet_stopped_fails_naming_the_node() {
        let node = kubelet_stopped_node();
        let why = node_not_ready(&node).unwrap();
        assert_eq!(
            why,
            "the node worker-2 is NotReady (Unknown) since 2026-12-03T08:00:41Z: NodeStatusUnknown Kubelet stopped posting node status.; fix the node (kubelet), or cordon and drain it so the pod moves"
        );
        match pod_on_node(&pod_on("worker-2"), Some(&node)) {
            Some(Readiness::Failed(r)) => {
                assert!(r.starts_with("pod prometheus-1-7c9d8b6f5-x2k4q does not start: the node worker-2"), "{r}")
            }
            other => panic!("expected Failed, got {other:?}"),
        }
        assert_eq!(pod_on_node(&pod_on("worker-1"), Some(&node)), None);
        // Unknown pressure conditions are not pressure: only True is.
        assert!(node_pressure(&node).is_empty());
    }

    #[test]
    fn a_ready_node_judges_nothing_and_a_cordoned_node_under_pressure_is_named() {
        let mut node = kubelet_stopped_node();
        for c in node.status.as_mut().unwrap().conditions.as_mut().unwrap() {
            c.status = if c.type_ == "Ready" { "True".into() } else { "False".into() };
        }
        assert_eq!(node_not_ready(&node), None);
        assert_eq!(pod_on_node(&pod_on("worker-2"), Some(&node)), None);
        node.spec.as_mut().unwrap().unschedulable = Some(true);
        let disk = node
            .status
            .as_mut()
            .unwrap()
            .conditions
            .as_mut()
            .unwrap()
            .iter_mut()
            .find(|c| c.type_ == "DiskPressure")
            .unwrap();
        disk.status = "True".into();
        disk.message = Some("kubelet has disk pressure".into());
        let problems = node_pressure(&node);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("cordoned"));
        assert!(problems[1].contains("DiskPressure: kubelet has disk pressure"));
    }
}
