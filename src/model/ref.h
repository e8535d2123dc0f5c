/* ref.h — opaque references to persons and households (SPEC §6
 * `subject_ref`): lists show a masked identity number, and the reference is
 * what a client sends back to open the record. A reference is the key
 * encrypted and authenticated with the database's own key (libsodium
 * secretbox, nonce derived from the key and the plaintext, so the same
 * subject always has the same reference), in URL-safe base64 without
 * padding. It reveals nothing without the key and cannot be forged. */
#ifndef MS_MODEL_REF_H
#define MS_MODEL_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_REF_KEY_BYTES 32
#define MS_REF_MAX 128 /* bytes of a reference with its NUL */
/* The longest key: nonce (24) + MAC (16) + kind (1) + key must encode in
 * MS_REF_MAX - 1 base64 characters, i.e. 95 bytes. */
#define MS_REF_ID_MAX 54

typedef enum { MS_REF_PERSON = 'P', MS_REF_HOUSEHOLD = 'H' } ms_ref_kind;

/* Encodes a key (an identity number, a household id; 1 to MS_REF_ID_MAX
 * bytes). False when the key is empty or too long. */
bool ms_ref_encode(const uint8_t key[MS_REF_KEY_BYTES], ms_ref_kind kind, const char *id,
                   char out[MS_REF_MAX]);
/* Decodes a reference of the given kind into id (cap bytes); false when it
 * is not a valid reference of that kind made with this key. */
bool ms_ref_decode(const uint8_t key[MS_REF_KEY_BYTES], ms_ref_kind kind, const char *ref,
                   char *id, size_t cap);

#endif
