//! The rules Prometheus loaded against the rendered ones, whether they evaluate, and the firing alerts
//! `--fail-on-alert` forbids.

use std::time::Duration;

use serde::Serialize;

use super::{Check, describe_alert};
use crate::prometheus::{ActiveAlert, PrometheusApi, RuleGroupState};
use crate::rules::{AlertMatcher, GroupHealth, GroupSummary, compare_loaded, group_health};

/// What validate shows about rules and alerts beside the checks (its rules and alerts sections).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RulesReport {
    pub groups: Vec<GroupHealth>,
    /// Pending and firing alerts.
    pub alerts: Vec<ActiveAlert>,
}

/// The rules Prometheus loaded against the rendered ones, their health, and the firing alerts that
/// `--fail-on-alert` forbids. Rules not evaluated yet are waited for, up to `wait_evaluation`.
pub async fn rules_checks(
    api: &PrometheusApi,
    expected: &[GroupSummary],
    wait_evaluation: Duration,
    fail_on: &[AlertMatcher],
) -> (Vec<Check>, RulesReport) {
    // Rules not evaluated yet are waited for, up to `wait_evaluation`; then judged as they are.
    let deadline = tokio::time::Instant::now() + wait_evaluation;
    let asked = crate::poll::until(deadline, Duration::from_secs(1), async || {
        let loaded = api.rules().await?;
        Ok(if all_evaluated(&loaded) { Ok(loaded) } else { Err(loaded) })
    })
    .await;
    let loaded = match asked {
        Ok(crate::poll::Polled::Done(loaded) | crate::poll::Polled::TimedOut(loaded)) => loaded,
        Err(e) => return (vec![Check::from_error("rules loaded", &e)], RulesReport::default()),
    };
    let (mut checks, groups) = judge_rules(expected, &loaded, wait_evaluation);
    let alerts = match api.alerts().await {
        Ok(alerts) => alerts,
        Err(e) => {
            checks.push(Check::from_error("alerts", &e));
            return (checks, RulesReport { groups, alerts: Vec::new() });
        }
    };
    checks.extend(judge_alerts(&alerts, fail_on));
    (checks, RulesReport { groups, alerts })
}

/// Every loaded rule was evaluated at least once (its health is `ok` or `err`, not `unknown`).
pub fn all_evaluated(loaded: &[RuleGroupState]) -> bool {
    loaded.iter().flat_map(|g| &g.rules).all(|r| r.health == "ok" || r.health == "err")
}

/// "rules loaded" (the groups `/api/v1/rules` shows are the rendered ones) and "rules evaluate" (no
/// rule's last evaluation failed), with each group's health for the report. `wait_evaluation` is
/// how long rules not evaluated yet were waited for, for the message.
pub fn judge_rules(
    expected: &[GroupSummary],
    loaded: &[RuleGroupState],
    wait_evaluation: Duration,
) -> (Vec<Check>, Vec<GroupHealth>) {
    let mut checks = vec![match compare_loaded(expected, loaded) {
        Ok((0, _)) => Check::pass("rules loaded", "no rules configured"),
        Ok((groups, rules)) => {
            Check::pass("rules loaded", format!("{}, as rendered", crate::rules::count_groups_and_rules(groups, rules)))
        }
        Err(differences) => Check::fail("rules loaded", differences.join("; ")),
    }];
    let groups = group_health(loaded);
    let errors: Vec<String> = groups
        .iter()
        .flat_map(|g| g.errors.iter().map(move |e| format!("{}/{}: {}", g.group, e.rule, e.error)))
        .collect();
    let (ok, unknown): (usize, usize) = groups.iter().fold((0, 0), |(o, u), g| (o + g.ok, u + g.unknown));
    if !loaded.is_empty() {
        checks.push(if errors.is_empty() {
            let pending = if unknown > 0 {
                format!(", {unknown} not evaluated after {}s", wait_evaluation.as_secs())
            } else {
                String::new()
            };
            Check::pass("rules evaluate", format!("{ok} rules ok{pending}"))
        } else {
            Check::fail(
                "rules evaluate",
                format!("{} of {} rules fail: {}", errors.len(), ok + unknown + errors.len(), errors.join("; ")),
            )
        });
    }
    (checks, groups)
}

