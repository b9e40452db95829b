/* See grant-store.h. Dual control is enforced twice: here, before any
 * change, and by a CHECK constraint in the schema, so that no code path
 * (or hand-edited SQL) can record a grant decided by its own requester. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db.h"
#include "policy/grant-store.h"

struct GrantStore {
        sqlite3 *db;
};

static const DbMigration grant_migrations[] = {
        { 1, "CREATE TABLE grants ("
             "  id INTEGER PRIMARY KEY,"
             "  kind TEXT NOT NULL,"
             "  scope TEXT NOT NULL,"
             "  requester TEXT NOT NULL,"
             "  requester_role TEXT NOT NULL,"
             "  ticket TEXT NOT NULL,"
             "  duration INTEGER NOT NULL CHECK (duration > 0),"
             "  state TEXT NOT NULL CHECK (state IN ('pending','approved','denied','revoked','expired')),"
             "  requested_at INTEGER NOT NULL,"
             "  pending_until INTEGER NOT NULL,"
             "  decided_by TEXT,"
             "  decided_at INTEGER,"
             "  expires_at INTEGER,"
             "  closed_by TEXT,"
             "  closed_at INTEGER,"
             "  CHECK (decided_by IS NULL OR decided_by <> requester),"
             "  CHECK (state <> 'approved' OR (decided_by IS NOT NULL AND expires_at IS NOT NULL))"
             ");"
             "CREATE INDEX grants_by_requester ON grants (requester, state);"
             "CREATE INDEX grants_by_state ON grants (state);"
             "CREATE TABLE grant_audit ("
             "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
             "  at INTEGER NOT NULL,"
             "  grant_id INTEGER,"
             "  event TEXT NOT NULL,"
             "  actor TEXT NOT NULL,"
             "  role TEXT NOT NULL,"
             "  outcome TEXT NOT NULL"
             ");"
             /* Append-only: rows are written once and only retention deletes them. */
             "CREATE TRIGGER grant_audit_append_only BEFORE UPDATE ON grant_audit "
             "BEGIN SELECT RAISE(ABORT, 'grant audit is append-only'); END;" },
};

static const char *const state_names[_GRANT_STATE_MAX] = {
        [GRANT_PENDING] = "pending", [GRANT_APPROVED] = "approved", [GRANT_DENIED] = "denied",
        [GRANT_REVOKED] = "revoked", [GRANT_EXPIRED] = "expired",
};

const char *grant_state_to_string(GrantState s)
{
        return (unsigned)s < _GRANT_STATE_MAX ? state_names[s] : NULL;
}

static int grant_state_from_string(const char *s)
{
        for (int i = 0; s && i < _GRANT_STATE_MAX; i++)
                if (strcmp(state_names[i], s) == 0)
                        return i;
        return -EUCLEAN;
}

/* Opaque ids only: a bounded set of characters that cannot carry a
 * sentence, so nobody types a patron's name into an audit row by accident. */
static bool opaque_id_valid(const char *s, size_t max, const char *extra)
{
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      strchr(extra, c)))
                        return false;
        }
        return true;
}

static bool actor_valid(const GrantActor *a)
{
        return a && opaque_id_valid(a->user, GRANT_USER_MAX, "._@-") &&
               opaque_id_valid(a->role, POLICY_NAME_MAX, "_-") &&
               (!a->home || a->home[0] == '\0' || opaque_id_valid(a->home, POLICY_NAME_MAX, "_-")) &&
               strcmp(a->user, "system") != 0;
}

GrantStore *grant_store_close(GrantStore *s)
{
        if (s) {
                db_close(s->db);
                free(s);
        }
        return NULL;
}

int grant_store_open(const char *path, GrantStore **ret)
{
        _cleanup_db_ sqlite3 *db = NULL;
        GrantStore *s;
        int r;

        assert_return(path && ret, -EINVAL);
        /* Create it 0600 first (SQLite would use the umask): it names staff and
         * cases. The -wal and -shm files inherit the mode. */
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 && errno != EEXIST)
                return negative_errno();
        safe_close(fd);
        r = db_open(path, DB_OPEN_CREATE, &db);
        if (r < 0)
                return r;
        r = db_migrate(db, grant_migrations, ELEMENTSOF(grant_migrations));
        if (r < 0)
                return r;
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->db = TAKE_PTR(db);
        *ret = s;
        return 0;
}

static int prepare(GrantStore *s, const char *sql, sqlite3_stmt **ret)
{
        return errno_from_sqlite(sqlite3_prepare_v2(s->db, sql, -1, ret, NULL));
}

