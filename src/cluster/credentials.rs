//! The kubeconfig user's own credentials, checked on this machine before the first request: a
//! client certificate that has expired, is not valid yet, does not parse or does not match its key,
//! and a token file that cannot be read, are each named once, with the user and the fix, instead
//! of a TLS error from deep inside the first connection.

use base64::Engine;
use k8s_openapi::jiff::Timestamp;
use kube::config::AuthInfo;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use secrecy::ExposeSecret;
use x509_parser::certificate::X509Certificate;

use crate::error::Failure;

/// The kubeconfig user whose credentials are checked, as messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user's name in the kubeconfig (the context's `user`).
    pub name: String,
    /// Where the kubeconfig was read from: the file, or $KUBECONFIG's list.
    pub kubeconfig: String,
}

/// What is wrong with a credential and what to do about it.
struct Problem {
    what: String,
    fix: String,
}

impl User {
    fn failure(&self, problem: Problem) -> Failure {
        Failure::unreachable(format!(
            "kubeconfig user {:?} ({}): {}; fix: {}, or use another --context",
            self.name, self.kubeconfig, problem.what, problem.fix
        ))
    }
}

/// Checks what the kubeconfig user `auth` holds, as of `now`: a client certificate (readable,
/// PEM, X.509, valid at `now`) with its private key (PKCS#1, PKCS#8 or SEC1, one that rustls can
/// sign with, and the certificate's own), and a token file (readable, not empty). Credentials that
/// an exec or auth-provider plugin produces are not known before the first request and not checked.
/// Every failure is exit 3 (cannot authenticate), said once.
pub fn check(user: &User, auth: &AuthInfo, now: Timestamp) -> Result<(), Failure> {
    check_client_certificate(user, auth, now).map_err(|problem| user.failure(problem))?;
    check_token_file(user, auth).map_err(|problem| user.failure(problem))
}

fn check_client_certificate(user: &User, auth: &AuthInfo, now: Timestamp) -> Result<(), Problem> {
    let name = &user.name;
    let certificate_fix = || {
        format!(
            "point the user at a PEM certificate (kubectl config set-credentials {name} --client-certificate=FILE --embed-certs)"
        )
    };
    let key_fix = || {
        format!(
            "point the user at the private key its certificate was issued for (kubectl config set-credentials {name} --client-key=FILE --embed-certs)"
        )
    };
    let key_data = auth.client_key_data.as_ref().map(|secret| secret.expose_secret());
    let certificate =
        load("client-certificate", auth.client_certificate_data.as_deref(), auth.client_certificate.as_deref())
            .map_err(|what| Problem { what, fix: certificate_fix() })?;
    let key =
        load("client-key", key_data, auth.client_key.as_deref()).map_err(|what| Problem { what, fix: key_fix() })?;
    let ((certificate, certificate_source), (key, key_source)) = match (certificate, key) {
        (None, None) => return Ok(()),
        (Some(certificate), Some(key)) => (certificate, key),
        (Some((_, source)), None) => {
            return Err(Problem { what: format!("{source} is set but no client key is"), fix: key_fix() });
        }
        (None, Some((_, source))) => {
            return Err(Problem {
                what: format!("{source} is set but no client certificate is"),
                fix: certificate_fix(),
            });
        }
    };

    let der = first_certificate(&certificate)
        .map_err(|why| Problem { what: format!("{certificate_source} {why}"), fix: certificate_fix() })?;
    let (_, parsed) = x509_parser::parse_x509_certificate(&der).map_err(|e| Problem {
        what: format!("{certificate_source} is not a valid X.509 certificate: {e}"),
        fix: certificate_fix(),
    })?;
    let subject = parsed.subject().to_string();
    judge_validity(&parsed, now, name).map_err(|(what, fix)| Problem {
        what: format!("client certificate {what} ({subject}, from {certificate_source})"),
        fix,
    })?;
    if parsed.version() != x509_parser::x509::X509Version::V3 {
        return Err(Problem {
            what: format!(
                "{certificate_source} is an X.509 version {} certificate ({subject}), an old format that TLS clients built on rustls (promctl's) refuse; only version 3 is accepted",
                parsed.version().0 + 1
            ),
            fix: format!(
                "have the certificate reissued as version 3 (openssl x509 -req ... -extfile with extendedKeyUsage = clientAuth, or the cluster's CSR API), then kubectl config set-credentials {name} --client-certificate=NEW.crt --embed-certs"
            ),
        });
    }
    drop(parsed);

    let key = PrivateKeyDer::from_pem_slice(&key)
        .map_err(|e| Problem { what: format!("{key_source} {}", key_pem_problem(&e, &key)), fix: key_fix() })?;
    // The same loader kube's TLS setup uses, so a key accepted here is one the connection can sign with.
    let signing_key = rustls::crypto::ring::sign::any_supported_type(&key).map_err(|e| Problem {
        what: format!(
            "{key_source} is not a private key promctl can use ({e}): RSA of 2048 bits or more, ECDSA P-256 or P-384, or Ed25519"
        ),
        fix: key_fix(),
    })?;
    let certified = rustls::sign::CertifiedKey::new(vec![der], signing_key);
    match certified.keys_match() {
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => Err(Problem {
            what: format!("{key_source} does not match the client certificate's public key ({subject})"),
            fix: key_fix(),
        }),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) | Ok(()) => Ok(()),
        // Refused as kube's TLS setup would refuse it ("invalid private key"), but about the certificate.
        Err(e) => Err(Problem {
            what: format!("{certificate_source} cannot be used for TLS: {e} ({subject})"),
            fix: certificate_fix(),
        }),
    }
}

