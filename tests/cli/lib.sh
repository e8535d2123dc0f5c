#!/bin/bash
# Helpers for CLI test scripts; sourced by tests/cli/run for each t_*.sh.
#   run CMD...            runs minsheng with arguments; sets $out, $err, $rc
#   expect_rc N           the last run exited N
#   expect_out TEXT       stdout contains TEXT
#   expect_err TEXT       stderr contains TEXT
#   expect_json EXPR VAL  jq-free check: node evaluates EXPR over the JSON in $out
#   check NAME CMD...     a named check from any shell command
#   fresh_db NAME         a new empty database for this script: a file NAME.db
#                         here, or a PostgreSQL database when MS_TEST_PG is
#                         the folder of a throwaway server (scripts/pg-test)
#   dbq SQL               runs SQL on $MINSHENG_DB with the database's shell
#                         (sqlite3, or psql printing rows as sqlite3 does)
set -u
fresh_db() {
	if [ -n "${MS_TEST_PG:-}" ]; then
		"$ROOT/scripts/pg-test" url "$MS_TEST_PG" "$(basename "$PWD")_$1"
	else
		echo "$PWD/$1.db"
	fi
}
dbq() {
	case $MINSHENG_DB in
	postgresql://* | postgres://*)
		if [ $# -ge 1 ]; then
			psql -X -q -At -F"|" -v ON_ERROR_STOP=1 -d "$MINSHENG_DB" -c "$1"
		else
			psql -X -q -At -F"|" -v ON_ERROR_STOP=1 -d "$MINSHENG_DB"
		fi ;;
	*) sqlite3 "$MINSHENG_DB" "$@" ;;
	esac
}
on_pg() { [ -n "${MS_TEST_PG:-}" ]; }
n=0
_ok() { n=$((n+1)); echo "ok $n - $*"; }
_nok() { n=$((n+1)); echo "not ok $n - $*"; }
run() {
	"$MINSHENG" "$@" >stdout.txt 2>stderr.txt; rc=$?
	out=$(cat stdout.txt); err=$(cat stderr.txt)
	last="minsheng $*"
	# every command's standard error is kept for the log scan (make log-test)
	if [ -n "${MINSHENG_TEST_LOGS:-}" ]; then cat stderr.txt >>"$MINSHENG_TEST_LOGS/cli-stderr.log"; fi
}
expect_rc() {
	if [ "$rc" -eq "$1" ]; then _ok "$last exits $1"
	else _nok "$last exits $rc, wanted $1"; echo "# stdout: ${out:0:400}"; echo "# stderr: ${err:0:400}"; fi
}
expect_out() {
	if printf '%s' "$out" | grep -qF -- "$1"; then _ok "$last prints '$1'"
	else _nok "$last does not print '$1'"; echo "# stdout: ${out:0:600}"; fi
}
expect_no_out() {
	if printf '%s' "$out" | grep -qF -- "$1"; then _nok "$last prints '$1'"; else _ok "$last has no '$1'"; fi
}
expect_err() {
	if printf '%s' "$err" | grep -qF -- "$1"; then _ok "$last says '$1'"
	else _nok "$last does not say '$1'"; echo "# stderr: ${err:0:600}"; fi
}
expect_json() {
	local got
	got=$(node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8")); const v=(function(){return eval(process.argv[1]);}).call(o); process.stdout.write(typeof v==="string"?v:JSON.stringify(v));' "$1" <stdout.txt 2>&1)
	if [ "$got" = "$2" ]; then _ok "$last: $1 = $2"
	else _nok "$last: $1 = $got, wanted $2"; fi
}
check() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then _ok "$name"; else _nok "$name"; fi
}
# shellcheck disable=SC1090
source "$1"
