# Builds the Kubernetes v1.20.2 server binaries from Debian bookworm's `kubernetes` source package.
# Sourced by scripts/cluster; expects log/phase helpers and $CACHE.
#
# Why from source: no Debian suite ships the server binaries, and nothing else may be downloaded.
# The result is cached under $CACHE/kubernetes-$K8S_SRC_VERSION/bin, keyed by the source version.

K8S_SRC_VERSION="1.20.5+really1.20.2-1.1+deb12u1"
K8S_VERSION="v1.20.2"
K8S_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
K8S_BIN="$CACHE/kubernetes-$K8S_SRC_VERSION/bin"

# apt-get with its own sources list and state, so the machine's apt configuration is never changed.
# The mirror and keyring are the ones the machine's own bookworm sources already use.
isolated_apt() {
  local dir=$1 line=$2
  shift 2
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  echo "$line" >"$dir/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o "APT::Sandbox::User=root")
  apt-get "${opts[@]}" -qq update
  apt-get "${opts[@]}" "$@"
}

debian_mirror() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [ -f "$f" ]; then
    awk '/^URIs:/{print $2; exit}' "$f"
  else
    awk '$1=="deb" && $0 ~ /bookworm/ {for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list
  fi
}

debian_keyring() {
  local f=/etc/apt/sources.list.d/debian.sources k
  k=$([ -f "$f" ] && awk '/^Signed-By:/{print $2; exit}' "$f")
  echo "${k:-/usr/share/keyrings/debian-archive-keyring.gpg}"
}

kubernetes_binaries_cached() {
  local b
  for b in "${K8S_BINARIES[@]}"; do [ -x "$K8S_BIN/$b" ] || return 1; done
}

build_kubernetes() {
  kubernetes_binaries_cached && return 0
  local work="$CACHE/build-kubernetes"
  rm -rf "$work"
  mkdir -p "$work"
  log "fetching the source package kubernetes=$K8S_SRC_VERSION"
  (cd "$work" && isolated_apt "$work/apt" "deb-src [signed-by=$(debian_keyring)] $(debian_mirror) bookworm main" \
    -qq source --download-only "kubernetes=$K8S_SRC_VERSION" >/dev/null)

  export GOPATH="$work/gopath" GO111MODULE=off CGO_ENABLED=0 GOCACHE="$CACHE/gocache"
  local tree="$GOPATH/src/k8s.io/kubernetes"
  mkdir -p "$GOPATH/src/k8s.io"
  tar xzf "$work"/kubernetes_*.orig.tar.gz -C "$GOPATH/src/k8s.io"
  mv "$GOPATH/src/k8s.io/kubernetes-1.20.2" "$tree"

  # The vendored reflect2 v1.0.1 crashes (SIGSEGV in map iteration) with Go >= 1.18; Debian's 1.0.2 is the fix.
  rm -rf "$tree/vendor/github.com/modern-go/reflect2"
  cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 "$tree/vendor/github.com/modern-go/reflect2"

  cd "$tree"
  # zz_generated.openapi.go is not in the tarball; generate it as build/root/Makefile.generated_files does.
  log "generating pkg/generated/openapi"
  go build -o "$work/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
  local dirs
  dirs=$(grep -RlE '^// *\+k8s:openapi-gen=' --include='*.go' pkg vendor/k8s.io |
    grep -vE '^vendor/k8s.io/(code-generator|sample-apiserver)/' | xargs -n1 dirname | LC_ALL=C sort -u |
    sed 's|^|k8s.io/kubernetes/|' | paste -sd, -)
  "$work/openapi-gen" --logtostderr -i "$dirs" -p k8s.io/kubernetes/pkg/generated/openapi \
    -O zz_generated.openapi -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt \
    -r "$work/violations.report" 2>"$work/openapi-gen.log"

  local v=k8s.io/kubernetes/vendor/k8s.io ldflags="-s -w" pkg
  for pkg in "$v/component-base/version" "$v/client-go/pkg/version"; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=20"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=2021-01-13T13:20:00Z"
  done
  mkdir -p "$work/bin"
  local b
  for b in "${K8S_BINARIES[@]}"; do
    log "go build cmd/$b"
    go build -tags selinux,notest -ldflags "$ldflags" -o "$work/bin/$b" "./cmd/$b"
  done
  mkdir -p "$(dirname "$K8S_BIN")"
  # The pod sandbox image is built from the same tree (scripts/lib/images.sh).
  cp build/pause/linux/pause.c "$(dirname "$K8S_BIN")/pause.c"
  rm -rf "$K8S_BIN"
  mv "$work/bin" "$K8S_BIN"
  cd /
  rm -rf "$work"
}
