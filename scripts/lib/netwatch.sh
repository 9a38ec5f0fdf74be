# Records every new connection (conntrack events) on the host and inside the test bed's namespace while
# the tests run, then checks that each destination is loopback or inside the test bed.
# Sourced by scripts/test; expects $NETNS and $STATE from scripts/cluster's conventions.

NETWATCH_DIR=""
NETWATCH_RULE=(OUTPUT -m conntrack --ctstate NEW -m comment --comment promctl-netwatch)
# Loopback, the host<->test bed veth, the pod range and the service range; plus link-local multicast
# (224.0.0.0/24, ff02::/16: the kernel's IGMP/MLD reports when the pod bridge comes up), which no router
# forwards (RFC 5771), so it cannot leave the test bed's own links.
NETWATCH_ALLOWED='^(127\.|::1$|10\.254\.0\.[0-3]$|10\.88\.|10\.96\.|224\.0\.0\.[0-9]+$|ff02:)'

netwatch_start() {
  NETWATCH_DIR=$(mktemp -d)
  # With the nft backend the first rule creates the host's filter table; note whether it existed, so
  # that netwatch_stop leaves the host exactly as it was.
  nft list table ip filter >/dev/null 2>&1 || touch "$NETWATCH_DIR/no-ip-filter"
  nft list table ip6 filter >/dev/null 2>&1 || touch "$NETWATCH_DIR/no-ip6-filter"
  # conntrack only tracks a namespace that has a rule needing it: add one counting rule on the host.
  iptables -I "${NETWATCH_RULE[@]}"
  ip6tables -I "${NETWATCH_RULE[@]}" 2>/dev/null || true
  conntrack -E -e NEW -o timestamp >"$NETWATCH_DIR/host.log" 2>/dev/null &
  echo $! >"$NETWATCH_DIR/host.pid"
  ip netns exec "$NETNS" conntrack -E -e NEW -o timestamp >"$NETWATCH_DIR/testbed.log" 2>/dev/null &
  echo $! >"$NETWATCH_DIR/testbed.pid"
}

netwatch_stop() {
  [ -n "$NETWATCH_DIR" ] && [ -e "$NETWATCH_DIR/host.pid" ] || return 0
  kill "$(cat "$NETWATCH_DIR/host.pid")" "$(cat "$NETWATCH_DIR/testbed.pid")" 2>/dev/null || true
  wait "$(cat "$NETWATCH_DIR/host.pid")" "$(cat "$NETWATCH_DIR/testbed.pid")" 2>/dev/null || true
  while iptables -D "${NETWATCH_RULE[@]}" 2>/dev/null; do :; done
  while ip6tables -D "${NETWATCH_RULE[@]}" 2>/dev/null; do :; done
  [ -e "$NETWATCH_DIR/no-ip-filter" ] && nft delete table ip filter 2>/dev/null
  [ -e "$NETWATCH_DIR/no-ip6-filter" ] && nft delete table ip6 filter 2>/dev/null
  rm -f "$NETWATCH_DIR/host.pid" "$NETWATCH_DIR/testbed.pid"
  return 0
}

# Prints the flows by destination; returns 1 if any destination is outside the allowed set.
netwatch_report() {
  local where log total bad=0
  for where in host testbed; do
    log="$NETWATCH_DIR/$where.log"
    total=$(wc -l <"$log")
    echo "network watch ($where namespace): $total new flows, by destination:"
    # The first dst= of a conntrack event is the original direction's destination.
    sed -nE 's/^[^d]*dst=([^ ]+).*/\1/p' "$log" | sed -E 's/^(10\.88|10\.96)\.[0-9]+\.[0-9]+$/\1.0.0\/16/' |
      sort | uniq -c | sort -rn | head -20 | sed 's/^/  /'
    if sed -nE 's/^[^d]*dst=([^ ]+).*/\1/p' "$log" | grep -vqE "$NETWATCH_ALLOWED"; then
      echo "  OUTSIDE the test bed:" && sed -nE 's/^[^d]*dst=([^ ]+).*/\1/p' "$log" | grep -vE "$NETWATCH_ALLOWED" | sort -u | sed 's/^/    /'
      bad=1
    fi
  done
  rm -rf "$NETWATCH_DIR"
  NETWATCH_DIR=""
  return $bad
}
