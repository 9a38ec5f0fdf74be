//! validate, reload and port-forward against the real test bed, with the shop workload's real exporters.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use promctl::cluster::readiness;

use common::Installed;

const SHOP: &str = include_str!("shop/shop.yaml");

/// Waits until every Deployment in the namespace is rolled out (readiness rules of promctl itself).
async fn wait_rolled_out(client: &Client, ns: &str) {
    let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
    common::eventually("every Deployment rolled out", Duration::from_secs(120), || async {
        let all = api.list(&ListParams::default()).await.unwrap().items;
        all.iter().all(|d| readiness::deployment(Some(d)).is_ready()).then_some(())
    })
    .await;
}

async fn scale(client: &Client, ns: &str, name: &str, replicas: i32) {
    let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let patch = serde_json::json!({"spec": {"replicas": replicas}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
}

/// Scales Prometheus to 0 and returns once its pod is gone.
async fn scale_prometheus_to_zero(client: &Client, ns: &str) {
    scale(client, ns, "prometheus", 0).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    common::eventually("Prometheus's pod gone", Duration::from_secs(90), || async {
        pods.list(&ListParams::default().labels("app=prometheus")).await.unwrap().items.is_empty().then_some(())
    })
    .await;
}

/// Waits until Prometheus's own target list satisfies `seen`: service discovery reaches the scrape
/// manager at most every 5 s, so a change in the cluster shows in /api/v1/targets a few seconds later.
async fn wait_for_targets(
    client: &Client,
    ns: &str,
    what: &str,
    seen: impl Fn(&[promctl::prometheus::Target]) -> bool,
) {
    let api = common::prometheus_api(client, ns);
    common::eventually(&format!("Prometheus showing {what}"), Duration::from_secs(120), || async {
        api.targets().await.ok().filter(|targets| seen(targets)).map(drop)
    })
    .await;
}

/// `promctl validate ARGS` for this install: its exit code, and its stdout followed by its stderr
/// (the report, then promctl's summary), for assertions and their failure messages.
fn validate(it: &Installed, args: &[&str]) -> (Option<i32>, String) {
    let out = it.promctl(&[&["validate"], args].concat()).output().unwrap();
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code(), text)
}

fn junit_failures(path: &std::path::Path) -> Vec<String> {
    // Parsed by a real XML parser: the file must be well-formed for CI dashboards to read it.
    let script = "import sys, xml.etree.ElementTree as E\n\
                  root = E.parse(sys.argv[1]).getroot()\n\
                  assert root.tag == 'testsuites'\n\
                  for case in root.iter('testcase'):\n\
                  \x20   if case.find('failure') is not None: print(case.get('name'))";
    let out = std::process::Command::new("python3").args(["-c", script]).arg(path).output().unwrap();
    assert!(out.status.success(), "JUnit file is not well-formed XML: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn validate_passes_with_every_job_up_and_names_what_breaks() {
    let client = common::client().await;
    let _exclusive = common::cluster_wide_targets_lock();
    let it = Installed::new(&client, "e2e-validate").await;
    assert!(it.promctl(&["install"]).status().unwrap().success());
    common::apply_yaml(&client, &it.namespace, SHOP).await;
    wait_rolled_out(&client, &it.namespace).await;
    let junit = std::env::temp_dir().join(format!("{}-junit.xml", it.namespace));
    let junit_arg = junit.to_str().unwrap();

    // Every job UP: exit 0, the table lists every job. The shop has just started on a 2-CPU node: wait
    // until Prometheus has discovered and scraped all of it, so that validate is judged, not the start-up.
    let jobs = [
        "django",
        "postgresql",
        "redis",
        "nginx",
        "celery",
        "kubernetes-apiservers",
        "kubernetes-nodes",
        "kubernetes-cadvisor",
        "kubernetes-pods",
        "kubernetes-service-endpoints",
    ];
    wait_for_targets(&client, &it.namespace, "every job up", |targets| {
        jobs.iter().all(|job| targets.iter().any(|t| t.job() == *job))
            && targets.iter().all(|t| t.health == promctl::prometheus::Health::Up)
    })
    .await;
    let (code, table) = validate(&it, &["--wait-targets", "90s", "--junit", junit_arg]);
    assert_eq!(code, Some(0), "{table}");
    for job in jobs {
        assert!(table.lines().any(|l| l.starts_with(job) && l.contains("healthy")), "{job} not healthy:\n{table}");
    }
    assert!(table.contains("RBAC effective") && table.contains("query pg_up == 1"), "{table}");
    assert!(junit_failures(&junit).is_empty());
    println!("{table}");

    // An exporter scaled to 0: its job has zero targets, which is a failure.
    scale(&client, &it.namespace, "nginx", 0).await;
    wait_for_targets(&client, &it.namespace, "nginx without targets", |targets| {
        !targets.iter().any(|t| t.job() == "nginx")
    })
    .await;
    let (code, out) = validate(&it, &["--wait-targets", "60s", "--junit", junit_arg]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL job nginx: 0 targets"), "{out}");
    assert_eq!(junit_failures(&junit), ["job nginx"]);
    scale(&client, &it.namespace, "nginx", 1).await;

    // An exporter annotated with a wrong port: the annotation job's target is down with its last error.
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &it.namespace);
    let patch =
        serde_json::json!({"spec": {"template": {"metadata": {"annotations": {"prometheus.io/port": "9999"}}}}});
    deployments.patch("postgres", &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
    wait_rolled_out(&client, &it.namespace).await;
    wait_for_targets(&client, &it.namespace, "the :9999 target", |targets| {
        targets.iter().any(|t| t.scrape_url.contains(":9999/"))
            && targets.iter().any(|t| t.job() == "nginx")
            // This namespace's pod only: other workloads in the cluster (the demo's shop) keep theirs.
            && !targets.iter().any(|t| {
                t.job() == "kubernetes-pods"
                    && t.scrape_url.contains(":9187/")
                    && t.labels.get("namespace") == Some(&it.namespace)
            })
    })
    .await;
    let (code, out) = validate(&it, &["--wait-targets", "90s", "--junit", junit_arg]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL job kubernetes-pods") && out.contains(":9999/metrics"), "{out}");
    assert!(out.contains("connection refused"), "the target's last error is shown: {out}");
    assert_eq!(junit_failures(&junit), ["job kubernetes-pods"]);

    // Prometheus's pod not ready: the cluster checks say why.
    scale_prometheus_to_zero(&client, &it.namespace).await;
    let (code, out) = validate(&it, &["--junit", junit_arg]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL Pod Ready: no pod with labels app=prometheus,"), "{out}");
    assert!(junit_failures(&junit).contains(&"Pod Ready".to_string()));
    let _ = std::fs::remove_file(&junit);
}

#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn reload_is_verified_and_a_config_failing_the_static_check_is_never_applied() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-reload").await;
    assert!(it.promctl(&["install"]).status().unwrap().success());

    let reload = it.promctl(&["reload", "--set", "scrape.jobs.django.interval=20s"]).output().unwrap();
    let out = String::from_utf8_lossy(&reload.stdout);
    assert_eq!(reload.status.code(), Some(0), "{out}\n{}", String::from_utf8_lossy(&reload.stderr));
    assert!(out.contains("reloaded and verified") && out.contains("from apply to verified"), "{out}");
    println!("{out}");
    let config = client
        .request_text(
            http::Request::get(format!(
                "/api/v1/namespaces/{}/services/prometheus:9090/proxy/api/v1/status/config",
                it.namespace
            ))
            .body(Vec::new())
            .unwrap(),
        )
        .await
        .unwrap();
    assert!(config.contains("scrape_interval: 20s"), "Prometheus serves the new interval: {config}");

    let again = it.promctl(&["reload", "--set", "scrape.jobs.django.interval=20s"]).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing to reload"));

    let configs: Api<ConfigMap> = Api::namespaced(client.clone(), &it.namespace);
    let before = configs.get("prometheus-config").await.unwrap().metadata.resource_version;
    let bad = it.promctl(&["reload", "--set", "scrape.scrapeTimeout=1m"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
    assert_eq!(
        configs.get("prometheus-config").await.unwrap().metadata.resource_version,
        before,
        "ConfigMap untouched"
    );

    // install with a changed config on the running Prometheus ends with the same verified reload.
    let install = it.promctl(&["install", "--set", "scrape.jobs.redis.interval=45s"]).output().unwrap();
    let out = String::from_utf8_lossy(&install.stdout);
    assert_eq!(install.status.code(), Some(0), "{out}\n{}", String::from_utf8_lossy(&install.stderr));
    assert!(out.contains("reloaded and verified"), "{out}");
}

/// Prometheus itself rejecting a config (promctl's static check catches every bad config the values can
/// produce): a real Prometheus process on loopback reads a config it rejects; `reload --prometheus-url`
/// must report Prometheus's own message and show that the previous config still runs.
#[tokio::test]
#[ignore = "needs the test bed and PROMCTL_TEST_PROMETHEUS: scripts/test"]
async fn reload_rejected_by_prometheus_reports_its_message_and_keeps_the_old_config() {
    let binary = std::env::var("PROMCTL_TEST_PROMETHEUS").expect("PROMCTL_TEST_PROMETHEUS: set by scripts/test");
    let client = common::client().await;
    let ns = common::fresh_namespace(&client, "e2e-rejected").await;
    let dir = std::env::temp_dir().join(&ns);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "scrape_configs:\n  - job_name: self\n    static_configs: [{targets: ['127.0.0.1:1']}]\n")
        .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut prometheus = std::process::Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--web.enable-lifecycle")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let api = promctl::prometheus::PrometheusApi::direct(&url).unwrap();
    common::eventually("the local Prometheus ready", Duration::from_secs(30), || async { api.ready().await.ok() })
        .await;
    let loaded_before = api.runtime_info().await.unwrap().last_config_time;

    // What the kubelet would project if a config Prometheus rejects reached the pod.
    std::fs::write(&config, "scrape_configs:\n  - job_name: self\n    scrape_interval: banana\n").unwrap();
    let mut reload = common::promctl();
    reload.args(["reload", "-n", &ns, "--prometheus-url", &url, "--no-color"]);
    if let Some(tag) = common::prometheus_tag_override() {
        reload.args(["--set", &format!("image.tag={tag}")]);
    }
    let out = reload.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Prometheus rejected the new config") && stderr.contains("banana"), "{stderr}");
    assert!(stderr.contains("is still the one running"), "{stderr}");
    let after = api.runtime_info().await.unwrap();
    assert!(!after.reload_config_success);
    assert_eq!(after.last_config_time, loaded_before, "the previous config keeps running");
    assert!(api.config().await.unwrap().contains("127.0.0.1:1"));

    let _ = prometheus.kill();
    let _ = prometheus.wait();
    let _ = std::fs::remove_dir_all(&dir);
    common::delete_namespace(&client, &ns).await;
}

#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn port_forward_survives_a_pod_restart_and_runs_a_command() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-portfwd").await;
    assert!(it.promctl(&["install"]).status().unwrap().success());

    let mut forward = it
        .promctl(&["port-forward", "--local-port", "0", "--output", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(forward.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
    let url = serde_json::from_str::<serde_json::Value>(&first_line).expect("one JSON line with the URL")["url"]
        .as_str()
        .unwrap()
        .to_string();
    let api = promctl::prometheus::PrometheusApi::direct(&url).unwrap();
    api.ready().await.expect("a request through the tunnel");

    let pods: Api<Pod> = Api::namespaced(client.clone(), &it.namespace);
    let old = pods.list(&ListParams::default().labels("app=prometheus")).await.unwrap().items;
    let old_name = old[0].metadata.name.clone().unwrap();
    pods.delete(&old_name, &DeleteParams::default()).await.unwrap();
    common::eventually("a new Ready pod", Duration::from_secs(90), || async {
        let now = pods.list(&ListParams::default().labels("app=prometheus")).await.unwrap().items;
        now.iter()
            .any(|p| {
                p.metadata.name.as_deref() != Some(old_name.as_str())
                    && readiness::pod(p, k8s_openapi::jiff::Timestamp::now(), Duration::ZERO).is_ready()
            })
            .then_some(())
    })
    .await;
    // A new connection (a new client: the old one's pooled keep-alive connection went with the old
    // pod's stream, and reusing it races with its close).
    let after = promctl::prometheus::PrometheusApi::direct(&url).unwrap();
    after.ready().await.expect("the same local port reaches the new pod, without restarting promctl");
    let _ = forward.kill();
    let _ = forward.wait();

    let ok = it
        .promctl(&["port-forward", "--local-port", "0", "--", "sh", "-c", "curl -sf \"$PROMETHEUS_URL/-/ready\""])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(ok.code(), Some(0));
    let missing = it
        .promctl(&["port-forward", "--local-port", "0", "--", "sh", "-c", "curl -sf \"$PROMETHEUS_URL/no-such-page\""])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(missing.code(), Some(22), "curl's own exit status (22: HTTP error) comes back");
}

/// port-forward to a Service with no Ready pod says so while it waits, then names it (exit 1), instead
/// of a minute of silence and "connection reset by peer".
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn port_forward_names_a_service_without_a_ready_pod() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-noready").await;
    assert!(it.promctl(&["install"]).status().unwrap().success());
    scale_prometheus_to_zero(&client, &it.namespace).await;
    let out = it.promctl(&["port-forward", "--local-port", "0", "--", "true"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("has no Ready pod yet; waiting up to 60s"), "says so while waiting: {stderr}");
    assert!(stderr.contains(&format!("service {}/prometheus has no Ready pod behind it", it.namespace)), "{stderr}");
}

/// The team's own job and external labels from a values file: the static check reads them, Prometheus
/// loads them, and validate expects the extra job like a built-in one (UP, in the table).
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn an_extra_job_from_values_is_scraped_and_expected_by_validate() {
    let client = common::client().await;
    let _exclusive = common::cluster_wide_targets_lock();
    let it = Installed::new(&client, "e2e-extrajob").await;
    let values = std::env::temp_dir().join(format!("{}-values.yaml", it.namespace));
    std::fs::write(
        &values,
        format!(
            r#"scrape:
  externalLabels: {{cluster: promctl-testbed}}
  extraJobs:
    - job_name: shop-postgres-extra
      scrape_interval: 15s
      kubernetes_sd_configs:
        - role: pod
          namespaces: {{names: [{ns}]}}
      relabel_configs:
        - source_labels: [__meta_kubernetes_pod_container_port_number]
          action: keep
          regex: "9187"
"#,
            ns = it.namespace
        ),
    )
    .unwrap();
    let file = values.to_str().unwrap();
    let install = it.promctl(&["install", "-f", file]).output().unwrap();
    assert_eq!(install.status.code(), Some(0), "{}", String::from_utf8_lossy(&install.stderr));
    common::apply_yaml(&client, &it.namespace, SHOP).await;
    wait_rolled_out(&client, &it.namespace).await;
    // The shop has just started: wait until Prometheus has scraped all of it (the extra job included),
    // so that validate is judged, not the start-up.
    wait_for_targets(&client, &it.namespace, "the extra job and the shop up", |targets| {
        targets.iter().any(|t| t.job() == "shop-postgres-extra")
            && targets.iter().any(|t| t.job() == "celery")
            && targets.iter().all(|t| t.health == promctl::prometheus::Health::Up)
    })
    .await;

    let (code, out) = validate(&it, &["-f", file, "--wait-targets", "90s"]);
    let _ = std::fs::remove_file(&values);
    assert!(out.contains("ok   job shop-postgres-extra: 1/1 targets up"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("shop-postgres-extra") && l.contains("healthy")), "{out}");
    assert_eq!(code, Some(0), "{out}");
    let api = common::prometheus_api(&client, &it.namespace);
    assert!(api.config().await.unwrap().contains("cluster: promctl-testbed"), "external labels loaded");
}
