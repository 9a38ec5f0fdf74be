//! Server-side apply of the rendered manifests, in the safe order, under field manager `promctl`;
//! then pruning what the templates no longer render. PersistentVolumeClaims (the data) and
//! Namespaces (the user's) are never pruned.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Context;
use futures::future::try_join_all;
use futures::stream::{self, StreamExt, TryStreamExt};
use kube::api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Client, ResourceExt};
use serde::Serialize;

use super::{FIELD_MANAGER, INSTANCE_LABEL, KINDS, MANAGED_BY_LABEL, api_resource, describe, dynamic_api};
use crate::error::Failure;
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
    pub fn describe(&self) -> String {
        describe(&self.kind, self.namespace.as_deref(), &self.name)
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
    let before = stream::iter(manifests.iter().map(|m| {
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
    .try_collect::<Vec<_>>()
    .await?;
    if !options.force_conflicts {
        // Refuse before the first write, so nothing is half applied.
        refuse_other_installs(manifests, &before)?;
    }
    let namespace_missing =
        manifests.iter().zip(&before).any(|(m, b)| m.kind == "Namespace" && m.name == namespace && b.is_none());
    if !options.dry_run && !options.force_conflicts {
        refuse_conflicts_before_writing(client, manifests, &before).await?;
    }

    let mut results = Vec::new();
    // The waves order what is created; when every object exists already (a re-run, an upgrade),
    // nothing waits on another's creation and one wave does.
    let all_exist = before.iter().all(Option::is_some);
    let wave_of = |kind: &str| if all_exist { 0 } else { wave(kind) };
    let last_wave = manifests.iter().map(|m| wave_of(&m.kind)).max().unwrap_or(0);
    for current in 0..=last_wave {
        let in_wave: Vec<(&Manifest, &Option<DynamicObject>)> =
            manifests.iter().zip(&before).filter(|(m, _)| wave_of(&m.kind) == current).collect();
        let applied = stream::iter(in_wave.into_iter().map(|(manifest, existing)| async move {
            // A server-side dry run of a namespaced object 404s while its namespace does not exist yet.
            if options.dry_run && namespace_missing && manifest.namespace.is_some() {
                return anyhow::Ok(Applied {
                    kind: manifest.kind.clone(),
                    name: manifest.name.clone(),
                    namespace: manifest.namespace.clone(),
                    change: Change::Created,
                    object: Some(manifest.object.clone()),
                    previous: None,
                });
            }
            apply_one(client, manifest, existing.as_ref(), options).await
        }))
        .buffered(REQUEST_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
        for a in applied {
            on_applied(&a);
            results.push(a);
        }
    }

    let rendered: Vec<&Manifest> = manifests.iter().chain(later).collect();
    for pruned in prune(client, &rendered, owned, options.dry_run).await? {
        on_applied(&pruned);
        results.push(pruned);
    }
    Ok(results)
}

/// A field conflict found on the third object must not leave the first two applied: every existing
/// object that another field manager also writes is applied as a server-side dry run first, and a
/// conflict there ends the install before the first write. Objects only promctl (and controllers
/// writing status) touch cannot conflict and cost no extra request.
async fn refuse_conflicts_before_writing(
    client: &Client,
    manifests: &[Manifest],
    before: &[Option<DynamicObject>],
) -> anyhow::Result<()> {
    let rehearse = ApplyOptions { dry_run: true, force_conflicts: false };
    let contested = manifests
        .iter()
        .zip(before)
        .filter_map(|(m, b)| b.as_ref().filter(|o| others_own_fields_we_set(o, m)).map(|o| (m, o)));
    try_join_all(contested.map(|(manifest, existing)| apply_one(client, manifest, Some(existing), rehearse))).await?;
    Ok(())
}

/// Whether another field manager owns a field that the manifest sets (on the object itself, not its
/// status): only then can the apply conflict. A controller's own fields (the PVC's bind annotations,
/// the Deployment's revision) do not count, so an unchanged re-run makes no extra request.
fn others_own_fields_we_set(existing: &DynamicObject, manifest: &Manifest) -> bool {
    let ours = field_paths_of_object(&serde_json::to_value(&manifest.object).unwrap_or_default());
    existing.metadata.managed_fields.iter().flatten().any(|entry| {
        let foreign = entry.manager.as_deref() != Some(FIELD_MANAGER)
            && entry.subresource.as_deref().unwrap_or_default().is_empty();
        foreign
            && entry.fields_v1.as_ref().is_some_and(|f| field_paths_of_fields_v1(&f.0).iter().any(|p| ours.contains(p)))
    })
}

/// The leaf paths of an object, list items as `[]`: `spec.replicas`, `spec.template.spec.containers.[].image`.
fn field_paths_of_object(value: &serde_json::Value) -> HashSet<String> {
    fn walk(value: &serde_json::Value, path: String, out: &mut HashSet<String>) {
        match value {
            serde_json::Value::Object(map) if !map.is_empty() => {
                for (key, child) in map {
                    walk(child, if path.is_empty() { key.clone() } else { format!("{path}.{key}") }, out);
                }
            }
            serde_json::Value::Array(items) if !items.is_empty() => {
                for item in items {
                    walk(item, format!("{path}.[]"), out);
                }
            }
            _ => {
                out.insert(path);
            }
        }
    }
    let mut out = HashSet::new();
    walk(value, String::new(), &mut out);
    out
}

/// The leaf paths a managedFields entry owns (FieldsV1: `f:name` fields, `k:`/`v:` list items as `[]`).
fn field_paths_of_fields_v1(fields: &serde_json::Value) -> HashSet<String> {
    fn walk(value: &serde_json::Value, path: String, out: &mut HashSet<String>) {
        let Some(map) = value.as_object() else { return };
        let children: Vec<_> = map.iter().filter(|(k, _)| k.as_str() != ".").collect();
        if children.is_empty() {
            out.insert(path);
            return;
        }
        for (key, child) in children {
            let segment = match key.split_once(':') {
                Some(("f", name)) => name.to_string(),
                _ => "[]".to_string(),
            };
            walk(child, if path.is_empty() { segment } else { format!("{path}.{segment}") }, out);
        }
    }
    let mut out = HashSet::new();
    walk(fields, String::new(), &mut out);
    out
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
            let patch = serde_json::json!({"spec": {"strategy": {"type": "Recreate", "rollingUpdate": null}}});
            let merge = PatchParams { dry_run: options.dry_run, ..Default::default() };
            api.patch(&manifest.name, &merge, &Patch::Merge(&patch)).await.map_err(|e| apply_error(manifest, e))?;
            result = api.patch(&manifest.name, &params, &Patch::Apply(&manifest.object)).await;
        }
    }
    let applied = result.map_err(|e| apply_error(manifest, e))?;
    let change = match existing {
        None => Change::Created,
        // A dry run never bumps resourceVersion: compare what the server would store instead.
        Some(old) if options.dry_run => {
            if comparable(old) == comparable(&applied) {
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

/// Refuses when a rendered cluster-scoped object (`manifests`, with what the cluster holds under
/// their names, `before`) belongs to another promctl install.
pub fn refuse_other_installs(manifests: &[Manifest], before: &[Option<DynamicObject>]) -> Result<(), Failure> {
    for (manifest, existing) in manifests.iter().zip(before) {
        if let Some(owner) = existing.as_ref().and_then(|old| other_install(old, manifest)) {
            return Err(Failure::check_failed(format!(
                "{} belongs to another promctl install ({owner}); cluster-scoped names must differ per install: \
                 set rbac.clusterRoleName (or take it over with --force-conflicts)",
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

/// Conflicts name the other field manager and the fields (the API server's own words) and the fix;
/// invalid objects are bad input; the rest keep their kube error for exit-code classification.
fn apply_error(manifest: &Manifest, error: kube::Error) -> anyhow::Error {
    let what = describe_manifest(manifest);
    match &error {
        kube::Error::Api(status) if status.code == 409 => Failure::check_failed(format!(
            "{what}: {}\nanother field manager owns these fields; re-run with --force-conflicts to take them over",
            status.message
        ))
        .into(),
        kube::Error::Api(status) if status.code == 422 || status.code == 400 => {
            Failure::bad_input(format!("{what} was rejected by the API server: {}", status.message)).into()
        }
        _ => anyhow::Error::new(error).context(format!("applying {what}")),
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

    #[test]
    fn only_a_foreign_owner_of_a_field_we_set_can_conflict() {
        let object: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "prometheus"},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "prometheus", "image": "prom/prometheus:v2.48.0"}]}}}
        }))
        .unwrap();
        let manifest = Manifest {
            kind: "Deployment".into(),
            name: "prometheus".into(),
            namespace: Some("ns".into()),
            object,
            yaml: String::new(),
        };
        let existing = |manager: &str, fields: serde_json::Value| -> DynamicObject {
            serde_json::from_value(serde_json::json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "prometheus", "managedFields": [
                    {"manager": manager, "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": fields}
                ]}
            }))
            .unwrap()
        };
        let replicas = serde_json::json!({"f:spec": {"f:replicas": {}}});
        assert!(others_own_fields_we_set(&existing("someone-else", replicas.clone()), &manifest));
        assert!(!others_own_fields_we_set(&existing(FIELD_MANAGER, replicas), &manifest), "our own fields");
        let image = serde_json::json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"prometheus\"}": {".": {}, "f:image": {}}}}}}});
        assert!(others_own_fields_we_set(&existing("kubectl-client-side-apply", image), &manifest));
        let revision =
            serde_json::json!({"f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}}});
        assert!(
            !others_own_fields_we_set(&existing("kube-controller-manager", revision), &manifest),
            "a controller's own field"
        );
    }

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
}
