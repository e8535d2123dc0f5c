# Crash safety of scans and of the alert loop (docs/reliability.md): kill -9
# in the middle of a scan, of a burst of alert transitions on the command
# line, and of the server while clients make transitions through the API.
# After each kill: PRAGMA integrity_check says ok, nothing committed before
# the kill is lost (earlier scans and transitions; every transition the CLI
# or the API acknowledged), the interrupted scan is all or nothing, and a
# rerun reaches exactly the state of an uninterrupted run on a copy of the
# same database. Loops are bounded; the server listens on 127.0.0.1 only.
export MINSHENG_PACK="$PWD/pack"
export MINSHENG_PWHASH=min
cp -r "$ROOT/policy/guangdong" pack
# more planted cases than the default, so a scan writes thousands of alerts
sed -i 's/^hits = .*/hits = 800/' pack/gen-profile.ini
q() { sqlite3 -batch -noheader "$1" "$2"; }
ok_db() { [ "$(q "$1" 'PRAGMA integrity_check')" = ok ]; }
now() { date +%s.%N; }
# the state of the alerts, without times: what a rerun must reproduce
dump_alerts() {
	q "$1" "SELECT rule, subject, area, inbox, state, due, version, cleared, evidence_revoked,
	        coalesce(assignee,''), coalesce(outcome,''), coalesce(decision,''),
	        (SELECT count(*) FROM alert_event e WHERE e.alert_id = a.id),
	        (SELECT count(*) FROM alert_evidence v WHERE v.alert_id = a.id)
	        FROM alert a ORDER BY rule, subject, id" | md5sum | cut -c1-32
}
cpdb() { rm -f "$2" "$2-wal" "$2-shm" "$2.snapshot"; cp "$1" "$2"; }

export MINSHENG_DB="$PWD/base.db"
run gen --out prov --people 40000 --seed 17 --profile pack/gen-profile.ini; expect_rc 0
run init; expect_rc 0
run import manifest prov/manifest.json; expect_rc 0
run station import prov/stations.csv; expect_rc 0
run scan --json; expect_rc 0
n1=$(q base.db 'SELECT count(*) FROM alert')
check "the first scan raised thousands of alerts ($n1)" test "$n1" -gt 2000

# users, and the four stations with most alerts, a worker each (w + station)
STS=$(q base.db "SELECT inbox FROM alert WHERE length(inbox) = 9 AND state = 'new' GROUP BY inbox ORDER BY count(*) DESC, inbox LIMIT 4")
INS=$(printf "'%s'," $STS); INS=${INS%,}
run user add root --role admin --scope 44 <<<"root-password"; expect_rc 0
for st in $STS; do
	"$MINSHENG" user add "w$st" --role worker --scope "$st" --station "$st" --as root <<<"worker-password" >/dev/null
done
# committed before any kill: 10 alerts assigned
first=$(q base.db "SELECT id || ' w' || inbox FROM alert WHERE inbox IN ($INS) AND state = 'new' ORDER BY id LIMIT 10")
while read -r id w; do "$MINSHENG" alert assign "$id" --to "$w" --as root --version 1 >/dev/null 2>&1; done <<<"$first"
check "10 alerts assigned before the scans" test "$(q base.db "SELECT count(*) FROM alert WHERE state = 'assigned'")" = 10

# new facts for the second scan: disaster reports for 300 registry persons
awk -F, 'NR > 1 && NR <= 301 { printf "%s,%s,台风,2026-11-20,倒塌\n", $1, $2 }' prov/persons.csv >dis.body
{ echo '身份证号,姓名,灾害类型,受灾日期,房屋损毁程度'; cat dis.body; } >disaster.csv
run import yingji disaster.csv; expect_rc 0
before_scan=$(dump_alerts base.db)

