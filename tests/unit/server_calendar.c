/* server_calendar.c — unit tests of the trading calendars (calendar.c):
 * the 2024 NYSE holidays exactly, the observed-date rules at their edges
 * (New Year on a Saturday, Juneteenth on a Sunday and before it existed),
 * Easter, next-session stepping over holidays and weekends, the special
 * closures, the daily calendar and detection, and a cross-check against
 * real NYSE bars: every date in $FC_DATA_DIR/NFLX.csv must be a session and
 * every session between its first and last date must be in the file. */
#include "calendar.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int32_t ymd(int y, int m, int d)
{
    return fc_day_from_ymd(y, m, d);
}

/* Prints a mismatch by date, which CHECK_EQ_INT's day numbers don't show. */
static void note_day(const char *what, int32_t day)
{
    char buf[11];
    fc_day_format(day, buf);
    fprintf(stderr, "  %s %s\n", what, buf);
}

static void test_2024_holidays(void)
{
    static const int want[][2] = {{1, 1},   {1, 15}, {2, 19}, {3, 29},
                                  {5, 27},  {6, 19}, {7, 4},  {9, 2},
                                  {11, 28}, {12, 25}};
    int n_want = (int)(sizeof want / sizeof want[0]);
    int n_found = 0;
    int n_unexpected = 0;

    /* Every weekday of 2024 that is not a session must be the next expected
     * holiday, in order, and no expected holiday may be missed. */
    for (int32_t day = ymd(2024, 1, 1); day <= ymd(2024, 12, 31); day++) {
        int wd = fc_day_weekday(day);
        if (wd == 0 || wd == 6) {
            CHECK(!fc_calendar_is_session(FC_CALENDAR_NYSE, day));
            continue;
        }
        if (fc_calendar_is_session(FC_CALENDAR_NYSE, day))
            continue;
        if (n_found < n_want &&
            day == ymd(2024, want[n_found][0], want[n_found][1])) {
            n_found++;
            continue;
        }
        n_unexpected++;
        note_day("unexpected 2024 holiday:", day);
    }
    CHECK_EQ_INT(n_found, n_want);
    CHECK_EQ_INT(n_unexpected, 0);
}

static void test_observed_rules(void)
{
    enum fc_calendar_kind k = FC_CALENDAR_NYSE;

    /* New Year 2022 fell on a Saturday: not observed on Friday Dec 31. */
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2021, 12, 31)), 1);
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2022, 1, 3)), 1);
    /* New Year 2023 fell on a Sunday: observed Monday Jan 2. */
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2023, 1, 2)), 0);
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2023, 1, 3)), 1);
    /* Juneteenth 2022 fell on a Sunday: observed Monday Jun 20. */
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2022, 6, 20)), 0);
    /* Juneteenth 2027 falls on a Saturday: observed Friday Jun 18. */
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2027, 6, 18)), 0);
    /* Before 2022 Juneteenth was a trading day. */
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2021, 6, 18)), 1);
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2019, 6, 19)), 1);
    /* Independence Day 2020 fell on a Saturday: observed Friday Jul 3. */
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2020, 7, 3)), 0);
    /* Christmas 2022 fell on a Sunday: observed Monday Dec 26. */
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2022, 12, 26)), 0);
    /* Christmas 2021 fell on a Saturday: observed Friday Dec 24. */
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2021, 12, 24)), 0);
    /* Christmas Eve and the day after Thanksgiving are early closes,
     * which are sessions. */
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2024, 12, 24)), 1);
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(2024, 11, 29)), 1);
    /* MLK Day became a holiday in 1998. */
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(1997, 1, 20)), 1);
    CHECK_EQ_INT(fc_calendar_is_session(k, ymd(1998, 1, 19)), 0);
}

