/* config.c — reads /etc/minsheng/minsheng.conf with libinih. The lines are
 * fed to ini_parse_stream by our own reader, which counts them (Debian's
 * libinih does not pass line numbers to the handler) and refuses a line
 * longer than the library's buffer instead of letting it be split in two.
 * Every key is described once, in the table below: its section, name, kind
 * and field; check, show and the documentation follow that table. */
#include "ops/config.h"

#include "base/text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum {
	K_DB,      /* a path or a postgresql:// URL */
	K_PATH,    /* a file or folder; empty = none */
	K_HASH,    /* sha256 | sm3 */
	K_LISTEN,  /* IPv4 ADDR:PORT */
	K_INT,     /* an integer within [lo, hi] */
	K_PROXY,   /* addresses, comma-separated */
	K_BOOL,    /* yes/no */
	K_LEVEL,   /* debug|info|warn|error */
	K_FORMAT,  /* auto|json|text */
	K_TIME,    /* HH:MM or off */
} key_kind;

typedef struct key_def {
	const char *section, *name;
	key_kind kind;
	size_t off;   /* the field in ms_config */
	size_t size;  /* its size (strings) */
	int lo, hi;   /* K_INT */
	const char *dflt; /* shown when not set */
} key_def;

#define F(field) offsetof(ms_config, field), sizeof(((ms_config *)0)->field)

static const key_def keys[] = {
	{"database", "path", K_DB, F(db), 0, 0, "./minsheng.db"},
	{"database", "access_log", K_PATH, F(access_log), 0, 0, "<path>.access"},
	{"database", "access_hash", K_HASH, F(access_hash), 0, 0, "sha256"},
	{"server", "listen", K_LISTEN, F(listen), 0, 0, "127.0.0.1:8080"},
	{"server", "threads", K_INT, F(threads), 1, 64, "cores"},
	{"server", "static", K_PATH, F(static_dir), 0, 0, "none"},
	{"server", "upload_limit_mb", K_INT, F(upload_limit_mb), 1, 65536, "512"},
	{"server", "trusted_proxy", K_PROXY, F(trusted_proxy), 0, 0, "none"},
	{"server", "cookie_secure", K_BOOL, F(cookie_secure), 0, 0, "yes with TLS, else no"},
	{"tls", "certificate", K_PATH, F(tls_cert), 0, 0, "none"},
	{"tls", "key", K_PATH, F(tls_key), 0, 0, "none"},
	{"pack", "path", K_PATH, F(pack), 0, 0, "built in"},
	{"log", "level", K_LEVEL, F(log_level), 0, 0, "info"},
	{"log", "format", K_FORMAT, F(log_format), 0, 0, "auto"},
	{"log", "requests", K_BOOL, F(log_requests), 0, 0, "yes"},
	{"session", "idle_minutes", K_INT, F(idle_minutes), 1, 1440, "30"},
	{"session", "absolute_hours", K_INT, F(absolute_hours), 1, 168, "12"},
	{"scheduler", "nightly_scan", K_TIME, F(nightly_scan), 0, 0, "off"},
	{"scheduler", "backup_dir", K_PATH, F(backup_dir), 0, 0, "none"},
	{"scheduler", "backup_keep", K_INT, F(backup_keep), 1, 3650, "14"},
	{"scheduler", "anchor_copy_dir", K_PATH, F(anchor_copy_dir), 0, 0, "none"},
	{"scheduler", "reminders", K_TIME, F(reminders), 0, 0, "off"},
	{"retention", "enabled", K_BOOL, F(retention), 0, 0, "no"},
};
#define NKEYS (sizeof keys / sizeof keys[0])
_Static_assert(NKEYS <= sizeof(((ms_config *)0)->set_line) / sizeof(int), "set_line too small");

static const char *const sections[] = {"database", "server", "tls", "pack", "log",
                                       "session", "scheduler", "retention"};

void ms_config_init(ms_config *c)
{
	memset(c, 0, sizeof *c);
	c->cookie_secure = c->log_level = c->log_format = c->log_requests = -1;
	c->nightly_scan = c->reminders = c->retention = -1;
}

__attribute__((format(printf, 3, 4))) static void problem(ms_config *c, int line,
                                                           const char *fmt, ...)
{
	if (c->nproblems < MS_CONFIG_PROBLEMS_MAX) {
		ms_config_problem *p = &c->problems[c->nproblems];
		p->line = line;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->msg, sizeof p->msg, fmt, ap);
		va_end(ap);
	}
	c->nproblems++;
}

