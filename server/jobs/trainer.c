/* trainer.c — the job queue's one consumer, and the code a job runs.
 *
 * One thread, `fc-train` (mutex, condition, stop flag): it holds mu at the top
 * of its loop, waits for a wake-up (a submit, the retrain schedule, or stop),
 * then drains the queued jobs of the database in id order, each trained
 * unlocked. Job state lives in the database, not in this struct: a job
 * another connection cancels is noticed through the atomic flag (set by
 * fc_trainer_cancel, or on PostgreSQL by the listener when another replica
 * cancelled it) at the next batch, or through the next progress write
 * (whose UPDATE ... WHERE state = 'running' then changes no row). Stopping sets
 * the same flag; the interrupted job goes back to `queued` so the next start
 * resumes it. The training itself runs in the core (fc_train) with
 * cfg->train_threads workers; this file adds the bookkeeping around it:
 * resolving parameters, the data fingerprint, the metrics document, storing the
 * version and publishing the champion. When to queue an automatic job and which
 * promotion rule a version gets are decided by policy.c; this file gathers what
 * they need and acts on it.
 *
 * On PostgreSQL several processes (replicas) share the queue: each
 * trainer claims under its replica name with a lease its progress writes
 * renew (store.h), looks for claimable jobs every POLL_S besides its own
 * wake-ups (jobs queued through another replica, leases that expired),
 * and starts the champion listener (replica.c). */
#define _GNU_SOURCE /* pthread_setname_np */
#include "trainer.h"

#include "forecast.h"
#include "policy.h"
#include "replica.h"
#include "time_now.h"

#include "ingest.h"
#include "json_io.h"
#include "sha256.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Nice value of the trainer thread and of the workers it starts (Linux
 * threads inherit their creator's): requests are served first when
 * training and HTTP compete for the same cores, so /predict latency holds
 * while a job runs; training takes what is left, which when idle is
 * everything. */
#define TRAIN_NICE 10

/* Seconds between looks at a shared queue (replicas on PostgreSQL). */
#define POLL_S 1.0

struct fc_trainer {
    const struct fc_config *cfg; /* borrowed */
    struct fc_registry *reg;     /* borrowed */
    struct fc_store *st;         /* the thread's own connection */
    pthread_t thread;
    int started; /* thread was created */
    pthread_mutex_t mu;
    pthread_cond_t wake;
    int stopping;               /* guarded by mu */
    int pending;                /* guarded by mu: jobs may be queued */
    atomic_int cancel;          /* stop the running job between batches */
    _Atomic int64_t running_id; /* job being trained, 0 = none */
    /* A job that failed when its failure could not be written (a full
     * disk): still `running` in the database, retried each drain until
     * it is recorded. Trainer thread only. */
    int64_t unrecorded_id;
    char unrecorded_error[256];
    pthread_mutex_t publish_mu;   /* DB champion + registry swap together */
    int shared;                   /* the queue is shared by replicas */
    struct fc_listener *listener; /* champion announcements, when shared */
};

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- snapshots and champions --------------------------------------------- */

fc_err fc_trainer_load_champions(struct fc_store *st, struct fc_registry *reg,
                                 int *n, struct fc_diag *d)
{
    struct fc_model_rec *v = NULL;
    int len = 0, published = 0;
    fc_err rc = fc_store_champions(st, 1, &v, &len, d);
    if (rc != FC_OK)
        return rc;
    for (int i = 0; i < len; i++) {
        struct fc_snapshot *snap = NULL;
        struct fc_diag md;
        fc_diag_init(&md);
        rc = fc_snapshot_from_rec(&v[i], &snap, &md);
        if (rc == FC_ENOMEM)
            break;
        if (rc != FC_OK) {
            fprintf(stderr,
                    "forecastd: champion %s version %lld not loaded: %s\n",
                    v[i].ticker, (long long)v[i].version, md.msg);
            rc = FC_OK;
            continue;
        }
        rc = fc_registry_publish(reg, snap);
        if (rc != FC_OK)
            break;
        published++;
    }
    fc_model_recs_free(v, len);
    if (n != NULL)
        *n = published;
    return rc;
}

fc_err fc_trainer_promote(struct fc_trainer *tr, struct fc_store *st,
                          const char *ticker, int64_t version,
                          struct fc_model_rec *out, struct fc_diag *d)
{
    struct fc_model_rec rec;
    struct fc_snapshot *snap = NULL;

