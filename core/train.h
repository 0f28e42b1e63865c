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
    int epoch;         /* 1-based, the epoch just finished */
    int epochs;        /* the maximum */
    double train_loss; /* mean squared error, scaled units */
    double val_loss;   /* NaN without a validation part */
    int best_epoch;    /* epoch whose weights are kept (0: none yet) */
    int fold, folds;   /* in a backtest: the 1-based fold and how
                        * many; 0 and 0 in a plain training */
    double epoch_seconds;
    double elapsed_seconds;
};

struct fc_train_opts {
    int n_threads; /* workers splitting each batch, >= 1 */
    /* Called after every epoch on the training thread; may be NULL. */
    void (*on_epoch)(void *ctx, const struct fc_progress *p);
    /* Called on the training thread before every batch and every test day
     * scored after training, where cancel is checked; may be NULL. It runs
     * thousands of times an epoch: it must return at once unless it has
     * something due (the trainer renews its job's lease here when a third
     * of the lease passed since its last progress write). */
    void (*on_tick)(void *ctx);
    void *ctx;
    const atomic_int *cancel; /* checked between batches and test days;
                                 may be NULL */
    /* Walk-forward folds (fc_backtest): when test_from > 0 the test part is
     * bars [test_from, n_bars) and training + validation use the bars before
     * test_from - gap, split by the hyperparameters' val_frac/(1-test_frac);
     * the gap bars are seen by nothing. 0 = the shares of the hparams. */
    int test_from;
    int gap;
    int fold, n_folds; /* reported in fc_progress (backtests) */
};

/* Where the bars were cut: target indices [first, train_end) train,
 * [train_end, val_end) validate, [test_from, n_bars) test (test_from =
 * val_end but in walk-forward folds with a gap). The scaler saw the bars
 * [0, train_end) only. */
struct fc_split {
    int first;
    int train_end;
    int val_end;
    int test_from;
    int n_bars;
};

/* The test period, day by day, and its scores. */
struct fc_eval {
    struct fc_split split;
    int n;             /* test days */
    int32_t *day;      /* [n] the predicted day */
    double *actual;    /* [n] close */
    double *predicted; /* [n] the model's one-step-ahead close */
    double *naive;     /* [n] the previous close */
    double *drift;     /* [n] previous close * exp(mean training
                        * log return) */
    double *sma14;     /* [n] mean of the 14 previous closes */
    double *p_up;      /* [n] P(close > previous close) */
    /* The test period's scores: rows "model", "naive", "drift", "sma14",
     * "ewma" and "garch" (the last two centred on the naive forecast, so
     * their point metrics are naive's; they are there for their
     * intervals), and the calibration (split conformal). The model keeps as
     * m->resid the log errors ln(actual / predicted) of the validation days
     * when there are at least 30, else of the first half of the test days
     * (calib.n_resid of them); coverage and the Brier score are measured on
     * the test days the calibration did not use: [cover_from, n), calib.n
     * of them. */
    struct fc_scores scores;
    int cover_from;
    double mase_scale; /* naive's MAE over the training bars */
    int epochs_run;
    int best_epoch; /* 0 when the last epoch's weights were kept */
    double train_seconds;
    double final_train_loss; /* scaled MSE */
    double best_val_loss;    /* NaN without validation (a distributional
                              * model: the mean validation NLL) */
    /* Each test day's interval as closes: the constant band of a point
     * model, predicted * e^[lo, hi]; for a distributional model
     * naive * e^(mu + q sigma) with q from the adapted state (adapt.h) of
     * the days before it: the calibration days, then each test day after
     * them once realised, as /predict has them. */
    double *lower80, *upper80; /* [n] */
    double *lower95, *upper95; /* [n] */
    /* A distributional model's forecast of each test day's log return
     * ln(actual / naive) ~ mu + sigma z; NULL for a point model. */
    double *mu;    /* [n] */
    double *sigma; /* [n] */
    /* What the interval scores (struct fc_interval_scores, in the rows
     * "model", "ewma" and "garch" of scores, all on the days
     * [cover_from, n)) are computed from, day by day: */
    double *vol20;     /* [n] trailing 20-day realised volatility of the
                        * log returns before the day (the thirds' key) */
    double *ewma_sd;   /* [n] EWMA (lambda 0.94) one-step sd of the day's
                        * log return; NaN when not computable */
    double *garch_sd;  /* [n] the same from GARCH(1,1) fitted by QML on the
                        * training part's returns only */
    unsigned char *h5; /* [n] the close 5 sessions ahead: bit k (0 model,
                        * 1 EWMA, 2 GARCH) set when the day's close was
                        * inside the 80 % interval forecast 5 sessions
                        * before it; FC_EVAL_H5_MEASURED set when the
                        * check was made */
};

#define FC_EVAL_H5_MEASURED 0x80u
#define FC_EVAL_H5_AHEAD 5    /* sessions ahead of the multi-step check */
#define FC_EVAL_VOL_WINDOW 20 /* days of the realised-volatility key */

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

/* ---- walk-forward backtest ------------------------------------------------
 */

#define FC_BACKTEST_MAX_FOLDS 20

/* A fold's test block is its scores' period (scores.from_day..to_day,
 * scores.n days); folds and backtests score accuracy and intervals, not
 * the calibration block (calib.n 0). */
struct fc_fold {
    int32_t train_first_day; /* the first bar any part of the fold used */
    int32_t scaler_last_day; /* the last bar the scaler (and training) saw */
    int epochs_run;
    struct fc_scores scores;
};

struct fc_backtest {
    int n_folds;
    struct fc_fold folds[FC_BACKTEST_MAX_FOLDS];
    struct fc_scores scores; /* over all folds' test days together */
};

/* Walk-forward evaluation with an expanding window: the last half of the
 * bars is cut into n_folds consecutive test blocks; fold k trains (scaler,
 * model, early stopping: all refitted) on every bar before its block minus
 * `gap` bars, and is scored on its block against the naive, drift and
 * 14-day moving-average forecasts. n_folds in 1..FC_BACKTEST_MAX_FOLDS,
 * gap >= 0. opts may carry progress and cancellation (its test_from and gap
 * are ignored). FC_EINVAL (too few bars for a fold; reason in d),
 * FC_ECANCELLED, FC_ENOMEM, FC_EIO. */
fc_err fc_backtest(const struct fc_hparams *hp, const struct fc_bar *bars,
                   int n_bars, int n_folds, int gap,
                   const struct fc_train_opts *opts, struct fc_backtest *out,
                   struct fc_diag *d);

#endif
