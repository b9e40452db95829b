/* See wire.h. CBOR through libcbor's streaming encoder and the bounded
 * cursor (sync/cbor-cursor.h), as the entry codec; zstd from libzstd. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <zstd.h>

#include "lib/macro.h"
#include "sync/cbor-cursor.h"
#include "sync/journal.h"
#include "sync/wire.h"

#define ZSTD_LEVEL 3

/* ---- a growing CBOR writer ---- */

typedef struct Buf {
        uint8_t *p;
        size_t len, cap;
        bool failed;
} Buf;

static bool buf_reserve(Buf *b, size_t more)
{
        uint8_t *p;
        size_t cap;

        if (b->failed)
                return false;
        if (b->cap - b->len >= more)
                return true;
        cap = MAX(b->cap * 2, b->len + more + 256);
        p = realloc(b->p, cap);
        if (!p) {
                b->failed = true;
                return false;
        }
        b->p = p;
        b->cap = cap;
        return true;
}

static void put_head(Buf *b, size_t (*enc)(size_t, unsigned char *, size_t), size_t v)
{
        size_t n;

        if (!buf_reserve(b, 9))
                return;
        n = enc(v, b->p + b->len, b->cap - b->len);
        if (n == 0)
                b->failed = true;
        b->len += n;
}

static size_t enc_uint(size_t v, unsigned char *p, size_t size)
{
        return cbor_encode_uint(v, p, size);
}

static void put_uint(Buf *b, uint64_t v)
{
        put_head(b, enc_uint, v);
}

static void put_bytes(Buf *b, size_t (*start)(size_t, unsigned char *, size_t), const void *p, size_t n)
{
        put_head(b, start, n);
        if (!buf_reserve(b, n))
                return;
        memcpy(b->p + b->len, p, n);
        b->len += n;
}

static void put_null(Buf *b)
{
        if (buf_reserve(b, 1))
                b->len += cbor_encode_null(b->p + b->len, b->cap - b->len);
}

/* The stored form of an entry up to its body (sync/entry.h): written here
 * exactly as entry_encode() writes it, so header || body is the entry. */
static void put_entry_header(Buf *b, const uint8_t *origin, uint64_t seq, uint64_t hlc, const uint8_t *actor,
                             size_t actor_len, uint64_t kind, const uint8_t *prev)
{
        put_head(b, cbor_encode_array_start, 8);
        put_uint(b, ENTRY_VERSION);
        put_bytes(b, cbor_encode_bytestring_start, origin, ENTRY_ORIGIN_SIZE);
        put_uint(b, seq);
        put_uint(b, hlc);
        put_bytes(b, cbor_encode_string_start, actor, actor_len);
        put_uint(b, kind);
        put_bytes(b, cbor_encode_bytestring_start, prev, ENTRY_HASH_SIZE);
}

/* ---- encoding ---- */

/* What the encoder keeps of each batch entry. */
typedef struct Slot {
        uint8_t origin[ENTRY_ORIGIN_SIZE], prev[ENTRY_HASH_SIZE], hash[ENTRY_HASH_SIZE];
        uint64_t seq, hlc;
        unsigned actor, kind;
        size_t body; /* offset of the body map in the entry's bytes */
        bool run_start;
} Slot;

static int actor_index(char (*actors)[ENTRY_ID_MAX + 1], size_t *n, const char *actor, unsigned *ret)
{
        for (size_t i = 0; i < *n; i++)
                if (strcmp(actors[i], actor) == 0) {
                        *ret = (unsigned)i;
                        return 0;
                }
        if (*n >= WIRE_ACTORS_MAX)
                return -E2BIG;
        snprintf(actors[*n], ENTRY_ID_MAX + 1, "%s", actor);
        *ret = (unsigned)(*n)++;
        return 0;
}

/* Whether a run's entry keeps its signature on the wire. */
static bool sig_travels(const Slot *s, bool run_end)
{
        return run_end || s->seq % JOURNAL_SIGN_INTERVAL == 0;
}

