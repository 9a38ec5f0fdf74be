//! Shared setup for the end-to-end tests: they run against the REAL test bed (scripts/cluster up),
//! found through $KUBECONFIG. Each test works in a fresh namespace and deletes it at the end.
#![allow(dead_code)]

use std::time::Duration;

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::{Client, ResourceExt};

pub async fn client() -> Client {
    Client::try_default().await.expect(
        "a kubeconfig for the test bed: run scripts/test, or scripts/cluster up and eval $(scripts/cluster env)",
    )
}

/// `<prefix>-<process><sequence><clock bits>`: distinct across the tests of one process (a counter),
/// across test binaries (the process id) and across runs (the clock).
pub fn unique_name(prefix: &str) -> String {
    static SEQUENCE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let sequence = SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}-{:x}{sequence:x}{:x}", std::process::id() % 4096, nanos % 4096)
}

/// Polls `check` every 200 ms until it returns Some; panics naming `what` after `within`.
pub async fn eventually<T, F, Fut>(what: &str, within: Duration, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually_every(what, within, Duration::from_millis(200), check).await
}

/// The same, asking every `every` (a fault test that must catch a moment asks every 10 ms).
pub async fn eventually_every<T, F, Fut>(what: &str, within: Duration, every: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        tokio::time::sleep(every).await;
    }
}

/// A namespace named `<prefix>-<random>`, ready for pods (its `default` ServiceAccount exists).
pub async fn fresh_namespace(client: &Client, prefix: &str) -> String {
    let name = unique_name(prefix);
    let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).unwrap();
    Api::<Namespace>::all(client.clone()).create(&PostParams::default(), &ns).await.expect("create namespace");
    let accounts = Api::<ServiceAccount>::namespaced(client.clone(), &name);
    let what = format!("the default ServiceAccount of namespace {name}");
    eventually(&what, Duration::from_secs(10), || async { accounts.get_opt("default").await.unwrap().map(drop) }).await;
    name
}

/// Deletes the namespace without waiting: deletion with running pods can take a minute on 1.20.
pub async fn delete_namespace(client: &Client, name: &str) {
    let _ = Api::<Namespace>::all(client.clone()).delete(name, &DeleteParams::background()).await;
}

/// Server-side applies every document of a multi-document YAML text into `namespace`.
pub async fn apply_yaml(client: &Client, namespace: &str, yaml: &str) {
    use kube::discovery::{ApiCapabilities, Scope};
    for doc in serde_saphyr::from_multiple::<kube::api::DynamicObject>(yaml).expect("test manifest parses") {
        let gvk = kube::api::GroupVersionKind::try_from(doc.types.as_ref().expect("apiVersion and kind")).unwrap();
        let (resource, caps): (kube::api::ApiResource, ApiCapabilities) =
            kube::discovery::pinned_kind(client, &gvk).await.expect("kind known to the server");
        let api: Api<kube::api::DynamicObject> = match caps.scope {
            Scope::Namespaced => Api::namespaced_with(client.clone(), namespace, &resource),
            Scope::Cluster => Api::all_with(client.clone(), &resource),
        };
        let name = doc.name_any();
        api.patch(&name, &PatchParams::apply("promctl-e2e").force(), &Patch::Apply(&doc))
            .await
            .unwrap_or_else(|e| panic!("apply {} {name}: {e}", gvk.kind));
    }
}

/// The installed Prometheus of namespace `ns` (the defaults' Service, prometheus:9090) through the API
/// server's service proxy, as validate reaches it.
pub fn prometheus_api(client: &Client, ns: &str) -> promctl::prometheus::PrometheusApi {
    promctl::prometheus::PrometheusApi::via_service_proxy(client.clone(), ns, "prometheus", 9090)
}

/// A finished command's stderr, as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The promctl binary built for this test run.
pub fn promctl() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_promctl"))
}

