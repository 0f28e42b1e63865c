/* json_common.h — helpers the JSON mapping files share (bodies.c,
 * replies.c, docs.c, config_file.c). Private to server/json: it names
 * cJSON types, so no caller outside this folder includes it (the folder's
 * callers use json_io.h). */
#ifndef FC_JSON_COMMON_H
#define FC_JSON_COMMON_H

#include "buf.h"
#include "err.h"
#include "forecast.h"

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Appends v in the shortest form that reads back the same; null for NaN. */
void fc_jsonc_put_num(struct fc_buf *s, double v);
/* Prints root unformatted and deletes it (root may be NULL). NULL when
 * memory runs out; *len (when len is not NULL) is the length. */
char *fc_jsonc_print(cJSON *root, size_t *len);
/* A date member "YYYY-MM-DD", or null for INT32_MIN (unknown). */
void fc_jsonc_add_date(cJSON *o, const char *name, int32_t day);
/* A number member, null when not finite. */
void fc_jsonc_add_num(cJSON *o, const char *name, double v);
/* A member holding a JSON text this service wrote (params, progress,
 * metrics): spliced in as it is, or null when text is NULL or "". */
void fc_jsonc_add_raw(cJSON *o, const char *name, const char *text);
/* A string member, null when s is NULL or "". */
void fc_jsonc_add_str_or_null(cJSON *o, const char *name, const char *s);
/* A number member of o, NaN when absent or not a number. */
double fc_jsonc_num_or_nan(const cJSON *o, const char *name);
/* The shortest decimal that reads back as the same float. */
double fc_jsonc_float_num(float f);

/* Parses text[0..len) as one JSON document with nothing but whitespace
 * after it (cJSON alone would accept `{} trailing junk`). NULL when it is
 * not one; then *err_at points where parsing stopped. */
cJSON *fc_jsonc_parse_whole(const char *text, size_t len, const char **err_at);
/* Records in d, as error e, why text did not parse: the line and column of
 * `at`, and a hint for NaN/Infinity. `prefix` (may be "") names the
 * document. Returns e. */
fc_err fc_jsonc_syntax_error(const char *text, size_t len, const char *at,
                             const char *prefix, fc_err e, struct fc_diag *d);

/* A metrics document (docs.c) as a tree, for replies that embed one. */
cJSON *fc_jsonc_scores_object(const struct fc_scores *s);

#endif
