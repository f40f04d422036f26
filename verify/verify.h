#ifndef SIGIL_VERIFY_H
#define SIGIL_VERIFY_H
int cmd_verify(int argc, char **argv);
#endif
