/* params.h — what a training or backtest job asks for, and the one table
 * of its parameters.
 *
 * struct fc_train_params is a job's parameters resolved: a preset, then
 * the config's train.* settings, then the request's own keys. The table
 * (params.c) lists every parameter once: its JSON key, its CLI flag, its
 * type, its bounds (the max of some lowered by a train.* setting), where it
 * lives in the struct and a line of help. The JSON body parser and the
 * renderer of stored params (json/), the flags of `forecastd train` and
 * `backtest` (app/) and the list of accepted keys in error messages all
 * walk it, and every value goes through fc_param_set, so a parameter has
 * one set of bounds and one message wherever it comes from. This module
 * reads no JSON and no argv: callers hand it typed values or flag text. */
#ifndef FC_PARAMS_H
#define FC_PARAMS_H

#include "config.h"
#include "err.h"
#include "model.h"
#include "train.h"

#include <stddef.h>
#include <stdint.h>

/* What a training job asks for, resolved: the preset, then (when the
 * request names no preset) the config's train.* values that differ from
 * their defaults, then the request's keys. */
struct fc_train_params {
    char ticker[64]; /* as given (not yet validated); "" = none */
    char preset[16]; /* "default" | "point" | "dist" | "report" */
    struct fc_hparams hp;
    int loss_set;     /* 1 when the request named the loss */
    int32_t from_day; /* INT32_MIN when not given */
    int32_t to_day;   /* INT32_MAX when not given */
    int folds;        /* backtests: folds (1..FC_BACKTEST_MAX_FOLDS);
                       * 0 for a training job */
    int gap;          /* backtests: bars left out before each fold */
};

#define FC_BACKTEST_DEFAULT_FOLDS 5
/* student_df when the student_t loss is asked for without it. */
#define FC_STUDENT_DF_DEFAULT 5.0f
#define FC_BACKTEST_MAX_GAP 10000

/* The request defaults: cfg's preset with cfg's train.* overrides, or
 * `preset` exactly when it is not NULL. FC_EINVAL for an unknown preset
 * ("preset: must be ..."). */
fc_err fc_train_params_defaults(const struct fc_config *cfg, const char *preset,
                                struct fc_train_params *p, struct fc_diag *d);

/* The checks on the whole set, once every key is in: from not after to,
 * center_output off unless the target is the log return, and the preset's
 * distributional loss replaced by mse unless the target is the log return
 * with one member (a setting the client cannot see must not fail its
 * request; a loss the request named stays, and fails the check), student_df
 * FC_STUDENT_DF_DEFAULT for student_t when not given, then
 * fc_hparams_check. FC_EINVAL with the reason in d. */
fc_err fc_train_params_finish(struct fc_train_params *p, struct fc_diag *d);

/* ---- the table ------------------------------------------------------------
 */

/* How a parameter's value is read and where it goes. */
enum fc_param_type {
    FC_PARAM_TICKER,   /* char[64]: a string, copied as given */
    FC_PARAM_PRESET,   /* char[16]: a preset fc_hparams_preset knows */
    FC_PARAM_INT,      /* int: a whole number in [min, max] */
    FC_PARAM_SEED,     /* uint64_t: a whole number in [min, max] */
    FC_PARAM_FLOAT,    /* float: a number in [min, max] ((min, max] when
                        * min_open) */
    FC_PARAM_LAYERS,   /* hp.n_layers and hp.units: a list of 1 to
                        * FC_LSTM_MAX_LAYERS unit counts, each a whole
                        * number in [min, max] */
    FC_PARAM_FEATURES, /* hp.features: a non-empty list of feature names */
    FC_PARAM_TARGET,   /* enum fc_target: "close" or "log_return" */
    FC_PARAM_SCALER,   /* enum fc_scaler: "minmax" or "robust" */
    FC_PARAM_LOSS,     /* enum fc_loss: "mse", "gaussian" or "student_t" */
    FC_PARAM_DATE      /* int32_t day: "YYYY-MM-DD"; null leaves it unset */
};

/* Where a parameter is accepted. */
enum fc_param_scope {
    FC_PARAM_JOB,      /* POST /train, POST /backtest, the CLI's train and
                        * backtest (both forms) */
    FC_PARAM_BACKTEST, /* POST /backtest and `forecastd backtest` only */
    FC_PARAM_OFFLINE   /* the CLI on a CSV file only: no JSON key, so a
                        * stored job cannot carry it */
};

