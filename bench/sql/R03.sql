-- R03 困难残疾人生活补贴应享未享 (SPEC §3.3), person.
-- Alive; a certificate valid at D; holds 低保对象; no 困难残疾人生活补贴 active at D.
SELECT DISTINCT c.idno AS subject
FROM canlian c
WHERE c."发证日期" <= '{D}' AND c."有效期至" >= '{D}'
  AND substr(c.idno, 7, 8) <= '{BORN_BY}'
  AND NOT EXISTS (SELECT 1 FROM gongan g
                  WHERE g.idno = c.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND EXISTS (SELECT 1 FROM categories k
              WHERE k.idno = c.idno AND k."类别" = '低保对象'
                AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}'))
  AND NOT EXISTS (SELECT 1 FROM benefits b
                  WHERE b.idno = c.idno AND b."待遇项目" = '困难残疾人生活补贴'
                    AND b."开始日期" <= '{D}' AND (b."结束日期" IS NULL OR b."结束日期" >= '{D}'))
ORDER BY 1;
