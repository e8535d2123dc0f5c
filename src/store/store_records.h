/* store_records.h — reading single records back, for explanations and
 * person pages. */
#ifndef MS_STORE_RECORDS_H
#define MS_STORE_RECORDS_H

#include "store/store.h"

/* One record by id, whatever its batch's state; the strings stay valid
 * until the next call on the handle. MS_ERR_NOT_FOUND when absent. */
ms_err ms_store_record_get(ms_store *s, int64_t id, ms_record *out, const char **feed,
                           ms_error *err);

#endif
