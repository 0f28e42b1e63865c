/* lstm.h — a stacked LSTM regressor: layers of LSTM cells, inverted dropout
 * after each layer (training only), a dense output on the last time step.
 *
 * Pure computation: no I/O, threads or globals. A model is read-only while
 * predicting or computing gradients, so threads may share one model, each with
 * its own workspace (struct fc_lstm_ws). All parameters live in one float
 * array (so Adam, gradient reduction and serialisation see one vector), laid
 * out layer by layer as W[n_in x 4H], U[H x 4H], b[4H], then the dense
 * Wd[H_last x n_out], bd[n_out]; matrices are row-major and the four gate
 * blocks of every 4H row are in Keras/PyTorch order (input, forget, cell,
 * output). Inputs are sample-major: x[batch][n_steps][n_in]. */
#ifndef FC_LSTM_H
#define FC_LSTM_H

#include "err.h"
#include "rng.h"

#include <stddef.h>

#define FC_LSTM_MAX_LAYERS 8
#define FC_LSTM_MAX_UNITS 4096
#define FC_LSTM_MAX_INPUTS 64

struct fc_lstm;    /* opaque */
struct fc_lstm_ws; /* per-thread scratch, see fc_lstm_ws_new() */

/* A model with n_layers LSTM layers of units[l] cells on n_in inputs and a
 * dense layer of n_out outputs. Parameters start at zero: call
 * fc_lstm_init_keras or fill fc_lstm_params. Returns FC_EINVAL for
 * dimensions outside 1..FC_LSTM_MAX_*, FC_ENOMEM. *out is set on success. */
fc_err fc_lstm_new(int n_in, int n_layers, const int *units, int n_out,
                   struct fc_lstm **out);
void fc_lstm_free(struct fc_lstm *m);
/* A deep copy (a snapshot of the parameters). FC_ENOMEM. */
fc_err fc_lstm_clone(const struct fc_lstm *m, struct fc_lstm **out);

int fc_lstm_n_in(const struct fc_lstm *m);
int fc_lstm_n_out(const struct fc_lstm *m);
int fc_lstm_n_layers(const struct fc_lstm *m);
int fc_lstm_units(const struct fc_lstm *m, int layer);
size_t fc_lstm_n_params(const struct fc_lstm *m);
float *fc_lstm_params(struct fc_lstm *m);
const float *fc_lstm_params_const(const struct fc_lstm *m);

/* Keras initialisation: Glorot-uniform input and dense kernels, orthogonal
 * recurrent kernels (Saxe et al. 2014), zero biases except the forget gate's,
 * which is 1 (Jozefowicz et al. 2015). Deterministic in the rng stream. */
void fc_lstm_init_keras(struct fc_lstm *m, struct fc_rng *rng);

/* Scratch for batches of up to max_batch windows of up to max_steps steps.
 * Sized once: fc_lstm_predict and fc_lstm_grad never allocate. FC_EINVAL,
 * FC_ENOMEM. */
fc_err fc_lstm_ws_new(const struct fc_lstm *m, int max_batch, int max_steps,
                      struct fc_lstm_ws **out);

/* Scratch for predicting one window of up to max_steps steps, and nothing
 * else: a tenth of fc_lstm_ws_new(m, 1, ...)'s size (no gradients, no
 * transposed weights), for a workspace made per forecast. Its predictions
 * are the same to the bit; fc_lstm_grad refuses it (FC_EINVAL). */
fc_err fc_lstm_ws_new_one(const struct fc_lstm *m, int max_steps,
                          struct fc_lstm_ws **out);
void fc_lstm_ws_free(struct fc_lstm_ws *ws);

/* y[batch][n_out] from x[batch][n_steps][n_in], no dropout. Returns FC_OK, or
 * FC_EINVAL if batch or n_steps exceed the workspace or are < 1. */
fc_err fc_lstm_predict(const struct fc_lstm *m, struct fc_lstm_ws *ws,
                       const float *x, int batch, int n_steps, float *y);

/* One forward and backward pass over a (slice of a) mini-batch, for the
 * loss L = inv_n * sum (y - t)^2 (inv_n = 1 / (whole batch * n_out), so
 * slices computed by different threads add up to the batch's mean squared
 * error). Dropout of rate `dropout` (0 <= dropout < 1) after every layer,
 * with masks drawn from rng. ADDS dL/dparams to grad[n_params]; the caller
 * zeroes it. Returns the slice's sum of squared errors in *sse.
 *   x   [batch][n_steps][n_in] inputs      t   [batch][n_out] targets
 * FC_EINVAL as fc_lstm_predict. Reentrant for distinct ws, rng and grad. */
fc_err fc_lstm_grad(const struct fc_lstm *m, struct fc_lstm_ws *ws,
                    const float *x, const float *t, int batch, int n_steps,
                    float dropout, struct fc_rng *rng, float inv_n, float *grad,
                    double *sse);

/* ---- stepping -----------------------------------------------------------
 * The net run one time step at a time for `batch` independent sequences,
 * with the state carried by the caller: for sampling many futures from one
 * window without re-running the window. state holds h then c of each layer
 * in turn, [batch][units[l]] each; all zeros is the start of a window. */

size_t fc_lstm_state_floats(const struct fc_lstm *m, int batch);
size_t fc_lstm_step_scratch_floats(const struct fc_lstm *m, int batch);

/* Advance state by the inputs x[batch][n_in] and write the dense outputs
 * y[batch][n_out] of the new state. No dropout, no allocation, no failure;
 * the same cell code as fc_lstm_predict (its results agree to rounding of
 * the products' order). */
void fc_lstm_step(const struct fc_lstm *m, const float *x, int batch,
                  float *state, float *scratch, float *y);

/* ---- distributional head ----------------------------------------------
 * With n_out = 2 the dense layer's outputs are a location mu and a raw
 * scale a of the target's distribution; the scale is
 *     sigma = softplus(a) + FC_LSTM_SCALE_FLOOR
 * (positive, smooth, and never so small that one day's NLL explodes). */

#define FC_LSTM_SCALE_FLOOR 0.01 /* in the target's scaled units */

/* sigma from the raw scale output a. */
double fc_lstm_scale(double a);

/* The negative log-likelihood of target t under the head's (mu, a): a
 * Gaussian when df == 0, else a Student-t with df > 0 degrees of freedom
 * (location mu, scale sigma), constants included. d_mu, d_a (either may be
 * NULL) receive its derivatives by mu and by a. */
double fc_lstm_nll(double t, double mu, double a, double df, double *d_mu,
                   double *d_a);

/* As fc_lstm_grad, for the loss L = inv_n * sum_i nll(t_i; mu_i, a_i) over a
 * net with n_out == 2 (inv_n = 1 / whole batch): full BPTT from both heads.
 * t[batch] holds one target per window. Returns the slice's summed NLL in
 * *nll. FC_EINVAL as fc_lstm_grad, or when n_out != 2. */
fc_err fc_lstm_grad_nll(const struct fc_lstm *m, struct fc_lstm_ws *ws,
                        const float *x, const float *t, int batch, int n_steps,
                        float dropout, struct fc_rng *rng, float inv_n,
                        double df, float *grad, double *nll);

#endif
