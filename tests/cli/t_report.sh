# The monthly report (docs/operations.md): `report monthly` writes an XLSX
# stores: sqlite postgresql
# sheet whose cells sit at fixed rows (title, area, month, the population
# total, the alert figures, outcomes, the stations' work, one row per rule)
# and agree with `stats --json` for the same area and month; a city's
# sheet is the sum of its counties' sheets cell by cell; who may; the
# access log; the API route.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db p) MINSHENG_ACCESS="$PWD/p.db.access"
export MINSHENG_PWHASH=min
q() { dbq "$1"; }
js() { node -e "$1" "${@:2}"; }

run gen --out prov --people 4000 --seed 21; expect_rc 0
run init; expect_rc 0
run import manifest prov/manifest.json; expect_rc 0
run station import prov/stations.csv; expect_rc 0
run scan --json; expect_rc 0
# the city with the most alerts, and an alert of it verified
CITY=$(q "SELECT substr(area, 1, 4) AS c FROM alert GROUP BY c ORDER BY count(*) DESC, c LIMIT 1")
read -r A ST <<<"$(q "SELECT id, inbox FROM alert WHERE area LIKE '$CITY%' AND length(inbox) = 9 ORDER BY id LIMIT 1" | tr '|' ' ')"
run user add root --role admin --scope 44 <<<"admin-password"; expect_rc 0
run user add off --role officer --scope "$CITY" --as root <<<"officer-password"; expect_rc 0
OCITY=$(q "SELECT substr(area, 1, 4) AS c FROM alert WHERE substr(area, 1, 4) != '$CITY' GROUP BY c ORDER BY c LIMIT 1")
run user add ooff --role officer --scope "$OCITY" --as root <<<"officer-password"; expect_rc 0
run user add head --role station_head --scope "$ST" --station "$ST" --as root <<<"head-password"; expect_rc 0
run user add wk --role worker --scope "$ST" --station "$ST" --as root <<<"worker-password"; expect_rc 0
run alert assign "$A" --to wk --as head --version 1; expect_rc 0
run alert start "$A" --as wk --version 2; expect_rc 0
run alert verify "$A" --as wk --version 3 --outcome referred --department 医保局 --note 已转介; expect_rc 0
HH=$(q "SELECT subject FROM alert WHERE subject_type = 'household' AND inbox = '$ST' LIMIT 1")
[ -z "$HH" ] && HH=$(awk -F, -v s="$ST" 'NR > 1 && substr($2, 1, 9) == s { print $1; exit }' prov/households.csv)
run visit add --household "$HH" --kind 入户 --date 2026-11-20 --as head; expect_rc 0

