#!/bin/sh
# Holds the module boundaries: each library header only where it belongs;
# no circle of calls between the files of a folder where one was cut (ui/, below);
# the folder order and no circles in common/, capture/, analyzer/, db/ (tests/lint_graph.py).
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
chk '#include <systemd/' '^app/service_notify\.c$' 'libsystemd'
chk '#include <pcap' '^capture/(source|live|offline|writer)[a-z_-]*\.c$|^capture/' 'pcap.h'
chk '#include "ui/' '^(ui/|app/)' 'ui/ headers'
# issue 14: one owner for whether a dialog's row goes out again (emitter.c);
# the other files say a field changed through emitter_dialog_changed
chk '\brow_dirty\b|\bemitted_(class|doomed|recovered|at_risk)\b' \
	'^analyzer/(emitter\.[ch]|dialog_table\.h)$' 'the dialog row flag'
# circles DIR: the files of DIR that call each other in a circle (a file uses
# another when it names a function or const object the other defines without
# static).  Read as text, comments dropped: enough for this code's style.
circles() {
	for f in "$1"/*.c; do
		sed -e 's|/\*.*\*/||g' -e '/^[ 	]*\*/d' -e '/^\/\*/d' "$f" >"$tmp/$(basename "$f")"
		sed -nE -e '/^(static|typedef|#|[ 	]|\/)/d' \
			-e 's/^[A-Za-z_][A-Za-z0-9_ *]*[ *]([a-z_][a-z0-9_]*)\(.*[^;]$/\1/p' \
			-e 's/^const struct [a-z_]+ ([a-z_]+) = .*/\1/p' "$f" | sed "s|\$| $(basename "$f")|"
	done >"$tmp/defs"
	: >"$tmp/edges"
	while read -r name file; do
		grep -lw "$name" "$tmp"/*.c | while read -r u; do
			u=$(basename "$u")
			[ "$u" != "$file" ] && echo "$u $file"
		done
	done <"$tmp/defs" | sort -u >"$tmp/edges"
	# peel files that use no one left, then files no one left uses: what
	# remains lies on a circle
	left=$(echo $(ls "$tmp"/*.c | xargs -n1 basename))
	while :; do
		keep=$(echo $(for f in $left; do
			awk -v f="$f" -v l=" $left " '$1 == f && index(l, " " $2 " ") { print f; exit }' "$tmp/edges"
		done))
		keep=$(echo $(for f in $keep; do
			awk -v f="$f" -v l=" $keep " '$2 == f && index(l, " " $1 " ") { print f; exit }' "$tmp/edges"
		done))
		[ "$keep" = "$left" ] && break
		left=$keep
	done
	[ -n "$left" ] && echo "lint: files of $1/ that call each other in a circle:" $left &&
		awk -v l=" $left " 'index(l, " " $1 " ") && index(l, " " $2 " ") { print "lint:   " $1 " uses " $2 }' "$tmp/edges"
	rm -f "$tmp"/*.c "$tmp/defs" "$tmp/edges"
	[ -z "$left" ]
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipwatch-lint.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
for dir in ${LINT_CIRCLE_DIRS:-ui}; do # issue 14: the folders whose circles were cut
	circles "$dir" || bad=1
done
if grep -rnE '\batoi\s*\(|\bsprintf\s*\(|\bstrcpy\s*\(' common capture analyzer db ui app; then
	echo "lint: atoi/sprintf/strcpy on the wire path"; bad=1
fi
if ! graph=$(python3 "$(dirname "$0")/lint_graph.py" . 2>&1); then
	echo "$graph"; bad=1
fi
[ $bad = 0 ] && echo "lint: ok"
exit $bad
