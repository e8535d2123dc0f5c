-- R14 特困人员服刑 (SPEC §3.3), person.
-- Alive; holds 特困人员; a sifa 服刑在押 record active at D.
SELECT DISTINCT s.idno AS subject
FROM sifa s
WHERE s."类型" = '服刑在押'
  AND s."开始日期" <= '{D}' AND (s."预计结束日期" IS NULL OR s."预计结束日期" >= '{D}')
  AND substr(s.idno, 7, 8) <= '{BORN_BY}'
  AND NOT EXISTS (SELECT 1 FROM gongan g
                  WHERE g.idno = s.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND EXISTS (SELECT 1 FROM categories k
              WHERE k.idno = s.idno AND k."类别" = '特困人员'
                AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}'))
ORDER BY 1;
