# The outbound webhook and `minsheng remind` (docs/operations.md): targets
# stores: sqlite postgresql
# checked, events found once (new, overdue) and queued by the lifecycle
# (returned), POSTs signed with HMAC-SHA256 of "TIMESTAMP.BODY" and checked
# by a receiver written in Node on 127.0.0.1, retries with exponential
# backoff (attempts and next attempt stored), giving up after N attempts,
# https:// with certificate checks, removal, and no full identity number
# in any body.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db p) MINSHENG_ACCESS="$PWD/p.db.access"
export MINSHENG_PWHASH=min
q() { dbq "$1"; }
js() { node -e "$1" "${@:2}"; }
SECRET=webhook-test-secret-0123456789abcdef

run gen --out prov --people 3000 --seed 5; expect_rc 0
run init; expect_rc 0
run import manifest prov/manifest.json; expect_rc 0
run station import prov/stations.csv; expect_rc 0
run scan --json; expect_rc 0
N=$(q "SELECT count(*) FROM alert WHERE state != 'closed'")
check "the scan raised alerts ($N)" test "$N" -gt 0

# ---- the receiver: checks the signature, answers as the mode file says ----
cat >recv.js <<'EOF'
const http = require('http'), https = require('https'), crypto = require('crypto'), fs = require('fs');
const [portFile, logFile, modeFile, secret, cert, key] = process.argv.slice(2);
const handler = (req, res) => {
	const parts = [];
	req.on('data', (c) => parts.push(c));
	req.on('end', () => {
		const body = Buffer.concat(parts);
		const ts = req.headers['x-minsheng-timestamp'] || '';
		const sig = req.headers['x-minsheng-signature'] || '';
		const want = 'sha256=' + crypto.createHmac('sha256', secret).update(ts + '.').update(body).digest('hex');
		const ok = sig.length === want.length && crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(want));
		let mode = 'ok';
		try { mode = fs.readFileSync(modeFile, 'utf8').trim(); } catch {}
		const status = !ok ? 401 : mode === 'fail' ? 500 : 200;
		fs.appendFileSync(logFile, JSON.stringify({ path: req.url, method: req.method, type: req.headers['content-type'],
			event: req.headers['x-minsheng-event'], delivery: req.headers['x-minsheng-delivery'], ts, sig_ok: ok, status,
			body: body.toString() }) + '\n');
		res.writeHead(status, { 'content-type': 'text/plain' });
		res.end(status === 200 ? 'ok' : 'no');
	});
};
const srv = cert ? https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, handler) : http.createServer(handler);
srv.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(srv.address().port)));
setTimeout(() => process.exit(0), 170000);
EOF
pids=""
start_receiver() { # port-file log-file [cert key]
	rm -f "$1"
	node recv.js "$1" "$2" mode "$SECRET" "${3:-}" "${4:-}" >/dev/null 2>>recv.err &
	pids="$pids $!"
	for _ in $(seq 1 100); do [ -s "$1" ] && break; sleep 0.05; done
}
trap 'for p in $pids; do kill "$p" 2>/dev/null; done' EXIT
echo ok >mode
start_receiver port recv.log
PORT=$(cat port)
check "the receiver listens on 127.0.0.1:$PORT" test -n "$PORT"
URL="http://127.0.0.1:$PORT/hook"

# ---- targets ----
run webhook add "$URL" --secret "$SECRET" --events overdue,new,returned --json; expect_rc 0
WH=$(js 'console.log(JSON.parse(require("fs").readFileSync("stdout.txt","utf8")).id)')
run webhook add "ftp://127.0.0.1/x" --secret "$SECRET" --events new; expect_rc 1; expect_err "http://"
run webhook add "http://user:pw@127.0.0.1/x" --secret "$SECRET" --events new; expect_rc 1; expect_err "password"
run webhook add "$URL" --secret short --events new; expect_rc 1; expect_err "secret"
run webhook add "$URL" --secret "$SECRET" --events new,bogus; expect_rc 1; expect_err "bogus"
run webhook add "$URL" --secret "$SECRET"; expect_rc 2
run webhook list --json; expect_rc 0
expect_json "this.length" 1
expect_json "this[0].events" "new,overdue,returned"
expect_no_out "$SECRET"
run user add root --role admin --scope 44 <<<"admin-password"; expect_rc 0
run user add off --role officer --scope 4401 --as root <<<"officer-password"; expect_rc 0
run webhook list --as off; expect_rc 1; expect_err "province-wide admin"
run webhook list --as root --json; expect_rc 0
expect_json "this.length" 1

