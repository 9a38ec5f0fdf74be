use promctl::ops::uninstall::uninstall;
use promctl::report::Reporter;

use super::{connect, load_values};
use crate::cli::{GlobalArgs, UninstallArgs};

/// Deletes what install created and waits until it is gone (ops::uninstall).
pub async fn exec(global: &GlobalArgs, args: &UninstallArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let client = connect(global).await?;
    let report = uninstall(&client, &values, args.delete_data, global.timeout, &mut |p| reporter.show(p)).await?;
    if report.deleted.is_empty() && report.kept.is_empty() {
        reporter.text(&format!("nothing to uninstall: no objects of instance {} found", values.instance()));
    } else {
        reporter.text(&format!("uninstalled: {} deleted, {} kept", report.deleted.len(), report.kept.len()));
    }
    reporter.document(&super::document("uninstall", &report)?);
    Ok(0)
}
