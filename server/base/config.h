/* config.h — forecastd's settings: one struct, one table that drives it.
 *
 * struct fc_config holds every setting. A table of {key, kind, offset,
 * default, min, max} (config.c) gives each its JSON key, its type, its
 * default and its bounds; loading, environment overrides, validation and
 * printing all walk that table, so a new setting is one line there plus a
 * field here. Precedence: defaults < config file < FORECASTD_* environment
 * variables (train.epochs -> FORECASTD_TRAIN_EPOCHS) < command-line flags.
 * Unknown keys and out-of-range values are errors that name the key.
 * After loading, the struct is read-only and passed explicitly (no global).
 * The config file is read by json/config_file.c (cJSON stays in json/). */
#ifndef FC_CONFIG_H
#define FC_CONFIG_H

#include "err.h"

#include <stdint.h>

#define FC_CONFIG_MAX_LAYERS 8

/* Bounds that the train.* settings share with the parameters of a training
 * request. The table of request parameters (domain/params.c) sits above
 * this folder and reads these; the settings table below cannot include it,
 * so the numbers live here, once. */
#define FC_TRAIN_WINDOW_MIN 2
#define FC_TRAIN_WINDOW_MAX 10000
#define FC_TRAIN_EPOCHS_MAX 1000000 /* epochs, patience, max_epochs */
#define FC_TRAIN_BATCH_MAX 65536
#define FC_TRAIN_DROPOUT_MAX 0.9
#define FC_TRAIN_SEED_MAX 9007199254740991.0 /* 2^53 - 1: exact in JSON */

struct fc_train_config {
    char preset[16];                  /* "default" or "report" */
    int window;                       /* days per input window, <= max_window */
    int layers[FC_CONFIG_MAX_LAYERS]; /* units per LSTM layer, <= max_units */
    int n_layers;                     /* 1..FC_CONFIG_MAX_LAYERS */
    int epochs;                       /* <= max_epochs */
    int batch_size;
    double learning_rate; /* Adam step size */
    double dropout;       /* [0, 1) */
    int patience;         /* epochs without val improvement; 0 = off */
    int64_t seed;
    int max_epochs; /* bounds a POST /train may ask for */
    int max_window;
    int max_units;
};

struct fc_config {
    char bind[64];                  /* IPv4 or IPv6 address to listen on */
    int port;                       /* 0 = any free port (logged) */
    char db[1024];                  /* SQLite file; its directory is created */
    char api_key[256];              /* "" = no authentication */
    int http_threads;               /* libmicrohttpd thread pool size */
    int64_t max_body_bytes;         /* request body cap (413 beyond) */
    int max_connections;            /* concurrent connections */
    int connection_timeout_seconds; /* a connection idle this long, or
                                      whose request headers take longer, is
                                      closed (slow clients; http.c) */
    double rate_limit_per_second;   /* per client address; 0 = off */
    int blas_threads;               /* OpenBLAS threads */
    int train_threads;              /* data-parallel training workers */
    int train_on_first_ingest;      /* bool */
    int retrain_after_new_bars;     /* 0 = off */
    double retrain_interval_hours;  /* 0 = off */
    char promotion_manual[16];      /* always | if_not_worse | never */
    char promotion_auto[16];        /* always | if_not_worse | never */
    char cors_origin[256];          /* "" = no CORS headers */
    char web_dir[1024];             /* static files for GET / */
    char replica_id[128];           /* this process among the replicas of one
                                       PostgreSQL database; "" = hostname:port */
    int job_lease_seconds; /* a claimed job is held this long past its last
                              progress write (after every epoch, and between
                              batches once a third of it has passed); then
                              another replica may take it over */
    int pg_statement_timeout_ms; /* PostgreSQL statement_timeout; 0 = none */
    int pg_connect_timeout_s;    /* PostgreSQL connect_timeout */
    struct fc_train_config train;
};

/* Every field set to its default. Cannot fail. */
void fc_config_defaults(struct fc_config *c);

/* Applies every FORECASTD_<KEY> variable that names a key of the table
 * (other FORECASTD_* variables are ignored: FORECASTD_CONFIG, ...).
 * FC_EINVAL naming the variable on a bad value. */
fc_err fc_config_load_env(struct fc_config *c, struct fc_diag *d);
/* Sets one key ("port", "train.epochs") from text, as a flag or variable
 * would. `origin` names the source in messages ("--port"). FC_EINVAL for an
 * unknown key or a bad value. */
fc_err fc_config_set_text(struct fc_config *c, const char *key,
                          const char *text, const char *origin,
                          struct fc_diag *d);
/* Checks beyond one key's bounds: bind is a numeric IPv4/IPv6 address,
 * window <= max_window, epochs <= max_epochs, units <= max_units.
 * FC_EINVAL naming the key. */
fc_err fc_config_validate(const struct fc_config *c, struct fc_diag *d);

/* ---- for json/config_file.c: typed values from a JSON document ---- */

enum fc_cfg_vtype {
    FC_CFG_V_STRING,
    FC_CFG_V_NUMBER,
    FC_CFG_V_BOOL,
    FC_CFG_V_NUMBERS, /* an array of numbers */
    FC_CFG_V_OTHER    /* null, a mixed array, ... */
};

struct fc_cfg_value {
    enum fc_cfg_vtype type;
    const char *s;                         /* STRING */
    double num;                            /* NUMBER */
    int b;                                 /* BOOL */
    double list[FC_CONFIG_MAX_LAYERS + 1]; /* NUMBERS, first n_list */
    int n_list; /* may exceed the array: then the list is too long */
};

/* Sets one key from a typed JSON value. FC_EINVAL for an unknown key, a
 * wrong type or a value out of range (d names origin and key). */
fc_err fc_config_set_value(struct fc_config *c, const char *key,
                           const struct fc_cfg_value *v, const char *origin,
                           struct fc_diag *d);

/* The C type behind a key. */
enum fc_config_kind {
    FC_CFG_K_STR,    /* char[size] */
    FC_CFG_K_ENUM,   /* char[size], one of `choices` */
    FC_CFG_K_INT,    /* int */
    FC_CFG_K_I64,    /* int64_t */
    FC_CFG_K_NUM,    /* double */
    FC_CFG_K_BOOL,   /* int, 0 or 1 */
    FC_CFG_K_INTLIST /* train.layers / train.n_layers */
};

/* A key's entry, for printing: iterate i = 0.. until it returns NULL. */
struct fc_config_key {
    const char *key; /* "port", "train.epochs" */
    enum fc_config_kind kind;
    size_t offset;       /* into struct fc_config */
    size_t size;         /* strings: buffer size */
    const char *def;     /* default, as text */
    double min, max;     /* numbers: bounds; strings: max length */
    const char *choices; /* enums: "a|b|c" */
};
const struct fc_config_key *fc_config_key_at(int i);

#endif