    fc_err rc = fc_store_model_get(st, ticker, version, 1, &rec, d);
    if (rc != FC_OK)
        return rc;
    /* Loaded before taking the lock: publishing is then a DB update and
     * a pointer swap. */
    rc = fc_snapshot_from_rec(&rec, &snap, d);
    if (rc != FC_OK)
        goto done;
    if (tr != NULL)
        pthread_mutex_lock(&tr->publish_mu);
    rc = fc_store_model_promote(st, ticker, version, d);
    if (rc == FC_OK && tr != NULL) {
        rc = fc_registry_publish(tr->reg, snap);
        snap = NULL; /* the registry's now, also on failure */
    }
    if (tr != NULL)
        pthread_mutex_unlock(&tr->publish_mu);
    if (rc != FC_OK)
        goto done;
    rec.champion = 1;
    if (out != NULL) {
        free(rec.blob);
        rec.blob = NULL;
        rec.blob_len = 0;
        *out = rec;
        memset(&rec, 0, sizeof rec);
    }
done:
    fc_snapshot_release(snap);
    fc_model_rec_fini(&rec);
    return rc;
}

fc_err fc_trainer_reload(struct fc_trainer *tr, struct fc_store *st,
                         const char *ticker, int *n, struct fc_diag *d)
{
    struct fc_model_rec rec;
    struct fc_snapshot *snap = NULL;

    /* Under publish_mu: a local publish (database, then registry) and a
     * reload (database, then registry) do not interleave, so the registry
     * ends with what the database held last. */
    pthread_mutex_lock(&tr->publish_mu);
    if (ticker == NULL) {
        fc_err rc = fc_trainer_load_champions(st, tr->reg, n, d);
        pthread_mutex_unlock(&tr->publish_mu);
        return rc;
    }
    fc_err rc = fc_store_model_get(st, ticker, 0, 1, &rec, d);
    if (rc == FC_ENOTFOUND) {
        fc_registry_remove(tr->reg, ticker); /* no champion any more */
        rc = FC_OK;
    } else if (rc == FC_OK) {
        rc = fc_snapshot_from_rec(&rec, &snap, d);
        if (rc == FC_OK)
            rc = fc_registry_publish(tr->reg, snap);
        fc_model_rec_fini(&rec);
    }
    pthread_mutex_unlock(&tr->publish_mu);
    if (n != NULL)
        *n = rc == FC_OK && snap != NULL;
    return rc;
}

/* fc_trainer_reload for the listener, which knows the trainer only as the
 * context of its reload function. */
static fc_err reload_champions(void *ctx, struct fc_store *st,
                               const char *ticker, int *n, struct fc_diag *d)
{
    return fc_trainer_reload(ctx, st, ticker, n, d);
}

/* Job id was cancelled (here, or through another replica: the listener's
 * fc_stopped_fn); when it is the one running here it stops at its next
 * batch. */
static void job_stopped(void *ctx, int64_t id)
{
    struct fc_trainer *tr = ctx;
    if (atomic_load(&tr->running_id) == id)
        atomic_store(&tr->cancel, 1);
}

struct fc_registry *fc_trainer_registry(struct fc_trainer *tr)
{
    return tr->reg;
}

/* ---- one job ------------------------------------------------------------- */

struct run_ctx {
    struct fc_store *st;
    int64_t job_id;
    atomic_int *cancel;
    int verbose;
    double t0;      /* mono_s() when the job started */
    double renew_s; /* the progress row is written at least this often */
    double written; /* mono_s() of the last progress write */
    char *progress; /* its JSON (malloc'ed), rewritten by on_tick */
};

/* Writes the progress row (which renews the lease of a claimed job) and
 * raises the cancel flag when no running row of this job matched: the job
 * was cancelled, deleted, or taken over by another replica. */
static void write_progress(struct run_ctx *c)
{
    int running = 1;
    c->written = mono_s();
    if (c->progress != NULL &&
        fc_store_job_progress(c->st, c->job_id, c->progress, &running, NULL) ==
            FC_OK &&
        !running)
        atomic_store(c->cancel, 1);
}

/* Before every batch and every test day scored, on the training thread:
 * an epoch or an evaluation longer than a third of the lease (a large
 * model, a slow machine) still renews it, so no other replica takes over
 * a job that is alive. */
static void on_tick(void *arg)
{
    struct run_ctx *c = arg;
    if (mono_s() - c->written >= c->renew_s)
        write_progress(c);
}