/// Held by a test while it makes a target that every install's cluster-wide jobs (kubernetes-pods,
/// kubernetes-service-endpoints) scrape go down, or while it asserts that all of them are up: those
/// jobs see every namespace, so two such tests at once would judge each other's targets. Tests in
/// other binaries run in other processes, hence a file lock, released when the value is dropped.
pub fn cluster_wide_targets_lock() -> std::fs::File {
    let path = std::env::temp_dir().join("promctl-e2e-cluster-wide-targets.lock");
    let file = std::fs::File::create(&path).expect("lock file");
    file.lock().expect("lock");
    file
}

/// The Prometheus image tag the tests install, from $PROMCTL_TEST_PROMETHEUS_TAG (scripts/test sets
/// it per round, e.g. v3.16.0); unset, promctl's default (v2.48.0). The test bed imports both under
/// their real names (docker.io/prom/prometheus), so no repository or pull policy is overridden.
pub fn prometheus_tag_override() -> Option<String> {
    std::env::var("PROMCTL_TEST_PROMETHEUS_TAG").ok().filter(|t| !t.is_empty())
}

/// One promctl install under test: its own namespace (promctl creates it) and its own cluster-scoped
/// RBAC names, so tests run in parallel without touching each other.
pub struct Installed {
    pub client: Client,
    pub namespace: String,
}

impl Installed {
    pub async fn new(client: &Client, prefix: &str) -> Self {
        Installed { client: client.clone(), namespace: unique_name(prefix) }
    }

    pub fn instance(&self) -> String {
        format!("{}.prometheus", self.namespace)
    }

    /// promctl SUBCOMMAND with this install's namespace, RBAC names and the round's image tag, then
    /// the rest of `args` (later --set flags win, so a test can override the defaults).
    pub fn promctl(&self, args: &[&str]) -> std::process::Command {
        let mut command = promctl();
        // `test rules` and `rbac validate` are subcommands of two words: the --set flags below come after both.
        let words = if matches!(args.first(), Some(&"test" | &"rbac")) { 2 } else { 1 };
        let (subcommand, rest) = args.split_at(words);
        let subcommand = subcommand[0];
        command.args(&args[..words]).args(["-n", &self.namespace, "--no-color"]);
        if !rest.contains(&"--timeout") {
            command.args(["--timeout", "90s"]);
        }
        if !matches!(subcommand, "values" | "completions") {
            if let Some(tag) = prometheus_tag_override() {
                command.args(["--set", &format!("image.tag={tag}")]);
            }
            command.args(["--set", &format!("rbac.clusterRoleName=prometheus-{}", self.namespace)]);
            // The test bed's node has 2 CPUs and tests install in parallel: ask for a slice of one.
            command.args(["--set", "resources.requests.cpu=100m"]);
        }
        command.args(rest);
        command
    }
}

/// The jobs an install in a namespace of its own satisfies alone, as --set flags to add: no shop is
/// deployed there, and the cluster-wide annotation jobs would judge other tests' pods.
pub const OWN_NAMESPACE_JOBS_ONLY: [&str; 7] = [
    "scrape.jobs.django.enabled=false",
    "scrape.jobs.postgresql.enabled=false",
    "scrape.jobs.redis.enabled=false",
    "scrape.jobs.nginx.enabled=false",
    "scrape.jobs.celery.enabled=false",
    "scrape.jobs.kubernetes-pods.enabled=false",
    "scrape.jobs.kubernetes-service-endpoints.enabled=false",
];

/// `args` followed by `--set` for each of [`OWN_NAMESPACE_JOBS_ONLY`].
pub fn own_jobs_only<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    for set in OWN_NAMESPACE_JOBS_ONLY {
        all.extend(["--set", set]);
    }
    all
}

