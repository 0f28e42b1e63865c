/* cli_copy.c — `forecastd copy --from SRC --to DST [--replace]`: moves a
 * database between backends (each an SQLite path or a PostgreSQL URI),
 * whole: series with their bars and creation times, model versions with
 * their blobs, evaluations and champion flags, and the jobs' history with
 * their ids. The retrain schedule needs nothing of its own: it is read
 * from the versions' creation times, which are copied.
 *
 * The destination must be empty (exit 3 otherwise) unless --replace
 * empties it first. Each series, version and job is written in its own
 * transaction, in the source's order (oldest version and job first), so
 * a failed copy leaves a partial destination: run it again with
 * --replace. At the end the copy is checked against the source: the
 * counts of series, bars, versions and jobs, every series' bars value by
 * value, and every version's blob by SHA-256.
 *
 * Exit status: 0 copied and checked, 1 an error (a database that cannot
 * be opened, read or written, or a check that failed), 2 usage, 3 the
 * destination is not empty. */
#include "cli_copy.h"

#include "sha256.h"
#include "store.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALL INT64_MAX /* a list's limit: every row */

static int usage(void)
{
    fprintf(stderr, "usage: forecastd copy --from SRC --to DST [--replace]\n"
                    "  SRC, DST: an SQLite file or a PostgreSQL URI "
                    "(postgresql://user:password@host:port/db)\n"
                    "  --replace: empty a destination that is not empty\n"
                    "exit status: 0 copied and checked, 1 error, 2 usage, "
                    "3 destination not empty\n");
    return 2;
}

/* Whether two bars are the same, NaN (no adj_close) equal to NaN. */
static int same_bar(const struct fc_bar *a, const struct fc_bar *b)
{
    const double x[5] = {a->open, a->high, a->low, a->close, a->adj_close};
    const double y[5] = {b->open, b->high, b->low, b->close, b->adj_close};
    for (int i = 0; i < 5; i++)
        if (!(x[i] == y[i] || (isnan(x[i]) && isnan(y[i]))))
            return 0;
    return a->day == b->day && a->volume == b->volume;
}

/* Every bar of `ticker`. */
static fc_err all_bars(struct fc_store *st, const char *ticker,
                       struct fc_bar **out, int *n, struct fc_diag *d)
{
    return fc_store_get_bars(st, ticker, INT32_MIN, INT32_MAX, 0, out, n, d);
}

/* Series and their bars, SRC to DST; *n_bars counts them. */
static fc_err copy_series(struct fc_store *src, struct fc_store *dst,
                          int64_t *n_bars, struct fc_diag *d)
{
    struct fc_series_info *s = NULL;
    int n = 0;
    fc_err rc = fc_store_list_series(src, &s, &n, d);
    for (int i = 0; rc == FC_OK && i < n; i++) {
        struct fc_bar *b = NULL;
        int nb = 0;
        char created[32];
        rc = fc_store_series_created(src, s[i].ticker, created, d);
        if (rc == FC_OK)
            rc = all_bars(src, s[i].ticker, &b, &nb, d);
        if (rc == FC_OK)
            rc = fc_store_import_series(dst, s[i].ticker, created, b, nb, d);
        *n_bars += nb;
        free(b);
    }
    free(s);
    return rc;
}

/* Model versions, oldest stored first (so later lists keep their order),
 * with blobs and evaluations. */
static fc_err copy_models(struct fc_store *src, struct fc_store *dst,
                          struct fc_diag *d)
{
    struct fc_model_rec *v = NULL;
    int n = 0;
    fc_err rc = fc_store_model_list(src, NULL, ALL, &v, &n, d);
    for (int i = n - 1; rc == FC_OK && i >= 0; i--) {
        struct fc_model_rec m;
        memset(&m, 0, sizeof m);
        rc = fc_store_model_get(src, v[i].ticker, v[i].version, 1, &m, d);
        if (rc == FC_OK) {
            free(m.evaluation);
            m.evaluation = NULL;
            rc = fc_store_model_evaluation(src, v[i].ticker, v[i].version,
                                           &m.evaluation, d);
        }
        if (rc == FC_OK) {
            m.champion = v[i].champion;
            rc = fc_store_import_model(dst, &m, d);
        }
        fc_model_rec_fini(&m);
    }
    fc_model_recs_free(v, n);
    return rc;
}

/* Jobs, oldest first, with their ids. */
static fc_err copy_jobs(struct fc_store *src, struct fc_store *dst,
                        struct fc_diag *d)
{
    struct fc_job *j = NULL;
    int n = 0;
    fc_err rc = fc_store_job_list(src, NULL, -1, ALL, &j, &n, d);
    for (int i = n - 1; rc == FC_OK && i >= 0; i--)
        rc = fc_store_import_job(dst, &j[i], d);
    fc_jobs_free(j, n);
    return rc;
}

/* The SHA-256 of version `version` of `ticker`'s blob into hex. */
static fc_err blob_sha(struct fc_store *st, const char *ticker, int64_t version,
                       char hex[65], struct fc_diag *d)
{
    struct fc_model_rec m;
    memset(&m, 0, sizeof m);
    fc_err rc = fc_store_model_get(st, ticker, version, 1, &m, d);
    if (rc == FC_OK)
        fc_sha256_hex(m.blob, m.blob_len, hex);
    fc_model_rec_fini(&m);
    return rc;
}

