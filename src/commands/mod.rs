//! One thin module per subcommand: turn arguments into calls of the core, and show the results.

mod completions;
mod diff;
mod doctor;
mod install;
#[cfg(test)]
mod manpages;
mod port_forward;
mod reload;
mod render;
mod uninstall;
mod validate;
mod values;
mod version;

use std::net::{IpAddr, Ipv4Addr};

use promctl::forward::{ForwardTarget, Forwarder, RunningForward};
use promctl::prometheus::PrometheusApi;

use promctl::cluster::{self, ClusterOptions};
use promctl::error::Failure;
use promctl::reload::{ReloadEvent, ReloadReplica, ReloadReport, ReloadTarget, reload};
use promctl::render::Rendered;
use promctl::report::{Reporter, Tone};
use promctl::rules::{self, GroupSummary};
use promctl::values::Values;
use promctl::{promconfig, render as renderer, values as values_core};

use crate::cli::{Cli, Command, GlobalArgs, PrometheusAccess, ValuesArgs, Via};

/// Runs the command; Ok carries the exit code of a run that completed (diff: 1 = changes).
pub async fn run(cli: Cli) -> anyhow::Result<u8> {
    let mut reporter = Reporter::new(cli.global.output, cli.global.no_color, cli.global.verbose > 0);
    let global = &cli.global;
    let result = match cli.command {
        Command::Render(args) => render::exec(global, &args, &reporter),
        Command::Values(args) => values::exec(&args, &reporter),
        Command::Install(args) => install::exec(global, &args, &mut reporter).await,
        Command::Diff(args) => diff::exec(global, &args, &mut reporter).await,
        Command::Uninstall(args) => uninstall::exec(global, &args, &mut reporter).await,
        Command::Validate(args) => validate::exec(global, &args, &mut reporter).await,
        Command::Doctor(args) => doctor::exec(global, &args, &mut reporter).await,
        Command::Reload(args) => reload::exec(global, &args, &mut reporter).await,
        Command::PortForward(args) => port_forward::exec(global, &args, &mut reporter).await,
        Command::Completions(args) => completions::exec(&args),
        Command::Version => version::exec(&reporter),
    };
    reporter.show_api_warnings();
    result.map_err(name_the_api_server)
}

/// A transport error from the Kubernetes client ("Connection refused") says nothing about where:
/// name the API server it could not reach, and what to check.
fn name_the_api_server(error: anyhow::Error) -> anyhow::Error {
    let transport = error.chain().any(|cause| {
        matches!(cause.downcast_ref::<kube::Error>(), Some(kube::Error::HyperError(_) | kube::Error::Service(_)))
    });
    if !transport {
        return error;
    }
    let server = cluster::api_server_url();
    error.context(format!(
        "cannot reach the Kubernetes API server at {server}; is the cluster up, and is this the right --kubeconfig / --context?"
    ))
}

pub fn load_values(global: &GlobalArgs, args: &ValuesArgs) -> anyhow::Result<Values> {
    let context = cluster::context_namespace(&cluster_options(global));
    Ok(values_core::load_with_context(&args.files, &args.sets, global.namespace.as_deref(), context.as_deref())?)
}

/// What a command renders and the static checks learned about it.
pub struct Checked {
    pub rendered: Rendered,
    pub config: promconfig::ConfigSummary,
    /// Every rule group with its rules: what `/api/v1/rules` must show once loaded.
    pub rule_groups: Vec<GroupSummary>,
}

/// Reads the rule files, renders, and statically checks the rules and prometheus.yml: nothing that
/// fails a check ever reaches a cluster.
pub fn render_checked(values: &Values, args: &ValuesArgs) -> anyhow::Result<Checked> {
    if values.alertmanager.enabled {
        promctl::alertmanager::check_config(&values.alertmanager.config)
            .map_err(|problems| Failure::bad_input(format!("{}\nnothing was applied", problems.join("\n"))))?;
    }
    let team_rules = rules::read_sources(values, &args.rules)?;
    let rendered = renderer::render(values, &team_rules)?;
    let major = renderer::prometheus_major(&values.image.tag);
    let rule_groups = rules::check(&rendered.rule_files, major).map_err(|problems| {
        Failure::bad_input(format!(
            "the rules fail the static check; nothing was applied:\n  {}\nfix the rule files or values (`promctl render` shows the rendered rules)",
            problems.join("\n  ")
        ))
    })?;
    let config = promconfig::check(&rendered.prometheus_yml).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        Failure::bad_input(format!(
            "the rendered prometheus.yml fails the static check; nothing was applied:\n{}\nfix the values (see `promctl render --config-only`)",
            lines.join("\n")
        ))
    })?;
    Ok(Checked { rendered, config, rule_groups })
}

