//! `promctl test rules`: the team's promtool test files run against the rule files promctl renders,
//! by the promtool of the image promctl deploys: in a short-lived pod of that image in the install's
//! namespace (the exact Prometheus that will evaluate the rules), or by a local promtool when asked
//! (no cluster). What to run and how to read promtool's answers is src/rule_tests.rs.

use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, DeleteParams, LogParams, PostParams};
use kube::runtime::wait::await_condition;
use serde::Serialize;

use super::Checked;
use crate::cluster::{self, ClusterOptions};
use crate::error::Failure;
use crate::progress::{Emit, Progress, Tone};
use crate::rule_tests::{
    RuleTestResult, RuleTestRun, TestSource, judge, local_promtool_mismatch, pod_script, prepare, split_pod_log,
};
use crate::values::Values;

/// Where promtool runs.
pub enum Runner {
    /// A pod of the image values name (image.repository:image.tag), in the install's namespace.
    Pod { cluster: ClusterOptions, timeout: Duration },
    /// This promtool binary, on this machine.
    Local(PathBuf),
}

#[derive(Debug, Serialize)]
pub struct RuleTestReport {
    /// Where promtool ran: "pod NAME (IMAGE)" or the local binary's path.
    pub promtool: String,
    pub rule_files: Vec<String>,
    pub results: Vec<RuleTestResult>,
}

impl RuleTestReport {
    /// Ok when every test file passed; a failed check (exit 1) naming those that did not.
    pub fn verdict(&self) -> Result<(), Failure> {
        let failed: Vec<&str> = self.results.iter().filter(|r| !r.passed).map(|r| r.file.as_str()).collect();
        if failed.is_empty() {
            return Ok(());
        }
        Err(Failure::check_failed(format!("rule tests failed: {}", failed.join(", "))))
    }
}

/// The directory promtool works in inside the pod: the run's files, mounted from a ConfigMap.
const POD_WORKDIR: &str = "/rule-tests";

pub async fn test_rules(
    checked: &Checked,
    values: &Values,
    tests: &[TestSource],
    runner: &Runner,
    emit: Emit<'_>,
) -> anyhow::Result<RuleTestReport> {
    let run = prepare(&checked.rendered.rule_files, tests)?;
    for test in &run.tests {
        if !test.listed_rule_files.is_empty() {
            emit(Progress::Detail(format!(
                "{}: runs against the {} rule files promctl renders, not its rule_files {:?}",
                test.origin,
                run.rule_files.len(),
                test.listed_rule_files
            )));
        }
    }
    let rule_files = checked.rendered.rule_files.iter().map(|f| format!("{} ({})", f.key, f.origin)).collect();
    let (promtool, outputs) = match runner {
        Runner::Local(promtool) => {
            let version = std::process::Command::new(promtool).arg("--version").output();
            let answer = version.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
            if let Some(warning) = local_promtool_mismatch(&answer, &values.image.tag) {
                emit(Progress::Warning(warning));
            }
            (promtool.display().to_string(), run_local(promtool, &run, emit)?)
        }
        Runner::Pod { cluster, timeout } => run_in_pod(cluster, values, &run, *timeout, emit).await?,
    };
    let results = run
        .tests
        .iter()
        .map(|test| {
            let (output, code) =
                outputs.iter().find(|(key, ..)| key == &test.key).map_or(("", None), |(_, o, c)| (o.as_str(), *c));
            judge(test, code, output)
        })
        .collect();
    Ok(RuleTestReport { promtool, rule_files, results })
}

/// (test file key, promtool's output, its exit code) for each test file.
type Outputs = Vec<(String, String, Option<i32>)>;

