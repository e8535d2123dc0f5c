-- R01 死亡未停发 (SPEC §3.3), person.
-- Dead at D (a gongan 死亡 event dated <= D), and holds a benefit or a
-- low-income status active at D.
SELECT DISTINCT g.idno AS subject
FROM gongan g
WHERE g."事件类型" = '死亡' AND g."事件日期" <= '{D}'
  AND substr(g.idno, 7, 8) <= '{BORN_BY}'
  AND (EXISTS (SELECT 1 FROM benefits b
               WHERE b.idno = g.idno
                 AND b."开始日期" <= '{D}' AND (b."结束日期" IS NULL OR b."结束日期" >= '{D}'))
       OR EXISTS (SELECT 1 FROM categories k
                  WHERE k.idno = g.idno
                    AND k."类别" IN ('低保对象', '特困人员', '低保边缘家庭成员', '支出型困难家庭成员')
                    AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}')))
ORDER BY 1;
