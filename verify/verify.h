#ifndef SIGIL_VERIFY_H
#define SIGIL_VERIFY_H
int cmd_verify(int argc, char **argv);
/* inspect.c: tree, triangulate, download (nothing verified) */
int cmd_tree(int argc, char **argv);
int cmd_triangulate(int argc, char **argv);
int cmd_download(int argc, char **argv);
/* policy_cmd.c: sigil policy check */
int cmd_policy(int argc, char **argv);
/* policy_cmd.c: sigil verify --policy FILE IMAGE...: prints a verdict per image (text, or a
 * JSON array); returns the exit status (0 all allowed, 1 one denied, 2 operational). */
struct sg_opts;
struct sg_platform;
int verify_with_policy(const char *path, const struct sg_opts *opts,
		       const struct sg_platform *platform, int json, char **images, int nimages);
#endif
