# Retention (个人信息保护法 Art. 19, 47; docs/operations.md): `purge
# stores: sqlite postgresql
# --dry-run` counts what is past the pack's periods and changes nothing;
# `purge` removes it — rejected rows' original text, decided review rows,
# closed alerts' evidence, explanations, notes and subject (masked),
# attachments, expired sessions, finished jobs and deliveries — keeping the
# counts and decisions (`stats` unchanged); a second purge finds nothing;
# the access log is kept and still verifies; the pack's periods are
# checked (access log at least 3 years); [retention] enabled = no stops it.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db p) MINSHENG_ACCESS="$PWD/p.db.access"
export MINSHENG_PWHASH=min
q() { dbq "$1"; }
js() { node -e "$1" "${@:2}"; }
count() { js 'const r = JSON.parse(require("fs").readFileSync("stdout.txt", "utf8")); console.log(r.kinds.find((k) => k.kind === process.argv[1]).count)' "$1"; }

run gen --out prov --people 3000 --seed 5; expect_rc 0
run init; expect_rc 0
run import manifest prov/manifest.json; expect_rc 0
run station import prov/stations.csv; expect_rc 0
run scan --json; expect_rc 0

# a rejected row and a review item (a number that fails and names nobody)
P1=$(awk -F, 'NR == 2 { print $1 }' prov/persons.csv)
P2=$(awk -F, 'NR == 3 { print $1 }' prov/persons.csv)
BAD=${P2:0:17}$([ "${P2:17:1}" = 0 ] && echo 1 || echo 0)
printf '身份证号,姓名,号牌号码,车辆类型,登记日期\n%s,某人,粤A00001,小型轿车,2026-13-45\n%s,查无此人,粤A00002,小型轿车,2021-03-01\n' "$P1" "$BAD" >jg.csv
run import jiaoguan jg.csv --json; expect_rc 0
expect_json "this.rejected" 1
expect_json "this.review" 1
RV=$(q "SELECT id FROM review WHERE state = 'open' ORDER BY id DESC LIMIT 1")
run import review discard "$RV" --note 查无此人; expect_rc 0
check "the reject keeps its original row" test "$(q "SELECT count(*) FROM reject WHERE original LIKE '%$P1%'")" = 1

# an alert closed with a photo, another left open
read -r A ST <<<"$(q "SELECT id, inbox FROM alert WHERE subject_type = 'person' AND length(inbox) = 9 ORDER BY id LIMIT 1" | tr '|' ' ')"
SUBJ=$(q "SELECT subject FROM alert WHERE id = $A")
run user add root --role admin --scope 44 <<<"admin-password"; expect_rc 0
run user add wk --role worker --scope "$ST" --station "$ST" --as root <<<"worker-password"; expect_rc 0
printf '\xff\xd8\xff\xe0 a synthetic visit photo' >photo.jpg
run alert assign "$A" --to wk --as root --version 1 --note 请入户; expect_rc 0
run alert start "$A" --as wk --version 2; expect_rc 0
run alert verify "$A" --as wk --version 3 --outcome no_action --note "入户核实：$SUBJ 家中两人" --attach photo.jpg; expect_rc 0
run alert close "$A" --as root --version 4 --decision 属实无需救助，维持现状; expect_rc 0
check "the closed alert has evidence, explanations and a photo" test "$(q "SELECT CASE WHEN (SELECT count(*) FROM alert_evidence WHERE alert_id = $A) > 0 THEN 1 ELSE 0 END, CASE WHEN (SELECT count(*) FROM alert_explanation WHERE alert_id = $A) > 0 THEN 1 ELSE 0 END, (SELECT count(*) FROM attachment WHERE alert_id = $A)")" = "1|1|1"
# an expired session, a finished job and a finished delivery, long ago
q "INSERT INTO session(token_hash, \"user\", csrf, addr, created, last_seen, expires) VALUES ('$(printf '%064d' 7)', 'root', 'x', '', 1000, 1000, 2000)"
q "INSERT INTO job(kind, actor, scope, state, created, finished) VALUES ('scan', 'root', '44', 'done', '2020-01-01T00:00:00+08:00', '2020-01-01T00:01:00+08:00')"
run webhook add http://127.0.0.1:9/x --secret retention-test-secret-0123 --events new; expect_rc 0
q "INSERT INTO webhook_delivery(webhook_id, event, alert_id, body, state, attempts, next_attempt, created, finished) VALUES (1, 'new', $A, '{}', 'delivered', 1, 0, '2020-01-01T00:00:00+08:00', '2020-01-01T00:00:01+08:00')"
run audit append --user root --action export --object test --ref retention; expect_rc 0
NACC=$(sqlite3 -batch -noheader p.db.access "SELECT count(*) FROM entry")

# ---- today: nothing of the alerts is old enough ----
run purge --dry-run --json; expect_rc 0
expect_json "this.dry_run" true
check "dry run today: no closed alert is past 5 years" test "$(count closed_alerts)" = 0
check "dry run today: no attachment is past 3 years" test "$(count attachments)" = 0
check "dry run today: the expired session counts" test "$(count sessions)" = 1
check "dry run today: the old job counts" test "$(count jobs)" = 1
check "dry run today: the old delivery counts" test "$(count deliveries)" = 1
expect_json "this.access_log.action" kept
expect_json "this.access_log.years" 3
run purge --dry-run; expect_rc 0
expect_out "访问日志 access log"

