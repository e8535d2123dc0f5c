/* store_check.h — the database's own integrity check, for `minsheng doctor`. */
#ifndef MS_STORE_CHECK_H
#define MS_STORE_CHECK_H

#include "store/store.h"

#include <stddef.h>

/* Runs SQLite's PRAGMA quick_check (the structure of every page, index
 * entries counted; not the contents of indexes, which full integrity_check
 * compares at several times the cost) and reports at most cap-1 bytes of
 * its first findings in problem ("" when it found none). MS_ERR_OK when the
 * database is sound, MS_ERR_INVALID when quick_check found damage, another
 * code when the check could not run. */
ms_err ms_store_quick_check(ms_store *s, char *problem, size_t cap, ms_error *err);

#endif
