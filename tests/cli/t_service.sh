# Station records and household service files on a generated province:
# stores: sqlite postgresql
# staff, volunteers, organizations, resources and affairs of a station with
# who may add and list; a household's file opened by a visit, services in
# person-times, a referral and an application with their results; the
# timeline of a household with an alert shows both; `stats` figures checked
# against counts computed here with sqlite3.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db p) MINSHENG_ACCESS="$PWD/p.db.access"
export MINSHENG_PWHASH=min
export MINSHENG_TODAY=2026-11-02
q() { dbq "$1"; }
js() { node -e "$1" "${@:2}"; }

run gen --out prov --people 5000 --seed 11; expect_rc 0
run init; expect_rc 0
run import manifest prov/manifest.json; expect_rc 0
run station import prov/stations.csv; expect_rc 0
run scan --json; expect_rc 0

# a person alert routed to a station, its subject's household
run alerts --json --limit 100000; expect_rc 0; cp stdout.txt alerts.json
read -r A1 ST P <<<"$(js '
const a = JSON.parse(require("fs").readFileSync("alerts.json", "utf8"));
const x = a.find(x => x.inbox.length === 9 && x.subject_type === "person" && x.rule !== "R01");
console.log([x.id, x.inbox, x.subject].join(" "));')"
HH=$(awk -F, -v p="$P" '$1 == p { print $3 }' prov/persons.csv)
check "picked a station alert ($A1 at $ST, household $HH)" test -n "$HH"
check "the household's township is the alert's station" test "$(awk -F, -v h="$HH" '$1 == h { print substr($2, 1, 9) }' prov/households.csv)" = "$ST"
OST=$(awk -F, 'NR > 1 && $3 == "站" { print $1 }' prov/stations.csv | grep -v "^$ST\$" | head -1)
CITY=${ST:0:4}

run user add root --role admin --scope 44 <<<"admin-password"; expect_rc 0
run user add off --role officer --scope "$CITY" --as root <<<"officer-password"; expect_rc 0
run user add head --role station_head --scope "$ST" --station "$ST" --as root <<<"head-password"; expect_rc 0
run user add wk --role worker --scope "$ST" --station "$ST" --as root <<<"worker-password"; expect_rc 0
run user add ohead --role station_head --scope "$OST" --station "$OST" --as root <<<"head-password"; expect_rc 0
run user add ev --role evaluator --scope 44 --as root <<<"evaluator-password"; expect_rc 0

# ---- A. station records ----
run station staff add --station "$ST" --as head --name 陈社工 --qualification 社会工作师 --phone 13800001111 --json; expect_rc 0
expect_json "this.qualification" intermediate
run station staff add --station "$ST" --as head --name 林助理 --qualification assistant; expect_rc 0
run station staff add --station "$ST" --as off --name 黄高级 --qualification 高级社会工作师; expect_rc 0
run station staff add --station "$ST" --as head --name 王 --qualification 博士; expect_rc 1; expect_err "资质"
run station staff add --station "$ST" --as wk --name 周 --qualification 无; expect_rc 1; expect_err "may not add"
run station staff add --station "$ST" --as ohead --name 周 --qualification 无; expect_rc 1; expect_err "in your scope"
run station staff add --station "$ST" --name 周 --qualification 无; expect_rc 2
run station volunteer add --station "$ST" --as head --name 志愿者甲 --phone 13912345678 --hours 12.5; expect_rc 0
run station volunteer add --station "$ST" --as head --name 志愿者乙 --hours 3; expect_rc 0
run station volunteer add --station "$OST" --as ohead --name 志愿者丙; expect_rc 0
run station volunteer add --station "$ST" --as head --name 志愿者丁 --hours 1.25; expect_rc 2
run station org add --station "$ST" --as head --name 社区互助会 --registration 51440000TEST00001X --services 助老; expect_rc 0
run station org add --station "$ST" --as head --name 无证组织; expect_rc 1; expect_err "registration"
run station resource add --station "$ST" --as head --donor 某慈善会 --amount 1,000.50 --date 2026-10-15 --purpose 助学; expect_rc 0
run station resource add --station "$ST" --as off --donor 某企业 --amount 200 --date 2026-11-01; expect_rc 0
run station resource add --station "$ST" --as head --donor 早年捐赠 --amount 50 --date 2025-01-01; expect_rc 0
run station resource add --station "$ST" --as head --donor 某企业 --amount 0 --date 2026-11-01; expect_rc 1
run station resource add --station "$ST" --as head --donor 某企业 --amount 1.234 --date 2026-11-01; expect_rc 2
run station resource add --station "$ST" --as head --donor 某企业 --amount 5 --date 2026-12-01; expect_rc 1; expect_err "future"
run station affair add --station "$ST" --as head --date 2026-10-20 --summary "调解邻里用水纠纷"; expect_rc 0
run station affair add --station "$ST" --as head --date 2026-10-20; expect_rc 1