static void test_special_closures(void)
{
    static const int closed[][3] = {
        {2001, 9, 11}, {2001, 9, 12}, {2001, 9, 13},  {2001, 9, 14},
        {2004, 6, 11}, {2007, 1, 2},  {2012, 10, 29}, {2012, 10, 30},
        {2018, 12, 5}, {2025, 1, 9}};
    for (size_t i = 0; i < sizeof closed / sizeof closed[0]; i++) {
        int32_t day = ymd(closed[i][0], closed[i][1], closed[i][2]);
        CHECK_EQ_INT(fc_calendar_is_session(FC_CALENDAR_NYSE, day), 0);
        CHECK_EQ_INT(fc_calendar_is_session(FC_CALENDAR_DAILY, day), 1);
    }
    /* The days around a closure trade. */
    CHECK_EQ_INT(fc_calendar_is_session(FC_CALENDAR_NYSE, ymd(2018, 12, 4)), 1);
    CHECK_EQ_INT(fc_calendar_is_session(FC_CALENDAR_NYSE, ymd(2018, 12, 6)), 1);
    CHECK_EQ_INT(fc_calendar_next_session(FC_CALENDAR_NYSE, ymd(2001, 9, 10)),
                 ymd(2001, 9, 17));
    CHECK_EQ_INT(fc_calendar_next_session(FC_CALENDAR_NYSE, ymd(2012, 10, 26)),
                 ymd(2012, 10, 31));
}

static void test_easter(void)
{
    CHECK_EQ_INT(fc_calendar_easter(2019), ymd(2019, 4, 21));
    CHECK_EQ_INT(fc_calendar_easter(2024), ymd(2024, 3, 31));
    CHECK_EQ_INT(fc_calendar_easter(2025), ymd(2025, 4, 20));
    CHECK_EQ_INT(fc_calendar_easter(2000), ymd(2000, 4, 23));
    /* The extremes of the Gregorian range, Mar 22 and Apr 25. */
    CHECK_EQ_INT(fc_calendar_easter(1818), ymd(1818, 3, 22));
    CHECK_EQ_INT(fc_calendar_easter(2038), ymd(2038, 4, 25));
    /* Good Friday 2025 (Apr 18) is closed, the Thursday before trades. */
    CHECK_EQ_INT(fc_calendar_is_session(FC_CALENDAR_NYSE, ymd(2025, 4, 18)), 0);
    CHECK_EQ_INT(fc_calendar_is_session(FC_CALENDAR_NYSE, ymd(2025, 4, 17)), 1);
}

static void test_next_session(void)
{
    enum fc_calendar_kind k = FC_CALENDAR_NYSE;

    /* Thursday before Good Friday -> the Monday after Easter. */
    CHECK_EQ_INT(fc_calendar_next_session(k, ymd(2024, 3, 28)),
                 ymd(2024, 4, 1));
    CHECK_EQ_INT(fc_calendar_next_session(k, ymd(2024, 12, 24)),
                 ymd(2024, 12, 26));
    CHECK_EQ_INT(fc_calendar_next_session(k, ymd(2019, 12, 13)),
                 ymd(2019, 12, 16));
    /* Strictly after: a session's next is not itself. */
    CHECK_EQ_INT(fc_calendar_next_session(k, ymd(2024, 6, 3)), ymd(2024, 6, 4));
    /* From a weekend day. */
    CHECK_EQ_INT(fc_calendar_next_session(k, ymd(2024, 6, 8)),
                 ymd(2024, 6, 10));

    int32_t out[6];
    fc_calendar_next_sessions(k, ymd(2024, 12, 20), 6, out);
    CHECK_EQ_INT(out[0], ymd(2024, 12, 23));
    CHECK_EQ_INT(out[1], ymd(2024, 12, 24));
    CHECK_EQ_INT(out[2], ymd(2024, 12, 26));
    CHECK_EQ_INT(out[3], ymd(2024, 12, 27));
    CHECK_EQ_INT(out[4], ymd(2024, 12, 30));
    CHECK_EQ_INT(out[5], ymd(2024, 12, 31));
    fc_calendar_next_sessions(k, ymd(2024, 12, 31), 1, out);
    CHECK_EQ_INT(out[0], ymd(2025, 1, 2));
    fc_calendar_next_sessions(k, ymd(2024, 12, 31), 0, NULL);
}

