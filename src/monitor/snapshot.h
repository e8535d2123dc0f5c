/* snapshot.h (monitor) — building the columnar snapshot of the population
 * from the store, and keeping it as a file; the types it fills are in
 * model/snapshot.h. */
#ifndef MS_MONITOR_SNAPSHOT_H
#define MS_MONITOR_SNAPSHOT_H

#include "base/date.h"
#include "base/err.h"
#include "base/progress.h"
#include "model/feed.h"
#include "model/snapshot.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>



/* Builds a snapshot from every current record in the store. It holds every
 * person, whatever the birth date: a scan leaves out those born after its
 * as-of date. Uses both cores where it helps: the records are read through
 * s and through a second handle on the same file, opened and closed here,
 * so call it outside a write transaction on s (the second handle sees only
 * what is committed). Dictionary ids follow the order in which the records
 * (by id) first use each string: the same records give the same snapshot.
 * Names and areas of persons outside the registry come from their newest
 * feed row that gives one: by the row's own date, then batch, then row. */
ms_err ms_snapshot_build(ms_store *s, const ms_feed_set *feeds, const ms_progress *progress,
                         ms_snapshot **out, ms_error *err);
void ms_snapshot_free(ms_snapshot *snap);

/* ---- the snapshot file (snapshot_file.c) ----
 * A snapshot kept as a file loads in a fraction of the time a build takes.
 * The file is versioned binary in this machine's byte order: a header
 * (magic, format version, the feed set's hash, the file's size, a checksum
 * of everything after the header) and every array and dictionary, each
 * 8-byte aligned so a load maps the file read-only and points the arrays
 * into the mapping. The feeds' definitions are not in the file: a load binds
 * the file's feeds to those of `feeds`, and refuses a file written for a
 * different feed set (ms_snapshot_feeds_hash). */

/* A hash of everything in a feed set that shapes a snapshot (names, roles,
 * columns, their types and roles), with the file format's version. */
uint64_t ms_snapshot_feeds_hash(const ms_feed_set *feeds);
/* Writes snap to path atomically: a temporary file beside it, flushed to
 * disk, then renamed over path. */
ms_err ms_snapshot_save(const ms_snapshot *snap, const ms_feed_set *feeds, const char *path,
                        ms_error *err);
/* Maps path and checks it whole (magic, version, feed set, size, checksum,
 * the bounds of every array); MS_ERR_NOT_FOUND when there is no file,
 * MS_ERR_INVALID when it is damaged, old or for other feeds. The snapshot
 * is freed by ms_snapshot_free as a built one is. */
ms_err ms_snapshot_load(const char *path, const ms_feed_set *feeds, ms_snapshot **out,
                        ms_error *err);

#endif
