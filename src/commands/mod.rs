//! One thin module per subcommand: turn arguments into calls of the core, and show the results.

mod completions;
mod diff;
mod doctor;
mod history;
mod install;
#[cfg(test)]
mod manpages;
mod port_forward;
mod rbac;
mod reload;
mod render;
mod rollback;
mod test;
mod uninstall;
mod validate;
mod values;
mod version;

use promctl::cluster::{self, ClusterOptions};
use promctl::ops::Checked;
use promctl::ops::reach::Route;
use promctl::report::Reporter;
use promctl::values::{self as values_core, Values};

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
        Command::History(args) => history::exec(global, &args, &mut reporter).await,
        Command::Rollback(args) => rollback::exec(global, &args, &mut reporter).await,
        Command::Uninstall(args) => uninstall::exec(global, &args, &mut reporter).await,
        Command::Validate(args) => validate::exec(global, &args, &mut reporter).await,
        Command::Doctor(args) => doctor::exec(global, &args, &mut reporter).await,
        Command::Reload(args) => reload::exec(global, &args, &mut reporter).await,
        Command::PortForward(args) => port_forward::exec(global, &args, &mut reporter).await,
        Command::Test(command) => test::exec(global, &command, &mut reporter).await,
        Command::Rbac(command) => rbac::exec(global, &command, &reporter),
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
    use rustls::AlertDescription::*;
    let alert = promctl::error::tls_alert_received(&error);
    if let Some(
        alert @ (UnknownCA
        | BadCertificate
        | CertificateUnknown
        | CertificateExpired
        | CertificateRevoked
        | UnsupportedCertificate
        | CertificateRequired
        | AccessDenied),
    ) = alert
    {
        return error.context(format!(
            "the Kubernetes API server at {server} refused the TLS handshake ({alert:?}): it does not accept this kubeconfig user's client certificate; check that the certificate was issued by this cluster's CA, or use another --context"
        ));
    }
    error.context(format!(
        "cannot reach the Kubernetes API server at {server}; is the cluster up, and is this the right --kubeconfig / --context?"
    ))
}

pub fn load_values(global: &GlobalArgs, args: &ValuesArgs) -> anyhow::Result<Values> {
    let context = cluster::context_namespace(&cluster_options(global));
    Ok(values_core::load_with_context(&args.files, &args.sets, global.namespace.as_deref(), context.as_deref())?)
}

/// Reads the rule files, renders, and runs every static check (`ops::render_checked`).
pub fn render_checked(values: &Values, args: &ValuesArgs) -> anyhow::Result<Checked> {
    promctl::ops::render_checked(values, &args.rules)
}

pub async fn connect(global: &GlobalArgs) -> anyhow::Result<kube::Client> {
    cluster::connect(&cluster_options(global)).await
}

pub fn cluster_options(global: &GlobalArgs) -> ClusterOptions {
    ClusterOptions { kubeconfig: global.kubeconfig.clone(), context: global.context.clone() }
}

/// A command's JSON/YAML document: `command` first, then the fields of its report.
pub fn document(command: &str, report: &impl serde::Serialize) -> anyhow::Result<serde_json::Value> {
    let mut document = serde_json::Map::new();
    document.insert("command".into(), command.into());
    if let serde_json::Value::Object(fields) = serde_json::to_value(report)? {
        document.extend(fields);
    }
    Ok(document.into())
}

/// The way to Prometheus the flags ask for.
pub fn route(access: &PrometheusAccess) -> Route {
    match (&access.prometheus_url, access.via) {
        (Some(url), _) => Route::Url(url.clone()),
        (None, Via::Proxy) => Route::ServiceProxy,
        (None, Via::PortForward) => Route::PortForward,
    }
}
