/* adam.h — the Adam optimiser (Kingma & Ba 2015) in Keras's form, over one
 * flat parameter vector, with optional decoupled weight decay (AdamW,
 * Loshchilov & Hutter 2019). Caller-allocated struct; its moment buffers are
 * allocated once by fc_adam_init. Not thread-safe: one trainer owns it. */
#ifndef FC_ADAM_H
#define FC_ADAM_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

struct fc_adam {
    float lr;           /* learning rate (Keras default 1e-3) */
    float beta1;        /* 0.9 */
    float beta2;        /* 0.999 */
    float eps;          /* 1e-7, added to sqrt(v) (Keras's epsilon-hat) */
    float weight_decay; /* decoupled decay; 0 (set by init) = plain Adam */
    int64_t t;          /* steps taken */
    size_t n;           /* parameters */
    float *m;           /* first moments [n] */
    float *v;           /* second moments [n] */
};

/* Zero moments for n parameters, weight_decay 0 (set it afterwards for
 * AdamW). FC_ENOMEM (then nothing to fini). */
fc_err fc_adam_init(struct fc_adam *a, size_t n, float lr, float beta1,
                    float beta2, float eps);
void fc_adam_fini(struct fc_adam *a);
/* params -= lr_t * m / (sqrt(v) + eps), lr_t = lr sqrt(1-b2^t) / (1-b1^t),
 * after params -= lr * weight_decay * params when weight_decay > 0 (Keras
 * AdamW: the decay is not scaled by the bias corrections). */
void fc_adam_step(struct fc_adam *a, float *params, const float *grad);

#endif
