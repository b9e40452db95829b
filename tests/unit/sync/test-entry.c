/* sync/entry: the codec round-trips every kind, bounds every length, refuses
 * unknown versions, kinds and keys, schema violations and non-canonical
 * encodings, and the hash covers the predecessor link. */
#include <errno.h>
#include <string.h>

#include <cbor.h>

#include "sync/entry.h"
#include "tests/unit/sync/sync-test.h"
#include "tests/unit/test.h"

static Entry sample(EntryKind k)
{
        Entry e;

        switch (k) {
        case ENTRY_PATRON_REGISTER:
        case ENTRY_PATRON_UPDATE:
                e = mk_field(k, "P1", PATRON_FIELD_EMAIL, 77, 5);
                entry_set_uint(&e, BODY_EXPIRY, 123456789);
                break;
        case ENTRY_CHECKOUT:
        case ENTRY_RENEW:
                e = mk_due(k, "P1", "B1", 99);
                break;
        case ENTRY_CHECKIN:
        case ENTRY_ITEM_WITHDRAW:
                e = mk(k, NULL, "B1");
                break;
        case ENTRY_ITEM_ADD:
        case ENTRY_ITEM_UPDATE:
                e = mk(k, NULL, "B1");
                assert_int_equal(entry_set_string(&e, BODY_TITLE, "Le Rouge et le Noir"), 0);
                break;
        case ENTRY_HOLD_PLACE:
        case ENTRY_HOLD_CANCEL:
                e = mk(k, "P1", "B1");
                break;
        case ENTRY_FINE:
                e = mk_amount(k, "P1", 250, NULL);
                break;
        case ENTRY_PAYMENT:
                e = mk_amount(k, "P1", 250, "R-77");
                break;
        case ENTRY_LOAN_ANONYMISE:
                e = mk(k, "P1", NULL);
                entry_set_uint(&e, BODY_CUTOFF, 42);
                break;
        case ENTRY_FOLD_PARAMS:
                e = mk(k, NULL, NULL);
                entry_set_uint(&e, BODY_RENEW_LIMIT, 5);
                break;
        default:
                e = mk(k, "P1", NULL);
        }
        memset(e.origin, 0xab, sizeof e.origin);
        memset(e.prev, 0xcd, sizeof e.prev);
        e.seq = 7;
        e.hlc = 1ull << 40;
        return e;
}

static void test_fold_params_bounded(void **state)
{
        uint8_t buf[ENTRY_MAX_SIZE];
        Entry e = sample(ENTRY_FOLD_PARAMS);

        entry_set_uint(&e, BODY_RENEW_LIMIT, ENTRY_RENEW_LIMIT_MAX);
        assert_true(entry_encode(&e, buf, sizeof buf) > 0);
        entry_set_uint(&e, BODY_RENEW_LIMIT, ENTRY_RENEW_LIMIT_MAX + 1);
        assert_int_equal(entry_encode(&e, buf, sizeof buf), -EINVAL);
        /* Its entity is the node-wide one. */
        {
                char key[ENTRY_ID_MAX + 3];
                entry_entity_key(&e, key, sizeof key);
                assert_string_equal(key, ENTRY_GLOBAL_ENTITY);
        }
}

static void test_round_trip_every_kind(void **state)
{
        for (int k = 1; k < _ENTRY_KIND_MAX; k++) {
                uint8_t buf[ENTRY_MAX_SIZE], again[ENTRY_MAX_SIZE];
                Entry e = sample(k), d;
                int n, m;

                n = entry_encode(&e, buf, sizeof buf);
                assert_true(n > 0);
                assert_int_equal(entry_decode(buf, (size_t)n, &d), 0);
                assert_int_equal(d.kind, k);
                assert_int_equal(d.seq, 7);
                assert_int_equal(d.present, e.present);
                assert_string_equal(d.patron, e.patron);
                assert_string_equal(d.item, e.item);
                assert_memory_equal(d.prev, e.prev, ENTRY_HASH_SIZE);
                m = entry_encode(&d, again, sizeof again);
                assert_int_equal(m, n);
                assert_memory_equal(buf, again, (size_t)n);
                assert_non_null(entry_kind_to_string(k));
        }
}

static void test_refuses_versions_kinds_and_keys(void **state)
{
        uint8_t buf[ENTRY_MAX_SIZE];
        Entry e = sample(ENTRY_CHECKIN), d;
        int n = entry_encode(&e, buf, sizeof buf);

        assert_true(n > 0);
        /* buf[0] = array(8), buf[1] = version 1 */
        buf[1] = 0x02;
        assert_int_equal(entry_decode(buf, (size_t)n, &d), -EPROTONOSUPPORT);
        buf[1] = 0x01;
        e.kind = _ENTRY_KIND_MAX;
        assert_int_equal(entry_encode(&e, buf, sizeof buf), -EINVAL);
        e = sample(ENTRY_CHECKIN);
        n = entry_encode(&e, buf, sizeof buf);
        /* kind byte: find the small uint after the actor string. */
        for (int i = 0; i < n; i++)
                if (buf[i] == ENTRY_CHECKIN && buf[i + 1] == 0x58) { /* then bstr(32) prev */
                        buf[i] = 0x17; /* kind 23: unknown */
                        assert_int_equal(entry_decode(buf, (size_t)n, &d), -EOPNOTSUPP);
                        buf[i] = ENTRY_CHECKIN;
                }
        assert_int_equal(entry_decode(buf, (size_t)n, &d), 0);
        /* Trailing bytes and truncation. */
        buf[n] = 0;
        assert_int_equal(entry_decode(buf, (size_t)n + 1, &d), -EBADMSG);
        for (int cut = 0; cut < n; cut++)
                assert_true(entry_decode(buf, (size_t)cut, &d) < 0);
}

