/* See tpm.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "appliance/keys/tpm.h"

struct TpmContext {
        TSS2_TCTI_CONTEXT *tcti;
        ESYS_CONTEXT *esys;
        TSS2_RC last_rc;
};

int tpm_errno_from_tss2(uint32_t rc, TpmFailure *ret_failure)
{
        TpmFailure f = TPM_FAILURE_OTHER;
        int r = -EIO;
        uint32_t layer = rc & TSS2_RC_LAYER_MASK;
        uint32_t base = rc & 0xffff;

        if (rc == TSS2_RC_SUCCESS) {
                if (ret_failure)
                        *ret_failure = TPM_FAILURE_NONE;
                return 0;
        }

        if (layer == TSS2_TPM_RC_LAYER || layer == TSS2_RESMGR_TPM_RC_LAYER) {
                /* Format-one codes carry a handle/session/parameter number in
                 * bits 8..11 (and the P bit): strip them to get the error. */
                uint32_t code = (base & TPM2_RC_FMT1) ? (base & (TPM2_RC_FMT1 | 0x3f)) : base;

                switch (code) {
                case TPM2_RC_AUTH_FAIL:
                case TPM2_RC_BAD_AUTH:
                        r = -EACCES, f = TPM_FAILURE_AUTH;
                        break;
                case TPM2_RC_LOCKOUT:
                        r = -EBUSY, f = TPM_FAILURE_LOCKOUT;
                        break;
                case TPM2_RC_POLICY_FAIL:
                case TPM2_RC_PCR_CHANGED:
                case TPM2_RC_VALUE:
                        r = -EPERM, f = TPM_FAILURE_POLICY;
                        break;
                case TPM2_RC_INTEGRITY:
                case TPM2_RC_BINDING:
                case TPM2_RC_SIZE:
                case TPM2_RC_KEY:
                        r = -EBADMSG, f = TPM_FAILURE_INTEGRITY;
                        break;
                case TPM2_RC_HANDLE:
                        r = -EKEYREVOKED, f = TPM_FAILURE_DESTROYED;
                        break;
                case TPM2_RC_OBJECT_MEMORY:
                case TPM2_RC_SESSION_MEMORY:
                case TPM2_RC_MEMORY:
                        r = -ENOSPC;
                        break;
                default:
                        break;
                }
        } else if (layer == TSS2_TCTI_RC_LAYER ||
                   (layer == TSS2_ESAPI_RC_LAYER &&
                    (base == TSS2_BASE_RC_IO_ERROR || base == TSS2_BASE_RC_NO_CONNECTION ||
                     base == TSS2_BASE_RC_NOT_IMPLEMENTED))) {
                r = -ENODEV, f = TPM_FAILURE_NO_TPM;
        } else if (base == TSS2_BASE_RC_MEMORY) {
                r = -ENOMEM;
        } else if (base == TSS2_BASE_RC_BAD_VALUE || base == TSS2_BASE_RC_BAD_REFERENCE) {
                r = -EINVAL;
        } else if (layer == TSS2_MU_RC_LAYER) {
                r = -EBADMSG, f = TPM_FAILURE_INTEGRITY;
        }
        if (ret_failure)
                *ret_failure = f;
        return r;
}

static _Thread_local TSS2_RC thread_last_rc;

uint32_t tpm_last_rc(void)
{
        return thread_last_rc;
}

/* Record rc on the context and translate it. */
static int tpm_check(TpmContext *t, TSS2_RC rc, TpmFailure *ret_failure)
{
        if (rc != TSS2_RC_SUCCESS)
                t->last_rc = thread_last_rc = rc;
        return tpm_errno_from_tss2(rc, ret_failure);
}

