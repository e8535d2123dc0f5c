# nginx in front of minsheng, with the configuration of docs/deploy.md
# (packaging/nginx-minsheng.conf, its ports and paths substituted): TLS at
# nginx with a self-signed certificate made here, login and
# /api/v1/session through it, the Secure cookie and HSTS, /metrics kept
# inside, the client's
# address passed on with X-Forwarded-For and believed from the trusted
# proxy only, the upload limit (client_max_body_size) answered by nginx.
# nginx runs as a foreground process with its files in this folder.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_PWHASH=min
unset MINSHENG_DB http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
	echo "ok 1 - nginx in front of minsheng # SKIP nginx is not installed (scripts/install-deps installs nginx-light)"
	exit 0
fi

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})'; }
spid=""; npid=""
stop_all() {
	for p in $npid $spid; do
		kill -TERM "$p" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	npid=""; spid=""
}
trap stop_all EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
	-keyout tls.key -out tls.pem -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null

# the server, as docs/deploy.md configures it behind nginx
SPORT=$(free_port)
cat >minsheng.conf <<EOC
[database]
path = ms.db
[server]
listen = 127.0.0.1:$SPORT
trusted_proxy = 127.0.0.1
cookie_secure = yes
upload_limit_mb = 1
[log]
format = json
EOC
run --config minsheng.conf init; expect_rc 0
printf 'a long password\n' | "$MINSHENG" --config minsheng.conf user add ngadmin --role admin --scope 44 >/dev/null 2>&1
"$MINSHENG" serve --config minsheng.conf >/dev/null 2>server.err &
spid=$!
for _ in $(seq 1 100); do grep -q listening server.err 2>/dev/null && break; sleep 0.1; done
check "minsheng listens on 127.0.0.1:$SPORT" grep -q "listening on http://127.0.0.1:$SPORT" server.err

# nginx: the site file of the documentation, on free loopback ports
NPORT=$(free_port); HPORT=$(free_port)
mkdir -p ngx/tmp
sed -e "s|listen 80;|listen 127.0.0.1:$HPORT;|" -e '/listen \[::\]/d' \
	-e "s|listen 443 ssl http2;|listen 127.0.0.1:$NPORT ssl http2;|" \
	-e "s|/etc/ssl/minsheng/fullchain.pem|$PWD/tls.pem|" \
	-e "s|/etc/ssl/minsheng/privkey.pem|$PWD/tls.key|" \
	-e "s|http://127.0.0.1:8080|http://127.0.0.1:$SPORT|" \
	-e "s|client_max_body_size 512m;|client_max_body_size 1m;|" \
	-e "s|/var/log/nginx/|$PWD/ngx/|" \
	"$ROOT/packaging/nginx-minsheng.conf" >ngx/site.conf
check "the site file's ports and paths were substituted" grep -q "proxy_pass http://127.0.0.1:$SPORT;" ngx/site.conf
user=""; [ "$(id -u)" = 0 ] && user="user root;"
cat >ngx/nginx.conf <<EOC
$user
worker_processes 1;
error_log $PWD/ngx/error.log;
pid $PWD/ngx/nginx.pid;
events { worker_connections 64; }
http {
	access_log $PWD/ngx/access.log;
	client_body_temp_path $PWD/ngx/tmp/body;
	proxy_temp_path $PWD/ngx/tmp/proxy;
	fastcgi_temp_path $PWD/ngx/tmp/fastcgi;
	uwsgi_temp_path $PWD/ngx/tmp/uwsgi;
	scgi_temp_path $PWD/ngx/tmp/scgi;
	include $PWD/ngx/site.conf;
}
EOC
"$NGINX" -t -q -p "$PWD/ngx" -e "$PWD/ngx/error.log" -c "$PWD/ngx/nginx.conf" 2>nginx-t.err
check "nginx -t accepts the configuration" test $? -eq 0
"$NGINX" -p "$PWD/ngx" -e "$PWD/ngx/error.log" -c "$PWD/ngx/nginx.conf" -g 'daemon off;' 2>nginx.err &
npid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null -m 1 "http://127.0.0.1:$HPORT/" && break; sleep 0.1; done

R="--resolve localhost:$NPORT:127.0.0.1 --cacert tls.pem"
H="https://localhost:$NPORT"
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HPORT/healthz")
check "plain HTTP is redirected to https ($code)" sh -c "echo '$code' | grep -q '^301 https://'"
code=$(curl -s -o healthz.json -w '%{http_code}' $R "$H/healthz")
check "GET /healthz through nginx answers 200 (got $code)" test "$code" = 200
curl -s -D login.h -o login.json $R -H 'Content-Type: application/json' \
	-H 'X-Forwarded-For: 198.51.100.77' \
	-d '{"username":"ngadmin","password":"a long password"}' "$H/api/v1/login"
check "login through nginx answers 200" grep -q '^HTTP/[0-9.]* 200' login.h
check "… the session cookie is Secure" grep -qi '^set-cookie: ms_session=.*; Secure' login.h
check "… HSTS is set by nginx" grep -qi '^strict-transport-security: max-age=31536000' login.h
check "… and minsheng's own security headers pass through" grep -qi '^x-frame-options: DENY' login.h
cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(ms_session=[0-9a-f]*\).*/\1/p' login.h)
code=$(curl -s -o session.json -w '%{http_code}' $R -H "Cookie: $cookie" "$H/api/v1/session")
curl -s -o /dev/null $R -H "Cookie: $cookie" "$H/api/v1/persons/440106199001011234"
curl -s -o /dev/null $R -H "Cookie: $cookie" "$H/api/v1/search?q=13812345678"
check "GET /api/v1/session through nginx answers 200 (got $code)" test "$code" = 200
check "… with the user" grep -q '"ngadmin"' session.json
# the client as minsheng sees it: nginx's view of the peer (127.0.0.2 here),
# not what the client claimed in its own X-Forwarded-For
curl -s -o /dev/null --interface 127.0.0.2 $R -H "Cookie: $cookie" \
	-H 'X-Forwarded-For: 198.51.100.77' "$H/api/v1/session?probe=1"
sleep 0.3
last=$(grep '"route":"/api/v1/session"' server.err | tail -n 1)
check "minsheng logs the client address nginx saw (127.0.0.2)" sh -c "echo '$last' | grep -q '\"addr\":\"127.0.0.2\"'"
check "… never the address the client claimed" sh -c "! grep -q 198.51.100.77 server.err"
code=$(curl -s -o /dev/null -w '%{http_code}' $R "$H/metrics")
check "/metrics is not served through nginx (got $code)" test "$code" = 403
# uploads past client_max_body_size are stopped at nginx
head -c 2000000 /dev/zero >big.bin
csrf=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync("login.json","utf8")).csrf)')
code=$(curl -s -o /dev/null -w '%{http_code}' $R -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf" \
	--data-binary @big.bin "$H/api/v1/imports?feed=yibao&name=big.csv")
check "an upload over client_max_body_size gets 413 from nginx (got $code)" test "$code" = 413
stop_all
check "nginx's site logs exist" test -s ngx/minsheng.access.log
check "… and hold no identity or mobile number, nor any path" sh -c "! cat ngx/minsheng.*.log |
	grep -qE '440106199001011234|13812345678|/api/v1'"
check "nginx logged no error" sh -c "! grep -E '\[(emerg|alert|crit|error)\]' ngx/error.log ngx/minsheng.error.log"
cat ngx/minsheng.access.log >>nginx-access.err
