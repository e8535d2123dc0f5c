#!/bin/bash
# Scan benchmark (not a test). A synthetic province of N people from `minsheng gen`
# (default 4,040,000: Guangdong's scale) is imported; then minsheng is timed on
#   - a cold snapshot build (a new process reads the database; the operating
#     system's page cache is not dropped) and all 18 rules: scan --dry-run,
#   - a full scan that writes the alerts into a fresh copy of the database,
# each RUNS times, with peak memory (the largest of the runs); and in the same run the same rules written as SQL
# (bench/sql/R01.sql … R18.sql) are run over exactly the same records by
#   - the sqlite3 shell: every join key indexed, ANALYZEd, cache_size, mmap_size,
#     temp_store = MEMORY, threads = 2;
#   - DuckDB (@duckdb/node-api, pinned in bench/package.json), threads = 2.
# The peers' hits must equal minsheng's hits for every SQL rule, and minsheng's
# hits must equal gen's expected_hits.csv for all 18 rules (and, at up to 200,000
# people, the peers' hits must equal minsheng's at D-1, D+1 and D+30 too, where
# gen's near misses turn into hits); any difference is printed and the script
# exits 1 after the table. Peer load times are reported separately and are not
# part of any rule time. The machine is shared: the load average is printed at
# the start and the end, and the ratios compare medians of the same run.
#   bench/scan_bench.sh [PEOPLE] [WORKDIR]
# Environment: MINSHENG (binary, default build/minsheng), RUNS (default 3),
# AS_OF (as-of date for a new gen, default today; a reused gen keeps its own),
# CHECK_DATES (more as-of dates for the hit comparison, see 9b), SQL_RULES (the
# rules the peers run, default all 18; R02 R05 R06 R09 R12 at least).
# WORKDIR keeps the generated files, the imported database and the peers' tables,
# so a rerun with the same WORKDIR only repeats the timed steps.
set -euo pipefail
people=${1:-4040000}
work=${2:-$(mktemp -d /tmp/minsheng-scan-bench.XXXXXX)}
runs=${RUNS:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
ms="${MINSHENG:-$here/build/minsheng}"
case $ms in /*) ;; *) ms="$PWD/$ms" ;; esac
[ -x "$ms" ] || make -C "$here" >/dev/null
pack="$here/policy/guangdong"
sql_rules=${SQL_RULES:-R01 R02 R03 R04 R05 R06 R07 R08 R09 R10 R11 R12 R13 R14 R15 R16 R17 R18}
core_rules="R02 R05 R06 R09 R12"
export LC_ALL=C
cd "$here" # the default pack is policy/guangdong
for t in sqlite3 node npm mawk /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "scan_bench: $t is needed" >&2; exit 2; }
done
mkdir -p "$work"
work=$(cd "$work" && pwd)
log="$work/bench.log"
echo "work dir: $work (log: $log); $(uptime | sed 's/.*load/load/')"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.3f", b-a}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
largest() { printf '%s\n' "$@" | sort -g | tail -1; }
jget() { node -e 'let v=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));for(const k of process.argv[2].split("."))v=v[k];console.log(typeof v==="number"?v.toFixed(3):v)' "$1" "$2"; }
rss_mb() { awk '{printf "%d", $NF/1024}' "$1"; }
failures=0
fail() { echo "MISMATCH: $*" >&2; failures=$((failures + 1)); }
declare -A T MB # step → seconds, peak MB

# ---- 1. the synthetic province ----
gen="$work/gen"
if [ "$(cat "$work/gen.ok" 2>/dev/null)" != "$people" ]; then
	rm -rf "$gen" "$work"/*.ok "$work"/ms.db* "$work"/peer.db* "$work"/peer.duckdb*
	echo "gen: $people people ..."
	t0=$(now)
	/usr/bin/time -f '%e %M' -o "$work/gen.time" \
		"$ms" gen --out "$gen" --people "$people" --seed 1 --as-of "${AS_OF:-$(date +%F)}" >>"$log"
	T[gen]=$(since "$t0"); MB[gen]=$(rss_mb "$work/gen.time")
	echo "$people" >"$work/gen.ok"
fi
D=$(jget "$gen/manifest.json" as_of)
echo "as-of date D = $D"

# ---- 2. minsheng's database ----
db="$work/ms.db"
if [ ! -f "$work/ms.ok" ]; then
	rm -f "$db"* "$work"/peer.db* "$work"/peer.duckdb* "$work"/peer.ok "$work"/duck.ok
	"$ms" --db "$db" init >>"$log"
	echo "minsheng import (manifest) ..."
	t0=$(now)
	/usr/bin/time -f '%e %M' -o "$work/import.time" "$ms" --db "$db" import manifest "$gen/manifest.json" >>"$log"
	T[import]=$(since "$t0"); MB[import]=$(rss_mb "$work/import.time")
	"$ms" --db "$db" station import "$gen/stations.csv" >>"$log"
	touch "$work/ms.ok"
fi
ls -l "$db"* | awk '{s+=$5} END{printf "minsheng database: %d MiB\n", s/1048576}'

# ---- 3. minsheng: cold snapshot build + 18 rules, no alerts written ----
snap=() rules=() dry=() dryrss=()
for i in $(seq "$runs"); do
	t0=$(now)
	/usr/bin/time -f '%e %M' -o "$work/dry.time" \
		"$ms" --db "$db" scan --dry-run --json --as-of "$D" >"$work/dry.json" 2>>"$log"
	dry+=("$(since "$t0")"); dryrss+=("$(rss_mb "$work/dry.time")")
	snap+=("$(jget "$work/dry.json" seconds.snapshot)")
	rules+=("$(jget "$work/dry.json" seconds.rules)")
	echo "  minsheng scan --dry-run $i: wall ${dry[-1]} s, snapshot ${snap[-1]} s, rules ${rules[-1]} s, peak ${dryrss[-1]} MB"
done
T[snap]=$(median "${snap[@]}"); T[rules]=$(median "${rules[@]}"); T[dry]=$(median "${dry[@]}")
MB[dry]=$(largest "${dryrss[@]}")

# ---- 4. minsheng: a full scan writing alerts into a fresh copy ----
alerts=() wet=() wetrss=() explain=()
for i in $(seq "$runs"); do
	rm -f "$work"/scan.db*
	cp "$db" "$work/scan.db"
	if [ -f "$db-wal" ]; then cp "$db-wal" "$work/scan.db-wal"; fi
	t0=$(now)
	/usr/bin/time -f '%e %M' -o "$work/wet.time" \
		"$ms" --db "$work/scan.db" scan --json --as-of "$D" >"$work/wet.json" 2>>"$log"
	wet+=("$(since "$t0")"); wetrss+=("$(rss_mb "$work/wet.time")")
	alerts+=("$(jget "$work/wet.json" seconds.alerts)")
	explain+=("$(jget "$work/wet.json" seconds.explain)")
	echo "  minsheng scan (writing alerts) $i: wall ${wet[-1]} s, explain ${explain[-1]} s, alerts ${alerts[-1]} s, peak ${wetrss[-1]} MB"
done
T[alerts]=$(median "${alerts[@]}"); T[explain]=$(median "${explain[@]}"); T[wet]=$(median "${wet[@]}")
MB[wet]=$(largest "${wetrss[@]}")

hits="$work/hits"
rm -rf "$hits"; mkdir -p "$hits"
"$ms" --db "$work/scan.db" alerts --json --limit 1000000 >"$work/alerts.json"
node -e 'for (const a of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))) console.log(a.rule + "," + a.subject)' \
	"$work/alerts.json" | sort >"$hits/minsheng.csv"
tail -n +2 "$gen/expected_hits.csv" | cut -d, -f1,3 | sort >"$hits/expected.csv"
echo "minsheng hits: $(wc -l <"$hits/minsheng.csv"), gen expected: $(wc -l <"$hits/expected.csv")"
if ! cmp -s "$hits/minsheng.csv" "$hits/expected.csv"; then
	fail "minsheng's alerts differ from gen's expected_hits.csv (< minsheng, > expected):"
	diff "$hits/minsheng.csv" "$hits/expected.csv" | head -20 >&2 || true
fi

# ---- 5. the peers' data: the current records of every feed, exported ----
# Feed columns in pack order, typed: text, int (money, integer) or date.
schema="$work/schema.tsv"
for f in "$pack"/feeds/*.ini; do
	awk -v feed="$(basename "$f" .ini)" '
		/^\[column\./ { c = substr($0, 9, length($0) - 9) }
		/^type *=/ && c != "" { t = $0; sub(/^type *= */, "", t)
			t = t == "date" ? "date" : (t == "money" || t == "integer") ? "int" : "text"
			cols = cols "," c ":" t; c = "" }
		END { print feed "\tbatch_id:int,rowno:int,idno:text" cols }' "$f"
