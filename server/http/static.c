/* static.c — the files of web_dir (the dashboard) for GET paths no route
 * claims. Only plain paths are served: segments of [A-Za-z0-9._-], none
 * empty or starting with '.', and the real path (symlinks resolved) must
 * stay inside web_dir's; anything else is the same 404 as a missing file.
 * The file is not read here: its path goes back in the reply and the HTTP
 * layer sends it. */
/* realpath() is an XSI function: ask for it before any header. */
#define _XOPEN_SOURCE 700

#include "api_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *mime_of(const char *path)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".woff2", "font/woff2"},
    };
    const char *dot = strrchr(path, '.');
    if (dot != NULL)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

fc_err fc_static_serve(const char *web_dir, const char *path,
                       struct fc_reply *rep, struct fc_diag *d)
{
    const char *p = path;
    char rel[512];
    char full[PATH_MAX + 600];
    char root[PATH_MAX];
    char real[PATH_MAX];
    struct stat sb;

    rep->route = FC_ROUTE_STATIC;
    if (strcmp(p, "/") == 0)
        p = "/index.html";
    if (strlen(p) >= sizeof rel)
        goto not_found;
    for (const char *q = p; *q != '\0'; q++) {
        char c = *q;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
                 c == '/';
        if (!ok)
            goto not_found;
        if (c == '/' && (q[1] == '/' || q[1] == '.' || q[1] == '\0'))
            goto not_found; /* empty, hidden, "." and ".." segments */
    }
    snprintf(rel, sizeof rel, "%s", p);
    if (realpath(web_dir, root) == NULL)
        goto not_found;
    snprintf(full, sizeof full, "%s%s", root, rel);
    if (realpath(full, real) == NULL)
        goto not_found;
    size_t n = strlen(root);
    if (strncmp(real, root, n) != 0 || real[n] != '/')
        goto not_found;
    if (stat(real, &sb) != 0 || !S_ISREG(sb.st_mode))
        goto not_found;
    rep->file_path = strdup(real);
    if (rep->file_path == NULL)
        return FC_ENOMEM;
    rep->status = 200;
    rep->content_type = mime_of(real);
    return FC_OK;
not_found:
    return fc_diag_set(d, FC_ENOTFOUND,
                       "no resource at this path; the API "
                       "is described at /openapi.json");
}
