use promctl::ops::history::rollback;
use promctl::ops::install::InstallOptions;
use promctl::report::Reporter;

use super::{connect, load_values};
use crate::cli::{GlobalArgs, RollbackArgs};

/// Back to a recorded revision, applied and proven as install does (ops::history::rollback).
pub async fn exec(global: &GlobalArgs, args: &RollbackArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let client = connect(global).await?;
    let options =
        InstallOptions { dry_run: args.dry_run, force_conflicts: false, no_wait: false, timeout: global.timeout };
    let report =
        rollback(&client, &values.namespace, &values.instance(), args.revision, options, &mut |p| reporter.show(p))
            .await?;
    reporter.document(&super::document("rollback", &report)?);
    if let Some(failure) = report.install.failure {
        return Err(failure.into());
    }
    if args.dry_run {
        reporter.text(&format!(
            "dry run of the rollback to revision {}: nothing was changed; {}",
            report.to,
            report.install.change_summary()
        ));
    } else {
        reporter.text(&format!(
            "rolled back: revision {} ({}) is Ready in namespace {} ({}; {:.1}s)",
            report.to,
            report.image,
            values.namespace,
            report.install.change_summary(),
            report.install.total_seconds
        ));
    }
    Ok(0)
}
