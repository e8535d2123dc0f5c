-- R12 低保家庭收入超标 (SPEC §3.3), household (subject = 户编号).
-- A living member holds 低保对象; (Σ living members' 月养老金 active at D + Σ living
-- members' 缴费基数 of their latest 缴费月份 in [month(D)−2, month(D)], ties: the row
-- imported last) > dibao_std(household area, D) × living members, exactly in fen.
-- dibao_std (params.ini): 44: 1,000.00 from 2022-01-01, 1,050.00 from 2023-01-01;
-- 4401: 1,200.00 from 2022-01-01, 1,230.00 from 2023-01-01; 4403: 1,365.00 from 2022-01-01.
WITH hh AS (
  SELECT DISTINCT m."户编号" AS hid
  FROM categories k JOIN persons m ON m.idno = k.idno
  WHERE k."类别" = '低保对象'
    AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}')
    AND NOT EXISTS (SELECT 1 FROM gongan g
                    WHERE g.idno = m.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
),
mem AS (
  SELECT hh.hid, m.idno
  FROM hh JOIN persons m ON m."户编号" = hh.hid
  WHERE NOT EXISTS (SELECT 1 FROM gongan g
                    WHERE g.idno = m.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
),
pen AS (
  SELECT y.idno, sum(y."月养老金") AS v
  FROM mem JOIN renshe_yanglao y ON y.idno = mem.idno
  WHERE y."开始日期" <= '{D}' AND (y."结束日期" IS NULL OR y."结束日期" >= '{D}')
  GROUP BY y.idno
),
con AS (
  SELECT idno, base FROM (
    SELECT f.idno, f."缴费基数" AS base,
           row_number() OVER (PARTITION BY f.idno
                              ORDER BY f."缴费月份" DESC, f.batch_id DESC, f.rowno DESC) AS rn
    FROM mem JOIN renshe_jiaofei f ON f.idno = mem.idno
    WHERE f."缴费月份" >= '{M2}' AND f."缴费月份" <= '{M0}') x
  WHERE rn = 1
),
tot AS (
  SELECT mem.hid, count(*) AS n, sum(coalesce(pen.v, 0) + coalesce(con.base, 0)) AS income
  FROM mem LEFT JOIN pen ON pen.idno = mem.idno LEFT JOIN con ON con.idno = mem.idno
  GROUP BY mem.hid
)
SELECT t.hid AS subject
FROM tot t JOIN households h ON h."户编号" = t.hid
WHERE t.income > t.n *
  CASE WHEN substr(h."区划代码", 1, 4) = '4401'
         THEN CASE WHEN '{D}' >= '2023-01-01' THEN 123000 WHEN '{D}' >= '2022-01-01' THEN 120000 END
       WHEN substr(h."区划代码", 1, 4) = '4403'
         THEN CASE WHEN '{D}' >= '2022-01-01' THEN 136500 END
       WHEN substr(h."区划代码", 1, 2) = '44'
         THEN CASE WHEN '{D}' >= '2023-01-01' THEN 105000 WHEN '{D}' >= '2022-01-01' THEN 100000 END
  END
ORDER BY 1;
