//! The checks of `promctl validate`: the installed objects and their RBAC (asked of the API server),
//! then Prometheus itself (health, the running config, every expected job's targets, PromQL
//! probes). Each check is a named verdict; the command layer shows them (table, JUnit, JSON).
//!
//! Each family fetches what it needs and hands it to a pure `judge_*` function that decides: the
//! unit tests run those on answers recorded from the real programs (tests/fixtures/README.md).
//! - [`objects`]: the installed objects and the ServiceAccount's effective RBAC;
//! - [`targets`]: health, the running config, every job's targets, the PromQL probes;
//! - [`rules`]: the loaded rules, their evaluation, forbidden firing alerts;
//! - [`alerting`]: where alerts go, and the installed Alertmanager;
//! - [`remote_write`]: the remote_write queues and the engine behind them;
//! - [`replicas`]: an HA set's replicas, each alone and together;
//! - [`nodes`]: the nodes behind down targets;
//! - [`capacity`]: how full the claim is and how fast it fills;
//! - [`thanos`]: the Thanos sidecar beside each replica.

use std::time::Duration;

use serde::Serialize;

use crate::cluster::readiness::Readiness;
use crate::error::{FailureKind, kind_of};
use crate::prometheus::ActiveAlert;
use crate::values::Values;

pub mod alerting;
pub mod capacity;
pub mod nodes;
pub mod objects;
#[cfg(test)]
pub(crate) mod recorded;
pub mod remote_write;
pub mod replicas;
pub mod rules;
pub mod targets;
pub mod thanos;

pub use alerting::{
    AlertmanagerSources, InstalledAlertmanager, alertmanager_checks, judge_alertmanager_config, judge_alertmanagers,
};
pub use nodes::{judge_target_nodes, target_pods};
pub use objects::{access_reviews, cluster_checks, judge_permissions, judge_pods, rendered_rules};
pub use remote_write::{
    EngineCounts, EngineScope, QueueMetrics, REMOTE_WRITE_LAG_LIMIT, SCRAPED_QUERY, Sample, engine_checks, http_status,
    judge_engine, judge_remote_write, last_send_error, queue_queries, remote_write_checks,
};
pub use replicas::{ReplicaAnswers, ReplicaUnderTest, ReplicaView, judge_replica, replica_checks, replicas_agree};
pub use rules::{RulesReport, all_evaluated, judge_alerts, judge_rules, rules_checks};
pub use targets::{
    TargetsProgress, judge_config_drift, judge_jobs, judge_probe, probe_skipped, prometheus_checks, targets_progress,
};

/// Service discovery reaches Prometheus's scrape manager at most every 5 s: a job whose pods appeared
/// just now may show no targets for that long. Missing targets are looked for again within this window.
pub const DISCOVERY_GRACE: Duration = Duration::from_secs(10);

/// One named check with its verdict: a line of the report and a JUnit test case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub detail: String,
    /// Failed because something could not be reached (exit 3 when nothing else failed).
    #[serde(skip)]
    pub unreachable: bool,
}

impl Check {
    pub fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check { name: name.into(), passed: true, detail: detail.into(), unreachable: false }
    }
    pub fn fail(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check { name: name.into(), passed: false, detail: detail.into(), unreachable: false }
    }
    pub fn from_error(name: impl Into<String>, error: &anyhow::Error) -> Self {
        let unreachable = kind_of(error) == FailureKind::Unreachable;
        Check { name: name.into(), passed: false, detail: crate::error::message(error), unreachable }
    }
    pub fn from_readiness(name: impl Into<String>, readiness: Readiness) -> Self {
        match readiness {
            Readiness::Ready(why) => Check::pass(name, why),
            Readiness::Progressing(why) | Readiness::Failed(why) => Check::fail(name, why),
        }
    }
}

/// A PromQL probe, and the job whose metric it reads (skipped when that job already failed, so a
/// failure is reported once, where it is caused).
pub struct Probe {
    pub expr: String,
    pub job: Option<String>,
}

/// The probes of the seed's README (and its Kubernetes metrics), for the jobs that are configured
/// and not skipped.
pub fn default_probes(values: &Values, skipped: &[String]) -> Vec<Probe> {
    let mut queries = vec![Probe { expr: "up".into(), job: None }];
    // Each job's probes from values.yaml (scrape.jobs.NAME.probes), in the file's order.
    for (job, settings) in values.enabled_jobs() {
        if !skipped.contains(&job) {
            queries.extend(settings.probes.iter().map(|expr| Probe { expr: expr.clone(), job: Some(job.clone()) }));
        }
    }
    queries
}

/// On a terminal and in CI logs, down targets are summarised: grouped by error, a few examples each
/// (`prometheus::EXAMPLES_KEPT`). `--output json` has up to `prometheus::ERROR_KINDS_KEPT` kinds.
pub const ERROR_GROUPS_SHOWN: usize = 5;

/// `Name{label="value", ...}` without the alertname label.
pub fn describe_alert(alert: &ActiveAlert) -> String {
    let labels: Vec<String> =
        alert.labels.iter().filter(|(k, _)| *k != "alertname").map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{}{{{}}}", alert.name(), labels.join(", "))
}
