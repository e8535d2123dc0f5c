/* population.c — holders of each category on a date, by area prefix,
 * counted over the snapshot: one pass over the category feed's rows. */
#include "monitor/population.h"

#include "base/mem.h"

#include <stdio.h>
#include <string.h>

ms_err ms_population_count(const ms_pack *pack, const ms_snapshot *snap, const char *area, ms_date d,
                           ms_population *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	if (!pack->population)
		return ms_error_set(err, MS_ERR_PACK, "政策包未指定 population 列 (the pack names no population column)");
	const char *dot = strchr(pack->population, '.');
	char fname[128];
	size_t fl = (size_t)(dot - pack->population);
	if (fl >= sizeof fname)
		return ms_error_set(err, MS_ERR_PACK, "population: feed name too long");
	memcpy(fname, pack->population, fl);
	fname[fl] = '\0';
	const ms_snap_feed *sf = ms_snapshot_feed(snap, fname);
	if (!sf)
		return MS_ERR_OK; /* nothing of that feed imported yet */
	const ms_feed *f = sf->def;
	int ci = -1;
	for (int i = 0; i < f->n_cols; i++)
		if (!strcmp(f->cols[i].name, dot + 1))
			ci = i;
	if (ci < 0)
		return ms_error_set(err, MS_ERR_PACK, "population: no such column");
	const ms_feed_column *col = &f->cols[ci];
	out->n = col->n_values < MS_POPULATION_MAX ? col->n_values : MS_POPULATION_MAX;
	/* dictionary id of the snapshot column → category index */
	const ms_snap_col *sc = &sf->cols[ci];
	int *map = ms_malloc(sizeof(int) * (sc->dict.n ? sc->dict.n : 1));
	unsigned char *seen = ms_calloc(out->n + 1, 1);
	if (!map || !seen) {
		ms_free(map);
		ms_free(seen);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	for (int i = 0; i < out->n; i++)
		snprintf(out->category[i], sizeof out->category[i], "%s", col->values[i]);
	for (uint32_t id = 0; id < sc->dict.n; id++) {
		map[id] = -1;
		for (int i = 0; i < out->n && id; i++)
			if (!strcmp(sc->dict.str[id], col->values[i]))
				map[id] = i;
	}
	const ms_snap_col *a = &sf->cols[f->range_start[0]], *b = &sf->cols[f->range_end[0]];
	size_t alen = area ? strlen(area) : 0;
	for (uint32_t p = 0; p < snap->npersons; p++) {
		const char *pa = snap->areas.str[snap->area[p]];
		if (alen && (!pa || strncmp(pa, area, alen) != 0))
			continue;
		if (snap->birth[p] == MS_DATE_NONE || snap->birth[p] > d)
			continue;
		memset(seen, 0, (size_t)out->n + 1);
		bool any = false;
		for (uint32_t r = sf->start[p]; r < sf->start[p + 1]; r++) {
			int32_t s0 = a->i32[r], e0 = b->i32[r];
			bool s_empty = s0 == MS_DATE_NONE || (a->empty && a->empty[r]);
			bool e_empty = e0 == MS_DATE_NONE || (b->empty && b->empty[r]);
			if (s_empty || s0 > d || (!e_empty && e0 < d))
				continue;
			int k = map[sc->i32[r]];
			if (k < 0 || seen[k])
				continue;
			seen[k] = 1;
			out->persons[k]++;
			any = true;
		}
		out->total += any;
	}
	ms_free(map);
	ms_free(seen);
	return MS_ERR_OK;
}