# ---- six years on: a dry run counts and changes nothing ----
export MINSHENG_TODAY=2032-12-01
run stats --area 44 --from 2026-11-01 --to 2026-11-30 --json; expect_rc 0
cp stdout.txt stats-before.json
NREJ=$(q "SELECT count(*) FROM reject WHERE original != ''")
NREV=$(q "SELECT count(*) FROM review WHERE state != 'open'")
run purge --dry-run --json; expect_rc 0
check "dry run: every reject with its text ($NREJ)" test "$(count rejects)" = "$NREJ"
check "dry run: every decided review item ($NREV)" test "$(count review)" = "$NREV"
check "dry run: the closed alert" test "$(count closed_alerts)" = 1
check "dry run: its attachment" test "$(count attachments)" = 1
check "dry run: nothing changed" test "$(q "SELECT count(*) FROM reject WHERE original != ''")/$(q "SELECT count(*) FROM alert_evidence WHERE alert_id = $A")/$(q 'SELECT count(*) FROM session')" = "$NREJ/$(q "SELECT count(*) FROM alert_evidence WHERE alert_id = $A")/1"
check "dry run: the closed alert still has its evidence" test "$(q "SELECT CASE WHEN count(*) > 0 THEN 1 ELSE 0 END FROM alert_evidence WHERE alert_id = $A")" = 1

# ---- the purge ----
run purge --json; expect_rc 0
expect_json "this.dry_run" false
check "purged: rejects" test "$(count rejects)" = "$NREJ"
check "purged: the closed alert" test "$(count closed_alerts)" = 1
check "rejected rows keep row, column and reason, not the text" test "$(q "SELECT count(*) FROM reject WHERE original != ''")/$(q "SELECT count(*) FROM reject WHERE reason_zh != ''")" = "0/$NREJ"
check "decided review rows lose the number and name, keep the decision" test "$(q "SELECT idno_raw || '|' || name || '|' || vals || '|' || state || '|' || note FROM review WHERE id = $RV")" = "|||discarded|查无此人"
check "the closed alert's evidence and explanations are gone" test "$(q "SELECT (SELECT count(*) FROM alert_evidence WHERE alert_id = $A) + (SELECT count(*) FROM alert_explanation WHERE alert_id = $A)")" = 0
check "its subject is masked" test "$(q "SELECT subject FROM alert WHERE id = $A")" = "${SUBJ:0:6}********${SUBJ:14:4}"
check "its notes are cleared, its history kept" test "$(q "SELECT count(*) || '|' || sum(CASE WHEN note != '' THEN 1 ELSE 0 END) FROM alert_event WHERE alert_id = $A")" = "5|0"
check "its decision and outcome are kept" test "$(q "SELECT decision || '|' || outcome || '|' || CASE WHEN purged IS NOT NULL THEN 1 ELSE 0 END FROM alert WHERE id = $A")" = "属实无需救助，维持现状|no_action|1"
check "its photo is gone, bytes too" test "$(q 'SELECT count(*) FROM attachment')/$(q 'SELECT count(*) FROM attachment_blob')" = 0/0
check "the session, the job and the delivery are gone" test "$(q 'SELECT count(*) FROM session')/$(q 'SELECT count(*) FROM job')/$(q 'SELECT count(*) FROM webhook_delivery')" = 0/0/0
check "the subject's number is nowhere in the alert tables" test "$(q "SELECT count(*) FROM alert WHERE subject = '$SUBJ'") $(q "SELECT count(*) FROM alert_event WHERE note LIKE '%$SUBJ%'")" = "0 0"
run stats --area 44 --from 2026-11-01 --to 2026-11-30 --json; expect_rc 0
check "the figures are unchanged (counts and decisions kept)" js '
const a = JSON.parse(require("fs").readFileSync("stats-before.json", "utf8")), b = JSON.parse(require("fs").readFileSync("stdout.txt", "utf8"));
process.exit(JSON.stringify([a.issued, a.verified, a.on_time, a.outcomes]) === JSON.stringify([b.issued, b.verified, b.on_time, b.outcomes]) ? 0 : 1)'
run alert show "$A" --json; expect_rc 0
expect_json "this.state" closed
run purge --json; expect_rc 0
check "a second purge finds nothing" js '
const r = JSON.parse(require("fs").readFileSync("stdout.txt", "utf8"));
process.exit(r.kinds.every((k) => k.count === 0) ? 0 : 1)'
check "the access log is kept whole" test "$(sqlite3 -batch -noheader p.db.access 'SELECT count(*) FROM entry')" = "$NACC"
run audit verify; expect_rc 0
run scan --json; expect_rc 0

# ---- the pack's periods are checked ----
cp -r "$MINSHENG_PACK" pack2
sed -i '/^\[param.retention.access_log_years\]/,/^$/ s/| 44 | 3 |/| 44 | 2 |/' pack2/params.ini
run purge --dry-run --pack pack2; expect_rc 1; expect_err "at least 3 years"
cp -r "$MINSHENG_PACK" pack3
sed -i '/^\[param.retention.attachments_years\]/,/^$/ s/| 44 | 3 |/| 44 | 9 |/' pack3/params.ini
run purge --dry-run --pack pack3; expect_rc 1; expect_err "attachments_years"
cp -r "$MINSHENG_PACK" pack4
sed -i '/^\[param.retention.jobs_days\]/,/^$/d' pack4/params.ini
run purge --dry-run --pack pack4; expect_rc 1; expect_err "retention.jobs_days"

# ---- the configuration can switch it off ----
printf '[retention]\nenabled = no\n' >off.conf
MINSHENG_CONFIG=$PWD/off.conf run purge; expect_rc 0
expect_out "enabled = no"
MINSHENG_CONFIG=$PWD/off.conf run purge --dry-run --json; expect_rc 0
expect_json "this.dry_run" true
MINSHENG_CONFIG=$PWD/off.conf run purge --force --json; expect_rc 0
expect_json "this.dry_run" false
run purge --bogus; expect_rc 2
