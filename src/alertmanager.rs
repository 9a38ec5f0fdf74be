//! Alertmanager: where Prometheus sends alerts (an installed one, Services found through their
//! EndpointSlices, fixed URLs), the config of the installed one checked before anything is applied,
//! and the proof that Alertmanager loaded a config (its own config-hash metric).

use serde::Serialize;
use serde_json::Value;

use crate::values::AlertmanagerValues;

/// Where the installed Alertmanager finds the files of the Secret `alertmanager.secretName`.
pub const SECRETS_DIR: &str = "/etc/alertmanager-secrets";

/// An Alertmanager Service, found through its EndpointSlices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRef {
    pub namespace: String,
    pub name: String,
    /// A port name, or a number.
    pub port: String,
    pub port_is_number: bool,
}

/// A fixed Alertmanager URL split the way Prometheus's `alertmanagers` entries want it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaticAlertmanager {
    pub scheme: String,
    /// host:port (the scheme's default port when the URL has none).
    pub target: String,
    /// "/" or the URL's path.
    pub path_prefix: String,
}

/// `NAMESPACE/SERVICE:PORT`, already checked by values.
pub fn service_ref(text: &str) -> Option<ServiceRef> {
    let (namespace, rest) = text.split_once('/')?;
    let (name, port) = rest.rsplit_once(':')?;
    Some(ServiceRef {
        namespace: namespace.into(),
        name: name.into(),
        port: port.into(),
        port_is_number: port.chars().all(|c| c.is_ascii_digit()),
    })
}

/// An `http(s)://host[:port][/prefix]` URL, already checked by values.
pub fn static_alertmanager(text: &str) -> Option<StaticAlertmanager> {
    let url = reqwest::Url::parse(text).ok()?;
    let host = url.host_str()?;
    let host = if host.contains(':') { format!("[{host}]") } else { host.to_string() };
    let port = url.port_or_known_default()?;
    let path = url.path().trim_end_matches('/');
    Some(StaticAlertmanager {
        scheme: url.scheme().into(),
        target: format!("{host}:{port}"),
        path_prefix: if path.is_empty() { "/".into() } else { path.into() },
    })
}

/// The template context for the `alerting` section and the installed Alertmanager's objects.
pub fn template_context(values: &AlertmanagerValues) -> Value {
    serde_json::json!({
        "services": values.services.iter().filter_map(|s| service_ref(s)).collect::<Vec<_>>(),
        "static": values.urls.iter().filter_map(|u| static_alertmanager(u)).collect::<Vec<_>>(),
    })
}

/// Checks the installed Alertmanager's config as far as a mistake would crash it or leak a secret:
/// a route with a receiver that exists (in every nested route too), named receivers, and no inline
/// secrets. Alertmanager's own check runs when it starts: a config it rejects fails the install
/// with its log.
pub fn check_config(config: &Value) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let at = |path: &str| format!("values: alertmanager.config.{path}");
    let Some(root) = config.as_object() else {
        return Err(vec![format!("values: alertmanager.config is not a mapping; write alertmanager.yml as a mapping")]);
    };
    let receivers: Vec<&str> = match root.get("receivers").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let name = r.get("name").and_then(Value::as_str);
                if name.is_none_or(str::is_empty) {
                    problems.push(format!("{} has no name; name every receiver", at(&format!("receivers[{i}]"))));
                }
                name
            })
            .collect(),
        None => {
            problems.push(format!("{} is missing; list at least one receiver (- name: \"null\")", at("receivers")));
            Vec::new()
        }
    };
    match root.get("route") {
        Some(route) if route.is_object() => check_route(route, "route", &receivers, true, &mut problems),
        _ => problems.push(format!("{} is missing; give a route with a receiver", at("route"))),
    }
    find_inline_secrets(config, &mut problems);
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

fn check_route(route: &Value, path: &str, receivers: &[&str], top: bool, problems: &mut Vec<String>) {
    match route.get("receiver").and_then(Value::as_str) {
        Some(name) if !receivers.contains(&name) => problems.push(format!(
            "values: alertmanager.config.{path}.receiver {name:?} names no receiver; the receivers are [{}]",
            receivers.join(", ")
        )),
        None if top => {
            problems.push(format!("values: alertmanager.config.{path}.receiver is missing; the top route needs one"))
        }
        _ => {}
    }
    for (i, child) in route.get("routes").and_then(Value::as_array).into_iter().flatten().enumerate() {
        check_route(child, &format!("{path}.routes[{i}]"), receivers, false, problems);
    }
}

