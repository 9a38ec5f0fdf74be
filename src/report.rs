//! The one reporter every command uses. Progress goes to stderr: one live line per resource (indicatif)
//! on a terminal, plain timestamped lines otherwise (CI logs). Results go to stdout: text for people, or
//! exactly one JSON document with `--output json`.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use k8s_openapi::jiff::Timestamp;

use crate::progress::Progress;
pub use crate::progress::Tone;
use crate::prometheus::{ActiveAlert, JobHealth};
use crate::rules::GroupHealth;
use crate::validation::{Check, ERROR_GROUPS_SHOWN};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Yaml,
}

impl OutputFormat {
    /// JSON or YAML: one document on stdout for scripts, progress on stderr only.
    pub fn is_document(self) -> bool {
        matches!(self, OutputFormat::Json | OutputFormat::Yaml)
    }
}

/// Set once a document went to stdout, so that an error after it does not print a second one.
static DOCUMENT_WRITTEN: AtomicBool = AtomicBool::new(false);

pub fn document_written() -> bool {
    DOCUMENT_WRITTEN.load(Ordering::SeqCst)
}

pub struct Reporter {
    format: OutputFormat,
    /// Colours for progress on stderr and for results on stdout, each decided by its own stream:
    /// `promctl validate | tee log` keeps colourless results while progress on the terminal keeps them.
    color_stderr: bool,
    color_stdout: bool,
    verbose: bool,
    started: Instant,
    live: Option<Live>,
    /// Without a terminal: the last line shown for each resource.
    last_plain: HashMap<String, String>,
    /// The API server's warnings shown so far, for the JSON document.
    api_warnings: Mutex<Vec<String>>,
}

struct Live {
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
}

impl Live {
    /// Takes a live line away and prints `line` in its place, above the lines still live.
    fn settle(&self, bar: &ProgressBar, line: &str) {
        bar.finish_and_clear();
        self.multi.remove(bar);
        self.multi.suspend(|| eprintln!("{line}"));
    }
}

impl Reporter {
    pub fn new(format: OutputFormat, no_color: bool, verbose: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let live = terminal.then(|| Live {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: HashMap::new(),
        });
        Reporter {
            format,
            color_stderr: terminal && !no_color && !no_color_env,
            color_stdout: std::io::stdout().is_terminal() && !no_color && !no_color_env,
            verbose,
            started: Instant::now(),
            live,
            last_plain: HashMap::new(),
            api_warnings: Mutex::new(Vec::new()),
        }
    }

