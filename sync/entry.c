/* See entry.h. CBOR comes from libcbor: its streaming encoder writes
 * straight into our buffer and its streaming decoder hands us one item head
 * at a time, so neither side allocates and every length is checked against
 * the bytes actually present. */
#include <errno.h>
#include <string.h>

#include <cbor.h>
#include <sodium.h>

#include "lib/macro.h"
#include "sync/cbor-cursor.h"
#include "sync/entry.h"

#define M(k) (1u << (k))

static const struct {
        const char *name;
        uint32_t required, allowed;
} kind_table[_ENTRY_KIND_MAX] = {
        [ENTRY_PATRON_REGISTER] = { "patron-register", M(BODY_PATRON) | M(BODY_KEY_ID),
                                    M(BODY_PATRON) | M(BODY_KEY_ID) | M(BODY_FIELDS) | M(BODY_EXPIRY) },
        [ENTRY_PATRON_UPDATE] = { "patron-update", M(BODY_PATRON),
                                  M(BODY_PATRON) | M(BODY_KEY_ID) | M(BODY_FIELDS) | M(BODY_EXPIRY) },
        [ENTRY_PATRON_BLOCK] = { "patron-block", M(BODY_PATRON), M(BODY_PATRON) },
        [ENTRY_PATRON_UNBLOCK] = { "patron-unblock", M(BODY_PATRON), M(BODY_PATRON) },
        [ENTRY_PATRON_ERASE] = { "patron-erase", M(BODY_PATRON), M(BODY_PATRON) },
        [ENTRY_ITEM_ADD] = { "item-add", M(BODY_ITEM), M(BODY_ITEM) | M(BODY_TITLE) },
        [ENTRY_ITEM_UPDATE] = { "item-update", M(BODY_ITEM), M(BODY_ITEM) | M(BODY_TITLE) },
        [ENTRY_ITEM_WITHDRAW] = { "item-withdraw", M(BODY_ITEM), M(BODY_ITEM) },
        [ENTRY_CHECKOUT] = { "checkout", M(BODY_ITEM) | M(BODY_PATRON) | M(BODY_DUE),
                             M(BODY_ITEM) | M(BODY_PATRON) | M(BODY_DUE) },
        [ENTRY_CHECKIN] = { "checkin", M(BODY_ITEM), M(BODY_ITEM) },
        [ENTRY_RENEW] = { "renew", M(BODY_ITEM) | M(BODY_PATRON) | M(BODY_DUE),
                          M(BODY_ITEM) | M(BODY_PATRON) | M(BODY_DUE) },
        [ENTRY_HOLD_PLACE] = { "hold-place", M(BODY_ITEM) | M(BODY_PATRON), M(BODY_ITEM) | M(BODY_PATRON) },
        [ENTRY_HOLD_CANCEL] = { "hold-cancel", M(BODY_ITEM) | M(BODY_PATRON),
                                M(BODY_ITEM) | M(BODY_PATRON) },
        [ENTRY_FINE] = { "fine", M(BODY_PATRON) | M(BODY_AMOUNT), M(BODY_PATRON) | M(BODY_AMOUNT) },
        [ENTRY_PAYMENT] = { "payment", M(BODY_PATRON) | M(BODY_AMOUNT) | M(BODY_PAYMENT_ID),
                            M(BODY_PATRON) | M(BODY_AMOUNT) | M(BODY_PAYMENT_ID) },
        [ENTRY_VISIT] = { "visit", M(BODY_PATRON), M(BODY_PATRON) },
        [ENTRY_LOAN_ANONYMISE] = { "loan-anonymise", M(BODY_PATRON) | M(BODY_CUTOFF),
                                   M(BODY_PATRON) | M(BODY_CUTOFF) },
        [ENTRY_FOLD_PARAMS] = { "fold-params", M(BODY_RENEW_LIMIT), M(BODY_RENEW_LIMIT) },
};

const char *entry_kind_to_string(EntryKind k)
{
        if (k <= 0 || k >= _ENTRY_KIND_MAX)
                return NULL;
        return kind_table[k].name;
}

bool entry_kind_is_patron_scoped(EntryKind k)
{
        switch (k) {
        case ENTRY_PATRON_REGISTER:
        case ENTRY_PATRON_UPDATE:
        case ENTRY_PATRON_BLOCK:
        case ENTRY_PATRON_UNBLOCK:
        case ENTRY_PATRON_ERASE:
        case ENTRY_FINE:
        case ENTRY_PAYMENT:
        case ENTRY_VISIT:
        case ENTRY_LOAN_ANONYMISE:
                return true;
        default:
                return false;
        }
}

bool entry_kind_is_global(EntryKind k)
{
        return k == ENTRY_FOLD_PARAMS;
}