done >"$schema"
peer="$work/peer.db"
if [ ! -f "$work/peer.ok" ]; then
	rm -f "$peer"* "$work"/peer.duckdb* "$work/duck.ok"
	exp="$work/export"
	rm -rf "$exp"; mkdir -p "$exp"
	echo "exporting the current records from minsheng's database ..."
	t0=$(now)
	# One pass over `record`: the rows of published batches that no newer
	# published batch supersedes (same feed and natural key), fields split by
	# char(31) (vals already is), rows by char(30); mawk files them by feed id.
	# (The shell's ascii .import takes an empty first field for the end of the
	# input: the first field is the batch.)
	sqlite3 -ascii "$db" <<'SQL' | mawk -v RS='\036' -v FS='\037' -v ORS='\036' -v dir="$exp" \
		'{ f = $1; print substr($0, length(f) + 2) > (dir "/" f ".dat") }'
WITH pb AS (SELECT id, feed_id FROM batch WHERE state = 'published'),
     multi AS (SELECT feed_id FROM pb GROUP BY feed_id HAVING count(*) > 1)
SELECT r.feed_id, r.batch_id, r.row, coalesce(r.idno, ''), r.vals
FROM record r
WHERE r.batch_id IN (SELECT id FROM pb)
  AND (r.feed_id NOT IN (SELECT feed_id FROM multi)
       OR NOT EXISTS (SELECT 1 FROM record r2
                      WHERE r2.feed_id = r.feed_id AND r2.nkey = r.nkey AND r2.batch_id > r.batch_id
                        AND r2.batch_id IN (SELECT id FROM pb)));
