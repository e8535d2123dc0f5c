/* stats_json.c — the figures of an area as JSON, shared by the command line
 * and the API so that both say exactly the same thing. */
#include "work/service.h"

#include "base/money.h"
#include "monitor/population.h"

json_t *ms_stats_json(const ms_stats *st, const ms_service_figures *sf,
                      const struct ms_population *pop)
{
	json_t *outcomes = json_object();
	json_t *issued = json_object();
	for (size_t i = 0; i < st->nrules; i++) {
		json_t *r = json_object();
		for (int k = 0; k < MS_STATS_OUTCOMES; k++)
			if (st->rules[i].outcomes[k])
				json_object_set_new(r, ms_outcome_code(k),
				                    json_integer(st->rules[i].outcomes[k]));
		json_object_set_new(outcomes, st->rules[i].rule, r);
		json_object_set_new(issued, st->rules[i].rule,
		                    json_pack("{s:I, s:I}", "issued", (json_int_t)st->rules[i].issued,
		                              "verified", (json_int_t)st->rules[i].verified));
	}
	json_t *median =
		st->median_working_days < 0 ? json_null() : json_real(st->median_working_days);
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:I, s:o, s:o, s:o}", "area", st->area,
	                      "from", st->from, "to", st->to, "issued", (json_int_t)st->issued,
	                      "verified", (json_int_t)st->verified, "verification_rate",
	                      st->verification_rate, "on_time", (json_int_t)st->on_time,
	                      "median_working_days", median, "outcomes", outcomes, "by_rule", issued);
	if (!j)
		return NULL;
	char yuan[MS_MONEY_STR];
	ms_money_format(sf->resources_fen, 0, yuan);
	json_object_set_new(j, "service",
	                    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "files",
	                              (json_int_t)sf->files, "visits", (json_int_t)sf->visits,
	                              "person_times", (json_int_t)sf->person_times,
	                              "applications_granted", (json_int_t)sf->applications_granted,
	                              "volunteers", (json_int_t)sf->volunteers, "organizations",
	                              (json_int_t)sf->organizations, "resources_fen",
	                              (json_int_t)sf->resources_fen, "resources_yuan", yuan));
	if (pop) {
		json_t *cats = json_object();
		for (int i = 0; i < pop->n; i++)
			json_object_set_new(cats, pop->category[i], json_integer(pop->persons[i]));
		json_object_set_new(j, "population",
		                    json_pack("{s:I, s:o}", "total", (json_int_t)pop->total,
		                              "by_category", cats));
	}
	return j;
}
