//! The kubeconfig user's credentials against the real test bed (scripts/test runs these): the test
//! bed's kubeconfig with its client certificate replaced by one from tests/fixtures/credentials/,
//! signed by a CA that was thrown away.

mod common;

use base64::Engine;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/credentials");

/// The test bed's kubeconfig ($KUBECONFIG) with the user `user`, whose client certificate and key
/// are the fixtures `certificate` and `key`, embedded as the -data fields.
fn kubeconfig_with(user: &str, certificate: &str, key: &str) -> std::path::PathBuf {
    let testbed: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(std::env::var("KUBECONFIG").expect("$KUBECONFIG: run scripts/test")).unwrap(),
    )
    .unwrap();
    let data = |name: &str| {
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(format!("{FIXTURES}/{name}")).unwrap())
    };
    let text = serde_json::json!({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "testbed", "cluster": testbed["clusters"][0]["cluster"]}],
        "users": [{"name": user, "user": {"client-certificate-data": data(certificate), "client-key-data": data(key)}}],
        "contexts": [{"name": "testbed", "context": {"cluster": "testbed", "user": user}}],
        "current-context": "testbed"
    });
    let path = std::env::temp_dir().join(format!("{}-kubeconfig", common::unique_name("e2e-creds")));
    std::fs::write(&path, text.to_string()).unwrap();
    path
}

/// `promctl validate` with that kubeconfig: exit code and stderr.
fn validate(kubeconfig: &std::path::Path) -> (Option<i32>, String) {
    let namespace = common::unique_name("e2e-creds");
    let out = common::promctl()
        .args(["validate", "--no-color", "-n", &namespace, "--kubeconfig", kubeconfig.to_str().unwrap()])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(kubeconfig);
    (out.status.code(), common::stderr(&out))
}

#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn an_expired_client_certificate_is_named_once_before_any_request() {
    let (code, stderr) = validate(&kubeconfig_with("e2e-expired", "expired.crt", "rsa-pkcs8.key"));
    assert_eq!(code, Some(3), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("promctl: error:")).collect();
    assert_eq!(errors.len(), 1, "one error line: {stderr}");
    assert!(errors[0].contains(r#"kubeconfig user "e2e-expired""#), "{stderr}");
    assert!(errors[0].contains("client certificate expired on 2020-01-02T00:00:00Z"), "{stderr}");
    assert_eq!(stderr.matches("expired on").count(), 1, "said once: {stderr}");
    // Checked locally: no request was made, so no check started.
    assert!(!stderr.contains("checking the installed objects"), "{stderr}");
    assert!(!stderr.contains("Status {"), "no raw Status dump: {stderr}");
}

/// A certificate the API server does not trust (valid dates, its own key, another CA): the local
/// check passes it, the API server refuses it, and promctl says so once, as an authentication failure.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn a_certificate_of_another_ca_is_refused_by_the_api_server_without_a_status_dump() {
    let (code, stderr) = validate(&kubeconfig_with("e2e-stranger", "valid-rsa.crt", "rsa-pkcs8.key"));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(!stderr.contains("Status {") && !stderr.contains("ApiError"), "no raw Status dump: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("promctl: error:")).collect();
    assert_eq!(errors.len(), 1, "one error line: {stderr}");
    // The API server answers 401 (it asks for a client certificate and judges it after the handshake),
    // or, were it to refuse in the handshake, a TLS alert that promctl names.
    assert!(errors[0].contains("HTTP 401") || errors[0].contains("refused the TLS handshake"), "{stderr}");
}
