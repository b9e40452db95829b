/* See cbor-cursor.h. */
#include <stdbool.h>

#include <cbor.h>

#include "sync/cbor-cursor.h"

#define SET(c, t) ((CborCursor *)(c))->type = (t)

static void cb_u8(void *c, uint8_t v)
{
        SET(c, CBOR_T_UINT), ((CborCursor *)c)->u = v;
}
static void cb_u16(void *c, uint16_t v)
{
        SET(c, CBOR_T_UINT), ((CborCursor *)c)->u = v;
}
static void cb_u32(void *c, uint32_t v)
{
        SET(c, CBOR_T_UINT), ((CborCursor *)c)->u = v;
}
static void cb_u64(void *c, uint64_t v)
{
        SET(c, CBOR_T_UINT), ((CborCursor *)c)->u = v;
}
static void cb_bstr(void *c, cbor_data d, size_t n)
{
        SET(c, CBOR_T_BSTR), ((CborCursor *)c)->s = d, ((CborCursor *)c)->slen = n;
}
static void cb_tstr(void *c, cbor_data d, size_t n)
{
        SET(c, CBOR_T_TSTR), ((CborCursor *)c)->s = d, ((CborCursor *)c)->slen = n;
}
static void cb_array(void *c, size_t n)
{
        SET(c, CBOR_T_ARRAY), ((CborCursor *)c)->u = n;
}
static void cb_map(void *c, size_t n)
{
        SET(c, CBOR_T_MAP), ((CborCursor *)c)->u = n;
}
static void cb_null(void *c)
{
        SET(c, CBOR_T_NULL);
}

static const struct cbor_callbacks *callbacks(void)
{
        static struct cbor_callbacks cb;
        static bool init;

        if (!init) {
                /* Everything not named here (negative ints, floats, tags,
                 * indefinite lengths, other simple values) is CBOR_T_OTHER. */
                cb = cbor_empty_callbacks;
                cb.uint8 = cb_u8;
                cb.uint16 = cb_u16;
                cb.uint32 = cb_u32;
                cb.uint64 = cb_u64;
                cb.byte_string = cb_bstr;
                cb.string = cb_tstr;
                cb.array_start = cb_array;
                cb.map_start = cb_map;
                cb.null = cb_null;
                init = true;
        }
        return &cb;
}

CborType cbor_cursor_next(CborCursor *c)
{
        struct cbor_decoder_result res;

        c->type = CBOR_T_OTHER;
        if (c->left == 0)
                return c->type = CBOR_T_NONE;
        res = cbor_stream_decode(c->p, c->left, callbacks(), c);
        if (res.status != CBOR_DECODER_FINISHED || res.read == 0 || res.read > c->left)
                return c->type = CBOR_T_NONE;
        /* A string head whose bytes are not all present never reaches the
         * callback; check anyway that the slice lies inside the input. */
        if ((c->type == CBOR_T_BSTR || c->type == CBOR_T_TSTR) &&
            (c->s < c->p || c->slen > c->left || (size_t)(c->s - c->p) > c->left - c->slen))
                return c->type = CBOR_T_NONE;
        c->p += res.read;
        c->left -= res.read;
        return c->type;
}
