//! Values -> manifests: one minijinja template per Kubernetes object, in templates/.
//!
//! Every rendered document is parsed back into a `DynamicObject` here, so a template that renders
//! invalid YAML fails `promctl render`, not a later apply.

use kube::api::DynamicObject;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::error::Failure;
pub use crate::manifest::Manifest;
use crate::quantity::canonical_quantity;
use crate::rules::{CONFIGMAP_LIMIT, RuleFile, RuleSource};
use crate::values::Values;

/// templates/, embedded: every `*.yaml` there renders manifests, except values.yaml (the defaults)
/// and partials named `_*.yaml` (included by others). A new workload is new files here, nothing in Rust;
/// the order they are applied in comes from the kinds they render ([`crate::cluster::KINDS`]).
static TEMPLATES: include_dir::Dir = include_dir::include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The templates that render manifests, by file name.
fn manifest_templates() -> impl Iterator<Item = &'static str> {
    let mut names: Vec<&str> = TEMPLATES
        .files()
        .filter_map(|f| f.path().to_str())
        .filter(|name| name.ends_with(".yaml") && *name != "values.yaml" && !name.starts_with('_'))
        .collect();
    names.sort();
    names.into_iter()
}

/// The config templates beside the manifests (`*.yml`): prometheus.yml and the starter rules.
const PROMETHEUS_YML: &str = "prometheus.yml";
const STARTER_RULES: &str = "starter-rules.yml";
/// The least RBAC for `promctl validate` and `promctl install` as CI steps in the cluster
/// (`promctl rbac validate|install`).
const CI_RBAC_VALIDATE: &str = "ci-rbac-validate.yml";
const CI_RBAC_INSTALL: &str = "ci-rbac-install.yml";

#[derive(Debug, Clone)]
pub struct Rendered {
    /// In safe apply order: Namespace, ServiceAccount, ClusterRole, ClusterRoleBinding, ConfigMap,
    /// PersistentVolumeClaim, Deployment, Service.
    pub manifests: Vec<Manifest>,
    /// The Prometheus config, exactly as the ConfigMap carries it.
    pub prometheus_yml: String,
    /// The rule files beside it in the ConfigMap: the starter rules, then the team's.
    pub rule_files: Vec<RuleFile>,
}

impl Rendered {
    /// All manifests as one multi-document YAML stream: what `promctl render` prints.
    pub fn to_yaml(&self) -> String {
        let docs: Vec<&str> = self.manifests.iter().map(|m| m.yaml.as_str()).collect();
        format!("---\n{}", docs.join("---\n"))
    }

    /// The first manifest of that kind ("Deployment", "ConfigMap", ...): Prometheus's.
    pub fn get(&self, kind: &str) -> Option<&Manifest> {
        self.manifests.iter().find(|m| m.kind == kind)
    }

    /// Prometheus's ServiceAccount (the one the pods run as, whose permissions validate and doctor ask).
    pub fn service_account(&self) -> Result<&Manifest, Failure> {
        self.manifests
            .iter()
            .find(|m| m.kind == "ServiceAccount" && workload_kind(m) == Some("prometheus"))
            .ok_or_else(|| template_bug("serviceaccount.yaml", "ServiceAccount"))
    }

    /// Prometheus's ClusterRole: what its discovery may read.
    pub fn cluster_role(&self) -> Result<&Manifest, Failure> {
        self.manifests
            .iter()
            .find(|m| m.kind == "ClusterRole" && workload_kind(m) == Some("prometheus"))
            .ok_or_else(|| template_bug("clusterrole.yaml", "ClusterRole"))
    }

    /// Prometheus's ConfigMap: the one carrying prometheus.yml.
    pub fn prometheus_configmap(&self) -> Result<&Manifest, Failure> {
        self.manifests
            .iter()
            .find(|m| m.kind == "ConfigMap" && m.object.data["data"].get("prometheus.yml").is_some())
            .ok_or_else(|| template_bug("configmap.yaml", "ConfigMap with prometheus.yml"))
    }

    /// What the commands need to know about the rendered Prometheus workload, read from the
    /// templates' own output, so that no selector, container name or path is typed a second time in Rust.
    ///
    /// All of Prometheus's pods, every replica's: its selector is the labels the replicas' pods share.
    pub fn workload(&self) -> Result<Workload, Failure> {
        let mut replicas = self.replicas()?.into_iter();
        let mut all = replicas.next().ok_or_else(|| template_bug("deployment.yaml", "Deployment"))?;
        for replica in replicas {
            all.pod_labels.retain(|key, value| replica.pod_labels.get(key) == Some(value));
        }
        all.pod_selector = crate::cluster::label_selector(&all.pod_labels);
        Ok(all)
    }

    /// Each Prometheus replica (a Deployment of one pod, with its own claim), replica 0 first.
    pub fn replicas(&self) -> Result<Vec<Workload>, Failure> {
        self.manifests
            .iter()
            .filter(|m| m.kind == "Deployment" && workload_kind(m) == Some("prometheus"))
            .map(|deployment| workload_of(deployment, "deployment.yaml"))
            .collect()
    }

    /// Every workload rendered (a Deployment each), Prometheus's replicas first (replica 0 first),
    /// then the others (the Alertmanager, and whatever templates/ renders next) by name: what install
    /// waits for, and validate and doctor check, through one path.
    pub fn workloads(&self) -> Result<Vec<Workload>, Failure> {
        let mut all = self.replicas()?;
        for deployment in
            self.manifests.iter().filter(|m| m.kind == "Deployment" && workload_kind(m) != Some("prometheus"))
        {
            all.push(workload_of(deployment, "a Deployment template")?);
        }
        Ok(all)
    }

    /// The installed Alertmanager's workload, when `alertmanager.enabled`.
    pub fn alertmanager(&self) -> Result<Option<Workload>, Failure> {
        let name = "alertmanager-deployment.yaml";
        self.manifests
            .iter()
            .find(|m| m.kind == "Deployment" && workload_kind(m) == Some("alertmanager"))
            .map(|deployment| workload_of(deployment, name))
            .transpose()
    }

    /// The installed Alertmanager's ConfigMap (the one carrying alertmanager.yml).
    pub fn alertmanager_configmap(&self) -> Option<&Manifest> {
        self.manifests.iter().find(|m| m.kind == "ConfigMap" && m.object.data["data"].get("alertmanager.yml").is_some())
    }

    /// The installed Alertmanager's config, as its ConfigMap carries it.
    pub fn alertmanager_yml(&self) -> Option<&str> {
        self.alertmanager_configmap()?.object.data["data"]["alertmanager.yml"].as_str()
    }