# ---- 1. kill -9 during a scan ----
cpdb base.db ref.db
t0=$(now)
MINSHENG_DB=$PWD/ref.db run scan --json; expect_rc 0
t1=$(now)
T=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
ref_scan=$(dump_alerts ref.db)
n2=$(q ref.db 'SELECT count(*) FROM alert')
check "the uninterrupted second scan adds alerts ($n1 → $n2 in ${T}s)" test "$n2" -gt "$n1"
killed=0; nothing=0; all=0; attempt=0
# kills spread over the scan's duration, then one aimed at its write
# transaction (the WAL growing with uncommitted alerts)
for frac in 0.15 0.35 0.55 0.75 0.9 wal; do
	attempt=$((attempt + 1))
	# the machine's load changes between runs: a kill that comes after the
	# scan has ended is tried again, sooner (half the delay, up to 3 times)
	delay=$(awk -v t="$T" -v f="$frac" 'BEGIN { printf "%.3f", t * f }')
	for try in 1 2 3; do
		cpdb base.db c.db
		MINSHENG_DB=$PWD/c.db "$MINSHENG" scan >/dev/null 2>&1 &
		pid=$!
		if [ "$frac" = wal ]; then
			for _ in $(seq 1 2000); do
				[ "$(stat -c %s c.db-wal 2>/dev/null || echo 0)" -gt 262144 ] && break
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.002
			done
		else
			sleep "$delay"
		fi
		hit=0
		if kill -9 "$pid" 2>/dev/null; then hit=1; fi
		wait "$pid" 2>/dev/null
		[ "$hit" = 1 ] && break
		delay=$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 2 }')
	done
	killed=$((killed + hit))
	check "scan kill $attempt ($frac): integrity ok" ok_db c.db
	got=$(dump_alerts c.db)
	if [ "$got" = "$before_scan" ]; then nothing=$((nothing + 1))
	elif [ "$got" = "$ref_scan" ]; then all=$((all + 1))
	else _nok "scan kill $attempt ($frac): the alerts are neither before nor after the scan"; fi
	check "scan kill $attempt: the 10 assignments are kept" test "$(q c.db "SELECT count(*) FROM alert WHERE state = 'assigned'")" = 10
	MINSHENG_DB=$PWD/c.db "$MINSHENG" scan >/dev/null 2>&1
	check "scan kill $attempt: a rerun gives the uninterrupted scan's alerts" test "$(dump_alerts c.db)" = "$ref_scan"
done
echo "# scan: ${T}s uninterrupted; $killed of $attempt kills hit a running scan; $nothing left nothing, $all left everything"
check "most kills hit a running scan ($killed of $attempt)" test "$killed" -ge 4
check "a kill landed inside the scan's write transaction" test "$nothing" -ge 1

# ---- 2. kill -9 during a burst of alert transitions (command line) ----
# burst DB LOG: drives the station's open alerts to closed, one CLI call per
# step, from whatever state each is in (so it also resumes); each step the
# CLI acknowledged (exit 0) is logged as "ID STATE".
cat >burst.sh <<'EOF'
db=$1; log=$2; ins=$3
for id in $(sqlite3 "$db" "SELECT id FROM alert WHERE inbox IN ($ins) ORDER BY id LIMIT 60"); do
	wk=w$(sqlite3 "$db" "SELECT inbox FROM alert WHERE id = $id")
	for _ in 1 2 3 4 5; do
		IFS='|' read -r state ver <<<"$(sqlite3 "$db" "SELECT state, version FROM alert WHERE id = $id")"
		case $state in
		new) args=(assign "$id" --to "$wk" --as root --version "$ver"); next=assigned ;;
		assigned) args=(start "$id" --as "$wk" --version "$ver"); next=verifying ;;
		verifying) args=(verify "$id" --as "$wk" --version "$ver" --outcome no_action --note "入户核实 $id"); next=verified ;;
		verified) args=(close "$id" --as root --version "$ver" --decision "属实，无需救助"); next=closed ;;
		*) break ;;
		esac
		if MINSHENG_DB=$db "$MINSHENG" alert "${args[@]}" >/dev/null 2>>"$log.err"; then
			echo "$id $next" >>"$log"
		else
			echo "$id $state: alert ${args[0]} failed" >>"$log.err"; break
		fi
	done