/* Per epoch, on the training thread: the progress row (one small UPDATE),
 * and a cancelled or deleted job noticed when no running row matched. */
static void on_epoch(void *arg, const struct fc_progress *p)
{
    struct run_ctx *c = arg;
    /* The share of the job done: epochs of this fit, and folds before it
     * in a backtest (early stopping makes it an upper bound of the rest). */
    double done = p->epochs > 0 ? (double)p->epoch / p->epochs : 0;
    if (p->folds > 0)
        done = (p->fold - 1 + done) / p->folds;
    double eta = done > 0 ? (mono_s() - c->t0) * (1 - done) / done : NAN;
    size_t len = 0;
    char *json = fc_json_progress(p, p->epochs, eta, &len);

    if (c->verbose && p->folds > 0)
        fprintf(stderr, "fold %d/%d  ", p->fold, p->folds);
    if (c->verbose)
        fprintf(stderr,
                "epoch %3d/%d  train_loss %.6f  val_loss %.6f  "
                "best %d  %.3fs\n",
                p->epoch, p->epochs, p->train_loss, p->val_loss, p->best_epoch,
                p->epoch_seconds);
    if (json != NULL) {
        free(c->progress);
        c->progress = json;
    }
    write_progress(c);
}

/* models.data: the range, the count and a SHA-256 of the bars in their
 * canonical text form, which is exactly what GET /series/{t}/bars?from=
 * &to=&format=csv returns for that range: a client can check it. */
static char *data_json(const struct fc_bar *bars, int n)
{
    size_t len = 0;
    char hex[65];
    char *csv = fc_bars_to_csv(bars, n, &len);
    if (csv == NULL)
        return NULL;
    fc_sha256_hex(csv, len, hex);
    free(csv);
    return fc_json_model_data(bars[0].day, bars[n - 1].day, n, hex, NULL);
}

/* A running job ends in failure with d's reason (a cancelled one is left
 * as the canceller wrote it). */
static void fail_job(struct fc_store *st, int64_t id, fc_err rc,
                     const struct fc_diag *d)
{
    struct fc_diag fd;
    if (rc == FC_OK || rc == FC_ECANCELLED)
        return;
    fc_diag_init(&fd);
    fc_store_job_stop(st, id, 0,
                      d != NULL && d->msg[0] != '\0' ? d->msg : fc_err_text(rc),
                      &fd);
}

/* How a job trains: with the configured threads, reporting progress and
 * watching the cancel flag through ctx. */
static struct fc_train_opts job_train_opts(const struct fc_config *cfg,
                                           struct run_ctx *ctx)
{
    struct fc_train_opts o;
    memset(&o, 0, sizeof o);
    o.n_threads = cfg->train_threads;
    o.on_epoch = on_epoch;
    o.on_tick = on_tick;
    o.ctx = ctx;
    o.cancel = ctx->cancel;
    return o;
}

/* A backtest job: walk-forward folds (core fc_backtest, every fold's
 * scaler and model refitted on its own past), the result stored on the
 * job; no model version comes out of it. */
static fc_err run_backtest(const struct fc_config *cfg, struct fc_store *st,
                           const struct fc_job *job, struct run_ctx *ctx,
                           struct fc_diag *d)
{
    struct fc_train_params p;
    struct fc_bar *bars = NULL;
    int n = 0;
    struct fc_backtest *bt = NULL;
    char *result = NULL;
    struct fc_train_opts opts;

    fc_err rc =
        fc_json_parse_backtest(job->params, strlen(job->params), cfg, &p, d);
    if (rc == FC_OK)
        rc = fc_store_get_bars(st, job->ticker, p.from_day, p.to_day, 0, &bars,
                               &n, d);
    if (rc != FC_OK)
        goto done;
    bt = malloc(sizeof *bt); /* 20 folds of metrics: not for the stack */
    if (bt == NULL) {
        rc = FC_ENOMEM;
        goto done;
    }
    opts = job_train_opts(cfg, ctx);
    rc = fc_backtest(&p.hp, bars, n, p.folds, p.gap, &opts, bt, d);
    if (rc != FC_OK)
        goto done;
    result = fc_json_backtest(bt, p.gap, NULL);
    rc = result != NULL ? fc_store_job_finish(st, job->id, result, d)
                        : FC_ENOMEM;
done:
    fail_job(st, job->id, rc, d);
    free(result);
    free(bt);
    free(bars);
    return rc;
}

