#ifndef SIGIL_SIGN_H
#define SIGIL_SIGN_H
int cmd_sign(int argc, char **argv);
int cmd_copy(int argc, char **argv);
#endif
