-- R13 受灾紧急救助 (SPEC §3.3), person.
-- Alive; a yingji record with 受灾日期 in [D − disaster_window_days (29), D] and
-- 房屋损毁程度 倒塌 or 严重损坏.
SELECT DISTINCT y.idno AS subject
FROM yingji y
WHERE y."受灾日期" >= '{D_29}' AND y."受灾日期" <= '{D}'
  AND y."房屋损毁程度" IN ('倒塌', '严重损坏')
  AND substr(y.idno, 7, 8) <= '{BORN_BY}'
  AND NOT EXISTS (SELECT 1 FROM gongan g
                  WHERE g.idno = y.idno AND g."事件类型" = '死亡' AND g."事件日期" <= '{D}')
ORDER BY 1;
