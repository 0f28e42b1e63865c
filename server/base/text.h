/* text.h — client text quoted in messages, and numbers written so that
 * they read back exactly. */
#ifndef FC_TEXT_H
#define FC_TEXT_H

#include <stddef.h>

/* Client text quoted in a message: at most 40 bytes of s[0..len) (cut with
 * "..."), bytes outside printable ASCII and single quotes replaced by '?',
 * NUL-terminated in out. Used for every echo of client input in replies. */
void fc_echo(const char *s, size_t len, char out[48]);

/* Formats v as the shortest decimal that reads back to the same double
 * (at most 17 significant digits) into buf[32]; returns the length. NaN
 * is written as "" (the caller decides between null and an empty field). */
int fc_fmt_double(double v, char buf[32]);

#endif
