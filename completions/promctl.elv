
use builtin;
use str;

set edit:completion:arg-completer[promctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'promctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'promctl'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand render 'Print the manifests install would apply (no cluster needed)'
            cand template 'Print the manifests install would apply (no cluster needed)'
            cand values 'Print the embedded default values, with comments (or their JSON Schema)'
            cand install 'Render, check, apply (server-side) in a safe order, then wait until everything is ready'
            cand diff 'Show what install would change (exit 0: nothing, 1: changes, >1: error)'
            cand history 'List the revisions install and rollback recorded (values, image, outcome)'
            cand rollback 'Go back to a recorded revision: its values and rule files, applied and proven as install does (claims untouched)'
            cand uninstall 'Remove what install created and wait until it is gone (keeps the PVC unless --delete-data)'
            cand validate 'Check the installed objects, then that Prometheus scrapes every expected job with all targets up'
            cand doctor 'Find what is wrong, read-only, and say how to fix it: pods, claims, permissions, annotations, down targets, config drift'
            cand reload 'Push the rendered config and prove that Prometheus loaded it'
            cand port-forward 'Forward a local port to the Prometheus Service, following pod restarts'
            cand test 'Run tests: `test rules` runs promtool rule unit tests against the rules promctl renders'
            cand rbac 'Print the ServiceAccount and least RBAC for running promctl inside the cluster (a CI Job)'
            cand completions 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand version 'Print promctl''s version and the Kubernetes, Prometheus and Alertmanager versions it supports'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'promctl;render'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand --config-only 'Print only the rendered prometheus.yml'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;template'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand --config-only 'Print only the rendered prometheus.yml'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;values'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand --schema 'Print a JSON Schema of the values instead, for editors (yaml-language-server: $schema=...)'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;install'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand --dry-run 'Server-side dry run: validate against the cluster, change nothing'
            cand --force-conflicts 'Take over fields owned by another field manager'
            cand --no-wait 'Apply only; do not wait for readiness'
            cand --rollback-on-failure 'When the rollout fails: show what failed, then roll back to the last deployed revision (exit 1 naming both)'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;diff'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;history'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;rollback'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand --dry-run 'Server-side dry run: validate against the cluster, change nothing'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;uninstall'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand --delete-data 'Also delete the PersistentVolumeClaim, and with it the stored metrics'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;validate'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --via 'Path to Prometheus: the API server''s service proxy (no local socket, works in CI) or a port-forward'
            cand --prometheus-url 'Talk to Prometheus at this URL instead (when the caller can reach it directly)'
            cand --expect-job 'Expect this job with at least MIN targets (default 1); repeatable. Every configured job is expected anyway'
            cand --skip-job 'Do not expect this job; repeatable'
            cand --wait-targets 'How long to wait for targets still `unknown` [default: twice the longest scrape interval]'
            cand --query 'A PromQL query that must return a non-empty result; repeatable (replaces the default probes)'
            cand --fail-on-alert 'Fail when an alert with this name, or with this LABEL=VALUE (severity=critical), is firing; repeatable'
            cand --engine-url 'The long-term store''s Prometheus-compatible query URL (Thanos Query, Mimir, VictoriaMetrics): check that remote writes arrive there'
            cand --engine-service 'The same, as an in-cluster Service reached through the API server: NAMESPACE/SERVICE:PORT'
            cand --junit 'Write a JUnit XML report (one test case per check) for CI dashboards'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand --prometheus-only 'Only the Prometheus checks (skip the Kubernetes object checks)'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;doctor'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --via 'Path to Prometheus: the API server''s service proxy (no local socket, works in CI) or a port-forward'
            cand --prometheus-url 'Talk to Prometheus at this URL instead (when the caller can reach it directly)'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;reload'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --via 'Path to Prometheus: the API server''s service proxy (no local socket, works in CI) or a port-forward'
            cand --prometheus-url 'Talk to Prometheus at this URL instead (when the caller can reach it directly)'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;port-forward'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --local-port 'Local port; 0 picks a free one'
            cand --address 'Local address to listen on'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;test'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand rules 'Run promtool rule unit tests (promtool''s test-file format) against the rules promctl renders, with the promtool of the image it deploys, in a short-lived pod (or --promtool, no cluster)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'promctl;test;rules'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --promtool 'Run this promtool binary on this machine instead of a pod of the deployed image (no cluster needed)'
            cand --junit 'Write a JUnit XML report (one test case per test file) for CI dashboards'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;test;help'= {
            cand rules 'Run promtool rule unit tests (promtool''s test-file format) against the rules promctl renders, with the promtool of the image it deploys, in a short-lived pod (or --promtool, no cluster)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'promctl;test;help;rules'= {
        }
        &'promctl;test;help;help'= {
        }
        &'promctl;rbac'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand validate 'What `promctl validate` needs: read the installed objects, Prometheus through the service proxy, SubjectAccessReviews'
            cand install 'What `promctl install` needs for these values: apply, list and prune its objects, wait for them, bind Prometheus''s ClusterRole'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'promctl;rbac;validate'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --service-account 'The ServiceAccount the CI Job runs as (made in the install''s namespace)'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;rbac;install'= {
            cand -f 'A values file (YAML); repeatable, later files win'
            cand --values 'A values file (YAML); repeatable, later files win'
            cand --set 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f'
            cand --rules 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)'
            cand --service-account 'The ServiceAccount the CI Job runs as (made in the install''s namespace)'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;rbac;help'= {
            cand validate 'What `promctl validate` needs: read the installed objects, Prometheus through the service proxy, SubjectAccessReviews'
            cand install 'What `promctl install` needs for these values: apply, list and prune its objects, wait for them, bind Prometheus''s ClusterRole'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'promctl;rbac;help;validate'= {
        }
        &'promctl;rbac;help;install'= {
        }
        &'promctl;rbac;help;help'= {
        }
        &'promctl;completions'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;version'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace to install into (overrides the `namespace` value)'
            cand --namespace 'Namespace to install into (overrides the `namespace` value)'
            cand -o 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --output 'Output format: text for people, json or yaml for scripts (one document on stdout)'
            cand --timeout 'How long to wait for readiness, e.g. 90s, 5m'
            cand -v 'Show more detail'
            cand --verbose 'Show more detail'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'promctl;help'= {
            cand render 'Print the manifests install would apply (no cluster needed)'
            cand values 'Print the embedded default values, with comments (or their JSON Schema)'
            cand install 'Render, check, apply (server-side) in a safe order, then wait until everything is ready'
            cand diff 'Show what install would change (exit 0: nothing, 1: changes, >1: error)'
            cand history 'List the revisions install and rollback recorded (values, image, outcome)'
            cand rollback 'Go back to a recorded revision: its values and rule files, applied and proven as install does (claims untouched)'
            cand uninstall 'Remove what install created and wait until it is gone (keeps the PVC unless --delete-data)'
            cand validate 'Check the installed objects, then that Prometheus scrapes every expected job with all targets up'
            cand doctor 'Find what is wrong, read-only, and say how to fix it: pods, claims, permissions, annotations, down targets, config drift'
            cand reload 'Push the rendered config and prove that Prometheus loaded it'
            cand port-forward 'Forward a local port to the Prometheus Service, following pod restarts'
            cand test 'Run tests: `test rules` runs promtool rule unit tests against the rules promctl renders'
            cand rbac 'Print the ServiceAccount and least RBAC for running promctl inside the cluster (a CI Job)'
            cand completions 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand version 'Print promctl''s version and the Kubernetes, Prometheus and Alertmanager versions it supports'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'promctl;help;render'= {
        }
        &'promctl;help;values'= {
        }
        &'promctl;help;install'= {
        }
        &'promctl;help;diff'= {
        }
        &'promctl;help;history'= {
        }
        &'promctl;help;rollback'= {
        }
        &'promctl;help;uninstall'= {
        }
        &'promctl;help;validate'= {
        }
        &'promctl;help;doctor'= {
        }
        &'promctl;help;reload'= {
        }
        &'promctl;help;port-forward'= {
        }
        &'promctl;help;test'= {
            cand rules 'Run promtool rule unit tests (promtool''s test-file format) against the rules promctl renders, with the promtool of the image it deploys, in a short-lived pod (or --promtool, no cluster)'
        }
        &'promctl;help;test;rules'= {
        }
        &'promctl;help;rbac'= {
            cand validate 'What `promctl validate` needs: read the installed objects, Prometheus through the service proxy, SubjectAccessReviews'
            cand install 'What `promctl install` needs for these values: apply, list and prune its objects, wait for them, bind Prometheus''s ClusterRole'
        }
        &'promctl;help;rbac;validate'= {
        }
        &'promctl;help;rbac;install'= {
        }
        &'promctl;help;completions'= {
        }
        &'promctl;help;version'= {
        }
        &'promctl;help;help'= {
        }
    ]
    $completions[$command]
}
