-- R04 残疾证失效仍在发放 (SPEC §3.3), person.
-- Alive; 重度残疾人护理补贴 or 困难残疾人生活补贴 active at D; no certificate valid at D.
SELECT DISTINCT b.idno AS subject
FROM benefits b
WHERE b."待遇项目" IN ('重度残疾人护理补贴', '困难残疾人生活补贴')
  AND b."开始日期" <= '{D}' AND (b."结束日期" IS NULL OR b."结束日期" >= '{D}')
  AND substr(b.idno, 7, 8) <= '{BORN_BY}'
  AND NOT EXISTS (SELECT 1 FROM gongan g
                  WHERE g.idno = b.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND NOT EXISTS (SELECT 1 FROM canlian c
                  WHERE c.idno = b.idno AND c."发证日期" <= '{D}' AND c."有效期至" >= '{D}')
ORDER BY 1;
