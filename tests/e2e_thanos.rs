//! Thanos over promctl's HA pair, on the real test bed: sidecars (values thanos.sidecar) uploading to
//! an S3 object store (tests/engine/seaweedfs.yaml); Query, Store Gateway and Compactor run by the
//! test (tests/engine/thanos.yaml), Query finding the sidecars by cluster DNS (SRV records of
//! promctl's headless Service). One long scenario: Prometheus cuts 1-minute blocks and keeps them 2
//! minutes, so each phase waits on the one before it.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use serde_json::Value;

use common::Installed;

/// The self-scrape interval of the install (common::FAST_SELF_SCRAPE).
const SCRAPE_INTERVAL: f64 = 5.0;

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

/// GET `path` (with `params` URL-encoded) of `pod`:`port` through the API server's pod proxy, as JSON.
async fn get_json(
    client: &Client,
    ns: &str,
    pod: &str,
    port: u16,
    path: &str,
    params: &[(&str, &str)],
) -> Option<Value> {
    let url = reqwest::Url::parse_with_params(&format!("http://proxy{path}"), params).unwrap();
    let uri = format!("/api/v1/namespaces/{ns}/pods/{pod}:{port}/proxy{path}?{}", url.query().unwrap_or_default());
    let body = client.request_text(http::Request::get(uri).body(Vec::new()).unwrap()).await.ok()?;
    serde_json::from_str(&body).ok()
}

/// The series of a query's answer (`data.result`), None when it did not answer with success.
async fn query(client: &Client, ns: &str, pod: &str, port: u16, params: &[(&str, &str)]) -> Option<Vec<Value>> {
    let answer = get_json(client, ns, pod, port, "/api/v1/query", params).await?;
    (answer["status"] == "success").then(|| answer["data"]["result"].as_array().cloned().unwrap_or_default())
}

/// The sample timestamps of a range-vector series (`values: [[ts, "v"], ...]`).
fn timestamps(series: &Value) -> Vec<f64> {
    series["values"].as_array().into_iter().flatten().filter_map(|pair| pair[0].as_f64()).collect()
}

/// The longest stretch between consecutive samples, and where it starts.
fn largest_gap(timestamps: &[f64]) -> (f64, f64) {
    timestamps.windows(2).map(|w| (w[1] - w[0], w[0])).fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a })
}

/// A gauge or counter of a Thanos component's or Prometheus's `/metrics`, summed over its series.
async fn metric(client: &Client, ns: &str, pod: &str, port: u16, name: &str) -> Option<f64> {
    let api = promctl::prometheus::PrometheusApi::via_pod_proxy(client.clone(), ns, pod, port);
    promctl::validation::thanos::metric(&api.metrics_text().await.ok()?, name)
}

/// One block in the bucket: its ULID, time range (ms) and the replica that uploaded it.
#[derive(Debug)]
struct Block {
    ulid: String,
    min_ms: i64,
    max_ms: i64,
    replica: String,
}

