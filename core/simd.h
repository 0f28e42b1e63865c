/* simd.h — how the core's hot loops get wide vector code without
 * -march=native (which would tie the binary, and the Docker image, to the
 * build machine). A function marked FC_CLONES is compiled three times (the
 * x86-64-v4 level: AVX-512 with FMA and VL; x86-64-v3: AVX2 with FMA;
 * baseline x86-64) and the dynamic loader picks the best one for the CPU at
 * start-up (GCC target_clones, an ifunc). Elsewhere it is a no-op.
 *
 * The levels, not the bare "avx512f" and "avx2" features: neither of those
 * implies FMA in GCC, so their clones computed every 8-wide product (and
 * every product of a loop GCC vectorised at 8 lanes) as a multiply and a
 * separate add, and the AVX2 clone did so everywhere. */
#ifndef FC_SIMD_H
#define FC_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&         \
    !defined(FC_NO_CLONES)
#define FC_CLONES                                                              \
    __attribute__((                                                            \
        target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FC_CLONES
#endif

/* The two halves of e^x shared by fc_expf and the core's 16-lane version
 * (lstm.c's vexpf), for a float or a GCC vector of floats, so both compute
 * the same operations: r = x - n ln2 in two parts (Cody-Waite), then the
 * Cephes degree-6 polynomial for e^r, |r| <= ln2/2. */
#define FC_EXP_REDUCE(x, n) ((x) - (n)*0.693359375f + (n)*2.12194440e-4f)
#define FC_EXP_POLY(r)                                                         \
    ((((((r)*1.9875691500e-4f + 1.3981999507e-3f) * (r) + 8.3334519073e-3f) *  \
           (r) +                                                               \
       4.1665795894e-2f) *                                                     \
          (r) +                                                                \
      1.6666665459e-1f) *                                                      \
         (r) +                                                                 \
     5.0000001201e-1f) *                                                       \
            (r) * (r) +                                                        \
        (r) + 1.0f

/* e^x for float, written so that a loop of it vectorises: Cody-Waite range
 * reduction x = n ln2 + r with |r| <= ln2/2, the Cephes degree-6 polynomial
 * for e^r (relative error about 1 ulp), and 2^n built in the exponent bits.
 * Inputs are clamped to [-87, 88], so the result is always a normal float. */
static inline float fc_expf(float x)
{
    x = x > 88.0f ? 88.0f : x;
    x = x < -87.0f ? -87.0f : x;
    float kf = x * 1.44269504088896341f + 12582912.0f; /* round via 1.5*2^23 */
    int32_t ki;
    memcpy(&ki, &kf, sizeof ki);
    ki -= 0x4B400000; /* the integer n */
    float n = kf - 12582912.0f;
    float r = FC_EXP_REDUCE(x, n);
    float p = FC_EXP_POLY(r);
    int32_t bits = (ki + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float fc_sigmoidf(float x)
{
    return 1.0f / (1.0f + fc_expf(-x));
}

/* tanh x = 2 sigmoid(2x) - 1: absolute error ~1e-7, which is all an LSTM
 * gate needs (the backward pass uses 1 - tanh^2 of the value computed here). */
static inline float fc_tanhf(float x)
{
    return 2.0f / (1.0f + fc_expf(-2.0f * x)) - 1.0f;
}

#endif