static int audit_add(GrantStore *s, usec_t now, int64_t id, const char *event, const char *actor,
                     const char *role, const char *outcome)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(
                s,
                "INSERT INTO grant_audit (at, grant_id, event, actor, role, outcome) VALUES (?,?,?,?,?,?);",
                &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
        if (id > 0)
                sqlite3_bind_int64(st, 2, id);
        sqlite3_bind_text(st, 3, event, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, outcome, -1, SQLITE_STATIC);
        r = db_step(st);
        return r < 0 ? r : 0;
}

/* Inside a transaction: record a refused attempt, commit that record (and
 * nothing else: nothing else was changed), and return the refusal. */
static int refuse(GrantStore *s, usec_t now, int64_t id, const char *event, const GrantActor *a,
                  const char *why, int error)
{
        int r;

        r = audit_add(s, now, id, event, a->user, a->role, why);
        if (r >= 0)
                r = db_commit(s->db);
        if (r < 0) {
                db_rollback(s->db);
                return r;
        }
        return error;
}

static void text_copy(char *dst, size_t size, sqlite3_stmt *st, int col)
{
        const unsigned char *t = sqlite3_column_text(st, col);
        snprintf(dst, size, "%s", t ? (const char *)t : "");
}

#define GRANT_COLUMNS                                                                         \
        "id, kind, scope, requester, requester_role, ticket, state, duration, requested_at, " \
        "pending_until, decided_by, decided_at, expires_at, closed_by, closed_at"

static int grant_from_row(sqlite3_stmt *st, Grant *ret)
{
        Grant g = { .id = sqlite3_column_int64(st, 0) };
        int state;

        text_copy(g.kind, sizeof g.kind, st, 1);
        text_copy(g.scope, sizeof g.scope, st, 2);
        text_copy(g.requester, sizeof g.requester, st, 3);
        text_copy(g.requester_role, sizeof g.requester_role, st, 4);
        text_copy(g.ticket, sizeof g.ticket, st, 5);
        state = grant_state_from_string((const char *)sqlite3_column_text(st, 6));
        if (state < 0)
                return state;
        g.state = (GrantState)state;
        g.duration = (usec_t)sqlite3_column_int64(st, 7);
        g.requested_at = (usec_t)sqlite3_column_int64(st, 8);
        g.pending_until = (usec_t)sqlite3_column_int64(st, 9);
        text_copy(g.decided_by, sizeof g.decided_by, st, 10);
        g.decided_at = (usec_t)sqlite3_column_int64(st, 11);
        g.expires_at = (usec_t)sqlite3_column_int64(st, 12);
        text_copy(g.closed_by, sizeof g.closed_by, st, 13);
        g.closed_at = (usec_t)sqlite3_column_int64(st, 14);
        *ret = g;
        return 0;
}

