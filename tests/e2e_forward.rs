//! End-to-end tests of `promctl::forward` against a real cluster (the test bed's Kubernetes 1.20).
//! Ignored by default; scripts/test runs them with the test bed's $KUBECONFIG. Each works in a fresh
//! namespace that it deletes at the end.

mod common;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use promctl::cluster::readiness;
use promctl::forward::{ForwardEvent, ForwardTarget, Forwarder, RunningForward, probe};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::{Instant, timeout};

const MANAGER: &str = "promctl-e2e";
const APP: &str = "web";
/// A small pod is Ready 3-4 s after apply on the test bed; leave room for a slow node.
const READY_WITHIN: Duration = Duration::from_secs(90);

#[tokio::test]
#[ignore = "needs a cluster: cargo test --test e2e_forward -- --ignored"]
async fn forward_survives_pod_restart() {
    in_fresh_namespace(|client, ns| async move {
        apply_app(&client, &ns, 1).await;
        let pod1 = wait_for_ready_pod(&client, &ns, None).await;
        let (addr, mut events, forward) = start_forward(&client, &ns).await;

        assert_eq!(get_body(addr).await, format!("hello-{pod1}"));
        assert_eq!(probe(addr, "/").await.unwrap(), 200);

        let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
        pods.delete(&pod1, &DeleteParams::default()).await.unwrap();
        let pod2 = wait_for_ready_pod(&client, &ns, Some(&pod1)).await;
        assert_ne!(pod2, pod1);
        assert_eq!(get_body(addr).await, format!("hello-{pod2}"), "same local port, new pod");

        forward.stop().await;
        let events = drain(&mut events).await;
        assert!(events.contains(&ForwardEvent::Connected { pod: pod1.clone() }), "{events:?}");
        assert!(events.contains(&ForwardEvent::Connected { pod: pod2.clone() }), "{events:?}");
        // A connection may have waited a moment for the new pod's endpoint; none failed.
        assert!(
            events.iter().all(|e| matches!(e, ForwardEvent::Connected { .. } | ForwardEvent::WaitingForReadyPod)),
            "{events:?}"
        );
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a cluster: cargo test --test e2e_forward -- --ignored"]
async fn forward_waits_for_a_ready_pod() {
    in_fresh_namespace(|client, ns| async move {
        apply_app(&client, &ns, 1).await;
        wait_for_ready_pod(&client, &ns, None).await;
        let (addr, mut events, forward) = start_forward(&client, &ns).await;

        apply_app(&client, &ns, 0).await;
        wait_for_no_ready_endpoint(&client, &ns).await;
        let request = tokio::spawn(get_body(addr));
        // The forwarder says the connection waits for a Ready pod; the request is still open then.
        let waiting = timeout(Duration::from_secs(30), events.recv()).await.expect("an event").unwrap();
        assert_eq!(waiting, ForwardEvent::WaitingForReadyPod);
        assert!(!request.is_finished(), "the request must wait for a ready pod, not fail");

        let scaled_up = Instant::now();
        apply_app(&client, &ns, 1).await;
        let body = timeout(Duration::from_secs(60), request).await.expect("request still waiting").unwrap();
        let pod = wait_for_ready_pod(&client, &ns, None).await;
        assert_eq!(body, format!("hello-{pod}"));
        eprintln!("request answered {:?} after scaling up", scaled_up.elapsed());

        forward.stop().await;
        let events = drain(&mut events).await;
        assert_eq!(events, [ForwardEvent::Connected { pod }]);
    })
    .await;
}

/// Runs `test` in a new namespace and deletes the namespace afterwards, also when `test` panics.
/// Deletion is not waited for: with running pods it takes 15-90 s.
async fn in_fresh_namespace<F, Fut>(test: F)
where
    F: FnOnce(Client, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let client = common::client().await;
    let ns = common::fresh_namespace(&client, "e2e-forward").await;
    let outcome = tokio::spawn(test(client.clone(), ns.clone())).await;
    common::delete_namespace(&client, &ns).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// A busybox httpd answering `hello-<pod name>`, behind Service port 9090 -> named targetPort `web`.
async fn apply_app(client: &Client, ns: &str, replicas: i32) {
    let apply = PatchParams::apply(MANAGER).force();
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": APP},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": APP}},
            "template": {
                "metadata": {"labels": {"app": APP}},
                "spec": {
                    // httpd as PID 1 ignores SIGTERM: do not wait the default 30 s for it.
                    "terminationGracePeriodSeconds": 1,
                    "containers": [{
                        "name": "httpd",
                        "image": "localhost/busybox:1",
                        "imagePullPolicy": "Never",
                        "command": ["/bin/sh", "-c", "echo hello-$HOSTNAME > /www/index.html; exec httpd -f -p 8080 -h /www"],
                        "ports": [{"name": "web", "containerPort": 8080, "protocol": "TCP"}],
                        "readinessProbe": {"httpGet": {"path": "/", "port": "web"}, "periodSeconds": 1},
                        "volumeMounts": [{"name": "www", "mountPath": "/www"}]
                    }],
                    "volumes": [{"name": "www", "emptyDir": {}}]
                }
            }
        }
    });
    // Server-side apply of a Service on 1.20 needs `protocol` on every port.
    let service = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": APP},
        "spec": {
            "selector": {"app": APP},
            "ports": [{"name": "http", "port": 9090, "targetPort": "web", "protocol": "TCP"}]
        }
    });
    Api::<Deployment>::namespaced(client.clone(), ns).patch(APP, &apply, &Patch::Apply(&deployment)).await.unwrap();
    Api::<Service>::namespaced(client.clone(), ns).patch(APP, &apply, &Patch::Apply(&service)).await.unwrap();
}

