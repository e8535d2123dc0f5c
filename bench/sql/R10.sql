-- R10 名下有经营主体 (SPEC §3.3), household (subject = 户编号).
-- A living member holds 低保对象, 特困人员 or 低保边缘家庭成员; a living member has a
-- shichang record active at D with 角色 法定代表人 or 股东 (whatever 雇员数), or
-- 个体工商户经营者 with 雇员数 > 0.
WITH biz AS (
  SELECT DISTINCT m."户编号" AS hid
  FROM shichang s JOIN persons m ON m.idno = s.idno
  WHERE s."登记日期" <= '{D}' AND (s."注销日期" IS NULL OR s."注销日期" >= '{D}')
    AND (s."角色" IN ('法定代表人', '股东') OR (s."角色" = '个体工商户经营者' AND s."雇员数" > 0))
    AND NOT EXISTS (SELECT 1 FROM gongan g
                    WHERE g.idno = m.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
)
SELECT h."户编号" AS subject
FROM biz JOIN households h ON h."户编号" = biz.hid
WHERE EXISTS (SELECT 1 FROM persons m JOIN categories k ON k.idno = m.idno
              WHERE m."户编号" = biz.hid
                AND k."类别" IN ('低保对象', '特困人员', '低保边缘家庭成员')
                AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}')
                AND NOT EXISTS (SELECT 1 FROM gongan g
                                WHERE g.idno = m.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}'))
ORDER BY 1;
