//! Server-side apply of the rendered manifests, in the safe order, under field manager `promctl`;
//! then pruning what the templates no longer render. PersistentVolumeClaims (the data) and
//! Namespaces (the user's) are never pruned.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Context;
use futures::stream::{self, StreamExt, TryStreamExt};
use kube::api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Client, ResourceExt};
use serde::Serialize;

use super::{FIELD_MANAGER, INSTANCE_LABEL, KINDS, MANAGED_BY_LABEL, api_resource, describe, dynamic_api};
use crate::error::{Failure, FailureKind, Refusal};
use crate::manifest::Manifest;

#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// Server-side dry run: the API server validates and defaults, nothing is stored.
    pub dry_run: bool,
    /// Take over fields another field manager owns (server-side apply `force`).
    pub force_conflicts: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Created,
    Configured,
    Unchanged,
    Pruned,
    /// Left in place although the templates no longer render it (PVCs keep the data).
    Kept,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Configured => "configured",
            Change::Unchanged => "unchanged",
            Change::Pruned => "pruned",
            Change::Kept => "kept",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub change: Change,
    /// What the server holds (or, in a dry run, would hold) after the apply.
    #[serde(skip)]
    pub object: Option<DynamicObject>,
    /// What it held before.
    #[serde(skip)]
    pub previous: Option<DynamicObject>,
}

impl Applied {
    /// What a dry run could not ask the server about, assumed from the manifest itself.
    fn assumed(manifest: &Manifest, change: Change, previous: Option<&DynamicObject>) -> Applied {
        Applied {
            kind: manifest.kind.clone(),
            name: manifest.name.clone(),
            namespace: manifest.namespace.clone(),
            change,
            object: Some(manifest.object.clone()),
            previous: previous.cloned(),
        }
    }

    pub fn describe(&self) -> String {
        describe(&self.kind, self.namespace.as_deref(), &self.name)
    }

    /// "adopted existing claim NAME (created T, SIZE)" when this apply took over a claim promctl did
    /// not create: it was there before, without promctl's label and with no field promctl managed.
    pub fn adopted_claim(&self) -> Option<String> {
        let before = self.previous.as_ref().filter(|_| self.kind == "PersistentVolumeClaim")?;
        let labelled = before.labels().get(MANAGED_BY_LABEL).is_some_and(|m| m == FIELD_MANAGER);
        let managed =
            before.metadata.managed_fields.iter().flatten().any(|f| f.manager.as_deref() == Some(FIELD_MANAGER));
        if labelled || managed {
            return None;
        }
        let created =
            before.metadata.creation_timestamp.as_ref().map(|t| t.0.to_string()).unwrap_or_else(|| "?".into());
        let size = before
            .data
            .pointer("/status/capacity/storage")
            .or_else(|| before.data.pointer("/spec/resources/requests/storage"))
            .and_then(|v| v.as_str())
            .unwrap_or("?");
        Some(format!("adopted existing claim {} (created {created}, {size})", self.name))
    }
}

/// The label selector of everything one install owns.
pub fn owned_selector(instance: &str) -> String {
    format!("{MANAGED_BY_LABEL}={FIELD_MANAGER},{INSTANCE_LABEL}={instance}")
}

/// Requests in flight at once, for the reads and the writes of an apply. Each concurrent request
/// needs its own connection (kube speaks HTTP/1.1), and on the test bed's two cores a TLS handshake,
/// which the API server shares the CPU for, costs far more than a request: 8 lists took 47-53 ms four
/// at a time and 9-15 ms one after another on one connection; 8 applies 16-53 ms all at once.
const REQUEST_CONCURRENCY: usize = 1;

/// The apply wave of `kind` (see [`super::ManagedKind::wave`]); a kind outside the table goes after
/// every known one (dynamic_api refuses it there, naming it).
fn wave(kind: &str) -> usize {
    let last = super::KINDS.iter().map(|k| k.wave).max().unwrap_or(0);
    super::managed_kind(kind).map_or(last + 1, |k| k.wave)
}

