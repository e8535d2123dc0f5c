/* people_impl.h — what the files of src/people share: the registry feeds
 * found by role, columns found by type, values as text. Only src/people
 * includes it. */
#ifndef MS_PEOPLE_IMPL_H
#define MS_PEOPLE_IMPL_H

#include "people/people.h"

#include "model/feed.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The meta keys of the search index: what it holds, and a full rebuild in
 * progress (its start, Unix seconds). */
#define PEOPLE_MARK_KEY "people_index"
#define PEOPLE_BUILDING_KEY "people_index_building"
/* Field col of canonical values, copied (cut to cap); "" when absent. */
void people_field(const char *vals, int col, char *out, size_t cap);
/* The first column of a type, -1 when none. */
int people_col_of_type(const ms_feed *f, ms_col_type t);
/* The column giving a member's relation to the head of the household: the
 * persons feed's first enumeration outside its key. -1 when none. */
int people_relation_col(const ms_feed *f);
/* A canonical value as people read it: money in yuan with 2 decimals,
 * decimals with their point; identity numbers and phones masked unless
 * full. */
void people_value_text(const ms_feed_column *c, const char *v, size_t n, bool full, char *out,
                       size_t cap);

#endif
