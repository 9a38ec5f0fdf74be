//! promctl's static checks against the test data of the programs they stand in for: Prometheus's
//! config test files (`config/testdata/*.good.yml` and `*.bad.yml`), its rule-file test data
//! (`model/rulefmt/testdata`), for every supported version, and Alertmanager's config test data.
//! Prometheus's own tests say which files it accepts (the `.good`/`.bad` names; for Alertmanager, its
//! config_test.go loads each file and expects an error or not: here its `amtool check-config` says).
//!
//! promctl checks a subset of what Prometheus checks: it must refuse nothing Prometheus accepts
//! (except where it is stricter on purpose, listed below with the reason), and it refuses what
//! Prometheus refuses where its checks cover the field; the files it lets through are listed below
//! with what catches them instead (Prometheus's own load, which `reload` verifies). A new
//! disagreement fails the test until it is fixed or listed with its reason.
//!
//! Last, promtool and amtool judge what promctl renders.
//!
//! Needs the Go module sources and amtool: scripts/test sets PROMCTL_GO_MODULES,
//! PROMCTL_UPSTREAM_PROMETHEUS, PROMCTL_UPSTREAM_ALERTMANAGER and PROMCTL_TEST_AMTOOL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use upstream::{env, module};

mod upstream;

fn files(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| suffixes.iter().any(|s| p.to_string_lossy().ends_with(s)))
        .collect();
    found.sort();
    found
}

/// Prometheus module v0.MINOR.PATCH is Prometheus 2.MINOR below v0.300, 3.(MINOR-300) above.
fn major(module_version: &str) -> u64 {
    let minor: u64 = module_version.trim_start_matches("v0.").split('.').next().unwrap().parse().unwrap();
    if minor >= 300 { 3 } else { 2 }
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().to_string()
}

/// The figures of one corpus, printed for the closing note and CI's log.
struct Tally {
    what: String,
    files: usize,
    agreed: usize,
    disagreements: BTreeMap<String, String>,
}

impl Tally {
    fn new(what: String) -> Self {
        Tally { what, files: 0, agreed: 0, disagreements: BTreeMap::new() }
    }
    fn judge(&mut self, file: &str, upstream_accepts: bool, promctl: Result<(), String>) {
        self.files += 1;
        match (upstream_accepts, promctl) {
            (true, Ok(())) | (false, Err(_)) => self.agreed += 1,
            (true, Err(why)) => {
                self.disagreements.insert(file.to_string(), format!("promctl refuses: {why}"));
            }
            (false, Ok(())) => {
                self.disagreements.insert(file.to_string(), "promctl accepts".into());
            }
        }
    }
    /// Prints the figures and returns the disagreements not in `expected` (a file name or its prefix,
    /// and why the disagreement stands).
    fn unexplained(&self, expected: &[(&str, &str)]) -> Vec<String> {
        println!(
            "{}: {} files, {} agreements, {} disagreements",
            self.what,
            self.files,
            self.agreed,
            self.disagreements.len()
        );
        let mut unexplained = Vec::new();
        for (file, what) in &self.disagreements {
            match expected.iter().find(|(f, _)| file.starts_with(f)) {
                Some((_, reason)) => println!("  {file}: {what} (known: {reason})"),
                None => unexplained.push(format!("{}: {file}: {what}", self.what)),
            }
        }
        unexplained
    }
}

/// Rule files Prometheus refuses or accepts by their test data's names, through promctl's rule check.
#[test]
#[ignore = "needs the Go module sources: scripts/test"]
fn rule_files_are_refused_and_accepted_as_prometheus_does() {
    let mut unexplained = Vec::new();
    for version in env("PROMCTL_UPSTREAM_PROMETHEUS").split_whitespace() {
        let dir = module("github.com/prometheus/prometheus", version).join("model/rulefmt/testdata");
        let major = major(version);
        let mut tally = Tally::new(format!("Prometheus {version} rule test data"));
        for file in files(&dir, &[".yaml", ".yml"]) {
            let text = std::fs::read_to_string(&file).unwrap();
            let source = promctl::rules::RuleSource { origin: name(&file), stem: "t".into(), text };
            let verdict = promctl::rules::check(&[promctl::rules::RuleFile::new(source)], major)
                .map(drop)
                .map_err(|problems| problems.join("; "));
            tally.judge(&name(&file), !name(&file).contains(".bad."), verdict);
        }
        unexplained.extend(tally.unexplained(RULES_KNOWN));
    }
    assert!(unexplained.is_empty(), "disagreements with no reason: {unexplained:#?}");
}

