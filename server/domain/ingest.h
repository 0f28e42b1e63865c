/* ingest.h — turning client bytes into validated daily bars.
 *
 * A batch (struct fc_batch) collects the bars of one request or one file.
 * Parsers (the CSV reader here, the JSON reader in json/bodies.c) hand each row
 * to the batch as text or numbers, field by field; the batch checks every
 * field and the row as a whole with one set of rules, so CSV and JSON can
 * never disagree on what a good bar is. Good bars land in one array, bad
 * rows in a capped error list with their 1-based row number (header not
 * counted), the date when it could be read, the field and a message.
 *
 * The rules: a real calendar date, finite numbers, close > 0, open, high,
 * low >= 0, low <= min(open, close), max(open, close) <= high, volume a whole
 * number >= 0 (it may pass 2^31), no empty or null required field, no date
 * twice in one batch. adj_close is optional: a missing column, an empty
 * field or a JSON null make it NaN.
 *
 * This module does not touch the database or HTTP, and it allocates only the
 * bar arrays (once per batch, sized from the input), never per row. */
#ifndef FC_INGEST_H
#define FC_INGEST_H

#include "bar.h"
#include "err.h"
#include "text.h"

#include <stddef.h>
#include <stdint.h>

/* Most error items one batch keeps; later bad rows are counted, not kept. */
#define FC_INGEST_MAX_ERRORS 100
/* fc_row_err.day of a row whose date could not be read. */
#define FC_DAY_NONE INT32_MIN

enum fc_field {
    FC_FIELD_DATE,
    FC_FIELD_OPEN,
    FC_FIELD_HIGH,
    FC_FIELD_LOW,
    FC_FIELD_CLOSE,
    FC_FIELD_ADJ_CLOSE,
    FC_FIELD_VOLUME,
    FC_FIELD_COUNT_,
    FC_FIELD_NONE = -1 /* an error about the row as a whole */
};

/* "date", "open", ..., "volume"; NULL for FC_FIELD_NONE. */
const char *fc_field_name(enum fc_field f);

struct fc_row_err {
    int row;     /* 1-based bar number in the batch, header not counted */
    int32_t day; /* the row's date, FC_DAY_NONE when unreadable */
    enum fc_field field; /* FC_FIELD_NONE for the row as a whole */
    char message[112];   /* NUL-terminated, human-readable */
};

struct fc_batch {
    struct fc_bar *bars; /* n_bars good bars, in input order */
    int *rows;           /* rows[i]: row number of bars[i] */
    int n_bars;
    int cap;        /* allocated length of bars and rows */
    int n_rows;     /* rows received (good and bad) */
    int n_bad_rows; /* distinct rows with at least one error */
    int n_errors;   /* error items found, kept or not */
    int n_kept;     /* error items kept in errs[], <= MAX_ERRORS */
    struct fc_row_err errs[FC_INGEST_MAX_ERRORS]; /* sorted by row after
                                                     fc_batch_finish */
};

/* A row under construction: a parser fills it field by field, then hands it
 * to fc_batch_add_row. Caller-allocated, lives on the stack, no heap. */
struct fc_row {
    int row;                   /* 1-based row number */
    unsigned set;              /* bit f: field f was given */
    double v[FC_FIELD_COUNT_]; /* numbers; v[DATE] unused */
    int32_t day;               /* valid when the date field is set */
    int n_errs;
    struct {
        enum fc_field field;
        char message[112];
    } errs[FC_FIELD_COUNT_ + 2];
};

/* An empty batch; cannot fail (no allocation until fc_batch_reserve). */
void fc_batch_init(struct fc_batch *b);
/* Releases the arrays; the batch may be reused after fc_batch_init. */
void fc_batch_fini(struct fc_batch *b);
/* Makes room for at least n_bars more bars. FC_ENOMEM on failure (the batch
 * is left as it was). Parsers call it once with the row count. */
fc_err fc_batch_reserve(struct fc_batch *b, int n_bars);

/* Starts row number `row` (1-based). */
void fc_row_begin(struct fc_row *r, int row);
/* Field f as text: s[0..len) need not be NUL-terminated. Dates must be
 * exactly YYYY-MM-DD; numbers are decimal (sign, digits, point, exponent;
 * no hex, no "nan", no "inf"). Empty text is "missing" for required fields
 * and NaN for adj_close; "null" is treated like empty. Errors go into r. */
void fc_row_set_text(struct fc_row *r, enum fc_field f, const char *s,
                     size_t len);
/* Field f as a number already parsed (JSON). Not for the date. */
void fc_row_set_number(struct fc_row *r, enum fc_field f, double v);
/* Field f was present but of a wrong kind: records "message" for it. */
void fc_row_set_error(struct fc_row *r, enum fc_field f, const char *message);
/* Checks the row (required fields present, ranges, consistency) and either
 * appends it to b's bars or records its errors. FC_ENOMEM only if the bar
 * arrays are full and cannot grow. */
fc_err fc_batch_add_row(struct fc_batch *b, struct fc_row *r);
/* Ends the batch: finds dates given twice (the later rows are errors, their
 * bars are removed) and sorts the kept errors by row. FC_ENOMEM possible. */
fc_err fc_batch_finish(struct fc_batch *b);
/* Sorts b->bars (and b->rows) by date ascending. Call after finish, when
 * dates are unique. Already ascending costs one pass; otherwise FC_ENOMEM
 * is possible (b is then unchanged). */
fc_err fc_batch_sort(struct fc_batch *b);

/* Parses CSV in the Yahoo layout from buf[0..len) into b (which must be
 * fc_batch_init'ed and empty), and finishes it. A header is required; its
 * names are matched case-insensitively and columns are found by name
 * ("Adj Close", "Adj_close", "adj_close" accepted; adj close optional;
 * unknown columns ignored). Accepts a UTF-8 BOM, CRLF, a last line without
 * newline; blank lines are skipped and not counted. Fields may be wrapped
 * in double quotes (no embedded commas or newlines).
 * Returns FC_OK (the batch may still hold row errors: check n_bad_rows),
 * FC_EBADREQ for a malformed input as a whole (empty, no header, missing or
 * repeated column; reason in d), or FC_ENOMEM. */
fc_err fc_ingest_parse_csv(const char *buf, size_t len, struct fc_batch *b,
                           struct fc_diag *d);

/* For the offline CLI: reads the CSV file at path, parses and validates it,
 * and rejects the whole file on any bad row. On FC_OK, *bars is a malloc'ed
 * array of *n_bars bars sorted ascending by date (the caller frees it with
 * free()); otherwise *bars and *n_bars are untouched. Errors: FC_EIO if the
 * file cannot be read, FC_EINVAL for a malformed file or the first bad row
 * ("row N, field F: message" in d), FC_ENOMEM. Thread-safe. */
fc_err fc_bars_read_csv_file(const char *path, struct fc_bar **bars,
                             int *n_bars, struct fc_diag *d);

/* bars as CSV with the header date,open,high,low,close,adj_close,volume
 * (adj_close empty when NaN). Returns a malloc'ed NUL-terminated string and
 * its length in *len, or NULL when memory runs out. */
char *fc_bars_to_csv(const struct fc_bar *bars, int n, size_t *len);

#endif
