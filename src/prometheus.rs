//! The Prometheus HTTP API: health, readiness, targets, runtime info, config, reload, instant queries.
//!
//! Every request to Prometheus goes through [`PrometheusApi`], over one of two transports: the Kubernetes
//! API server's service proxy (the default: no local socket, works in CI) or plain HTTP to a base URL
//! (`--prometheus-url`, or a local port-forward). Errors carry a [`Failure`] so that the exit code is right:
//! not reaching Prometheus is "unreachable", an API error is "check failed", bad PromQL is "bad input".
//!
//! [`evaluate_jobs`] turns the active targets into one verdict per scrape job; it is pure and unit-tested.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::Method;
use http_body_util::BodyExt;
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Failure, FailureKind};

/// Bounds one request. kube's client retries a 503 from the service proxy for minutes, and a stuck
/// connection must not outlive the caller's patience; the caller's own `--timeout` still applies on top.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the targets answer may take to arrive in full (see [`PrometheusApi::target_tally`]).
const TARGETS_TIMEOUT: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client for one server that speaks Prometheus's HTTP API: Prometheus itself, and the
/// Alertmanager and storage engines promctl checks through the same endpoints.
#[derive(Clone)]
pub struct PrometheusApi {
    transport: Transport,
    /// What answers, for messages: "Prometheus", "Alertmanager", "the storage engine".
    what: &'static str,
    /// The label selector of the pods behind it, for the hint when it cannot be reached.
    pods: Option<String>,
    /// Bounds one request.
    timeout: Duration,
}

#[derive(Clone)]
enum Transport {
    /// The API server's proxy to `resource` ("services" or "pods") `name:port` in `namespace`.
    ApiProxy {
        client: kube::Client,
        namespace: String,
        resource: &'static str,
        name: String,
        port: u16,
    },
    Direct {
        http: reqwest::Client,
        base_url: String,
    },
}

/// Installs ring as rustls's process-wide crypto provider, once: reqwest is built without a default
/// provider (kube already brings ring), and panics building a client without one.
pub fn ensure_tls_provider() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Err only when another provider was installed first, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Status code and body of an answer that came from Prometheus itself (not from the API server).
struct Reply {
    status: u16,
    body: String,
}

/// An answer whose status has arrived, its body still to be read.
struct Answer {
    status: u16,
    body: AnswerBody,
}

enum AnswerBody {
    Direct(reqwest::Response),
    Proxy(kube::client::Body),
    /// Read already (an error's body); `None` once taken.
    Read(Option<Bytes>),
}

impl Answer {
    /// The next chunk of the body; `None` at its end.
    async fn chunk(&mut self) -> Result<Option<Bytes>, Box<dyn std::error::Error + Send + Sync>> {
        match &mut self.body {
            AnswerBody::Direct(response) => Ok(response.chunk().await?),
            AnswerBody::Proxy(body) => loop {
                match body.frame().await.transpose()? {
                    None => return Ok(None),
                    // Trailers carry no data.
                    Some(frame) => {
                        if let Ok(data) = frame.into_data() {
                            return Ok(Some(data));
                        }
                    }
                }
            },
            AnswerBody::Read(bytes) => Ok(bytes.take()),
        }
    }

    /// The whole body, for the answers that are small.
    async fn into_reply(mut self) -> Result<Reply, Box<dyn std::error::Error + Send + Sync>> {
        let mut body = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            body.extend_from_slice(&chunk);
        }
        Ok(Reply { status: self.status, body: String::from_utf8_lossy(&body).into_owned() })
    }
}

/// A blocking `Read` of the chunks an async task sends: it ends when the sender is dropped.
struct ChunkReader {
    chunks: tokio::sync::mpsc::Receiver<Result<Bytes, Box<dyn std::error::Error + Send + Sync>>>,
    current: Bytes,
}

impl ChunkReader {
    fn new(chunks: tokio::sync::mpsc::Receiver<Result<Bytes, Box<dyn std::error::Error + Send + Sync>>>) -> Self {
        ChunkReader { chunks, current: Bytes::new() }
    }
}

impl std::io::Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => return Err(std::io::Error::other(crate::error::message_of(&*e))),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

impl PrometheusApi {
    /// Reach Prometheus through `GET /api/v1/namespaces/{ns}/services/{service}:{port}/proxy/...`.
    ///
    /// Build `client` with `Config::default_retry = false`: kube's default retry policy repeats a 503
    /// ("no endpoints available", or Prometheus's own "not ready yet") up to 15 times with backoff.
    pub fn via_service_proxy(client: kube::Client, namespace: &str, service: &str, port: u16) -> Self {
        let transport = Transport::ApiProxy {
            client,
            namespace: namespace.into(),
            resource: "services",
            name: service.into(),
            port,
        };
        PrometheusApi { transport, what: "Prometheus", pods: None, timeout: REQUEST_TIMEOUT }
    }

    /// Reach one pod's Prometheus through `.../pods/{pod}:{port}/proxy/...`: what an HA pair's replicas
    /// are checked and reloaded through, each on its own (the Service answers from either).
    pub fn via_pod_proxy(client: kube::Client, namespace: &str, pod: &str, port: u16) -> Self {
        let transport =
            Transport::ApiProxy { client, namespace: namespace.into(), resource: "pods", name: pod.into(), port };
        PrometheusApi { transport, what: "Prometheus", pods: None, timeout: REQUEST_TIMEOUT }
    }

