/* See key-sink-volume.h. */
#include <errno.h>

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

        /* The device holds data under the old key; giving the kernel the new
         * one would make every sector read as garbage. */
        return (v->error = -EOPNOTSUPP);
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
                return "a new AMK means a new volume key, and carrel_blk cannot re-encrypt a device "
                       "in place (see 'Rotation and the volume' in docs/keys.md)";
        default:
                return NULL;
        }
}
