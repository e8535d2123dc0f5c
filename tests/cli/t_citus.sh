# packaging/citus/distribute.sql on plain PostgreSQL (Citus is not packaged
# stores: postgresql
# in Debian 12): after `minsheng init` it widens the keys of the tables to
# be distributed. Checked from the catalogs: every table of the schema is in
# the script's plan; every primary key, unique constraint and unique index
# of a distributed table contains its distribution column (and a unique
# index added without it is caught); foreign keys between distributed
# tables are co-located on it; every ON CONFLICT target of the C code still
# has its unique index. Then the application on the changed schema: a
# province imported, scanned, an alert explained, worked through its
# lifecycle with a photo, a household visited, reminders queued, searched —
# and every output compared with the same steps on an unchanged database.
# Last, part (b) of the script with Citus's two functions stubbed: each
# table converted once, in an order the co-location groups allow, and the
# foreign keys put back as they were.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_PWHASH=min
export MINSHENG_TODAY=2026-11-02
SQL=$ROOT/packaging/citus/distribute.sql
js() { node -e "$1" "${@:2}"; }
psq() { psql -X -q -At -F"|" -v ON_ERROR_STOP=1 -d "$MINSHENG_DB" "$@"; }

run gen --people 3000 --seed 11 --out prov; expect_rc 0

# ---- the plan: one row a line in distribute.sql ----
# (ord, 'table', 'reference'|'distributed', NULL|'column', NULL|'colocate')
grep -E "^  \([0-9]+, '[a-z0-9_]+', '(reference|distributed)', (NULL|'[a-z0-9_]+'), (NULL|'[a-z0-9_]+')\)[,;]$" "$SQL" |
	sed -E 's/^  //; s/[,;]$//' >plan.txt
PLAN=$(paste -sd, plan.txt)
check "the plan lists tables ($(wc -l <plan.txt)), some distributed" \
	test "$(grep -c "'distributed'" plan.txt)" -gt 10 -a "$(grep -c "'reference'" plan.txt)" -gt 10
PLAN_CTE="plan(ord, tbl, kind, col, colocate) AS (VALUES $PLAN)"

# unique keys of distributed tables without the distribution column
# (constraints and indexes alike: every one has a pg_index row)
BAD_KEYS="WITH $PLAN_CTE
SELECT c.relname || '.' || i.indexrelid::regclass FROM plan p
JOIN pg_class c ON c.relname = p.tbl AND c.relnamespace = 'public'::regnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = p.col
JOIN pg_index i ON i.indrelid = c.oid AND i.indisunique
WHERE p.kind = 'distributed' AND NOT a.attnum = ANY (i.indkey::int2[])
UNION ALL
SELECT c.relname || '.' || k.conname FROM plan p
JOIN pg_class c ON c.relname = p.tbl AND c.relnamespace = 'public'::regnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = p.col
JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype IN ('p', 'u', 'x')
WHERE p.kind = 'distributed' AND NOT a.attnum = ANY (k.conkey)
ORDER BY 1"

# ---- the database with the Citus keys ----
export MINSHENG_DB=$(fresh_db c) MINSHENG_ACCESS="$PWD/c.db.access"
run init; expect_rc 0
before=$(psq -c "$BAD_KEYS" | paste -sd' ')
check "the check finds the keys init made without the column ($(echo "$before" | wc -w))" \
	test -n "$(echo " $before " | grep -F ' alert.alert_open_key ' | grep -F ' record.record_pkey ')"
psql -X -q -v ON_ERROR_STOP=1 -d "$MINSHENG_DB" -f "$SQL" >apply.out 2>&1; rc=$?
last="psql -f distribute.sql"; expect_rc 0
check "on plain PostgreSQL part (b) distributes nothing (it says so)" grep -q "citus is not installed" apply.out

