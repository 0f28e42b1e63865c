/* params.c — a job's parameters before the request's own keys apply. */
#include "params.h"

#include <stdio.h>
#include <string.h>

fc_err fc_train_params_defaults(const struct fc_config *cfg,
                                const char *preset,
                                struct fc_train_params *p, struct fc_diag *d)
{
    struct fc_config def;
    const struct fc_train_config *t = &cfg->train;
    const struct fc_train_config *t0 = &def.train;
    const char *name = preset != NULL ? preset : t->preset;

    memset(p, 0, sizeof *p);
    p->from_day = INT32_MIN;
    p->to_day = INT32_MAX;
    if (fc_hparams_preset(name, &p->hp) != FC_OK)
        return fc_diag_set(d, FC_EINVAL,
                           "preset: must be \"default\" or \"report\"");
    snprintf(p->preset, sizeof p->preset, "%s", name);
    if (preset != NULL)
        return FC_OK;
    /* No preset in the request: the configured train.* values apply, but
     * only those an operator changed from their defaults, so that an
     * unconfigured server trains each preset exactly as defined (the
     * report's must stay reproducible). */
    fc_config_defaults(&def);
    struct fc_hparams *hp = &p->hp;
    if (t->window != t0->window)
        hp->window = t->window;
    if (t->n_layers != t0->n_layers ||
        memcmp(t->layers, t0->layers, sizeof t->layers) != 0) {
        hp->n_layers = t->n_layers;
        for (int l = 0; l < t->n_layers && l < FC_LSTM_MAX_LAYERS; l++)
            hp->units[l] = t->layers[l];
    }
    if (t->epochs != t0->epochs)
        hp->epochs = t->epochs;
    if (t->batch_size != t0->batch_size)
        hp->batch_size = t->batch_size;
    if (t->learning_rate != t0->learning_rate)
        hp->learning_rate = (float)t->learning_rate;
    if (t->dropout != t0->dropout)
        hp->dropout = (float)t->dropout;
    if (t->patience != t0->patience)
        hp->patience = t->patience;
    if (t->seed != t0->seed)
        hp->seed = (uint64_t)t->seed;
    return FC_OK;
}
