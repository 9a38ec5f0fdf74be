# What every script shares: where things live, the test bed's network ranges, logging.
# Sourced by scripts/cluster, scripts/test, scripts/demo and scripts/bench (and their libraries).

export PATH="$HOME/.cargo/bin:/usr/local/go/bin:$PATH"
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CACHE=${PROMCTL_CACHE:-$HOME/.cache/promctl}
STATE=${PROMCTL_TESTBED_DIR:-/var/lib/promctl-testbed}

# The test bed's network: its own namespace, a veth /30 to the host, pod and service ranges routed
# into the namespace and nowhere else.
NETNS=promctl-testbed
VETH_HOST=ptb-host
VETH_NS=ptb-node
HOST_IP=10.254.0.1
NODE_IP=10.254.0.2
POD_CIDR=10.88.0.0/16
POD_GATEWAY=10.88.0.1
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
CLUSTER_DNS_IP=10.96.0.10
NODE_NAME=promctl-node

# Kubernetes minor versions the test bed runs: the newest served patch of each. README's support
# window is OLDEST..DEFAULT.
KUBERNETES_DEFAULT_MINOR=37
KUBERNETES_OLDEST_MINOR=34

START=${START:-$(date +%s%N)}
elapsed() {
  local ms=$((($(date +%s%N) - START) / 1000000))
  printf '%4d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}
LOG_TAG=${LOG_TAG:-$(basename "$0")}
log() { echo "[$LOG_TAG $(elapsed)] $*" >&2; }
phase() { log "== $*"; }
die() {
  echo "$LOG_TAG: error: $*" >&2
  exit 1
}

# wait_until WHAT SECONDS COMMAND...: retries COMMAND every 0.2 s; dies naming WHAT after SECONDS.
wait_until() {
  local what=$1 seconds=$2 deadline
  shift 2
  deadline=$(($(date +%s) + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$what: not within ${seconds}s; see $STATE/logs"
    sleep 0.2
  done
}

# The machine's own bookworm mirror and keyring (mmdebstrap of the shop image uses them).
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
