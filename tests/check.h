/* check.h — the test harness: one binary per module, run by ctest.
 *
 * CHECK* macros print file:line and both values on failure, count the
 * failure and go on (so one run shows every broken check); a test's main()
 * ends with `return check_report();`, which prints "N passed, N failed" and
 * exits non-zero when anything failed. No framework, no allocation. */
#ifndef FC_CHECK_H
#define FC_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check_n_pass_;
static int check_n_fail_;

#define CHECK_FAIL_(...)                                                       \
    do {                                                                       \
        check_n_fail_++;                                                       \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                        \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
    } while (0)

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (cond)                                                              \
            check_n_pass_++;                                                   \
        else                                                                   \
            CHECK_FAIL_("CHECK(%s) failed", #cond);                            \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
    do {                                                                       \
        long long va_ = (long long)(a), vb_ = (long long)(b);                  \
        if (va_ == vb_)                                                        \
            check_n_pass_++;                                                   \
        else                                                                   \
            CHECK_FAIL_("%s == %s: %lld != %lld", #a, #b, va_, vb_);           \
    } while (0)

/* |a - b| <= tol, and neither is NaN. */
#define CHECK_NEAR(a, b, tol)                                                  \
    do {                                                                       \
        double va_ = (double)(a), vb_ = (double)(b), t_ = (double)(tol);       \
        if (fabs(va_ - vb_) <= t_)                                             \
            check_n_pass_++;                                                   \
        else                                                                   \
            CHECK_FAIL_("%s ~ %s: %.9g vs %.9g (|diff| %.3g > %.3g)", #a, #b,  \
                        va_, vb_, fabs(va_ - vb_), t_);                        \
    } while (0)

/* An fc_err expression is FC_OK. Needs core/err.h. */
#define CHECK_OK(expr)                                                         \
    do {                                                                       \
        fc_err e_ = (expr);                                                    \
        if (e_ == FC_OK)                                                       \
            check_n_pass_++;                                                   \
        else                                                                   \
            CHECK_FAIL_("%s returned %s", #expr, fc_err_str(e_));              \
    } while (0)

#define CHECK_ERR(expr, want)                                                  \
    do {                                                                       \
        fc_err e_ = (expr), w_ = (want);                                       \
        if (e_ == w_)                                                          \
            check_n_pass_++;                                                   \
        else                                                                   \
            CHECK_FAIL_("%s returned %s, want %s", #expr, fc_err_str(e_),      \
                        fc_err_str(w_));                                       \
    } while (0)

static inline int check_report(void)
{
    printf("%d passed, %d failed\n", check_n_pass_, check_n_fail_);
    return check_n_fail_ == 0 ? 0 : 1;
}

#endif