SQL
	sqlite3 -separator ' ' "$db" 'SELECT id, name FROM feed' | while read -r id name; do
		[ -f "$exp/$id.dat" ] && mv "$exp/$id.dat" "$exp/$name.dat"
	done
	T[export]=$(since "$t0")
	echo "loading the sqlite3 peer ..."
	t0=$(now)
	{
		echo "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY;"
		echo ".mode ascii"
		while IFS=$'\t' read -r feed spec; do
			[ -f "$exp/$feed.dat" ] || : >"$exp/$feed.dat"
			IFS=, read -ra cols <<<"$spec"
			ddl="" raw="" sel=""
			for k in "${!cols[@]}"; do
				n=${cols[k]%%:*} t=${cols[k]##*:}
				ddl+="${ddl:+, }\"$n\" $([ "$t" = int ] && echo INTEGER || echo TEXT)"
				raw+="${raw:+, }c$k"
				if [ "$t" = int ]; then sel+="${sel:+, }CAST(NULLIF(c$k, '') AS INTEGER)"
				else sel+="${sel:+, }NULLIF(c$k, '')"; fi
			done
			echo "CREATE TABLE \"$feed\" ($ddl);"
			echo "CREATE TABLE _raw ($raw);"
			echo ".import '$exp/$feed.dat' _raw"
			echo "INSERT INTO \"$feed\" SELECT $sel FROM _raw;"
			echo "DROP TABLE _raw;"
		done <"$schema"
	} | sqlite3 "$peer" >>"$log"
	T[sqlite_load]=$(since "$t0")
	rm -rf "$exp" "$work/index.sql"
	touch "$work/peer.ok"
fi
# every join key: the person (idno) in every feed, the household (户编号); and
# covering indexes for the probes the rules make. Rebuilt when this list changes.
{
	while IFS=$'\t' read -r feed spec; do
		case $feed in
		households) ;;
		persons) echo "CREATE INDEX persons_idno ON persons(idno, \"户编号\");" ;;
		*) echo "CREATE INDEX \"${feed}_idno\" ON \"$feed\"(idno);" ;;
		esac
	done <"$schema"
	cat <<'SQL'