/// Where promctl's rule check and Prometheus's test data disagree, and why that stands.
const RULES_KNOWN: &[(&str, &str)] = &[(
    "legacy_validation_annotation.bad.yaml",
    "bad only under the legacy name validation, which Prometheus 3 does not use by default (its UTF-8 default accepts `ins-tance`)",
)];

/// Config files, by their names, through promctl's check of a rendered prometheus.yml.
#[test]
#[ignore = "needs the Go module sources: scripts/test"]
fn config_files_are_refused_and_accepted_as_prometheus_does() {
    let mut unexplained = Vec::new();
    for version in env("PROMCTL_UPSTREAM_PROMETHEUS").split_whitespace() {
        let dir = module("github.com/prometheus/prometheus", version).join("config/testdata");
        let mut tally = Tally::new(format!("Prometheus {version} config test data"));
        let mut secrets_only = 0;
        for file in files(&dir, &[".good.yml", ".bad.yml"]) {
            let text = std::fs::read_to_string(&file).unwrap();
            let problems: Vec<String> = promctl::promconfig::check(&text, major(version))
                .err()
                .unwrap_or_default()
                .iter()
                .map(|p| p.to_string())
                .collect();
            let good = name(&file).ends_with(".good.yml");
            let verdict = judged_apart_from_secrets(&problems, good, &mut secrets_only);
            tally.judge(&name(&file), good, verdict);
        }
        println!("  {secrets_only} files refused only for their inline secrets (stricter on purpose)");
        unexplained.extend(tally.unexplained(CONFIG_KNOWN));
    }
    assert!(unexplained.is_empty(), "disagreements with no reason: {unexplained:#?}");
}

/// What Prometheus's own config load (which `reload` verifies, naming its error) catches and promctl's
/// check does not model; a prefix covers every file it starts.
const PROMETHEUS_LOAD_CATCHES: &str =
    "not modelled by promctl's check: Prometheus's config load refuses it, and install or reload names its error";

/// Where promctl's config check and Prometheus's test data disagree, and why that stands.
const CONFIG_KNOWN: &[(&str, &str)] = &[
    // Stricter on purpose.
    (
        "conf.good.yml",
        "stricter on purpose: inline secrets (basic_auth.password, bearer_token, ...) would be stored in the ConfigMap",
    ),
    (
        "roundtrip.good.yml",
        "stricter on purpose: inline secrets (azure client_secret, ...) would be stored in the ConfigMap",
    ),
    (
        "remote_write_retry_on_rate_limit.good.yml",
        "stricter on purpose: `localhost:9090` is no http(s) URL (Prometheus reads `localhost` as its scheme and fails on every send)",
    ),
    // Never written by a user through promctl: promctl renders these parts itself, or values check them.
    ("labelname", "external labels come from values scrape.externalLabels, whose names values refuses (exit 2)"),
    ("empty_alert", "promctl renders the alerting block itself"),
    ("rules.bad.yml", "promctl renders rule_files itself"),
    ("scrape_config_files_", "promctl renders no scrape_config_files"),
    ("remote_read_", PROMETHEUS_LOAD_CATCHES),
    ("empty_rr_config", PROMETHEUS_LOAD_CATCHES),
    ("tracing_", PROMETHEUS_LOAD_CATCHES),
    ("scrape_body_size_limit", PROMETHEUS_LOAD_CATCHES),
    // The service discoveries' own rules (required servers, Kubernetes selectors per role, ...).
    ("kubernetes_", PROMETHEUS_LOAD_CATCHES),
    ("azure_", PROMETHEUS_LOAD_CATCHES),
    ("ec2_", PROMETHEUS_LOAD_CATCHES),
    ("eureka_", PROMETHEUS_LOAD_CATCHES),
    ("marathon_", PROMETHEUS_LOAD_CATCHES),
    ("uyuni_", PROMETHEUS_LOAD_CATCHES),
    ("outscale_", PROMETHEUS_LOAD_CATCHES),
    ("stackit_", PROMETHEUS_LOAD_CATCHES),
    // Prometheus 3's newer blocks and settings (OTLP, query limits, TSDB settings in the config file,
    // name validation schemes).
    ("otlp_", PROMETHEUS_LOAD_CATCHES),
    ("query_max_", PROMETHEUS_LOAD_CATCHES),
    ("tsdb_", "promctl renders the TSDB settings as flags from values retention and storage, which values check"),
    ("metric_name_validation_scheme", PROMETHEUS_LOAD_CATCHES),
    ("scrape_config_utf8_conflicting", PROMETHEUS_LOAD_CATCHES),
];