psq -c "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1" | LC_ALL=C sort >tables.txt
sed -E "s/^\([0-9]+, '([a-z0-9_]+)'.*/\1/" plan.txt | LC_ALL=C sort >planned.txt
check "every table of the schema is in the plan, and only those ($(wc -l <tables.txt))" cmp tables.txt planned.txt
check "each distributed table has its distribution column, NOT NULL" \
	test "$(psq -c "WITH $PLAN_CTE SELECT count(*) FROM plan p JOIN pg_class c ON c.relname = p.tbl AND c.relnamespace = 'public'::regnamespace
	  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = p.col AND a.attnotnull")" = "$(grep -c "'distributed'" plan.txt)"
psq -c "$BAD_KEYS" >bad.txt
check "every unique key of a distributed table contains its distribution column" test ! -s bad.txt
[ -s bad.txt ] && sed 's/^/# lacks the column: /' bad.txt
check "…out of $(psq -c "WITH $PLAN_CTE SELECT count(*) FROM plan p JOIN pg_class c ON c.relname = p.tbl AND c.relnamespace = 'public'::regnamespace JOIN pg_index i ON i.indrelid = c.oid AND i.indisunique WHERE p.kind = 'distributed'") unique indexes" \
	test "$(psq -c "WITH $PLAN_CTE SELECT count(*) FROM plan p JOIN pg_class c ON c.relname = p.tbl AND c.relnamespace = 'public'::regnamespace JOIN pg_index i ON i.indrelid = c.oid AND i.indisunique WHERE p.kind = 'distributed'")" -ge 19
check "a unique index added without the column is caught" \
	test "$(psq -c "BEGIN; CREATE UNIQUE INDEX t_citus_probe ON alert_event(at, id); $BAD_KEYS; ROLLBACK;")" = "alert_event.t_citus_probe"

# co-location: a distributed table joins a group created before it, of the
# same column type; a foreign key between distributed tables stays in one
# group and maps column to column; none from a reference table to a
# distributed one
COLO="WITH RECURSIVE $PLAN_CTE, g(tbl, grp) AS (
  SELECT tbl, tbl FROM plan WHERE colocate = 'none'
  UNION ALL SELECT p.tbl, g.grp FROM plan p JOIN g ON p.colocate = g.tbl)"
check "every co-location group starts before its members, one column type each" \
	test "$(psq -c "$COLO SELECT count(*) FROM plan p JOIN g USING (tbl) JOIN plan h ON h.tbl = g.grp
	  WHERE h.ord <= p.ord AND (SELECT atttypid FROM pg_attribute WHERE attrelid = p.tbl::regclass AND attname = p.col)
	      = (SELECT atttypid FROM pg_attribute WHERE attrelid = h.tbl::regclass AND attname = h.col)")" = "$(grep -c "'distributed'" plan.txt)"
FKEYS="$COLO SELECT k.conname, fp.kind, tp.kind, coalesce(fg.grp = tg.grp, false) AND EXISTS (
    SELECT 1 FROM unnest(k.conkey, k.confkey) u(f, t)
    WHERE f = (SELECT attnum FROM pg_attribute WHERE attrelid = k.conrelid AND attname = fp.col)
      AND t = (SELECT attnum FROM pg_attribute WHERE attrelid = k.confrelid AND attname = tp.col))
  FROM pg_constraint k JOIN pg_class fc ON fc.oid = k.conrelid JOIN pg_class tc ON tc.oid = k.confrelid
  JOIN plan fp ON fp.tbl = fc.relname JOIN plan tp ON tp.tbl = tc.relname
  LEFT JOIN g fg ON fg.tbl = fp.tbl LEFT JOIN g tg ON tg.tbl = tp.tbl
  WHERE k.contype = 'f' AND k.connamespace = 'public'::regnamespace ORDER BY 1"
