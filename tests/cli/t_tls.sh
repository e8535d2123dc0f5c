# TLS served directly by libmicrohttpd (GnuTLS): a self-signed P-256
# certificate made here; /healthz over https with curl --cacert; an
# unverified client, plain HTTP and TLS 1.1 refused, TLS 1.2 and 1.3
# accepted; the session cookie Secure; the same from the configuration file;
# a key that does not match, a missing file and a half-given pair refused
# before the server starts.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB="$PWD/tls.db"
export MINSHENG_PWHASH=min
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY

pid=""
stop_server() {
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	srv_rc=$?
	pid=""
}
trap stop_server EXIT
# start_server LOG ARGS…: serve on a free port; sets $port ("" on failure)
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

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
	-keyout key.pem -out cert.pem -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
check "openssl made a self-signed P-256 certificate" test -s cert.pem -a -s key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
	-keyout other.key -out other.pem -subj /CN=other 2>/dev/null

run init; expect_rc 0
printf 'a long password\n' | "$MINSHENG" user add tlsadmin --role admin --scope 44 >/dev/null 2>&1
check "an admin to log in with" test $? -eq 0

start_server tls.err --tls-cert cert.pem --tls-key key.pem
check "serve --tls-cert --tls-key listens" test -n "$port"
R="--resolve localhost:$port:127.0.0.1"
code=$(curl -s -o healthz.json -w '%{http_code}' $R --cacert cert.pem "https://localhost:$port/healthz")
check "GET https://localhost/healthz with --cacert answers 200 (got $code)" test "$code" = 200
check "… with the health document" grep -q '"status":"ok"' healthz.json
curl -s -o /dev/null $R "https://localhost:$port/healthz"; rc=$?
check "a client that does not trust the certificate fails (curl exit $rc)" test "$rc" -ne 0
code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$port/healthz")
check "plain HTTP on the TLS port gets no answer (got ${code:-none})" test "$code" != 200
curl -s -o /dev/null $R --cacert cert.pem --tlsv1.1 --tls-max 1.1 "https://localhost:$port/healthz"; rc=$?
check "TLS 1.1 is refused (curl exit $rc)" test "$rc" -ne 0
code=$(curl -s -o /dev/null -w '%{http_code}' $R --cacert cert.pem --tlsv1.2 --tls-max 1.2 "https://localhost:$port/healthz")
check "TLS 1.2 is accepted (got $code)" test "$code" = 200
code=$(curl -s -o /dev/null -w '%{http_code}' $R --cacert cert.pem --tlsv1.3 "https://localhost:$port/healthz")
check "TLS 1.3 is accepted (got $code)" test "$code" = 200
curl -s -D login.h -o login.json $R --cacert cert.pem -H 'Content-Type: application/json' \
	-d '{"username":"tlsadmin","password":"a long password"}' "https://localhost:$port/api/v1/login"
check "login over TLS answers 200" grep -q '^HTTP/[0-9.]* 200' login.h
check "… and its session cookie is Secure" grep -qi '^set-cookie: ms_session=.*; Secure' login.h
cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(ms_session=[0-9a-f]*\).*/\1/p' login.h)
code=$(curl -s -o session.json -w '%{http_code}' $R --cacert cert.pem -H "Cookie: $cookie" "https://localhost:$port/api/v1/session")
check "GET /api/v1/session with the cookie answers 200 (got $code)" test "$code" = 200
check "the log says https" grep -q 'listening on https://127.0.0.1' tls.err
stop_server
check "the server stops on SIGTERM with exit 0 (got $srv_rc)" test "$srv_rc" = 0

# ---- the same from the configuration file ----
cat >tls.conf <<EOC
[database]
path = tls.db
[tls]
certificate = cert.pem
key = key.pem
EOC
start_server conf.err --config tls.conf
code=$(curl -s -o /dev/null -w '%{http_code}' --resolve "localhost:$port:127.0.0.1" --cacert cert.pem "https://localhost:${port:-1}/healthz")
check "serve --config with [tls] serves https (got $code)" test "$code" = 200
stop_server

# ---- wrong files are named before the server starts ----
run serve --listen 127.0.0.1:0 --tls-cert cert.pem --tls-key other.key; expect_rc 1
expect_err "does not belong to the certificate"
run serve --listen 127.0.0.1:0 --tls-cert nosuch.pem --tls-key key.pem; expect_rc 1
expect_err "cannot read nosuch.pem"
run serve --listen 127.0.0.1:0 --tls-cert cert.pem; expect_rc 2
expect_err "go together"
cp key.pem enc.key
openssl ec -in key.pem -aes256 -passout pass:secret -out enc.key 2>/dev/null
run serve --listen 127.0.0.1:0 --tls-cert cert.pem --tls-key enc.key; expect_rc 1
expect_err "unencrypted"
