"""Runs a command in a pseudo-terminal of 120 columns and copies what the terminal shows to
stdout as it arrives (a test reads a progress bar while it is drawn).

usage: pty_stream.py -- COMMAND...
Exits with the command's exit code.
"""
import fcntl
import os
import pty
import struct
import sys
import termios

command = sys.argv[sys.argv.index("--") + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    os.write(1, data)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
