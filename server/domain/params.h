/* params.h — what a training or backtest job asks for, resolved from a
 * preset, the config's train.* settings and the request's own keys. The
 * JSON bodies (json/), the CLI flags (app/) and the trainer (jobs/) share
 * this struct and its bounds. */
#ifndef FC_PARAMS_H
#define FC_PARAMS_H

#include "config.h"
#include "err.h"
#include "model.h"
#include "train.h"

#include <stdint.h>

/* What a training job asks for, resolved: the preset, then (when the
 * request names no preset) the config's train.* values that differ from
 * their defaults, then the request's keys. */
struct fc_train_params {
    char ticker[64];         /* as given (not yet validated); "" = none */
    char preset[16];         /* "default" | "report" */
    struct fc_hparams hp;
    int32_t from_day;        /* INT32_MIN when not given */
    int32_t to_day;          /* INT32_MAX when not given */
    int folds;               /* backtests: folds (1..FC_BACKTEST_MAX_FOLDS);
                              * 0 for a training job */
    int gap;                 /* backtests: bars left out before each fold */
};

#define FC_BACKTEST_DEFAULT_FOLDS 5
#define FC_BACKTEST_MAX_GAP 10000

/* The request defaults: cfg's preset with cfg's train.* overrides. */
fc_err fc_train_params_defaults(const struct fc_config *cfg,
                                const char *preset,
                                struct fc_train_params *p, struct fc_diag *d);

#endif