/// Applies `manifests` (already in safe order) wave by wave, reporting each result through
/// `on_applied`, then prunes objects labelled as this instance's that are no longer rendered. `later`
/// are rendered too but applied by the caller afterwards (an HA pair's replicas one at a time): never pruned.
pub async fn apply_all(
    client: &Client,
    manifests: &[Manifest],
    later: &[Manifest],
    namespace: &str,
    instance: &str,
    options: ApplyOptions,
    mut on_applied: impl FnMut(&Applied),
) -> anyhow::Result<Vec<Applied>> {
    // What this instance owned before (for pruning), and what exists now under the rendered names
    // (resourceVersions tell "unchanged" from "configured" afterwards). Everything promctl rendered
    // before carries this instance's labels, so the owned lists already hold it; only the names they
    // lack are read one by one (a first install, the seed's unlabelled objects, another install's
    // ClusterRole): an unchanged re-run reads the 8 lists and nothing else.
    let owned = list_owned(client, namespace, instance).await?;
    let mut listed: HashMap<(&str, &str), &DynamicObject> = HashMap::new();
    for a in &owned {
        if let Some(object) = &a.previous {
            listed.insert((a.kind.as_str(), a.name.as_str()), object);
        }
    }
    let before = read_existing(client, manifests, &listed).await?;
    if !options.force_conflicts {
        // Refuse before the first write, so nothing is half applied.
        refuse_other_installs(manifests, &before)?;
    }
    if let Some(terminating) = manifests
        .iter()
        .zip(&before)
        .find_map(|(m, b)| b.as_ref().filter(|o| m.kind == "Namespace" && o.metadata.deletion_timestamp.is_some()))
    {
        return Err(Failure::check_failed(format!(
            "namespace {} is being deleted (Terminating) and takes no new objects; nothing was applied: run install again once it is gone (`kubectl get namespace {}`)",
            terminating.name_any(),
            terminating.name_any()
        ))
        .into());
    }
    let namespace_manifest = manifests.iter().zip(&before).find(|(m, b)| m.kind == "Namespace" && b.is_none());
    let mut results = Vec::new();
    let mut written = Written::default();
    // Namespaced objects can only be rehearsed inside an existing namespace: a real install creates
    // its namespace first, and removes it again when the rehearsal is refused (it held nothing).
    let created_namespace = match namespace_manifest {
        Some((manifest, _)) if !options.dry_run => {
            let applied = apply_one(client, manifest, None, options).await?;
            written.record(&applied);
            on_applied(&applied);
            results.push(applied);
            Some(manifest)
        }
        _ => None,
    };
    let pending: Vec<(&Manifest, &Option<DynamicObject>)> = manifests
        .iter()
        .zip(&before)
        .filter(|(m, _)| !created_namespace.is_some_and(|ns| std::ptr::eq(*m, ns)))
        .collect();
    let later_before = read_existing(client, later, &listed).await?;
    let rehearsal = rehearse(
        client,
        pending.iter().copied().chain(later.iter().zip(&later_before)),
        namespace_manifest.is_some() && options.dry_run,
        options.force_conflicts,
    )
    .await;
    let rehearsed = match rehearsal {
        Ok(rehearsed) => rehearsed,
        Err(refused) => {
            if let Some(namespace) = created_namespace {
                let api = dynamic_api(client, "Namespace", None)?;
                api.delete(&namespace.name, &DeleteParams::background())
                    .await
                    .with_context(|| format!("removing {} again after the refusal", describe_manifest(namespace)))?;
            }
            return Err(refused);
        }
    };
    let rehearsed = &rehearsed[..pending.len()];
    if options.dry_run {
        for applied in rehearsed {
            on_applied(applied);
            results.push(applied.clone());
        }
    } else {
        // The waves order what is created; when every object exists already (a re-run, an upgrade),
        // nothing waits on another's creation and one wave does. What the rehearsal found unchanged
        // is not written again.
        let all_exist = pending.iter().all(|(_, b)| b.is_some());
        let wave_of = |kind: &str| if all_exist { 0 } else { wave(kind) };
        let last_wave = pending.iter().map(|(m, _)| wave_of(&m.kind)).max().unwrap_or(0);
        for current in 0..=last_wave {
            let in_wave = pending.iter().zip(rehearsed).filter(|((m, _), _)| wave_of(&m.kind) == current);
            for ((manifest, existing), rehearsal) in in_wave {
                let applied = if rehearsal.change == Change::Unchanged {
                    rehearsal.clone()
                } else {
                    apply_one(client, manifest, existing.as_ref(), options).await.map_err(|e| written.after(e))?
                };
                written.record(&applied);
                on_applied(&applied);
                results.push(applied);
            }
        }
    }

    let rendered: Vec<&Manifest> = manifests.iter().chain(later).collect();
    for pruned in prune(client, &rendered, owned, options.dry_run).await.map_err(|e| written.after(e))? {
        on_applied(&pruned);
        results.push(pruned);
    }
    Ok(results)
}

