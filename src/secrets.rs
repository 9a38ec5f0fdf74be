//! Which parts of a Prometheus or Alertmanager config hold a secret. Written inline, a secret would be
//! stored in a ConfigMap that anyone who may read ConfigMaps can read: promctl refuses it and names the
//! file form to use. The field lists are those of the programs' own types (the `Secret` type of
//! prometheus/common and every type built of it), in each version promctl supports;
//! tests/upstream_types.rs compares them with the Go sources of those versions.

use serde_json::Value;

/// Fields whose Go type is prometheus/common's `Secret` (or built of it) in Prometheus 2.48
/// (common v0.44.0, common/sigv4 v0.1.0) and 3.16 (common v0.72.1, sigv4 v0.5.0): HTTP client
/// credentials, TLS keys, header secrets, and the service discoveries' API secrets.
pub const PROMETHEUS_FIELDS: &[&str] = &[
    "application_credential_secret",
    "application_secret",
    "auth_token",
    "bearer_token",
    "certificate_password",
    "client_certificate_key",
    "client_secret",
    "consumer_key",
    "credentials",
    "key",
    "key_passphrase",
    "password",
    "private_key",
    "proxy_connect_header",
    "secret_key",
    "secrets",
    "service_account_key",
    "token",
];

/// Fields whose Go type is a `Secret` or a `SecretURL` in Alertmanager 0.35 (its receivers' keys,
/// tokens and secret webhook URLs), plus prometheus/common's HTTP client ones it embeds. Its `url`
/// (the event recorder's and a webhook's endpoint) is judged as every URL is, by its user info.
pub const ALERTMANAGER_FIELDS: &[&str] = &[
    "alert_source_token",
    "api_key",
    "api_secret",
    "api_url",
    "app_token",
    "auth_password",
    "auth_secret",
    "bearer_token",
    "bot_token",
    "client_certificate_key",
    "client_secret",
    "credentials",
    "key",
    "mattermost_webhook_url",
    "opsgenie_api_key",
    "password",
    "proxy_connect_header",
    "rocketchat_token",
    "rocketchat_token_id",
    "routing_key",
    "secrets",
    "service_key",
    "slack_api_url",
    "slack_app_token",
    "smtp_auth_password",
    "smtp_auth_secret",
    "telegram_bot_token",
    "token",
    "token_id",
    "user_key",
    "victorops_api_key",
    "webhook_url",
    "wechat_api_secret",
];

/// Maps whose keys are the user's names, not config fields: a label named `token` is not a token.
/// Headers are judged by their names instead (`header_is_credential`).
const USER_KEYED: &[&str] = &["labels", "external_labels", "params", "annotations", "details", "fields"];

/// One secret found inline: where (a dotted path from the config's root) and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineSecret {
    pub path: String,
    pub problem: String,
}

/// Every secret written inline in `config`, given the program's secret fields; `file_from` says where
/// the file form's file comes from (appended to each fix).
pub fn find_inline(config: &Value, fields: &[&str], file_from: &str) -> Vec<InlineSecret> {
    let mut found = Vec::new();
    walk(config, "", fields, &mut found);
    for secret in &mut found {
        secret.problem = format!("{} {file_from}", secret.problem);
    }
    found
}

fn walk(value: &Value, path: &str, fields: &[&str], found: &mut Vec<InlineSecret>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                if fields.contains(&key.as_str()) && given(child) {
                    found.push(InlineSecret { path: here.clone(), problem: instead(key) });
                } else if let Some(problem) = url_with_password(key, child) {
                    found.push(InlineSecret { path: here.clone(), problem });
                } else if matches!(key.as_str(), "http_headers" | "headers") {
                    headers(child, &here, found);
                }
                if !USER_KEYED.contains(&key.as_str()) {
                    walk(child, &here, fields, found);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), fields, found);
            }
        }
        _ => {}
    }
}

fn given(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => true,
    }
}

/// The file form of a secret field, where the program has one.
fn instead(field: &str) -> String {
    let file_form = match field {
        "secrets" => "files".to_string(),
        "proxy_connect_header" => {
            return "a proxy header is a secret and has no file form; it would be stored in the ConfigMap: \
                    authenticate to the proxy another way"
                .into();
        }
        _ => format!("{field}_file"),
    };
    format!("a secret written into the config would be stored in the ConfigMap; use {file_form} with a file")
}

