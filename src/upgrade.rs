//! The road between Prometheus majors, judged before an install (or a rollback) changes the image a
//! running Prometheus runs:
//! - a TSDB the new version cannot open: one that 3.x wrote, opened by a 2.x before 2.55;
//! - targets a 3.x would refuse. Prometheus 3 refuses a scrape whose Content-Type is missing or is not
//!   a metrics format unless its job sets `fallback_scrape_protocol`, where 2.x read any answer as
//!   text (model/textparse `extractMediaType`). The Content-Type is read from each target itself, by
//!   `wget` in the running 2.x's pod asking as 3.x asks.
//!
//! Only the team's `scrape.extraJobs` are read: promctl's own pod jobs carry the fallback under 3.x
//! (templates/prometheus.yml), and its other jobs scrape the API server, the kubelets and Prometheus
//! itself, which answer `text/plain; version=0.0.4`.

use serde_json::Value;

use crate::release::{prometheus_major, prometheus_version};
use crate::values::Values;

/// The oldest Prometheus 2 that opens a TSDB written by Prometheus 3: the supported road back from 3
/// goes through it (Prometheus 3's migration guide).
pub const OLDEST_2_READING_3: (u64, u64) = (2, 55);

/// Why installing `new` over a Prometheus that runs `running` (image tags) would leave it unable to
/// open its own TSDB, with the supported road; None when the TSDB allows the change, or a tag names
/// no version.
pub fn tsdb_downgrade_refusal(running: &str, new: &str) -> Option<String> {
    let (from, to) = (prometheus_version(running)?, prometheus_version(new)?);
    let (major, minor) = OLDEST_2_READING_3;
    (from.0 >= 3 && to < OLDEST_2_READING_3).then(|| {
        format!(
            "image.tag {new} cannot open the TSDB that the running Prometheus {running} wrote on its claim: only {major}.{minor} or later reads a Prometheus 3 TSDB; set image.tag to v{major}.{minor}.1 or a later 2.x first (or keep {running}); nothing was applied"
        )
    })
}

/// Whether installing image tag `new` over a Prometheus running `running` moves it from 2 to 3 (a tag
/// naming no version counts as 3, as it renders).
pub fn crosses_to_3(running: &str, new: &str) -> bool {
    prometheus_major(running) < 3 && prometheus_major(new) >= 3
}

/// The Accept header Prometheus 3 sends with its default scrape protocols (scrape/scrape.go
/// `acceptHeader` over config `DefaultScrapeProtocols`, names escaped as allow-utf-8): a target that
/// negotiates answers it as it would answer Prometheus 3.
pub const PROMETHEUS3_ACCEPT: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

/// The value that makes Prometheus 3 read an answer without a usable Content-Type as 2.x did.
pub const FALLBACK: &str = "PrometheusText0.0.4";

/// How many targets of one job are read: a job's targets run the same exporter.
pub const TARGETS_READ_PER_JOB: usize = 3;

/// A job of `scrape.extraJobs` that a Prometheus 3 would scrape with no fallback.
#[derive(Debug, Clone, PartialEq)]
pub struct JobToRead {
    pub name: String,
    /// Its place in `scrape.extraJobs`, for the fix.
    pub index: usize,
    /// The file its bearer credentials come from in the pod (`authorization.credentials_file`).
    pub credentials_file: Option<String>,
}

/// The team's jobs without `fallback_scrape_protocol`.
pub fn jobs_without_fallback(values: &Values) -> Vec<JobToRead> {
    values
        .scrape
        .extra_jobs
        .iter()
        .enumerate()
        .filter(|(_, job)| job.get("fallback_scrape_protocol").is_none())
        .filter_map(|(index, job)| {
            let name = job.get("job_name")?.as_str()?.to_string();
            let credentials_file = job
                .pointer("/authorization/credentials_file")
                .or_else(|| job.get("bearer_token_file"))
                .and_then(Value::as_str)
                .map(str::to_string);
            Some(JobToRead { name, index, credentials_file })
        })
        .collect()
}

