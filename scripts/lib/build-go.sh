# Builds the test bed's programs from their own Go modules (the Go module proxy is the one source).
# Sourced by scripts/cluster; expects log and $CACHE (scripts/lib/common.sh).
#
# Each program is built in a throwaway wrapper module that requires the upstream module at one exact
# version, and installed under $CACHE/go/NAME-VERSION/bin: keyed by version, outside the repo, so a
# second `up` (or another checkout) reuses it. The Go caches (GOMODCACHE, GOCACHE) are Go's defaults.

GO_BUILDS="$CACHE/go"

# Versions: the newest served of each line this test bed supports (README lists the support window).
ETCD_VERSION=v3.6.16
CONTAINERD_VERSION=v2.4.2
RUNC_VERSION=v1.4.4
PROMETHEUS2_VERSION=v0.48.0 # Prometheus 2.48.0, the default image of promctl's values
PROMETHEUS3_VERSION=v0.316.0 # Prometheus 3.16.0
KSM_VERSION=v2.18.0
ALERTMANAGER_VERSION=v0.35.0
# The remote-write store of the tests: VictoriaMetrics single-node takes remote_write, answers PromQL
# and deduplicates (-dedup.minScrapeInterval).
VICTORIAMETRICS_VERSION=v1.151.0
# Thanos (sidecar, query), built with upstream's tags (its .promu.yml): Thanos casts its label type to
# Prometheus's labels.Labels, valid only when Prometheus's packages are built with slicelabels; without
# the tag Receive and the sidecar's Store API panic in grpc's buffer pool.
THANOS_VERSION=v0.42.4
# The object store the Thanos tests upload blocks to: SeaweedFS's S3 gateway (Apache-2.0; the test bed runs no AGPL software).
# The module proxy serves it by pseudo-version only.
SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6
# Cluster DNS, as every real cluster has it: Thanos Query finds the sidecars by DNS SRV records of their
# headless Service, the way teams configure it.
COREDNS_VERSION=v1.15.0

go_build_dir() { echo "$GO_BUILDS/$1-$2/bin"; }
NODE_BIN="$GO_BUILDS/node-etcd-$ETCD_VERSION-containerd-$CONTAINERD_VERSION-runc-$RUNC_VERSION"

# wrapper_replaces GOMOD LOCAL_VERSION: a dependency's go.mod `replace` lines are ignored by Go, so the
# wrapper restates them. Local ones (=> ./dir or ../dir, e.g. Kubernetes' staging modules or etcd's
# sibling modules) become the published module at LOCAL_VERSION; remote ones are copied as they are.
wrapper_replaces() {
  local gomod=$1 local_version=$2
  awk -v v="$local_version" '
    /^[ \t]*\/\// { next }          # comments (Thanos annotates its replaces)
    /^[ \t]*$/ { next }
    { sub(/[ \t]*\/\/.*$/, "") }      # a comment after a replace
    /^replace *\(/ { inblock = 1; next }
    inblock && /^\)/ { inblock = 0; next }
    /^replace / { sub(/^replace */, ""); line = $0 }
    inblock { line = $0 }
    line != "" {
      n = split(line, f, /[ \t]+/); off = (f[1] == "") ? 1 : 0
      # f[1+off]=module [version] => target [version]
      for (i = 1 + off; i <= n; i++) if (f[i] == "=>") arrow = i
      target = f[arrow + 1]
      mod = f[1 + off]
      if (target ~ /^\.\.?\//) {
        # Only where LOCAL_VERSION fits the module path (same /vN suffix): etcd also
        # replaces go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY, a guard that means nothing here.
        suffix = (match(mod, /\/v[0-9]+$/) ? substr(mod, RSTART + 2) : "")
        vmajor = substr(v, 2); sub(/\..*/, "", vmajor)
        if ((suffix == "" && vmajor <= 1) || suffix == vmajor) printf "replace %s => %s %s\n", mod, mod, v
      }
      else { sub(/^[ \t]+/, "", line); printf "replace %s\n", line }
      line = ""
    }' "$gomod"
}

