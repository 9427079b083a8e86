"""Runs a command and prints its wall time, CPU seconds and peak resident memory as JSON.

getrusage(RUSAGE_CHILDREN) gives the kernel's exact figures for the finished child, which a
Node parent cannot read for its own children.
"""
import json
import resource
import subprocess
import sys
import time

start = time.monotonic()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "exit": proc.returncode,
    "wall": wall,
    "user": usage.ru_utime,
    "sys": usage.ru_stime,
    "maxrss_bytes": usage.ru_maxrss * 1024,
    "stderr": proc.stderr.decode(errors="replace")[-2000:],
}))
