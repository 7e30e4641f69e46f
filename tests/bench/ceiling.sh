# Sourced by bench.sh (POSIX sh): the SQLite ceiling of issue "Speed".
#
# bench_ceiling SRC_DB DST_DB TIME_REPORT copies the very rows sipwatch stored
# (every table: captures, dialogs, messages, findings, endpoints, ...) with INSERT ... SELECT into
# an empty db made with the same schema and indexes (every CREATE of SRC_DB's
# sqlite_master), the same page size, WAL, synchronous=NORMAL and 8 MiB cache,
# in one transaction, timed by GNU time into TIME_REPORT.  Only the copy is
# timed: the schema is made by a first sqlite3 run.
#
# SQLite copies a table into an empty one of the same shape with its "transfer
# optimization" (records and index entries copied as they are, in index order),
# which is what a single INSERT ... SELECT of the same rows costs it; the
# ordered variant (bench_ceiling_ordered: ORDER BY the rowid, which turns the
# optimization off) inserts row by row and updates every index per row, as a
# writer that receives the rows one at a time must.

bench_ceiling_schema() { # src dst
	rm -f "$2" "$2-wal" "$2-shm"
	{
		echo "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;"
		sqlite3 "$1" "SELECT sql || ';' FROM sqlite_master WHERE sql IS NOT NULL
			AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
	} | sqlite3 "$2" >/dev/null
}

bench_ceiling_copy() { # src dst time-report order-clause
	bench_ceiling_schema "$1" "$2" || return 1
	{
		echo "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8192;"
		echo "ATTACH '$1' AS src; BEGIN;"
		for t in $(sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table'
			AND name NOT LIKE 'sqlite_%' ORDER BY rowid"); do
			echo "INSERT INTO main.$t SELECT * FROM src.$t $4;"
		done
		echo "COMMIT;"
	} >"$2.sql"
	bench_settle
	/usr/bin/time -v -o "$3" sqlite3 "$2" <"$2.sql" >/dev/null
}

bench_ceiling() { bench_ceiling_copy "$1" "$2" "$3" ""; }
bench_ceiling_ordered() { bench_ceiling_copy "$1" "$2" "$3" "ORDER BY rowid"; }
