/* A pull cursor over libcbor's streaming decoder: one item head at a time,
 * strings returned as slices of the input, nothing allocated. Shared by the
 * entry and batch decoders. Lengths are checked against the bytes present
 * by libcbor; callers bound counts and sizes themselves. */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef enum CborType {
        CBOR_T_NONE, /* end of input or malformed */
        CBOR_T_UINT,
        CBOR_T_BSTR,
        CBOR_T_TSTR,
        CBOR_T_ARRAY, /* definite length only; u is the count */
        CBOR_T_MAP, /* definite length only; u is the pair count */
        CBOR_T_NULL,
        CBOR_T_OTHER, /* anything else: refused by every Carrel schema */
} CborType;

typedef struct CborCursor {
        const uint8_t *p;
        size_t left;
        CborType type;
        uint64_t u;
        const uint8_t *s;
        size_t slen;
} CborCursor;

static inline void cbor_cursor_init(CborCursor *c, const uint8_t *data, size_t size)
{
        *c = (CborCursor){ .p = data, .left = size };
}

/* Read the next item head (with a string's bytes). Returns its type. */
CborType cbor_cursor_next(CborCursor *c);
