# Scheduling as systemd timers (packaging/minsheng-*.timer, .service;
# docs/operations.md): the units are well formed (systemd-analyze verify
# when there is one) and every command they run exists; `backups next` and
# `backups rotate` name and rotate backup sets made by `minsheng backup`
# (defaults from the configuration's [scheduler]); `anchors copy` copies
# the access log's anchor files, only ever growing the copy, and reports a
# copy that disagrees with its source.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB="$PWD/p.db"
export MINSHENG_PWHASH=min
P="$ROOT/packaging"

# ---- the units ----
for u in scan remind backup anchor; do
	check "minsheng-$u.timer names its service and a calendar" grep -q "^Unit=minsheng-$u.service" "$P/minsheng-$u.timer"
	check "minsheng-$u.timer has OnCalendar= and is wanted by timers.target" sh -c "grep -q '^OnCalendar=' '$P/minsheng-$u.timer' && grep -q '^WantedBy=timers.target' '$P/minsheng-$u.timer'"
	check "minsheng-$u.service is a oneshot as user minsheng" sh -c "grep -q '^Type=oneshot' '$P/minsheng-$u.service' && grep -q '^User=minsheng' '$P/minsheng-$u.service'"
done
# every minsheng command a unit runs exists (its --help answers 0)
grep -ho '/usr/bin/minsheng [a-z-]*' "$P"/minsheng-*.service | sort -u | awk '{ print $2 }' >cmds.txt
check "the units run commands ($(tr '\n' ' ' <cmds.txt))" test "$(wc -l <cmds.txt)" -ge 5
while read -r c; do
	run "$c" --help; expect_rc 0
done <cmds.txt
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir units && cp "$P"/minsheng-*.timer "$P"/minsheng-*.service units/
	sed -i "s|/usr/bin/minsheng|$MINSHENG|g" units/*.service
	systemd-analyze verify units/*.timer units/*.service >verify.txt 2>&1
	check "systemd-analyze verify: no problem but the man page" sh -c "! grep -v 'man minsheng(1)' verify.txt | grep -q ."
fi

# ---- backups: next, rotate ----
run init; expect_rc 0
run audit append --user root --action export --object test --ref t1; expect_rc 0
mkdir bk
run backups next bk; expect_rc 0
check "next names bk/minsheng-YYYYMMDDTHHMMSS.db" sh -c "echo '$out' | grep -Eq '^bk/minsheng-[0-9]{8}T[0-9]{6}\.db$'"
run backup "$out"; expect_rc 0
check "the backup made a set (db, .access, .anchors)" sh -c 'ls bk/minsheng-*.db.access >/dev/null && ls -d bk/minsheng-*.db.anchors >/dev/null'
# four older fake sets and a file that is not a backup
for s in 20260101T020000 20260102T020000 20260103T020000 20260104T020000; do
	: >"bk/minsheng-$s.db"; : >"bk/minsheng-$s.db.access"; mkdir "bk/minsheng-$s.db.anchors"; : >"bk/minsheng-$s.db.anchors/2026-01-01"
done
: >bk/notes.txt
run backups list bk --json; expect_rc 0
expect_json "this.sets.length" 5
run backups rotate bk --keep 3 --dry-run --json; expect_rc 0
expect_json "this.removed.join()" "minsheng-20260101T020000.db,minsheng-20260102T020000.db"
check "a dry run removes nothing" test "$(ls bk | wc -l)" = 16
run backups rotate bk --keep 3; expect_rc 0
check "the two oldest sets are gone, with their companions" sh -c '! ls bk | grep -q "2026010[12]T"'
check "the newest three sets and the other file stay" test "$(ls bk/minsheng-*.db | wc -l)/$(ls bk/notes.txt)" = "3/bk/notes.txt"
printf '[scheduler]\nbackup_dir = %s/bk\nbackup_keep = 1\n' "$PWD" >sched.conf
MINSHENG_CONFIG=$PWD/sched.conf run backups rotate --json; expect_rc 0
expect_json "this.keep" 1
check "the configuration's folder and count apply: one set left" test "$(ls bk/minsheng-*.db | wc -l)" = 1
check "the set left is the real backup" test "$(ls bk/minsheng-*.db)" = "$(ls bk/minsheng-*.db | grep -v 20260)"
run backups rotate; expect_rc 2; expect_err "backup_dir"
run backups rotate bk --keep 0; expect_rc 2

# ---- anchors: copy, grow, disagree ----
run anchors copy --to copy --json; expect_rc 0
expect_json "this.copied" 1
run anchors copy --to copy --json; expect_rc 0
expect_json "this.unchanged" 1
run audit verify --anchors copy; expect_rc 0
run audit append --user root --action export --object test --ref t2; expect_rc 0
run anchors copy --to copy --json; expect_rc 0
expect_json "this.copied" 1
check "the copy equals the source" diff -r p.db.anchors copy
# the source edited: the copy is not overwritten, the command fails
DAY=$(ls p.db.anchors | head -1)
cp "copy/$DAY" saved
sed -i '1s/ [0-9a-f]\{8\}/ deadbeef/' "p.db.anchors/$DAY"
run anchors copy --to copy --json; expect_rc 1
expect_json "this.conflicts" 1
expect_err "prefix"
check "the copy kept its lines" cmp saved "copy/$DAY"
run audit verify --anchors copy; expect_rc 0
run audit verify; expect_rc 1
printf '[scheduler]\nanchor_copy_dir = %s/copy2\n' "$PWD" >anchor.conf
mkdir copy2
MINSHENG_CONFIG=$PWD/anchor.conf MINSHENG_DB=$PWD/p.db run anchors copy --json; expect_rc 0
check "the configuration's folder received the files" test -s "copy2/$DAY"
run anchors copy; expect_rc 2; expect_err "anchor_copy_dir"
