/* cli.c — offline train / predict. Work in progress in this commit. */
#include "cli.h"

#include <stdio.h>

int fc_cli_train(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "forecastd train: not built yet\n");
    return 1;
}

int fc_cli_predict(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "forecastd predict: not built yet\n");
    return 1;
}
