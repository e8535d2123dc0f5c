# `minsheng id check`: valid and invalid numbers, exit codes, JSON fields,
# residence permits, 15-digit and full-width input, numbers from stdin.
# MINSHENG_TODAY is 2026-11-29.

# A number with its check character, computed here (weights 2^(17-i) mod 11).
mkid() {
	printf '%s\n' "$1" | awk '{
		s = 0; w = 1
		for (i = 17; i >= 1; i--) { w = w * 2 % 11; s += substr($0, i, 1) * w }
		c = (12 - s % 11) % 11
		printf "%s%s", $0, (c == 10 ? "X" : c)
	}'
}

# DOMAIN's examples
run id check 11010519491231002X 440524188001010014 440308199901101512 810000199408230021
expect_rc 0
expect_out "11010519491231002X  有效 valid  女 female  1949-12-31  北京市朝阳区"
expect_out "440308199901101512  有效 valid  男 male  1999-01-10  广东省深圳市盐田区"
expect_out "广东省汕头市潮阳县（历史代码"
expect_out "1983–1992"
expect_out "香港居民居住证"
expect_no_out "无效"

run id check 440308199901101513; expect_rc 1; expect_out "无效 invalid"; expect_out "校验码错误"
expect_out "wrong check character"
run id check 440308199902301512; expect_rc 1; expect_out "出生日期不存在"; expect_out "no such birth date"
run id check 111111199901101512; expect_rc 1; expect_out "地址码不存在"; expect_out "unknown address code"
run id check 4403081999011015; expect_rc 1; expect_out "格式不符"
run id check ""; expect_rc 1; expect_out "未填写"
# one invalid among valid ones fails the run, and every number is still reported
run id check 440308199901101512 440308199901101513 11010519491231002X
expect_rc 1; expect_out "440308199901101512  有效"; expect_out "11010519491231002X  有效"

# dates: after today, before 1800, leap days
run id check "$(mkid 44030820261130151)"; expect_rc 1; expect_out "出生日期晚于今天"
run id check "$(mkid 44030820261129151)"; expect_rc 0; expect_out "2026-11-29"
run id check "$(mkid 44052417991231001)"; expect_rc 1; expect_out "早于1800"
run id check "$(mkid 44010620000229123)"; expect_rc 0; expect_out "2000-02-29"
run id check "$(mkid 44010619000229123)"; expect_rc 1; expect_out "出生日期不存在"

# historical county codes stay valid
chongwen=$(mkid 11010319700101001)
run id check "$chongwen"; expect_rc 0; expect_out "北京市崇文区"; expect_out "1980–2009"

# residence permits of Hong Kong, Macau and Taiwan residents
run id check "$(mkid 82000019940823002)" "$(mkid 83000019940823002)"
expect_rc 0; expect_out "澳门居民居住证"; expect_out "台湾居民居住证"

# normalisation: lower-case x, full-width, blanks, 15 digits
run id check 11010519491231002x; expect_rc 0; expect_out "11010519491231002X  有效"
run id check "４４０３０８１９９９０１１０１５１２"; expect_rc 0
expect_out "440308199901101512  有效"; expect_out "(输入 input: ４４０３０８１９９９０１１０１５１２)"
run id check "１１０１０５１９４９１２３１００２ｘ"; expect_rc 0; expect_out "11010519491231002X  有效"
run id check "  440308199901101512 "; expect_rc 0
run id check 440308990110151; expect_rc 0
expect_out "440308199901101512  有效 valid"; expect_out "(输入 input: 440308990110151)"

# a one-digit slip: the correction is offered
run id check 440308199921101512; expect_rc 1; expect_out "did you mean: 440308199901101512"

# JSON
run id check --json 440524188001010014 440308199901101513 abc 810000199408230021 440308990110151
expect_rc 1
expect_json 'this.length' 5
expect_json 'this[0].input' 440524188001010014
expect_json 'this[0].normalized' 440524188001010014
expect_json 'this[0].valid' true
expect_json 'this[0].reason' ok
expect_json 'this[0].sex' male
expect_json 'this[0].birth' 1880-01-01
expect_json 'this[0].area_code' 440524
expect_json 'this[0].area_name' 广东省汕头市潮阳县
expect_json 'this[0].area_historical' true
expect_json 'this[0].area_last_year' 1992
expect_json 'this[1].valid' false
expect_json 'this[1].reason' check
expect_json 'this[1].message.includes("校验码错误") && this[1].message.includes("check character")' true
expect_json 'this[1].sex' null
expect_json 'this[1].corrections.includes("440308199901101512")' true
expect_json 'this[2].reason' shape
expect_json 'this[2].normalized' null
expect_json 'this[2].input' abc
expect_json 'this[3].residence_permit' true
expect_json 'this[3].sex' female
expect_json 'this[4].input' 440308990110151
expect_json 'this[4].normalized' 440308199901101512
expect_json 'Object.keys(this[0]).slice(0, 9).join()' input,normalized,valid,reason,message,sex,birth,area_code,area_name

run id check 11010519491231002X --json; expect_rc 0
expect_json 'this[0].sex + this[0].birth + this[0].area_name' female1949-12-31北京市朝阳区
run id check --json 440308199902301512; expect_rc 1; expect_json 'this[0].reason' date
run id check --json 111111199901101512; expect_rc 1; expect_json 'this[0].reason' area
run id check --json "$(mkid 44030820261130151)"; expect_rc 1; expect_json 'this[0].reason' future
run id check --json "$(mkid 44052417991231001)"; expect_rc 1; expect_json 'this[0].reason' too_old
# bytes that are not UTF-8 still give valid JSON
run id check --json "$(printf '\xc4\xe3\xba\xc3')"; expect_rc 1; expect_json 'this[0].reason' shape

# standard input, one number per line, blank lines skipped
printf '440308199901101512\n\n11010519491231002x\r\n  ４４０３０８１９９９０１１０１５１２\n' >ok.txt
run id check - <ok.txt; expect_rc 0
expect_out "11010519491231002X  有效"
check "stdin: three results" test "$(printf '%s\n' "$out" | grep -c '有效 valid')" -eq 3
printf '440308199901101512\n440308199901101513\n' >mixed.txt
run id check --json - <mixed.txt; expect_rc 1
expect_json 'this.map(o => o.valid).join()' true,false
# arguments and stdin together, in order
run id check --json 11010519491231002X - <mixed.txt; expect_rc 1
expect_json 'this.map(o => o.normalized).join()' 11010519491231002X,440308199901101512,440308199901101513
run id check - </dev/null; expect_rc 2
# a very long line is reported, not truncated into a valid number
{ printf '440308199901101512'; head -c 5000 /dev/zero | tr '\0' '1'; printf '\n440308199901101512\n'; } >long.txt
run id check --json - <long.txt; expect_rc 1
expect_json 'this.map(o => o.reason).join()' shape,ok

# usage
run id; expect_rc 2; expect_err "check"
run id --help; expect_rc 0; expect_out "用法"
run id check --help; expect_rc 0; expect_out "用法"; expect_out "--json"
run id check; expect_rc 2; expect_err "no numbers"
run id check --bogus 440308199901101512; expect_rc 2; expect_err "未知选项"
run id frob; expect_rc 2; expect_err "未知子命令"
run id check --json; expect_rc 2
run id check - - </dev/null; expect_rc 2
