/* tls.c — reads and checks the PEM files of a TLS server with libcrypto. */
#include "ops/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

ms_err ms_tls_read_pem(const char *path, char **out, size_t *len, ms_error *err)
{
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ms_error_set(err, MS_ERR_IO, "无法读取 %s：%s / cannot read %s: %s", path,
		                    strerror(errno), path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ms_error_set(err, MS_ERR_IO, "%s 不是普通文件 / %s is not a regular file", path,
		                    path);
	}
	if (st.st_size > MS_TLS_PEM_MAX) {
		close(fd);
		return ms_error_set(err, MS_ERR_TOO_LARGE, "%s 超过 %d 字节 / %s is larger than %d bytes",
		                    path, MS_TLS_PEM_MAX, path, MS_TLS_PEM_MAX);
	}
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return ms_error_set(err, MS_ERR_NOMEM, "内存不足 / out of memory");
	}
	size_t n = 0;
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	if (n == 0 || memchr(buf, 0, n)) {
		ms_tls_free_pem(buf, n);
		return ms_error_set(err, MS_ERR_INVALID, "%s 不是 PEM 文本 / %s is not PEM text", path,
		                    path);
	}
	*out = buf;
	*len = n;
	return MS_ERR_OK;
}

void ms_tls_free_pem(char *pem, size_t len)
{
	if (!pem)
		return;
	OPENSSL_cleanse(pem, len);
	free(pem);
}

/* No passphrase: a service cannot type one. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

static int64_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

ms_err ms_tls_check(const char *cert_path, const char *key_path, ms_tls_info *info,
                    ms_error *err)
{
	memset(info, 0, sizeof *info);
	char *cert_pem = NULL, *key_pem = NULL;
	size_t cert_len = 0, key_len = 0;
	ms_err e = ms_tls_read_pem(cert_path, &cert_pem, &cert_len, err);
	if (!e)
		e = ms_tls_read_pem(key_path, &key_pem, &key_len, err);
	X509 *leaf = NULL;
	EVP_PKEY *key = NULL;
	BIO *b = NULL;
	if (e)
		goto done;
	b = BIO_new_mem_buf(cert_pem, (int)cert_len);
	X509 *x;
	while (b && (x = PEM_read_bio_X509(b, NULL, no_password, NULL)) != NULL) {
		if (!leaf)
			leaf = x;
		else
			X509_free(x);
		info->certs++;
	}
	BIO_free(b);
	b = NULL;
	ERR_clear_error();
	if (!leaf) {
		e = ms_error_set(err, MS_ERR_INVALID, "%s 中没有 PEM 格式的证书 / %s holds no PEM "
		                 "certificate", cert_path, cert_path);
		goto done;
	}
	info->not_before = asn1_time(X509_get0_notBefore(leaf));
	info->not_after = asn1_time(X509_get0_notAfter(leaf));
	BIO *sb = BIO_new(BIO_s_mem());
	if (sb) {
		X509_NAME_print_ex(sb, X509_get_subject_name(leaf), 0, XN_FLAG_RFC2253);
		int n = BIO_read(sb, info->subject, (int)sizeof info->subject - 1);
		info->subject[n > 0 ? n : 0] = 0;
		BIO_free(sb);
	}
	b = BIO_new_mem_buf(key_pem, (int)key_len);
	key = b ? PEM_read_bio_PrivateKey(b, NULL, no_password, NULL) : NULL;
	ERR_clear_error();
	if (!key) {
		e = ms_error_set(err, MS_ERR_INVALID, "%s 中没有可用的私钥（须为未加密的 PEM 私钥） / %s "
		                 "holds no usable private key (it must be an unencrypted PEM key)",
		                 key_path, key_path);
		goto done;
	}
	if (X509_check_private_key(leaf, key) != 1) {
		ERR_clear_error();
		e = ms_error_set(err, MS_ERR_INVALID, "私钥 %s 与证书 %s 不匹配 / the key %s does not "
		                 "belong to the certificate %s", key_path, cert_path, key_path, cert_path);
		goto done;
	}
done:
	BIO_free(b);
	EVP_PKEY_free(key);
	X509_free(leaf);
	ms_tls_free_pem(cert_pem, cert_len);
	ms_tls_free_pem(key_pem, key_len);
	return e;
}
