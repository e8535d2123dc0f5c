/* people.h — persons and households as the API and the command line show
 * them, and the search over them (SPEC §6 persons, households, search).
 *
 * Rules kept here:
 *  1. Every function takes the caller's scope (store.h ms_scope) and reads
 *     through scoped store functions that apply it in SQL: a person or a
 *     household outside the scope is MS_ERR_NOT_FOUND, exactly as one the
 *     registry does not hold.
 *       - AREA (admin, officer): the record's area starts with the prefix;
 *       - STATION (station head): the area starts with the station code;
 *       - WORKER: a household that is the subject of an alert assigned
 *         to the user, or has a member who is, or whose service file is
 *         at the worker's station, and its members; a person who is the
 *         subject of an alert assigned to the user, or a member of such a
 *         household (membership as last indexed: see the refresh below);
 *       - NONE: nothing; ALL: everything.
 *     A person's area is the area of its current persons record; a
 *     household's, that of its current households record. The alerts
 *     listed on a page are those the scope may see (work/lifecycle.c:
 *     AREA by area or inbox, STATION by inbox or assignee's station,
 *     WORKER assigned to the user). A household's members are those inside
 *     the scope.
 *  2. Detail functions return the full identity number and phone when
 *     `full` is set (the detail page of a record inside the scope); every
 *     list (members, search results) masks them: 440106********123X,
 *     138****1234.
 *  3. Results are jansson objects the caller owns (json_decref).
 *  4. Persons are found by identity number or by reference (model/ref.h);
 *     households by 户编号 or reference. Every item of a list carries `ref`.
 *
 * JSON shapes (documented in docs/api.md):
 *  person: {"idno","ref","name","sex" (male|female),"birth","area",
 *           "area_name","household","household_ref","relation","phone",
 *           "values":{column: value},          -- the registry row
 *           FEED:[{column: value}],            -- the current rows of each
 *                                              --   registry feed of facts
 *                                              --   keyed by the person
 *                                              --   (the bundled pack: its
 *                                              --   category and benefit
 *                                              --   files), by feed name
 *           "alerts":[{"id","rule","state","created","due"}]}
 *          Absent values are null at the top level, "" in "values". Values
 *          are text: money in yuan with 2 decimals; identity numbers and
 *          phones in "values" and the feed rows masked unless `full`.
 *  household: {"id","ref","area","area_name","values":{…},
 *              "members":[{"idno" (masked),"ref","name","relation"}],
 *              "alerts":[…], "service_file": true|false}
 *  facts: {"idno" (masked),"feeds":[{"feed","title","department",
 *          "rows":[{"batch","row","values":{…} (masked)}]}]} — the current rows of
 *          every department feed whose natural key starts with the person
 *          column (feeds without a row for the person are left out; feeds
 *          keyed otherwise, e.g. by a settlement number, cannot be read by
 *          person without a pass over the feed and are not listed).
 *  search: {"items":[{"type":"person","ref","idno" (masked),"name","area",
 *           "area_name","household_ref","match"}
 *          | {"type":"household","ref","id","area","area_name","match"}]}
 *          match: name, pinyin, initials, idno, phone or household (a
 *          query equal to a 户编号 finds that household, listed first).
 */
#ifndef MS_PEOPLE_PEOPLE_H
#define MS_PEOPLE_PEOPLE_H

#include "base/err.h"
#include "base/progress.h"
#include "rules/pack.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define MS_SEARCH_QUERY_MAX 100 /* bytes of a query */
#define MS_SEARCH_LIMIT_MAX 100 /* results of one search */

/* The database's reference key (created at first use, kept in meta). */
ms_err ms_people_ref_key(ms_store *s, uint8_t key[32], ms_error *err);

/* A person by identity number or reference. */
ms_err ms_people_person(ms_store *s, const ms_pack *pack, const ms_scope *sc, const char *id,
                        bool full, json_t **out, ms_error *err);
/* The department facts of a person (same scope rule). */
ms_err ms_people_facts(ms_store *s, const ms_pack *pack, const ms_scope *sc, const char *id,
                       json_t **out, ms_error *err);
/* A household by 户编号 or reference, with its members. */
ms_err ms_people_household(ms_store *s, const ms_pack *pack, const ms_scope *sc, const char *id,
                           bool full, json_t **out, ms_error *err);
/* The identity number (or 户编号) a person (household) id or reference
 * names, when it is inside the scope: used by routes that then call
 * work/service functions (timelines, service files). */
ms_err ms_people_resolve(ms_store *s, const ms_pack *pack, const ms_scope *sc, bool household,
                         const char *id, char *out, size_t cap, ms_error *err);

/* Search by name (also its pinyin, full or initials), identity number or
 * its last 4–17 characters, or phone (or its last 4+ digits), inside the
 * scope; at most limit (<= MS_SEARCH_LIMIT_MAX) results. Reads never
 * refresh the index (a refresh of a province takes a minute and writes):
 * the server refreshes it after imports and in the background, the
 * command line before it searches. */
ms_err ms_people_search(ms_store *s, const ms_pack *pack, const ms_scope *sc, const char *q,
                        int limit, json_t **out, ms_error *err);
/* Brings the search index up to date with the registry's persons feed
 * (incrementally after imports, fully after a revocation; see
 * people/index.c); *n receives the entries written. Called after imports,
 * and lazily by the functions above, which quietly go on with the index as
 * it is when they cannot write. */
ms_err ms_people_index_refresh(ms_store *s, const ms_pack *pack, const ms_progress *progress,
                               int64_t *n, ms_error *err);

#endif
