//! The API server as the judge of promctl's values checks: generated values sets (proptest, over the
//! values' types and their edges) are rendered as `promctl render` does, and every object of each
//! render that promctl accepts is sent to the test bed's API server as a server-side dry run. Whatever
//! promctl accepts, the API server must accept; a disagreement is a check missing at the values
//! layer (exit 2 with the key and the fix, before anything is applied).
//!
//! Size: PROMCTL_DRY_RUN_CASES value sets (default 160); the figures are printed at the end.
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use kube::api::{Patch, PatchParams};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// CPU amounts: the forms Kubernetes takes (requests drawn from the low ones, limits from the high
/// ones, so that most sets keep requests within limits), then the edges (zero, finer than a
/// millicore, exponents).
const CPU: &[&str] = &["1m", "100m", "500m", "0.5", "1"];
const CPU_HIGH: &[&str] = &["1", "2", "3", "2000m", "1.5"];
const CPU_EDGES: &[&str] = &["0", "0.5m", "1e3", "1k", "-1", "0.0001", ".5", "1.0"];
/// Byte amounts: both suffix families; then zero, fractions, millibytes, exponents, the huge.
const BYTES: &[&str] = &["1Ki", "64Mi", "60Mi", "512Mi", "1000", "1M"];
const BYTES_HIGH: &[&str] = &["1Gi", "4Gi", "5Gi", "20Gi", "1G", "1.5Gi"];
const BYTES_EDGES: &[&str] = &["0", "1", "0.5", "100m", "1e9", "8Ei", "-1Gi", "1.5", "0Gi"];
/// Label and annotation keys and values, then their edges.
const LABEL_KEYS: &[&str] = &["team", "a", "example.com/team", "a.b/c-d_e"];
const LABEL_KEY_EDGES: &[&str] = &["x/", "/x", "-team", "team-", "UPPER", "a/b/c", "kubernetes.io/team"];
const LABEL_VALUES: &[&str] =
    &["", "shop", "a-b_c.d", "012345678901234567890123456789012345678901234567890123456789012"];
const LABEL_VALUE_EDGES: &[&str] =
    &["-x", "x-", "with space", "0123456789012345678901234567890123456789012345678901234567890123"];

/// Alertmanager's: within its default limits (500m, 256Mi).
const ALERTMANAGER_CPU: &[&str] = &["1m", "10m", "50m", "0.1", "500m"];

/// Mostly ordinary values, with an edge one time in twelve: a set draws some twenty values, and one
/// edge among them is what a case judges (a set of many edges is refused by promctl for the first).
fn pick(ordinary: &'static [&'static str], edges: &'static [&'static str]) -> BoxedStrategy<&'static str> {
    prop_oneof![11 => select(ordinary), 1 => select(edges)].boxed()
}

fn dns_label() -> impl Strategy<Value = String> {
    prop_oneof![20 => "[a-z]([-a-z0-9]{0,10}[a-z0-9])?", 1 => "[a-z][a-z0-9]{55,62}", 1 => "[a-z0-9-]{1,8}"]
}

/// One values set, as --set flags (values are single-quoted YAML strings unless numbers are meant).
fn values_set() -> impl Strategy<Value = Vec<String>> {
    let resources =
        (pick(CPU, CPU_EDGES), pick(CPU_HIGH, CPU_EDGES), pick(BYTES, BYTES_EDGES), pick(BYTES_HIGH, BYTES_EDGES))
            .prop_map(|(rc, lc, rm, lm)| {
                vec![
                    format!("resources.requests.cpu='{rc}'"),
                    format!("resources.limits.cpu='{lc}'"),
                    format!("resources.requests.memory='{rm}'"),
                    format!("resources.limits.memory='{lm}'"),
                ]
            });
    // retention.size small enough for most claims (values refuse one above 80% of the claim).
    let storage = (
        pick(BYTES_HIGH, BYTES_EDGES),
        prop_oneof![
            8 => select(&["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany"][..]),
            1 => select(&["ReadWriteOncePod", "readwriteonce"][..])
        ],
        select(&["10MB", "512MB", "1GB"][..]),
    )
        .prop_map(|(size, mode, retention)| {
            vec![
                format!("storage.size='{size}'"),
                format!("storage.accessMode={mode}"),
                format!("retention.size={retention}"),
            ]
        });
    let names = (dns_label(), dns_label(), dns_label(), 0u32..4).prop_map(|(name, service, claim, replicas)| {
        vec![
            format!("name={name}"),
            format!("service.name={service}"),
            format!("storage.claimName={claim}"),
            format!("replicas={replicas}"),
        ]
    });
    let service = (
        prop_oneof![11 => select(&[80u32, 9090, 65535][..]), 1 => select(&[0u32, 1, 65536][..])],
        select(&["ClusterIP", "NodePort", "LoadBalancer"][..]),
    )
        .prop_map(|(port, kind)| vec![format!("service.port={port}"), format!("service.type={kind}")]);
    let labels = (
        pick(LABEL_KEYS, LABEL_KEY_EDGES),
        pick(LABEL_VALUES, LABEL_VALUE_EDGES),
        pick(LABEL_KEYS, LABEL_KEY_EDGES),
        pick(LABEL_VALUES, LABEL_VALUE_EDGES),
    )
        .prop_map(|(ck, cv, pk, pv)| {
            vec![
                format!("commonLabels={{'{ck}': '{cv}'}}"),
                format!("podLabels={{'{pk}': '{pv}'}}"),
                format!("commonAnnotations={{'{pk}': '{cv}'}}"),
            ]
        });
    let alertmanager = (any::<bool>(), pick(ALERTMANAGER_CPU, CPU_EDGES), pick(BYTES_HIGH, BYTES_EDGES)).prop_map(
        |(on, cpu, memory)| {
            vec![
                format!("alertmanager.enabled={on}"),
                format!("alertmanager.resources.requests.cpu='{cpu}'"),
                format!("alertmanager.resources.limits.memory='{memory}'"),
            ]
        },
    );
    let image = (
        prop_oneof![11 => "v[0-9]\\.[0-9]{1,2}\\.[0-9]", 1 => "[A-Za-z0-9_][A-Za-z0-9_.-]{0,130}"],
        "[a-z0-9]{1,12}(/[a-z0-9._-]{1,12}){0,2}",
    )
        .prop_map(|(tag, repository)| vec![format!("image.tag='{tag}'"), format!("image.repository='{repository}'")]);
    (resources, storage, names, service, labels, alertmanager, image)
        .prop_map(|(a, b, c, d, e, f, g)| [a, b, c, d, e, f, g].concat())
}

