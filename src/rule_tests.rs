//! Rule unit tests (`promctl test rules`): the team's test files, in promtool's format, run by the
//! promtool of the image promctl deploys against the rule files promctl renders. promctl never
//! evaluates PromQL itself: promtool is the judge, and its exit code is the verdict. What is pure
//! lives here: the files of a run, the script a pod of the image runs, and reading promtool's answers
//! (recorded from promtool 2.48.0 and 3.16.0, tests/fixtures/promtool-*/).

use serde::Serialize;

use crate::error::Failure;
use crate::rules::RuleFile;
use crate::validation::Check;

/// One test file as the team gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct TestSource {
    /// The path as given.
    pub origin: String,
    pub text: String,
}

/// The files promtool reads in one run, all in one directory: the rendered rule files under their
/// ConfigMap keys, and each test file under `key` with its `rule_files` replaced by those keys.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleTestRun {
    pub rule_files: Vec<(String, String)>,
    pub tests: Vec<PreparedTest>,
}

impl RuleTestRun {
    /// Every file of the run, (name, content): what the run's directory holds.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        let rules = self.rule_files.iter().map(|(name, text)| (name.as_str(), text.as_str()));
        rules.chain(self.tests.iter().map(|t| (t.key.as_str(), t.text.as_str())))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PreparedTest {
    pub origin: String,
    /// Its file name in the run's directory: `test-<n>-<stem>.yml`.
    pub key: String,
    pub text: String,
    /// The number of test groups (`tests:`), for the report.
    pub groups: usize,
    /// The `rule_files` the file listed, replaced by what promctl renders (said in the report).
    pub listed_rule_files: Vec<String>,
}

/// The fields of a promtool test file, 2.48 to 3.x (cmd/promtool/unittest.go `unitTestFile`).
const TEST_FILE_FIELDS: [&str; 5] = ["rule_files", "evaluation_interval", "group_eval_order", "tests", "fuzzy_compare"];

/// The run's files: every test file must be a promtool test file (a mapping with `tests`), else exit 2
/// naming it. Each test runs against every rule file promctl would deploy, whatever its own
/// `rule_files` say: the point is to test what the cluster will evaluate.
pub fn prepare(rule_files: &[RuleFile], tests: &[TestSource]) -> Result<RuleTestRun, Failure> {
    if tests.is_empty() {
        return Err(Failure::bad_input(
            "test rules: name at least one test file (promtool's format: rule_files, evaluation_interval, tests)",
        ));
    }
    if rule_files.is_empty() {
        return Err(Failure::bad_input(
            "test rules: there are no rules to test: the starter rules are off and no rule file is given; add --rules FILE|DIR or rules.files",
        ));
    }
    let keys: Vec<String> = rule_files.iter().map(|f| f.key.clone()).collect();
    let mut prepared = Vec::new();
    for (i, test) in tests.iter().enumerate() {
        let refuse = |why: String| Failure::bad_input(format!("test rules: {} {why}", test.origin));
        let doc: serde_json::Value = serde_saphyr::from_str(&test.text)
            .map_err(|e| refuse(format!("is not YAML: {}", e.to_string().lines().next().unwrap_or_default())))?;
        let Some(fields) = doc.as_object() else {
            return Err(refuse("is not a promtool test file: expected a mapping with tests:".into()));
        };
        if let Some(unknown) = fields.keys().find(|k| !TEST_FILE_FIELDS.contains(&k.as_str())) {
            return Err(refuse(format!(
                "has an unknown field {unknown:?}; a promtool test file has {}",
                TEST_FILE_FIELDS.join(", ")
            )));
        }
        let groups = match fields.get("tests") {
            Some(serde_json::Value::Array(groups)) if !groups.is_empty() => groups.len(),
            _ => return Err(refuse("has no tests: list its test groups under tests:".into())),
        };
        let listed_rule_files = fields
            .get("rule_files")
            .and_then(|v| v.as_array())
            .map(|files| files.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let mut fields = fields.clone();
        fields.insert("rule_files".into(), keys.clone().into());
        let text = serde_saphyr::to_string(&serde_json::Value::Object(fields))
            .map_err(|e| refuse(format!("cannot be written back: {e}")))?;
        let stem = std::path::Path::new(&test.origin)
            .file_stem()
            .map(|s| s.to_string_lossy().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect())
            .unwrap_or_else(|| "test".to_string());
        prepared.push(PreparedTest {
            origin: test.origin.clone(),
            key: format!("test-{}-{stem}.yml", i + 1),
            text,
            groups,
            listed_rule_files,
        });
    }
    let rule_files = rule_files.iter().map(|f| (f.key.clone(), f.text.clone())).collect();
    Ok(RuleTestRun { rule_files, tests: prepared })
}

/// A warning when a local promtool (`promtool --version`'s answer) is another release than the
/// image promctl deploys (`image_tag`): PromQL and rule evaluation change between releases, so its
/// verdict may not be the cluster's.
pub fn local_promtool_mismatch(version_output: &str, image_tag: &str) -> Option<String> {
    let version = version_output.lines().next()?.strip_prefix("promtool, version ")?.split_whitespace().next()?;
    let local = crate::release::prometheus_version(version)?;
    let deployed = crate::release::prometheus_version(image_tag)?;
    (local != deployed).then(|| {
        format!(
            "the local promtool is {version}, the image promctl deploys is {image_tag}: rule evaluation differs between releases, so this verdict may not be the cluster's; leave out --promtool to run the image's own"
        )
    })
}

/// Lines a pod's script prints around each test file's run, so that one log tells them apart.
const BEGIN: &str = "=== promctl test file: ";
const END: &str = "=== promctl exit code: ";

/// The shell script a pod of the Prometheus image runs in the run's directory (its working
/// directory; the image has busybox's sh): promtool on each test file in turn, its output and exit
/// code between markers.
pub fn pod_script(run: &RuleTestRun) -> String {
    let mut script = String::new();
    for test in &run.tests {
        script.push_str(&format!(
            "echo '{BEGIN}{key}'; promtool test rules '{key}' 2>&1; echo \"{END}$?\"\n",
            key = test.key
        ));
    }
    script
}

/// Each test file's output and exit code from a pod's log (pod_script's markers), by key. A file
/// whose run never ended (the pod died) has no exit code.
pub fn split_pod_log(log: &str) -> Vec<(String, String, Option<i32>)> {
    let mut runs: Vec<(String, String, Option<i32>)> = Vec::new();
    for line in log.lines() {
        if let Some(key) = line.strip_prefix(BEGIN) {
            runs.push((key.to_string(), String::new(), None));
        } else if let Some(code) = line.strip_prefix(END) {
            if let Some(run) = runs.last_mut() {
                run.2 = code.trim().parse().ok();
            }
        } else if let Some(run) = runs.last_mut() {
            run.1.push_str(line);
            run.1.push('\n');
        }
    }
    runs
}

/// One test file's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleTestResult {
    pub file: String,
    pub passed: bool,
    pub groups: usize,
    /// promtool's own words: what failed, expected against got (empty when it passed).
    pub output: String,
}

impl RuleTestResult {
    pub fn check(&self) -> Check {
        let name = format!("rule tests {}", self.file);
        let groups = match self.groups {
            1 => "1 test group".to_string(),
            n => format!("{n} test groups"),
        };
        if self.passed {
            Check::pass(name, format!("{groups} passed"))
        } else {
            Check::fail(name, format!("promtool says:\n{}", self.output.trim_end()))
        }
    }
}

/// promtool's verdict on one test file: its exit code decides (0 passed); its output, less the lines
/// that only say which file it read, SUCCESS and FAILED, is what the team reads. No exit code (the run was
/// cut short) is a failure that says so.
pub fn judge(test: &PreparedTest, exit_code: Option<i32>, output: &str) -> RuleTestResult {
    let said: Vec<&str> = output
        .lines()
        .filter(|l| {
            let t = l.trim();
            !(t.is_empty()
                || t == "SUCCESS"
                || t == "FAILED:"
                || t.starts_with("Unit Testing: ")
                || t.starts_with("Processing test file: "))
        })
        .collect();
    let words = said.join("\n").replace(&test.key, &test.origin);
    let output = match exit_code {
        Some(0) => String::new(),
        Some(code) if words.is_empty() => format!("exit code {code}, and nothing said"),
        Some(_) => words,
        None if words.is_empty() => "the run ended before promtool finished".to_string(),
        None => format!("the run ended before promtool finished: {words}"),
    };
    RuleTestResult { file: test.origin.clone(), passed: exit_code == Some(0), groups: test.groups, output }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSource;

    fn starter() -> RuleFile {
        RuleFile::new(RuleSource { origin: "starter".into(), stem: "starter".into(), text: "groups: []\n".into() })
    }

    fn test_file(text: &str) -> TestSource {
        TestSource { origin: "tests/rules/shop.test.yml".into(), text: text.into() }
    }

    /// promtool's answer to one test file, recorded (tests/fixtures/promtool-*/README.md).
    fn recorded(release: &str, name: &str) -> String {
        crate::validation::recorded::text(&format!("promtool-{release}/{name}"))
    }

    #[test]
    fn a_test_file_runs_against_every_rendered_rule_file_whatever_it_lists() {
        let text = "rule_files: [../rules/shop.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    alert_rule_test: []\n";
        let run = prepare(&[starter()], &[test_file(text)]).unwrap();
        let test = &run.tests[0];
        assert_eq!(test.key, "test-1-shop-test.yml");
        assert_eq!(test.groups, 1);
        assert_eq!(test.listed_rule_files, ["../rules/shop.yml"]);
        let written: serde_json::Value = serde_saphyr::from_str(&test.text).unwrap();
        assert_eq!(written["rule_files"], serde_json::json!([starter().key]));
        assert_eq!(written["evaluation_interval"], "1m");
        assert_eq!(run.rule_files, [(starter().key, "groups: []\n".to_string())]);
    }

    #[test]
    fn what_is_not_a_promtool_test_file_is_refused_naming_it() {
        for (text, words) in [
            ("groups: []\n", "has an unknown field \"groups\""),
            ("tests: []\n", "has no tests"),
            ("- a\n", "is not a promtool test file"),
            ("tests: [\n", "is not YAML"),
        ] {
            let refused = prepare(&[starter()], &[test_file(text)]).unwrap_err().to_string();
            assert!(
                refused.starts_with("test rules: tests/rules/shop.test.yml ") && refused.contains(words),
                "{refused}"
            );
        }
        let none = prepare(&[starter()], &[]).unwrap_err().to_string();
        assert!(none.contains("name at least one test file"), "{none}");
        let tests = [test_file("tests: [{}]\n")];
        assert!(prepare(&[], &tests).unwrap_err().to_string().contains("no rules to test"));
    }

    #[test]
    fn promtool_s_exit_code_decides_and_its_own_diff_is_what_the_team_reads() {
        let test = PreparedTest {
            origin: "tests/rules/starter.test.yml".into(),
            key: "test-1-starter-test.yml".into(),
            text: String::new(),
            groups: 8,
            listed_rule_files: vec![],
        };
        for release in ["2.48.0", "3.16.0"] {
            let passed = judge(&test, Some(0), &recorded(release, "test-rules-pass.txt"));
            assert!(passed.passed && passed.output.is_empty(), "{release}: {passed:?}");
            assert_eq!(passed.check().detail, "8 test groups passed");
            let failed = judge(&test, Some(1), &recorded(release, "test-rules-fail.txt"));
            let detail = failed.check().detail;
            assert!(!failed.passed, "{release}");
            assert!(
                detail.starts_with("promtool says:\n    name: TargetDown fires after 5 minutes"),
                "{release}: {detail}"
            );
            assert!(
                detail.contains("alertname: TargetDown, time: 5m, \n        exp:[], \n        got:[\n"),
                "{release}: {detail}"
            );
            assert!(
                !detail.contains("Unit Testing") && !detail.contains("Processing test file"),
                "{release}: {detail}"
            );
        }
        // The exit code decides, not the words: a run that printed SUCCESS and failed is a failure.
        let odd = judge(&test, Some(1), "  SUCCESS\n");
        assert!(!odd.passed && odd.output == "exit code 1, and nothing said", "{odd:?}");
        let cut = judge(&test, None, "");
        assert!(!cut.passed && cut.output == "the run ended before promtool finished", "{cut:?}");
    }

    #[test]
    fn a_local_promtool_of_another_release_than_the_image_is_named() {
        let answer = "promtool, version 2.48.0 (branch: release, revision: module-v0.48.0)\n  build user:       promctl-testbed\n";
        assert_eq!(local_promtool_mismatch(answer, "v2.48.0"), None);
        assert_eq!(local_promtool_mismatch(answer, "v2.48.1"), None, "a patch release evaluates alike");
        let warned = local_promtool_mismatch(answer, "v3.16.0").unwrap();
        assert!(warned.starts_with("the local promtool is 2.48.0, the image promctl deploys is v3.16.0"), "{warned}");
        assert_eq!(local_promtool_mismatch("not promtool", "v3.16.0"), None);
    }

    #[test]
    fn a_pod_s_log_is_split_by_test_file_with_each_exit_code() {
        let run = RuleTestRun {
            rule_files: vec![],
            tests: ["test-1-a.yml", "test-2-b.yml"]
                .map(|key| PreparedTest {
                    origin: key.into(),
                    key: key.into(),
                    text: String::new(),
                    groups: 1,
                    listed_rule_files: vec![],
                })
                .to_vec(),
        };
        let script = pod_script(&run);
        assert!(
            script.contains("promtool test rules 'test-1-a.yml' 2>&1") && script.contains("'test-2-b.yml'"),
            "{script}"
        );
        let log = format!(
            "{BEGIN}test-1-a.yml\nUnit Testing:  test-1-a.yml\n  SUCCESS\n\n{END}0\n{BEGIN}test-2-b.yml\nUnit Testing:  test-2-b.yml\n  FAILED:\n    boom\n{END}1\n"
        );
        let split = split_pod_log(&log);
        assert_eq!(split.len(), 2);
        assert_eq!((split[0].0.as_str(), split[0].2), ("test-1-a.yml", Some(0)));
        assert_eq!((split[1].0.as_str(), split[1].2), ("test-2-b.yml", Some(1)));
        assert!(split[1].1.contains("FAILED:\n    boom"), "{split:?}");
        let cut = split_pod_log(&format!("{BEGIN}test-1-a.yml\nUnit Testing:  test-1-a.yml\n"));
        assert_eq!(cut[0].2, None);
    }
}
