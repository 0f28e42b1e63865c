/* serve.h — the subcommands that belong to the service: `serve` (the HTTP
 * server), `import` (the ingest path, offline) and `config` (print the
 * effective configuration). Each takes argv with argv[0] = the subcommand
 * and returns the exit code: 0 success, 1 failure, 2 usage or config error.
 * The settings come from config/forecastd.json (or --config FILE, or
 * FORECASTD_CONFIG), then FORECASTD_* variables, then flags. */
#ifndef FC_SERVE_H
#define FC_SERVE_H

#include "config.h"

int fc_cmd_serve(int argc, char **argv);
int fc_cmd_import(int argc, char **argv);
int fc_cmd_config(int argc, char **argv);

/* The settings as `serve` loads them (defaults < config file < FORECASTD_*
 * < flags), for the offline subcommands: config_path (NULL: FORECASTD_CONFIG
 * or ./config/forecastd.json when present) and db (NULL: keep) stand for
 * --config and --db. Returns 0, or 2 after a message on stderr. */
int fc_load_config(struct fc_config *cfg, const char *config_path,
                   const char *db);

#endif
