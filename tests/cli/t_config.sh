# The configuration file and `minsheng doctor`. config check: every problem
# as file:line, in Chinese and English, exit 1; a valid file exit 0. The
# order of the database and the pack: option, environment, configuration,
# default, for init, serve and the rest, and config show says which. A
# broken file stops a command before it touches a database. serve takes its
# address and log format from the file, options win. doctor: all well
# (exit 0), then a broken configuration, a missing and a damaged database,
# a tampered access log, a certificate near its end or with the wrong key,
# missing web files, files of another owner; --json.
export MINSHENG_PWHASH=min
unset MINSHENG_DB MINSHENG_PACK http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
PACK="$ROOT/policy/guangdong"
mkdir -p etc data web
echo '<!doctype html><title>民生</title>' >web/index.html
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
	-keyout etc/key.pem -out etc/cert.pem -subj /CN=localhost 2>/dev/null
cat >etc/minsheng.conf <<EOC
; a configuration with relative paths, taken from its folder
[database]
path = ../data/ms.db
[server]
listen = 127.0.0.1:0
static = ../web
[tls]
certificate = cert.pem
key = key.pem
[pack]
path = $PACK
[log]
format = json
level = info
EOC
C=$PWD/etc/minsheng.conf

# ---- config check ----
run config check "$C"; expect_rc 0; expect_out "the configuration is valid"
cat >etc/bad.conf <<'EOC'
[database]
path = ../data/ms.db
access_hash = md5
[server]
listen = localhost
threads = 65
[scheduler]
nightly_scan = 2:00
backup_keep = 0
anchor_copy_dir = /nonexistent/anchors
[sever]
listen = 1
EOC
run config check etc/bad.conf; expect_rc 1
expect_err "etc/bad.conf:3: [database] access_hash 应为 sha256 或 sm3"
expect_err "must be sha256 or sm3, not \"md5\""
expect_err "etc/bad.conf:5: [server] listen"
expect_err "etc/bad.conf:6: [server] threads"
expect_err "etc/bad.conf:8: [scheduler] nightly_scan 应为 HH:MM"
expect_err "etc/bad.conf:9: [scheduler] backup_keep"
expect_err "etc/bad.conf:12: 未知的节 [sever]"
expect_err "6 problems"
run config check etc/bad.conf --json; expect_rc 1
# (the keys of an unknown section are not reported one by one)
expect_json 'this.problems.map(p => p.line).join(",")' "3,5,6,8,9,12"
printf '[scheduler]\nanchor_copy_dir = /nonexistent/anchors\nbackup_dir = %s\n' "$PWD" >etc/paths.conf
run config check etc/paths.conf; expect_rc 1
expect_err "etc/paths.conf:2: 锚点副本目录 /nonexistent/anchors 不存在"
run config check nosuch.conf; expect_rc 1; expect_err "cannot read the configuration"
MINSHENG_CONFIG=none run config check; expect_rc 1; expect_err "no configuration file"
export MINSHENG_CONFIG=none
run config check; expect_rc 1; expect_err "no configuration file"
unset MINSHENG_CONFIG
MINSHENG_CONFIG=$C "$MINSHENG" config check >stdout.txt 2>&1
check "config check takes \$MINSHENG_CONFIG" grep -q "valid: $C" stdout.txt

# ---- the database: option, environment, configuration, default ----
run --config "$C" init; expect_rc 0
check "init --config creates the configured database (relative to the file)" test -f data/ms.db
export MINSHENG_DB=$PWD/env.db
run --config "$C" init; expect_rc 0
check "MINSHENG_DB wins over the configuration" test -f env.db
run --config "$C" --db "$PWD/opt.db" init; expect_rc 0
check "--db wins over MINSHENG_DB" test -f opt.db
run --config "$C" config show; expect_rc 0
expect_out "path = $PWD/env.db"; expect_out "env MINSHENG_DB"
unset MINSHENG_DB
run --config "$C" config show; expect_rc 0
expect_out "path = $PWD/data/ms.db"; expect_out "; line 3"
expect_out "listen = 127.0.0.1:0"; expect_out "certificate = $PWD/etc/cert.pem"
expect_out "idle_minutes = 30"; expect_out "; default"
run --config "$C" config show --json; expect_rc 0
expect_json 'this.settings["database.path"].source' "line 3"
expect_json 'this.settings["pack.path"].value' "$PACK"
export MINSHENG_PACK=$PWD/nosuch-pack
run --config "$C" config show --json
expect_json 'this.settings["pack.path"].source' "env MINSHENG_PACK"
unset MINSHENG_PACK
printf '[database]\npath = postgresql://ms:hunter2@db.local/ms\n' >etc/url.conf
run --config etc/url.conf config show
check "config show never prints a password" sh -c '! grep -q hunter2 stdout.txt && grep -q "ms:\*\*\*@db.local" stdout.txt'

# a broken file stops a command before it opens a database
cd data
run --config ../etc/bad.conf init; expect_rc 1
expect_err "配置文件有误 (configuration error)"; expect_err "bad.conf:3:"
check "… and nothing was created in the working folder" test ! -e minsheng.db
cd ..

