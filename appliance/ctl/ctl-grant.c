/* carrelctl grant request|approve|deny|revoke|list|audit|expire|check.
 *
 * The acting user and role are given on the command line; carrelctl runs as
 * an administrator on the appliance, and the services that take grant
 * decisions over their sockets pass the authenticated peer instead. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appliance/ctl/ctl-grant.h"
#include "appliance/ctl/verbs.h"
#include "lib/log.h"
#include "policy/grant-store.h"
#include "policy/policy.h"

typedef struct GrantArgs {
        const char *db;
        const char *policy;
        const char *actor;
        const char *role;
        const char *home;
        const char *kind;
        const char *scope;
        const char *ticket;
        const char *duration;
        const char *op;
        int64_t id;
} GrantArgs;

/* Options shared by every grant verb; `n_pos` positional arguments (the
 * grant id) are expected after the verb. Returns 0 or -EINVAL. */
static int grant_args_parse(int argc, char *argv[], unsigned n_pos, GrantArgs *a)
{
        static const struct option options[] = {
                { "db", required_argument, NULL, 'd' },
                { "policy", required_argument, NULL, 'p' },
                { "actor", required_argument, NULL, 'a' },
                { "role", required_argument, NULL, 'r' },
                { "home", required_argument, NULL, 'h' },
                { "kind", required_argument, NULL, 'k' },
                { "scope", required_argument, NULL, 's' },
                { "ticket", required_argument, NULL, 't' },
                { "duration", required_argument, NULL, 'D' },
                { "op", required_argument, NULL, 'o' },
                {},
        };
        int c;

        *a = (GrantArgs){ .db = GRANT_DEFAULT_DB, .policy = POLICY_DEFAULT_PATH, .scope = "appliance" };
        optind = 0;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        a->db = optarg;
                        break;
                case 'p':
                        a->policy = optarg;
                        break;
                case 'a':
                        a->actor = optarg;
                        break;
                case 'r':
                        a->role = optarg;
                        break;
                case 'h':
                        a->home = optarg;
                        break;
                case 'k':
                        a->kind = optarg;
                        break;
                case 's':
                        a->scope = optarg;
                        break;
                case 't':
                        a->ticket = optarg;
                        break;
                case 'D':
                        a->duration = optarg;
                        break;
                case 'o':
                        a->op = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        }
        if ((unsigned)(argc - optind) != n_pos) {
                fprintf(stderr, "carrelctl grant %s: wrong number of arguments\n", argv[0]);
                return -EINVAL;
        }
        if (n_pos == 1) {
                char *end;
                errno = 0;
                long long v = strtoll(argv[optind], &end, 10);
                if (errno != 0 || *end != '\0' || v <= 0) {
                        fprintf(stderr, "carrelctl grant %s: ID must be a positive number\n", argv[0]);
                        return -EINVAL;
                }
                a->id = v;
        }
        return 0;
}

static int need(const char *verb, const char *value, const char *option)
{
        if (value)
                return 0;
        fprintf(stderr, "carrelctl grant %s: %s is required\n", verb, option);
        return -EINVAL;
}

static int open_policy_and_store(const GrantArgs *a, bool want_policy, Policy **ret_policy,
                                 GrantStore **ret_store)
{
        ConfigError err;
        int r;

        if (want_policy) {
                r = policy_load_file(a->policy, ret_policy, &err);
                if (r < 0) {
                        if (err.line > 0)
                                fprintf(stderr, "%s:%u: %s\n", err.file, err.line, err.message);
                        else
                                fprintf(stderr, "%s: %s\n", err.file, err.message);
                        return r;
                }
        }
        r = grant_store_open(a->db, ret_store);
        if (r < 0) {
                fprintf(stderr, "carrelctl grant: cannot open %s: %s\n", a->db, strerror(-r));
                return r;
        }
        return 0;
}

/* For the verbs that take only the common options and read the store. */
static int store_from_args(int argc, char *argv[], GrantStore **ret)
{
        GrantArgs a;
        int r;

        r = grant_args_parse(argc, argv, 0, &a);
        if (r < 0)
                return r;
        return open_policy_and_store(&a, false, NULL, ret);
}

