/* audit_chain.c — the bytes the access log's integrity rests on: the hash
 * (SHA-256 or SM3 through OpenSSL's EVP), the canonical form of an entry, the
 * genesis line, China-time clocks and the anchor files' names and lines. */
#include "audit/audit_impl.h"

#include "base/mem.h"

#include <openssl/evp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *audit_alg_name(ms_audit_hash h)
{
	switch (h) {
	case MS_AUDIT_SHA256:
		return "sha256";
	case MS_AUDIT_SM3:
		return "sm3";
	}
	return NULL;
}

ms_audit_hash audit_alg_parse(const char *s)
{
	if (s && strcmp(s, "sha256") == 0)
		return MS_AUDIT_SHA256;
	if (s && strcmp(s, "sm3") == 0)
		return MS_AUDIT_SM3;
	return (ms_audit_hash)0;
}

static const EVP_MD *alg_md(ms_audit_hash alg)
{
	switch (alg) {
	case MS_AUDIT_SHA256:
		return EVP_sha256();
	case MS_AUDIT_SM3:
		/* NULL when OpenSSL was built without SM3 (no-sm3) */
		return EVP_sm3();
	}
	return NULL;
}

static void to_hex(const unsigned char *h, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[2 * n] = '\0';
}

ms_err audit_hash_hex(ms_audit_hash alg, const void *a, size_t alen, const void *b, size_t blen,
                      char out[AUDIT_HEX], ms_error *err)
{
	const EVP_MD *md = alg_md(alg);
	if (!md)
		return ms_error_set(err, MS_ERR_INTERNAL,
		                    "此 OpenSSL 不支持哈希算法 %s (this OpenSSL lacks the hash %s)",
		                    audit_alg_name(alg) ? audit_alg_name(alg) : "?",
		                    audit_alg_name(alg) ? audit_alg_name(alg) : "?");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	int ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, a, alen) == 1 &&
	         (blen == 0 || EVP_DigestUpdate(ctx, b, blen) == 1) &&
	         EVP_DigestFinal_ex(ctx, h, &hl) == 1;
	EVP_MD_CTX_free(ctx);
	/* both algorithms give 32 bytes; anything else would not fit the columns */
	if (!ok || hl != (AUDIT_HEX - 1) / 2)
		return ms_error_set(err, MS_ERR_INTERNAL, "计算哈希失败 (hashing failed): %s",
		                    audit_alg_name(alg));
	to_hex(h, hl, out);
	return MS_ERR_OK;
}

static ms_err canon_field(ms_buf *b, const char *v, size_t n)
{
	if (n > UINT32_MAX)
		return MS_ERR_TOO_LARGE;
	unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
	                        (unsigned char)(n >> 8), (unsigned char)n};
	ms_err e = ms_buf_append(b, len, 4);
	return e ? e : ms_buf_append(b, v, n);
}

static ms_err canon_text(ms_buf *b, const char *v)
{
	return canon_field(b, v ? v : "", v ? strlen(v) : 0);
}

static ms_err canon_int(ms_buf *b, int64_t v)
{
	char s[24];
	int n = snprintf(s, sizeof s, "%lld", (long long)v);
	return canon_field(b, s, (size_t)n);
}

ms_err audit_canon(ms_buf *b, const audit_fields *f)
{
	ms_buf_clear(b);
	ms_err e = canon_int(b, f->id);
	const char *texts1[] = {f->at, f->user, f->role, f->action, f->object, f->ref, f->route};
	for (size_t i = 0; !e && i < sizeof texts1 / sizeof texts1[0]; i++)
		e = canon_text(b, texts1[i]);
	if (!e)
		e = canon_int(b, f->status);
	if (!e)
		e = canon_text(b, f->addr);
	if (!e)
		e = canon_text(b, f->request);
	return e;
}

ms_err audit_link(ms_audit_hash alg, const char *prev_hex, const audit_fields *f, ms_buf *scratch,
                  char out[AUDIT_HEX], ms_error *err)
{
	ms_err e = audit_canon(scratch, f);
	if (e == MS_ERR_NOMEM)
		return ms_error_set(err, e, NULL);
	if (e)
		return ms_error_set(err, e, "访问日志记录 %lld 过长 (access-log entry %lld too long)",
		                    (long long)f->id, (long long)f->id);
	return audit_hash_hex(alg, prev_hex, strlen(prev_hex), scratch->p, scratch->len, out, err);
}

ms_err audit_genesis(ms_buf *b, ms_audit_hash alg, const char *created, const char *nonce)
{
	ms_buf_clear(b);
	return ms_buf_printf(b, "%s algorithm=%s created=%s nonce=%s", AUDIT_FORMAT,
	                     audit_alg_name(alg) ? audit_alg_name(alg) : "?", created, nonce);
}