    /// The Service in front of a workload's pods: the one with a cluster IP whose selector the pods'
    /// labels match (a headless one, the sidecars' discovery, is not in front of anything).
    pub fn service_of(&self, workload: &Workload) -> Option<&Manifest> {
        self.manifests.iter().find(|m| {
            m.kind == "Service"
                && m.object.data["spec"]["clusterIP"].as_str() != Some("None")
                && m.object.data["spec"]["selector"].as_object().is_some_and(|selector| {
                    selector.iter().all(|(k, v)| workload.pod_labels.get(k) == v.as_str().map(str::to_string).as_ref())
                })
        })
    }
}

fn template_bug(template: &str, what: &str) -> Failure {
    Failure::bug(format!("render: templates/{template} renders no {what}; this is a bug in the templates"))
}

/// A Deployment's `app.kubernetes.io/name`: "prometheus" or "alertmanager".
fn workload_kind(deployment: &Manifest) -> Option<&str> {
    deployment.object.metadata.labels.as_ref()?.get("app.kubernetes.io/name").map(String::as_str)
}

fn workload_of(deployment: &Manifest, template_name: &str) -> Result<Workload, Failure> {
    let bug = |what: &str| template_bug(template_name, what);
    let template = &deployment.object.data["spec"]["template"];
    let labels = template["metadata"]["labels"].as_object().ok_or_else(|| bug("pod labels"))?;
    let pod_labels: std::collections::BTreeMap<String, String> =
        labels.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect();
    let pod_selector = crate::cluster::label_selector(&pod_labels);
    let container = &template["spec"]["containers"][0];
    let container_name = container["name"].as_str().ok_or_else(|| bug("container"))?.to_string();
    let flag = |name: &str| {
        container["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str()?.strip_prefix(name)?.strip_prefix('='))
            .next()
            .map(str::to_string)
    };
    let config_path = flag("--config.file");
    let data_path = flag("--storage.tsdb.path");
    let role =
        pod_labels.get("app.kubernetes.io/name").cloned().ok_or_else(|| bug("app.kubernetes.io/name pod label"))?;
    let claim = template["spec"]["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
        .map(str::to_string);
    let port = container["ports"][0]["containerPort"]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| bug("container port"))?;
    Ok(Workload {
        role,
        deployment: deployment.name.clone(),
        pod_selector,
        pod_labels,
        container_name,
        config_path,
        data_path,
        claim,
        port,
    })
}

/// Facts about a rendered workload's pods (Prometheus's, or the installed Alertmanager's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// What it is (the pod template's app.kubernetes.io/name): "prometheus", "alertmanager", ...
    pub role: String,
    pub deployment: String,
    pub pod_labels: std::collections::BTreeMap<String, String>,
    /// Every label of the pod template: selects this install's pods and no one else's.
    pub pod_selector: String,
    pub container_name: String,
    /// Where it reads its config file (`--config.file`), if it takes one.
    pub config_path: Option<String>,
    /// Where it keeps its TSDB (`--storage.tsdb.path`), if it keeps one.
    pub data_path: Option<String>,
    /// The PersistentVolumeClaim its pod mounts, if any.
    pub claim: Option<String>,
    /// The container's (first) port: what a pod proxy reaches.
    pub port: u16,
}

impl Workload {
    /// Its role as people name it: "alertmanager" -> "Alertmanager".
    pub fn role_name(&self) -> String {
        let mut chars = self.role.chars();
        chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
    }
}

use crate::release::prometheus_major;

/// Renders the rule files, prometheus.yml, then every manifest, from already validated values and
/// the team's rule files (see [`crate::rules::read_sources`]).
pub fn render(values: &Values, team_rules: &[RuleSource]) -> Result<Rendered, Failure> {
    let env = environment()?;
    let mut context = values.to_json();
    context["instance"] = values.instance().into();
    context["prometheus_major"] = prometheus_major(&values.image.tag).into();
    // The API server stores quantities in canonical form (2000m -> 2). Rendering them so keeps a
    // re-apply a no-op: an applied form that differs from the stored one can make the API server write again.
    for path in [
        "/resources/requests/cpu",
        "/resources/requests/memory",
        "/resources/limits/cpu",
        "/resources/limits/memory",
        "/storage/size",
    ] {
        if let Some(q) = context.pointer_mut(path)
            && let Some(canonical) = q.as_str().and_then(canonical_quantity)
        {
            *q = canonical.into();
        }
    }
    context["image_pull_secrets"] =
        values.image_pull_secrets.iter().map(|name| serde_json::json!({ "name": name })).collect();
    context["alertmanagers"] = crate::alertmanager::template_context(&values.alertmanager);
    context["secrets_dir"] = crate::values::SECRETS_DIR.into();
    context["prometheus_replicas"] = serde_json::to_value(replicas(values)).expect("plain data");
    context["external_labels"] = external_labels(values)?;
    context["replica_env"] = REPLICA_ENV.into();
    // The jobs in values.yaml's order (the values keep them sorted by name): the config lists them so.
    context["job_order"] = values.scrape.jobs_in_file_order().into();
    context["replica_label"] = REPLICA_LABEL.into();
    context["replica_pod_label"] = REPLICA_POD_LABEL.into();
    context["alertmanager_secrets_dir"] = crate::alertmanager::SECRETS_DIR.into();
    if values.alertmanager.enabled {
        let yaml = serde_saphyr::to_string(&values.alertmanager.config).map_err(|err| {
            Failure::bad_input(format!("values: alertmanager.config cannot be written as YAML: {err}"))
        })?;
        context["alertmanager_yml"] = yaml.into();
    }
    let mut rule_files = Vec::new();
    let starter = starter_alerts();
    let unknown: Vec<&String> =
        values.rules.starter.disabled.iter().filter(|name| !starter.contains(&name.as_str())).collect();
    if !unknown.is_empty() {
        return Err(Failure::bad_input(format!(
            "values: rules.starter.disabled names {unknown:?}, which is no starter alert; the starter alerts are {}",
            starter.join(", ")
        )));
    }
    if values.rules.starter.enabled {
        let text = render_template(&env, STARTER_RULES, &context)?;
        rule_files.push(RuleFile::new(RuleSource {
            origin: "templates/starter-rules.yml".into(),
            stem: "starter".into(),
            text,
        }));
    }
    rule_files.extend(team_rules.iter().cloned().map(RuleFile::new));
    if let Some(twice) =
        rule_files.iter().enumerate().find_map(|(i, f)| rule_files[..i].iter().find(|g| g.key == f.key).map(|g| (g, f)))
    {
        return Err(Failure::bad_input(format!(
            "rules: {} and {} are the same file (same name and content); give it once",
            twice.0.origin, twice.1.origin
        )));
    }
    context["rule_files"] = serde_json::Value::Array(
        rule_files
            .iter()
            .map(|f| serde_json::json!({"key": f.key, "origin": f.origin, "text": f.text, "block": fits_block_scalar(&f.text)}))
            .collect(),
    );
    let prometheus_yml = render_template(&env, PROMETHEUS_YML, &context)?;
    context["prometheus_yml"] = prometheus_yml.clone().into();

    let mut manifests = Vec::new();
    for name in manifest_templates() {
        let yaml = render_template(&env, name, &context)?;
        // A template for an optional object renders nothing when the object is off; one for the
        // replicas renders a document per replica.
        for doc in yaml.split("\n---\n").filter(|doc| !doc.trim().is_empty()) {
            let doc = if doc.ends_with('\n') { doc.to_string() } else { format!("{doc}\n") };
            manifests.push(parse_manifest(name, doc)?);
        }
    }
    // The safe apply order is the kinds' (the KINDS table); within a kind Prometheus's objects come
    // first, then the others' by template name.
    let mut ordered = Vec::with_capacity(manifests.len());
    for manifest in manifests {
        let kind = crate::cluster::KINDS.iter().position(|k| k.kind == manifest.kind).ok_or_else(|| {
            Failure::bug(format!(
                "render: a template renders a {}, which promctl does not manage; add it to cluster::KINDS",
                manifest.kind
            ))
        })?;
        ordered.push(((kind, workload_kind(&manifest) != Some("prometheus")), manifest));
    }
    ordered.sort_by_key(|(key, _)| *key);
    let manifests: Vec<Manifest> = ordered.into_iter().map(|(_, manifest)| manifest).collect();
    let rendered = Rendered { manifests, prometheus_yml, rule_files };

    // The files travel through YAML block scalars; make sure each arrives byte for byte.
    let data = rendered.prometheus_configmap().ok().map(|m| &m.object.data["data"]);
    let files = [("prometheus.yml", rendered.prometheus_yml.as_str())]
        .into_iter()
        .chain(rendered.rule_files.iter().map(|f| (f.key.as_str(), f.text.as_str())));
    for (key, text) in files {
        if data.and_then(|d| d[key].as_str()) != Some(text) {
            return Err(Failure::bad_input(format!(
                "render: the ConfigMap does not carry {key} unchanged; this is a bug in templates/configmap.yaml"
            )));
        }
    }
    check_configmap_size(&rendered)?;
    Ok(rendered)
}

