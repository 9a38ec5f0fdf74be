//! End to end on the test bed: an HA pair of Prometheus (replicas: 2) writing into the long-term
//! store (VictoriaMetrics, which drops the `replica` label at ingest and so keeps one series per
//! target). One test in its own binary: it cordons the only node for a while, which no other test
//! may see.

mod common;

use std::time::{Duration, Instant};

use common::Installed;
use k8s_openapi::api::core::v1::{Node, PersistentVolumeClaim, Pod};
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use promctl::prometheus::PrometheusApi;

async fn set_unschedulable(client: &kube::Client, unschedulable: bool) {
    let nodes: Api<Node> = Api::all(client.clone());
    for node in nodes.list(&ListParams::default()).await.unwrap() {
        let patch = serde_json::json!({"spec": {"unschedulable": unschedulable}});
        nodes.patch(&node.name_any(), &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
    }
}

/// Uncordons the node even when the test fails: every later test needs it. On a runtime and client of
/// its own: the test's runtime is blocked while this runs.
struct Uncordon;

impl Drop for Uncordon {
    fn drop(&mut self) {
        std::thread::spawn(|| {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                set_unschedulable(&common::client().await, false).await;
            });
        })
        .join()
        .unwrap();
    }
}

/// One Prometheus, then the pair (replica 0 keeps the claim and its data); validate checks both
/// replicas and the engine holds one series of `up` per target; a replica's pod deleted while it
/// cannot come back: validate names it, the engine keeps receiving from the other, and the pair
/// converges once it returns; a reload verifies both; the engine's password changes and validate
/// names each replica's refused queue with its 401; back to one keeps the second replica's claim.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn an_ha_pair_writes_one_series_per_target_survives_a_lost_replica_and_reloads_both() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-ha").await;
    let ns = it.namespace.clone();
    let url = common::start_engine(&client, &ns, "s3cret").await;
    common::apply_yaml(&client, &ns, &common::secret("remote-write-auth", "password", "s3cret")).await;
    let values = common::remote_write_values(&ns, &url, "");
    let file = values.to_str().unwrap().to_string();
    let with = |command: &'static str, more: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = common::own_jobs_only(&[command, "-f", &file, "--set", "replicas=2"])
            .into_iter()
            .map(str::to_string)
            .collect();
        all.extend(common::FAST_SELF_SCRAPE.iter().map(|s| s.to_string()));
        all.extend(more.iter().map(|s| s.to_string()));
        all
    };
    let run = |args: Vec<String>| it.run(&args.iter().map(String::as_str).collect::<Vec<_>>());

    // One Prometheus first: the seed's shape.
    let (code, out, err) = run(with("install", &["--set", "replicas=1"]));
    assert_eq!(code, Some(0), "{out}{err}");
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), &ns);
    let replica_0_claim = claims.get("prometheus-storage").await.unwrap().uid();

    // The pair: replica 0 rolls first (its pod now carries the replica label), then replica 1.
    let started = Instant::now();
    let (code, out, err) = run(with("install", &[]));
    assert_eq!(code, Some(0), "{out}{err}");
    // Progress goes to stderr.
    assert!(err.contains("replica 1 of 2 (Deployment prometheus)"), "{err}");
    assert!(err.contains("replica 2 of 2 (Deployment prometheus-1)"), "{err}");
    assert_eq!(claims.get("prometheus-storage").await.unwrap().uid(), replica_0_claim, "replica 0 keeps its claim");
    let engine = PrometheusApi::via_service_proxy(client.clone(), &ns, "engine", 8428);
    let scope = format!("prometheus={ns:?}");
    common::eventually("the first samples in the engine", Duration::from_secs(120), || async {
        engine.query_vector(&format!("count(up{{{scope}}})")).await.ok()?.first().filter(|(_, v)| *v > 0.0).map(|_| ())
    })
    .await;
    let first_sample = started.elapsed();

    // Both replicas' queues must have sent before validate judges them.
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    let replica_pod = |replica: &'static str| {
        let pods = pods.clone();
        async move {
            let selector = format!("app=prometheus,promctl.dev/replica={replica}");
            let list = pods.list(&ListParams::default().labels(&selector)).await.unwrap();
            list.items.into_iter().find(|p| p.metadata.deletion_timestamp.is_none()).map(|p| p.name_any())
        }
    };
    for replica in ["prometheus", "prometheus-1"] {
        let pod = replica_pod(replica).await.expect("a pod per replica");
        let api = PrometheusApi::via_pod_proxy(client.clone(), &ns, &pod, 9090);
        common::eventually(&format!("{replica}'s queue metrics scraped"), Duration::from_secs(60), || async {
            let sent =
                api.query_vector(r#"prometheus_remote_storage_samples_total{job="prometheus"} > 0"#).await.ok()?;
            (!sent.is_empty()).then_some(())
        })
        .await;
    }
    let engine_service = format!("{ns}/engine:8428");
    let validating = Instant::now();
    let (code, out, err) = run(with("validate", &["--engine-service", &engine_service]));
    let validate_seconds = validating.elapsed().as_secs_f64();
    assert_eq!(code, Some(0), "{out}{err}");
    for line in [
        "ok   Pod Ready (prometheus):",
        "ok   Pod Ready (prometheus-1):",
        "ok   PVC Bound (prometheus-1):",
        "ok   replica prometheus: ready, the rendered config",
        "ok   replica prometheus-1: ready, the rendered config",
        "ok   replicas agree: 2 replicas: the same config",
        "ok   remote_write victoriametrics (prometheus):",
        "ok   remote_write victoriametrics (prometheus-1):",
    ] {
        assert!(out.contains(line), "{line:?} missing from\n{out}");
    }
    assert!(out.contains("ok   engine receives: ") && out.contains("one per target"), "{out}");
    eprintln!("validate on the pair:\n{out}");
    // The engine's own answer: as many series of `up` as one replica has targets, and no replica label.
    // Replica 0 asked through its pod, as validate did (through the Service either replica answers, and
    // a replica still scraping its first round has fewer series).
    let replica_0 = replica_pod("prometheus").await.unwrap();
    let targets = PrometheusApi::via_pod_proxy(client.clone(), &ns, &replica_0, 9090);
    let scraped = targets.query_vector("count(up)").await.unwrap()[0].1;
    let stored = engine.query_vector(&format!("count(up{{{scope}}})")).await.unwrap()[0].1;
    assert_eq!(stored, scraped, "one deduplicated series per target");
    assert!(engine.query_vector(&format!("up{{{scope},replica!=\"\"}}")).await.unwrap().is_empty());
    eprintln!(
        "figure: HA install start to the first sample queryable in VictoriaMetrics {:.1}s; validate on the pair with the engine check {validate_seconds:.1}s",
        first_sample.as_secs_f64()
    );

    // Replica 1's pod goes, and cannot come back while the node is cordoned.
    let uncordon = Uncordon;
    set_unschedulable(&client, true).await;
    let lost = replica_pod("prometheus-1").await.unwrap();
    pods.delete(&lost, &DeleteParams::default()).await.unwrap();
    common::eventually("the lost pod gone", Duration::from_secs(60), || async {
        pods.get_opt(&lost).await.unwrap().is_none().then_some(())
    })
    .await;
    let (code, out, err) = run(with("validate", &["--engine-service", &engine_service, "--wait-targets", "5s"]));
    assert_eq!(code, Some(1), "{out}{err}");
    eprintln!("validate with replica 1 lost:\n{out}");
    assert!(out.contains("FAIL Pod Ready (prometheus-1):"), "{out}");
    assert!(out.contains("FAIL replica prometheus-1: no Ready pod:"), "{out}");
    assert!(out.contains("ok   replica prometheus: ready"), "{out}");
    assert!(out.contains("ok   engine receives: "), "the engine keeps receiving from replica 0:\n{out}");
    drop(uncordon);
    common::eventually("the pair converged", Duration::from_secs(120), || async {
        let (code, _, _) = run(with("validate", &[]));
        (code == Some(0)).then_some(())
    })
    .await;

    // A reload on the pair: both replicas load the new interval and are verified, each through its pod.
    let (code, out, err) = run(with("reload", &["--set", "scrape.jobs.kubernetes-nodes.interval=20s"]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("reloaded and verified: all 2 replicas loaded the new config"), "{out}");
    for replica in ["prometheus", "prometheus-1"] {
        assert!(out.contains(&format!("replica {replica} (pod ")), "{out}");
        let pod = replica_pod(replica).await.unwrap();
        let config = PrometheusApi::via_pod_proxy(client.clone(), &ns, &pod, 9090).config().await.unwrap();
        let nodes_job = config.split("job_name: kubernetes-nodes\n").nth(1).unwrap_or_default();
        let nodes_job = nodes_job.split("job_name:").next().unwrap_or_default();
        assert!(nodes_job.contains("scrape_interval: 20s"), "{replica} runs:\n{config}");
    }

    // The engine's password changes: both replicas' writes are refused, and validate names each
    // replica's queue with the URL and the 401.
    common::rotate_engine_password(&client, &ns, "rotated").await;
    for replica in ["prometheus", "prometheus-1"] {
        let pod = replica_pod(replica).await.unwrap();
        common::refused_writes_counted(&PrometheusApi::via_pod_proxy(client.clone(), &ns, &pod, 9090)).await;
    }
    let (code, out, err) = run(with("validate", &["--set", "scrape.jobs.kubernetes-nodes.interval=20s"]));
    assert_eq!(code, Some(1), "{out}{err}");
    for replica in ["prometheus", "prometheus-1"] {
        let start = format!("FAIL remote_write victoriametrics ({replica}): ");
        let line = out.lines().find(|l| l.starts_with(&start)).unwrap_or_else(|| panic!("{start}: {out}"));
        assert!(line.contains(&format!("samples failed to send to {url}")), "{line}");
        assert!(line.contains("the receiver answered HTTP 401 Unauthorized"), "{line}");
    }
    assert!(!out.contains("s3cret") && !err.contains("s3cret"), "the password never shows");

    // Back to one: replica 1's Deployment goes, its claim (its data) stays, replica 0 keeps its own.
    let (code, out, err) =
        run(with("install", &["--set", "scrape.jobs.kubernetes-nodes.interval=20s", "--set", "replicas=1"]));
    assert_eq!(code, Some(0), "{out}{err}");
    let line = |object: &str| err.lines().find(|l| l.contains(object)).unwrap_or_else(|| panic!("{object}: {err}"));
    assert!(line(&format!("Deployment {ns}/prometheus-1")).contains("pruned"), "{err}");
    assert!(line(&format!("PersistentVolumeClaim {ns}/prometheus-storage-1")).contains("kept"), "{err}");
    assert!(claims.get_opt("prometheus-storage-1").await.unwrap().is_some());
    assert_eq!(claims.get("prometheus-storage").await.unwrap().uid(), replica_0_claim);
    let _ = std::fs::remove_file(&values);
}
