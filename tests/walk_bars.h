/* walk_bars.h — synthetic daily bars for the core's unit tests: a random
 * walk with a real bar around each close (open near the previous close,
 * high and low outside both, a volume that varies) whose volatility
 * switches between calm (0.8 %) and stormy (3 %) every 80 days, so there
 * is a spread to learn. The same seed gives the same bars. */
#ifndef FC_TEST_WALK_BARS_H
#define FC_TEST_WALK_BARS_H

#include "bar.h"
#include "rng.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* n bars from 2000-01-03 on, one a day (calloc'ed; NULL out of memory). */
static struct fc_bar *walk_bars(int n, uint64_t seed)
{
    struct fc_bar *b = calloc((size_t)n, sizeof *b);
    struct fc_rng rng;
    double c = 50.0;
    if (b == NULL)
        return NULL;
    fc_rng_init(&rng, seed);
    for (int t = 0; t < n; t++) {
        double vol = (t / 80) % 2 ? 0.03 : 0.008;
        double o = c * exp(0.3 * vol * fc_rng_normal(&rng));
        c = o * exp(vol * fc_rng_normal(&rng));
        b[t].day = fc_day_from_ymd(2000, 1, 3) + t;
        b[t].open = o;
        b[t].close = c;
        b[t].high = fmax(o, c) * exp(vol * fabs(fc_rng_normal(&rng)));
        b[t].low = fmin(o, c) * exp(-vol * fabs(fc_rng_normal(&rng)));
        b[t].adj_close = NAN;
        b[t].volume = floor(1e6 * (1.0 + vol * 50.0 + fc_rng_uniform(&rng)));
    }
    return b;
}

#endif
