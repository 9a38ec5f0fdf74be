//! End to end on the test bed: the team's rules, the installed Alertmanager with a webhook receiver,
//! and placement values. Prometheus and Alertmanager are the real programs (scripts/cluster builds
//! them from their Go modules); the webhook receiver is busybox httpd with a CGI script.

mod common;

use std::time::{Duration, Instant};

use common::{Installed, own_jobs_only};
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use kube::Client;
use kube::api::Api;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(common::unique_name(name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// GET through the API server's service proxy, as text.
async fn proxy_get(client: &Client, ns: &str, service_port: &str, path: &str) -> Option<String> {
    let uri = format!("/api/v1/namespaces/{ns}/services/{service_port}/proxy/{path}");
    client.request_text(http::Request::get(uri).body(Vec::new()).unwrap()).await.ok()
}

/// A rule file from disk is loaded (install ends with /api/v1/rules showing it), a rule whose
/// evaluation fails at run time shows its error in validate, and a broken expression exits 2 with
/// its position before anything is applied.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn rule_files_load_a_failing_rule_shows_its_error_and_a_broken_one_is_refused_with_its_position() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-rules").await;
    let dir = temp_dir("promctl-rules");
    std::fs::write(
        dir.join("shop.yml"),
        r#"groups:
  - name: shop
    interval: 5s
    rules:
      - record: job:up:count
        expr: count by (job) (up)
      # Many series on the right of a one-to-one match: fails at every evaluation.
      - record: shop:broken:ratio
        expr: vector(1) * on() group_left() up
"#,
    )
    .unwrap();
    // A PrometheusRule object, as a team coming from prometheus-operator keeps its rules.
    std::fs::write(
        dir.join("shop-operator.yaml"),
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: shop-operator\n  labels: {release: prometheus}\nspec:\n  groups:\n    - name: shop-operator\n      rules:\n        - record: job:up:max\n          expr: max by (job) (up)\n",
    )
    .unwrap();
    let rules_dir = dir.to_str().unwrap();
    let (code, out, err) = it.run(&own_jobs_only(&["install", "--rules", rules_dir]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("rules loaded: 3 groups,") && out.contains("as rendered (seen in /api/v1/rules)"), "{out}");
    let prometheus = common::prometheus_api(&client, &it.namespace);
    let loaded = prometheus.rules().await.unwrap();
    let operator = loaded.iter().find(|g| g.name == "shop-operator").expect("the PrometheusRule's group loaded");
    assert!(operator.file.contains("rules-shop-operator-"), "{}", operator.file);
    assert_eq!(operator.rules.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["job:up:max"]);

    // The rule fails only once `up` has two series (its right side is then not unique): until the
    // second job's first scrape, it evaluates fine. Wait for Prometheus to record the error.
    common::eventually("the broken rule failing in Prometheus", Duration::from_secs(90), || async {
        let groups = prometheus.rules().await.ok()?;
        groups
            .iter()
            .flat_map(|g| &g.rules)
            .any(|r| r.name == "shop:broken:ratio" && !r.last_error.is_empty())
            .then_some(())
    })
    .await;
    let (code, out, err) = it.run(&own_jobs_only(&["validate", "--rules", rules_dir, "--wait-targets", "60s"]));
    assert_eq!(code, Some(1), "the failing rule fails validate: {out}{err}");
    assert!(out.contains("ok   rules loaded: 3 groups"), "{out}");
    let failing = out.lines().find(|l| l.starts_with("FAIL rules evaluate")).unwrap_or_else(|| panic!("{out}"));
    assert!(failing.contains("shop/shop:broken:ratio:"), "names group and rule: {failing}");
    assert!(out.lines().any(|l| l.starts_with("shop ") && l.contains("rules-shop-")), "the rules table: {out}");
    assert!(out.contains("    shop:broken:ratio: "), "the table lists the rule's last error: {out}");
    assert!(err.contains("rules evaluate"), "{err}");

    // JSON carries the rules section and the alerts.
    let out = it.promctl(&own_jobs_only(&["validate", "--rules", rules_dir, "-o", "json"])).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shop = report["rules"].as_array().unwrap().iter().find(|g| g["group"] == "shop").expect("group shop in JSON");
    assert_eq!(shop["errors"][0]["rule"], "shop:broken:ratio");
    assert!(report["alerts"].as_array().unwrap().iter().any(|a| a["labels"]["alertname"] == "Watchdog"), "{report}");

    // A broken expression: exit 2 with file, line and column, and the running ConfigMap untouched.
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &it.namespace);
    let before = configmaps.get("prometheus-config").await.unwrap().data;
    let broken = dir.join("zz-broken.yml");
    std::fs::write(&broken, "groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: sum(\n")
        .unwrap();
    let (code, _, err) = it.run(&own_jobs_only(&["install", "--rules", rules_dir]));
    assert_eq!(code, Some(2), "{err}");
    let position = format!(
        "{}:5:15: group \"broken\": rule 1 (alert \"Broken\"): expr \"sum(\" is not valid PromQL",
        broken.display()
    );
    assert!(err.contains(&position), "{err}");
    assert!(err.contains("nothing was applied"), "{err}");
    assert_eq!(configmaps.get("prometheus-config").await.unwrap().data, before, "nothing was applied");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The webhook receiver: busybox httpd whose CGI appends each POST body to a file, and shows it.
const WEBHOOK: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: webhook-cgi}
data:
  hook: |
    #!/bin/sh
    head -c "${CONTENT_LENGTH:-0}" >>/tmp/received
    echo >>/tmp/received
    printf 'Content-Type: text/plain\r\n\r\nok\n'
  received: |
    #!/bin/sh
    printf 'Content-Type: text/plain\r\n\r\n'
    cat /tmp/received 2>/dev/null
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: webhook}
spec:
  selector: {matchLabels: {app: webhook}}
  template:
    metadata: {labels: {app: webhook}}
    spec:
      containers:
        - name: httpd
          image: localhost/busybox:1
          command: [httpd, -f, -p, "8080", -h, /www]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
          volumeMounts: [{name: cgi, mountPath: /www/cgi-bin}]
      volumes: [{name: cgi, configMap: {name: webhook-cgi, defaultMode: 365}}]   # 365 = 0555
