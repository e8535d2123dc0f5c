/* config.h — the configuration file of a server (/etc/minsheng/minsheng.conf):
 * an INI file read with Debian's libinih. One reader, shared by `serve`,
 * `config check|show`, `doctor` and every command that needs the database
 * or the pack when no option or environment variable names them (the order
 * is: command-line option, environment, configuration, built-in default).
 *
 *   [database]  path, access_log, access_hash
 *   [server]    listen, threads, static, upload_limit_mb, trusted_proxy,
 *               cookie_secure
 *   [tls]       certificate, key
 *   [pack]      path
 *   [log]       level, format, requests
 *   [session]   idle_minutes, absolute_hours
 *   [scheduler] nightly_scan, backup_dir, backup_keep, anchor_copy_dir,
 *               reminders            (read and checked here, used elsewhere)
 *   [retention] enabled              (the periods are the pack's)
 *
 * Relative paths are taken from the folder of the configuration file, so
 * a file means the same whatever the working folder of the command. Every
 * problem is reported with file:line, in Chinese and English; unknown
 * sections and keys are problems too (a misspelt key must not be ignored
 * silently). */
#ifndef MS_OPS_CONFIG_H
#define MS_OPS_CONFIG_H

#include "base/err.h"
#include "base/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_CONFIG_DEFAULT_PATH "/etc/minsheng/minsheng.conf"
#define MS_CONFIG_FILE_MAX (64 * 1024)  /* bytes of the file */
#define MS_CONFIG_PATH_MAX 1024         /* bytes of a path, after resolving */
#define MS_CONFIG_PROBLEMS_MAX 32       /* problems kept (the rest are counted) */
#define MS_CONFIG_PROXIES_MAX 8         /* addresses in trusted_proxy */

typedef struct ms_config_problem {
	int line; /* 0 = the file as a whole */
	char msg[512];
} ms_config_problem;

typedef struct ms_config {
	char file[MS_CONFIG_PATH_MAX]; /* the file read; "" when none */
	/* [database] */
	char db[MS_CONFIG_PATH_MAX];          /* path or URL; "" = not set */
	char access_log[MS_CONFIG_PATH_MAX];  /* "" = the database path + ".access" */
	int access_hash;                      /* ms_audit_hash; 0 = not set (SHA-256) */
	/* [server] */
	char listen[64];                      /* "" = not set */
	int threads;                          /* 0 = not set */
	char static_dir[MS_CONFIG_PATH_MAX];  /* "" = no web UI */
	int upload_limit_mb;                  /* MiB; 0 = not set */
	char trusted_proxy[MS_CONFIG_PROXIES_MAX * 48]; /* canonical, comma-separated */
	int cookie_secure;                    /* -1 not set, 0 no, 1 yes */
	/* [tls] */
	char tls_cert[MS_CONFIG_PATH_MAX];
	char tls_key[MS_CONFIG_PATH_MAX];
	/* [pack] */
	char pack[MS_CONFIG_PATH_MAX];
	/* [log] */
	int log_level;                        /* ms_log_level; -1 = not set */
	int log_format;                       /* ms_log_format; -1 = not set */
	int log_requests;                     /* -1 not set, 0 no, 1 yes */
	/* [session] */
	int idle_minutes;                     /* 0 = not set */
	int absolute_hours;                   /* 0 = not set */
	/* [scheduler]: minutes after midnight, -1 = off / not set */
	int nightly_scan;
	char backup_dir[MS_CONFIG_PATH_MAX];
	int backup_keep;                      /* 0 = not set */
	char anchor_copy_dir[MS_CONFIG_PATH_MAX];
	int reminders;
	/* [retention] */
	int retention;                        /* -1 not set, 0 off, 1 on */
	/* the line of the file that set each key (0 = not set), in the order
	 * of the key table of config.c */
	int set_line[32];
	/* what was wrong */
	int nproblems;                        /* problems found (may exceed the kept ones) */
	ms_config_problem problems[MS_CONFIG_PROBLEMS_MAX];
} ms_config;

/* Sets every field to "not set". */
void ms_config_init(ms_config *c);

/* Reads and checks a file. MS_ERR_OK when it is valid; otherwise
 * MS_ERR_INVALID (MS_ERR_NOT_FOUND / MS_ERR_IO when it cannot be read,
 * MS_ERR_TOO_LARGE past MS_CONFIG_FILE_MAX) with c->problems listing what
 * is wrong and err the first problem as "file:line: message". */
ms_err ms_config_load(const char *path, ms_config *c, ms_error *err);

/* Which file applies when no --config is given: $MINSHENG_CONFIG ("none"
 * or empty: no file), else MS_CONFIG_DEFAULT_PATH when it exists, else
 * NULL. *explicit is set when the environment named it (then a missing
 * file is an error, not "no configuration"). */
const char *ms_config_default_path(bool *explicit_);

/* Checks what the file names exists: the TLS files readable, the pack,
 * static and scheduler folders present, the database's folder present.
 * Adds problems (line of the key) to c; returns the number added. */
int ms_config_check_paths(ms_config *c);

/* Calls fn for each key (section, key, value as text — "" when not set —
 * and the line of the file that set it, 0 when none), in the order of the
 * documentation. Secrets never appear: a password in a database URL is
 * replaced by "***". */
void ms_config_each(const ms_config *c,
                    void (*fn)(void *ctx, const char *section, const char *key,
                               const char *value, int line),
                    void *ctx);

/* "HH:MM" to minutes after midnight; -1 when malformed. */
int ms_config_parse_time(const char *s);

/* Reads a list of numeric IPv4/IPv6 addresses (separated by commas or
 * blanks, at most MS_CONFIG_PROXIES_MAX) into canonical, comma-separated
 * text; false with the reason in why when an entry is not an address. */
bool ms_config_proxy_list(const char *in, char *out, size_t cap, char *why, size_t whycap);

/* Whether addr (a numeric IPv4 or IPv6 address) is in a canonical list of
 * ms_config_proxy_list. */
bool ms_config_addr_in(const char *list, const char *addr);

#endif
