/* Peer identities: the device id and role carried in a certificate subject. */
#include <errno.h>
#include <string.h>

#include "lib/net/peer.h"

static const char *const role_names[_PEER_ROLE_MAX] = {
        [PEER_ROLE_CAMERA] = "camera",
        [PEER_ROLE_DESK] = "desk",
        [PEER_ROLE_APPLIANCE] = "appliance",
        [PEER_ROLE_HUB] = "hub",
};

const char *peer_role_to_string(PeerRole role)
{
        if (role < 0 || role >= _PEER_ROLE_MAX)
                return NULL;
        return role_names[role];
}

PeerRole peer_role_from_string(const char *s)
{
        if (!s)
                return PEER_ROLE_INVALID;
        for (int i = 0; i < _PEER_ROLE_MAX; i++)
                if (strcmp(s, role_names[i]) == 0)
                        return (PeerRole)i;
        return PEER_ROLE_INVALID;
}

bool peer_id_valid(const char *s)
{
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        if (n == 0 || n > PEER_ID_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                        return false;
        return true;
}

int peer_identity_from_subject(const char *cn, const char *ou, PeerIdentity *ret)
{
        PeerRole role;

        if (!peer_id_valid(cn))
                return -EBADMSG;
        role = peer_role_from_string(ou);
        if (role < 0)
                return -EBADMSG;

        memset(ret, 0, sizeof(*ret));
        strcpy(ret->id, cn);
        ret->role = role;
        return 0;
}
