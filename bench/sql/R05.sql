-- R05 因病致贫风险 (SPEC §3.3), person.
-- Alive; Σ yibao 个人自付 with 结算日期 in [D−364, D] >= medical_oop_threshold of the
-- subject's area (params.ini: 45,000.00 元 for 44, 70,000.00 for 4401 and 4403);
-- holds neither 低保对象 nor 特困人员 (categories active at D).
-- Area: the registry household's 区划代码 (a registry person whose household is not
-- in the households feed: its own 居住地区划); a person outside the registry: the
-- 居住地区划 of its newest feed row that has one (by the row's own date, then batch,
-- then row), else the county of its identity number.
WITH oop AS (
  SELECT y.idno, sum(y."个人自付") AS s
  FROM yibao y
  WHERE y."结算日期" >= '{D_364}' AND y."结算日期" <= '{D}'
  GROUP BY y.idno
  HAVING sum(y."个人自付") >= 4500000            -- the smallest threshold, in fen
),
cand AS (
  SELECT o.idno, o.s FROM oop o
  WHERE substr(o.idno, 7, 8) <= '{BORN_BY}'
    AND NOT EXISTS (SELECT 1 FROM gongan g
                    WHERE g.idno = o.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
    AND NOT EXISTS (SELECT 1 FROM categories k
                    WHERE k.idno = o.idno AND k."类别" IN ('低保对象', '特困人员')
                      AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}'))
),
reg AS (
  SELECT c.idno, coalesce(h."区划代码", p."居住地区划") AS area
  FROM cand c JOIN persons p ON p.idno = c.idno
  LEFT JOIN households h ON h."户编号" = p."户编号"
),
fr AS (
  SELECT c.idno, t."开始日期" AS day, t.batch_id, t.rowno, t."居住地区划" AS area FROM cand c JOIN categories t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."开始日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN benefits t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."事件日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN gongan t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."开始日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN sifa t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."结算日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN yibao t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."登记日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN renshe_shiye t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."开始日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN renshe_yanglao t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, NULL,         t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN renshe_jiaofei t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."变动日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN jiaoyu t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."发证日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN canlian t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."登记日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN budongchan t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."登记日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN jiaoguan t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."登记日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN shichang t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."纳入日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN nongye t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
  UNION ALL SELECT c.idno, t."受灾日期", t.batch_id, t.rowno, t."居住地区划" FROM cand c JOIN yingji t ON t.idno = c.idno WHERE t."居住地区划" IS NOT NULL
),
newest AS (
  SELECT idno, area FROM (
    SELECT idno, area, row_number() OVER (PARTITION BY idno
             ORDER BY day DESC NULLS LAST, batch_id DESC, rowno DESC) AS rn
    FROM fr) x
  WHERE rn = 1
),
subj AS (
  SELECT c.idno, c.s, coalesce(r.area, n.area, substr(c.idno, 1, 6)) AS area
  FROM cand c
  LEFT JOIN reg r ON r.idno = c.idno
  LEFT JOIN newest n ON n.idno = c.idno
)
SELECT idno AS subject FROM subj
WHERE s >= CASE WHEN substr(area, 1, 4) IN ('4401', '4403') THEN 7000000
                WHEN substr(area, 1, 2) = '44' THEN 4500000 END
ORDER BY 1;
