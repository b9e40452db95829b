/* See policy-holder.h. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy-holder.h"

struct PolicyHolder {
        char *path;
        /* Guards the pointer swap against a concurrent get(): taking the
         * reference and swapping must not interleave. */
        pthread_mutex_t lock;
        Policy *current;
        uint64_t generation;
        sd_event_source *sighup;
        PolicyReloadFn fn;
        void *userdata;
};

int policy_holder_new(const char *path, PolicyHolder **ret, ConfigError *err)
{
        PolicyHolder *h;
        Policy *p;
        int r;

        assert_return(path && ret && err, -EINVAL);
        r = policy_load_file(path, &p, err);
        if (r < 0)
                return r;
        h = calloc(1, sizeof *h);
        if (!h || !(h->path = strdup(path))) {
                free(h);
                policy_unref(p);
                return -ENOMEM;
        }
        pthread_mutex_init(&h->lock, NULL);
        h->current = p;
        h->generation = 1;
        *ret = h;
        return 0;
}

PolicyHolder *policy_holder_free(PolicyHolder *h)
{
        if (!h)
                return NULL;
        sd_event_source_disable_unref(h->sighup);
        policy_unref(h->current);
        pthread_mutex_destroy(&h->lock);
        free(h->path);
        free(h);
        return NULL;
}

int policy_holder_reload(PolicyHolder *h, ConfigError *err)
{
        Policy *p, *old;
        int r;

        assert_return(h && err, -EINVAL);
        /* Parse outside the lock: readers are never held up by a reload. */
        r = policy_load_file(h->path, &p, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&h->lock);
        old = h->current;
        h->current = p;
        h->generation++;
        pthread_mutex_unlock(&h->lock);
        policy_unref(old);
        return 0;
}

Policy *policy_holder_get(PolicyHolder *h)
{
        Policy *p;

        if (!h)
                return NULL;
        pthread_mutex_lock(&h->lock);
        p = policy_ref(h->current);
        pthread_mutex_unlock(&h->lock);
        return p;
}

uint64_t policy_holder_generation(PolicyHolder *h)
{
        uint64_t g;

        if (!h)
                return 0;
        pthread_mutex_lock(&h->lock);
        g = h->generation;
        pthread_mutex_unlock(&h->lock);
        return g;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        PolicyHolder *h = userdata;
        ConfigError err;
        int r;

        r = policy_holder_reload(h, &err);
        if (h->fn)
                h->fn(h, r, r < 0 ? &err : NULL, h->userdata);
        /* A bad file is the operator's to fix; the event loop goes on. */
        return 0;
}

int policy_holder_attach(PolicyHolder *h, sd_event *e, PolicyReloadFn fn, void *userdata)
{
        sigset_t mask;
        int r;

        assert_return(h && e, -EINVAL);
        assert_return(!h->sighup, -EBUSY);

        sigemptyset(&mask);
        sigaddset(&mask, SIGHUP);
        r = pthread_sigmask(SIG_BLOCK, &mask, NULL);
        if (r != 0)
                return -r;
        r = sd_event_add_signal(e, &h->sighup, SIGHUP, on_sighup, h);
        if (r < 0)
                return r;
        (void)sd_event_source_set_description(h->sighup, "policy-sighup");
        h->fn = fn;
        h->userdata = userdata;
        return 0;
}