fn run_local(promtool: &std::path::Path, run: &RuleTestRun, emit: Emit<'_>) -> Result<Outputs, Failure> {
    // A private directory that is removed however the run ends.
    let dir = tempfile::tempdir().map_err(|e| Failure::bad_input(format!("cannot make a temporary directory: {e}")))?;
    for (name, text) in run.files() {
        std::fs::write(dir.path().join(name), text)
            .map_err(|e| Failure::bad_input(format!("cannot write {name} in {}: {e}", dir.path().display())))?;
    }
    let mut outputs = Vec::new();
    for test in &run.tests {
        emit(Progress::resource(&test.origin, Tone::Waiting, "running", format!("{} test rules", promtool.display())));
        let out = std::process::Command::new(promtool)
            .args(["test", "rules", &test.key])
            .current_dir(dir.path())
            .output()
            .map_err(|e| {
                Failure::bad_input(format!(
                    "--promtool {}: cannot run it: {e}; give the path of a promtool binary",
                    promtool.display()
                ))
            })?;
        // promtool writes the file it reads and SUCCESS to stdout, what failed to stderr.
        let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let code = out.status.code();
        emit(finished(&test.origin, code));
        outputs.push((test.key.clone(), output, code));
    }
    emit(Progress::PhaseDone);
    Ok(outputs)
}

fn finished(origin: &str, code: Option<i32>) -> Progress {
    match code {
        Some(0) => Progress::resource(origin, Tone::Good, "passed", ""),
        _ => Progress::resource(origin, Tone::Bad, "failed", ""),
    }
}

async fn run_in_pod(
    cluster_options: &ClusterOptions,
    values: &Values,
    run: &RuleTestRun,
    timeout: Duration,
    emit: Emit<'_>,
) -> anyhow::Result<(String, Outputs)> {
    let client = cluster::connect(cluster_options).await?;
    let namespace = &values.namespace;
    let image = format!("{}:{}", values.image.repository, values.image.tag);
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    // Named here, not by generateName: the pod's volume names the ConfigMap, which has its name.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    let name = format!("{}-rule-test-{:05x}", values.name, (nanos ^ std::process::id()) & 0xfffff);
    let pod_spec = rule_test_pod(values, &name, &image, &pod_script(run), timeout);
    emit(Progress::Step(format!("running promtool of {image} in a pod in namespace {namespace}")));
    let pod = pods.create(&PostParams::default(), &pod_spec).await.map_err(|e| {
        let missing = matches!(&e, kube::Error::Api(s) if s.code == 404);
        let error = anyhow::Error::from(e);
        if missing {
            Failure::bad_input(format!(
                "namespace {namespace} does not exist; install first, or name the install's namespace with -n"
            ))
            .into()
        } else {
            error.context(format!("cannot create the rule test pod in namespace {namespace}"))
        }
    })?;
    // The files as a ConfigMap the pod owns: deleting the pod (here, or by anyone if promctl is
    // stopped) takes the ConfigMap with it.
    let outcome = async {
        let configmap = rule_test_configmap(&pod, run);
        Api::<ConfigMap>::namespaced(client.clone(), namespace).create(&PostParams::default(), &configmap).await?;
        emit(Progress::resource(format!("pod {name}"), Tone::Waiting, "running", format!("promtool of {image}")));
        wait_finished(&client, namespace, &name, timeout).await?;
        let log = pods.logs(&name, &LogParams { container: Some("promtool".into()), ..LogParams::default() }).await?;
        emit(Progress::resource(format!("pod {name}"), Tone::Good, "finished", ""));
        emit(Progress::PhaseDone);
        anyhow::Ok(split_pod_log(&log))
    }
    .await;
    let _ = pods.delete(&name, &DeleteParams::background()).await;
    Ok((format!("pod {name} ({image})"), outcome?))
}

