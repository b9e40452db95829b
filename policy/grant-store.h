/* Dual-control access grants, kept in SQLite.
 *
 * Some operations (the default policy: viewing or exporting camera
 * recordings) are allowed only while the actor holds an approved grant. A
 * grant is requested by one person and approved or denied by another who
 * holds the approve right for its kind; it lasts at most the kind's
 * MaxDuration from approval, can be revoked at any time, and expires by
 * itself. A request nobody decides lapses after the kind's PendingTimeout.
 *
 *   pending --approve--> approved --(expires_at)--> expired
 *      |  \--deny-----> denied        \--revoke--> revoked
 *      \--revoke (withdrawn) / (pending_until) --> revoked / expired
 *
 * Every step, including every refused attempt, appends a row to an
 * append-only audit table: time, grant id, event, acting user and role and
 * the outcome. Tickets and users are opaque ids; no personal data of
 * patrons is stored here. Time always comes from the caller (`now`, in
 * CLOCK_REALTIME microseconds) so that expiry is testable and a service can
 * use one clock for a whole request. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/time-util.h"
#include "policy/policy.h"

#define GRANT_USER_MAX 64
#define GRANT_TICKET_MAX 64
#define GRANT_DEFAULT_DB "/var/lib/carrel/grants.db"

typedef enum GrantState {
        GRANT_PENDING,
        GRANT_APPROVED,
        GRANT_DENIED,
        GRANT_REVOKED,
        GRANT_EXPIRED,
        _GRANT_STATE_MAX,
} GrantState;

/* Who acts: an opaque user id, their role and home scope names in the
 * policy (home NULL or "" for the appliance). */
typedef struct GrantActor {
        const char *user;
        const char *role;
        const char *home;
} GrantActor;

typedef struct Grant {
        int64_t id;
        char kind[POLICY_NAME_MAX + 1];
        char scope[POLICY_NAME_MAX + 1];
        char requester[GRANT_USER_MAX + 1];
        char requester_role[POLICY_NAME_MAX + 1];
        char ticket[GRANT_TICKET_MAX + 1];
        GrantState state;
        usec_t duration;
        usec_t requested_at;
        usec_t pending_until;
        char decided_by[GRANT_USER_MAX + 1]; /* "" until approved or denied */
        usec_t decided_at;
        usec_t expires_at; /* 0 unless approved */
        char closed_by[GRANT_USER_MAX + 1];
        usec_t closed_at;
} Grant;

typedef struct GrantAuditEntry {
        int64_t seq;
        usec_t at;
        int64_t grant_id; /* 0 when the request never became a grant */
        const char *event; /* request, approve, deny, revoke, expire */
        const char *actor; /* user id, or "system" */
        const char *role;
        const char *outcome; /* "ok" or the reason for a refusal */
} GrantAuditEntry;

typedef struct GrantStore GrantStore;

const char *grant_state_to_string(GrantState s);

/* Open (creating and migrating) the grant database at path. Returns 0 and
 * the store in *ret, or -errno (-EPROTONOSUPPORT for a newer schema). */
int grant_store_open(const char *path, GrantStore **ret);
GrantStore *grant_store_close(GrantStore *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(GrantStore *, grant_store_close);
#define _cleanup_grant_store_ _cleanup_(grant_store_closep)

/* Ask for a grant of `kind` over `scope` for `duration`, citing `ticket`
 * (an opaque case reference, [A-Za-z0-9._:/#-]). Refused: -EINVAL (a
 * malformed id or duration 0), -ENOENT (unknown kind or scope), -EACCES (the
 * role may not request this kind here), -ERANGE (longer than MaxDuration).
 * Returns 0 and the new grant id in *ret_id. */
int grant_request(GrantStore *s, const Policy *p, const GrantActor *requester, const char *kind,
                  const char *scope, usec_t duration, const char *ticket, usec_t now, int64_t *ret_id);

/* Approve or deny a pending grant. The approver must not be the requester
 * (-EPERM), must hold grant.approve for the grant's scope and be one of the
 * kind's ApproveRoles (-EACCES). A grant that is not pending is refused with
 * -EALREADY, one whose request lapsed with -ETIME, an unknown id with
 * -ENOENT. Approval starts the clock: the grant expires at now + duration
 * (capped by the current MaxDuration). */
int grant_approve(GrantStore *s, const Policy *p, int64_t id, const GrantActor *approver, usec_t now);
int grant_deny(GrantStore *s, const Policy *p, int64_t id, const GrantActor *approver, usec_t now);

/* End a pending or approved grant now. The requester may withdraw their own;
 * anyone else needs grant.revoke and to be one of the kind's ApproveRoles
 * (-EACCES). Not pending or approved: -EALREADY. */
int grant_revoke(GrantStore *s, const Policy *p, int64_t id, const GrantActor *actor, usec_t now);

/* Move every approved grant past its expiry, and every pending request past
 * its deadline, to "expired", auditing each. Returns how many. */
int grant_expire(GrantStore *s, usec_t now);

/* Does `user` hold an approved, unexpired grant whose kind (in the current
 * policy) covers op, over `scope` or over the whole appliance? Returns 1 and
 * the grant id in *ret_id (may be NULL), 0 if not, or -errno. */
int grant_active(GrantStore *s, const Policy *p, const char *user, PolicyOp op, const char *scope,
                 usec_t now, int64_t *ret_id);

/* One grant by id: 0, or -ENOENT. */
int grant_get(GrantStore *s, int64_t id, Grant *ret);

/* Every grant in id order, then every audit row in sequence order. The
 * callback returns 0 to go on or a negative errno to stop with it. */
typedef int (*GrantFn)(const Grant *g, void *userdata);
typedef int (*GrantAuditFn)(const GrantAuditEntry *e, void *userdata);
int grant_foreach(GrantStore *s, GrantFn fn, void *userdata);
int grant_audit_foreach(GrantStore *s, GrantAuditFn fn, void *userdata);

/* Retention: delete grants closed, and audit rows written, before `before`
 * (callers pass now - policy_retention(ACCESS_AUDIT)). Returns rows deleted. */
int grant_purge(GrantStore *s, usec_t before);
