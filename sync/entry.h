/* Journal entries: the schema, the CBOR codec and the entry hash.
 *
 * An entry is one CBOR array (RFC 8949, shortest-form "deterministic"
 * encoding, definite lengths only):
 *
 *   [ version=1, origin: bstr(16), seq: uint, hlc: uint, actor: tstr(1..64),
 *     kind: uint, prev: bstr(32), body: map{uint => value} ]
 *
 * The stored bytes are exactly that encoding; the entry hash is BLAKE2b-256
 * over them, and the Ed25519 signature (kept beside the entry, see
 * journal.h) is over them too. Because prev is the predecessor's hash, the
 * hash of an entry covers its whole chain. Personal fields of a patron
 * travel only as XChaCha20-Poly1305 ciphertext (keystore.h), so erasing the
 * patron key shreds every copy while every hash still verifies.
 *
 * The decoder accepts only what the encoder produces: it bounds every length
 * and count, refuses unknown versions, kinds and body keys, checks each
 * kind's required fields, and refuses any encoding that is not the
 * canonical one (so an entry has exactly one byte form). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENTRY_VERSION 1
#define ENTRY_ORIGIN_SIZE 16
#define ENTRY_HASH_SIZE 32
#define ENTRY_SIG_SIZE 64
#define ENTRY_KEY_ID_SIZE 16
#define ENTRY_MAX_SIZE 8192
#define ENTRY_ID_MAX 64 /* actor, patron id, barcode, payment id */
#define ENTRY_TITLE_MAX 256 /* item title (not personal) */
#define ENTRY_CT_MAX 1024 /* one encrypted personal field */
#define ENTRY_MAX_FIELDS 8
#define ENTRY_RENEW_LIMIT_MAX 1000

typedef enum EntryKind {
        ENTRY_PATRON_REGISTER = 1,
        ENTRY_PATRON_UPDATE,
        ENTRY_PATRON_BLOCK,
        ENTRY_PATRON_UNBLOCK,
        ENTRY_PATRON_ERASE,
        ENTRY_ITEM_ADD,
        ENTRY_ITEM_UPDATE,
        ENTRY_ITEM_WITHDRAW,
        ENTRY_CHECKOUT,
        ENTRY_CHECKIN,
        ENTRY_RENEW,
        ENTRY_HOLD_PLACE,
        ENTRY_HOLD_CANCEL,
        ENTRY_FINE,
        ENTRY_PAYMENT,
        ENTRY_VISIT,
        ENTRY_LOAN_ANONYMISE,
        /* Replicated fold parameters, from the hub or the appliance: they
         * apply from the entry's HLC on, in fold order, on every node. */
        ENTRY_FOLD_PARAMS,
        _ENTRY_KIND_MAX,
} EntryKind;

/* Personal fields of a patron; each is encrypted separately. */
typedef enum PatronField {
        PATRON_FIELD_NAME = 1,
        PATRON_FIELD_EMAIL,
        PATRON_FIELD_PHONE,
        PATRON_FIELD_ADDRESS,
        PATRON_FIELD_BIRTHDATE,
        _PATRON_FIELD_MAX,
} PatronField;

/* Body map keys. */
enum {
        BODY_PATRON = 1,
        BODY_ITEM = 2,
        BODY_DUE = 3,
        BODY_KEY_ID = 4,
        BODY_FIELDS = 5,
        BODY_EXPIRY = 6,
        BODY_AMOUNT = 7,
        BODY_PAYMENT_ID = 8,
        BODY_CUTOFF = 9,
        BODY_TITLE = 10,
        BODY_RENEW_LIMIT = 11,
        _BODY_MAX,
};

typedef struct EntryField {
        uint8_t id; /* PatronField */
        uint64_t base; /* HLC of the field version the writer saw, 0 if none */
        const uint8_t *ct; /* nonce || ciphertext || tag; borrowed */
        size_t ct_len;
} EntryField;

typedef struct Entry {
        uint8_t origin[ENTRY_ORIGIN_SIZE];
        uint64_t seq;
        uint64_t hlc;
        char actor[ENTRY_ID_MAX + 1];
        EntryKind kind;
        uint8_t prev[ENTRY_HASH_SIZE];

        /* Body. `present` has bit (1 << BODY_x) for each key carried. */
        uint32_t present;
        char patron[ENTRY_ID_MAX + 1];
        char item[ENTRY_ID_MAX + 1];
        char payment_id[ENTRY_ID_MAX + 1];
        char title[ENTRY_TITLE_MAX + 1];
        uint8_t key_id[ENTRY_KEY_ID_SIZE];
        uint64_t due; /* ms since the epoch */
        uint64_t expiry; /* ms since the epoch */
        uint64_t amount; /* cents */
        uint64_t cutoff; /* HLC */
        uint64_t renew_limit; /* renewals allowed per loan, 0..ENTRY_RENEW_LIMIT_MAX */
        EntryField fields[ENTRY_MAX_FIELDS];
        size_t n_fields;
} Entry;

#define ENTRY_HAS(e, k) (!!((e)->present & (1u << (k))))

/* Set a string body field and mark it present. Returns 0 or -E2BIG. */
int entry_set_string(Entry *e, int body_key, const char *value);
/* Set an integer body field (BODY_DUE, _EXPIRY, _AMOUNT, _CUTOFF,
 * _RENEW_LIMIT). */
void entry_set_uint(Entry *e, int body_key, uint64_t value);

/* Name of a kind ("checkout"), or NULL for an unknown one. */
const char *entry_kind_to_string(EntryKind k);

/* Encode e into buf (size bytes). Returns the encoded length, or -E2BIG if
 * it does not fit or exceeds ENTRY_MAX_SIZE, -EINVAL if e breaks the schema
 * (the same checks as the decoder). */
int entry_encode(const Entry *e, uint8_t *buf, size_t size);

/* Decode and validate one entry that spans exactly data[0..size). Strings
 * are copied into *ret; field ciphertexts point into data, which must
 * outlive *ret. Returns 0, or -EBADMSG (malformed, non-canonical or
 * schema-violating), -EPROTONOSUPPORT (unknown version) or -EOPNOTSUPP
 * (unknown kind). *ret is unspecified on failure. */
int entry_decode(const uint8_t *data, size_t size, Entry *ret);

/* The same for bytes this node verified when it stored them (the fold
 * re-reads its own journal): every bound and schema check still runs, only
 * the canonical-form comparison is skipped. */
int entry_decode_stored(const uint8_t *data, size_t size, Entry *ret);

/* BLAKE2b-256 over the stored bytes. */
void entry_hash(const uint8_t *data, size_t size, uint8_t ret[ENTRY_HASH_SIZE]);

/* The fold-entity key of an entry: "p:<patron>" for patron-scoped kinds,
 * "i:<barcode>" for item-scoped ones, ENTRY_GLOBAL_ENTITY for the fold
 * parameters. buf must hold ENTRY_ID_MAX + 3. */
#define ENTRY_GLOBAL_ENTITY "g:fold"
void entry_entity_key(const Entry *e, char *buf, size_t size);

/* True for kinds whose entity is the patron (fold scope). */
bool entry_kind_is_patron_scoped(EntryKind k);
/* True for kinds whose entity is the whole node (ENTRY_FOLD_PARAMS). */
bool entry_kind_is_global(EntryKind k);
