
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'promctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'promctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'promctl' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the manifests install would apply (no cluster needed)')
            [CompletionResult]::new('template', 'template', [CompletionResultType]::ParameterValue, 'Print the manifests install would apply (no cluster needed)')
            [CompletionResult]::new('values', 'values', [CompletionResultType]::ParameterValue, 'Print the embedded default values, with comments (or their JSON Schema)')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Render, check, apply (server-side) in a safe order, then wait until everything is ready')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what install would change (exit 0: nothing, 1: changes, >1: error)')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the revisions install and rollback recorded (values, image, outcome)')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Go back to a recorded revision: its values and rule files, applied and proven as install does (claims untouched)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove what install created and wait until it is gone (keeps the PVC unless --delete-data)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the installed objects, then that Prometheus scrapes every expected job with all targets up')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Find what is wrong, read-only, and say how to fix it: pods, claims, permissions, annotations, down targets, config drift')
            [CompletionResult]::new('reload', 'reload', [CompletionResultType]::ParameterValue, 'Push the rendered config and prove that Prometheus loaded it')
            [CompletionResult]::new('port-forward', 'port-forward', [CompletionResultType]::ParameterValue, 'Forward a local port to the Prometheus Service, following pod restarts')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run tests: `test rules` runs promtool rule unit tests against the rules promctl renders')
            [CompletionResult]::new('rbac', 'rbac', [CompletionResultType]::ParameterValue, 'Print the ServiceAccount and least RBAC for running promctl inside the cluster (a CI Job)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print promctl''s version and the Kubernetes, Prometheus and Alertmanager versions it supports')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'promctl;render' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('--config-only', '--config-only', [CompletionResultType]::ParameterName, 'Print only the rendered prometheus.yml')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;template' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('--config-only', '--config-only', [CompletionResultType]::ParameterName, 'Print only the rendered prometheus.yml')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;values' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'Print a JSON Schema of the values instead, for editors (yaml-language-server: $schema=...)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;install' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Server-side dry run: validate against the cluster, change nothing')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take over fields owned by another field manager')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Apply only; do not wait for readiness')
            [CompletionResult]::new('--rollback-on-failure', '--rollback-on-failure', [CompletionResultType]::ParameterName, 'When the rollout fails: show what failed, then roll back to the last deployed revision (exit 1 naming both)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;diff' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;history' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;rollback' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Server-side dry run: validate against the cluster, change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;uninstall' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('--delete-data', '--delete-data', [CompletionResultType]::ParameterName, 'Also delete the PersistentVolumeClaim, and with it the stored metrics')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;validate' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'Path to Prometheus: the API server''s service proxy (no local socket, works in CI) or a port-forward')
            [CompletionResult]::new('--prometheus-url', '--prometheus-url', [CompletionResultType]::ParameterName, 'Talk to Prometheus at this URL instead (when the caller can reach it directly)')
            [CompletionResult]::new('--expect-job', '--expect-job', [CompletionResultType]::ParameterName, 'Expect this job with at least MIN targets (default 1); repeatable. Every configured job is expected anyway')
            [CompletionResult]::new('--skip-job', '--skip-job', [CompletionResultType]::ParameterName, 'Do not expect this job; repeatable')
            [CompletionResult]::new('--wait-targets', '--wait-targets', [CompletionResultType]::ParameterName, 'How long to wait for targets still `unknown` [default: twice the longest scrape interval]')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'A PromQL query that must return a non-empty result; repeatable (replaces the default probes)')
            [CompletionResult]::new('--fail-on-alert', '--fail-on-alert', [CompletionResultType]::ParameterName, 'Fail when an alert with this name, or with this LABEL=VALUE (severity=critical), is firing; repeatable')
            [CompletionResult]::new('--engine-url', '--engine-url', [CompletionResultType]::ParameterName, 'The long-term store''s Prometheus-compatible query URL (Thanos Query, Mimir, VictoriaMetrics): check that remote writes arrive there')
            [CompletionResult]::new('--engine-service', '--engine-service', [CompletionResultType]::ParameterName, 'The same, as an in-cluster Service reached through the API server: NAMESPACE/SERVICE:PORT')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Write a JUnit XML report (one test case per check) for CI dashboards')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('--prometheus-only', '--prometheus-only', [CompletionResultType]::ParameterName, 'Only the Prometheus checks (skip the Kubernetes object checks)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;doctor' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'Path to Prometheus: the API server''s service proxy (no local socket, works in CI) or a port-forward')
            [CompletionResult]::new('--prometheus-url', '--prometheus-url', [CompletionResultType]::ParameterName, 'Talk to Prometheus at this URL instead (when the caller can reach it directly)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;reload' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'Path to Prometheus: the API server''s service proxy (no local socket, works in CI) or a port-forward')
            [CompletionResult]::new('--prometheus-url', '--prometheus-url', [CompletionResultType]::ParameterName, 'Talk to Prometheus at this URL instead (when the caller can reach it directly)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;port-forward' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--local-port', '--local-port', [CompletionResultType]::ParameterName, 'Local port; 0 picks a free one')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'Local address to listen on')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;test' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'Run promtool rule unit tests (promtool''s test-file format) against the rules promctl renders, with the promtool of the image it deploys, in a short-lived pod (or --promtool, no cluster)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'promctl;test;rules' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--promtool', '--promtool', [CompletionResultType]::ParameterName, 'Run this promtool binary on this machine instead of a pod of the deployed image (no cluster needed)')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Write a JUnit XML report (one test case per test file) for CI dashboards')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;test;help' {
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'Run promtool rule unit tests (promtool''s test-file format) against the rules promctl renders, with the promtool of the image it deploys, in a short-lived pod (or --promtool, no cluster)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'promctl;test;help;rules' {
            break
        }
        'promctl;test;help;help' {
            break
        }
        'promctl;rbac' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'What `promctl validate` needs: read the installed objects, Prometheus through the service proxy, SubjectAccessReviews')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'What `promctl install` needs for these values: apply, list and prune its objects, wait for them, bind Prometheus''s ClusterRole')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'promctl;rbac;validate' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--service-account', '--service-account', [CompletionResultType]::ParameterName, 'The ServiceAccount the CI Job runs as (made in the install''s namespace)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;rbac;install' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A values file (YAML); repeatable, later files win')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, e.g. --set replicas=1 --set scrape.jobs.django.interval=20s; repeatable, wins over -f')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'A Prometheus rule file or PrometheusRule object, or a directory of *.yml / *.yaml ones; repeatable (adds to rules.files)')
            [CompletionResult]::new('--service-account', '--service-account', [CompletionResultType]::ParameterName, 'The ServiceAccount the CI Job runs as (made in the install''s namespace)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;rbac;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'What `promctl validate` needs: read the installed objects, Prometheus through the service proxy, SubjectAccessReviews')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'What `promctl install` needs for these values: apply, list and prune its objects, wait for them, bind Prometheus''s ClusterRole')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'promctl;rbac;help;validate' {
            break
        }
        'promctl;rbac;help;install' {
            break
        }
        'promctl;rbac;help;help' {
            break
        }
        'promctl;completions' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;version' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config, else in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to install into (overrides the `namespace` value)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json or yaml for scripts (one document on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for readiness, e.g. 90s, 5m')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'promctl;help' {
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the manifests install would apply (no cluster needed)')
            [CompletionResult]::new('values', 'values', [CompletionResultType]::ParameterValue, 'Print the embedded default values, with comments (or their JSON Schema)')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Render, check, apply (server-side) in a safe order, then wait until everything is ready')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what install would change (exit 0: nothing, 1: changes, >1: error)')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the revisions install and rollback recorded (values, image, outcome)')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Go back to a recorded revision: its values and rule files, applied and proven as install does (claims untouched)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove what install created and wait until it is gone (keeps the PVC unless --delete-data)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the installed objects, then that Prometheus scrapes every expected job with all targets up')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Find what is wrong, read-only, and say how to fix it: pods, claims, permissions, annotations, down targets, config drift')
            [CompletionResult]::new('reload', 'reload', [CompletionResultType]::ParameterValue, 'Push the rendered config and prove that Prometheus loaded it')
            [CompletionResult]::new('port-forward', 'port-forward', [CompletionResultType]::ParameterValue, 'Forward a local port to the Prometheus Service, following pod restarts')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run tests: `test rules` runs promtool rule unit tests against the rules promctl renders')
            [CompletionResult]::new('rbac', 'rbac', [CompletionResultType]::ParameterValue, 'Print the ServiceAccount and least RBAC for running promctl inside the cluster (a CI Job)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print promctl''s version and the Kubernetes, Prometheus and Alertmanager versions it supports')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'promctl;help;render' {
            break
        }
        'promctl;help;values' {
            break
        }
        'promctl;help;install' {
            break
        }
        'promctl;help;diff' {
            break
        }
        'promctl;help;history' {
            break
        }
        'promctl;help;rollback' {
            break
        }
        'promctl;help;uninstall' {
            break
        }
        'promctl;help;validate' {
            break
        }
        'promctl;help;doctor' {
            break
        }
        'promctl;help;reload' {
            break
        }
        'promctl;help;port-forward' {
            break
        }
        'promctl;help;test' {
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'Run promtool rule unit tests (promtool''s test-file format) against the rules promctl renders, with the promtool of the image it deploys, in a short-lived pod (or --promtool, no cluster)')
            break
        }
        'promctl;help;test;rules' {
            break
        }
        'promctl;help;rbac' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'What `promctl validate` needs: read the installed objects, Prometheus through the service proxy, SubjectAccessReviews')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'What `promctl install` needs for these values: apply, list and prune its objects, wait for them, bind Prometheus''s ClusterRole')
            break
        }
        'promctl;help;rbac;validate' {
            break
        }
        'promctl;help;rbac;install' {
            break
        }
        'promctl;help;completions' {
            break
        }
        'promctl;help;version' {
            break
        }
        'promctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
