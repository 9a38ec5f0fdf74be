//! What a person needs when a pod fails: its recent events and the last log lines, previous container too.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, Node, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::Client;
use kube::api::{Api, ListParams, LogParams};
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct PodDiagnostics {
    pub pod: String,
    /// "TYPE REASON: message" lines, oldest first.
    pub events: Vec<String>,
    /// Last lines of each container's current log, then of its previous instance if it restarted.
    pub logs: Vec<LogTail>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogTail {
    pub container: String,
    pub previous: bool,
    pub text: String,
}

pub const LOG_TAIL_LINES: i64 = 20;
/// How far back a log is read for the error line that led to its tail.
const LOG_READ_LINES: i64 = 300;

/// The last `keep` lines of a container's log and, when the error that ended it came earlier, that
/// error line first: a program that prints its usage after a bad flag (Prometheus: "Error parsing
/// command line arguments: ...", then 160 lines of --help) would otherwise show only its usage.
pub fn log_tail(log: &str, keep: usize) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let start = lines.len().saturating_sub(keep);
    let is_error = |line: &str| {
        let lower = line.to_ascii_lowercase();
        lower.starts_with("error") || lower.contains(": error: ") || lower.contains("level=error")
    };
    let tail = lines[start..].join("\n");
    match lines[..start].iter().rfind(|l| is_error(l)) {
        Some(error) if !lines[start..].iter().any(|l| is_error(l)) => format!("{error}\n[...]\n{tail}"),
        _ => tail,
    }
}

const EVENTS_SHOWN: usize = 10;

/// Best effort: a diagnostic that cannot be read (no logs before the image is pulled) is skipped, never an error.
pub async fn pod_diagnostics(client: &Client, namespace: &str, pod: &Pod) -> PodDiagnostics {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let events = object_events(client, namespace, "Pod", &name).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut logs = Vec::new();
    // The kubelet serves logs: one that stopped answering would hold each read for the API server's
    // own timeout. The logs are evidence; the bound keeps them from stalling the diagnosis.
    let read = async {
        for status in pod.status.iter().flat_map(|s| s.container_statuses.iter().flatten()) {
            let mut instances = vec![false];
            if status.restart_count > 0 {
                instances.push(true);
            }
            for previous in instances {
                let params = LogParams {
                    container: Some(status.name.clone()),
                    previous,
                    tail_lines: Some(LOG_READ_LINES),
                    ..LogParams::default()
                };
                if let Ok(text) = pods.logs(&name, &params).await
                    && !text.trim().is_empty()
                {
                    let text = log_tail(&text, LOG_TAIL_LINES as usize);
                    logs.push(LogTail { container: status.name.clone(), previous, text });
                }
            }
        }
    };
    let _ = tokio::time::timeout(NODE_PROBE, read).await;
    PodDiagnostics { pod: name, events, logs }
}

/// The most recent events about one object, oldest first, as "Warning BackOff: message" lines.
pub async fn object_events(client: &Client, namespace: &str, kind: &str, name: &str) -> Vec<String> {
    let mut events = raw_object_events(client, namespace, kind, name).await;
    // Scheduler events carry only eventTime (microseconds); kubelet events firstTimestamp (seconds).
    events.sort_by_key(|e| {
        e.event_time
            .as_ref()
            .map(|t| t.0)
            .or(e.first_timestamp.as_ref().map(|t| t.0))
            .or(e.last_timestamp.as_ref().map(|t| t.0))
    });
    let skip = events.len().saturating_sub(EVENTS_SHOWN);
    events
        .into_iter()
        .skip(skip)
        .map(|e| {
            let count = e.count.filter(|c| *c > 1).map(|c| format!(" (x{c})")).unwrap_or_default();
            format!(
                "{} {}{count}: {}",
                e.type_.as_deref().unwrap_or("Normal"),
                e.reason.as_deref().unwrap_or(""),
                e.message.as_deref().unwrap_or("").trim()
            )
        })
        .collect()
}

/// Every event about one object, as the API returns them (none when they cannot be read).
pub async fn raw_object_events(client: &Client, namespace: &str, kind: &str, name: &str) -> Vec<Event> {
    let api: Api<Event> = Api::namespaced(client.clone(), namespace);
    let selector = format!("involvedObject.kind={kind},involvedObject.name={name}");
    api.list(&ListParams::default().fields(&selector)).await.map(|l| l.items).unwrap_or_default()
}

