//! promctl as a CI step inside the cluster, as GitLab's Kubernetes executor, Tekton or Argo Workflows
//! run it: its image (scripts/test builds it from the binary under test: PROMCTL_TEST_IMAGE) as a Job
//! with a ServiceAccount and the RBAC `promctl rbac validate` prints, in-cluster credentials, the
//! JUnit file written to a volume (and printed to the log, which is how the test reads it).

mod common;

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::authentication::v1::TokenRequest;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod, ServiceAccount};
use kube::Client;
use kube::api::{Api, ListParams, LogParams, Patch, PatchParams, PostParams};

use common::{Installed, own_jobs_only};

/// A scrape target of the install's own: busybox httpd serving a metrics file, as `exporter:9100`
/// (`metrics.txt`: httpd sends text/plain for it, which Prometheus 3 wants).
const EXPORTER: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: exporter}
spec:
  replicas: 1
  selector: {matchLabels: {app: exporter}}
  template:
    metadata: {labels: {app: exporter}}
    spec:
      containers:
        - name: httpd
          image: localhost/busybox:1
          imagePullPolicy: Never
          args: ["-c", "mkdir -p /tmp/www && echo 'shop_orders_total 7' > /tmp/www/metrics.txt && exec httpd -f -p 9100 -h /tmp/www"]
          ports: [{containerPort: 9100}]
          readinessProbe: {tcpSocket: {port: 9100}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: exporter}
spec:
  selector: {app: exporter}
  ports: [{port: 9100}]
"#;

/// `promctl validate ARGS` as a Job of the promctl image, as the ServiceAccount `promctl-ci`; its
/// JUnit file written to a volume and then printed. Returns whether the Job succeeded, and its log.
async fn validate_as_a_job(client: &Client, ns: &str, image: &str, name: &str, args: &[String]) -> (bool, String) {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let command: Vec<String> = args.iter().map(|a| quote(a)).collect();
    let script = format!(
        "promctl {} --junit /out/validate.xml; code=$?; echo '--- the JUnit file'; cat /out/validate.xml; exit $code",
        command.join(" ")
    );
    let job = serde_json::json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "metadata": {"labels": {"job": name}},
                "spec": {
                    "serviceAccountName": "promctl-ci",
                    "restartPolicy": "Never",
                    "securityContext": {"runAsNonRoot": true, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "promctl",
                        "image": image,
                        "imagePullPolicy": "Never",
                        "command": ["sh", "-c", script],
                        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                        "volumeMounts": [{"name": "out", "mountPath": "/out"}],
                    }],
                    "volumes": [{"name": "out", "emptyDir": {}}],
                },
            },
        },
    });
    let jobs: Api<Job> = Api::namespaced(client.clone(), ns);
    jobs.create(&PostParams::default(), &serde_json::from_value(job).unwrap()).await.unwrap();
    let succeeded = common::eventually(&format!("Job {name} finished"), Duration::from_secs(180), || async {
        let status = jobs.get(name).await.ok()?.status?;
        let conditions = status.conditions.unwrap_or_default();
        let done = |kind: &str| conditions.iter().any(|c| c.type_ == kind && c.status == "True");
        if done("Complete") {
            Some(true)
        } else if done("Failed") {
            Some(false)
        } else {
            None
        }
    })
    .await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let pod = pods.list(&ListParams::default().labels(&format!("job={name}"))).await.unwrap().items.remove(0);
    let log = pods.logs(&pod.metadata.name.unwrap(), &LogParams::default()).await.unwrap();
    (succeeded, log)
}

/// A kubeconfig for the ServiceAccount `account` (a token from the TokenRequest API), beside the
/// test bed's cluster: promctl run here as the Job's identity.
async fn service_account_kubeconfig(client: &Client, ns: &str, account: &str, path: &std::path::Path) {
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), ns);
    let request: TokenRequest =
        serde_json::from_value(serde_json::json!({"spec": {"audiences": [], "expirationSeconds": 3600}})).unwrap();
    let token = accounts.create_token_request(account, &PostParams::default(), &request).await.unwrap();
    let token = token.status.unwrap().token;
    let source = std::env::var("KUBECONFIG").expect("the test bed's KUBECONFIG");
    let mut config = kube::config::Kubeconfig::read_from(&source).unwrap();
    for user in &mut config.auth_infos {
        user.auth_info = Some(serde_json::from_value(serde_json::json!({ "token": token })).unwrap());
    }
    std::fs::write(path, serde_json::to_string(&config).unwrap()).unwrap();
}

