/* commands.h — the table of subcommands: name, one-line summary (Chinese /
 * English), handler. Add a row to add a subcommand. */
CLI_COMMAND(init, "创建或升级数据库 / create or upgrade the database", cli_cmd_init)
CLI_COMMAND(import, "导入数据文件、批次与待核对 / import files, batches, review queue", cli_cmd_import)
CLI_COMMAND(scan, "运行规则生成预警 / run the rules and raise alerts", cli_cmd_scan)
CLI_COMMAND(rules, "政策包与规则 / policy pack and rules", cli_cmd_rules)
CLI_COMMAND(version, "显示版本 / show the version", cli_cmd_version)
CLI_COMMAND(id, "校验身份证号 / check identity numbers", cli_cmd_id)
CLI_COMMAND(gen, "生成合成测试省份 / generate a synthetic province", cli_cmd_gen)
CLI_COMMAND(alerts, "列出预警 / list alerts", cli_cmd_alerts)
CLI_COMMAND(explain, "解释预警 / explain an alert", cli_cmd_explain)
CLI_COMMAND(station, "社工站 / stations", cli_cmd_station)
