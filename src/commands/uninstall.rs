use std::time::Duration;

use kube::api::DeleteParams;
use promctl::cluster::apply::list_owned;
use promctl::cluster::dynamic_api;
use promctl::error::Failure;
use promctl::report::{Reporter, Tone};
use serde_json::json;

use super::{connect, load_values};
use crate::cli::{GlobalArgs, UninstallArgs};

/// Deletes what install created (found by its labels), newest layer first, and waits until it is gone.
/// The PVC (the data) stays unless --delete-data; the namespace always stays: it may hold other things.
pub async fn exec(global: &GlobalArgs, args: &UninstallArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let client = connect(global).await?;
    reporter.step(&format!(
        "uninstalling instance {} from namespace {} (from {})",
        values.instance(),
        values.namespace,
        values.namespace_source
    ));
    let mut owned = list_owned(&client, &values.namespace, &values.instance()).await?;
    owned.reverse();
    if owned.is_empty() {
        reporter.text(&format!("nothing to uninstall: no objects of instance {} found", values.instance()));
        reporter.document(&json!({"command": "uninstall", "deleted": [], "kept": []}));
        return Ok(0);
    }
    let (mut deleted, mut kept) = (Vec::new(), Vec::new());
    for object in &owned {
        let keep = match object.kind.as_str() {
            "Namespace" => Some("namespaces are never deleted by promctl"),
            "PersistentVolumeClaim" if !args.delete_data => Some("holds the data; --delete-data removes it"),
            _ => None,
        };
        if let Some(why) = keep {
            reporter.resource(&object.describe(), Tone::Plain, "kept", why);
            kept.push(object.describe());
            continue;
        }
        let api = dynamic_api(&client, &object.kind, object.namespace.as_deref())?;
        // Foreground: a Deployment is gone only once its pods are.
        api.delete(&object.name, &DeleteParams::foreground()).await?;
        reporter.resource(&object.describe(), Tone::Waiting, "deleting", "");
        let deadline = tokio::time::Instant::now() + global.timeout;
        while api.get_opt(&object.name).await?.is_some() {
            if tokio::time::Instant::now() > deadline {
                return Err(Failure::timed_out(format!(
                    "{} still exists after {}s",
                    object.describe(),
                    global.timeout.as_secs()
                ))
                .into());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        reporter.resource(&object.describe(), Tone::Good, "deleted", "");
        deleted.push(object.describe());
    }
    reporter.finish();
    reporter.text(&format!("uninstalled: {} deleted, {} kept", deleted.len(), kept.len()));
    reporter.document(&json!({"command": "uninstall", "deleted": deleted, "kept": kept}));
    Ok(0)
}
