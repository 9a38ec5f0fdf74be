//! Waits for an install to become ready by WATCHING (not polling) the Deployment, its pods, the claim and
//! the Service's EndpointSlices, re-judging every resource with the rules in `readiness` on each change.
//! A pod failure that will not fix itself ends the wait at once, with the pod's events and log tail.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::stream::{self, BoxStream, StreamExt};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event as CoreEvent, Node, PersistentVolumeClaim, Pod};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::jiff::Timestamp;
use kube::api::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Client, Resource, ResourceExt};
use serde::Serialize;

use super::inspect::{PodDiagnostics, pod_diagnostics};
use super::readiness::{self, Readiness};

/// What one install must reach.
#[derive(Debug, Clone)]
pub struct WaitSpec {
    pub namespace: String,
    pub deployment: String,
    /// Label selector of the Deployment's pods.
    pub pod_selector: String,
    pub claim: Option<ClaimSpec>,
    /// The Service in front of the pods, whose ready endpoints count; None for a workload without one.
    pub service: Option<String>,
    pub timeout: Duration,
    /// How long a pod may stay Unschedulable before that counts as a failure.
    pub unschedulable_grace: Duration,
}

#[derive(Debug, Clone)]
pub struct ClaimSpec {
    pub name: String,
    pub requested: Quantity,
    pub storage_class: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceStatus {
    pub resource: String,
    #[serde(flatten)]
    pub readiness: Readiness,
    /// Seconds since the wait began when this state was first seen.
    pub since_seconds: f64,
}

#[derive(Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum WaitOutcome {
    Ready {
        resources: Vec<ResourceStatus>,
    },
    Failed {
        resources: Vec<ResourceStatus>,
        failed: ResourceStatus,
        diagnostics: Option<PodDiagnostics>,
    },
    TimedOut {
        resources: Vec<ResourceStatus>,
        /// The last error of a watch that was still failing at the end (the API server gone, say):
        /// then the states above may be stale, and this is the likelier cause.
        #[serde(skip_serializing_if = "Option::is_none")]
        api_error: Option<String>,
    },
}

// Short-lived, one per watch event: boxing the large variants would only add allocations.
#[allow(clippy::large_enum_variant)]
enum Update {
    Deployment(Event<Deployment>),
    ReplicaSet(Event<ReplicaSet>),
    Pod(Event<Pod>),
    Claim(Event<PersistentVolumeClaim>),
    EndpointSlice(Event<EndpointSlice>),
    /// A watch failed (it is retried with backoff); `what` names the watched resource.
    WatchFailed {
        what: &'static str,
        error: watcher::Error,
    },
    /// A watch delivered an event again after failing.
    WatchRecovered {
        what: &'static str,
    },
    /// The claim's StorageClass (or the default one), None when there is none or it cannot be read.
    ClaimClass(Option<StorageClass>),
    /// The events about the claim, read again every few seconds (best effort: why it cannot bind).
    ClaimEvents(Vec<CoreEvent>),
    Tick,
}

/// Notes in `listed` that watch `what` has listed everything there was (its InitDone).
fn listed_when_done<K>(
    event: Event<K>,
    what: &'static str,
    listed: &mut std::collections::BTreeSet<&'static str>,
) -> Event<K> {
    if matches!(event, Event::InitDone) {
        listed.insert(what);
    }
    event
}

/// Latest state of everything watched, keyed by name.
#[derive(Default)]
struct Observed {
    deployment: Option<Deployment>,
    replica_sets: BTreeMap<String, ReplicaSet>,
    pods: BTreeMap<String, Pod>,
    claim: Option<PersistentVolumeClaim>,
    claim_class: Option<StorageClass>,
    claim_events: Vec<CoreEvent>,
    endpoint_slices: BTreeMap<String, EndpointSlice>,
    /// The node of a scheduled pod that is not Ready, read now and then (best effort), by name.
    nodes: BTreeMap<String, Node>,
}

fn fold<K: Resource + Clone>(slot: &mut BTreeMap<String, K>, event: Event<K>) {
    match event {
        Event::Apply(o) | Event::InitApply(o) => {
            slot.insert(o.name_any(), o);
        }
        Event::Delete(o) => {
            slot.remove(&o.name_any());
        }
        Event::Init => slot.clear(),
        Event::InitDone => {}
    }
}

