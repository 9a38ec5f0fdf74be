//! Every Kubernetes API call promctl makes lives under this module: connecting, applying,
//! readiness rules, watching, and the diagnostics shown when something fails.

pub mod apply;
pub mod credentials;
pub mod inspect;
pub mod permissions;
pub mod pods;
pub mod readiness;
pub mod wait;
pub mod warnings;

use std::path::PathBuf;

use anyhow::Context;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, PersistentVolumeClaim, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use kube::api::{Api, ApiResource, DynamicObject};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::Failure;

/// Field manager for server-side apply: the owner of every field promctl sets.
pub const FIELD_MANAGER: &str = "promctl";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";

/// Where the cluster is: `--kubeconfig` (else $KUBECONFIG, else ~/.kube/config, else in-cluster) and `--context`.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

pub async fn connect(options: &ClusterOptions) -> anyhow::Result<Client> {
    build_client(load_config(options).await?)
}

/// kube's default client stack plus the layer that collects the API server's Warning headers.
fn build_client(config: Config) -> anyhow::Result<Client> {
    let _ = API_SERVER_URL.set(config.cluster_url.to_string().trim_end_matches('/').to_string());
    let builder = kube::client::ClientBuilder::try_from(config).context("building the Kubernetes client")?;
    Ok(builder.with_layer(&warnings::layer()).build())
}

/// A client for reaching Prometheus through the API server's service proxy. kube retries every 503 with
/// backoff (up to 15 times), which would hide the API server's "no endpoints available" for half a minute.
pub async fn connect_without_retries(options: &ClusterOptions) -> anyhow::Result<Client> {
    let mut config = load_config(options).await?;
    config.default_retry = false;
    build_client(config)
}

/// The API server promctl talks to (set when the first client is built), for messages that must say
/// which server did not answer.
static API_SERVER_URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub fn api_server_url() -> &'static str {
    API_SERVER_URL.get().map_or("(not connected)", String::as_str)
}

async fn load_config(options: &ClusterOptions) -> anyhow::Result<Config> {
    let kube_options = KubeConfigOptions { context: options.context.clone(), ..Default::default() };
    let (config, user) = match &options.kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path).map_err(|e| {
                Failure::unreachable(format!(
                    "cannot read kubeconfig {}: {e}; pass a readable file with --kubeconfig",
                    path.display()
                ))
            })?;
            let user = kubeconfig_user(&kubeconfig, options, path.display().to_string());
            let config = Config::from_custom_kubeconfig(kubeconfig, &kube_options)
                .await
                .map_err(|e| Failure::unreachable(format!("kubeconfig {}: {e}", path.display())))?;
            (config, user)
        }
        // As kube's Config::from_kubeconfig, with the file at hand to name the user.
        None => {
            let loaded = match Kubeconfig::read() {
                Ok(kubeconfig) => {
                    let user = kubeconfig_user(&kubeconfig, options, default_kubeconfig_files());
                    Config::from_custom_kubeconfig(kubeconfig, &kube_options).await.map(|config| (config, user))
                }
                Err(e) => Err(e),
            };
            match loaded {
                Ok(loaded) => loaded,
                // In a pod: its service account's token, which the kubelet keeps fresh.
                Err(kubeconfig_error) if options.context.is_none() => {
                    return Config::incluster().map_err(|_| {
                        Failure::unreachable(format!(
                            "no cluster to talk to: {kubeconfig_error}; set --kubeconfig or KUBECONFIG, or run inside a pod"
                        ))
                        .into()
                    });
                }
                Err(e) => return Err(Failure::unreachable(format!("kubeconfig context: {e}")).into()),
            }
        }
    };
    credentials::check(&user, &config.auth_info, k8s_openapi::jiff::Timestamp::now())?;
    Ok(config)
}

/// The user of the context in use (`--context`, else the current one), named as messages name it.
fn kubeconfig_user(kubeconfig: &Kubeconfig, options: &ClusterOptions, file: String) -> credentials::User {
    let context = options.context.as_ref().or(kubeconfig.current_context.as_ref());
    let name = context
        .and_then(|name| kubeconfig.contexts.iter().find(|c| &c.name == name))
        .and_then(|c| c.context.as_ref()?.user.clone())
        .unwrap_or_else(|| "(none)".into());
    credentials::User { name, kubeconfig: file }
}

/// Where kube reads the kubeconfig from without --kubeconfig: $KUBECONFIG's files, else ~/.kube/config.
fn default_kubeconfig_files() -> String {
    match std::env::var("KUBECONFIG") {
        Ok(files) if !files.is_empty() => files,
        _ => {
            std::env::home_dir().map_or("~/.kube/config".into(), |home| home.join(".kube/config").display().to_string())
        }
    }
}

