"""Runs a command in a pseudo-terminal, answering prompts as a person would.

usage: pty_session.py SCRIPT_JSON -- COMMAND...
SCRIPT_JSON is a list of [prompt, answer] pairs: wait until `prompt` appears on the terminal,
then type `answer` and Enter (an answer of "<SIGTERM>" sends the command SIGTERM instead, as a
closing terminal or a service manager would). Prints everything the terminal showed, then exits with the
command's exit code.
"""
import json
import os
import pty
import select
import signal
import sys
import time

script = json.loads(sys.argv[1])
command = sys.argv[sys.argv.index("--") + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

seen = b""
deadline = time.monotonic() + 30


def read_some(timeout):
    global seen
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        return None
    if not data:
        return None
    seen += data
    return True


for prompt, answer in script:
    while prompt.encode() not in seen:
        if time.monotonic() > deadline or read_some(0.1) is None:
            sys.stdout.write(seen.decode(errors="replace"))
            sys.stderr.write(f"\npty_session: never saw the prompt {prompt!r}\n")
            sys.exit(99)
    time.sleep(0.05)
    if answer == "<SIGTERM>":
        os.kill(pid, signal.SIGTERM)
    else:
        os.write(fd, answer.encode() + b"\r")

while time.monotonic() < deadline and read_some(0.2) is not None:
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
