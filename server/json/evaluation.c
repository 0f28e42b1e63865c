/* evaluation.c — GET /models/{ticker}/{version}/evaluation: the stored test
 * period day by day (fc_json_eval_points wrote it), each day with its
 * interval at the requested level and its scale, as JSON or CSV.
 *
 * A day's interval comes from the stored inputs and the model's held-out
 * residuals:
 *  - a distributional model stored mu and sigma per day: the interval is
 *    naive * e^(mu + q sigma), q from its adapted state (core adapt.h)
 *    before the day, the replay the training evaluation scored: the state
 *    of its calibration, then the standardised residual of each earlier
 *    day its coverage counts (the last calibration.days of the metrics),
 *    in order; so the band at 0.8 and 0.95 is the one the metrics'
 *    coverage measured (metrics without those days: the split-conformal
 *    quantiles of its held-out z). sigma is the day's own;
 *  - a point model's is its constant band, predicted * e^[lo, hi] with
 *    [lo, hi] the conformal bounds of its held-out log errors, and sigma
 *    the band's implied scale: the standard deviation of those errors, the
 *    same every day. */
#include "json_io.h"

#include "json_common.h"

#include "adapt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct band_rule {
    int dist;           /* 1: per-day mu and sigma */
    int adapt;          /* 1: a distributional model's adapted state, ad */
    double level;       /* the interval's */
    double lo, hi;      /* conformal bounds: of z (dist) or log errors */
    double sd;          /* a point model's held-out residual sd */
    struct fc_adapt ad; /* the state before the next point */
    int i, cover_from;  /* the next point, the first one folded into ad */
};

/* The rule of model m at `level` for the n_points stored points of a test
 * period whose metrics document is `metrics` (may be NULL). A
 * distributional model whose metrics count its coverage days
 * (calibration.days, the last ones of the points) gets the adapted state:
 * that of its calibration, each of those days folded in once scored;
 * without them, the fixed quantiles of its held-out z. FC_EINVAL (level),
 * FC_ENOMEM. Release with band_rule_fini. */
static fc_err band_rule_init(const struct fc_model *m, const char *metrics,
                             int n_points, double level, struct band_rule *b)
{
    struct fc_scores sc;
    fc_err rc;

    memset(b, 0, sizeof *b);
    memset(&sc, 0, sizeof sc);
    b->dist = fc_model_is_dist(m);
    b->level = level;
    b->sd = fc_anomaly_sd(m);
    if (b->dist && metrics != NULL &&
        fc_json_parse_scores(metrics, &sc) == FC_OK && sc.calib.n > 0) {
        if (!(level > 0.0 && level < 1.0))
            return FC_EINVAL;
        int n_cov = sc.calib.n > n_points ? n_points : sc.calib.n;
        b->adapt = 1;
        b->cover_from = n_points - n_cov;
        return fc_adapt_init(&b->ad, m);
    }
    float *scratch = malloc(((size_t)m->n_resid + 1) * sizeof *scratch);
    if (scratch == NULL)
        return FC_ENOMEM;
    rc = fc_conformal_bounds(m->resid, m->n_resid, level, scratch, &b->lo,
                             &b->hi);
    free(scratch);
    return rc;
}

static void band_rule_fini(struct band_rule *b)
{
    fc_adapt_fini(&b->ad);
}

/* The next point p's interval and scale; NaN where a stored value is
 * missing. A distributional model's is naive * e^(mu + q sigma), q from
 * the adapted state of the points before p (as the training evaluation
 * scored it), p's own z = (ln(actual / naive) - mu) / sigma folded in
 * after when p is a coverage day. */
static void band(struct band_rule *b, const cJSON *p, double *lower,
                 double *upper, double *sigma)
{
    if (b->dist) {
        double mu = fc_jsonc_num_or_nan(p, "mu");
        double sd = fc_jsonc_num_or_nan(p, "sigma");
        double c = fc_jsonc_num_or_nan(p, "naive");
        double q_lo = b->lo, q_hi = b->hi;
        if (b->adapt)
            fc_adapt_bounds(&b->ad, b->level, &q_lo, &q_hi);
        *lower = c * exp(mu + q_lo * sd);
        *upper = c * exp(mu + q_hi * sd);
        *sigma = sd;
        if (b->adapt && b->i >= b->cover_from) {
            double a = fc_jsonc_num_or_nan(p, "actual");
            fc_adapt_add(&b->ad, (log(a / c) - mu) / sd);
        }
    } else {
        double pred = fc_jsonc_num_or_nan(p, "predicted");
        *lower = pred * exp(b->lo);
        *upper = pred * exp(b->hi);
        *sigma = b->sd;
    }
    b->i++;
}