/* A training job: the model fitted on the job's bars, stored as a new
 * version and published when it becomes the champion. */
static fc_err run_train(const struct fc_config *cfg, struct fc_store *st,
                        const struct fc_job *job, struct run_ctx *ctx,
                        struct fc_registry *reg, pthread_mutex_t *publish_mu,
                        int64_t *version, struct fc_diag *d)
{
    struct fc_train_params p;
    struct fc_bar *bars = NULL;
    int n = 0;
    struct fc_model *model = NULL;
    struct fc_eval ev;
    int have_eval = 0;
    struct fc_model_rec rec;
    struct fc_snapshot *snap = NULL;
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    struct fc_train_opts opts;

    memset(&rec, 0, sizeof rec);
    fc_err rc =
        fc_json_parse_train(job->params, strlen(job->params), cfg, &p, d);
    if (rc == FC_OK)
        rc = fc_store_get_bars(st, job->ticker, p.from_day, p.to_day, 0, &bars,
                               &n, d);
    if (rc != FC_OK)
        goto done;
    opts = job_train_opts(cfg, ctx);
    rc = fc_train(&p.hp, bars, n, &opts, &model, &ev, d);
    if (rc != FC_OK)
        goto done;
    have_eval = 1;

    snprintf(rec.ticker, sizeof rec.ticker, "%s", job->ticker);
    rec.params = strdup(job->params);
    rec.data = data_json(bars, n);
    rec.metrics = fc_json_scores(&ev.scores, NULL);
    rec.evaluation = fc_json_eval_points(&ev, NULL);
    rec.skill = ev.scores.skill;
    rec.epochs_run = ev.epochs_run;
    rec.train_seconds = ev.train_seconds;
    rc = fc_model_save(model, &blob, &blob_len);
    if (rc == FC_OK && (rec.params == NULL || rec.data == NULL ||
                        rec.metrics == NULL || rec.evaluation == NULL))
        rc = FC_ENOMEM;
    if (rc != FC_OK)
        goto done;
    rec.blob = blob;
    rec.blob_len = blob_len;
    blob = NULL;
    /* The snapshot is made before the version is stored, so publishing
     * under the lock is a pointer swap. It owns the model from here. */
    if (reg != NULL) {
        rc = fc_snapshot_new(job->ticker, 0, model, &snap);
        model = NULL;
        if (rc != FC_OK)
            goto done;
        /* The scores as the stored document gives them back, as after a
         * restart: cJSON prints a double in 15 digits when they come
         * within an ulp of it, and a figure derived from a few of them
         * (the interval skill) would otherwise differ in its last digits
         * between this process and the next. */
        rc = fc_json_parse_scores(rec.metrics, &snap->scores);
        if (rc != FC_OK)
            goto done;
    }
    enum fc_promotion policy = fc_policy_promotion(cfg, job->is_auto);
    if (publish_mu != NULL)
        pthread_mutex_lock(publish_mu);
    rc = fc_store_job_succeed(st, job->id, policy, &rec, d);
    if (rc == FC_OK && rec.champion && snap != NULL) {
        snap->version = rec.version; /* not yet shared: still writable */
        rc = fc_registry_publish(reg, snap);
        snap = NULL;
    }
    if (publish_mu != NULL)
        pthread_mutex_unlock(publish_mu);
    if (rc == FC_OK && version != NULL)
        *version = rec.version;
done:
    fail_job(st, job->id, rc, d);
    fc_snapshot_release(snap);
    fc_model_rec_fini(&rec);
    free(blob);
    if (have_eval)
        fc_eval_fini(&ev);
    fc_model_free(model);
    free(bars);
    return rc;
}

fc_err fc_trainer_run_job(const struct fc_config *cfg, struct fc_store *st,
                          const struct fc_job *job, atomic_int *cancel,
                          struct fc_registry *reg, pthread_mutex_t *publish_mu,
                          int verbose, int64_t *version, struct fc_diag *d)
{
    struct run_ctx ctx;
    fc_err rc;

    memset(&ctx, 0, sizeof ctx);
    ctx.st = st;
    ctx.job_id = job->id;
    ctx.cancel = cancel;
    ctx.verbose = verbose;
    ctx.t0 = ctx.written = mono_s();
    ctx.renew_s = cfg->job_lease_seconds / 3.0;
    if (job->progress != NULL && (ctx.progress = strdup(job->progress)) == NULL)
        return fc_diag_set(d, FC_ENOMEM, "out of memory");
    if (strcmp(job->kind, "backtest") == 0)
        rc = run_backtest(cfg, st, job, &ctx, d);
    else
        rc = run_train(cfg, st, job, &ctx, reg, publish_mu, version, d);
    free(ctx.progress);
    return rc;
}

