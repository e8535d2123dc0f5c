/* progress.h — how long work reports its progress to whatever face runs it
 * (a bar on a terminal, a job record behind the API). */
#ifndef MS_BASE_PROGRESS_H
#define MS_BASE_PROGRESS_H

#include <stdint.h>

/* done and total are in the work's own unit (bytes, rows, subjects);
 * total 0 = unknown. Called at most a few times a second by the worker. */
typedef struct ms_progress {
	void (*report)(void *ctx, const char *stage, uint64_t done, uint64_t total);
	void *ctx;
} ms_progress;

static inline void ms_progress_report(const ms_progress *p, const char *stage, uint64_t done,
                                      uint64_t total)
{
	if (p && p->report)
		p->report(p->ctx, stage, done, total);
}

#endif
