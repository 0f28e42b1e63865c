/* cli.c — `forecastd train` and `forecastd predict` offline, on a CSV file:
 * the same parsing, validation, training and forecasting code the server
 * runs, for scripts, benchmarks and debugging. Progress goes to stderr (one
 * line per epoch), results to stdout. Exit codes: 0 success, 1 failure,
 * 2 usage error. The database forms (--ticker) are in cli_db.c. Forecast
 * dates follow the series' trading calendar (server/domain/calendar.h). */
#include "calendar.h"
#include "cli.h"
#include "fileio.h"
#include "forecast.h"
#include "gemm.h"
#include "ingest.h"
#include "model.h"
#include "params.h"
#include "train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODEL_BYTES (256u << 20)

struct opts {
    const char *csv, *out, *model, *from, *to, *preset;
    int horizon, threads, quiet;
    int folds, gap;     /* backtest */
    struct fc_hparams hp;
};

static int usage_train(void)
{
    fprintf(stderr,
            "usage: forecastd train --csv FILE [--from DATE] [--to DATE]\n"
            "         [--preset report|default] [--epochs N] [--window N]\n"
            "         [--layers 50,50,50] [--dropout P] [--batch-size N]\n"
            "         [--learning-rate LR] [--patience N] [--seed N]\n"
            "         [--features close,log_return,...] [--target "
            "close|log_return]\n"
            "         [--val-frac F] [--test-frac F] [--clip-norm C]\n"
            "         [--scaler minmax|robust] [--weight-decay W] "
            "[--ensemble K]\n"
            "         [--zero-output 0|1] [--center-output 0|1] "
            "[--winsor C]\n"
            "         [--threads N] [--out model.bin] [--quiet]\n"
            "       forecastd train --ticker T [--db PATH] [--config FILE]\n"
            "         [--preset report|default] [--epochs N] [--window N]\n"
            "         [--layers 50,50,50] [--dropout P] [--batch-size N]\n"
            "         [--learning-rate LR] [--patience N] [--seed N]\n"
            "         [--features close,...] [--target close|log_return]\n"
            "         [--from DATE] [--to DATE] [--threads N] [--quiet]\n");
    return 2;
}

static int usage_predict(void)
{
    fprintf(stderr, "usage: forecastd predict --csv FILE --model model.bin "
                    "[--to DATE] [--horizon N]\n"
                    "       forecastd predict --ticker T [--db PATH] "
                    "[--config FILE] [--horizon N] [--level P] "
                    "[--version V]\n");
    return 2;
}

/* 1 when argv holds --ticker: the database form of the command. */
static int wants_db(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--ticker") == 0)
            return 1;
    return 0;
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

static int parse_float(const char *s, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return -1;
    *out = (float)v;
    return 0;
}

static int parse_layers(const char *s, struct fc_hparams *hp)
{
    char buf[256];
    int n = 0;
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (n == FC_LSTM_MAX_LAYERS ||
            parse_int(tok, 1, FC_LSTM_MAX_UNITS, &hp->units[n]) != 0)
            return -1;
        n++;
    }
    if (n == 0)
        return -1;
    hp->n_layers = n;
    return 0;
}

static int parse_features(const char *s, uint32_t *mask)
{
    char buf[256];
    *mask = 0;
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int f = fc_feature_parse(tok);
        if (f < 0)
            return -1;
        *mask |= 1u << f;
    }
    return *mask ? 0 : -1;
}

