/* See key-sink-volume.h. */
#include <errno.h>

#include <sodium.h>

#include "appliance/keys/key-sink-volume.h"
#include "appliance/volume/volume.h"

static int volume_sink_set_keys(void *userdata, const KeySet *keys)
{
        VolumeSink *v = userdata;

        if (!keys || !keys->volume || keys->volume->size != VOLUME_KEY_SIZE)
                return (v->error = -EINVAL);
        return (v->error = volume_set_key(v->index, keys->volume->bytes));
}

static int volume_sink_rekey(void *userdata, const KeySet *old_keys, const KeySet *new_keys)
{
        VolumeSink *v = userdata;

        /* A rotation re-wraps VK and never changes it: the device keeps its
         * key. A different key here would make every sector read as garbage,
         * so it is refused; the same key is set again, which also checks
         * that the volume is there. */
        if (!old_keys || !new_keys || !old_keys->volume || !new_keys->volume ||
            old_keys->volume->size != VOLUME_KEY_SIZE || new_keys->volume->size != VOLUME_KEY_SIZE)
                return (v->error = -EINVAL);
        if (sodium_memcmp(old_keys->volume->bytes, new_keys->volume->bytes, VOLUME_KEY_SIZE) != 0)
                return (v->error = -EOPNOTSUPP);
        return (v->error = volume_set_key(v->index, new_keys->volume->bytes));
}

static int volume_sink_clear(void *userdata)
{
        VolumeSink *v = userdata;

        return (v->error = volume_clear_key(v->index));
}

void key_sink_volume_init(KeySink *sink, VolumeSink *v)
{
        v->error = 0;
        *sink = (KeySink){
                .name = "carrel_blk",
                .set_keys = volume_sink_set_keys,
                .rekey = volume_sink_rekey,
                .clear = volume_sink_clear,
                .userdata = v,
        };
}

const char *key_sink_volume_cause(int error)
{
        switch (error) {
        case -ENOPKG:
                return "the carrel_blk kernel module is not loaded";
        case -ENODEV:
                return "no carrel_blk volume with this index is attached (carrelctl volume status)";
        case -EPERM:
        case -EACCES:
                return "setting a carrel_blk key needs CAP_NET_ADMIN";
        case -EOPNOTSUPP:
                return "the rotation would change the volume key, which carrel_blk cannot do in place";
        default:
                return NULL;
        }
}