/// The bucket's blocks as the sidecar in `pod` lists them (`thanos tools bucket ls -o json`: each
/// block's meta.json, one after the other).
async fn bucket_blocks(pods: &Api<Pod>, pod: &str) -> Vec<Block> {
    let ls =
        ["thanos", "tools", "bucket", "ls", "-o", "json", "--objstore.config-file=/etc/thanos/objstore/objstore.yml"];
    let out = promctl::cluster::pods::exec(pods, pod, "thanos-sidecar", &ls).await.unwrap();
    serde_json::Deserializer::from_str(&out.stdout)
        .into_iter::<Value>()
        .filter_map(Result::ok)
        .map(|meta| Block {
            ulid: meta["ulid"].as_str().unwrap_or_default().to_string(),
            min_ms: meta["minTime"].as_i64().unwrap_or_default(),
            max_ms: meta["maxTime"].as_i64().unwrap_or_default(),
            replica: meta["thanos"]["labels"]["replica"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

async fn prometheus_pods(pods: &Api<Pod>) -> Vec<Pod> {
    let mut listed = pods.list(&ListParams::default().labels("app=prometheus")).await.unwrap().items;
    listed.sort_by_key(|p| p.metadata.name.clone());
    listed
}

fn ready(pod: &Pod) -> bool {
    let conditions = pod.status.as_ref().and_then(|s| s.conditions.as_ref());
    conditions.is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// An HA pair with a Thanos sidecar beside each replica, and a third install whose sidecar holds a
/// wrong secret key, side by side:
/// - validate proves each sidecar connected; Query lists both sidecars (found by DNS SRV) and the
///   Store Gateway; `dedup=true` answers one series per target, `dedup=false` one per replica;
/// - one replica's pod is killed and comes back 30 s later: its own series has a gap, the
///   deduplicated one has none;
/// - blocks are uploaded (the bucket lists them) and the Compactor works the bucket without halting;
/// - once both replicas deleted their first block (retention 2m), a time only that block held is
///   answered through Query, from the bucket by the Store Gateway, while neither Prometheus has it;
/// - the install with the wrong key fails validate and doctor with the store's own words and the fix.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn an_ha_pair_with_thanos_answers_through_query_without_gaps_and_from_the_bucket_once_local_blocks_are_gone() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-thanos").await;
    let wrong = Installed::new(&client, "e2e-thanos-wrong-key").await;
    let ns = it.namespace.clone();
    let endpoint = common::start_objstore(&client, &ns, "thanos-access", "thanos-secret-key").await;
    let objstore = |secret_key: &str| {
        format!(
            "type: S3\nconfig:\n  bucket: thanos\n  endpoint: {endpoint}\n  insecure: true\n  access_key: thanos-access\n  secret_key: {secret_key}\n"
        )
    };
    common::apply_yaml(
        &client,
        &ns,
        &common::secret("thanos-objstore", "objstore.yml", &objstore("thanos-secret-key")),
    )
    .await;
    let namespace = |name: &str| format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n");
    common::apply_yaml(&client, "", &namespace(&wrong.namespace)).await;
    let wrong_secret = common::secret("thanos-objstore", "objstore.yml", &objstore("not-the-secret-key"));
    common::apply_yaml(&client, &wrong.namespace, &wrong_secret).await;

    let with = |command: &'static str, replicas: &'static str| {
        let mut args = common::own_jobs_only(&[command, "--set", replicas, "--set", "thanos.sidecar.enabled=true"]);
        args.extend([
            "--set",
            "thanos.sidecar.objstoreSecret=thanos-objstore",
            "--set",
            "thanos.sidecar.blockDuration=1m",
            "--set",
            // Twice the block: Prometheus may cut two blocks in one compaction (its loop runs each
            // minute); with retention equal to the block it may delete the older at once, before the
            // sidecar (every 30 s) uploads it.
            "retention.time=2m",
            "--set",
            "scrape.externalLabels.cluster=promctl-testbed",
        ]);
        args.extend(common::FAST_SELF_SCRAPE);
        args
    };
    let pair = with("install", "replicas=2");
    let single = with("install", "replicas=1");
    let (installed_pair, installed_single) = std::thread::scope(|s| {
        let pair = s.spawn(|| it.run(&pair));
        let single = s.spawn(|| wrong.run(&single));
        (pair.join().unwrap(), single.join().unwrap())
    });
    let installed_at = now();
    assert_eq!(installed_pair.0, Some(0), "{}{}", installed_pair.1, installed_pair.2);
    assert_eq!(installed_single.0, Some(0), "{}{}", installed_single.1, installed_single.2);
    let (code, out, err) = it.run(&with("validate", "replicas=2"));
    assert_eq!(code, Some(0), "{out}{err}");
    let sidecars: Vec<&str> = out.lines().filter(|l| l.starts_with("ok   Thanos sidecar (prometheus")).collect();
    assert_eq!(sidecars.len(), 2, "{out}");
    assert!(sidecars.iter().all(|l| l.contains("connected to Prometheus, serving the Store API on :10901")), "{out}");
    assert!(!out.contains("thanos-secret-key") && !err.contains("thanos-secret-key"), "no key in the report");

    // Query, Store Gateway and Compactor; Query finds the sidecars by their headless Service's SRV records.
    common::apply_yaml(&client, &ns, &include_str!("engine/thanos.yaml").replace("NAMESPACE", &ns)).await;
    let stores = common::eventually(
        "Thanos Query listing both sidecars and the Store Gateway",
        Duration::from_secs(120),
        || async {
            let answer = get_json(&client, &ns, "thanos-query", 10902, "/api/v1/stores", &[]).await?;
            let sidecars = answer["data"]["sidecar"].as_array()?.clone();
            let store = answer["data"]["store"].as_array()?.clone();
            (sidecars.len() == 2 && store.len() == 1).then_some((sidecars, store))
        },
    )
    .await;
    let replica_of = |store: &Value| -> Option<String> {
        let sets = store["labelSets"].as_array()?;
        sets.iter().find_map(|set| set["replica"].as_str().map(str::to_string))
    };
    let mut replicas: Vec<String> = stores.0.iter().filter_map(replica_of).collect();
    replicas.sort();
    replicas.dedup();
    eprintln!(
        "Query's stores: sidecars {:?} (replica labels {replicas:?}); store gateway {}",
        stores.0.iter().map(|s| s["name"].clone()).collect::<Vec<_>>(),
        stores.1[0]["name"]
    );
    assert_eq!(replicas.len(), 2, "each sidecar carries its own replica label: {stores:?}");
    assert!(
        stores.0.iter().all(|s| s["labelSets"]
            .as_array()
            .is_some_and(|sets| sets.iter().all(|set| set["cluster"] == "promctl-testbed"))),
        "both sidecars carry the pair's external labels: {stores:?}"
    );

    let count = |dedup: &'static str| {
        let (client, ns) = (client.clone(), ns.clone());
        async move {
            let params = [("query", "up{job=\"prometheus\"}"), ("dedup", dedup)];
            query(&client, &ns, "thanos-query", 10902, &params).await.map(|r| r.len())
        }
    };
    let without = common::eventually("Thanos Query answering from both sidecars", Duration::from_secs(120), || async {
        count("false").await.filter(|n| *n == 2)
    })
    .await;
    let with_dedup = count("true").await;
    eprintln!(
        "up{{job=\"prometheus\"}} through Thanos Query: {without} series with dedup=false, {with_dedup:?} with dedup=true"
    );
    assert_eq!(with_dedup, Some(1), "the pair is one series per target once deduplicated by its replica label");

    // One replica's pod killed, its Deployment held at 0 for 30 s (a replacement that takes a while:
    // a node lost, an image pulled), then back; the other replica keeps scraping.
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let replica = |pod: &Pod| pod.labels().get(promctl::values::REPLICA_POD_LABEL).cloned().unwrap_or_default();
    let before = prometheus_pods(&pods).await;
    let killed_replica = "prometheus-1";
    let survivor = before.iter().find(|p| replica(p) != killed_replica).unwrap().name_any();
    let killed =
        before.iter().find(|p| replica(p) == killed_replica).expect("a pod of replica prometheus-1").name_any();
    let scale = |replicas: i32| {
        let deployments = deployments.clone();
        async move {
            let patch = serde_json::json!({"spec": {"replicas": replicas}});
            deployments.patch(killed_replica, &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
        }
    };
    let killed_at = now();
    scale(0).await;
    pods.delete(&killed, &DeleteParams::default().grace_period(0)).await.unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    scale(1).await;
    common::eventually("the killed replica's new pod Ready", Duration::from_secs(120), || async {
        let now = prometheus_pods(&pods).await;
        (now.len() == 2 && now.iter().all(ready) && now.iter().all(|p| p.name_any() != killed)).then_some(())
    })
    .await;

    // The first 1-minute block is cut once the head spans 1.5 minutes; the sidecar syncs every 30 s.
    common::eventually("a block uploaded by the surviving replica's sidecar", Duration::from_secs(420), || async {
        (metric(&client, &ns, &survivor, 10902, "thanos_shipper_uploads_total").await? > 0.0).then_some(())
    })
    .await;
    let (code, out, err) = it.run(&with("validate", "replicas=2"));
    assert_eq!(code, Some(0), "{out}{err}");
    let uploaded = out.lines().find(|l| l.starts_with(&format!("ok   Thanos sidecar ({survivor})"))).unwrap();
    assert!(
        uploaded.contains(" uploaded to the object store, none failed") && !uploaded.contains("; 0 blocks"),
        "{uploaded}"
    );
    let ls = ["thanos", "tools", "bucket", "ls", "--objstore.config-file=/etc/thanos/objstore/objstore.yml"];
    let listing = promctl::cluster::pods::exec(&pods, &survivor, "thanos-sidecar", &ls).await.unwrap();
    let blocks: Vec<&str> = listing.stdout.lines().filter(|l| l.len() == 26).collect();
    eprintln!("seen: {uploaded}\nthe bucket's blocks: {blocks:?}");
    assert!(!blocks.is_empty(), "the bucket lists the uploaded blocks: {}{}", listing.stdout, listing.stderr);

    // The gap check: the raw samples since just before the kill, through Query.
    let window = format!("up{{job=\"prometheus\"}}[{}s]", (now() - killed_at) as u64 + 30);
    let at = format!("{:.3}", now());
    let raw = |dedup: &'static str| {
        let (client, ns, window, at) = (client.clone(), ns.clone(), window.clone(), at.clone());
        async move {
            query(&client, &ns, "thanos-query", 10902, &[("query", &window), ("dedup", dedup), ("time", &at)]).await
        }
    };
    let deduplicated = raw("true").await.expect("Query answers the range");
    assert_eq!(deduplicated.len(), 1, "{deduplicated:?}");
    let (dedup_gap, dedup_gap_at) = largest_gap(&timestamps(&deduplicated[0]));
    let per_replica = raw("false").await.expect("Query answers the range");
    let replica_gaps: Vec<(String, f64)> = per_replica
        .iter()
        .map(|s| (s["metric"]["replica"].as_str().unwrap_or("?").to_string(), largest_gap(&timestamps(s)).0))
        .collect();
    eprintln!(
        "largest gap since the kill, scraping every {SCRAPE_INTERVAL}s: deduplicated {dedup_gap:.1}s (at {dedup_gap_at:.0}, {} samples); per replica {replica_gaps:?}",
        timestamps(&deduplicated[0]).len()
    );
    // Where Thanos switches replicas it skips, by design, up to twice the last step it took on the
    // replica it leaves (its penalty, pkg/dedup/iter.go), and that step may itself hold one missed
    // scrape on a busy node: up to four scrape intervals. A gap is a stretch longer than that; the
    // killed replica's own series has one as long as its outage (30 s held down, then its restart).
    let gap = 4.0 * SCRAPE_INTERVAL + 1.0;
    let killed_gap = replica_gaps.iter().map(|(_, gap)| *gap).fold(0.0, f64::max);
    assert!(killed_gap > 30.0, "the killed replica's own series has a gap as long as its outage: {replica_gaps:?}");
    assert!(dedup_gap <= gap, "the deduplicated series has no gap: {dedup_gap:.1}s at {dedup_gap_at}");

    // The Compactor works the bucket (deduplicating the pair's overlapping blocks) without halting.
    let (iterations, halted, vertical) =
        common::eventually("the Compactor's first pass over the bucket", Duration::from_secs(120), || async {
            let iterations = metric(&client, &ns, "thanos-compact", 10902, "thanos_compact_iterations_total").await?;
            let halted = metric(&client, &ns, "thanos-compact", 10902, "thanos_compact_halted").await?;
            let vertical =
                metric(&client, &ns, "thanos-compact", 10902, "thanos_compact_group_vertical_compactions_total")
                    .await
                    .unwrap_or(0.0);
            (iterations >= 1.0).then_some((iterations, halted, vertical))
        })
        .await;
    eprintln!(
        "Compactor: {iterations} passes, halted {halted}, {vertical} vertical compactions (the pair's overlapping blocks)"
    );
    assert_eq!(halted, 0.0, "the Compactor did not halt");

    // Retention: each replica deletes its first block once a block two minutes newer is cut.
    let lowest =
        common::eventually("both replicas' first block deleted by retention", Duration::from_secs(360), || async {
            let mut lowest = f64::MAX;
            for pod in prometheus_pods(&pods).await {
                let name = pod.metadata.name.unwrap();
                if metric(&client, &ns, &name, 9090, "prometheus_tsdb_time_retentions_total").await? < 1.0 {
                    return None;
                }
                lowest =
                    lowest.min(metric(&client, &ns, &name, 9090, "prometheus_tsdb_lowest_timestamp_seconds").await?);
            }
            Some(lowest)
        })
        .await;
    // A time only the bucket holds: the end of the oldest uploaded block that ended before what either
    // replica keeps (the sidecar's own `thanos tools bucket ls` says which blocks are there).
    let blocks = bucket_blocks(&pods, &survivor).await;
    let kept_from_ms = (lowest * 1000.0) as i64;
    let Some(block) = blocks.iter().filter(|b| b.max_ms <= kept_from_ms).min_by_key(|b| b.min_ms) else {
        panic!("no uploaded block ends before what the replicas keep (from {kept_from_ms} ms): {blocks:#?}");
    };
    eprintln!("the bucket's blocks after retention: {blocks:?}");
    let old = (block.max_ms as f64) / 1000.0 - 1.0;
    assert!(old > installed_at - 300.0, "a block of this test's own data: {block:?}, installed {installed_at:.0}");
    let old_window = [("query", "up{job=\"prometheus\"}[15s]"), ("time", &format!("{old:.3}"))];
    for pod in prometheus_pods(&pods).await {
        let name = pod.metadata.name.unwrap();
        let local = query(&client, &ns, &name, 9090, &old_window).await.expect("Prometheus answers");
        assert!(local.is_empty(), "{name} no longer keeps {old:.0}: {local:?}");
    }
    let from_bucket =
        common::eventually("Query answering the deleted range from the bucket", Duration::from_secs(120), || async {
            let mut params = old_window.to_vec();
            params.push(("dedup", "true"));
            let answer = query(&client, &ns, "thanos-query", 10902, &params).await?;
            answer.first().map(timestamps).filter(|t| !t.is_empty())
        })
        .await;
    let loaded = metric(&client, &ns, "thanos-store", 10902, "thanos_bucket_store_blocks_loaded").await;
    eprintln!(
        "at {old:.0}, in block {} of replica {} (neither replica keeps data before {lowest:.0}): {} samples through Query, from the Store Gateway ({loaded:?} blocks loaded)",
        block.ulid,
        block.replica,
        from_bucket.len()
    );

    // The install whose sidecar holds a wrong secret key: its first upload fails, named with the fix.
    let (code, doctor) = common::eventually("the wrong key's upload failing", Duration::from_secs(300), || async {
        let (code, out, err) = wrong.run(&with("doctor", "replicas=1"));
        out.contains("uploads to the object store fail").then_some((code, format!("{out}{err}")))
    })
    .await;
    let finding = doctor.lines().find(|l| l.contains("uploads to the object store fail")).unwrap();
    eprintln!("doctor: {finding}");
    assert!(finding.contains("The request signature we calculated does not match"), "the store's own words: {doctor}");
    assert!(
        doctor.contains("fix: the object store refuses the secret_key given for this access_key: correct secret_key"),
        "the fix names the field to correct: {doctor}"
    );
    assert!(!doctor.contains("not-the-secret-key"), "no key in the report");
    assert_eq!(code, Some(1), "{doctor}");
    let (code, out, err) = wrong.run(&with("validate", "replicas=1"));
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("FAIL Thanos sidecar") && !out.contains("not-the-secret-key"), "{out}");
}
