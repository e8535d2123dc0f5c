# `minsheng gen`: exit codes, --json, the files and their formats.
profile="$ROOT/policy/guangdong/gen-profile.ini"

run gen --help; expect_rc 0; expect_out "用法"
run gen; expect_rc 2; expect_err "--out"
run gen --out p; expect_rc 2; expect_err "--people"
run gen --out p --people 999; expect_rc 2
run gen --out p --people abc; expect_rc 2
run gen --out p --people 100000001; expect_rc 2
run gen --out p --people 2000 --as-of 2023-02-30; expect_rc 2
run gen --out p --people 2000 --seed -1; expect_rc 2
run gen --out p --people 2000 --bogus; expect_rc 2
run gen --out p --people; expect_rc 2
check "usage errors write nothing" test ! -e p

: >afile
run gen --out afile/sub --people 1000 --profile "$profile"; expect_rc 1
expect_err "无法创建目录"; expect_err "cannot create directory"
run gen --out q --people 1000 --profile /nonexistent/gen-profile.ini; expect_rc 1

run gen --out prov --people 2000 --seed 3 --json --profile "$profile"
expect_rc 0
expect_json 'this.people' 2000
expect_json 'this.seed' 3
expect_json 'this.as_of' 2026-11-29
expect_json 'this.files.length' 17
expect_json 'this.files.every(f => f.rows === f.accepted + f.rejected + f.review)' true
expect_json 'Object.keys(this.hits).length' 18
expect_json 'Object.values(this.hits).every(n => n >= 1)' true
expect_json 'Object.values(this.near_misses).every(n => n >= 1)' true
expect_json 'typeof this.seconds' number

for f in persons.csv households.csv categories.csv benefits.csv gongan.csv sifa.csv yibao.csv \
	renshe_shiye.csv renshe_yanglao.csv renshe_jiaofei.tsv jiaoyu.csv canlian.csv budongchan.csv \
	jiaoguan.csv shichang.csv nongye.jsonl yingji.xlsx stations.csv manifest.json \
	expected_hits.csv near_misses.csv; do
	check "prov/$f written" test -s "prov/$f"
done
check "manifest is JSON with 17 files in import order" node -e '
	const m = JSON.parse(require("fs").readFileSync("prov/manifest.json", "utf8"));
	const want = ["households", "persons", "categories", "benefits", "gongan"];
	if (m.people !== 2000 || m.files.length !== 17) process.exit(1);
	want.forEach((f, i) => { if (m.files[i].feed !== f) process.exit(1); });'
check "gongan.csv is not UTF-8" bash -c '! iconv -f UTF-8 -t UTF-8 prov/gongan.csv >/dev/null 2>&1'
check "gongan.csv decodes as GB18030" bash -c 'iconv -f GB18030 -t UTF-8 prov/gongan.csv | head -1 | grep -q "^身份证号,姓名,事件类型,事件日期"'
check "yingji.xlsx is a zip with one sheet" bash -c 'unzip -l prov/yingji.xlsx | grep -q "xl/worksheets/sheet1.xml"'
check "sifa.csv uses the header alias" bash -c 'head -1 prov/sifa.csv | grep -q "^公民身份号码,"'
check "budongchan.csv uses the header alias" bash -c 'head -1 prov/budongchan.csv | grep -q "^证件号码,"'
check "jiaoguan.csv has the extra column" bash -c 'head -1 prov/jiaoguan.csv | grep -q "备注"'
check "renshe_jiaofei.tsv is tab-separated" bash -c 'head -1 prov/renshe_jiaofei.tsv | grep -qP "^身份证号\t姓名\t缴费月份\t缴费基数"'
check "nongye.jsonl is JSON Lines" node -e '
	require("fs").readFileSync("prov/nongye.jsonl", "utf8").trim().split("\n")
		.forEach(l => { if (!("身份证号" in JSON.parse(l))) process.exit(1); });'
check "expected hits cover R01-R18" bash -c '[ "$(tail -n +2 prov/expected_hits.csv | cut -c1-3 | sort -u | wc -l)" -eq 18 ]'
check "near misses cover R01-R18" bash -c '[ "$(tail -n +2 prov/near_misses.csv | cut -c1-3 | sort -u | wc -l)" -eq 18 ]'
check "stations have 站 and 点" bash -c 'grep -q ",站$" prov/stations.csv && grep -q ",点$" prov/stations.csv'

# the default profile is found next to the program; the same seed gives the same bytes
run gen --out prov2 --people 2000 --seed 3
expect_rc 0; expect_out "2000"
check "same seed, same bytes" diff -r prov prov2
run gen --out prov3 --people 2000 --seed 4 --profile "$profile"; expect_rc 0
check "another seed, other people" bash -c '! cmp -s prov/persons.csv prov3/persons.csv'
