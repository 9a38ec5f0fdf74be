use promctl::cluster::apply::Change;
use promctl::error::{Failure, FailureKind, kind_of};
use promctl::ops::diff::{ObjectDiff, diff};
use promctl::report::{Reporter, Tone};
use serde_json::json;

use super::{connect, load_values, render_checked};
use crate::cli::{DiffArgs, GlobalArgs};

/// Like `kubectl diff`: 0 no changes, 1 changes, >1 error (5: the cluster would refuse it) (ops::diff: a server-side dry run).
pub async fn exec(global: &GlobalArgs, args: &DiffArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let rendered = render_checked(&values, &args.values)?.rendered;
    let client = connect(global).await?;
    let objects = diff(&client, &rendered, &values).await.map_err(not_a_change)?;
    for object in &objects {
        show(reporter, object);
    }
    let changed = objects.iter().filter(|o| o.changes()).count();
    if changed == 0 {
        reporter.text("no changes");
    }
    let shown: Vec<_> = objects
        .iter()
        .filter(|o| o.object.change != Change::Unchanged)
        .map(|o| json!({"object": o.object, "fields": o.fields}))
        .collect();
    reporter.document(&json!({"command": "diff", "changes": shown, "changed": changed}));
    Ok(if changed == 0 { 0 } else { 1 })
}

/// diff's 1 means "there are changes" (as kubectl's): an error that would otherwise be a failed check
/// (the namespace is being deleted, the API server answered something unforeseen) is the cluster
/// refusing what would be applied, exit 5, like a quota's or a policy's refusal.
fn not_a_change(error: anyhow::Error) -> anyhow::Error {
    if kind_of(&error) != FailureKind::CheckFailed {
        return error;
    }
    Failure::new(FailureKind::Refused, format!("{error:#}")).into()
}

fn show(reporter: &Reporter, diff: &ObjectDiff) {
    let a = &diff.object;
    let (sign, tone, verb) = match a.change {
        Change::Unchanged => return reporter.detail(&format!("  {} unchanged", a.describe())),
        Change::Created => ("+", Tone::Good, "would be created"),
        Change::Configured => ("~", Tone::Waiting, "would change"),
        Change::Pruned => ("-", Tone::Bad, "would be pruned (no longer rendered)"),
        Change::Kept => (" ", Tone::Plain, "no longer rendered; kept because it holds data"),
    };
    reporter.text(&reporter.paint(tone, &format!("{sign} {} {verb}", a.describe())));
    for f in &diff.fields {
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
