//! `promctl doctor`: the seed's Troubleshooting page (describe the pod, read its logs, check the claim
//! and its StorageClass, the ServiceAccount's permissions, the Services' annotations, curl /metrics from
//! inside the cluster, the targets page) as one read-only run that names each cause with its fix.
//! Nothing here writes to the cluster: every request is a get, a list, a SubjectAccessReview (which
//! stores nothing) or an exec of a read-only `wget` in the Prometheus container.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Node, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{Api, ListParams};
use kube::{Client, ResourceExt};
use serde::Serialize;

use crate::cluster::inspect::{
    DEFAULT_CLASS_ANNOTATION, NODE_PROBE, PodDiagnostics, is_default_class, list_classes as class_names,
    pod_diagnostics,
};
use crate::cluster::permissions::{Access, review};
use crate::cluster::readiness::{self, Readiness};
use crate::prometheus::{DownTarget, TargetTally};
use crate::render::Workload;
use crate::validation::ReplicaUnderTest;
use crate::values::Values;

/// One thing wrong, where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub area: &'static str,
    pub object: String,
    pub problem: String,
    pub fix: String,
}

/// Everything doctor looked at: what is wrong, and what it found fine (so "nothing found" says what
/// was looked at).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diagnosis {
    pub findings: Vec<Finding>,
    pub fine: Vec<String>,
}

impl Diagnosis {
    /// One problem on `object`, with its fix.
    pub fn found(
        &mut self,
        area: &'static str,
        object: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.findings.push(Finding { area, object: object.into(), problem: problem.into(), fix: fix.into() });
    }

    /// Adds what another look found.
    pub fn extend(&mut self, other: Diagnosis) {
        self.findings.extend(other.findings);
        self.fine.extend(other.fine);
    }
}

/// Each replica's pods: not Ready, or restarted, with the pod's events and the last log lines of the
/// container and of its previous instance.
pub async fn pods(
    client: &Client,
    namespace: &str,
    replicas: &[Workload],
    diagnosis: &mut Diagnosis,
) -> anyhow::Result<()> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let now = k8s_openapi::jiff::Timestamp::now();
    for replica in replicas {
        let pods = api.list(&ListParams::default().labels(&replica.pod_selector)).await?.items;
        if pods.is_empty() {
            diagnosis.found(
                "pods",
                format!("Deployment {namespace}/{}", replica.deployment),
                "has no pod",
                "`promctl install` creates it; `kubectl describe deployment` shows why the ReplicaSet made none (quota, admission)",
            );
            continue;
        }
        for pod in pods.iter().filter(|p| p.metadata.deletion_timestamp.is_none()) {
            match look_at_pod(pod, now) {
                PodLook::Fine(fine) => diagnosis.fine.push(fine),
                PodLook::Troubled { problem, restarts } => {
                    let diagnostics = pod_diagnostics(client, namespace, pod).await;
                    let nodes = nodes_of(client, pod, &problem).await;
                    let finding = pod_finding(namespace, &problem, restarts, &diagnostics);
                    diagnosis.findings.push(with_nodes(finding, pod, &nodes));
                }
            }
        }
    }
    Ok(())
}

/// The nodes that may explain a troubled pod, read with a bound (none when they cannot be read): its
/// own node when scheduled (one get), every node when the scheduler finds it no room (one list).
async fn nodes_of(client: &Client, pod: &Pod, problem: &str) -> Vec<Node> {
    let api: Api<Node> = Api::all(client.clone());
    let read = async {
        match pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            Some(node) => api.get_opt(node).await.ok().flatten().into_iter().collect(),
            None if problem.contains("nschedulable") => {
                api.list(&ListParams::default()).await.map(|l| l.items).unwrap_or_default()
            }
            None => Vec::new(),
        }
    };
    tokio::time::timeout(NODE_PROBE, read).await.unwrap_or_default()
}

/// A troubled pod's finding with what its nodes say: its node NotReady (that is then the cause and
/// the fix), or, for a pod not scheduled, the nodes cordoned or under pressure.
pub fn with_nodes(mut finding: Finding, pod: &Pod, nodes: &[Node]) -> Finding {
    let on = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
    match on {
        Some(on) => {
            if let Some(why) = nodes.iter().find(|n| n.name_any() == on).and_then(readiness::node_not_ready) {
                let (cause, fix) = why.rsplit_once("; ").unwrap_or((why.as_str(), ""));
                finding.problem = format!("{}\n{cause}", finding.problem);
                finding.fix = fix.to_string();
            }
        }
        None => {
            let pressure: Vec<String> = nodes.iter().flat_map(readiness::node_pressure).collect();
            if !pressure.is_empty() {
                finding.problem = format!("{}\nnodes: {}", finding.problem, pressure.join(" | "));
            }
        }
    }
    finding
}

/// A pod as doctor first sees it: fine, or a problem worth its events and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodLook {
    Fine(String),
    /// Not Ready, or Ready but restarted within the last hour.
    Troubled {
        problem: String,
        restarts: i32,
    },
}

/// Whether `pod` is fine at `now`: Ready with no restart, or none in the last hour.
pub fn look_at_pod(pod: &Pod, now: k8s_openapi::jiff::Timestamp) -> PodLook {
    let name = pod.name_any();
    let restarts: i32 =
        pod.status.iter().flat_map(|s| s.container_statuses.iter().flatten()).map(|c| c.restart_count).sum();
    let verdict = readiness::pod(pod, now, Duration::ZERO);
    if verdict.is_ready() && restarts == 0 {
        return PodLook::Fine(format!("pod {name}: Ready, no restarts"));
    }
    // A restart counter only grows: a Ready pod whose last restart is old is history, not a problem.
    let last_restart = pod
        .status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten())
        .filter_map(|c| c.last_state.as_ref()?.terminated.as_ref()?.finished_at.as_ref().map(|t| t.0))
        .max();
    let recent = last_restart.is_none_or(|t| now.duration_since(t).as_secs_f64() < RECENT_RESTART.as_secs_f64());
    if verdict.is_ready() && !recent {
        return PodLook::Fine(format!("pod {name}: Ready, {restarts} restarts, none in the last hour"));
    }
    let problem = match &verdict {
        Readiness::Ready(_) => format!("Ready, but restarted {restarts} times"),
        other => other.reason().to_string(),
    };
    PodLook::Troubled { problem, restarts }
}

