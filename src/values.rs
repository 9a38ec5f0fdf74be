//! Values: the embedded defaults, then `-f` files, then `--set`, then `-n`, with errors that name the
//! exact key, where it came from and how to fix it.
//!
//! Layers are merged as untyped JSON trees. Every layer is first fitted to the shape of the defaults
//! (unknown keys and wrong types are errors, and are dropped so that the remaining checks still run);
//! the merged tree is then checked field by field and only then turned into the typed [`Values`].
//! That way one run reports every problem, not just the first.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::duration::{PromDuration, parse_duration};
use crate::error::Failure;
use crate::quantity::{ByteQuantity, CpuQuantity, parse_quantity};

/// The embedded defaults, commented; `promctl values` prints them verbatim.
pub const DEFAULTS: &str = include_str!("../templates/values.yaml");

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Values {
    pub namespace: String,
    pub name: String,
    pub image: ImageValues,
    pub replicas: u32,
    pub resources: ResourceValues,
    pub storage: StorageValues,
    pub retention: RetentionValues,
    pub service: ServiceValues,
    pub node_selector: BTreeMap<String, String>,
    /// core/v1 Tolerations as written; checked by a round trip through k8s-openapi's type.
    pub tolerations: Vec<Value>,
    /// A core/v1 Affinity as written; checked the same way.
    pub affinity: Value,
    pub priority_class_name: String,
    pub image_pull_secrets: Vec<String>,
    pub pod_annotations: BTreeMap<String, String>,
    pub pod_labels: BTreeMap<String, String>,
    pub common_labels: BTreeMap<String, String>,
    pub common_annotations: BTreeMap<String, String>,
    pub service_account: ServiceAccountValues,
    pub history: HistoryValues,
    pub external_url: String,
    /// Secrets mounted into the Prometheus pod at /etc/prometheus-secrets/NAME/.
    pub secrets: Vec<String>,
    pub rbac: RbacValues,
    pub extra_args: Vec<String>,
    pub scrape: ScrapeValues,
    /// Prometheus remote_write objects as the user wrote them; promconfig checks them.
    pub remote_write: Vec<Value>,
    pub rules: RulesValues,
    pub alertmanager: AlertmanagerValues,
    pub thanos: ThanosValues,
    /// Where `namespace` came from ("-n/--namespace", a file, "--set", "the kubeconfig context",
    /// "defaults"): said before anything is written, so the namespace never surprises.
    #[serde(skip)]
    pub namespace_source: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageValues {
    pub repository: String,
    pub tag: String,
    pub pull_policy: PullPolicy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum AccessMode {
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer,
}

/// The names an enum of values takes, read from its schema (which serde's names make): the check's
/// list and the type cannot disagree.
fn choices<T: JsonSchema>() -> Vec<String> {
    let schema = serde_json::to_value(schemars::schema_for!(T)).expect("a schema is JSON");
    schema["enum"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceValues {
    pub requests: ResourceAmounts,
    pub limits: ResourceAmounts,
}

/// Kubernetes quantities, kept as text (`500m`, `1Gi`) because that is what the manifest carries,
/// and parsed by the parser that renders them.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceAmounts {
    pub cpu: CpuQuantity,
    pub memory: ByteQuantity,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StorageValues {
    pub claim_name: String,
    pub size: ByteQuantity,
    /// Empty: the cluster's default StorageClass.
    pub storage_class: String,
    pub access_mode: AccessMode,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetentionValues {
    pub time: PromDuration,
    pub size: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceValues {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: ServiceType,
    pub port: u16,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceAccountValues {
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HistoryValues {
    /// How many revisions are kept (at least 1).
    #[schemars(range(min = 1))]
    pub max: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RbacValues {
    pub cluster_role_name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScrapeValues {
    pub scrape_timeout: PromDuration,
    pub evaluation_interval: PromDuration,
    pub namespaces: Vec<String>,
    pub external_labels: BTreeMap<String, String>,
    /// Prometheus scrape_config objects as the user wrote them; promconfig checks them.
    pub extra_jobs: Vec<Value>,
    /// Keyed by Prometheus job_name. Sorted here; [`Values::enabled_jobs`] gives the file's order.
    pub jobs: BTreeMap<String, JobValues>,
}

impl ScrapeValues {
    /// Every job's name, in the order values.yaml lists them.
    pub fn jobs_in_file_order(&self) -> Vec<String> {
        let order = default_job_order();
        let mut names: Vec<&String> = self.jobs.keys().collect();
        names.sort_by_key(|name| order.iter().position(|n| n == *name).unwrap_or(usize::MAX));
        names.into_iter().cloned().collect()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RulesValues {
    pub starter: StarterRulesValues,
    /// Rule files and directories; `--rules` adds more. Read by [`crate::rules::read_sources`].
    pub files: Vec<String>,
    /// Rule groups as the user wrote them (the `groups:` list of a rule file); rules checks them.
    pub groups: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StarterRulesValues {
    pub enabled: bool,
    /// Alert names left out of the starter rules.
    pub disabled: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertmanagerValues {
    pub enabled: bool,
    pub image: ImageValues,
    pub resources: ResourceValues,
    /// alertmanager.yml as the user wrote it; checked by [`crate::alertmanager::check_config`].
    pub config: Value,
    pub secret_name: String,
    /// NAMESPACE/SERVICE:PORT.
    pub services: Vec<String>,
    pub urls: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ThanosValues {
    pub sidecar: ThanosSidecarValues,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ThanosSidecarValues {
    pub enabled: bool,
    pub image: ImageValues,
    pub resources: ResourceValues,
    /// An existing Secret holding Thanos's object store config; empty: no upload.
    pub objstore_secret: String,
    pub objstore_key: String,
    /// Prometheus's min and max block duration while a sidecar runs beside it.
    pub block_duration: PromDuration,
}

impl AlertmanagerValues {
    /// Whether Prometheus sends alerts anywhere.
    pub fn any(&self) -> bool {
        self.enabled || !self.services.is_empty() || !self.urls.is_empty()
    }
}

/// One scrape job. Application jobs have `port` and `path`; the Kubernetes jobs do not.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobValues {
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub interval: PromDuration,
    /// PromQL that must return something once the job is scraped (validate's default probes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<String>,
    /// What promctl reads the job as, where a check depends on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<JobRole>,
}

/// A job that promctl's checks treat apart from the others, named in values.yaml (never by job name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum JobRole {
    /// Targets are Services annotated prometheus.io/scrape (doctor checks the annotations).
    AnnotatedServices,
    /// Targets are pods annotated prometheus.io/scrape.
    AnnotatedPods,
    /// Prometheus's own metrics (validate reads its remote_write queues there).
    #[serde(rename = "self")]
    SelfScrape,
}

impl Values {
    /// Every Secret these values name, which must exist before an install: `secrets`, Alertmanager's
    /// and the Thanos sidecar's object store config.
    pub fn secret_names(&self) -> Vec<&str> {
        let mut secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        if self.alertmanager.enabled && !self.alertmanager.secret_name.is_empty() {
            secrets.push(&self.alertmanager.secret_name);
        }
        if self.thanos.sidecar.enabled && !self.thanos.sidecar.objstore_secret.is_empty() {
            secrets.push(&self.thanos.sidecar.objstore_secret);
        }
        secrets
    }

    /// The enabled job of `role`, if there is one.
    pub fn job_with_role(&self, role: JobRole) -> Option<String> {
        self.enabled_jobs().into_iter().find(|(_, job)| job.role == Some(role)).map(|(name, _)| name)
    }

    /// The values as the templates see them (camelCase keys, as in values.yaml).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("values are plain data and always serialize")
    }

    /// The `app.kubernetes.io/instance` label: unique per install, as two installs may share a name.
    pub fn instance(&self) -> String {
        format!("{}.{}", self.namespace, self.name)
    }

    /// Enabled jobs in the order values.yaml lists them.
    pub fn enabled_jobs(&self) -> Vec<(String, &JobValues)> {
        let jobs = &self.scrape.jobs;
        let in_order = self.scrape.jobs_in_file_order().into_iter().map(|name| (jobs.get_key_value(&name), name));
        in_order.filter_map(|(job, name)| job.map(|(_, job)| (name, job))).filter(|(_, job)| job.enabled).collect()
    }
}

/// A JSON Schema of the values (`promctl values --schema`), for editors' YAML language servers: the
/// keys, their types and the fixed choices; promctl's own checks (quantities, durations, names) go
/// further.
pub fn json_schema() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Values)).expect("a schema is JSON");
    // A values file sets only what it changes: nothing is required.
    fn optional(node: &mut Value) {
        match node {
            Value::Object(map) => {
                map.remove("required");
                map.values_mut().for_each(optional);
            }
            Value::Array(items) => items.iter_mut().for_each(optional),
            _ => {}
        }
    }
    optional(&mut schema);
    schema["title"] = "promctl values".into();
    schema["description"] =
        "Values for promctl install/render/validate; `promctl values` prints the defaults with comments.".into();
    schema
}

/// Defaults, then each `-f` file in order (later wins; maps merge deeply, lists replace), then each
/// `--set path=value` in order, then `namespace_override` (the global `-n`).
pub fn load(files: &[PathBuf], sets: &[String], namespace_override: Option<&str>) -> Result<Values, Failure> {
    load_with_context(files, sets, namespace_override, None)
}

/// As `load`, with the kubeconfig context's namespace between the defaults and the files. The
/// namespace's precedence, highest first: `-n`, `--set namespace=`, a values file, the context's
/// namespace (as Helm and kubectl use it), the default `jewelry-shop`.
pub fn load_with_context(
    files: &[PathBuf],
    sets: &[String],
    namespace_override: Option<&str>,
    context_namespace: Option<&str>,
) -> Result<Values, Failure> {
    let defaults: Value = serde_saphyr::from_str(DEFAULTS).expect("templates/values.yaml is valid YAML");
    let mut errors = Vec::new();
    let mut layers = Vec::new();
    if let Some(namespace) = context_namespace {
        layers.push(("the kubeconfig context".to_string(), serde_json::json!({ "namespace": namespace })));
    }
    for file in files {
        match read_values_file(file) {
            Ok(tree) => layers.push((file.display().to_string(), tree)),
            Err(err) => errors.push(err),
        }
    }
    for set in sets {
        match parse_set(set) {
            Ok(tree) => layers.push(("--set".to_string(), tree)),
            Err(err) => errors.push(err),
        }
    }
    if let Some(namespace) = namespace_override {
        layers.push(("-n/--namespace".to_string(), serde_json::json!({ "namespace": namespace })));
    }

    let mut merged = defaults.clone();
    let mut origins = Origins::new();
    for (source, mut tree) in layers {
        fit_shape(&defaults, &mut tree, "", &source, &mut errors);
        merge(&mut merged, tree, "", &source, &mut origins);
    }
    check_fields(&merged, &origins, &mut errors);
    if !errors.is_empty() {
        return Err(Failure::bad_input(errors.join("\n")));
    }
    let mut values: Values =
        serde_json::from_value(merged).map_err(|err| Failure::bad_input(format!("values: {err}")))?;
    values.namespace_source = origin(&origins, "namespace").to_string();
    Ok(values)
}

macro_rules! regex {
    ($re:literal) => {{
        static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).unwrap());
        &*RE
    }};
}

/// Dotted path -> where its current value came from (a file path, `--set`, `-n/--namespace`).
type Origins = BTreeMap<String, String>;

fn origin<'a>(origins: &'a Origins, path: &str) -> &'a str {
    origins.get(path).map_or("defaults", String::as_str)
}

fn read_values_file(file: &Path) -> Result<Value, String> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|err| format!("values: cannot read values file {name:?} (from -f): {err}; check the path"))?;
    let tree: Value = serde_saphyr::from_str(&text).map_err(|err| {
        let options = serde_saphyr::render_options! {
            formatter: &serde_saphyr::UserMessageFormatter,
            source_name: Some(&name),
        };
        let rendered = err.render_with_options(options);
        format!("values: {name} is not valid YAML: {}", rendered.trim_start_matches("error: "))
    })?;
    match tree {
        Value::Null => Ok(Value::Object(Map::new())), // an empty or all-comments file changes nothing
        Value::Object(_) => Ok(tree),
        other => Err(format!(
            "values: {name} is {}; a values file is a mapping like the output of `promctl values`",
            describe(&other)
        )),
    }
}

/// `scrape.jobs.django.interval=1m` -> `{"scrape": {"jobs": {"django": {"interval": "1m"}}}}`.
/// The value is read as YAML, so numbers, booleans and `[a, b]` lists keep their type.
fn parse_set(set: &str) -> Result<Value, String> {
    let Some((path, text)) = set.split_once('=') else {
        return Err(format!("values: --set {set:?} has no \"=\"; use the form path=value, e.g. --set replicas=1"));
    };
    if path.split('.').any(str::is_empty) {
        return Err(format!(
            "values: --set {set:?}: {path:?} is not a dotted key path; use the form path=value, e.g. --set scrape.jobs.django.interval=1m"
        ));
    }
    // An empty value means the empty string (storage.storageClass=), not YAML's null.
    let mut value = if text.is_empty() {
        Value::String(String::new())
    } else {
        serde_saphyr::from_str(text).map_err(|err| {
            let reason = err.to_string();
            let reason = reason.lines().next().unwrap_or_default().trim_start_matches("error: ");
            format!(
                "values: --set {set:?}: the value is not valid YAML ({reason}); write a YAML value like [a, b], or quote text: {path}='\"text\"'"
            )
        })?
    };
    for key in path.rsplit('.') {
        value = Value::Object(Map::from_iter([(key.to_string(), value)]));
    }
    Ok(value)
}

/// Checks `value` against the shape of the defaults at `path` and drops whatever does not fit, so
/// that merging never sees it. Returns whether `value` fits (its parent drops it if not).
fn fit_shape(default: &Value, value: &mut Value, path: &str, source: &str, errors: &mut Vec<String>) -> bool {
    match (path, &mut *value) {
        // Maps and lists whose keys and items are the user's, not the defaults': their content is
        // checked where it means something (label names below, scrape configs by promconfig).
        // Shapes that are Alertmanager's or Kubernetes's, checked field by field below.
        ("alertmanager.config" | "affinity", Value::Object(_)) => return true,
        (path, Value::Object(labels)) if path == "scrape.externalLabels" || STRING_MAPS.contains(&path) => {
            let mut fits = true;
            for (name, label) in labels.iter_mut() {
                if let Some(text) = integer_text(label) {
                    *label = Value::String(text);
                }
                if !label.is_string() {
                    errors.push(type_error(&join(path, name), label, source, "a string"));
                    fits = false;
                }
            }
            return fits;
        }
        ("scrape.extraJobs" | "rules.groups" | "tolerations" | "remoteWrite", Value::Array(items)) => {
            let what = match path {
                "remoteWrite" => "a remote_write mapping (url: ...)",
                "rules.groups" => "a rule group mapping (name: ..., rules: [...])",
                "tolerations" => "a toleration mapping (key: ..., operator: ..., effect: ...)",
                _ => "a scrape_config mapping (job_name: ...)",
            };
            let mut fits = true;
            for (i, item) in items.iter().enumerate() {
                if !item.is_object() {
                    errors.push(type_error(&format!("{path}[{i}]"), item, source, what));
                    fits = false;
                }
            }
            return fits;
        }
        _ => {}
    }
    match (default, &mut *value) {
        (Value::Object(known), Value::Object(given)) => {
            given.retain(|key, child| match known.get(key) {
                Some(default) => fit_shape(default, child, &join(path, key), source, errors),
                None => {
                    errors.push(unknown_key(path, key, known, source));
                    false
                }
            });
            true
        }
        (Value::Array(_), Value::Array(items)) => {
            // Every list in the values (extraArgs, scrape.namespaces) is a list of strings.
            let mut fits = true;
            for (i, item) in items.iter_mut().enumerate() {
                if let Some(text) = integer_text(item) {
                    *item = Value::String(text);
                }
                if !item.is_string() {
                    errors.push(type_error(&format!("{path}[{i}]"), item, source, "a string"));
                    fits = false;
                }
            }
            fits
        }
        (Value::String(_), Value::String(_)) | (Value::Bool(_), Value::Bool(_)) => true,
        (Value::Number(_), Value::Number(n)) if n.is_i64() || n.is_u64() => true,
        // YAML reads `tag: 2` or `cpu: 0.5` as numbers; as text they mean the same.
        (Value::String(_), Value::Number(n)) if n.is_i64() || n.is_u64() || is_quantity(path) => {
            let text = n.to_string();
            *value = Value::String(text);
            true
        }
        _ => {
            errors.push(type_error(path, value, source, expected(default)));
            false
        }
    }
}

fn integer_text(value: &Value) -> Option<String> {
    value.as_number().filter(|n| !n.is_f64()).map(ToString::to_string)
}

fn is_quantity(path: &str) -> bool {
    path.ends_with(".cpu") || path.ends_with(".memory") || path == "storage.size"
}

fn merge(into: &mut Value, from: Value, path: &str, source: &str, origins: &mut Origins) {
    match (into, from) {
        (Value::Object(into), Value::Object(from)) => {
            for (key, value) in from {
                let child = join(path, &key);
                merge(into.entry(key).or_insert(Value::Null), value, &child, source, origins);
            }
        }
        (into, from) => {
            *into = from;
            origins.insert(path.to_string(), source.to_string());
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn unknown_key(parent: &str, key: &str, known: &Map<String, Value>, source: &str) -> String {
    let path = join(parent, key);
    let closest = known
        .keys()
        .map(|k| (strsim::jaro_winkler(k, key), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let siblings = known.keys().cloned().collect::<Vec<_>>().join(", ");
    let hint = match closest {
        Some((_, k)) => format!("did you mean {:?}?", join(parent, k)),
        None if parent == "scrape.jobs" => {
            format!("the jobs are fixed by the templates: {siblings}")
        }
        None if parent.is_empty() => format!("known top-level keys: {siblings}"),
        None => format!("known keys under {parent:?}: {siblings}"),
    };
    format!("values: unknown key {path:?} (from {source}); {hint}")
}

fn type_error(path: &str, value: &Value, source: &str, expected: &str) -> String {
    let quote = if expected == "a string" { "; quote it to keep it as text" } else { "" };
    format!("values: {path} = {value} (from {source}) is {}; expected {expected}{quote}", describe(value))
}

fn expected(default: &Value) -> &'static str {
    match default {
        Value::Object(_) => "a mapping",
        Value::Array(_) => "a list of strings",
        Value::String(_) => "a string",
        Value::Number(_) => "a whole number",
        Value::Bool(_) => "true or false",
        Value::Null => "nothing",
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "a whole number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

// ---- field checks on the merged tree ----

/// A field rule: Ok, or the problem and its fix ("is not a duration; use ...").
type Rule = fn(&Value) -> Result<(), String>;

fn check_fields(tree: &Value, origins: &Origins, errors: &mut Vec<String>) {
    let mut check = |path: &str, rule: Rule| check(path, tree, origins, errors, rule);
    check("namespace", dns_label);
    check("name", dns_label);
    check("image.repository", image_repository);
    check("image.tag", image_tag);
    check("image.pullPolicy", one_of::<PullPolicy>);
    check("replicas", replicas);
    for kind in ["requests", "limits"] {
        check(&format!("resources.{kind}.cpu"), cpu);
        check(&format!("resources.{kind}.memory"), memory);
    }
    check("storage.claimName", dns_subdomain);
    check("storage.size", |v| memory(v).and_then(|()| above_zero(v, "the claim could hold nothing")));
    check("storage.storageClass", |v| if v.as_str() == Some("") { Ok(()) } else { dns_subdomain(v) });
    check("storage.accessMode", one_of::<AccessMode>);
    // Prometheus reads a zero of either limit as "no limit of this kind": with 0s the data is kept
    // until the disk is full, which the user who wrote 0s did not mean.
    check("retention.time", |v| {
        duration(v, true).and_then(|()| {
            require(
                parse_duration(v.as_str().unwrap_or_default()).is_some_and(|d| !d.is_zero()),
                "is zero, which Prometheus reads as no time limit; use a duration like 15d \
                 (a long one like 10y lets retention.size alone decide)",
            )
        })
    });
    check("retention.size", prometheus_bytes);
    check("service.name", dns_1035_label);
    check("service.type", one_of::<ServiceType>);
    check("service.port", port);
    check("rbac.clusterRoleName", path_segment_name);
    check("alertmanager.image.repository", image_repository);
    check("alertmanager.image.tag", image_tag);
    check("alertmanager.image.pullPolicy", one_of::<PullPolicy>);
    for kind in ["requests", "limits"] {
        check(&format!("alertmanager.resources.{kind}.cpu"), cpu);
        check(&format!("alertmanager.resources.{kind}.memory"), memory);
    }
    check("alertmanager.secretName", |v| if v.as_str() == Some("") { Ok(()) } else { dns_subdomain(v) });
    check("thanos.sidecar.image.repository", image_repository);
    check("thanos.sidecar.image.tag", image_tag);
    check("thanos.sidecar.image.pullPolicy", one_of::<PullPolicy>);
    for kind in ["requests", "limits"] {
        check(&format!("thanos.sidecar.resources.{kind}.cpu"), cpu);
        check(&format!("thanos.sidecar.resources.{kind}.memory"), memory);
    }
    check("thanos.sidecar.objstoreSecret", |v| if v.as_str() == Some("") { Ok(()) } else { dns_subdomain(v) });
    check("thanos.sidecar.objstoreKey", secret_key);
    check("thanos.sidecar.blockDuration", |v| {
        duration(v, false).and_then(|()| {
            require(
                parse_duration(v.as_str().unwrap_or_default()).is_some_and(|d| d.as_secs() % 60 == 0),
                "is not whole minutes; Thanos uploads blocks of whole minutes, 2h as upstream advises",
            )
        })
    });
    check("scrape.scrapeTimeout", |v| duration(v, false));
    check("scrape.evaluationInterval", |v| duration(v, false));
    let mut probe_errors = Vec::new();
    let jobs = lookup(tree, "scrape.jobs").and_then(Value::as_object).into_iter().flatten();
    for (job, fields) in jobs {
        for (field, rule) in [("port", port as Rule), ("path", url_path), ("interval", |v| duration(v, false))] {
            if fields.get(field).is_some() {
                check(&format!("scrape.jobs.{job}.{field}"), rule);
            }
        }
        for (i, probe) in fields.get("probes").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let path = format!("scrape.jobs.{job}.probes");
            if let Err(reason) =
                probe.as_str().ok_or_else(|| "is not a string".to_string()).and_then(crate::promql::parse)
            {
                probe_errors.push(format!(
                    "values: {path}[{i}] = {probe} (from {}) is not valid PromQL: {reason}; fix the expression",
                    origin(origins, &path)
                ));
            }
        }
    }
    // List items: report the item, attribute it to whoever set the list.
    let mut check_items = |path: &str, rule: Rule| {
        let items = lookup(tree, path).and_then(Value::as_array).into_iter().flatten();
        for (i, item) in items.enumerate() {
            if let Err(problem) = rule(item) {
                errors.push(format!("values: {path}[{i}] = {item} (from {}) {problem}", origin(origins, path)));
            }
        }
    };
    check_items("scrape.namespaces", dns_label);
    check_items("alertmanager.services", alertmanager_service);
    check_items("alertmanager.urls", alertmanager_url);
    check_items("extraArgs", extra_arg);
    // Each flag against the image's release: Prometheus does not start with a flag it lacks, and
    // goes on without a feature it does not know.
    let tag = lookup(tree, "image.tag").and_then(Value::as_str).unwrap_or_default();
    let major = crate::release::prometheus_major(tag);
    for (i, item) in lookup(tree, "extraArgs").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let Some(arg) = item.as_str().filter(|_| extra_arg(item).is_ok()) else { continue };
        if let Some(problem) = crate::release::flag_refusal(arg, major) {
            errors.push(format!(
                "values: extraArgs[{i}] = {item} (from {}) {problem} (image.tag {tag})",
                origin(origins, "extraArgs")
            ));
        }
    }
    errors.extend(probe_errors);
    let labels = lookup(tree, "scrape.externalLabels").and_then(Value::as_object).into_iter().flatten();
    for (name, _) in labels {
        if let Err(problem) = label_name(&Value::String(name.clone())) {
            errors.push(format!(
                "values: scrape.externalLabels.{name} (from {}) {problem}",
                origin(origins, &format!("scrape.externalLabels.{name}"))
            ));
        }
    }
    check_placement(tree, origins, errors);
    check_secret_files(tree, origins, errors);
    check_across_fields(tree, origins, errors);
}

/// The maps of labels and annotations whose keys are the user's: each a map of strings.
const STRING_MAPS: [&str; 7] = [
    "nodeSelector",
    "podLabels",
    "podAnnotations",
    "commonLabels",
    "commonAnnotations",
    "serviceAccount.annotations",
    "service.annotations",
];

/// Label and annotation keys, tolerations and affinity: what the API server would refuse, named
/// before anything is applied.
fn check_placement(tree: &Value, origins: &Origins, errors: &mut Vec<String>) {
    let entries = |path: &str| lookup(tree, path).and_then(Value::as_object).into_iter().flatten();
    for path in STRING_MAPS {
        for (key, value) in entries(path) {
            let here = format!("{path}.{key}");
            let from = origin(origins, &here).to_string();
            if let Err(problem) = qualified_name(key) {
                errors.push(format!("values: {here} (from {from}): the key {problem}"));
            }
            let is_label = matches!(path, "nodeSelector" | "podLabels" | "commonLabels");
            if is_label && !label_value(value.as_str().unwrap_or_default()) {
                errors.push(format!(
                    "values: {here} = {value} (from {from}) is not a label value; use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
                ));
            }
            if path == "podLabels" && SELECTOR_LABELS.contains(&key.as_str()) {
                errors.push(format!(
                    "values: {here} (from {from}) is a label promctl sets to select the pods; choose another key"
                ));
            }
            if path == "commonLabels"
                && (SELECTOR_LABELS.contains(&key.as_str()) || key.starts_with("app.kubernetes.io/"))
            {
                errors.push(format!(
                    "values: {here} (from {from}) is a label promctl sets itself (it finds and selects its objects by it); choose another key"
                ));
            }
        }
    }
    check(
        "priorityClassName",
        tree,
        origins,
        errors,
        |v| if v.as_str() == Some("") { Ok(()) } else { dns_subdomain(v) },
    );
    check("externalUrl", tree, origins, errors, external_url);
    for (i, name) in lookup(tree, "imagePullSecrets").and_then(Value::as_array).into_iter().flatten().enumerate() {
        if let Err(problem) = dns_subdomain(name) {
            errors.push(format!(
                "values: imagePullSecrets[{i}] = {name} (from {}) {problem}",
                origin(origins, "imagePullSecrets")
            ));
        }
    }
    for (i, toleration) in lookup(tree, "tolerations").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let from = origin(origins, "tolerations");
        if let Err(problem) =
            kubernetes_shape::<k8s_openapi::api::core::v1::Toleration>(toleration, "a core/v1 Toleration")
        {
            errors.push(format!("values: tolerations[{i}] (from {from}) {problem}"));
        }
        let field = |name: &str| toleration.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
        if !matches!(field("operator").as_str(), "" | "Exists" | "Equal") {
            errors.push(format!("values: tolerations[{i}].operator (from {from}) is not one of Exists, Equal"));
        }
        if !matches!(field("effect").as_str(), "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            errors.push(format!(
                "values: tolerations[{i}].effect (from {from}) is not one of NoSchedule, PreferNoSchedule, NoExecute"
            ));
        }
    }
    if let Some(affinity) = lookup(tree, "affinity").filter(|a| a.as_object().is_some_and(|m| !m.is_empty()))
        && let Err(problem) = kubernetes_shape::<k8s_openapi::api::core::v1::Affinity>(affinity, "a core/v1 Affinity")
    {
        errors.push(format!("values: affinity (from {}) {problem}", origin(origins, "affinity")));
    }
}

/// Where the deployment template mounts the Secrets listed in `secrets`.
pub const SECRETS_DIR: &str = "/etc/prometheus-secrets";

/// A `_file` credential in the team's jobs or remote_write that points into the Secrets directory
/// must name a Secret that `secrets` mounts: otherwise Prometheus fails at run time on a missing file.
fn check_secret_files(tree: &Value, origins: &Origins, errors: &mut Vec<String>) {
    let mounted: Vec<&str> =
        lookup(tree, "secrets").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    fn walk<'a>(value: &'a Value, path: String, found: &mut Vec<(String, &'a str)>) {
        match value {
            Value::String(text) if text.starts_with(SECRETS_DIR) => found.push((path, text)),
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, join(&path, k), found)),
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| walk(v, format!("{path}[{i}]"), found)),
            _ => {}
        }
    }
    for root in ["scrape.extraJobs", "remoteWrite"] {
        let mut found = Vec::new();
        if let Some(value) = lookup(tree, root) {
            walk(value, root.to_string(), &mut found);
        }
        for (path, file) in found {
            let secret = file[SECRETS_DIR.len()..].trim_start_matches('/').split('/').next().unwrap_or_default();
            if !mounted.contains(&secret) {
                errors.push(format!(
                    "values: {path} = {file:?} (from {}) is in Secret {secret:?}, which `secrets` does not mount; add it: --set 'secrets=[{secret}]'",
                    origin(origins, root)
                ));
            }
        }
    }
}

/// The pod labels the selectors use, and the role label render reads: a pod label with one of these
/// keys would break them (a test holds the list against every rendered selector).
const SELECTOR_LABELS: [&str; 4] = ["app", "app.kubernetes.io/name", "app.kubernetes.io/instance", REPLICA_POD_LABEL];

/// The pod label telling an HA pair's replicas apart (their Deployments select by it), and the value
/// of the `replica` external label each one sends. Here, below render, because values guards it.
pub const REPLICA_POD_LABEL: &str = "promctl.dev/replica";

/// One field's rule, reported with its path, value and origin; nothing when the field is absent.
fn check(path: &str, tree: &Value, origins: &Origins, errors: &mut Vec<String>, rule: Rule) {
    if let Some(value) = lookup(tree, path)
        && let Err(problem) = rule(value)
    {
        errors.push(format!("values: {path} = {value} (from {}) {problem}", origin(origins, path)));
    }
}

/// Ok when `value` reads as the Kubernetes type `T` with nothing left over: a field the type does
/// not know (a typo) would otherwise be dropped without a word.
fn kubernetes_shape<T: serde::de::DeserializeOwned + Serialize>(value: &Value, what: &str) -> Result<(), String> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|err| format!("is not {what}: {err}"))?;
    let back = serde_json::to_value(typed).expect("Kubernetes types serialize");
    match first_unknown_field(value, &back, "") {
        Some(field) => {
            Err(format!("is not {what}: it has no field {field:?}; see `kubectl explain pod.spec.{}`", what_path(what)))
        }
        None => Ok(()),
    }
}