# ---- remind: a dry run writes nothing ----
run remind --dry-run --json; expect_rc 0
expect_json "this.new" "$N"
expect_json "this.overdue" 0
expect_json "this.queued" "$N"
check "a dry run queues nothing" test "$(q 'SELECT count(*) FROM webhook_delivery')" = 0
check "a dry run records no notice" test "$(q 'SELECT count(*) FROM alert_notice')" = 0

# ---- remind: new alerts, delivered and signed ----
run remind --json; expect_rc 0
expect_json "this.new" "$N"
expect_json "this.delivery.delivered" "$N"
expect_json "this.delivery.retrying" 0
check "the receiver got $N POSTs" test "$(wc -l <recv.log)" = "$N"
check "every signature verified (HMAC-SHA256 of TIMESTAMP.BODY)" js '
const l = require("fs").readFileSync("recv.log", "utf8").trim().split("\n").map(JSON.parse);
process.exit(l.every((x) => x.sig_ok && x.status === 200 && x.method === "POST" && /^application\/json/.test(x.type)) ? 0 : 1)'
check "bodies carry the alert and its event, subjects masked" js '
const l = require("fs").readFileSync("recv.log", "utf8").trim().split("\n").map(JSON.parse);
process.exit(l.every((x) => { const b = JSON.parse(x.body); return b.event === "new" && x.event === "new" && b.alert.id > 0 && b.alert.rule && b.alert.area && b.alert.due &&
	(b.alert.subject_type !== "person" || /^\d{6}\*{8}[\dX]{4}$/.test(b.alert.subject)); }) ? 0 : 1)'
check "no registry identity number reaches the receiver" js '
const fs = require("fs"), t = fs.readFileSync("recv.log", "utf8");
const ids = fs.readFileSync("prov/persons.csv", "utf8").split("\n").slice(1).map((l) => l.split(",")[0]).filter((x) => x.length === 18);
process.exit(ids.length > 100 && !ids.some((id) => t.includes(id)) ? 0 : 1)'
run remind --json; expect_rc 0
expect_json "this.new" 0
expect_json "this.queued" 0
run webhook deliveries --state delivered --json; expect_rc 0
expect_json "this.length" "$N"

# ---- overdue, a failing receiver, backoff, giving up ----
echo fail >mode
: >recv.log
W=$(q "SELECT count(*) FROM alert WHERE state IN ('new','assigned','verifying','returned')")
MINSHENG_TODAY=2027-01-15 run remind --json; expect_rc 0
expect_json "this.overdue" "$W"
expect_json "this.delivery.retrying" "$W"
T0=$(date +%s)
check "the receiver answered 500 to each ($W)" test "$(grep -c '"status":500' recv.log)" = "$W"
check "attempts 1, next attempt about 60 s later" test "$(q "SELECT count(*) FROM webhook_delivery WHERE event = 'overdue' AND state = 'pending' AND attempts = 1 AND next_attempt BETWEEN $T0 + 50 AND $T0 + 61 AND last_status = 500")" = "$W"
MINSHENG_TODAY=2027-01-15 run remind --json; expect_rc 0
expect_json "this.overdue" 0
run webhook deliver --json; expect_rc 0
expect_json "this.attempted" 0
NEXT=$(q "SELECT min(next_attempt) FROM webhook_delivery WHERE state = 'pending'")
run webhook deliver --now $((NEXT - 1)) --json; expect_rc 0
expect_json "this.attempted" 0
run webhook deliver --now "$NEXT" --json; expect_rc 0
expect_json "this.attempted" "$W"
expect_json "this.retrying" "$W"
check "the second retry waits twice as long (120 s)" test "$(q "SELECT count(*) FROM webhook_delivery WHERE state = 'pending' AND attempts = 2 AND next_attempt = $NEXT + 120")" = "$W"
run webhook deliver --now $((NEXT + 120)) --json; expect_rc 0
check "the third waits 240 s" test "$(q "SELECT count(*) FROM webhook_delivery WHERE state = 'pending' AND attempts = 3 AND next_attempt = $NEXT + 360")" = "$W"
run webhook deliver --now $((NEXT + 100000)) --max-attempts 4 --json; expect_rc 0
expect_json "this.failed" "$W"
check "given up after 4 attempts" test "$(q "SELECT count(*) FROM webhook_delivery WHERE state = 'failed' AND attempts = 4 AND finished IS NOT NULL AND last_error = 'HTTP 500'")" = "$W"
run webhook deliveries --state failed --json; expect_rc 0
expect_json "this.length" "$W"
expect_json "this[0].last_status" 500

