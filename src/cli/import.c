/* import.c — `minsheng import`: bring department and registry files in, list
 * batches, show their rejects, revoke a batch, and work the review queue.
 * Each action is one call into src/ingest. */
#include "cli/cli.h"

#include "base/date.h"
#include "model/feed.h"
#include "ingest/import.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void import_usage(FILE *out)
{
	fputs("用法 usage:\n"
	      "  minsheng import FEED FILE... [--json] [--rejects PATH] [--pack DIR] [--db PATH]\n"
	      "  minsheng import manifest MANIFEST.json [--json]   按清单依次导入 / import the files a manifest lists\n"
	      "  minsheng import list [FEED] [--limit N] [--json]\n"
	      "  minsheng import rejects BATCH [--limit N] [--json]\n"
	      "  minsheng import revoke BATCH [--reason TEXT] [--json]\n"
	      "  minsheng import review [list] [--batch N] [--all] [--json]\n"
	      "  minsheng import review link ID NUMBER [--note TEXT]\n"
	      "  minsheng import review discard ID [--note TEXT]\n\n"
	      "导入数据文件（CSV、TSV、XLSX、JSON Lines；UTF-8 或 GBK），每个文件是一个批次。\n"
	      "每一行的去向：新增 accepted、未变 unchanged、更新 updated、拒收 rejected、待核对 review。\n"
	      "同一文件重复导入不会改变任何数据。文件被整体拒收时退出码为 1。\n"
	      "Imports files; each file is one batch. Every row is accepted, unchanged, updated,\n"
	      "rejected or sent to review. Importing the same file again changes nothing.\n"
	      "Exit 0 when the file was processed (rejected rows included), 1 when refused whole.\n\n"
	      "  --rejects PATH  拒收行写入 CSV 文件 / write rejected rows to a CSV file\n"
	      "  --pack DIR      政策包目录 / policy pack (default policy/guangdong)\n"
	      "  --as USER       操作人 / who is importing (recorded with the batch)\n",
	      out);
}

typedef struct {
	bool json;
	const char *rejects;
	const char *reason;
	const char *note;
	const char *actor;
	int limit;
	int64_t batch;
	bool all;
	int chunk_rows;
} import_opts_cli;

static int parse_opts(int argc, char **argv, import_opts_cli *o, int *first)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"pack", required_argument, NULL, 'p'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"rejects", required_argument, NULL, 'r'},
	                                     {"reason", required_argument, NULL, 'R'},
	                                     {"note", required_argument, NULL, 'n'},
	                                     {"as", required_argument, NULL, 'a'},
	                                     {"limit", required_argument, NULL, 'l'},
	                                     {"batch", required_argument, NULL, 'b'},
	                                     {"all", no_argument, NULL, 'A'},
	                                     {"chunk-rows", required_argument, NULL, 'C'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	memset(o, 0, sizeof *o);
	o->actor = "";
	o->limit = 100;
	int c;
	optind = 0;
	opterr = 0;
	char *end;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'p':
			cli_pack_dir(optarg);
			break;
		case 'j':
			o->json = true;
			break;
		case 'r':
			o->rejects = optarg;
			break;
		case 'R':
			o->reason = optarg;
			break;
		case 'n':
			o->note = optarg;
			break;
		case 'a':
			o->actor = optarg;
			break;
		case 'l':
			o->limit = (int)strtol(optarg, &end, 10);
			if (*end || o->limit < 1 || o->limit > 1000000)
				return cli_usage_error("import", "--limit 应为 1–1000000 (must be 1–1000000)");
			break;
		case 'b':
			o->batch = strtoll(optarg, &end, 10);
			if (*end || o->batch < 1)
				return cli_usage_error("import", "--batch 应为批次号 (must be a batch number)");
			break;
		case 'A':
			o->all = true;
			break;
		case 'C': /* rows per staging transaction; for crash tests */
			o->chunk_rows = (int)strtol(optarg, &end, 10);
			if (*end || o->chunk_rows < 1 || o->chunk_rows > 10000000)
				return cli_usage_error("import", "--chunk-rows 应为 1–10000000");
			break;
		case 'h':
			import_usage(stdout);
			return -1;
		default:
			return cli_usage_error("import", "未知选项或缺少参数值：%s (unknown option or missing value)",
			                       argv[optind - 1]);
		}
	}
	*first = optind;
	return CLI_OK;
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v < 1)
		return 0;
	*out = v;
	return 1;
}

