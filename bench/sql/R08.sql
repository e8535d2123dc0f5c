-- R08 事实无人抚养儿童 (SPEC §3.3), person.
-- Alive; age < 18; both parents' numbers given, not both dead; each parent dead,
-- confined (sifa 服刑在押 or 强制隔离戒毒 active at D, planned length 预计结束日期 −
-- 开始日期 >= confinement_min_days = 183, an empty 预计结束日期 long enough) or
-- severely disabled (a valid certificate of grade 1–2, or 3–4 of 智力/精神); no
-- 事实无人抚养儿童生活补贴 and no 孤儿基本生活费 active at D.
-- DAYS_BETWEEN(a, b) is b − a in days, written per engine by scan_bench.sh.
WITH kid AS (
  SELECT p.idno, p."父亲身份证号" AS f, p."母亲身份证号" AS m
  FROM persons p
  WHERE p."父亲身份证号" IS NOT NULL AND p."母亲身份证号" IS NOT NULL
    AND substr(p.idno, 7, 8) > '{AGE18_BORN_BY}' AND substr(p.idno, 7, 8) <= '{BORN_BY}'
),
par AS (
  SELECT x.id,
         EXISTS (SELECT 1 FROM gongan g
                 WHERE g.idno = x.id AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}') AS dead,
         EXISTS (SELECT 1 FROM sifa s
                 WHERE s.idno = x.id AND s."类型" IN ('服刑在押', '强制隔离戒毒')
                   AND s."开始日期" <= '{D}' AND (s."预计结束日期" IS NULL OR s."预计结束日期" >= '{D}')
                   AND (s."预计结束日期" IS NULL OR DAYS_BETWEEN(s."开始日期", s."预计结束日期") >= 183)) AS confined,
         EXISTS (SELECT 1 FROM canlian c
                 WHERE c.idno = x.id AND c."发证日期" <= '{D}' AND c."有效期至" >= '{D}'
                   AND (c."残疾等级" IN ('1', '2')
                        OR (c."残疾等级" IN ('3', '4') AND c."残疾类别" IN ('智力', '精神')))) AS severe
  FROM (SELECT f AS id FROM kid UNION SELECT m FROM kid) x
)
SELECT k.idno AS subject
FROM kid k JOIN par fa ON fa.id = k.f JOIN par mo ON mo.id = k.m
WHERE NOT (fa.dead AND mo.dead)
  AND (fa.dead OR fa.confined OR fa.severe)
  AND (mo.dead OR mo.confined OR mo.severe)
  AND NOT EXISTS (SELECT 1 FROM gongan g
                  WHERE g.idno = k.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND NOT EXISTS (SELECT 1 FROM benefits b
                  WHERE b.idno = k.idno AND b."待遇项目" IN ('事实无人抚养儿童生活补贴', '孤儿基本生活费')
                    AND b."开始日期" <= '{D}' AND (b."结束日期" IS NULL OR b."结束日期" >= '{D}'))
ORDER BY 1;