psq -c "$FKEYS" >fkeys.txt
FK_DEFS="SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1"
psq -c "$FK_DEFS" >fk_before.txt
check "foreign keys: none from a reference table to a distributed one" test "$(grep -c '|reference|distributed|' fkeys.txt)" = 0
check "foreign keys between distributed tables are co-located on the column ($(grep -c '|distributed|distributed|' fkeys.txt))" \
	test "$(grep -c '|distributed|distributed|t$' fkeys.txt)" = "$(grep -c '|distributed|distributed|' fkeys.txt)" -a "$(grep -c '|distributed|distributed|' fkeys.txt)" -ge 7
grep '|distributed|distributed|f$' fkeys.txt | sed 's/^/# not co-located: /'
check "attachment → attachment_blob, not co-located, is gone" test "$(grep -c '^attachment_sha256_fkey|' fkeys.txt)" = 0
check "alert_verification names its event with the alert" \
	test "$(psq -c "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'alert_verification_event_id_fkey'")" = "FOREIGN KEY (alert_id, event_id) REFERENCES alert_event(alert_id, id)"

# every ON CONFLICT (columns) of src/store still finds a unique index whose
# columns are exactly those (a partial one would not match)
js '
const fs = require("fs"), dir = process.argv[1];
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".c") && !f.startsWith("schema_"))) {
	// the C string literals of a file joined: "a" \ newline "b" → ab
	const s = fs.readFileSync(dir + "/" + f, "utf8").replace(/"\s*(\\\s*)?(\/\*[^]*?\*\/\s*(\\\s*)?)*"/g, "");
	for (const m of s.matchAll(/INSERT INTO ([a-z_.]+)\s*\([^)]*\)(?:(?!INSERT INTO)[^;])*?ON CONFLICT\s*\(([^)]+)\)/g))
		if (!m[1].startsWith("temp.")) console.log(m[1] + "|" + m[2].split(",").map((c) => c.trim()).sort().join(","));
}' "$ROOT/src/store" | sort -u >targets.txt
check "ON CONFLICT targets found in src/store ($(wc -l <targets.txt))" test "$(wc -l <targets.txt)" -ge 8
psq -c "SELECT c.relname || '|' || (SELECT string_agg(attname, ',' ORDER BY attname) FROM pg_attribute
  WHERE attrelid = c.oid AND attnum = ANY (i.indkey::int2[])) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
  WHERE i.indisunique AND i.indpred IS NULL AND c.relnamespace = 'public'::regnamespace" | sort -u >uniques.txt
comm -23 targets.txt uniques.txt >unmatched.txt
check "every ON CONFLICT target has its unique index" test ! -s unmatched.txt
sed 's/^/# no unique index for ON CONFLICT: /' unmatched.txt

