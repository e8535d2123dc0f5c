# `minsheng backup` and `minsheng restore` (docs/reliability.md): an online
# backup taken while the server writes (alert transitions, an import job and
# a scan job through the API) passes integrity_check, carries the access log
# and its anchors, and restores to a database that `minsheng serve` opens,
# whose alert count lies between the counts before and after the backup;
# restore refuses a damaged file, a running server and an import in
# progress, keeps the old database, and swaps atomically.
export MINSHENG_PACK="$PWD/pack"
export MINSHENG_PWHASH=min
export MINSHENG_DB="$PWD/p.db"
cp -r "$ROOT/policy/guangdong" pack
sed -i 's/^hits = .*/hits = 800/' pack/gen-profile.ini
q() { sqlite3 -batch -noheader "$1" "$2"; }
ok_db() { [ "$(q "$1" 'PRAGMA integrity_check')" = ok ]; }
alerts() { q "$1" 'SELECT count(*) FROM alert'; }

run gen --out prov --people 20000 --seed 23 --profile pack/gen-profile.ini; expect_rc 0
run init; expect_rc 0
run import manifest prov/manifest.json; expect_rc 0
run station import prov/stations.csv; expect_rc 0
run scan; expect_rc 0
run user add root --role admin --scope 44 <<<"root-password"; expect_rc 0
STS=$(q p.db "SELECT inbox FROM alert WHERE length(inbox) = 9 AND state = 'new' GROUP BY inbox ORDER BY count(*) DESC, inbox LIMIT 3")
INS=$(printf "'%s'," $STS); INS=${INS%,}
for st in $STS; do
	"$MINSHENG" user add "w$st" --role worker --scope "$st" --station "$st" --as root <<<"worker-password" >/dev/null
done

# ---- the command line ----
run backup --help; expect_rc 0; expect_out "PATH.access"
run backup; expect_rc 2
run backup b0.db --json; expect_rc 0
expect_json "this.pages > 1000 && this.bytes === require('fs').statSync('b0.db').size" true
expect_json "this.access_log" null
check "the backup passes integrity_check" ok_db b0.db
check "the backup is one file (no -wal, no .tmp)" sh -c '! ls b0.db-wal b0.db.tmp 2>/dev/null'
check "the backup is readable by its owner only" test "$(stat -c %a b0.db)" = 600
check "the backup has the database's alerts" test "$(alerts b0.db)" = "$(alerts p.db)"
run backup b0.db; expect_rc 1; expect_err "--force"
run backup b0.db --force --step-pages 100 --sleep-ms 0 --json; expect_rc 0
expect_json "this.steps > 10" true
run backup p.db; expect_rc 2
printf 'not a database' >junk.db
run restore junk.db --db r.db; expect_rc 1
check "a refused restore creates nothing" test ! -e r.db
head -c 100000 b0.db >cut.db
run restore cut.db --db r.db; expect_rc 1
run restore missing.db --db r.db; expect_rc 1