void entry_entity_key(const Entry *e, char *buf, size_t size)
{
        if (entry_kind_is_global(e->kind))
                snprintf(buf, size, "%s", ENTRY_GLOBAL_ENTITY);
        else if (entry_kind_is_patron_scoped(e->kind))
                snprintf(buf, size, "p:%s", e->patron);
        else
                snprintf(buf, size, "i:%s", e->item);
}

int entry_set_string(Entry *e, int body_key, const char *value)
{
        char *dst;
        size_t max;

        switch (body_key) {
        case BODY_PATRON:
                dst = e->patron, max = ENTRY_ID_MAX;
                break;
        case BODY_ITEM:
                dst = e->item, max = ENTRY_ID_MAX;
                break;
        case BODY_PAYMENT_ID:
                dst = e->payment_id, max = ENTRY_ID_MAX;
                break;
        case BODY_TITLE:
                dst = e->title, max = ENTRY_TITLE_MAX;
                break;
        default:
                return -EINVAL;
        }
        if (strlen(value) > max)
                return -E2BIG;
        strcpy(dst, value);
        e->present |= M(body_key);
        return 0;
}

void entry_set_uint(Entry *e, int body_key, uint64_t value)
{
        switch (body_key) {
        case BODY_DUE:
                e->due = value;
                break;
        case BODY_EXPIRY:
                e->expiry = value;
                break;
        case BODY_AMOUNT:
                e->amount = value;
                break;
        case BODY_CUTOFF:
                e->cutoff = value;
                break;
        case BODY_RENEW_LIMIT:
                e->renew_limit = value;
                break;
        default:
                return;
        }
        e->present |= M(body_key);
}

void entry_hash(const uint8_t *data, size_t size, uint8_t ret[ENTRY_HASH_SIZE])
{
        crypto_generichash(ret, ENTRY_HASH_SIZE, data, size, NULL, 0);
}

/* Identifiers: printable ASCII without spaces, 1..ENTRY_ID_MAX bytes. Titles
 * may hold any UTF-8 but no control characters. Both are NUL-free. */
