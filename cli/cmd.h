/*
 * cli/cmd.h - the tally commands. Each takes the arguments after "tally"
 * (argv[0] is the command name) and returns the exit status.
 */
#ifndef TALLY_CLI_CMD_H
#define TALLY_CLI_CMD_H

int cmd_summary(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif /* TALLY_CLI_CMD_H */
