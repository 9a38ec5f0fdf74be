//! A local port forward to a Service that survives pod restarts.
//!
//! `kubectl port-forward svc/x` resolves the Service to ONE pod when it starts and dies with that pod.
//! Here every accepted connection looks up a Ready pod at that moment (Service -> EndpointSlices ->
//! Pod), so a restart or rollout only makes new connections wait, and a deleted pod is never reused.
//! EndpointSlices (discovery.k8s.io/v1), not core/v1 Endpoints: those are deprecated from 1.33.

use std::collections::BTreeSet;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt as _;
use k8s_openapi::api::core::v1::{Pod, Service, ServicePort};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{Api, ListParams, Portforwarder, WatchParams};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, timeout};

use crate::error::Failure;

/// How long a connection waits for a Ready pod (a restart, a rollout) before it is dropped.
pub const READY_POD_WAIT: Duration = Duration::from_secs(60);
/// Longest pause between two looks while waiting, in case the EndpointSlice watch misses a change or
/// is not allowed.
const RECHECK_CAP: Duration = Duration::from_secs(2);
/// Shortest pause between two looks, so a watch that ends at once cannot make us spin.
const RECHECK_MIN: Duration = Duration::from_millis(50);
/// How long in-flight connections may run on after shutdown before they are dropped.
const DRAIN: Duration = Duration::from_secs(1);
/// Bound for `probe`: long enough to outlast a wait for a Ready pod.
const PROBE_TIMEOUT: Duration = Duration::from_secs(READY_POD_WAIT.as_secs() + 15);

/// The Service to forward to; `port` is the Service port (e.g. 9090), not the container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardTarget {
    pub namespace: String,
    pub service: String,
    pub port: u16,
}

/// What happened to a connection. The listener keeps serving whatever happens to one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardEvent {
    /// A connection was tunnelled to this pod.
    Connected { pod: String },
    /// A connection could not be tunnelled, or the tunnel reported an error; it was closed.
    ConnectionFailed { error: String },
    /// A connection found no Ready pod and waits for one (up to `READY_POD_WAIT`).
    WaitingForReadyPod,
    /// A connection was closed because no pod became Ready within `waited`.
    NoReadyPod { waited: Duration },
}

/// A bound local listener; `run` serves it.
pub struct Forwarder {
    client: kube::Client,
    target: ForwardTarget,
    listener: TcpListener,
    local_addr: SocketAddr,
}

impl Forwarder {
    /// Binds the local listener (port 0 = pick a free one). Fails with bad_input if the address
    /// cannot be bound (taken, not local, privileged). Then reads the Service once, so that a
    /// missing Service (check_failed) or a missing port (bad_input) is reported now rather than on
    /// the first connection. Pods are not required yet.
    pub async fn bind(
        client: kube::Client,
        target: ForwardTarget,
        address: IpAddr,
        local_port: u16,
    ) -> anyhow::Result<Self> {
        let wanted = SocketAddr::new(address, local_port);
        let listener = TcpListener::bind(wanted)
            .await
            .map_err(|e| Failure::bad_input(format!("cannot listen on {wanted}: {e}")))?;
        let service = Api::<Service>::namespaced(client.clone(), &target.namespace)
            .get_opt(&target.service)
            .await
            .with_context(|| format!("reading service {}/{}", target.namespace, target.service))?
            .ok_or_else(|| {
                Failure::check_failed(format!(
                    "service {}/{} not found; is Prometheus installed in that namespace (`promctl install -n {}`), and is values service.name its name?",
                    target.namespace, target.service, target.namespace
                ))
            })?;
        service_port(&service, &target)?;
        Self::with_listener(client, target, listener)
    }

    fn with_listener(client: kube::Client, target: ForwardTarget, listener: TcpListener) -> anyhow::Result<Self> {
        let local_addr = listener.local_addr().context("reading the local listener's address")?;
        Ok(Forwarder { client, target, listener, local_addr })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves connections until `shutdown` resolves; then closes the listener, lets in-flight
    /// connections finish for up to 1 s and drops the rest. Core modules never print: what happens
    /// to each connection goes to `events` (a closed receiver is fine).
    pub async fn run(
        self,
        events: UnboundedSender<ForwardEvent>,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let Forwarder { client, target, listener, .. } = self;
        let shared = Arc::new(Shared { client, target });
        let mut connections = JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        connections.spawn(serve(shared.clone(), stream, events.clone()));
                    }
                    // E.g. out of file descriptors: transient, so report it, back off, keep listening.
                    Err(e) => {
                        let _ = events.send(ForwardEvent::ConnectionFailed { error: format!("accepting a connection: {e}") });
                        sleep(Duration::from_millis(100)).await;
                    }
                },
                // Reap finished connections so the set does not grow for the life of the forward.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        let drained = timeout(DRAIN, async { while connections.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            connections.shutdown().await;
        }
        Ok(())
    }
}

