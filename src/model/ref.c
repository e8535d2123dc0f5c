/* ref.c — opaque references (ref.h): libsodium secretbox over kind || id.
 * The nonce is derived from the key and the plaintext (keyed BLAKE2b), so a
 * subject always gets the same reference and lists can be compared; the
 * cost is that equal references reveal equal subjects, which is what a
 * reference is for. */
#include "model/ref.h"

#include <sodium.h>
#include <string.h>

#define NONCE crypto_secretbox_NONCEBYTES /* 24 */
#define MAC crypto_secretbox_MACBYTES     /* 16 */
#define PLAIN_MAX (1 + MS_REF_ID_MAX)
#define BOX_MAX (NONCE + MAC + PLAIN_MAX)

_Static_assert(MS_REF_KEY_BYTES == crypto_secretbox_KEYBYTES, "reference key size");
_Static_assert(crypto_generichash_BYTES >= NONCE, "nonce from the hash");

/* libsodium must be initialised before use; the call is cheap and
 * thread-safe once done. */
static bool ready(void)
{
	return sodium_init() >= 0;
}

bool ms_ref_encode(const uint8_t key[MS_REF_KEY_BYTES], ms_ref_kind kind, const char *id,
                   char out[MS_REF_MAX])
{
	out[0] = '\0';
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > MS_REF_ID_MAX || !ready())
		return false;
	unsigned char plain[PLAIN_MAX];
	plain[0] = (unsigned char)kind;
	memcpy(plain + 1, id, n);
	unsigned char box[BOX_MAX];
	unsigned char hash[crypto_generichash_BYTES];
	if (crypto_generichash(hash, sizeof hash, plain, n + 1, key, MS_REF_KEY_BYTES) != 0)
		return false;
	memcpy(box, hash, NONCE);
	if (crypto_secretbox_easy(box + NONCE, plain, n + 1, box, key) != 0)
		return false;
	size_t blen = NONCE + MAC + n + 1;
	if (sodium_base64_encoded_len(blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > MS_REF_MAX)
		return false;
	sodium_bin2base64(out, MS_REF_MAX, box, blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return true;
}

bool ms_ref_decode(const uint8_t key[MS_REF_KEY_BYTES], ms_ref_kind kind, const char *ref, char *id,
                   size_t cap)
{
	if (cap)
		id[0] = '\0';
	size_t rn = ref ? strlen(ref) : 0;
	if (rn == 0 || rn >= MS_REF_MAX || !ready())
		return false;
	unsigned char box[BOX_MAX];
	size_t blen = 0;
	const char *end = NULL;
	if (sodium_base642bin(box, sizeof box, ref, rn, NULL, &blen, &end,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != ref + rn || blen < NONCE + MAC + 2)
		return false;
	unsigned char plain[PLAIN_MAX];
	size_t pn = blen - NONCE - MAC;
	if (crypto_secretbox_open_easy(plain, box + NONCE, blen - NONCE, box, key) != 0)
		return false;
	/* the kind is inside the authenticated plaintext: a person's reference
	 * never opens a household */
	if (plain[0] != (unsigned char)kind || pn - 1 >= cap)
		return false;
	for (size_t i = 1; i < pn; i++)
		if (plain[i] == '\0')
			return false;
	memcpy(id, plain + 1, pn - 1);
	id[pn - 1] = '\0';
	return true;
}