# ---- the sheet ----
cat >cells.js <<'EOF'
// prints {"A1": value, …} of the first sheet of an .xlsx (shared strings resolved)
const { execFileSync } = require('child_process');
const f = process.argv[2];
const x = (p) => execFileSync('unzip', ['-p', f, p]).toString();
const unesc = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
const sst = [...x('xl/sharedStrings.xml').matchAll(/<si>(.*?)<\/si>/gs)].map((m) => unesc([...m[1].matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => t[1]).join('')));
const cells = {};
for (const m of x('xl/worksheets/sheet1.xml').matchAll(/<c r="([A-Z]+\d+)"([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
	const v = /<v>(.*?)<\/v>/s.exec(m[3] || '');
	if (!v) continue;
	cells[m[1]] = /t="s"/.test(m[2]) ? sst[Number(v[1])] : Number(v[1]);
}
const names = execFileSync('unzip', ['-p', f, 'xl/workbook.xml']).toString();
cells.__sheet = (/<sheet name="([^"]+)"/.exec(names) || [])[1];
console.log(JSON.stringify(cells));
EOF
cell() { js 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = c[process.argv[2]]; console.log(v === undefined ? "" : v)' "$1" "$2"; }

run report monthly --area "$CITY" --month 2026-11 --out r.xlsx --json; expect_rc 0
cp stdout.txt report.json
check "the report is an XLSX (zip)" test "$(head -c 2 r.xlsx)" = "PK"
node cells.js r.xlsx >r.json
check "sheet 月报" test "$(cell r.json __sheet)" = 月报
check "A1 is the title" test "$(cell r.json A1)" = 民政低收入人口动态监测月报
check "B2 is the area" test "$(cell r.json B2)" = "$CITY"
check "B3 is the month" test "$(cell r.json B3)" = 2026-11
check "F4 names the layout" test "$(cell r.json F4)" = minsheng-monthly/1
run stats --area "$CITY" --from 2026-11-01 --to 2026-11-29 --json; expect_rc 0
cp stdout.txt stats.json
sv() { js 'const s = JSON.parse(require("fs").readFileSync("stats.json", "utf8")); console.log(eval(process.argv[1]))' "$1"; }
check "A8/B8: the population total at the month's end" test "$(cell r.json A8)/$(cell r.json B8)" = "合计（按人去重）/$(sv 's.population.total')"
check "A9/B9: the pack's first category" test "$(cell r.json A9)/$(cell r.json B9)" = "$(sv 'Object.keys(s.population.by_category)[0]')/$(sv 'Object.values(s.population.by_category)[0]')"
check "B44: alerts issued in the month ($(sv 's.issued'))" test "$(cell r.json B44)" = "$(sv 's.issued')"
check "B45: verified (1)" test "$(cell r.json B45)" = 1
check "A44 is labelled" test "$(cell r.json A44)" = "本月下发预警（条）"
check "B47: on time" test "$(cell r.json B47)" = "$(sv 's.on_time')"
check "A55/B55: referred (已转介) 1" test "$(cell r.json A55)/$(cell r.json B55)" = "已转介/1"
check "B62: households with a file (1)" test "$(cell r.json B62)" = 1
check "B63: visits (1)" test "$(cell r.json B63)" = 1
check "A72 is the pack's first rule (R01)" test "$(cell r.json A72)" = R01
NR=$(grep -c '^rule ' "$MINSHENG_PACK"/rules/*.rule | awk -F: '{ s += $2 } END { print s }')
LAST=$((72 + NR - 1))
check "one row per rule: A$LAST is R18" test "$(cell r.json A$LAST)" = R18
check "the --json figures are those of stats" js '
const r = JSON.parse(require("fs").readFileSync("report.json", "utf8")), s = JSON.parse(require("fs").readFileSync("stats.json", "utf8"));
process.exit(r.issued === s.issued && r.verified === s.verified && r.month === "2026-11" && r.partial === true ? 0 : 1)'

# ---- a city's sheet is the sum of its counties' ----
sum_ok=1
for c in $(q "SELECT DISTINCT substr(area, 1, 6) FROM alert WHERE area LIKE '$CITY%' ORDER BY 1"); do
	run report monthly --area "$c" --month 2026-11 --out "c$c.xlsx"
	[ "$rc" = 0 ] || sum_ok=0
	node cells.js "c$c.xlsx" >"c$c.json"
done
check "counties' reports made" test "$sum_ok" = 1
check "the city's B44, B45, B8 and rule rows are the sums of its counties' (fixed layout)" js '
const fs = require("fs");
const city = JSON.parse(fs.readFileSync("r.json", "utf8"));
const cs = fs.readdirSync(".").filter((f) => /^c\d{6}\.json$/.test(f)).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
const sum = (k) => cs.reduce((n, c) => n + (typeof c[k] === "number" ? c[k] : 0), 0);
const keys = ["B44", "B45", "B53", "B54", "B55", "B56", "B57", "B58"];
for (let r = 72; r < 90; r++) keys.push("C" + r, "D" + r);
process.exit(cs.length > 0 && keys.every((k) => sum(k) === city[k]) ? 0 : 1)'

# ---- who may, bad input ----
run report monthly --area "$CITY" --month 2026-11 --out o.xlsx --as off; expect_rc 0
run report monthly --area "$CITY" --month 2026-11 --out x.xlsx --as ooff; expect_rc 1
check "a refused report writes no file" test ! -e x.xlsx
run report monthly --area "$ST" --month 2026-11 --out x.xlsx; expect_rc 1; expect_err "2, 4 or 6"
run report monthly --area "$CITY" --month 2026-13 --out x.xlsx; expect_rc 1; expect_err "YYYY-MM"
run report monthly --area "$CITY" --month 2027-01 --out x.xlsx; expect_rc 1; expect_err "not begun"
run report monthly --area "$CITY" --month 2026-10 --out oct.xlsx --json; expect_rc 0
expect_json "this.partial" false
expect_json "this.issued" 0
run report monthly --area "$CITY" --out x.xlsx; expect_rc 2
run report weekly --area "$CITY" --month 2026-11 --out x.xlsx; expect_rc 2
run audit list --json; expect_rc 0
check "each report is an export in the access log" js '
const l = JSON.parse(require("fs").readFileSync("stdout.txt", "utf8"));
process.exit(l.filter((e) => e.action === "export" && e.object === "monthly_report").length >= 3 && l.some((e) => e.object === "monthly_report" && e.user === "off") ? 0 : 1)'

# ---- the API ----
pid=""
stop_server() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap stop_server EXIT
"$MINSHENG" serve --listen 127.0.0.1:0 --port-file "$PWD/port" --quiet >serve.out 2>serve.err &
pid=$!
for _ in $(seq 1 100); do [ -s port ] && break; sleep 0.1; done
PORT=$(cat port 2>/dev/null)
check "the server listens (port file written)" test -n "$PORT"
cat >api.js <<'EOF'
const [port, city] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
(async () => {
	const r = await fetch(`${base}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'off', password: 'officer-password' }) });
	const cookie = /ms_session=([^;]*)/.exec(r.headers.get('set-cookie') || '')?.[1];
	const g = await fetch(`${base}/api/v1/reports/monthly?area=${city}&month=2026-11`, { headers: { cookie: `ms_session=${cookie}` } });
	const b = Buffer.from(await g.arrayBuffer());
	require('fs').writeFileSync('api.xlsx', b);
	console.log(JSON.stringify({ status: g.status, type: g.headers.get('content-type'), disp: g.headers.get('content-disposition') }));
})();
EOF
if [ -n "$PORT" ]; then
	node api.js "$PORT" "$CITY" >api.json 2>api.err
	check "GET /api/v1/reports/monthly answers the workbook" js '
const o = JSON.parse(require("fs").readFileSync("api.json", "utf8"));
process.exit(o.status === 200 && /spreadsheetml/.test(o.type) && /attachment/.test(o.disp) ? 0 : 1)'
	node cells.js api.xlsx >api-cells.json 2>/dev/null
	check "the API's sheet has the same figures" test "$(cell api-cells.json B44)/$(cell api-cells.json B45)" = "$(cell r.json B44)/$(cell r.json B45)"
fi
stop_server
