# kill -9 in the middle of an import leaves no trace of it, and the rerun
# gives exactly the counts of an uninterrupted run (SPEC §2.5).
export MINSHENG_PACK="$ROOT/policy/guangdong"
rows=60000
awk -v n="$rows" 'BEGIN {
	split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", w, " "); chk = "10X98765432";
	print "结算单号,身份证号,姓名,结算日期,医疗总费用,统筹支付,个人自付,医疗机构";
	for (i = 1; i <= n; i++) {
		s = sprintf("440106%04d%02d%02d%03d", 1940 + i % 70, 1 + i % 12, 1 + i % 28, i % 997);
		sum = 0; for (k = 1; k <= 17; k++) sum += substr(s, k, 1) * w[k];
		id = s substr(chk, sum % 11 + 1, 1);
		if (i % 1000 == 7) id = "bad" i;                  # rejected: not shaped
		key = (i % 5000 == 11) ? i - 1 : i;                # a repeated key now and then
		printf "JS%08d,%s,某%d,2026-%02d-%02d,%d.50,10,%d.50,医院\n", key, id, i, 1 + i % 12, 1 + i % 28, i % 900 + 20, i % 900 + 10;
	}
}' > big.csv

# the reference: an uninterrupted run into its own database
MINSHENG_DB="$PWD/ref.db" "$MINSHENG" init >/dev/null
MINSHENG_DB="$PWD/ref.db" run import yibao big.csv --json
expect_rc 0
ref=$(node -e 'const o=JSON.parse(require("fs").readFileSync("stdout.txt","utf8")); console.log([o.rows,o.accepted,o.rejected,o.review].join(","))')
check "reference counts add up" test "$ref" = "60000,59928,72,0"

export MINSHENG_DB="$PWD/crash.db"
"$MINSHENG" init >/dev/null
killed=0
for attempt in 1 2 3; do
	"$MINSHENG" import yibao big.csv --chunk-rows 500 >/dev/null 2>&1 &
	pid=$!
	# wait (bounded) until some chunks are committed, then kill -9
	for i in $(seq 1 400); do
		cnt=$(sqlite3 "$MINSHENG_DB" "SELECT count(*) FROM record" 2>/dev/null || echo 0)
		[ "${cnt:-0}" -ge 3000 ] && break
		sleep 0.01
	done
	if kill -9 "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null; killed=1; break; fi
	wait "$pid" 2>/dev/null
	rm -f "$MINSHENG_DB"* ; "$MINSHENG" init >/dev/null
done
check "an import was killed mid-way" test "$killed" = 1
check "staged rows were on disk when killed" sh -c "[ \$(sqlite3 '$MINSHENG_DB' 'SELECT count(*) FROM record') -gt 0 ]"
check "nothing was published" sh -c "[ \$(sqlite3 '$MINSHENG_DB' \"SELECT count(*) FROM batch WHERE state='published'\") -eq 0 ]"
run import list --json; expect_json "this.filter(b=>b.state==='published').length" 0
check "integrity after the kill" sh -c "sqlite3 '$MINSHENG_DB' 'PRAGMA integrity_check' | grep -qx ok"

run import yibao big.csv --json
expect_rc 0
got=$(node -e 'const o=JSON.parse(require("fs").readFileSync("stdout.txt","utf8")); console.log([o.rows,o.accepted,o.rejected,o.review].join(","))')
check "rerun counts equal the uninterrupted run ($got vs $ref)" test "$got" = "$ref"
expect_json "this.already_imported" false
check "only the rerun's records remain" sh -c "[ \$(sqlite3 '$MINSHENG_DB' 'SELECT count(*) FROM record') -eq 59928 ]"
check "the killed batch is gone" sh -c "[ \$(sqlite3 '$MINSHENG_DB' 'SELECT count(*) FROM batch') -eq 1 ]"
check "integrity after the rerun" sh -c "sqlite3 '$MINSHENG_DB' 'PRAGMA integrity_check' | grep -qx ok"
run import yibao big.csv --json; expect_json "this.already_imported" true

# ---- what was committed before the kill stays (docs/reliability.md) ----
# a published batch, then a killed import of another file: the batch keeps
# every record, and the rerun of the killed file adds exactly its counts
export MINSHENG_DB="$PWD/kept.db"
"$MINSHENG" init >/dev/null
head -n 2001 big.csv | sed 's/^JS/KS/' >small.csv
run import yibao small.csv --json; expect_rc 0
small_acc=$(node -e 'console.log(JSON.parse(require("fs").readFileSync("stdout.txt","utf8")).accepted)')
"$MINSHENG" import yibao big.csv --chunk-rows 500 >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 400); do
	cnt=$(sqlite3 "$MINSHENG_DB" "SELECT count(*) FROM record" 2>/dev/null || echo 0)
	[ "${cnt:-0}" -ge $((small_acc + 3000)) ] && break
	sleep 0.01
