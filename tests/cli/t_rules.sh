# Rules (SPEC §3): the bundled pack loads, lists and compiles; its rule tests
# pass; every comparison in the rules is pinned by a test (mutation test);
# a 19th rule runs from a copy of the pack without rebuilding; pack errors
# give file:line:column; dated parameter values.
PACK="$ROOT/policy/guangdong"
export MINSHENG_PACK="$PACK"

# json_field FILE EXPR — evaluates EXPR over the JSON in FILE
json_field() {
	node -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const v=(function(){return eval(process.argv[2]);}).call(o); process.stdout.write(String(v));' "$1" "$2" 2>/dev/null
}

# --- (a) check, list, plan ---------------------------------------------------
run rules check; expect_rc 0; expect_out "18 条规则 rules"
run rules check --json; expect_rc 0
expect_json "this.rules" 18
expect_json "this.feeds >= 17" true
run rules list --json; expect_rc 0
expect_json "this.rules.map(r=>r.id).join()" "R01,R02,R03,R04,R05,R06,R07,R08,R09,R10,R11,R12,R13,R14,R15,R16,R17,R18"
expect_json "this.rules.filter(r=>r.subject==='household').map(r=>r.id).join()" "R09,R10,R11,R12"
expect_json "this.rules.find(r=>r.id==='R05').kind" "risk"
expect_json "this.params.find(p=>p.name==='dibao_std').values.length" 5
expect_json "this.params.find(p=>p.name==='medical_oop_threshold').values.map(v=>v.area).join()" "44,4401,4403"
run rules list; expect_rc 0; expect_out "因病致贫风险"; expect_out "dibao_std"
run rules plan R05; expect_rc 0
expect_out "reduce_rows_to_persons"
expect_out "yibao.个人自付"
expect_out "param.medical_oop_threshold"
run rules plan R12; expect_rc 0; expect_out "param.dibao_std"
run rules plan R99; expect_rc 1; expect_err "R99"
run rules frobnicate; expect_rc 2

# --- (b) the bundled rule tests ----------------------------------------------
run rules test; expect_rc 0; expect_out "0 failed"
run rules test --json; expect_rc 0
expect_json "this.failed" 0
expect_json "this.cases === this.passed" true
expect_json "this.cases >= 60" true
expect_json "this.agreement_checks > 0" true
for r in R01 R02 R03 R04 R05 R06 R07 R08 R09 R10 R11 R12 R13 R14 R15 R16 R17 R18; do
	check "a test case expects $r to fire" grep -qE "^expect $r " "$PACK"/tests/*.test
done

# --- (c) mutation test: flip each comparison, one at a time --------------------
# flip FILE N prints FILE with its Nth comparison operator (outside strings
# and comments) flipped: >= into >, <= into <, > into >=, < into <=.
flip() {
	LC_ALL=C awk -v want="$2" '
	{
		line = $0; out = ""; L = length(line); inq = 0; code = 1; i = 1
		while (i <= L) {
			c = substr(line, i, 1)
			if (code && !inq && (c == ">" || c == "<")) {
				two = substr(line, i + 1, 1) == "="
				k++
				if (k == want) out = out (two ? c : c "=")
				else out = out c (two ? "=" : "")
				i += two ? 2 : 1
				continue
			}
			if (code && c == "\"") inq = !inq
			else if (code && !inq && c == "#") code = 0
			out = out c; i++
		}
		print out
	}' "$1"
}
total=0; killed=0; survivors=""
for rf in "$PACK"/rules/*.rule; do
	base=$(basename "$rf")
	nops=$(sed 's/#.*//' "$rf" | grep -oE '>=|<=|>|<' | wc -l)
	for i in $(seq 1 "$nops"); do
		total=$((total + 1))
		rm -rf mutant && cp -r "$PACK" mutant
		flip "$rf" "$i" >mutant/rules/"$base"
		changed=$(diff <(sed 's/#.*//' "$rf") <(sed 's/#.*//' mutant/rules/"$base") | grep -c '^>')
		what=$(diff <(sed 's/#.*//' "$rf") <(sed 's/#.*//' mutant/rules/"$base") | grep '^>' | sed 's/^> *//' | head -c 160)
		"$MINSHENG" rules test --pack mutant --json >mutant.json 2>mutant.err; mrc=$?
		failed=$(json_field mutant.json "this.failed")
		if [ "$changed" -eq 1 ] && [ "$mrc" -eq 1 ] && [ "${failed:-0}" -gt 0 ]; then
			killed=$((killed + 1))
			_ok "mutant $base #$i killed ($failed failing cases): $what"
		else
			survivors="$survivors $base#$i"
			_nok "mutant $base #$i survived (exit $mrc, failed ${failed:-?}): $what"
			head -c 300 mutant.err | sed 's/^/# /'
		fi
	done
