#include "time_now.h"

#include <time.h>

void fc_rfc3339_now(double offset_s, char buf[32])
{
    time_t t = time(NULL) + (time_t)offset_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
