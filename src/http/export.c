/* export.c — Excel export of every list of the API: a list route called
 * with format=xlsx answers its "items" as one sheet of an .xlsx workbook
 * (libxlsxwriter) instead of JSON, with Chinese column headings. The list
 * is exactly what the caller may see as JSON (the same handler, the same
 * scope and masking); the export itself goes to the access log. */
#include "http/http_impl.h"

#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define EXPORT_COLS_MAX 64

/* Headings of the keys lists use; others are shown as the key. */
static const char *heading(const char *key)
{
	static const struct {
		const char *key, *zh;
	} h[] = {
		{"id", "编号"},           {"rule", "规则"},         {"kind", "类别"},
		{"subject_type", "对象类型"}, {"subject", "对象"},      {"area", "区划代码"},
		{"area_name", "区划"},     {"state", "状态"},        {"assignee", "经办人"},
		{"version", "版本"},       {"created", "创建时间"},  {"due", "办理期限"},
		{"overdue", "已逾期"},     {"due_soon", "即将到期"}, {"name", "名称/姓名"},
		{"idno", "身份证号"},      {"type", "类型"},         {"code", "代码"},
		{"role", "角色"},          {"scope", "范围"},        {"station", "社工站"},
		{"feed", "数据源"},        {"file", "文件"},         {"format", "格式"},
		{"encoding", "编码"},      {"actor", "操作人"},      {"published", "发布时间"},
		{"revoked", "撤销时间"},   {"row", "行号"},          {"column", "列"},
		{"reason", "原因"},        {"original", "原始内容"}, {"batch", "批次"},
		{"at", "时间"},            {"user", "用户"},         {"action", "操作"},
		{"object", "对象类别"},    {"ref", "对象标识"},      {"route", "接口"},
		{"status", "状态码"},      {"day", "日期"},          {"note", "备注"},
		{"phone", "电话"},         {"qualification", "资格"}, {"hours", "服务时长"},
		{"donor", "捐赠方"},       {"amount_yuan", "金额（元）"}, {"purpose", "用途"},
		{"summary", "摘要"},       {"match", "匹配方式"},    {"disabled", "已停用"},
		{"locked", "已锁定"},      {"must_change", "须改密码"}, {"cleared", "已消除"},
		{"evidence_revoked", "证据已撤销"},
	};
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
		if (strcmp(h[i].key, key) == 0)
			return h[i].zh;
	return NULL;
}

/* The text of a cell: scalars as they are, objects and arrays as JSON. */
static char *cell_text(json_t *v)
{
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_null(v))
		return strdup("");
	if (json_is_true(v))
		return strdup("是");
	if (json_is_false(v))
		return strdup("否");
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

bool http_want_xlsx(ms_req *r)
{
	const char *f = http_arg(r, "format");
	return f && strcmp(f, "xlsx") == 0;
}

/* Turns the JSON answer of a list into a workbook. Called after the
 * handler when the request asked for format=xlsx. */
void http_export_xlsx(ms_req *r)
{
	if (r->status != 200 || !r->resp || r->is_static)
		return; /* errors stay JSON */
	/* a route that writes its own workbook (the evaluation report) has
	 * answered with it already */
	if (!r->resp_type || strncmp(r->resp_type, "application/json", 16) != 0)
		return;
	json_t *doc = json_loadb(r->resp, r->resp_len, 0, NULL);
	json_t *items = json_object_get(doc, "items");
	if (!json_is_array(items)) {
		json_decref(doc);
		http_error(r, MS_ERR_INVALID, "此接口没有可导出的列表 / this route has no list to export");
		return;
	}
	/* the columns: every key of the items, in order of first appearance */
	const char *cols[EXPORT_COLS_MAX];
	int ncols = 0;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		const char *k;
		json_t *v;
		json_object_foreach(it, k, v)
		{
			(void)v;
			int c = 0;
			while (c < ncols && strcmp(cols[c], k) != 0)
				c++;
			if (c == ncols && ncols < EXPORT_COLS_MAX)
				cols[ncols++] = k;
		}
	}
	char path[HTTP_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/export-XXXXXX", r->srv->upload_dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		json_decref(doc);
		http_error(r, MS_ERR_IO, NULL);
		return;
	}
	close(fd);
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "列表") : NULL;
	lxw_format *bold = wb ? workbook_add_format(wb) : NULL;
	bool ok = ws && bold;
	if (ok) {
		format_set_bold(bold);
		for (int c = 0; c < ncols; c++) {
			const char *zh = heading(cols[c]);
			char h[200];
			if (zh)
				snprintf(h, sizeof h, "%s %s", zh, cols[c]);
			else
				snprintf(h, sizeof h, "%s", cols[c]);
			worksheet_write_string(ws, 0, (lxw_col_t)c, h, bold);
			worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, 16, NULL);
		}
		worksheet_freeze_panes(ws, 1, 0);
		json_array_foreach(items, i, it)
		{
			for (int c = 0; c < ncols && ok; c++) {
				json_t *v = json_object_get(it, cols[c]);
				if (!v)
					continue;
				lxw_row_t row = (lxw_row_t)(i + 1);
				if (json_is_integer(v) && strcmp(cols[c], "idno") != 0) {
					worksheet_write_number(ws, row, (lxw_col_t)c,
					                       (double)json_integer_value(v), NULL);
				} else if (json_is_real(v)) {
					worksheet_write_number(ws, row, (lxw_col_t)c, json_real_value(v), NULL);
				} else {
					char *t = cell_text(v);
					if (!t) {
						ok = false;
						break;
					}
					/* identity numbers and codes stay text: a number
					 * would lose digits */
					worksheet_write_string(ws, row, (lxw_col_t)c, t, NULL);
					free(t);
				}
			}
		}
	}
	lxw_error xe = wb ? workbook_close(wb) : LXW_ERROR_MEMORY_MALLOC_FAILED;
	json_decref(doc);
	if (!ok || xe != LXW_NO_ERROR) {
		unlink(path);
		ms_log(MS_LOG_ERROR, "export: %s", lxw_strerror(xe));
		http_error(r, MS_ERR_INTERNAL, NULL);
		return;
	}
	FILE *f = fopen(path, "rb");
	char *bytes = NULL;
	long len = -1;
	if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		bytes = malloc((size_t)len + 1);
		if (bytes && fread(bytes, 1, (size_t)len, f) != (size_t)len) {
			free(bytes);
			bytes = NULL;
		}
	}
	if (f)
		fclose(f);
	unlink(path);
	if (!bytes) {
		http_error(r, MS_ERR_IO, NULL);
		return;
	}
	http_bytes(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes,
	           (size_t)len);
	free(bytes);
	/* the file name says what the list was: the route's last fixed part */
	const char *p = r->route ? r->route->path : "/list";
	const char *last = strrchr(p, '/');
	char base[64];
	snprintf(base, sizeof base, "%s", last && last[1] != '{' ? last + 1 : "list");
	snprintf(r->disposition, sizeof r->disposition,
	         "attachment; filename=\"minsheng-%s.xlsx\"", base);
	/* an export is written to the access log, whatever the list held */
	if (!r->audited)
		http_audit(r, "export", base, "");
	else
		snprintf(r->audit_action, sizeof r->audit_action, "export");
}