/// A forward serving in the background (see `Forwarder::spawn`). Dropping it stops the forward too,
/// so a caller that only needs Prometheus reachable for a while just keeps this value alive.
pub struct RunningForward {
    local_addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Forwarder {
    /// Runs the forward on a background task until `stop` is awaited or the handle is dropped.
    pub fn spawn(self, events: UnboundedSender<ForwardEvent>) -> RunningForward {
        let local_addr = self.local_addr;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.run(events, async {
            let _ = stopped.await;
        }));
        RunningForward { local_addr, stop: Some(stop), task: Some(task) }
    }
}

impl RunningForward {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, and waits until in-flight connections are done (at most about 1 s).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningForward {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// One HTTP GET of `path` through the local port; returns the status. A connection or protocol
/// failure is `unreachable`. Takes up to about 75 s when no pod is Ready (the forward waits 60 s).
pub async fn probe(addr: SocketAddr, path: &str) -> anyhow::Result<u16> {
    let api = crate::prometheus::PrometheusApi::direct(&format!("http://{addr}"))?.with_timeout(PROBE_TIMEOUT);
    Ok(api.status(path).await?)
}

struct Shared {
    client: kube::Client,
    target: ForwardTarget,
}

/// The pod chosen for one connection and the container port to forward to.
#[derive(Debug, PartialEq, Eq)]
struct Backend {
    pod: String,
    port: u16,
}

/// Stops the port-forward's background task when a connection task is aborted at shutdown;
/// dropping a `Portforwarder` alone leaves that task running.
struct AbortOnDrop(Option<Portforwarder>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(forwarder) = &self.0 {
            forwarder.abort();
        }
    }
}

async fn serve(shared: Arc<Shared>, mut local: TcpStream, events: UnboundedSender<ForwardEvent>) {
    let report = |event| {
        let _ = events.send(event);
    };
    let failed = |error: String| ForwardEvent::ConnectionFailed { error };
    let backend = match wait_for_backend(&shared, || report(ForwardEvent::WaitingForReadyPod)).await {
        Ok(Some(backend)) => backend,
        Ok(None) => {
            return report(ForwardEvent::NoReadyPod { waited: READY_POD_WAIT });
        }
        Err(e) => return report(failed(crate::error::message(&e))),
    };
    let Backend { pod, port } = backend;
    let pods = Api::<Pod>::namespaced(shared.client.clone(), &shared.target.namespace);
    let mut forwarder = match pods.portforward(&pod, &[port]).await {
        Ok(forwarder) => forwarder,
        Err(e) => {
            return report(failed(format!(
                "port-forward to pod {pod} port {port}: {}",
                crate::error::kube_message(&e)
            )));
        }
    };
    let (Some(mut remote), Some(remote_error)) = (forwarder.take_stream(port), forwarder.take_error(port)) else {
        return report(failed(format!("port-forward to pod {pod} gave no stream for port {port}")));
    };
    let mut forwarder = AbortOnDrop(Some(forwarder));
    report(ForwardEvent::Connected { pod: pod.clone() });

    let copy = async move { tokio::io::copy_bidirectional(&mut local, &mut remote).await };
    // The error channel carries the kubelet's own words, e.g. "connection refused" inside the pod.
    // Report them when they come, not when the client lets go of its connection. The channel
    // closes without a message when the tunnel ends normally.
    let kubelet_error = async {
        let message = remote_error.await;
        if let Some(message) = &message {
            report(failed(format!("pod {pod} port {port}: {message}")));
        }
        message.is_some()
    };
    let (copied, kubelet_failed) = tokio::join!(copy, kubelet_error);
    if let (Err(e), false) = (copied, kubelet_failed) {
        report(failed(format!("pod {pod} port {port}: {e}")));
    }
    if let Some(forwarder) = forwarder.0.take() {
        // The tunnel is over; join() may still report a harmless "Sending after closing" (the
        // kubelet keeps the connection about 1 s after the data): nothing useful can come of it.
        let _ = forwarder.join().await;
    }
}

/// A Ready pod for the target, waiting up to `READY_POD_WAIT` for one; None if none came.
/// `on_wait` is called once, when the first look finds none.
async fn wait_for_backend(shared: &Shared, on_wait: impl FnOnce()) -> anyhow::Result<Option<Backend>> {
    let deadline = Instant::now() + READY_POD_WAIT;
    let mut on_wait = Some(on_wait);
    loop {
        let (backend, endpoints_version) = find_backend(shared).await?;
        if backend.is_some() {
            return Ok(backend);
        }
        if let Some(on_wait) = on_wait.take() {
            on_wait();
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        let changed = endpoints_changed(shared, endpoints_version);
        let _ = tokio::join!(timeout(RECHECK_CAP.min(deadline - now), changed), sleep(RECHECK_MIN));
    }
}

/// Resolves the target now. Also returns the EndpointSlice list's resourceVersion, to watch for the next change.
async fn find_backend(shared: &Shared) -> anyhow::Result<(Option<Backend>, Option<String>)> {
    let ForwardTarget { namespace, service, .. } = &shared.target;
    let services = Api::<Service>::namespaced(shared.client.clone(), namespace);
    let slices = Api::<EndpointSlice>::namespaced(shared.client.clone(), namespace);
    let of_service = slices_of(service);
    let (svc, slices) = futures::try_join!(services.get(service), slices.list(&of_service))
        .with_context(|| format!("reading service {namespace}/{service} and its endpoint slices"))?;
    let svc_port = service_port(&svc, &shared.target)?;
    let version = slices.metadata.resource_version.clone();
    let ready = ready_pod_names(&slices.items);
    if ready.is_empty() {
        return Ok((None, version));
    }
    // A pod being deleted may still be listed for a moment, and slices carry no pod creation time:
    // read the pods themselves.
    let mut params = ListParams::default();
    if let Some(selector) = label_selector(&svc) {
        params = params.labels(&selector);
    }
    let pods = Api::<Pod>::namespaced(shared.client.clone(), namespace)
        .list(&params)
        .await
        .with_context(|| format!("listing the pods of service {namespace}/{service}"))?;
    let Some(pod) = newest_ready(&pods.items, &ready) else {
        return Ok((None, version));
    };
    let backend = Backend { pod: pod.metadata.name.clone().unwrap_or_default(), port: container_port(pod, svc_port)? };
    Ok((Some(backend), version))
}

/// The EndpointSlices of one Service: the controller labels each with the Service's name.
fn slices_of(service: &str) -> ListParams {
    ListParams::default().labels(&crate::cluster::endpoint_slices_of(service))
}

/// Resolves on the next change to the Service's EndpointSlices after `version`. Never resolves when
/// there is nothing to watch from or the watch is refused: the caller's cap turns that into polling.
async fn endpoints_changed(shared: &Shared, version: Option<String>) {
    if let Some(version) = version {
        let api = Api::<EndpointSlice>::namespaced(shared.client.clone(), &shared.target.namespace);
        let params = WatchParams::default().labels(&crate::cluster::endpoint_slices_of(&shared.target.service));
        if let Ok(stream) = api.watch(&params, &version).await {
            std::pin::pin!(stream).next().await;
            return;
        }
    }
    std::future::pending().await
}

fn service_port<'a>(service: &'a Service, target: &ForwardTarget) -> anyhow::Result<&'a ServicePort> {
    let ports = service.spec.as_ref().and_then(|s| s.ports.as_deref()).unwrap_or_default();
    ports.iter().find(|p| p.port == i32::from(target.port)).ok_or_else(|| {
        let have: Vec<String> = ports.iter().map(|p| p.port.to_string()).collect();
        Failure::bad_input(format!(
            "service {}/{} has no port {} (it has: {})",
            target.namespace,
            target.service,
            target.port,
            if have.is_empty() { "none".to_string() } else { have.join(", ") }
        ))
        .into()
    })
}