int ms_config_parse_time(const char *s)
{
	if (strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	return h * 60 + m;
}

static int parse_bool(const char *v)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0)
			return 1;
		if (strcmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Canonical text of a numeric address, false when it is not one. */
static bool canon_addr(const char *s, char *out, size_t cap)
{
	unsigned char bin[16];
	if (inet_pton(AF_INET, s, bin) == 1)
		return inet_ntop(AF_INET, bin, out, (socklen_t)cap) != NULL;
	if (inet_pton(AF_INET6, s, bin) == 1)
		return inet_ntop(AF_INET6, bin, out, (socklen_t)cap) != NULL;
	return false;
}

bool ms_config_proxy_list(const char *in, char *out, size_t cap, char *why, size_t whycap)
{
	size_t o = 0;
	int count = 0;
	const char *p = in;
	out[0] = 0;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, " \t,");
		char one[64], canon[64];
		if (++count > MS_CONFIG_PROXIES_MAX) {
			snprintf(why, whycap, "最多 %d 个地址 / at most %d addresses", MS_CONFIG_PROXIES_MAX,
			         MS_CONFIG_PROXIES_MAX);
			return false;
		}
		snprintf(one, sizeof one, "%.*s", (int)(n < sizeof one ? n : sizeof one - 1), p);
		if (n >= sizeof one || !canon_addr(one, canon, sizeof canon)) {
			snprintf(why, whycap, "“%s”不是 IP 地址（不接受主机名和网段） / \"%s\" is not an IP "
			         "address (no host names or networks)", one, one);
			return false;
		}
		int w = snprintf(out + o, cap - o, "%s%s", o ? "," : "", canon);
		if (w < 0 || (size_t)w >= cap - o) {
			snprintf(why, whycap, "地址过多 / too many addresses");
			return false;
		}
		o += (size_t)w;
		p += n;
	}
	return true;
}

bool ms_config_addr_in(const char *list, const char *addr)
{
	char want[64];
	if (!list || !*list || !canon_addr(addr, want, sizeof want))
		return false;
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == strlen(want) && memcmp(p, want, n) == 0)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* ADDR:PORT with a numeric IPv4 address (the server listens on IPv4). */
static bool valid_listen(const char *v)
{
	const char *colon = strrchr(v, ':');
	if (!colon || colon == v || colon - v > 15 || !colon[1])
		return false;
	char host[16];
	memcpy(host, v, (size_t)(colon - v));
	host[colon - v] = 0;
	unsigned char bin[4];
	if (inet_pton(AF_INET, host, bin) != 1)
		return false;
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	return !errno && !*end && port >= 0 && port <= 65535;
}

static bool is_url(const char *v)
{
	return strncmp(v, "postgresql://", 13) == 0 || strncmp(v, "postgres://", 11) == 0;
}

typedef struct parse_ctx {
	ms_config *c;
	const char *text, *end, *p;
	int line;
	char dir[MS_CONFIG_PATH_MAX];
	char last_section[64];
} parse_ctx;

/* The fgets of libinih, over the text in memory: counts lines, and hands
 * a line that does not fit the library's buffer over as a comment (after
 * recording the problem) so it is neither split nor half-read. */
static char *reader(char *str, int num, void *stream)
{
	parse_ctx *x = stream;
	if (x->p >= x->end || num < 2)
		return NULL;
	const char *nl = memchr(x->p, '\n', (size_t)(x->end - x->p));
	size_t len = nl ? (size_t)(nl - x->p) + 1 : (size_t)(x->end - x->p);
	x->line++;
	if (len + 1 > (size_t)num) {
		problem(x->c, x->line, "行过长（超过 %d 字节） / line longer than %d bytes", num - 3,
		        num - 3);
		snprintf(str, (size_t)num, ";\n");
	} else {
		memcpy(str, x->p, len);
		str[len] = 0;
	}
	x->p += len;
	return str;
}

static bool known_section(const char *s)
{
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		if (strcmp(s, sections[i]) == 0)
			return true;
	return false;
}

static void known_keys(const char *section, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && o + 2 < cap)
			o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? ", " : "", keys[i].name);
}

/* Removes "." and ".." components and repeated slashes of an absolute
 * path, in place (lexically: the folders need not exist yet). */