/// The finding for a troubled pod: its problem with the events and last log lines as evidence, and
/// the fix they point to.
pub fn pod_finding(namespace: &str, problem: &str, restarts: i32, diagnostics: &PodDiagnostics) -> Finding {
    let mut evidence = Vec::new();
    if !diagnostics.events.is_empty() {
        evidence.push(format!("events: {}", diagnostics.events.join(" | ")));
    }
    for tail in &diagnostics.logs {
        let which = if tail.previous { "previous container's" } else { "container's" };
        let last: Vec<&str> = tail.text.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect();
        evidence.push(format!("{which} last log lines: {}", last.join(" | ")));
    }
    let problem = if evidence.is_empty() { problem.to_string() } else { format!("{problem}\n{}", evidence.join("\n")) };
    // The events may know more than the pod's state: ErrImagePull while it still says ContainerCreating.
    let fix = pod_fix(&problem, restarts);
    Finding { area: "pods", object: format!("pod {namespace}/{}", diagnostics.pod), problem, fix }
}

/// A Ready pod that restarted more recently than this is reported with its previous log.
const RECENT_RESTART: Duration = Duration::from_secs(3600);

/// What to do about a pod in that state, from its state and events (`reason`).
fn pod_fix(reason: &str, restarts: i32) -> String {
    let fix = if reason.contains("ImagePull") || reason.contains("ErrImage") || reason.contains("InvalidImageName") {
        "the image cannot be pulled: check image.repository and image.tag, and imagePullSecrets for a private registry"
    } else if reason.contains("OOMKilled") {
        "raise resources.limits.memory (and requests), or lower retention.size"
    } else if reason.contains("nschedulable") {
        "no node fits: check nodeSelector, tolerations, affinity and resources.requests against the nodes"
    } else if reason.contains("CreateContainerConfigError")
        || reason.contains("FailedMount")
        || reason.contains("ContainerCreating")
    {
        "the pod waits for a volume, Secret or ConfigMap: its events say which"
    } else if reason.contains("CrashLoopBackOff") || restarts > 0 {
        "the container exits: its previous log lines say why (a config Prometheus rejects, a TSDB it cannot open)"
    } else {
        "wait for it, or read `kubectl describe pod` for what it waits on"
    };
    fix.to_string()
}

/// Each replica's claim: Bound, or why not; the StorageClass the values name exists, or a default one
/// does when they name none.
pub async fn storage(
    client: &Client,
    namespace: &str,
    values: &Values,
    replicas: &[Workload],
    diagnosis: &mut Diagnosis,
) -> anyhow::Result<()> {
    let classes = crate::cluster::inspect::storage_classes(client).await?;
    diagnosis.extend(judge_storage_class(&classes, &values.storage.storage_class));
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), namespace);
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    for replica in replicas {
        let Some(claim_name) = replica.claim.as_deref() else { continue };
        let claim = claims.get_opt(claim_name).await?;
        let bound = claim.as_ref().is_some_and(|c| c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound"));
        let (events, cannot_bind) = match &claim {
            Some(pvc) if !bound => {
                let raw =
                    crate::cluster::inspect::raw_object_events(client, namespace, "PersistentVolumeClaim", claim_name)
                        .await;
                let scheduled = pods
                    .list(&ListParams::default().labels(&replica.pod_selector))
                    .await
                    .map(|l| l.items.iter().any(|p| p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some()))
                    .unwrap_or(false);
                // The same judgment as install's wait, on the claim's class (or the default one).
                let class_name = pvc.spec.as_ref().and_then(|s| s.storage_class_name.clone());
                let class = match class_name {
                    Some(name) => classes.iter().find(|c| c.name_any() == name),
                    None => classes.iter().find(|c| is_default_class(c)),
                };
                let cannot_bind = readiness::claim_cannot_bind(pvc, class, &raw, scheduled);
                (
                    crate::cluster::inspect::object_events(client, namespace, "PersistentVolumeClaim", claim_name)
                        .await,
                    cannot_bind,
                )
            }
            _ => (Vec::new(), None),
        };
        diagnosis.extend(judge_claim(namespace, claim_name, claim.as_ref(), &classes, &events, cannot_bind));
    }
    Ok(())
}

/// `storage.storageClass` (`wanted`) against the cluster's classes: the one named exists, or, when
/// empty, a default one does.
pub fn judge_storage_class(classes: &[StorageClass], wanted: &str) -> Diagnosis {
    let mut diagnosis = Diagnosis::default();
    let have = class_names(classes);
    if wanted.is_empty() {
        match classes.iter().find(|c| is_default_class(c)) {
            Some(class) => diagnosis.fine.push(format!("storage.storageClass empty: the default class {} is used", class.name_any())),
            None => diagnosis.found(
                "storage",
                "storage.storageClass",
                format!("is empty and the cluster has no default StorageClass (it has: {have}): the claim stays Pending"),
                format!("set storage.storageClass to one of them, or mark one default with the annotation {DEFAULT_CLASS_ANNOTATION}=true"),
            ),
        }
    } else if let Some(class) = classes.iter().find(|c| c.name_any() == wanted) {
        let default = if is_default_class(class) { ", the cluster's default" } else { "" };
        diagnosis.fine.push(format!("StorageClass {wanted} exists{default}"));
    } else {
        diagnosis.found(
            "storage",
            format!("StorageClass {wanted}"),
            format!("storage.storageClass names {wanted:?}, which does not exist (the cluster has: {have})"),
            "set storage.storageClass to one of those, or \"\" for the cluster's default, then `promctl install`; a claim already Pending on it must be deleted first (its class cannot change)",
        );
    }
    diagnosis
}

/// One replica's claim (`None`: it does not exist): Bound, or why not, from its class and `events`;
/// `cannot_bind` is `readiness::claim_cannot_bind`'s verdict (why it will not bind, and the fix).
pub fn judge_claim(
    namespace: &str,
    claim_name: &str,
    claim: Option<&PersistentVolumeClaim>,
    classes: &[StorageClass],
    events: &[String],
    cannot_bind: Option<readiness::BindFailure>,
) -> Diagnosis {
    let mut diagnosis = Diagnosis::default();
    let object = format!("PersistentVolumeClaim {namespace}/{claim_name}");
    let Some(claim) = claim else {
        diagnosis.found("storage", object, "does not exist", "`promctl install` creates it");
        return diagnosis;
    };
    let phase = claim.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
    let class = claim.spec.as_ref().and_then(|s| s.storage_class_name.clone()).unwrap_or_default();
    if phase == "Bound" {
        diagnosis.fine.push(format!("PersistentVolumeClaim {claim_name}: Bound (class {class})"));
        return diagnosis;
    }
    let class_exists = classes.iter().any(|c| c.name_any() == class);
    let (problem, fix) = if !class.is_empty() && !class_exists {
        (
            format!("{phase}: its StorageClass {class:?} does not exist (the cluster has: {})", class_names(classes)),
            "a claim's class cannot change: delete the claim (it holds no data while Pending) and run `promctl install` with storage.storageClass set to an existing class".to_string(),
        )
    } else if let Some(why) = cannot_bind {
        (format!("{phase}: cannot bind: {}", why.problem), why.fix)
    } else {
        (
            format!("{phase}{}", if events.is_empty() { String::new() } else { format!(": {}", events.join(" | ")) }),
            "a WaitForFirstConsumer class binds once the pod is scheduled; otherwise its provisioner or a matching PersistentVolume is missing".to_string(),
        )
    };
    diagnosis.found("storage", object, problem, fix);
    diagnosis
}

