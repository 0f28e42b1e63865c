/* bar.h — one daily OHLCV bar, and civil-date arithmetic on day numbers.
 *
 * A bar's date is a day number: days since 1970-01-01 in the proleptic
 * Gregorian calendar (Howard Hinnant's days_from_civil), so dates compare,
 * subtract and index as plain integers. Prices are doubles as stored; the
 * adjusted close is NaN when the source had none. This header is shared by
 * core/ (which only reads bars) and server/ (which parses and stores them). */
#ifndef FC_BAR_H
#define FC_BAR_H

#include <stdint.h>

struct fc_bar {
    int32_t day;      /* days since 1970-01-01 */
    double open;      /* USD (or the series' unit), >= 0 */
    double high;      /* >= max(open, close) */
    double low;       /* <= min(open, close), >= 0 */
    double close;     /* > 0 */
    double adj_close; /* NaN when absent */
    double volume;    /* shares; a whole number >= 0 (values pass 2^31) */
};

/* Day number of y-m-d. Does not validate: see fc_day_parse for that. */
int32_t fc_day_from_ymd(int y, int m, int d);
/* Inverse of fc_day_from_ymd. */
void fc_day_to_ymd(int32_t day, int *y, int *m, int *d);
/* 0 = Sunday ... 6 = Saturday. */
int fc_day_weekday(int32_t day);
/* Parse exactly "YYYY-MM-DD" (len bytes, no NUL needed) into *day, rejecting
 * dates that do not exist (2019-02-30) and years outside 1800..9999.
 * Returns 0 on success, -1 otherwise; *day is set only on success. */
int fc_day_parse(const char *s, int len, int32_t *day);
/* Writes "YYYY-MM-DD" and a NUL into buf[11]. */
void fc_day_format(int32_t day, char buf[11]);

#endif
