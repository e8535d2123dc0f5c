# Printed forms (docs/operations.md): the home-verification form of an
# stores: sqlite postgresql
# alert and a household's file as A4 PDFs with the CJK font embedded (and
# subset), text that extracts (pdftotext) with the subject's full identity
# number and the household id; who may print is who may read; every print
# is an export in the access log; the API routes answer the same PDFs.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db p) MINSHENG_ACCESS="$PWD/p.db.access"
export MINSHENG_PWHASH=min
# psql takes the SQL with -c (dbq's second argument would be the user name)
q() { if on_pg; then psql -X -q -At -F"|" -v ON_ERROR_STOP=1 -d "$MINSHENG_DB" -c "$1"; else dbq "$1"; fi; }
js() { node -e "$1" "${@:2}"; }
have_poppler=0
command -v pdftotext >/dev/null && command -v pdffonts >/dev/null && have_poppler=1

run gen --out prov --people 3000 --seed 5; expect_rc 0
run init; expect_rc 0
run import manifest prov/manifest.json; expect_rc 0
run station import prov/stations.csv; expect_rc 0
run scan --json; expect_rc 0
read -r A ST P <<<"$(q "SELECT id, inbox, subject FROM alert WHERE subject_type = 'person' AND length(inbox) = 9 ORDER BY id LIMIT 1" | tr '|' ' ')"
HH=$(awk -F, -v p="$P" '$1 == p { print $3 }' prov/persons.csv)
NAME=$(awk -F, -v p="$P" '$1 == p { print $2 }' prov/persons.csv)
check "picked person alert $A at $ST (household $HH)" test -n "$HH"
OST=$(awk -F, 'NR > 1 && $3 == "站" { print $1 }' prov/stations.csv | grep -v "^$ST\$" | grep -v "^${ST:0:4}" | head -1)
run user add root --role admin --scope 44 <<<"admin-password"; expect_rc 0
run user add off --role officer --scope "${ST:0:4}" --as root <<<"officer-password"; expect_rc 0
run user add ooff --role officer --scope "${OST:0:4}" --as root <<<"officer-password"; expect_rc 0
run user add head --role station_head --scope "$ST" --station "$ST" --as root <<<"head-password"; expect_rc 0
run user add wk --role worker --scope "$ST" --station "$ST" --as root <<<"worker-password"; expect_rc 0
run user add ev --role evaluator --scope 44 --as root <<<"evaluator-password"; expect_rc 0

# ---- the home-verification form ----
run print alert "$A" --out a.pdf --json; expect_rc 0
expect_json "this.kind" alert
check "the form is a PDF" test "$(head -c 5 a.pdf)" = "%PDF-"
check "the form's file is private (0600)" test "$(stat -c %a a.pdf)" = 600
SIZE=$(stat -c %s a.pdf)
check "the font is subset: the form is under 1 MB ($SIZE bytes; the font file is 5 MB)" test "$SIZE" -lt 1048576
check "the CJK font is named in the PDF" grep -aq "WenQuanYiMicroHei" a.pdf
if [ "$have_poppler" = 1 ]; then
	pdffonts a.pdf >fonts.txt 2>/dev/null
	check "pdffonts: the CJK font embedded and subset" grep -Eq "WenQuanYiMicroHei +CID TrueType +Identity-H +yes +yes +yes" fonts.txt
	pdftotext -layout a.pdf a.txt 2>/dev/null
	check "the form's title extracts (入户核查表)" grep -q "入户核查表" a.txt
	check "the subject's full identity number is on the form" grep -q "$P" a.txt
	check "the subject's name is on the form" grep -q "$NAME" a.txt
	check "the rule is explained (预警原因, 事实依据)" grep -q "事实依据" a.txt
	check "spaces for the outcome and the signatures" grep -q "被核查人或家庭成员（签字或按手印）" a.txt
	check "the household id is on the form" grep -q "$HH" a.txt
else
	_ok "# skip pdftotext checks: poppler-utils not installed"
fi
run print alert "$A" --out b.pdf --as wk; expect_rc 1; expect_err "no alert"
run print alert "$A" --out b.pdf --as ooff; expect_rc 1; expect_err "no alert"
run print alert "$A" --out b.pdf --as ev; expect_rc 1
check "a refused print writes no file" test ! -e b.pdf
run alert assign "$A" --to wk --as head --version 1; expect_rc 0
run print alert "$A" --out w.pdf --as wk; expect_rc 0
run print alert "$A" --out o.pdf --as off; expect_rc 0
run print alert 999999 --out x.pdf; expect_rc 1
run print alert abc --out x.pdf; expect_rc 2
run print alert "$A"; expect_rc 2; expect_err "--out"
run print letter "$A" --out x.pdf; expect_rc 2

