//! Command-line types. Parsing only: src/commands turns these into calls of the core modules.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use promctl::ops::validate::{ExpectedJob, ServiceAddress};
use promctl::report::OutputFormat;
use promctl::rules::AlertMatcher;

#[derive(Debug, Parser)]
#[command(
    name = "promctl",
    version,
    about = "Install, validate, hot-reload and port-forward Prometheus on Kubernetes",
    after_help = "Exit codes: 0 success, 1 a check failed or a resource did not become ready, 2 bad usage or \
                  input, 3 cluster or Prometheus unreachable or permission denied, 4 timed out, 130 interrupted."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The name kubectl looks for on PATH to run `kubectl promctl ...`.
pub const PLUGIN_NAME: &str = "kubectl-promctl";

impl Cli {
    /// The command line, read the way promctl was invoked: as `promctl`, or as the kubectl plugin
    /// `kubectl-promctl` (kubectl runs it for `kubectl promctl ...` with the arguments unchanged and
    /// KUBECONFIG in the environment), whose help then says `kubectl promctl`.
    pub fn from_invocation() -> Self {
        let invoked = std::env::args_os().next().map(PathBuf::from);
        let name = invoked.as_deref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned());
        let mut command = Cli::command();
        if name.as_deref() == Some(PLUGIN_NAME) {
            command = command.bin_name("kubectl promctl").name("kubectl promctl");
        }
        Cli::from_arg_matches(&command.get_matches()).unwrap_or_else(|err| err.exit())
    }
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use [default: the current context]
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// Namespace to install into (overrides the `namespace` value)
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// Output format: text for people, json or yaml for scripts (one document on stdout)
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// How long to wait for readiness, e.g. 90s, 5m
    #[arg(long, global = true, value_parser = parse_timeout, default_value = "5m")]
    pub timeout: Duration,
    /// Show more detail
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// No colours (also when NO_COLOR is set)
    #[arg(long, global = true)]
    pub no_color: bool,
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    match promctl::duration::parse_duration(s) {
        None => Err(format!("{s:?} is not a duration; use a form like 90s, 5m or 1h")),
        // Zero would time out before the first request: nothing could ever pass.
        Some(d) if d.is_zero() => Err(format!("{s:?}: the timeout must be longer than 0, e.g. 90s or 5m")),
        Some(d) => Ok(d),
    }
}

/// A URL promctl can send HTTP requests to, checked when parsed (exit 2 before anything is contacted).
fn parse_http_url(s: &str) -> Result<String, String> {
    promctl::prometheus::PrometheusApi::direct(s).map(|_| s.to_string()).map_err(|failure| failure.message)
}

/// A PromQL expression, parsed by a real PromQL parser.
fn parse_promql(s: &str) -> Result<String, String> {
    promctl::promql::parse(s).map(|()| s.to_string()).map_err(|reason| format!("not valid PromQL: {reason}"))
}

fn parse_alert_matcher(s: &str) -> Result<AlertMatcher, String> {
    AlertMatcher::parse(s).map_err(|failure| failure.message)
}

/// Where values come from: the embedded defaults, then each -f file, then each --set.
#[derive(Debug, Clone, Args, Default)]
pub struct ValuesArgs {
    /// A values file (YAML); repeatable, later files win
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)
    #[arg(long = "rules", value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the manifests install would apply (no cluster needed)
    #[command(visible_alias = "template")]
    Render(RenderArgs),
    /// Print the embedded default values, with comments (or their JSON Schema)
    Values(ValuesCmdArgs),
    /// Render, check, apply (server-side) in a safe order, then wait until everything is ready
    Install(InstallArgs),
    /// Show what install would change (exit 0: nothing, 1: changes, >1: error)
    Diff(DiffArgs),
    /// List the revisions install and rollback recorded (values, image, outcome)
    History(HistoryArgs),
    /// Go back to a recorded revision: its values and rule files, applied and proven as install does (claims untouched)
    Rollback(RollbackArgs),
    /// Remove what install created and wait until it is gone (keeps the PVC unless --delete-data)
    Uninstall(UninstallArgs),
    /// Check the installed objects, then that Prometheus scrapes every expected job with all targets up
    Validate(Box<ValidateArgs>),
    /// Find what is wrong, read-only, and say how to fix it: pods, claims, permissions, annotations, down targets, config drift
    Doctor(DoctorArgs),
    /// Push the rendered config and prove that Prometheus loaded it
    Reload(ReloadArgs),
    /// Forward a local port to the Prometheus Service, following pod restarts
    PortForward(PortForwardArgs),
    /// Run tests: `test rules` runs promtool rule unit tests against the rules promctl renders
    #[command(subcommand)]
    Test(TestCommand),
    /// Print the ServiceAccount and least RBAC for running promctl inside the cluster (a CI Job)
    #[command(subcommand)]
    Rbac(RbacCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(CompletionsArgs),
    /// Print promctl's version and the Kubernetes, Prometheus and Alertmanager versions it supports
    Version,
}