/* A member of a stored point as it was written: a number through
 * fc_jsonc_put_num, so it prints the same double back exactly (cJSON's own
 * printer may round the last digit), a string (the date: digits and
 * dashes) quoted, anything else null. */
static void put_member(struct fc_buf *s, const cJSON *v)
{
    fc_buf_puts(s, "\"");
    fc_buf_puts(s, v->string);
    fc_buf_puts(s, "\":");
    if (cJSON_IsNumber(v)) {
        fc_jsonc_put_num(s, v->valuedouble);
    } else if (cJSON_IsString(v)) {
        fc_buf_puts(s, "\"");
        fc_buf_puts(s, v->valuestring);
        fc_buf_puts(s, "\"");
    } else {
        fc_buf_puts(s, "null");
    }
}

char *fc_json_evaluation(const char *ticker, int64_t version,
                         const char *metrics, const char *points,
                         const struct fc_model *m, double level, size_t *len)
{
    struct band_rule b;
    const char *end = NULL;
    struct fc_buf s;

    cJSON *pts = fc_jsonc_parse_whole(points, strlen(points), &end);
    if (!cJSON_IsArray(pts) ||
        band_rule_init(m, metrics, cJSON_GetArraySize(pts), level, &b) !=
            FC_OK) {
        cJSON_Delete(pts);
        return NULL;
    }
    fc_buf_init(&s, (size_t)-1 / 2);
    fc_buf_reserve(&s, strlen(metrics) + strlen(points) * 3 / 2 + 128);
    fc_buf_puts(&s, "{\"ticker\":\"");
    fc_buf_puts(&s, ticker); /* validated: A-Z 0-9 . - ^ = only */
    fc_buf_printf(&s, "\",\"version\":%lld,\"level\":", (long long)version);
    fc_jsonc_put_num(&s, level);
    fc_buf_puts(&s, ",\"metrics\":");
    fc_buf_puts(&s, metrics); /* documents this service wrote */
    fc_buf_puts(&s, ",\"points\":[");
    for (const cJSON *p = pts->child; p != NULL; p = p->next) {
        double v[3];
        fc_buf_puts(&s, p == pts->child ? "{" : ",{");
        for (const cJSON *x = p->child; x != NULL; x = x->next) {
            if (x->string == NULL)
                continue;
            put_member(&s, x);
            fc_buf_puts(&s, ",");
        }
        band(&b, p, &v[0], &v[1], &v[2]);
        fc_buf_puts(&s, "\"lower\":");
        fc_jsonc_put_num(&s, v[0]);
        fc_buf_puts(&s, ",\"upper\":");
        fc_jsonc_put_num(&s, v[1]);
        if (!cJSON_HasObjectItem(p, "sigma")) {
            fc_buf_puts(&s, ",\"sigma\":");
            fc_jsonc_put_num(&s, v[2]);
        }
        fc_buf_puts(&s, "}");
    }
    fc_buf_puts(&s, "]}");
    cJSON_Delete(pts);
    band_rule_fini(&b);
    return fc_buf_release(&s, len);
}

char *fc_json_evaluation_csv(const char *metrics, const char *points,
                             const struct fc_model *m, double level,
                             size_t *len)
{
    static const char *const cols[] = {"actual", "predicted", "naive",
                                       "drift",  "sma14",     "p_up"};
    struct band_rule b;
    const char *end = NULL;
    struct fc_buf s;

    cJSON *root = fc_jsonc_parse_whole(points, strlen(points), &end);
    if (root == NULL || band_rule_init(m, metrics, cJSON_GetArraySize(root),
                                       level, &b) != FC_OK) {
        cJSON_Delete(root);
        return NULL;
    }
    fc_buf_init(&s, (size_t)-1 / 2);
    fc_buf_puts(&s, "date,actual,predicted,naive,drift,sma14,p_up,lower,"
                    "upper,sigma\n");
    for (const cJSON *p = root->child; p != NULL; p = p->next) {
        const cJSON *date = cJSON_GetObjectItemCaseSensitive(p, "date");
        double v[3];
        fc_buf_puts(&s, cJSON_IsString(date) ? date->valuestring : "");
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
            double x = fc_jsonc_num_or_nan(p, cols[i]);
            fc_buf_puts(&s, ",");
            if (isfinite(x)) /* an unknown value stays an empty field */
                fc_jsonc_put_num(&s, x);
        }
        band(&b, p, &v[0], &v[1], &v[2]);
        for (int i = 0; i < 3; i++) {
            fc_buf_puts(&s, ",");
            if (isfinite(v[i]))
                fc_jsonc_put_num(&s, v[i]);
        }
        fc_buf_puts(&s, "\n");
    }
    cJSON_Delete(root);
    band_rule_fini(&b);
    return fc_buf_release(&s, len);
}