int tpm_context_new(const char *tcti, TpmContext **ret)
{
        TpmContext *t;
        TSS2_RC rc;

        assert_return(tcti && ret, -EINVAL);

        /* The TSS logs to stderr by default; the caller reports errors. */
        (void)setenv("TSS2_LOG", "all+none", 0);

        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        rc = Tss2_TctiLdr_Initialize(tcti, &t->tcti);
        if (rc != TSS2_RC_SUCCESS) {
                free(t);
                return -ENODEV;
        }
        rc = Esys_Initialize(&t->esys, t->tcti, NULL);
        if (rc != TSS2_RC_SUCCESS) {
                tpm_context_free(t);
                return -ENODEV;
        }
        *ret = t;
        return 0;
}

TpmContext *tpm_context_free(TpmContext *t)
{
        if (!t)
                return NULL;
        if (t->esys)
                Esys_Finalize(&t->esys);
        if (t->tcti)
                Tss2_TctiLdr_Finalize(&t->tcti);
        free(t);
        return NULL;
}

uint32_t tpm_context_last_rc(const TpmContext *t)
{
        return t ? t->last_rc : 0;
}

static void flush(TpmContext *t, ESYS_TR *h)
{
        if (*h != ESYS_TR_NONE) {
                (void)Esys_FlushContext(t->esys, *h);
                *h = ESYS_TR_NONE;
        }
}

static void selection_from_mask(PcrMask mask, TPML_PCR_SELECTION *ret)
{
        *ret = (TPML_PCR_SELECTION){
                .count = 1,
                .pcrSelections[0] = {
                        .hash = TPM2_ALG_SHA256,
                        .sizeofSelect = 3,
                        .pcrSelect = { mask & 0xff, (mask >> 8) & 0xff, (mask >> 16) & 0xff },
                },
        };
}

int tpm_pcr_read(TpmContext *t, PcrMask mask, uint8_t ret_values[][TPM_DIGEST_SIZE])
{
        unsigned k = 0;

        assert_return(t && ret_values, -EINVAL);

        /* TPM2_PCR_Read returns at most 8 digests per call: read one PCR at
         * a time, in ascending order, which also keeps the output order
         * independent of the TPM's choices. */
        for (unsigned i = 0; i < TPM_PCR_MAX; i++) {
                TPML_PCR_SELECTION sel, *sel_out = NULL;
                TPML_DIGEST *values = NULL;
                int r;

                if (!(mask & (1U << i)))
                        continue;
                selection_from_mask(1U << i, &sel);
                r = tpm_check(t,
                              Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, NULL,
                                            &sel_out, &values),
                              NULL);
                if (r < 0)
                        return r;
                if (values->count != 1 || values->digests[0].size != TPM_DIGEST_SIZE) {
                        Esys_Free(sel_out);
                        Esys_Free(values);
                        return -ENOTSUP; /* SHA-256 bank not allocated */
                }
                memcpy(ret_values[k++], values->digests[0].buffer, TPM_DIGEST_SIZE);
                Esys_Free(sel_out);
                Esys_Free(values);
        }
        return 0;
}

/* Carrel's storage primary: an ECC P-256 restricted decryption key with
 * AES-128-CFB, the TCG provisioning guidance SRK template (also what
 * systemd-cryptenroll uses), so that `tpm2_createprimary -G ecc256:aes128cfb`
 * with these attributes recreates the same key. */
static const TPM2B_PUBLIC primary_template = {
        .publicArea = {
                .type = TPM2_ALG_ECC,
                .nameAlg = TPM2_ALG_SHA256,
                .objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_FIXEDTPM |
                                    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                    TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA,
                .parameters.eccDetail = {
                        .symmetric = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB },
                        .scheme.scheme = TPM2_ALG_NULL,
                        .curveID = TPM2_ECC_NIST_P256,
                        .kdf.scheme = TPM2_ALG_NULL,
                },
        },
};

static const TPMT_SYM_DEF session_symmetric = {
        .algorithm = TPM2_ALG_AES,
        .keyBits.aes = 128,
        .mode.aes = TPM2_ALG_CFB,
};

