/* appliance/keys/tpm: the one translation of TSS2 return codes. (The TPM
 * commands themselves are tested against swtpm in
 * tests/integration/test-keys.sh.) */
#include <errno.h>
#include <tss2/tss2_common.h>
#include <tss2/tss2_tcti.h>
#include <tss2/tss2_tpm2_types.h>

#include "appliance/keys/tpm.h"
#include "tests/unit/test.h"

static void expect(uint32_t rc, int r, TpmFailure f)
{
        TpmFailure got = 99;
        assert_int_equal(tpm_errno_from_tss2(rc, &got), r);
        assert_int_equal(got, f);
}

static void test_mapping(void **state)
{
        expect(TSS2_RC_SUCCESS, 0, TPM_FAILURE_NONE);
        /* Wrong PIN on session 1 of TPM2_Unseal: 0x98e. */
        expect(TPM2_RC_AUTH_FAIL | TPM2_RC_S | TPM2_RC_1, -EACCES, TPM_FAILURE_AUTH);
        expect(TPM2_RC_BAD_AUTH | TPM2_RC_S | TPM2_RC_2, -EACCES, TPM_FAILURE_AUTH);
        expect(TPM2_RC_LOCKOUT, -EBUSY, TPM_FAILURE_LOCKOUT);
        expect(TPM2_RC_POLICY_FAIL | TPM2_RC_S | TPM2_RC_1, -EPERM, TPM_FAILURE_POLICY);
        expect(TPM2_RC_VALUE | TPM2_RC_P | TPM2_RC_1, -EPERM, TPM_FAILURE_POLICY);
        expect(TPM2_RC_PCR_CHANGED, -EPERM, TPM_FAILURE_POLICY);
        expect(TPM2_RC_INTEGRITY | TPM2_RC_P | TPM2_RC_1, -EBADMSG, TPM_FAILURE_INTEGRITY);
        expect(TPM2_RC_OBJECT_MEMORY, -ENOSPC, TPM_FAILURE_OTHER);
        expect(TPM2_RC_HIERARCHY, -EIO, TPM_FAILURE_OTHER);
        /* The same codes relayed by a resource manager. */
        expect(TSS2_RESMGR_TPM_RC_LAYER | TPM2_RC_LOCKOUT, -EBUSY, TPM_FAILURE_LOCKOUT);
        /* No TPM: TCTI and ESAPI I/O errors. */
        expect(TSS2_TCTI_RC_IO_ERROR, -ENODEV, TPM_FAILURE_NO_TPM);
        expect(TSS2_TCTI_RC_NO_CONNECTION, -ENODEV, TPM_FAILURE_NO_TPM);
        expect(TSS2_ESAPI_RC_LAYER | TSS2_BASE_RC_IO_ERROR, -ENODEV, TPM_FAILURE_NO_TPM);
        expect(TSS2_ESAPI_RC_LAYER | TSS2_BASE_RC_MEMORY, -ENOMEM, TPM_FAILURE_OTHER);
        expect(TSS2_ESAPI_RC_LAYER | TSS2_BASE_RC_BAD_VALUE, -EINVAL, TPM_FAILURE_OTHER);
        expect(TSS2_MU_RC_LAYER | TSS2_BASE_RC_INSUFFICIENT_BUFFER, -EBADMSG, TPM_FAILURE_INTEGRITY);
        assert_int_equal(tpm_errno_from_tss2(TPM2_RC_LOCKOUT, NULL), -EBUSY);
}

static void test_no_tpm(void **state)
{
        TpmContext *t = (TpmContext *)0x1;

        setenv("TSS2_LOG", "all+none", 1);
        assert_int_equal(tpm_context_new("swtpm:path=/nonexistent/carrel-test.sock", &t), -ENODEV);
        assert_ptr_equal(t, (TpmContext *)0x1);
        assert_int_equal(tpm_context_new("no-such-tcti-module", &t), -ENODEV);
        assert_null(tpm_context_free(NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mapping),
                cmocka_unit_test(test_no_tpm),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
