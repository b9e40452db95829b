/* Who is on the other end of a connection: a device id and a role, both taken
 * from the subject of a certificate that the site CA issued at pairing
 * (CN = device id, OU = role, O = "Carrel"). Never from anything the peer
 * says in a request. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum PeerRole {
        PEER_ROLE_CAMERA,
        PEER_ROLE_DESK,
        PEER_ROLE_APPLIANCE,
        PEER_ROLE_HUB,
        _PEER_ROLE_MAX,
        PEER_ROLE_INVALID = -EINVAL,
} PeerRole;

/* Device ids are 1..PEER_ID_MAX characters of [a-z0-9-], so they are safe
 * in logs, file names and certificate subjects. */
#define PEER_ID_MAX 63

typedef struct PeerIdentity {
        char id[PEER_ID_MAX + 1];
        PeerRole role;
} PeerIdentity;

/* "camera", "desk", "appliance", "hub"; NULL for anything else. */
const char *peer_role_to_string(PeerRole role);
/* The inverse; PEER_ROLE_INVALID (-EINVAL) for an unknown name. */
PeerRole peer_role_from_string(const char *s);

/* Whether s is a well-formed device id (see PEER_ID_MAX). */
bool peer_id_valid(const char *s);

/* Fill *ret from a certificate subject's CN and OU. Returns 0 or -EBADMSG
 * (bad id, unknown role); *ret untouched on failure. */
int peer_identity_from_subject(const char *cn, const char *ou, PeerIdentity *ret);
