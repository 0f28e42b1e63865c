/* ticker.h — what a ticker may be, and its one spelling (upper case). */
#ifndef FC_TICKER_H
#define FC_TICKER_H

/* Ticker: 1-16 characters; this many bytes with the NUL. */
#define FC_TICKER_SIZE 17

/* 1 when ticker is 1-16 characters of A-Z a-z 0-9 . - ^ =, else 0. On 1,
 * writes the upper-case form into out[FC_TICKER_SIZE]. */
int fc_ticker_normalize(const char *ticker, char out[FC_TICKER_SIZE]);

#endif
