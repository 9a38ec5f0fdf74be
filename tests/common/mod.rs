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

/// A namespace named `<prefix>-<random>`, ready for pods (its `default` ServiceAccount exists).
pub async fn fresh_namespace(client: &Client, prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let name = format!("{prefix}-{:x}{:x}", std::process::id() % 4096, nanos % 65536);
    let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).unwrap();
    Api::<Namespace>::all(client.clone()).create(&PostParams::default(), &ns).await.expect("create namespace");
    let accounts = Api::<ServiceAccount>::namespaced(client.clone(), &name);
    for _ in 0..100 {
        if accounts.get_opt("default").await.unwrap().is_some() {
            return name;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("namespace {name}: the default ServiceAccount never appeared");
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

/// The promctl binary built for this test run.
pub fn promctl() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_promctl"))
}