static json_t *counts_json(const ms_batch_counts *c)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "rows", (json_int_t)c->rows, "accepted",
	                 (json_int_t)c->accepted, "unchanged", (json_int_t)c->unchanged, "updated",
	                 (json_int_t)c->updated, "rejected", (json_int_t)c->rejected, "review",
	                 (json_int_t)c->review, "corrected", (json_int_t)c->corrected);
}

static int load_feeds(ms_feed_set *feeds)
{
	ms_error err;
	ms_error_clear(&err);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/feeds", cli_pack_dir(NULL));
	if (ms_feed_set_load(feeds, dir, &err))
		return cli_fail_err("import", &err);
	return CLI_OK;
}

static int do_files(const import_opts_cli *o, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("import", "需要数据源名称和至少一个文件 (need a feed and at least one file)");
	if (o->rejects && argc > 2)
		return cli_usage_error("import", "--rejects 只能用于单个文件 (--rejects takes one file at a time)");
	ms_feed_set feeds;
	int rc = load_feeds(&feeds);
	if (rc)
		return rc;
	if (!ms_feed_set_find(&feeds, argv[0])) {
		fprintf(stderr, "minsheng import: 未知的数据源“%s” (unknown feed); 可用 available:", argv[0]);
		for (int i = 0; i < feeds.n; i++)
			fprintf(stderr, " %s", feeds.feeds[i]->name);
		fputc('\n', stderr);
		ms_feed_set_free(&feeds);
		return CLI_USAGE;
	}
	ms_store *s;
	if ((rc = cli_open_store("import", false, &s))) {
		ms_feed_set_free(&feeds);
		return rc;
	}
	json_t *all = o->json ? json_array() : NULL;
	int exit_code = CLI_OK;
	for (int i = 1; i < argc; i++) {
		cli_progress bar;
		cli_progress_init(&bar);
		ms_import_opts io = {.feed = argv[0], .path = argv[i], .actor = o->actor,
		                     .rejects_path = o->rejects, .today = ms_date_today(),
		                     .progress = &bar.p, .chunk_rows = o->chunk_rows};
		ms_import_result res;
		ms_error err;
		ms_error_clear(&err);
		ms_err e = ms_import_run(s, &feeds, &io, &res, &err);
		cli_progress_done(&bar);
		if (e) {
			fprintf(stderr, "minsheng import: %s: %s\n", argv[i], ms_error_text(&err));
			if (all)
				json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s}", "file", argv[i], "feed",
				                                     argv[0], "error", ms_err_name(e), "message",
				                                     ms_error_text(&err)));
			exit_code = CLI_FAIL;
			continue;
		}
		if (all) {
			json_t *j = counts_json(&res.counts);
			json_object_set_new(j, "batch", json_integer(res.batch_id));
			json_object_set_new(j, "feed", json_string(argv[0]));
			json_object_set_new(j, "file", json_string(argv[i]));
			json_object_set_new(j, "sha256", json_string(res.sha256));
			json_object_set_new(j, "format", json_string(res.format));
			json_object_set_new(j, "encoding", json_string(res.encoding));
			json_object_set_new(j, "already_imported", json_boolean(res.already));
			json_array_append_new(all, j);
			continue;
		}
		const ms_batch_counts *c = &res.counts;
		if (res.already)
			printf("%s: 该文件已导入过（批次 %lld），未做任何改动 / already imported as batch %lld; "
			       "nothing changed\n",
			       argv[i], (long long)res.batch_id, (long long)res.batch_id);
		else
			printf("%s: 批次 batch %lld (%s, %s)\n", argv[i], (long long)res.batch_id, res.format,
			       res.encoding);
		printf("  行数 rows %lld = 新增 accepted %lld + 未变 unchanged %lld + 更新 updated %lld + "
		       "拒收 rejected %lld + 待核对 review %lld; 纠正身份证号 corrected %lld\n",
		       (long long)c->rows, (long long)c->accepted, (long long)c->unchanged,
		       (long long)c->updated, (long long)c->rejected, (long long)c->review,
		       (long long)c->corrected);
		if (res.cleaned)
			printf("  已清除 %lld 个中断的导入 (removed %lld interrupted imports)\n",
			       (long long)res.cleaned, (long long)res.cleaned);
		if (c->rejected && !o->rejects && !res.already)
			printf("  查看拒收行 see rejected rows: minsheng import rejects %lld\n",
			       (long long)res.batch_id);
	}
	if (all) {
		/* one file: the object itself, as SPEC §6 describes */
		if (json_array_size(all) == 1) {
			json_t *one = json_incref(json_array_get(all, 0));
			json_decref(all);
			all = one;
		}
		cli_print_json(all);
	}
	ms_store_close(s);
	ms_feed_set_free(&feeds);
	return exit_code;
}