    /// Reach Prometheus over plain HTTP(S) at `base_url` (which may carry a `--web.route-prefix` path).
    pub fn direct(base_url: &str) -> Result<Self, Failure> {
        let bad = |why: String| {
            Failure::bad_input(format!(
                "invalid Prometheus URL {base_url:?}: {why}; expected something like http://127.0.0.1:9090"
            ))
        };
        let url = reqwest::Url::parse(base_url).map_err(|e| bad(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(format!("the scheme must be http or https, not {:?}", url.scheme())));
        }
        let Some(host) = url.host_str() else {
            return Err(bad("it has no host".into()));
        };
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("it must not have a query or fragment".into()));
        }
        ensure_tls_provider();
        let mut builder = reqwest::Client::builder().connect_timeout(CONNECT_TIMEOUT);
        // A port-forward is always local: an HTTP_PROXY from the environment must not swallow it.
        if matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| bad(crate::error::message_of(&e)))?;
        let base_url = url.as_str().trim_end_matches('/').to_string();
        Ok(PrometheusApi {
            transport: Transport::Direct { http, base_url },
            what: "Prometheus",
            pods: None,
            timeout: REQUEST_TIMEOUT,
        })
    }

    /// The same client, named as `what` in its messages ("Alertmanager", "the storage engine").
    pub fn serving(mut self, what: &'static str) -> Self {
        self.what = what;
        self
    }

    /// The same client, with each request bounded by `timeout` instead of 30 s.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The HTTP status of `GET /path`, whatever it is; `Err` only when no answer arrived.
    pub async fn status(&self, path: &str) -> Result<u16, Failure> {
        Ok(self.send(Method::GET, path.trim_start_matches('/')).await?.status)
    }

    /// The same client, whose "cannot reach" hint lists the pods of `selector`.
    pub fn with_pods(mut self, selector: &str) -> Self {
        self.pods = Some(selector.to_string());
        self
    }

    /// Where requests go, for messages: "service proxy jewelry-shop/prometheus:9090" or the base URL.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::ApiProxy { namespace, resource, name, port, .. } => {
                let kind = if *resource == "pods" { "pod" } else { "service" };
                format!("{kind} proxy {namespace}/{name}:{port}")
            }
            Transport::Direct { base_url, .. } => base_url.clone(),
        }
    }

    /// `GET /-/healthy` answers 200.
    pub async fn healthy(&self) -> Result<(), anyhow::Error> {
        self.expect_200("-/healthy", "healthy").await
    }

    /// `GET /-/ready` answers 200 (503 while Prometheus replays its WAL after a start).
    pub async fn ready(&self) -> Result<(), anyhow::Error> {
        self.expect_200("-/ready", "ready").await
    }

    /// The active targets folded into a [`TargetTally`] as the answer arrives, `GET
    /// /api/v1/targets?state=active`: memory stays that of a few targets, whatever their number.
    pub async fn target_tally(&self) -> anyhow::Result<TargetTally> {
        self.fold_targets(TargetTally::default(), TargetTally::add).await
    }

    /// The scrape URLs of the active targets of `jobs`, by job, read as the answer arrives (the other
    /// jobs' targets are never held).
    pub async fn target_urls_of(&self, jobs: BTreeSet<String>) -> anyhow::Result<BTreeMap<String, BTreeSet<String>>> {
        let keep = |(jobs, urls): &mut (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>), target: Target| {
            if jobs.contains(target.job()) {
                urls.entry(target.job().to_string()).or_default().insert(target.scrape_url);
            }
        };
        Ok(self.fold_targets((jobs, BTreeMap::new()), keep).await?.1)
    }

    /// Every active target, `GET /api/v1/targets?state=active`. Its memory grows with the number of
    /// targets: validate and doctor use [`Self::target_tally`].
    pub async fn targets(&self) -> anyhow::Result<Vec<Target>> {
        self.fold_targets(Vec::new(), Vec::push).await
    }

    /// Each active target handed to `fold` as it is read from the body, on a blocking thread fed
    /// with the body's chunks: the answer is never held whole (60 MB for 100,000 targets).
    async fn fold_targets<S: Send + 'static>(&self, state: S, fold: fn(&mut S, Target)) -> anyhow::Result<S> {
        const PATH: &str = "api/v1/targets?state=active";
        const ENDPOINT: &str = "GET /api/v1/targets";
        let attempt = async {
            let mut answer = self.open(Method::GET, PATH).await?;
            if answer.status != 200 {
                let reply = answer.into_reply().await.map_err(|e| self.cannot_reach(&*e))?;
                if matches!(reply.status, 401 | 403 | 407) {
                    return Err(self.not_allowed(ENDPOINT, &reply));
                }
                return Err(match parse_api_response::<serde::de::IgnoredAny>(reply.status, &reply.body) {
                    Err(f) => self.failure(f.kind, ENDPOINT, &f.message),
                    Ok(_) => self.unexpected(ENDPOINT, &reply),
                });
            }
            // A few chunks in flight at most; dropping the sender (a timeout drops this future) ends
            // the reader with the body unfinished, so the blocking thread never outlives the request.
            let (sender, chunks) = tokio::sync::mpsc::channel(8);
            let reader = tokio::task::spawn_blocking(move || {
                let mut state = state;
                let reader = std::io::BufReader::with_capacity(64 * 1024, ChunkReader::new(chunks));
                read_targets_answer(reader, &mut |target| fold(&mut state, target)).map(|()| state)
            });
            let pump = async {
                while let Some(chunk) = answer.chunk().await.transpose() {
                    let failed = chunk.is_err();
                    if sender.send(chunk).await.is_err() || failed {
                        break;
                    }
                }
                drop(sender);
            };
            let ((), read) = tokio::join!(pump, reader);
            let read = read.map_err(|e| Failure::check_failed(format!("reading the targets stopped: {e}")))?;
            read.map_err(|f| match f.kind {
                FailureKind::Unreachable => self.unreachable(&f.message),
                kind => self.failure(kind, ENDPOINT, &f.message),
            })
        };
        // The answer grows with the targets (60 MB for 100,000, which Prometheus takes tens of seconds
        // to write on a small machine): it gets longer than one request's bound, never less.
        let bound = self.timeout.max(TARGETS_TIMEOUT);
        let limit = bound.as_secs();
        let state = tokio::time::timeout(bound, attempt)
            .await
            .unwrap_or_else(|_| Err(self.unreachable(&format!("no answer to /{PATH} within {limit} s"))))?;
        Ok(state)
    }

    /// `GET /api/v1/status/runtimeinfo`: whether the last reload succeeded, and when the config was loaded.
    pub async fn runtime_info(&self) -> anyhow::Result<RuntimeInfo> {
        self.api_get("api/v1/status/runtimeinfo").await
    }

    /// An instant query's vector: each series' labels and value (an empty vector for no data).
    pub async fn query_vector(&self, expr: &str) -> anyhow::Result<Vec<(BTreeMap<String, String>, f64)>> {
        let path = format!("api/v1/query?query={}", encode_query(expr));
        let data: VectorData = self.api_get(&path).await?;
        Ok(data.samples())
    }

    /// `GET /metrics`: the server's own metrics in the text format (Alertmanager's config hash).
    pub async fn metrics_text(&self) -> anyhow::Result<String> {
        let reply = self.send(Method::GET, "metrics").await?;
        match reply.status {
            200 => Ok(reply.body),
            401 | 403 | 407 => Err(self.not_allowed("GET /metrics", &reply).into()),
            _ => Err(self.failure(FailureKind::CheckFailed, "GET /metrics", &answered(&reply)).into()),
        }
    }

    /// The loaded rule groups with each rule's health and alerts, `GET /api/v1/rules`.
    pub async fn rules(&self) -> anyhow::Result<Vec<RuleGroupState>> {
        #[derive(Deserialize)]
        struct Data {
            groups: Vec<RuleGroupState>,
        }
        let data: Data = self.api_get("api/v1/rules").await?;
        Ok(data.groups)
    }

    /// Pending and firing alerts, `GET /api/v1/alerts`.
    pub async fn alerts(&self) -> anyhow::Result<Vec<ActiveAlert>> {
        #[derive(Deserialize)]
        struct Data {
            alerts: Vec<ActiveAlert>,
        }
        let data: Data = self.api_get("api/v1/alerts").await?;
        Ok(data.alerts)
    }

    /// The Alertmanagers Prometheus sends to, `GET /api/v1/alertmanagers`.
    pub async fn alertmanagers(&self) -> anyhow::Result<AlertmanagerTargets> {
        self.api_get("api/v1/alertmanagers").await
    }

    /// The configuration Prometheus is running, `GET /api/v1/status/config`.
    ///
    /// This is Prometheus's re-serialisation (defaults filled in, secrets shown as `<secret>`), not the
    /// file as written: compare parsed and normalised, never byte for byte.
    pub async fn config(&self) -> anyhow::Result<String> {
        #[derive(Deserialize)]
        struct Data {
            yaml: String,
        }
        let data: Data = self.api_get("api/v1/status/config").await?;
        Ok(data.yaml)
    }

    /// `POST /-/reload`. Prometheus answers only after the reload finished, so 200 means it took effect.
    pub async fn reload(&self) -> Result<(), ReloadError> {
        let other = |failure: Failure| ReloadError::Other(failure.into());
        let reply = self.send(Method::POST, "-/reload").await.map_err(other)?;
        match reply.status {
            200..=299 => Ok(()),
            403 => Err(ReloadError::LifecycleDisabled),
            500 => Err(ReloadError::Rejected(reply.body.trim().to_string())),
            401 | 407 => Err(other(self.not_allowed("POST /-/reload", &reply))),
            _ => Err(other(self.unexpected("POST /-/reload", &reply))),
        }
    }

    /// An instant query, `GET /api/v1/query?query=...`, at Prometheus's current time.
    pub async fn query(&self, expr: &str) -> anyhow::Result<QueryResult> {
        let path = format!("api/v1/query?query={}", encode_query(expr));
        let data: serde_json::Value = self.api_get(&path).await?;
        query_result(&data).map_err(|why| self.failure(FailureKind::CheckFailed, "GET /api/v1/query", &why).into())
    }

    async fn expect_200(&self, path: &str, what: &str) -> anyhow::Result<()> {
        let endpoint = format!("GET /{path}");
        let reply = self.send(Method::GET, path).await?;
        match reply.status {
            200 => Ok(()),
            401 | 403 | 407 => Err(self.not_allowed(&endpoint, &reply).into()),
            _ => {
                let why = format!("not {what}: {}", answered(&reply));
                Err(self.failure(FailureKind::CheckFailed, &endpoint, &why).into())
            }
        }
    }

    async fn api_get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let endpoint = format!("GET /{}", path.split('?').next().unwrap_or(path));
        let reply = self.send(Method::GET, path).await?;
        if matches!(reply.status, 401 | 403 | 407) {
            return Err(self.not_allowed(&endpoint, &reply).into());
        }
        parse_api_response(reply.status, &reply.body).map_err(|f| self.failure(f.kind, &endpoint, &f.message).into())
    }

    /// One request; `Err` means Prometheus's answer never arrived (transport, API server or timeout).
    async fn send(&self, method: Method, path: &str) -> Result<Reply, Failure> {
        let attempt = async {
            let answer = self.open(method, path).await?;
            answer.into_reply().await.map_err(|e| self.cannot_reach(&*e))
        };
        let limit = self.timeout.as_secs();
        tokio::time::timeout(self.timeout, attempt)
            .await
            .unwrap_or_else(|_| Err(self.unreachable(&format!("no answer to /{path} within {limit} s"))))
    }

    /// One request, up to its status: the body is read by the caller, chunk by chunk.
    async fn open(&self, method: Method, path: &str) -> Result<Answer, Failure> {
        match &self.transport {
            Transport::ApiProxy { client, namespace, resource, name, port } => {
                let uri = format!("/api/v1/namespaces/{namespace}/{resource}/{name}:{port}/proxy/{path}");
                self.open_via_proxy(client, method, &uri).await
            }
            Transport::Direct { http, base_url } => {
                let request = http.request(method, format!("{base_url}/{path}"));
                let response = request.send().await.map_err(|e| self.cannot_reach(&e))?;
                Ok(Answer { status: response.status().as_u16(), body: AnswerBody::Direct(response) })
            }
        }
    }

    async fn open_via_proxy(&self, client: &kube::Client, method: Method, uri: &str) -> Result<Answer, Failure> {
        let request = http::Request::builder()
            .method(method)
            .uri(uri)
            .body(kube::client::Body::empty())
            .map_err(|e| Failure::bad_input(format!("invalid request {uri}: {e}")))?;
        // The API server itself was not reached: Prometheus may well be fine.
        let response = client.send(request).await.map_err(|e| {
            Failure::unreachable(format!(
                "cannot reach the Kubernetes API server for the {}: {}; check --kubeconfig and --context",
                self.describe(),
                crate::error::message_of(&e)
            ))
        })?;
        let status = response.status().as_u16();
        let answer = Answer { status, body: AnswerBody::Proxy(response.into_body()) };
        if status < 400 {
            return Ok(answer);
        }
        // An error's body is small: read it to tell the API server's own errors from Prometheus's.
        let reply = answer.into_reply().await.map_err(|e| self.cannot_reach(&*e))?;
        match apiserver_error(status, &reply.body) {
            Some(message) => Err(self.unreachable(&message)),
            None => Ok(Answer { status, body: AnswerBody::Read(Some(reply.body.into_bytes().into())) }),
        }
    }

    fn cannot_reach(&self, err: &(dyn std::error::Error + 'static)) -> Failure {
        self.unreachable(&crate::error::message_of(err))
    }

    fn unreachable(&self, why: &str) -> Failure {
        let what = self.what;
        // Only Prometheus is chosen by --prometheus-url; Alertmanager and the engine have flags of their own.
        let prometheus = what == "Prometheus";
        let hint = match (&self.transport, &self.pods) {
            (Transport::ApiProxy { namespace, .. }, pods) => {
                let selector = pods.as_deref().map(|p| format!(" -l {p}")).unwrap_or_default();
                let or = if prometheus { "; or pass --prometheus-url" } else { "" };
                format!("is its pod Ready? `kubectl get pods -n {namespace}{selector}` shows it{or}")
            }
            (Transport::Direct { .. }, _) if prometheus => {
                "is Prometheus listening at that address? drop --prometheus-url to go through the API server".into()
            }
            (Transport::Direct { .. }, _) => format!("is {what} listening at that address?"),
        };
        let target = self.describe();
        Failure::unreachable(format!("cannot reach {what} through {target}: {why}; {hint}"))
    }

    /// A 401, 403 or 407 from whatever stands in front of Prometheus (an auth proxy, say).
    fn not_allowed(&self, endpoint: &str, reply: &Reply) -> Failure {
        let why = format!("{endpoint} {}: not authenticated or not allowed", answered(reply));
        self.unreachable(&why)
    }

    fn unexpected(&self, endpoint: &str, reply: &Reply) -> Failure {
        let why = format!("unexpected answer: {}", answered(reply));
        self.failure(FailureKind::CheckFailed, endpoint, &why)
    }

    fn failure(&self, kind: FailureKind, endpoint: &str, why: &str) -> Failure {
        Failure::new(kind, format!("{endpoint} on {} ({}): {why}", self.what, self.describe()))
    }
}

