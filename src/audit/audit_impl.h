/* audit_impl.h — what the writer (audit.c) and the reader (audit_verify.c)
 * share: the schema, the hash, the canonical bytes of an entry, the genesis
 * line and the anchor files. Every existing log depends on these exact bytes:
 * a change here needs a new AUDIT_FORMAT, never an edit of the old one. */
#ifndef MS_AUDIT_AUDIT_IMPL_H
#define MS_AUDIT_AUDIT_IMPL_H

#include "audit/audit.h"
#include "base/buf.h"

#include <stdbool.h>
#include <stdint.h>

#define AUDIT_FORMAT "minsheng-access/1"
/* a 32-byte digest (SHA-256 and SM3 alike) in lower-case hex, and its NUL */
#define AUDIT_HEX 65
/* one anchor line: "2026-11-29T10:00:00+08:00 123 <64 hex>\n" is about 100 bytes */
#define AUDIT_ANCHOR_LINE_MAX 256
/* the most bytes of one entry's canonical form (every field at its limit) */
#define AUDIT_CANON_MAX (16 * (4 + MS_AUDIT_FIELD_MAX))
#define AUDIT_BUSY_MS 10000

/* The tables. STRICT and NOT NULL so that a value's type is part of what is
 * hashed; the triggers stop mistakes (an UPDATE typed into the wrong shell),
 * not an attacker, who can drop them: that is what the chain is for. */
#define AUDIT_SCHEMA                                                                               \
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"                     \
	"CREATE TABLE entry(id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, "        \
	"role TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL, ref TEXT NOT NULL, "       \
	"route TEXT NOT NULL, status INTEGER NOT NULL, addr TEXT NOT NULL, "                       \
	"request TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL) STRICT;"              \
	"CREATE INDEX entry_user ON entry(user, id);"                                              \
	"CREATE INDEX entry_ref ON entry(ref, id);"                                                \
	"CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry "                                   \
	"BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;"                         \
	"CREATE TRIGGER entry_no_delete BEFORE DELETE ON entry "                                   \
	"BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;"                         \
	"CREATE TRIGGER meta_no_update BEFORE UPDATE ON meta "                                     \
	"BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;"                         \
	"CREATE TRIGGER meta_no_delete BEFORE DELETE ON meta "                                     \
	"BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;"

/* One entry as it is hashed. */
typedef struct audit_fields {
	int64_t id;
	const char *at, *user, *role, *action, *object, *ref, *route;
	int64_t status;
	const char *addr, *request;
} audit_fields;

/* "sha256" / "sm3"; NULL for anything else. */
const char *audit_alg_name(ms_audit_hash h);
/* 0 when s names no algorithm. */
ms_audit_hash audit_alg_parse(const char *s);

/* out = hex(H(a || b)); b may be NULL when blen is 0. */
ms_err audit_hash_hex(ms_audit_hash alg, const void *a, size_t alen, const void *b, size_t blen,
                      char out[AUDIT_HEX], ms_error *err);
/* The canonical bytes of an entry: every field, id and status in decimal,
 * each as a 4-byte big-endian length and the bytes, in table order. Lengths
 * make it unambiguous: no choice of values can make two entries serialise
 * alike. b is cleared first. */
ms_err audit_canon(ms_buf *b, const audit_fields *f);
/* hash_n = H(hash_{n-1} as its 64 hex characters || canonical bytes of n). */
ms_err audit_link(ms_audit_hash alg, const char *prev_hex, const audit_fields *f, ms_buf *scratch,
                  char out[AUDIT_HEX], ms_error *err);
/* The genesis line, from the meta values it is made of. */
ms_err audit_genesis(ms_buf *b, ms_audit_hash alg, const char *created, const char *nonce);

/* Now as RFC 3339 in China time (UTC+8, no daylight saving). */
void audit_now(char out[32]);
/* Today's date in China time, the name of today's anchor file. */
void audit_today(char out[11]);
/* The anchor folder: anchor_dir when given, else path without a trailing
 * ".access" plus ".anchors" ("<db>.access" → "<db>.anchors"). ms_free it. */
char *audit_anchor_dir(const char *path, const char *anchor_dir);
/* True for names of anchor files: YYYY-MM-DD. */
bool audit_anchor_name_ok(const char *name);
/* Parses "TIME ID HASH" (without the line end); false when malformed. */
bool audit_anchor_parse(const char *line, size_t n, int64_t *id, char hash[AUDIT_HEX]);
/* The anchor line with the highest id among the last lines of the newest
 * anchor file; *found false when there is none. */
ms_err audit_anchor_newest(const char *dir, bool *found, int64_t *id, char hash[AUDIT_HEX],
                           ms_error *err);

#endif