done
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
check "integrity after killing the second import" sh -c "sqlite3 '$MINSHENG_DB' 'PRAGMA integrity_check' | grep -qx ok"
check "the first batch is still published with its $small_acc records" \
	test "$(sqlite3 "$MINSHENG_DB" "SELECT count(*) FROM record r JOIN batch b ON b.id = r.batch_id WHERE b.state = 'published'")" = "$small_acc"
run import yibao big.csv --json; expect_rc 0
got=$(node -e 'const o=JSON.parse(require("fs").readFileSync("stdout.txt","utf8")); console.log([o.rows,o.accepted,o.rejected,o.review].join(","))')
check "the rerun beside the kept batch gives the reference counts ($got)" test "$got" = "$ref"
check "both batches are published" test "$(sqlite3 "$MINSHENG_DB" "SELECT count(*) FROM batch WHERE state = 'published'")" = 2

# ---- kill -9 of the server during an upload job (POST /api/v1/imports) ----
export MINSHENG_DB="$PWD/api.db" MINSHENG_PWHASH=min
"$MINSHENG" init >/dev/null
"$MINSHENG" user add root --role admin --scope 44 <<<"root-password" >/dev/null
start_server() {
	rm -f port
	"$MINSHENG" serve --db "$MINSHENG_DB" --listen 127.0.0.1:0 --port-file port --quiet --threads 2 >>server.log 2>&1 &
	spid=$!
	for _ in $(seq 1 150); do [ -s port ] && return 0; sleep 0.1; done
	return 1
}
cat >upload.mjs <<'EOF2'
// node upload.mjs PORTFILE FILE [wait]: logs in, uploads FILE as a yibao
// import job and prints the job's id; with "wait", polls the job to its end
// and prints its final record as JSON. node upload.mjs PORTFILE - JOB prints
// the job's record.
import fs from 'node:fs';
const [portFile, file, arg] = process.argv.slice(2);
const base = `http://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;
const l = await fetch(`${base}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: 'root-password' }) });
const h = { cookie: `ms_session=${/ms_session=([^;]*)/.exec(l.headers.get('set-cookie'))[1]}`, 'x-csrf-token': (await l.json()).csrf };
if (file === '-') {
	console.log(JSON.stringify(await (await fetch(`${base}/api/v1/jobs/${arg}`, { headers: h })).json()));
	process.exit(0);
}
const r = await fetch(`${base}/api/v1/imports?feed=yibao&name=big.csv`, { method: 'POST', headers: h, body: fs.readFileSync(file) });
const { job } = await r.json();
console.log(job);
if (arg === 'wait') {
	for (let i = 0; i < 1200; i++) {
		const j = await (await fetch(`${base}/api/v1/jobs/${job}`, { headers: h })).json();
		if (j.state === 'done' || j.state === 'failed') { console.log(JSON.stringify(j)); break; }
		await new Promise((res) => setTimeout(res, 100));
	}
}
EOF2
start_server; check "the server starts" test -s port
job=$(node upload.mjs port big.csv)
check "the upload is a job ($job)" test -n "$job"
for i in $(seq 1 800); do
	cnt=$(sqlite3 "$MINSHENG_DB" "SELECT count(*) FROM record" 2>/dev/null || echo 0)
	[ "${cnt:-0}" -ge 1000 ] && break
	sleep 0.01
done
kill -9 "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
check "integrity after killing the server mid-job" sh -c "sqlite3 '$MINSHENG_DB' 'PRAGMA integrity_check' | grep -qx ok"
check "the killed job published nothing" test "$(sqlite3 "$MINSHENG_DB" "SELECT count(*) FROM batch WHERE state = 'published'")" = 0
start_server; check "the server restarts" test -s port
st=$(node upload.mjs port - "$job" | node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(j.state)')
check "after the restart the interrupted job reads failed ($st)" test "$st" = failed
got=$(node upload.mjs port big.csv wait | tail -n 1 | node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8")); const o=j.result||{}; console.log(j.state+":"+[o.rows,o.accepted,o.rejected,o.review].join(","))')
kill -TERM "$spid"; wait "$spid" 2>/dev/null
check "the upload again gives the reference counts ($got)" test "$got" = "done:$ref"
check "only the rerun's records remain" test "$(sqlite3 "$MINSHENG_DB" 'SELECT count(*) FROM record')" = 59928
check "the server log has no sanitizer report" sh -c "! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' server.log"
