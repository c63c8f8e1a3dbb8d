#!/usr/bin/env bash
# scripts/install-deps.sh: installs the Debian packages hotmig needs to build, test, bench and
# demo, if any is missing. Idempotent; uses sudo when not root.
set -euo pipefail
pkgs=(build-essential meson ninja-build pkg-config libmariadb-dev libjansson-dev libcmocka-dev zlib1g-dev
      mariadb-server mariadb-client sysbench mydumper percona-toolkit time bc jq python3 procps
      libzstd1  # libzstd1: loaded at run time for MySQL's compressed transactions (corpus tests)
      openssl clang libclang-rt-dev)  # openssl: the TLS tests' certificates; clang: tests/fuzz.sh (libFuzzer)
# hotmigd (HTTP, sessions) and the CLI's client side; curl and openssl for the API tests
pkgs+=(libmicrohttpd-dev libcurl4-gnutls-dev libsodium-dev libsqlite3-dev curl openssl)
# the console's browser tests: Debian's chromium, driven by playwright-core (npm, in web/)
pkgs+=(chromium)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
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