run station staff list --station "$ST" --as wk --json; expect_rc 0
expect_json "this.map(s => s.qualification).join()" "intermediate,assistant,senior"
expect_json "this[0].phone" "138****1111"
run station volunteer list --station "$ST" --as off --json; expect_rc 0
expect_json "this.length" 2
expect_json "this[0].phone + ' ' + this[0].hours" "139****5678 12.5"
check "staff and volunteers are kept apart" test "$(q 'SELECT count(*) FROM station_staff')-$(q 'SELECT count(*) FROM station_volunteer')" = "3-3"
run station resource list --station "$ST" --as head --json; expect_rc 0
expect_json "this.map(r => r.amount_fen).join()" "100050,20000,5000"
run station affair list --station "$ST" --as wk --json; expect_rc 0
expect_json "this[0].summary" "调解邻里用水纠纷"
run station org list --station "$ST" --as ohead; expect_rc 1; expect_err "in your scope"
run station org list --station "$ST" --as ev; expect_rc 1
run station org list --station 440000000 --as root; expect_rc 1
run station list --json; expect_rc 0

# ---- B. household service files ----
run visit service add --household "$HH" --persons 2 --date 2026-11-01 --kind 助餐 --as wk; expect_rc 1
expect_err "visit"
run visit add --household "$HH" --kind 入户 --date 2026-10-30 --as ohead; expect_rc 1; expect_err "in your scope"
run visit add --household "$HH" --kind 入户 --date 2026-10-30 --as off; expect_rc 1; expect_err "may not add"
run visit add --household "$HH" --kind 上门 --date 2026-10-30 --as wk; expect_rc 1
run visit add --household NO-SUCH-HH --kind 入户 --date 2026-10-30 --as wk; expect_rc 1; expect_err "in your scope"
run visit add --household "$HH" --kind 入户 --date 2026-10-30 --as wk --note "首次入户" --needs "医疗费用" --json; expect_rc 0
expect_json "this.opened" true
run visit add --household "$HH" --kind 电话 --date 2026-11-02 --as head --json; expect_rc 0
expect_json "this.opened" false
run visit service add --household "$HH" --persons 3 --date 2026-11-01 --kind 助餐 --as wk --json; expect_rc 0
run visit service add --household "$HH" --persons 2 --date 2026-11-02 --kind 心理疏导 --as head; expect_rc 0
run visit service add --household "$HH" --persons 0 --date 2026-11-02 --kind 心理疏导 --as head; expect_rc 2
run visit referral add --household "$HH" --department 医保局 --date 2026-11-01 --as wk --json; expect_rc 0
REF=$(js 'console.log(JSON.parse(require("fs").readFileSync("stdout.txt","utf8")).id)')
run visit application add --household "$HH" --benefit 临时救助 --person "$P" --date 2026-11-01 --as wk --json; expect_rc 0
APP=$(js 'console.log(JSON.parse(require("fs").readFileSync("stdout.txt","utf8")).id)')
run visit application add --household "$HH" --benefit 医疗救助 --date 2026-11-01 --as wk --json; expect_rc 0
APP2=$(js 'console.log(JSON.parse(require("fs").readFileSync("stdout.txt","utf8")).id)')
run visit referral result "$APP" --result x --date 2026-11-02 --as wk; expect_rc 1; expect_err "in your scope"
run visit referral result "$REF" --result "已纳入医疗救助" --date 2026-11-02 --as wk; expect_rc 0
run visit referral result "$REF" --result again --date 2026-11-02 --as wk; expect_rc 1
run visit application result "$APP" --outcome approved --date 2026-11-02 --as wk; expect_rc 1
run visit application result "$APP" --outcome granted --date 2026-10-01 --as wk; expect_rc 1
run visit application result "$APP" --outcome granted --date 2026-11-02 --as head; expect_rc 0
run visit application result "$APP" --outcome refused --date 2026-11-02 --as head; expect_rc 1
run visit application result "$APP2" --outcome refused --date 2026-11-02 --as ohead; expect_rc 1; expect_err "in your scope"

