//! A rendered object as the layers below rendering see it: applied, compared and printed without
//! knowing the templates it came from.

use kube::api::DynamicObject;

/// One rendered Kubernetes object: its identity, the parsed object, and the text it came from.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub kind: String,
    pub name: String,
    /// None for cluster-scoped objects (Namespace, ClusterRole, ClusterRoleBinding).
    pub namespace: Option<String>,
    pub object: DynamicObject,
    pub yaml: String,
}