# ---- returned: queued by the lifecycle ----
# an alert of a station brought to `returned` through a worker of its station
new_alert() { q "SELECT id FROM alert WHERE state = 'new' AND length(inbox) = 9 ORDER BY id LIMIT 1"; }
to_returned() {
	local a=$1 st
	st=$(q "SELECT inbox FROM alert WHERE id = $a")
	if [ "$(q "SELECT count(*) FROM app_user WHERE name = 'w$st'")" = 0 ]; then
		run user add "w$st" --role worker --scope "$st" --station "$st" --as root <<<"worker-password"; expect_rc 0
	fi
	run alert assign "$a" --to "w$st" --as root --version 1; expect_rc 0
	run alert start "$a" --as "w$st" --version 2; expect_rc 0
	run alert verify "$a" --as "w$st" --version 3 --outcome no_action --note 入户核实; expect_rc 0
	run alert return "$a" --as root --version 4 --note 请补充材料; expect_rc 0
}
A=$(new_alert)
WK=w$(q "SELECT inbox FROM alert WHERE id = $A")
to_returned "$A"
check "the return queued a 'returned' delivery" test "$(q "SELECT count(*) FROM webhook_delivery WHERE event = 'returned' AND alert_id = $A AND state = 'pending'")" = 1
echo ok >mode
: >recv.log
run webhook deliver --json; expect_rc 0
expect_json "this.delivered" 1
check "the receiver got the returned event" js '
const x = JSON.parse(require("fs").readFileSync("recv.log", "utf8").trim());
const b = JSON.parse(x.body);
process.exit(x.sig_ok && b.event === "returned" && b.alert.state === "returned" && b.alert.assignee === process.argv[1] ? 0 : 1)' "$WK"

# ---- https: the certificate must be trusted and name the host ----
if openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1; then
	start_receiver sport srecv.log cert.pem key.pem
	SPORT=$(cat sport)
	run webhook add "https://127.0.0.1:$SPORT/tls" --secret "$SECRET" --events returned --json; expect_rc 0
	to_returned "$(new_alert)"
	run webhook deliver --json; expect_rc 0
	expect_json "this.delivered" 1
	expect_json "this.retrying" 1
	expect_out "certificate"
	NEXT=$(q "SELECT next_attempt FROM webhook_delivery WHERE state = 'pending'")
	SSL_CERT_FILE=$PWD/cert.pem run webhook deliver --now "$NEXT" --json; expect_rc 0
	expect_json "this.delivered" 1
	check "the https receiver verified the signature" js '
const x = JSON.parse(require("fs").readFileSync("srecv.log", "utf8").trim());
process.exit(x.sig_ok && x.path === "/tls" && JSON.parse(x.body).event === "returned" ? 0 : 1)'
else
	_ok "# skip https: openssl cannot make a certificate"
fi

# ---- removal gives up the pending deliveries ----
echo fail >mode
A3=$(new_alert)
[ -n "$A3" ] && to_returned "$A3"
check "a delivery of the target is pending before its removal" test "$(q "SELECT count(*) FROM webhook_delivery WHERE webhook_id = $WH AND state = 'pending'")" -ge 1
run webhook remove "$WH" --as off; expect_rc 1
run webhook remove "$WH"; expect_rc 0
check "no delivery of the removed target is pending" test "$(q "SELECT count(*) FROM webhook_delivery WHERE webhook_id = $WH AND state = 'pending'")" = 0
run webhook list --json; expect_rc 0
expect_no_out "\"id\": $WH,"
run webhook list --all --json; expect_rc 0
expect_out "\"removed\""
run webhook remove "$WH"; expect_rc 1; expect_err "no webhook"
