/* reply.c — building a struct fc_reply: its lifecycle, a body with its
 * status and type, a JSON body, and the one problem+json shape (RFC 9457)
 * every error leaves in, with the status fc_err_http() gives its code. */
#include "api_int.h"

#include "json_io.h"

#include <stdlib.h>
#include <string.h>

void fc_reply_init(struct fc_reply *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->status = 200;
    rep->route = FC_ROUTE_NONE;
}

void fc_reply_fini(struct fc_reply *rep)
{
    free(rep->body);
    free(rep->file_path);
    rep->body = NULL;
    rep->file_path = NULL;
}

void fc_api_set_body(struct fc_reply *rep, int status, const char *ctype,
                     char *body, size_t len)
{
    free(rep->body);
    rep->status = status;
    rep->content_type = ctype;
    rep->body = body;
    rep->body_len = len;
    /* 503 is a state that passes (the database locked, not open yet, or
     * unreachable while it restarts): the client is told when to ask
     * again. */
    if (status == 503 && rep->retry_after_s == 0)
        rep->retry_after_s = 1;
}

void fc_reply_problem(struct fc_reply *rep, fc_err rc, const char *detail)
{
    size_t len = 0;
    int status = fc_err_http(rc);
    char *body = fc_json_problem(status, detail, NULL, NULL, &len);
    fc_api_set_body(rep, status, FC_CT_PROBLEM, body, len);
}

fc_err fc_api_json_reply(struct fc_reply *rep, int status, char *body,
                         const size_t *len)
{
    if (body == NULL)
        return FC_ENOMEM;
    fc_api_set_body(rep, status, FC_CT_JSON, body, *len);
    return FC_OK;
}