static int create_primary(TpmContext *t, ESYS_TR *ret, uint8_t name[TPM_NAME_MAX], size_t *name_size,
                          TpmFailure *ret_failure)
{
        TPM2B_SENSITIVE_CREATE sensitive = { 0 };
        TPM2B_DATA outside = { 0 };
        TPML_PCR_SELECTION creation_pcr = { 0 };
        TPM2B_NAME *n = NULL;
        ESYS_TR h = ESYS_TR_NONE;
        int r;

        r = tpm_check(t,
                      Esys_CreatePrimary(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                         ESYS_TR_NONE, &sensitive, &primary_template, &outside,
                                         &creation_pcr, &h, NULL, NULL, NULL, NULL),
                      ret_failure);
        if (r < 0)
                return r;
        r = tpm_check(t, Esys_TR_GetName(t->esys, h, &n), ret_failure);
        if (r < 0) {
                flush(t, &h);
                return r;
        }
        if (n->size > TPM_NAME_MAX) {
                Esys_Free(n);
                flush(t, &h);
                return -EBADMSG;
        }
        memcpy(name, n->name, n->size);
        *name_size = n->size;
        Esys_Free(n);
        *ret = h;
        return 0;
}

/* A session salted with the primary key, so its session key is unknown to
 * anyone on the bus, with parameter encryption in the given directions. */
static int start_session(TpmContext *t, ESYS_TR primary, TPM2_SE type, TPMA_SESSION attrs, ESYS_TR *ret,
                         TpmFailure *ret_failure)
{
        ESYS_TR s = ESYS_TR_NONE;
        int r;

        r = tpm_check(t,
                      Esys_StartAuthSession(t->esys, primary, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                            ESYS_TR_NONE, NULL, type, &session_symmetric, TPM2_ALG_SHA256,
                                            &s),
                      ret_failure);
        if (r < 0)
                return r;
        r = tpm_check(t, Esys_TRSess_SetAttributes(t->esys, s, attrs, 0xff), ret_failure);
        if (r < 0) {
                flush(t, &s);
                return r;
        }
        *ret = s;
        return 0;
}

/* The custody parent: a restricted ECC P-256 decryption (storage) key like
 * the primary, but with its secret generated by the TPM's RNG instead of
 * derived from the owner seed, so it cannot be recreated once evicted. */
static const TPM2B_PUBLIC parent_template = {
        .publicArea = {
                .type = TPM2_ALG_ECC,
                .nameAlg = TPM2_ALG_SHA256,
                .objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_FIXEDTPM |
                                    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                    TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA,
                .parameters.eccDetail = {
                        .symmetric = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB },
                        .scheme.scheme = TPM2_ALG_NULL,
                        .curveID = TPM2_ECC_NIST_P256,
                        .kdf.scheme = TPM2_ALG_NULL,
                },
        },
};

static int get_name(TpmContext *t, ESYS_TR h, uint8_t name[TPM_NAME_MAX], size_t *name_size,
                    TpmFailure *ret_failure)
{
        TPM2B_NAME *n = NULL;
        int r;

        r = tpm_check(t, Esys_TR_GetName(t->esys, h, &n), ret_failure);
        if (r < 0)
                return r;
        if (n->size > TPM_NAME_MAX) {
                Esys_Free(n);
                return -EBADMSG;
        }
        memcpy(name, n->name, n->size);
        *name_size = n->size;
        Esys_Free(n);
        return 0;
}

/* An ESYS_TR for the persistent key at handle, checked against name when
 * name is non-NULL. -EKEYREVOKED when nothing is there. */
