/* bench/dist_eval.c — a preset's prediction intervals against the risk
 * desk's yardsticks, on the test days of each CSV (the last 20 %; a
 * measurement, not a test).
 *
 * Per CSV: train the preset (default "default") with 2 threads and print
 * the scores fc_train itself keeps (struct fc_interval_scores of the rows
 * "model", "ewma" and "garch": log-return space, the same days for all
 * three, GARCH(1,1) fitted on the training part only, EWMA 0.94): the
 * model's coverage at 80 % (all days, calm, middle and volatile thirds by
 * trailing 20-day realised volatility), at 95 %, and of the close 5
 * sessions ahead at 80 %; its mean interval score over GARCH's and EWMA's
 * at 80 % and 95 %; Kupiec's and Christoffersen's p-values of its 95 %
 * misses; GARCH's coverage (80 %, volatile third, 95 %, 5 ahead); point
 * RMSE over naive's; training seconds; and, over every bar, the largest
 * share of a calendar year's days the anomaly scan flags at |z| >= 3.
 *
 *   build/bench_dist_eval [--before YYYY-MM-DD] [--preset NAME]
 *       [--window N] [--units N] [--lr X] [--epochs N] [--df X]
 *       [--features a,b,...] FILE.csv [FILE.csv ...]
 * --before keeps only the bars before that day (for choosing settings on
 * early data); --df > 0 switches to the Student-t loss. Rows the ingest
 * refuses (e.g. an open of 0 below the low in the oldest Yahoo rows) are
 * left out, as POST /series/{ticker}/bars?on_error=skip does; how many goes
 * to stderr. */
#include "anomaly.h"
#include "ingest.h"
#include "model.h"
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
    struct fc_interval_scores m, g, e;
    double rmse_ratio;
    double seconds;
    double worst_year; /* largest share of a year's days at |z| >= 3 */
    int worst_yr, n;
};

/* The largest share of any calendar year's checked days that the anomaly
 * scan flags at |z| >= 3, over every bar the model can forecast. */
static int worst_year(const struct fc_model *m, const struct fc_bar *bars,
                      int n_bars, double *share, int *year)
{
    struct fc_anomaly_scan a;
    struct fc_diag d;
    int days[400] = {0}, hits[400] = {0};
    char date[11];

    fc_diag_init(&d);
    if (fc_anomaly_scan(m, bars, n_bars, 0, n_bars, 3.0, &a, &d) != FC_OK)
        return -1;
    for (int t = fc_model_min_bars(m); t < n_bars; t++) {
        fc_day_format(bars[t].day, date);
        int y = atoi(date) - 1800;
        if (y >= 0 && y < 400)
            days[y]++;
    }
    for (int i = 0; i < a.n; i++) {
        fc_day_format(a.v[i].day, date);
        int y = atoi(date) - 1800;
        if (y >= 0 && y < 400)
            hits[y]++;
    }
    *share = 0.0;
    *year = 0;
    for (int y = 0; y < 400; y++)
        if (days[y] >= 20 && (double)hits[y] / days[y] > *share) {
            *share = (double)hits[y] / days[y];
            *year = y + 1800;
        }
    fc_anomaly_scan_fini(&a);
    return 0;
}

/* The good rows of the CSV file at path, ascending (see above). */
static int read_bars(const char *path, struct fc_bar **bars, int *n_bars)
{
    struct fc_batch b;
    struct fc_diag d;
    char *text = NULL;
    long len = 0;
    FILE *f = fopen(path, "rb");
    int rc = -1;

    fc_diag_init(&d);
    fc_batch_init(&b);
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto done;
    text = malloc((size_t)len + 1);
    if (text == NULL || fread(text, 1, (size_t)len, f) != (size_t)len)
        goto done;
    if (fc_ingest_parse_csv(text, (size_t)len, &b, &d) != FC_OK ||
        fc_batch_sort(&b) != FC_OK) {
        fprintf(stderr, "%s: %s\n", path, d.msg);
        goto done;
    }
    if (b.n_bad_rows > 0)
        fprintf(stderr, "%s: %d of %d rows left out (first: row %d, %s)\n",
                path, b.n_bad_rows, b.n_rows, b.errs[0].row, b.errs[0].message);
    *bars = b.bars;
    *n_bars = b.n_bars;
    b.bars = NULL;
    rc = 0;
done:
    if (f != NULL)
        fclose(f);
    free(text);
    fc_batch_fini(&b);
    return rc;
}

static int run(const char *path, const struct fc_hparams *hp, int32_t before,
               struct row *rw)
{
    struct fc_bar *bars = NULL;
    struct fc_model *m = NULL;
    struct fc_eval ev;
    struct fc_train_opts o = {0};
    struct fc_diag d;
    int n_bars = 0, rc = -1, have_ev = 0;

