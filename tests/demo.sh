#!/bin/sh
# make demo: run sipwatch on the bundled capture of the motivating outage.
# On a terminal the dashboard opens (q quits); otherwise the text report prints.
set -eu
db=${BUILD:-build}/demo.db
mkdir -p "$(dirname "$db")"
rm -f "$db" "$db-wal" "$db-shm"
echo "sipwatch -r samples/outage-update-200-dropped.pcap -d $db" >&2
./sipwatch -r samples/outage-update-200-dropped.pcap -d "$db"
echo >&2
echo "The database is $db; try: sqlite3 $db 'select * from doomed_dialogs'" >&2
