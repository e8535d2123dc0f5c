# The whole alert loop on a generated province: gen → import → stations →
# stores: sqlite postgresql
# scan → users → assign → start → verify (a household's alerts together,
# with a photo) → close, and a return path; refusals (stale version, wrong
# role, outside scope, wrong household); inboxes and overdue alerts; then
# `stats`, checked against counts computed here with sqlite3 and node.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db p) MINSHENG_ACCESS="$PWD/p.db.access"
export MINSHENG_PWHASH=min
export MINSHENG_TODAY=2026-11-02 # a Monday: alerts are created today
q() { dbq "$1"; }
js() { node -e "$1" "${@:2}"; }

run gen --out prov --people 20000 --seed 11; expect_rc 0
run init; expect_rc 0
run import manifest prov/manifest.json; expect_rc 0
run station import prov/stations.csv; expect_rc 0
run scan --json; expect_rc 0

# a person alert (not a death) routed to a station: its station, subject and household
run alerts --json --limit 100000; expect_rc 0; cp stdout.txt alerts0.json
pick=$(js '
const a = JSON.parse(require("fs").readFileSync("alerts0.json", "utf8"));
const x = a.find(x => x.inbox.length === 9 && x.subject_type === "person" && x.rule !== "R01");
console.log([x.id, x.inbox, x.subject, x.area].join(" "));')
read -r A1 ST P AREA <<<"$pick"
check "picked a station alert ($A1 at $ST)" test -n "$ST"
HH=$(awk -F, -v p="$P" '$1 == p { print $3 }' prov/persons.csv)
NAME=$(awk -F, -v p="$P" '$1 == p { print $2 }' prov/persons.csv)
check "the subject is a registry person with a household ($HH)" test -n "$HH"
CITY=${ST:0:4}; COUNTY=${ST:0:6}

# a disaster report for the same person raises a second alert in that household
printf '身份证号,姓名,灾害类型,受灾日期,房屋损毁程度\n%s,%s,台风,2026-10-28,倒塌\n' "$P" "$NAME" >disaster.csv
run import yingji disaster.csv; expect_rc 0
run scan --json; expect_rc 0
run alerts --json --limit 100000; expect_rc 0; cp stdout.txt alerts.json
A2=$(js '
const a = JSON.parse(require("fs").readFileSync("alerts.json", "utf8"));
const x = a.find(x => x.subject === process.argv[1] && x.id !== +process.argv[2]);
console.log(x ? x.id : "");' "$P" "$A1")
check "a second alert for the household ($A2)" test -n "$A2"
OTHER=$(js '
const a = JSON.parse(require("fs").readFileSync("alerts.json", "utf8"));
const x = a.find(x => x.inbox.length === 9 && x.inbox !== process.argv[1]);
console.log(x.id);' "$ST")

# users: the first admin needs no actor; everyone after is added by an admin
run user add root --role admin --scope 44 <<<"admin-password"; expect_rc 0
run user add off --role officer --scope "$CITY" <<<"officer-password"; expect_rc 1
expect_err "--as"
run user add off --role officer --scope "$CITY" --as root <<<"officer-password"; expect_rc 0
run user add head --role station_head --scope "$ST" --station "$ST" --as root <<<"head-password"; expect_rc 0
run user add wk --role worker --scope "$ST" --station "$ST" --as root <<<"worker-password"; expect_rc 0
run user add wk2 --role worker --scope "$ST" --station "$ST" --as root <<<"worker-password"; expect_rc 0
run user add wk3 --role worker --scope "$ST" --station "$ST" --as root <<<"short"; expect_rc 1
run user add wk4 --role worker --scope "$CITY" --station 440000000 --as root <<<"worker-password"; expect_rc 1
run user add wk5 --role worker --scope 4401 --as root <<<"worker-password"; expect_rc 1
run user add x --role chief --scope 44; expect_rc 2
run user list --json; expect_rc 0
expect_json "this.length" 5
expect_json "this.every(u => !('pwhash' in u) && !('password' in u))" true
check "passwords are stored as argon2id" test "$(q "SELECT count(*) FROM app_user WHERE pwhash LIKE '\$argon2id\$%'")" = 5
run user check wk <<<"worker-password"; expect_rc 0
run user check wk <<<"wrong-password"; expect_rc 1

# the station's inbox before any work
run alert inbox --station "$ST" --as head --json; expect_rc 0
n_open=$(q "SELECT count(*) FROM alert WHERE inbox = '$ST' AND state != 'closed'")
expect_json "this.open" "$n_open"
expect_json "this.items.every(i => i.state === 'new')" true
run alert inbox --station "$ST" --as wk; expect_rc 1

# assign → start, with a stale version and wrong roles refused
run alert show "$A1" --as wk; expect_rc 1; expect_err "不在您的范围内"
run alert assign "$A1" --to wk --as wk --version 1; expect_rc 1
run alert assign "$A1" --to wk --as head --version 1 --note "请本周内入户" --json; expect_rc 0
expect_json "this.version" 2
run alert assign "$A1" --to wk2 --as off --version 1; expect_rc 1; expect_err "已被他人修改"
run alert assign "$A2" --to wk --as off --version 1; expect_rc 0
run alert start "$A1" --as wk2 --version 2; expect_rc 1
run alert start "$A1" --as wk --version 2; expect_rc 0
run alert start "$A2" --as head --version 2; expect_rc 0
run alert verify "$A1" --as wk --version 3 --outcome enrolled --note "x"; expect_rc 1
expect_err "benefit"
run alert verify "$A1" --as wk --version 3 --outcome granted --note "x"; expect_rc 1

# one visit, both alerts: the household is checked, the photo kept once
printf '\xff\xd8\xff\xe0 a synthetic visit photo' >photo.jpg
printf 'not a photo' >notes.txt
export MINSHENG_TODAY=2026-11-04
run alert verify "$A1,$A2" --as wk --version 3,3 --outcome referred --department 医保局 \
	--note "入户核实，已转介医疗救助" --household WRONG-HH; expect_rc 1; expect_err "WRONG-HH"
run alert verify "$A1,$A2" --as wk --version 3,3 --outcome referred --department 医保局 \
	--note "入户核实" --household "$HH" --attach notes.txt; expect_rc 1
run alert verify "$A1,$A2" --as wk --version 3,3 --outcome referred --department 医保局 \
	--note "入户核实，已转介医疗救助" --household "$HH" --attach photo.jpg --json; expect_rc 0
expect_json "this.map(a => a.state + a.version).join()" "verified4,verified4"
check "the photo is stored once for both alerts" test "$(q 'SELECT count(*) FROM attachment_blob')-$(q 'SELECT count(*) FROM attachment')" = "1-2"
sha=$(sha256sum photo.jpg | cut -c1-64)
run alert file "$A1" "$sha" --out got.jpg --as off; expect_rc 0
check "the attachment reads back byte for byte" cmp photo.jpg got.jpg
run alert file "$A1" "$sha" --out got2.jpg --as wk2; expect_rc 1

# close one; return the other and verify it again later
run alert close "$A1" --as wk --version 4 --decision "纳入"; expect_rc 1
run alert close "$A1" --as off --version 4; expect_rc 2
run alert close "$A1" --as off --version 4 --decision "已转介医保部门办理，待遇不变" --json; expect_rc 0
expect_json "this.state" "closed"
run alert return "$A2" --as off --version 4; expect_rc 2
run alert return "$A2" --as off --version 4 --note "请补充受灾照片"; expect_rc 0
export MINSHENG_TODAY=2026-11-20
run alert start "$A2" --as wk --version 5; expect_rc 0
run alert verify "$A2" --as wk --version 6 --outcome no_action --note "房屋已修复"; expect_rc 0
run alert close "$A2" --as off --version 7 --decision "属实，无需救助"; expect_rc 0
run alert show "$A2" --as off --json; expect_rc 0
expect_json "this.events.map(e => e.to).join()" "new,assigned,verifying,verified,returned,verifying,verified,closed"
expect_json "this.events[3].outcome + '/' + this.events[3].department + '/' + this.events[3].household" "referred/医保局/$HH"
expect_json "this.events[4].note" "请补充受灾照片"
expect_json "this.events.every(e => e.at.endsWith('+08:00'))" true
expect_json "this.outcome + ' ' + this.decision" "no_action 属实，无需救助"
run alert start "$A2" --as wk --version 8; expect_rc 1; expect_err "closed"

# a disabled worker can no longer act
run user disable wk2 --as root; expect_rc 0
run alert assign "$OTHER" --to wk2 --as root --version 1; expect_rc 1

# overdue alerts show in the county's inbox (today 2026-11-20)
OCOUNTY=$(q "SELECT substr(inbox,1,6) FROM alert WHERE id = $OTHER")
run alert inbox --county "$OCOUNTY" --as root --json; expect_rc 0
n_over=$(q "SELECT count(*) FROM alert WHERE state IN ('new','assigned','verifying','returned') AND due < '2026-11-20' AND (substr(area,1,6) = '$OCOUNTY' OR substr(inbox,1,6) = '$OCOUNTY')")
expect_json "this.overdue" "$n_over"
expect_json "this.items.filter(i => i.overdue).length" "$n_over"
check "some alert of the county is overdue ($n_over)" test "$n_over" -gt 0
run alert inbox --county "$COUNTY" --as off; expect_rc 0
run alert inbox --county "$COUNTY" --as head; expect_rc 1
run alert inbox --worker wk --as wk --json; expect_rc 0
expect_json "this.open" 0

# the figures, against counts taken straight from the database
run stats --area 44 --from 2026-11-01 --to 2026-11-30 --json; expect_rc 0
cp stdout.txt stats.json
issued=$(js '
const a = JSON.parse(require("fs").readFileSync("alerts.json", "utf8"));
console.log(a.filter(x => x.area.startsWith("44") && x.created.slice(0, 10) >= "2026-11-01" && x.created.slice(0, 10) <= "2026-11-30").length);')
verified=$(q "SELECT count(DISTINCT e.alert_id) FROM alert_event e JOIN alert a ON a.id = e.alert_id WHERE e.to_state = 'verified' AND a.area LIKE '44%'")
ontime=$(q "SELECT count(*) FROM (SELECT a.due, min(substr(e.at,1,10)) v FROM alert a JOIN alert_event e ON e.alert_id = a.id AND e.to_state = 'verified' WHERE a.area LIKE '44%' GROUP BY a.id, a.due) f WHERE v <= due")
expect_json "this.issued" "$issued"
expect_json "this.verified" "$verified"
expect_json "this.verified" 2
expect_json "this.on_time" "$ontime"
expect_json "Math.abs(this.verification_rate - $verified / $issued) < 1e-9" true
# created Monday 2 November, first verified Wednesday 4 November: 2 working days each
expect_json "this.median_working_days" 2
r1=$(q "SELECT rule FROM alert WHERE id = $A1"); r2=$(q "SELECT rule FROM alert WHERE id = $A2")
expect_json "JSON.stringify([this.outcomes['$r1'], this.outcomes['$r2']])" '[{"referred":1},{"no_action":1}]'
check "outcomes sum to the verified" js '
const s = JSON.parse(require("fs").readFileSync("stats.json", "utf8"));
let n = 0; for (const r of Object.values(s.outcomes)) for (const v of Object.values(r)) n += v;
if (n !== s.verified) process.exit(1);'
# as of the 10th, A2 still shows its first outcome
run stats --area "$CITY" --from 2026-11-01 --to 2026-11-10 --as off --json; expect_rc 0
expect_json "JSON.stringify(this.outcomes['$r2'])" '{"referred":1}'
run stats --area 44 --from 2026-11-01 --to 2026-11-30 --as off; expect_rc 1
run stats --area 44 --from 2026-11-30 --to 2026-11-01; expect_rc 2
