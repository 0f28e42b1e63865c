/* adam.c — Adam as Keras/TensorFlow compute it: the bias corrections folded
 * into the step size, epsilon added outside the corrected square root. */
#include "adam.h"
#include "simd.h"

#include <math.h>
#include <stdlib.h>

fc_err fc_adam_init(struct fc_adam *a, size_t n, float lr, float beta1,
                    float beta2, float eps)
{
    a->lr = lr;
    a->beta1 = beta1;
    a->beta2 = beta2;
    a->eps = eps;
    a->weight_decay = 0.0f;
    a->t = 0;
    a->n = n;
    a->m = calloc(n, sizeof(float));
    a->v = calloc(n, sizeof(float));
    if (a->m == NULL || a->v == NULL) {
        fc_adam_fini(a);
        return FC_ENOMEM;
    }
    return FC_OK;
}

void fc_adam_fini(struct fc_adam *a)
{
    free(a->m);
    free(a->v);
    a->m = NULL;
    a->v = NULL;
}

FC_CLONES
static void update(float *restrict p, const float *restrict g,
                   float *restrict m, float *restrict v, size_t n, float b1,
                   float b2, float lr_t, float eps)
{
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1.0f - b1) * g[i];
        v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        p[i] -= lr_t * m[i] / (sqrtf(v[i]) + eps);
    }
}

/* Decoupled decay shrinks every parameter toward 0 by the same factor,
 * independently of the gradient's scale (Loshchilov & Hutter 2019): unlike
 * an L2 term in the loss, Adam's per-parameter normalisation does not undo
 * it. */
FC_CLONES
static void decay(float *restrict p, size_t n, float f)
{
    for (size_t i = 0; i < n; i++)
        p[i] -= f * p[i];
}

void fc_adam_step(struct fc_adam *a, float *params, const float *grad)
{
    a->t++;
    if (a->weight_decay > 0.0f)
        decay(params, a->n, a->lr * a->weight_decay);
    double c1 = 1.0 - pow((double)a->beta1, (double)a->t);
    double c2 = 1.0 - pow((double)a->beta2, (double)a->t);
    float lr_t = (float)((double)a->lr * sqrt(c2) / c1);
    update(params, grad, a->m, a->v, a->n, a->beta1, a->beta2, lr_t, a->eps);
}