/* ---- the queue ----------------------------------------------------------- */

static void wake(struct fc_trainer *tr)
{
    if (tr == NULL)
        return;
    pthread_mutex_lock(&tr->mu);
    tr->pending = 1;
    pthread_cond_signal(&tr->wake);
    pthread_mutex_unlock(&tr->mu);
}

fc_err fc_trainer_submit(struct fc_trainer *tr, struct fc_store *st,
                         const char *ticker, const struct fc_train_params *p,
                         int is_auto, struct fc_job *out, int64_t *conflict_id,
                         struct fc_diag *d)
{
    int64_t n_bars = 0;
    int64_t replaced = 0;
    struct fc_split split;
    char *params = NULL;
    char *progress = NULL;

    struct fc_diag sd;

    *conflict_id = 0;
    fc_err rc;
    if (p->from_day == INT32_MIN && p->to_day == INT32_MAX) {
        /* The whole series: its kept count, not a count(*) over it. */
        struct fc_series_info info;
        rc = fc_store_series_info(st, ticker, &info, d);
        if (rc == FC_OK)
            n_bars = info.n_bars;
    } else {
        rc =
            fc_store_count_bars(st, ticker, p->from_day, p->to_day, &n_bars, d);
    }
    if (rc != FC_OK)
        return rc;
    if (n_bars > INT32_MAX)
        n_bars = INT32_MAX;
    fc_diag_init(&sd);
    const char *kind = p->folds > 0 ? "backtest" : "train";
    if (p->folds > 0) {
        /* The first fold trains on the first half of the bars minus the
         * gap, and each fold tests on at least one bar. */
        int64_t first = n_bars / 2 - p->gap;
        if ((n_bars - n_bars / 2) / p->folds < 1 || first < 1)
            rc = fc_diag_set(&sd, FC_EINVAL,
                             "%d folds with a gap of %d "
                             "need more bars",
                             p->folds, p->gap);
        else
            rc = fc_train_split(&p->hp, (int)first, &split, &sd);
    } else {
        rc = fc_train_split(&p->hp, (int)n_bars, &split, &sd);
    }
    if (rc != FC_OK)
        return fc_diag_set(d, rc, "too few bars for %s: %lld in the range; %s",
                           ticker, (long long)n_bars, sd.msg);
    params = fc_json_train_params(p, NULL);
    progress = fc_json_progress(NULL, p->hp.epochs, NAN, NULL);
    if (params == NULL || progress == NULL) {
        rc = FC_ENOMEM;
        goto done;
    }
    rc = fc_store_job_create(st, ticker, kind, params, progress, is_auto, out,
                             conflict_id, &replaced, d);
    if (rc != FC_OK)
        goto done;
    if (replaced != 0 && tr != NULL && atomic_load(&tr->running_id) == replaced)
        atomic_store(&tr->cancel, 1);
    wake(tr);
done:
    free(params);
    free(progress);
    return rc;
}

/* A replica that shows a training job succeeded answers /predict with
 * the champion the database had then, not an older one: when the job's
 * version is newer than the registry's champion and the database's
 * champion is not the registry's (another replica published it, and its
 * announcement has not arrived), the champion is reloaded here. A version
 * that was not promoted costs one look at the series. Best effort: a
 * failed look leaves the announcement to do it. Returns 1 when it looked
 * at the database, 0 when the registry answered. */
static int catch_up(struct fc_trainer *tr, struct fc_store *st,
                    const struct fc_job *j)
{
    struct fc_series_info info;
    struct fc_diag d;

    if (j->state != FC_JOB_SUCCEEDED || j->model_version <= 0 ||
        strcmp(j->kind, "train") != 0)
        return 0;
    struct fc_snapshot *s = fc_registry_acquire(tr->reg, j->ticker);
    int64_t have = s != NULL ? s->version : 0;
    fc_snapshot_release(s);
    if (j->model_version <= have)
        return 0;
    fc_diag_init(&d);
    if (fc_store_series_info(st, j->ticker, &info, &d) == FC_OK &&
        info.champion_version != have)
        fc_trainer_reload(tr, st, j->ticker, NULL, &d);
    return 1;
}

