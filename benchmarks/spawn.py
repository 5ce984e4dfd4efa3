"""Start one command from a small process and report its own resource use (run as a script).

    python -I -S benchmarks/spawn.py TIMEOUT STDOUT STDERR ARGV...

Prints ``{"wall": s, "cpu": s, "maxrss_kib": n, "exit": code, "timed_out": bool}``.

Why a separate process: Linux keeps a process's peak resident set across ``exec``, starting from
the memory of the process it was forked (or vforked) from. A command started straight from the
suite, which holds parsed SBOMs and generated inputs, would report the suite's peak as its own.
Started from this script (about 10 MB), its ``ru_maxrss`` is its own.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from types import FrameType


def main(argv: list[str]) -> int:
    timeout, stdout, stderr, command = float(argv[0]), argv[1], argv[2], argv[3:]
    out = os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    err = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    actions = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, err, 2)]
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ, file_actions=actions)
    timed_out = False

    def kill(_signum: int, _frame: FrameType | None) -> None:
        nonlocal timed_out
        timed_out = True
        os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, kill)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    signal.setitimer(signal.ITIMER_REAL, 0)
    print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss,
                      "exit": os.waitstatus_to_exitcode(status), "timed_out": timed_out}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
