/* ingest.c — bar validation and the CSV reader.
 *
 * The hot path is one pass over the input: lines are found with memchr,
 * fields are split in place (no copies), numbers go through a short decimal
 * parser with Clinger's exact fast path (mantissa <= 2^53 and |exp10| <= 22:
 * one correctly rounded multiply or divide) and fall back to strtod only for
 * long or extreme numbers. The bar arrays are sized once from the line
 * count, so a row costs no allocation. Messages are formatted only for bad
 * rows. What this file does not do: quoting beyond a field wrapped in double
 * quotes (Yahoo never quotes), encodings other than UTF-8/ASCII, storage. */
#include "ingest.h"

#include "buf.h"
#include "fileio.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const field_names[FC_FIELD_COUNT_] = {
    "date", "open", "high", "low", "close", "adj_close", "volume"};

const char *fc_field_name(enum fc_field f)
{
    if ((int)f < 0 || f >= FC_FIELD_COUNT_)
        return NULL;
    return field_names[f];
}

void fc_batch_init(struct fc_batch *b)
{
    memset(b, 0, offsetof(struct fc_batch, errs));
    b->bars = NULL;
    b->rows = NULL;
}

void fc_batch_fini(struct fc_batch *b)
{
    free(b->bars);
    free(b->rows);
    b->bars = NULL;
    b->rows = NULL;
    b->n_bars = 0;
    b->cap = 0;
}

fc_err fc_batch_reserve(struct fc_batch *b, int n_bars)
{
    if (n_bars < 0 || n_bars > INT32_MAX / 2 - b->n_bars)
        return FC_ENOMEM;
    int want = b->n_bars + n_bars;
    if (want <= b->cap)
        return FC_OK;
    if (want < 16)
        want = 16;
    struct fc_bar *nb = realloc(b->bars, (size_t)want * sizeof *nb);
    if (nb == NULL)
        return FC_ENOMEM;
    b->bars = nb;
    int *nr = realloc(b->rows, (size_t)want * sizeof *nr);
    if (nr == NULL)
        return FC_ENOMEM;
    b->rows = nr;
    b->cap = want;
    return FC_OK;
}

/* ---- one row ------------------------------------------------------------ */

void fc_row_begin(struct fc_row *r, int row)
{
    r->row = row;
    r->set = 0;
    r->day = FC_DAY_NONE;
    r->n_errs = 0;
    r->v[FC_FIELD_ADJ_CLOSE] = NAN;
}

static void row_error(struct fc_row *r, enum fc_field f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void row_error(struct fc_row *r, enum fc_field f, const char *fmt, ...)
{
    va_list ap;
    int cap = (int)(sizeof r->errs / sizeof r->errs[0]);

    if (r->n_errs >= cap)
        return;
    r->errs[r->n_errs].field = f;
    va_start(ap, fmt);
    vsnprintf(r->errs[r->n_errs].message, sizeof r->errs[0].message, fmt, ap);
    va_end(ap);
    r->n_errs++;
}

static int has_error(const struct fc_row *r, enum fc_field f)
{
    for (int i = 0; i < r->n_errs; i++)
        if (r->errs[i].field == f)
            return 1;
    return 0;
}

static int ieq(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != lit[i])
            return 0;
    return 1;
}

/* Decimal text to double. Grammar: [+-] digits [. digits] [(e|E) [+-]
 * digits], at least one mantissa digit. Returns 0 and *out, or -1. */
static int parse_decimal(const char *s, size_t len, double *out)
{
    static const double p10[23] = {
        1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    int neg = 0;
    uint64_t m = 0;
    int n_sig = 0;    /* digits accumulated into m */
    int n_digits = 0; /* mantissa digits seen */
    int exp10 = 0;
    int dropped = 0; /* non-zero digits that did not fit m */

    if (len == 0)
        return -1;
    if (s[i] == '+' || s[i] == '-') {
        neg = s[i] == '-';
        i++;
    }
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, n_digits++) {
        if (n_sig < 19) {
            m = m * 10 + (uint64_t)(s[i] - '0');
            if (m != 0)
                n_sig++;
        } else {
            exp10++;
            dropped |= s[i] != '0';
        }
    }
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, n_digits++) {
            if (n_sig < 19) {
                m = m * 10 + (uint64_t)(s[i] - '0');
                if (m != 0)
                    n_sig++;
                exp10--;
            } else {
                dropped |= s[i] != '0';
            }
        }
    }
    if (n_digits == 0)
        return -1;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        int e = 0;
        int n_e = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, n_e++)
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
        if (n_e == 0)
            return -1;
        exp10 += eneg ? -e : e;
    }
    if (i != len)
        return -1;
    /* Clinger's fast path: m and 10^|e| are exact doubles, so one IEEE
     * multiply or divide is correctly rounded. */
    if (!dropped && m <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)m;
        v = exp10 < 0 ? v / p10[-exp10] : v * p10[exp10];
        *out = neg ? -v : v;
        return 0;
    }
    char tmp[72];
    if (len >= sizeof tmp)
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    *out = strtod(tmp, NULL);
    return 0;
}

