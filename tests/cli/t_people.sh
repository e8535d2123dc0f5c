# Persons, households and search on a generated province: a person's page
# stores: sqlite postgresql
# (full values for the operator and for a user in scope), a household's
# members (masked, head first), department facts, references opening the
# pages and a tampered one refused; search by name, identity-number suffix,
# phone and 户编号; every scope kind through --as (officers of two cities, a
# station head, a worker before and after an alert is assigned to it, an
# evaluator); the search index refreshed after a new import.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db p) MINSHENG_ACCESS="$PWD/p.db.access"
export MINSHENG_PWHASH=min
export MINSHENG_TODAY=2026-11-02
# psql takes the SQL with -c (dbq's second argument would be the user name)
q() { if on_pg; then psql -X -q -At -F"|" -v ON_ERROR_STOP=1 -d "$MINSHENG_DB" -c "$1"; else dbq "$1"; fi; }
js() { node -e "$1" "${@:2}"; }

run gen --out prov --people 5000 --seed 23; expect_rc 0
run init; expect_rc 0
run import manifest prov/manifest.json; expect_rc 0
run station import prov/stations.csv; expect_rc 0
run scan --json; expect_rc 0

PF=$(q "SELECT id FROM feed WHERE name = 'persons'")
# a new person alert routed to a station, about a registry person, at the
# station with the most people (alert ids depend on the scan's threads, so
# the pick is by content)
IFS='|' read -r A1 ST P <<<"$(q "SELECT a.id, a.inbox, a.subject FROM alert a
  WHERE a.subject_type = 'person' AND length(a.inbox) = 9 AND a.state = 'new'
  AND a.subject IN (SELECT nkey FROM record WHERE feed_id = $PF)
  ORDER BY (SELECT count(*) FROM record r WHERE r.feed_id = $PF AND substr(r.area, 1, 9) = a.inbox)
  DESC, a.subject LIMIT 1")"