/// For watches of one object by name (field selector), so every event is about that object.
fn fold_one<K>(slot: &mut Option<K>, event: Event<K>) {
    match event {
        Event::Apply(o) | Event::InitApply(o) => *slot = Some(o),
        Event::Delete(_) | Event::Init => *slot = None,
        Event::InitDone => {}
    }
}

/// One watch, its events wrapped by `wrap`. Errors are retried with backoff and reported as
/// `WatchFailed` (the first event after one as `WatchRecovered`), never dropped: a 403 must end the
/// wait with its reason, and a dead API server must be named when the wait times out.
fn watch<K>(
    api: Api<K>,
    config: watcher::Config,
    what: &'static str,
    wrap: fn(Event<K>) -> Update,
) -> BoxStream<'static, Update>
where
    K: Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
{
    let mut failing = false;
    watcher::watcher(api, config)
        .default_backoff()
        .flat_map(move |item| {
            let updates = match item {
                Ok(event) if std::mem::take(&mut failing) => vec![Update::WatchRecovered { what }, wrap(event)],
                Ok(event) => vec![wrap(event)],
                Err(error) => {
                    failing = true;
                    vec![Update::WatchFailed { what, error }]
                }
            };
            stream::iter(updates)
        })
        .boxed()
}

/// A watch refused for lack of permission: retrying cannot help.
fn forbidden(error: &watcher::Error) -> Option<&kube::core::Status> {
    match error {
        watcher::Error::InitialListFailed(kube::Error::Api(status))
        | watcher::Error::WatchStartFailed(kube::Error::Api(status))
        | watcher::Error::WatchFailed(kube::Error::Api(status))
            if status.code == 403 =>
        {
            Some(status)
        }
        watcher::Error::WatchError(status) if status.code == 403 => Some(status),
        _ => None,
    }
}

/// The kind, namespace and name of a resource as [`ResourceStatus::resource`] names one object
/// ("PersistentVolumeClaim shop/prometheus-storage"); None for a set of pods ("Pods shop -l ...").
pub fn object_of(resource: &str) -> Option<(&str, &str, &str)> {
    let (kind, rest) = resource.split_once(' ')?;
    let (namespace, name) = rest.split_once('/')?;
    (!name.contains(' ')).then_some((kind, namespace, name))
}