/// promctl's image as a Job with the ServiceAccount and RBAC that `promctl rbac validate` prints:
/// validate passes on a healthy install (exit 0, the JUnit file with no failure) and fails when a job
/// is down (the Job fails, the JUnit file names the job); and each rule marked "required" in that RBAC
/// is needed: without any one of them, validate as that ServiceAccount fails.
#[tokio::test]
#[ignore = "needs the test bed and PROMCTL_TEST_IMAGE: scripts/test"]
async fn validate_as_a_job_with_the_printed_rbac_passes_fails_on_a_down_job_and_needs_each_required_rule() {
    let image = std::env::var("PROMCTL_TEST_IMAGE").expect("PROMCTL_TEST_IMAGE: set by scripts/test");
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-in-cluster").await;
    let ns = it.namespace.clone();
    common::apply_yaml(&client, "", &format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n")).await;
    common::apply_yaml(&client, &ns, EXPORTER).await;
    let extra = format!(
        "scrape.extraJobs=[{{job_name: exporter, metrics_path: /metrics.txt, scrape_interval: 5s, scrape_timeout: 4s, static_configs: [{{targets: ['exporter.{ns}.svc.cluster.local:9100']}}]}}]"
    );
    let with = |command: &'static str| {
        let mut args = own_jobs_only(&[command, "--set", &extra]);
        args.extend(common::FAST_SELF_SCRAPE);
        args.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    let install = with("install");
    let (code, out, err) = it.run(&install.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(0), "{out}{err}");

    let (code, rbac, err) = it.run(&["rbac", "validate", "--service-account", "promctl-ci"]);
    assert_eq!(code, Some(0), "{err}");
    common::apply_yaml(&client, &ns, &rbac).await;

    // The Job runs validate with the same values, and in-cluster credentials (no kubeconfig).
    let validate = with("validate");
    let job_args: Vec<String> = it
        .promctl(&validate.iter().map(String::as_str).collect::<Vec<_>>())
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .chain(["--wait-targets".to_string(), "60s".to_string()])
        .collect();
    let (passed, log) = validate_as_a_job(&client, &ns, &image, "validate-healthy", &job_args).await;
    eprintln!("the Job on a healthy install:\n{log}");
    assert!(passed, "{log}");
    assert!(log.contains("ok   job exporter: 1/1 targets up") && log.contains(" checks passed"), "{log}");
    assert!(log.contains(r#"<testsuite name="promctl validate""#) && log.contains(r#"failures="0""#), "{log}");

    // Each required rule, taken away alone: validate as the ServiceAccount fails.
    let kubeconfig = std::env::temp_dir().join(format!("promctl-ci-{ns}.kubeconfig"));
    service_account_kubeconfig(&client, &ns, "promctl-ci", &kubeconfig).await;
    let as_ci = || {
        let mut command = it.promctl(&validate.iter().map(String::as_str).collect::<Vec<_>>());
        command.env("KUBECONFIG", &kubeconfig);
        command.output().unwrap()
    };
    assert!(as_ci().status.success(), "the printed RBAC is enough for validate run here as the ServiceAccount");
    let documents: Vec<serde_json::Value> = serde_saphyr::from_multiple(&rbac).unwrap();
    let required = [
        ("Role", "serviceaccounts", "get"),
        ("Role", "persistentvolumeclaims", "get"),
        ("Role", "deployments", "get"),
        ("Role", "pods", "list"),
        ("Role", "endpointslices", "list"),
        ("Role", "services/proxy", "get"),
        ("ClusterRole", "clusterroles", "get"),
        ("ClusterRole", "clusterrolebindings", "get"),
        ("ClusterRole", "subjectaccessreviews", "create"),
    ];
    let mut needed = Vec::new();
    for (kind, resource, verb) in required {
        let mut role = documents.iter().find(|d| d["kind"] == kind).unwrap().clone();
        let rules = role["rules"].as_array_mut().unwrap();
        let rule = rules.iter_mut().find(|r| r["resources"].as_array().unwrap().iter().any(|x| x == resource)).unwrap();
        assert!(rule["verbs"].as_array().unwrap().iter().any(|v| v == verb), "{kind} grants {verb} {resource}");
        let others: Vec<serde_json::Value> =
            rule["resources"].as_array().unwrap().iter().filter(|x| *x != resource).cloned().collect();
        rule["resources"] = others.into();
        rules.retain(|r| !r["resources"].as_array().unwrap().is_empty());
        replace_role(&client, &ns, &role).await;
        // The authorizer reads RBAC from its informer: the change is seen within moments.
        let words = common::eventually(
            &format!("validate failing without {verb} {resource}"),
            Duration::from_secs(20),
            || async {
                let out = as_ci();
                (!out.status.success()).then(|| {
                    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
                })
            },
        )
        .await;
        let said = words.lines().find(|l| l.contains("forbidden") || l.contains("403")).unwrap_or_default().to_string();
        needed.push(format!("{verb} {resource}: {}", said.chars().take(120).collect::<String>()));
        let full = documents.iter().find(|d| d["kind"] == kind).unwrap().clone();
        replace_role(&client, &ns, &full).await;
        common::eventually("validate passing again with the whole RBAC", Duration::from_secs(20), || async {
            as_ci().status.success().then_some(())
        })
        .await;
    }
    eprintln!("each required rule, taken away, fails validate:\n  {}", needed.join("\n  "));
    let _ = std::fs::remove_file(&kubeconfig);

    // A job down: the Job fails, and its JUnit file names it.
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let patch = serde_json::json!({"spec": {"replicas": 0}});
    deployments.patch("exporter", &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
    let prometheus = common::prometheus_api(&client, &ns);
    common::eventually("Prometheus seeing the exporter down", Duration::from_secs(60), || async {
        let targets = prometheus.targets().await.ok()?;
        targets
            .iter()
            .any(|t| t.scrape_pool == "exporter" && t.health == promctl::prometheus::Health::Down)
            .then_some(())
    })
    .await;
    let (passed, log) = validate_as_a_job(&client, &ns, &image, "validate-job-down", &job_args).await;
    eprintln!("the Job with the exporter down:\n{log}");
    assert!(!passed, "{log}");
    assert!(log.lines().any(|l| l.starts_with("FAIL job exporter: 0/1 targets up")), "{log}");
    assert!(log.contains(r#"<testcase name="job exporter""#) && log.contains(r#"failures="1""#), "{log}");

    delete_cluster_rbac(&client, &format!("promctl-ci-validate-{ns}")).await;
}

async fn delete_cluster_rbac(client: &Client, name: &str) {
    let params = kube::api::DeleteParams::default();
    let _ = Api::<k8s_openapi::api::rbac::v1::ClusterRoleBinding>::all(client.clone()).delete(name, &params).await;
    let _ = Api::<k8s_openapi::api::rbac::v1::ClusterRole>::all(client.clone()).delete(name, &params).await;
}

/// `promctl install` as a ServiceAccount that holds only what `promctl rbac install` prints for these
/// values (with `promctl rbac validate` for validate), as a pipeline inside the cluster runs it: a
/// fresh install into the namespace converges, proves its rules loaded, and validate passes.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn install_as_a_service_account_with_the_printed_rbac_converges_and_validates() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-ci-install").await;
    let ns = it.namespace.clone();
    common::apply_yaml(&client, "", &format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n")).await;
    for what in ["install", "validate"] {
        let (code, rbac, err) = it.run(&own_jobs_only(&["rbac", what, "--service-account", "promctl-installer"]));
        assert_eq!(code, Some(0), "{err}");
        common::apply_yaml(&client, &ns, &rbac).await;
    }
    let kubeconfig = std::env::temp_dir().join(format!("promctl-installer-{ns}.kubeconfig"));
    service_account_kubeconfig(&client, &ns, "promctl-installer", &kubeconfig).await;
    let as_installer = |args: &[&str]| {
        let out = it.promctl(&own_jobs_only(args)).env("KUBECONFIG", &kubeconfig).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.code(), text)
    };
    let (code, out) = as_installer(&["install"]);
    assert_eq!(code, Some(0), "{out}");
    // The namespace existed (its Role lives there): configured; the 7 objects in it and the cluster created.
    assert!(out.contains("(1 configured, 7 created;") && out.contains("installed, and Prometheus is ready"), "{out}");
    let (code, out) = as_installer(&["validate", "--wait-targets", "60s"]);
    assert_eq!(code, Some(0), "{out}");
    eprintln!(
        "install and validate as system:serviceaccount:{ns}:promctl-installer: {}",
        out.lines().last().unwrap_or_default()
    );
    let _ = std::fs::remove_file(&kubeconfig);
    delete_cluster_rbac(&client, &format!("promctl-installer-install-{ns}")).await;
    delete_cluster_rbac(&client, &format!("promctl-installer-validate-{ns}")).await;
}

/// Replaces a Role or ClusterRole of the printed RBAC with `role` (server-side apply, forced).
async fn replace_role(client: &Client, ns: &str, role: &serde_json::Value) {
    let name = role["metadata"]["name"].as_str().unwrap();
    let params = PatchParams::apply("promctl-e2e").force();
    if role["kind"] == "Role" {
        let api: Api<k8s_openapi::api::rbac::v1::Role> = Api::namespaced(client.clone(), ns);
        api.patch(name, &params, &Patch::Apply(role)).await.unwrap();
    } else {
        let api: Api<k8s_openapi::api::rbac::v1::ClusterRole> = Api::all(client.clone());
        api.patch(name, &params, &Patch::Apply(role)).await.unwrap();
    }
}