int wire_batch_encode(const Batch *b, uint8_t **ret, size_t *ret_size)
{
        _cleanup_free_ Slot *slots = NULL;
        _cleanup_free_ char(*actors)[ENTRY_ID_MAX + 1] = NULL;
        size_t n_actors = 0, n_runs = 0;
        Buf out = { 0 };
        int r;

        assert_return(b && ret && ret_size, -EINVAL);
        assert_return(b->n <= EXCHANGE_BATCH_MAX_ENTRIES, -E2BIG);
        slots = calloc(b->n + 1, sizeof *slots);
        actors = calloc(MIN(b->n, (size_t)WIRE_ACTORS_MAX) + 1, sizeof *actors);
        if (!slots || !actors)
                return -ENOMEM;

        for (size_t i = 0; i < b->n; i++) {
                Slot *s = &slots[i];
                Buf head = { 0 };
                Entry e;

                if (entry_decode(b->e[i].bytes, b->e[i].size, &e) < 0)
                        return -EINVAL;
                memcpy(s->origin, e.origin, ENTRY_ORIGIN_SIZE);
                memcpy(s->prev, e.prev, ENTRY_HASH_SIZE);
                entry_hash(b->e[i].bytes, b->e[i].size, s->hash);
                s->seq = e.seq;
                s->hlc = e.hlc;
                s->kind = e.kind;
                r = actor_index(actors, &n_actors, e.actor, &s->actor);
                if (r < 0)
                        return r;
                put_entry_header(&head, e.origin, e.seq, e.hlc, (const uint8_t *)e.actor, strlen(e.actor),
                                 e.kind, e.prev);
                if (head.failed || head.len > b->e[i].size || memcmp(head.p, b->e[i].bytes, head.len) != 0) {
                        free(head.p);
                        return head.failed ? -ENOMEM : -EINVAL;
                }
                s->body = head.len;
                free(head.p);
                /* A run: the same origin, the next seq, linked, later. */
                s->run_start = i == 0 || memcmp(s->origin, slots[i - 1].origin, ENTRY_ORIGIN_SIZE) != 0 ||
                               s->seq != slots[i - 1].seq + 1 ||
                               memcmp(s->prev, slots[i - 1].hash, ENTRY_HASH_SIZE) != 0 ||
                               s->hlc < slots[i - 1].hlc;
                n_runs += s->run_start;
        }

        put_head(&out, cbor_encode_array_start, 3);
        put_uint(&out, WIRE_VERSION);
        put_head(&out, cbor_encode_array_start, n_actors);
        for (size_t i = 0; i < n_actors; i++)
                put_bytes(&out, cbor_encode_string_start, actors[i], strlen(actors[i]));
        put_head(&out, cbor_encode_array_start, n_runs);
        for (size_t i = 0; i < b->n;) {
                size_t end = i + 1;
                uint64_t hlc = 0;

                while (end < b->n && !slots[end].run_start)
                        end++;
                put_head(&out, cbor_encode_array_start, 4);
                put_bytes(&out, cbor_encode_bytestring_start, slots[i].origin, ENTRY_ORIGIN_SIZE);
                put_uint(&out, slots[i].seq);
                put_bytes(&out, cbor_encode_bytestring_start, slots[i].prev, ENTRY_HASH_SIZE);
                put_head(&out, cbor_encode_array_start, end - i);
                for (size_t k = i; k < end; k++) {
                        const BatchEntry *be = &b->e[k];

                        put_head(&out, cbor_encode_array_start, 5);
                        put_uint(&out, slots[k].hlc - hlc);
                        hlc = slots[k].hlc;
                        put_uint(&out, slots[k].actor);
                        put_uint(&out, slots[k].kind);
                        put_bytes(&out, cbor_encode_bytestring_start, be->bytes + slots[k].body,
                                  be->size - slots[k].body);
                        if (be->has_sig && sig_travels(&slots[k], k + 1 == end))
                                put_bytes(&out, cbor_encode_bytestring_start, be->sig, ENTRY_SIG_SIZE);
                        else
                                put_null(&out);
                }
                i = end;
        }
        if (out.failed) {
                free(out.p);
                return -ENOMEM;
        }
        *ret = out.p;
        *ret_size = out.len;
        return 0;
}

