use promctl::report::Reporter;

use super::{load_values, render_checked};
use crate::cli::{GlobalArgs, RenderArgs};

pub fn exec(global: &GlobalArgs, args: &RenderArgs, reporter: &Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let rendered = render_checked(&values, &args.values)?.rendered;
    let text = if args.config_only { rendered.prometheus_yml.clone() } else { rendered.to_yaml() };
    reporter.text(text.trim_end());
    reporter.document(&serde_json::json!({
        "manifests": rendered.manifests.iter().map(|m| &m.object).collect::<Vec<_>>(),
        "prometheus_yml": rendered.prometheus_yml,
    }));
    Ok(0)
}
