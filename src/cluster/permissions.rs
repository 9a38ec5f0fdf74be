//! Who may do what, asked of the API server all at once: SubjectAccessReviews for Prometheus's
//! ServiceAccount (validate, doctor), SelfSubjectAccessReviews for the person running promctl (a
//! refused install names every missing permission in one run, with the fix, instead of one raw 403
//! per attempt). The one place reviews are batched and permissions are worded.

use futures::future::join_all;
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::api::authorization::v1::{
    NonResourceAttributes, ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
    SubjectAccessReview, SubjectAccessReviewSpec,
};
use kube::Client;
use kube::api::{Api, PostParams};

/// One permission to ask about: on a resource, or on a non-resource URL (`get /metrics`).
#[derive(Debug, Clone, Default)]
pub struct Access {
    pub resource: Option<ResourceAttributes>,
    pub non_resource: Option<NonResourceAttributes>,
}

impl Access {
    pub fn on_resource(
        verb: &str,
        group: &str,
        resource: &str,
        subresource: Option<&str>,
        namespace: Option<&str>,
    ) -> Self {
        Access {
            resource: Some(ResourceAttributes {
                verb: Some(verb.into()),
                group: Some(group.into()),
                resource: Some(resource.into()),
                subresource: subresource.map(str::to_string),
                namespace: namespace.map(str::to_string),
                ..Default::default()
            }),
            non_resource: None,
        }
    }

    pub fn on_url(verb: &str, path: &str) -> Self {
        Access {
            resource: None,
            non_resource: Some(NonResourceAttributes { verb: Some(verb.into()), path: Some(path.into()) }),
        }
    }

    /// As people read a permission: `list pods`, `get nodes/metrics`, `watch endpointslices.discovery.k8s.io
    /// in namespace shop`, `get /metrics`.
    pub fn describe(&self) -> String {
        if let Some(url) = &self.non_resource {
            return format!("{} {}", url.verb.as_deref().unwrap_or_default(), url.path.as_deref().unwrap_or_default());
        }
        let Some(r) = &self.resource else { return String::new() };
        let (resource, group) = (r.resource.as_deref().unwrap_or_default(), r.group.as_deref().unwrap_or_default());
        let mut what = if group.is_empty() { resource.to_string() } else { format!("{resource}.{group}") };
        if let Some(sub) = &r.subresource {
            what = format!("{what}/{sub}");
        }
        let scope = r.namespace.as_ref().map(|ns| format!(" in namespace {ns}")).unwrap_or_default();
        format!("{} {what}{scope}", r.verb.as_deref().unwrap_or_default())
    }
}

/// Whether `user` (None: whoever runs promctl) may do each of `asked`, in order, asked all at once.
/// A review the API server would not answer is its error.
pub async fn review(client: &Client, user: Option<&str>, asked: &[Access]) -> Vec<Result<bool, kube::Error>> {
    join_all(asked.iter().map(|access| async move {
        let status = match user {
            Some(user) => {
                let spec = SubjectAccessReviewSpec {
                    user: Some(user.to_string()),
                    resource_attributes: access.resource.clone(),
                    non_resource_attributes: access.non_resource.clone(),
                    ..Default::default()
                };
                let review = SubjectAccessReview { spec, ..Default::default() };
                Api::<SubjectAccessReview>::all(client.clone()).create(&PostParams::default(), &review).await?.status
            }
            None => {
                let spec = SelfSubjectAccessReviewSpec {
                    resource_attributes: access.resource.clone(),
                    non_resource_attributes: access.non_resource.clone(),
                };
                let review = SelfSubjectAccessReview { spec, ..Default::default() };
                Api::<SelfSubjectAccessReview>::all(client.clone())
                    .create(&PostParams::default(), &review)
                    .await?
                    .status
            }
        };
        Ok(status.is_some_and(|s| s.allowed))
    }))
    .await
}

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
    let mut wanted: Vec<Access> = Vec::new();
    for kind in kinds {
        let Some((resource, namespaced)) = api_resource(kind) else { continue };
        for verb in APPLY_VERBS {
            let ns = namespaced.then_some(namespace);
            wanted.push(Access::on_resource(verb, &resource.group, &resource.plural, None, ns));
        }
    }
    for (group, plural) in WATCHED {
        for verb in ["list", "watch"] {
            let ns = (plural != "storageclasses").then_some(namespace);
            wanted.push(Access::on_resource(verb, group, plural, None, ns));
        }
    }
    let answers = review(client, None, &wanted).await;
    wanted
        .iter()
        .zip(answers)
        .filter(|(_, allowed)| matches!(allowed, Ok(false)))
        .map(|(access, _)| {
            let cluster_wide = access.resource.as_ref().is_some_and(|r| r.namespace.is_none());
            if cluster_wide { format!("{} (cluster-wide)", access.describe()) } else { access.describe() }
        })
        .collect()
}

/// Who the API server thinks is asking (SelfSubjectReview, Kubernetes 1.28+), for the message.
pub async fn who_am_i(client: &Client) -> Option<String> {
    let api: Api<SelfSubjectReview> = Api::all(client.clone());
    let review = api.create(&PostParams::default(), &SelfSubjectReview::default()).await.ok()?;
    review.status?.user_info?.username
}