# ---- the household's file ----
run visit add --household "$HH" --kind 入户 --date 2026-11-20 --as head --note 建档走访; expect_rc 0
run visit service add --household "$HH" --persons 2 --date 2026-11-21 --kind 送米送油 --as wk; expect_rc 0
run print household "$HH" --out h.pdf --as head --json; expect_rc 0
check "the file is a PDF" test "$(head -c 5 h.pdf)" = "%PDF-"
if [ "$have_poppler" = 1 ]; then
	pdftotext -layout h.pdf h.txt 2>/dev/null
	check "the household's file extracts with its id" grep -q "$HH" h.txt
	check "members with full identity numbers inside the scope" grep -q "$P" h.txt
	check "the service records are listed" grep -q "送米送油" h.txt
	check "the timeline lists the alert" grep -q "预警 $A" h.txt
fi
run print household "$HH" --out h2.pdf --as ooff; expect_rc 1
run print household NOSUCH --out h2.pdf; expect_rc 1

# ---- every print is an export in the access log ----
run audit list --json; expect_rc 0
check "the prints are exports in the access log" js '
const l = JSON.parse(require("fs").readFileSync("stdout.txt", "utf8"));
const a = l.filter((e) => e.action === "export" && e.object === "alert_print" && e.ref === process.argv[1]);
const h = l.filter((e) => e.action === "export" && e.object === "household_print");
process.exit(a.length === 3 && h.length === 1 && a.some((e) => e.user === "wk" && e.role === "worker") ? 0 : 1)' "$A"
run audit verify; expect_rc 0

# ---- the API: the same forms, the same rules ----
pid=""
stop_server() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap stop_server EXIT
"$MINSHENG" serve --listen 127.0.0.1:0 --port-file "$PWD/port" --quiet >serve.out 2>serve.err &
pid=$!
for _ in $(seq 1 100); do [ -s port ] && break; sleep 0.1; done
PORT=$(cat port 2>/dev/null)
check "serve listens ($PORT)" test -n "$PORT"
cat >api.js <<'EOF'
const [port, A, HH] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
async function login(u, p) {
	const r = await fetch(`${base}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: u, password: p }) });
	return { cookie: /ms_session=([^;]*)/.exec(r.headers.get('set-cookie') || '')?.[1] };
}
(async () => {
	const head = await login('head', 'head-password'), ooff = await login('ooff', 'officer-password');
	const get = async (s, p) => {
		const r = await fetch(base + p, { headers: { cookie: `ms_session=${s.cookie}` } });
		const b = Buffer.from(await r.arrayBuffer());
		return { status: r.status, type: r.headers.get('content-type'), disp: r.headers.get('content-disposition'), pdf: b.subarray(0, 5).toString() === '%PDF-', len: b.length };
	};
	const out = {
		alert: await get(head, `/api/v1/alerts/${A}/print.pdf`),
		household: await get(head, `/api/v1/households/${HH}/print.pdf`),
		alert_out: await get(ooff, `/api/v1/alerts/${A}/print.pdf`),
		household_out: await get(ooff, `/api/v1/households/${HH}/print.pdf`),
	};
	console.log(JSON.stringify(out));
})();
EOF
if [ -n "$PORT" ]; then
	node api.js "$PORT" "$A" "$HH" >api.json 2>api.err
	check "GET /alerts/{id}/print.pdf: 200, application/pdf, a PDF" js 'const o = JSON.parse(require("fs").readFileSync("api.json", "utf8")).alert; process.exit(o.status === 200 && o.type === "application/pdf" && o.pdf && /inline/.test(o.disp) ? 0 : 1)'
	check "GET /households/{id}/print.pdf: 200, a PDF" js 'const o = JSON.parse(require("fs").readFileSync("api.json", "utf8")).household; process.exit(o.status === 200 && o.pdf ? 0 : 1)'
	check "outside the scope: 404" js 'const o = JSON.parse(require("fs").readFileSync("api.json", "utf8")); process.exit(o.alert_out.status === 404 && o.household_out.status === 404 ? 0 : 1)'
	stop_server
	run audit list --json; expect_rc 0
	check "API prints are exports in the access log, with the route" js '
const l = JSON.parse(require("fs").readFileSync("stdout.txt", "utf8"));
process.exit(l.some((e) => e.action === "export" && e.object === "alert_print" && e.route === "GET /api/v1/alerts/{id}/print.pdf" && e.user === "head" && e.status === 200) &&
	l.some((e) => e.object === "household_print" && e.user === "ooff" && e.status === 404) ? 0 : 1)'
fi
