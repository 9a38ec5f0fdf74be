//! Static check of a rendered prometheus.yml, before anything is applied.
//!
//! Unlike `promtool check config`, this never opens the files a config refers to (CA files,
//! bearer tokens): those exist only inside the pod, which is exactly why promtool fails in CI.
//! It reproduces the Prometheus rules that a rendered config can break: unknown fields,
//! durations, timeout vs interval, relabel actions and regexes, discovery roles.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::duration::parse_duration;

/// What Prometheus would run: the global interval and each job's effective interval and timeout.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigSummary {
    pub global_scrape_interval: Duration,
    pub jobs: Vec<JobSummary>,
    /// The remote_write endpoints, in order: what validate checks the queues of.
    pub remote_writes: Vec<RemoteWriteSummary>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteWriteSummary {
    pub url: String,
    /// Its `name`, when set: Prometheus labels the queue's metrics with it (`remote_name`).
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobSummary {
    pub name: String,
    pub scrape_interval: Duration,
    pub scrape_timeout: Duration,
}

/// One reason Prometheus would reject the config. `field` is a path inside the job (or the file).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigProblem {
    pub job: Option<String>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.job {
            Some(job) => write!(f, "job {job:?}: {}: {}", self.field, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

// Prometheus's own defaults (config.DefaultGlobalConfig).
const DEFAULT_SCRAPE_INTERVAL: Duration = Duration::from_secs(60);
const DEFAULT_SCRAPE_TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client's fields (prometheus/common's HTTPClientConfig), inline in scrape configs,
/// remote_write endpoints and the Kubernetes discovery.
pub const HTTP_CLIENT_FIELDS: &[&str] = &[
    "basic_auth",
    "authorization",
    "oauth2",
    "bearer_token",
    "bearer_token_file",
    "tls_config",
    "follow_redirects",
    "enable_http2",
    "http_headers",
    "proxy_url",
    "no_proxy",
    "proxy_from_environment",
    "proxy_connect_header",
];

// The fields of prometheus.yml's top level, global block and scrape configs, the union of the
// versions promctl supports (2.48 and 3.16, with every service discovery of either): Prometheus
// decodes strictly, so an unknown field is refused here; tests/upstream_types.rs compares these lists
// with the Go sources. A field only 3.x knows passes for a 2.48 image, which refuses it when it loads
// the config (reload's verification names it).
pub const TOP_LEVEL_FIELDS: &[&str] = &[
    "global",
    "runtime",
    "alerting",
    "rule_files",
    "scrape_config_files",
    "scrape_configs",
    "storage",
    "tracing",
    "remote_write",
    "remote_read",
    "otlp",
];
pub const GLOBAL_FIELDS: &[&str] = &[
    "scrape_interval",
    "scrape_timeout",
    "scrape_protocols",
    "evaluation_interval",
    "rule_query_offset",
    "external_labels",
    "query_log_file",
    "query_max_series",
    "query_max_samples_read",
    "query_max_duration",
    "scrape_failure_log_file",
    "body_size_limit",
    "sample_limit",
    "target_limit",
    "label_limit",
    "label_name_length_limit",
    "label_value_length_limit",
    "keep_dropped_targets",
    "metric_name_validation_scheme",
    "metric_name_escaping_scheme",
    "scrape_native_histograms",
    "convert_classic_histograms_to_nhcb",
    "always_scrape_classic_histograms",
    "extra_scrape_metrics",
];
pub const SCRAPE_FIELDS: &[&str] = &[
    "job_name",
    "honor_labels",
    "honor_timestamps",
    "track_timestamps_staleness",
    "params",
    "scrape_interval",
    "scrape_timeout",
    "scrape_protocols",
    "fallback_scrape_protocol",
    "scrape_classic_histograms",
    "scrape_native_histograms",
    "always_scrape_classic_histograms",
    "convert_classic_histograms_to_nhcb",
    "scrape_failure_log_file",
    "metrics_path",
    "scheme",
    "enable_compression",
    "body_size_limit",
    "sample_limit",
    "target_limit",
    "label_limit",
    "label_name_length_limit",
    "label_value_length_limit",
    "native_histogram_bucket_limit",
    "native_histogram_min_bucket_factor",
    "keep_dropped_targets",
    "metric_name_validation_scheme",
    "metric_name_escaping_scheme",
    "extra_scrape_metrics",
    "relabel_configs",
    "metric_relabel_configs",
    // Targets and every service discovery.
    "static_configs",
    "aws_sd_configs",
    "azure_sd_configs",
    "consul_sd_configs",
    "digitalocean_sd_configs",
    "dns_sd_configs",
    "docker_sd_configs",
    "dockerswarm_sd_configs",
    "ec2_sd_configs",
    "ecs_sd_configs",
    "elasticache_sd_configs",
    "eureka_sd_configs",
    "file_sd_configs",
    "gce_sd_configs",
    "hetzner_sd_configs",
    "http_sd_configs",
    "ionos_sd_configs",
    "kubernetes_sd_configs",
    "kuma_sd_configs",
    "lightsail_sd_configs",
    "linode_sd_configs",
    "marathon_sd_configs",
    "msk_sd_configs",
    "nerve_sd_configs",
    "nomad_sd_configs",
    "oci_sd_configs",
    "openstack_sd_configs",
    "outscale_sd_configs",
    "ovhcloud_sd_configs",
    "puppetdb_sd_configs",
    "rds_sd_configs",
    "scaleway_sd_configs",
    "serverset_sd_configs",
    "stackit_sd_configs",
    "triton_sd_configs",
    "uyuni_sd_configs",
    "vultr_sd_configs",
];
pub const KUBERNETES_SD_FIELDS: &[&str] =
    &["api_server", "role", "kubeconfig_file", "namespaces", "selectors", "attach_metadata"];
const KUBERNETES_SD_NAMESPACES_FIELDS: &[&str] = &["names", "own_namespace"];
const KUBERNETES_SD_ROLES: &[&str] = &["node", "pod", "service", "endpoints", "endpointslice", "ingress"];
// The HTTP client's blocks (prometheus/common's config types), the union of the versions promctl
// supports (common v0.44.0 for 2.48, v0.72.1 for 3.16): tests/upstream_types.rs compares them with
// the Go sources. A field only 3.x knows (username_file) passes for a 2.48 image, which refuses it
// when it loads the config: reload's verification names it.
/// The fields above that Prometheus 3.16 knows and 2.48 does not, and the reverse: each refused for the
/// other major's image (tests/upstream_types.rs derives both lists from the Go sources). No name here
/// is a field of the other major anywhere, so they are judged by name.
pub const PROMETHEUS3_ONLY: &[&str] = &[
    "always_scrape_classic_histograms",
    "audience",
    "aws_sd_configs",
    "ca_ref",
    "cert_ref",
    "claims",
    "client_certificate_key",
    "client_certificate_key_file",
    "client_certificate_key_id",
    "client_certificate_key_ref",
    "client_secret_ref",
    "convert_classic_histograms_to_nhcb",
    "convert_nhcb_to_classic",
    "credentials_ref",
    "ecs_sd_configs",
    "elasticache_sd_configs",
    "enable_compression",
    "extra_scrape_metrics",
    "failed_request_logging",
    "fallback_scrape_protocol",
    "google_iam",
    "grant_type",
    "http_headers",
    "iss",
    "key_ref",
    "metric_name_escaping_scheme",
    "metric_name_validation_scheme",
    "msk_sd_configs",
    "native_histogram_min_bucket_factor",
    "oci_sd_configs",
    "otlp",
    "outscale_sd_configs",
    "password_ref",
    "protobuf_message",
    "query_max_duration",
    "query_max_samples_read",
    "query_max_series",
    "rds_sd_configs",
    "round_robin_dns",
    "rule_query_offset",
    "runtime",
    "scrape_failure_log_file",
    "scrape_native_histograms",
    "scrape_protocols",
    "signature_algorithm",
    "stackit_sd_configs",
    "username_file",
    "username_ref",
];
pub const PROMETHEUS2_ONLY: &[&str] = &["scrape_classic_histograms"];

pub const TLS_FIELDS: &[&str] = &[
    "ca",
    "cert",
    "key",
    "ca_file",
    "cert_file",
    "key_file",
    "ca_ref",
    "cert_ref",
    "key_ref",
    "server_name",
    "insecure_skip_verify",
    "min_version",
    "max_version",
];
pub const BASIC_AUTH_FIELDS: &[&str] =
    &["username", "username_file", "username_ref", "password", "password_file", "password_ref"];
pub const AUTHORIZATION_FIELDS: &[&str] = &["type", "credentials", "credentials_file", "credentials_ref"];
pub const OAUTH2_FIELDS: &[&str] = &[
    "client_id",
    "client_secret",
    "client_secret_file",
    "client_secret_ref",
    "client_certificate_key_id",
    "client_certificate_key",
    "client_certificate_key_file",
    "client_certificate_key_ref",
    "grant_type",
    "signature_algorithm",
    "iss",
    "audience",
    "claims",
    "scopes",
    "token_url",
    "endpoint_params",
    "tls_config",
    "proxy_url",
    "no_proxy",
    "proxy_from_environment",
    "proxy_connect_header",
];
const RELABEL_FIELDS: &[&str] =
    &["source_labels", "separator", "regex", "modulus", "target_label", "replacement", "action"];
const RELABEL_ACTIONS: &[&str] = &[
    "replace",
    "keep",
    "drop",
    "keepequal",
    "dropequal",
    "hashmod",
    "labelmap",
    "labeldrop",
    "labelkeep",
    "lowercase",
    "uppercase",
];
// Actions that write a label and so need somewhere to write it (Prometheus relabel.Config.Validate).
const ACTIONS_NEEDING_TARGET: &[&str] = &["replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal"];

/// Checks a prometheus.yml the way Prometheus of major version `major` would load it, collecting every
/// problem.
pub fn check(prometheus_yml: &str, major: u64) -> Result<ConfigSummary, Vec<ConfigProblem>> {
    let mut problems = Problems(Vec::new(), major);
    let doc: Value = match serde_saphyr::from_str(prometheus_yml) {
        Ok(doc) => doc,
        Err(err) => {
            problems.file("prometheus.yml", format!("not valid YAML: {err}"));
            return Err(problems.0);
        }
    };
    let empty = Map::new();
    let root = match &doc {
        Value::Object(root) => root,
        Value::Null => &empty,
        other => {
            problems.file("prometheus.yml", format!("is a {}; expected a mapping", kind(other)));
            return Err(problems.0);
        }
    };
    problems.unknown_fields(None, "", root, &[TOP_LEVEL_FIELDS]);

    let (global_interval, global_timeout) = check_global(root.get("global"), &mut problems);

    let mut jobs = Vec::new();
    let scrape_configs = root.get("scrape_configs").unwrap_or(&Value::Null);
    for (i, config) in list(scrape_configs, None, "scrape_configs", &mut problems).iter().enumerate() {
        let Some(config) = mapping(config, None, &format!("scrape_configs[{i}]"), &mut problems) else {
            continue;
        };
        let job = check_job(config, i, global_interval, global_timeout, &mut problems);
        if let Some(job) = job {
            if jobs.iter().any(|j: &JobSummary| j.name == job.name) {
                problems.job(&job.name, "job_name", "is used by an earlier job; job names must be unique");
            }
            jobs.push(job);
        }
    }

    let mut remote_writes = Vec::new();
    let remote_write = root.get("remote_write").unwrap_or(&Value::Null);
    for (i, endpoint) in list(remote_write, None, "remote_write", &mut problems).iter().enumerate() {
        if let Some(endpoint) = mapping(endpoint, None, &format!("remote_write[{i}]"), &mut problems) {
            remote_writes.extend(check_remote_write(endpoint, i, &mut problems));
        }
    }
    for (i, endpoint) in remote_writes.iter().enumerate() {
        if endpoint.name.is_some() && remote_writes[..i].iter().any(|e| e.name == endpoint.name) {
            problems.file(format!("remote_write[{i}].name"), "is used by an earlier endpoint; names must be unique");
        }
    }

    if problems.0.is_empty() {
        Ok(ConfigSummary { global_scrape_interval: global_interval, jobs, remote_writes })
    } else {
        Err(problems.0)
    }
}

pub const REMOTE_WRITE_FIELDS: &[&str] = &[
    "url",
    "remote_timeout",
    "headers",
    "write_relabel_configs",
    "name",
    "send_exemplars",
    "send_native_histograms",
    "round_robin_dns",
    "protobuf_message",
    "failed_request_logging",
    "queue_config",
    "metadata_config",
    "sigv4",
    "azuread",
    "google_iam",
    "convert_nhcb_to_classic",
];
const QUEUE_CONFIG_FIELDS: &[&str] = &[
    "capacity",
    "max_shards",
    "min_shards",
    "max_samples_per_send",
    "batch_send_deadline",
    "min_backoff",
    "max_backoff",
    "retry_on_http_429",
    "sample_age_limit",
];

/// One remote_write endpoint: fields Prometheus knows, an http(s) URL, durations, relabelling,
/// and credentials only by file (they would otherwise be stored in the ConfigMap).
fn check_remote_write(
    endpoint: &Map<String, Value>,
    index: usize,
    problems: &mut Problems,
) -> Option<RemoteWriteSummary> {
    let prefix = format!("remote_write[{index}].");
    problems.unknown_fields(None, &prefix, endpoint, &[REMOTE_WRITE_FIELDS, HTTP_CLIENT_FIELDS]);
    let url = endpoint.get("url").and_then(Value::as_str).unwrap_or_default();
    let parsed =
        reqwest::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if parsed.is_none() {
        problems.file(
            format!("{prefix}url"),
            format!("{url:?} is not an http(s) URL; write e.g. http://thanos-receive:19291/api/v1/receive"),
        );
    }
    duration_field(endpoint, None, &prefix, "remote_timeout", problems);
    if let Some(queue) =
        endpoint.get("queue_config").and_then(|q| mapping(q, None, &format!("{prefix}queue_config"), problems))
    {
        let queue_prefix = format!("{prefix}queue_config.");
        problems.unknown_fields(None, &queue_prefix, queue, &[QUEUE_CONFIG_FIELDS]);
        for field in ["batch_send_deadline", "sample_age_limit"] {
            duration_field(queue, None, &queue_prefix, field, problems);
        }
        check_queue_bounds(queue, &queue_prefix, problems);
    }
    if let Some(rules) = endpoint.get("write_relabel_configs") {
        for (i, rule) in list(rules, None, &format!("{prefix}write_relabel_configs"), problems).iter().enumerate() {
            if let Some(rule) = mapping(rule, None, &format!("{prefix}write_relabel_configs[{i}]"), problems) {
                check_relabel(rule, None, &format!("{prefix}write_relabel_configs[{i}]."), problems);
            }
        }
    }
    check_client_blocks(endpoint, None, &prefix, problems);
    inline_secrets_at(endpoint, None, &prefix, problems);
    parsed.map(|_| RemoteWriteSummary {
        url: url.to_string(),
        name: endpoint.get("name").and_then(Value::as_str).map(str::to_string),
    })
}

/// The global interval and timeout that jobs inherit, with Prometheus's defaulting rules.
fn check_global(global: Option<&Value>, problems: &mut Problems) -> (Duration, Duration) {
    // `global:` with nothing under it is Prometheus's defaults, as no global block at all.
    let Some(global) = global.filter(|g| !g.is_null()).and_then(|g| mapping(g, None, "global", problems)) else {
        return (DEFAULT_SCRAPE_INTERVAL, DEFAULT_SCRAPE_TIMEOUT);
    };
    problems.unknown_fields(None, "global.", global, &[GLOBAL_FIELDS]);
    let interval = duration_field(global, None, "global.", "scrape_interval", problems);
    let timeout = duration_field(global, None, "global.", "scrape_timeout", problems);
    duration_field(global, None, "global.", "evaluation_interval", problems);

    let interval = interval.unwrap_or(DEFAULT_SCRAPE_INTERVAL);
    match timeout {
        Some(timeout) if timeout > interval => {
            problems.file(
                "global.scrape_timeout",
                format!("{} is above scrape_interval {}", show(timeout), show(interval)),
            );
            (interval, timeout)
        }
        Some(timeout) => (interval, timeout),
        None => (interval, DEFAULT_SCRAPE_TIMEOUT.min(interval)),
    }
}

fn check_job(
    config: &Map<String, Value>,
    index: usize,
    global_interval: Duration,
    global_timeout: Duration,
    problems: &mut Problems,
) -> Option<JobSummary> {
    let name = match config.get("job_name") {
        Some(Value::String(name)) if !name.is_empty() => Some(name.clone()),
        _ => {
            problems
                .file(format!("scrape_configs[{index}].job_name"), "is missing; every scrape config needs a job_name");
            None
        }
    };
    // Problems of a nameless job are reported by position.
    let label = name.clone().unwrap_or_else(|| format!("#{}", index + 1));
    let job = Some(label.as_str());

    problems.unknown_fields(job, "", config, &[SCRAPE_FIELDS, HTTP_CLIENT_FIELDS]);
    inline_secrets_at(config, job, "", problems);
    let interval = duration_field(config, job, "", "scrape_interval", problems).unwrap_or(global_interval);
    let timeout = match duration_field(config, job, "", "scrape_timeout", problems) {
        Some(timeout) => {
            if timeout > interval {
                problems.job(
                    &label,
                    "scrape_timeout",
                    format!("{} is above scrape_interval {}", show(timeout), show(interval)),
                );
            }
            timeout
        }
        None => global_timeout.min(interval),
    };

    if let Some(scheme) = config.get("scheme")
        && !matches!(scheme.as_str(), Some("http" | "https"))
    {
        problems.job(&label, "scheme", format!("{} is not http or https", scheme));
    }
    check_client_blocks(config, job, "", problems);
    for field in ["relabel_configs", "metric_relabel_configs"] {
        let rules = config.get(field).unwrap_or(&Value::Null);
        for (i, rule) in list(rules, job, field, problems).iter().enumerate() {
            if let Some(rule) = mapping(rule, job, &format!("{field}[{i}]"), problems) {
                check_relabel(rule, job, &format!("{field}[{i}]."), problems);
            }
        }
    }
    let static_configs = config.get("static_configs").unwrap_or(&Value::Null);
    for (i, group) in list(static_configs, job, "static_configs", problems).iter().enumerate() {
        let at = format!("static_configs[{i}]");
        let Some(group) = mapping(group, job, &at, problems) else {
            continue;
        };
        // Prometheus takes host:port; a URL's scheme and path go in scheme and metrics_path.
        let targets = group.get("targets").and_then(Value::as_array).into_iter().flatten();
        for (t, target) in targets.enumerate().filter(|(_, t)| t.as_str().is_some_and(|t| t.contains('/'))) {
            problems.at(
                job,
                format!("{at}.targets[{t}]"),
                format!("{target} is not host:port; put the scheme in `scheme` and the path in `metrics_path`"),
            );
        }
    }
    let sd_configs = config.get("kubernetes_sd_configs").unwrap_or(&Value::Null);
    for (i, sd) in list(sd_configs, job, "kubernetes_sd_configs", problems).iter().enumerate() {
        let at = format!("kubernetes_sd_configs[{i}]");
        if let Some(sd) = mapping(sd, job, &at, problems) {
            check_kubernetes_sd(sd, job, &format!("{at}."), problems);
        }
    }

    name.map(|name| JobSummary { name, scrape_interval: interval, scrape_timeout: timeout })
}

/// The queue's sizes and backoffs as Prometheus 3 validates them (QueueConfig.Validate); 2.48 took
/// them and then sent nothing (no shard, no capacity): refused for both. Unset fields take
/// Prometheus's defaults.
fn check_queue_bounds(queue: &Map<String, Value>, prefix: &str, problems: &mut Problems) {
    let number = |field: &str, default: i64| queue.get(field).map_or(Some(default), Value::as_i64);
    for (field, default) in
        [("capacity", 10_000), ("max_shards", 50), ("min_shards", 1), ("max_samples_per_send", 2_000)]
    {
        match number(field, default) {
            Some(n) if n > 0 => {}
            Some(_) => {
                problems.file(format!("{prefix}{field}"), "must be positive; leave it out for Prometheus's default")
            }
            None => problems.file(format!("{prefix}{field}"), "is not a whole number"),
        }
    }
    if let (Some(min), Some(max)) = (number("min_shards", 1), number("max_shards", 50))
        && min > max
    {
        problems.file(
            format!("{prefix}min_shards"),
            format!("{min} is above max_shards {max}; lower it or raise max_shards"),
        );
    }
    let min_backoff = duration_field(queue, None, prefix, "min_backoff", problems).unwrap_or(Duration::from_millis(30));
    let max_backoff = duration_field(queue, None, prefix, "max_backoff", problems).unwrap_or(Duration::from_secs(5));
    if max_backoff < min_backoff {
        problems.file(
            format!("{prefix}max_backoff"),
            format!("{} is below min_backoff {}; raise it or lower min_backoff", show(max_backoff), show(min_backoff)),
        );
    }
}

/// The HTTP client's blocks of a scrape config or a remote_write endpoint: Prometheus decodes them
/// strictly, so a misspelt `basic_auth.pasword` would fail its config load (after the install).
fn check_client_blocks(config: &Map<String, Value>, job: Option<&str>, prefix: &str, problems: &mut Problems) {
    for (block, known) in [
        ("basic_auth", BASIC_AUTH_FIELDS),
        ("authorization", AUTHORIZATION_FIELDS),
        ("oauth2", OAUTH2_FIELDS),
        ("tls_config", TLS_FIELDS),
    ] {
        let Some(value) = config.get(block) else {
            continue;
        };
        let at = format!("{prefix}{block}");
        if let Some(fields) = mapping(value, job, &at, problems) {
            problems.unknown_fields(job, &format!("{at}."), fields, &[known]);
            if block == "oauth2" {
                check_client_blocks(fields, job, &format!("{at}."), problems);
            }
        }
    }
}

fn check_relabel(rule: &Map<String, Value>, job: Option<&str>, at: &str, problems: &mut Problems) {
    problems.unknown_fields(job, at, rule, &[RELABEL_FIELDS]);
    // Prometheus lower-cases the action before matching it.
    let action = match rule.get("action") {
        None => "replace".to_string(),
        Some(Value::String(action)) => action.to_lowercase(),
        Some(other) => other.to_string(),
    };
    if !RELABEL_ACTIONS.contains(&action.as_str()) {
        problems.at(
            job,
            format!("{at}action"),
            format!("unknown relabel action {action:?}; use one of {}", RELABEL_ACTIONS.join(", ")),
        );
    }
    if ACTIONS_NEEDING_TARGET.contains(&action.as_str()) && !rule.contains_key("target_label") {
        problems.at(job, format!("{at}target_label"), format!("is required for action {action}"));
    }
    if action == "hashmod" && !rule.contains_key("modulus") {
        problems.at(job, format!("{at}modulus"), "is required for action hashmod");
    }
    relabel_action_fields(rule, &action, job, at, problems);
    if let Some(regex) = rule.get("regex") {
        // YAML may read a regex such as 8000 or true as a number or boolean; Prometheus reads text.
        let text = match regex {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        // Prometheus anchors relabel regexes at both ends.
        if let Err(err) = regex::Regex::new(&format!("^(?:{text})$")) {
            let reason = err.to_string().lines().last().unwrap_or_default().trim().to_string();
            problems.at(job, format!("{at}regex"), format!("{text:?} does not compile: {reason}"));
        }
    }
}

/// The fields an action ignores, set to something else, and the target labels it cannot write:
/// Prometheus refuses both when it loads the config (model/relabel's Validate).
fn relabel_action_fields(
    rule: &Map<String, Value>,
    action: &str,
    job: Option<&str>,
    at: &str,
    problems: &mut Problems,
) {
    let text = |field: &str| rule.get(field).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
    let set = |field: &str, default: &str| text(field).is_some_and(|v| v != default);
    let not_for = |fields: &[(&str, &str)], problems: &mut Problems| {
        for (field, default) in fields {
            if set(field, default)
                || (*field == "source_labels"
                    && rule.get(*field).and_then(Value::as_array).is_some_and(|l| !l.is_empty()))
            {
                problems.at(job, format!("{at}{field}"), format!("is not used by action {action}; remove it"));
            }
        }
    };
    match action {
        "labeldrop" | "labelkeep" => not_for(
            &[("source_labels", ""), ("target_label", ""), ("modulus", "0"), ("separator", ";"), ("replacement", "$1")],
            problems,
        ),
        "keepequal" | "dropequal" => {
            not_for(&[("regex", "(.*)"), ("modulus", "0"), ("separator", ";"), ("replacement", "$1")], problems)
        }
        "lowercase" | "uppercase" => not_for(&[("replacement", "$1")], problems),
        _ => {}
    }
    // replace and labelmap write a label named by a template ($1, ${name}); the others a plain name.
    static TEMPLATE: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$").unwrap());
    static PLAIN: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(r"^[a-zA-Z_][a-zA-Z0-9_]*$").unwrap());
    let (template, plain) = (&*TEMPLATE, &*PLAIN);
    let (field, pattern) = match action {
        "labelmap" => ("replacement", template),
        "replace" => ("target_label", template),
        "lowercase" | "uppercase" | "keepequal" | "dropequal" | "hashmod" => ("target_label", plain),
        _ => return,
    };
    if let Some(name) = text(field).filter(|name| !pattern.is_match(name)) {
        problems.at(
            job,
            format!("{at}{field}"),
            format!("{name:?} is not a valid label name for action {action}; use letters, digits and '_'"),
        );
    }
}

fn check_kubernetes_sd(sd: &Map<String, Value>, job: Option<&str>, at: &str, problems: &mut Problems) {
    problems.unknown_fields(job, at, sd, &[KUBERNETES_SD_FIELDS, HTTP_CLIENT_FIELDS]);
    match sd.get("role").and_then(Value::as_str) {
        Some(role) if KUBERNETES_SD_ROLES.contains(&role) => {}
        Some(role) => problems.at(
            job,
            format!("{at}role"),
            format!("unknown role {role:?}; use one of {}", KUBERNETES_SD_ROLES.join(", ")),
        ),
        None => problems.at(job, format!("{at}role"), "is missing; kubernetes_sd_configs need a role"),
    }
    if let Some(namespaces) = sd.get("namespaces") {
        let at = format!("{at}namespaces");
        if let Some(namespaces) = mapping(namespaces, job, &at, problems) {
            problems.unknown_fields(job, &format!("{at}."), namespaces, &[KUBERNETES_SD_NAMESPACES_FIELDS]);
        }
    }
    if let Some(tls) = sd.get("tls_config")
        && let Some(tls) = mapping(tls, job, &format!("{at}tls_config"), problems)
    {
        problems.unknown_fields(job, &format!("{at}tls_config."), tls, &[TLS_FIELDS]);
    }
}

/// Shows a duration the way Prometheus prints it (1m30s, 15s, 500ms).
fn show(d: Duration) -> String {
    let mut ms = d.as_millis() as u64;
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [
        ("y", 365 * 86_400_000),
        ("w", 7 * 86_400_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ] {
        if ms >= size {
            out += &format!("{}{unit}", ms / size);
            ms %= size;
        }
    }
    out
}

/// The problems found, and the major version of the Prometheus that will load the config.
struct Problems(Vec<ConfigProblem>, u64);

impl Problems {
    fn at(&mut self, job: Option<&str>, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(ConfigProblem { job: job.map(str::to_string), field: field.into(), message: message.into() });
    }
    fn job(&mut self, job: &str, field: impl Into<String>, message: impl Into<String>) {
        self.at(Some(job), field, message)
    }
    fn file(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.at(None, field, message)
    }
    /// Prometheus rejects fields it does not know (strict YAML decoding); so do we, and the fields of
    /// the other major version.
    fn unknown_fields(&mut self, job: Option<&str>, prefix: &str, map: &Map<String, Value>, known: &[&[&str]]) {
        let known: Vec<&str> = known.iter().flat_map(|list| list.iter().copied()).collect();
        let (other_major, other) = if self.1 >= 3 { (2, PROMETHEUS2_ONLY) } else { (3, PROMETHEUS3_ONLY) };
        for key in map.keys().filter(|k| known.contains(&k.as_str()) && other.contains(&k.as_str())) {
            self.at(
                job,
                format!("{prefix}{key}"),
                format!(
                    "is a field of Prometheus {other_major} only; the image's Prometheus {} would reject it: remove it, or set image.tag to a {other_major}.x release",
                    self.1
                ),
            );
        }
        for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
            let closest = known
                .iter()
                .map(|k| (strsim::jaro_winkler(k, key), k))
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let hint = match closest.map(|(_, k)| k) {
                Some(close) => format!("; did you mean {close:?}?"),
                None => String::new(),
            };
            self.at(job, format!("{prefix}{key}"), format!("unknown field, Prometheus would reject it{hint}"));
        }
    }
}

/// Secrets written into a scrape config or a remote_write endpoint would land in the ConfigMap,
/// readable by anyone who can read ConfigMaps: only their file forms are accepted (a Secret mounted
/// into the pod). Which fields hold secrets is Prometheus's own types' word (crate::secrets).
fn inline_secrets_at(config: &Map<String, Value>, job: Option<&str>, prefix: &str, problems: &mut Problems) {
    let file_from = "from a Secret listed in values `secrets` (mounted at /etc/prometheus-secrets/NAME/)";
    let config = Value::Object(config.clone());
    for secret in crate::secrets::find_inline(&config, crate::secrets::PROMETHEUS_FIELDS, file_from) {
        problems.at(job, format!("{prefix}{}", secret.path), secret.problem);
    }
}

fn duration_field(
    map: &Map<String, Value>,
    job: Option<&str>,
    prefix: &str,
    field: &str,
    problems: &mut Problems,
) -> Option<Duration> {
    let value = map.get(field)?;
    match value.as_str().and_then(parse_duration) {
        Some(d) if d > Duration::ZERO => Some(d),
        Some(_) => None, // 0 means "inherit the default", as in Prometheus
        None => {
            problems.at(
                job,
                format!("{prefix}{field}"),
                format!("{value} is not a duration; use a Prometheus duration like 15s or 1m"),
            );
            None
        }
    }
}

/// A sequence, where null (an empty key) counts as empty.
fn list<'a>(value: &'a Value, job: Option<&str>, field: &str, problems: &mut Problems) -> &'a [Value] {
    match value {
        Value::Array(items) => items,
        Value::Null => &[],
        other => {
            problems.at(job, field, format!("is a {}; expected a list", kind(other)));
            &[]
        }
    }
}

