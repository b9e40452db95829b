/* appliance/volume/volume: status reply parsing (as the kernel builds it,
 * and malformed), event names, and a clean refusal when the module is
 * absent (the host kernel cannot load it; the qemu guest covers the rest). */
#include <errno.h>
#include <string.h>

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "appliance/volume/volume.h"
#include "lib/macro.h"
#include "tests/unit/test.h"

static struct nl_msg *status_msg(bool with_stats, bool with_name)
{
        struct nl_msg *m = nlmsg_alloc();
        assert_non_null(m);
        assert_non_null(genlmsg_put(m, 1, 1, 0x20, 0, NLM_F_MULTI, CARREL_BLK_CMD_GET_STATUS, 1));
        nla_put_u32(m, CARREL_BLK_A_INDEX, 3);
        if (with_name)
                nla_put_string(m, CARREL_BLK_A_DISK_NAME, "carrelblk3");
        nla_put_u32(m, CARREL_BLK_A_BACKING_MAJOR, 1);
        nla_put_u32(m, CARREL_BLK_A_BACKING_MINOR, 2);
        nla_put_u64(m, CARREL_BLK_A_SECTORS, 262144);
        nla_put_u8(m, CARREL_BLK_A_KEYED, 1);
        if (with_stats) {
                struct nlattr *st = nla_nest_start(m, CARREL_BLK_A_STATS);
                nla_put_u64(m, CARREL_BLK_STAT_READS, 10);
                nla_put_u64(m, CARREL_BLK_STAT_WRITES, 20);
                nla_put_u64(m, CARREL_BLK_STAT_ERRORS, 2);
                nla_nest_end(m, st);
        }
        return m;
}

static void test_status_parse(void **state)
{
        struct nl_msg *m = status_msg(true, true);
        struct nlmsghdr *h = nlmsg_hdr(m);
        VolumeStatus s;

        assert_int_equal(volume_status_parse(h, h->nlmsg_len, &s), 0);
        assert_int_equal(s.index, 3);
        assert_string_equal(s.disk_name, "carrelblk3");
        assert_int_equal(s.backing_major, 1);
        assert_int_equal(s.backing_minor, 2);
        assert_int_equal(s.sectors, 262144);
        assert_true(s.keyed);
        assert_int_equal(s.reads, 10);
        assert_int_equal(s.writes, 20);
        assert_int_equal(s.errors, 2);
        assert_int_equal(s.flushes, 0);

        /* Truncated anywhere: never read past the end (ASan watches).
         * Cut inside the required attributes it is refused; cut at the
         * optional stats it may parse. */
        unsigned refused = 0;
        for (size_t n = 0; n < h->nlmsg_len; n++) {
                struct nlmsghdr *copy = malloc(n ? n : 1);
                memcpy(copy, h, n);
                if (n >= sizeof(*copy))
                        copy->nlmsg_len = (uint32_t)n;
                int r = volume_status_parse(copy, n, &s);
                assert_true(r == 0 || r == -EBADMSG);
                refused += r == -EBADMSG;
                free(copy);
        }
        assert_true(refused >= 40);
        /* A length field beyond the buffer is refused. */
        assert_int_equal(volume_status_parse(h, h->nlmsg_len - 1, &s), -EBADMSG);
        nlmsg_free(m);
}

static void test_status_missing_fields(void **state)
{
        struct nl_msg *m = status_msg(false, false);
        struct nlmsghdr *h = nlmsg_hdr(m);
        VolumeStatus s;

        memset(&s, 0x5a, sizeof s);
        assert_int_equal(volume_status_parse(h, h->nlmsg_len, &s), -EBADMSG);
        assert_int_equal(s.index, 0x5a5a5a5a); /* untouched */
        nlmsg_free(m);

        /* No stats nest is fine: counters read as zero. */
        m = status_msg(false, true);
        h = nlmsg_hdr(m);
        assert_int_equal(volume_status_parse(h, h->nlmsg_len, &s), 0);
        assert_int_equal(s.reads, 0);
        nlmsg_free(m);
}

static void test_event_names(void **state)
{
        assert_string_equal(volume_event_to_string(CARREL_BLK_EVENT_ATTACHED), "attached");
        assert_string_equal(volume_event_to_string(CARREL_BLK_EVENT_KEYED), "keyed");
        assert_string_equal(volume_event_to_string(CARREL_BLK_EVENT_KEY_CLEARED), "key-cleared");
        assert_string_equal(volume_event_to_string(CARREL_BLK_EVENT_DETACHED), "detached");
        assert_string_equal(volume_event_to_string(99), "unknown");
}

static void test_module_absent(void **state)
{
        VolumeClient *c = NULL;
        uint8_t key[VOLUME_KEY_SIZE] = { 1 };
        int r = volume_client_new(&c);

        if (r == 0) {
                /* A host with carrel_blk loaded: nothing more to check here. */
                volume_client_free(c);
                return;
        }
        assert_int_equal(r, -ENOPKG);
        assert_null(c);
        assert_int_equal(volume_set_key(0, key), -ENOPKG);
        assert_int_equal(volume_clear_key(0), -ENOPKG);
        assert_null(volume_client_free(NULL));
        assert_null(volume_client_last_message(NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_status_parse),
                cmocka_unit_test(test_status_missing_fields),
                cmocka_unit_test(test_event_names),
                cmocka_unit_test(test_module_absent),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