/// Waits until the pod ran to its end; fails at once when it cannot start (an image that cannot be
/// pulled, a pod that cannot be scheduled), naming the reason and the pod's events.
async fn wait_finished(client: &kube::Client, namespace: &str, name: &str, timeout: Duration) -> anyhow::Result<()> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    // A pod unschedulable this long, or waiting for a reason that does not resolve itself, has failed.
    let judged = |pod: &Pod, grace: Duration| cluster::readiness::pod(pod, k8s_openapi::jiff::Timestamp::now(), grace);
    let ended = |pod: Option<&Pod>| {
        let Some(pod) = pod else { return true };
        let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
        matches!(phase, Some("Succeeded" | "Failed")) || judged(pod, UNSCHEDULABLE_GRACE).is_failed()
    };
    let events = || async {
        let events = cluster::inspect::object_events(client, namespace, "Pod", name).await;
        events.iter().map(|e| format!("\n  {e}")).collect::<String>()
    };
    let pod = match tokio::time::timeout(timeout, await_condition(pods.clone(), name, ended)).await {
        Ok(Ok(Some(pod))) => pod,
        Ok(Ok(None)) => {
            return Err(Failure::check_failed(format!("the rule test pod {name} was deleted while it ran")).into());
        }
        Ok(Err(e)) => return Err(anyhow::Error::from(e).context(format!("watching the rule test pod {name}"))),
        Err(_) => {
            let readiness = judged(&pods.get(name).await?, Duration::ZERO);
            let why = format!(
                "the rule test pod {name} did not finish within {}s: {}",
                timeout.as_secs(),
                readiness.reason()
            );
            return Err(Failure::timed_out(format!("{why}{}", events().await)).into());
        }
    };
    let readiness = judged(&pod, UNSCHEDULABLE_GRACE);
    if readiness.is_failed() {
        let why = format!("the rule test pod cannot run: {}", readiness.reason());
        return Err(Failure::check_failed(format!("{why}{}", events().await)).into());
    }
    Ok(())
}

/// How long the rule test pod may stay unschedulable before it counts as failed.
const UNSCHEDULABLE_GRACE: Duration = Duration::from_secs(30);

/// A pod of the deployed image that runs the script once and ends: no ServiceAccount token, the
/// Deployment's user and restrictions, a writable /tmp (promtool's test storage lives there).
fn rule_test_pod(values: &Values, name: &str, image: &str, script: &str, timeout: Duration) -> Pod {
    let pull_secrets: Vec<serde_json::Value> =
        values.image_pull_secrets.iter().map(|name| serde_json::json!({ "name": name })).collect();
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": values.namespace,
            "labels": {
                "app.kubernetes.io/name": "promtool",
                "app.kubernetes.io/component": "rule-test",
                "app.kubernetes.io/managed-by": "promctl",
            },
        },
        "spec": {
            "restartPolicy": "Never",
            "activeDeadlineSeconds": timeout.as_secs().max(1),
            "automountServiceAccountToken": false,
            "imagePullSecrets": pull_secrets,
            "securityContext": {
                "runAsUser": 65534, "runAsGroup": 65534, "runAsNonRoot": true,
                "seccompProfile": { "type": "RuntimeDefault" },
            },
            "containers": [{
                "name": "promtool",
                "image": image,
                "imagePullPolicy": values.image.pull_policy,
                "command": ["sh", "-c", script],
                "workingDir": POD_WORKDIR,
                "resources": { "requests": { "cpu": "100m", "memory": "64Mi" }, "limits": { "memory": "512Mi" } },
                "securityContext": {
                    "allowPrivilegeEscalation": false,
                    "readOnlyRootFilesystem": true,
                    "capabilities": { "drop": ["ALL"] },
                },
                "volumeMounts": [
                    { "name": "files", "mountPath": POD_WORKDIR, "readOnly": true },
                    { "name": "tmp", "mountPath": "/tmp" },
                ],
            }],
            "volumes": [
                // Made once the pod exists, under the pod's name (the pod owns it).
                { "name": "files", "configMap": { "name": name } },
                { "name": "tmp", "emptyDir": {} },
            ],
        },
    }))
    .expect("a pod spec")
}

fn rule_test_configmap(pod: &Pod, run: &RuleTestRun) -> ConfigMap {
    let data: std::collections::BTreeMap<&str, &str> = run.files().collect();
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": pod.metadata.name,
            "namespace": pod.metadata.namespace,
            "labels": pod.metadata.labels,
            "ownerReferences": [{
                "apiVersion": "v1", "kind": "Pod", "name": pod.metadata.name, "uid": pod.metadata.uid,
            }],
        },
        "data": data,
    }))
    .expect("a ConfigMap")
}