static void normalise(char *p)
{
	if (p[0] != '/')
		return;
	char *out = p + 1, *in = p + 1;
	while (*in) {
		char *end = strchr(in, '/');
		size_t n = end ? (size_t)(end - in) : strlen(in);
		if (n == 0 || (n == 1 && in[0] == '.')) {
			/* nothing */
		} else if (n == 2 && in[0] == '.' && in[1] == '.') {
			if (out > p + 1) {
				out--; /* the slash after the last component */
				while (out > p + 1 && out[-1] != '/')
					out--;
			}
		} else {
			memmove(out, in, n);
			out += n;
			*out++ = '/';
		}
		in += n;
		if (*in == '/')
			in++;
	}
	if (out > p + 1 && out[-1] == '/')
		out--;
	*out = 0;
}

/* A path value, relative ones taken from the file's folder. */
static bool set_path(parse_ctx *x, const key_def *k, const char *v, char *dst)
{
	int n;
	if (!*v || v[0] == '/' || is_url(v))
		n = snprintf(dst, k->size, "%s", v);
	else
		n = snprintf(dst, k->size, "%s/%s", x->dir, v);
	if (n < 0 || (size_t)n >= k->size) {
		problem(x->c, x->line, "[%s] %s：路径超过 %zu 字节 / path longer than %zu bytes",
		        k->section, k->name, k->size - 1, k->size - 1);
		dst[0] = 0;
		return false;
	}
	if (!is_url(dst))
		normalise(dst);
	return true;
}

static void set_value(parse_ctx *x, const key_def *k, const char *v)
{
	ms_config *c = x->c;
	char *field = (char *)c + k->off;
	int *ival = (int *)(void *)field;
	const char *sec = k->section, *name = k->name;
	switch (k->kind) {
	case K_DB:
		if (!*v) {
			problem(c, x->line, "[%s] %s 不能为空 / must not be empty", sec, name);
			return;
		}
		if (strncmp(v, "sqlite:", 7) == 0 || (strstr(v, "://") && !is_url(v))) {
			problem(c, x->line, "[%s] %s：应为数据库文件路径或 postgresql:// 地址 / must be a "
			        "database file path or a postgresql:// URL", sec, name);
			return;
		}
		set_path(x, k, v, field);
		return;
	case K_PATH:
		set_path(x, k, v, field);
		return;
	case K_HASH:
		if (strcmp(v, "sha256") == 0)
			*ival = 1;
		else if (strcmp(v, "sm3") == 0)
			*ival = 2;
		else
			problem(c, x->line, "[%s] %s 应为 sha256 或 sm3，而不是“%s” / must be sha256 or "
			        "sm3, not \"%s\"", sec, name, v, v);
		return;
	case K_LISTEN:
		if (!valid_listen(v)) {
			problem(c, x->line, "[%s] %s 应为 IPv4地址:端口，如 127.0.0.1:8080，而不是“%s” / must "
			        "be IPV4ADDR:PORT, e.g. 127.0.0.1:8080, not \"%s\"", sec, name, v, v);
			return;
		}
		snprintf(field, k->size, "%s", v);
		return;
	case K_INT: {
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (!*v || *end || errno || n < k->lo || n > k->hi) {
			problem(c, x->line, "[%s] %s 应为 %d 到 %d 之间的整数，而不是“%s” / must be an "
			        "integer from %d to %d, not \"%s\"", sec, name, k->lo, k->hi, v, k->lo,
			        k->hi, v);
			return;
		}
		*ival = (int)n;
		return;
	}
	case K_PROXY: {
		char why[300];
		if (!ms_config_proxy_list(v, field, k->size, why, sizeof why)) {
			field[0] = 0;
			problem(c, x->line, "[%s] %s：%s", sec, name, why);
		}
		return;
	}
	case K_BOOL: {
		int b = parse_bool(v);
		if (b < 0)
			problem(c, x->line, "[%s] %s 应为 yes 或 no，而不是“%s” / must be yes or no, not "
			        "\"%s\"", sec, name, v, v);
		else
			*ival = b;
		return;
	}
	case K_LEVEL: {
		ms_log_level l;
		if (!ms_log_level_parse(v, &l))
			problem(c, x->line, "[%s] %s 应为 debug、info、warn 或 error，而不是“%s” / must be "
			        "debug, info, warn or error, not \"%s\"", sec, name, v, v);
		else
			*ival = (int)l;
		return;
	}
	case K_FORMAT: {
		ms_log_format f;
		if (!ms_log_format_parse(v, &f))
			problem(c, x->line, "[%s] %s 应为 json、text 或 auto，而不是“%s” / must be json, "
			        "text or auto, not \"%s\"", sec, name, v, v);
		else
			*ival = (int)f;
		return;
	}
	case K_TIME: {
		if (strcmp(v, "off") == 0) {
			*ival = -1;
			return;
		}
		int m = ms_config_parse_time(v);
		if (m < 0)
			problem(c, x->line, "[%s] %s 应为 HH:MM（00:00–23:59）或 off，而不是“%s” / must be "
			        "HH:MM (00:00-23:59) or off, not \"%s\"", sec, name, v, v);
		else
			*ival = m;
		return;
	}
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	parse_ctx *x = user;
	ms_config *c = x->c;
	if (!*section) {
		problem(c, x->line, "“%s”不在任何 [节] 之下 / \"%s\" is outside any [section]", name,
		        name);
		return 1;
	}
	if (!known_section(section)) {
		/* once per section, at its first key */
		if (strcmp(section, x->last_section) != 0)
			problem(c, x->line, "未知的节 [%s]（可用：database、server、tls、pack、log、session、"
			        "scheduler、retention） / unknown section [%s]", section, section);
		snprintf(x->last_section, sizeof x->last_section, "%s", section);
		return 1;
	}
	snprintf(x->last_section, sizeof x->last_section, "%s", section);
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section) != 0 || strcmp(keys[i].name, name) != 0)
			continue;
		if (c->set_line[i]) {
			problem(c, x->line, "[%s] %s 重复设置（第 %d 行已设置） / set twice (already at "
			        "line %d)", section, name, c->set_line[i], c->set_line[i]);
			return 1;
		}
		c->set_line[i] = x->line;
		set_value(x, &keys[i], value);
		return 1;
	}
	char known[256];
	known_keys(section, known, sizeof known);
	problem(c, x->line, "[%s] 中没有“%s”这一项（可用：%s） / unknown key \"%s\" in [%s] "
	        "(known: %s)", section, name, known, name, section, known);
	return 1;
}

