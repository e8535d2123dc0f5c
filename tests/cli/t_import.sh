# Import (SPEC §2.5): row accounting, re-import, updates, corrections,
# stores: sqlite postgresql
# review, refusal, rejects file, revocation, GBK and TSV input.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db t) MINSHENG_ACCESS="$PWD/t.db.access"

run import households x.csv; expect_rc 1; expect_err "minsheng init"
run init; expect_rc 0
run init --json; expect_rc 0; expect_json "this.schema >= 2" true

cat > hh.csv <<'CSV'
户编号,区划代码,详细地址
H0001,440106001001,天河路1号
H0002,440106001001,"天河路2号,东门"
H0001,440106001001,重复的户
H0003,999999001001,坏区划

,440106001001,缺户编号
H0004,440305001001,深圳某路
CSV
run import households hh.csv --json --rejects rej.csv
expect_rc 0
expect_json "this.rows" 6
expect_json "this.accepted" 3
expect_json "this.rejected" 3
expect_json "this.review" 0
expect_json "this.batch" 1
check "rejects file names row 4 as duplicate of row 2" grep -q '^4,.*duplicate of row 2' rej.csv
check "rejects file has the bad area code on row 5" grep -q '^5,区划代码,area' rej.csv
check "rejects file has the missing key on row 7 (blank line counted)" grep -q '^7,户编号,missing' rej.csv
check "rejects file keeps the original row" grep -q '999999001001,坏区划' rej.csv

# the same bytes again: nothing changes, and it says so
run import households hh.csv --json; expect_rc 0
expect_json "this.already_imported" true
expect_json "this.batch" 1
run import households hh.csv; expect_rc 0; expect_out "已导入过"

cat > persons.csv <<'CSV'
身份证号,姓名,户编号,与户主关系,居住地区划,父亲身份证号,母亲身份证号,联系电话
440106195001010015,陈大明,H0001,户主,440106001001,,,13800138000
440106195203150024,李秀英,H0001,妻子,440106001001,,,
440106201006010039,陈小华,H0001,儿子,440106001001,440106195001010015,440106195203150024,
440305194511110059,黄伯,H0004,户主,440305001001,,,0755-8888 1234
440106195001010016,坏号码,H0001,子女,440106001001,,,
4401061950,短号码,H0001,子女,440106001001,,,
440604197005050077,林某,H0002,户主,440106001001,440106195091010015,,
440604201508080082,林小某,H0002,外甥,440106001001,,,
CSV
run import persons persons.csv --json; expect_rc 0
expect_json "this.rows" 8
expect_json "this.accepted" 4
expect_json "this.rejected" 4
expect_json "this.review" 0
run import rejects 2 --json; expect_rc 0
expect_json "this.length" 4
expect_json "this.map(r=>r.code).join()" "id_invalid,id_shape,id_invalid,enum"
expect_json "this[2].column" "父亲身份证号"

# a department feed: a typo fixed against the registry, a transposition,
# an invalid number with no same-name person (review), a valid stranger
cat > yibao.csv <<'CSV'
结算单号,身份证号,姓名,结算日期,医疗总费用,统筹支付,个人自付,医疗机构,备注
JS001,440106195091010015,陈大明,2026-03-01,"12,000.00",8000,4000.00,市一医院,住院
JS002,440305149511110059,黄伯,2026/3/2,500,300,200,区医院,
JS003,440106195001010016,不在库,20260303,100,50,50,诊所,
JS004,440604201508080082,林小某,2026年3月4日,80.5,40,40.5,诊所,
JS005,440106195001010015,陈大明,2026-02-30,1,1,0,诊所,
JS006,440106195001010015,陈大明,2026-03-06,1.234,1,0,诊所,
JS007,11010519491231002X,外省人,2026-03-07,100,50,50,诊所,
CSV
run import yibao yibao.csv --json; expect_rc 0
expect_json "this.rows" 7
expect_json "this.accepted" 4
expect_json "this.corrected" 2
expect_json "this.review" 1
expect_json "this.rejected" 2
expect_json "this.rows === this.accepted+this.unchanged+this.updated+this.rejected+this.review" true

run import review --json; expect_rc 0
expect_json "this.length" 1
expect_json "this[0].row" 4
rid=$(node -e 'console.log(JSON.parse(require("fs").readFileSync("stdout.txt","utf8"))[0].id)')
run import review link "$rid" 440106195099010015; expect_rc 1
run import review link "$rid" 440305194511110059 --as officer1; expect_rc 0
run import review link "$rid" 440305194511110059; expect_rc 1; expect_err "已处理"
run import review --json; expect_json "this.length" 0
run import review --all --json; expect_json "this[0].state" "linked"

# a second version of the file: unchanged, updated, accepted, duplicate
cat > yibao2.csv <<'CSV'
结算单号,身份证号,姓名,结算日期,医疗总费用,统筹支付,个人自付,医疗机构
JS001,440106195001010015,陈大明,2026-03-01,12000,8000,4000,市一医院
JS004,440604201508080082,林小某,2026-03-04,80.50,40,41.5,诊所
JS008,440604201508080082,林小某,2026-03-08,10,5,5,诊所
JS001,440106195001010015,陈大明,2026-03-01,12000,8000,4000,市一医院
CSV
run import yibao yibao2.csv --json; expect_rc 0
expect_json "[this.rows,this.accepted,this.unchanged,this.updated,this.rejected]" "[4,1,1,1,1]"

# shuffled columns with aliases, tab-separated, GBK-encoded
printf '公民身份号码\t类型\t姓名\t开始日期\t预计结束日期\n440106195001010015\t服刑在押\t陈大明\t2025-01-01\t2027-01-01\n440106195203150024\t社区矫正\t李秀英\t2025-05-01\t2025-04-01\n' | iconv -f UTF-8 -t GB18030 > sifa.tsv
run import sifa sifa.tsv --json; expect_rc 0
expect_json "this.encoding" "GB18030"
expect_json "[this.accepted,this.rejected]" "[1,1]"
run import rejects 5 --json; expect_json "this[0].code" "range"

# a missing required column refuses the whole file, naming it
printf '身份证号,姓名,结算日期\n440106195001010015,陈大明,2026-03-01\n' > bad.csv
run import yibao bad.csv; expect_rc 1; expect_err "结算单号"
run import nosuchfeed hh.csv; expect_rc 2; expect_err "yibao"
run import yibao; expect_rc 2
run import yibao missing.csv; expect_rc 1

# revocation withdraws a batch; its bytes cannot come back
run import list --json; expect_rc 0; expect_json "this.length" 5
run import revoke 4 --reason "测试撤销"; expect_rc 0
run import revoke 4; expect_rc 1
run import yibao yibao2.csv; expect_rc 1; expect_err "撤销"
run import list --json; expect_json "this.find(b=>b.batch===4).state" "revoked"
# the SQLite file's own check; PostgreSQL has no PRAGMA integrity_check
on_pg || check "database integrity" sh -c "sqlite3 '$MINSHENG_DB' 'PRAGMA integrity_check' | grep -qx ok"