/// One permission a job's service discovery (or scrape) needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Need {
    pub job: String,
    pub verb: &'static str,
    pub group: &'static str,
    pub resource: &'static str,
    pub subresource: Option<&'static str>,
    /// None: in every namespace.
    pub namespace: Option<String>,
}

impl Need {
    fn access(&self) -> Access {
        Access::on_resource(self.verb, self.group, self.resource, self.subresource, self.namespace.as_deref())
    }

    fn describe(&self) -> String {
        self.access().describe()
    }
}

/// What each job's kubernetes_sd_configs must list and watch (Prometheus's discovery reads these per
/// role), and `get nodes/metrics` for a job scraping kubelets with the account's token: read from
/// the config itself, so a team's own jobs count too.
pub fn discovery_needs(prometheus_yml: &str) -> Vec<Need> {
    let Ok(config) = serde_saphyr::from_str::<serde_json::Value>(prometheus_yml) else {
        return Vec::new();
    };
    let mut needs = BTreeSet::new();
    for job in config["scrape_configs"].as_array().into_iter().flatten() {
        let name = job["job_name"].as_str().unwrap_or_default();
        for sd in job["kubernetes_sd_configs"].as_array().into_iter().flatten() {
            let role = sd["role"].as_str().unwrap_or_default();
            let resources: &[(&str, &str)] = match role {
                "pod" => &[("", "pods")],
                "service" => &[("", "services")],
                "endpoints" => &[("", "endpoints"), ("", "services"), ("", "pods")],
                "endpointslice" => &[("discovery.k8s.io", "endpointslices"), ("", "services"), ("", "pods")],
                "node" => &[("", "nodes")],
                "ingress" => &[("networking.k8s.io", "ingresses")],
                _ => &[],
            };
            let own = sd["namespaces"]["own_namespace"].as_bool().unwrap_or(false);
            let names: Vec<Option<String>> = match sd["namespaces"]["names"].as_array() {
                Some(names) if !names.is_empty() => {
                    names.iter().filter_map(|n| n.as_str()).map(|n| Some(n.to_string())).collect()
                }
                _ if own => Vec::new(),
                _ => vec![None],
            };
            for (group, resource) in resources {
                for verb in ["list", "watch"] {
                    // Nodes are cluster-scoped whatever the namespaces say.
                    let scopes = if *resource == "nodes" { vec![None] } else { names.clone() };
                    for namespace in scopes {
                        needs.insert(Need { job: name.into(), verb, group, resource, subresource: None, namespace });
                    }
                }
            }
            let token = job["bearer_token_file"].is_string() || job["authorization"]["credentials_file"].is_string();
            if role == "node" && token && job["scheme"].as_str() == Some("https") {
                needs.insert(Need {
                    job: name.into(),
                    verb: "get",
                    group: "",
                    resource: "nodes",
                    subresource: Some("metrics"),
                    namespace: None,
                });
            }
        }
    }
    needs.into_iter().collect()
}

/// Asks the API server, one SubjectAccessReview per need, whether Prometheus's ServiceAccount has it.
pub async fn permissions(
    client: &Client,
    namespace: &str,
    account: &str,
    prometheus_yml: &str,
    cluster_role: &str,
    diagnosis: &mut Diagnosis,
) -> anyhow::Result<()> {
    let user = format!("system:serviceaccount:{namespace}:{account}");
    let needs = discovery_needs(prometheus_yml);
    let asked: Vec<Access> = needs.iter().map(Need::access).collect();
    let answers = review(client, Some(&user), &asked).await.into_iter().collect::<Result<Vec<bool>, _>>()?;
    diagnosis.extend(judge_permissions(&user, &needs, &answers, cluster_role));
    Ok(())
}

/// The SubjectAccessReviews' answers (`allowed`, one per need, in order) as findings per job, or
/// one fine line when every need is allowed.
pub fn judge_permissions(user: &str, needs: &[Need], allowed: &[bool], cluster_role: &str) -> Diagnosis {
    let mut diagnosis = Diagnosis::default();
    let mut denied: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (need, allowed) in needs.iter().zip(allowed) {
        if !allowed {
            denied.entry(need.job.clone()).or_default().push(need.describe());
        }
    }
    if denied.is_empty() {
        diagnosis.fine.push(format!("{user} may do all {} things the jobs' discovery needs", needs.len()));
    }
    for (job, missing) in denied {
        diagnosis.found(
            "permissions",
            format!("job {job}"),
            format!("its discovery needs what {user} may not do: {}; Prometheus finds no targets for it", missing.join(", ")),
            format!("`promctl install` re-applies the ClusterRole {cluster_role} and its binding to {user}; if something else manages RBAC, grant these verbs there"),
        );
    }
    diagnosis
}

/// The prometheus.io annotations of the Services and pods the annotation jobs scrape: `scrape` must
/// be exactly "true", `port` a port the Service's pods listen on, `path` absolute, `scheme` http(s).
/// `pods` are the pods of the same namespaces (a Service's port lives on its pods).
pub fn annotation_problems(services: &[Service], pods: &[Pod], check_pods: bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    let container_ports = |pod: &Pod| -> Vec<i32> {
        pod.spec
            .iter()
            .flat_map(|s| &s.containers)
            .flat_map(|c| c.ports.iter().flatten())
            .map(|p| p.container_port)
            .collect()
    };
    for service in services {
        let annotations = service.metadata.annotations.clone().unwrap_or_default();
        if !annotations.contains_key("prometheus.io/scrape") {
            continue;
        }
        let object = format!("Service {}/{}", service.namespace().unwrap_or_default(), service.name_any());
        let spec = service.spec.clone().unwrap_or_default();
        let selector = spec.selector.clone().unwrap_or_default();
        let selected = pods
            .iter()
            .filter(|p| p.namespace() == service.namespace())
            .filter(|p| !selector.is_empty() && selector.iter().all(|(k, v)| p.labels().get(k) == Some(v)));
        let mut ports: BTreeSet<i32> = selected.flat_map(&container_ports).collect();
        for port in spec.ports.iter().flatten() {
            if let Some(IntOrString::Int(target)) = &port.target_port {
                ports.insert(*target);
            }
        }
        findings.extend(common_problems(&object, &annotations, &ports, "the Service's pods listen on"));
    }
    for pod in pods.iter().filter(|_| check_pods) {
        let annotations = pod.metadata.annotations.clone().unwrap_or_default();
        if !annotations.contains_key("prometheus.io/scrape") {
            continue;
        }
        let object = format!("pod {}/{}", pod.namespace().unwrap_or_default(), pod.name_any());
        let ports: BTreeSet<i32> = container_ports(pod).into_iter().collect();
        findings.extend(common_problems(&object, &annotations, &ports, "its containers declare"));
    }
    findings
}

