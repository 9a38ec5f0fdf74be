//! The revision history of an install: each install or rollback that changed something records a
//! revision (the values and team rule files it rendered, the render's digest, the image, promctl's
//! version, when, and how it ended), kept as one ConfigMap per revision in the install's namespace, the
//! newest `history.max`. Never a secret: values cannot hold one (values::load refuses them inline),
//! and rule files hold rules.
//!
//! Pure: what a revision is, its ConfigMap, which to keep and which to roll back to. The cluster reads
//! and writes are in ops::history.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use crate::rules::RuleSource;
use crate::values::Values;

/// The label every revision of an install carries: its instance (`namespace.name`). Not the
/// instance label of the objects install owns, so that install's prune and uninstall's list never
/// take a revision for one of them.
pub const HISTORY_LABEL: &str = "promctl.dev/history-of";
/// The revision's number, as a label (sortable by the API's readers).
pub const REVISION_LABEL: &str = "promctl.dev/revision";
/// The ConfigMap key of the revision's JSON.
const REVISION_KEY: &str = "revision.json";

/// How an install or rollback ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything became Ready (and the config and rules were proven loaded).
    Deployed,
    /// Applied without waiting (--no-wait): readiness unknown.
    Applied,
    /// Applied, then failed or timed out; the reason's first line.
    Failed(String),
}

impl Outcome {
    pub fn is_deployed(&self) -> bool {
        *self == Outcome::Deployed
    }

    pub fn describe(&self) -> String {
        match self {
            Outcome::Deployed => "deployed".into(),
            Outcome::Applied => "applied (not waited for)".into(),
            Outcome::Failed(why) => format!("failed: {why}"),
        }
    }
}

/// A team rule file as recorded: where it came from, its stem and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRules {
    pub origin: String,
    pub stem: String,
    pub text: String,
}

/// One revision: what was rendered and how it ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revision {
    pub revision: u32,
    /// RFC 3339.
    pub time: String,
    /// "install", or "rollback to N".
    pub command: String,
    pub outcome: Outcome,
    /// The Prometheus image, `repository:tag`.
    pub image: String,
    pub promctl_version: String,
    /// sha256 of the rendered manifests (`promctl render`'s output).
    pub render_digest: String,
    /// The values as loaded (defaults, files and --set merged).
    pub values: Values,
    /// The team's rule files, as read (not the starter rules, which the values render).
    pub team_rules: Vec<RecordedRules>,
}

impl Revision {
    pub fn team_rule_sources(&self) -> Vec<RuleSource> {
        self.team_rules
            .iter()
            .map(|r| RuleSource { origin: r.origin.clone(), stem: r.stem.clone(), text: r.text.clone() })
            .collect()
    }

    /// Its ConfigMap in the install's namespace: `NAME-revision-N`.
    pub fn to_config_map(&self) -> ConfigMap {
        let labels = BTreeMap::from([
            ("app.kubernetes.io/managed-by".to_string(), "promctl".to_string()),
            (HISTORY_LABEL.to_string(), self.values.instance()),
            (REVISION_LABEL.to_string(), self.revision.to_string()),
        ]);
        let json = serde_json::to_string_pretty(self).expect("a revision is plain data");
        ConfigMap {
            metadata: ObjectMeta {
                name: Some(config_map_name(&self.values.name, self.revision)),
                namespace: Some(self.values.namespace.clone()),
                labels: Some(labels),
                ..ObjectMeta::default()
            },
            data: Some(BTreeMap::from([(REVISION_KEY.to_string(), json)])),
            ..ConfigMap::default()
        }
    }

    /// The revision a ConfigMap of the history holds; Err names what is wrong with it.
    pub fn from_config_map(config_map: &ConfigMap) -> Result<Revision, String> {
        let name = config_map.metadata.name.as_deref().unwrap_or("?");
        let json = config_map
            .data
            .as_ref()
            .and_then(|d| d.get(REVISION_KEY))
            .ok_or_else(|| format!("ConfigMap {name} has no {REVISION_KEY}"))?;
        serde_json::from_str(json).map_err(|e| format!("ConfigMap {name}: {REVISION_KEY} is not a revision: {e}"))
    }
}

/// `NAME-revision-N`.
pub fn config_map_name(name: &str, revision: u32) -> String {
    format!("{name}-revision-{revision}")
}

/// The history's label selector for an instance.
pub fn selector(instance: &str) -> String {
    format!("{HISTORY_LABEL}={instance}")
}

