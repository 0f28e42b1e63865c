/* fuzz.h — what every fuzz target shares: the libFuzzer entry point's
 * prototype and a check that aborts with a message.
 *
 * The targets are built twice: with -fsanitize=fuzzer under FC_FUZZ (then
 * libFuzzer provides main), and in every normal build linked with
 * replay.c, which runs the committed corpus and regression inputs through
 * the same function under ctest. A property a target checks (a round trip,
 * an invariant of the result) fails through FUZZ_CHECK, which aborts: to
 * libFuzzer that is a crash it saves, to ctest a failed test. Asserts would
 * do too but vanish under NDEBUG, and the release build replays as well. */
#ifndef FC_FUZZ_H
#define FC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", __FILE__,        \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* Two doubles with the same bits, or both NaN (a parsed NaN adj_close
 * need not carry the payload of the one written). */
static inline int fuzz_same_double(double a, double b)
{
    if (a != a && b != b)
        return 1;
    return memcmp(&a, &b, sizeof a) == 0;
}

#endif
