#!/bin/sh
# Holds the module boundaries: each library header only where it belongs; the
# folder order and no circles between files of common/, capture/, analyzer/
# (tests/lint_graph.py).
set -u
bad=0
chk() { # pattern allowed-files-regex what
	hits=$(grep -rlE "$1" common capture analyzer db ui app 2>/dev/null | grep -vE "$2")
	if [ -n "$hits" ]; then echo "lint: $3 outside its place: $hits"; bad=1; fi
}
chk '#include <osip' '^analyzer/sip_parse\.c$' 'libosip2'
chk '#include <sqlite3\.h>' '^db/' 'sqlite3.h'
chk '#include <n?curses' '^ui/' 'ncurses.h'
chk '#include <openssl/' '^capture/tls_crypto\.c$' 'OpenSSL (libcrypto)'
chk '#include <pcap' '^capture/(source|live|offline|writer)[a-z_-]*\.c$|^capture/' 'pcap.h'
chk '#include "ui/' '^(ui/|app/)' 'ui/ headers'
if grep -rnE '\batoi\s*\(|\bsprintf\s*\(|\bstrcpy\s*\(' common capture analyzer db ui app; then
	echo "lint: atoi/sprintf/strcpy on the wire path"; bad=1
fi
if ! graph=$(python3 "$(dirname "$0")/lint_graph.py" . 2>&1); then
	echo "$graph"; bad=1
fi
[ $bad = 0 ] && echo "lint: ok"
exit $bad
