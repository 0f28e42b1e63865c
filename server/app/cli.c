/* cli.c — `forecastd train`, `predict` and `backtest` offline, on a CSV
 * file: the same parsing, validation, training and forecasting code the
 * server runs, for scripts, benchmarks and debugging. Progress goes to
 * stderr (one line per epoch), results to stdout. Exit codes: 0 success,
 * 1 failure, 2 usage error. The training parameters are the flags of the
 * parameter table (domain/params.h), read and bounded as POST /train reads
 * its keys (fc_cli_params, which the database forms in cli_db.c share);
 * usage lists them from the same table. Forecast dates follow the series'
 * trading calendar (server/domain/calendar.h). */
#include "calendar.h"
#include "cli.h"
#include "config.h"
#include "fileio.h"
#include "forecast.h"
#include "gemm.h"
#include "ingest.h"
#include "model.h"
#include "params.h"
#include "train.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODEL_BYTES (256u << 20)

struct opts {
    const char *csv, *out, *model;
    int horizon, threads, quiet;
    struct fc_train_params p; /* hyperparameters, from/to, folds and gap */
};

/* How one parameter's bounds read in usage ("" when it has none), with
 * the default settings, into buf[size]. */
static void format_bounds(const struct fc_param *k, const struct fc_config *cfg,
                          char *buf, size_t size)
{
    static const char *const caps[] = {NULL, "train.max_epochs",
                                       "train.max_window", "train.max_units"};
    double hi = fc_param_max(k, cfg);
    int n = 0;

    buf[0] = '\0';
    if (k->type == FC_PARAM_INT || k->type == FC_PARAM_SEED ||
        k->type == FC_PARAM_LAYERS)
        n = snprintf(buf, size, "%.0f..%.0f", k->min, hi);
    else if (k->type == FC_PARAM_FLOAT && hi >= FLT_MAX)
        n = snprintf(buf, size, ">= %g", k->min);
    else if (k->type == FC_PARAM_FLOAT)
        n = snprintf(buf, size, "%s%g, %g]", k->min_open ? "(" : "[", k->min,
                     hi);
    if (n > 0 && (size_t)n < size && k->cap != FC_PARAM_CAP_NONE)
        snprintf(buf + n, size - (size_t)n, " (%s)", caps[k->cap]);
}

void fc_cli_params_usage(FILE *f, int backtest, int offline)
{
    struct fc_config cfg;

    fc_config_defaults(&cfg);
    fprintf(f,
            "parameters (the keys of POST /%s; bounds with the default "
            "settings):\n",
            backtest ? "backtest" : "train");
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && offline)
            fprintf(f, "with --csv only:\n");
        for (int i = 0; fc_param_at(i) != NULL; i++) {
            const struct fc_param *k = fc_param_at(i);
            char left[48], bounds[64];
            if (k->flag == NULL || (k->scope == FC_PARAM_OFFLINE) != pass ||
                (k->scope == FC_PARAM_BACKTEST && !backtest) ||
                (k->scope == FC_PARAM_OFFLINE && !offline))
                continue;
            snprintf(left, sizeof left, "%s %s", k->flag, k->arg);
            format_bounds(k, &cfg, bounds, sizeof bounds);
            fprintf(f, "  %-24s %s", left, k->help);
            /* The bounds after the help, or below it past 79 columns. */
            if (bounds[0] != '\0' &&
                27 + strlen(k->help) + 2 + strlen(bounds) <= 79)
                fprintf(f, ", %s", bounds);
            else if (bounds[0] != '\0')
                fprintf(f, "\n  %-24s %s", "", bounds);
            fputc('\n', f);
        }
    }
}

int fc_cli_params(int argc, char **argv, int backtest, int offline,
                  const char *preset, const struct fc_config *cfg,
                  struct fc_train_params *p)
{
    struct fc_train_params scratch;
    struct fc_diag d;
    fc_err rc = FC_OK;

