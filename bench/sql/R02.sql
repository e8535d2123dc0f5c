-- R02 重度残疾人护理补贴应享未享 (SPEC §3.3), person.
-- Alive at D; a certificate valid at D (发证日期 <= D <= 有效期至) of grade 1–2,
-- or grade 3–4 of 智力/精神 (care_mental_grade34 = true); no 重度残疾人护理补贴
-- active at D. Subjects are born on or before D.
SELECT DISTINCT c.idno AS subject
FROM canlian c
WHERE c."发证日期" <= '{D}' AND c."有效期至" >= '{D}'
  AND (c."残疾等级" IN ('1', '2')
       OR (c."残疾等级" IN ('3', '4') AND c."残疾类别" IN ('智力', '精神')))
  AND substr(c.idno, 7, 8) <= '{BORN_BY}'
  AND NOT EXISTS (SELECT 1 FROM gongan g
                  WHERE g.idno = c.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
  AND NOT EXISTS (SELECT 1 FROM benefits b
                  WHERE b.idno = c.idno AND b."待遇项目" = '重度残疾人护理补贴'
                    AND b."开始日期" <= '{D}' AND (b."结束日期" IS NULL OR b."结束日期" >= '{D}'))
ORDER BY 1;
