-- R11 房产超标 (SPEC §3.3), household (subject = 户编号).
-- A living member holds 低保对象 or 低保边缘家庭成员; living members together hold,
-- active at D, more than max_homes = 1 住宅, or any 商铺/办公/车位/厂房.
WITH prop AS (
  SELECT m."户编号" AS hid,
         sum(CASE WHEN b."不动产类型" = '住宅' THEN 1 ELSE 0 END) AS homes,
         sum(CASE WHEN b."不动产类型" IN ('商铺', '办公', '车位', '厂房') THEN 1 ELSE 0 END) AS other
  FROM budongchan b JOIN persons m ON m.idno = b.idno
  WHERE b."登记日期" <= '{D}' AND (b."注销日期" IS NULL OR b."注销日期" >= '{D}')
    AND NOT EXISTS (SELECT 1 FROM gongan g
                    WHERE g.idno = m.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  GROUP BY m."户编号"
)
SELECT h."户编号" AS subject
FROM prop JOIN households h ON h."户编号" = prop.hid
WHERE (prop.homes > 1 OR prop.other > 0)
  AND EXISTS (SELECT 1 FROM persons m JOIN categories k ON k.idno = m.idno
              WHERE m."户编号" = prop.hid
                AND k."类别" IN ('低保对象', '低保边缘家庭成员')
                AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}')
                AND NOT EXISTS (SELECT 1 FROM gongan g
                                WHERE g.idno = m.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}'))
ORDER BY 1;