/* Parses argv into o. Returns 0, or 2 after printing what was wrong. */
static int parse_args(int argc, char **argv, struct opts *o)
{
    const char *preset = "default";
    /* The preset comes first so that the other flags override it. */
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--preset") == 0)
            preset = argv[i + 1];
    if (fc_hparams_preset(preset, &o->hp) != FC_OK) {
        fprintf(stderr, "unknown preset '%s' (report or default)\n", preset);
        return 2;
    }
    o->preset = preset;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
            continue;
        }
        if (v == NULL || strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "unexpected argument '%s'\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--csv") == 0)
            o->csv = v;
        else if (strcmp(a, "--out") == 0)
            o->out = v;
        else if (strcmp(a, "--model") == 0)
            o->model = v;
        else if (strcmp(a, "--from") == 0)
            o->from = v;
        else if (strcmp(a, "--to") == 0)
            o->to = v;
        else if (strcmp(a, "--preset") == 0)
            ;
        else if (strcmp(a, "--folds") == 0)
            bad = parse_int(v, 1, FC_BACKTEST_MAX_FOLDS, &o->folds);
        else if (strcmp(a, "--gap") == 0)
            bad = parse_int(v, 0, FC_BACKTEST_MAX_GAP, &o->gap);
        else if (strcmp(a, "--horizon") == 0)
            bad = parse_int(v, 1, FC_HORIZON_MAX, &o->horizon);
        else if (strcmp(a, "--threads") == 0)
            bad = parse_int(v, 1, 64, &o->threads);
        else if (strcmp(a, "--epochs") == 0)
            bad = parse_int(v, 1, 100000, &o->hp.epochs);
        else if (strcmp(a, "--window") == 0)
            bad = parse_int(v, 1, 10000, &o->hp.window);
        else if (strcmp(a, "--batch-size") == 0)
            bad = parse_int(v, 1, 65536, &o->hp.batch_size);
        else if (strcmp(a, "--patience") == 0)
            bad = parse_int(v, 0, 100000, &o->hp.patience);
        else if (strcmp(a, "--seed") == 0) {
            int seed = 0;
            bad = parse_int(v, 0, 2147483647, &seed);
            o->hp.seed = (uint64_t)seed;
        } else if (strcmp(a, "--dropout") == 0)
            bad = parse_float(v, &o->hp.dropout);
        else if (strcmp(a, "--learning-rate") == 0)
            bad = parse_float(v, &o->hp.learning_rate);
        else if (strcmp(a, "--val-frac") == 0)
            bad = parse_float(v, &o->hp.val_frac);
        else if (strcmp(a, "--test-frac") == 0)
            bad = parse_float(v, &o->hp.test_frac);
        else if (strcmp(a, "--clip-norm") == 0)
            bad = parse_float(v, &o->hp.clip_norm);
        else if (strcmp(a, "--weight-decay") == 0)
            bad = parse_float(v, &o->hp.weight_decay);
        else if (strcmp(a, "--zero-output") == 0)
            bad = parse_int(v, 0, 1, &o->hp.zero_output);
        else if (strcmp(a, "--center-output") == 0)
            bad = parse_int(v, 0, 1, &o->hp.center_output);
        else if (strcmp(a, "--winsor") == 0)
            bad = parse_float(v, &o->hp.winsor);
        else if (strcmp(a, "--ensemble") == 0)
            bad = parse_int(v, 1, 16, &o->hp.n_ensemble);
        else if (strcmp(a, "--scaler") == 0) {
            int sc = fc_scaler_parse(v);
            bad = sc < 0;
            o->hp.scaler = (enum fc_scaler)(sc < 0 ? 0 : sc);
        }
        else if (strcmp(a, "--layers") == 0)
            bad = parse_layers(v, &o->hp);
        else if (strcmp(a, "--features") == 0)
            bad = parse_features(v, &o->hp.features);
        else if (strcmp(a, "--target") == 0) {
            int t = fc_target_parse(v);
            bad = t < 0;
            o->hp.target = (enum fc_target)(t < 0 ? 0 : t);
        } else {
            fprintf(stderr, "unknown option '%s'\n", a);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "bad value for %s: '%s'\n", a, v);
            return 2;
        }
    }
    return 0;
}

/* Reads the CSV and keeps the bars in [from, to] (inclusive). Returns 0 or
 * prints the reason and returns 1 (2 for a bad date). */
