/* json_common.c — the helpers of json_common.h: number and date members,
 * printing, whole-document parsing and the syntax error that says where a
 * document broke. */
#include "json_common.h"

#include "bar.h"
#include "text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A number in the shortest form that reads back the same; null for NaN. */
void fc_jsonc_put_num(struct fc_buf *s, double v)
{
    char buf[32];
    int n = fc_fmt_double(v, buf);
    if (n == 0)
        fc_buf_append(s, "null", 4);
    else
        fc_buf_append(s, buf, (size_t)n);
}

char *fc_jsonc_print(cJSON *root, size_t *len)
{
    char *out = NULL;
    if (root != NULL)
        out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (out != NULL && len != NULL)
        *len = strlen(out);
    return out;
}

/* A date member: "YYYY-MM-DD", or null for INT32_MIN (unknown). */
void fc_jsonc_add_date(cJSON *o, const char *name, int32_t day)
{
    if (day == INT32_MIN) {
        cJSON_AddNullToObject(o, name);
    } else {
        char buf[11];
        fc_day_format(day, buf);
        cJSON_AddStringToObject(o, name, buf);
    }
}

/* Line and column of p in text, 1-based. */
static void locate(const char *text, const char *p, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *q = text; q < p && *q != '\0'; q++) {
        if (*q == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* The reason a document did not parse: where, and for the tokens some
 * encoders write for non-finite numbers (Python's json.dumps), what to do
 * instead. `prefix` (may be "") names the document. */
fc_err fc_jsonc_syntax_error(const char *text, size_t len, const char *at,
                             const char *prefix, fc_err e, struct fc_diag *d)
{
    static const char *const nonfinite[] = {"NaN", "Infinity", "-Infinity"};
    int line, col;
    const char *hint = "";

    locate(text, at, &line, &col);
    for (size_t i = 0; at != NULL && i < 3; i++) {
        size_t n = strlen(nonfinite[i]);
        if ((size_t)(text + len - at) >= n && memcmp(at, nonfinite[i], n) == 0)
            hint = ": NaN and Infinity are not JSON numbers; leave the value "
                   "out or send a finite number";
    }
    return fc_diag_set(d, e, "%snot valid JSON (line %d, column %d)%s", prefix,
                       line, col, hint);
}

/* Parses text[0..len) as one JSON document with nothing but whitespace
 * after it (cJSON alone would accept `{} trailing junk`). On failure,
 * *err_at points where parsing stopped. */
cJSON *fc_jsonc_parse_whole(const char *text, size_t len, const char **err_at)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);

    *err_at = end != NULL ? end : text;
    if (root == NULL)
        return NULL;
    const char *stop = text + len;
    while (end < stop &&
           (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (end < stop) {
        cJSON_Delete(root);
        *err_at = end;
        return NULL;
    }
    return root;
}

/* The shortest decimal that reads back as the same float: 0.0003, not
 * 0.000300000014. Parameters are floats in the core. */
double fc_jsonc_float_num(float f)
{
    char buf[32];
    for (int p = 6; p <= 9; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, (double)f);
        double v = strtod(buf, NULL);
        if ((float)v == f)
            return v;
    }
    return (double)f;
}
/* A number member, null when not finite. */
void fc_jsonc_add_num(cJSON *o, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

/* A member holding a JSON text this service wrote (params, progress,
 * metrics): spliced in as it is, or null. */
void fc_jsonc_add_raw(cJSON *o, const char *name, const char *text)
{
    if (text != NULL && text[0] != '\0')
        cJSON_AddRawToObject(o, name, text);
    else
        cJSON_AddNullToObject(o, name);
}

void fc_jsonc_add_str_or_null(cJSON *o, const char *name, const char *s)
{
    if (s != NULL && s[0] != '\0')
        cJSON_AddStringToObject(o, name, s);
    else
        cJSON_AddNullToObject(o, name);
}

double fc_jsonc_num_or_nan(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}
