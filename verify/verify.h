#ifndef SIGIL_VERIFY_H
#define SIGIL_VERIFY_H
int cmd_verify(int argc, char **argv);
/* inspect.c: tree, triangulate, download (nothing verified) */
int cmd_tree(int argc, char **argv);
int cmd_triangulate(int argc, char **argv);
int cmd_download(int argc, char **argv);
#endif
