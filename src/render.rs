//! Values -> manifests: one minijinja template per Kubernetes object, in templates/.
//!
//! Every rendered document is parsed back into a `DynamicObject` here, so a template that renders
//! invalid YAML fails `promctl render`, not a later apply.

use kube::api::DynamicObject;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use crate::error::Failure;
use crate::quantity::canonical_quantity;
use crate::values::Values;

/// The manifest templates in safe apply order: namespace, RBAC, config, storage, workload, service.
const TEMPLATES: [(&str, &str); 8] = [
    ("namespace.yaml", include_str!("../templates/namespace.yaml")),
    ("serviceaccount.yaml", include_str!("../templates/serviceaccount.yaml")),
    ("clusterrole.yaml", include_str!("../templates/clusterrole.yaml")),
    ("clusterrolebinding.yaml", include_str!("../templates/clusterrolebinding.yaml")),
    ("configmap.yaml", include_str!("../templates/configmap.yaml")),
    ("pvc.yaml", include_str!("../templates/pvc.yaml")),
    ("deployment.yaml", include_str!("../templates/deployment.yaml")),
    ("service.yaml", include_str!("../templates/service.yaml")),
];
const PROMETHEUS_YML: (&str, &str) = ("prometheus.yml", include_str!("../templates/prometheus.yml"));

/// One rendered Kubernetes object: its identity, the parsed object, and the text it came from.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub kind: String,
    pub name: String,
    /// None for cluster-scoped objects (Namespace, ClusterRole, ClusterRoleBinding).
    pub namespace: Option<String>,
    pub object: DynamicObject,
    pub yaml: String,
}

#[derive(Debug, Clone)]
pub struct Rendered {
    /// In safe apply order: Namespace, ServiceAccount, ClusterRole, ClusterRoleBinding, ConfigMap,
    /// PersistentVolumeClaim, Deployment, Service.
    pub manifests: Vec<Manifest>,
    /// The Prometheus config, exactly as the ConfigMap carries it.
    pub prometheus_yml: String,
}

impl Rendered {
    /// All manifests as one multi-document YAML stream: what `promctl render` prints.
    pub fn to_yaml(&self) -> String {
        let docs: Vec<&str> = self.manifests.iter().map(|m| m.yaml.as_str()).collect();
        format!("---\n{}", docs.join("---\n"))
    }

    /// The first manifest of that kind ("Deployment", "ConfigMap", ...).
    pub fn get(&self, kind: &str) -> Option<&Manifest> {
        self.manifests.iter().find(|m| m.kind == kind)
    }

    /// What the commands need to know about the rendered workload, read from the templates' own
    /// output, so that no selector, container name or path is typed a second time in Rust.
    pub fn workload(&self) -> Result<Workload, Failure> {
        let bug = |what: &str| {
            Failure::bad_input(format!(
                "render: templates/deployment.yaml renders no {what}; this is a bug in the templates"
            ))
        };
        let deployment = &self.get("Deployment").ok_or_else(|| bug("Deployment"))?.object.data;
        let template = &deployment["spec"]["template"];
        let labels = template["metadata"]["labels"].as_object().ok_or_else(|| bug("pod labels"))?;
        let pod_selector =
            labels.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect::<Vec<_>>().join(",");
        let container = &template["spec"]["containers"][0];
        let container_name = container["name"].as_str().ok_or_else(|| bug("container"))?.to_string();
        let config_path = container["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str()?.strip_prefix("--config.file="))
            .next()
            .ok_or_else(|| bug("--config.file argument"))?
            .to_string();
        Ok(Workload { pod_selector, container_name, config_path })
    }
}

/// Facts about the rendered Prometheus pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// Every label of the pod template: selects this install's pods and no one else's.
    pub pod_selector: String,
    pub container_name: String,
    /// Where Prometheus reads its config (the mounted ConfigMap).
    pub config_path: String,
}

/// The Prometheus major version an image tag names (`v2.48.0` -> 2, `3.16.0-distroless` -> 3). A tag
/// that names no version (`latest`, a digest) counts as the current major, 3.
pub fn prometheus_major(tag: &str) -> u64 {
    let digits: String = tag.trim_start_matches('v').chars().take_while(char::is_ascii_digit).collect();
    match digits.parse::<u64>() {
        Ok(major) if tag.trim_start_matches('v')[digits.len()..].starts_with('.') => major,
        _ => 3,
    }
}

