//! The port-forward operation: a local port forwarded to the Prometheus Service, open once a request
//! through the tunnel worked; every new connection goes to a Ready pod, so it outlives restarts.

use std::net::IpAddr;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use crate::error::Failure;
use crate::forward::{ForwardEvent, ForwardTarget, Forwarder, READY_POD_WAIT, RunningForward, probe};
use crate::progress::{Emit, Progress, Tone};
use crate::values::Values;

/// A forward that answered its first request.
pub struct OpenForward {
    pub url: String,
    pub running: RunningForward,
    /// What the forwarder says from now on (see [`follow`]).
    pub events: UnboundedReceiver<ForwardEvent>,
}

/// Binds `address:local_port` (0: any free port) and waits, up to `timeout`, for `/-/ready` through
/// the tunnel to answer 200. `pod_selector` names Prometheus's pods in the hint when none is Ready.
pub async fn open(
    client: kube::Client,
    values: &Values,
    pod_selector: &str,
    (address, local_port): (IpAddr, u16),
    timeout: Duration,
    emit: Emit<'_>,
) -> anyhow::Result<OpenForward> {
    let target = ForwardTarget {
        namespace: values.namespace.clone(),
        service: values.service.name.clone(),
        port: values.service.port,
    };
    let forwarder = Forwarder::bind(client, target, address, local_port).await?;
    let local = forwarder.local_addr();
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel();
    let running = forwarder.spawn(sender);
    let service = format!("{}/{}", values.namespace, values.service.name);
    // The first request through the tunnel, watching what the forwarder says meanwhile: a Service
    // with no Ready pod is named as such (exit 1), not left to end as a reset connection.
    let first_answer = async {
        let mut probe = std::pin::pin!(probe(local, "/-/ready"));
        loop {
            tokio::select! {
                // Events first: "no Ready pod" arrives just before the probe sees its connection end.
                biased;
                Some(event) = events.recv() => match event {
                    ForwardEvent::WaitingForReadyPod => emit(Progress::Step(format!(
                        "service {service} has no Ready pod yet; waiting up to {}s for one (a restart or rollout?)",
                        READY_POD_WAIT.as_secs()
                    ))),
                    ForwardEvent::NoReadyPod { waited } => {
                        return Err(Failure::check_failed(format!(
                            "service {service} has no Ready pod behind it after {}s: Prometheus is not running or not ready; `promctl validate` or `kubectl get pods -n {} -l {pod_selector}` shows why",
                            waited.as_secs(), values.namespace
                        ))
                        .into());
                    }
                    ForwardEvent::ConnectionFailed { error } => emit(Progress::Detail(format!("connection failed: {error}"))),
                    ForwardEvent::Connected { pod } => emit(Progress::Detail(format!("connection -> pod {pod}"))),
                },
                status = &mut probe => return status,
            }
        }
    };
    let status = tokio::time::timeout(timeout, first_answer)
        .await
        .map_err(|_| Failure::timed_out(format!("no answer through the tunnel within {}s", timeout.as_secs())))??;
    if status != 200 {
        return Err(Failure::check_failed(format!(
            "Prometheus answered /-/ready with HTTP {status} through the tunnel"
        ))
        .into());
    }
    Ok(OpenForward { url: format!("http://{local}"), running, events })
}

/// How an event of an open forward is shown.
pub fn event_line(event: ForwardEvent) -> Progress {
    match event {
        ForwardEvent::Connected { pod } => Progress::Detail(format!("connection -> pod {pod}")),
        ForwardEvent::ConnectionFailed { error } => Progress::resource("connection", Tone::Bad, "failed", error),
        ForwardEvent::WaitingForReadyPod => Progress::Detail("connection waits for a Ready pod".into()),
        ForwardEvent::NoReadyPod { waited } => {
            Progress::Warning(format!("no Ready pod behind the Service after {}s", waited.as_secs()))
        }
    }
}
