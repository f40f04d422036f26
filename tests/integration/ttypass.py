#!/usr/bin/env python3
"""Runs sigil on a pseudo-terminal and answers its password prompts.

  ttypass.py PW1[,PW2] SIGIL ARGS...

Prints everything the terminal showed, then "exit=N". COSIGN_PASSWORD must be unset."""
import os
import pty
import select
import sys


def main():
    answers = [a.encode() for a in sys.argv[1].split(",")]
    argv = sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    seen = b""
    asked = 0
    while True:
        r, _, _ = select.select([fd], [], [], 20)
        if not r:
            os.kill(pid, 9)
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        # one answer per prompt, once the prompt is fully shown (echo is off by then)
        prompts = seen.count(b"Enter password for private key")
        if answers and prompts > asked and seen.endswith(b": "):
            asked += 1
            os.write(fd, answers.pop(0) + b"\n")
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors="replace"))
    sys.stdout.write("\nexit=%d\n" % os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
