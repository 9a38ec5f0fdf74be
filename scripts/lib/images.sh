# Builds the test bed's container images from Go modules (scripts/lib/build-go.sh) and Debian packages,
# with no registry. Sourced by scripts/cluster; expects log, $CACHE and $ROOT (scripts/lib/common.sh).
#
# Each image is written as a docker-archive tar (manifest.json + config + one layer), which
# `ctr images import` understands, and cached under $CACHE/images keyed by its inputs.

IMAGES_DIR="$CACHE/images"
SHOP_IMAGE="localhost/shop:1"
BUSYBOX_IMAGE="localhost/busybox:1"
PAUSE_IMAGE="localhost/pause:3.10"
# Prometheus under the names promctl's values use, so the defaults install with no overrides.
prometheus_image() { echo "docker.io/prom/prometheus:v$(prometheus_release "$1")"; }
KSM_IMAGE="registry.k8s.io/kube-state-metrics/kube-state-metrics:$KSM_VERSION"

# write_image_archive NAME:TAG ROOTFS_DIR CONFIG_JSON OUT.tar
# CONFIG_JSON is the image's runtime config object ({"Entrypoint": [...], "Env": [...]}).
write_image_archive() {
  local ref=$1 rootfs=$2 config=$3 out=$4 tmp layer_sha config_sha
  tmp=$(mktemp -d)
  tar --numeric-owner --sort=name --mtime=@0 -C "$rootfs" -cf "$tmp/layer.tar" .
  layer_sha=$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
  mkdir "$tmp/$layer_sha"
  mv "$tmp/layer.tar" "$tmp/$layer_sha/layer.tar"
  printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$config" "$layer_sha" >"$tmp/config.json"
  config_sha=$(sha256sum "$tmp/config.json" | cut -d' ' -f1)
  mv "$tmp/config.json" "$tmp/$config_sha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
    "$config_sha" "$ref" "$layer_sha" >"$tmp/manifest.json"
  tar -C "$tmp" -cf "$out.partial" manifest.json "$config_sha.json" "$layer_sha"
  mv "$out.partial" "$out"
  rm -rf "$tmp"
}

# copy_libraries ROOTFS BINARY: every shared library that ldd names for BINARY, at the same paths.
copy_libraries() {
  local rootfs=$1 lib
  for lib in $(ldd "$2" 2>/dev/null | grep -oE '/[^ ]+' || true); do
    [ -e "$rootfs$lib" ] || install -D "$(readlink -f "$lib")" "$rootfs$lib"
  done
}

# The /etc of every image built here. `hosts: files dns`, as upstream's images have it: Go reads
# nsswitch.conf, and with `files` alone a program never asks the cluster's DNS (Prometheus could not
# scrape exporter.NAMESPACE.svc). ETC_LAYOUT is in each archive's name: a changed /etc is rebuilt.
ETC_LAYOUT=2
minimal_etc() {
  local rootfs=$1
  mkdir -p "$rootfs/etc" "$rootfs/tmp"
  chmod 1777 "$rootfs/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
}

build_pause_image() {
  local out="$IMAGES_DIR/pause-3.10.tar" rootfs
  [ -s "$out" ] && return 0
  rootfs=$(mktemp -d)
  # pause.c is kept next to the Kubernetes binaries by build_kubernetes.
  gcc -Os -static -o "$rootfs/pause" "$K8S_BIN/pause.c"
  write_image_archive "$PAUSE_IMAGE" "$rootfs" '{"Entrypoint":["/pause"],"User":"65535:65535"}' "$out"
  rm -rf "$rootfs"
}

build_busybox_image() {
  local out="$IMAGES_DIR/busybox-1-etc$ETC_LAYOUT.tar" rootfs
  [ -s "$out" ] && return 0
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs/bin"
  cp /bin/busybox "$rootfs/bin/busybox"
  local applet
  for applet in $("$rootfs/bin/busybox" --list); do
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
  done
  minimal_etc "$rootfs"
  write_image_archive "$BUSYBOX_IMAGE" "$rootfs" \
    '{"Entrypoint":["/bin/sh"],"Env":["PATH=/bin"]}' "$out"
  rm -rf "$rootfs"
}

# busybox and a shell as in the upstream image (which is busybox-based): `promctl reload` can fall
# back to SIGHUP through exec, and the e2e tests read the mounted config through exec.
add_busybox() {
  local rootfs=$1 applet
  shift
  install -D /bin/busybox "$rootfs/bin/busybox"
  for applet in "$@"; do ln -sf busybox "$rootfs/bin/$applet"; done
}