static void test_schema_checks(void **state)
{
        uint8_t buf[ENTRY_MAX_SIZE];
        Entry e;
        char big[ENTRY_ID_MAX + 2];

        /* A checkout without a due date. */
        e = mk(ENTRY_CHECKOUT, "P1", "B1");
        e.seq = 1;
        assert_int_equal(entry_encode(&e, buf, sizeof buf), -EINVAL);
        /* A key the kind does not allow. */
        e = mk(ENTRY_CHECKIN, "P1", "B1");
        e.seq = 1;
        assert_int_equal(entry_encode(&e, buf, sizeof buf), -EINVAL);
        /* seq 0 and an empty actor. */
        e = sample(ENTRY_CHECKIN);
        e.seq = 0;
        assert_int_equal(entry_encode(&e, buf, sizeof buf), -EINVAL);
        e = sample(ENTRY_CHECKIN);
        e.actor[0] = 0;
        assert_int_equal(entry_encode(&e, buf, sizeof buf), -EINVAL);
        /* Identifiers are bounded and printable. */
        memset(big, 'x', sizeof big - 1);
        big[sizeof big - 1] = 0;
        e = sample(ENTRY_CHECKIN);
        assert_int_equal(entry_set_string(&e, BODY_ITEM, big), -E2BIG);
        assert_int_equal(entry_set_string(&e, BODY_ITEM, "has space"), 0);
        assert_int_equal(entry_encode(&e, buf, sizeof buf), -EINVAL);
        /* Personal fields need a key id. */
        e = sample(ENTRY_PATRON_UPDATE);
        e.present &= ~(1u << BODY_KEY_ID);
        assert_int_equal(entry_encode(&e, buf, sizeof buf), -EINVAL);
        /* A buffer too small. */
        e = sample(ENTRY_CHECKIN);
        assert_int_equal(entry_encode(&e, buf, 20), -E2BIG);
}

static void test_non_canonical_refused(void **state)
{
        uint8_t buf[ENTRY_MAX_SIZE], wide[ENTRY_MAX_SIZE];
        Entry e = sample(ENTRY_CHECKIN), d;
        int n = entry_encode(&e, buf, sizeof buf);
        size_t w;

        /* The same entry with seq 7 encoded in 8 bytes instead of 1. */
        assert_true(n > 0);
        w = 0;
        wide[w++] = buf[0];
        wide[w++] = buf[1];
        memcpy(wide + w, buf + 2, 17); /* origin bstr(16) */
        w += 17;
        w += cbor_encode_uint64(7, wide + w, sizeof wide - w);
        memcpy(wide + w, buf + 20, (size_t)n - 20);
        w += (size_t)n - 20;
        assert_int_equal(buf[19], 0x07);
        assert_int_equal(entry_decode(wide, w, &d), -EBADMSG);
        /* ...which the trusted path would take: it only skips this check. */
        assert_int_equal(entry_decode_stored(wide, w, &d), 0);
}

static void test_hash_and_entity_keys(void **state)
{
        uint8_t buf[ENTRY_MAX_SIZE], h1[ENTRY_HASH_SIZE], h2[ENTRY_HASH_SIZE];
        char key[ENTRY_ID_MAX + 3];
        Entry e = sample(ENTRY_FINE);
        int n = entry_encode(&e, buf, sizeof buf);

        entry_hash(buf, (size_t)n, h1);
        e.prev[0] ^= 1; /* a different predecessor: a different hash */
        n = entry_encode(&e, buf, sizeof buf);
        entry_hash(buf, (size_t)n, h2);
        assert_memory_not_equal(h1, h2, ENTRY_HASH_SIZE);
        entry_entity_key(&e, key, sizeof key);
        assert_string_equal(key, "p:P1");
        e = sample(ENTRY_RENEW);
        entry_entity_key(&e, key, sizeof key);
        assert_string_equal(key, "i:B1");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip_every_kind),
                cmocka_unit_test(test_fold_params_bounded),
                cmocka_unit_test(test_refuses_versions_kinds_and_keys),
                cmocka_unit_test(test_schema_checks),
                cmocka_unit_test(test_non_canonical_refused),
                cmocka_unit_test(test_hash_and_entity_keys),
        };
        return cmocka_run_group_tests_name("sync/entry", tests, NULL, NULL);
}
