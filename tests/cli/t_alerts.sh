# Stations (SPEC §5) and the alert faces of SPEC §6: `station import/list`
# stores: sqlite postgresql
# with good and bad rows, `alerts` and `explain` on an empty database, then
# over an alert planted with sqlite3 the way a scan writes one.
export MINSHENG_PACK="$ROOT/policy/guangdong"
export MINSHENG_DB=$(fresh_db t) MINSHENG_ACCESS="$PWD/t.db.access"

run alerts; expect_rc 1; expect_err "minsheng init"
run init; expect_rc 0

# ---- stations ----
cat > stations.csv <<'CSV'
编码,名称,类型
440106001,五山街道社工站,站
440106001001,岳洲社区服务点,点
440106002,员村街道社工站,station
440106001,重复的站,站
44010600,短码,站
999999001,不存在的站,站
440106003001,类型不符,站
440106003,车陂街道社工站,中心
440106004,,站
CSV
run station import stations.csv --json; expect_rc 0
expect_json "this.rows" 9
expect_json "this.added" 3
expect_json "this.rejected" 6
expect_json "this.rejects.map(r=>r.code).join()" "duplicate,bad_code,unknown_area,type_mismatch,bad_type,missing_name"
expect_json "this.rejects.map(r=>r.row).join()" "5,6,7,8,9,10"
expect_json "this.rejects[0].reason_en" "duplicate of row 2"
expect_json "this.rejects[4].column" "类型"

run station import stations.csv; expect_rc 0
expect_out "未变 unchanged 3"
expect_out "第 5 行"
expect_out "duplicate of row 2"

# the generator's form, in GBK: a renamed station is updated, the rest unchanged
printf '编码,名称,类型\r\n440106001,五山街道社会工作服务站,站\r\n440106002,员村街道社工站,站\r\n' \
	| iconv -f UTF-8 -t GB18030 > stations_gbk.csv
run station import stations_gbk.csv --json; expect_rc 0
expect_json "this.updated" 1
expect_json "this.unchanged" 1
expect_json "this.added" 0

run station list --json; expect_rc 0
expect_json "this.length" 3
expect_json "this.map(s=>s.code+':'+s.type).join()" "440106001:station,440106001001:point,440106002:station"
run station list --area 440106001; expect_rc 0
expect_out "五山街道社会工作服务站"
expect_out "岳洲社区服务点"
expect_no_out "员村"
run station list --area 4403 --json; expect_rc 0; expect_json "this.length" 0

printf '编码,名称\n440106001,五山\n' > nocol.csv
run station import nocol.csv; expect_rc 1; expect_err "类型"
run station import missing.csv; expect_rc 1
run station; expect_rc 2
run station frob; expect_rc 2; expect_err "frob"
run station import; expect_rc 2
run station list extra; expect_rc 2
run station list --area 44x; expect_rc 2
run station import stations.csv --area 44; expect_rc 2
run station --help; expect_rc 0; expect_out "用法"

# ---- alerts and explain on a database without alerts ----
run alerts; expect_rc 0; expect_out "暂无预警"
run alerts --json; expect_rc 0; expect_json "this.length" 0
run alerts --rule R05 --area 4401; expect_rc 0; expect_out "没有符合条件的预警"
run alerts --state bogus; expect_rc 2; expect_err "bogus"
run alerts --limit 0; expect_rc 2
run alerts --limit x; expect_rc 2
run alerts --area 44x; expect_rc 2
run alerts --frob; expect_rc 2
run alerts extra; expect_rc 2
run alerts --help; expect_rc 0; expect_out "--state"

run explain 1; expect_rc 1; expect_err "预警 1 不存在"
run explain 1 --json; expect_rc 1
run explain; expect_rc 2
run explain abc; expect_rc 2; expect_err "abc"
run explain 0; expect_rc 2
run explain 1 2; expect_rc 2
run explain 1 --lang fr; expect_rc 2
run explain --help; expect_rc 0; expect_out "用法"

