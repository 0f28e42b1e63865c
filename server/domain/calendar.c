/* calendar.c — NYSE and daily trading calendars.
 *
 * A day is an NYSE session unless it is a weekend, a holiday or a special
 * closure. Holidays are decided by rule from the day's own (y, m, d,
 * weekday), so there is no per-year table to build or cache and any year
 * works; only the unscheduled closures, which no rule predicts, are listed.
 * The rules follow NYSE rule 7.2: a holiday on a Saturday is observed the
 * Friday before and one on a Sunday the Monday after, except New Year's Day,
 * which is not moved back into the previous year (its Friday Dec 31 ends an
 * accounting year and trades). Early closes are sessions. The next session
 * is found by stepping a day at a time: at most six days are ever skipped
 * (the 9/11 closure and the weekend after it), so no search structure pays
 * off. */
#include "calendar.h"

#include <assert.h>
#include <stddef.h>

/* Unscheduled full-day closures since 2001 (NYSE), ascending. */
static const struct {
    int y, m, d;
} special_closures[] = {
    {2001, 9, 11},  /* September 11 attacks */
    {2001, 9, 12},  /* September 11 attacks */
    {2001, 9, 13},  /* September 11 attacks */
    {2001, 9, 14},  /* September 11 attacks */
    {2004, 6, 11},  /* national day of mourning: Ronald Reagan */
    {2007, 1, 2},   /* national day of mourning: Gerald Ford */
    {2012, 10, 29}, /* Hurricane Sandy */
    {2012, 10, 30}, /* Hurricane Sandy */
    {2018, 12, 5},  /* national day of mourning: George H. W. Bush */
    {2025, 1, 9},   /* national day of mourning: Jimmy Carter */
};

int32_t fc_calendar_easter(int y)
{
    /* Anonymous Gregorian algorithm (Meeus, "Astronomical Algorithms",
     * ch. 8, after the 1876 Nature letter; Jones 1876, Butcher 1877).
     * h is the epact-based distance from Mar 21 to the Paschal full moon,
     * l the days from that full moon to the following Sunday. */
    int a = y % 19;
    int b = y / 100;
    int c = y % 100;
    int d = b / 4;
    int e = b % 4;
    int f = (b + 8) / 25;
    int g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4;
    int k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31;
    int day = (h + l - 7 * m + 114) % 31 + 1;
    return fc_day_from_ymd(y, month, day);
}

/* The day number a fixed-date holiday (y-m-d) is observed on: a Saturday
 * moves to the Friday before, a Sunday to the Monday after. */
static int32_t observed(int y, int m, int d)
{
    int32_t day = fc_day_from_ymd(y, m, d);
    int wd = fc_day_weekday(day);
    if (wd == 6)
        return day - 1;
    if (wd == 0)
        return day + 1;
    return day;
}

/* 1 when weekday `day` (y-m-d, weekday wd in 1..5) is an NYSE holiday.
 * "The n-th <weekday> of a month" is that weekday on days 7n-6 .. 7n. */
static int nyse_holiday(int32_t day, int y, int m, int d, int wd)
{
    switch (m) {
    case 1:
        /* New Year's Day; on a Sunday it moves to Monday Jan 2, on a
         * Saturday it is not observed at all. */
        if (d == 1 || (d == 2 && wd == 1))
            return 1;
        /* Martin Luther King Jr. Day, 3rd Monday, closed since 1998. */
        return y >= 1998 && wd == 1 && d >= 15 && d <= 21;
    case 2:
        /* Washington's Birthday, 3rd Monday. */
        return wd == 1 && d >= 15 && d <= 21;
    case 3:
    case 4:
        /* Good Friday: Easter falls on Mar 22 .. Apr 25. */
        return wd == 5 && day == fc_calendar_easter(y) - 2;
    case 5:
        /* Memorial Day, last Monday. */
        return wd == 1 && d >= 25;
    case 6:
        /* Juneteenth National Independence Day, closed since 2022. */
        return y >= 2022 && day == observed(y, 6, 19);
    case 7:
        /* Independence Day. */
        return day == observed(y, 7, 4);
    case 9:
        /* Labor Day, 1st Monday. */
        return wd == 1 && d <= 7;
    case 11:
        /* Thanksgiving Day, 4th Thursday. */
        return wd == 4 && d >= 22 && d <= 28;
    case 12:
        /* Christmas Day. */
        return day == observed(y, 12, 25);
    default:
        return 0;
    }
}

static int special_closure(int y, int m, int d)
{
    size_t n = sizeof special_closures / sizeof special_closures[0];
    for (size_t i = 0; i < n; i++) {
        if (special_closures[i].y == y && special_closures[i].m == m &&
            special_closures[i].d == d)
            return 1;
    }
    return 0;
}

int fc_calendar_is_session(enum fc_calendar_kind k, int32_t day)
{
    int y, m, d;

    if (k == FC_CALENDAR_DAILY)
        return 1;
    assert(k == FC_CALENDAR_NYSE);
    int wd = fc_day_weekday(day);
    if (wd == 0 || wd == 6)
        return 0;
    fc_day_to_ymd(day, &y, &m, &d);
    if (nyse_holiday(day, y, m, d, wd))
        return 0;
    return !special_closure(y, m, d);
}

int32_t fc_calendar_next_session(enum fc_calendar_kind k, int32_t day)
{
    assert(day < INT32_MAX - 7);
    int32_t next = day + 1;
    while (!fc_calendar_is_session(k, next))
        next++;
    return next;
}

void fc_calendar_next_sessions(enum fc_calendar_kind k, int32_t after, int n,
                               int32_t *out)
{
    assert(n >= 0);
    assert(n == 0 || out != NULL);
    int32_t day = after;
    for (int i = 0; i < n; i++) {
        day = fc_calendar_next_session(k, day);
        out[i] = day;
    }
}

enum fc_calendar_kind fc_calendar_detect(const struct fc_bar *bars, int n)
{
    assert(n >= 0);
    assert(n == 0 || bars != NULL);
    for (int i = 0; i < n; i++) {
        int wd = fc_day_weekday(bars[i].day);
        if (wd == 0 || wd == 6)
            return FC_CALENDAR_DAILY;
    }
    return FC_CALENDAR_NYSE;
}
