//! Where Prometheus sends alerts, and the installed Alertmanager: ready, running the rendered config.

use std::time::Duration;

use super::Check;
use crate::prometheus::{AlertmanagerTargets, PrometheusApi};
use crate::values::Values;

/// The installed Alertmanager reached through its Service, and the config it must run.
pub struct InstalledAlertmanager<'a> {
    pub api: PrometheusApi,
    pub config: &'a str,
}

/// The Alertmanagers the values configure: how many sources (the installed one, each Service, each
/// URL), and the static URLs as Prometheus shows them active (`scheme://host:port/prefix`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertmanagerSources {
    pub count: usize,
    pub statics: Vec<String>,
}

impl AlertmanagerSources {
    pub fn of(values: &Values) -> Self {
        let am = &values.alertmanager;
        let statics = am
            .urls
            .iter()
            .filter_map(|u| crate::alertmanager::static_alertmanager(u))
            .map(|s| format!("{}://{}{}", s.scheme, s.target, s.path_prefix.trim_end_matches('/')))
            .collect();
        AlertmanagerSources { count: usize::from(am.enabled) + am.services.len() + am.urls.len(), statics }
    }
}

const SENDS: &str = "Prometheus sends to Alertmanager";

/// Where Prometheus sends alerts: every configured source shows in `/api/v1/alertmanagers` as
/// active (waited for up to `wait`, as discovery takes a few seconds after a start), and the
/// installed Alertmanager is ready and runs the rendered config.
pub async fn alertmanager_checks(
    api: &PrometheusApi,
    values: &Values,
    installed: Option<&InstalledAlertmanager<'_>>,
    wait: Duration,
) -> Vec<Check> {
    if !values.alertmanager.any() {
        return Vec::new();
    }
    let sources = AlertmanagerSources::of(values);
    let mut checks = Vec::new();
    // Discovery takes a few seconds after a start: ask again until it passes, up to `wait`.
    let deadline = tokio::time::Instant::now() + wait;
    let asked = crate::poll::until(deadline, Duration::from_secs(1), async || {
        Ok(match api.alertmanagers().await {
            Ok(targets) => Some(judge_alertmanagers(&targets, &sources)).filter(|c| c.passed).ok_or(targets),
            Err(e) => Ok(Check::from_error(SENDS, &e)),
        })
    })
    .await;
    checks.push(match asked {
        Ok(crate::poll::Polled::Done(check)) => check,
        Ok(crate::poll::Polled::TimedOut(targets)) => judge_alertmanagers(&targets, &sources),
        Err(e) => Check::from_error(SENDS, &e),
    });
    if let Some(installed) = installed {
        checks.push(match installed.api.ready().await {
            Ok(()) => Check::pass("Alertmanager ready", "200 OK"),
            Err(e) => Check::from_error("Alertmanager ready", &e),
        });
        checks.push(match installed.api.metrics_text().await {
            Ok(metrics) => judge_alertmanager_config(&metrics, installed.config),
            Err(e) => Check::from_error("Alertmanager config", &e),
        });
    }
    checks
}

/// Prometheus's `/api/v1/alertmanagers` against the configured sources: at least as many active as
/// configured, and each static URL among them; otherwise what is active, dropped and missing.
pub fn judge_alertmanagers(targets: &AlertmanagerTargets, sources: &AlertmanagerSources) -> Check {
    let active: Vec<&str> = targets.active_alertmanagers.iter().map(|a| a.url.as_str()).collect();
    let missing: Vec<&str> =
        sources.statics.iter().map(String::as_str).filter(|s| !active.iter().any(|a| a.starts_with(s))).collect();
    if active.len() >= sources.count && missing.is_empty() {
        return Check::pass(SENDS, format!("active: {}", active.join(", ")));
    }
    let dropped: Vec<&str> = targets.dropped_alertmanagers.iter().map(|a| a.url.as_str()).collect();
    Check::fail(
        SENDS,
        format!(
            "{} active of {} configured (active: [{}]; dropped: [{}]){}",
            active.len(),
            sources.count,
            active.join(", "),
            dropped.join(", "),
            if missing.is_empty() { String::new() } else { format!("; not active: {}", missing.join(", ")) }
        ),
    )
}

/// Alertmanager's `/metrics` (`alertmanager_config_hash`) against the rendered alertmanager.yml.
pub fn judge_alertmanager_config(metrics: &str, config: &str) -> Check {
    let hash = crate::alertmanager::config_hash_metric(config);
    if crate::alertmanager::metric_value(metrics, "alertmanager_config_hash") == Some(hash) {
        Check::pass("Alertmanager config", "runs the rendered alertmanager.yml")
    } else {
        Check::fail(
            "Alertmanager config",
            "runs another config than the rendered one (an edit outside promctl, or a reload that did not finish); run promctl reload",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::recorded::{self, PROMETHEUS};

    const AM: &str = "alertmanager-0.35.0";

    /// The sources of values that list `urls` as alertmanager.urls.
    fn sources(urls: &[&str]) -> AlertmanagerSources {
        let set = vec![format!("alertmanager.urls=[{}]", urls.join(","))];
        AlertmanagerSources::of(&crate::values::load(&[], &set, None).expect("values"))
    }

    #[test]
    fn every_configured_alertmanager_active_passes_even_one_that_is_down() {
        for version in PROMETHEUS {
            let targets: AlertmanagerTargets = recorded::data(&format!("{version}/main/alertmanagers.json"));
            // 127.0.0.1:19994 has nothing listening: Prometheus still lists it active.
            let check = judge_alertmanagers(&targets, &sources(&["http://127.0.0.1:19300", "http://127.0.0.1:19994"]));
            assert!(check.passed, "{version}: {}", check.detail);
            assert_eq!(
                check.detail, "active: http://127.0.0.1:19300/api/v2/alerts, http://127.0.0.1:19994/api/v2/alerts",
                "{version}"
            );
        }
    }

    #[test]
    fn an_alertmanager_dropped_by_relabelling_fails_naming_it_as_dropped_and_not_active() {
        for version in PROMETHEUS {
            let targets: AlertmanagerTargets = recorded::data(&format!("{version}/main/alertmanagers.json"));
            let configured = sources(&["http://127.0.0.1:19300", "http://127.0.0.1:19994", "http://127.0.0.1:19995"]);
            let check = judge_alertmanagers(&targets, &configured);
            assert!(!check.passed, "{version}");
            assert_eq!(
                check.detail,
                "2 active of 3 configured (active: [http://127.0.0.1:19300/api/v2/alerts, http://127.0.0.1:19994/api/v2/alerts]; dropped: [http://127.0.0.1:19995/api/v2/alerts]); not active: http://127.0.0.1:19995",
                "{version}"
            );
        }
    }

    #[test]
    fn alertmanager_running_the_rendered_file_passes_and_another_text_fails() {
        let metrics = recorded::text(&format!("{AM}/metrics.txt"));
        let config = recorded::text(&format!("{AM}/alertmanager.yml"));
        let same = judge_alertmanager_config(&metrics, &config);
        assert!(same.passed, "{}", same.detail);
        assert_eq!(same.detail, "runs the rendered alertmanager.yml");

        let edited = format!("{config}# one more line\n");
        let other = judge_alertmanager_config(&metrics, &edited);
        assert!(!other.passed);
        assert!(other.detail.starts_with("runs another config than the rendered one"), "{}", other.detail);
        assert!(other.detail.ends_with("run promctl reload"), "{}", other.detail);
    }
}
