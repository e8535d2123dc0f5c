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
