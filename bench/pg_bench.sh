#!/bin/bash
# PostgreSQL against SQLite (a benchmark, not a test). One synthetic province
# of N people (default 4,040,000, Guangdong's size) is generated once, then
# for each store:
#   - import: init + every file of the manifest + the stations, wall clock;
#   - search index: its first build (minsheng search --refresh);
#   - scan: the first full scan (snapshot built from the database);
#   - snapshot: the columnar snapshot built again from the database
#     (scan --dry-run with no snapshot file), RUNS times, median;
# and the API under wrk: alert-list pages and person reads (each one
# written to the access log), with SERVERS server processes
# sharing one PostgreSQL database (each on its own port, one wrk per server,
# requests/s summed), against one server on the SQLite file with the same
# total number of threads. PostgreSQL runs as a throwaway durable server
# (scripts/pg-test with PG_DURABLE=1: fsync on) in WORKDIR.
#   bench/pg_bench.sh [PEOPLE] [WORKDIR]
# Environment: MINSHENG (binary), RUNS (3), DURATION (10 s), CONNECTIONS (64
# in all), SERVERS (2), PG_SHARED_BUFFERS (256MB).
set -euo pipefail
people=${1:-4040000}
work=${2:-$(mktemp -d /tmp/minsheng-pg-bench.XXXXXX)}
runs=${RUNS:-3}
duration=${DURATION:-10}
conns=${CONNECTIONS:-64}
servers=${SERVERS:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
ms="${MINSHENG:-$here/build/minsheng}"
case $ms in /*) ;; *) ms="$PWD/$ms" ;; esac
[ -x "$ms" ] || make -C "$here" >/dev/null
for t in wrk curl node; do
	command -v "$t" >/dev/null || { echo "pg_bench: $t is needed (apt-get install wrk curl)" >&2; exit 2; }
done
export MINSHENG_PWHASH=min MINSHENG_CONFIG=none
cd "$here"
mkdir -p "$work"
chmod 755 "$work"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b - a}'; }
la() { echo "(load $(cut -d" " -f1 /proc/loadavg))"; }
median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

if [ ! -f "$work/gen/.done" ]; then
	echo "== generating $people people"
	rm -rf "$work/gen"
	"$ms" gen --people "$people" --seed 7 --out "$work/gen" >/dev/null
	touch "$work/gen/.done"
fi
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	PG_DURABLE=1 scripts/pg-test stop "$work/pg" 2>/dev/null || true
}
trap cleanup EXIT
PG_DURABLE=1 PG_SHARED_BUFFERS=${PG_SHARED_BUFFERS:-256MB} scripts/pg-test start "$work/pg" >/dev/null
pg_url=$(scripts/pg-test url "$work/pg" bench)
lite="$work/bench.db"
rm -rf "$lite" "$lite"-* "$lite".* "$work"/*.access* "$work"/*.anchors "$work"/*.uploads

declare -A T
for store in sqlite postgresql; do
	db=$lite
	[ $store = postgresql ] && db=$pg_url
	export MINSHENG_DB=$db MINSHENG_ACCESS="$work/$store.access"
	echo "== $store: import"
	t0=$(now)
	"$ms" init >/dev/null
	"$ms" import manifest "$work/gen/manifest.json" >"$work/$store.import.txt"
	"$ms" station import "$work/gen/stations.csv" >/dev/null
	t1=$(now)
	T[$store.import]=$(secs "$t0" "$t1")
	echo "$store import: ${T[$store.import]} s $(la)"
	# the search index, built before the servers start (they would build it
	# in the background, under the load)
	t0=$(now)
	"$ms" search --refresh >/dev/null
	t1=$(now)
	T[$store.index]=$(secs "$t0" "$t1")
	echo "$store search index: ${T[$store.index]} s $(la)"
	rm -f "$lite.snapshot"
	t0=$(now)
	"$ms" scan --json >"$work/$store.scan.json"
	t1=$(now)
	T[$store.scan]=$(secs "$t0" "$t1")
	echo "$store first scan: ${T[$store.scan]} s ($(node -e '
		const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const n = Object.values(r.new).reduce((a, b) => a + b, 0);
		console.log(`${n} alerts; snapshot ${r.seconds.snapshot.toFixed(2)} s, ${r.snapshot}`)' "$work/$store.scan.json"))"
	snaps=()
	for i in $(seq 1 "$runs"); do
		rm -f "$lite.snapshot"
		"$ms" scan --dry-run --json >"$work/$store.dry.json"
		snaps+=("$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.seconds.snapshot.toFixed(3))' "$work/$store.dry.json")")
	done
	T[$store.snapshot]=$(printf '%s\n' "${snaps[@]}" | median)
	echo "$store snapshot built from the database: ${snaps[*]} s, median ${T[$store.snapshot]} s $(la)"
	printf 'bench-password-1\n' | "$ms" user add benchadmin --role admin --scope 44 >/dev/null
done
rm -f "$lite.snapshot"
awk -v s="${T[sqlite.snapshot]}" -v p="${T[postgresql.snapshot]}" \
	'BEGIN{printf "snapshot: PostgreSQL / SQLite = %.2f (the limit is 1.5)\n", p / s}'

# ---- the API: alert pages ----
export MINSHENG_DB=$lite MINSHENG_ACCESS="$work/sqlite.access"
"$ms" alerts --json | node -e '
  const a = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const ids = a.map(x => x.id).sort((x, y) => x - y);
  const out = [];
  for (let i = 0; i < 5000; i++) out.push(`/api/v1/alerts?limit=50&cursor=${Math.max(ids[Math.floor(Math.random() * ids.length)] - 1, 0)}`);
  require("fs").writeFileSync(process.argv[1], out.join("\n") + "\n");' "$work/alert_paths.txt"
# person reads (each one written to the access log), from the registry file
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n", 200000);
  const col = lines[0].split(",").findIndex(h => h.includes("身份证"));
  const out = [];
  for (let i = 1; i < lines.length && out.length < 20000; i += 7) {
    const f = lines[i].split(",");
    if (f[col] && f[col].length === 18) out.push(`/api/v1/persons/${f[col]}`);
  }
  require("fs").writeFileSync(process.argv[2], out.join("\n") + "\n");' "$work/gen/persons.csv" "$work/person_paths.txt"

start_server() { # db access threads → PORT (not in a subshell: pids must stay)
	local pf="$work/port.$RANDOM"
	"$ms" serve --db "$1" --access "$2" --listen 127.0.0.1:0 --port-file "$pf" --quiet --threads "$3" \
		>/dev/null 2>>"$work/serve.log" &
	pids+=($!)
	for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.1; done
	[ -s "$pf" ] || { echo "pg_bench: a server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
	PORT=$(cat "$pf")
}
login() { # port → cookie
	curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
		-d '{"username":"benchadmin","password":"bench-password-1"}' "http://127.0.0.1:$1/api/v1/login" |
		sed -n 's/^Set-Cookie: \(ms_session=[0-9a-f]*\).*/\1/p' | tr -d '\r'
}
load() { # name paths port...: one wrk per port at the same time, rps summed
	local name=$1 paths=$2
	shift 2
	local all=()
	for i in $(seq 1 "$runs"); do
		local k=0 w=()
		for port in "$@"; do
			COOKIE=$(login "$port") PATHS="$paths" wrk -t1 -c$((conns / $#)) -d"${duration}s" --timeout 5s \
				-s bench/wrk/paths.lua "http://127.0.0.1:$port" | grep '^RESULT' >"$work/wrk.$k" &
			w+=($!)
			k=$((k + 1))
		done
		wait "${w[@]}"
		local sum
		sum=$(cat "$work"/wrk.* | sed 's/.* rps=\([0-9]*\).*/\1/' | awk '{s+=$1} END{print s}')
		echo "$name run $i: $sum requests/s $(la) ($(cat "$work"/wrk.* | sed 's/.* p99_ms=\([0-9.]*\).*/p99 \1 ms/' | paste -sd' '))"
		all+=("$sum")
		rm -f "$work"/wrk.*
	done
	echo "$name median: $(printf '%s\n' "${all[@]}" | median) requests/s"
}
start_server "$lite" "$work/sqlite.access" "$servers"
load "alert pages, SQLite, 1 server × $servers threads" "$work/alert_paths.txt" "$PORT"
load "person reads, SQLite, 1 server × $servers threads" "$work/person_paths.txt" "$PORT"
kill "${pids[@]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true
pids=()
ports=()
for i in $(seq 1 "$servers"); do
	start_server "$pg_url" "$work/postgresql.$i.access" 1
	ports+=("$PORT")
done
load "alert pages, PostgreSQL, $servers servers × 1 thread" "$work/alert_paths.txt" "${ports[@]}"
load "person reads, PostgreSQL, $servers servers × 1 thread" "$work/person_paths.txt" "${ports[@]}"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
