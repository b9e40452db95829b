/* Policy decisions per second on one core, over the default policy, with
 * random (role, operation, scope) queries so that branch prediction cannot
 * learn one answer. The goal (issue 4) is 20M decisions/s; it is printed
 * as the peer value. One JSON object per line. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/fileio.h"
#include "policy/policy.h"

#define GOAL 20000000.0
#define N_QUERIES 4096

typedef struct Query {
        PolicyActor actor;
        PolicyOp op;
        PolicyScopeId scope;
        PatronField field;
} Query;

static double now_sec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return (uint32_t)rng;
}

static void emit(const char *name, double value, const char *unit, bool goal)
{
        if (goal)
                printf("{\"bench\":\"%s\",\"value\":%.0f,\"unit\":\"%s\",\"peer\":\"issue-4 "
                       "goal\",\"peer_value\":%.0f,"
                       "\"ratio\":%.2f}\n",
                       name, value, unit, GOAL, value / GOAL);
        else
                printf("{\"bench\":\"%s\",\"value\":%.0f,\"unit\":\"%s\"}\n", name, value, unit);
}

int main(int argc, char *argv[])
{
        const char *src = getenv("CARREL_SRCDIR");
        char path[4096];
        Policy *p;
        ConfigError err;
        static Query q[N_QUERIES];
        volatile unsigned sink = 0;
        const unsigned long long iters = 50ull * 1000 * 1000;
        double t;
        cpu_set_t set;

        /* One core: stay where we started. */
        CPU_ZERO(&set);
        CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &set);
        (void)sched_setaffinity(0, sizeof set, &set);

        snprintf(path, sizeof path, "%s/configs/policy.conf", src ? src : ".");
        if (policy_load_file(path, &p, &err) < 0) {
                fprintf(stderr, "%s:%u: %s\n", err.file, err.line, err.message);
                return 1;
        }
        for (unsigned i = 0; i < N_QUERIES; i++)
                q[i] = (Query){
                        .actor = { .role = (PolicyRoleId)(next() % policy_n_roles(p)),
                                   .home = (PolicyScopeId)(next() % policy_n_scopes(p)) },
                        .op = (PolicyOp)(next() % _POLICY_OP_MAX),
                        .scope = (PolicyScopeId)(next() % policy_n_scopes(p)),
                        .field = (PatronField)(next() % _PATRON_FIELD_MAX),
                };

        t = now_sec();
        for (unsigned long long i = 0; i < iters; i++) {
                const Query *x = &q[i & (N_QUERIES - 1)];
                sink += policy_check(p, x->actor, x->op, x->scope, NULL);
        }
        emit("policy.check", (double)iters / (now_sec() - t), "decisions/s", true);

        t = now_sec();
        for (unsigned long long i = 0; i < iters; i++) {
                const Query *x = &q[i & (N_QUERIES - 1)];
                PolicyRuleId rule;
                sink += policy_check(p, x->actor, x->op, x->scope, &rule);
                sink += rule;
        }
        emit("policy.check+rule", (double)iters / (now_sec() - t), "decisions/s", true);

        t = now_sec();
        for (unsigned long long i = 0; i < iters; i++) {
                const Query *x = &q[i & (N_QUERIES - 1)];
                sink += policy_field_readable(p, x->actor.role, x->field, NULL);
        }
        emit("policy.field_readable", (double)iters / (now_sec() - t), "decisions/s", true);

        /* A full request: the operation in its scope, then the field. */
        t = now_sec();
        for (unsigned long long i = 0; i < iters; i++) {
                const Query *x = &q[i & (N_QUERIES - 1)];
                sink += policy_check(p, x->actor, POLICY_OP_PATRON_VIEW, x->scope, NULL) &&
                        policy_field_readable(p, x->actor.role, x->field, NULL);
        }
        emit("policy.view_field", (double)iters / (now_sec() - t), "decisions/s", true);

        /* Parsing and compiling the default policy (what a SIGHUP costs). */
        {
                char *text;
                size_t size;
                unsigned n = 2000;
                if (read_file_bounded(path, 1 << 20, &text, &size) < 0)
                        return 1;
                t = now_sec();
                for (unsigned i = 0; i < n; i++) {
                        Policy *x;
                        if (policy_load_text(path, text, size, &x, &err) < 0)
                                return 1;
                        policy_unref(x);
                }
                emit("policy.load", n / (now_sec() - t), "loads/s", false);
                free(text);
        }
        policy_unref(p);
        return sink == 0xdeadbeef; /* keep the loops */
}