/* Imports every file a manifest lists ({"files": [{"file", "feed", "expected"?}]}), in its
 * order, paths relative to the manifest; with expected counts, says whether they match. */
static int do_manifest(const import_opts_cli *o, int argc, char **argv)
{
	if (argc != 2)
		return cli_usage_error("import", "manifest 需要一个清单文件 (needs one manifest file)");
	json_error_t je;
	json_t *m = json_load_file(argv[1], 0, &je);
	json_t *files = m ? json_object_get(m, "files") : NULL;
	if (!json_is_array(files)) {
		json_decref(m);
		return cli_fail("import", "%s: 不是有效的导入清单 (not a manifest with a files array): %s",
		                argv[1], m ? "no files" : je.text);
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", argv[1]);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	ms_feed_set feeds;
	int rc = load_feeds(&feeds);
	ms_store *s = NULL;
	if (!rc && (rc = cli_open_store("import", false, &s)))
		ms_feed_set_free(&feeds);
	if (rc) {
		json_decref(m);
		return rc;
	}
	json_t *out = json_array();
	int exit_code = CLI_OK;
	size_t i;
	json_t *item;
	json_array_foreach(files, i, item)
	{
		const char *file = json_string_value(json_object_get(item, "file"));
		const char *feed = json_string_value(json_object_get(item, "feed"));
		if (!file || !feed) {
			exit_code = cli_fail("import", "%s: 第 %zu 项缺少 file 或 feed (entry lacks file or feed)",
			                     argv[1], i + 1);
			break;
		}
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, file);
		cli_progress bar;
		cli_progress_init(&bar);
		ms_import_opts io = {.feed = feed, .path = path, .name = file, .actor = o->actor,
		                     .today = ms_date_today(), .progress = &bar.p};
		ms_import_result res;
		ms_error err;
		ms_error_clear(&err);
		ms_err e = ms_import_run(s, &feeds, &io, &res, &err);
		cli_progress_done(&bar);
		if (e) {
			fprintf(stderr, "minsheng import: %s: %s\n", file, ms_error_text(&err));
			json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "file", file, "feed", feed,
			                                     "error", ms_error_text(&err)));
			exit_code = CLI_FAIL;
			continue;
		}
		json_t *j = counts_json(&res.counts);
		json_object_set_new(j, "batch", json_integer(res.batch_id));
		json_object_set_new(j, "feed", json_string(feed));
		json_object_set_new(j, "file", json_string(file));
		json_object_set_new(j, "already_imported", json_boolean(res.already));
		json_t *exp = json_object_get(item, "expected");
		bool match = true;
		if (json_is_object(exp) && !res.already) {
			static const char *keys[] = {"accepted", "unchanged", "updated", "rejected", "review",
			                             "corrected"};
			const int64_t got[] = {res.counts.accepted, res.counts.unchanged, res.counts.updated,
			                       res.counts.rejected, res.counts.review,    res.counts.corrected};
			for (int k = 0; k < 6; k++) {
				json_t *v = json_object_get(exp, keys[k]);
				if (json_is_integer(v) && json_integer_value(v) != got[k])
					match = false;
			}
			json_object_set_new(j, "matches_expected", json_boolean(match));
		}
		if (!o->json)
			printf("%-22s %-15s 批次 %-5lld 行 %-8lld 新增 %-8lld 未变 %-6lld 更新 %-6lld 拒收 %-6lld 待核对 %-5lld 纠正 %-4lld%s\n",
			       file, feed, (long long)res.batch_id, (long long)res.counts.rows,
			       (long long)res.counts.accepted, (long long)res.counts.unchanged,
			       (long long)res.counts.updated, (long long)res.counts.rejected,
			       (long long)res.counts.review, (long long)res.counts.corrected,
			       json_is_object(exp) && !res.already ? (match ? "  与预期一致 as expected" : "  与预期不符 DIFFERS") : "");
		json_array_append_new(out, j);
	}
	if (o->json)
		cli_print_json(out);
	else
		json_decref(out);
	json_decref(m);
	ms_store_close(s);
	ms_feed_set_free(&feeds);
	return exit_code;
}