# ---- the same work on both databases ----
# steps DIR: runs the application's work on $MINSHENG_DB, keeps the outputs
# that must agree in DIR/
steps() {
	local d=$1; mkdir -p "$d"
	run import manifest prov/manifest.json; expect_rc 0
	run station import prov/stations.csv; expect_rc 0
	run scan --json; expect_rc 0; cp stdout.txt "$d/scan1.json"
	run alerts --json --limit 100000; expect_rc 0; cp stdout.txt "$d/alerts1.json"
	# a person alert routed to a station (not a death), first by id
	read -r A1 ST P <<<"$(js '
const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const x = a.find(x => x.inbox.length === 9 && x.subject_type === "person" && x.rule !== "R01");
console.log([x.id, x.inbox, x.subject].join(" "));' "$d/alerts1.json")"
	HH=$(awk -F, -v p="$P" '$1 == p { print $3 }' prov/persons.csv)
	NAME=$(awk -F, -v p="$P" '$1 == p { print $2 }' prov/persons.csv)
	check "$d: picked alert $A1 at $ST, person $P of household $HH" test -n "$HH" -a -n "$NAME"
	run person show "$P" --json; expect_rc 0; cp stdout.txt "$d/person.json"
	run household show "$HH" --json; expect_rc 0; cp stdout.txt "$d/household0.json"
	run search "$NAME" --json --limit 100; expect_rc 0; cp stdout.txt "$d/search.json"
	run explain "$A1" --json; expect_rc 0; cp stdout.txt "$d/explain.json"
	run explain "$A1"; expect_rc 0; cp stdout.txt "$d/explain.txt"
	# users, and the alert's lifecycle with a photo
	run user add root --role admin --scope 44 <<<"admin-password"; expect_rc 0
	run user add off --role officer --scope "${ST:0:4}" --as root <<<"officer-password"; expect_rc 0
	run user add head --role station_head --scope "$ST" --station "$ST" --as root <<<"head-password"; expect_rc 0
	run user add wk --role worker --scope "$ST" --station "$ST" --as root <<<"worker-password"; expect_rc 0
	run alert assign "$A1" --to wk --as head --version 1; expect_rc 0
	run alert assign "$A1" --to wk --as head --version 1; expect_rc 1; expect_err "已被他人修改"
	run alert start "$A1" --as wk --version 2; expect_rc 0
	printf '\xff\xd8\xff\xe0 a synthetic visit photo' >photo.jpg
	MINSHENG_TODAY=2026-11-04 run alert verify "$A1" --as wk --version 3 --outcome referred --department 医保局 \
		--note "入户核实，已转介医疗救助" --household "$HH" --attach photo.jpg; expect_rc 0
	MINSHENG_TODAY=2026-11-04 run alert verify "$A1" --as wk --version 4 --outcome referred --department 医保局 \
		--note "again" --household "$HH" --attach photo.jpg; expect_rc 1
	MINSHENG_TODAY=2026-11-05 run alert return "$A1" --as off --version 4 --note "请补充照片"; expect_rc 0
	MINSHENG_TODAY=2026-11-06 run alert start "$A1" --as wk --version 5; expect_rc 0
	MINSHENG_TODAY=2026-11-06 run alert verify "$A1" --as wk --version 6 --outcome no_action --note "已核实" --attach photo.jpg; expect_rc 0
	MINSHENG_TODAY=2026-11-09 run alert close "$A1" --as off --version 7 --decision "属实，无需救助"; expect_rc 0
	run alert show "$A1" --as off --json; expect_rc 0; cp stdout.txt "$d/alert.json"
	sha=$(sha256sum photo.jpg | cut -c1-64)
	run alert file "$A1" "$sha" --out "$d/photo.jpg" --as off; expect_rc 0
	check "$d: the photo reads back" cmp photo.jpg "$d/photo.jpg"
	# the household's service file: a visit, a service, an application
	MINSHENG_TODAY=2026-11-10 run visit add --household "$HH" --kind 入户 --date 2026-11-03 --as wk; expect_rc 0
	MINSHENG_TODAY=2026-11-10 run visit service add --household "$HH" --persons 3 --date 2026-11-04 --kind 助餐 --as wk; expect_rc 0
	MINSHENG_TODAY=2026-11-10 run visit application add --household "$HH" --benefit 临时救助金 --date 2026-11-05 --as wk --json; expect_rc 0
	APP=$(js 'console.log(JSON.parse(require("fs").readFileSync("stdout.txt","utf8")).id)')
	MINSHENG_TODAY=2026-11-10 run visit application result "$APP" --outcome granted --date 2026-11-10 --as head; expect_rc 0
	MINSHENG_TODAY=2026-11-10 run household show "$HH" --json; expect_rc 0; cp stdout.txt "$d/household.json"
	# a disaster report: the next scan raises one alert more, keeps the rest
	printf '身份证号,姓名,灾害类型,受灾日期,房屋损毁程度\n%s,%s,台风,2026-10-28,倒塌\n' "$P" "$NAME" >disaster.csv
	run import yingji disaster.csv; expect_rc 0
	run scan --json; expect_rc 0; cp stdout.txt "$d/scan2.json"
	run scan --json; expect_rc 0; cp stdout.txt "$d/scan3.json"
	run alerts --json --limit 100000; expect_rc 0; cp stdout.txt "$d/alerts.json"
	# reminders: notices and webhook deliveries (to a closed port: they wait)
	run webhook add "http://127.0.0.1:9/hook" --secret "a-secret-of-some-length-0123456789" --events new,overdue --json; expect_rc 0
	run remind --json; expect_rc 0; cp stdout.txt "$d/remind.json"
	run remind --json; expect_rc 0; cp stdout.txt "$d/remind2.json"
	run webhook deliveries --json; expect_rc 0; cp stdout.txt "$d/deliveries.json"
	run stats --area 44 --from 2026-11-01 --to 2026-11-30 --json; expect_rc 0; cp stdout.txt "$d/stats.json"
}
steps citus

