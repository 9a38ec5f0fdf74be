//! The test bed itself: kube-rs against the real cluster built by scripts/cluster.
//! Ignored by default; scripts/test runs it with `--ignored` and the test bed's kubeconfig.

mod common;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use kube::runtime::{WatchStreamExt, watcher};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WEB: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: localhost/busybox:1
          imagePullPolicy: Never
          args: ["-c", "mkdir -p /tmp/www && echo hello-from-$HOSTNAME > /tmp/www/index.html && echo serving && exec httpd -f -v -p 8080 -h /tmp/www"]
          ports: [{name: web, containerPort: 8080, protocol: TCP}]
          readinessProbe: {httpGet: {path: /, port: web}, periodSeconds: 1}
"#;

#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn deployment_becomes_ready_logs_and_port_forwards_on_the_test_bed() {
    let client = common::client().await;
    let ns = common::fresh_namespace(&client, "e2e-testbed").await;
    common::apply_yaml(&client, &ns, WEB).await;

    // Watch (not poll) until the Deployment's pod reports Ready.
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    let ready =
        watcher(pods.clone(), watcher::Config::default().labels("app=web")).applied_objects().try_filter(|pod| {
            let ready = pod
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|conds| conds.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
            futures::future::ready(ready)
        });
    let pod = tokio::time::timeout(Duration::from_secs(60), Box::pin(ready).next())
        .await
        .expect("pod Ready within 60 s")
        .expect("watch stream open")
        .expect("watch without error");
    let pod_name = pod.metadata.name.clone().unwrap();

    let logs = pods.logs(&pod_name, &LogParams::default()).await.expect("read logs");
    assert!(logs.contains("serving"), "log of {pod_name}: {logs:?}");

    // One HTTP request through a port-forward tunnel to the pod.
    let mut forwarder = pods.portforward(&pod_name, &[8080]).await.expect("port-forward");
    let mut stream = forwarder.take_stream(8080).expect("stream for port 8080");
    stream.write_all(b"GET / HTTP/1.0\r\nHost: web\r\n\r\n").await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    drop(stream);
    let _ = forwarder.join().await; // "Sending after closing" is harmless here (see test-cluster notes)
    assert!(response.starts_with("HTTP/1.1 200"), "response: {response}");
    assert!(response.contains(&format!("hello-from-{pod_name}")), "response: {response}");

    assert_eq!(pods.list(&ListParams::default().labels("app=web")).await.unwrap().items.len(), 1);
    common::delete_namespace(&client, &ns).await;
}
