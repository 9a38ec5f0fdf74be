use promctl::cluster::inspect::PodDiagnostics;
use promctl::cluster::wait::WaitOutcome;
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
    reporter.document(&super::document("install", &report)?);
    if let Some(WaitOutcome::Failed { diagnostics: Some(diagnostics), .. }) = &report.readiness {
        show_diagnostics(reporter, diagnostics);
    }
    if let Some(failure) = report.failure {
        return Err(failure.into());
    }
    let verdict = if report.changed == 0 { "nothing to change, and" } else { "installed, and" };
    reporter.text(&format!(
        "{verdict} Prometheus is ready in namespace {} ({}; {:.1}s)",
        values.namespace,
        report.change_summary(),
        report.total_seconds
    ));
    Ok(0)
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