HH=$(awk -F, -v p="$P" '$1 == p { print $3 }' prov/persons.csv)
check "picked a station alert ($A1 at $ST, person $P, household $HH)" test -n "$HH"
CITY=${ST:0:4}
[ "${ST:0:4}" = 4401 ] && OTHER=4403 || OTHER=4401
# someone else at the same station, in another household without alerts
O=$(q "SELECT r.nkey FROM record r WHERE r.feed_id = $PF AND substr(r.area, 1, 9) = '$ST' AND
       r.vals NOT LIKE '%$HH%' AND r.nkey NOT IN (SELECT subject FROM alert) LIMIT 1")
check "picked another person of the station ($O)" test -n "$O"

# ---- the operator's view ----
run person show "$P"; expect_rc 0
expect_out "人员 person $P"
expect_out "户编号 household: $HH"
run person show "$P" --json; expect_rc 0; cp stdout.txt person.json
expect_json "this.idno" "$P"
expect_json "this.household" "$HH"
expect_json "typeof this.values['姓名']" string
expect_json "Array.isArray(this.categories) && Array.isArray(this.benefits)" true
expect_json "this.alerts.some(a => a.id === $A1)" true
expect_json "/^[A-Za-z0-9_-]+\$/.test(this.ref)" true
NAME=$(js 'console.log(JSON.parse(require("fs").readFileSync("person.json","utf8")).name)')
REF=$(js 'console.log(JSON.parse(require("fs").readFileSync("person.json","utf8")).ref)')
HREF=$(js 'console.log(JSON.parse(require("fs").readFileSync("person.json","utf8")).household_ref)')
# money in yuan with 2 decimals, wherever a benefit is shown
BP=$(q "SELECT r.idno FROM record r JOIN feed f ON f.id = r.feed_id JOIN batch b ON b.id = r.batch_id
        WHERE f.name = 'benefits' AND b.state = 'published' AND r.idno IN
        (SELECT nkey FROM record WHERE feed_id = $PF) LIMIT 1")
run person show "$BP" --json; expect_rc 0
expect_json "this.benefits.every(b => /^[0-9]+\\.[0-9]{2}\$/.test(b['月金额']))" true
# lower-case x and 15-digit forms are the same number
run person show "$(echo "$P" | tr X x)" --json; expect_rc 0
expect_json "this.idno" "$P"

run household show "$HH" --json; expect_rc 0
expect_json "this.id" "$HH"
expect_json "this.members.length > 0" true
expect_json "this.members.every(m => /^[0-9]{6}\\*{8}[0-9]{3}[0-9X]\$/.test(m.idno))" true
expect_json "this.members.some(m => m.idno === '${P:0:6}********${P:14:4}')" true
expect_json "this.members[0].relation" "户主"
expect_json "this.service_file" false
run household show "$HH"; expect_rc 0
expect_out "成员 members:"
run household show "$HREF" --json; expect_rc 0
expect_json "this.id" "$HH"
run person show "$REF" --json; expect_rc 0
expect_json "this.idno" "$P"
BAD="${REF:0:10}$( [ "${REF:10:1}" = A ] && echo B || echo A )${REF:11}"
run person show "$BAD"; expect_rc 1
run household show "$REF"; expect_rc 1
run person show 440106199901011234; expect_rc 1; expect_err "no such person"

# department facts of a registry person who has a 公安 record
FP=$(q "SELECT r.idno FROM record r JOIN feed f ON f.id = r.feed_id JOIN batch b ON b.id = r.batch_id
        WHERE f.name = 'gongan' AND b.state = 'published' AND r.idno IN
        (SELECT nkey FROM record WHERE feed_id = $PF) LIMIT 1")
run person facts "$FP" --json; expect_rc 0
expect_json "this.feeds.some(f => f.feed === 'gongan' && f.department === '公安' && f.rows.length > 0)" true
expect_json "this.idno" "${FP:0:6}********${FP:14:4}"
run person facts "$FP"; expect_rc 0
expect_out "公安"

# ---- search ----
run search "$NAME" --json --limit 100; expect_rc 0
expect_json "this.items.some(i => i.idno === '${P:0:6}********${P:14:4}' && i.match === 'name')" true
expect_json "this.items.every(i => i.idno.includes('********'))" true
run search "${P:12}" --json; expect_rc 0
expect_json "this.items.some(i => i.ref === '$REF' && i.match === 'idno')" true
PHONE=$(q "SELECT phone FROM person_index WHERE idno = '$P'")
if [ -n "$PHONE" ]; then
	run search "$PHONE" --json; expect_rc 0
	expect_json "this.items.some(i => i.ref === '$REF' && i.match === 'phone')" true
fi
PY=$(q "SELECT pinyin FROM person_index WHERE idno = '$P'")
run search "$PY" --json --limit 100; expect_rc 0
expect_json "this.items.every(i => i.match === 'pinyin' || i.match === 'initials')" true
run search "$HH" --json; expect_rc 0
expect_json "this.items[0].type + ' ' + this.items[0].id" "household $HH"
run search "$NAME"; expect_rc 0
expect_out "找到 found"
run search; expect_rc 2
run search x --limit 0; expect_rc 2
run search "$(printf 'a%.0s' $(seq 1 101))"; expect_rc 1; expect_err "too long"
run person; expect_rc 2
run person list "$P"; expect_rc 2
run household show; expect_rc 2

# ---- scopes ----
run user add root --role admin --scope 44 <<<"admin-password"; expect_rc 0
run user add off --role officer --scope "$CITY" --as root <<<"officer-password"; expect_rc 0
run user add far --role officer --scope "$OTHER" --as root <<<"officer-password"; expect_rc 0
run user add head --role station_head --scope "$ST" --station "$ST" --as root <<<"head-password"; expect_rc 0
run user add wk --role worker --scope "$ST" --station "$ST" --as root <<<"worker-password"; expect_rc 0
run user add ev --role evaluator --scope 44 --as root <<<"evaluator-password"; expect_rc 0

PAREA=$(q "SELECT area FROM person_index WHERE idno = '$P'")
if [ "${PAREA:0:4}" = "$CITY" ]; then IN=off; else IN=root; fi
run person show "$P" --as "$IN" --json; expect_rc 0
expect_json "this.idno" "$P"
run person show "$P" --as far; expect_rc 1; expect_err "within your scope"
run household show "$HH" --as far; expect_rc 1
run search "$NAME" --as far --json --limit 100; expect_rc 0
expect_json "this.items.every(i => i.area.startsWith('$OTHER'))" true
run person show "$O" --as head --json; expect_rc 0
run person show "$P" --as ev; expect_rc 1
run search "$NAME" --as ev --json; expect_rc 0
expect_json "this.items.length" 0
# a worker: nobody until an alert is assigned to it
run person show "$P" --as wk; expect_rc 1
run search "${P:12}" --as wk --json; expect_rc 0
expect_json "this.items.length" 0
run alert assign "$A1" --to wk --as head --version 1; expect_rc 0
run person show "$P" --as wk --json; expect_rc 0
expect_json "this.idno" "$P"
expect_json "this.alerts.map(a => a.id).join()" "$A1"
run household show "$HH" --as wk --json; expect_rc 0
expect_json "this.members.length > 0" true
run search "${P:12}" --as wk --json; expect_rc 0
expect_json "this.items.some(i => i.ref === '$REF')" true
run person show "$O" --as wk; expect_rc 1
# ... and a household with a service file at its station
OH=$(q "SELECT household FROM person_index WHERE idno = '$O'")
run visit add --household "$OH" --kind home --date 2026-11-01 --note 走访 --as wk; expect_rc 0
run person show "$O" --as wk --json; expect_rc 0
run household show "$OH" --as wk --json; expect_rc 0
expect_json "this.service_file" true

# ---- the index follows imports ----
run search --refresh; expect_rc 0
expect_out "写入 0 条"
NEW=$(js '
const w=[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2], c="10X98765432";
const d="44010619990909123"; let s=0; for (let i=0;i<17;i++) s+=w[i]*+d[i];
console.log(d + c[s % 11]);')
printf '身份证号,姓名,户编号,与户主关系,居住地区划\n%s,新来者,%s,其他,%s\n' "$NEW" "$HH" "$PAREA" >new.csv
run import persons new.csv; expect_rc 0
run search 新来者 --json; expect_rc 0
expect_json "this.items.length" 1
run search --refresh --json; expect_rc 0
expect_json "this.written" 0
run household show "$HH" --json; expect_rc 0
expect_json "this.members.some(m => m.name === '新来者')" true
