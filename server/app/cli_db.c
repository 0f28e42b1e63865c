/* cli_db.c — `forecastd train --ticker T` and `forecastd predict --ticker T`:
 * the service's own code against its database, without the server.
 *
 * train queues a job exactly as POST /train does (the parameter table's
 * flags read over this config's preset and train.* settings with the same
 * setter and checks, a row in the jobs table), claims it and runs it
 * in this process with the trainer's job function, so the version it stores
 * (and its promotion) is the one a server would have made; progress goes to
 * stderr, the stored version's JSON (as GET /models lists it) to stdout.
 * predict forecasts with the stored champion (or --version) through the
 * code behind GET /predict and prints the same JSON. A server running on
 * the same database does not see a version stored here until it restarts
 * (its registry is filled at start-up and by its own trainer). */
#include "cli.h"

#include "forecast.h"
#include "series.h"
#include "json_io.h"
#include "serve.h"
#include "store.h"
#include "trainer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The options of the database forms besides the training parameters;
 * their values land in vals[] by index. */
static const char *const train_opts[] = {"--ticker", "--db", "--config",
                                         "--threads", NULL};
static const char *const predict_opts[] = {
    "--ticker", "--db", "--config", "--horizon", "--level", "--version", NULL};

/* Reads "--flag value" pairs: an option of `opts` into vals[] (by index),
 * --quiet when quiet is not NULL, a training parameter of the table (not
 * an offline-only one) when params is not 0: those are read later, by
 * fc_cli_params, once the config gives their bounds. Returns 0 or 2 after
 * a message. */
static int parse(int argc, char **argv, const char *const *opts,
                 const char **vals, int *quiet, int params)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = -1;
        if (quiet != NULL && strcmp(a, "--quiet") == 0) {
            *quiet = 1;
            continue;
        }
        for (int j = 0; opts[j] != NULL; j++)
            if (strcmp(opts[j], a) == 0)
                k = j;
        if (k < 0 && !(params && fc_param_find_flag(a, 0, 0) != NULL)) {
            fprintf(stderr,
                    "forecastd %s: unknown option '%s' (with --ticker)\n",
                    argv[0], a);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "forecastd %s: %s needs a value\n", argv[0], a);
            return 2;
        }
        i++;
        if (k >= 0)
            vals[k] = argv[i];
    }
    return 0;
}

/* Settings and the database, as the server would open them. */
static int open_db(const char *config, const char *db, struct fc_config *cfg,
                   struct fc_store **st)
{
    struct fc_diag d;
    int code = fc_load_config(cfg, config, db);
    if (code != 0)
        return code;
    fc_diag_init(&d);
    if (fc_store_open(cfg->db, st, &d) != FC_OK) {
        char shown[1100]; /* a connection URI without its password */
        fc_store_db_redact(cfg->db, shown, sizeof shown);
        fprintf(stderr, "forecastd: database %s: %s\n", shown, d.msg);
        return 1;
    }
    return 0;
}

int fc_cli_train_db(int argc, char **argv)
{
    const char *vals[8] = {NULL};
    int quiet = 0;
    char ticker[FC_TICKER_SIZE];
    struct fc_config *cfg = malloc(sizeof *cfg);
    struct fc_store *st = NULL;
    struct fc_train_params p;
    struct fc_job job, claimed;
    struct fc_model_rec rec;
    struct fc_diag d;
    int64_t conflict = 0, version = 0;
    atomic_int cancel;
    int have_job = 0, have_claim = 0, have_rec = 0;
    int code;

    fc_diag_init(&d);
    atomic_init(&cancel, 0);
    if (cfg == NULL)
        return 1;
    code = parse(argc, argv, train_opts, vals, &quiet, 1);
    if (code != 0)
        goto done;
    code = 2;
    if (!fc_ticker_normalize(vals[0], ticker)) {
        fprintf(stderr, "forecastd train: invalid ticker '%s'\n", vals[0]);
        goto done;
    }
    code = open_db(vals[2], vals[1], cfg, &st);
    if (code != 0)
        goto done;
    if (vals[3] != NULL) {
        /* The bounds of the train_threads setting. */
        fc_err rc =
            fc_config_set_text(cfg, "train_threads", vals[3], "--threads", &d);
        if (rc != FC_OK) {
            fprintf(stderr, "forecastd train: %s\n", d.msg);
            code = 2;
            goto done;
        }
    }
    /* The parameters as POST /train reads them: this config's preset
     * and train.* settings, its caps on the bounds. */
    code = fc_cli_params(argc, argv, 0, 0, NULL, cfg, &p);
    if (code != 0)
        goto done;
    code = 1;
    fc_err rc = fc_trainer_submit(NULL, st, ticker, &p, 0, &job, &conflict, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "forecastd train: %s\n", d.msg);
        goto done;
    }
    have_job = 1;
    /* A server on this database could take the job first: then it is
     * the server's, and this command says where to follow it. */
    rc = fc_store_job_claim(st, job.id, &claimed, &d);
    if (rc != FC_OK) {
        fprintf(stderr,
                "forecastd train: job %lld was taken by a running "
                "server; follow it at GET /jobs/%lld\n",
                (long long)job.id, (long long)job.id);
        goto done;
    }
    have_claim = 1;
    fprintf(stderr, "forecastd train: job %lld: training %s\n",
            (long long)job.id, ticker);
    rc = fc_trainer_run_job(cfg, st, &claimed, &cancel, NULL, NULL, !quiet,
                            &version, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "forecastd train: job %lld failed: %s\n",
                (long long)job.id, d.msg[0] != '\0' ? d.msg : fc_err_text(rc));
        goto done;
    }
    rc = fc_store_model_get(st, ticker, version, 0, &rec, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "forecastd train: %s\n", d.msg);
        goto done;
    }
    have_rec = 1;
    char *json = fc_json_model(&rec, NULL);
    if (json == NULL)
        goto done;
    printf("%s\n", json);
    free(json);
    code = 0;