/// What the cluster holds under each manifest's name: from the owned lists where they have it, else
/// read one by one.
async fn read_existing(
    client: &Client,
    manifests: &[Manifest],
    listed: &HashMap<(&str, &str), &DynamicObject>,
) -> anyhow::Result<Vec<Option<DynamicObject>>> {
    stream::iter(manifests.iter().map(|m| {
        let known = listed.get(&(m.kind.as_str(), m.name.as_str())).map(|o| (*o).clone());
        async move {
            if known.is_some() {
                return anyhow::Ok(known);
            }
            let api = dynamic_api(client, &m.kind, m.namespace.as_deref())?;
            api.get_opt(&m.name).await.with_context(|| format!("reading {}", describe_manifest(m)))
        }
    }))
    .buffered(REQUEST_CONCURRENCY)
    .try_collect()
    .await
}

/// Every object applied as a server-side dry run before the first write: the API server's
/// validation, admission (webhooks, ValidatingAdmissionPolicies), quotas, LimitRanges, RBAC and field
/// conflicts judge the whole set, and a refusal of any object changes nothing. All refusals are
/// collected, so one run names every object to fix. `namespace_missing`: a dry run whose namespace
/// does not exist yet (the API server 404s namespaced objects there) counts them as created.
async fn rehearse<'a>(
    client: &Client,
    objects: impl Iterator<Item = (&'a Manifest, &'a Option<DynamicObject>)>,
    namespace_missing: bool,
    force_conflicts: bool,
) -> anyhow::Result<Vec<Applied>> {
    let options = ApplyOptions { dry_run: true, force_conflicts };
    let mut rehearsed = Vec::new();
    let mut refused = Vec::new();
    for (manifest, existing) in objects {
        if namespace_missing && manifest.namespace.is_some() {
            rehearsed.push(Applied::assumed(manifest, Change::Created, None));
            continue;
        }
        match patch_one(client, manifest, existing.as_ref(), options).await {
            Ok(applied) => rehearsed.push(applied),
            Err(error) => match error.downcast::<kube::Error>() {
                // RBAC's refusal goes up as it is: the caller lists every missing permission.
                Ok(kube::Error::Api(status))
                    if !matches!(Refusal::of(&status), Refusal::Permission | Refusal::Other) =>
                {
                    refused.push((manifest, *status))
                }
                Ok(error) => return Err(apply_error(manifest, error.into())),
                Err(error) => return Err(apply_error(manifest, error)),
            },
        }
    }
    if refused.is_empty() {
        return Ok(rehearsed);
    }
    Err(refusals(&refused).into())
}

/// One Failure for every refused object: each named with the API server's words (the quota, the
/// policy and its message) and the fix. Invalid objects alone are bad input (exit 2); a quota or a
/// policy is the cluster's judgment (exit 1), never "permission denied".
pub fn refusals(refused: &[(&Manifest, kube::core::Status)]) -> Failure {
    let kinds: Vec<Refusal> = refused.iter().map(|(_, status)| Refusal::of(status)).collect();
    let lines: Vec<String> = refused
        .iter()
        .zip(&kinds)
        .map(|((manifest, status), refusal)| {
            let namespace = manifest.namespace.as_deref().unwrap_or_default();
            format!(
                "  {}: {}
    fix: {}",
                describe_manifest(manifest),
                status.message,
                refusal.fix(namespace)
            )
        })
        .collect();
    let kind = if kinds.iter().all(|k| *k == Refusal::Invalid) { FailureKind::BadInput } else { FailureKind::Refused };
    Failure::new(
        kind,
        format!(
            "the cluster refused {} object(s) in a server-side dry run; nothing was changed:\n{}",
            refused.len(),
            lines.join("\n")
        ),
    )
}

