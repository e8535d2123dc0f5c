-- R09 名下有车 (SPEC §3.3), household (subject = 户编号).
-- A living member holds 低保对象, 特困人员 or 低保边缘家庭成员 (active at D); a living
-- member has a jiaoguan vehicle active at D (登记日期 <= D, 注销日期 empty or >= D)
-- whose 车辆类型 is not exempt (摩托车, 残疾人机动轮椅车, 电动自行车).
WITH car AS (
  SELECT DISTINCT m."户编号" AS hid
  FROM jiaoguan v JOIN persons m ON m.idno = v.idno
  WHERE v."登记日期" <= '{D}' AND (v."注销日期" IS NULL OR v."注销日期" >= '{D}')
    AND v."车辆类型" NOT IN ('摩托车', '残疾人机动轮椅车', '电动自行车')
    AND NOT EXISTS (SELECT 1 FROM gongan g
                    WHERE g.idno = m.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
)
SELECT h."户编号" AS subject
FROM car JOIN households h ON h."户编号" = car.hid
WHERE EXISTS (SELECT 1 FROM persons m JOIN categories k ON k.idno = m.idno
              WHERE m."户编号" = car.hid
                AND k."类别" IN ('低保对象', '特困人员', '低保边缘家庭成员')
                AND k."开始日期" <= '{D}' AND (k."结束日期" IS NULL OR k."结束日期" >= '{D}')
                AND NOT EXISTS (SELECT 1 FROM gongan g
                                WHERE g.idno = m.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}'))
ORDER BY 1;
