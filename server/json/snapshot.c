#include "snapshot.h"

#include "json_io.h"

fc_err fc_snapshot_from_rec(const struct fc_model_rec *rec,
                            struct fc_snapshot **out, struct fc_diag *d)
{
    struct fc_model *m = NULL;
    struct fc_snapshot *snap = NULL;

    fc_err rc = fc_model_load(rec->blob, rec->blob_len, &m, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_snapshot_new(rec->ticker, rec->version, m, &snap); /* owns m */
    if (rc != FC_OK)
        return rc;
    rc = fc_json_parse_scores(rec->metrics, &snap->scores);
    if (rc != FC_OK) {
        fc_snapshot_release(snap);
        return fc_diag_set(d, rc, "%s version %lld: unreadable metrics",
                           rec->ticker, (long long)rec->version);
    }
    *out = snap;
    return FC_OK;
}