fn what_path(what: &str) -> &'static str {
    if what.contains("Toleration") { "tolerations" } else { "affinity" }
}

fn first_unknown_field(given: &Value, known: &Value, path: &str) -> Option<String> {
    match (given, known) {
        (Value::Object(given), Value::Object(known)) => given.iter().find_map(|(key, child)| {
            let here = join(path, key);
            match known.get(key) {
                None if !child.is_null() => Some(here),
                None => None,
                Some(known_child) => first_unknown_field(child, known_child, &here),
            }
        }),
        (Value::Array(given), Value::Array(known)) => given
            .iter()
            .zip(known)
            .enumerate()
            .find_map(|(i, (g, k))| first_unknown_field(g, k, &format!("{path}[{i}]"))),
        _ => None,
    }
}

/// A label or annotation key: an optional DNS-subdomain prefix and '/', then a name of at most 63
/// characters.
fn qualified_name(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let name_ok = regex!(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$").is_match(name);
    let prefix_ok = prefix.is_none_or(|p| dns_subdomain(&Value::String(p.to_string())).is_ok());
    require(
        name_ok && prefix_ok,
        &format!(
            "{key:?} is not a valid key; use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.' (e.g. example.com/team)"
        ),
    )
}

fn label_value(value: &str) -> bool {
    value.is_empty() || regex!(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$").is_match(value)
}

fn external_url(v: &Value) -> Result<(), String> {
    let text = v.as_str().unwrap_or_default();
    let ok = text.is_empty()
        || reqwest::Url::parse(text)
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some());
    require(ok, "is not a URL; write e.g. https://prometheus.example.com or leave it empty")
}

/// Rules that involve more than one field.
/// A Thanos sidecar refuses to start beside a Prometheus without external labels: they name its data
/// in Thanos (an HA set adds its replica label, which Thanos Query deduplicates on).
fn sidecar_has_external_labels(tree: &Value, origins: &Origins, errors: &mut Vec<String>) {
    let enabled = lookup(tree, "thanos.sidecar.enabled") == Some(&Value::Bool(true));
    let labels = lookup(tree, "scrape.externalLabels").and_then(Value::as_object).is_some_and(|l| !l.is_empty());
    let replicas = lookup(tree, "replicas").and_then(Value::as_u64).unwrap_or(1);
    if enabled && !labels && replicas < 2 {
        errors.push(format!(
            "values: thanos.sidecar.enabled (from {}) needs external labels, and scrape.externalLabels is empty: the sidecar refuses a Prometheus without them; set scrape.externalLabels, e.g. {{cluster: {}}}",
            origin(origins, "thanos.sidecar.enabled"),
            lookup(tree, "namespace").and_then(Value::as_str).unwrap_or("prod")
        ));
    }
}

fn check_across_fields(tree: &Value, origins: &Origins, errors: &mut Vec<String>) {
    let text = |path: &str| lookup(tree, path).and_then(Value::as_str).unwrap_or_default().to_string();
    let (namespace, name) = (text("namespace"), text("name"));
    let instance = format!("{namespace}.{name}");
    if instance.len() > 63 {
        errors.push(format!(
            "values: namespace {namespace:?} and name {name:?} together are too long: the instance label {instance:?} is {} characters, Kubernetes allows 63; shorten the name",
            instance.len()
        ));
    }
    if lookup(tree, "history.max").and_then(Value::as_u64) == Some(0) {
        let from = origin(origins, "history.max");
        errors.push(format!(
            "values: history.max = 0 (from {from}) keeps no revision, and rollback needs one; set 1 or more"
        ));
    }
    requests_within_limits(tree, origins, errors);
    retention_fits_the_claim(tree, origins, errors);
    sidecar_has_external_labels(tree, origins, errors);
    // Prometheus rejects a job whose timeout is longer than its interval; say so in values terms.
    let Some(timeout) = parse_duration(&text("scrape.scrapeTimeout")) else {
        return;
    };
    let jobs = lookup(tree, "scrape.jobs").and_then(Value::as_object).into_iter().flatten();
    for (job, fields) in jobs {
        let interval_text = fields.get("interval").and_then(Value::as_str).unwrap_or_default();
        let enabled = fields.get("enabled") != Some(&Value::Bool(false));
        let Some(interval) = parse_duration(interval_text) else {
            continue;
        };
        if enabled && interval > std::time::Duration::ZERO && timeout > interval {
            let path = format!("scrape.jobs.{job}.interval");
            errors.push(format!(
                "values: scrape.scrapeTimeout = {:?} (from {}) is above {path} = {interval_text:?} (from {}); Prometheus rejects a timeout longer than the interval: lower scrape.scrapeTimeout or raise {path}",
                text("scrape.scrapeTimeout"),
                origin(origins, "scrape.scrapeTimeout"),
                origin(origins, &path),
            ));
        }
    }
}

/// The API server refuses a container whose request is above its limit (after the first objects are
/// written, were it not for the rehearsal): refused here, in values terms.
fn requests_within_limits(tree: &Value, origins: &Origins, errors: &mut Vec<String>) {
    for prefix in ["resources", "alertmanager.resources"] {
        for resource in ["cpu", "memory"] {
            let (request, limit) = (format!("{prefix}.requests.{resource}"), format!("{prefix}.limits.{resource}"));
            let amount = |path: &str| {
                let text = lookup(tree, path).and_then(Value::as_str)?;
                Some((text, parse_quantity(text)?.0))
            };
            if let (Some((asked, asked_amount)), Some((allowed, allowed_amount))) = (amount(&request), amount(&limit))
                && asked_amount > allowed_amount
            {
                errors.push(format!(
                    "values: {request} = {asked:?} (from {}) is above {limit} = {allowed:?} (from {}); \
                     Kubernetes refuses a request above its limit: lower {request} or raise {limit}",
                    origin(origins, &request),
                    origin(origins, &limit),
                ));
            }
        }
    }
}

/// The share of the claim retention.size may take. Prometheus deletes whole blocks to honour
/// retention.size, but counts the WAL and the head's chunks in it without being able to delete them,
/// and these peak every two hours: its storage documentation advises at most 80-85% of the disk.
const RETENTION_SHARE_OF_CLAIM: (u128, u128) = (4, 5);

/// retention.size (Prometheus bytes: powers of 2, 1GB = 1 GiB) must leave the claim headroom, or the
/// disk fills on a provisioner that enforces the size and Prometheus stops writing.
fn retention_fits_the_claim(tree: &Value, origins: &Origins, errors: &mut Vec<String>) {
    let text = |path: &str| lookup(tree, path).and_then(Value::as_str).unwrap_or_default();
    let (retention, claim) = (text("retention.size"), text("storage.size"));
    let (Some(retention_bytes), Ok(claim_bytes)) =
        (prometheus_size(retention), ByteQuantity::parse(claim).map(|q| q.bytes() as u128))
    else {
        return;
    };
    let (share, whole) = RETENTION_SHARE_OF_CLAIM;
    let most = claim_bytes * share / whole;
    if claim_bytes > 0 && retention_bytes > most {
        errors.push(format!(
            "values: retention.size = {retention:?} (from {}) leaves no room on storage.size = {claim:?} (from {}): \
             Prometheus counts sizes in powers of 2 (1GB = 1 GiB) and needs room beyond retention.size for its \
             WAL and head chunks; keep retention.size at most {}% of the claim (here at most {}MB): \
             lower retention.size or raise storage.size",
            origin(origins, "retention.size"),
            origin(origins, "storage.size"),
            100 * share / whole,
            most >> 20,
        ));
    }
}

/// A Prometheus size (`512MB`, `10GB`) in bytes: its units are powers of 1024.
fn prometheus_size(text: &str) -> Option<u128> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let power = ["B", "KB", "MB", "GB", "TB", "PB", "EB"].iter().position(|u| *u == unit)?;
    number.parse::<u128>().ok()?.checked_mul(1u128 << (10 * power))
}

