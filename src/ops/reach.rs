//! How validate, reload, doctor and install reach Prometheus's HTTP API: the API server's service
//! proxy, a port-forward, or a URL; and each replica of an HA set on its own.

use std::net::{IpAddr, Ipv4Addr};

use crate::cluster::{self, ClusterOptions};
use crate::error::Failure;
use crate::forward::{ForwardTarget, Forwarder, RunningForward};
use crate::prometheus::PrometheusApi;
use crate::render::{Rendered, Workload};
use crate::values::Values;

/// The way to Prometheus a command was asked to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The API server's service proxy: no local socket, works in CI.
    ServiceProxy,
    /// A port-forward to the Service's Ready pods.
    PortForward,
    /// A URL the caller can reach (checked when the flag was parsed).
    Url(String),
}

/// Prometheus's HTTP API reached the way the flags ask, and the port-forward behind it (if any), which
/// lives as long as this value.
pub struct PrometheusLink {
    pub api: PrometheusApi,
    _forward: Option<RunningForward>,
}

impl PrometheusLink {
    /// Through the API server's service proxy with an existing client.
    pub fn through_service_proxy(client: &kube::Client, values: &Values) -> Self {
        let api = PrometheusApi::via_service_proxy(
            client.clone(),
            &values.namespace,
            &values.service.name,
            values.service.port,
        );
        PrometheusLink { api, _forward: None }
    }
}

pub async fn reach_prometheus(
    cluster: &ClusterOptions,
    route: &Route,
    values: &Values,
) -> anyhow::Result<PrometheusLink> {
    let (ns, service, port) = (&values.namespace, &values.service.name, values.service.port);
    match route {
        Route::Url(url) => Ok(PrometheusLink { api: PrometheusApi::direct(url)?, _forward: None }),
        Route::ServiceProxy => {
            let client = cluster::connect_without_retries(cluster).await?;
            Ok(PrometheusLink::through_service_proxy(&client, values))
        }
        Route::PortForward => {
            let client = cluster::connect(cluster).await?;
            let target = ForwardTarget { namespace: ns.clone(), service: service.clone(), port };
            let forwarder = Forwarder::bind(client, target, IpAddr::V4(Ipv4Addr::LOCALHOST), 0).await?;
            let api = PrometheusApi::direct(&format!("http://{}", forwarder.local_addr()))?;
            let (events, _) = tokio::sync::mpsc::unbounded_channel();
            Ok(PrometheusLink { api, _forward: Some(forwarder.spawn(events)) })
        }
    }
}

/// One Prometheus replica reached on its own (an HA set's replicas are checked and reloaded one by
/// one: the Service answers from either). With one replica, or with --prometheus-url, the command's
/// own link is the replica's.
pub struct ReplicaLink {
    pub workload: Workload,
    /// Its Ready pod's API through the API server's pod proxy, or why it has no Ready pod.
    pub api: Result<PrometheusApi, String>,
    pub pod: Option<String>,
}

impl ReplicaLink {
    /// "replica NAME (pod POD)" in an HA set, "Prometheus" for the only one.
    pub fn describe(&self) -> String {
        match &self.pod {
            Some(pod) => format!("replica {} (pod {pod})", self.workload.deployment),
            None => "Prometheus".to_string(),
        }
    }

    /// This replica for the checks that judge each one, named `name`.
    pub fn under_test(&self, name: String) -> crate::validation::ReplicaUnderTest<'_> {
        crate::validation::ReplicaUnderTest { name, api: self.api.as_ref().map_err(Clone::clone) }
    }

    /// The replica's API, or a failure naming the replica without a Ready pod.
    pub fn api(&self) -> anyhow::Result<&PrometheusApi> {
        self.api.as_ref().map_err(|why| {
            Failure::check_failed(format!("replica {} has no Ready pod: {why}", self.workload.deployment)).into()
        })
    }
}

/// Each Prometheus replica's own link: with a client and more than one replica, its newest Ready pod
/// through the API server's pod proxy; otherwise (one replica, --prometheus-url, no cluster) `link`.
pub async fn replica_links(
    client: Option<&kube::Client>,
    link: &PrometheusLink,
    rendered: &Rendered,
    values: &Values,
) -> anyhow::Result<Vec<ReplicaLink>> {
    let replicas = rendered.replicas()?;
    let Some(client) = client.filter(|_| replicas.len() > 1) else {
        return Ok(replicas
            .into_iter()
            .map(|workload| ReplicaLink { workload, api: Ok(link.api.clone()), pod: None })
            .collect());
    };
    let mut links = Vec::with_capacity(replicas.len());
    for workload in replicas {
        let (api, pod) = match cluster::inspect::ready_pod(client, &values.namespace, &workload.pod_selector).await? {
            Ok(pod) => {
                let name = pod.metadata.name.unwrap_or_default();
                (Ok(PrometheusApi::via_pod_proxy(client.clone(), &values.namespace, &name, workload.port)), Some(name))
            }
            Err(why) => (Err(why), None),
        };
        links.push(ReplicaLink { workload, api, pod });
    }
    Ok(links)
}
