/* See key-sink.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "appliance/keys/key-sink.h"
#include "lib/fileio.h"

static const uint8_t frame_magic[8] = { 'C', 'R', 'L', 'K', 'E', 'Y', '0', '1' };

static int null_set_keys(void *userdata, const KeySet *keys)
{
        return 0;
}

static int null_rekey(void *userdata, const KeySet *old_keys, const KeySet *new_keys)
{
        return 0;
}

static int null_clear(void *userdata)
{
        return 0;
}

const KeySink key_sink_null = {
        .name = "none",
        .set_keys = null_set_keys,
        .rekey = null_rekey,
        .clear = null_clear,
};

static size_t put_set(uint8_t *p, const KeySet *k)
{
        const struct {
                SubkeyId id;
                const Secret *s;
        } recs[] = {
                { SUBKEY_VOLUME, k->volume },
                { SUBKEY_DB_WRAP, k->db_wrap },
                { SUBKEY_BACKUP, k->backup },
                { SUBKEY_AUDIT_MAC, k->audit_mac },
        };
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(recs); i++) {
                p[n++] = (uint8_t)recs[i].id;
                p[n++] = (uint8_t)recs[i].s->size;
                memcpy(p + n, recs[i].s->bytes, recs[i].s->size);
                n += recs[i].s->size;
        }
        return n;
}

static bool set_valid(const KeySet *k)
{
        return k && k->volume && k->volume->size == VOLUME_KEY_SIZE && k->db_wrap &&
               k->db_wrap->size == SUBKEY_SIZE && k->backup && k->backup->size == SUBKEY_SIZE &&
               k->audit_mac && k->audit_mac->size == SUBKEY_SIZE;
}

int key_frame_build(KeyFrameOp op, const KeySet *old_keys, const KeySet *keys, uint8_t **ret,
                    size_t *ret_size)
{
        uint8_t *buf;
        size_t n = 0;

        assert_return(ret && ret_size, -EINVAL);
        assert_return(op != KEY_FRAME_CLEAR || (!keys && !old_keys), -EINVAL);
        assert_return(op == KEY_FRAME_CLEAR || set_valid(keys), -EINVAL);
        assert_return(op != KEY_FRAME_REKEY || set_valid(old_keys), -EINVAL);
        assert_return(op == KEY_FRAME_SET || op == KEY_FRAME_REKEY || op == KEY_FRAME_CLEAR, -EINVAL);

        buf = secmem_alloc(KEY_FRAME_MAX);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, frame_magic, sizeof frame_magic);
        n = sizeof frame_magic;
        buf[n++] = (uint8_t)op;
        buf[n++] = op == KEY_FRAME_CLEAR ? 0 : op == KEY_FRAME_SET ? 1 : 2;
        if (op == KEY_FRAME_REKEY)
                n += put_set(buf + n, old_keys);
        if (op != KEY_FRAME_CLEAR)
                n += put_set(buf + n, keys);
        *ret = buf;
        *ret_size = n;
        return 0;
}

static int parse_set(const uint8_t *p, size_t size, size_t *off, KeySet **ret)
{
        _cleanup_(keyset_freep) KeySet *k = calloc(1, sizeof(KeySet));

        if (!k)
                return -ENOMEM;
        for (SubkeyId id = SUBKEY_VOLUME; id <= SUBKEY_AUDIT_MAC; id++) {
                size_t want = id == SUBKEY_VOLUME ? VOLUME_KEY_SIZE : SUBKEY_SIZE;
                Secret **slot = id == SUBKEY_VOLUME    ? &k->volume
                                : id == SUBKEY_DB_WRAP ? &k->db_wrap
                                : id == SUBKEY_BACKUP  ? &k->backup
                                                       : &k->audit_mac;

                if (size - *off < 2 || p[*off] != id || p[*off + 1] != want || size - *off - 2 < want)
                        return -EBADMSG;
                *off += 2;
                if (secret_new(want, slot) < 0)
                        return -ENOMEM;
                memcpy((*slot)->bytes, p + *off, want);
                *off += want;
        }
        *ret = TAKE_PTR(k);
        return 0;
}

int key_frame_parse(const void *data, size_t size, KeyFrame *ret)
{
        const uint8_t *p = data;
        KeyFrame f = { 0 };
        size_t off;
        int r;

        if (!data || !ret || size < sizeof frame_magic + 2 || size > KEY_FRAME_MAX ||
            memcmp(p, frame_magic, sizeof frame_magic) != 0)
                return -EBADMSG;
        off = sizeof frame_magic;
        f.op = p[off++];
        switch (f.op) {
        case KEY_FRAME_SET:
                if (p[off++] != 1)
                        return -EBADMSG;
                r = parse_set(p, size, &off, &f.keys);
                break;
        case KEY_FRAME_REKEY:
                if (p[off++] != 2)
                        return -EBADMSG;
                r = parse_set(p, size, &off, &f.old_keys);
                if (r >= 0)
                        r = parse_set(p, size, &off, &f.keys);
                break;
        case KEY_FRAME_CLEAR:
                r = p[off++] == 0 ? 0 : -EBADMSG;
                break;
        default:
                return -EBADMSG;
        }
        if (r >= 0 && off != size)
                r = -EBADMSG;
        if (r < 0) {
                key_frame_done(&f);
                return r == -ENOMEM ? r : -EBADMSG;
        }
        *ret = f;
        return 0;
}

void key_frame_done(KeyFrame *f)
{
        if (!f)
                return;
        f->keys = keyset_free(f->keys);
        f->old_keys = keyset_free(f->old_keys);
}

static int write_frame(int fd, KeyFrameOp op, const KeySet *old_keys, const KeySet *keys)
{
        _cleanup_secmem_ uint8_t *buf = NULL;
        size_t size;
        int r;

        r = key_frame_build(op, old_keys, keys, &buf, &size);
        if (r < 0)
                return r;
        return write_full(fd, buf, size);
}

static int fd_set_keys(void *userdata, const KeySet *keys)
{
        return write_frame(*(int *)userdata, KEY_FRAME_SET, NULL, keys);
}

static int fd_rekey(void *userdata, const KeySet *old_keys, const KeySet *new_keys)
{
        return write_frame(*(int *)userdata, KEY_FRAME_REKEY, old_keys, new_keys);
}

static int fd_clear(void *userdata)
{
        return write_frame(*(int *)userdata, KEY_FRAME_CLEAR, NULL, NULL);
}

void key_sink_fd_init(KeySink *sink, int *fd)
{
        *sink = (KeySink){
                .name = "fd",
                .set_keys = fd_set_keys,
                .rekey = fd_rekey,
                .clear = fd_clear,
                .userdata = fd,
        };
}
