#!/usr/bin/env bash
# Installs the system tools tinykube drives, when they are missing.
# As root it uses apt-get; as another user it says what to install and goes on.
# Usage: scripts/system-deps.sh [test|bench]
set -euo pipefail

need=(iproute2:ip nftables:nft conntrack:conntrack dnsutils:dig)
case "${1:-}" in
    test) need+=(procps:ps) ;;
    bench) need+=(procps:ps dnsperf:dnsperf knot:knotd haproxy:haproxy wrk:wrk util-linux:taskset) ;;
esac

missing=()
for pair in "${need[@]}"; do
    pkg=${pair%%:*}; cmd=${pair##*:}
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || [ -x "/sbin/$cmd" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "tinykube: installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "tinykube: missing system packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
fi
