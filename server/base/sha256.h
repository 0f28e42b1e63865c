/* sha256.h — SHA-256 (FIPS 180-4), for the fingerprint of the bars a model
 * was trained on (models.data.sha256).
 *
 * Written here rather than linked: the service needs one hash of a few
 * hundred kilobytes per training run, and a crypto library for that would
 * be the largest dependency of the binary. Streaming interface (init,
 * update any number of times, final) over a caller-allocated context; no
 * allocation, no globals, so every function is thread-safe. Not meant for
 * secrets: nothing here is constant-time or wiped. */
#ifndef FC_SHA256_H
#define FC_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct fc_sha256 {
    uint32_t h[8];     /* the chaining state H0..H7 */
    uint64_t n_bytes;  /* message length so far */
    uint8_t block[64]; /* the partial block */
    size_t n_block;    /* bytes in block, 0..63 */
};

/* Start a new digest. Cannot fail. */
void fc_sha256_init(struct fc_sha256 *s);
/* Hash len more bytes of data (data may be NULL when len is 0). */
void fc_sha256_update(struct fc_sha256 *s, const void *data, size_t len);
/* Finish: the 32-byte digest into out. s must be re-initialised to reuse. */
void fc_sha256_final(struct fc_sha256 *s, uint8_t out[32]);
/* One call: the lower-case hex digest of data[0..len) into hex[65]. */
void fc_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
