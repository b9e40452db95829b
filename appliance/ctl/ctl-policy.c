/* carrelctl policy check|explain|show. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "appliance/ctl/ctl-policy.h"
#include "appliance/ctl/verbs.h"
#include "lib/log.h"
#include "policy/policy-explain.h"
#include "policy/policy.h"

/* "FILE:LINE: message" (or "FILE: message"), the form editors jump to. */
static void config_error_print(const ConfigError *err)
{
        if (err->line > 0)
                fprintf(stderr, "%s:%u: %s\n", err->file, err->line, err->message);
        else
                fprintf(stderr, "%s: %s\n", err->file, err->message);
}

/* Load a policy for a verb; on failure print the error and return it. */
static int policy_load_or_complain(const char *path, Policy **ret)
{
        ConfigError err;
        int r;

        r = policy_load_file(path, ret, &err);
        if (r < 0)
                config_error_print(&err);
        return r;
}

static int verb_check(int argc, char *argv[])
{
        _cleanup_policy_ Policy *p = NULL;
        int r;

        r = policy_load_or_complain(argv[1], &p);
        if (r < 0)
                return r;
        printf("%s: ok (%u roles, %u scopes, %u grant kinds)\n", argv[1], policy_n_roles(p),
               policy_n_scopes(p) - 1, policy_n_grant_kinds(p));
        return 0;
}

static int verb_explain(int argc, char *argv[])
{
        static const struct option options[] = {
                { "actor", required_argument, NULL, 'a' },  { "op", required_argument, NULL, 'o' },
                { "field", required_argument, NULL, 'f' },  { "scope", required_argument, NULL, 's' },
                { "policy", required_argument, NULL, 'p' }, {},
        };
        const char *arg_actor = NULL, *arg_op = NULL, *arg_field = NULL, *arg_scope = NULL;
        const char *arg_policy = POLICY_DEFAULT_PATH;
        _cleanup_policy_ Policy *p = NULL;
        PolicyQuery q = { .field = -1 };
        PolicyExplanation e;
        char role[POLICY_NAME_MAX + 1];
        const char *at;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case 'a':
                        arg_actor = optarg;
                        break;
                case 'o':
                        arg_op = optarg;
                        break;
                case 'f':
                        arg_field = optarg;
                        break;
                case 's':
                        arg_scope = optarg;
                        break;
                case 'p':
                        arg_policy = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        }
        if (optind != argc || !arg_actor || !arg_op) {
                fprintf(stderr, "Usage: carrelctl policy explain --actor ROLE[@HOME] --op OP [--field F] "
                                "[--scope S] [--policy FILE]\n");
                return -EINVAL;
        }

        r = policy_load_or_complain(arg_policy, &p);
        if (r < 0)
                return r;

        /* ROLE@HOME: the actor's role and the branch they work in. */
        at = strchr(arg_actor, '@');
        if (strlen(arg_actor) > POLICY_NAME_MAX * 2 + 1 ||
            (at && (size_t)(at - arg_actor) > POLICY_NAME_MAX)) {
                fprintf(stderr, "carrelctl policy explain: --actor too long\n");
                return -EINVAL;
        }
        snprintf(role, sizeof role, "%.*s", at ? (int)(at - arg_actor) : (int)strlen(arg_actor), arg_actor);
        r = policy_role_lookup(p, role);
        if (r < 0) {
                fprintf(stderr, "carrelctl policy explain: no such role in %s\n", arg_policy);
                return r;
        }
        q.actor.role = (PolicyRoleId)r;
        r = policy_scope_lookup(p, at ? at + 1 : "");
        if (r < 0) {
                fprintf(stderr, "carrelctl policy explain: no such home scope in %s\n", arg_policy);
                return r;
        }
        q.actor.home = (PolicyScopeId)r;

        r = policy_op_from_string(arg_op);
        if (r < 0) {
                fprintf(stderr, "carrelctl policy explain: unknown operation (see docs/policy.md)\n");
                return r;
        }
        q.op = (PolicyOp)r;

        /* Without --scope, a record in the actor's own home scope. */
        r = arg_scope ? policy_scope_lookup(p, arg_scope) : q.actor.home;
        if (r < 0) {
                fprintf(stderr, "carrelctl policy explain: no such scope in %s\n", arg_policy);
                return r;
        }
        q.scope = (PolicyScopeId)r;

        if (arg_field) {
                r = patron_field_from_string(arg_field);
                if (r < 0) {
                        fprintf(stderr, "carrelctl policy explain: unknown field (see docs/policy.md)\n");
                        return r;
                }
                q.field = r;
        }

        r = policy_explain(p, &q, &e);
        if (r < 0) {
                fprintf(stderr, "carrelctl policy explain: invalid query\n");
                return r;
        }
        return policy_explanation_print(p, &q, &e, stdout);
}