/// Binds a forward to the app's Service on 127.0.0.1:<free port> and runs it in the background.
async fn start_forward(client: &Client, ns: &str) -> (SocketAddr, UnboundedReceiver<ForwardEvent>, RunningForward) {
    let target = ForwardTarget { namespace: ns.to_string(), service: APP.to_string(), port: 9090 };
    let forwarder = Forwarder::bind(client.clone(), target, [127, 0, 0, 1].into(), 0).await.unwrap();
    let (events_tx, events) = unbounded_channel();
    let running = forwarder.spawn(events_tx);
    (running.local_addr(), events, running)
}

/// Events sent until the forwarder stops (it drops its sender when `run` returns).
async fn drain(events: &mut UnboundedReceiver<ForwardEvent>) -> Vec<ForwardEvent> {
    let mut all = Vec::new();
    while let Some(event) = timeout(Duration::from_secs(5), events.recv()).await.expect("run() did not stop") {
        all.push(event);
    }
    all
}

/// One HTTP/1.0 GET / on a fresh connection (so no connection to an old pod is reused); the trimmed body.
async fn get_body(addr: SocketAddr) -> String {
    let exchange = async {
        let mut conn = TcpStream::connect(addr).await.unwrap();
        conn.write_all(b"GET / HTTP/1.0\r\nHost: e2e\r\n\r\n").await.unwrap();
        let mut response = String::new();
        conn.read_to_string(&mut response).await.unwrap();
        response
    };
    let response = timeout(Duration::from_secs(90), exchange).await.expect("GET through the forward hung");
    assert!(response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200"), "{response:?}");
    let (_, body) = response.split_once("\r\n\r\n").expect("no end of headers");
    body.trim().to_string()
}

/// The name of a Ready pod of the app that is not being deleted and is not `other_than`.
async fn wait_for_ready_pod(client: &Client, ns: &str, other_than: Option<&str>) -> String {
    wait_for_ready_pod_labelled(client, ns, &format!("app={APP}"), other_than).await
}

async fn wait_for_no_ready_endpoint(client: &Client, ns: &str) {
    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), ns);
    let of_app = ListParams::default().labels(&format!("kubernetes.io/service-name={APP}"));
    common::eventually("no ready endpoint", READY_WITHIN, || async {
        let slices = slices.list(&of_app).await.unwrap();
        let ready = readiness::service_endpoints(&slices.items).is_ready();
        (!ready).then_some(())
    })
    .await
}

