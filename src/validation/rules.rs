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
    checks.extend(judge_recordings(&silent_recordings(api, &loaded).await));
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

/// A recording rule that evaluates fine and has written nothing for a while.
#[derive(Debug, Clone, PartialEq)]
pub struct SilentRecording {
    pub group: String,
    pub rule: String,
    /// How far back nothing was written (three evaluation intervals).
    pub window: Duration,
    /// Its inputs (the metrics its selectors name) and whether each had series before the last
    /// evaluation.
    pub inputs: Vec<(String, bool)>,
}

/// Evaluations of a group whose output is looked for.
const SILENT_EVALUATIONS: u32 = 3;

/// The recording rules that evaluate (`ok`), do not filter (an empty answer is then no mistake) and
/// have written no series over their last evaluations, with whether their inputs have series.
/// Queries Prometheus: one per evaluated recording rule, one per input of a silent one.
async fn silent_recordings(api: &PrometheusApi, loaded: &[RuleGroupState]) -> Vec<SilentRecording> {
    let mut silent = Vec::new();
    for group in loaded {
        let interval = Duration::from_secs_f64(group.interval.max(1.0));
        let window = interval * SILENT_EVALUATIONS;
        for rule in group.rules.iter().filter(|r| r.kind == "recording" && r.health == "ok") {
            let Some(inputs) = crate::promql::rule_inputs(&rule.query).filter(|i| !i.filters && !i.metrics.is_empty())
            else {
                continue;
            };
            let written = format!("count(last_over_time({{__name__={:?}}}[{}s]))", rule.name, window.as_secs());
            if !api.query_vector(&written).await.map(|v| v.is_empty()).unwrap_or(false) {
                continue;
            }
            let mut present = Vec::new();
            for metric in inputs.metrics {
                // Before the last evaluation: inputs that appeared since cannot have been read.
                let query = format!("count({{__name__={metric:?}}} offset {}s)", interval.as_secs().max(1));
                let has = api.query_vector(&query).await.map(|v| !v.is_empty()).unwrap_or(false);
                present.push((metric, has));
            }
            silent.push(SilentRecording {
                group: group.name.clone(),
                rule: rule.name.clone(),
                window,
                inputs: present,
            });
        }
    }
    silent
}

/// "recording rules produce": a recording rule whose every input has series and that still wrote
/// nothing matches nothing (a label matcher or value that never occurs: on Prometheus 3, `le="1"`
/// is written `le="1.0"`); "rules ok" must mean the rules produce something. One whose inputs are
/// missing is waiting for them (the targets' checks say why). No check when none is silent.
pub fn judge_recordings(silent: &[SilentRecording]) -> Option<Check> {
    let broken: Vec<String> = silent
        .iter()
        .filter(|s| s.inputs.iter().all(|(_, present)| *present))
        .map(|s| {
            let inputs: Vec<&str> = s.inputs.iter().map(|(m, _)| m.as_str()).collect();
            format!(
                "{}/{} wrote nothing in the last {}s though its inputs ({}) have series",
                s.group,
                s.rule,
                s.window.as_secs(),
                inputs.join(", ")
            )
        })
        .collect();
    (!broken.is_empty()).then(|| {
        Check::fail(
            "recording rules produce",
            format!(
                "{}: its selectors match nothing (on Prometheus 3, bucket bounds and quantiles are floats: le=\"1\" is le=\"1.0\"); fix the expression (`promctl render` shows it)",
                broken.join("; ")
            ),
        )
    })
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
        let file = RuleFile {
            key: key.into(),
            origin: path.into(),
            text: recorded::text(&format!("{version}/{path}")),
            written: None,
        };
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
    fn a_silent_recording_rule_fails_only_when_its_inputs_have_series() {
        let silent = |inputs: &[(&str, bool)]| SilentRecording {
            group: "shop".into(),
            rule: "job:latency_le1:rate5m".into(),
            window: Duration::from_secs(90),
            inputs: inputs.iter().map(|(m, p)| (m.to_string(), *p)).collect(),
        };
        let check = judge_recordings(&[silent(&[("http_request_duration_seconds_bucket", true)])]).unwrap();
        assert!(!check.passed);
        assert!(check.detail.starts_with("shop/job:latency_le1:rate5m wrote nothing in the last 90s though its inputs (http_request_duration_seconds_bucket) have series"), "{}", check.detail);
        assert!(check.detail.contains(r#"le="1" is le="1.0""#), "{}", check.detail);
        // An input without series: the rule waits for it, and the targets' checks say why.
        assert!(judge_recordings(&[silent(&[("a", true), ("b", false)])]).is_none());
        assert!(judge_recordings(&[]).is_none());
    }

    /// The recorded groups' rules carry their expressions and the groups their interval, which the
    /// silent-rule judgment reads.
    #[test]
    fn recorded_rules_carry_their_query_and_interval() {
        for version in PROMETHEUS {
            let loaded = loaded(version, "main");
            let healthy = loaded.iter().find(|g| g.name == "healthy").unwrap();
            assert_eq!(healthy.interval, 1.0, "{version}");
            assert_eq!(healthy.rules[0].query, "sum by (job) (up)", "{version}");
            let inputs = crate::promql::rule_inputs(&healthy.rules[0].query).unwrap();
            assert_eq!((inputs.metrics, inputs.filters), (vec!["up".to_string()], false), "{version}");
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
