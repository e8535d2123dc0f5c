-- R15 防返贫对象未纳入 (SPEC §3.3), person.
-- Alive; a nongye record active at D (纳入日期 <= D, 退出日期 empty or >= D); no
-- low-income status active at D.
SELECT DISTINCT n.idno AS subject
FROM nongye n
WHERE n."纳入日期" <= '{D}' AND (n."退出日期" IS NULL OR n."退出日期" >= '{D}')
  AND substr(n.idno, 7, 8) <= '{BORN_BY}'
  AND NOT EXISTS (SELECT 1 FROM gongan g
                  WHERE g.idno = n.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND NOT EXISTS (SELECT 1 FROM categories k
                  WHERE k.idno = n.idno
                    AND k."类别" IN ('低保对象', '特困人员', '低保边缘家庭成员', '支出型困难家庭成员')
                    AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}'))
ORDER BY 1;
