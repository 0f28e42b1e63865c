/* time_now.h — wall-clock timestamps as the service writes them. */
#ifndef FC_TIME_NOW_H
#define FC_TIME_NOW_H

/* The current time as RFC 3339 UTC ("2026-01-02T03:04:05Z"), shifted by
 * offset_s seconds. */
void fc_rfc3339_now(double offset_s, char buf[32]);

#endif
