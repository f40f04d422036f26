#ifndef SIGIL_ADMISSION_H
#define SIGIL_ADMISSION_H
/* sigil admission serve: the Kubernetes admission webhook. */
int cmd_admission(int argc, char **argv);
#endif
