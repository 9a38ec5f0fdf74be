//! An HA set: each replica on its own, then whether the replicas agree.

use std::collections::BTreeSet;
use std::time::SystemTime;

use super::Check;
use crate::prometheus::{
    JobExpectation, JobVerdict, PrometheusApi, RuleGroupState, TargetSet, TargetTally, evaluate_jobs,
};
use crate::reload::ConfigSignature;
use crate::rules::{GroupSummary, compare_loaded};

/// One replica of an HA set as validate sees it: its name, and its own API (or why it has none).
pub struct ReplicaUnderTest<'a> {
    pub name: String,
    pub api: Result<&'a PrometheusApi, String>,
}

/// What a replica serves that its peers must serve too.
#[derive(Debug, PartialEq, Eq)]
pub struct ReplicaView {
    pub config: ConfigSignature,
    pub targets: TargetSet,
    pub rule_groups: BTreeSet<(String, usize)>,
}

/// What was fetched from one replica: its running config (`/api/v1/status/config`), its active
/// targets (folded) and its loaded rule groups.
pub struct ReplicaAnswers {
    pub config: String,
    pub targets: TargetTally,
    pub rules: Vec<RuleGroupState>,
}

/// Each replica of an HA set on its own (ready, running the rendered config, every expected job's
/// targets up, the rendered rules loaded), then whether they agree: the same jobs with the same
/// targets and the same rules, as two copies of one Prometheus must. Checked through each replica's
/// pod, since the Service answers from either.
pub async fn replica_checks(
    replicas: &[ReplicaUnderTest<'_>],
    rendered: &str,
    expected: &[JobExpectation],
    rule_groups: &[GroupSummary],
) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut views: Vec<(&str, ReplicaView)> = Vec::new();
    let rendered = match ConfigSignature::of(rendered) {
        Ok(rendered) => rendered,
        Err(why) => return vec![Check::fail("replicas", format!("the rendered config does not parse: {why}"))],
    };
    for replica in replicas {
        let name = format!("replica {}", replica.name);
        let api = match &replica.api {
            Ok(api) => *api,
            Err(why) => {
                checks.push(Check::fail(name, format!("no Ready pod: {why}")));
                continue;
            }
        };
        let seen = async {
            api.ready().await?;
            let config = api.config().await?;
            let targets = api.target_tally().await?;
            let rules = api.rules().await?;
            anyhow::Ok(ReplicaAnswers { config, targets, rules })
        };
        match seen.await {
            Ok(answers) => {
                let (check, view) = judge_replica(&name, &rendered, expected, rule_groups, &answers, SystemTime::now());
                checks.push(check);
                views.push((&replica.name, view));
            }
            Err(e) => checks.push(Check::from_error(name, &e)),
        }
    }
    if replicas.len() > 1 {
        checks.push(replicas_agree(&views, replicas.len()));
    }
    checks
}

/// One replica on its own (the check named `name`): the rendered config, every job's targets up or
/// not scraped yet at `now`, the rendered rules loaded. Also what it serves, for [`replicas_agree`].
pub fn judge_replica(
    name: &str,
    rendered: &ConfigSignature,
    expected: &[JobExpectation],
    rule_groups: &[GroupSummary],
    answers: &ReplicaAnswers,
    now: SystemTime,
) -> (Check, ReplicaView) {
    let (config, mut problems) = match ConfigSignature::of(&answers.config) {
        Ok(config) => {
            let differences = rendered.differences(&config);
            (config, differences)
        }
        Err(why) => (ConfigSignature::default(), vec![format!("the config it serves does not parse: {why}")]),
    };
    let jobs = evaluate_jobs(&answers.targets, expected, now);
    problems.extend(
        jobs.iter()
            .filter(|j| !matches!(j.verdict, JobVerdict::Healthy | JobVerdict::Pending))
            .map(|j| format!("job {}: {}/{} targets up", j.job, j.up, j.up + j.down + j.unknown)),
    );
    if let Err(differences) = compare_loaded(rule_groups, &answers.rules) {
        problems.extend(differences);
    }
    let up: usize = jobs.iter().map(|j| j.up).sum();
    let check = if problems.is_empty() {
        Check::pass(
            name,
            format!(
                "ready, the rendered config, {} jobs with {up} targets up, {} rule groups loaded",
                jobs.len(),
                answers.rules.len()
            ),
        )
    } else {
        Check::fail(name, problems.join("; "))
    };
    let view = ReplicaView {
        config,
        targets: answers.targets.set.clone(),
        rule_groups: answers.rules.iter().map(|g| (g.name.clone(), g.rules.len())).collect(),
    };
    (check, view)
}

