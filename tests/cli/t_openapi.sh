# The OpenAPI document (docs/openapi.json) against the route table: the
# (method, path) pairs of `serve --routes` and of the document's paths must
# be the same both ways; every operation has a summary, an operationId unique
# in the document, responses, a declared path parameter for each {param} of
# its path, and resolvable $refs; and a running server serves the document
# byte for byte at GET /api/v1/openapi.json.
export MINSHENG_PACK="$ROOT/policy/guangdong"
doc="$ROOT/docs/openapi.json"

check "docs/openapi.json is valid JSON" node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$doc"

# ---- the routes, both ways ----
run serve --routes; expect_rc 0
printf '%s\n' "$out" | grep -v '^$' | LC_ALL=C sort >routes.txt
node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
for (const p of Object.keys(d.paths || {}))
	for (const m of Object.keys(d.paths[p]))
		if (methods.includes(m)) console.log(m.toUpperCase() + " " + p);
' "$doc" | LC_ALL=C sort >doc.txt
nroutes=$(wc -l <routes.txt)
check "serve --routes lists routes ($nroutes)" test "$nroutes" -gt 0
only_routes=$(LC_ALL=C comm -23 routes.txt doc.txt)
only_doc=$(LC_ALL=C comm -13 routes.txt doc.txt)
if [ -z "$only_routes" ]; then _ok "every route is in docs/openapi.json"
else
	_nok "routes missing from docs/openapi.json"
	printf '%s\n' "$only_routes" | sed 's/^/#   route not documented: /'
fi
if [ -z "$only_doc" ]; then _ok "every operation of docs/openapi.json is a route"
else
	_nok "operations of docs/openapi.json that are not routes"
	printf '%s\n' "$only_doc" | sed 's/^/#   documented, no such route: /'
fi

# ---- each operation ----
# Prints one line per problem, "KIND: METHOD /path: what".
node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
function resolve(x) {
	let seen = 0;
	while (x && typeof x.$ref === "string" && seen++ < 10) {
		if (!x.$ref.startsWith("#/")) return undefined;
		let v = d;
		for (const part of x.$ref.slice(2).split("/"))
			v = v === undefined ? undefined : v[part.replace(/~1/g, "/").replace(/~0/g, "~")];
		x = v;
	}
	return x;
}
const ids = new Map();
for (const [path, item] of Object.entries(d.paths || {})) {
	const common = (item.parameters || []).map(resolve);
	for (const m of Object.keys(item)) {
		if (!methods.includes(m)) continue;
		const op = item[m], where = m.toUpperCase() + " " + path;
		if (typeof op.summary !== "string" || !op.summary.trim())
			console.log("summary: " + where + ": no summary");
		if (typeof op.operationId !== "string" || !op.operationId) {
			console.log("operationId: " + where + ": no operationId");
		} else if (ids.has(op.operationId)) {
			console.log("operationId: " + where + ": " + op.operationId + " also names " + ids.get(op.operationId));
		} else {
			ids.set(op.operationId, where);
		}
		if (!op.responses || typeof op.responses !== "object" || !Object.keys(op.responses).length)
			console.log("responses: " + where + ": no responses");
		else if (!Object.keys(op.responses).some((s) => /^2/.test(s)))
			console.log("responses: " + where + ": no success response");
		const params = common.concat((op.parameters || []).map(resolve));
		if (params.some((p) => !p)) console.log("params: " + where + ": a parameter $ref does not resolve");
		const declared = new Set(params.filter((p) => p && p.in === "path").map((p) => p.name));
		const used = [...path.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]);
		for (const u of used) {
			if (!declared.has(u)) console.log("params: " + where + ": {" + u + "} is not a path parameter");
			else if (!params.find((p) => p && p.in === "path" && p.name === u).required)
				console.log("params: " + where + ": path parameter " + u + " is not required");
		}
		for (const n of declared)
			if (!used.includes(n)) console.log("params: " + where + ": path parameter " + n + " is not in the path");
		if (!Array.isArray(op.security) && !Array.isArray(d.security))
			console.log("security: " + where + ": no security");
	}
}
// every $ref of the document resolves
(function walk(x, at) {
	if (!x || typeof x !== "object") return;
	if (typeof x.$ref === "string" && resolve(x) === undefined) console.log("ref: " + at + ": " + x.$ref + " does not resolve");
	for (const [k, v] of Object.entries(x)) walk(v, at + "/" + k);
})(d, "#");
' "$doc" >problems.txt 2>&1
for kind in summary operationId responses params ref security; do
	if grep -q "^$kind: " problems.txt; then
		_nok "every operation: $kind"
		grep "^$kind: " problems.txt | sed 's/^/#   /'
	else
		_ok "every operation: $kind"
	fi
done
if grep -qv '^\(summary\|operationId\|responses\|params\|ref\|security\): ' problems.txt; then
	_nok "the document could be read"; sed 's/^/#   /' problems.txt | head -20
fi
# the public routes say so
check "public routes have security: []" node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const pub = [["get", "/healthz"], ["get", "/metrics"], ["get", "/api/v1/openapi.json"], ["post", "/api/v1/login"]];
for (const [m, p] of pub) {
	const s = d.paths[p] && d.paths[p][m] && d.paths[p][m].security;
	if (!Array.isArray(s) || s.length) process.exit(1);
}' "$doc"

# ---- the server serves the same bytes ----
pid=""
stop_server() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=""
	fi
}
trap stop_server EXIT
run init --db "$PWD/srv.db"; expect_rc 0
rm -f port
"$MINSHENG" serve --db "$PWD/srv.db" --listen 127.0.0.1:0 --port-file "$PWD/port" --quiet \
	>serve.out 2>serve.err &
pid=$!
for _ in $(seq 1 100); do
	[ -s port ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
port=$(cat port 2>/dev/null)
if [ -n "$port" ]; then _ok "serve listens (port $port)"
else
	_nok "serve wrote no port file within 10 s"
	sed 's/^/#   serve: /' serve.err | head -20
fi
if [ -n "$port" ]; then
	code=$(curl -s -o served.json -D headers.txt -w '%{http_code}' \
		"http://127.0.0.1:$port/api/v1/openapi.json")
	check "GET /api/v1/openapi.json answers 200 (got $code)" test "$code" = 200
	check "GET /api/v1/openapi.json is application/json" \
		grep -qi '^content-type: application/json' headers.txt
	if cmp -s served.json "$doc"; then _ok "the served document is docs/openapi.json byte for byte"
	else
		_nok "the served document differs from docs/openapi.json (rebuild?)"
		echo "#   served $(wc -c <served.json) bytes, file $(wc -c <"$doc") bytes"
		cmp served.json "$doc" 2>&1 | sed 's/^/#   /' | head -3
	fi
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/alerts")
	check "a documented route that needs a login answers 401 without one (got $code)" test "$code" = 401
fi
stop_server