/// The problems of one annotated object; `ports` are those it can be scraped on.
fn common_problems(
    object: &str,
    annotations: &BTreeMap<String, String>,
    ports: &BTreeSet<i32>,
    where_: &str,
) -> Vec<Finding> {
    let finding =
        |problem: String, fix: String| Finding { area: "annotations", object: object.to_string(), problem, fix };
    let scrape = annotations.get("prometheus.io/scrape").map(String::as_str).unwrap_or_default();
    if scrape != "true" {
        return vec![finding(
            format!("prometheus.io/scrape is {scrape:?}; only \"true\" is scraped"),
            "set prometheus.io/scrape: \"true\" (quoted), or remove it".into(),
        )];
    }
    let mut findings = Vec::new();
    let shown = if ports.is_empty() {
        "none".to_string()
    } else {
        ports.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
    };
    match annotations.get("prometheus.io/port").map(|p| (p, p.parse::<i32>())) {
        None if ports.is_empty() => findings.push(finding(
            "has no prometheus.io/port and no port to fall back on".into(),
            "add prometheus.io/port with the port /metrics is served on".into(),
        )),
        None => {}
        Some((text, Err(_))) => findings.push(finding(
            format!("prometheus.io/port is {text:?}, not a port number: the target is dropped"),
            format!("set prometheus.io/port to a number ({where_}: {shown})"),
        )),
        Some((_, Ok(port))) if !ports.is_empty() && !ports.contains(&port) => findings.push(finding(
            format!("prometheus.io/port is {port}, but {where_} {shown}: the scrape is refused"),
            format!("set prometheus.io/port to the port /metrics is served on (one of {shown})"),
        )),
        Some(_) => {}
    }
    if let Some(path) = annotations.get("prometheus.io/path").filter(|p| !p.starts_with('/')) {
        findings.push(finding(
            format!("prometheus.io/path is {path:?}, not an absolute path"),
            "write it with a leading slash, e.g. /metrics".into(),
        ));
    }
    if let Some(scheme) = annotations.get("prometheus.io/scheme").filter(|s| *s != "http" && *s != "https") {
        findings.push(finding(
            format!("prometheus.io/scheme is {scheme:?}; only http and https are used"),
            "set it to http or https, or remove it".into(),
        ));
    }
    findings
}

/// Why a scrape failed, in people's words, and the fix, from the error Prometheus recorded.
pub fn explain_scrape_error(error: &str) -> (&'static str, &'static str) {
    let e = error.to_ascii_lowercase();
    if e.contains("connection refused") {
        (
            "connection refused: nothing listens on that port",
            "the exporter is not running, or the port (prometheus.io/port, the job's port) is wrong",
        )
    } else if e.contains("status 404") {
        ("HTTP 404: nothing is served at that path", "fix the metrics path (prometheus.io/path, the job's path)")
    } else if e.contains("status 401") || e.contains("status 403") {
        (
            "refused with 401/403: the endpoint wants credentials",
            "give the job authorization or basic_auth from a mounted Secret (values secrets), or open /metrics",
        )
    } else if e.contains("deadline exceeded") || e.contains("timeout") || e.contains("i/o timeout") {
        (
            "timed out",
            "a NetworkPolicy drops the traffic, the host is unreachable, or the exporter is slower than scrape_timeout",
        )
    } else if e.contains("content-type") || e.contains("content type") || e.contains("unsupported media") {
        (
            "the answer is not in a metrics format (Content-Type)",
            "point the job at the real metrics endpoint; for an exporter without a Content-Type, Prometheus 3 needs fallback_scrape_protocol",
        )
    } else if e.contains("no route to host") || e.contains("host is unreachable") {
        ("no route to host", "the pod is gone or on an unreachable node; check the pod and the network")
    } else if e.contains("tls") || e.contains("certificate") || e.contains("x509") {
        ("TLS failed", "check the job's scheme and tls_config (ca_file, insecure_skip_verify)")
    } else if e.contains("http: server gave http response to https client") {
        ("HTTPS to a plain-HTTP endpoint", "set the scheme to http (prometheus.io/scheme)")
    } else if e.contains("sample limit") || e.contains("body size limit") {
        (
            "over the job's sample or body limit",
            "raise sample_limit/body_size_limit, or drop series with metric_relabel_configs",
        )
    } else {
        ("the scrape failed", "Prometheus's error above says why")
    }
}

/// Each kind of down target (job and error) with its cause, a few examples with the object each
/// belongs to (its pod by name, its node, not only its IP), and, when `from` gives the Prometheus
/// pod, whether that pod reaches the URL itself (not asked when the target's node is NotReady: that
/// is the cause, and the request would only wait).
pub async fn down_targets(
    targets: &TargetTally,
    pods: &[Pod],
    nodes: &readiness::NodeView,
    from: Option<(&Client, &str, &str, &str)>,
    diagnosis: &mut Diagnosis,
) {
    let mut found = judge_down_targets(targets, pods, nodes);
    if let Some((client, namespace, pod, container)) = from {
        let owners = PodsByIp::of(pods);
        // One finding per example, in their order.
        for (finding, (_, target, _)) in found.findings.iter_mut().zip(down_examples(targets)) {
            if owners.node_cause(&target, nodes).is_some() {
                continue;
            }
            let reach = reach_from_pod(client, namespace, pod, container, &target.scrape_url).await;
            finding.problem.push_str(&format!("\nfrom pod {pod}: {reach}"));
        }
    }
    diagnosis.extend(found);
}

/// Each example of a down target (a few per job and error, jobs by name): its job, the target, and
/// how many more of its job fail the same way after the last example.
fn down_examples(targets: &TargetTally) -> impl Iterator<Item = (&str, DownTarget, usize)> {
    targets.down_errors().flat_map(|(job, group)| {
        let more = group.count - group.examples.len();
        let last = group.examples.len().saturating_sub(1);
        group.examples.into_iter().enumerate().map(move |(i, example)| (job, example, if i == last { more } else { 0 }))
    })
}

/// The pods by IP: the pod a target's address belongs to, and the node it runs on.
struct PodsByIp(BTreeMap<String, (String, Option<String>)>);

impl PodsByIp {
    fn of(pods: &[Pod]) -> Self {
        PodsByIp(
            pods.iter()
                .filter_map(|p| {
                    let ip = p.status.as_ref()?.pod_ip.clone()?;
                    let node = p.spec.as_ref().and_then(|s| s.node_name.clone());
                    Some((ip, (format!("pod {}/{}", p.namespace().unwrap_or_default(), p.name_any()), node)))
                })
                .collect(),
        )
    }

    fn of_target(&self, target: &DownTarget) -> Option<&(String, Option<String>)> {
        let host = reqwest::Url::parse(&target.scrape_url).ok()?.host_str()?.to_string();
        self.0.get(&host)
    }

