-- R17 失业收入下降 (SPEC §3.3), person.
-- Alive; holds 低保边缘家庭成员 or 支出型困难家庭成员; a renshe_shiye registration
-- active at D (登记日期 <= D, 注销日期 empty or >= D).
SELECT DISTINCT u.idno AS subject
FROM renshe_shiye u
WHERE u."登记日期" <= '{D}' AND (u."注销日期" IS NULL OR u."注销日期" >= '{D}')
  AND substr(u.idno, 7, 8) <= '{BORN_BY}'
  AND NOT EXISTS (SELECT 1 FROM gongan g
                  WHERE g.idno = u.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND EXISTS (SELECT 1 FROM categories k
              WHERE k.idno = u.idno AND k."类别" IN ('低保边缘家庭成员', '支出型困难家庭成员')
                AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}'))
ORDER BY 1;
