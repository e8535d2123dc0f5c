/* totp.c — the arithmetic of the second factor: TOTP codes (RFC 6238 over
 * the HOTP truncation of RFC 4226, HMAC-SHA1 from OpenSSL) and base32
 * (RFC 4648). No store and no users here: session.c keeps the secrets. */
#include "auth/session.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <string.h>

#define TOTP_STEP 30     /* seconds (RFC 6238 default) */
#define TOTP_DIGITS 6    /* what authenticator apps show */
#define TOTP_KEY_MAX 64  /* bytes of a decoded secret we accept */

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* The HOTP value (RFC 4226 §5.3) of a counter. */
static void hotp(const uint8_t *key, size_t keylen, uint64_t counter, int digits, char out[9])
{
	uint8_t msg[8];
	for (int i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(counter & 0xff);
		counter >>= 8;
	}
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	/* an empty key is a valid HMAC key; OpenSSL wants a non-NULL pointer */
	static const uint8_t none[1] = {0};
	if (!HMAC(EVP_sha1(), keylen ? key : none, (int)keylen, msg, sizeof msg, mac, &maclen) ||
	    maclen < 20) {
		out[0] = '\0';
		return;
	}
	unsigned off = mac[maclen - 1] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
	               ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
	uint32_t mod = 1;
	for (int i = 0; i < digits; i++)
		mod *= 10;
	uint32_t v = bin % mod;
	for (int i = digits - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
	out[digits] = '\0';
	sodium_memzero(mac, sizeof mac);
}

/* floor(t / 30), also for times before 1970 */
static int64_t step_of(int64_t t)
{
	int64_t q = t / TOTP_STEP;
	if (t % TOTP_STEP < 0)
		q--;
	return q;
}

void ms_totp_code(const uint8_t *key, size_t keylen, int64_t t, int digits, char out[9])
{
	/* outside 6–8 a code is not a TOTP code any app shows: none */
	if (digits < 6 || digits > 8 || keylen > 1024) {
		out[0] = '\0';
		return;
	}
	hotp(key, keylen, (uint64_t)step_of(t), digits, out);
}

int64_t ms_totp_match(const char *secret_b32, const char *code, int64_t now)
{
	if (!secret_b32 || !code || strlen(code) != TOTP_DIGITS)
		return -1;
	for (int i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return -1;
	uint8_t key[TOTP_KEY_MAX];
	int n = ms_base32_decode(secret_b32, key, sizeof key);
	if (n <= 0)
		return -1;
	int64_t step = step_of(now), found = -1;
	/* all three steps are computed and compared in constant time, so the
	 * time taken does not say which one matched */
	for (int d = -1; d <= 1; d++) {
		char want[9];
		hotp(key, (size_t)n, (uint64_t)(step + d), TOTP_DIGITS, want);
		if (want[0] && sodium_memcmp(want, code, TOTP_DIGITS) == 0 && found < 0)
			found = step + d;
		sodium_memzero(want, sizeof want);
	}
	sodium_memzero(key, sizeof key);
	return found;
}

bool ms_totp_verify(const char *secret_b32, const char *code, int64_t now)
{
	return ms_totp_match(secret_b32, code, now) >= 0;
}

void ms_base32_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	if (!cap)
		return;
	/* a secret cut short would be a different secret: all or nothing */
	if (n > (SIZE_MAX - 4) / 8 || (n * 8 + 4) / 5 >= cap) {
		out[0] = '\0';
		return;
	}
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32_alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
		acc &= (1u << bits) - 1;
	}
	if (bits > 0)
		out[o++] = b32_alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

int ms_base32_decode(const char *in, uint8_t *out, size_t cap)
{
	if (!in)
		return -1;
	size_t len = strlen(in);
	/* padding: only '=' at the end */
	while (len && in[len - 1] == '=')
		len--;
	/* these remainders cannot come from whole bytes (RFC 4648 §6) */
	size_t rem = len % 8;
	if (rem == 1 || rem == 3 || rem == 6)
		return -1;
	if (len > (size_t)INT32_MAX || len * 5 / 8 > cap)
		return -1;
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		int v;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a';
		else if (c >= '2' && c <= '7')
			v = c - '2' + 26;
		else
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			out[o++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
		acc &= (1u << bits) - 1;
	}
	return (int)o;
}