    /// What is wrong with the node behind `target` (the node it scrapes, or its pod's): NotReady, or
    /// its kubelet's stale Lease.
    fn node_cause(&self, target: &DownTarget, nodes: &readiness::NodeView) -> Option<String> {
        let pod_node = self.of_target(target).and_then(|(_, node)| node.as_deref());
        nodes.trouble_behind(&target.scrape_url, pod_node)
    }
}

/// One finding per example of a down target (a few per job and error): its job, URL, cause and
/// Prometheus's error, on the object it belongs to (a pod of `pods` by its IP, else its
/// namespace/pod labels, else the node of `nodes` it scrapes, else its host), the last one of each
/// error saying how many more fail so; or one fine line when none is down. A target whose node is
/// NotReady has that condition as its cause and fix.
pub fn judge_down_targets(targets: &TargetTally, pods: &[Pod], nodes: &readiness::NodeView) -> Diagnosis {
    let mut diagnosis = Diagnosis::default();
    let owners = PodsByIp::of(pods);
    let up = targets.up();
    let mut down = down_examples(targets).peekable();
    if down.peek().is_none() {
        let unscraped = targets.total() - up;
        let pending = if unscraped > 0 { format!(", {unscraped} not scraped yet") } else { String::new() };
        diagnosis.fine.push(format!("{up} targets up{pending}, none down"));
    }
    for (job, target, more) in down {
        let host = reqwest::Url::parse(&target.scrape_url).ok().and_then(|u| u.host_str().map(str::to_string));
        let scraped_node =
            readiness::node_of_target(&target.scrape_url, None, &nodes.nodes).map(|n| format!("node {}", n.name_any()));
        let node_cause = owners.node_cause(&target, nodes);
        let object = owners
            .of_target(&target)
            .map(|(pod, _)| pod.clone())
            .or(target.owner)
            .or(scraped_node)
            .unwrap_or_else(|| host.clone().unwrap_or_default());
        let (cause, fix) = explain_scrape_error(&target.last_error);
        let mut problem = format!("job {job}: {} is down: {cause} ({})", target.scrape_url, target.last_error.trim());
        if more > 0 {
            problem.push_str(&format!("; {more} more targets of job {job} fail the same way"));
        }
        let fix = match &node_cause {
            Some(why) => {
                let (cause, fix) = why.rsplit_once("; ").unwrap_or((why.as_str(), ""));
                problem.push_str(&format!("\n{cause}"));
                fix.to_string()
            }
            None => fix.to_string(),
        };
        diagnosis.found("targets", object, problem, fix);
    }
    diagnosis
}

/// `wget` of `url` inside the Prometheus container (busybox's, in the official images): what the
/// network says from where Prometheus stands, apart from Prometheus's own config.
async fn reach_from_pod(client: &Client, namespace: &str, pod: &str, container: &str, url: &str) -> String {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    // No -T: Debian's static busybox (the test bed's images) crashes on it; the exec is bounded below.
    let command = ["wget", "-O", "/dev/null", url];
    let attempt = async {
        let output = crate::cluster::pods::exec(&pods, pod, container, &command).await?;
        anyhow::Ok((output.failure, output.stderr))
    };
    // wget exits 1 when it cannot fetch; anything else (127: no wget, 139: a crash) says nothing
    // about the network.
    match tokio::time::timeout(Duration::from_secs(10), attempt).await {
        Ok(Ok((None, _))) => {
            "wget reaches it (so the failure is in what Prometheus sends or expects: path, auth, format)".into()
        }
        Ok(Ok((Some(message), output))) if message.ends_with("exit code 1") => {
            format!("wget fails too: {}", output.trim().lines().last().unwrap_or("no output"))
        }
        Ok(Ok((Some(message), _))) => format!("could not test from inside the pod: {message}"),
        Ok(Err(e)) => format!("could not run wget in the pod ({})", crate::error::message(&e)),
        Err(_) => "wget gave no answer within 10s".into(),
    }
}

/// The filesystem under `path` in the Prometheus container (`df`, bounded: a stopped kubelet answers
/// no exec), or why it could not be read.
pub async fn filesystem(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: &str,
    path: &str,
) -> Result<crate::validation::capacity::Filesystem, String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let command = crate::validation::capacity::df_command(path);
    match tokio::time::timeout(Duration::from_secs(5), crate::cluster::pods::exec(&pods, pod, container, &command))
        .await
    {
        Ok(Ok(output)) if output.failure.is_none() => crate::validation::capacity::read_df(&output.stdout)
            .ok_or_else(|| format!("df gave no filesystem: {}", output.stdout.trim())),
        Ok(Ok(output)) => {
            let said = Some(output.stderr.trim()).filter(|s| !s.is_empty()).or(output.failure.as_deref());
            Err(format!("df failed: {}", said.unwrap_or_default()))
        }
        Ok(Err(e)) => Err(format!("df could not run: {}", crate::error::message(&e))),
        Err(_) => Err("df gave no answer within 5s".into()),
    }
}

/// How full the claim and the filesystem under it (`fs`, when read) are and how fast they fill
/// (validation::capacity), as a finding when they fill or cannot be read, a fine line otherwise.
pub async fn capacity(
    api: &crate::prometheus::PrometheusApi,
    values: &Values,
    fs: Result<crate::validation::capacity::Filesystem, String>,
    diagnosis: &mut Diagnosis,
) {
    match crate::validation::capacity::capacity_answers(api).await {
        Ok(answers) => {
            let mut verdict = crate::validation::capacity::judge_capacity(&answers, values, fs.as_ref().ok().copied());
            if let Err(why) = fs {
                verdict.state.push_str(&format!("; its filesystem was not read ({why})"));
            }
            match verdict.fix {
                Some(fix) => diagnosis.found("capacity", "Prometheus", verdict.state, fix),
                None => diagnosis.fine.push(verdict.state),
            }
        }
        Err(e) => diagnosis.found(
            "capacity",
            "Prometheus",
            format!("its TSDB's size cannot be read: {}", crate::error::message(&e)),
            "see the pods above; is it Ready?",
        ),
    }
}