/// With `--fail-on-alert`, one check: no firing alert matches (pending ones do not count yet).
/// Without it, none.
pub fn judge_alerts(alerts: &[ActiveAlert], fail_on: &[AlertMatcher]) -> Option<Check> {
    if fail_on.is_empty() {
        return None;
    }
    let forbidden: Vec<String> = alerts
        .iter()
        .filter(|a| a.state == "firing")
        .filter(|a| fail_on.iter().any(|m| m.matches(a)))
        .map(|a| format!("{} since {}", describe_alert(a), a.active_at.as_deref().unwrap_or("?")))
        .collect();
    Some(if forbidden.is_empty() {
        Check::pass("alerts", "no firing alert matches --fail-on-alert")
    } else {
        Check::fail("alerts", format!("firing and forbidden by --fail-on-alert: {}", forbidden.join("; ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleFile;
    use crate::validation::recorded::{self, PROMETHEUS};

    #[derive(serde::Deserialize)]
    struct Groups {
        groups: Vec<RuleGroupState>,
    }

    #[derive(serde::Deserialize)]
    struct Alerts {
        alerts: Vec<ActiveAlert>,
    }

    /// The groups promctl's rule check reads from a recorded rule file, under the name Prometheus
    /// loaded it by.
    fn expected(version: &str, path: &str, key: &str) -> Vec<GroupSummary> {
        let file =
            RuleFile { key: key.into(), origin: path.into(), text: recorded::text(&format!("{version}/{path}")) };
        crate::rules::check(&[file], 2).expect("the recorded rule file passes promctl's check")
    }

    fn loaded(version: &str, scenario: &str) -> Vec<RuleGroupState> {
        recorded::data::<Groups>(&format!("{version}/{scenario}/rules.json")).groups
    }

    #[test]
    fn the_rendered_groups_loaded_pass_and_a_rule_failing_to_evaluate_fails_naming_it_and_the_error() {
        for version in PROMETHEUS {
            let loaded = loaded(version, "main");
            assert!(all_evaluated(&loaded), "{version}: the recording waited for every rule's evaluation");
            let (checks, groups) =
                judge_rules(&expected(version, "main/rules.yml", "rules.yml"), &loaded, Duration::from_secs(10));
            assert!(checks[0].passed, "{version}: {}", checks[0].detail);
            assert_eq!(checks[0].detail, "2 groups, 4 rules, as rendered", "{version}");
            assert_eq!(checks[1].name, "rules evaluate");
            assert!(!checks[1].passed, "{version}");
            assert_eq!(
                checks[1].detail,
                "1 of 4 rules fail: broken/duplicate: vector contains metrics with the same labelset after applying rule labels",
                "{version}"
            );
            assert_eq!(groups.iter().map(|g| g.errors.len()).sum::<usize>(), 1, "{version}");
        }
    }

    #[test]
    fn healthy_rules_evaluate_and_a_group_loaded_from_another_file_fails_naming_both_files() {
        for version in PROMETHEUS {
            let loaded = loaded(version, "healthy-1");
            let (checks, _) = judge_rules(
                &expected(version, "healthy-1/healthy-rules.yml", "healthy-rules.yml"),
                &loaded,
                Duration::from_secs(10),
            );
            assert!(checks.iter().all(|c| c.passed), "{version}: {checks:?}");
            assert_eq!(checks[1].detail, "1 rules ok", "{version}");

            // The main scenario loads its `healthy` group from rules.yml, not healthy-rules.yml.
            let (checks, _) = judge_rules(
                &expected(version, "healthy-1/healthy-rules.yml", "healthy-rules.yml"),
                &self::loaded(version, "main"),
                Duration::from_secs(10),
            );
            assert!(!checks[0].passed, "{version}");
            assert_eq!(
                checks[0].detail,
                "group \"healthy\" (from healthy-1/healthy-rules.yml) is loaded from rules.yml, not from healthy-rules.yml: Prometheus runs another version of the file",
                "{version}"
            );
        }
    }

    #[test]
    fn a_firing_alert_matching_fail_on_alert_fails_naming_it_and_a_pending_one_does_not() {
        for version in PROMETHEUS {
            let alerts = recorded::data::<Alerts>(&format!("{version}/main/alerts.json")).alerts;
            let matcher = |m: &str| vec![AlertMatcher::parse(m).unwrap()];
            for forbidding in ["AlwaysFiring", "severity=critical"] {
                let check = judge_alerts(&alerts, &matcher(forbidding)).expect("a check with --fail-on-alert");
                assert!(!check.passed, "{version} {forbidding}");
                assert!(
                    check.detail.starts_with(
                        "firing and forbidden by --fail-on-alert: AlwaysFiring{severity=\"critical\"} since "
                    ),
                    "{version} {forbidding}: {}",
                    check.detail
                );
            }
            let pending = judge_alerts(&alerts, &matcher("PendingForAnHour")).expect("a check");
            assert!(pending.passed, "{version}: {}", pending.detail);
            assert_eq!(pending.detail, "no firing alert matches --fail-on-alert");
            assert!(judge_alerts(&alerts, &[]).is_none(), "{version}: no check without --fail-on-alert");
        }
    }
}
