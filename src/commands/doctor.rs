use promctl::ops::doctor::diagnose;
use promctl::report::{Reporter, Tone};
use serde_json::json;

use super::{cluster_options, connect, load_values, render_checked, route};
use crate::cli::{DoctorArgs, GlobalArgs};

pub async fn exec(global: &GlobalArgs, args: &DoctorArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let checked = render_checked(&values, &args.values)?;
    let client = connect(global).await?;
    let (cluster, route) = (cluster_options(global), route(&args.access));
    let diagnosis = diagnose(&client, &cluster, &route, &checked, &values, &mut |p| reporter.show(p)).await?;
    for fine in &diagnosis.fine {
        reporter.text(&format!("{} {fine}", reporter.paint(Tone::Good, "ok  ")));
    }
    for finding in &diagnosis.findings {
        reporter.text(&format!(
            "{} [{}] {}: {}\n     fix: {}",
            reporter.paint(Tone::Bad, "PROBLEM"),
            finding.area,
            finding.object,
            finding.problem.replace('\n', "\n     "),
            finding.fix
        ));
    }
    reporter.document(&json!({
        "command": "doctor",
        "namespace": values.namespace,
        "healthy": diagnosis.findings.is_empty(),
        "findings": diagnosis.findings,
        "fine": diagnosis.fine,
    }));
    diagnosis.verdict()?;
    reporter.text(&format!("no problems found ({} things looked at)", diagnosis.fine.len()));
    Ok(0)
}