fc_err fc_trainer_job_get(struct fc_trainer *tr, struct fc_store *st,
                          int64_t id, struct fc_job *out, struct fc_diag *d)
{
    if (tr == NULL)
        return fc_store_job_get(st, id, out, d);
    pthread_mutex_lock(&tr->publish_mu);
    fc_err rc = fc_store_job_get(st, id, out, d);
    pthread_mutex_unlock(&tr->publish_mu);
    if (rc == FC_OK)
        catch_up(tr, st, out);
    return rc;
}

fc_err fc_trainer_job_list(struct fc_trainer *tr, struct fc_store *st,
                           const char *ticker, int state, int64_t limit,
                           struct fc_job **out, int *n, struct fc_diag *d)
{
    if (tr == NULL)
        return fc_store_job_list(st, ticker, state, limit, out, n, d);
    pthread_mutex_lock(&tr->publish_mu);
    fc_err rc = fc_store_job_list(st, ticker, state, limit, out, n, d);
    pthread_mutex_unlock(&tr->publish_mu);
    /* The database is looked at once per ticker, for its newest job that
     * is newer than the registry (the list is newest first): looked[]
     * holds the jobs it was looked at for, so the scan is over those
     * alone, not over the whole list. Without memory for it, no catch-up
     * (the announcement does it). */
    int *looked =
        rc == FC_OK && *n > 0 ? malloc((size_t)*n * sizeof *looked) : NULL;
    int n_looked = 0;
    for (int i = 0; looked != NULL && i < *n; i++) {
        const struct fc_job *j = &(*out)[i];
        int seen = 0;
        for (int k = 0; k < n_looked && !seen; k++)
            seen = strcmp((*out)[looked[k]].ticker, j->ticker) == 0;
        if (!seen && catch_up(tr, st, j))
            looked[n_looked++] = i;
    }
    free(looked);
    return rc;
}

fc_err fc_trainer_cancel(struct fc_trainer *tr, struct fc_store *st, int64_t id,
                         struct fc_job *out, struct fc_diag *d)
{
    int was_running = 0;
    fc_err rc = fc_store_job_cancel(st, id, out, &was_running, d);
    if (rc == FC_OK && was_running && tr != NULL)
        job_stopped(tr, id);
    return rc;
}

static void submit_auto(struct fc_trainer *tr, struct fc_store *st,
                        const char *ticker, const char *why)
{
    struct fc_train_params p;
    struct fc_job job;
    int64_t conflict = 0;
    struct fc_diag d;

    fc_diag_init(&d);
    fc_err rc = fc_train_params_defaults(tr->cfg, NULL, &p, &d);
    if (rc == FC_OK)
        rc = fc_trainer_submit(tr, st, ticker, &p, 1, &job, &conflict, &d);
    if (rc == FC_OK) {
        fprintf(stderr, "forecastd: job %lld queued for %s (%s)\n",
                (long long)job.id, ticker, why);
        fc_job_fini(&job);
    } else if (rc != FC_ECONFLICT && rc != FC_EINVAL) {
        /* A job in the way or too few bars are normal; the rest is not. */
        fprintf(stderr, "forecastd: no %s job for %s: %s\n", why, ticker,
                d.msg);
    }
}

void fc_trainer_after_ingest(struct fc_trainer *tr, struct fc_store *st,
                             const char *ticker,
                             const struct fc_put_result *res)
{
    if (tr == NULL)
        return;
    switch (fc_policy_after_ingest(tr->cfg, res)) {
    case FC_POLICY_INGEST_NONE:
        return;
    case FC_POLICY_INGEST_FIRST:
        submit_auto(tr, st, ticker, "first ingest");
        return;
    case FC_POLICY_INGEST_COUNT_NEW:
        break;
    }
    /* The new bars are those after the champion's test period. */
    struct fc_snapshot *s = fc_registry_acquire(tr->reg, ticker);
    if (s == NULL)
        return;
    int64_t n_new = 0;
    if (fc_store_count_bars(st, ticker, s->scores.to_day + 1, INT32_MAX, &n_new,
                            NULL) == FC_OK &&
        fc_policy_new_bars_due(tr->cfg, n_new))
        submit_auto(tr, st, ticker, "new bars");
    fc_snapshot_release(s);
}

/* Queues automatic retrains of series whose newest model is older than
 * retrain_interval_hours. */