/// The keys promctl refused the sets for, counted (printed with the figures: what the generator spends
/// its cases on).
static REFUSED_KEYS: std::sync::Mutex<std::collections::BTreeMap<String, usize>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

fn refused_by_promctl(message: &str) {
    let mut keys = REFUSED_KEYS.lock().unwrap();
    for line in message.lines().filter(|l| l.starts_with("values: ")) {
        let key = line["values: ".len()..].split([' ', '=']).next().unwrap_or_default().to_string();
        *keys.entry(key).or_default() += 1;
    }
}

static SETS: AtomicUsize = AtomicUsize::new(0);
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);
static OBJECTS: AtomicUsize = AtomicUsize::new(0);

#[test]
#[ignore = "needs the test bed: scripts/test"]
fn whatever_promctl_renders_the_api_server_accepts() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = runtime.block_on(common::client());
    let namespace = runtime.block_on(common::fresh_namespace(&client, "e2e-dryrun"));
    let cases = std::env::var("PROMCTL_DRY_RUN_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(160);
    // A fixed seed: CI judges the same sets each run (a failure is reproducible, and the share of sets
    // promctl accepts is a figure, not luck); PROMCTL_DRY_RUN_SEED draws others.
    let seed: u64 = std::env::var("PROMCTL_DRY_RUN_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(18);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, rng);
    let result = runner.run(&values_set(), |sets| {
        SETS.fetch_add(1, Ordering::Relaxed);
        let mut sets = sets;
        sets.push(format!("rbac.clusterRoleName=prometheus-{namespace}"));
        let values = match promctl::values::load(&[], &sets, Some(&namespace)) {
            Ok(values) => values,
            Err(refusal) => {
                refused_by_promctl(&refusal.message);
                return Ok(());
            }
        };
        let checked = match promctl::ops::render_checked(&values, &[]) {
            Ok(checked) => checked,
            Err(refusal) => {
                refused_by_promctl(&format!("{refusal:#}"));
                return Ok(());
            }
        };
        ACCEPTED.fetch_add(1, Ordering::Relaxed);
        let refused: Vec<String> = runtime.block_on(async {
            let mut refused = Vec::new();
            for manifest in &checked.rendered.manifests {
                // The namespace exists already: a dry run cannot create a second one of the same name.
                if manifest.kind == "Namespace" {
                    continue;
                }
                let api =
                    promctl::cluster::dynamic_api(&client, &manifest.kind, manifest.namespace.as_deref()).unwrap();
                let params = PatchParams { dry_run: true, ..PatchParams::apply("promctl-e2e").force() };
                OBJECTS.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = api.patch(&manifest.name, &params, &Patch::Apply(&manifest.object)).await {
                    refused.push(format!("{} {}: {e}", manifest.kind, manifest.name));
                }
            }
            refused
        });
        if refused.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(format!("promctl accepted, the API server refused:\n  {}", refused.join("\n  "))))
        }
    });
    runtime.block_on(common::delete_namespace(&client, &namespace));
    println!(
        "generated values sets (seed {seed}): {}, accepted by promctl: {}, objects dry-run: {}",
        SETS.load(Ordering::Relaxed),
        ACCEPTED.load(Ordering::Relaxed),
        OBJECTS.load(Ordering::Relaxed)
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
    println!("refused by promctl, per key: {:?}", REFUSED_KEYS.lock().unwrap());
    // A generator whose sets promctl nearly always refuses would judge nothing: the floor is an eighth
    // of the sets (unseeded runs of 160 had promctl accept 22% to 29%).
    let accepted = ACCEPTED.load(Ordering::Relaxed);
    assert!(
        accepted * 8 >= cases as usize,
        "only {accepted} of {cases} generated sets were accepted: the generator judges too little"
    );
}