/* Range checks shared by text and numbers: everything that concerns one
 * field alone. */
static void check_value(struct fc_row *r, enum fc_field f, double v)
{
    if (!isfinite(v)) {
        row_error(r, f, "not a finite number");
        return;
    }
    switch (f) {
    case FC_FIELD_CLOSE:
        if (!(v > 0)) {
            row_error(r, f, "must be > 0, got %.10g", v);
            return;
        }
        break;
    case FC_FIELD_VOLUME:
        if (v < 0) {
            row_error(r, f, "must be >= 0, got %.17g", v);
            return;
        }
        if (v != floor(v)) {
            row_error(r, f, "not a whole number: %.17g", v);
            return;
        }
        if (v > 9007199254740992.0) {
            row_error(r, f, "too large: %.17g", v);
            return;
        }
        break;
    default:
        if (v < 0) {
            row_error(r, f, "must be >= 0, got %.10g", v);
            return;
        }
        break;
    }
    r->v[f] = v;
    r->set |= 1u << f;
}

/* A cell or header without the spaces and tabs around it, then without one
 * pair of double quotes around what is left. */
static void trim_cell(const char **s, size_t *len)
{
    const char *p = *s;
    size_t n = *len;

    while (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
        p++;
        n -= 2;
    }
    *s = p;
    *len = n;
}

void fc_row_set_text(struct fc_row *r, enum fc_field f, const char *s,
                     size_t len)
{
    char e[48];

    if ((int)f < 0 || f >= FC_FIELD_COUNT_)
        return;
    trim_cell(&s, &len);
    if (f == FC_FIELD_ADJ_CLOSE && (len == 0 || ieq(s, len, "null"))) {
        r->v[f] = NAN;
        r->set |= 1u << f;
        return;
    }
    if (len == 0) {
        row_error(r, f, "empty value");
        return;
    }
    if (f == FC_FIELD_DATE) {
        int32_t day;
        fc_echo(s, len, e);
        if (fc_day_parse(s, (int)(len > 64 ? 64 : len), &day) != 0) {
            int shaped = len == 10 && s[4] == '-' && s[7] == '-';
            row_error(r, f,
                      shaped ? "not a calendar date: '%s'"
                             : "not a date (YYYY-MM-DD): '%s'",
                      e);
            return;
        }
        r->day = day;
        r->set |= 1u << f;
        return;
    }
    double v;
    if (parse_decimal(s, len, &v) != 0) {
        fc_echo(s, len, e);
        if (ieq(s, len, "nan") || ieq(s, len, "inf") || ieq(s, len, "-inf") ||
            ieq(s, len, "+inf") || ieq(s, len, "infinity") ||
            ieq(s, len, "-infinity"))
            row_error(r, f, "not a finite number: '%s'", e);
        else
            row_error(r, f, "not a number: '%s'", e);
        return;
    }
    check_value(r, f, v);
}

void fc_row_set_number(struct fc_row *r, enum fc_field f, double v)
{
    if ((int)f <= FC_FIELD_DATE || f >= FC_FIELD_COUNT_)
        return;
    check_value(r, f, v);
}

void fc_row_set_error(struct fc_row *r, enum fc_field f, const char *message)
{
    row_error(r, f, "%s", message);
}

/* Row-level rules: every required field there, then the OHLC ordering.
 * low <= high is implied by low <= min(open, close) <= max(open, close) <=
 * high, so it needs no check of its own. */
static void check_row(struct fc_row *r)
{
    int row_level = has_error(r, FC_FIELD_NONE);

    for (int f = 0; f < FC_FIELD_COUNT_; f++) {
        if (f == FC_FIELD_ADJ_CLOSE || (r->set & (1u << f)) ||
            has_error(r, (enum fc_field)f) || row_level)
            continue;
        row_error(r, (enum fc_field)f, "missing value");
    }
    if (r->n_errs > 0)
        return;
    double o = r->v[FC_FIELD_OPEN], h = r->v[FC_FIELD_HIGH];
    double l = r->v[FC_FIELD_LOW], c = r->v[FC_FIELD_CLOSE];
    double hi = o > c ? o : c;
    double lo = o < c ? o : c;
    if (h < hi)
        row_error(r, FC_FIELD_HIGH,
                  "high %.10g is below max(open, close) %.10g", h, hi);
    if (l > lo)
        row_error(r, FC_FIELD_LOW, "low %.10g is above min(open, close) %.10g",
                  l, lo);
}