/* Checks between keys, once the file is read. */
static void cross_check(ms_config *c)
{
	int cert_line = 0, key_line = 0, secure_line = 0, idle_line = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].off == offsetof(ms_config, tls_cert))
			cert_line = c->set_line[i];
		else if (keys[i].off == offsetof(ms_config, tls_key))
			key_line = c->set_line[i];
		else if (keys[i].off == offsetof(ms_config, cookie_secure))
			secure_line = c->set_line[i];
		else if (keys[i].off == offsetof(ms_config, idle_minutes))
			idle_line = c->set_line[i];
	}
	if (!c->tls_cert[0] != !c->tls_key[0])
		problem(c, c->tls_cert[0] ? cert_line : key_line,
		        "[tls] certificate 与 key 须同时设置 / certificate and key go together");
	if (c->tls_cert[0] && c->cookie_secure == 0)
		problem(c, secure_line, "[server] cookie_secure = no 与 TLS 矛盾：经 TLS 的会话 Cookie 必须带 "
		        "Secure / cookie_secure = no contradicts TLS: a session cookie over TLS must be "
		        "Secure");
	int idle = c->idle_minutes ? c->idle_minutes : 30;
	int abs_min = (c->absolute_hours ? c->absolute_hours : 12) * 60;
	if (idle > abs_min)
		problem(c, idle_line, "[session] idle_minutes（%d）超过 absolute_hours（%d 分钟） / "
		        "idle_minutes (%d) exceeds absolute_hours (%d minutes)", idle, abs_min, idle,
		        abs_min);
}

static void first_problem(const ms_config *c, ms_error *err, ms_err code)
{
	const ms_config_problem *p = &c->problems[0];
	if (p->line)
		ms_error_set(err, code, "%s:%d: %s", c->file, p->line, p->msg);
	else
		ms_error_set(err, code, "%s: %s", c->file, p->msg);
}

