/* See custody.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "appliance/keys/custody.h"
#include "appliance/keys/kdf.h"
#include "lib/fileio.h"

typedef struct Paths {
        char sealed[PATH_MAX], recovery[PATH_MAX], sealed_next[PATH_MAX], recovery_next[PATH_MAX];
} Paths;

static int paths_get(const KeysConfig *c, Paths *p)
{
        const char *d;

        if (!c || !c->state_dir || !c->tcti)
                return -EINVAL;
        d = c->state_dir;
        if (snprintf(p->sealed, PATH_MAX, "%s/amk.sealed", d) >= PATH_MAX - 8 ||
            snprintf(p->recovery, PATH_MAX, "%s/amk.recovery", d) >= PATH_MAX - 8 ||
            snprintf(p->sealed_next, PATH_MAX, "%s/amk.sealed.next", d) >= PATH_MAX - 8 ||
            snprintf(p->recovery_next, PATH_MAX, "%s/amk.recovery.next", d) >= PATH_MAX - 8)
                return -ENAMETOOLONG;
        return 0;
}

static void diag_reset(KeysDiagnosis *diag)
{
        if (diag)
                *diag = (KeysDiagnosis){ .failure = TPM_FAILURE_NONE };
}

/* Create the state directory (and missing parents, 0755) as 0700, and
 * narrow an existing one to 0700: only root reads the sealed blobs. */
