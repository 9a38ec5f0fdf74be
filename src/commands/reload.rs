use promctl::report::Reporter;
use serde_json::json;

use super::{
    connect, load_values, prove_rules_loaded, reach_prometheus, reload_alertmanager, render_checked, replica_links,
    verified_reload,
};
use crate::cli::{GlobalArgs, ReloadArgs};

pub async fn exec(global: &GlobalArgs, args: &ReloadArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    // A config that fails the static check exits 2 here, before anything is applied.
    let checked = render_checked(&values, &args.values)?;
    let rendered = &checked.rendered;
    let client = connect(global).await?;
    let link = reach_prometheus(global, &args.access, &values).await?;
    let direct = args.access.prometheus_url.is_some();
    let links = replica_links((!direct).then_some(&client), &link, rendered, &values).await?;
    let report = verified_reload(&client, &links, rendered, &values, direct, global.timeout, reporter).await?;
    let rules = prove_rules_loaded(&links, &checked.rule_groups, global.timeout, reporter).await?;
    let alertmanager = reload_alertmanager(&client, rendered, &values, true, global.timeout, reporter).await?;
    reporter.document(&json!({"command": "reload", "reload": report, "rules": rules, "alertmanager": alertmanager}));
    Ok(0)
}
