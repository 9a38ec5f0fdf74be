use promctl::cluster::inspect::PodDiagnostics;
use promctl::cluster::wait::WaitOutcome;
use promctl::error::Failure;
use promctl::ops::history;
use promctl::ops::install::{InstallOptions, install};
use promctl::report::Reporter;
use serde_json::json;

use super::{connect, load_values, render_checked};
use crate::cli::{GlobalArgs, InstallArgs};

pub async fn exec(global: &GlobalArgs, args: &InstallArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let checked = render_checked(&values, &args.values)?;
    reporter.detail(&format!(
        "prometheus.yml and the rules pass the static check ({} jobs, {} rule groups)",
        checked.config.jobs.len(),
        checked.rule_groups.len()
    ));
    let client = connect(global).await?;
    let options = InstallOptions {
        dry_run: args.dry_run,
        force_conflicts: args.force_conflicts,
        no_wait: args.no_wait,
        timeout: global.timeout,
    };
    let report = install(&client, &checked, &values, options, &mut |p| reporter.show(p)).await?;
    if args.dry_run || args.no_wait {
        let what = if args.dry_run { "dry run: nothing was changed" } else { "applied; not waiting (--no-wait)" };
        reporter.text(&format!("{what}; {}", report.change_summary()));
        reporter.document(&json!({"command": "install", "dry_run": args.dry_run, "objects": report.objects,
            "apply_seconds": report.apply_seconds}));
        return Ok(0);
    }
    // A change (or a failed rollout) is a revision: `promctl history` lists it, rollback goes back.
    let emit = &mut |p| reporter.show(p);
    if report.changed > 0 || report.failure.is_some() {
        let outcome = history::outcome_of(&report, options);
        history::record_or_warn(&client, &checked, &values, "install".into(), outcome, emit).await;
    }
    if let Some(WaitOutcome::Failed { diagnostics: Some(diagnostics), .. }) = &report.readiness {
        show_diagnostics(reporter, diagnostics);
    }
    let mut document = super::document("install", &report)?;
    let Some(failure) = report.failure else {
        reporter.document(&document);
        let verdict = if report.changed == 0 { "nothing to change, and" } else { "installed, and" };
        reporter.text(&format!(
            "{verdict} Prometheus is ready in namespace {} ({}; {:.1}s)",
            values.namespace,
            report.change_summary(),
            report.total_seconds
        ));
        return Ok(0);
    };
    if !args.rollback_on_failure {
        reporter.document(&document);
        return Err(failure.into());
    }
    // What failed is shown above (conditions, events, logs); then back to the last deployed revision.
    reporter.step(&format!(
        "the rollout failed ({}); rolling back to the last deployed revision",
        failure.message.lines().next().unwrap_or_default()
    ));
    let back =
        history::rollback(&client, &values.namespace, &values.instance(), None, options, &mut |p| reporter.show(p))
            .await;
    let ended = match &back {
        Ok(back) if back.install.failure.is_none() => {
            format!("rolled back to revision {} ({}), which is Ready", back.to, back.image)
        }
        Ok(back) => format!(
            "the rollback to revision {} failed too: {}",
            back.to,
            back.install.failure.as_ref().map(|f| f.message.as_str()).unwrap_or_default()
        ),
        Err(e) => format!("no rollback: {}", promctl::error::message(e)),
    };
    document["rollback"] = match back {
        Ok(back) => serde_json::to_value(&back)?,
        Err(e) => json!({"error": promctl::error::message(&e)}),
    };
    reporter.document(&document);
    Err(Failure::check_failed(format!(
        "install failed: {}
{ended}",
        failure.message
    ))
    .into())
}

pub fn show_diagnostics(reporter: &Reporter, diagnostics: &PodDiagnostics) {
    if diagnostics.events.is_empty() {
        reporter.step(&format!("no events recorded for pod {}", diagnostics.pod));
    } else {
        reporter.step(&format!(
            "events of pod {} (oldest first):\n  {}",
            diagnostics.pod,
            diagnostics.events.join("\n  ")
        ));
    }
    for tail in &diagnostics.logs {
        let which = if tail.previous { "previous container" } else { "container" };
        reporter.step(&format!(
            "last log lines of {which} {} in pod {}:\n  {}",
            tail.container,
            diagnostics.pod,
            tail.text.trim_end().replace('\n', "\n  ")
        ));
    }
}