/// Kills `promctl port-forward` when the test ends, passed or not.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What the targets page of the Prometheus UI asks for when it loads, `copies` times at once over
/// one keep-alive client (a browser's tabs and panels): every answer must be whole, and every copy
/// must list the same jobs. Returns those jobs and how many calls were answered.
async fn load_the_ui_pages(
    api: &promctl::prometheus::PrometheusApi,
    copies: usize,
) -> anyhow::Result<(std::collections::BTreeSet<String>, usize)> {
    let one = || async {
        let (targets, up, rules, alerts, info, config) = futures::try_join!(
            api.targets(),
            api.query_vector("up"),
            api.rules(),
            api.alerts(),
            api.runtime_info(),
            api.config()
        )?;
        anyhow::ensure!(!targets.is_empty() && !up.is_empty() && !config.is_empty(), "an empty answer");
        let _ = (rules, alerts, info);
        let jobs: std::collections::BTreeSet<String> = targets.into_iter().map(|t| t.scrape_pool).collect();
        anyhow::Ok(jobs)
    };
    let pages = futures::future::try_join_all((0..copies).map(|_| one())).await?;
    anyhow::ensure!(pages.windows(2).all(|w| w[0] == w[1]), "the copies list different jobs: {pages:?}");
    Ok((pages.into_iter().next().unwrap_or_default(), copies * 6))
}

/// The Targets page as a browser shows it: Debian's headless Chromium opens `url`/targets, runs the
/// UI's scripts for 10 s of virtual time, and gives the rendered page (`--dump-dom`); a screenshot of
/// it is written to `screenshot`. Chromium resolves no name but 127.0.0.1 and runs no background
/// service (updates, safe browsing): its only traffic is to the port-forward.
fn render_targets_page(url: &str, screenshot: &std::path::Path) -> String {
    let browser = |extra: &[String]| {
        std::process::Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-default-apps",
                "--disable-sync",
                "--disable-extensions",
                "--no-proxy-server",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--window-size=1280,1400",
                "--virtual-time-budget=10000",
            ])
            .args(extra)
            .arg(format!("{url}/targets"))
            .output()
            .expect("chromium runs (Debian's package; scripts/cluster installs it)")
    };
    let shot = browser(&[format!("--screenshot={}", screenshot.display())]);
    assert!(screenshot.exists(), "no screenshot: {}", String::from_utf8_lossy(&shot.stderr));
    String::from_utf8_lossy(&browser(&["--dump-dom".to_string()]).stdout).into_owned()
}