# Prometheus built from its Go module (build_prometheus), laid out as the upstream image is: same
# entrypoint, arguments, user, working directory and default config. The archive's name carries the
# layout's revision: a changed layout (2: df added, for doctor's capacity; 4: the web UI) is rebuilt,
# not taken from cache.
PROMETHEUS_IMAGE_LAYOUT=4
prometheus_image_archive() { echo "$IMAGES_DIR/prometheus-$(prometheus_release "$1")-layout$PROMETHEUS_IMAGE_LAYOUT-etc$ETC_LAYOUT.tar"; }
build_prometheus_image() {
  local version=$1 release out rootfs bin
  release=$(prometheus_release "$version")
  out=$(prometheus_image_archive "$version")
  [ -s "$out" ] && return 0
  # With its web UI, as upstream's image: the seed's README opens Status -> Targets.
  build_prometheus_with_ui "$version"
  bin=$(go_build_dir prometheus-ui "$version")
  rootfs=$(mktemp -d)
  minimal_etc "$rootfs"
  install -D "$bin/prometheus" "$rootfs/bin/prometheus"
  install -D "$bin/promtool" "$rootfs/bin/promtool"
  add_busybox "$rootfs" sh kill cat ls wget df
  mkdir -p "$rootfs/etc/prometheus" "$rootfs/prometheus"
  printf 'global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: [localhost:9090]\n' \
    >"$rootfs/etc/prometheus/prometheus.yml"
  chown 65534:65534 "$rootfs/prometheus"
  write_image_archive "$(prometheus_image "$version")" "$rootfs" \
    '{"Entrypoint":["/bin/prometheus"],"Cmd":["--config.file=/etc/prometheus/prometheus.yml","--storage.tsdb.path=/prometheus"],"User":"nobody","WorkingDir":"/prometheus","Env":["PATH=/bin"],"ExposedPorts":{"9090/tcp":{}}}' \
    "$out"
  rm -rf "$rootfs"
}

# Alertmanager built from its Go module, laid out as the upstream image is (entrypoint, user, paths).
ALERTMANAGER_IMAGE="docker.io/prom/alertmanager:$ALERTMANAGER_VERSION"
build_alertmanager_image() {
  local out="$IMAGES_DIR/alertmanager-$ALERTMANAGER_VERSION-etc$ETC_LAYOUT.tar" rootfs bin
  [ -s "$out" ] && return 0
  build_alertmanager
  bin=$(go_build_dir alertmanager "$ALERTMANAGER_VERSION")
  rootfs=$(mktemp -d)
  minimal_etc "$rootfs"
  install -D "$bin/alertmanager" "$rootfs/bin/alertmanager"
  install -D "$bin/amtool" "$rootfs/bin/amtool"
  add_busybox "$rootfs" sh cat ls wget
  mkdir -p "$rootfs/etc/alertmanager" "$rootfs/alertmanager"
  printf 'route:\n  receiver: default\nreceivers:\n  - name: default\n' >"$rootfs/etc/alertmanager/alertmanager.yml"
  chown 65534:65534 "$rootfs/alertmanager"
  write_image_archive "$ALERTMANAGER_IMAGE" "$rootfs" \
    '{"Entrypoint":["/bin/alertmanager"],"Cmd":["--config.file=/etc/alertmanager/alertmanager.yml","--storage.path=/alertmanager"],"User":"nobody","WorkingDir":"/alertmanager","Env":["PATH=/bin"],"ExposedPorts":{"9093/tcp":{}}}' \
    "$out"
  rm -rf "$rootfs"
}

