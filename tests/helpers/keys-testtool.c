/* Test-only access to key custody internals; never installed.
 *
 *   keys-testtool secrets STATE_DIR   read a recovery key on stdin, print
 *                                     "amk HEX" and one "NAME HEX" line per
 *                                     subkey, so that a leak test knows what
 *                                     bytes must never appear anywhere
 *   keys-testtool export STATE_DIR OUTDIR
 *                                     write the sealed object as
 *                                     OUTDIR/sealed.pub and sealed.priv
 *                                     (TPM2B, tpm2_load format) and print the
 *                                     policy digest in hex
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "appliance/keys/ask-secret.h"
#include "appliance/keys/custody.h"
#include "lib/fileio.h"

static void print_hex(const char *name, const Secret *s)
{
        char hex[2 * 64 + 1];
        sodium_bin2hex(hex, sizeof hex, s->bytes, s->size);
        printf("%s %s\n", name, hex);
}

static int cmd_secrets(const char *state_dir)
{
        _cleanup_(secret_freep) Secret *line = NULL, *text = NULL, *amk = NULL;
        _cleanup_(keyset_freep) KeySet *k = NULL;
        KeysConfig c = { .tcti = "none", .state_dir = state_dir };
        int r;

        r = ask_secret(NULL, 0, RECOVERY_KEY_INPUT_MAX, &line);
        if (r < 0)
                return r;
        r = secret_new(line->size + 1, &text);
        if (r < 0)
                return r;
        memcpy(text->bytes, line->bytes, line->size);
        r = keys_unlock_recovery(&c, (const char *)text->bytes, &amk, NULL);
        if (r < 0)
                return r;
        r = keys_keyset(&c, amk, &k);
        if (r < 0)
                return r;
        print_hex("amk", amk);
        print_hex("volume", k->volume);
        print_hex("db_wrap", k->db_wrap);
        print_hex("backup", k->backup);
        print_hex("audit_mac", k->audit_mac);
        return 0;
}

static int cmd_export(const char *state_dir, const char *out)
{
        SealedKeyFile *f = calloc(1, sizeof *f);
        char path[4096], hex[2 * PCR_DIGEST_SIZE + 1];
        int r;

        if (!f)
                return -ENOMEM;
        snprintf(path, sizeof path, "%s/amk.sealed", state_dir);
        r = sealed_key_file_load(path, f);
        if (r >= 0) {
                snprintf(path, sizeof path, "%s/sealed.pub", out);
                r = write_file_atomic(path, f->sealed.public_blob, f->sealed.public_size, 0600);
        }
        if (r >= 0) {
                snprintf(path, sizeof path, "%s/sealed.priv", out);
                r = write_file_atomic(path, f->sealed.private_blob, f->sealed.private_size, 0600);
        }
        if (r >= 0)
                printf("%s\n", sodium_bin2hex(hex, sizeof hex, f->policy_digest, PCR_DIGEST_SIZE));
        free(f);
        return r;
}

int main(int argc, char *argv[])
{
        int r = -EINVAL;

        if (secmem_harden_process() < 0 || secmem_init() < 0)
                return 1;
        if (argc == 3 && strcmp(argv[1], "secrets") == 0)
                r = cmd_secrets(argv[2]);
        else if (argc == 4 && strcmp(argv[1], "export") == 0)
                r = cmd_export(argv[2], argv[3]);
        else
                fprintf(stderr, "usage: keys-testtool secrets STATE_DIR | export STATE_DIR OUTDIR\n");
        if (r < 0)
                fprintf(stderr, "keys-testtool: %s\n", strerror(-r));
        return r < 0 ? 1 : 0;
}
