/* cli.h — the offline subcommands `train` and `predict`, which run the same
 * code as the server against a CSV file or the database, for scripts and
 * debugging. Results go to stdout, progress and logs to stderr. Each returns
 * the process exit code: 0 success, 1 failure, 2 usage error. argv[0] is the
 * subcommand name. */
#ifndef FC_CLI_H
#define FC_CLI_H

#include "config.h"
#include "params.h"

#include <stdio.h>

int fc_cli_train(int argc, char **argv);
int fc_cli_predict(int argc, char **argv);
/* The database forms (cli_db.c), which fc_cli_train and fc_cli_predict
 * hand over to when --ticker is given: train queues and runs a job like
 * POST /train and prints the stored version; predict prints what
 * GET /predict would answer from the stored champion. */
int fc_cli_train_db(int argc, char **argv);
int fc_cli_predict_db(int argc, char **argv);
/* Walk-forward backtest of a preset on a CSV file (core fc_backtest). */
int fc_cli_backtest(int argc, char **argv);

/* The training parameters among argv[1..argc) ("--flag value" pairs and
 * --quiet; the caller has already rejected flags it does not know) into
 * *p: the flags of the parameter table, backtest-only ones with backtest,
 * offline-only ones with offline, bounded with cfg. The preset (the
 * --preset flag, else `preset`, NULL for cfg's) is applied first, then
 * the other flags in order, then fc_train_params_finish. Returns 0, or 2
 * after printing "forecastd CMD: --flag: reason" to stderr. */
int fc_cli_params(int argc, char **argv, int backtest, int offline,
                  const char *preset, const struct fc_config *cfg,
                  struct fc_train_params *p);
/* The parameter flags as usage lines (flag, value, help, bounds with the
 * default settings), from the parameter table. */
void fc_cli_params_usage(FILE *f, int backtest, int offline);

#endif
