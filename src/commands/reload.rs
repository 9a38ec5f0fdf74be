use promctl::reload::{ReloadEvent, ReloadReport, ReloadTarget, reload};
use promctl::report::{Reporter, Tone};
use promctl::values::Values;
use serde_json::json;

use super::{PrometheusLink, connect, load_values, reach_prometheus, render_checked};
use crate::cli::{GlobalArgs, ReloadArgs};

pub async fn exec(global: &GlobalArgs, args: &ReloadArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    // A config that fails the static check exits 2 here, before anything is applied.
    let (rendered, _) = render_checked(&values)?;
    let client = connect(global).await?;
    let link = reach_prometheus(global, &args.access, &values).await?;
    let direct = args.access.prometheus_url.is_some();
    let report = run_reload(&client, &link, &rendered, &values, direct, global.timeout, reporter).await?;
    reporter.json(&json!({"command": "reload", "reload": report}));
    Ok(0)
}

/// The verified reload with its progress lines; `install` ends with the same when the config changed.
pub async fn run_reload(
    client: &kube::Client,
    link: &PrometheusLink,
    rendered: &promctl::render::Rendered,
    values: &Values,
    direct: bool,
    timeout: std::time::Duration,
    reporter: &mut Reporter,
) -> anyhow::Result<ReloadReport> {
    let target = ReloadTarget {
        namespace: &values.namespace,
        pod_selector: format!("app={}", values.name),
        container: "prometheus",
        direct,
        timeout,
    };
    let configmap = format!("ConfigMap {}/{}-config", values.namespace, values.name);
    let report = reload(client, &link.api, rendered, &target, |event| match event {
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
        ReloadEvent::Verified => {}
    })
    .await?;
    reporter.finish();
    if report.reloaded {
        reporter.text(&format!(
            "reloaded and verified: Prometheus loaded the new config at {} with {} jobs ({:.1}s from apply to verified)",
            report.last_config_time,
            report.jobs.len(),
            report.verified_seconds
        ));
    } else {
        reporter.text("config unchanged and already loaded; nothing to reload");
    }
    Ok(report)
}