export MINSHENG_DB=$(fresh_db p) MINSHENG_ACCESS="$PWD/p.db.access"
run init; expect_rc 0
steps plain

# the outputs that must agree, without clock times and durations
norm() {
	js '
const fs = require("fs");
// durations; opaque page references (sealed with a fresh nonce each time);
// clock times cut to their day
const drop = /^(seconds|.*_seconds|.*_ms|elapsed|next_attempt|ref|.*_ref)$/;
const clean = (v) => Array.isArray(v) ? v.map(clean) : v && typeof v === "object" ?
	Object.fromEntries(Object.entries(v).filter(([k]) => !drop.test(k)).map(([k, x]) => [k, clean(x)])) :
	typeof v === "string" ? v.replace(/^(\d{4}-\d\d-\d\d)T\d\d:\d\d:\d\d.*$/, "$1") : v;
process.stdout.write(JSON.stringify(clean(JSON.parse(fs.readFileSync(process.argv[1], "utf8"))), null, 1));' "$1"
}
check "scan --json: the same alerts per rule" test "$(js 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).new))' citus/scan1.json)" = \
	"$(js 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).new))' plain/scan1.json)"
check "scan --json raised alerts ($(js 'const n=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).new; console.log(Object.values(n).reduce((a,b)=>a+b,0))' citus/scan1.json))" \
	js 'const n=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).new; process.exit(Object.values(n).reduce((a,b)=>a+b,0) > 10 ? 0 : 1)' citus/scan1.json
check "alerts --json: the same ids, rules, subjects, states" test \
	"$(js 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).map(a => [a.id, a.rule, a.subject_type, a.subject, a.inbox, a.state, a.version].join()).join("\n"))' citus/alerts.json)" = \
	"$(js 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).map(a => [a.id, a.rule, a.subject_type, a.subject, a.inbox, a.state, a.version].join()).join("\n"))' plain/alerts.json)"
check "the second scan raised one alert, the third none" js '
const fs = require("fs"), n = (f) => Object.values(JSON.parse(fs.readFileSync(f, "utf8")).new).reduce((a, b) => a + b, 0);
process.exit(n("citus/scan2.json") === 1 && n("citus/scan3.json") === 0 ? 0 : 1)'
for f in scan1 scan2 scan3 alerts1 alerts person household0 household search explain alert remind remind2 deliveries stats; do
	norm "citus/$f.json" >"citus/$f.norm"; norm "plain/$f.json" >"plain/$f.norm"
	check "$f: the same on both schemas" cmp "citus/$f.norm" "plain/$f.norm"
	cmp -s "citus/$f.norm" "plain/$f.norm" || diff "citus/$f.norm" "plain/$f.norm" | head -8 | sed 's/^/# /'