    pub fn format(&self) -> OutputFormat {
        self.format
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// `text` in the colour of `tone`, for results on stdout (`text`), when stdout takes colours.
    pub fn paint(&self, tone: Tone, text: &str) -> String {
        paint(self.color_stdout, tone, text)
    }

    /// A check as validate and `test rules` show it: `ok   NAME: DETAIL` or `FAIL NAME: DETAIL`.
    pub fn check_line(&self, check: &Check) -> String {
        let (tone, mark) = if check.passed { (Tone::Good, "ok  ") } else { (Tone::Bad, "FAIL") };
        format!("{} {}: {}", self.paint(tone, mark), check.name, check.detail)
    }

    /// The same for progress lines on stderr.
    fn paint_progress(&self, tone: Tone, text: &str) -> String {
        paint(self.color_stderr, tone, text)
    }

    fn plain_line(&self, text: &str) {
        eprintln!("{} +{:.1}s {text}", log_timestamp(Timestamp::now()), self.started.elapsed().as_secs_f64());
    }

    /// A step of the command ("applying 8 objects").
    pub fn step(&self, text: &str) {
        self.show_api_warnings();
        self.line(text);
    }

    fn line(&self, text: &str) {
        match &self.live {
            // Printed with the live lines suspended, so it stays above them: MultiProgress::println
            // lines printed before the first live line were erased once the spinners started.
            Some(live) => live.multi.suspend(|| eprintln!("{text}")),
            None => self.plain_line(text),
        }
    }

    /// Extra detail, shown with -v.
    pub fn detail(&self, text: &str) {
        if self.verbose {
            self.step(text);
        }
    }

    /// The state of one resource: on a terminal, its own line updated in place; otherwise a new line.
    pub fn resource(&mut self, resource: &str, tone: Tone, state: &str, detail: &str) {
        self.show_api_warnings();
        let state = self.paint_progress(tone, state);
        let text =
            if detail.is_empty() { format!("{resource}: {state}") } else { format!("{resource}: {state} ({detail})") };
        let Some(live) = &mut self.live else {
            // A CI log gets a line when a resource's state changes, not a heartbeat per update.
            if self.last_plain.get(resource) != Some(&text) {
                self.plain_line(&text);
                self.last_plain.insert(resource.to_string(), text);
            }
            return;
        };
        if tone != Tone::Waiting {
            // A final state is a line that stays, printed above the live lines in the order states
            // end. Kept as finished bars inside the live area, they were redrawn and lost (4 of 8
            // apply lines on a 100x40 tmux) and steps printed above them came out of order.
            match live.bars.remove(resource) {
                Some(bar) => live.settle(&bar, &format!("  {text}")),
                None => live.multi.suspend(|| eprintln!("  {text}")),
            }
            return;
        }
        let bar = live.bars.entry(resource.to_string()).or_insert_with(|| {
            let bar = live.multi.add(ProgressBar::new_spinner());
            // wide_msg: a live line is cut to the terminal's width, never wrapped: a wrapped line
            // makes the redraw miscount and leave pieces behind. Its final state is printed whole.
            bar.set_style(ProgressStyle::with_template("{spinner} {wide_msg} [{elapsed}]").expect("static template"));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_message(text);
    }

    /// Shows what an operation said.
    pub fn show(&mut self, progress: Progress) {
        match progress {
            Progress::Step(text) => self.step(&text),
            Progress::Detail(text) => self.detail(&text),
            Progress::Resource { resource, tone, state, detail } => self.resource(&resource, tone, &state, &detail),
            Progress::PhaseDone => self.finish(),
            Progress::Warning(text) => self.warn(&text),
            Progress::Outcome(text) => self.text(&text),
        }
    }

    /// Ends every live line, leaving its last state on screen as a line that stays.
    pub fn finish(&mut self) {
        if let Some(live) = &mut self.live {
            for (_, bar) in std::mem::take(&mut live.bars) {
                live.settle(&bar, &format!("  {}", bar.message()));
            }
        }
    }

    pub fn warn(&self, text: &str) {
        self.step(&format!("{} {text}", self.paint_progress(Tone::Waiting, "warning:")));
    }

    /// Shows the API server's warnings that arrived since the last look (each once per run), as
    /// kubectl does: deprecations and policy violations must not pass unnoticed.
    pub fn show_api_warnings(&self) {
        let new = crate::cluster::warnings::take();
        for text in &new {
            self.line(&format!("{} the API server says: {text}", self.paint_progress(Tone::Waiting, "warning:")));
        }
        self.api_warnings.lock().unwrap_or_else(|e| e.into_inner()).extend(new);
    }

    /// Text for people on stdout (ignored in JSON mode).
    pub fn text(&self, text: &str) {
        self.show_api_warnings();
        if self.format == OutputFormat::Text {
            write_stdout(text);
        }
    }

    /// The one JSON document of a run (ignored in text mode), with the API server's warnings under
    /// `warnings` when there were any.
    /// The run's machine-readable document, with `--output json` or `--output yaml`.
    pub fn document(&self, document: &serde_json::Value) {
        self.show_api_warnings();
        if self.format.is_document() {
            let warnings = self.api_warnings.lock().unwrap_or_else(|e| e.into_inner()).clone();
            match document {
                serde_json::Value::Object(fields) if !warnings.is_empty() => {
                    let mut fields = fields.clone();
                    fields.insert("warnings".into(), warnings.into());
                    write_document(self.format, &serde_json::Value::Object(fields));
                }
                _ => write_document(self.format, document),
            }
        }
    }
}

fn paint(on: bool, tone: Tone, text: &str) -> String {
    let code = match tone {
        Tone::Good => "32",
        Tone::Waiting => "33",
        Tone::Bad => "31",
        Tone::Plain => return text.to_string(),
    };
    if on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
}

/// UTC with exactly three decimals (`2026-12-01T19:04:05.070Z`): CI logs line up, and sort as text.
fn log_timestamp(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A time from Prometheus's API (nanoseconds, any offset) as the log lines show time, or "-" for
/// none or Go's zero time ("never evaluated").
fn api_time(text: Option<&str>) -> String {
    match text.and_then(|t| t.parse::<Timestamp>().ok()).filter(|t| t.as_second() > 0) {
        Some(at) => log_timestamp(at),
        None => "-".into(),
    }
}

/// One compact JSON line on stdout, flushed at once (port-forward's URL, which a script reads while
/// promctl keeps running). It counts as the run's document: an error after it prints no second one.
pub fn write_json_line(document: &serde_json::Value) {
    write_stdout(&document.to_string());
    DOCUMENT_WRITTEN.store(true, Ordering::SeqCst);
}

/// Pretty JSON, or YAML (the same tree: keys in the same order).
pub fn write_document(format: OutputFormat, document: &serde_json::Value) {
    let text = match format {
        OutputFormat::Yaml => serde_saphyr::to_string(document).unwrap_or_default().trim_end().to_string(),
        _ => serde_json::to_string_pretty(document).unwrap_or_default(),
    };
    write_stdout(&text);
    DOCUMENT_WRITTEN.store(true, Ordering::SeqCst);
}

/// The first failed write to stdout, other than a closed pipe: the run must not exit 0 with a
/// truncated document (a full disk, say).
static STDOUT_ERROR: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Writes a line to stdout and flushes it, so that a failure is seen now and not lost at exit. A
/// closed pipe (`promctl validate | head -1`) is a clean end, as ripgrep treats it.
pub fn write_stdout(text: &str) {
    write_stdout_exactly(&format!("{text}\n"));
}

/// `text` as it is, with no newline added (a completion script).
pub fn write_stdout_exactly(text: &str) {
    let mut out = std::io::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if let Err(error) = written
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        STDOUT_ERROR.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(error);
    }
}

/// Why writing to stdout failed during the run, if it did (a closed pipe does not count).
pub fn stdout_error() -> Option<String> {
    STDOUT_ERROR.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(ToString::to_string)
}

/// The per-job table of `validate`: counts, interval, last scrape, verdict, and the down targets
/// grouped by error with a few examples each.
pub fn job_table(jobs: &[JobHealth]) -> String {
    let mut lines =
        vec![format!("{:<30} {:>9} {:>9} {:>12}  {}", "JOB", "UP/TOTAL", "INTERVAL", "LAST SCRAPE", "STATUS")];
    for job in jobs {
        let age = job.last_scrape_age.map(|a| format!("{:.0}s ago", a.as_secs_f64())).unwrap_or_else(|| "-".into());
        lines.push(format!(
            "{:<30} {:>9} {:>9} {:>12}  {}",
            job.job,
            format!("{}/{}", job.up, job.up + job.down + job.unknown),
            job.scrape_interval.as_deref().unwrap_or("-"),
            age,
            job.verdict
        ));
        let groups = &job.down_errors;
        for group in groups.iter().take(ERROR_GROUPS_SHOWN) {
            lines.push(format!("    {} down: {}", group.count, group.error));
            for example in &group.examples {
                lines.push(format!("      e.g. {}", example.scrape_url));
            }
        }
        if groups.len() > ERROR_GROUPS_SHOWN {
            lines.push(format!(
                "    ... {} more kinds of error (--output json lists each, with examples)",
                groups.len() - ERROR_GROUPS_SHOWN
            ));
        }
        if job.down_other_errors > 0 {
            lines.push(format!("    ... {} more down with yet other errors", job.down_other_errors));
        }
    }
    lines.join("\n")
}

/// validate's rules section: one line per group, then each failing rule with its last error.
pub fn rules_table(groups: &[GroupHealth]) -> String {
    let mut lines = vec![format!(
        "{:<30} {:>6} {:>4} {:>4} {:>8}  {:<24}  {}",
        "GROUP", "RULES", "OK", "ERR", "PENDING", "LAST EVALUATION", "FILE"
    )];
    for g in groups {
        let last = api_time(Some(&g.last_evaluation));
        lines.push(format!(
            "{:<30} {:>6} {:>4} {:>4} {:>8}  {:<24}  {}",
            g.group,
            g.rules,
            g.ok,
            g.errors.len(),
            g.unknown,
            last,
            g.file
        ));
        for e in &g.errors {
            lines.push(format!("    {}: {}", e.rule, e.error));
        }
    }
    lines.join("\n")
}

/// validate's alerts section: firing and pending alerts, their labels and since when.
pub fn alerts_table(alerts: &[ActiveAlert]) -> String {
    let mut lines = vec![format!("{:<8} {:<24} {:<30}  {}", "STATE", "SINCE", "ALERT", "LABELS")];
    for a in alerts {
        let labels: Vec<String> =
            a.labels.iter().filter(|(k, _)| *k != "alertname").map(|(k, v)| format!("{k}={v}")).collect();
        let since = api_time(a.active_at.as_deref());
        lines.push(format!("{:<8} {:<24} {:<30}  {}", a.state, since, a.name(), labels.join(" ")));
    }
    lines.join("\n")
}

/// JUnit XML as CI dashboards read it (quick-junit writes it, escaping and dropping characters XML
/// cannot carry): one test case per check; a failed check is a <failure>, one that could not reach
/// what it checks an <error>.
/// `command` names the suite (`promctl validate`) and the cases' class (`promctl.validate`).
pub fn junit_xml(command: &str, checks: &[Check]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new(format!("promctl {command}"));
    let classname = format!("promctl.{}", command.replace(' ', "."));
    suite.add_test_cases(checks.iter().map(|check| {
        let status = if check.passed {
            TestCaseStatus::success()
        } else {
            let kind = if check.unreachable { NonSuccessKind::Error } else { NonSuccessKind::Failure };
            let mut status = TestCaseStatus::non_success(kind);
            status.set_message(check.detail.as_str()).set_description(check.detail.as_str());
            status
        };
        let mut case = TestCase::new(check.name.as_str(), status);
        case.set_classname(classname.as_str());
        case
    }));
    let mut report = Report::new("promctl");
    report.add_test_suite(suite);
    report.to_string().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_has_one_case_per_check_and_escapes_details() {
        let mut unreachable = Check::fail("Prometheus ready", "cannot reach it");
        unreachable.unreachable = true;
        let xml = junit_xml(
            "validate",
            &[
                Check::pass("job django", "1/1"),
                Check::fail("job redis", "Get \"http://x\": <refused> & gone\u{1b}[0m"),
                unreachable,
            ],
        );
        assert!(xml.contains(r#"tests="3" skipped="0" errors="1" failures="1""#), "{xml}");
        assert_eq!(xml.matches("<testcase ").count(), 3);
        assert_eq!(xml.matches("<failure ").count(), 1);
        assert_eq!(xml.matches("<error ").count(), 1, "an unreachable target is an error, not a failure: {xml}");
        assert!(xml.contains("&lt;refused&gt; &amp; gone") && xml.contains("&quot;http://x&quot;"), "{xml}");
        assert!(!xml.contains('\u{1b}'), "no character XML cannot carry: {xml}");
    }

    #[test]
    fn rules_and_alerts_tables_show_times_like_the_log_lines() {
        let group = GroupHealth {
            group: "shop".into(),
            file: "rules-shop-1.yml".into(),
            rules: 2,
            ok: 1,
            unknown: 0,
            last_evaluation: "2026-12-02T00:40:02.364412345Z".into(),
            errors: vec![crate::rules::RuleError { rule: "shop:bad".into(), error: "many-to-many".into() }],
        };
        let table = rules_table(&[group]);
        assert!(table.lines().nth(1).unwrap().contains("2026-12-02T00:40:02.364Z  rules-shop-1.yml"), "{table}");
        assert_eq!(table.lines().nth(2).unwrap(), "    shop:bad: many-to-many");
        let alert: ActiveAlert = serde_json::from_str(
            r#"{"labels":{"alertname":"Watchdog","severity":"none"},"state":"firing","activeAt":"2026-12-02T01:39:42.34+01:00"}"#,
        )
        .unwrap();
        let table = alerts_table(&[alert]);
        assert!(
            table.ends_with("firing   2026-12-02T00:39:42.340Z Watchdog                        severity=none"),
            "{table}"
        );
        assert_eq!(api_time(Some("0001-01-01T00:00:00Z")), "-");
    }

    #[test]
    fn log_timestamps_have_one_width() {
        let at = |s: &str| log_timestamp(s.parse::<Timestamp>().unwrap());
        assert_eq!(at("2026-12-01T19:04:05.7Z"), "2026-12-01T19:04:05.700Z");
        assert_eq!(at("2026-12-01T19:04:05.57Z"), "2026-12-01T19:04:05.570Z");
        assert_eq!(at("2026-12-01T19:04:05Z"), "2026-12-01T19:04:05.000Z");
        assert_eq!(at("2026-12-01T19:04:05.123456789Z"), "2026-12-01T19:04:05.123Z");
    }
}
