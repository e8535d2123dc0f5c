-- R06 义务教育阶段辍学 (SPEC §3.3), person.
-- Alive; 6 <= age <= 16 (full years at D from the birth date in the number:
-- born on or before {AGE6_BORN_BY} and after {AGE17_BORN_BY}); the latest jiaoyu
-- record dated <= D (ties: the row imported last) has 学籍状态 辍学; the person's
-- registry household has a living member holding a low-income status.
WITH latest AS (
  SELECT j.idno, j."学籍状态" AS st,
         row_number() OVER (PARTITION BY j.idno
                            ORDER BY j."变动日期" DESC, j.batch_id DESC, j.rowno DESC) AS rn
  FROM jiaoyu j
  WHERE j."变动日期" <= '{D}'
    AND substr(j.idno, 7, 8) > '{AGE17_BORN_BY}' AND substr(j.idno, 7, 8) <= '{AGE6_BORN_BY}'
)
SELECT l.idno AS subject
FROM latest l
JOIN persons p ON p.idno = l.idno
JOIN households h ON h."户编号" = p."户编号"
WHERE l.rn = 1 AND l.st = '辍学'
  AND NOT EXISTS (SELECT 1 FROM gongan g
                  WHERE g.idno = l.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND EXISTS (SELECT 1 FROM persons m JOIN categories k ON k.idno = m.idno
              WHERE m."户编号" = p."户编号"
                AND k."类别" IN ('低保对象', '特困人员', '低保边缘家庭成员', '支出型困难家庭成员')
                AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}')
                AND NOT EXISTS (SELECT 1 FROM gongan g
                                WHERE g.idno = m.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}'))
ORDER BY 1;
