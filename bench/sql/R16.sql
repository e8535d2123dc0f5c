-- R16 特困与孤儿重复 (SPEC §3.3), person.
-- Alive; holds 特困人员; 孤儿基本生活费 active at D.
SELECT DISTINCT b.idno AS subject
FROM benefits b
WHERE b."待遇项目" = '孤儿基本生活费'
  AND b."开始日期" <= '{D}' AND (b."结束日期" IS NULL OR b."结束日期" >= '{D}')
  AND substr(b.idno, 7, 8) <= '{BORN_BY}'
  AND NOT EXISTS (SELECT 1 FROM gongan g
                  WHERE g.idno = b.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND EXISTS (SELECT 1 FROM categories k
              WHERE k.idno = b.idno AND k."类别" = '特困人员'
                AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}'))
ORDER BY 1;