static void test_daily(void)
{
    for (int32_t day = ymd(2023, 12, 1); day <= ymd(2025, 1, 31); day++)
        CHECK_EQ_INT(fc_calendar_is_session(FC_CALENDAR_DAILY, day), 1);
    CHECK_EQ_INT(fc_calendar_next_session(FC_CALENDAR_DAILY, ymd(2024, 3, 28)),
                 ymd(2024, 3, 29));

    int32_t out[4];
    fc_calendar_next_sessions(FC_CALENDAR_DAILY, ymd(2024, 12, 23), 4, out);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(out[i], ymd(2024, 12, 24) + i);
}

static void test_detect(void)
{
    struct fc_bar bars[5];
    memset(bars, 0, sizeof bars);

    /* Mon 2024-06-03 .. Fri 2024-06-07. */
    for (int i = 0; i < 5; i++)
        bars[i].day = ymd(2024, 6, 3) + i;
    CHECK_EQ_INT(fc_calendar_detect(bars, 5), FC_CALENDAR_NYSE);
    CHECK_EQ_INT(fc_calendar_detect(NULL, 0), FC_CALENDAR_NYSE);

    /* One Sunday, last in the list, or one Saturday, first. */
    bars[4].day = ymd(2024, 6, 9);
    CHECK_EQ_INT(fc_calendar_detect(bars, 5), FC_CALENDAR_DAILY);
    CHECK_EQ_INT(fc_calendar_detect(bars, 4), FC_CALENDAR_NYSE);
    bars[0].day = ymd(2024, 6, 1);
    CHECK_EQ_INT(fc_calendar_detect(bars, 1), FC_CALENDAR_DAILY);
}

/* Reads the first column of a Yahoo CSV into days[], at most cap of them.
 * Returns the count, or -1 when the file can't be read or a date is bad. */
static int read_csv_days(const char *path, int32_t *days, int cap)
{
    char line[512];
    int n = 0;
    FILE *f = fopen(path, "r");

    if (f == NULL)
        return -1;
    if (fgets(line, sizeof line, f) == NULL) { /* header */
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '\n' || line[0] == '\r' || line[0] == '\0')
            continue;
        if (n == cap || fc_day_parse(line, 10, &days[n]) != 0) {
            fclose(f);
            return -1;
        }
        n++;
    }
    fclose(f);
    return n;
}

static void test_nflx_csv(void)
{
    enum { CAP = 20000 };
    static int32_t days[CAP];
    char path[4096];
    const char *dir = getenv("FC_DATA_DIR");

    if (dir == NULL || dir[0] == '\0') {
        printf("note: FC_DATA_DIR unset, skipping the NFLX.csv cross-check\n");
        return;
    }
    snprintf(path, sizeof path, "%s/NFLX.csv", dir);
    int n = read_csv_days(path, days, CAP);
    CHECK(n > 5000);
    if (n <= 5000)
        return;
    CHECK_EQ_INT(days[0], ymd(2002, 5, 23));
    CHECK_EQ_INT(days[n - 1], ymd(2024, 6, 7));

    /* Every bar is a session. */
    int n_bad = 0;
    for (int i = 0; i < n; i++) {
        if (!fc_calendar_is_session(FC_CALENDAR_NYSE, days[i])) {
            n_bad++;
            note_day("bar on a non-session:", days[i]);
        }
    }
    CHECK_EQ_INT(n_bad, 0);

    /* Walking the calendar from the first bar meets every later bar in
     * order, and nothing between them. */
    int n_missing = 0;
    int32_t s = days[0];
    for (int i = 1; i < n && n_missing < 20; i++) {
        s = fc_calendar_next_session(FC_CALENDAR_NYSE, s);
        while (s < days[i]) {
            n_missing++;
            note_day("session missing from the file:", s);
            s = fc_calendar_next_session(FC_CALENDAR_NYSE, s);
        }
        if (s > days[i]) /* a non-session bar, reported above */
            s = days[i];
    }
    CHECK_EQ_INT(n_missing, 0);
}

int main(void)
{
    test_2024_holidays();
    test_observed_rules();
    test_special_closures();
    test_easter();
    test_next_session();
    test_daily();
    test_detect();
    test_nflx_csv();
    return check_report();
}
