use std::process::Stdio;

use promctl::error::Failure;
use promctl::forward::{ForwardEvent, ForwardTarget, Forwarder, READY_POD_WAIT, probe};
use promctl::report::{OutputFormat, Reporter, Tone};

use super::{connect, load_values};
use crate::cli::{GlobalArgs, PortForwardArgs};

/// Forwards a local port to the Prometheus Service; every new connection goes to a Ready pod, so the
/// forward outlives pod restarts. The URL is printed only once a request through the tunnel worked.
pub async fn exec(global: &GlobalArgs, args: &PortForwardArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let client = connect(global).await?;
    let target = ForwardTarget {
        namespace: values.namespace.clone(),
        service: values.service.name.clone(),
        port: values.service.port,
    };
    let forwarder = Forwarder::bind(client, target, args.address, args.local_port).await?;
    let address = forwarder.local_addr();
    let url = format!("http://{address}");
    let (events, mut event_stream) = tokio::sync::mpsc::unbounded_channel();
    let running = forwarder.spawn(events);

    let service = format!("{}/{}", values.namespace, values.service.name);
    // The first request through the tunnel, watching what the forwarder says meanwhile: a Service
    // with no Ready pod is named as such (exit 1), not left to end as a reset connection.
    let first_answer = async {
        let mut probe = std::pin::pin!(probe(address, "/-/ready"));
        loop {
            tokio::select! {
                // Events first: "no Ready pod" arrives just before the probe sees its connection end.
                biased;
                Some(event) = event_stream.recv() => match event {
                    ForwardEvent::WaitingForReadyPod => reporter.step(&format!(
                        "service {service} has no Ready pod yet; waiting up to {}s for one (a restart or rollout?)",
                        READY_POD_WAIT.as_secs()
                    )),
                    ForwardEvent::NoReadyPod { waited } => {
                        return Err(Failure::check_failed(format!(
                            "service {service} has no Ready pod behind it after {}s: Prometheus is not running or not ready; `promctl validate` or `kubectl get pods -n {} -l app={}` shows why",
                            waited.as_secs(), values.namespace, values.name
                        ))
                        .into());
                    }
                    ForwardEvent::ConnectionFailed { error } => reporter.detail(&format!("connection failed: {error}")),
                    ForwardEvent::Connected { pod } => reporter.detail(&format!("connection -> pod {pod}")),
                },
                status = &mut probe => return status,
            }
        }
    };
    let status = tokio::time::timeout(global.timeout, first_answer).await.map_err(|_| {
        Failure::timed_out(format!("no answer through the tunnel within {}s", global.timeout.as_secs()))
    })??;
    if status != 200 {
        return Err(Failure::check_failed(format!(
            "Prometheus answered /-/ready with HTTP {status} through the tunnel"
        ))
        .into());
    }
    match reporter.format() {
        OutputFormat::Json => promctl::report::write_json_line(&serde_json::json!({"url": url})),
        OutputFormat::Yaml => promctl::report::write_document(OutputFormat::Yaml, &serde_json::json!({"url": url})),
        OutputFormat::Text => reporter.text(&format!(
            "forwarding {url} -> service {}/{}:{} (Ctrl-C to stop)",
            values.namespace, values.service.name, values.service.port
        )),
    }

    let code = if let Some((program, rest)) = args.command.split_first() {
        let mut child = tokio::process::Command::new(program)
            .args(rest)
            .env("PROMETHEUS_URL", &url)
            .stdin(Stdio::inherit())
            .spawn()
            .map_err(|e| Failure::bad_input(format!("cannot run {program}: {e}")))?;
        let status = child.wait().await?;
        // Exit with CMD's status; a signal-killed CMD maps to 128+signal like a shell does.
        status.code().unwrap_or_else(|| 128 + std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)) as u8
    } else {
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break 0,
                event = event_stream.recv() => match event {
                    Some(ForwardEvent::Connected { pod }) => reporter.detail(&format!("connection -> pod {pod}")),
                    Some(ForwardEvent::ConnectionFailed { error }) => reporter.resource("connection", Tone::Bad, "failed", &error),
                    Some(ForwardEvent::WaitingForReadyPod) => reporter.detail("connection waits for a Ready pod"),
                    Some(ForwardEvent::NoReadyPod { waited }) => {
                        reporter.warn(&format!("no Ready pod behind the Service after {}s", waited.as_secs()))
                    }
                    None => break 0,
                },
            }
        }
    };
    running.stop().await;
    Ok(code)
}