pub async fn wait_ready(
    client: &Client,
    spec: &WaitSpec,
    mut on_change: impl FnMut(&ResourceStatus),
) -> anyhow::Result<WaitOutcome> {
    let started = Instant::now();
    let ns = spec.namespace.as_str();
    let by_name = |name: &str| watcher::Config::default().fields(&format!("metadata.name={name}"));
    // The EndpointSlice controller labels each slice with the name of the Service it belongs to.
    let of_service = |name: &str| watcher::Config::default().labels(&super::endpoint_slices_of(name));
    // Every await below is bounded by the deadline: an API server that stops answering (paused,
    // partitioned) leaves requests hanging without an error.
    let deadline = tokio::time::Instant::now() + spec.timeout;
    // Most re-runs find everything Ready at the first look: one read of each, one after another on
    // the connection the apply used, instead of a watch each opening its own connection.
    if let Ok(Ok(observed)) = tokio::time::timeout_at(deadline, first_look(client, spec)).await {
        let judged = judge(spec, &observed);
        if judged.iter().all(|(_, r)| r.is_ready()) {
            let since_seconds = started.elapsed().as_secs_f64();
            let resources: Vec<ResourceStatus> = judged
                .into_iter()
                .map(|(resource, readiness)| ResourceStatus { resource, readiness, since_seconds })
                .collect();
            resources.iter().for_each(&mut on_change);
            return Ok(WaitOutcome::Ready { resources });
        }
    }
    let mut streams: Vec<BoxStream<'static, Update>> = vec![
        watch(
            Api::<Deployment>::namespaced(client.clone(), ns),
            by_name(&spec.deployment),
            "deployments",
            Update::Deployment,
        ),
        // The Deployment's ReplicaSets carry its pod labels: they tell the current template's pods.
        watch(
            Api::<ReplicaSet>::namespaced(client.clone(), ns),
            watcher::Config::default().labels(&spec.pod_selector),
            "replicasets",
            Update::ReplicaSet,
        ),
        watch(
            Api::<Pod>::namespaced(client.clone(), ns),
            watcher::Config::default().labels(&spec.pod_selector),
            "pods",
            Update::Pod,
        ),
        // Time-based rules (Unschedulable grace) need a clock even when nothing changes.
        stream::unfold((), |_| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Some((Update::Tick, ()))
        })
        .boxed(),
    ];
    if let Some(service) = &spec.service {
        let api = Api::<EndpointSlice>::namespaced(client.clone(), ns);
        streams.push(watch(api, of_service(service), "endpointslices", Update::EndpointSlice));
    }
    if let Some(claim) = &spec.claim {
        let api = Api::<PersistentVolumeClaim>::namespaced(client.clone(), ns);
        streams.push(watch(api, by_name(&claim.name), "persistentvolumeclaims", Update::Claim));
    }
    // Every watch but the clock: the states are judged once each has listed what is there, so a
    // re-run whose objects are all Ready shows them Ready, not "not created yet" first.
    let watches = streams.len() - 1;
    // The claim's class and events are asked beside the watches (they only judge a Pending claim), so
    // that a re-run whose claim is Bound does not wait for them; events are polled, best effort.
    if let Some(claim) = &spec.claim {
        let (api_client, class) = (client.clone(), claim.storage_class.clone());
        let lookup = async move { Update::ClaimClass(claim_class(&api_client, class.as_deref()).await) };
        streams.push(stream::once(lookup).boxed());
        let (client, ns, name) = (client.clone(), ns.to_string(), claim.name.clone());
        let events = stream::unfold(true, move |first| {
            let (client, ns, name) = (client.clone(), ns.clone(), name.clone());
            async move {
                if !first {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                let events = super::inspect::raw_object_events(&client, &ns, "PersistentVolumeClaim", &name).await;
                Some((Update::ClaimEvents(events), false))
            }
        });
        streams.push(events.boxed());
    }
    let mut updates = stream::select_all(streams);
    let mut listed: std::collections::BTreeSet<&'static str> = std::collections::BTreeSet::new();

    let mut observed = Observed::default();
    let mut statuses: BTreeMap<String, ResourceStatus> = BTreeMap::new();
    let mut failing_watches: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut node_read_at: Option<Instant> = None;
    loop {
        let update = match tokio::time::timeout_at(deadline, updates.next()).await {
            Ok(Some(update)) => update,
            Ok(None) => anyhow::bail!("the watch streams ended unexpectedly"),
            Err(_) => {
                let api_error = failing_watches.iter().next().map(|(what, error)| format!("watching {what}: {error}"));
                // A watch that never finished its first list (a silent API server) leaves its
                // resources unjudged so far: judge them on what was seen, which the message marks stale.
                for (resource, readiness) in judge(spec, &observed) {
                    statuses.entry(resource.clone()).or_insert(ResourceStatus {
                        resource,
                        readiness,
                        since_seconds: started.elapsed().as_secs_f64(),
                    });
                }
                return Ok(WaitOutcome::TimedOut { resources: statuses.into_values().collect(), api_error });
            }
        };
        match update {
            Update::WatchFailed { what, error } => {
                if let Some(status) = forbidden(&error) {
                    return Err(crate::error::Failure::unreachable(format!(
                        "permission denied watching {what} in namespace {ns}: {}; promctl needs get, list and watch on {what} there",
                        status.message
                    ))
                    .into());
                }
                failing_watches.insert(what, crate::error::message_of(&error));
                continue;
            }
            Update::WatchRecovered { what } => {
                failing_watches.remove(what);
                continue;
            }
            Update::Deployment(e) => {
                fold_one(&mut observed.deployment, listed_when_done(e, "deployments", &mut listed))
            }
            Update::ReplicaSet(e) => fold(&mut observed.replica_sets, listed_when_done(e, "replicasets", &mut listed)),
            Update::Pod(e) => fold(&mut observed.pods, listed_when_done(e, "pods", &mut listed)),
            Update::Claim(e) => {
                fold_one(&mut observed.claim, listed_when_done(e, "persistentvolumeclaims", &mut listed))
            }
            Update::EndpointSlice(e) => {
                fold(&mut observed.endpoint_slices, listed_when_done(e, "endpointslices", &mut listed))
            }
            Update::ClaimClass(class) => observed.claim_class = class,
            Update::ClaimEvents(events) => observed.claim_events = events,
            Update::Tick => {}
        }
        if listed.len() < watches {
            continue;
        }
        let judged = judge(spec, &observed);
        for (resource, readiness) in &judged {
            let changed = statuses.get(resource).is_none_or(|s| &s.readiness != readiness);
            if changed {
                let status = ResourceStatus {
                    resource: resource.clone(),
                    readiness: readiness.clone(),
                    since_seconds: started.elapsed().as_secs_f64(),
                };
                on_change(&status);
                statuses.insert(resource.clone(), status);
            }
        }
        if let Some((resource, _)) = judged.iter().find(|(_, r)| r.is_failed()) {
            let failed = statuses[resource].clone();
            let failing_pod = serving_pods(&observed)
                .into_iter()
                .find(|p| readiness::pod(p, Timestamp::now(), spec.unschedulable_grace).is_failed());
            let diagnostics = match failing_pod {
                // Best effort, and bounded: the diagnostics must not outlive the failure they explain.
                Some(pod) => tokio::time::timeout(Duration::from_secs(10), pod_diagnostics(client, ns, pod)).await.ok(),
                None => None,
            };
            return Ok(WaitOutcome::Failed { resources: statuses.into_values().collect(), failed, diagnostics });
        }
        if judged.iter().all(|(_, r)| r.is_ready()) {
            return Ok(WaitOutcome::Ready { resources: statuses.into_values().collect() });
        }
        // A scheduled pod that does not start may sit on a NotReady node: read that node, at most one
        // get every 10 s and bounded, and judge it with the next update (the clock ticks every second).
        if node_read_at.is_none_or(|t| t.elapsed() >= NODE_READ_INTERVAL)
            && let Some(node) = node_of_unready_pod(&observed)
        {
            node_read_at = Some(Instant::now());
            let api = Api::<Node>::all(client.clone());
            if let Ok(Ok(Some(read))) = tokio::time::timeout(Duration::from_secs(5), api.get_opt(&node)).await {
                observed.nodes.insert(node, read);
            }
        }
    }
}

