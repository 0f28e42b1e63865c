/* main.c — wiring only: pick the subcommand and hand over. */
#include "cli.h"
#include "cli_copy.h"
#include "serve.h"

#include <stdio.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr,
            "usage: forecastd serve   [--config FILE] [--bind ADDR] [--port N]"
            " [--db PATH] [--api-key KEY]\n"
            "       forecastd import  --ticker T [--db PATH]"
            " [--on-error reject|skip] FILE.csv\n"
            "       forecastd config  [serve's options]   (print the "
            "effective settings)\n"
            "       forecastd train   ...\n"
            "       forecastd predict ...\n"
            "       forecastd backtest --csv FILE [--folds N] [--gap N] ...\n"
            "       forecastd copy    --from SRC --to DST [--replace]"
            "   (SQLite file or PostgreSQL URI)\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "serve") == 0)
        return fc_cmd_serve(argc - 1, argv + 1);
    if (strcmp(argv[1], "import") == 0)
        return fc_cmd_import(argc - 1, argv + 1);
    if (strcmp(argv[1], "config") == 0)
        return fc_cmd_config(argc - 1, argv + 1);
    if (strcmp(argv[1], "train") == 0)
        return fc_cli_train(argc - 1, argv + 1);
    if (strcmp(argv[1], "predict") == 0)
        return fc_cli_predict(argc - 1, argv + 1);
    if (strcmp(argv[1], "copy") == 0)
        return fc_cmd_copy(argc - 1, argv + 1);
    if (strcmp(argv[1], "backtest") == 0)
        return fc_cli_backtest(argc - 1, argv + 1);
    return usage();
}
