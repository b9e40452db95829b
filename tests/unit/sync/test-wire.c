/* sync/wire: the compact wire form rebuilds every entry byte for byte,
 * keeps the signatures a receiver needs and drops the rest, survives
 * compression, and refuses what it must: truncations, other versions, bad
 * indexes, oversize fields, and zstd frames that would expand past the
 * limit or do not say their size. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "sync/wire.h"
#include "tests/unit/sync/sync-test.h"
#include "tests/unit/test.h"

#define NOW 1700000000000ull
#define DAY (24ull * 3600 * 1000)

static SyncStore *src, *dst;

static int setup(void **state)
{
        src = store_open(NULL);
        dst = store_open(NULL);
        return 0;
}

static int teardown(void **state)
{
        store_close(src);
        store_close(dst);
        desks_free();
        return 0;
}

/* n entries from desk d, appended in batches of `per` (each batch's last
 * entry signed, and every 256th seq). */
static void fill(Desk *d, unsigned n, unsigned per, uint64_t ms)
{
        char bc[32], pid[32];

        for (unsigned k = 0; k < n; k += per) {
                Entry e[64];
                unsigned m = MIN(per, n - k);

                assert_true(m <= ELEMENTSOF(e));
                for (unsigned i = 0; i < m; i++) {
                        snprintf(bc, sizeof bc, "I%u", (k + i) % 97);
                        snprintf(pid, sizeof pid, "P%u", (k + i) % 31);
                        e[i] = (k + i) % 3 == 0   ? mk(ENTRY_ITEM_ADD, NULL, bc)
                               : (k + i) % 3 == 1 ? mk_due(ENTRY_CHECKOUT, pid, bc, ms + 14 * DAY)
                                                  : mk_field(ENTRY_PATRON_UPDATE, pid, PATRON_FIELD_EMAIL, 0,
                                                             (uint8_t)(k + i));
                        if ((k + i) % 5 == 0)
                                strcpy(e[i].actor, "staff2");
                }
                assert_true(sync_store_append(src, d->signer, &test_trust, &d->clock, ms + k, e, m, 0) > 0);
        }
}

static void build_all(Batch *b)
{
        VersionVector vv;

        assert_int_equal(version_vector_get(sync_store_journal(dst), &vv), 0);
        assert_int_equal(exchange_batch_build(sync_store_journal(src), &vv, 0, 0, b), 0);
        version_vector_done(&vv);
}

static void test_round_trip(void **state)
{
        Desk *d1 = desk_get(1), *d2 = desk_get(2);
        uint8_t *wire, *z, *back, a[32], c[32];
        size_t wire_size, z_size, back_size, raw_size, sigs = 0;
        ExchangeResult *res;
        Batch b, w;
        uint8_t *raw;

        /* Small appends: every entry signed at its origin. */
        fill(d1, 600, 1, NOW - 100000);
        fill(d2, 300, 7, NOW - 50000);
        build_all(&b);
        assert_int_equal(b.n, 900);
        assert_int_equal(wire_batch_encode(&b, &wire, &wire_size), 0);
        assert_int_equal(wire_batch_decode(wire, wire_size, &w), 0);
        assert_int_equal(w.n, b.n);
        for (size_t i = 0; i < b.n; i++) {
                Entry e;
                /* Every entry rebuilt exactly as its origin signed it. */
                assert_int_equal(w.e[i].size, b.e[i].size);
                assert_memory_equal(w.e[i].bytes, b.e[i].bytes, b.e[i].size);
                assert_int_equal(entry_decode(w.e[i].bytes, w.e[i].size, &e), 0);
                /* Only the run's head and every 256th seq keep a signature. */
                bool run_end = i + 1 == b.n;
                if (!run_end) {
                        Entry next;
                        assert_int_equal(entry_decode(b.e[i + 1].bytes, b.e[i + 1].size, &next), 0);
                        run_end = memcmp(next.origin, e.origin, ENTRY_ORIGIN_SIZE) != 0;
                }
                assert_int_equal(w.e[i].has_sig,
                                 b.e[i].has_sig && (e.seq % JOURNAL_SIGN_INTERVAL == 0 || run_end));
                if (w.e[i].has_sig)
                        assert_memory_equal(w.e[i].sig, b.e[i].sig, ENTRY_SIG_SIZE);
                sigs += w.e[i].has_sig;
        }
        assert_true(sigs <= 6);
        /* Smaller than the exchange's own form; smaller still compressed. */
        assert_int_equal(exchange_batch_encode(&b, &raw, &raw_size), 0);
        assert_true(wire_size < raw_size / 2);
        assert_int_equal(wire_compress(wire, wire_size, &z, &z_size), 0);
        assert_true(z_size < wire_size);
        assert_int_equal(wire_decompress(z, z_size, &back, &back_size), 0);
        assert_int_equal(back_size, wire_size);
        assert_memory_equal(back, wire, wire_size);
        print_message("900 entries: exchange form %zu B, wire %zu B, zstd %zu B (%.1f B/entry)\n", raw_size,
                      wire_size, z_size, (double)z_size / 900);

        /* The receiver applies it and reaches the sender's state; the
         * signatures it kept verify its chains and let it serve them. */
        res = calloc(w.n, sizeof *res);
        assert_int_equal(sync_store_apply(dst, &test_trust, &d1->clock, NOW, &w, res), 900);
        digest_of(src, a);
        digest_of(dst, c);
        assert_memory_equal(a, c, 32);
        assert_int_equal(
                journal_verify_chain(sync_store_journal(dst), d1->signer->origin, d1->signer->pk, NULL),
                600);
        assert_int_equal(
                journal_verify_chain(sync_store_journal(dst), d2->signer->origin, d2->signer->pk, NULL),
                300);
        {
                SyncStore *third = store_open(NULL);
                for (unsigned rounds = 0;; rounds++) {
                        VersionVector vv;
                        Batch p;
                        assert_true(rounds < 100);
                        assert_int_equal(version_vector_get(sync_store_journal(third), &vv), 0);
                        assert_int_equal(exchange_batch_build(sync_store_journal(dst), &vv, 10, 0, &p), 0);
                        version_vector_done(&vv);
                        if (p.n == 0)
                                break;
                        ExchangeResult *r2 = calloc(p.n, sizeof *r2);
                        assert_true(sync_store_apply(third, &test_trust, &d1->clock, NOW, &p, r2) > 0);
                        free(r2);
                        batch_done(&p);
                }
                digest_of(third, c);
                assert_memory_equal(a, c, 32);
                store_close(third);
        }
        free(res);
        free(raw);
        free(wire);
        free(z);
        free(back);
        batch_done(&b);
        batch_done(&w);
}