/// The command that reads `url`'s Content-Type from inside the Prometheus container: busybox's wget
/// prints the answer's headers (-S) on stderr. The credentials file is read by the shell in the pod,
/// so no secret travels in the exec request (which the API server may log).
pub fn wget_command(url: &str, job: &JobToRead) -> Vec<String> {
    let mut script = r#"wget -S -O /dev/null --no-check-certificate --header "Accept: $1""#.to_string();
    if job.credentials_file.is_some() {
        script.push_str(r#" --header "Authorization: Bearer $(cat "$3")""#);
    }
    script.push_str(r#" "$2""#);
    let mut command = vec!["sh".to_string(), "-c".to_string(), script, "sh".to_string()];
    command.extend([PROMETHEUS3_ACCEPT.to_string(), url.to_string()]);
    command.extend(job.credentials_file.clone());
    command
}

/// What reading a target's answer gave.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetAnswer {
    /// The target answered 2xx with this Content-Type (None: it sent none).
    ContentType(Option<String>),
    /// Why it could not be read (its last line from wget, or the exec's failure).
    NotRead(String),
}

/// What wget's stderr (`-S`) and the command's failure say: the last answer's Content-Type once the
/// target answered 2xx (a redirect's headers come first), else wget's own last line.
pub fn read_wget(stderr: &str, failure: Option<&str>) -> TargetAnswer {
    if let Some(failure) = failure {
        let said = stderr.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or(failure);
        return TargetAnswer::NotRead(said.to_string());
    }
    let mut content_type = None;
    for line in stderr.lines().map(str::trim) {
        if line.starts_with("HTTP/") {
            content_type = None;
        } else if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-type")
        {
            content_type = Some(value.trim().to_string());
        }
    }
    TargetAnswer::ContentType(content_type)
}

/// Prometheus 3's error for a scrape answered with `content_type` by a job with no fallback, as
/// model/textparse `extractMediaType` words it; None when it reads the answer.
pub fn prometheus3_refusal(content_type: Option<&str>) -> Option<String> {
    let Some(content_type) = content_type.filter(|c| !c.is_empty()) else {
        return Some(
            "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target"
                .into(),
        );
    };
    let Some(media_type) = parse_media_type(content_type) else {
        return Some(format!("cannot parse Content-Type {content_type:?} and no fallback_scrape_protocol for target"));
    };
    match media_type.as_str() {
        "application/openmetrics-text" | "application/vnd.google.protobuf" | "text/plain" => None,
        _ => Some(format!(
            "received unsupported Content-Type {content_type:?} and no fallback_scrape_protocol specified for target"
        )),
    }
}

/// The media type of a Content-Type, lower-cased, where Go's `mime.ParseMediaType` (which Prometheus
/// 3 reads it with) accepts it; None where Go returns an error. The same steps as Go's: a `type` or
/// `type/subtype` of tokens, then `; key=value` parameters (a value a token or a quoted string, no key
/// twice), trailing semicolons ignored.
fn parse_media_type(content_type: &str) -> Option<String> {
    let (base, mut rest) = content_type.split_at(content_type.find(';').unwrap_or(content_type.len()));
    let media_type = base.trim().to_ascii_lowercase();
    let (kind, after) = consume_token(&media_type);
    if kind.is_empty() {
        return None;
    }
    if let Some(after) = after.strip_prefix('/') {
        let (subtype, after) = consume_token(after);
        if subtype.is_empty() || !after.is_empty() {
            return None;
        }
    } else if !after.is_empty() {
        return None;
    }
    let mut keys = std::collections::BTreeSet::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            return Some(media_type);
        }
        match consume_parameter(rest) {
            Some((key, after)) => {
                if !keys.insert(key) {
                    return None;
                }
                rest = after;
            }
            None if rest.trim() == ";" => return Some(media_type),
            None => return None,
        }
    }
}

/// A token of RFC 2045 (Go's `isTokenChar`): printable ASCII but the tspecials.
fn token_char(c: char) -> bool {
    c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?=".contains(c)
}

/// The leading token of `s` and what follows it.
fn consume_token(s: &str) -> (&str, &str) {
    s.split_at(s.find(|c: char| !token_char(c)).unwrap_or(s.len()))
}

/// `; key=value` at the start of `s`: the key (lower-cased) and what follows the value; None when it
/// is not one (Go's `consumeMediaParam`).
fn consume_parameter(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start_matches([' ', '\t']).strip_prefix(';')?.trim_start_matches([' ', '\t']);
    let (key, s) = consume_token(s);
    let s = s.trim_start_matches([' ', '\t']).strip_prefix('=')?.trim_start_matches([' ', '\t']);
    if key.is_empty() {
        return None;
    }
    let rest = match s.strip_prefix('"') {
        // A quoted string: up to the closing quote, a backslash escaping the character after it.
        Some(quoted) => {
            let mut chars = quoted.char_indices();
            loop {
                match chars.next()? {
                    (i, '"') => break &quoted[i + 1..],
                    (_, '\\') => {
                        chars.next();
                    }
                    (_, '\r' | '\n') => return None,
                    _ => {}
                }
            }
        }
        None => match consume_token(s) {
            ("", _) => return None,
            (_, rest) => rest,
        },
    };
    Some((key.to_ascii_lowercase(), rest))
}

