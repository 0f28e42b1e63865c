/* fuzz_model_blob.c — a stored model blob (SQLite models table, forecastd
 * train --out files): fc_model_load on arbitrary bytes.
 *
 * The blob's length field and FNV-1a checksum would stop almost every
 * mutation at the door, so each input is tried twice: as it is, and with
 * the length (bytes 12..15) and checksum (last 8 bytes) rewritten to match,
 * which lets the fuzzer reach the structural checks behind them. A blob
 * that loads must be usable and, in version 2, save back to the very same
 * bytes. A model saves in the oldest version that holds it (version 1
 * blobs as 2; a version-4 blob whose GARCH base is off as 3), so for the
 * other versions only a second round trip is compared. The seeds hold
 * blobs of versions 1, 2 and 4 (nflx_default_v4_1epoch.blob: the default
 * preset, one epoch on data/NFLX.csv). */
#include "fuzz.h"

#include "model.h"

#define HEADER 16 /* magic[8], version u32, length u32 */

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint32_t u32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void try_load(const uint8_t *data, size_t size)
{
    struct fc_model *m = NULL;
    struct fc_model *m2 = NULL;
    struct fc_model_ws *ws = NULL;
    struct fc_diag d;
    uint8_t *blob = NULL, *blob2 = NULL;
    size_t len = 0, len2 = 0;

    fc_diag_init(&d);
    fc_err rc = fc_model_load(data, size, &m, &d);
    FUZZ_CHECK(rc == FC_OK || rc == FC_ECORRUPT || rc == FC_ENOMEM);
    FUZZ_CHECK(memchr(d.msg, '\0', sizeof d.msg) != NULL);
    if (rc != FC_OK) {
        FUZZ_CHECK(m == NULL);
        return;
    }
    FUZZ_CHECK(m != NULL && m->n_resid >= 0);
    FUZZ_CHECK(fc_model_min_bars(m) >= 1);
    /* Loaded means usable: a workspace can be made for it. */
    rc = fc_model_ws_new(m, &ws);
    FUZZ_CHECK(rc == FC_OK || rc == FC_ENOMEM);
    if (fc_model_save(m, &blob, &len) != FC_OK)
        goto done;
    if (u32_at(data + 8) == 2) {
        FUZZ_CHECK(len == size);
        FUZZ_CHECK(memcmp(blob, data, size) == 0);
    } else {
        rc = fc_model_load(blob, len, &m2, &d);
        FUZZ_CHECK(rc == FC_OK || rc == FC_ENOMEM);
        if (rc != FC_OK)
            goto done;
        if (fc_model_save(m2, &blob2, &len2) != FC_OK)
            goto done;
        FUZZ_CHECK(len2 == len && memcmp(blob2, blob, len) == 0);
    }
done:
    free(blob2);
    free(blob);
    fc_model_ws_free(ws);
    fc_model_free(m2);
    fc_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    try_load(data, size);
    if (size < HEADER + 8)
        return 0;
    uint8_t *fixed = malloc(size);
    if (fixed == NULL)
        return 0;
    memcpy(fixed, data, size);
    for (int i = 0; i < 4; i++)
        fixed[12 + i] = (uint8_t)((uint64_t)size >> (8 * i));
    uint64_t h = fnv1a(fixed, size - 8);
    for (int i = 0; i < 8; i++)
        fixed[size - 8 + i] = (uint8_t)(h >> (8 * i));
    if (memcmp(fixed, data, size) != 0)
        try_load(fixed, size);
    free(fixed);
    return 0;
}
