//! End to end on the test bed: remote_write into a real long-term store (VictoriaMetrics, built from
//! its Go module by scripts/cluster; Thanos was tried first, see scripts/lib/build-go.sh), with
//! basic-auth credentials from a Secret.

mod common;

use std::time::{Duration, Instant};

use common::Installed;
use promctl::prometheus::PrometheusApi;

/// remote_write into VictoriaMetrics through basic auth: the samples arrive and validate confirms them through
/// the engine's query API (one series of `up` per target); then the Secret's password changes and
/// validate exits 1 naming the URL and the 401 the receiver answered. Before that, the engine goes
/// away for a while: validate names the stalled queue, then its recovery.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn remote_write_into_victoriametrics_arrives_and_a_wrong_password_is_named_with_its_401() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-rw").await;
    let ns = it.namespace.clone();
    let url = common::start_engine(&client, &ns, "s3cret").await;
    common::apply_yaml(&client, &ns, &common::secret("remote-write-auth", "password", "s3cret")).await;
    let values = common::remote_write_values(&ns, &url, "");
    let file = values.to_str().unwrap();
    // COMMAND -f VALUES, the own jobs, the fast self-scrape, MORE.
    let with = |command: &'static str, more: &[&'static str]| -> Vec<&str> {
        let mut all = common::own_jobs_only(&[command, "-f", file]);
        all.extend(common::FAST_SELF_SCRAPE);
        all.extend(more);
        all
    };

    let started = Instant::now();
    let (code, out, err) = it.run(&with("install", &[]));
    assert_eq!(code, Some(0), "{out}{err}");
    let engine = PrometheusApi::via_service_proxy(client.clone(), &ns, "engine", 8428);
    let selector = format!("count(up{{prometheus={ns:?}}})");
    common::eventually("the first samples in the engine", Duration::from_secs(120), || async {
        engine.query_vector(&selector).await.ok()?.first().filter(|(_, v)| *v > 0.0).map(|_| ())
    })
    .await;
    let first_sample = started.elapsed();

    // The queue metrics come from the self-scrape: wait for one that saw samples sent.
    let prometheus = common::prometheus_api(&client, &ns);
    common::eventually("the queue's metrics scraped", Duration::from_secs(60), || async {
        let sent =
            prometheus.query_vector(r#"prometheus_remote_storage_samples_total{job="prometheus"} > 0"#).await.ok()?;
        (!sent.is_empty()).then_some(())
    })
    .await;
    let engine_service = format!("{ns}/engine:8428");
    let validating = Instant::now();
    let mut validate = with("validate", &[]);
    validate.extend(["--engine-service", &engine_service]);
    let (code, out, err) = it.run(&validate);
    let validate_seconds = validating.elapsed().as_secs_f64();
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains(&format!("ok   remote_write victoriametrics: {url}: ")), "{out}");
    assert!(out.contains("ok   engine receives: ") && out.contains("one per target"), "{out}");
    eprintln!(
        "figure: install start to the first sample queryable in VictoriaMetrics {:.1}s; validate with the engine check {validate_seconds:.1}s",
        first_sample.as_secs_f64()
    );

    // The engine goes away: the queue stalls, and validate says so naming the write URL; the engine's
    // own check names the storage engine (not Prometheus, nor Prometheus's pods).
    common::scale_engine(&client, &ns, 0).await;
    common::queue_lag(&prometheus, "> 25").await;
    let (code, out, err) = it.run(&validate);
    assert_eq!(code, Some(1), "{out}{err}");
    let queue =
        out.lines().find(|l| l.starts_with("FAIL remote_write victoriametrics")).unwrap_or_else(|| panic!("{out}"));
    assert!(queue.contains(&format!("sending to {url} stalled: ")) && queue.contains(" samples pending"), "{queue}");
    let engine_line = out.lines().find(|l| l.starts_with("FAIL engine receives")).unwrap_or_else(|| panic!("{out}"));
    assert!(engine_line.contains("cannot reach the storage engine through service proxy"), "{engine_line}");
    assert!(!engine_line.contains("app=prometheus"), "{engine_line}");
    eprintln!("seen while the engine was away:\n{queue}\n{engine_line}");
    // Back: the queue catches up, and validate passes saying it retried and recovered.
    common::scale_engine(&client, &ns, 1).await;
    common::queue_lag(&prometheus, "< 10").await;
    let (code, out, err) = it.run(&validate);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("it failed for a while and recovered"), "{out}");

    // The receiver's password changes: every write is refused with 401 from now on.
    common::rotate_engine_password(&client, &ns, "rotated").await;
    common::refused_writes_counted(&prometheus).await;
    let (code, out, err) = it.run(&with("validate", &[]));
    let _ = std::fs::remove_file(&values);
    assert_eq!(code, Some(1), "{out}{err}");
    let line =
        out.lines().find(|l| l.starts_with("FAIL remote_write victoriametrics")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains(&format!("samples failed to send to {url}")), "{line}");
    assert!(line.contains("the receiver answered HTTP 401 Unauthorized"), "{line}");
    assert!(!out.contains("s3cret") && !err.contains("s3cret"), "the password never shows");
}
