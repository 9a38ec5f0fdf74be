//! Alerting and recording rules: read from the team's files and the values, checked before anything
//! reaches a cluster, and named so that a loaded rule file proves which content Prometheus read.
//!
//! The check follows Prometheus's own rule-file validation (rulefmt): strict fields, one of `record`
//! and `alert`, durations, metric and label names, unique group names in a file, templates that
//! parse, and every expression parsed by a real PromQL parser. Each problem names the file, the
//! line and column, the group and the rule.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::duration::parse_duration;
use crate::error::Failure;
use crate::prometheus::{ActiveAlert, RuleGroupState};
use crate::values::Values;

/// The text of one rule file and where it came from, before rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSource {
    /// A path as given, or `values rules.groups` for inline groups.
    pub origin: String,
    /// Short name for the ConfigMap key: the file's stem, `values` or `starter`.
    pub stem: String,
    pub text: String,
}

/// A rule file as the ConfigMap carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleFile {
    /// The ConfigMap key and file name: `rules-<stem>-<hash>.yml`. The hash of the content makes a
    /// changed file a changed prometheus.yml (its `rule_files` list), so a reload is verified the
    /// same way as any config change, and `/api/v1/rules` shows which version was loaded.
    pub key: String,
    pub origin: String,
    /// What Prometheus reads.
    pub text: String,
    /// The file as the team wrote it, when Prometheus reads something else: a PrometheusRule object
    /// (prometheus-operator's monitoring.coreos.com/v1), whose `spec.groups` is `text`. The check
    /// reads this one, so the lines and columns it names are the team's.
    #[serde(skip)]
    pub written: Option<String>,
}

impl RuleFile {
    pub fn new(source: RuleSource) -> Self {
        let (text, written) = match groups_of_prometheus_rule(&source.text) {
            Some(groups) => (groups, Some(source.text)),
            None => (source.text, None),
        };
        let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
        let hash: String = digest.as_ref()[..4].iter().map(|b| format!("{b:02x}")).collect();
        RuleFile { key: format!("rules-{}-{hash}.yml", source.stem), origin: source.origin, text, written }
    }
}

/// prometheus-operator's rule object: its `spec` is a rule file's `groups`.
const PROMETHEUS_RULE_KIND: &str = "PrometheusRule";
const PROMETHEUS_RULE_API_VERSION: &str = "monitoring.coreos.com/v1";

/// The rule file a PrometheusRule object holds (`groups:` of its `spec.groups`, as YAML), or None
/// when `text` is not one (a rule file, or YAML the check reports). Teams that come from
/// prometheus-operator keep their rules so and used to cut `spec.groups` out with yq.
fn groups_of_prometheus_rule(text: &str) -> Option<String> {
    let doc: serde_json::Value = serde_saphyr::from_str(text).ok()?;
    if doc.get("kind")?.as_str()? != PROMETHEUS_RULE_KIND {
        return None;
    }
    let groups = doc.get("spec").and_then(|spec| spec.get("groups")).cloned().unwrap_or_default();
    let groups = if groups.is_null() { serde_json::json!([]) } else { groups };
    // Anything the check refuses later is carried as it is; a file that cannot be written back is
    // carried empty, and the check names why from the written text.
    Some(serde_saphyr::to_string(&serde_json::json!({ "groups": groups })).unwrap_or_default())
}

/// What the check learned about one group: what `/api/v1/rules` must show after a load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupSummary {
    /// The rule file's name (ConfigMap key).
    pub file: String,
    /// Where the file came from (a path, values, the starter rules).
    pub origin: String,
    pub name: String,
    pub rules: Vec<RuleSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSummary {
    /// `alerting` or `recording`, as Prometheus's API names them.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
}

