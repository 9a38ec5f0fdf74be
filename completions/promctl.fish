# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_promctl_global_optspecs
    string join \n kubeconfig= context= n/namespace= o/output= timeout= v/verbose no-color h/help V/version
end

function __fish_promctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_promctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_promctl_using_subcommand
    set -l cmd (__fish_promctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c promctl -n "__fish_promctl_needs_command" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_needs_command" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_needs_command" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_needs_command" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_needs_command" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_needs_command" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_needs_command" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_needs_command" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_needs_command" -s V -l version -d 'Print version'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "render" -d 'Print the manifests install would apply (no cluster needed)'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "template" -d 'Print the manifests install would apply (no cluster needed)'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "values" -d 'Print the embedded default values, with comments (or their JSON Schema)'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "install" -d 'Render, check, apply (server-side) in a safe order, then wait until everything is ready'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "diff" -d 'Show what install would change (exit 0: nothing, 1: changes, >1: error)'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "history" -d 'List the revisions install and rollback recorded (values, image, outcome)'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "rollback" -d 'Go back to a recorded revision: its values and rule files, applied and proven as install does (claims untouched)'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "uninstall" -d 'Remove what install created and wait until it is gone (keeps the PVC unless --delete-data)'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "validate" -d 'Check the installed objects, then that Prometheus scrapes every expected job with all targets up'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "doctor" -d 'Find what is wrong, read-only, and say how to fix it: pods, claims, permissions, annotations, down targets, config drift'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "reload" -d 'Push the rendered config and prove that Prometheus loaded it'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "port-forward" -d 'Forward a local port to the Prometheus Service, following pod restarts'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "test" -d 'Run tests: `test rules` runs promtool rule unit tests against the rules promctl renders'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "rbac" -d 'Print the ServiceAccount and least RBAC for running promctl inside the cluster (a CI Job)'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "version" -d 'Print promctl\'s version and the Kubernetes, Prometheus and Alertmanager versions it supports'
complete -c promctl -n "__fish_promctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c promctl -n "__fish_promctl_using_subcommand render" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand render" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand render" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand render" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand render" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand render" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand render" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand render" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand render" -l config-only -d 'Print only the rendered prometheus.yml'
complete -c promctl -n "__fish_promctl_using_subcommand render" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand render" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand render" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand template" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand template" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand template" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand template" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand template" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand template" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand template" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand template" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand template" -l config-only -d 'Print only the rendered prometheus.yml'
complete -c promctl -n "__fish_promctl_using_subcommand template" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand template" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand template" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand values" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand values" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand values" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand values" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand values" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand values" -l schema -d 'Print a JSON Schema of the values instead, for editors (yaml-language-server: $schema=...)'
complete -c promctl -n "__fish_promctl_using_subcommand values" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand values" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand values" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand install" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand install" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand install" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand install" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand install" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand install" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand install" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand install" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand install" -l dry-run -d 'Server-side dry run: validate against the cluster, change nothing'
complete -c promctl -n "__fish_promctl_using_subcommand install" -l force-conflicts -d 'Take over fields owned by another field manager'
complete -c promctl -n "__fish_promctl_using_subcommand install" -l no-wait -d 'Apply only; do not wait for readiness'
complete -c promctl -n "__fish_promctl_using_subcommand install" -l rollback-on-failure -d 'When the rollout fails: show what failed, then roll back to the last deployed revision (exit 1 naming both)'
complete -c promctl -n "__fish_promctl_using_subcommand install" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand install" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand install" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand diff" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand diff" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand diff" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand diff" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand diff" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand diff" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand diff" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand diff" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand diff" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand diff" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand diff" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand history" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand history" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand history" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand history" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand history" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand history" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand history" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand history" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand history" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand history" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand history" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -l dry-run -d 'Server-side dry run: validate against the cluster, change nothing'
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand rollback" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -l delete-data -d 'Also delete the PersistentVolumeClaim, and with it the stored metrics'
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand uninstall" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand validate" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l via -d 'Path to Prometheus: the API server\'s service proxy (no local socket, works in CI) or a port-forward' -r -f -a "proxy\t''
port-forward\t''"
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l prometheus-url -d 'Talk to Prometheus at this URL instead (when the caller can reach it directly)' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l expect-job -d 'Expect this job with at least MIN targets (default 1); repeatable. Every configured job is expected anyway' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l skip-job -d 'Do not expect this job; repeatable' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l wait-targets -d 'How long to wait for targets still `unknown` [default: twice the longest scrape interval]' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l query -d 'A PromQL query that must return a non-empty result; repeatable (replaces the default probes)' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l fail-on-alert -d 'Fail when an alert with this name, or with this LABEL=VALUE (severity=critical), is firing; repeatable' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l engine-url -d 'The long-term store\'s Prometheus-compatible query URL (Thanos Query, Mimir, VictoriaMetrics): check that remote writes arrive there' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l engine-service -d 'The same, as an in-cluster Service reached through the API server: NAMESPACE/SERVICE:PORT' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l junit -d 'Write a JUnit XML report (one test case per check) for CI dashboards' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l prometheus-only -d 'Only the Prometheus checks (skip the Kubernetes object checks)'
complete -c promctl -n "__fish_promctl_using_subcommand validate" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand validate" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand validate" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -l via -d 'Path to Prometheus: the API server\'s service proxy (no local socket, works in CI) or a port-forward' -r -f -a "proxy\t''
port-forward\t''"
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -l prometheus-url -d 'Talk to Prometheus at this URL instead (when the caller can reach it directly)' -r
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand reload" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand reload" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand reload" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand reload" -l via -d 'Path to Prometheus: the API server\'s service proxy (no local socket, works in CI) or a port-forward' -r -f -a "proxy\t''
port-forward\t''"
complete -c promctl -n "__fish_promctl_using_subcommand reload" -l prometheus-url -d 'Talk to Prometheus at this URL instead (when the caller can reach it directly)' -r
complete -c promctl -n "__fish_promctl_using_subcommand reload" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand reload" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand reload" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand reload" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand reload" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand reload" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand reload" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand reload" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -l local-port -d 'Local port; 0 picks a free one' -r
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -l address -d 'Local address to listen on' -r
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand port-forward" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand test; and not __fish_seen_subcommand_from rules help" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand test; and not __fish_seen_subcommand_from rules help" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand test; and not __fish_seen_subcommand_from rules help" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand test; and not __fish_seen_subcommand_from rules help" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand test; and not __fish_seen_subcommand_from rules help" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand test; and not __fish_seen_subcommand_from rules help" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand test; and not __fish_seen_subcommand_from rules help" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand test; and not __fish_seen_subcommand_from rules help" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand test; and not __fish_seen_subcommand_from rules help" -f -a "rules" -d 'Run promtool rule unit tests (promtool\'s test-file format) against the rules promctl renders, with the promtool of the image it deploys, in a short-lived pod (or --promtool, no cluster)'
complete -c promctl -n "__fish_promctl_using_subcommand test; and not __fish_seen_subcommand_from rules help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -l promtool -d 'Run this promtool binary on this machine instead of a pod of the deployed image (no cluster needed)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -l junit -d 'Write a JUnit XML report (one test case per test file) for CI dashboards' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from rules" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from help" -f -a "rules" -d 'Run promtool rule unit tests (promtool\'s test-file format) against the rules promctl renders, with the promtool of the image it deploys, in a short-lived pod (or --promtool, no cluster)'
complete -c promctl -n "__fish_promctl_using_subcommand test; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and not __fish_seen_subcommand_from validate install help" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and not __fish_seen_subcommand_from validate install help" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and not __fish_seen_subcommand_from validate install help" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and not __fish_seen_subcommand_from validate install help" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and not __fish_seen_subcommand_from validate install help" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and not __fish_seen_subcommand_from validate install help" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and not __fish_seen_subcommand_from validate install help" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and not __fish_seen_subcommand_from validate install help" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and not __fish_seen_subcommand_from validate install help" -f -a "validate" -d 'What `promctl validate` needs: read the installed objects, Prometheus through the service proxy, SubjectAccessReviews'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and not __fish_seen_subcommand_from validate install help" -f -a "install" -d 'What `promctl install` needs for these values: apply, list and prune its objects, wait for them, bind Prometheus\'s ClusterRole'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and not __fish_seen_subcommand_from validate install help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -l service-account -d 'The ServiceAccount the CI Job runs as (made in the install\'s namespace)' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -s f -l values -d 'A values file (YAML); repeatable, later files win' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -l set -d 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -l rules -d 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -l service-account -d 'The ServiceAccount the CI Job runs as (made in the install\'s namespace)' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from help" -f -a "validate" -d 'What `promctl validate` needs: read the installed objects, Prometheus through the service proxy, SubjectAccessReviews'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from help" -f -a "install" -d 'What `promctl install` needs for these values: apply, list and prune its objects, wait for them, bind Prometheus\'s ClusterRole'
complete -c promctl -n "__fish_promctl_using_subcommand rbac; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c promctl -n "__fish_promctl_using_subcommand completions" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand completions" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand completions" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand completions" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand completions" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand completions" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand completions" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand version" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]' -r -F
complete -c promctl -n "__fish_promctl_using_subcommand version" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c promctl -n "__fish_promctl_using_subcommand version" -s n -l namespace -d 'Namespace to install into (overrides the `namespace` value)' -r
complete -c promctl -n "__fish_promctl_using_subcommand version" -s o -l output -d 'Output format: text for people, json or yaml for scripts (one document on stdout)' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c promctl -n "__fish_promctl_using_subcommand version" -l timeout -d 'How long to wait for readiness, e.g. 90s, 5m' -r
complete -c promctl -n "__fish_promctl_using_subcommand version" -s v -l verbose -d 'Show more detail'
complete -c promctl -n "__fish_promctl_using_subcommand version" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c promctl -n "__fish_promctl_using_subcommand version" -s h -l help -d 'Print help'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "render" -d 'Print the manifests install would apply (no cluster needed)'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "values" -d 'Print the embedded default values, with comments (or their JSON Schema)'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "install" -d 'Render, check, apply (server-side) in a safe order, then wait until everything is ready'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "diff" -d 'Show what install would change (exit 0: nothing, 1: changes, >1: error)'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "history" -d 'List the revisions install and rollback recorded (values, image, outcome)'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "rollback" -d 'Go back to a recorded revision: its values and rule files, applied and proven as install does (claims untouched)'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "uninstall" -d 'Remove what install created and wait until it is gone (keeps the PVC unless --delete-data)'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "validate" -d 'Check the installed objects, then that Prometheus scrapes every expected job with all targets up'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "doctor" -d 'Find what is wrong, read-only, and say how to fix it: pods, claims, permissions, annotations, down targets, config drift'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "reload" -d 'Push the rendered config and prove that Prometheus loaded it'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "port-forward" -d 'Forward a local port to the Prometheus Service, following pod restarts'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "test" -d 'Run tests: `test rules` runs promtool rule unit tests against the rules promctl renders'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "rbac" -d 'Print the ServiceAccount and least RBAC for running promctl inside the cluster (a CI Job)'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "version" -d 'Print promctl\'s version and the Kubernetes, Prometheus and Alertmanager versions it supports'
complete -c promctl -n "__fish_promctl_using_subcommand help; and not __fish_seen_subcommand_from render values install diff history rollback uninstall validate doctor reload port-forward test rbac completions version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c promctl -n "__fish_promctl_using_subcommand help; and __fish_seen_subcommand_from test" -f -a "rules" -d 'Run promtool rule unit tests (promtool\'s test-file format) against the rules promctl renders, with the promtool of the image it deploys, in a short-lived pod (or --promtool, no cluster)'
complete -c promctl -n "__fish_promctl_using_subcommand help; and __fish_seen_subcommand_from rbac" -f -a "validate" -d 'What `promctl validate` needs: read the installed objects, Prometheus through the service proxy, SubjectAccessReviews'
complete -c promctl -n "__fish_promctl_using_subcommand help; and __fish_seen_subcommand_from rbac" -f -a "install" -d 'What `promctl install` needs for these values: apply, list and prune its objects, wait for them, bind Prometheus\'s ClusterRole'