/// One target of a team job, and what reading its answer gave.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadTarget {
    pub job: JobToRead,
    pub scrape_url: String,
    pub answer: TargetAnswer,
}

/// The targets a Prometheus 3 would refuse (each with the fix), and those that could not be read.
#[derive(Debug, Default, PartialEq)]
pub struct ContentTypeVerdict {
    pub refused: Vec<String>,
    pub not_read: Vec<String>,
}

/// Judges what the targets answered as Prometheus 3 would.
pub fn judge_content_types(read: &[ReadTarget]) -> ContentTypeVerdict {
    let mut verdict = ContentTypeVerdict::default();
    for target in read {
        let JobToRead { name, index, .. } = &target.job;
        match &target.answer {
            TargetAnswer::ContentType(content_type) => {
                if let Some(error) = prometheus3_refusal(content_type.as_deref()) {
                    let sent = match content_type {
                        Some(c) => format!("answers with Content-Type {c:?}"),
                        None => "answers with no Content-Type".to_string(),
                    };
                    verdict.refused.push(format!(
                        "job {name}: {} {sent}, which Prometheus 3 refuses (\"{error}\"); add fallback_scrape_protocol: {FALLBACK} to scrape.extraJobs[{index}] (or make the target send text/plain)",
                        target.scrape_url
                    ));
                }
            }
            TargetAnswer::NotRead(why) => {
                verdict.not_read.push(format!("job {name}: {} could not be read ({why})", target.scrape_url))
            }
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_downgrade_from_3_below_2_55_is_refused_and_the_roads_the_tsdb_allows_are_not() {
        let refused = tsdb_downgrade_refusal("v3.16.0", "v2.48.0").unwrap();
        assert!(
            refused.starts_with("image.tag v2.48.0 cannot open the TSDB that the running Prometheus v3.16.0 wrote"),
            "{refused}"
        );
        assert!(refused.contains("set image.tag to v2.55.1 or a later 2.x first"), "{refused}");
        for (running, new) in [
            ("v3.16.0", "v2.55.1"),
            ("v3.16.0", "v3.1.0"),
            ("v2.48.0", "v3.16.0"),
            ("v2.48.0", "v2.47.0"),
            ("v3.16.0", "latest"),
            ("main", "v2.48.0"),
        ] {
            assert_eq!(tsdb_downgrade_refusal(running, new), None, "{running} -> {new}");
        }
    }

    #[test]
    fn only_a_move_from_2_to_3_crosses() {
        assert!(crosses_to_3("v2.48.0", "v3.16.0"));
        assert!(crosses_to_3("v2.55.1", "latest"));
        assert!(!crosses_to_3("v3.0.0", "v3.16.0"));
        assert!(!crosses_to_3("v2.48.0", "v2.55.1"));
        assert!(!crosses_to_3("v3.16.0", "v2.55.1"));
    }

    /// Go's own verdicts, recorded (tests/fixtures/go-mime): every Content-Type that Go's
    /// mime.ParseMediaType accepts or refuses is accepted or refused here with the same media type.
    #[test]
    fn media_types_are_parsed_as_go_parses_them() {
        let recorded = include_str!("../tests/fixtures/go-mime/parse_media_type.tsv");
        let unquote = |s: &str| {
            let inner = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).expect("Go's %q");
            inner.replace(r#"\""#, "\"").replace(r"\\", r"\")
        };
        for line in recorded.lines() {
            let [input, media_type, verdict] = line.split('\t').collect::<Vec<_>>()[..] else { panic!("{line}") };
            let (input, media_type) = (unquote(input), unquote(media_type));
            let parsed = parse_media_type(&input);
            match verdict {
                "ok" => assert_eq!(parsed.as_deref(), Some(media_type.as_str()), "Go accepts {input:?}"),
                _ => assert_eq!(parsed, None, "Go refuses {input:?}: {verdict}"),
            }
        }
        assert!(recorded.lines().count() > 20);
    }

    #[test]
    fn content_types_are_judged_as_prometheus_3_judges_them() {
        for accepted in [
            "text/plain; version=0.0.4; charset=utf-8",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
        ] {
            assert_eq!(prometheus3_refusal(Some(accepted)), None, "{accepted}");
        }
        for (refused, error) in [
            (None, "blank Content-Type"),
            (Some(""), "blank Content-Type"),
            (Some("application/octet-stream"), r#"received unsupported Content-Type "application/octet-stream""#),
            (Some("text/html; charset=utf-8"), "received unsupported Content-Type"),
            (Some("text"), r#"received unsupported Content-Type "text""#),
            (Some("text/plain; charset"), r#"cannot parse Content-Type "text/plain; charset""#),
        ] {
            let said = prometheus3_refusal(refused).unwrap_or_else(|| panic!("{refused:?} is accepted"));
            assert!(said.contains(error), "{refused:?}: {said}");
            assert!(said.contains("no fallback_scrape_protocol"), "{said}");
        }
    }

    fn shop_job() -> JobToRead {
        JobToRead { name: "shop-legacy".into(), index: 0, credentials_file: None }
    }

    #[test]
    fn the_content_type_is_the_last_answer_s_and_a_failed_read_says_wget_s_last_line() {
        let redirected = "Connecting to 10.42.0.9:9100 (10.42.0.9:9100)\n  HTTP/1.1 302 Found\n  Content-Type: text/html\n  Location: /metrics\n  HTTP/1.1 200 OK\n  Content-Length: 55\n";
        assert_eq!(read_wget(redirected, None), TargetAnswer::ContentType(None));
        assert_eq!(
            read_wget("  HTTP/1.1 200 OK\n  content-type: text/plain; version=0.0.4\n", None),
            TargetAnswer::ContentType(Some("text/plain; version=0.0.4".into()))
        );
        let failed = "Connecting to 10.42.0.9:9100 (10.42.0.9:9100)\nwget: can't connect to remote host (10.42.0.9): Connection refused\n";
        assert_eq!(
            read_wget(failed, Some("command terminated with non-zero exit code: exit code 1")),
            TargetAnswer::NotRead("wget: can't connect to remote host (10.42.0.9): Connection refused".into())
        );
    }

    #[test]
    fn credentials_are_read_in_the_pod_never_sent_in_the_command() {
        let plain = wget_command("http://10.42.0.9:9100/metrics", &shop_job());
        assert_eq!(plain[..2], ["sh", "-c"]);
        assert!(!plain[2].contains("Authorization"), "{plain:?}");
        assert_eq!(plain[4..], [PROMETHEUS3_ACCEPT, "http://10.42.0.9:9100/metrics"]);
        let job = JobToRead { credentials_file: Some("/etc/prometheus/secrets/shop/token".into()), ..shop_job() };
        let with_token = wget_command("https://10.42.0.9:8443/metrics", &job);
        assert!(with_token[2].contains(r#"Authorization: Bearer $(cat "$3")"#), "{with_token:?}");
        assert_eq!(with_token.last().unwrap(), "/etc/prometheus/secrets/shop/token");
    }

    #[test]
    fn a_refused_target_names_its_job_url_what_it_sent_and_the_fix() {
        let target = |url: &str, answer| ReadTarget { job: shop_job(), scrape_url: url.into(), answer };
        let verdict = judge_content_types(&[
            target("http://10.42.0.9:9100/metrics", TargetAnswer::ContentType(Some("application/octet-stream".into()))),
            target("http://10.42.0.10:9100/metrics", TargetAnswer::ContentType(Some("text/plain".into()))),
            target("http://10.42.0.11:9100/metrics", TargetAnswer::NotRead("Connection refused".into())),
        ]);
        assert_eq!(verdict.refused.len(), 1, "{verdict:?}");
        let refused = &verdict.refused[0];
        assert!(
            refused.starts_with(r#"job shop-legacy: http://10.42.0.9:9100/metrics answers with Content-Type "application/octet-stream", which Prometheus 3 refuses"#),
            "{refused}"
        );
        assert!(
            refused.contains("add fallback_scrape_protocol: PrometheusText0.0.4 to scrape.extraJobs[0]"),
            "{refused}"
        );
        assert_eq!(
            verdict.not_read,
            ["job shop-legacy: http://10.42.0.11:9100/metrics could not be read (Connection refused)"]
        );
    }

    #[test]
    fn only_team_jobs_without_a_fallback_are_read() {
        let jobs = "scrape.extraJobs=[{job_name: legacy, static_configs: [{targets: ['a:1']}]}, {job_name: fine, fallback_scrape_protocol: PrometheusText0.0.4}, {job_name: secured, authorization: {credentials_file: /t}}]";
        let values = crate::values::load(&[], &[jobs.to_string()], None).unwrap();
        let jobs = jobs_without_fallback(&values);
        assert_eq!(
            jobs.iter().map(|j| (j.name.as_str(), j.index)).collect::<Vec<_>>(),
            [("legacy", 0), ("secured", 2)]
        );
        assert_eq!(jobs[1].credentials_file.as_deref(), Some("/t"));
    }
}