/// Alertmanager's config test data: amtool check-config is the judge of each file.
#[test]
#[ignore = "needs the Go module sources and amtool: scripts/test"]
fn alertmanager_configs_are_refused_and_accepted_as_amtool_does() {
    let amtool = env("PROMCTL_TEST_AMTOOL");
    let version = env("PROMCTL_UPSTREAM_ALERTMANAGER");
    let dir = module("github.com/prometheus/alertmanager", &version).join("config/testdata");
    let mut tally = Tally::new(format!("Alertmanager {version} config test data"));
    let mut secrets_only = 0;
    for file in files(&dir, &[".yml", ".yaml"]) {
        let text = std::fs::read_to_string(&file).unwrap();
        let Ok(config) = serde_saphyr::from_str::<serde_json::Value>(&text) else {
            tally.judge(&name(&file), amtool_accepts(&amtool, &file), Err("not YAML".into()));
            continue;
        };
        let problems = promctl::alertmanager::check_config(&config).err().unwrap_or_default();
        let accepted = amtool_accepts(&amtool, &file);
        let verdict = judged_apart_from_secrets(&problems, accepted, &mut secrets_only);
        tally.judge(&name(&file), accepted, verdict);
    }
    println!("  {secrets_only} files refused only for their inline secrets (stricter on purpose)");
    let unexplained = tally.unexplained(ALERTMANAGER_KNOWN);
    assert!(unexplained.is_empty(), "disagreements with no reason: {unexplained:#?}");
}

/// promctl refuses inline secrets on purpose (they would be stored in the ConfigMap): a file the
/// upstream judge accepts, refused only for them, is counted apart and judged on its other problems;
/// one it refuses stays refused whatever promctl's reason.
fn judged_apart_from_secrets(
    problems: &[String],
    upstream_accepts: bool,
    secrets_only: &mut usize,
) -> Result<(), String> {
    let others: Vec<&String> = problems.iter().filter(|p| !p.contains("would be stored in the ConfigMap")).collect();
    if upstream_accepts && others.len() < problems.len() && others.is_empty() {
        *secrets_only += 1;
    }
    let judged: Vec<&String> = if upstream_accepts { others } else { problems.iter().collect() };
    if judged.is_empty() { Ok(()) } else { Err(judged.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("; ")) }
}

/// Where promctl's Alertmanager check and amtool disagree, and why that stands.
const ALERTMANAGER_KNOWN: &[(&str, &str)] = &[
    ("conf.nil-", ALERTMANAGER_START_CATCHES),
    ("conf.mattermost-no-webhook-url.yml", ALERTMANAGER_START_CATCHES),
    ("conf.opsgenie-no-apikey.yml", ALERTMANAGER_START_CATCHES),
    ("conf.slack-no-api-url-or-token.yml", ALERTMANAGER_START_CATCHES),
    ("conf.telegram-no-bot-token.yml", ALERTMANAGER_START_CATCHES),
    ("conf.wechat-no-api-secret.yml", ALERTMANAGER_START_CATCHES),
];