/// The rule sources from `rules.files`, `--rules` and `rules.groups`, in that order. A directory
/// contributes its `*.yml` and `*.yaml` files (not recursive), sorted by name.
pub fn read_sources(values: &Values, extra: &[PathBuf]) -> Result<Vec<RuleSource>, Failure> {
    let mut paths: Vec<(String, PathBuf)> = Vec::new();
    let given = values.rules.files.iter().map(|f| ("rules.files", PathBuf::from(f)));
    for (flag, path) in given.chain(extra.iter().map(|p| ("--rules", p.clone()))) {
        let unreadable = |err: std::io::Error| {
            Failure::bad_input(format!("rules: cannot read {} (from {flag}): {err}; check the path", path.display()))
        };
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(unreadable)?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(Failure::bad_input(format!(
                    "rules: {} (from {flag}) holds no .yml or .yaml file; name rule files *.yml",
                    path.display()
                )));
            }
            paths.extend(files.into_iter().map(|f| (flag.to_string(), f)));
        } else {
            std::fs::metadata(&path).map_err(unreadable)?;
            paths.push((flag.to_string(), path));
        }
    }
    let mut sources = Vec::new();
    for (flag, path) in paths {
        let text = std::fs::read_to_string(&path)
            .map_err(|err| Failure::bad_input(format!("rules: cannot read {} (from {flag}): {err}", path.display())))?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        sources.push(RuleSource { origin: path.display().to_string(), stem: key_safe(&stem), text });
    }
    if !values.rules.groups.is_empty() {
        let doc = serde_json::json!({ "groups": values.rules.groups });
        let text = serde_saphyr::to_string(&doc).map_err(|err| {
            Failure::bad_input(format!("rules: values rules.groups cannot be written as YAML: {err}"))
        })?;
        sources.push(RuleSource { origin: "values rules.groups".into(), stem: "values".into(), text });
    }
    Ok(sources)
}

/// A ConfigMap key may hold letters, digits, '-', '_' and '.'; keep names short and readable.
fn key_safe(stem: &str) -> String {
    let safe: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c.to_ascii_lowercase() } else { '-' })
        .take(40)
        .collect();
    if safe.is_empty() { "file".into() } else { safe }
}

// ---- the static check ----

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    groups: Vec<GroupDoc>,
}