static int ensure_state_dir(const char *d)
{
        char path[PATH_MAX];
        struct stat st;
        size_t n = strlen(d);

        if (n == 0 || n >= sizeof path)
                return -EINVAL;
        memcpy(path, d, n + 1);
        for (char *p = path + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                *p = '/';
        }
        if (mkdir(d, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        if (stat(d, &st) < 0)
                return negative_errno();
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if ((st.st_mode & 077) && chmod(d, 0700) < 0)
                return negative_errno();
        return 0;
}

/* The PIN becomes the sealed object's authValue as SHA-256(PIN): authValue
 * is bounded by the name algorithm's digest size, and any PIN length works. */
static int pin_auth(const Secret *pin, uint8_t auth[TPM_AUTH_MAX])
{
        if (!pin || pin->size == 0 || pin->size > KEYS_PIN_MAX)
                return -EINVAL;
        crypto_hash_sha256(auth, pin->bytes, pin->size);
        return 0;
}

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* Seal amk under the custody parent (handle, name) to the current values
 * of pcrs into *f (everything but the generation, which the caller sets). */
static int seal_to_current(TpmContext *t, uint32_t handle, const uint8_t *name, size_t name_size,
                           const Secret *amk, PcrMask pcrs, const Secret *pin, SealedKeyFile *f,
                           KeysDiagnosis *diag)
{
        _cleanup_secmem_ uint8_t *auth = NULL;
        TpmFailure failure = TPM_FAILURE_NONE;
        int r;

        f->pcrs = pcrs;
        f->with_pin = pin != NULL;
        f->created_usec = now_usec();
        r = tpm_pcr_read(t, pcrs, f->pcr_values);
        if (r < 0)
                return r;
        r = pcr_policy_digest(pcrs, (const uint8_t(*)[PCR_DIGEST_SIZE])f->pcr_values, f->with_pin,
                              f->policy_digest);
        if (r < 0)
                return r;
        if (pin) {
                auth = secmem_alloc(TPM_AUTH_MAX);
                if (!auth)
                        return -ENOMEM;
                r = pin_auth(pin, auth);
                if (r < 0)
                        return r;
        }
        r = tpm_seal(t, handle, name, name_size, f->policy_digest, auth, auth ? TPM_AUTH_MAX : 0, amk->bytes,
                     amk->size, &f->sealed, &failure);
        if (diag)
                diag->failure = failure;
        return r;
}

/* A new recovery key and the recovery copy of amk, with vk wrapped in it. */
static int new_recovery(const Secret *amk, const uint8_t generation[KEY_GENERATION_SIZE], const Secret *vk,
                        RecoveryKeyFile *ret, char text[static RECOVERY_KEY_STRING_SIZE])
{
        _cleanup_secmem_ uint8_t *rk = secmem_alloc(RECOVERY_KEY_BYTES);
        int r;

        if (!rk)
                return -ENOMEM;
        randombytes_buf(rk, RECOVERY_KEY_BYTES);
        r = recovery_wrap(rk, amk, generation, ret);
        if (r < 0)
                return r;
        r = volume_key_wrap(amk, generation, vk, &ret->volume);
        if (r < 0)
                return r;
        recovery_key_format(rk, text);
        return 0;
}

static int open_tpm(const KeysConfig *c, TpmContext **ret, KeysDiagnosis *diag)
{
        int r = tpm_context_new(c->tcti, ret);
        if (r == -ENODEV && diag)
                diag->failure = TPM_FAILURE_NO_TPM;
        return r;
}

int keys_init(const KeysConfig *c, PcrMask pcrs, const Secret *pin, bool force,
              char ret_recovery[static RECOVERY_KEY_STRING_SIZE], KeysDiagnosis *diag)
{
        _cleanup_(tpm_context_freep) TpmContext *t = NULL;
        _cleanup_(secret_freep) Secret *amk = NULL, *vk = NULL;
        _cleanup_secmem_ uint8_t *tpm_rand = NULL;
        _cleanup_free_ SealedKeyFile *f = calloc(1, sizeof *f);
        RecoveryKeyFile rf;
        char text[RECOVERY_KEY_STRING_SIZE];
        uint8_t name[TPM_NAME_MAX];
        size_t name_size = 0;
        Paths p;
        int r;

        diag_reset(diag);
        if (!f)
                return -ENOMEM;
        r = paths_get(c, &p);
        if (r < 0)
                return r;
        if (pcr_mask_count(pcrs) == 0)
                return -EINVAL;
        if (!force && access(p.sealed, F_OK) == 0)
                return -EEXIST;
        r = ensure_state_dir(c->state_dir);
        if (r < 0)
                return r;

        r = open_tpm(c, &t, diag);
        if (r < 0)
                return r;
        tpm_rand = secmem_alloc(AMK_SIZE);
        if (!tpm_rand)
                return -ENOMEM;
        r = tpm_get_random(t, tpm_rand, AMK_SIZE);
        if (r < 0)
                return r;
        r = amk_generate(tpm_rand, AMK_SIZE, &amk);
        if (r >= 0)
                r = volume_key_generate(&vk);
        if (r < 0)
                return r;

        /* A new custody parent; whatever Carrel sealed before is destroyed
         * with the old parents (init refuses to get here without --force). */
        r = tpm_parent_destroy(t, TPM_PARENT_HANDLE_B, diag ? &diag->failure : NULL);
        if (r >= 0)
                r = tpm_parent_create(t, TPM_PARENT_HANDLE_A, name, &name_size,
                                      diag ? &diag->failure : NULL);
        if (r < 0)
                return r;
        randombytes_buf(f->generation, KEY_GENERATION_SIZE);
        r = seal_to_current(t, TPM_PARENT_HANDLE_A, name, name_size, amk, pcrs, pin, f, diag);
        if (r < 0)
                return r;
        r = volume_key_wrap(amk, f->generation, vk, &f->volume);
        if (r < 0)
                return r;
        r = new_recovery(amk, f->generation, vk, &rf, text);
        if (r < 0)
                return r;

        /* Recovery copy first: a crash in between leaves a recovery copy of
         * an AMK nobody uses, never a sealed AMK without a recovery path. */
        (void)unlink(p.sealed_next);
        (void)unlink(p.recovery_next);
        r = recovery_key_file_save(p.recovery, &rf);
        if (r >= 0)
                r = sealed_key_file_save(p.sealed, f);
        if (r < 0) {
                secmem_wipe(text, sizeof text);
                return r;
        }
        memcpy(ret_recovery, text, sizeof text);
        secmem_wipe(text, sizeof text);
        return 0;
}

static int unseal_file(TpmContext *t, const SealedKeyFile *f, const Secret *pin, KeysAskPin ask_pin,
                       void *userdata, Secret **ret_amk, KeysDiagnosis *diag)
{
        _cleanup_(secret_freep) Secret *asked = NULL;
        _cleanup_secmem_ uint8_t *auth = NULL;
        uint8_t current[PCR_COUNT][PCR_DIGEST_SIZE];
        TpmFailure failure = TPM_FAILURE_NONE;
        PcrMask differ;
        int r;

        if (diag)
                diag->pcrs_sealed = f->pcrs;

        /* Name the changed PCRs before touching the sealed object, so a PCR
         * mismatch never costs a PIN try. */
        r = tpm_pcr_read(t, f->pcrs, current);
        if (r < 0) {
                if (r == -ENODEV && diag)
                        diag->failure = TPM_FAILURE_NO_TPM;
                return r;
        }
        differ = pcr_mask_differing(f->pcrs, (const uint8_t(*)[PCR_DIGEST_SIZE])f->pcr_values,
                                    (const uint8_t(*)[PCR_DIGEST_SIZE])current);
        if (differ) {
                if (diag)
                        diag->failure = TPM_FAILURE_POLICY, diag->pcrs_differ = differ;
                return -EPERM;
        }

        if (f->with_pin) {
                TpmLockoutInfo li;

                if (tpm_lockout_info(t, &li) >= 0 &&
                    (li.in_lockout || (li.max_tries > 0 && li.counter >= li.max_tries))) {
                        if (diag)
                                diag->failure = TPM_FAILURE_LOCKOUT, diag->lockout = li,
                                diag->lockout_valid = true;
                        return -EBUSY;
                }
                if (!pin) {
                        if (!ask_pin)
                                return -ENOKEY;
                        r = ask_pin(userdata, &asked);
                        if (r < 0)
                                return r;
                        pin = asked;
                }
                auth = secmem_alloc(TPM_AUTH_MAX);
                if (!auth)
                        return -ENOMEM;
                r = pin_auth(pin, auth);
                if (r < 0)
                        return r;
        }

        r = tpm_unseal(t, &f->sealed, f->pcrs, auth, auth ? TPM_AUTH_MAX : 0, ret_amk, &failure);
        if (r >= 0)
                return 0;
        if (diag) {
                diag->failure = failure;
                if (failure == TPM_FAILURE_AUTH || failure == TPM_FAILURE_LOCKOUT)
                        diag->lockout_valid = tpm_lockout_info(t, &diag->lockout) >= 0;
                if (failure == TPM_FAILURE_POLICY && tpm_pcr_read(t, f->pcrs, current) >= 0)
                        /* A PCR changed between our read and the unseal. */
                        diag->pcrs_differ =
                                pcr_mask_differing(f->pcrs, (const uint8_t(*)[PCR_DIGEST_SIZE])f->pcr_values,
                                                   (const uint8_t(*)[PCR_DIGEST_SIZE])current);
        }
        return r;
}

int keys_unlock_tpm(const KeysConfig *c, const Secret *pin, KeysAskPin ask_pin, void *userdata,
                    Secret **ret_amk, KeysDiagnosis *diag)
{
        _cleanup_(tpm_context_freep) TpmContext *t = NULL;
        _cleanup_free_ SealedKeyFile *f = calloc(1, sizeof *f);
        Paths p;
        int r;

        diag_reset(diag);
        if (!f)
                return -ENOMEM;
        r = paths_get(c, &p);
        if (r < 0)
                return r;
        r = sealed_key_file_load(p.sealed, f);
        if (r < 0)
                return r;
        r = open_tpm(c, &t, diag);
        if (r < 0)
                return r;
        return unseal_file(t, f, pin, ask_pin, userdata, ret_amk, diag);
}

int keys_unlock_recovery(const KeysConfig *c, const char *recovery_text, Secret **ret_amk,
                         KeysDiagnosis *diag)
{
        _cleanup_secmem_ uint8_t *rk = secmem_alloc(RECOVERY_KEY_BYTES);
        RecoveryKeyFile rf;
        Paths p;
        unsigned bad = 0;
        int r;

        diag_reset(diag);
        if (!rk)
                return -ENOMEM;
        r = paths_get(c, &p);
        if (r < 0)
                return r;
        r = recovery_key_parse(recovery_text, rk, &bad);
        if (r < 0) {
                if (diag)
                        diag->bad_group = bad;
                return r;
        }
        r = recovery_key_file_load(p.recovery, &rf);
        if (r < 0)
                return r;
        return recovery_unwrap(rk, &rf, ret_amk);
}

/* VK, unwrapped from whichever of amk.sealed and amk.recovery belongs to
 * amk (they differ for a moment while a rotation commits). */
static int volume_key_of(const Paths *p, const Secret *amk, Secret **ret)
{
        _cleanup_free_ SealedKeyFile *f = calloc(1, sizeof *f);
        RecoveryKeyFile rf;
        int r, q;

        if (!f)
                return -ENOMEM;
        r = sealed_key_file_load(p->sealed, f);
        if (r >= 0) {
                r = volume_key_unwrap(amk, f->generation, &f->volume, ret);
                if (r >= 0)
                        return 0;
        }
        q = recovery_key_file_load(p->recovery, &rf);
        if (q >= 0) {
                q = volume_key_unwrap(amk, rf.generation, &rf.volume, ret);
                if (q >= 0)
                        return 0;
        }
        return r == -ENOENT ? q : r;
}

int keys_keyset(const KeysConfig *c, const Secret *amk, KeySet **ret)
{
        _cleanup_(secret_freep) Secret *vk = NULL;
        Paths p;
        int r;

        assert_return(amk && amk->size == AMK_SIZE && ret, -EINVAL);
        r = paths_get(c, &p);
        if (r < 0)
                return r;
        r = volume_key_of(&p, amk, &vk);
        if (r < 0)
                return r;
        return keyset_derive(amk, vk, ret);
}

int keys_requires_pin(const KeysConfig *c, bool *ret)
{
        _cleanup_free_ SealedKeyFile *f = calloc(1, sizeof *f);
        Paths p;
        int r;

        if (!f)
                return -ENOMEM;
        r = paths_get(c, &p);
        if (r < 0)
                return r;
        r = sealed_key_file_load(p.sealed, f);
        if (r < 0)
                return r;
        *ret = f->with_pin;
        return 0;
}

int keys_reseal(const KeysConfig *c, const Secret *amk, PcrMask pcrs, const Secret *pin, KeysDiagnosis *diag)
{
        _cleanup_(tpm_context_freep) TpmContext *t = NULL;
        _cleanup_free_ SealedKeyFile *f = calloc(1, sizeof *f);
        uint8_t name[TPM_NAME_MAX];
        size_t name_size;
        uint32_t handle;
        RecoveryKeyFile rf;
        Paths p;
        int r;

        diag_reset(diag);
        if (!f)
                return -ENOMEM;
        assert_return(amk && amk->size == AMK_SIZE, -EINVAL);
        r = paths_get(c, &p);
        if (r < 0)
                return r;
        r = sealed_key_file_load(p.sealed, f);
        if (r == -ENOENT) {
                /* Only the recovery copy survived (new hardware, restored
                 * backup): enrol the recovered AMK under its generation. */
                r = recovery_key_file_load(p.recovery, &rf);
                if (r < 0)
                        return r;
                memcpy(f->generation, rf.generation, KEY_GENERATION_SIZE);
                f->volume = rf.volume; /* same AMK and generation: still valid */
                f->pcrs = 1U << 7;
                f->sealed.parent_handle = TPM_PARENT_HANDLE_A;
        } else if (r < 0)
                return r;
        if (pcrs == 0)
                pcrs = f->pcrs;
        r = open_tpm(c, &t, diag);
        if (r < 0)
                return r;

        /* Same parent when it is still there. When it is gone or replaced
         * (TPM cleared, board replaced), the caller holds the AMK through
         * the recovery key: give it a new parent at the same handle. */
        handle = f->sealed.parent_handle;
        memcpy(name, f->sealed.parent_name, f->sealed.parent_name_size);
        name_size = f->sealed.parent_name_size;
        r = name_size > 0 ? tpm_parent_check(t, handle, name, name_size) : -EKEYREVOKED;
        if (r == -EKEYREVOKED || r == -EBADMSG)
                r = tpm_parent_create(t, handle, name, &name_size, diag ? &diag->failure : NULL);
        if (r < 0)
                return r;
        /* Same generation: the recovery copy still matches. */
        r = seal_to_current(t, handle, name, name_size, amk, pcrs, pin, f, diag);
        if (r < 0)
                return r;
        return sealed_key_file_save(p.sealed, f);
}

int keys_rotate(const KeysConfig *c, const Secret *old_amk, const Secret *pin, const KeySink *sink,
                char ret_recovery[static RECOVERY_KEY_STRING_SIZE], KeysDiagnosis *diag)
{
        _cleanup_(tpm_context_freep) TpmContext *t = NULL;
        _cleanup_(secret_freep) Secret *amk = NULL, *vk = NULL;
        _cleanup_(keyset_freep) KeySet *old_keys = NULL, *new_keys = NULL;
        _cleanup_secmem_ uint8_t *tpm_rand = NULL;
        _cleanup_free_ SealedKeyFile *cur = calloc(1, sizeof *cur), *next = calloc(1, sizeof *next);
        RecoveryKeyFile rf;
        char text[RECOVERY_KEY_STRING_SIZE];
        bool resume = false, created_parent = false;
        uint32_t next_handle = 0;
        uint8_t name[TPM_NAME_MAX];
        size_t name_size = 0;
        Paths p;
        int r;

        diag_reset(diag);
        if (!cur || !next)
                return -ENOMEM;
        assert_return(old_amk && old_amk->size == AMK_SIZE && sink, -EINVAL);
        r = paths_get(c, &p);
        if (r < 0)
                return r;
        r = sealed_key_file_load(p.sealed, cur);
        if (r < 0)
                return r;
        /* VK stays: it is re-wrapped under the new AMK, never replaced. */
        r = volume_key_of(&p, old_amk, &vk);
        if (r < 0)
                return r;
        r = open_tpm(c, &t, diag);
        if (r < 0)
                return r;

        if (sealed_key_file_load(p.sealed_next, next) >= 0) {
                /* An interrupted rotation: some consumers may already use the
                 * pending AMK, so it must be resumed, never replaced. */
                r = unseal_file(t, next, pin, NULL, NULL, &amk, diag);
                if (r < 0)
                        return r;
                resume = true;
        } else {
                tpm_rand = secmem_alloc(AMK_SIZE);
                if (!tpm_rand)
                        return -ENOMEM;
                r = tpm_get_random(t, tpm_rand, AMK_SIZE);
                if (r < 0)
                        return r;
                r = amk_generate(tpm_rand, AMK_SIZE, &amk);
                if (r < 0)
                        return r;
                /* The new AMK goes under a new parent at the other handle;
                 * the old parent is evicted once the rotation commits. */
                next_handle = cur->sealed.parent_handle == TPM_PARENT_HANDLE_A ? TPM_PARENT_HANDLE_B
                                                                               : TPM_PARENT_HANDLE_A;
                r = tpm_parent_create(t, next_handle, name, &name_size, diag ? &diag->failure : NULL);
                if (r < 0)
                        return r;
                created_parent = true;
                randombytes_buf(next->generation, KEY_GENERATION_SIZE);
                r = seal_to_current(t, next_handle, name, name_size, amk, cur->pcrs, pin, next, diag);
                if (r >= 0)
                        r = volume_key_wrap(amk, next->generation, vk, &next->volume);
                if (r < 0)
                        goto fail;
        }
        r = new_recovery(amk, next->generation, vk, &rf, text);
        if (r < 0)
                goto fail;

        /* Phase 1: the pending AMK is durable before any consumer uses it. */
        if (!resume)
                r = sealed_key_file_save(p.sealed_next, next);
        if (r >= 0)
                r = recovery_key_file_save(p.recovery_next, &rf);
        if (r < 0)
                goto fail;

        /* Phase 2: every dependent is re-wrapped. VK is the same in both sets. */
        r = keyset_derive(old_amk, vk, &old_keys);
        if (r >= 0)
                r = keyset_derive(amk, vk, &new_keys);
        if (r >= 0)
                r = sink->rekey(sink->userdata, old_keys, new_keys);
        if (r < 0)
                goto fail;

        /* Phase 3: commit. The sealed file decides which AMK is current; the
         * recovery copy follows (a crash in between is finished by the next
         * rotate, which finds amk.recovery.next). */
        if (rename(p.sealed_next, p.sealed) < 0 || rename(p.recovery_next, p.recovery) < 0) {
                r = negative_errno();
                goto fail;
        }
        r = fsync_parent_dir(p.sealed);
        if (r < 0)
                goto fail;
        memcpy(ret_recovery, text, sizeof text);
        secmem_wipe(text, sizeof text);

        /* The old AMK is destroyed: its parent is evicted, so no copy of the
         * old amk.sealed (a backup, a disk image) opens again. */
        if (cur->sealed.parent_handle != next->sealed.parent_handle)
                return tpm_parent_destroy(t, cur->sealed.parent_handle, diag ? &diag->failure : NULL);
        return 0;

fail:
        /* Before the consumers were told (and when this was not already a
         * resumed rotation), nothing happened; otherwise the pending files
         * stay so that the next rotate resumes. */
        if (!new_keys && !resume) {
                (void)unlink(p.sealed_next);
                (void)unlink(p.recovery_next);
                if (created_parent)
                        (void)tpm_parent_destroy(t, next_handle, NULL);
        }
        secmem_wipe(text, sizeof text);
        return r;
}

int keys_status(const KeysConfig *c, KeysStatus *ret)
{
        _cleanup_(tpm_context_freep) TpmContext *t = NULL;
        _cleanup_free_ KeysStatus *s = calloc(1, sizeof *s);
        uint8_t current[PCR_COUNT][PCR_DIGEST_SIZE];
        Paths p;
        int r;

        if (!s)
                return -ENOMEM;
        r = paths_get(c, &p);
        if (r < 0)
                return r;
        r = sealed_key_file_load(p.sealed, &s->sealed);
        if (r < 0 && r != -ENOENT)
                return r;
        s->initialised = r >= 0;
        s->recovery_present = access(p.recovery, F_OK) == 0;
        s->rotation_pending = access(p.sealed_next, F_OK) == 0 || access(p.recovery_next, F_OK) == 0;
        if (tpm_context_new(c->tcti, &t) >= 0) {
                s->lockout_valid = tpm_lockout_info(t, &s->lockout) >= 0;
                s->tpm_present = s->lockout_valid;
                if (s->initialised)
                        s->parent_state = tpm_parent_check(t, s->sealed.sealed.parent_handle,
                                                           s->sealed.sealed.parent_name,
                                                           s->sealed.sealed.parent_name_size);
                if (s->initialised && tpm_pcr_read(t, s->sealed.pcrs, current) >= 0)
                        s->pcrs_differ = pcr_mask_differing(
                                s->sealed.pcrs, (const uint8_t(*)[PCR_DIGEST_SIZE])s->sealed.pcr_values,
                                (const uint8_t(*)[PCR_DIGEST_SIZE])current);
        }
        *ret = *s;
        return 0;
}

/* Overwrite a key file with random bytes before unlinking it. On flash and
 * journalling file systems the old blocks may survive; that is why the
 * sealed blob is useless without this TPM and why --tpm-clear exists. */
static int destroy_file(const char *path)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        uint8_t junk[512];

        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();
        if (fstat(fd, &st) >= 0 && S_ISREG(st.st_mode)) {
                for (off_t off = 0; off < st.st_size; off += (off_t)sizeof junk) {
                        randombytes_buf(junk, sizeof junk);
                        if (pwrite(fd, junk, (size_t)MIN((off_t)sizeof junk, st.st_size - off), off) < 0)
                                break;
                }
                (void)fsync(fd);
        }
        fd = safe_close(fd);
        return unlink_durable(path);
}

int keys_wipe(const KeysConfig *c, const KeySink *sink, bool clear_tpm, KeysDiagnosis *diag)
{
        Paths p;
        int r, first = 0;

        diag_reset(diag);
        r = paths_get(c, &p);
        if (r < 0)
                return r;
        if (sink) {
                r = sink->clear(sink->userdata);
                if (r < 0 && first == 0)
                        first = r;
        }
        const char *files[] = { p.sealed, p.sealed_next, p.recovery, p.recovery_next };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                r = destroy_file(files[i]);
                if (r < 0 && first == 0)
                        first = r;
        }
        {
                _cleanup_(tpm_context_freep) TpmContext *t = NULL;
                TpmFailure failure = TPM_FAILURE_NONE;

                /* Evicting the custody parents is what makes every copy of
                 * every sealed blob useless; TPM2_Clear does it for the whole
                 * owner hierarchy. */
                r = open_tpm(c, &t, diag);
                if (r >= 0)
                        r = tpm_parent_destroy(t, TPM_PARENT_HANDLE_A, &failure);
                if (r >= 0)
                        r = tpm_parent_destroy(t, TPM_PARENT_HANDLE_B, &failure);
                if (r >= 0 && clear_tpm)
                        r = tpm_clear(t, &failure);
                if (r < 0 && diag && failure != TPM_FAILURE_NONE)
                        diag->failure = failure;
                if (r < 0 && first == 0)
                        first = r;
        }
        return first;
}
