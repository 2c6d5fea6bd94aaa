# Shared by the differential tests against SQLite (diff_*_sqlite.sh): a scratch directory, stops
# with a message, kam and SQLite loaded from the same generated CSV files, and the SQL that makes
# money exact (no binary floating point: every amount as integer ten-thousandths).
# Set NAME (the test's name, for messages) before sourcing; expects $KAM (the kam binary).
set -u
: "${KAM:?set KAM to the kam binary}"

die() {
	echo "$NAME: $*" >&2
	exit 1
}

command -v sqlite3 >/dev/null 2>&1 ||
	die "sqlite3 is not installed (scripts/setup-deps.sh installs it)"
T=$(mktemp -d "${TMPDIR:-/tmp}/kam-$NAME.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' HUP INT PIPE TERM
DIR="$T/data" # the generated CSV files
DB="$T/db"    # kam's database

# run LOG CMD...: runs CMD with its output in LOG; on failure shows LOG and stops.
run() {
	log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		echo "$NAME: failed: $*" >&2
		sed 's/^/  | /' "$log" | head -20 >&2
		exit 1
	fi
}

# kam_load KIND...: generates $ACCOUNTS accounts (seed $SEED) into $DIR and a new database $DB
# with the KINDs imported from $DIR, each followed by the same kind from $X when X (a directory
# of hand-made CSV files, for the edges) is set.
kam_load() {
	run "$T/gen.log" "$KAM" gen "$DIR" --accounts "$ACCOUNTS" --seed "$SEED"
	run "$T/init.log" "$KAM" --db "$DB" init
	for kind; do
		run "$T/import.log" "$KAM" --db "$DB" import "$kind" "$DIR/$kind.csv"
		[ -z "${X:-}" ] || run "$T/import.log" "$KAM" --db "$DB" import "$kind" "$X/$kind.csv"
	done
}

# sql_load KIND...: sqlite3 commands that stop at the first error and import the KINDs of $DIR
# as tables of the same names (every column text, as kam reads it); when X is set, the rows of
# $X's files of those kinds are added to them (the columns of their header row).
sql_load() {
	echo ".bail on"
	echo ".mode csv"
	for kind; do
		echo ".import \"$DIR/$kind.csv\" $kind"
	done
	[ -n "${X:-}" ] || return 0
	for kind; do
		cols=$(head -n 1 "$X/$kind.csv" | sed 's/,/, /g')
		echo ".import \"$X/$kind.csv\" x_$kind"
		echo "INSERT INTO $kind($cols) SELECT $cols FROM x_$kind;"
	done
}

# sql_money_parts KEYS SOURCE: a SELECT of the columns KEYS and t, a money text, from SOURCE (a
# table or a parenthesised SELECT that has them), with the parts of t: sgn (-1 or 1), ip and fp
# (the digits before and after the point; fp '' without one).
sql_money_parts() {
	cat <<SQL
SELECT $1, t,
       CASE WHEN substr(t, 1, 1) = '-' THEN -1 ELSE 1 END AS sgn,
       CASE WHEN instr(u, '.') > 0 THEN substr(u, 1, instr(u, '.') - 1) ELSE u END AS ip,
       CASE WHEN instr(u, '.') > 0 THEN substr(u, instr(u, '.') + 1) ELSE '' END AS fp
FROM (SELECT $1, t, ltrim(t, '+-') AS u FROM $2)
SQL
}

# The condition on the parts of a money text that the parse does not handle: it is exact only
# for plain decimals with at most four places.
SQL_MONEY_BAD="ip = '' OR ip GLOB '*[^0-9]*' OR fp GLOB '*[^0-9]*' OR length(fp) > 4
	   OR (instr(t, '.') > 0 AND fp = '')"

# The parts of a money text as integer ten-thousandths: the four decimals padded with zeros.
SQL_MONEY_VALUE="sgn * (CAST(ip AS INTEGER) * 10000 + CAST(substr(fp || '0000', 1, 4) AS INTEGER))"

# sql_money_text EXPR: SQL that renders the integer ten-thousandths EXPR as kam prints money
# (the shortest exact decimal: 12, 12.5, -0.0001).
sql_money_text() {
	printf "(CASE WHEN (%s) %% 10000 = 0 THEN CAST((%s) / 10000 AS TEXT) ELSE (CASE WHEN (%s) < 0 THEN '-' ELSE '' END) || CAST(abs(%s) / 10000 AS TEXT) || '.' || rtrim(printf('%%04d', abs(%s) %% 10000), '0') END)" \
		"$1" "$1" "$1" "$1" "$1"
}