/// A PrometheusRule object as the team wrote it: its spec is checked as a rule file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrometheusRuleDoc {
    #[serde(rename = "apiVersion")]
    api_version: Spanned<String>,
    /// Known to be PrometheusRule (groups_of_prometheus_rule).
    #[allow(dead_code)]
    kind: String,
    /// Name, labels, annotations: the cluster's business, not Prometheus's.
    #[serde(default)]
    #[allow(dead_code)]
    metadata: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    spec: FileDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupDoc {
    name: Spanned<String>,
    #[serde(default)]
    interval: Option<Spanned<String>>,
    #[serde(default)]
    query_offset: Option<Spanned<String>>,
    /// Accepted as Prometheus accepts it; nothing to check beyond its type.
    #[serde(default)]
    #[allow(dead_code)]
    limit: Option<u64>,
    #[serde(default)]
    labels: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    rules: Vec<Spanned<RuleDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDoc {
    #[serde(default)]
    record: Option<Spanned<String>>,
    #[serde(default)]
    alert: Option<Spanned<String>>,
    expr: Spanned<String>,
    #[serde(default, rename = "for")]
    for_: Option<Spanned<String>>,
    #[serde(default)]
    keep_firing_for: Option<Spanned<String>>,
    #[serde(default)]
    labels: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    annotations: Option<Spanned<BTreeMap<String, String>>>,
}

/// Checks every rule file; Ok carries the groups in file order, Err every problem found.
pub fn check(files: &[RuleFile], prometheus_major: u64) -> Result<Vec<GroupSummary>, Vec<String>> {
    let mut problems = Vec::new();
    let mut groups = Vec::new();
    for file in files {
        check_file(file, prometheus_major, &mut groups, &mut problems);
    }
    if problems.is_empty() { Ok(groups) } else { Err(problems) }
}

/// A YAML document of `text` as `T`; None for an empty file, Err with the parser's words and place.
fn parse_doc<T: serde::de::DeserializeOwned>(file: &RuleFile, text: &str, what: &str) -> Result<Option<T>, String> {
    serde_saphyr::from_str(text).map_err(|err| {
        let options = serde_saphyr::render_options! {
            formatter: &serde_saphyr::UserMessageFormatter,
            source_name: Some(&file.origin),
        };
        let rendered = err.render_with_options(options);
        format!("rules: {} is not {what}: {}", file.origin, rendered.trim_start_matches("error: "))
    })
}

fn check_file(file: &RuleFile, major: u64, groups: &mut Vec<GroupSummary>, problems: &mut Vec<String>) {
    let at = |location: &serde_saphyr::Location| format!("{}:{}:{}", file.origin, location.line(), location.column());
    let parsed = match &file.written {
        Some(written) => parse_doc::<PrometheusRuleDoc>(file, written, "a PrometheusRule object").map(|doc| {
            let doc = doc?;
            if doc.api_version.value != PROMETHEUS_RULE_API_VERSION {
                problems.push(format!(
                    "rules: {}: apiVersion {:?} is not the PrometheusRule promctl reads; write apiVersion: {PROMETHEUS_RULE_API_VERSION}",
                    at(&doc.api_version.referenced),
                    doc.api_version.value
                ));
            }
            Some(doc.spec)
        }),
        None => parse_doc::<FileDoc>(file, &file.text, "a Prometheus rule file"),
    };
    let doc = match parsed {
        Ok(Some(doc)) => doc,
        Ok(None) => return, // an empty file: no groups, as Prometheus reads it
        Err(problem) => return problems.push(problem),
    };
    let mut seen: Vec<&str> = Vec::new();
    for group in &doc.groups {
        let name = group.name.value.as_str();
        let mut report = |location: &serde_saphyr::Location, what: String| {
            problems.push(format!("rules: {}: group {name:?}: {what}", at(location)));
        };
        if name.is_empty() {
            report(&group.name.referenced, "the group name is empty; name every group".into());
        }
        if seen.contains(&name) {
            report(
                &group.name.referenced,
                "the group name is repeated in this file; group names must be unique in a file".into(),
            );
        }
        seen.push(name);
        if let Some(interval) = &group.interval {
            check_duration(interval, "interval", false, &mut report);
        }
        if let Some(offset) = &group.query_offset {
            newer_field(major, "query_offset", &offset.referenced, &mut report);
            check_duration(offset, "query_offset", true, &mut report);
        }
        if let Some(labels) = &group.labels {
            newer_field(major, "labels", &labels.referenced, &mut report);
            check_labels(labels, "labels", major, &mut report);
        }
        let mut rules = Vec::new();
        for (i, rule) in group.rules.iter().enumerate() {
            let spot = &rule.referenced;
            let rule = &rule.value;
            let (kind, rule_name) = match (&rule.record, &rule.alert) {
                (Some(record), None) => ("recording", record),
                (None, Some(alert)) => ("alerting", alert),
                (Some(_), Some(_)) => {
                    report(spot, format!("rule {}: has both record and alert; a rule is one or the other", i + 1));
                    continue;
                }
                (None, None) => {
                    report(spot, format!("rule {}: has neither record nor alert; name it with one of them", i + 1));
                    continue;
                }
            };
            let label = format!(
                "rule {} ({} {:?})",
                i + 1,
                if kind == "alerting" { "alert" } else { "record" },
                rule_name.value
            );
            let mut rule_report = |location: &serde_saphyr::Location, what: String| {
                report(location, format!("{label}: {what}"));
            };
            if let Err(reason) = crate::promql::parse(&rule.expr.value) {
                rule_report(&rule.expr.referenced, format!("expr {:?} is not valid PromQL: {reason}", rule.expr.value));
            }
            if major >= 3 {
                for change in crate::promql::prometheus3_changes(&rule.expr.value) {
                    rule_report(&rule.expr.referenced, format!("expr: {change}"));
                }
            }
            if kind == "recording" {
                if !valid_metric_name(&rule_name.value, major) {
                    rule_report(
                        &rule_name.referenced,
                        "is not a valid metric name; use letters, digits, '_' and ':', not starting with a digit (e.g. job:http_requests:rate5m)".into(),
                    );
                }
                for (field, present) in [
                    ("for", rule.for_.is_some()),
                    ("keep_firing_for", rule.keep_firing_for.is_some()),
                    ("annotations", rule.annotations.is_some()),
                ] {
                    if present {
                        rule_report(
                            spot,
                            format!("a recording rule has no {field:?}; remove it or make the rule an alert"),
                        );
                    }
                }
            } else {
                if rule_name.value.is_empty() {
                    rule_report(&rule_name.referenced, "the alert name is empty".into());
                }
                if let Some(d) = &rule.for_ {
                    check_duration(d, "for", true, &mut rule_report);
                }
                if let Some(d) = &rule.keep_firing_for {
                    check_duration(d, "keep_firing_for", true, &mut rule_report);
                }
                if let Some(annotations) = &rule.annotations {
                    for (key, text) in &annotations.value {
                        if !valid_label_name(key, major) {
                            rule_report(
                                &annotations.referenced,
                                format!("annotation name {key:?} is not a valid label name"),
                            );
                        }
                        if let Err(reason) = template_balanced(text) {
                            rule_report(&annotations.referenced, format!("annotation {key:?}: {reason}"));
                        }
                    }
                }
            }
            if let Some(labels) = &rule.labels {
                check_labels(labels, "labels", major, &mut rule_report);
                if kind == "alerting" {
                    for (key, text) in &labels.value {
                        if let Err(reason) = template_balanced(text) {
                            rule_report(&labels.referenced, format!("label {key:?}: {reason}"));
                        }
                    }
                }
            }
            rules.push(RuleSummary { kind, name: rule_name.value.clone() });
        }
        groups.push(GroupSummary {
            file: file.key.clone(),
            origin: file.origin.clone(),
            name: name.to_string(),
            rules,
        });
    }
}

fn check_duration(
    value: &Spanned<String>,
    field: &str,
    zero_allowed: bool,
    report: &mut impl FnMut(&serde_saphyr::Location, String),
) {
    match parse_duration(&value.value) {
        Some(d) if zero_allowed || !d.is_zero() => {}
        _ => report(
            &value.referenced,
            format!("{field}: {:?} is not a Prometheus duration; use a form like 30s, 5m or 1h", value.value),
        ),
    }
}

fn newer_field(
    major: u64,
    field: &str,
    location: &serde_saphyr::Location,
    report: &mut impl FnMut(&serde_saphyr::Location, String),
) {
    if major < 3 {
        report(location, format!("{field} needs Prometheus 3 (image.tag names 2.x); remove it or raise image.tag"));
    }
}

fn check_labels(
    labels: &Spanned<BTreeMap<String, String>>,
    field: &str,
    major: u64,
    report: &mut impl FnMut(&serde_saphyr::Location, String),
) {
    for name in labels.value.keys() {
        if name == "__name__" || !valid_label_name(name, major) {
            report(
                &labels.referenced,
                format!(
                    "{field}: {name:?} is not a valid label name; use letters, digits and '_', not starting with a digit"
                ),
            );
        }
    }
}

/// Prometheus 3 accepts any UTF-8 name; Prometheus 2 the classic form.
fn valid_label_name(name: &str, major: u64) -> bool {
    if major >= 3 {
        return !name.is_empty();
    }
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn valid_metric_name(name: &str, major: u64) -> bool {
    if major >= 3 {
        return !name.is_empty() && !name.contains('{');
    }
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Go templates in labels and annotations: every `{{` closed by `}}` before the next opens, and no
/// `}}` without an opening. What Prometheus's template parser rejects first, found without Go.
fn template_balanced(text: &str) -> Result<(), String> {
    let mut rest = text;
    loop {
        let open = rest.find("{{");
        let close = rest.find("}}");
        match (open, close) {
            (None, None) => return Ok(()),
            (Some(o), Some(c)) if o < c => {
                let inner = &rest[o + 2..c];
                if inner.contains("{{") {
                    return Err("a template action opens inside another; close each {{ with }}".into());
                }
                if inner.trim_matches(|ch: char| ch == '-' || ch.is_whitespace()).is_empty() {
                    return Err("an empty template action {{ }}; write {{ $labels.name }} or remove it".into());
                }
                rest = &rest[c + 2..];
            }
            (Some(_), _) => return Err("a template action {{ is not closed with }}".into()),
            (None, Some(_)) => return Err("a }} closes no template action; remove it or add the {{".into()),
        }
    }
}

// ---- the proof: what Prometheus loaded ----

/// Compares what `/api/v1/rules` shows with the checked groups. Ok: (groups, rules) loaded as
/// rendered; Err: each difference. A file is matched by name, and its name carries its content's
/// hash, so an old version of a file never passes for the new one.
pub fn compare_loaded(expected: &[GroupSummary], loaded: &[RuleGroupState]) -> Result<(usize, usize), Vec<String>> {
    let file_name = |path: &str| path.rsplit('/').next().unwrap_or(path).to_string();
    let mut differences = Vec::new();
    for group in expected {
        let found = loaded.iter().find(|g| g.name == group.name && file_name(&g.file) == group.file);
        let Some(found) = found else {
            let older = loaded.iter().find(|g| g.name == group.name);
            differences.push(match older {
                Some(other) => format!(
                    "group {:?} (from {}) is loaded from {}, not from {}: Prometheus runs another version of the file",
                    group.name,
                    group.origin,
                    file_name(&other.file),
                    group.file
                ),
                None => format!("group {:?} (from {}, file {}) is not loaded", group.name, group.origin, group.file),
            });
            continue;
        };
        let want: Vec<(&str, &str)> = group.rules.iter().map(|r| (r.kind, r.name.as_str())).collect();
        let have: Vec<(&str, &str)> = found.rules.iter().map(|r| (r.kind.as_str(), r.name.as_str())).collect();
        if want != have {
            let names = |rules: &[(&str, &str)]| rules.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ");
            differences.push(format!(
                "group {:?} has rules [{}], the rendered file [{}]",
                group.name,
                names(&have),
                names(&want)
            ));
        }
    }
    if differences.is_empty() {
        Ok((expected.len(), expected.iter().map(|g| g.rules.len()).sum()))
    } else {
        Err(differences)
    }
}

/// "1 group, 10 rules": the counts as a person says them.
pub fn count_groups_and_rules(groups: usize, rules: usize) -> String {
    let plural = |n: usize, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
    format!("{}, {}", plural(groups, "group"), plural(rules, "rule"))
}

/// One group's state for the report: validate's rules section, JSON and JUnit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupHealth {
    pub group: String,
    pub file: String,
    pub rules: usize,
    pub ok: usize,
    /// Not evaluated yet (a group evaluates once per interval).
    pub unknown: usize,
    pub last_evaluation: String,
    pub errors: Vec<RuleError>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleError {
    pub rule: String,
    pub error: String,
}

pub fn group_health(loaded: &[RuleGroupState]) -> Vec<GroupHealth> {
    loaded
        .iter()
        .map(|g| GroupHealth {
            group: g.name.clone(),
            file: g.file.rsplit('/').next().unwrap_or(&g.file).to_string(),
            rules: g.rules.len(),
            ok: g.rules.iter().filter(|r| r.health == "ok").count(),
            unknown: g.rules.iter().filter(|r| r.health != "ok" && r.health != "err").count(),
            last_evaluation: g.last_evaluation.clone(),
            errors: g
                .rules
                .iter()
                .filter(|r| r.health == "err")
                .map(|r| RuleError { rule: r.name.clone(), error: r.last_error.clone() })
                .collect(),
        })
        .collect()
}

/// `--fail-on-alert NAME` or `--fail-on-alert LABEL=VALUE` (e.g. severity=critical).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertMatcher {
    Name(String),
    Label(String, String),
}

impl AlertMatcher {
    pub fn parse(text: &str) -> Result<Self, Failure> {
        let bad = || {
            Failure::bad_input(format!(
                "--fail-on-alert {text:?}: give an alert name (TargetDown) or a label and value (severity=critical)"
            ))
        };
        match text.split_once('=') {
            Some((label, value)) if !label.is_empty() && !value.is_empty() => {
                Ok(AlertMatcher::Label(label.into(), value.into()))
            }
            Some(_) => Err(bad()),
            None if !text.is_empty() => Ok(AlertMatcher::Name(text.into())),
            None => Err(bad()),
        }
    }

    pub fn matches(&self, alert: &ActiveAlert) -> bool {
        match self {
            AlertMatcher::Name(name) => alert.name() == name,
            AlertMatcher::Label(label, value) => alert.labels.get(label) == Some(value),
        }
    }
}

/// The ConfigMap size limit the API server enforces on the sum of its data.
pub const CONFIGMAP_LIMIT: usize = 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn file(origin: &str, text: &str) -> RuleFile {
        RuleFile::new(RuleSource { origin: origin.into(), stem: "t".into(), text: text.into() })
    }

    fn problems(text: &str, major: u64) -> Vec<String> {
        check(&[file("team.yml", text)], major).unwrap_err()
    }

    #[test]
    fn a_good_file_gives_its_groups_and_rules() {
        let text = "groups:\n  - name: shop\n    interval: 1m\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n      - alert: ShopDown\n        expr: up{job=\"django\"} == 0\n        for: 5m\n        labels: {severity: critical}\n        annotations:\n          summary: \"{{ $labels.pod }} is down\"\n";
        let groups = check(&[file("team.yml", text)], 2).unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].name, "shop");
        let rules: Vec<_> = groups[0].rules.iter().map(|r| (r.kind, r.name.as_str())).collect();
        assert_eq!(rules, [("recording", "job:up:sum"), ("alerting", "ShopDown")]);
        assert!(groups[0].file.starts_with("rules-t-") && groups[0].file.ends_with(".yml"));
    }

    /// Issue 18's finding: with a Prometheus 3 image, a rule matching le="1" rendered, installed and
    /// validated, and returned nothing forever.
    #[test]
    fn an_integer_le_matcher_is_refused_for_prometheus_3_only() {
        let text = "groups:\n  - name: shop\n    rules:\n      - record: job:fast:rate5m\n        expr: sum(rate(http_request_duration_seconds_bucket{le=\"1\"}[5m]))\n";
        assert!(check(&[file("team.yml", text)], 2).is_ok());
        let refused = problems(text, 3);
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(
            refused[0].contains(r#"rule 1 (record "job:fast:rate5m"): expr: le="1" never matches on Prometheus 3"#),
            "{}",
            refused[0]
        );
    }

    /// A PrometheusRule object as prometheus-operator users keep them (kubectl-style, with metadata).
    const PROMETHEUS_RULE: &str = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: shop\n  labels: {release: prometheus}\nspec:\n  groups:\n    - name: shop\n      rules:\n        - record: job:up:sum\n          expr: sum by (job) (up)\n        - alert: ShopDown\n          expr: up{job=\"django\"} == 0\n          for: 5m\n";

    #[test]
    fn a_prometheus_rule_object_is_carried_as_the_rule_file_of_its_spec_groups() {
        let operator = file("shop-rules.yaml", PROMETHEUS_RULE);
        let groups = check(std::slice::from_ref(&operator), 2).unwrap();
        let rules: Vec<_> = groups[0].rules.iter().map(|r| (r.kind, r.name.as_str())).collect();
        assert_eq!((groups.len(), groups[0].name.as_str()), (1, "shop"));
        assert_eq!(rules, [("recording", "job:up:sum"), ("alerting", "ShopDown")]);
        // What Prometheus reads is the plain rule file of the same groups, and named by its content:
        // the same groups written either way are the same file.
        let plain = "groups:\n  - name: shop\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n      - alert: ShopDown\n        expr: up{job=\"django\"} == 0\n        for: 5m\n";
        let carried: serde_json::Value = serde_saphyr::from_str(&operator.text).unwrap();
        assert_eq!(carried, serde_saphyr::from_str::<serde_json::Value>(plain).unwrap());
        assert!(!operator.text.contains("PrometheusRule") && !operator.text.contains("release"), "{}", operator.text);
        assert_eq!(operator.key, file("shop-rules.yaml", &operator.text).key);
        assert_eq!(operator.written.as_deref(), Some(PROMETHEUS_RULE));
        assert_eq!(file("team.yml", plain).written, None, "a rule file is carried as written");
    }

    #[test]
    fn a_prometheus_rule_object_s_problems_are_named_at_the_team_s_lines() {
        let broken = PROMETHEUS_RULE.replace("sum by (job) (up)", "sum(");
        assert_eq!(
            problems(&broken, 2),
            [
                r#"rules: team.yml:11:17: group "shop": rule 1 (record "job:up:sum"): expr "sum(" is not valid PromQL: unclosed left parenthesis"#
            ]
        );
        let old_api = PROMETHEUS_RULE.replace("monitoring.coreos.com/v1", "monitoring.coreos.com/v1alpha1");
        assert_eq!(
            problems(&old_api, 2),
            [
                r#"rules: team.yml:1:13: apiVersion "monitoring.coreos.com/v1alpha1" is not the PrometheusRule promctl reads; write apiVersion: monitoring.coreos.com/v1"#
            ]
        );
        let thanos_field =
            PROMETHEUS_RULE.replace("    - name: shop\n", "    - name: shop\n      partial_response_strategy: warn\n");
        let refused = problems(&thanos_field, 2);
        assert!(
            refused.len() == 1
                && refused[0].starts_with("rules: team.yml is not a PrometheusRule object: ")
                && refused[0].contains("partial_response_strategy"),
            "{refused:?}"
        );
    }

    #[test]
    fn a_broken_expression_is_named_with_file_position_group_and_rule() {
        let text = "groups:\n  - name: shop\n    rules:\n      - alert: Broken\n        expr: sum(\n";
        assert_eq!(
            problems(text, 2),
            [
                r#"rules: team.yml:5:15: group "shop": rule 1 (alert "Broken"): expr "sum(" is not valid PromQL: unclosed left parenthesis"#
            ]
        );
    }

    #[test]
    fn every_problem_in_a_file_is_reported_at_once() {
        let text = r#"groups:
  - name: a
    interval: often
    rules:
      - record: 1bad
        expr: up
        for: 5m
      - alert: X
        expr: up == 0
        for: soon
        labels: {"bad-name": x}
        annotations: {summary: "{{ $labels.pod is down"}
      - expr: up
  - name: a
    rules: []
"#;
        let found = problems(text, 2);
        let expected_parts = [
            "interval: \"often\" is not a Prometheus duration",
            "record \"1bad\"): is not a valid metric name",
            "a recording rule has no \"for\"",
            "for: \"soon\" is not a Prometheus duration",
            "annotation \"summary\": a template action {{ is not closed with }}",
            "labels: \"bad-name\" is not a valid label name",
            "rule 3: has neither record nor alert",
            "the group name is repeated in this file",
        ];
        assert_eq!(found.len(), expected_parts.len(), "{found:#?}");
        for (problem, part) in found.iter().zip(expected_parts) {
            assert!(problem.contains(part), "{problem:?} should contain {part:?}");
            assert!(problem.starts_with("rules: team.yml:"), "{problem}");
        }
    }

    #[test]
    fn unknown_fields_and_prometheus_3_only_fields_are_refused() {
        let typo = problems("groups:\n  - name: a\n    rules:\n      - alert: A\n        exp: up\n", 2);
        assert!(typo[0].contains("team.yml") && typo[0].contains("exp"), "{typo:?}");
        let newer = problems("groups:\n  - name: a\n    query_offset: 1m\n    rules: []\n", 2);
        assert!(newer[0].contains("query_offset needs Prometheus 3"), "{newer:?}");
        assert!(check(&[file("f", "groups:\n  - name: a\n    query_offset: 1m\n    rules: []\n")], 3).is_ok());
    }

    /// An `/api/v1/rules` answer in the shape Prometheus 2.48 gives: the starter group and a team group
    /// with a rule that fails at evaluation and one not evaluated yet.
    const RECORDED_RULES: &str = r#"{"groups":[
      {"name":"promctl-starter","file":"/etc/prometheus/rules-starter-8b38e87a.yml","interval":30,"limit":0,
       "rules":[{"state":"firing","name":"Watchdog","query":"vector(1)","duration":0,"labels":{"severity":"none"},
                 "annotations":{},"alerts":[],"health":"ok","evaluationTime":0.0001,"lastEvaluation":"2026-12-01T23:40:01.5Z","type":"alerting"}],
       "evaluationTime":0.0002,"lastEvaluation":"2026-12-01T23:40:01.5Z"},
      {"name":"shop","file":"/etc/prometheus/rules-shop-00aa11bb.yml","interval":30,"limit":0,
       "rules":[{"name":"job:bad:ratio","query":"up / on(job) group_left() up","health":"err",
                 "lastError":"found duplicate series for the match group","evaluationTime":0.001,
                 "lastEvaluation":"2026-12-01T23:40:02Z","type":"recording"},
                {"name":"job:up:sum","query":"sum by (job) (up)","health":"unknown","lastEvaluation":"0001-01-01T00:00:00Z","type":"recording"}],
       "evaluationTime":0.001,"lastEvaluation":"2026-12-01T23:40:02Z"}]}"#;

    fn recorded() -> Vec<RuleGroupState> {
        #[derive(Deserialize)]
        struct Data {
            groups: Vec<RuleGroupState>,
        }
        serde_json::from_str::<Data>(RECORDED_RULES).unwrap().groups
    }

    fn summary(file: &str, name: &str, rules: &[(&'static str, &str)]) -> GroupSummary {
        GroupSummary {
            file: file.into(),
            origin: "test".into(),
            name: name.into(),
            rules: rules.iter().map(|(kind, name)| RuleSummary { kind, name: name.to_string() }).collect(),
        }
    }

    #[test]
    fn loaded_rules_are_compared_by_file_version_group_and_rule() {
        let starter = summary("rules-starter-8b38e87a.yml", "promctl-starter", &[("alerting", "Watchdog")]);
        let shop =
            summary("rules-shop-00aa11bb.yml", "shop", &[("recording", "job:bad:ratio"), ("recording", "job:up:sum")]);
        assert_eq!(compare_loaded(&[starter.clone(), shop.clone()], &recorded()), Ok((2, 3)));

        let newer = GroupSummary { file: "rules-shop-ffffffff.yml".into(), ..shop.clone() };
        let err = compare_loaded(&[newer], &recorded()).unwrap_err();
        assert_eq!(
            err,
            [
                r#"group "shop" (from test) is loaded from rules-shop-00aa11bb.yml, not from rules-shop-ffffffff.yml: Prometheus runs another version of the file"#
            ]
        );

        let more = summary("rules-shop-00aa11bb.yml", "shop", &[("recording", "job:bad:ratio")]);
        let missing = summary("rules-x-1.yml", "x", &[]);
        let err = compare_loaded(&[more, missing], &recorded()).unwrap_err();
        assert_eq!(err[0], r#"group "shop" has rules [job:bad:ratio, job:up:sum], the rendered file [job:bad:ratio]"#);
        assert_eq!(err[1], r#"group "x" (from test, file rules-x-1.yml) is not loaded"#);
    }

    #[test]
    fn group_health_counts_and_names_each_failing_rule() {
        let health = group_health(&recorded());
        assert_eq!((health[0].ok, health[0].unknown, health[0].errors.len()), (1, 0, 0));
        assert_eq!((health[1].rules, health[1].ok, health[1].unknown), (2, 0, 1));
        assert_eq!(
            health[1].errors,
            [RuleError { rule: "job:bad:ratio".into(), error: "found duplicate series for the match group".into() }]
        );
        assert_eq!(health[1].file, "rules-shop-00aa11bb.yml");
    }

    #[test]
    fn alert_matchers_take_a_name_or_a_label() {
        let alert: ActiveAlert = serde_json::from_str(
            r#"{"labels":{"alertname":"Watchdog","severity":"none"},"state":"firing","activeAt":"2026-12-01T23:40:01Z","value":"1e+00"}"#,
        )
        .unwrap();
        assert!(AlertMatcher::parse("Watchdog").unwrap().matches(&alert));
        assert!(AlertMatcher::parse("severity=none").unwrap().matches(&alert));
        assert!(!AlertMatcher::parse("severity=critical").unwrap().matches(&alert));
        assert!(AlertMatcher::parse("=x").is_err() && AlertMatcher::parse("").is_err());
    }

    #[test]
    fn templates_must_balance() {
        assert_eq!(template_balanced("{{ $labels.pod }} down {{ $value }}"), Ok(()));
        assert_eq!(template_balanced("no template"), Ok(()));
        assert!(template_balanced("{{ $value").is_err());
        assert!(template_balanced("x }}").is_err());
        assert!(template_balanced("{{ {{ }}").is_err());
        assert!(template_balanced("{{ }}").is_err());
    }

    #[test]
    fn the_key_changes_with_the_content() {
        let a = file("a", "groups: []\n");
        let b = file("a", "groups: []\n# changed\n");
        assert_ne!(a.key, b.key);
        assert_eq!(a.key, file("a", "groups: []\n").key);
        assert_eq!(key_safe("Team Rules.v2"), "team-rules-v2");
    }
}