int grant_get(GrantStore *s, int64_t id, Grant *ret)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        assert_return(s && ret, -EINVAL);
        r = prepare(s, "SELECT " GRANT_COLUMNS " FROM grants WHERE id = ?;", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        r = db_step(st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        return grant_from_row(st, ret);
}

/* Inside a transaction: expire what is due, auditing each. */
static int expire_locked(GrantStore *s, usec_t now)
{
        _cleanup_stmt_ sqlite3_stmt *sel = NULL, *upd = NULL;
        int64_t ids[64];
        int n = 0, total = 0, r;

        /* In rounds, so that the SELECT is finished before rows change. */
        do {
                n = 0;
                sel = NULL;
                r = prepare(s,
                            "SELECT id FROM grants WHERE (state = 'approved' AND expires_at <= ?1)"
                            " OR (state = 'pending' AND pending_until <= ?1) ORDER BY id LIMIT 64;",
                            &sel);
                if (r < 0)
                        return r;
                sqlite3_bind_int64(sel, 1, (sqlite3_int64)now);
                while ((r = db_step(sel)) > 0)
                        ids[n++] = sqlite3_column_int64(sel, 0);
                if (r < 0)
                        return r;
                sqlite3_finalize(sel);
                sel = NULL;

                for (int i = 0; i < n; i++) {
                        upd = NULL;
                        r = prepare(s,
                                    "UPDATE grants SET state = 'expired', closed_by = 'system', closed_at = "
                                    "? WHERE id = ?;",
                                    &upd);
                        if (r < 0)
                                return r;
                        sqlite3_bind_int64(upd, 1, (sqlite3_int64)now);
                        sqlite3_bind_int64(upd, 2, ids[i]);
                        r = db_step(upd);
                        sqlite3_finalize(upd);
                        upd = NULL;
                        if (r < 0)
                                return r;
                        r = audit_add(s, now, ids[i], "expire", "system", "-", "ok");
                        if (r < 0)
                                return r;
                }
                total += n;
        } while (n == (int)ELEMENTSOF(ids));
        return total;
}

int grant_expire(GrantStore *s, usec_t now)
{
        int r, n;

        assert_return(s, -EINVAL);
        r = db_begin(s->db);
        if (r < 0)
                return r;
        n = expire_locked(s, now);
        if (n < 0) {
                db_rollback(s->db);
                return n;
        }
        r = db_commit(s->db);
        if (r < 0) {
                db_rollback(s->db);
                return r;
        }
        return n;
}

/* Resolve an actor against the policy. Returns 0, or -ENOENT when the role
 * or home scope is not in the policy (which the callers audit as refused). */
static int actor_resolve(const Policy *p, const GrantActor *a, PolicyActor *ret)
{
        int role = policy_role_lookup(p, a->role);
        int home = policy_scope_lookup(p, a->home ? a->home : "");

        if (role < 0 || home < 0)
                return -ENOENT;
        *ret = (PolicyActor){ .role = (PolicyRoleId)role, .home = (PolicyScopeId)home };
        return 0;
}

int grant_request(GrantStore *s, const Policy *p, const GrantActor *requester, const char *kind,
                  const char *scope, usec_t duration, const char *ticket, usec_t now, int64_t *ret_id)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        PolicyActor actor;
        int k, sc, r;
        int64_t id;

        assert_return(s && p && ret_id, -EINVAL);
        if (!actor_valid(requester) || !opaque_id_valid(kind, POLICY_NAME_MAX, "_-") ||
            !opaque_id_valid(scope, POLICY_NAME_MAX, "_-") ||
            !opaque_id_valid(ticket, GRANT_TICKET_MAX, "._:/#-") || duration == 0)
                return -EINVAL;

        r = db_begin(s->db);
        if (r < 0)
                return r;

        k = policy_grant_kind_lookup(p, kind);
        if (k < 0)
                return refuse(s, now, 0, "request", requester, "unknown-kind", -ENOENT);
        sc = policy_scope_lookup(p, scope);
        if (sc < 0)
                return refuse(s, now, 0, "request", requester, "unknown-scope", -ENOENT);
        if (actor_resolve(p, requester, &actor) < 0)
                return refuse(s, now, 0, "request", requester, "unknown-role", -EACCES);
        if (!policy_grant_may_request(p, (unsigned)k, actor.role, NULL) ||
            policy_check(p, actor, POLICY_OP_GRANT_REQUEST, (PolicyScopeId)sc, NULL) != POLICY_ALLOW)
                return refuse(s, now, 0, "request", requester, "role-may-not-request", -EACCES);
        if (duration > policy_grant_max_duration(p, (unsigned)k, NULL))
                return refuse(s, now, 0, "request", requester, "longer-than-max-duration", -ERANGE);

        r = prepare(s,
                    "INSERT INTO grants (kind, scope, requester, requester_role, ticket, duration, state,"
                    " requested_at, pending_until) VALUES (?,?,?,?,?,?,'pending',?,?);",
                    &st);
        if (r < 0)
                goto fail;
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, requester->user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, requester->role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, ticket, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)duration);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)(now + policy_grant_pending_timeout(p, (unsigned)k, NULL)));
        r = db_step(st);
        if (r < 0)
                goto fail;
        id = sqlite3_last_insert_rowid(s->db);
        r = audit_add(s, now, id, "request", requester->user, requester->role, "ok");
        if (r < 0)
                goto fail;
        r = db_commit(s->db);
        if (r < 0)
                goto fail;
        *ret_id = id;
        return 0;
fail:
        db_rollback(s->db);
        return r;
}

/* Open the transaction of a step on grant id: expire what is due, then load
 * it into *ret. A missing grant is refused (and audited). On any non-zero
 * return the transaction is already closed. */
static int grant_step_begin(GrantStore *s, int64_t id, usec_t now, const char *event, const GrantActor *a,
                            Grant *ret)
{
        int r;

        r = db_begin(s->db);
        if (r < 0)
                return r;
        r = expire_locked(s, now);
        if (r >= 0)
                r = grant_get(s, id, ret);
        if (r == -ENOENT)
                return refuse(s, now, 0, event, a, "no-such-grant", -ENOENT);
        if (r < 0) {
                db_rollback(s->db);
                return r;
        }
        return 0;
}

