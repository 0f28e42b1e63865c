/* promotion.c — the promotion rule (promotion.h). */
#include "promotion.h"

#include <math.h>

int fc_promotion_decide(enum fc_promotion policy, int has_champion,
                        double champion_skill, double new_skill)
{
    switch (policy) {
    case FC_PROMOTE_ALWAYS:
        return 1;
    case FC_PROMOTE_IF_NOT_WORSE:
        if (!has_champion)
            return 1;
        /* NaN compares false, so it must be tested before >=. */
        return isnan(champion_skill) || isnan(new_skill) ||
               new_skill >= champion_skill;
    case FC_PROMOTE_NEVER:
        break;
    }
    return 0;
}
