//! Revisions (src/history.rs): recorded after an install or rollback that changed something, listed,
//! and rolled back to: the revision's values and team rule files rendered again (the same render, its
//! digest says), then install's own apply, readiness, verified reload and rules proof. A rollback never
//! touches a claim that exists: its data stays, whatever the revision's storage values say.

use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim};
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use serde::Serialize;

use super::Checked;
use super::install::{InstallOptions, InstallReport, install};
use crate::error::Failure;
use crate::history::{self, Outcome, RecordedRules, Revision};
use crate::progress::{Emit, Progress};
use crate::values::Values;

/// Every recorded revision of `instance` in `namespace`, oldest first.
pub async fn revisions(client: &kube::Client, namespace: &str, instance: &str) -> anyhow::Result<Vec<Revision>> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let list = api.list(&ListParams::default().labels(&history::selector(instance))).await?;
    let mut revisions = list
        .items
        .iter()
        .map(Revision::from_config_map)
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::check_failed)?;
    revisions.sort_by_key(|r| r.revision);
    Ok(revisions)
}

/// How an install ended, as a revision records it.
pub fn outcome_of(report: &InstallReport, options: InstallOptions) -> Outcome {
    match &report.failure {
        Some(failure) => Outcome::Failed(failure.message.lines().next().unwrap_or_default().to_string()),
        None if options.no_wait => Outcome::Applied,
        None => Outcome::Deployed,
    }
}

/// Records what `checked` rendered from `values` and how it ended as the next revision, then deletes
/// the oldest beyond `history.max`. Returns the revision's number.
pub async fn record(
    client: &kube::Client,
    checked: &Checked,
    values: &Values,
    command: String,
    outcome: Outcome,
    emit: Emit<'_>,
) -> anyhow::Result<u32> {
    let existing = revisions(client, &values.namespace, &values.instance()).await?;
    let number = existing.iter().map(|r| r.revision).max().unwrap_or(0) + 1;
    let revision = Revision {
        revision: number,
        time: k8s_openapi::jiff::Timestamp::now().to_string(),
        command,
        outcome,
        image: format!("{}:{}", values.image.repository, values.image.tag),
        promctl_version: env!("CARGO_PKG_VERSION").to_string(),
        render_digest: history::digest(&checked.rendered.to_yaml()),
        values: values.clone(),
        team_rules: checked
            .team_rules
            .iter()
            .map(|r| RecordedRules { origin: r.origin.clone(), stem: r.stem.clone(), text: r.text.clone() })
            .collect(),
    };
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), &values.namespace);
    api.create(&PostParams::default(), &revision.to_config_map()).await?;
    let numbers: Vec<u32> = existing.iter().map(|r| r.revision).chain([number]).collect();
    for old in history::beyond(&numbers, values.history.max) {
        api.delete(&history::config_map_name(&values.name, old), &DeleteParams::default()).await?;
    }
    emit(Progress::Step(format!("recorded revision {number}: {}", revision.outcome.describe())));
    Ok(number)
}

/// How long recording a revision may take: it follows an install, whose own --timeout is spent.
const RECORD_BOUND: std::time::Duration = std::time::Duration::from_secs(5);

/// [`record`], bounded by 5 s and never failing what it follows: a revision that cannot be written (an
/// API server that stopped answering during a failed install, a quota on ConfigMaps) is a warning, and
/// the command ends as its install or reload did.
pub async fn record_or_warn(
    client: &kube::Client,
    checked: &Checked,
    values: &Values,
    command: String,
    outcome: Outcome,
    emit: Emit<'_>,
) -> Option<u32> {
    let recording = record(client, checked, values, command, outcome, &mut *emit);
    let why = match tokio::time::timeout(RECORD_BOUND, recording).await {
        Ok(Ok(number)) => return Some(number),
        Ok(Err(e)) => crate::error::message(&e),
        Err(_) => format!("the API server did not answer within {}s", RECORD_BOUND.as_secs()),
    };
    emit(Progress::Warning(format!(
        "the revision was not recorded ({why}); promctl history will not list this change"
    )));
    None
}

/// What a rollback did: the revision it went back to, the install it ran, the revision it recorded.
#[derive(Debug, Serialize)]
pub struct RollbackReport {
    pub to: u32,
    pub image: String,
    /// Claims that exist and were left as they are.
    pub claims_kept: Vec<String>,
    pub install: InstallReport,
    pub recorded: Option<u32>,
}

/// Goes back to revision `wanted` (or the newest deployed one before the newest): renders its values
/// and team rule files, refuses when this promctl renders them otherwise than the revision recorded,
/// then installs them as install does (claims that exist are left out) and records itself.
pub async fn rollback(
    client: &kube::Client,
    namespace: &str,
    instance: &str,
    wanted: Option<u32>,
    options: InstallOptions,
    emit: Emit<'_>,
) -> anyhow::Result<RollbackReport> {
    let revisions = revisions(client, namespace, instance).await?;
    let target = history::rollback_target(&revisions, wanted)
        .map_err(|why| Failure::bad_input(format!("rollback: {why}; nothing was applied")))?;
    let mut values = target.values.clone();
    values.namespace_source = format!("revision {}", target.revision);
    let mut checked = super::check_sources(&values, target.team_rule_sources())?;
    let digest = history::digest(&checked.rendered.to_yaml());
    if digest != target.render_digest {
        return Err(Failure::bad_input(format!(
            "rollback: revision {} was rendered by promctl {}, and this promctl ({}) renders its values otherwise (render digest {} there, {} here); roll back with promctl {}, or install its values with this one; nothing was applied",
            target.revision,
            target.promctl_version,
            env!("CARGO_PKG_VERSION"),
            &target.render_digest[..12.min(target.render_digest.len())],
            &digest[..12],
            target.promctl_version
        ))
        .into());
    }
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), namespace);
    let mut claims_kept = Vec::new();
    for manifest in checked.rendered.manifests.iter().filter(|m| m.kind == "PersistentVolumeClaim") {
        if claims.get_opt(&manifest.name).await?.is_some() {
            claims_kept.push(manifest.name.clone());
        }
    }
    checked.rendered.manifests.retain(|m| !(m.kind == "PersistentVolumeClaim" && claims_kept.contains(&m.name)));
    emit(Progress::Step(format!(
        "rolling back to revision {} ({}, {}, {}); claims kept as they are: {}",
        target.revision,
        target.image,
        target.command,
        target.time,
        if claims_kept.is_empty() { "none".to_string() } else { claims_kept.join(", ") }
    )));
    let report = install(client, &checked, &values, options, emit).await?;
    let recorded = if options.dry_run {
        None
    } else {
        let outcome = outcome_of(&report, options);
        record_or_warn(client, &checked, &values, format!("rollback to {}", target.revision), outcome, emit).await
    };
    Ok(RollbackReport { to: target.revision, image: target.image.clone(), claims_kept, install: report, recorded })
}
