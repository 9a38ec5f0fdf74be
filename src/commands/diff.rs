use promctl::cluster::apply::{ApplyOptions, Change, apply_all, field_changes};
use promctl::report::{Reporter, Tone};
use serde_json::json;

use super::{connect, load_values, render_checked};
use crate::cli::{DiffArgs, GlobalArgs};

/// Like `kubectl diff`: 0 no changes, 1 changes, >1 error. Computed by a server-side dry run, so
/// defaulting, admission and field ownership are the API server's own.
pub async fn exec(global: &GlobalArgs, args: &DiffArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let (rendered, _) = render_checked(&values)?;
    let client = connect(global).await?;
    let options = ApplyOptions { dry_run: true, force_conflicts: false };
    let applied =
        apply_all(&client, &rendered.manifests, &values.namespace, &values.instance(), options, |_| {}).await?;

    let mut documents = Vec::new();
    let mut changed = 0;
    for a in &applied {
        let fields = match (a.change, &a.previous, &a.object) {
            (Change::Configured, Some(before), Some(after)) => field_changes(before, after),
            _ => Vec::new(),
        };
        let (sign, tone) = match a.change {
            Change::Unchanged => {
                reporter.detail(&format!("  {} unchanged", a.describe()));
                continue;
            }
            Change::Created => ("+", Tone::Good),
            Change::Configured => ("~", Tone::Waiting),
            Change::Pruned => ("-", Tone::Bad),
            Change::Kept => (" ", Tone::Plain),
        };
        if a.change != Change::Kept {
            changed += 1;
        }
        let verb = match a.change {
            Change::Created => "would be created",
            Change::Configured => "would change",
            Change::Pruned => "would be pruned (no longer rendered)",
            _ => "no longer rendered; kept because it holds data",
        };
        reporter.text(&reporter.painted(tone, &format!("{sign} {} {verb}", a.describe())));
        for f in &fields {
            let show = |v: &Option<serde_json::Value>| v.as_ref().map_or("(absent)".to_string(), |v| v.to_string());
            reporter.text(&format!("    {}: {} -> {}", f.path, show(&f.before), show(&f.after)));
        }
        documents.push(json!({"object": a, "fields": fields}));
    }
    if changed == 0 {
        reporter.text("no changes");
    }
    reporter.json(&json!({"command": "diff", "changes": documents, "changed": changed}));
    Ok(if changed == 0 { 0 } else { 1 })
}