/* The whole compiled policy, as tables: what a reviewer signs off. */
static int verb_show(int argc, char *argv[])
{
        const char *path = argc > 1 ? argv[1] : POLICY_DEFAULT_PATH;
        _cleanup_policy_ Policy *p = NULL;
        unsigned n_roles;
        int r;

        r = policy_load_or_complain(path, &p);
        if (r < 0)
                return r;
        n_roles = policy_n_roles(p);

        printf("%-22s", "OPERATION");
        for (unsigned ri = 0; ri < n_roles; ri++)
                printf(" %-10.10s", policy_role_name(p, ri));
        printf("\n");
        for (unsigned op = 0; op < _POLICY_OP_MAX; op++) {
                printf("%-22s", policy_op_to_string(op));
                for (unsigned ri = 0; ri < n_roles; ri++) {
                        PolicyVerdict v = policy_check(p, (PolicyActor){ .role = ri }, op,
                                                       POLICY_SCOPE_APPLIANCE, NULL);
                        printf(" %-10s", v == POLICY_ALLOW         ? "yes"
                                         : v == POLICY_NEEDS_GRANT ? "grant"
                                                                   : "-");
                }
                printf("\n");
        }

        printf("\n%-22s", "FIELD (read/write)");
        for (unsigned ri = 0; ri < n_roles; ri++)
                printf(" %-10.10s", policy_role_name(p, ri));
        printf(" %-14s %s\n", "REGISTRATION", "DESKS");
        for (unsigned f = 0; f < _PATRON_FIELD_MAX; f++) {
                printf("%-22s", patron_field_to_string(f));
                for (unsigned ri = 0; ri < n_roles; ri++)
                        printf(" %-10s", policy_field_writable(p, ri, f, NULL)   ? "rw"
                                         : policy_field_readable(p, ri, f, NULL) ? "r"
                                                                                 : "-");
                printf(" %-14s %s\n",
                       patron_field_class(f) == PATRON_FIELD_FORM
                               ? policy_collect_to_string(policy_field_collection(p, f, NULL))
                       : patron_field_class(f) == PATRON_FIELD_STAFF ? "(staff)"
                                                                     : "(derived)",
                       (policy_replication_fields(p) >> f) & 1 ? "yes" : "-");
        }

        printf("\nRETENTION\n");
        for (unsigned k = 0; k < _POLICY_RETENTION_MAX; k++) {
                char buf[64];
                printf("  %-28s %s\n", policy_retention_to_string(k),
                       format_duration(buf, sizeof buf, policy_retention(p, k, NULL)));
        }
        return 0;
}

int verb_policy(int argc, char *argv[])
{
        static const Verb verbs[] = {
                { "check", 2, 2, verb_check, "FILE: validate a policy file, errors as FILE:LINE" },
                { "explain", 1, -1, verb_explain, "--actor ROLE[@HOME] --op OP [--field F] [--scope S]" },
                { "show", 1, 2, verb_show, "[FILE]: the compiled role/operation/field tables" },
        };

        return verbs_dispatch("carrelctl policy", verbs, ELEMENTSOF(verbs), argc - 1, argv + 1);
}