# ---- a backup while the server writes ----
start_server() { # DB
	rm -f port
	"$MINSHENG" serve --db "$1" --listen 127.0.0.1:0 --port-file port --quiet --threads 4 >>server.log 2>&1 &
	spid=$!
	for _ in $(seq 1 150); do [ -s port ] && return 0; sleep 0.1; done
	return 1
}
cat >writer.mjs <<'EOF'
// node writer.mjs PORTFILE STOPFILE IDS…: until STOPFILE exists, uploads a
// disaster file as an import job and scans (new alerts), and drives the given
// alerts through the loop (assign, start, verify, return/close); logs each
// transition's latency in ms to stdout ("t MS"), "import"/"scan" when done.
import fs from 'node:fs';
const [portFile, stopFile, ...ids] = process.argv.slice(2);
const base = `http://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;
const stop = () => fs.existsSync(stopFile);
async function login(u, p) {
	const r = await fetch(`${base}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: u, password: p }) });
	if (r.status !== 200) throw new Error(`login ${u}: ${r.status}`);
	return { cookie: /ms_session=([^;]*)/.exec(r.headers.get('set-cookie'))[1], csrf: (await r.json()).csrf };
}
const call = async (s, method, path, body, raw) => {
	const h = { cookie: `ms_session=${s.cookie}`, 'x-csrf-token': s.csrf };
	if (body) h['content-type'] = 'application/json';
	const r = await fetch(`${base}${path}`, { method, headers: h, body: raw ?? (body && JSON.stringify(body)) });
	return { status: r.status, json: await r.json().catch(() => null) };
};
const root = await login('root', 'root-password');
const persons = fs.readFileSync('prov/persons.csv', 'utf8').split('\n').slice(1, 4001).map((l) => l.split(','));
async function jobs() {
	for (let n = 0; !stop(); n++) {
		const rows = ['身份证号,姓名,灾害类型,受灾日期,房屋损毁程度'];
		for (let i = 0; i < 100; i++) {
			const p = persons[(n * 100 + i) % persons.length];
			rows.push(`${p[0]},${p[1]},台风,2026-11-${String(1 + (n % 27)).padStart(2, '0')},倒塌`);
		}
		let r = await call(root, 'POST', `/api/v1/imports?feed=yingji&name=w${n}.csv`, null, rows.join('\n') + '\n');
		for (let i = 0; r.status === 202 && i < 600; i++) {
			const j = await call(root, 'GET', `/api/v1/jobs/${r.json.job}`);
			if (j.json.state === 'done' || j.json.state === 'failed') { console.log(`import ${j.json.state}`); break; }
			await new Promise((res) => setTimeout(res, 50));
		}
		r = await call(root, 'POST', '/api/v1/scans', {});
		for (let i = 0; r.status === 202 && i < 600; i++) {
			const j = await call(root, 'GET', `/api/v1/jobs/${r.json.job}`);
			if (j.json.state === 'done' || j.json.state === 'failed') { console.log(`scan ${j.json.state}`); break; }
			await new Promise((res) => setTimeout(res, 50));
		}
	}
}
async function loop() {
	const workers = new Map();
	for (let k = 0; !stop(); k++) {
		const id = ids[k % ids.length];
		const a = (await call(root, 'GET', `/api/v1/alerts/${id}`)).json;
		const name = `w${a.inbox}`;
		if (!workers.has(name)) workers.set(name, await login(name, 'worker-password'));
		const wk = workers.get(name);
		let who, body;
		if (a.state === 'new') [who, body] = [root, { to: 'assigned', version: a.version, assignee: name }];
		else if (a.state === 'assigned' || a.state === 'returned') [who, body] = [wk, { to: 'verifying', version: a.version }];
		else if (a.state === 'verifying') [who, body] = [wk, { to: 'verified', version: a.version, outcome: 'no_action', note: 'x' }];
		else if (a.state === 'verified') [who, body] = [root, { to: 'returned', version: a.version, note: '再核' }];
		else continue;
		const t = performance.now();
		const r = await call(who, 'POST', `/api/v1/alerts/${id}/transition`, body);
		if (r.status === 200) console.log(`t ${(performance.now() - t).toFixed(1)}`);
		else if (r.status !== 409) console.log(`error ${r.status}`);
	}
}
await Promise.all([jobs(), loop()]);
EOF
start_server "$PWD/p.db"; check "the server starts" test -s port
run restore b0.db; expect_rc 1; expect_err "服务是否在运行"
check "a refused restore leaves the database" test ! -e p.db.before-restore
ids=$(q p.db "SELECT id FROM alert WHERE inbox IN ($INS) ORDER BY id LIMIT 30")
a0=$(alerts p.db)
rm -f stop
node writer.mjs port stop $ids >writer.log 2>writer.err &
wpid=$!
# let the writers get going (the first import and scan), then back up
for _ in $(seq 1 300); do grep -q '^scan' writer.log && break; sleep 0.05; done
t0=$(date +%s.%N)
a_start=$(alerts p.db)
# small steps with pauses: the copy lasts seconds, so a writer it blocked
# would wait seconds
run backup live.db --step-pages 64 --sleep-ms 25 --json; expect_rc 0
cp stdout.txt backup.json
a_end=$(alerts p.db)
tb=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
during=$(wc -l <writer.log)
sleep 1
touch stop
wait "$wpid"
a1=$(alerts p.db)
nt=$(grep -c '^t ' writer.log)
max_t=$(awk '$1 == "t" && $2 > m { m = $2 } END { printf "%.1f", m }' writer.log)
echo "# backup under load: ${tb}s, $(node -e 'const o=require("./backup.json"); console.log(o.pages+" pages, "+o.steps+" steps, copy "+o.copy_seconds.toFixed(2)+" s, check "+o.check_seconds.toFixed(2)+" s")'); alerts $a0 → $a1 during the writes; $nt transitions, slowest ${max_t} ms"
check "the writers wrote during the backup ($(grep -c . writer.log) events, $a_start → $a_end alerts)" test "$during" -gt 0
check "the writers had no error" sh -c '! grep -q "^error" writer.log && ! test -s writer.err'
check "alerts were added while the backup ran ($a0 → $a1)" test "$a1" -gt "$a0"
copy_s=$(node -e 'console.log(require("./backup.json").copy_seconds.toFixed(2))')
check "the copy took seconds (${copy_s} s) and no transition waited long (slowest ${max_t} ms)" \
	awk -v m="$max_t" -v c="$copy_s" 'BEGIN { exit !(c >= 3 && m < 2500) }'
