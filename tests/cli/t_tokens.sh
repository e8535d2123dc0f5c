# API tokens of department interfaces and second factors from the command
# stores: sqlite postgresql
# line (SPEC §6, §7): `user token add/list/revoke` with who may create and
# revoke them, feeds checked against the pack and only the token's SHA-256
# stored; `user totp` enrolment and removal with who may do each.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db t) MINSHENG_ACCESS="$PWD/t.db.access"
export MINSHENG_PWHASH=min
# the SQL goes to dbq on standard input too: psql takes a second argument as
# a user name, not as SQL
q() { dbq "$1" <<<"$1"; }

run init; expect_rc 0
run user add root --role admin --scope 44 <<<"admin-password"; expect_rc 0
run user add city --role admin --scope 4401 --as root <<<"admin-password"; expect_rc 0
run user add other --role admin --scope 4403 --as root <<<"admin-password"; expect_rc 0
run user add off --role officer --scope 4401 --as root <<<"officer-password"; expect_rc 0
run user add up --role uploader --scope 4401 --as root <<<"uploader-password"; expect_rc 0
run user add up3 --role uploader --scope 4403 --as root <<<"uploader-password"; expect_rc 0

run user --help; expect_rc 0; expect_out "token add NAME --feeds"; expect_out "totp NAME"

# ---- tokens ----
run user token add up --feeds "yibao, canlian" --label "医保局接口" --as city; expect_rc 0
expect_err "只显示这一次"
TOK=$out
check "the token is 64 hex digits" grep -qxE '[0-9a-f]{64}' stdout.txt
check "the store keeps the token's SHA-256" \
	test "$(q 'SELECT token_hash FROM api_token WHERE id = 1')" = "$(printf %s "$TOK" | sha256sum | cut -d' ' -f1)"
# the SQLite file with its -wal and -shm, or a dump of the PostgreSQL database
# (which must succeed and hold the token's hash: an empty dump proves nothing)
token_nowhere() {
	if on_pg; then
		local dump
		dump=$(pg_dump --data-only "$MINSHENG_DB") || return 1
		grep -qF "$2" <<<"$dump" && ! grep -qF "$1" <<<"$dump"
	else
		! cat "$MINSHENG_DB"* | grep -qaF "$1"
	fi
}
check "the token itself is nowhere in the database" token_nowhere "$TOK" "$(printf %s "$TOK" | sha256sum | cut -d' ' -f1)"
check "feeds are kept without spaces" test "$(q 'SELECT feeds FROM api_token WHERE id = 1')" = "yibao,canlian"
check "the creator is recorded" test "$(q 'SELECT created_by FROM api_token WHERE id = 1')" = "city"

run user token add up3 --feeds yibao --as other --json; expect_rc 0
expect_json "this.id" 2
expect_json "this.token.length" 64
expect_json "this.user" up3
run user token add up --feeds jiaoguan; expect_rc 0   # the server's operator

# refusals: unknown feeds, users that are not uploaders, actors without rights
run user token add up --feeds yibao,nosuch --as city; expect_rc 2; expect_err "nosuch"; expect_err "unknown feed"
run user token add up --feeds "yibao,,canlian" --as city; expect_rc 2
run user token add off --feeds yibao --as root; expect_rc 1; expect_err "uploader"
run user token add up --feeds yibao --as off; expect_rc 1; expect_err "only an admin"
run user token add up --feeds yibao --as up; expect_rc 1; expect_err "only an admin"
run user token add up --feeds yibao --as other; expect_rc 1; expect_err "outside"
run user token add up --feeds yibao --as nobody; expect_rc 1
run user token add ghost --feeds yibao --as root; expect_rc 1; expect_err "ghost"
run user token add up --as root; expect_rc 2; expect_err "--feeds"
run user token add --feeds yibao --as root; expect_rc 2
run user token add up --feeds yibao --label "$(printf 'x%.0s' $(seq 1 101))" --as root; expect_rc 1
run user token; expect_rc 2
run user token frob; expect_rc 2
run user list --feeds yibao; expect_rc 2
check "refusals stored nothing" test "$(q 'SELECT count(*) FROM api_token')" = 3

# listing: admins see the tokens of users in their scope, never the tokens
run user token list --json; expect_rc 0
expect_json "this.length" 3
expect_json "this.map(t => t.id).join()" "1,2,3"
expect_json "this[0].feeds.join()" "yibao,canlian"
expect_json "this[0].label" "医保局接口"
expect_json "this[0].revoked" false
expect_json "'token' in this[0] || 'token_hash' in this[0]" false
run user token list --as city --json; expect_rc 0
expect_json "this.map(t => t.id).join()" "1,3"
run user token list --as other --json; expect_rc 0
expect_json "this.map(t => t.user).join()" "up3"
run user token list --as off; expect_rc 1; expect_err "only an admin"
run user token list; expect_rc 0; expect_out "医保局接口"; expect_no_out "$TOK"
run user token list extra; expect_rc 2

# revoking
run user token revoke 1 --as off; expect_rc 1
run user token revoke 1 --as other; expect_rc 1; expect_err "outside"
run user token revoke 1 --as city; expect_rc 0; expect_out "revoked"
check "revoked with its time" test -n "$(q 'SELECT revoked FROM api_token WHERE id = 1')"
run user token list --as city --json; expect_rc 0
expect_json "this.map(t => t.revoked).join()" "true,false"
run user token revoke 2 --json; expect_rc 0; expect_json "this.id" 2
run user token revoke 99 --as root; expect_rc 1; expect_err "99"
run user token revoke abc --as root; expect_rc 2
run user token revoke 0 --as root; expect_rc 2
run user token revoke --as root; expect_rc 2

# ---- second factor ----
run user totp off --as off; expect_rc 0
expect_out "otpauth://totp/minsheng:off?secret="
expect_out "issuer=minsheng"
expect_err "只显示这一次"
S1=$(sed -n 's/^密钥 secret: //p' stdout.txt)
check "the secret is 32 base32 characters" grep -qxE '[A-Z2-7]{32}' <<<"$S1"
check "the store holds the secret shown" test "$(q "SELECT totp_secret FROM app_user WHERE name = 'off'")" = "$S1"
check "the URI carries the secret" grep -qF "secret=$S1&" stdout.txt

run user totp off --as city --json; expect_rc 0
expect_json "this.uri === 'otpauth://totp/minsheng:off?secret=' + this.secret + '&issuer=minsheng'" true
S2=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0,"utf8")).secret)' <stdout.txt)
check "enrolling again gives a new secret" test "$S1" != "$S2"
run user totp off --as up; expect_rc 1; expect_err "only an admin"
run user totp off --as other; expect_rc 1; expect_err "outside"
run user totp ghost --as root; expect_rc 1
run user totp; expect_rc 2
run user totp off --feeds yibao; expect_rc 2
check "refusals kept the secret" test "$(q "SELECT totp_secret FROM app_user WHERE name = 'off'")" = "$S2"

run user totp off --remove --as off; expect_rc 1; expect_err "only an admin"
run user totp off --remove --as other; expect_rc 1
check "still enrolled" test -n "$(q "SELECT totp_secret FROM app_user WHERE name = 'off'")"
run user totp off --remove --as city; expect_rc 0; expect_out "removed"
check "the secret is gone" test "$(q "SELECT count(*) FROM app_user WHERE totp_secret IS NOT NULL")" = 0
run user totp up3 --remove; expect_rc 0   # the server's operator
run user disable off --remove --as root; expect_rc 2
