/* print.h — the printed forms of a station (A4 PDF, Chinese): the
 * home-verification form of an alert (入户核查表) and a household's file
 * (一户一档). docs/operations.md shows them.
 *
 *  1. Who may print is who may read: the alert as ms_work_alert_get lets
 *     the actor see it; the household as ms_people_household lets the
 *     scope read it (work/work.h, people/people.h). Outside, MS_ERR_NOT_FOUND.
 *  2. A form carries full identity numbers, as the detail pages do for a
 *     record inside the scope (docs/decisions.md, "Operations"): the form
 *     is for the visit, the file for the station's own use. Every print is
 *     an export and the caller writes it to the access log.
 *  3. Facts, members, records and timeline lines are bounded
 *     (MS_PRINT_MAX_ROWS each; the rest are counted on the form). */
#ifndef MS_PRINT_PRINT_H
#define MS_PRINT_PRINT_H

#include "base/err.h"
#include "rules/pack.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

#define MS_PRINT_MAX_ROWS 200

typedef struct ms_print_opts {
	const char *printed_by; /* the name shown as who printed; NULL: 运维 (operator) */
	const char *now;        /* the time shown; NULL: the clock */
} ms_print_opts;

/* The home-verification form of alert id, as actor (NULL: the operator)
 * reading with scope sc. *pdf (malloc'd, the caller frees) and *len
 * receive the document. */
ms_err ms_print_alert(ms_store *s, const ms_pack *pack, const char *actor, const ms_scope *sc,
                      int64_t id, const ms_print_opts *o, char **pdf, size_t *len,
                      ms_error *err);

/* The file of a household (户编号 or reference). */
ms_err ms_print_household(ms_store *s, const ms_pack *pack, const char *actor,
                          const ms_scope *sc, const char *household, const ms_print_opts *o,
                          char **pdf, size_t *len, ms_error *err);

/* The font the forms embed (NULL when none is installed). */
const char *ms_print_font(void);

#endif