static int open_persistent(TpmContext *t, uint32_t handle, const uint8_t *name, size_t name_size,
                           ESYS_TR *ret, TpmFailure *ret_failure)
{
        uint8_t got[TPM_NAME_MAX];
        size_t got_size = 0;
        ESYS_TR h = ESYS_TR_NONE;
        int r;

        r = tpm_check(t,
                      Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &h),
                      ret_failure);
        if (r < 0)
                return r;
        if (name) {
                r = get_name(t, h, got, &got_size, ret_failure);
                if (r >= 0 && (got_size != name_size || memcmp(got, name, name_size) != 0)) {
                        if (ret_failure)
                                *ret_failure = TPM_FAILURE_INTEGRITY;
                        r = -EBADMSG;
                }
                if (r < 0) {
                        (void)Esys_TR_Close(t->esys, &h);
                        return r;
                }
        }
        *ret = h;
        return 0;
}

static void close_tr(TpmContext *t, ESYS_TR *h)
{
        if (*h != ESYS_TR_NONE) {
                (void)Esys_TR_Close(t->esys, h);
                *h = ESYS_TR_NONE;
        }
}

int tpm_parent_check(TpmContext *t, uint32_t handle, const uint8_t *name, size_t name_size)
{
        ESYS_TR h = ESYS_TR_NONE;
        int r;

        assert_return(t && name, -EINVAL);
        r = open_persistent(t, handle, name, name_size, &h, NULL);
        if (r < 0)
                return r;
        close_tr(t, &h);
        return 0;
}

int tpm_parent_destroy(TpmContext *t, uint32_t handle, TpmFailure *ret_failure)
{
        ESYS_TR h = ESYS_TR_NONE, out = ESYS_TR_NONE;
        int r;

        assert_return(t, -EINVAL);
        r = open_persistent(t, handle, NULL, 0, &h, ret_failure);
        if (r == -EKEYREVOKED) {
                if (ret_failure)
                        *ret_failure = TPM_FAILURE_NONE;
                return 0;
        }
        if (r < 0)
                return r;
        r = tpm_check(t,
                      Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, h, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                        ESYS_TR_NONE, handle, &out),
                      ret_failure);
        /* ESAPI keeps the (now dangling) object for the handle: drop it, or
         * a new key persisted at the same handle would not match it. */
        close_tr(t, &h);
        return r;
}

int tpm_parent_create(TpmContext *t, uint32_t handle, uint8_t ret_name[TPM_NAME_MAX], size_t *ret_name_size,
                      TpmFailure *ret_failure)
{
        TPM2B_SENSITIVE_CREATE sensitive = { 0 };
        TPM2B_DATA outside = { 0 };
        TPML_PCR_SELECTION creation_pcr = { 0 };
        TPM2B_PRIVATE *out_private = NULL;
        TPM2B_PUBLIC *out_public = NULL;
        ESYS_TR primary = ESYS_TR_NONE, session = ESYS_TR_NONE, loaded = ESYS_TR_NONE,
                persistent = ESYS_TR_NONE;
        uint8_t primary_name[TPM_NAME_MAX];
        size_t primary_name_size;
        int r;

        assert_return(t && ret_name && ret_name_size, -EINVAL);
        assert_return(handle == TPM_PARENT_HANDLE_A || handle == TPM_PARENT_HANDLE_B, -EINVAL);

        r = tpm_parent_destroy(t, handle, ret_failure);
        if (r < 0)
                return r;
        r = create_primary(t, &primary, primary_name, &primary_name_size, ret_failure);
        if (r < 0)
                goto finish;
        r = start_session(t, primary, TPM2_SE_HMAC, TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION,
                          &session, ret_failure);
        if (r < 0)
                goto finish;
        r = tpm_check(t,
                      Esys_Create(t->esys, primary, session, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive,
                                  &parent_template, &outside, &creation_pcr, &out_private, &out_public, NULL,
                                  NULL, NULL),
                      ret_failure);
        if (r < 0)
                goto finish;
        r = tpm_check(t,
                      Esys_Load(t->esys, primary, session, ESYS_TR_NONE, ESYS_TR_NONE, out_private,
                                out_public, &loaded),
                      ret_failure);
        if (r < 0)
                goto finish;
        flush(t, &session);
        flush(t, &primary);
        r = tpm_check(t,
                      Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, loaded, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                        ESYS_TR_NONE, handle, &persistent),
                      ret_failure);
        if (r < 0)
                goto finish;
        r = get_name(t, persistent, ret_name, ret_name_size, ret_failure);
        close_tr(t, &persistent);

