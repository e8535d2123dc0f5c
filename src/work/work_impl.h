/* work_impl.h — what the files of src/work share: who sees an alert, the
 * time of a change, and small text checks. Only src/work includes it. */
#ifndef MS_WORK_IMPL_H
#define MS_WORK_IMPL_H

#include "work/work.h"

/* An alert's fields the rules look at, copied out of the store (whose
 * strings live only until its next call). */
typedef struct work_alert {
	int64_t id, version;
	char state[16];
	char area[16];
	char inbox[16];
	char subject_type[16];
	char subject[256];
	char assignee[MS_USER_NAME_MAX + 1]; /* "" when none */
	char assignee_station[13];           /* the assignee's station, "" when none */
	char outcome[32];
	char decision[MS_WORK_NOTE_MAX + 1];
} work_alert;

/* Copies a stored alert and looks up its assignee's station. */
ms_err work_alert_load(ms_store *s, int64_t id, work_alert *out, ms_error *err);
/* Whether the user may see the alert (SPEC §1 scopes; work.h rule 3). */
bool work_visible(const ms_user *u, const work_alert *a);
/* Whether an area or inbox of the alert lies in the user's scope. */
bool work_in_scope(const ms_user *u, const work_alert *a);
/* The time of a change and its date. */
ms_err work_now(const ms_work_env *env, char out[32], ms_date *day, ms_error *err);
/* The standard "not found" of an alert the actor may not see. */
ms_err work_not_found(int64_t id, ms_error *err);
void work_copy(char *dst, size_t cap, const char *src);

#endif