/// What an apply wrote, for the message of a failure after writes began: the next run converges,
/// but the user must know what is in the cluster now.
#[derive(Default)]
struct Written(Vec<String>);

impl Written {
    fn record(&mut self, applied: &Applied) {
        if !matches!(applied.change, Change::Unchanged | Change::Kept) {
            self.0.push(format!("{} {}", applied.change.as_str(), applied.describe()));
        }
    }

    fn after(&self, error: anyhow::Error) -> anyhow::Error {
        let written = if self.0.is_empty() {
            "nothing had been written before it".to_string()
        } else {
            format!("written before it: {}; run install again to converge (applying again is safe)", self.0.join(", "))
        };
        match error.downcast::<Failure>() {
            Ok(failure) => Failure::new(failure.kind, format!("{}\n{written}", failure.message)).into(),
            Err(error) => error.context(format!("failed after writes began ({written})")),
        }
    }
}

/// Applies one manifest alone (no pruning): what `reload` does with the ConfigMap.
pub async fn apply_manifest(client: &Client, manifest: &Manifest, options: ApplyOptions) -> anyhow::Result<Applied> {
    let api = dynamic_api(client, &manifest.kind, manifest.namespace.as_deref())?;
    let existing =
        api.get_opt(&manifest.name).await.with_context(|| format!("reading {}", describe_manifest(manifest)))?;
    apply_one(client, manifest, existing.as_ref(), options).await
}

async fn apply_one(
    client: &Client,
    manifest: &Manifest,
    existing: Option<&DynamicObject>,
    options: ApplyOptions,
) -> anyhow::Result<Applied> {
    patch_one(client, manifest, existing, options).await.map_err(|e| apply_error(manifest, e))
}

/// The server-side apply of one manifest; the API server's refusal comes back as the kube error.
async fn patch_one(
    client: &Client,
    manifest: &Manifest,
    existing: Option<&DynamicObject>,
    options: ApplyOptions,
) -> anyhow::Result<Applied> {
    let api = dynamic_api(client, &manifest.kind, manifest.namespace.as_deref())?;
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.force = options.force_conflicts;
    params.dry_run = options.dry_run;
    let mut result = api.patch(&manifest.name, &params, &Patch::Apply(&manifest.object)).await;
    if let (Err(kube::Error::Api(status)), Some(old)) = (&result, existing) {
        // The defaulted rollingUpdate block of a Deployment created by another client (the seed's kubectl
        // apply) is not promctl's to drop, and the API server refuses Recreate next to it. Only once the
        // apply failed for exactly that: remove the block, then apply again.
        if status.code == 422 && status.message.contains("rollingUpdate") && switches_to_recreate(old, manifest) {
            if options.dry_run {
                // A dry run cannot chain the two writes: the second would meet the block the first
                // removed only in rehearsal. The real apply does both.
                return Ok(Applied::assumed(manifest, Change::Configured, Some(old)));
            }
            let patch = serde_json::json!({"spec": {"strategy": {"type": "Recreate", "rollingUpdate": null}}});
            api.patch(&manifest.name, &PatchParams::default(), &Patch::Merge(&patch)).await?;
            result = api.patch(&manifest.name, &params, &Patch::Apply(&manifest.object)).await;
        }
    }
    let applied = result?;
    let change = match existing {
        None => Change::Created,
        // A dry run never bumps resourceVersion: compare what the server would store instead, and
        // who would own it (taking over the seed's fields is a change even when the values are equal).
        Some(old) if options.dry_run => {
            if comparable(old) == comparable(&applied) && owners(old) == owners(&applied) {
                Change::Unchanged
            } else {
                Change::Configured
            }
        }
        Some(old) if old.resource_version() == applied.resource_version() => Change::Unchanged,
        Some(_) => Change::Configured,
    };
    Ok(Applied {
        kind: manifest.kind.clone(),
        name: manifest.name.clone(),
        namespace: manifest.namespace.clone(),
        change,
        object: Some(applied),
        previous: existing.cloned(),
    })
}