    fc_diag_init(&d);
    /* Pass 0 reads the preset, which gives the defaults; pass 1 the other
     * parameters over them, in argv order. */
    for (int pass = 0; rc == FC_OK && pass < 2; pass++) {
        if (pass == 1) {
            rc = fc_train_params_defaults(cfg, preset, p, &d);
            if (backtest)
                p->folds = FC_BACKTEST_DEFAULT_FOLDS;
        }
        for (int i = 1; rc == FC_OK && i + 1 < argc; i += 2) {
            if (strcmp(argv[i], "--quiet") == 0) {
                i--; /* the one flag without a value */
                continue;
            }
            const struct fc_param *k =
                fc_param_find_flag(argv[i], backtest, offline);
            if (k == NULL || (pass == 0) != (k->type == FC_PARAM_PRESET))
                continue;
            rc = fc_param_set_text(k, argv[i], argv[i + 1], cfg,
                                   pass == 0 ? &scratch : p, &d);
            if (pass == 0)
                preset = argv[i + 1];
        }
    }
    if (rc == FC_OK)
        rc = fc_train_params_finish(p, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "forecastd %s: %s\n", argv[0],
                d.msg[0] != '\0' ? d.msg : fc_err_text(rc));
        return 2;
    }
    return 0;
}

static int usage_train(FILE *f)
{
    fprintf(
        f, "usage: forecastd train --csv FILE [--out model.bin] [--threads N]\n"
           "         [--quiet] [parameters]\n"
           "       forecastd train --ticker T [--db PATH] [--config FILE]"
           " [--threads N]\n"
           "         [--quiet] [parameters]   (queued and run as POST "
           "/train would)\n");
    fc_cli_params_usage(f, 0, 1);
    return 2;
}

static int usage_predict(FILE *f)
{
    fprintf(f, "usage: forecastd predict --csv FILE --model model.bin "
               "[--to DATE] [--horizon N]\n"
               "       forecastd predict --ticker T [--db PATH] "
               "[--config FILE] [--horizon N] [--level P] "
               "[--version V]\n");
    return 2;
}

static int usage_backtest(FILE *f)
{
    fprintf(f, "usage: forecastd backtest --csv FILE [--threads N] [--quiet] "
               "[parameters]\n");
    fc_cli_params_usage(f, 1, 1);
    return 2;
}

/* 1 when argv holds `flag`. */
static int has_flag(int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            return 1;
    return 0;
}

/* --help or -h: the usage on stdout, exit code 0. */
static int wants_help(int argc, char **argv)
{
    return has_flag(argc, argv, "--help") || has_flag(argc, argv, "-h");
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* Parses argv into o: the command's own options here, the training
 * parameters (the flags of the parameter table, bounded with the default
 * settings) through fc_cli_params. Returns 0, or 2 after printing what was
 * wrong. */
static int parse_args(int argc, char **argv, int backtest, struct opts *o)
{
    struct fc_config cfg;
    struct fc_diag d;

    fc_config_defaults(&cfg);
    fc_diag_init(&d);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
            continue;
        }
        if (v == NULL || strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "unexpected argument '%s'\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--csv") == 0) {
            o->csv = v;
        } else if (strcmp(a, "--out") == 0) {
            o->out = v;
        } else if (strcmp(a, "--model") == 0) {
            o->model = v;
        } else if (strcmp(a, "--horizon") == 0) {
            if (parse_int(v, 1, FC_HORIZON_MAX, &o->horizon) != 0) {
                fprintf(stderr, "bad value for %s: '%s'\n", a, v);
                return 2;
            }
        } else if (strcmp(a, "--threads") == 0) {
            /* The bounds of the train_threads setting. */
            if (fc_config_set_text(&cfg, "train_threads", v, a, &d) != FC_OK) {
                fprintf(stderr, "forecastd %s: %s\n", argv[0], d.msg);
                return 2;
            }
            o->threads = cfg.train_threads;
        } else if (fc_param_find_flag(a, backtest, 1) == NULL) {
            fprintf(stderr, "unknown option '%s'\n", a);
            return 2;
        }
    }
    return fc_cli_params(argc, argv, backtest, 1, "default", &cfg, &o->p);
}

