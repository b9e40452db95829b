/* lib/net/peer: roles and device ids from certificate subjects. */
#include <string.h>

#include "lib/net/peer.h"
#include "tests/unit/test.h"

static void test_roles(void **state)
{
        for (int i = 0; i < _PEER_ROLE_MAX; i++)
                assert_int_equal(peer_role_from_string(peer_role_to_string(i)), i);
        assert_int_equal(peer_role_from_string("Camera"), PEER_ROLE_INVALID);
        assert_int_equal(peer_role_from_string(""), PEER_ROLE_INVALID);
        assert_int_equal(peer_role_from_string(NULL), PEER_ROLE_INVALID);
        assert_null(peer_role_to_string(_PEER_ROLE_MAX));
        assert_null(peer_role_to_string(PEER_ROLE_INVALID));
}

static void test_ids(void **state)
{
        char long_id[PEER_ID_MAX + 2];

        assert_true(peer_id_valid("camera-0a1b2c3d4e"));
        assert_false(peer_id_valid(""));
        assert_false(peer_id_valid("Camera"));
        assert_false(peer_id_valid("cam era"));
        assert_false(peer_id_valid("cam/../x"));
        assert_false(peer_id_valid("cam\n"));
        memset(long_id, 'a', sizeof(long_id) - 1);
        long_id[sizeof(long_id) - 1] = 0;
        assert_false(peer_id_valid(long_id));
        long_id[PEER_ID_MAX] = 0;
        assert_true(peer_id_valid(long_id));
}

static void test_subject(void **state)
{
        PeerIdentity p = { .id = "untouched", .role = PEER_ROLE_HUB };

        assert_int_equal(peer_identity_from_subject("desk-1", "desk", &p), 0);
        assert_string_equal(p.id, "desk-1");
        assert_int_equal(p.role, PEER_ROLE_DESK);

        p = (PeerIdentity){ .id = "untouched", .role = PEER_ROLE_HUB };
        assert_int_equal(peer_identity_from_subject("desk-1", "admin", &p), -EBADMSG);
        assert_int_equal(peer_identity_from_subject("Desk 1", "desk", &p), -EBADMSG);
        assert_int_equal(peer_identity_from_subject(NULL, "desk", &p), -EBADMSG);
        assert_string_equal(p.id, "untouched");
        assert_int_equal(p.role, PEER_ROLE_HUB);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roles),
                cmocka_unit_test(test_ids),
                cmocka_unit_test(test_subject),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