/// Why a claim asking for storage class `class` could never bind: the class does not exist. None when
/// it exists, or when promctl may not read StorageClasses (then the wait reports what it sees).
/// The fix names the classes the cluster has, the default marked.
pub async fn missing_storage_class(client: &Client, class: &str) -> Option<String> {
    // Unreadable classes: the wait reports what it sees instead.
    let classes = storage_classes(client).await.ok()?;
    storage_class_problem(class, &classes)
}

/// Why a claim asking for `class` could never bind among the cluster's `classes`: it is not one of
/// them. The fix names the classes there are, the default marked.
pub fn storage_class_problem(class: &str, classes: &[StorageClass]) -> Option<String> {
    if classes.iter().any(|c| c.metadata.name.as_deref() == Some(class)) {
        return None;
    }
    Some(format!(
        "storage class {class:?} does not exist in the cluster (it has: {}); set storage.storageClass to one of them, or to \"\" for the cluster's default",
        list_classes(classes)
    ))
}

/// Every StorageClass of the cluster.
pub async fn storage_classes(client: &Client) -> anyhow::Result<Vec<StorageClass>> {
    Ok(Api::<StorageClass>::all(client.clone()).list(&ListParams::default()).await?.items)
}

/// Whether `class` is the cluster's default (a claim without a class gets it).
pub fn is_default_class(class: &StorageClass) -> bool {
    class.metadata.annotations.as_ref().and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION)).is_some_and(|d| d == "true")
}

/// "local-path (default), fast" for messages; "none" when there are none.
pub fn list_classes(classes: &[StorageClass]) -> String {
    let names: Vec<String> = classes
        .iter()
        .map(|c| {
            let name = c.metadata.name.clone().unwrap_or_default();
            if is_default_class(c) { format!("{name} (default)") } else { name }
        })
        .collect();
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

/// The Secrets the pods mount that do not exist in `namespace`: a pod would wait for them in
/// ContainerCreating until the timeout. Read-only; None means all exist (or they cannot be asked
/// about, which the apply will then report).
pub async fn missing_secrets(client: &Client, namespace: &str, names: &[&str]) -> Option<String> {
    use k8s_openapi::api::core::v1::Secret;
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let mut missing = Vec::new();
    for name in names {
        // Only the metadata: promctl never reads a Secret's data.
        if let Ok(None) = api.get_metadata_opt(name).await {
            missing.push(*name);
        }
    }
    (!missing.is_empty()).then(|| {
        format!(
            "Secret {} not found in namespace {namespace}; create {} first (kubectl -n {namespace} create secret generic NAME --from-file=KEY=PATH), or remove {} from the values",
            missing.join(", "),
            if missing.len() == 1 { "it" } else { "them" },
            if missing.len() == 1 { "it" } else { "them" },
        )
    })
}

pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

/// The newest Ready pod that `selector` picks (never one being deleted): `Ok(name)`, or `Err(why
/// there is none)` in the words of pod readiness ("pod prometheus-1-... Pending: ContainerCreating").
pub async fn ready_pod(client: &Client, namespace: &str, selector: &str) -> anyhow::Result<Result<Pod, String>> {
    let pods = Api::<Pod>::namespaced(client.clone(), namespace).list(&ListParams::default().labels(selector)).await?;
    let now = k8s_openapi::jiff::Timestamp::now();
    let live: Vec<(&Pod, crate::cluster::readiness::Readiness)> = pods
        .items
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .map(|p| (p, crate::cluster::readiness::pod(p, now, std::time::Duration::MAX)))
        .collect();
    let newest_ready = live
        .iter()
        .filter(|(_, verdict)| verdict.is_ready())
        .max_by_key(|(p, _)| (p.metadata.creation_timestamp.clone(), p.metadata.name.clone()));
    if let Some((pod, _)) = newest_ready {
        return Ok(Ok((*pod).clone()));
    }
    let why: Vec<String> = live.iter().map(|(_, verdict)| verdict.reason().to_string()).collect();
    Ok(Err(if why.is_empty() { format!("no pod matches {selector}") } else { why.join("; ") }))
}
/// Every pod of the cluster (doctor matches annotations and down targets' IPs against them).
pub async fn all_pods(client: &Client) -> anyhow::Result<Vec<Pod>> {
    Ok(Api::<Pod>::all(client.clone()).list(&ListParams::default()).await?.items)
}

/// How long the nodes may take to read: a judgment made without them names less, never fails.
pub const NODE_PROBE: Duration = Duration::from_secs(5);

/// The nodes, read within [`NODE_PROBE`] (none when they cannot be read in time).
pub async fn nodes(client: &Client) -> Vec<Node> {
    let api = Api::<Node>::all(client.clone());
    let params = ListParams::default();
    tokio::time::timeout(NODE_PROBE, api.list(&params))
        .await
        .ok()
        .and_then(Result::ok)
        .map(|l| l.items)
        .unwrap_or_default()
}

/// The nodes and their kubelets' Leases (namespace kube-node-lease), each read within
/// [`NODE_PROBE`]: what judges the nodes behind down targets.
pub async fn node_view(client: &Client) -> super::readiness::NodeView {
    let api = Api::<k8s_openapi::api::coordination::v1::Lease>::namespaced(client.clone(), "kube-node-lease");
    let params = ListParams::default();
    let leases = tokio::time::timeout(NODE_PROBE, api.list(&params)).await.ok().and_then(Result::ok);
    super::readiness::NodeView {
        nodes: nodes(client).await,
        leases: leases.map(|l| l.items).unwrap_or_default(),
        now: k8s_openapi::jiff::Timestamp::now(),
    }
}

/// The node each of `pods` (`namespace/name`) runs on, read within [`NODE_PROBE`]; a pod that cannot
/// be read, or is not scheduled, is left out.
pub async fn nodes_of_pods<'a>(client: &Client, pods: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let read = async {
        for owner in pods {
            let Some((namespace, name)) = owner.split_once('/') else { continue };
            let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
            if let Ok(Some(pod)) = api.get_opt(name).await
                && let Some(node) = pod.spec.and_then(|s| s.node_name)
            {
                found.insert(owner.to_string(), node);
            }
        }
    };
    let _ = tokio::time::timeout(NODE_PROBE, read).await;
    found
}

