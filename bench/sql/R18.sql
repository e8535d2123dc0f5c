-- R18 高龄独居 (SPEC §3.3), person.
-- Alive; age >= elderly_age (80); low-income; the registry household has exactly
-- one living member.
WITH old AS (
  SELECT DISTINCT k.idno
  FROM categories k
  WHERE k."类别" IN ('低保对象', '特困人员', '低保边缘家庭成员', '支出型困难家庭成员')
    AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}')
    AND substr(k.idno, 7, 8) <= '{AGE80_BORN_BY}'
    AND NOT EXISTS (SELECT 1 FROM gongan g
                    WHERE g.idno = k.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
)
SELECT o.idno AS subject
FROM old o JOIN persons p ON p.idno = o.idno JOIN households h ON h."户编号" = p."户编号"
WHERE (SELECT count(*) FROM persons m
       WHERE m."户编号" = p."户编号"
         AND NOT EXISTS (SELECT 1 FROM gongan g
                         WHERE g.idno = m.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')) = 1
ORDER BY 1;