fn above_zero(v: &Value, consequence: &str) -> Result<(), String> {
    let zero = v.as_str().and_then(parse_quantity).is_some_and(|(amount, _)| amount == 0);
    require(!zero, &format!("is zero: {consequence}; use a size like 20Gi"))
}

fn lookup<'a>(tree: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(tree, |node, key| node.get(key))
}

/// Ok, or the problem and its fix.
/// A key of a Secret's data (Kubernetes: letters, digits, '-', '_', '.', at most 253).
fn secret_key(v: &Value) -> Result<(), String> {
    let key = v.as_str().unwrap_or_default();
    let ok = !key.is_empty() && key.len() <= 253 && key.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    require(ok, "is not a Secret key; use letters, digits, '-', '_' and '.', e.g. objstore.yml")
}

fn require(ok: bool, problem: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(problem.to_string()) }
}

fn matches(re: &Regex, value: &Value) -> bool {
    value.as_str().is_some_and(|s| re.is_match(s))
}

fn dns_label(v: &Value) -> Result<(), String> {
    require(
        matches(regex!(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"), v),
        "is not a valid Kubernetes name; use at most 63 lower-case letters, digits and '-', \
         starting and ending with a letter or digit",
    )
}

fn label_name(v: &Value) -> Result<(), String> {
    require(
        matches(regex!(r"^[a-zA-Z_][a-zA-Z0-9_]*$"), v),
        "is not a valid label name; use letters, digits and '_', not starting with a digit",
    )
}

fn dns_1035_label(v: &Value) -> Result<(), String> {
    require(
        matches(regex!(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"), v),
        "is not a valid Service name; use at most 63 lower-case letters, digits and '-', \
         starting with a letter and ending with a letter or digit",
    )
}

fn dns_subdomain(v: &Value) -> Result<(), String> {
    let re = regex!(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    require(
        matches(re, v) && v.as_str().is_some_and(|s| s.len() <= 253),
        "is not a valid Kubernetes name; use lower-case letters, digits, '-' and '.', \
         starting and ending with a letter or digit",
    )
}

/// RBAC object names only have to be usable as a URL path segment.
fn path_segment_name(v: &Value) -> Result<(), String> {
    let ok = v.as_str().is_some_and(|s| !matches!(s, "" | "." | "..") && !s.contains(['/', '%']));
    require(ok, "is not a valid ClusterRole name; use a name like prometheus-jewelry-shop")
}

fn image_repository(v: &Value) -> Result<(), String> {
    require(
        matches(regex!(r"^[a-z0-9][a-z0-9._/:-]*$"), v),
        "is not an image repository; use a name like prom/prometheus or quay.io/prometheus/prometheus",
    )
}

fn image_tag(v: &Value) -> Result<(), String> {
    require(matches(regex!(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"), v), "is not an image tag; use a tag like v2.48.0")
}

fn one_of<T: JsonSchema>(v: &Value) -> Result<(), String> {
    let allowed = choices::<T>();
    let ok = v.as_str().is_some_and(|s| allowed.iter().any(|a| a == s));
    require(ok, &format!("is not one of {}", allowed.join(", ")))
}

fn replicas(v: &Value) -> Result<(), String> {
    let ok = v.as_u64().is_some_and(|n| n <= i32::MAX as u64);
    require(ok, "is not a replica count; use 1 for one Prometheus, 2 or more for an HA set (0: no pod)")
}

fn port(v: &Value) -> Result<(), String> {
    let ok = v.as_u64().is_some_and(|n| (1..=65535).contains(&n));
    require(ok, "is not a port; use a number from 1 to 65535")
}

fn cpu(v: &Value) -> Result<(), String> {
    text(v).and_then(CpuQuantity::parse).map(drop)
}

fn memory(v: &Value) -> Result<(), String> {
    text(v).and_then(ByteQuantity::parse).map(drop)
}

fn text(v: &Value) -> Result<&str, String> {
    v.as_str().ok_or_else(|| "is not text".to_string())
}

/// A Prometheus size above zero (zero is Prometheus's "no size limit"), read by the one parser the
/// claim-headroom rule uses too.
fn prometheus_bytes(v: &Value) -> Result<(), String> {
    match v.as_str().and_then(prometheus_size) {
        None => {
            Err("is not a Prometheus size; use a number with B, KB, MB, GB, TB, PB or EB like 10GB or 512MB".into())
        }
        Some(0) => {
            Err("is zero, which Prometheus reads as no size limit and the claim fills; use a size like 10GB".into())
        }
        Some(_) => Ok(()),
    }
}

fn duration(v: &Value, zero_allowed: bool) -> Result<(), String> {
    match text(v).and_then(PromDuration::parse) {
        Ok(d) if zero_allowed || !d.duration().is_zero() => Ok(()),
        Ok(_) => Err("is zero; use a Prometheus duration like 15s or 1m".into()),
        Err(why) => Err(why),
    }
}

fn alertmanager_service(v: &Value) -> Result<(), String> {
    require(
        matches(
            regex!(
                r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z]([-a-z0-9]*[a-z0-9])?:([0-9]{1,5}|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$"
            ),
            v,
        ),
        "is not NAMESPACE/SERVICE:PORT; write e.g. monitoring/alertmanager:web (a port name or number)",
    )
}

fn alertmanager_url(v: &Value) -> Result<(), String> {
    let ok = v.as_str().and_then(|s| reqwest::Url::parse(s).ok()).is_some_and(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some() && url.query().is_none()
    });
    require(ok, "is not an Alertmanager URL; write e.g. http://10.0.0.12:9093 or https://alerts.example.com/prefix")
}

fn url_path(v: &Value) -> Result<(), String> {
    let ok = v.as_str().is_some_and(|s| s.starts_with('/') && !s.contains(char::is_whitespace));
    require(ok, "is not a URL path; use a path starting with / like /metrics")
}

/// The flags the deployment template sets itself, and what to do instead. Prometheus refuses to
/// start when a flag is given twice, so a duplicate in extraArgs would crash the pod.
const FLAGS_SET_BY_TEMPLATE: &[(&str, &str)] = &[
    ("--config.file", "remove it: promctl manages the config file"),
    ("--storage.tsdb.path", "remove it: the data volume is mounted there"),
    ("--storage.tsdb.retention.time", "set retention.time instead"),
    ("--storage.tsdb.retention.size", "set retention.size instead"),
    ("--web.enable-lifecycle", "remove it: it is always on"),
    ("--web.external-url", "set externalUrl instead"),
    ("--web.route-prefix", "remove it: Prometheus serves at / (externalUrl sets the links)"),
];

fn extra_arg(v: &Value) -> Result<(), String> {
    let arg = v.as_str().unwrap_or_default();
    if !arg.starts_with("--") {
        return Err("is not a Prometheus flag; write flags like --web.external-url=http://prometheus.example".into());
    }
    let flag = arg.split('=').next().unwrap_or_default();
    match FLAGS_SET_BY_TEMPLATE.iter().find(|(f, _)| *f == flag) {
        Some((_, fix)) => Err(format!("is already set by promctl; {fix}")),
        None => Ok(()),
    }
}

/// Job names in the order values.yaml lists them (serde_json's `preserve_order` keeps the file's order).
fn default_job_order() -> &'static [String] {
    static ORDER: LazyLock<Vec<String>> = LazyLock::new(|| {
        let doc: Value = serde_saphyr::from_str(DEFAULTS).expect("templates/values.yaml is valid YAML");
        doc["scrape"]["jobs"].as_object().expect("scrape.jobs is a mapping").keys().cloned().collect()
    });
    &ORDER
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The checks' copies of template facts, held against what the templates render: a flag the
    /// Deployment sets that extraArgs may repeat, or a selector label podLabels may override, fails here.
    #[test]
    fn the_flags_and_selector_labels_values_guard_are_the_ones_the_templates_render() {
        let values = load_sets(&["externalUrl=https://prometheus.example"]).unwrap();
        let rendered = crate::render::render(&values, &[]).unwrap();
        let deployment = rendered.manifests.iter().find(|m| m.kind == "Deployment").unwrap();
        let container = &deployment.object.data["spec"]["template"]["spec"]["containers"][0];
        let mut set: Vec<&str> = container["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().split('=').next().unwrap())
            .collect();
        // Feature flags may be given more than once.
        set.retain(|flag| *flag != "--enable-feature");
        let guarded: Vec<&str> = FLAGS_SET_BY_TEMPLATE.iter().map(|(flag, _)| *flag).collect();
        assert_eq!(set, guarded);
        // Every selector of every workload and Service, with an HA pair and an Alertmanager, is guarded.
        let all = load_sets(&["replicas=2", "alertmanager.enabled=true"]).unwrap();
        let rendered = crate::render::render(&all, &[]).unwrap();
        let mut used: Vec<&str> = Vec::new();
        for m in &rendered.manifests {
            let selector = match m.kind.as_str() {
                "Deployment" => &m.object.data["spec"]["selector"]["matchLabels"],
                "Service" => &m.object.data["spec"]["selector"],
                _ => continue,
            };
            used.extend(selector.as_object().unwrap().keys().map(String::as_str));
        }
        used.sort();
        used.dedup();
        let unguarded: Vec<&&str> = used.iter().filter(|key| !SELECTOR_LABELS.contains(key)).collect();
        assert!(unguarded.is_empty(), "podLabels could override selector labels {unguarded:?}");
    }

    #[test]
    fn a_job_probe_that_is_not_promql_is_refused_naming_the_key() {
        let err = load_sets(&["scrape.jobs.redis.probes=[redis_up ==]"]).unwrap_err();
        assert!(
            err.starts_with(
                r#"values: scrape.jobs.redis.probes[0] = "redis_up ==" (from --set) is not valid PromQL: "#
            ),
            "{err}"
        );
        let v = load_sets(&["scrape.jobs.redis.probes=[redis_up == 1, redis_connected_clients > 0]"]).unwrap();
        assert_eq!(v.scrape.jobs["redis"].probes.len(), 2);
        assert_eq!(v.job_with_role(JobRole::AnnotatedServices).as_deref(), Some("kubernetes-service-endpoints"));
        let without = load_sets(&["scrape.jobs.kubernetes-service-endpoints.enabled=false"]).unwrap();
        assert_eq!(without.job_with_role(JobRole::AnnotatedServices), None);
    }

    #[test]
    fn a_quantity_the_renderer_cannot_write_is_refused_at_load() {
        let err = load_sets(&["resources.requests.cpu=0.5m"]).unwrap_err();
        assert!(
            err.starts_with(r#"values: resources.requests.cpu = "0.5m" (from --set) is not a CPU quantity"#),
            "{err}"
        );
        assert!(load_sets(&["storage.size=100m"]).unwrap_err().contains("is not a byte quantity"));
        let v = load_sets(&["resources.requests.cpu=250m", "service.type=NodePort"]).unwrap();
        assert_eq!((v.resources.requests.cpu.millicores(), v.service.type_), (250, ServiceType::NodePort));
        assert_eq!(choices::<AccessMode>(), ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"]);
    }

    /// The values issue 18 found rendering at exit 0 although the API server (or Prometheus, or the disk)
    /// would refuse them: each refused at load, naming the key and the fix.
    #[test]
    fn values_that_would_fail_later_are_refused_at_load_naming_the_key_and_the_fix() {
        let refused = [
            (
                vec!["resources.requests.memory=5Gi"],
                r#"resources.requests.memory = "5Gi" (from --set) is above resources.limits.memory = "4Gi" (from defaults)"#,
            ),
            (
                vec!["resources.requests.cpu=3"],
                r#"resources.requests.cpu = "3" (from --set) is above resources.limits.cpu = "2000m""#,
            ),
            (
                vec!["alertmanager.resources.limits.cpu=1m"],
                "lower alertmanager.resources.requests.cpu or raise alertmanager.resources.limits.cpu",
            ),
            (vec!["storage.size=0"], r#"storage.size = "0" (from --set) is zero"#),
            (vec!["retention.time=0s"], "which Prometheus reads as no time limit"),
            (vec!["retention.size=0GB"], "which Prometheus reads as no size limit"),
            (
                vec!["retention.size=1GB", "storage.size=60Mi"],
                "keep retention.size at most 80% of the claim (here at most 48MB)",
            ),
            // 10GB is 10 GiB: above 80% of 12Gi (9.6 GiB), though below 12 decimal GB.
            (
                vec!["storage.size=12Gi"],
                r#"retention.size = "10GB" (from defaults) leaves no room on storage.size = "12Gi" (from --set)"#,
            ),
        ];
        for (items, expected) in refused {
            let err = load_sets(&items).expect_err(&format!("{items:?} must be refused"));
            assert!(err.contains(expected), "{items:?}: {err}");
        }
        for items in [
            vec!["resources.requests.memory=4Gi"],
            vec!["storage.size=13Gi"],
            vec!["retention.size=48MB", "storage.size=60Mi"],
            vec!["retention.time=10y"],
        ] {
            assert!(load_sets(&items).is_ok(), "{items:?}: {:?}", load_sets(&items).err());
        }
    }

    fn sets(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn load_sets(items: &[&str]) -> Result<Values, String> {
        load(&[], &sets(items), None).map_err(|f| f.message)
    }

    /// A values file in a fresh temporary directory; returns its path.
    fn values_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("promctl-values-test-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("values.yaml");
        std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
        path
    }

    #[test]
    fn defaults_load_and_reproduce_the_seed() {
        let v = load(&[], &[], None).unwrap();
        assert_eq!((v.namespace.as_str(), v.name.as_str()), ("jewelry-shop", "prometheus"));
        assert_eq!(format!("{}:{}", v.image.repository, v.image.tag), "prom/prometheus:v2.48.0");
        assert_eq!((v.resources.requests.cpu.as_str(), v.resources.requests.memory.as_str()), ("500m", "1Gi"));
        assert_eq!((v.resources.limits.cpu.as_str(), v.resources.limits.memory.as_str()), ("2000m", "4Gi"));
        assert_eq!(
            (v.storage.size.as_str(), v.retention.time.as_str(), v.retention.size.as_str()),
            ("20Gi", "30d", "10GB")
        );
        assert_eq!(v.instance(), "jewelry-shop.prometheus");
        let jobs: Vec<_> = v.enabled_jobs().into_iter().map(|(name, job)| format!("{name} {}", job.interval)).collect();
        assert_eq!(
            jobs,
            [
                "django 15s",
                "postgresql 30s",
                "redis 30s",
                "nginx 30s",
                "celery 30s",
                "kubernetes-apiservers 30s",
                "kubernetes-nodes 30s",
                "kubernetes-cadvisor 30s",
                "kubernetes-pods 30s",
                "kubernetes-service-endpoints 30s",
                "prometheus 30s"
            ]
        );
        assert_eq!(v.to_json()["scrape"]["jobs"]["django"]["port"], 8000);
    }

    #[test]
    fn set_values_are_read_as_yaml_scalars() {
        let v = load_sets(&[
            "replicas=0",
            "scrape.jobs.redis.enabled=false",
            "extraArgs=[--web.page-title=Shop, --log.level=debug]",
            "resources.limits.cpu=2",
            "resources.requests.cpu=0.5",
            "storage.storageClass=",
        ])
        .unwrap();
        assert_eq!(v.replicas, 0);
        assert!(!v.scrape.jobs["redis"].enabled);
        assert_eq!(v.extra_args, ["--web.page-title=Shop", "--log.level=debug"]);
        assert_eq!((v.resources.limits.cpu.as_str(), v.resources.requests.cpu.as_str()), ("2", "0.5"));
        assert_eq!(v.storage.storage_class, "");
    }

    #[test]
    fn unknown_value_key_suggests_the_closest_one() {
        let err = load_sets(&["scrape.jobs.djnago.interval=1m"]).unwrap_err();
        assert_eq!(err, r#"values: unknown key "scrape.jobs.djnago" (from --set); did you mean "scrape.jobs.django"?"#);
        let file = values_file("typo", "image:\n  pullPolicey: Always\n");
        let err = load(std::slice::from_ref(&file), &[], None).unwrap_err().message;
        assert_eq!(
            err,
            format!(
                r#"values: unknown key "image.pullPolicey" (from {}); did you mean "image.pullPolicy"?"#,
                file.display()
            )
        );
    }

    #[test]
    fn new_jobs_are_unknown_keys_that_list_the_fixed_jobs() {
        let err = load_sets(&["scrape.jobs.mysql.port=9104"]).unwrap_err();
        assert!(err.starts_with(r#"values: unknown key "scrape.jobs.mysql" (from --set); the jobs are fixed by the templates: django, postgresql, redis, "#), "{err}");
        let err = load_sets(&["scrape.jobs.kubernetes-nodes.port=10250"]).unwrap_err();
        assert!(err.starts_with(r#"values: unknown key "scrape.jobs.kubernetes-nodes.port" (from --set); known keys under "scrape.jobs.kubernetes-nodes": "#), "{err}");
    }

    #[test]
    fn wrong_type_names_the_path_and_the_expected_type() {
        assert_eq!(
            load_sets(&["replicas=two"]).unwrap_err(),
            r#"values: replicas = "two" (from --set) is a string; expected a whole number"#
        );
        assert_eq!(
            load_sets(&["image.tag=2.1"]).unwrap_err(),
            "values: image.tag = 2.1 (from --set) is a fractional number; expected a string; quote it to keep it as text"
        );
        assert_eq!(
            load_sets(&["scrape.jobs.django=disabled"]).unwrap_err(),
            r#"values: scrape.jobs.django = "disabled" (from --set) is a string; expected a mapping"#
        );
        assert_eq!(
            load_sets(&["extraArgs=[--a, {b: 1}]"]).unwrap_err(),
            r#"values: extraArgs[1] = {"b":1} (from --set) is a mapping; expected a string; quote it to keep it as text"#
        );
    }

    #[test]
    fn bad_quantity_is_rejected_with_the_expected_form() {
        assert_eq!(
            load_sets(&["resources.requests.memory=1GB"]).unwrap_err(),
            r#"values: resources.requests.memory = "1GB" (from --set) is not a byte quantity; use a number with a suffix like 512Mi, 1Gi, 20Gi or 1G"#
        );
        assert!(
            load_sets(&["resources.limits.cpu=2 cores"])
                .unwrap_err()
                .contains("is not a CPU quantity; use cores like 2 or 0.5, or millicores like 500m")
        );
        assert!(load_sets(&["retention.size=10Gi"]).unwrap_err().contains("is not a Prometheus size"));
        assert!(
            load_sets(&["storage.size=20Gi", "resources.requests.memory=512Mi", "resources.limits.memory=1G"]).is_ok()
        );
    }

    #[test]
    fn bad_duration_names_the_file_it_came_from() {
        let file = values_file("duration", "scrape:\n  jobs:\n    django:\n      interval: 15 seconds\n");
        let err = load(std::slice::from_ref(&file), &[], None).unwrap_err().message;
        assert_eq!(
            err,
            format!(
                r#"values: scrape.jobs.django.interval = "15 seconds" (from {}) is not a duration; use a Prometheus duration like 15s or 1m"#,
                file.display()
            )
        );
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let err = load_sets(&[
            "replicas=-1",
            "service.port=70000",
            "image.pullPolicy=Sometimes",
            "namespace=Jewelry_Shop",
            "service.typ=NodePort",
            "nonsense",
        ])
        .unwrap_err();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 6, "{err}");
        assert!(lines[0].contains(r#"--set "nonsense" has no "="; use the form path=value"#), "{err}");
        assert!(
            err.contains(r#"values: unknown key "service.typ" (from --set); did you mean "service.type"?"#),
            "{err}"
        );
        assert!(
            err.contains("values: namespace = \"Jewelry_Shop\" (from --set) is not a valid Kubernetes name"),
            "{err}"
        );
        assert!(
            err.contains(
                "values: image.pullPolicy = \"Sometimes\" (from --set) is not one of Always, IfNotPresent, Never"
            ),
            "{err}"
        );
        assert!(err.contains("values: replicas = -1 (from --set) is not a replica count"), "{err}");
        assert!(
            err.contains("values: service.port = 70000 (from --set) is not a port; use a number from 1 to 65535"),
            "{err}"
        );
    }

    #[test]
    fn later_values_file_wins_and_lists_replace() {
        let first = values_file(
            "first",
            "replicas: 0\nextraArgs: [--web.page-title=A, --log.level=debug]\nimage: {tag: v2.47.0, pullPolicy: Always}\n",
        );
        let second = values_file("second", "extraArgs: [--query.timeout=1m]\nimage: {tag: v2.49.0}\n");
        let v = load(&[first, second], &[], None).unwrap();
        assert_eq!(v.replicas, 0);
        assert_eq!(v.extra_args, ["--query.timeout=1m"]);
        assert_eq!((v.image.tag.as_str(), v.image.pull_policy), ("v2.49.0", PullPolicy::Always));
        assert_eq!(v.image.repository, "prom/prometheus");
    }

    #[test]
    fn extra_jobs_and_external_labels_are_the_users_own_keys() {
        let file = values_file(
            "extra-jobs",
            "scrape:\n  externalLabels: {cluster: prod-eu, replica: 1}\n  extraJobs:\n    - job_name: shop-api\n      static_configs: [{targets: ['api:8080']}]\n",
        );
        let v = load(std::slice::from_ref(&file), &[], None).unwrap();
        assert_eq!(v.scrape.external_labels["cluster"], "prod-eu");
        assert_eq!(v.scrape.external_labels["replica"], "1", "numbers are read as the text they are");
        assert_eq!(v.scrape.extra_jobs[0]["job_name"], "shop-api");
        let err = load_sets(&["scrape.externalLabels.0bad=x", "scrape.extraJobs=[just-a-string]"]).unwrap_err();
        assert!(err.contains("scrape.externalLabels.0bad (from --set) is not a valid label name"), "{err}");
        assert!(err.contains("scrape.extraJobs[0]"), "{err}");
    }

    #[test]
    fn the_context_namespace_wins_over_the_default_only() {
        let from_context = load_with_context(&[], &[], None, Some("team-a")).unwrap();
        assert_eq!(
            (from_context.namespace.as_str(), from_context.namespace_source.as_str()),
            ("team-a", "the kubeconfig context")
        );
        let set = load_with_context(&[], &sets(&["namespace=from-set"]), None, Some("team-a")).unwrap();
        assert_eq!((set.namespace.as_str(), set.namespace_source.as_str()), ("from-set", "--set"));
        let flag = load_with_context(&[], &sets(&["namespace=from-set"]), Some("from-flag"), Some("team-a")).unwrap();
        assert_eq!((flag.namespace.as_str(), flag.namespace_source.as_str()), ("from-flag", "-n/--namespace"));
        let default = load_with_context(&[], &[], None, None).unwrap();
        assert_eq!((default.namespace.as_str(), default.namespace_source.as_str()), ("jewelry-shop", "defaults"));
    }

    #[test]
    fn set_after_file_wins_and_namespace_flag_wins_over_both() {
        let file = values_file("set-wins", "namespace: from-file\nscrape: {jobs: {django: {interval: 1m}}}\n");
        let v =
            load(std::slice::from_ref(&file), &sets(&["scrape.jobs.django.interval=45s", "namespace=from-set"]), None)
                .unwrap();
        assert_eq!((v.scrape.jobs["django"].interval.as_str(), v.namespace.as_str()), ("45s", "from-set"));
        let v = load(&[file], &sets(&["namespace=from-set"]), Some("from-flag")).unwrap();
        assert_eq!(v.namespace, "from-flag");
        assert_eq!(
            load(&[], &[], Some("Bad")).unwrap_err().message.lines().next().unwrap(),
            r#"values: namespace = "Bad" (from -n/--namespace) is not a valid Kubernetes name; use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"#
        );
    }

    #[test]
    fn missing_values_file_is_named() {
        let err = load(&[PathBuf::from("/nonexistent/promctl/values.yaml")], &[], None).unwrap_err();
        assert_eq!(err.kind, crate::error::FailureKind::BadInput);
        assert!(
            err.message
                .starts_with(r#"values: cannot read values file "/nonexistent/promctl/values.yaml" (from -f): "#),
            "{}",
            err.message
        );
    }

    #[test]
    fn invalid_yaml_file_is_named_with_its_location() {
        let file = values_file("invalid", "image:\n  tag: [unclosed\n");
        let err = load(std::slice::from_ref(&file), &[], None).unwrap_err().message;
        assert!(err.starts_with(&format!("values: {} is not valid YAML: ", file.display())), "{err}");
        let empty = values_file("empty", "# nothing to change\n");
        assert!(load(&[empty], &[], None).is_ok());
    }

    #[test]
    fn timeout_above_a_job_interval_is_rejected_in_values_terms() {
        let err = load_sets(&["scrape.jobs.django.interval=5s"]).unwrap_err();
        assert_eq!(
            err,
            r#"values: scrape.scrapeTimeout = "10s" (from defaults) is above scrape.jobs.django.interval = "5s" (from --set); Prometheus rejects a timeout longer than the interval: lower scrape.scrapeTimeout or raise scrape.jobs.django.interval"#
        );
        assert!(load_sets(&["scrape.jobs.django.interval=5s", "scrape.jobs.django.enabled=false"]).is_ok());
    }

    #[test]
    fn extra_args_are_flags_of_the_image_s_release() {
        let err = load_sets(&[
            "image.tag=v3.16.0",
            "extraArgs=[--storage.tsdb.retention=30d, '--enable-feature=native-histograms']",
        ])
        .unwrap_err();
        assert!(err.contains(r#"values: extraArgs[0] = "--storage.tsdb.retention=30d" (from --set) is a flag of Prometheus 2.48.0 only: Prometheus 3.16.0 would not start"#), "{err}");
        assert!(err.contains(r#"values: extraArgs[1] = "--enable-feature=native-histograms" (from --set) enables feature native-histograms, which Prometheus 3.16.0 does not have"#), "{err}");
        assert!(err.contains("(image.tag v3.16.0)"), "{err}");
        assert!(
            load_sets(&[
                "image.tag=v2.48.0",
                "extraArgs=[--storage.tsdb.retention=30d, '--enable-feature=native-histograms']"
            ])
            .is_ok()
        );
    }

    #[test]
    fn extra_args_must_not_repeat_flags_promctl_sets() {
        let err = load_sets(&["extraArgs=[--storage.tsdb.retention.time=90d, log.level=debug]"]).unwrap_err();
        assert!(err.contains(r#"values: extraArgs[0] = "--storage.tsdb.retention.time=90d" (from --set) is already set by promctl; set retention.time instead"#), "{err}");
        assert!(
            err.contains(r#"values: extraArgs[1] = "log.level=debug" (from --set) is not a Prometheus flag"#),
            "{err}"
        );
    }

    fn schema_verdict(doc: serde_json::Value) -> bool {
        jsonschema::validator_for(&json_schema()).unwrap().is_valid(&doc)
    }

    #[test]
    fn the_schema_accepts_the_defaults_and_rejects_what_promctl_rejects() {
        let defaults: Value = serde_saphyr::from_str(DEFAULTS).unwrap();
        assert!(schema_verdict(defaults.clone()), "the defaults");
        assert!(
            schema_verdict(serde_json::json!({"replicas": 1, "scrape": {"jobs": {"django": {"interval": "1m"}}}})),
            "a partial file"
        );
        for (what, bad) in [
            ("unknown key", serde_json::json!({"replicaz": 1})),
            ("unknown nested key", serde_json::json!({"storage": {"sise": "1Gi"}})),
            ("wrong type", serde_json::json!({"replicas": "two"})),
            ("not a choice", serde_json::json!({"image": {"pullPolicy": "Sometimes"}})),
            ("a list where a mapping goes", serde_json::json!({"nodeSelector": ["a"]})),
        ] {
            assert!(!schema_verdict(bad.clone()), "{what}: {bad}");
            let promctl = load_sets(&[&format!(
                "{}={}",
                bad.as_object().unwrap().keys().next().unwrap(),
                serde_json::to_string(bad.as_object().unwrap().values().next().unwrap()).unwrap()
            )]);
            assert!(promctl.is_err(), "promctl rejects it too: {what}");
        }
    }

    #[test]
    fn placement_and_alertmanager_values_are_checked_like_the_api_server_would() {
        let err = load_sets(&[
            "tolerations=[{key: dedicated, operator: Equal, value: monitoring, efect: NoSchedule}]",
            "affinity={nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerm: []}}}",
            "podLabels={app: other}",
            "nodeSelector={'bad key!': x}",
            "externalUrl=prometheus.example.com",
            "alertmanager.services=[alertmanager]",
            "alertmanager.urls=[ftp://x]",
            "imagePullSecrets=[Bad_Name]",
        ])
        .unwrap_err();
        for part in [
            r#"values: tolerations[0] (from --set) is not a core/v1 Toleration: it has no field "efect""#,
            r#"is not a core/v1 Affinity: it has no field "nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerm""#,
            "values: podLabels.app (from --set) is a label promctl sets to select the pods",
            r#"values: nodeSelector.bad key! (from --set): the key "bad key!" is not a valid key"#,
            "values: externalUrl = \"prometheus.example.com\" (from --set) is not a URL",
            "values: alertmanager.services[0] = \"alertmanager\" (from --set) is not NAMESPACE/SERVICE:PORT",
            "values: alertmanager.urls[0] = \"ftp://x\" (from --set) is not an Alertmanager URL",
            "values: imagePullSecrets[0] = \"Bad_Name\" (from --set) is not a valid Kubernetes name",
        ] {
            assert!(err.contains(part), "{part:?} missing from:\n{err}");
        }
        let good = load_sets(&[
            "tolerations=[{key: dedicated, operator: Equal, value: monitoring, effect: NoSchedule}]",
            "affinity={nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/os, operator: In, values: [linux]}]}]}}}",
            "nodeSelector={kubernetes.io/os: linux}",
            "podLabels={team: shop}",
            "alertmanager.services=[monitoring/alertmanager:web]",
            "alertmanager.urls=[https://alerts.example.com/am]",
        ]);
        assert!(good.is_ok(), "{good:?}");
    }
}