/// How validate and reload reach Prometheus's HTTP API.
#[derive(Debug, Clone, Args)]
pub struct PrometheusAccess {
    /// Path to Prometheus: the API server's service proxy (no local socket, works in CI) or a port-forward
    #[arg(long, value_enum, default_value_t = Via::Proxy)]
    pub via: Via,
    /// Talk to Prometheus at this URL instead (when the caller can reach it directly)
    #[arg(long, value_name = "URL", value_parser = parse_http_url)]
    pub prometheus_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Via {
    Proxy,
    PortForward,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    #[command(flatten)]
    pub access: PrometheusAccess,
    /// Expect this job with at least MIN targets (default 1); repeatable. Every configured job is expected anyway
    #[arg(long, value_name = "NAME[=MIN]")]
    pub expect_job: Vec<ExpectedJob>,
    /// Do not expect this job; repeatable
    #[arg(long, value_name = "NAME")]
    pub skip_job: Vec<String>,
    /// How long to wait for targets still `unknown` [default: twice the longest scrape interval]
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub wait_targets: Option<Duration>,
    /// A PromQL query that must return a non-empty result; repeatable (replaces the default probes)
    #[arg(long, value_name = "EXPR", value_parser = parse_promql)]
    pub query: Vec<String>,
    /// Fail when an alert with this name, or with this LABEL=VALUE (severity=critical), is firing; repeatable
    #[arg(long, value_name = "NAME|LABEL=VALUE", value_parser = parse_alert_matcher)]
    pub fail_on_alert: Vec<AlertMatcher>,
    /// The long-term store's Prometheus-compatible query URL (Thanos Query, Mimir, VictoriaMetrics): check that remote writes arrive there
    #[arg(long, value_name = "URL", conflicts_with = "engine_service", value_parser = parse_http_url)]
    pub engine_url: Option<String>,
    /// The same, as an in-cluster Service reached through the API server: NAMESPACE/SERVICE:PORT
    #[arg(long, value_name = "NAMESPACE/SERVICE:PORT")]
    pub engine_service: Option<ServiceAddress>,
    /// Write a JUnit XML report (one test case per check) for CI dashboards
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Only the Prometheus checks (skip the Kubernetes object checks)
    #[arg(long)]
    pub prometheus_only: bool,
}

#[derive(Debug, Subcommand)]
pub enum RbacCommand {
    /// What `promctl validate` needs: read the installed objects, Prometheus through the service proxy, SubjectAccessReviews
    Validate(RbacArgs),
    /// What `promctl install` needs for these values: apply, list and prune its objects, wait for them, bind Prometheus's ClusterRole
    Install(RbacArgs),
}

#[derive(Debug, Args)]
pub struct RbacArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// The ServiceAccount the CI Job runs as (made in the install's namespace)
    #[arg(long, default_value = "promctl")]
    pub service_account: String,
}

#[derive(Debug, Subcommand)]
pub enum TestCommand {
    /// Run promtool rule unit tests (promtool's test-file format) against the rules promctl renders,
    /// with the promtool of the image it deploys, in a short-lived pod (or --promtool, no cluster)
    Rules(TestRulesArgs),
}

#[derive(Debug, Args)]
pub struct TestRulesArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// promtool test files; each runs against every rule file promctl renders (its own rule_files are replaced)
    #[arg(value_name = "TEST_FILE", required = true)]
    pub tests: Vec<PathBuf>,
    /// Run this promtool binary on this machine instead of a pod of the deployed image (no cluster needed)
    #[arg(long, value_name = "PATH")]
    pub promtool: Option<PathBuf>,
    /// Write a JUnit XML report (one test case per test file) for CI dashboards
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    #[command(flatten)]
    pub access: PrometheusAccess,
}

#[derive(Debug, Args)]
pub struct ReloadArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    #[command(flatten)]
    pub access: PrometheusAccess,
}

#[derive(Debug, Args)]
pub struct PortForwardArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Local port; 0 picks a free one
    #[arg(long, default_value_t = 9090)]
    pub local_port: u16,
    /// Local address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    pub address: std::net::IpAddr,
    /// Run this command with PROMETHEUS_URL set, then stop and exit with its status
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Print only the rendered prometheus.yml
    #[arg(long)]
    pub config_only: bool,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Server-side dry run: validate against the cluster, change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Take over fields owned by another field manager
    #[arg(long)]
    pub force_conflicts: bool,
    /// Apply only; do not wait for readiness
    #[arg(long)]
    pub no_wait: bool,
    /// When the rollout fails: show what failed, then roll back to the last deployed revision (exit 1
    /// naming both)
    #[arg(long, conflicts_with_all = ["dry_run", "no_wait"])]
    pub rollback_on_failure: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The revision to go back to (`promctl history` lists them); default: the last deployed one before
    /// the newest
    #[arg(value_name = "REVISION")]
    pub revision: Option<u32>,
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Server-side dry run: validate against the cluster, change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Also delete the PersistentVolumeClaim, and with it the stored metrics
    #[arg(long)]
    pub delete_data: bool,
}

#[derive(Debug, Args)]
pub struct ValuesCmdArgs {
    /// Print a JSON Schema of the values instead, for editors (yaml-language-server: $schema=...)
    #[arg(long)]
    pub schema: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_or_malformed_timeout_is_refused() {
        assert_eq!(parse_timeout("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout("0s").unwrap_err(), r#""0s": the timeout must be longer than 0, e.g. 90s or 5m"#);
        assert!(parse_timeout("soon").unwrap_err().contains("is not a duration"));
    }
}
