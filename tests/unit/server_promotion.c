/* server_promotion.c — unit tests of the promotion rule
 * (domain/promotion.c): one table of cases, each a policy, a champion (or
 * none), the two skills and the decision expected. */
#include "check.h"
#include "promotion.h"

#include <math.h>

static const struct {
    const char *what;
    enum fc_promotion policy;
    int has_champion;
    double champion_skill;
    double new_skill;
    int want;
} cases[] = {
    /* always: whatever the skills. */
    {"always, better", FC_PROMOTE_ALWAYS, 1, 0.1, 0.2, 1},
    {"always, worse", FC_PROMOTE_ALWAYS, 1, 0.2, 0.1, 1},
    {"always, no champion", FC_PROMOTE_ALWAYS, 0, NAN, 0.1, 1},
    {"always, NaN new", FC_PROMOTE_ALWAYS, 1, 0.2, NAN, 1},
    /* never: not even the first version. */
    {"never, better", FC_PROMOTE_NEVER, 1, 0.1, 0.2, 0},
    {"never, no champion", FC_PROMOTE_NEVER, 0, NAN, 0.2, 0},
    {"never, NaN both", FC_PROMOTE_NEVER, 1, NAN, NAN, 0},
    /* if not worse: a defined skill must be >= the champion's. */
    {"if_not_worse, better", FC_PROMOTE_IF_NOT_WORSE, 1, 0.1, 0.2, 1},
    {"if_not_worse, equal", FC_PROMOTE_IF_NOT_WORSE, 1, 0.15, 0.15, 1},
    {"if_not_worse, worse", FC_PROMOTE_IF_NOT_WORSE, 1, 0.2, 0.1, 0},
    {"if_not_worse, worse by one ulp", FC_PROMOTE_IF_NOT_WORSE, 1, 0.2,
     0.19999999999999998, 0},
    {"if_not_worse, negative and better", FC_PROMOTE_IF_NOT_WORSE, 1, -0.5,
     -0.25, 1},
    {"if_not_worse, negative and worse", FC_PROMOTE_IF_NOT_WORSE, 1, -0.25,
     -0.5, 0},
    {"if_not_worse, -0 vs +0", FC_PROMOTE_IF_NOT_WORSE, 1, 0.0, -0.0, 1},
    /* An undefined skill on either side cannot show the new one worse. */
    {"if_not_worse, NaN champion", FC_PROMOTE_IF_NOT_WORSE, 1, NAN, -3.0, 1},
    {"if_not_worse, NaN new", FC_PROMOTE_IF_NOT_WORSE, 1, 0.9, NAN, 1},
    {"if_not_worse, NaN both", FC_PROMOTE_IF_NOT_WORSE, 1, NAN, NAN, 1},
    /* No champion: the first version, whatever its skill. */
    {"if_not_worse, no champion", FC_PROMOTE_IF_NOT_WORSE, 0, NAN, -1.0, 1},
    {"if_not_worse, no champion, NaN new", FC_PROMOTE_IF_NOT_WORSE, 0, NAN, NAN,
     1},
    {"if_not_worse, no champion, stale skill ignored", FC_PROMOTE_IF_NOT_WORSE,
     0, 0.9, 0.1, 1},
    /* Infinities (stored as NULL, but the rule sees them first). */
    {"if_not_worse, +inf new", FC_PROMOTE_IF_NOT_WORSE, 1, 0.5, INFINITY, 1},
    {"if_not_worse, -inf new", FC_PROMOTE_IF_NOT_WORSE, 1, 0.5, -INFINITY, 0},
};

/* A value outside the enum promotes nothing. */
static void test_unknown_policy(void)
{
    CHECK_EQ_INT(fc_promotion_decide((enum fc_promotion)42, 0, NAN, 1.0), 0);
}

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got =
            fc_promotion_decide(cases[i].policy, cases[i].has_champion,
                                cases[i].champion_skill, cases[i].new_skill);
        if (got != cases[i].want)
            fprintf(stderr, "case \"%s\":\n", cases[i].what);
        CHECK_EQ_INT(got, cases[i].want);
    }
    test_unknown_policy();
    return check_report();
}
