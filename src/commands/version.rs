use promctl::report::Reporter;
use promctl::support::support;

pub fn exec(reporter: &Reporter) -> anyhow::Result<u8> {
    let support = support();
    reporter.text(&format!("promctl {}", support.version));
    reporter.text(&format!("Kubernetes:   {}", support.kubernetes));
    reporter.text(&format!("Prometheus:   {}", support.prometheus));
    reporter.text(&format!("Alertmanager: {}", support.alertmanager));
    reporter.document(&serde_json::to_value(&support)?);
    Ok(0)
}
