//! What the person running promctl may not do, asked of the API server all at once
//! (SelfSubjectAccessReviews), so that a refusal names every missing permission in one run, with
//! the fix, instead of one raw 403 per attempt.

use futures::future::join_all;
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use kube::Client;
use kube::api::{Api, PostParams};

use super::api_resource;

/// Verbs an install uses on each kind it renders: read the current state, create or patch it, list
/// what it owned (prune), delete what is no longer rendered.
const APPLY_VERBS: [&str; 5] = ["get", "list", "create", "patch", "delete"];

/// Resources the readiness wait and validate read besides the rendered kinds.
const WATCHED: [(&str, &str); 5] = [
    ("", "pods"),
    ("apps", "replicasets"),
    ("discovery.k8s.io", "endpointslices"),
    ("", "events"),
    ("storage.k8s.io", "storageclasses"),
];

/// "verb resource[.group]" for everything `kinds` need in `namespace` that is denied; empty when all
/// is allowed. Reviews that cannot be asked are skipped (the original error then stands alone).
pub async fn missing(client: &Client, kinds: &[&str], namespace: &str) -> Vec<String> {
    let mut wanted: Vec<(String, String, String, Option<String>)> = Vec::new();
    for kind in kinds {
        let Some((resource, namespaced)) = api_resource(kind) else { continue };
        for verb in APPLY_VERBS {
            let ns = namespaced.then(|| namespace.to_string());
            wanted.push((verb.to_string(), resource.group.clone(), resource.plural.clone(), ns));
        }
    }
    for (group, plural) in WATCHED {
        for verb in ["list", "watch"] {
            let ns = (plural != "storageclasses").then(|| namespace.to_string());
            wanted.push((verb.to_string(), group.to_string(), plural.to_string(), ns));
        }
    }
    let reviews: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let answers =
        join_all(wanted.iter().map(|(verb, group, resource, ns)| {
            let reviews = reviews.clone();
            let review = SelfSubjectAccessReview {
                spec: SelfSubjectAccessReviewSpec {
                    resource_attributes: Some(ResourceAttributes {
                        verb: Some(verb.clone()),
                        group: Some(group.clone()),
                        resource: Some(resource.clone()),
                        namespace: ns.clone(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            };
            async move {
                reviews.create(&PostParams::default(), &review).await.ok().and_then(|r| r.status).map(|s| s.allowed)
            }
        }))
        .await;
    wanted
        .iter()
        .zip(answers)
        .filter(|(_, allowed)| *allowed == Some(false))
        .map(|((verb, group, resource, ns), _)| {
            let what = if group.is_empty() { resource.clone() } else { format!("{resource}.{group}") };
            match ns {
                Some(ns) => format!("{verb} {what} (in namespace {ns})"),
                None => format!("{verb} {what} (cluster-wide)"),
            }
        })
        .collect()
}

/// Who the API server thinks is asking (SelfSubjectReview, Kubernetes 1.28+), for the message.
pub async fn who_am_i(client: &Client) -> Option<String> {
    let api: Api<SelfSubjectReview> = Api::all(client.clone());
    let review = api.create(&PostParams::default(), &SelfSubjectReview::default()).await.ok()?;
    review.status?.user_info?.username
}
