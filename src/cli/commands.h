/* Subcommands: each parses its own arguments (argp) and returns an exit code. */
#ifndef BW_COMMANDS_H
#define BW_COMMANDS_H

int cmd_check(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_futures(int argc, char **argv);

/* Common preconditions with one-line errors; return 0 when fine. */
int require_root(void);
int require_btf(void);
int require_pid(int pid);

#endif