pub use crate::values::REPLICA_POD_LABEL;
/// The external label that tells replicas apart; a deduplicating store is configured with it.
pub const REPLICA_LABEL: &str = "replica";
/// The environment variable each replica's pod carries its name in; prometheus.yml's `replica`
/// external label expands it, so one ConfigMap serves every replica.
const REPLICA_ENV: &str = "PROMCTL_REPLICA";

/// One Prometheus replica's objects, as the templates name them.
#[derive(Debug, Clone, Serialize)]
struct Replica {
    deployment: String,
    claim: String,
    /// `spec.replicas` of its Deployment: 1, or 0 when values ask for no Prometheus at all.
    count: u32,
    /// Only in an HA pair (replicas >= 2): the value of its pod label and `replica` external label.
    label: Option<String>,
}

/// One Deployment and one claim per replica, each replica a Deployment of one pod. Replica 0 keeps
/// the seed's names (`prometheus` on `prometheus-storage`) and the others add `-N`, so going from one
/// replica to two and back keeps replica 0's data, and a replica that goes away leaves its claim
/// (apply keeps claims). A StatefulSet would name the claims `<template>-<set>-N`: the seed's volume
/// could not be carried over.
fn replicas(values: &Values) -> Vec<Replica> {
    let ha = values.replicas >= 2;
    let suffix = |base: &str, i: u32| if i == 0 { base.to_string() } else { format!("{base}-{i}") };
    (0..values.replicas.max(1))
        .map(|i| Replica {
            deployment: suffix(&values.name, i),
            claim: suffix(&values.storage.claim_name, i),
            count: values.replicas.min(1),
            label: ha.then(|| suffix(&values.name, i)),
        })
        .collect()
}

/// prometheus.yml's external labels: the user's, and in an HA pair `replica`, which each pod expands
/// from its environment (Prometheus 2.x only with `--enable-feature=expand-external-labels`, which the
/// Deployment then adds; 3.x always expands).
fn external_labels(values: &Values) -> Result<serde_json::Value, Failure> {
    let mut labels = serde_json::to_value(&values.scrape.external_labels).expect("plain data");
    if values.replicas >= 2 {
        if values.scrape.external_labels.contains_key(REPLICA_LABEL) {
            return Err(Failure::bad_input(format!(
                "values: scrape.externalLabels.{REPLICA_LABEL} is set, but with replicas = {} promctl sets `{REPLICA_LABEL}` per replica; remove it from scrape.externalLabels",
                values.replicas
            )));
        }
        labels[REPLICA_LABEL] = format!("${{{REPLICA_ENV}}}").into();
    }
    Ok(labels)
}

/// Every alert templates/starter-rules.yml can render, read from the template itself (its
/// `- alert: NAME` lines), so the list and the file cannot disagree.
pub fn starter_alerts() -> Vec<&'static str> {
    let source = TEMPLATES.get_file(STARTER_RULES).and_then(|f| f.contents_utf8()).unwrap_or_default();
    source.lines().filter_map(|line| line.trim_start().strip_prefix("- alert: ")).map(str::trim).collect()
}

/// A text a `|` block scalar carries unchanged: ends with one newline, no carriage returns or tabs
/// at a line start, first line not indented. Anything else goes as a quoted string.
fn fits_block_scalar(text: &str) -> bool {
    text.ends_with('\n')
        && !text.ends_with("\n\n")
        && !text.contains('\r')
        && !text.starts_with([' ', '\t', '\n'])
        && !text.lines().any(|l| l.starts_with('\t'))
}

/// The API server refuses a ConfigMap whose data passes 1 MiB; say so before anything is applied,
/// with the sizes, instead of a half-applied install.
fn check_configmap_size(rendered: &Rendered) -> Result<(), Failure> {
    let mut sizes: Vec<(&str, usize)> = vec![("prometheus.yml", rendered.prometheus_yml.len())];
    sizes.extend(rendered.rule_files.iter().map(|f| (f.origin.as_str(), f.key.len() + f.text.len())));
    let total: usize = sizes.iter().map(|(_, n)| n).sum::<usize>() + "prometheus.yml".len();
    if total <= CONFIGMAP_LIMIT {
        return Ok(());
    }
    sizes.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let largest: Vec<String> = sizes.iter().take(3).map(|(what, n)| format!("{what} {n} bytes")).collect();
    Err(Failure::bad_input(format!(
        "render: the config and rule files come to {total} bytes, above the {CONFIGMAP_LIMIT} bytes (1 MiB) a ConfigMap may hold; \
         nothing was applied. Largest: {}. Remove unused rules or groups, or move recording rules that \
         only feed dashboards elsewhere",
        largest.join(", ")
    )))
}