/// Who owns which fields of an object (managedFields without their timestamps).
fn owners(object: &DynamicObject) -> Vec<(Option<&str>, Option<&str>, Option<&serde_json::Value>)> {
    let entries = object.metadata.managed_fields.iter().flatten();
    entries.map(|e| (e.manager.as_deref(), e.operation.as_deref(), e.fields_v1.as_ref().map(|f| &f.0))).collect()
}

/// Refuses when a rendered cluster-scoped object (`manifests`, with what the cluster holds under
/// their names, `before`) belongs to another promctl install.
pub fn refuse_other_installs(manifests: &[Manifest], before: &[Option<DynamicObject>]) -> Result<(), Failure> {
    for (manifest, existing) in manifests.iter().zip(before) {
        if let Some(owner) = existing.as_ref().and_then(|old| other_install(old, manifest)) {
            return Err(Failure::check_failed(format!(
                "{} belongs to another promctl install ({owner}); cluster-scoped names must differ per install: \
                 set rbac.clusterRoleName to a name of this install's own (promctl never takes another install's objects; \
                 if that install is gone, `promctl uninstall` it first)",
                describe_manifest(manifest)
            )));
        }
    }
    Ok(())
}

/// The instance label of another promctl install on `existing`. Namespaced objects are the install's
/// own; cluster-scoped ones (ClusterRole, binding) are shared by name, and both installs apply under
/// the same field manager, so server-side apply would not flag the takeover as a conflict.
fn other_install(existing: &DynamicObject, manifest: &Manifest) -> Option<String> {
    let ours = manifest.object.labels().get(INSTANCE_LABEL)?;
    let theirs = existing.labels().get(INSTANCE_LABEL)?;
    let managed = existing.labels().get(MANAGED_BY_LABEL).is_some_and(|m| m == FIELD_MANAGER);
    let shared_by_name = manifest.namespace.is_none() && manifest.kind != "Namespace";
    (shared_by_name && managed && theirs != ours).then(|| theirs.clone())
}

/// A Deployment moving from RollingUpdate to the Recreate strategy the templates ask for.
fn switches_to_recreate(existing: &DynamicObject, manifest: &Manifest) -> bool {
    let strategy =
        |o: &DynamicObject| o.data.pointer("/spec/strategy/type").and_then(|t| t.as_str()).map(str::to_owned);
    manifest.kind == "Deployment"
        && strategy(&manifest.object).as_deref() == Some("Recreate")
        && existing.data.pointer("/spec/strategy/rollingUpdate").is_some()
}

