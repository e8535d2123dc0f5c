# The whole chain on a generated province: gen → import → stations → scan.
# stores: sqlite postgresql
# The alerts must be exactly the hits gen planted (no more, no less), a
# second scan raises nothing, and every alert explains itself.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db p) MINSHENG_ACCESS="$PWD/p.db.access"
run gen --out prov --people 20000 --seed 11; expect_rc 0
run init; expect_rc 0
run import manifest prov/manifest.json --json; expect_rc 0
expect_json "this.every(f => f.matches_expected === true)" true
run station import prov/stations.csv; expect_rc 0

run scan --dry-run --json; expect_rc 0
expect_json "this.dry_run" true
expect_json "this.snapshot" "built"
expect_json "Object.values(this.new).reduce((a,b)=>a+b,0) > 0" true
run alerts --json; expect_rc 0; expect_json "this.length" 0

run scan --json; expect_rc 0
expect_json "Object.keys(this.new).length" 18
expect_json "typeof this.as_of === 'string' && this.pack.length === 64" true
cp stdout.txt scan1.json
run alerts --json --limit 100000; expect_rc 0
cp stdout.txt alerts.json
check "alerts equal gen's planted hits exactly" node -e '
const fs = require("fs");
const a = JSON.parse(fs.readFileSync("alerts.json", "utf8"));
const got = new Set(a.map(x => x.rule + "," + x.subject_type + "," + x.subject));
const lines = fs.readFileSync("prov/expected_hits.csv", "utf8").trim().split("\n").slice(1);
const exp = new Set(lines.map(l => l.split(",").slice(0, 3).join(",")));
const miss = [...exp].filter(x => !got.has(x)), extra = [...got].filter(x => !exp.has(x));
if (miss.length || extra.length || got.size !== a.length) {
	console.error("missing", miss, "extra", extra); process.exit(1);
}'
check "no near miss raised an alert" node -e '
const fs = require("fs");
const a = JSON.parse(fs.readFileSync("alerts.json", "utf8"));
const got = new Set(a.map(x => x.rule + "," + x.subject));
const lines = fs.readFileSync("prov/near_misses.csv", "utf8").trim().split("\n").slice(1);
const bad = lines.map(l => l.split(",")).filter(f => got.has(f[0] + "," + f[2]));
if (!lines.length || bad.length) { console.error(bad); process.exit(1); }'
check "scan counts equal the alerts written" node -e '
const fs = require("fs");
const s = JSON.parse(fs.readFileSync("scan1.json", "utf8"));
const a = JSON.parse(fs.readFileSync("alerts.json", "utf8"));
const n = Object.values(s.new).reduce((x, y) => x + y, 0);
if (n !== a.length) process.exit(1);'
expect_json "this.every(a => a.id > 0 && a.state === 'new' && /^\\d{4}-\\d{2}-\\d{2}$/.test(a.due) && a.created.endsWith('+08:00'))" true

# a second identical scan raises nothing, over the snapshot kept from the first
run scan --json; expect_rc 0
# the snapshot cache is a file beside a SQLite database (docs/decisions.md
# "Snapshot cache"); a PostgreSQL store has none, so its scans always build
if on_pg; then expect_json "this.snapshot" "built"; else expect_json "this.snapshot" "loaded"; fi
expect_json "Object.values(this.new).reduce((a,b)=>a+b,0) + Object.values(this.appended).reduce((a,b)=>a+b,0) + Object.values(this.cleared).reduce((a,b)=>a+b,0)" 0

# explanations: every alert cites its rule, pack version and facts
first=$(node -e 'console.log(JSON.parse(require("fs").readFileSync("alerts.json","utf8"))[0].id)')
run explain "$first"; expect_rc 0; expect_out "规则"; expect_out "事实依据"
run explain "$first" --lang en; expect_rc 0; expect_out "Rule"
run explain "$first" --json; expect_rc 0
r05=$(node -e 'const a=JSON.parse(require("fs").readFileSync("alerts.json","utf8")).find(x=>x.rule==="R05"); console.log(a.id)')
run explain "$r05" --json; expect_rc 0
check "an R05 explanation cites yibao rows and the threshold parameter" node -e '
const fs = require("fs");
const t = fs.readFileSync("stdout.txt", "utf8");
if (!t.includes("medical_oop_threshold") || !t.includes("\"yibao\"")) process.exit(1);'

# an earlier as-of date is a different question: re-running a past day works
run scan --as-of 2026-06-30 --dry-run --json; expect_rc 0
expect_json "this.as_of" "2026-06-30"
run scan --as-of 2026-02-30; expect_rc 2
run rules plan R12; expect_rc 0; expect_out "reduce_members_to_households"

# revoking a batch flags the alerts whose evidence cites it
# SQL goes to dbq on standard input: psql takes a second argument as a user name
yb=$(dbq <<<"SELECT b.id FROM batch b JOIN feed f ON f.id = b.feed_id WHERE f.name = 'yibao';")
run import revoke "$yb" --reason "数据有误" --json; expect_rc 0
expect_json "this[0].alerts_flagged > 0" true
run alerts --json --rule R05 --limit 1000; expect_rc 0
expect_json "this.length > 0 && this.every(a => a.evidence_revoked)" true
run alerts --json --rule R01 --limit 1000
expect_json "this.some(a => a.evidence_revoked)" false
# the next scan no longer sees the withdrawn settlements: the R05 alerts clear
run scan --json; expect_rc 0
expect_json "this.cleared.R05 > 0" true

# the monitored population by category, against a count made here from the
# stored records (distinct persons holding an active record on the date)
run stats --area 44 --from 2026-01-01 --to 2026-11-29 --json; expect_rc 0
cp stdout.txt stats.json
dbq <<<"SELECT r.idno, r.vals FROM record r JOIN feed f ON f.id = r.feed_id JOIN batch b ON b.id = r.batch_id WHERE f.name = 'categories' AND b.state = 'published';" > cats.txt
check "population by category equals an independent count" node -e '
const fs = require("fs");
const st = JSON.parse(fs.readFileSync("stats.json", "utf8")).population;
const D = "2026-11-29", by = {}, all = new Set();
for (const line of fs.readFileSync("cats.txt", "utf8").trim().split("\n")) {
	const bar = line.indexOf("|"), id = line.slice(0, bar), v = line.slice(bar + 1).split("\x1f");
	const [cat, start, end] = [v[2], v[3], v[4]];
	if (start <= D && (!end || end >= D)) { (by[cat] = by[cat] || new Set()).add(id); all.add(id); }
}
let ok = st.total === all.size && st.total > 0;
for (const [c, n] of Object.entries(st.by_category)) ok = ok && n === (by[c] ? by[c].size : 0);
if (!ok) { console.error(st, all.size); process.exit(1); }'
