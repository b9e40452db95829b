/* libFuzzer target: the INI reader and typed value parsers (lib/conf-parser,
 * lib/time-util). Any input must end in success or a refusal with a line
 * number inside the input; never a crash, leak or overread. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf-parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Values {
        bool b;
        uint64_t u;
        usec_t d;
        char *s;
} Values;

static int every_parser(void *userdata, const char *section, const char *key, const char *value,
                        unsigned line, ConfigError *err)
{
        Values *v = userdata;
        /* Feed each value through every typed parser; refusals are fine. */
        (void)config_value_bool(value, &v->b, line, err);
        (void)config_value_uint64(value, &v->u, line, err);
        (void)config_value_duration(value, &v->d, line, err);
        (void)config_value_string(value, &v->s, line, err);
        memset(err->message, 0, sizeof err->message);
        return strcmp(key, "stop") == 0 ? -EINVAL : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Values v = { 0 };
        ConfigError err;
        unsigned lines = 1;

        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        if (config_parse_text("fuzz", (const char *)data, size, every_parser, &v, &err) < 0 &&
            err.line > lines)
                abort();
        free(v.s);
        return 0;
}