impl Installed {
    /// `promctl ARGS` (as [`Installed::promctl`]) run to its end: exit code, stdout, stderr.
    pub fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = self.promctl(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// Cleans up even when the test failed (a panic skips code after it): deletes the namespace without
/// waiting, and the cluster-scoped RBAC objects. Runs on its own runtime: Drop cannot await.
impl Drop for Installed {
    fn drop(&mut self) {
        use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
        let namespace = self.namespace.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let client = client().await;
                let name = format!("prometheus-{namespace}");
                let _ = Api::<ClusterRoleBinding>::all(client.clone()).delete(&name, &DeleteParams::default()).await;
                let _ = Api::<ClusterRole>::all(client.clone()).delete(&name, &DeleteParams::default()).await;
                delete_namespace(&client, &namespace).await;
            })
        })
        .join();
    }
}

/// A Secret with one key, as YAML for [`apply_yaml`].
pub fn secret(name: &str, key: &str, value: &str) -> String {
    format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: {name}}}\nstringData: {{{key}: {value:?}}}\n")
}

/// The long-term store of tests/engine/victoriametrics.yaml in `namespace` (created here), accepting
/// user `shop` with `password`, ready. Returns its remote-write URL (the Service's ClusterIP: the test
/// bed has no cluster DNS); its query API is the Service `engine`, port 8428.
#[allow(dead_code)]
pub async fn start_engine(client: &Client, namespace: &str, password: &str) -> String {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Service;
    apply_yaml(client, "", &format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {namespace}}}\n")).await;
    apply_yaml(client, namespace, &secret("engine-auth", "htpasswd", &format!("shop:{{PLAIN}}{password}\n"))).await;
    apply_yaml(client, namespace, include_str!("../engine/victoriametrics.yaml")).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    eventually("the engine ready", Duration::from_secs(120), || async {
        let d = deployments.get("engine").await.ok()?;
        (d.status?.available_replicas? >= 1).then_some(())
    })
    .await;
    let service = Api::<Service>::namespaced(client.clone(), namespace).get("engine").await.unwrap();
    format!("http://{}:8080/api/v1/write", service.spec.unwrap().cluster_ip.unwrap())
}

/// Values writing to the engine at `url` as user `shop`, the password from the Secret
/// `remote-write-auth` (key `password`), with `extra` appended (more top-level keys).
#[allow(dead_code)]
pub fn remote_write_values(namespace: &str, url: &str, extra: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("{namespace}-values.yaml"));
    std::fs::write(
        &path,
        format!(
            r#"scrape:
  externalLabels: {{prometheus: {namespace}}}
secrets: [remote-write-auth]
remoteWrite:
  - url: {url}
    name: victoriametrics
    basic_auth:
      username: shop
      password_file: /etc/prometheus-secrets/remote-write-auth/password
    queue_config: {{batch_send_deadline: 1s}}
{extra}"#
        ),
    )
    .unwrap();
    path
}

/// The engine's accepted password changes to `password`: every write with the old one is refused with
/// 401 from then on. The kubelet refreshes a Secret volume on its own schedule; touching the pod makes
/// it look now.
#[allow(dead_code)]
pub async fn rotate_engine_password(client: &Client, namespace: &str, password: &str) {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::ListParams;
    apply_yaml(client, namespace, &secret("engine-auth", "htpasswd", &format!("shop:{{PLAIN}}{password}\n"))).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    for pod in pods.list(&ListParams::default().labels("app=engine")).await.unwrap() {
        let touch = serde_json::json!({"metadata": {"annotations": {"promctl.dev/touched": password}}});
        pods.patch(&pod.name_any(), &PatchParams::default(), &Patch::Merge(&touch)).await.unwrap();
    }
}

/// The engine's Deployment scaled to `replicas`; with 1, returns once its pod is available again.
#[allow(dead_code)]
pub async fn scale_engine(client: &Client, namespace: &str, replicas: i32) {
    use k8s_openapi::api::apps::v1::Deployment;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let scale = serde_json::json!({"spec": {"replicas": replicas}});
    deployments.patch("engine", &PatchParams::default(), &Patch::Merge(&scale)).await.unwrap();
    eventually("the engine scaled", Duration::from_secs(120), || async {
        let status = deployments.get("engine").await.ok()?.status?;
        (status.available_replicas.unwrap_or(0) == replicas && status.replicas.unwrap_or(0) == replicas).then_some(())
    })
    .await;
}

