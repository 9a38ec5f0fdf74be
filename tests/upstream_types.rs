//! The fields promctl refuses inline (src/secrets.rs) are the ones Prometheus's and Alertmanager's own
//! types hold secrets in, for every version promctl supports: read from their Go sources. A new
//! version that adds a secret field fails this test until the list has it. The same for the fields
//! of the HTTP client's blocks (basic_auth, authorization, oauth2, tls_config) and of prometheus.yml's
//! top level, global block and scrape configs (with every service discovery) that promctl knows.
//!
//! Needs the Go module sources: scripts/test downloads them (`upstream_sources` in
//! scripts/lib/build-go.sh) and sets PROMCTL_GO_MODULES (the module cache), PROMCTL_UPSTREAM_PROMETHEUS
//! (the Prometheus module versions) and PROMCTL_UPSTREAM_ALERTMANAGER.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;
use upstream::{env, module, required};

mod upstream;

fn go_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() && !matches!(name.as_str(), "testdata" | "vendor" | "web" | "ui") {
            go_files(&path, out);
        } else if name.ends_with(".go") && !name.ends_with("_test.go") {
            out.push(path);
        }
    }
}

/// The YAML names of the struct fields whose type is a `Secret`, a `SecretURL` or a type defined from
/// one (`type ProxyHeader map[string][]Secret`), with the file that declares each.
fn secret_fields(modules: &[PathBuf]) -> BTreeMap<String, String> {
    let mut files = Vec::new();
    for dir in modules {
        go_files(dir, &mut files);
    }
    let sources: Vec<(PathBuf, String)> =
        files.into_iter().map(|f| (f.clone(), std::fs::read_to_string(f).unwrap())).collect();
    // Types built of a Secret: their fields are secrets too.
    let defined = Regex::new(r"(?m)^type (\w+) (?:map\[\w+\])?(?:\[\])?\*?(?:\w+\.)?Secret(?:URL)?$").unwrap();
    let mut secret_types: BTreeSet<String> = ["Secret", "SecretURL"].map(String::from).into();
    for (_, text) in &sources {
        secret_types.extend(defined.captures_iter(text).map(|c| c[1].to_string()));
    }
    let field = Regex::new(r#"(?m)^\s+\w+\s+(?:map\[\w+\])?(?:\[\])?\*?(?:\w+\.)?(\w+)\s+`yaml:"([\w-]+)"#).unwrap();
    let mut found = BTreeMap::new();
    for (path, text) in &sources {
        for c in field.captures_iter(text) {
            if secret_types.contains(&c[1]) {
                found.entry(c[2].to_string()).or_insert_with(|| path.display().to_string());
            }
        }
    }
    found
}

fn compare(what: &str, upstream: &BTreeMap<String, String>, ours: &[&str], judged_otherwise: &[&str]) {
    let missing: Vec<String> = upstream
        .iter()
        .filter(|(name, _)| !ours.contains(&name.as_str()) && !judged_otherwise.contains(&name.as_str()))
        .map(|(name, file)| format!("{name} ({file})"))
        .collect();
    println!("{what}: {} secret fields upstream, {} in promctl's list", upstream.len(), ours.len());
    assert!(
        missing.is_empty(),
        "{what}: secret fields promctl does not refuse inline: {missing:?}; add them to src/secrets.rs"
    );
    // Every name on our list is a secret field of some supported version (no stale or made-up names).
    let stale: Vec<&&str> = ours.iter().filter(|name| !upstream.contains_key(**name)).collect();
    assert!(stale.is_empty(), "{what}: src/secrets.rs lists fields no supported version has: {stale:?}");
}

/// The Prometheus modules of the supported versions and the prometheus/common and sigv4 each requires.
fn prometheus_modules() -> Vec<PathBuf> {
    let mut modules = Vec::new();
    for version in env("PROMCTL_UPSTREAM_PROMETHEUS").split_whitespace() {
        let prometheus = module("github.com/prometheus/prometheus", version);
        for dependency in
            ["github.com/prometheus/common", "github.com/prometheus/sigv4", "github.com/prometheus/common/sigv4"]
        {
            if let Some(v) = required(&prometheus, dependency) {
                modules.push(module(dependency, &v));
            }
        }
        modules.push(prometheus);
    }
    modules
}

/// The YAML field names of Go struct `name` in `source`, with `yaml:",inline"` structs expanded.
fn struct_fields(source: &str, name: &str) -> BTreeSet<String> {
    let start = format!("type {name} struct {{");
    let Some(body) = source.split(&start).nth(1).and_then(|rest| rest.split("\n}").next()) else {
        return BTreeSet::new();
    };
    let tag = Regex::new(r#"`yaml:"([\w-]*)"#).unwrap();
    let mut fields = BTreeSet::new();
    for line in body.lines() {
        match tag.captures(line).map(|c| c[1].to_string()) {
            Some(field) if field.is_empty() => {
                let embedded = line.split_whitespace().next().unwrap_or_default();
                fields.extend(struct_fields(source, embedded));
            }
            Some(field) if field == "-" => {}
            Some(field) => {
                fields.insert(field);
            }
            None => {}
        }
    }
    fields
}

#[test]
#[ignore = "needs the Go module sources: scripts/test"]
fn the_http_client_blocks_fields_are_the_union_of_the_supported_versions() {
    let sources: Vec<String> = prometheus_modules()
        .iter()
        .filter(|dir| dir.to_string_lossy().contains("github.com/prometheus/common@"))
        .map(|dir| std::fs::read_to_string(dir.join("config/http_config.go")).unwrap())
        .collect();
    assert!(sources.len() >= 2, "one prometheus/common per supported version");
    for (go_type, ours) in [
        ("BasicAuth", promctl::promconfig::BASIC_AUTH_FIELDS),
        ("Authorization", promctl::promconfig::AUTHORIZATION_FIELDS),
        ("OAuth2", promctl::promconfig::OAUTH2_FIELDS),
        ("TLSConfig", promctl::promconfig::TLS_FIELDS),
    ] {
        let upstream: BTreeSet<String> = sources.iter().flat_map(|source| struct_fields(source, go_type)).collect();
        let ours: BTreeSet<String> = ours.iter().map(|s| s.to_string()).collect();
        println!("{go_type}: {} fields upstream, {} known to promctl", upstream.len(), ours.len());
        assert_eq!(ours, upstream, "{go_type}: promctl's known fields differ from prometheus/common's");
    }
}

#[test]
#[ignore = "needs the Go module sources: scripts/test"]
fn prometheus_secret_fields_are_the_ones_its_types_hold_secrets_in() {
    let upstream = secret_fields(&prometheus_modules());
    compare("Prometheus", &upstream, promctl::secrets::PROMETHEUS_FIELDS, &[]);
}

#[test]
#[ignore = "needs the Go module sources: scripts/test"]
fn alertmanager_secret_fields_are_the_ones_its_types_hold_secrets_in() {
    let alertmanager = module("github.com/prometheus/alertmanager", &env("PROMCTL_UPSTREAM_ALERTMANAGER"));
    let common = required(&alertmanager, "github.com/prometheus/common").unwrap();
    let upstream = secret_fields(&[module("github.com/prometheus/common", &common), alertmanager]);
    // `url` (the event recorder's and webhooks' endpoints) is judged by its user info, as every URL.
    compare("Alertmanager", &upstream, promctl::secrets::ALERTMANAGER_FIELDS, &["url"]);
}

/// Every file of the modules' Go sources (not tests), concatenated: the structs and the service
/// discoveries' names are looked up in all of them.
fn all_sources(modules: &[PathBuf]) -> String {
    let mut files = Vec::new();
    for dir in modules {
        go_files(dir, &mut files);
    }
    files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect::<Vec<_>>().join("\n")
}

/// The YAML keys of every service discovery: each registers a config whose `Name()` is the key's stem.
fn service_discoveries(source: &str) -> BTreeSet<String> {
    let name = Regex::new(r#"\) Name\(\) string \{\s*return "(\w+)""#).unwrap();
    name.captures_iter(source)
        .map(|c| c[1].to_string())
        .map(|sd| if sd == "static" { "static_configs".to_string() } else { format!("{sd}_sd_configs") })
        .collect()
}

#[test]
#[ignore = "needs the Go module sources: scripts/test"]
fn prometheus_yml_fields_are_the_union_of_the_supported_versions() {
    // Per version: (struct, its fields), to find what one major has and the other lacks.
    let mut per_version: Vec<BTreeSet<String>> = Vec::new();
    let mut top = BTreeSet::new();
    let mut global = BTreeSet::new();
    let mut scrape = BTreeSet::new();
    let mut remote_write = BTreeSet::new();
    let mut kubernetes_sd = BTreeSet::new();
    for version in env("PROMCTL_UPSTREAM_PROMETHEUS").split_whitespace() {
        let prometheus = module("github.com/prometheus/prometheus", version);
        let common =
            module("github.com/prometheus/common", &required(&prometheus, "github.com/prometheus/common").unwrap());
        let config = std::fs::read_to_string(prometheus.join("config/config.go")).unwrap()
            + &std::fs::read_to_string(common.join("config/http_config.go")).unwrap();
        top.extend(struct_fields(&config, "Config"));
        global.extend(struct_fields(&config, "GlobalConfig"));
        scrape.extend(struct_fields(&config, "ScrapeConfig"));
        remote_write.extend(struct_fields(&config, "RemoteWriteConfig"));
        let kubernetes = std::fs::read_to_string(prometheus.join("discovery/kubernetes/kubernetes.go")).unwrap()
            + &std::fs::read_to_string(common.join("config/http_config.go")).unwrap();
        kubernetes_sd.extend(struct_fields(&kubernetes, "SDConfig"));
        let mut fields: BTreeSet<String> = [
            "Config",
            "GlobalConfig",
            "ScrapeConfig",
            "RemoteWriteConfig",
            "BasicAuth",
            "Authorization",
            "OAuth2",
            "TLSConfig",
        ]
        .iter()
        .flat_map(|name| struct_fields(&config, name))
        .collect();
        fields.extend(struct_fields(&kubernetes, "SDConfig"));
        fields.extend(service_discoveries(&all_sources(&[prometheus.join("discovery")])));
        per_version.push(fields);
        scrape.extend(service_discoveries(&all_sources(&[prometheus.join("discovery")])));
    }
    let http_client = promctl::promconfig::HTTP_CLIENT_FIELDS;
    let mut differences = Vec::new();
    for (what, upstream, ours) in [
        ("top level", top, promctl::promconfig::TOP_LEVEL_FIELDS.to_vec()),
        ("global", global, promctl::promconfig::GLOBAL_FIELDS.to_vec()),
        ("scrape config", scrape, [promctl::promconfig::SCRAPE_FIELDS, http_client].concat()),
        ("remote_write", remote_write, [promctl::promconfig::REMOTE_WRITE_FIELDS, http_client].concat()),
        ("kubernetes_sd_configs", kubernetes_sd, [promctl::promconfig::KUBERNETES_SD_FIELDS, http_client].concat()),
    ] {
        let ours: BTreeSet<String> = ours.iter().map(|s| s.to_string()).collect();
        println!("prometheus.yml {what}: {} fields upstream, {} known to promctl", upstream.len(), ours.len());
        let missing: Vec<&String> = upstream.difference(&ours).collect();
        let extra: Vec<&String> = ours.difference(&upstream).collect();
        if !missing.is_empty() || !extra.is_empty() {
            differences.push(format!("{what}: promctl lacks {missing:?} and has {extra:?}"));
        }
    }
    // PROMCTL_UPSTREAM_PROMETHEUS lists 2.x, then 3.x.
    let (two, three) = (&per_version[0], &per_version[1]);
    for (what, upstream, ours) in [
        (
            "Prometheus 3 only",
            three.difference(two).cloned().collect::<BTreeSet<_>>(),
            promctl::promconfig::PROMETHEUS3_ONLY,
        ),
        ("Prometheus 2 only", two.difference(three).cloned().collect(), promctl::promconfig::PROMETHEUS2_ONLY),
    ] {
        let ours: BTreeSet<String> = ours.iter().map(|s| s.to_string()).collect();
        println!("prometheus.yml fields of {what}: {} upstream, {} in promctl's list", upstream.len(), ours.len());
        if ours != upstream {
            differences.push(format!("{what}: upstream {upstream:?}, promctl {ours:?}"));
        }
    }
    assert!(differences.is_empty(), "{differences:#?}");
}

/// The flags promctl judges extraArgs by (src/release.rs: the recorded `--help` and the hidden ones)
/// are every flag cmd/prometheus/main.go declares, for each supported version: a flag hidden from
/// `--help` is accepted, and none on promctl's hidden list is made up.
#[test]
#[ignore = "needs the Go module sources: scripts/test"]
fn prometheus_flags_are_the_ones_its_source_declares() {
    let declared = Regex::new(r#"Flag\(\s*(?:a,\s*)?"([\w.-]+)""#).unwrap();
    for version in env("PROMCTL_UPSTREAM_PROMETHEUS").split_whitespace() {
        // Prometheus's Go module versions: v0.48.0 is 2.48.0, v0.316.0 is 3.16.0.
        let minor: u64 = version.trim_start_matches("v0.").split('.').next().unwrap().parse().unwrap();
        let release = promctl::release::release(if minor >= 300 { 3 } else { 2 });
        let named = if minor >= 300 { format!("3.{}.", minor - 300) } else { format!("2.{minor}.") };
        assert!(release.version.starts_with(&named), "{version} is not the recorded {}", release.version);
        let main = module("github.com/prometheus/prometheus", version).join("cmd/prometheus/main.go");
        let source = std::fs::read_to_string(main).unwrap();
        let upstream: BTreeSet<&str> = declared.captures_iter(&source).map(|c| c.get(1).unwrap().as_str()).collect();
        let ours = release.flags();
        let missing: Vec<&&str> = upstream.iter().filter(|f| !ours.contains(f)).collect();
        assert!(missing.is_empty(), "{version}: flags promctl would refuse: {missing:?}; add them to src/release.rs");
        let made_up: Vec<&str> = release.hidden_flags().into_iter().filter(|f| !upstream.contains(f)).collect();
        assert!(made_up.is_empty(), "{version}: hidden flags its source does not declare: {made_up:?}");
        println!(
            "Prometheus {}: {} flags declared, {} hidden from --help",
            release.version,
            upstream.len(),
            release.hidden_flags().len()
        );
    }
}
