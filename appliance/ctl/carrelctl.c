/* carrelctl: the security officer's and administrator's command line.
 * Each verb group lives in its own ctl-*.c; this file only dispatches. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "appliance/ctl/ctl-grant.h"
#include "appliance/ctl/ctl-policy.h"
#include "appliance/ctl/ctl-keys.h"
#include "appliance/ctl/ctl-pki.h"
#include "appliance/ctl/ctl-volume.h"
#include "appliance/ctl/verbs.h"
#include "lib/log.h"

#ifndef CARREL_VERSION
#define CARREL_VERSION "0.1"
#endif

static const struct {
        const char *name;
        int enabled;
        int implemented;
} components[] = {
        { "tpm-custody", CONFIG_TPM_CUSTODY, CONFIG_TPM_CUSTODY },
        { "kmod", CONFIG_KMOD, CONFIG_KMOD },
        { "recorder", CONFIG_RECORDER, 0 },
        { "circulation", CONFIG_CIRCULATION, 0 },
        { "hub", CONFIG_HUB, 0 },
        { "desk-client", CONFIG_DESK_CLIENT, 0 },
};

static int verb_version(int argc, char *argv[])
{
        printf("carrelctl %s\n", CARREL_VERSION);
        return 0;
}

/* What this build contains: every Kconfig component, whether it is switched
 * on, and whether it exists yet. */
static int verb_components(int argc, char *argv[])
{
        printf("%-14s %-9s %s\n", "COMPONENT", "CONFIG", "STATE");
        for (size_t i = 0; i < ELEMENTSOF(components); i++)
                printf("%-14s %-9s %s\n", components[i].name, components[i].enabled ? "on" : "off",
                       !components[i].enabled      ? "-"
                       : components[i].implemented ? "built"
                                                   : "not built yet");
        return 0;
}

static const Verb verbs[] = {
        { "version", 1, 1, verb_version, "print the version" },
        { "components", 1, 1, verb_components, "list the components of this build" },
        { "policy", 2, -1, verb_policy, "check, explain and show the GDPR policy" },
        { "grant", 2, -1, verb_grant, "request, approve, deny, revoke and list access grants" },
#if CONFIG_TPM_CUSTODY
        { "keys", 2, -1, verb_keys, "TPM key custody: init, unlock, reseal, rotate, status, wipe" },
#endif
        { "pki", 2, -1, verb_pki, "site CA, device enrolment and revocation" },
#if CONFIG_KMOD
        { "volume", 2, -1, verb_volume, "carrel_blk encrypted volumes (attach, unlock, status, ...)" },
#endif
};

int main(int argc, char *argv[])
{
        int r;

        log_set_ident("carrelctl");
        (void)log_parse_environment();

        r = verbs_dispatch("carrelctl", verbs, ELEMENTSOF(verbs), argc - 1, argv + 1);
        return r < 0 ? 1 : 0;
}