done
EOF
cpdb base.db ref2.db
t0=$(now)
bash burst.sh "$PWD/ref2.db" ref2.log "$INS"
t1=$(now)
TB=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
NB=$(q ref2.db "SELECT count(*) FROM (SELECT id FROM alert WHERE inbox IN ($INS) ORDER BY id LIMIT 60)")
check "the uninterrupted burst closes the stations' alerts ($NB alerts, $(wc -l <ref2.log) steps in ${TB}s)" \
	test "$(q ref2.db "SELECT count(*) FROM alert WHERE inbox IN ($INS) AND state = 'closed'")" = "$NB"
check "the uninterrupted burst has no failed step" test ! -s ref2.log.err
ref_burst=$(dump_alerts ref2.db)
for frac in 0.3 0.7; do
	cpdb base.db c2.db; rm -f c2.log c2.log.err
	bash burst.sh "$PWD/c2.db" c2.log "$INS" &
	bpid=$!
	sleep "$(awk -v t="$TB" -v f="$frac" 'BEGIN { printf "%.3f", t * f }')"
	# the CLI process in flight, then the loop
	kill -9 $(pgrep -P "$bpid") "$bpid" 2>/dev/null
	wait "$bpid" 2>/dev/null
	check "burst kill ($frac): integrity ok" ok_db c2.db
	# every acknowledged step is there: the alert is at that state, or one
	# step further (the step in flight may have committed before the kill)
	lost=0
	while read -r id st; do
		cur=$(q c2.db "SELECT state FROM alert WHERE id = $id")
		last=$(awk -v i="$id" '$1 == i { s = $2 } END { print s }' c2.log)
		[ "$st" != "$last" ] && continue
		case "$st:$cur" in
		assigned:assigned|assigned:verifying|verifying:verifying|verifying:verified|verified:verified|verified:closed|closed:closed) ;;
		*) lost=$((lost + 1)); echo "# alert $id acknowledged $st, now $cur" ;;
		esac
	done <c2.log
	check "burst kill ($frac): no acknowledged transition is lost ($(wc -l <c2.log) acknowledged)" test "$lost" = 0
	check "burst kill ($frac): versions match the events" \
		test "$(q c2.db 'SELECT count(*) FROM alert a WHERE version != (SELECT count(*) FROM alert_event e WHERE e.alert_id = a.id)')" = 0
	bash burst.sh "$PWD/c2.db" c2.log "$INS"
	check "burst kill ($frac): the resumed burst reaches the uninterrupted state" test "$(dump_alerts c2.db)" = "$ref_burst"
done

