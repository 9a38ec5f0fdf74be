use promctl::ops::history::revisions;
use promctl::report::Reporter;
use serde_json::json;

use super::{connect, load_values};
use crate::cli::{GlobalArgs, HistoryArgs};

/// The recorded revisions of the install the values name, oldest first (ops::history).
pub async fn exec(global: &GlobalArgs, args: &HistoryArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let client = connect(global).await?;
    let revisions = revisions(&client, &values.namespace, &values.instance()).await?;
    // The list says what each revision was; its values and rule files are in its ConfigMap.
    let rows: Vec<serde_json::Value> = revisions
        .iter()
        .map(|r| {
            json!({"revision": r.revision, "time": r.time, "command": r.command, "image": r.image,
                "outcome": r.outcome.describe(), "promctl_version": r.promctl_version, "render_digest": r.render_digest,
                "config_map": promctl::history::config_map_name(&r.values.name, r.revision)})
        })
        .collect();
    if revisions.is_empty() {
        reporter.text(&format!(
            "no revision recorded for instance {} in namespace {}",
            values.instance(),
            values.namespace
        ));
    } else {
        let mut table = format!("{:<9} {:<21} {:<16} {:<32} OUTCOME\n", "REVISION", "TIME", "COMMAND", "IMAGE");
        for r in &revisions {
            let time: String = r.time.chars().take(19).collect();
            table.push_str(&format!(
                "{:<9} {:<21} {:<16} {:<32} {}\n",
                r.revision,
                time,
                r.command,
                r.image,
                r.outcome.describe()
            ));
        }
        reporter.text(table.trim_end());
    }
    reporter.document(
        &json!({"command": "history", "namespace": values.namespace, "instance": values.instance(), "revisions": rows}),
    );
    Ok(0)
}