static void schedule(struct fc_trainer *tr)
{
    char before[32];
    char(*tickers)[FC_TICKER_SIZE] = NULL;
    int n = 0;

    fc_rfc3339_now(-fc_policy_sched_max_age_s(tr->cfg), before);
    if (fc_store_models_older(tr->st, before, &tickers, &n, NULL) != FC_OK)
        return;
    for (int i = 0; i < n; i++)
        submit_auto(tr, tr->st, tickers[i], "schedule");
    free(tickers);
}

/* Runs queued jobs until none is left or the trainer stops. Returns 1
 * when the queue could not be read (a database error): the caller tries
 * again soon instead of waiting for the next submit. */
static int drain(struct fc_trainer *tr)
{
    if (tr->unrecorded_id != 0) {
        struct fc_diag sd;
        fc_diag_init(&sd);
        if (fc_store_job_stop(tr->st, tr->unrecorded_id, 0,
                              tr->unrecorded_error, &sd) != FC_OK)
            return 1; /* the database still refuses: later */
        fprintf(stderr, "forecastd: job %lld: failure recorded\n",
                (long long)tr->unrecorded_id);
        tr->unrecorded_id = 0;
    }
    for (;;) {
        struct fc_job job;
        struct fc_diag d;
        int64_t version = 0;

        pthread_mutex_lock(&tr->mu);
        int stop = tr->stopping;
        pthread_mutex_unlock(&tr->mu);
        if (stop)
            return 0;
        fc_diag_init(&d);
        fc_err rc = fc_store_job_claim(tr->st, 0, &job, &d);
        if (rc == FC_ENOTFOUND)
            return 0;
        if (rc != FC_OK) {
            fprintf(stderr, "forecastd: trainer: %s\n", d.msg);
            return 1;
        }
        atomic_store(&tr->running_id, job.id);
        /* A stop that came after the check above keeps its flag. */
        pthread_mutex_lock(&tr->mu);
        if (!tr->stopping)
            atomic_store(&tr->cancel, 0);
        pthread_mutex_unlock(&tr->mu);
        fprintf(stderr, "forecastd: job %lld: %s %s\n", (long long)job.id,
                strcmp(job.kind, "backtest") == 0 ? "backtesting" : "training",
                job.ticker);
        rc = fc_trainer_run_job(tr->cfg, tr->st, &job, &tr->cancel, tr->reg,
                                &tr->publish_mu, 0, &version, &d);
        atomic_store(&tr->running_id, 0);
        pthread_mutex_lock(&tr->mu);
        stop = tr->stopping;
        pthread_mutex_unlock(&tr->mu);
        if (rc == FC_OK && version == 0) {
            fprintf(stderr, "forecastd: job %lld: %s backtest done\n",
                    (long long)job.id, job.ticker);
        } else if (rc == FC_OK) {
            fprintf(stderr, "forecastd: job %lld: %s version %lld stored\n",
                    (long long)job.id, job.ticker, (long long)version);
        } else if (rc == FC_ECANCELLED && stop) {
            struct fc_diag sd;
            fc_diag_init(&sd);
            fc_store_job_stop(tr->st, job.id, 1, NULL, &sd);
            fprintf(stderr,
                    "forecastd: job %lld: interrupted by shutdown, "
                    "queued again\n",
                    (long long)job.id);
        } else if (rc == FC_ECANCELLED) {
            fprintf(stderr, "forecastd: job %lld: cancelled\n",
                    (long long)job.id);
        } else {
            fprintf(stderr, "forecastd: job %lld: failed: %s\n",
                    (long long)job.id, d.msg);
            /* Its row says `running` when even the failure could not be
             * written: remember it and stop draining until it is. */
            struct fc_job now;
            struct fc_diag gd;
            memset(&now, 0, sizeof now);
            fc_diag_init(&gd);
            int stuck = fc_store_job_get(tr->st, job.id, &now, &gd) != FC_OK ||
                        now.state == FC_JOB_RUNNING;
            fc_job_fini(&now);
            if (stuck) {
                tr->unrecorded_id = job.id;
                snprintf(tr->unrecorded_error, sizeof tr->unrecorded_error,
                         "%s", d.msg[0] != '\0' ? d.msg : fc_err_text(rc));
                fc_job_fini(&job);
                return 1;
            }
        }
        fc_job_fini(&job);
    }
}

