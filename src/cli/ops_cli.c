/* ops_cli.c — helpers of the operations subcommands (ops_cli.h). */
#include "cli/ops_cli.h"

#include "audit/audit.h"
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_ops_actor(const char *cmd, ms_store *s, const char *as, ms_user *u, ms_scope *sc)
{
	memset(u, 0, sizeof *u);
	*sc = (ms_scope){.kind = MS_SCOPE_ALL};
	if (!as)
		return CLI_OK;
	ms_error err;
	ms_error_clear(&err);
	if (ms_auth_actor(s, as, u, &err))
		return cli_fail_err(cmd, &err);
	ms_auth_scope(u, sc);
	return CLI_OK;
}

int cli_ops_audit_export(const char *cmd, const ms_user *u, const char *object, const char *ref,
                         const char *route)
{
	ms_error err;
	ms_error_clear(&err);
	ms_audit *a = NULL;
	ms_audit_opts o = {.path = cli_access_path()};
	ms_audit_entry e = {.user = u && u->name[0] ? u->name : "operator",
	                    .role = u && u->name[0] ? ms_role_code(u->role) : "operator",
	                    .action = "export",
	                    .object = object,
	                    .ref = ref,
	                    .route = route,
	                    .status = 0,
	                    .addr = "",
	                    .request = ""};
	ms_err rc = ms_audit_open(&o, &a, &err);
	if (!rc)
		rc = ms_audit_log(a, &e, &err);
	if (!rc)
		rc = ms_audit_flush(a, &err);
	ms_audit_close(a);
	if (rc)
		return cli_fail(cmd, "无法写入访问日志，未导出 (the access log cannot be written: nothing "
		                     "was exported): %s",
		                ms_error_text(&err));
	return CLI_OK;
}

int cli_ops_write_file(const char *cmd, const char *path, const void *bytes, size_t len)
{
	size_t n = strlen(path) + 16;
	char *tmp = malloc(n);
	if (!tmp)
		return cli_fail(cmd, "内存不足 (out of memory)");
	snprintf(tmp, n, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok = fd >= 0;
	const char *p = bytes;
	size_t left = len;
	while (ok && left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		ok = w > 0;
		if (ok) {
			p += w;
			left -= (size_t)w;
		}
	}
	int saved = errno;
	if (fd >= 0 && (fsync(fd) != 0 || close(fd) != 0) && ok) {
		ok = false;
		saved = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		unlink(tmp);
		free(tmp);
		return cli_fail(cmd, "无法写入 %s (cannot write): %s", path, strerror(saved));
	}
	free(tmp);
	return CLI_OK;
}
