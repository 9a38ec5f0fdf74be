use promctl::cluster::apply::{ApplyOptions, Change, apply_all, field_changes};
use promctl::report::{Reporter, Tone};
use serde_json::json;

use super::{connect, load_values, render_checked};
use crate::cli::{DiffArgs, GlobalArgs};

/// Like `kubectl diff`: 0 no changes, 1 changes, >1 error. Computed by a server-side dry run, so
/// defaulting, admission and field ownership are the API server's own.
pub async fn exec(global: &GlobalArgs, args: &DiffArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let rendered = render_checked(&values, &args.values)?.rendered;
    let client = connect(global).await?;
    let options = ApplyOptions { dry_run: true, force_conflicts: false };
    let applied =
        apply_all(&client, &rendered.manifests, &[], &values.namespace, &values.instance(), options, |_| {}).await?;

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
        reporter.text(&reporter.paint(tone, &format!("{sign} {} {verb}", a.describe())));
        for f in &fields {
            match (f.before.as_ref().and_then(|v| v.as_str()), f.after.as_ref().and_then(|v| v.as_str())) {
                (Some(before), Some(after)) if before.contains('\n') || after.contains('\n') => {
                    reporter.text(&format!("    {}:", f.path));
                    for line in changed_lines(before, after) {
                        reporter.text(&format!("      {line}"));
                    }
                }
                _ => {
                    let show = |v: &Option<serde_json::Value>| v.as_ref().map_or("(absent)".into(), |v| v.to_string());
                    reporter.text(&format!("    {}: {} -> {}", f.path, show(&f.before), show(&f.after)));
                }
            }
        }
        documents.push(json!({"object": a, "fields": fields}));
    }
    if changed == 0 {
        reporter.text("no changes");
    }
    reporter.document(&json!({"command": "diff", "changes": documents, "changed": changed}));
    Ok(if changed == 0 { 0 } else { 1 })
}

/// A line diff (similar's Myers diff) showing changed lines with one line of context around each
/// change, "  ..." between separate hunks.
fn changed_lines(before: &str, after: &str) -> Vec<String> {
    // A last line without its newline is the same line as with one.
    let terminated = |text: &str| if text.ends_with('\n') { text.to_string() } else { format!("{text}\n") };
    let (before, after) = (terminated(before), terminated(after));
    let diff = similar::TextDiff::from_lines(&before, &after);
    let mut lines = Vec::new();
    for (n, group) in diff.grouped_ops(1).iter().enumerate() {
        if n > 0 {
            lines.push("  ...".to_string());
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Equal => ' ',
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                };
                lines.push(format!("{sign} {}", change.value().trim_end_matches('\n')));
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::changed_lines;

    #[test]
    fn changed_lines_show_each_change_with_one_line_of_context() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh";
        let after = "a\nB\nc\nd\ne\nf\nG\nh";
        assert_eq!(changed_lines(before, after), ["  a", "- b", "+ B", "  c", "  ...", "  f", "- g", "+ G", "  h"]);
    }

    #[test]
    fn changed_lines_show_only_the_changed_middle_with_context() {
        let before = "a\nb\nc\nd\ne";
        let after = "a\nb\nX\nd\ne";
        assert_eq!(changed_lines(before, after), ["  b", "- c", "+ X", "  d"]);
    }

    #[test]
    fn changed_lines_handle_appended_lines() {
        assert_eq!(changed_lines("a\nb", "a\nb\nc"), ["  b", "+ c"]);
    }
}