finish:
        /* The parent's private blob is dropped here: only the persistent
         * copy inside the TPM exists. */
        if (out_private) {
                secmem_wipe(out_private, sizeof *out_private);
                Esys_Free(out_private);
        }
        Esys_Free(out_public);
        flush(t, &loaded);
        flush(t, &session);
        flush(t, &primary);
        return r;
}

int tpm_seal(TpmContext *t, uint32_t parent_handle, const uint8_t *parent_name, size_t parent_name_size,
             const uint8_t policy_digest[TPM_DIGEST_SIZE], const void *auth, size_t auth_size,
             const void *secret, size_t secret_size, TpmSealed *ret, TpmFailure *ret_failure)
{
        TPM2B_SENSITIVE_CREATE *sensitive = NULL;
        TPM2B_PUBLIC template = {
                .publicArea = {
                        .type = TPM2_ALG_KEYEDHASH,
                        .nameAlg = TPM2_ALG_SHA256,
                        /* No USERWITHAUTH: only the policy can authorise use.
                         * No NODA: wrong PINs count towards DA lockout. */
                        .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT,
                        .parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL,
                },
        };
        TPM2B_DATA outside = { 0 };
        TPML_PCR_SELECTION creation_pcr = { 0 };
        TPM2B_PRIVATE *out_private = NULL;
        TPM2B_PUBLIC *out_public = NULL;
        ESYS_TR parent = ESYS_TR_NONE, session = ESYS_TR_NONE;
        TpmSealed sealed = { 0 };
        size_t off;
        int r;

        assert_return(t && parent_name && policy_digest && secret && ret, -EINVAL);
        assert_return(parent_name_size > 0 && parent_name_size <= TPM_NAME_MAX, -EINVAL);
        assert_return(secret_size > 0 && secret_size <= sizeof(sensitive->sensitive.data.buffer), -EINVAL);
        assert_return(auth_size <= TPM_AUTH_MAX && (auth || auth_size == 0), -EINVAL);
        if (ret_failure)
                *ret_failure = TPM_FAILURE_OTHER;

        template.publicArea.authPolicy.size = TPM_DIGEST_SIZE;
        memcpy(template.publicArea.authPolicy.buffer, policy_digest, TPM_DIGEST_SIZE);

        /* The sensitive area holds the AMK and the PIN: locked memory. */
        sensitive = secmem_alloc(sizeof *sensitive);
        if (!sensitive)
                return -ENOMEM;
        sensitive->sensitive.data.size = (UINT16)secret_size;
        memcpy(sensitive->sensitive.data.buffer, secret, secret_size);
        sensitive->sensitive.userAuth.size = (UINT16)auth_size;
        if (auth_size)
                memcpy(sensitive->sensitive.userAuth.buffer, auth, auth_size);

        r = open_persistent(t, parent_handle, parent_name, parent_name_size, &parent, ret_failure);
        if (r < 0)
                goto finish;
        /* HMAC session for the parent's (empty) authorisation, salted with
         * the parent, carrying the sensitive area encrypted (DECRYPT =
         * command parameter encryption). */
        r = start_session(t, parent, TPM2_SE_HMAC,
                          TPMA_SESSION_DECRYPT | TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION,
                          &session, ret_failure);
        if (r < 0)
                goto finish;
        r = tpm_check(t,
                      Esys_Create(t->esys, parent, session, ESYS_TR_NONE, ESYS_TR_NONE, sensitive, &template,
                                  &outside, &creation_pcr, &out_private, &out_public, NULL, NULL, NULL),
                      ret_failure);
        if (r < 0)
                goto finish;

        off = 0;
        if (Tss2_MU_TPM2B_PUBLIC_Marshal(out_public, sealed.public_blob, sizeof sealed.public_blob, &off) !=
            TSS2_RC_SUCCESS) {
                r = -EBADMSG;
                goto finish;
        }
        sealed.public_size = off;
        off = 0;
        if (Tss2_MU_TPM2B_PRIVATE_Marshal(out_private, sealed.private_blob, sizeof sealed.private_blob,
                                          &off) != TSS2_RC_SUCCESS) {
                r = -EBADMSG;
                goto finish;
        }
        sealed.private_size = off;
        sealed.parent_handle = parent_handle;
        memcpy(sealed.parent_name, parent_name, parent_name_size);
        sealed.parent_name_size = parent_name_size;
        *ret = sealed;
        if (ret_failure)
                *ret_failure = TPM_FAILURE_NONE;
        r = 0;

finish:
        flush(t, &session);
        close_tr(t, &parent);
        Esys_Free(out_private);
        Esys_Free(out_public);
        secmem_free(sensitive);
        return r;
}