/// Whether the certificate is valid at `now`: `Err((what, fix))` when it has expired or is not valid yet.
fn judge_validity(certificate: &X509Certificate, now: Timestamp, user: &str) -> Result<(), (String, String)> {
    let validity = certificate.validity();
    let (not_before, not_after) = (validity.not_before.timestamp(), validity.not_after.timestamp());
    if now.as_second() > not_after {
        return Err((
            format!("expired on {}", rfc3339(not_after)),
            format!(
                "get a new certificate (e.g. kubectl config set-credentials {user} --client-certificate=NEW.crt --client-key=NEW.key --embed-certs)"
            ),
        ));
    }
    if now.as_second() < not_before {
        return Err((
            format!("is not valid before {}", rfc3339(not_before)),
            format!("check this machine's clock (it reads {}) or wait until then", rfc3339(now.as_second())),
        ));
    }
    Ok(())
}

fn rfc3339(seconds: i64) -> String {
    Timestamp::from_second(seconds).map_or_else(|_| format!("{seconds} s after 1970"), |t| t.to_string())
}

/// The first certificate of a PEM text, or why there is none.
fn first_certificate(pem_text: &[u8]) -> Result<CertificateDer<'static>, String> {
    match CertificateDer::pem_slice_iter(pem_text).next() {
        Some(Ok(der)) => Ok(der),
        Some(Err(e)) => Err(format!("is not valid PEM: {}", pem_error(&e))),
        None => Err("holds no PEM certificate (a -----BEGIN CERTIFICATE----- block)".into()),
    }
}

fn key_pem_problem(error: &pem::Error, text: &[u8]) -> String {
    match error {
        pem::Error::NoItemsFound if String::from_utf8_lossy(text).contains("ENCRYPTED PRIVATE KEY") => {
            "is encrypted, which kubectl and promctl cannot use: decrypt it (openssl pkey -in KEY -out PLAIN.key)"
                .into()
        }
        pem::Error::NoItemsFound => {
            "holds no PEM private key (a -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY block)".into()
        }
        e => format!("is not valid PEM: {}", pem_error(e)),
    }
}

/// pki-types shows a missing END line as a list of bytes.
fn pem_error(error: &pem::Error) -> String {
    match error {
        pem::Error::MissingSectionEnd { end_marker } => {
            format!("no -----END {}----- line (is it cut off?)", String::from_utf8_lossy(end_marker))
        }
        pem::Error::IllegalSectionStart { line } => {
            format!("a malformed BEGIN line {:?}", String::from_utf8_lossy(line))
        }
        e => e.to_string(),
    }
}

/// The bytes of `field` (`FIELD-data`, base64, wins over the file `FIELD`, as kube reads them) and
/// how messages name where they came from; None when neither is set.
fn load(field: &str, data: Option<&str>, file: Option<&str>) -> Result<Option<(Vec<u8>, String)>, String> {
    if let Some(data) = data {
        let source = format!("{field}-data");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|e| format!("{source} is not valid base64: {e}"))?;
        return Ok(Some((bytes, source)));
    }
    let Some(file) = file else { return Ok(None) };
    let source = format!("{field} {file}");
    let bytes = std::fs::read(file).map_err(|e| format!("{source} cannot be read: {e}"))?;
    Ok(Some((bytes, source)))
}

