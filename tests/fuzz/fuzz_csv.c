/* fuzz_csv.c — POST /series/{t}/bars with text/csv, and forecastd import:
 * fc_ingest_parse_csv on arbitrary bytes.
 *
 * Beyond "no crash, no leak, no UB" it checks the batch invariants of
 * ingest.h and a round trip: the good bars, written back as CSV by
 * fc_bars_to_csv (what GET ...?format=csv sends), parse again to the same
 * bars, bit for bit, with no bad row. */
#include "fuzz_bars_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fc_batch b, again;
    struct fc_diag d;
    char *csv = NULL;
    size_t csv_len = 0;

    fc_batch_init(&b);
    fc_batch_init(&again);
    fc_diag_init(&d);
    fc_err rc = fc_ingest_parse_csv((const char *)data, size, &b, &d);
    FUZZ_CHECK(rc == FC_OK || rc == FC_EBADREQ || rc == FC_ENOMEM);
    FUZZ_CHECK(memchr(d.msg, '\0', sizeof d.msg) != NULL);
    if (rc != FC_OK || b.n_bars == 0)
        goto done;
    check_batch(&b);
    if (fc_batch_sort(&b) != FC_OK)
        goto done;
    check_sorted(&b);
    csv = fc_bars_to_csv(b.bars, b.n_bars, &csv_len);
    if (csv == NULL)
        goto done;
    rc = fc_ingest_parse_csv(csv, csv_len, &again, &d);
    FUZZ_CHECK(rc == FC_OK || rc == FC_ENOMEM);
    if (rc != FC_OK)
        goto done;
    FUZZ_CHECK(again.n_bad_rows == 0);
    FUZZ_CHECK(again.n_bars == b.n_bars);
    check_same_bars(b.bars, again.bars, b.n_bars);
done:
    free(csv);
    fc_batch_fini(&again);
    fc_batch_fini(&b);
    return 0;
}