---
apiVersion: v1
kind: Service
metadata: {name: webhook}
spec:
  selector: {app: webhook}
  ports: [{name: http, port: 8080, targetPort: http, protocol: TCP}]
"#;

/// The Watchdog (always firing) goes from Prometheus to the Alertmanager promctl installs and on to a
/// webhook receiver in the test bed, within a stated bound; validate sees Alertmanager active and
/// the firing alerts; a changed Alertmanager config is reloaded and verified.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn the_watchdog_reaches_alertmanager_and_a_webhook_receiver() {
    const BOUND: Duration = Duration::from_secs(120);
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-alerts").await;
    common::apply_yaml(
        &client,
        "",
        &format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {}}}\n", it.namespace),
    )
    .await;
    common::apply_yaml(&client, &it.namespace, WEBHOOK).await;
    // No cluster DNS in the test bed (nor needed by promctl): the receiver is addressed by ClusterIP.
    let service = Api::<Service>::namespaced(client.clone(), &it.namespace).get("webhook").await.unwrap();
    let ip = service.spec.and_then(|s| s.cluster_ip).expect("a ClusterIP");
    let dir = temp_dir("promctl-am");
    let values = dir.join("values.yaml");
    let write_values = |group_by: &str| {
        std::fs::write(
            &values,
            format!(
                r#"scrape:
  evaluationInterval: 5s
alertmanager:
  enabled: true
  resources: {{requests: {{cpu: 20m}}}}
  config:
    route:
      receiver: webhook
      group_by: [{group_by}]
      group_wait: 1s
      group_interval: 5s
      repeat_interval: 1h
    receivers:
      - name: webhook
        webhook_configs:
          - url: http://{ip}:8080/cgi-bin/hook
            send_resolved: false
"#
            ),
        )
        .unwrap()
    };
    write_values("alertname");
    let file = values.to_str().unwrap();

    let started = Instant::now();
    let (code, out, err) = it.run(&own_jobs_only(&["install", "-f", file]));
    assert_eq!(code, Some(0), "{out}{err}");
    let installed = started.elapsed();
    let received = common::eventually("the Watchdog at the webhook receiver", BOUND, || async {
        let body = proxy_get(&client, &it.namespace, "webhook:8080", "cgi-bin/received").await?;
        body.contains("\"alertname\":\"Watchdog\"").then_some(body)
    })
    .await;
    let first_alert = started.elapsed();
    eprintln!(
        "figure: install {:.1}s; install start to the first alert at the webhook {:.1}s (bound {}s)",
        installed.as_secs_f64(),
        first_alert.as_secs_f64(),
        BOUND.as_secs()
    );
    assert!(received.contains("\"receiver\":\"webhook\""), "{received}");
    let alerts = proxy_get(&client, &it.namespace, "prometheus-alertmanager:9093", "api/v2/alerts").await.unwrap();
    assert!(alerts.contains("\"alertname\":\"Watchdog\""), "Alertmanager's /api/v2/alerts: {alerts}");

    let (code, out, err) = it.run(&own_jobs_only(&["validate", "-f", file, "--fail-on-alert", "severity=critical"]));
    assert_eq!(code, Some(0), "{out}{err}");
    for line in [
        "ok   Alertmanager rolled out",
        "ok   Prometheus sends to Alertmanager: active: http://",
        "ok   Alertmanager ready",
        "ok   Alertmanager config: runs the rendered alertmanager.yml",
        "ok   alerts: no firing alert matches --fail-on-alert",
    ] {
        assert!(out.contains(line), "{line:?} in {out}");
    }
    assert!(
        out.lines().any(|l| l.starts_with("firing") && l.contains("Watchdog") && l.contains("severity=none")),
        "{out}"
    );
    let (code, out, _) = it.run(&own_jobs_only(&["validate", "-f", file, "--fail-on-alert", "Watchdog"]));
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("FAIL alerts: firing and forbidden by --fail-on-alert: Watchdog{severity=\"none\"} since"),
        "{out}"
    );

    // A changed Alertmanager config: reload applies it and proves Alertmanager loaded it.
    write_values("alertname, namespace");
    let (code, out, err) = it.run(&own_jobs_only(&["reload", "-f", file]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("Alertmanager reloaded and verified: its config hash is the rendered file's"), "{out}");
    let status = proxy_get(&client, &it.namespace, "prometheus-alertmanager:9093", "api/v2/status").await.unwrap();
    assert!(status.contains("- namespace"), "the new group_by is running: {status}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A nodeSelector no node matches: install fails fast as Unschedulable with the scheduler's reason,
/// long before its timeout.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn a_node_selector_that_matches_no_node_fails_fast_as_unschedulable() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-nodesel").await;
    let (code, out, err) =
        it.run(&["install", "--timeout", "240s", "--set", "nodeSelector={promctl.dev/no-such-node: \"true\"}"]);
    // Exit 1 (failed), not 4 (the 240 s timeout): the Unschedulable grace ended it.
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("Unschedulable for"), "{err}");
    assert!(err.contains("node(s) didn't match"), "the scheduler's reason: {err}");
}