/// A URL with `user:password@` carries a password whatever field holds it (remote_write's `url`,
/// `proxy_url`, a receiver's URL).
fn url_with_password(key: &str, value: &Value) -> Option<String> {
    let text = value.as_str().filter(|_| key == "url" || key.ends_with("_url"))?;
    let url = reqwest::Url::parse(text).ok()?;
    url.password().is_some().then(|| {
        "the URL carries a password (user:password@), which would be stored in the ConfigMap; \
         remove it from the URL and use basic_auth with password_file with a file"
            .to_string()
    })
}

/// Header names that carry credentials by convention. Prometheus's types mark only a header's
/// `secrets` as secret and take its `values` (and remote_write's `headers`) as plain text: promctl is
/// stricter on purpose, as a header named like these is a credential whatever field holds it.
fn header_is_credential(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["authorization", "cookie", "token", "secret", "password", "api-key", "apikey", "api_key", "auth"]
        .iter()
        .any(|word| name.contains(word))
}

fn headers(value: &Value, path: &str, found: &mut Vec<InlineSecret>) {
    let Some(headers) = value.as_object() else {
        return;
    };
    for (name, header) in headers.iter().filter(|(name, _)| header_is_credential(name)) {
        // http_headers: {NAME: {values: [...]}}; remote_write headers: {NAME: "value"}.
        let plain = match header {
            Value::String(text) => !text.is_empty(),
            Value::Object(fields) => fields.get("values").is_some_and(given),
            _ => false,
        };
        if plain {
            found.push(InlineSecret {
                path: format!("{path}.{name}"),
                problem: format!(
                    "header {name:?} carries a credential written into the config, which would be stored in the ConfigMap; \
                     give it with http_headers: {{{name}: {{files: [FILE]}}}}, or authorization with credentials_file, with a file"
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(yaml: &str, fields: &[&str]) -> Vec<String> {
        let config: Value = serde_saphyr::from_str(yaml).unwrap();
        let mut found: Vec<String> = find_inline(&config, fields, "").into_iter().map(|s| s.path).collect();
        found.sort();
        found
    }

    /// Issue 18's findings: a secret header value, a password in proxy_url and in a remote_write url
    /// went into the ConfigMap; each is found now, and what is not a secret is left alone.
    #[test]
    fn secrets_are_found_wherever_the_programs_types_hold_them_and_only_there() {
        let yaml = r#"
scrape_configs:
  - job_name: api
    http_headers:
      X-Api-Key: {values: [abc]}
      X-Tenant: {values: [shop]}
      X-Token: {files: [/etc/prometheus-secrets/t/token]}
    proxy_url: http://user:pw@proxy:3128
    static_configs: [{targets: [a:1], labels: {token: not-a-secret, password: also-not}}]
    tls_config: {key: "-----BEGIN PRIVATE KEY-----", cert_file: /c}
    consul_sd_configs: [{server: consul:8500, token: t}]
    basic_auth: {username: u, password_file: /etc/prometheus-secrets/p/p}
remote_write:
  - url: https://writer:secret@receive.example.com/api/v1/write
    headers: {Authorization: Bearer x, X-Scope-OrgID: shop}
    sigv4: {access_key: AK, secret_key: SK}
"#;
        assert_eq!(
            paths(yaml, PROMETHEUS_FIELDS),
            [
                "remote_write[0].headers.Authorization",
                "remote_write[0].sigv4.secret_key",
                "remote_write[0].url",
                "scrape_configs[0].consul_sd_configs[0].token",
                "scrape_configs[0].http_headers.X-Api-Key",
                "scrape_configs[0].proxy_url",
                "scrape_configs[0].tls_config.key",
            ]
        );
        let clean = "scrape_configs: [{job_name: a, proxy_url: 'http://proxy:3128', basic_auth: {username: u, password_file: /f}}]";
        assert!(paths(clean, PROMETHEUS_FIELDS).is_empty());
    }

    #[test]
    fn each_refusal_names_the_file_form() {
        assert!(instead("password").ends_with("use password_file with a file"));
        assert!(instead("secrets").contains("use files"));
        assert!(instead("proxy_connect_header").contains("no file form"));
        assert!(
            PROMETHEUS_FIELDS.is_sorted() && ALERTMANAGER_FIELDS.is_sorted(),
            "kept sorted for the upstream test's diff"
        );
    }
}