/* ---- decoding ---- */

typedef struct Actor {
        const uint8_t *s;
        size_t len;
} Actor;

static bool next_uint(CborCursor *c, uint64_t *ret)
{
        if (cbor_cursor_next(c) != CBOR_T_UINT)
                return false;
        *ret = c->u;
        return true;
}

static bool next_fixed(CborCursor *c, uint8_t *ret, size_t size)
{
        if (cbor_cursor_next(c) != CBOR_T_BSTR || c->slen != size)
                return false;
        memcpy(ret, c->s, size);
        return true;
}

/* One run's entries into b; their bytes rebuilt from the run's origin,
 * seq and prev and each entry's fields. */
static int decode_run(CborCursor *c, const Actor *actors, size_t n_actors, Batch *b)
{
        uint8_t origin[ENTRY_ORIGIN_SIZE], prev[ENTRY_HASH_SIZE];
        uint64_t seq, hlc = 0, n;
        Buf entry = { 0 };
        int r = -EBADMSG;

        if (cbor_cursor_next(c) != CBOR_T_ARRAY || c->u != 4)
                return -EBADMSG;
        if (!next_fixed(c, origin, sizeof origin) || !next_uint(c, &seq) || seq == 0 || seq > INT64_MAX ||
            !next_fixed(c, prev, sizeof prev))
                return -EBADMSG;
        if (cbor_cursor_next(c) != CBOR_T_ARRAY || c->u == 0 || c->u > EXCHANGE_BATCH_MAX_ENTRIES - b->n)
                return -EBADMSG;
        n = c->u;
        for (uint64_t i = 0; i < n; i++, seq++) {
                uint64_t delta, actor, kind;
                const uint8_t *body, *sig = NULL;
                size_t body_len;

                if (cbor_cursor_next(c) != CBOR_T_ARRAY || c->u != 5)
                        goto fail;
                if (!next_uint(c, &delta) || delta > INT64_MAX - hlc || !next_uint(c, &actor) ||
                    actor >= n_actors || !next_uint(c, &kind) || kind > UINT8_MAX)
                        goto fail;
                if (seq > INT64_MAX)
                        goto fail;
                hlc += delta;
                if (cbor_cursor_next(c) != CBOR_T_BSTR || c->slen == 0 || c->slen > ENTRY_MAX_SIZE)
                        goto fail;
                body = c->s;
                body_len = c->slen;
                switch (cbor_cursor_next(c)) {
                case CBOR_T_NULL:
                        break;
                case CBOR_T_BSTR:
                        if (c->slen != ENTRY_SIG_SIZE)
                                goto fail;
                        sig = c->s;
                        break;
                default:
                        goto fail;
                }
                entry.len = 0;
                put_entry_header(&entry, origin, seq, hlc, actors[actor].s, actors[actor].len, kind, prev);
                if (!buf_reserve(&entry, body_len)) {
                        r = -ENOMEM;
                        goto fail;
                }
                memcpy(entry.p + entry.len, body, body_len);
                entry.len += body_len;
                if (entry.failed) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (entry.len > ENTRY_MAX_SIZE)
                        goto fail;
                r = batch_add(b, entry.p, entry.len, sig);
                if (r < 0)
                        goto fail;
                r = -EBADMSG;
                /* The next entry links to this one. */
                entry_hash(entry.p, entry.len, prev);
        }
        free(entry.p);
        return 0;
fail:
        free(entry.p);
        return r;
}

