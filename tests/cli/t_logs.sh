# The server's log: JSON lines on standard error (journald-friendly), one per
# stores: sqlite postgresql
# request with request_id, method, route (the template, never the path),
# status, latency_ms, user and addr; text lines when asked; no identity or
# mobile number in it even when the requests carry them in their paths and
# queries; X-Forwarded-For believed from a trusted proxy only; and a
# command's error message masks the identity number it echoes.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db logs) MINSHENG_ACCESS="$PWD/logs.db.access"
export MINSHENG_PWHASH=min
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
ID=440106199001011234
PHONE=13812345678

pid=""
stop_server() {
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=""
}
trap stop_server EXIT
start_server() {
	local log=$1; shift
	rm -f port
	"$MINSHENG" serve --listen 127.0.0.1:0 --port-file "$PWD/port" "$@" >/dev/null 2>"$log" &
	pid=$!
	for _ in $(seq 1 100); do
		[ -s port ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	port=$(cat port 2>/dev/null)
}
scan() { grep -cP '(?<![0-9A-Za-z])([0-9]{6}(18|19|20)[0-9]{9}[0-9Xx]|1[3-9][0-9]{9})(?![0-9A-Za-z])' "$1"; }

run init; expect_rc 0
printf 'a long password\n' | "$MINSHENG" user add logadmin --role admin --scope 44 >/dev/null 2>&1

start_server json.err --log-format json --trusted-proxy 127.0.0.1
check "serve --log-format json listens" test -n "$port"
H="http://127.0.0.1:$port"
curl -s -c jar -H 'Content-Type: application/json' \
	-d '{"username":"logadmin","password":"a long password"}' "$H/api/v1/login" >/dev/null
curl -s -b jar -D person.h -o /dev/null "$H/api/v1/persons/$ID"
curl -s -b jar -o /dev/null "$H/api/v1/search?q=$PHONE"
curl -s -o /dev/null "$H/no/such/path/$ID"
curl -s -o /dev/null -H "X-Forwarded-For: 198.51.100.9, 203.0.113.5" "$H/healthz"
curl -s -o /dev/null --interface 127.0.0.2 -H "X-Forwarded-For: 198.51.100.10" "$H/metrics"
stop_server
reqid=$(sed -n 's/^[Xx]-[Rr]equest-[Ii]d: \([0-9a-f]*\).*/\1/p' person.h)

node -e '
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
const bad = [];
const reqs = [];
for (const l of lines) {
	let o;
	try { o = JSON.parse(l); } catch (e) { bad.push("not JSON: " + l.slice(0, 120)); continue; }
	for (const k of ["time", "level", "msg"]) if (!(k in o)) bad.push("no " + k + ": " + l.slice(0, 120));
	if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$/.test(o.time)) bad.push("time " + o.time);
	if (o.msg === "request") reqs.push(o);
}
for (const r of reqs)
	for (const k of ["request_id", "method", "route", "status", "latency_ms", "user", "addr"])
		if (!(k in r)) bad.push("request without " + k + ": " + JSON.stringify(r));
const find = (f) => reqs.find(f) || {};
const out = {
	lines: lines.length, requests: reqs.length, bad,
	person: find((r) => r.route === "/api/v1/persons/{id}"),
	search: find((r) => r.route === "/api/v1/search"),
	unmatched: find((r) => r.route === "unmatched"),
	healthz: find((r) => r.route === "/healthz"),
	metrics: find((r) => r.route === "/metrics"),
};
fs.writeFileSync("parsed.json", JSON.stringify(out));
' json.err
js() { node -e 'const o=JSON.parse(require("fs").readFileSync("parsed.json","utf8")); const v=(function(){return eval(process.argv[1]);}).call(o); process.stdout.write(typeof v==="string"?v:JSON.stringify(v));' "$1"; }
check "every line of the log is a JSON object with time, level and msg ($(js 'this.bad.length') bad)" test "$(js 'this.bad.length')" = 0
check "one request line per request ($(js 'this.requests'))" test "$(js 'this.requests')" = 6
check "the person read is logged by its route template" test "$(js 'this.person.status')" = 404
check "… with the user, the method and a latency" test "$(js 'this.person.user + " " + this.person.method + " " + (typeof this.person.latency_ms)')" = "logadmin GET number"
check "… and the request id of its X-Request-Id header ($reqid)" test "$(js 'this.person.request_id')" = "$reqid"
check "the search is logged without its query" test "$(js 'this.search.route')" = "/api/v1/search"
check "an unknown path is logged as unmatched" test "$(js 'this.unmatched.status')" = 404
check "no identity or mobile number in the log ($(scan json.err) lines)" test "$(scan json.err)" = 0
check "the log holds neither the number nor the phone asked for" sh -c "! grep -q -e $ID -e $PHONE json.err"
check "from the trusted proxy, the last X-Forwarded-For address is the client" test "$(js 'this.healthz.addr')" = 203.0.113.5
check "from another peer, X-Forwarded-For is ignored" test "$(js 'this.metrics.addr')" = 127.0.0.2

start_server text.err --log-format text
curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/persons/$ID"
stop_server
check "--log-format text: a line per request with key=value fields" \
	grep -qE '^[0-9-]{10}T[0-9:.]{12}\+08:00 info  request request_id=[0-9a-f]{16} method=GET route=/api/v1/persons/\{id\} status=401 ' text.err
check "… and no identity number" test "$(scan text.err)" = 0

start_server quiet.err --log-format json --quiet
curl -s -o /dev/null "http://127.0.0.1:$port/healthz"
stop_server
check "--quiet: no request lines" sh -c '! grep -q "\"msg\":\"request\"" quiet.err'
check "--quiet: the start and stop are still logged" grep -q '"msg":"minsheng serve: stopping"' quiet.err

# a command's error message masks the identity number it echoes
run import review link 1 "$ID"; expect_rc 1
expect_err "440106********1234"
check "… never the whole number" sh -c "! grep -q $ID stderr.txt"
