//! The command line without a cluster: the kubectl plugin name, version, and YAML documents.

use std::process::Command;

fn promctl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_promctl"))
}

/// kubectl runs `kubectl-promctl` from PATH for `kubectl promctl ...`: installed under that name (a
/// symlink here), promctl works the same and its help speaks of `kubectl promctl`.
#[test]
fn as_the_kubectl_plugin_the_help_says_kubectl_promctl() {
    let dir = std::env::temp_dir().join(format!("promctl-plugin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plugin = dir.join("kubectl-promctl");
    let _ = std::fs::remove_file(&plugin);
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_promctl"), &plugin).unwrap();
    let help = Command::new(&plugin).args(["validate", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Usage: kubectl promctl validate [OPTIONS]"), "{text}");
    let version = Command::new(&plugin).arg("version").output().unwrap();
    assert_eq!(version.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("promctl "), "the same program");
    let plain = promctl().args(["validate", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&plain.stdout).contains("Usage: promctl validate [OPTIONS]"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn version_names_the_supported_versions_in_text_json_and_yaml() {
    let text = promctl().arg("version").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.starts_with(&format!("promctl {}\n", env!("CARGO_PKG_VERSION"))), "{text}");
    assert!(text.contains("Kubernetes:   1.34 to 1.37"), "{text}");
    let json = promctl().args(["version", "-o", "json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let yaml = promctl().args(["version", "-o", "yaml"]).output().unwrap();
    let yaml: serde_json::Value = serde_saphyr::from_str(&String::from_utf8_lossy(&yaml.stdout)).unwrap();
    assert_eq!(json, yaml, "one document, two spellings");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
}

/// A failure with `--output yaml` is a YAML document too, with the exit code in it.
#[test]
fn an_error_with_output_yaml_is_a_yaml_document() {
    let out = promctl().args(["render", "-o", "yaml", "--set", "replicas=many"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_saphyr::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(doc["error"]["exit_code"], 2);
    assert!(doc["error"]["message"].as_str().unwrap().contains("replicas"), "{doc}");
}

/// Bad input is refused before any cluster is asked: the kubeconfig here does not exist, so a
/// command that got as far as connecting would exit 3, not 2.
#[test]
fn bad_values_flags_and_configs_exit_2_before_the_cluster_is_asked() {
    let no_cluster = ["--kubeconfig", "/nonexistent/kubeconfig"];
    let refused = [
        (vec!["install", "--set", "scrape.jobs.djnago.interval=20s"], "did you mean \"scrape.jobs.django\""),
        (vec!["install", "--set", "scrape.scrapeTimeout=1m"], "is above scrape.jobs.django.interval"),
        (
            vec![
                "install",
                "--set",
                "scrape.extraJobs=[{job_name: x, scrape_interval: 1m, scrape_timeout: 2m, static_configs: [{targets: [\"a:1\"]}]}]",
            ],
            "fails the static check",
        ),
        (vec!["validate", "--prometheus-url", "not a url"], "invalid Prometheus URL"),
        (vec!["validate", "--expect-job", "django=two"], "MIN must be a whole number"),
        (vec!["validate", "--engine-service", "vm:8428"], "NAMESPACE/SERVICE:PORT"),
        (vec!["validate", "--fail-on-alert", "severity="], "give an alert name"),
        (vec!["validate", "--query", "sum("], "not valid PromQL"),
        (vec!["reload", "--set", "scrape.jobs.redis.probes=[redis_up ==]"], "is not valid PromQL"),
    ];
    for (args, says) in refused {
        let out = promctl().args(&args).args(no_cluster).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?} should say {says:?}: {stderr}");
    }
    let unreachable = promctl().arg("install").args(no_cluster).output().unwrap();
    assert_eq!(unreachable.status.code(), Some(3), "{}", String::from_utf8_lossy(&unreachable.stderr));
}

/// A result that cannot be written (a full disk) is not a success; a closed pipe (`| head`) is.
#[test]
fn a_failed_write_to_stdout_is_an_error_but_a_closed_pipe_is_not() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = promctl().arg("values").stdout(full).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write the result to standard output"));

    let mut child = promctl().arg("values").stdout(std::process::Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
