#include "text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fc_echo(const char *s, size_t len, char out[48])
{
    size_t n = len > 40 ? 40 : len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c >= 0x20 && c < 0x7f && c != '\'') ? (char)c : '?';
    }
    if (len > 40) {
        out[n - 3] = '.';
        out[n - 2] = '.';
        out[n - 1] = '.';
    }
    out[n] = '\0';
}

int fc_fmt_double(double v, char buf[32])
{
    if (!isfinite(v)) {
        buf[0] = '\0';
        return 0;
    }
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(buf, 32, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            return n;
    }
    return (int)strlen(buf);
}