/// What the rendered Targets page says of each scrape pool: its name and `UP/TOTAL` up, as the page
/// shows them. 2.48's React UI heads each pool `<a ...>JOB (1/1 up)</a>`; 3.x's Mantine UI shows the
/// pool's name, a "Show config" button controlling `scrape-config-JOB`, then `<p ...>1 / 1 up</p>`.
fn jobs_on_the_page(dom: &str) -> std::collections::BTreeMap<String, String> {
    let react = regex::Regex::new(r">([A-Za-z0-9_:.-]+) \((\d+)/(\d+) up\)<").unwrap();
    let mantine = regex::Regex::new(r#"(?s)aria-controls="scrape-config-([^"]+)".*?>(\d+) / (\d+) up<"#).unwrap();
    react
        .captures_iter(dom)
        .chain(mantine.captures_iter(dom))
        .map(|c| (c[1].to_string(), format!("{}/{}", &c[2], &c[3])))
        .collect()
}

#[test]
fn the_targets_page_is_read_as_each_ui_renders_it() {
    let react = r##"<a class="ScrapePoolPanel_danger__4lB8E" href="#pool-nothing-there" id="pool-nothing-there">nothing-there (0/1 up)</a><a class="x" href="#pool-prometheus">prometheus (1/1 up)</a>"##;
    let mantine = r#"<p class="mantine-Text-root">prometheus</p><div><button aria-controls="scrape-config-prometheus" type="button">Show config</button><p class="mantine-Text-root" style="color: var(--mantine-color-gray-6);">1 / 1 up</p><div class="mantine-RingProgress-root">"#;
    let seen = jobs_on_the_page(react);
    assert_eq!(seen.get("nothing-there").map(String::as_str), Some("0/1"));
    assert_eq!(seen.get("prometheus").map(String::as_str), Some("1/1"));
    assert_eq!(jobs_on_the_page(mantine).get("prometheus").map(String::as_str), Some("1/1"));
}

/// The seed's "open the UI" step as a person takes it: `promctl port-forward`, the UI's API calls
/// many at once over keep-alive connections, the Prometheus pod restarted while the forward runs, and
/// the same calls again (the page reloaded); and a real browser renders the image's web UI (2.48's
/// React UI, 3.x's Mantine UI) Targets page before and after the restart: every job of the install
/// listed, all its targets up, a screenshot under target/ui-screenshots/.
#[tokio::test]
#[ignore = "needs the test bed: scripts/test"]
async fn the_ui_api_calls_through_promctl_port_forward_survive_a_pod_restart() {
    use std::io::BufRead;
    let client = common::client().await;
    let it = common::Installed::new(&client, "e2e-ui").await;
    let (code, out, err) = it.run(&common::own_jobs_only(&["install"]));
    assert_eq!(code, Some(0), "{out}{err}");
    let mut forward = it.promctl(&["port-forward", "--local-port", "0", "--output", "json"]);
    let mut child =
        Child(forward.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null()).spawn().unwrap());
    let mut line = String::new();
    std::io::BufReader::new(child.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let api = promctl::prometheus::PrometheusApi::direct(url["url"].as_str().unwrap()).unwrap();

    // The page shows scraped targets of every job: wait for them, as a person would.
    let own_jobs = ["kubernetes-apiservers", "kubernetes-cadvisor", "kubernetes-nodes", "prometheus"];
    common::eventually("every job discovered and a first scrape", READY_WITHIN, || async {
        let (jobs, _) = load_the_ui_pages(&api, 1).await.ok()?;
        own_jobs.iter().all(|j| jobs.contains(*j)).then_some(())
    })
    .await;
    let started = Instant::now();
    let (jobs, answered) = load_the_ui_pages(&api, 16).await.unwrap();
    eprintln!(
        "figure: {answered} UI API calls at once through promctl port-forward in {:.2}s",
        started.elapsed().as_secs_f64()
    );

    let base = url["url"].as_str().unwrap().trim_end_matches('/').to_string();
    let with_ui =
        !reqwest::get(format!("{base}/targets")).await.unwrap().text().await.unwrap().contains("Error opening");
    let screenshots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ui-screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();
    let release = common::prometheus_tag_override().unwrap_or_else(|| "v2.48.0".into());
    let page_shows_every_job_up = |when: &'static str| {
        let (base, screenshots, release) = (base.clone(), screenshots.clone(), release.clone());
        async move {
            let shot = screenshots.join(format!("targets-{release}-{when}.png"));
            let seen =
                common::eventually(&format!("the Targets page ({when}) listing every job up"), READY_WITHIN, || {
                    let (base, shot) = (base.clone(), shot.clone());
                    async move {
                        let dom = tokio::task::spawn_blocking(move || render_targets_page(&base, &shot)).await.ok()?;
                        let jobs = jobs_on_the_page(&dom);
                        let all_up = own_jobs.iter().all(|j| {
                            jobs.get(*j)
                                .is_some_and(|c| c.split_once('/').is_some_and(|(up, all)| up == all && up != "0"))
                        });
                        all_up.then_some(jobs)
                    }
                })
                .await;
            eprintln!(
                "the Targets page of {release} ({when}), as Chromium rendered it: {seen:?}; screenshot {}",
                shot.display()
            );
        }
    };
    // The test bed's images have the web UI (README): never a silent skip.
    assert!(with_ui, "{release}: the image has no web UI, which the test bed builds");
    page_shows_every_job_up("before-restart").await;

    let old = wait_for_ready_pod_labelled(&client, &it.namespace, "app=prometheus", None).await;
    Api::<Pod>::namespaced(client.clone(), &it.namespace).delete(&old, &DeleteParams::default()).await.unwrap();
    wait_for_ready_pod_labelled(&client, &it.namespace, "app=prometheus", Some(&old)).await;
    // The page reloaded: the same calls through the same forward reach the new pod, which shows the
    // same jobs once it has scraped.
    common::eventually("the UI's calls answered by the new pod, with every job", READY_WITHIN, || async {
        let (reloaded, _) = load_the_ui_pages(&api, 16).await.ok()?;
        (reloaded == jobs).then_some(())
    })
    .await;
    page_shows_every_job_up("after-restart").await;
}

/// The name of a Ready pod matching `selector` (other than `other_than`), waiting for one.
async fn wait_for_ready_pod_labelled(client: &Client, ns: &str, selector: &str, other_than: Option<&str>) -> String {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    common::eventually("a Ready pod", READY_WITHIN, || async {
        let list = pods.list(&ListParams::default().labels(selector)).await.ok()?;
        list.items
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter(|p| readiness::pod(p, Timestamp::now(), Duration::ZERO).is_ready())
            .filter_map(|p| p.metadata.name.clone())
            .find(|n| Some(n.as_str()) != other_than)
    })
    .await
}
