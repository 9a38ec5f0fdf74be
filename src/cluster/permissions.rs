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

/// Resources the readiness wait watches (src/cluster/wait.rs), rendered kinds among them.
const WATCHED: [(&str, &str); 7] = [
    ("apps", "deployments"),
    ("", "persistentvolumeclaims"),
    ("", "pods"),
    ("apps", "replicasets"),
    ("discovery.k8s.io", "endpointslices"),
    ("", "events"),
    ("storage.k8s.io", "storageclasses"),
];

/// "verb resource[.group]" for everything `kinds` need in `namespace` that is denied; empty when all
/// is allowed. Reviews that cannot be asked are skipped (the original error then stands alone).
/// One resource install works with, and how: the facts behind both the permission check before an
/// install (`missing`) and the RBAC `promctl rbac install` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub group: String,
    pub resource: String,
    pub namespaced: bool,
    pub verbs: Vec<&'static str>,
}

/// What install needs: the apply verbs on each kind it renders (get, list, create, patch, delete: it
/// lists its own objects by label to prune and to refuse another install's), and list and watch on
/// what it waits for.
pub fn install_needs(kinds: &[&str]) -> Vec<Need> {
    let mut needs: Vec<Need> = Vec::new();
    let mut add = |group: &str, resource: &str, namespaced: bool, verbs: &[&'static str]| {
        let found = needs.iter_mut().find(|n| n.group == group && n.resource == resource);
        let need = match found {
            Some(need) => need,
            None => {
                needs.push(Need { group: group.into(), resource: resource.into(), namespaced, verbs: Vec::new() });
                needs.last_mut().expect("just pushed")
            }
        };
        for verb in verbs {
            if !need.verbs.contains(verb) {
                need.verbs.push(verb);
            }
        }
    };
    for kind in kinds {
        if let Some((resource, namespaced)) = api_resource(kind) {
            add(&resource.group, &resource.plural, namespaced, &APPLY_VERBS);
        }
    }
    for (group, plural) in WATCHED {
        add(group, plural, plural != "storageclasses", &["list", "watch"]);
    }
    needs
}

pub async fn missing(client: &Client, kinds: &[&str], namespace: &str) -> Vec<String> {
    let mut wanted: Vec<Access> = Vec::new();
    for need in install_needs(kinds) {
        for verb in &need.verbs {
            let ns = need.namespaced.then_some(namespace);
            wanted.push(Access::on_resource(verb, &need.group, &need.resource, None, ns));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each resource once, with every verb install uses on it: a rendered kind it also waits for
    /// (Deployment, PVC) gets watch beside the apply verbs; what it only waits for, list and watch.
    #[test]
    fn install_needs_each_resource_once_with_every_verb_it_uses() {
        let kinds = ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap"];
        let needs =
            install_needs(&[&kinds[..], &["PersistentVolumeClaim", "Deployment", "Service", "Deployment"]].concat());
        let of = |resource: &str| {
            needs.iter().find(|n| n.resource == resource).unwrap_or_else(|| panic!("{resource}: {needs:?}"))
        };
        assert_eq!(of("deployments").verbs, ["get", "list", "create", "patch", "delete", "watch"]);
        assert_eq!(of("persistentvolumeclaims").verbs, ["get", "list", "create", "patch", "delete", "watch"]);
        assert_eq!(of("services").verbs, APPLY_VERBS);
        assert_eq!((of("pods").verbs.clone(), of("pods").namespaced), (vec!["list", "watch"], true));
        assert_eq!((of("namespaces").group.as_str(), of("namespaces").namespaced), ("", false));
        assert_eq!((of("storageclasses").group.as_str(), of("storageclasses").namespaced), ("storage.k8s.io", false));
        assert_eq!(of("clusterrolebindings").group, "rbac.authorization.k8s.io");
        let resources: Vec<&str> = needs.iter().map(|n| n.resource.as_str()).collect();
        let mut unique = resources.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(resources.len(), 13, "{resources:?}");
        assert_eq!(unique.len(), resources.len(), "{resources:?}");
    }
}