/// The namespace the kubeconfig context names (`--context`, else the current one), if any; read
/// from the file only, no request. None in-cluster or without a kubeconfig.
pub fn context_namespace(options: &ClusterOptions) -> Option<String> {
    let kubeconfig = match &options.kubeconfig {
        Some(path) => Kubeconfig::read_from(path).ok()?,
        None => Kubeconfig::read().ok()?,
    };
    let name = options.context.clone().or(kubeconfig.current_context.clone())?;
    let context = kubeconfig.contexts.iter().find(|c| c.name == name)?.context.as_ref()?;
    context.namespace.clone().filter(|ns| !ns.is_empty())
}

/// A label selector (`a=1,b=2`) that matches exactly these labels.
pub fn label_selector<'a>(labels: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    labels.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// The label selector of a Service's EndpointSlices (discovery.k8s.io/v1 labels each with its Service).
pub fn endpoint_slices_of(service: &str) -> String {
    format!("kubernetes.io/service-name={service}")
}

/// What becomes of an object of a kind when promctl no longer wants it (prune) or is told to remove
/// it (uninstall).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Deleted by prune and uninstall.
    Never,
    /// Holds the data: kept by prune, deleted by uninstall only with --delete-data.
    Data,
    /// Never deleted by promctl: a namespace may hold other things.
    Always,
}

/// One kind promctl manages: its API resource (known statically, so no discovery round trips and
/// no dependence on aggregated discovery), scope, apply wave and keep policy.
pub struct ManagedKind {
    pub kind: &'static str,
    pub resource: fn() -> ApiResource,
    pub namespaced: bool,
    /// Everything in a wave depends only on earlier waves, so a wave is applied concurrently.
    /// Namespace; then what the workload uses (account, role, config, claim); then what uses those
    /// (the binding needs its role to exist for the RBAC escalation check, the pods their account,
    /// config and claim, the Service its pods).
    pub wave: usize,
    pub keep: Keep,
}

/// Every kind promctl renders, in the safe apply order: the one table that render, apply, prune,
/// uninstall and the tests read.
pub const KINDS: &[ManagedKind] = &[
    ManagedKind {
        kind: "Namespace",
        resource: || ApiResource::erase::<Namespace>(&()),
        namespaced: false,
        wave: 0,
        keep: Keep::Always,
    },
    ManagedKind {
        kind: "ServiceAccount",
        resource: || ApiResource::erase::<ServiceAccount>(&()),
        namespaced: true,
        wave: 1,
        keep: Keep::Never,
    },
    ManagedKind {
        kind: "ClusterRole",
        resource: || ApiResource::erase::<ClusterRole>(&()),
        namespaced: false,
        wave: 1,
        keep: Keep::Never,
    },
    ManagedKind {
        kind: "ClusterRoleBinding",
        resource: || ApiResource::erase::<ClusterRoleBinding>(&()),
        namespaced: false,
        wave: 2,
        keep: Keep::Never,
    },
    ManagedKind {
        kind: "ConfigMap",
        resource: || ApiResource::erase::<ConfigMap>(&()),
        namespaced: true,
        wave: 1,
        keep: Keep::Never,
    },
    ManagedKind {
        kind: "PersistentVolumeClaim",
        resource: || ApiResource::erase::<PersistentVolumeClaim>(&()),
        namespaced: true,
        wave: 1,
        keep: Keep::Data,
    },
    ManagedKind {
        kind: "Deployment",
        resource: || ApiResource::erase::<Deployment>(&()),
        namespaced: true,
        wave: 2,
        keep: Keep::Never,
    },
    ManagedKind {
        kind: "Service",
        resource: || ApiResource::erase::<Service>(&()),
        namespaced: true,
        wave: 2,
        keep: Keep::Never,
    },
];

/// The row of `kind`, if promctl manages it.
pub fn managed_kind(kind: &str) -> Option<&'static ManagedKind> {
    KINDS.iter().find(|k| k.kind == kind)
}

pub fn api_resource(kind: &str) -> Option<(ApiResource, bool)> {
    managed_kind(kind).map(|k| ((k.resource)(), k.namespaced))
}

pub fn dynamic_api(client: &Client, kind: &str, namespace: Option<&str>) -> anyhow::Result<Api<DynamicObject>> {
    let (resource, namespaced) =
        api_resource(kind).ok_or_else(|| anyhow::anyhow!("promctl does not manage objects of kind {kind}"))?;
    Ok(match (namespaced, namespace) {
        (true, Some(ns)) => Api::namespaced_with(client.clone(), ns, &resource),
        (true, None) => anyhow::bail!("{kind} needs a namespace"),
        (false, _) => Api::all_with(client.clone(), &resource),
    })
}

/// `kind namespace/name` or `kind name`, as people read it in messages.
pub fn describe(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}
