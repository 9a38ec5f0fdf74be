//! What current Kubernetes and Prometheus bring, on the real test bed (scripts/test runs these):
//! the defaults installed with no overrides at all, Pod Security Admission `restricted`, and the API
//! server's Warning headers (none sent to promctl; shown when there are).

mod common;

use std::process::Output;

use k8s_openapi::api::core::v1::{Endpoints, Namespace};
use kube::api::{Api, ListParams, PostParams};
use promctl::cluster::{ClusterOptions, warnings};

use common::{Installed, promctl};

const SHOP: &str = include_str!("shop/shop.yaml");

use common::stderr;

/// A run the API server sent no Warning header to: none in the JSON document, no warning line.
fn assert_no_api_warnings(what: &str, out: &Output) {
    let report = json_of(out);
    assert!(report.get("warnings").is_none(), "{what}: the API server warned: {report}");
    assert!(!stderr(out).contains("the API server says"), "{what}: {}", stderr(out));
}

fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("one JSON document on stdout ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// What a newcomer runs: `promctl install` and `promctl validate` with promctl's defaults, nothing set
/// (namespace jewelry-shop, prom/prometheus:v2.48.0, the `prometheus` ClusterRole). Leaves an install
/// that was there before (scripts/demo's) as it found it, and removes its own otherwise.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn the_defaults_install_and_validate_with_no_overrides() {
    let client = common::client().await;
    let _exclusive = common::cluster_wide_targets_lock();
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let preexisting = namespaces.get_opt("jewelry-shop").await.unwrap().is_some();
    if !preexisting {
        let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": "jewelry-shop"}})).unwrap();
        namespaces.create(&PostParams::default(), &ns).await.unwrap();
    }
    common::apply_yaml(&client, "jewelry-shop", SHOP).await;

    let install = promctl().args(["install", "--no-color", "--output", "json"]).output().unwrap();
    assert_eq!(install.status.code(), Some(0), "{}", stderr(&install));
    assert_no_api_warnings("install", &install);
    let pods = Api::<k8s_openapi::api::core::v1::Pod>::namespaced(client.clone(), "jewelry-shop");
    let prometheus = pods.list(&ListParams::default().labels("app=prometheus")).await.unwrap();
    let image = prometheus.items[0].spec.as_ref().unwrap().containers[0].image.clone();
    assert_eq!(image.as_deref(), Some("prom/prometheus:v2.48.0"));

    let validate = promctl().args(["validate", "--no-color", "--wait-targets", "120s"]).output().unwrap();
    let table = String::from_utf8_lossy(&validate.stdout);
    assert_eq!(validate.status.code(), Some(0), "{table}\n{}", stderr(&validate));
    for probe in ["kube_pod_status_phase", "kube_deployment_status_replicas", "kube_node_status_condition"] {
        assert!(table.contains(&format!("ok   query {probe}")), "kube-state-metrics probe {probe}:\n{table}");
    }
    for probe in ["container_cpu_usage_seconds_total", "container_memory_usage_bytes"] {
        assert!(table.contains(&format!("ok   query {probe}")), "cAdvisor probe {probe}:\n{table}");
    }
    println!("{table}");
    let validate = promctl().args(["validate", "--no-color", "--output", "json"]).output().unwrap();
    assert_eq!(validate.status.code(), Some(0), "{}", stderr(&validate));
    assert_no_api_warnings("validate", &validate);
    // A real config change, so that reload goes through apply, projection and the verified reload.
    let reload = promctl()
        .args(["reload", "--no-color", "--output", "json", "--set", "scrape.evaluationInterval=20s"])
        .output()
        .unwrap();
    assert_eq!(reload.status.code(), Some(0), "{}", stderr(&reload));
    assert_no_api_warnings("reload", &reload);
    let back = promctl().args(["reload", "--no-color", "--output", "json"]).output().unwrap();
    assert_eq!(back.status.code(), Some(0), "{}", stderr(&back));

    if !preexisting {
        let uninstall =
            promctl().args(["uninstall", "--delete-data", "--no-color", "--output", "json"]).output().unwrap();
        assert_eq!(uninstall.status.code(), Some(0), "{}", stderr(&uninstall));
        assert_no_api_warnings("uninstall", &uninstall);
        common::delete_namespace(&client, "jewelry-shop").await;
    }
}

/// The rendered pod passes Pod Security Admission `restricted` for real: in a namespace that enforces
/// it, the pod is admitted and becomes Ready, and nothing warns.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn install_becomes_ready_in_a_namespace_enforcing_pod_security_restricted() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-restricted").await;
    let labels = serde_json::json!({
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    });
    let ns: Namespace =
        serde_json::from_value(serde_json::json!({"metadata": {"name": it.namespace, "labels": labels}})).unwrap();
    Api::<Namespace>::all(client.clone()).create(&PostParams::default(), &ns).await.unwrap();

    let install = it.promctl(&["install", "--output", "json"]).output().unwrap();
    assert_eq!(install.status.code(), Some(0), "{}", stderr(&install));
    assert_no_api_warnings("install", &install);
    let namespace = Api::<Namespace>::all(client.clone()).get(&it.namespace).await.unwrap();
    assert_eq!(
        namespace.metadata.labels.unwrap().get("pod-security.kubernetes.io/enforce").map(String::as_str),
        Some("restricted"),
        "promctl's apply of the Namespace keeps the label it does not own"
    );

    // The same namespace refuses a pod that is not restricted: the enforcement is real.
    let privileged = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "not-restricted"},
        "spec": {"containers": [{"name": "c", "image": "localhost/busybox:1", "imagePullPolicy": "Never"}]}
    });
    let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(privileged).unwrap();
    let refused = Api::namespaced(client.clone(), &it.namespace).create(&PostParams::default(), &pod).await;
    match refused {
        Err(kube::Error::Api(status)) => assert!(status.message.contains("violates PodSecurity"), "{status:?}"),
        other => panic!("a non-restricted pod was admitted: {other:?}"),
    }
}

/// promctl's client collects the API server's Warning headers: reading core/v1 Endpoints (deprecated
/// from 1.33) through it is answered with a deprecation warning, which `warnings::take` hands out.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn the_api_servers_warning_headers_reach_promctl() {
    let client = promctl::cluster::connect(&ClusterOptions::default()).await.unwrap();
    let version = client.apiserver_version().await.unwrap();
    let minor: u32 = version.minor.trim_end_matches('+').parse().unwrap();
    let _ = Api::<Endpoints>::namespaced(client, "default").list(&ListParams::default()).await.unwrap();
    let seen = warnings::take();
    if minor >= 33 {
        assert!(seen.iter().any(|w| w.contains("v1 Endpoints is deprecated")), "warnings seen: {seen:?}");
    } else {
        assert!(seen.is_empty(), "no deprecation before 1.33: {seen:?}");
    }
}
