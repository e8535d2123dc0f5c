/* ops_cli.h — what the operations subcommands (print, report, remind,
 * purge, webhook, backups, anchors) share: the acting user and its scope,
 * an export written to the access log, and a file written privately. */
#ifndef MS_CLI_OPS_CLI_H
#define MS_CLI_OPS_CLI_H

#include "auth/auth.h"
#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

/* The actor of --as (NULL: the operator, who sees everything) and the
 * scope it reads with; prints the failure and returns 1 when the user is
 * unknown or disabled. */
int cli_ops_actor(const char *cmd, ms_store *s, const char *as, ms_user *u, ms_scope *sc);

/* Writes an export to the access log (SPEC §7): user (NULL: "operator"),
 * role, object, ref, and the command as route. Returns 1 (printed) when
 * the log cannot be written: nothing is exported unrecorded. */
int cli_ops_audit_export(const char *cmd, const ms_user *u, const char *object, const char *ref,
                         const char *route);

/* Writes bytes to path (mode 0600: the files hold personal data) through
 * path.tmp and a rename; returns 1 (printed) on failure. */
int cli_ops_write_file(const char *cmd, const char *path, const void *bytes, size_t len);

#endif