/* Reads the CSV and keeps the bars in [from, to] (inclusive). Returns 0 or
 * prints the reason and returns 1. */
static int load_bars(const struct opts *o, struct fc_bar **bars, int *n)
{
    struct fc_diag d;
    int k = 0;

    fc_diag_init(&d);
    fc_err rc = fc_bars_read_csv_file(o->csv, bars, n, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "%s: %s\n", o->csv, d.msg[0] ? d.msg : fc_err_text(rc));
        return 1;
    }
    for (int i = 0; i < *n; i++)
        if ((*bars)[i].day >= o->p.from_day && (*bars)[i].day <= o->p.to_day)
            (*bars)[k++] = (*bars)[i];
    *n = k;
    return 0;
}

static void print_epoch(void *ctx, const struct fc_progress *p)
{
    const struct opts *o = ctx;
    if (o->quiet)
        return;
    if (isnan(p->val_loss))
        fprintf(stderr, "epoch %3d/%d  train_loss %.6f  %.3fs\n", p->epoch,
                p->epochs, p->train_loss, p->epoch_seconds);
    else
        fprintf(stderr,
                "epoch %3d/%d  train_loss %.6f  val_loss %.6f  best %d  "
                "%.3fs\n",
                p->epoch, p->epochs, p->train_loss, p->val_loss, p->best_epoch,
                p->epoch_seconds);
}

/* What train and backtest share: OpenBLAS on one thread (the core splits
 * batches itself), --threads workers, and a progress line per epoch. */
static void training_opts(struct opts *o, struct fc_train_opts *to)
{
    fc_blas_set_threads(1);
    to->n_threads = o->threads > 0 ? o->threads : 1;
    to->on_epoch = print_epoch;
    to->ctx = o;
}

static void print_metrics_row(const char *name, const struct fc_metrics *m)
{
    printf("  %-8s %9.4f %9.4f %8.3f%% %8.3f%% %7.4f %7.3f\n", name, m->rmse,
           m->mae, 100.0 * m->mape, 100.0 * m->smape, m->mase,
           m->directional_accuracy);
}

/* The interval scores of every forecaster of s that has them (the model,
 * EWMA, GARCH; "again": the share of the days after a 95 % miss that miss
 * too), then the model's interval skill against GARCH. The rows of
 * ewma and garch above carry naive's point scores: their intervals are
 * centred on the naive forecast. */
static void print_interval_rows(const struct fc_scores *s, const char *indent)
{
    int any = 0;
    for (int i = 0; i < s->n_rows; i++)
        any |= s->rows[i].iv.n > 0;
    if (!any)
        return;
    printf("%sintervals  %6s %6s %6s %6s %6s %9s %9s %7s %7s %6s %6s\n", indent,
           "cov80", "calm", "middle", "vol", "cov95", "IS80", "IS95", "kupiec",
           "christ", "again", "5d80");
    for (int i = 0; i < s->n_rows; i++) {
        const struct fc_interval_scores *v = &s->rows[i].iv;
        if (v->n == 0)
            continue;
        printf("%s  %-8s %5.1f%% %5.1f%% %5.1f%% %5.1f%% %5.1f%% %9.6f "
               "%9.6f %7.3f %7.3f %5.1f%% %5.1f%%\n",
               indent, s->rows[i].name, 100.0 * v->coverage80,
               100.0 * v->coverage80_third[0], 100.0 * v->coverage80_third[1],
               100.0 * v->coverage80_third[2], 100.0 * v->coverage95,
               v->score80, v->score95, v->kupiec95_p, v->christoffersen95_p,
               100.0 * v->miss95_after_miss,
               v->n_h5 > 0 ? 100.0 * v->coverage80_h5 : NAN);
    }
    printf("%sinterval skill vs GARCH(1,1): %+.4f at 80 %%, %+.4f at 95 %%\n",
           indent, fc_scores_interval_skill(s, 0.8),
           fc_scores_interval_skill(s, 0.95));
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t w = fwrite(p, 1, n, f);
    int bad = ferror(f);
    if (fclose(f) != 0 || w != n || bad)
        return -1;
    return 0;
}

