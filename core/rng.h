/* rng.h — a small, seeded pseudo-random generator (xoshiro256**, Blackman &
 * Vigna 2018, seeded through splitmix64). Caller-allocated, no globals: the
 * same seed gives the same stream on every platform, which is what makes a
 * training run reproducible to the bit. Not for cryptography. */
#ifndef FC_RNG_H
#define FC_RNG_H

#include <stdint.h>

struct fc_rng {
    uint64_t s[4]; /* never all zero */
};

/* Seed the generator; any seed, 0 included, is fine. Cannot fail. */
void fc_rng_init(struct fc_rng *r, uint64_t seed);
uint64_t fc_rng_next(struct fc_rng *r);
/* Uniform in [0, 1), 53 random bits. */
double fc_rng_uniform(struct fc_rng *r);
/* Standard normal (Box-Muller, both halves used only once: no hidden state). */
double fc_rng_normal(struct fc_rng *r);
/* Uniform integer in [0, n), n >= 1, without modulo bias (Lemire 2019). */
uint32_t fc_rng_below(struct fc_rng *r, uint32_t n);
/* Fisher-Yates shuffle of a[0..n). */
void fc_rng_shuffle(struct fc_rng *r, int *a, int n);
/* A seed for an independent stream, derived from (seed, a, b): lets a worker
 * thread draw dropout masks for batch b of epoch a without sharing state. */
uint64_t fc_rng_derive(uint64_t seed, uint64_t a, uint64_t b);

#endif