/* Run the step's prepared UPDATE, audit it as "ok" and commit; rolls back
 * on any failure. */
static int grant_step_finish(GrantStore *s, sqlite3_stmt *st, int64_t id, usec_t now, const char *event,
                             const GrantActor *a)
{
        int r;

        r = db_step(st);
        if (r >= 0)
                r = audit_add(s, now, id, event, a->user, a->role, "ok");
        if (r >= 0)
                r = db_commit(s->db);
        if (r < 0) {
                db_rollback(s->db);
                return r;
        }
        return 0;
}

/* Approve (true) or deny (false), see grant-store.h. */
static int grant_decide(GrantStore *s, const Policy *p, int64_t id, const GrantActor *approver, usec_t now,
                        bool approve)
{
        const char *event = approve ? "approve" : "deny";
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        PolicyActor actor;
        Grant g;
        int k, sc, r;
        usec_t duration;

        assert_return(s && p, -EINVAL);
        if (!actor_valid(approver) || id <= 0)
                return -EINVAL;

        r = grant_step_begin(s, id, now, event, approver, &g);
        if (r != 0)
                return r;
        if (g.state == GRANT_EXPIRED && g.decided_at == 0)
                return refuse(s, now, id, event, approver, "request-lapsed", -ETIME);
        if (g.state != GRANT_PENDING)
                return refuse(s, now, id, event, approver, "not-pending", -EALREADY);
        if (strcmp(g.requester, approver->user) == 0)
                return refuse(s, now, id, event, approver, "self-approval", -EPERM);
        k = policy_grant_kind_lookup(p, g.kind);
        sc = policy_scope_lookup(p, g.scope);
        if (k < 0 || sc < 0)
                return refuse(s, now, id, event, approver, "kind-or-scope-gone", -ENOENT);
        if (actor_resolve(p, approver, &actor) < 0)
                return refuse(s, now, id, event, approver, "unknown-role", -EACCES);
        if (!policy_grant_may_approve(p, (unsigned)k, actor.role, NULL) ||
            policy_check(p, actor, POLICY_OP_GRANT_APPROVE, (PolicyScopeId)sc, NULL) != POLICY_ALLOW)
                return refuse(s, now, id, event, approver, "role-may-not-approve", -EACCES);

        if (approve) {
                /* A policy reloaded since the request may have shortened MaxDuration. */
                duration = MIN(g.duration, policy_grant_max_duration(p, (unsigned)k, NULL));
                r = prepare(s,
                            "UPDATE grants SET state = 'approved', decided_by = ?, decided_at = ?, "
                            "expires_at = ?"
                            " WHERE id = ? AND state = 'pending';",
                            &st);
                if (r < 0)
                        goto fail;
                sqlite3_bind_int64(st, 3, (sqlite3_int64)(now + duration));
        } else {
                r = prepare(
                        s,
                        "UPDATE grants SET state = 'denied', decided_by = ?, decided_at = ?, closed_by = ?1,"
                        " closed_at = ?2 WHERE id = ?4 AND state = 'pending';",
                        &st);
                if (r < 0)
                        goto fail;
        }
        sqlite3_bind_text(st, 1, approver->user, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
        sqlite3_bind_int64(st, 4, id);
        return grant_step_finish(s, st, id, now, event, approver);
fail:
        db_rollback(s->db);
        return r;
}

int grant_approve(GrantStore *s, const Policy *p, int64_t id, const GrantActor *approver, usec_t now)
{
        return grant_decide(s, p, id, approver, now, true);
}

int grant_deny(GrantStore *s, const Policy *p, int64_t id, const GrantActor *approver, usec_t now)
{
        return grant_decide(s, p, id, approver, now, false);
}

int grant_revoke(GrantStore *s, const Policy *p, int64_t id, const GrantActor *actor_in, usec_t now)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        PolicyActor actor;
        Grant g;
        int k, sc, r;

        assert_return(s && p, -EINVAL);
        if (!actor_valid(actor_in) || id <= 0)
                return -EINVAL;

        r = grant_step_begin(s, id, now, "revoke", actor_in, &g);
        if (r != 0)
                return r;
        if (g.state != GRANT_PENDING && g.state != GRANT_APPROVED)
                return refuse(s, now, id, "revoke", actor_in, "not-active", -EALREADY);
        if (strcmp(g.requester, actor_in->user) != 0) {
                /* Someone else ends it: the same right as approving it. */
                k = policy_grant_kind_lookup(p, g.kind);
                sc = policy_scope_lookup(p, g.scope);
                if (actor_resolve(p, actor_in, &actor) < 0 || k < 0 || sc < 0 ||
                    !policy_grant_may_approve(p, (unsigned)k, actor.role, NULL) ||
                    policy_check(p, actor, POLICY_OP_GRANT_REVOKE, (PolicyScopeId)sc, NULL) != POLICY_ALLOW)
                        return refuse(s, now, id, "revoke", actor_in, "role-may-not-revoke", -EACCES);
        }

        r = prepare(s, "UPDATE grants SET state = 'revoked', closed_by = ?, closed_at = ? WHERE id = ?;",
                    &st);
        if (r < 0)
                goto fail;
        sqlite3_bind_text(st, 1, actor_in->user, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
        sqlite3_bind_int64(st, 3, id);
        return grant_step_finish(s, st, id, now, "revoke", actor_in);
fail:
        db_rollback(s->db);
        return r;
}

int grant_active(GrantStore *s, const Policy *p, const char *user, PolicyOp op, const char *scope,
                 usec_t now, int64_t *ret_id)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        assert_return(s && p && user && scope, -EINVAL);
        r = prepare(s,
                    "SELECT id, kind, scope FROM grants WHERE requester = ? AND state = 'approved'"
                    " AND expires_at > ? ORDER BY id;",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
        while ((r = db_step(st)) > 0) {
                const char *kind = (const char *)sqlite3_column_text(st, 1);
                const char *gscope = (const char *)sqlite3_column_text(st, 2);
                int k = policy_grant_kind_lookup(p, kind);

                if (k < 0 || !policy_grant_covers(p, (unsigned)k, op))
                        continue;
                if (!gscope || (strcmp(gscope, scope) != 0 && strcmp(gscope, "appliance") != 0))
                        continue;
                if (ret_id)
                        *ret_id = sqlite3_column_int64(st, 0);
                return 1;
        }
        return r;
}

int grant_foreach(GrantStore *s, GrantFn fn, void *userdata)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        Grant g;
        int r;

        assert_return(s && fn, -EINVAL);
        r = prepare(s, "SELECT " GRANT_COLUMNS " FROM grants ORDER BY id;", &st);
        if (r < 0)
                return r;
        while ((r = db_step(st)) > 0) {
                r = grant_from_row(st, &g);
                if (r < 0)
                        return r;
                r = fn(&g, userdata);
                if (r < 0)
                        return r;
        }
        return r;
}

