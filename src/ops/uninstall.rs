//! The uninstall operation: deletes what install created (found by its labels), newest layer first,
//! and waits until each is gone, all within one deadline. Claims (the data) stay unless asked, and
//! namespaces always stay (the ManagedKind table's keep policy).

use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::api::{DeleteParams, ListParams};
use kube::runtime::wait::{await_condition, conditions};
use serde::Serialize;

use crate::cluster::apply::list_owned;
use crate::cluster::{Keep, dynamic_api, managed_kind};
use crate::error::Failure;
use crate::progress::{Emit, Progress, Tone};
use crate::values::Values;

#[derive(Debug, Default, Serialize)]
pub struct UninstallReport {
    pub deleted: Vec<String>,
    pub kept: Vec<String>,
}

pub async fn uninstall(
    client: &kube::Client,
    values: &Values,
    delete_data: bool,
    timeout: Duration,
    emit: Emit<'_>,
) -> anyhow::Result<UninstallReport> {
    let deadline = tokio::time::Instant::now() + timeout;
    emit(Progress::Step(format!(
        "uninstalling instance {} from namespace {} (from {})",
        values.instance(),
        values.namespace,
        values.namespace_source
    )));
    let mut owned = list_owned(client, &values.namespace, &values.instance()).await?;
    owned.reverse();
    let mut report = UninstallReport::default();
    for object in &owned {
        let keep = match managed_kind(&object.kind).map_or(Keep::Never, |k| k.keep) {
            Keep::Always => Some("namespaces are never deleted by promctl"),
            Keep::Data if !delete_data => Some("holds the data; --delete-data removes it"),
            _ => None,
        };
        if let Some(why) = keep {
            emit(Progress::resource(object.describe(), Tone::Plain, "kept", why));
            report.kept.push(object.describe());
            continue;
        }
        let api = dynamic_api(client, &object.kind, object.namespace.as_deref())?;
        // Foreground: a Deployment is gone only once its pods are.
        let uid = api
            .delete(&object.name, &DeleteParams::foreground())
            .await?
            .either(|deleting| deleting.metadata.uid.unwrap_or_default(), |_gone| String::new());
        emit(Progress::resource(object.describe(), Tone::Waiting, "deleting", ""));
        // is_deleted(uid): an object recreated under the same name meanwhile counts as gone.
        let gone = await_condition(api, &object.name, conditions::is_deleted(&uid));
        match tokio::time::timeout_at(deadline, gone).await {
            Ok(result) => {
                result.map_err(|e| anyhow::Error::new(e).context(format!("watching {}", object.describe())))?;
            }
            Err(_) => {
                return Err(Failure::timed_out(format!(
                    "{} still exists after {}s (the whole uninstall's --timeout); run uninstall again to finish",
                    object.describe(),
                    timeout.as_secs()
                ))
                .into());
            }
        }
        emit(Progress::resource(object.describe(), Tone::Good, "deleted", ""));
        report.deleted.push(object.describe());
    }
    // The revisions go with the install, as a Helm release's history goes with it.
    let history: kube::Api<ConfigMap> = kube::Api::namespaced(client.clone(), &values.namespace);
    let params = ListParams::default().labels(&crate::history::selector(&values.instance()));
    for revision in history.list(&params).await? {
        let described = format!("ConfigMap {}/{}", values.namespace, revision.name_any());
        history.delete(&revision.name_any(), &DeleteParams::default()).await?;
        emit(Progress::resource(&described, Tone::Good, "deleted", "a revision of promctl history"));
        report.deleted.push(described);
    }
    emit(Progress::PhaseDone);
    Ok(report)
}