fn answered(reply: &Reply) -> String {
    match reply.body.trim() {
        "" => format!("answered {}", reply.status),
        body => format!("answered {}: {body}", reply.status),
    }
}

impl fmt::Debug for PrometheusApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PrometheusApi").field(&self.describe()).finish()
    }
}

/// The `data` of an instant query answering a vector, as Prometheus sends it.
#[derive(Debug, Deserialize)]
pub struct VectorData {
    result: Vec<VectorSample>,
}

#[derive(Debug, Deserialize)]
struct VectorSample {
    metric: BTreeMap<String, String>,
    value: (f64, String),
}

impl VectorData {
    /// Each series' labels and value (NaN where the value is not a number).
    pub fn samples(self) -> Vec<(BTreeMap<String, String>, f64)> {
        self.result.into_iter().map(|s| (s.metric, s.value.1.parse().unwrap_or(f64::NAN))).collect()
    }
}

/// Why `POST /-/reload` did not reload.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// 403: Prometheus runs without `--web.enable-lifecycle`; SIGHUP is the way left.
    #[error(
        "Prometheus refused POST /-/reload (403): its lifecycle API is off; start it with --web.enable-lifecycle, or reload with SIGHUP"
    )]
    LifecycleDisabled,
    /// 500: Prometheus rejected the new configuration (its own message) and keeps running the old one.
    #[error("Prometheus rejected the new configuration and keeps running the previous one: {0}")]
    Rejected(String),
    /// The server was not reached, or answered something else. Its cause is the `source`, so that
    /// `error::kind_of` finds the `Failure` inside (unreachable: exit 3).
    #[error("POST /-/reload failed")]
    Other(#[source] anyhow::Error),
}

/// One active scrape target, as `/api/v1/targets` reports it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// The scrape config's `job_name`.
    #[serde(default)]
    pub scrape_pool: String,
    pub scrape_url: String,
    pub health: Health,
    /// Empty while the target is up.
    #[serde(default)]
    pub last_error: String,
    /// RFC 3339; Go's zero time (`0001-01-01T00:00:00Z`) until the first scrape.
    #[serde(default)]
    pub last_scrape: String,
    /// Seconds.
    #[serde(default)]
    pub last_scrape_duration: f64,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    // discoveredLabels is not read: on a large Prometheus it is most of the response, and skipping it
    // keeps validate's memory small.
    /// Prometheus >= 2.37 reports it ("15s").
    #[serde(default)]
    pub scrape_interval: Option<String>,
    #[serde(default)]
    pub scrape_timeout: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Up,
    Down,
    #[serde(other)]
    Unknown,
}

impl Target {
    /// The job this target belongs to: its scrape pool, else its `job` label.
    pub fn job(&self) -> &str {
        if self.scrape_pool.is_empty() { self.labels.get("job").map_or("", String::as_str) } else { &self.scrape_pool }
    }

    /// `None` before the first scrape.
    pub fn last_scrape_time(&self) -> Option<SystemTime> {
        parse_rfc3339(&self.last_scrape)
    }

    /// How long ago the last scrape was; `None` before the first one. Clock skew never makes it negative.
    pub fn last_scrape_age(&self, now: SystemTime) -> Option<Duration> {
        let at = self.last_scrape_time()?;
        Some(now.duration_since(at).unwrap_or(Duration::ZERO))
    }
}

/// One loaded rule group, as `/api/v1/rules` reports it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleGroupState {
    pub name: String,
    /// The rule file's path as Prometheus resolved it (`/etc/prometheus/rules-shop-1a2b3c4d.yml`).
    pub file: String,
    #[serde(default)]
    pub rules: Vec<RuleState>,
    /// RFC 3339; Go's zero time before the first evaluation.
    #[serde(default)]
    pub last_evaluation: String,
    /// Seconds between evaluations.
    #[serde(default)]
    pub interval: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleState {
    pub name: String,
    /// `alerting` or `recording`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `ok`, `err` or `unknown` (not evaluated yet).
    pub health: String,
    #[serde(default)]
    pub last_error: String,
    #[serde(default)]
    pub last_evaluation: String,
    /// The rule's expression, as Prometheus parsed and printed it.
    #[serde(default)]
    pub query: String,
}

/// A pending or firing alert from `/api/v1/alerts`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveAlert {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `pending` or `firing`.
    pub state: String,
    /// RFC 3339: since when the alert's expression has been true.
    #[serde(default)]
    pub active_at: Option<String>,
}

impl ActiveAlert {
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map_or("", String::as_str)
    }
}

/// From `/api/v1/alertmanagers`: where alerts go, and where they no longer go.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerTargets {
    #[serde(default)]
    pub active_alertmanagers: Vec<AlertmanagerUrl>,
    #[serde(default)]
    pub dropped_alertmanagers: Vec<AlertmanagerUrl>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AlertmanagerUrl {
    pub url: String,
}

/// From `/api/v1/status/runtimeinfo`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeInfo {
    /// False when the last reload (HTTP or SIGHUP) failed; Prometheus then keeps the previous config.
    pub reload_config_success: bool,
    /// RFC 3339, whole seconds: when the running config was loaded (a failed reload leaves it unchanged).
    pub last_config_time: String,
    /// Prometheus's own clock (recent versions only), to compare against `last_config_time` without skew.
    #[serde(default)]
    pub server_time: Option<String>,
}

impl RuntimeInfo {
    pub fn last_config_time_parsed(&self) -> Option<SystemTime> {
        parse_rfc3339(&self.last_config_time)
    }

    pub fn server_time_parsed(&self) -> Option<SystemTime> {
        parse_rfc3339(self.server_time.as_deref()?)
    }
}

/// The shape of an instant query's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryResult {
    /// "vector", "matrix", "scalar" or "string".
    pub result_type: String,
    /// Series in a vector or matrix; 1 for a scalar or string.
    pub series: usize,
}

fn query_result(data: &serde_json::Value) -> Result<QueryResult, String> {
    let result_type = data["resultType"].as_str().ok_or("the answer has no data.resultType")?.to_string();
    let series = match &data["result"] {
        serde_json::Value::Array(items) if matches!(result_type.as_str(), "vector" | "matrix") => items.len(),
        serde_json::Value::Null => 0,
        _ => 1,
    };
    Ok(QueryResult { result_type, series })
}

/// What a job must have to count as healthy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct JobExpectation {
    pub job: String,
    #[serde(default = "one")]
    pub min_targets: usize,
}

fn one() -> usize {
    1
}

impl JobExpectation {
    /// At least one target, all up.
    pub fn new(job: impl Into<String>) -> Self {
        JobExpectation { job: job.into(), min_targets: 1 }
    }
}

/// One row of the per-job table.
#[derive(Debug, Clone, Serialize)]
pub struct JobHealth {
    pub job: String,
    pub up: usize,
    pub down: usize,
    pub unknown: usize,
    pub min_targets: usize,
    pub scrape_interval: Option<String>,
    /// Age of the stalest scrape among the job's scraped targets.
    #[serde(rename = "last_scrape_age_seconds", serialize_with = "seconds")]
    pub last_scrape_age: Option<Duration>,
    /// The down targets grouped by error, most frequent first, a few examples each.
    pub down_errors: Vec<ErrorGroup>,
    /// Down targets whose error is none of `down_errors` (only when a job fails in more than
    /// [`ERROR_KINDS_KEPT`] ways).
    pub down_other_errors: usize,
    pub verdict: JobVerdict,
}

