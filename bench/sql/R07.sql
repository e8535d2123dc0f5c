-- R07 孤儿应享未享 (SPEC §3.3), person.
-- Alive; age < 18; the registry row gives both parents' numbers and both parents
-- are dead at D; no 孤儿基本生活费 active at D.
SELECT p.idno AS subject
FROM persons p
WHERE p."父亲身份证号" IS NOT NULL AND p."母亲身份证号" IS NOT NULL
  AND substr(p.idno, 7, 8) > '{AGE18_BORN_BY}' AND substr(p.idno, 7, 8) <= '{BORN_BY}'
  AND NOT EXISTS (SELECT 1 FROM gongan g
                  WHERE g.idno = p.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND EXISTS (SELECT 1 FROM gongan g
              WHERE g.idno = p."父亲身份证号" AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND EXISTS (SELECT 1 FROM gongan g
              WHERE g.idno = p."母亲身份证号" AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND NOT EXISTS (SELECT 1 FROM benefits b
                  WHERE b.idno = p.idno AND b."待遇项目" = '孤儿基本生活费'
                    AND b."开始日期" <= '{D}' AND (b."结束日期" IS NULL OR b."结束日期" >= '{D}'))
ORDER BY 1;
