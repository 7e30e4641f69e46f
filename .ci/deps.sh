#!/bin/sh
# Installs the Debian packages sipwatch needs to build and test, when missing
# (with the argument demo: only those to build and run it).
# Idempotent: does nothing when everything is installed.
set -eu
PKGS="build-essential pkg-config libpcap-dev libosip2-dev libsqlite3-dev libncurses-dev zlib1g-dev
libcmocka-dev sqlite3 tmux sip-tester kamailio tcpdump tshark wireshark-common tcpreplay iproute2 valgrind time clang
libclang-rt-dev procps psmisc jq python3 util-linux sngrep libssl-dev
libmicrohttpd-dev prometheus kamailio-sqlite-modules openssl curl libsystemd-dev python3-scapy"
# `sh .ci/deps.sh demo` (make demo): only what building and running sipwatch
# needs, not the test tools (SIPp, Kamailio, tshark ...) of make deps / check.
DEMO_PKGS="build-essential pkg-config libpcap-dev libosip2-dev libsqlite3-dev libncurses-dev zlib1g-dev
libssl-dev libmicrohttpd-dev libsystemd-dev"
[ "${1:-}" = demo ] && PKGS=$DEMO_PKGS
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "sipwatch: installing missing packages:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "sipwatch: need root (or sudo) to install:$missing" >&2; exit 1; }
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q </dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing </dev/null
