"""Which redis-server processes work on a data folder, read from /proc, and clearing one left
behind there.

`newsdesk serve` and `newsdesk keys` both start the private Redis on NEWSDESK_DATA_DIR; both
first look here for a server already on that folder, since two servers must never share one
append-only file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from newsdesk.redis_server import RedisServerError


class LeftoverRedisError(RedisServerError):
    """The data folder's Redis belongs to another live `newsdesk serve`, or would not stop."""


def _proc_text(pid: int, name: str) -> str:
    try:
        return (Path("/proc") / str(pid) / name).read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _is_alive(pid: int) -> bool:
    stat = _proc_text(pid, "stat")
    if not stat:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def _parent_pid(pid: int) -> int:
    stat = _proc_text(pid, "stat")
    return int(stat.rsplit(")", 1)[-1].split()[1]) if stat else 0


def redis_servers_in(data_dir: Path) -> list[int]:
    """Live redis-server processes working in `data_dir`.

    redis-server rewrites its command line (so `--dir` cannot be read back) but it
    chdirs into its data folder, so its working directory tells where its AOF is.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if _proc_text(pid, "comm").strip() != "redis-server":
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if cwd == data_dir and _is_alive(pid):
            found.append(pid)
    return found


def _is_newsdesk_serve(pid: int) -> bool:
    words = _proc_text(pid, "cmdline").split()
    return "serve" in words and any("newsdesk" in word for word in words)


def clear_leftover_redis(data_dir: Path, say: Callable[[str], None], timeout: float = 15.0) -> None:
    """Two redis-servers must never share one AOF: stop a leftover, refuse a live rival.

    A redis-server still working in our data folder whose parent is another live
    `newsdesk serve` belongs to that serve: refuse to start. Any other one was left
    behind (its serve was killed): stop it with SIGTERM, which makes it write its
    AOF, then start our own on the same data. `say` tells the person at the terminal
    that a leftover is being stopped, in the calling command's own words.
    """
    for pid in redis_servers_in(data_dir):
        parent = _parent_pid(pid)
        if parent not in (0, 1, os.getpid()) and _is_newsdesk_serve(parent):
            raise LeftoverRedisError(
                f"another `newsdesk serve` (pid {parent}) is using the data folder {data_dir}; "
                "stop it first or set NEWSDESK_DATA_DIR to another folder"
            )
        say(f"stopping a Redis left running on {data_dir} by an earlier run (pid {pid})")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _is_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _is_alive(pid):
            raise LeftoverRedisError(
                f"the leftover Redis (pid {pid}) did not stop; stop it by hand"
            )