int tpm_unseal(TpmContext *t, const TpmSealed *sealed, PcrMask mask, const void *auth, size_t auth_size,
               Secret **ret, TpmFailure *ret_failure)
{
        TPM2B_PUBLIC in_public = { 0 };
        TPM2B_PRIVATE in_private = { 0 };
        TPML_PCR_SELECTION sel;
        TPM2B_DIGEST empty = { 0 };
        TPM2B_AUTH *object_auth = NULL;
        TPM2B_SENSITIVE_DATA *out = NULL;
        ESYS_TR parent = ESYS_TR_NONE, session = ESYS_TR_NONE, object = ESYS_TR_NONE;
        size_t off;
        Secret *s = NULL;
        int r;

        assert_return(t && sealed && ret, -EINVAL);
        assert_return(auth_size <= TPM_AUTH_MAX && (auth || auth_size == 0), -EINVAL);
        if (ret_failure)
                *ret_failure = TPM_FAILURE_OTHER;

        off = 0;
        if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(sealed->public_blob, sealed->public_size, &off, &in_public) !=
                    TSS2_RC_SUCCESS ||
            off != sealed->public_size)
                goto bad_blob;
        off = 0;
        if (Tss2_MU_TPM2B_PRIVATE_Unmarshal(sealed->private_blob, sealed->private_size, &off, &in_private) !=
                    TSS2_RC_SUCCESS ||
            off != sealed->private_size)
                goto bad_blob;

        r = open_persistent(t, sealed->parent_handle, sealed->parent_name, sealed->parent_name_size, &parent,
                            ret_failure);
        if (r < 0)
                goto finish;
        r = tpm_check(t,
                      Esys_Load(t->esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &in_private,
                                &in_public, &object),
                      ret_failure);
        if (r < 0)
                goto finish;

        /* Policy session salted with the parent; ENCRYPT protects the
         * unsealed data on the way back. */
        r = start_session(t, parent, TPM2_SE_POLICY, TPMA_SESSION_ENCRYPT, &session, ret_failure);
        if (r < 0)
                goto finish;

        selection_from_mask(mask, &sel);
        r = tpm_check(
                t, Esys_PolicyPCR(t->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &sel),
                ret_failure);
        if (r < 0)
                goto finish;
        if (auth) {
                r = tpm_check(
                        t, Esys_PolicyAuthValue(t->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE),
                        ret_failure);
                if (r < 0)
                        goto finish;
                object_auth = secmem_alloc(sizeof *object_auth);
                if (!object_auth) {
                        r = -ENOMEM;
                        goto finish;
                }
                object_auth->size = (UINT16)auth_size;
                memcpy(object_auth->buffer, auth, auth_size);
                r = tpm_check(t, Esys_TR_SetAuth(t->esys, object, object_auth), ret_failure);
                if (r < 0)
                        goto finish;
        }

        r = tpm_check(t, Esys_Unseal(t->esys, object, session, ESYS_TR_NONE, ESYS_TR_NONE, &out),
                      ret_failure);
        if (r < 0)
                goto finish; /* the session is still loaded: flushed below */
        session = ESYS_TR_NONE; /* not CONTINUESESSION: flushed by the TPM */

        r = secret_new(out->size, &s);
        if (r < 0)
                goto finish;
        memcpy(s->bytes, out->buffer, out->size);
        *ret = s;
        if (ret_failure)
                *ret_failure = TPM_FAILURE_NONE;
        r = 0;
        goto finish;