# ---- 3. kill -9 of the server during transitions through the API ----
cat >api_burst.mjs <<'EOF'
// node api_burst.mjs PORTFILE IDS... : logs in as root and as wk, then drives
// each alert to closed through POST /api/v1/alerts/{id}/transition, printing
// "ID STATE" for every 200; stops at the first failure of the connection.
import fs from 'node:fs';
const [portFile, ...ids] = process.argv.slice(2);
const base = () => `http://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;
async function login(u, p) {
	const r = await fetch(`${base()}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: u, password: p }) });
	if (r.status !== 200) throw new Error(`login ${u}: ${r.status}`);
	const cookie = /ms_session=([^;]*)/.exec(r.headers.get('set-cookie'))[1];
	return { cookie, csrf: (await r.json()).csrf };
}
const call = async (s, method, path, body) => {
	const r = await fetch(`${base()}${path}`, { method, headers: { cookie: `ms_session=${s.cookie}`, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
	return { status: r.status, json: await r.json().catch(() => null) };
};
const root = await login('root', 'root-password');
const workers = new Map();
for (const id of ids) {
	for (let i = 0; i < 5; i++) {
		const a = await call(root, 'GET', `/api/v1/alerts/${id}`);
		if (a.status !== 200) throw new Error(`alert ${id}: ${a.status}`);
		const { state, version, inbox } = a.json;
		const name = `w${inbox}`;
		if (!workers.has(name)) workers.set(name, await login(name, 'worker-password'));
		const wk = workers.get(name);
		let who, body;
		if (state === 'new') [who, body] = [root, { to: 'assigned', version, assignee: name }];
		else if (state === 'assigned') [who, body] = [wk, { to: 'verifying', version }];
		else if (state === 'verifying') [who, body] = [wk, { to: 'verified', version, outcome: 'no_action', note: `入户核实 ${id}` }];
		else if (state === 'verified') [who, body] = [root, { to: 'closed', version, decision: '属实，无需救助' }];
		else break;
		const r = await call(who, 'POST', `/api/v1/alerts/${id}/transition`, body);
		if (r.status !== 200) throw new Error(`alert ${id} → ${body.to}: ${r.status} ${JSON.stringify(r.json)}`);
		console.log(`${id} ${body.to}`);
	}
}
EOF
start_server() { # DB: starts the server on a free loopback port
	rm -f port
	"$MINSHENG" serve --db "$1" --listen 127.0.0.1:0 --port-file port --quiet --threads 2 >>server.log 2>&1 &
	spid=$!
	for _ in $(seq 1 150); do [ -s port ] && return 0; sleep 0.1; done
	return 1
}
ids=$(q base.db "SELECT id FROM alert WHERE inbox IN ($INS) ORDER BY id LIMIT 60")
cpdb base.db ref3.db
start_server "$PWD/ref3.db"; check "the server starts" test -s port
node api_burst.mjs port $ids >ref3.log 2>ref3.err; rc3=$?
kill -TERM "$spid"; wait "$spid" 2>/dev/null
check "the uninterrupted API burst succeeds ($(wc -l <ref3.log) transitions)" test "$rc3" = 0
ref_api=$(dump_alerts ref3.db)
check "the API burst and the CLI burst reach the same alerts" test "$ref_api" = "$ref_burst"
cpdb base.db c3.db
start_server "$PWD/c3.db"
node api_burst.mjs port $ids >c3.log 2>c3.err &
npid=$!
half=$(($(wc -l <ref3.log) / 3))
for _ in $(seq 1 500); do [ "$(wc -l <c3.log)" -ge "$half" ] && break; sleep 0.01; done
kill -9 "$spid"; wait "$spid" 2>/dev/null
wait "$npid" 2>/dev/null
acked=$(wc -l <c3.log)
check "the server was killed mid-burst ($acked of $(wc -l <ref3.log) transitions acknowledged)" test "$acked" -lt "$(wc -l <ref3.log)"
check "server kill: integrity ok" ok_db c3.db
lost=0
while read -r id st; do
	cur=$(q c3.db "SELECT state FROM alert WHERE id = $id")
	last=$(awk -v i="$id" '$1 == i { s = $2 } END { print s }' c3.log)
	[ "$st" != "$last" ] && continue
	case "$st:$cur" in
	assigned:assigned|assigned:verifying|verifying:verifying|verifying:verified|verified:verified|verified:closed|closed:closed) ;;
	*) lost=$((lost + 1)); echo "# alert $id acknowledged $st, now $cur" ;;
	esac
done <c3.log
check "server kill: no transition the API acknowledged is lost" test "$lost" = 0
start_server "$PWD/c3.db"; check "the server restarts on the killed database" test -s port
node api_burst.mjs port $ids >>c3.log 2>>c3.err; rc3=$?
kill -TERM "$spid"; wait "$spid" 2>/dev/null
check "the resumed API burst succeeds" test "$rc3" = 0
check "server kill: the resumed burst reaches the uninterrupted state" test "$(dump_alerts c3.db)" = "$ref_api"
check "the server log has no sanitizer report" sh -c "! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' server.log"