# one_binary_image REF OUT BINARY PATH CONFIG [APPLET...]: an image of one Go binary (installed at PATH
# in the image) on a minimal /etc, with busybox APPLETs when given (a shell and wget for exec).
one_binary_image() {
  local ref=$1 out=$2 binary=$3 path=$4 config=$5 rootfs
  shift 5
  rootfs=$(mktemp -d)
  minimal_etc "$rootfs"
  install -D "$binary" "$rootfs$path"
  [ $# -eq 0 ] || add_busybox "$rootfs" "$@"
  write_image_archive "$ref" "$rootfs" "$config" "$out"
  rm -rf "$rootfs"
}

# VictoriaMetrics single-node built from its Go module (build_victoriametrics), laid out as upstream's
# image: /victoria-metrics-prod.
VICTORIAMETRICS_IMAGE="docker.io/victoriametrics/victoria-metrics:$VICTORIAMETRICS_VERSION"
build_victoriametrics_image() {
  local out="$IMAGES_DIR/victoriametrics-$VICTORIAMETRICS_VERSION-etc$ETC_LAYOUT.tar"
  [ -s "$out" ] && return 0
  build_victoriametrics
  one_binary_image "$VICTORIAMETRICS_IMAGE" "$out" "$(go_build_dir victoriametrics "$VICTORIAMETRICS_VERSION")/victoria-metrics" \
    /victoria-metrics-prod '{"Entrypoint":["/victoria-metrics-prod"],"ExposedPorts":{"8428/tcp":{}}}'
}

build_kube_state_metrics_image() {
  local out="$IMAGES_DIR/kube-state-metrics-$KSM_VERSION-etc$ETC_LAYOUT.tar"
  [ -s "$out" ] && return 0
  build_kube_state_metrics
  one_binary_image "$KSM_IMAGE" "$out" "$(go_build_dir kube-state-metrics "$KSM_VERSION")/kube-state-metrics" \
    /kube-state-metrics '{"Entrypoint":["/kube-state-metrics","--port=8080","--telemetry-port=8081"],"User":"65534"}'
}

# The shop workload: a real Debian root filesystem with PostgreSQL, Redis, nginx, their exporters,
# Django with django-prometheus, Celery and celery-prometheus-exporter (PyPI: its `celery-exporter` is an
# unrelated Rust project that does not build). The app itself is a ConfigMap in tests/shop/shop.yaml.
SHOP_PACKAGES="postgresql,redis-server,nginx-light,prometheus-postgres-exporter,prometheus-redis-exporter,prometheus-nginx-exporter,python3-django,python3-django-prometheus,python3-celery,python3-redis,python3-prometheus-client,python3-setuptools,busybox"
CELERY_EXPORTER_VERSION="1.7.0"

build_shop_image() {
  local key out work rootfs
  key=$(echo "$SHOP_PACKAGES $CELERY_EXPORTER_VERSION" | sha256sum | cut -c1-12)
  out="$IMAGES_DIR/shop-$key.tar"
  [ -s "$out" ] && return 0
  work=$(mktemp -d)
  rootfs="$work/rootfs"
  log "mmdebstrap of the shop image (postgresql, redis, nginx, exporters, django, celery)"
  mmdebstrap --quiet --variant=apt --include="$SHOP_PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$rootfs" "deb [signed-by=$(debian_keyring)] $(debian_mirror) bookworm main"
  pip download --quiet --no-deps --no-binary :all: -d "$work/pip" "celery-prometheus-exporter==$CELERY_EXPORTER_VERSION"
  tar xzf "$work"/pip/celery-prometheus-exporter-*.tar.gz -C "$work/pip"
  install -D "$work"/pip/celery-prometheus-exporter-*/celery_prometheus_exporter.py \
    "$rootfs/usr/lib/python3/dist-packages/celery_prometheus_exporter.py"
  rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
  rm -f "$IMAGES_DIR"/shop-*.tar
  write_image_archive "$SHOP_IMAGE" "$rootfs" \
    '{"Entrypoint":["/bin/sh","-c"],"Env":["PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin:/usr/lib/postgresql/15/bin"]}' "$out"
  rm -rf "$work"
}

# Thanos built from its Go module (build_thanos), under upstream's image name: /bin/thanos, and a
# busybox shell and wget for exec.
THANOS_IMAGE="quay.io/thanos/thanos:$THANOS_VERSION"
build_thanos_image() {
  local out="$IMAGES_DIR/thanos-$THANOS_VERSION-etc$ETC_LAYOUT.tar"
  [ -s "$out" ] && return 0
  build_thanos
  one_binary_image "$THANOS_IMAGE" "$out" "$(go_build_dir thanos "$THANOS_VERSION")/thanos" /bin/thanos \
    '{"Entrypoint":["/bin/thanos"],"User":"nobody","Env":["PATH=/bin"],"ExposedPorts":{"10901/tcp":{},"10902/tcp":{}}}' \
    sh cat ls wget
}

# SeaweedFS's `weed` built from its Go module (build_seaweedfs): one binary that runs the master, a
# volume server, the filer and the S3 gateway (`weed server -s3`).
SEAWEEDFS_IMAGE="docker.io/chrislusf/seaweedfs:${SEAWEEDFS_VERSION##*-}"
build_seaweedfs_image() {
  local out="$IMAGES_DIR/seaweedfs-${SEAWEEDFS_VERSION##*-}-etc$ETC_LAYOUT.tar"
  [ -s "$out" ] && return 0
  build_seaweedfs
  one_binary_image "$SEAWEEDFS_IMAGE" "$out" "$(go_build_dir seaweedfs "$SEAWEEDFS_VERSION")/weed" /usr/bin/weed \
    '{"Entrypoint":["/usr/bin/weed"],"Env":["PATH=/usr/bin:/bin"],"ExposedPorts":{"8333/tcp":{}}}' \
    sh cat ls wget mkdir echo
}

# CoreDNS built from its Go module (build_coredns), laid out as upstream's image: /coredns.
COREDNS_IMAGE="registry.k8s.io/coredns/coredns:$COREDNS_VERSION"
build_coredns_image() {
  local out="$IMAGES_DIR/coredns-$COREDNS_VERSION-etc$ETC_LAYOUT.tar"
  [ -s "$out" ] && return 0
  build_coredns
  one_binary_image "$COREDNS_IMAGE" "$out" "$(go_build_dir coredns "$COREDNS_VERSION")/coredns" /coredns \
    '{"Entrypoint":["/coredns"],"ExposedPorts":{"53/tcp":{},"53/udp":{}}}'
}

# promctl itself as an image (issue: promctl as a CI step inside the cluster, a Job with a
# ServiceAccount): the binary scripts/test built, its debug info stripped, its shared libraries, and a
# busybox shell (a Job's script writes the JUnit file to its log). Named by the binary's content, so
# each change of promctl is a new image: localhost/promctl:<first 12 of its sha256>.
PROMCTL_IMAGE_REPOSITORY="localhost/promctl"
build_promctl_image() {
  local binary=$1 rootfs key out
  rootfs=$(mktemp -d)
  install -D "$binary" "$rootfs/usr/local/bin/promctl"
  strip --strip-debug "$rootfs/usr/local/bin/promctl"
  key=$(sha256sum "$rootfs/usr/local/bin/promctl" | cut -c1-12)
  out="$IMAGES_DIR/promctl-$key.tar"
  if [ ! -s "$out" ]; then
    rm -f "$IMAGES_DIR"/promctl-*.tar
    minimal_etc "$rootfs"
    copy_libraries "$rootfs" "$binary"
    add_busybox "$rootfs" sh cat
    write_image_archive "$PROMCTL_IMAGE_REPOSITORY:$key" "$rootfs" \
      '{"Entrypoint":["/usr/local/bin/promctl"],"User":"65532:65532","Env":["PATH=/usr/local/bin:/bin"]}' "$out"
  fi
  rm -rf "$rootfs"
  echo "$out"
}

build_images() {
  mkdir -p "$IMAGES_DIR"
  build_pause_image
  build_busybox_image
  build_prometheus_image "$PROMETHEUS2_VERSION"
  build_prometheus_image "$PROMETHEUS3_VERSION"
  build_kube_state_metrics_image
  build_alertmanager_image
  build_victoriametrics_image
  build_thanos_image
  build_seaweedfs_image
  build_coredns_image
  build_shop_image
}

image_archives() {
  ls "$IMAGES_DIR"/pause-3.10.tar "$IMAGES_DIR/busybox-1-etc$ETC_LAYOUT.tar" \
    "$(prometheus_image_archive "$PROMETHEUS2_VERSION")" "$(prometheus_image_archive "$PROMETHEUS3_VERSION")" \
    "$IMAGES_DIR/kube-state-metrics-$KSM_VERSION-etc$ETC_LAYOUT.tar" "$IMAGES_DIR/alertmanager-$ALERTMANAGER_VERSION-etc$ETC_LAYOUT.tar" \
    "$IMAGES_DIR/victoriametrics-$VICTORIAMETRICS_VERSION-etc$ETC_LAYOUT.tar" "$IMAGES_DIR/thanos-$THANOS_VERSION-etc$ETC_LAYOUT.tar" \
    "$IMAGES_DIR/seaweedfs-${SEAWEEDFS_VERSION##*-}-etc$ETC_LAYOUT.tar" "$IMAGES_DIR/coredns-$COREDNS_VERSION-etc$ETC_LAYOUT.tar" \
    "$IMAGES_DIR"/shop-*.tar
}

# prometheus_binary MODULE_VERSION: the Prometheus binary of that image, for tests that run a
# Prometheus process on loopback.
prometheus_binary() {
  build_prometheus_with_ui "$1"
  echo "$(go_build_dir prometheus-ui "$1")/prometheus"
}