# go_module_build NAME MODULE VERSION LOCAL_VERSION LDFLAGS TAGS CGO PKG...
# Builds each PKG (a package path inside MODULE, "." for the module root) into
# $(go_build_dir NAME VERSION)/<last path element>; PKG may be given as PATH=BINARY to rename.
go_module_build() {
  local name=$1 module=$2 version=$3 local_version=$4 ldflags=$5 tags=$6 cgo=$7
  shift 7
  local out work gomod pkg path bin missing=()
  out=$(go_build_dir "$name" "$version")
  for pkg in "$@"; do
    bin=${pkg#*=}
    [ "$bin" = "$pkg" ] && bin=$(basename "$pkg")
    [ -x "$out/$bin" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  set -- "${missing[@]}"
  work=$(mktemp -d "${TMPDIR:-/tmp}/promctl-gobuild.XXXXXX")
  log "go: $module@$version (cold cache: downloading and compiling)"
  gomod=$(cd "$work" && go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [ -s "$gomod" ] || die "go mod download $module@$version failed"
  {
    echo "module promctl.test/build/$name"
    # The wrapper takes the upstream go directive (and its toolchain needs) as they are.
    grep -m1 -E '^go [0-9]' "$gomod"
    grep -E '^godebug ' "$gomod" || true
    echo "require $module $version"
    wrapper_replaces "$gomod" "$local_version"
  } >"$work/go.mod"
  local targets=()
  for pkg in "$@"; do
    path=${pkg%%=*}
    [ "$path" = "." ] && path=$module || path="$module/$path"
    targets+=("$path")
  done
  (cd "$work" && GOFLAGS=-mod=mod go get "${targets[@]/%/@$version}" >"$work/get.log" 2>&1) ||
    { tail -20 "$work/get.log" >&2; die "resolving $module@$version failed (log above)"; }
  mkdir -p "$out"
  for pkg in "$@"; do
    path=${pkg%%=*}
    bin=${pkg#*=}
    [ "$bin" = "$pkg" ] && bin=$(basename "$path")
    [ "$path" = "." ] && path=$module || path="$module/$path"
    log "go build $path -> $bin"
    # Into a temporary name first: an interrupted build never leaves a binary that looks complete.
    (cd "$work" && CGO_ENABLED=$cgo GOFLAGS=-mod=mod go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out/$bin.partial" "$path") ||
      die "go build $path failed"
    mv "$out/$bin.partial" "$out/$bin"
  done
  rm -rf "$work"
}

# kubernetes_version_for MINOR: the newest patch release of 1.MINOR that the module proxy serves.
kubernetes_version_for() {
  local minor=$1 cached="$GO_BUILDS/kubernetes-latest-1.$1"
  if [ -s "$cached" ]; then cat "$cached"; return 0; fi
  local v
  v=$(cd /tmp && GOFLAGS=-mod=mod go list -m -versions k8s.io/kubernetes 2>/dev/null | tr ' ' '\n' |
    grep -E "^v1\.$minor\.[0-9]+$" | sort -V | tail -1)
  [ -n "$v" ] || die "the module proxy serves no k8s.io/kubernetes v1.$minor.x"
  mkdir -p "$GO_BUILDS" && echo "$v" >"$cached"
  echo "$v"
}

build_kubernetes() {
  local version=$1 minor patch ldflags
  minor=$(echo "$version" | cut -d. -f2)
  patch=$(echo "$version" | cut -d. -f3)
  # Without these the binaries report v0.0.0-master, and version skew checks misfire.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  go_module_build kubernetes k8s.io/kubernetes "$version" "v0.$minor.$patch" "-s -w$ldflags" "selinux,notest" 0 \
    cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler cmd/kubelet cmd/kube-proxy cmd/kubectl
  # The pod sandbox image is built from the same module (scripts/lib/images.sh).
  cp "$(go env GOMODCACHE)/k8s.io/kubernetes@$version/build/pause/linux/pause.c" "$(go_build_dir kubernetes "$version")/pause.c"
}

build_node_programs() {
  go_module_build etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION" \
    "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=promctl" "" 0 .=etcd
  local c=github.com/containerd/containerd/v2
  go_module_build containerd "$c" "$CONTAINERD_VERSION" "$CONTAINERD_VERSION" \
    "-s -w -X $c/version.Version=$CONTAINERD_VERSION" "no_btrfs" 0 cmd/containerd cmd/ctr
  # The shim is built without gRPC (as upstream's release does); it talks ttrpc to containerd.
  go_module_build containerd-shim "$c" "$CONTAINERD_VERSION" "$CONTAINERD_VERSION" \
    "-s -w -X $c/version.Version=$CONTAINERD_VERSION" "no_grpc" 0 cmd/containerd-shim-runc-v2
  # runc needs cgo for libseccomp (Debian's libseccomp-dev).
  go_module_build runc github.com/opencontainers/runc "$RUNC_VERSION" "$RUNC_VERSION" \
    "-s -w -X main.version=${RUNC_VERSION#v}" "seccomp" 1 .=runc
  # One directory for the node's programs: containerd finds its shim on PATH.
  local dir
  mkdir -p "$NODE_BIN"
  for dir in "$(go_build_dir etcd "$ETCD_VERSION")" "$(go_build_dir containerd "$CONTAINERD_VERSION")" \
    "$(go_build_dir containerd-shim "$CONTAINERD_VERSION")" "$(go_build_dir runc "$RUNC_VERSION")"; do
    ln -sf "$dir"/* "$NODE_BIN/"
  done
}

# Prometheus module v0.MINOR.PATCH is Prometheus 2.MINOR.PATCH below v0.300, 3.(MINOR-300).PATCH above.
prometheus_release() {
  local minor patch
  minor=$(echo "$1" | cut -d. -f2)
  patch=$(echo "$1" | cut -d. -f3)
  if [ "$minor" -ge 300 ]; then echo "3.$((minor - 300)).$patch"; else echo "2.$minor.$patch"; fi
}

# The Go sources of the Prometheus and Alertmanager versions promctl supports, with the
# prometheus/common and sigv4 modules each requires (tests/upstream_types.rs reads their config
# types). Downloads what the module cache lacks; prints the cache's directory.
upstream_sources() {
  local cache module dependency version
  cache=$(go env GOMODCACHE)
  for module in "github.com/prometheus/prometheus@$PROMETHEUS2_VERSION" "github.com/prometheus/prometheus@$PROMETHEUS3_VERSION" \
    "github.com/prometheus/alertmanager@$ALERTMANAGER_VERSION"; do
    [ -f "$cache/$module/go.mod" ] || (cd /tmp && go mod download "$module") >&2
    for dependency in github.com/prometheus/common github.com/prometheus/sigv4 github.com/prometheus/common/sigv4; do
      version=$(awk -v d="$dependency" '$1 == d {print $2}' "$cache/$module/go.mod")
      [ -z "$version" ] || [ -f "$cache/$dependency@$version/go.mod" ] || (cd /tmp && go mod download "$dependency@$version") >&2
    done
  done
  echo "$cache"
}

build_prometheus() {
  local version=$1 release tags="" v=github.com/prometheus/common/version
  release=$(prometheus_release "$version")
  # Prometheus 3 can leave out the cloud service discoveries (their SDKs are most of the build time);
  # the test bed uses Kubernetes, DNS, file and static discovery. 2.48 has no such tags.
  case "$release" in 3.*) tags="remove_all_sd,enable_kubernetes_sd,enable_dns_sd" ;; esac
  go_module_build prometheus github.com/prometheus/prometheus "$version" "$version" \
    "-s -w -X $v.Version=$release -X $v.Revision=module-$version -X $v.Branch=release -X $v.BuildUser=promctl-testbed" \
    "$tags" 0 cmd/prometheus cmd/promtool
}

# Prometheus with its web UI, as upstream's images have it; the test bed's images and the tests'
# loopback Prometheus are this build. The module's zip holds the UI's sources (web/ui) but not the
# built assets. Built from a writable copy of the module, then scripts/compress_assets.sh and go build
# with upstream's tags (builtinassets: without it every page answers "Error opening React
# index.html"). Cached under $(go_build_dir prometheus-ui VERSION).
# - 2.x: the React UI with npm. The zip leaves out every vendor/ directory, so the UI's copy of flot is
#   missing: the npm package flot@0.8.3 has the same five files. Tags netgo,builtinassets,stringlabels.
# - 3.x: the Mantine UI with pnpm 10 (pnpm 11 wants a newer Node). Its lockfile asks @mantine/*@9.7.2,
#   which the npm registry reachable here does not serve for @mantine/code-highlight; every @mantine
#   package is pinned to 9.6.2 (pnpm-workspace.yaml overrides), the newest version served for all six
#   that the UI's type check passes with (9.8.1 makes Select's option nullable: five tsc errors).
#   The module has a go.work: GOWORK=off builds it as the module it is. Tags as build_prometheus's
#   plus builtinassets.
build_prometheus_with_ui() {
  local version=$1 release out work dir f tags v=github.com/prometheus/common/version
  release=$(prometheus_release "$version")
  out=$(go_build_dir prometheus-ui "$version")
  [ -x "$out/prometheus" ] && [ -x "$out/promtool" ] && return 0
  work=$(mktemp -d "${TMPDIR:-/tmp}/promctl-ui.XXXXXX")
  dir=$(cd "$work" && go mod download -json "github.com/prometheus/prometheus@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "go mod download github.com/prometheus/prometheus@$version failed"
  cp -r "$dir" "$work/src" && chmod -R u+w "$work/src"
  log "Prometheus $release's web UI (a few minutes on a cold cache)"
  case "$release" in
    2.*)
      tags=netgo,builtinassets,stringlabels
      (cd "$work" && npm pack --silent flot@0.8.3 >/dev/null && tar xzf flot-0.8.3.tgz) || die "npm pack flot@0.8.3 failed"
      mkdir -p "$work/src/web/ui/react-app/src/vendor/flot"
      for f in jquery.flot jquery.flot.stack jquery.flot.time jquery.flot.crosshair jquery.flot.selection; do
        cp "$work/package/$f.js" "$work/src/web/ui/react-app/src/vendor/flot/$f.js"
      done
      (cd "$work/src/web/ui" && npm ci --no-audit --no-fund --loglevel=error &&
        NODE_OPTIONS=--max-old-space-size=4096 npm run build) >"$work/ui.log" 2>&1 ||
        { tail -30 "$work/ui.log" >&2; die "building Prometheus $release's web UI failed (log above)"; }
      ;;
    *)
      tags=netgo,builtinassets,remove_all_sd,enable_kubernetes_sd,enable_dns_sd
      command -v pnpm >/dev/null || npm install --global --no-audit --no-fund --loglevel=error pnpm@10 >/dev/null ||
        die "npm install --global pnpm@10 failed"
      printf '%s\n' "overrides:" "  '@mantine/code-highlight': 9.6.2" "  '@mantine/core': 9.6.2" "  '@mantine/dates': 9.6.2" \
        "  '@mantine/hooks': 9.6.2" "  '@mantine/notifications': 9.6.2" "  '@mantine/store': 9.6.2" \
        >>"$work/src/web/ui/pnpm-workspace.yaml"
      (cd "$work/src/web/ui" && pnpm install --reporter=silent && CI="" pnpm run build:mantine-ui) >"$work/ui.log" 2>&1 ||
        { tail -30 "$work/ui.log" >&2; die "building Prometheus $release's web UI failed (log above)"; }
      ;;
  esac
  (cd "$work/src" && bash scripts/compress_assets.sh) >>"$work/ui.log" 2>&1 || die "compressing the UI's assets failed"
  mkdir -p "$out"
  for f in prometheus promtool; do
    log "go build ./cmd/$f (Prometheus $release with its web UI)"
    (cd "$work/src" && GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags "$tags" \
      -ldflags "-s -w -X $v.Version=$release -X $v.Revision=module-$version -X $v.Branch=release -X $v.BuildUser=promctl-testbed" \
      -o "$out/$f.partial" "./cmd/$f") || die "go build ./cmd/$f of Prometheus $release failed"
    mv "$out/$f.partial" "$out/$f"
  done
  rm -rf "$work"
}

build_kube_state_metrics() {
  go_module_build kube-state-metrics k8s.io/kube-state-metrics/v2 "$KSM_VERSION" "$KSM_VERSION" \
    "-s -w -X github.com/prometheus/common/version.Version=${KSM_VERSION#v}" "" 0 .=kube-state-metrics
}

# Alertmanager's module leaves out its web UI (ui/app/dist is built with npm at release time, and the npm
# registry here lacks its packages), so `go build` of the module fails on the embed. It is built from a
# copy of the module with a placeholder page there; the API, which promctl and the tests use, is whole.
build_alertmanager() {
  local out work src v=github.com/prometheus/common/version module=github.com/prometheus/alertmanager cmd dist
  out=$(go_build_dir alertmanager "$ALERTMANAGER_VERSION")
  [ -x "$out/alertmanager" ] && [ -x "$out/amtool" ] && return 0
  work=$(mktemp -d "${TMPDIR:-/tmp}/promctl-gobuild.XXXXXX")
  log "go: $module@$ALERTMANAGER_VERSION (cold cache: downloading and compiling; web UI left out)"
  src=$(cd "$work" && go mod download -json "$module@$ALERTMANAGER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src" ] || die "go mod download $module@$ALERTMANAGER_VERSION failed"
  cp -r "$src" "$work/src"
  chmod -R u+w "$work/src"
  for dist in elm mantine; do
    mkdir -p "$work/src/ui/app/dist/$dist"
    echo '<!doctype html><title>Alertmanager</title><p>The web UI is not built in the promctl test bed; the API is.' \
      >"$work/src/ui/app/dist/$dist/index.html"
  done
  mkdir -p "$out"
  for cmd in alertmanager amtool; do
    log "go build $module/cmd/$cmd -> $cmd"
    (cd "$work/src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
      -ldflags "-s -w -X $v.Version=${ALERTMANAGER_VERSION#v} -X $v.Revision=module-$ALERTMANAGER_VERSION -X $v.Branch=release -X $v.BuildUser=promctl-testbed" \
      -o "$out/$cmd.partial" "./cmd/$cmd") || die "go build $module/cmd/$cmd failed"
    mv "$out/$cmd.partial" "$out/$cmd"
  done
  rm -rf "$work"
}

build_victoriametrics() {
  local b=github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo
  go_module_build victoriametrics github.com/VictoriaMetrics/VictoriaMetrics "$VICTORIAMETRICS_VERSION" "$VICTORIAMETRICS_VERSION" \
    "-s -w -X $b.Version=victoria-metrics-$VICTORIAMETRICS_VERSION" "" 0 app/victoria-metrics
}

build_thanos() {
  local b=github.com/prometheus/common/version
  go_module_build thanos github.com/thanos-io/thanos "$THANOS_VERSION" "$THANOS_VERSION" \
    "-s -w -X $b.Version=${THANOS_VERSION#v}" "netgo,slicelabels" 0 cmd/thanos
}

build_seaweedfs() {
  go_module_build seaweedfs github.com/seaweedfs/seaweedfs "$SEAWEEDFS_VERSION" "$SEAWEEDFS_VERSION" "-s -w" "" 0 weed
}

build_coredns() {
  go_module_build coredns github.com/coredns/coredns "$COREDNS_VERSION" "$COREDNS_VERSION" \
    "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" "" 0 .=coredns
}
