//! A cluster that refuses an install: quotas, LimitRanges and admission policies. Each refusal is
//! found by the server-side dry run of every object before the first write, so nothing is left
//! behind, and named with the object, the API server's words and the fix; a refusal that only the
//! pod meets (a quota on requests) ends the install at once, not at its timeout.
mod common;

use std::time::Duration;

use common::Installed;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams};

/// Every object of the install's kinds labelled as this install's, in its namespace and cluster-wide.
async fn objects_of(it: &Installed) -> Vec<String> {
    let selector = format!("app.kubernetes.io/instance={}", it.instance());
    let mut found = Vec::new();
    for kind in ["ServiceAccount", "ConfigMap", "PersistentVolumeClaim", "Service", "Deployment"] {
        let api: Api<DynamicObject> = promctl::cluster::dynamic_api(&it.client, kind, Some(&it.namespace)).unwrap();
        if let Ok(list) = api.list(&ListParams::default().labels(&selector)).await {
            found.extend(list.items.iter().map(|o| format!("{kind} {}", o.metadata.name.clone().unwrap_or_default())));
        }
    }
    for kind in ["ClusterRole", "ClusterRoleBinding"] {
        let api: Api<DynamicObject> = promctl::cluster::dynamic_api(&it.client, kind, None).unwrap();
        let list = api.list(&ListParams::default().labels(&selector)).await.unwrap();
        found.extend(list.items.iter().map(|o| format!("{kind} {}", o.metadata.name.clone().unwrap_or_default())));
    }
    found
}

/// Whether the namespace is gone or on its way out (a namespace promctl created only to rehearse in).
async fn namespace_gone(client: &kube::Client, name: &str) -> bool {
    match Api::<Namespace>::all(client.clone()).get_opt(name).await.unwrap() {
        None => true,
        Some(ns) => ns.metadata.deletion_timestamp.is_some(),
    }
}

#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn a_quota_on_claims_refuses_the_install_before_anything_is_written() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-claimquota").await;
    // promctl's namespace exists with a quota of no claims.
    let namespace: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": it.namespace}})).unwrap();
    Api::<Namespace>::all(client.clone()).create(&Default::default(), &namespace).await.unwrap();
    common::apply_yaml(
        &client,
        &it.namespace,
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: no-claims}\nspec: {hard: {persistentvolumeclaims: \"0\"}}\n",
    )
    .await;
    let (code, _, stderr) = it.run(&["install", "--timeout", "300s"]);
    assert_eq!(
        code,
        Some(5),
        "a quota refusal before writing is exit 5, nothing changed (not 3, permission denied): {stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert!(stderr.contains("PersistentVolumeClaim") && stderr.contains("exceeded quota: no-claims"), "{stderr}");
    assert!(stderr.contains("kubectl describe resourcequota"), "names where to look: {stderr}");
    assert!(!stderr.contains("permission denied"), "{stderr}");
    assert_eq!(objects_of(&it).await, Vec::<String>::new(), "nothing may be left behind: {stderr}");
}

#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn a_quota_on_pod_requests_ends_the_install_at_once_with_the_quota_message() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-podquota").await;
    let namespace: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": it.namespace}})).unwrap();
    Api::<Namespace>::all(client.clone()).create(&Default::default(), &namespace).await.unwrap();
    // The objects pass (a quota counts pods, not Deployments); the pod asks 100m of a 50m quota.
    common::apply_yaml(
        &client,
        &it.namespace,
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: small}\nspec: {hard: {requests.cpu: 50m}}\n",
    )
    .await;
    // Exit 1, not 4: the ReplicaSet's ReplicaFailure condition ends the wait, not the 300 s timeout.
    let (code, _, stderr) = it.run(&["install", "--timeout", "300s"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("the pod cannot be created") && stderr.contains("exceeded quota: small"), "{stderr}");
    assert!(stderr.contains("kubectl describe resourcequota"), "{stderr}");
}

/// A ValidatingAdmissionPolicy (GA since 1.30) that refuses Deployments without a `team` label, bound
/// to two namespaces.
fn team_label_policy(name: &str, namespaces: [&str; 2]) -> String {
    let [first, second] = namespaces;
    format!(
        r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {{name: {name}}}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [deployments]
  validations:
    - expression: "has(object.metadata.labels) && 'team' in object.metadata.labels"
      message: "every Deployment needs a team label"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {{name: {name}}}
spec:
  policyName: {name}
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchExpressions: [{{key: kubernetes.io/metadata.name, operator: In, values: [{first}, {second}]}}]
"#
    )
}

#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn an_admission_policy_refuses_everything_until_common_labels_satisfy_it() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-policy").await;
    let policy = format!("promctl-{}", it.namespace);
    let probe = common::fresh_namespace(&client, "e2e-policy-probe").await;
    common::apply_yaml(&client, "default", &team_label_policy(&policy, [&it.namespace, &probe])).await;
    // The policy takes effect once the API server has loaded it: wait until it refuses a probe.
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> = Api::namespaced(client.clone(), &probe);
    let bare: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "probe"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}
    }))
    .unwrap();
    let dry_run = kube::api::PostParams { dry_run: true, ..Default::default() };
    common::eventually("the policy to be in force", Duration::from_secs(30), || async {
        deployments.create(&dry_run, &bare).await.is_err().then_some(())
    })
    .await;
    common::delete_namespace(&client, &probe).await;
    let (code, _, stderr) = it.run(&["install", "--no-wait"]);
    assert_eq!(code, Some(5), "an admission refusal before writing is exit 5, not 3: {stderr}");
    assert!(stderr.contains("every Deployment needs a team label"), "the policy's own message: {stderr}");
    assert!(stderr.contains("commonLabels"), "names the values that satisfy it: {stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(objects_of(&it).await, Vec::<String>::new(), "{stderr}");
    assert!(namespace_gone(&client, &it.namespace).await, "the namespace made for the rehearsal is removed again");

    let namespaces = Api::<Namespace>::all(client.clone());
    common::eventually("the namespace to be gone", Duration::from_secs(60), || async {
        namespaces.get_opt(&it.namespace).await.unwrap().is_none().then_some(())
    })
    .await;
    let (code, _, stderr) = it.run(&["install", "--no-wait", "--set", "commonLabels.team=shop"]);
    assert_eq!(code, Some(0), "with the label the policy admits it: {stderr}");
    let deployment = promctl::cluster::dynamic_api(&client, "Deployment", Some(&it.namespace)).unwrap();
    let labels = deployment.get("prometheus").await.unwrap().metadata.labels.unwrap_or_default();
    assert_eq!(labels.get("team").map(String::as_str), Some("shop"));

    for kind in ["ValidatingAdmissionPolicyBinding", "ValidatingAdmissionPolicy"] {
        let api: Api<DynamicObject> = kube::Api::all_with(
            client.clone(),
            &kube::api::ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
                "admissionregistration.k8s.io",
                "v1",
                kind,
            )),
        );
        let _ = api.delete(&policy, &DeleteParams::default()).await;
    }
}