# ---- an alert as a scan writes it ----
expl='{"rule":"R05","title":"因病致贫风险","kind":"risk","subject_type":"person","subject":"440106195001010015","area":"440106001001","as_of":"2026-11-29","pack":"9f2c1e0b9f2c1e0b9f2c1e0b9f2c1e0b9f2c1e0b9f2c1e0b9f2c1e0b9f2c1e0b","condition":"alive\nand sum(yibao: 个人自付 where 结算日期 >= D - 364) >= param.medical_oop_threshold","terms":[{"text":"alive","value":"是"},{"text":"sum(yibao: 个人自付 where 结算日期 >= D - 364) >= param.medical_oop_threshold","value":"是"}],"params":[{"name":"medical_oop_threshold","title":"因病致贫：12个月个人自付医疗费用门槛","type":"money","value":"70000.00","area":"4401","from":"2021-01-01","source":"广州市（样例）"}],"facts":[{"feed":"yibao","feed_title":"医保结算","record":7,"batch":3,"row":2,"person":"440106195001010015","key":"JS001","values":{"结算单号":"JS001","结算日期":"2026-03-01","个人自付":"74000.00","医疗机构":"市一医院"}}]}'
expl2=${expl//JS001/JS002}
# the SQL goes to dbq on standard input too: psql takes a second argument as
# a user name, not as SQL
plant="
INSERT INTO scan(id, as_of, pack_version, started) VALUES (1, '2026-11-29', 'p', '2026-11-29T09:00:00+08:00'), (2, '2026-12-01', 'p', '2026-12-01T09:00:00+08:00');
INSERT INTO alert(id, rule, kind, subject_type, subject, area, inbox, created, due, raised_scan, last_scan, pack_version)
  VALUES (1, 'R05', 'risk', 'person', '440106195001010015', '440106001001', '440106001', '2026-11-29T09:00:00+08:00', '2026-12-11', 1, 2, 'p'),
         (2, 'R09', 'asset_review', 'household', 'H0004', '440305001001', '440305', '2026-11-29T09:00:00+08:00', '2026-12-11', 1, 1, 'p');
UPDATE alert SET cleared = 1 WHERE id = 2;
INSERT INTO alert_explanation(alert_id, scan_id, json) VALUES (1, 1, '$expl'), (1, 2, '$expl2');
INSERT INTO alert_evidence(alert_id, fact_key, feed, record_id, batch_id, row, person, added_scan)
  VALUES (2, 'k', 'jiaoguan', 9, 4, 5, '440305194511110059', 1);"
plant_alerts() { dbq "$plant" <<<"$plant"; }
check "plant an alert with two explanations" plant_alerts

run alerts --json; expect_rc 0
expect_json "this.length" 2
expect_json "Object.keys(this[0]).join()" "id,rule,kind,subject_type,subject,area,inbox,state,cleared,created,due,version,assignee,evidence_revoked"
expect_json "this[0].subject" "440106195001010015"
expect_json "this[1].subject_type" "household"
expect_json "this[1].cleared" true
expect_json "this[0].assignee" null
run alerts --area 4401 --json; expect_rc 0; expect_json "this.map(a=>a.id).join()" "1"
run alerts --rule R09 --json; expect_rc 0; expect_json "this.map(a=>a.id).join()" "2"
run alerts --state closed --json; expect_rc 0; expect_json "this.length" 0
run alerts --limit 1 --json; expect_rc 0; expect_json "this.length" 1
run alerts; expect_rc 0
expect_out "待派发"
expect_out "440106001 五山街道"
expect_out "已解除"
expect_out "共 2 条"

run explain 1; expect_rc 0
expect_out "预警 1 · 规则 R05"
expect_out "广东省广州市天河区五山街道"
expect_out "首次预警"
expect_out "追加证据"
expect_out "截至日期：2026-11-29"
expect_out "1. alive：是"
expect_out "70,000.00 元"
expect_out "适用区划 4401 广州市，自 2021-01-01 起；依据：广州市（样例）"
expect_out "医保结算（yibao） · 批次 3 · 第 2 行"
expect_out "个人自付：74,000.00 元"
expect_out "JS002"
run explain 1 --lang en; expect_rc 0
expect_out "Alert 1 · rule R05"
expect_out "1. alive: yes"
expect_out "70,000.00 yuan"
expect_out "batch 3 · row 2"
run explain 1 --json; expect_rc 0
expect_json "this.alert.id" 1
expect_json "this.explanations.length" 2
expect_json "this.explanations[0].raised" true
expect_json "this.explanations[1].raised" false
expect_json "this.explanations[1].explanation.facts[0].key" "JS002"
run explain 2; expect_rc 0
expect_out "条件已不成立"
expect_out "未保存解释"
expect_out "jiaoguan · 批次 4 · 第 5 行"
