use std::process::Stdio;

use promctl::error::Failure;
use promctl::ops::port_forward::{event_line, open};
use promctl::report::{OutputFormat, Reporter};

use super::{connect, load_values};
use crate::cli::{GlobalArgs, PortForwardArgs};

/// Forwards a local port to the Prometheus Service (ops::port_forward); the URL is printed only once
/// a request through the tunnel worked. With `-- CMD` it runs CMD with PROMETHEUS_URL and exits with
/// its status; otherwise it runs until Ctrl-C.
pub async fn exec(global: &GlobalArgs, args: &PortForwardArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let pods = promctl::render::render(&values, &[])?.workload()?.pod_selector;
    let client = connect(global).await?;
    let at = (args.address, args.local_port);
    let mut forward = open(client, &values, &pods, at, global.timeout, &mut |p| reporter.show(p)).await?;
    let url = forward.url.clone();
    match reporter.format() {
        OutputFormat::Json => promctl::report::write_json_line(&serde_json::json!({"url": url})),
        OutputFormat::Yaml => promctl::report::write_document(OutputFormat::Yaml, &serde_json::json!({"url": url})),
        OutputFormat::Text => reporter.text(&format!(
            "forwarding {url} -> service {}/{}:{} (Ctrl-C to stop)",
            values.namespace, values.service.name, values.service.port
        )),
    }
    let code = match args.command.split_first() {
        Some((program, rest)) => {
            let mut child = tokio::process::Command::new(program)
                .args(rest)
                .env("PROMETHEUS_URL", &url)
                .stdin(Stdio::inherit())
                .spawn()
                .map_err(|e| Failure::bad_input(format!("cannot run {program}: {e}")))?;
            let status = child.wait().await?;
            // Exit with CMD's status; a signal-killed CMD maps to 128+signal like a shell does.
            status.code().unwrap_or_else(|| 128 + std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0))
                as u8
        }
        None => loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break 0,
                event = forward.events.recv() => match event {
                    Some(event) => reporter.show(event_line(event)),
                    None => break 0,
                },
            }
        },
    };
    forward.running.stop().await;
    Ok(code)
}
