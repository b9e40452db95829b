/* The policy in force for a service, reloaded on SIGHUP.
 *
 * A holder owns the current Policy. A reload reads the file again and, only
 * if the whole file is valid, swaps the new policy in atomically; otherwise
 * the old one stays in force and the error is reported to the caller's
 * callback (which logs it). Readers take a reference with
 * policy_holder_get(), so a request that started under the old policy
 * finishes under it even if a reload happens meanwhile. */
#pragma once

#include <stdint.h>

#include <systemd/sd-event.h>

#include "policy/policy.h"

typedef struct PolicyHolder PolicyHolder;

/* Called after each SIGHUP-triggered reload: r is 0 when the new policy is
 * in force, or a negative errno with err saying why the old one stays. */
typedef void (*PolicyReloadFn)(PolicyHolder *h, int r, const ConfigError *err, void *userdata);

/* Load path (which must be valid: a service does not start without a
 * policy). Returns 0 and the holder in *ret, or -errno with err filled. */
int policy_holder_new(const char *path, PolicyHolder **ret, ConfigError *err);
PolicyHolder *policy_holder_free(PolicyHolder *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(PolicyHolder *, policy_holder_free);
#define _cleanup_policy_holder_ _cleanup_(policy_holder_freep)

/* Reload on SIGHUP delivered to this process: blocks SIGHUP in the calling
 * thread (sd-event needs it blocked, so call this before starting other
 * threads) and adds a signal source to e. fn may be NULL. Returns 0 or -errno. */
int policy_holder_attach(PolicyHolder *h, sd_event *e, PolicyReloadFn fn, void *userdata);

/* Reload now. Returns 0 if the new policy is in force, or -errno with err
 * filled and the old policy still in force. */
int policy_holder_reload(PolicyHolder *h, ConfigError *err);

/* A new reference to the policy in force; policy_unref() it when done. */
Policy *policy_holder_get(PolicyHolder *h);

/* How many policies have been in force: 1 after policy_holder_new(), one
 * more for every successful reload. */
uint64_t policy_holder_generation(PolicyHolder *h);