static int list_batch(void *ctx, const ms_batch *b)
{
	json_t *arr = ctx;
	static const char *states[] = {"", "staging", "published", "revoked"};
	if (arr) {
		json_t *j = counts_json(&b->counts);
		json_object_set_new(j, "batch", json_integer(b->id));
		json_object_set_new(j, "feed", json_string(b->feed));
		json_object_set_new(j, "file", json_string(b->file_name));
		json_object_set_new(j, "state", json_string(states[b->state]));
		json_object_set_new(j, "created", json_string(b->created));
		json_object_set_new(j, "sha256", json_string(b->sha256));
		json_array_append_new(arr, j);
		return 0;
	}
	printf("%6lld  %-16s %-9s %s  行 %lld 新增 %lld 更新 %lld 拒收 %lld 待核对 %lld  %s\n",
	       (long long)b->id, b->feed, states[b->state], b->created, (long long)b->counts.rows,
	       (long long)b->counts.accepted, (long long)b->counts.updated,
	       (long long)b->counts.rejected, (long long)b->counts.review, b->file_name);
	return 0;
}

static int list_reject(void *ctx, const ms_reject_in *r)
{
	json_t *arr = ctx;
	if (arr) {
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "row",
		                                     (json_int_t)r->row, "column", r->col, "code", r->code,
		                                     "reason_zh", r->reason_zh, "reason_en", r->reason_en,
		                                     "original", r->original));
		return 0;
	}
	printf("第 %lld 行 row %lld  [%s] %s (%s)\n    %s\n", (long long)r->row, (long long)r->row,
	       r->col, r->reason_zh, r->reason_en, r->original);
	return 0;
}

static int list_review(void *ctx, const ms_review *r)
{
	json_t *arr = ctx;
	if (arr) {
		json_array_append_new(
			arr, json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s?}", "id", (json_int_t)r->id,
			               "batch", (json_int_t)r->batch_id, "row", (json_int_t)r->row, "feed",
			               r->feed, "idno", r->idno_raw, "name", r->name, "reason", r->reason,
			               "state", r->state, "linked", r->linked_idno));
		return 0;
	}
	printf("%6lld  批次 %lld 第 %lld 行  %s  %s  %s  %s  [%s]%s%s\n", (long long)r->id,
	       (long long)r->batch_id, (long long)r->row, r->feed, r->idno_raw, r->name, r->reason,
	       r->state, r->candidates && *r->candidates ? "  候选 candidates: " : "",
	       r->candidates ? r->candidates : "");
	return 0;
}