/// The ServiceAccount and RBAC a CI Job running `promctl validate` needs, for these values' namespace
/// and Prometheus ClusterRole, as YAML documents to apply.
pub fn ci_rbac_validate(values: &Values, service_account: &str) -> Result<String, Failure> {
    let env = environment()?;
    let mut context = values.to_json();
    context["service_account"] = service_account.into();
    render_template(&env, CI_RBAC_VALIDATE, &context)
}

/// The ServiceAccount and RBAC a CI Job running `promctl install` needs for what `rendered` holds:
/// the apply and watch rules from the same list the permission check before an install reads.
pub fn ci_rbac_install(values: &Values, rendered: &Rendered, service_account: &str) -> Result<String, Failure> {
    let env = environment()?;
    let mut context = values.to_json();
    context["service_account"] = service_account.into();
    context["secret_names"] = values.secret_names().into();
    let kinds: Vec<&str> = rendered.manifests.iter().map(|m| m.kind.as_str()).collect();
    let needs = crate::cluster::permissions::install_needs(&kinds);
    let rules = |namespaced: bool| -> serde_json::Value {
        let rules = needs.iter().filter(|n| n.namespaced == namespaced);
        rules.map(|n| serde_json::json!({ "group": n.group, "resource": n.resource, "verbs": n.verbs })).collect()
    };
    context["namespaced_rules"] = rules(true);
    context["cluster_rules"] = rules(false);
    render_template(&env, CI_RBAC_INSTALL, &context)
}

fn environment() -> Result<Environment<'static>, Failure> {
    let mut env = Environment::new();
    // A typo in a template must fail, not render an empty string.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // minijinja would JSON-escape every expression in a .yaml/.yml template; quoting is explicit
    // here (`| tojson`) so that numbers, comments and the indented config stay as written.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .expect("default delimiters are valid");
    env.set_syntax(syntax);
    // JSON is valid YAML and quotes whatever YAML would misread ("on", "0755", "1e3", ": ").
    // minijinja's own tojson escapes HTML characters, which is noise in YAML.
    env.add_filter("tojson", |value: minijinja::Value| {
        // Filters receive undefined values even in strict mode; a typo must still fail here.
        if value.is_undefined() {
            return Err(minijinja::Error::from(minijinja::ErrorKind::UndefinedError));
        }
        serde_json::to_string(&value).map(minijinja::Value::from_safe_string).map_err(|err| {
            minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, "cannot write as JSON").with_source(err)
        })
    });
    for file in TEMPLATES.files() {
        let (Some(name), Some(source)) = (file.path().to_str(), file.contents_utf8()) else {
            return Err(Failure::bug(format!("templates/{} is not UTF-8", file.path().display())));
        };
        if name != "values.yaml" {
            env.add_template(name, source).map_err(|err| template_error(name, &err))?;
        }
    }
    Ok(env)
}

fn render_template(env: &Environment, name: &str, context: &serde_json::Value) -> Result<String, Failure> {
    let template = env.get_template(name).map_err(|err| template_error(name, &err))?;
    template.render(Serde(context)).map_err(|err| template_error(name, &err))
}

fn template_error(name: &str, err: &minijinja::Error) -> Failure {
    Failure::bug(format!("render: templates/{name}: {err:#}; this is a bug in the templates"))
}

fn parse_manifest(template: &str, yaml: String) -> Result<Manifest, Failure> {
    let invalid = |why: String| {
        Failure::bug(format!("render: templates/{template} rendered {why}; this is a bug in the templates"))
    };
    let object: DynamicObject = serde_saphyr::from_str(&yaml).map_err(|err| invalid(format!("invalid YAML: {err}")))?;
    let kind = match &object.types {
        Some(types) if !types.kind.is_empty() && !types.api_version.is_empty() => types.kind.clone(),
        _ => return Err(invalid("an object without apiVersion and kind".into())),
    };
    let name = object.metadata.name.clone().ok_or_else(|| invalid(format!("a {kind} without metadata.name")))?;
    let namespace = object.metadata.namespace.clone();
    Ok(Manifest { kind, name, namespace, object, yaml })
}

#[cfg(test)]
mod tests {
    #[test]
    fn quantities_render_in_the_form_the_api_server_stores() {
        use crate::quantity::canonical_quantity as c;
        for (given, stored) in [
            ("2000m", "2"),
            ("500m", "500m"),
            ("0.5", "500m"),
            ("1500m", "1500m"),
            ("2", "2"),
            ("1Gi", "1Gi"),
            ("1024Mi", "1Gi"),
            ("1.5Gi", "1536Mi"),
            ("20Gi", "20Gi"),
            ("1000M", "1G"),
            ("10G", "10G"),
        ] {
            assert_eq!(c(given).as_deref(), Some(stored), "{given}");
        }
        assert_eq!(c("lots"), None);
    }

    use super::*;

    use crate::values::load;
    use serde_json::{Value, json};

    fn render_with(sets: &[&str]) -> Rendered {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        render(&load(&[], &sets, None).unwrap(), &[]).unwrap()
    }

    fn data(rendered: &Rendered, kind: &str) -> Value {
        rendered.get(kind).unwrap_or_else(|| panic!("no {kind}")).object.data.clone()
    }

    fn prometheus_config(rendered: &Rendered) -> Value {
        serde_saphyr::from_str(&rendered.prometheus_yml).unwrap()
    }