/// How often the wait reads the node of a scheduled pod that is not Ready.
const NODE_READ_INTERVAL: Duration = Duration::from_secs(10);

/// The node of a serving pod that is scheduled but not Ready, if any.
fn node_of_unready_pod(observed: &Observed) -> Option<String> {
    serving_pods(observed).into_iter().find_map(|p| {
        let ready = p
            .status
            .iter()
            .flat_map(|s| s.conditions.iter().flatten())
            .any(|c| c.type_ == "Ready" && c.status == "True");
        if ready { None } else { p.spec.as_ref()?.node_name.clone() }
    })
}

/// Objects by name, as the watches keep them.
fn keyed<K: Resource>(items: Vec<K>) -> BTreeMap<String, K> {
    items.into_iter().map(|o| (o.name_any(), o)).collect()
}

/// Everything the wait judges, read once (a failure to read leaves it to the watches, which say why).
async fn first_look(client: &Client, spec: &WaitSpec) -> anyhow::Result<Observed> {
    let ns = spec.namespace.as_str();
    let by_labels = |selector: &str| kube::api::ListParams::default().labels(selector);
    let deployment = Api::<Deployment>::namespaced(client.clone(), ns).get_opt(&spec.deployment).await?;
    let replica_sets = Api::<ReplicaSet>::namespaced(client.clone(), ns).list(&by_labels(&spec.pod_selector)).await?;
    let pods = Api::<Pod>::namespaced(client.clone(), ns).list(&by_labels(&spec.pod_selector)).await?;
    let claim = match &spec.claim {
        Some(claim) => Api::<PersistentVolumeClaim>::namespaced(client.clone(), ns).get_opt(&claim.name).await?,
        None => None,
    };
    let slices = match &spec.service {
        Some(service) => {
            let slices = Api::<EndpointSlice>::namespaced(client.clone(), ns);
            slices.list(&by_labels(&super::endpoint_slices_of(service))).await?.items
        }
        None => Vec::new(),
    };
    Ok(Observed {
        deployment,
        replica_sets: keyed(replica_sets.items),
        pods: keyed(pods.items),
        claim,
        endpoint_slices: keyed(slices),
        ..Observed::default()
    })
}