done:
    if (have_rec)
        fc_model_rec_fini(&rec);
    if (have_claim)
        fc_job_fini(&claimed);
    if (have_job)
        fc_job_fini(&job);
    fc_store_close(st);
    free(cfg);
    return code;
}

int fc_cli_predict_db(int argc, char **argv)
{
    const char *vals[8] = {NULL};
    char ticker[FC_TICKER_SIZE];
    struct fc_config *cfg = malloc(sizeof *cfg);
    struct fc_store *st = NULL;
    struct fc_model_rec rec;
    struct fc_snapshot *snap = NULL;
    struct fc_bar *bars = NULL;
    int n = 0, horizon = 1, have_rec = 0;
    long long version = 0;
    double level = 0.9;
    struct fc_forecast f;
    struct fc_diag d;
    char *end;
    int code;

    fc_diag_init(&d);
    if (cfg == NULL)
        return 1;
    code = parse(argc, argv, predict_opts, vals, NULL, 0);
    if (code != 0)
        goto done;
    code = 2;
    if (!fc_ticker_normalize(vals[0], ticker)) {
        fprintf(stderr, "forecastd predict: invalid ticker '%s'\n", vals[0]);
        goto done;
    }
    if (vals[3] != NULL) {
        long h = strtol(vals[3], &end, 10);
        if (*end != '\0' || h < 1 || h > FC_HORIZON_MAX) {
            fprintf(stderr, "forecastd predict: --horizon is 1..%d\n",
                    FC_HORIZON_MAX);
            goto done;
        }
        horizon = (int)h;
    }
    if (vals[4] != NULL) {
        level = strtod(vals[4], &end);
        if (*end != '\0' || !(level > 0.0 && level < 1.0)) {
            fprintf(stderr, "forecastd predict: --level is in (0, 1)\n");
            goto done;
        }
    }
    if (vals[5] != NULL) {
        version = strtoll(vals[5], &end, 10);
        if (*end != '\0' || version < 1) {
            fprintf(stderr, "forecastd predict: --version is a number >= 1\n");
            goto done;
        }
    }
    code = open_db(vals[2], vals[1], cfg, &st);
    if (code != 0)
        goto done;
    code = 1;
    struct fc_series_info info;
    fc_err rc = fc_store_series_info(st, ticker, &info, &d);
    if (rc == FC_OK)
        rc = fc_store_model_get(st, ticker, version, 1, &rec, &d);
    else
        version = -1; /* no series: no hint to train */
    if (rc == FC_ENOTFOUND && version == 0)
        fprintf(stderr,
                "forecastd predict: %s (train one with: forecastd "
                "train --ticker %s)\n",
                d.msg, ticker);
    else if (rc != FC_OK)
        fprintf(stderr, "forecastd predict: %s\n", d.msg);
    if (rc != FC_OK)
        goto done;
    have_rec = 1;
    rc = fc_snapshot_from_rec(&rec, &snap, &d);
    if (rc == FC_OK)
        rc = fc_series_forecast_bars(st, ticker, snap, &bars, &n, &d);
    if (rc == FC_OK)
        rc = fc_forecast_make(snap, bars, n, horizon, level, &f, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "forecastd predict: %s\n",
                d.msg[0] != '\0' ? d.msg : fc_err_text(rc));
        goto done;
    }
    char *json = fc_json_forecast(&f, &snap->scores, NULL);
    if (json == NULL)
        goto done;
    printf("%s\n", json);
    free(json);
    code = 0;
done:
    free(bars);
    fc_snapshot_release(snap);
    if (have_rec)
        fc_model_rec_fini(&rec);
    fc_store_close(st);
    free(cfg);
    return code;
}