CREATE INDEX households_hh ON households("户编号");
CREATE INDEX persons_hh ON persons("户编号", idno);
CREATE INDEX gongan_death ON gongan(idno, "事件类型", "事件日期");
CREATE INDEX categories_held ON categories(idno, "类别", "开始日期", "结束日期");
CREATE INDEX categories_by_cat ON categories("类别", "开始日期", "结束日期", idno);
CREATE INDEX benefits_held ON benefits(idno, "待遇项目", "开始日期", "结束日期");
CREATE INDEX yibao_oop ON yibao(idno, "结算日期", "个人自付");
CREATE INDEX jiaoyu_latest ON jiaoyu(idno, "变动日期", batch_id, rowno, "学籍状态");
CREATE INDEX yanglao_active ON renshe_yanglao(idno, "开始日期", "结束日期", "月养老金");
CREATE INDEX jiaofei_month ON renshe_jiaofei(idno, "缴费月份", batch_id, rowno, "缴费基数");
ANALYZE;
SQL
} >"$work/index.sql.new"
if ! cmp -s "$work/index.sql.new" "$work/index.sql"; then
	echo "indexing the sqlite3 peer ..."
	t0=$(now)
	sqlite3 "$peer" "SELECT 'DROP INDEX \"' || name || '\";' FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL" |
		sqlite3 "$peer"
	{
		echo "PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY; PRAGMA threads=2;"
		cat "$work/index.sql.new"
	} | sqlite3 "$peer" >>"$log"
	T[sqlite_index]=$(since "$t0")
	mv "$work/index.sql.new" "$work/index.sql"
fi
rm -f "$work/index.sql.new"
echo "peer tables (rows): $(sqlite3 "$peer" "SELECT group_concat(name || ' ' || n, ', ') FROM (SELECT 'persons' name, count(*) n FROM persons UNION ALL SELECT 'households', count(*) FROM households UNION ALL SELECT 'categories', count(*) FROM categories UNION ALL SELECT 'yibao', count(*) FROM yibao UNION ALL SELECT 'renshe_jiaofei', count(*) FROM renshe_jiaofei)")"

duck="$work/peer.duckdb"
if [ ! -f "$work/duck.ok" ]; then
	[ -f "$here/bench/node_modules/@duckdb/node-api/package.json" ] ||
		npm install --prefix "$here/bench" --no-audit --no-fund >>"$log" 2>&1
	rm -f "$duck"*
	csv="$work/csv"
	rm -rf "$csv"; mkdir -p "$csv"
	echo "loading the DuckDB peer ..."
	t0=$(now)
	cut -f1 "$schema" | while read -r feed; do
		printf '.headers on\n.mode csv\n.once %s\nSELECT * FROM "%s";\n' "$csv/$feed.csv" "$feed"
	done | sqlite3 "$peer"
	T[duck_csv]=$(since "$t0")
	t0=$(now)
	node "$here/bench/duckdb_rules.mjs" load "$duck" "$schema" "$csv" >"$work/duck_load.json"
	T[duck_load]=$(since "$t0")
	rm -rf "$csv"
	touch "$work/duck.ok"
fi

