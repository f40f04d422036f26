#ifndef SIGIL_KEYS_CMD_H
#define SIGIL_KEYS_CMD_H
/* Key commands (argv[0] is the command name). Return the process exit status. */
int cmd_generate_key_pair(int argc, char **argv);
int cmd_import_key_pair(int argc, char **argv);
int cmd_public_key(int argc, char **argv);
#endif
