/* cli_copy.h — `forecastd copy --from SRC --to DST [--replace]`: a whole
 * database from one backend to another (cli_copy.c says what moves and
 * how it is checked). Returns the exit status: 0 copied and checked,
 * 1 error, 2 usage, 3 the destination is not empty (without --replace).
 * argv[0] is the subcommand name. */
#ifndef FC_CLI_COPY_H
#define FC_CLI_COPY_H

int fc_cmd_copy(int argc, char **argv);

#endif