int wire_batch_decode(const uint8_t *data, size_t size, Batch *ret)
{
        _cleanup_free_ Actor *actors = NULL;
        Batch b = { 0 };
        CborCursor c;
        uint64_t n_actors, n_runs;
        int r;

        assert_return(ret, -EINVAL);
        if (!data || size == 0 || size > WIRE_MAX_BYTES)
                return -EBADMSG;
        cbor_cursor_init(&c, data, size);
        if (cbor_cursor_next(&c) != CBOR_T_ARRAY || c.u != 3)
                return -EBADMSG;
        if (cbor_cursor_next(&c) != CBOR_T_UINT)
                return -EBADMSG;
        if (c.u != WIRE_VERSION)
                return -EPROTONOSUPPORT;
        if (cbor_cursor_next(&c) != CBOR_T_ARRAY || c.u > WIRE_ACTORS_MAX)
                return -EBADMSG;
        n_actors = c.u;
        actors = calloc(n_actors + 1, sizeof *actors);
        if (!actors)
                return -ENOMEM;
        for (uint64_t i = 0; i < n_actors; i++) {
                if (cbor_cursor_next(&c) != CBOR_T_TSTR || c.slen == 0 || c.slen > ENTRY_ID_MAX)
                        return -EBADMSG;
                actors[i] = (Actor){ c.s, c.slen };
        }
        if (cbor_cursor_next(&c) != CBOR_T_ARRAY || c.u > EXCHANGE_BATCH_MAX_ENTRIES)
                return -EBADMSG;
        n_runs = c.u;
        for (uint64_t i = 0; i < n_runs; i++) {
                r = decode_run(&c, actors, n_actors, &b);
                if (r < 0) {
                        batch_done(&b);
                        return r;
                }
        }
        if (c.left != 0) {
                batch_done(&b);
                return -EBADMSG;
        }
        *ret = b;
        return 0;
}

/* ---- compression ---- */

int wire_compress(const uint8_t *data, size_t size, uint8_t **ret, size_t *ret_size)
{
        size_t cap, n;
        uint8_t *out;

        assert_return((data || size == 0) && ret && ret_size, -EINVAL);
        if (size > WIRE_MAX_BYTES)
                return -E2BIG;
        cap = ZSTD_compressBound(size);
        out = malloc(cap);
        if (!out)
                return -ENOMEM;
        /* The frame records the content size: the receiver checks it. */
        n = ZSTD_compress(out, cap, data, size, ZSTD_LEVEL);
        if (ZSTD_isError(n)) {
                free(out);
                return -ENOMEM; /* with a compressBound buffer, only memory fails */
        }
        *ret = out;
        *ret_size = n;
        return 0;
}

int wire_decompress(const uint8_t *data, size_t size, uint8_t **ret, size_t *ret_size)
{
        unsigned long long claimed;
        uint8_t *out;
        size_t n;

        assert_return(ret && ret_size, -EINVAL);
        if (!data || size == 0 || size > WIRE_MAX_BYTES)
                return -EBADMSG;
        /* One frame, exactly the input, that says how large it is: a frame
         * that does not (a streamed one) or claims too much is refused
         * before anything is allocated. */
        if (ZSTD_findFrameCompressedSize(data, size) != size)
                return -EBADMSG;
        claimed = ZSTD_getFrameContentSize(data, size);
        if (claimed == ZSTD_CONTENTSIZE_UNKNOWN || claimed == ZSTD_CONTENTSIZE_ERROR || claimed == 0 ||
            claimed > WIRE_MAX_BYTES)
                return -EBADMSG;
        out = malloc((size_t)claimed);
        if (!out)
                return -ENOMEM;
        n = ZSTD_decompress(out, (size_t)claimed, data, size);
        if (ZSTD_isError(n) || n != claimed) {
                free(out);
                return -EBADMSG;
        }
        *ret = out;
        *ret_size = n;
        return 0;
}
