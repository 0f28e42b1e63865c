#include "ticker.h"

#include <ctype.h>
#include <stddef.h>

int fc_ticker_normalize(const char *ticker, char out[FC_TICKER_SIZE])
{
    size_t n = 0;

    if (ticker == NULL)
        return 0;
    for (; ticker[n] != '\0'; n++) {
        unsigned char c = (unsigned char)ticker[n];
        if (n >= FC_TICKER_SIZE - 1)
            return 0;
        if (!(isalnum(c) && c < 0x80) && c != '.' && c != '-' && c != '^' &&
            c != '=')
            return 0;
    }
    if (n == 0)
        return 0;
    for (size_t i = 0; i <= n; i++)
        out[i] = (char)toupper((unsigned char)ticker[i]);
    return 1;
}