/* China has kept UTC+8 all year since 1991, so a fixed offset is exact. */
static struct tm china_tm(void)
{
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm;
}

void audit_now(char out[32])
{
	struct tm tm = china_tm();
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

void audit_today(char out[11])
{
	struct tm tm = china_tm();
	strftime(out, 11, "%Y-%m-%d", &tm);
}

char *audit_anchor_dir(const char *path, const char *anchor_dir)
{
	if (anchor_dir && *anchor_dir)
		return ms_strdup(anchor_dir);
	return ms_audit_sidecar(path, ".anchors");
}

char *ms_audit_sidecar(const char *access_path, const char *suffix)
{
	size_t n = strlen(access_path), sl = strlen(suffix);
	static const char sfx[] = ".access";
	if (n > sizeof sfx - 1 && strcmp(access_path + n - (sizeof sfx - 1), sfx) == 0)
		n -= sizeof sfx - 1;
	char *d = ms_malloc(n + sl + 1);
	if (d) {
		memcpy(d, access_path, n);
		memcpy(d + n, suffix, sl + 1);
	}
	return d;
}

bool audit_anchor_name_ok(const char *name)
{
	static const char shape[] = "dddd-dd-dd";
	size_t i = 0;
	for (; shape[i]; i++) {
		char c = name[i];
		if (shape[i] == 'd' ? !(c >= '0' && c <= '9') : c != '-')
			return false;
	}
	return name[i] == '\0';
}

bool audit_anchor_parse(const char *line, size_t n, int64_t *id, char hash[AUDIT_HEX])
{
	/* TIME: a non-empty run without spaces (not checked further: it is
	 * informative, the id and hash are what is compared) */
	size_t i = 0;
	while (i < n && line[i] != ' ')
		i++;
	if (i == 0 || i > 40 || i >= n)
		return false;
	i++;
	/* ID: 1-18 decimal digits */
	size_t s = i;
	int64_t v = 0;
	while (i < n && line[i] >= '0' && line[i] <= '9' && i - s < 18)
		v = v * 10 + (line[i++] - '0');
	if (i == s || i >= n || line[i] != ' ')
		return false;
	i++;
	/* HASH: exactly 64 lower-case hex digits, then the end */
	if (n - i != AUDIT_HEX - 1)
		return false;
	for (size_t k = 0; k < AUDIT_HEX - 1; k++) {
		char c = line[i + k];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		hash[k] = c;
	}
	hash[AUDIT_HEX - 1] = '\0';
	*id = v;
	return true;
}

ms_err audit_anchor_newest(const char *dir, bool *found, int64_t *id, char hash[AUDIT_HEX],
                           ms_error *err)
{
	*found = false;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return MS_ERR_OK;
		return ms_error_set(err, MS_ERR_IO, "无法读取锚点目录 %s：%s (cannot read the anchor "
		                                    "folder)", dir, strerror(errno));
	}
	char newest[16] = "";
	struct dirent *de;
	while ((de = readdir(d)))
		if (audit_anchor_name_ok(de->d_name) && strcmp(de->d_name, newest) > 0)
			memcpy(newest, de->d_name, 11); /* the shape is 10 characters */
	closedir(d);
	if (!newest[0])
		return MS_ERR_OK;
	size_t plen = strlen(dir) + sizeof newest + 2;
	char *p = ms_malloc(plen);
	if (!p)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	snprintf(p, plen, "%s/%s", dir, newest);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ms_free(p);
	if (fd < 0)
		return ms_error_set(err, MS_ERR_IO, "无法读取锚点文件 %s：%s (cannot read an anchor "
		                                    "file)", newest, strerror(errno));
	/* the last few lines are enough: lines are appended in id order by one
	 * writer, nearly so by two */
	char buf[4096];
	struct stat st;
	off_t from = 0;
	if (fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof buf)
		from = st.st_size - (off_t)sizeof buf;
	ssize_t got = pread(fd, buf, sizeof buf, from);
	close(fd);
	if (got < 0)
		return ms_error_set(err, MS_ERR_IO, "无法读取锚点文件 %s (cannot read an anchor file)",
		                    newest);
	size_t n = (size_t)got, start = 0;
	/* a read that begins mid-file begins mid-line: skip to the first line end */
	if (from > 0) {
		while (start < n && buf[start] != '\n')
			start++;
		start++;
	}
	while (start < n) {
		const char *nl = memchr(buf + start, '\n', n - start);
		if (!nl)
			break; /* a line still being written */
		size_t len = (size_t)(nl - (buf + start));
		int64_t lid;
		char h[AUDIT_HEX];
		if (audit_anchor_parse(buf + start, len, &lid, h) && (!*found || lid > *id)) {
			*found = true;
			*id = lid;
			memcpy(hash, h, AUDIT_HEX);
		}
		start += len + 1;
	}
	return MS_ERR_OK;
}