check "the live backup passes integrity_check" ok_db live.db
check "the access log was backed up" test -s live.db.access
check "its anchors were copied" sh -c 'ls live.db.anchors/ | grep -q .'
run audit verify --access live.db.access --json; expect_rc 0
expect_json "this.ok" true
nb=$(alerts live.db)
check "the backup's alert count lies between before and after ($a0 ≤ $nb ≤ $a1)" test "$a0" -le "$nb" -a "$nb" -le "$a1"

# restore into a fresh place while the server still runs on p.db
run restore live.db --db "$PWD/r.db" --json; expect_rc 0
expect_json "this.replaced" false
expect_json "this.access_log" restored
kill -TERM "$spid"; wait "$spid" 2>/dev/null
check "the restored database passes integrity_check" ok_db r.db
check "the restored database has the backup's alerts" test "$(alerts r.db)" = "$nb"
start_server "$PWD/r.db"; check "minsheng serve opens the restored database" test -s port
h=$(node -e 'fetch(`http://127.0.0.1:${require("fs").readFileSync("port","utf8").trim()}/healthz`).then(r=>r.json()).then(j=>console.log(j.status))')
check "its /healthz says ok ($h)" test "$h" = ok
kill -TERM "$spid"; wait "$spid" 2>/dev/null

# ---- restore in place ----
check "the old database was written after the backup" test "$(alerts p.db)" = "$a1"
old_ino=$(stat -c %i p.db)
flock -o p.db.import-lock sleep 30 &
lpid=$!
for _ in $(seq 1 50); do flock -n p.db.import-lock true || break; sleep 0.1; done
run restore live.db; expect_rc 1; expect_err "正在导入"
kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
run restore live.db --json; expect_rc 0
expect_json "this.replaced" true
expect_json "this.access_log" kept
check "the old database is kept as p.db.before-restore" test "$(stat -c %i p.db.before-restore)" = "$old_ino"
check "the kept database is whole ($a1 alerts)" test "$(alerts p.db.before-restore)" = "$a1"
check "the restored database has the backup's alerts" test "$(alerts p.db)" = "$nb"
check "the restored database passes integrity_check" ok_db p.db
run alerts --json --limit 1; expect_rc 0
run restore b0.db; expect_rc 1; expect_err "--force"
run restore b0.db --force; expect_rc 0
check "a forced restore replaces the kept database" test "$(alerts p.db.before-restore)" = "$nb"
check "and puts the older backup in place" test "$(alerts p.db)" = "$(alerts b0.db)"
# a damaged database (the usual reason to restore) is replaced and kept as it was
dd if=/dev/urandom of=p.db bs=4096 count=2 conv=notrunc 2>/dev/null
run alerts --limit 1; expect_rc 1
run restore live.db --force --json; expect_rc 0
expect_json "this.old_damaged" true
check "the restored database passes integrity_check" ok_db p.db
check "the damaged database is kept as it was" sh -c "! sqlite3 p.db.before-restore 'PRAGMA integrity_check' 2>/dev/null | grep -qx ok"
start_server "$PWD/p.db"; check "the server starts on the restored database" test -s port
kill -TERM "$spid"; wait "$spid" 2>/dev/null
check "the server log has no sanitizer report" sh -c "! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' server.log"