int grant_audit_foreach(GrantStore *s, GrantAuditFn fn, void *userdata)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        assert_return(s && fn, -EINVAL);
        r = prepare(s,
                    "SELECT seq, at, grant_id, event, actor, role, outcome FROM grant_audit ORDER BY seq;",
                    &st);
        if (r < 0)
                return r;
        while ((r = db_step(st)) > 0) {
                GrantAuditEntry e = {
                        .seq = sqlite3_column_int64(st, 0),
                        .at = (usec_t)sqlite3_column_int64(st, 1),
                        .grant_id = sqlite3_column_int64(st, 2),
                        .event = (const char *)sqlite3_column_text(st, 3),
                        .actor = (const char *)sqlite3_column_text(st, 4),
                        .role = (const char *)sqlite3_column_text(st, 5),
                        .outcome = (const char *)sqlite3_column_text(st, 6),
                };
                r = fn(&e, userdata);
                if (r < 0)
                        return r;
        }
        return r;
}

int grant_purge(GrantStore *s, usec_t before)
{
        _cleanup_stmt_ sqlite3_stmt *a = NULL, *b = NULL;
        int r, n;

        assert_return(s, -EINVAL);
        r = db_begin(s->db);
        if (r < 0)
                return r;
        r = prepare(s, "DELETE FROM grants WHERE state IN ('denied','revoked','expired') AND closed_at < ?;",
                    &a);
        if (r < 0)
                goto fail;
        sqlite3_bind_int64(a, 1, (sqlite3_int64)before);
        r = db_step(a);
        if (r < 0)
                goto fail;
        n = sqlite3_changes(s->db);
        r = prepare(s, "DELETE FROM grant_audit WHERE at < ?;", &b);
        if (r < 0)
                goto fail;
        sqlite3_bind_int64(b, 1, (sqlite3_int64)before);
        r = db_step(b);
        if (r < 0)
                goto fail;
        n += sqlite3_changes(s->db);
        r = db_commit(s->db);
        if (r < 0)
                goto fail;
        return n;
fail:
        db_rollback(s->db);
        return r;
}
