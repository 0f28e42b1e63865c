/* fuzz_csv.c — POST /series/{t}/bars with text/csv, and forecastd import:
 * fc_ingest_parse_csv on arbitrary bytes.
 *
 * Beyond "no crash, no leak, no UB" it checks the batch invariants of
 * ingest.h and a round trip: the good bars, written back as CSV by
 * fc_bars_to_csv (what GET ...?format=csv sends), parse again to the same
 * bars, bit for bit, with no bad row (check_round_trip). */
#include "fuzz_bars_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_round_trip(fc_ingest_parse_csv, fc_bars_to_csv, data, size);
    return 0;
}
