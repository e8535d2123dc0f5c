/* static.c — the web UI's files, read once when the server starts and
 * served from memory: GET paths outside /api/, "/" as index.html. A file
 * that is not in the folder at start does not exist, so no request can
 * reach outside it. */
#include "http/http_impl.h"

#include "base/log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STATIC_FILES_MAX 4096
#define STATIC_BYTES_MAX (64u << 20)
#define STATIC_DEPTH_MAX 8

typedef struct static_file {
	char *path; /* "/index.html" */
	char *bytes;
	size_t len;
	const char *type;
} static_file;

struct http_static {
	static_file *files;
	size_t n, cap, bytes;
};

static const char *type_of(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".json", "application/json; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".jpg", "image/jpeg"},
		{".ico", "image/x-icon"},
		{".woff2", "font/woff2"},
		{".txt", "text/plain; charset=utf-8"},
		{".md", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL; /* not served */
}

static ms_err add_file(struct http_static *st, const char *disk, const char *url, ms_error *err)
{
	const char *type = type_of(url);
	if (!type)
		return MS_ERR_OK;
	FILE *f = fopen(disk, "rb");
	if (!f)
		return ms_error_set(err, MS_ERR_IO, "无法读取 %s：%s / cannot read %s: %s", disk,
		                    strerror(errno), disk, strerror(errno));
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0 ||
	    st->bytes + (size_t)sb.st_size > STATIC_BYTES_MAX || st->n == STATIC_FILES_MAX) {
		fclose(f);
		return ms_error_set(err, MS_ERR_TOO_LARGE, "网页文件超过 %u 个或 %u MiB / the web files are "
		                    "more than %u files or %u MiB", STATIC_FILES_MAX,
		                    STATIC_BYTES_MAX >> 20, STATIC_FILES_MAX, STATIC_BYTES_MAX >> 20);
	}
	size_t len = (size_t)sb.st_size;
	char *bytes = malloc(len ? len : 1);
	char *path = strdup(url);
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		static_file *nf = realloc(st->files, cap * sizeof *nf);
		if (nf) {
			st->files = nf;
			st->cap = cap;
		}
	}
	if (!bytes || !path || st->n == st->cap || fread(bytes, 1, len, f) != len) {
		free(bytes);
		free(path);
		fclose(f);
		return ms_error_set(err, MS_ERR_IO, "无法读取 %s / cannot read %s", disk, disk);
	}
	fclose(f);
	st->files[st->n++] = (static_file){path, bytes, len, type};
	st->bytes += len;
	return MS_ERR_OK;
}

static bool name_ok(const char *n)
{
	if (n[0] == '.' || strlen(n) > 200)
		return false; /* no hidden files, no . or .. */
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '-' || *p == '_'))
			return false;
	return true;
}

static ms_err walk(struct http_static *st, const char *disk, const char *url, int depth,
                   ms_error *err)
{
	if (depth > STATIC_DEPTH_MAX)
		return MS_ERR_OK;
	DIR *d = opendir(disk);
	if (!d)
		return ms_error_set(err, MS_ERR_IO, "无法打开网页目录 %s：%s / cannot open %s: %s", disk,
		                    strerror(errno), disk, strerror(errno));
	ms_err e = MS_ERR_OK;
	struct dirent *de;
	while (!e && (de = readdir(d))) {
		if (!name_ok(de->d_name))
			continue;
		char dp[HTTP_PATH_MAX], up[HTTP_PATH_MAX];
		if ((size_t)snprintf(dp, sizeof dp, "%s/%s", disk, de->d_name) >= sizeof dp ||
		    (size_t)snprintf(up, sizeof up, "%s/%s", url, de->d_name) >= sizeof up)
			continue;
		struct stat sb;
		if (lstat(dp, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			e = walk(st, dp, up, depth + 1, err);
		else if (S_ISREG(sb.st_mode))
			e = add_file(st, dp, up, err);
	}
	closedir(d);
	return e;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const static_file *)a)->path, ((const static_file *)b)->path);
}

ms_err http_static_load(ms_server *srv, const char *dir, ms_error *err)
{
	struct http_static *st = calloc(1, sizeof *st);
	if (!st)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	ms_err e = walk(st, dir, "", 0, err);
	if (e) {
		srv->statics = st;
		http_static_free(srv);
		return e;
	}
	qsort(st->files, st->n, sizeof *st->files, by_path);
	srv->statics = st;
	ms_log(MS_LOG_INFO, "web UI: %zu files, %zu KiB from %s", st->n, st->bytes >> 10, dir);
	return MS_ERR_OK;
}

void http_static_free(ms_server *srv)
{
	struct http_static *st = srv->statics;
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++) {
		free(st->files[i].path);
		free(st->files[i].bytes);
	}
	free(st->files);
	free(st);
	srv->statics = NULL;
}

bool http_static_serve(ms_req *r)
{
	struct http_static *st = r->srv->statics;
	if (!st || (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) ||
	    strncmp(r->path, "/api/", 5) == 0)
		return false;
	static_file key = {.path = strcmp(r->path, "/") == 0 ? (char *)(uintptr_t) "/index.html"
	                                                     : r->path};
	static_file *f = bsearch(&key, st->files, st->n, sizeof *st->files, by_path);
	if (!f)
		return false;
	r->status = 200;
	r->resp_type = f->type;
	r->resp = f->bytes;
	r->resp_len = f->len;
	r->resp_static = true;
	r->is_static = true;
	return true;
}