/// Every Service of the cluster (doctor checks their prometheus.io annotations).
pub async fn all_services(client: &Client) -> anyhow::Result<Vec<k8s_openapi::api::core::v1::Service>> {
    Ok(Api::all(client.clone()).list(&ListParams::default()).await?.items)
}

/// The last 300 lines of `container`'s log in every pod of `selector`, one after another; empty when
/// they cannot be read (a log is evidence, never a reason to fail).
pub async fn recent_logs(client: &Client, namespace: &str, selector: &str, container: &str) -> String {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let Ok(list) = pods.list(&ListParams::default().labels(selector)).await else {
        return String::new();
    };
    let mut log = String::new();
    for pod in list.items {
        let params = LogParams { container: Some(container.to_string()), tail_lines: Some(300), ..Default::default() };
        if let Ok(text) = pods.logs(&kube::ResourceExt::name_any(&pod), &params).await {
            log.push_str(&text);
        }
    }
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prometheus 2.48 started with a flag value it cannot parse prints its error, then its usage
    /// (tests/fixtures/prometheus-2.48.0/crash/README.md): the tail keeps the error.
    #[test]
    fn a_log_tail_keeps_the_error_its_usage_text_pushed_out() {
        let log = include_str!("../../tests/fixtures/prometheus-2.48.0/crash/bad-flag-value.log");
        let all: Vec<&str> = log.lines().collect();
        let last_20 = all[all.len() - 20..].join("\n");
        assert_eq!(
            log_tail(log, 20),
            format!("Error parsing command line arguments: not a valid duration string: \"forever\"\n[...]\n{last_20}")
        );
        // A log whose tail holds its error is shown as it is.
        let running = "level=info msg=a\nlevel=error msg=\"b\"\nlevel=info msg=c";
        assert_eq!(log_tail(running, 2), "level=error msg=\"b\"\nlevel=info msg=c");
        assert_eq!(log_tail(running, 20), running);
    }

    fn recorded_classes() -> Vec<StorageClass> {
        let list: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/kubernetes/storageclasses.json")).unwrap();
        serde_json::from_value(list["items"].clone()).unwrap()
    }

    #[test]
    fn a_storage_class_that_does_not_exist_is_named_with_the_classes_there_are() {
        let classes = recorded_classes();
        assert_eq!(storage_class_problem("local-path", &classes), None);
        let problem = storage_class_problem("nope", &classes).unwrap();
        assert!(
            problem.starts_with(r#"storage class "nope" does not exist in the cluster (it has: local-path);"#),
            "{problem}"
        );
        assert!(problem.contains("set storage.storageClass"), "{problem}");
        assert!(storage_class_problem("nope", &[]).unwrap().contains("(it has: none)"));
    }
}
