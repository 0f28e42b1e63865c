/* train.h — fit a model to a series of bars, and evaluate it on the bars it
 * never saw.
 *
 * The bars are split chronologically into train | validation | test by the
 * shares in the hyperparameters (the report: 80 % | 0 | 20 %). The scaler is
 * fitted on the training bars only. Training is mini-batch Adam with the
 * training windows shuffled each epoch; each batch is split across
 * opts->n_threads workers that compute the gradients of their slice (the
 * only threads of the core), then summed in a fixed order, so the same seed
 * and thread count give bit-identical weights. With a validation part, the
 * best epoch's weights are kept, and training stops after `patience` epochs
 * without improvement. The test part then scores the model against the naive
 * forecast (tomorrow's close = today's) on the same days. */
#ifndef FC_TRAIN_H
#define FC_TRAIN_H

#include "bar.h"
#include "err.h"
#include "metrics.h"
#include "model.h"

#include <stdatomic.h>

struct fc_progress {
    int epoch;              /* 1-based, the epoch just finished */
    int epochs;             /* the maximum */
    double train_loss;      /* mean squared error, scaled units */
    double val_loss;        /* NaN without a validation part */
    int best_epoch;         /* epoch whose weights are kept (0: none yet) */
    double epoch_seconds;
    double elapsed_seconds;
};

struct fc_train_opts {
    int n_threads;                   /* workers splitting each batch, >= 1 */
    /* Called after every epoch on the training thread; may be NULL. */
    void (*on_epoch)(void *ctx, const struct fc_progress *p);
    void *ctx;
    const atomic_int *cancel;        /* checked between batches; may be NULL */
};

/* Where the bars were cut: target indices [first, train_end) train,
 * [train_end, val_end) validate, [val_end, n_bars) test. The scaler saw the
 * bars [0, train_end) only. */
struct fc_split {
    int first;
    int train_end;
    int val_end;
    int n_bars;
};

/* The test period, day by day, and its scores. */
struct fc_eval {
    struct fc_split split;
    int n;                   /* test days */
    int32_t *day;            /* [n] the predicted day */
    double *actual;          /* [n] close */
    double *predicted;       /* [n] the model's one-step-ahead close */
    double *naive;           /* [n] the previous close */
    struct fc_metrics model;
    struct fc_metrics naive_metrics;
    double skill;            /* 1 - rmse_model / rmse_naive */
    double mase_scale;       /* naive's MAE over the training bars */
    int epochs_run;
    int best_epoch;          /* 0 when the last epoch's weights were kept */
    double train_seconds;
    double final_train_loss; /* scaled MSE */
    double best_val_loss;    /* NaN without validation */
};

/* Compute the split for hp on n_bars bars. FC_EINVAL (with the number of bars
 * needed in d) when a part would be too small: at least 2 training windows
 * and 1 test day when test_frac > 0. */
fc_err fc_train_split(const struct fc_hparams *hp, int n_bars,
                      struct fc_split *out, struct fc_diag *d);

/* Train on bars[0..n_bars) (ascending, validated). On success *out is a new
 * model the caller owns and ev (if not NULL) holds the evaluation; release
 * it with fc_eval_fini. Returns FC_EINVAL (bad hp, too few bars; reason in
 * d), FC_ECANCELLED, FC_ENOMEM, FC_EIO (a worker thread could not start). */
fc_err fc_train(const struct fc_hparams *hp, const struct fc_bar *bars,
                int n_bars, const struct fc_train_opts *opts,
                struct fc_model **out, struct fc_eval *ev, struct fc_diag *d);

void fc_eval_fini(struct fc_eval *ev);

#endif