fn label_selector(service: &Service) -> Option<String> {
    let selector = service.spec.as_ref()?.selector.as_ref().filter(|s| !s.is_empty())?;
    Some(crate::cluster::label_selector(selector))
}

/// Names of the pods the EndpointSlices list as ready (condition `ready` true or unknown).
fn ready_pod_names(slices: &[EndpointSlice]) -> BTreeSet<String> {
    slices
        .iter()
        .flat_map(|s| s.endpoints.iter())
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
        .filter_map(|e| e.target_ref.as_ref())
        .filter(|r| r.kind.as_deref() == Some("Pod"))
        .filter_map(|r| r.name.clone())
        .collect()
}

/// The newest of `pods` that is ready and not being deleted. Newest, because during a rollout the
/// old pods are the ones about to go away.
fn newest_ready<'a>(pods: &'a [Pod], ready: &BTreeSet<String>) -> Option<&'a Pod> {
    pods.iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| p.metadata.name.as_ref().is_some_and(|n| ready.contains(n)))
        .max_by(|a, b| {
            let key = |p: &'a Pod| (p.metadata.creation_timestamp.clone(), p.metadata.name.clone());
            key(a).cmp(&key(b))
        })
}

/// The container port behind `service_port` in `pod`: a numeric targetPort as is, a named one
/// looked up among the pod's container ports, none meaning the Service port itself.
fn container_port(pod: &Pod, service_port: &ServicePort) -> anyhow::Result<u16> {
    let number = match &service_port.target_port {
        None => service_port.port,
        Some(IntOrString::Int(n)) => *n,
        Some(IntOrString::String(name)) => pod
            .spec
            .iter()
            .flat_map(|s| &s.containers)
            .flat_map(|c| c.ports.iter().flatten())
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .map(|p| p.container_port)
            .ok_or_else(|| {
                let pod = pod.metadata.name.as_deref().unwrap_or_default();
                Failure::check_failed(format!("pod {pod} has no container port named {name:?}"))
            })?,
    };
    u16::try_from(number).map_err(|_| Failure::check_failed(format!("container port {number} is out of range")).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{FailureKind, kind_of};
    use serde_json::json;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    fn target() -> ForwardTarget {
        ForwardTarget { namespace: "shop".into(), service: "prometheus".into(), port: 9090 }
    }

    fn service(target_port: serde_json::Value) -> Service {
        serde_json::from_value(json!({
            "metadata": {"name": "prometheus"},
            "spec": {"selector": {"app": "prometheus", "tier": "mon"},
                     "ports": [{"name": "http", "port": 9090, "targetPort": target_port}]}
        }))
        .unwrap()
    }

    fn pod(name: &str, created: &str, deleting: bool) -> Pod {
        let mut meta = json!({"name": name, "creationTimestamp": created});
        if deleting {
            meta["deletionTimestamp"] = json!("2025-01-01T00:10:00Z");
        }
        serde_json::from_value(json!({
            "metadata": meta,
            "spec": {"containers": [{"name": "prometheus", "ports": [{"name": "web", "containerPort": 9091}]}]}
        }))
        .unwrap()
    }

    /// A client whose every request fails fast: nothing listens on the discard port.
    fn dead_client() -> kube::Client {
        kube::Client::try_from(kube::Config::new("http://127.0.0.1:9".parse().unwrap())).unwrap()
    }

    #[test]
    fn ready_pods_come_from_ready_endpoints_with_a_pod_target() {
        let slice: EndpointSlice = serde_json::from_value(json!({
            "metadata": {"name": "prometheus-abcde"},
            "addressType": "IPv4",
            "endpoints": [
                {"addresses": ["10.88.0.5"], "conditions": {"ready": true}, "targetRef": {"kind": "Pod", "name": "a"}},
                {"addresses": ["10.88.0.6"], "conditions": {"ready": true}},
                {"addresses": ["10.88.0.7"], "targetRef": {"kind": "Node", "name": "n"}},
                {"addresses": ["10.88.0.8"], "conditions": {"ready": false}, "targetRef": {"kind": "Pod", "name": "b"}},
                {"addresses": ["10.88.0.9"], "targetRef": {"kind": "Pod", "name": "c"}}
            ]
        }))
        .unwrap();
        assert_eq!(ready_pod_names(&[slice]), BTreeSet::from(["a".to_string(), "c".to_string()]));
        assert!(ready_pod_names(&[]).is_empty());
    }

    #[test]
    fn the_newest_ready_pod_wins_and_a_deleted_one_never_does() {
        let pods = [
            pod("old", "2025-01-01T00:00:00Z", false),
            pod("new", "2025-01-01T00:05:00Z", false),
            pod("newest-but-deleting", "2025-01-01T00:09:00Z", true),
            pod("newest-but-not-ready", "2025-01-01T00:09:30Z", false),
        ];
        let ready = ["old", "new", "newest-but-deleting"].map(String::from).into();
        assert_eq!(newest_ready(&pods, &ready).unwrap().metadata.name.as_deref(), Some("new"));
        assert!(newest_ready(&pods, &BTreeSet::new()).is_none());
    }

    #[test]
    fn container_port_follows_target_port() {
        let p = pod("a", "2025-01-01T00:00:00Z", false);
        let port = |svc: &Service| container_port(&p, service_port(svc, &target()).unwrap());
        assert_eq!(port(&service(json!("web"))).unwrap(), 9091);
        assert_eq!(port(&service(json!(8080))).unwrap(), 8080);
        assert_eq!(port(&service(serde_json::Value::Null)).unwrap(), 9090);
        let missing = port(&service(json!("metrics"))).unwrap_err();
        assert!(missing.to_string().contains("no container port named \"metrics\""), "{missing}");
    }

    #[test]
    fn a_missing_service_port_is_bad_input() {
        let err = service_port(&service(json!("web")), &ForwardTarget { port: 80, ..target() }).unwrap_err();
        assert_eq!(kind_of(&err), FailureKind::BadInput);
        assert!(err.to_string().contains("has no port 80 (it has: 9090)"), "{err}");
    }

    #[test]
    fn the_selector_becomes_a_label_selector() {
        assert_eq!(label_selector(&service(json!("web"))).as_deref(), Some("app=prometheus,tier=mon"));
        assert_eq!(label_selector(&Service::default()), None);
    }

    #[tokio::test]
    async fn binding_a_taken_address_is_bad_input() {
        let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = taken.local_addr().unwrap().port();
        let err = Forwarder::bind(dead_client(), target(), [127, 0, 0, 1].into(), port).await.err().unwrap();
        assert_eq!(kind_of(&err), FailureKind::BadInput);
        assert!(err.to_string().contains(&format!("127.0.0.1:{port}")), "{err}");
    }

    #[tokio::test]
    async fn a_failing_connection_is_reported_and_the_listener_keeps_serving() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let forwarder = Forwarder::with_listener(dead_client(), target(), listener).unwrap();
        let addr = forwarder.local_addr();
        let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
        let (stop_tx, stop) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(forwarder.run(events_tx, async {
            let _ = stop.await;
        }));

        for _ in 0..2 {
            let mut conn = TcpStream::connect(addr).await.unwrap();
            let mut rest = Vec::new();
            // The API server is unreachable, so the forward closes the connection without data.
            timeout(Duration::from_secs(10), conn.read_to_end(&mut rest)).await.unwrap().unwrap();
            assert!(rest.is_empty());
            let event = timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap();
            assert!(
                matches!(&event, ForwardEvent::ConnectionFailed { error } if error.contains("shop/prometheus")),
                "{event:?}"
            );
        }

        stop_tx.send(()).unwrap();
        // Bounded only against a hang; how long the drain takes is not this test's claim.
        timeout(Duration::from_secs(5), running).await.unwrap().unwrap().unwrap();
        assert!(TcpStream::connect(addr).await.is_err(), "the listener is closed after shutdown");
    }

    #[tokio::test]
    async fn shutdown_drops_connections_still_in_flight_after_a_second() {
        // An "API server" that accepts and never answers keeps the connection waiting.
        let api = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", api.local_addr().unwrap());
        let hold = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((conn, _)) = api.accept().await {
                held.push(conn);
            }
        });
        let client = kube::Client::try_from(kube::Config::new(url.parse().unwrap())).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let forwarder = Forwarder::with_listener(client, target(), listener).unwrap();
        let addr = forwarder.local_addr();
        let (events_tx, _events) = tokio::sync::mpsc::unbounded_channel();
        let (stop_tx, stop) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(forwarder.run(events_tx, async {
            let _ = stop.await;
        }));

        let mut conn = TcpStream::connect(addr).await.unwrap();
        sleep(Duration::from_millis(200)).await;
        let started = Instant::now();
        stop_tx.send(()).unwrap();
        timeout(Duration::from_secs(5), running).await.unwrap().unwrap().unwrap();
        // At least the drain: a connection in flight gets its second (a lower bound cannot flake).
        let took = started.elapsed();
        assert!(took >= DRAIN, "{took:?}");
        let mut rest = Vec::new();
        assert_eq!(conn.read_to_end(&mut rest).await.unwrap(), 0, "the dropped connection is closed");
        hold.abort();
    }

    #[tokio::test]
    async fn probe_returns_the_status_and_fails_as_unreachable() {
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut conn, _) = server.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let n = conn.read(&mut request).await.unwrap();
            assert!(request[..n].starts_with(b"GET /-/ready HTTP/1.1\r\n"));
            conn.write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await
                .unwrap();
        });
        assert_eq!(probe(addr, "/-/ready").await.unwrap(), 503);

        let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
        let err = probe(closed, "-/ready").await.unwrap_err();
        assert_eq!(kind_of(&err), FailureKind::Unreachable);
    }
}
