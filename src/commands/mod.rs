//! One thin module per subcommand: turn arguments into calls of the core, and show the results.

mod completions;
mod diff;
mod install;
mod render;
mod uninstall;
mod values;

use promctl::cluster::{self, ClusterOptions};
use promctl::error::Failure;
use promctl::render::Rendered;
use promctl::report::Reporter;
use promctl::values::Values;
use promctl::{promconfig, render as renderer, values as values_core};

use crate::cli::{Cli, Command, GlobalArgs, ValuesArgs};

/// Runs the command; Ok carries the exit code of a run that completed (diff: 1 = changes).
pub async fn run(cli: Cli) -> anyhow::Result<u8> {
    let mut reporter = Reporter::new(cli.global.output, cli.global.no_color, cli.global.verbose > 0);
    let global = &cli.global;
    match cli.command {
        Command::Render(args) => render::exec(global, &args, &reporter),
        Command::Values => values::exec(&reporter),
        Command::Install(args) => install::exec(global, &args, &mut reporter).await,
        Command::Diff(args) => diff::exec(global, &args, &mut reporter).await,
        Command::Uninstall(args) => uninstall::exec(global, &args, &mut reporter).await,
        Command::Completions(args) => completions::exec(&args),
    }
}

pub fn load_values(global: &GlobalArgs, args: &ValuesArgs) -> anyhow::Result<Values> {
    Ok(values_core::load(&args.files, &args.sets, global.namespace.as_deref())?)
}

/// Renders and statically checks prometheus.yml: nothing that fails the check ever reaches a cluster.
pub fn render_checked(values: &Values) -> anyhow::Result<(Rendered, promconfig::ConfigSummary)> {
    let rendered = renderer::render(values)?;
    let summary = promconfig::check(&rendered.prometheus_yml).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        Failure::bad_input(format!(
            "the rendered prometheus.yml fails the static check; nothing was applied:\n{}\nfix the values (see `promctl render --config-only`)",
            lines.join("\n")
        ))
    })?;
    Ok((rendered, summary))
}

pub async fn connect(global: &GlobalArgs) -> anyhow::Result<kube::Client> {
    cluster::connect(&ClusterOptions { kubeconfig: global.kubeconfig.clone(), context: global.context.clone() }).await
}
