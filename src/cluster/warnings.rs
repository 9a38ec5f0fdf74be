//! The API server's `Warning` response headers (deprecated APIs, Pod Security violations in audit or
//! warn mode, unknown fields): collected from every response of promctl's clients, deduplicated, and
//! handed to the reporter, which shows each once as a warning line and in the JSON document. kubectl
//! does the same; kube-rs drops them.

use std::collections::BTreeSet;
use std::sync::Mutex;

use http::HeaderMap;

/// Warnings seen and not yet reported, in arrival order; `REPORTED` keeps each text to one report.
static PENDING: Mutex<Vec<String>> = Mutex::new(Vec::new());
static REPORTED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// A tower layer for kube's client stack that records the Warning headers of each response.
pub fn layer<B>() -> tower::util::MapResponseLayer<fn(http::Response<B>) -> http::Response<B>> {
    tower::util::MapResponseLayer::new(record_response::<B>)
}

fn record_response<B>(response: http::Response<B>) -> http::Response<B> {
    record(response.headers());
    response
}

/// Records the texts of the `Warning` headers in `headers`.
pub fn record(headers: &HeaderMap) {
    let texts: Vec<String> = headers
        .get_all(http::header::WARNING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(warning_text)
        .collect();
    if texts.is_empty() {
        return;
    }
    let reported = REPORTED.lock().unwrap_or_else(|e| e.into_inner());
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    for text in texts {
        if !reported.contains(&text) && !pending.contains(&text) {
            pending.push(text);
        }
    }
}

/// The warnings not reported yet; each is handed out once per process.
pub fn take() -> Vec<String> {
    let mut reported = REPORTED.lock().unwrap_or_else(|e| e.into_inner());
    let pending = std::mem::take(&mut *PENDING.lock().unwrap_or_else(|e| e.into_inner()));
    reported.extend(pending.iter().cloned());
    pending
}

/// The text of one `Warning` header value, `299 - "text"` (RFC 7234 section 5.5: code, agent, quoted
/// text, optional date). Kubernetes sends code 299 with agent "-"; other codes are not the API's.
fn warning_text(value: &str) -> Option<String> {
    let (code, rest) = value.trim().split_once(' ')?;
    if code != "299" {
        return None;
    }
    let (_agent, quoted) = rest.trim_start().split_once(' ')?;
    let quoted = quoted.trim_start().strip_prefix('"')?;
    let mut text = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => text.push(chars.next()?),
            '"' => return Some(text),
            c => text.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_warning_headers_give_their_text() {
        assert_eq!(
            warning_text(r#"299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice""#)
                .as_deref(),
            Some("v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice")
        );
        assert_eq!(
            warning_text(r#"299 - "would violate \"restricted\"" "Sat, 25 Aug 2012 23:34:45 GMT""#).as_deref(),
            Some(r#"would violate "restricted""#)
        );
        assert_eq!(warning_text(r#"199 - "cache""#), None);
        assert_eq!(warning_text("garbage"), None);
        assert_eq!(warning_text(r#"299 - "unterminated"#), None);
    }

    #[test]
    fn each_warning_is_reported_once() {
        let mut headers = HeaderMap::new();
        headers.append(http::header::WARNING, r#"299 - "unknown field \"spec.x\"""#.parse().unwrap());
        headers.append(http::header::WARNING, r#"299 - "unknown field \"spec.x\"""#.parse().unwrap());
        record(&headers);
        let first = take();
        assert_eq!(first.iter().filter(|t| t.as_str() == r#"unknown field "spec.x""#).count(), 1, "{first:?}");
        record(&headers);
        assert!(!take().iter().any(|t| t == r#"unknown field "spec.x""#));
    }
}
