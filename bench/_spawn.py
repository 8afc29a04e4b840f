"""Run one command and report its wall time, peak memory and CPU time (``bench/measure.py``).

Started by ``measure.run_once`` as ``python -S _spawn.py FD CMD...``: a process this small is
the command's parent, because Linux counts the memory of the process that started a command
in the command's peak (``ru_maxrss`` keeps the parent's high-water mark across fork and exec),
and the benchmark itself holds whole generated designs.
"""

import json
import os
import sys
import time

fd, cmd = int(sys.argv[1]), sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(cmd[0], cmd, os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
os.write(fd, json.dumps([wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
                         os.waitstatus_to_exitcode(status)]).encode())