/// A down target, as kept for an example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DownTarget {
    pub scrape_url: String,
    pub last_error: String,
    /// `namespace/pod` (or `namespace/service`) from its labels, when it has them: what doctor names.
    #[serde(skip)]
    pub owner: Option<String>,
}

/// Down targets that fail the same way, for a summary a person and a CI log can read: 10,000 down
/// targets are a handful of causes, not 10,000 lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorGroup {
    /// The error with the target's own address replaced by `<target>`.
    pub error: String,
    pub count: usize,
    /// The first [`EXAMPLES_KEPT`] targets failing this way.
    pub examples: Vec<DownTarget>,
}

/// Examples kept per job and error.
pub const EXAMPLES_KEPT: usize = 3;
/// Kinds of error kept per job; the down targets failing in yet other ways are only counted.
pub const ERROR_KINDS_KEPT: usize = 20;
/// Up to this many targets, their (job, scrape URL) pairs are kept, so that replicas that disagree
/// can name the targets; beyond it, each job's count and digest only.
pub const TARGETS_LISTED: usize = 1_000;

/// The active targets, folded one at a time as `/api/v1/targets` arrives: counts per job and a few
/// examples of each way a job's targets are down, never the list itself, so that validate's memory
/// is the same for 100 targets and 100,000.
#[derive(Debug, Clone, Default)]
pub struct TargetTally {
    jobs: BTreeMap<String, JobTally>,
    /// Which targets there are, for comparing HA replicas.
    pub set: TargetSet,
}

/// One job's targets, folded.
#[derive(Debug, Clone, Default)]
struct JobTally {
    up: usize,
    down: usize,
    unknown: usize,
    scrape_interval: Option<String>,
    /// The oldest last scrape among its scraped targets.
    oldest_scrape: Option<SystemTime>,
    /// In order of first appearance.
    errors: Vec<ErrorGroup>,
    index: HashMap<String, usize>,
    other_errors: usize,
}

impl TargetTally {
    /// Folds in one target.
    pub fn add(&mut self, target: Target) {
        self.set.insert(target.job(), &target.scrape_url);
        let job = self.jobs.entry(target.job().to_string()).or_default();
        match target.health {
            Health::Up => job.up += 1,
            Health::Down => job.down += 1,
            Health::Unknown => job.unknown += 1,
        }
        if job.scrape_interval.is_none() {
            job.scrape_interval.clone_from(&target.scrape_interval);
        }
        if let Some(at) = target.last_scrape_time() {
            job.oldest_scrape = Some(job.oldest_scrape.map_or(at, |oldest| oldest.min(at)));
        }
        if target.health == Health::Down {
            job.add_down(target);
        }
    }

    /// How many active targets there are.
    pub fn total(&self) -> usize {
        self.set.total
    }

    /// How many are up.
    pub fn up(&self) -> usize {
        self.jobs.values().map(|j| j.up).sum()
    }

    /// Each job's down targets by error (most frequent first), jobs by name.
    pub fn down_errors(&self) -> impl Iterator<Item = (&str, ErrorGroup)> {
        self.jobs.iter().flat_map(|(job, tally)| tally.groups().into_iter().map(move |g| (job.as_str(), g)))
    }
}

impl FromIterator<Target> for TargetTally {
    fn from_iter<I: IntoIterator<Item = Target>>(targets: I) -> Self {
        let mut tally = TargetTally::default();
        targets.into_iter().for_each(|t| tally.add(t));
        tally
    }
}

impl JobTally {
    fn add_down(&mut self, target: Target) {
        let error = without_address(&target.last_error, &target.scrape_url);
        let at = match self.index.get(&error) {
            Some(&at) => at,
            None if self.errors.len() < ERROR_KINDS_KEPT => {
                self.errors.push(ErrorGroup { error: error.clone(), count: 0, examples: Vec::new() });
                self.index.insert(error, self.errors.len() - 1);
                self.errors.len() - 1
            }
            None => {
                self.other_errors += 1;
                return;
            }
        };
        let group = &mut self.errors[at];
        group.count += 1;
        if group.examples.len() < EXAMPLES_KEPT {
            let owner =
                match (target.labels.get("namespace"), target.labels.get("pod").or(target.labels.get("service"))) {
                    (Some(namespace), Some(name)) => Some(format!("{namespace}/{name}")),
                    _ => None,
                };
            group.examples.push(DownTarget { scrape_url: target.scrape_url, last_error: target.last_error, owner });
        }
    }

    /// Most frequent first, ties in order of first appearance.
    fn groups(&self) -> Vec<ErrorGroup> {
        let mut groups = self.errors.clone();
        groups.sort_by_key(|g| std::cmp::Reverse(g.count));
        groups
    }
}

/// Which targets a Prometheus scrapes, in bounded memory: per job a count and an order-independent
/// digest of the scrape URLs, and the (job, URL) pairs themselves while there are at most
/// [`TARGETS_LISTED`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSet {
    /// Job -> (targets, wrapping sum of their URLs' hashes).
    pub jobs: BTreeMap<String, (usize, u64)>,
    pub listed: Option<BTreeSet<(String, String)>>,
    pub total: usize,
}

impl Default for TargetSet {
    fn default() -> Self {
        TargetSet { jobs: BTreeMap::new(), listed: Some(BTreeSet::new()), total: 0 }
    }
}

impl TargetSet {
    pub fn insert(&mut self, job: &str, scrape_url: &str) {
        use std::hash::{Hash, Hasher};
        // SipHash with fixed keys: the same URL hashes the same for every replica of this run.
        let mut hasher = std::hash::DefaultHasher::new();
        scrape_url.hash(&mut hasher);
        let entry = self.jobs.entry(job.to_string()).or_default();
        entry.0 += 1;
        entry.1 = entry.1.wrapping_add(hasher.finish());
        self.total += 1;
        if self.total > TARGETS_LISTED {
            self.listed = None;
        } else if let Some(listed) = &mut self.listed {
            listed.insert((job.to_string(), scrape_url.to_string()));
        }
    }
}

/// `error` with the target's URL and host:port replaced, so that the same failure on two targets
/// reads the same.
fn without_address(error: &str, scrape_url: &str) -> String {
    let host_port = scrape_url.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or_default();
    let mut text = error.replace(scrape_url, "<target>");
    if !host_port.is_empty() {
        text = text.replace(host_port, "<target>");
    }
    text
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobVerdict {
    /// At least `min_targets` targets, all up.
    Healthy,
    /// No active target at all: discovery found nothing, or relabelling dropped everything.
    NoTargets,
    /// All up, but fewer than `min_targets`.
    TooFewTargets,
    /// At least one target is down.
    TargetsDown,
    /// Some targets not scraped yet and none down: worth waiting for.
    Pending,
}

impl fmt::Display for JobVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JobVerdict::Healthy => "healthy",
            JobVerdict::NoTargets => "no active targets",
            JobVerdict::TooFewTargets => "too few targets",
            JobVerdict::TargetsDown => "targets down",
            JobVerdict::Pending => "not scraped yet",
        })
    }
}

/// One row per expected job (in the order given, duplicates ignored), then one per other job that has
/// targets (by name, expecting at least one target). A job without targets is always `NoTargets`.
pub fn evaluate_jobs(targets: &TargetTally, expected: &[JobExpectation], now: SystemTime) -> Vec<JobHealth> {
    let mut rows: Vec<JobHealth> = Vec::new();
    for expectation in expected {
        if !rows.iter().any(|row| row.job == expectation.job) {
            let tally = targets.jobs.get(&expectation.job);
            rows.push(job_health(&expectation.job, expectation.min_targets, tally, now));
        }
    }
    let others = targets.jobs.iter().filter(|(job, _)| !expected.iter().any(|e| &e.job == *job));
    rows.extend(others.map(|(job, tally)| job_health(job, 1, Some(tally), now)));
    rows
}

fn job_health(job: &str, min_targets: usize, tally: Option<&JobTally>, now: SystemTime) -> JobHealth {
    let empty = JobTally::default();
    let tally = tally.unwrap_or(&empty);
    let (up, down, unknown) = (tally.up, tally.down, tally.unknown);
    let verdict = if up + down + unknown == 0 {
        JobVerdict::NoTargets
    } else if down > 0 {
        JobVerdict::TargetsDown
    } else if unknown > 0 {
        JobVerdict::Pending
    } else if up < min_targets {
        JobVerdict::TooFewTargets
    } else {
        JobVerdict::Healthy
    };
    JobHealth {
        job: job.to_string(),
        up,
        down,
        unknown,
        min_targets,
        scrape_interval: tally.scrape_interval.clone(),
        // Clock skew never makes it negative.
        last_scrape_age: tally.oldest_scrape.map(|at| now.duration_since(at).unwrap_or(Duration::ZERO)),
        down_errors: tally.groups(),
        down_other_errors: tally.other_errors,
        verdict,
    }
}
/// No job is still waiting for its first scrapes.
pub fn all_settled(jobs: &[JobHealth]) -> bool {
    jobs.iter().all(|job| job.verdict != JobVerdict::Pending)
}

/// Every job is healthy (true for no jobs: the caller decides whether an empty list is acceptable).
pub fn all_healthy(jobs: &[JobHealth]) -> bool {
    jobs.iter().all(|job| job.verdict == JobVerdict::Healthy)
}

fn seconds<S: Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(d) => s.serialize_some(&d.as_secs_f64()),
        None => s.serialize_none(),
    }
}

