/* server_admission.c — unit tests of the job queue's rule
 * (domain/admission.c): a new job, user's or automatic, against the active
 * jobs of its series and kind, read in id order. */
#include "admission.h"
#include "check.h"

#include <string.h>

struct active {
    int64_t id;
    int is_auto, running;
};

/* Feeds act[0..n) to a fresh decision for a new job (new_is_auto) as a
 * store does: stops at the first refusal. Returns how many were read. */
static int decide(int new_is_auto, const struct active *act, int n,
                  struct fc_admission *a)
{
    int read = 0;
    memset(a, 0, sizeof *a);
    while (read < n) {
        const struct active *j = &act[read++];
        if (!fc_admission_add(a, new_is_auto, j->id, j->is_auto, j->running))
            break;
    }
    return read;
}

static void test_nothing_in_the_way(void)
{
    struct fc_admission a;
    decide(0, NULL, 0, &a);
    CHECK_EQ_INT(a.conflict, 0);
    CHECK_EQ_INT(a.n_replace, 0);
    decide(1, NULL, 0, &a);
    CHECK_EQ_INT(a.conflict, 0);
    CHECK_EQ_INT(a.n_replace, 0);
}

/* A user's job replaces the automatic ones, running or queued. */
static void test_user_replaces_automatic(void)
{
    const struct active act[] = {{7, 1, 1}, {9, 1, 0}};
    struct fc_admission a;
    CHECK_EQ_INT(decide(0, act, 2, &a), 2);
    CHECK_EQ_INT(a.conflict, 0);
    CHECK_EQ_INT(a.n_replace, 2);
    CHECK_EQ_INT(a.replace[0], 7);
    CHECK_EQ_INT(a.replace_running[0], 1);
    CHECK_EQ_INT(a.replace[1], 9);
    CHECK_EQ_INT(a.replace_running[1], 0);
}

/* A user's job in the way refuses any new one; reading stops there. */
static void test_user_job_refuses(void)
{
    const struct active act[] = {{3, 0, 0}, {4, 1, 1}};
    struct fc_admission a;
    CHECK_EQ_INT(decide(0, act, 2, &a), 1);
    CHECK_EQ_INT(a.conflict, 3);
    CHECK_EQ_INT(decide(1, act, 2, &a), 1);
    CHECK_EQ_INT(a.conflict, 3);
    /* After an automatic one that a user's job would have replaced. */
    const struct active late[] = {{4, 1, 1}, {5, 0, 0}};
    CHECK_EQ_INT(decide(0, late, 2, &a), 2);
    CHECK_EQ_INT(a.conflict, 5);
}

/* An automatic job replaces nothing: any active job refuses it. */
static void test_automatic_replaces_nothing(void)
{
    const struct active act[] = {{11, 1, 0}};
    struct fc_admission a;
    CHECK_EQ_INT(decide(1, act, 1, &a), 1);
    CHECK_EQ_INT(a.conflict, 11);
    CHECK_EQ_INT(a.n_replace, 0);
}

/* The refusal names the job in the way and how to remove it. */
static void test_refusal_message(void)
{
    struct fc_diag d;
    fc_diag_init(&d);
    CHECK_EQ_INT(fc_admission_refuse("NFLX", "train", 42, &d), FC_ECONFLICT);
    CHECK(strstr(d.msg, "NFLX already has train job 42") != NULL);
    CHECK(strstr(d.msg, "DELETE /jobs/42") != NULL);
}

/* More automatic jobs than FC_ADMISSION_MAX: the first ones are kept. */
static void test_bounded(void)
{
    struct active act[FC_ADMISSION_MAX + 3];
    struct fc_admission a;
    for (int i = 0; i < FC_ADMISSION_MAX + 3; i++)
        act[i] = (struct active){100 + i, 1, 0};
    CHECK_EQ_INT(decide(0, act, FC_ADMISSION_MAX + 3, &a),
                 FC_ADMISSION_MAX + 3);
    CHECK_EQ_INT(a.conflict, 0);
    CHECK_EQ_INT(a.n_replace, FC_ADMISSION_MAX);
    CHECK_EQ_INT(a.replace[FC_ADMISSION_MAX - 1], 100 + FC_ADMISSION_MAX - 1);
}

int main(void)
{
    test_nothing_in_the_way();
    test_user_replaces_automatic();
    test_user_job_refuses();
    test_automatic_replaces_nothing();
    test_refusal_message();
    test_bounded();
    return check_report();
}