static void test_refusals(void **state)
{
        uint8_t *wire, *bad;
        size_t wire_size;
        Batch b, w;

        fill(desk_get(1), 20, 4, NOW - 1000);
        build_all(&b);
        assert_int_equal(wire_batch_encode(&b, &wire, &wire_size), 0);
        /* Every truncation is refused, never a partial batch. */
        for (size_t n = 0; n < wire_size; n++)
                assert_int_equal(wire_batch_decode(wire, n, &w), -EBADMSG);
        /* Trailing bytes. */
        bad = malloc(wire_size + 1);
        memcpy(bad, wire, wire_size);
        bad[wire_size] = 0;
        assert_int_equal(wire_batch_decode(bad, wire_size + 1, &w), -EBADMSG);
        /* Another version. */
        memcpy(bad, wire, wire_size);
        bad[1] = 3;
        assert_int_equal(wire_batch_decode(bad, wire_size, &w), -EPROTONOSUPPORT);
        free(bad);
        /* An actor index past the table: [2, [], [[origin, 1, prev, [[0, 0, 1, h'a0', null]]]]]. */
        {
                uint8_t msg[128] = { 0x83, 0x02, 0x80, 0x81, 0x84, 0x50 };
                size_t k = 6 + 16;
                msg[k++] = 0x01;
                msg[k++] = 0x58;
                msg[k++] = 0x20;
                k += 32;
                memcpy(msg + k, (uint8_t[]){ 0x81, 0x85, 0x00, 0x00, 0x01, 0x41, 0xa0, 0xf6 }, 8);
                k += 8;
                assert_int_equal(wire_batch_decode(msg, k, &w), -EBADMSG);
                msg[2] = 0x81; /* now one actor... */
                assert_int_equal(wire_batch_decode(msg, k, &w), -EBADMSG); /* ...but no string for it */
        }
        free(wire);
        batch_done(&b);
}

static void test_decompression_bounded(void **state)
{
        size_t big = WIRE_MAX_BYTES + 1, n, z_size, out_size;
        uint8_t *zeros = calloc(1, big), *z, *out;
        ZSTD_CCtx *cctx;

        /* A frame that would expand past the limit: refused before any
         * allocation of that size. */
        assert_non_null(zeros);
        z = malloc(ZSTD_compressBound(big));
        n = ZSTD_compress(z, ZSTD_compressBound(big), zeros, big, 1);
        assert_false(ZSTD_isError(n));
        assert_true(n < 4096);
        assert_int_equal(wire_decompress(z, n, &out, &out_size), -EBADMSG);
        /* A streamed frame that does not say its size. */
        cctx = ZSTD_createCCtx();
        assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0)));
        {
                ZSTD_inBuffer in = { zeros, 1000, 0 };
                ZSTD_outBuffer o = { z, ZSTD_compressBound(big), 0 };
                assert_int_equal(ZSTD_compressStream2(cctx, &o, &in, ZSTD_e_end), 0);
                z_size = o.pos;
        }
        ZSTD_freeCCtx(cctx);
        assert_int_equal(wire_decompress(z, z_size, &out, &out_size), -EBADMSG);
        /* Garbage, and a good frame with a byte more. */
        assert_int_equal(wire_decompress(zeros, 64, &out, &out_size), -EBADMSG);
        assert_int_equal(wire_compress(zeros, 1000, &out, &out_size), 0);
        memcpy(z, out, out_size);
        z[out_size] = 0;
        assert_int_equal(wire_decompress(z, out_size + 1, &out, &n), -EBADMSG);
        free(out);
        free(z);
        free(zeros);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_decompression_bounded, setup, teardown),
        };
        return cmocka_run_group_tests_name("sync/wire", tests, NULL, NULL);
}