/// The pods that will serve, the only ones judged: of the current template (not an older
/// ReplicaSet's crash-looping pod that the rollout is replacing), and not on their way out.
fn serving_pods(observed: &Observed) -> Vec<&Pod> {
    let current = readiness::current_template_hash(observed.deployment.as_ref(), observed.replica_sets.values());
    observed
        .pods
        .values()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| current.is_some() && p.labels().get("pod-template-hash") == current.as_ref())
        .collect()
}

/// Every watched resource with its current verdict, in a stable order.
fn judge(spec: &WaitSpec, observed: &Observed) -> Vec<(String, Readiness)> {
    let ns = &spec.namespace;
    let mut judged =
        vec![(format!("Deployment {ns}/{}", spec.deployment), readiness::deployment(observed.deployment.as_ref()))];
    let live = serving_pods(observed);
    let now = Timestamp::now();
    let pod_verdicts: Vec<Readiness> = live
        .iter()
        .map(|p| {
            let node = p.spec.as_ref().and_then(|s| s.node_name.as_ref()).and_then(|n| observed.nodes.get(n));
            let verdict = readiness::pod(p, now, spec.unschedulable_grace);
            match readiness::pod_on_node(p, node) {
                Some(failed) if !verdict.is_failed() => failed,
                _ => verdict,
            }
        })
        .collect();
    let current = readiness::current_template_hash(observed.deployment.as_ref(), observed.replica_sets.values());
    let replica_set_failure = observed
        .replica_sets
        .values()
        .filter(|rs| current.is_some() && rs.labels().get("pod-template-hash") == current.as_ref())
        .find_map(readiness::replica_set);
    let pods = if let Some(failed) = pod_verdicts.iter().find(|r| r.is_failed()) {
        failed.clone()
    } else if let Some(failed) = replica_set_failure.filter(|_| live.is_empty()) {
        failed.clone()
    } else if let Some(ready) = pod_verdicts.iter().find(|r| r.is_ready()) {
        ready.clone()
    } else if let Some(first) = pod_verdicts.first() {
        first.clone()
    } else {
        Readiness::Progressing("no pod of the current template yet".into())
    };
    judged.push((format!("Pods {ns} -l {}", spec.pod_selector), pods));
    if let Some(claim) = &spec.claim {
        let scheduled = live.iter().any(|p| p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some());
        let class = observed.claim_class.as_ref();
        let wait_for_first_consumer =
            class.and_then(|c| c.volume_binding_mode.as_deref()) == Some("WaitForFirstConsumer");
        let cannot_bind = observed
            .claim
            .as_ref()
            .and_then(|pvc| readiness::claim_cannot_bind(pvc, class, &observed.claim_events, scheduled));
        let verdict = match cannot_bind {
            Some(why) => Readiness::Failed(format!("Pending, cannot bind: {why}")),
            None => readiness::persistent_volume_claim(
                observed.claim.as_ref(),
                &claim.requested,
                wait_for_first_consumer,
                scheduled,
            ),
        };
        judged.push((format!("PersistentVolumeClaim {ns}/{}", claim.name), verdict));
    }
    if let Some(service) = &spec.service {
        judged
            .push((format!("Service {ns}/{service}"), readiness::service_endpoints(observed.endpoint_slices.values())));
    }
    judged
}

/// The claim's storage class (or the default class). Unknown (missing, not readable) is None: then a
/// Pending claim is judged as having no class.
async fn claim_class(client: &Client, class: Option<&str>) -> Option<StorageClass> {
    let api: Api<StorageClass> = Api::all(client.clone());
    match class {
        Some(name) => api.get_opt(name).await.ok().flatten(),
        None => super::inspect::storage_classes(client)
            .await
            .ok()
            .and_then(|classes| classes.into_iter().find(super::inspect::is_default_class)),
    }
}