int cli_cmd_import(int argc, char **argv)
{
	import_opts_cli o;
	int first = 0;
	int rc = parse_opts(argc, argv, &o, &first);
	if (rc == -1)
		return CLI_OK;
	if (rc)
		return rc;
	argc -= first;
	argv += first;
	if (argc < 1)
		return cli_usage_error("import", "需要数据源名称和文件 (need a feed and a file)");
	ms_error err;
	ms_error_clear(&err);
	const char *verb = argv[0];
	if (strcmp(verb, "list") == 0 || strcmp(verb, "rejects") == 0 || strcmp(verb, "revoke") == 0 ||
	    strcmp(verb, "review") == 0) {
		ms_store *s;
		int64_t id = 0;
		if (strcmp(verb, "rejects") == 0 || strcmp(verb, "revoke") == 0) {
			if (argc != 2 || !parse_id(argv[1], &id))
				return cli_usage_error("import", "%s 需要一个批次号 (needs one batch number)", verb);
		}
		if ((rc = cli_open_store("import", false, &s)))
			return rc;
		json_t *arr = o.json ? json_array() : NULL;
		ms_err e = MS_ERR_OK;
		if (strcmp(verb, "list") == 0) {
			e = ms_store_batch_list(s, argc > 1 ? argv[1] : NULL, o.limit, list_batch, arr, &err);
		} else if (strcmp(verb, "rejects") == 0) {
			ms_batch b;
			e = ms_store_batch_get(s, id, &b, &err);
			if (e == MS_ERR_NOT_FOUND)
				e = ms_error_set(&err, MS_ERR_NOT_FOUND, "批次 %lld 不存在 (no such batch)", (long long)id);
			if (!e)
				e = ms_store_reject_list(s, id, o.limit, list_reject, arr, &err);
		} else if (strcmp(verb, "revoke") == 0) {
			e = ms_import_revoke(s, id, o.actor, o.reason, &err);
			if (!e && arr)
				json_array_append_new(arr, json_pack("{s:I, s:s, s:I}", "batch", (json_int_t)id, "state",
				                                     "revoked", "alerts_flagged",
				                                     (json_int_t)ms_store_last_flagged(s)));
			else if (!e)
				printf("批次 %lld 已撤销，其记录不再参与比对（保留备查）；%lld 条预警的依据引用了它，已标记待复核 / "
				       "batch %lld revoked; its records no longer count (kept for audit); %lld alerts "
				       "citing it are flagged\n",
				       (long long)id, (long long)ms_store_last_flagged(s), (long long)id,
				       (long long)ms_store_last_flagged(s));
		} else { /* review */
			const char *sub = argc > 1 ? argv[1] : "list";
			if (strcmp(sub, "list") == 0) {
				e = ms_store_review_list(s, o.all ? NULL : "open", o.batch, o.limit, list_review, arr, &err);
			} else if (strcmp(sub, "link") == 0 || strcmp(sub, "discard") == 0) {
				bool link = strcmp(sub, "link") == 0;
				if (argc != (link ? 4 : 3) || !parse_id(argv[2], &id)) {
					json_decref(arr);
					ms_store_close(s);
					return cli_usage_error("import", link ? "review link 需要 ID 和身份证号 (needs ID and NUMBER)"
					                                      : "review discard 需要 ID (needs ID)");
				}
				ms_feed_set feeds;
				if ((rc = load_feeds(&feeds))) {
					json_decref(arr);
					ms_store_close(s);
					return rc;
				}
				e = ms_import_review_decide(s, &feeds, id, link ? argv[3] : NULL, o.actor, o.note,
				                            ms_date_today(), &err);
				ms_feed_set_free(&feeds);
				if (!e && arr)
					json_array_append_new(arr, json_pack("{s:I, s:s}", "id", (json_int_t)id, "state",
					                                     link ? "linked" : "discarded"));
				else if (!e)
					printf("待核对记录 %lld 已%s / review item %lld %s\n", (long long)id,
					       link ? "关联" : "舍弃", (long long)id, link ? "linked" : "discarded");
			} else {
				json_decref(arr);
				ms_store_close(s);
				return cli_usage_error("import", "review 的子命令为 list、link、discard (unknown review action %s)", sub);
			}
		}
		ms_store_close(s);
		if (e) {
			json_decref(arr);
			return cli_fail_err("import", &err);
		}
		if (arr)
			cli_print_json(arr);
		return CLI_OK;
	}
	if (strcmp(verb, "manifest") == 0)
		return do_manifest(&o, argc, argv);
	return do_files(&o, argc, argv);
}