/// Waits until the queue's lag (how far sending is behind the newest sample, from the self-scrape)
/// satisfies `condition`, e.g. "> 25" while the receiver is down.
#[allow(dead_code)]
pub async fn queue_lag(api: &promctl::prometheus::PrometheusApi, condition: &str) {
    let lag = format!(
        r#"prometheus_remote_storage_highest_timestamp_in_seconds{{job="prometheus"}} - ignoring(remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds{{job="prometheus"}} {condition}"#
    );
    eventually(&format!("the queue's lag {condition}"), Duration::from_secs(180), || async {
        (!api.query_vector(&lag).await.ok()?.is_empty()).then_some(())
    })
    .await;
}

/// Waits until the Prometheus behind `api` has counted refused remote writes (its self-scrape).
#[allow(dead_code)]
pub async fn refused_writes_counted(api: &promctl::prometheus::PrometheusApi) {
    eventually("refused writes counted", Duration::from_secs(180), || async {
        let failed = api
            .query_vector(r#"increase(prometheus_remote_storage_samples_failed_total{job="prometheus"}[2m]) > 0"#)
            .await
            .ok()?;
        (!failed.is_empty()).then_some(())
    })
    .await;
}

/// The self-scrape, which carries the remote-write queue metrics, every 5 s (its timeout may not be
/// longer), as --set flags.
#[allow(dead_code)]
pub const FAST_SELF_SCRAPE: [&str; 4] =
    ["--set", "scrape.scrapeTimeout=5s", "--set", "scrape.jobs.prometheus.interval=5s"];

/// The object store of tests/engine/seaweedfs.yaml in `namespace` (created here), its S3 identity
/// `access`/`secret` and a bucket `thanos` made, ready. Returns its S3 endpoint (the Service's
/// ClusterIP and port: the test bed has no cluster DNS).
#[allow(dead_code)]
pub async fn start_objstore(client: &Client, namespace: &str, access: &str, secret_key: &str) -> String {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{Pod, Service};
    use kube::api::ListParams;
    apply_yaml(client, "", &format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {namespace}}}\n")).await;
    let identities = format!(
        r#"{{"identities":[{{"name":"thanos","credentials":[{{"accessKey":"{access}","secretKey":"{secret_key}"}}],"actions":["Admin","Read","Write","List","Tagging"]}}]}}"#
    );
    apply_yaml(client, namespace, &secret("objstore-identities", "s3.json", &identities)).await;
    apply_yaml(client, namespace, include_str!("../engine/seaweedfs.yaml")).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    eventually("the object store ready", Duration::from_secs(120), || async {
        (deployments.get("objstore").await.ok()?.status?.available_replicas? >= 1).then_some(())
    })
    .await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let pod = pods.list(&ListParams::default().labels("app=objstore")).await.unwrap().items[0].name_any();
    // The master elects itself a few seconds after the S3 port opens: ask until the bucket is made.
    let make = [
        "sh",
        "-c",
        "echo 's3.bucket.create -name thanos' | weed shell -master=127.0.0.1:9333 && echo 's3.bucket.list' | weed shell -master=127.0.0.1:9333",
    ];
    eventually("the bucket made", Duration::from_secs(60), || async {
        let out = promctl::cluster::pods::exec(&pods, &pod, "weed", &make).await.ok()?;
        out.stdout.contains("thanos").then_some(())
    })
    .await;
    let service = Api::<Service>::namespaced(client.clone(), namespace).get("objstore").await.unwrap();
    format!("{}:8333", service.spec.unwrap().cluster_ip.unwrap())
}