# ---- 6. the SQL rules, with an as-of date and the dates derived from it in place ----
# DAYS_BETWEEN(a, b) (b − a in days) is the one thing written per engine.
subst_sql() { # DATE OUTDIR ENGINE
	local d=$1 out=$2 y=${1:0:4} md=${1:5:2}${1:8:2} m y2 days
	m=$((10#${1:5:2} - 2)) y2=$y
	if [ $m -le 0 ]; then m=$((m + 12)) y2=$((y - 1)); fi
	if [ "$3" = sqlite ]; then days='(julianday(\2) - julianday(\1))'
	else days="date_diff('day', \\1, \\2)"; fi
	rm -rf "$out"; mkdir -p "$out"
	for r in $sql_rules; do
		sed -e "s/{D}/$d/g" -e "s/{D_364}/$(date -d "$d - 364 days" +%F)/g" \
			-e "s/{D_29}/$(date -d "$d - 29 days" +%F)/g" \
			-e "s/{BORN_BY}/$y$md/g" -e "s/{AGE6_BORN_BY}/$((y - 6))$md/g" \
			-e "s/{AGE17_BORN_BY}/$((y - 17))$md/g" -e "s/{AGE18_BORN_BY}/$((y - 18))$md/g" \
			-e "s/{AGE80_BORN_BY}/$((y - 80))$md/g" \
			-e "s/{M0}/${d:0:7}/g" -e "s/{M2}/$(printf '%04d-%02d' "$y2" "$m")/g" \
			-e "s/DAYS_BETWEEN(\([^,()]*\), \([^,()]*\))/$days/g" \
			"$here/bench/sql/$r.sql" >"$out/$r.sql"
	done
}
sqld="$work/sql"
subst_sql "$D" "$sqld/sqlite" sqlite
subst_sql "$D" "$sqld/duckdb" duckdb

# ---- 7. sqlite3 ----
echo "sqlite3: $sql_rules, $runs runs ..."
{
	echo "PRAGMA cache_size=-1048576; PRAGMA mmap_size=17179869184; PRAGMA temp_store=MEMORY; PRAGMA threads=2;"
	echo ".mode list"
	echo ".print mmap_size"
	echo "PRAGMA mmap_size;"
	echo ".timer on"
	for i in $(seq "$runs"); do
		for r in $sql_rules; do
			echo ".print run $i $r"
			echo ".once $hits/$r.sqlite"
			cat "$sqld/sqlite/$r.sql"
		done
	done
} >"$work/sqlite_rules.sql"
/usr/bin/time -f '%e %M' -o "$work/sqlite.time" sqlite3 "$peer" <"$work/sqlite_rules.sql" >"$work/sqlite_rules.out"
MB[sqlite]=$(rss_mb "$work/sqlite.time")
echo "  sqlite3 mmap_size in force: $(awk 'f { print; exit } /^mmap_size$/ { f = 1 }' "$work/sqlite_rules.out")"
for r in $sql_rules; do
	mapfile -t ts < <(awk -v r="$r" '/^run / { cur = $3 } /^Run Time:/ && cur == r { print $4; cur = "" }' "$work/sqlite_rules.out")
	T[sqlite_$r]=$(median "${ts[@]}")
	echo "  sqlite3 $r: ${ts[*]} s"
done

# ---- 8. DuckDB ----
echo "DuckDB: $sql_rules, $runs runs ..."
/usr/bin/time -f '%e %M' -o "$work/duck.time" \
	node "$here/bench/duckdb_rules.mjs" run "$duck" "$sqld/duckdb" "$hits" "$runs" $sql_rules >"$work/duck_run.json"
MB[duck]=$(rss_mb "$work/duck.time")
duck_version=$(jget "$work/duck_run.json" version)
for r in $sql_rules; do
	mapfile -t ts < <(node -e 'for (const s of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).seconds[process.argv[2]]) console.log(s.toFixed(3))' "$work/duck_run.json" "$r")
	T[duck_$r]=$(median "${ts[@]}")
	echo "  DuckDB $r: ${ts[*]} s"
done

# ---- 9. the same hits, exactly ----
for r in $sql_rules; do
	grep "^$r," "$hits/minsheng.csv" | cut -d, -f2 | sort >"$hits/$r.minsheng" || true
	grep "^$r," "$hits/expected.csv" | cut -d, -f2 | sort >"$hits/$r.expected" || true
	for p in sqlite duckdb; do
		sort -o "$hits/$r.$p" "$hits/$r.$p"
		if ! cmp -s "$hits/$r.$p" "$hits/$r.minsheng"; then
			fail "$r: $p's hits differ from minsheng's (< $p, > minsheng):"
			diff "$hits/$r.$p" "$hits/$r.minsheng" | head -10 >&2 || true
		fi
	done
	cmp -s "$hits/$r.minsheng" "$hits/$r.expected" || fail "$r: minsheng's hits differ from gen's expected_hits.csv"
	echo "  $r: minsheng $(wc -l <"$hits/$r.minsheng"), sqlite3 $(wc -l <"$hits/$r.sqlite"), DuckDB $(wc -l <"$hits/$r.duckdb"), expected $(wc -l <"$hits/$r.expected") hits"
done

# ---- 9b. correctness at more as-of dates: the near misses a day off D turn into hits ----
# (default at up to 200,000 people: D-1, D+1, D+30; CHECK_DATES="..." to choose, "" for none)
if [ -z "${CHECK_DATES+set}" ]; then
	CHECK_DATES=""
	[ "$people" -le 200000 ] &&
		CHECK_DATES="$(date -d "$D - 1 day" +%F) $(date -d "$D + 1 day" +%F) $(date -d "$D + 30 days" +%F)"
fi
for d in $CHECK_DATES; do
	hx="$work/hits-$d"
	rm -rf "$hx"; mkdir -p "$hx"
	subst_sql "$d" "$work/sql-$d/sqlite" sqlite
	subst_sql "$d" "$work/sql-$d/duckdb" duckdb
	rm -f "$work"/scan.db*
	cp "$db" "$work/scan.db"
	if [ -f "$db-wal" ]; then cp "$db-wal" "$work/scan.db-wal"; fi
	"$ms" --db "$work/scan.db" scan --json --as-of "$d" >/dev/null 2>>"$log"
	"$ms" --db "$work/scan.db" alerts --json --limit 1000000 >"$hx/alerts.json"
	node -e 'for (const a of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))) console.log(a.rule + "," + a.subject)' \
		"$hx/alerts.json" | sort >"$hx/minsheng.csv"
	for r in $sql_rules; do printf '.once %s\n' "$hx/$r.sqlite"; cat "$work/sql-$d/sqlite/$r.sql"; done |
		sqlite3 "$peer" >/dev/null
	node "$here/bench/duckdb_rules.mjs" run "$duck" "$work/sql-$d/duckdb" "$hx" 1 $sql_rules >/dev/null
	line="  D = $d:"
	for r in $sql_rules; do
		grep "^$r," "$hx/minsheng.csv" | cut -d, -f2 | sort >"$hx/$r.minsheng" || true
		for p in sqlite duckdb; do
			sort -o "$hx/$r.$p" "$hx/$r.$p"
			if ! cmp -s "$hx/$r.$p" "$hx/$r.minsheng"; then
				fail "D = $d, $r: $p's hits differ from minsheng's (< $p, > minsheng):"
				diff "$hx/$r.$p" "$hx/$r.minsheng" | head -10 >&2 || true
			fi
		done
		line+=" $r $(wc -l <"$hx/$r.minsheng")"
	done
	echo "$line hits, the same in sqlite3 and DuckDB"
done

# ---- 10. the table ----
sum() { awk 'BEGIN{s=0; for (i=1; i<ARGC; i++) s+=ARGV[i]; printf "%.3f", s}' "$@"; }
sq=() dk=() sq5=() dk5=()
for r in $sql_rules; do sq+=("${T[sqlite_$r]}"); dk+=("${T[duck_$r]}"); done
for r in $core_rules; do
	case " $sql_rules " in *" $r "*) sq5+=("${T[sqlite_$r]}"); dk5+=("${T[duck_$r]}") ;; esac
done
T[sqlite_all]=$(sum "${sq[@]}"); T[duck_all]=$(sum "${dk[@]}")
T[sqlite_5]=$(sum "${sq5[@]}"); T[duck_5]=$(sum "${dk5[@]}")
nsql=$(echo $sql_rules | wc -w)
T[ms_e2e]=$(sum "${T[snap]}" "${T[rules]}")
row() { printf '%-58s %10s %8s\n' "$1" "${2:--}" "${3:--}"; }
echo
echo "scan benchmark: $people people, D = $D, $(nproc) cores, medians of $runs runs; $(uptime | sed 's/.*load/load/')"
echo "minsheng $("$ms" version 2>/dev/null | head -1); sqlite3 $(sqlite3 --version | cut -d' ' -f1); DuckDB $duck_version (threads 2)"
row "step" "seconds" "peak MB"
row "" "(median)" "(largest)"
[ -n "${T[gen]:-}" ] && row "gen (1 run)" "${T[gen]}" "${MB[gen]}"
[ -n "${T[import]:-}" ] && row "minsheng import manifest (1 run)" "${T[import]}" "${MB[import]}"
row "minsheng snapshot build from the database (cold)" "${T[snap]}"
row "minsheng 18 rules, snapshot current" "${T[rules]}"
row "minsheng snapshot + 18 rules" "${T[ms_e2e]}"
row "minsheng scan --dry-run, process wall time" "${T[dry]}" "${MB[dry]}"
row "minsheng explanations (full scan)" "${T[explain]}"
row "minsheng alert writing (full scan)" "${T[alerts]}"
row "minsheng full scan writing alerts, process wall time" "${T[wet]}" "${MB[wet]}"
[ -n "${T[export]:-}" ] && row "peers: export current records (not in rule times)" "${T[export]}"
[ -n "${T[sqlite_load]:-}" ] && row "sqlite3: load tables (not in rule times)" "${T[sqlite_load]}"
[ -n "${T[sqlite_index]:-}" ] && row "sqlite3: indexes + ANALYZE (not in rule times)" "${T[sqlite_index]}"
[ -n "${T[duck_csv]:-}" ] && row "DuckDB: CSV out of sqlite3 (not in rule times)" "${T[duck_csv]}"
[ -n "${T[duck_load]:-}" ] && row "DuckDB: load tables (not in rule times)" "${T[duck_load]}"
for r in $sql_rules; do row "sqlite3 $r" "${T[sqlite_$r]}"; done
row "sqlite3 ${core_rules// /+}" "${T[sqlite_5]}"
row "sqlite3, all $nsql SQL rules" "${T[sqlite_all]}" "${MB[sqlite]}"
for r in $sql_rules; do row "DuckDB $r" "${T[duck_$r]}"; done
row "DuckDB ${core_rules// /+}" "${T[duck_5]}"
row "DuckDB, all $nsql SQL rules" "${T[duck_all]}" "${MB[duck]}"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1f", a/b; else print "inf" }'; }
echo
echo "ratios (peer seconds / minsheng seconds; minsheng's time is always that of all 18 rules)"
printf '  %-52s %10s %10s\n' "" "sqlite3" "DuckDB"
printf '  %-52s %9s× %9s×\n' "$core_rules vs minsheng rules" \
	"$(ratio "${T[sqlite_5]}" "${T[rules]}")" "$(ratio "${T[duck_5]}" "${T[rules]}")"
printf '  %-52s %9s× %9s×\n' "$core_rules vs minsheng snapshot + rules" \
	"$(ratio "${T[sqlite_5]}" "${T[ms_e2e]}")" "$(ratio "${T[duck_5]}" "${T[ms_e2e]}")"
printf '  %-52s %9s× %9s×\n' "all $nsql SQL rules vs minsheng rules" \
	"$(ratio "${T[sqlite_all]}" "${T[rules]}")" "$(ratio "${T[duck_all]}" "${T[rules]}")"
printf '  %-52s %9s× %9s×\n' "all $nsql SQL rules vs minsheng snapshot + rules" \
	"$(ratio "${T[sqlite_all]}" "${T[ms_e2e]}")" "$(ratio "${T[duck_all]}" "${T[ms_e2e]}")"
echo "  (the 5-rule ratios are conservative: 5 SQL rules against minsheng's 18; the peers'"
echo "   loading and indexing, their counterpart of the snapshot, is in no rule time)"
echo
echo "targets at 4.04M: snapshot < 60 s: ${T[snap]} s; 18 rules end to end < 10 s: ${T[rules]} s (with alerts: $(sum "${T[rules]}" "${T[explain]}" "${T[alerts]}") s); peak < 2048 MB: ${MB[dry]} / ${MB[wet]} MB"
rm -f "$work"/scan.db* # a copy of minsheng's database, made for each scan
if [ "$failures" -gt 0 ]; then
	echo "FAILED: $failures mismatch(es), see above" >&2
	exit 1
fi
echo "hits: identical (minsheng = gen's expected for all 18 rules; sqlite3 = DuckDB = minsheng for $sql_rules)"
