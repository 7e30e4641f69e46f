#!/bin/sh
# doc/database.md against the schema, both ways: every column of every table
# and view of a fresh db is listed under its "### `name`" heading, and every
# listed column exists.
. tests/e2e/lib.sh
DOC=doc/database.md
DB=$T/cols.db
$SIPWATCH -r samples/outage-update-200-dropped.pcap -d "$DB" --no-ui >/dev/null 2>&1
check "a db to compare with" 0 $?
sqlite3 "$DB" "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
	WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%' ORDER BY 1" >"$T/schema"
awk '
	/^### `/ { t = $2; gsub(/`/, "", t); next }
	/^\| `[a-z_0-9]+` \|/ && t != "" { c = $2; gsub(/`/, "", c); print t "." c }
' "$DOC" | sort >"$T/doc"
missing=$(comm -23 "$T/schema" "$T/doc" | tr '\n' ' ')
stale=$(comm -13 "$T/schema" "$T/doc" | tr '\n' ' ')
check "every column of the schema is in $DOC" "" "$missing"
check "every column in $DOC is in the schema" "" "$stale"
check "$DOC lists columns at all" 1 "$([ "$(wc -l <"$T/doc")" -gt 50 ] && echo 1)"
