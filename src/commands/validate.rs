use promctl::error::Failure;
use promctl::ops::validate::{Engine, ValidateOptions, ValidateReport, validate};
use promctl::report::{Reporter, alerts_table, job_table, junit_xml, rules_table};
use serde_json::json;

use super::{cluster_options, load_values, render_checked, route};
use crate::cli::{GlobalArgs, ValidateArgs};

pub async fn exec(global: &GlobalArgs, args: &ValidateArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let checked = render_checked(&values, &args.values)?;
    let engine = match (&args.engine_url, &args.engine_service) {
        (Some(url), _) => Some(Engine::Url(url.clone())),
        (None, Some(service)) => Some(Engine::Service(service.clone())),
        (None, None) => None,
    };
    let options = ValidateOptions {
        cluster: cluster_options(global),
        route: route(&args.access),
        prometheus_only: args.prometheus_only,
        expect_jobs: args.expect_job.clone(),
        skip_jobs: args.skip_job.clone(),
        wait_targets: args.wait_targets,
        queries: args.query.clone(),
        fail_on_alerts: args.fail_on_alert.clone(),
        engine,
    };
    let report = validate(&checked, &values, &options, &mut |p| reporter.show(p)).await?;

    show(reporter, &report);
    if let Some(path) = &args.junit {
        std::fs::write(path, junit_xml("validate", &report.checks))
            .map_err(|e| Failure::bad_input(format!("cannot write --junit {}: {e}", path.display())))?;
    }
    // Built only when asked for (the rules and alerts can be long; the targets are bounded by the tally).
    if reporter.format().is_document() {
        reporter.document(&json!({
            "command": "validate",
            "passed": report.failed().is_empty(),
            "checks": report.checks,
            "jobs": report.jobs,
            "rules": report.rules.groups,
            "alerts": report.rules.alerts,
        }));
    }
    report.verdict()?;
    reporter.text(&format!("all {} checks passed", report.checks.len()));
    Ok(0)
}

/// The checks, then the jobs, rules and alerts tables (each only when it has rows).
fn show(reporter: &Reporter, report: &ValidateReport) {
    for check in &report.checks {
        reporter.text(&reporter.check_line(check));
    }
    if !report.jobs.is_empty() {
        reporter.text("");
        reporter.text(&job_table(&report.jobs));
    }
    if !report.rules.groups.is_empty() {
        reporter.text("");
        reporter.text(&rules_table(&report.rules.groups));
    }
    if !report.rules.alerts.is_empty() {
        reporter.text("");
        reporter.text(&alerts_table(&report.rules.alerts));
    }
}
