/* doctor.h — `minsheng doctor`: checks an installation end to end (its
 * configuration, the database's integrity, free disk space, the ownership
 * of the data files, the access log's hash chain and anchors, the policy
 * pack, the web files, the TLS certificate) and says what to fix, in
 * Chinese and English. It changes nothing: the database is opened
 * read-only (SQLite may still create the -shm file a WAL reader needs). */
#ifndef MS_OPS_DOCTOR_H
#define MS_OPS_DOCTOR_H

#include "ops/config.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum { MS_CHECK_OK, MS_CHECK_WARN, MS_CHECK_FAIL } ms_check_state;

typedef struct ms_check {
	const char *id;               /* config, database, disk, files, access_log, pack, web, tls */
	const char *title_zh, *title_en;
	ms_check_state state;
	char detail[1024];            /* what was found, Chinese / English */
	char fix[512];                /* what to do, Chinese / English; "" when nothing */
} ms_check;

typedef struct ms_doctor_opts {
	/* the configuration file read (NULL: none), and how it went: loaded
	 * (problems listed in it when it did not load or its paths are wrong) */
	const ms_config *config;
	bool config_ok;
	const char *db;           /* the database path */
	const char *access_path;  /* the access log */
	const char *pack_dir;
	const char *static_dir;   /* NULL: no web UI configured */
	const char *tls_cert, *tls_key; /* NULL: no TLS configured */
	int64_t now;              /* Unix time, for certificate dates */
	/* free space below which the disk check warns: the smaller of a
	 * share of the file system and an absolute size (10 %, 2 GiB) */
	int min_free_percent;
	uint64_t min_free_bytes;
} ms_doctor_opts;

/* Runs every check and calls fn with each result, in order. Returns the
 * number of checks that are not ok. */
int ms_doctor_run(const ms_doctor_opts *o, void (*fn)(void *ctx, const ms_check *c), void *ctx);

#endif