/* Waits on tr->wake (tr->mu held) until `at` (monotonic seconds; 0 =
 * no deadline). */
static void wait_until(struct fc_trainer *tr, double at)
{
    if (at <= 0) {
        pthread_cond_wait(&tr->wake, &tr->mu);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double t = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 + (at - mono_s());
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    pthread_cond_timedwait(&tr->wake, &tr->mu, &ts);
}

static void *trainer_main(void *arg)
{
    struct fc_trainer *tr = arg;
    struct fc_policy_sched sched;
    double retry_at = 0; /* after a database error: drain again then */

    fc_policy_sched_init(&sched, tr->cfg, mono_s());
    /* Lower this thread's priority only (PRIO_PROCESS with a thread id is
     * per thread on Linux); failure just leaves it as it was. */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), TRAIN_NICE) != 0)
        fprintf(stderr, "forecastd: trainer: cannot lower priority: %s\n",
                strerror(errno));
    pthread_mutex_lock(&tr->mu);
    for (;;) {
        /* tr->mu is held at the top of every iteration. */
        int due = 0;
        while (!tr->stopping && !tr->pending) {
            double now = mono_s();
            if (fc_policy_sched_due(&sched, now)) {
                due = 1;
                break;
            }
            if (retry_at > 0 && now >= retry_at)
                break;
            wait_until(tr, fc_policy_sched_wake_at(&sched, retry_at));
        }
        if (tr->stopping)
            break;
        tr->pending = 0;
        pthread_mutex_unlock(&tr->mu);

        /* Unlocked: HTTP threads keep queueing and polling meanwhile. */
        if (due) {
            schedule(tr);
            fc_policy_sched_looked(&sched, mono_s());
        }
        retry_at = drain(tr) || tr->shared ? mono_s() + POLL_S : 0;

        pthread_mutex_lock(&tr->mu);
    }
    pthread_mutex_unlock(&tr->mu);
    return NULL;
}

fc_err fc_trainer_start(const struct fc_config *cfg, struct fc_registry *reg,
                        struct fc_trainer **out, struct fc_diag *d)
{
    int n = 0;
    struct fc_trainer *tr = calloc(1, sizeof *tr);
    if (tr == NULL)
        return FC_ENOMEM;
    tr->cfg = cfg;
    tr->reg = reg;
    tr->pending = 1; /* whatever is queued in the database */
    atomic_init(&tr->cancel, 0);
    atomic_init(&tr->running_id, 0);
    pthread_mutex_init(&tr->mu, NULL);
    pthread_cond_init(&tr->wake, NULL);
    pthread_mutex_init(&tr->publish_mu, NULL);
    fc_err rc = fc_store_open(cfg->db, &tr->st, d);
    if (rc == FC_OK) {
        char replica[128];
        fc_replica_id(cfg, replica, sizeof replica);
        tr->shared =
            fc_store_set_worker(tr->st, replica, cfg->job_lease_seconds);
        rc = fc_store_job_requeue_running(tr->st, &n, d);
    }
    if (rc == FC_OK && tr->shared)
        rc = fc_listener_start(cfg, reload_champions, job_stopped, tr,
                               &tr->listener, d);
    if (rc != FC_OK)
        goto fail;
    if (n > 0)
        fprintf(stderr, "forecastd: %d interrupted job%s queued again\n", n,
                n == 1 ? "" : "s");
    int e = pthread_create(&tr->thread, NULL, trainer_main, tr);
    if (e != 0) {
        rc = fc_diag_set(d, FC_EIO, "trainer thread: %s", strerror(e));
        goto fail;
    }
    tr->started = 1;
    pthread_setname_np(tr->thread, "fc-train");
    *out = tr;
    return FC_OK;
fail:
    fc_trainer_stop(tr);
    return rc;
}

void fc_trainer_stop(struct fc_trainer *tr)
{
    if (tr == NULL)
        return;
    fc_listener_stop(tr->listener);
    pthread_mutex_lock(&tr->mu);
    tr->stopping = 1;
    atomic_store(&tr->cancel, 1);
    pthread_cond_broadcast(&tr->wake);
    pthread_mutex_unlock(&tr->mu);
    if (tr->started)
        pthread_join(tr->thread, NULL);
    fc_store_close(tr->st);
    pthread_mutex_destroy(&tr->mu);
    pthread_cond_destroy(&tr->wake);
    pthread_mutex_destroy(&tr->publish_mu);
    free(tr);
}