# ---- serve from the configuration ----
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
rm -f port
"$MINSHENG" serve --config "$C" --port-file "$PWD/port" 2>serve.err >/dev/null &
pid=$!
for _ in $(seq 1 100); do [ -s port ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
port=$(cat port 2>/dev/null)
code=$(curl -s -o /dev/null -w '%{http_code}' --resolve "localhost:${port:-1}:127.0.0.1" \
	--cacert etc/cert.pem "https://localhost:${port:-1}/")
check "serve --config: TLS, the database and the web files of the file (GET / $code)" test "$code" = 200
stop_server
check "… logging JSON lines as configured" grep -q '^{"time":.*"msg":"minsheng serve: configuration' serve.err
"$MINSHENG" serve --config "$C" --port-file "$PWD/port" --log-format text 2>serve2.err >/dev/null &
pid=$!
for _ in $(seq 1 100); do grep -q listening serve2.err 2>/dev/null && break; sleep 0.1; done
stop_server
check "--log-format wins over the file" grep -qE '^[0-9-]{10}T.* info  minsheng serve: listening on https' serve2.err
run serve --config etc/bad.conf; expect_rc 1; expect_err "bad.conf:3:"

# ---- doctor ----
disk_ok() { [ "$(df -P data | awk 'NR==2 { print int($4 / 1024 / 1024) }')" -ge 2 ] &&
	[ "$(df -P data | awk 'NR==2 { sub("%", "", $5); print (100 - $5 >= 10) }')" = 1 ]; }
chmod 700 data
run --config "$C" doctor --json
if disk_ok; then expect_rc 0; else _ok "doctor: the disk is short of space here, exit 1 expected"; fi
expect_json 'this.checks.map(c => c.check).join(",")' "config,database,disk,files,access_log,pack,web,tls"
expect_json 'this.checks.filter(c => c.check !== "disk" && c.state !== "ok").map(c => c.check + ": " + c.detail).join("; ")' ""
run --config "$C" doctor
expect_out "[正常 ok  ] 数据库 database"; expect_out "quick_check ok"
expect_out "valid until"

# an access log with entries, then one anchor line changed
run --config "$C" audit append --user auditor1 --action export --object batch --ref 7; expect_rc 0
run --config "$C" doctor --json
expect_json 'this.checks.find(c => c.check === "access_log").state' ok
anchor=$(ls data/ms.db.anchors/* | tail -n 1)
cp "$anchor" anchor.bak
sed -i '$ s/[0-9a-f]\{64\}$/0000000000000000000000000000000000000000000000000000000000000000/' "$anchor"
run --config "$C" doctor --json; expect_rc 1
expect_json 'this.checks.find(c => c.check === "access_log").state' fail
expect_json '/disagrees/.test(this.checks.find(c => c.check === "access_log").detail)' true
cp anchor.bak "$anchor"

# a certificate with another key, one near its end, missing web files
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 10 \
	-keyout etc/short.key -out etc/short.pem -subj /CN=short 2>/dev/null
sed -e 's/^key = key.pem/key = short.key/' "$C" >etc/wrongkey.conf
run --config etc/wrongkey.conf doctor --json; expect_rc 1
expect_json 'this.checks.find(c => c.check === "tls").state' fail
expect_json '/does not belong/.test(this.checks.find(c => c.check === "tls").detail)' true
sed -e 's/^key = key.pem/key = short.key/' -e 's/^certificate = cert.pem/certificate = short.pem/' \
	-e 's|^static = ../web|static = ../data|' "$C" >etc/short.conf
run --config etc/short.conf doctor --json; expect_rc 1
expect_json 'this.checks.find(c => c.check === "tls").state' warn
expect_json '/days left/.test(this.checks.find(c => c.check === "tls").detail)' true
expect_json 'this.checks.find(c => c.check === "web").state' fail

# a broken configuration: reported, and the other checks still run
run --config etc/bad.conf doctor --json; expect_rc 1
expect_json 'this.checks.find(c => c.check === "config").state' fail
expect_json 'this.checks.find(c => c.check === "database").state' ok
run --config etc/bad.conf doctor; expect_rc 1
expect_out "[错误 FAIL] 配置 configuration"; expect_out "修复 fix:"

# a missing database, a damaged one
run --config "$C" --db "$PWD/none.db" doctor --json; expect_rc 1
expect_json 'this.checks.find(c => c.check === "database").state' fail
expect_json '/minsheng init/.test(this.checks.find(c => c.check === "database").fix)' true
cp data/ms.db damaged.db
size=$(stat -c %s damaged.db)
dd if=/dev/urandom of=damaged.db bs=4096 seek=3 count=$(( size / 4096 - 4 )) conv=notrunc 2>/dev/null
run --config "$C" --db "$PWD/damaged.db" doctor --json; expect_rc 1
expect_json 'this.checks.find(c => c.check === "database").state' fail

# a file of the data folder owned by someone else (as root: what `minsheng
# init` run by root leaves behind)
if [ "$(id -u)" = 0 ]; then
	chown nobody "$anchor"
	run --config "$C" doctor --json; expect_rc 1
	expect_json 'this.checks.find(c => c.check === "files").state' warn
	expect_json '/chown -R minsheng/.test(this.checks.find(c => c.check === "files").fix)' true
	chown "$(id -u)" "$anchor"
fi
chmod 755 data
chmod 644 data/ms.db
run --config "$C" doctor --json
expect_json 'this.checks.find(c => c.check === "files").state' warn
expect_json '/readable by every user/.test(this.checks.find(c => c.check === "files").detail)' true