/* The train.* setting of the config that lowers a parameter's max. */
enum fc_param_cap {
    FC_PARAM_CAP_NONE,
    FC_PARAM_CAP_EPOCHS, /* train.max_epochs */
    FC_PARAM_CAP_WINDOW, /* train.max_window */
    FC_PARAM_CAP_UNITS   /* train.max_units */
};

/* One row of the table. */
struct fc_param {
    const char *key;  /* JSON key; NULL for FC_PARAM_OFFLINE */
    const char *flag; /* CLI flag ("--batch-size"); NULL: JSON only */
    enum fc_param_type type;
    enum fc_param_scope scope;
    double min, max;       /* numbers (LAYERS: units per layer) */
    int min_open;          /* 1: min itself is outside the range */
    enum fc_param_cap cap; /* the max is at most this setting */
    size_t offset;         /* of the field in struct fc_train_params */
    const char *arg;       /* the value in usage lines: "N", "DATE" */
    const char *help;      /* one line for usage */
};

/* Row i in table order (the order of the allowed-keys message and of the
 * rendered params), NULL past the end. */
const struct fc_param *fc_param_at(int i);
/* The row of JSON key `key` (FC_PARAM_BACKTEST rows only when backtest is
 * not 0); NULL when the body may not hold it. */
const struct fc_param *fc_param_find(const char *key, int backtest);
/* The row of CLI flag `flag` (FC_PARAM_BACKTEST rows only with backtest,
 * FC_PARAM_OFFLINE rows only with offline); NULL when none. */
const struct fc_param *fc_param_find_flag(const char *flag, int backtest,
                                          int offline);
/* k's max with cfg: min(k->max, the cap's setting). */
double fc_param_max(const struct fc_param *k, const struct fc_config *cfg);
/* The JSON keys a body may hold, "ticker, preset, ..., to" (plus
 * ", folds, gap" with backtest), into buf[size] (truncated to fit). */
void fc_param_keys(int backtest, char *buf, size_t size);

/* A value as a JSON body (or a flag) gives it. */
enum fc_param_vtype {
    FC_PARAM_V_NULL,
    FC_PARAM_V_NUMBER,
    FC_PARAM_V_STRING,
    FC_PARAM_V_OTHER /* a boolean, an object, an array where a scalar is
                      * wanted: the wrong type for every parameter */
};

struct fc_param_value {
    enum fc_param_vtype type;
    double num;    /* NUMBER */
    const char *s; /* STRING, NUL-terminated */
};

/* Sets a scalar parameter (every type but LAYERS and FEATURES) of p from
 * v, checked against k's type and bounds (max from cfg). `name` starts
 * the message: the JSON key, or the flag for the CLI ("--epochs: must be
 * a whole number in [1, 1000]"). FC_EINVAL with the reason in d; p is
 * unchanged then. */
fc_err fc_param_set(const struct fc_param *k, const char *name,
                    const struct fc_param_value *v, const struct fc_config *cfg,
                    struct fc_train_params *p, struct fc_diag *d);
/* Starts a list parameter (LAYERS, FEATURES) of n items, which follow
 * through fc_param_set_item with i = 0..n-1; n < 0 says the value is not
 * a list. FC_EINVAL (d) for a count the parameter cannot have. */
fc_err fc_param_set_list(const struct fc_param *k, const char *name, int n,
                         struct fc_train_params *p, struct fc_diag *d);
/* Item i of the list started by fc_param_set_list. FC_EINVAL (d). */
fc_err fc_param_set_item(const struct fc_param *k, const char *name, int i,
                         const struct fc_param_value *v,
                         const struct fc_config *cfg, struct fc_train_params *p,
                         struct fc_diag *d);
/* Sets a parameter from a flag's text: numbers as JSON writes them, lists
 * comma-separated ("50,50,50"), strings as they are. FC_EINVAL (d). */
fc_err fc_param_set_text(const struct fc_param *k, const char *name,
                         const char *text, const struct fc_config *cfg,
                         struct fc_train_params *p, struct fc_diag *d);

#endif
