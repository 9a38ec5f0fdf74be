//! An HA set: each replica on its own, then whether the replicas agree.

use std::collections::BTreeSet;
use std::time::SystemTime;

use super::Check;
use crate::prometheus::{JobExpectation, JobVerdict, PrometheusApi, RuleGroupState, Target, evaluate_jobs};
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
    pub targets: BTreeSet<(String, String)>,
    pub rule_groups: BTreeSet<(String, usize)>,
}

/// What was fetched from one replica: its running config (`/api/v1/status/config`), its active
/// targets and its loaded rule groups.
pub struct ReplicaAnswers {
    pub config: String,
    pub targets: Vec<Target>,
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
    let rendered = ConfigSignature::of(rendered);
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
            let targets = api.targets().await?;
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
    let config = ConfigSignature::of(&answers.config);
    let mut problems = rendered.differences(&config);
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
        targets: answers.targets.iter().map(|t| (t.job().to_string(), t.scrape_url.clone())).collect(),
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
        let only_first: Vec<String> =
            reference.targets.difference(&view.targets).map(|(job, url)| format!("{job} {url}")).collect();
        let only_other: Vec<String> =
            view.targets.difference(&reference.targets).map(|(job, url)| format!("{job} {url}")).collect();
        if !only_first.is_empty() || !only_other.is_empty() {
            problems.push(format!(
                "targets differ: only {first} scrapes [{}], only {name} scrapes [{}]",
                only_first.join(", "),
                only_other.join(", ")
            ));
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
                reference.targets.len(),
                reference.rule_groups.len()
            ),
        )
    } else {
        Check::fail(NAME, problems.join("; "))
    }
}