static int refusal(const char *verb, int r)
{
        const char *why;

        switch (r) {
        case -EPERM:
                why = "refused: a requester cannot decide their own grant (dual control)";
                break;
        case -EACCES:
                why = "refused: the policy does not give this role that right";
                break;
        case -ERANGE:
                why = "refused: longer than the grant kind's MaxDuration";
                break;
        case -EALREADY:
                why = "refused: the grant is not in a state that allows this";
                break;
        case -ETIME:
                why = "refused: the request lapsed before anyone decided it";
                break;
        case -ENOENT:
                why = "no such grant, grant kind or scope";
                break;
        case -EINVAL:
                why = "malformed user, role, scope, ticket or duration";
                break;
        default:
                why = strerror(-r);
        }
        fprintf(stderr, "carrelctl grant %s: %s\n", verb, why);
        return r;
}

static const char *format_time(char *buf, size_t size, usec_t t)
{
        time_t sec = (time_t)(t / USEC_PER_SEC);
        struct tm tm;

        if (t == 0 || !gmtime_r(&sec, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, size, "-");
        return buf;
}

static int verb_request(int argc, char *argv[])
{
        _cleanup_policy_ Policy *p = NULL;
        _cleanup_grant_store_ GrantStore *s = NULL;
        GrantArgs a;
        usec_t duration;
        int64_t id;
        int r;

        r = grant_args_parse(argc, argv, 0, &a);
        if (r < 0)
                return r;
        if (need("request", a.actor, "--actor") < 0 || need("request", a.role, "--role") < 0 ||
            need("request", a.kind, "--kind") < 0 || need("request", a.duration, "--duration") < 0 ||
            need("request", a.ticket, "--ticket") < 0)
                return -EINVAL;
        r = parse_duration(a.duration, &duration);
        if (r < 0) {
                fprintf(stderr, "carrelctl grant request: bad --duration (e.g. 2h, 30min)\n");
                return r;
        }
        r = open_policy_and_store(&a, true, &p, &s);
        if (r < 0)
                return r;
        r = grant_request(s, p, &(GrantActor){ a.actor, a.role, a.home }, a.kind, a.scope, duration,
                          a.ticket, now_realtime_usec(), &id);
        if (r < 0)
                return refusal("request", r);
        printf("%" PRId64 "\n", id);
        return 0;
}

static int decide(int argc, char *argv[],
                  int (*fn)(GrantStore *, const Policy *, int64_t, const GrantActor *, usec_t))
{
        _cleanup_policy_ Policy *p = NULL;
        _cleanup_grant_store_ GrantStore *s = NULL;
        GrantArgs a;
        int r;

        r = grant_args_parse(argc, argv, 1, &a);
        if (r < 0)
                return r;
        if (need(argv[0], a.actor, "--actor") < 0 || need(argv[0], a.role, "--role") < 0)
                return -EINVAL;
        r = open_policy_and_store(&a, true, &p, &s);
        if (r < 0)
                return r;
        r = fn(s, p, a.id, &(GrantActor){ a.actor, a.role, a.home }, now_realtime_usec());
        if (r < 0)
                return refusal(argv[0], r);
        return 0;
}

static int verb_approve(int argc, char *argv[])
{
        return decide(argc, argv, grant_approve);
}

static int verb_deny(int argc, char *argv[])
{
        return decide(argc, argv, grant_deny);
}

static int verb_revoke(int argc, char *argv[])
{
        return decide(argc, argv, grant_revoke);
}

static int list_one(const Grant *g, void *userdata)
{
        char req[32], exp[32];

        printf("%-5" PRId64 " %-9s %-12s %-10s %-16s %-10s %-20s %-20s %s\n", g->id,
               grant_state_to_string(g->state), g->kind, g->scope, g->requester, g->requester_role,
               format_time(req, sizeof req, g->requested_at), format_time(exp, sizeof exp, g->expires_at),
               g->decided_by[0] ? g->decided_by : "-");
        return 0;
}

static int verb_list(int argc, char *argv[])
{
        _cleanup_grant_store_ GrantStore *s = NULL;
        int r;

        r = store_from_args(argc, argv, &s);
        if (r < 0)
                return r;
        /* Show the truth: what is past its time is expired, and audited so. */
        r = grant_expire(s, now_realtime_usec());
        if (r < 0)
                return refusal("list", r);
        printf("%-5s %-9s %-12s %-10s %-16s %-10s %-20s %-20s %s\n", "ID", "STATE", "KIND", "SCOPE",
               "REQUESTER", "ROLE", "REQUESTED", "EXPIRES", "DECIDED-BY");
        r = grant_foreach(s, list_one, NULL);
        return r < 0 ? refusal("list", r) : 0;
}

static int audit_one(const GrantAuditEntry *e, void *userdata)
{
        char at[32];

        printf("%-6" PRId64 " %-20s %-6" PRId64 " %-8s %-16s %-10s %s\n", e->seq,
               format_time(at, sizeof at, e->at), e->grant_id, e->event, e->actor, e->role, e->outcome);
        return 0;
}

static int verb_audit(int argc, char *argv[])
{
        _cleanup_grant_store_ GrantStore *s = NULL;
        int r;

        r = store_from_args(argc, argv, &s);
        if (r < 0)
                return r;
        printf("%-6s %-20s %-6s %-8s %-16s %-10s %s\n", "SEQ", "AT", "GRANT", "EVENT", "ACTOR", "ROLE",
               "OUTCOME");
        r = grant_audit_foreach(s, audit_one, NULL);
        return r < 0 ? refusal("audit", r) : 0;
}

static int verb_expire(int argc, char *argv[])
{
        _cleanup_grant_store_ GrantStore *s = NULL;
        int r;

        r = store_from_args(argc, argv, &s);
        if (r < 0)
                return r;
        r = grant_expire(s, now_realtime_usec());
        if (r < 0)
                return refusal("expire", r);
        printf("%d expired\n", r);
        return 0;
}

/* Exit 0 and print the grant id if the user holds an active grant for op. */
static int verb_check(int argc, char *argv[])
{
        _cleanup_policy_ Policy *p = NULL;
        _cleanup_grant_store_ GrantStore *s = NULL;
        GrantArgs a;
        int64_t id;
        int op, r;

        r = grant_args_parse(argc, argv, 0, &a);
        if (r < 0)
                return r;
        if (need("check", a.actor, "--actor") < 0 || need("check", a.op, "--op") < 0)
                return -EINVAL;
        op = policy_op_from_string(a.op);
        if (op < 0) {
                fprintf(stderr, "carrelctl grant check: unknown operation\n");
                return op;
        }
        r = open_policy_and_store(&a, true, &p, &s);
        if (r < 0)
                return r;
        r = grant_active(s, p, a.actor, op, a.scope, now_realtime_usec(), &id);
        if (r < 0)
                return refusal("check", r);
        if (r == 0) {
                fprintf(stderr, "carrelctl grant check: no active grant\n");
                return -EACCES;
        }
        printf("active grant %" PRId64 "\n", id);
        return 0;
}

int verb_grant(int argc, char *argv[])
{
        static const Verb verbs[] = {
                { "request", 1, -1, verb_request,
                  "--actor U --role R --kind K --duration D --ticket T [--scope S]" },
                { "approve", 2, -1, verb_approve, "ID --actor U --role R: approve (not your own)" },
                { "deny", 2, -1, verb_deny, "ID --actor U --role R: deny a pending request" },
                { "revoke", 2, -1, verb_revoke, "ID --actor U --role R: end a grant now" },
                { "list", 1, -1, verb_list, "[--db PATH]: every grant and its state" },
                { "audit", 1, -1, verb_audit, "[--db PATH]: the grant audit trail" },
                { "expire", 1, -1, verb_expire, "[--db PATH]: expire what is due" },
                { "check", 1, -1, verb_check, "--actor U --op OP [--scope S]: is a grant active?" },
        };

        return verbs_dispatch("carrelctl grant", verbs, ELEMENTSOF(verbs), argc - 1, argv + 1);
}
