#ifndef SIGIL_SIGN_H
#define SIGIL_SIGN_H
int cmd_sign(int argc, char **argv);
#endif
