#!/bin/bash
# Import benchmark (not a test): a yibao file of N rows (default 10 million)
# imported by minsheng with full validation and linkage, and in the same run
# the same file loaded by the sqlite3 shell's .import into a table with the
# same natural-key unique index. Prints rows/s for both, their ratio, and
# minsheng's peak memory.
#   bench/import_bench.sh [ROWS] [WORKDIR]
set -eu
rows=${1:-10000000}
work=${2:-$(mktemp -d /tmp/minsheng-bench.XXXXXX)}
here=$(cd "$(dirname "$0")/.." && pwd)
ms="${MINSHENG:-$here/build/minsheng}"
[ -x "$ms" ] || make -C "$here" >/dev/null
mkdir -p "$work"
csv="$work/yibao_$rows.csv"
if [ ! -f "$csv" ]; then
	echo "generating $rows yibao rows into $csv ..." >&2
	# Synthetic numbers over real Guangdong county codes, valid check characters.
	awk -v n="$rows" 'BEGIN {
		srand(20261129);
		split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", w, " ");
		split("440103 440104 440105 440106 440111 440112 440113 440114 440303 440304 440305 440306 440604 440605 441302 441900 442000 445102", cc, " ");
		chk = "10X98765432";
		print "结算单号,身份证号,姓名,结算日期,医疗总费用,统筹支付,个人自付,医疗机构";
		np = int(n / 4) + 1;
		for (i = 1; i <= n; i++) {
			p = int(rand() * np);
			c = cc[p % 18 + 1];
			y = 1930 + p % 90; m = 1 + int(p / 90) % 12; d = 1 + int(p / 1080) % 28;
			s = sprintf("%s%04d%02d%02d%03d", c, y, m, d, int(p / 30240) % 1000);
			sum = 0;
			for (k = 1; k <= 17; k++) sum += substr(s, k, 1) * w[k];
			id = s substr(chk, sum % 11 + 1, 1);
			t = 100 + int(rand() * 500000); pool = int(t * 0.6);
			printf "JS%012d,%s,张%d,2026-%02d-%02d,%d.%02d,%d.%02d,%d.%02d,第%d医院\n", i, id, p % 1000, 1 + i % 11, 1 + i % 28, int(t/100), t%100, int(pool/100), pool%100, int((t-pool)/100), (t-pool)%100, i % 50;
		}
	}' > "$csv"
fi
size=$(stat -c %s "$csv")
echo "file: $csv ($rows rows, $((size / 1048576)) MiB)"

rm -f "$work/ms.db"* "$work/peer.db"*
MINSHENG_DB="$work/ms.db" "$ms" init >/dev/null
t0=$(date +%s.%N)
MINSHENG_DB="$work/ms.db" /usr/bin/time -f '%M' -o "$work/ms.rss" "$ms" import yibao "$csv" --json --pack "$here/policy/guangdong" > "$work/ms.json"
t1=$(date +%s.%N)
ms_s=$(awk -v a="$t0" -v b="$t1" "BEGIN{print b-a}")
rss_kb=$(cat "$work/ms.rss")

sqlite3 "$work/peer.db" <<SQL >/dev/null
PRAGMA journal_mode=WAL;
CREATE TABLE yibao (结算单号 TEXT, 身份证号 TEXT, 姓名 TEXT, 结算日期 TEXT, 医疗总费用 TEXT, 统筹支付 TEXT, 个人自付 TEXT, 医疗机构 TEXT);
CREATE UNIQUE INDEX yibao_key ON yibao(结算单号);
SQL
t0=$(date +%s.%N)
sqlite3 "$work/peer.db" <<SQL >/dev/null
PRAGMA synchronous=NORMAL;
PRAGMA cache_size=-65536;
.mode csv
.import --skip 1 $csv yibao
SQL
t1=$(date +%s.%N)
peer_s=$(awk -v a="$t0" -v b="$t1" "BEGIN{print b-a}")

echo "minsheng import: $(cat "$work/ms.json" | tr -d '\n ' | cut -c1-200)"
printf 'minsheng import   %8.1f s  %10.0f rows/s  peak RSS %d MB\n' "$ms_s" "$(awk -v a="$rows" -v b="$ms_s" "BEGIN{print a/b}")" $((rss_kb / 1024))
printf 'sqlite3 .import   %8.1f s  %10.0f rows/s\n' "$peer_s" "$(awk -v a="$rows" -v b="$peer_s" "BEGIN{print a/b}")"
printf 'ratio minsheng/sqlite3 time: %.2f\n' "$(awk -v a="$ms_s" -v b="$peer_s" "BEGIN{print a/b}")"