/// promctl checks routes, receivers' names and inline secrets; the receivers' own required fields
/// and matchers are Alertmanager's.
const ALERTMANAGER_START_CATCHES: &str =
    "not modelled by promctl's check: Alertmanager refuses it when it starts, and install fails with its log";

fn amtool_accepts(amtool: &str, file: &Path) -> bool {
    std::process::Command::new(amtool).arg("check-config").arg(file).output().unwrap().status.success()
}

/// promtool and amtool of the round's versions agree with promctl's verdict on what promctl renders:
/// the defaults, and values sets that use what users add (extra jobs with credentials by file,
/// remote_write with its queue, external labels, rules, Alertmanager) for the round's Prometheus
/// (PROMCTL_TEST_PROMETHEUS, with promtool beside it; PROMCTL_TEST_PROMETHEUS_TAG the image tag).
#[test]
#[ignore = "needs promtool and amtool: scripts/test"]
fn promtool_and_amtool_accept_what_promctl_renders() {
    let prometheus = PathBuf::from(env("PROMCTL_TEST_PROMETHEUS"));
    let promtool = prometheus.with_file_name("promtool");
    let amtool = env("PROMCTL_TEST_AMTOOL");
    let tag = std::env::var("PROMCTL_TEST_PROMETHEUS_TAG").unwrap_or_default();
    let sets: [&[&str]; 4] = [
        &[],
        &[
            "scrape.extraJobs=[{job_name: shop-api, metrics_path: /internal/metrics, basic_auth: {username: shop, password_file: /etc/prometheus-secrets/shop-api/password}, static_configs: [{targets: ['shop-api:8080'], labels: {tier: api}}], relabel_configs: [{action: labeldrop, regex: tmp_.*}, {source_labels: [__address__], target_label: host, regex: '([^:]+):.*', replacement: '$1'}]}]",
            "secrets=[shop-api]",
            "scrape.externalLabels={cluster: prod-eu, team: shop}",
        ],
        &[
            "remoteWrite=[{url: 'http://receive.monitoring:19291/api/v1/receive', name: thanos, queue_config: {max_shards: 10, min_backoff: 50ms, max_backoff: 10s}, authorization: {credentials_file: /etc/prometheus-secrets/thanos/token}, headers: {X-Scope-OrgID: shop}}]",
            "secrets=[thanos]",
        ],
        &[
            "alertmanager.enabled=true",
            "rules.groups=[{name: shop, rules: [{record: 'job:up:sum', expr: 'sum by (job) (up)'}, {alert: ShopDown, expr: 'up{job=\"django\"} == 0', for: 5m, labels: {severity: page}, annotations: {summary: '{{ $labels.instance }} down'}}]}]",
        ],
    ];
    let dir = std::env::temp_dir().join(format!("promctl-judges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut renders, mut judged) = (0, 0);
    for set in sets {
        let mut set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
        if !tag.is_empty() {
            set.push(format!("image.tag={tag}"));
        }
        let values = promctl::values::load(&[], &set, None).unwrap_or_else(|f| panic!("{set:?}: {}", f.message));
        let checked = promctl::ops::render_checked(&values, &[]).unwrap_or_else(|e| panic!("{set:?}: {e:#}"));
        renders += 1;
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, &checked.rendered.prometheus_yml).unwrap();
        // --syntax-only: the rule and secret files the config names live in the pod, not here.
        judge(&promtool, &["check", "config", "--syntax-only"], &config, &set);
        judged += 1;
        for rule_file in &checked.rendered.rule_files {
            let path = dir.join(&rule_file.key);
            std::fs::write(&path, &rule_file.text).unwrap();
            judge(&promtool, &["check", "rules"], &path, &set);
            judged += 1;
        }
        if let Some(alertmanager) = checked.rendered.alertmanager_yml() {
            let path = dir.join("alertmanager.yml");
            std::fs::write(&path, alertmanager).unwrap();
            judge(Path::new(&amtool), &["check-config"], &path, &set);
            judged += 1;
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    println!("promtool and amtool on promctl's renders: {renders} renders, {judged} files, all accepted");
}

fn judge(tool: &Path, args: &[&str], file: &Path, set: &[String]) {
    let out = std::process::Command::new(tool).args(args).arg(file).output().unwrap();
    assert!(
        out.status.success(),
        "{} {} refuses what promctl rendered from {set:?}:\n{}{}",
        tool.display(),
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// promtool as the judge of the starter alerts: their tests (tests/rules/starter.test.yml, run by
/// `promctl test rules` with the round's promtool) pass, so each alert fires after its `for` with its
/// labels and words and resolves; with TargetDown left out of the render they fail with promtool's
/// own diff, in the text and in the JUnit file: the tests can fail.
#[test]
#[ignore = "needs promtool: scripts/test"]
fn the_starter_alerts_fire_and_resolve_as_their_tests_say() {
    let promtool = PathBuf::from(env("PROMCTL_TEST_PROMETHEUS")).with_file_name("promtool");
    let tag = std::env::var("PROMCTL_TEST_PROMETHEUS_TAG").unwrap_or_default();
    let tests = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules/starter.test.yml");
    let junit = std::env::temp_dir().join(format!("promctl-rule-tests-{}.xml", std::process::id()));
    let run = |extra: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_promctl"));
        command.args(["test", "rules", tests, "--no-color", "--promtool"]).arg(&promtool).arg("--junit").arg(&junit);
        if !tag.is_empty() {
            command.args(["--set", &format!("image.tag={tag}")]);
        }
        let started = std::time::Instant::now();
        let out = command.args(extra).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.code(), text, started.elapsed())
    };
    let (code, out, took) = run(&[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("ok   rule tests ") && out.contains("starter.test.yml: 8 test groups passed"), "{out}");
    assert!(!out.contains("warning:"), "the promtool is the image's release: {out}");
    println!("the starter alerts' tests with {}: passed in {} ms", promtool.display(), took.as_millis());
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<testsuite name="promctl test rules" tests="1""#) && xml.contains(r#"failures="0""#),
        "{xml}"
    );

    let (code, out, _) = run(&["--set", "rules.starter.disabled=[TargetDown]"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL rule tests ") && out.contains("promtool says:\n"), "{out}");
    assert!(out.contains("    alertname: TargetDown, time: 6m, \n        exp:[\n"), "promtool's own diff: {out}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(r#"failures="1""#) && xml.contains("alertname: TargetDown, time: 6m"), "{xml}");
    std::fs::remove_file(&junit).ok();
}

/// What a PrometheusRule object is carried as, promtool accepts as a rule file.
#[test]
#[ignore = "needs promtool: scripts/test"]
fn promtool_accepts_the_rule_file_a_prometheus_rule_object_is_carried_as() {
    let promtool = PathBuf::from(env("PROMCTL_TEST_PROMETHEUS")).with_file_name("promtool");
    let dir = std::env::temp_dir().join(format!("promctl-operator-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let object = dir.join("shop-rules.yaml");
    std::fs::write(
        &object,
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: shop\n  namespace: jewelry-shop\n  labels: {release: prometheus}\nspec:\n  groups:\n    - name: shop\n      interval: 30s\n      rules:\n        - record: job:up:sum\n          expr: sum by (job) (up)\n        - alert: ShopDown\n          expr: up{job=\"django\"} == 0\n          for: 5m\n          labels: {severity: critical}\n          annotations:\n            summary: \"{{ $labels.instance }} is down\"\n",
    )
    .unwrap();
    let values = promctl::values::load(&[], &["rules.starter.enabled=false".to_string()], None).unwrap();
    let checked = promctl::ops::render_checked(&values, std::slice::from_ref(&object)).unwrap();
    assert_eq!(checked.rendered.rule_files.len(), 1);
    let carried = &checked.rendered.rule_files[0];
    let path = dir.join(&carried.key);
    std::fs::write(&path, &carried.text).unwrap();
    judge(&promtool, &["check", "rules"], &path, &[]);
    std::fs::remove_dir_all(&dir).ok();
}