/// The revisions to delete so that the newest `keep` stay, oldest first.
pub fn beyond(revisions: &[u32], keep: u32) -> Vec<u32> {
    let mut sorted = revisions.to_vec();
    sorted.sort_unstable();
    let excess = sorted.len().saturating_sub(keep as usize);
    sorted.truncate(excess);
    sorted
}

/// The revision a rollback goes to: `wanted` when given (it must exist and have been deployed), else
/// the newest deployed revision before the newest one. Err says why there is none.
pub fn rollback_target(revisions: &[Revision], wanted: Option<u32>) -> Result<&Revision, String> {
    let numbers = || revisions.iter().map(|r| r.revision.to_string()).collect::<Vec<_>>().join(", ");
    if revisions.is_empty() {
        return Err("no revision is recorded for this install (promctl history lists them)".into());
    }
    match wanted {
        Some(n) => {
            let revision = revisions
                .iter()
                .find(|r| r.revision == n)
                .ok_or_else(|| format!("no revision {n}; the recorded revisions are {}", numbers()))?;
            if !revision.outcome.is_deployed() {
                return Err(format!(
                    "revision {n} {}: roll back to one that was deployed ({})",
                    revision.outcome.describe(),
                    deployed(revisions)
                ));
            }
            Ok(revision)
        }
        None => {
            let newest = revisions.iter().map(|r| r.revision).max().unwrap_or_default();
            revisions
                .iter()
                .filter(|r| r.revision < newest && r.outcome.is_deployed())
                .max_by_key(|r| r.revision)
                .ok_or_else(|| format!("no deployed revision before revision {newest} ({})", deployed(revisions)))
        }
    }
}

fn deployed(revisions: &[Revision]) -> String {
    let numbers: Vec<String> =
        revisions.iter().filter(|r| r.outcome.is_deployed()).map(|r| r.revision.to_string()).collect();
    if numbers.is_empty() { "none was deployed".into() } else { format!("deployed: {}", numbers.join(", ")) }
}

/// sha256 of the rendered manifests, hex.
pub fn digest(rendered_yaml: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, rendered_yaml.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(n: u32, outcome: Outcome) -> Revision {
        let values = crate::values::load(&[], &[], None).unwrap();
        Revision {
            revision: n,
            time: "2026-12-03T13:00:00Z".into(),
            command: "install".into(),
            outcome,
            image: "prom/prometheus:v2.48.0".into(),
            promctl_version: "0.1.0".into(),
            render_digest: digest("---\n"),
            values,
            team_rules: vec![RecordedRules {
                origin: "team.yml".into(),
                stem: "team".into(),
                text: "groups: []\n".into(),
            }],
        }
    }

    #[test]
    fn a_revision_goes_into_its_config_map_and_comes_back_whole() {
        let recorded = revision(3, Outcome::Failed("ImagePullBackOff".into()));
        let config_map = recorded.to_config_map();
        assert_eq!(config_map.metadata.name.as_deref(), Some("prometheus-revision-3"));
        let labels = config_map.metadata.labels.clone().unwrap();
        assert_eq!(labels[HISTORY_LABEL], "jewelry-shop.prometheus");
        assert!(!labels.contains_key("app.kubernetes.io/instance"), "never one of the objects install owns");
        let back = Revision::from_config_map(&config_map).unwrap();
        assert_eq!(back.outcome, recorded.outcome);
        assert_eq!(back.values.to_json(), recorded.values.to_json());
        assert_eq!(back.team_rule_sources()[0].text, "groups: []\n");
    }

    #[test]
    fn the_newest_are_kept() {
        assert_eq!(beyond(&[4, 1, 3, 2, 5], 3), vec![1, 2]);
        assert_eq!(beyond(&[1, 2], 3), Vec::<u32>::new());
    }

    #[test]
    fn a_rollback_goes_to_the_newest_deployed_revision_before_the_newest_or_to_a_deployed_one_named() {
        let revisions = vec![
            revision(1, Outcome::Deployed),
            revision(2, Outcome::Deployed),
            revision(3, Outcome::Failed("ImagePullBackOff".into())),
        ];
        assert_eq!(rollback_target(&revisions, None).unwrap().revision, 2);
        assert_eq!(rollback_target(&revisions, Some(1)).unwrap().revision, 1);
        let failed = rollback_target(&revisions, Some(3)).unwrap_err();
        assert_eq!(failed, "revision 3 failed: ImagePullBackOff: roll back to one that was deployed (deployed: 1, 2)");
        assert!(
            rollback_target(&revisions, Some(9))
                .unwrap_err()
                .starts_with("no revision 9; the recorded revisions are 1, 2, 3")
        );
        assert!(
            rollback_target(&revisions[..1], None).unwrap_err().starts_with("no deployed revision before revision 1")
        );
    }
}
