/* See conf-parser.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>

#include "lib/conf-parser.h"
#include "lib/fileio.h"

int config_error_set(ConfigError *err, unsigned line, int r, const char *format, ...)
{
        va_list ap;

        if (err && err->message[0] == '\0') {
                err->line = line;
                va_start(ap, format);
                vsnprintf(err->message, sizeof err->message, format, ap);
                va_end(ap);
        }
        return r < 0 ? r : -EINVAL;
}

typedef struct ParseState {
        const char *text;
        size_t size, pos;
        unsigned line;
        ConfigHandler handler;
        void *userdata;
        ConfigError *err;
        int r; /* first error */
} ParseState;

/* inih reader: one line per call, refusing what a config file never holds.
 * Returning NULL ends parsing; a recorded error says why. */
static char *reader(char *str, int num, void *stream)
{
        ParseState *s = stream;
        size_t n = 0;

        if (s->r < 0 || s->pos >= s->size)
                return NULL;
        s->line++;
        while (s->pos < s->size) {
                char c = s->text[s->pos++];
                if (c == '\0' || ((unsigned char)c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
                        s->r = config_error_set(s->err, s->line, -EBADMSG, "control or NUL byte in line");
                        return NULL;
                }
                if (n >= CONFIG_LINE_MAX || n + 2 > (size_t)num) {
                        s->r = config_error_set(s->err, s->line, -E2BIG, "line longer than %d bytes",
                                                CONFIG_LINE_MAX);
                        return NULL;
                }
                str[n++] = c;
                if (c == '\n')
                        break;
        }
        str[n] = '\0';

        /* inih silently truncates section names to 49 bytes; two long names
         * could then collide, so refuse them here. */
        const char *p = str + strspn(str, " \t");
        if (*p == '[') {
                size_t len = strcspn(p + 1, "]");
                if (len >= CONFIG_SECTION_MAX) {
                        s->r = config_error_set(s->err, s->line, -E2BIG, "section name longer than %d bytes",
                                                CONFIG_SECTION_MAX - 1);
                        return NULL;
                }
        }
        return str;
}

static int ini_handler_cb(void *user, const char *section, const char *name, const char *value)
{
        ParseState *s = user;
        int r;

        if (s->r < 0)
                return 0;
        if (!name || !value) {
                s->r = config_error_set(s->err, s->line, -EBADMSG, "expected key = value");
                return 0;
        }
        r = s->handler(s->userdata, section, name, value, s->line, s->err);
        if (r < 0) {
                s->r = config_error_set(s->err, s->line, r, "invalid value for '%s'", name);
                return 0;
        }
        return 1;
}

int config_parse_text(const char *name, const char *text, size_t size, ConfigHandler handler, void *userdata,
                      ConfigError *err)
{
        ParseState s = {
                .text = text,
                .size = size,
                .handler = handler,
                .userdata = userdata,
                .err = err,
        };
        int ir;

        assert_return(text || size == 0, -EINVAL);
        assert_return(handler && err, -EINVAL);
        memset(err, 0, sizeof *err);
        snprintf(err->file, sizeof err->file, "%s", name ? name : "<text>");

        if (size > CONFIG_FILE_MAX)
                return config_error_set(err, 0, -EFBIG, "file larger than %d bytes", CONFIG_FILE_MAX);

        ir = ini_parse_stream(reader, &s, ini_handler_cb, &s);
        /* inih reports its own syntax errors only at the end: keep whichever
         * error comes first in the file. */
        if (ir > 0 && (s.r >= 0 || (unsigned)ir < err->line)) {
                err->message[0] = '\0';
                return config_error_set(err, (unsigned)ir, -EBADMSG, "syntax error");
        }
        if (s.r < 0)
                return s.r;
        if (ir < 0)
                return config_error_set(err, 0, -ENOMEM, "out of memory");
        return 0;
}

int config_read_file(const char *path, char **ret_text, size_t *ret_size, ConfigError *err)
{
        int r;

        assert_return(path && ret_text && ret_size && err, -EINVAL);
        memset(err, 0, sizeof *err);
        snprintf(err->file, sizeof err->file, "%s", path);

        r = read_file_bounded(path, CONFIG_FILE_MAX, ret_text, ret_size);
        if (r == -EFBIG)
                return config_error_set(err, 0, r, "file larger than %d bytes", CONFIG_FILE_MAX);
        if (r < 0)
                return config_error_set(err, 0, r, "cannot read file: %s", strerror(-r));
        return 0;
}

int config_parse_file(const char *path, ConfigHandler handler, void *userdata, ConfigError *err)
{
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = config_read_file(path, &text, &size, err);
        if (r < 0)
                return r;
        return config_parse_text(path, text, size, handler, userdata, err);
}

int config_value_bool(const char *value, void *data, unsigned line, ConfigError *err)
{
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };
        bool *b = data;

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(value, yes[i]) == 0) {
                        *b = true;
                        return 0;
                }
                if (strcasecmp(value, no[i]) == 0) {
                        *b = false;
                        return 0;
                }
        }
        return config_error_set(err, line, -EINVAL, "not a boolean: expected yes or no");
}

int config_value_uint64(const char *value, void *data, unsigned line, ConfigError *err)
{
        char *end;
        unsigned long long v;

        if (value[0] < '0' || value[0] > '9')
                return config_error_set(err, line, -EINVAL, "not a non-negative integer");
        errno = 0;
        v = strtoull(value, &end, 10);
        if (errno == ERANGE)
                return config_error_set(err, line, -ERANGE, "integer out of range");
        if (*end != '\0')
                return config_error_set(err, line, -EINVAL, "not a non-negative integer");
        *(uint64_t *)data = v;
        return 0;
}

int config_value_duration(const char *value, void *data, unsigned line, ConfigError *err)
{
        int r = parse_duration(value, data);

        if (r == -ERANGE)
                return config_error_set(err, line, r, "duration out of range");
        if (r < 0)
                return config_error_set(err, line, r, "bad duration (e.g. 30d, 72h, 6months)");
        return 0;
}

int config_value_string(const char *value, void *data, unsigned line, ConfigError *err)
{
        char **s = data;
        char *copy = strdup(value);

        if (!copy)
                return config_error_set(err, line, -ENOMEM, "out of memory");
        free(*s);
        *s = copy;
        return 0;
}

int config_table_handler(void *userdata, const char *section, const char *key, const char *value,
                         unsigned line, ConfigError *err)
{
        const ConfigTable *t = userdata;
        bool section_known = false;

        for (size_t i = 0; i < t->n_items; i++) {
                const ConfigTableItem *it = &t->items[i];
                if (strcmp(it->section, section) != 0)
                        continue;
                section_known = true;
                if (strcmp(it->key, key) == 0)
                        return it->parse(value, (char *)t->base + it->offset, line, err);
        }
        if (!section_known)
                return config_error_set(err, line, -EINVAL, "unknown section [%s]", section);
        return config_error_set(err, line, -EINVAL, "unknown key '%s' in [%s]", key, section);
}
