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
