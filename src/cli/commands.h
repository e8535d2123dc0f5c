/* commands.h — the table of subcommands: name, one-line summary (Chinese /
 * English), handler. Add a row to add a subcommand. */
CLI_COMMAND(version, "显示版本 / show the version", cli_cmd_version)