static int load_bars(const struct opts *o, struct fc_bar **bars, int *n)
{
    struct fc_diag d;
    int32_t from = INT32_MIN, to = INT32_MAX;
    int k = 0;

    fc_diag_init(&d);
    if ((o->from && fc_day_parse(o->from, (int)strlen(o->from), &from)) ||
        (o->to && fc_day_parse(o->to, (int)strlen(o->to), &to))) {
        fprintf(stderr, "--from/--to: dates are YYYY-MM-DD\n");
        return 2;
    }
    fc_err rc = fc_bars_read_csv_file(o->csv, bars, n, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "%s: %s\n", o->csv, d.msg[0] ? d.msg : fc_err_text(rc));
        return 1;
    }
    for (int i = 0; i < *n; i++)
        if ((*bars)[i].day >= from && (*bars)[i].day <= to)
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
    if (wants_db(argc, argv))
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
    int n = 0, status = parse_args(argc, argv, &o);

    if (status != 0 || o.csv == NULL)
        return status ? status : usage_train();
    status = load_bars(&o, &bars, &n);
    if (status != 0)
        goto done;
    training_opts(&o, &to);
    fc_diag_init(&d);
    fc_err rc = fc_train(&o.hp, bars, n, &to, &m, &ev, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "train: %s\n", d.msg[0] ? d.msg : fc_err_text(rc));
        status = 1;
        goto done;
    }
    fc_day_format(bars[0].day, a);
    fc_day_format(bars[n - 1].day, b);
    printf("preset %s: %d bars %s..%s, %zu parameters, %d threads\n", o.preset,
           n, a, b, fc_lstm_n_params(m->net), to.n_threads);
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
    print_metrics_row("model", &ev.model);
    print_metrics_row("naive", &ev.naive_metrics);
    print_metrics_row("drift", &ev.drift_metrics);
    print_metrics_row("sma14", &ev.sma14_metrics);
    printf("skill vs naive: %+.4f (%s)\n", ev.skill,
           ev.skill >= 0 ? "the model beats tomorrow = today"
                         : "the naive forecast is better");
    printf("intervals calibrated on %d held-out days: the 80%% interval "
           "holds %.1f%%, the 95%% one %.1f%% of %d test days; P(up) Brier "
           "%.4f\n",
           ev.n_calib, 100.0 * ev.coverage80, 100.0 * ev.coverage95,
           ev.n - ev.cover_from, ev.brier);
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
    if (wants_db(argc, argv))
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
    int n = 0, status = parse_args(argc, argv, &o);

    if (status != 0 || o.csv == NULL || o.model == NULL)
        return status ? status : usage_predict();
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

static void print_fold_row(const char *name, const struct fc_metrics *m,
                           const struct fc_metrics *naive)
{
    printf("    %-8s rmse %9.4f  mae %9.4f  mape %6.3f%%  dir %5.3f  skill "
           "%+.4f\n",
           name, m->rmse, m->mae, 100.0 * m->mape, m->directional_accuracy,
           fc_metrics_skill(m, naive));
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

    o.folds = 5;
    status = parse_args(argc, argv, &o);
    if (status != 0 || o.csv == NULL) {
        if (status == 0)
            fprintf(stderr, "usage: forecastd backtest --csv FILE [--from "
                            "DATE] [--to DATE] [--folds N] [--gap N]\n"
                            "         [--preset report|default] [train's "
                            "hyperparameter flags] [--threads N]\n");
        return status ? status : 2;
    }
    status = load_bars(&o, &bars, &n);
    if (status != 0)
        goto done;
    training_opts(&o, &to);
    fc_diag_init(&d);
    fc_err rc = fc_backtest(&o.hp, bars, n, o.folds, o.gap, &to, &bt, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "backtest: %s\n", d.msg[0] ? d.msg : fc_err_text(rc));
        status = 1;
        goto done;
    }
    printf("preset %s, walk-forward: %d folds, gap %d, expanding window\n",
           o.preset, bt.n_folds, o.gap);
    for (int k = 0; k < bt.n_folds; k++) {
        const struct fc_fold *f = &bt.folds[k];
        fc_day_format(f->test_first_day, a);
        fc_day_format(f->test_last_day, b);
        printf("  fold %d: test %s..%s (%d days), trained through ", k + 1, a,
               b, f->n_test);
        fc_day_format(f->scaler_last_day, a);
        printf("%s, %d epochs\n", a, f->epochs_run);
        print_fold_row("model", &f->model, &f->naive);
        print_fold_row("naive", &f->naive, &f->naive);
        print_fold_row("drift", &f->drift, &f->naive);
        print_fold_row("sma14", &f->sma14, &f->naive);
    }
    printf("  all folds (%d days):\n", bt.n_test);
    print_fold_row("model", &bt.model, &bt.naive);
    print_fold_row("naive", &bt.naive, &bt.naive);
    print_fold_row("drift", &bt.drift, &bt.naive);
    print_fold_row("sma14", &bt.sma14, &bt.naive);
done:
    free(bars);
    return status;
}