int fc_cli_train(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        usage_train(stdout);
        return 0;
    }
    if (has_flag(argc, argv, "--ticker"))
        return fc_cli_train_db(argc, argv);
    struct opts o = {0};
    struct fc_bar *bars = NULL;
    struct fc_model *m = NULL;
    struct fc_eval ev;
    struct fc_train_opts to = {0};
    struct fc_diag d;
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    char a[11], b[11];
    int n = 0, status = parse_args(argc, argv, 0, &o);

    if (status != 0 || o.csv == NULL)
        return status ? status : usage_train(stderr);
    status = load_bars(&o, &bars, &n);
    if (status != 0)
        goto done;
    training_opts(&o, &to);
    fc_diag_init(&d);
    fc_err rc = fc_train(&o.p.hp, bars, n, &to, &m, &ev, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "train: %s\n", d.msg[0] ? d.msg : fc_err_text(rc));
        status = 1;
        goto done;
    }
    fc_day_format(bars[0].day, a);
    fc_day_format(bars[n - 1].day, b);
    printf("preset %s: %d bars %s..%s, %zu parameters, %d threads\n",
           o.p.preset, n, a, b, fc_lstm_n_params(m->net), to.n_threads);
    printf("windows: %d train, %d validation, %d test; epochs run %d "
           "(best %d), %.2fs\n",
           ev.split.train_end - ev.split.first,
           ev.split.val_end - ev.split.train_end, ev.n, ev.epochs_run,
           ev.best_epoch, ev.train_seconds);
    fc_day_format(ev.day[0], a);
    fc_day_format(ev.day[ev.n - 1], b);
    printf("test %s..%s (%d days)\n", a, b, ev.n);
    printf("  %-8s %9s %9s %9s %9s %7s %7s\n", "", "rmse", "mae", "mape",
           "smape", "mase", "dir");
    const struct fc_scores *sc = &ev.scores;
    for (int i = 0; i < sc->n_rows; i++)
        print_metrics_row(sc->rows[i].name, &sc->rows[i].m);
    printf("skill vs naive: %+.4f (%s)\n", sc->skill,
           sc->skill >= 0 ? "the model beats tomorrow = today"
                          : "the naive forecast is better");
    printf("intervals calibrated on %d held-out days: the 80%% interval "
           "holds %.1f%%, the 95%% one %.1f%% of %d test days; P(up) Brier "
           "%.4f\n",
           sc->calib.n_resid, 100.0 * sc->calib.coverage80,
           100.0 * sc->calib.coverage95, sc->calib.n, sc->calib.brier);
    print_interval_rows(sc, "");
    if (o.out) {
        if (fc_model_save(m, &blob, &blob_len) != FC_OK ||
            write_file(o.out, blob, blob_len) != 0) {
            fprintf(stderr, "train: cannot write %s: %s\n", o.out,
                    strerror(errno));
            status = 1;
            goto done;
        }
        fprintf(stderr, "model written to %s (%zu bytes)\n", o.out, blob_len);
    }
    fc_eval_fini(&ev);
done:
    free(blob);
    fc_model_free(m);
    free(bars);
    return status;
}