/// The parts of an object that a change of the manifest can change (no bookkeeping, no status).
pub fn comparable(object: &DynamicObject) -> serde_json::Value {
    let mut value = serde_json::to_value(object).unwrap_or_default();
    if let Some(meta) = value.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        for key in ["managedFields", "resourceVersion", "generation", "creationTimestamp", "uid", "selfLink"] {
            meta.remove(key);
        }
        if let Some(annotations) = meta.get_mut("annotations").and_then(|a| a.as_object_mut()) {
            annotations.remove("deployment.kubernetes.io/revision");
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    if let Some(obj) = value.as_object_mut() {
        obj.remove("status");
    }
    value
}

fn describe_manifest(m: &Manifest) -> String {
    describe(&m.kind, m.namespace.as_deref(), &m.name)
}

/// The API server's refusal of one object, named as a rehearsal names it; any other error keeps its
/// cause (a kube error classifies the exit code) with the object as context.
fn apply_error(manifest: &Manifest, error: anyhow::Error) -> anyhow::Error {
    match error.downcast::<kube::Error>() {
        Ok(kube::Error::Api(status)) if !matches!(Refusal::of(&status), Refusal::Permission | Refusal::Other) => {
            refusals(&[(manifest, *status)]).into()
        }
        Ok(error) => anyhow::Error::new(error).context(format!("applying {}", describe_manifest(manifest))),
        Err(error) => error.context(format!("applying {}", describe_manifest(manifest))),
    }
}

/// Objects carrying this instance's labels (`owned`, listed before the apply) that the templates no
/// longer render.
async fn prune(
    client: &Client,
    manifests: &[&Manifest],
    owned: Vec<Applied>,
    dry_run: bool,
) -> anyhow::Result<Vec<Applied>> {
    let rendered: HashSet<(String, String)> = manifests.iter().map(|m| (m.kind.clone(), m.name.clone())).collect();
    let mut results = Vec::new();
    for stale in owned {
        if rendered.contains(&(stale.kind.clone(), stale.name.clone())) {
            continue;
        }
        let keep = super::managed_kind(&stale.kind).map_or(super::Keep::Never, |k| k.keep);
        let change = if keep != super::Keep::Never {
            Change::Kept
        } else {
            if !dry_run {
                let api = dynamic_api(client, &stale.kind, stale.namespace.as_deref())?;
                api.delete(&stale.name, &DeleteParams::background())
                    .await
                    .with_context(|| format!("pruning {}", stale.describe()))?;
            }
            Change::Pruned
        };
        results.push(Applied { change, ..stale });
    }
    Ok(results)
}

/// Everything labelled as belonging to this install, of the kinds promctl manages, in apply order.
pub async fn list_owned(client: &Client, namespace: &str, instance: &str) -> anyhow::Result<Vec<Applied>> {
    let selector = owned_selector(instance);
    let lists = stream::iter(KINDS.iter().map(|managed| {
        let (kind, selector) = (managed.kind, selector.clone());
        async move {
            let api = dynamic_api(client, kind, Some(namespace))?;
            let list = api
                .list(&ListParams::default().labels(&selector))
                .await
                .with_context(|| format!("listing {kind} objects labelled {selector}"))?;
            anyhow::Ok((kind, list.items))
        }
    }))
    .buffered(REQUEST_CONCURRENCY)
    .try_collect::<Vec<_>>()
    .await?;
    let mut owned = BTreeMap::new();
    for (order, (kind, items)) in lists.into_iter().enumerate() {
        // A list's items carry no apiVersion and kind; a GET's object does, and so must these, which
        // stand in for GETs (a dry run compares them with what the server would store).
        let types = api_resource(kind).map(|(resource, _)| kube::api::TypeMeta {
            api_version: resource.api_version.clone(),
            kind: resource.kind.clone(),
        });
        for mut object in items {
            object.types = types.clone();
            let key = (order, object.namespace(), object.name_any());
            owned.insert(
                key,
                Applied {
                    kind: kind.to_string(),
                    name: object.name_any(),
                    namespace: object.namespace(),
                    change: Change::Unchanged,
                    previous: Some(object.clone()),
                    object: Some(object),
                },
            );
        }
    }
    Ok(owned.into_values().collect())
}

/// One field that differs between two objects, by JSON path (`spec.template.spec.containers[0].image`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// The fields that differ between `before` and `after`, ignoring bookkeeping (see `comparable`).
pub fn field_changes(before: &DynamicObject, after: &DynamicObject) -> Vec<FieldChange> {
    let (mut old, mut new) = (BTreeMap::new(), BTreeMap::new());
    flatten(&comparable(before), String::new(), &mut old);
    flatten(&comparable(after), String::new(), &mut new);
    let paths: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    paths
        .into_iter()
        .filter(|p| old.get(*p) != new.get(*p))
        .map(|p| FieldChange { path: p.clone(), before: old.get(p).cloned(), after: new.get(p).cloned() })
        .collect()
}

fn flatten(value: &serde_json::Value, path: String, out: &mut BTreeMap<String, serde_json::Value>) {
    match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                flatten(v, child, out);
            }
        }
        serde_json::Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                flatten(v, format!("{path}[{i}]"), out);
            }
        }
        leaf => {
            out.insert(path, leaf.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(json: serde_json::Value) -> DynamicObject {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn field_changes_name_the_changed_paths_and_ignore_bookkeeping() {
        let before = object(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "resourceVersion": "1", "managedFields": [{"manager": "x"}]},
            "data": {"a": "1", "b": "2"}
        }));
        let after = object(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "resourceVersion": "2"},
            "data": {"a": "1", "b": "3", "c": "4"}
        }));
        let changes = field_changes(&before, &after);
        let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["data.b", "data.c"]);
        assert_eq!(changes[1].before, None);
        assert_eq!(changes[0].after, Some(serde_json::json!("3")));
    }

    #[test]
    fn identical_objects_have_no_field_changes() {
        let a = object(
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}),
        );
        assert!(field_changes(&a, &a.clone()).is_empty());
    }

    #[test]
    fn owned_selector_names_manager_and_instance() {
        assert_eq!(
            owned_selector("jewelry-shop.prometheus"),
            "app.kubernetes.io/managed-by=promctl,app.kubernetes.io/instance=jewelry-shop.prometheus"
        );
    }

    /// A second install naming the first one's ClusterRole (as the API server holds it) is refused
    /// before anything is written, naming the owner and the value to change.
    #[test]
    fn a_cluster_role_of_another_install_is_refused_naming_its_owner_and_the_fix() {
        let theirs: DynamicObject =
            serde_json::from_str(include_str!("../../tests/fixtures/kubernetes/clusterrole_of_another_install.json"))
                .unwrap();
        let values = crate::values::load(
            &[],
            &["namespace=second".into(), "rbac.clusterRoleName=prometheus-fixture-owner".into()],
            None,
        )
        .unwrap();
        let rendered = crate::render::render(&values, &[]).unwrap();
        let before: Vec<Option<DynamicObject>> =
            rendered.manifests.iter().map(|m| (m.kind == "ClusterRole").then(|| theirs.clone())).collect();
        let refused = refuse_other_installs(&rendered.manifests, &before).unwrap_err();
        assert_eq!(refused.kind, crate::error::FailureKind::CheckFailed);
        assert!(
            refused.message.starts_with(
                "ClusterRole prometheus-fixture-owner belongs to another promctl install (fixture-owner.prometheus)"
            ),
            "{}",
            refused.message
        );
        assert!(refused.message.contains("set rbac.clusterRoleName"), "{}", refused.message);
        // The same install's own ClusterRole is its own to apply.
        let own = crate::values::load(
            &[],
            &["namespace=fixture-owner".into(), "rbac.clusterRoleName=prometheus-fixture-owner".into()],
            None,
        )
        .unwrap();
        let own = crate::render::render(&own, &[]).unwrap();
        assert!(refuse_other_installs(&own.manifests, &before).is_ok());
    }

    fn claim_applied(previous: serde_json::Value) -> Applied {
        Applied {
            kind: "PersistentVolumeClaim".into(),
            name: "prometheus-storage".into(),
            namespace: Some("jewelry-shop".into()),
            change: Change::Configured,
            object: None,
            previous: Some(serde_json::from_value(previous).unwrap()),
        }
    }

    #[test]
    fn a_claim_that_was_there_before_without_promctl_is_noted_as_adopted() {
        let seed = claim_applied(serde_json::json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "prometheus-storage", "namespace": "jewelry-shop",
                "creationTimestamp": "2026-11-02T10:15:00Z",
                "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1",
                    "time": "2026-11-02T10:15:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}}]},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}},
            "status": {"phase": "Bound", "capacity": {"storage": "20Gi"}}
        }));
        assert_eq!(
            seed.adopted_claim().as_deref(),
            Some("adopted existing claim prometheus-storage (created 2026-11-02T10:15:00Z, 20Gi)")
        );
        let ours = claim_applied(serde_json::json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "prometheus-storage", "namespace": "jewelry-shop",
                "managedFields": [{"manager": FIELD_MANAGER, "operation": "Apply", "apiVersion": "v1"}]},
            "spec": {"resources": {"requests": {"storage": "20Gi"}}}
        }));
        assert_eq!(ours.adopted_claim(), None);
    }
}