    fc_diag_init(&d);
    if (read_bars(path, &bars, &n_bars) != 0)
        return -1;
    if (before > 0)
        while (n_bars > 0 && bars[n_bars - 1].day >= before)
            n_bars--;
    o.n_threads = 2;
    if (fc_train(hp, bars, n_bars, &o, &m, &ev, &d) != FC_OK) {
        fprintf(stderr, "%s: %s\n", path, d.msg);
        goto done;
    }
    have_ev = 1;
    struct fc_score_row *rm = fc_scores_row(&ev.scores, "model");
    struct fc_score_row *rg = fc_scores_row(&ev.scores, "garch");
    struct fc_score_row *re = fc_scores_row(&ev.scores, "ewma");
    if (rm == NULL || rg == NULL || re == NULL || rm->iv.n == 0) {
        fprintf(stderr, "%s: intervals not measured\n", path);
        goto done;
    }
    rw->m = rm->iv;
    rw->g = rg->iv;
    rw->e = re->iv;
    rw->n = rm->iv.n;
    rw->rmse_ratio = fc_scores_get(&ev.scores, "model")->rmse /
                     fc_scores_get(&ev.scores, "naive")->rmse;
    rw->seconds = ev.train_seconds;
    if (worst_year(m, bars, n_bars, &rw->worst_year, &rw->worst_yr) != 0)
        rw->worst_year = NAN;
    rc = 0;
done:
    if (have_ev)
        fc_eval_fini(&ev);
    fc_model_free(m);
    free(bars);
    return rc;
}

int main(int argc, char **argv)
{
    struct fc_hparams hp;
    const char *preset = "default";
    int32_t before = 0;
    int i = 1;

    for (int k = 1; k + 1 < argc; k += 2)
        if (strcmp(argv[k], "--preset") == 0)
            preset = argv[k + 1];
    if (fc_hparams_preset(preset, &hp) != FC_OK) {
        fprintf(stderr, "unknown preset %s\n", preset);
        return 2;
    }
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--before") == 0) {
            if (fc_day_parse(v, (int)strlen(v), &before) != 0)
                return 2;
        } else if (strcmp(k, "--window") == 0) {
            hp.window = atoi(v);
        } else if (strcmp(k, "--units") == 0) {
            hp.units[0] = atoi(v);
        } else if (strcmp(k, "--lr") == 0) {
            hp.learning_rate = (float)atof(v);
        } else if (strcmp(k, "--epochs") == 0) {
            hp.epochs = atoi(v);
        } else if (strcmp(k, "--df") == 0) {
            hp.student_df = (float)atof(v);
            hp.loss = hp.student_df > 0 ? FC_LOSS_STUDENT_T : hp.loss;
        } else if (strcmp(k, "--features") == 0) {
            char tmp[256];
            snprintf(tmp, sizeof tmp, "%s", v);
            hp.features = 0;
            for (char *t = strtok(tmp, ","); t; t = strtok(NULL, ",")) {
                int f = fc_feature_parse(t);
                if (f < 0)
                    return 2;
                hp.features |= 1u << f;
            }
        } else if (strcmp(k, "--preset") != 0) {
            fprintf(stderr, "unknown option %s\n", k);
            return 2;
        }
    }
    printf("%-8s %5s | %5s %5s %5s %5s | %5s %5s | %6s %6s %6s %6s | "
           "%5s %5s | %5s %5s %5s %5s | %6s %5s | %5s\n",
           "ticker", "days", "cov80", "calm", "mid", "vol", "cov95", "h5",
           "IS80/G", "IS95/G", "IS80/E", "IS95/E", "kupP", "chrP", "G80",
           "Gvol", "G95", "Gh5", "rmse/n", "train", "z3yr");
    for (; i < argc; i++) {
        struct row rw = {0};
        const char *name = strrchr(argv[i], '/');
        name = name ? name + 1 : argv[i];
        if (run(argv[i], &hp, before, &rw) != 0)
            continue;
        printf("%-8.8s %5d | %5.3f %5.3f %5.3f %5.3f | %5.3f %5.3f | %6.3f "
               "%6.3f %6.3f %6.3f | %5.3f %5.3f | %5.3f %5.3f %5.3f %5.3f | "
               "%6.4f %4.1fs | %5.3f %d\n",
               name, rw.n, rw.m.coverage80, rw.m.coverage80_third[0],
               rw.m.coverage80_third[1], rw.m.coverage80_third[2],
               rw.m.coverage95, rw.m.coverage80_h5, rw.m.score80 / rw.g.score80,
               rw.m.score95 / rw.g.score95, rw.m.score80 / rw.e.score80,
               rw.m.score95 / rw.e.score95, rw.m.kupiec95_p,
               rw.m.christoffersen95_p, rw.g.coverage80,
               rw.g.coverage80_third[2], rw.g.coverage95, rw.g.coverage80_h5,
               rw.rmse_ratio, rw.seconds, rw.worst_year, rw.worst_yr);
        fflush(stdout);
    }
    return 0;
}
