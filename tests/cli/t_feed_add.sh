# Adding a feed is a file, not C: a 14th department feed defined in a copy
# stores: sqlite postgresql
# of the pack is imported by the same binary, with its own types and key.
cp -r "$ROOT/policy/guangdong" pack
cat > pack/feeds/zhujian.ini <<'INI'
; 住房公积金 — 住建（示例：省里新增的第14个数据源）
[feed]
name = zhujian
title = 住房公积金缴存
department = 住建
kind = department
key = 身份证号+缴存月份
person = 身份证号
name_column = 姓名
area = 居住地区划

[column.身份证号]
type = idnum
required = yes
aliases = 证件号码

[column.姓名]
type = text
required = yes

[column.缴存月份]
type = month
required = yes

[column.月缴存额]
type = money
required = yes
aliases = 缴存额

[column.居住地区划]
type = area
required = no
INI
export MINSHENG_DB=$(fresh_db f) MINSHENG_ACCESS="$PWD/f.db.access" MINSHENG_PACK="$PWD/pack"
run init; expect_rc 0
printf '证件号码,姓名,缴存月份,缴存额,备注\n440106195001010015,陈大明,2026-05,"1,200.00",x\n440106195001010015,陈大明,2026年6月,1300,\n440106195001010015,陈大明,2026-06,1300,重复\n440106195001010015,陈大明,2026-13,1300,\n' > zj.csv
run import zhujian zj.csv --json; expect_rc 0
expect_json "[this.rows, this.accepted, this.rejected]" "[4,2,2]"
run import rejects 1 --json
expect_json "this.map(r => r.code).join()" "duplicate,month"
run rules check --json; expect_rc 0; expect_json "this.feeds" 18
# the bundled pack does not know it
MINSHENG_PACK="$ROOT/policy/guangdong" run import zhujian zj.csv; expect_rc 2; expect_err "zhujian"
# a broken definition is refused with the file named
printf '[feed]\nname = bad feed\n' > pack/feeds/bad.ini
run import zhujian zj.csv; expect_rc 1; expect_err "bad.ini"
