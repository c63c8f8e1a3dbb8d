#!/usr/bin/env bash
# scripts/install-deps.sh: installs the Debian packages hotmig needs to build, test, bench and
# demo, if any is missing. Idempotent; uses sudo when not root.
set -euo pipefail
pkgs=(build-essential meson ninja-build pkg-config libmariadb-dev libjansson-dev libcmocka-dev zlib1g-dev
      mariadb-server mariadb-client sysbench mydumper percona-toolkit time bc jq python3 procps)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo_=()
[ "$(id -u)" -eq 0 ] || sudo_=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_[@]}" apt-get update -qq >/dev/null
"${sudo_[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# the package may try to start its own server; tests start their own, on their own ports