/// Secrets written into values would land in a ConfigMap; which fields hold one is Alertmanager's own
/// types' word (crate::secrets).
fn find_inline_secrets(config: &Value, problems: &mut Vec<String>) {
    let file_from = format!("at {SECRETS_DIR}/KEY (KEY in the Secret named by alertmanager.secretName)");
    for secret in crate::secrets::find_inline(config, crate::secrets::ALERTMANAGER_FIELDS, &file_from) {
        problems.push(format!("values: alertmanager.config.{}: {}", secret.path, secret.problem));
    }
}

/// The value of Alertmanager's `alertmanager_config_hash` metric for a config file: the first 48
/// bits of the file's MD5, little-endian, as a float (what its config coordinator computes). Equal
/// means Alertmanager loaded exactly this text.
pub fn config_hash_metric(text: &str) -> f64 {
    use md5::{Digest, Md5};
    let sum = Md5::digest(text.as_bytes());
    let mut bytes = [0u8; 8];
    bytes[..6].copy_from_slice(&sum[..6]);
    u64::from_le_bytes(bytes) as f64
}

/// A sample's value in Prometheus's text format, for a metric without labels.
pub fn metric_value(exposition: &str, name: &str) -> Option<f64> {
    exposition.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        rest.starts_with(' ').then(|| rest.trim().split(' ').next()?.parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn services_and_urls_become_what_prometheus_alerting_takes() {
        assert_eq!(
            service_ref("monitoring/alertmanager:web").unwrap(),
            ServiceRef {
                namespace: "monitoring".into(),
                name: "alertmanager".into(),
                port: "web".into(),
                port_is_number: false
            }
        );
        assert!(service_ref("monitoring/am:9093").unwrap().port_is_number);
        assert_eq!(
            static_alertmanager("https://alerts.example.com/am/").unwrap(),
            StaticAlertmanager {
                scheme: "https".into(),
                target: "alerts.example.com:443".into(),
                path_prefix: "/am".into()
            }
        );
        assert_eq!(static_alertmanager("http://10.0.0.12:9093").unwrap().path_prefix, "/");
    }

    #[test]
    fn a_config_with_a_missing_receiver_or_an_inline_secret_is_refused() {
        let config = json!({
            "route": {"receiver": "team", "routes": [{"receiver": "pager", "matchers": ["severity=critical"]}]},
            "receivers": [
                {"name": "team", "slack_configs": [{"api_url": "https://hooks.slack.com/services/T000/B000/XXXX", "channel": "#shop"}]},
                {"name": "web", "webhook_configs": [{"url": "http://hook:8080/"}]}
            ]
        });
        let problems = check_config(&config).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].contains("route.routes[0].receiver \"pager\" names no receiver; the receivers are [team, web]")
        );
        assert!(problems[1].contains("receivers[0].slack_configs[0].api_url: a secret"), "{}", problems[1]);
        assert!(
            problems[1].contains("use api_url_file with a file at /etc/alertmanager-secrets/KEY"),
            "{}",
            problems[1]
        );
        assert!(!problems.iter().any(|p| p.contains("hooks.slack.com")), "the secret itself is never repeated");

        let defaults = crate::values::load(&[], &[], None).unwrap();
        assert_eq!(check_config(&defaults.alertmanager.config), Ok(()));
        assert!(check_config(&json!({"receivers": []})).unwrap_err()[0].contains("route is missing"));
    }

    #[test]
    fn the_config_hash_is_alertmanagers_own() {
        // MD5("") = d41d8cd98f00b204e9800998ecf8427e: its first six bytes, little-endian.
        assert_eq!(config_hash_metric(""), u64::from_le_bytes([0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0, 0]) as f64);
        let metrics = "# HELP alertmanager_config_hash Hash of the currently loaded alertmanager configuration.\n\
                       # TYPE alertmanager_config_hash gauge\nalertmanager_config_hash 2.0977893468366e+14\n\
                       alertmanager_config_last_reload_successful 1\n";
        assert_eq!(metric_value(metrics, "alertmanager_config_hash"), Some(2.0977893468366e14));
        assert_eq!(metric_value(metrics, "alertmanager_config_last_reload_successful"), Some(1.0));
        assert_eq!(metric_value(metrics, "alertmanager_config"), None);
    }
}