/// The config each replica runs against the rendered one.
pub async fn config_drift(replicas: &[ReplicaUnderTest<'_>], rendered: &str, diagnosis: &mut Diagnosis) {
    for ReplicaUnderTest { name, api } in replicas {
        let Ok(api) = api else { continue };
        diagnosis.extend(judge_config_drift(name, rendered, &api.config().await));
    }
}

/// One replica's running config (`/api/v1/status/config`, or why it could not be read) against the
/// rendered one.
pub fn judge_config_drift(name: &str, rendered: &str, running: &anyhow::Result<String>) -> Diagnosis {
    let mut diagnosis = Diagnosis::default();
    let running = match running {
        Ok(running) => running,
        Err(e) => {
            diagnosis.found(
                "config",
                name,
                format!("its config cannot be read: {}", crate::error::message(e)),
                "is the pod Ready? see the pods above",
            );
            return diagnosis;
        }
    };
    let differences = crate::promconfig::drift(rendered, running);
    if differences.is_empty() {
        diagnosis.fine.push(format!("{name} runs the rendered config"));
    } else {
        diagnosis.found(
            "config",
            name,
            format!("runs another config than promctl renders from these values: {}", differences.join("; ")),
            "`promctl reload` loads the rendered one (`promctl diff` shows what else differs); if the running one is right, put it in the values",
        );
    }
    diagnosis
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::recorded::{self, PROMETHEUS};

    fn targets(version: &str, scenario: &str) -> TargetTally {
        recorded::tally(&format!("{version}/{scenario}/targets.json"))
    }

    fn recorded_error(version: &str, job: &str) -> String {
        let targets = recorded::targets(&format!("{version}/main/targets.json"));
        targets.into_iter().find(|t| t.job() == job).expect("the job's target").last_error
    }

    #[test]
    fn recorded_scrape_errors_are_explained_by_their_cause() {
        for version in PROMETHEUS {
            let (cause, fix) = explain_scrape_error(&recorded_error(version, "refused"));
            assert_eq!(cause, "connection refused: nothing listens on that port", "{version}");
            assert!(fix.contains("the exporter is not running, or the port"), "{version}");
            let (cause, fix) = explain_scrape_error(&recorded_error(version, "not-found"));
            assert_eq!(cause, "HTTP 404: nothing is served at that path", "{version}");
            assert!(fix.starts_with("fix the metrics path"), "{version}");
        }
    }

    #[test]
    fn each_recorded_down_target_is_a_finding_with_its_job_url_cause_and_pod() {
        let exporter: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "exporter-0", "namespace": "shop"},
            "status": {"podIP": "127.0.0.1"}
        }))
        .unwrap();
        for version in PROMETHEUS {
            let found = judge_down_targets(&targets(version, "main"), &[], &Default::default());
            assert!(found.fine.is_empty(), "{version}");
            let lines: Vec<String> = found.findings.iter().map(|f| format!("{}: {}", f.object, f.problem)).collect();
            assert_eq!(lines.len(), 2, "{version}: {lines:?}");
            assert!(
                lines.iter().any(|l| l
                    .starts_with("127.0.0.1: job refused: http://127.0.0.1:19999/metrics is down: connection refused")),
                "{version}: {lines:?}"
            );
            assert!(
                lines.iter().any(|l| l
                    .starts_with("127.0.0.1: job not-found: http://127.0.0.1:19300/no-metrics-here is down: HTTP 404")),
                "{version}: {lines:?}"
            );
            // A pod with the target's IP names it.
            let found =
                judge_down_targets(&targets(version, "main"), std::slice::from_ref(&exporter), &Default::default());
            assert!(
                found.findings.iter().all(|f| f.object == "pod shop/exporter-0"),
                "{version}: {:?}",
                found.findings
            );
        }
    }

    #[test]
    fn a_target_behind_a_stopped_kubelet_is_the_nodes_finding_with_its_condition_and_fix() {
        let targets = crate::validation::recorded::tally("kubernetes/targets-kubelet-stopped.json");
        let node: Node =
            serde_json::from_str(include_str!("../tests/fixtures/kubernetes/node-kubelet-stopped.json")).unwrap();
        let view = readiness::NodeView { nodes: vec![node], ..Default::default() };
        let found = judge_down_targets(&targets, &[], &view);
        assert_eq!(found.findings.len(), 2, "{:?}", found.findings);
        for finding in &found.findings {
            // Named by the node, not by its IP address.
            assert_eq!(finding.object, "node promctl-node");
            assert!(finding.problem.starts_with("job kubernetes-"), "{}", finding.problem);
            assert!(
                finding.problem.ends_with("\nthe node promctl-node is NotReady (Unknown) since 2026-12-03T12:28:31Z: NodeStatusUnknown Kubelet stopped posting node status."),
                "{}",
                finding.problem
            );
            assert_eq!(finding.fix, "fix the node (kubelet), or cordon and drain it so the pod moves");
        }
        // Without the nodes, the host and the scrape error's own cause.
        let found = judge_down_targets(&targets, &[], &Default::default());
        assert!(found.findings.iter().all(|f| f.object == "10.254.0.2" && !f.problem.contains("NotReady")));
    }

    #[test]
    fn many_targets_down_the_same_way_are_three_findings_and_a_count() {
        let tally: TargetTally = (0..5_000)
            .map(|i| {
                let host = format!("10.0.{}.{}:9100", i / 250, i % 250);
                serde_json::from_value(serde_json::json!({
                    "scrapePool": "nodes",
                    "scrapeUrl": format!("http://{host}/metrics"),
                    "health": "down",
                    "lastError": format!("Get \"http://{host}/metrics\": dial tcp {host}: connect: connection refused"),
                    "labels": {"job": "nodes", "namespace": "kube-system", "pod": format!("node-exporter-{i}")}
                }))
                .unwrap()
            })
            .collect();
        let found = judge_down_targets(&tally, &[], &Default::default());
        let objects: Vec<&str> = found.findings.iter().map(|f| f.object.as_str()).collect();
        assert_eq!(
            objects,
            ["kube-system/node-exporter-0", "kube-system/node-exporter-1", "kube-system/node-exporter-2"]
        );
        assert!(!found.findings[1].problem.contains("more targets"), "{}", found.findings[1].problem);
        assert!(
            found.findings[2].problem.ends_with("; 4997 more targets of job nodes fail the same way"),
            "{}",
            found.findings[2].problem
        );
    }

    #[test]
    fn recorded_targets_all_up_are_one_fine_line() {
        for version in PROMETHEUS {
            let found = judge_down_targets(&targets(version, "healthy-1"), &[], &Default::default());
            assert!(found.findings.is_empty(), "{version}: {:?}", found.findings);
            assert_eq!(found.fine, ["3 targets up, none down"], "{version}");
        }
    }

    #[test]
    fn discovery_needs_are_read_from_the_config_prometheus_serves() {
        for version in PROMETHEUS {
            let running = recorded::config(&format!("{version}/main/config.json"));
            let needs: Vec<String> =
                discovery_needs(&running).iter().map(|n| format!("{}: {}", n.job, n.describe())).collect();
            assert_eq!(
                needs,
                [
                    "kubernetes-nodes: get nodes/metrics",
                    "kubernetes-nodes: list nodes",
                    "kubernetes-nodes: watch nodes",
                    "shop-pods: list pods in namespace shop",
                    "shop-pods: watch pods in namespace shop",
                ],
                "{version}"
            );
        }
    }

    #[test]
    fn a_need_the_account_may_not_have_is_a_finding_per_job_naming_the_verbs() {
        let user = "system:serviceaccount:monitoring:prometheus";
        for version in PROMETHEUS {
            let needs = discovery_needs(&recorded::config(&format!("{version}/main/config.json")));
            let all = judge_permissions(user, &needs, &vec![true; needs.len()], "prometheus");
            assert!(all.findings.is_empty(), "{version}");
            assert_eq!(all.fine, [format!("{user} may do all 5 things the jobs' discovery needs")]);

            let allowed: Vec<bool> = needs.iter().map(|n| n.subresource.is_none()).collect();
            let denied = judge_permissions(user, &needs, &allowed, "prometheus");
            assert!(denied.fine.is_empty(), "{version}");
            assert_eq!(denied.findings.len(), 1, "{version}");
            assert_eq!(denied.findings[0].object, "job kubernetes-nodes");
            assert_eq!(
                denied.findings[0].problem,
                format!(
                    "its discovery needs what {user} may not do: get nodes/metrics; Prometheus finds no targets for it"
                )
            );
            assert!(denied.findings[0].fix.contains("re-applies the ClusterRole prometheus"));
        }
    }

    #[test]
    fn a_replica_running_another_config_is_a_config_finding_naming_the_jobs() {
        for version in PROMETHEUS {
            let running = recorded::config(&format!("{version}/healthy-1/config.json"));
            let rendered = recorded::text(&format!("{version}/healthy-1/prometheus.yml"));
            let same = judge_config_drift("prometheus-0", &rendered, &Ok(running.clone()));
            assert!(same.findings.is_empty(), "{version}: {:?}", same.findings);
            assert_eq!(same.fine, ["prometheus-0 runs the rendered config"]);

            let rendered = recorded::text(&format!("{version}/main/prometheus.yml"));
            let drift = judge_config_drift("prometheus-0", &rendered, &Ok(running));
            assert_eq!(drift.findings.len(), 1, "{version}");
            assert!(
                drift.findings[0].problem.starts_with("runs another config than promctl renders from these values: "),
                "{version}"
            );
            assert!(drift.findings[0].problem.contains("job refused: rendered, not running"), "{version}");

            let unread =
                judge_config_drift("prometheus-0", &rendered, &Err(anyhow::anyhow!("503 Service Unavailable")));
            assert_eq!(unread.findings[0].problem, "its config cannot be read: 503 Service Unavailable");
        }
    }

    #[test]
    fn scrape_errors_are_explained_by_their_cause() {
        let cause = |e: &str| explain_scrape_error(e).0;
        assert!(
            cause(r#"Get "http://10.88.0.9:9999/metrics": dial tcp 10.88.0.9:9999: connect: connection refused"#)
                .starts_with("connection refused")
        );
        assert!(cause("server returned HTTP status 404 Not Found").starts_with("HTTP 404"));
        assert!(cause("server returned HTTP status 401 Unauthorized").contains("401"));
        assert!(cause("context deadline exceeded").starts_with("timed out"));
        assert!(
            cause(r#"received unsupported Content-Type "text/html" and no fallback_scrape_protocol specified"#)
                .contains("Content-Type")
        );
        assert_eq!(cause("something new"), "the scrape failed");
    }

    #[test]
    fn discovery_needs_follow_the_config_roles_and_namespaces() {
        let config = r#"
scrape_configs:
  - job_name: django
    kubernetes_sd_configs: [{role: pod, namespaces: {names: [shop]}}]
  - job_name: kubernetes-nodes
    scheme: https
    bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token
    kubernetes_sd_configs: [{role: node}]
  - job_name: endpoints
    kubernetes_sd_configs: [{role: endpointslice}]
"#;
        let needs: Vec<String> =
            discovery_needs(config).iter().map(|n| format!("{}: {}", n.job, n.describe())).collect();
        assert_eq!(
            needs,
            [
                "django: list pods in namespace shop",
                "django: watch pods in namespace shop",
                "endpoints: list pods",
                "endpoints: list services",
                "endpoints: list endpointslices.discovery.k8s.io",
                "endpoints: watch pods",
                "endpoints: watch services",
                "endpoints: watch endpointslices.discovery.k8s.io",
                "kubernetes-nodes: get nodes/metrics",
                "kubernetes-nodes: list nodes",
                "kubernetes-nodes: watch nodes",
            ]
        );
        // The rendered defaults need what the rendered ClusterRole grants, nothing more.
        let rendered = crate::render::render(&crate::values::load(&[], &[], None).unwrap(), &[]).unwrap();
        let needs = discovery_needs(&rendered.prometheus_yml);
        assert!(needs.iter().any(|n| n.job == "kubernetes-cadvisor" && n.subresource == Some("metrics")));
        assert!(needs.iter().any(|n| n.job == "django" && n.namespace.as_deref() == Some("jewelry-shop")));
    }

    #[test]
    fn annotations_with_a_wrong_port_or_value_are_named_with_the_ports_there_are() {
        let service: Service = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "api", "namespace": "shop",
                "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9999", "prometheus.io/path": "metrics"}},
            "spec": {"selector": {"app": "api"}, "ports": [{"port": 80, "targetPort": 8000}]}
        }))
        .unwrap();
        let typo: Service = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "cache", "namespace": "shop", "annotations": {"prometheus.io/scrape": "yes"}},
            "spec": {"ports": [{"port": 6379}]}
        }))
        .unwrap();
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "api-1", "namespace": "shop", "labels": {"app": "api"}},
            "spec": {"containers": [{"name": "api", "ports": [{"containerPort": 8000}, {"containerPort": 9102}]}]}
        }))
        .unwrap();
        let findings = annotation_problems(&[service, typo], &[pod], true);
        let lines: Vec<String> = findings.iter().map(|f| format!("{}: {}", f.object, f.problem)).collect();
        assert_eq!(
            lines,
            [
                "Service shop/api: prometheus.io/port is 9999, but the Service's pods listen on 8000, 9102: the scrape is refused",
                "Service shop/api: prometheus.io/path is \"metrics\", not an absolute path",
                "Service shop/cache: prometheus.io/scrape is \"yes\"; only \"true\" is scraped",
            ]
        );
        assert!(findings[0].fix.contains("one of 8000, 9102"));
    }

    // Kubernetes objects are not recorded (the recording runs no cluster): these are written as the
    // API server returns them, with only the fields the judgments read.

    fn class(name: &str, default: bool) -> StorageClass {
        let annotations =
            if default { serde_json::json!({DEFAULT_CLASS_ANNOTATION: "true"}) } else { serde_json::json!({}) };
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "annotations": annotations}, "provisioner": "rancher.io/local-path"
        }))
        .unwrap()
    }

    #[test]
    fn an_empty_storage_class_uses_the_default_one_and_fails_without_one() {
        let fine = judge_storage_class(&[class("fast", false), class("standard", true)], "");
        assert_eq!(fine.fine, ["storage.storageClass empty: the default class standard is used"]);
        let none = judge_storage_class(&[class("fast", false)], "");
        assert_eq!(
            none.findings[0].problem,
            "is empty and the cluster has no default StorageClass (it has: fast): the claim stays Pending"
        );
        let missing = judge_storage_class(&[class("standard", true)], "ssd");
        assert_eq!(
            missing.findings[0].problem,
            "storage.storageClass names \"ssd\", which does not exist (the cluster has: standard (default))"
        );
    }

    #[test]
    fn a_pending_claim_on_a_missing_class_says_to_delete_it_and_a_bound_one_is_fine() {
        let claim = |phase: &str, class: &str| -> PersistentVolumeClaim {
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": "prometheus-data", "namespace": "monitoring"},
                "spec": {"storageClassName": class}, "status": {"phase": phase}
            }))
            .unwrap()
        };
        let classes = [class("standard", true)];
        let bound =
            judge_claim("monitoring", "prometheus-data", Some(&claim("Bound", "standard")), &classes, &[], None);
        assert_eq!(bound.fine, ["PersistentVolumeClaim prometheus-data: Bound (class standard)"]);
        let pending = judge_claim("monitoring", "prometheus-data", Some(&claim("Pending", "ssd")), &classes, &[], None);
        assert_eq!(
            pending.findings[0].problem,
            "Pending: its StorageClass \"ssd\" does not exist (the cluster has: standard (default))"
        );
        assert!(pending.findings[0].fix.starts_with("a claim's class cannot change: delete the claim"));
        let waiting = ["Normal WaitForFirstConsumer: waiting for first consumer".to_string()];
        let pending =
            judge_claim("monitoring", "prometheus-data", Some(&claim("Pending", "standard")), &classes, &waiting, None);
        assert_eq!(pending.findings[0].problem, "Pending: Normal WaitForFirstConsumer: waiting for first consumer");
        let absent = judge_claim("monitoring", "prometheus-data", None, &classes, &[], None);
        assert_eq!(absent.findings[0].problem, "does not exist");
    }

    #[test]
    fn a_troubled_pod_on_a_node_whose_kubelet_stopped_is_told_to_fix_or_drain_the_node() {
        let node: Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "worker-2"},
            "spec": {"taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]},
            "status": {"conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                "message": "Kubelet stopped posting node status.", "lastHeartbeatTime": "2026-12-03T08:00:00Z",
                "lastTransitionTime": "2026-12-03T08:00:41Z"}]}
        }))
        .unwrap();
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "prometheus-1-7c9d8b6f5-x2k4q"},
            "spec": {"nodeName": "worker-2", "containers": [{"name": "prometheus"}]},
            "status": {"phase": "Pending"}
        }))
        .unwrap();
        let finding = Finding {
            area: "pods",
            object: "pod jewelry-shop/prometheus-1-7c9d8b6f5-x2k4q".into(),
            problem: "pod prometheus-1-7c9d8b6f5-x2k4q Pending, not Ready yet".into(),
            fix: "wait for it".into(),
        };
        let judged = with_nodes(finding.clone(), &pod, std::slice::from_ref(&node));
        assert!(judged.problem.ends_with("\nthe node worker-2 is NotReady (Unknown) since 2026-12-03T08:00:41Z: NodeStatusUnknown Kubelet stopped posting node status."), "{}", judged.problem);
        assert_eq!(judged.fix, "fix the node (kubelet), or cordon and drain it so the pod moves");
        // An unscheduled pod names cordoned nodes and nodes under pressure.
        let mut unscheduled = pod.clone();
        unscheduled.spec.as_mut().unwrap().node_name = None;
        let mut cordoned = node;
        cordoned.spec.as_mut().unwrap().unschedulable = Some(true);
        let judged = with_nodes(finding, &unscheduled, &[cordoned]);
        assert!(judged.problem.contains("nodes: the node worker-2 is cordoned"), "{}", judged.problem);
    }

    #[test]
    fn a_pending_claim_that_cannot_bind_is_named_with_its_event_and_fix() {
        let claim: PersistentVolumeClaim = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "prometheus-storage-1", "namespace": "jewelry-shop"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}},
            "status": {"phase": "Pending"}
        }))
        .unwrap();
        let event: k8s_openapi::api::core::v1::Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "prometheus-storage-1.187d3c1f0a2b", "namespace": "jewelry-shop"},
            "involvedObject": {"kind": "PersistentVolumeClaim", "name": "prometheus-storage-1", "namespace": "jewelry-shop"},
            "reason": "FailedBinding", "type": "Warning", "count": 12,
            "message": "no persistent volumes available for this claim and no storage class is set",
            "lastTimestamp": "2026-12-03T08:01:30Z"
        }))
        .unwrap();
        // No class (none named, no default): nothing can create a volume, scheduled or not.
        let why = readiness::claim_cannot_bind(&claim, None, &[event], true);
        let found = judge_claim("jewelry-shop", "prometheus-storage-1", Some(&claim), &[], &[], why);
        assert_eq!(
            found.findings[0].problem,
            "Pending: cannot bind: FailedBinding: no persistent volumes available for this claim and no storage class is set"
        );
        assert!(
            found.findings[0].fix.starts_with("create a PersistentVolume of at least 20Gi"),
            "{:?}",
            found.findings
        );
    }

    #[test]
    fn a_crash_looping_pod_is_troubled_and_its_finding_carries_the_previous_log() {
        let now: k8s_openapi::jiff::Timestamp = "2026-12-02T12:00:00Z".parse().unwrap();
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "prometheus-0", "namespace": "monitoring"},
            "status": {"containerStatuses": [{
                "name": "prometheus", "image": "prom/prometheus", "imageID": "", "ready": false, "restartCount": 4,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 1m0s"}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-12-02T11:59:00Z"}}
            }]}
        }))
        .unwrap();
        let PodLook::Troubled { problem, restarts } = look_at_pod(&pod, now) else {
            panic!("a crash-looping pod is not fine");
        };
        assert_eq!(restarts, 4);
        assert!(problem.contains("CrashLoopBackOff"), "{problem}");
        let diagnostics = PodDiagnostics {
            pod: "prometheus-0".into(),
            events: vec![],
            logs: vec![crate::cluster::inspect::LogTail {
                container: "prometheus".into(),
                previous: true,
                text: "ts=... level=error msg=\"Error loading config\" err=\"parsing YAML file\"\n".into(),
            }],
        };
        let finding = pod_finding("monitoring", &problem, restarts, &diagnostics);
        assert_eq!(finding.object, "pod monitoring/prometheus-0");
        assert!(finding.problem.ends_with("previous container's last log lines: ts=... level=error msg=\"Error loading config\" err=\"parsing YAML file\""), "{}", finding.problem);
        assert!(finding.fix.starts_with("the container exits: its previous log lines say why"));
    }
}