run visit file --household "$HH" --as off --json; expect_rc 0
expect_json "this.records.length" 7
expect_json "this.station" "$ST"
expect_json "this.records.filter(r => r.type === 'application').map(r => r.result).join()" "granted,pending"
run visit file --household "$HH" --as ohead; expect_rc 1

# the timeline: the alert's events and the file's records, in date order
run alert assign "$A1" --to wk --as head --version 1; expect_rc 0
run visit timeline --household "$HH" --as wk --json; expect_rc 0
cp stdout.txt tl.json
expect_json "this.some(i => i.source === 'alert' && i.alert === $A1 && i.to === 'assigned')" true
expect_json "this.some(i => i.source === 'visit' && i.needs === '医疗费用')" true
expect_json "this.some(i => i.source === 'application_result' && i.result === 'granted')" true
expect_json "this.every((i, k) => k === 0 || this[k - 1].date <= i.date)" true
expect_json "this[0].source + ' ' + this[0].date" "visit 2026-10-30"
n_alert_events=$(q "SELECT count(*) FROM alert_event WHERE alert_id = $A1")
expect_json "this.filter(i => i.alert === $A1).length" "$n_alert_events"
run visit timeline --person "$P" --as off --json; expect_rc 0
expect_json "this.some(i => i.alert === $A1) && this.some(i => i.source === 'service')" true
run visit timeline --household "$HH" --as ohead; expect_rc 1; expect_err "in your scope"
run visit timeline --household "$HH" --person "$P"; expect_rc 2

# ---- C. figures, against counts from the database ----
run stats --area "$CITY" --from 2026-11-01 --to 2026-11-30 --as off --json; expect_rc 0
files=$(q "SELECT count(*) FROM service_file WHERE area LIKE '$CITY%'")
pt=$(q "SELECT coalesce(sum(persons),0) FROM service_entry WHERE type = 'service' AND area LIKE '$CITY%' AND day BETWEEN '2026-11-01' AND '2026-11-30'")
granted=$(q "SELECT count(*) FROM service_entry WHERE type = 'application' AND result = 'granted' AND area LIKE '$CITY%' AND result_day BETWEEN '2026-11-01' AND '2026-11-30'")
vols=$(q "SELECT count(*) FROM station_volunteer WHERE station LIKE '$CITY%'")
orgs=$(q "SELECT count(*) FROM station_org WHERE station LIKE '$CITY%'")
fen=$(q "SELECT coalesce(sum(amount_fen),0) FROM station_resource WHERE station LIKE '$CITY%' AND day BETWEEN '2026-11-01' AND '2026-11-30'")
expect_json "this.service.files" "$files"
expect_json "this.service.person_times" "$pt"
expect_json "this.service.person_times" 5
expect_json "this.service.applications_granted" "$granted"
expect_json "this.service.applications_granted" 1
expect_json "this.service.volunteers" "$vols"
expect_json "this.service.organizations" "$orgs"
expect_json "this.service.resources_fen" "$fen"
expect_json "this.service.resources_yuan" "200.00"
run stats --area "$CITY" --from 2026-10-01 --to 2026-10-31 --json; expect_rc 0
expect_json "this.service.person_times + ' ' + this.service.resources_fen" "0 100050"
run stats --area "$CITY" --from 2026-10-01 --to 2026-10-29 --json; expect_rc 0
expect_json "this.service.files" 0