pub async fn connect(global: &GlobalArgs) -> anyhow::Result<kube::Client> {
    cluster::connect(&cluster_options(global)).await
}

fn cluster_options(global: &GlobalArgs) -> ClusterOptions {
    ClusterOptions { kubeconfig: global.kubeconfig.clone(), context: global.context.clone() }
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
    global: &GlobalArgs,
    access: &PrometheusAccess,
    values: &Values,
) -> anyhow::Result<PrometheusLink> {
    if let Some(url) = &access.prometheus_url {
        return Ok(PrometheusLink { api: PrometheusApi::direct(url)?, _forward: None });
    }
    let (ns, service, port) = (&values.namespace, &values.service.name, values.service.port);
    match access.via {
        Via::Proxy => {
            let client = cluster::connect_without_retries(&cluster_options(global)).await?;
            Ok(PrometheusLink::through_service_proxy(&client, values))
        }
        Via::PortForward => {
            let client = connect(global).await?;
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
    pub workload: promctl::render::Workload,
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
    pub fn under_test(&self, name: String) -> promctl::validation::ReplicaUnderTest<'_> {
        promctl::validation::ReplicaUnderTest { name, api: self.api.as_ref().map_err(Clone::clone) }
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

/// The verified reload with its progress lines: `reload` is this, and `install` ends with it when the
/// running config is not the rendered one. Every replica is reloaded and verified.
pub async fn verified_reload(
    client: &kube::Client,
    links: &[ReplicaLink],
    rendered: &promctl::render::Rendered,
    values: &Values,
    direct: bool,
    timeout: std::time::Duration,
    reporter: &mut Reporter,
) -> anyhow::Result<ReloadReport> {
    let workload = rendered.workload()?;
    let target = ReloadTarget {
        namespace: &values.namespace,
        pod_selector: workload.pod_selector.clone(),
        container: &workload.container_name,
        config_path: &workload.config_path,
        direct,
        timeout,
    };
    let mut replicas = Vec::with_capacity(links.len());
    for replica in links {
        replicas.push(ReloadReplica {
            name: replica.describe(),
            api: replica.api()?,
            pod_selector: replica.workload.pod_selector.clone(),
        });
    }
    let configmap = format!("ConfigMap {}/{}-config", values.namespace, values.name);
    let several = replicas.len() > 1;
    let report = reload(client, rendered, &target, &replicas, |event| match event {
        ReloadEvent::Applied(change) => reporter.resource(&configmap, Tone::Good, change.as_str(), ""),
        ReloadEvent::WaitingForFile { pod } => reporter.resource(
            &format!("pod {pod}"),
            Tone::Waiting,
            "waiting",
            "for the kubelet to project the new prometheus.yml",
        ),
        ReloadEvent::FileSeen { pod, seconds } => reporter.resource(
            &format!("pod {pod}"),
            Tone::Good,
            "sees the new file",
            &format!("{seconds:.1}s after the apply"),
        ),
        ReloadEvent::Triggered { how } => reporter.detail(&format!("reload triggered ({how})")),
        ReloadEvent::Verified { replica } if several => reporter.resource(&replica, Tone::Good, "verified", ""),
        ReloadEvent::Verified { .. } => {}
    })
    .await?;
    reporter.finish();
    if report.reloaded {
        let who = if several { format!("all {} replicas", report.replicas.len()) } else { "Prometheus".into() };
        reporter.text(&format!(
            "reloaded and verified: {who} loaded the new config at {} with {} jobs ({:.1}s from apply to verified)",
            report.last_config_time,
            report.jobs.len(),
            report.verified_seconds
        ));
    } else {
        reporter.text("config unchanged and already loaded; nothing to reload");
    }
    Ok(report)
}

/// What `/api/v1/rules` showed: install and reload end with it in their JSON.
#[derive(Debug, serde::Serialize)]
pub struct RulesProof {
    pub groups: usize,
    pub rules: usize,
    /// Seconds until Prometheus showed them as rendered.
    pub seconds: f64,
}

/// Polls `/api/v1/rules` until every rendered group shows with its rules, from the rendered file
/// version: the proof that install and reload end with. A loaded config whose rules never appear
/// (a rule file Prometheus could not read) fails with what differs.
pub async fn prove_rules_loaded(
    links: &[ReplicaLink],
    expected: &[GroupSummary],
    timeout: std::time::Duration,
    reporter: &mut Reporter,
) -> anyhow::Result<RulesProof> {
    let started = std::time::Instant::now();
    let mut proof = RulesProof { groups: 0, rules: 0, seconds: 0.0 };
    for link in links {
        let api = link.api()?;
        let on = if links.len() > 1 { format!(" on {}", link.describe()) } else { String::new() };
        loop {
            let differences = match rules::compare_loaded(expected, &api.rules().await?) {
                Ok((groups, rules)) => {
                    if groups > 0 {
                        reporter.text(&format!(
                            "rules loaded{on}: {}, as rendered (seen in /api/v1/rules)",
                            rules::count_groups_and_rules(groups, rules)
                        ));
                    }
                    proof = RulesProof { groups, rules, seconds: started.elapsed().as_secs_f64() };
                    break;
                }
                Err(differences) => differences,
            };
            if started.elapsed() >= timeout {
                return Err(Failure::check_failed(format!(
                    "Prometheus{on} does not show the rendered rules after {}s: {}; its log says why a rule file was not read",
                    timeout.as_secs(),
                    differences.join("; ")
                ))
                .into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }
    Ok(proof)
}

/// The installed Alertmanager's HTTP API through the API server's service proxy, at the port its
/// rendered Service exposes.
pub fn alertmanager_api(client: &kube::Client, values: &Values, service: &promctl::render::Manifest) -> PrometheusApi {
    let port =
        service.object.data["spec"]["ports"][0]["port"].as_u64().and_then(|p| u16::try_from(p).ok()).unwrap_or(9093);
    PrometheusApi::via_service_proxy(client.clone(), &values.namespace, &service.name, port)
}

/// The installed Alertmanager's config loaded and proven (`alertmanager::verified_reload`), after
/// applying its ConfigMap when `apply` (reload does; install has applied it already). None when
/// promctl installs no Alertmanager.
pub async fn reload_alertmanager(
    client: &kube::Client,
    rendered: &Rendered,
    values: &Values,
    apply: bool,
    timeout: std::time::Duration,
    reporter: &mut Reporter,
) -> anyhow::Result<Option<promctl::reload::AlertmanagerReload>> {
    let Some(workload) = rendered.alertmanager()? else {
        return Ok(None);
    };
    let (Some(service), Some(wanted)) = (rendered.service_of(&workload), rendered.alertmanager_yml()) else {
        return Err(Failure::bad_input(
            "render: the Alertmanager templates render no Service or config; this is a bug in the templates",
        )
        .into());
    };
    if apply {
        let configmap = rendered.alertmanager_configmap().expect("alertmanager_yml came from this ConfigMap");
        let applied = promctl::cluster::apply::apply_manifest(client, configmap, Default::default()).await?;
        reporter.resource(
            &format!("ConfigMap {}/{}", values.namespace, configmap.name),
            Tone::Good,
            applied.change.as_str(),
            "",
        );
    }
    let api = alertmanager_api(client, values, service);
    let report = promctl::reload::alertmanager(client, &values.namespace, &workload, &api, wanted, timeout).await?;
    reporter.finish();
    if report.reloaded {
        reporter.text(&format!(
            "Alertmanager reloaded and verified: its config hash is the rendered file's ({:.1}s)",
            report.seconds
        ));
    } else {
        reporter.detail("Alertmanager runs the rendered config");
    }
    Ok(Some(report))
}
