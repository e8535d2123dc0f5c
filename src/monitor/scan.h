/* scan.h — a scan (SPEC §3): snapshot of the store, every rule of the pack
 * evaluated for every subject as of a business date, each hit explained,
 * and the hits written as alerts (or, for a dry run, only counted). */
#ifndef MS_MONITOR_SCAN_H
#define MS_MONITOR_SCAN_H

#include "base/date.h"
#include "base/err.h"
#include "base/progress.h"
#include "monitor/alerts.h"
#include "rules/pack.h"
#include "store/store.h"

typedef struct ms_scan_opts {
	ms_date as_of;
	bool dry_run;
	const char *actor;
	const ms_progress *progress;
} ms_scan_opts;

typedef struct ms_scan_result {
	ms_scan_summary summary;
	int64_t hits[MS_PACK_MAX_RULES]; /* subjects each rule fired for */
	double snapshot_seconds, rules_seconds, explain_seconds, alerts_seconds;
	size_t rules_peak_bytes;
	uint32_t persons, households;
	/* where the snapshot came from: "built" from the store, or "loaded" from
	 * the snapshot file beside the database (still current) */
	const char *snapshot_source;
} ms_scan_result;

ms_err ms_scan_run(ms_store *s, const ms_pack *pack, const ms_scan_opts *o, ms_scan_result *res,
                   ms_error *err);

/* The snapshot of the store as it is now: the file beside the database when
 * it is current, else built (and the file rewritten). *source is "loaded"
 * or "built". The caller frees it with ms_snapshot_free. */
struct ms_snapshot;
ms_err ms_scan_snapshot(ms_store *s, const ms_pack *pack, const ms_progress *progress,
                        struct ms_snapshot **out, const char **source, ms_error *err);

#endif