static void keep_error(struct fc_batch *b, int row, int32_t day,
                       enum fc_field f, const char *message)
{
    b->n_errors++;
    if (b->n_kept >= FC_INGEST_MAX_ERRORS)
        return;
    struct fc_row_err *e = &b->errs[b->n_kept++];
    e->row = row;
    e->day = day;
    e->field = f;
    snprintf(e->message, sizeof e->message, "%s", message);
}

fc_err fc_batch_add_row(struct fc_batch *b, struct fc_row *r)
{
    b->n_rows++;
    check_row(r);
    if (r->n_errs > 0) {
        int32_t day = (r->set & (1u << FC_FIELD_DATE)) ? r->day : FC_DAY_NONE;
        b->n_bad_rows++;
        for (int i = 0; i < r->n_errs; i++)
            keep_error(b, r->row, day, r->errs[i].field, r->errs[i].message);
        return FC_OK;
    }
    if (b->n_bars >= b->cap) {
        fc_err rc = fc_batch_reserve(b, b->cap > 0 ? b->cap : 64);
        if (rc != FC_OK)
            return rc;
    }
    struct fc_bar *bar = &b->bars[b->n_bars];
    bar->day = r->day;
    bar->open = r->v[FC_FIELD_OPEN];
    bar->high = r->v[FC_FIELD_HIGH];
    bar->low = r->v[FC_FIELD_LOW];
    bar->close = r->v[FC_FIELD_CLOSE];
    bar->adj_close =
        (r->set & (1u << FC_FIELD_ADJ_CLOSE)) ? r->v[FC_FIELD_ADJ_CLOSE] : NAN;
    bar->volume = r->v[FC_FIELD_VOLUME];
    b->rows[b->n_bars] = r->row;
    b->n_bars++;
    return FC_OK;
}

/* ---- end of batch: duplicates, order ------------------------------------- */

struct day_idx {
    int32_t day;
    int idx;
};