static bool id_valid(const char *s, size_t len)
{
        if (len == 0 || len > ENTRY_ID_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
                        return false;
        return true;
}

static bool title_valid(const char *s, size_t len)
{
        if (len > ENTRY_TITLE_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return true;
}

/* The schema checks shared by encoder and decoder. */
static int entry_validate(const Entry *e)
{
        if (e->kind <= 0 || e->kind >= _ENTRY_KIND_MAX)
                return -EOPNOTSUPP;
        if (e->seq == 0 || e->seq > INT64_MAX || e->hlc > INT64_MAX)
                return -EBADMSG;
        if (!id_valid(e->actor, strnlen(e->actor, ENTRY_ID_MAX + 1)))
                return -EBADMSG;
        if ((e->present & kind_table[e->kind].required) != kind_table[e->kind].required ||
            (e->present & ~kind_table[e->kind].allowed))
                return -EBADMSG;
        if (ENTRY_HAS(e, BODY_PATRON) && !id_valid(e->patron, strnlen(e->patron, ENTRY_ID_MAX + 1)))
                return -EBADMSG;
        if (ENTRY_HAS(e, BODY_ITEM) && !id_valid(e->item, strnlen(e->item, ENTRY_ID_MAX + 1)))
                return -EBADMSG;
        if (ENTRY_HAS(e, BODY_PAYMENT_ID) &&
            !id_valid(e->payment_id, strnlen(e->payment_id, ENTRY_ID_MAX + 1)))
                return -EBADMSG;
        if (ENTRY_HAS(e, BODY_TITLE) && !title_valid(e->title, strnlen(e->title, ENTRY_TITLE_MAX + 1)))
                return -EBADMSG;
        if (ENTRY_HAS(e, BODY_RENEW_LIMIT) && e->renew_limit > ENTRY_RENEW_LIMIT_MAX)
                return -EBADMSG;
        if (ENTRY_HAS(e, BODY_FIELDS)) {
                /* Encrypted fields need the key id that decrypts them. */
                if (!ENTRY_HAS(e, BODY_KEY_ID) || e->n_fields == 0 || e->n_fields > ENTRY_MAX_FIELDS)
                        return -EBADMSG;
                for (size_t i = 0; i < e->n_fields; i++) {
                        const EntryField *f = &e->fields[i];
                        if (f->id == 0 || f->id >= _PATRON_FIELD_MAX ||
                            (i > 0 && f->id <= e->fields[i - 1].id))
                                return -EBADMSG;
                        if (!f->ct || f->ct_len < 40 || f->ct_len > ENTRY_CT_MAX || f->base > INT64_MAX)
                                return -EBADMSG;
                }
        } else if (e->n_fields != 0)
                return -EBADMSG;
        return 0;
}

/* ---- encoder ---- */

typedef struct Writer {
        uint8_t *buf;
        size_t size, len;
        bool overflow;
} Writer;

static void w_head(Writer *w, size_t (*enc)(size_t, unsigned char *, size_t), size_t v)
{
        size_t n = w->overflow ? 0 : enc(v, w->buf + w->len, w->size - w->len);
        if (n == 0)
                w->overflow = true;
        w->len += n;
}

static size_t enc_uint(size_t v, unsigned char *b, size_t s)
{
        return cbor_encode_uint(v, b, s);
}

static void w_uint(Writer *w, uint64_t v)
{
        w_head(w, enc_uint, v);
}

static void w_bytes(Writer *w, size_t (*start)(size_t, unsigned char *, size_t), const void *p, size_t n)
{
        w_head(w, start, n);
        if (w->overflow || w->size - w->len < n) {
                w->overflow = true;
                return;
        }
        memcpy(w->buf + w->len, p, n);
        w->len += n;
}

int entry_encode(const Entry *e, uint8_t *buf, size_t size)
{
        Writer w = { .buf = buf, .size = MIN(size, (size_t)ENTRY_MAX_SIZE) };
        unsigned n_body = 0;
        int r;

        r = entry_validate(e);
        if (r < 0)
                return r == -EOPNOTSUPP ? -EINVAL : -EINVAL;

        for (int k = 1; k < _BODY_MAX; k++)
                n_body += ENTRY_HAS(e, k);

        w_head(&w, cbor_encode_array_start, 8);
        w_uint(&w, ENTRY_VERSION);
        w_bytes(&w, cbor_encode_bytestring_start, e->origin, ENTRY_ORIGIN_SIZE);
        w_uint(&w, e->seq);
        w_uint(&w, e->hlc);
        w_bytes(&w, cbor_encode_string_start, e->actor, strlen(e->actor));
        w_uint(&w, e->kind);
        w_bytes(&w, cbor_encode_bytestring_start, e->prev, ENTRY_HASH_SIZE);
        w_head(&w, cbor_encode_map_start, n_body);
        /* Keys in ascending order: the canonical form. */
        for (int k = 1; k < _BODY_MAX; k++) {
                if (!ENTRY_HAS(e, k))
                        continue;
                w_uint(&w, k);
                switch (k) {
                case BODY_PATRON:
                        w_bytes(&w, cbor_encode_string_start, e->patron, strlen(e->patron));
                        break;
                case BODY_ITEM:
                        w_bytes(&w, cbor_encode_string_start, e->item, strlen(e->item));
                        break;
                case BODY_PAYMENT_ID:
                        w_bytes(&w, cbor_encode_string_start, e->payment_id, strlen(e->payment_id));
                        break;
                case BODY_TITLE:
                        w_bytes(&w, cbor_encode_string_start, e->title, strlen(e->title));
                        break;
                case BODY_KEY_ID:
                        w_bytes(&w, cbor_encode_bytestring_start, e->key_id, ENTRY_KEY_ID_SIZE);
                        break;
                case BODY_DUE:
                        w_uint(&w, e->due);
                        break;
                case BODY_EXPIRY:
                        w_uint(&w, e->expiry);
                        break;
                case BODY_AMOUNT:
                        w_uint(&w, e->amount);
                        break;
                case BODY_CUTOFF:
                        w_uint(&w, e->cutoff);
                        break;
                case BODY_RENEW_LIMIT:
                        w_uint(&w, e->renew_limit);
                        break;
                case BODY_FIELDS:
                        w_head(&w, cbor_encode_map_start, e->n_fields);
                        for (size_t i = 0; i < e->n_fields; i++) {
                                w_uint(&w, e->fields[i].id);
                                w_head(&w, cbor_encode_array_start, 2);
                                w_bytes(&w, cbor_encode_bytestring_start, e->fields[i].ct,
                                        e->fields[i].ct_len);
                                w_uint(&w, e->fields[i].base);
                        }
                        break;
                }
        }
        if (w.overflow)
                return -E2BIG;
        return (int)w.len;
}

/* ---- decoder ---- */

static bool next_uint(CborCursor *c, uint64_t *ret)
{
        if (cbor_cursor_next(c) != CBOR_T_UINT || c->u > INT64_MAX)
                return false;
        *ret = c->u;
        return true;
}

static bool next_fixed(CborCursor *c, void *dst, size_t n)
{
        if (cbor_cursor_next(c) != CBOR_T_BSTR || c->slen != n)
                return false;
        memcpy(dst, c->s, n);
        return true;
}

static bool next_text(CborCursor *c, char *dst, size_t max)
{
        if (cbor_cursor_next(c) != CBOR_T_TSTR || c->slen > max || memchr(c->s, 0, c->slen))
                return false;
        memcpy(dst, c->s, c->slen);
        dst[c->slen] = 0;
        return true;
}

static int decode_fields(CborCursor *c, Entry *e)
{
        uint64_t n;

        if (cbor_cursor_next(c) != CBOR_T_MAP || c->u == 0 || c->u > ENTRY_MAX_FIELDS)
                return -EBADMSG;
        n = c->u;
        for (uint64_t i = 0; i < n; i++) {
                EntryField *f = &e->fields[i];
                uint64_t id;

                if (!next_uint(c, &id) || id == 0 || id >= _PATRON_FIELD_MAX)
                        return -EBADMSG;
                f->id = (uint8_t)id;
                if (cbor_cursor_next(c) != CBOR_T_ARRAY || c->u != 2)
                        return -EBADMSG;
                if (cbor_cursor_next(c) != CBOR_T_BSTR || c->slen > ENTRY_CT_MAX)
                        return -EBADMSG;
                f->ct = c->s;
                f->ct_len = c->slen;
                if (!next_uint(c, &f->base))
                        return -EBADMSG;
        }
        e->n_fields = n;
        return 0;
}

static int decode(const uint8_t *data, size_t size, bool canonical, Entry *ret)
{
        uint8_t check[ENTRY_MAX_SIZE];
        CborCursor c;
        uint64_t v, n_body, last_key = 0;
        Entry *e = ret;
        int r;

        if (!data || size == 0 || size > ENTRY_MAX_SIZE)
                return -EBADMSG;
        memset(e, 0, sizeof *e);
        cbor_cursor_init(&c, data, size);

        if (cbor_cursor_next(&c) != CBOR_T_ARRAY || c.u != 8)
                return -EBADMSG;
        if (!next_uint(&c, &v))
                return -EBADMSG;
        if (v != ENTRY_VERSION)
                return -EPROTONOSUPPORT;
        if (!next_fixed(&c, e->origin, ENTRY_ORIGIN_SIZE) || !next_uint(&c, &e->seq) ||
            !next_uint(&c, &e->hlc) || !next_text(&c, e->actor, ENTRY_ID_MAX) || !next_uint(&c, &v))
                return -EBADMSG;
        if (v == 0 || v >= _ENTRY_KIND_MAX)
                return -EOPNOTSUPP;
        e->kind = (EntryKind)v;
        if (!next_fixed(&c, e->prev, ENTRY_HASH_SIZE))
                return -EBADMSG;
        if (cbor_cursor_next(&c) != CBOR_T_MAP || c.u >= _BODY_MAX)
                return -EBADMSG;
        n_body = c.u;
        for (uint64_t i = 0; i < n_body; i++) {
                uint64_t k;
                bool ok;

                if (!next_uint(&c, &k) || k <= last_key || k >= _BODY_MAX)
                        return -EBADMSG;
                last_key = k;
                switch (k) {
                case BODY_PATRON:
                        ok = next_text(&c, e->patron, ENTRY_ID_MAX);
                        break;
                case BODY_ITEM:
                        ok = next_text(&c, e->item, ENTRY_ID_MAX);
                        break;
                case BODY_PAYMENT_ID:
                        ok = next_text(&c, e->payment_id, ENTRY_ID_MAX);
                        break;
                case BODY_TITLE:
                        ok = next_text(&c, e->title, ENTRY_TITLE_MAX);
                        break;
                case BODY_KEY_ID:
                        ok = next_fixed(&c, e->key_id, ENTRY_KEY_ID_SIZE);
                        break;
                case BODY_DUE:
                        ok = next_uint(&c, &e->due);
                        break;
                case BODY_EXPIRY:
                        ok = next_uint(&c, &e->expiry);
                        break;
                case BODY_AMOUNT:
                        ok = next_uint(&c, &e->amount);
                        break;
                case BODY_RENEW_LIMIT:
                        ok = next_uint(&c, &e->renew_limit);
                        break;
                case BODY_CUTOFF:
                        ok = next_uint(&c, &e->cutoff);
                        break;
                case BODY_FIELDS:
                        ok = decode_fields(&c, e) >= 0;
                        break;
                default:
                        ok = false;
                }
                if (!ok)
                        return -EBADMSG;
                e->present |= M(k);
        }
        if (c.left != 0)
                return -EBADMSG;
        r = entry_validate(e);
        if (r < 0)
                return r;
        if (!canonical)
                return 0;
        /* Exactly one byte form per entry: re-encode and compare. */
        r = entry_encode(e, check, sizeof check);
        if (r < 0 || (size_t)r != size || memcmp(check, data, size) != 0)
                return -EBADMSG;
        return 0;
}

int entry_decode(const uint8_t *data, size_t size, Entry *ret)
{
        return decode(data, size, true, ret);
}

int entry_decode_stored(const uint8_t *data, size_t size, Entry *ret)
{
        return decode(data, size, false, ret);
}