    fn job<'a>(config: &'a Value, name: &str) -> Option<&'a Value> {
        config["scrape_configs"].as_array()?.iter().find(|j| j["job_name"] == name)
    }

    #[test]
    fn default_render_matches_golden_file() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/default.yaml");
        let actual = render_with(&[]).to_yaml();
        if std::env::var_os("PROMCTL_UPDATE_GOLDEN").is_some_and(|v| v == "1") {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &actual).unwrap();
            return;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "rendered defaults differ from {}; if the change is intended, run PROMCTL_UPDATE_GOLDEN=1 cargo test --lib render",
            path.display()
        );
    }

    /// One model of what is rendered: every Deployment is a workload with its role, Prometheus's
    /// replicas first; the Alertmanager needs no line of Rust beyond its templates.
    #[test]
    fn every_rendered_deployment_is_a_workload_with_its_role() {
        let rendered = render_with(&["replicas=2", "alertmanager.enabled=true"]);
        let workloads = rendered.workloads().unwrap();
        let seen: Vec<(&str, &str, bool)> =
            workloads.iter().map(|w| (w.role.as_str(), w.deployment.as_str(), w.claim.is_some())).collect();
        assert_eq!(
            seen,
            [
                ("prometheus", "prometheus", true),
                ("prometheus", "prometheus-1", true),
                ("alertmanager", "prometheus-alertmanager", false)
            ]
        );
        assert_eq!(workloads[2].role_name(), "Alertmanager");
        assert!(rendered.service_of(&workloads[2]).is_some_and(|s| s.name == "prometheus-alertmanager"));
        assert_eq!(render_with(&[]).workloads().unwrap().len(), 1);
    }

    #[test]
    fn manifests_come_in_safe_apply_order_with_explicit_namespaces() {
        let rendered = render_with(&[]);
        let kinds: Vec<&str> = rendered.manifests.iter().map(|m| m.kind.as_str()).collect();
        let managed: Vec<&str> = crate::cluster::KINDS.iter().map(|k| k.kind).collect();
        assert_eq!(kinds, managed, "the safe apply order the applier relies on");
        for m in &rendered.manifests {
            let cluster_scoped = !crate::cluster::managed_kind(&m.kind).unwrap().namespaced;
            let expected = (!cluster_scoped).then(|| "jewelry-shop".to_string());
            assert_eq!(m.namespace, expected, "{}", m.kind);
        }
        assert!(rendered.to_yaml().starts_with("---\napiVersion: v1\nkind: Namespace\n"));
    }

    #[test]
    fn every_object_carries_the_promctl_labels() {
        let rendered = render_with(&["name=prom-a", "namespace=shop-b"]);
        for m in &rendered.manifests {
            let labels = m.object.metadata.labels.clone().unwrap_or_default();
            let get = |k: &str| labels.get(k).map(String::as_str);
            assert_eq!(get("app"), Some("prom-a"), "{}", m.kind);
            assert_eq!(get("app.kubernetes.io/name"), Some("prometheus"), "{}", m.kind);
            assert_eq!(get("app.kubernetes.io/instance"), Some("shop-b.prom-a"), "{}", m.kind);
            assert_eq!(get("app.kubernetes.io/managed-by"), Some("promctl"), "{}", m.kind);
        }
    }

    #[test]
    fn deployment_reproduces_the_seed() {
        let rendered = render_with(&[]);
        let deployment = data(&rendered, "Deployment");
        let spec = &deployment["spec"];
        assert_eq!(spec["replicas"], 1);
        assert_eq!(spec["strategy"], json!({"type": "Recreate"}));
        assert_eq!(
            spec["selector"]["matchLabels"],
            json!({"app": "prometheus"}),
            "the seed's selector, so promctl can take over the seed's Deployment (selectors are immutable)"
        );
        let pod = &spec["template"]["spec"];
        assert_eq!(pod["serviceAccountName"], "prometheus");
        assert_eq!(
            pod["securityContext"],
            json!({"runAsUser": 65534, "runAsGroup": 65534, "runAsNonRoot": true, "fsGroup": 65534, "seccompProfile": {"type": "RuntimeDefault"}})
        );
        assert!(spec["template"]["metadata"].get("annotations").is_none(), "no config-hash annotation: reload is live");
        let container = &pod["containers"][0];
        assert_eq!(container["name"], "prometheus");
        assert_eq!(container["image"], "prom/prometheus:v2.48.0");
        assert_eq!(container["imagePullPolicy"], "IfNotPresent");
        assert_eq!(
            container["args"],
            json!([
                "--config.file=/etc/prometheus/prometheus.yml",
                "--storage.tsdb.path=/prometheus",
                "--storage.tsdb.retention.time=30d",
                "--storage.tsdb.retention.size=10GB",
                "--web.enable-lifecycle"
            ])
        );
        assert_eq!(container["ports"], json!([{"name": "web", "containerPort": 9090, "protocol": "TCP"}]));
        assert_eq!(
            container["resources"],
            // 2000m as the API server stores it
            json!({"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}})
        );
        assert_eq!(container["readinessProbe"]["httpGet"], json!({"path": "/-/ready", "port": "web"}));
        assert_eq!(container["livenessProbe"]["httpGet"], json!({"path": "/-/healthy", "port": "web"}));
        assert_eq!(
            container["securityContext"],
            json!({"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}})
        );
        for mount in container["volumeMounts"].as_array().unwrap() {
            assert!(mount.get("subPath").is_none(), "subPath mounts never update: {mount}");
        }
        assert_eq!(
            pod["volumes"],
            json!([
                {"name": "config-volume", "configMap": {"name": "prometheus-config"}},
                {"name": "storage", "persistentVolumeClaim": {"claimName": "prometheus-storage"}}
            ])
        );
    }

    #[test]
    fn storage_service_and_rbac_reproduce_the_seed() {
        let rendered = render_with(&[]);
        let pvc = data(&rendered, "PersistentVolumeClaim");
        assert_eq!(rendered.get("PersistentVolumeClaim").unwrap().name, "prometheus-storage");
        assert_eq!(
            pvc["spec"],
            json!({"accessModes": ["ReadWriteOnce"], "storageClassName": "local-path", "resources": {"requests": {"storage": "20Gi"}}})
        );
        let service = data(&rendered, "Service");
        assert_eq!(service["spec"]["type"], "ClusterIP");
        assert_eq!(service["spec"]["selector"], data(&rendered, "Deployment")["spec"]["selector"]["matchLabels"]);
        let rules = &data(&rendered, "ClusterRole")["rules"];
        assert_eq!(rules[0]["resources"], json!(["nodes", "nodes/metrics", "services", "pods"]));
        assert_eq!(rules[0]["verbs"], json!(["get", "list", "watch"]));
        assert_eq!(
            rules[1],
            json!({"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list", "watch"]})
        );
        assert_eq!(rules[2], json!({"nonResourceURLs": ["/metrics"], "verbs": ["get"]}));
        let binding = data(&rendered, "ClusterRoleBinding");
        assert_eq!(
            binding["subjects"],
            json!([{"kind": "ServiceAccount", "name": "prometheus", "namespace": "jewelry-shop"}])
        );
        assert_eq!(binding["roleRef"]["name"], "prometheus");
    }

    #[test]
    fn every_service_port_sets_protocol_tcp() {
        let rendered = render_with(&["service.type=NodePort", "service.port=9091"]);
        let ports = data(&rendered, "Service")["spec"]["ports"].clone();
        assert_eq!(ports, json!([{"name": "web", "port": 9091, "targetPort": "web", "protocol": "TCP"}]));
    }

    #[test]
    fn empty_storage_class_leaves_the_cluster_default() {
        let pvc = data(&render_with(&["storage.storageClass="]), "PersistentVolumeClaim");
        assert!(pvc["spec"].get("storageClassName").is_none());
    }

    #[test]
    fn extra_args_are_appended_and_quoted() {
        let rendered = render_with(&["extraArgs=[--web.page-title=Shop, '--query.max-samples=50000000']"]);
        let args = &data(&rendered, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"];
        assert_eq!(args[5], "--web.page-title=Shop");
        assert_eq!(args[6], "--query.max-samples=50000000");
    }

    #[test]
    fn all_eleven_jobs_are_rendered_with_their_intervals() {
        let rendered = render_with(&[]);
        let config = prometheus_config(&rendered);
        assert_eq!(
            config["global"],
            json!({"scrape_interval": "30s", "scrape_timeout": "10s", "evaluation_interval": "30s"})
        );
        // The starter rules, by the file name the ConfigMap carries them under.
        let starter = &rendered.rule_files[0];
        assert_eq!(config["rule_files"], json!([starter.key]));
        assert_eq!(data(&rendered, "ConfigMap")["data"][&starter.key], starter.text.as_str());
        let jobs: Vec<(String, String)> = config["scrape_configs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| (j["job_name"].as_str().unwrap().to_string(), j["scrape_interval"].as_str().unwrap().to_string()))
            .collect();
        let expected: Vec<(String, String)> =
            rendered_job_names().iter().map(|(n, i)| (n.to_string(), i.to_string())).collect();
        assert_eq!(jobs, expected);
        // The ConfigMap carries the same text.
        assert_eq!(data(&rendered, "ConfigMap")["data"]["prometheus.yml"], rendered.prometheus_yml.as_str());
    }

    fn rendered_job_names() -> [(&'static str, &'static str); 11] {
        [
            ("django", "15s"),
            ("postgresql", "30s"),
            ("redis", "30s"),
            ("nginx", "30s"),
            ("celery", "30s"),
            ("kubernetes-apiservers", "30s"),
            ("kubernetes-nodes", "30s"),
            ("kubernetes-cadvisor", "30s"),
            ("kubernetes-pods", "30s"),
            ("kubernetes-service-endpoints", "30s"),
            ("prometheus", "30s"),
        ]
    }

    #[test]
    fn an_ha_set_is_a_deployment_and_a_claim_per_replica_and_replica_0_keeps_the_seeds_names() {
        let one = render_with(&[]);
        let pair = render_with(&["replicas=2", "alertmanager.enabled=true"]);
        let names = |r: &Rendered, kind: &str| -> Vec<String> {
            r.manifests.iter().filter(|m| m.kind == kind).map(|m| m.name.clone()).collect()
        };
        assert_eq!(names(&pair, "PersistentVolumeClaim"), ["prometheus-storage", "prometheus-storage-1"]);
        assert_eq!(names(&pair, "Deployment"), ["prometheus", "prometheus-1", "prometheus-alertmanager"]);
        let replicas = pair.replicas().unwrap();
        assert_eq!(replicas.len(), 2);
        assert_eq!(replicas[1].claim.as_deref(), Some("prometheus-storage-1"));
        assert_eq!(replicas[0].port, 9090);
        // Replica 0's selector stays the seed's (immutable); each replica's pods carry their name.
        let deployments: Vec<&Manifest> = pair.manifests.iter().filter(|m| m.kind == "Deployment").collect();
        assert_eq!(deployments[0].object.data["spec"]["selector"], json!({"matchLabels": {"app": "prometheus"}}));
        assert_eq!(
            deployments[1].object.data["spec"]["selector"],
            json!({"matchLabels": {"app": "prometheus", REPLICA_POD_LABEL: "prometheus-1"}})
        );
        assert!(replicas[0].pod_selector.contains(&format!("{REPLICA_POD_LABEL}=prometheus")));
        assert_eq!(pair.workload().unwrap().pod_selector, one.workload().unwrap().pod_selector, "all replicas' pods");
        assert_eq!(pair.service_of(&pair.workload().unwrap()).unwrap().name, "prometheus");
        for (deployment, replica) in deployments.iter().zip(["prometheus", "prometheus-1"]) {
            let container = &deployment.object.data["spec"]["template"]["spec"]["containers"][0];
            assert_eq!(deployment.object.data["spec"]["replicas"], 1);
            assert_eq!(container["env"], json!([{"name": REPLICA_ENV, "value": replica}]));
            assert!(container["args"].as_array().unwrap().contains(&json!("--enable-feature=expand-external-labels")));
        }
        // One ConfigMap: the replica label is expanded by each pod; alerts lose it before Alertmanager.
        let config = prometheus_config(&pair);
        assert_eq!(config["global"]["external_labels"][REPLICA_LABEL], "${PROMCTL_REPLICA}");
        assert_eq!(
            config["alerting"]["alert_relabel_configs"],
            json!([{"action": "labeldrop", "regex": REPLICA_LABEL}])
        );
        crate::promconfig::check(&pair.prometheus_yml, 3).unwrap();
        // Prometheus 3 expands external labels without the flag.
        let three = render_with(&["replicas=2", "image.tag=v3.16.0"]);
        let container = &three.get("Deployment").unwrap().object.data["spec"]["template"]["spec"]["containers"][0];
        assert!(!container["args"].to_string().contains("expand-external-labels"));
        // One Prometheus renders none of it.
        assert!(
            one.get("Deployment").unwrap().object.data["spec"]["template"]["spec"]["containers"][0]["env"].is_null()
        );
        assert!(prometheus_config(&one)["global"]["external_labels"].is_null());
        // The user cannot also set the label promctl sets per replica.
        let values = load(&[], &["replicas=2".into(), "scrape.externalLabels.replica=a".into()], None).unwrap();
        let err = render(&values, &[]).unwrap_err().to_string();
        assert!(err.contains("scrape.externalLabels.replica is set, but with replicas = 2"), "{err}");
    }

    #[test]
    fn workload_facts_come_from_the_rendered_deployment() {
        let rendered = render_with(&["name=prom"]);
        let workload = rendered.workload().unwrap();
        assert_eq!(workload.deployment, "prom");
        assert_eq!(
            workload.pod_selector,
            "app=prom,app.kubernetes.io/instance=jewelry-shop.prom,app.kubernetes.io/name=prometheus"
        );
        assert_eq!(
            (workload.container_name.as_str(), workload.config_path.as_deref().unwrap_or_default()),
            ("prometheus", "/etc/prometheus/prometheus.yml")
        );
        assert_eq!(rendered.service_of(&workload).unwrap().name, "prometheus");
        assert_eq!(rendered.alertmanager().unwrap(), None);

        let with_am = render_with(&["name=prom", "alertmanager.enabled=true", "podLabels={team: shop}"]);
        let am = with_am.alertmanager().unwrap().unwrap();
        assert_eq!(
            (am.deployment.as_str(), am.container_name.as_str(), am.config_path.as_deref().unwrap_or_default()),
            ("prom-alertmanager", "alertmanager", "/etc/alertmanager/alertmanager.yml")
        );
        assert_eq!(with_am.service_of(&am).unwrap().name, "prom-alertmanager");
        assert_eq!(with_am.workload().unwrap().pod_labels["team"], "shop");
        assert_eq!(with_am.get("Deployment").unwrap().name, "prom", "Prometheus's objects come first");
    }

    #[test]
    fn extra_jobs_and_external_labels_reach_prometheus_yml_and_its_check() {
        let rendered = render_with(&[
            "scrape.externalLabels.cluster=prod-eu",
            "scrape.extraJobs=[{job_name: shop-api, scrape_interval: 20s, static_configs: [{targets: ['api:8080']}]}]",
        ]);
        let config = prometheus_config(&rendered);
        assert_eq!(config["global"]["external_labels"], json!({"cluster": "prod-eu"}));
        let extra = job(&config, "shop-api").expect("the extra job is rendered");
        assert_eq!(extra["static_configs"], json!([{"targets": ["api:8080"]}]));
        let summary = crate::promconfig::check(&rendered.prometheus_yml, 3).unwrap();
        assert!(summary.jobs.iter().any(|j| j.name == "shop-api" && j.scrape_interval.as_secs() == 20));

        let typo = render_with(&["scrape.extraJobs=[{job_name: shop-api, metric_path: /m}]"]);
        let problems = crate::promconfig::check(&typo.prometheus_yml, 3).unwrap_err();
        assert!(problems.iter().any(|p| p.to_string().contains(r#"did you mean "metrics_path"?"#)), "{problems:?}");
        let clash = render_with(&["scrape.extraJobs=[{job_name: django}]"]);
        let problems = crate::promconfig::check(&clash.prometheus_yml, 3).unwrap_err();
        assert!(problems.iter().any(|p| p.to_string().contains("job names must be unique")), "{problems:?}");
    }

    /// What validate knows of the sidecar (its container and HTTP port) is what the template renders,
    /// with the block durations the sidecar needs and the headless discovery Service.
    #[test]
    fn the_thanos_sidecar_is_rendered_as_validate_reaches_it() {
        use crate::validation::thanos::{SIDECAR_CONTAINER, SIDECAR_HTTP_PORT};
        let rendered = render_with(&["thanos.sidecar.enabled=true", "replicas=2"]);
        let deployments: Vec<&Manifest> = rendered.manifests.iter().filter(|m| m.kind == "Deployment").collect();
        assert_eq!(deployments.len(), 2);
        for deployment in deployments {
            let containers = deployment.object.data["spec"]["template"]["spec"]["containers"].as_array().unwrap();
            let sidecar = containers.iter().find(|c| c["name"] == SIDECAR_CONTAINER).expect("a sidecar per replica");
            let ports: Vec<u64> =
                sidecar["ports"].as_array().unwrap().iter().filter_map(|p| p["containerPort"].as_u64()).collect();
            assert_eq!(ports, [10901, u64::from(SIDECAR_HTTP_PORT)]);
            let args: Vec<&str> = containers[0]["args"].as_array().unwrap().iter().filter_map(|a| a.as_str()).collect();
            assert!(
                args.contains(&"--storage.tsdb.min-block-duration=2h")
                    && args.contains(&"--storage.tsdb.max-block-duration=2h"),
                "{args:?}"
            );
        }
        let headless = rendered.manifests.iter().find(|m| m.name == "prometheus-thanos-grpc").unwrap();
        assert_eq!(headless.object.data["spec"]["clusterIP"], "None");
        let workload = rendered.replicas().unwrap().remove(0);
        assert_eq!(
            rendered.service_of(&workload).unwrap().name,
            "prometheus",
            "the headless Service is in front of nothing"
        );
    }

    #[test]
    fn only_prometheus_3_gets_a_fallback_scrape_protocol() {
        let fallbacks = |sets: &[&str]| -> Vec<String> {
            let config = prometheus_config(&render_with(sets));
            config["scrape_configs"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|j| j["fallback_scrape_protocol"] == "PrometheusText0.0.4")
                .map(|j| j["job_name"].as_str().unwrap().to_string())
                .collect()
        };
        assert!(fallbacks(&[]).is_empty(), "Prometheus 2.48 rejects the field");
        assert_eq!(
            fallbacks(&["image.tag=v3.16.0"]),
            ["django", "postgresql", "redis", "nginx", "celery", "kubernetes-pods", "kubernetes-service-endpoints"]
        );
    }

    fn starter_alerts(rendered: &Rendered) -> Vec<String> {
        let groups = crate::rules::check(&rendered.rule_files, 2).unwrap();
        groups.iter().flat_map(|g| g.rules.iter().map(|r| r.name.clone())).collect()
    }

    #[test]
    fn starter_rules_pass_the_rule_check_and_list_every_starter_alert() {
        assert_eq!(starter_alerts(&render_with(&[])), super::starter_alerts());
        assert_eq!(super::starter_alerts().len(), 10, "{:?}", super::starter_alerts());
        assert_eq!(render_with(&["image.tag=v3.16.0"]).rule_files.len(), 1);
        let fewer = render_with(&["rules.starter.disabled=[Watchdog]", "scrape.jobs.redis.enabled=false"]);
        let names = starter_alerts(&fewer);
        assert!(!names.iter().any(|n| n == "Watchdog" || n == "RedisDown"), "{names:?}");
        assert_eq!(names.len(), super::starter_alerts().len() - 2);
        let none = render_with(&["rules.starter.enabled=false"]);
        assert!(none.rule_files.is_empty());
        assert!(prometheus_config(&none).get("rule_files").is_none());
    }

    #[test]
    fn an_unknown_starter_alert_to_disable_is_refused_with_the_list() {
        let values = load(&[], &["rules.starter.disabled=[Watchdgo]".to_string()], None).unwrap();
        let err = render(&values, &[]).unwrap_err();
        assert!(
            err.message.contains(r#"["Watchdgo"]"#) && err.message.contains("Watchdog, TargetDown"),
            "{}",
            err.message
        );
    }

    #[test]
    fn team_rule_files_travel_beside_the_config_and_a_too_big_configmap_is_refused() {
        let values = load(&[], &[], None).unwrap();
        let team = RuleSource { origin: "team/shop.yml".into(), stem: "shop".into(), text: "groups: []\n".into() };
        let indented = RuleSource { origin: "odd.yml".into(), stem: "odd".into(), text: "  groups: []".into() };
        let rendered = render(&values, &[team.clone(), indented]).unwrap();
        let keys: Vec<&str> = rendered.rule_files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(prometheus_config(&rendered)["rule_files"], json!(keys));
        assert!(keys[1].starts_with("rules-shop-") && keys[2].starts_with("rules-odd-"), "{keys:?}");

        let huge = RuleSource { text: format!("# {}\ngroups: []\n", "x".repeat(CONFIGMAP_LIMIT)), ..team };
        let err = render(&values, &[huge]).unwrap_err();
        assert!(err.message.contains("above the 1048576 bytes (1 MiB) a ConfigMap may hold"), "{}", err.message);
        assert!(err.message.contains("team/shop.yml 10"), "{}", err.message);
    }

    #[test]
    fn disabling_a_job_removes_it() {
        let config = prometheus_config(&render_with(&[
            "scrape.jobs.redis.enabled=false",
            "scrape.jobs.kubernetes-nodes.enabled=false",
        ]));
        assert!(job(&config, "redis").is_none());
        assert!(job(&config, "kubernetes-nodes").is_none());
        assert!(job(&config, "django").is_some());
        assert_eq!(config["scrape_configs"].as_array().unwrap().len(), 9);
    }

    #[test]
    fn per_job_interval_and_port_come_from_values() {
        let config = prometheus_config(&render_with(&[
            "scrape.jobs.postgresql.interval=1m",
            "scrape.jobs.django.port=8080",
            "scrape.namespaces=[shop, shop-jobs]",
        ]));
        assert_eq!(job(&config, "postgresql").unwrap()["scrape_interval"], "1m");
        let django = job(&config, "django").unwrap();
        assert_eq!(
            django["relabel_configs"][0],
            json!({"source_labels": ["__meta_kubernetes_pod_container_port_number"], "action": "keep", "regex": "8080"})
        );
        assert_eq!(django["kubernetes_sd_configs"][0]["namespaces"]["names"], json!(["shop", "shop-jobs"]));
    }

    #[test]
    fn application_jobs_default_to_the_install_namespace() {
        let values = load(&[], &[], Some("shop-ci")).unwrap();
        let config = prometheus_config(&render(&values, &[]).unwrap());
        assert_eq!(
            job(&config, "celery").unwrap()["kubernetes_sd_configs"][0],
            json!({"role": "pod", "namespaces": {"names": ["shop-ci"]}})
        );
    }

    #[test]
    fn no_job_depends_on_cluster_dns() {
        let yml = render_with(&[]).prometheus_yml;
        assert!(!yml.contains(".svc"), "{yml}");
        assert!(!yml.contains("kubernetes.default"), "{yml}");
        let config = prometheus_config(&render_with(&[]));
        let nodes = job(&config, "kubernetes-nodes").unwrap();
        assert_eq!(nodes["tls_config"], json!({"insecure_skip_verify": true}));
        assert_eq!(
            nodes["relabel_configs"],
            json!([{"action": "labelmap", "regex": "__meta_kubernetes_node_label_(.+)"}])
        );
    }

    #[test]
    fn template_typo_fails_instead_of_rendering_empty() {
        let env = environment().unwrap();
        let err = env.render_str("name: {{ nmae | tojson }}", Serde(json!({"name": "x"}))).unwrap_err();
        assert_eq!(err.kind(), minijinja::ErrorKind::UndefinedError);
    }

    #[test]
    fn tojson_quotes_what_yaml_would_misread() {
        let env = environment().unwrap();
        let out = env.render_str("a: {{ v | tojson }}", Serde(json!({"v": "on"}))).unwrap();
        let parsed: Value = serde_saphyr::from_str(&out).unwrap();
        assert_eq!(parsed["a"], "on");
    }

    #[test]
    fn placement_reaches_both_pod_specs_and_alerting_follows_the_values() {
        let rendered = render_with(&[
            "alertmanager.enabled=true",
            "nodeSelector={kubernetes.io/os: linux}",
            "tolerations=[{key: dedicated, operator: Exists}]",
            "priorityClassName=monitoring",
            "imagePullSecrets=[registry]",
            "podAnnotations={team: shop}",
            "serviceAccount.annotations={example.com/role: r}",
            "service.annotations={example.com/lb: internal}",
            "externalUrl=https://prometheus.example.com/shop",
            "alertmanager.urls=[http://10.0.0.12:9093]",
            "secrets=[shop-api-auth]",
        ]);
        let deployments: Vec<&Manifest> = rendered.manifests.iter().filter(|m| m.kind == "Deployment").collect();
        assert_eq!(deployments.len(), 2);
        for deployment in deployments {
            let pod = &deployment.object.data["spec"]["template"];
            assert_eq!(pod["spec"]["nodeSelector"], json!({"kubernetes.io/os": "linux"}), "{}", deployment.name);
            assert_eq!(pod["spec"]["tolerations"], json!([{"key": "dedicated", "operator": "Exists"}]));
            assert_eq!(pod["spec"]["priorityClassName"], "monitoring");
            assert_eq!(pod["spec"]["imagePullSecrets"], json!([{"name": "registry"}]));
            assert_eq!(pod["metadata"]["annotations"], json!({"team": "shop"}));
        }
        let prometheus_pod = &data(&rendered, "Deployment")["spec"]["template"]["spec"];
        assert_eq!(
            prometheus_pod["containers"][0]["volumeMounts"][2],
            json!({"name": "secret-0", "mountPath": "/etc/prometheus-secrets/shop-api-auth", "readOnly": true})
        );
        assert_eq!(
            prometheus_pod["volumes"][2],
            json!({"name": "secret-0", "secret": {"secretName": "shop-api-auth"}})
        );
        let account = rendered.get("ServiceAccount").unwrap();
        assert_eq!(account.object.metadata.annotations.as_ref().unwrap()["example.com/role"], "r");
        let args = &data(&rendered, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"];
        assert!(args.as_array().unwrap().iter().any(|a| a == "--web.external-url=https://prometheus.example.com/shop"));
        assert!(args.as_array().unwrap().iter().any(|a| a == "--web.route-prefix=/"));
        let service = rendered.manifests.iter().find(|m| m.kind == "Service" && m.name == "prometheus").unwrap();
        assert_eq!(service.object.metadata.annotations.as_ref().unwrap()["example.com/lb"], "internal");

        let alerting = &prometheus_config(&rendered)["alerting"]["alertmanagers"];
        assert_eq!(alerting.as_array().unwrap().len(), 2, "{alerting}");
        assert_eq!(alerting[0]["relabel_configs"][0]["regex"], "prometheus-alertmanager;web");
        assert_eq!(alerting[1]["static_configs"][0]["targets"], json!(["10.0.0.12:9093"]));
        assert!(prometheus_config(&render_with(&[])).get("alerting").is_none(), "no Alertmanager, no alerting section");
        let config: serde_json::Value = serde_saphyr::from_str(rendered.alertmanager_yml().unwrap()).unwrap();
        assert_eq!(config["route"]["receiver"], "null", "the default config, as YAML that reads back");
    }
}
