/* snapshot.c (model) — lookups over a snapshot: persons and households by
 * key (binary search over the sorted arrays), feeds by name, dictionary
 * entries by text. */
#include "model/snapshot.h"

#include <string.h>

int32_t ms_snapshot_person(const ms_snapshot *snap, const char *idno)
{
	if (!idno || strlen(idno) != 18)
		return -1;
	uint32_t lo = 0, hi = snap->npersons;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(snap->idno[mid], idno, 18);
		if (c == 0)
			return (int32_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int32_t ms_snapshot_household(const ms_snapshot *snap, const char *hhid)
{
	if (!hhid)
		return -1;
	uint32_t lo = 0, hi = snap->nhouseholds;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(snap->hhid[mid], hhid);
		if (c == 0)
			return (int32_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const ms_snap_feed *ms_snapshot_feed(const ms_snapshot *snap, const char *name)
{
	for (int f = 0; name && f < snap->nfeeds; f++)
		if (strcmp(snap->feeds[f].def->name, name) == 0)
			return &snap->feeds[f];
	return NULL;
}

int32_t ms_snap_dict_find(const ms_snap_dict *d, const char *s)
{
	if (!s || !*s)
		return 0;
	for (uint32_t id = 1; id < d->n; id++)
		if (strcmp(d->str[id], s) == 0)
			return (int32_t)id;
	return -1;
}