/* The destination against the source: counts, bars, blobs. */
static fc_err verify(struct fc_store *src, struct fc_store *dst,
                     struct fc_diag *d)
{
    int64_t a[4], b[4];
    struct fc_series_info *s = NULL;
    struct fc_model_rec *v = NULL;
    int ns = 0, nv = 0;
    static const char *const what[4] = {"series", "bars", "model versions",
                                        "jobs"};

    fc_err rc = fc_store_copy_counts(src, a, d);
    if (rc == FC_OK)
        rc = fc_store_copy_counts(dst, b, d);
    for (int i = 0; rc == FC_OK && i < 4; i++)
        if (a[i] != b[i])
            rc = fc_diag_set(d, FC_EIO,
                             "check: %lld %s in the source, %lld "
                             "in the destination",
                             (long long)a[i], what[i], (long long)b[i]);
    if (rc == FC_OK)
        rc = fc_store_list_series(src, &s, &ns, d);
    for (int i = 0; rc == FC_OK && i < ns; i++) {
        struct fc_bar *x = NULL, *y = NULL;
        int nx = 0, ny = 0;
        rc = all_bars(src, s[i].ticker, &x, &nx, d);
        if (rc == FC_OK)
            rc = all_bars(dst, s[i].ticker, &y, &ny, d);
        for (int k = 0; rc == FC_OK && k < nx; k++)
            if (nx != ny || !same_bar(&x[k], &y[k]))
                rc = fc_diag_set(d, FC_EIO, "check: the bars of %s differ",
                                 s[i].ticker);
        free(x);
        free(y);
    }
    if (rc == FC_OK)
        rc = fc_store_model_list(src, NULL, ALL, &v, &nv, d);
    for (int i = 0; rc == FC_OK && i < nv; i++) {
        char hx[65], hy[65];
        struct fc_model_rec m;
        memset(&m, 0, sizeof m);
        rc = blob_sha(src, v[i].ticker, v[i].version, hx, d);
        if (rc == FC_OK)
            rc = blob_sha(dst, v[i].ticker, v[i].version, hy, d);
        if (rc == FC_OK && strcmp(hx, hy) != 0)
            rc = fc_diag_set(d, FC_EIO,
                             "check: %s v%lld: blob sha256 %s, "
                             "copied %s",
                             v[i].ticker, (long long)v[i].version, hx, hy);
        if (rc == FC_OK)
            rc = fc_store_model_get(dst, v[i].ticker, v[i].version, 0, &m, d);
        if (rc == FC_OK && m.champion != v[i].champion)
            rc = fc_diag_set(d, FC_EIO, "check: %s v%lld: champion flag",
                             v[i].ticker, (long long)v[i].version);
        fc_model_rec_fini(&m);
    }
    free(s);
    fc_model_recs_free(v, nv);
    if (rc == FC_OK)
        printf("copied and checked: %lld series, %lld bars, %lld model "
               "versions (blobs sha256-identical), %lld jobs\n",
               (long long)b[0], (long long)b[1], (long long)b[2],
               (long long)b[3]);
    return rc;
}

int fc_cmd_copy(int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    int replace = 0;
    struct fc_store *src = NULL, *dst = NULL;
    struct fc_diag d;
    char shown[1100];
    int64_t counts[4];
    int64_t n_bars = 0;
    int code = 1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--replace") == 0)
            replace = 1;
        else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else
            return usage();
    }
    if (from == NULL || to == NULL || from[0] == '\0' || to[0] == '\0' ||
        strcmp(from, to) == 0)
        return usage();
    fc_diag_init(&d);
    fc_store_db_redact(from, shown, sizeof shown);
    if (fc_store_open(from, &src, &d) != FC_OK) {
        fprintf(stderr, "forecastd copy: source %s: %s\n", shown, d.msg);
        goto done;
    }
    fc_store_db_redact(to, shown, sizeof shown);
    if (fc_store_open(to, &dst, &d) != FC_OK ||
        fc_store_copy_counts(dst, counts, &d) != FC_OK) {
        fprintf(stderr, "forecastd copy: destination %s: %s\n", shown, d.msg);
        goto done;
    }
    if (counts[0] + counts[2] + counts[3] > 0 && !replace) {
        fprintf(stderr,
                "forecastd copy: destination %s is not empty (%lld series, "
                "%lld model versions, %lld jobs); --replace empties it "
                "first\n",
                shown, (long long)counts[0], (long long)counts[2],
                (long long)counts[3]);
        code = 3;
        goto done;
    }
    fc_err rc = replace ? fc_store_wipe(dst, &d) : FC_OK;
    if (rc == FC_OK)
        rc = copy_series(src, dst, &n_bars, &d);
    if (rc == FC_OK)
        rc = copy_models(src, dst, &d);
    if (rc == FC_OK)
        rc = copy_jobs(src, dst, &d);
    if (rc == FC_OK)
        rc = verify(src, dst, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "forecastd copy: %s\n",
                d.msg[0] != '\0' ? d.msg : fc_err_text(rc));
        goto done;
    }
    code = 0;
done:
    fc_store_close(src);
    fc_store_close(dst);
    return code;
}
