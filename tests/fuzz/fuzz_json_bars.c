/* fuzz_json_bars.c — POST /series/{t}/bars with application/json:
 * fc_json_parse_bars on arbitrary bytes.
 *
 * Beyond "no crash, no leak, no UB" it checks the batch invariants of
 * ingest.h (the same as fuzz_csv.c: one set of rules for both formats) and
 * a round trip: the good bars, written as GET /series/{t}/bars renders them
 * (fc_json_bars), parse again to the same bars, bit for bit
 * (check_round_trip). */
#include "fuzz_bars_common.h"
#include "json_io.h"

/* fc_json_bars with the ticker the document names. */
static char *write_json(const struct fc_bar *bars, int n, size_t *len)
{
    return fc_json_bars("FUZZ", bars, n, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_round_trip(fc_json_parse_bars, write_json, data, size);
    return 0;
}
