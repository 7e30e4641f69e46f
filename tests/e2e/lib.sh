# Shared helpers for the end-to-end scripts: TAP-style result lines counted by
# tests/run.sh, a scratch directory removed on exit, the binaries under test.
set -u
SIPWATCH=${SIPWATCH:-./sipwatch}
BUILD=${BUILD:-build}
TOOLS=$BUILD/tools
T=$(mktemp -d /tmp/sipwatch-e2e.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1: expected [$2], got [$3]"; fi
}
# check_cmd NAME command... : passes when the command succeeds
check_cmd() {
	name=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else notok "$name: '$*' failed"; fi
}