done
echo "# mutants killed: $killed of $total${survivors:+ (survived:$survivors)}"
check "there are comparisons to mutate (found $total)" test "$total" -ge 18
check "every mutant is killed ($killed of $total)" test "$killed" -eq "$total"
rm -rf mutant mutant.json mutant.err

# --- (d) a 19th rule in a copy of the pack, no rebuild ----------------------------
cp -r "$PACK" pack19
cat >pack19/rules/visits.rule <<'RULE'
# R19 重度残疾老人独居：60 岁以上的重度残疾人，家中只有他一名在世成员，需上门探访。
rule R19 "重度残疾老人独居"
  subject person
  kind visit
  when
    alive and age >= 60 and severe
    and household.living_members = 1
end
RULE
cat >pack19/tests/r19_alone.test <<'TEST'
# 二级视力残疾独居老人（已领护理补贴）命中 R19；与配偶同住的不命中；
# 四级精神残疾独居老人未领护理补贴，R02 与 R19 都命中；三级肢体残疾不是重度残疾
case R19 重度残疾老人独居
as_of 2026-06-30
feed households
户编号,区划代码,详细地址
H01,440604010001,禅城区澜石路1号
H02,440604010003,禅城区惠景路2号
H03,440604010004,禅城区玫瑰路3号
H04,440604010005,禅城区福华路4号
feed persons
身份证号,姓名,户编号,与户主关系,居住地区划
440604195005173035,伍国良,H01,户主,440604010001
440604194906183041,潘玉清,H02,户主,440604010003
440604194403153019,陈德胜,H02,配偶,440604010003
440604194504163021,黎秀群,H03,户主,440604010004
440604195809093057,孔繁荣,H04,户主,440604010005
feed canlian
身份证号,姓名,残疾类别,残疾等级,发证日期,有效期至
440604195005173035,伍国良,视力,2,2021-01-01,2031-01-01
440604194906183041,潘玉清,肢体,1,2021-01-01,2031-01-01
440604194504163021,黎秀群,精神,4,2021-01-01,2031-01-01
440604195809093057,孔繁荣,肢体,3,2021-01-01,2031-01-01
feed benefits
身份证号,待遇项目,开始日期,月金额
440604195005173035,重度残疾人护理补贴,2021-02-01,200.00
440604194906183041,重度残疾人护理补贴,2021-02-01,200.00
expect R19 440604195005173035
expect R02 440604194504163021
expect R19 440604194504163021
end
TEST
run rules list --pack pack19 --json; expect_rc 0
expect_json "this.rules.length" 19
expect_json "this.rules[18].id + ' ' + this.rules[18].title + ' ' + this.rules[18].kind" "R19 重度残疾老人独居 visit"
run rules check --pack pack19 --json; expect_rc 0; expect_json "this.rules" 19
run rules test --pack pack19 --json; expect_rc 0
expect_json "this.failed" 0
ncases=$(cat "$PACK"/tests/*.test | grep -c '^case ')
expect_json "this.passed" "$((ncases + 1))"
run rules test --pack pack19; expect_rc 0; expect_out "ok     R19 重度残疾老人独居"
run rules plan R19 --pack pack19; expect_rc 0; expect_out "R19 重度残疾老人独居"
# the bundled pack is untouched
run rules list --json; expect_json "this.rules.length" 18

# a wrong expectation for the new rule fails the run
sed -i 's/^expect R19 440604195005173035$/expect R19 440604194906183041/' pack19/tests/r19_alone.test
run rules test --pack pack19; expect_rc 1
expect_out "missing hit: R19 440604194906183041"
expect_out "unexpected hit: R19 440604195005173035"

# --- (e) pack errors give file:line:column -------------------------------------
cp -r "$PACK" packbad
sed -i '0,/holds("低保对象")/s//holds("底保对象")/' packbad/rules/guangdong.rule
line=$(grep -n '底保对象' packbad/rules/guangdong.rule | head -1 | cut -d: -f1)
run rules check --pack packbad; expect_rc 1
expect_err "guangdong.rule:$line:"
expect_err "底保对象"
check "the message has file:line:column" grep -qE "guangdong\.rule:$line:[0-9]+:" stderr.txt
run rules test --pack packbad; expect_rc 1; expect_err "guangdong.rule:$line:"

cp -r "$PACK" packsyn
printf '\nrule R20 "缺少条件"\n  subject person\n  kind visit\nend\n' >>packsyn/rules/guangdong.rule
run rules check --pack packsyn; expect_rc 1; expect_err "guangdong.rule:"

cp -r "$PACK" packtest
printf 'case 未结束的用例\nas_of 2026-06-30\n' >packtest/tests/zz_broken.test
run rules test --pack packtest; expect_rc 1; expect_err "zz_broken.test"

# --- dated parameters: the 2022 values of dibao_std are covered by
# policy/guangdong/tests/r12_income_2022.test in (b).
