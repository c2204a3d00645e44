"""The render processes end with the server that started them, even a killed one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

_SERVER = """
import os, time
from kaoping.web import renderpool
pool = renderpool._executor()
pool.submit(os.getpid).result()
print(" ".join(str(p) for p in pool._processes), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for whoever adopted it to reap it."""
    status = Path(f"/proc/{pid}/status")
    try:
        state = next(x for x in status.read_text().splitlines() if x.startswith("State:"))
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "Z" not in state.split()[1]


def test_render_processes_end_when_their_server_is_killed() -> None:
    server = subprocess.Popen([sys.executable, "-c", _SERVER], stdout=subprocess.PIPE,
                              text=True, env=os.environ.copy())
    assert server.stdout is not None
    pids = [int(x) for x in server.stdout.readline().split()]
    assert pids and all(_alive(p) for p in pids)
    server.kill()
    server.wait()
    deadline = time.monotonic() + 60  # a bound on waiting, not a speed asserted
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(_alive(p) for p in pids), "render processes outlived their server"
