#ifndef SIGIL_ATTEST_H
#define SIGIL_ATTEST_H
int cmd_attest(int argc, char **argv);
int cmd_verify_attestation(int argc, char **argv);
int cmd_provenance(int argc, char **argv);
#endif
