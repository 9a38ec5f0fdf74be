//! The diff operation: what install would change, computed by a server-side dry run, so that
//! defaulting, admission and field ownership are the API server's own.

use serde::Serialize;

use crate::cluster::apply::{Applied, ApplyOptions, Change, FieldChange, apply_all, field_changes};
use crate::render::Rendered;
use crate::values::Values;

/// One object install would touch, with the fields that would change (for a configured one).
#[derive(Debug, Serialize)]
pub struct ObjectDiff {
    pub object: Applied,
    pub fields: Vec<FieldChange>,
}

impl ObjectDiff {
    /// Whether install would change it (a claim kept although no longer rendered is not a change).
    pub fn changes(&self) -> bool {
        !matches!(self.object.change, Change::Unchanged | Change::Kept)
    }
}

/// Every rendered object (and every owned one no longer rendered), as a dry-run apply finds it.
pub async fn diff(client: &kube::Client, rendered: &Rendered, values: &Values) -> anyhow::Result<Vec<ObjectDiff>> {
    let options = ApplyOptions { dry_run: true, force_conflicts: false };
    let instance = values.instance();
    let applied = apply_all(client, &rendered.manifests, &[], &values.namespace, &instance, options, |_| {}).await?;
    Ok(applied
        .into_iter()
        .map(|object| {
            let fields = match (object.change, &object.previous, &object.object) {
                (Change::Configured, Some(before), Some(after)) => field_changes(before, after),
                _ => Vec::new(),
            };
            ObjectDiff { object, fields }
        })
        .collect())
}
