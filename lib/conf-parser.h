/* INI configuration files (systemd style), read with inih.
 *
 * On top of inih this adds what a file an operator edits needs: the line
 * number of every error, a hard bound on line length and file size, refusal
 * of NUL and control bytes, and table-driven typed values. The parser never
 * logs; the first error is returned in a ConfigError for the caller to show
 * as "file:line: message". */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/macro.h"
#include "lib/time-util.h"

/* inih in Debian is built with a 200-byte line buffer; a longer line is an
 * error rather than being silently split. */
#define CONFIG_LINE_MAX 198
#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_SECTION_MAX 50

typedef struct ConfigError {
        char file[256];
        unsigned line; /* 0 if the error is not tied to a line */
        char message[256];
} ConfigError;

/* Record an error unless one is already recorded; returns -EINVAL-style code r. */
int config_error_set(ConfigError *err, unsigned line, int r, const char *format, ...) _printf_(4, 5);

/* Called for every key = value. A continuation line (indented) is delivered
 * as another call with the same key. Return 0 to go on, or a negative errno
 * after config_error_set() to stop with that error. */
typedef int (*ConfigHandler)(void *userdata, const char *section, const char *key, const char *value,
                             unsigned line, ConfigError *err);

/* Read a configuration file of at most CONFIG_FILE_MAX bytes into *ret_text
 * (NUL-terminated, free() it), starting a fresh *err for that file. Returns
 * 0, or a negative errno with *err filled. */
int config_read_file(const char *path, char **ret_text, size_t *ret_size, ConfigError *err);

/* Parse a file or an in-memory text (name is used in errors). Returns 0, or
 * a negative errno with *err filled (line, message). */
int config_parse_file(const char *path, ConfigHandler handler, void *userdata, ConfigError *err);
int config_parse_text(const char *name, const char *text, size_t size, ConfigHandler handler, void *userdata,
                      ConfigError *err);

/* Typed value parsers for tables. Each parses value into *data and returns
 * 0, or a negative errno with err set at line. */
typedef int (*ConfigValueParser)(const char *value, void *data, unsigned line, ConfigError *err);
int config_value_bool(const char *value, void *data, unsigned line, ConfigError *err); /* bool */
int config_value_uint64(const char *value, void *data, unsigned line, ConfigError *err); /* uint64_t */
int config_value_duration(const char *value, void *data, unsigned line, ConfigError *err); /* usec_t */
int config_value_string(const char *value, void *data, unsigned line, ConfigError *err); /* char *, strdup */

typedef struct ConfigTableItem {
        const char *section;
        const char *key;
        ConfigValueParser parse;
        size_t offset; /* of the field inside the userdata struct */
} ConfigTableItem;

typedef struct ConfigTable {
        const ConfigTableItem *items;
        size_t n_items;
        void *base; /* the struct the offsets refer to */
} ConfigTable;

/* A ConfigHandler for table-driven files: userdata is a ConfigTable*. An
 * unknown section or key is an error. */
int config_table_handler(void *userdata, const char *section, const char *key, const char *value,
                         unsigned line, ConfigError *err);