/// The replicas that could be asked (of `replicas`) serve the same config, targets and rule groups.
pub fn replicas_agree(views: &[(&str, ReplicaView)], replicas: usize) -> Check {
    const NAME: &str = "replicas agree";
    let Some(((first, reference), others)) = views.split_first() else {
        return Check::fail(NAME, "no replica could be asked");
    };
    let mut problems = Vec::new();
    for (name, view) in others {
        if view.config != reference.config {
            problems.push(format!("{name} runs another config than {first}"));
        }
        if let Some(differ) = targets_differ(first, &reference.targets, name, &view.targets) {
            problems.push(differ);
        }
        if view.rule_groups != reference.rule_groups {
            problems.push(format!("{name} and {first} load different rule groups"));
        }
    }
    if views.len() < replicas {
        problems.push(format!("only {} of {replicas} replicas could be compared", views.len()));
    }
    if problems.is_empty() {
        Check::pass(
            NAME,
            format!(
                "{replicas} replicas: the same config, the same {} targets, the same {} rule groups",
                reference.targets.total,
                reference.rule_groups.len()
            ),
        )
    } else {
        Check::fail(NAME, problems.join("; "))
    }
}

/// How the targets of replica `name` differ from those of `first`: by URL while both lists are
/// kept (up to `prometheus::TARGETS_LISTED` targets), else by job, from each job's count and digest.
fn targets_differ(first: &str, reference: &TargetSet, name: &str, other: &TargetSet) -> Option<String> {
    if reference.jobs == other.jobs {
        return None;
    }
    if let (Some(reference), Some(other)) = (&reference.listed, &other.listed) {
        let only_first: Vec<String> = reference.difference(other).map(|(job, url)| format!("{job} {url}")).collect();
        let only_other: Vec<String> = other.difference(reference).map(|(job, url)| format!("{job} {url}")).collect();
        return Some(format!(
            "targets differ: only {first} scrapes [{}], only {name} scrapes [{}]",
            only_first.join(", "),
            only_other.join(", ")
        ));
    }
    let jobs: BTreeSet<&String> = reference.jobs.keys().chain(other.jobs.keys()).collect();
    let differing: Vec<String> = jobs
        .into_iter()
        .filter(|job| reference.jobs.get(*job) != other.jobs.get(*job))
        .map(|job| {
            let count = |set: &TargetSet| set.jobs.get(job).map_or(0, |(n, _)| *n);
            format!("job {job} ({} targets on {first}, {} on {name})", count(reference), count(other))
        })
        .collect();
    Some(format!("targets differ: {first} and {name} scrape other targets of {}", differing.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prometheus::parse_rfc3339;
    use crate::rules::RuleFile;
    use crate::validation::recorded::{self, PROMETHEUS};

    #[derive(serde::Deserialize)]
    struct Groups {
        groups: Vec<RuleGroupState>,
    }

    /// What validate fetches from a replica, as recorded in `<version>/<scenario>/`.
    fn answers(version: &str, scenario: &str) -> ReplicaAnswers {
        ReplicaAnswers {
            config: recorded::config(&format!("{version}/{scenario}/config.json")),
            targets: recorded::tally(&format!("{version}/{scenario}/targets.json")),
            rules: recorded::data::<Groups>(&format!("{version}/{scenario}/rules.json")).groups,
        }
    }

    /// The newest scrape among the recorded targets: a `now` of the recording, not of the test run.
    fn recorded_now(version: &str, scenario: &str) -> SystemTime {
        let targets = recorded::targets(&format!("{version}/{scenario}/targets.json"));
        targets.iter().filter_map(|t| parse_rfc3339(&t.last_scrape)).max().expect("a scraped target")
    }

    fn healthy_rules(version: &str) -> Vec<GroupSummary> {
        let text = recorded::text(&format!("{version}/healthy-1/healthy-rules.yml"));
        let file =
            RuleFile { key: "healthy-rules.yml".into(), origin: "healthy-rules.yml".into(), text, written: None };
        crate::rules::check(&[file], 2).expect("the recorded rules pass promctl's check")
    }

    /// `scenario` judged against the healthy replicas' rendered config and rules.
    fn judged(version: &str, scenario: &str) -> (Check, ReplicaView) {
        let rendered = ConfigSignature::of(&recorded::text(&format!("{version}/healthy-1/prometheus.yml"))).unwrap();
        let answers = answers(version, scenario);
        let name = format!("replica {scenario}");
        judge_replica(&name, &rendered, &[], &healthy_rules(version), &answers, recorded_now(version, scenario))
    }

    #[test]
    fn a_replica_running_the_rendered_config_with_every_target_up_and_the_rules_loaded_passes() {
        for version in PROMETHEUS {
            for scenario in ["healthy-1", "healthy-2"] {
                let (check, _) = judged(version, scenario);
                assert!(check.passed, "{version} {scenario}: {}", check.detail);
                assert_eq!(
                    check.detail, "ready, the rendered config, 2 jobs with 3 targets up, 1 rule groups loaded",
                    "{version} {scenario}"
                );
            }
        }
    }

    #[test]
    fn a_replica_with_down_targets_and_other_rule_files_fails_naming_each_job_and_group() {
        for version in PROMETHEUS {
            let (check, _) = judged(version, "main");
            assert!(!check.passed, "{version}");
            for cause in [
                "job refused: running, no longer rendered",
                "job refused: 0/1 targets up",
                "job not-found: 0/1 targets up",
                "group \"healthy\" (from healthy-rules.yml) is loaded from rules.yml, not from healthy-rules.yml",
            ] {
                assert!(check.detail.contains(cause), "{version}: {cause} missing from {}", check.detail);
            }
            // Not scraped yet is not a failure of a replica: it is waited for elsewhere.
            assert!(!check.detail.contains("job not-scraped-yet: 0/1"), "{version}: {}", check.detail);
        }
    }

    #[test]
    fn two_replicas_of_one_config_agree() {
        for version in PROMETHEUS {
            let (_, one) = judged(version, "healthy-1");
            let (_, two) = judged(version, "healthy-2");
            let check = replicas_agree(&[("healthy-1", one), ("healthy-2", two)], 2);
            assert!(check.passed, "{version}: {}", check.detail);
            assert_eq!(
                check.detail, "2 replicas: the same config, the same 3 targets, the same 1 rule groups",
                "{version}"
            );
        }
    }

    #[test]
    fn replicas_of_different_configs_disagree_naming_config_targets_and_rules() {
        for version in PROMETHEUS {
            let (_, healthy) = judged(version, "healthy-1");
            let (_, main) = judged(version, "main");
            let check = replicas_agree(&[("healthy-1", healthy), ("main", main)], 3);
            assert!(!check.passed, "{version}");
            for cause in [
                "main runs another config than healthy-1",
                "targets differ: only healthy-1 scrapes [",
                "], only main scrapes [",
                "refused http://127.0.0.1:19999/metrics",
                "main and healthy-1 load different rule groups",
                "only 2 of 3 replicas could be compared",
            ] {
                assert!(check.detail.contains(cause), "{version}: {cause} missing from {}", check.detail);
            }
        }
    }

    fn target_set<'a>(targets: impl IntoIterator<Item = (&'a str, &'a str)>) -> TargetSet {
        let mut set = TargetSet::default();
        targets.into_iter().for_each(|(job, url)| set.insert(job, url));
        set
    }

    #[test]
    fn replicas_with_many_targets_that_differ_are_told_apart_by_job() {
        let urls: Vec<String> =
            (0..5_000).map(|i| format!("http://10.0.{}.{}:9100/metrics", i / 250, i % 250)).collect();
        let many = |skip: usize| {
            target_set(
                urls.iter().skip(skip).map(|u| ("nodes", u.as_str())).chain([("django", "http://d:8000/metrics")]),
            )
        };
        let (one, two) = (many(0), many(0));
        assert_eq!(one.listed, None, "5,001 targets are not listed");
        assert_eq!(targets_differ("a", &one, "b", &two), None);
        // The same number of targets, one of them another: the digests differ.
        let mut moved =
            target_set(urls.iter().skip(1).map(|u| ("nodes", u.as_str())).chain([("django", "http://d:8000/metrics")]));
        moved.insert("nodes", "http://10.9.9.9:9100/metrics");
        assert_eq!(
            targets_differ("a", &one, "b", &moved).as_deref(),
            Some("targets differ: a and b scrape other targets of job nodes (5000 targets on a, 5000 on b)")
        );
        assert_eq!(
            targets_differ("a", &one, "b", &many(2)).as_deref(),
            Some("targets differ: a and b scrape other targets of job nodes (5000 targets on a, 4998 on b)")
        );
    }

    #[test]
    fn replicas_agree_only_with_the_same_config_targets_and_rules() {
        let view = |targets: &[(&str, &str)], groups: &[(&str, usize)]| ReplicaView {
            config: ConfigSignature::of("scrape_configs: [{job_name: django}]").unwrap(),
            targets: target_set(targets.iter().copied()),
            rule_groups: groups.iter().map(|(g, n)| (g.to_string(), *n)).collect(),
        };
        let a = view(&[("django", "http://10.0.0.1:8000/metrics")], &[("starter", 8)]);
        let same = view(&[("django", "http://10.0.0.1:8000/metrics")], &[("starter", 8)]);
        let agree = replicas_agree(&[("prometheus", a), ("prometheus-1", same)], 2);
        assert!(agree.passed, "{}", agree.detail);
        assert_eq!(agree.detail, "2 replicas: the same config, the same 1 targets, the same 1 rule groups");

        let a = view(&[("django", "http://10.0.0.1:8000/metrics")], &[("starter", 8)]);
        let other = view(&[("django", "http://10.0.0.2:8000/metrics")], &[("starter", 7)]);
        let differ = replicas_agree(&[("prometheus", a), ("prometheus-1", other)], 3);
        assert!(!differ.passed);
        assert_eq!(
            differ.detail,
            "targets differ: only prometheus scrapes [django http://10.0.0.1:8000/metrics], only prometheus-1 scrapes [django http://10.0.0.2:8000/metrics]; prometheus-1 and prometheus load different rule groups; only 2 of 3 replicas could be compared"
        );
    }
}