/// A `tokenFile` (read before every request) must be there and hold a token; `token` wins over it.
fn check_token_file(user: &User, auth: &AuthInfo) -> Result<(), Problem> {
    let (None, Some(file)) = (&auth.token, &auth.token_file) else { return Ok(()) };
    let fix = || format!("create the file, or set another (kubectl config set-credentials {} --token=...)", user.name);
    match std::fs::read_to_string(file) {
        Err(e) => Err(Problem { what: format!("token file {file} cannot be read: {e}"), fix: fix() }),
        Ok(token) if token.trim().is_empty() => {
            Err(Problem { what: format!("token file {file} is empty"), fix: fix() })
        }
        Ok(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FailureKind;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/credentials");

    fn fixture(name: &str) -> String {
        format!("{FIXTURES}/{name}")
    }

    fn user() -> User {
        User { name: "dev".into(), kubeconfig: "/home/dev/.kube/config".into() }
    }

    /// Mid-2026: inside the valid fixtures' 2025-2035, after expired.crt, before not-yet-valid.crt.
    fn now() -> Timestamp {
        "2026-06-01T00:00:00Z".parse().unwrap()
    }

    fn files(certificate: &str, key: &str) -> AuthInfo {
        AuthInfo {
            client_certificate: Some(fixture(certificate)),
            client_key: Some(fixture(key)),
            ..Default::default()
        }
    }

    /// The failure's message, asserting that it is exit 3 and names the user and the kubeconfig.
    fn refused(auth: &AuthInfo) -> String {
        let failure = check(&user(), auth, now()).expect_err("the credentials should be refused");
        assert_eq!(failure.kind, FailureKind::Unreachable, "{}", failure.message);
        assert!(
            failure.message.starts_with(r#"kubeconfig user "dev" (/home/dev/.kube/config): "#),
            "{}",
            failure.message
        );
        assert!(failure.message.contains("; fix: "), "{}", failure.message);
        assert_eq!(failure.message.lines().count(), 1, "{}", failure.message);
        failure.message
    }

    #[test]
    fn a_valid_certificate_with_its_key_passes_in_every_key_format() {
        for (certificate, key) in
            [("valid-rsa.crt", "rsa-pkcs8.key"), ("valid-rsa.crt", "rsa-pkcs1.key"), ("valid-ec.crt", "ec-sec1.key")]
        {
            let result = check(&user(), &files(certificate, key), now());
            assert!(result.is_ok(), "{certificate} with {key}: {result:?}");
        }
    }

    #[test]
    fn embedded_data_is_read_like_files() {
        let b64 = |name: &str| base64::engine::general_purpose::STANDARD.encode(std::fs::read(fixture(name)).unwrap());
        let auth = AuthInfo {
            client_certificate_data: Some(b64("valid-ec.crt")),
            client_key_data: Some(b64("ec-sec1.key").into()),
            ..Default::default()
        };
        assert!(check(&user(), &auth, now()).is_ok());
    }

    #[test]
    fn an_expired_certificate_says_expired_and_when() {
        let message = refused(&files("expired.crt", "rsa-pkcs8.key"));
        assert!(message.contains("client certificate expired on 2020-01-02T00:00:00Z (CN=dev, O=system:masters, from client-certificate /"), "{message}");
        assert!(message.contains("get a new certificate"), "{message}");
        assert!(message.contains("kubectl config set-credentials dev"), "{message}");
    }

    #[test]
    fn a_certificate_not_valid_yet_names_its_start_and_the_clock() {
        let message = refused(&files("not-yet-valid.crt", "rsa-pkcs8.key"));
        assert!(message.contains("client certificate is not valid before 2040-01-01T00:00:00Z"), "{message}");
        assert!(message.contains("it reads 2026-06-01T00:00:00Z"), "{message}");
    }

    #[test]
    fn the_validity_is_judged_at_the_given_time_not_the_wall_clock() {
        let before_expiry: Timestamp = "2020-01-01T12:00:00Z".parse().unwrap();
        assert!(check(&user(), &files("expired.crt", "rsa-pkcs8.key"), before_expiry).is_ok());
    }

    #[test]
    fn a_key_of_another_certificate_does_not_match() {
        let message = refused(&files("valid-rsa.crt", "other-pkcs8.key"));
        assert!(message.contains("other-pkcs8.key does not match the client certificate's public key"), "{message}");
        // An EC key for an RSA certificate is a mismatch too, not an unreadable key.
        let message = refused(&files("valid-rsa.crt", "ec-sec1.key"));
        assert!(message.contains("does not match"), "{message}");
    }

    #[test]
    fn a_version_1_certificate_is_named_as_the_old_format_not_as_a_bad_key() {
        let message = refused(&files("v1-rsa.crt", "rsa-pkcs8.key"));
        assert!(
            message.contains("v1-rsa.crt is an X.509 version 1 certificate (CN=dev, O=system:masters)"),
            "{message}"
        );
        assert!(message.contains("reissued as version 3"), "{message}");
        assert!(!message.contains("private key"), "{message}");
    }

    /// The check agrees with the TLS setup kube does with the same files (rustls's client
    /// authentication): what it accepts connects, and the version 1 certificate is refused there too.
    #[test]
    fn what_the_check_accepts_is_what_rustls_accepts() {
        let tls = |certificate: &str, key: &str| {
            let chain =
                CertificateDer::pem_file_iter(fixture(certificate)).unwrap().collect::<Result<Vec<_>, _>>().unwrap();
            let key = PrivateKeyDer::from_pem_file(fixture(key)).unwrap();
            let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_client_auth_cert(chain, key)
                .map(drop)
        };
        for (certificate, key) in
            [("valid-rsa.crt", "rsa-pkcs8.key"), ("valid-rsa.crt", "rsa-pkcs1.key"), ("valid-ec.crt", "ec-sec1.key")]
        {
            assert!(tls(certificate, key).is_ok(), "{certificate} with {key}");
        }
        assert!(tls("v1-rsa.crt", "rsa-pkcs8.key").is_err());
        assert!(tls("valid-rsa.crt", "other-pkcs8.key").is_err());
    }

    #[test]
    fn a_truncated_certificate_is_malformed_pem() {
        let message = refused(&files("truncated.crt", "rsa-pkcs8.key"));
        assert!(message.contains("truncated.crt is not valid PEM: no -----END CERTIFICATE----- line"), "{message}");
        assert!(message.contains("--client-certificate=FILE"), "{message}");
    }

    #[test]
    fn garbage_in_client_certificate_data_holds_no_certificate() {
        let junk = base64::engine::general_purpose::STANDARD.encode("this is not a certificate\n");
        let auth = AuthInfo {
            client_certificate_data: Some(junk),
            client_key: Some(fixture("rsa-pkcs8.key")),
            ..Default::default()
        };
        let message = refused(&auth);
        assert!(message.contains("client-certificate-data holds no PEM certificate"), "{message}");
        let auth = AuthInfo { client_certificate_data: Some("%%% not base64".into()), ..auth };
        let message = refused(&auth);
        assert!(message.contains("client-certificate-data is not valid base64"), "{message}");
    }

    #[test]
    fn a_certificate_in_pem_that_is_not_x509_is_refused() {
        let auth = AuthInfo {
            client_certificate_data: Some(
                base64::engine::general_purpose::STANDARD
                    .encode("-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n"),
            ),
            client_key: Some(fixture("rsa-pkcs8.key")),
            ..Default::default()
        };
        let message = refused(&auth);
        assert!(message.contains("client-certificate-data is not a valid X.509 certificate"), "{message}");
    }

    #[test]
    fn a_missing_certificate_file_or_key_is_named() {
        let message = refused(&files("no-such.crt", "rsa-pkcs8.key"));
        assert!(message.contains("no-such.crt cannot be read"), "{message}");
        let auth = AuthInfo { client_key: None, ..files("valid-rsa.crt", "rsa-pkcs8.key") };
        let message = refused(&auth);
        assert!(message.contains("valid-rsa.crt is set but no client key is"), "{message}");
        let message = refused(&files("valid-rsa.crt", "valid-ec.crt"));
        assert!(message.contains("valid-ec.crt holds no PEM private key"), "{message}");
    }

    #[test]
    fn a_missing_token_file_is_named_and_a_token_wins_over_it() {
        let auth = AuthInfo { token_file: Some(fixture("no-such-token")), ..Default::default() };
        let message = refused(&auth);
        assert!(message.contains("no-such-token cannot be read"), "{message}");
        let auth = AuthInfo { token: Some("abc".to_string().into()), ..auth };
        assert!(check(&user(), &auth, now()).is_ok());
    }

    #[test]
    fn no_credentials_at_all_is_not_this_checks_business() {
        assert!(check(&user(), &AuthInfo::default(), now()).is_ok());
    }
}