int fc_cli_predict(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        usage_predict(stdout);
        return 0;
    }
    if (has_flag(argc, argv, "--ticker"))
        return fc_cli_predict_db(argc, argv);
    struct opts o = {0};
    struct fc_bar *bars = NULL;
    struct fc_model *m = NULL;
    struct fc_model_ws *ws = NULL;
    struct fc_diag d;
    char *blob = NULL;
    size_t len = 0;
    double close[FC_HORIZON_MAX];
    char day[11];
    int n = 0, status = parse_args(argc, argv, 0, &o);

    if (status != 0 || o.csv == NULL || o.model == NULL)
        return status ? status : usage_predict(stderr);
    if (o.horizon == 0)
        o.horizon = 1;
    status = load_bars(&o, &bars, &n);
    if (status != 0)
        goto done;
    status = 1;
    fc_diag_init(&d);
    fc_err rc = fc_read_file(o.model, MAX_MODEL_BYTES, &blob, &len, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "predict: cannot read %s\n", o.model);
        goto done;
    }
    rc = fc_model_load(blob, len, &m, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "predict: %s: %s\n", o.model,
                d.msg[0] ? d.msg : fc_err_text(rc));
        goto done;
    }
    if (n < fc_model_min_bars(m)) {
        fprintf(stderr, "predict: %d bars, the model needs %d\n", n,
                fc_model_min_bars(m));
        goto done;
    }
    rc = fc_model_ws_new(m, &ws);
    if (rc == FC_OK)
        rc = fc_model_forecast(m, ws, bars, n, o.horizon, close);
    if (rc != FC_OK) {
        fprintf(stderr, "predict: %s\n", fc_err_text(rc));
        goto done;
    }
    int32_t dates[30];
    fc_calendar_next_sessions(fc_calendar_detect(bars, n), bars[n - 1].day,
                              o.horizon, dates);
    fc_day_format(bars[n - 1].day, day);
    printf("as_of %s last_close %.4f\n", day, bars[n - 1].close);
    for (int h = 0; h < o.horizon; h++) {
        fc_day_format(dates[h], day);
        printf("t+%d %s close %.4f\n", h + 1, day, close[h]);
    }
    status = 0;
done:
    fc_model_ws_free(ws);
    fc_model_free(m);
    free(blob);
    free(bars);
    return status;
}

/* One line per forecaster of s, with its skill against naive. */
static void print_fold_scores(const struct fc_scores *s)
{
    const struct fc_metrics *naive = fc_scores_get(s, "naive");

    for (int i = 0; i < s->n_rows; i++) {
        const struct fc_metrics *m = &s->rows[i].m;
        printf("    %-8s rmse %9.4f  mae %9.4f  mape %6.3f%%  dir %5.3f  "
               "skill %+.4f\n",
               s->rows[i].name, m->rmse, m->mae, 100.0 * m->mape,
               m->directional_accuracy,
               naive != NULL ? fc_metrics_skill(m, naive) : NAN);
    }
    print_interval_rows(s, "    ");
}

int fc_cli_backtest(int argc, char **argv)
{
    struct opts o = {0};
    struct fc_bar *bars = NULL;
    struct fc_backtest bt;
    struct fc_train_opts to = {0};
    struct fc_diag d;
    char a[11], b[11];
    int n = 0, status;

    if (wants_help(argc, argv)) {
        usage_backtest(stdout);
        return 0;
    }
    status = parse_args(argc, argv, 1, &o);
    if (status != 0 || o.csv == NULL)
        return status ? status : usage_backtest(stderr);
    status = load_bars(&o, &bars, &n);
    if (status != 0)
        goto done;
    training_opts(&o, &to);
    fc_diag_init(&d);
    fc_err rc = fc_backtest(&o.p.hp, bars, n, o.p.folds, o.p.gap, &to, &bt, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "backtest: %s\n", d.msg[0] ? d.msg : fc_err_text(rc));
        status = 1;
        goto done;
    }
    printf("preset %s, walk-forward: %d folds, gap %d, expanding window\n",
           o.p.preset, bt.n_folds, o.p.gap);
    for (int k = 0; k < bt.n_folds; k++) {
        const struct fc_fold *f = &bt.folds[k];
        fc_day_format(f->scores.from_day, a);
        fc_day_format(f->scores.to_day, b);
        printf("  fold %d: test %s..%s (%d days), trained through ", k + 1, a,
               b, f->scores.n);
        fc_day_format(f->scaler_last_day, a);
        printf("%s, %d epochs\n", a, f->epochs_run);
        print_fold_scores(&f->scores);
    }
    printf("  all folds (%d days):\n", bt.scores.n);
    print_fold_scores(&bt.scores);
done:
    free(bars);
    return status;
}
