//! What this build of promctl supports and is tested against: `promctl version` says it, and a test
//! keeps it equal to the test bed's own settings (scripts/lib/common.sh, scripts/lib/build-go.sh).

use serde::Serialize;

/// The Kubernetes minor versions the test bed runs every round on (oldest and newest).
pub const KUBERNETES_OLDEST_MINOR: u32 = 34;
pub const KUBERNETES_NEWEST_MINOR: u32 = 37;
/// The Prometheus releases the tests install (the default image, and the newest 3.x).
pub const PROMETHEUS_TESTED: [&str; 2] = ["2.48.0", "3.16.0"];
pub const ALERTMANAGER_TESTED: &str = "0.35.0";

#[derive(Debug, Serialize)]
pub struct Support {
    pub version: &'static str,
    pub kubernetes: String,
    pub prometheus: String,
    pub alertmanager: String,
}

pub fn support() -> Support {
    Support {
        version: env!("CARGO_PKG_VERSION"),
        kubernetes: format!(
            "1.{KUBERNETES_OLDEST_MINOR} to 1.{KUBERNETES_NEWEST_MINOR} (each tested at its newest patch)"
        ),
        prometheus: format!(
            "2.x from 2.48 and 3.x (tested: {}; image.tag's major decides what the config may use)",
            PROMETHEUS_TESTED.join(", ")
        ),
        alertmanager: format!("0.x (tested: {ALERTMANAGER_TESTED})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `NAME=VALUE` from a shell file, the value up to a space or comment.
    fn shell_value(text: &str, name: &str) -> String {
        let line = text.lines().find(|l| l.starts_with(&format!("{name}="))).unwrap_or_else(|| panic!("{name}"));
        line[name.len() + 1..].split_whitespace().next().unwrap().to_string()
    }

    #[test]
    fn what_version_says_is_what_the_test_bed_runs() {
        let common = include_str!("../scripts/lib/common.sh");
        assert_eq!(shell_value(common, "KUBERNETES_OLDEST_MINOR"), KUBERNETES_OLDEST_MINOR.to_string());
        assert_eq!(shell_value(common, "KUBERNETES_DEFAULT_MINOR"), KUBERNETES_NEWEST_MINOR.to_string());
        let builds = include_str!("../scripts/lib/build-go.sh");
        // Prometheus module v0.48.0 is 2.48.0, v0.316.0 is 3.16.0.
        assert_eq!(shell_value(builds, "PROMETHEUS2_VERSION"), "v0.48.0");
        assert_eq!(shell_value(builds, "PROMETHEUS3_VERSION"), "v0.316.0");
        assert_eq!(shell_value(builds, "ALERTMANAGER_VERSION"), format!("v{ALERTMANAGER_TESTED}"));
        let values = crate::values::load(&[], &[], None).unwrap();
        assert_eq!(values.image.tag, format!("v{}", PROMETHEUS_TESTED[0]));
        assert_eq!(values.alertmanager.image.tag, format!("v{ALERTMANAGER_TESTED}"));
    }
}
