#!/bin/bash
# API load benchmark (not a test). A synthetic province of N people (default
# 200,000) is generated, imported and scanned; `minsheng serve` runs on
# loopback, and wrk (Debian's package, on the same machine) loads it at 64
# connections with
#   - alert-list pages: GET /api/v1/alerts?limit=50&cursor=C as a province
#     admin, C spread over every alert id;
#   - person reads: GET /api/v1/persons/{identity number} of registry persons,
#     each one written to the access log (checked afterwards: the log grows by
#     the number of 200 answers and `audit verify` passes).
# Each load runs RUNS times for DURATION seconds; the script prints requests/s
# and latency percentiles of every run and the median. The machine has 2 cores
# and wrk shares them with the server.
#   bench/api_bench.sh [PEOPLE] [WORKDIR]
# Environment: MINSHENG (binary), RUNS (default 3), DURATION (seconds, default
# 10), CONNECTIONS (default 64), THREADS (server threads, default 2).
set -euo pipefail
people=${1:-200000}
work=${2:-$(mktemp -d /tmp/minsheng-api-bench.XXXXXX)}
runs=${RUNS:-3}
duration=${DURATION:-10}
conns=${CONNECTIONS:-64}
here=$(cd "$(dirname "$0")/.." && pwd)
ms="${MINSHENG:-$here/build/minsheng}"
case $ms in /*) ;; *) ms="$PWD/$ms" ;; esac
[ -x "$ms" ] || make -C "$here" >/dev/null
for t in wrk curl node; do
	command -v "$t" >/dev/null || { echo "api_bench: $t is needed (apt-get install wrk curl)" >&2; exit 2; }
done
export MINSHENG_PWHASH=min
cd "$here"
mkdir -p "$work"
db="$work/bench.db"
if [ ! -f "$work/.ready" ]; then
	echo "== generating $people people and importing them"
	rm -rf "$work/gen" "$db"*
	"$ms" gen --people "$people" --seed 7 --out "$work/gen" >/dev/null
	"$ms" init --db "$db" >/dev/null
	"$ms" import manifest "$work/gen/manifest.json" --db "$db" >/dev/null
	"$ms" station import "$work/gen/stations.csv" --db "$db" >/dev/null
	"$ms" scan --db "$db" >/dev/null
	touch "$work/.ready"
fi
if ! "$ms" user list --db "$db" 2>/dev/null | grep -q benchadmin; then
	printf 'bench-password-1\n' | "$ms" user add benchadmin --role admin --scope 44 --db "$db" >/dev/null
fi
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# the paths: alert pages over the whole id range, persons from the registry
"$ms" alerts --json --db "$db" | node -e '
  const a = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const ids = a.map(x => x.id).sort((x, y) => x - y);
  const out = [];
  for (let i = 0; i < 5000; i++) {
    const c = ids[Math.floor(Math.random() * ids.length)] - 1;
    out.push(`/api/v1/alerts?limit=50&cursor=${Math.max(c, 0)}`);
  }
  require("fs").writeFileSync(process.argv[1], out.join("\n") + "\n");
  console.log(`alerts: ${ids.length}`);' "$work/alert_paths.txt"
persons_csv=$(ls "$work"/gen/persons.* | head -n 1)
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
  const head = lines[0].split(",");
  const col = head.findIndex(h => h.includes("身份证"));
  const out = [];
  for (let i = 1; i < lines.length && out.length < 20000; i++) {
    const f = lines[i].split(",");
    if (f[col] && f[col].length === 18) out.push(`/api/v1/persons/${f[col]}`);
  }
  require("fs").writeFileSync(process.argv[2], out.join("\n") + "\n");
  console.log(`persons: ${out.length} paths`);' "$persons_csv" "$work/person_paths.txt"

port_file="$work/port"
rm -f "$port_file"
"$ms" serve --db "$db" --listen 127.0.0.1:0 --port-file "$port_file" --quiet \
	--threads "${THREADS:-2}" 2>"$work/serve.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$port_file" ] && break; sleep 0.1; done
[ -s "$port_file" ] || { echo "api_bench: the server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
port=$(cat "$port_file")
base="http://127.0.0.1:$port"
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
	-d '{"username":"benchadmin","password":"bench-password-1"}' "$base/api/v1/login" |
	sed -n 's/^Set-Cookie: \(ms_session=[0-9a-f]*\).*/\1/p' | tr -d '\r')
[ -n "$cookie" ] || { echo "api_bench: login failed" >&2; exit 1; }
export COOKIE="$cookie"
log_before=$("$ms" audit list --db "$db" --limit 1 --json 2>/dev/null | node -e '
  const a = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(a.length ? a[0].id : 0)')

bench() { # name paths-file
	local name=$1 rps=() p99=()
	for i in $(seq 1 "$runs"); do
		line=$(PATHS="$2" wrk -t2 -c"$conns" -d"${duration}s" --timeout 5s -s bench/wrk/paths.lua "$base" | grep '^RESULT')
		echo "$name run $i: $line"
		rps+=("$(sed 's/.* rps=\([0-9]*\).*/\1/' <<<"$line")")
		p99+=("$(sed 's/.* p99_ms=\([0-9.]*\).*/\1/' <<<"$line")")
		echo "$line" >>"$work/$name.results"
	done
	printf '%s median: %s requests/s, p99 %s ms\n' "$name" \
		"$(printf '%s\n' "${rps[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')" \
		"$(printf '%s\n' "${p99[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')"
}
echo "== alert-list pages (50 alerts each), $conns connections, ${duration}s × $runs"
bench alerts "$work/alert_paths.txt"
echo "== person reads (each logged), $conns connections, ${duration}s × $runs"
rm -f "$work/persons.results"
bench persons "$work/person_paths.txt"
kill $server; wait $server 2>/dev/null || true
trap - EXIT
# every person read, found or not, is one entry of the access log
reads=$(awk '{for(i=1;i<=NF;i++) if($i ~ /^requests=/){split($i,a,"="); s+=a[2]}} END{print s}' "$work/persons.results")
log_after=$("$ms" audit list --db "$db" --limit 1 --json | node -e '
  const a = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(a.length ? a[0].id : 0)')
echo "access log: $((log_after - log_before)) entries written for $reads person reads (wrk counts only completed requests)"
"$ms" audit verify --db "$db"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