/// Renders prometheus.yml, then every manifest, from already validated values.
pub fn render(values: &Values) -> Result<Rendered, Failure> {
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
    let prometheus_yml = render_template(&env, PROMETHEUS_YML.0, &context)?;
    context["prometheus_yml"] = prometheus_yml.clone().into();

    let mut manifests = Vec::with_capacity(TEMPLATES.len());
    for (name, _) in TEMPLATES {
        let yaml = render_template(&env, name, &context)?;
        manifests.push(parse_manifest(name, yaml)?);
    }
    let rendered = Rendered { manifests, prometheus_yml };

    // The config travels through a YAML block scalar; make sure it arrives byte for byte.
    let carried = rendered.get("ConfigMap").and_then(|m| m.object.data["data"]["prometheus.yml"].as_str());
    if carried != Some(rendered.prometheus_yml.as_str()) {
        return Err(Failure::bad_input(
            "render: the ConfigMap does not carry prometheus.yml unchanged; this is a bug in templates/configmap.yaml",
        ));
    }
    Ok(rendered)
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
    for (name, source) in TEMPLATES.into_iter().chain([PROMETHEUS_YML]) {
        env.add_template(name, source).map_err(|err| template_error(name, &err))?;
    }
    Ok(env)
}

fn render_template(env: &Environment, name: &str, context: &serde_json::Value) -> Result<String, Failure> {
    let template = env.get_template(name).map_err(|err| template_error(name, &err))?;
    template.render(Serde(context)).map_err(|err| template_error(name, &err))
}

fn template_error(name: &str, err: &minijinja::Error) -> Failure {
    Failure::bad_input(format!("render: templates/{name}: {err:#}"))
}

fn parse_manifest(template: &str, yaml: String) -> Result<Manifest, Failure> {
    let invalid = |why: String| Failure::bad_input(format!("render: templates/{template} rendered {why}"));
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
        render(&load(&[], &sets, None).unwrap()).unwrap()
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

    #[test]
    fn manifests_come_in_safe_apply_order_with_explicit_namespaces() {
        let rendered = render_with(&[]);
        let kinds: Vec<&str> = rendered.manifests.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(kinds, crate::cluster::KINDS, "the safe apply order the applier relies on");
        for m in &rendered.manifests {
            let cluster_scoped = matches!(m.kind.as_str(), "Namespace" | "ClusterRole" | "ClusterRoleBinding");
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
        let rendered = render_with(&["extraArgs=[--web.external-url=http://x:9090/, '--query.max-samples=50000000']"]);
        let args = &data(&rendered, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"];
        assert_eq!(args[5], "--web.external-url=http://x:9090/");
        assert_eq!(args[6], "--query.max-samples=50000000");
    }

    #[test]
    fn all_ten_jobs_are_rendered_with_their_intervals() {
        let rendered = render_with(&[]);
        let config = prometheus_config(&rendered);
        assert_eq!(
            config["global"],
            json!({"scrape_interval": "30s", "scrape_timeout": "10s", "evaluation_interval": "30s"})
        );
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

    fn rendered_job_names() -> [(&'static str, &'static str); 10] {
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
        ]
    }

    #[test]
    fn workload_facts_come_from_the_rendered_deployment() {
        let workload = render_with(&["name=prom"]).workload().unwrap();
        assert_eq!(
            workload,
            Workload {
                pod_selector: "app=prom,app.kubernetes.io/name=prometheus,app.kubernetes.io/instance=jewelry-shop.prom"
                    .into(),
                container_name: "prometheus".into(),
                config_path: "/etc/prometheus/prometheus.yml".into(),
            }
        );
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
        let summary = crate::promconfig::check(&rendered.prometheus_yml).unwrap();
        assert!(summary.jobs.iter().any(|j| j.name == "shop-api" && j.scrape_interval.as_secs() == 20));

        let typo = render_with(&["scrape.extraJobs=[{job_name: shop-api, metric_path: /m}]"]);
        let problems = crate::promconfig::check(&typo.prometheus_yml).unwrap_err();
        assert!(problems.iter().any(|p| p.to_string().contains(r#"did you mean "metrics_path"?"#)), "{problems:?}");
        let clash = render_with(&["scrape.extraJobs=[{job_name: django}]"]);
        let problems = crate::promconfig::check(&clash.prometheus_yml).unwrap_err();
        assert!(problems.iter().any(|p| p.to_string().contains("job names must be unique")), "{problems:?}");
    }

    #[test]
    fn the_major_version_comes_from_the_image_tag() {
        assert_eq!(prometheus_major("v2.48.0"), 2);
        assert_eq!(prometheus_major("3.16.0-distroless"), 3);
        assert_eq!(prometheus_major("v10.1.0"), 10);
        assert_eq!(prometheus_major("latest"), 3);
        assert_eq!(prometheus_major("v2"), 3, "no minor: not a version tag");
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

    #[test]
    fn disabling_a_job_removes_it() {
        let config = prometheus_config(&render_with(&[
            "scrape.jobs.redis.enabled=false",
            "scrape.jobs.kubernetes-nodes.enabled=false",
        ]));
        assert!(job(&config, "redis").is_none());
        assert!(job(&config, "kubernetes-nodes").is_none());
        assert!(job(&config, "django").is_some());
        assert_eq!(config["scrape_configs"].as_array().unwrap().len(), 8);
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
        let config = prometheus_config(&render(&values).unwrap());
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
}
