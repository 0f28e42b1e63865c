/* fuzz_json_bars.c — POST /series/{t}/bars with application/json:
 * fc_json_parse_bars on arbitrary bytes.
 *
 * Beyond "no crash, no leak, no UB" it checks the batch invariants of
 * ingest.h (the same as fuzz_csv.c: one set of rules for both formats) and
 * a round trip: the good bars, written as GET /series/{t}/bars renders them
 * (fc_json_bars), parse again to the same bars, bit for bit. */
#include "fuzz_bars_common.h"
#include "json_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fc_batch b, again;
    struct fc_diag d;
    char *json = NULL;
    size_t json_len = 0;

    fc_batch_init(&b);
    fc_batch_init(&again);
    fc_diag_init(&d);
    fc_err rc = fc_json_parse_bars((const char *)data, size, &b, &d);
    FUZZ_CHECK(rc == FC_OK || rc == FC_EBADREQ || rc == FC_ENOMEM);
    FUZZ_CHECK(memchr(d.msg, '\0', sizeof d.msg) != NULL);
    if (rc != FC_OK)
        goto done;
    check_batch(&b);
    if (b.n_bars == 0 || fc_batch_sort(&b) != FC_OK)
        goto done;
    check_sorted(&b);
    json = fc_json_bars("FUZZ", b.bars, b.n_bars, &json_len);
    if (json == NULL)
        goto done;
    rc = fc_json_parse_bars(json, json_len, &again, &d);
    FUZZ_CHECK(rc == FC_OK || rc == FC_ENOMEM);
    if (rc != FC_OK)
        goto done;
    FUZZ_CHECK(again.n_bad_rows == 0);
    FUZZ_CHECK(again.n_bars == b.n_bars);
    check_same_bars(b.bars, again.bars, b.n_bars);
done:
    free(json);
    fc_batch_fini(&again);
    fc_batch_fini(&b);
    return 0;
}
