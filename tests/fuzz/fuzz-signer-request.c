/* libFuzzer target: the request decoder of carrel-pki-signer, the process
 * that holds the CA key (appliance/pki/pki-signer.h). A decoded request
 * encodes back to the same bytes: nothing is accepted loosely. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/pki/pki-signer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t out[PKI_SIGNER_REQUEST_MAX];
        PkiSignerRequest req;
        int n;

        if (pki_signer_request_decode(data, size, &req) != 0)
                return 0;
        n = pki_signer_request_encode(&req, out);
        if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
                abort();
        return 0;
}