ms_err ms_config_load(const char *path, ms_config *c, ms_error *err)
{
	ms_config_init(c);
	snprintf(c->file, sizeof c->file, "%s", path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		problem(c, 0, "无法读取配置文件：%s / cannot read the configuration: %s", strerror(e),
		        strerror(e));
		first_problem(c, err, e == ENOENT ? MS_ERR_NOT_FOUND : MS_ERR_IO);
		return e == ENOENT ? MS_ERR_NOT_FOUND : MS_ERR_IO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MS_CONFIG_FILE_MAX) {
		close(fd);
		ms_err code = MS_ERR_TOO_LARGE;
		if (st.st_size <= MS_CONFIG_FILE_MAX) {
			code = MS_ERR_IO;
			problem(c, 0, "不是普通文件 / not a regular file");
		} else {
			problem(c, 0, "文件超过 %d 字节 / larger than %d bytes", MS_CONFIG_FILE_MAX,
			        MS_CONFIG_FILE_MAX);
		}
		first_problem(c, err, code);
		return code;
	}
	char *text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return ms_error_set(err, MS_ERR_NOMEM, "内存不足 / out of memory");
	}
	size_t len = 0;
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, text + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	text[len] = 0;

	parse_ctx x = {.c = c, .text = text, .end = text + len, .p = text};
	/* relative paths are taken from the folder of the file */
	char abs[PATH_MAX];
	if (realpath(path, abs)) {
		char *slash = strrchr(abs, '/');
		if (slash == abs)
			slash[1] = 0;
		else
			*slash = 0;
		int n = snprintf(x.dir, sizeof x.dir, "%s", abs);
		if (n < 0 || (size_t)n >= sizeof x.dir)
			problem(c, 0, "配置文件所在目录的路径过长 / the configuration's folder has too long a "
			        "path");
	} else {
		snprintf(x.dir, sizeof x.dir, ".");
	}
	if (memchr(text, 0, len)) {
		problem(c, 0, "含有空字符（不是文本文件） / contains NUL bytes (not a text file)");
	} else if (!ms_utf8_valid(text, len)) {
		problem(c, 0, "不是 UTF-8 文本 / not UTF-8 text");
	} else {
		int bad = ini_parse_stream(reader, &x, handler, &x);
		if (bad > 0)
			problem(c, bad, "无法解析：应为 [节] 或 键 = 值 / cannot parse: expected [section] or "
			        "key = value");
		else if (bad < 0) {
			free(text);
			return ms_error_set(err, MS_ERR_NOMEM, "内存不足 / out of memory");
		}
		cross_check(c);
	}
	free(text);
	if (c->nproblems) {
		/* the problems in line order: inih reports its syntax error at
		 * the end */
		int kept = c->nproblems < MS_CONFIG_PROBLEMS_MAX ? c->nproblems : MS_CONFIG_PROBLEMS_MAX;
		for (int i = 1; i < kept; i++)
			for (int j = i; j > 0 && c->problems[j].line < c->problems[j - 1].line; j--) {
				ms_config_problem t = c->problems[j];
				c->problems[j] = c->problems[j - 1];
				c->problems[j - 1] = t;
			}
		first_problem(c, err, MS_ERR_INVALID);
		return MS_ERR_INVALID;
	}
	return MS_ERR_OK;
}

const char *ms_config_default_path(bool *explicit_)
{
	*explicit_ = false;
	const char *env = getenv("MINSHENG_CONFIG");
	if (env) {
		if (!*env || strcmp(env, "none") == 0)
			return NULL;
		*explicit_ = true;
		return env;
	}
	if (access(MS_CONFIG_DEFAULT_PATH, F_OK) == 0)
		return MS_CONFIG_DEFAULT_PATH;
	return NULL;
}

static int line_of(const ms_config *c, size_t off)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].off == off)
			return c->set_line[i];
	return 0;
}

static int check_dir(ms_config *c, size_t off, const char *what_zh, const char *what_en)
{
	const char *p = (const char *)c + off;
	struct stat st;
	if (!p[0])
		return 0;
	if (stat(p, &st) != 0) {
		problem(c, line_of(c, off), "%s %s 不存在 / %s %s does not exist", what_zh, p, what_en, p);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		problem(c, line_of(c, off), "%s %s 不是目录 / %s %s is not a folder", what_zh, p, what_en,
		        p);
		return 1;
	}
	return 0;
}

static int check_readable(ms_config *c, size_t off, const char *what_zh, const char *what_en)
{
	const char *p = (const char *)c + off;
	if (!p[0])
		return 0;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		problem(c, line_of(c, off), "无法读取%s %s：%s / cannot read the %s %s: %s", what_zh, p,
		        strerror(e), what_en, p, strerror(e));
		return 1;
	}
	close(fd);
	return 0;
}

