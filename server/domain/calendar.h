/* calendar.h — trading calendars: which day numbers are sessions, and the
 * sessions that follow a date (the dates a forecast's steps fall on).
 *
 * Two calendars: NYSE (weekends, the exchange's holidays computed by rule
 * for any year, plus a small table of unscheduled full-day closures since
 * 2001) and DAILY (every day trades, e.g. crypto). The NYSE rules are the
 * current ones (rule 7.2; MLK Day from 1998, Juneteenth from 2022); they are
 * exact from 2001 on and only approximate older history (pre-1971 holiday
 * dates and pre-2001 special closures are not modelled). Early closes (half
 * days) count as sessions: the exchange opens. Pure computation: no I/O, no
 * state, so every function is thread-safe. Days are fc_bar day numbers
 * (days since 1970-01-01), assumed to lie in years 1800..9999. */
#ifndef FC_CALENDAR_H
#define FC_CALENDAR_H

#include "bar.h"

#include <stdint.h>

enum fc_calendar_kind {
    FC_CALENDAR_NYSE,  /* New York Stock Exchange sessions */
    FC_CALENDAR_DAILY, /* every day is a session */
};

/* 1 when the exchange of calendar k trades on day, else 0. */
int fc_calendar_is_session(enum fc_calendar_kind k, int32_t day);

/* The first session strictly after day. */
int32_t fc_calendar_next_session(enum fc_calendar_kind k, int32_t day);

/* Writes the n sessions strictly after `after`, ascending, into out[n].
 * n >= 0; out may be NULL only when n == 0. */
void fc_calendar_next_sessions(enum fc_calendar_kind k, int32_t after, int n,
                               int32_t *out);

/* The calendar a series trades on, guessed from its bars[n]: DAILY when any
 * bar falls on a Saturday or Sunday (BTC-USD), else NYSE (also for n == 0;
 * bars may then be NULL). Borrows bars for the call. */
enum fc_calendar_kind fc_calendar_detect(const struct fc_bar *bars, int n);

/* Day number of Easter Sunday of Gregorian year y (anonymous Gregorian
 * algorithm, Meeus/Jones/Butcher). Good Friday is two days earlier. */
int32_t fc_calendar_easter(int y);

#endif