static int cmp_day_idx(const void *pa, const void *pb)
{
    const struct day_idx *a = pa, *b = pb;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static int cmp_err(const void *pa, const void *pb)
{
    const struct fc_row_err *a = pa, *b = pb;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    return ((int)a->field > (int)b->field) - ((int)a->field < (int)b->field);
}

static int ascending(const struct fc_batch *b)
{
    for (int i = 1; i < b->n_bars; i++)
        if (b->bars[i].day <= b->bars[i - 1].day)
            return 0;
    return 1;
}

/* Sorted (day, index) pairs of b's bars; NULL on allocation failure. */
static struct day_idx *sorted_days(const struct fc_batch *b)
{
    struct day_idx *p =
        malloc((size_t)(b->n_bars > 0 ? b->n_bars : 1) * sizeof *p);
    if (p == NULL)
        return NULL;
    for (int i = 0; i < b->n_bars; i++) {
        p[i].day = b->bars[i].day;
        p[i].idx = i;
    }
    qsort(p, (size_t)b->n_bars, sizeof *p, cmp_day_idx);
    return p;
}

fc_err fc_batch_finish(struct fc_batch *b)
{
    fc_err rc = FC_OK;
    struct day_idx *p = NULL;
    unsigned char *dup = NULL;

    /* The common case, ascending dates, needs one pass and no memory. */
    if (ascending(b))
        goto done;
    p = sorted_days(b);
    dup = calloc((size_t)(b->n_bars > 0 ? b->n_bars : 1), 1);
    if (p == NULL || dup == NULL) {
        rc = FC_ENOMEM;
        goto done;
    }
    int n_dup = 0;
    for (int i = 1; i < b->n_bars; i++) {
        if (p[i].day != p[i - 1].day)
            continue;
        /* The first row with this date stays; later ones are errors. */
        int first = i - 1;
        while (first > 0 && p[first - 1].day == p[i].day)
            first--;
        char msg[64];
        snprintf(msg, sizeof msg, "duplicate date (first at row %d)",
                 b->rows[p[first].idx]);
        keep_error(b, b->rows[p[i].idx], p[i].day, FC_FIELD_DATE, msg);
        b->n_bad_rows++;
        dup[p[i].idx] = 1;
        n_dup++;
    }
    if (n_dup > 0) {
        int w = 0;
        for (int i = 0; i < b->n_bars; i++) {
            if (dup[i])
                continue;
            b->bars[w] = b->bars[i];
            b->rows[w] = b->rows[i];
            w++;
        }
        b->n_bars = w;
    }
done:
    if (rc == FC_OK)
        qsort(b->errs, (size_t)b->n_kept, sizeof b->errs[0], cmp_err);
    free(dup);
    free(p);
    return rc;
}

fc_err fc_batch_sort(struct fc_batch *b)
{
    fc_err rc = FC_OK;
    struct day_idx *p = NULL;
    struct fc_bar *nb = NULL;
    int *nr = NULL;

    if (ascending(b))
        return FC_OK;
    p = sorted_days(b);
    nb = malloc((size_t)b->cap * sizeof *nb);
    nr = malloc((size_t)b->cap * sizeof *nr);
    if (p == NULL || nb == NULL || nr == NULL) {
        rc = FC_ENOMEM;
        goto done;
    }
    for (int i = 0; i < b->n_bars; i++) {
        nb[i] = b->bars[p[i].idx];
        nr[i] = b->rows[p[i].idx];
    }
    free(b->bars);
    free(b->rows);
    b->bars = nb;
    b->rows = nr;
    nb = NULL;
    nr = NULL;
done:
    free(nr);
    free(nb);
    free(p);
    return rc;
}

/* ---- CSV ------------------------------------------------------------------
 */

#define MAX_COLUMNS 64

/* One line without its terminator (and without a trailing \r). */
static const char *next_line(const char *p, const char *end, size_t *len,
                             const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl != NULL ? nl : end;
    *next = nl != NULL ? nl + 1 : end;
    if (stop > p && stop[-1] == '\r')
        stop--;
    *len = (size_t)(stop - p);
    return p;
}

static int blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* Column name -> field, or -1 for a column we ignore. */
static int column_field(const char *s, size_t len)
{
    trim_cell(&s, &len);
    if (ieq(s, len, "adj close") || ieq(s, len, "adj_close"))
        return FC_FIELD_ADJ_CLOSE;
    for (int f = 0; f < FC_FIELD_COUNT_; f++)
        if (f != FC_FIELD_ADJ_CLOSE && ieq(s, len, field_names[f]))
            return f;
    return -1;
}

static fc_err parse_header(const char *s, size_t len, int *col_field,
                           int *n_cols, struct fc_diag *d)
{
    int field_col[FC_FIELD_COUNT_];
    int n = 0;
    int n_known = 0;
    const char *end = s + len;
    const char *p = s;

    for (int f = 0; f < FC_FIELD_COUNT_; f++)
        field_col[f] = -1;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma != NULL ? comma : end;
        if (n >= MAX_COLUMNS)
            return fc_diag_set(d, FC_EBADREQ, "more than %d columns",
                               MAX_COLUMNS);
        if (n == 0) {
            int32_t day;
            const char *t = p;
            while (t < stop && (*t == ' ' || *t == '"'))
                t++;
            if (stop - t >= 10 && fc_day_parse(t, 10, &day) == 0)
                goto no_header;
        }
        int f = column_field(p, (size_t)(stop - p));
        col_field[n] = f;
        if (f >= 0) {
            if (field_col[f] >= 0)
                return fc_diag_set(d, FC_EBADREQ,
                                   "column '%s' appears twice in the header",
                                   field_names[f]);
            field_col[f] = n;
            n_known++;
        }
        n++;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    if (n_known == 0)
        goto no_header;
    for (int f = 0; f < FC_FIELD_COUNT_; f++)
        if (f != FC_FIELD_ADJ_CLOSE && field_col[f] < 0)
            return fc_diag_set(d, FC_EBADREQ,
                               "missing column '%s': the header must name "
                               "date,open,high,low,close,volume "
                               "(adj_close optional)",
                               field_names[f]);
    *n_cols = n;
    return FC_OK;
no_header:
    return fc_diag_set(d, FC_EBADREQ,
                       "no header: the first line must name the columns, "
                       "e.g. date,open,high,low,close,adj_close,volume");
}

fc_err fc_ingest_parse_csv(const char *buf, size_t len, struct fc_batch *b,
                           struct fc_diag *d)
{
    fc_err rc;
    const char *p = buf;
    const char *end = buf + len;
    const char *next;
    const char *line;
    size_t line_len;
    int col_field[MAX_COLUMNS];
    int n_cols = 0;

    if (len >= 3 && (unsigned char)p[0] == 0xEF &&
        (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3;
    /* The header: the first line that is not blank. */
    for (;;) {
        if (p >= end)
            return fc_diag_set(d, FC_EBADREQ, "empty body: no header, no rows");
        line = next_line(p, end, &line_len, &next);
        p = next;
        if (!blank(line, line_len))
            break;
    }
    if (memchr(line, '\0', line_len) != NULL)
        return fc_diag_set(d, FC_EBADREQ, "not text: the header has a NUL");
    rc = parse_header(line, line_len, col_field, &n_cols, d);
    if (rc != FC_OK)
        return rc;

    /* One allocation for all rows: count the lines first. */
    size_t n_lines = 1;
    for (const char *q = p; q < end;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        if (nl == NULL)
            break;
        n_lines++;
        q = nl + 1;
    }
    if (n_lines > (size_t)INT32_MAX / 4)
        return fc_diag_set(d, FC_ETOOBIG, "too many lines");
    rc = fc_batch_reserve(b, (int)n_lines);
    if (rc != FC_OK)
        return rc;

    int row = 0;
    while (p < end) {
        line = next_line(p, end, &line_len, &next);
        p = next;
        if (blank(line, line_len))
            continue;
        struct fc_row r;
        fc_row_begin(&r, ++row);
        const char *q = line;
        const char *lend = line + line_len;
        int col = 0;
        for (;;) {
            const char *comma = memchr(q, ',', (size_t)(lend - q));
            const char *stop = comma != NULL ? comma : lend;
            if (col < n_cols && col_field[col] >= 0)
                fc_row_set_text(&r, (enum fc_field)col_field[col], q,
                                (size_t)(stop - q));
            col++;
            if (comma == NULL)
                break;
            q = comma + 1;
        }
        if (col != n_cols)
            row_error(&r, FC_FIELD_NONE, "expected %d fields, got %d", n_cols,
                      col);
        rc = fc_batch_add_row(b, &r);
        if (rc != FC_OK)
            return rc;
    }
    return fc_batch_finish(b);
}

/* ---- the CLI's file reader -------------------------------------------------
 */

fc_err fc_bars_read_csv_file(const char *path, struct fc_bar **bars,
                             int *n_bars, struct fc_diag *d)
{
    fc_err rc;
    char *text = NULL;
    size_t len = 0;
    struct fc_diag pd;
    struct fc_batch *b = malloc(sizeof *b); /* errs[] is ~12 KiB */

    if (b == NULL)
        return FC_ENOMEM;
    fc_batch_init(b);
    fc_diag_init(&pd);
    rc = fc_read_file(path, SIZE_MAX, &text, &len, d);
    if (rc != FC_OK)
        goto done;
    rc = fc_ingest_parse_csv(text, len, b, &pd);
    if (rc == FC_EBADREQ) {
        rc = fc_diag_set(d, FC_EINVAL, "%s: %s", path, pd.msg);
        goto done;
    }
    if (rc != FC_OK)
        goto done;
    if (b->n_bad_rows > 0) {
        const struct fc_row_err *e = &b->errs[0];
        const char *fname = fc_field_name(e->field);
        rc = fc_diag_set(d, FC_EINVAL, "row %d, field %s: %s", e->row,
                         fname != NULL ? fname : "-", e->message);
        goto done;
    }
    if (b->n_bars == 0) {
        rc = fc_diag_set(d, FC_EINVAL, "%s: no rows after the header", path);
        goto done;
    }
    rc = fc_batch_sort(b);
    if (rc != FC_OK)
        goto done;
    *bars = b->bars; /* the caller owns the array now */
    *n_bars = b->n_bars;
    b->bars = NULL;
done:
    fc_batch_fini(b);
    free(b);
    free(text);
    return rc;
}

char *fc_bars_to_csv(const struct fc_bar *bars, int n, size_t *len)
{
    struct fc_buf out;

    fc_buf_init(&out, (size_t)-1 / 2);
    /* Rows of daily prices are about 60 bytes; one reservation. */
    fc_buf_reserve(&out, (size_t)n * 72 + 64);
    fc_buf_puts(&out, "date,open,high,low,close,adj_close,volume\n");
    for (int i = 0; i < n; i++) {
        const struct fc_bar *b = &bars[i];
        char date[11];
        char o[32], h[32], l[32], c[32], a[32];
        fc_day_format(b->day, date);
        fc_fmt_double(b->open, o);
        fc_fmt_double(b->high, h);
        fc_fmt_double(b->low, l);
        fc_fmt_double(b->close, c);
        fc_fmt_double(b->adj_close, a);
        fc_buf_printf(&out, "%s,%s,%s,%s,%s,%s,%.0f\n", date, o, h, l, c, a,
                      b->volume);
    }
    return fc_buf_release(&out, len);
}