int ms_config_check_paths(ms_config *c)
{
	int before = c->nproblems;
	if (c->db[0] && !is_url(c->db)) {
		char dir[MS_CONFIG_PATH_MAX];
		snprintf(dir, sizeof dir, "%s", c->db);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = 0;
			struct stat st;
			if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
				problem(c, line_of(c, offsetof(ms_config, db)),
				        "数据库所在目录 %s 不存在 / the database's folder %s does not exist", dir,
				        dir);
		}
	}
	check_readable(c, offsetof(ms_config, tls_cert), "证书文件", "certificate file");
	check_readable(c, offsetof(ms_config, tls_key), "私钥文件", "key file");
	if (!check_dir(c, offsetof(ms_config, pack), "政策包目录", "pack folder") && c->pack[0]) {
		char feeds[MS_CONFIG_PATH_MAX + 8];
		snprintf(feeds, sizeof feeds, "%s/feeds", c->pack);
		if (access(feeds, F_OK) != 0)
			problem(c, line_of(c, offsetof(ms_config, pack)),
			        "%s 不是政策包（缺少 feeds 目录） / %s is not a policy pack (no feeds folder)",
			        c->pack, c->pack);
	}
	check_dir(c, offsetof(ms_config, static_dir), "网页文件目录", "web folder");
	check_dir(c, offsetof(ms_config, backup_dir), "备份目录", "backup folder");
	check_dir(c, offsetof(ms_config, anchor_copy_dir), "锚点副本目录", "anchor copy folder");
	return c->nproblems - before;
}

/* A database URL with its password hidden. */
static void hide_password(const char *v, char *out, size_t cap)
{
	snprintf(out, cap, "%s", v);
	if (!is_url(v))
		return;
	char *scheme = strstr(out, "://");
	char *at = strchr(scheme + 3, '@');
	char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
	if (colon) {
		char rest[MS_CONFIG_PATH_MAX];
		snprintf(rest, sizeof rest, "%s", at);
		snprintf(colon, cap - (size_t)(colon - out), ":***%s", rest);
	}
	/* a password=… parameter too */
	char *pw = strstr(out, "password=");
	if (pw) {
		char *end = pw + 9 + strcspn(pw + 9, "&");
		char rest[MS_CONFIG_PATH_MAX];
		snprintf(rest, sizeof rest, "%s", end);
		snprintf(pw + 9, cap - (size_t)(pw + 9 - out), "***%s", rest);
	}
}

void ms_config_each(const ms_config *c,
                    void (*fn)(void *ctx, const char *section, const char *key,
                               const char *value, int line),
                    void *ctx)
{
	static const char *const level_names[] = {"debug", "info", "warn", "error"};
	static const char *const format_names[] = {"auto", "text", "json"};
	for (size_t i = 0; i < NKEYS; i++) {
		const key_def *k = &keys[i];
		const char *field = (const char *)c + k->off;
		int iv = *(const int *)(const void *)field;
		char v[MS_CONFIG_PATH_MAX + 16] = "";
		bool set = c->set_line[i] != 0;
		switch (k->kind) {
		case K_DB:
			hide_password(field, v, sizeof v);
			break;
		case K_PATH:
		case K_LISTEN:
		case K_PROXY:
			snprintf(v, sizeof v, "%s", field);
			break;
		case K_HASH:
			snprintf(v, sizeof v, "%s", iv == 2 ? "sm3" : iv == 1 ? "sha256" : "");
			break;
		case K_INT:
			if (iv != 0)
				snprintf(v, sizeof v, "%d", iv);
			break;
		case K_BOOL:
			if (iv >= 0)
				snprintf(v, sizeof v, "%s", iv ? "yes" : "no");
			break;
		case K_LEVEL:
			if (iv >= 0 && iv < 4)
				snprintf(v, sizeof v, "%s", level_names[iv]);
			break;
		case K_FORMAT:
			if (iv >= 0 && iv < 3)
				snprintf(v, sizeof v, "%s", format_names[iv]);
			break;
		case K_TIME:
			if (iv >= 0)
				snprintf(v, sizeof v, "%02d:%02d", iv / 60, iv % 60);
			else if (set)
				snprintf(v, sizeof v, "off");
			break;
		}
		if (!set && !v[0])
			snprintf(v, sizeof v, "%s", k->dflt);
		else if (!v[0])
			snprintf(v, sizeof v, "none"); /* a path set empty: none */
		fn(ctx, k->section, k->name, v, c->set_line[i]);
	}
}
