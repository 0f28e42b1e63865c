/* fuzz_bars_common.h — what fuzz_csv.c and fuzz_json_bars.c share: the
 * invariants of a finished batch (ingest.h), the comparison of two bar
 * arrays to the bit, and the round trip through a format's parser and
 * writer. Included by exactly those two targets. */
#ifndef FC_FUZZ_BARS_COMMON_H
#define FC_FUZZ_BARS_COMMON_H

#include "fuzz.h"
#include "ingest.h"

#include <math.h>

/* What ingest.h promises of every batch a parser finished with FC_OK. */
static void check_batch(const struct fc_batch *b)
{
    FUZZ_CHECK(b->n_bars >= 0 && b->n_bars <= b->n_rows);
    FUZZ_CHECK(b->n_bad_rows >= 0 && b->n_bad_rows <= b->n_rows);
    FUZZ_CHECK(b->n_bars + b->n_bad_rows == b->n_rows);
    FUZZ_CHECK(b->n_kept >= 0 && b->n_kept <= FC_INGEST_MAX_ERRORS);
    FUZZ_CHECK(b->n_kept <= b->n_errors);
    FUZZ_CHECK(b->n_errors >= b->n_bad_rows);
    for (int i = 0; i < b->n_kept; i++) {
        const struct fc_row_err *e = &b->errs[i];
        FUZZ_CHECK(e->row >= 1 && e->row <= b->n_rows);
        FUZZ_CHECK(memchr(e->message, '\0', sizeof e->message) != NULL);
        if (i > 0)
            FUZZ_CHECK(b->errs[i - 1].row <= e->row);
    }
    for (int i = 0; i < b->n_bars; i++) {
        const struct fc_bar *r = &b->bars[i];
        FUZZ_CHECK(isfinite(r->open) && isfinite(r->high));
        FUZZ_CHECK(isfinite(r->low) && isfinite(r->close));
        FUZZ_CHECK(isfinite(r->volume));
        FUZZ_CHECK(r->close > 0 && r->open >= 0 && r->low >= 0);
        FUZZ_CHECK(r->low <= fmin(r->open, r->close));
        FUZZ_CHECK(fmax(r->open, r->close) <= r->high);
        FUZZ_CHECK(r->volume >= 0 && floor(r->volume) == r->volume);
        FUZZ_CHECK(b->rows[i] >= 1 && b->rows[i] <= b->n_rows);
    }
}

/* After fc_batch_sort: dates strictly ascending (finish removed repeats). */
static void check_sorted(const struct fc_batch *b)
{
    for (int i = 1; i < b->n_bars; i++)
        FUZZ_CHECK(b->bars[i - 1].day < b->bars[i].day);
}

static void check_same_bars(const struct fc_bar *a, const struct fc_bar *b,
                            int n)
{
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(a[i].day == b[i].day);
        FUZZ_CHECK(fuzz_same_double(a[i].open, b[i].open));
        FUZZ_CHECK(fuzz_same_double(a[i].high, b[i].high));
        FUZZ_CHECK(fuzz_same_double(a[i].low, b[i].low));
        FUZZ_CHECK(fuzz_same_double(a[i].close, b[i].close));
        FUZZ_CHECK(fuzz_same_double(a[i].adj_close, b[i].adj_close));
        FUZZ_CHECK(fuzz_same_double(a[i].volume, b[i].volume));
    }
}

/* One input through `parse` (either format's parser), then the round trip:
 * the good bars, sorted and written back by `write` (as GET
 * /series/{t}/bars sends them in that format), parse again to the same
 * bars, bit for bit, with no bad row. Beyond "no crash, no leak, no UB",
 * every finished batch keeps ingest.h's invariants. */
static void check_round_trip(
    fc_err (*parse)(const char *, size_t, struct fc_batch *, struct fc_diag *),
    char *(*write)(const struct fc_bar *, int, size_t *), const uint8_t *data,
    size_t size)
{
    struct fc_batch b, again;
    struct fc_diag d;
    char *text = NULL;
    size_t len = 0;

    fc_batch_init(&b);
    fc_batch_init(&again);
    fc_diag_init(&d);
    fc_err rc = parse((const char *)data, size, &b, &d);
    FUZZ_CHECK(rc == FC_OK || rc == FC_EBADREQ || rc == FC_ENOMEM);
    FUZZ_CHECK(memchr(d.msg, '\0', sizeof d.msg) != NULL);
    if (rc != FC_OK)
        goto done;
    check_batch(&b);
    if (b.n_bars == 0 || fc_batch_sort(&b) != FC_OK)
        goto done;
    check_sorted(&b);
    text = write(b.bars, b.n_bars, &len);
    if (text == NULL)
        goto done;
    rc = parse(text, len, &again, &d);
    FUZZ_CHECK(rc == FC_OK || rc == FC_ENOMEM);
    if (rc != FC_OK)
        goto done;
    FUZZ_CHECK(again.n_bad_rows == 0);
    FUZZ_CHECK(again.n_bars == b.n_bars);
    check_same_bars(b.bars, again.bars, b.n_bars);
done:
    free(text);
    fc_batch_fini(&again);
    fc_batch_fini(&b);
}

#endif
