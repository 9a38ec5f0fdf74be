//! The operations under the commands, as cargo's ops are under its commands: each takes typed
//! options, emits progress (src/progress.rs) and returns a report. They never print and know nothing
//! of clap; src/commands turns arguments into one call and shows the result.

pub mod diff;
pub mod doctor;
pub mod history;
pub mod install;
pub mod port_forward;
pub mod reach;
pub mod reload;
pub mod rule_tests;
pub mod thanos;
pub mod uninstall;
pub mod upgrade;
pub mod validate;

use std::path::PathBuf;

use crate::error::Failure;
use crate::render::Rendered;
use crate::rules::{self, GroupSummary};
use crate::values::Values;
use crate::{promconfig, render};

/// What a command renders and the static checks learned about it.
pub struct Checked {
    pub rendered: Rendered,
    pub config: promconfig::ConfigSummary,
    /// Every rule group with its rules: what `/api/v1/rules` must show once loaded.
    pub rule_groups: Vec<GroupSummary>,
    /// The team's rule files as read: what a revision records beside the values.
    pub team_rules: Vec<rules::RuleSource>,
}

/// Reads the rule files (`rule_paths` beside values' rules.files), renders, and statically checks the
/// Alertmanager config, the rules and prometheus.yml: nothing that fails a check ever reaches a cluster.
pub fn render_checked(values: &Values, rule_paths: &[PathBuf]) -> anyhow::Result<Checked> {
    check_sources(values, rules::read_sources(values, rule_paths)?)
}

/// Renders `values` with the team's rule files already read (a revision's), and checks as
/// [`render_checked`] does.
pub fn check_sources(values: &Values, team_rules: Vec<rules::RuleSource>) -> anyhow::Result<Checked> {
    if values.alertmanager.enabled {
        crate::alertmanager::check_config(&values.alertmanager.config)
            .map_err(|problems| Failure::bad_input(format!("{}\nnothing was applied", problems.join("\n"))))?;
    }
    let rendered = render::render(values, &team_rules)?;
    let major = crate::release::prometheus_major(&values.image.tag);
    let rule_groups = rules::check(&rendered.rule_files, major).map_err(|problems| {
        Failure::bad_input(format!(
            "the rules fail the static check; nothing was applied:\n  {}\nfix the rule files or values (`promctl render` shows the rendered rules)",
            problems.join("\n  ")
        ))
    })?;
    if major >= 3 {
        refuse_prometheus2_probes(values)?;
    }
    let config = promconfig::check(&rendered.prometheus_yml, major).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        Failure::bad_input(format!(
            "the rendered prometheus.yml fails the static check; nothing was applied:\n{}\nfix the values (see `promctl render --config-only`)",
            lines.join("\n")
        ))
    })?;
    Ok(Checked { rendered, config, rule_groups, team_rules })
}

/// A job's probes written for Prometheus 2 (`le="1"`) would return nothing on a Prometheus 3 image and
/// fail every validate: refused with the fix before anything is applied.
fn refuse_prometheus2_probes(values: &Values) -> Result<(), Failure> {
    let mut problems = Vec::new();
    for (job, settings) in &values.scrape.jobs {
        for (i, probe) in settings.probes.iter().enumerate() {
            for change in crate::promql::prometheus3_changes(probe) {
                problems.push(format!("values: scrape.jobs.{job}.probes[{i}] = {probe:?}: {change}"));
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Failure::bad_input(format!(
        "with image.tag {:?} (Prometheus 3):\n  {}\nnothing was applied",
        values.image.tag,
        problems.join("\n  ")
    )))
}