/// The `data` of a Prometheus API answer, or a `Failure` with Prometheus's own message:
/// `bad_data` (a bad expression or parameter) is bad input, any other API error a failed check.
fn parse_api_response<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, Failure> {
    // `data` straight into T, never through a serde_json::Value: 10,000 targets as a JSON tree took
    // tens of MB, most of it for fields promctl never reads.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Envelope<D> {
        status: String,
        #[serde(default = "Option::default")]
        data: Option<D>,
        #[serde(default)]
        error_type: String,
        #[serde(default)]
        error: String,
    }
    let envelope: Envelope<T> = match serde_json::from_str(body) {
        Ok(envelope) => envelope,
        Err(e) => {
            // Not the API's JSON at all, or `data` of another shape (an error's): tell which.
            return Err(match serde_json::from_str::<Envelope<serde::de::IgnoredAny>>(body) {
                Ok(other) if other.status != "success" => api_error(&other.error, &other.error_type),
                Ok(_) => Failure::check_failed(format!("unexpected data in the answer: {e}")),
                Err(e) => {
                    let shown: String = body.trim().chars().take(300).collect();
                    Failure::check_failed(format!(
                        "answered {status} with something other than the API's JSON ({e}): {shown}"
                    ))
                }
            });
        }
    };
    if envelope.status != "success" {
        return Err(api_error(&envelope.error, &envelope.error_type));
    }
    envelope.data.ok_or_else(|| Failure::check_failed("unexpected data in the answer: no data"))
}

/// Reads an `/api/v1/targets` answer from `reader`, handing each active target to `fold` as soon as it
/// is parsed: memory is that of one target, whatever their number. `droppedTargets` and every other
/// field are skipped unread. A failure reading `reader` is `Unreachable`; an answer that is not the
/// API's JSON, or an API error, is what [`parse_api_response`] says it is.
pub fn read_targets_answer(reader: impl std::io::Read, fold: &mut dyn FnMut(Target)) -> Result<(), Failure> {
    let mut json = serde_json::Deserializer::from_reader(reader);
    let envelope = TargetsEnvelope { fold }.deserialize(&mut json).and_then(|envelope| {
        json.end()?;
        Ok(envelope)
    });
    let (status, error, error_type) = match envelope {
        Ok(envelope) => envelope,
        Err(e) if e.is_io() => return Err(Failure::unreachable(format!("the answer broke off: {e}"))),
        Err(e) => return Err(Failure::check_failed(format!("something other than the API's JSON: {e}"))),
    };
    match status.as_str() {
        "success" => Ok(()),
        _ => Err(api_error(&error, &error_type)),
    }
}

/// `{"status": ..., "data": {"activeTargets": [...], ...}, "error": ..., "errorType": ...}`, in any
/// order, each active target folded as it is read; the value is (status, error, errorType).
struct TargetsEnvelope<'f> {
    fold: &'f mut dyn FnMut(Target),
}

impl<'de> DeserializeSeed<'de> for TargetsEnvelope<'_> {
    type Value = (String, String, String);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TargetsEnvelope<'_> {
    type Value = (String, String, String);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the API's answer, an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut status, mut error, mut error_type) = (String::new(), String::new(), String::new());
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "status" => status = map.next_value()?,
                "error" => error = map.next_value()?,
                "errorType" => error_type = map.next_value()?,
                "data" => map.next_value_seed(TargetsData { fold: &mut *self.fold })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if status.is_empty() {
            return Err(serde::de::Error::missing_field("status"));
        }
        Ok((status, error, error_type))
    }
}

/// The answer's `data` (null in an error's answer): only `activeTargets` is read.
struct TargetsData<'f> {
    fold: &'f mut dyn FnMut(Target),
}

impl<'de> DeserializeSeed<'de> for TargetsData<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for TargetsData<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the targets, an object")
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "activeTargets" {
                map.next_value_seed(ActiveTargets { fold: &mut *self.fold })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `activeTargets`: each element deserialised on its own and folded, never collected.
struct ActiveTargets<'f> {
    fold: &'f mut dyn FnMut(Target),
}

impl<'de> DeserializeSeed<'de> for ActiveTargets<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ActiveTargets<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the active targets, a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(target) = seq.next_element::<Target>()? {
            (self.fold)(target);
        }
        Ok(())
    }
}

fn api_error(error: &str, error_type: &str) -> Failure {
    let message = format!("{error} ({error_type})");
    match error_type {
        "bad_data" => Failure::bad_input(message),
        _ => Failure::check_failed(message),
    }
}

