use promctl::history::Outcome;
use promctl::ops::history;
use promctl::ops::reach::{Route, reach_prometheus, replica_links};
use promctl::ops::reload::reload_everything;
use promctl::report::Reporter;

use super::{cluster_options, connect, load_values, render_checked, route};
use crate::cli::{GlobalArgs, ReloadArgs};

pub async fn exec(global: &GlobalArgs, args: &ReloadArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    // A config that fails the static check exits 2 here, before anything is applied.
    let checked = render_checked(&values, &args.values)?;
    let client = connect(global).await?;
    let route = route(&args.access);
    let link = reach_prometheus(&cluster_options(global), &route, &values).await?;
    let direct = matches!(route, Route::Url(_));
    let links = replica_links((!direct).then_some(&client), &link, &checked.rendered, &values).await?;
    let outcome =
        reload_everything(&client, &links, &checked, &values, direct, global.timeout, &mut |p| reporter.show(p))
            .await?;
    // A changed config is a revision, as an install's change is (rollback goes back through install).
    if outcome.reload.changed {
        let emit = &mut |p| reporter.show(p);
        history::record_or_warn(&client, &checked, &values, "reload".into(), Outcome::Deployed, emit).await;
    }
    reporter.document(&super::document("reload", &outcome)?);
    Ok(0)
}