bad_blob:
        if (ret_failure)
                *ret_failure = TPM_FAILURE_INTEGRITY;
        r = -EBADMSG;
finish:
        if (out) {
                secmem_wipe(out, sizeof *out);
                Esys_Free(out);
        }
        if (object_auth) {
                /* Drop ESAPI's copy of the PIN as well. */
                TPM2B_AUTH none = { 0 };
                (void)Esys_TR_SetAuth(t->esys, object, &none);
                secmem_free(object_auth);
        }
        flush(t, &session);
        flush(t, &object);
        close_tr(t, &parent);
        return r;
}

static int get_property(TpmContext *t, TPM2_PT property, uint32_t *ret)
{
        TPMS_CAPABILITY_DATA *cap = NULL;
        TPMI_YES_NO more;
        int r;

        r = tpm_check(t,
                      Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                         TPM2_CAP_TPM_PROPERTIES, property, 1, &more, &cap),
                      NULL);
        if (r < 0)
                return r;
        if (cap->data.tpmProperties.count < 1 ||
            cap->data.tpmProperties.tpmProperty[0].property != property) {
                Esys_Free(cap);
                return -ENOTSUP;
        }
        *ret = cap->data.tpmProperties.tpmProperty[0].value;
        Esys_Free(cap);
        return 0;
}

int tpm_lockout_info(TpmContext *t, TpmLockoutInfo *ret)
{
        TpmLockoutInfo info = { 0 };
        uint32_t perm = 0;
        int r;

        assert_return(t && ret, -EINVAL);

        if ((r = get_property(t, TPM2_PT_LOCKOUT_COUNTER, &info.counter)) < 0 ||
            (r = get_property(t, TPM2_PT_MAX_AUTH_FAIL, &info.max_tries)) < 0 ||
            (r = get_property(t, TPM2_PT_LOCKOUT_INTERVAL, &info.interval_sec)) < 0 ||
            (r = get_property(t, TPM2_PT_LOCKOUT_RECOVERY, &info.recovery_sec)) < 0 ||
            (r = get_property(t, TPM2_PT_PERMANENT, &perm)) < 0)
                return r;
        info.in_lockout = (perm & TPMA_PERMANENT_INLOCKOUT) != 0;
        *ret = info;
        return 0;
}

int tpm_get_random(TpmContext *t, void *buf, size_t n)
{
        uint8_t *p = buf;

        assert_return(t && (buf || n == 0), -EINVAL);

        while (n > 0) {
                TPM2B_DIGEST *rnd = NULL;
                size_t k;
                int r;

                r = tpm_check(t,
                              Esys_GetRandom(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                             (UINT16)MIN(n, (size_t)32), &rnd),
                              NULL);
                if (r < 0)
                        return r;
                k = MIN((size_t)rnd->size, n);
                if (k == 0) {
                        Esys_Free(rnd);
                        return -EIO;
                }
                memcpy(p, rnd->buffer, k);
                secmem_wipe(rnd->buffer, rnd->size);
                Esys_Free(rnd);
                p += k;
                n -= k;
        }
        return 0;
}

int tpm_clear(TpmContext *t, TpmFailure *ret_failure)
{
        assert_return(t, -EINVAL);
        return tpm_check(
                t, Esys_Clear(t->esys, ESYS_TR_RH_LOCKOUT, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE),
                ret_failure);
}