/// A Secret the values mount that does not exist: refused before anything is applied (a pod would
/// otherwise wait in ContainerCreating until the timeout), naming the Secret and how to create it.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn a_missing_secret_is_refused_before_anything_is_applied() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-nosecret").await;
    let (code, out, err) = it.run(&["install", "--set", "secrets=[shop-api-auth]"]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("Secret shop-api-auth not found in namespace"), "{err}");
    assert!(err.contains("kubectl -n") && err.contains("create secret generic"), "{err}");
    assert!(err.contains("nothing was applied"), "{err}");
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
    assert!(namespaces.get_opt(&it.namespace).await.unwrap().is_none(), "not even the namespace was created");
}

/// `promctl test rules` with the promtool of the image promctl deploys, in a pod of that image: the
/// starter alerts' tests pass; with TargetDown left out of the render they fail with promtool's own
/// diff (exit 1, JUnit); the pod and its files are gone after each run; without the namespace it is
/// exit 2 naming it.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn rule_tests_run_in_a_pod_of_the_deployed_image_and_fail_with_promtool_s_own_diff() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-rule-tests").await;
    let tests = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules/starter.test.yml");
    let (code, _, err) = it.run(&["test", "rules", tests]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("namespace {} does not exist", it.namespace)), "{err}");

    common::apply_yaml(
        &client,
        "",
        &format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {}}}\n", it.namespace),
    )
    .await;
    let started = Instant::now();
    let (code, out, err) = it.run(&["test", "rules", tests]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("starter.test.yml: 8 test groups passed"), "{out}");
    let image = format!("prom/prometheus:{}", common::prometheus_tag_override().unwrap_or("v2.48.0".into()));
    assert!(out.contains("(promtool: pod prometheus-rule-test-") && out.contains(&image), "{out}");
    eprintln!("the starter alerts' tests in a pod of {image}: {:.1}s", started.elapsed().as_secs_f64());

    let junit = temp_dir("promctl-rule-tests").join("junit.xml");
    let disabled = ["test", "rules", tests, "--set", "rules.starter.disabled=[TargetDown]", "--junit"];
    let (code, out, err) = it.run(&[&disabled[..], &[junit.to_str().unwrap()]].concat());
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("    alertname: TargetDown, time: 6m, \n        exp:[\n"), "promtool's own diff: {out}");
    assert!(err.contains("rule tests failed: ") && err.contains("starter.test.yml"), "{err}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<testsuite name="promctl test rules" tests="1""#) && xml.contains(r#"failures="1""#),
        "{xml}"
    );

    let left = |kind: &'static str| {
        let client = client.clone();
        let ns = it.namespace.clone();
        async move {
            let selector = "app.kubernetes.io/component=rule-test";
            let params = kube::api::ListParams::default().labels(selector);
            match kind {
                "pods" => Api::<k8s_openapi::api::core::v1::Pod>::namespaced(client, &ns)
                    .list(&params)
                    .await
                    .unwrap()
                    .items
                    .len(),
                _ => Api::<ConfigMap>::namespaced(client, &ns).list(&params).await.unwrap().items.len(),
            }
        }
    };
    common::eventually("the rule test pods and their ConfigMaps gone", Duration::from_secs(60), || async {
        (left("pods").await == 0 && left("configmaps").await == 0).then_some(())
    })
    .await;
    let _ = std::fs::remove_dir_all(junit.parent().unwrap());
}