fn mapping<'a>(
    value: &'a Value,
    job: Option<&str>,
    field: &str,
    problems: &mut Problems,
) -> Option<&'a Map<String, Value>> {
    match value {
        Value::Object(map) => Some(map),
        other => {
            problems.at(job, field, format!("is a {}; expected a mapping", kind(other)));
            None
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

/// What identifies a loaded config for verification and drift: the rule evaluation interval and
/// each job with its interval, timeout and path. Prometheus re-writes the YAML it serves (defaults
/// filled in, secrets hidden), so texts are never compared byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigSignature {
    pub evaluation_interval: Option<Duration>,
    pub jobs: BTreeMap<String, JobSignature>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSignature {
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub path: String,
}

impl ConfigSignature {
    /// Reads a prometheus.yml (rendered, or as Prometheus serves it), with Prometheus's defaults
    /// (config.DefaultGlobalConfig: an unset global timeout is 10 s, or the global interval when that is
    /// shorter). Text that is not YAML is an error, never an empty signature that would match nothing.
    pub fn of(prometheus_yml: &str) -> Result<ConfigSignature, String> {
        let config = serde_saphyr::from_str::<serde_json::Value>(prometheus_yml).map_err(|e| e.to_string())?;
        let global = |key: &str| config["global"][key].as_str().and_then(parse_duration);
        let global_interval = global("scrape_interval").unwrap_or(DEFAULT_SCRAPE_INTERVAL);
        let global_timeout = global("scrape_timeout").unwrap_or(DEFAULT_SCRAPE_TIMEOUT.min(global_interval));
        let (global_interval, global_timeout) = (Some(global_interval), Some(global_timeout));
        let mut jobs = BTreeMap::new();
        for job in config["scrape_configs"].as_array().into_iter().flatten() {
            let Some(name) = job["job_name"].as_str() else { continue };
            let interval = job["scrape_interval"].as_str().and_then(parse_duration).or(global_interval);
            let timeout = job["scrape_timeout"].as_str().and_then(parse_duration).or(global_timeout).min(interval);
            let path = job["metrics_path"].as_str().unwrap_or("/metrics").to_string();
            jobs.insert(name.to_string(), JobSignature { interval, timeout, path });
        }
        let evaluation_interval = global("evaluation_interval").or(Some(DEFAULT_SCRAPE_INTERVAL));
        Ok(ConfigSignature { evaluation_interval, jobs })
    }

    /// How `running` differs from `self` (the rendered config), in people's words; empty when equal.
    pub fn differences(&self, running: &ConfigSignature) -> Vec<String> {
        let show = |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{}s", d.as_secs()));
        let mut out = Vec::new();
        if self.evaluation_interval != running.evaluation_interval {
            out.push(format!(
                "evaluation_interval: rendered {}, running {}",
                show(self.evaluation_interval),
                show(running.evaluation_interval)
            ));
        }
        for (name, job) in &self.jobs {
            match running.jobs.get(name) {
                None => out.push(format!("job {name}: rendered, not running")),
                Some(run) if run != job => out.push(format!(
                    "job {name}: rendered every {} (timeout {}, {}), running every {} (timeout {}, {})",
                    show(job.interval),
                    show(job.timeout),
                    job.path,
                    show(run.interval),
                    show(run.timeout),
                    run.path
                )),
                Some(_) => {}
            }
        }
        for name in running.jobs.keys().filter(|n| !self.jobs.contains_key(*n)) {
            out.push(format!("job {name}: running, no longer rendered"));
        }
        out
    }
}

/// How the config Prometheus runs (`running`) differs from the rendered one, in people's words;
/// empty when it runs the rendered one. Text that does not parse is a difference that says so.
pub fn drift(rendered: &str, running: &str) -> Vec<String> {
    match (ConfigSignature::of(rendered), ConfigSignature::of(running)) {
        (Ok(rendered), Ok(running)) => rendered.differences(&running),
        (Err(why), _) => vec![format!("the rendered config does not parse: {why}")],
        (_, Err(why)) => vec![format!("the config it serves does not parse: {why}")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(yml: &str) -> Vec<String> {
        match check(yml, 3) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }

    fn job(body: &str) -> String {
        format!("scrape_configs:\n  - job_name: django\n{body}")
    }

    #[test]
    fn rendered_default_config_passes() {
        let values = crate::values::load(&[], &[], None).unwrap();
        let rendered = crate::render::render(&values, &[]).unwrap();
        let summary = check(&rendered.prometheus_yml, 3).unwrap();
        assert_eq!(summary.global_scrape_interval, Duration::from_secs(30));
        assert_eq!(summary.jobs.len(), 11);
        let django = &summary.jobs[0];
        assert_eq!(
            (django.name.as_str(), django.scrape_interval, django.scrape_timeout),
            ("django", Duration::from_secs(15), Duration::from_secs(10))
        );
    }

    #[test]
    /// Found by promtool 2.48 on a render: http_headers (a Prometheus 3 field) passed for a 2.48 image.
    fn a_field_of_the_other_major_is_refused_for_the_image_s_major() {
        let yml =
            "remote_write:\n  - url: http://w/api/v1/write\n    http_headers: {X-Scope-OrgID: {values: [shop]}}\n";
        let problems: Vec<String> = check(yml, 2).unwrap_err().iter().map(|p| p.to_string()).collect();
        assert_eq!(
            problems,
            [
                "remote_write[0].http_headers: is a field of Prometheus 3 only; the image's Prometheus 2 would reject it: remove it, or set image.tag to a 3.x release"
            ]
        );
        assert!(check(yml, 3).is_ok());
        let old = "scrape_configs: [{job_name: a, scrape_classic_histograms: true}]";
        assert!(check(old, 2).is_ok());
        assert!(check(old, 3).unwrap_err()[0].to_string().contains("is a field of Prometheus 2 only"));
    }

    #[test]
    /// Issue 18's finding: a misspelt field in an auth block passed, and Prometheus refused the config
    /// when it loaded it.
    fn misspelt_fields_of_the_http_client_blocks_are_refused_with_the_closest_field() {
        let yml = "scrape_configs:\n  - job_name: a\n    basic_auth: {username: u, pasword_file: /f}\n    oauth2: {client_id: i, client_secret_file: /f, token_url: 'http://t', tls_config: {ca_fil: /ca}}\nremote_write:\n  - url: http://w/api/v1/write\n    authorization: {credential_file: /f}\n";
        let problems: Vec<String> = check(yml, 3).unwrap_err().iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 3, "{problems:?}");
        let expected = [
            r#"job "a": basic_auth.pasword_file: unknown field, Prometheus would reject it; did you mean "password_file"?"#,
            r#"job "a": oauth2.tls_config.ca_fil: unknown field, Prometheus would reject it; did you mean "ca_file"?"#,
            r#"remote_write[0].authorization.credential_file: unknown field, Prometheus would reject it; did you mean "credentials_file"?"#,
        ];
        for line in expected {
            assert!(problems.iter().any(|p| p == line), "{line} not in {problems:?}");
        }
    }

    #[test]
    fn inline_secrets_are_refused_with_their_file_form() {
        let yml = "scrape_configs:\n  - job_name: a\n    basic_auth: {username: u, password: p}\n  - job_name: b\n    bearer_token: t\n  - job_name: c\n    basic_auth: {username: u, password_file: /etc/secret/p}\n";
        assert_eq!(
            problems(yml),
            [
                r#"job "a": basic_auth.password: a secret written into the config would be stored in the ConfigMap; use password_file with a file from a Secret listed in values `secrets` (mounted at /etc/prometheus-secrets/NAME/)"#,
                r#"job "b": bearer_token: a secret written into the config would be stored in the ConfigMap; use bearer_token_file with a file from a Secret listed in values `secrets` (mounted at /etc/prometheus-secrets/NAME/)"#,
            ]
        );
    }

    #[test]
    fn duplicate_job_name_is_a_problem() {
        let yml = "scrape_configs:\n  - job_name: a\n  - job_name: b\n  - job_name: a\n";
        assert_eq!(problems(yml), [r#"job "a": job_name: is used by an earlier job; job names must be unique"#]);
    }

    #[test]
    fn missing_job_name_is_a_problem() {
        assert_eq!(
            problems("scrape_configs:\n  - scrape_interval: 15s\n"),
            ["scrape_configs[0].job_name: is missing; every scrape config needs a job_name"]
        );
    }

    #[test]
    fn bad_duration_is_a_problem() {
        let found = problems(&job("    scrape_interval: 15 seconds\n"));
        assert_eq!(
            found,
            [
                r#"job "django": scrape_interval: "15 seconds" is not a duration; use a Prometheus duration like 15s or 1m"#
            ]
        );
        assert_eq!(problems("global:\n  evaluation_interval: 1x\n").len(), 1);
    }

    #[test]
    fn timeout_above_interval_is_a_problem() {
        let found = problems(&job("    scrape_interval: 15s\n    scrape_timeout: 20s\n"));
        assert_eq!(found, [r#"job "django": scrape_timeout: 20s is above scrape_interval 15s"#]);
    }

    #[test]
    fn job_inherits_global_timeout_capped_at_its_interval() {
        let yml = "global:\n  scrape_timeout: 20s\n  scrape_interval: 1m\nscrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n  - job_name: b\n";
        let summary = check(yml, 3).unwrap();
        assert_eq!(summary.jobs[0].scrape_timeout, Duration::from_secs(5));
        assert_eq!(summary.jobs[1].scrape_timeout, Duration::from_secs(20));
        assert_eq!(
            check("scrape_configs:\n  - job_name: a\n", 3).unwrap().jobs[0].scrape_interval,
            DEFAULT_SCRAPE_INTERVAL
        );
    }

    #[test]
    fn global_timeout_above_global_interval_is_a_problem() {
        let found = problems("global:\n  scrape_interval: 5s\n  scrape_timeout: 10s\n");
        assert_eq!(found, ["global.scrape_timeout: 10s is above scrape_interval 5s"]);
    }

    #[test]
    fn bad_relabel_regex_is_a_problem() {
        let found = problems(&job(
            "    relabel_configs:\n      - source_labels: [a]\n        action: keep\n        regex: '(unclosed'\n",
        ));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with(r#"job "django": relabel_configs[0].regex: "(unclosed" does not compile"#),
            "{found:?}"
        );
    }

    #[test]
    fn unknown_relabel_action_is_a_problem() {
        let found = problems(&job("    relabel_configs:\n      - action: Keeep\n"));
        assert_eq!(found.len(), 1);
        assert!(found[0].contains(r#"relabel_configs[0].action: unknown relabel action "keeep""#), "{found:?}");
        // Prometheus matches actions case-insensitively.
        assert!(problems(&job("    relabel_configs:\n      - action: LabelMap\n        regex: a_(.+)\n")).is_empty());
    }

    #[test]
    fn replace_without_target_label_is_a_problem() {
        let found = problems(&job("    relabel_configs:\n      - source_labels: [a]\n"));
        assert_eq!(found, [r#"job "django": relabel_configs[0].target_label: is required for action replace"#]);
    }

    #[test]
    fn unknown_kubernetes_sd_role_is_a_problem() {
        let found = problems(&job("    kubernetes_sd_configs:\n      - role: pods\n"));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with(r#"job "django": kubernetes_sd_configs[0].role: unknown role "pods""#),
            "{found:?}"
        );
    }

    #[test]
    fn unknown_fields_are_problems_with_a_suggestion() {
        let yml = "globl: {}\nglobal:\n  scrape_intervall: 1m\nscrape_configs:\n  - job_name: a\n    metric_path: /m\n    kubernetes_sd_configs:\n      - role: pod\n        namespaces: {name: [x]}\n";
        let found = problems(yml);
        assert!(
            found.contains(&r#"globl: unknown field, Prometheus would reject it; did you mean "global"?"#.to_string()),
            "{found:?}"
        );
        assert!(found.contains(&r#"global.scrape_intervall: unknown field, Prometheus would reject it; did you mean "scrape_interval"?"#.to_string()), "{found:?}");
        assert!(
            found.contains(
                &r#"job "a": metric_path: unknown field, Prometheus would reject it; did you mean "metrics_path"?"#
                    .to_string()
            ),
            "{found:?}"
        );
        assert!(found.contains(&r#"job "a": kubernetes_sd_configs[0].namespaces.name: unknown field, Prometheus would reject it; did you mean "names"?"#.to_string()), "{found:?}");
        assert_eq!(found.len(), 4);
    }

    #[test]
    fn bad_scheme_is_a_problem() {
        assert_eq!(problems(&job("    scheme: ftp\n")), [r#"job "django": scheme: "ftp" is not http or https"#]);
    }

    #[test]
    fn in_cluster_file_paths_are_not_opened() {
        let token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
        let yml = job(&format!(
            "    scheme: https\n    bearer_token_file: {token}\n    tls_config:\n      ca_file: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n      cert_file: /nonexistent/promctl/cert.pem\n    kubernetes_sd_configs:\n      - role: node\n"
        ));
        assert!(std::fs::metadata("/nonexistent/promctl/cert.pem").is_err());
        assert!(check(&yml, 3).is_ok(), "{:?}", problems(&yml));
    }

    #[test]
    fn not_a_mapping_is_a_problem() {
        assert_eq!(problems("- a\n"), ["prometheus.yml: is a list; expected a mapping"]);
        assert!(check("", 3).unwrap().jobs.is_empty());
    }

    #[test]
    fn prometheus_durations_parse() {
        let secs = |s| parse_duration(s).map(|d| d.as_millis());
        assert_eq!(secs("15s"), Some(15_000));
        assert_eq!(secs("1m30s"), Some(90_000));
        assert_eq!(secs("1h"), Some(3_600_000));
        assert_eq!(secs("30d"), Some(30 * 86_400_000));
        assert_eq!(secs("1w"), Some(7 * 86_400_000));
        assert_eq!(secs("1y"), Some(365 * 86_400_000));
        assert_eq!(secs("500ms"), Some(500));
        assert_eq!(secs("1s500ms"), Some(1_500));
        assert_eq!(secs("0"), Some(0));
        for bad in ["", "15", "s", "15 seconds", "1s1m", "1m1m", "1.5s", "-1s", "15S", "1ms1s"] {
            assert_eq!(secs(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn durations_show_like_prometheus() {
        assert_eq!(show(Duration::from_secs(90)), "1m30s");
        assert_eq!(show(Duration::from_millis(1500)), "1s500ms");
    }
}