/// The API server's message when it, not Prometheus, answered: its errors are a `Status` object
/// (no endpoints, cannot dial the pod, forbidden, service not found). Prometheus never sends one.
fn apiserver_error(status: u16, body: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Status {
        kind: String,
        #[serde(default)]
        message: String,
    }
    if status < 400 {
        return None;
    }
    let parsed: Status = serde_json::from_str(body).ok()?;
    (parsed.kind == "Status").then(|| format!("the API server answered {status}: {}", parsed.message))
}

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters pass through).
/// `value` as a query parameter (application/x-www-form-urlencoded, which Prometheus's Go server reads).
fn encode_query(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Parses an RFC 3339 timestamp as Prometheus writes them ("2024-05-14T09:30:12.481516234Z",
/// "2019-11-02T17:23:59+01:00") with jiff (already in the tree through k8s-openapi). `None` if
/// malformed or before 1970, which covers Go's zero time (`0001-01-01T00:00:00Z`).
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let at: k8s_openapi::jiff::Timestamp = text.parse().ok()?;
    let time = SystemTime::from(at);
    (time >= UNIX_EPOCH).then_some(time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    const TARGETS: &str = include_str!("../tests/fixtures/prometheus/targets.json");
    const RUNTIMEINFO: &str = include_str!("../tests/fixtures/prometheus/runtimeinfo.json");
    const RUNTIMEINFO_RELOAD_FAILED: &str = include_str!("../tests/fixtures/prometheus/runtimeinfo_reload_failed.json");
    const CONFIG: &str = include_str!("../tests/fixtures/prometheus/config.json");
    const QUERY_VECTOR: &str = include_str!("../tests/fixtures/prometheus/query_vector.json");
    const QUERY_SCALAR: &str = include_str!("../tests/fixtures/prometheus/query_scalar.json");
    const ERROR_BAD_DATA: &str = include_str!("../tests/fixtures/prometheus/error_bad_data.json");
    const ERROR_EXECUTION: &str = include_str!("../tests/fixtures/prometheus/error_execution.json");
    const APISERVER_NO_ENDPOINTS: &str = include_str!("../tests/fixtures/prometheus/apiserver_no_endpoints.json");
    const APISERVER_FORBIDDEN: &str = include_str!("../tests/fixtures/prometheus/apiserver_forbidden.json");
    const RELOAD_REJECTED: &str = include_str!("../tests/fixtures/prometheus/reload_rejected.txt");
    const RELOAD_LIFECYCLE_DISABLED: &str = include_str!("../tests/fixtures/prometheus/reload_lifecycle_disabled.txt");

    fn at(text: &str) -> SystemTime {
        parse_rfc3339(text).unwrap_or_else(|| panic!("bad timestamp {text}"))
    }

    fn fixture_targets() -> Vec<Target> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            active_targets: Vec<Target>,
        }
        parse_api_response::<Data>(200, TARGETS).unwrap().active_targets
    }

    fn tally(targets: Vec<Target>) -> TargetTally {
        targets.into_iter().collect()
    }

    fn row<'a>(rows: &'a [JobHealth], job: &str) -> &'a JobHealth {
        rows.iter().find(|r| r.job == job).unwrap_or_else(|| panic!("no row for {job}"))
    }

    fn expect(jobs: &[&str]) -> Vec<JobExpectation> {
        jobs.iter().map(|job| JobExpectation::new(*job)).collect()
    }

    // ---- parsing ----

    #[test]
    fn parses_targets_with_health_and_last_error() {
        let targets = fixture_targets();
        assert_eq!(targets.len(), 8);
        let postgres = targets.iter().find(|t| t.job() == "postgres").unwrap();
        assert_eq!(postgres.health, Health::Down);
        assert!(postgres.last_error.ends_with("connect: connection refused"), "{}", postgres.last_error);
        assert_eq!(postgres.scrape_interval.as_deref(), Some("30s"));
        let redis = targets.iter().find(|t| t.job() == "redis").unwrap();
        assert_eq!(redis.health, Health::Unknown);
        assert_eq!(redis.last_scrape_time(), None, "Go's zero time means never scraped");
        let prometheus = &targets[0];
        assert_eq!(prometheus.health, Health::Up);
        assert_eq!(prometheus.labels["instance"], "localhost:9090");
        assert!((prometheus.last_scrape_duration - 0.004825361).abs() < 1e-12);
    }

    #[test]
    fn unknown_health_values_and_missing_optional_fields_are_tolerated() {
        let target: Target =
            serde_json::from_str(r#"{"scrapeUrl":"http://a:1/metrics","health":"weird","labels":{"job":"a"}}"#)
                .unwrap();
        assert_eq!(target.health, Health::Unknown);
        assert_eq!(target.scrape_interval, None);
        assert_eq!(target.job(), "a", "falls back to the job label without a scrape pool");
    }

    #[test]
    fn last_scrape_age_is_measured_from_now() {
        let targets = fixture_targets();
        let now = at("2024-05-14T09:30:20Z");
        let age = targets[0].last_scrape_age(now).unwrap();
        assert_eq!(age, Duration::new(7, 518_483_766));
        assert_eq!(targets[0].last_scrape_age(at("2024-05-14T09:30:00Z")), Some(Duration::ZERO), "skew");
    }

    #[test]
    fn parses_runtimeinfo_and_compares_config_times() {
        let after: RuntimeInfo = parse_api_response(200, RUNTIMEINFO).unwrap();
        assert!(after.reload_config_success);
        assert_eq!(after.last_config_time_parsed(), Some(at("2024-05-14T09:28:41Z")));
        assert!(after.server_time_parsed().unwrap() > after.last_config_time_parsed().unwrap());

        let before: RuntimeInfo = parse_api_response(200, RUNTIMEINFO_RELOAD_FAILED).unwrap();
        assert!(!before.reload_config_success);
        assert_eq!(before.server_time, None, "older Prometheus has no serverTime");
        assert_eq!(before.last_config_time_parsed(), Some(at("2017-01-17T14:02:01Z")));
        assert!(after.last_config_time_parsed() > before.last_config_time_parsed());
    }

    #[test]
    fn parses_config_yaml() {
        #[derive(Deserialize)]
        struct Data {
            yaml: String,
        }
        let data: Data = parse_api_response(200, CONFIG).unwrap();
        assert!(data.yaml.starts_with("global:\n  scrape_interval: 15s\n"));
        assert!(data.yaml.contains("- job_name: django\n"));
    }

    #[test]
    fn counts_query_series() {
        let vector: serde_json::Value = parse_api_response(200, QUERY_VECTOR).unwrap();
        assert_eq!(query_result(&vector), Ok(QueryResult { result_type: "vector".into(), series: 3 }));
        let scalar: serde_json::Value = parse_api_response(200, QUERY_SCALAR).unwrap();
        assert_eq!(query_result(&scalar), Ok(QueryResult { result_type: "scalar".into(), series: 1 }));
        let empty = serde_json::json!({"resultType": "vector", "result": []});
        assert_eq!(query_result(&empty).unwrap().series, 0);
    }

    #[test]
    fn bad_data_error_is_bad_input() {
        let err = parse_api_response::<serde_json::Value>(400, ERROR_BAD_DATA).unwrap_err();
        assert_eq!(err.kind, FailureKind::BadInput);
        assert!(err.message.contains("parse error: unexpected end of input"), "{}", err.message);
        assert!(err.message.contains("(bad_data)"), "{}", err.message);
    }

    #[test]
    fn other_api_errors_are_failed_checks() {
        let err = parse_api_response::<serde_json::Value>(422, ERROR_EXECUTION).unwrap_err();
        assert_eq!(err.kind, FailureKind::CheckFailed);
        assert!(err.message.contains("too many samples"), "{}", err.message);
        let err = parse_api_response::<serde_json::Value>(502, "<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(err.kind, FailureKind::CheckFailed);
        assert!(err.message.contains("answered 502"), "{}", err.message);
    }

    #[test]
    fn apiserver_status_bodies_are_told_apart_from_prometheus_answers() {
        let message = apiserver_error(503, APISERVER_NO_ENDPOINTS).unwrap();
        assert_eq!(message, r#"the API server answered 503: no endpoints available for service "prometheus""#);
        assert!(apiserver_error(403, APISERVER_FORBIDDEN).unwrap().contains("cannot get resource"));
        assert_eq!(apiserver_error(403, RELOAD_LIFECYCLE_DISABLED), None);
        assert_eq!(apiserver_error(400, ERROR_BAD_DATA), None);
        assert_eq!(apiserver_error(200, APISERVER_NO_ENDPOINTS), None);
    }

    #[test]
    fn query_expressions_are_percent_encoded() {
        assert_eq!(encode_query(r#"up{job="django"} == 0"#), "up%7Bjob%3D%22django%22%7D+%3D%3D+0");
        assert_eq!(encode_query("rate(x[5m])"), "rate%28x%5B5m%5D%29");
    }

    // ---- RFC 3339 ----

    #[test]
    fn parses_rfc3339_with_fractions_and_offsets() {
        let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(UNIX_EPOCH));
        assert_eq!(secs(at("2017-01-17T15:07:44.723715405+01:00")), Duration::new(1_484_662_064, 723_715_405));
        assert_eq!(at("2017-01-17T15:07:44.723715405+01:00"), at("2017-01-17T14:07:44.723715405Z"));
        assert_eq!(at("2024-05-14T04:00:12.5-05:30"), at("2024-05-14T09:30:12.500Z"));
        assert_eq!(secs(at("2024-05-14T09:30:12.481516234Z")).subsec_nanos(), 481_516_234);
        assert_eq!(secs(at("2024-02-29T00:00:00Z")).as_secs(), 1_709_164_800);
        assert_eq!(secs(at("2000-03-01T00:00:00Z")).as_secs(), 951_868_800);
        // A leap second is accepted (jiff reads :60 as :59, as most Unix time does).
        assert_eq!(secs(at("2016-12-31T23:59:60Z")).as_secs(), 1_483_228_799, "leap second");
    }

    #[test]
    fn rejects_malformed_rfc3339() {
        for bad in [
            "",
            "2024-05-14",
            "2024-05-14T09:30:12",
            "2024-05-14T09:30:12.Z",
            "2024-05-14T09:30:12+01:00 ",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-05-14T24:00:00Z",
            "2024/05/14T09:30:12Z",
            "2024-05-14T09:30:1éZ",
            "0001-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    // ---- evaluate_jobs ----

    #[test]
    fn job_with_zero_targets_is_a_failure_not_a_pass() {
        let rows =
            evaluate_jobs(&tally(fixture_targets()), &expect(&["prometheus", "kubernetes-nodes"]), SystemTime::now());
        let nodes = row(&rows, "kubernetes-nodes");
        assert_eq!(nodes.verdict, JobVerdict::NoTargets);
        assert_eq!((nodes.up, nodes.down, nodes.unknown), (0, 0, 0));
        assert!(!all_healthy(&rows));
        assert!(!all_healthy(&evaluate_jobs(&TargetTally::default(), &expect(&["django"]), SystemTime::now())));
    }

    #[test]
    fn down_target_reports_its_last_error() {
        let rows = evaluate_jobs(&tally(fixture_targets()), &expect(&["postgres"]), SystemTime::now());
        let postgres = row(&rows, "postgres");
        assert_eq!(postgres.verdict, JobVerdict::TargetsDown);
        assert_eq!(postgres.down, 1);
        assert_eq!(
            postgres.down_errors,
            vec![ErrorGroup {
                error: "Get \"<target>\": dial tcp 10.43.112.5:9187: connect: connection refused".into(),
                count: 1,
                examples: vec![DownTarget {
                    scrape_url: "http://postgres-exporter.jewelry-shop.svc:9187/metrics".into(),
                    last_error: "Get \"http://postgres-exporter.jewelry-shop.svc:9187/metrics\": \
                                 dial tcp 10.43.112.5:9187: connect: connection refused"
                        .into(),
                    owner: None,
                }],
            }]
        );
    }

    #[test]
    fn unknown_targets_are_pending() {
        let rows = evaluate_jobs(&tally(fixture_targets()), &expect(&["redis", "celery"]), SystemTime::now());
        assert_eq!(row(&rows, "redis").verdict, JobVerdict::Pending);
        let celery = row(&rows, "celery");
        assert_eq!((celery.up, celery.unknown, celery.verdict), (1, 1, JobVerdict::Pending));
        assert!(!all_settled(&rows));
        let scraped: Vec<Target> = fixture_targets().into_iter().filter(|t| t.health != Health::Unknown).collect();
        let rows = evaluate_jobs(&tally(scraped.clone()), &expect(&["postgres"]), SystemTime::now());
        assert!(all_settled(&rows), "a down job is settled: waiting will not help");
    }

    #[test]
    fn down_wins_over_pending() {
        let mut targets = fixture_targets();
        targets.iter_mut().filter(|t| t.job() == "celery").for_each(|t| t.scrape_pool = "postgres".into());
        let rows = evaluate_jobs(&tally(targets.clone()), &expect(&["postgres"]), SystemTime::now());
        assert_eq!(row(&rows, "postgres").verdict, JobVerdict::TargetsDown);
    }

    #[test]
    fn min_targets_tightens_expectation() {
        let targets = fixture_targets();
        let now = SystemTime::now();
        let three = [JobExpectation { job: "django".into(), min_targets: 3 }];
        let django = evaluate_jobs(&tally(targets.clone()), &three, now).remove(0);
        assert_eq!((django.up, django.verdict), (2, JobVerdict::TooFewTargets));
        let two = [JobExpectation { job: "django".into(), min_targets: 2 }];
        assert_eq!(evaluate_jobs(&tally(targets.clone()), &two, now)[0].verdict, JobVerdict::Healthy);
    }

    #[test]
    fn healthy_job_reports_interval_and_stalest_scrape() {
        let rows = evaluate_jobs(&tally(fixture_targets()), &expect(&["django"]), at("2024-05-14T09:30:20Z"));
        let django = row(&rows, "django");
        assert_eq!(django.verdict, JobVerdict::Healthy);
        assert_eq!(django.scrape_interval.as_deref(), Some("15s"));
        // 09:30:05.002Z and 11:29:57.5+02:00: the older one counts.
        assert_eq!(django.last_scrape_age, Some(Duration::from_millis(22_500)));
    }

    #[test]
    fn rows_follow_expectations_then_other_jobs_by_name() {
        let expected = expect(&["postgres", "django", "kubernetes-nodes", "django"]);
        let rows = evaluate_jobs(&tally(fixture_targets()), &expected, SystemTime::now());
        let jobs: Vec<&str> = rows.iter().map(|r| r.job.as_str()).collect();
        assert_eq!(
            jobs,
            ["postgres", "django", "kubernetes-nodes", "celery", "kubernetes-pods", "prometheus", "redis"]
        );
        assert!(rows[3..].iter().all(|r| r.min_targets == 1));
    }

    #[test]
    fn all_healthy_when_every_job_is_up() {
        let rows = evaluate_jobs(&tally(fixture_targets()), &expect(&["prometheus", "django"]), SystemTime::now());
        assert!(!all_healthy(&rows), "extra rows (postgres down) count too");
        let up: Vec<Target> = fixture_targets().into_iter().filter(|t| t.health == Health::Up).collect();
        let rows = evaluate_jobs(&tally(up.clone()), &expect(&["prometheus", "django"]), SystemTime::now());
        assert!(all_healthy(&rows) && all_settled(&rows));
    }

    #[test]
    fn job_health_serialises_for_json_output() {
        let rows = evaluate_jobs(&tally(fixture_targets()), &expect(&["postgres"]), at("2024-05-14T09:30:20Z"));
        let json = serde_json::to_value(&rows[0]).unwrap();
        assert_eq!(json["verdict"], "targets_down");
        assert_eq!(json["last_scrape_age_seconds"], 11.88);
        assert_eq!(json["down_errors"][0]["count"], 1);
        let example = &json["down_errors"][0]["examples"][0];
        assert_eq!(example["scrape_url"], "http://postgres-exporter.jewelry-shop.svc:9187/metrics");
        assert!(example["last_error"].as_str().unwrap().ends_with("connection refused"), "{example}");
        assert_eq!(json["down_other_errors"], 0);
        assert_eq!(row(&rows, "redis").last_scrape_age, None);
    }

    // ---- transports against a canned HTTP server on 127.0.0.1 ----

    /// "METHOD /path" (query ignored), status, body.
    type Route = (String, u16, &'static str);

    fn route(request: &str, status: u16, body: &'static str) -> Route {
        (request.to_string(), status, body)
    }

    /// Answers each connection with the matching canned response, else 404; returns the base URL and
    /// the request lines received.
    async fn serve(routes: Vec<Route>) -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let line: Vec<&str> = head.lines().next().unwrap_or_default().split(' ').collect();
                let request = format!("{} {}", line[0], line.get(1).unwrap_or(&""));
                let without_query = request.split('?').next().unwrap_or_default();
                let (status, body) = routes
                    .iter()
                    .find(|(r, _, _)| r == without_query)
                    .map_or((404, "404 page not found\n"), |(_, status, body)| (*status, *body));
                log.lock().unwrap().push(request);
                let response = format!(
                    "HTTP/1.1 {status} Canned\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        (base, seen)
    }

    fn kind(err: &anyhow::Error) -> FailureKind {
        crate::error::kind_of(err)
    }

    #[tokio::test]
    async fn direct_healthy_and_ready() {
        let (base, seen) = serve(vec![
            route("GET /-/healthy", 200, "Prometheus Server is Healthy.\n"),
            route("GET /-/ready", 503, "Service Unavailable"),
        ])
        .await;
        let api = PrometheusApi::direct(&format!("{base}/")).unwrap();
        api.healthy().await.unwrap();
        let err = api.ready().await.unwrap_err();
        assert_eq!(kind(&err), FailureKind::CheckFailed);
        let expected = format!("GET /-/ready on Prometheus ({base}): not ready: answered 503");
        assert!(err.to_string().starts_with(&expected), "{err}");
        assert_eq!(*seen.lock().unwrap(), ["GET /-/healthy", "GET /-/ready"]);
    }

    #[tokio::test]
    async fn direct_reload_rejected_returns_prometheus_message() {
        let (base, seen) = serve(vec![route("POST /-/reload", 500, RELOAD_REJECTED)]).await;
        let api = PrometheusApi::direct(&base).unwrap();
        match api.reload().await {
            Err(ReloadError::Rejected(message)) => assert_eq!(message, RELOAD_REJECTED.trim()),
            other => panic!("expected Rejected, got {other:?}"),
        }
        assert_eq!(*seen.lock().unwrap(), ["POST /-/reload"]);
    }

    #[tokio::test]
    async fn direct_reload_403_means_lifecycle_disabled() {
        let (base, _) = serve(vec![route("POST /-/reload", 403, RELOAD_LIFECYCLE_DISABLED)]).await;
        let reloaded = PrometheusApi::direct(&base).unwrap().reload().await;
        assert!(matches!(reloaded, Err(ReloadError::LifecycleDisabled)));
    }

    #[tokio::test]
    async fn direct_reload_200_succeeds() {
        let (base, _) = serve(vec![route("POST /-/reload", 200, "")]).await;
        PrometheusApi::direct(&base).unwrap().reload().await.unwrap();
    }

    #[tokio::test]
    async fn direct_connection_refused_is_unreachable() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let api = PrometheusApi::direct(&format!("http://127.0.0.1:{port}")).unwrap();
        let err = api.healthy().await.unwrap_err();
        assert_eq!(kind(&err), FailureKind::Unreachable);
        let message = err.to_string();
        assert!(message.contains(&format!("through http://127.0.0.1:{port}: ")), "{message}");
        assert!(message.to_lowercase().contains("connection refused"), "{message}");
        // The exit code survives ReloadError: kind_of finds the Failure through its source.
        let err = anyhow::Error::new(api.reload().await.unwrap_err());
        assert_eq!(kind(&err), FailureKind::Unreachable);
    }

    #[tokio::test]
    async fn direct_targets_error_answers_are_failed_checks_with_prometheus_message() {
        let (base, _) = serve(vec![route("GET /api/v1/targets", 422, ERROR_EXECUTION)]).await;
        let err = PrometheusApi::direct(&base).unwrap().target_tally().await.unwrap_err();
        assert_eq!(kind(&err), FailureKind::CheckFailed);
        assert!(err.to_string().starts_with(&format!("GET /api/v1/targets on Prometheus ({base}): ")), "{err}");
        assert!(err.to_string().contains("too many samples"), "{err}");
    }

    #[tokio::test]
    async fn direct_401_is_unreachable() {
        let (base, _) = serve(vec![route("GET /api/v1/targets", 401, "Unauthorized")]).await;
        let err = PrometheusApi::direct(&base).unwrap().targets().await.unwrap_err();
        assert_eq!(kind(&err), FailureKind::Unreachable);
        assert!(err.to_string().contains("answered 401: Unauthorized"), "{err}");
    }

    #[tokio::test]
    async fn direct_api_calls_parse_and_classify() {
        let (base, seen) = serve(vec![
            route("GET /prom/api/v1/targets", 200, TARGETS),
            route("GET /prom/api/v1/status/runtimeinfo", 200, RUNTIMEINFO),
            route("GET /prom/api/v1/status/config", 200, CONFIG),
            route("GET /prom/api/v1/query", 400, ERROR_BAD_DATA),
        ])
        .await;
        let api = PrometheusApi::direct(&format!("{base}/prom")).unwrap();
        assert_eq!(api.target_tally().await.unwrap().total(), 8);
        assert!(api.runtime_info().await.unwrap().reload_config_success);
        assert!(api.config().await.unwrap().contains("job_name: prometheus"));
        let err = api.query(r#"up{job="django""#).await.unwrap_err();
        assert_eq!(kind(&err), FailureKind::BadInput);
        assert!(err.to_string().contains("parse error"), "{err}");
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0], "GET /prom/api/v1/targets?state=active");
        assert_eq!(seen[3], "GET /prom/api/v1/query?query=up%7Bjob%3D%22django%22");
    }

    #[test]
    fn direct_rejects_bad_urls() {
        for bad in ["not a url", "ftp://127.0.0.1:9090", "127.0.0.1:9090", "http://127.0.0.1:9090/?x=1"] {
            let err = PrometheusApi::direct(bad).unwrap_err();
            assert_eq!(err.kind, FailureKind::BadInput, "{bad}");
        }
        let api = PrometheusApi::direct("http://127.0.0.1:9090/").unwrap();
        assert_eq!(api.describe(), "http://127.0.0.1:9090");
    }

    const PROXY: &str = "/api/v1/namespaces/jewelry-shop/services/prometheus:9090/proxy";

    /// The canned server stands in for the API server.
    fn proxy_api(base: &str) -> PrometheusApi {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let mut config = kube::Config::new(base.parse().unwrap());
        config.default_retry = false;
        let client = kube::Client::try_from(config).unwrap();
        PrometheusApi::via_service_proxy(client, "jewelry-shop", "prometheus", 9090)
    }

    #[tokio::test]
    async fn service_proxy_passes_prometheus_answers_through() {
        let (base, seen) = serve(vec![
            route(&format!("GET {PROXY}/-/healthy"), 200, "ok"),
            route(&format!("POST {PROXY}/-/reload"), 403, RELOAD_LIFECYCLE_DISABLED),
            route(&format!("GET {PROXY}/api/v1/targets"), 200, TARGETS),
        ])
        .await;
        let api = proxy_api(&base);
        assert_eq!(api.describe(), "service proxy jewelry-shop/prometheus:9090");
        api.healthy().await.unwrap();
        assert!(matches!(api.reload().await, Err(ReloadError::LifecycleDisabled)));
        let tally = api.target_tally().await.unwrap();
        assert_eq!((tally.total(), tally.up()), (8, 5));
        let expected = format!("GET {PROXY}/api/v1/targets?state=active");
        assert_eq!(seen.lock().unwrap()[2], expected);
    }

    #[tokio::test]
    async fn service_proxy_without_endpoints_is_unreachable_with_the_api_server_message() {
        let (base, _) = serve(vec![
            route(&format!("GET {PROXY}/-/ready"), 503, APISERVER_NO_ENDPOINTS),
            route(&format!("POST {PROXY}/-/reload"), 403, APISERVER_FORBIDDEN),
        ])
        .await;
        let api = proxy_api(&base);
        let err = api.ready().await.unwrap_err();
        assert_eq!(kind(&err), FailureKind::Unreachable);
        let message = err.to_string();
        assert!(message.contains("through service proxy jewelry-shop/prometheus:9090: "), "{message}");
        assert!(message.contains(r#"no endpoints available for service "prometheus""#), "{message}");
        assert!(message.contains("--prometheus-url"), "{message}");
        // The API server's 403 (RBAC) is not Prometheus's lifecycle 403.
        match api.reload().await {
            Err(e @ ReloadError::Other(_)) => {
                assert_eq!(kind(&anyhow::Error::new(e)), FailureKind::Unreachable)
            }
            other => panic!("expected Other, got {other:?}"),
        }
    }
}

#[cfg(test)]
mod tally_tests {
    use super::*;
    use crate::validation::recorded;

    /// A recorded target of each version (the main scenario's down `not-found` one), to copy from.
    fn recorded_target(version: &str) -> serde_json::Value {
        let answer: serde_json::Value =
            serde_json::from_str(&recorded::text(&format!("{version}/main/targets.json"))).unwrap();
        let targets = answer["data"]["activeTargets"].as_array().unwrap();
        targets.iter().find(|t| t["scrapePool"] == "not-found").expect("the not-found target").clone()
    }

    /// `n` targets shaped like `template`, of 4 jobs, in every health, failing in 7 ways (two of them
    /// naming the target's own address), picked by a fixed pseudo-random sequence; and the answer as
    /// Prometheus sends it, with dropped targets after the active ones.
    fn generated(template: &serde_json::Value, n: usize) -> (Vec<serde_json::Value>, String) {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |bound: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % bound
        };
        let targets: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                let job = ["node", "django", "redis", "a-job-with-a-long-name"][next(4)];
                let host = format!("10.{}.{}.{}:9100", i / 65_536, (i / 256) % 256, i % 256);
                let url = format!("http://{host}/metrics");
                let health = ["up", "down", "down", "unknown", "down"][next(5)];
                let error = match (health, next(7)) {
                    ("up" | "unknown", _) => String::new(),
                    (_, 0) => format!("Get \"{url}\": dial tcp {host}: connect: connection refused"),
                    (_, 1) => format!("Get \"{url}\": context deadline exceeded"),
                    (_, 2) => "server returned HTTP status 404 Not Found".into(),
                    (_, 3) => "server returned HTTP status 401 Unauthorized".into(),
                    (_, 4) => "body size limit exceeded".into(),
                    (_, 5) => "sample limit exceeded".into(),
                    _ => "received unsupported Content-Type \"text/html\"".into(),
                };
                let mut target = template.clone();
                target["scrapePool"] = job.into();
                target["labels"]["job"] = job.into();
                target["labels"]["instance"] = host.clone().into();
                target["discoveredLabels"]["__address__"] = host.into();
                target["scrapeUrl"] = url.into();
                target["health"] = health.into();
                target["lastError"] = error.into();
                target
            })
            .collect();
        let answer = serde_json::json!({
            "status": "success",
            "data": {
                "activeTargets": targets,
                "droppedTargets": [{"discoveredLabels": {"__address__": "10.9.9.9:1", "job": "node"}}],
                "droppedTargetCounts": {"node": 1}
            }
        });
        (targets, answer.to_string())
    }

    /// A reader handing out `step` bytes at a time, as a slow network would.
    struct Trickle<'a> {
        text: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.text.len());
            buf[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            Ok(n)
        }
    }

    fn read(answer: &str, step: usize) -> Result<TargetTally, Failure> {
        let mut tally = TargetTally::default();
        read_targets_answer(Trickle { text: answer.as_bytes(), step }, &mut |t| tally.add(t)).map(|()| tally)
    }

    #[test]
    fn the_tally_counts_exactly_and_keeps_the_first_few_examples_of_each_job_and_error() {
        for version in recorded::PROMETHEUS {
            let (targets, answer) = generated(&recorded_target(version), 20_000);
            let tally = read(&answer, 4_096).unwrap();
            let jobs = evaluate_jobs(&tally, &[], SystemTime::now());
            // The naive count over the same list: every target, every (job, error) with its URLs in order.
            let mut naive: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
            let mut naive_errors: BTreeMap<(&str, String), Vec<&str>> = BTreeMap::new();
            for t in &targets {
                let job = t["scrapePool"].as_str().unwrap();
                let url = t["scrapeUrl"].as_str().unwrap();
                let at = ["up", "down", "unknown"].iter().position(|h| t["health"] == *h).unwrap();
                naive.entry(job).or_default()[at] += 1;
                if at == 1 {
                    let error = without_address(t["lastError"].as_str().unwrap(), url);
                    naive_errors.entry((job, error)).or_default().push(url);
                }
            }
            assert_eq!(jobs.len(), naive.len(), "{version}");
            assert_eq!(tally.total(), targets.len(), "{version}");
            for job in &jobs {
                let [up, down, unknown] = naive[job.job.as_str()];
                assert_eq!((job.up, job.down, job.unknown), (up, down, unknown), "{version} {}", job.job);
                assert_eq!(job.down_other_errors, 0, "{version}: 7 kinds of error are all kept");
                assert_eq!(job.down_errors.iter().map(|g| g.count).sum::<usize>(), down, "{version}");
                assert!(job.down_errors.windows(2).all(|w| w[0].count >= w[1].count), "most frequent first");
                for group in &job.down_errors {
                    let urls = &naive_errors[&(job.job.as_str(), group.error.clone())];
                    assert_eq!(group.count, urls.len(), "{version} {} {}", job.job, group.error);
                    let examples: Vec<&str> = group.examples.iter().map(|e| e.scrape_url.as_str()).collect();
                    assert_eq!(examples, urls[..EXAMPLES_KEPT], "{version}: the first {EXAMPLES_KEPT} examples");
                }
                let kinds = naive_errors.keys().filter(|(j, _)| *j == job.job).count();
                assert_eq!(job.down_errors.len(), kinds, "{version} {}", job.job);
            }
            let refused = &jobs[0].down_errors.iter().find(|g| g.error.contains("refused")).unwrap().error;
            assert_eq!(refused, "Get \"<target>\": dial tcp <target>: connect: connection refused");
            assert_eq!(tally.set.listed, None, "20,000 targets are not listed");
        }
    }

    #[test]
    fn a_job_failing_in_more_ways_than_are_kept_counts_the_others() {
        let template = recorded_target(recorded::PROMETHEUS[1]);
        let tally: TargetTally = (0..ERROR_KINDS_KEPT + 5)
            .map(|i| {
                let mut target = template.clone();
                target["lastError"] = format!("error number {i}").into();
                serde_json::from_value::<Target>(target).unwrap()
            })
            .collect();
        let job = evaluate_jobs(&tally, &[], SystemTime::now()).remove(0);
        assert_eq!(
            (job.down, job.down_errors.len(), job.down_other_errors),
            (ERROR_KINDS_KEPT + 5, ERROR_KINDS_KEPT, 5)
        );
    }

    #[test]
    fn a_streamed_answer_reads_the_same_in_any_chunks_and_skips_the_dropped_targets() {
        let (_, answer) = generated(&recorded_target(recorded::PROMETHEUS[0]), 500);
        let whole = read(&answer, usize::MAX).unwrap();
        for step in [1, 7, 8_192] {
            let tally = read(&answer, step).unwrap();
            assert_eq!(tally.set, whole.set, "step {step}");
        }
        assert_eq!(whole.total(), 500, "the dropped target is not counted");
    }

    #[test]
    fn a_broken_or_failed_targets_answer_is_a_failure() {
        let (_, answer) = generated(&recorded_target(recorded::PROMETHEUS[0]), 10);
        let cut = read(&answer[..answer.len() / 2], 100).unwrap_err();
        assert_eq!(cut.kind, FailureKind::CheckFailed);
        assert!(cut.message.starts_with("something other than the API's JSON: EOF"), "{}", cut.message);
        let failed = read(r#"{"status":"error","errorType":"internal","error":"boom","data":null}"#, 3).unwrap_err();
        assert_eq!((failed.kind, failed.message.as_str()), (FailureKind::CheckFailed, "boom (internal)"));
        assert!(read("<html>Bad Gateway</html>", 5).is_err());
        let empty = read(r#"{"status":"success","data":{"activeTargets":[],"droppedTargets":[]}}"#, 5).unwrap();
        assert_eq!(empty.total(), 0);
    }
}
