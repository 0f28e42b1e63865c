/* promotion.h — the promotion rule: whether a newly trained version of a
 * series becomes its champion, under the policy the configuration chose
 * for the job (enum fc_promotion, records.h).
 *
 * A pure function of the policy and the two skills, so it is tested on
 * its own and every store applies the same rule: a store reads the
 * champion's skill and calls it inside the transaction that stores the new
 * version. Skill is 1 - rmse / naive rmse on the test period (higher is
 * better), NaN when undefined. */
#ifndef FC_PROMOTION_H
#define FC_PROMOTION_H

#include "records.h"

/* 1 when the new version (skill new_skill) becomes the champion, else 0:
 * - FC_PROMOTE_ALWAYS: 1;
 * - FC_PROMOTE_NEVER (or a value outside the enum): 0, even for a series'
 *   first version;
 * - FC_PROMOTE_IF_NOT_WORSE: 1 when there is no champion (has_champion 0;
 *   champion_skill is then ignored), else 1 when either skill is NaN (an
 *   undefined skill on either side cannot show the new version is worse)
 *   or new_skill >= champion_skill.
 * Pure: no I/O, no state, thread-safe. */
int fc_promotion_decide(enum fc_promotion policy, int has_champion,
                        double champion_skill, double new_skill);

#endif