done
sed -E 's/T[0-9]{2}:[0-9]{2}:[0-9]{2}\+08:00//g' citus/explain.txt >citus/explain.norm.txt
sed -E 's/T[0-9]{2}:[0-9]{2}:[0-9]{2}\+08:00//g' plain/explain.txt >plain/explain.norm.txt
check "explain (text): the same, but for clock times" cmp citus/explain.norm.txt plain/explain.norm.txt
check "the alert's history: the whole loop" js '
const a = JSON.parse(require("fs").readFileSync("citus/alert.json", "utf8"));
process.exit(a.events.map(e => e.to).join() === "new,assigned,verifying,verified,returned,verifying,verified,closed" ? 0 : 1)'
check "reminders queued deliveries once" js '
const fs = require("fs"), r = JSON.parse(fs.readFileSync("citus/remind.json", "utf8")), r2 = JSON.parse(fs.readFileSync("citus/remind2.json", "utf8"));
process.exit(r.queued > 0 && r2.queued === 0 ? 0 : 1)'

# ---- part (b), with Citus's functions stubbed ----
# The script again on a third database, its extension test turned to one
# that holds (plpgsql) and create_reference_table / create_distributed_table
# replaced by functions that note each call and the foreign keys left.
export MINSHENG_DB=$(fresh_db s) MINSHENG_ACCESS="$PWD/s.db.access"
run init; expect_rc 0
psq -c "CREATE SCHEMA stub; CREATE TABLE stub.calls (n serial, fn text, tbl text, col text, colocate text, fkeys bigint);
CREATE FUNCTION public.create_reference_table(t regclass) RETURNS void LANGUAGE sql AS
  \$\$ INSERT INTO stub.calls (fn, tbl, fkeys) SELECT 'reference', t::text, count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace \$\$;
CREATE FUNCTION public.create_distributed_table(t regclass, col text, colocate_with text) RETURNS void LANGUAGE sql AS
  \$\$ INSERT INTO stub.calls (fn, tbl, col, colocate, fkeys) SELECT 'distributed', t::text, col, colocate_with, count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace \$\$;"
sed "s/WHERE extname = 'citus'/WHERE extname = 'plpgsql'/" "$SQL" >stubbed.sql
check "the stubbed script differs only in the extension it looks for" test "$(diff "$SQL" stubbed.sql | grep -c '^>')" = 1
psql -X -q -v ON_ERROR_STOP=1 -d "$MINSHENG_DB" -f stubbed.sql >stub.out 2>&1; rc=$?
last="psql -f distribute.sql (Citus stubbed)"; expect_rc 0
check "part (b) ran (no 'not installed' notice)" test "$(grep -c 'citus is not installed' stub.out)" = 0
psq -c "SELECT fn, tbl, coalesce(col, ''), coalesce(colocate, ''), fkeys FROM stub.calls ORDER BY n" >calls.txt
check "one call per table of the plan ($(wc -l <calls.txt)), in its order" test \
	"$(cut -d'|' -f2 calls.txt | paste -sd' ')" = "$(sed -E "s/^\([0-9]+, '([a-z0-9_]+)'.*/\1/" plan.txt | paste -sd' ')"
check "reference tables first, then distributed ones with their columns" test \
	"$(cut -d'|' -f1,3 calls.txt | paste -sd' ')" = "$(sed -E "s/^\([0-9]+, '[a-z0-9_]+', '([a-z]+)', (NULL|'([a-z0-9_]+)').*/\1|\3/" plan.txt | paste -sd' ')"
check "co-location: 'none' or a table converted before" js '
const rows = require("fs").readFileSync("calls.txt", "utf8").trim().split("\n").map((l) => l.split("|"));
const seen = new Set();
for (const [fn, tbl, col, colo] of rows) {
	if (fn === "distributed" && colo !== "none" && !seen.has(colo.replace(/^public\./, ""))) process.exit(1);
	seen.add(tbl);
}'
check "no foreign key in place while the tables are converted" test "$(cut -d'|' -f5 calls.txt | sort -u)" = 0
psq -c "$FK_DEFS" >fk_after.txt
check "the foreign keys put back as they were ($(wc -l <fk_after.txt))" cmp fk_before.txt fk_after.txt
